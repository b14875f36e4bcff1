/*
 * site.c - `smartlockctl init` and `smartlockctl user add`: create a whole
 * site (private CA and server certificate, broker accounts, signing keys,
 * the plugin's password file, agent/lock/broker configurations, the
 * owner's enrolment) and add users to it, working on the files directly.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "site.h"
#include "smartlock/account.h"
#include "smartlock/atomicfile.h"
#include "smartlock/config.h"
#include "smartlock/enrol.h"
#include "smartlock/passwd.h"
#include "smartlock/protocol.h"
#include "smartlock/schedule.h"
#include "smartlock/sign.h"
#include "smartlock/timeutil.h"
#include "smartlock/topic.h"
#include "smartlock/userstore.h"
#include "text.h"

#define DEFAULT_SITE "/etc/smartlock"
#define DEFAULT_HOME_NETWORKS "192.168.0.0/16,10.0.0.0/8,172.16.0.0/12,fd00::/8,fe80::/10,127.0.0.0/8,::1/128"
#define DEFAULT_TLS_PORT 8883
#define HOSTS_MAX 8
#define HOST_MAX 253
#define CA_DAYS 3650
#define SERVER_DAYS 1825
#define PW_MAX 48
#define PLUGIN_NAME "smartlock_auth.so"

/* ---- messages and small helpers ---- */

static void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say_error(const char *fmt, ...)
{
	va_list ap;

	fputs("smartlockctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A growing text buffer; wiped when freed (it may hold secrets). */
struct text {
	char *s;
	size_t len, cap;
	bool failed;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		{
			size_t cap = (t->cap + (size_t)n + 1) * 2;
			char *s = malloc(cap);

			if (!s) {
				t->failed = true;
				return;
			}
			if (t->s) {
				memcpy(s, t->s, t->len + 1);
				OPENSSL_cleanse(t->s, t->cap);
				free(t->s);
			} else {
				s[0] = '\0';
			}
			t->s = s;
			t->cap = cap;
		}
	}
}

static void text_free(struct text *t)
{
	if (t->s) {
		OPENSSL_cleanse(t->s, t->cap);
		free(t->s);
	}
	memset(t, 0, sizeof(*t));
}

/* Copy src into dst (size bytes); false (and dst untouched) if too long. */
static bool copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

static bool join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	return n > 0 && (size_t)n < size;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* mkdir -p; the last component gets mode (an existing one is kept). */
static int make_dirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	return 0;
}

/* mkdir -p of the directory holding path (mode 0750 when made). */
static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return -1;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return exists(dir) ? 0 : make_dirs(dir, 0750);
}

/* Create a file that must not exist yet (atomically, durable). */
static int write_new(const char *path, const void *data, size_t len, mode_t mode)
{
	enum sl_err rc = atomic_create_file(path, data, len, mode);

	if (rc == SL_ERR_EXISTS) {
		say_error("%s exists already: refusing to overwrite it", path);
		return SITE_EXIT_EXISTS;
	}
	if (rc != SL_OK) {
		say_error("cannot write %s: %s", path, sl_strerror(rc));
		return SITE_EXIT_FAIL;
	}
	return SITE_EXIT_OK;
}

static int write_text_new(const char *path, struct text *t, mode_t mode)
{
	if (t->failed || !t->s) {
		say_error("out of memory");
		return SITE_EXIT_FAIL;
	}
	return write_new(path, t->s, t->len, mode);
}

static bool is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static bool valid_host(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > HOST_MAX)
		return false;
	if (is_ip(s))
		return true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return s[0] != '-' && s[0] != '.';
}

/* A value for the config files: no line breaks, quotes or edge blanks. */
static bool plain(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"')
			return false;
	}
	return true;
}

static int parse_number(const char *opt, const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (config_parse_int(s, min, max, out) != SL_OK) {
		say_error("%s: expected a number from %lld to %lld", opt, (long long)min,
				(long long)max);
		return -1;
	}
	return 0;
}

/* ---- certificates (OpenSSL) ---- */

struct cert_spec {
	const char *cn;
	int days;
	bool ca;
	const char *san;        /* "DNS:a,IP:b" for a server, NULL for the CA */
};

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ex;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ex)
		return -1;
	ok = X509_add_ext(cert, ex, -1);
	X509_EXTENSION_free(ex);
	return ok ? 0 : -1;
}

/* A certificate for key, signed by ca_key (ca_cert NULL: self-signed). */
static X509 *make_cert(const struct cert_spec *spec, EVP_PKEY *key,
		EVP_PKEY *ca_key, X509 *ca_cert)
{
	unsigned char serial[16];
	X509 *cert = X509_new();
	X509_NAME *name = NULL;
	BIGNUM *bn = NULL;
	X509 *issuer;

	if (!cert || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)))
		goto fail;
	if (!X509_set_version(cert, 2) ||
			!X509_gmtime_adj(X509_getm_notBefore(cert), -3600) ||
			!X509_time_adj_ex(X509_getm_notAfter(cert), spec->days, 0, NULL) ||
			!X509_set_pubkey(cert, key))
		goto fail;
	name = X509_NAME_new();
	if (!name ||
			!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
				(const unsigned char *)"smartlock", -1, -1, 0) ||
			!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				(const unsigned char *)spec->cn, -1, -1, 0) ||
			!X509_set_subject_name(cert, name))
		goto fail;
	if (!X509_set_issuer_name(cert, ca_cert ? X509_get_subject_name(ca_cert) : name))
		goto fail;
	issuer = ca_cert ? ca_cert : cert;
	if (add_ext(cert, issuer, NID_subject_key_identifier, "hash") != 0 ||
			add_ext(cert, issuer, NID_authority_key_identifier, "keyid:always") != 0)
		goto fail;
	if (spec->ca) {
		if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != 0 ||
				add_ext(cert, issuer, NID_key_usage, "critical,keyCertSign,cRLSign") != 0)
			goto fail;
	} else {
		if (add_ext(cert, issuer, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
				add_ext(cert, issuer, NID_key_usage, "critical,digitalSignature") != 0 ||
				add_ext(cert, issuer, NID_ext_key_usage, "serverAuth") != 0 ||
				add_ext(cert, issuer, NID_subject_alt_name, spec->san) != 0)
			goto fail;
	}
	if (!X509_sign(cert, ca_key, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	BN_free(bn);
	return cert;
fail:
	X509_NAME_free(name);
	BN_free(bn);
	X509_free(cert);
	return NULL;
}

static int write_pem_key(const char *path, EVP_PKEY *key, mode_t mode)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int rc = SITE_EXIT_FAIL;

	if (b && PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)) {
		len = BIO_get_mem_data(b, &data);
		if (len > 0)
			rc = write_new(path, data, (size_t)len, mode);
	}
	if (rc == SITE_EXIT_FAIL)
		say_error("cannot write the key %s", path);
	BIO_free_all(b);        /* BIO_s_mem clears its buffer on free */
	return rc;
}

static int write_pem_cert(const char *path, X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int rc = SITE_EXIT_FAIL;

	if (b && PEM_write_bio_X509(b, cert)) {
		len = BIO_get_mem_data(b, &data);
		if (len > 0)
			rc = write_new(path, data, (size_t)len, 0644);
	}
	if (rc == SITE_EXIT_FAIL)
		say_error("cannot write the certificate %s", path);
	BIO_free_all(b);
	return rc;
}

static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *c;

	if (!f)
		return NULL;
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return c;
}

/* ---- the site description read by `user add` ---- */

struct site_info {
	char lock[SL_NAME_MAX + 1];
	char host[HOST_MAX + 1];
	int64_t port;
	char socket[SL_PATH_MAX];
	char cafile[SL_PATH_MAX];
	char passwd_file[SL_PATH_MAX];
	char users_file[SL_PATH_MAX];
	int64_t iterations;
};

#define SI(f) offsetof(struct site_info, f), sizeof(((struct site_info *)0)->f)

/* Sorted by name. */
static const struct sl_config_key site_keys[] = {
	{"cafile", SL_CFG_STRING, true, SI(cafile), 0, 0, NULL},
	{"host", SL_CFG_STRING, true, SI(host), 0, 0, NULL},
	{"lock", SL_CFG_NAME, true, SI(lock), 0, 0, NULL},
	{"passwd_file", SL_CFG_STRING, true, SI(passwd_file), 0, 0, NULL},
	/* read from older sites and ignored: the cost is the agent account's
	 * (account.h) */
	{"pbkdf2_iterations", SL_CFG_INT, false, offsetof(struct site_info, iterations), 0,
		SL_PBKDF2_MIN_ITERATIONS, SL_PBKDF2_MAX_ITERATIONS, NULL},
	{"port", SL_CFG_INT, true, offsetof(struct site_info, port), 0, 1, 65535, NULL},
	{"socket", SL_CFG_STRING, false, SI(socket), 0, 0, NULL},
	{"users_file", SL_CFG_STRING, true, SI(users_file), 0, 0, NULL},
};

/* ---- init ---- */

struct init_opts {
	char dir[PATH_MAX];
	const char *lock;
	const char *owner;
	const char *hosts[HOSTS_MAX];
	size_t nhosts;
	int64_t port;
	const char *home_networks;
	const char *plugin;
	const char *socket;
	const char *bind;
	const char *broker_user;
	const char *agent_user;
	const char *state_dir;
	const char *passwd;
	const char *lockd_state;
	const char *backend;
	int64_t iterations;
};

struct init_paths {
	char ca_dir[PATH_MAX], keys_dir[PATH_MAX], state_dir[PATH_MAX];
	char ca_key[PATH_MAX], ca_crt[PATH_MAX], server_key[PATH_MAX], server_crt[PATH_MAX];
	char passwd[PATH_MAX], agent_conf[PATH_MAX], lockd_conf[PATH_MAX], lock_key[PATH_MAX];
	char users[PATH_MAX], owner_enrol[PATH_MAX], mosquitto_conf[PATH_MAX];
	char site_conf[PATH_MAX], socket[PATH_MAX], lockd_state[PATH_MAX];
	char plugin[PATH_MAX];
};

struct secrets {
	char agent_pw[PW_MAX], lock_pw[PW_MAX], owner_pw[PW_MAX];
	struct sl_key lock_key, owner_key;
};

static void secrets_wipe(struct secrets *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

static const char init_usage[] =
	"usage: smartlockctl init DIR [--lock ID] [--owner NAME] [--host NAME]...\n"
	"                        [--port N] [--bind ADDR] [--home-networks CIDRS]\n"
	"                        [--socket PATH] [--plugin PATH] [--broker-user USER]\n"
	"                        [--agent-user USER] [--state-dir DIR] [--passwd PATH]\n"
	"                        [--lockd-state PATH] [--backend sim|gpio]\n"
	"                        [--pbkdf2-iterations N]\n";

/* Is path a plugin Mosquitto can load: absolute, a readable regular file
 * that starts like a shared object (ELF)? Says why not. */
static bool plugin_usable(const char *path)
{
	unsigned char magic[4];
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (path[0] != '/') {
		say_error("--plugin %s: give an absolute path (Mosquitto loads it from its own "
				"directory)", path);
		return false;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		say_error("--plugin %s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return false;
	}
	n = read(fd, magic, sizeof(magic));
	close(fd);
	if (n != (ssize_t)sizeof(magic) || memcmp(magic, "\x7f" "ELF", 4) != 0) {
		say_error("--plugin %s: not a shared object (no ELF header)", path);
		return false;
	}
	return true;
}

/* The installed plugin: a path given at build time, else next to this
 * program (build tree or install prefix), else the system library dirs. */
static bool find_plugin(char *out, size_t size)
{
	static const char *const system_globs[] = {
		"/usr/lib/*/mosquitto/" PLUGIN_NAME,
		"/usr/lib/mosquitto/" PLUGIN_NAME,
		"/usr/local/lib/*/mosquitto/" PLUGIN_NAME,
		"/usr/local/lib/mosquitto/" PLUGIN_NAME,
	};
	char exe[PATH_MAX], pattern[PATH_MAX + 64];
	ssize_t n;

#ifdef SMARTLOCK_PLUGIN_PATH
	if (access(SMARTLOCK_PLUGIN_PATH, R_OK) == 0) {
		return copy(out, size, SMARTLOCK_PLUGIN_PATH);
	}
#endif
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;
		const char *rel[] = {
			"/../broker-agent/plugin/" PLUGIN_NAME,
			"/../lib/*/mosquitto/" PLUGIN_NAME,
			"/../lib/mosquitto/" PLUGIN_NAME,
			"/../lib64/mosquitto/" PLUGIN_NAME,
		};

		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			glob_t g;

			snprintf(pattern, sizeof(pattern), "%s%s", exe, rel[i]);
			if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
				char *real = realpath(g.gl_pathv[0], NULL);
				bool ok = real && copy(out, size, real);

				free(real);
				globfree(&g);
				if (ok)
					return true;
				continue;
			}
			globfree(&g);
		}
	}
	for (size_t i = 0; i < sizeof(system_globs) / sizeof(system_globs[0]); i++) {
		glob_t g;
		bool ok = false;

		if (glob(system_globs[i], 0, NULL, &g) == 0 && g.gl_pathc > 0)
			ok = copy(out, size, g.gl_pathv[0]);
		globfree(&g);
		if (ok)
			return true;
	}
	return false;
}

enum init_opt_id {
	OPT_LOCK = 256, OPT_OWNER, OPT_HOST, OPT_PORT, OPT_HOME, OPT_PLUGIN, OPT_SOCKET,
	OPT_BIND, OPT_BROKER_USER, OPT_BACKEND, OPT_ITER, OPT_HELP, OPT_AGENT_USER,
	OPT_STATE_DIR, OPT_PASSWD, OPT_LOCKD_STATE,
};

static int parse_init(int argc, char **argv, struct init_opts *o)
{
	static const struct option longopts[] = {
		{"agent-user", required_argument, NULL, OPT_AGENT_USER},
		{"backend", required_argument, NULL, OPT_BACKEND},
		{"bind", required_argument, NULL, OPT_BIND},
		{"broker-user", required_argument, NULL, OPT_BROKER_USER},
		{"help", no_argument, NULL, OPT_HELP},
		{"home-networks", required_argument, NULL, OPT_HOME},
		{"host", required_argument, NULL, OPT_HOST},
		{"lock", required_argument, NULL, OPT_LOCK},
		{"lockd-state", required_argument, NULL, OPT_LOCKD_STATE},
		{"owner", required_argument, NULL, OPT_OWNER},
		{"passwd", required_argument, NULL, OPT_PASSWD},
		{"pbkdf2-iterations", required_argument, NULL, OPT_ITER},
		{"plugin", required_argument, NULL, OPT_PLUGIN},
		{"port", required_argument, NULL, OPT_PORT},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"state-dir", required_argument, NULL, OPT_STATE_DIR},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->lock = SL_DEFAULT_LOCK;
	o->owner = "owner";
	o->port = DEFAULT_TLS_PORT;
	o->home_networks = DEFAULT_HOME_NETWORKS;
	o->backend = "sim";
	o->iterations = SL_PBKDF2_ITERATIONS;
	optind = 0;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_LOCK: o->lock = optarg; break;
		case OPT_OWNER: o->owner = optarg; break;
		case OPT_HOST:
			if (o->nhosts == HOSTS_MAX) {
				say_error("at most %d --host options", HOSTS_MAX);
				return -1;
			}
			o->hosts[o->nhosts++] = optarg;
			break;
		case OPT_PORT:
			if (parse_number("--port", optarg, 1, 65535, &o->port) != 0)
				return -1;
			break;
		case OPT_HOME: o->home_networks = optarg; break;
		case OPT_PLUGIN: o->plugin = optarg; break;
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_BIND: o->bind = optarg; break;
		case OPT_BROKER_USER: o->broker_user = optarg; break;
		case OPT_AGENT_USER: o->agent_user = optarg; break;
		case OPT_STATE_DIR: o->state_dir = optarg; break;
		case OPT_PASSWD: o->passwd = optarg; break;
		case OPT_LOCKD_STATE: o->lockd_state = optarg; break;
		case OPT_BACKEND: o->backend = optarg; break;
		case OPT_ITER:
			if (parse_number("--pbkdf2-iterations", optarg, SL_PBKDF2_MIN_ITERATIONS,
					SL_PBKDF2_MAX_ITERATIONS, &o->iterations) != 0)
				return -1;
			break;
		case OPT_HELP:
			fputs(init_usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		say_error(optind >= argc ? "init: which directory?" : "init: one directory only");
		return -1;
	}
	if (!realpath(argv[optind], o->dir)) {
		/* not there yet: make it absolute by hand */
		char cwd[PATH_MAX];
		int n;

		if (argv[optind][0] == '/') {
			n = copy(o->dir, sizeof(o->dir), argv[optind]) ? (int)strlen(o->dir) : -1;
		} else if (getcwd(cwd, sizeof(cwd))) {
			n = snprintf(o->dir, sizeof(o->dir), "%s/%s", cwd, argv[optind]);
		} else {
			n = -1;
		}
		if (n < 0 || (size_t)n >= sizeof(o->dir) - 64) {
			say_error("init: directory name too long");
			return -1;
		}
	}
	if (strlen(o->dir) > SL_PATH_MAX - 64) {
		say_error("init: directory name too long");
		return -1;
	}
	if (topic_check_name(o->lock) != SL_OK) {
		say_error("--lock %s: %s", o->lock, sl_strerror(topic_check_name(o->lock)));
		return -1;
	}
	if (topic_check_name(o->owner) != SL_OK) {
		say_error("--owner %s: %s", o->owner, sl_strerror(topic_check_name(o->owner)));
		return -1;
	}
	if (strcmp(o->owner, "agent") == 0 || strcmp(o->owner, o->lock) == 0 ||
			strcmp(o->lock, "agent") == 0) {
		say_error("the owner, the lock and the agent need different names");
		return -1;
	}
	for (size_t i = 0; i < o->nhosts; i++) {
		if (!valid_host(o->hosts[i])) {
			say_error("--host %s: not a host name or IP address", o->hosts[i]);
			return -1;
		}
	}
	if (o->bind && !is_ip(o->bind)) {
		say_error("--bind %s: not an IP address", o->bind);
		return -1;
	}
	if (strcmp(o->backend, "sim") != 0 && strcmp(o->backend, "gpio") != 0) {
		say_error("--backend: sim or gpio");
		return -1;
	}
	if (!plain(o->home_networks) || (o->socket && (!plain(o->socket) || o->socket[0] != '/')) ||
			(o->plugin && !plain(o->plugin)) || (o->broker_user && !plain(o->broker_user))) {
		say_error("init: bad option value (paths must be absolute, one line, no quotes)");
		return -1;
	}
	{
		const char *paths[] = {o->state_dir, o->passwd, o->lockd_state};

		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			if (paths[i] && (!plain(paths[i]) || paths[i][0] != '/' ||
					strlen(paths[i]) > SL_PATH_MAX - 64)) {
				say_error("init: %s: paths must be absolute, one line, no quotes",
						paths[i]);
				return -1;
			}
		}
	}
	if (o->agent_user && (geteuid() != 0 || !getpwnam(o->agent_user))) {
		say_error("--agent-user %s: needs root and an existing user", o->agent_user);
		return -1;
	}
	if (o->socket && strlen(o->socket) >= 100) {
		say_error("--socket: path too long for a Unix socket");
		return -1;
	}
	return 0;
}

static int make_paths(const struct init_opts *o, struct init_paths *p)
{
	char name[96];
	bool ok = true;

	ok &= join(p->ca_dir, sizeof(p->ca_dir), o->dir, "ca");
	ok &= join(p->keys_dir, sizeof(p->keys_dir), o->dir, "keys");
	if (o->state_dir)
		ok &= copy(p->state_dir, sizeof(p->state_dir), o->state_dir);
	else
		ok &= join(p->state_dir, sizeof(p->state_dir), o->dir, "state");
	ok &= join(p->ca_key, sizeof(p->ca_key), p->ca_dir, "ca.key");
	ok &= join(p->ca_crt, sizeof(p->ca_crt), p->ca_dir, "ca.crt");
	ok &= join(p->server_key, sizeof(p->server_key), p->ca_dir, "server.key");
	ok &= join(p->server_crt, sizeof(p->server_crt), p->ca_dir, "server.crt");
	if (o->passwd)
		ok &= copy(p->passwd, sizeof(p->passwd), o->passwd);
	else
		ok &= join(p->passwd, sizeof(p->passwd), o->dir, "passwd");
	ok &= join(p->agent_conf, sizeof(p->agent_conf), o->dir, "agent.conf");
	snprintf(name, sizeof(name), "lockd-%s.conf", o->lock);
	ok &= join(p->lockd_conf, sizeof(p->lockd_conf), o->dir, name);
	snprintf(name, sizeof(name), "%s.key", o->lock);
	ok &= join(p->lock_key, sizeof(p->lock_key), p->keys_dir, name);
	snprintf(name, sizeof(name), "lockd-%s.state", o->lock);
	if (o->lockd_state)
		ok &= copy(p->lockd_state, sizeof(p->lockd_state), o->lockd_state);
	else
		ok &= join(p->lockd_state, sizeof(p->lockd_state), p->state_dir, name);
	ok &= join(p->users, sizeof(p->users), p->state_dir, "users.json");
	snprintf(name, sizeof(name), "%s.enrol", o->owner);
	ok &= join(p->owner_enrol, sizeof(p->owner_enrol), o->dir, name);
	ok &= join(p->mosquitto_conf, sizeof(p->mosquitto_conf), o->dir, "mosquitto.conf");
	ok &= join(p->site_conf, sizeof(p->site_conf), o->dir, "site.conf");
	if (o->socket)
		ok &= copy(p->socket, sizeof(p->socket), o->socket);
	else
		ok &= join(p->socket, sizeof(p->socket), o->dir, "mqtt.sock");
	if (strlen(p->socket) >= 100) {
		say_error("the socket path %s is too long for a Unix socket; give --socket", p->socket);
		return -1;
	}
	if (!ok) {
		say_error("init: directory name too long");
		return -1;
	}
	return 0;
}

/* Who the broker runs as (its `user` line): given, or "mosquitto" when we
 * are root and that user exists, or nobody (stay who started it). */
static const char *broker_user(const struct init_opts *o)
{
	if (o->broker_user)
		return o->broker_user;
	if (geteuid() == 0 && getpwnam("mosquitto"))
		return "mosquitto";
	return NULL;
}

/* Let the broker's group read what it must (as root only). */
static void share_with_broker(const struct init_opts *o, const char *path, mode_t mode)
{
	const char *user = broker_user(o);
	struct passwd *pw;
	gid_t gid;

	if (geteuid() != 0 || !user || !(pw = getpwnam(user)) || pw->pw_uid == 0)
		return;
	gid = pw->pw_gid;
	if (chown(path, 0, gid) != 0 || chmod(path, mode) != 0)
		say_error("warning: cannot give %s to group %u", path, (unsigned)gid);
}

/* Hand the agent's files to its own user (--agent-user, as root): its
 * configuration, the lock keys, its state and the password file it keeps
 * (group: the broker's, so the plugin can read it). */
static int hand_to_agent(const struct init_opts *o, const struct init_paths *p)
{
	const char *buser = broker_user(o);
	struct passwd *pw;
	uid_t uid;
	gid_t gid, pw_gid;
	int rc = 0;

	/* getpwnam's result is overwritten by the next call: copy it */
	pw = getpwnam(o->agent_user);
	if (!pw)
		return -1;
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	pw = buser ? getpwnam(buser) : NULL;
	pw_gid = pw ? pw->pw_gid : gid;
	rc |= chown(p->agent_conf, uid, gid);
	rc |= chown(p->keys_dir, uid, gid);
	rc |= chown(p->lock_key, uid, gid);
	rc |= chown(p->state_dir, uid, pw_gid);
	/* set-group-id: what the agent writes there (the password file
	 * replaced) is the broker's group's from the start */
	rc |= chmod(p->state_dir, 02750);
	rc |= chown(p->users, uid, gid);
	rc |= chown(p->passwd, uid, pw_gid);
	rc |= chmod(p->passwd, 0640);
	if (rc != 0)
		say_error("cannot hand the agent's files to %s: %s", o->agent_user, strerror(errno));
	return rc ? -1 : 0;
}

static void san_text(const struct init_opts *o, struct text *t, const char **first)
{
	const char *list[HOSTS_MAX + 3];
	char hostname[HOST_MAX + 1];
	size_t n = 0;

	for (size_t i = 0; i < o->nhosts; i++)
		list[n++] = o->hosts[i];
	if (o->nhosts == 0) {
		if (gethostname(hostname, sizeof(hostname)) == 0 &&
				(hostname[sizeof(hostname) - 1] = '\0', valid_host(hostname)))
			list[n++] = hostname;
		list[n++] = "localhost";
		list[n++] = "127.0.0.1";
	}
	*first = o->nhosts ? o->hosts[0] : "localhost";
	for (size_t i = 0; i < n; i++) {
		bool dup = false;

		for (size_t j = 0; j < i; j++)
			dup |= strcmp(list[i], list[j]) == 0;
		if (!dup)
			text_add(t, "%s%s:%s", t->len ? "," : "", is_ip(list[i]) ? "IP" : "DNS", list[i]);
	}
}

static int create_certificates(const struct init_opts *o, const struct init_paths *p,
		bool have_ca)
{
	struct text san = {0};
	const char *first;
	EVP_PKEY *ca_key = NULL, *key = NULL;
	X509 *ca = NULL, *cert = NULL;
	int rc = SITE_EXIT_FAIL;

	if (have_ca) {
		ca_key = read_key(p->ca_key);
		ca = read_cert(p->ca_crt);
		if (!ca_key || !ca || X509_check_private_key(ca, ca_key) != 1) {
			say_error("cannot use the CA in %s", p->ca_dir);
			rc = SITE_EXIT_CONFIG;
			goto out;
		}
	} else {
		struct cert_spec spec = {"smartlock site CA", CA_DAYS, true, NULL};

		ca_key = EVP_EC_gen("P-256");
		if (!ca_key || !(ca = make_cert(&spec, ca_key, ca_key, NULL))) {
			say_error("cannot make the CA certificate");
			goto out;
		}
		rc = write_pem_key(p->ca_key, ca_key, 0600);
		if (rc == SITE_EXIT_OK)
			rc = write_pem_cert(p->ca_crt, ca);
		if (rc != SITE_EXIT_OK)
			goto out;
		rc = SITE_EXIT_FAIL;
	}
	san_text(o, &san, &first);
	if (san.failed) {
		say_error("out of memory");
		goto out;
	}
	{
		struct cert_spec spec = {first, SERVER_DAYS, false, san.s};

		key = EVP_EC_gen("P-256");
		if (!key || !(cert = make_cert(&spec, key, ca_key, ca))) {
			say_error("cannot make the server certificate");
			goto out;
		}
	}
	rc = write_pem_key(p->server_key, key, 0600);
	if (rc == SITE_EXIT_OK)
		rc = write_pem_cert(p->server_crt, cert);
	if (rc == SITE_EXIT_OK)
		share_with_broker(o, p->server_key, 0640);
out:
	text_free(&san);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	X509_free(cert);
	X509_free(ca);
	return rc;
}

/* Hash password into e and add the line to pf. */
static int add_line(struct passwd_file *pf, struct sl_passwd_entry *e, const char *password,
		int64_t iterations)
{
	enum sl_err rc;

	rc = passwd_hash_iter(password, (unsigned)iterations, e->hash, sizeof(e->hash));
	if (rc == SL_OK)
		rc = passwd_set(pf, e);
	if (rc != SL_OK)
		say_error("cannot hash the password of %s: %s", e->name, sl_strerror(rc));
	OPENSSL_cleanse(e, sizeof(*e));
	return rc == SL_OK ? 0 : -1;
}

/* The agent's or a lock's broker line (home-only, no alerts). */
static int add_daemon_account(struct passwd_file *pf, const char *name,
		enum sl_passwd_role role, const char *password, int64_t iterations)
{
	struct sl_passwd_entry e;

	memset(&e, 0, sizeof(e));
	if (!copy(e.name, sizeof(e.name), name))
		return -1;
	e.role = role;
	e.home_only = true;
	e.enabled = true;
	return add_line(pf, &e, password, iterations);
}

/* A user's broker line, made by the account rules. */
static int add_user_account(struct passwd_file *pf, const struct sl_user *u,
		const char *password, int64_t iterations)
{
	struct sl_passwd_entry e;

	account_entry(u, NULL, false, &e);
	return add_line(pf, &e, password, iterations);
}

/* broker_* lines shared by agent.conf and lockd.conf */
static void broker_lines(struct text *t, const struct init_opts *o, const struct init_paths *p,
		const char *user, const char *password)
{
	text_add(t, "# the broker: its Unix socket (host/port/TLS are the remote fallback)\n");
	text_add(t, "broker_socket = %s\n", p->socket);
	text_add(t, "broker_host = localhost\nbroker_port = %lld\nbroker_tls = true\n",
			(long long)o->port);
	text_add(t, "broker_cafile = %s\n", p->ca_crt);
	text_add(t, "broker_user = %s\nbroker_password = %s\n", user, password);
}

static int create_accounts(const struct init_opts *o, const struct init_paths *p)
{
	struct secrets s;
	struct passwd_file *pf = NULL;
	struct user_store *st = NULL;
	struct text t = {0};
	struct sl_user u;
	struct sl_enrolment e;
	char hex[SL_KEY_HEX + 2];
	const char *first_host;
	int rc = SITE_EXIT_FAIL;

	memset(&s, 0, sizeof(s));
	memset(&e, 0, sizeof(e));
	memset(&u, 0, sizeof(u));
	if (passwd_generate(s.agent_pw, sizeof(s.agent_pw)) != SL_OK ||
			passwd_generate(s.lock_pw, sizeof(s.lock_pw)) != SL_OK ||
			passwd_generate(s.owner_pw, sizeof(s.owner_pw)) != SL_OK ||
			sign_key_generate(&s.lock_key) != SL_OK ||
			sign_key_generate(&s.owner_key) != SL_OK) {
		say_error("the system random source failed");
		goto out;
	}

	/* the lock's signing key, shared by the agent and the lock */
	if (sign_key_to_hex(&s.lock_key, hex, sizeof(hex)) != SL_OK)
		goto out;
	strcat(hex, "\n");
	rc = write_new(p->lock_key, hex, strlen(hex), 0600);
	if (rc != SITE_EXIT_OK)
		goto out;
	hex[SL_KEY_HEX] = '\0';

	/* the lock daemon */
	text_add(&t, "# smartlock-lockd for lock %s, written by smartlockctl init.\n"
			"# Holds the lock's broker password and signing key: keep it 0600.\n", o->lock);
	text_add(&t, "lock = %s\n", o->lock);
	broker_lines(&t, o, p, o->lock, s.lock_pw);
	text_add(&t, "signing_key = %s\n", hex);
	text_add(&t, "state_file = %s\n", p->lockd_state);
	text_add(&t, "# sim: a simulated bolt for the demo; gpio: the real one (see smartlock-lockd(8))\n");
	text_add(&t, "backend = %s\nlog_level = notice\n", o->backend);
	rc = write_text_new(p->lockd_conf, &t, 0600);
	text_free(&t);
	if (rc != SITE_EXIT_OK)
		goto out;

	/* the agent's user store, with the owner */
	rc = SITE_EXIT_FAIL;
	st = user_store_create();
	if (!st)
		goto out;
	if (account_new_user(&u, o->owner, SL_ROLE_OWNER, o->lock, time_now_ms()) != SL_OK)
		goto out;
	u.key = s.owner_key;
	if (user_store_add(st, &u) != SL_OK)
		goto out;
	if (exists(p->users)) {
		say_error("%s exists already: refusing to overwrite it", p->users);
		rc = SITE_EXIT_EXISTS;
		goto out;
	}
	if (user_store_save(st, p->users) != SL_OK) {
		say_error("cannot write %s", p->users);
		goto out;
	}

	/* the plugin's password file */
	pf = passwd_create();
	if (!pf || add_daemon_account(pf, "agent", SL_PW_AGENT, s.agent_pw, o->iterations) ||
			add_daemon_account(pf, o->lock, SL_PW_LOCK, s.lock_pw, o->iterations) ||
			add_user_account(pf, &u, s.owner_pw, o->iterations))
		goto out;
	if (exists(p->passwd)) {
		say_error("%s exists already: refusing to overwrite it", p->passwd);
		rc = SITE_EXIT_EXISTS;
		goto out;
	}
	if (passwd_save(pf, p->passwd) != SL_OK) {
		say_error("cannot write %s", p->passwd);
		goto out;
	}
	share_with_broker(o, p->passwd, 0640);

	/* the agent */
	text_add(&t, "# smartlock-agent, written by smartlockctl init.\n"
			"# Holds the agent's broker password: keep it 0600.\n");
	broker_lines(&t, o, p, "agent", s.agent_pw);
	text_add(&t, "state_dir = %s\nlocks = %s\nlock_keys_dir = %s\npasswd_file = %s\n",
			p->state_dir, o->lock, p->keys_dir, p->passwd);
	text_add(&t, "log_level = notice\n");
	rc = write_text_new(p->agent_conf, &t, 0600);
	text_free(&t);
	if (rc != SITE_EXIT_OK)
		goto out;

	/* the owner's enrolment */
	{
		struct text ignored = {0};

		san_text(o, &ignored, &first_host);
		text_free(&ignored);
	}
	e.role = SL_ROLE_OWNER;
	e.port = o->port;
	e.tls = true;
	e.key = s.owner_key;
	if (!copy(e.user, sizeof(e.user), o->owner) || !copy(e.lock, sizeof(e.lock), o->lock) ||
			!copy(e.host, sizeof(e.host), first_host) ||
			!copy(e.cafile, sizeof(e.cafile), p->ca_crt) ||
			!copy(e.password, sizeof(e.password), s.owner_pw)) {
		say_error("a name or path is too long for the enrolment file");
		rc = SITE_EXIT_FAIL;
		goto out;
	}
	switch (enrol_save(p->owner_enrol, &e, false)) {
	case SL_OK:
		rc = SITE_EXIT_OK;
		break;
	case SL_ERR_EXISTS:
		say_error("%s exists already: refusing to overwrite it", p->owner_enrol);
		rc = SITE_EXIT_EXISTS;
		break;
	default:
		say_error("cannot write %s", p->owner_enrol);
		rc = SITE_EXIT_FAIL;
	}
out:
	text_free(&t);
	enrol_wipe(&e);
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(hex, sizeof(hex));
	secrets_wipe(&s);
	passwd_destroy(pf);
	user_store_destroy(st);
	return rc;
}

static int create_mosquitto_conf(const struct init_opts *o, const struct init_paths *p)
{
	const char *user = broker_user(o);
	struct text t = {0};
	int rc;

	text_add(&t, "# Mosquitto for the smartlock site in %s, written by smartlockctl init.\n"
			"# Run it with: mosquitto -c %s\n"
			"# The limits are those of smartlock.conf (see smartlock_auth(8)).\n\n",
			o->dir, p->mosquitto_conf);
	if (user)
		text_add(&t, "user %s\n", user);
	text_add(&t, "per_listener_settings false\nallow_anonymous false\n");
	text_add(&t, "plugin %s\n", p->plugin);
	text_add(&t, "plugin_opt_passwd_file %s\n", p->passwd);
	text_add(&t, "plugin_opt_home_networks %s\n\n", o->home_networks);
	text_add(&t, "# local programs: the Unix socket\nlistener 0 %s\n\n", p->socket);
	text_add(&t, "# the home network and remote access: TLS only\nlistener %lld%s%s\n",
			(long long)o->port, o->bind ? " " : "", o->bind ? o->bind : "");
	text_add(&t, "certfile %s\nkeyfile %s\ntls_version tlsv1.2\nmax_connections 64\n\n",
			p->server_crt, p->server_key);
	text_add(&t, "message_size_limit 65536\nmax_packet_size 66560\n"
			"max_inflight_messages 10\nmax_queued_messages 100\n"
			"max_queued_bytes 1048576\nqueue_qos0_messages false\n"
			"persistence false\nmax_keepalive 300\nsys_interval 0\n"
			"# Nagle off here and in the smartlock programs: see bench/RESULTS.md\n"
			"set_tcp_nodelay true\n\n");
	text_add(&t, "log_dest stderr\nlog_type error\nlog_type warning\nlog_type notice\n"
			"log_type information\nconnection_messages true\n");
	rc = write_text_new(p->mosquitto_conf, &t, 0644);
	text_free(&t);
	return rc;
}

static int create_site_conf(const struct init_opts *o, const struct init_paths *p)
{
	struct text t = {0};
	const char *first;
	int rc;

	{
		struct text ignored = {0};

		san_text(o, &ignored, &first);
		text_free(&ignored);
	}
	text_add(&t, "# The smartlock site in %s (no secrets), for smartlockctl user add.\n", o->dir);
	text_add(&t, "lock = %s\nhost = %s\nport = %lld\nsocket = %s\ncafile = %s\n",
			o->lock, first, (long long)o->port, p->socket, p->ca_crt);
	text_add(&t, "passwd_file = %s\nusers_file = %s\n", p->passwd, p->users);
	rc = write_text_new(p->site_conf, &t, 0644);
	text_free(&t);
	return rc;
}

int site_cmd_init(int argc, char **argv)
{
	struct init_opts o;
	struct init_paths p;
	bool ca_parts[4], acct_parts[6];
	size_t ca_n = 0, acct_n = 0;
	int rc;

	rc = parse_init(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			fputs(init_usage, stderr);
		return rc < 0 ? SITE_EXIT_USAGE : SITE_EXIT_OK;
	}
	memset(&p, 0, sizeof(p));
	if (make_paths(&o, &p) != 0)
		return SITE_EXIT_USAGE;
	if (o.plugin) {
		if (!copy(p.plugin, sizeof(p.plugin), o.plugin))
			return SITE_EXIT_USAGE;
		if (!plugin_usable(p.plugin))
			return SITE_EXIT_CONFIG;
	} else if (!find_plugin(p.plugin, sizeof(p.plugin))) {
		say_error("cannot find %s: give --plugin PATH", PLUGIN_NAME);
		return SITE_EXIT_CONFIG;
	}

	/* What is there already? Secrets are never replaced. */
	ca_parts[0] = exists(p.ca_key);
	ca_parts[1] = exists(p.ca_crt);
	ca_parts[2] = exists(p.server_key);
	ca_parts[3] = exists(p.server_crt);
	acct_parts[0] = exists(p.passwd);
	acct_parts[1] = exists(p.agent_conf);
	acct_parts[2] = exists(p.lockd_conf);
	acct_parts[3] = exists(p.lock_key);
	acct_parts[4] = exists(p.users);
	acct_parts[5] = exists(p.owner_enrol);
	for (size_t i = 0; i < 4; i++)
		ca_n += ca_parts[i];
	for (size_t i = 0; i < 6; i++)
		acct_n += acct_parts[i];
	if ((ca_n && ca_n < 4 && !(ca_parts[0] && ca_parts[1] && !ca_parts[2] && !ca_parts[3])) ||
			(acct_n && acct_n < 6)) {
		say_error("%s holds part of a site: refusing to replace its keys and "
				"passwords. Restore the missing files or start from an empty "
				"directory.", o.dir);
		return SITE_EXIT_EXISTS;
	}
	if (make_dirs(o.dir, 0750) != 0 || make_dirs(p.ca_dir, 0750) != 0 ||
			make_dirs(p.keys_dir, 0700) != 0 || make_dirs(p.state_dir, 0700) != 0 ||
			make_parent(p.passwd) != 0 || make_parent(p.lockd_state) != 0) {
		say_error("cannot create the directories of %s: %s", o.dir, strerror(errno));
		return SITE_EXIT_FAIL;
	}
	/* The broker (after it drops to its user) creates its socket in DIR;
	 * the sticky bit keeps it from renaming or deleting any file it does
	 * not own. A --socket elsewhere needs no write access here. */
	share_with_broker(&o, o.dir, o.socket ? 0750 : 01770);
	share_with_broker(&o, p.ca_dir, 0750);
	if (ca_n < 4) {
		rc = create_certificates(&o, &p, ca_n == 2);
		if (rc != SITE_EXIT_OK)
			return rc;
	}
	if (acct_n == 0) {
		rc = create_accounts(&o, &p);
		if (rc != SITE_EXIT_OK)
			return rc;
		if (o.agent_user && hand_to_agent(&o, &p) != 0)
			return SITE_EXIT_FAIL;
	}
	if (!exists(p.mosquitto_conf) && (rc = create_mosquitto_conf(&o, &p)) != SITE_EXIT_OK)
		return rc;
	if (!exists(p.site_conf) && (rc = create_site_conf(&o, &p)) != SITE_EXIT_OK)
		return rc;
	if (ca_n == 4 && acct_n == 6)
		printf("site %s is complete: nothing to do\n", o.dir);
	else
		printf("site created in %s\n"
				"  broker:  mosquitto -c %s\n"
				"  agent:   smartlock-agent -c %s\n"
				"  lock:    smartlock-lockd -c %s\n"
				"  owner:   %s (private: it holds %s's password and signing key)\n",
				o.dir, p.mosquitto_conf, p.agent_conf, p.lockd_conf, p.owner_enrol, o.owner);
	return SITE_EXIT_OK;
}

/* ---- user add ---- */

static const char user_usage[] =
	"usage: smartlockctl user add NAME --role owner|resident|guest [--site DIR]\n"
	"                        [--from TIME] [--until TIME] [--uses N]\n"
	"                        [--schedule TEXT] [--alerts] [--home-only] [--out FILE]\n"
	"TIME is " TEXT_TIME_FORMS ".\n";

struct user_opts {
	const char *name;
	const char *site;
	enum sl_role role;
	bool has_role;
	int64_t from, until, uses;
	char schedule[SL_SCHEDULE_MAX];
	bool alerts, home_only;
	const char *out;
};

enum user_opt_id {
	UOPT_ROLE = 256, UOPT_SITE, UOPT_FROM, UOPT_UNTIL, UOPT_USES, UOPT_SCHEDULE,
	UOPT_ALERTS, UOPT_HOME, UOPT_OUT, UOPT_HELP,
};

static int parse_user(int argc, char **argv, struct user_opts *o)
{
	static const struct option longopts[] = {
		{"alerts", no_argument, NULL, UOPT_ALERTS},
		{"from", required_argument, NULL, UOPT_FROM},
		{"help", no_argument, NULL, UOPT_HELP},
		{"home-only", no_argument, NULL, UOPT_HOME},
		{"out", required_argument, NULL, UOPT_OUT},
		{"role", required_argument, NULL, UOPT_ROLE},
		{"schedule", required_argument, NULL, UOPT_SCHEDULE},
		{"site", required_argument, NULL, UOPT_SITE},
		{"until", required_argument, NULL, UOPT_UNTIL},
		{"uses", required_argument, NULL, UOPT_USES},
		{NULL, 0, NULL, 0},
	};
	struct sl_schedule sched;
	char msg[128];
	int c;

	memset(o, 0, sizeof(*o));
	o->site = getenv("SMARTLOCK_SITE");
	if (!o->site || !*o->site)
		o->site = DEFAULT_SITE;
	if (argc < 2 || strcmp(argv[1], "add") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
			fputs(user_usage, stdout);
			return 1;
		}
		say_error("user: only \"user add\" works on the site files; see smartlockctl-user(1)");
		return -1;
	}
	optind = 0;
	opterr = 1;
	argc--;
	argv++;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case UOPT_ROLE:
			if (proto_role_parse(optarg, &o->role) != SL_OK) {
				say_error("--role: owner, resident or guest");
				return -1;
			}
			o->has_role = true;
			break;
		case UOPT_SITE: o->site = optarg; break;
		case UOPT_FROM:
		case UOPT_UNTIL:
			if (!text_parse_local(optarg, time_now_ms(),
						c == UOPT_FROM ? &o->from : &o->until)) {
				say_error("%s %s: expected " TEXT_TIME_FORMS,
						c == UOPT_FROM ? "--from" : "--until", optarg);
				return -1;
			}
			break;
		case UOPT_USES:
			if (parse_number("--uses", optarg, 0, 1000000, &o->uses) != 0)
				return -1;
			break;
		case UOPT_SCHEDULE:
			if (schedule_parse(optarg, &sched, msg, sizeof(msg)) != SL_OK ||
					schedule_format(&sched, o->schedule, sizeof(o->schedule)) != SL_OK) {
				say_error("--schedule: %s", msg);
				return -1;
			}
			break;
		case UOPT_ALERTS: o->alerts = true; break;
		case UOPT_HOME: o->home_only = true; break;
		case UOPT_OUT: o->out = optarg; break;
		case UOPT_HELP:
			fputs(user_usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	if (optind != argc - 1) {
		say_error("user add: which user?");
		return -1;
	}
	o->name = argv[optind];
	if (topic_check_name(o->name) != SL_OK) {
		say_error("user add %s: %s", o->name, sl_strerror(topic_check_name(o->name)));
		return -1;
	}
	if (!o->has_role) {
		say_error("user add: --role is required");
		return -1;
	}
	if (o->role == SL_ROLE_GUEST && o->alerts) {
		say_error("--alerts: guests do not receive security alerts");
		return -1;
	}
	if (o->from && o->until && o->until <= o->from) {
		say_error("--until must be after --from");
		return -1;
	}
	if (o->role == SL_ROLE_OWNER)
		o->alerts = true;
	return 0;
}

static int load_site(const char *dir, struct site_info *si)
{
	struct sl_config_error err;
	char path[PATH_MAX], msg[512];

	memset(si, 0, sizeof(*si));
	if (!join(path, sizeof(path), dir, "site.conf"))
		return -1;
	if (config_load(path, false, site_keys, sizeof(site_keys) / sizeof(site_keys[0]),
			si, &err) != SL_OK) {
		config_error_format(&err, msg, sizeof(msg));
		say_error("%s (is %s a site made by smartlockctl init?)", msg, dir);
		return -1;
	}
	return 0;
}

/* The site's user store (twice: one to change, one to restore) and
 * password file; the new name must be free in both. */
static int load_user_files(const struct user_opts *o, const struct site_info *si,
		struct user_store **st, struct user_store **orig, struct passwd_file **pf)
{
	char msg[512];

	*st = user_store_load(si->users_file, msg, sizeof(msg));
	*orig = *st ? user_store_load(si->users_file, msg, sizeof(msg)) : NULL;
	*pf = *orig ? passwd_load(si->passwd_file, msg, sizeof(msg)) : NULL;
	if (!*pf) {
		say_error("%s", msg);
		return SITE_EXIT_CONFIG;
	}
	if (user_store_find(*st, o->name) || passwd_find(*pf, o->name) ||
			strcmp(o->name, "agent") == 0) {
		say_error("user add: %s exists already (as a user, a lock or the agent)", o->name);
		return SITE_EXIT_EXISTS;
	}
	return SITE_EXIT_OK;
}

/* The new user's enrolment file at out (never replacing one). */
static int write_enrolment(const struct user_opts *o, const struct site_info *si,
		const struct sl_user *u, const char *password, const char *out)
{
	struct sl_enrolment e;
	int rc = SITE_EXIT_OK;

	memset(&e, 0, sizeof(e));
	e.role = o->role;
	e.port = si->port;
	e.tls = true;
	e.key = u->key;
	if (!copy(e.user, sizeof(e.user), o->name) || !copy(e.lock, sizeof(e.lock), si->lock) ||
			!copy(e.host, sizeof(e.host), si->host) ||
			!copy(e.cafile, sizeof(e.cafile), si->cafile) ||
			!copy(e.password, sizeof(e.password), password)) {
		say_error("%s/site.conf: a value is too long", o->site);
		rc = SITE_EXIT_CONFIG;
	} else {
		switch (enrol_save(out, &e, false)) {
		case SL_OK:
			break;
		case SL_ERR_EXISTS:
			say_error("%s exists already: refusing to overwrite it", out);
			rc = SITE_EXIT_EXISTS;
			break;
		default:
			say_error("cannot write %s", out);
			rc = SITE_EXIT_FAIL;
		}
	}
	enrol_wipe(&e);
	return rc;
}

int site_cmd_user(int argc, char **argv)
{
	struct user_opts o;
	struct site_info si;
	struct user_store *st = NULL, *orig = NULL;
	struct passwd_file *pf = NULL;
	struct sl_user u;
	char out[PATH_MAX], msg[512];
	char password[PW_MAX];
	bool enrol_written = false, store_written = false;
	int rc;

	rc = parse_user(argc, argv, &o);
	if (rc != 0) {
		if (rc < 0)
			fputs(user_usage, stderr);
		return rc < 0 ? SITE_EXIT_USAGE : SITE_EXIT_OK;
	}
	if (load_site(o.site, &si) != 0)
		return SITE_EXIT_CONFIG;
	memset(&u, 0, sizeof(u));
	memset(password, 0, sizeof(password));
	rc = load_user_files(&o, &si, &st, &orig, &pf);
	if (rc != SITE_EXIT_OK)
		goto out;
	if (o.out ? !copy(out, sizeof(out), o.out) :
			snprintf(out, sizeof(out), "%s.enrol", o.name) >= (int)sizeof(out)) {
		rc = SITE_EXIT_USAGE;
		goto out;
	}

	rc = SITE_EXIT_FAIL;
	/* both files must be replaceable as they are owned before either is */
	if (atomic_check_replace(si.users_file, msg, sizeof(msg)) != SL_OK ||
			account_passwd_check(si.passwd_file, msg, sizeof(msg)) != SL_OK) {
		say_error("%s; nothing changed", msg);
		goto out;
	}
	if (account_new_user(&u, o.name, o.role, si.lock, time_now_ms()) != SL_OK) {
		say_error("%s/site.conf: lock: not a valid lock name", o.site);
		rc = SITE_EXIT_CONFIG;
		goto out;
	}
	if (passwd_generate(password, sizeof(password)) != SL_OK || sign_key_generate(&u.key) != SL_OK) {
		say_error("the system random source failed");
		goto out;
	}
	/* 1: the enrolment (refuses to overwrite), 2: the agent's store,
	 * 3: the broker's password file; undone in reverse on failure */
	rc = write_enrolment(&o, &si, &u, password, out);
	if (rc != SITE_EXIT_OK)
		goto out;
	enrol_written = true;
	rc = SITE_EXIT_FAIL;
	u.from = o.from;
	u.until = o.until;
	copy(u.schedule, sizeof(u.schedule), o.schedule);
	u.max_uses = o.uses;
	u.alerts = o.alerts || u.alerts;
	if (user_store_add(st, &u) != SL_OK || user_store_save(st, si.users_file) != SL_OK) {
		say_error("cannot update %s", si.users_file);
		goto out;
	}
	store_written = true;
	if (account_passwd_apply(si.passwd_file, &u, password, o.home_only, msg,
			sizeof(msg)) != SL_OK) {
		say_error("%s", msg);
		goto out;
	}
	rc = SITE_EXIT_OK;
	printf("added %s (%s%s) to the site in %s\n"
			"enrolment file: %s\n"
			"It holds %s's password and signing key: hand it over privately, with %s.\n",
			o.name, proto_role_name(o.role),
			o.home_only || o.role == SL_ROLE_GUEST ? ", home networks only" : "",
			o.site, out, o.name, si.cafile);
out:
	if (rc != SITE_EXIT_OK) {
		/* put the store back as it was */
		if (store_written && user_store_save(orig, si.users_file) != SL_OK)
			say_error("note: %s now lists %s but the broker does not; remove "
					"the user there after fixing the problem", si.users_file, o.name);
		if (enrol_written)
			unlink(out);
	}
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(password, sizeof(password));
	passwd_destroy(pf);
	user_store_destroy(st);
	user_store_destroy(orig);
	return rc;
}
