/* intrusion.c - sliding-window failure counting, lockouts, unlock rate. */
#include <stdio.h>
#include <string.h>

#include "intrusion.h"

void intrusion_fail(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *user, int64_t now, struct intrusion_trip *trip)
{
	int64_t since = now - set->fail_window * 1000;
	int64_t until = now + set->lockout_duration * 1000;
	struct lock_counters *lc = &st->locks[lock];

	memset(trip, 0, sizeof(*trip));
	ring_push(&lc->fails, now);
	st->dirty = true;
	if (ring_count_since(&lc->fails, since) >= (size_t)set->fail_threshold &&
			lc->lockout_until <= now) {
		lc->lockout_until = until;
		snprintf(lc->lockout_cause, sizeof(lc->lockout_cause), "%s", user ? user : "");
		ring_clear(&lc->fails);
		trip->lock_tripped = true;
		trip->until = until;
	}
	if (user) {
		struct user_counters *uc = state_user(st, user, true);

		if (!uc)
			return;
		ring_push(&uc->fails, now);
		if (ring_count_since(&uc->fails, since) >= (size_t)set->fail_threshold &&
				uc->lockout_until <= now) {
			uc->lockout_until = until;
			ring_clear(&uc->fails);
			trip->user_tripped = true;
			trip->until = until;
			/* a user's failures on this lock disable it for everyone too */
			if (lc->lockout_until <= now) {
				lc->lockout_until = until;
				snprintf(lc->lockout_cause, sizeof(lc->lockout_cause), "%s", user);
				trip->lock_tripped = true;
			}
		}
	}
}

bool intrusion_locked_out(struct agent_state *st, size_t lock, const char *user,
		int64_t now, int64_t *until)
{
	const struct user_counters *uc = user ? state_user(st, user, false) : NULL;
	int64_t u = 0;

	if (st->locks[lock].lockout_until > now)
		u = st->locks[lock].lockout_until;
	if (uc && uc->lockout_until > now && uc->lockout_until > u)
		u = uc->lockout_until;
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

bool intrusion_reset(struct agent_state *st, const struct agent_settings *set,
		int lock, const char *user, int64_t now)
{
	bool was = false;

	if (lock >= 0 || !user) {
		for (size_t i = 0; i < set->locks.count; i++) {
			if (lock >= 0 && (size_t)lock != i)
				continue;
			was |= st->locks[i].lockout_until > now;
			st->locks[i].lockout_until = 0;
			st->locks[i].lockout_cause[0] = '\0';
			ring_clear(&st->locks[i].fails);
		}
	}
	for (size_t i = 0; i < st->nusers; i++) {
		struct user_counters *uc = &st->users[i];

		if (user && strcmp(uc->name, user) != 0)
			continue;
		if (!user && lock >= 0)
			break;
		was |= uc->lockout_until > now;
		uc->lockout_until = 0;
		ring_clear(&uc->fails);
		ring_clear(&uc->unlocks);
	}
	st->dirty = true;
	return was;
}
