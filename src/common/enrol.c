/* enrol.c - read and write the enrolment file of a console or CLI user. */
#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "smartlock/atomicfile.h"
#include "smartlock/enrol.h"

#define ENROL_TEXT_MAX 4096
#define DEFAULT_PORT 8883

static enum sl_err parse_role(const char *value, void *field, char *msg, size_t msg_size)
{
	if (proto_role_parse(value, field) != SL_OK) {
		snprintf(msg, msg_size, "must be owner, resident or guest");
		return SL_ERR_BAD_VALUE;
	}
	return SL_OK;
}

#define FIELD(f) offsetof(struct sl_enrolment, f), sizeof(((struct sl_enrolment *)0)->f)

/* Sorted by name for config_parse's bsearch. */
static const struct sl_config_key enrol_keys[] = {
	{"cafile", SL_CFG_STRING, false, FIELD(cafile), 0, 0, NULL},
	{"host", SL_CFG_STRING, false, FIELD(host), 0, 0, NULL},
	{"lock", SL_CFG_NAME, false, FIELD(lock), 0, 0, NULL},
	{"password", SL_CFG_STRING, true, FIELD(password), 0, 0, NULL},
	{"port", SL_CFG_INT, false, offsetof(struct sl_enrolment, port), 0, 1, 65535, NULL},
	{"role", SL_CFG_CUSTOM, true, FIELD(role), 0, 0, parse_role},
	{"signing_key", SL_CFG_KEY, true, offsetof(struct sl_enrolment, key), 0, 0, 0, NULL},
	{"socket", SL_CFG_STRING, false, FIELD(socket), 0, 0, NULL},
	{"tls", SL_CFG_BOOL, false, offsetof(struct sl_enrolment, tls), 0, 0, 0, NULL},
	{"user", SL_CFG_NAME, true, FIELD(user), 0, 0, NULL},
};

#define NKEYS (sizeof(enrol_keys) / sizeof(enrol_keys[0]))

static bool is_loopback_host(const char *h)
{
	unsigned char a[16];
	static const unsigned char v6_loopback[16] = {[15] = 1};

	if (strcmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, h, a) == 1)
		return memcmp(a, v6_loopback, 16) == 0;
	return false;
}

static enum sl_err fail(struct sl_config_error *err, const char *path, const char *key,
		enum sl_err code, const char *msg)
{
	if (err) {
		memset(err, 0, sizeof(*err));
		err->code = code;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->key, sizeof(err->key), "%s", key);
		snprintf(err->msg, sizeof(err->msg), "%s", msg);
	}
	return code;
}

/* Make a relative cafile relative to the directory of the enrolment file,
 * and absolute. */
static enum sl_err resolve_cafile(const char *path, char *cafile, size_t size)
{
	char dir[PATH_MAX], out[PATH_MAX];
	const char *slash;
	int n;

	if (cafile[0] == '\0' || cafile[0] == '/')
		return SL_OK;
	slash = strrchr(path, '/');
	if (path[0] == '/') {
		n = snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 0, path);
	} else {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return SL_ERR_IO;
		if (slash)
			n = snprintf(dir, sizeof(dir), "%s/%.*s", cwd, (int)(slash - path), path);
		else
			n = snprintf(dir, sizeof(dir), "%s", cwd);
	}
	if (n < 0 || (size_t)n >= sizeof(dir))
		return SL_ERR_TOO_LONG;
	n = snprintf(out, sizeof(out), "%s/%s", dir, cafile);
	if (n < 0 || (size_t)n >= size)
		return SL_ERR_TOO_LONG;
	memcpy(cafile, out, (size_t)n + 1);
	return SL_OK;
}

static enum sl_err validate(const char *path, struct sl_enrolment *e,
		struct sl_config_error *err)
{
	if (e->password[0] == '\0')
		return fail(err, path, "password", SL_ERR_CONFIG_VALUE, "must not be empty");
	if (e->socket[0] == '\0' && e->host[0] == '\0')
		return fail(err, path, "host", SL_ERR_CONFIG_MISSING,
				"either host or socket must be given");
	if (e->socket[0] == '\0' && !e->tls && !is_loopback_host(e->host))
		return fail(err, path, "tls", SL_ERR_CONFIG_VALUE,
				"must be true for a broker that is not on this machine");
	if (e->socket[0] == '\0' && e->tls && e->cafile[0] == '\0')
		return fail(err, path, "cafile", SL_ERR_CONFIG_MISSING,
				"TLS needs the site's CA certificate");
	if (resolve_cafile(path, e->cafile, sizeof(e->cafile)) != SL_OK)
		return fail(err, path, "cafile", SL_ERR_CONFIG_VALUE, "path too long");
	return SL_OK;
}

enum sl_err enrol_load(const char *path, struct sl_enrolment *out,
		struct sl_config_error *err)
{
	struct sl_enrolment e;
	enum sl_err rc;

	if (!path || !out)
		return fail(err, path ? path : "", "", SL_ERR_INVAL, "no file");
	memset(&e, 0, sizeof(e));
	snprintf(e.lock, sizeof(e.lock), "%s", SL_DEFAULT_LOCK);
	e.port = DEFAULT_PORT;
	e.tls = true;
	rc = config_load(path, true, enrol_keys, NKEYS, &e, err);
	if (rc == SL_OK)
		rc = validate(path, &e, err);
	if (rc == SL_OK)
		*out = e;
	enrol_wipe(&e);
	return rc;
}

/* A value that round-trips through the config format unquoted. */
static bool plain_value(const char *s)
{
	size_t n = strlen(s);

	if (n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"')
			return false;
	}
	return n < SL_CONFIG_LINE_MAX / 2;
}

enum sl_err enrol_save(const char *path, const struct sl_enrolment *e, bool overwrite)
{
	char *text = NULL, hex[SL_KEY_HEX + 1];
	const char *role;
	size_t len = 0;
	enum sl_err rc;
	int n;

	if (!path || !e)
		return SL_ERR_INVAL;
	role = proto_role_name(e->role);
	if (!role || topic_check_name(e->user) != SL_OK || topic_check_name(e->lock) != SL_OK ||
			e->port < 1 || e->port > 65535 || e->password[0] == '\0' ||
			!plain_value(e->password) || !plain_value(e->host) ||
			!plain_value(e->socket) || !plain_value(e->cafile) ||
			(e->socket[0] == '\0' && e->host[0] == '\0'))
		return SL_ERR_INVAL;
	rc = sign_key_to_hex(&e->key, hex, sizeof(hex));
	if (rc != SL_OK)
		return rc;
	text = malloc(ENROL_TEXT_MAX);
	if (!text) {
		rc = SL_ERR_NOMEM;
		goto out;
	}
	n = snprintf(text, ENROL_TEXT_MAX,
			"# smartlock enrolment of %s: broker, trust and credentials.\n"
			"# Keep it private (mode 0600); see smartlockctl-user(1).\n"
			"user = %s\nrole = %s\nlock = %s\n", e->user, e->user, role, e->lock);
	if (n > 0)
		len = (size_t)n;
	if (e->host[0] && len < ENROL_TEXT_MAX) {
		n = snprintf(text + len, ENROL_TEXT_MAX - len, "host = %s\nport = %lld\n",
				e->host, (long long)e->port);
		len += n > 0 ? (size_t)n : 0;
	}
	if (e->socket[0] && len < ENROL_TEXT_MAX) {
		n = snprintf(text + len, ENROL_TEXT_MAX - len, "socket = %s\n", e->socket);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < ENROL_TEXT_MAX) {
		n = snprintf(text + len, ENROL_TEXT_MAX - len, "tls = %s\n", e->tls ? "true" : "false");
		len += n > 0 ? (size_t)n : 0;
	}
	if (e->cafile[0] && len < ENROL_TEXT_MAX) {
		n = snprintf(text + len, ENROL_TEXT_MAX - len, "cafile = %s\n", e->cafile);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len < ENROL_TEXT_MAX) {
		n = snprintf(text + len, ENROL_TEXT_MAX - len, "password = %s\nsigning_key = %s\n",
				e->password, hex);
		len += n > 0 ? (size_t)n : 0;
	}
	if (len >= ENROL_TEXT_MAX) {
		rc = SL_ERR_TOO_LONG;
		goto out;
	}
	rc = overwrite ? atomic_write_file(path, text, len, 0600) :
			atomic_create_file(path, text, len, 0600);
out:
	if (text) {
		OPENSSL_cleanse(text, ENROL_TEXT_MAX);
		free(text);
	}
	OPENSSL_cleanse(hex, sizeof(hex));
	return rc;
}

void enrol_wipe(struct sl_enrolment *e)
{
	if (!e)
		return;
	OPENSSL_cleanse(e->password, sizeof(e->password));
	sign_key_wipe(&e->key);
}
