/* config.c - the "key = value" configuration files of every smartlock program. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "smartlock/config.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"
#include "smartlock/utf8.h"

/* One parse in progress. */
struct parser {
	const struct sl_config_key *keys;
	size_t nkeys;
	unsigned char *base;
	unsigned *seen_line;    /* per key: line where it was given, 0 = not yet */
	struct sl_config_error *err;
};

static enum sl_err fail(struct sl_config_error *err, enum sl_err code, unsigned line,
		const char *key, size_t key_len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static enum sl_err fail(struct sl_config_error *err, enum sl_err code, unsigned line,
		const char *key, size_t key_len, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	err->line = line;
	if (key_len >= sizeof(err->key))
		key_len = sizeof(err->key) - 1;
	memcpy(err->key, key, key_len);
	err->key[key_len] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

static void error_reset(struct sl_config_error *err, const char *name)
{
	memset(err, 0, sizeof(*err));
	err->code = SL_OK;
	snprintf(err->file, sizeof(err->file), "%s", name ? name : "");
}

enum sl_err config_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	const char *digits;
	char *end;
	long long v;

	if (!s || !out)
		return SL_ERR_INVAL;
	digits = s[0] == '-' ? s + 1 : s;
	/* strtoll would also take blanks and '+'; insist on a digit. */
	if (digits[0] < '0' || digits[0] > '9')
		return SL_ERR_INVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return SL_ERR_INVAL;
	if (errno == ERANGE || v < min || v > max)
		return SL_ERR_RANGE;
	if (errno != 0)
		return SL_ERR_INVAL;
	*out = (int64_t)v;
	return SL_OK;
}

struct bool_word {
	const char *word;
	bool value;
};

static const struct bool_word bool_words[] = {
	{"0", false}, {"1", true},
	{"false", false}, {"true", true},
	{"no", false}, {"yes", true},
	{"off", false}, {"on", true},
};

static enum sl_err parse_bool(const char *s, bool *out)
{
	for (size_t i = 0; i < sizeof(bool_words) / sizeof(bool_words[0]); i++) {
		if (strcmp(s, bool_words[i].word) == 0) {
			*out = bool_words[i].value;
			return SL_OK;
		}
	}
	return SL_ERR_INVAL;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Check the raw bytes of a line (without its line ending). */
static enum sl_err check_line_bytes(struct parser *p, unsigned lineno,
		const char *s, size_t n)
{
	if (memchr(s, '\0', n))
		return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
				"line contains a NUL byte");
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);

		if (l == 0)
			return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
					"line is not valid UTF-8");
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
					"line contains a control character");
		i += l;
	}
	return SL_OK;
}

static int key_cmp(const void *key, const void *elem)
{
	const struct sl_config_key *k = elem;

	return strcmp(key, k->name);
}

/* Unquote a value in place: v starts with '"'. */
static enum sl_err unquote(struct parser *p, unsigned lineno, const char *key, char *v)
{
	char *w = v;
	const char *r = v + 1;

	for (;;) {
		if (*r == '\0')
			return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, key, strlen(key),
					"missing closing '\"'");
		if (*r == '"')
			break;
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\')
				return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, key,
						strlen(key),
						"in a quoted value only \\\" and \\\\ are escapes");
		}
		*w++ = *r++;
	}
	r++;
	while (is_blank(*r))
		r++;
	if (*r != '\0')
		return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, key, strlen(key),
				"unexpected text after the closing '\"'");
	*w = '\0';
	return SL_OK;
}

static enum sl_err store_text(struct parser *p, unsigned lineno,
		const struct sl_config_key *k, const char *value, void *field)
{
	size_t n = strlen(value);

	if (k->size == 0 || n >= k->size)
		return fail(p->err, SL_ERR_CONFIG_VALUE, lineno, k->name, strlen(k->name),
				"expected at most %zu bytes", k->size ? k->size - 1 : 0);
	memcpy(field, value, n + 1);
	return SL_OK;
}

static enum sl_err store_value(struct parser *p, unsigned lineno,
		const struct sl_config_key *k, const char *value)
{
	void *field = p->base + k->offset;
	size_t klen = strlen(k->name);
	char msg[sizeof(p->err->msg)];
	enum sl_err rc;
	int64_t i;
	bool b;

	switch (k->type) {
	case SL_CFG_STRING:
		return store_text(p, lineno, k, value, field);
	case SL_CFG_INT:
		if (config_parse_int(value, k->min, k->max, &i) != SL_OK)
			return fail(p->err, SL_ERR_CONFIG_VALUE, lineno, k->name, klen,
					"expected an integer from %" PRId64 " to %" PRId64,
					k->min, k->max);
		memcpy(field, &i, sizeof(i));
		return SL_OK;
	case SL_CFG_BOOL:
		if (parse_bool(value, &b) != SL_OK)
			return fail(p->err, SL_ERR_CONFIG_VALUE, lineno, k->name, klen,
					"expected true or false (or yes/no, on/off, 1/0)");
		memcpy(field, &b, sizeof(b));
		return SL_OK;
	case SL_CFG_NAME:
		rc = topic_check_name(value);
		if (rc != SL_OK)
			return fail(p->err, SL_ERR_CONFIG_VALUE, lineno, k->name, klen,
					"%s", sl_strerror(rc));
		return store_text(p, lineno, k, value, field);
	case SL_CFG_KEY: {
		struct sl_key key;

		/* The value is a secret: never copy it into the message. */
		if (sign_key_from_hex(&key, value) != SL_OK)
			return fail(p->err, SL_ERR_CONFIG_VALUE, lineno, k->name, klen,
					"expected %d hex digits", SL_KEY_HEX);
		memcpy(field, &key, sizeof(key));
		sign_key_wipe(&key);
		return SL_OK;
	}
	case SL_CFG_CUSTOM:
		if (!k->parse)
			return fail(p->err, SL_ERR_INTERNAL, lineno, k->name, klen,
					"no parser for this key");
		msg[0] = '\0';
		rc = k->parse(value, field, msg, sizeof(msg));
		if (rc == SL_OK)
			return SL_OK;
		msg[sizeof(msg) - 1] = '\0';
		return fail(p->err, rc == SL_ERR_NOMEM ? rc : SL_ERR_CONFIG_VALUE,
				lineno, k->name, klen, "%s", msg[0] ? msg : sl_strerror(rc));
	}
	return fail(p->err, SL_ERR_INTERNAL, lineno, k->name, klen, "unknown key type");
}

/* One line, without its line ending. */
static enum sl_err parse_line(struct parser *p, unsigned lineno, const char *s, size_t n)
{
	char line[SL_CONFIG_LINE_MAX + 1];
	const struct sl_config_key *k;
	char *key, *value, *eq, *end;
	enum sl_err rc;
	size_t idx;

	if (n > SL_CONFIG_LINE_MAX)
		return fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
				"line is longer than %d bytes", SL_CONFIG_LINE_MAX);
	rc = check_line_bytes(p, lineno, s, n);
	if (rc != SL_OK)
		return rc;
	memcpy(line, s, n);
	line[n] = '\0';

	key = line;
	while (is_blank(*key))
		key++;
	if (*key == '\0' || *key == '#') {
		rc = SL_OK;
		goto out;
	}
	eq = strchr(key, '=');
	if (!eq) {
		rc = fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
				"expected \"key = value\"");
		goto out;
	}
	for (end = eq; end > key && is_blank(end[-1]); end--)
		;
	*end = '\0';
	if (*key == '\0') {
		rc = fail(p->err, SL_ERR_CONFIG_SYNTAX, lineno, "", 0,
				"expected \"key = value\" (the key is missing)");
		goto out;
	}
	value = eq + 1;
	while (is_blank(*value))
		value++;
	for (end = value + strlen(value); end > value && is_blank(end[-1]); end--)
		;
	*end = '\0';

	k = p->nkeys ? bsearch(key, p->keys, p->nkeys, sizeof(*p->keys), key_cmp) : NULL;
	if (!k) {
		rc = fail(p->err, SL_ERR_CONFIG_KEY, lineno, key, strlen(key), "unknown key");
		goto out;
	}
	idx = (size_t)(k - p->keys);
	if (p->seen_line[idx]) {
		rc = fail(p->err, SL_ERR_CONFIG_KEY, lineno, key, strlen(key),
				"given twice, first on line %u", p->seen_line[idx]);
		goto out;
	}
	p->seen_line[idx] = lineno;
	if (*value == '"') {
		rc = unquote(p, lineno, k->name, value);
		if (rc != SL_OK)
			goto out;
	}
	rc = store_value(p, lineno, k, value);
out:
	/* The line may have held a key or a password. */
	OPENSSL_cleanse(line, sizeof(line));
	return rc;
}

static enum sl_err check_table(struct parser *p)
{
	for (size_t i = 0; i < p->nkeys; i++) {
		const char *name = p->keys[i].name;

		if (!name || (i > 0 && strcmp(p->keys[i - 1].name, name) >= 0))
			return fail(p->err, SL_ERR_INTERNAL, 0, name ? name : "",
					name ? strlen(name) : 0,
					"configuration key table is not sorted");
	}
	return SL_OK;
}

enum sl_err config_parse(const char *text, size_t len, const char *name,
		const struct sl_config_key *keys, size_t nkeys, void *out,
		struct sl_config_error *err)
{
	struct sl_config_error local;
	struct parser p;
	unsigned lineno = 0;
	enum sl_err rc;
	size_t pos = 0;

	if (!err)
		err = &local;
	error_reset(err, name);
	if ((!text && len) || (!keys && nkeys) || !out)
		return fail(err, SL_ERR_INVAL, 0, "", 0, "invalid argument");

	p.keys = keys;
	p.nkeys = nkeys;
	p.base = out;
	p.err = err;
	p.seen_line = NULL;
	rc = check_table(&p);
	if (rc != SL_OK)
		return rc;
	if (nkeys) {
		p.seen_line = calloc(nkeys, sizeof(*p.seen_line));
		if (!p.seen_line)
			return fail(err, SL_ERR_NOMEM, 0, "", 0, "out of memory");
	}

	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + (nl ? 1 : 0);
		if (lineno == UINT_MAX) {
			rc = fail(err, SL_ERR_TOO_LARGE, lineno, "", 0, "too many lines");
			goto out;
		}
		lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		rc = parse_line(&p, lineno, s, n);
		if (rc != SL_OK)
			goto out;
	}

	for (size_t i = 0; i < nkeys; i++) {
		if (keys[i].required && !p.seen_line[i]) {
			rc = fail(err, SL_ERR_CONFIG_MISSING, 0, keys[i].name,
					strlen(keys[i].name), "required key is missing");
			goto out;
		}
	}
	rc = SL_OK;
out:
	free(p.seen_line);
	return rc;
}

enum sl_err config_load(const char *path, bool private_file,
		const struct sl_config_key *keys, size_t nkeys, void *out,
		struct sl_config_error *err)
{
	struct sl_config_error local;
	char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;
	enum sl_err rc;
	int fd, flags;

	if (!err)
		err = &local;
	error_reset(err, path);
	if (!path)
		return fail(err, SL_ERR_INVAL, 0, "", 0, "no file name");

	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;

		return fail(err, sl_err_from_errno(e), 0, "", 0, "cannot open: %s", strerror(e));
	}
	if (fstat(fd, &st) != 0) {
		rc = fail(err, SL_ERR_IO, 0, "", 0, "cannot stat: %s", strerror(errno));
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(err, SL_ERR_INVAL, 0, "", 0, "not a regular file");
		goto close_fd;
	}
	if (private_file && (st.st_mode & 077)) {
		rc = fail(err, SL_ERR_PERM, 0, "", 0,
				"holds secrets but mode %04o lets group or others in; "
				"run: chmod 600 %s",
				(unsigned)(st.st_mode & 07777), path);
		goto close_fd;
	}
	if (st.st_size > SL_CONFIG_MAX_SIZE) {
		rc = fail(err, SL_ERR_TOO_LARGE, 0, "", 0,
				"file is larger than %d bytes", SL_CONFIG_MAX_SIZE);
		goto close_fd;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
		rc = fail(err, SL_ERR_IO, 0, "", 0, "cannot read: %s", strerror(errno));
		goto close_fd;
	}

	/* Room for the size fstat saw plus one byte, to notice a file that
	 * grew meanwhile; never the maximum up front (the lock daemon's heap
	 * budget is 16 KB). */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		rc = fail(err, SL_ERR_NOMEM, 0, "", 0, "out of memory");
		goto close_fd;
	}
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = fail(err, SL_ERR_IO, 0, "", 0, "cannot read: %s", strerror(errno));
			goto free_buf;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == cap) {
		rc = fail(err, SL_ERR_IO, 0, "", 0,
				"the file changed while it was read; try again");
		goto free_buf;
	}
	rc = config_parse(buf, len, path, keys, nkeys, out, err);
free_buf:
	OPENSSL_cleanse(buf, len);
	free(buf);
close_fd:
	close(fd);
	return rc;
}

void config_error_format(const struct sl_config_error *err, char *buf, size_t size)
{
	size_t used = 0;
	int n;

	if (!buf || size == 0)
		return;
	buf[0] = '\0';
	if (!err)
		return;
	if (err->file[0]) {
		if (err->line)
			n = snprintf(buf, size, "%s:%u: ", err->file, err->line);
		else
			n = snprintf(buf, size, "%s: ", err->file);
		if (n < 0 || (size_t)n >= size)
			return;
		used = (size_t)n;
	} else if (err->line) {
		n = snprintf(buf, size, "line %u: ", err->line);
		if (n < 0 || (size_t)n >= size)
			return;
		used = (size_t)n;
	}
	if (err->key[0]) {
		n = snprintf(buf + used, size - used, "%s: ", err->key);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
	snprintf(buf + used, size - used, "%s",
			err->msg[0] ? err->msg : sl_strerror(err->code));
}
