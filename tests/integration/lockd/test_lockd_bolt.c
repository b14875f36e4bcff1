/* test_lockd_bolt.c - the real smartlock-lockd's state machine over a real
 * Mosquitto, with the simulated bolt and door driven through the control
 * FIFO: jams and reset, busy, the open door, manual turns, auto-relock. */
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

#include "lockfix.h"

static int setup_with(void **state, const char *conf)
{
	struct lx *x = calloc(1, sizeof(*x));

	if (!x || lx_up(x, conf) != 0)
		return -1;
	*state = x;
	return 0;
}

static int setup(void **state)
{
	return setup_with(state, "sim_actuation_ms = 50\nmove_timeout_ms = 2000\n");
}

static int setup_jam(void **state)
{
	return setup_with(state, "sim_actuation_ms = 50\nmove_timeout_ms = 400\n"
			"sim_jam = unlock\n");
}

static int setup_slow(void **state)
{
	return setup_with(state, "sim_actuation_ms = 700\nmove_timeout_ms = 3000\n");
}

static int setup_relock(void **state)
{
	return setup_with(state, "sim_actuation_ms = 50\nmove_timeout_ms = 2000\n"
			"auto_relock = 1\n");
}

static int teardown(void **state)
{
	struct lx *x = *state;

	lx_teardown(x);
	free(x);
	return 0;
}

static void expect_status(struct lx *x, uint64_t seq, enum sl_result result,
		enum sl_reason reason, enum sl_lock_state st)
{
	struct sl_lock_status s;

	if (lx_status(x, &s, LX_WAIT) != 0) {
		char *log = harness_read_file(x->log_path);

		fail_msg("no lockStatus for seq %llu; lockd's log:\n%s",
				(unsigned long long)seq, log ? log : "");
	}
	if (s.seq != seq || s.result != result || s.reason != reason || s.state != st)
		fail_msg("lockStatus seq %llu %s %s %s, expected seq %llu %s %s %s",
				(unsigned long long)s.seq, proto_result_name(s.result),
				proto_reason_name(s.reason), proto_state_name(s.state),
				(unsigned long long)seq, proto_result_name(result),
				proto_reason_name(reason), proto_state_name(st));
}

static enum sl_door next_door(struct lx *x)
{
	struct sl_lock_status s;

	assert_int_equal(lx_status(x, &s, LX_WAIT), 0);
	assert_int_equal(s.seq, 0);
	return s.door;
}

static void jam_reports_jammed_and_reset_rehomes(void **state)
{
	struct lx *x = *state;
	struct sl_heartbeat hb;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_ERROR, SL_REASON_JAMMED, SL_STATE_JAMMED);
	do {
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (hb.state != SL_STATE_JAMMED);
	/* Jammed: no more moves until a reset. */
	seq = lx_command(x, SL_ACTION_LOCK);
	expect_status(x, seq, SL_RESULT_ERROR, SL_REASON_JAMMED, SL_STATE_JAMMED);
	seq = lx_command(x, SL_ACTION_RESET);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
	/* A reset that jams again stays JAMMED. */
	assert_int_equal(lx_control(x, "jam always"), 0);
	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_ERROR, SL_REASON_JAMMED, SL_STATE_JAMMED);
	assert_int_equal(lx_control(x, "turn unlocked"), 0);    /* bolt half way */
	seq = lx_command(x, SL_ACTION_RESET);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_ERROR, SL_REASON_JAMMED, SL_STATE_JAMMED);
	assert_int_equal(lx_control(x, "jam none"), 0);
	seq = lx_command(x, SL_ACTION_RESET);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

static void second_command_while_moving_is_busy(void **state)
{
	struct lx *x = *state;
	uint64_t first, second;

	first = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, first, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	second = lx_command(x, SL_ACTION_LOCK);
	expect_status(x, second, SL_RESULT_DENIED, SL_REASON_BUSY, SL_STATE_UNLOCKING);
	expect_status(x, first, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
}

static void open_door_is_reported_and_never_locked(void **state)
{
	struct lx *x = *state;
	struct sl_heartbeat hb;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	assert_int_equal(lx_control(x, "door open"), 0);
	assert_int_equal(next_door(x), SL_DOOR_OPEN);
	do {
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (hb.door != SL_DOOR_OPEN);
	seq = lx_command(x, SL_ACTION_LOCK);
	expect_status(x, seq, SL_RESULT_DENIED, SL_REASON_DOOR_OPEN, SL_STATE_UNLOCKED);
	assert_int_equal(lx_control(x, "door closed"), 0);
	assert_int_equal(next_door(x), SL_DOOR_CLOSED);
	seq = lx_command(x, SL_ACTION_LOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

static void manual_turn_is_reported_with_seq_0(void **state)
{
	struct lx *x = *state;

	assert_int_equal(lx_control(x, "turn unlocked"), 0);
	expect_status(x, 0, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	assert_int_equal(lx_control(x, "turn locked"), 0);
	expect_status(x, 0, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

static void auto_relock_after_the_delay(void **state)
{
	struct lx *x = *state;
	struct sl_lock_status st;
	int64_t unlocked;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	unlocked = time_mono_ms();
	assert_int_equal(lx_status(x, &st, 3000), 0);
	assert_int_equal(st.seq, 0);
	assert_int_equal(st.result, SL_RESULT_PROGRESS);
	assert_int_equal(st.state, SL_STATE_LOCKING);
	assert_true(time_mono_ms() - unlocked >= 800);
	expect_status(x, 0, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

static void auto_relock_waits_while_the_door_is_open(void **state)
{
	struct lx *x = *state;
	struct sl_lock_status st;
	int64_t closed;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	assert_int_equal(lx_control(x, "door open"), 0);
	assert_int_equal(next_door(x), SL_DOOR_OPEN);
	/* The delay ends with the door open (the daemon says so): the lock
	 * stays UNLOCKED, and a status probe sent afterwards is answered
	 * before any move could be reported. */
	assert_int_equal(harness_wait_file_contains(x->log_path,
			"auto-relock is due but the door is open", LX_WAIT), 0);
	seq = lx_command(x, SL_ACTION_HEARTBEAT);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	assert_int_equal(lx_control(x, "door closed"), 0);
	assert_int_equal(next_door(x), SL_DOOR_CLOSED);
	closed = time_mono_ms();
	assert_int_equal(lx_status(x, &st, 3000), 0);
	assert_int_equal(st.seq, 0);
	assert_int_equal(st.state, SL_STATE_LOCKING);
	assert_true(time_mono_ms() - closed >= 800);
	expect_status(x, 0, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(jam_reports_jammed_and_reset_rehomes,
				setup_jam, teardown),
		cmocka_unit_test_setup_teardown(second_command_while_moving_is_busy,
				setup_slow, teardown),
		cmocka_unit_test_setup_teardown(open_door_is_reported_and_never_locked,
				setup, teardown),
		cmocka_unit_test_setup_teardown(manual_turn_is_reported_with_seq_0, setup, teardown),
		cmocka_unit_test_setup_teardown(auto_relock_after_the_delay, setup_relock, teardown),
		cmocka_unit_test_setup_teardown(auto_relock_waits_while_the_door_is_open,
				setup_relock, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
