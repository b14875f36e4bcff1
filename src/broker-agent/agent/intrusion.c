/* intrusion.c - sliding-window failure counting, lockouts, unlock rate. */
#include <stdio.h>
#include <string.h>

#include "intrusion.h"

bool intrusion_counts(enum sl_action action, enum sl_reason reason)
{
	if (action != SL_ACTION_UNLOCK && action != SL_ACTION_LOCK)
		return false;
	switch (reason) {
	case SL_REASON_BAD_SIGNATURE:
	case SL_REASON_REPLAY:
	case SL_REASON_UNKNOWN_USER:
	case SL_REASON_REVOKED:
	case SL_REASON_DISABLED:
	case SL_REASON_NOT_PERMITTED:
	case SL_REASON_OUTSIDE_WINDOW:
	case SL_REASON_OUTSIDE_SCHEDULE:
	case SL_REASON_USES_EXHAUSTED:
	case SL_REASON_RATE_LIMITED:
		return true;
	default:
		return false;
	}
}

/* Push a failure at now unless a lockout is active; true when the window
 * then holds threshold failures (the ring restarts). */
static bool count_failure(struct time_ring *fails, int64_t lockout_until, int64_t threshold,
		int64_t window_s, int64_t now)
{
	if (lockout_until > now)
		return false;
	ring_push(fails, now);
	if (ring_count_since(fails, now - window_s * 1000) < (size_t)threshold)
		return false;
	ring_clear(fails);
	return true;
}

bool intrusion_user_fail(struct agent_state *st, const struct agent_settings *set,
		const char *user, const char *why, int64_t now, int64_t *until)
{
	struct user_counters *uc = state_user(st, user, true);

	*until = 0;
	if (!uc)
		return false;
	st->dirty = true;
	if (!count_failure(&uc->fails, uc->lockout_until, set->fail_threshold,
				set->fail_window, now))
		return false;
	uc->lockout_until = *until = now + set->lockout_duration * 1000;
	snprintf(uc->lockout_why, sizeof(uc->lockout_why), "%s", why);
	return true;
}

bool intrusion_stranger_fail(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *who, const char *why, int64_t now, int64_t *until)
{
	struct lock_counters *lc = &st->locks[lock];

	*until = 0;
	st->dirty = true;
	if (!count_failure(&lc->fails, lc->lockout_until, set->stranger_fail_threshold,
				set->stranger_fail_window, now))
		return false;
	lc->lockout_until = *until = now + set->stranger_lockout_duration * 1000;
	snprintf(lc->lockout_cause, sizeof(lc->lockout_cause), "%s", who);
	snprintf(lc->lockout_why, sizeof(lc->lockout_why), "%s", why);
	return true;
}

bool intrusion_locked_out(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *user, enum sl_role role, int64_t now,
		int64_t *until, bool *own)
{
	const struct user_counters *uc = state_user(st, user, false);
	int64_t u = 0;

	*own = false;
	if (role == SL_ROLE_OWNER) {
		*until = 0;
		return false;
	}
	if (st->locks[lock].lockout_until > now &&
			(role != SL_ROLE_RESIDENT || !set->stranger_lockout_serves_residents))
		u = st->locks[lock].lockout_until;
	if (uc && uc->lockout_until > now && uc->lockout_until >= u) {
		u = uc->lockout_until;
		*own = true;
	}
	*until = u;
	return u != 0;
}

bool intrusion_unlock_rate(struct agent_state *st, const struct agent_settings *set,
		const char *user, int64_t now, int64_t *until)
{
	int64_t since = now - set->unlock_rate_window * 1000;
	struct user_counters *uc;
	size_t n;

	*until = 0;
	if (set->unlock_rate_max == 0)
		return false;
	uc = state_user(st, user, true);
	if (!uc)
		return true;    /* out of memory: fail closed */
	ring_push(&uc->unlocks, now);
	st->dirty = true;
	n = ring_count_since(&uc->unlocks, since);
	if (n <= (size_t)set->unlock_rate_max)
		return false;
	/* frees when enough of the requests in the window have aged out */
	*until = uc->unlocks.t[uc->unlocks.n - (size_t)set->unlock_rate_max] +
		set->unlock_rate_window * 1000;
	return true;
}

bool intrusion_stale(struct agent_state *st, const struct agent_settings *set,
		const char *user, int64_t now)
{
	struct user_counters *uc = state_user(st, user, true);

	return uc && count_failure(&uc->stale, 0, set->fail_threshold, set->fail_window, now);
}

static bool reset_lock(struct lock_counters *lc, int64_t now)
{
	bool was = lc->lockout_until > now;

	lc->lockout_until = 0;
	lc->lockout_cause[0] = '\0';
	lc->lockout_why[0] = '\0';
	ring_clear(&lc->fails);
	return was;
}

static bool reset_user(struct user_counters *uc, int64_t now)
{
	bool was = uc->lockout_until > now;

	uc->lockout_until = 0;
	uc->lockout_why[0] = '\0';
	ring_clear(&uc->fails);
	ring_clear(&uc->unlocks);
	ring_clear(&uc->stale);
	return was;
}

bool intrusion_reset(struct agent_state *st, const struct agent_settings *set,
		int lock, const char *user, int64_t now)
{
	bool was = false;

	if (lock >= 0 || !user) {
		for (size_t i = 0; i < set->locks.count; i++)
			if (lock < 0 || (size_t)lock == i)
				was |= reset_lock(&st->locks[i], now);
	}
	if (user || lock < 0) {
		for (size_t i = 0; i < st->nusers; i++)
			if (!user || strcmp(st->users[i].name, user) == 0)
				was |= reset_user(&st->users[i], now);
	}
	st->dirty = true;
	return was;
}
