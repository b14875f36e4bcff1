/*
 * intrusion.h - the intrusion rule. Only failed attempts to unlock or lock
 * count. Failures of a registered user, fail_threshold within fail_window,
 * lock out that user (every lock) for lockout_duration. Failures of
 * unregistered identities (unknown users, failed broker logins) count per
 * lock; stranger_fail_threshold of them within stranger_fail_window
 * disable unlocking that lock for stranger_lockout_duration for everyone
 * but owners (and residents, when stranger_lockout_serves_residents).
 * Too many unlock requests by one user are suspicious.
 *
 * Works on the persisted counters of state.h; the caller saves the state
 * and raises the alerts: each trip is reported once, failures during an
 * active lockout do not start another. Pure bookkeeping, no I/O; not
 * thread-safe.
 */
#ifndef AGENT_INTRUSION_H
#define AGENT_INTRUSION_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/protocol.h"
#include "settings.h"
#include "state.h"

/* Does a refusal for reason of an attempt to do action count as a failed
 * attempt? Only unlock and lock count, and never a refusal for the
 * request's time alone (a wrong clock is not an attack). */
bool intrusion_counts(enum sl_action action, enum sl_reason reason);

/* Count one failed attempt by registered user (why: a reason name) at wall
 * time now. True when it started a lockout of the user, *until its end. */
bool intrusion_user_fail(struct agent_state *st, const struct agent_settings *set,
		const char *user, const char *why, int64_t now, int64_t *until);

/* Count one failure by an unregistered identity who (a user name or an
 * address) against lock (index into the served locks). True when it
 * started a lockout of the lock, *until its end. */
bool intrusion_stranger_fail(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *who, const char *why, int64_t now, int64_t *until);

/* Is unlocking lock refused at now for user of role? True with *until
 * (the later end) and *own (the user's own lockout, not the lock's) set. */
bool intrusion_locked_out(struct agent_state *st, const struct agent_settings *set,
		size_t lock, const char *user, enum sl_role role, int64_t now,
		int64_t *until, bool *own);

/* Record an unlock request by user; true when it is over the rate (more
 * than unlock_rate_max in unlock_rate_window), *until = when it frees. */
bool intrusion_unlock_rate(struct agent_state *st, const struct agent_settings *set,
		const char *user, int64_t now, int64_t *until);

/* Count a refusal of user's request for its time alone; true when this is
 * the fail_threshold-th within fail_window (time to alert, once). */
bool intrusion_stale(struct agent_state *st, const struct agent_settings *set,
		const char *user, int64_t now);

/* Clear lockouts and failure counters: of one lock (lock >= 0), of one
 * user (user != NULL), or, with lock < 0 and user NULL, everything.
 * Returns true if anything was locked out. */
bool intrusion_reset(struct agent_state *st, const struct agent_settings *set,
		int lock, const char *user, int64_t now);

#endif
