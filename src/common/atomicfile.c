/* atomicfile.c - crash-safe whole-file replacement and bounded file reads. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/atomicfile.h"

#define READ_CHUNK 4096

/* Split path into its directory ("." when none) and the temporary name
 * "<dir>/.<base>.XXXXXX". */
static enum sl_err make_names(const char *path, char dir[PATH_MAX], char tmp[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int n;

	if (*base == '\0')
		return SL_ERR_INVAL;
	if (!slash)
		n = snprintf(dir, PATH_MAX, ".");
	else if (slash == path)
		n = snprintf(dir, PATH_MAX, "/");
	else
		n = snprintf(dir, PATH_MAX, "%.*s", (int)(slash - path), path);
	if (n < 0 || n >= PATH_MAX)
		return SL_ERR_INVAL;
	n = snprintf(tmp, PATH_MAX, "%s/.%s.XXXXXX", dir, base);
	if (n < 0 || n >= PATH_MAX)
		return SL_ERR_INVAL;
	return SL_OK;
}

static enum sl_err sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enum sl_err rc = SL_OK;

	if (fd < 0)
		return sl_err_from_errno(errno);
	/* EINVAL: the file system cannot sync directories; nothing to do. */
	if (fsync(fd) != 0 && errno != EINVAL)
		rc = SL_ERR_IO;
	if (close(fd) != 0 && rc == SL_OK && errno != EINTR)
		rc = SL_ERR_IO;
	return rc;
}

static enum sl_err write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return sl_err_from_errno(errno);
		}
		if (n == 0)
			return SL_ERR_IO;
		p += n;
		len -= (size_t)n;
	}
	return SL_OK;
}

/* Who a replacement must belong to: the replaced file's owner and group
 * and its mode within the one given when it exists, else the caller and
 * the mode given. */
struct keep {
	bool exists;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};

static enum sl_err keep_of(const char *path, mode_t mode, bool replace, struct keep *k)
{
	struct stat st;

	memset(k, 0, sizeof(*k));
	k->mode = mode & 07777;
	if (!replace)
		return SL_OK;
	if (stat(path, &st) != 0)
		return errno == ENOENT ? SL_OK : sl_err_from_errno(errno);
	if (!S_ISREG(st.st_mode))
		return SL_ERR_INVAL;
	k->exists = true;
	k->uid = st.st_uid;
	k->gid = st.st_gid;
	/* never wider than asked: a secret made world-readable by hand is
	 * narrowed again, a file narrowed by hand stays narrow */
	k->mode = st.st_mode & mode & 07777;
	return SL_OK;
}

/* Give the new file fd the owner and group of the one it replaces. EPERM
 * (an unprivileged program, a group it is not in) is SL_ERR_PERM. */
static enum sl_err apply_owner(int fd, const struct keep *k)
{
	struct stat st;

	if (!k->exists)
		return SL_OK;
	if (fstat(fd, &st) != 0)
		return sl_err_from_errno(errno);
	if (st.st_uid == k->uid && st.st_gid == k->gid)
		return SL_OK;
	if (fchown(fd, st.st_uid == k->uid ? (uid_t)-1 : k->uid,
			st.st_gid == k->gid ? (gid_t)-1 : k->gid) != 0)
		return errno == EPERM ? SL_ERR_PERM : sl_err_from_errno(errno);
	return SL_OK;
}

/* Write data into a new temporary file beside the target, durable and with
 * the owner, group and mode of k; tmp receives its name. Nothing is left
 * behind on error. */
static enum sl_err write_temp(char tmp[PATH_MAX], const void *data, size_t len,
		const struct keep *k)
{
	enum sl_err rc;
	int fd;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return sl_err_from_errno(errno);
	/* owner first: chown may clear mode bits */
	rc = apply_owner(fd, k);
	if (rc != SL_OK)
		goto close_fd;
	if (fchmod(fd, k->mode) != 0) {
		rc = sl_err_from_errno(errno);
		goto close_fd;
	}
	rc = write_all(fd, data, len);
	if (rc != SL_OK)
		goto close_fd;
	if (fsync(fd) != 0) {
		rc = sl_err_from_errno(errno);
		goto close_fd;
	}
	if (close(fd) != 0 && errno != EINTR) {
		rc = sl_err_from_errno(errno);
		goto unlink_tmp;
	}
	return SL_OK;

close_fd:
	close(fd);
unlink_tmp:
	unlink(tmp);
	return rc;
}

/* Move tmp to path without replacing an existing path. */
static enum sl_err install_new(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return SL_OK;
	if (errno != EINVAL && errno != ENOSYS)
		return sl_err_from_errno(errno);
	/* The file system has no RENAME_NOREPLACE: link() never replaces. */
	if (link(tmp, path) != 0)
		return sl_err_from_errno(errno);
	unlink(tmp);
	return SL_OK;
}

static enum sl_err write_file(const char *path, const void *data, size_t len,
		mode_t mode, bool replace)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct keep k;
	enum sl_err rc;

	if (!path || (!data && len))
		return SL_ERR_INVAL;
	rc = make_names(path, dir, tmp);
	if (rc != SL_OK)
		return rc;
	rc = keep_of(path, mode, replace, &k);
	if (rc != SL_OK)
		return rc;
	rc = write_temp(tmp, data, len, &k);
	if (rc != SL_OK)
		return rc;
	if (replace) {
		if (rename(tmp, path) != 0) {
			rc = sl_err_from_errno(errno);
			goto unlink_tmp;
		}
	} else {
		rc = install_new(tmp, path);
		if (rc != SL_OK)
			goto unlink_tmp;
	}
	return sync_dir(dir);

unlink_tmp:
	unlink(tmp);
	return rc;
}

enum sl_err atomic_write_file(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file(path, data, len, mode, true);
}

enum sl_err atomic_create_file(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file(path, data, len, mode, false);
}

enum sl_err atomic_check_replace(const char *path, char *msg, size_t size)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	struct keep k;
	enum sl_err rc;

	if (msg && size)
		msg[0] = '\0';
	if (!path)
		return SL_ERR_INVAL;
	rc = make_names(path, dir, tmp);
	if (rc == SL_OK)
		rc = keep_of(path, 0600, true, &k);
	if (rc == SL_OK)
		rc = write_temp(tmp, "", 0, &k);
	if (rc == SL_OK) {
		unlink(tmp);
		return SL_OK;
	}
	if (msg && size && rc == SL_ERR_PERM && k.exists)
		snprintf(msg, size, "%s: cannot write a replacement owned by uid %u, group %u, "
				"mode %04o as it is now (running as uid %u, gid %u): not permitted",
				path, (unsigned)k.uid, (unsigned)k.gid, (unsigned)k.mode,
				(unsigned)geteuid(), (unsigned)getegid());
	else if (msg && size)
		snprintf(msg, size, "%s: cannot write a replacement in %s: %s", path, dir,
				sl_strerror(rc));
	return rc;
}

enum sl_err atomic_sync_parent(const char *path)
{
	char dir[PATH_MAX], tmp[PATH_MAX];
	enum sl_err rc;

	if (!path)
		return SL_ERR_INVAL;
	rc = make_names(path, dir, tmp);
	if (rc != SL_OK)
		return rc;
	return sync_dir(dir);
}

enum sl_err atomic_read_file(const char *path, size_t max, char **out, size_t *len)
{
	size_t cap, used = 0;
	char *buf = NULL;
	struct stat st;
	enum sl_err rc;
	int fd, flags;

	if (!path || !out || max >= SIZE_MAX - 1)
		return SL_ERR_INVAL;
	*out = NULL;
	if (len)
		*len = 0;

	/* O_NONBLOCK so that a FIFO cannot make open() hang; refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return sl_err_from_errno(errno);
	if (fstat(fd, &st) != 0) {
		rc = SL_ERR_IO;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = SL_ERR_IO;
		goto close_fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		rc = SL_ERR_IO;
		goto close_fd;
	}
	if (st.st_size > 0 && (uintmax_t)st.st_size > max) {
		rc = SL_ERR_TOO_LARGE;
		goto close_fd;
	}

	/* st_size is only a hint (files grow, /proc files claim 0 bytes): read
	 * until EOF, at most max + 1 bytes, then add the NUL. */
	cap = (st.st_size > 0 ? (size_t)st.st_size : READ_CHUNK) + 1;
	if (cap > max + 2)
		cap = max + 2;
	buf = malloc(cap);
	if (!buf) {
		rc = SL_ERR_NOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t n;

		if (used + 1 == cap) {
			size_t ncap = cap > (max + 2) / 2 ? max + 2 : cap * 2;
			char *nbuf;

			if (ncap <= cap) {
				/* used == max + 1: more than allowed */
				rc = SL_ERR_TOO_LARGE;
				goto free_buf;
			}
			nbuf = realloc(buf, ncap);
			if (!nbuf) {
				rc = SL_ERR_NOMEM;
				goto free_buf;
			}
			buf = nbuf;
			cap = ncap;
		}
		n = read(fd, buf + used, cap - 1 - used);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = SL_ERR_IO;
			goto free_buf;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		rc = SL_ERR_TOO_LARGE;
		goto free_buf;
	}
	buf[used] = '\0';
	close(fd);
	*out = buf;
	if (len)
		*len = used;
	return SL_OK;

free_buf:
	free(buf);
close_fd:
	close(fd);
	return rc;
}
