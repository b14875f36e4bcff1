/* backend.c - dispatch through a backend's operations table. */
#include "backend.h"

enum sl_err backend_drive(struct backend *b, bool lock, int64_t now)
{
	return b->ops->drive(b, lock, now);
}

void backend_stop(struct backend *b, int64_t now)
{
	b->ops->stop(b, now);
}

size_t backend_fds(struct backend *b, struct pollfd *fds, size_t max)
{
	return b->ops->fds(b, fds, max);
}

void backend_service(struct backend *b, int64_t now, struct backend_events *out)
{
	b->ops->service(b, now, out);
}

int64_t backend_next_deadline(const struct backend *b)
{
	return b->ops->next_deadline(b);
}

void backend_destroy(struct backend *b)
{
	if (b)
		b->ops->destroy(b);
}

void backend_emit(struct backend_events *out, enum backend_event_kind kind,
		bool locked, enum sl_door door)
{
	if (out->n >= BACKEND_EVENTS_MAX)
		return;
	out->ev[out->n].kind = kind;
	out->ev[out->n].locked = locked;
	out->ev[out->n].door = door;
	out->n++;
}
