/*
 * alerts.h - the agent's history of recent security alerts and whether
 * each was acknowledged, so that every owner console shows the same list
 * and the same acknowledgements, also after a restart of either side.
 *
 * The history keeps the newest ALERTS_MAX alerts in <state_dir>/alerts.json
 * ({"v":1,"alerts":[<securityAlert payloads, oldest first>]}, mode 0600),
 * written atomically: at once after an acknowledgement, at most once a
 * second while alerts keep coming (alerts_next_deadline() and
 * alerts_checkpoint() do the rest), and at exit. Each alert gets an id
 * that increases across restarts (never below the wall clock in ms, so a
 * lost file does not reuse ids). A file that cannot be read is logged and
 * replaced; the alerts themselves are also in the audit log.
 *
 * Not thread-safe; owned by the agent context. Strings are copied.
 */
#ifndef AGENT_ALERTS_H
#define AGENT_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/protocol.h"

#define ALERTS_MAX 100          /* what one alert-list answer can carry */
#define ALERTS_SAVE_GAP_MS 1000

struct alert_history;

/* Open the history kept at path (created on the first save). NULL only
 * when out of memory. */
struct alert_history *alerts_open(const char *path);
/* Save if needed and free. NULL does nothing. */
void alerts_close(struct alert_history *h);

/* Give al the next id and keep a copy (lock "" = the whole site); the
 * oldest is forgotten past ALERTS_MAX. now is monotonic ms. */
void alerts_add(struct alert_history *h, struct sl_alert *al, int64_t now);

/* Which locks an acknowledgement may touch: true for lock ("" = a
 * site-wide alert). */
typedef bool (*alerts_may_fn)(const char *lock, void *arg);

/* Acknowledge alert id, or with upto every alert up to and including id,
 * among those may() allows; saved at once. Returns how many changed
 * state. */
size_t alerts_ack(struct alert_history *h, uint64_t id, bool upto, alerts_may_fn may,
		void *arg);

/* The alerts held, oldest first (index < alerts_count()). */
size_t alerts_count(const struct alert_history *h);
const struct sl_alert *alerts_at(const struct alert_history *h, size_t i);
/* The newest id given (0 when none yet). */
uint64_t alerts_last_id(const struct alert_history *h);

/* Write the file now if it changed; false (and logged) on failure. */
bool alerts_save(struct alert_history *h);
/* The agent loop: save what is pending once ALERTS_SAVE_GAP_MS passed. */
void alerts_checkpoint(struct alert_history *h, int64_t now);
/* When alerts_checkpoint() has work, or fallback. */
int64_t alerts_next_deadline(const struct alert_history *h, int64_t fallback);

#endif
