/* health.c - heartbeats, offline detection and the back-online notice. */
#include <stdio.h>
#include <string.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin.h"
#include "clock.h"
#include "health.h"
#include "relay.h"
#include "report.h"

static void go_offline(struct agent *a, struct lock_ctx *l, const char *why)
{
	enum link_state was = l->link;

	l->link = LINK_OFFLINE;
	if (was != LINK_OFFLINE)
		l->offline_since = time_now_ms();
	relay_fail_all(a, l, SL_REASON_LOCK_OFFLINE);
	report_state(a, l);
	if (was == LINK_ONLINE) {
		l->offline_alert_due = time_mono_ms() + HEALTH_ALERT_GRACE_MS;
		snprintf(l->offline_why, sizeof(l->offline_why), "%s", why);
	} else {
		sl_log(SL_LOG_NOTICE, "lock %s is offline: %s", l->id, why);
	}
}

void health_broker_lost(struct agent *a)
{
	for (size_t i = 0; i < a->nlocks; i++) {
		struct lock_ctx *l = &a->locks[i];

		if (!l->offline_alert_due)
			continue;
		l->offline_alert_due = 0;
		sl_log(SL_LOG_NOTICE, "lock %s went offline (%s) as the broker went away: "
				"not alerted", l->id, l->offline_why);
	}
}

static void finish_health_checks(struct agent *a, struct lock_ctx *l)
{
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &l->pending[i];

		if (p->used && p->kind == PENDING_HEALTH_CHECK) {
			admin_pending_done(a, l, p, SL_RESULT_OK, SL_REASON_NONE,
					"The lock answered with a heartbeat.");
			memset(p, 0, sizeof(*p));
		}
	}
}

void health_heartbeat(struct agent *a, struct lock_ctx *l, const char *payload,
		size_t len, bool retained)
{
	struct sl_heartbeat hb;
	struct sl_proto_error perr = {0};
	struct audit_record rec = {0};
	char detail[160];
	bool changed = false;
	enum sl_err e;

	e = proto_decode_heartbeat(payload, len, &hb, &perr);
	if (e != SL_OK) {
		snprintf(detail, sizeof(detail), "malformed heartbeat: %s%s%s", perr.field,
				perr.field[0] ? ": " : "", sl_strerror(e));
		rec = (struct audit_record){l->id, "lock", "health", l->id, "heartbeat",
			"ignored", "malformed", detail, 0};
		report_audit(a, &rec, false);
		return;
	}
	if (hb.online)
		snprintf(detail, sizeof(detail), "online%s, state %s, door %s, uptime %lld s, "
				"interval %lld s, commands %lld, refused %lld, seq %llu",
				retained ? " (retained)" : "", proto_state_name(hb.state),
				proto_door_name(hb.door), (long long)hb.uptime,
				(long long)hb.interval, (long long)hb.commands, (long long)hb.refused,
				(unsigned long long)hb.seq);
	else
		snprintf(detail, sizeof(detail), "offline (last will)%s",
				retained ? " (retained)" : "");
	rec.actor = l->id;
	rec.role = "lock";
	rec.source = "health";
	rec.lock = l->id;
	rec.action = "heartbeat";
	rec.result = hb.online ? "online" : "offline";
	rec.reason = "";
	rec.detail = detail;
	report_audit(a, &rec, false);

	if (!hb.online) {
		go_offline(a, l, "its connection was lost (last will)");
		return;
	}
	agent_seq_past(a, l, hb.seq);
	/* a retained heartbeat is as old as the lock's last one: its time
	 * says nothing of the lock's clock */
	if (!retained)
		clock_note_lock(a, l, hb.time, time_now_ms());
	l->heartbeat = hb;
	l->last_heartbeat = time_mono_ms();
	l->interval_ms = (hb.interval > 0 ? hb.interval : a->set.heartbeat_interval) * 1000;
	if (hb.state != SL_STATE_UNKNOWN && hb.state != l->state.state) {
		l->state.state = hb.state;
		l->state.since = time_now_ms();
		l->state.by[0] = '\0';
		changed = true;
	}
	if (hb.door != SL_DOOR_UNKNOWN && hb.door != l->state.door) {
		l->state.door = hb.door;
		changed = true;
	}
	if (l->link != LINK_ONLINE) {
		enum link_state was = l->link;

		l->link = LINK_ONLINE;
		l->offline_since = 0;
		l->offline_alert_due = 0;
		changed = true;
		if (was == LINK_OFFLINE && l->offline_alerted)
			report_alert(a, SL_ALERT_LOCK_ONLINE, l->id, l->id, "health", 0,
					"The lock %s is back online.", l->id);
		else
			sl_log(SL_LOG_NOTICE, "lock %s is online", l->id);
		l->offline_alerted = false;
	}
	if (changed)
		report_state(a, l);
	finish_health_checks(a, l);
}

void health_timeouts(struct agent *a, struct lock_ctx *l, int64_t now)
{
	char why[96];

	if (l->offline_alert_due && now >= l->offline_alert_due) {
		l->offline_alert_due = 0;
		l->offline_alerted = true;
		report_alert(a, SL_ALERT_LOCK_OFFLINE, l->id, l->id, "health", 0,
				"The lock %s is offline: %s.", l->id, l->offline_why);
	}
	if (l->link != LINK_ONLINE)
		return;
	if (now - l->last_heartbeat <= l->interval_ms * 5 / 2)
		return;
	snprintf(why, sizeof(why), "no heartbeat for %lld ms (interval %lld ms)",
			(long long)(now - l->last_heartbeat), (long long)l->interval_ms);
	go_offline(a, l, why);
}

int64_t health_next_deadline(const struct lock_ctx *l, int64_t fallback)
{
	int64_t d;

	if (l->offline_alert_due && l->offline_alert_due < fallback)
		fallback = l->offline_alert_due;
	if (l->link != LINK_ONLINE)
		return fallback;
	d = l->last_heartbeat + l->interval_ms * 5 / 2 + 1;
	return d < fallback ? d : fallback;
}
