/* test_audit.c - the audit log: chain, recovery, rotation, tampering of
 * every kind named precisely, write failures that leave no torn line. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/audit.h"

struct tmp {
	char dir[64];
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	snprintf(t->dir, sizeof(t->dir), "/tmp/test-audit.XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tmp *t = *state;
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", t->dir, t->dir);
	if (system(cmd) != 0)
		return -1;
	free(t);
	return 0;
}

static const struct audit_record rec = {"alice", "owner", "lockReq", "front-door",
	"unlock", "granted", "", "use 1", 0};

static void append_n(struct audit_log *log, int n)
{
	for (int i = 0; i < n; i++)
		assert_int_equal(audit_append(log, &rec, i % 2 == 0, NULL), SL_OK);
}

static enum sl_err verify_dir(const char *dir, struct audit_verify_result *res)
{
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e = audit_list_files(dir, &paths, &n);

	if (e == SL_OK)
		e = audit_verify_files((const char *const *)paths, n, res);
	audit_free_paths(paths, n);
	return e;
}

static char *path_in(const struct tmp *t, const char *name)
{
	static char buf[200];

	snprintf(buf, sizeof(buf), "%s/%s", t->dir, name);
	return buf;
}

static void test_append_and_verify(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_record odd = rec;
	struct audit_log *log;
	char *line = NULL;
	enum sl_err e;

	log = audit_open(t->dir, 0, &e);
	assert_non_null(log);
	assert_int_equal(audit_last_seq(log), 0);
	odd.detail = "bad\x01\"quote\"\\ \xff end";
	assert_int_equal(audit_append(log, &odd, true, &line), SL_OK);
	assert_non_null(strstr(line, "\"seq\":1,"));
	assert_non_null(strstr(line, "\"detail\":\"bad?\\\"quote\\\"\\\\ ? end\""));
	assert_non_null(strstr(line, "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\"}"));
	free(line);
	append_n(log, 9);
	assert_int_equal(audit_last_seq(log), 10);
	audit_close(log);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 10);
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.last_seq, 10);
	/* reopening continues the chain */
	log = audit_open(t->dir, 0, &e);
	assert_non_null(log);
	assert_int_equal(audit_last_seq(log), 10);
	append_n(log, 3);
	audit_close(log);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 13);
	{
		struct stat st;

		assert_int_equal(stat(path_in(t, "audit.log"), &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

/* The request id is written when set, accepted by the verifier, and a
 * record whose id is not a whole number is refused; the head checkpoint
 * keeps one length as it is overwritten in place. */
static void test_request_id_and_head(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_record with = rec;
	struct audit_log *log;
	struct stat st;
	char *line = NULL, *text;
	enum sl_err e;
	FILE *f;

	log = audit_open(t->dir, 0, &e);
	assert_non_null(log);
	with.id = 1795319370533;
	assert_int_equal(audit_append(log, &with, true, &line), SL_OK);
	assert_non_null(strstr(line, "\"detail\":\"use 1\",\"id\":1795319370533,\"prev\":"));
	free(line);
	assert_int_equal(audit_append(log, &rec, true, &line), SL_OK);
	assert_null(strstr(line, "\"id\""));
	free(line);
	assert_int_equal(stat(path_in(t, "audit.head"), &st), 0);
	assert_int_equal(st.st_size, 20 + 1 + 64 + 1);
	append_n(log, 11);
	audit_close(log);
	assert_int_equal(stat(path_in(t, "audit.head"), &st), 0);
	assert_int_equal(st.st_size, 20 + 1 + 64 + 1);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path_in(t, "audit.head"), "r");
	assert_non_null(f);
	text = calloc(1, 128);
	assert_non_null(fgets(text, 128, f));
	fclose(f);
	assert_int_equal(strncmp(text, "00000000000000000013 ", 21), 0);
	free(text);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 13);
	/* an id that is not a whole number makes the record invalid */
	assert_int_equal(unlink(path_in(t, "audit.head")), 0);
	f = fopen(path_in(t, "audit.log"), "a");
	assert_non_null(f);
	fputs("{\"v\":1,\"seq\":14,\"time\":\"2026-11-22T01:02:03.456Z\",\"actor\":\"a\","
			"\"role\":\"\",\"source\":\"\",\"lock\":\"\",\"action\":\"\","
			"\"result\":\"\",\"reason\":\"\",\"detail\":\"\",\"id\":\"7\",\"prev\":"
			"\"0000000000000000000000000000000000000000000000000000000000000000\"}\n", f);
	fclose(f);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_int_equal(res.line, 14);
}

static void test_rotation(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_log *log;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;

	log = audit_open(t->dir, 700, &e);
	assert_non_null(log);
	append_n(log, 30);
	audit_close(log);
	/* reopen with rotation continuing, then more */
	log = audit_open(t->dir, 700, &e);
	append_n(log, 5);
	audit_close(log);
	assert_int_equal(audit_list_files(t->dir, &paths, &n), SL_OK);
	assert_true(n > 10);
	/* numeric order, the live file last */
	assert_non_null(strstr(paths[0], "audit.log.1"));
	for (size_t i = 1; i + 1 < n; i++) {
		unsigned long a = strtoul(strrchr(paths[i - 1], '.') + 1, NULL, 10);
		unsigned long b = strtoul(strrchr(paths[i], '.') + 1, NULL, 10);

		assert_true(a < b);
	}
	assert_non_null(strstr(paths[n - 1], "/audit.log"));
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 35);
	/* a missing middle file is a gap in the chain */
	assert_int_equal(unlink(paths[3]), 0);
	audit_free_paths(paths, n);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "missing"));
}

/* Rewrite audit.log with line i (0-based) changed by op. */
enum op { EDIT, DELETE, SWAP, DUPLICATE, INSERT_FORGED, EDIT_PREV };

static void tamper(struct tmp *t, enum op op, size_t i)
{
	char *lines[64], buf[4096];
	size_t n = 0;
	FILE *f = fopen(path_in(t, "audit.log"), "r");

	assert_non_null(f);
	while (n < 64 && fgets(buf, sizeof(buf), f))
		lines[n++] = strdup(buf);
	fclose(f);
	f = fopen(path_in(t, "audit.log"), "w");
	for (size_t k = 0; k < n; k++) {
		if (k == i && op == DELETE)
			continue;
		if (k == i && op == EDIT)
			*strstr(lines[k], "granted") = 'G';
		if (k == i && op == EDIT_PREV)
			strstr(lines[k], "\"prev\":\"")[9] ^= 1;
		if (k == i && op == SWAP) {
			fputs(lines[k + 1], f);
			fputs(lines[k], f);
			k++;
			continue;
		}
		fputs(lines[k], f);
		if (k == i && op == DUPLICATE)
			fputs(lines[k], f);
		if (k == i && op == INSERT_FORGED)
			fputs("{\"v\":1,\"seq\":77,\"time\":\"x\",\"actor\":\"m\",\"role\":\"\","
					"\"source\":\"\",\"lock\":\"\",\"action\":\"unlock\","
					"\"result\":\"granted\",\"reason\":\"\",\"detail\":\"\",\"prev\":"
					"\"0000000000000000000000000000000000000000000000000000000000000000\"}\n", f);
	}
	fclose(f);
	for (size_t k = 0; k < n; k++)
		free(lines[k]);
}

static void expect(struct tmp *t, enum op op, size_t i, uint64_t line, const char *words)
{
	struct audit_verify_result res;
	struct audit_log *log;
	enum sl_err e;
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "rm -f %s/audit.*", t->dir);
	assert_int_equal(system(cmd), 0);
	log = audit_open(t->dir, 0, &e);
	append_n(log, 10);
	audit_close(log);
	tamper(t, op, i);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	if (res.line != line || !strstr(res.problem, words))
		fail_msg("op %d: expected line %llu \"%s\", got line %llu \"%s\"", (int)op,
				(unsigned long long)line, words, (unsigned long long)res.line,
				res.problem);
}

static void test_tampering_detected(void **state)
{
	struct tmp *t = *state;

	expect(t, EDIT, 3, 4, "record 4 (line 4) was edited");
	expect(t, EDIT, 0, 1, "record 1 (line 1) was edited");
	expect(t, EDIT_PREV, 0, 1, "record 1 was edited");
	expect(t, DELETE, 4, 5, "record 5 is missing");
	expect(t, DELETE, 0, 1, "record 1 is missing");
	expect(t, SWAP, 2, 3, "records 3 and 4 are in the wrong order");
	expect(t, DUPLICATE, 5, 7, "record 6 appears twice");
	expect(t, INSERT_FORGED, 5, 7, "(record 77) does not belong to the chain: it was inserted");
}

/* The newest records are covered by the audit.head checkpoint. */
static void drop_last_lines(struct tmp *t, int k)
{
	char cmd[400];

	snprintf(cmd, sizeof(cmd), "head -n -%d %s/audit.log > %s/x && mv %s/x %s/audit.log",
			k, t->dir, t->dir, t->dir, t->dir);
	assert_int_equal(system(cmd), 0);
}

static void test_tail_tampering_detected(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_log *log;
	enum sl_err e;
	char cmd[200];

	log = audit_open(t->dir, 0, &e);
	append_n(log, 10);
	audit_close(log);
	drop_last_lines(t, 1);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "record 10 after line 9 was deleted"));
	assert_int_equal(res.line, 9);
	drop_last_lines(t, 2);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "records 8 to 10 after line 7 were deleted"));
	/* an edit of the very last record */
	snprintf(cmd, sizeof(cmd), "rm -f %s/audit.*", t->dir);
	assert_int_equal(system(cmd), 0);
	log = audit_open(t->dir, 0, &e);
	append_n(log, 4);
	audit_close(log);
	tamper(t, EDIT, 3);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "record 4 (line 4) was edited"));
	/* a damaged checkpoint is itself reported */
	{
		char path[200];
		FILE *f;

		snprintf(path, sizeof(path), "%s/audit.head", t->dir);
		f = fopen(path, "w");
		fputs("4 nothex\n", f);
		fclose(f);
	}
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "audit.head is damaged"));
}

static void test_torn_tail_refused(void **state)
{
	struct tmp *t = *state;
	struct audit_log *log;
	enum sl_err e = SL_OK;
	FILE *f;

	log = audit_open(t->dir, 0, &e);
	append_n(log, 3);
	audit_close(log);
	f = fopen(path_in(t, "audit.log"), "a");
	fputs("{\"v\":1,\"seq\":4,\"ti", f);
	fclose(f);
	assert_null(audit_open(t->dir, 0, &e));
	assert_int_equal(e, SL_ERR_AUDIT_CHAIN);
}

static void append_raw(struct tmp *t, const void *data, size_t len)
{
	FILE *f = fopen(path_in(t, "audit.log"), "ab");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* A torn line, then NUL bytes, after the last durable record: moved aside
 * whole, the log opens and verifies, and goes on from the kept record. */
static void test_torn_tail_repaired(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_repair rep;
	struct audit_log *log;
	enum sl_err e = SL_OK;
	char zeros[5000];
	char *q;

	log = audit_open(t->dir, 0, &e);
	append_n(log, 3);
	audit_close(log);
	/* an intact end: nothing to do */
	assert_int_equal(audit_repair_tail(t->dir, &rep), SL_OK);
	assert_int_equal(rep.bytes, 0);
	memset(zeros, 0, sizeof(zeros));
	append_raw(t, "{\"v\":1,\"seq\":4,\"ti", 19);
	append_raw(t, zeros, sizeof(zeros));
	assert_int_equal(audit_repair_tail(t->dir, &rep), SL_OK);
	assert_int_equal(rep.bytes, 19 + sizeof(zeros));
	assert_int_equal(rep.kept_seq, 3);
	q = strstr(rep.quarantine, "/audit.torn-");
	assert_non_null(q);
	log = audit_open(t->dir, 0, &e);
	assert_non_null(log);
	assert_int_equal(audit_last_seq(log), 3);
	append_n(log, 1);
	audit_close(log);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 4);
}

/* A damaged line at or before the checkpoint is no crash's doing: left
 * for the verifier, nothing moved. */
static void test_repair_respects_checkpoint(void **state)
{
	struct tmp *t = *state;
	struct audit_repair rep;
	struct audit_log *log;
	enum sl_err e = SL_OK;

	log = audit_open(t->dir, 0, &e);
	append_n(log, 3);
	audit_close(log);              /* audit.head names record 3 */
	drop_last_lines(t, 1);
	append_raw(t, "{\"v\":1,\"seq\":3,\"ti", 19);
	assert_int_equal(audit_repair_tail(t->dir, &rep), SL_ERR_AUDIT_CHAIN);
	assert_int_equal(rep.bytes, 0);
	assert_null(audit_open(t->dir, 0, &e));
	assert_int_equal(e, SL_ERR_AUDIT_CHAIN);
}

/* The agent's state beside the audit directory names the log's head. */
static void write_anchor(const char *dir, uint64_t seq, const char *hash)
{
	char path[200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"v\":1,\"seq_reserved\":0,\"audit_seq\":%llu,\"audit_hash\":\"%s\"}",
			(unsigned long long)seq, hash);
	fclose(f);
}

/* Deleting the last records and audit.head is found through the anchor;
 * so is a replaced record it names. */
static void test_anchor_detects_tail_deletion(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_log *log;
	char audit[128], hash[SL_SHA256_HEX + 1];
	enum sl_err e = SL_OK;

	snprintf(audit, sizeof(audit), "%s/audit", t->dir);
	log = audit_open(audit, 0, &e);
	assert_non_null(log);
	append_n(log, 5);
	snprintf(hash, sizeof(hash), "%s", audit_last_hash(log));
	audit_close(log);
	write_anchor(t->dir, 5, hash);
	assert_int_equal(verify_dir(audit, &res), SL_OK);
	{
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "head -n -2 %s/audit.log > %s/x && mv %s/x %s/audit.log "
				"&& rm %s/audit.head", audit, audit, audit, audit, audit);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(verify_dir(audit, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "records 4 to 5 after line 3 were deleted"));
	assert_non_null(strstr(res.problem, "state.json"));
	/* a record the anchor names, replaced */
	memset(hash, 'a', SL_SHA256_HEX);
	write_anchor(t->dir, 3, hash);
	assert_int_equal(verify_dir(audit, &res), SL_ERR_AUDIT_CHAIN);
	assert_non_null(strstr(res.problem, "record 3 (line 3) was edited or replaced"));
	/* a state file without an anchor is none */
	write_anchor(t->dir, 3, "nothex");
	assert_int_equal(verify_dir(audit, &res), SL_OK);
}

static void test_write_failure_leaves_no_torn_line(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct rlimit old, lim;
	struct audit_log *log;
	struct stat before, after;
	enum sl_err e;

	log = audit_open(t->dir, 0, &e);
	append_n(log, 2);
	assert_int_equal(stat(path_in(t, "audit.log"), &before), 0);
	/* the file may not grow past its size plus a few bytes */
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = (rlim_t)before.st_size + 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(audit_append(log, &rec, true, NULL), SL_ERR_IO);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	assert_int_equal(stat(path_in(t, "audit.log"), &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	assert_int_equal(audit_last_seq(log), 2);
	/* and the log goes on intact */
	assert_int_equal(audit_append(log, &rec, true, NULL), SL_OK);
	audit_close(log);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.records, 3);
}

static void test_check_writable(void **state)
{
	struct tmp *t = *state;
	struct audit_log *log;
	enum sl_err e;
	char moved[200];

	log = audit_open(t->dir, 0, &e);
	assert_int_equal(audit_check_writable(log), SL_OK);
	assert_int_equal(chmod(t->dir, 0500), 0);
	assert_int_equal(audit_check_writable(log), SL_ERR_PERM);
	assert_int_equal(audit_append(log, &rec, true, NULL), SL_ERR_PERM);
	assert_int_equal(chmod(t->dir, 0700), 0);
	assert_int_equal(audit_append(log, &rec, true, NULL), SL_OK);
	snprintf(moved, sizeof(moved), "%s/elsewhere", t->dir);
	assert_int_equal(rename(path_in(t, "audit.log"), moved), 0);
	assert_int_equal(audit_append(log, &rec, true, NULL), SL_ERR_NOT_FOUND);
	audit_close(log);
}

static void test_read_page(void **state)
{
	struct tmp *t = *state;
	struct audit_log *log;
	char **lines = NULL;
	size_t n = 0;
	uint64_t next = 0;
	enum sl_err e;

	log = audit_open(t->dir, 600, &e);
	append_n(log, 20);
	audit_close(log);
	assert_int_equal(audit_read_page(t->dir, 5, 4, 100000, &lines, &n, &next), SL_OK);
	assert_int_equal(n, 4);
	assert_non_null(strstr(lines[0], "\"seq\":5,"));
	assert_non_null(strstr(lines[3], "\"seq\":8,"));
	assert_int_equal(next, 9);
	audit_free_paths(lines, n);
	assert_int_equal(audit_read_page(t->dir, 18, 10, 100000, &lines, &n, &next), SL_OK);
	assert_int_equal(n, 3);
	assert_int_equal(next, 0);
	audit_free_paths(lines, n);
	/* the byte bound */
	assert_int_equal(audit_read_page(t->dir, 1, 10, 300, &lines, &n, &next), SL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(next, 2);
	audit_free_paths(lines, n);
}

/* Bytes in dir's audit files, and whether their text contains needle. */
static uint64_t dir_bytes(const char *dir, const char *needle, bool *found)
{
	char **paths = NULL;
	size_t n = 0;
	uint64_t sum = 0;

	*found = false;
	assert_int_equal(audit_list_files(dir, &paths, &n), SL_OK);
	for (size_t i = 0; i < n; i++) {
		FILE *f = fopen(paths[i], "r");
		char line[4096];

		assert_non_null(f);
		while (fgets(line, sizeof(line), f)) {
			sum += strlen(line);
			if (strstr(line, needle))
				*found = true;
		}
		fclose(f);
	}
	audit_free_paths(paths, n);
	return sum;
}

/* Hide path (a name the lister ignores), verify, expect words, restore. */
static void expect_hidden(struct tmp *t, const char *name, const char *words)
{
	struct audit_verify_result res;
	char *path = strdup(name), *hidden = strdup(path_in(t, "hidden"));

	assert_int_equal(rename(path, hidden), 0);
	assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
	if (!strstr(res.problem, words))
		fail_msg("hiding %s: %s", path, res.problem);
	assert_int_equal(rename(hidden, path), 0);
	free(hidden);
	free(path);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
}

static void test_budget_removes_oldest(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_log *log;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;
	bool found;

	log = audit_open(t->dir, 700, &e);
	assert_non_null(log);
	audit_set_budget(log, 2800);
	append_n(log, 60);
	audit_close(log);
	/* the budget holds, and says what it removed */
	assert_true(dir_bytes(t->dir, "removed to keep the log within its budget", &found) <= 2800);
	assert_true(found);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_true(res.first_seq > 1);
	/* again after a reopen */
	log = audit_open(t->dir, 700, &e);
	assert_non_null(log);
	audit_set_budget(log, 2800);
	append_n(log, 20);
	audit_close(log);
	assert_true(dir_bytes(t->dir, "audit-prune", &found) <= 2800);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.last_seq, res.first_seq + res.records - 1);
	assert_true(res.last_seq > 80);
	/* removing the oldest, a middle or the newest-but-one file, or the
	 * proof of the start, is found */
	assert_int_equal(audit_list_files(t->dir, &paths, &n), SL_OK);
	assert_true(n >= 4);
	expect_hidden(t, paths[0], "missing");
	expect_hidden(t, paths[1], "missing");
	expect_hidden(t, paths[n - 2], "missing");
	expect_hidden(t, path_in(t, "audit.start"), "missing");
	/* the oldest kept file removed and audit.start rewritten to match the
	 * next one: the log's own audit-prune record still says where it starts */
	{
		char *start = strdup(path_in(t, "audit.start")), prev[80];
		FILE *f = fopen(paths[1], "r");
		char line[4096];
		unsigned long long seq;

		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		fclose(f);
		assert_int_equal(sscanf(line, "{\"v\":1,\"seq\":%llu,", &seq), 1);
		snprintf(prev, sizeof(prev), "%.64s", strstr(line, "\"prev\":\"") + 8);
		f = fopen(start, "w");
		assert_non_null(f);
		fprintf(f, "%020llu %s\n", seq, prev);
		fclose(f);
		assert_int_equal(unlink(paths[0]), 0);
		assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
		if (!strstr(res.problem, "audit-prune record says"))
			fail_msg("%s", res.problem);
		free(start);
	}
	audit_free_paths(paths, n);
	/* a start proof naming a later record, or another hash, is found */
	{
		char *start = strdup(path_in(t, "audit.start"));
		FILE *f;
		struct audit_start st;

		assert_int_equal(audit_start_read(t->dir, &st), SL_OK);
		f = fopen(start, "w");
		assert_non_null(f);
		fprintf(f, "%020llu %s\n", (unsigned long long)st.seq,
				"1111111111111111111111111111111111111111111111111111111111111111");
		fclose(f);
		assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
		assert_non_null(strstr(res.problem, "audit.start"));
		f = fopen(start, "w");
		assert_non_null(f);
		fprintf(f, "garbage\n");
		fclose(f);
		assert_int_equal(verify_dir(t->dir, &res), SL_ERR_AUDIT_CHAIN);
		assert_non_null(strstr(res.problem, "damaged"));
		free(start);
	}
}

/* A crash after audit.start was written but before the files went: the
 * records before the start are still there, and the chain verifies. */
static void test_budget_crash_before_removal(void **state)
{
	struct tmp *t = *state;
	struct audit_verify_result res;
	struct audit_prune plan;
	struct audit_log *log;
	enum sl_err e;

	log = audit_open(t->dir, 700, &e);
	assert_non_null(log);
	append_n(log, 30);
	assert_int_equal(audit_prune_plan(t->dir, 2800, 700, audit_last_seq(log) + 1,
				audit_last_hash(log), &plan), SL_OK);
	assert_true(plan.n > 0);
	assert_int_equal(plan.from_seq, 1);
	/* write only the proof: hide the files from the commit */
	for (size_t i = 0; i < plan.n; i++)
		plan.paths[i][strlen(plan.paths[i]) - 1] = 'X';
	assert_int_equal(audit_prune_commit(t->dir, &plan), SL_OK);
	audit_prune_free(&plan);
	audit_close(log);
	assert_int_equal(verify_dir(t->dir, &res), SL_OK);
	assert_int_equal(res.first_seq, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_request_id_and_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_tampering_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail_repaired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repair_respects_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anchor_detects_tail_deletion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure_leaves_no_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_removes_oldest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_budget_crash_before_removal, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
