/*
 * throttle.h - a bound on password guessing from other hosts.
 *
 * Each password check costs a PBKDF2-SHA512 computation in Mosquitto's only
 * thread, so unbounded guessing would both search the password space and
 * stall the broker. After THROTTLE_FAILURES failed logins from one source
 * within THROTTLE_WINDOW_MS, further attempts from it are refused at once,
 * without hashing, until the window ends. A source is an IPv4 address or an
 * IPv6 /64 (one customer's prefix). The table has a fixed number of slots;
 * when it is full the slot with the oldest window is reused.
 *
 * The plugin applies it only to clients from other hosts (never to the Unix
 * socket or loopback, so a local flood cannot lock the agent out). Times
 * are monotonic milliseconds passed in by the caller. Not thread-safe.
 */
#ifndef SMARTLOCK_PLUGIN_THROTTLE_H
#define SMARTLOCK_PLUGIN_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

#include "origin.h"

#define THROTTLE_FAILURES 5
#define THROTTLE_WINDOW_MS 60000
#define THROTTLE_SLOTS 128

struct throttle_slot {
	bool used;
	int family;
	unsigned char key[16];
	int64_t window_start;
	unsigned failures;
};

struct throttle {
	struct throttle_slot slot[THROTTLE_SLOTS];
};

void throttle_init(struct throttle *t);

/* True when attempts from a are refused right now. */
bool throttle_blocked(const struct throttle *t, const struct origin_addr *a, int64_t now);

/* Count a failed login from a. */
void throttle_failure(struct throttle *t, const struct origin_addr *a, int64_t now);

#endif
