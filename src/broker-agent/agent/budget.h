/*
 * budget.h - the audit log's size budget: the agent sums its files (the
 * live one and the rotated ones) every second; at 80 % of
 * audit_budget_bytes it alerts the owners (audit-budget), again when the
 * budget is reached, and over it denials are
 * aggregated whatever their kind (aggregate.h). Nothing is deleted and a
 * grant is always written: the budget bounds what floods can add, not
 * what the door did.
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
