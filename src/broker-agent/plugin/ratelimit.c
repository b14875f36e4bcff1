/* ratelimit.c - per-account token buckets and size limits, with drop counts. */
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

struct slot {
	bool used;
	char name[SL_NAME_MAX + 1];
	enum sl_passwd_role role;
	int64_t tokens;                 /* thousandths of a message */
	int64_t last;                   /* ms of the last refill */
	uint64_t rate_dropped, size_dropped, squat_refused;
	char last_id[64];
	int64_t first_drop;             /* 0: nothing unreported */
};

struct limits {
	struct slot slot[LIMITS_SLOTS];
	struct slot overflow;
	size_t used;
};

void limits_config_defaults(struct limits_config *c)
{
	c->rate = 5;
	c->burst = 20;
	c->owner_rate = 20;
	c->owner_burst = 100;
	c->user_max_payload = 4096;
	c->report_ms = 10000;
}

struct limits *limits_create(void)
{
	struct limits *l = calloc(1, sizeof(*l));

	if (l)
		strcpy(l->overflow.name, "(overflow)");
	return l;
}

void limits_destroy(struct limits *l)
{
	free(l);
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603u;     /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211u;
	return h;
}

/* The account's slot (claimed on first use), or the shared overflow. */
static struct slot *find(struct limits *l, const char *user, enum sl_passwd_role role)
{
	size_t i = (size_t)(hash_name(user) % LIMITS_SLOTS);

	for (size_t n = 0; n < LIMITS_SLOTS; n++, i = (i + 1) % LIMITS_SLOTS) {
		struct slot *s = &l->slot[i];

		if (s->used && strcmp(s->name, user) == 0)
			return s;
		if (s->used)
			continue;
		if (l->used >= LIMITS_SLOTS * 3 / 4 || strlen(user) > SL_NAME_MAX)
			break;
		s->used = true;
		strcpy(s->name, user);
		s->role = role;
		s->tokens = -1;         /* filled on first refill */
		l->used++;
		return s;
	}
	return &l->overflow;
}

static void refill(struct slot *s, int64_t rate, int64_t burst, int64_t now)
{
	int64_t cap = burst * 1000;

	if (s->tokens < 0 || now < s->last) {
		s->tokens = cap;
	} else if (now > s->last) {
		int64_t add = (now - s->last) * rate;   /* ms * msg/s = thousandths */

		s->tokens = add >= cap - s->tokens ? cap : s->tokens + add;
	}
	s->last = now;
}

static void note(struct slot *s, int64_t now)
{
	if (s->first_drop == 0)
		s->first_drop = now > 0 ? now : 1;
}

static enum limits_verdict drop(struct slot *s, enum limits_verdict v, int64_t now)
{
	if (v == LIMITS_DROP_RATE)
		s->rate_dropped++;
	else
		s->size_dropped++;
	note(s, now);
	return v;
}

void limits_note_squat(struct limits *l, const char *user, enum sl_passwd_role role,
		const char *id, int64_t now)
{
	struct slot *s = find(l, user, role);

	s->squat_refused++;
	strncpy(s->last_id, id, sizeof(s->last_id) - 1);
	s->last_id[sizeof(s->last_id) - 1] = '\0';
	note(s, now);
}

enum limits_verdict limits_check(struct limits *l, const struct limits_config *c,
		const char *user, enum sl_passwd_role role, uint32_t payloadlen, int64_t now)
{
	bool owner = role == SL_PW_OWNER;
	struct slot *s;

	if (role != SL_PW_OWNER && role != SL_PW_RESIDENT && role != SL_PW_GUEST)
		return LIMITS_PASS;
	s = find(l, user, role);
	s->role = role;
	refill(s, owner ? c->owner_rate : c->rate, owner ? c->owner_burst : c->burst, now);
	if ((int64_t)payloadlen > c->user_max_payload)
		return drop(s, LIMITS_DROP_SIZE, now);
	if (s->tokens < 1000)
		return drop(s, LIMITS_DROP_RATE, now);
	s->tokens -= 1000;
	return LIMITS_PASS;
}

static void report(struct slot *s, int64_t now, int64_t report_ms, bool force,
		void (*fn)(void *ctx, const struct limits_report *r), void *ctx)
{
	struct limits_report r;

	if (s->first_drop == 0 || (!force && now - s->first_drop < report_ms))
		return;
	r.user = s->name;
	r.role = s->role;
	r.rate_dropped = s->rate_dropped;
	r.size_dropped = s->size_dropped;
	r.squat_refused = s->squat_refused;
	r.last_id = s->last_id;
	r.first_ms = s->first_drop;
	r.span_ms = now - s->first_drop;
	s->rate_dropped = s->size_dropped = s->squat_refused = 0;
	s->first_drop = 0;
	fn(ctx, &r);
	s->last_id[0] = '\0';
}

void limits_flush(struct limits *l, int64_t now, int64_t report_ms, bool force,
		void (*fn)(void *ctx, const struct limits_report *r), void *ctx)
{
	for (size_t i = 0; i < LIMITS_SLOTS; i++)
		if (l->slot[i].used)
			report(&l->slot[i], now, report_ms, force, fn, ctx);
	report(&l->overflow, now, report_ms, force, fn, ctx);
}
