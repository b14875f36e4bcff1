/* words.c - plain sentences for answers, states and alerts. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "exitcode.h"
#include "text.h"
#include "words.h"

/* What follows the time of a reason that has one ("— it opens Sat 09:00"). */
enum time_kind { TIME_NONE, TIME_OPENS, TIME_UNTIL, TIME_AGAIN };

struct reason_words {
	const char *text;
	enum time_kind when;
};

/* Indexed by enum sl_reason; the test walks every entry. */
static const struct reason_words reasons[SL_REASON_COUNT_] = {
	[SL_REASON_NONE] = {"no reason given", TIME_NONE},
	[SL_REASON_BAD_SIGNATURE] = {"the request's signature did not verify "
			"(is the enrolment file current?)", TIME_NONE},
	[SL_REASON_STALE] = {"the request's time is too far from the agent's clock "
			"(this computer's clock or the agent's is wrong)", TIME_NONE},
	[SL_REASON_REPLAY] = {"the request repeated an earlier one", TIME_NONE},
	[SL_REASON_UNKNOWN_USER] = {"the agent does not know this user", TIME_NONE},
	[SL_REASON_REVOKED] = {"your access has been revoked", TIME_NONE},
	[SL_REASON_DISABLED] = {"your access is disabled; an owner can re-enable it", TIME_NONE},
	[SL_REASON_NOT_PERMITTED] = {"your role may not do that", TIME_NONE},
	[SL_REASON_OUTSIDE_WINDOW] = {"outside your access window", TIME_OPENS},
	[SL_REASON_OUTSIDE_SCHEDULE] = {"outside your weekly schedule", TIME_OPENS},
	[SL_REASON_USES_EXHAUSTED] = {"you have used all the entries you were given", TIME_NONE},
	[SL_REASON_RATE_LIMITED] = {"too many unlock requests in a short time", TIME_AGAIN},
	[SL_REASON_LOCKED_OUT] = {"unlocking is locked out after repeated failed attempts",
			TIME_UNTIL},
	[SL_REASON_LOCK_OFFLINE] = {"the lock is offline", TIME_NONE},
	[SL_REASON_TIMEOUT] = {"the lock did not confirm in time", TIME_NONE},
	[SL_REASON_INTERNAL_ERROR] = {"the agent had an internal error (see its log)", TIME_NONE},
	[SL_REASON_MALFORMED] = {"the request was malformed", TIME_NONE},
	[SL_REASON_JAMMED] = {"the bolt is jammed; check the door", TIME_NONE},
	[SL_REASON_BUSY] = {"the lock is busy with another command; try again", TIME_NONE},
	[SL_REASON_DOOR_OPEN] = {"the door is open; close it before locking", TIME_NONE},
	[SL_REASON_UNKNOWN_LOCK] = {"the agent does not know this lock", TIME_NONE},
	[SL_REASON_BAD_REQUEST] = {"the agent could not use the request", TIME_NONE},
	[SL_REASON_EXPIRED] = {"it came too late to be carried out; nothing was done",
			TIME_NONE},
	[SL_REASON_CLOCK] = {"a clock is off (this computer's, the agent's or the lock's)",
			TIME_NONE},
};

static const char *const state_words[SL_STATE_COUNT_] = {
	[SL_STATE_UNKNOWN] = "unknown",
	[SL_STATE_LOCKED] = "LOCKED",
	[SL_STATE_UNLOCKED] = "UNLOCKED",
	[SL_STATE_LOCKING] = "LOCKING",
	[SL_STATE_UNLOCKING] = "UNLOCKING",
	[SL_STATE_JAMMED] = "JAMMED",
};

static const char *const door_words[SL_DOOR_COUNT_] = {
	[SL_DOOR_UNKNOWN] = "unknown",
	[SL_DOOR_CLOSED] = "closed",
	[SL_DOOR_OPEN] = "open",
};

struct alert_words {
	const char *title;
	const char *text;       /* when the agent sent no msg */
	int security;
};

static const struct alert_words alerts[SL_ALERT_COUNT_] = {
	[SL_ALERT_LOCKOUT] = {"Lockout", "repeated failed attempts; unlocking disabled", 1},
	[SL_ALERT_SUSPICIOUS] = {"Suspicious unlocks", "too many unlock requests", 1},
	[SL_ALERT_LOCKOUT_CLEARED] = {"Lockout cleared", "unlocking is allowed again", 0},
	[SL_ALERT_LOGIN_FAILED] = {"Failed login", "the broker refused a login", 1},
	[SL_ALERT_LOCK_OFFLINE] = {"Lock offline", "the lock stopped answering", 1},
	[SL_ALERT_LOCK_ONLINE] = {"Lock online", "the lock is back", 0},
	[SL_ALERT_JAMMED] = {"Jammed", "the bolt is jammed", 1},
	[SL_ALERT_ABUSE] = {"Abuse", "the broker dropped an account's flood or refused it", 1},
	[SL_ALERT_AUDIT_BUDGET] = {"Audit log size", "the audit log nears its size budget", 1},
	[SL_ALERT_AUDIT_FAILURE] = {"Audit failure",
			"the audit log cannot be written; unlocking is refused", 1},
	[SL_ALERT_RECOVERED] = {"Recovered after a crash",
			"the agent repaired its files after a crash", 1},
	[SL_ALERT_DISK_LOW] = {"Disk almost full",
			"little space is left for the audit log", 1},
	[SL_ALERT_UNEXPECTED_MOVE] = {"Unexpected move", "the lock moved without a command", 1},
	[SL_ALERT_CLOCK] = {"Clock", "a clock stepped or is off", 1},
	[SL_ALERT_ACKNOWLEDGED] = {"Acknowledged", "an owner acknowledged alerts", 0},
};

static const char *const done_words[SL_ACTION_COUNT_] = {
	[SL_ACTION_LOCK] = "Granted: the door is locked.",
	[SL_ACTION_UNLOCK] = "Granted: the door is unlocked.",
	[SL_ACTION_STATUS] = NULL,      /* built from the state */
	[SL_ACTION_HEARTBEAT] = "Done: the lock sent a heartbeat.",
	[SL_ACTION_RESET] = "Done: the lock was reset.",
};

static const char *const verb_words[SL_ACTION_COUNT_] = {
	[SL_ACTION_LOCK] = "lock",
	[SL_ACTION_UNLOCK] = "unlock",
	[SL_ACTION_STATUS] = "status",
	[SL_ACTION_HEARTBEAT] = "health check",
	[SL_ACTION_RESET] = "reset",
};

const char *words_reason(enum sl_reason r)
{
	if ((unsigned)r >= SL_REASON_COUNT_ || !reasons[r].text)
		return "unknown reason";
	return reasons[r].text;
}

const char *words_state(enum sl_lock_state s)
{
	return (unsigned)s < SL_STATE_COUNT_ ? state_words[s] : "unknown";
}

const char *words_door(enum sl_door d)
{
	return (unsigned)d < SL_DOOR_COUNT_ ? door_words[d] : "unknown";
}

/* "Denied: <reason>[ — it opens Sat 09:00]" into buf. */
static void reason_sentence(const char *lead, enum sl_reason reason, int64_t until,
		int64_t now_ms, char *buf, size_t size)
{
	char when[48];
	enum time_kind tk = (unsigned)reason < SL_REASON_COUNT_ ? reasons[reason].when : TIME_NONE;

	if (until <= 0 || tk == TIME_NONE) {
		snprintf(buf, size, "%s: %s.", lead, words_reason(reason));
		return;
	}
	text_when(until, now_ms, when, sizeof(when));
	switch (tk) {
	case TIME_OPENS:
		/* a bare "HH:MM" is today */
		snprintf(buf, size, "%s: %s \u2014 it opens %s%s", lead, words_reason(reason),
				strlen(when) == 5 ? "today at " : "", when);
		break;
	case TIME_UNTIL:
		snprintf(buf, size, "%s: %s \u2014 until %s", lead, words_reason(reason), when);
		break;
	default:
		snprintf(buf, size, "%s: %s \u2014 try again after %s", lead,
				words_reason(reason), when);
		break;
	}
}

char *words_response(const struct sl_response *r, enum sl_action action,
		int64_t now_ms, char *buf, size_t size)
{
	if (size == 0)
		return buf;
	switch (r->result) {
	case SL_RESULT_OK:
		if (action == SL_ACTION_STATUS || (unsigned)action >= SL_ACTION_COUNT_) {
			if (r->door != SL_DOOR_UNKNOWN)
				snprintf(buf, size, "The door is %s and %s.", words_state(r->state),
						words_door(r->door));
			else
				snprintf(buf, size, "The door is %s.", words_state(r->state));
		} else {
			snprintf(buf, size, "%s", done_words[action]);
		}
		break;
	case SL_RESULT_DENIED:
		reason_sentence("Denied", r->reason, r->until, now_ms, buf, size);
		break;
	case SL_RESULT_ERROR:
		if (r->reason == SL_REASON_NONE && r->msg[0])
			snprintf(buf, size, "Failed: %s", r->msg);
		else
			reason_sentence("Failed", r->reason, r->until, now_ms, buf, size);
		break;
	default:
		snprintf(buf, size, "The %s is in progress.",
				(unsigned)action < SL_ACTION_COUNT_ ? verb_words[action] : "request");
		break;
	}
	return buf;
}

struct admin_words {
	const char *text;
	int named;              /* "Done: <name> <text>." vs "Done: <text>." */
};

static const struct admin_words admin_done[SL_ADMIN_OP_COUNT_] = {
	[SL_ADMIN_USER_LIST] = {"user list received", 0},
	[SL_ADMIN_USER_ADD] = {"added", 1},
	[SL_ADMIN_USER_UPDATE] = {"updated", 1},
	[SL_ADMIN_USER_DISABLE] = {"disabled", 1},
	[SL_ADMIN_USER_ENABLE] = {"re-enabled", 1},
	[SL_ADMIN_USER_REVOKE] = {"revoked for good", 1},
	[SL_ADMIN_LOCKOUT_RESET] = {"lockout reset", 0},
	[SL_ADMIN_HEALTH_CHECK] = {"health check sent to the lock", 0},
	[SL_ADMIN_LOCK_RESET] = {"the lock is re-homing its bolt", 0},
	[SL_ADMIN_LOG_PAGE] = {"log page received", 0},
	[SL_ADMIN_ALERT_TEST] = {"the test alert went through every channel", 0},
	[SL_ADMIN_ALERT_LIST] = {"alert history received", 0},
	[SL_ADMIN_ALERT_ACK] = {"alert acknowledged", 0},
	[SL_ADMIN_ALERT_ACK_ALL] = {"alerts acknowledged", 0},
};

char *words_admin(const struct sl_admin_res *r, const char *name, int64_t now_ms,
		char *buf, size_t size)
{
	if (size == 0)
		return buf;
	if (r->result == SL_RESULT_OK) {
		const struct admin_words *w = (unsigned)r->op < SL_ADMIN_OP_COUNT_ ?
				&admin_done[r->op] : NULL;

		if (!w)
			snprintf(buf, size, "Done.");
		else if (w->named)
			snprintf(buf, size, "Done: %s %s.", name && name[0] ? name : "the user",
					w->text);
		else if (name && name[0])
			snprintf(buf, size, "Done: %s (%s).", w->text, name);
		else
			snprintf(buf, size, "Done: %s.", w->text);
	} else if (r->result == SL_RESULT_DENIED) {
		reason_sentence("Denied", r->reason, 0, now_ms, buf, size);
	} else if ((r->reason == SL_REASON_NONE || r->reason == SL_REASON_BAD_REQUEST ||
			r->reason == SL_REASON_INTERNAL_ERROR) && r->msg[0]) {
		/* the agent's own sentence names the cause (a password file it
		 * may not rewrite, a user store it cannot save) */
		snprintf(buf, size, "Failed: %s", r->msg);
	} else {
		reason_sentence("Failed", r->reason, 0, now_ms, buf, size);
	}
	return buf;
}

const char *words_alert_title(enum sl_alert_kind k)
{
	return (unsigned)k < SL_ALERT_COUNT_ ? alerts[k].title : "Alert";
}

int words_alert_is_security(enum sl_alert_kind k)
{
	return (unsigned)k < SL_ALERT_COUNT_ ? alerts[k].security : 1;
}

/* Where an alert came from, if a person can use it: a network address,
 * not the name of one of the agent's own topics. */
const char *words_alert_source(const char *source)
{
	static const char *const internal[] = {      /* sorted */
		"admin", "agent", "health", "lock", "lockReq", "lockStatus", "loginFailed",
	};

	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (strcmp(source, internal[i]) == 0)
			return "";
	return source;
}

char *words_alert(const struct sl_alert *a, int64_t now_ms, char *buf, size_t size)
{
	char when[48] = "";
	char tail[64] = "";
	const char *text, *source = words_alert_source(a->source);

	if (size == 0)
		return buf;
	text = a->msg[0] ? a->msg :
			((unsigned)a->kind < SL_ALERT_COUNT_ ? alerts[a->kind].text : "alert");
	if (a->until > 0) {
		text_when(a->until, now_ms, when, sizeof(when));
		snprintf(tail, sizeof(tail), " (until %s)", when);
	}
	if (a->user[0] && source[0])
		snprintf(buf, size, "%s from %s: %s%s", a->user, source, text, tail);
	else if (a->user[0])
		snprintf(buf, size, "%s: %s%s", a->user, text, tail);
	else if (source[0])
		snprintf(buf, size, "from %s: %s%s", source, text, tail);
	else
		snprintf(buf, size, "%s%s", text, tail);
	return buf;
}

char *words_timeout(enum sl_action action, int64_t ms, char *buf, size_t size)
{
	char dur[32];

	/* a lock or unlock may have happened: say so, never "failed" */
	snprintf(buf, size, "Timed out: no answer to the %s request within %s; %s",
			(unsigned)action < SL_ACTION_COUNT_ ? verb_words[action] : "",
			text_duration(ms, dur, sizeof(dur)),
			action == SL_ACTION_LOCK || action == SL_ACTION_UNLOCK ?
			"its outcome is unknown." : "is the agent running?");
	return buf;
}

char *words_state_now(const struct sl_response *r, const struct sl_state_msg *last,
		int64_t now_ms, char *buf, size_t size)
{
	char said[WORDS_MAX];

	if (r && r->result == SL_RESULT_OK)
		snprintf(buf, size, "Now: %s", words_response(r, SL_ACTION_STATUS, now_ms, said,
				sizeof(said)));
	else if (r && r->reason == SL_REASON_LOCK_OFFLINE)
		snprintf(buf, size, "Now: %s", r->msg[0] ? r->msg : "the lock is offline.");
	else if (last)
		snprintf(buf, size, "Now: no answer either; last known %s, door %s.",
				words_state(last->state), words_door(last->door));
	else
		snprintf(buf, size, "Now: no answer either; is the agent running?");
	return buf;
}

enum client_exit client_exit_for(enum sl_result result, enum sl_reason reason)
{
	if (result == SL_RESULT_OK)
		return EXIT_GRANTED;
	if (reason == SL_REASON_LOCK_OFFLINE)
		return EXIT_OFFLINE;
	if (reason == SL_REASON_TIMEOUT)
		return EXIT_TIMEOUT;
	if (result == SL_RESULT_DENIED)
		return EXIT_DENIED;
	return EXIT_FAILED;
}

/* Does s start with word and then a run of digits? Returns the length of
 * both with the separator after them (", " or " "), or 0. */
static size_t numbered(const char *s, const char *word)
{
	size_t n = strlen(word), d = 0;

	if (strncmp(s, word, n) != 0)
		return 0;
	while (isdigit((unsigned char)s[n + d]))
		d++;
	if (d == 0 || isalnum((unsigned char)s[n + d]))
		return 0;
	n += d;
	if (s[n] == ',')
		n++;
	while (s[n] == ' ')
		n++;
	return n;
}

char *words_log_detail(const char *detail, char *buf, size_t size)
{
	size_t w = 0, n;
	long long use;

	if (size == 0)
		return buf;
	if (sscanf(detail, "use %lld", &use) == 1 && numbered(detail, "use ") == strlen(detail)) {
		snprintf(buf, size, "unlock number %lld", use);
		return buf;
	}
	for (const char *p = detail; *p && w + 1 < size;) {
		/* command sequence numbers mean nothing to a person */
		if ((p == detail || p[-1] == ' ') && (n = numbered(p, "seq ")) > 0) {
			p += n;
			continue;
		}
		buf[w++] = *p++;
	}
	while (w > 0 && (buf[w - 1] == ' ' || buf[w - 1] == ','))
		w--;
	buf[w] = '\0';
	return buf;
}
