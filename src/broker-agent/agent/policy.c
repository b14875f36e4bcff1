/* policy.c - what each role may do, and when. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smartlock/schedule.h"
#include "policy.h"

static void local_date(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm))
		snprintf(buf, size, "?");
	else
		strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

static void deny(struct policy_verdict *v, enum sl_reason reason, int64_t until)
{
	v->reason = reason;
	v->until = until;
}

void policy_check(const struct sl_user *u, const char *lock, enum sl_action action,
		int64_t now, int64_t uses, struct policy_verdict *v)
{
	struct sl_schedule sch;
	char when[32];

	memset(v, 0, sizeof(*v));
	if (u->status == SL_USER_REVOKED) {
		deny(v, SL_REASON_REVOKED, 0);
		snprintf(v->msg, sizeof(v->msg), "Your access has been revoked.");
		return;
	}
	if (u->status == SL_USER_DISABLED) {
		deny(v, SL_REASON_DISABLED, 0);
		snprintf(v->msg, sizeof(v->msg), "Your access is disabled; ask an owner to "
				"re-enable it.");
		return;
	}
	if (!user_may_use_lock(u, lock)) {
		deny(v, SL_REASON_NOT_PERMITTED, 0);
		snprintf(v->msg, sizeof(v->msg), "You are not allowed to use the lock %s.", lock);
		return;
	}
	if (u->role != SL_ROLE_GUEST)
		return;
	if (u->from && now < u->from) {
		deny(v, SL_REASON_OUTSIDE_WINDOW, u->from);
		local_date(u->from, when, sizeof(when));
		snprintf(v->msg, sizeof(v->msg), "Your guest access starts %s.", when);
		return;
	}
	if (u->until && now >= u->until) {
		deny(v, SL_REASON_OUTSIDE_WINDOW, 0);
		local_date(u->until, when, sizeof(when));
		snprintf(v->msg, sizeof(v->msg), "Your guest access ended %s.", when);
		return;
	}
	if (schedule_parse(u->schedule, &sch, NULL, 0) != SL_OK) {
		/* the store validates schedules; a bad one fails closed */
		deny(v, SL_REASON_OUTSIDE_SCHEDULE, 0);
		snprintf(v->msg, sizeof(v->msg), "Your schedule cannot be read; ask an owner.");
		return;
	}
	if (!schedule_is_open(&sch, now)) {
		int64_t next = schedule_next_open(&sch, now);

		if (u->until && next >= u->until)
			next = -1;
		deny(v, SL_REASON_OUTSIDE_SCHEDULE, next > 0 ? next : 0);
		if (next > 0)
			snprintf(v->msg, sizeof(v->msg), "Outside your schedule (%s); it opens %s.",
					u->schedule, schedule_format_local(next, when, sizeof(when)));
		else
			snprintf(v->msg, sizeof(v->msg), "Outside your schedule (%s).", u->schedule);
		return;
	}
	if (action == SL_ACTION_UNLOCK && u->max_uses > 0 && uses >= u->max_uses) {
		deny(v, SL_REASON_USES_EXHAUSTED, 0);
		snprintf(v->msg, sizeof(v->msg), "You have used all %lld of your unlocks.",
				(long long)u->max_uses);
		return;
	}
}
