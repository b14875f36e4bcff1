/*
 * seqstore.h - the last accepted command sequence number, kept on disk so
 * that no restart of the lock ever accepts a command that is not newer.
 *
 * The state file is one config.h-format line, "last_seq = 42", written
 * atomically (mode 0600) before a command is acted on. A missing file is
 * created with 0 on open; a damaged one is an error, never a reset to 0.
 * struct seq_store is plain caller memory; not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_SEQSTORE_H
#define SMARTLOCK_LOCK_SEQSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"

#define SEQSTORE_PATH_MAX 512

struct seq_store {
	char path[SEQSTORE_PATH_MAX];
	uint64_t last;
};

/* Load path (creating it with 0 if absent). On error msg says why. */
enum sl_err seqstore_open(struct seq_store *st, const char *path, char *msg, size_t msg_size);

/* True when seq is greater than the last accepted one. */
bool seqstore_is_newer(const struct seq_store *st, uint64_t seq);

/* Persist seq as the last accepted one, then remember it. SL_ERR_RANGE if
 * it is not newer; an I/O error leaves the store unchanged. */
enum sl_err seqstore_accept(struct seq_store *st, uint64_t seq);

#endif
