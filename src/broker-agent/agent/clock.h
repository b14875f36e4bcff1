/*
 * clock.h - the agent's clock sanity. The agent's wall clock is watched
 * against the monotonic clock: a step (a clock set by hand, an RTC-less Pi
 * getting NTP late) is recorded in the audit log and alerted. Each lock's
 * clock is compared with the agent's on every heartbeat; a difference past
 * SL_CLOCK_TOLERANCE_MAX (commands would be refused) is alerted once. When
 * a request's time is refused, the answer says whose clock is likely wrong:
 * the sender's, or the agent's when the request agrees with the lock.
 *
 * Called from the agent loop; state lives in struct agent and lock_ctx.
 */
#ifndef AGENT_CLOCK_H
#define AGENT_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "agent.h"

#define CLOCK_STEP_MS 2000      /* a wall clock jump larger than this is a step */
#define CLOCK_CHECK_MS 1000     /* the loop looks at least this often */
#define CLOCK_AGREE_MS 5000     /* a request "agrees" with the lock within this */

/* Compare the wall clock with the monotonic one (both ms, now). */
void clock_check_step(struct agent *a, int64_t wall, int64_t mono);

/* A heartbeat of l said its clock read lock_ms when the agent's read wall. */
void clock_note_lock(struct agent *a, struct lock_ctx *l, int64_t lock_ms, int64_t wall);

/* The sentence for a request whose time t is refused at the agent's time
 * now: whose clock is likely wrong. Returns buf. */
const char *clock_blame(const struct lock_ctx *l, int64_t t, int64_t now, char *buf,
		size_t size);

#endif
