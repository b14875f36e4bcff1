/* test_intrusion.c - the intrusion rule: a registered user's failures lock
 * out that user only; unregistered senders' failures disable unlocking for
 * guests (residents too if configured), never owners; what does not count
 * (status, console start-up, a wrong clock); one alert per lockout; expiry,
 * persistence, owner reset of one user, lockouts in the user list, unlock
 * rate, failed broker logins. */
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

static struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST},
	{.name = "later", .role = SL_ROLE_GUEST},       /* window opens in an hour */
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

static int setup(void **state)
{
	users[3].from = time_now_ms() + 3600000;
	return fx_state_up(state, users, NUSERS, NULL);
}

static int setup_strict(void **state)
{
	return fx_state_up(state, users, NUSERS, "stranger_lockout_serves_residents = false");
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

/* The next lockout alert (others dropped) is for user. */
static void next_lockout_is(struct fx *f, const char *user, struct sl_alert *al)
{
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, al, FX_WAIT), 0);
	if (strcmp(al->user, user) != 0)
		fail_msg("lockout alert for %s (%s), expected one for %s", al->user, al->msg, user);
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
	next_lockout_is(f, "guest", &al);
	assert_string_equal(al.lock, FX_LOCK);
	assert_string_equal(al.source, "lockReq");
	assert_true(al.until >= tripped + 2000 && al.until <= time_now_ms() + 2000);
	assert_non_null(strstr(al.msg, "bad-signature"));
	/* the guest may not unlock; everyone else is served */
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, &res), 0);
	assert_true(res.until == al.until);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	/* more failures while locked out start no second lockout (alert): the
	 * next lockout alert is the resident's */
	three_failures(f, g, "guest");
	three_failures(f, r, "resident");
	next_lockout_is(f, "resident", &al);
	/* the guest's lockout ends by itself: retry until granted, never before */
	while (time_now_ms() < res.until + 5000) {
		int64_t id = fx_send(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0);
		struct sl_command cmd;
		struct sl_response late;

		assert_true(id > 0);
		if (fx_lock_command(f, &cmd, 300) == 0) {
			assert_true(time_now_ms() >= res.until);
			assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
						SL_STATE_UNLOCKED, false), 0);
			assert_int_equal(fx_response(f, g, "guest", &late, FX_WAIT), 0);
			assert_int_equal(late.result, SL_RESULT_OK);
			granted = 1;
			break;
		}
		assert_int_equal(fx_response(f, g, "guest", &late, FX_WAIT), 0);
		assert_int_equal(late.reason, SL_REASON_LOCKED_OUT);
	}
	assert_true(granted);
	harness_client_destroy(r);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

/* Three different unknown senders, one failure each. */
static void three_strangers(struct fx *f)
{
	static const char *const names[] = {"mallory", "trudy", "eve"};
	struct sl_key k;

	assert_int_equal(sign_key_generate(&k), SL_OK);
	for (size_t i = 0; i < 3; i++) {
		struct harness_client *c = fx_client(f, names[i]);
		struct sl_response res;

		assert_non_null(c);
		assert_true(fx_send(f, c, names[i], &k, SL_ACTION_UNLOCK, 0) > 0);
		assert_int_equal(fx_response(f, c, names[i], &res, FX_WAIT), 0);
		assert_int_equal(res.reason, SL_REASON_UNKNOWN_USER);
		harness_client_destroy(c);
	}
}

static void test_lockout_per_lock_unknown_senders(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *g = fx_client(f, "guest");
	struct harness_client *o = fx_client(f, "owner");
	struct sl_alert al;

	three_strangers(f);
	next_lockout_is(f, "eve", &al);
	assert_non_null(strstr(al.msg, "unregistered"));
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	/* by default residents are served, owners always */
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_wait_log(f, "\"action\":\"alert\",\"result\":\"lockout\"", FX_WAIT), 0);
	harness_client_destroy(r);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

static void test_strangers_strict(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *o = fx_client(f, "owner");

	three_strangers(f);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, NULL, FX_WAIT), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
	harness_client_destroy(o);
}

/* A console opening three times outside the guest's window (each start
 * asks for status) and requests refused for their time alone count for
 * nothing; a replayed unlock does. */
static void test_what_counts(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *l = fx_client(f, "later");
	struct sl_alert al;
	int64_t used;

	assert_non_null(r);
	assert_non_null(l);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_refused(f, l, "later", NULL, SL_ACTION_STATUS, 0,
					SL_REASON_OUTSIDE_WINDOW, NULL), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK,
					time_now_ms() - 100000 + i, SL_REASON_STALE, NULL), 0);
	/* frequent clock refusals are alerted, as a clock problem */
	assert_int_equal(fx_wait_alert(f, SL_ALERT_SUSPICIOUS, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "resident");
	assert_non_null(strstr(al.msg, "clock"));
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	used = f->last_t;
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_LOCK, used,
					SL_REASON_REPLAY, NULL), 0);
	/* the first lockout is the resident's: nothing before counted */
	next_lockout_is(f, "resident", &al);
	assert_non_null(strstr(al.msg, "replay"));
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	harness_client_destroy(r);
	harness_client_destroy(l);
}

/* An owner's admin request that must succeed (data_json freed by caller). */
static void admin(struct fx *f, struct harness_client *o, enum sl_admin_op op,
		const char *name, struct sl_admin_res *res)
{
	struct sl_admin_req req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	if (name)
		snprintf(req.name, sizeof(req.name), "%s", name);
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, res), 0);
	if (res->result != SL_RESULT_OK)
		fail_msg("admin %s: %s", proto_admin_op_name(op), res->msg);
}

static void test_lockout_survives_restart_and_owner_clears(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *o = fx_client(f, "owner");
	struct sl_admin_res res;

	three_failures(f, r, "resident");
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, NULL, FX_WAIT), 0);
	three_strangers(f);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, NULL, FX_WAIT), 0);
	assert_int_equal(fx_stop_agent(f), 0);
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
	harness_client_drain(r);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	/* the user list shows every active lockout: who, why, until */
	admin(f, o, SL_ADMIN_USER_LIST, NULL, &res);
	assert_non_null(res.data_json);
	if (!strstr(res.data_json, "{\"who\":\"resident\",\"why\":\"bad-signature\",\"until\":") ||
			!strstr(res.data_json, "{\"who\":\"eve\",\"why\":\"unknown-user\",\"until\":"))
		fail_msg("lockouts missing from the user list: %s", res.data_json);
	proto_admin_res_finish(&res);
	/* an owner clears exactly the resident's lockout */
	admin(f, o, SL_ADMIN_LOCKOUT_RESET, "resident", &res);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT_CLEARED, NULL, FX_WAIT), 0);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	admin(f, o, SL_ADMIN_USER_LIST, NULL, &res);
	assert_null(strstr(res.data_json, "\"who\":\"resident\""));
	assert_non_null(strstr(res.data_json, "\"who\":\"eve\""));
	proto_admin_res_finish(&res);
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

/* Failed broker logins are strangers' failures whatever name they give:
 * they never lock out the user named, and leave residents served. */
static void test_login_failures(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *g = fx_client(f, "guest");
	struct sl_alert al;

	assert_int_equal(publish_login_failed(f, "resident", "192.0.2.7"), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOGIN_FAILED, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "resident");
	assert_string_equal(al.source, "192.0.2.7");
	assert_int_equal(fx_wait_log(f, "\"action\":\"login\",\"result\":\"failed\","
				"\"reason\":\"bad-password\"", FX_WAIT), 0);
	assert_int_equal(publish_login_failed(f, "resident", "192.0.2.8"), 0);
	assert_int_equal(publish_login_failed(f, "", "192.0.2.9"), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_LOCKOUT, &al, FX_WAIT), 0);
	assert_string_equal(al.source, "192.0.2.9");
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_LOCKED_OUT, NULL), 0);
	harness_client_destroy(r);
	harness_client_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lockout_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout_per_lock_unknown_senders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strangers_strict, setup_strict, teardown),
		cmocka_unit_test_setup_teardown(test_what_counts, setup, teardown),
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
