/* throttle.c - per-source failed-login counting for smartlock_auth. */
#include <string.h>
#include <sys/socket.h>

#include "throttle.h"

void throttle_init(struct throttle *t)
{
	memset(t, 0, sizeof(*t));
}

/* The source key of an address: IPv4 whole, IPv6 its /64. */
static void make_key(const struct origin_addr *a, unsigned char key[16])
{
	memset(key, 0, 16);
	memcpy(key, a->addr, a->family == AF_INET ? 4 : 8);
}

static const struct throttle_slot *find(const struct throttle *t,
		const struct origin_addr *a)
{
	unsigned char key[16];

	make_key(a, key);
	for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
		const struct throttle_slot *s = &t->slot[i];

		if (s->used && s->family == a->family && memcmp(s->key, key, 16) == 0)
			return s;
	}
	return NULL;
}

static bool expired(const struct throttle_slot *s, int64_t now)
{
	return now - s->window_start >= THROTTLE_WINDOW_MS;
}

bool throttle_blocked(const struct throttle *t, const struct origin_addr *a, int64_t now)
{
	const struct throttle_slot *s = find(t, a);

	return s && !expired(s, now) && s->failures >= THROTTLE_FAILURES;
}

void throttle_failure(struct throttle *t, const struct origin_addr *a, int64_t now)
{
	struct throttle_slot *s = (struct throttle_slot *)find(t, a);

	if (s && expired(s, now)) {
		s->window_start = now;
		s->failures = 0;
	}
	if (!s) {
		/* a free or expired slot, else the one with the oldest window */
		s = &t->slot[0];
		for (size_t i = 0; i < THROTTLE_SLOTS; i++) {
			struct throttle_slot *c = &t->slot[i];

			if (!c->used || expired(c, now)) {
				s = c;
				break;
			}
			if (c->window_start < s->window_start)
				s = c;
		}
		memset(s, 0, sizeof(*s));
		s->used = true;
		s->family = a->family;
		make_key(a, s->key);
		s->window_start = now;
	}
	if (s->failures < THROTTLE_FAILURES)
		s->failures++;
}
