/*
 * intrusion.h - the intrusion rule: failed attempts counted per user and
 * per lock in a sliding window trip a lockout of unlocking for everyone
 * but owners; too many unlock requests by one user are suspicious.
 *
 * Works on the persisted counters of state.h; the caller saves the state
 * and raises the alerts. Pure bookkeeping, no I/O; not thread-safe.
 */
#ifndef AGENT_INTRUSION_H
#define AGENT_INTRUSION_H

#include <stdbool.h>
#include <stdint.h>

#include "settings.h"
#include "state.h"

struct intrusion_trip {
	bool lock_tripped;              /* this failure started a lock lockout */
	bool user_tripped;              /* ... or a lockout of the user */
	int64_t until;
};

/* Count one failed attempt at wall time now against lock (index into the
 * served locks) and, when user is not NULL, against that known user. */
void intrusion_fail(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *user, int64_t now, struct intrusion_trip *trip);

/* When unlocking lock is disabled for a non-owner user at now: true and
 * *until set (the later of the lock's and the user's lockout). */
bool intrusion_locked_out(struct agent_state *st, size_t lock, const char *user,
		int64_t now, int64_t *until);

/* Record an unlock request by user; true when it is over the rate (more
 * than unlock_rate_max in unlock_rate_window), *until = when it frees. */
bool intrusion_unlock_rate(struct agent_state *st, const struct agent_settings *set,
		const char *user, int64_t now, int64_t *until);

/* Clear lockouts and failure counters: of one lock (lock >= 0), of one
 * user (user != NULL), or, with lock < 0 and user NULL, everything.
 * Returns true if anything was locked out. */
bool intrusion_reset(struct agent_state *st, const struct agent_settings *set,
		int lock, const char *user, int64_t now);

#endif
