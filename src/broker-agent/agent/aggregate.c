/* aggregate.c - counted records for repeated identical denials. */
#include <stdio.h>
#include <string.h>

#include "aggregate.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static bool same_kind(const struct aggregate_slot *s, const struct audit_record *rec)
{
	return strcmp(s->lock, rec->lock ? rec->lock : "") == 0 &&
		strcmp(s->action, rec->action ? rec->action : "") == 0 &&
		strcmp(s->reason, rec->reason ? rec->reason : "") == 0;
}

static void close_slot(struct aggregate_slot *s, int64_t now, aggregate_write_fn fn, void *ctx)
{
	struct audit_record rec = {0};
	char detail[320];

	if (s->count) {
		snprintf(detail, sizeof(detail), "%llu more denials like the one before (%s %s: %s) "
				"from %s in %lld s, counted, not written one by one",
				(unsigned long long)s->count, s->action, s->lock[0] ? s->lock : "-",
				s->reason, s->actor[0] ? s->actor : "an unknown sender",
				(long long)((now - s->start + 999) / 1000));
		rec.actor = s->actor;
		rec.role = s->role;
		rec.source = "lockReq";
		rec.lock = s->lock;
		rec.action = s->action;
		rec.result = "repeated";
		rec.reason = s->reason;
		rec.detail = detail;
		fn(ctx, &rec);
	}
	memset(s, 0, sizeof(*s));
}

static void open_slot(struct aggregate_slot *s, const struct audit_record *rec, int64_t now)
{
	s->used = true;
	copy(s->actor, sizeof(s->actor), rec->actor);
	copy(s->role, sizeof(s->role), rec->role);
	copy(s->lock, sizeof(s->lock), rec->lock);
	copy(s->action, sizeof(s->action), rec->action);
	copy(s->reason, sizeof(s->reason), rec->reason);
	s->start = now;
	s->count = 0;
}

bool aggregate_absorb(struct aggregate *g, const struct audit_record *rec, bool any_kind,
		int64_t window_ms, int64_t now, aggregate_write_fn fn, void *ctx)
{
	struct aggregate_slot *free_slot = NULL, *oldest = &g->slot[0];
	const char *actor = rec->actor ? rec->actor : "";

	if (window_ms <= 0)
		return false;
	for (size_t i = 0; i < AGGREGATE_SLOTS; i++) {
		struct aggregate_slot *s = &g->slot[i];

		if (!s->used) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->start < oldest->start || !oldest->used)
			oldest = s;
		if (strcmp(s->actor, actor) != 0)
			continue;
		if (now - s->start < window_ms && (any_kind || same_kind(s, rec))) {
			s->count++;
			return true;
		}
		/* another kind, or the window is over: close it, start anew */
		close_slot(s, now, fn, ctx);
		open_slot(s, rec, now);
		return false;
	}
	if (!free_slot) {
		close_slot(oldest, now, fn, ctx);
		free_slot = oldest;
	}
	open_slot(free_slot, rec, now);
	return false;
}

int64_t aggregate_flush(struct aggregate *g, int64_t window_ms, int64_t now, bool force,
		aggregate_write_fn fn, void *ctx)
{
	int64_t next = INT64_MAX;

	for (size_t i = 0; i < AGGREGATE_SLOTS; i++) {
		struct aggregate_slot *s = &g->slot[i];

		if (!s->used)
			continue;
		if (force || now - s->start >= window_ms)
			close_slot(s, now, fn, ctx);
		else if (s->start + window_ms < next)
			next = s->start + window_ms;
	}
	return next;
}
