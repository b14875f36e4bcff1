/* test_lockd_commands.c - the real smartlock-lockd (simulated backend) over
 * a real Mosquitto: a signed command executes; an unsigned, forged,
 * tampered, replayed, older or malformed one is refused, reported and
 * never moves the bolt, also across a restart of the lock. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/sign.h"
#include "smartlock/timeutil.h"

#include "lockfix.h"

#define FAST "sim_actuation_ms = 50\nmove_timeout_ms = 2000\n"

static int setup(void **state)
{
	struct lx *x = calloc(1, sizeof(*x));

	if (!x || lx_up(x, FAST) != 0)
		return -1;
	*state = x;
	return 0;
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

	if (lx_status(x, &s, LX_WAIT) != 0)
		fail_msg("no lockStatus for seq %llu", (unsigned long long)seq);
	if (s.seq != seq || s.result != result || s.reason != reason || s.state != st)
		fail_msg("lockStatus seq %llu %s %s %s, expected seq %llu %s %s %s",
				(unsigned long long)s.seq, proto_result_name(s.result),
				proto_reason_name(s.reason), proto_state_name(s.state),
				(unsigned long long)seq, proto_result_name(result),
				proto_reason_name(reason), proto_state_name(st));
	assert_true(s.time > 0);
}

/* Nothing moved: the next answer is the one to a probe (a heartbeat
 * command: statuses of one publisher arrive in order, so a progress report
 * would come first), and the bolt is still where it was. */
static void expect_still(struct lx *x, enum sl_lock_state st)
{
	uint64_t probe = lx_command(x, SL_ACTION_HEARTBEAT);

	assert_int_not_equal(probe, 0);
	expect_status(x, probe, SL_RESULT_OK, SL_REASON_NONE, st);
}

static struct sl_command fresh(struct lx *x, enum sl_action action)
{
	struct sl_command cmd = { .action = action, .seq = ++x->seq, .time = time_now_ms() };

	cmd.expires = cmd.time + LX_EXPIRY;
	return cmd;
}

static void signed_commands_execute(void **state)
{
	struct lx *x = *state;
	struct sl_heartbeat hb;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	seq = lx_command(x, SL_ACTION_LOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
	/* Every transition is followed by a heartbeat with the new state. */
	do {
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (hb.state != SL_STATE_LOCKED || hb.commands < 2);
	assert_true(hb.online);
	assert_int_equal(hb.commands, 2);
	assert_int_equal(hb.refused, 0);
}

static void unsigned_command_is_refused(void **state)
{
	struct lx *x = *state;
	char text[256];

	snprintf(text, sizeof(text), "{\"v\":1,\"action\":\"unlock\",\"seq\":5,\"time\":%lld,"
			"\"expires\":%lld}", (long long)time_now_ms(),
			(long long)time_now_ms() + LX_EXPIRY);
	assert_int_equal(lx_send_raw(x, text), 0);
	expect_status(x, 5, SL_RESULT_DENIED, SL_REASON_BAD_SIGNATURE, SL_STATE_LOCKED);
	x->seq = 5;
	expect_still(x, SL_STATE_LOCKED);
}

static void forged_command_is_refused(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd = fresh(x, SL_ACTION_UNLOCK);
	struct sl_key other;

	assert_int_equal(sign_key_generate(&other), SL_OK);
	assert_int_equal(lx_send(x, &cmd, &other), 0);
	expect_status(x, cmd.seq, SL_RESULT_DENIED, SL_REASON_BAD_SIGNATURE, SL_STATE_LOCKED);
	expect_still(x, SL_STATE_LOCKED);
}

static void tampered_command_is_refused(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd = fresh(x, SL_ACTION_LOCK);
	char *text;

	/* Signed as "lock", sent as "unlock". */
	assert_int_equal(proto_sign_command(&x->key, LX_TOPIC_LOCK, &cmd), SL_OK);
	cmd.action = SL_ACTION_UNLOCK;
	text = proto_encode_command(&cmd);
	assert_non_null(text);
	assert_int_equal(lx_send_raw(x, text), 0);
	free(text);
	expect_status(x, cmd.seq, SL_RESULT_DENIED, SL_REASON_BAD_SIGNATURE, SL_STATE_LOCKED);
	expect_still(x, SL_STATE_LOCKED);
}

static void command_for_another_lock_is_refused(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd = fresh(x, SL_ACTION_UNLOCK);
	char *text;

	/* Validly signed for the back door's topic, replayed to this one. */
	assert_int_equal(proto_sign_command(&x->key, "smartlock/back-door/lock", &cmd), SL_OK);
	text = proto_encode_command(&cmd);
	assert_non_null(text);
	assert_int_equal(lx_send_raw(x, text), 0);
	free(text);
	expect_status(x, cmd.seq, SL_RESULT_DENIED, SL_REASON_BAD_SIGNATURE, SL_STATE_LOCKED);
	expect_still(x, SL_STATE_LOCKED);
}

static void replayed_and_older_commands_are_refused(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd, old;
	char *text;

	x->seq = 100;
	cmd = fresh(x, SL_ACTION_UNLOCK);
	assert_int_equal(proto_sign_command(&x->key, LX_TOPIC_LOCK, &cmd), SL_OK);
	text = proto_encode_command(&cmd);
	assert_non_null(text);
	assert_int_equal(lx_send_raw(x, text), 0);
	expect_status(x, cmd.seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, cmd.seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	/* The very same bytes again. */
	assert_int_equal(lx_send_raw(x, text), 0);
	free(text);
	expect_status(x, cmd.seq, SL_RESULT_DENIED, SL_REASON_REPLAY, SL_STATE_UNLOCKED);
	/* A correctly signed command that is older. */
	old = fresh(x, SL_ACTION_LOCK);
	old.seq = 50;
	assert_int_equal(lx_send(x, &old, NULL), 0);
	expect_status(x, 50, SL_RESULT_DENIED, SL_REASON_REPLAY, SL_STATE_UNLOCKED);
	/* seq 0 is never valid: malformed. */
	assert_int_equal(lx_send_raw(x, "{\"v\":1,\"action\":\"lock\",\"seq\":0,\"time\":1,"
			"\"mac\":\"AAAAAAAAAAAAAAAAAAAAAA\"}"), 0);
	expect_status(x, 0, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_UNLOCKED);
	x->seq = cmd.seq;
	expect_still(x, SL_STATE_UNLOCKED);
}

/* A restart refuses everything up to the mark the lock had reserved on
 * disk, which its first heartbeat announces, and accepts what follows it. */
static void restart_never_accepts_an_older_command(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd;
	struct sl_heartbeat hb;
	uint64_t seq, refused[4];

	x->seq = 1000;
	seq = lx_command(x, SL_ACTION_UNLOCK);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_UNLOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_UNLOCKED);
	do {    /* the heartbeat after the move: the last accepted seq */
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (hb.state != SL_STATE_UNLOCKED);
	assert_true(hb.seq == seq);
	assert_int_equal(lx_stop(x, SIGTERM), 0);
	do {    /* up to the offline message of the clean shutdown */
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (hb.online);
	/* The simulated bolt starts LOCKED again (a real one stays put). */
	assert_int_equal(lx_start(x), 0);
	assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	assert_true(hb.online);
	assert_true(hb.seq == seq + SL_LOCK_SEQ_BLOCK - 1);
	refused[0] = seq - 1;
	refused[1] = seq;
	refused[2] = seq + 1;   /* never used, but inside the reserved block */
	refused[3] = hb.seq;
	for (size_t i = 0; i < 4; i++) {
		cmd = fresh(x, SL_ACTION_LOCK);
		cmd.seq = refused[i];
		assert_int_equal(lx_send(x, &cmd, NULL), 0);
		expect_status(x, refused[i], SL_RESULT_DENIED, SL_REASON_REPLAY, hb.state);
	}
	x->seq = hb.seq;
	seq = lx_command(x, SL_ACTION_LOCK);
	assert_true(seq == hb.seq + 1);
	expect_status(x, seq, SL_RESULT_PROGRESS, SL_REASON_NONE, SL_STATE_LOCKING);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

/* A mark past the largest seq a command can carry (the file allows up to
 * INT64_MAX) is announced as that largest seq, so the heartbeat still
 * encodes and the lock still shows online; every command is refused. */
static void mark_past_the_largest_seq_is_announced_capped(void **state)
{
	struct lx *x = *state;
	struct sl_command cmd;
	struct sl_heartbeat hb;
	char text[64];

	assert_int_equal(lx_stop(x, SIGTERM), 0);
	snprintf(text, sizeof(text), "last_seq = %llu\n", (unsigned long long)SL_SEQ_MAX + 5);
	assert_int_equal(harness_write_file(x->state_path, text, 0600), 0);
	harness_client_drain(x->agent);
	assert_int_equal(lx_start(x), 0);
	do {    /* past the offline message of the stop */
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (!hb.online);
	assert_true(hb.seq == SL_SEQ_MAX);
	cmd = fresh(x, SL_ACTION_UNLOCK);
	cmd.seq = SL_SEQ_MAX;
	assert_int_equal(lx_send(x, &cmd, NULL), 0);
	expect_status(x, SL_SEQ_MAX, SL_RESULT_DENIED, SL_REASON_REPLAY, hb.state);
}

static void malformed_commands_are_refused(void **state)
{
	struct lx *x = *state;
	char big[1200];
	char text[256];

	assert_int_equal(lx_send_raw(x, "not json at all"), 0);
	expect_status(x, 0, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_LOCKED);
	snprintf(text, sizeof(text), "{\"v\":1,\"action\":\"fly\",\"seq\":9,\"time\":1,"
			"\"mac\":\"AAAAAAAAAAAAAAAAAAAAAA\"}");
	assert_int_equal(lx_send_raw(x, text), 0);
	expect_status(x, 9, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_LOCKED);
	assert_int_equal(lx_send_raw(x, "{\"v\":1,\"seq\":10}"), 0);
	expect_status(x, 10, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_LOCKED);
	memset(big, ' ', sizeof(big) - 1);
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(lx_send_raw(x, big), 0);
	expect_status(x, 0, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_LOCKED);
	x->seq = 10;
	expect_still(x, SL_STATE_LOCKED);
}

static void refusals_are_counted_in_the_heartbeat(void **state)
{
	struct lx *x = *state;
	struct sl_heartbeat hb;
	uint64_t seq;

	assert_int_equal(lx_send_raw(x, "{}"), 0);
	expect_status(x, 0, SL_RESULT_DENIED, SL_REASON_MALFORMED, SL_STATE_LOCKED);
	seq = lx_command(x, SL_ACTION_HEARTBEAT);
	assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	assert_true(hb.online);
	assert_int_equal(hb.refused, 1);
	assert_int_equal(hb.commands, 1);
	expect_status(x, seq, SL_RESULT_OK, SL_REASON_NONE, SL_STATE_LOCKED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(signed_commands_execute, setup, teardown),
		cmocka_unit_test_setup_teardown(unsigned_command_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(forged_command_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(tampered_command_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(command_for_another_lock_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(replayed_and_older_commands_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(restart_never_accepts_an_older_command, setup, teardown),
		cmocka_unit_test_setup_teardown(mark_past_the_largest_seq_is_announced_capped, setup,
				teardown),
		cmocka_unit_test_setup_teardown(malformed_commands_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(refusals_are_counted_in_the_heartbeat, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
