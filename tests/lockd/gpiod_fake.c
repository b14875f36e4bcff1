/* gpiod_fake.c - the wraps of the libgpiod calls listed in gpiod_wrapped
 * (tests/lockd/meson.build): a fake chip when switched on, else libgpiod. */
#include <errno.h>
#include <string.h>

#include <gpiod.h>

#include "gpiod_fake.h"

struct gpiod_fake gpiod_fake;

/* The fake chip is never dereferenced by the code under test. */
static struct gpiod_chip *const fake_chip = (struct gpiod_chip *)&gpiod_fake;

struct gpiod_chip *__real_gpiod_chip_open_lookup(const char *descr);
void __real_gpiod_chip_close(struct gpiod_chip *chip);
struct gpiod_line *__real_gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset);
int __real_gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
		int flags, int default_val);
int __real_gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
		const char *consumer, int flags);
void __real_gpiod_line_release(struct gpiod_line *line);
int __real_gpiod_line_set_value(struct gpiod_line *line, int value);
int __real_gpiod_line_get_value(struct gpiod_line *line);
int __real_gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout);
int __real_gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event);
int __real_gpiod_line_event_get_fd(struct gpiod_line *line);
const char *__real_gpiod_line_consumer(struct gpiod_line *line);

struct gpiod_chip *__wrap_gpiod_chip_open_lookup(const char *descr);
void __wrap_gpiod_chip_close(struct gpiod_chip *chip);
struct gpiod_line *__wrap_gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset);
int __wrap_gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
		int flags, int default_val);
int __wrap_gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
		const char *consumer, int flags);
void __wrap_gpiod_line_release(struct gpiod_line *line);
int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value);
int __wrap_gpiod_line_get_value(struct gpiod_line *line);
int __wrap_gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout);
int __wrap_gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event);
int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line);
const char *__wrap_gpiod_line_consumer(struct gpiod_line *line);

static struct fake_line *fake_line(struct gpiod_line *line)
{
	return (struct fake_line *)(void *)line;
}

static unsigned offset_of(const struct fake_line *l)
{
	return (unsigned)(l - gpiod_fake.line);
}

static int logical_to_physical(const struct fake_line *l, int value)
{
	int v = value != 0;

	return (l->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) ? !v : v;
}

static void record(enum fake_call_kind kind, const struct fake_line *l)
{
	struct fake_call *c;

	if (gpiod_fake.ncalls == FAKE_CALLS_MAX)
		return;
	c = &gpiod_fake.call[gpiod_fake.ncalls++];
	c->kind = kind;
	c->offset = offset_of(l);
	c->physical = l->physical;
	c->at = gpiod_fake.now;
}

void gpiod_fake_reset(void)
{
	memset(&gpiod_fake, 0, sizeof(gpiod_fake));
	gpiod_fake.on = true;
}

void gpiod_fake_set_input(unsigned offset, int physical)
{
	struct fake_line *l = &gpiod_fake.line[offset];

	physical = physical != 0;
	if (physical == l->physical)
		return;
	l->physical = physical;
	if (l->requested && !l->output && l->events < FAKE_EVENTS_MAX)
		l->event_type[l->events++] = physical ? GPIOD_LINE_EVENT_RISING_EDGE
				: GPIOD_LINE_EVENT_FALLING_EDGE;
}

const struct fake_call *gpiod_fake_set_call(size_t index)
{
	for (size_t i = 0; i < gpiod_fake.ncalls; i++)
		if (gpiod_fake.call[i].kind == FAKE_SET && index-- == 0)
			return &gpiod_fake.call[i];
	return NULL;
}

size_t gpiod_fake_set_count(void)
{
	size_t n = 0;

	for (size_t i = 0; i < gpiod_fake.ncalls; i++)
		n += gpiod_fake.call[i].kind == FAKE_SET;
	return n;
}

/* ---- the wraps ---- */

struct gpiod_chip *__wrap_gpiod_chip_open_lookup(const char *descr)
{
	if (!gpiod_fake.on)
		return __real_gpiod_chip_open_lookup(descr);
	if (gpiod_fake.chip_errno) {
		errno = gpiod_fake.chip_errno;
		return NULL;
	}
	if (!descr || strcmp(descr, FAKE_CHIP) != 0) {
		errno = ENOENT;
		return NULL;
	}
	gpiod_fake.chip_open = true;
	return fake_chip;
}

void __wrap_gpiod_chip_close(struct gpiod_chip *chip)
{
	if (!gpiod_fake.on) {
		__real_gpiod_chip_close(chip);
		return;
	}
	gpiod_fake.chip_open = false;
}

struct gpiod_line *__wrap_gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	if (!gpiod_fake.on)
		return __real_gpiod_chip_get_line(chip, offset);
	if (chip != fake_chip || offset >= FAKE_LINES) {
		errno = EINVAL;
		return NULL;
	}
	return (struct gpiod_line *)(void *)&gpiod_fake.line[offset];
}

static int request(struct fake_line *l, const char *consumer, int flags, bool output)
{
	if (l->request_errno) {
		errno = l->request_errno;
		return -1;
	}
	if (l->requested) {
		errno = EBUSY;
		return -1;
	}
	l->requested = true;
	l->released = false;
	l->output = output;
	l->flags = flags;
	strncpy(l->consumer, consumer ? consumer : "", sizeof(l->consumer) - 1);
	return 0;
}

int __wrap_gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
		int flags, int default_val)
{
	struct fake_line *l;

	if (!gpiod_fake.on)
		return __real_gpiod_line_request_output_flags(line, consumer, flags, default_val);
	l = fake_line(line);
	if (request(l, consumer, flags, true) < 0)
		return -1;
	l->physical = logical_to_physical(l, default_val);
	record(FAKE_REQUEST, l);
	return 0;
}

int __wrap_gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
		const char *consumer, int flags)
{
	struct fake_line *l;

	if (!gpiod_fake.on)
		return __real_gpiod_line_request_both_edges_events_flags(line, consumer, flags);
	l = fake_line(line);
	if (request(l, consumer, flags, false) < 0)
		return -1;
	l->events = 0;
	record(FAKE_REQUEST, l);
	return 0;
}

void __wrap_gpiod_line_release(struct gpiod_line *line)
{
	struct fake_line *l;

	if (!gpiod_fake.on) {
		__real_gpiod_line_release(line);
		return;
	}
	l = fake_line(line);
	l->requested = false;
	l->released = true;
	record(FAKE_RELEASE, l);
}

int __wrap_gpiod_line_set_value(struct gpiod_line *line, int value)
{
	struct fake_line *l;

	if (!gpiod_fake.on)
		return __real_gpiod_line_set_value(line, value);
	l = fake_line(line);
	if (!l->requested || !l->output) {
		errno = EPERM;
		return -1;
	}
	l->physical = logical_to_physical(l, value);
	record(FAKE_SET, l);
	return 0;
}

int __wrap_gpiod_line_get_value(struct gpiod_line *line)
{
	struct fake_line *l;

	if (!gpiod_fake.on)
		return __real_gpiod_line_get_value(line);
	l = fake_line(line);
	if (!l->requested) {
		errno = EPERM;
		return -1;
	}
	return logical_to_physical(l, l->physical);
}

int __wrap_gpiod_line_event_wait(struct gpiod_line *line, const struct timespec *timeout)
{
	if (!gpiod_fake.on)
		return __real_gpiod_line_event_wait(line, timeout);
	return fake_line(line)->events > 0 ? 1 : 0;
}

int __wrap_gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)
{
	struct fake_line *l;

	if (!gpiod_fake.on)
		return __real_gpiod_line_event_read(line, event);
	l = fake_line(line);
	if (l->events == 0) {
		errno = EAGAIN;
		return -1;
	}
	memset(event, 0, sizeof(*event));
	event->event_type = l->event_type[0];
	event->ts.tv_sec = (time_t)(gpiod_fake.now / 1000);
	event->ts.tv_nsec = (long)(gpiod_fake.now % 1000) * 1000000L;
	memmove(l->event_type, l->event_type + 1, sizeof(int) * (size_t)(l->events - 1));
	l->events--;
	return 0;
}

int __wrap_gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (!gpiod_fake.on)
		return __real_gpiod_line_event_get_fd(line);
	return 100 + (int)offset_of(fake_line(line));
}

const char *__wrap_gpiod_line_consumer(struct gpiod_line *line)
{
	if (!gpiod_fake.on)
		return __real_gpiod_line_consumer(line);
	return fake_line(line)->holder;
}
