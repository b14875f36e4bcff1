/*
 * abuse.h - what the broker plugin dropped or refused per account
 * (smartlock/_site/abuse, smartlock-protocol(7)): each report becomes one
 * aggregated audit record ("N requests dropped from gina in 10 s"), and an
 * abuse alert to the owners, at most one per account per
 * abuse_alert_interval seconds.
 *
 * Called from the agent loop with copies of the messages.
 */
#ifndef AGENT_ABUSE_H
#define AGENT_ABUSE_H

#include <stddef.h>
#include <stdint.h>

#include "smartlock/topic.h"

#define ABUSE_MEMO_SLOTS 64

/* When each recent sender was last alerted (oldest slot reused). */
struct abuse_memo {
	struct {
		char user[SL_NAME_MAX + 1];
		int64_t alerted;        /* wall ms */
	} slot[ABUSE_MEMO_SLOTS];
};

struct agent;

void abuse_report(struct agent *a, const char *payload, size_t len);

#endif
