/* main.c - smartlock-agent's command line: options, config, exit codes. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "smartlock/audit.h"
#include "smartlock/log.h"
#include "agent.h"
#include "settings.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: smartlock-agent [-c FILE] [-d]\n"
		"       smartlock-agent --verify-audit DIR\n"
		"\n"
		"The smartlock authority: verifies users' lock requests, applies role\n"
		"policy and the intrusion rule, relays signed commands to the locks,\n"
		"tracks their health and keeps the tamper-evident audit log.\n"
		"\n"
		"  -c, --config FILE     configuration file (default %s)\n"
		"  -d, --debug           log debug messages\n"
		"      --check-config    load the configuration and state, then exit\n"
		"      --verify-audit DIR  verify the audit log hash chain in DIR and exit\n"
		"  -h, --help            show this help\n"
		"  -V, --version         show the version\n"
		"\n"
		"Exit status: 0 clean shutdown (or log verified), 1 runtime failure,\n"
		"2 usage error, 3 configuration or state file error, 4 audit log cannot\n"
		"be opened or does not verify. See smartlock-agent(8).\n",
		AGENT_DEFAULT_CONFIG);
}

static int verify_audit(const char *dir)
{
	struct audit_verify_result res;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;

	e = audit_list_files(dir, &paths, &n);
	if (e != SL_OK) {
		fprintf(stderr, "smartlock-agent: %s: cannot list the audit log: %s\n", dir,
				sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	if (n == 0) {
		audit_free_paths(paths, n);
		fprintf(stderr, "smartlock-agent: %s: no audit log here\n", dir);
		return AGENT_EXIT_AUDIT;
	}
	e = audit_verify_files((const char *const *)paths, n, &res);
	audit_free_paths(paths, n);
	if (e == SL_ERR_AUDIT_CHAIN) {
		printf("%s:%llu: %s\n", res.file, (unsigned long long)res.line, res.problem);
		printf("audit log in %s does NOT verify (%llu records intact before the "
				"problem)\n", dir, (unsigned long long)res.records);
		return AGENT_EXIT_AUDIT;
	}
	if (e != SL_OK) {
		fprintf(stderr, "smartlock-agent: %s: %s: %s\n", dir, res.problem,
				sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	printf("audit log in %s verifies: %llu records, %llu to %llu, in %zu files\n", dir,
			(unsigned long long)res.records, (unsigned long long)res.first_seq,
			(unsigned long long)res.last_seq, n);
	return AGENT_EXIT_OK;
}

enum { OPT_VERIFY_AUDIT = 256, OPT_CHECK_CONFIG };

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
		{"config", required_argument, NULL, 'c'},
		{"debug", no_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"verify-audit", required_argument, NULL, OPT_VERIFY_AUDIT},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *config = AGENT_DEFAULT_CONFIG, *verify_dir = NULL;
	struct agent_settings set;
	struct sl_config_error err;
	struct agent *a;
	bool debug = false, check_only = false;
	enum agent_exit x;
	int c;

	sl_log_setup("smartlock-agent", SL_LOG_NOTICE);
	while ((c = getopt_long(argc, argv, "c:dhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			debug = true;
			break;
		case 'h':
			usage(stdout);
			return AGENT_EXIT_OK;
		case 'V':
			printf("smartlock-agent %s\n", SMARTLOCK_VERSION);
			return AGENT_EXIT_OK;
		case OPT_VERIFY_AUDIT:
			verify_dir = optarg;
			break;
		case OPT_CHECK_CONFIG:
			check_only = true;
			break;
		default:
			usage(stderr);
			return AGENT_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "smartlock-agent: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return AGENT_EXIT_USAGE;
	}
	if (verify_dir)
		return verify_audit(verify_dir);

	settings_defaults(&set);
	if (settings_load(config, &set, &err) != SL_OK) {
		char buf[600];

		config_error_format(&err, buf, sizeof(buf));
		sl_log(SL_LOG_ERROR, "%s", buf);
		return AGENT_EXIT_CONFIG;
	}
	sl_log_set_level(debug ? SL_LOG_DEBUG : set.log_level);
	mosquitto_lib_init();
	a = calloc(1, sizeof(*a));
	if (!a) {
		sl_log(SL_LOG_ERROR, "out of memory");
		mosquitto_lib_cleanup();
		return AGENT_EXIT_RUNTIME;
	}
	x = agent_init(a, &set);
	if (x == AGENT_EXIT_OK && check_only)
		sl_log(SL_LOG_NOTICE, "configuration, keys, users, state and audit log are valid");
	else if (x == AGENT_EXIT_OK)
		x = agent_run(a);
	agent_finish(a);
	free(a);
	memset(&set.broker_password, 0, sizeof(set.broker_password));
	mosquitto_lib_cleanup();
	return (int)x;
}
