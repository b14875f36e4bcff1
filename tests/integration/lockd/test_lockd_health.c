/* test_lockd_health.c - the real smartlock-lockd over a real Mosquitto:
 * periodic and requested heartbeats, the retained offline last will when
 * the daemon is killed, a clean SIGTERM, reconnecting after the broker
 * restarts without moving the bolt, and the exit codes. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

#include "lockfix.h"

#define FAST "sim_actuation_ms = 50\nmove_timeout_ms = 2000\n"
#define OFFLINE "{\"v\":1,\"status\":\"offline\"}"

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
	return setup_with(state, FAST);
}

static int setup_fast_heartbeat(void **state)
{
	return setup_with(state, FAST "heartbeat_interval = 1\n");
}

static int setup_only(void **state)
{
	struct lx *x = calloc(1, sizeof(*x));

	if (!x || lx_setup(x, FAST) != 0)
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

static void heartbeat_arrives_every_interval(void **state)
{
	struct lx *x = *state;
	struct sl_heartbeat a, b;
	int64_t t0, t1;

	assert_int_equal(lx_health(x, &a, 3000), 0);
	t0 = time_mono_ms();
	assert_int_equal(lx_health(x, &b, 3000), 0);
	t1 = time_mono_ms();
	assert_true(a.online && b.online);
	assert_int_equal(b.interval, 1);
	assert_int_equal(b.state, SL_STATE_LOCKED);
	assert_int_equal(b.door, SL_DOOR_CLOSED);
	assert_true(b.time >= a.time + 500);
	assert_true(b.uptime >= a.uptime);
	/* About a second apart (the loop is event driven, not sleeping). */
	assert_true(t1 - t0 >= 500 && t1 - t0 <= 2500);
}

static void heartbeat_is_retained(void **state)
{
	struct lx *x = *state;
	struct harness_client *late = harness_client_local(&x->broker, NULL, NULL);
	struct harness_msg *m;
	struct sl_heartbeat hb;

	assert_non_null(late);
	assert_int_equal(harness_client_subscribe(late, LX_TOPIC_HEALTH, 1), 1);
	m = harness_client_wait(late, LX_TOPIC_HEALTH, LX_WAIT);
	assert_non_null(m);
	assert_true(m->retain);
	assert_int_equal(proto_decode_heartbeat(m->payload, m->len, &hb, NULL), SL_OK);
	assert_true(hb.online);
	assert_int_equal(hb.interval, 60);
	harness_msg_free(m);
	harness_client_destroy(late);
}

static void heartbeat_command_answers_at_once(void **state)
{
	struct lx *x = *state;
	struct sl_lock_status st;
	struct sl_heartbeat hb;
	uint64_t seq;

	/* The interval is 60 s: a heartbeat now can only be the answer. */
	seq = lx_command(x, SL_ACTION_HEARTBEAT);
	assert_int_not_equal(seq, 0);
	assert_int_equal(lx_health(x, &hb, 2000), 0);
	assert_true(hb.online);
	assert_int_equal(hb.commands, 1);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(st.seq, seq);
	assert_int_equal(st.result, SL_RESULT_OK);
}

/* A move is reported on lockStatus (progress, then the result); the
 * retained heartbeat follows once the bolt has settled, after the final
 * status, and carries the accepted seq. Nothing in between says UNLOCKING
 * on health. */
static void heartbeat_follows_the_settled_bolt(void **state)
{
	struct lx *x = *state;
	struct sl_lock_status st;
	struct sl_heartbeat hb;
	struct harness_msg *m;
	uint64_t seq;
	int statuses = 0;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	assert_int_not_equal(seq, 0);
	for (;;) {
		m = harness_client_wait(x->agent, "smartlock/" LX_LOCK "/+", LX_WAIT);
		assert_non_null(m);
		if (strcmp(m->topic, LX_TOPIC_STATUS) == 0) {
			assert_int_equal(proto_decode_lock_status(m->payload, m->len, &st, NULL),
					SL_OK);
			assert_true(st.seq == seq);
			assert_int_equal(st.result, statuses == 0 ? SL_RESULT_PROGRESS :
					SL_RESULT_OK);
			assert_int_equal(st.state, statuses == 0 ? SL_STATE_UNLOCKING :
					SL_STATE_UNLOCKED);
			statuses++;
			harness_msg_free(m);
			continue;
		}
		assert_string_equal(m->topic, LX_TOPIC_HEALTH);
		assert_int_equal(proto_decode_heartbeat(m->payload, m->len, &hb, NULL), SL_OK);
		harness_msg_free(m);
		assert_int_not_equal(hb.state, SL_STATE_UNLOCKING);
		if (hb.state == SL_STATE_UNLOCKED)
			break;
	}
	assert_int_equal(statuses, 2);  /* both statuses came before it */
	assert_true(hb.seq == seq);
	assert_int_equal(hb.commands, 1);
}

static void expect_retained_offline(struct lx *x)
{
	struct harness_client *late = harness_client_local(&x->broker, NULL, NULL);
	struct harness_msg *m;
	struct sl_heartbeat hb;

	assert_non_null(late);
	assert_int_equal(harness_client_subscribe(late, LX_TOPIC_HEALTH, 1), 1);
	m = harness_client_wait(late, LX_TOPIC_HEALTH, LX_WAIT);
	assert_non_null(m);
	assert_true(m->retain);
	assert_string_equal((const char *)m->payload, OFFLINE);
	assert_int_equal(proto_decode_heartbeat(m->payload, m->len, &hb, NULL), SL_OK);
	assert_false(hb.online);
	harness_msg_free(m);
	harness_client_destroy(late);
}

static void killed_daemon_leaves_the_offline_will(void **state)
{
	struct lx *x = *state;
	struct harness_msg *m;

	assert_int_equal(lx_stop(x, SIGKILL), 128 + SIGKILL);
	/* The live subscriber sees the will... */
	m = harness_client_wait(x->agent, LX_TOPIC_HEALTH, LX_WAIT);
	assert_non_null(m);
	assert_string_equal((const char *)m->payload, OFFLINE);
	harness_msg_free(m);
	/* ...and it stays retained for whoever comes later. */
	expect_retained_offline(x);
}

static void sigterm_is_a_clean_shutdown(void **state)
{
	struct lx *x = *state;
	struct harness_msg *m;
	char *log;

	assert_int_equal(lx_stop(x, SIGTERM), 0);
	m = harness_client_wait(x->agent, LX_TOPIC_HEALTH, LX_WAIT);
	assert_non_null(m);
	assert_string_equal((const char *)m->payload, OFFLINE);
	harness_msg_free(m);
	expect_retained_offline(x);
	log = harness_read_file(x->log_path);
	assert_non_null(log);
	assert_non_null(strstr(log, "shutting down"));
	free(log);
}

static void sigint_is_a_clean_shutdown(void **state)
{
	struct lx *x = *state;

	assert_int_equal(lx_stop(x, SIGINT), 0);
	expect_retained_offline(x);
}

static void broker_restart_reconnects_without_moving(void **state)
{
	struct lx *x = *state;
	struct sl_lock_status st;
	struct sl_heartbeat hb;
	uint64_t seq;

	seq = lx_command(x, SL_ACTION_UNLOCK);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(st.seq, seq);
	assert_int_equal(st.state, SL_STATE_UNLOCKED);

	harness_client_destroy(x->agent);
	assert_int_equal(harness_broker_restart(&x->broker), 0);
	x->agent = harness_client_local(&x->broker, NULL, NULL);
	assert_non_null(x->agent);
	assert_int_equal(harness_client_subscribe(x->agent, LX_TOPIC_STATUS, 1), 1);
	assert_int_equal(harness_client_subscribe(x->agent, LX_TOPIC_HEALTH, 1), 1);
	/* The lock comes back by itself (bounded backoff) and says where the
	 * bolt is: where it was left. */
	assert_int_equal(harness_wait_file_contains(x->log_path, "reconnected; ready", 10000), 0);
	do {
		assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	} while (!hb.online);
	assert_int_equal(hb.state, SL_STATE_UNLOCKED);
	/* And it obeys again. */
	seq = lx_command(x, SL_ACTION_LOCK);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(st.seq, seq);
	assert_int_equal(st.result, SL_RESULT_PROGRESS);
}

static void broker_down_at_start_is_waited_for(void **state)
{
	struct lx *x = *state;
	char exe[HARNESS_PATH_MAX];
	char *argv[] = { (char *)harness_build_path(exe, sizeof(exe), "src/lock/smartlock-lockd"),
			"-c", x->conf_path, NULL };
	struct sl_heartbeat hb;

	harness_client_destroy(x->agent);
	x->agent = NULL;
	harness_broker_stop(&x->broker);
	assert_int_equal(lx_path(x, x->log_path, sizeof(x->log_path), "lockd.down.log"), 0);
	assert_int_equal(harness_proc_start(&x->lockd, x->log_path, argv, NULL), 0);
	x->running = true;
	assert_int_equal(harness_wait_file_contains(x->log_path, "cannot reach the broker",
			LX_WAIT), 0);
	assert_true(harness_proc_alive(&x->lockd));
	assert_int_equal(harness_broker_restart(&x->broker), 0);
	assert_int_equal(harness_wait_file_contains(x->log_path, ": ready", 10000), 0);
	x->agent = harness_client_local(&x->broker, NULL, NULL);
	assert_non_null(x->agent);
	assert_int_equal(harness_client_subscribe(x->agent, LX_TOPIC_HEALTH, 1), 1);
	assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	assert_true(hb.online);
}

static void connects_as_its_lock_with_a_clean_session(void **state)
{
	struct lx *x = *state;
	char *log = harness_read_file(x->broker.log_path);

	/* Client id lockd-<lock>, user name = the lock id, clean session,
	 * keep-alive 30 s. */
	assert_non_null(log);
	if (!strstr(log, "as lockd-" LX_LOCK " (") || !strstr(log, "c1, k30, u'" LX_LOCK "'"))
		fail_msg("broker log lacks lockd's connection:\n%s", log);
	free(log);
}

/* ---- exit codes ---- */

static void exit_codes(void **state)
{
	struct lx *x = *state;
	char path[HARNESS_PATH_MAX];
	char *out;
	const char *help[] = { "--help", NULL };
	const char *version[] = { "--version", NULL };
	const char *bad_option[] = { "--no-such-option", NULL };
	const char *extra_arg[] = { "-c", x->conf_path, "extra", NULL };
	const char *missing[] = { "-c", "/nonexistent/lockd.conf", NULL };
	const char *conf[] = { "-c", x->conf_path, NULL };
	const char *check[] = { "-c", x->conf_path, "--check", NULL };

	assert_int_equal(lx_run(x, help), 0);
	assert_int_equal(lx_path(x, path, sizeof(path), "run.log"), 0);
	out = harness_read_file(path);
	assert_non_null(strstr(out, "Usage: smartlock-lockd"));
	free(out);
	assert_int_equal(lx_run(x, version), 0);
	out = harness_read_file(path);
	assert_non_null(strstr(out, "smartlock-lockd 0."));
	free(out);
	assert_int_equal(lx_run(x, bad_option), 2);
	assert_int_equal(lx_run(x, extra_arg), 2);
	assert_int_equal(lx_run(x, missing), 3);
	assert_int_equal(lx_run(x, check), 0);

	/* A configuration others can read holds a secret in the open. */
	assert_int_equal(chmod(x->conf_path, 0644), 0);
	assert_int_equal(lx_run(x, conf), 3);
	assert_int_equal(chmod(x->conf_path, 0600), 0);

	/* A damaged state file is not a reset to zero. */
	assert_int_equal(harness_write_file(x->state_path, "last_seq = oops\n", 0600), 0);
	assert_int_equal(lx_run(x, conf), 3);
	out = harness_read_file(path);
	assert_non_null(strstr(out, "last_seq"));
	free(out);
	unlink(x->state_path);

	/* GPIO setup errors, through the real libgpiod. */
	assert_int_equal(lx_write_conf(x, "backend = gpio\ngpio_chip = smartlock-no-such-chip\n"
			"gpio_lock_line = 1\ngpio_unlock_line = 2\n"), 0);
	assert_int_equal(lx_run(x, conf), 4);
	out = harness_read_file(path);
	/* (or, built with -Dgpio=disabled, that GPIO support is missing) */
	if (!strstr(out, "GPIO chip \"smartlock-no-such-chip\" not found") &&
			!strstr(out, "without GPIO support"))
		fail_msg("unexpected message: %s", out);
	free(out);
	assert_int_equal(lx_run(x, check), 4);

	/* A gpio configuration missing its lines is a configuration error. */
	assert_int_equal(lx_write_conf(x, "backend = gpio\n"), 0);
	assert_int_equal(lx_run(x, conf), 3);
	out = harness_read_file(path);
	assert_non_null(strstr(out, "gpio_lock_line"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(heartbeat_follows_the_settled_bolt, setup, teardown),
		cmocka_unit_test_setup_teardown(heartbeat_arrives_every_interval,
				setup_fast_heartbeat, teardown),
		cmocka_unit_test_setup_teardown(heartbeat_is_retained, setup, teardown),
		cmocka_unit_test_setup_teardown(connects_as_its_lock_with_a_clean_session,
				setup, teardown),
		cmocka_unit_test_setup_teardown(heartbeat_command_answers_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_daemon_leaves_the_offline_will, setup, teardown),
		cmocka_unit_test_setup_teardown(sigterm_is_a_clean_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(sigint_is_a_clean_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(broker_restart_reconnects_without_moving,
				setup, teardown),
		cmocka_unit_test_setup_teardown(broker_down_at_start_is_waited_for,
				setup_only, teardown),
		cmocka_unit_test_setup_teardown(exit_codes, setup_only, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
