/*
 * replay.h - the bounded cache of request ids already seen, telling a new
 * request from a QoS 1 duplicate (the same bytes again, shortly after) and
 * from a replay (an id used before, or older than what the cache has
 * forgotten).
 *
 * Memory is bounded by the capacity given at creation. An entry whose time
 * is outside the request window can go: such a request is stale anyway.
 * When the cache is full of live entries the oldest is dropped and its time
 * becomes a floor: any unknown id at or below it is a replay. Not
 * thread-safe; owned by the agent context.
 */
#ifndef AGENT_REPLAY_H
#define AGENT_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/sign.h"
#include "smartlock/topic.h"

enum replay_kind { REPLAY_KIND_REQUEST, REPLAY_KIND_ADMIN };

enum replay_verdict { REPLAY_NEW, REPLAY_DUPLICATE, REPLAY_REUSED };

struct replay_entry {
	char user[SL_NAME_MAX + 1];
	uint8_t kind;
	int64_t t;                      /* the request id */
	char mac[SL_MAC_CHARS + 1];
	int64_t seen;                   /* wall ms when first seen */
};

struct replay_cache {
	struct replay_entry *ring;      /* insertion order */
	size_t cap, count, head;        /* head = oldest */
	int64_t floor;                  /* ids <= floor are replays */
};

int replay_init(struct replay_cache *c, size_t cap);
void replay_finish(struct replay_cache *c);

/* Classify (user, kind, t, mac) at wall time now. An identical id and MAC
 * first seen at most dup_ms ago is a duplicate; any other known id, or an
 * unknown id <= floor, is reused. Does not record. */
enum replay_verdict replay_check(const struct replay_cache *c, const char *user,
		enum replay_kind kind, int64_t t, const char *mac, int64_t now, int64_t dup_ms);

/* Record a new id; window_ms is the request window (entries whose t is
 * older than now - window_ms are dropped first). */
void replay_add(struct replay_cache *c, const char *user, enum replay_kind kind,
		int64_t t, const char *mac, int64_t now, int64_t window_ms);

/* Entry i (0 = oldest), for persistence. */
const struct replay_entry *replay_at(const struct replay_cache *c, size_t i);

#endif
