/* ring.c - the bounded ring buffer behind the alert and log panels. */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

bool ring_init(struct ring *r, size_t item_size, size_t capacity)
{
	memset(r, 0, sizeof(*r));
	if (item_size == 0 || capacity == 0 || capacity > SIZE_MAX / item_size)
		return false;
	r->items = calloc(capacity, item_size);
	if (!r->items)
		return false;
	r->item_size = item_size;
	r->capacity = capacity;
	return true;
}

void ring_finish(struct ring *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static void *slot(const struct ring *r, size_t i)
{
	return r->items + ((r->head + i) % r->capacity) * r->item_size;
}

void *ring_push(struct ring *r, const void *item)
{
	void *dst;

	if (!r->items)
		return NULL;
	if (r->count == r->capacity) {
		r->head = (r->head + 1) % r->capacity;
		r->count--;
		r->dropped++;
	}
	dst = slot(r, r->count);
	memcpy(dst, item, r->item_size);
	r->count++;
	return dst;
}

void *ring_push_front(struct ring *r, const void *item)
{
	if (!r->items || r->count == r->capacity)
		return NULL;
	r->head = (r->head + r->capacity - 1) % r->capacity;
	r->count++;
	memcpy(slot(r, 0), item, r->item_size);
	return slot(r, 0);
}

void *ring_at(const struct ring *r, size_t i)
{
	return i < r->count ? slot(r, i) : NULL;
}

void *ring_from_newest(const struct ring *r, size_t i)
{
	return i < r->count ? slot(r, r->count - 1 - i) : NULL;
}

size_t ring_count(const struct ring *r)
{
	return r->count;
}

bool ring_full(const struct ring *r)
{
	return r->count == r->capacity;
}

void ring_clear(struct ring *r)
{
	r->head = 0;
	r->count = 0;
}
