/* replay.c - the bounded cache of request ids already seen. */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

int replay_init(struct replay_cache *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->ring = calloc(cap, sizeof(*c->ring));
	if (!c->ring)
		return -1;
	c->cap = cap;
	return 0;
}

void replay_finish(struct replay_cache *c)
{
	free(c->ring);
	memset(c, 0, sizeof(*c));
}

const struct replay_entry *replay_at(const struct replay_cache *c, size_t i)
{
	return i < c->count ? &c->ring[(c->head + i) % c->cap] : NULL;
}

static int match(const struct replay_entry *e, size_t n, const char *user,
		enum replay_kind kind, int64_t t, const char *mac, int64_t now, int64_t dup_ms)
{
	for (size_t i = 0; i < n; i++, e++) {
		if (e->t != t || e->kind != kind || strcmp(e->user, user) != 0)
			continue;
		if (strcmp(e->mac, mac) == 0 && now - e->seen <= dup_ms)
			return REPLAY_DUPLICATE;
		return REPLAY_REUSED;
	}
	return -1;
}

enum replay_verdict replay_check(const struct replay_cache *c, const char *user,
		enum replay_kind kind, int64_t t, const char *mac, int64_t now, int64_t dup_ms)
{
	/* Every check of a new id reads the whole ring, so read it as the two
	 * runs it is stored in, [head, cap) and [0, rest), rather than through
	 * replay_at(): a division per entry was most of the cost. */
	size_t first = c->cap - c->head < c->count ? c->cap - c->head : c->count;
	int v = -1;

	if (c->count > 0) {
		v = match(c->ring + c->head, first, user, kind, t, mac, now, dup_ms);
		if (v < 0)
			v = match(c->ring, c->count - first, user, kind, t, mac, now, dup_ms);
	}
	if (v >= 0)
		return (enum replay_verdict)v;
	return t <= c->floor ? REPLAY_REUSED : REPLAY_NEW;
}

static void drop_oldest(struct replay_cache *c)
{
	c->head = (c->head + 1) % c->cap;
	c->count--;
}

void replay_add(struct replay_cache *c, const char *user, enum replay_kind kind,
		int64_t t, const char *mac, int64_t now, int64_t window_ms)
{
	struct replay_entry *e;

	/* forget what is stale anyway; insertion order is close to time order */
	while (c->count > 0 && replay_at(c, 0)->t < now - window_ms)
		drop_oldest(c);
	if (c->count == c->cap) {
		const struct replay_entry *old = replay_at(c, 0);

		if (old->t > c->floor)
			c->floor = old->t;
		drop_oldest(c);
	}
	e = &c->ring[(c->head + c->count) % c->cap];
	memset(e, 0, sizeof(*e));
	strncpy(e->user, user, SL_NAME_MAX);
	e->kind = (uint8_t)kind;
	e->t = t;
	strncpy(e->mac, mac, SL_MAC_CHARS);
	e->seen = now;
	c->count++;
}
