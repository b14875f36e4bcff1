/*
 * repair.h - recovery without a human when the agent starts after a crash
 * or power cut:
 *   - a torn or NUL-padded tail of the live audit log (beyond the last
 *     durable record) is moved aside into audit/audit.torn-<ms>
 *     (audit_repair_tail()) and the log opened again;
 *   - a damaged state.json is moved aside to state.json.damaged-<ms> and,
 *     like a missing one when the audit log has records, rebuilt from the
 *     whole log (lockouts, failures, uses, the replay cache; command seqs
 *     restart above the clock as always).
 * Each repair is logged, audited (action "recovery") and, once the agent
 * is connected, alerted ("recovered") to owners: protection is never reset
 * silently. Internal to smartlock-agent.
 */
#ifndef AGENT_REPAIR_H
#define AGENT_REPAIR_H

#include <stddef.h>

#include "agent.h"

/* Open the audit log into a->audit, repairing a torn tail when that is
 * all that is wrong. NULL-safe errors as audit_open(). */
enum sl_err repair_open_audit(struct agent *a);

/* Load state.json into a->st, or prepare its rebuild from the log (then
 * agent_recover() replays every record). SL_OK, or the error with a
 * sentence in msg when the state can neither be loaded nor rebuilt. */
enum sl_err repair_load_state(struct agent *a, char *msg, size_t size);

/* Audit the repairs made by the two above (durably). */
void repair_audit(struct agent *a);

/* Send the "recovered" alerts of the repairs made at start (once
 * connected); then forget them. */
void repair_alert(struct agent *a);

#endif
