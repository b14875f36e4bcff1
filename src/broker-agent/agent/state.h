/*
 * state.h - the agent's counters that must survive a restart: guest uses,
 * recent failures and unlock requests, lockouts, the command sequence
 * reservation and the replay cache. Kept in <state_dir>/state.json,
 * written atomically (mode 0600) as a checkpoint: at most once every
 * checkpoint_interval while it changes, at once for what the audit log cannot restore (the
 * sequence reservation, an owner's lockout reset), and at exit. audit_seq
 * names the last audit record whose effects it holds; after a crash,
 * recover.c replays the records after it.
 *
 * Times are wall-clock ms since the epoch, so a lockout keeps its end
 * across a restart. Not thread-safe; owned by the agent context.
 */
#ifndef AGENT_STATE_H
#define AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "replay.h"
#include "settings.h"

#define TIME_RING_SLOTS 101     /* > max fail_threshold and unlock_rate_max */

/* The newest event times, oldest first. */
struct time_ring {
	size_t n;
	int64_t t[TIME_RING_SLOTS];
};

struct user_counters {
	char name[SL_NAME_MAX + 1];
	int64_t uses;                   /* unlocks granted (guests' max_uses) */
	int64_t lockout_until;          /* 0 = none */
	struct time_ring fails;
	struct time_ring unlocks;
	char lockout_why[24];           /* reason of the failure that tripped it */
	struct time_ring stale;         /* refusals for the clock alone (not saved) */
};

struct lock_counters {
	int64_t lockout_until;
	char lockout_cause[SL_NAME_MAX + 1];
	struct time_ring fails;
	char lockout_why[24];           /* reason of the failure that tripped it */
};

struct agent_state {
	struct user_counters *users;    /* sorted by name */
	size_t nusers, cap;
	struct lock_counters locks[AGENT_LOCKS_MAX];
	uint64_t seq_reserved;          /* command seqs up to this may have been used */
	struct replay_cache replay;
	uint64_t audit_seq;             /* last audit record reflected here */
	bool audit_seq_known;           /* false: no file, or one without it */
	char audit_hash[SL_SHA256_HEX + 1]; /* that record's SHA-256: the log's anchor */
	bool dirty;
};

int state_init(struct agent_state *st, size_t replay_cap);
void state_finish(struct agent_state *st);

/* Load path (lock entries matched against locks). SL_ERR_NOT_FOUND when
 * the file does not exist (a first start); other errors with a message
 * naming the file in msg. */
enum sl_err state_load(struct agent_state *st, const char *path,
		const struct agent_lock_list *locks, char *msg, size_t size);

enum sl_err state_save(struct agent_state *st, const char *path,
		const struct agent_lock_list *locks);

/* Counters of user name; created (zeroed) when create is true, else NULL
 * if absent. The pointer is valid until the next call that creates. */
struct user_counters *state_user(struct agent_state *st, const char *name, bool create);

void ring_push(struct time_ring *r, int64_t t);
size_t ring_count_since(const struct time_ring *r, int64_t since);
/* Oldest time at or after since, 0 if none. */
int64_t ring_oldest_since(const struct time_ring *r, int64_t since);
void ring_clear(struct time_ring *r);

/* Forget the event times no window counts any more: failures at or before
 * fail_since, unlock requests at or before unlock_since. Without this a
 * user's rings stay full of old times for good, and state.json, written
 * once a second while the agent is busy, grows with every user who ever
 * used the lock. */
void state_prune(struct agent_state *st, int64_t fail_since, int64_t unlock_since);

#endif
