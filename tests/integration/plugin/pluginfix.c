/* pluginfix.c - the broker-with-plugin fixture of the plugin tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pluginfix.h"

void pf_fmt(char *dst, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(dst, size, format, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

int pf_init(struct pf *f)
{
	memset(f, 0, sizeof(*f));
	if (harness_tmpdir(f->dir, sizeof(f->dir)) != 0)
		return -1;
	pf_fmt(f->passwd_path, sizeof(f->passwd_path), "%s/passwd", f->dir);
	f->pw = passwd_create();
	return f->pw ? 0 : -1;
}

void pf_account(struct pf *f, const char *name, enum sl_passwd_role role,
		bool home_only, bool enabled, bool alerts)
{
	struct sl_passwd_entry e;
	char password[64];

	memset(&e, 0, sizeof(e));
	pf_fmt(e.name, sizeof(e.name), "%s", name);
	pf_fmt(password, sizeof(password), "pw-%s", name);
	e.role = role;
	e.home_only = home_only;
	e.enabled = enabled;
	e.alerts = alerts;
	assert_int_equal(passwd_hash_iter(password, PF_ITERATIONS, e.hash, sizeof(e.hash)), SL_OK);
	assert_int_equal(passwd_set(f->pw, &e), SL_OK);
}

void pf_default_accounts(struct pf *f)
{
	pf_account(f, "olga", SL_PW_OWNER, false, true, true);
	pf_account(f, "rita", SL_PW_RESIDENT, false, true, true);
	pf_account(f, "rex", SL_PW_RESIDENT, false, true, false);
	pf_account(f, "gina", SL_PW_GUEST, true, true, false);
	pf_account(f, "agent", SL_PW_AGENT, true, true, false);
	pf_account(f, "front-door", SL_PW_LOCK, true, true, false);
}

void pf_save(struct pf *f)
{
	assert_int_equal(passwd_save(f->pw, f->passwd_path), SL_OK);
}

int pf_start(struct pf *f, const char *home_networks, const char *extra)
{
	const char *preload = getenv("SMARTLOCK_PLUGIN_PRELOAD");
	char plugin[HARNESS_PATH_MAX];
	char *conf;
	size_t size;
	int rc;

	harness_build_path(plugin, sizeof(plugin), "src/broker-agent/plugin/smartlock_auth.so");
	size = strlen(plugin) + strlen(f->passwd_path) + strlen(home_networks) +
			(extra ? strlen(extra) : 0) + 256;
	conf = malloc(size);
	assert_non_null(conf);
	pf_fmt(conf, size,
			"allow_anonymous false\n"
			"plugin %s\n"
			"plugin_opt_passwd_file %s\n"
			"plugin_opt_home_networks %s\n"
			"%s\n", plugin, f->passwd_path, home_networks, extra ? extra : "");
	/* a sanitized plugin needs the sanitizer runtime first in the broker */
	if (preload && *preload)
		setenv("LD_PRELOAD", preload, 1);
	rc = harness_broker_start(&f->broker, f->dir, conf);
	if (preload && *preload)
		unsetenv("LD_PRELOAD");
	free(conf);
	f->broker_up = rc == 0;
	return rc;
}

void pf_finish(struct pf *f)
{
	if (f->broker_up)
		harness_broker_stop(&f->broker);
	passwd_destroy(f->pw);
	f->pw = NULL;
	if (f->dir[0])
		harness_rmtree(f->dir);
}

struct harness_client *pf_connect(struct pf *f, const char *name, const char *password)
{
	char pw[64];

	pf_fmt(pw, sizeof(pw), "pw-%s", name);
	return harness_client_local(&f->broker, name, password ? password : pw);
}

struct harness_client *pf_connect_tcp(struct pf *f, const char *name,
		const char *password, int port, const char *cafile, int *rc)
{
	char pw[64];
	struct harness_client_opts o;

	pf_fmt(pw, sizeof(pw), "pw-%s", name ? name : "");
	memset(&o, 0, sizeof(o));
	o.user = name;
	o.password = name ? (password ? password : pw) : NULL;
	o.host = "127.0.0.1";
	o.port = port ? port : f->broker.port;
	o.cafile = cafile;
	return harness_client_connect(&o, rc);
}

int pf_wait_payload(struct harness_client *c, const char *payload, int timeout_ms)
{
	for (;;) {
		struct harness_msg *m = harness_client_wait(c, NULL, timeout_ms);
		int match;

		if (!m)
			return 0;
		match = strcmp(m->payload, payload) == 0;
		harness_msg_free(m);
		if (match)
			return 1;
	}
}

int pf_delivered(struct harness_client *pub, const char *topic, bool retain,
		struct harness_client *obs, const char *marker_topic, const char *tag)
{
	char probe[96], marker[96];
	bool seen = false;

	pf_fmt(probe, sizeof(probe), "probe-%s", tag);
	pf_fmt(marker, sizeof(marker), "marker-%s", tag);
	if (harness_client_publish_str(pub, topic, probe, 1, retain) != 0)
		return -1;
	if (harness_client_publish_str(pub, marker_topic, marker, 1, false) != 0)
		return -1;
	for (;;) {
		struct harness_msg *m = harness_client_wait(obs, NULL, 5000);

		if (!m)
			return -1;
		if (strcmp(m->payload, probe) == 0)
			seen = true;
		if (strcmp(m->payload, marker) == 0) {
			harness_msg_free(m);
			return seen ? 1 : 0;
		}
		harness_msg_free(m);
	}
}

int pf_run(const char *log, char *const argv[], int timeout_ms)
{
	struct harness_proc p;

	if (harness_proc_start(&p, log, argv, NULL) != 0)
		return -1;
	if (harness_proc_wait(&p, timeout_ms) != 0) {
		harness_proc_stop(&p, SIGKILL, 1000);
		return -1;
	}
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
}

int pf_make_ca(const char *dir, const char *prefix)
{
	char ca_key[HARNESS_PATH_MAX], ca_crt[HARNESS_PATH_MAX], key[HARNESS_PATH_MAX];
	char csr[HARNESS_PATH_MAX], crt[HARNESS_PATH_MAX], ext[HARNESS_PATH_MAX];
	char log[HARNESS_PATH_MAX], serial[HARNESS_PATH_MAX];

	pf_fmt(ca_key, sizeof(ca_key), "%s/%sca.key", dir, prefix);
	pf_fmt(ca_crt, sizeof(ca_crt), "%s/%sca.crt", dir, prefix);
	pf_fmt(key, sizeof(key), "%s/%sserver.key", dir, prefix);
	pf_fmt(csr, sizeof(csr), "%s/%sserver.csr", dir, prefix);
	pf_fmt(crt, sizeof(crt), "%s/%sserver.crt", dir, prefix);
	pf_fmt(ext, sizeof(ext), "%s/%sext.cnf", dir, prefix);
	pf_fmt(log, sizeof(log), "%s/openssl.log", dir);
	pf_fmt(serial, sizeof(serial), "%s/%sca.srl", dir, prefix);
	if (harness_write_file(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
			"extendedKeyUsage=serverAuth\n", 0600) != 0)
		return -1;
	{
		char *const a[] = {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec",
			"-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", ca_key,
			"-out", ca_crt, "-days", "2", "-subj", "/CN=smartlock test CA", NULL};

		if (pf_run(log, a, 30000) != 0)
			return -1;
	}
	{
		char *const a[] = {"/usr/bin/openssl", "req", "-newkey", "ec",
			"-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
			"-out", csr, "-subj", "/CN=localhost", NULL};

		if (pf_run(log, a, 30000) != 0)
			return -1;
	}
	{
		char *const a[] = {"/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca_crt,
			"-CAkey", ca_key, "-CAserial", serial, "-CAcreateserial", "-out", crt,
			"-days", "2", "-extfile", ext, NULL};

		if (pf_run(log, a, 30000) != 0)
			return -1;
	}
	return 0;
}

/* ---- raw MQTT ---- */

struct buf {
	unsigned char *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *data, size_t len)
{
	if (b->n + len > b->cap) {
		size_t cap = (b->n + len) * 2;

		b->p = realloc(b->p, cap);
		assert_non_null(b->p);
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, len);
	b->n += len;
}

static void put_byte(struct buf *b, unsigned char c)
{
	put(b, &c, 1);
}

static void put_str(struct buf *b, const char *s, size_t len)
{
	put_byte(b, (unsigned char)(len >> 8));
	put_byte(b, (unsigned char)(len & 0xff));
	put(b, s, len);
}

/* Fixed header + body into one packet, written whole. */
static int send_packet(int fd, unsigned char type, const struct buf *body)
{
	struct buf pkt = {0};
	size_t len = body->n, off = 0;
	int rc = 0;

	put_byte(&pkt, type);
	do {
		unsigned char d = len % 128;

		len /= 128;
		put_byte(&pkt, len ? (unsigned char)(d | 0x80) : d);
	} while (len);
	put(&pkt, body->p, body->n);
	while (off < pkt.n) {
		ssize_t w = send(fd, pkt.p + off, pkt.n - off, MSG_NOSIGNAL);

		if (w <= 0) {
			rc = -1;
			break;
		}
		off += (size_t)w;
	}
	free(pkt.p);
	return rc;
}

int pf_raw_connect(struct pf *f, const char *id, const char *user, const char *password,
		const char *will_topic, const char *will_payload, int *connack)
{
	struct sockaddr_un sa;
	struct buf body = {0};
	unsigned char flags = 0x02, ack[4];
	struct pollfd pfd;
	size_t got = 0;
	int fd;

	if (connack)
		*connack = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	pf_fmt(sa.sun_path, sizeof(sa.sun_path), "%s", f->broker.socket_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		goto fail;
	if (user)
		flags |= 0x80;
	if (password)
		flags |= 0x40;
	if (will_topic)
		flags |= 0x04 | 0x08;   /* will, QoS 1 */
	put_str(&body, "MQTT", 4);
	put_byte(&body, 4);
	put_byte(&body, flags);
	put_byte(&body, 0);
	put_byte(&body, 60);
	put_str(&body, id, strlen(id));
	if (will_topic) {
		put_str(&body, will_topic, strlen(will_topic));
		put_str(&body, will_payload, strlen(will_payload));
	}
	if (user)
		put_str(&body, user, strlen(user));
	if (password)
		put_str(&body, password, strlen(password));
	if (send_packet(fd, 0x10, &body) != 0)
		goto fail;
	free(body.p);
	body.p = NULL;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < sizeof(ack)) {
		ssize_t r;

		if (poll(&pfd, 1, 5000) != 1)
			goto fail;
		r = recv(fd, ack + got, sizeof(ack) - got, 0);
		if (r <= 0)
			goto fail;
		got += (size_t)r;
	}
	if (ack[0] != 0x20 || ack[1] != 2)
		goto fail;
	if (connack)
		*connack = ack[3];
	if (ack[3] != 0)
		goto fail;
	return fd;
fail:
	free(body.p);
	close(fd);
	return -1;
}

int pf_raw_publish(int fd, const char *topic, const void *payload, size_t len)
{
	struct buf body = {0};
	int rc;

	put_str(&body, topic, strlen(topic));
	put(&body, payload, len);
	rc = send_packet(fd, 0x30, &body);
	free(body.p);
	return rc;
}
