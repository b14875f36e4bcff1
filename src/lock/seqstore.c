/* seqstore.c - persist a mark at or above every accepted command sequence
 * number, a block at a time: one fixed-width file, rewritten in place (see
 * seqstore.h for why). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/atomicfile.h"
#include "smartlock/config.h"

#include "seqstore.h"

#define SEQSTORE_FILE_MAX 1024
#define STR_(x) #x
#define STR(x) STR_(x)
#define SEQ_HEAD "# smartlock-lockd: refuse commands up to\nlast_seq = "

_Static_assert(sizeof(SEQ_HEAD) - 1 + SEQSTORE_DIGITS + 1 == SEQSTORE_FILE_LEN,
		"SEQSTORE_FILE_LEN is the length of the fixed-width text");
/* INT64_MAX has 19 digits: every storable number fits the width. */
_Static_assert(SEQSTORE_DIGITS >= 19, "SEQSTORE_DIGITS too small for INT64_MAX");

struct seq_file {
	int64_t last_seq;
};

static const struct sl_config_key seq_keys[] = {
	{ .name = "last_seq", .type = SL_CFG_INT, .required = true,
	  .offset = offsetof(struct seq_file, last_seq), .min = 0, .max = INT64_MAX },
};

/* The fixed-width text for seq into text (SEQSTORE_FILE_LEN bytes + NUL). */
static enum sl_err format_text(char text[SEQSTORE_FILE_LEN + 1], uint64_t seq)
{
	int n = snprintf(text, SEQSTORE_FILE_LEN + 1, SEQ_HEAD "%0*" PRIu64 "\n",
			SEQSTORE_DIGITS, seq);

	return n == SEQSTORE_FILE_LEN ? SL_OK : SL_ERR_INTERNAL;
}

/* True when sb is a regular file of the fixed length still linked
 * somewhere: one an in-place write keeps valid. */
static bool in_place(const struct stat *sb)
{
	return S_ISREG(sb->st_mode) && sb->st_nlink > 0 && sb->st_size == SEQSTORE_FILE_LEN;
}

static bool fd_in_place(int fd)
{
	struct stat sb;

	return fstat(fd, &sb) == 0 && in_place(&sb);
}

/* True when fd is in place and is still the file at path: not removed,
 * renamed away or replaced (neither fstat() nor a cached stat() does disk
 * I/O). */
static bool fd_at_path(int fd, const char *path)
{
	struct stat fsb, psb;

	return fstat(fd, &fsb) == 0 && in_place(&fsb) && stat(path, &psb) == 0 &&
			fsb.st_dev == psb.st_dev && fsb.st_ino == psb.st_ino;
}

/* Open path for in-place writes into *fd; *why says why not. */
static enum sl_err open_fd(const char *path, int *fd, const char **why)
{
	int f = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (f < 0) {
		*why = strerror(errno);
		return sl_err_from_errno(errno);
	}
	if (!fd_in_place(f)) {
		close(f);
		*why = "not a regular file of " STR(SEQSTORE_FILE_LEN) " bytes";
		errno = EIO;
		return SL_ERR_IO;
	}
	*fd = f;
	return SL_OK;
}

static enum sl_err pwrite_all(int fd, const char *p, size_t len)
{
	off_t off = 0;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sl_err_from_errno(errno);
		}
		if (n == 0) {
			errno = EIO;
			return SL_ERR_IO;
		}
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return SL_OK;
}

static enum sl_err datasync(int fd)
{
	while (fdatasync(fd) != 0) {
		if (errno != EINTR)
			return SL_ERR_IO;
	}
	return SL_OK;
}

/* The slow path: write text whole with atomic_write_file() and reopen. */
static enum sl_err rewrite_whole(struct seq_store *st, const char *text)
{
	const char *why;
	enum sl_err rc;
	int fd;

	rc = atomic_write_file(st->path, text, SEQSTORE_FILE_LEN, 0600);
	if (rc != SL_OK)
		return rc;
	rc = open_fd(st->path, &fd, &why);
	if (rc != SL_OK)
		return rc;
	if (st->fd >= 0)
		close(st->fd);
	st->fd = fd;
	return SL_OK;
}

enum sl_err seqstore_open(struct seq_store *st, const char *path, char *msg, size_t msg_size)
{
	struct sl_config_error cerr;
	struct seq_file f = { .last_seq = 0 };
	char want[SEQSTORE_FILE_LEN + 1];
	char *text = NULL;
	const char *why;
	size_t len = 0;
	bool missing, rewrite;
	enum sl_err rc;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	if (!path || strlen(path) >= sizeof(st->path)) {
		snprintf(msg, msg_size, "state file path is empty or too long");
		return SL_ERR_INVAL;
	}
	rc = atomic_read_file(path, SEQSTORE_FILE_MAX, &text, &len);
	missing = rc == SL_ERR_NOT_FOUND;
	if (rc != SL_OK && !missing) {
		snprintf(msg, msg_size, "%s: cannot read state file: %s", path, sl_strerror(rc));
		return rc;
	}
	if (!missing) {
		rc = config_parse(text, len, path, seq_keys,
				sizeof(seq_keys) / sizeof(seq_keys[0]), &f, &cerr);
		if (rc != SL_OK) {
			free(text);
			config_error_format(&cerr, msg, msg_size);
			return rc;
		}
	}
	rc = format_text(want, (uint64_t)f.last_seq);
	rewrite = missing || len != SEQSTORE_FILE_LEN || memcmp(text, want, len) != 0;
	free(text);
	if (rc != SL_OK) {
		snprintf(msg, msg_size, "%s: %s", path, sl_strerror(rc));
		return rc;
	}
	if (rewrite) {
		rc = atomic_write_file(path, want, SEQSTORE_FILE_LEN, 0600);
		if (rc != SL_OK) {
			snprintf(msg, msg_size, "%s: cannot %s state file: %s", path,
					missing ? "create" : "rewrite", sl_strerror(rc));
			return rc;
		}
	}
	rc = open_fd(path, &st->fd, &why);
	if (rc != SL_OK) {
		snprintf(msg, msg_size, "%s: cannot open state file for writing: %s", path, why);
		return rc;
	}
	/* Only an open store has a path: seqstore_accept() refuses without. */
	strcpy(st->path, path);
	st->last = (uint64_t)f.last_seq;
	st->reserved = st->last;
	return SL_OK;
}

bool seqstore_is_newer(const struct seq_store *st, uint64_t seq)
{
	return seq > st->last;
}

/* The mark that reserves seq and the SEQSTORE_BLOCK - 1 after it. */
static uint64_t block_mark(uint64_t seq)
{
	return seq > (uint64_t)INT64_MAX - (SEQSTORE_BLOCK - 1) ? (uint64_t)INT64_MAX :
			seq + (SEQSTORE_BLOCK - 1);
}

enum sl_err seqstore_accept(struct seq_store *st, uint64_t seq)
{
	char text[SEQSTORE_FILE_LEN + 1];
	uint64_t mark;
	bool here;
	enum sl_err rc;

	if (!seqstore_is_newer(st, seq) || seq > INT64_MAX)
		return SL_ERR_RANGE;
	if (st->path[0] == '\0')
		return SL_ERR_INVAL;
	here = st->fd >= 0 && fd_at_path(st->fd, st->path);
	/* Inside the reserved block, with the file still where it was: nothing
	 * to write. */
	if (seq <= st->reserved && here) {
		st->last = seq;
		return SL_OK;
	}
	mark = seq <= st->reserved ? st->reserved : block_mark(seq);
	rc = format_text(text, mark);
	if (rc != SL_OK)
		return rc;
	if (here) {
		rc = pwrite_all(st->fd, text, SEQSTORE_FILE_LEN);
		if (rc == SL_OK)
			rc = datasync(st->fd);
	} else {
		/* Removed, replaced or resized behind our back (or the last
		 * reopen failed): never write to a file nobody will read. */
		rc = rewrite_whole(st, text);
	}
	if (rc != SL_OK)
		return rc;
	st->reserved = mark;
	st->last = seq;
	return SL_OK;
}

void seqstore_close(struct seq_store *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	st->path[0] = '\0';
}
