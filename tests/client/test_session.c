/* test_session.c - the clients' MQTT session against a real Mosquitto, with
 * the test playing the agent: signed requests, answers matched by id,
 * decoding and cleaning, the bounded queue, reconnection. */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#include "client.h"
#include "harness.h"
#include "text.h"

struct fixture {
	char dir[HARNESS_PATH_MAX];
	struct harness_broker broker;
	struct harness_client *agent;   /* the test's stand-in for the agent */
	struct sl_enrolment enrol;
	struct sl_client *c;
};

/* Events that arrived while start() waited for the SUBACKs. */
#define KEPT_MAX 16
static struct client_event kept[KEPT_MAX];
static size_t nkept;

static void make_enrolment(struct fixture *f, bool tcp)
{
	memset(&f->enrol, 0, sizeof(f->enrol));
	strcpy(f->enrol.user, "alice");
	f->enrol.role = SL_ROLE_OWNER;
	strcpy(f->enrol.lock, "front-door");
	strcpy(f->enrol.password, "secret");
	if (tcp) {
		strcpy(f->enrol.host, "127.0.0.1");
		f->enrol.port = f->broker.port;
	} else {
		snprintf(f->enrol.socket, sizeof(f->enrol.socket), "%s", f->broker.socket_path);
	}
	for (int i = 0; i < SL_KEY_BYTES; i++)
		f->enrol.key.bytes[i] = (unsigned char)(i * 7 + 1);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(harness_tmpdir(f->dir, sizeof(f->dir)), 0);
	/* test_queue_is_bounded floods this client: with mosquitto's default
	 * max_queued_messages (1000) the broker itself would drop QoS 1
	 * messages whenever the client's thread falls behind, and the test
	 * would measure the scheduler instead of the client's own bound */
	assert_int_equal(harness_broker_start(&f->broker, f->dir,
			"allow_anonymous true\nmax_queued_messages 0"), 0);
	f->agent = harness_client_local(&f->broker, "agent", "x");
	assert_non_null(f->agent);
	assert_int_equal(harness_client_subscribe(f->agent, "smartlock/+/lockReq/+", 1), 1);
	assert_int_equal(harness_client_subscribe(f->agent, "smartlock/+/admin/+", 1), 1);
	make_enrolment(f, false);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	client_destroy(f->c);
	harness_client_destroy(f->agent);
	harness_broker_stop(&f->broker);
	harness_rmtree(f->dir);
	free(f);
	return 0;
}

static struct sl_client *make_client(struct fixture *f, const char *lock)
{
	struct client_opts o = {.enrol = &f->enrol, .lock = lock, .prog = "test"};
	enum sl_err err;
	char msg[256];
	struct sl_client *c = client_create(&o, &err, msg, sizeof(msg));

	assert_non_null(c);
	return c;
}

/* Wait (bounded) for the next event of type; other events are dropped. */
static bool wait_event(struct sl_client *c, enum client_event_type type,
		struct client_event *out, int timeout_ms)
{
	int64_t deadline = time_mono_ms() + timeout_ms;

	for (size_t i = 0; i < nkept; i++) {
		if (kept[i].type == type) {
			*out = kept[i];
			memmove(&kept[i], &kept[i + 1], (nkept - i - 1) * sizeof(kept[0]));
			nkept--;
			return true;
		}
	}
	while (time_mono_ms() < deadline) {
		struct client_event ev;

		client_pump(c, 100);
		while (client_next_event(c, &ev)) {
			if (ev.type == type) {
				*out = ev;
				return true;
			}
			client_event_finish(&ev);
		}
	}
	return false;
}

/* Connect with the given subscriptions and wait for every SUBACK. */
static void start(struct fixture *f, const enum sl_topic_kind *kinds, size_t n)
{
	char msg[256];
	unsigned pending = 0;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(client_want(f->c, kinds[i]), SL_OK);
		pending |= 1u << kinds[i];
	}
	assert_int_equal(client_start(f->c, msg, sizeof(msg)), SL_OK);
	assert_true(client_wait_connected(f->c, time_mono_ms() + 5000));
	nkept = 0;
	for (int64_t deadline = time_mono_ms() + 5000; pending;) {
		struct client_event ev;

		assert_true(time_mono_ms() < deadline);
		client_pump(f->c, 100);
		while (client_next_event(f->c, &ev)) {
			if (ev.type == CLIENT_EV_SUBSCRIBED) {
				assert_int_equal(ev.code, 1);
				pending &= ~(1u << ev.kind);
			} else if (nkept < KEPT_MAX && ev.type != CLIENT_EV_ADMIN_RES) {
				kept[nkept++] = ev;
			}
		}
	}
}

static void test_request_signed_and_answered(void **state)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_LOCK_RES};
	struct fixture *f = *state;
	struct harness_msg *m;
	struct sl_request req;
	struct sl_response res;
	struct client_event ev;
	int64_t id, id2;
	char *payload;
	struct sl_key key = f->enrol.key;

	f->c = make_client(f, NULL);
	start(f, kinds, 1);
	assert_string_equal(client_lock(f->c), "front-door");
	assert_int_equal(client_request(f->c, SL_ACTION_UNLOCK, &id), SL_OK);

	m = harness_client_wait(f->agent, "smartlock/front-door/lockReq/alice", 5000);
	assert_non_null(m);
	assert_int_equal(proto_decode_request(m->payload, m->len, &req, NULL), SL_OK);
	assert_int_equal(req.action, SL_ACTION_UNLOCK);
	assert_int_equal(req.t, id);
	/* signed with the enrolment's key over this very topic */
	assert_int_equal(proto_verify_request(&key, m->topic, &req), SL_OK);
	assert_int_not_equal(proto_verify_request(&key, "smartlock/back-door/lockReq/alice",
			&req), SL_OK);
	/* the lock request fits the seed paper's 108-byte packet */
	assert_true(m->len + strlen(m->topic) + 4 <= 108);
	harness_msg_free(m);

	/* an answer to some other id is not this one's */
	memset(&res, 0, sizeof(res));
	res.id = id - 1;
	res.result = SL_RESULT_DENIED;
	res.reason = SL_REASON_REPLAY;
	payload = proto_encode_response(&res);
	assert_int_equal(harness_client_publish_str(f->agent,
			"smartlock/front-door/lockRes/alice", payload, 1, false), 0);
	free(payload);
	res.id = id;
	res.result = SL_RESULT_OK;
	res.reason = SL_REASON_NONE;
	res.state = SL_STATE_UNLOCKED;
	res.door = SL_DOOR_CLOSED;
	payload = proto_encode_response(&res);
	assert_int_equal(harness_client_publish_str(f->agent,
			"smartlock/front-door/lockRes/alice", payload, 1, false), 0);
	free(payload);

	assert_true(wait_event(f->c, CLIENT_EV_RESPONSE, &ev, 5000));
	assert_int_equal(ev.u.response.id, id - 1);
	assert_true(wait_event(f->c, CLIENT_EV_RESPONSE, &ev, 5000));
	assert_int_equal(ev.u.response.id, id);
	assert_int_equal(ev.u.response.state, SL_STATE_UNLOCKED);

	/* ids strictly increase, even within one millisecond */
	assert_int_equal(client_request(f->c, SL_ACTION_STATUS, &id2), SL_OK);
	assert_true(id2 > id);
	assert_int_equal(client_request(f->c, SL_ACTION_HEARTBEAT, &id2), SL_ERR_INVAL);
}

static void test_admin_signed_and_answered(void **state)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ADMIN_RES};
	struct fixture *f = *state;
	struct harness_msg *m;
	struct sl_admin_req req, got;
	struct sl_admin_res res;
	struct client_event ev;
	int64_t id;
	char *payload;

	f->c = make_client(f, "back-door");
	start(f, kinds, 1);
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_DISABLE;
	strcpy(req.name, "gina");
	assert_int_equal(client_admin(f->c, &req, &id), SL_OK);
	m = harness_client_wait(f->agent, "smartlock/back-door/admin/alice", 5000);
	assert_non_null(m);
	assert_int_equal(proto_decode_admin_req(m->payload, m->len, &got, NULL), SL_OK);
	assert_int_equal(got.op, SL_ADMIN_USER_DISABLE);
	assert_string_equal(got.name, "gina");
	assert_int_equal(got.time, id);
	assert_int_equal(proto_verify_admin_req(&f->enrol.key, m->topic, &got), SL_OK);
	harness_msg_free(m);

	memset(&res, 0, sizeof(res));
	res.id = id;
	res.op = SL_ADMIN_USER_LIST;
	res.result = SL_RESULT_OK;
	strcpy(res.msg, "ok");
	res.data_json = "{\"users\":[]}";
	payload = proto_encode_admin_res(&res);
	assert_non_null(payload);
	assert_int_equal(harness_client_publish_str(f->agent,
			"smartlock/back-door/adminRes/alice", payload, 1, false), 0);
	free(payload);
	assert_true(wait_event(f->c, CLIENT_EV_ADMIN_RES, &ev, 5000));
	assert_int_equal(ev.u.admin.id, id);
	assert_non_null(ev.u.admin.data_json);
	assert_non_null(strstr(ev.u.admin.data_json, "users"));
	client_event_finish(&ev);
}

static void test_dashboard_topics_decoded_and_cleaned(void **state)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_STATE, SL_TOPIC_ALERT, SL_TOPIC_LOG,
			SL_TOPIC_HEALTH};
	struct fixture *f = *state;
	struct client_event ev;
	struct sl_state_msg st;
	char *payload;

	/* retained state before the client exists */
	memset(&st, 0, sizeof(st));
	st.state = SL_STATE_LOCKED;
	st.door = SL_DOOR_CLOSED;
	strcpy(st.by, "bob");
	st.since = time_now_ms();
	st.online = true;
	payload = proto_encode_state(&st);
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/state",
			payload, 1, true), 0);
	free(payload);

	f->c = make_client(f, NULL);
	start(f, kinds, 4);
	assert_true(wait_event(f->c, CLIENT_EV_STATE, &ev, 5000));
	assert_true(ev.retained);
	assert_int_equal(ev.u.state.state, SL_STATE_LOCKED);
	assert_string_equal(ev.u.state.by, "bob");

	/* another lock's messages never surface */
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/back-door/log",
			"{\"seq\":1}", 1, false), 0);
	/* control characters (C1 included) are refused by the decoder... */
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/securityAlert",
			"{\"v\":1,\"kind\":\"login-failed\",\"lock\":\"front-door\","
			"\"user\":\"\",\"source\":\"192.0.2.7\","
			"\"msg\":\"login as \\u009b2J\",\"until\":0,\"time\":1}", 1, false), 0);
	assert_true(wait_event(f->c, CLIENT_EV_INVALID, &ev, 5000));
	assert_int_equal(ev.kind, SL_TOPIC_ALERT);
	/* ...and what it lets through that could still disguise text is
	 * cleaned: a bidi override */
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/securityAlert",
			"{\"v\":1,\"kind\":\"login-failed\",\"lock\":\"front-door\","
			"\"user\":\"\",\"source\":\"192.0.2.7\","
			"\"msg\":\"login as \\u202eevil\",\"until\":0,\"time\":1}", 1, false), 0);
	assert_true(wait_event(f->c, CLIENT_EV_ALERT, &ev, 5000));
	assert_int_equal(ev.u.alert.kind, SL_ALERT_LOGIN_FAILED);
	assert_true(text_is_clean(ev.u.alert.msg));
	assert_non_null(strstr(ev.u.alert.msg, "login as ?evil"));

	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/log",
			"{\"seq\":2,\"actor\":\"\\u001b]0;x\\u0007\",\"result\":\"denied\"}", 1,
			false), 0);
	assert_true(wait_event(f->c, CLIENT_EV_LOG, &ev, 5000));
	assert_int_equal(ev.u.log.seq, 2);      /* not the back-door's seq 1 */
	assert_string_equal(ev.u.log.actor, "?]0;x?");

	/* garbage is reported, not decoded */
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/health",
			"{\"v\":1,\"status\":\"\\u001b\"}", 1, false), 0);
	assert_true(wait_event(f->c, CLIENT_EV_INVALID, &ev, 5000));
	assert_int_equal(ev.kind, SL_TOPIC_HEALTH);
	assert_int_not_equal(ev.err, SL_OK);
}

static void test_queue_is_bounded(void **state)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_LOG, SL_TOPIC_LOCK_RES};
	struct fixture *f = *state;
	struct client_event ev;
	struct sl_response res;
	char *payload;
	size_t got = 0;
	bool answered = false;
	int64_t deadline;

	f->c = make_client(f, NULL);
	start(f, kinds, 2);
	/* more log records than the queue holds, none taken out meanwhile
	 * (QoS 1 and an unbounded broker queue, see setup(), so every one
	 * of them reaches the client) */
	for (int i = 0; i < CLIENT_QUEUE_MAX + 500; i++) {
		char line[64];

		snprintf(line, sizeof(line), "{\"seq\":%d,\"result\":\"ok\"}", i + 1);
		assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/log",
				line, 1, false), 0);
	}
	/* an answer is never dropped, even with the queue full */
	memset(&res, 0, sizeof(res));
	res.id = 42;
	res.result = SL_RESULT_OK;
	payload = proto_encode_response(&res);
	assert_int_equal(harness_client_publish_str(f->agent,
			"smartlock/front-door/lockRes/alice", payload, 1, false), 0);
	free(payload);
	/* every log record was sent before the answer; 500 of them cannot fit */
	deadline = time_mono_ms() + 20000;
	while (client_dropped(f->c) < 500 && time_mono_ms() < deadline) {
		struct pollfd p = {.fd = client_fd(f->c), .events = POLLIN};

		poll(&p, 1, 100);
		client_service(f->c, p.revents);
	}
	assert_int_equal(client_dropped(f->c), 500);
	while (client_next_event(f->c, &ev)) {
		if (ev.type == CLIENT_EV_LOG)
			got++;
		if (ev.type == CLIENT_EV_RESPONSE && ev.u.response.id == 42)
			answered = true;
		client_event_finish(&ev);
	}
	assert_int_equal(got, CLIENT_QUEUE_MAX);
	if (!answered) {
		assert_true(wait_event(f->c, CLIENT_EV_RESPONSE, &ev, 5000));
		assert_int_equal(ev.u.response.id, 42);
	}
}

static void test_reconnects_and_resubscribes(void **state)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ALERT};
	struct fixture *f = *state;
	struct client_event ev;
	int64_t id;

	/* over TCP this time */
	make_enrolment(f, true);
	f->c = make_client(f, NULL);
	start(f, kinds, 1);
	assert_non_null(strstr(client_endpoint(f->c), "tcp 127.0.0.1:"));
	harness_client_destroy(f->agent);
	f->agent = NULL;
	assert_int_equal(harness_broker_restart(&f->broker), 0);
	assert_true(wait_event(f->c, CLIENT_EV_DISCONNECTED, &ev, 5000));
	assert_int_equal(client_request(f->c, SL_ACTION_UNLOCK, &id), SL_ERR_BUSY);
	assert_true(wait_event(f->c, CLIENT_EV_CONNECTED, &ev, 15000));
	assert_true(wait_event(f->c, CLIENT_EV_SUBSCRIBED, &ev, 5000));
	assert_int_equal(ev.kind, SL_TOPIC_ALERT);
	f->agent = harness_client_local(&f->broker, "agent", "x");
	assert_non_null(f->agent);
	assert_int_equal(harness_client_publish_str(f->agent, "smartlock/front-door/securityAlert",
			"{\"v\":1,\"kind\":\"lock-offline\",\"lock\":\"front-door\",\"user\":\"\","
			"\"source\":\"\",\"msg\":\"\",\"until\":0,\"time\":1}", 1, false), 0);
	assert_true(wait_event(f->c, CLIENT_EV_ALERT, &ev, 5000));
	assert_int_equal(ev.u.alert.kind, SL_ALERT_LOCK_OFFLINE);
}

static void test_unreachable_broker(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int64_t t0;

	assert_true(strlen(f->dir) + 14 < sizeof(f->enrol.socket));
	strcpy(f->enrol.socket, f->dir);
	strcat(f->enrol.socket, "/nothing.sock");
	f->c = make_client(f, NULL);
	assert_int_equal(client_start(f->c, msg, sizeof(msg)), SL_OK);
	t0 = time_mono_ms();
	/* a broker that is down may come back: retried until the deadline */
	assert_false(client_wait_connected(f->c, t0 + 1500));
	assert_true(time_mono_ms() - t0 >= 1500);
	assert_non_null(strstr(client_conn_problem(f->c), "nothing.sock"));
}

static void test_bad_lock_name(void **state)
{
	struct fixture *f = *state;
	struct client_opts o = {.enrol = &f->enrol, .lock = "a/b", .prog = "test"};
	enum sl_err err;
	char msg[256];

	assert_null(client_create(&o, &err, msg, sizeof(msg)));
	assert_int_equal(err, SL_ERR_INVAL);
	assert_non_null(strstr(msg, "a/b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_signed_and_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_admin_signed_and_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dashboard_topics_decoded_and_cleaned, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_queue_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconnects_and_resubscribes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreachable_broker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_lock_name, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
