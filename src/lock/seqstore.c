/* seqstore.c - persist the last accepted command sequence number. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/atomicfile.h"
#include "smartlock/config.h"

#include "seqstore.h"

#define SEQSTORE_FILE_MAX 1024

struct seq_file {
	int64_t last_seq;
};

static const struct sl_config_key seq_keys[] = {
	{ .name = "last_seq", .type = SL_CFG_INT, .required = true,
	  .offset = offsetof(struct seq_file, last_seq), .min = 0, .max = INT64_MAX },
};

static enum sl_err store_write(const char *path, uint64_t seq)
{
	char text[96];
	int n;

	n = snprintf(text, sizeof(text),
			"# smartlock-lockd: last accepted command\nlast_seq = %" PRIu64 "\n", seq);
	if (n < 0 || (size_t)n >= sizeof(text))
		return SL_ERR_INTERNAL;
	return atomic_write_file(path, text, (size_t)n, 0600);
}

enum sl_err seqstore_open(struct seq_store *st, const char *path, char *msg, size_t msg_size)
{
	struct sl_config_error cerr;
	struct seq_file f = { .last_seq = 0 };
	char *text = NULL;
	size_t len = 0;
	enum sl_err rc;

	memset(st, 0, sizeof(*st));
	if (!path || strlen(path) >= sizeof(st->path)) {
		snprintf(msg, msg_size, "state file path is empty or too long");
		return SL_ERR_INVAL;
	}
	strcpy(st->path, path);
	rc = atomic_read_file(path, SEQSTORE_FILE_MAX, &text, &len);
	if (rc == SL_ERR_NOT_FOUND) {
		rc = store_write(path, 0);
		if (rc != SL_OK)
			snprintf(msg, msg_size, "%s: cannot create state file: %s", path, sl_strerror(rc));
		return rc;
	}
	if (rc != SL_OK) {
		snprintf(msg, msg_size, "%s: cannot read state file: %s", path, sl_strerror(rc));
		return rc;
	}
	rc = config_parse(text, len, path, seq_keys, sizeof(seq_keys) / sizeof(seq_keys[0]),
			&f, &cerr);
	free(text);
	if (rc != SL_OK) {
		config_error_format(&cerr, msg, msg_size);
		return rc;
	}
	st->last = (uint64_t)f.last_seq;
	return SL_OK;
}

bool seqstore_is_newer(const struct seq_store *st, uint64_t seq)
{
	return seq > st->last;
}

enum sl_err seqstore_accept(struct seq_store *st, uint64_t seq)
{
	enum sl_err rc;

	if (!seqstore_is_newer(st, seq) || seq > INT64_MAX)
		return SL_ERR_RANGE;
	rc = store_write(st->path, seq);
	if (rc == SL_OK)
		st->last = seq;
	return rc;
}
