/* debounce.c - believe a new input level only after it held for a while. */
#include "debounce.h"

void debounce_init(struct debounce *d, int64_t debounce_ms, bool level)
{
	d->debounce_ms = debounce_ms > 0 ? debounce_ms : 0;
	d->stable = level;
	d->pending = false;
	d->since = 0;
}

void debounce_feed(struct debounce *d, bool level, int64_t now)
{
	if (level == d->stable) {
		d->pending = false;     /* a glitch that came back */
		return;
	}
	/* Every edge restarts the quiet period. */
	d->pending = true;
	d->since = now;
}

bool debounce_poll(struct debounce *d, int64_t now, bool *level)
{
	if (!d->pending || now - d->since < d->debounce_ms)
		return false;
	d->pending = false;
	d->stable = !d->stable;
	*level = d->stable;
	return true;
}

int64_t debounce_deadline(const struct debounce *d)
{
	return d->pending ? d->since + d->debounce_ms : DEBOUNCE_NO_DEADLINE;
}
