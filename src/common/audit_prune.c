/* audit_prune.c - keep the audit log within its size budget: remove the
 * oldest rotated files and prove where the kept chain starts (audit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/atomicfile.h"
#include "smartlock/audit.h"

#define LINE_READ (SL_AUDIT_LINE_MAX + 2)

/* "<dir of path>/audit.start" into out. */
static void start_path(const char *dir, char *out, size_t size)
{
	snprintf(out, size, "%s/audit.start", dir);
}

enum sl_err audit_start_read(const char *dir, struct audit_start *out)
{
	char path[AUDIT_ANCHOR_PATH_MAX], *text = NULL, *end;
	unsigned long long v;
	size_t len = 0;
	enum sl_err e;

	memset(out, 0, sizeof(*out));
	start_path(dir, path, sizeof(path));
	e = atomic_read_file(path, 256, &text, &len);
	if (e != SL_OK)
		return e;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || v < 2 || *end != ' ' || len != (size_t)(end - text) +
			SL_SHA256_HEX + 2 || end[1 + SL_SHA256_HEX] != '\n' ||
			strspn(end + 1, "0123456789abcdef") != SL_SHA256_HEX) {
		free(text);
		return SL_ERR_AUDIT_CHAIN;
	}
	out->present = true;
	out->seq = v;
	memcpy(out->prev, end + 1, SL_SHA256_HEX);
	out->prev[SL_SHA256_HEX] = '\0';
	free(text);
	return SL_OK;
}

/* seq and prev of the first record of path. */
static enum sl_err first_record(const char *path, uint64_t *seq, char prev[SL_SHA256_HEX + 1])
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	FILE *f = fopen(path, "re");

	if (!f)
		return SL_ERR_IO;
	len = getline(&line, &cap, f);
	fclose(f);
	if (len < SL_SHA256_HEX + 3 || line[len - 1] != '\n' ||
			!audit_line_valid(line, (size_t)len - 1, seq, NULL)) {
		free(line);
		return SL_ERR_AUDIT_CHAIN;
	}
	/* a valid line ends with "prev":"<64 hex>"} */
	memcpy(prev, line + len - 3 - SL_SHA256_HEX, SL_SHA256_HEX);
	prev[SL_SHA256_HEX] = '\0';
	free(line);
	return SL_OK;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* How many of the n rotated files (oldest first) must go so that the rest
 * plus reserve fit in budget. */
static size_t files_to_remove(char **paths, size_t n, uint64_t budget, uint64_t reserve)
{
	uint64_t total = reserve;
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		total += file_size(paths[i]);
	while (k < n && total > budget)
		total -= file_size(paths[k++]);
	return k;
}

enum sl_err audit_prune_plan(const char *dir, uint64_t budget, uint64_t reserve,
		uint64_t next_seq, const char *head, struct audit_prune *plan)
{
	char **paths = NULL, prev[SL_SHA256_HEX + 1];
	size_t n = 0, rotated, k;
	enum sl_err e;

	memset(plan, 0, sizeof(*plan));
	e = audit_list_files(dir, &paths, &n);
	if (e != SL_OK)
		return e;
	rotated = n > 0 && strcmp(strrchr(paths[n - 1], '/') + 1, "audit.log") == 0 ? n - 1 : n;
	k = files_to_remove(paths, rotated, budget, reserve);
	if (k == 0)
		goto out;
	e = first_record(paths[0], &plan->from_seq, prev);
	if (e != SL_OK)
		goto out;
	if (k < rotated) {
		e = first_record(paths[k], &plan->start_seq, plan->start_prev);
		if (e != SL_OK)
			goto out;
	} else {
		plan->start_seq = next_seq;
		snprintf(plan->start_prev, sizeof(plan->start_prev), "%s", head);
	}
	plan->paths = paths;
	plan->n = k;
	paths = NULL;
	for (size_t i = k; i < n; i++)
		free(plan->paths[i]);
out:
	audit_free_paths(paths, n);
	return e;
}

enum sl_err audit_prune_commit(const char *dir, struct audit_prune *plan)
{
	char path[AUDIT_ANCHOR_PATH_MAX], buf[SL_SHA256_HEX + 32];
	size_t len;
	enum sl_err e = SL_OK;

	if (plan->n == 0)
		return SL_OK;
	/* the proof first: a crash before the removals leaves records before
	 * the start, which the verifier accepts */
	start_path(dir, path, sizeof(path));
	len = (size_t)snprintf(buf, sizeof(buf), "%020llu %s\n",
			(unsigned long long)plan->start_seq, plan->start_prev);
	e = atomic_write_file(path, buf, len, 0600);
	for (size_t i = 0; e == SL_OK && i < plan->n; i++)
		if (unlink(plan->paths[i]) != 0 && errno != ENOENT)
			e = SL_ERR_IO;
	if (e == SL_OK)
		e = atomic_sync_parent(path);
	return e;
}

void audit_prune_free(struct audit_prune *plan)
{
	audit_free_paths(plan->paths, plan->n);
	plan->paths = NULL;
	plan->n = 0;
}
