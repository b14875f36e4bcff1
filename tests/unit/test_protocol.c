/* test_protocol.c - payload codec: round trips, strict decoding of malformed
 * payloads, signing, sizes, wire names and text sanitizing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/timeutil.h"
#include "smartlock/topic.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define MAC22 "AAAAAAAAAAAAAAAAAAAAAA"
#define T0 INT64_C(1795000000123)
#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY2_HEX "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define REQ_TOPIC "smartlock/front-door/lockReq/owner"
#define CMD_TOPIC "smartlock/front-door/lock"
#define ADMIN_TOPIC "smartlock/front-door/admin/owner"

_Static_assert(sizeof(MAC22) == SL_MAC_CHARS + 1, "MAC22 has 22 characters");

static void load_key(struct sl_key *key, const char *hex)
{
	assert_int_equal(sign_key_from_hex(key, hex), SL_OK);
}

/* ---- struct comparisons ---- */

static void assert_request_equal(const struct sl_request *a, const struct sl_request *b)
{
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->t, b->t);
	assert_string_equal(a->mac, b->mac);
}

static void assert_response_equal(const struct sl_response *a, const struct sl_response *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->reason, b->reason);
	assert_string_equal(a->msg, b->msg);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->door, b->door);
	assert_int_equal(a->until, b->until);
}

static void assert_command_equal(const struct sl_command *a, const struct sl_command *b)
{
	assert_int_equal(a->action, b->action);
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->time, b->time);
	assert_string_equal(a->user, b->user);
	assert_int_equal(a->req, b->req);
	assert_string_equal(a->mac, b->mac);
	assert_int_equal(a->expires, b->expires);
}

static void assert_lock_status_equal(const struct sl_lock_status *a,
		const struct sl_lock_status *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->result, b->result);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->door, b->door);
	assert_int_equal(a->time, b->time);
}

static void assert_heartbeat_equal(const struct sl_heartbeat *a, const struct sl_heartbeat *b)
{
	assert_int_equal(a->online, b->online);
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->door, b->door);
	assert_int_equal(a->uptime, b->uptime);
	assert_int_equal(a->interval, b->interval);
	assert_int_equal(a->commands, b->commands);
	assert_int_equal(a->refused, b->refused);
	assert_true(a->seq == b->seq);
	assert_int_equal(a->time, b->time);
}

static void assert_state_equal(const struct sl_state_msg *a, const struct sl_state_msg *b)
{
	assert_int_equal(a->state, b->state);
	assert_int_equal(a->door, b->door);
	assert_string_equal(a->by, b->by);
	assert_int_equal(a->since, b->since);
	assert_int_equal(a->online, b->online);
	assert_string_equal(a->channel_failed, b->channel_failed);
	assert_int_equal(a->channel_failed_at, b->channel_failed_at);
}

static void assert_alert_equal(const struct sl_alert *a, const struct sl_alert *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_string_equal(a->lock, b->lock);
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->source, b->source);
	assert_string_equal(a->msg, b->msg);
	assert_int_equal(a->until, b->until);
	assert_int_equal(a->time, b->time);
}

static void assert_admin_req_equal(const struct sl_admin_req *a, const struct sl_admin_req *b)
{
	assert_int_equal(a->op, b->op);
	assert_int_equal(a->time, b->time);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->has_role, b->has_role);
	assert_int_equal(a->role, b->role);
	assert_int_equal(a->has_from, b->has_from);
	assert_int_equal(a->from, b->from);
	assert_int_equal(a->has_until, b->has_until);
	assert_int_equal(a->until, b->until);
	assert_int_equal(a->has_schedule, b->has_schedule);
	assert_string_equal(a->schedule, b->schedule);
	assert_int_equal(a->has_uses, b->has_uses);
	assert_int_equal(a->uses, b->uses);
	assert_int_equal(a->has_locks, b->has_locks);
	assert_string_equal(a->locks, b->locks);
	assert_int_equal(a->has_cursor, b->has_cursor);
	assert_int_equal(a->cursor, b->cursor);
	assert_int_equal(a->has_count, b->has_count);
	assert_int_equal(a->count, b->count);
	assert_string_equal(a->mac, b->mac);
}

static void assert_login_failed_equal(const struct sl_login_failed *a,
		const struct sl_login_failed *b)
{
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->addr, b->addr);
	assert_int_equal(a->reason, b->reason);
	assert_int_equal(a->time, b->time);
}

/* ---- round trips: encode, compare the exact text, decode, compare ---- */

static void test_round_trip_request(void **state)
{
	struct sl_request in = {.action = SL_ACTION_UNLOCK, .t = T0, .mac = MAC22};
	struct sl_request out;
	struct sl_proto_error err;
	char *text;

	(void)state;
	text = proto_encode_request(&in);
	assert_non_null(text);
	assert_string_equal(text,
			"{\"v\":1,\"a\":\"unlock\",\"t\":1795000000123,\"m\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_request(text, strlen(text), &out, &err), SL_OK);
	assert_int_equal(err.code, SL_OK);
	assert_string_equal(err.field, "");
	assert_request_equal(&in, &out);
	free(text);

	for (int a = SL_ACTION_LOCK; a <= SL_ACTION_STATUS; a++) {
		in.action = (enum sl_action)a;
		text = proto_encode_request(&in);
		assert_non_null(text);
		assert_int_equal(proto_decode_request(text, strlen(text), &out, NULL), SL_OK);
		assert_request_equal(&in, &out);
		free(text);
	}
}

static void test_round_trip_response(void **state)
{
	struct sl_response in = {
		.id = T0, .result = SL_RESULT_DENIED, .reason = SL_REASON_OUTSIDE_WINDOW,
		.msg = "guest access opens at 09:00 \"Sa\" \\ caf\xc3\xa9 \xf0\x9f\x94\x92",
		.state = SL_STATE_LOCKED, .door = SL_DOOR_CLOSED,
		.until = INT64_C(1795000360000),
	};
	struct sl_response min = {.id = 0, .result = SL_RESULT_OK};
	struct sl_response out;
	char *text;

	(void)state;
	text = proto_encode_response(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"id\":1795000000123,\"result\":\"denied\","
			"\"reason\":\"outside-window\",\"msg\":\"guest access opens at 09:00 "
			"\\\"Sa\\\" \\\\ caf\xc3\xa9 \xf0\x9f\x94\x92\",\"state\":\"LOCKED\","
			"\"door\":\"closed\",\"until\":1795000360000}");
	assert_int_equal(proto_decode_response(text, strlen(text), &out, NULL), SL_OK);
	assert_response_equal(&in, &out);
	free(text);

	/* optional fields at their defaults are left out; reason is not */
	text = proto_encode_response(&min);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"id\":0,\"result\":\"ok\",\"reason\":\"\"}");
	assert_int_equal(proto_decode_response(text, strlen(text), &out, NULL), SL_OK);
	assert_response_equal(&min, &out);
	free(text);
}

static void test_round_trip_command(void **state)
{
	struct sl_command in = {
		.action = SL_ACTION_UNLOCK, .seq = 42, .time = INT64_C(1795000000200),
		.expires = INT64_C(1795000005200), .user = "owner", .req = T0, .mac = MAC22,
	};
	struct sl_command big = {
		.action = SL_ACTION_RESET, .seq = UINT64_C(9007199254740991),
		.time = INT64_C(253402300799999), .expires = INT64_C(253402300799999),
		.mac = MAC22,
	};
	struct sl_command out;
	char *text;

	(void)state;
	text = proto_encode_command(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"action\":\"unlock\",\"seq\":42,"
			"\"time\":1795000000200,\"expires\":1795000005200,\"user\":\"owner\","
			"\"req\":1795000000123,\"mac\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_command(text, strlen(text), &out, NULL), SL_OK);
	assert_command_equal(&in, &out);
	free(text);

	/* the largest values survive exactly (no double rounding) */
	text = proto_encode_command(&big);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"action\":\"reset\",\"seq\":9007199254740991,"
			"\"time\":253402300799999,\"expires\":253402300799999,"
			"\"mac\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_command(text, strlen(text), &out, NULL), SL_OK);
	assert_command_equal(&big, &out);
	free(text);
}

static void test_round_trip_lock_status(void **state)
{
	struct sl_lock_status in = {
		.seq = 42, .result = SL_RESULT_OK, .reason = SL_REASON_NONE,
		.state = SL_STATE_UNLOCKED, .door = SL_DOOR_CLOSED, .time = T0,
	};
	struct sl_lock_status jam = {
		.seq = 0, .result = SL_RESULT_ERROR, .reason = SL_REASON_JAMMED,
		.state = SL_STATE_JAMMED, .time = 5,
	};
	struct sl_lock_status out;
	char *text;

	(void)state;
	text = proto_encode_lock_status(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"seq\":42,\"result\":\"ok\",\"reason\":\"\","
			"\"state\":\"UNLOCKED\",\"door\":\"closed\",\"time\":1795000000123}");
	assert_int_equal(proto_decode_lock_status(text, strlen(text), &out, NULL), SL_OK);
	assert_lock_status_equal(&in, &out);
	free(text);

	text = proto_encode_lock_status(&jam);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"seq\":0,\"result\":\"error\","
			"\"reason\":\"jammed\",\"state\":\"JAMMED\",\"time\":5}");
	assert_int_equal(proto_decode_lock_status(text, strlen(text), &out, NULL), SL_OK);
	assert_lock_status_equal(&jam, &out);
	free(text);

	jam.result = SL_RESULT_PROGRESS;
	text = proto_encode_lock_status(&jam);
	assert_non_null(text);
	assert_int_equal(proto_decode_lock_status(text, strlen(text), &out, NULL), SL_OK);
	assert_int_equal(out.result, SL_RESULT_PROGRESS);
	free(text);
}

static void test_round_trip_heartbeat(void **state)
{
	struct sl_heartbeat in = {
		.online = true, .state = SL_STATE_LOCKED, .door = SL_DOOR_CLOSED,
		.uptime = 3600, .interval = 60, .commands = 12, .refused = 1,
		.seq = 9007199254740991ull, .time = T0,
	};
	struct sl_heartbeat will = {.online = false};
	struct sl_heartbeat out;
	char *text;

	(void)state;
	text = proto_encode_heartbeat(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"status\":\"online\",\"state\":\"LOCKED\","
			"\"door\":\"closed\",\"uptime\":3600,\"interval\":60,\"commands\":12,"
			"\"refused\":1,\"seq\":9007199254740991,\"time\":1795000000123}");
	assert_int_equal(proto_decode_heartbeat(text, strlen(text), &out, NULL), SL_OK);
	assert_heartbeat_equal(&in, &out);
	free(text);

	/* the last will */
	text = proto_encode_heartbeat(&will);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"status\":\"offline\"}");
	assert_int_equal(proto_decode_heartbeat(text, strlen(text), &out, NULL), SL_OK);
	assert_heartbeat_equal(&will, &out);
	free(text);
}

static void test_round_trip_state(void **state)
{
	struct sl_state_msg in = {
		.state = SL_STATE_LOCKED, .door = SL_DOOR_CLOSED, .by = "owner",
		.since = T0, .online = true,
	};
	struct sl_state_msg unknown = {.state = SL_STATE_UNKNOWN, .online = false};
	struct sl_state_msg out;
	char *text;

	(void)state;
	text = proto_encode_state(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"state\":\"LOCKED\",\"door\":\"closed\","
			"\"by\":\"owner\",\"since\":1795000000123,\"online\":true}");
	assert_int_equal(proto_decode_state(text, strlen(text), &out, NULL), SL_OK);
	assert_state_equal(&in, &out);
	free(text);

	text = proto_encode_state(&unknown);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"state\":\"UNKNOWN\",\"online\":false}");
	assert_int_equal(proto_decode_state(text, strlen(text), &out, NULL), SL_OK);
	assert_state_equal(&unknown, &out);
	free(text);

	/* an alert channel that failed */
	snprintf(in.channel_failed, sizeof(in.channel_failed), "phone");
	in.channel_failed_at = T0 + 1;
	text = proto_encode_state(&in);
	assert_non_null(text);
	assert_non_null(strstr(text, ",\"online\":true,\"channel_failed\":\"phone\","
			"\"channel_failed_at\":1795000000124}"));
	assert_int_equal(proto_decode_state(text, strlen(text), &out, NULL), SL_OK);
	assert_state_equal(&in, &out);
	free(text);
	text = strdup("{\"v\":1,\"state\":\"LOCKED\",\"online\":true,"
			"\"channel_failed\":\"a b\"}");
	assert_int_not_equal(proto_decode_state(text, strlen(text), &out, NULL), SL_OK);
	free(text);
}

static void test_round_trip_alert(void **state)
{
	struct sl_alert in = {
		.kind = SL_ALERT_LOCKOUT, .lock = "front-door", .user = "mallory",
		.source = "lockReq", .msg = "3 failed attempts in 5 minutes",
		.until = INT64_C(1795000300000), .time = T0,
	};
	/* a login-failed alert may carry a name that is not a valid name */
	struct sl_alert login = {
		.kind = SL_ALERT_LOGIN_FAILED, .user = "x/+#", .source = "192.0.2.7",
		.time = 1,
	};
	struct sl_alert out;
	char *text;

	(void)state;
	text = proto_encode_alert(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"kind\":\"lockout\",\"lock\":\"front-door\","
			"\"user\":\"mallory\",\"source\":\"lockReq\","
			"\"msg\":\"3 failed attempts in 5 minutes\",\"until\":1795000300000,"
			"\"time\":1795000000123}");
	assert_int_equal(proto_decode_alert(text, strlen(text), &out, NULL), SL_OK);
	assert_alert_equal(&in, &out);
	free(text);

	text = proto_encode_alert(&login);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"kind\":\"login-failed\",\"user\":\"x/+#\","
			"\"source\":\"192.0.2.7\",\"time\":1}");
	assert_int_equal(proto_decode_alert(text, strlen(text), &out, NULL), SL_OK);
	assert_alert_equal(&login, &out);
	free(text);
}

static void test_round_trip_admin_req(void **state)
{
	struct sl_admin_req in = {
		.op = SL_ADMIN_USER_ADD, .time = T0, .name = "gina",
		.has_role = true, .role = SL_ROLE_GUEST,
		.has_from = true, .from = INT64_C(1795000000000),
		.has_until = true, .until = INT64_C(1795600000000),
		.has_schedule = true, .schedule = "Sa,Su 09:00-18:00",
		.has_uses = true, .uses = 3,
		.has_locks = true, .locks = "front-door,back-door",
		.has_cursor = true, .cursor = 0,
		.has_count = true, .count = 50,
		.mac = MAC22,
	};
	struct sl_admin_req list = {.op = SL_ADMIN_USER_LIST, .time = 7, .mac = MAC22};
	struct sl_admin_req out;
	char *text;

	(void)state;
	text = proto_encode_admin_req(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"op\":\"user-add\",\"time\":1795000000123,"
			"\"name\":\"gina\",\"role\":\"guest\",\"from\":1795000000000,"
			"\"until\":1795600000000,\"schedule\":\"Sa,Su 09:00-18:00\",\"uses\":3,"
			"\"locks\":\"front-door,back-door\",\"cursor\":0,\"count\":50,"
			"\"mac\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_admin_req(text, strlen(text), &out, NULL), SL_OK);
	assert_admin_req_equal(&in, &out);
	free(text);

	/* has_* false: left out, and decoded as absent with zero values */
	text = proto_encode_admin_req(&list);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"op\":\"user-list\",\"time\":7,"
			"\"mac\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_admin_req(text, strlen(text), &out, NULL), SL_OK);
	assert_admin_req_equal(&list, &out);
	free(text);

	/* has_* true with zero values and "*" are kept */
	list.has_uses = true;
	list.has_locks = true;
	strcpy(list.locks, "*");
	list.has_schedule = true;
	text = proto_encode_admin_req(&list);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"op\":\"user-list\",\"time\":7,"
			"\"schedule\":\"\",\"uses\":0,\"locks\":\"*\",\"mac\":\"" MAC22 "\"}");
	assert_int_equal(proto_decode_admin_req(text, strlen(text), &out, NULL), SL_OK);
	assert_admin_req_equal(&list, &out);
	free(text);
}

static void test_round_trip_admin_res(void **state)
{
	char data[] = "{ \"users\" : [ {\"name\":\"gina\", \"role\":\"guest\","
			" \"note\":\"a b\"} ], \"next\": 9007199254740993 }";
	struct sl_admin_res in = {
		.id = T0, .op = SL_ADMIN_USER_LIST, .result = SL_RESULT_OK,
		.reason = SL_REASON_NONE, .msg = "1 user", .data_json = data,
	};
	struct sl_admin_res out;
	char *text;

	(void)state;
	text = proto_encode_admin_res(&in);
	assert_non_null(text);
	/* data is embedded compact, numbers and strings exactly as given */
	assert_string_equal(text, "{\"v\":1,\"id\":1795000000123,\"op\":\"user-list\","
			"\"result\":\"ok\",\"reason\":\"\",\"msg\":\"1 user\","
			"\"data\":{\"users\":[{\"name\":\"gina\",\"role\":\"guest\","
			"\"note\":\"a b\"}],\"next\":9007199254740993}}");
	assert_int_equal(proto_decode_admin_res(text, strlen(text), &out, NULL), SL_OK);
	assert_int_equal(out.id, in.id);
	assert_int_equal(out.op, in.op);
	assert_int_equal(out.result, in.result);
	assert_int_equal(out.reason, in.reason);
	assert_string_equal(out.msg, in.msg);
	assert_non_null(out.data_json);
	assert_string_equal(out.data_json, "{\"users\":[{\"name\":\"gina\","
			"\"role\":\"guest\",\"note\":\"a b\"}],\"next\":9007199254740993}");
	free(text);

	/* the decoded struct encodes to the same payload again */
	text = proto_encode_admin_res(&out);
	assert_non_null(text);
	proto_admin_res_finish(&out);
	assert_null(out.data_json);
	assert_int_equal(proto_decode_admin_res(text, strlen(text), &out, NULL), SL_OK);
	assert_string_equal(out.data_json, "{\"users\":[{\"name\":\"gina\","
			"\"role\":\"guest\",\"note\":\"a b\"}],\"next\":9007199254740993}");
	proto_admin_res_finish(&out);
	proto_admin_res_finish(&out);   /* twice is harmless */
	free(text);

	/* no data: no "data" member, data_json stays NULL */
	in.data_json = NULL;
	in.result = SL_RESULT_DENIED;
	in.reason = SL_REASON_NOT_PERMITTED;
	in.msg[0] = '\0';
	text = proto_encode_admin_res(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"id\":1795000000123,\"op\":\"user-list\","
			"\"result\":\"denied\",\"reason\":\"not-permitted\"}");
	assert_int_equal(proto_decode_admin_res(text, strlen(text), &out, NULL), SL_OK);
	assert_null(out.data_json);
	assert_int_equal(out.reason, SL_REASON_NOT_PERMITTED);
	free(text);

	/* blanks inside strings stay, escapes included */
	in.data_json = data;
	strcpy(data, " { \"k\" : \"a\\\" b \\\\\" , \"l\" : [ \" \\\"\" ] } ");
	text = proto_encode_admin_res(&in);
	assert_non_null(text);
	assert_int_equal(proto_decode_admin_res(text, strlen(text), &out, NULL), SL_OK);
	assert_string_equal(out.data_json, "{\"k\":\"a\\\" b \\\\\",\"l\":[\" \\\"\"]}");
	proto_admin_res_finish(&out);
	free(text);

	/* any JSON value may be data */
	in.data_json = data;
	strcpy(data, "[1, null, true, \"x\"]");
	text = proto_encode_admin_res(&in);
	assert_non_null(text);
	assert_int_equal(proto_decode_admin_res(text, strlen(text), &out, NULL), SL_OK);
	assert_string_equal(out.data_json, "[1,null,true,\"x\"]");
	proto_admin_res_finish(&out);
	free(text);
}

static void test_round_trip_login_failed(void **state)
{
	struct sl_login_failed in = {
		.user = "mallory", .addr = "192.0.2.7", .reason = SL_LOGIN_BAD_PASSWORD,
		.time = T0,
	};
	struct sl_login_failed anon = {
		.addr = "2001:db8::1", .reason = SL_LOGIN_ANONYMOUS, .time = 2,
	};
	struct sl_login_failed out;
	char *text;

	(void)state;
	text = proto_encode_login_failed(&in);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"user\":\"mallory\",\"addr\":\"192.0.2.7\","
			"\"reason\":\"bad-password\",\"time\":1795000000123}");
	assert_int_equal(proto_decode_login_failed(text, strlen(text), &out, NULL), SL_OK);
	assert_login_failed_equal(&in, &out);
	free(text);

	text = proto_encode_login_failed(&anon);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"addr\":\"2001:db8::1\","
			"\"reason\":\"anonymous\",\"time\":2}");
	assert_int_equal(proto_decode_login_failed(text, strlen(text), &out, NULL), SL_OK);
	assert_login_failed_equal(&anon, &out);
	free(text);
}

/* ---- encoders refuse what their decoders would refuse ---- */

static void test_encoders_refuse_invalid(void **state)
{
	struct sl_request r = {.action = SL_ACTION_UNLOCK, .t = T0, .mac = ""};
	struct sl_command c = {.action = SL_ACTION_LOCK, .seq = 1, .time = 1, .expires = 2,
		.user = "a/b", .mac = MAC22};
	struct sl_response res = {.id = 1, .result = SL_RESULT_PROGRESS};
	struct sl_alert a = {.kind = SL_ALERT_JAMMED, .msg = "bolt\x1b[2J", .time = 1};
	struct sl_login_failed l = {.user = "\xc0\xaf", .addr = "x", .time = 1};
	struct sl_admin_req q = {.op = SL_ADMIN_USER_ADD, .time = 1, .mac = MAC22,
		.has_locks = true, .locks = "a,,b"};
	struct sl_admin_res ar = {.id = 1, .data_json = "{\"a\":1"};
	struct sl_heartbeat h = {.online = true, .interval = 86401};
	struct sl_state_msg st = {.state = SL_STATE_COUNT_};

	(void)state;
	assert_null(proto_encode_request(&r));          /* unsigned */
	strcpy(r.mac, MAC22);
	r.action = SL_ACTION_HEARTBEAT;                 /* not a request action */
	assert_null(proto_encode_request(&r));
	r.action = SL_ACTION_UNLOCK;
	r.t = 0;
	assert_null(proto_encode_request(&r));
	assert_null(proto_encode_command(&c));          /* bad name */
	assert_null(proto_encode_response(&res));       /* progress */
	assert_null(proto_encode_alert(&a));            /* control character */
	assert_null(proto_encode_login_failed(&l));     /* not UTF-8 */
	assert_null(proto_encode_admin_req(&q));        /* bad lock list */
	assert_null(proto_encode_admin_res(&ar));       /* data not JSON */
	ar.data_json = "{\"a\":\"\\u0000\"}";
	assert_null(proto_encode_admin_res(&ar));       /* NUL in data */
	assert_null(proto_encode_heartbeat(&h));        /* out of range */
	assert_null(proto_encode_state(&st));           /* enum out of range */
	assert_null(proto_encode_request(NULL));
}

/* ---- malformed payloads ---- */

enum decoder {
	D_REQ, D_RES, D_CMD, D_LST, D_HB, D_ST, D_ALR, D_AREQ, D_ARES, D_LOGIN,
};

/* Decode with the decoder d, free what it allocated, return its code. */
static enum sl_err run_decoder(enum decoder d, const void *buf, size_t len,
		struct sl_proto_error *err)
{
	union {
		struct sl_request req;
		struct sl_response res;
		struct sl_command cmd;
		struct sl_lock_status lst;
		struct sl_heartbeat hb;
		struct sl_state_msg st;
		struct sl_alert alr;
		struct sl_admin_req areq;
		struct sl_admin_res ares;
		struct sl_login_failed login;
	} u;
	enum sl_err rc = SL_ERR_INTERNAL;

	switch (d) {
	case D_REQ: rc = proto_decode_request(buf, len, &u.req, err); break;
	case D_RES: rc = proto_decode_response(buf, len, &u.res, err); break;
	case D_CMD: rc = proto_decode_command(buf, len, &u.cmd, err); break;
	case D_LST: rc = proto_decode_lock_status(buf, len, &u.lst, err); break;
	case D_HB: rc = proto_decode_heartbeat(buf, len, &u.hb, err); break;
	case D_ST: rc = proto_decode_state(buf, len, &u.st, err); break;
	case D_ALR: rc = proto_decode_alert(buf, len, &u.alr, err); break;
	case D_AREQ: rc = proto_decode_admin_req(buf, len, &u.areq, err); break;
	case D_ARES:
		rc = proto_decode_admin_res(buf, len, &u.ares, err);
		if (rc == SL_OK)
			proto_admin_res_finish(&u.ares);
		else
			assert_null(u.ares.data_json);
		break;
	case D_LOGIN: rc = proto_decode_login_failed(buf, len, &u.login, err); break;
	}
	return rc;
}

/*
 * The payloads are written with ' for " (turned back before decoding), so
 * no payload here contains a real single quote. len is set only for
 * payloads with a NUL byte. Valid bases, for reference:
 *   request     {'v':1,'a':'unlock','t':1795000000123,'m':MAC22}
 *   response    {'v':1,'id':1,'result':'ok','reason':''}
 *   command     {'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'mac':MAC22}
 *   lockStatus  {'v':1,'seq':1,'result':'ok','reason':'','state':'LOCKED','time':5}
 *   health      {'v':1,'status':'online'}
 *   state       {'v':1,'state':'LOCKED','online':true}
 *   alert       {'v':1,'kind':'lockout','time':5}
 *   admin       {'v':1,'op':'user-add','time':5,'mac':MAC22}
 *   adminRes    {'v':1,'id':1,'op':'user-list','result':'ok','reason':''}
 *   loginFailed {'v':1,'addr':'192.0.2.7','reason':'bad-password','time':5}
 */
struct bad_case {
	enum decoder dec;
	const char *payload;
	size_t len;             /* 0: strlen(payload) */
	enum sl_err code;
	const char *field;
};

#define REQ_TAIL ",'t':1795000000123,'m':'" MAC22 "'}"
#define NEST20 "[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]"
#define X10 "xxxxxxxxxx"
#define X160 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define NAME33 "abcdefghijabcdefghijabcdefghijabc"
#define NUL_IN_OBJECT "{'v':1,\0'a':'unlock'" REQ_TAIL
#define NUL_IN_STRING "{'v':1,'a':'unlock\0'" REQ_TAIL

static const struct bad_case bad_cases[] = {
	/* whole payload: size, syntax, shape */
	{D_REQ, "", 0, SL_ERR_EMPTY, ""},
	{D_REQ, "   \n\t ", 0, SL_ERR_JSON, ""},
	{D_REQ, "[1,2]", 0, SL_ERR_NOT_OBJECT, ""},
	{D_REQ, "'unlock'", 0, SL_ERR_NOT_OBJECT, ""},
	{D_REQ, "42", 0, SL_ERR_NOT_OBJECT, ""},
	{D_HB, "null", 0, SL_ERR_NOT_OBJECT, ""},
	{D_REQ, "{'v':1,'a':'unlock'", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unl", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unlock'" REQ_TAIL "x", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unlock'" REQ_TAIL "{}", 0, SL_ERR_JSON, ""},
	{D_REQ, NUL_IN_OBJECT, sizeof(NUL_IN_OBJECT) - 1, SL_ERR_JSON, ""},
	{D_REQ, NUL_IN_STRING, sizeof(NUL_IN_STRING) - 1, SL_ERR_JSON, ""},
	{D_REQ, "\xef\xbb\xbf{'v':1,'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':01,'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1.,'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':+1,'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'" MAC22 "',}", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1\x0b,'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unlock'" REQ_TAIL "\x01", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'\\x41'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'\\ud800'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'\\udc00'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'\\ud800\\u0041'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'\\u12G4'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_HB, "{'v':1,'status':'online','uptime':1e}", 0, SL_ERR_JSON, ""},
	{D_HB, "{'v':1,'status':'online','uptime':-}", 0, SL_ERR_JSON, ""},
	{D_HB, "{'v':1,'status':'online','uptime':.5}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1,'state':'LOCKED','online':tru}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1,'state':'LOCKED','online':true,}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1 'state':'LOCKED','online':true}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1,'state':'LOCKED','online':true,'x':[1 2]}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1,'state'='LOCKED','online':true}", 0, SL_ERR_JSON, ""},
	{D_ST, "{'v':1,'state':'LOCKED','online':true,'by':'own\037er'}", 0, SL_ERR_JSON, ""},
	{D_HB, "{'v':1,'status':'online','uptime':1" "0000000000000000000000000000000000000000"
			"000000000000000000000000}", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':" NEST20 ",'a':'unlock'" REQ_TAIL, 0, SL_ERR_JSON, ""},
	{D_ARES, "{'v':1,'id':1,'op':'user-list','result':'ok','reason':'','data':"
			NEST20 "}", 0, SL_ERR_JSON, ""},
	{D_ARES, "{'v':1,'id':1,'op':'user-list','result':'ok','reason':'','data':[1,]}",
			0, SL_ERR_JSON, ""},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'a\x01'}", 0, SL_ERR_JSON, ""},
	/* invalid UTF-8 anywhere, even where JSON is also broken */
	{D_REQ, "{'v':1,'a':'\xc0\xaf'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\xe0\x80\xaf'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\x80'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\xed\xa0\x80'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\xe2\x82'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\xff'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_REQ, "{'v':1,'a':'\xf4\x90\x80\x80'" REQ_TAIL, 0, SL_ERR_BAD_UTF8, ""},
	{D_ALR, "{'v':1,'kind':'lockout','time':5,'msg':'\xf0\x9f\x94", 0, SL_ERR_BAD_UTF8, ""},
	/* version */
	{D_REQ, "{'v':0,'a':'unlock'" REQ_TAIL, 0, SL_ERR_BAD_VERSION, "v"},
	{D_REQ, "{'v':2,'a':'unlock'" REQ_TAIL, 0, SL_ERR_BAD_VERSION, "v"},
	{D_REQ, "{'v':'1','a':'unlock'" REQ_TAIL, 0, SL_ERR_WRONG_TYPE, "v"},
	{D_REQ, "{'v':1.5,'a':'unlock'" REQ_TAIL, 0, SL_ERR_OUT_OF_RANGE, "v"},
	{D_REQ, "{'v':[[1]],'a':'unlock'" REQ_TAIL, 0, SL_ERR_WRONG_TYPE, "v"},
	{D_REQ, "{'a':'unlock'" REQ_TAIL, 0, SL_ERR_MISSING_FIELD, "v"},
	{D_HB, "{'status':'offline'}", 0, SL_ERR_MISSING_FIELD, "v"},
	{D_LOGIN, "{'v':-1,'addr':'','reason':'anonymous','time':5}", 0, SL_ERR_BAD_VERSION, "v"},
	/* order: members first (in order), then missing, then version */
	{D_REQ, "{'x':1,'v':2}", 0, SL_ERR_UNKNOWN_FIELD, "x"},
	{D_REQ, "{'v':2}", 0, SL_ERR_MISSING_FIELD, "a"},
	{D_REQ, "{'v':2,'a':'open-sesame','t':-1}", 0, SL_ERR_BAD_VALUE, "a"},
	/* request fields */
	{D_REQ, "{'v':1,'a':'UNLOCK'" REQ_TAIL, 0, SL_ERR_BAD_VALUE, "a"},
	{D_REQ, "{'v':1,'a':'open-sesame'" REQ_TAIL, 0, SL_ERR_BAD_VALUE, "a"},
	{D_REQ, "{'v':1,'a':'heartbeat'" REQ_TAIL, 0, SL_ERR_BAD_VALUE, "a"},
	{D_REQ, "{'v':1,'a':1" REQ_TAIL, 0, SL_ERR_WRONG_TYPE, "a"},
	{D_REQ, "{'v':1,'a':null" REQ_TAIL, 0, SL_ERR_WRONG_TYPE, "a"},
	{D_REQ, "{'v':1,'a':{'x':1}" REQ_TAIL, 0, SL_ERR_WRONG_TYPE, "a"},
	{D_REQ, "{'v':1,'a':'un\\u0000lock'" REQ_TAIL, 0, SL_ERR_CONTROL_CHAR, "a"},
	{D_REQ, "{'v':1,'a':'\\u0001unlock'" REQ_TAIL, 0, SL_ERR_CONTROL_CHAR, "a"},
	{D_REQ, "{'v':1,'a':'unlock','t':'1795000000123','m':'" MAC22 "'}", 0,
			SL_ERR_WRONG_TYPE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':[1795000000123],'m':'" MAC22 "'}", 0,
			SL_ERR_WRONG_TYPE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':true,'m':'" MAC22 "'}", 0, SL_ERR_WRONG_TYPE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':1e999,'m':'" MAC22 "'}", 0, SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':9223372036854775808,'m':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':9007199254740993,'m':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':-1,'m':'" MAC22 "'}", 0, SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':0,'m':'" MAC22 "'}", 0, SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123.5,'m':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':253402300800000,'m':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "t"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'AAAAAAAAAAAAAAAAAAAAA'}", 0,
			SL_ERR_BAD_VALUE, "m"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'AAAAAAAAAAAAAAAAAAAAA+'}", 0,
			SL_ERR_BAD_VALUE, "m"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'AAAAAAAAAAAAAAAAAAAA=='}", 0,
			SL_ERR_BAD_VALUE, "m"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'AAAAAAAAAAAAAAAAAAAAAAA'}", 0,
			SL_ERR_BAD_VALUE, "m"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':12345}", 0, SL_ERR_WRONG_TYPE, "m"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123}", 0, SL_ERR_MISSING_FIELD, "m"},
	{D_REQ, "{'v':1,'a':'unlock'" REQ_TAIL "}", 0, SL_ERR_JSON, ""},
	{D_REQ, "{'v':1,'a':'unlock','x':1" REQ_TAIL, 0, SL_ERR_UNKNOWN_FIELD, "x"},
	{D_REQ, "{'v':1,'A':'unlock'" REQ_TAIL, 0, SL_ERR_UNKNOWN_FIELD, "A"},
	{D_REQ, "{'v':1,'a':'unlock','a':'lock'" REQ_TAIL, 0, SL_ERR_DUPLICATE_FIELD, "a"},
	{D_REQ, "{'v':1,'v':1,'a':'unlock'" REQ_TAIL, 0, SL_ERR_DUPLICATE_FIELD, "v"},
	{D_REQ, "{'v\\u0000x':2,'v':1,'a':'unlock'" REQ_TAIL, 0, SL_ERR_UNKNOWN_FIELD, "v"},
	{D_REQ, "{'v':1,'a':'unlock','t':1795000000123,'m':'" MAC22 "','"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx':1}", 0,
			SL_ERR_UNKNOWN_FIELD, "xxxxxxxxxxxxxxxxxxxxxxx"},
	/* response */
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'hacked'}", 0, SL_ERR_BAD_VALUE, "reason"},
	{D_RES, "{'v':1,'id':1,'result':'progress','reason':''}", 0, SL_ERR_BAD_VALUE, "result"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'\\u001b[2J'}", 0,
			SL_ERR_CONTROL_CHAR, "msg"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'line1\\nline2'}", 0,
			SL_ERR_CONTROL_CHAR, "msg"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'\\u0085'}", 0,
			SL_ERR_CONTROL_CHAR, "msg"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'\\u007f'}", 0,
			SL_ERR_CONTROL_CHAR, "msg"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','msg':'" X160 "'}", 0,
			SL_ERR_TOO_LONG, "msg"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','until':1.5}", 0,
			SL_ERR_OUT_OF_RANGE, "until"},
	{D_RES, "{'v':1,'id':null,'result':'ok','reason':''}", 0, SL_ERR_WRONG_TYPE, "id"},
	{D_RES, "{'v':1,'id':1,'reason':''}", 0, SL_ERR_MISSING_FIELD, "result"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','state':'locked'}", 0,
			SL_ERR_BAD_VALUE, "state"},
	{D_RES, "{'v':1,'id':1,'result':'ok','reason':'','door':''}", 0,
			SL_ERR_BAD_VALUE, "door"},
	/* command */
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'a/b','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'+','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'#','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'" NAME33 "','mac':'"
			MAC22 "'}", 0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':42,'time':5,'expires':6,'user':'.x','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "user"},
	{D_CMD, "{'v':1,'action':'unlock','seq':-1,'time':5,'expires':6,'mac':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "seq"},
	{D_CMD, "{'v':1,'action':'unlock','seq':0,'time':5,'expires':6,'mac':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "seq"},
	{D_CMD, "{'v':1,'action':'unlock','seq':18446744073709551616,'time':5,'expires':6,'mac':'"
			MAC22 "'}", 0, SL_ERR_OUT_OF_RANGE, "seq"},
	{D_CMD, "{'v':1,'action':'status','seq':1,'time':5,'expires':6,'mac':'" MAC22 "'}", 0,
			SL_ERR_BAD_VALUE, "action"},
	{D_CMD, "{'v':1,'action':'unlock','seq':1,'time':5,'expires':6}", 0, SL_ERR_MISSING_FIELD, "mac"},
	{D_CMD, "{'v':1,'action':'unlock','seq':1,'time':5,'mac':'" MAC22 "'}", 0,
			SL_ERR_MISSING_FIELD, "expires"},
	{D_CMD, "{'v':1,'action':'unlock','seq':1,'time':5,'expires':6,'mac':'AAAAAAAAAAAAAAAAAAAA+/'}",
			0, SL_ERR_BAD_VALUE, "mac"},
	{D_CMD, "{'v':1,'action':'unlock','seq':1,'time':5,'expires':6,'req':'x','mac':'" MAC22 "'}",
			0, SL_ERR_WRONG_TYPE, "req"},
	/* lockStatus */
	{D_LST, "{'v':1,'seq':9007199254740992,'result':'ok','reason':'','state':'LOCKED',"
			"'time':5}", 0, SL_ERR_OUT_OF_RANGE, "seq"},
	{D_LST, "{'v':1,'seq':1,'result':'ok','reason':'','state':'OPEN','time':5}", 0,
			SL_ERR_BAD_VALUE, "state"},
	{D_LST, "{'v':1,'seq':1,'result':'ok','reason':'','state':'LOCKED','door':true,"
			"'time':5}", 0, SL_ERR_WRONG_TYPE, "door"},
	{D_LST, "{'v':1,'seq':1,'result':'ok','state':'LOCKED','time':5}", 0,
			SL_ERR_MISSING_FIELD, "reason"},
	{D_LST, "{'v':1,'seq':1,'result':'ok','reason':null,'state':'LOCKED','time':5}", 0,
			SL_ERR_WRONG_TYPE, "reason"},
	/* health */
	{D_HB, "{'v':1,'status':'online '}", 0, SL_ERR_BAD_VALUE, "status"},
	{D_HB, "{'v':1,'status':true}", 0, SL_ERR_WRONG_TYPE, "status"},
	{D_HB, "{'v':1,'status':'online','interval':86401}", 0, SL_ERR_OUT_OF_RANGE, "interval"},
	{D_HB, "{'v':1,'status':'online','uptime':-5}", 0, SL_ERR_OUT_OF_RANGE, "uptime"},
	{D_HB, "{'v':1,'status':'online','seq':-1}", 0, SL_ERR_OUT_OF_RANGE, "seq"},
	{D_HB, "{'v':1,'status':'online','seq':9007199254740992}", 0, SL_ERR_OUT_OF_RANGE, "seq"},
	{D_HB, "{'v':1,'status':'online','seq':'42'}", 0, SL_ERR_WRONG_TYPE, "seq"},
	{D_HB, "{'v':1,'status':'online','seq':4.5}", 0, SL_ERR_OUT_OF_RANGE, "seq"},
	/* state */
	{D_ST, "{'v':1,'state':'LOCKED','online':'true'}", 0, SL_ERR_WRONG_TYPE, "online"},
	{D_ST, "{'v':1,'state':'LOCKED','online':1}", 0, SL_ERR_WRONG_TYPE, "online"},
	{D_ST, "{'v':1,'state':'LOCKED','online':[true]}", 0, SL_ERR_WRONG_TYPE, "online"},
	{D_ST, "{'v':1,'state':'LOCKED','by':'own er','online':true}", 0,
			SL_ERR_BAD_VALUE, "by"},
	{D_ST, "{'v':1,'state':'LOCKED'}", 0, SL_ERR_MISSING_FIELD, "online"},
	/* securityAlert */
	{D_ALR, "{'v':1,'kind':'fire','time':5}", 0, SL_ERR_BAD_VALUE, "kind"},
	{D_ALR, "{'v':1,'kind':'lockout','time':5,'source':'" X160 "'}", 0,
			SL_ERR_TOO_LONG, "source"},
	{D_ALR, "{'v':1,'kind':'lockout','time':5,'user':'" NAME33 "'}", 0,
			SL_ERR_TOO_LONG, "user"},
	{D_ALR, "{'v':1,'kind':'lockout','time':5,'lock':'_site'}", 0, SL_ERR_BAD_VALUE, "lock"},
	{D_ALR, "{'v':1,'kind':'lockout','time':'now'}", 0, SL_ERR_WRONG_TYPE, "time"},
	/* admin */
	{D_AREQ, "{'v':1,'op':'user-delete','time':5,'mac':'" MAC22 "'}", 0,
			SL_ERR_BAD_VALUE, "op"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'role':'admin','mac':'" MAC22 "'}", 0,
			SL_ERR_BAD_VALUE, "role"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'uses':1000001,'mac':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "uses"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'locks':'front-door,,back','mac':'"
			MAC22 "'}", 0, SL_ERR_BAD_VALUE, "locks"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'locks':'*,front-door','mac':'" MAC22 "'}",
			0, SL_ERR_BAD_VALUE, "locks"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'locks':'','mac':'" MAC22 "'}", 0,
			SL_ERR_BAD_VALUE, "locks"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'name':'a/b','mac':'" MAC22 "'}", 0,
			SL_ERR_BAD_VALUE, "name"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'schedule':'" X10 X10 X10 X10 X10 X10 X10
			X10 X10 "xxxxxx','mac':'" MAC22 "'}", 0, SL_ERR_TOO_LONG, "schedule"},
	{D_AREQ, "{'v':1,'op':'user-add','time':5,'locks':'" X160 "','mac':'" MAC22 "'}", 0,
			SL_ERR_TOO_LONG, "locks"},
	{D_AREQ, "{'v':1,'op':'log-page','time':5,'count':0,'mac':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "count"},
	{D_AREQ, "{'v':1,'op':'log-page','time':5,'cursor':-0.5,'mac':'" MAC22 "'}", 0,
			SL_ERR_OUT_OF_RANGE, "cursor"},
	{D_AREQ, "{'v':1,'op':'user-list','mac':'" MAC22 "'}", 0, SL_ERR_MISSING_FIELD, "time"},
	{D_AREQ, "{'v':1,'op':'user-list','time':5,'mac':''}", 0, SL_ERR_BAD_VALUE, "mac"},
	/* adminRes */
	{D_ARES, "{'v':1,'id':1,'op':'user-list','result':'ok','reason':'',"
			"'data':{'k':'\\u0000'}}", 0, SL_ERR_CONTROL_CHAR, "data"},
	{D_ARES, "{'v':1,'id':1,'op':'user-list','result':'progress','reason':''}", 0,
			SL_ERR_BAD_VALUE, "result"},
	{D_ARES, "{'v':1,'id':1,'op':7,'result':'ok','reason':''}", 0, SL_ERR_WRONG_TYPE, "op"},
	{D_ARES, "{'v':1,'id':1,'op':'user-list','result':'ok','reason':'','data':{},"
			"'data':[]}", 0, SL_ERR_DUPLICATE_FIELD, "data"},
	/* loginFailed */
	{D_LOGIN, "{'v':1,'addr':'" X10 X10 X10 X10 X10 X10 "xxxx','reason':'anonymous',"
			"'time':5}", 0, SL_ERR_TOO_LONG, "addr"},
	{D_LOGIN, "{'v':1,'addr':'192.0.2.7','reason':'bad-pw','time':5}", 0,
			SL_ERR_BAD_VALUE, "reason"},
	{D_LOGIN, "{'v':1,'user':'\\u0007','addr':'192.0.2.7','reason':'bad-password',"
			"'time':5}", 0, SL_ERR_CONTROL_CHAR, "user"},
	{D_LOGIN, "{'v':1,'reason':'bad-password','time':5}", 0, SL_ERR_MISSING_FIELD, "addr"},
	{D_LOGIN, "{'v':1,'addr':'192.0.2.7','reason':'bad-password','time':-1e999}", 0,
			SL_ERR_OUT_OF_RANGE, "time"},
};

/* A copy of len bytes of s with every ' turned into ". */
static char *unquote(const char *s, size_t len)
{
	char *out = malloc(len + 1);

	assert_non_null(out);
	for (size_t i = 0; i < len; i++)
		out[i] = s[i] == '\'' ? '"' : s[i];
	out[len] = '\0';
	return out;
}

static void test_malformed_table(void **state)
{
	size_t failures = 0;

	(void)state;
	assert_true(ARRAY_LEN(bad_cases) >= 60);
	for (size_t i = 0; i < ARRAY_LEN(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		size_t len = c->len ? c->len : strlen(c->payload);
		char *buf = unquote(c->payload, len);
		struct sl_proto_error err;
		enum sl_err rc;

		memset(&err, 0x55, sizeof(err));
		rc = run_decoder(c->dec, buf, len, &err);
		if (rc != c->code || err.code != rc || strcmp(err.field, c->field) != 0) {
			print_error("case %zu (%s): got %s/\"%.24s\", want %s/\"%s\"\n", i,
					c->payload, sl_errname(rc), err.field,
					sl_errname(c->code), c->field);
			failures++;
		}
		free(buf);
	}
	assert_int_equal(failures, 0);
}

#define RES_BASE "{\"v\":1,\"id\":1,\"result\":\"ok\",\"reason\":\"\"}"
#define ARES_BASE "{\"v\":1,\"id\":1,\"op\":\"user-list\",\"result\":\"ok\",\"reason\":\"\"}"

/* A valid payload padded with blanks to exactly len bytes. */
static char *padded(const char *base, size_t len)
{
	char *buf = malloc(len);

	assert_non_null(buf);
	assert_true(len >= strlen(base));
	memset(buf, ' ', len);
	memcpy(buf, base, strlen(base));
	return buf;
}

/* An adminRes of len bytes whose data is one string of n x's. */
static char *admin_res_with_data(size_t n, size_t *len)
{
	static const char head[] = "{\"v\":1,\"id\":1,\"op\":\"log-page\",\"result\":\"ok\","
			"\"reason\":\"\",\"data\":\"";
	char *buf = malloc(sizeof(head) + n + 2);

	assert_non_null(buf);
	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'x', n);
	memcpy(buf + sizeof(head) - 1 + n, "\"}", 2);
	*len = sizeof(head) - 1 + n + 2;
	return buf;
}

static void test_sizes(void **state)
{
	struct sl_proto_error err;
	struct sl_response res;
	struct sl_admin_res ares;
	size_t len;
	char *buf;

	(void)state;
	/* exactly the limit is accepted, one byte more is not */
	buf = padded(RES_BASE, SL_PAYLOAD_MAX);
	assert_int_equal(proto_decode_response(buf, SL_PAYLOAD_MAX, &res, &err), SL_OK);
	free(buf);
	buf = padded(RES_BASE, SL_PAYLOAD_MAX + 1);
	assert_int_equal(proto_decode_response(buf, SL_PAYLOAD_MAX + 1, &res, &err),
			SL_ERR_TOO_LARGE);
	assert_string_equal(err.field, "");
	free(buf);

	/* 1 MB to every decoder */
	buf = padded(RES_BASE, 1024 * 1024);
	for (int d = D_REQ; d <= D_LOGIN; d++) {
		assert_int_equal(run_decoder((enum decoder)d, buf, 1024 * 1024, &err),
				SL_ERR_TOO_LARGE);
		assert_int_equal(err.code, SL_ERR_TOO_LARGE);
	}
	free(buf);

	/* admin answers have their own, larger limit */
	buf = padded(ARES_BASE, SL_ADMIN_RES_MAX);
	assert_int_equal(proto_decode_admin_res(buf, SL_ADMIN_RES_MAX, &ares, &err), SL_OK);
	assert_null(ares.data_json);
	free(buf);
	buf = padded(ARES_BASE, SL_ADMIN_RES_MAX + 1);
	assert_int_equal(proto_decode_admin_res(buf, SL_ADMIN_RES_MAX + 1, &ares, &err),
			SL_ERR_TOO_LARGE);
	free(buf);

	/* data up to SL_ADMIN_DATA_MAX (compact) is kept; more is too large */
	buf = admin_res_with_data(SL_ADMIN_DATA_MAX - 2, &len);
	assert_int_equal(proto_decode_admin_res(buf, len, &ares, &err), SL_OK);
	assert_int_equal(strlen(ares.data_json), SL_ADMIN_DATA_MAX);
	proto_admin_res_finish(&ares);
	free(buf);
	buf = admin_res_with_data(SL_ADMIN_DATA_MAX - 1, &len);
	assert_true(len <= SL_ADMIN_RES_MAX);
	assert_int_equal(proto_decode_admin_res(buf, len, &ares, &err), SL_ERR_TOO_LARGE);
	assert_string_equal(err.field, "data");
	assert_null(ares.data_json);
	free(buf);
}

/* Payloads that look odd but are valid. */
static void test_decode_accepts(void **state)
{
	struct sl_request req;
	struct sl_response res;
	struct sl_heartbeat hb;
	struct sl_admin_res ares;
	struct sl_login_failed lf;
	const char *p;

	(void)state;
	p = " {\r\n\t\"m\" : \"" MAC22 "\" , \"t\":1.795000000123e12,\"a\":\"status\","
			"\"v\":1.0 } \n";
	assert_int_equal(proto_decode_request(p, strlen(p), &req, NULL), SL_OK);
	assert_int_equal(req.action, SL_ACTION_STATUS);
	assert_int_equal(req.t, T0);
	assert_string_equal(req.mac, MAC22);

	p = "{\"v\":1,\"id\":1,\"result\":\"ok\",\"reason\":\"\","
			"\"msg\":\"\\u00e9\\ud83d\\ude00\\/\\\"\\\\ \xe2\x9c\x93\"}";
	assert_int_equal(proto_decode_response(p, strlen(p), &res, NULL), SL_OK);
	assert_string_equal(res.msg, "\xc3\xa9\xf0\x9f\x98\x80/\"\\ \xe2\x9c\x93");

	p = "{\"v\":1e0,\"status\":\"online\",\"commands\":1E2,\"state\":\"UNKNOWN\"}";
	assert_int_equal(proto_decode_heartbeat(p, strlen(p), &hb, NULL), SL_OK);
	assert_true(hb.online);
	assert_int_equal(hb.commands, 100);
	assert_int_equal(hb.state, SL_STATE_UNKNOWN);

	p = "{\"v\":1,\"id\":1,\"op\":\"log-page\",\"result\":\"ok\",\"reason\":\"\","
			"\"data\":null}";
	assert_int_equal(proto_decode_admin_res(p, strlen(p), &ares, NULL), SL_OK);
	assert_string_equal(ares.data_json, "null");
	proto_admin_res_finish(&ares);

	p = "{\"v\":1,\"addr\":\"\",\"reason\":\"anonymous\",\"time\":0}";
	assert_int_equal(proto_decode_login_failed(p, strlen(p), &lf, NULL), SL_OK);
	assert_string_equal(lf.user, "");
	assert_string_equal(lf.addr, "");
	assert_int_equal(lf.reason, SL_LOGIN_ANONYMOUS);
}

/* On failure the output is zeroed and nothing is left allocated. */
static void test_decode_failure_clears(void **state)
{
	struct sl_request req;
	struct sl_admin_res ares;
	struct sl_proto_error err;
	const char *p;

	(void)state;
	p = "{\"v\":1,\"a\":\"unlock\",\"m\":\"" MAC22 "\",\"t\":-3}";
	memset(&req, 0x7f, sizeof(req));
	assert_int_equal(proto_decode_request(p, strlen(p), &req, &err), SL_ERR_OUT_OF_RANGE);
	assert_int_equal(req.action, 0);
	assert_int_equal(req.t, 0);
	assert_string_equal(req.mac, "");

	p = "{\"v\":1,\"id\":1,\"op\":\"log-page\",\"result\":\"ok\",\"data\":[1,2],"
			"\"reason\":\"nope\"}";
	assert_int_equal(proto_decode_admin_res(p, strlen(p), &ares, &err), SL_ERR_BAD_VALUE);
	assert_string_equal(err.field, "reason");
	assert_null(ares.data_json);

	assert_int_equal(proto_decode_request(NULL, 5, &req, NULL), SL_ERR_INVAL);
	assert_int_equal(proto_decode_request("{}", 2, NULL, &err), SL_ERR_INVAL);
}

/* ---- signing ---- */

static void test_sign_canonical_request(void **state)
{
	static const char canon[] = REQ_TOPIC "\na=unlock\nt=1795000000123\nv=1\n";
	struct sl_request r = {.action = SL_ACTION_UNLOCK, .t = T0};
	char expect[SL_MAC_CHARS + 1];
	struct sl_key key;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(sign_mac(&key, canon, sizeof(canon) - 1, expect), SL_OK);
	assert_int_equal(proto_sign_request(&key, REQ_TOPIC, &r), SL_OK);
	assert_string_equal(r.mac, expect);
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &r), SL_OK);
}

static void test_sign_canonical_command(void **state)
{
	static const char canon[] = CMD_TOPIC "\naction=unlock\nexpires=1795000005200\n"
			"req=1795000000123\nseq=42\ntime=1795000000200\nuser=owner\nv=1\n";
	static const char canon_min[] = CMD_TOPIC "\naction=lock\nexpires=10\nseq=43\ntime=9\n"
			"v=1\n";
	struct sl_command c = {.action = SL_ACTION_UNLOCK, .seq = 42,
		.time = INT64_C(1795000000200), .expires = INT64_C(1795000005200),
		.user = "owner", .req = T0};
	struct sl_command m = {.action = SL_ACTION_LOCK, .seq = 43, .time = 9, .expires = 10};
	char expect[SL_MAC_CHARS + 1];
	struct sl_key key;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(sign_mac(&key, canon, sizeof(canon) - 1, expect), SL_OK);
	assert_int_equal(proto_sign_command(&key, CMD_TOPIC, &c), SL_OK);
	assert_string_equal(c.mac, expect);
	/* absent optional fields are not in the string */
	assert_int_equal(sign_mac(&key, canon_min, sizeof(canon_min) - 1, expect), SL_OK);
	assert_int_equal(proto_sign_command(&key, CMD_TOPIC, &m), SL_OK);
	assert_string_equal(m.mac, expect);
}

static void test_sign_canonical_admin(void **state)
{
	static const char canon[] = ADMIN_TOPIC "\ncount=50\ncursor=0\nop=log-page\n"
			"time=1795000000123\nv=1\n";
	struct sl_admin_req a = {.op = SL_ADMIN_LOG_PAGE, .time = T0,
		.has_cursor = true, .cursor = 0, .has_count = true, .count = 50,
		.has_uses = false, .uses = 99};
	char expect[SL_MAC_CHARS + 1];
	struct sl_key key;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(sign_mac(&key, canon, sizeof(canon) - 1, expect), SL_OK);
	assert_int_equal(proto_sign_admin_req(&key, ADMIN_TOPIC, &a), SL_OK);
	assert_string_equal(a.mac, expect);
}

static void test_verify_request_tamper(void **state)
{
	struct sl_request r = {.action = SL_ACTION_UNLOCK, .t = T0};
	struct sl_request t;
	struct sl_key key, other;

	(void)state;
	load_key(&key, KEY_HEX);
	load_key(&other, KEY2_HEX);
	assert_int_equal(proto_sign_request(&key, REQ_TOPIC, &r), SL_OK);
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &r), SL_OK);

	t = r;
	t.action = SL_ACTION_LOCK;
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &t), SL_ERR_BAD_MAC);
	t = r;
	t.t++;
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &t), SL_ERR_BAD_MAC);
	for (size_t i = 0; i < SL_MAC_CHARS; i++) {
		t = r;
		t.mac[i] = t.mac[i] == 'B' ? 'C' : 'B';
		assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &t), SL_ERR_BAD_MAC);
	}
	t = r;
	t.mac[0] = '\0';
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &t), SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_request(&key, "smartlock/front-door/lockReq/gina", &r),
			SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_request(&key, "smartlock/back-door/lockReq/owner", &r),
			SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_request(&other, REQ_TOPIC, &r), SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_request(NULL, REQ_TOPIC, &r), SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_request(&key, NULL, &r), SL_ERR_BAD_MAC);

	/* nothing unfit to send is signed */
	t = r;
	t.action = SL_ACTION_RESET;
	assert_int_equal(proto_sign_request(&key, REQ_TOPIC, &t), SL_ERR_INVAL);
	assert_int_equal(proto_sign_request(&key, "bad\ntopic", &r), SL_ERR_INVAL);
}

static void test_verify_command_tamper(void **state)
{
	struct sl_command c = {.action = SL_ACTION_UNLOCK, .seq = 42,
		.time = INT64_C(1795000000200), .expires = INT64_C(1795000005200),
		.user = "owner", .req = T0};
	struct sl_command t;
	struct sl_key key, other;

	(void)state;
	load_key(&key, KEY_HEX);
	load_key(&other, KEY2_HEX);
	assert_int_equal(proto_sign_command(&key, CMD_TOPIC, &c), SL_OK);
	assert_int_equal(proto_verify_command(&key, CMD_TOPIC, &c), SL_OK);
	for (int i = 0; i < 8; i++) {
		t = c;
		switch (i) {
		case 0: t.action = SL_ACTION_LOCK; break;
		case 1: t.seq++; break;
		case 2: t.time--; break;
		case 3: strcpy(t.user, "gina"); break;
		case 4: t.user[0] = '\0'; break;
		case 5: t.req = 0; break;
		case 6: t.mac[5] = t.mac[5] == 'x' ? 'y' : 'x'; break;
		case 7: t.expires++; break;
		}
		assert_int_equal(proto_verify_command(&key, CMD_TOPIC, &t), SL_ERR_BAD_MAC);
	}
	assert_int_equal(proto_verify_command(&key, "smartlock/back-door/lock", &c),
			SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_command(&other, CMD_TOPIC, &c), SL_ERR_BAD_MAC);
}

/* Change one thing of a signed admin request; false when out of changes. */
static bool mutate_admin(struct sl_admin_req *a, int which)
{
	switch (which) {
	case 0: a->op = SL_ADMIN_USER_UPDATE; break;
	case 1: a->time++; break;
	case 2: strcpy(a->name, "gino"); break;
	case 3: a->name[0] = '\0'; break;
	case 4: a->role = SL_ROLE_RESIDENT; break;
	case 5: a->has_role = false; break;
	case 6: a->from++; break;
	case 7: a->has_from = false; break;
	case 8: a->until--; break;
	case 9: a->has_until = false; break;
	case 10: strcpy(a->schedule, "Sa 09:00-18:00"); break;
	case 11: a->has_schedule = false; break;
	case 12: a->uses = 4; break;
	case 13: a->has_uses = false; break;
	case 14: strcpy(a->locks, "front-door"); break;
	case 15: a->has_locks = false; break;
	case 16: a->cursor = 1; break;
	case 17: a->has_cursor = false; break;
	case 18: a->count = 51; break;
	case 19: a->has_count = false; break;
	case 20: a->mac[21] = a->mac[21] == 'A' ? 'Q' : 'A'; break;
	default: return false;
	}
	return true;
}

static void test_verify_admin_tamper(void **state)
{
	struct sl_admin_req a = {
		.op = SL_ADMIN_USER_ADD, .time = T0, .name = "gina",
		.has_role = true, .role = SL_ROLE_GUEST,
		.has_from = true, .from = 1000, .has_until = true, .until = 2000,
		.has_schedule = true, .schedule = "Sa,Su 09:00-18:00",
		.has_uses = true, .uses = 3, .has_locks = true, .locks = "front-door,back",
		.has_cursor = true, .cursor = 0, .has_count = true, .count = 50,
	};
	struct sl_admin_req t;
	struct sl_key key, other;
	int changes = 0;

	(void)state;
	load_key(&key, KEY_HEX);
	load_key(&other, KEY2_HEX);
	assert_int_equal(proto_sign_admin_req(&key, ADMIN_TOPIC, &a), SL_OK);
	assert_int_equal(proto_verify_admin_req(&key, ADMIN_TOPIC, &a), SL_OK);
	for (int i = 0;; i++) {
		t = a;
		if (!mutate_admin(&t, i))
			break;
		assert_int_equal(proto_verify_admin_req(&key, ADMIN_TOPIC, &t), SL_ERR_BAD_MAC);
		changes++;
	}
	assert_int_equal(changes, 21);
	/* a has_* flag off hides the value: changing it then changes nothing */
	t = a;
	t.has_uses = false;
	assert_int_equal(proto_sign_admin_req(&key, ADMIN_TOPIC, &t), SL_OK);
	t.uses = 77;
	assert_int_equal(proto_verify_admin_req(&key, ADMIN_TOPIC, &t), SL_OK);
	assert_int_equal(proto_verify_admin_req(&key, "smartlock/front-door/admin/eve", &a),
			SL_ERR_BAD_MAC);
	assert_int_equal(proto_verify_admin_req(&other, ADMIN_TOPIC, &a), SL_ERR_BAD_MAC);
}

/* The signed examples of smartlock-protocol(7), byte for byte. */
static void test_man_page_examples(void **state)
{
	struct sl_request r = {.action = SL_ACTION_UNLOCK, .t = T0};
	struct sl_command c = {.action = SL_ACTION_UNLOCK, .seq = 42,
		.time = INT64_C(1795000000200), .expires = INT64_C(1795000005200),
		.user = "owner", .req = T0};
	struct sl_admin_req a = {
		.op = SL_ADMIN_USER_ADD, .time = T0, .name = "gina",
		.has_role = true, .role = SL_ROLE_GUEST,
		.has_from = true, .from = INT64_C(1795000000000),
		.has_until = true, .until = INT64_C(1795600000000),
		.has_schedule = true, .schedule = "Sa,Su 09:00-18:00",
		.has_uses = true, .uses = 3, .has_locks = true, .locks = "front-door",
	};
	struct sl_key key;
	char *text;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(proto_sign_request(&key, REQ_TOPIC, &r), SL_OK);
	text = proto_encode_request(&r);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"a\":\"unlock\",\"t\":1795000000123,"
			"\"m\":\"0HgbF39UYHkfbGmdUy2cYg\"}");
	free(text);

	assert_int_equal(proto_sign_command(&key, CMD_TOPIC, &c), SL_OK);
	text = proto_encode_command(&c);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"action\":\"unlock\",\"seq\":42,"
			"\"time\":1795000000200,\"expires\":1795000005200,\"user\":\"owner\","
			"\"req\":1795000000123,\"mac\":\"QkYomxXOTpLbUKy-bxMb2A\"}");
	free(text);

	assert_int_equal(proto_sign_admin_req(&key, ADMIN_TOPIC, &a), SL_OK);
	text = proto_encode_admin_req(&a);
	assert_non_null(text);
	assert_string_equal(text, "{\"v\":1,\"op\":\"user-add\",\"time\":1795000000123,"
			"\"name\":\"gina\",\"role\":\"guest\",\"from\":1795000000000,"
			"\"until\":1795600000000,\"schedule\":\"Sa,Su 09:00-18:00\",\"uses\":3,"
			"\"locks\":\"front-door\",\"mac\":\"7muDz8bu7Ns5jMQuHfz3KQ\"}");
	free(text);
}

/* The path a request really takes: sign, encode, decode, verify. */
static void test_sign_over_the_wire(void **state)
{
	struct sl_request r = {.action = SL_ACTION_UNLOCK, .t = T0};
	struct sl_request got;
	struct sl_key key;
	char *text;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(proto_sign_request(&key, REQ_TOPIC, &r), SL_OK);
	text = proto_encode_request(&r);
	assert_non_null(text);
	assert_int_equal(proto_decode_request(text, strlen(text), &got, NULL), SL_OK);
	assert_int_equal(proto_verify_request(&key, REQ_TOPIC, &got), SL_OK);
	free(text);
}

/* The seed paper's largest packet: a signed request's PUBLISH fits 108
 * bytes (fixed header 2, topic length 2, topic, packet id 2, payload). */
static void test_request_publish_size(void **state)
{
	static const enum sl_action actions[] = {
		SL_ACTION_LOCK, SL_ACTION_UNLOCK, SL_ACTION_STATUS,
	};
	char topic[SL_TOPIC_MAX];
	struct sl_key key;

	(void)state;
	load_key(&key, KEY_HEX);
	assert_int_equal(topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ,
			"front-door", "owner"), SL_OK);
	assert_string_equal(topic, REQ_TOPIC);
	for (size_t i = 0; i < ARRAY_LEN(actions); i++) {
		struct sl_request r = {.action = actions[i], .t = time_now_ms()};
		char digits[24];
		size_t packet;
		char *text;

		assert_int_equal(snprintf(digits, sizeof(digits), "%" PRId64, r.t), 13);
		assert_int_equal(proto_sign_request(&key, topic, &r), SL_OK);
		text = proto_encode_request(&r);
		assert_non_null(text);
		packet = 2 + 2 + strlen(topic) + 2 + strlen(text);
		assert_true(packet <= 108);
		free(text);
	}
}

/* ---- wire names ---- */

static void test_names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < SL_ACTION_COUNT_; i++) {
		enum sl_action v = SL_ACTION_COUNT_;

		assert_non_null(proto_action_name((enum sl_action)i));
		assert_int_equal(proto_action_parse(proto_action_name((enum sl_action)i), &v), SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_STATE_COUNT_; i++) {
		enum sl_lock_state v = SL_STATE_COUNT_;

		assert_non_null(proto_state_name((enum sl_lock_state)i));
		assert_int_equal(proto_state_parse(proto_state_name((enum sl_lock_state)i), &v),
				SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_DOOR_COUNT_; i++) {
		enum sl_door v = SL_DOOR_COUNT_;

		assert_non_null(proto_door_name((enum sl_door)i));
		assert_int_equal(proto_door_parse(proto_door_name((enum sl_door)i), &v), SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_ROLE_COUNT_; i++) {
		enum sl_role v = SL_ROLE_COUNT_;

		assert_non_null(proto_role_name((enum sl_role)i));
		assert_int_equal(proto_role_parse(proto_role_name((enum sl_role)i), &v), SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_RESULT_COUNT_; i++) {
		enum sl_result v = SL_RESULT_COUNT_;

		assert_non_null(proto_result_name((enum sl_result)i));
		assert_int_equal(proto_result_parse(proto_result_name((enum sl_result)i), &v),
				SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_REASON_COUNT_; i++) {
		enum sl_reason v = SL_REASON_COUNT_;

		assert_non_null(proto_reason_name((enum sl_reason)i));
		assert_int_equal(proto_reason_parse(proto_reason_name((enum sl_reason)i), &v),
				SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_ALERT_COUNT_; i++) {
		enum sl_alert_kind v = SL_ALERT_COUNT_;

		assert_non_null(proto_alert_name((enum sl_alert_kind)i));
		assert_int_equal(proto_alert_parse(proto_alert_name((enum sl_alert_kind)i), &v),
				SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_ADMIN_OP_COUNT_; i++) {
		enum sl_admin_op v = SL_ADMIN_OP_COUNT_;

		assert_non_null(proto_admin_op_name((enum sl_admin_op)i));
		assert_int_equal(proto_admin_op_parse(proto_admin_op_name((enum sl_admin_op)i),
				&v), SL_OK);
		assert_int_equal(v, i);
	}
	for (int i = 0; i < SL_LOGIN_REASON_COUNT_; i++) {
		enum sl_login_reason v = SL_LOGIN_REASON_COUNT_;

		assert_non_null(proto_login_reason_name((enum sl_login_reason)i));
		assert_int_equal(proto_login_reason_parse(
				proto_login_reason_name((enum sl_login_reason)i), &v), SL_OK);
		assert_int_equal(v, i);
	}
}

static void test_names_wire_and_bounds(void **state)
{
	enum sl_action a = SL_ACTION_LOCK;
	enum sl_reason r = SL_REASON_BUSY;

	(void)state;
	assert_string_equal(proto_action_name(SL_ACTION_UNLOCK), "unlock");
	assert_string_equal(proto_state_name(SL_STATE_JAMMED), "JAMMED");
	assert_string_equal(proto_door_name(SL_DOOR_UNKNOWN), "unknown");
	assert_string_equal(proto_role_name(SL_ROLE_RESIDENT), "resident");
	assert_string_equal(proto_result_name(SL_RESULT_PROGRESS), "progress");
	assert_string_equal(proto_reason_name(SL_REASON_NONE), "");
	assert_string_equal(proto_reason_name(SL_REASON_OUTSIDE_SCHEDULE), "outside-schedule");
	assert_string_equal(proto_reason_name(SL_REASON_BAD_REQUEST), "bad-request");
	assert_string_equal(proto_alert_name(SL_ALERT_AUDIT_FAILURE), "audit-failure");
	assert_string_equal(proto_admin_op_name(SL_ADMIN_LOG_PAGE), "log-page");
	assert_string_equal(proto_login_reason_name(SL_LOGIN_BAD_ORIGIN), "bad-origin");

	assert_null(proto_action_name(SL_ACTION_COUNT_));
	assert_null(proto_action_name((enum sl_action)-1));
	assert_null(proto_state_name(SL_STATE_COUNT_));
	assert_null(proto_door_name(SL_DOOR_COUNT_));
	assert_null(proto_role_name(SL_ROLE_COUNT_));
	assert_null(proto_result_name(SL_RESULT_COUNT_));
	assert_null(proto_reason_name(SL_REASON_COUNT_));
	assert_null(proto_alert_name(SL_ALERT_COUNT_));
	assert_null(proto_admin_op_name(SL_ADMIN_OP_COUNT_));
	assert_null(proto_login_reason_name(SL_LOGIN_REASON_COUNT_));

	/* a refused name leaves the output alone */
	assert_int_equal(proto_action_parse("Unlock", &a), SL_ERR_BAD_VALUE);
	assert_int_equal(a, SL_ACTION_LOCK);
	assert_int_equal(proto_action_parse(NULL, &a), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_action_parse("", &a), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_reason_parse("none", &r), SL_ERR_BAD_VALUE);
	assert_int_equal(r, SL_REASON_BUSY);
	assert_int_equal(proto_reason_parse("", &r), SL_OK);
	assert_int_equal(r, SL_REASON_NONE);
	assert_int_equal(proto_state_parse("locked", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_door_parse("ajar", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_role_parse("admin", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_result_parse("granted", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_alert_parse("fire", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_admin_op_parse("user-delete", NULL), SL_ERR_BAD_VALUE);
	assert_int_equal(proto_login_reason_parse("bad-pw", NULL), SL_ERR_BAD_VALUE);
}

/* ---- sanitizing ---- */

struct sanitize_case {
	const char *in;
	const char *out;
};

static const struct sanitize_case sanitize_cases[] = {
	{"plain text 123", "plain text 123"},
	{"", ""},
	{"a\x1b[2Jb", "a?[2Jb"},
	{"line1\nline2\r\t", "line1?line2??"},
	{"del\x7f", "del?"},
	{"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x92", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x94\x92"},
	{"\xff\xfe", "??"},
	{"\xc0\xaf", "??"},
	{"x\x80y", "x?y"},
	{"\xed\xa0\x80", "???"},
	{"end\xe2\x82", "end??"},
	{"\xf4\x90\x80\x80", "????"},
	{"c1:\xc2\x9b\x32J", "c1:?2J"},
	{"nbsp\xc2\xa0ok", "nbsp\xc2\xa0ok"},
};

static void test_sanitize_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(sanitize_cases); i++) {
		char buf[64];

		strcpy(buf, sanitize_cases[i].in);
		proto_sanitize_text(buf);
		assert_string_equal(buf, sanitize_cases[i].out);
	}
	proto_sanitize_text(NULL);
}

/* Whatever proto_sanitize_text leaves is accepted as a text field. */
static void test_sanitized_text_encodes(void **state)
{
	static const char *const dirty[] = {
		"\xff\xfe\x01\x1b[31m", "\xc2\x9b\x32J\xc2", "\xe2\x82", "ok\x7f\n",
		"\xed\xa0\x80\xf4\x90\x80\x80", "\xc3\xa9\xe2",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(dirty); i++) {
		struct sl_login_failed l = {.addr = "x", .time = 1};
		struct sl_login_failed out;
		char *text;

		strcpy(l.user, dirty[i]);
		assert_null(proto_encode_login_failed(&l));
		proto_sanitize_text(l.user);
		text = proto_encode_login_failed(&l);
		assert_non_null(text);
		assert_int_equal(proto_decode_login_failed(text, strlen(text), &out, NULL), SL_OK);
		assert_string_equal(out.user, l.user);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_request),
		cmocka_unit_test(test_round_trip_response),
		cmocka_unit_test(test_round_trip_command),
		cmocka_unit_test(test_round_trip_lock_status),
		cmocka_unit_test(test_round_trip_heartbeat),
		cmocka_unit_test(test_round_trip_state),
		cmocka_unit_test(test_round_trip_alert),
		cmocka_unit_test(test_round_trip_admin_req),
		cmocka_unit_test(test_round_trip_admin_res),
		cmocka_unit_test(test_round_trip_login_failed),
		cmocka_unit_test(test_encoders_refuse_invalid),
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_decode_accepts),
		cmocka_unit_test(test_decode_failure_clears),
		cmocka_unit_test(test_sign_canonical_request),
		cmocka_unit_test(test_sign_canonical_command),
		cmocka_unit_test(test_sign_canonical_admin),
		cmocka_unit_test(test_verify_request_tamper),
		cmocka_unit_test(test_verify_command_tamper),
		cmocka_unit_test(test_verify_admin_tamper),
		cmocka_unit_test(test_man_page_examples),
		cmocka_unit_test(test_sign_over_the_wire),
		cmocka_unit_test(test_request_publish_size),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_names_wire_and_bounds),
		cmocka_unit_test(test_sanitize_text),
		cmocka_unit_test(test_sanitized_text_encodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
