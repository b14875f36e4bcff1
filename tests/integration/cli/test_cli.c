/* test_cli.c - smartlockctl against the real stack: one scenario for every
 * exit code, and the commands' output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <pwd.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "smartlock/audit.h"
#include "smartlock/passwd.h"
#include "smartlock/timeutil.h"

#include "stack.h"
#include "text.h"

#define RUN_MS 30000

struct fixture {
	struct stack s;
	char owner[HARNESS_PATH_MAX], resident[HARNESS_PATH_MAX], guest[HARNESS_PATH_MAX];
	char *out, *err;
};

static void paths(struct fixture *f)
{
	stack_enrol(&f->s, STACK_OWNER, f->owner, sizeof(f->owner));
	stack_enrol(&f->s, STACK_RESIDENT, f->resident, sizeof(f->resident));
	stack_enrol(&f->s, STACK_GUEST, f->guest, sizeof(f->guest));
}

static int stack_with(void **state, const char *agent_extra)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!stack_programs_built())
		return -1;
	assert_non_null(f);
	assert_int_equal(stack_up(&f->s, agent_extra, NULL), 0);
	paths(f);
	*state = f;
	return 0;
}

static int up(void **state)
{
	return stack_with(state, NULL);
}

/* Broker and files only: no agent, no lock. */
static int bare(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(stack_setup(&f->s, NULL, NULL), 0);
	paths(f);
	*state = f;
	return 0;
}

static int jammed(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!stack_programs_built())
		return -1;
	assert_non_null(f);
	assert_int_equal(stack_up(&f->s, NULL, "sim_jam = unlock\nsim_actuation_ms = 100\nmove_timeout_ms = 600\n"), 0);
	paths(f);
	*state = f;
	return 0;
}

/* Two alert channels: one that works, one that fails. */
static int channels(void **state)
{
	return stack_with(state, "alert_1_command = /usr/bin/true\nalert_1_name = works\n"
			"alert_2_command = /usr/bin/false\nalert_2_name = broken\n"
			"alert_2_retry_for = 0\n");
}

static int channel_ok(void **state)
{
	return stack_with(state, "alert_1_command = /usr/bin/true\n");
}

static int down(void **state)
{
	struct fixture *f = *state;

	stack_teardown(&f->s);
	free(f->out);
	free(f->err);
	free(f);
	return 0;
}

/* Run smartlockctl; keep its output in f. */
static int ctl(struct fixture *f, const char *const *args)
{
	return stack_ctl_again(&f->s, args, RUN_MS, &f->out, &f->err);
}

#define CTL(f, ...) ctl((f), (const char *const[]){__VA_ARGS__, NULL})

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle)) {
		fprintf(stderr, "expected \"%s\" in:\n%s\n", needle, hay ? hay : "(null)");
		fail();
	}
}

/* ---- 0: granted ---- */

static void test_unlock_lock_status_exit_0(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 0);
	assert_contains(f->out, "Granted: the door is unlocked.");
	assert_int_equal(CTL(f, "status", "--enrol", f->owner), 0);
	assert_contains(f->out, "The door is UNLOCKED");
	assert_contains(f->out, "Changed by owner");
	assert_int_equal(CTL(f, "--enrol", f->resident, "lock", "--json"), 0);
	{
		cJSON *j = cJSON_Parse(f->out);

		assert_non_null(j);
		assert_string_equal(cJSON_GetObjectItem(j, "result")->valuestring, "ok");
		assert_string_equal(cJSON_GetObjectItem(j, "message")->valuestring,
				"Granted: the door is locked.");
		cJSON_Delete(j);
	}
	/* owners' maintenance; a resident is refused it */
	assert_int_equal(CTL(f, "--enrol", f->owner, "health"), 0);
	assert_contains(f->out, "Done:");
	assert_int_equal(CTL(f, "--enrol", f->resident, "health"), 1);
	assert_int_equal(CTL(f, "--enrol", f->owner, "lock-reset"), 0);
	assert_contains(f->out, "Done:");
}

/* ---- 1: denied, reason on stderr ---- */

static void test_denied_exit_1(void **state)
{
	struct fixture *f = *state;
	char when[48], expect[128];

	assert_int_equal(CTL(f, "--enrol", f->guest, "unlock"), 1);
	text_when(f->s.guest_from, time_now_ms(), when, sizeof(when));
	snprintf(expect, sizeof(expect), "Denied: outside your access window \u2014 it opens %s",
			when);
	assert_contains(f->err, expect);
	assert_string_equal(f->out, "");
	/* a resident may not manage users */
	assert_int_equal(CTL(f, "--enrol", f->resident, "users", "list"), 1);
	assert_contains(f->err, "Denied");
}

/* ---- alert test: each channel's result, 0 only when all delivered ---- */

static void test_alert_test_channels(void **state)
{
	struct fixture *f = *state;
	cJSON *j, *arr;

	assert_int_equal(CTL(f, "--enrol", f->owner, "alert", "test"), 8);
	assert_contains(f->out, "channel 1 (works): ok: delivered\n");
	assert_contains(f->out, "channel 2 (broken): failed: exit status 1\n");
	assert_contains(f->err, "Failed: 1 of 2 alert channels failed the test.");
	/* the same as JSON */
	assert_int_equal(CTL(f, "--enrol", f->owner, "--json", "alert", "test"), 8);
	j = cJSON_Parse(f->out);
	assert_non_null(j);
	arr = cJSON_GetObjectItemCaseSensitive(j, "channels");
	assert_int_equal(cJSON_GetArraySize(arr), 2);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(arr, 0), "result")), "ok");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetArrayItem(arr, 1), "result")), "failed");
	cJSON_Delete(j);
	/* the failed channel is in the retained state watch shows at once */
	assert_int_equal(CTL(f, "--enrol", f->owner, "watch", "--count", "2"), 0);
	assert_contains(f->out, "lock=online alert-channel-failed=broken\n");
	/* owners only */
	assert_int_equal(CTL(f, "--enrol", f->resident, "alert", "test"), 1);
	assert_contains(f->err, "Denied");
	assert_int_equal(CTL(f, "--enrol", f->owner, "alert", "tset"), 2);
}

static void test_alert_test_all_ok(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "alert", "test"), 0);
	assert_contains(f->out, "channel 1 (true): ok: delivered\n");
	assert_contains(f->out, "Done: the test alert went through every channel.");
}

static void test_alert_test_no_channel(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "alert", "test"), 8);
	assert_contains(f->err, "No alert channel is configured");
}

/* ---- 2: usage ---- */

static void test_usage_exit_2(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "frobnicate"), 2);
	assert_contains(f->err, "unknown command 'frobnicate'");
	assert_int_equal(ctl(f, (const char *const[]){NULL}), 2);
	assert_int_equal(CTL(f, "unlock", "--role", "guest"), 2);
	assert_contains(f->err, "--role does not apply to 'unlock'");
	assert_int_equal(CTL(f, "--timeout", "0", "unlock"), 2);
	assert_int_equal(CTL(f, "unlock", "--timeout", "12x"), 2);
	assert_int_equal(CTL(f, "users"), 2);
	assert_int_equal(CTL(f, "users", "add"), 2);
	assert_int_equal(CTL(f, "users", "list", "extra"), 2);
	assert_int_equal(CTL(f, "log", "verify"), 2);
	assert_int_equal(CTL(f, "--lock", "../x", "status"), 2);
	assert_int_equal(CTL(f, "--bogus"), 2);
	assert_int_equal(CTL(f, "help"), 0);
	assert_contains(f->out, "exit codes");
}

/* ---- 3: configuration or enrolment ---- */

static void test_enrolment_exit_3(void **state)
{
	struct fixture *f = *state;
	char path[HARNESS_PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/nothing.enrol", f->s.dir);
	assert_int_equal(CTL(f, "--enrol", path, "unlock"), 3);
	assert_contains(f->err, "nothing.enrol");
	/* an enrolment others can read is refused */
	assert_int_equal(chmod(f->owner, 0644), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 3);
	assert_contains(f->err, "chmod 600");
	assert_int_equal(chmod(f->owner, 0600), 0);
	snprintf(path, sizeof(path), "%s/broken.enrol", f->s.dir);
	assert_int_equal(harness_write_file(path, "user = x\nrole = king\n", 0600), 0);
	assert_int_equal(CTL(f, "--enrol", path, "status"), 3);
	assert_contains(f->err, "broken.enrol");
}

/* ---- 4: no answer ---- */

static void test_timeout_exit_4(void **state)
{
	struct fixture *f = *state;
	int64_t t0 = time_mono_ms();

	/* broker up, agent not running */
	assert_int_equal(CTL(f, "--enrol", f->owner, "--timeout", "1", "unlock"), 4);
	assert_contains(f->err, "Timed out");
	/* not "failed": the door may have moved; one status round trip says
	 * where it is, when anyone answers */
	assert_contains(f->err, "outcome is unknown");
	assert_contains(f->err, "Now: no answer either");
	assert_true(time_mono_ms() - t0 < 10000);
}

/* A lock no agent serves is answered, not left to time out. */
static void test_unknown_lock_exit_1(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "--lock", "back-door", "unlock"), 1);
	assert_contains(f->err, "does not know this lock");
	assert_contains(f->err, "back-door");
}

/* ---- 5: lock offline ---- */

static void test_offline_exit_5(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(stack_stop_lockd(&f->s), 0);
	assert_int_equal(stack_wait_online(&f->s, false), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 5);
	/* status says since when, and what was last known */
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 5);
	assert_contains(f->err, "offline since");
	assert_contains(f->err, "last known: LOCKED, door closed");
	assert_contains(f->err, "Failed: the lock is offline.");
}

/* The lock reserves its anti-replay mark a block of seqs at a time, so a
 * restarted lock refuses the rest of its block; its first heartbeat says
 * so, and the agent's next command goes past it: the first unlock after
 * the restart is granted. */
static void test_unlock_after_lockd_restart(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "lock"), 0);
	assert_int_equal(stack_stop_lockd(&f->s), 0);
	assert_int_equal(stack_wait_online(&f->s, false), 0);
	assert_int_equal(stack_start_lockd(&f->s), 0);
	assert_int_equal(stack_wait_online(&f->s, true), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 0);
	assert_contains(f->out, "Granted: the door is unlocked.");
}

/* ---- 6: broker ---- */

static void test_broker_exit_6(void **state)
{
	struct fixture *f = *state;
	char path[HARNESS_PATH_MAX + 16];
	int64_t t0 = time_mono_ms();

	snprintf(path, sizeof(path), "%s/away.enrol", f->s.dir);
	assert_int_equal(stack_write_enrol(&f->s, path, "owner", SL_ROLE_OWNER,
			&f->s.keys[STACK_OWNER]), 0);
	harness_broker_stop(&f->s.broker);
	assert_int_equal(CTL(f, "--enrol", path, "--timeout", "2", "unlock"), 6);
	assert_contains(f->err, "broker");
	assert_true(time_mono_ms() - t0 < 10000);
}

/* ---- 7: audit log verification ---- */

static void test_verify_exit_7(void **state)
{
	struct fixture *f = *state;
	char dir[HARNESS_PATH_MAX + 16], copy[HARNESS_PATH_MAX + 16];
	char *text, *p;

	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "lock"), 0);
	snprintf(dir, sizeof(dir), "%s/audit", f->s.state_dir);
	assert_int_equal(CTL(f, "log", "verify", "--dir", dir), 0);
	assert_contains(f->out, "OK:");
	/* the same records with one edited */
	snprintf(copy, sizeof(copy), "%s/audit.copy", f->s.dir);
	snprintf(dir, sizeof(dir), "%s/audit/audit.log", f->s.state_dir);
	text = harness_read_file(dir);
	assert_non_null(text);
	assert_int_equal(CTL(f, "log", "verify", dir), 0);
	p = strstr(text, "\"granted\"");
	assert_non_null(p);
	memcpy(p, "\"denied\" ", 9);
	assert_int_equal(harness_write_file(copy, text, 0600), 0);
	free(text);
	assert_int_equal(CTL(f, "log", "verify", copy), 7);
	assert_contains(f->err, "FAILED");
	assert_int_equal(CTL(f, "log", "verify", "/nonexistent/audit.log"), 7);
}

/* A log whose oldest files the budget removed verifies from its proven
 * start; the oldest kept file removed by hand is found. */
static void test_verify_pruned(void **state)
{
	struct fixture *f = *state;
	const struct audit_record rec = {"owner", "owner", "lockReq", "front-door",
		"unlock", "granted", "", "", 0};
	char dir[HARNESS_PATH_MAX + 16], hidden[HARNESS_PATH_MAX + 16];
	struct audit_log *log;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;

	snprintf(dir, sizeof(dir), "%s/pruned", f->s.dir);
	log = audit_open(dir, 1000, &e);
	assert_non_null(log);
	audit_set_budget(log, 4000);
	for (int i = 0; i < 60; i++)
		assert_int_equal(audit_append(log, &rec, false, NULL), SL_OK);
	audit_close(log);
	assert_int_equal(CTL(f, "log", "verify", "--dir", dir), 0);
	assert_contains(f->out, "OK:");
	assert_int_equal(audit_list_files(dir, &paths, &n), SL_OK);
	assert_true(n >= 3);
	snprintf(hidden, sizeof(hidden), "%s/hidden", f->s.dir);
	assert_int_equal(rename(paths[0], hidden), 0);
	audit_free_paths(paths, n);
	assert_int_equal(CTL(f, "log", "verify", "--dir", dir), 7);
	assert_contains(f->err, "missing");
}

/* ---- 8: allowed, but the bolt jammed ---- */

static void test_jammed_exit_8(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 8);
	assert_contains(f->err, "Failed:");
	assert_contains(f->err, "jammed");
}

/* ---- watch, users, log show ---- */

static void test_watch_json(void **state)
{
	struct fixture *f = *state;
	char *line, *save = NULL;
	int lines = 0;

	/* the retained state and health arrive at once */
	assert_int_equal(CTL(f, "--enrol", f->owner, "watch", "--json", "--count", "2"), 0);
	for (line = strtok_r(f->out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line);
		const cJSON *kind;

		assert_non_null(j);
		kind = cJSON_GetObjectItem(j, "kind");
		assert_true(cJSON_IsString(kind));
		assert_true(strcmp(kind->valuestring, "state") == 0 ||
				strcmp(kind->valuestring, "health") == 0);
		assert_true(cJSON_IsObject(cJSON_GetObjectItem(j, "data")));
		cJSON_Delete(j);
		lines++;
	}
	assert_int_equal(lines, 2);
	assert_int_equal(CTL(f, "--enrol", f->resident, "watch", "--count", "1"), 0);
	assert_true(strstr(f->out, " state ") || strstr(f->out, " health "));
}

static void test_users_and_log(void **state)
{
	struct fixture *f = *state;
	char out[HARNESS_PATH_MAX + 16];
	struct stat st;

	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "list"), 0);
	assert_contains(f->out, "NAME");
	assert_contains(f->out, "resident");
	assert_contains(f->out, "guest");

	snprintf(out, sizeof(out), "%s/gina.enrol", f->s.dir);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "add", "gina", "--role", "guest",
			"--uses", "2", "--out", out), 0);
	assert_contains(f->out, "Done: gina added.");
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* the file is refused rather than overwritten */
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "add", "gina2", "--out", out), 2);
	/* gina can open the door with it */
	assert_int_equal(CTL(f, "--enrol", out, "unlock"), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "disable", "gina"), 0);
	assert_contains(f->out, "Done: gina disabled.");
	assert_int_equal(CTL(f, "--enrol", out, "unlock"), 1);
	assert_contains(f->err, "disabled");
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "enable", "gina"), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "revoke", "gina"), 0);
	assert_int_equal(CTL(f, "--enrol", out, "unlock"), 1);
	assert_contains(f->err, "revoked");

	assert_int_equal(CTL(f, "--enrol", f->owner, "log", "show", "--count", "50"), 0);
	assert_contains(f->out, "unlock");
	assert_contains(f->out, "gina");
	assert_int_equal(CTL(f, "--enrol", f->owner, "log", "show", "--json", "--count", "3"), 0);
	{
		char *save = NULL;
		int n = 0;

		for (char *l = strtok_r(f->out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			cJSON *j = cJSON_Parse(l);

			assert_non_null(j);
			assert_true(cJSON_IsNumber(cJSON_GetObjectItem(j, "seq")));
			cJSON_Delete(j);
			n++;
		}
		assert_true(n >= 1 && n <= 3);
	}
	/* everything from the first record, in order, page after page */
	assert_int_equal(CTL(f, "--enrol", f->owner, "log", "show", "--all", "--json"), 0);
	{
		char *save = NULL;
		double expect = 1;

		for (char *l = strtok_r(f->out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			cJSON *j = cJSON_Parse(l);

			assert_non_null(j);
			assert_true(cJSON_GetObjectItem(j, "seq")->valuedouble == expect);
			expect++;
			cJSON_Delete(j);
		}
		/* as many as the agent's audit log holds */
		{
			char path[HARNESS_PATH_MAX + 32];
			char *text;
			double lines = 0;

			snprintf(path, sizeof(path), "%s/audit/audit.log", f->s.state_dir);
			text = harness_read_file(path);
			assert_non_null(text);
			for (char *p = text; *p; p++)
				lines += *p == '\n';
			free(text);
			assert_true(expect - 1 >= 10);
			assert_true(lines >= expect - 1);
			assert_true(lines <= expect + 2);       /* a heartbeat may come meanwhile */
		}
	}
	/* the three records before #5 */
	assert_int_equal(CTL(f, "--enrol", f->owner, "log", "show", "--before", "5", "--count",
			"3"), 0);
	assert_contains(f->out, "#2 ");
	assert_contains(f->out, "#4 ");
	assert_null(strstr(f->out, "#5 "));
	assert_null(strstr(f->out, "#1 "));
}

/* ---- a site made by smartlockctl init: plugin, TLS, hashed passwords ---- */

/* A site made by init, the agent run as agent_user (NULL: as we are). */
static int site_as(void **state, const char *agent_user)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int rc;

	if (!f)
		return -1;
	rc = stack_site_up_as(&f->s, agent_user);
	if (rc != 0) {
		stack_teardown(&f->s);
		free(f);
		if (rc == 77)
			skip();
		return -1;
	}
	paths(f);
	*state = f;
	return 0;
}

static int site(void **state)
{
	return site_as(state, NULL);
}

/* As root, the production layout: the agent's files belong to nobody,
 * who runs the agent; the password file is also the broker's group's. */
static int site_nobody(void **state)
{
	if (geteuid() != 0 || !getpwnam("nobody") || access("/usr/bin/setpriv", X_OK) != 0) {
		print_message("needs root, the user nobody and setpriv: skipped\n");
		skip();
	}
	return site_as(state, "nobody");
}

static void site_file(const struct fixture *f, const char *name, char *buf, size_t size)
{
	assert_true((size_t)snprintf(buf, size, "%s/%s", f->s.agent_user ? f->s.state_dir :
			f->s.site_dir, name) < size);
}

static void assert_same_owner(const char *path, const struct stat *before)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, before->st_uid);
	assert_int_equal(st.st_gid, before->st_gid);
	assert_int_equal(st.st_mode & 07777, before->st_mode & 07777);
}

/* The broker took the latest password file: it logged closing name's
 * sessions for what (disabled, changed). */
static void wait_broker_saw(const struct fixture *f, const char *name, const char *what)
{
	const char *log = f->s.mosquitto.log_path;
	char line[128];

	snprintf(line, sizeof(line), "sessions of \"%s\": account %s", name, what);
	if (harness_wait_file_contains(log, line, STACK_WAIT) != 0) {
		char *text = harness_read_file(log);

		fprintf(stderr, "no \"%s\" in the broker's log:\n%s\n", line, text ? text : "");
		free(text);
		fail();
	}
}

/* A user changed through the agent keeps the password file's owner, group
 * and mode, the broker keeps serving, and an owner's or resident's
 * home-only setting (made by `smartlockctl user add`) survives. */
static void test_site_user_change_keeps_passwd(void **state)
{
	struct fixture *f = *state;
	char pw[HARNESS_PATH_MAX + 16], out[HARNESS_PATH_MAX + 16], msg[256];
	struct passwd_file *pf;
	struct stat before;

	site_file(f, "passwd", pw, sizeof(pw));
	assert_int_equal(stat(pw, &before), 0);
	assert_int_equal(before.st_mode & 07777, 0640);
	snprintf(out, sizeof(out), "%s/bob.enrol", f->s.dir);
	assert_int_equal(CTL(f, "user", "add", "bob", "--role", "resident", "--home-only",
			"--site", f->s.site_dir, "--out", out), 0);
	assert_same_owner(pw, &before);
	/* the agent picks the changed user store up by itself */
	assert_int_equal(harness_wait_file_contains(f->s.agent_log, "(4 users)", STACK_WAIT), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "disable", "bob"), 0);
	assert_contains(f->out, "Done: bob disabled.");
	assert_same_owner(pw, &before);
	wait_broker_saw(f, "bob", "disabled");
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "enable", "bob"), 0);
	assert_same_owner(pw, &before);
	wait_broker_saw(f, "bob", "changed");
	/* the broker still serves everybody */
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 0);
	assert_int_equal(CTL(f, "--enrol", out, "status"), 0);
	pf = passwd_load(pw, msg, sizeof(msg));
	assert_non_null(pf);
	assert_true(passwd_find(pf, "bob")->enabled);
	assert_true(passwd_find(pf, "bob")->home_only);
	assert_false(passwd_find(pf, "resident")->home_only);
	passwd_destroy(pf);
}

/* Run as an unprivileged user, the agent keeps the password file's owner,
 * group and mode; where it cannot (a file left to root), it refuses the
 * change before touching anything, says why, and the site keeps running. */
static void test_site_agent_unprivileged(void **state)
{
	struct fixture *f = *state;
	char pw[HARNESS_PATH_MAX + 16], users[HARNESS_PATH_MAX + 16], both[8192];
	struct stat before, users_before;
	char *text, *again;

	site_file(f, "passwd", pw, sizeof(pw));
	site_file(f, "users.json", users, sizeof(users));
	assert_int_equal(stat(pw, &before), 0);
	assert_int_equal(stat(users, &users_before), 0);
	assert_int_equal(before.st_uid, getpwnam("nobody")->pw_uid);
	assert_int_not_equal(before.st_gid, getpwnam("nobody")->pw_gid);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "disable", "resident"), 0);
	assert_same_owner(pw, &before);
	assert_same_owner(users, &users_before);
	wait_broker_saw(f, "resident", "disabled");
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 0);
	/* a password file left to root: nobody cannot write one like it */
	assert_int_equal(chown(pw, 0, before.st_gid), 0);
	assert_int_equal(stat(pw, &before), 0);
	text = harness_read_file(pw);
	assert_non_null(text);
	assert_int_not_equal(CTL(f, "--enrol", f->owner, "users", "enable", "resident"), 0);
	snprintf(both, sizeof(both), "%s%s", f->out ? f->out : "", f->err ? f->err : "");
	assert_contains(both, "Nothing changed");
	assert_contains(both, "owner and group");
	again = harness_read_file(pw);
	assert_non_null(again);
	assert_string_equal(text, again);
	free(text);
	free(again);
	assert_same_owner(pw, &before);
	assert_int_equal(CTL(f, "--enrol", f->owner, "users", "list"), 0);
	assert_contains(f->out, "disabled");
	text = harness_read_file(f->s.agent_log);
	assert_non_null(text);
	assert_contains(text, "not permitted");
	free(text);
	/* the site keeps running */
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 0);
}

static void test_site_over_tls(void **state)
{
	struct fixture *f = *state;
	char bad[HARNESS_PATH_MAX + 16], *text, *p;

	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 0);
	assert_contains(f->out, "Granted: the door is unlocked.");
	assert_int_equal(CTL(f, "--enrol", f->resident, "status"), 0);
	assert_contains(f->out, "The door is UNLOCKED");
	/* the guest added by `smartlockctl user add` has no window: granted */
	assert_int_equal(CTL(f, "--enrol", f->guest, "lock"), 0);
	/* a wrong broker password: the plugin refuses the login */
	snprintf(bad, sizeof(bad), "%s/bad.enrol", f->s.dir);
	text = harness_read_file(f->owner);
	assert_non_null(text);
	p = strstr(text, "password = ");
	assert_non_null(p);
	p[11] = p[11] == 'x' ? 'y' : 'x';
	assert_int_equal(harness_write_file(bad, text, 0600), 0);
	free(text);
	assert_int_equal(CTL(f, "--enrol", bad, "status"), 6);
	assert_contains(f->err, "refused the login");
	/* a broker whose certificate the enrolment's CA did not sign */
	text = harness_read_file(f->owner);
	assert_non_null(text);
	p = strstr(text, "ca.crt");
	assert_non_null(p);
	{
		char *fixed = NULL;

		*p = '\0';
		assert_true(asprintf(&fixed, "%sserver.crt%s", text, p + 6) > 0);
		assert_int_equal(harness_write_file(bad, fixed, 0600), 0);
		free(fixed);
	}
	free(text);
	assert_int_equal(CTL(f, "--enrol", bad, "status"), 6);
	assert_contains(f->err, "cannot connect to the broker at tls localhost:");
	/* the resident may not read the log: the agent refuses a resident
	 * (who gets alerts, so may ask for the alert history) every other
	 * admin operation */
	assert_int_equal(CTL(f, "--enrol", f->resident, "log", "show"), 1);
	assert_contains(f->err, "Denied: your role may not do that.");
}

int main(void)
{
	const struct CMUnitTest stack_tests[] = {
		cmocka_unit_test_setup_teardown(test_unlock_lock_status_exit_0, up, down),
		cmocka_unit_test_setup_teardown(test_denied_exit_1, up, down),
		cmocka_unit_test_setup_teardown(test_offline_exit_5, up, down),
		cmocka_unit_test_setup_teardown(test_unknown_lock_exit_1, up, down),
		cmocka_unit_test_setup_teardown(test_unlock_after_lockd_restart, up, down),
		cmocka_unit_test_setup_teardown(test_verify_exit_7, up, down),
		cmocka_unit_test_setup_teardown(test_verify_pruned, up, down),
		cmocka_unit_test_setup_teardown(test_jammed_exit_8, jammed, down),
		cmocka_unit_test_setup_teardown(test_watch_json, up, down),
		cmocka_unit_test_setup_teardown(test_users_and_log, up, down),
		cmocka_unit_test_setup_teardown(test_alert_test_channels, channels, down),
		cmocka_unit_test_setup_teardown(test_alert_test_all_ok, channel_ok, down),
		cmocka_unit_test_setup_teardown(test_alert_test_no_channel, up, down),
	};
	const struct CMUnitTest site_tests[] = {
		cmocka_unit_test_setup_teardown(test_site_over_tls, site, down),
		cmocka_unit_test_setup_teardown(test_site_user_change_keeps_passwd, site, down),
		cmocka_unit_test_setup_teardown(test_site_user_change_keeps_passwd, site_nobody, down),
		cmocka_unit_test_setup_teardown(test_site_agent_unprivileged, site_nobody, down),
	};
	const struct CMUnitTest bare_tests[] = {
		cmocka_unit_test_setup_teardown(test_usage_exit_2, bare, down),
		cmocka_unit_test_setup_teardown(test_enrolment_exit_3, bare, down),
		cmocka_unit_test_setup_teardown(test_timeout_exit_4, bare, down),
		cmocka_unit_test_setup_teardown(test_broker_exit_6, bare, down),
	};
	int rc;

	harness_init();
	setenv("LC_ALL", "C.UTF-8", 1);
	rc = cmocka_run_group_tests_name("without the agent", bare_tests, NULL, NULL);
	if (stack_programs_built())
		rc |= cmocka_run_group_tests_name("real stack", stack_tests, NULL, NULL);
	if (stack_programs_built())
		rc |= cmocka_run_group_tests_name("site made by smartlockctl init", site_tests,
				NULL, NULL);
	else
		fprintf(stdout, "# the agent or lockd is not built: real-stack tests skipped\n");
	harness_cleanup();
	return rc;
}
