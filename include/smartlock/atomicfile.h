/*
 * atomicfile.h - durable whole-file writes and bounded reads.
 *
 * atomic_write_file() writes a temporary file in the same directory, created
 * with the final mode (not subject to the umask), fsyncs it, renames it over
 * the target and fsyncs the directory: after a crash the file holds either
 * the old or the new contents, never a mix. Thread-safe; no state.
 */
#ifndef SMARTLOCK_ATOMICFILE_H
#define SMARTLOCK_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "smartlock/error.h"

/* Replace path with len bytes of data, mode bits exactly as given. */
enum sl_err atomic_write_file(const char *path, const void *data, size_t len, mode_t mode);

/* Create path with data only if it does not exist yet (SL_ERR_EXISTS
 * otherwise); same durability as atomic_write_file(). */
enum sl_err atomic_create_file(const char *path, const void *data, size_t len, mode_t mode);

/* Read all of path into a malloc'd buffer with a NUL appended (not counted
 * in *len). SL_ERR_TOO_LARGE beyond max bytes, SL_ERR_NOT_FOUND if absent,
 * SL_ERR_PERM if not permitted, SL_ERR_IO otherwise. */
enum sl_err atomic_read_file(const char *path, size_t max, char **out, size_t *len);

/* fsync the directory that contains path (for appends that create files). */
enum sl_err atomic_sync_parent(const char *path);

#endif
