/* clock.c - steps of the agent's clock, lock clocks against the agent's,
 * and whose clock a refused request time points at. */
#include <stdio.h>
#include <stdlib.h>

#include "smartlock/log.h"
#include "clock.h"
#include "report.h"

static const char *secs(int64_t ms, char *buf, size_t size)
{
	int64_t a = llabs(ms);

	snprintf(buf, size, "%s%lld.%lld s", ms < 0 ? "-" : "+", (long long)(a / 1000),
			(long long)(a % 1000 / 100));
	return buf;
}

void clock_check_step(struct agent *a, int64_t wall, int64_t mono)
{
	int64_t offset = wall - mono, step = offset - a->clock_offset;
	struct audit_record rec = {"agent", "", "clock", "", "clock-step", "stepped", "", NULL, 0};
	char detail[192], s[32], when[16];

	if (!a->clock_known || llabs(step) <= CLOCK_STEP_MS) {
		a->clock_offset = offset;
		a->clock_known = true;
		return;
	}
	a->clock_offset = offset;
	a->clock_stepped_at = mono;
	snprintf(detail, sizeof(detail), "the agent's wall clock stepped by %s (its "
			"monotonic clock did not): audit times jump by as much here",
			secs(step, s, sizeof(s)));
	rec.detail = detail;
	report_audit(a, &rec, false);
	report_alert(a, SL_ALERT_CLOCK, NULL, "agent", "clock", 0,
			"The agent's clock stepped by %s at %s: the agent's clock was wrong "
			"before or is now.", s, report_local_time(wall, when, sizeof(when)));
}

void clock_note_lock(struct agent *a, struct lock_ctx *l, int64_t lock_ms, int64_t wall)
{
	char s[32];

	if (lock_ms <= 0)
		return;
	/* a heartbeat the broker kept for the agent while it was away (its
	 * persistent session) arrives late and looks like a lock behind:
	 * only the next one, on time, can say the lock's clock is slow */
	if (lock_ms - wall < -SL_CLOCK_TOLERANCE_MAX && !l->behind_once) {
		l->behind_once = true;
		return;
	}
	l->behind_once = false;
	l->clock_skew = lock_ms - wall;
	l->skew_known = true;
	if (llabs(l->clock_skew) <= SL_CLOCK_TOLERANCE_MAX) {
		l->clock_alerted = false;
		return;
	}
	if (l->clock_alerted)
		return;
	l->clock_alerted = true;
	report_alert(a, SL_ALERT_CLOCK, l->id, l->id, "health", 0,
			"The clock of lock %s differs from the agent's by %s (more than %d ms): "
			"the lock refuses commands until one of them is set right%s.", l->id,
			secs(l->clock_skew, s, sizeof(s)), SL_CLOCK_TOLERANCE_MAX,
			a->clock_stepped_at ? "; the agent's clock stepped since it started" : "");
}

const char *clock_blame(const struct lock_ctx *l, int64_t t, int64_t now, char *buf,
		size_t size)
{
	char s[32];

	if (l->skew_known && llabs(l->clock_skew) > SL_CLOCK_TOLERANCE_MAX &&
			llabs(t - (now + l->clock_skew)) <= CLOCK_AGREE_MS)
		snprintf(buf, size, "The agent's clock is wrong: it is %s off the lock's clock, "
				"which your request agrees with; nothing was done.",
				secs(-l->clock_skew, s, sizeof(s)));
	else
		snprintf(buf, size, "The request's time is %s off the agent's clock: check "
				"this device's clock.", secs(t - now, s, sizeof(s)));
	return buf;
}
