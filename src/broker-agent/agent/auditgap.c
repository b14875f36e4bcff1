/* auditgap.c - the records a full disk kept out of the audit log, counted
 * and written as one gap record afterwards; the low-space alert. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "auditgap.h"
#include "report.h"

void auditgap_count(struct agent *a, const struct audit_record *rec, enum sl_err e)
{
	struct agent_audit_gap *g = &a->gap;
	int64_t now = time_now_ms();

	if (g->writing)
		return;         /* the gap record itself: it stays in memory */
	if (g->count + g->requests == 0)
		g->first = now;
	g->last = now;
	g->cause = e;
	if (strcmp(rec->source, "lockReq") == 0 || strcmp(rec->source, "admin") == 0)
		g->requests++;
	else
		g->count++;
}

void auditgap_flush(struct agent *a)
{
	struct agent_audit_gap *g = &a->gap;
	struct audit_record rec = {"agent", "", "agent", "", "audit-gap", "gap", "", NULL, 0};
	char detail[320], from[40], to[40];

	if (g->writing || g->count + g->requests == 0)
		return;
	time_format_utc(g->first, from, sizeof(from));
	time_format_utc(g->last, to, sizeof(to));
	snprintf(detail, sizeof(detail), "%" PRIu64 " requests refused and %" PRIu64 " other "
			"events not recorded %s to %s while the audit log could not be written: %s",
			g->requests, g->count, from, to, sl_strerror(g->cause));
	rec.reason = sl_errname(g->cause);
	rec.detail = detail;
	g->writing = true;
	if (report_audit(a, &rec, true) == SL_OK) {
		sl_log(SL_LOG_NOTICE, "audit log: wrote the gap record: %s", detail);
		memset(g, 0, sizeof(*g));
	}
	g->writing = false;
}

void auditgap_check_space(struct agent *a, int64_t now_mono)
{
	struct statvfs sv;
	uint64_t free_kb, min_kb = (uint64_t)a->set.audit_min_free_kb;

	if (min_kb == 0 || now_mono - a->space_checked < 1000)
		return;
	a->space_checked = now_mono;
	if (statvfs(a->audit_path, &sv) != 0)
		return;
	free_kb = (uint64_t)sv.f_bavail * sv.f_frsize / 1024;
	if (free_kb >= min_kb) {
		if (a->disk_low)
			sl_log(SL_LOG_NOTICE, "%s: %" PRIu64 " KiB free again", a->audit_path,
					free_kb);
		a->disk_low = false;
		return;
	}
	if (a->disk_low)
		return;
	a->disk_low = true;
	report_alert(a, SL_ALERT_DISK_LOW, NULL, NULL, "agent", 0, "Only %" PRIu64 " KiB are "
			"left for the audit log (%s; alert below %" PRIu64 " KiB): when it is full "
			"no unlock can be granted.", free_kb, a->audit_path, min_kb);
}
