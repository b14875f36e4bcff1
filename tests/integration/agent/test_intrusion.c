/* test_intrusion.c - the intrusion rule: failures -> lockout -> alert,
 * owners exempt, expiry, persistence, owner reset, unlock rate, failed
 * broker logins. */
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

static const struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

static int setup(void **state)
{
	return fx_state_up(state, users, NUSERS, NULL);
}

static int setup_rate(void **state)
{
	return fx_state_up(state, users, NUSERS, "unlock_rate_max = 3\nunlock_rate_window = 300\n"
			"fail_threshold = 10");
}

static int setup_long_lockout(void **state)
{
	return fx_state_up(state, users, NUSERS, "lockout_duration = 600");
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

/* Three requests with a wrong key by user (the third trips the lockout). */
static void three_failures(struct fx *f, struct harness_client *c, const char *user)
{
	assert_int_equal(fx_bad_signatures(f, c, user, 3), 0);
}

static void test_lockout_cycle(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *g = fx_client(f, "guest");
	struct harness_client *o = fx_client(f, "owner");
	struct sl_response res;
	struct sl_alert al;
	int64_t tripped = time_now_ms();
	int granted = 0;

	assert_non_null(r);
	assert_non_null(g);
	assert_non_null(o);
	three_failures(f, g, "guest");
	/* the alert says who, what, from where and until when */
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "guest");
	assert_string_equal(al.lock, FX_LOCK);
	assert_string_equal(al.source, "lockReq");
	assert_true(al.until >= tripped + 2000 && al.until <= time_now_ms() + 2000);
	assert_non_null(strstr(al.msg, "bad-signature"));
	/* unlocking is disabled for everyone but owners */
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, &res), 0);
	assert_true(res.until == al.until);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	/* the lockout ends by itself: retry until granted, never before until */
	while (time_now_ms() < al.until + 5000) {
		int64_t id = fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0);
		struct sl_command cmd;

		assert_true(id > 0);
		if (fx_lock_command(f, &cmd, 300) == 0) {
			assert_true(time_now_ms() >= al.until);
			assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
						SL_STATE_UNLOCKED, false), 0);
			assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
			assert_int_equal(res.result, SL_RESULT_OK);
			granted = 1;
			break;
		}
		assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
		assert_int_equal(res.reason, SL_REASON_LOCKED_OUT);
	}
	assert_true(granted);
	harness_client_destroy(r);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

static void test_lockout_per_lock_unknown_senders(void **state)
{
	struct fx *f = *state;
	static const char *const names[] = {"mallory", "trudy", "eve"};
	struct harness_client *r = fx_client(f, "resident");
	struct sl_alert al;
	struct sl_key k;

	assert_int_equal(sign_key_generate(&k), SL_OK);
	/* three different unknown senders, one failure each */
	for (size_t i = 0; i < 3; i++) {
		struct harness_client *c = fx_client(f, names[i]);
		struct sl_response res;

		assert_non_null(c);
		assert_true(fx_send(f, c, names[i], &k, SL_ACTION_UNLOCK, 0) > 0);
		assert_int_equal(fx_response(f, c, names[i], &res, FX_WAIT), 0);
		assert_int_equal(res.reason, SL_REASON_UNKNOWN_USER);
		harness_client_destroy(c);
	}
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "eve");
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	assert_int_equal(fx_wait_log(f, "\"action\":\"alert\",\"result\":\"lockout\"", FX_WAIT), 0);
	harness_client_destroy(r);
}

static void test_policy_denials_count(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_alert al;
	int64_t used;

	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_STATUS), 0);
	used = f->last_t;
	/* a replayed id and stale requests are failed attempts too */
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK,
				time_now_ms() - 100000, SL_REASON_STALE, NULL), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK,
				time_now_ms() - 90000, SL_REASON_STALE, NULL), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_LOCK, used,
				SL_REASON_REPLAY, NULL), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	harness_client_destroy(r);
}

static void test_lockout_survives_restart_and_owner_clears(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *o = fx_client(f, "owner");
	char topic[SL_TOPIC_MAX];
	struct sl_admin_req req;
	struct harness_msg *m;
	struct sl_admin_res res;
	char *payload;

	three_failures(f, r, "resident");
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, NULL, FX_WAIT), 0);
	assert_int_equal(fx_stop_agent(f), 0);
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
	harness_client_drain(r);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	/* an owner clears it */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOCKOUT_RESET;
	req.time = time_now_ms();
	topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN, FX_LOCK, "owner");
	assert_int_equal(proto_sign_admin_req(fx_key(f, "owner"), topic, &req), SL_OK);
	payload = proto_encode_admin_req(&req);
	assert_int_equal(harness_client_publish_str(o, topic, payload, 1, false), 0);
	free(payload);
	m = harness_client_wait(o, "smartlock/front-door/adminRes/owner", FX_WAIT);
	assert_non_null(m);
	assert_int_equal(proto_decode_admin_res(m->payload, m->len, &res, NULL), SL_OK);
	harness_msg_free(m);
	assert_int_equal(res.result, SL_RESULT_OK);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT_CLEARED, NULL, FX_WAIT), 0);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
	harness_client_destroy(o);
}

static void test_unlock_rate(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_response res;
	struct sl_alert al;

	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_RATE_LIMITED, &res), 0);
	assert_true(res.until > time_now_ms());
	assert_int_equal(fx_wait_alert(f, SL_ALERT_SUSPICIOUS, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "resident");
	/* locking is not rate-limited */
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	harness_client_destroy(r);
}

static int publish_login_failed(struct fx *f, const char *user, const char *addr)
{
	struct harness_client *plugin = harness_client_local(&f->broker, NULL, NULL);
	struct sl_login_failed lf;
	char *payload;
	int rc;

	memset(&lf, 0, sizeof(lf));
	snprintf(lf.user, sizeof(lf.user), "%s", user);
	snprintf(lf.addr, sizeof(lf.addr), "%s", addr);
	lf.reason = SL_LOGIN_BAD_PASSWORD;
	lf.time = time_now_ms();
	payload = proto_encode_login_failed(&lf);
	rc = plugin && payload ? harness_client_publish_str(plugin, SL_TOPIC_LOGIN_FAILED,
			payload, 1, false) : -1;
	free(payload);
	harness_client_destroy(plugin);
	return rc;
}

static void test_login_failures(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_alert al;

	assert_int_equal(publish_login_failed(f, "resident", "192.0.2.7"), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOGIN_FAILED, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "resident");
	assert_string_equal(al.source, "192.0.2.7");
	assert_int_equal(fx_wait_log(f, "\"action\":\"login\",\"result\":\"failed\","
				"\"reason\":\"bad-password\"", FX_WAIT), 0);
	assert_int_equal(publish_login_failed(f, "nobody", "192.0.2.8"), 0);
	assert_int_equal(publish_login_failed(f, "", "192.0.2.9"), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_string_equal(al.source, "192.0.2.9");
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	harness_client_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lockout_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_per_lock_unknown_senders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_policy_denials_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_survives_restart_and_owner_clears,
				setup_long_lockout, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_rate, setup_rate, teardown),
		cmocka_unit_test_setup_teardown(test_login_failures, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
