/*
 * test_site.c - a site made by `smartlockctl init` in one command: its
 * files and their modes, consistency of the secrets across files,
 * idempotence and refusal to replace secrets, `user add`, the real
 * Mosquitto running the site's own mosquitto.conf (TLS and the Unix
 * socket), and, when smartlock-agent and smartlock-lockd are built, a
 * signed unlock from the owner's enrolment through agent and lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pluginfix.h"
#include "smartlock/enrol.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"
#include "smartlock/userstore.h"

struct fx {
	char dir[HARNESS_PATH_MAX];
	char site[HARNESS_PATH_MAX];
	char ctl[HARNESS_PATH_MAX];
	char plugin[HARNESS_PATH_MAX];
	int port;
	struct harness_proc broker, agent, lockd;
	bool broker_up, agent_up, lockd_up;
	unsigned reloads;
};

static struct fx *fixture;

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x || harness_tmpdir(x->dir, sizeof(x->dir)) != 0)
		return -1;
	pf_fmt(x->site, sizeof(x->site), "%s/site", x->dir);
	harness_build_path(x->ctl, sizeof(x->ctl), "src/cli/smartlockctl");
	harness_build_path(x->plugin, sizeof(x->plugin), "src/broker-agent/plugin/smartlock_auth.so");
	x->port = harness_free_port();
	fixture = x;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	if (x->lockd_up)
		harness_proc_stop(&x->lockd, SIGTERM, 5000);
	if (x->agent_up)
		harness_proc_stop(&x->agent, SIGTERM, 5000);
	if (x->broker_up)
		harness_proc_stop(&x->broker, SIGTERM, 5000);
	harness_rmtree(x->dir);
	free(x);
	return 0;
}

static int ctl(struct fx *x, char *const args[])
{
	char *argv[32];
	char log[HARNESS_PATH_MAX];
	size_t n = 0;

	argv[n++] = x->ctl;
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	pf_fmt(log, sizeof(log), "%s/smartlockctl.log", x->dir);
	return pf_run(log, argv, 60000);
}

static void site_path(struct fx *x, char *buf, size_t size, const char *name)
{
	pf_fmt(buf, size, "%s/%s", x->site, name);
}

static mode_t mode_of(struct fx *x, const char *name)
{
	char path[HARNESS_PATH_MAX];
	struct stat st;

	site_path(x, path, sizeof(path), name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* The value of "key = value" in a site file (malloc'd). */
static char *conf_value(struct fx *x, const char *name, const char *key)
{
	char path[HARNESS_PATH_MAX], needle[64];
	char *text, *p, *end, *v;

	site_path(x, path, sizeof(path), name);
	text = harness_read_file(path);
	assert_non_null(text);
	pf_fmt(needle, sizeof(needle), "\n%s = ", key);
	p = strstr(text, needle);
	assert_non_null(p);
	p += strlen(needle);
	end = strchr(p, '\n');
	v = strndup(p, end ? (size_t)(end - p) : strlen(p));
	free(text);
	return v;
}

static void skip_without_ctl(struct fx *x)
{
	if (access(x->ctl, X_OK) != 0) {
		print_message("no smartlockctl at %s\n", x->ctl);
		skip();
	}
}

static void test_init(void **state)
{
	struct fx *x = *state;
	char port[16];
	struct passwd *me = getpwuid(geteuid());
	char *args[] = {"init", x->site, "--pbkdf2-iterations", "1000", "--port", port,
		"--bind", "127.0.0.1", "--host", "localhost", "--host", "127.0.0.1",
		"--broker-user", me ? me->pw_name : "root", "--plugin", x->plugin,
		"--home-networks", "192.168.0.0/16", NULL};
	char path[HARNESS_PATH_MAX], msg[256];
	struct passwd_file *pf;
	struct user_store *st;
	struct sl_enrolment e;
	struct sl_config_error err;
	char *pw, *key, *text;

	skip_without_ctl(x);
	pf_fmt(port, sizeof(port), "%d", x->port);
	assert_int_equal(ctl(x, args), 0);
	/* private files */
	assert_int_equal(mode_of(x, "owner.enrol"), 0600);
	assert_int_equal(mode_of(x, "agent.conf"), 0600);
	assert_int_equal(mode_of(x, "lockd-front-door.conf"), 0600);
	assert_int_equal(mode_of(x, "keys/front-door.key"), 0600);
	assert_int_equal(mode_of(x, "ca/ca.key"), 0600);
	assert_int_equal(mode_of(x, "state/users.json"), 0600);
	assert_int_equal(mode_of(x, "passwd"), 0640);
	assert_int_equal(mode_of(x, "keys") & 077, 0);
	assert_int_equal(mode_of(x, "state") & 077, 0);
	/* the broker config holds no secret */
	site_path(x, path, sizeof(path), "mosquitto.conf");
	text = harness_read_file(path);
	assert_non_null(text);
	assert_null(strstr(text, "password"));
	assert_non_null(strstr(text, "allow_anonymous false"));
	free(text);
	/* the accounts agree across files */
	site_path(x, path, sizeof(path), "passwd");
	pf = passwd_load(path, msg, sizeof(msg));
	assert_non_null(pf);
	assert_int_equal(passwd_count(pf), 3);
	pw = conf_value(x, "agent.conf", "broker_password");
	assert_int_equal(passwd_verify(pw, passwd_find(pf, "agent")->hash), SL_OK);
	free(pw);
	pw = conf_value(x, "lockd-front-door.conf", "broker_password");
	assert_int_equal(passwd_verify(pw, passwd_find(pf, "front-door")->hash), SL_OK);
	assert_int_equal(passwd_find(pf, "front-door")->role, SL_PW_LOCK);
	free(pw);
	site_path(x, path, sizeof(path), "owner.enrol");
	assert_int_equal(enrol_load(path, &e, &err), SL_OK);
	assert_int_equal(passwd_verify(e.password, passwd_find(pf, "owner")->hash), SL_OK);
	assert_int_equal(e.port, x->port);
	assert_true(e.tls);
	site_path(x, path, sizeof(path), "state/users.json");
	st = user_store_load(path, msg, sizeof(msg));
	assert_non_null(st);
	assert_int_equal(user_store_count(st), 1);
	assert_memory_equal(user_store_find(st, "owner")->key.bytes, e.key.bytes, SL_KEY_BYTES);
	assert_int_equal(user_store_find(st, "owner")->role, SL_ROLE_OWNER);
	user_store_destroy(st);
	enrol_wipe(&e);
	/* the lock key is shared by the agent's key file and lockd.conf */
	site_path(x, path, sizeof(path), "keys/front-door.key");
	text = harness_read_file(path);
	key = conf_value(x, "lockd-front-door.conf", "signing_key");
	assert_int_equal(strlen(text), SL_KEY_HEX + 1);
	assert_memory_equal(text, key, SL_KEY_HEX);
	free(text);
	free(key);
	passwd_destroy(pf);
}

static void test_init_idempotent(void **state)
{
	struct fx *x = *state;
	char *args[] = {"init", x->site, "--plugin", x->plugin, NULL};
	char path[HARNESS_PATH_MAX], moved[HARNESS_PATH_MAX];
	char *before, *after;

	skip_without_ctl(x);
	site_path(x, path, sizeof(path), "passwd");
	before = harness_read_file(path);
	assert_int_equal(ctl(x, args), 0);
	after = harness_read_file(path);
	assert_string_equal(before, after);
	free(after);
	/* part of a site: its secrets are not replaced */
	site_path(x, path, sizeof(path), "agent.conf");
	site_path(x, moved, sizeof(moved), "agent.conf.away");
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(ctl(x, args), 5);
	assert_int_equal(rename(moved, path), 0);
	site_path(x, path, sizeof(path), "passwd");
	after = harness_read_file(path);
	assert_string_equal(before, after);
	free(after);
	free(before);
	/* a plugin that is not there, or not a plugin: nothing written */
	{
		char other[HARNESS_PATH_MAX], conf[HARNESS_PATH_MAX + 32];
		char *missing[] = {"init", other, "--plugin", "/no/such/file", NULL};
		char *not_so[] = {"init", other, "--plugin", conf, NULL};
		struct stat st;

		pf_fmt(other, sizeof(other), "%s/other-site", x->dir);
		assert_int_equal(ctl(x, missing), 3);
		pf_fmt(conf, sizeof(conf), "%s/mosquitto.conf", other);
		assert_int_not_equal(stat(conf, &st), 0);
		site_path(x, conf, sizeof(conf), "site.conf");
		assert_int_equal(ctl(x, not_so), 3);
		pf_fmt(conf, sizeof(conf), "%s/mosquitto.conf", other);
		assert_int_not_equal(stat(conf, &st), 0);
	}
	/* usage errors */
	{
		char *bad[] = {"init", x->site, "--lock", "bad/name", NULL};
		char *none[] = {"init", NULL};
		char *port[] = {"init", x->site, "--port", "99999", NULL};

		assert_int_equal(ctl(x, bad), 2);
		assert_int_equal(ctl(x, none), 2);
		assert_int_equal(ctl(x, port), 2);
	}
}

static void test_site_broker(void **state)
{
	struct fx *x = *state;
	const char *preload = getenv("SMARTLOCK_PLUGIN_PRELOAD");
	char conf[HARNESS_PATH_MAX], log[HARNESS_PATH_MAX], path[HARNESS_PATH_MAX];
	char *argv[] = {"/usr/bin/env", "mosquitto", "-c", conf, NULL};
	struct sl_enrolment e;
	struct sl_config_error err;
	struct harness_client_opts o;
	struct harness_client *c;
	char *agent_pw;
	int rc;

	skip_without_ctl(x);
	site_path(x, conf, sizeof(conf), "mosquitto.conf");
	pf_fmt(log, sizeof(log), "%s/mosquitto.log", x->dir);
	if (preload && *preload)
		setenv("LD_PRELOAD", preload, 1);
	rc = harness_proc_start(&x->broker, log, argv, NULL);
	if (preload && *preload)
		unsetenv("LD_PRELOAD");
	assert_int_equal(rc, 0);
	x->broker_up = true;
	assert_int_equal(harness_wait_file_contains(log, " running", 10000), 0);
	/* the owner, over TLS, with nothing but the enrolment file */
	site_path(x, path, sizeof(path), "owner.enrol");
	assert_int_equal(enrol_load(path, &e, &err), SL_OK);
	memset(&o, 0, sizeof(o));
	o.user = e.user;
	o.password = e.password;
	o.host = e.host;
	o.port = (int)e.port;
	o.cafile = e.cafile;
	c = harness_client_connect(&o, &rc);
	assert_non_null(c);
	assert_int_equal(harness_client_subscribe(c, "smartlock/+/lockRes/owner", 1), 1);
	harness_client_destroy(c);
	/* plaintext to the TLS port fails */
	o.cafile = NULL;
	assert_null(harness_client_connect(&o, &rc));
	enrol_wipe(&e);
	/* the agent over the Unix socket with agent.conf's password */
	agent_pw = conf_value(x, "agent.conf", "broker_password");
	memset(&o, 0, sizeof(o));
	site_path(x, path, sizeof(path), "mqtt.sock");
	o.socket_path = path;
	o.user = "agent";
	o.password = agent_pw;
	c = harness_client_connect(&o, &rc);
	assert_non_null(c);
	assert_int_equal(harness_client_subscribe(c, SL_TOPIC_LOGIN_FAILED, 1), 1);
	harness_client_destroy(c);
	free(agent_pw);
}

static void test_user_add(void **state)
{
	struct fx *x = *state;
	char out[HARNESS_PATH_MAX], sock[HARNESS_PATH_MAX], log[HARNESS_PATH_MAX];
	char *args[] = {"user", "add", "gwen", "--role", "guest", "--site", x->site,
		"--uses", "3", "--schedule", "Mo-Su 00:00-24:00", "--out", out, NULL};
	char *again[] = {"user", "add", "gwen2", "--role", "guest", "--site", x->site,
		"--out", out, NULL};
	char *dup[] = {"user", "add", "gwen", "--role", "resident", "--site", x->site, NULL};
	char *noway[] = {"user", "add", "front-door", "--role", "guest", "--site", x->site, NULL};
	struct sl_enrolment e;
	struct sl_config_error err;
	struct harness_client_opts o;
	struct harness_client *c;
	struct stat st;

	skip_without_ctl(x);
	pf_fmt(out, sizeof(out), "%s/gwen.enrol", x->dir);
	pf_fmt(log, sizeof(log), "%s/mosquitto.log", x->dir);
	assert_int_equal(ctl(x, args), 0);
	assert_int_equal(stat(out, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ctl(x, again), 5);     /* the enrolment file exists */
	assert_int_equal(ctl(x, dup), 5);       /* the user exists */
	assert_int_equal(ctl(x, noway), 5);     /* a lock has that name */
	/* the running broker picks the new account up */
	assert_int_equal(harness_wait_file_contains(log, "reload 1:", 5000), 0);
	assert_int_equal(enrol_load(out, &e, &err), SL_OK);
	assert_int_equal(e.role, SL_ROLE_GUEST);
	memset(&o, 0, sizeof(o));
	site_path(x, sock, sizeof(sock), "mqtt.sock");
	o.socket_path = sock;
	o.user = e.user;
	o.password = e.password;
	c = harness_client_connect(&o, NULL);
	assert_non_null(c);
	harness_client_destroy(c);
	/* a guest on loopback TLS is outside 192.168.0.0/16: refused */
	memset(&o, 0, sizeof(o));
	o.user = e.user;
	o.password = e.password;
	o.host = e.host;
	o.port = (int)e.port;
	o.cafile = e.cafile;
	assert_null(harness_client_connect(&o, NULL));
	enrol_wipe(&e);
}

/* --from and --until take the times every smartlock program takes. */
static void test_user_add_window(void **state)
{
	struct fx *x = *state;
	char out[HARNESS_PATH_MAX], path[HARNESS_PATH_MAX], msg[256];
	char *window[] = {"user", "add", "wendy", "--role", "guest", "--site", x->site,
		"--from", "2030-01-02 03:04:05", "--until", "2030-01-02T15:06Z",
		"--out", out, NULL};
	char *no_such_day[] = {"user", "add", "wanda", "--role", "guest", "--site", x->site,
		"--until", "2030-02-31", NULL};
	char *loose[] = {"user", "add", "wanda", "--role", "guest", "--site", x->site,
		"--until", "2030-1-2", NULL};
	struct tm local = {.tm_year = 130, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3,
		.tm_min = 4, .tm_sec = 5, .tm_isdst = -1};
	struct tm utc = {.tm_year = 130, .tm_mon = 0, .tm_mday = 2, .tm_hour = 15,
		.tm_min = 6};
	const struct sl_user *u;
	struct user_store *st;

	const char *tz = getenv("TZ");
	char *saved_tz = tz ? strdup(tz) : NULL;

	skip_without_ctl(x);
	pf_fmt(out, sizeof(out), "%s/wendy.enrol", x->dir);
	/* a zone away from UTC, for smartlockctl and for mktime() below, so
	 * that local and UTC readings differ */
	setenv("TZ", "EST5", 1);
	tzset();
	assert_int_equal(ctl(x, window), 0);
	assert_int_equal(ctl(x, no_such_day), 2);
	assert_int_equal(ctl(x, loose), 2);
	site_path(x, path, sizeof(path), "state/users.json");
	st = user_store_load(path, msg, sizeof(msg));
	assert_non_null(st);
	u = user_store_find(st, "wendy");
	assert_non_null(u);
	/* 03:04:05 in EST5 is 08:04:05 UTC, 7 h 1 min 55 s before 15:06 UTC */
	assert_true(u->from == (int64_t)mktime(&local) * 1000);
	assert_true(u->from == ((int64_t)timegm(&utc) - (7 * 3600 + 60 + 55)) * 1000);
	assert_true(u->until == (int64_t)timegm(&utc) * 1000);
	assert_null(user_store_find(st, "wanda"));
	user_store_destroy(st);
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
}

/* Replace every occurrence of from in *text by to (realloc'd). */
static void subst(char **text, const char *from, const char *to)
{
	char *p;

	while ((p = strstr(*text, from)) != NULL) {
		size_t head = (size_t)(p - *text), n = strlen(*text) - strlen(from) + strlen(to) + 1;
		char *out = malloc(n);

		assert_non_null(out);
		memcpy(out, *text, head);
		strcpy(out + head, to);
		strcat(out, p + strlen(from));
		free(*text);
		*text = out;
	}
}

/* The packaged conf.d snippet, filled in for this site and included by a
 * Debian-style main configuration (which turns persistence on first),
 * runs: the plugin finds its TLS listener on all interfaces and the owner
 * logs in over TLS. Only the port is changed, to a free one. */
static void test_packaged_snippet(void **state)
{
	struct fx *x = *state;
	const char *preload = getenv("SMARTLOCK_PLUGIN_PRELOAD");
	char src[HARNESS_PATH_MAX], confd[HARNESS_PATH_MAX], path[HARNESS_PATH_MAX];
	char main_conf[HARNESS_PATH_MAX], log[HARNESS_PATH_MAX], sock[HARNESS_PATH_MAX];
	char text_main[4 * HARNESS_PATH_MAX], listener[32];
	char *argv[] = {"/usr/bin/env", "mosquitto", "-c", main_conf, NULL};
	struct passwd *me = getpwuid(geteuid());
	struct harness_proc broker;
	struct sl_enrolment e;
	struct sl_config_error err;
	struct harness_client_opts o;
	struct harness_client *c;
	char *snippet;
	int free_port = harness_free_port(), rc;

	skip_without_ctl(x);
	harness_source_path(src, sizeof(src), "data/smartlock.conf.in");
	snippet = harness_read_file(src);
	assert_non_null(snippet);
	pf_fmt(confd, sizeof(confd), "%s/conf.d", x->dir);
	assert_int_equal(mkdir(confd, 0755), 0);
	pf_fmt(sock, sizeof(sock), "%s/system.sock", x->dir);
	pf_fmt(listener, sizeof(listener), "listener %d\n", free_port);
	subst(&snippet, "@PLUGIN_PATH@", x->plugin);
	subst(&snippet, "@SYSCONFDIR@", x->dir);
	subst(&snippet, "@SMARTLOCK_DIR@", x->site);
	subst(&snippet, "@STATE_DIR@", x->site);
	subst(&snippet, "@SOCKET@", sock);
	subst(&snippet, "listener 8883\n", listener);
	pf_fmt(path, sizeof(path), "%s/smartlock.conf", confd);
	assert_int_equal(harness_write_file(path, snippet, 0644), 0);
	free(snippet);
	pf_fmt(main_conf, sizeof(main_conf), "%s/main.conf", x->dir);
	pf_fmt(text_main, sizeof(text_main),
			"# like Debian's /etc/mosquitto/mosquitto.conf\n"
			"user %s\npersistence true\npersistence_location %s/\n"
			"log_dest stderr\ninclude_dir %s\n",
			me ? me->pw_name : "root", x->dir, confd);
	assert_int_equal(harness_write_file(main_conf, text_main, 0644), 0);
	pf_fmt(log, sizeof(log), "%s/system-mosquitto.log", x->dir);
	if (preload && *preload)
		setenv("LD_PRELOAD", preload, 1);
	rc = harness_proc_start(&broker, log, argv, NULL);
	if (preload && *preload)
		unsetenv("LD_PRELOAD");
	assert_int_equal(rc, 0);
	if (harness_wait_file_contains(log, " running", 10000) != 0) {
		char *t = harness_read_file(log);

		print_error("%s\n", t ? t : "");
		free(t);
		harness_proc_stop(&broker, SIGKILL, 1000);
		fail();
	}
	assert_int_equal(harness_wait_file_contains(log, "1 local, 1 TLS", 1000), 0);
	site_path(x, path, sizeof(path), "owner.enrol");
	assert_int_equal(enrol_load(path, &e, &err), SL_OK);
	memset(&o, 0, sizeof(o));
	o.user = e.user;
	o.password = e.password;
	o.host = "localhost";
	o.port = free_port;
	o.cafile = e.cafile;
	c = harness_client_connect(&o, &rc);
	assert_non_null(c);
	harness_client_destroy(c);
	enrol_wipe(&e);
	harness_proc_stop(&broker, SIGTERM, 5000);
}

/* As root, the production layout: the agent's files belong to the agent's
 * user, the password file also to the broker's group, and `user add` run
 * as root leaves them so. (Uses the system user "nobody".) */
static void test_production_layout(void **state)
{
	struct fx *x = *state;
	char etc[HARNESS_PATH_MAX], var[HARNESS_PATH_MAX], pw[HARNESS_PATH_MAX];
	char lockd_state[HARNESS_PATH_MAX], enrol[HARNESS_PATH_MAX], users[HARNESS_PATH_MAX];
	char conf[HARNESS_PATH_MAX];
	struct passwd *nobody = getpwnam("nobody");
	struct stat st;
	uid_t uid;

	skip_without_ctl(x);
	if (geteuid() != 0 || !nobody) {
		print_message("needs root and the user nobody: skipped\n");
		skip();
	}
	uid = nobody->pw_uid;
	pf_fmt(etc, sizeof(etc), "%s/prod/etc", x->dir);
	pf_fmt(var, sizeof(var), "%s/prod/var", x->dir);
	pf_fmt(pw, sizeof(pw), "%s/passwd", var);
	pf_fmt(users, sizeof(users), "%s/users.json", var);
	pf_fmt(lockd_state, sizeof(lockd_state), "%s/prod/lockd/lockd.state", x->dir);
	pf_fmt(enrol, sizeof(enrol), "%s/prod/rita.enrol", x->dir);
	pf_fmt(conf, sizeof(conf), "%s/agent.conf", etc);
	{
		char *args[] = {"init", etc, "--state-dir", var, "--passwd", pw,
			"--lockd-state", lockd_state, "--agent-user", "nobody",
			"--pbkdf2-iterations", "1000", "--plugin", x->plugin, NULL};
		char *add[] = {"user", "add", "rita", "--role", "resident", "--alerts",
			"--site", etc, "--out", enrol, NULL};

		assert_int_equal(ctl(x, args), 0);
		assert_int_equal(stat(conf, &st), 0);
		assert_int_equal(st.st_uid, uid);
		assert_int_equal(st.st_mode & 07777, 0600);
		assert_int_equal(stat(pw, &st), 0);
		assert_int_equal(st.st_uid, uid);
		assert_int_equal(st.st_mode & 07777, 0640);
		assert_int_equal(ctl(x, add), 0);
	}
	assert_int_equal(stat(pw, &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(stat(users, &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_mode & 07777, 0600);
}

static bool built(const char *rel, char *buf, size_t size)
{
	harness_build_path(buf, size, rel);
	return access(buf, X_OK) == 0;
}

static void test_signed_unlock(void **state)
{
	struct fx *x = *state;
	char agent_bin[HARNESS_PATH_MAX], lockd_bin[HARNESS_PATH_MAX];
	char agent_conf[HARNESS_PATH_MAX], lockd_conf[HARNESS_PATH_MAX];
	char agent_log[HARNESS_PATH_MAX], lockd_log[HARNESS_PATH_MAX], path[HARNESS_PATH_MAX];
	char topic[SL_TOPIC_MAX], res_topic[SL_TOPIC_MAX];
	struct sl_enrolment e;
	struct sl_config_error err;
	struct harness_client_opts o;
	struct harness_client *owner;
	struct sl_request req;
	struct sl_response res;
	struct sl_proto_error perr;
	struct harness_msg *m;
	char *payload;

	skip_without_ctl(x);
	if (!built("src/broker-agent/agent/smartlock-agent", agent_bin, sizeof(agent_bin)) ||
			!built("src/lock/smartlock-lockd", lockd_bin, sizeof(lockd_bin))) {
		print_message("smartlock-agent or smartlock-lockd not built: skipped\n");
		skip();
	}
	site_path(x, agent_conf, sizeof(agent_conf), "agent.conf");
	site_path(x, lockd_conf, sizeof(lockd_conf), "lockd-front-door.conf");
	pf_fmt(agent_log, sizeof(agent_log), "%s/agent.log", x->dir);
	pf_fmt(lockd_log, sizeof(lockd_log), "%s/lockd.log", x->dir);
	{
		char *a[] = {agent_bin, "-c", agent_conf, NULL};
		char *l[] = {lockd_bin, "-c", lockd_conf, NULL};

		assert_int_equal(harness_proc_start(&x->agent, agent_log, a, NULL), 0);
		x->agent_up = true;
		assert_int_equal(harness_proc_start(&x->lockd, lockd_log, l, NULL), 0);
		x->lockd_up = true;
	}
	if (harness_wait_file_contains(agent_log, "lock front-door is online", 20000) != 0) {
		char *t = harness_read_file(agent_log), *u = harness_read_file(lockd_log);

		print_error("agent log:\n%s\nlockd log:\n%s\n", t ? t : "", u ? u : "");
		free(t);
		free(u);
		fail();
	}
	/* the owner, with the enrolment file only, over TLS */
	site_path(x, path, sizeof(path), "owner.enrol");
	assert_int_equal(enrol_load(path, &e, &err), SL_OK);
	memset(&o, 0, sizeof(o));
	o.user = e.user;
	o.password = e.password;
	o.host = e.host;
	o.port = (int)e.port;
	o.cafile = e.cafile;
	owner = harness_client_connect(&o, NULL);
	assert_non_null(owner);
	assert_int_equal(topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, e.lock, e.user), SL_OK);
	assert_int_equal(topic_build(res_topic, sizeof(res_topic), SL_TOPIC_LOCK_RES, e.lock, e.user), SL_OK);
	assert_int_equal(harness_client_subscribe(owner, res_topic, 1), 1);
	memset(&req, 0, sizeof(req));
	req.action = SL_ACTION_UNLOCK;
	req.t = time_now_ms();
	assert_int_equal(proto_sign_request(&e.key, topic, &req), SL_OK);
	payload = proto_encode_request(&req);
	assert_non_null(payload);
	assert_int_equal(harness_client_publish_str(owner, topic, payload, 1, false), 0);
	free(payload);
	/* answers until the final one (a progress answer may come first) */
	for (;;) {
		m = harness_client_wait(owner, res_topic, 20000);
		assert_non_null(m);
		assert_int_equal(proto_decode_response(m->payload, m->len, &res, &perr), SL_OK);
		harness_msg_free(m);
		assert_int_equal(res.id, req.t);
		if (res.result != SL_RESULT_PROGRESS)
			break;
	}
	if (res.result != SL_RESULT_OK)
		print_error("unlock answered %s (%s): %s\n", proto_result_name(res.result),
				proto_reason_name(res.reason), res.msg);
	assert_int_equal(res.result, SL_RESULT_OK);
	print_message("signed unlock through the init-made site: %s, state %s\n",
			proto_result_name(res.result), proto_state_name(res.state));
	harness_client_destroy(owner);
	enrol_wipe(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_idempotent),
		cmocka_unit_test(test_site_broker),
		cmocka_unit_test(test_user_add),
		cmocka_unit_test(test_user_add_window),
		cmocka_unit_test(test_packaged_snippet),
		cmocka_unit_test(test_production_layout),
		cmocka_unit_test(test_signed_unlock),
	};
	int rc;

	(void)fixture;
	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
