/* audit_repair.c - move a torn or NUL-padded tail of the live audit log
 * aside after a power cut (see audit.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/atomicfile.h"
#include "smartlock/audit.h"
#include "smartlock/timeutil.h"

/* The seq of <dir>/audit.head: 0 when there is none; SL_ERR_AUDIT_CHAIN
 * when it is there but unreadable as a checkpoint. */
static enum sl_err checkpoint_seq(const char *dir, uint64_t *seq)
{
	char path[600], *text = NULL, *end;
	enum sl_err e;

	*seq = 0;
	snprintf(path, sizeof(path), "%s/audit.head", dir);
	e = atomic_read_file(path, 256, &text, NULL);
	if (e == SL_ERR_NOT_FOUND)
		return SL_OK;   /* the anchor may still name one */
	if (e != SL_OK)
		return e;
	errno = 0;
	*seq = strtoull(text, &end, 10);
	e = errno || end == text || *end != ' ' ? SL_ERR_AUDIT_CHAIN : SL_OK;
	free(text);
	return e;
}

/* The last record known to be on disk: the later of audit.head and the
 * agent's anchor. */
static enum sl_err durable_seq(const char *dir, uint64_t *seq)
{
	struct audit_anchor anchor;
	enum sl_err e = checkpoint_seq(dir, seq);

	if (e == SL_OK && audit_anchor_read(dir, &anchor) == SL_OK && anchor.seq > *seq)
		*seq = anchor.seq;
	return e;
}

/* In buf (the file's last len bytes, starting at file offset off), the
 * offset just after the last valid record, and its seq. -1 when the
 * window holds none and the file goes on before it. */
static int64_t last_good_end(const char *buf, size_t len, off_t off, uint64_t *seq)
{
	size_t pos = len;

	*seq = 0;
	for (;;) {
		const char *nl;
		size_t start;

		/* drop a last line with no newline (torn, NUL bytes) */
		while (pos > 0 && buf[pos - 1] != '\n')
			pos--;
		if (pos == 0)
			return off == 0 ? 0 : -1;
		nl = pos > 1 ? memrchr(buf, '\n', pos - 1) : NULL;
		if (!nl && off > 0)
			return -1;      /* the line may begin before the window */
		start = nl ? (size_t)(nl - buf) + 1 : 0;
		if (audit_line_valid(buf + start, pos - 1 - start, seq, NULL))
			return (int64_t)off + (int64_t)pos;
		pos = start;
	}
}

/* Copy the bytes after cut into a new quarantine file, then cut the log. */
static enum sl_err move_aside(const char *dir, int fd, const char *tail, size_t n,
		off_t cut, struct audit_repair *rep)
{
	enum sl_err e;

	snprintf(rep->quarantine, sizeof(rep->quarantine), "%s/audit.torn-%" PRId64, dir,
			time_now_ms());
	e = atomic_create_file(rep->quarantine, tail, n, 0600);
	if (e != SL_OK)
		return e;
	if (ftruncate(fd, cut) != 0 || fsync(fd) != 0)
		return sl_err_from_errno(errno);
	rep->bytes = n;
	return SL_OK;
}

enum sl_err audit_repair_tail(const char *dir, struct audit_repair *rep)
{
	char path[600], *buf = NULL;
	uint64_t head, kept;
	struct stat st;
	enum sl_err e;
	size_t len;
	off_t off;
	int64_t cut;
	int fd;

	memset(rep, 0, sizeof(*rep));
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	e = durable_seq(dir, &head);
	if (e != SL_OK)
		return e;
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SL_OK : sl_err_from_errno(errno);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		e = SL_ERR_IO;
		goto out;
	}
	len = (size_t)(st.st_size < SL_AUDIT_REPAIR_WINDOW ? st.st_size : SL_AUDIT_REPAIR_WINDOW);
	off = st.st_size - (off_t)len;
	buf = malloc(len + 1);
	if (!buf) {
		e = SL_ERR_NOMEM;
		goto out;
	}
	if (pread(fd, buf, len, off) != (ssize_t)len) {
		e = SL_ERR_IO;
		goto out;
	}
	cut = last_good_end(buf, len, off, &kept);
	rep->kept_seq = kept;
	if (cut < 0 || (cut < st.st_size && kept < head)) {
		e = SL_ERR_AUDIT_CHAIN;         /* not a crash's torn tail */
		goto out;
	}
	if (cut < st.st_size)
		e = move_aside(dir, fd, buf + (cut - off), (size_t)(st.st_size - cut), cut, rep);
out:
	free(buf);
	close(fd);
	return e;
}
