/*
 * ring.h - a fixed-capacity ring of fixed-size items: the console's memory
 * stays bounded however fast events arrive. Pushing onto a full ring drops
 * the oldest item (and counts it); items are addressed by age, 0 = oldest.
 *
 * A struct ring is caller memory (ring_init/ring_finish); not thread-safe.
 */
#ifndef SMARTLOCK_TUI_RING_H
#define SMARTLOCK_TUI_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ring {
	unsigned char *items;
	size_t item_size;
	size_t capacity;
	size_t head;            /* index of the oldest item */
	size_t count;
	uint64_t dropped;       /* items pushed out by newer ones */
};

/* false when out of memory (or capacity/item_size is 0). */
bool ring_init(struct ring *r, size_t item_size, size_t capacity);
void ring_finish(struct ring *r);

/* Copy item in as the newest; drops the oldest when full. Returns the
 * stored copy. */
void *ring_push(struct ring *r, const void *item);

/* Copy item in as the oldest; NULL (nothing stored) when full: history
 * never pushes out what is newer. */
void *ring_push_front(struct ring *r, const void *item);

/* The i-th item from the oldest (i < count), or NULL. */
void *ring_at(const struct ring *r, size_t i);
/* The i-th item from the newest, or NULL. */
void *ring_from_newest(const struct ring *r, size_t i);

size_t ring_count(const struct ring *r);
bool ring_full(const struct ring *r);
void ring_clear(struct ring *r);

#endif
