/*
 * site.h - the subcommands of smartlockctl that run on the Pi itself and
 * work on the site's files directly, without the broker:
 *
 *   smartlockctl init DIR [options]        create a complete site
 *   smartlockctl user add NAME --role ...  add a user, write its enrolment
 *
 * See smartlockctl-init(1) and smartlockctl-user(1). Each function takes
 * the subcommand's own argv (argv[0] is "init" or "user"), prints to
 * stdout/stderr and returns the process exit code: SITE_EXIT_OK,
 * SITE_EXIT_USAGE, SITE_EXIT_CONFIG (a site or config file is missing or
 * damaged), SITE_EXIT_EXISTS (refused to overwrite an existing secret or
 * account) or SITE_EXIT_FAIL (anything else). Not thread-safe (getopt).
 */
#ifndef SMARTLOCK_CLI_SITE_H
#define SMARTLOCK_CLI_SITE_H

enum site_exit {
	SITE_EXIT_OK = 0,
	SITE_EXIT_FAIL = 1,
	SITE_EXIT_USAGE = 2,
	SITE_EXIT_CONFIG = 3,
	SITE_EXIT_EXISTS = 5,
};

int site_cmd_init(int argc, char **argv);
int site_cmd_user(int argc, char **argv);

#endif
