/* repair.c - recovery without a human at start: a torn audit tail moved
 * aside, a damaged or missing state.json rebuilt from the log. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smartlock/audit.h"
#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "repair.h"
#include "report.h"

static void note(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	if (a->nnotes == AGENT_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(a->notes[a->nnotes], sizeof(a->notes[0]), fmt, ap);
	va_end(ap);
	sl_log(SL_LOG_WARNING, "%s", a->notes[a->nnotes]);
	a->nnotes++;
}

/* Open the log with the configured rotation size and budget. */
static struct audit_log *open_audit(struct agent *a, enum sl_err *e)
{
	struct audit_log *log = audit_open(a->audit_path, (size_t)a->set.audit_rotate_bytes, e);

	if (log && a->set.audit_budget_bytes > 0 && a->set.audit_rotate_bytes > 0)
		audit_set_budget(log, (uint64_t)a->set.audit_budget_bytes);
	return log;
}

enum sl_err repair_open_audit(struct agent *a)
{
	struct audit_repair rep;
	enum sl_err e;

	a->audit = open_audit(a, &e);
	if (a->audit || e != SL_ERR_AUDIT_CHAIN)
		return a->audit ? SL_OK : e;
	e = audit_repair_tail(a->audit_path, &rep);
	if (e != SL_OK || rep.bytes == 0)
		return SL_ERR_AUDIT_CHAIN;
	note(a, "the audit log ended in a torn record (a crash or power cut): %zu bytes after "
			"record %" PRIu64 " moved to %s", rep.bytes, rep.kept_seq, rep.quarantine);
	a->audit = open_audit(a, &e);
	return a->audit ? SL_OK : e;
}

/* Start the counters over, to be replayed from the first record. */
static enum sl_err rebuild(struct agent *a)
{
	state_finish(&a->st);
	if (state_init(&a->st, (size_t)a->set.replay_cache_size) != 0)
		return SL_ERR_NOMEM;
	a->st.audit_seq = 0;
	a->st.audit_seq_known = true;
	a->st.dirty = true;
	return SL_OK;
}

enum sl_err repair_load_state(struct agent *a, char *msg, size_t size)
{
	char aside[sizeof(a->state_path) + 32];
	enum sl_err e;

	e = state_load(&a->st, a->state_path, &a->set.locks, msg, size);
	if (e == SL_OK)
		return SL_OK;
	if (e == SL_ERR_NOT_FOUND) {
		if (audit_last_seq(a->audit) == 0)
			return SL_OK;   /* a first start */
		note(a, "%s was missing: lockouts, failures and uses rebuilt from the audit log",
				a->state_path);
		return rebuild(a);
	}
	if (e == SL_ERR_PERM || e == SL_ERR_NOMEM || e == SL_ERR_IO)
		return e;       /* not damage: a file we cannot read now */
	snprintf(aside, sizeof(aside), "%s.damaged-%" PRId64, a->state_path, time_now_ms());
	if (rename(a->state_path, aside) != 0) {
		snprintf(msg, size, "%s is damaged and cannot be moved aside: %s", a->state_path,
				strerror(errno));
		return SL_ERR_IO;
	}
	note(a, "%s was damaged (moved to %s): lockouts, failures and uses rebuilt from the "
			"audit log", a->state_path, aside);
	return rebuild(a);
}

void repair_audit(struct agent *a)
{
	for (size_t i = 0; i < a->nnotes; i++) {
		struct audit_record rec = {"agent", "", "agent", "", "recovery", "ok", "",
			a->notes[i], 0};

		report_audit(a, &rec, true);
	}
}

void repair_alert(struct agent *a)
{
	for (size_t i = 0; i < a->nnotes; i++)
		report_alert(a, SL_ALERT_RECOVERED, NULL, NULL, "agent", 0, "%s", a->notes[i]);
	a->nnotes = 0;
}
