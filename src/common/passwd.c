/* passwd.c - the broker plugin's password file: parse, check, hash, save. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "smartlock/atomicfile.h"
#include "smartlock/passwd.h"
#include "smartlock/sign.h"

#define HASH_PREFIX "$pbkdf2-sha512$"
#define SALT_BYTES 16
#define DK_BYTES 64
#define SALT_B64_MAX 88         /* room for up to 64 salt bytes, with NUL */
#define DK_B64 86               /* base64url characters of 64 bytes */
#define LINE_MAX_BYTES 512
#define PASSWORD_MAX 1024       /* longer passwords never match */
#define FILE_MODE 0640

struct passwd_file {
	struct sl_passwd_entry *v;      /* sorted by name */
	size_t n, cap;
};

struct name_entry {
	const char *name;
	int value;
};

/* Sorted by name for bsearch. */
static const struct name_entry role_names[] = {
	{"agent", SL_PW_AGENT},
	{"guest", SL_PW_GUEST},
	{"lock", SL_PW_LOCK},
	{"owner", SL_PW_OWNER},
	{"resident", SL_PW_RESIDENT},
};

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct name_entry *)elem)->name);
}

const char *passwd_role_name(enum sl_passwd_role role)
{
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++) {
		if (role_names[i].value == (int)role)
			return role_names[i].name;
	}
	return NULL;
}

enum sl_err passwd_role_parse(const char *s, enum sl_passwd_role *out)
{
	const struct name_entry *e;

	if (!s)
		return SL_ERR_BAD_VALUE;
	e = bsearch(s, role_names, sizeof(role_names) / sizeof(role_names[0]),
			sizeof(role_names[0]), name_cmp);
	if (!e)
		return SL_ERR_BAD_VALUE;
	*out = (enum sl_passwd_role)e->value;
	return SL_OK;
}

/* ---- the hash format ---- */

/* The parts of "$pbkdf2-sha512$<iter>$<salt>$<dk>". */
struct hash_parts {
	unsigned iterations;
	unsigned char salt[64];
	size_t salt_len;
	unsigned char dk[DK_BYTES];
};

static enum sl_err parse_iterations(const char *s, size_t n, unsigned *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 8 || s[0] == '0')
		return SL_ERR_BAD_VALUE;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return SL_ERR_BAD_VALUE;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < SL_PBKDF2_MIN_ITERATIONS || v > SL_PBKDF2_MAX_ITERATIONS)
		return SL_ERR_RANGE;
	*out = (unsigned)v;
	return SL_OK;
}

/* Decode exactly the n characters at s (copied to a NUL-terminated buffer
 * first, since the decoder wants a string). */
static enum sl_err b64_part(const char *s, size_t n, unsigned char *out,
		size_t size, size_t *out_len)
{
	char buf[SALT_B64_MAX + 1];
	enum sl_err rc;

	if (n == 0 || n >= sizeof(buf))
		return SL_ERR_BAD_VALUE;
	memcpy(buf, s, n);
	buf[n] = '\0';
	rc = sign_b64url_decode(buf, out, size, out_len);
	return rc == SL_OK ? SL_OK : SL_ERR_BAD_VALUE;
}

static enum sl_err hash_parse(const char *hash, struct hash_parts *p)
{
	const char *it, *salt, *dk, *end;
	size_t dk_len;
	enum sl_err rc;

	if (!hash || strncmp(hash, HASH_PREFIX, strlen(HASH_PREFIX)) != 0)
		return SL_ERR_BAD_VALUE;
	it = hash + strlen(HASH_PREFIX);
	salt = strchr(it, '$');
	if (!salt)
		return SL_ERR_BAD_VALUE;
	rc = parse_iterations(it, (size_t)(salt - it), &p->iterations);
	if (rc != SL_OK)
		return rc;
	salt++;
	dk = strchr(salt, '$');
	if (!dk)
		return SL_ERR_BAD_VALUE;
	if (b64_part(salt, (size_t)(dk - salt), p->salt, sizeof(p->salt), &p->salt_len) != SL_OK ||
			p->salt_len < SALT_BYTES)
		return SL_ERR_BAD_VALUE;
	dk++;
	end = dk + strlen(dk);
	if ((size_t)(end - dk) != DK_B64 ||
			b64_part(dk, (size_t)(end - dk), p->dk, sizeof(p->dk), &dk_len) != SL_OK ||
			dk_len != DK_BYTES)
		return SL_ERR_BAD_VALUE;
	return SL_OK;
}

enum sl_err passwd_hash_check(const char *hash, unsigned *iterations)
{
	struct hash_parts p;
	enum sl_err rc = hash_parse(hash, &p);

	if (rc == SL_OK && iterations)
		*iterations = p.iterations;
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

static enum sl_err derive(const char *password, const unsigned char *salt,
		size_t salt_len, unsigned iterations, unsigned char dk[DK_BYTES])
{
	size_t len = strlen(password);

	if (len > PASSWORD_MAX || iterations > INT_MAX)
		return SL_ERR_INVAL;
	if (PKCS5_PBKDF2_HMAC(password, (int)len, salt, (int)salt_len,
			(int)iterations, EVP_sha512(), DK_BYTES, dk) != 1)
		return SL_ERR_CRYPTO;
	return SL_OK;
}

static enum sl_err random_bytes(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return SL_ERR_RANDOM;
		}
		got += (size_t)r;
	}
	return SL_OK;
}

enum sl_err passwd_hash_iter(const char *password, unsigned iterations,
		char *out, size_t size)
{
	unsigned char salt[SALT_BYTES], dk[DK_BYTES];
	char salt_b64[SALT_B64_MAX], dk_b64[DK_B64 + 1];
	enum sl_err rc;
	int n;

	if (!password || !out || size == 0)
		return SL_ERR_INVAL;
	out[0] = '\0';
	if (iterations < SL_PBKDF2_MIN_ITERATIONS || iterations > SL_PBKDF2_MAX_ITERATIONS)
		return SL_ERR_RANGE;
	rc = random_bytes(salt, sizeof(salt));
	if (rc != SL_OK)
		goto out;
	rc = derive(password, salt, sizeof(salt), iterations, dk);
	if (rc != SL_OK)
		goto out;
	rc = sign_b64url_encode(salt, sizeof(salt), salt_b64, sizeof(salt_b64));
	if (rc == SL_OK)
		rc = sign_b64url_encode(dk, sizeof(dk), dk_b64, sizeof(dk_b64));
	if (rc != SL_OK)
		goto out;
	n = snprintf(out, size, HASH_PREFIX "%u$%s$%s", iterations, salt_b64, dk_b64);
	if (n < 0 || (size_t)n >= size) {
		out[0] = '\0';
		rc = SL_ERR_TOO_LONG;
	}
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(dk_b64, sizeof(dk_b64));
	return rc;
}

enum sl_err passwd_hash(const char *password, char *out, size_t size)
{
	return passwd_hash_iter(password, SL_PBKDF2_ITERATIONS, out, size);
}

enum sl_err passwd_verify(const char *password, const char *hash)
{
	struct hash_parts p;
	unsigned char dk[DK_BYTES];
	enum sl_err rc;

	if (!password || !hash)
		return SL_ERR_INVAL;
	rc = hash_parse(hash, &p);
	if (rc != SL_OK)
		goto out;
	if (strlen(password) > PASSWORD_MAX) {
		rc = SL_ERR_PERM;
		goto out;
	}
	rc = derive(password, p.salt, p.salt_len, p.iterations, dk);
	if (rc != SL_OK)
		goto out;
	rc = CRYPTO_memcmp(dk, p.dk, DK_BYTES) == 0 ? SL_OK : SL_ERR_PERM;
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(&p, sizeof(p));
	return rc;
}

enum sl_err passwd_generate(char *out, size_t size)
{
	unsigned char raw[18];
	enum sl_err rc;

	if (!out || size == 0)
		return SL_ERR_INVAL;
	out[0] = '\0';
	rc = random_bytes(raw, sizeof(raw));
	if (rc == SL_OK)
		rc = sign_b64url_encode(raw, sizeof(raw), out, size);
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

/* ---- the set of entries ---- */

struct passwd_file *passwd_create(void)
{
	return calloc(1, sizeof(struct passwd_file));
}

void passwd_destroy(struct passwd_file *pf)
{
	if (!pf)
		return;
	free(pf->v);
	free(pf);
}

size_t passwd_count(const struct passwd_file *pf)
{
	return pf ? pf->n : 0;
}

const struct sl_passwd_entry *passwd_at(const struct passwd_file *pf, size_t i)
{
	return pf && i < pf->n ? &pf->v[i] : NULL;
}

/* Index of name, or where it would be inserted (with *found false). */
static size_t locate(const struct passwd_file *pf, const char *name, bool *found)
{
	size_t lo = 0, hi = pf->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, pf->v[mid].name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const struct sl_passwd_entry *passwd_find(const struct passwd_file *pf, const char *name)
{
	bool found;
	size_t i;

	if (!pf || !name)
		return NULL;
	i = locate(pf, name, &found);
	return found ? &pf->v[i] : NULL;
}

static enum sl_err entry_check(const struct sl_passwd_entry *e)
{
	if (memchr(e->name, '\0', sizeof(e->name)) == NULL ||
			memchr(e->hash, '\0', sizeof(e->hash)) == NULL)
		return SL_ERR_INVAL;
	if (topic_check_name(e->name) != SL_OK || !passwd_role_name(e->role))
		return SL_ERR_INVAL;
	return passwd_hash_check(e->hash, NULL) == SL_OK ? SL_OK : SL_ERR_INVAL;
}

enum sl_err passwd_set(struct passwd_file *pf, const struct sl_passwd_entry *e)
{
	bool found;
	size_t i;

	if (!pf || !e || entry_check(e) != SL_OK)
		return SL_ERR_INVAL;
	i = locate(pf, e->name, &found);
	if (found) {
		pf->v[i] = *e;
		return SL_OK;
	}
	if (pf->n >= SL_PASSWD_ENTRIES_MAX)
		return SL_ERR_RANGE;
	if (pf->n == pf->cap) {
		size_t cap = pf->cap ? pf->cap * 2 : 16;
		struct sl_passwd_entry *v = realloc(pf->v, cap * sizeof(*v));

		if (!v)
			return SL_ERR_NOMEM;
		pf->v = v;
		pf->cap = cap;
	}
	memmove(&pf->v[i + 1], &pf->v[i], (pf->n - i) * sizeof(pf->v[0]));
	pf->v[i] = *e;
	pf->n++;
	return SL_OK;
}

enum sl_err passwd_remove(struct passwd_file *pf, const char *name)
{
	bool found;
	size_t i;

	if (!pf || !name)
		return SL_ERR_INVAL;
	i = locate(pf, name, &found);
	if (!found)
		return SL_ERR_NOT_FOUND;
	memmove(&pf->v[i], &pf->v[i + 1], (pf->n - i - 1) * sizeof(pf->v[0]));
	pf->n--;
	return SL_OK;
}

/* ---- loading ---- */

struct loader {
	const char *path;
	char *msg;
	size_t msg_size;
};

static void say(const struct loader *ld, unsigned line, const char *what)
{
	if (!ld->msg || ld->msg_size == 0)
		return;
	if (line)
		snprintf(ld->msg, ld->msg_size, "%s:%u: %s", ld->path, line, what);
	else
		snprintf(ld->msg, ld->msg_size, "%s: %s", ld->path, what);
}

/* Split s (modified in place) at ':' into at most max fields. */
static size_t split_fields(char *s, char **fields, size_t max)
{
	size_t n = 0;

	fields[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p != ':')
			continue;
		if (n == max)
			return max + 1;
		*p = '\0';
		fields[n++] = p + 1;
	}
	return n;
}

static const char *parse_line(char *s, struct sl_passwd_entry *e)
{
	char *f[6];
	size_t n = split_fields(s, f, 6);

	memset(e, 0, sizeof(*e));
	if (n < 5 || n > 6)
		return "expected name:role:origin:state:hash[:alerts]";
	if (topic_check_name(f[0]) != SL_OK)
		return "name: not a valid user name or lock id";
	memcpy(e->name, f[0], strlen(f[0]) + 1);
	if (passwd_role_parse(f[1], &e->role) != SL_OK)
		return "role: must be owner, resident, guest, agent or lock";
	if (strcmp(f[2], "home") == 0)
		e->home_only = true;
	else if (strcmp(f[2], "any") != 0)
		return "origin: must be home or any";
	if (strcmp(f[3], "on") == 0)
		e->enabled = true;
	else if (strcmp(f[3], "off") != 0)
		return "state: must be on or off";
	if (strlen(f[4]) >= sizeof(e->hash) || passwd_hash_check(f[4], NULL) != SL_OK)
		return "hash: not a $pbkdf2-sha512$ hash with a valid iteration count";
	memcpy(e->hash, f[4], strlen(f[4]) + 1);
	if (n == 6) {
		if (strcmp(f[5], "alerts") == 0)
			e->alerts = true;
		else if (strcmp(f[5], "noalerts") != 0)
			return "alerts: must be alerts or noalerts";
	}
	return NULL;
}

/* Read the whole file, refusing unsafe modes and oversized files. */
static enum sl_err read_checked(const struct loader *ld, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	enum sl_err rc = SL_ERR_IO;
	int fd = open(ld->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		say(ld, 0, strerror(errno));
		return errno == ENOENT ? SL_ERR_NOT_FOUND :
				errno == EACCES ? SL_ERR_PERM : SL_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say(ld, 0, "not a regular file");
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IRWXO)) {
		say(ld, 0, "unsafe mode: must not be writable by group or readable by others (0640)");
		rc = SL_ERR_PERM;
		goto out;
	}
	if (st.st_size > SL_PASSWD_FILE_MAX) {
		say(ld, 0, "file too large");
		rc = SL_ERR_TOO_LARGE;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			say(ld, 0, strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)st.st_size) {
			say(ld, 0, "file grew while being read");
			goto out;
		}
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = SL_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

struct passwd_file *passwd_load(const char *path, char *msg, size_t msg_size)
{
	struct loader ld = {path, msg, msg_size};
	struct passwd_file *pf = NULL;
	char *text = NULL, *line;
	size_t len = 0;
	unsigned lineno = 0;

	if (msg && msg_size)
		msg[0] = '\0';
	if (!path)
		return NULL;
	if (read_checked(&ld, &text, &len) != SL_OK)
		return NULL;
	if (memchr(text, '\0', len)) {
		say(&ld, 0, "file contains a NUL byte");
		goto fail;
	}
	pf = passwd_create();
	if (!pf) {
		say(&ld, 0, "out of memory");
		goto fail;
	}
	line = text;
	while (line < text + len) {
		char *nl = strchr(line, '\n');
		struct sl_passwd_entry e;
		const char *problem;
		enum sl_err rc;
		bool found;

		if (nl)
			*nl = '\0';
		lineno++;
		if (strlen(line) > LINE_MAX_BYTES) {
			say(&ld, lineno, "line too long");
			goto fail;
		}
		if (line[0] != '\0' && line[0] != '#') {
			problem = parse_line(line, &e);
			if (problem) {
				say(&ld, lineno, problem);
				goto fail;
			}
			locate(pf, e.name, &found);
			if (found) {
				say(&ld, lineno, "name: account listed twice");
				goto fail;
			}
			rc = passwd_set(pf, &e);
			if (rc != SL_OK) {
				say(&ld, lineno, rc == SL_ERR_RANGE ? "too many accounts" : sl_strerror(rc));
				goto fail;
			}
			OPENSSL_cleanse(&e, sizeof(e));
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	OPENSSL_cleanse(text, len);
	free(text);
	return pf;
fail:
	passwd_destroy(pf);
	if (text)
		OPENSSL_cleanse(text, len);
	free(text);
	return NULL;
}

enum sl_err passwd_save(const struct passwd_file *pf, const char *path)
{
	static const char header[] =
		"# smartlock broker accounts: name:role:origin:state:hash:alerts\n"
		"# written by smartlock-agent and smartlockctl; see smartlock_auth(8)\n";
	size_t cap, len;
	char *buf;
	enum sl_err rc;

	if (!pf || !path)
		return SL_ERR_INVAL;
	cap = sizeof(header) + pf->n * (SL_NAME_MAX + SL_PASSWD_HASH_MAX + 48);
	buf = malloc(cap);
	if (!buf)
		return SL_ERR_NOMEM;
	len = (size_t)snprintf(buf, cap, "%s", header);
	for (size_t i = 0; i < pf->n; i++) {
		const struct sl_passwd_entry *e = &pf->v[i];
		int n;

		if (entry_check(e) != SL_OK) {
			rc = SL_ERR_INVAL;
			goto out;
		}
		n = snprintf(buf + len, cap - len, "%s:%s:%s:%s:%s:%s\n", e->name,
				passwd_role_name(e->role), e->home_only ? "home" : "any",
				e->enabled ? "on" : "off", e->hash,
				e->alerts ? "alerts" : "noalerts");
		if (n < 0 || (size_t)n >= cap - len) {
			rc = SL_ERR_INTERNAL;
			goto out;
		}
		len += (size_t)n;
	}
	rc = atomic_write_file(path, buf, len, FILE_MODE);
out:
	free(buf);
	return rc;
}
