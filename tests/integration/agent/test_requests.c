/* test_requests.c - the request pipeline: grants, and a denial for every
 * reason, each proved by the answer and by no command reaching the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "fixture.h"

static const struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST},
	{.name = "gone", .role = SL_ROLE_RESIDENT, .status = SL_USER_REVOKED},
	{.name = "paused", .role = SL_ROLE_RESIDENT, .status = SL_USER_DISABLED},
	{.name = "backdoor", .role = SL_ROLE_RESIDENT, .locks = "back-door"},
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	if (f && fx_up(f, users, sizeof(users) / sizeof(users[0]), NULL) == 0)
		return 0;
	if (f)
		fx_teardown(f);
	free(f);
	return -1;
}

static int teardown(void **state)
{
	int rc = fx_teardown(*state);

	free(*state);
	return rc;
}

static void test_grants(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *g = fx_client(f, "guest");

	assert_non_null(o);
	assert_non_null(r);
	assert_non_null(g);
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_STATUS), 0);
	harness_client_destroy(o);
	harness_client_destroy(r);
	harness_client_destroy(g);
}

static void test_grant_audited_before_command(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	char path[HARNESS_PATH_MAX + 32];
	struct sl_command cmd;
	struct sl_response res;
	char *log;
	int64_t id;

	assert_non_null(r);
	id = fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0);
	assert_true(id > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	/* the command is out: its grant is already on disk */
	snprintf(path, sizeof(path), "%s/audit/audit.log", f->state_dir);
	log = harness_read_file(path);
	assert_non_null(log);
	assert_non_null(strstr(log, "\"actor\":\"resident\",\"role\":\"resident\","
				"\"source\":\"lockReq\",\"lock\":\"front-door\",\"action\":\"unlock\","
				"\"result\":\"granted\""));
	free(log);
	/* the answer waits for the lock: progress is not an answer */
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_UNLOCKED, true), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_true(res.id == id);
	assert_int_equal(res.result, SL_RESULT_OK);
	assert_int_equal(res.state, SL_STATE_UNLOCKED);
	harness_client_destroy(r);
}

static void test_lock_refuses(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_command cmd;
	struct sl_response res;

	assert_non_null(r);
	assert_true(fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_ERROR, SL_REASON_JAMMED,
				SL_STATE_JAMMED, false), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.result, SL_RESULT_ERROR);
	assert_int_equal(res.reason, SL_REASON_JAMMED);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_JAMMED, NULL, FX_WAIT), 0);
	harness_client_destroy(r);
}

static void test_bad_signature(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_key wrong;

	assert_non_null(r);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
				SL_REASON_BAD_SIGNATURE, NULL), 0);
	/* someone else's valid key is still the wrong key */
	assert_int_equal(fx_refused(f, r, "resident", fx_key(f, "owner"), SL_ACTION_UNLOCK, 0,
				SL_REASON_BAD_SIGNATURE, NULL), 0);
	assert_int_equal(fx_wait_log(f, "\"result\":\"denied\",\"reason\":\"bad-signature\"",
				FX_WAIT), 0);
	harness_client_destroy(r);
}

static void test_malformed_and_missing_mac(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_response res;
	char topic[SL_TOPIC_MAX];

	assert_non_null(r);
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, FX_LOCK, "resident");
	assert_int_equal(harness_client_publish_str(r, topic, "{\"v\":1,\"a\":\"unlock\"", 1,
				false), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.result, SL_RESULT_DENIED);
	assert_int_equal(res.reason, SL_REASON_MALFORMED);
	assert_int_equal(harness_client_publish_str(r, topic,
				"{\"v\":1,\"a\":\"unlock\",\"t\":1795000000123}", 1, false), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.reason, SL_REASON_BAD_SIGNATURE);
	/* binary junk is answered, not a crash */
	assert_int_equal(harness_client_publish(r, topic, "\xff\x00\x01", 3, 1, false), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.reason, SL_REASON_MALFORMED);
	assert_int_equal(fx_wait_log(f, "\"reason\":\"malformed\"", FX_WAIT), 0);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	harness_client_destroy(r);
}

static void test_stale(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");

	assert_non_null(r);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK,
				time_now_ms() - 61000, SL_REASON_STALE, NULL), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK,
				time_now_ms() + 61000, SL_REASON_STALE, NULL), 0);
	/* inside the window (clock skew) is fine */
	f->last_t = time_now_ms() + 30000;
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
}

static void test_replay(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	int64_t t = time_now_ms();

	assert_non_null(r);
	f->last_t = t;
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	/* the same id with another action (a new signature) is a replay */
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, f->last_t,
				SL_REASON_REPLAY, NULL), 0);
	assert_int_equal(fx_wait_log(f, "\"reason\":\"replay\"", FX_WAIT), 0);
	harness_client_destroy(r);
}

static void test_account_denials(void **state)
{
	struct fx *f = *state;
	struct harness_client *c;
	struct sl_key k;

	assert_int_equal(sign_key_generate(&k), SL_OK);
	c = fx_client(f, "stranger");
	assert_non_null(c);
	assert_int_equal(fx_refused(f, c, "stranger", &k, SL_ACTION_UNLOCK, 0,
				SL_REASON_UNKNOWN_USER, NULL), 0);
	harness_client_destroy(c);
	c = fx_client(f, "gone");
	assert_int_equal(fx_refused(f, c, "gone", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_REVOKED, NULL), 0);
	harness_client_destroy(c);
	c = fx_client(f, "paused");
	assert_int_equal(fx_refused(f, c, "paused", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_DISABLED, NULL), 0);
	harness_client_destroy(c);
}

static void test_not_permitted(void **state)
{
	struct fx *f = *state;
	struct harness_client *c = fx_client(f, "backdoor");

	assert_non_null(c);
	assert_int_equal(fx_refused(f, c, "backdoor", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_NOT_PERMITTED, NULL), 0);
	assert_int_equal(fx_refused(f, c, "backdoor", NULL, SL_ACTION_STATUS, 0,
				SL_REASON_NOT_PERMITTED, NULL), 0);
	harness_client_destroy(c);
}

static void test_qos1_duplicate_acted_once(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	char topic[SL_TOPIC_MAX];
	struct sl_request req;
	struct sl_command cmd;
	struct sl_response res;
	char *payload;

	assert_non_null(r);
	memset(&req, 0, sizeof(req));
	req.action = SL_ACTION_UNLOCK;
	req.t = time_now_ms();
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, FX_LOCK, "resident");
	assert_int_equal(proto_sign_request(fx_key(f, "resident"), topic, &req), SL_OK);
	payload = proto_encode_request(&req);
	assert_non_null(payload);
	/* the same PUBLISH twice, as a redelivery would */
	assert_int_equal(harness_client_publish_str(r, topic, payload, 1, false), 0);
	assert_int_equal(harness_client_publish_str(r, topic, payload, 1, false), 0);
	free(payload);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_true(cmd.req == req.t);
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_UNLOCKED, false), 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	assert_int_equal(fx_wait_log(f, "\"result\":\"ignored\",\"reason\":\"duplicate\"",
				FX_WAIT), 0);
	/* barrier: the next command is the owner's lock; no second unlock */
	{
		struct harness_client *o = fx_client(f, "owner");

		assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_LOCK), 0);
		harness_client_destroy(o);
	}
	/* and the resident got exactly one answer */
	assert_null(harness_client_wait(r, "smartlock/front-door/lockRes/resident", 0));
	harness_client_destroy(r);
}

static void test_seq_increases(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct sl_command c1, c2;

	assert_non_null(o);
	assert_true(fx_send(f, o, "owner", NULL, SL_ACTION_LOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &c1, FX_WAIT), 0);
	assert_int_equal(fx_lock_answer(f, c1.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_LOCKED, false), 0);
	/* across a restart of the agent, too */
	assert_int_equal(fx_stop_agent(f), 0);
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
	harness_client_drain(o);
	assert_true(fx_send(f, o, "owner", NULL, SL_ACTION_LOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &c2, FX_WAIT), 0);
	assert_true(c2.seq > c1.seq);
	harness_client_destroy(o);
}

/* Answers to senders that could not be authenticated come at QoS 0 (a
 * flood of forgeries costs no acknowledgements); other answers at QoS 1. */
static void test_answer_qos(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	char topic[SL_TOPIC_MAX];
	struct harness_msg *m;
	struct sl_key wrong;

	assert_non_null(r);
	memset(&wrong, 0x5a, sizeof(wrong));
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, FX_LOCK, "resident");
	assert_true(fx_send(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0) != 0);
	m = harness_client_wait(r, topic, FX_WAIT);
	assert_non_null(m);
	assert_non_null(strstr(m->payload, "\"bad-signature\""));
	assert_int_equal(m->qos, 0);
	harness_msg_free(m);
	/* correctly signed but stale: the sender is known, QoS 1 */
	assert_true(fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK,
				time_now_ms() - 600000) != 0);
	m = harness_client_wait(r, topic, FX_WAIT);
	assert_non_null(m);
	assert_non_null(strstr(m->payload, "\"stale\""));
	assert_int_equal(m->qos, 1);
	harness_msg_free(m);
	harness_client_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_qos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_audited_before_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_and_missing_mac, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_account_denials, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_permitted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qos1_duplicate_acted_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_increases, setup, teardown),
	};

	harness_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
