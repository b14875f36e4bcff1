/*
 * relay.h - commands from the agent to a lock and their answers: signing
 * with the lock's key and a fresh seq, publishing on smartlock/<lock>/lock,
 * matching lockStatus answers by seq, timeouts, and the lock's state as it
 * reports it.
 */
#ifndef AGENT_RELAY_H
#define AGENT_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

/* A free pending slot of l, or NULL when PENDING_MAX are outstanding. */
struct pending *relay_slot(struct lock_ctx *l);

/* Sign and publish a command; fills and arms slot p. false when it could
 * not be sent (seq reservation, encoding or broker down). */
bool relay_send(struct agent *a, struct lock_ctx *l, struct pending *p,
		enum pending_kind kind, enum sl_action action, const char *user, int64_t req);

void relay_status(struct agent *a, struct lock_ctx *l, const char *payload, size_t len);

/* Answer every pending command of l with an error (e.g. lock-offline). */
void relay_fail_all(struct agent *a, struct lock_ctx *l, enum sl_reason reason);

/* Time out pending commands at monotonic now. */
void relay_timeouts(struct agent *a, struct lock_ctx *l, int64_t now);
int64_t relay_next_deadline(const struct lock_ctx *l, int64_t fallback);

/* " (the lock's clock is 12.3 s ahead of the agent's)" into buf when the
 * lock's time lock_ms (0 = unknown) and the agent's agent_ms differ by more
 * than SL_CLOCK_TOLERANCE_MAX; "" otherwise. Returns buf. */
const char *relay_clock_note(int64_t lock_ms, int64_t agent_ms, char *buf, size_t size);

/* Finish pending p with a result, answering its requester. */
void relay_finish(struct agent *a, struct lock_ctx *l, struct pending *p,
		enum sl_result result, enum sl_reason reason, const char *msg);

#endif
