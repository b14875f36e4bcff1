/* relay.c - signed commands to a lock and the answers that come back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin.h"
#include "mqtt.h"
#include "relay.h"
#include "report.h"

struct pending *relay_slot(struct lock_ctx *l)
{
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (!l->pending[i].used)
			return &l->pending[i];
	return NULL;
}

bool relay_send(struct agent *a, struct lock_ctx *l, struct pending *p,
		enum pending_kind kind, enum sl_action action, const char *user, int64_t req)
{
	char topic[SL_TOPIC_MAX];
	struct sl_command c;
	char *payload;
	int rc;

	memset(&c, 0, sizeof(c));
	if (!agent_next_seq(a, &c.seq))
		return false;
	c.action = action;
	c.time = time_now_ms();
	c.expires = c.time + a->set.command_expiry_ms;
	snprintf(c.user, sizeof(c.user), "%s", user);
	c.req = req;
	if (topic_build(topic, sizeof(topic), SL_TOPIC_LOCK, l->id, NULL) != SL_OK ||
			proto_sign_command(&l->key, topic, &c) != SL_OK)
		return false;
	payload = proto_encode_command(&c);
	if (!payload)
		return false;
	rc = mqtt_publish(a->mqtt, topic, payload, 1, false);
	free(payload);
	if (rc != 0) {
		sl_log(SL_LOG_WARNING, "cannot send %s command %llu to %s: broker connection down",
				proto_action_name(action), (unsigned long long)c.seq, l->id);
		return false;
	}
	memset(p, 0, sizeof(*p));
	p->used = true;
	p->kind = kind;
	p->seq = c.seq;
	p->action = action;
	snprintf(p->user, sizeof(p->user), "%s", user);
	p->req = req;
	p->deadline = time_mono_ms() + settings_first_answer_ms(&a->set);
	sl_log(SL_LOG_INFO, "sent %s command %llu to %s for %s", proto_action_name(action),
			(unsigned long long)c.seq, l->id, user);
	return true;
}

/* An unlock the lock did not confirm gives its use back, on the record
 * (recover.c replays "refunded" records). */
static void refund_use(struct agent *a, struct lock_ctx *l, const struct pending *p,
		enum sl_reason reason)
{
	struct user_counters *uc = state_user(&a->st, p->user, false);
	const struct sl_user *u = user_store_find(a->users, p->user);
	struct audit_record rec = {0};
	char detail[32];

	if (!uc || uc->uses <= 0)
		return;
	uc->uses--;
	a->st.dirty = true;
	snprintf(detail, sizeof(detail), "use %lld", (long long)uc->uses);
	rec.actor = p->user;
	rec.role = u ? proto_role_name(u->role) : "";
	rec.source = "lockReq";         /* it settles the request (recover.c) */
	rec.lock = l->id;
	rec.action = proto_action_name(p->action);
	rec.result = "refunded";
	rec.reason = proto_reason_name(reason);
	rec.detail = detail;
	rec.id = p->req;
	report_audit(a, &rec, false);
}

void relay_finish(struct agent *a, struct lock_ctx *l, struct pending *p,
		enum sl_result result, enum sl_reason reason, const char *msg)
{
	struct sl_response r;
	struct audit_record rec = {0};
	const struct sl_user *u;

	if (p->kind != PENDING_REQUEST) {
		admin_pending_done(a, l, p, result, reason, msg);
		memset(p, 0, sizeof(*p));
		return;
	}
	u = user_store_find(a->users, p->user);
	rec.actor = p->user;
	rec.role = u ? proto_role_name(u->role) : "";
	rec.source = "lockStatus";
	rec.lock = l->id;
	rec.action = proto_action_name(p->action);
	rec.result = proto_result_name(result);
	rec.reason = proto_reason_name(reason);
	rec.detail = msg;
	report_audit(a, &rec, false);
	if (p->spent && result != SL_RESULT_OK)
		refund_use(a, l, p, reason);

	memset(&r, 0, sizeof(r));
	r.id = p->req;
	r.result = result;
	r.reason = reason;
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	if (result == SL_RESULT_OK) {
		r.state = l->state.state;
		r.door = l->state.door;
	}
	report_response(a, l->id, p->user, &r);
	memset(p, 0, sizeof(*p));
}

static struct pending *find_seq(struct lock_ctx *l, uint64_t seq)
{
	for (size_t i = 0; i < PENDING_MAX && seq; i++)
		if (l->pending[i].used && l->pending[i].seq == seq)
			return &l->pending[i];
	return NULL;
}

/* Take the state the lock reports; true when it changed. */
static bool update_state(struct lock_ctx *l, const struct sl_lock_status *s, const char *by)
{
	bool changed = false;

	if (s->state != SL_STATE_UNKNOWN && s->state != l->state.state) {
		l->state.state = s->state;
		l->state.since = time_now_ms();
		snprintf(l->state.by, sizeof(l->state.by), "%s", by);
		changed = true;
	}
	if (s->door != SL_DOOR_UNKNOWN && s->door != l->state.door) {
		l->state.door = s->door;
		changed = true;
	}
	return changed;
}

/* " (the lock's clock is 12.3 s ahead of the agent's)" when the lock's
 * time lock_ms differs from the agent's by more than any lock tolerates;
 * "" otherwise. */
const char *relay_clock_note(int64_t lock_ms, int64_t agent_ms, char *buf, size_t size)
{
	int64_t d = lock_ms - agent_ms;
	int64_t ad = d < 0 ? -d : d;

	buf[0] = '\0';
	if (lock_ms > 0 && ad > SL_CLOCK_TOLERANCE_MAX)
		snprintf(buf, size, " (the lock's clock is %lld.%lld s %s the agent's)",
				(long long)(ad / 1000), (long long)(ad % 1000 / 100),
				d < 0 ? "behind" : "ahead of");
	return buf;
}

/* The command a final status ends gets its answer. */
static void finish_command(struct agent *a, struct lock_ctx *l, struct pending *p,
		const struct sl_lock_status *s)
{
	char msg[SL_MSG_MAX], note[80];

	if (s->result == SL_RESULT_OK) {
		snprintf(msg, sizeof(msg), "Done: the lock is %s.", proto_state_name(l->state.state));
		relay_finish(a, l, p, SL_RESULT_OK, SL_REASON_NONE, msg);
	} else {
		enum sl_reason r = s->reason != SL_REASON_NONE ? s->reason : SL_REASON_INTERNAL_ERROR;

		if (r == SL_REASON_REPLAY)
			snprintf(msg, sizeof(msg), "The lock refused the command as not newer than "
					"its last one (it has just restarted?); try again.");
		else if (r == SL_REASON_EXPIRED || r == SL_REASON_CLOCK)
			snprintf(msg, sizeof(msg), "The command reached the lock too late to be "
					"carried out; nothing was done%s.",
					relay_clock_note(s->time, time_now_ms(), note, sizeof(note)));
		else
			snprintf(msg, sizeof(msg), "The lock could not do it: %s.",
					proto_reason_name(r));
		relay_finish(a, l, p, SL_RESULT_ERROR, r, msg);
	}
}

/* The bolt moved and no command of this agent waits for it: a command the
 * agent already gave up on (seq set), or a hand on the lock. Moves toward
 * locked that nobody commanded (auto-relock, a turn of the key) are only
 * recorded; anything else is alerted. */
static void unexpected_move(struct agent *a, struct lock_ctx *l,
		const struct sl_lock_status *s, enum sl_lock_state prev)
{
	bool opening = s->state == SL_STATE_UNLOCKING || s->state == SL_STATE_UNLOCKED;

	if (prev == SL_STATE_UNKNOWN || s->state == prev || s->state == SL_STATE_JAMMED ||
			s->state == SL_STATE_UNKNOWN)
		return;
	if (s->seq != 0)
		report_alert(a, SL_ALERT_UNEXPECTED_MOVE, l->id, "", "lockStatus", 0,
				"The lock %s moved (%s) for command %llu, which no request "
				"waits for any more.", l->id, proto_state_name(s->state),
				(unsigned long long)s->seq);
	else if (opening)
		report_alert(a, SL_ALERT_UNEXPECTED_MOVE, l->id, "", "lockStatus", 0,
				"The lock %s is %s without a command (by hand or key?).", l->id,
				proto_state_name(s->state));
}

void relay_status(struct agent *a, struct lock_ctx *l, const char *payload, size_t len)
{
	struct sl_lock_status s;
	struct sl_proto_error perr = {0};
	struct audit_record rec = {0};
	struct pending *p;
	char detail[128], by[SL_NAME_MAX + 1];
	enum sl_lock_state prev;
	bool changed;
	enum sl_err e;

	e = proto_decode_lock_status(payload, len, &s, &perr);
	if (e != SL_OK) {
		snprintf(detail, sizeof(detail), "malformed lockStatus: %s%s%s", perr.field,
				perr.field[0] ? ": " : "", sl_strerror(e));
		rec = (struct audit_record){l->id, "lock", "lockStatus", l->id, "status",
			"ignored", "malformed", detail, 0};
		report_audit(a, &rec, false);
		return;
	}
	p = find_seq(l, s.seq);
	prev = l->state.state;
	snprintf(by, sizeof(by), "%s", p ? p->user : "");
	changed = update_state(l, &s, by);
	snprintf(detail, sizeof(detail), "seq %llu, state %s, door %s%s",
			(unsigned long long)s.seq, proto_state_name(s.state), proto_door_name(s.door),
			s.seq && !p ? " (no command waiting for it)" : "");
	rec.actor = l->id;
	rec.role = "lock";
	rec.source = "lockStatus";
	rec.lock = l->id;
	rec.action = p ? proto_action_name(p->action) : "status";
	rec.result = proto_result_name(s.result);
	rec.reason = proto_reason_name(s.reason);
	rec.detail = detail;
	report_audit(a, &rec, false);
	/* The user waiting for this command hears first; the retained state
	 * and any alert follow. */
	if (p && s.result != SL_RESULT_PROGRESS)
		finish_command(a, l, p, &s);
	else if (p && !p->moving) {
		/* the bolt is moving: the time it takes is the lock's */
		p->moving = true;
		p->deadline = time_mono_ms() + a->set.command_timeout_ms;
	}
	if (!changed)
		return;
	report_state(a, l);
	if (!p)
		unexpected_move(a, l, &s, prev);
	if (s.state == SL_STATE_JAMMED)
		report_alert(a, SL_ALERT_JAMMED, l->id, by, "lockStatus", 0,
				"The lock %s reports its bolt jammed.", l->id);
}

void relay_fail_all(struct agent *a, struct lock_ctx *l, enum sl_reason reason)
{
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (l->pending[i].used)
			relay_finish(a, l, &l->pending[i], SL_RESULT_ERROR, reason,
					reason == SL_REASON_LOCK_OFFLINE ?
					"The lock went offline; the command may not have been done." :
					"The command was abandoned.");
}

void relay_timeouts(struct agent *a, struct lock_ctx *l, int64_t now)
{
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &l->pending[i];

		if (p->used && now >= p->deadline)
			relay_finish(a, l, p, SL_RESULT_ERROR, SL_REASON_TIMEOUT, p->moving ?
					"The lock started but did not confirm in time; check the door." :
					"The lock did not answer in time; the command has expired "
					"there, so it will not be carried out later.");
	}
}

int64_t relay_next_deadline(const struct lock_ctx *l, int64_t fallback)
{
	int64_t d = fallback;

	for (size_t i = 0; i < PENDING_MAX; i++)
		if (l->pending[i].used && l->pending[i].deadline < d)
			d = l->pending[i].deadline;
	return d;
}
