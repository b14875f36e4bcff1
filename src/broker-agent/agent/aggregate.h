/*
 * aggregate.h - repeated identical denials from one sender become one
 * counted audit record instead of one record each.
 *
 * The first denial of a kind (sender, lock, action, reason) is written as
 * usual and opens a window of audit_aggregate_window seconds; identical
 * denials inside it are only counted, and when the window ends one record
 * (result "repeated", the count in detail) says how many there were. Over
 * the audit budget, every further denial of the sender in the window is
 * absorbed whatever its kind. The caller absorbs only what nothing else
 * needs record by record: denials without a request id that do not count
 * toward the intrusion rule (intrusion.h) - never a grant.
 *
 * Bounded table (AGGREGATE_SLOTS); the oldest window is closed early to
 * make room. Not thread-safe; owned by the agent context.
 */
#ifndef AGENT_AGGREGATE_H
#define AGENT_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/audit.h"
#include "smartlock/topic.h"

#define AGGREGATE_SLOTS 128

struct aggregate_slot {
	bool used;
	char actor[SL_NAME_MAX + 1];
	char role[16];
	char lock[SL_NAME_MAX + 1];
	char action[24];
	char reason[32];
	int64_t start;                  /* monotonic ms the window opened */
	uint64_t count;                 /* absorbed since */
};

struct aggregate {
	struct aggregate_slot slot[AGGREGATE_SLOTS];
};

/* Write one "repeated" record for a closed window (the agent's audit). */
typedef void (*aggregate_write_fn)(void *ctx, const struct audit_record *rec);

/* Should rec (a denial the caller may absorb) be counted instead of
 * written? any_kind: absorb whatever its kind (over the audit budget).
 * A window closed to make room is written through fn first. */
bool aggregate_absorb(struct aggregate *g, const struct audit_record *rec, bool any_kind,
		int64_t window_ms, int64_t now, aggregate_write_fn fn, void *ctx);

/* Close the windows at least window_ms old (all when force), writing a
 * record for each that absorbed anything. Returns the earliest time a
 * window will end (INT64_MAX if none is open). */
int64_t aggregate_flush(struct aggregate *g, int64_t window_ms, int64_t now, bool force,
		aggregate_write_fn fn, void *ctx);

#endif
