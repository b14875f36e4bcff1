/* main.c - smartlock-tui: the console owners and residents use to see and
 * control the door. Sets up the session and the terminal, runs the loop,
 * and restores the terminal on the way out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smartlock/config.h"
#include "smartlock/log.h"
#include "smartlock/timeutil.h"

#include "enrolment.h"
#include "exitcode.h"
#include "term.h"
#include "tui.h"
#include "ui.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--enrol FILE] [--lock ID[,ID...]] [--timeout SECONDS] [--no-notify]\n"
			"\n"
			"  --enrol FILE     enrolment file (default $SMARTLOCK_ENROL, else\n"
			"                   ~/.config/smartlock/enrol)\n"
			"  --lock ID,...    the lock to show (default: the enrolment's); more ids\n"
			"                   make a switcher: ] and [ change the lock shown\n"
			"  --timeout S      how long to wait for an answer (default 15)\n"
			"  --no-notify      no desktop notifications; the terminal bell only\n"
			"\n"
			"exit codes: 0 quit, 2 usage or no terminal, 3 enrolment, "
			"6 the broker cannot be tried at all. See smartlock-tui(1).\n", TUI_PROG);
}

/* --lock ID[,ID...]: the first is shown first; ] and [ switch. */
static int parse_locks(char *arg, struct tui_options *o)
{
	for (char *save = NULL, *id = strtok_r(arg, ",", &save); id;
			id = strtok_r(NULL, ",", &save)) {
		if (topic_check_name(id) != SL_OK) {
			fprintf(stderr, "%s: --lock: '%s' is not a valid lock id\n", TUI_PROG, id);
			return -1;
		}
		if (o->nlocks == TUI_LOCKS_MAX) {
			fprintf(stderr, "%s: --lock: at most %d locks\n", TUI_PROG, TUI_LOCKS_MAX);
			return -1;
		}
		o->locks[o->nlocks++] = id;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct tui_options *o)
{
	static const struct option opts[] = {
		{"enrol", required_argument, NULL, 'e'},
		{"lock", required_argument, NULL, 'l'},
		{"timeout", required_argument, NULL, 't'},
		{"no-notify", no_argument, NULL, 'N'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;
	int64_t v;

	while ((c = getopt_long(argc, argv, "e:l:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': o->enrol = optarg; break;
		case 'l':
			if (parse_locks(optarg, o) != 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (config_parse_int(optarg, 1, 3600, &v) != SL_OK) {
				fprintf(stderr, "%s: --timeout: seconds from 1 to 3600\n", TUI_PROG);
				return EXIT_USAGE;
			}
			o->timeout_ms = v * 1000;
			break;
		case 'N': o->no_notify = true; break;
		case 'h': usage(stdout); return -1;
		case 'V': printf("%s %s\n", TUI_PROG, SMARTLOCK_VERSION); return -1;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return EXIT_GRANTED;
}

/* Enrolment, session and connection, before the terminal is touched, so a
 * failure is a plain message on stderr. */
static int connect_session(struct tui *t, const struct tui_options *o, struct sl_enrolment *e)
{
	char path[SL_PATH_MAX], msg[1024];
	enum sl_err err;

	if (enrolment_path(o->enrol, path, sizeof(path)) != SL_OK) {
		fprintf(stderr, "%s: no enrolment file: give one with --enrol FILE or "
				"SMARTLOCK_ENROL\n", TUI_PROG);
		return EXIT_CONFIG;
	}
	if (enrolment_load(path, e, msg, sizeof(msg)) != SL_OK) {
		fprintf(stderr, "%s: %s\n", TUI_PROG, msg);
		return EXIT_CONFIG;
	}
	t->enrolment = e;
	t->role = e->role;
	snprintf(t->user, sizeof(t->user), "%s", e->user);
	err = tui_session_open(t, o->locks[0] ? o->locks[0] : NULL, msg, sizeof(msg));
	if (err != SL_OK) {
		fprintf(stderr, "%s: %s\n", TUI_PROG, msg);
		return !t->client && err == SL_ERR_INVAL ? EXIT_CONFIG : EXIT_BROKER;
	}
	for (size_t i = 1; i < o->nlocks; i++)
		tui_locks_add(t, o->locks[i]);
	return EXIT_GRANTED;
}

static bool make_panels(struct tui *t)
{
	t->panels[PANEL_LOCK] = panel_lock_create();
	t->panels[PANEL_HEALTH] = panel_health_create();
	t->panels[PANEL_ALERTS] = panel_alerts_create();
	t->panels[PANEL_LOG] = panel_log_create();
	for (int i = 0; i < PANEL_COUNT_; i++)
		if (!t->panels[i])
			return false;
	return true;
}

static void teardown(struct tui *t)
{
	tui_set_screen(t, NULL);
	prompt_destroy(t->prompt);
	t->prompt = NULL;
	for (int i = 0; i < PANEL_COUNT_; i++)
		if (t->panels[i])
			t->panels[i]->destroy(t->panels[i]);
	notifier_destroy(t->notifier);
	client_destroy(t->client);
	model_finish(&t->model);
}

int main(int argc, char **argv)
{
	struct tui_options o;
	struct sl_enrolment enrol;
	struct tui t;
	char msg[256];
	int rc;

	sl_log_setup(TUI_PROG, SL_LOG_WARNING);
	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	memset(&enrol, 0, sizeof(enrol));
	o.timeout_ms = 15000;
	rc = parse_args(argc, argv, &o);
	if (rc != EXIT_GRANTED)
		return rc < 0 ? EXIT_GRANTED : rc;
	if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "%s: needs a terminal; for scripts use smartlockctl\n", TUI_PROG);
		return EXIT_USAGE;
	}
	if (!term_signals_init()) {
		fprintf(stderr, "%s: cannot set up signal handling\n", TUI_PROG);
		return EXIT_FAILED;
	}
	rc = connect_session(&t, &o, &enrol);
	if (rc != EXIT_GRANTED) {
		client_destroy(t.client);
		enrol_wipe(&enrol);
		return rc;
	}
	t.timeout_ms = o.timeout_ms;
	if (!model_init(&t.model, t.role) || !make_panels(&t)) {
		fprintf(stderr, "%s: out of memory\n", TUI_PROG);
		teardown(&t);
		enrol_wipe(&enrol);
		return EXIT_FAILED;
	}
	t.notifier = notifier_create(!o.no_notify, TUI_PROG);
	if (!term_start(&t.color, &t.utf8, msg, sizeof(msg))) {
		fprintf(stderr, "%s: %s\n", TUI_PROG, msg);
		teardown(&t);
		enrol_wipe(&enrol);
		return EXIT_USAGE;
	}
	rc = ui_run(&t);
	term_stop();
	if (t.fatal[0]) {
		fprintf(stderr, "%s: %s\n", TUI_PROG, t.fatal);
		teardown(&t);
		enrol_wipe(&enrol);
		return EXIT_BROKER;
	}
	teardown(&t);
	enrol_wipe(&enrol);
	return rc == EXIT_SUCCESS ? EXIT_GRANTED : EXIT_FAILED;
}
