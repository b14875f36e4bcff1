/* test_tui.c - smartlock-tui end to end under tmux against the real stack
 * (Mosquitto, agent, lockd): what an owner, a resident and a guest see and
 * can do, alerts after failed attempts, resizing, hostile names, restoring
 * the terminal, a burst of events, and desktop notifications on a private
 * D-Bus session with python3-dbusmock's notification daemon. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

#include "stack.h"
#include "text.h"
#include "tmux.h"

#define SHOW_MS 10000           /* the screen should show it by then */
#define FIRST_RECORD "agent        start"   /* the log line of audit record #1 */

struct tf {
	struct stack s;
	struct tmux tm;
	struct tmux tm2;                /* a second console */
	struct harness_proc dbus, mock;
	bool dbus_on, mock_on;
	char bus[HARNESS_PATH_MAX];
};

static int setup_up(void **state)
{
	struct tf *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(stack_up(&f->s, NULL, NULL), 0);
	*state = f;
	return 0;
}

static int setup_bare(void **state)
{
	struct tf *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(stack_setup(&f->s, NULL, NULL), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct tf *f = *state;

	tmux_stop(&f->tm);
	tmux_stop(&f->tm2);
	if (f->mock_on)
		harness_proc_stop(&f->mock, SIGTERM, 5000);
	if (f->dbus_on)
		harness_proc_stop(&f->dbus, SIGTERM, 5000);
	stack_teardown(&f->s);
	free(f);
	return 0;
}

/* Start the console for user in a cols x rows window of tmux tm.
 * extra_env and extra_args may be NULL. */
static void start_tui_in(struct tf *f, struct tmux *tm, enum stack_user u, int cols, int rows,
		const char *const *extra_env, const char *const *extra_args)
{
	char exe[HARNESS_PATH_MAX], enrol[HARNESS_PATH_MAX];
	const char *env[24];
	char *argv[16];
	size_t n = 0, e = 0;

	argv[n++] = (char *)stack_tui_path(exe, sizeof(exe));
	argv[n++] = "--enrol";
	argv[n++] = (char *)stack_enrol(&f->s, u, enrol, sizeof(enrol));
	for (size_t i = 0; extra_args && extra_args[i] && n < 15; i++)
		argv[n++] = (char *)extra_args[i];
	argv[n] = NULL;
	env[e++] = "LANG=C.UTF-8";
	env[e++] = "LC_ALL=C.UTF-8";
	env[e++] = "TZ=UTC";
	if (!f->dbus_on) {
		/* no desktop: the bell */
		env[e++] = "DBUS_SESSION_BUS_ADDRESS=";
		env[e++] = "XDG_RUNTIME_DIR=";
	}
	for (size_t i = 0; extra_env && extra_env[i] && e < 23; i++)
		env[e++] = extra_env[i];
	env[e] = NULL;
	assert_int_equal(tmux_start(tm, f->s.dir, cols, rows, argv, env), 0);
}

/* The same in the test's first console. */
static void start_tui(struct tf *f, enum stack_user u, int cols, int rows,
		const char *const *extra_env, const char *const *extra_args)
{
	start_tui_in(f, &f->tm, u, cols, rows, extra_env, extra_args);
}

static void see(struct tf *f, const char *text)
{
	assert_int_equal(tmux_wait_for(&f->tm, text, SHOW_MS), 0);
}

static void keys(struct tf *f, const char *k)
{
	assert_int_equal(tmux_keys(&f->tm, k, false), 0);
}

static void type(struct tf *f, const char *text)
{
	assert_int_equal(tmux_keys(&f->tm, text, true), 0);
}

static bool screen_has(struct tf *f, const char *text)
{
	char *s = tmux_capture(&f->tm, false);
	bool has = s && strstr(s, text);

	free(s);
	return has;
}

/* Publish as the agent would (the test broker takes anyone). */
static void publish(struct tf *f, const char *topic, const char *payload, bool retain)
{
	struct harness_client *c = stack_client(&f->s);

	assert_non_null(c);
	assert_int_equal(harness_client_publish_str(c, topic, payload, 1, retain), 0);
	harness_client_destroy(c);
}

/* ---- the owner's alert channels ---- */

static int setup_failing_channel(void **state)
{
	struct tf *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(stack_up(&f->s, "alert_1_command = /usr/bin/false\n"
			"alert_1_name = phone\nalert_1_retry_for = 0\n", NULL), 0);
	*state = f;
	return 0;
}

/* An alert the agent could not deliver through a channel shows on the
 * health panel. */
static void test_failed_channel_on_health_panel(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "Broker");
	assert_false(screen_has(f, "FAILED"));
	assert_int_equal(stack_stop_lockd(&f->s), 0);      /* a lock-offline alert */
	see(f, "phone FAILED");
}

/* ---- the owner at the door ---- */

static void test_owner_unlocks_and_sees_unlocked(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	see(f, "broker: connected");
	see(f, "l Lock u Unlock a Ack / Search f Filter p Pause U Users h Health ? Help q Quit");
	keys(f, "u");
	see(f, "Unlock front-door? (y/n)");
	keys(f, "y");
	see(f, "Granted: the door is unlocked.");
	see(f, "State: UNLOCKED");
	see(f, "By owner");
	/* the audit record of it, live in the log panel, in words: no command
	 * sequence numbers, no "use 1" */
	see(f, "granted");
	see(f, "unlock number");
	see(f, "state UNLOCKED");
	assert_false(screen_has(f, "seq 17"));
	assert_false(screen_has(f, "use 1"));
	keys(f, "l");
	see(f, "Granted: the door is locked.");
	see(f, "State: LOCKED");
	keys(f, "q");
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 0);
}

static void test_unlock_needs_confirmation(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	keys(f, "u");
	see(f, "Unlock front-door? (y/n)");
	keys(f, "n");
	see(f, "Unlock cancelled.");
	keys(f, "u");
	keys(f, "Escape");
	see(f, "Unlock cancelled.");
	assert_false(screen_has(f, "UNLOCKED"));
}

/* ---- alerts ---- */

static void test_failed_attempts_raise_an_alert(void **state)
{
	struct tf *f = *state;
	char bad[HARNESS_PATH_MAX + 16];
	struct sl_key wrong;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "Alerts (0)");
	see(f, "terminal bell");
	/* someone with the resident's name but not the resident's key */
	snprintf(bad, sizeof(bad), "%s/mallory.enrol", f->s.dir);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	assert_int_equal(stack_write_enrol(&f->s, bad, "resident", SL_ROLE_RESIDENT, &wrong), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(stack_ctl(&f->s, (const char *const[]){"--enrol", bad, "unlock",
				NULL}, 30000, NULL, NULL), 1);
	see(f, "unacknowledged)");
	see(f, "Lockout");
	/* no desktop here: the terminal bell rang */
	{
		char bell[HARNESS_PATH_MAX + 16];

		snprintf(bell, sizeof(bell), "%s/bell.log", f->s.dir);
		assert_int_equal(harness_wait_file_contains(bell, "bell", SHOW_MS), 0);
	}
	/* acknowledged, it stays listed but no longer counts */
	keys(f, "A");
	assert_int_equal(tmux_wait_gone(&f->tm, "unacknowledged)", SHOW_MS), 0);
	see(f, "Lockout");
}

/* Three failed unlocks with the resident's name and a wrong key: a
 * lockout alert. */
static void trip_lockout(struct tf *f)
{
	char bad[HARNESS_PATH_MAX + 16];
	struct sl_key wrong;

	snprintf(bad, sizeof(bad), "%s/mallory.enrol", f->s.dir);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	assert_int_equal(stack_write_enrol(&f->s, bad, "resident", SL_ROLE_RESIDENT, &wrong), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(stack_ctl(&f->s, (const char *const[]){"--enrol", bad, "unlock",
				NULL}, 30000, NULL, NULL), 1);
}

static void test_alert_history_shared_by_consoles(void **state)
{
	struct tf *f = *state;
	char audit[HARNESS_PATH_MAX + 16];

	/* the alert was raised while no console was open */
	trip_lockout(f);
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "Alerts (1 unacknowledged)");
	see(f, "Lockout");
	start_tui_in(f, &f->tm2, STACK_OWNER, 80, 24, NULL, NULL);
	assert_int_equal(tmux_wait_for(&f->tm2, "Alerts (1 unacknowledged)", SHOW_MS), 0);
	/* acknowledged in one console, it is acknowledged in the other */
	keys(f, "Tab");
	keys(f, "a");
	see(f, "Done: alert acknowledged.");
	see(f, "Alerts (1)");
	assert_int_equal(tmux_wait_for(&f->tm2, "Alerts (1)", SHOW_MS), 0);
	assert_int_equal(tmux_wait_gone(&f->tm2, "unacknowledged", SHOW_MS), 0);
	/* the agent audited it and keeps it across its restart */
	snprintf(audit, sizeof(audit), "%s/audit/audit.log", f->s.state_dir);
	assert_int_equal(harness_wait_file_contains(audit, "\"alert-ack\"", SHOW_MS), 0);
	tmux_stop(&f->tm2);
	harness_proc_stop(&f->s.agent, SIGTERM, 5000);
	f->s.agent_running = false;
	assert_int_equal(stack_start_agent(&f->s), 0);
	start_tui_in(f, &f->tm2, STACK_OWNER, 80, 24, NULL, NULL);
	assert_int_equal(tmux_wait_for(&f->tm2, "Lockout", SHOW_MS), 0);
	assert_int_equal(tmux_wait_for(&f->tm2, "Alerts (1)", SHOW_MS), 0);
	/* a new alert, then A in the second console clears it in the first */
	assert_int_equal(stack_stop_lockd(&f->s), 0);
	see(f, "Alerts (1 unacknowledged)");
	assert_int_equal(tmux_wait_for(&f->tm2, "Alerts (1 unacknowledged)", SHOW_MS), 0);
	assert_int_equal(tmux_keys(&f->tm2, "A", false), 0);
	assert_int_equal(tmux_wait_for(&f->tm2, "Done: alerts acknowledged.", SHOW_MS), 0);
	assert_int_equal(tmux_wait_gone(&f->tm, "unacknowledged", SHOW_MS), 0);
}

/* ---- honest state ---- */

static void test_broker_lost_shows_unknown(void **state)
{
	struct tf *f = *state;
	int64_t t0;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	see(f, "answering");
	t0 = time_mono_ms();
	harness_broker_stop(&f->s.broker);
	/* at once (well within a heartbeat), not minutes of "all is well" */
	see(f, "Unknown since");
	see(f, "Last known: LOCKED at");
	see(f, "unknown since");
	assert_true(time_mono_ms() - t0 < 5000);
	assert_false(screen_has(f, "State: LOCKED"));
	assert_false(screen_has(f, "answering"));
	assert_false(screen_has(f, "online, up"));
	/* back: the live view returns and the old message is gone */
	assert_int_equal(harness_broker_restart(&f->s.broker), 0);
	see(f, "broker: connected");
	see(f, "State: LOCKED");
	assert_int_equal(tmux_wait_gone(&f->tm, "Unknown since", SHOW_MS), 0);
}

static void test_offline_lock_drawn_offline(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	assert_int_equal(stack_stop_lockd(&f->s), 0);
	see(f, "Lock offline since");
	see(f, "Last known: LOCKED at");
	/* the big letters say it too: the F of OFFLINE, not the K of LOCKED */
	see(f, "\u2588\u2580\u2580 \u2588\u2580\u2580");
	assert_false(screen_has(f, "State: LOCKED"));
}

static void test_starts_before_the_broker(void **state)
{
	struct tf *f = *state;

	harness_broker_stop(&f->s.broker);
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	/* a console at once, saying what it waits for and why */
	see(f, "smartlock");
	see(f, "cannot connect to the broker");
	see(f, "retrying");
	see(f, "Unknown since");
	assert_int_equal(harness_broker_restart(&f->s.broker), 0);
	see(f, "broker: connected");
	see(f, "State: LOCKED");
	assert_false(screen_has(f, "cannot connect to the broker"));
}

/* ---- details, prompts, help and messages ---- */

static void test_enter_opens_the_whole_record(void **state)
{
	struct tf *f = *state;

	trip_lockout(f);
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "Lockout");
	/* the log's newest line, whole */
	see(f, "alert-list");
	keys(f, "Enter");
	see(f, "Audit record");
	see(f, "Record number");
	see(f, "Esc Back");
	keys(f, "Escape");
	see(f, "Log (following");
	/* an alert, whole: the end of its sentence, cut on the dashboard */
	keys(f, "Tab");
	keys(f, "Enter");
	see(f, "Acknowledged");
	see(f, "no (a acknowledges it)");
	see(f, "front-door");
	assert_false(screen_has(f, "Log (following"));
	keys(f, "Escape");
	see(f, "Alerts (1 unacknowledged)");
}

static void test_prompts_and_messages(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	/* p and A say what they did */
	keys(f, "p");
	see(f, "Log paused");
	keys(f, "p");
	see(f, "Log following the newest records.");
	keys(f, "A");
	see(f, "No unacknowledged alerts.");
	/* a second search starts empty */
	keys(f, "/");
	type(f, "granted");
	keys(f, "Enter");
	see(f, "search: granted");
	keys(f, "/");
	see(f, "Search log:");
	assert_false(screen_has(f, "Search log: granted"));
	keys(f, "Escape");
	/* a refused answer stays in the prompt with the reason beside it */
	keys(f, "U");
	see(f, "Users of");
	keys(f, "a");
	see(f, "New guest's name:");
	type(f, "gina");
	keys(f, "Enter");
	see(f, "Valid from");
	type(f, "someday");
	keys(f, "Enter");
	see(f, "From: YYYY-MM-DD HH:MM");
	see(f, "Valid from (YYYY-MM-DD HH:MM; empty = now): someday");
	keys(f, "Escape");
	see(f, "Adding a guest cancelled.");
	keys(f, "Escape");
	/* "not connected" is old news once the connection is back */
	harness_broker_stop(&f->s.broker);
	see(f, "Unknown since");
	keys(f, "l");
	see(f, "Not connected to the broker");
	assert_int_equal(harness_broker_restart(&f->s.broker), 0);
	see(f, "broker: connected");
	assert_int_equal(tmux_wait_gone(&f->tm, "Not connected", SHOW_MS), 0);
}

static void test_help_by_task_fits_and_scrolls(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	keys(f, "?");
	see(f, "Help for owner");
	see(f, "The door");
	see(f, "unlock the door (asks first)");
	see(f, "Esc Back");
	/* more than a screen: it scrolls to the end */
	assert_false(screen_has(f, "closes this help"));
	keys(f, "End");
	see(f, "closes this help");
	keys(f, "Home");
	see(f, "The door");
	keys(f, "Escape");
	see(f, "State: LOCKED");
}

static void test_users_screen_fits_80_columns(void **state)
{
	struct tf *f = *state;
	char *screen;

	trip_lockout(f);
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	keys(f, "U");
	see(f, "LOCKOUT");
	see(f, "resident");
	/* the resident's lockout, and the whole key bar */
	see(f, "until ");
	see(f, "Esc Back");
	screen = tmux_capture(&f->tm, false);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "USES"));
	free(screen);
	/* the rest of a user is one Enter away, and Esc comes back */
	keys(f, "Down");
	keys(f, "Enter");
	see(f, "Schedule");
	see(f, "Locked out");
	keys(f, "Escape");
	see(f, "LOCKOUT");
	keys(f, "Escape");
	see(f, "State: LOCKED");
}

static int setup_two_locks(void **state)
{
	struct tf *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(stack_setup(&f->s, NULL, NULL), 0);
	assert_int_equal(stack_add_lock(&f->s, "back-door"), 0);
	assert_int_equal(stack_start_agent(&f->s), 0);
	assert_int_equal(stack_start_lockd(&f->s), 0);
	assert_int_equal(stack_wait_online(&f->s, true), 0);
	*state = f;
	return 0;
}

static void test_two_lock_site_switches_locks(void **state)
{
	struct tf *f = *state;

	trip_lockout(f);
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	/* the agent told the owner's console of both locks */
	see(f, "front-door 1/2 [ ]");
	see(f, "State: LOCKED");
	/* each alert and log line says which lock it is about: a user's
	 * lockout holds at every lock (smartlock-agent(8)), so "site" */
	see(f, "Lockout            site");
	see(f, "status       ok       front-door");
	keys(f, "]");
	see(f, "back-door 2/2 [ ]");
	see(f, "Lock back-door");
	assert_false(screen_has(f, "State: LOCKED"));
	see(f, "Lockout            site");
	keys(f, "[");
	see(f, "front-door 1/2 [ ]");
	see(f, "State: LOCKED");
}

/* The README's picture: a guest refused, a stranger's failed login, the
 * owner's unlock, the log filtered to refusals. With TUI_SCREENSHOT=path
 * the screen is also written there. */
static void test_readme_screenshot(void **state)
{
	struct tf *f = *state;
	char enrol[HARNESS_PATH_MAX];
	const char *out = getenv("TUI_SCREENSHOT");
	char *screen;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	stack_enrol(&f->s, STACK_GUEST, enrol, sizeof(enrol));
	assert_int_equal(stack_ctl(&f->s, (const char *const[]){"--enrol", enrol, "unlock",
			NULL}, 30000, NULL, NULL), 1);
	/* one more failure would lock the site out for all but owners */
	publish(f, SL_TOPIC_LOGIN_FAILED, "{\"v\":1,\"user\":\"mallory\",\"addr\":"
			"\"192.0.2.7\",\"reason\":\"unknown-user\",\"time\":1}", false);
	see(f, "Alerts (1 unacknowledged)");
	keys(f, "u");
	keys(f, "y");
	see(f, "Granted: the door is unlocked.");
	see(f, "State: UNLOCKED");
	keys(f, "f");
	see(f, "Log filter: denied/errors.");
	see(f, "outside-window");
	screen = tmux_capture(&f->tm, false);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "Failed login"));
	if (out)
		assert_int_equal(harness_write_file(out, screen, 0644), 0);
	free(screen);
}

/* ---- roles ---- */

static void test_resident_has_no_users_screen(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_RESIDENT, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	see(f, "resident (resident)");
	see(f, "l Lock u Unlock a Ack ? Help q Quit");
	assert_false(screen_has(f, "Users"));
	assert_false(screen_has(f, "Log ("));
	keys(f, "U");
	see(f, "U is for owners only.");
	keys(f, "h");
	see(f, "h is for owners only.");
	keys(f, "R");
	keys(f, "?");
	see(f, "Help for resident");
	assert_false(screen_has(f, "People"));
	assert_false(screen_has(f, "reset the lock"));
	assert_false(screen_has(f, "The log"));
	assert_false(screen_has(f, "log panel"));
	keys(f, "Escape");
	see(f, "State: LOCKED");
	assert_false(screen_has(f, "Users of"));
	/* and the resident may still open the door */
	keys(f, "u");
	keys(f, "y");
	see(f, "Granted: the door is unlocked.");
}

static void test_guest_hears_why_in_plain_words(void **state)
{
	struct tf *f = *state;
	char when[48], expect[128];

	start_tui(f, STACK_GUEST, 80, 24, NULL, NULL);
	see(f, "guest (guest)");
	see(f, "l Lock u Unlock ? Help q Quit");
	keys(f, "u");
	keys(f, "y");
	text_when(f->s.guest_from, time_now_ms(), when, sizeof(when));
	snprintf(expect, sizeof(expect), "Denied: outside your access window \u2014 it opens %s",
			when);
	setenv("TZ", "UTC", 1);
	see(f, expect);
}

static void test_owner_manages_users(void **state)
{
	struct tf *f = *state;
	char path[HARNESS_PATH_MAX + 16];
	struct stat st;

	start_tui(f, STACK_OWNER, 100, 30, NULL, NULL);
	see(f, "State: LOCKED");
	keys(f, "U");
	see(f, "Users of front-door");
	see(f, "resident");
	keys(f, "a");
	see(f, "New guest's name:");
	type(f, "gina");
	keys(f, "Enter");
	see(f, "Valid from");
	keys(f, "Enter");
	see(f, "Valid until");
	keys(f, "Enter");
	see(f, "Weekly schedule");
	keys(f, "Enter");
	see(f, "Number of uses");
	type(f, "3");
	keys(f, "Enter");
	see(f, "Write the enrolment file to:");
	snprintf(path, sizeof(path), "%s/gina.enrol", f->s.dir);
	keys(f, "C-u");
	type(f, path);
	keys(f, "Enter");
	see(f, "enrolment written to");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	see(f, "3 left");
	/* the new guest is selected */
	keys(f, "d");
	see(f, "Disable gina? (y/n)");
	keys(f, "y");
	see(f, "Done: gina disabled.");
	see(f, "disabled");
	keys(f, "Escape");
	see(f, "State: LOCKED");
}

static void test_older_history_and_maintenance(void **state)
{
	struct tf *f = *state;
	char enrol[HARNESS_PATH_MAX];

	/* history the console has not seen: records #1.. written before it
	 * started */
	stack_enrol(&f->s, STACK_OWNER, enrol, sizeof(enrol));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(stack_ctl(&f->s, (const char *const[]){"--enrol", enrol, "unlock",
				NULL}, 30000, NULL, NULL), 0);
		assert_int_equal(stack_ctl(&f->s, (const char *const[]){"--enrol", enrol, "lock",
				NULL}, 30000, NULL, NULL), 0);
	}
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	/* the console shows only what arrives live (its own status request
	 * may already be there); the old records are not on screen */
	see(f, "State: LOCKED");
	assert_false(screen_has(f, FIRST_RECORD));
	/* the health check's records arrive live */
	keys(f, "h");
	see(f, "Done: health check sent to the lock.");
	see(f, "heartbeat");
	assert_false(screen_has(f, FIRST_RECORD));
	/* scrolling back past the oldest record held asks the agent */
	keys(f, "Up");
	see(f, "Log (PAUSED");
	for (int i = 0; i < 12 && !screen_has(f, FIRST_RECORD); i++)
		keys(f, "PageUp");
	see(f, FIRST_RECORD);
	keys(f, "End");
	see(f, "Log (following");
	/* and the lock reset, after a question */
	keys(f, "R");
	see(f, "Reset the lock (the bolt re-homes)? (y/n)");
	keys(f, "y");
	see(f, "Done: the lock is re-homing its bolt.");
}

/* ---- the terminal ---- */

static void test_resize_keeps_the_layout(void **state)
{
	struct tf *f = *state;
	char *screen, *line;
	bool ok;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	assert_int_equal(tmux_resize(&f->tm, 120, 40), 0);
	see(f, "\u2500\u2500\u2510\n");         /* a panel's corner at the new right edge */
	/* the redraw after a resize may still be in flight: wait for its last
	 * line, then check one whole frame */
	see(f, "q Quit");
	see(f, "\u250c\u2500 Alerts");
	screen = tmux_capture(&f->tm, false);
	assert_non_null(screen);
	/* every line of the dashboard spans the new width: the key bar on the
	 * last line, boxes closed at column 120 */
	line = strstr(screen, "\u250c\u2500 Alerts");
	ok = line && strstr(screen, "State: LOCKED") && strstr(screen, "q Quit");
	free(screen);
	assert_true(ok);
	assert_int_equal(tmux_resize(&f->tm, 70, 20), 0);
	see(f, "Window 70x20:");
	see(f, "needs 80x24.");
	/* however narrow, the words are whole */
	assert_int_equal(tmux_resize(&f->tm, 24, 10), 0);
	see(f, "Window 24x10:");
	see(f, "needs 80x24.");
	see(f, "Enlarge, or q quits.");
	assert_int_equal(tmux_resize(&f->tm, 80, 24), 0);
	see(f, "State: LOCKED");
	assert_false(screen_has(f, "needs 80x24"));
	/* still alive and answering */
	keys(f, "u");
	keys(f, "y");
	see(f, "State: UNLOCKED");
}

static void test_hostile_names_shown_harmlessly(void **state)
{
	struct tf *f = *state;
	char title[256];

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	/* as the broker plugin reports a failed login with a crafted name */
	for (int i = 0; i < 3; i++)
		publish(f, SL_TOPIC_LOGIN_FAILED, "{\"v\":1,\"user\":\"\\u001b]0;pwned\\u0007\","
				"\"addr\":\"192.0.2.7\",\"reason\":\"unknown-user\",\"time\":1}", false);
	/* and a log record carrying escape sequences straight to the console */
	publish(f, "smartlock/" STACK_LOCK "/log", "{\"v\":1,\"seq\":999999,"
			"\"time\":\"2026-11-22T01:02:03.456Z\",\"actor\":\"\\u001b]2;owned\\u0007x\","
			"\"action\":\"unlock\",\"result\":\"denied\",\"reason\":\"\","
			"\"detail\":\"\\u001b[2J\\u001b[31mred\\u202eevil\\u009b1m\"}", false);
	/* and a name that looks like the owner's, with a zero-width space */
	publish(f, "smartlock/" STACK_LOCK "/log", "{\"v\":1,\"seq\":1000000,"
			"\"time\":\"2026-11-22T01:02:04.456Z\",\"actor\":\"own\\u200ber\","
			"\"action\":\"unlock\",\"result\":\"denied\",\"reason\":\"\","
			"\"detail\":\"zero\\u200bwidth\\u2066isolate\"}", false);
	see(f, "?]2;owned?x");
	see(f, "?[2J?[31mred?evil?1m");
	see(f, "own?er");
	see(f, "zero?width?isolate");
	assert_int_equal(tmux_query(&f->tm, "#{pane_title}", title, sizeof(title)), 0);
	assert_null(strstr(title, "owned"));
	assert_null(strstr(title, "pwned"));
	/* the screen was not cleared by the ESC [2J either */
	see(f, "State: LOCKED");
}

/* The last occurrence of needle in the n bytes at hay, or NULL. */
static const char *last_of(const char *hay, size_t n, const char *needle)
{
	const char *found = NULL;
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			found = hay + i;
	return found;
}

/* Start the console held at a shell's "read" until the pane's output is
 * being recorded, then let it go. */
static void start_recorded(struct tf *f, const char *out)
{
	char exe[HARNESS_PATH_MAX], enrol[HARNESS_PATH_MAX];

	assert_int_equal(tmux_start(&f->tm, f->s.dir, 80, 24, (char *const[]){"/bin/sh", "-c",
			"read go; exec \"$0\" \"$@\"", (char *)stack_tui_path(exe, sizeof(exe)),
			"--enrol", (char *)stack_enrol(&f->s, STACK_OWNER, enrol, sizeof(enrol)),
			NULL}, (const char *const[]){"LANG=C.UTF-8", "DBUS_SESSION_BUS_ADDRESS=",
			"XDG_RUNTIME_DIR=", NULL}), 0);
	assert_int_equal(tmux_pipe(&f->tm, out), 0);
	keys(f, "Enter");
	see(f, "State: LOCKED");
}

/* Everything the console set up, it took down again: out of the alternate
 * screen, the cursor visible, the keypad back in normal mode. */
static void assert_restored(const char *path)
{
	size_t n;
	char *text = harness_read_file(path);
	const char *smcup, *rmcup, *civis, *cnorm;

	assert_non_null(text);
	n = strlen(text);
	smcup = last_of(text, n, "\033[?1049h");
	rmcup = last_of(text, n, "\033[?1049l");
	civis = last_of(text, n, "\033[?25l");
	cnorm = last_of(text, n, "\033[?25h");
	assert_non_null(smcup);
	assert_non_null(rmcup);
	assert_true(rmcup > smcup);
	assert_non_null(civis);
	assert_non_null(cnorm);
	assert_true(cnorm > civis);
	free(text);
}

static void test_terminal_restored_on_every_exit(void **state)
{
	struct tf *f = *state;
	char buf[64], out[HARNESS_PATH_MAX + 16];
	int pid;

	/* q */
	snprintf(out, sizeof(out), "%s/pane-q.out", f->s.dir);
	start_recorded(f, out);
	keys(f, "q");
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 0);
	assert_int_equal(tmux_query(&f->tm, "#{alternate_on}", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");
	assert_restored(out);
	tmux_stop(&f->tm);

	/* SIGTERM */
	snprintf(out, sizeof(out), "%s/pane-term.out", f->s.dir);
	start_recorded(f, out);
	pid = tmux_pane_pid(&f->tm);
	assert_true(pid > 0);
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 0);
	assert_restored(out);
	tmux_stop(&f->tm);

	/* Ctrl-C */
	snprintf(out, sizeof(out), "%s/pane-int.out", f->s.dir);
	start_recorded(f, out);
	keys(f, "C-c");
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 0);
	assert_restored(out);
	tmux_stop(&f->tm);

	/* a crash (abort) */
	snprintf(out, sizeof(out), "%s/pane-abrt.out", f->s.dir);
	start_recorded(f, out);
	pid = tmux_pane_pid(&f->tm);
	assert_int_equal(kill(pid, SIGABRT), 0);
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 128 + SIGABRT);
	assert_int_equal(tmux_query(&f->tm, "#{pane_dead} #{pane_dead_signal} #{alternate_on}",
			buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1 6 0");
	assert_restored(out);
}

static void test_no_color_honoured(void **state)
{
	struct tf *f = *state;
	char *screen;

	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	screen = tmux_capture(&f->tm, true);
	assert_non_null(screen);
	assert_non_null(strstr(screen, "\033[32m"));            /* LOCKED in green */
	free(screen);
	tmux_stop(&f->tm);

	start_tui(f, STACK_OWNER, 80, 24, (const char *const[]){"NO_COLOR=1", NULL}, NULL);
	see(f, "State: LOCKED");
	screen = tmux_capture(&f->tm, true);
	assert_non_null(screen);
	for (int c = 30; c <= 37; c++) {
		char fg[8], bg[8];

		snprintf(fg, sizeof(fg), "\033[%dm", c);
		snprintf(bg, sizeof(bg), "\033[%dm", c + 10);
		assert_null(strstr(screen, fg));
		assert_null(strstr(screen, bg));
	}
	assert_null(strstr(screen, ";3"));
	free(screen);
}

/* ---- start failures: a clear message and a documented code ---- */

/* Run the console on a terminal with stderr to a file: nothing may reach
 * stdout (the terminal) when it cannot start. Returns its exit code. */
/* Run the console where it must fail; term (NULL: tmux's) is its TERM. */
static int run_failing(struct tf *f, const char *enrol, const char *term, char **err)
{
	char exe[HARNESS_PATH_MAX], script[HARNESS_PATH_MAX + 64], errf[HARNESS_PATH_MAX];
	char *screen;
	int rc;

	snprintf(errf, sizeof(errf), "%.400s/tui.err", f->s.dir);
	snprintf(script, sizeof(script), "%s%s exec \"$0\" \"$@\" 2>'%s'", term ? "TERM=" : "",
			term ? term : "", errf);
	assert_int_equal(tmux_start(&f->tm, f->s.dir, 80, 24, (char *const[]){"/bin/sh", "-c",
			script, (char *)stack_tui_path(exe, sizeof(exe)), "--enrol", (char *)enrol,
			NULL}, NULL), 0);
	rc = tmux_wait_exit(&f->tm, SHOW_MS);
	screen = tmux_capture(&f->tm, false);
	assert_non_null(screen);
	/* only tmux's own "Pane is dead" line: the program wrote nothing */
	for (char *p = screen; *p; p++)
		if (*p != ' ' && *p != '\n') {
			assert_true(strncmp(p, "Pane is dead", 12) == 0);
			break;
		}
	free(screen);
	tmux_stop(&f->tm);
	*err = harness_read_file(errf);
	return rc;
}

static void test_start_failures(void **state)
{
	struct tf *f = *state;
	char path[HARNESS_PATH_MAX + 16];
	char *err;

	snprintf(path, sizeof(path), "%s/none.enrol", f->s.dir);
	assert_int_equal(run_failing(f, path, NULL, &err), 3);
	assert_non_null(err);
	assert_non_null(strstr(err, "smartlock-tui: no enrolment file at"));
	assert_non_null(strstr(err, "none.enrol"));
	free(err);

	/* a terminal that cannot move the cursor is refused with the reason,
	 * not started to a blank screen */
	stack_enrol(&f->s, STACK_OWNER, path, sizeof(path));
	assert_int_equal(run_failing(f, path, "dumb", &err), 2);
	assert_non_null(err);
	assert_non_null(strstr(err, "'dumb' cannot move the cursor"));
	free(err);
}

static void test_timeout_in_plain_words(void **state)
{
	struct tf *f = *state;

	/* broker, no agent */
	start_tui(f, STACK_OWNER, 80, 24, NULL, (const char *const[]){"--timeout", "2", NULL});
	see(f, "broker: connected");
	see(f, "State: unknown");
	keys(f, "l");
	see(f, "Locking");                       /* the spinner's line */
	see(f, "Timed out: no answer to the lock request within 2 s");
	see(f, "NOT ANSWERING");
}

/* A lock request the agent does not answer: the outcome is unknown, and
 * one status round trip says where the door is now. */
static void test_unanswered_lock_shows_the_state_now(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_OWNER, 80, 24, NULL, (const char *const[]){"--timeout", "2", NULL});
	see(f, "State: LOCKED");
	/* frozen: neither the lock request nor the status is answered */
	assert_int_equal(kill(f->s.agent.pid, SIGSTOP), 0);
	keys(f, "l");
	see(f, "its outcome is unknown.");
	see(f, "Outcome unknown. Now: no answer either; last known LOCKED, door closed.");
	/* thawed while the status is asked: its answer shows */
	keys(f, "l");
	see(f, "its outcome is unknown.");
	assert_int_equal(kill(f->s.agent.pid, SIGCONT), 0);
	see(f, "Outcome unknown. Now: The door is LOCKED");
}

/* ---- load ---- */

static long rss_kb(int pid)
{
	char path[64], *text, *p;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	text = harness_read_file(path);
	if (text && (p = strstr(text, "VmRSS:")))
		kb = strtol(p + 6, NULL, 10);
	free(text);
	return kb;
}

/* n log records at about rate per second (QoS 1, as the agent sends). */
static void flood(struct tf *f, uint64_t first, uint64_t n, int rate)
{
	struct harness_client *c = stack_client(&f->s);
	int64_t t0 = time_mono_ms();

	assert_non_null(c);
	for (uint64_t i = 0; i < n; i++) {
		char line[256];

		snprintf(line, sizeof(line), "{\"v\":1,\"seq\":%llu,"
				"\"time\":\"2026-11-22T01:02:03.456Z\",\"actor\":\"bot\","
				"\"action\":\"heartbeat\",\"result\":\"%s\",\"reason\":\"\","
				"\"detail\":\"burst %llu\"}", (unsigned long long)(first + i),
				i % 7 ? "ok" : "denied", (unsigned long long)(first + i));
		assert_int_equal(harness_client_publish_str(c, "smartlock/" STACK_LOCK "/log", line,
				1, false), 0);
		/* pace the load generator to the rate */
		while ((int64_t)(i * 1000 / (uint64_t)rate) > time_mono_ms() - t0)
			harness_client_pump(c, 1);
	}
	harness_client_destroy(c);
}

static void test_stays_responsive_at_2000_events_per_second(void **state)
{
	struct tf *f = *state;
	long before, after;
	int pid;
	int64_t t0;

	/* under AddressSanitizer, freed memory waits in a quarantine that
	 * would look like growth: keep it small for this measurement */
	start_tui(f, STACK_OWNER, 80, 24, (const char *const[]){
			"ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=1:"
			"thread_local_quarantine_size_kb=64", NULL}, NULL);
	see(f, "State: LOCKED");
	pid = tmux_pane_pid(&f->tm);
	flood(f, 1000000, 10000, 2000);
	see(f, "burst 1009999");
	before = rss_kb(pid);
	/* keys answer at once in the middle of the next burst */
	flood(f, 1010000, 2000, 2000);
	t0 = time_mono_ms();
	keys(f, "f");
	see(f, "Log filter: denied/errors.");
	assert_true(time_mono_ms() - t0 < 2000);
	flood(f, 1012000, 8000, 2000);
	keys(f, "f");
	keys(f, "f");
	see(f, "burst 1019999");
	after = rss_kb(pid);
	/* bounded: another 10,000 events did not grow the console */
	fprintf(stderr, "# RSS %ld kB after 10k events, %ld kB after 20k\n", before, after);
	assert_true(before > 0 && after > 0);
	assert_true(after - before < 2048);
	keys(f, "q");
	assert_int_equal(tmux_wait_exit(&f->tm, SHOW_MS), 0);
}

/* ---- desktop notifications on a private session bus ---- */

static void start_notification_service(struct tf *f)
{
	char addr[HARNESS_PATH_MAX + 32], log[HARNESS_PATH_MAX + 16];
	char env_addr[HARNESS_PATH_MAX + 64], mock_log[HARNESS_PATH_MAX + 16];
	char *dbus_argv[] = {"/usr/bin/dbus-daemon", "--session", "--nofork", "--print-address",
			addr, NULL};
	char *mock_argv[] = {"/usr/bin/python3", "-m", "dbusmock", "--template",
			"notification_daemon", "-l", mock_log, NULL};
	/* dbusmock's own helper: returns once the service answers on the bus
	 * (timeout in tenths of a second) */
	char *wait_argv[] = {"/usr/bin/python3", "-c", "import dbusmock; "
			"dbusmock.DBusTestCase.wait_for_bus_object('org.freedesktop.Notifications', "
			"'/org/freedesktop/Notifications', system_bus=False, timeout=100)", NULL};
	char *env[] = {env_addr, "PATH=/usr/bin:/bin", NULL};
	struct harness_proc w;

	snprintf(f->bus, sizeof(f->bus), "%.400s/bus", f->s.dir);
	snprintf(addr, sizeof(addr), "--address=unix:path=%s", f->bus);
	snprintf(log, sizeof(log), "%s/dbus.log", f->s.dir);
	snprintf(mock_log, sizeof(mock_log), "%s/notify.log", f->s.dir);
	snprintf(env_addr, sizeof(env_addr), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s", f->bus);
	assert_int_equal(harness_proc_start(&f->dbus, log, dbus_argv, NULL), 0);
	f->dbus_on = true;
	assert_int_equal(harness_wait_file_contains(log, "unix:path=", SHOW_MS), 0);
	assert_int_equal(harness_proc_start(&f->mock, log, mock_argv, env), 0);
	f->mock_on = true;
	/* wait for the service to own its name on the bus */
	assert_int_equal(harness_proc_start(&w, log, wait_argv, env), 0);
	assert_int_equal(harness_proc_wait(&w, 15000), 0);
	assert_true(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0);
}

static void test_desktop_notification_is_critical(void **state)
{
	struct tf *f = *state;
	char env_addr[HARNESS_PATH_MAX + 64], mock_log[HARNESS_PATH_MAX + 16];
	char *log;

	if (access("/usr/bin/dbus-daemon", X_OK) != 0 ||
			access("/usr/lib/python3/dist-packages/dbusmock", R_OK) != 0) {
		printf("# dbus-daemon or python3-dbusmock is not installed: skipped\n");
		skip();
	}
	start_notification_service(f);
	snprintf(env_addr, sizeof(env_addr), "DBUS_SESSION_BUS_ADDRESS=unix:path=%s", f->bus);
	snprintf(mock_log, sizeof(mock_log), "%s/notify.log", f->s.dir);
	start_tui(f, STACK_OWNER, 80, 24, (const char *const[]){env_addr, NULL}, NULL);
	see(f, "desktop (mock-notify)");
	publish(f, "smartlock/" STACK_LOCK "/securityAlert", "{\"v\":1,\"kind\":\"lockout\","
			"\"lock\":\"front-door\",\"user\":\"mallory\",\"source\":\"lockReq\","
			"\"msg\":\"3 failed attempts <b>&</b>\",\"until\":0,\"time\":1}", false);
	see(f, "Alerts (1 unacknowledged)");
	assert_int_equal(harness_wait_file_contains(mock_log, "Notify", SHOW_MS), 0);
	log = harness_read_file(mock_log);
	assert_non_null(log);
	assert_non_null(strstr(log, "smartlock: Lockout (front-door)"));
	assert_non_null(strstr(log, "\"urgency\": 2"));
	/* the body is markup to some servers: escaped */
	assert_non_null(strstr(log, "&lt;b&gt;&amp;&lt;/b&gt;"));
	free(log);
	/* a lock coming back online is not a security alert: normal urgency */
	publish(f, "smartlock/" STACK_LOCK "/securityAlert", "{\"v\":1,\"kind\":\"lock-online\","
			"\"lock\":\"front-door\",\"user\":\"\",\"source\":\"\",\"msg\":\"\","
			"\"until\":0,\"time\":2}", false);
	assert_int_equal(harness_wait_file_contains(mock_log, "Lock online", SHOW_MS), 0);
	log = harness_read_file(mock_log);
	assert_non_null(strstr(strstr(log, "Lock online"), "\"urgency\": 1"));
	free(log);
	/* with --no-notify the desktop is left alone */
	tmux_stop(&f->tm);
	start_tui(f, STACK_OWNER, 80, 24, (const char *const[]){env_addr, NULL},
			(const char *const[]){"--no-notify", NULL});
	see(f, "Alerts to");
	see(f, "terminal bell");
}

/* ---- the production-shaped site: plugin, TLS, hashed passwords ---- */

static int setup_site(void **state)
{
	struct tf *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return -1;
	rc = stack_site_up(&f->s);
	if (rc != 0) {
		stack_teardown(&f->s);
		free(f);
		if (rc == 77)
			skip();
		return -1;
	}
	*state = f;
	return 0;
}

static void test_site_tls_owner_and_hostile_login(void **state)
{
	struct tf *f = *state;
	struct harness_client_opts o;
	struct harness_client *c;
	char title[256];
	int rc;

	/* the owner's enrolment from smartlockctl init: TLS with the site CA */
	start_tui(f, STACK_OWNER, 80, 24, NULL, NULL);
	see(f, "State: LOCKED");
	see(f, "broker: connected");
	keys(f, "u");
	keys(f, "y");
	see(f, "Granted: the door is unlocked.");
	/* Control characters never get this far: libmosquitto and the broker
	 * refuse them in a user name. What the broker does let through and a
	 * terminal would act on is text direction: a name with a right-to-left
	 * override, refused by the plugin and reported to the agent, reaches
	 * the console as a log record and an alert. */
	memset(&o, 0, sizeof(o));
	o.socket_path = f->s.broker.socket_path;
	o.user = "evil\u202eresu\u2066x";
	o.password = "wrong";
	c = harness_client_connect(&o, &rc);
	assert_null(c);
	assert_int_not_equal(rc, 0);
	see(f, "Alerts (1 unacknowledged)");
	see(f, "Failed login");
	/* the plugin writes the direction controls out */
	see(f, "evil\\u202Eresu\\u2066x");
	assert_false(screen_has(f, "\u202e"));
	assert_int_equal(tmux_query(&f->tm, "#{pane_title}", title, sizeof(title)), 0);
	assert_null(strstr(title, "resu"));
	see(f, "State: UNLOCKED");
}

static void test_site_resident(void **state)
{
	struct tf *f = *state;

	start_tui(f, STACK_RESIDENT, 80, 24, NULL, NULL);
	see(f, "resident (resident)");
	see(f, "State: LOCKED");
	assert_false(screen_has(f, "Log ("));
	assert_false(screen_has(f, "Users"));
	keys(f, "u");
	keys(f, "y");
	see(f, "Granted: the door is unlocked.");
}

/* A resident who gets alerts opens the console after an alert was raised
 * and sees it: the agent's history, through the real plugin's ACL. */
static void test_site_resident_loads_alert_history(void **state)
{
	struct tf *f = *state;

	start_tui_in(f, &f->tm2, STACK_OWNER, 80, 24, NULL, NULL);
	assert_int_equal(tmux_wait_for(&f->tm2, "State: LOCKED", SHOW_MS), 0);
	assert_int_equal(stack_stop_lockd(&f->s), 0);
	assert_int_equal(tmux_wait_for(&f->tm2, "Alerts (1 unacknowledged)", SHOW_MS), 0);
	tmux_stop(&f->tm2);
	start_tui(f, STACK_RESIDENT, 80, 24, NULL, NULL);
	see(f, "resident (resident)");
	see(f, "Alerts (1 unacknowledged)");
	assert_false(screen_has(f, "Could not load"));
}

int main(void)
{
	const struct CMUnitTest stack_tests[] = {
		cmocka_unit_test_setup_teardown(test_failed_channel_on_health_panel,
				setup_failing_channel, teardown),
		cmocka_unit_test_setup_teardown(test_owner_unlocks_and_sees_unlocked, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_unlock_needs_confirmation, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_failed_attempts_raise_an_alert, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_alert_history_shared_by_consoles, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_broker_lost_shows_unknown, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_offline_lock_drawn_offline, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_starts_before_the_broker, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_enter_opens_the_whole_record, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_prompts_and_messages, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_unanswered_lock_shows_the_state_now, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_help_by_task_fits_and_scrolls, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_users_screen_fits_80_columns, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_readme_screenshot, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_resident_has_no_users_screen, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_guest_hears_why_in_plain_words, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_owner_manages_users, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_older_history_and_maintenance, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_resize_keeps_the_layout, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_shown_harmlessly, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_terminal_restored_on_every_exit, setup_up,
				teardown),
		cmocka_unit_test_setup_teardown(test_no_color_honoured, setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_stays_responsive_at_2000_events_per_second,
				setup_up, teardown),
		cmocka_unit_test_setup_teardown(test_desktop_notification_is_critical, setup_up,
				teardown),
	};
	const struct CMUnitTest two_lock_tests[] = {
		cmocka_unit_test_setup_teardown(test_two_lock_site_switches_locks, setup_two_locks,
				teardown),
	};
	const struct CMUnitTest bare_tests[] = {
		cmocka_unit_test_setup_teardown(test_start_failures, setup_bare, teardown),
		cmocka_unit_test_setup_teardown(test_timeout_in_plain_words, setup_bare, teardown),
	};
	const struct CMUnitTest site_tests[] = {
		cmocka_unit_test_setup_teardown(test_site_tls_owner_and_hostile_login, setup_site,
				teardown),
		cmocka_unit_test_setup_teardown(test_site_resident, setup_site, teardown),
		cmocka_unit_test_setup_teardown(test_site_resident_loads_alert_history, setup_site,
				teardown),
	};
	int rc;

	if (access("/usr/bin/tmux", X_OK) != 0) {
		printf("# tmux is not installed: skipped\n");
		return 77;
	}
	setenv("TZ", "UTC", 1);
	harness_init();
	/* TUI_TEST=pattern runs only the tests whose names match (cmocka) */
	if (getenv("TUI_TEST"))
		cmocka_set_test_filter(getenv("TUI_TEST"));
	rc = cmocka_run_group_tests_name("console without the agent", bare_tests, NULL, NULL);
	if (stack_programs_built())
		rc |= cmocka_run_group_tests_name("console on the real stack", stack_tests, NULL,
				NULL);
	if (stack_programs_built())
		rc |= cmocka_run_group_tests_name("console on a site with two locks", two_lock_tests,
				NULL, NULL);
	if (stack_programs_built())
		rc |= cmocka_run_group_tests_name("console on a site made by smartlockctl init",
				site_tests, NULL, NULL);
	else
		printf("# the agent or lockd is not built: real-stack tests skipped\n");
	harness_cleanup();
	return rc;
}
