/* test_fsm.c - the bolt's state machine: moves, jams, refusals, manual
 * turns and auto-relock with the door open and closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fsm.h"

#define TIMEOUT 3000
#define RELOCK 30000

static const struct fsm_config with_sensor = {
	.bolt_sensor = true, .move_timeout_ms = TIMEOUT, .auto_relock_ms = 0,
};
static const struct fsm_config no_sensor = {
	.bolt_sensor = false, .move_timeout_ms = TIMEOUT, .auto_relock_ms = 0,
};
static const struct fsm_config relocking = {
	.bolt_sensor = true, .move_timeout_ms = TIMEOUT, .auto_relock_ms = RELOCK,
};

static struct fsm_actions acts;

static void command(struct fsm *f, enum sl_action a, uint64_t seq, int64_t now)
{
	struct fsm_event ev = { .kind = FSM_EV_COMMAND, .action = a, .seq = seq };

	fsm_handle_event(f, &ev, now, &acts);
}

static void bolt(struct fsm *f, bool locked, int64_t now)
{
	struct fsm_event ev = { .kind = FSM_EV_BOLT, .bolt_locked = locked };

	fsm_handle_event(f, &ev, now, &acts);
}

static void door(struct fsm *f, enum sl_door d, int64_t now)
{
	struct fsm_event ev = { .kind = FSM_EV_DOOR, .door = d };

	fsm_handle_event(f, &ev, now, &acts);
}

static void drive_done(struct fsm *f, int64_t now)
{
	struct fsm_event ev = { .kind = FSM_EV_DRIVE_DONE };

	fsm_handle_event(f, &ev, now, &acts);
}

static void tick(struct fsm *f, int64_t now)
{
	struct fsm_event ev = { .kind = FSM_EV_TICK };

	fsm_handle_event(f, &ev, now, &acts);
}

static void expect_drive(size_t i, bool lock)
{
	assert_true(acts.n > i);
	assert_int_equal(acts.a[i].kind, FSM_ACT_DRIVE);
	assert_int_equal(acts.a[i].lock, lock);
}

static void expect_status(size_t i, uint64_t seq, enum sl_result r, enum sl_reason why)
{
	assert_true(acts.n > i);
	assert_int_equal(acts.a[i].kind, FSM_ACT_STATUS);
	assert_int_equal(acts.a[i].seq, seq);
	assert_int_equal(acts.a[i].result, r);
	assert_int_equal(acts.a[i].reason, why);
}

static void unlock_from_locked_completes_on_bolt_sensor(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	assert_int_equal(f.state, SL_STATE_LOCKED);
	command(&f, SL_ACTION_UNLOCK, 7, 100);
	assert_int_equal(acts.n, 2);
	expect_drive(0, false);
	expect_status(1, 7, SL_RESULT_PROGRESS, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_UNLOCKING);
	assert_true(fsm_is_moving(&f));
	assert_int_equal(fsm_next_deadline(&f), 100 + TIMEOUT);
	/* The drive ending is not enough: the sensor has the last word. */
	drive_done(&f, 600);
	assert_int_equal(acts.n, 0);
	bolt(&f, false, 700);
	assert_int_equal(acts.n, 1);
	expect_status(0, 7, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);

	command(&f, SL_ACTION_LOCK, 8, 1000);
	expect_drive(0, true);
	expect_status(1, 8, SL_RESULT_PROGRESS, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKING);
	bolt(&f, true, 1500);
	expect_status(0, 8, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
}

static void without_bolt_sensor_the_drive_completes_the_move(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &no_sensor, SL_STATE_UNKNOWN, SL_DOOR_UNKNOWN, 0);
	assert_int_equal(f.state, SL_STATE_UNKNOWN);
	command(&f, SL_ACTION_LOCK, 1, 0);
	expect_drive(0, true);
	drive_done(&f, 500);
	assert_int_equal(acts.n, 1);
	expect_status(0, 1, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
}

static void move_already_at_target_completes_when_drive_ends(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_LOCK, 3, 0);
	expect_drive(0, true);
	assert_int_equal(f.state, SL_STATE_LOCKING);
	drive_done(&f, 500);
	expect_status(0, 3, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
}

static void move_that_does_not_complete_jams(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_UNLOCK, 5, 1000);
	drive_done(&f, 1500);           /* motor ran, bolt did not move */
	assert_int_equal(acts.n, 0);
	tick(&f, 1000 + TIMEOUT - 1);
	assert_int_equal(acts.n, 0);
	assert_int_equal(f.state, SL_STATE_UNLOCKING);
	tick(&f, 1000 + TIMEOUT);
	assert_int_equal(acts.n, 2);
	assert_int_equal(acts.a[0].kind, FSM_ACT_STOP);
	expect_status(1, 5, SL_RESULT_ERROR, SL_REASON_JAMMED);
	assert_int_equal(f.state, SL_STATE_JAMMED);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);
}

static void jammed_refuses_moves_until_reset(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_UNLOCK, 1, 0);
	tick(&f, TIMEOUT);
	assert_int_equal(f.state, SL_STATE_JAMMED);

	command(&f, SL_ACTION_UNLOCK, 2, 5000);
	assert_int_equal(acts.n, 1);
	expect_status(0, 2, SL_RESULT_ERROR, SL_REASON_JAMMED);
	command(&f, SL_ACTION_LOCK, 3, 5000);
	assert_int_equal(acts.n, 1);
	expect_status(0, 3, SL_RESULT_ERROR, SL_REASON_JAMMED);
	/* A hand on the bolt does not clear JAMMED either. */
	bolt(&f, false, 5100);
	assert_int_equal(acts.n, 0);
	assert_int_equal(f.state, SL_STATE_JAMMED);

	/* Reset re-homes towards LOCKED; a failed one jams again. */
	command(&f, SL_ACTION_RESET, 4, 6000);
	expect_drive(0, true);
	expect_status(1, 4, SL_RESULT_PROGRESS, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKING);
	tick(&f, 6000 + TIMEOUT);
	expect_status(1, 4, SL_RESULT_ERROR, SL_REASON_JAMMED);
	assert_int_equal(f.state, SL_STATE_JAMMED);

	command(&f, SL_ACTION_RESET, 5, 10000);
	expect_drive(0, true);
	bolt(&f, true, 10400);
	expect_status(0, 5, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
}

static void busy_while_moving(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_UNLOCK, 1, 0);
	command(&f, SL_ACTION_LOCK, 2, 10);
	assert_int_equal(acts.n, 1);
	expect_status(0, 2, SL_RESULT_DENIED, SL_REASON_BUSY);
	command(&f, SL_ACTION_RESET, 3, 20);
	expect_status(0, 3, SL_RESULT_DENIED, SL_REASON_BUSY);
	assert_int_equal(f.state, SL_STATE_UNLOCKING);
	assert_int_equal(f.seq, 1);
	/* The move in progress still answers its own command. */
	bolt(&f, false, 300);
	expect_status(0, 1, SL_RESULT_OK, SL_REASON_NONE);
}

static void open_door_is_never_locked(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_UNLOCKED, SL_DOOR_OPEN, 0);
	command(&f, SL_ACTION_LOCK, 1, 0);
	assert_int_equal(acts.n, 1);
	expect_status(0, 1, SL_RESULT_DENIED, SL_REASON_DOOR_OPEN);
	command(&f, SL_ACTION_RESET, 2, 0);
	assert_int_equal(acts.n, 1);
	expect_status(0, 2, SL_RESULT_DENIED, SL_REASON_DOOR_OPEN);
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	/* Unlocking an open door is harmless. */
	command(&f, SL_ACTION_UNLOCK, 3, 0);
	expect_drive(0, false);
	/* Closed again, locking works. */
	bolt(&f, false, 100);
	door(&f, SL_DOOR_CLOSED, 200);
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	command(&f, SL_ACTION_LOCK, 4, 300);
	expect_drive(0, true);
}

static void auto_relock_with_door_closed(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &relocking, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);
	command(&f, SL_ACTION_UNLOCK, 1, 1000);
	bolt(&f, false, 1200);
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	assert_int_equal(fsm_next_deadline(&f), 1200 + RELOCK);
	tick(&f, 1200 + RELOCK - 1);
	assert_int_equal(acts.n, 0);
	tick(&f, 1200 + RELOCK);
	assert_int_equal(acts.n, 2);
	expect_drive(0, true);
	expect_status(1, 0, SL_RESULT_PROGRESS, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKING);
	bolt(&f, true, 1200 + RELOCK + 400);
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);
}

static void auto_relock_waits_for_the_door_to_close(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &relocking, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_UNLOCK, 1, 0);
	bolt(&f, false, 0);
	door(&f, SL_DOOR_OPEN, 5000);
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.door, SL_DOOR_OPEN);
	tick(&f, RELOCK);
	assert_int_equal(acts.n, 0);    /* never while the door is open */
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);
	tick(&f, 10 * RELOCK);
	assert_int_equal(acts.n, 0);
	/* Closing re-arms the full delay. */
	door(&f, SL_DOOR_CLOSED, 100000);
	assert_int_equal(fsm_next_deadline(&f), 100000 + RELOCK);
	tick(&f, 100000 + RELOCK - 1);
	assert_int_equal(acts.n, 0);
	tick(&f, 100000 + RELOCK);
	expect_drive(0, true);
	assert_int_equal(f.state, SL_STATE_LOCKING);
}

static void door_open_and_closed_before_the_delay_ends(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &relocking, SL_STATE_UNLOCKED, SL_DOOR_CLOSED, 0);
	assert_int_equal(fsm_next_deadline(&f), RELOCK);        /* armed at start */
	door(&f, SL_DOOR_OPEN, 1000);
	door(&f, SL_DOOR_CLOSED, 2000);
	assert_int_equal(fsm_next_deadline(&f), RELOCK);        /* unchanged */
	tick(&f, RELOCK);
	expect_drive(0, true);
}

static void auto_relock_is_cancelled_by_a_lock_or_a_turn(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &relocking, SL_STATE_UNLOCKED, SL_DOOR_CLOSED, 0);
	bolt(&f, true, 100);            /* locked by hand */
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
	assert_int_equal(fsm_next_deadline(&f), FSM_NO_DEADLINE);
	tick(&f, RELOCK);
	assert_int_equal(acts.n, 0);
	bolt(&f, false, 200);           /* unlocked by hand: arms relock */
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	assert_int_equal(fsm_next_deadline(&f), 200 + RELOCK);
}

static void manual_turn_and_door_are_reported_with_seq_0(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	bolt(&f, false, 10);
	assert_int_equal(acts.n, 1);
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_UNLOCKED);
	bolt(&f, false, 20);            /* no change, no report */
	assert_int_equal(acts.n, 0);
	door(&f, SL_DOOR_OPEN, 30);
	expect_status(0, 0, SL_RESULT_OK, SL_REASON_NONE);
	door(&f, SL_DOOR_OPEN, 40);
	assert_int_equal(acts.n, 0);
}

static void heartbeat_and_status_commands(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_HEARTBEAT, 9, 0);
	assert_int_equal(acts.n, 2);
	assert_int_equal(acts.a[0].kind, FSM_ACT_HEARTBEAT);
	expect_status(1, 9, SL_RESULT_OK, SL_REASON_NONE);
	command(&f, SL_ACTION_STATUS, 10, 0);
	assert_int_equal(acts.n, 1);
	expect_status(0, 10, SL_RESULT_OK, SL_REASON_NONE);
	assert_int_equal(f.state, SL_STATE_LOCKED);
	/* Both are answered even while moving, without disturbing it. */
	command(&f, SL_ACTION_UNLOCK, 11, 0);
	command(&f, SL_ACTION_HEARTBEAT, 12, 0);
	assert_int_equal(acts.a[0].kind, FSM_ACT_HEARTBEAT);
	assert_int_equal(f.state, SL_STATE_UNLOCKING);
	assert_int_equal(f.seq, 11);
}

static void unknown_action_is_refused(void **state)
{
	struct fsm f;

	(void)state;
	fsm_init(&f, &with_sensor, SL_STATE_LOCKED, SL_DOOR_CLOSED, 0);
	command(&f, SL_ACTION_COUNT_, 4, 0);
	assert_int_equal(acts.n, 1);
	expect_status(0, 4, SL_RESULT_DENIED, SL_REASON_MALFORMED);
	assert_int_equal(f.state, SL_STATE_LOCKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unlock_from_locked_completes_on_bolt_sensor),
		cmocka_unit_test(without_bolt_sensor_the_drive_completes_the_move),
		cmocka_unit_test(move_already_at_target_completes_when_drive_ends),
		cmocka_unit_test(move_that_does_not_complete_jams),
		cmocka_unit_test(jammed_refuses_moves_until_reset),
		cmocka_unit_test(busy_while_moving),
		cmocka_unit_test(open_door_is_never_locked),
		cmocka_unit_test(auto_relock_with_door_closed),
		cmocka_unit_test(auto_relock_waits_for_the_door_to_close),
		cmocka_unit_test(door_open_and_closed_before_the_delay_ends),
		cmocka_unit_test(auto_relock_is_cancelled_by_a_lock_or_a_turn),
		cmocka_unit_test(manual_turn_and_door_are_reported_with_seq_0),
		cmocka_unit_test(heartbeat_and_status_commands),
		cmocka_unit_test(unknown_action_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
