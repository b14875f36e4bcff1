/*
 * words.h - the plain sentences the console and smartlockctl show for
 * answers, states, alerts and connection problems: "Denied: outside your
 * access window — it opens Sat 09:00". One table per enumeration, indexed by
 * the enum, so every reason has its sentence and a test can walk them all.
 *
 * Pure functions; now_ms is passed in so tests are repeatable. Thread-safe.
 */
#ifndef SMARTLOCK_CLIENT_WORDS_H
#define SMARTLOCK_CLIENT_WORDS_H

#include <stddef.h>
#include <stdint.h>

#include "smartlock/protocol.h"

#define WORDS_MAX 256           /* every sentence fits */

/* The sentence for a reason alone, without "Denied:" and without a time:
 * "outside your access window". Never NULL (out of range: "unknown
 * reason"). */
const char *words_reason(enum sl_reason r);

/*
 * The full answer to a request for action, for example
 *   "Granted: the door is unlocked."
 *   "Denied: outside your access window — it opens Sat 09:00"
 *   "Failed: the lock is offline."
 *   "The door is LOCKED and closed."                 (status)
 * using response->until (local time, relative to now_ms) where the reason
 * has a time. Returns buf.
 */
char *words_response(const struct sl_response *r, enum sl_action action,
		int64_t now_ms, char *buf, size_t size);

/* The same for an admin answer: "Done: gina added." / "Denied: ...". */
char *words_admin(const struct sl_admin_res *r, const char *name, int64_t now_ms,
		char *buf, size_t size);

/* "LOCKED", ... and "unknown" for SL_STATE_UNKNOWN (the console's banner). */
const char *words_state(enum sl_lock_state s);
/* "closed", "open", "unknown". */
const char *words_door(enum sl_door d);

/* One line for an alert: "mallory: 3 failed attempts; unlocking disabled
 * until 14:06" (the agent's msg if it gave one, else built from the kind). */
char *words_alert(const struct sl_alert *a, int64_t now_ms, char *buf, size_t size);
/* Short title per kind: "Lockout", "Suspicious unlocks", "Lock offline"... */
const char *words_alert_title(enum sl_alert_kind k);
/* Where an alert came from, for people: a network address, or "" for the
 * agent's own topic names ("lockReq", "health", ...). */
const char *words_alert_source(const char *source);
/* An audit record's detail as one line for people: command sequence
 * numbers left out ("seq 42, state LOCKED" -> "state LOCKED"), a use
 * count named ("use 3" -> "unlock number 3"). Returns buf. */
char *words_log_detail(const char *detail, char *buf, size_t size);
/* True for kinds that are security events (critical notifications). */
int words_alert_is_security(enum sl_alert_kind k);

/* The "no answer" sentence for a request that timed out after ms. */
char *words_timeout(enum sl_action action, int64_t ms, char *buf, size_t size);

/* How long the status round trip after a lock or unlock with no answer may
 * take (ms). */
#define WORDS_STATE_CHECK_MS 3000
/* After a lock or unlock with no answer: "Now: ..." where the door is, from
 * the answer r to one status request (NULL: none came) or else the last
 * state published (NULL: none seen). */
char *words_state_now(const struct sl_response *r, const struct sl_state_msg *last,
		int64_t now_ms, char *buf, size_t size);

#endif
