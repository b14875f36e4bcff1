/*
 * seqstore.h - the lock's defence against replayed commands across its own
 * restarts: a mark on disk at or above every command sequence number it has
 * accepted. After a restart every command at or below the mark is refused.
 *
 * The mark is reserved a block at a time. Accepting seq writes the mark
 * only when seq is past it, and then writes seq + SEQSTORE_BLOCK - 1: one
 * synchronous write per SEQSTORE_BLOCK commands instead of one per command
 * (a lock used 30 times a day writes its flash about once a month). A
 * restart therefore skips what was left of the block: the lock announces its
 * mark as "seq" in its heartbeat, and the agent moves its next seq past it
 * (smartlock-protocol(7)).
 *
 * The state file is config.h format, readable by config_parse():
 *
 *   # smartlock-lockd: refuse commands up to
 *   last_seq = 00000000000000001065
 *
 * The number is zero-padded to 20 digits, so the file is always
 * SEQSTORE_FILE_LEN (73) bytes long. seqstore_open() loads it; a missing
 * file (created with 0), or one that parses but is not in exactly this form
 * (older releases wrote the number unpadded, under another comment), is
 * written once in the fixed-width form with atomic_write_file(), mode 0600.
 * A damaged file is an error, never a reset to 0. The file then stays open
 * (O_WRONLY|O_CLOEXEC) until seqstore_close().
 *
 * Why in place: a new mark costs one pwrite() of the whole text at offset 0
 * and one fdatasync(), instead of atomic_write_file()'s temporary
 * file, fsync, rename and directory fsync (several ms of ext4 journal
 * commits per unlock).
 *  - The length never changes and the blocks are already allocated (the
 *    file was written whole and fsynced by atomic_write_file()), so
 *    fdatasync() has no metadata to commit (the mtime is not needed to read
 *    the data back): it writes one data block and flushes the disk cache.
 *  - The 73 bytes at offset 0 lie inside the first 512-byte sector, which
 *    storage writes as a unit: after a crash the file holds the old or the
 *    new number.
 *  - If the write is torn anyway, the file is still never read as an older
 *    number: a write that stops partway leaves a prefix of the new text over
 *    the old one, and with both the same width and the new number greater,
 *    those digits read as a number >= the old one (at worst a later command
 *    is refused as a replay). Anything that breaks the syntax instead (a
 *    zeroed or erased sector, garbage) makes config_parse() reject the file,
 *    and smartlock-lockd refuses to start (exit 3) with a message naming the
 *    file until an operator looks at it: fail closed. What no format without
 *    a checksum can catch is a medium that returns other well-formed digits
 *    than were written; the old rename-based file could not either.
 *
 * On every accept, fstat() of the open file and stat() of path (no disk
 * I/O) check that the open file is still the one at path with its fixed
 * length; if it was removed, renamed away, replaced or resized behind the
 * daemon's back, the mark is written whole with atomic_write_file() again
 * and the file reopened before the command is accepted, so that the mark
 * never lives only in a file nobody will read at the next start.
 *
 * struct seq_store is plain caller memory; not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_SEQSTORE_H
#define SMARTLOCK_LOCK_SEQSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/protocol.h"

#define SEQSTORE_PATH_MAX 512
#define SEQSTORE_DIGITS 20      /* zero-padded width of the number */
#define SEQSTORE_FILE_LEN 73    /* bytes in the fixed-width file */
#define SEQSTORE_BLOCK SL_LOCK_SEQ_BLOCK       /* seqs reserved per synchronous write */

struct seq_store {
	char path[SEQSTORE_PATH_MAX];
	uint64_t last;          /* the newest accepted seq, or the mark at open */
	uint64_t reserved;      /* the mark on disk: >= last */
	int fd;                 /* the state file, O_WRONLY; -1 when closed */
};

/* Load path (creating it with 0 if absent, rewriting it in the fixed-width
 * form if needed) and keep it open. On error msg says why, naming the file.
 * Whatever it returns, st may be given to seqstore_close(). */
enum sl_err seqstore_open(struct seq_store *st, const char *path, char *msg, size_t msg_size);

/* True when seq is greater than st->last. */
bool seqstore_is_newer(const struct seq_store *st, uint64_t seq);

/* Accept seq as the newest command: when it is past the mark (or the file
 * must be rewritten) make the new mark durable first (pwrite + fdatasync).
 * SL_ERR_RANGE if it is not newer (nothing is written); SL_ERR_INVAL on a
 * closed store; on an I/O error (errno says why) st is unchanged and the
 * command must not be acted on. */
enum sl_err seqstore_accept(struct seq_store *st, uint64_t seq);

/* Close the state file. Idempotent; the store is unusable until reopened. */
void seqstore_close(struct seq_store *st);

#endif
