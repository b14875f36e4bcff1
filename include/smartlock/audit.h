/*
 * audit.h - the tamper-evident audit log: append-only JSON lines chained by
 * SHA-256, rotated by size without breaking the chain, and its verifier.
 *
 * Each line is one compact JSON object:
 *   {"v":1,"seq":7,"time":"2026-11-22T01:02:03.456Z","actor":"owner",
 *    "role":"owner","source":"lockReq","lock":"front-door","action":"unlock",
 *    "result":"granted","reason":"","detail":"...","id":1795319370533,
 *    "prev":"<64 hex>"}
 * id is present only on records of a request that passed the signature and
 * freshness checks (its t, now in the agent's replay cache), so that the
 * agent can rebuild its replay cache and counters from the log's tail
 * after a crash (see the agent's recover.c).
 * prev is the SHA-256 (hex) of the previous line's bytes without its
 * newline; the very first record has 64 zeros. The live file is
 * <dir>/audit.log; when it passes the rotation size it is renamed
 * audit.log.<first-seq> and the next record, in a new audit.log, chains to
 * the last line of the rotated file. seq increases by exactly one.
 *
 * Ownership: struct audit_log is owned by its creator and is not
 * thread-safe; records are copied, the caller keeps its strings.
 */
#ifndef SMARTLOCK_AUDIT_H
#define SMARTLOCK_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/sign.h"

#define SL_AUDIT_LINE_MAX 2048

struct audit_log;

struct audit_record {
	const char *actor;      /* user name, "agent", lock id or "" */
	const char *role;       /* "owner", "resident", "guest", "lock", "" */
	const char *source;     /* topic kind or address the event came from */
	const char *lock;       /* lock id or "" */
	const char *action;     /* "unlock", "heartbeat", "user-add", ... */
	const char *result;     /* "granted", "denied", "ok", "error", ... */
	const char *reason;     /* machine reason or "" */
	const char *detail;     /* human detail or "" (sanitized on write) */
	int64_t id;             /* request id (t), 0 = none (not written) */
};

/* Open (creating if needed, mode 0600) the log in dir, recovering seq and
 * the chain head from the newest file. rotate_bytes 0 = never rotate.
 * Returns NULL and sets *err (e.g. SL_ERR_AUDIT_CHAIN if the tail of the
 * live file is not a valid record). */
struct audit_log *audit_open(const char *dir, size_t rotate_bytes, enum sl_err *err);
void audit_close(struct audit_log *log);

/* Append one record. With durable, fdatasync before returning: a grant is
 * relayed only after this returned SL_OK. If line_out is not NULL it gets
 * the malloc'd line (without newline) for publishing on the log topic. */
enum sl_err audit_append(struct audit_log *log, const struct audit_record *rec,
		bool durable, char **line_out);

/* Sequence number of the last record written (0 if none). */
uint64_t audit_last_seq(const struct audit_log *log);

struct audit_verify_result {
	uint64_t records;       /* records checked */
	uint64_t first_seq, last_seq;
	char file[256];         /* where the first problem is, "" if none */
	uint64_t line;          /* 1-based line in that file, 0 if none */
	char problem[160];      /* "record 12 was edited or a record was removed before it" */
};

/* Verify the chain across files given oldest first (rotated files, then
 * audit.log). SL_OK if intact, SL_ERR_AUDIT_CHAIN (and res says which
 * record and why: edited, deleted, inserted, reordered), or an I/O error. */
enum sl_err audit_verify_files(const char *const *paths, size_t n,
		struct audit_verify_result *res);

/* List dir's audit files oldest first into a malloc'd array of malloc'd
 * paths (free with audit_free_paths). */
enum sl_err audit_list_files(const char *dir, char ***paths, size_t *n);
void audit_free_paths(char **paths, size_t n);

/* ---- (added by the agent's engineer) ---- */

/* The directory given to audit_open(). */
const char *audit_dir(const struct audit_log *log);

/* SL_OK while appends can be trusted to reach the disk: the live file is
 * still <dir>/audit.log (not removed or replaced) and neither it nor the
 * directory has been made read-only (mode bits or access(2)); otherwise
 * SL_ERR_NOT_FOUND or SL_ERR_PERM. audit_append() calls it first and fails
 * the same way, so an operator's "chmod a-w audit/" stops every grant. */
enum sl_err audit_check_writable(const struct audit_log *log);

/* Checkpoint: after every durable append the writer overwrites
 * <dir>/audit.head ("<seq> <sha256 of that record>\n", seq zero-padded to
 * 20 digits so the file never changes length, mode 0600) in place, after
 * the fdatasync of the log, without syncing it: a crash can leave it
 * behind the log, never ahead. audit_close() syncs the log, then writes
 * and syncs the head. audit_verify_files() reads it beside the last path,
 * when present, so deleting or editing the newest records is detected
 * too. A durable append fails (SL_ERR_IO) when the checkpoint cannot be
 * written.
 *
 * audit_append() checks audit_check_writable() before every durable
 * append, and before other appends when the last check is more than a
 * second old (three system calls per record would halve the rate at
 * which a flood of forged requests is recorded). */

/* Read up to max_records lines (and at most max_bytes of them) with
 * seq >= from_seq, oldest first, from the files in dir: a malloc'd array
 * of malloc'd lines (free with audit_free_paths). *next_seq is the seq of
 * the first record not returned, 0 when the end was reached. */
enum sl_err audit_read_page(const char *dir, uint64_t from_seq, size_t max_records,
		size_t max_bytes, char ***lines, size_t *n, uint64_t *next_seq);

/* Is line (len bytes, no newline) a well-formed record? Its seq and
 * SHA-256 (hex) into *seq and hash when it is (either may be NULL). */
bool audit_line_valid(const char *line, size_t len, uint64_t *seq,
		char hash[SL_SHA256_HEX + 1]);

/* ---- crash repair (audit_repair.c) ---- */

struct audit_repair {
	size_t bytes;           /* bytes moved aside; 0 = nothing to repair */
	uint64_t kept_seq;      /* the last record kept */
	char quarantine[640];   /* where the bytes went */
};

/*
 * A power cut can leave the live audit.log ending in a torn line or in NUL
 * bytes (blocks allocated, data never written). Find the last valid
 * record within the last SL_AUDIT_REPAIR_WINDOW bytes, copy every byte
 * after it into <dir>/audit.torn-<unix ms> (mode 0600, durably) and cut
 * the log there (durably). Nothing is removed at or before the checkpoint
 * in audit.head (a record known to be on disk): then, as when the window
 * holds no valid record, SL_ERR_AUDIT_CHAIN and nothing changes. SL_OK
 * with rep->bytes 0 when the file's end is intact (a damage elsewhere is
 * not a torn tail and is left to the verifier).
 */
#define SL_AUDIT_REPAIR_WINDOW (1024 * 1024)
enum sl_err audit_repair_tail(const char *dir, struct audit_repair *rep);

/* ---- the anchor (audit_anchor.c) ---- */

/*
 * audit.head can be deleted with the records it names. The agent keeps a
 * second copy of the head in its state file beside the audit directory,
 * <audit dir>/../state.json, as "audit_seq" (the last record it reflects)
 * and "audit_hash" (that record's SHA-256), written only after the log is
 * on disk. audit_verify_files() checks the log against it too, so
 * deleting the last records and audit.head is found unless state.json is
 * changed as well (and a deleted state.json is itself alerted by the
 * agent). A state file without both fields is no anchor.
 */
#define AUDIT_ANCHOR_PATH_MAX 640

struct audit_anchor {
	bool present;
	uint64_t seq;
	char hash[SL_SHA256_HEX + 1];
	char path[AUDIT_ANCHOR_PATH_MAX];
};

/* The anchor of the audit directory audit_dir: SL_OK (present), or
 * SL_ERR_NOT_FOUND when there is none; other errors when unreadable. */
enum sl_err audit_anchor_read(const char *audit_dir, struct audit_anchor *out);
/* The directory of the last of paths ("." when it has none). */
void audit_dir_of_last(const char *const *paths, size_t n, char *out, size_t size);
/* The same for the directory of the last of paths. */
enum sl_err audit_anchor_read_beside(const char *const *paths, size_t n,
		struct audit_anchor *out);

/* The SHA-256 (hex) of the last record written (64 zeros if none). */
const char *audit_last_hash(const struct audit_log *log);

/* fdatasync the live file: everything appended so far is on disk. */
enum sl_err audit_sync(struct audit_log *log);

/* ---- the size budget (audit_prune.c) ---- */

/*
 * With a budget (audit_set_budget), when the writer rotates and the
 * rotated files plus one live file of rotate_bytes would pass the budget,
 * it removes the oldest rotated files. First it appends a record
 * (actor "agent", action "audit-prune", result "removed") saying "records
 * A-B removed to keep the log within its budget", then writes
 * <dir>/audit.start ("<seq> <prev>\n", seq zero-padded to 20 digits,
 * mode 0600): the seq of the first record kept and that record's "prev"
 * (the SHA-256 of the last record removed), then removes the files.
 * audit_verify_files() reads audit.start beside the last path: a chain
 * that does not start at record 1 is accepted only when it starts at or
 * before that seq and the record at that seq carries that prev, and no
 * later than the last audit-prune record in the chain says (so an
 * audit.start edited to hide the oldest kept file is found too); removing
 * any kept file (the oldest, one in the middle, the newest-but-one) is
 * still found.
 */
struct audit_start {
	bool present;
	uint64_t seq;
	char prev[SL_SHA256_HEX + 1];
};

/* <dir>/audit.start: SL_OK, SL_ERR_NOT_FOUND (none, the log starts at
 * record 1), SL_ERR_AUDIT_CHAIN (damaged) or an I/O error. */
enum sl_err audit_start_read(const char *dir, struct audit_start *out);

/* Budget in bytes for all of dir's audit files; 0 = none (never remove). */
void audit_set_budget(struct audit_log *log, uint64_t budget);

struct audit_prune {
	char **paths;           /* the oldest rotated files, to be removed */
	size_t n;
	uint64_t from_seq;      /* first record removed */
	uint64_t start_seq;     /* first record kept */
	char start_prev[SL_SHA256_HEX + 1];
};

/* Which rotated files of dir must go so that the rest plus reserve bytes
 * fit in budget (plan->n 0: none). next_seq and head are the writer's next
 * seq and chain head, the start when every rotated file goes. */
enum sl_err audit_prune_plan(const char *dir, uint64_t budget, uint64_t reserve,
		uint64_t next_seq, const char *head, struct audit_prune *plan);
/* Write audit.start, then remove the planned files (durably). */
enum sl_err audit_prune_commit(const char *dir, struct audit_prune *plan);
void audit_prune_free(struct audit_prune *plan);

#endif
