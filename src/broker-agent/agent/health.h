/*
 * health.h - lock health from smartlock/<lock>/health: every heartbeat is
 * recorded; the last will or 2.5 intervals without a heartbeat mark the
 * lock offline (alert), the next heartbeat back online (notice). While
 * offline, requests are answered lock-offline at once and pending commands
 * are failed: nothing is kept to fire later.
 */
#ifndef AGENT_HEALTH_H
#define AGENT_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

void health_heartbeat(struct agent *a, struct lock_ctx *l, const char *payload,
		size_t len, bool retained);

/* Offline detection at monotonic now. */
void health_timeouts(struct agent *a, struct lock_ctx *l, int64_t now);
int64_t health_next_deadline(const struct lock_ctx *l, int64_t fallback);

#endif
