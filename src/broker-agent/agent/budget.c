/* budget.c - audit size budget, and the agent's use of aggregate.h. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "agent.h"
#include "budget.h"
#include "report.h"

static void write_repeated(void *ctx, const struct audit_record *rec)
{
	report_audit(ctx, rec, false);
}

bool report_absorb(struct agent *a, const struct audit_record *rec)
{
	return aggregate_absorb(&a->agg, rec, a->audit_over_budget,
			a->set.audit_aggregate_window * 1000, time_mono_ms(), write_repeated, a);
}

/* Bytes in the audit directory's files; -1 when they cannot be listed. */
static int64_t audit_bytes(struct agent *a)
{
	char **paths = NULL;
	size_t n = 0;
	int64_t sum = 0;

	if (audit_list_files(a->audit_path, &paths, &n) != SL_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (stat(paths[i], &st) == 0)
			sum += (int64_t)st.st_size;
	}
	audit_free_paths(paths, n);
	return sum;
}

/* The size at which the writer starts removing the oldest rotated files
 * (it keeps them within the budget less one live file). */
static int64_t budget_full(const struct agent *a)
{
	int64_t budget = a->set.audit_budget_bytes, rotate = a->set.audit_rotate_bytes;

	return rotate > 0 && rotate < budget ? budget - rotate : budget;
}

static void check_budget(struct agent *a)
{
	int64_t bytes = audit_bytes(a), budget = a->set.audit_budget_bytes;
	int64_t full = budget_full(a);
	int level;

	if (bytes < 0 || budget <= 0)
		return;
	level = bytes >= full ? 2 : bytes >= full / 10 * 8 ? 1 : 0;
	a->audit_over_budget = level == 2;
	if (level <= a->audit_budget_level) {
		a->audit_budget_level = level;  /* archived: alert again next time */
		return;
	}
	a->audit_budget_level = level;
	report_alert(a, SL_ALERT_AUDIT_BUDGET, NULL, "", "agent", 0,
			"The audit log uses %lld KB of its %lld KB budget%s: give its file "
			"system room or copy the rotated files off (%s).",
			(long long)(bytes / 1024), (long long)(budget / 1024),
			level == 2 ? "; denials are now written only as counts per sender, "
			"grants still one by one" : "", a->set.audit_rotate_bytes > 0 ?
			"when it is full the oldest rotated files are removed, with a record "
			"saying which records went" : "without rotation nothing is removed");
}

int64_t budget_tick(struct agent *a, int64_t now, int64_t fallback)
{
	int64_t next = aggregate_flush(&a->agg, a->set.audit_aggregate_window * 1000, now,
			false, write_repeated, a);

	if (now >= a->budget_checked + BUDGET_CHECK_MS) {
		a->budget_checked = now;
		check_budget(a);
	}
	if (a->budget_checked + BUDGET_CHECK_MS < next)
		next = a->budget_checked + BUDGET_CHECK_MS;
	return next < fallback ? next : fallback;
}

void budget_finish(struct agent *a)
{
	aggregate_flush(&a->agg, 0, time_mono_ms(), true, write_repeated, a);
}
