/*
 * gpiod_fake.h - a fake GPIO chip below the libgpiod 1.6 calls, linked with
 * -Wl,--wrap=<symbol> for every symbol in the one central list,
 * gpiod_wrapped in tests/lockd/meson.build (gpiod_fake.c defines a
 * __wrap_ for each). Each wrap passes through to the real libgpiod
 * (__real_) unless a test switches the fake on.
 *
 * The fake chip has FAKE_LINES lines at offsets 0..FAKE_LINES-1 and records
 * every physical level an output line takes, with the test's clock, so
 * tests check exact values and timing. Test-only global state: one test
 * process, reset before each test.
 */
#ifndef SMARTLOCK_TEST_GPIOD_FAKE_H
#define SMARTLOCK_TEST_GPIOD_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_LINES 8
#define FAKE_CALLS_MAX 64
#define FAKE_EVENTS_MAX 16
#define FAKE_CHIP "gpiochip-fake"

enum fake_call_kind { FAKE_REQUEST, FAKE_SET, FAKE_RELEASE };

struct fake_call {
	enum fake_call_kind kind;
	unsigned offset;
	int physical;           /* level on the pin after the call */
	int64_t at;             /* gpiod_fake.now when it happened */
};

struct fake_line {
	bool requested, output, released;
	int flags;              /* GPIOD_LINE_REQUEST_FLAG_* */
	char consumer[32];
	int physical;           /* level on the pin */
	int request_errno;      /* non-zero: requests fail with it */
	const char *holder;     /* gpiod_line_consumer() of a busy line */
	int events;             /* edges queued for event_wait/read */
	int event_type[FAKE_EVENTS_MAX];
};

struct gpiod_fake {
	bool on;                /* false: pass through to libgpiod */
	int64_t now;            /* the test's clock */
	int chip_errno;         /* non-zero: opening the chip fails with it */
	bool chip_open;
	struct fake_line line[FAKE_LINES];
	struct fake_call call[FAKE_CALLS_MAX];
	size_t ncalls;
};

extern struct gpiod_fake gpiod_fake;

/* Switch the fake on with a fresh chip (all pins low, nothing held). */
void gpiod_fake_reset(void);

/* The pin of an input line goes to physical level at gpiod_fake.now: an
 * edge event is queued when the level changes. */
void gpiod_fake_set_input(unsigned offset, int physical);

/* The index-th recorded call of kind FAKE_SET, or NULL. */
const struct fake_call *gpiod_fake_set_call(size_t index);
size_t gpiod_fake_set_count(void);

#endif
