/*
 * admin.h - owner operations on smartlock/<lock>/admin/<user>, answered on
 * adminRes/<user>: user management, lockout reset, health check, lock
 * reset and audit log pages (data shapes in smartlock-agent(8)). Signed
 * and checked like lock requests; owners only; every action audited.
 */
#ifndef AGENT_ADMIN_H
#define AGENT_ADMIN_H

#include <stddef.h>

#include "agent.h"

void admin_request(struct agent *a, struct lock_ctx *l, const char *user,
		const char *topic, const char *payload, size_t len);

/* A health-check or lock-reset command finished (relay.c/health.c). */
void admin_pending_done(struct agent *a, struct lock_ctx *l, const struct pending *p,
		enum sl_result result, enum sl_reason reason, const char *msg);

/* The alert test of user's request req on lock is over (channel.c):
 * answer it with result, msg and data_json (taken, may be NULL). */
void admin_alert_test_done(struct agent *a, const char *lock, const char *user, int64_t req,
		enum sl_result result, const char *msg, char *data_json);

#endif
