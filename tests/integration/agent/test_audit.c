/* test_audit.c - the audit log of the running agent: chain verification,
 * each kind of tampering detected and named, rotation, refusing to start
 * on a broken log, and failing closed when the log cannot be written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/audit.h"
#include "smartlock/timeutil.h"
#include "common_setup.h"

static int setup(void **state)
{
	return fx_state_up(state, fx_default_users, 3, NULL);
}

static int setup_rotate(void **state)
{
	return fx_state_up(state, fx_default_users, 3, "audit_rotate_bytes = 1500");
}

static int setup_throttle(void **state)
{
	return fx_state_up(state, fx_default_users, 3,
			"log_live_max = 10\nfail_threshold = 100\n");
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

/* ---- a small file system for the audit log ---- */

static char tmpfs_dir[HARNESS_PATH_MAX + 16];

/* The agent with its audit directory on a 4 MiB tmpfs; skipped where
 * mounting is not permitted. */
static int setup_tmpfs(void **state)
{
	struct fx *f;

	if (fx_state_setup(state, fx_default_users, 3, "audit_min_free_kb = 1024\n"
				"audit_rotate_bytes = 0\n") != 0)
		return -1;
	f = *state;
	snprintf(tmpfs_dir, sizeof(tmpfs_dir), "%s/audit", f->state_dir);
	mkdir(tmpfs_dir, 0700);
	if (mount("tmpfs", tmpfs_dir, "tmpfs", 0, "size=4m,mode=0700") != 0) {
		print_message("cannot mount a tmpfs (%s): the full-disk test is skipped\n",
				strerror(errno));
		tmpfs_dir[0] = '\0';
		return 0;
	}
	if (fx_start_agent(f) != 0 || fx_heartbeat(f, true, 60) != 0 ||
			fx_wait_state_online(f, true, FX_WAIT) != 0)
		return -1;
	return 0;
}

static int teardown_tmpfs(void **state)
{
	struct fx *f = *state;

	if (f && f->agent.pid && !f->agent.reaped)
		harness_proc_stop(&f->agent, SIGTERM, 5000);
	if (tmpfs_dir[0])
		umount2(tmpfs_dir, MNT_DETACH);
	tmpfs_dir[0] = '\0';
	return fx_state_down(state);
}

/* Write a file of zeros into dir until it holds size bytes or the file
 * system is full (size 0: until full). */
static void fill(const char *dir, const char *name, size_t size)
{
	char path[HARNESS_PATH_MAX + 64], block[4096];
	size_t done = 0;
	int fd;

	memset(block, 0, sizeof(block));
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	while (size == 0 || done < size) {
		ssize_t n = write(fd, block, sizeof(block));

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	close(fd);
}

/* Some traffic, then a stopped agent: the log is complete. */
static void make_history(struct fx *f)
{
	struct harness_client *r = fx_client(f, "resident");
	struct sl_key wrong;

	assert_non_null(r);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
		assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	}
	assert_int_equal(fx_refused(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0,
				SL_REASON_BAD_SIGNATURE, NULL), 0);
	harness_client_destroy(r);
	assert_int_equal(fx_stop_agent(f), 0);
}

static int verify(struct fx *f, const char *dir, char **out)
{
	const char *args[] = {"--verify-audit", dir, NULL};

	return fx_run_agent(f, args, out);
}

/* Lines of a file as a malloc'd array of malloc'd strings (with '\n'). */
static size_t read_lines(const char *path, char ***out)
{
	char *text = harness_read_file(path), *p, *nl;
	char **lines = NULL;
	size_t n = 0;

	assert_non_null(text);
	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		assert_non_null(nl);
		lines = realloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = strndup(p, (size_t)(nl - p + 1));
	}
	free(text);
	*out = lines;
	return n;
}

static void write_lines(const char *path, char **lines, size_t n)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (size_t i = 0; i < n; i++)
		if (lines[i])
			fputs(lines[i], fp);
	fclose(fp);
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/* Copy the log into dir/<name>/audit.log after fn changed its lines. */
static void tampered(struct fx *f, const char *name, void (*fn)(char ***lines, size_t *n),
		char *dir, size_t size)
{
	char src[HARNESS_PATH_MAX], dst[HARNESS_PATH_MAX + 64];
	char **lines;
	size_t n;

	snprintf(src, sizeof(src), "%s/audit/audit.log", f->state_dir);
	n = read_lines(src, &lines);
	assert_true(n > 12);
	fn(&lines, &n);
	snprintf(dir, size, "%s/%s", f->dir, name);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dst, sizeof(dst), "%s/audit.log", dir);
	write_lines(dst, lines, n);
	free_lines(lines, n);
}

static void edit_line_6(char ***lines, size_t *n)
{
	char *l = (*lines)[5], *p = strstr(l, "\"detail\":\"");

	(void)n;
	assert_non_null(p);
	p[10] = p[10] == 'X' ? 'Y' : 'X';
}

static void delete_line_6(char ***lines, size_t *n)
{
	free((*lines)[5]);
	memmove(&(*lines)[5], &(*lines)[6], (*n - 6) * sizeof(char *));
	(*n)--;
}

static void swap_lines_6_7(char ***lines, size_t *n)
{
	char *t = (*lines)[5];

	(void)n;
	(*lines)[5] = (*lines)[6];
	(*lines)[6] = t;
}

static void insert_after_6(char ***lines, size_t *n)
{
	/* a forged record with a fresh seq, inserted between 6 and 7 */
	*lines = realloc(*lines, (*n + 1) * sizeof(char *));
	memmove(&(*lines)[7], &(*lines)[6], (*n - 6) * sizeof(char *));
	(*lines)[6] = strdup("{\"v\":1,\"seq\":999,\"time\":\"2026-01-01T00:00:00.000Z\","
			"\"actor\":\"mallory\",\"role\":\"owner\",\"source\":\"lockReq\","
			"\"lock\":\"front-door\",\"action\":\"unlock\",\"result\":\"granted\","
			"\"reason\":\"\",\"detail\":\"\",\"prev\":"
			"\"0000000000000000000000000000000000000000000000000000000000000000\"}\n");
	(*n)++;
}

static void duplicate_line_6(char ***lines, size_t *n)
{
	*lines = realloc(*lines, (*n + 1) * sizeof(char *));
	memmove(&(*lines)[7], &(*lines)[6], (*n - 6) * sizeof(char *));
	(*lines)[6] = strdup((*lines)[5]);
	(*n)++;
}

static void check_detected(struct fx *f, const char *name,
		void (*fn)(char ***lines, size_t *n), const char *line, const char *words)
{
	char dir[HARNESS_PATH_MAX];
	char *out = NULL;

	tampered(f, name, fn, dir, sizeof(dir));
	assert_int_equal(verify(f, dir, &out), 4);
	assert_non_null(out);
	if (!strstr(out, line) || !strstr(out, words))
		fail_msg("%s: expected \"%s\" and \"%s\" in:\n%s", name, line, words, out);
	free(out);
}

static void test_verify_and_tampering(void **state)
{
	struct fx *f = *state;
	char dir[HARNESS_PATH_MAX + 16];
	char *out = NULL;

	make_history(f);
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(verify(f, dir, &out), 0);
	assert_non_null(strstr(out, "verifies"));
	free(out);
	/* each kind of tampering is detected and the record named */
	check_detected(f, "edited", edit_line_6, "audit.log:6:", "record 6 (line 6) was edited");
	check_detected(f, "deleted", delete_line_6, "audit.log:6:", "record 6 is missing");
	check_detected(f, "reordered", swap_lines_6_7, "audit.log:6:",
			"records 6 and 7 are in the wrong order");
	check_detected(f, "inserted", insert_after_6, "audit.log:7:",
			"record 999) does not belong to the chain: it was inserted");
	check_detected(f, "duplicated", duplicate_line_6, "audit.log:7:",
			"record 6 appears twice");
	/* the newest record, removed in place: the checkpoint tells */
	{
		char path[HARNESS_PATH_MAX + 32];
		char **lines;
		size_t n;

		snprintf(path, sizeof(path), "%s/audit.log", dir);
		n = read_lines(path, &lines);
		write_lines(path, lines, n - 1);
		free_lines(lines, n);
		assert_int_equal(verify(f, dir, &out), 4);
		assert_non_null(strstr(out, "was deleted (audit.head says"));
		free(out);
	}
}

static void test_refuses_to_start_on_broken_log(void **state)
{
	struct fx *f = *state;
	char path[HARNESS_PATH_MAX];
	char *text, *p;

	make_history(f);
	snprintf(path, sizeof(path), "%s/audit/audit.log", f->state_dir);
	text = harness_read_file(path);
	p = strstr(text, "\"result\":\"denied\"");
	assert_non_null(p);
	memcpy(p + 10, "passed", 6);       /* still valid JSON: only the hash tells */
	assert_int_equal(harness_write_file(path, text, 0600), 0);
	free(text);
	assert_int_not_equal(fx_start_agent(f), 0);
	assert_int_equal(harness_proc_wait(&f->agent, FX_WAIT), 0);
	assert_int_equal(WEXITSTATUS(f->agent.status), 4);
	text = harness_read_file(f->agent_log);
	assert_non_null(strstr(text, "audit log does not verify"));
	assert_non_null(strstr(text, "was edited"));
	free(text);
}

/* `smartlockctl log verify --dir dir`: its exit code, output in *out. */
static int ctl_verify(struct fx *f, const char *dir, char **out)
{
	char ctl[HARNESS_PATH_MAX], log[HARNESS_PATH_MAX + 16];
	char *argv[] = {ctl, "log", "verify", "--dir", (char *)dir, NULL};
	struct harness_proc p;

	harness_build_path(ctl, sizeof(ctl), "src/cli/smartlockctl");
	snprintf(log, sizeof(log), "%s/ctl-verify.log", f->dir);
	unlink(log);
	assert_int_equal(harness_proc_start(&p, log, argv, NULL), 0);
	assert_int_equal(harness_proc_wait(&p, 10000), 0);
	*out = harness_read_file(log);
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
}

/* Deleting the newest records together with audit.head is found through
 * the head the agent keeps in state.json: by the verifiers and at start. */
static void test_tail_and_head_deleted(void **state)
{
	struct fx *f = *state;
	char dir[HARNESS_PATH_MAX + 16], path[HARNESS_PATH_MAX + 32];
	char **lines;
	char *out = NULL;
	size_t n;

	make_history(f);
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	n = read_lines(path, &lines);
	write_lines(path, lines, n - 3);
	free_lines(lines, n);
	snprintf(path, sizeof(path), "%s/audit.head", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(verify(f, dir, &out), 4);
	if (!strstr(out, "were deleted (the agent's state.json says"))
		fail_msg("--verify-audit says:\n%s", out);
	free(out);
	assert_int_equal(ctl_verify(f, dir, &out), 7);
	assert_non_null(strstr(out, "were deleted (the agent's state.json says"));
	free(out);
	assert_int_not_equal(fx_start_agent(f), 0);
	assert_int_equal(harness_proc_wait(&f->agent, FX_WAIT), 0);
	assert_int_equal(WEXITSTATUS(f->agent.status), 4);
	/* a directory with no audit log verifies nothing: an error */
	snprintf(path, sizeof(path), "%s/empty", f->dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(verify(f, path, &out), 4);
	assert_non_null(strstr(out, "no audit log"));
	free(out);
}

static void test_rotation_keeps_chain(void **state)
{
	struct fx *f = *state;
	char dir[HARNESS_PATH_MAX + 16], victim[HARNESS_PATH_MAX + 64];
	char **paths = NULL;
	char *out = NULL;
	size_t n = 0;

	make_history(f);
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(audit_list_files(dir, &paths, &n), SL_OK);
	assert_true(n >= 4);
	assert_int_equal(verify(f, dir, &out), 0);
	assert_non_null(strstr(out, "verifies"));
	free(out);
	/* remove a whole rotated file: the gap is found */
	snprintf(victim, sizeof(victim), "%s", paths[1]);
	audit_free_paths(paths, n);
	assert_int_equal(unlink(victim), 0);
	assert_int_equal(verify(f, dir, &out), 4);
	assert_non_null(strstr(out, "missing"));
	free(out);
}

static void test_audit_unwritable_fails_closed(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	char dir[HARNESS_PATH_MAX + 16];
	struct sl_response res;
	struct sl_alert al;

	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(chmod(dir, 0500), 0);
	assert_int_equal(fx_refused(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_INTERNAL_ERROR, &res), -1);   /* the barrier fails too */
	assert_int_equal(res.result, SL_RESULT_ERROR);
	assert_int_equal(res.reason, SL_REASON_INTERNAL_ERROR);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_AUDIT_FAILURE, &al, FX_WAIT), 0);
	assert_non_null(strstr(al.msg, "audit log"));
	/* nothing reached the lock, and nothing fires later */
	assert_int_equal(harness_client_pump(f->lock, 200), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	harness_client_drain(r);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
	/* a read-only audit directory at start: refused with exit code 4 */
	assert_int_equal(fx_stop_agent(f), 0);
	assert_int_equal(chmod(dir, 0500), 0);
	{
		const char *args[] = {"-c", f->conf_path, NULL};
		char *out = NULL;

		assert_int_equal(fx_run_agent(f, args, &out), 4);
		assert_non_null(strstr(out, "not writable"));
		free(out);
	}
	assert_int_equal(chmod(dir, 0700), 0);
}

/* Ask for the status as user "resident" and wait for the answer. */
static int status_answer(struct fx *f, struct harness_client *r, struct sl_response *res)
{
	int64_t id = fx_send(f, r, "resident", NULL, SL_ACTION_STATUS, 0);

	if (!id || fx_response(f, r, "resident", res, FX_WAIT) != 0)
		return -1;
	return res->id == id ? 0 : -1;
}

/* A full disk: a low-space alert first; then every request refused with
 * ENOSPC named, and once there is room one gap record counts them. */
static void test_full_disk(void **state)
{
	struct fx *f = *state;
	struct harness_client *r;
	struct sl_response res;
	struct sl_alert al;
	struct statvfs sv;
	char path[HARNESS_PATH_MAX + 32], *text;

	if (!tmpfs_dir[0])
		skip();
	r = fx_client(f, "resident");
	assert_non_null(r);
	/* below audit_min_free_kb: alerted before anything fails */
	assert_int_equal(statvfs(tmpfs_dir, &sv), 0);
	fill(tmpfs_dir, "filler1", (size_t)sv.f_bavail * sv.f_frsize - 512 * 1024);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_DISK_LOW, &al, FX_WAIT), 0);
	assert_non_null(strstr(al.msg, "KiB are left for the audit log"));
	/* full: status requests use up the slack of the log's last page;
	 * from the first that cannot be recorded on, each is refused */
	fill(tmpfs_dir, "filler2", 0);
	{
		int i;

		for (i = 0; i < 100; i++) {
			assert_int_equal(status_answer(f, r, &res), 0);
			if (res.result == SL_RESULT_ERROR)
				break;
		}
		assert_true(i < 100);
	}
	assert_int_equal(fx_wait_alert(f, SL_ALERT_AUDIT_FAILURE, &al, FX_WAIT), 0);
	assert_non_null(strstr(al.msg, "ENOSPC"));
	for (int i = 0; i < 3; i++) {
		assert_int_equal(status_answer(f, r, &res), 0);
		assert_int_equal(res.result, SL_RESULT_ERROR);
		assert_non_null(strstr(res.msg, "audit log cannot be written"));
	}
	/* an unlock is refused as well, and nothing reaches the lock */
	assert_true(fx_send(f, r, "resident", NULL, SL_ACTION_UNLOCK, 0) != 0);
	assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
	assert_int_equal(res.result, SL_RESULT_ERROR);
	assert_int_equal(harness_client_pump(f->lock, 200), 0);
	text = harness_read_file(f->agent_log);
	assert_non_null(text);
	if (!strstr(text, "no space left on the device (ENOSPC)"))
		fail_msg("ENOSPC not named in the agent's log:\n%s", text);
	free(text);
	/* room again: the next record is preceded by the gap record */
	snprintf(path, sizeof(path), "%s/filler1", tmpfs_dir);
	assert_int_equal(unlink(path), 0);
	snprintf(path, sizeof(path), "%s/filler2", tmpfs_dir);
	assert_int_equal(unlink(path), 0);
	harness_client_drain(r);
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	snprintf(path, sizeof(path), "%s/audit.log", tmpfs_dir);
	text = harness_read_file(path);
	assert_non_null(text);
	if (!strstr(text, "\"action\":\"audit-gap\"") ||
			!strstr(text, "requests refused and") ||
			!strstr(text, "no space left on the device (ENOSPC)"))
		fail_msg("no gap record in the audit log:\n%s", text);
	/* at least the three requests, and the owner's barrier locks */
	assert_non_null(strstr(text, "\"reason\":\"no-space\""));
	free(text);
	harness_client_destroy(r);
	{
		const char *args[] = {"--verify-audit", tmpfs_dir, NULL};
		char *out = NULL;

		assert_int_equal(fx_run_agent(f, args, &out), 0);
		free(out);
	}
}

static unsigned long long seq_of(const char *line)
{
	const char *s = strstr(line, "\"seq\":");

	return s ? strtoull(s + 6, NULL, 10) : 0;
}

/* Past log_live_max records a second the live feed drops records, and
 * log-throttled records name every one it dropped: each denial is either
 * seen on the log topic or inside a named range, and all are in the file. */
static void test_log_feed_throttled(void **state)
{
	enum { N = 40 };
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	unsigned long long want[N], ranges[8][2];
	bool seen[N] = {false};
	size_t nwant = 0, nranges = 0, live = 0, accounted = 0;
	char topic[SL_TOPIC_MAX], path[HARNESS_PATH_MAX + 32], *text, *line, *save = NULL;
	struct sl_response res;
	struct sl_key wrong;
	int64_t deadline;

	assert_non_null(r);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	for (int i = 0; i < N; i++) {
		assert_true(fx_send(f, r, "resident", &wrong, SL_ACTION_UNLOCK, 0) != 0);
		assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
		assert_int_equal(res.reason, SL_REASON_BAD_SIGNATURE);
	}
	/* the file has every denial: the ground truth */
	snprintf(path, sizeof(path), "%s/audit/audit.log", f->state_dir);
	text = harness_read_file(path);
	assert_non_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strstr(line, "\"actor\":\"resident\"") &&
				strstr(line, "\"result\":\"denied\"") && nwant < N)
			want[nwant++] = seq_of(line);
	free(text);
	assert_int_equal(nwant, N);
	/* the live feed: records and log-throttled ranges, until every
	 * denial is accounted for */
	topic_build(topic, sizeof(topic), SL_TOPIC_LOG, FX_LOCK, NULL);
	deadline = time_mono_ms() + 10000;
	while (accounted < N && time_mono_ms() < deadline) {
		struct harness_msg *m = harness_client_wait(f->watch, topic, 3000);
		unsigned long long count, lo, hi;
		const char *d;

		assert_non_null(m);
		d = strstr(m->payload, "\"detail\":\"");
		if (strstr(m->payload, "\"action\":\"log-throttled\"")) {
			assert_non_null(d);
			assert_int_equal(sscanf(d + 10, "%llu records (seq %llu to %llu)",
						&count, &lo, &hi), 3);
			assert_true(lo <= hi && count == hi - lo + 1);
			assert_true(nranges < 8);
			ranges[nranges][0] = lo;
			ranges[nranges++][1] = hi;
		}
		for (size_t i = 0; i < N; i++) {
			bool now = seq_of(m->payload) == want[i];

			if (now)
				live++;
			for (size_t k = 0; k < nranges; k++)
				now |= want[i] >= ranges[k][0] && want[i] <= ranges[k][1];
			if (now && !seen[i]) {
				seen[i] = true;
				accounted++;
			}
		}
		harness_msg_free(m);
	}
	assert_int_equal(accounted, N);
	assert_true(nranges >= 1);
	assert_true(live < N);
	harness_client_destroy(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verify_and_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_to_start_on_broken_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_and_head_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_keeps_chain, setup_rotate, teardown),
		cmocka_unit_test_setup_teardown(test_audit_unwritable_fails_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_feed_throttled, setup_throttle, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk, setup_tmpfs, teardown_tmpfs),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
