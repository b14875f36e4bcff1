/*
 * protocol.h - every payload the smartlock programs exchange over MQTT:
 * their fields, limits and the protocol version, with strict encoders and
 * decoders built on cJSON. man/smartlock-protocol.7 is the prose version of
 * this header; the two must agree.
 *
 * Payloads are compact JSON objects carrying "v": SL_PROTOCOL_VERSION. The
 * user's lock request is kept as small as possible (one-letter keys, its
 * millisecond timestamp doubling as the request id) so that the whole
 * PUBLISH fits the 108 bytes of the seed paper's largest packet; every other
 * payload uses readable keys.
 *
 * Decoders check, before anything is used: size (SL_ERR_EMPTY,
 * SL_ERR_TOO_LARGE), UTF-8 (SL_ERR_BAD_UTF8), JSON syntax and trailing bytes
 * (SL_ERR_JSON), top-level object (SL_ERR_NOT_OBJECT), each member against a
 * table of fields (SL_ERR_UNKNOWN_FIELD, SL_ERR_DUPLICATE_FIELD,
 * SL_ERR_WRONG_TYPE, SL_ERR_OUT_OF_RANGE for non-integers and out-of-range
 * integers, SL_ERR_TOO_LONG, SL_ERR_CONTROL_CHAR, SL_ERR_BAD_VALUE for a
 * string outside its enumeration), then required fields
 * (SL_ERR_MISSING_FIELD) and the version (SL_ERR_BAD_VERSION). The first
 * problem found is returned and, when err is not NULL, described in *err
 * (the field name, or "" for whole-payload errors).
 *
 * Signed payloads (request, command, admin request) carry a MAC over a
 * canonical string: the topic, then "\n", then for each present field except
 * the MAC, sorted by key, "key=value\n" (integers in decimal, booleans as
 * 0/1). Binding the topic stops a request for one lock or user being
 * replayed to another.
 *
 * Encoders return a malloc'd NUL-terminated string the caller frees with
 * free(), or NULL when out of memory. Structs are plain values owned by the
 * caller; no function keeps a pointer to its arguments. Call decoders from
 * one thread at a time: cJSON 1.7 records its last parse error in a global.
 */
#ifndef SMARTLOCK_PROTOCOL_H
#define SMARTLOCK_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

#define SL_PROTOCOL_VERSION 1
#define SL_PAYLOAD_MAX 4096          /* any payload except admin answers */
#define SL_ADMIN_RES_MAX 65536       /* admin answers (user lists, log pages) */
#define SL_ADMIN_DATA_MAX (SL_ADMIN_RES_MAX - 1024) /* admin answer "data", compact */
#define SL_MSG_MAX 160               /* human sentences, bytes with NUL */
#define SL_SCHEDULE_MAX 96           /* weekly schedule text, bytes with NUL */
#define SL_ADDR_MAX 64               /* network address text, bytes with NUL */
#define SL_TIME_MAX INT64_C(253402300799999) /* ms; 9999-12-31 */
#define SL_SEQ_MAX UINT64_C(9007199254740991)  /* 2^53 - 1: the largest seq JSON carries */
/* A lock reserves its anti-replay mark this many command seqs at a time:
 * after its restart it refuses up to SL_LOCK_SEQ_BLOCK - 1 past the last
 * seq it accepted (smartlock-protocol(7), REPLAY AND ORDERING). */
#define SL_LOCK_SEQ_BLOCK 1024
/* Deadlines (smartlock-protocol(7), DEADLINES): a command's "expires" is at
 * most SL_COMMAND_LIFETIME_MAX ms after its "time"; a lock allows its clock
 * to differ from the agent's by at most SL_CLOCK_TOLERANCE_MAX ms; an agent
 * waits for a lock's first answer at least SL_COMMAND_MARGIN ms longer than
 * a command can live at the lock, so a command it reported as not answered
 * can no longer be carried out. */
#define SL_COMMAND_LIFETIME_MAX 60000
#define SL_CLOCK_TOLERANCE_MAX 1000
#define SL_COMMAND_MARGIN 500

/* ---- enumerations (names on the wire in comments) ---- */

enum sl_action {                /* request "a" and command "action" */
	SL_ACTION_LOCK,         /* "lock" */
	SL_ACTION_UNLOCK,       /* "unlock" */
	SL_ACTION_STATUS,       /* "status" (requests only) */
	SL_ACTION_HEARTBEAT,    /* "heartbeat" (commands only: send one now) */
	SL_ACTION_RESET,        /* "reset" (commands only: re-home the bolt) */
	SL_ACTION_COUNT_
};

enum sl_lock_state {
	SL_STATE_UNKNOWN,       /* "UNKNOWN" */
	SL_STATE_LOCKED,        /* "LOCKED" */
	SL_STATE_UNLOCKED,      /* "UNLOCKED" */
	SL_STATE_LOCKING,       /* "LOCKING" */
	SL_STATE_UNLOCKING,     /* "UNLOCKING" */
	SL_STATE_JAMMED,        /* "JAMMED" */
	SL_STATE_COUNT_
};

enum sl_door { SL_DOOR_UNKNOWN, SL_DOOR_CLOSED, SL_DOOR_OPEN, SL_DOOR_COUNT_ };
                                /* "unknown", "closed", "open" */

enum sl_role { SL_ROLE_OWNER, SL_ROLE_RESIDENT, SL_ROLE_GUEST, SL_ROLE_COUNT_ };
                                /* "owner", "resident", "guest" */

enum sl_result {
	SL_RESULT_OK,           /* "ok": done (or, for status, answered) */
	SL_RESULT_DENIED,       /* "denied": refused by policy or checks */
	SL_RESULT_ERROR,        /* "error": allowed, but it could not be done */
	SL_RESULT_PROGRESS,     /* "progress": lockStatus only, bolt moving */
	SL_RESULT_COUNT_
};

enum sl_reason {                /* machine-readable reason of a result */
	SL_REASON_NONE,         /* "" */
	SL_REASON_BAD_SIGNATURE,/* "bad-signature" */
	SL_REASON_STALE,        /* "stale" */
	SL_REASON_REPLAY,       /* "replay" */
	SL_REASON_UNKNOWN_USER, /* "unknown-user" */
	SL_REASON_REVOKED,      /* "revoked" */
	SL_REASON_DISABLED,     /* "disabled" */
	SL_REASON_NOT_PERMITTED,/* "not-permitted" */
	SL_REASON_OUTSIDE_WINDOW,   /* "outside-window" */
	SL_REASON_OUTSIDE_SCHEDULE, /* "outside-schedule" */
	SL_REASON_USES_EXHAUSTED,   /* "uses-exhausted" */
	SL_REASON_RATE_LIMITED, /* "rate-limited" */
	SL_REASON_LOCKED_OUT,   /* "locked-out" */
	SL_REASON_LOCK_OFFLINE, /* "lock-offline" */
	SL_REASON_TIMEOUT,      /* "timeout" */
	SL_REASON_INTERNAL_ERROR,   /* "internal-error" */
	SL_REASON_MALFORMED,    /* "malformed" */
	SL_REASON_JAMMED,       /* "jammed" */
	SL_REASON_BUSY,         /* "busy": another command is in progress */
	SL_REASON_DOOR_OPEN,    /* "door-open": will not lock an open door */
	SL_REASON_UNKNOWN_LOCK, /* "unknown-lock" */
	SL_REASON_BAD_REQUEST,  /* "bad-request": well-formed but unusable */
	SL_REASON_EXPIRED,      /* "expired": too late to be carried out */
	SL_REASON_CLOCK,        /* "clock": a clock is too far off to judge */
	SL_REASON_COUNT_
};

enum sl_alert_kind {
	SL_ALERT_LOCKOUT,       /* "lockout": failures tripped the lockout */
	SL_ALERT_SUSPICIOUS,    /* "suspicious": too many unlocks by one user */
	SL_ALERT_LOCKOUT_CLEARED,   /* "lockout-cleared" */
	SL_ALERT_LOGIN_FAILED,  /* "login-failed": broker refused a login */
	SL_ALERT_LOCK_OFFLINE,  /* "lock-offline" */
	SL_ALERT_LOCK_ONLINE,   /* "lock-online" */
	SL_ALERT_JAMMED,        /* "jammed" */
	SL_ALERT_AUDIT_FAILURE, /* "audit-failure": audit log not writable */
	SL_ALERT_RECOVERED,     /* "recovered": files repaired after a crash */
	SL_ALERT_DISK_LOW,      /* "disk-low": little space left for the audit log */
	SL_ALERT_ABUSE,         /* "abuse": the broker dropped an account's flood,
				 * oversized payloads or a reserved client id */
	SL_ALERT_AUDIT_BUDGET,  /* "audit-budget": the audit log nears its budget */
	SL_ALERT_UNEXPECTED_MOVE,   /* "unexpected-move": no command waited for it */
	SL_ALERT_CLOCK,         /* "clock": a clock stepped or is off */
	SL_ALERT_ACKNOWLEDGED,  /* "acknowledged": an owner acknowledged alerts */
	SL_ALERT_COUNT_
};

enum sl_admin_op {
	SL_ADMIN_USER_LIST,     /* "user-list" */
	SL_ADMIN_USER_ADD,      /* "user-add" */
	SL_ADMIN_USER_UPDATE,   /* "user-update" */
	SL_ADMIN_USER_DISABLE,  /* "user-disable" */
	SL_ADMIN_USER_ENABLE,   /* "user-enable" */
	SL_ADMIN_USER_REVOKE,   /* "user-revoke" */
	SL_ADMIN_LOCKOUT_RESET, /* "lockout-reset" */
	SL_ADMIN_HEALTH_CHECK,  /* "health-check" */
	SL_ADMIN_LOCK_RESET,    /* "lock-reset" */
	SL_ADMIN_LOG_PAGE,      /* "log-page" */
	SL_ADMIN_ALERT_TEST,    /* "alert-test": a test alert through every channel */
	SL_ADMIN_ALERT_LIST,    /* "alert-list": the agent's alert history */
	SL_ADMIN_ALERT_ACK,     /* "alert-ack": acknowledge one alert */
	SL_ADMIN_ALERT_ACK_ALL, /* "alert-ack-all": acknowledge all up to one */
	SL_ADMIN_OP_COUNT_
};

enum sl_login_reason {
	SL_LOGIN_UNKNOWN_USER,  /* "unknown-user" */
	SL_LOGIN_BAD_PASSWORD,  /* "bad-password" */
	SL_LOGIN_BAD_ORIGIN,    /* "bad-origin" */
	SL_LOGIN_ANONYMOUS,     /* "anonymous" */
	SL_LOGIN_DISABLED,      /* "disabled" */
	SL_LOGIN_REASON_COUNT_
};

/* Wire names and their inverse. *_name() returns NULL out of range;
 * *_parse() returns SL_OK or SL_ERR_BAD_VALUE. */
const char *proto_action_name(enum sl_action a);
enum sl_err proto_action_parse(const char *s, enum sl_action *out);
const char *proto_state_name(enum sl_lock_state s);
enum sl_err proto_state_parse(const char *s, enum sl_lock_state *out);
const char *proto_door_name(enum sl_door d);
enum sl_err proto_door_parse(const char *s, enum sl_door *out);
const char *proto_role_name(enum sl_role r);
enum sl_err proto_role_parse(const char *s, enum sl_role *out);
const char *proto_result_name(enum sl_result r);
enum sl_err proto_result_parse(const char *s, enum sl_result *out);
const char *proto_reason_name(enum sl_reason r);
enum sl_err proto_reason_parse(const char *s, enum sl_reason *out);
const char *proto_alert_name(enum sl_alert_kind k);
enum sl_err proto_alert_parse(const char *s, enum sl_alert_kind *out);
const char *proto_admin_op_name(enum sl_admin_op op);
enum sl_err proto_admin_op_parse(const char *s, enum sl_admin_op *out);
const char *proto_login_reason_name(enum sl_login_reason r);
enum sl_err proto_login_reason_parse(const char *s, enum sl_login_reason *out);

/* Where a decoder stopped. */
struct sl_proto_error {
	enum sl_err code;
	char field[24];         /* offending field, "" for the whole payload */
};

/* ---- lockReq/<user>: user -> agent, signed with the user's key ----
 * {"v":1,"a":"unlock","t":1795000000123,"m":"<22 chars>"}
 * t is the request time in ms since the epoch and also the request id: a
 * client keeps it strictly increasing. Actions: lock, unlock, status. */
struct sl_request {
	enum sl_action action;
	int64_t t;
	char mac[SL_MAC_CHARS + 1];
};

/* ---- lockRes/<user>: agent -> user ----
 * {"v":1,"id":1795000000123,"result":"denied","reason":"outside-window",
 *  "msg":"...","state":"LOCKED","door":"closed","until":1795000360000}
 * id echoes the request's t; until (optional, 0 = absent) is when a window
 * opens or a lockout ends; state/door are optional (UNKNOWN = absent). */
struct sl_response {
	int64_t id;
	enum sl_result result;
	enum sl_reason reason;
	char msg[SL_MSG_MAX];
	enum sl_lock_state state;
	enum sl_door door;
	int64_t until;
};

/* ---- lock: agent -> lockd, signed with the lock's key ----
 * {"v":1,"action":"unlock","seq":42,"time":...,"expires":...,
 *  "user":"owner","req":1795000000123,"mac":"..."}
 * seq strictly increases across restarts of either side; the lock refuses
 * any command whose seq is not greater than the last it accepted. expires
 * (ms since the epoch, agent's clock, after time and at most
 * SL_COMMAND_LIFETIME_MAX after it) is when the command stops being valid:
 * the lock refuses it later than that by its own clock (plus its
 * tolerance). user and req (the request id, 0 for none) are optional. */
struct sl_command {
	enum sl_action action;  /* lock, unlock, heartbeat, reset */
	uint64_t seq;
	int64_t time;
	char user[SL_NAME_MAX + 1];
	int64_t req;
	char mac[SL_MAC_CHARS + 1];
	int64_t expires;
};

/* ---- lockStatus: lockd -> agent ----
 * {"v":1,"seq":42,"result":"ok","reason":"","state":"UNLOCKED",
 *  "door":"closed","time":...}
 * seq is the command answered (0 for a change nobody commanded, e.g. a
 * manual turn or auto-relock). result progress/ok/denied/error. */
struct sl_lock_status {
	uint64_t seq;
	enum sl_result result;
	enum sl_reason reason;
	enum sl_lock_state state;
	enum sl_door door;
	int64_t time;
};

/* ---- health: lockd -> all, retained; also the last will ----
 * {"v":1,"status":"online","state":"LOCKED","door":"closed","uptime":3600,
 *  "interval":60,"commands":12,"refused":1,"seq":1795000000042,"time":...}
 * The last will is {"v":1,"status":"offline"}: every other field optional. */
struct sl_heartbeat {
	bool online;            /* "status": "online" | "offline" */
	enum sl_lock_state state;
	enum sl_door door;
	int64_t uptime;         /* s */
	int64_t interval;       /* s */
	int64_t commands;       /* commands executed since start */
	int64_t refused;        /* commands refused since start */
	uint64_t seq;           /* commands at or below this seq are refused */
	int64_t time;           /* ms, 0 = absent */
};

/* ---- state: agent -> all, retained ----
 * {"v":1,"state":"LOCKED","door":"closed","by":"owner","since":...,
 *  "online":true,"channel_failed":"mail","channel_failed_at":...} ; by is
 * "" when unknown; channel_failed names an alert channel whose last alert
 * could not be delivered (absent while every channel works). */
struct sl_state_msg {
	enum sl_lock_state state;
	enum sl_door door;
	char by[SL_NAME_MAX + 1];
	int64_t since;
	bool online;
	char channel_failed[SL_NAME_MAX + 1];
	int64_t channel_failed_at;      /* ms, 0 = absent */
};

/* ---- securityAlert: agent -> owners ----
 * {"v":1,"kind":"lockout","lock":"front-door","user":"mallory",
 *  "source":"lockReq","msg":"...","until":...,"time":...,"id":17}
 * user/source may be ""; until 0 = absent. id (0 = absent) numbers the
 * alert in the agent's history; acked says it was acknowledged (alert
 * lists). An "acknowledged" message names in ack the alert acknowledged
 * by user, or with upto every alert up to and including ack. */
struct sl_alert {
	enum sl_alert_kind kind;
	char lock[SL_NAME_MAX + 1];
	char user[SL_NAME_MAX + 1];
	char source[SL_ADDR_MAX];
	char msg[SL_MSG_MAX];
	int64_t until;
	int64_t time;
	uint64_t id;
	bool acked;
	uint64_t ack;
	bool upto;
};

/* ---- admin/<user>: owner -> agent, signed with the owner's key ----
 * {"v":1,"op":"user-add","time":...,"name":"gina","role":"guest",
 *  "from":...,"until":...,"schedule":"Sa,Su 09:00-18:00","uses":3,
 *  "locks":"front-door","cursor":0,"count":50,"mac":"..."}
 * time is also the admin request id. Every argument is optional and only
 * meaningful for some ops; has_* tells which were present. uses 0 means
 * unlimited; locks is a comma-separated list or "*". */
struct sl_admin_req {
	enum sl_admin_op op;
	int64_t time;
	char name[SL_NAME_MAX + 1];
	bool has_role; enum sl_role role;
	bool has_from; int64_t from;
	bool has_until; int64_t until;
	bool has_schedule; char schedule[SL_SCHEDULE_MAX];
	bool has_uses; int64_t uses;
	bool has_locks; char locks[SL_MSG_MAX];
	bool has_cursor; int64_t cursor;
	bool has_count; int64_t count;
	char mac[SL_MAC_CHARS + 1];
};

/* ---- adminRes/<user>: agent -> owner ----
 * {"v":1,"id":...,"op":"user-list","result":"ok","reason":"","msg":"...",
 *  "data":{...}} ; data is op-specific JSON (see the man page), kept as
 * text: data_json is a malloc'd string or NULL, freed by
 * proto_admin_res_finish(). */
struct sl_admin_res {
	int64_t id;
	enum sl_admin_op op;
	enum sl_result result;
	enum sl_reason reason;
	char msg[SL_MSG_MAX];
	char *data_json;
};

/* ---- smartlock/_site/loginFailed: plugin -> agent ----
 * {"v":1,"user":"mallory","addr":"192.0.2.7","reason":"bad-password",
 *  "time":...} ; user is "" for anonymous. user names here come from the
 * network and are only checked for length and control characters. */
struct sl_login_failed {
	char user[SL_NAME_MAX + 1];
	char addr[SL_ADDR_MAX];
	enum sl_login_reason reason;
	int64_t time;
};

/* ---- smartlock/_site/abuse: plugin -> agent ----
 * {"v":1,"user":"gina","role":"guest","rate":1234,"size":0,"squat":0,
 *  "span":10000,"time":...,"id":"smartlock-agent"} : what the broker
 * dropped from one account since its first unreported drop, span ms ago:
 * messages over its rate, payloads over its size limit, logins refused
 * for asking for a client id reserved for someone else (id: the last one
 * asked for). */
struct sl_abuse_report {
	char user[SL_NAME_MAX + 1];
	char role[16];
	int64_t rate, size, squat;
	int64_t span;
	int64_t time;
	char id[SL_ADDR_MAX];
};

/* ---- decoders: SL_OK or the first problem; see the file comment ---- */
enum sl_err proto_decode_request(const void *buf, size_t len,
		struct sl_request *out, struct sl_proto_error *err);
enum sl_err proto_decode_response(const void *buf, size_t len,
		struct sl_response *out, struct sl_proto_error *err);
enum sl_err proto_decode_command(const void *buf, size_t len,
		struct sl_command *out, struct sl_proto_error *err);
enum sl_err proto_decode_lock_status(const void *buf, size_t len,
		struct sl_lock_status *out, struct sl_proto_error *err);
enum sl_err proto_decode_heartbeat(const void *buf, size_t len,
		struct sl_heartbeat *out, struct sl_proto_error *err);
enum sl_err proto_decode_state(const void *buf, size_t len,
		struct sl_state_msg *out, struct sl_proto_error *err);
enum sl_err proto_decode_alert(const void *buf, size_t len,
		struct sl_alert *out, struct sl_proto_error *err);
enum sl_err proto_decode_admin_req(const void *buf, size_t len,
		struct sl_admin_req *out, struct sl_proto_error *err);
/* On SL_OK out->data_json may be set; call proto_admin_res_finish(). */
enum sl_err proto_decode_admin_res(const void *buf, size_t len,
		struct sl_admin_res *out, struct sl_proto_error *err);
void proto_admin_res_finish(struct sl_admin_res *res);
enum sl_err proto_decode_login_failed(const void *buf, size_t len,
		struct sl_login_failed *out, struct sl_proto_error *err);
enum sl_err proto_decode_abuse_report(const void *buf, size_t len,
		struct sl_abuse_report *out, struct sl_proto_error *err);

/* ---- encoders: malloc'd JSON text or NULL (out of memory) ---- */
/* They also return NULL for a struct the matching decoder would refuse (a
 * value out of range, an invalid name, an empty MAC, ...): whatever is
 * encoded decodes. */
char *proto_encode_request(const struct sl_request *r);
char *proto_encode_response(const struct sl_response *r);
char *proto_encode_command(const struct sl_command *c);
char *proto_encode_lock_status(const struct sl_lock_status *s);
char *proto_encode_heartbeat(const struct sl_heartbeat *h);
char *proto_encode_state(const struct sl_state_msg *s);
char *proto_encode_alert(const struct sl_alert *a);
char *proto_encode_admin_req(const struct sl_admin_req *a);
/* data_json, if not NULL, must be a JSON value; it is embedded as "data". */
char *proto_encode_admin_res(const struct sl_admin_res *r);
char *proto_encode_login_failed(const struct sl_login_failed *l);
char *proto_encode_abuse_report(const struct sl_abuse_report *r);

/* ---- signing: fill ->mac / check it, for the payload as sent on topic ----
 * sign returns SL_OK or an error from sign.h; verify returns SL_OK or
 * SL_ERR_BAD_MAC (never tells which byte differed). */
enum sl_err proto_sign_request(const struct sl_key *key, const char *topic,
		struct sl_request *r);
enum sl_err proto_verify_request(const struct sl_key *key, const char *topic,
		const struct sl_request *r);
enum sl_err proto_sign_command(const struct sl_key *key, const char *topic,
		struct sl_command *c);
enum sl_err proto_verify_command(const struct sl_key *key, const char *topic,
		const struct sl_command *c);
enum sl_err proto_sign_admin_req(const struct sl_key *key, const char *topic,
		struct sl_admin_req *a);
enum sl_err proto_verify_admin_req(const struct sl_key *key, const char *topic,
		const struct sl_admin_req *a);

/* Replace every control character (and DEL, and invalid UTF-8) in s with
 * '?', in place: for text that came from the network and goes to a
 * terminal or a log line. */
void proto_sanitize_text(char *s);

#endif
