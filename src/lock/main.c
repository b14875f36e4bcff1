/* main.c - smartlock-lockd: command line, configuration, exit codes. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <mosquitto.h>
#include <openssl/crypto.h>

#include "smartlock/log.h"

#include "lockd.h"
#include "lockd_config.h"

#define PROG "smartlock-lockd"

struct options {
	const char *config;
	bool check;
	bool debug;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " PROG " [-c FILE] [-t] [-d]\n"
		"Drive a smart lock's bolt on commands signed by the smartlock agent.\n"
		"\n"
		"  -c, --config FILE  configuration file (default " LOCKD_DEFAULT_CONFIG ")\n"
		"  -t, --check        check the configuration and the backend, then exit\n"
		"  -d, --debug        log debug messages whatever log_level says\n"
		"  -h, --help         show this help and exit\n"
		"  -V, --version      show the version and exit\n"
		"\n"
		"Exit status: 0 clean shutdown (SIGTERM/SIGINT), 1 runtime failure,\n"
		"2 usage, 3 configuration or state file error, 4 GPIO setup error.\n"
		"See smartlock-lockd(8).\n");
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->config = LOCKD_DEFAULT_CONFIG;
	while ((c = getopt_long(argc, argv, "c:tdhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 't':
			o->check = true;
			break;
		case 'd':
			o->debug = true;
			break;
		case 'h':
			usage(stdout);
			return LOCKD_EXIT_OK;
		case 'V':
			printf(PROG " " SMARTLOCK_VERSION "\n");
			return LOCKD_EXIT_OK;
		default:
			usage(stderr);
			return LOCKD_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return LOCKD_EXIT_USAGE;
	}
	return -1;
}

static int run(const struct options *o, const struct lockd_config *cfg)
{
	struct lockd ld;
	char msg[BACKEND_MSG_MAX];
	enum lockd_exit rc;

	mosquitto_lib_init();
	rc = lockd_init(&ld, cfg, msg, sizeof(msg));
	if (rc != LOCKD_EXIT_OK)
		sl_log(SL_LOG_ERROR, "%s", msg);
	else if (o->check)
		printf("%s: configuration and backend OK\n", o->config);
	else
		rc = lockd_run(&ld);
	lockd_finish(&ld);
	mosquitto_lib_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct lockd_config cfg;
	struct sl_config_error err;
	char msg[sizeof(err.file) + sizeof(err.key) + sizeof(err.msg) + 16];
	int rc;

	sl_log_setup(PROG, SL_LOG_NOTICE);
	/* Frugal: OpenSSL's error strings (~47 KB of heap) are never shown. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS, NULL);
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (lockd_config_load(&cfg, o.config, &err) != SL_OK) {
		config_error_format(&err, msg, sizeof(msg));
		sl_log(SL_LOG_ERROR, "%s", msg);
		lockd_config_wipe(&cfg);
		return LOCKD_EXIT_CONFIG;
	}
	sl_log_set_level(o.debug ? SL_LOG_DEBUG : cfg.log_level);
	rc = run(&o, &cfg);
	lockd_config_wipe(&cfg);
	return rc;
}
