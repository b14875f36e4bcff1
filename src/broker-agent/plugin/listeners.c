/* listeners.c - prove from Mosquitto's configuration that every listener
 * other hosts can reach uses TLS. */
#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "listeners.h"
#include "smartlock/atomicfile.h"

#define CONF_MAX (1024 * 1024)
#define INCLUDE_DEPTH_MAX 4
#define INCLUDE_FILES_MAX 256
#define HOST_MAX 256

struct listener {
	bool active;
	long port;
	char host[HOST_MAX];    /* "" = all interfaces */
	char iface[64];         /* bind_interface, "" when unset */
	bool cert, key, psk;
	char where[96];         /* "file:line" where it was declared */
};

struct audit {
	struct listener_audit *a;
	struct listener cur;            /* the listener options apply to */
	struct listener deflt;          /* options before any listener line */
	bool in_listener;
	int depth;
};

static enum sl_err audit_file(struct audit *au, const char *path);

static bool is_loopback_host(const char *h)
{
	unsigned char buf[16];
	static const unsigned char v6_loopback[16] = {[15] = 1};

	if (strcmp(h, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, h, buf) == 1)
		return buf[0] == 127;
	if (inet_pton(AF_INET6, h, buf) == 1)
		return memcmp(buf, v6_loopback, 16) == 0;
	return false;
}

/* Classify a finished listener into the counters. */
static enum sl_err account(struct audit *au, const struct listener *l)
{
	struct listener_audit *a = au->a;
	bool unix_socket = l->port == 0 && l->host[0] == '/';
	bool iface_ok = l->iface[0] == '\0' || strcmp(l->iface, "lo") == 0;
	bool local = unix_socket || (l->host[0] && is_loopback_host(l->host) && iface_ok);
	bool tls = (l->cert && l->key) || l->psk;

	a->listeners++;
	if (local) {
		a->local++;
		return SL_OK;
	}
	if (tls) {
		a->remote_tls++;
		return SL_OK;
	}
	a->remote_plain++;
	if (!a->problem[0])
		snprintf(a->problem, sizeof(a->problem),
				"%.96s: listener on port %ld (%.64s) is reachable from other hosts "
				"without TLS: give it certfile and keyfile, or bind it to "
				"127.0.0.1 or a Unix socket", l->where, l->port,
				l->host[0] ? l->host : "all interfaces");
	return SL_ERR_PERM;
}

static enum sl_err finish_current(struct audit *au)
{
	enum sl_err rc = SL_OK;

	if (au->in_listener && au->cur.active)
		rc = account(au, &au->cur);
	memset(&au->cur, 0, sizeof(au->cur));
	au->in_listener = false;
	return rc;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static enum sl_err include_dir(struct audit *au, const char *dir)
{
	char *names[INCLUDE_FILES_MAX];
	size_t n = 0;
	enum sl_err rc = SL_OK;
	struct dirent *de;
	DIR *d;

	if (au->depth >= INCLUDE_DEPTH_MAX) {
		snprintf(au->a->problem, sizeof(au->a->problem), "%s: includes nested too deep", dir);
		return SL_ERR_RANGE;
	}
	d = opendir(dir);
	if (!d) {
		snprintf(au->a->problem, sizeof(au->a->problem), "%s: cannot open include_dir", dir);
		return SL_ERR_IO;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".conf") != 0)
			continue;
		if (n == INCLUDE_FILES_MAX) {
			rc = SL_ERR_RANGE;
			snprintf(au->a->problem, sizeof(au->a->problem), "%s: too many files", dir);
			break;
		}
		names[n] = malloc(strlen(dir) + len + 2);
		if (!names[n]) {
			rc = SL_ERR_NOMEM;
			break;
		}
		sprintf(names[n], "%s/%s", dir, de->d_name);
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_str);
	au->depth++;
	for (size_t i = 0; i < n; i++) {
		if (rc == SL_OK)
			rc = audit_file(au, names[i]);
		free(names[i]);
	}
	au->depth--;
	return rc;
}

/* The listener that options on this line apply to. */
static struct listener *target(struct audit *au)
{
	if (au->in_listener)
		return &au->cur;
	au->deflt.active = true;
	return &au->deflt;
}

static bool parse_port(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 65535)
		return false;
	*out = v;
	return true;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Options that create Mosquitto's default listener when given before any
 * listener line (they make it exist even without "port"). */
static bool is_default_listener_option(const char *key)
{
	static const char *const keys[] = {
		"cafile", "capath", "max_connections", "mount_point",
		"protocol", "require_certificate", "socket_domain",
		"use_identity_as_username", "use_subject_as_username",
		"use_username_as_clientid",
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i]) == 0)
			return true;
	}
	return false;
}

static enum sl_err line(struct audit *au, char *s, const char *where)
{
	char *save = NULL, *key, *v1, *v2;
	struct listener *l;
	enum sl_err rc;

	key = strtok_r(s, " \t\r", &save);
	if (!key || key[0] == '#')
		return SL_OK;
	v1 = strtok_r(NULL, " \t\r", &save);
	v2 = strtok_r(NULL, " \t\r", &save);
	if (strcmp(key, "listener") == 0) {
		rc = finish_current(au);
		if (rc != SL_OK)
			return rc;
		au->in_listener = true;
		au->cur.active = true;
		copy(au->cur.where, sizeof(au->cur.where), where);
		if (!parse_port(v1, &au->cur.port)) {
			snprintf(au->a->problem, sizeof(au->a->problem), "%s: bad listener line", where);
			return SL_ERR_BAD_VALUE;
		}
		copy(au->cur.host, sizeof(au->cur.host), v2);
	} else if (strcmp(key, "port") == 0) {
		l = &au->deflt;
		l->active = true;
		copy(l->where, sizeof(l->where), where);
		if (!parse_port(v1, &l->port)) {
			snprintf(au->a->problem, sizeof(au->a->problem), "%s: bad port line", where);
			return SL_ERR_BAD_VALUE;
		}
	} else if (strcmp(key, "bind_address") == 0) {
		l = &au->deflt;
		l->active = true;
		copy(l->host, sizeof(l->host), v1);
	} else if (strcmp(key, "bind_interface") == 0) {
		copy(target(au)->iface, sizeof(au->cur.iface), v1);
	} else if (strcmp(key, "certfile") == 0) {
		target(au)->cert = v1 != NULL;
	} else if (strcmp(key, "keyfile") == 0) {
		target(au)->key = v1 != NULL;
	} else if (strcmp(key, "psk_hint") == 0) {
		target(au)->psk = v1 != NULL;
	} else if (strcmp(key, "per_listener_settings") == 0) {
		au->a->per_listener_settings = v1 && strcmp(v1, "true") == 0;
	} else if (strcmp(key, "include_dir") == 0) {
		if (!v1) {
			snprintf(au->a->problem, sizeof(au->a->problem), "%s: include_dir without a directory", where);
			return SL_ERR_BAD_VALUE;
		}
		return include_dir(au, v1);
	} else if (!au->in_listener && is_default_listener_option(key)) {
		target(au);
	}
	return SL_OK;
}

static enum sl_err audit_text(struct audit *au, char *text, const char *name)
{
	unsigned lineno = 0;
	char *p = text;

	while (p && *p) {
		char *nl = strchr(p, '\n');
		char where[96];
		enum sl_err rc;

		if (nl)
			*nl = '\0';
		lineno++;
		snprintf(where, sizeof(where), "%.80s:%u", name, lineno);
		rc = line(au, p, where);
		if (rc != SL_OK)
			return rc;
		p = nl ? nl + 1 : NULL;
	}
	return SL_OK;
}

static enum sl_err audit_file(struct audit *au, const char *path)
{
	char *text = NULL;
	size_t len;
	enum sl_err rc = atomic_read_file(path, CONF_MAX, &text, &len);

	if (rc != SL_OK) {
		snprintf(au->a->problem, sizeof(au->a->problem),
				"%s: cannot read the broker configuration: %s", path, sl_strerror(rc));
		return rc;
	}
	rc = audit_text(au, text, path);
	free(text);
	return rc;
}

static enum sl_err finish(struct audit *au, enum sl_err rc)
{
	if (rc == SL_OK)
		rc = finish_current(au);
	if (rc == SL_OK && au->deflt.active) {
		if (!au->deflt.port)
			au->deflt.port = 1883;
		if (!au->deflt.where[0])
			copy(au->deflt.where, sizeof(au->deflt.where), "default listener");
		rc = account(au, &au->deflt);
	}
	if (rc == SL_OK && au->a->per_listener_settings) {
		snprintf(au->a->problem, sizeof(au->a->problem),
				"per_listener_settings true would let listeners escape "
				"smartlock_auth: set it to false");
		rc = SL_ERR_PERM;
	}
	return rc;
}

enum sl_err listeners_audit_text(const char *text, const char *name,
		struct listener_audit *a)
{
	struct audit au;
	char *copy_text;
	enum sl_err rc;

	memset(&au, 0, sizeof(au));
	au.a = a;
	copy_text = strdup(text ? text : "");
	if (!copy_text)
		return SL_ERR_NOMEM;
	rc = audit_text(&au, copy_text, name ? name : "config");
	free(copy_text);
	return finish(&au, rc);
}

enum sl_err listeners_audit_file(const char *path, struct listener_audit *a)
{
	struct audit au;

	memset(&au, 0, sizeof(au));
	au.a = a;
	return finish(&au, audit_file(&au, path));
}

enum sl_err listeners_own_config(char *buf, size_t size)
{
	char *cmd = NULL;
	size_t len = 0;
	enum sl_err rc = atomic_read_file("/proc/self/cmdline", 64 * 1024, &cmd, &len);
	const char *p, *end;

	if (rc != SL_OK)
		return rc;
	rc = SL_ERR_NOT_FOUND;
	end = cmd + len;
	for (p = cmd; p < end; p += strlen(p) + 1) {
		const char *next = p + strlen(p) + 1;

		if ((strcmp(p, "-c") == 0 || strcmp(p, "--config-file") == 0) && next < end) {
			int n = snprintf(buf, size, "%s", next);

			rc = n < 0 || (size_t)n >= size ? SL_ERR_TOO_LONG : SL_OK;
			break;
		}
	}
	free(cmd);
	return rc;
}
