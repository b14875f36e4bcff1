/* report.c - audit records, alerts, answers and retained state on the wire. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "channel.h"
#include "alert_ops.h"
#include "mqtt.h"
#include "auditgap.h"
#include "report.h"

static void publish_qos(struct agent *a, enum sl_topic_kind kind, const char *lock,
		const char *user, const char *payload, int qos, bool retain)
{
	char topic[SL_TOPIC_MAX];
	int rc;

	if (topic_build(topic, sizeof(topic), kind, lock, user) != SL_OK) {
		sl_log(SL_LOG_ERROR, "cannot build a %s topic for lock %s", topic_kind_name(kind),
				lock);
		return;
	}
	rc = mqtt_publish(a->mqtt, topic, payload, qos, retain);
	if (rc != 0)
		sl_log(SL_LOG_INFO, "not published on %s (broker connection down)", topic);
}

void report_publish(struct agent *a, enum sl_topic_kind kind, const char *lock,
		const char *user, const char *payload, bool retain)
{
	/* the log topic is a live view of the audit file, which keeps every
	 * record: QoS 0 spares a PUBACK per record */
	publish_qos(a, kind, lock, user, payload, kind == SL_TOPIC_LOG ? 0 : 1, retain);
}

static bool queue_line(struct log_feed *f, char *line, uint64_t seq, const char *lock)
{
	struct log_out *o;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;

		o = realloc(f->q, cap * sizeof(*o));
		if (!o)
			return false;
		f->q = o;
		f->cap = cap;
	}
	o = &f->q[f->n++];
	o->line = line;
	o->seq = seq;
	o->always = f->writing_throttled;
	snprintf(o->lock, sizeof(o->lock), "%s", lock);
	return true;
}

static void audit_failed(struct agent *a, const struct audit_record *rec, enum sl_err e)
{
	sl_log(SL_LOG_ERROR, "audit log %s: cannot write a record (%s %s): %s",
			a->audit_path, rec->action, rec->result, sl_strerror(e));
	auditgap_count(a, rec, e);
	if (a->audit_failing)
		return;
	a->audit_failing = true;
	report_alert(a, SL_ALERT_AUDIT_FAILURE, NULL, "", "agent", 0,
			"The audit log cannot be written (%s): unlocking is refused until "
			"it is fixed.", sl_strerror(e));
}

enum sl_err report_audit(struct agent *a, const struct audit_record *rec, bool durable)
{
	char *line = NULL;
	enum sl_err e;

	auditgap_flush(a);
	e = audit_append(a->audit, rec, durable, &line);
	if (e != SL_OK) {
		free(line);
		audit_failed(a, rec, e);
		return e;
	}
	if (a->audit_failing) {
		a->audit_failing = false;
		sl_log(SL_LOG_NOTICE, "audit log %s is writable again", a->audit_path);
	}
	if (line && !queue_line(&a->feed, line, audit_last_seq(a->audit), rec->lock)) {
		sl_log(SL_LOG_WARNING, "out of memory: audit record %llu not published live",
				(unsigned long long)audit_last_seq(a->audit));
		free(line);
	}
	return SL_OK;
}

static void publish_line(struct agent *a, const struct log_out *o)
{
	for (size_t i = 0; i < a->nlocks; i++)
		if (!o->lock[0] || strcmp(o->lock, a->locks[i].id) == 0)
			report_publish(a, SL_TOPIC_LOG, a->locks[i].id, NULL, o->line, false);
}

static void throttled_record(struct agent *a)
{
	struct log_feed *f = &a->feed;
	struct audit_record rec = {0};
	char detail[160];

	snprintf(detail, sizeof(detail), "%llu records (seq %llu to %llu) were not published "
			"live, more than %lld a second; they are in the audit log",
			(unsigned long long)f->skipped, (unsigned long long)f->first,
			(unsigned long long)f->last, (long long)a->set.log_live_max);
	f->skipped = 0;
	rec.actor = "agent";
	rec.role = "";
	rec.source = "agent";
	rec.lock = "";
	rec.action = "log-throttled";
	rec.result = "ok";
	rec.reason = "";
	rec.detail = detail;
	f->writing_throttled = true;
	report_audit(a, &rec, false);
	f->writing_throttled = false;
}

void report_flush(struct agent *a, int64_t now)
{
	struct log_feed *f = &a->feed;

	if (now - f->window >= 1000) {
		f->window = now;
		f->sent = 0;
		if (f->skipped)
			throttled_record(a);    /* queued: goes out below */
	}
	for (size_t i = 0; i < f->n; i++) {
		struct log_out *o = &f->q[i];

		if (f->sent < (uint64_t)a->set.log_live_max || o->always) {
			f->sent++;
			publish_line(a, o);
		} else {
			if (f->skipped++ == 0)
				f->first = o->seq;
			f->last = o->seq;
		}
		free(o->line);
	}
	f->n = 0;
}

int64_t report_next_deadline(const struct agent *a, int64_t fallback)
{
	int64_t d = a->feed.window + 1000;

	return a->feed.skipped && d < fallback ? d : fallback;
}

void report_finish(struct agent *a)
{
	for (size_t i = 0; i < a->feed.n; i++)
		free(a->feed.q[i].line);
	free(a->feed.q);
	memset(&a->feed, 0, sizeof(a->feed));
}

char *report_local_time(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return buf;
}

void report_alert(struct agent *a, enum sl_alert_kind kind, const char *lock,
		const char *user, const char *source, int64_t until, const char *fmt, ...)
{
	struct sl_alert al;
	struct audit_record rec;
	va_list ap;

	memset(&al, 0, sizeof(al));
	al.kind = kind;
	snprintf(al.user, sizeof(al.user), "%s", user ? user : "");
	snprintf(al.source, sizeof(al.source), "%s", source ? source : "");
	va_start(ap, fmt);
	vsnprintf(al.msg, sizeof(al.msg), fmt, ap);
	va_end(ap);
	/* truncation may cut a UTF-8 sequence, and user/source may come from
	 * the network: the encoder refuses such text, and an alert must not
	 * be lost for it */
	proto_sanitize_text(al.msg);
	proto_sanitize_text(al.user);
	proto_sanitize_text(al.source);
	al.until = until;
	al.time = time_now_ms();
	alert_ops_record(a, &al, lock);
	sl_log(kind == SL_ALERT_LOCK_ONLINE || kind == SL_ALERT_LOCKOUT_CLEARED ?
			SL_LOG_NOTICE : SL_LOG_WARNING, "alert %s%s%s: %s",
			proto_alert_name(kind), lock ? " on " : "", lock ? lock : "", al.msg);
	for (size_t i = 0; i < a->nlocks; i++) {
		char *payload;

		if (lock && strcmp(lock, a->locks[i].id) != 0)
			continue;
		snprintf(al.lock, sizeof(al.lock), "%s", a->locks[i].id);
		payload = proto_encode_alert(&al);
		if (payload)
			report_publish(a, SL_TOPIC_ALERT, a->locks[i].id, NULL, payload, false);
		else
			sl_log(SL_LOG_ERROR, "cannot encode the %s alert for %s",
					proto_alert_name(kind), a->locks[i].id);
		free(payload);
	}
	snprintf(al.lock, sizeof(al.lock), "%s", lock ? lock : a->nlocks == 1 ? a->locks[0].id : "");
	channel_alert(a, &al);
	if (kind == SL_ALERT_AUDIT_FAILURE)
		return;         /* it could not be written anyway */
	memset(&rec, 0, sizeof(rec));
	rec.actor = user ? user : "";
	rec.role = "";
	rec.source = source ? source : "";
	rec.lock = lock ? lock : "";
	rec.action = "alert";
	rec.result = proto_alert_name(kind);
	rec.reason = "";
	rec.detail = al.msg;
	report_audit(a, &rec, false);
}

void report_response(struct agent *a, const char *lock, const char *user,
		const struct sl_response *r)
{
	char *payload = proto_encode_response(r);

	if (!payload) {
		sl_log(SL_LOG_ERROR, "out of memory encoding an answer to %s", user);
		return;
	}
	/* a sender the agent could not authenticate (a flood of forgeries,
	 * most likely) is answered at QoS 0: no PUBACK to wait for */
	publish_qos(a, SL_TOPIC_LOCK_RES, lock, user, payload,
			r->reason == SL_REASON_BAD_SIGNATURE || r->reason == SL_REASON_UNKNOWN_USER ||
			r->reason == SL_REASON_MALFORMED ? 0 : 1, false);
	free(payload);
}

void report_state(struct agent *a, struct lock_ctx *l)
{
	char *payload;

	l->state.online = l->link == LINK_ONLINE;
	channel_state(a, &l->state);
	payload = proto_encode_state(&l->state);
	if (!payload)
		return;
	report_publish(a, SL_TOPIC_STATE, l->id, NULL, payload, true);
	free(payload);
}
