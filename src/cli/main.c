/* main.c - smartlockctl: parse the command line and dispatch to a command
 * through a sorted table. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/config.h"
#include "smartlock/log.h"

#include "cli.h"
#include "site.h"

struct cli_cmd {
	const char *name;
	int (*run)(struct cli_opts *o);         /* NULL for raw commands */
	int (*raw)(int argc, char **argv);      /* gets its own argv */
	unsigned options;                       /* accepted beyond OPT_COMMON */
	int min_args, max_args;
	const char *usage;
};

static int cmd_help(struct cli_opts *o);
static int cmd_version(struct cli_opts *o);

#define USER_OPTS (OPT_ROLE | OPT_FROM | OPT_UNTIL | OPT_SCHEDULE | OPT_USES | OPT_LOCKS | \
		OPT_OUT | OPT_FORCE)

/* Sorted by strcmp on name for bsearch. */
static const struct cli_cmd commands[] = {
	{"alert", cmd_alert, NULL, 0, 1, 1, "alert test"},
	{"health", cmd_health, NULL, 0, 0, 0, "health"},
	{"help", cmd_help, NULL, 0, 0, 1, "help"},
	{"init", NULL, site_cmd_init, 0, 0, 0, "init DIR [options] (see smartlockctl-init(1))"},
	{"lock", cmd_lock, NULL, 0, 0, 0, "lock"},
	{"lock-reset", cmd_lock_reset, NULL, 0, 0, 0, "lock-reset"},
	{"log", cmd_log, NULL, OPT_COUNT | OPT_BEFORE | OPT_ALL | OPT_DIR, 1, -1,
		"log show [--count N] [--before SEQ] [--all] | log verify FILE... | "
		"log verify --dir DIR"},
	{"status", cmd_status, NULL, 0, 0, 0, "status"},
	{"unlock", cmd_unlock, NULL, 0, 0, 0, "unlock"},
	{"user", NULL, site_cmd_user, 0, 0, 0, "user add NAME ... (see smartlockctl-user(1))"},
	{"users", cmd_users, NULL, USER_OPTS, 1, 2,
		"users list | users add NAME [--role R] [--from T] [--until T] [--schedule S] "
		"[--uses N] [--locks L] [--out FILE] | users disable|enable|revoke NAME | "
		"users reset-lockout [NAME]"},
	{"version", cmd_version, NULL, 0, 0, 0, "version"},
	{"watch", cmd_watch, NULL, OPT_COUNT, 0, 0, "watch [--json] [--count N]"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static int cmd_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cli_cmd *)elem)->name);
}

static const struct cli_cmd *find_command(const char *name)
{
	return bsearch(name, commands, NCOMMANDS, sizeof(commands[0]), cmd_cmp);
}

enum {
	LONG_ROLE = 256, LONG_FROM, LONG_UNTIL, LONG_SCHEDULE, LONG_USES, LONG_LOCKS,
	LONG_BEFORE, LONG_ALL, LONG_DIR, LONG_FORCE, LONG_VERSION,
};

static const struct option long_options[] = {
	{"enrol", required_argument, NULL, 'e'},
	{"lock", required_argument, NULL, 'l'},
	{"timeout", required_argument, NULL, 't'},
	{"json", no_argument, NULL, 'j'},
	{"out", required_argument, NULL, 'o'},
	{"count", required_argument, NULL, 'n'},
	{"help", no_argument, NULL, 'h'},
	{"role", required_argument, NULL, LONG_ROLE},
	{"from", required_argument, NULL, LONG_FROM},
	{"until", required_argument, NULL, LONG_UNTIL},
	{"schedule", required_argument, NULL, LONG_SCHEDULE},
	{"uses", required_argument, NULL, LONG_USES},
	{"locks", required_argument, NULL, LONG_LOCKS},
	{"before", required_argument, NULL, LONG_BEFORE},
	{"all", no_argument, NULL, LONG_ALL},
	{"dir", required_argument, NULL, LONG_DIR},
	{"force", no_argument, NULL, LONG_FORCE},
	{"version", no_argument, NULL, LONG_VERSION},
	{NULL, 0, NULL, 0},
};
#define SHORT_OPTIONS "e:l:t:jo:n:h"

/* Which bit an option sets and where its value goes. */
struct opt_target {
	int code;
	unsigned bit;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--enrol FILE] [--lock ID] [--timeout SECONDS] [--json] "
			"COMMAND [ARGS]\n\ncommands:\n", CLI_PROG);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nexit codes: 0 granted/ok, 1 denied, 2 usage, 3 config or enrolment, "
			"4 timeout,\n  5 lock offline, 6 broker connection failed, "
			"7 audit log verification failed,\n  8 allowed but the lock could not "
			"do it. See smartlockctl(1).\n");
}

static int cmd_help(struct cli_opts *o)
{
	const struct cli_cmd *c = o->nargs > 0 ? find_command(o->args[0]) : NULL;

	if (c)
		printf("usage: %s %s\n", CLI_PROG, c->usage);
	else
		usage(stdout);
	return EXIT_GRANTED;
}

static int cmd_version(struct cli_opts *o)
{
	(void)o;
	printf("%s %s\n", CLI_PROG, SMARTLOCK_VERSION);
	return EXIT_GRANTED;
}

static int parse_count(const char *s, const char *what, int64_t min, int64_t max, int64_t *out)
{
	if (config_parse_int(s, min, max, out) != SL_OK) {
		cli_error("%s: expected a whole number from %lld to %lld, not '%s'", what,
				(long long)min, (long long)max, s);
		return -1;
	}
	return 0;
}

/* One option into o; -1 on a bad value (message printed). */
static int take_option(struct cli_opts *o, int code, const char *arg)
{
	int64_t v;

	switch (code) {
	case 'e': o->given |= OPT_ENROL; o->enrol = arg; break;
	case 'l':
		o->given |= OPT_LOCK;
		if (topic_check_name(arg) != SL_OK) {
			cli_error("--lock: '%s' is not a valid lock id", arg);
			return -1;
		}
		o->lock = arg;
		break;
	case 't':
		o->given |= OPT_TIMEOUT;
		if (parse_count(arg, "--timeout", 1, 3600, &v) != 0)
			return -1;
		o->timeout_ms = v * 1000;
		break;
	case 'j': o->given |= OPT_JSON; o->json = true; break;
	case 'o': o->given |= OPT_OUT; o->out = arg; break;
	case 'n':
		o->given |= OPT_COUNT;
		if (parse_count(arg, "--count", 1, 1000000, &o->count) != 0)
			return -1;
		break;
	case 'h': o->given |= OPT_HELP; break;
	case LONG_ROLE: o->given |= OPT_ROLE; o->role = arg; break;
	case LONG_FROM: o->given |= OPT_FROM; o->from = arg; break;
	case LONG_UNTIL: o->given |= OPT_UNTIL; o->until = arg; break;
	case LONG_SCHEDULE: o->given |= OPT_SCHEDULE; o->schedule = arg; break;
	case LONG_USES:
		o->given |= OPT_USES;
		if (parse_count(arg, "--uses", 0, 1000000, &o->uses) != 0)
			return -1;
		break;
	case LONG_LOCKS: o->given |= OPT_LOCKS; o->locks = arg; break;
	case LONG_BEFORE:
		o->given |= OPT_BEFORE;
		if (parse_count(arg, "--before", 1, INT64_MAX, &o->before) != 0)
			return -1;
		break;
	case LONG_ALL: o->given |= OPT_ALL; o->all = true; break;
	case LONG_DIR: o->given |= OPT_DIR; o->dir = arg; break;
	case LONG_FORCE: o->given |= OPT_FORCE; o->force = true; break;
	default:
		return -1;
	}
	return 0;
}

/* The long name of the first option bit in bits (for messages). */
static const char *option_name(unsigned bits)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{OPT_ROLE, "--role"}, {OPT_FROM, "--from"}, {OPT_UNTIL, "--until"},
		{OPT_SCHEDULE, "--schedule"}, {OPT_USES, "--uses"}, {OPT_LOCKS, "--locks"},
		{OPT_OUT, "--out"}, {OPT_COUNT, "--count"}, {OPT_BEFORE, "--before"},
		{OPT_ALL, "--all"}, {OPT_DIR, "--dir"}, {OPT_FORCE, "--force"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bits & names[i].bit)
			return names[i].name;
	return "option";
}

static void on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	const struct cli_cmd *cmd;
	int c, rc;

	sl_log_setup(CLI_PROG, SL_LOG_WARNING);
	memset(&o, 0, sizeof(o));
	o.timeout_ms = CLI_DEFAULT_TIMEOUT_MS;

	/* options before the command (stop at the first operand) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+" SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (c == LONG_VERSION)
			return cmd_version(&o);
		if (c == '?' || c == ':') {
			cli_error("unknown option or missing value: %s", argv[optind - 1]);
			usage(stderr);
			return EXIT_USAGE;
		}
		if (take_option(&o, c, optarg) != 0)
			return EXIT_USAGE;
	}
	if (optind >= argc) {
		if (o.given & OPT_HELP) {
			usage(stdout);
			return EXIT_GRANTED;
		}
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = find_command(argv[optind]);
	if (!cmd) {
		cli_error("unknown command '%s'", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (cmd->raw)
		return cmd->raw(argc - optind, argv + optind);

	/* the command's own options and operands, in any order */
	argc -= optind;
	argv += optind;
	optind = 0;
	while ((c = getopt_long(argc, argv, SHORT_OPTIONS, long_options, NULL)) != -1) {
		if (c == LONG_VERSION)
			return cmd_version(&o);
		if (c == '?' || c == ':') {
			cli_error("unknown option or missing value in '%s'", cmd->name);
			fprintf(stderr, "usage: %s %s\n", CLI_PROG, cmd->usage);
			return EXIT_USAGE;
		}
		if (take_option(&o, c, optarg) != 0)
			return EXIT_USAGE;
	}
	if (o.given & OPT_HELP) {
		printf("usage: %s %s\n", CLI_PROG, cmd->usage);
		return EXIT_GRANTED;
	}
	if (o.given & ~(OPT_COMMON | cmd->options)) {
		cli_error("%s does not apply to '%s'",
				option_name(o.given & ~(OPT_COMMON | cmd->options)), cmd->name);
		return EXIT_USAGE;
	}
	o.args = argv + optind;
	o.nargs = argc - optind;
	if (o.nargs < cmd->min_args || (cmd->max_args >= 0 && o.nargs > cmd->max_args)) {
		fprintf(stderr, "usage: %s %s\n", CLI_PROG, cmd->usage);
		return EXIT_USAGE;
	}
	setup_signals();
	rc = cmd->run(&o);
	enrol_wipe(&o.enrolment);
	return rc;
}
