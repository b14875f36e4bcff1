/*
 * auditgap.h - what the agent does while the audit log cannot be written
 * (a full disk, an I/O error): every record that could not be written is
 * counted in memory (requests apart: they were refused), and as soon as a
 * record can be written again one "audit-gap" record says how many, from
 * when to when and why ("3 requests refused and 2 other events not
 * recorded 12:01:05-12:07:10 UTC while the audit log could not be written:
 * no space left on the device (ENOSPC)"). Before the disk is full, a
 * "disk-low" alert says the audit file system has less than
 * audit_min_free_kb left (checked at most once a second). Internal to
 * smartlock-agent.
 */
#ifndef AGENT_AUDITGAP_H
#define AGENT_AUDITGAP_H

#include <stdint.h>

#include "smartlock/audit.h"
#include "agent.h"

/* rec could not be written because of e: count it. */
void auditgap_count(struct agent *a, const struct audit_record *rec, enum sl_err e);

/* Write the gap record if there is a gap (report_audit() calls it before
 * each record). */
void auditgap_flush(struct agent *a);

/* Check the free space of the audit file system (at most once a second)
 * and alert when it falls below audit_min_free_kb. */
void auditgap_check_space(struct agent *a, int64_t now_mono);

#endif
