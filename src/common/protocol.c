/* protocol.c - strict encoders and decoders for every smartlock payload,
 * driven by one table of fields per message, and the canonical strings the
 * MACs of signed payloads cover. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/protocol.h"
#include "smartlock/utf8.h"

/* Largest magnitude of an integer on the wire: 2^53 - 1, the last integer
 * a JSON number (an IEEE double) carries exactly; 2^53 itself is refused
 * because 2^53 + 1 reads as the same double. */
#define JSON_INT_MAX INT64_C(9007199254740991)

/* Deepest nesting of objects and arrays in a payload (the top-level object
 * is depth 1); deeper payloads are refused as bad JSON. */
#define JSON_DEPTH_MAX 16

/* Longest number token; cJSON reads no more than this many characters. */
#define JSON_NUMBER_MAX 63

/* Longest canonical string of any signed message (topic included). */
#define CANON_MAX 1024

#define NO_MEMBER SIZE_MAX

/* ---- wire names of the enumerations ---- */

struct name_table {
	const char *const *names;       /* indexed by the enum value */
	unsigned count;
};

static const char *const action_names[SL_ACTION_COUNT_] = {
	[SL_ACTION_LOCK] = "lock",
	[SL_ACTION_UNLOCK] = "unlock",
	[SL_ACTION_STATUS] = "status",
	[SL_ACTION_HEARTBEAT] = "heartbeat",
	[SL_ACTION_RESET] = "reset",
};

static const char *const state_names[SL_STATE_COUNT_] = {
	[SL_STATE_UNKNOWN] = "UNKNOWN",
	[SL_STATE_LOCKED] = "LOCKED",
	[SL_STATE_UNLOCKED] = "UNLOCKED",
	[SL_STATE_LOCKING] = "LOCKING",
	[SL_STATE_UNLOCKING] = "UNLOCKING",
	[SL_STATE_JAMMED] = "JAMMED",
};

static const char *const door_names[SL_DOOR_COUNT_] = {
	[SL_DOOR_UNKNOWN] = "unknown",
	[SL_DOOR_CLOSED] = "closed",
	[SL_DOOR_OPEN] = "open",
};

static const char *const role_names[SL_ROLE_COUNT_] = {
	[SL_ROLE_OWNER] = "owner",
	[SL_ROLE_RESIDENT] = "resident",
	[SL_ROLE_GUEST] = "guest",
};

static const char *const result_names[SL_RESULT_COUNT_] = {
	[SL_RESULT_OK] = "ok",
	[SL_RESULT_DENIED] = "denied",
	[SL_RESULT_ERROR] = "error",
	[SL_RESULT_PROGRESS] = "progress",
};

static const char *const reason_names[SL_REASON_COUNT_] = {
	[SL_REASON_NONE] = "",
	[SL_REASON_BAD_SIGNATURE] = "bad-signature",
	[SL_REASON_STALE] = "stale",
	[SL_REASON_REPLAY] = "replay",
	[SL_REASON_UNKNOWN_USER] = "unknown-user",
	[SL_REASON_REVOKED] = "revoked",
	[SL_REASON_DISABLED] = "disabled",
	[SL_REASON_NOT_PERMITTED] = "not-permitted",
	[SL_REASON_OUTSIDE_WINDOW] = "outside-window",
	[SL_REASON_OUTSIDE_SCHEDULE] = "outside-schedule",
	[SL_REASON_USES_EXHAUSTED] = "uses-exhausted",
	[SL_REASON_RATE_LIMITED] = "rate-limited",
	[SL_REASON_LOCKED_OUT] = "locked-out",
	[SL_REASON_LOCK_OFFLINE] = "lock-offline",
	[SL_REASON_TIMEOUT] = "timeout",
	[SL_REASON_INTERNAL_ERROR] = "internal-error",
	[SL_REASON_MALFORMED] = "malformed",
	[SL_REASON_JAMMED] = "jammed",
	[SL_REASON_BUSY] = "busy",
	[SL_REASON_DOOR_OPEN] = "door-open",
	[SL_REASON_UNKNOWN_LOCK] = "unknown-lock",
	[SL_REASON_BAD_REQUEST] = "bad-request",
	[SL_REASON_EXPIRED] = "expired",
	[SL_REASON_CLOCK] = "clock",
};

static const char *const alert_names[SL_ALERT_COUNT_] = {
	[SL_ALERT_LOCKOUT] = "lockout",
	[SL_ALERT_SUSPICIOUS] = "suspicious",
	[SL_ALERT_LOCKOUT_CLEARED] = "lockout-cleared",
	[SL_ALERT_LOGIN_FAILED] = "login-failed",
	[SL_ALERT_LOCK_OFFLINE] = "lock-offline",
	[SL_ALERT_LOCK_ONLINE] = "lock-online",
	[SL_ALERT_JAMMED] = "jammed",
	[SL_ALERT_AUDIT_FAILURE] = "audit-failure",
	[SL_ALERT_RECOVERED] = "recovered",
	[SL_ALERT_DISK_LOW] = "disk-low",
	[SL_ALERT_ABUSE] = "abuse",
	[SL_ALERT_AUDIT_BUDGET] = "audit-budget",
	[SL_ALERT_UNEXPECTED_MOVE] = "unexpected-move",
	[SL_ALERT_CLOCK] = "clock",
	[SL_ALERT_ACKNOWLEDGED] = "acknowledged",
};

static const char *const admin_op_names[SL_ADMIN_OP_COUNT_] = {
	[SL_ADMIN_USER_LIST] = "user-list",
	[SL_ADMIN_USER_ADD] = "user-add",
	[SL_ADMIN_USER_UPDATE] = "user-update",
	[SL_ADMIN_USER_DISABLE] = "user-disable",
	[SL_ADMIN_USER_ENABLE] = "user-enable",
	[SL_ADMIN_USER_REVOKE] = "user-revoke",
	[SL_ADMIN_LOCKOUT_RESET] = "lockout-reset",
	[SL_ADMIN_HEALTH_CHECK] = "health-check",
	[SL_ADMIN_LOCK_RESET] = "lock-reset",
	[SL_ADMIN_LOG_PAGE] = "log-page",
	[SL_ADMIN_ALERT_TEST] = "alert-test",
	[SL_ADMIN_ALERT_LIST] = "alert-list",
	[SL_ADMIN_ALERT_ACK] = "alert-ack",
	[SL_ADMIN_ALERT_ACK_ALL] = "alert-ack-all",
};

static const char *const login_reason_names[SL_LOGIN_REASON_COUNT_] = {
	[SL_LOGIN_UNKNOWN_USER] = "unknown-user",
	[SL_LOGIN_BAD_PASSWORD] = "bad-password",
	[SL_LOGIN_BAD_ORIGIN] = "bad-origin",
	[SL_LOGIN_ANONYMOUS] = "anonymous",
	[SL_LOGIN_DISABLED] = "disabled",
};

/* health "status": index 1 is true (online). */
static const char *const status_names[2] = {"offline", "online"};

static const struct name_table action_table = {action_names, SL_ACTION_COUNT_};
static const struct name_table state_table = {state_names, SL_STATE_COUNT_};
static const struct name_table door_table = {door_names, SL_DOOR_COUNT_};
static const struct name_table role_table = {role_names, SL_ROLE_COUNT_};
static const struct name_table result_table = {result_names, SL_RESULT_COUNT_};
static const struct name_table reason_table = {reason_names, SL_REASON_COUNT_};
static const struct name_table alert_table = {alert_names, SL_ALERT_COUNT_};
static const struct name_table admin_op_table = {admin_op_names, SL_ADMIN_OP_COUNT_};
static const struct name_table login_reason_table = {login_reason_names,
		SL_LOGIN_REASON_COUNT_};
static const struct name_table status_table = {status_names, 2};

/* Enumerations are stored through the generic tables as an int. */
_Static_assert(sizeof(enum sl_action) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_lock_state) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_door) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_role) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_result) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_reason) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_alert_kind) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_admin_op) == sizeof(int), "enum size");
_Static_assert(sizeof(enum sl_login_reason) == sizeof(int), "enum size");

static const char *table_name(const struct name_table *t, unsigned v)
{
	return v < t->count ? t->names[v] : NULL;
}

static enum sl_err table_parse(const struct name_table *t, const char *s, unsigned *out)
{
	if (!s)
		return SL_ERR_BAD_VALUE;
	for (unsigned i = 0; i < t->count; i++) {
		if (strcmp(s, t->names[i]) == 0) {
			*out = i;
			return SL_OK;
		}
	}
	return SL_ERR_BAD_VALUE;
}

const char *proto_action_name(enum sl_action a)
{
	return table_name(&action_table, (unsigned)a);
}

enum sl_err proto_action_parse(const char *s, enum sl_action *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&action_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_action)v;
	return rc;
}

const char *proto_state_name(enum sl_lock_state s)
{
	return table_name(&state_table, (unsigned)s);
}

enum sl_err proto_state_parse(const char *s, enum sl_lock_state *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&state_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_lock_state)v;
	return rc;
}

const char *proto_door_name(enum sl_door d)
{
	return table_name(&door_table, (unsigned)d);
}

enum sl_err proto_door_parse(const char *s, enum sl_door *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&door_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_door)v;
	return rc;
}

const char *proto_role_name(enum sl_role r)
{
	return table_name(&role_table, (unsigned)r);
}

enum sl_err proto_role_parse(const char *s, enum sl_role *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&role_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_role)v;
	return rc;
}

const char *proto_result_name(enum sl_result r)
{
	return table_name(&result_table, (unsigned)r);
}

enum sl_err proto_result_parse(const char *s, enum sl_result *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&result_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_result)v;
	return rc;
}

const char *proto_reason_name(enum sl_reason r)
{
	return table_name(&reason_table, (unsigned)r);
}

enum sl_err proto_reason_parse(const char *s, enum sl_reason *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&reason_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_reason)v;
	return rc;
}

const char *proto_alert_name(enum sl_alert_kind k)
{
	return table_name(&alert_table, (unsigned)k);
}

enum sl_err proto_alert_parse(const char *s, enum sl_alert_kind *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&alert_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_alert_kind)v;
	return rc;
}

const char *proto_admin_op_name(enum sl_admin_op op)
{
	return table_name(&admin_op_table, (unsigned)op);
}

enum sl_err proto_admin_op_parse(const char *s, enum sl_admin_op *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&admin_op_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_admin_op)v;
	return rc;
}

const char *proto_login_reason_name(enum sl_login_reason r)
{
	return table_name(&login_reason_table, (unsigned)r);
}

enum sl_err proto_login_reason_parse(const char *s, enum sl_login_reason *out)
{
	unsigned v;
	enum sl_err rc = table_parse(&login_reason_table, s, &v);

	if (rc == SL_OK && out)
		*out = (enum sl_login_reason)v;
	return rc;
}

/* ---- UTF-8 ---- */

/* SL_OK, SL_ERR_BAD_UTF8 or SL_ERR_CONTROL_CHAR for the len bytes at s. */
static enum sl_err check_chars(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	while (len > 0) {
		size_t n = utf8_seq_len(p, len);

		if (n == 0)
			return SL_ERR_BAD_UTF8;
		if (utf8_is_control(p, n))
			return SL_ERR_CONTROL_CHAR;
		p += n;
		len -= n;
	}
	return SL_OK;
}

void proto_sanitize_text(char *s)
{
	utf8_sanitize(s);
}

/* ---- strict JSON syntax (RFC 8259) ----
 *
 * cJSON is lenient: it skips a byte-order mark, takes any byte <= 0x20 as
 * whitespace, accepts raw control characters in strings, numbers like
 * "01" or "1.", and cuts a string at an escaped NUL ("v\u0000x" becomes
 * "v"). So every payload is first checked here against the JSON grammar;
 * the scan also notes which top-level member holds an escaped NUL, and can
 * report where a member's value lies in the text. */

struct scan {
	const unsigned char *p, *end;
	unsigned depth_max;
	bool nul;               /* \u0000 in the current top-level member */
	bool any_nul;           /* \u0000 anywhere */
	size_t member;          /* index of the current top-level member */
	size_t nul_member;      /* first member with \u0000, or NO_MEMBER */
	bool nul_in_key;        /* ... in its key rather than its value */
	size_t target;          /* member whose value is wanted, or NO_MEMBER */
	const unsigned char *span, *span_end;
};

static void scan_init(struct scan *s, const void *buf, size_t len, unsigned depth_max,
		size_t target)
{
	memset(s, 0, sizeof(*s));
	s->p = buf;
	s->end = s->p + len;
	s->depth_max = depth_max;
	s->nul_member = NO_MEMBER;
	s->target = target;
}

static bool scan_value(struct scan *s, unsigned depth);

static void scan_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
			*s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static bool scan_hex4(struct scan *s, unsigned *out)
{
	unsigned v = 0;

	if (s->end - s->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		unsigned char c = *s->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

static bool scan_string(struct scan *s)
{
	static const char simple[] = "\"\\/bfnrt";

	s->p++;                 /* the opening quote */
	while (s->p < s->end) {
		unsigned char c = *s->p++;
		unsigned cp, low;

		if (c == '"')
			return true;
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (s->p >= s->end)
			return false;
		c = *s->p++;
		if (memchr(simple, c, sizeof(simple) - 1))
			continue;
		if (c != 'u' || !scan_hex4(s, &cp))
			return false;
		if (cp == 0) {
			s->nul = true;
			s->any_nul = true;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			return false;   /* lone low surrogate */
		} else if (cp >= 0xd800 && cp <= 0xdbff) {
			if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
				return false;
			s->p += 2;
			if (!scan_hex4(s, &low) || low < 0xdc00 || low > 0xdfff)
				return false;
		}
	}
	return false;
}

static size_t scan_digits(struct scan *s)
{
	size_t n = 0;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
		s->p++;
		n++;
	}
	return n;
}

static bool scan_number(struct scan *s)
{
	const unsigned char *start = s->p;

	if (*s->p == '-')
		s->p++;
	if (s->p >= s->end)
		return false;
	if (*s->p == '0')
		s->p++;
	else if (*s->p >= '1' && *s->p <= '9')
		scan_digits(s);
	else
		return false;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (scan_digits(s) == 0)
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (scan_digits(s) == 0)
			return false;
	}
	return s->p - start <= JSON_NUMBER_MAX;
}

static bool scan_literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return false;
	s->p += n;
	return true;
}

static bool scan_array(struct scan *s, unsigned depth)
{
	if (depth > s->depth_max)
		return false;
	s->p++;
	scan_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return true;
	}
	for (;;) {
		if (!scan_value(s, depth))
			return false;
		scan_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == ']') {
			s->p++;
			return true;
		}
		if (*s->p != ',')
			return false;
		s->p++;
		scan_ws(s);
	}
}

static bool scan_object(struct scan *s, unsigned depth)
{
	bool top = depth == 1;

	if (depth > s->depth_max)
		return false;
	s->p++;
	scan_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return true;
	}
	for (;;) {
		const unsigned char *start;
		bool key_nul;

		if (s->p >= s->end || *s->p != '"')
			return false;
		if (top)
			s->nul = false;
		if (!scan_string(s))
			return false;
		key_nul = s->nul;
		scan_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return false;
		s->p++;
		scan_ws(s);
		start = s->p;
		if (top)
			s->nul = false;
		if (!scan_value(s, depth))
			return false;
		if (top) {
			if (s->member == s->target) {
				s->span = start;
				s->span_end = s->p;
			}
			if ((key_nul || s->nul) && s->nul_member == NO_MEMBER) {
				s->nul_member = s->member;
				s->nul_in_key = key_nul;
			}
			s->member++;
		}
		scan_ws(s);
		if (s->p >= s->end)
			return false;
		if (*s->p == '}') {
			s->p++;
			return true;
		}
		if (*s->p != ',')
			return false;
		s->p++;
		scan_ws(s);
	}
}

static bool scan_value(struct scan *s, unsigned depth)
{
	if (s->p >= s->end)
		return false;
	switch (*s->p) {
	case '{':
		return scan_object(s, depth + 1);
	case '[':
		return scan_array(s, depth + 1);
	case '"':
		return scan_string(s);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		return scan_number(s);
	}
}

/* One JSON value with optional whitespace around it, nothing else. */
static bool scan_document(struct scan *s)
{
	scan_ws(s);
	if (!scan_value(s, 0))
		return false;
	scan_ws(s);
	return s->p == s->end;
}

/* A malloc'd copy of the JSON text at p without whitespace between tokens,
 * or NULL when out of memory. p must have passed scan_document(). */
static char *json_compact(const unsigned char *p, size_t len)
{
	char *out = malloc(len + 1);
	bool in_string = false, escaped = false;
	size_t o = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			continue;
		} else if (c == '"') {
			in_string = true;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* ---- the message tables ---- */

enum field_kind {
	FK_VERSION,     /* "v": an integer, SL_PROTOCOL_VERSION after the checks */
	FK_INT,         /* int64_t within [min, max] */
	FK_UINT,        /* uint64_t within [min, max] */
	FK_BOOL,        /* bool */
	FK_ENUM,        /* a name of *names (within allowed), stored as the enum */
	FK_ONLINE,      /* "online" / "offline", stored as bool */
	FK_TEXT,        /* char[size]: text without control characters */
	FK_NAME,        /* char[size]: a lock id or user name (topic.h) */
	FK_MAC,         /* char[size]: exactly SL_MAC_CHARS base64url characters */
	FK_LOCKS,       /* char[size]: "*" or comma-separated names */
	FK_JSON,        /* char *: any JSON value, kept as compact text */
};

enum field_need {
	NEED_OPTIONAL,  /* absent = the zero value; omitted when zero */
	NEED_REQUIRED,  /* always present */
	NEED_FLAGGED,   /* present exactly when the bool at flag is true */
};

struct field {
	const char *name;
	enum field_kind kind;
	enum field_need need;
	size_t offset;          /* of the value in the message struct */
	size_t flag;            /* NEED_FLAGGED: offset of its has_* bool */
	size_t size;            /* char arrays: their size, NUL included */
	int64_t min, max;       /* integers: inclusive range */
	const struct name_table *names;     /* FK_ENUM */
	unsigned allowed;       /* FK_ENUM: mask of accepted values, 0 = all */
};

struct message {
	const struct field *fields;     /* in the order they are encoded */
	size_t count;                   /* at most 32 */
	size_t size;                    /* sizeof the message struct */
	size_t max_len;                 /* largest payload accepted */
};

#define FIELDS_MAX 32

static const struct field request_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "a", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_request, action), .names = &action_table,
		.allowed = 1u << SL_ACTION_LOCK | 1u << SL_ACTION_UNLOCK |
				1u << SL_ACTION_STATUS},
	{.name = "t", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_request, t), .min = 1, .max = SL_TIME_MAX},
	{.name = "m", .kind = FK_MAC, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_request, mac), .size = SL_MAC_CHARS + 1},
};

static const struct field response_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "id", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_response, id), .min = 0, .max = SL_TIME_MAX},
	{.name = "result", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_response, result), .names = &result_table,
		.allowed = 1u << SL_RESULT_OK | 1u << SL_RESULT_DENIED |
				1u << SL_RESULT_ERROR},
	{.name = "reason", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_response, reason), .names = &reason_table},
	{.name = "msg", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_response, msg), .size = SL_MSG_MAX},
	{.name = "state", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_response, state), .names = &state_table},
	{.name = "door", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_response, door), .names = &door_table},
	{.name = "until", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_response, until), .min = 0, .max = SL_TIME_MAX},
};

static const struct field command_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "action", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_command, action), .names = &action_table,
		.allowed = 1u << SL_ACTION_LOCK | 1u << SL_ACTION_UNLOCK |
				1u << SL_ACTION_HEARTBEAT | 1u << SL_ACTION_RESET},
	{.name = "seq", .kind = FK_UINT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_command, seq), .min = 1, .max = JSON_INT_MAX},
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_command, time), .min = 1, .max = SL_TIME_MAX},
	{.name = "expires", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_command, expires), .min = 1, .max = SL_TIME_MAX},
	{.name = "user", .kind = FK_NAME, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_command, user), .size = SL_NAME_MAX + 1},
	{.name = "req", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_command, req), .min = 0, .max = SL_TIME_MAX},
	{.name = "mac", .kind = FK_MAC, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_command, mac), .size = SL_MAC_CHARS + 1},
};

static const struct field lock_status_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "seq", .kind = FK_UINT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_lock_status, seq), .min = 0, .max = JSON_INT_MAX},
	{.name = "result", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_lock_status, result), .names = &result_table},
	{.name = "reason", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_lock_status, reason), .names = &reason_table},
	{.name = "state", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_lock_status, state), .names = &state_table},
	{.name = "door", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_lock_status, door), .names = &door_table},
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_lock_status, time), .min = 0, .max = SL_TIME_MAX},
};

static const struct field heartbeat_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "status", .kind = FK_ONLINE, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_heartbeat, online)},
	{.name = "state", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, state), .names = &state_table},
	{.name = "door", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, door), .names = &door_table},
	{.name = "uptime", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, uptime), .min = 0, .max = JSON_INT_MAX},
	{.name = "interval", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, interval), .min = 0, .max = 86400},
	{.name = "commands", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, commands), .min = 0, .max = JSON_INT_MAX},
	{.name = "refused", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, refused), .min = 0, .max = JSON_INT_MAX},
	{.name = "seq", .kind = FK_UINT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, seq), .min = 0, .max = JSON_INT_MAX},
	{.name = "time", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_heartbeat, time), .min = 0, .max = SL_TIME_MAX},
};

static const struct field state_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "state", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_state_msg, state), .names = &state_table},
	{.name = "door", .kind = FK_ENUM, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_state_msg, door), .names = &door_table},
	{.name = "by", .kind = FK_NAME, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_state_msg, by), .size = SL_NAME_MAX + 1},
	{.name = "since", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_state_msg, since), .min = 0, .max = SL_TIME_MAX},
	{.name = "online", .kind = FK_BOOL, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_state_msg, online)},
	{.name = "channel_failed", .kind = FK_NAME, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_state_msg, channel_failed), .size = SL_NAME_MAX + 1},
	{.name = "channel_failed_at", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_state_msg, channel_failed_at), .min = 0,
		.max = SL_TIME_MAX},
};

static const struct field alert_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "kind", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_alert, kind), .names = &alert_table},
	{.name = "lock", .kind = FK_NAME, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, lock), .size = SL_NAME_MAX + 1},
	/* Not FK_NAME: a login-failed alert repeats a name from the network. */
	{.name = "user", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, user), .size = SL_NAME_MAX + 1},
	{.name = "source", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, source), .size = SL_ADDR_MAX},
	{.name = "msg", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, msg), .size = SL_MSG_MAX},
	{.name = "until", .kind = FK_INT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, until), .min = 0, .max = SL_TIME_MAX},
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_alert, time), .min = 0, .max = SL_TIME_MAX},
	{.name = "id", .kind = FK_UINT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, id), .min = 0, .max = JSON_INT_MAX},
	{.name = "acked", .kind = FK_BOOL, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, acked)},
	{.name = "ack", .kind = FK_UINT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, ack), .min = 0, .max = JSON_INT_MAX},
	{.name = "upto", .kind = FK_BOOL, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_alert, upto)},
};

static const struct field admin_req_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "op", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_req, op), .names = &admin_op_table},
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_req, time), .min = 1, .max = SL_TIME_MAX},
	{.name = "name", .kind = FK_NAME, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_admin_req, name), .size = SL_NAME_MAX + 1},
	{.name = "role", .kind = FK_ENUM, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, role),
		.flag = offsetof(struct sl_admin_req, has_role), .names = &role_table},
	{.name = "from", .kind = FK_INT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, from),
		.flag = offsetof(struct sl_admin_req, has_from), .min = 0, .max = SL_TIME_MAX},
	{.name = "until", .kind = FK_INT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, until),
		.flag = offsetof(struct sl_admin_req, has_until), .min = 0, .max = SL_TIME_MAX},
	{.name = "schedule", .kind = FK_TEXT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, schedule),
		.flag = offsetof(struct sl_admin_req, has_schedule), .size = SL_SCHEDULE_MAX},
	{.name = "uses", .kind = FK_INT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, uses),
		.flag = offsetof(struct sl_admin_req, has_uses), .min = 0, .max = 1000000},
	{.name = "locks", .kind = FK_LOCKS, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, locks),
		.flag = offsetof(struct sl_admin_req, has_locks), .size = SL_MSG_MAX},
	{.name = "cursor", .kind = FK_INT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, cursor),
		.flag = offsetof(struct sl_admin_req, has_cursor), .min = 0, .max = JSON_INT_MAX},
	{.name = "count", .kind = FK_INT, .need = NEED_FLAGGED,
		.offset = offsetof(struct sl_admin_req, count),
		.flag = offsetof(struct sl_admin_req, has_count), .min = 1, .max = 1000},
	{.name = "mac", .kind = FK_MAC, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_req, mac), .size = SL_MAC_CHARS + 1},
};

static const struct field admin_res_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "id", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_res, id), .min = 0, .max = SL_TIME_MAX},
	{.name = "op", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_res, op), .names = &admin_op_table},
	{.name = "result", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_res, result), .names = &result_table,
		.allowed = 1u << SL_RESULT_OK | 1u << SL_RESULT_DENIED |
				1u << SL_RESULT_ERROR},
	{.name = "reason", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_admin_res, reason), .names = &reason_table},
	{.name = "msg", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_admin_res, msg), .size = SL_MSG_MAX},
	{.name = "data", .kind = FK_JSON, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_admin_res, data_json)},
};

static const struct field login_failed_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	/* Not FK_NAME: whatever name the failed client offered. */
	{.name = "user", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_login_failed, user), .size = SL_NAME_MAX + 1},
	{.name = "addr", .kind = FK_TEXT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_login_failed, addr), .size = SL_ADDR_MAX},
	{.name = "reason", .kind = FK_ENUM, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_login_failed, reason), .names = &login_reason_table},
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_login_failed, time), .min = 0, .max = SL_TIME_MAX},
};

#define ABUSE_COUNT(f, k) {.name = k, .kind = FK_INT, .need = NEED_REQUIRED, \
		.offset = offsetof(struct sl_abuse_report, f), .min = 0, .max = JSON_INT_MAX}

static const struct field abuse_fields[] = {
	{.name = "v", .kind = FK_VERSION, .need = NEED_REQUIRED,
		.min = -JSON_INT_MAX, .max = JSON_INT_MAX},
	{.name = "user", .kind = FK_NAME, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_abuse_report, user), .size = SL_NAME_MAX + 1},
	{.name = "role", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_abuse_report, role), .size = 16},
	ABUSE_COUNT(rate, "rate"),
	ABUSE_COUNT(size, "size"),
	ABUSE_COUNT(squat, "squat"),
	ABUSE_COUNT(span, "span"),
	{.name = "time", .kind = FK_INT, .need = NEED_REQUIRED,
		.offset = offsetof(struct sl_abuse_report, time), .min = 0, .max = SL_TIME_MAX},
	{.name = "id", .kind = FK_TEXT, .need = NEED_OPTIONAL,
		.offset = offsetof(struct sl_abuse_report, id), .size = SL_ADDR_MAX},
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

static const struct message request_msg = {request_fields,
		COUNT_OF(request_fields), sizeof(struct sl_request), SL_PAYLOAD_MAX};
static const struct message response_msg = {response_fields,
		COUNT_OF(response_fields), sizeof(struct sl_response), SL_PAYLOAD_MAX};
static const struct message command_msg = {command_fields,
		COUNT_OF(command_fields), sizeof(struct sl_command), SL_PAYLOAD_MAX};
static const struct message lock_status_msg = {lock_status_fields,
		COUNT_OF(lock_status_fields), sizeof(struct sl_lock_status), SL_PAYLOAD_MAX};
static const struct message heartbeat_msg = {heartbeat_fields,
		COUNT_OF(heartbeat_fields), sizeof(struct sl_heartbeat), SL_PAYLOAD_MAX};
static const struct message state_msg = {state_fields,
		COUNT_OF(state_fields), sizeof(struct sl_state_msg), SL_PAYLOAD_MAX};
static const struct message alert_msg = {alert_fields,
		COUNT_OF(alert_fields), sizeof(struct sl_alert), SL_PAYLOAD_MAX};
static const struct message admin_req_msg = {admin_req_fields,
		COUNT_OF(admin_req_fields), sizeof(struct sl_admin_req), SL_PAYLOAD_MAX};
static const struct message admin_res_msg = {admin_res_fields,
		COUNT_OF(admin_res_fields), sizeof(struct sl_admin_res), SL_ADMIN_RES_MAX};
static const struct message login_failed_msg = {login_failed_fields,
		COUNT_OF(login_failed_fields), sizeof(struct sl_login_failed), SL_PAYLOAD_MAX};

static const struct message abuse_msg = {abuse_fields,
		COUNT_OF(abuse_fields), sizeof(struct sl_abuse_report), SL_PAYLOAD_MAX};

_Static_assert(COUNT_OF(admin_req_fields) <= FIELDS_MAX, "seen mask is 32 bits");

/* ---- checks shared by decoders and encoders ---- */

static bool is_b64url(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			(c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool is_mac_text(const char *s, size_t len)
{
	if (len != SL_MAC_CHARS)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!is_b64url((unsigned char)s[i]))
			return false;
	}
	return true;
}

/* "*", or one or more valid names separated by single commas. */
static bool is_lock_list(const char *s)
{
	char name[SL_NAME_MAX + 1];

	if (strcmp(s, "*") == 0)
		return true;
	for (;;) {
		size_t n = strcspn(s, ",");

		if (n == 0 || n > SL_NAME_MAX)
			return false;
		memcpy(name, s, n);
		name[n] = '\0';
		if (topic_check_name(name) != SL_OK)
			return false;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

/* Check the text of a string field; for FK_ENUM and FK_ONLINE, *value gets
 * the index of the name. */
static enum sl_err check_string(const struct field *f, const char *s, unsigned *value)
{
	size_t len = strlen(s);
	enum sl_err rc = check_chars(s, len);

	*value = 0;
	if (rc != SL_OK)
		return rc;
	switch (f->kind) {
	case FK_TEXT:
		return len < f->size ? SL_OK : SL_ERR_TOO_LONG;
	case FK_NAME:
		if (len >= f->size || topic_check_name(s) != SL_OK)
			return SL_ERR_BAD_VALUE;
		return SL_OK;
	case FK_MAC:
		if (len >= f->size || !is_mac_text(s, len))
			return SL_ERR_BAD_VALUE;
		return SL_OK;
	case FK_LOCKS:
		if (len >= f->size)
			return SL_ERR_TOO_LONG;
		return is_lock_list(s) ? SL_OK : SL_ERR_BAD_VALUE;
	case FK_ENUM:
		if (table_parse(f->names, s, value) != SL_OK)
			return SL_ERR_BAD_VALUE;
		if (f->allowed && !(f->allowed & 1u << *value))
			return SL_ERR_BAD_VALUE;
		return SL_OK;
	case FK_ONLINE:
		return table_parse(&status_table, s, value);
	default:
		return SL_ERR_INTERNAL;
	}
}

/* Check data_json for embedding in a payload: one strict JSON value, no
 * escaped NUL, shallow enough to sit inside the top-level object. */
static bool is_embeddable_json(const char *json)
{
	size_t len = strlen(json);
	struct scan s;

	if (!utf8_valid((const unsigned char *)json, len))
		return false;
	scan_init(&s, json, len, JSON_DEPTH_MAX - 1, NO_MEMBER);
	return scan_document(&s) && !s.any_nul;
}

/* Whether an encoder writes field f of the message struct at in. */
static bool field_present(const struct field *f, const void *in)
{
	const char *p = (const char *)in + f->offset;
	int e;

	switch (f->need) {
	case NEED_REQUIRED:
		return true;
	case NEED_FLAGGED:
		return *(const bool *)(const void *)((const char *)in + f->flag);
	case NEED_OPTIONAL:
		break;
	}
	switch (f->kind) {
	case FK_INT:
		return *(const int64_t *)(const void *)p != 0;
	case FK_UINT:
		return *(const uint64_t *)(const void *)p != 0;
	case FK_BOOL:
	case FK_ONLINE:
		return *(const bool *)(const void *)p;
	case FK_ENUM:
		memcpy(&e, p, sizeof(e));
		return e != 0;
	case FK_JSON:
		return *(char *const *)(const void *)p != NULL;
	case FK_VERSION:
		return true;
	default:
		return p[0] != '\0';
	}
}

/* The same checks the decoder makes, on the value in the struct. */
static enum sl_err field_check(const struct field *f, const void *in)
{
	const char *p = (const char *)in + f->offset;
	const char *json;
	int64_t v;
	uint64_t u;
	unsigned ev;
	int e;

	switch (f->kind) {
	case FK_VERSION:
	case FK_BOOL:
	case FK_ONLINE:
		return SL_OK;
	case FK_INT:
		v = *(const int64_t *)(const void *)p;
		return v >= f->min && v <= f->max ? SL_OK : SL_ERR_OUT_OF_RANGE;
	case FK_UINT:
		u = *(const uint64_t *)(const void *)p;
		return u >= (uint64_t)f->min && u <= (uint64_t)f->max ?
				SL_OK : SL_ERR_OUT_OF_RANGE;
	case FK_ENUM:
		memcpy(&e, p, sizeof(e));
		if (e < 0 || (unsigned)e >= f->names->count)
			return SL_ERR_BAD_VALUE;
		if (f->allowed && !(f->allowed & 1u << e))
			return SL_ERR_BAD_VALUE;
		return SL_OK;
	case FK_JSON:
		json = *(char *const *)(const void *)p;
		return json && is_embeddable_json(json) ? SL_OK : SL_ERR_JSON;
	default:
		if (!memchr(p, '\0', f->size))
			return SL_ERR_TOO_LONG;
		return check_string(f, p, &ev);
	}
}

/* The value of a checked field as text: decimal integers, 0/1 booleans,
 * names, raw strings. buf (size >= 24) holds numbers. NULL for FK_JSON. */
static const char *field_text(const struct field *f, const void *in, char *buf, size_t size)
{
	const char *p = (const char *)in + f->offset;
	int e;

	switch (f->kind) {
	case FK_VERSION:
		snprintf(buf, size, "%d", SL_PROTOCOL_VERSION);
		return buf;
	case FK_INT:
		snprintf(buf, size, "%" PRId64, *(const int64_t *)(const void *)p);
		return buf;
	case FK_UINT:
		snprintf(buf, size, "%" PRIu64, *(const uint64_t *)(const void *)p);
		return buf;
	case FK_BOOL:
		return *(const bool *)(const void *)p ? "1" : "0";
	case FK_ONLINE:
		return status_names[*(const bool *)(const void *)p ? 1 : 0];
	case FK_ENUM:
		memcpy(&e, p, sizeof(e));
		return table_name(f->names, (unsigned)e);
	case FK_JSON:
		return NULL;
	default:
		return p;
	}
}

/* ---- the decode engine ---- */

struct decode {
	const struct message *msg;
	const unsigned char *buf;
	size_t len;
	void *out;
	int64_t version;
	uint32_t seen;          /* bit i: fields[i] was present */
	size_t nul_member;      /* from the scan */
	bool nul_in_key;
};

/* Copy a field name for struct sl_proto_error: cut to fit, made printable. */
static void copy_field_name(char *dst, size_t size, const char *name)
{
	size_t n = strlen(name);

	if (n >= size)
		n = size - 1;
	memcpy(dst, name, n);
	dst[n] = '\0';
	proto_sanitize_text(dst);
}

static enum sl_err number_value(const struct field *f, const cJSON *item, int64_t *out)
{
	double d = item->valuedouble;
	int64_t v;

	/* The comparisons are false for NaN; infinities fail them too. */
	if (!(d >= (double)-JSON_INT_MAX && d <= (double)JSON_INT_MAX))
		return SL_ERR_OUT_OF_RANGE;
	v = (int64_t)d;
	if ((double)v != d || v < f->min || v > f->max)
		return SL_ERR_OUT_OF_RANGE;
	*out = v;
	return SL_OK;
}

/* The value of top-level member index as compact text in *out. */
static enum sl_err member_json(const struct decode *d, size_t index, char **out)
{
	struct scan s;

	scan_init(&s, d->buf, d->len, JSON_DEPTH_MAX, index);
	if (!scan_document(&s) || !s.span)
		return SL_ERR_INTERNAL;
	*out = json_compact(s.span, (size_t)(s.span_end - s.span));
	if (!*out)
		return SL_ERR_NOMEM;
	if (strlen(*out) > SL_ADMIN_DATA_MAX) {
		free(*out);
		*out = NULL;
		return SL_ERR_TOO_LARGE;
	}
	return SL_OK;
}

static enum sl_err decode_member(struct decode *d, const struct field *f,
		const cJSON *item, size_t index)
{
	char *p = (char *)d->out + f->offset;
	bool nul = index == d->nul_member;
	enum sl_err rc;
	unsigned ev;
	int64_t v;
	size_t len;
	int e;

	switch (f->kind) {
	case FK_VERSION:
	case FK_INT:
	case FK_UINT:
		if (!cJSON_IsNumber(item))
			return SL_ERR_WRONG_TYPE;
		rc = number_value(f, item, &v);
		if (rc != SL_OK)
			return rc;
		if (f->kind == FK_VERSION)
			d->version = v;
		else if (f->kind == FK_INT)
			*(int64_t *)(void *)p = v;
		else
			*(uint64_t *)(void *)p = (uint64_t)v;
		break;
	case FK_BOOL:
		if (!cJSON_IsBool(item))
			return SL_ERR_WRONG_TYPE;
		*(bool *)(void *)p = cJSON_IsTrue(item);
		break;
	case FK_JSON:
		if (nul)
			return SL_ERR_CONTROL_CHAR;
		rc = member_json(d, index, (char **)(void *)p);
		if (rc != SL_OK)
			return rc;
		break;
	default:
		if (!cJSON_IsString(item) || !item->valuestring)
			return SL_ERR_WRONG_TYPE;
		if (nul)
			return SL_ERR_CONTROL_CHAR;
		rc = check_string(f, item->valuestring, &ev);
		if (rc != SL_OK)
			return rc;
		if (f->kind == FK_ENUM) {
			e = (int)ev;
			memcpy(p, &e, sizeof(e));
		} else if (f->kind == FK_ONLINE) {
			*(bool *)(void *)p = ev == 1;
		} else {
			len = strlen(item->valuestring);
			if (len >= f->size)
				return SL_ERR_INTERNAL;
			memcpy(p, item->valuestring, len + 1);
		}
		break;
	}
	if (f->need == NEED_FLAGGED)
		*(bool *)(void *)((char *)d->out + f->flag) = true;
	return SL_OK;
}

static size_t field_find(const struct message *m, const char *name)
{
	for (size_t i = 0; i < m->count; i++) {
		if (strcmp(m->fields[i].name, name) == 0)
			return i;
	}
	return m->count;
}

/* Each member in order: unknown, duplicate, then the field's own checks.
 * field receives the name of the offending member. */
static enum sl_err decode_members(struct decode *d, const cJSON *root,
		char *field, size_t field_size)
{
	size_t index = 0;

	for (const cJSON *item = root->child; item; item = item->next, index++) {
		const char *key = item->string ? item->string : "";
		size_t i = field_find(d->msg, key);
		enum sl_err rc;

		copy_field_name(field, field_size, key);
		/* a key with an escaped NUL only looks like key up to the NUL */
		if (i == d->msg->count || (index == d->nul_member && d->nul_in_key))
			return SL_ERR_UNKNOWN_FIELD;
		if (d->seen & UINT32_C(1) << i)
			return SL_ERR_DUPLICATE_FIELD;
		d->seen |= UINT32_C(1) << i;
		rc = decode_member(d, &d->msg->fields[i], item, index);
		if (rc != SL_OK)
			return rc;
	}
	field[0] = '\0';
	return SL_OK;
}

static void free_json_fields(const struct message *m, void *out)
{
	for (size_t i = 0; i < m->count; i++) {
		if (m->fields[i].kind == FK_JSON) {
			char **p = (char **)(void *)((char *)out + m->fields[i].offset);

			free(*p);
			*p = NULL;
		}
	}
}

static bool only_whitespace(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
	}
	return true;
}

static enum sl_err decode(const struct message *m, const void *buf, size_t len,
		void *out, struct sl_proto_error *err)
{
	struct decode d = {
		.msg = m, .buf = buf, .len = len, .out = out,
		.nul_member = NO_MEMBER,
	};
	char field[sizeof(err->field)] = "";
	const char *end = NULL;
	cJSON *root = NULL;
	char *copy = NULL;
	struct scan s;
	enum sl_err rc;

	if (!out) {
		rc = SL_ERR_INVAL;
		goto out;
	}
	memset(out, 0, m->size);
	if (len == 0) {
		rc = SL_ERR_EMPTY;
		goto out;
	}
	if (!buf) {
		rc = SL_ERR_INVAL;
		goto out;
	}
	if (len > m->max_len) {
		rc = SL_ERR_TOO_LARGE;
		goto out;
	}
	if (!utf8_valid(buf, len)) {
		rc = SL_ERR_BAD_UTF8;
		goto out;
	}
	scan_init(&s, buf, len, JSON_DEPTH_MAX, NO_MEMBER);
	if (!scan_document(&s)) {
		rc = SL_ERR_JSON;
		goto out;
	}
	d.nul_member = s.nul_member;
	d.nul_in_key = s.nul_in_key;

	/* cJSON gets its own NUL-terminated copy: it never reads past it. */
	copy = malloc(len + 1);
	if (!copy) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	/* After the scan above, a failure here is cJSON running out of
	 * memory or disagreeing with RFC 8259; either way, refused. */
	if (!root || !end || end < copy || end > copy + len ||
			!only_whitespace(end, copy + len)) {
		rc = SL_ERR_JSON;
		goto out;
	}
	if (!cJSON_IsObject(root)) {
		rc = SL_ERR_NOT_OBJECT;
		goto out;
	}
	rc = decode_members(&d, root, field, sizeof(field));
	if (rc != SL_OK)
		goto out;
	for (size_t i = 0; i < m->count; i++) {
		if (m->fields[i].need == NEED_REQUIRED && !(d.seen & UINT32_C(1) << i)) {
			copy_field_name(field, sizeof(field), m->fields[i].name);
			rc = SL_ERR_MISSING_FIELD;
			goto out;
		}
	}
	if (d.version != SL_PROTOCOL_VERSION) {
		copy_field_name(field, sizeof(field), "v");
		rc = SL_ERR_BAD_VERSION;
		goto out;
	}
	rc = SL_OK;
out:
	cJSON_Delete(root);
	free(copy);
	if (rc != SL_OK && out) {
		free_json_fields(m, out);
		memset(out, 0, m->size);
	}
	if (err) {
		err->code = rc;
		memcpy(err->field, field, sizeof(err->field));
	}
	return rc;
}

/* ---- the encode engine ----
 *
 * Encoders write the fields in table order, leave out optional fields
 * holding their zero value (and flagged fields whose has_* is false), and
 * return NULL not only when out of memory but also when the struct holds
 * something the decoder would refuse: an integer out of range, an enum
 * value out of range or not allowed in this message, a string that is too
 * long, not UTF-8, has a control character, or is not a valid name, lock
 * list or MAC (so an unsigned request cannot be encoded), or a data_json
 * that is not one strict JSON value. What is encoded always decodes. */

static bool add_field(cJSON *root, const struct field *f, const void *in)
{
	const char *p = (const char *)in + f->offset;
	char num[24];
	char *json;
	bool ok;

	switch (f->kind) {
	case FK_VERSION:
	case FK_INT:
	case FK_UINT:
		/* Raw text: cJSON would print a double with at most 15 or 17
		 * significant digits, and not always exactly. */
		return cJSON_AddRawToObject(root, f->name,
				field_text(f, in, num, sizeof(num))) != NULL;
	case FK_BOOL:
		return cJSON_AddBoolToObject(root, f->name,
				*(const bool *)(const void *)p) != NULL;
	case FK_JSON:
		json = *(char *const *)(const void *)p;
		json = json_compact((const unsigned char *)json, strlen(json));
		if (!json)
			return false;
		ok = strlen(json) <= SL_ADMIN_DATA_MAX &&
				cJSON_AddRawToObject(root, f->name, json) != NULL;
		free(json);
		return ok;
	default:
		return cJSON_AddStringToObject(root, f->name,
				field_text(f, in, num, sizeof(num))) != NULL;
	}
}

static char *encode(const struct message *m, const void *in)
{
	cJSON *root;
	char *text = NULL;

	if (!in)
		return NULL;
	root = cJSON_CreateObject();
	if (!root)
		return NULL;
	for (size_t i = 0; i < m->count; i++) {
		const struct field *f = &m->fields[i];

		if (!field_present(f, in))
			continue;
		if (field_check(f, in) != SL_OK || !add_field(root, f, in))
			goto out;
	}
	text = cJSON_PrintUnformatted(root);
	if (text && strlen(text) > m->max_len) {
		free(text);
		text = NULL;
	}
out:
	cJSON_Delete(root);
	return text;
}

/* ---- signing ---- */

/* The canonical string of a signed message: topic, "\n", then "key=value\n"
 * for each present field except the MAC, sorted by key. SL_ERR_INVAL when
 * the topic or a field is unfit to be sent. */
static enum sl_err canonical(const struct message *m, const void *in, const char *topic,
		char *buf, size_t size, size_t *len)
{
	const struct field *sorted[FIELDS_MAX];
	size_t n = 0, used, tlen;
	int w;

	if (!in || !topic)
		return SL_ERR_INVAL;
	tlen = strnlen(topic, SL_TOPIC_MAX);
	if (tlen == 0 || tlen >= SL_TOPIC_MAX || check_chars(topic, tlen) != SL_OK)
		return SL_ERR_INVAL;
	for (size_t i = 0; i < m->count; i++) {
		const struct field *f = &m->fields[i];
		size_t j;

		if (f->kind == FK_MAC || !field_present(f, in))
			continue;
		if (f->kind == FK_JSON || field_check(f, in) != SL_OK)
			return SL_ERR_INVAL;
		for (j = n; j > 0 && strcmp(sorted[j - 1]->name, f->name) > 0; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = f;
		n++;
	}
	w = snprintf(buf, size, "%s\n", topic);
	if (w < 0 || (size_t)w >= size)
		return SL_ERR_INTERNAL;
	used = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		char num[24];

		w = snprintf(buf + used, size - used, "%s=%s\n", sorted[i]->name,
				field_text(sorted[i], in, num, sizeof(num)));
		if (w < 0 || (size_t)w >= size - used)
			return SL_ERR_INTERNAL;
		used += (size_t)w;
	}
	*len = used;
	return SL_OK;
}

static const struct field *mac_field(const struct message *m)
{
	for (size_t i = 0; i < m->count; i++) {
		if (m->fields[i].kind == FK_MAC)
			return &m->fields[i];
	}
	return NULL;
}

static enum sl_err sign_message(const struct message *m, const struct sl_key *key,
		const char *topic, void *msg)
{
	const struct field *f = mac_field(m);
	char buf[CANON_MAX];
	char mac[SL_MAC_CHARS + 1];
	size_t len;
	enum sl_err rc;

	if (!key || !f)
		return SL_ERR_INVAL;
	rc = canonical(m, msg, topic, buf, sizeof(buf), &len);
	if (rc != SL_OK)
		return rc;
	rc = sign_mac(key, buf, len, mac);
	if (rc != SL_OK)
		return rc;
	memcpy((char *)msg + f->offset, mac, sizeof(mac));
	return SL_OK;
}

static enum sl_err verify_message(const struct message *m, const struct sl_key *key,
		const char *topic, const void *msg)
{
	const struct field *f = mac_field(m);
	const char *mac;
	char buf[CANON_MAX];
	size_t len;

	if (!key || !f || canonical(m, msg, topic, buf, sizeof(buf), &len) != SL_OK)
		return SL_ERR_BAD_MAC;
	mac = (const char *)msg + f->offset;
	if (!memchr(mac, '\0', f->size))
		return SL_ERR_BAD_MAC;
	/* sign_verify compares in constant time */
	return sign_verify(key, buf, len, mac) == SL_OK ? SL_OK : SL_ERR_BAD_MAC;
}

/* ---- the public functions ---- */

enum sl_err proto_decode_request(const void *buf, size_t len,
		struct sl_request *out, struct sl_proto_error *err)
{
	return decode(&request_msg, buf, len, out, err);
}

enum sl_err proto_decode_response(const void *buf, size_t len,
		struct sl_response *out, struct sl_proto_error *err)
{
	return decode(&response_msg, buf, len, out, err);
}

enum sl_err proto_decode_command(const void *buf, size_t len,
		struct sl_command *out, struct sl_proto_error *err)
{
	return decode(&command_msg, buf, len, out, err);
}

enum sl_err proto_decode_lock_status(const void *buf, size_t len,
		struct sl_lock_status *out, struct sl_proto_error *err)
{
	return decode(&lock_status_msg, buf, len, out, err);
}

enum sl_err proto_decode_heartbeat(const void *buf, size_t len,
		struct sl_heartbeat *out, struct sl_proto_error *err)
{
	return decode(&heartbeat_msg, buf, len, out, err);
}

enum sl_err proto_decode_state(const void *buf, size_t len,
		struct sl_state_msg *out, struct sl_proto_error *err)
{
	return decode(&state_msg, buf, len, out, err);
}

enum sl_err proto_decode_alert(const void *buf, size_t len,
		struct sl_alert *out, struct sl_proto_error *err)
{
	return decode(&alert_msg, buf, len, out, err);
}

enum sl_err proto_decode_admin_req(const void *buf, size_t len,
		struct sl_admin_req *out, struct sl_proto_error *err)
{
	return decode(&admin_req_msg, buf, len, out, err);
}

enum sl_err proto_decode_admin_res(const void *buf, size_t len,
		struct sl_admin_res *out, struct sl_proto_error *err)
{
	return decode(&admin_res_msg, buf, len, out, err);
}

void proto_admin_res_finish(struct sl_admin_res *res)
{
	if (!res)
		return;
	free(res->data_json);
	res->data_json = NULL;
}

enum sl_err proto_decode_login_failed(const void *buf, size_t len,
		struct sl_login_failed *out, struct sl_proto_error *err)
{
	return decode(&login_failed_msg, buf, len, out, err);
}

char *proto_encode_request(const struct sl_request *r)
{
	return encode(&request_msg, r);
}

char *proto_encode_response(const struct sl_response *r)
{
	return encode(&response_msg, r);
}

char *proto_encode_command(const struct sl_command *c)
{
	return encode(&command_msg, c);
}

char *proto_encode_lock_status(const struct sl_lock_status *s)
{
	return encode(&lock_status_msg, s);
}

char *proto_encode_heartbeat(const struct sl_heartbeat *h)
{
	return encode(&heartbeat_msg, h);
}

char *proto_encode_state(const struct sl_state_msg *s)
{
	return encode(&state_msg, s);
}

char *proto_encode_alert(const struct sl_alert *a)
{
	return encode(&alert_msg, a);
}

char *proto_encode_admin_req(const struct sl_admin_req *a)
{
	return encode(&admin_req_msg, a);
}

char *proto_encode_admin_res(const struct sl_admin_res *r)
{
	return encode(&admin_res_msg, r);
}

char *proto_encode_login_failed(const struct sl_login_failed *l)
{
	return encode(&login_failed_msg, l);
}

enum sl_err proto_decode_abuse_report(const void *buf, size_t len,
		struct sl_abuse_report *out, struct sl_proto_error *err)
{
	return decode(&abuse_msg, buf, len, out, err);
}

char *proto_encode_abuse_report(const struct sl_abuse_report *r)
{
	return encode(&abuse_msg, r);
}

enum sl_err proto_sign_request(const struct sl_key *key, const char *topic,
		struct sl_request *r)
{
	return sign_message(&request_msg, key, topic, r);
}

enum sl_err proto_verify_request(const struct sl_key *key, const char *topic,
		const struct sl_request *r)
{
	return verify_message(&request_msg, key, topic, r);
}

enum sl_err proto_sign_command(const struct sl_key *key, const char *topic,
		struct sl_command *c)
{
	return sign_message(&command_msg, key, topic, c);
}

enum sl_err proto_verify_command(const struct sl_key *key, const char *topic,
		const struct sl_command *c)
{
	return verify_message(&command_msg, key, topic, c);
}

enum sl_err proto_sign_admin_req(const struct sl_key *key, const char *topic,
		struct sl_admin_req *a)
{
	return sign_message(&admin_req_msg, key, topic, a);
}

enum sl_err proto_verify_admin_req(const struct sl_key *key, const char *topic,
		const struct sl_admin_req *a)
{
	return verify_message(&admin_req_msg, key, topic, a);
}
