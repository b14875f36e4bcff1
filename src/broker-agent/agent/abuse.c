/* abuse.c - the plugin's reports of dropped floods: audit once, alert rarely. */
#include <stdio.h>
#include <string.h>

#include "smartlock/timeutil.h"
#include "abuse.h"
#include "agent.h"
#include "report.h"

/* True when user may be alerted about at now (and notes it). */
static bool alert_due(struct abuse_memo *m, const char *user, int64_t now, int64_t interval)
{
	size_t oldest = 0;

	for (size_t i = 0; i < ABUSE_MEMO_SLOTS; i++) {
		if (strcmp(m->slot[i].user, user) == 0) {
			if (now - m->slot[i].alerted < interval && now >= m->slot[i].alerted)
				return false;
			m->slot[i].alerted = now;
			return true;
		}
		if (m->slot[i].alerted < m->slot[oldest].alerted)
			oldest = i;
	}
	snprintf(m->slot[oldest].user, sizeof(m->slot[oldest].user), "%s", user);
	m->slot[oldest].alerted = now;
	return true;
}

/* "1234 requests over its rate, 2 oversized payloads, 1 reserved client id" */
static void describe(const struct sl_abuse_report *r, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%lld over its rate, %lld oversized, %lld reserved client id%s",
			(long long)r->rate, (long long)r->size, (long long)r->squat,
			r->squat == 1 ? "" : "s");

	if (r->id[0] && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (last: \"%s\")", r->id);
}

void abuse_report(struct agent *a, const char *payload, size_t len)
{
	struct sl_abuse_report r;
	struct sl_proto_error perr = {0};
	struct audit_record rec = {0};
	char what[160], detail[256];
	int64_t now = time_now_ms();

	if (proto_decode_abuse_report(payload, len, &r, &perr) != SL_OK) {
		rec = (struct audit_record){"", "", "broker", "", "abuse", "ignored", "malformed",
			"malformed abuse report from the broker", 0};
		report_audit(a, &rec, false);
		return;
	}
	proto_sanitize_text(r.role);
	proto_sanitize_text(r.id);
	describe(&r, what, sizeof(what));
	snprintf(detail, sizeof(detail), "%lld messages dropped at the broker from %s in %lld s: %s",
			(long long)(r.rate + r.size + r.squat), r.user,
			(long long)((r.span + 999) / 1000), what);
	rec.actor = r.user;
	rec.role = r.role;
	rec.source = "broker";
	rec.lock = "";
	rec.action = "abuse";
	rec.result = "dropped";
	rec.reason = r.squat ? "client-id" : r.size ? "oversized" : "rate-limited";
	rec.detail = detail;
	report_audit(a, &rec, false);
	if (alert_due(&a->abuse, r.user, now, a->set.abuse_alert_interval * 1000))
		report_alert(a, SL_ALERT_ABUSE, NULL, r.user, "broker", 0,
				"The broker is dropping messages from %s: %s. Further reports "
				"within %lld s are in the audit log only.", r.user, what,
				(long long)a->set.abuse_alert_interval);
}
