/* audit.c - the append-only, SHA-256 chained audit log and its writer. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "smartlock/atomicfile.h"
#include "smartlock/audit.h"
#include "smartlock/sign.h"
#include "smartlock/timeutil.h"
#include "smartlock/utf8.h"

#define FIELD_MAX 64            /* bytes kept of a short field */
#define DETAIL_MAX 768          /* bytes kept of detail */
#define AUDIT_PATH_MAX 512
#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

struct audit_log {
	char dir[AUDIT_PATH_MAX];
	char live[AUDIT_PATH_MAX];
	int fd;
	size_t rotate_bytes;
	size_t size;            /* bytes in the live file */
	uint64_t seq;           /* last seq written */
	uint64_t file_first;    /* first seq in the live file, 0 if empty */
	char head[SL_SHA256_HEX + 1];
	dev_t dev;
	ino_t ino;
	int head_fd;            /* <dir>/audit.head, -1 until first written */
	int64_t checked;        /* time_mono_ms() of the last writable check */
	uint64_t budget;        /* bytes for all files, 0 = none */
};

/* Copy at most max-1 bytes of src, control characters and invalid UTF-8
 * as '?', format characters (bidi controls) written out (utf8_escape). */
static void copy_clean(char *dst, size_t max, const char *src)
{
	utf8_escape(dst, max, src ? src : "", src ? strlen(src) : 0);
}

/* Append s as a JSON string (quotes included) to buf at *pos. */
static void put_json_string(char *buf, size_t size, size_t *pos, const char *s)
{
	if (*pos < size)
		buf[(*pos)++] = '"';
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			if (*pos < size)
				buf[(*pos)++] = '\\';
		}
		if (*pos < size)
			buf[(*pos)++] = *s;
	}
	if (*pos < size)
		buf[(*pos)++] = '"';
}

static void put_raw(char *buf, size_t size, size_t *pos, const char *s)
{
	for (; *s; s++)
		if (*pos < size)
			buf[(*pos)++] = *s;
}

/* Build the line for rec with the given seq/time/prev. Returns its length,
 * or 0 if it does not fit (cannot happen with the field limits). */
static size_t build_line(char *buf, size_t size, uint64_t seq, int64_t now,
		const struct audit_record *rec, const char *prev)
{
	static const char *const names[] = {"actor", "role", "source", "lock",
		"action", "result", "reason", "detail"};
	const char *vals[8] = {rec->actor, rec->role, rec->source, rec->lock,
		rec->action, rec->result, rec->reason, rec->detail};
	char field[DETAIL_MAX];
	char tmp[64];
	size_t pos = 0;

	snprintf(tmp, sizeof(tmp), "{\"v\":1,\"seq\":%llu,\"time\":", (unsigned long long)seq);
	put_raw(buf, size, &pos, tmp);
	put_json_string(buf, size, &pos, time_format_utc(now, tmp, sizeof(tmp)));
	for (size_t i = 0; i < 8; i++) {
		copy_clean(field, i == 7 ? DETAIL_MAX : FIELD_MAX, vals[i]);
		put_raw(buf, size, &pos, ",\"");
		put_raw(buf, size, &pos, names[i]);
		put_raw(buf, size, &pos, "\":");
		put_json_string(buf, size, &pos, field);
	}
	if (rec->id > 0) {
		snprintf(tmp, sizeof(tmp), ",\"id\":%lld", (long long)rec->id);
		put_raw(buf, size, &pos, tmp);
	}
	put_raw(buf, size, &pos, ",\"prev\":");
	put_json_string(buf, size, &pos, prev);
	put_raw(buf, size, &pos, "}");
	if (pos >= size)
		return 0;
	buf[pos] = '\0';
	return pos;
}

/* ---- reading records ---- */

struct rec_info {
	bool valid;
	char why[96];
	uint64_t seq;
	char prev[SL_SHA256_HEX + 1];
	char hash[SL_SHA256_HEX + 1];
	uint64_t pruned_to;     /* an audit-prune record: the last seq removed */
};

/* The last seq an audit-prune record (by the agent, from "audit") says was
 * removed, 0 for any other record. */
static uint64_t pruned_to(const cJSON *root)
{
	static const char *const want[][2] = {{"actor", "agent"}, {"source", "audit"},
		{"action", "audit-prune"}};
	unsigned long long from, to;
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(root, "detail");

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, want[i][0]);

		if (!cJSON_IsString(item) || strcmp(item->valuestring, want[i][1]) != 0)
			return 0;
	}
	if (!cJSON_IsString(detail) ||
			sscanf(detail->valuestring, "records %llu-%llu removed", &from, &to) != 2)
		return 0;
	return to;
}

static bool is_hex64(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == SL_SHA256_HEX;
}

/* Parse and check one line (len bytes, no newline). */
static void parse_record(const char *line, size_t len, struct rec_info *ri)
{
	static const char *const strings[] = {"time", "actor", "role", "source", "lock",
		"action", "result", "reason", "detail", "prev"};
	cJSON *root, *item;
	size_t members = 0;

	memset(ri, 0, sizeof(*ri));
	if (len > SL_AUDIT_LINE_MAX) {
		snprintf(ri->why, sizeof(ri->why), "line too long");
		return;
	}
	root = cJSON_ParseWithLength(line, len);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(ri->why, sizeof(ri->why), "not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(item, root)
		members++;
	item = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (item) {
		if (!cJSON_IsNumber(item) || item->valuedouble < 1 ||
				item->valuedouble > 9007199254740992.0 ||
				item->valuedouble != (double)(int64_t)item->valuedouble) {
			snprintf(ri->why, sizeof(ri->why), "bad \"id\"");
			goto out;
		}
		members--;
	}
	if (members != 2 + sizeof(strings) / sizeof(strings[0])) {
		snprintf(ri->why, sizeof(ri->why), "wrong set of fields");
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "v");
	if (!cJSON_IsNumber(item) || item->valuedouble != 1) {
		snprintf(ri->why, sizeof(ri->why), "bad or missing \"v\"");
		goto out;
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "seq");
	if (!cJSON_IsNumber(item) || item->valuedouble < 1 || item->valuedouble > 9007199254740992.0 ||
			item->valuedouble != (double)(uint64_t)item->valuedouble) {
		snprintf(ri->why, sizeof(ri->why), "bad or missing \"seq\"");
		goto out;
	}
	ri->seq = (uint64_t)item->valuedouble;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		item = cJSON_GetObjectItemCaseSensitive(root, strings[i]);
		if (!cJSON_IsString(item)) {
			snprintf(ri->why, sizeof(ri->why), "bad or missing \"%s\"", strings[i]);
			goto out;
		}
	}
	item = cJSON_GetObjectItemCaseSensitive(root, "prev");
	if (!is_hex64(item->valuestring)) {
		snprintf(ri->why, sizeof(ri->why), "\"prev\" is not a SHA-256");
		goto out;
	}
	memcpy(ri->prev, item->valuestring, sizeof(ri->prev));
	ri->pruned_to = pruned_to(root);
	if (sign_sha256_hex(line, len, ri->hash) != SL_OK) {
		snprintf(ri->why, sizeof(ri->why), "hash failed");
		goto out;
	}
	ri->valid = true;
out:
	cJSON_Delete(root);
}

struct tail {
	uint64_t records;       /* 0 or 1: whether the file has any */
	uint64_t first_seq, last_seq;
	char last_hash[SL_SHA256_HEX + 1];
};

/* First and last record of one file; SL_ERR_AUDIT_CHAIN when either is not
 * a valid record or the file does not end with a newline. */
static enum sl_err read_tail(const char *path, struct tail *t)
{
	char buf[2 * (SL_AUDIT_LINE_MAX + 2)];
	struct rec_info ri;
	struct stat st;
	enum sl_err e = SL_OK;
	ssize_t got;
	size_t want;
	char *nl, *start;
	int fd;

	memset(t, 0, sizeof(*t));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SL_OK : errno == EACCES ? SL_ERR_PERM : SL_ERR_IO;
	if (fstat(fd, &st) != 0) {
		e = SL_ERR_IO;
		goto out;
	}
	if (st.st_size == 0)
		goto out;
	/* first line */
	got = pread(fd, buf, sizeof(buf) - 1, 0);
	if (got <= 0) {
		e = SL_ERR_IO;
		goto out;
	}
	buf[got] = '\0';
	nl = memchr(buf, '\n', (size_t)got);
	if (!nl) {
		e = SL_ERR_AUDIT_CHAIN;
		goto out;
	}
	parse_record(buf, (size_t)(nl - buf), &ri);
	if (!ri.valid) {
		e = SL_ERR_AUDIT_CHAIN;
		goto out;
	}
	t->first_seq = ri.seq;
	/* last line */
	want = (size_t)st.st_size < sizeof(buf) - 1 ? (size_t)st.st_size : sizeof(buf) - 1;
	got = pread(fd, buf, want, st.st_size - (off_t)want);
	if (got != (ssize_t)want) {
		e = SL_ERR_IO;
		goto out;
	}
	buf[want] = '\0';
	if (buf[want - 1] != '\n') {
		e = SL_ERR_AUDIT_CHAIN;
		goto out;
	}
	buf[want - 1] = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	if (!start[0] || (start == buf && want == sizeof(buf) - 1)) {
		e = SL_ERR_AUDIT_CHAIN;
		goto out;
	}
	parse_record(start, strlen(start), &ri);
	if (!ri.valid) {
		e = SL_ERR_AUDIT_CHAIN;
		goto out;
	}
	t->records = 1;
	t->last_seq = ri.seq;
	memcpy(t->last_hash, ri.hash, sizeof(t->last_hash));
out:
	close(fd);
	return e;
}

static enum sl_err open_live(struct audit_log *log)
{
	struct stat st;
	bool existed = access(log->live, F_OK) == 0;

	log->fd = open(log->live, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (log->fd < 0)
		return errno == EACCES || errno == EROFS ? SL_ERR_PERM : SL_ERR_IO;
	if (fstat(log->fd, &st) != 0) {
		close(log->fd);
		log->fd = -1;
		return SL_ERR_IO;
	}
	log->size = (size_t)st.st_size;
	log->dev = st.st_dev;
	log->ino = st.st_ino;
	if (!existed && atomic_sync_parent(log->live) != SL_OK)
		return SL_ERR_IO;
	return SL_OK;
}

struct audit_log *audit_open(const char *dir, size_t rotate_bytes, enum sl_err *err)
{
	struct audit_log *log;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;
	struct tail tail;

	log = calloc(1, sizeof(*log));
	if (!log) {
		e = SL_ERR_NOMEM;
		goto fail;
	}
	log->fd = -1;
	log->head_fd = -1;
	log->rotate_bytes = rotate_bytes;
	if (snprintf(log->dir, sizeof(log->dir), "%s", dir) >= (int)sizeof(log->dir) ||
			snprintf(log->live, sizeof(log->live), "%s/audit.log", dir) >=
			(int)sizeof(log->live)) {
		e = SL_ERR_TOO_LONG;
		goto fail_log;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		e = errno == EACCES ? SL_ERR_PERM : SL_ERR_IO;
		goto fail_log;
	}
	memset(log->head, '0', SL_SHA256_HEX);
	log->head[SL_SHA256_HEX] = '\0';
	e = audit_list_files(dir, &paths, &n);
	if (e != SL_OK)
		goto fail_log;
	/* The chain head is the last record of the newest non-empty file. */
	for (size_t i = n; i-- > 0;) {
		e = read_tail(paths[i], &tail);
		if (e != SL_OK)
			goto fail_paths;
		if (tail.records == 0)
			continue;
		log->seq = tail.last_seq;
		memcpy(log->head, tail.last_hash, sizeof(log->head));
		if (i == n - 1 && strcmp(paths[i], log->live) == 0)
			log->file_first = tail.first_seq;
		break;
	}
	e = open_live(log);
	if (e != SL_OK)
		goto fail_paths;
	audit_free_paths(paths, n);
	return log;

fail_paths:
	audit_free_paths(paths, n);
fail_log:
	free(log);
fail:
	if (err)
		*err = e;
	return NULL;
}

/* The checkpoint <dir>/audit.head: "<seq> <sha256 of that record>\n",
 * written after every durable append and at close, so that deleting or
 * editing the newest records is found too. */
static enum sl_err write_head(struct audit_log *log, bool sync)
{
	char path[AUDIT_PATH_MAX + 16], buf[SL_SHA256_HEX + 32];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%020llu %s\n",
			(unsigned long long)log->seq, log->head);
	if (log->head_fd < 0) {
		/* the first time: create or replace it whole (an older file may
		 * have the unpadded, shorter form), then overwrite in place */
		snprintf(path, sizeof(path), "%s/audit.head", log->dir);
		if (atomic_write_file(path, buf, n, 0600) != SL_OK)
			return SL_ERR_IO;
		log->head_fd = open(path, O_WRONLY | O_CLOEXEC);
		return log->head_fd < 0 ? SL_ERR_IO : SL_OK;
	}
	if (pwrite(log->head_fd, buf, n, 0) != (ssize_t)n)
		return SL_ERR_IO;
	if (sync && fdatasync(log->head_fd) != 0)
		return SL_ERR_IO;
	return SL_OK;
}

void audit_close(struct audit_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0) {
		/* the log first, so that the head is never ahead of it */
		if (log->seq > 0 && audit_check_writable(log) == SL_OK &&
				fdatasync(log->fd) == 0)
			write_head(log, true);
		close(log->fd);
	}
	if (log->head_fd >= 0)
		close(log->head_fd);
	free(log);
}

uint64_t audit_last_seq(const struct audit_log *log)
{
	return log->seq;
}

const char *audit_dir(const struct audit_log *log)
{
	return log->dir;
}

enum sl_err audit_check_writable(const struct audit_log *log)
{
	struct stat st, dst;

	if (log->fd < 0)
		return SL_ERR_IO;
	if (stat(log->live, &st) != 0 || st.st_dev != log->dev || st.st_ino != log->ino)
		return SL_ERR_NOT_FOUND;
	if (stat(log->dir, &dst) != 0)
		return SL_ERR_NOT_FOUND;
	if (!(dst.st_mode & S_IWUSR) || !(st.st_mode & S_IWUSR) ||
			access(log->dir, W_OK) != 0)
		return SL_ERR_PERM;
	return SL_OK;
}

static enum sl_err rotate(struct audit_log *log)
{
	char rotated[AUDIT_PATH_MAX + 32];

	snprintf(rotated, sizeof(rotated), "%s.%llu", log->live,
			(unsigned long long)log->file_first);
	if (access(rotated, F_OK) == 0)
		return SL_ERR_EXISTS;
	if (fsync(log->fd) != 0)
		return SL_ERR_IO;
	if (rename(log->live, rotated) != 0)
		return errno == EACCES || errno == EROFS ? SL_ERR_PERM : SL_ERR_IO;
	close(log->fd);
	log->fd = -1;
	log->file_first = 0;
	return open_live(log);
}

static enum sl_err write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return sl_err_from_errno(errno);
		}
		buf += w;
		len -= (size_t)w;
	}
	return SL_OK;
}

/* Write the built line (len bytes, buffer has room for a newline) and
 * advance the chain. */
static enum sl_err write_line(struct audit_log *log, char *line, size_t len)
{
	enum sl_err e;

	line[len] = '\n';
	e = write_all(log->fd, line, len + 1);
	line[len] = '\0';
	if (e != SL_OK) {
		/* Never leave a torn line behind: it would break the chain. */
		if (ftruncate(log->fd, (off_t)log->size) != 0)
			return SL_ERR_IO;
		return e;
	}
	log->size += len + 1;
	log->seq++;
	if (log->file_first == 0)
		log->file_first = log->seq;
	if (sign_sha256_hex(line, len, log->head) != SL_OK)
		return SL_ERR_CRYPTO;
	return SL_OK;
}

/* After a rotation: remove the oldest rotated files when they and a full
 * live file would pass the budget, first recording which records go. */
static enum sl_err prune(struct audit_log *log)
{
	char line[SL_AUDIT_LINE_MAX + 1], detail[160];
	struct audit_record rec = {"agent", "", "audit", "", "audit-prune", "removed",
		"budget", detail, 0};
	struct audit_prune plan;
	size_t len;
	enum sl_err e;

	if (audit_prune_plan(log->dir, log->budget, log->rotate_bytes, log->seq + 1,
			log->head, &plan) != SL_OK || plan.n == 0)
		return SL_OK;   /* nothing to do, or unreadable: the budget alerts */
	snprintf(detail, sizeof(detail), "records %llu-%llu removed to keep the log "
			"within its budget of %llu bytes", (unsigned long long)plan.from_seq,
			(unsigned long long)plan.start_seq - 1, (unsigned long long)log->budget);
	len = build_line(line, sizeof(line) - 1, log->seq + 1, time_now_ms(), &rec, log->head);
	e = len ? write_line(log, line, len) : SL_ERR_TOO_LONG;
	if (e == SL_OK && fdatasync(log->fd) != 0)
		e = sl_err_from_errno(errno);
	/* files that cannot be removed leave the log over its budget (the
	 * agent alerts), never a refused grant */
	if (e == SL_OK)
		(void)audit_prune_commit(log->dir, &plan);
	audit_prune_free(&plan);
	return e;
}

enum sl_err audit_append(struct audit_log *log, const struct audit_record *rec,
		bool durable, char **line_out)
{
	char line[SL_AUDIT_LINE_MAX + 1];
	size_t len;
	enum sl_err e;

	if (line_out)
		*line_out = NULL;
	if (durable || time_mono_ms() - log->checked >= 1000) {
		e = audit_check_writable(log);
		if (e != SL_OK)
			return e;
		log->checked = time_mono_ms();
	}
	len = build_line(line, sizeof(line) - 1, log->seq + 1, time_now_ms(), rec, log->head);
	if (len == 0)
		return SL_ERR_TOO_LONG;
	if (log->rotate_bytes && log->size > 0 && log->size + len + 1 > log->rotate_bytes) {
		e = rotate(log);
		if (e == SL_OK && log->budget)
			e = prune(log);
		if (e != SL_OK)
			return e;
		len = build_line(line, sizeof(line) - 1, log->seq + 1, time_now_ms(), rec,
				log->head);
	}
	e = write_line(log, line, len);
	if (e != SL_OK)
		return e;
	if (durable && fdatasync(log->fd) != 0)
		return sl_err_from_errno(errno);
	if (durable && write_head(log, false) != SL_OK)
		return SL_ERR_IO;
	if (line_out) {
		*line_out = strdup(line);
		if (!*line_out)
			return SL_ERR_NOMEM;
	}
	return SL_OK;
}

void audit_set_budget(struct audit_log *log, uint64_t budget)
{
	log->budget = budget;
}

/* ---- listing the files ---- */

struct file_ent {
	uint64_t first;
	char *path;
};

static int cmp_file_ent(const void *a, const void *b)
{
	const struct file_ent *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* "audit.log.<digits>" -> its number; false for other names. */
static bool rotated_number(const char *name, uint64_t *out)
{
	const char *p;
	char *end;
	unsigned long long v;

	if (strncmp(name, "audit.log.", 10) != 0)
		return false;
	p = name + 10;
	if (*p < '1' || *p > '9')
		return false;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

enum sl_err audit_list_files(const char *dir, char ***paths, size_t *n)
{
	struct file_ent *ents = NULL;
	size_t count = 0, cap = 0;
	char **out = NULL;
	bool live = false;
	struct dirent *de;
	enum sl_err e = SL_OK;
	DIR *d;

	*paths = NULL;
	*n = 0;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? SL_ERR_NOT_FOUND : errno == EACCES ? SL_ERR_PERM : SL_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		uint64_t num;

		if (strcmp(de->d_name, "audit.log") == 0) {
			live = true;
			continue;
		}
		if (!rotated_number(de->d_name, &num))
			continue;
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct file_ent *ne = realloc(ents, ncap * sizeof(*ents));

			if (!ne) {
				e = SL_ERR_NOMEM;
				goto out;
			}
			ents = ne;
			cap = ncap;
		}
		ents[count].first = num;
		if (asprintf(&ents[count].path, "%s/%s", dir, de->d_name) < 0) {
			e = SL_ERR_NOMEM;
			goto out;
		}
		count++;
	}
	if (count > 1)
		qsort(ents, count, sizeof(*ents), cmp_file_ent);
	out = calloc(count + 1, sizeof(*out));
	if (!out) {
		e = SL_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		out[i] = ents[i].path;
		ents[i].path = NULL;
	}
	*n = count;
	if (live) {
		if (asprintf(&out[count], "%s/audit.log", dir) < 0) {
			audit_free_paths(out, count);
			out = NULL;
			*n = 0;
			e = SL_ERR_NOMEM;
			goto out;
		}
		*n = count + 1;
	}
	*paths = out;
out:
	for (size_t i = 0; i < count; i++)
		free(ents ? ents[i].path : NULL);
	free(ents);
	closedir(d);
	return e;
}

void audit_free_paths(char **paths, size_t n)
{
	if (!paths)
		return;
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

/* ---- verification ---- */

struct reader {
	const char *const *paths;
	size_t n, i;
	FILE *f;
	uint64_t lineno;
	char *buf;
	size_t cap;
};

struct item {
	bool present;
	size_t file;
	uint64_t line;
	bool torn;              /* the file's last line has no newline */
	struct rec_info ri;
};

/* 1 item read, 0 at the end, -1 on an I/O error. */
static int reader_next(struct reader *r, struct item *it)
{
	memset(it, 0, sizeof(*it));
	for (;;) {
		ssize_t len;

		if (!r->f) {
			if (r->i >= r->n)
				return 0;
			r->f = fopen(r->paths[r->i], "re");
			if (!r->f)
				return -1;
			r->lineno = 0;
		}
		len = getline(&r->buf, &r->cap, r->f);
		if (len < 0) {
			bool bad = ferror(r->f);

			fclose(r->f);
			r->f = NULL;
			if (bad)
				return -1;
			r->i++;
			continue;
		}
		r->lineno++;
		it->present = true;
		it->file = r->i;
		it->line = r->lineno;
		if (len > 0 && r->buf[len - 1] == '\n')
			r->buf[--len] = '\0';
		else
			it->torn = true;
		parse_record(r->buf, (size_t)len, &it->ri);
		if (it->torn && it->ri.valid) {
			it->ri.valid = false;
			snprintf(it->ri.why, sizeof(it->ri.why), "incomplete last line (no newline)");
		}
		return 1;
	}
}

static enum sl_err report(struct audit_verify_result *res, const char *const *paths,
		const struct item *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum sl_err report(struct audit_verify_result *res, const char *const *paths,
		const struct item *where, const char *fmt, ...)
{
	va_list ap;

	snprintf(res->file, sizeof(res->file), "%s", paths[where->file]);
	res->line = where->line;
	va_start(ap, fmt);
	vsnprintf(res->problem, sizeof(res->problem), fmt, ap);
	va_end(ap);
	return SL_ERR_AUDIT_CHAIN;
}

/* The first record is not record 1: the records before it must have been
 * removed by the budget, as audit.start proves. */
static enum sl_err check_late_first(struct audit_verify_result *res, const char *const *paths,
		const struct item *cur, const struct audit_start *start)
{
	unsigned long long s = cur->ri.seq;

	if (s > start->seq)
		return report(res, paths, cur, "records %llu to %llu are missing before line "
				"%llu: they were deleted (audit.start says the log keeps %llu on)",
				(unsigned long long)start->seq, s - 1, (unsigned long long)cur->line,
				(unsigned long long)start->seq);
	return SL_OK;   /* the record at start->seq is checked against it */
}

/* Check cur against the records before it (prev, prev2) and after (next). */
static enum sl_err check_item(struct audit_verify_result *res, const char *const *paths,
		const struct item *prev2, const struct item *prev, const struct item *cur,
		const struct item *next, const struct audit_start *start)
{
	unsigned long long s = cur->ri.seq;
	unsigned long long expected = prev->present ? prev->ri.seq + 1 : 1;

	if (!cur->ri.valid)
		return report(res, paths, cur, "line %llu is not a valid audit record (%s): "
				"it was edited or damaged", (unsigned long long)cur->line, cur->ri.why);
	if (!prev->present && s > 1 && start->present)
		return check_late_first(res, paths, cur, start);
	if (prev->present && s == prev->ri.seq)
		return report(res, paths, cur, "record %llu appears twice (line %llu): "
				"a record was inserted", s, (unsigned long long)cur->line);
	if (s != expected) {
		bool next_ok = next->present && next->ri.valid && next->ri.seq == expected;

		if (next_ok && s == expected + 1)
			return report(res, paths, cur, "records %llu and %llu are in the wrong "
					"order: the log was reordered", expected, s);
		if (next_ok)
			return report(res, paths, cur, "line %llu (record %llu) does not belong "
					"to the chain: it was inserted",
					(unsigned long long)cur->line, s);
		if (s > expected && s == expected + 1)
			return report(res, paths, cur, "record %llu is missing before line %llu: "
					"it was deleted", expected, (unsigned long long)cur->line);
		if (s > expected)
			return report(res, paths, cur, "records %llu to %llu are missing before "
					"line %llu: they were deleted", expected, s - 1,
					(unsigned long long)cur->line);
		return report(res, paths, cur, "record %llu at line %llu is out of order: "
				"records were reordered or inserted", s,
				(unsigned long long)cur->line);
	}
	if (!prev->present) {
		if (strcmp(cur->ri.prev, ZERO_HASH) != 0)
			return report(res, paths, cur, "record 1 was edited: the chain does "
					"not start with a zero hash");
		return SL_OK;
	}
	if (strcmp(cur->ri.prev, prev->ri.hash) == 0)
		return SL_OK;
	if (prev2->present && strcmp(cur->ri.prev, prev2->ri.hash) == 0)
		return report(res, paths, prev, "line %llu (record %llu) does not belong to "
				"the chain: it was inserted", (unsigned long long)prev->line,
				(unsigned long long)prev->ri.seq);
	return report(res, paths, prev, "record %llu (line %llu) was edited: its hash no "
			"longer matches record %llu", (unsigned long long)prev->ri.seq,
			(unsigned long long)prev->line, s);
}

struct checkpoint {
	bool present;
	uint64_t seq;
	char hash[SL_SHA256_HEX + 1];
	char path[AUDIT_PATH_MAX + 16];
};

/* Read audit.head beside the last file; false when it is damaged. */
static bool read_checkpoint(const char *const *paths, size_t n, struct checkpoint *cp)
{
	const char *slash;
	char *text = NULL, *end;
	size_t len = 0;
	unsigned long long v;

	memset(cp, 0, sizeof(*cp));
	if (n == 0)
		return true;
	slash = strrchr(paths[n - 1], '/');
	snprintf(cp->path, sizeof(cp->path), "%.*s/audit.head",
			slash ? (int)(slash - paths[n - 1]) : 1, slash ? paths[n - 1] : ".");
	if (atomic_read_file(cp->path, 256, &text, &len) != SL_OK)
		return true;    /* none (an older log, or a copy of the files) */
	cp->present = true;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end != ' ' || strlen(end + 1) != SL_SHA256_HEX + 1 ||
			end[1 + SL_SHA256_HEX] != '\n') {
		free(text);
		return false;
	}
	end[1 + SL_SHA256_HEX] = '\0';
	cp->seq = v;
	memcpy(cp->hash, end + 1, sizeof(cp->hash));
	free(text);
	return is_hex64(cp->hash);
}

/* The chain starts after the records its last audit-prune record says
 * were removed (an edited audit.start cannot hide more). */
static enum sl_err prune_unrecorded(struct audit_verify_result *res, const char *const *paths,
		size_t n, uint64_t pruned)
{
	snprintf(res->file, sizeof(res->file), "%.*s", (int)sizeof(res->file) - 1,
			n ? paths[0] : "audit.log");
	res->line = 1;
	snprintf(res->problem, sizeof(res->problem), "records %llu to %llu are missing "
			"before line 1: they were deleted (the log's last audit-prune record "
			"says records up to %llu were removed)", (unsigned long long)pruned + 1,
			(unsigned long long)res->first_seq - 1, (unsigned long long)pruned);
	return SL_ERR_AUDIT_CHAIN;
}

/* The record audit.start names must carry the hash it names. */
static enum sl_err check_start(struct audit_verify_result *res, const char *const *paths,
		const struct item *cur, const struct audit_start *start)
{
	if (!start->present || cur->ri.seq != start->seq ||
			strcmp(cur->ri.prev, start->prev) == 0)
		return SL_OK;
	return report(res, paths, cur, "record %llu (line %llu) does not match "
			"audit.start: the start of the log was replaced",
			(unsigned long long)cur->ri.seq, (unsigned long long)cur->line);
}

/* audit.start beside the last path; a damaged one is a problem. */
static enum sl_err read_start(const char *const *paths, size_t n, struct audit_start *start,
		struct audit_verify_result *res)
{
	char dir[AUDIT_PATH_MAX];
	enum sl_err e;

	memset(start, 0, sizeof(*start));
	if (n == 0)
		return SL_OK;
	audit_dir_of_last(paths, n, dir, sizeof(dir));
	e = audit_start_read(dir, start);
	if (e == SL_OK || e == SL_ERR_NOT_FOUND)
		return SL_OK;
	snprintf(res->file, sizeof(res->file), "%.*s/audit.start",
			(int)sizeof(res->file) - 13, dir);
	snprintf(res->problem, sizeof(res->problem), "the start proof audit.start is "
			"damaged or unreadable");
	return SL_ERR_AUDIT_CHAIN;
}

/* Records after the last one were deleted, as the agent's state shows. */
static enum sl_err anchor_deleted(struct audit_verify_result *res, const char *const *paths,
		const struct item *last, const struct audit_anchor *anchor)
{
	unsigned long long from = res->last_seq + 1, to = anchor->seq;

	if (last->present) {
		report(res, paths, last, "records %llu to %llu after line %llu were deleted "
				"(the agent's state.json says the log reached %llu)", from, to,
				(unsigned long long)last->line, to);
	} else {
		snprintf(res->file, sizeof(res->file), "%.*s", (int)sizeof(res->file) - 1,
				anchor->path);
		snprintf(res->problem, sizeof(res->problem), "every record was deleted (the "
				"agent's state.json says the log reached %llu)", to);
	}
	return SL_ERR_AUDIT_CHAIN;
}

enum sl_err audit_verify_files(const char *const *paths, size_t n,
		struct audit_verify_result *res)
{
	struct reader r = {paths, n, 0, NULL, 0, NULL, 0};
	struct item prev2 = {0}, prev = {0}, cur, next;
	struct checkpoint cp;
	struct audit_anchor anchor;
	struct audit_start start;
	uint64_t pruned = 0;    /* what the last audit-prune record removed */
	enum sl_err e = SL_OK;
	int rc;

	memset(res, 0, sizeof(*res));
	audit_anchor_read_beside(paths, n, &anchor);
	e = read_start(paths, n, &start, res);
	if (e != SL_OK)
		return e;
	if (!read_checkpoint(paths, n, &cp)) {
		snprintf(res->file, sizeof(res->file), "%.*s", (int)sizeof(res->file) - 1, cp.path);
		snprintf(res->problem, sizeof(res->problem), "the checkpoint audit.head is "
				"damaged");
		return SL_ERR_AUDIT_CHAIN;
	}
	rc = reader_next(&r, &cur);
	while (rc == 1) {
		rc = reader_next(&r, &next);
		if (rc < 0)
			break;
		e = check_item(res, paths, &prev2, &prev, &cur, &next, &start);
		if (e == SL_OK)
			e = check_start(res, paths, &cur, &start);
		if (e != SL_OK)
			goto out;
		if (cp.present && cur.ri.seq == cp.seq && strcmp(cur.ri.hash, cp.hash) != 0) {
			e = report(res, paths, &cur, "record %llu (line %llu) was edited: it no "
					"longer matches the checkpoint in audit.head",
					(unsigned long long)cur.ri.seq, (unsigned long long)cur.line);
			goto out;
		}
		if (anchor.present && cur.ri.seq == anchor.seq &&
				strcmp(cur.ri.hash, anchor.hash) != 0) {
			e = report(res, paths, &cur, "record %llu (line %llu) was edited or "
					"replaced: it no longer matches the agent's state.json",
					(unsigned long long)cur.ri.seq, (unsigned long long)cur.line);
			goto out;
		}
		if (cur.ri.pruned_to)
			pruned = cur.ri.pruned_to;
		if (res->records == 0)
			res->first_seq = cur.ri.seq;
		res->records++;
		res->last_seq = cur.ri.seq;
		prev2 = prev;
		prev = cur;
		cur = next;
		if (rc == 0)
			break;
	}
	if (rc < 0) {
		e = SL_ERR_IO;
		snprintf(res->problem, sizeof(res->problem), "cannot read %s",
				r.i < n ? paths[r.i] : "audit file");
		goto out;
	}
	if (cp.present && res->last_seq < cp.seq) {
		unsigned long long from = res->last_seq + 1, to = cp.seq;

		if (prev.present) {
			report(res, paths, &prev, "records %llu to %llu after line %llu were "
					"deleted (audit.head says the log reached %llu)", from, to,
					(unsigned long long)prev.line, to);
			if (from == to)
				snprintf(res->problem, sizeof(res->problem), "record %llu after "
						"line %llu was deleted (audit.head says the log reached "
						"%llu)", from, (unsigned long long)prev.line, to);
		} else {
			snprintf(res->file, sizeof(res->file), "%.*s", (int)sizeof(res->file) - 1, cp.path);
			snprintf(res->problem, sizeof(res->problem), "every record was deleted "
					"(audit.head says the log reached %llu)", to);
		}
		e = SL_ERR_AUDIT_CHAIN;
	}
	if (e == SL_OK && anchor.present && res->last_seq < anchor.seq)
		e = anchor_deleted(res, paths, &prev, &anchor);
	if (e == SL_OK && res->records && res->first_seq > pruned + 1)
		e = prune_unrecorded(res, paths, n, pruned);
	if (e == SL_OK && start.present && res->last_seq < start.seq) {
		snprintf(res->file, sizeof(res->file), "%.*s", (int)sizeof(res->file) - 1,
				n ? paths[n - 1] : "audit.log");
		snprintf(res->problem, sizeof(res->problem), "records from %llu on were "
				"deleted (audit.start says the log keeps %llu on)",
				(unsigned long long)start.seq, (unsigned long long)start.seq);
		e = SL_ERR_AUDIT_CHAIN;
	}
out:
	if (r.f)
		fclose(r.f);
	free(r.buf);
	return e;
}

/* ---- pages for the admin log-page operation ---- */

static uint64_t line_seq(const char *line)
{
	static const char prefix[] = "{\"v\":1,\"seq\":";
	unsigned long long v;
	char *end;

	if (strncmp(line, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	errno = 0;
	v = strtoull(line + sizeof(prefix) - 1, &end, 10);
	if (errno || *end != ',')
		return 0;
	return v;
}

enum sl_err audit_read_page(const char *dir, uint64_t from_seq, size_t max_records,
		size_t max_bytes, char ***lines, size_t *n, uint64_t *next_seq)
{
	char **paths = NULL, **out = NULL;
	size_t npaths = 0, count = 0, bytes = 0, start = 0, cap = 0;
	char *buf = NULL;
	size_t bufcap = 0;
	enum sl_err e;

	*lines = NULL;
	*n = 0;
	*next_seq = 0;
	e = audit_list_files(dir, &paths, &npaths);
	if (e != SL_OK)
		return e;
	for (size_t i = 0; i < npaths; i++) {
		uint64_t num;
		const char *base = strrchr(paths[i], '/');

		base = base ? base + 1 : paths[i];
		if (rotated_number(base, &num) && num <= from_seq)
			start = i;
	}
	for (size_t i = start; i < npaths; i++) {
		FILE *f = fopen(paths[i], "re");
		ssize_t len;

		if (!f) {
			e = SL_ERR_IO;
			goto fail;
		}
		while ((len = getline(&buf, &bufcap, f)) > 0) {
			uint64_t seq;

			if (buf[len - 1] != '\n')
				break;
			buf[--len] = '\0';
			seq = line_seq(buf);
			if (seq < from_seq || seq == 0)
				continue;
			if (count >= max_records || bytes + (size_t)len > max_bytes) {
				*next_seq = seq;
				fclose(f);
				goto done;
			}
			if (count == cap) {
				size_t ncap = cap ? cap * 2 : 32;
				char **no = realloc(out, ncap * sizeof(*out));

				if (!no) {
					fclose(f);
					e = SL_ERR_NOMEM;
					goto fail;
				}
				out = no;
				cap = ncap;
			}
			out[count] = strdup(buf);
			if (!out[count]) {
				fclose(f);
				e = SL_ERR_NOMEM;
				goto fail;
			}
			count++;
			bytes += (size_t)len;
		}
		fclose(f);
	}
done:
	free(buf);
	audit_free_paths(paths, npaths);
	*lines = out;
	*n = count;
	return SL_OK;
fail:
	free(buf);
	audit_free_paths(out, count);
	audit_free_paths(paths, npaths);
	return e;
}

bool audit_line_valid(const char *line, size_t len, uint64_t *seq, char hash[SL_SHA256_HEX + 1])
{
	struct rec_info ri;

	parse_record(line, len, &ri);
	if (!ri.valid)
		return false;
	if (seq)
		*seq = ri.seq;
	if (hash)
		memcpy(hash, ri.hash, sizeof(ri.hash));
	return true;
}

const char *audit_last_hash(const struct audit_log *log)
{
	return log->head;
}

enum sl_err audit_sync(struct audit_log *log)
{
	if (log->fd < 0)
		return SL_ERR_IO;
	return fdatasync(log->fd) == 0 ? SL_OK : sl_err_from_errno(errno);
}
