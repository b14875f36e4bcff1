/*
 * budget.h - the audit log's size budget: the agent sums its files (the
 * live one and the rotated ones) every second; at 80 % of
 * the budget it alerts the owners (audit-budget), again when the budget
 * is reached, and over it denials are aggregated whatever their kind
 * (aggregate.h). With rotation the budget is reached at audit_budget_bytes
 * less one live file (audit_rotate_bytes): from there the writer removes
 * the oldest rotated files, with a record saying which (audit.h), so the
 * files never pass audit_budget_bytes. A grant is always written.
 *
 * Also the agent's side of aggregation: report_absorb() and the flush.
 */
#ifndef AGENT_BUDGET_H
#define AGENT_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/audit.h"

#define BUDGET_CHECK_MS 1000

struct agent;

/* Count rec (a refusal pipeline.c may absorb) instead of writing it? */
bool report_absorb(struct agent *a, const struct audit_record *rec);

/* The loop's work: close aggregation windows, check the budget every
 * BUDGET_CHECK_MS. Returns the next monotonic deadline (or fallback). */
int64_t budget_tick(struct agent *a, int64_t now, int64_t fallback);

/* At exit: write the counts of the windows still open. */
void budget_finish(struct agent *a);

#endif
