/*
 * health.h - lock health from smartlock/<lock>/health: every heartbeat is
 * recorded; the last will or 2.5 intervals without a heartbeat mark the
 * lock offline at once, and alert HEALTH_ALERT_GRACE_MS later unless the
 * agent's own broker connection ended meanwhile (the broker shutting down
 * sends every lock's last will: no news); the next heartbeat marks it back
 * online (and alerts so if its going offline was alerted). While
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

#define HEALTH_ALERT_GRACE_MS 1000

/* Offline detection and due offline alerts at monotonic now. */
void health_timeouts(struct agent *a, struct lock_ctx *l, int64_t now);
int64_t health_next_deadline(const struct lock_ctx *l, int64_t fallback);

/* The agent lost the broker: offline alerts still waiting are dropped. */
void health_broker_lost(struct agent *a);

#endif
