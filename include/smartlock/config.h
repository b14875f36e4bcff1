/*
 * config.h - the configuration file format shared by every smartlock
 * program, enrolment files included.
 *
 * A file is UTF-8 text of lines "key = value"; blank lines and lines whose
 * first non-blank character is '#' are ignored; surrounding blanks of key and
 * value are trimmed; a value may be wrapped in double quotes to keep blanks.
 * Keys are looked up in a caller-supplied table sorted by name (bsearch):
 * an unknown key or a key given twice is an error, as is a missing required
 * key. Every error names the file, the line and the key, for example
 *   /etc/smartlock/agent.conf:12: heartbeat_timeout: expected an integer from 1 to 3600
 *
 * Values are stored through offsets into a caller struct, so one table
 * describes one program's settings. The parser keeps no state and allocates
 * nothing that outlives a call; thread-safe.
 */
#ifndef SMARTLOCK_CONFIG_H
#define SMARTLOCK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"

#define SL_CONFIG_MAX_SIZE (256 * 1024)  /* a larger file is refused */
#define SL_CONFIG_LINE_MAX 1024

enum sl_config_type {
	SL_CFG_STRING,  /* char[size] at offset; value shorter than size */
	SL_CFG_INT,     /* int64_t at offset; decimal, within [min, max] */
	SL_CFG_BOOL,    /* bool at offset; true/false/yes/no/on/off/1/0 */
	SL_CFG_NAME,    /* char[size]; a lock id or user name (topic.h rules) */
	SL_CFG_KEY,     /* struct sl_key at offset; 64 hex digits */
	SL_CFG_CUSTOM,  /* parse() is called with the value */
};

struct sl_config_key {
	const char *name;
	enum sl_config_type type;
	bool required;
	size_t offset;          /* offsetof(struct yours, field) */
	size_t size;            /* SL_CFG_STRING/NAME: buffer size */
	int64_t min, max;       /* SL_CFG_INT: inclusive range */
	/* SL_CFG_CUSTOM: store value into base+offset; on error write a short
	 * explanation (no secrets) into msg and return an error code. */
	enum sl_err (*parse)(const char *value, void *field, char *msg, size_t msg_size);
};

struct sl_config_error {
	enum sl_err code;
	char file[256];
	unsigned line;          /* 0 when not tied to a line */
	char key[64];
	char msg[160];
};

/*
 * Parse text (len bytes, need not be NUL-terminated) named name in messages.
 * keys must be sorted by strcmp on name. Fields of keys not present are left
 * untouched (set defaults first). On error, *err says where and why.
 */
enum sl_err config_parse(const char *text, size_t len, const char *name,
		const struct sl_config_key *keys, size_t nkeys, void *out,
		struct sl_config_error *err);

/* Read path (at most SL_CONFIG_MAX_SIZE bytes) and parse it. When
 * private_file is true the file must not be readable or writable by group
 * or others (it holds secrets): SL_ERR_PERM otherwise. */
enum sl_err config_load(const char *path, bool private_file,
		const struct sl_config_key *keys, size_t nkeys, void *out,
		struct sl_config_error *err);

/* "file:line: key: msg" (parts left out when unknown) into buf. */
void config_error_format(const struct sl_config_error *err, char *buf, size_t size);

/* Strict decimal integer in [min, max]: SL_OK, SL_ERR_INVAL or SL_ERR_RANGE.
 * Also used by the command-line parsers of the programs. */
enum sl_err config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

#endif
