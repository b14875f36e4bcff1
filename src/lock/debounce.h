/*
 * debounce.h - a two-state input debouncer: a new level is believed only
 * after no edge has been seen for debounce_ms (a quiet period). Pure (the caller passes
 * the time), used for the door and bolt sensors of the GPIO backend.
 *
 * struct debounce is plain caller memory; not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_DEBOUNCE_H
#define SMARTLOCK_LOCK_DEBOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#define DEBOUNCE_NO_DEADLINE INT64_MAX

struct debounce {
	int64_t debounce_ms;
	bool stable;            /* the believed level */
	bool pending;           /* a different level is being timed */
	int64_t since;          /* when the pending level was first read */
};

/* Start believing level. */
void debounce_init(struct debounce *d, int64_t debounce_ms, bool level);

/* An edge seen at time now, after which the line reads level. An edge
 * back to the believed level cancels the pending change. */
void debounce_feed(struct debounce *d, bool level, int64_t now);

/* True (and *level set) when the believed level changed at or before now. */
bool debounce_poll(struct debounce *d, int64_t now, bool *level);

/* When debounce_poll() may next report a change, or DEBOUNCE_NO_DEADLINE. */
int64_t debounce_deadline(const struct debounce *d);

#endif
