/*
 * alert_ops.h - the agent's alert history in use: report_alert() records
 * each alert raised, and owners' admin operations alert-list, alert-ack
 * and alert-ack-all read and acknowledge it (smartlock-protocol(7)).
 * Internal to smartlock-agent; runs in the agent's loop.
 */
#ifndef AGENT_ALERT_OPS_H
#define AGENT_ALERT_OPS_H

#include "admin_ops.h"
#include "agent.h"

/* Keep al in the history (lock NULL = the whole site) and give it its
 * id (al->id); al->lock is left as it was. */
void alert_ops_record(struct agent *a, struct sl_alert *al, const char *lock);

/* The admin operations; each sets c->res. */
void alert_ops_list(struct admin_ctx *c);
void alert_ops_ack(struct admin_ctx *c);
void alert_ops_ack_all(struct admin_ctx *c);

#endif
