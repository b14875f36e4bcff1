/*
 * recover.h - bring the checkpoint in state.json up to date from the audit
 * log after a crash.
 *
 * A grant's only durable write is its audit record (the fdatasync the lock
 * waits for); state.json is a checkpoint, saved at most once every
 * checkpoint_interval (1 s) while the counters change, that
 * names the last audit record it reflects. At start the agent replays the
 * records after it:
 *   - records carrying a request id ("id") go back into the replay cache,
 *     without their MAC, so a QoS 1 redelivery of one is refused as a
 *     replay (fail closed) rather than ignored as a duplicate;
 *   - a granted unlock sets its user's use count to the "use N" it records;
 *   - denials that count as failed attempts, and failed broker logins,
 *     go through the intrusion rule again at their recorded time, so a
 *     lockout that tripped in the lost second trips again (its alert is
 *     not sent twice);
 *   - unlock requests that reached the unlock-rate check (granted,
 *     rate-limited, lock-offline, busy) count toward the rate again.
 */
#ifndef AGENT_RECOVER_H
#define AGENT_RECOVER_H

#include <stddef.h>

#include "agent.h"

/* Apply the audit records after a->st.audit_seq; *applied counts them.
 * Nothing to do when the state file had no audit_seq. */
enum sl_err agent_recover(struct agent *a, size_t *applied);

/* Apply one audit line (exposed for the unit tests). false when the line
 * is not a record (it is then skipped). */
bool recover_apply_line(struct agent *a, const char *line);

#endif
