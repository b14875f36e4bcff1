/*
 * channel.h - alert channels: the programs agent.conf names (alert_N_*)
 * that the agent runs for each alert, so that an owner without an open
 * console learns of it (mail, a phone push, Home Assistant).
 *
 * Each run gets the alert as one line of JSON on standard input and a few
 * SMARTLOCK_ALERT_* environment variables (smartlock-agent(8), ALERT
 * CHANNELS). Runs are fork/execve without a shell, as the agent's user, in
 * their own process group, one at a time per channel; a run that outlives
 * the channel's time limit has its group killed. Nothing here blocks: the
 * agent loop calls channel_service() on every pass (SIGCHLD on the agent's
 * signalfd wakes it) and sleeps no longer than channel_next_deadline().
 * A failed alert is retried with backoff for the channel's retry_for, then
 * audited and shown in the lock's retained state (channel_failed). A
 * per-channel kind filter and rate limit decide what is run at all.
 *
 * One thread, the agent's. The module's state hangs off struct agent.
 */
#ifndef AGENT_CHANNEL_H
#define AGENT_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "agent.h"

/* A fixed-window rate limit: at most max takes in each window. */
struct channel_rate {
	int64_t window_start;           /* ms */
	int64_t count;                  /* taken in this window */
	bool started;
};

/* true (and counted) when one more run fits in the window holding now
 * (ms, monotonic); a window starts at the first take after the last one
 * ended. */
bool channel_rate_take(struct channel_rate *r, int64_t now, int64_t max, int64_t window_ms);

/* Set up the configured channels; false (logged) when a program is not
 * an executable file. */
bool channel_init(struct agent *a);

/* Kill the runs still going (their process groups) and reap them; free. */
void channel_finish(struct agent *a);

/* Queue al for every channel whose kinds include it and whose rate limit
 * allows it; al is copied. Runs start from channel_service(). */
void channel_alert(struct agent *a, const struct sl_alert *al);

/* Reap finished runs, kill runs past their time limit, start due ones. */
void channel_service(struct agent *a, int64_t now);

/* When channel_service() next has something to do, or fallback. */
int64_t channel_next_deadline(const struct agent *a, int64_t fallback);

enum channel_test_start {
	CHANNEL_TEST_STARTED,           /* answered by admin_alert_test_done() */
	CHANNEL_TEST_NONE,              /* no channel is configured */
	CHANNEL_TEST_BUSY,              /* a test is already running */
};

/* Send a test alert through every channel at once (no kind filter, no
 * rate limit, no retry); when each has a result, admin_alert_test_done()
 * answers user's request req on lock. */
enum channel_test_start channel_test(struct agent *a, const char *lock, const char *user,
		int64_t req);

/* Number of configured channels. */
size_t channel_count(const struct agent *a);

/* Fill the channel_failed fields of a lock's retained state. */
void channel_state(const struct agent *a, struct sl_state_msg *st);

#endif
