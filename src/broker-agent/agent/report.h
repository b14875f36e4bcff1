/*
 * report.h - how the agent tells the world: audit records (also published
 * on each lock's log topic), security alerts, answers to users and owners,
 * and the retained state of each lock.
 *
 * A failing audit log raises one audit-failure alert per episode and is
 * logged; callers decide what to refuse (a grant is never relayed without
 * its durable record). Strings are copied; nothing is kept.
 */
#ifndef AGENT_REPORT_H
#define AGENT_REPORT_H

#include <stdbool.h>

#include "agent.h"

/* Append rec (durably if asked) and queue the line for the log topic of
 * rec->lock, or of every served lock when rec->lock is "". */
enum sl_err report_audit(struct agent *a, const struct audit_record *rec, bool durable);

/* Publish the queued log lines: the agent loop calls it after each event,
 * so that answers go out before the records about them. Past
 * log_live_max in a second the rest are dropped from the live feed
 * (they stay in the audit file) and, once the second is over, a
 * log-throttled record names the seqs left out. */
void report_flush(struct agent *a, int64_t now);

/* When report_flush() next has something to do (a log-throttled record
 * due), or fallback. */
int64_t report_next_deadline(const struct agent *a, int64_t fallback);

/* Free what is queued (at exit). */
void report_finish(struct agent *a);

/* Publish a securityAlert on lock (every served lock when lock is NULL)
 * and audit it. msg is a human sentence. */
void report_alert(struct agent *a, enum sl_alert_kind kind, const char *lock,
		const char *user, const char *source, int64_t until, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

/* Answer on lockRes/<user>: QoS 1, but QoS 0 for bad-signature,
 * unknown-user and malformed (senders that could not be authenticated). */
void report_response(struct agent *a, const char *lock, const char *user,
		const struct sl_response *r);

/* Publish the lock's retained state. */
void report_state(struct agent *a, struct lock_ctx *l);

/* Publish any payload on a topic of a lock. */
void report_publish(struct agent *a, enum sl_topic_kind kind, const char *lock,
		const char *user, const char *payload, bool retain);

/* "14:05" style local time for human sentences. */
char *report_local_time(int64_t ms, char *buf, size_t size);

#endif
