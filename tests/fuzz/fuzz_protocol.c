/* fuzz_protocol.c - libFuzzer target for the payload decoders: the first
 * byte picks one of the ten decoders, the rest is the payload. Whatever a
 * decoder accepts must encode again, and the encoding must decode to an
 * equal struct; anything else aborts. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* An accepted struct's text fields must be safe to print as they are. */
static void check_text(const char *s)
{
	char copy[SL_MSG_MAX];
	size_t n = strlen(s);

	check(n < sizeof(copy));
	memcpy(copy, s, n + 1);
	proto_sanitize_text(copy);
	check(str_eq(copy, s));
}

static void fuzz_request(const uint8_t *buf, size_t len)
{
	struct sl_request a, b;
	char *text;

	if (proto_decode_request(buf, len, &a, NULL) != SL_OK)
		return;
	text = proto_encode_request(&a);
	check(text != NULL);
	check(proto_decode_request(text, strlen(text), &b, NULL) == SL_OK);
	check(a.action == b.action && a.t == b.t && str_eq(a.mac, b.mac));
	free(text);
}

static void fuzz_response(const uint8_t *buf, size_t len)
{
	struct sl_response a, b;
	char *text;

	if (proto_decode_response(buf, len, &a, NULL) != SL_OK)
		return;
	check_text(a.msg);
	text = proto_encode_response(&a);
	check(text != NULL);
	check(proto_decode_response(text, strlen(text), &b, NULL) == SL_OK);
	check(a.id == b.id && a.result == b.result && a.reason == b.reason &&
			str_eq(a.msg, b.msg) && a.state == b.state && a.door == b.door &&
			a.until == b.until);
	free(text);
}

static void fuzz_command(const uint8_t *buf, size_t len)
{
	struct sl_command a, b;
	char *text;

	if (proto_decode_command(buf, len, &a, NULL) != SL_OK)
		return;
	text = proto_encode_command(&a);
	check(text != NULL);
	check(proto_decode_command(text, strlen(text), &b, NULL) == SL_OK);
	check(a.action == b.action && a.seq == b.seq && a.time == b.time &&
			str_eq(a.user, b.user) && a.req == b.req && str_eq(a.mac, b.mac) &&
			a.expires == b.expires);
	free(text);
}

static void fuzz_lock_status(const uint8_t *buf, size_t len)
{
	struct sl_lock_status a, b;
	char *text;

	if (proto_decode_lock_status(buf, len, &a, NULL) != SL_OK)
		return;
	text = proto_encode_lock_status(&a);
	check(text != NULL);
	check(proto_decode_lock_status(text, strlen(text), &b, NULL) == SL_OK);
	check(a.seq == b.seq && a.result == b.result && a.reason == b.reason &&
			a.state == b.state && a.door == b.door && a.time == b.time);
	free(text);
}

static void fuzz_heartbeat(const uint8_t *buf, size_t len)
{
	struct sl_heartbeat a, b;
	char *text;

	if (proto_decode_heartbeat(buf, len, &a, NULL) != SL_OK)
		return;
	text = proto_encode_heartbeat(&a);
	check(text != NULL);
	check(proto_decode_heartbeat(text, strlen(text), &b, NULL) == SL_OK);
	check(a.online == b.online && a.state == b.state && a.door == b.door &&
			a.uptime == b.uptime && a.interval == b.interval &&
			a.commands == b.commands && a.refused == b.refused &&
			a.time == b.time);
	free(text);
}

static void fuzz_state(const uint8_t *buf, size_t len)
{
	struct sl_state_msg a, b;
	char *text;

	if (proto_decode_state(buf, len, &a, NULL) != SL_OK)
		return;
	text = proto_encode_state(&a);
	check(text != NULL);
	check(proto_decode_state(text, strlen(text), &b, NULL) == SL_OK);
	check(a.state == b.state && a.door == b.door && str_eq(a.by, b.by) &&
			a.since == b.since && a.online == b.online);
	free(text);
}

static void fuzz_alert(const uint8_t *buf, size_t len)
{
	struct sl_alert a, b;
	char *text;

	if (proto_decode_alert(buf, len, &a, NULL) != SL_OK)
		return;
	check_text(a.user);
	check_text(a.source);
	check_text(a.msg);
	text = proto_encode_alert(&a);
	check(text != NULL);
	check(proto_decode_alert(text, strlen(text), &b, NULL) == SL_OK);
	check(a.kind == b.kind && str_eq(a.lock, b.lock) && str_eq(a.user, b.user) &&
			str_eq(a.source, b.source) && str_eq(a.msg, b.msg) &&
			a.until == b.until && a.time == b.time);
	free(text);
}

static void fuzz_admin_req(const uint8_t *buf, size_t len)
{
	struct sl_admin_req a, b;
	char *text;

	if (proto_decode_admin_req(buf, len, &a, NULL) != SL_OK)
		return;
	check_text(a.schedule);
	text = proto_encode_admin_req(&a);
	check(text != NULL);
	check(proto_decode_admin_req(text, strlen(text), &b, NULL) == SL_OK);
	check(a.op == b.op && a.time == b.time && str_eq(a.name, b.name) &&
			a.has_role == b.has_role && a.role == b.role &&
			a.has_from == b.has_from && a.from == b.from &&
			a.has_until == b.has_until && a.until == b.until &&
			a.has_schedule == b.has_schedule && str_eq(a.schedule, b.schedule) &&
			a.has_uses == b.has_uses && a.uses == b.uses &&
			a.has_locks == b.has_locks && str_eq(a.locks, b.locks) &&
			a.has_cursor == b.has_cursor && a.cursor == b.cursor &&
			a.has_count == b.has_count && a.count == b.count &&
			str_eq(a.mac, b.mac));
	free(text);
}

static void fuzz_admin_res(const uint8_t *buf, size_t len)
{
	struct sl_admin_res a, b;
	char *text;

	if (proto_decode_admin_res(buf, len, &a, NULL) != SL_OK) {
		check(a.data_json == NULL);
		return;
	}
	check_text(a.msg);
	text = proto_encode_admin_res(&a);
	check(text != NULL);
	check(proto_decode_admin_res(text, strlen(text), &b, NULL) == SL_OK);
	check(a.id == b.id && a.op == b.op && a.result == b.result &&
			a.reason == b.reason && str_eq(a.msg, b.msg));
	check((a.data_json == NULL) == (b.data_json == NULL));
	check(!a.data_json || str_eq(a.data_json, b.data_json));
	proto_admin_res_finish(&a);
	proto_admin_res_finish(&b);
	free(text);
}

static void fuzz_login_failed(const uint8_t *buf, size_t len)
{
	struct sl_login_failed a, b;
	char *text;

	if (proto_decode_login_failed(buf, len, &a, NULL) != SL_OK)
		return;
	check_text(a.user);
	check_text(a.addr);
	text = proto_encode_login_failed(&a);
	check(text != NULL);
	check(proto_decode_login_failed(text, strlen(text), &b, NULL) == SL_OK);
	check(str_eq(a.user, b.user) && str_eq(a.addr, b.addr) &&
			a.reason == b.reason && a.time == b.time);
	free(text);
}

static void (*const targets[])(const uint8_t *buf, size_t len) = {
	fuzz_request, fuzz_response, fuzz_command, fuzz_lock_status,
	fuzz_heartbeat, fuzz_state, fuzz_alert, fuzz_admin_req, fuzz_admin_res,
	fuzz_login_failed,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	targets[data[0] % (sizeof(targets) / sizeof(targets[0]))](data + 1, size - 1);
	return 0;
}
