/* pipeline.c - every check a lock request passes before it reaches a lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "budget.h"
#include "clock.h"
#include "intrusion.h"
#include "pipeline.h"
#include "policy.h"
#include "relay.h"
#include "report.h"

/* Reasons answered as result "error" (allowed, but it could not be done). */
static bool is_error_reason(enum sl_reason r)
{
	return r == SL_REASON_LOCK_OFFLINE || r == SL_REASON_TIMEOUT ||
		r == SL_REASON_INTERNAL_ERROR || r == SL_REASON_JAMMED || r == SL_REASON_BUSY ||
		r == SL_REASON_EXPIRED;
}

static void user_lockout_alert(struct agent *a, const char *user, const char *source,
		const char *why, int64_t until)
{
	char when[16];

	report_local_time(until, when, sizeof(when));
	report_alert(a, SL_ALERT_LOCKOUT, NULL, user, source, until,
			"%s failed %lld times within %lld s (last: %s): %s may not unlock until %s; "
			"everyone else is served.", user, (long long)a->set.fail_threshold,
			(long long)a->set.fail_window, why, user, when);
}

/* One alert for the locks a stranger's failure locked (mask of indexes). */
static void stranger_lockout_alert(struct agent *a, uint32_t mask, const char *who,
		const char *source, const char *why, int64_t until)
{
	char when[16], locks[256] = "";
	size_t n = 0, used = 0;
	const char *one = NULL;

	for (size_t i = 0; i < a->nlocks; i++) {
		if (!(mask & (UINT32_C(1) << i)))
			continue;
		one = a->locks[i].id;
		n++;
		used += (size_t)snprintf(locks + used, used < sizeof(locks) ? sizeof(locks) - used : 0,
				"%s%s", used ? ", " : "", one);
		if (used >= sizeof(locks))
			used = sizeof(locks);
	}
	report_local_time(until, when, sizeof(when));
	report_alert(a, SL_ALERT_LOCKOUT, n == 1 ? one : NULL, who, source, until,
			"%lld failed attempts by unregistered identities within %lld s (last: %s by "
			"%s): unlocking %s is disabled until %s for everyone but owners%s.",
			(long long)a->set.stranger_fail_threshold,
			(long long)a->set.stranger_fail_window, why, who[0] ? who : "an unknown sender",
			locks, when, a->set.stranger_lockout_serves_residents ? " and residents" : "");
}

void pipeline_count_failure(struct agent *a, struct lock_ctx *l, const char *user,
		bool user_known, enum sl_action action, enum sl_reason reason,
		const char *source, int64_t now)
{
	const char *why = proto_reason_name(reason);
	int64_t until;

	if (!intrusion_counts(action, reason))
		return;
	if (user_known) {
		if (intrusion_user_fail(&a->st, &a->set, user, why, now, &until))
			user_lockout_alert(a, user, source, why, until);
		return;
	}
	if (intrusion_stranger_fail(&a->st, &a->set, l->index, user, why, now, &until))
		stranger_lockout_alert(a, UINT32_C(1) << l->index, user, source, why, until);
}

struct outcome {
	const struct sl_user *u;        /* NULL for unknown senders */
	const char *action;
	enum sl_action act;             /* SL_ACTION_COUNT_ until decoded */
	int64_t id;
	bool fresh;                     /* id passed the freshness checks */
};

/* May this refusal be counted instead of written (aggregate.h)? Only
 * when nothing needs it record by record: no request id to rebuild the
 * replay cache from, and no failure the intrusion rule counts now. */
static bool absorbable(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, enum sl_reason reason)
{
	const struct user_counters *uc;
	int64_t now = time_now_ms();

	if (o->fresh)
		return false;
	if (!intrusion_counts(o->act, reason))
		return true;
	/* a counted failure: only while its sender is locked out already */
	if (!o->u)
		return a->st.locks[l->index].lockout_until > now;
	uc = state_user(&a->st, user, false);
	return uc && uc->lockout_until > now;
}

static void answer(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, enum sl_result result, enum sl_reason reason,
		int64_t until, const char *msg)
{
	struct sl_response r;
	struct audit_record rec = {0};

	rec.actor = user;
	rec.role = o->u ? proto_role_name(o->u->role) : "";
	rec.source = "lockReq";
	rec.lock = l->id;
	rec.action = o->action;
	rec.result = result == SL_RESULT_OK ? "ok" : result == SL_RESULT_DENIED ? "denied" : "error";
	rec.reason = proto_reason_name(reason);
	rec.detail = msg;
	rec.id = o->fresh ? o->id : 0;
	if (result == SL_RESULT_OK || !absorbable(a, l, user, o, reason) ||
			!report_absorb(a, &rec)) {
		if (report_audit(a, &rec, false) != SL_OK && result == SL_RESULT_OK) {
			/* no answer that something is fine without its record */
			result = SL_RESULT_ERROR;
			reason = SL_REASON_INTERNAL_ERROR;
			msg = "The audit log cannot be written; nothing was done.";
		}
	}

	memset(&r, 0, sizeof(r));
	r.id = o->id;
	r.result = result;
	r.reason = reason;
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	r.until = until;
	/* an offline lock's answer carries what was last known */
	if (result == SL_RESULT_OK || reason == SL_REASON_LOCK_OFFLINE) {
		r.state = l->state.state;
		r.door = l->state.door;
	}
	report_response(a, l->id, user, &r);
}

static void refuse(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, enum sl_reason reason, int64_t until, const char *msg)
{
	int64_t now = time_now_ms();

	answer(a, l, user, o, is_error_reason(reason) ? SL_RESULT_ERROR : SL_RESULT_DENIED,
			reason, until, msg);
	pipeline_count_failure(a, l, user, o->u != NULL, o->act, reason, "lockReq", now);
	if (reason == SL_REASON_STALE && o->u && intrusion_stale(&a->st, &a->set, user, now))
		report_alert(a, SL_ALERT_SUSPICIOUS, l->id, user, "lockReq", 0,
				"%lld requests by %s within %lld s were refused for their time alone: "
				"the clock of %s's device or of the agent is wrong (not counted as "
				"failed attempts).", (long long)a->set.fail_threshold, user,
				(long long)a->set.fail_window, user);
}

enum sl_reason pipeline_check_fresh(struct agent *a, const char *user,
		enum replay_kind kind, int64_t t, const char *mac, int64_t now)
{
	int64_t window = a->set.request_window * 1000;

	if (t < now - window || t > now + window)
		return SL_REASON_STALE;
	switch (replay_check(&a->st.replay, user, kind, t, mac, now,
				a->set.duplicate_window * 1000)) {
	case REPLAY_DUPLICATE:
		return SL_REASON_COUNT_;
	case REPLAY_REUSED:
		return SL_REASON_REPLAY;
	case REPLAY_NEW:
		break;
	}
	replay_add(&a->st.replay, user, kind, t, mac, now, window);
	a->st.dirty = true;
	return SL_REASON_NONE;
}

static void grant(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, enum sl_action action)
{
	struct user_counters *uc = NULL;
	struct audit_record rec = {0};
	struct pending *p;
	char detail[96];

	p = relay_slot(l);
	if (!p) {
		refuse(a, l, user, o, SL_REASON_BUSY, 0,
				"The lock is busy with other commands; try again.");
		return;
	}
	if (action == SL_ACTION_UNLOCK) {
		uc = state_user(&a->st, user, true);
		if (!uc) {
			refuse(a, l, user, o, SL_REASON_INTERNAL_ERROR, 0, "Out of memory.");
			return;
		}
		uc->uses++;
		a->st.dirty = true;
	}
	/* the use count and the request id reach the disk in this record,
	 * before the door opens; state.json catches up later (recover.h) */
	snprintf(detail, sizeof(detail), "use %lld", uc ? (long long)uc->uses : 0LL);
	rec.actor = user;
	rec.role = proto_role_name(o->u->role);
	rec.source = "lockReq";
	rec.lock = l->id;
	rec.action = o->action;
	rec.result = "granted";
	rec.reason = "";
	rec.detail = detail;
	rec.id = o->id;
	if (report_audit(a, &rec, true) != SL_OK) {
		if (uc) {
			uc->uses--;
			a->st.dirty = true;
		}
		/* the grant could not be recorded: fail closed */
		answer(a, l, user, o, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, 0,
				"The audit log cannot be written; nothing was done.");
		return;
	}
	if (!relay_send(a, l, p, PENDING_REQUEST, action, user, o->id)) {
		if (uc) {
			uc->uses--;
			a->st.dirty = true;
		}
		answer(a, l, user, o, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, 0,
				"The command could not be sent to the lock.");
		return;
	}
	/* counted now, durably, before the door opens; given back unless the
	 * lock confirms (relay.c) */
	p->spent = uc != NULL;
}

static void malformed(struct agent *a, struct lock_ctx *l, const char *user,
		enum sl_err e, const struct sl_proto_error *perr)
{
	struct outcome o = {user_store_find(a->users, user), "?", SL_ACTION_COUNT_, 0, false};
	char msg[SL_MSG_MAX];
	enum sl_reason reason = SL_REASON_MALFORMED;

	if (e == SL_ERR_BAD_MAC || strcmp(perr->field, "m") == 0)
		reason = SL_REASON_BAD_SIGNATURE;
	snprintf(msg, sizeof(msg), "The request could not be read: %s%s%s.",
			perr->field[0] ? perr->field : "", perr->field[0] ? ": " : "",
			sl_strerror(e));
	refuse(a, l, user, &o, reason, 0, msg);
}

static void status_answer(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o)
{
	char msg[SL_MSG_MAX];

	snprintf(msg, sizeof(msg), "The lock is %s, the door %s.",
			proto_state_name(l->state.state), proto_door_name(l->state.door));
	answer(a, l, user, o, SL_RESULT_OK, SL_REASON_NONE, 0, msg);
}

/* The lock is offline: nothing is done; the answer says since when and
 * what was last known of it. */
static void offline(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, enum sl_action action)
{
	char msg[SL_MSG_MAX], since[16], changed[16];

	if (l->offline_since <= 0) {
		snprintf(msg, sizeof(msg), "The lock has not been seen since the agent started; "
				"nothing was done.");
	} else {
		report_local_time(l->offline_since, since, sizeof(since));
		report_local_time(l->state.since, changed, sizeof(changed));
		snprintf(msg, sizeof(msg), "The lock is offline since %s%s; last known: %s, "
				"door %s (since %s).", since,
				action == SL_ACTION_STATUS ? "" : ", nothing was done",
				proto_state_name(l->state.state), proto_door_name(l->state.door),
				l->state.since > 0 ? changed : "?");
	}
	refuse(a, l, user, o, SL_REASON_LOCK_OFFLINE, 0, msg);
}

/* A request older than the actuation window is not carried out: its sender
 * may have given up on it (the agent was stopped or slow). Refuses and
 * returns true then. */
static bool too_late(struct agent *a, struct lock_ctx *l, const char *user,
		const struct outcome *o, int64_t now)
{
	char msg[SL_MSG_MAX];
	int64_t age = now - o->id;

	if (age <= a->set.actuation_window_ms)
		return false;
	snprintf(msg, sizeof(msg), "The request reached the agent %lld.%lld s after it was "
			"made (at most %lld ms are allowed to act on it); nothing was done.",
			(long long)(age / 1000), (long long)(age % 1000 / 100),
			(long long)a->set.actuation_window_ms);
	refuse(a, l, user, o, SL_REASON_EXPIRED, 0, msg);
	return true;
}

void pipeline_request(struct agent *a, struct lock_ctx *l, const char *user,
		const char *topic, const char *payload, size_t len)
{
	struct sl_proto_error perr = {0};
	struct sl_request req;
	struct policy_verdict v;
	struct outcome o = {NULL, "?", SL_ACTION_COUNT_, 0, false};
	const struct user_counters *uc;
	int64_t now = time_now_ms(), until;
	enum sl_reason r;
	enum sl_err e;
	bool own;
	char msg[SL_MSG_MAX], when[16];

	e = proto_decode_request(payload, len, &req, &perr);
	if (e != SL_OK) {
		malformed(a, l, user, e, &perr);
		return;
	}
	o.action = proto_action_name(req.action);
	o.act = req.action;
	o.id = req.t;
	o.u = user_store_find(a->users, user);
	if (!o.u) {
		refuse(a, l, user, &o, SL_REASON_UNKNOWN_USER, 0, "You are not a user of this lock.");
		return;
	}
	if (proto_verify_request(&o.u->key, topic, &req) != SL_OK) {
		refuse(a, l, user, &o, SL_REASON_BAD_SIGNATURE, 0,
				"The request's signature does not verify.");
		return;
	}
	r = pipeline_check_fresh(a, user, REPLAY_KIND_REQUEST, req.t, req.mac, now);
	if (r == SL_REASON_COUNT_) {
		struct audit_record rec = {user, proto_role_name(o.u->role), "lockReq", l->id,
			o.action, "ignored", "duplicate", "QoS 1 duplicate of a request already handled", 0};

		report_audit(a, &rec, false);
		return;
	}
	if (r != SL_REASON_NONE) {
		refuse(a, l, user, &o, r, 0, r == SL_REASON_STALE ?
				clock_blame(l, req.t, now, msg, sizeof(msg)) :
				"This request id was already used.");
		return;
	}
	o.fresh = true;
	uc = state_user(&a->st, user, false);
	policy_check(o.u, l->id, req.action, now, uc ? uc->uses : 0, &v);
	if (v.reason != SL_REASON_NONE) {
		refuse(a, l, user, &o, v.reason, v.until, v.msg);
		return;
	}
	if (req.action == SL_ACTION_UNLOCK && intrusion_locked_out(&a->st, &a->set, l->index,
				user, o.u->role, now, &until, &own)) {
		snprintf(msg, sizeof(msg), own ? "You may not unlock until %s after repeated "
				"failed attempts of yours." : "Unlocking is disabled until %s after "
				"repeated failed attempts by unregistered senders.",
				report_local_time(until, when, sizeof(when)));
		refuse(a, l, user, &o, SL_REASON_LOCKED_OUT, until, msg);
		return;
	}
	if (req.action == SL_ACTION_UNLOCK &&
			intrusion_unlock_rate(&a->st, &a->set, user, now, &until)) {
		snprintf(msg, sizeof(msg), "Too many unlock requests (more than %lld in %lld s).",
				(long long)a->set.unlock_rate_max, (long long)a->set.unlock_rate_window);
		refuse(a, l, user, &o, SL_REASON_RATE_LIMITED, until, msg);
		report_alert(a, SL_ALERT_SUSPICIOUS, l->id, user, "lockReq", until,
				"%s asked to unlock %s more than %lld times within %lld s: denied.",
				user, l->id, (long long)a->set.unlock_rate_max,
				(long long)a->set.unlock_rate_window);
		return;
	}
	if (l->link != LINK_ONLINE) {
		offline(a, l, user, &o, req.action);
		return;
	}
	if (req.action == SL_ACTION_STATUS) {
		status_answer(a, l, user, &o);
		return;
	}
	if (too_late(a, l, user, &o, now))
		return;
	grant(a, l, user, &o, req.action);
}

/* A failed broker login is a stranger's attempt, whatever name it gave
 * (counting it against that user would let anyone lock a user out): it
 * counts against every lock served, with one alert for the locks it trips. */
static void count_login_failure(struct agent *a, const char *who, const char *addr,
		int64_t now)
{
	uint32_t tripped = 0;
	int64_t until = 0, u;

	for (size_t i = 0; i < a->nlocks; i++) {
		if (intrusion_stranger_fail(&a->st, &a->set, i, who, "login-failed", now, &u)) {
			tripped |= UINT32_C(1) << i;
			until = u;
		}
	}
	if (tripped)
		stranger_lockout_alert(a, tripped, who, addr, "login-failed", until);
}

void pipeline_unknown_lock(struct agent *a, const char *lock, const char *user,
		const char *topic, const char *payload, size_t len)
{
	const struct sl_user *u = user_store_find(a->users, user);
	struct audit_record rec = {user, u ? proto_role_name(u->role) : "", "lockReq", lock,
		"?", "ignored", "unknown-lock", "request for a lock no agent serves", 0};
	struct sl_response r;
	struct sl_request req;

	if (proto_decode_request(payload, len, &req, NULL) != SL_OK || !u ||
			proto_verify_request(&u->key, topic, &req) != SL_OK) {
		report_audit(a, &rec, false);
		return;
	}
	rec.action = proto_action_name(req.action);
	rec.result = "denied";
	rec.id = req.t;
	report_audit(a, &rec, false);
	memset(&r, 0, sizeof(r));
	r.id = req.t;
	r.result = SL_RESULT_DENIED;
	r.reason = SL_REASON_UNKNOWN_LOCK;
	snprintf(r.msg, sizeof(r.msg), "No agent serves a lock called %s.", lock);
	report_response(a, lock, user, &r);
}

void pipeline_login_failed(struct agent *a, const char *payload, size_t len)
{
	struct sl_login_failed lf;
	struct sl_proto_error perr = {0};
	struct audit_record rec = {0};
	const struct sl_user *u;
	int64_t now = time_now_ms();
	char detail[128];
	enum sl_err e;

	e = proto_decode_login_failed(payload, len, &lf, &perr);
	if (e != SL_OK) {
		snprintf(detail, sizeof(detail), "malformed loginFailed report: %s%s%s",
				perr.field, perr.field[0] ? ": " : "", sl_strerror(e));
		rec = (struct audit_record){"", "", "loginFailed", "", "login", "ignored",
			"malformed", detail, 0};
		report_audit(a, &rec, false);
		return;
	}
	proto_sanitize_text(lf.user);
	proto_sanitize_text(lf.addr);
	u = topic_check_name(lf.user) == SL_OK ? user_store_find(a->users, lf.user) : NULL;
	snprintf(detail, sizeof(detail), "broker refused a login from %s",
			lf.addr[0] ? lf.addr : "an unknown address");
	rec.actor = lf.user;
	rec.role = u ? proto_role_name(u->role) : "";
	rec.source = lf.addr;
	rec.lock = "";
	rec.action = "login";
	rec.result = "failed";
	rec.reason = proto_login_reason_name(lf.reason);
	rec.detail = detail;
	report_audit(a, &rec, false);
	report_alert(a, SL_ALERT_LOGIN_FAILED, NULL, lf.user, lf.addr, 0,
			"The broker refused a login as \"%s\" from %s (%s).",
			lf.user[0] ? lf.user : "(anonymous)", lf.addr[0] ? lf.addr : "?",
			proto_login_reason_name(lf.reason));
	count_login_failure(a, lf.user[0] ? lf.user : lf.addr, lf.addr, now);
}
