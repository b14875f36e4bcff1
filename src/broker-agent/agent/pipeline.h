/*
 * pipeline.h - the request pipeline on smartlock/<lock>/lockReq/<user>:
 * identity from the topic, then signature, freshness, replay, account,
 * role policy, lockout, unlock rate, lock health; a grant is audited
 * durably before its command goes to the lock (relay.h). Also the failed
 * broker logins reported by the plugin on smartlock/_site/loginFailed.
 *
 * Called from the agent loop with copies of the messages.
 */
#ifndef AGENT_PIPELINE_H
#define AGENT_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "agent.h"
#include "replay.h"

void pipeline_request(struct agent *a, struct lock_ctx *l, const char *user,
		const char *topic, const char *payload, size_t len);

/* A request on smartlock/<lock>/lockReq/<user> for a lock no agent of the
 * broker serves: audited, and answered unknown-lock when it is a user's
 * request with a good signature (nothing else is worth an answer). */
void pipeline_unknown_lock(struct agent *a, const char *lock, const char *user,
		const char *topic, const char *payload, size_t len);

void pipeline_login_failed(struct agent *a, const char *payload, size_t len);

/* Shared with admin.c: is (t, mac) fresh and new for user? Returns
 * SL_REASON_NONE, SL_REASON_STALE or SL_REASON_REPLAY, or (for a QoS 1
 * duplicate, which must be ignored) SL_REASON_COUNT_. Records a new id. */
enum sl_reason pipeline_check_fresh(struct agent *a, const char *user,
		enum replay_kind kind, int64_t t, const char *mac, int64_t now);

/* Count a refused attempt by user on lock toward the intrusion rule
 * (intrusion.h: only unlock and lock count); alert a new lockout. */
void pipeline_count_failure(struct agent *a, struct lock_ctx *l, const char *user,
		bool user_known, enum sl_action action, enum sl_reason reason,
		const char *source, int64_t now);

#endif
