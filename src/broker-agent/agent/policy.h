/*
 * policy.h - role policy: may this known user do this action on this lock
 * at this time? Owners and residents at any time; guests only inside
 * their validity window, their weekly schedule and their use limit.
 * Account status and the user's list of locks apply to everyone.
 *
 * Pure: no I/O, no state beyond its arguments; thread-safe.
 */
#ifndef AGENT_POLICY_H
#define AGENT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "smartlock/protocol.h"
#include "smartlock/userstore.h"

struct policy_verdict {
	enum sl_reason reason;          /* SL_REASON_NONE = allowed */
	int64_t until;                  /* when it would be allowed, 0 = unknown */
	char msg[SL_MSG_MAX];           /* a human sentence */
};

/* uses: unlocks already granted to u (guests' max_uses counts unlocks
 * only; lock and status are always allowed within window and schedule). */
void policy_check(const struct sl_user *u, const char *lock, enum sl_action action,
		int64_t now, int64_t uses, struct policy_verdict *v);

#endif
