/* test_health.c - lock health: last will, missed heartbeats, back online,
 * answers while offline, command timeouts, the retained state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static int setup(void **state)
{
	return fx_state_up(state, fx_default_users, 3, "command_timeout_ms = 500");
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

static void test_last_will_and_back_online(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_alert al;
	int64_t t0;

	assert_non_null(r);
	assert_int_equal(fx_heartbeat(f, false, 0), 0);       /* the last will */
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCK_OFFLINE, &al, FX_WAIT), 0);
	assert_string_equal(al.lock, FX_LOCK);
	assert_non_null(strstr(al.msg, "last will"));
	assert_int_equal(fx_wait_state_online(f, false, FX_WAIT), 0);
	/* answered at once, well before the command timeout */
	t0 = time_mono_ms();
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCK_OFFLINE, NULL), 0);
	assert_true(time_mono_ms() - t0 < 400);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_STATUS, 0,
				SL_REASON_LOCK_OFFLINE, NULL), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCK_ONLINE, &al, FX_WAIT), 0);
	assert_non_null(strstr(al.msg, "back online"));
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_wait_log(f, "\"action\":\"heartbeat\",\"result\":\"online\"", FX_WAIT), 0);
	harness_client_destroy(r);
}

static void test_missed_heartbeats(void **state)
{
	struct fx *f = *state;
	struct sl_alert al;
	int64_t last;

	/* interval 1 s: offline after 2.5 s without one */
	assert_int_equal(fx_heartbeat(f, true, 1), 0);
	assert_int_equal(fx_wait_log(f, "interval 1 s", FX_WAIT), 0);
	last = time_mono_ms();
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCK_OFFLINE, &al, FX_WAIT), 0);
	assert_true(time_mono_ms() - last >= 2400);
	assert_non_null(strstr(al.msg, "no heartbeat"));
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCK_ONLINE, NULL, FX_WAIT), 0);
}

static void test_command_timeout(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_command cmd;
	struct sl_response res;
	struct sl_alert al;
	int64_t t0 = time_mono_ms();

	assert_true(fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	/* the lock stays silent */
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_true(time_mono_ms() - t0 >= 450);
	assert_int_equal(res.result, SL_RESULT_ERROR);
	assert_int_equal(res.reason, SL_REASON_TIMEOUT);
	/* a late answer is recorded but not acted on twice */
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_UNLOCKED, false), 0);
	assert_int_equal(fx_wait_log(f, "no command waiting for it", FX_WAIT), 0);
	assert_null(harness_client_wait(r, "smartlock/front-door/lockRes/resident", 0));
	/* ... and the move nobody waits for any more is alerted */
	assert_int_equal(fx_wait_alert(f, SL_ALERT_UNEXPECTED_MOVE, &al, FX_WAIT), 0);
	assert_non_null(strstr(al.msg, "no request waits"));
	harness_client_destroy(r);
}

static void test_offline_fails_pending(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_command cmd;
	struct sl_response res;

	assert_true(fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_int_equal(fx_heartbeat(f, false, 0), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.result, SL_RESULT_ERROR);
	assert_int_equal(res.reason, SL_REASON_LOCK_OFFLINE);
	harness_client_destroy(r);
}

static void test_retained_state(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *late;
	struct harness_msg *m;
	struct sl_state_msg s;
	int64_t before = time_now_ms();

	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	/* A dashboard subscribing now gets the retained state at once. The
	 * agent answers the user before it publishes the state, so the
	 * retained one may still be the move's UNLOCKING, followed at once by
	 * UNLOCKED. */
	late = harness_client_local(&f->broker, NULL, NULL);
	assert_non_null(late);
	assert_int_equal(harness_client_subscribe(late, "smartlock/front-door/state", 1), 1);
	m = harness_client_wait(late, "smartlock/front-door/state", FX_WAIT);
	assert_non_null(m);
	assert_true(m->retain);
	assert_int_equal(proto_decode_state(m->payload, m->len, &s, NULL), SL_OK);
	harness_msg_free(m);
	if (s.state == SL_STATE_UNLOCKING) {
		m = harness_client_wait(late, "smartlock/front-door/state", FX_WAIT);
		assert_non_null(m);
		assert_int_equal(proto_decode_state(m->payload, m->len, &s, NULL), SL_OK);
		harness_msg_free(m);
	}
	assert_int_equal(s.state, SL_STATE_UNLOCKED);
	assert_int_equal(s.door, SL_DOOR_CLOSED);
	assert_string_equal(s.by, "resident");
	assert_true(s.since >= before);
	assert_true(s.online);
	harness_client_destroy(late);
	harness_client_destroy(r);
}

/* The lock peer takes one command for a granted unlock and answers it;
 * returns the command's seq, 0 on failure. */
static uint64_t command_seq(struct fx *f, struct harness_client *r)
{
	struct sl_command cmd;
	struct sl_response res;

	if (fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0) <= 0 ||
			fx_lock_command(f, &cmd, FX_WAIT) != 0 ||
			fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_UNLOCKED, false) != 0 ||
			fx_response(f, r, "resident", &res, FX_WAIT) != 0 ||
			res.result != SL_RESULT_OK)
		return 0;
	return cmd.seq;
}

/* A restarted lock refuses commands up to the mark it had reserved and says
 * so in its heartbeat: the agent's next command goes past the mark at once.
 * A restart puts the mark at most 1023 past a seq already sent; one further
 * ahead (a broken or hostile lock) is not followed, even by one. */
static void test_next_command_follows_the_lock_mark(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	uint64_t seq, mark, far;
	char needle[64];

	assert_non_null(r);
	seq = command_seq(f, r);
	assert_true(seq > 0);
	mark = seq + SL_LOCK_SEQ_BLOCK - 1;
	assert_int_equal(fx_heartbeat_mark(f, mark), 0);
	snprintf(needle, sizeof(needle), "seq %llu\"", (unsigned long long)mark);
	assert_int_equal(fx_wait_log(f, needle, FX_WAIT), 0);
	seq = command_seq(f, r);
	assert_true(seq == mark + 1);
	/* a mark below the agent's own seq changes nothing */
	assert_int_equal(fx_heartbeat_mark(f, mark - 5), 0);
	snprintf(needle, sizeof(needle), "seq %llu\"", (unsigned long long)(mark - 5));
	assert_int_equal(fx_wait_log(f, needle, FX_WAIT), 0);
	assert_true(command_seq(f, r) == seq + 1);
	/* the next seq is seq + 2: the largest mark a restart explains is
	 * seq + 1 + 1023, and one more is too far */
	far = seq + 2 + SL_LOCK_SEQ_BLOCK - 1;
	assert_int_equal(fx_heartbeat_mark(f, far), 0);
	snprintf(needle, sizeof(needle), "seq %llu\"", (unsigned long long)far);
	assert_int_equal(fx_wait_log(f, needle, FX_WAIT), 0);
	assert_true(command_seq(f, r) == seq + 2);
	far = seq + (1ull << 52);
	assert_int_equal(fx_heartbeat_mark(f, far), 0);
	snprintf(needle, sizeof(needle), "seq %llu\"", (unsigned long long)far);
	assert_int_equal(fx_wait_log(f, needle, FX_WAIT), 0);
	assert_true(command_seq(f, r) == seq + 3);
	harness_client_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_last_will_and_back_online, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missed_heartbeats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_command_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offline_fails_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retained_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_command_follows_the_lock_mark, setup,
				teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
