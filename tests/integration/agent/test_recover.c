/* test_recover.c - a crash between checkpoints of state.json loses
 * nothing: guest uses, request ids and failed attempts come back from the
 * audit log's tail when the agent starts again; a torn or NUL-padded
 * audit tail and a damaged or deleted state.json are repaired without a
 * human, alerted, and no protection is lost. */
#include <glob.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static const struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST, .max_uses = 2},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

/* No checkpoint after the one at start: everything below must come back
 * from the audit log. */
static int setup(void **state)
{
	return fx_state_up(state, users, NUSERS, "checkpoint_interval = 3600\n");
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

/* SIGKILL the agent (no exit save), start it again, lock online. */
static void crash_and_restart(struct fx *f)
{
	harness_proc_stop(&f->agent, SIGKILL, 5000);
	assert_false(harness_proc_alive(&f->agent));
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
}

static void test_crash_loses_nothing(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest"), *r = fx_client(f, "resident");
	struct sl_key wrong;
	struct sl_alert al;
	char *log;
	int64_t first;

	assert_non_null(g);
	assert_non_null(r);
	memset(&wrong, 0x5a, sizeof(wrong));
	/* both of the guest's uses, the first one's id kept */
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	first = f->last_t;
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	/* two of the three failed attempts that trip the resident's lockout */
	for (int i = 0; i < 2; i++)
		assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
					SL_REASON_BAD_SIGNATURE, NULL), 0);

	crash_and_restart(f);
	log = harness_read_file(f->agent_log);
	assert_non_null(log);
	if (!strstr(log, "brought up to date from"))
		fail_msg("no recovery notice in the agent's log:\n%s", log);
	free(log);

	/* the first grant's request, sent again: a replay, not a third use */
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, first,
				SL_REASON_REPLAY, NULL), 0);
	/* the resident's third failed attempt: the two before the crash were
	 * counted again */
	assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
				SL_REASON_BAD_SIGNATURE, NULL), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_string_equal(al.lock, FX_LOCK);
	assert_string_equal(al.user, "resident");
	/* the uses were counted: a fresh request is out of uses */
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, NULL), 0);
	harness_client_destroy(g);
	harness_client_destroy(r);
}

/* A lockout that tripped after the last checkpoint is still in force after
 * a crash, with the same end. */
static void test_lockout_survives_a_crash(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_key wrong;
	struct sl_alert al;
	struct sl_response res;

	assert_non_null(r);
	memset(&wrong, 0x5a, sizeof(wrong));
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
					SL_REASON_BAD_SIGNATURE, NULL), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);

	crash_and_restart(f);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, &res), 0);
	assert_true(res.until == al.until);
	harness_client_destroy(r);
}

/* ---- files damaged by a crash: repaired without a human ---- */

/* Protection to lose: the resident locked out, the guest's two uses
 * spent. Returns the lockout's end. */
static int64_t protect(struct fx *f)
{
	struct harness_client *g = fx_client(f, "guest"), *r = fx_client(f, "resident");
	struct sl_key wrong;
	struct sl_alert al;

	assert_non_null(g);
	assert_non_null(r);
	memset(&wrong, 0x5a, sizeof(wrong));
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
					SL_REASON_BAD_SIGNATURE, NULL), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	harness_client_destroy(g);
	harness_client_destroy(r);
	return al.until;
}

/* Start again after damage: the agent repairs, says so in an alert and
 * a "recovery" record, and every protection is still in force. */
static void restart_repaired(struct fx *f, int64_t until, const char *what)
{
	struct harness_client *g, *r;
	struct sl_response res;
	struct sl_alert al;
	char *out = NULL;
	char dir[HARNESS_PATH_MAX + 16];
	const char *verify[] = {"--verify-audit", dir, NULL};

	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_RECOVERED, &al, FX_WAIT), 0);
	if (!strstr(al.msg, what))
		fail_msg("the recovered alert does not say \"%s\": %s", what, al.msg);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
	g = fx_client(f, "guest");
	r = fx_client(f, "resident");
	assert_non_null(g);
	assert_non_null(r);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, &res), 0);
	assert_true(res.until == until);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, NULL), 0);
	harness_client_destroy(g);
	harness_client_destroy(r);
	/* the repaired log verifies and records the repair */
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(fx_run_agent(f, verify, &out), 0);
	free(out);
	snprintf(dir, sizeof(dir), "%s/audit/audit.log", f->state_dir);
	out = harness_read_file(dir);
	assert_non_null(out);
	assert_non_null(strstr(out, "\"action\":\"recovery\""));
	free(out);
}

static void append_bytes(struct fx *f, const char *name, const void *data, size_t len)
{
	char path[HARNESS_PATH_MAX + 16];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->state_dir, name);
	fp = fopen(path, "ab");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The bytes of the one audit.torn-* file in the audit directory. */
static char *quarantined(struct fx *f, size_t *len)
{
	char pattern[HARNESS_PATH_MAX + 32];
	glob_t g;
	char *text;

	snprintf(pattern, sizeof(pattern), "%s/audit/audit.torn-*", f->state_dir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	text = harness_read_file(g.gl_pathv[0]);
	assert_non_null(text);
	{
		FILE *fp = fopen(g.gl_pathv[0], "rb");

		assert_non_null(fp);
		fseek(fp, 0, SEEK_END);
		*len = (size_t)ftell(fp);
		fclose(fp);
	}
	globfree(&g);
	return text;
}

static void test_torn_audit_tail(void **state)
{
	struct fx *f = *state;
	static const char torn[] = "{\"v\":1,\"seq\":99,\"time\":\"2026-";
	int64_t until = protect(f);
	size_t len;
	char *q;

	harness_proc_stop(&f->agent, SIGKILL, 5000);
	append_bytes(f, "audit/audit.log", torn, strlen(torn));
	restart_repaired(f, until, "torn record");
	q = quarantined(f, &len);
	assert_string_equal(q, torn);
	free(q);
}

static void test_nul_padded_audit_tail(void **state)
{
	struct fx *f = *state;
	static const char torn[] = "{\"v\":1,\"seq\":";
	char zeros[4096];
	int64_t until = protect(f);
	size_t len;
	char *q;

	memset(zeros, 0, sizeof(zeros));
	harness_proc_stop(&f->agent, SIGKILL, 5000);
	append_bytes(f, "audit/audit.log", torn, strlen(torn));
	append_bytes(f, "audit/audit.log", zeros, sizeof(zeros));
	restart_repaired(f, until, "torn record");
	q = quarantined(f, &len);
	assert_int_equal(len, strlen(torn) + sizeof(zeros));
	free(q);
}

/* Protection, a clean stop, then state.json cut to size bytes (-1:
 * deleted); the next start must rebuild it. */
static void state_lost(struct fx *f, off_t size, const char *what)
{
	char path[HARNESS_PATH_MAX + 16];
	int64_t until = protect(f);

	assert_int_equal(fx_stop_agent(f), 0);
	snprintf(path, sizeof(path), "%s/state.json", f->state_dir);
	assert_int_equal(size < 0 ? unlink(path) : truncate(path, size), 0);
	restart_repaired(f, until, what);
}

static void test_truncated_state(void **state)
{
	state_lost(*state, 20, "damaged");
}

static void test_empty_state(void **state)
{
	state_lost(*state, 0, "damaged");
}

static void test_deleted_state(void **state)
{
	state_lost(*state, -1, "missing");
}

/* After a clean stop the next start says so, not "unclean". */
static void test_clean_stop_message(void **state)
{
	struct fx *f = *state;
	char *log;

	assert_int_equal(fx_stop_agent(f), 0);
	assert_int_equal(fx_start_agent(f), 0);
	log = harness_read_file(f->agent_log);
	assert_non_null(log);
	if (strstr(log, "unclean") || !strstr(log, "the last stop was clean"))
		fail_msg("the start after a clean stop says:\n%s", log);
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_survives_a_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_audit_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nul_padded_audit_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_stop_message, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
