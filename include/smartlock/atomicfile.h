/*
 * atomicfile.h - durable whole-file writes and bounded reads.
 *
 * atomic_write_file() writes a temporary file in the same directory, created
 * with the final mode (not subject to the umask), fsyncs it, renames it over
 * the target and fsyncs the directory: after a crash the file holds either
 * the old or the new contents, never a mix. A replacement keeps the
 * replaced file's owner, group and mode (never wider than the mode the
 * caller gives) whoever runs the program; when it cannot keep owner and
 * group (an unprivileged program, a group it is not in) nothing is
 * replaced and the write fails with SL_ERR_PERM. Thread-safe; no state.
 */
#ifndef SMARTLOCK_ATOMICFILE_H
#define SMARTLOCK_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "smartlock/error.h"

/* Replace path with len bytes of data. A new file gets mode exactly as
 * given (not subject to the umask); an existing one keeps its owner and
 * group and its mode bits that mode allows (SL_ERR_PERM, nothing
 * replaced, when that is not permitted). */
enum sl_err atomic_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Create path with data only if it does not exist yet (SL_ERR_EXISTS
 * otherwise); same durability as atomic_write_file(). */
enum sl_err atomic_create_file(const char *path, const void *data, size_t len, mode_t mode);

/* Read all of path into a malloc'd buffer with a NUL appended (not counted
 * in *len). SL_ERR_TOO_LARGE beyond max bytes, SL_ERR_NOT_FOUND if absent,
 * SL_ERR_PERM if not permitted, SL_ERR_IO otherwise. */
enum sl_err atomic_read_file(const char *path, size_t max, char **out, size_t *len);

/* Can path be replaced keeping its owner, group and mode? Tries it with an
 * empty temporary file beside it (removed again). SL_OK, or the error
 * atomic_write_file() would give, with a sentence naming the cause in msg
 * (may be NULL). For checks before a change of several files. */
enum sl_err atomic_check_replace(const char *path, char *msg, size_t size);

/* fsync the directory that contains path (for appends that create files). */
enum sl_err atomic_sync_parent(const char *path);

#endif
