/*
 * records.h - what the clients read out of the agent's JSON beyond the
 * fixed payloads of protocol.h: audit records (the log topic and log
 * pages), the user list of an admin answer, and the enrolment material of a
 * user-add answer. Every string is cleaned with text_clean() while it is
 * parsed, and every field is checked for type and length; a record that
 * does not fit is refused, never truncated silently.
 *
 * Pure functions; the caller owns every buffer. Thread-safe.
 */
#ifndef SMARTLOCK_CLIENT_RECORDS_H
#define SMARTLOCK_CLIENT_RECORDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

/* One audit record (audit.h's line format), decoded. */
struct client_log_entry {
	uint64_t seq;
	int64_t time;           /* ms since the epoch; 0 if unparsable */
	char time_text[32];     /* as on the wire */
	char actor[72];         /* wider than a name: failed logins carry
				   whatever name was tried (cleaned) */
	char role[16];
	char source[SL_ADDR_MAX];
	char lock[SL_NAME_MAX + 1];
	char action[32];
	char result[16];
	char reason[32];
	char detail[SL_MSG_MAX];
};

/* How a result word reads (for colours): good, bad, neutral. */
enum client_tone { CLIENT_TONE_NEUTRAL, CLIENT_TONE_GOOD, CLIENT_TONE_BAD, CLIENT_TONE_WARN };
enum client_tone client_result_tone(const char *result);

/* Decode one audit line (the log topic's payload). Extra members are
 * ignored (forward compatible); missing ones are left empty. SL_OK,
 * SL_ERR_JSON, SL_ERR_NOT_OBJECT, SL_ERR_WRONG_TYPE, SL_ERR_TOO_LARGE. */
enum sl_err records_parse_log(const char *buf, size_t len, struct client_log_entry *out);

/* The same from a parsed cJSON object (opaque here to keep cJSON out of
 * the callers' includes). */
enum sl_err records_parse_log_object(const void *cjson_object, struct client_log_entry *out);

/* Re-encode an entry as one compact JSON line (malloc'd; NULL on OOM). */
char *records_log_to_json(const struct client_log_entry *e);

/* Re-serialise any JSON text compactly and terminal-safe (text_json_safe):
 * for printing data that came from the network. NULL if it is not JSON or
 * out of memory. */
char *records_json_safe(const char *json);

/* The same for a JSON object text with one more string member added
 * ("message": the sentence of an answer). */
char *records_json_with_message(const char *json_object, const char *message);

/* One row of a user-list answer. */
struct client_user {
	char name[SL_NAME_MAX + 1];
	char role[16];
	char status[16];        /* active, disabled, revoked */
	int64_t from, until;    /* ms, 0 = unbounded */
	char schedule[SL_SCHEDULE_MAX];
	int64_t max_uses;       /* 0 = unlimited */
	int64_t uses;
	char locks[SL_MSG_MAX];
	int64_t locked_out_until;       /* ms, 0 = not locked out */
};

/* data of a user-list answer: {"users":[...]} into a malloc'd array
 * (free()). */
enum sl_err records_parse_users(const char *data_json, struct client_user **out, size_t *n);

/* One active lockout of a user-list answer's "lockouts": a user's own
 * (lock empty), or a lock's after failures by unregistered identities
 * (who: the last of them). */
struct client_lockout {
	char who[SL_MSG_MAX];
	char why[32];
	int64_t until;
	char lock[SL_NAME_MAX + 1];
};

/* The "lockouts" of a user-list answer into a malloc'd array (free());
 * none (n 0) when the agent sent none. */
enum sl_err records_parse_lockouts(const char *data_json, struct client_lockout **out,
		size_t *n);

/* data of a log-page answer: {"records":[...],"next":cursor}. Records are
 * returned in ascending seq order; *next is 0 when there is nothing older. */
enum sl_err records_parse_log_page(const char *data_json, struct client_log_entry **out,
		size_t *n, int64_t *next);

/* data of a user-add answer: {"user","role","password","signing_key"}. */
struct client_new_user {
	char user[SL_NAME_MAX + 1];
	enum sl_role role;
	char password[128];
	struct sl_key key;
};
enum sl_err records_parse_new_user(const char *data_json, struct client_new_user *out);
void records_new_user_wipe(struct client_new_user *u);

/* Clean every string of an alert with text_clean(). */
void records_clean_alert(struct sl_alert *a);

/* data of an alert-list answer: {"alerts":[securityAlert payloads, oldest
 * first],"last":id} into a malloc'd array (free()), each alert decoded by
 * proto_decode_alert() and cleaned. */
enum sl_err records_parse_alerts(const char *data_json, struct sl_alert **out, size_t *n);
/* Call fn with each valid lock id of the answer's "locks" array (the
 * locks an alert-list answer says the owner may use); others are
 * skipped. */
void records_each_lock(const char *data_json, void (*fn)(const char *id, void *arg), void *arg);

#endif
