/* test_recover.c - a crash between checkpoints of state.json loses
 * nothing: guest uses, request ids and failed attempts come back from the
 * audit log's tail when the agent starts again. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_loses_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_survives_a_crash, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
