/* test_seqstore.c - the persisted mark at or above every accepted command
 * sequence number: reserved SEQSTORE_BLOCK seqs at a time, so a seq inside
 * the block costs no I/O and the first seq past it writes the new mark
 * (seq + SEQSTORE_BLOCK - 1) with one pwrite() and one fdatasync() in
 * place; the fixed-width file, restarts, and the failures.
 *
 * pwrite/pwrite64, fdatasync and fsync are linked with -Wl,--wrap=<name>
 * (tests/lockd/meson.build): the wraps count calls and can inject EINTR,
 * short writes and errors, then pass through to the real calls. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "seqstore.h"

#define HEAD "# smartlock-lockd: refuse commands up to\nlast_seq = "
/* What releases before the block reservation wrote (same length). */
#define OLD_HEAD "# smartlock-lockd: last accepted command\nlast_seq = "

/* The mark written when seq is the first past the reserved block (spelled
 * out here, not taken from seqstore.c). */
#define MARK(seq) ((uint64_t)(seq) + 1023)

/* ---- the faked calls ---- */

static struct {
	int pwrites;            /* calls, EINTRs included */
	int eintr;              /* fail this many next pwrites with EINTR */
	size_t max;             /* write at most this much per call (0: all) */
	int pwrite_errno;       /* fail every pwrite with it (0: no) */
	int fdatasyncs;
	int fdatasync_errno;    /* fail every fdatasync with it (0: no) */
	int fsyncs;
} fake;

ssize_t __real_pwrite(int fd, const void *buf, size_t n, __off_t off);
ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, __off_t off);
ssize_t __real_pwrite64(int fd, const void *buf, size_t n, __off64_t off);
ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, __off64_t off);
int __real_fdatasync(int fd);
int __wrap_fdatasync(int fd);
int __real_fsync(int fd);
int __wrap_fsync(int fd);

/* Whether to fail, and how much to let through. */
static bool fake_pwrite(size_t *n)
{
	fake.pwrites++;
	if (fake.eintr > 0) {
		fake.eintr--;
		errno = EINTR;
		return false;
	}
	if (fake.pwrite_errno) {
		errno = fake.pwrite_errno;
		return false;
	}
	if (fake.max && *n > fake.max)
		*n = fake.max;
	return true;
}

ssize_t __wrap_pwrite(int fd, const void *buf, size_t n, __off_t off)
{
	return fake_pwrite(&n) ? __real_pwrite(fd, buf, n, off) : -1;
}

ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, __off64_t off)
{
	return fake_pwrite(&n) ? __real_pwrite64(fd, buf, n, off) : -1;
}

int __wrap_fdatasync(int fd)
{
	fake.fdatasyncs++;
	if (fake.fdatasync_errno) {
		errno = fake.fdatasync_errno;
		return -1;
	}
	return __real_fdatasync(fd);
}

int __wrap_fsync(int fd)
{
	fake.fsyncs++;
	return __real_fsync(fd);
}

/* ---- fixture and helpers ---- */

struct fixture {
	char dir[64];
	char path[128];
	struct seq_store st;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memset(&fake, 0, sizeof(fake));
	strcpy(f->dir, "/tmp/smartlock-seq-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/lockd.state", f->dir);
	f->st.fd = -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	seqstore_close(&f->st);
	unlink(f->path);
	chmod(f->dir, 0700);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* The whole file as a string (static buffer). */
static const char *read_back(const char *path)
{
	static char buf[256];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

static const char *padded(uint64_t seq)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), HEAD "%020llu\n", (unsigned long long)seq);
	return buf;
}

/* The fixed-width file as the releases before the reservation wrote it. */
static const char *padded_old(uint64_t seq)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), OLD_HEAD "%020llu\n", (unsigned long long)seq);
	return buf;
}

/* Start counting the store's writes afresh (failure injection untouched). */
static void reset_counts(void)
{
	fake.pwrites = 0;
	fake.fdatasyncs = 0;
	fake.fsyncs = 0;
}

/* Whether the disk write calls made since reset_counts() were these. */
#define assert_io(pw, ds, fs) do { \
		assert_int_equal(fake.pwrites, (pw)); \
		assert_int_equal(fake.fdatasyncs, (ds)); \
		assert_int_equal(fake.fsyncs, (fs)); \
	} while (0)

static struct stat stat_of(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb;
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* ---- tests ---- */

static void missing_file_is_created_padded_with_zero(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	struct stat sb;

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(f->st.last, 0);
	assert_int_equal(f->st.reserved, 0);
	sb = stat_of(f->path);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, SEQSTORE_FILE_LEN);
	assert_string_equal(read_back(f->path), padded(0));
	assert_int_equal(strlen(padded(0)), SEQSTORE_FILE_LEN);
	assert_false(seqstore_is_newer(&f->st, 0));
	assert_true(seqstore_is_newer(&f->st, 1));
	/* Kept open for writing, not inherited by a child. */
	assert_true(f->st.fd >= 0);
	assert_true(fcntl(f->st.fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fcntl(f->st.fd, F_GETFL) & O_ACCMODE, O_WRONLY);
}

static void old_format_file_loads_and_is_rewritten_padded(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	struct stat before, after;

	write_file(f->path, "# smartlock-lockd: last accepted command\nlast_seq = 42\n");
	chmod(f->path, 0644);
	before = stat_of(f->path);
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	/* The old last accepted seq becomes the mark. */
	assert_int_equal(f->st.last, 42);
	assert_int_equal(f->st.reserved, 42);
	assert_string_equal(read_back(f->path), padded(42));
	after = stat_of(f->path);
	assert_int_equal(after.st_size, SEQSTORE_FILE_LEN);
	assert_int_equal(after.st_mode & 0777, 0600);
	/* Written whole (atomic_write_file: a new inode, fsynced). */
	assert_true(after.st_ino != before.st_ino);
	assert_true(fake.fsyncs > 0);
	seqstore_close(&f->st);

	/* The previous release's fixed-width file, under the old comment: same
	 * length, still valid, rewritten once under the new comment. */
	write_file(f->path, padded_old(1795313943025ULL));
	assert_int_equal(strlen(padded_old(0)), SEQSTORE_FILE_LEN);
	before = stat_of(f->path);
	reset_counts();
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(f->st.last, 1795313943025ULL);
	assert_int_equal(f->st.reserved, 1795313943025ULL);
	assert_string_equal(read_back(f->path), padded(1795313943025ULL));
	assert_true(stat_of(f->path).st_ino != before.st_ino);
	assert_true(fake.fsyncs > 0);
	assert_int_equal(fake.pwrites, 0);
	seqstore_close(&f->st);

	/* Any other parseable form is normalised too. */
	write_file(f->path, "  last_seq =  1795313943025  \n# a comment\n");
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(f->st.last, 1795313943025ULL);
	assert_string_equal(read_back(f->path), padded(1795313943025ULL));
	seqstore_close(&f->st);

	/* The fixed-width form is left alone: same inode, nothing written. */
	before = stat_of(f->path);
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(f->st.last, 1795313943025ULL);
	assert_int_equal(f->st.reserved, 1795313943025ULL);
	assert_true(stat_of(f->path).st_ino == before.st_ino);
	assert_int_equal(fake.fsyncs + fake.pwrites + fake.fdatasyncs, 0);
}

static void accepted_seq_survives_a_restart(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 41), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 42), SL_OK);
	assert_int_equal(f->st.last, 42);
	assert_int_equal(f->st.reserved, MARK(41));
	/* On disk: the mark, at or above every accepted seq. */
	assert_string_equal(read_back(f->path), padded(MARK(41)));

	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, MARK(41));
	assert_false(seqstore_is_newer(&again, 41));
	assert_false(seqstore_is_newer(&again, 42));
	assert_true(seqstore_is_newer(&again, MARK(41) + 1));
	seqstore_close(&again);

	/* What the protocol cannot carry is refused, nothing written. */
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX + 1), SL_ERR_RANGE);
	assert_int_equal(seqstore_accept(&f->st, UINT64_MAX), SL_ERR_RANGE);
	assert_io(0, 0, 0);
	assert_int_equal(f->st.last, 42);
	assert_string_equal(read_back(f->path), padded(MARK(41)));
}

/* New behaviour 1: seqs inside the reserved block cost no disk write. */
static void seqs_inside_the_block_write_nothing(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	struct stat first;

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 1), SL_OK);
	assert_int_equal(f->st.reserved, MARK(1));
	assert_int_equal(MARK(1), 1024);
	first = stat_of(f->path);
	reset_counts();
	/* Every seq of the block, one after another... */
	for (uint64_t seq = 2; seq <= 500; seq++) {
		assert_int_equal(seqstore_accept(&f->st, seq), SL_OK);
		assert_int_equal(f->st.last, seq);
	}
	/* ... and jumps, up to the mark itself. */
	assert_int_equal(seqstore_accept(&f->st, 900), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, MARK(1) - 1), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, MARK(1)), SL_OK);
	assert_int_equal(f->st.last, MARK(1));
	assert_io(0, 0, 0);
	/* The mark is still what the file holds, in the same inode. */
	assert_int_equal(f->st.reserved, MARK(1));
	assert_string_equal(read_back(f->path), padded(MARK(1)));
	assert_true(stat_of(f->path).st_ino == first.st_ino);
	/* Refusals inside the block do not move last back. */
	assert_int_equal(seqstore_accept(&f->st, 900), SL_ERR_RANGE);
	assert_int_equal(f->st.last, MARK(1));
	assert_io(0, 0, 0);
}

/* New behaviour 2: the first seq past the mark writes seq + 1023, with
 * one pwrite of the whole text and one fdatasync, in place. */
static void new_mark_is_one_pwrite_and_one_fdatasync_in_place(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	struct stat first, sb;
	uint64_t seq = 1;

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	first = stat_of(f->path);
	memset(&fake, 0, sizeof(fake));
	for (int i = 0; i < 12; i++) {
		reset_counts();
		assert_int_equal(seqstore_accept(&f->st, seq), SL_OK);
		assert_io(1, 1, 0);
		assert_int_equal(f->st.last, seq);
		assert_int_equal(f->st.reserved, MARK(seq));
		sb = stat_of(f->path);
		assert_int_equal(sb.st_size, SEQSTORE_FILE_LEN);
		assert_true(sb.st_ino == first.st_ino);
		assert_string_equal(read_back(f->path), padded(MARK(seq)));
		/* Next: exactly one past the mark, then ever larger jumps. */
		seq = i < 4 ? MARK(seq) + 1 : seq * 10 + 7;
	}
	/* No temporary file, rename or directory sync on this path. */
	assert_int_equal(fake.fsyncs, 0);
}

/* New behaviour 3: a restart resumes from the mark, so the whole block that
 * was reserved before it stays refused. */
static void restart_refuses_every_seq_up_to_the_mark(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5000), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5001), SL_OK);
	seqstore_close(&f->st);

	reset_counts();
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(f->st.last, MARK(5000));
	assert_int_equal(f->st.reserved, MARK(5000));
	assert_false(seqstore_is_newer(&f->st, 5001));
	assert_false(seqstore_is_newer(&f->st, 5002));
	for (uint64_t seq = 0; seq <= MARK(5000); seq += 7)
		assert_false(seqstore_is_newer(&f->st, seq));
	assert_false(seqstore_is_newer(&f->st, MARK(5000)));
	assert_int_equal(seqstore_accept(&f->st, 5002), SL_ERR_RANGE);
	assert_int_equal(seqstore_accept(&f->st, MARK(5000)), SL_ERR_RANGE);
	assert_io(0, 0, 0);

	/* mark + 1 is accepted, and reserves the next block at once. */
	assert_true(seqstore_is_newer(&f->st, MARK(5000) + 1));
	assert_int_equal(seqstore_accept(&f->st, MARK(5000) + 1), SL_OK);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.last, MARK(5000) + 1);
	assert_int_equal(f->st.reserved, MARK(MARK(5000) + 1));
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5000) + 1)));
}

static void older_or_equal_seq_is_refused_and_nothing_written(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 10), SL_OK);
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(seqstore_accept(&f->st, 10), SL_ERR_RANGE);
	assert_int_equal(seqstore_accept(&f->st, 9), SL_ERR_RANGE);
	assert_int_equal(seqstore_accept(&f->st, 0), SL_ERR_RANGE);
	assert_int_equal(fake.pwrites + fake.fdatasyncs + fake.fsyncs, 0);
	assert_int_equal(f->st.last, 10);
	assert_int_equal(f->st.reserved, MARK(10));
	assert_string_equal(read_back(f->path), padded(MARK(10)));
}

static void interrupted_and_short_writes_are_completed(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 99999), SL_OK);
	fake.eintr = 2;
	fake.max = 10;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 123456789), SL_OK);
	/* 2 EINTRs, then 73 bytes 10 at a time; one fdatasync. */
	assert_io(2 + (SEQSTORE_FILE_LEN + 9) / 10, 1, 0);
	assert_int_equal(f->st.last, 123456789);
	assert_int_equal(f->st.reserved, MARK(123456789));
	assert_string_equal(read_back(f->path), padded(MARK(123456789)));
	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, MARK(123456789));
	seqstore_close(&again);
}

/* A failed write of the new mark: error, last and reserved as they were, the
 * file at the old mark, and the same seq writes the mark again once the disk
 * works (reserved did not move, or nothing would be written). */
static void failed_pwrite_leaves_last_unchanged(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	fake.pwrite_errno = EIO;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_ERR_IO);
	assert_int_equal(errno, EIO);
	assert_int_equal(f->st.last, 5);
	assert_int_equal(f->st.reserved, MARK(5));
	assert_true(seqstore_is_newer(&f->st, MARK(5) + 1));
	assert_true(fake.pwrites > 0);
	assert_int_equal(fake.fdatasyncs, 0);
	assert_string_equal(read_back(f->path), padded(MARK(5)));
	/* Inside the block already on disk nothing is written: still fine. */
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 6), SL_OK);
	assert_io(0, 0, 0);
	assert_int_equal(f->st.last, 6);
	/* The store still works once the disk does. */
	fake.pwrite_errno = 0;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_OK);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.last, MARK(5) + 1);
	assert_int_equal(f->st.reserved, MARK(MARK(5) + 1));
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 1)));
}

static void failed_fdatasync_leaves_last_unchanged(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	fake.fdatasync_errno = EIO;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_ERR_IO);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.last, 5);
	assert_int_equal(f->st.reserved, MARK(5));
	assert_true(seqstore_is_newer(&f->st, MARK(5) + 1));
	/* Not made durable, so not reserved: the next seq past the old mark
	 * writes (and syncs) again. */
	fake.fdatasync_errno = 0;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 2), SL_OK);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.last, MARK(5) + 2);
	assert_int_equal(f->st.reserved, MARK(MARK(5) + 2));
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 2)));
}

static void write_refused_by_the_kernel_leaves_last_unchanged(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int ro;

	/* No fakes: the store's descriptor becomes a read-only one on the same
	 * file, so the real pwrite() fails (EBADF), as root too. */
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	ro = open(f->path, O_RDONLY | O_CLOEXEC);
	assert_true(ro >= 0);
	assert_true(dup2(ro, f->st.fd) == f->st.fd);
	close(ro);
	/* Inside the block nothing is written, so nothing fails. */
	assert_int_equal(seqstore_accept(&f->st, 6), SL_OK);
	assert_int_equal(f->st.last, 6);
	/* Past it the mark must be written, and that fails. */
	assert_int_not_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_OK);
	assert_int_equal(errno, EBADF);
	assert_int_equal(f->st.last, 6);
	assert_int_equal(f->st.reserved, MARK(5));
	assert_true(seqstore_is_newer(&f->st, MARK(5) + 1));
	assert_string_equal(read_back(f->path), padded(MARK(5)));
}

static void failed_write_leaves_the_store_unchanged(void **state)
{
	struct fixture *f = *state;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	/* The directory disappears (root writes through any mode bits): the
	 * open file is unlinked, so the store must not write into it, not even
	 * for a seq inside the block it reserved there. */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rmdir(f->dir), 0);
	reset_counts();
	assert_int_not_equal(seqstore_accept(&f->st, 6), SL_OK);
	assert_int_not_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_OK);
	assert_int_equal(fake.pwrites + fake.fdatasyncs, 0);
	assert_int_equal(f->st.last, 5);
	assert_int_equal(f->st.reserved, MARK(5));
	assert_true(seqstore_is_newer(&f->st, 6));
}

static void removed_or_resized_file_is_written_whole_again(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char msg[256], other[160];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	/* Removed while open: written whole again, not into the old inode,
	 * with the current mark (6 is inside the block). */
	assert_int_equal(unlink(f->path), 0);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 6), SL_OK);
	assert_true(fake.fsyncs > 0);
	assert_int_equal(fake.pwrites, 0);
	assert_string_equal(read_back(f->path), padded(MARK(5)));
	assert_int_equal(stat_of(f->path).st_mode & 0777, 0600);
	assert_int_equal(f->st.last, 6);
	assert_int_equal(f->st.reserved, MARK(5));
	/* ... and nothing to write inside the block after that ... */
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 7), SL_OK);
	assert_io(0, 0, 0);
	/* ... and the next mark in place, on the new file. */
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_OK);
	assert_io(1, 1, 0);
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 1)));
	/* Truncated in place: written whole again too, inside the block. */
	assert_int_equal(truncate(f->path, 0), 0);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 2), SL_OK);
	assert_true(fake.fsyncs > 0);
	assert_int_equal(stat_of(f->path).st_size, SEQSTORE_FILE_LEN);
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 1)));
	/* Replaced by another file (a lower number): the mark is restored. */
	snprintf(other, sizeof(other), "%s/other", f->dir);
	write_file(other, padded(0));
	assert_int_equal(rename(other, f->path), 0);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 3), SL_OK);
	assert_true(fake.fsyncs > 0);
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 1)));
	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, MARK(MARK(5) + 1));
	seqstore_close(&again);
}

/* New behaviour 4: a file removed while running holds nothing the next
 * start reads, so the next accept, even inside the block, puts the current
 * mark back at path: every seq accepted stays refused after a restart. */
static void removed_file_is_rewritten_with_the_mark_inside_the_block(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 100), SL_OK);
	assert_int_equal(unlink(f->path), 0);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 101), SL_OK);
	/* A write was needed although 101 is inside the block. */
	assert_true(fake.fsyncs > 0);
	assert_int_equal(f->st.reserved, MARK(100));
	assert_string_equal(read_back(f->path), padded(MARK(100)));
	assert_int_equal(seqstore_accept(&f->st, 102), SL_OK);

	/* A restart now: 100..102 (and the rest of the block) stay refused. */
	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, MARK(100));
	assert_false(seqstore_is_newer(&again, 101));
	assert_false(seqstore_is_newer(&again, 102));
	assert_false(seqstore_is_newer(&again, MARK(100)));
	assert_true(seqstore_is_newer(&again, MARK(100) + 1));
	seqstore_close(&again);
}

/* A file renamed away (still linked, so the descriptor alone looks fine)
 * is not the file the next start reads: the mark is written at path again
 * before a seq inside the block is accepted. */
static void renamed_file_is_rewritten_at_path(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char moved[160], msg[256];

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 5), SL_OK);
	snprintf(moved, sizeof(moved), "%s.bak", f->path);
	assert_int_equal(rename(f->path, moved), 0);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, 6), SL_OK);
	assert_int_equal(fake.pwrites, 0);      /* written whole, not in place */
	assert_true(fake.fsyncs > 0);
	assert_string_equal(read_back(f->path), padded(MARK(5)));
	/* the mark moves on in the file at path, not in the renamed one */
	assert_int_equal(seqstore_accept(&f->st, MARK(5) + 1), SL_OK);
	assert_string_equal(read_back(f->path), padded(MARK(MARK(5) + 1)));
	assert_string_equal(read_back(moved), padded(MARK(5)));
	assert_int_equal(unlink(moved), 0);

	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_false(seqstore_is_newer(&again, 6));
	assert_false(seqstore_is_newer(&again, MARK(MARK(5) + 1)));
	seqstore_close(&again);
}

/* New behaviour 5: near the top of the range the mark stops at INT64_MAX
 * (the largest number the file may hold), and a failed mark write there
 * leaves the store as it was too. */
static void mark_is_capped_at_int64_max(void **state)
{
	struct fixture *f = *state;
	struct seq_store again;
	char msg[256];

	/* Exactly reaching INT64_MAX needs no cap. */
	write_file(f->path, padded((uint64_t)INT64_MAX - 1024));
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX - 1023), SL_OK);
	assert_int_equal(f->st.reserved, INT64_MAX);
	assert_string_equal(read_back(f->path), padded(INT64_MAX));
	seqstore_close(&f->st);

	/* One more would pass it: capped. */
	write_file(f->path, padded((uint64_t)INT64_MAX - 2000));
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	/* A failed write of the capped mark changes nothing. */
	fake.pwrite_errno = EIO;
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX - 1022), SL_ERR_IO);
	assert_int_equal(f->st.last, (uint64_t)INT64_MAX - 2000);
	assert_int_equal(f->st.reserved, (uint64_t)INT64_MAX - 2000);
	assert_string_equal(read_back(f->path), padded((uint64_t)INT64_MAX - 2000));
	fake.pwrite_errno = 0;
	fake.fdatasync_errno = EIO;
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX - 1022), SL_ERR_IO);
	assert_int_equal(f->st.last, (uint64_t)INT64_MAX - 2000);
	assert_int_equal(f->st.reserved, (uint64_t)INT64_MAX - 2000);
	fake.fdatasync_errno = 0;
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX - 1022), SL_OK);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.last, (uint64_t)INT64_MAX - 1022);
	assert_int_equal(f->st.reserved, INT64_MAX);
	assert_string_equal(read_back(f->path), padded(INT64_MAX));
	/* The largest seq is then inside the block; beyond it, refused. */
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, INT64_MAX), SL_OK);
	assert_io(0, 0, 0);
	assert_int_equal(f->st.last, INT64_MAX);
	assert_int_equal(seqstore_accept(&f->st, (uint64_t)INT64_MAX + 1), SL_ERR_RANGE);
	assert_io(0, 0, 0);
	/* And the file reads back (an uncapped mark would not parse). */
	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, INT64_MAX);
	assert_int_equal(again.reserved, INT64_MAX);
	seqstore_close(&again);
	seqstore_close(&f->st);

	/* A seq at the very top, from far below: one write of INT64_MAX. */
	write_file(f->path, padded(7));
	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	reset_counts();
	assert_int_equal(seqstore_accept(&f->st, INT64_MAX), SL_OK);
	assert_io(1, 1, 0);
	assert_int_equal(f->st.reserved, INT64_MAX);
	assert_string_equal(read_back(f->path), padded(INT64_MAX));
}

/* A write cut short leaves a prefix of the new text over the old one: it
 * must never read back as a number older than the old one. The pairs are
 * marks the store writes: each new one past the old. */
static void torn_write_never_reads_older(void **state)
{
	static const uint64_t pairs[][2] = {
		{ 0, MARK(1) }, { MARK(1), MARK(MARK(1) + 1) }, { 99, MARK(100) },
		{ 19999, MARK(20000) }, { MARK(123456789), MARK(987654321) },
		{ 1795313943025ULL, MARK(1795313943026ULL) },
		{ 999999999, MARK(1000000000000ULL) },
		{ (uint64_t)INT64_MAX - 2000, INT64_MAX },
	};
	struct fixture *f = *state;
	char msg[256], text[SEQSTORE_FILE_LEN + 1];

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char old[SEQSTORE_FILE_LEN + 1], new[SEQSTORE_FILE_LEN + 1];

		strcpy(old, padded(pairs[i][0]));
		strcpy(new, padded(pairs[i][1]));
		for (size_t k = 0; k <= SEQSTORE_FILE_LEN; k++) {
			memcpy(text, new, k);
			memcpy(text + k, old + k, SEQSTORE_FILE_LEN - k + 1);
			write_file(f->path, text);
			assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
			assert_true(f->st.last >= pairs[i][0]);
			assert_true(f->st.reserved >= pairs[i][0]);
			seqstore_close(&f->st);
		}
	}
}

static void damaged_file_is_an_error_not_a_reset(void **state)
{
	struct fixture *f = *state;
	char msg[256] = "";

	write_file(f->path, "last_seq = banana\n");
	assert_int_not_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, "last_seq"));
	assert_non_null(strstr(msg, f->path));
	/* A store that failed to open writes nothing, ever. */
	assert_int_equal(f->st.fd, -1);
	assert_int_equal(seqstore_accept(&f->st, 1), SL_ERR_INVAL);
	assert_string_equal(read_back(f->path), "last_seq = banana\n");
	write_file(f->path, "");
	assert_int_not_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	write_file(f->path, "last_seq = -1\n");
	assert_int_not_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	/* Past what a mark may be (what an uncapped block would give). */
	write_file(f->path, padded((uint64_t)INT64_MAX + 1));
	assert_int_not_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	/* A zeroed sector (a torn write that broke the syntax). */
	write_file(f->path, padded(42));
	{
		int fd = open(f->path, O_WRONLY);
		char zeros[8] = { 0 };

		assert_true(fd >= 0);
		assert_int_equal(pwrite(fd, zeros, sizeof(zeros), SEQSTORE_FILE_LEN - 12), 8);
		close(fd);
	}
	assert_int_not_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, f->path));
	assert_int_equal(f->st.fd, -1);
}

static void failed_write_via_missing_directory(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	char path[200];

	snprintf(path, sizeof(path), "%s/no-such-dir/lockd.state", f->dir);
	assert_int_not_equal(seqstore_open(&f->st, path, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, "cannot create state file"));
	assert_int_equal(f->st.fd, -1);
}

static void close_releases_the_file(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int before = open_fds(), fd;

	assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&f->st, 3), SL_OK);
	assert_int_equal(open_fds(), before + 1);
	fd = f->st.fd;
	seqstore_close(&f->st);
	assert_int_equal(f->st.fd, -1);
	assert_int_equal(fcntl(fd, F_GETFD), -1);
	assert_int_equal(open_fds(), before);
	seqstore_close(&f->st);         /* idempotent */
	/* A closed store writes nothing, inside its old block or past it. */
	memset(&fake, 0, sizeof(fake));
	assert_int_equal(seqstore_accept(&f->st, 4), SL_ERR_INVAL);
	assert_int_equal(seqstore_accept(&f->st, MARK(3) + 1), SL_ERR_INVAL);
	assert_int_equal(fake.pwrites + fake.fdatasyncs + fake.fsyncs, 0);
	assert_string_equal(read_back(f->path), padded(MARK(3)));
	/* Reopening an old store over and over leaks nothing. */
	for (int i = 0; i < 20; i++) {
		assert_int_equal(seqstore_open(&f->st, f->path, msg, sizeof(msg)), SL_OK);
		seqstore_close(&f->st);
	}
	assert_int_equal(open_fds(), before);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(missing_file_is_created_padded_with_zero),
		T(old_format_file_loads_and_is_rewritten_padded),
		T(accepted_seq_survives_a_restart),
		T(seqs_inside_the_block_write_nothing),
		T(new_mark_is_one_pwrite_and_one_fdatasync_in_place),
		T(restart_refuses_every_seq_up_to_the_mark),
		T(older_or_equal_seq_is_refused_and_nothing_written),
		T(interrupted_and_short_writes_are_completed),
		T(failed_pwrite_leaves_last_unchanged),
		T(failed_fdatasync_leaves_last_unchanged),
		T(write_refused_by_the_kernel_leaves_last_unchanged),
		T(failed_write_leaves_the_store_unchanged),
		T(removed_or_resized_file_is_written_whole_again),
		T(removed_file_is_rewritten_with_the_mark_inside_the_block),
		T(renamed_file_is_rewritten_at_path),
		T(mark_is_capped_at_int64_max),
		T(torn_write_never_reads_older),
		T(damaged_file_is_an_error_not_a_reset),
		T(failed_write_via_missing_directory),
		T(close_releases_the_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
