/* stack.c - broker, agent, lock daemon and enrolments for the client
 * integration tests. */
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/enrol.h"
#include "smartlock/timeutil.h"
#include "smartlock/userstore.h"

#include "stack.h"

extern char **environ;

const char *const stack_names[STACK_NUSERS] = {"owner", "resident", "guest"};

static char **env_without_enrol(void);

static const char agent_base[] =
	"broker_socket = %s\n"
	"state_dir = %s\n"
	"lock_keys_dir = %s/keys\n"
	"locks = " STACK_LOCK "\n"
	"request_window = 60\n"
	"command_timeout_ms = 3000\n"
	"heartbeat_interval = 60\n"
	"fail_threshold = 3\n"
	"fail_window = 300\n"
	"lockout_duration = 300\n"
	"unlock_rate_max = 50\n"
	"unlock_rate_window = 300\n"
	"reconnect_min_ms = 50\n"
	"reconnect_max_ms = 500\n"
	"log_level = info\n"
	"%s";

static const char lockd_base[] =
	"lock = " STACK_LOCK "\n"
	"broker_socket = %s\n"
	"signing_key = %s\n"
	"state_file = %s/lockd.state\n"
	"backend = sim\n"
	"log_level = info\n"
	"%s";

static const char *build_path(char *buf, size_t size, const char *rel)
{
	return harness_build_path(buf, size, rel);
}

const char *stack_ctl_path(char *buf, size_t size)
{
	return build_path(buf, size, "src/cli/smartlockctl");
}

const char *stack_tui_path(char *buf, size_t size)
{
	return build_path(buf, size, "src/tui/smartlock-tui");
}

bool stack_programs_built(void)
{
	char a[HARNESS_PATH_MAX], l[HARNESS_PATH_MAX];

	return access(build_path(a, sizeof(a), "src/broker-agent/agent/smartlock-agent"),
			X_OK) == 0 &&
			access(build_path(l, sizeof(l), "src/lock/smartlock-lockd"), X_OK) == 0;
}

const char *stack_enrol(const struct stack *s, enum stack_user u, char *buf, size_t size)
{
	if (s->site)
		snprintf(buf, size, "%.400s/%s.enrol", s->site_dir, stack_names[u]);
	else
		snprintf(buf, size, "%.400s/%s.enrol", s->dir, stack_names[u]);
	return buf;
}

int stack_write_enrol(const struct stack *s, const char *path, const char *name,
		enum sl_role role, const struct sl_key *key)
{
	struct sl_enrolment e;
	enum sl_err rc;

	memset(&e, 0, sizeof(e));
	snprintf(e.user, sizeof(e.user), "%s", name);
	e.role = role;
	snprintf(e.lock, sizeof(e.lock), "%s", STACK_LOCK);
	snprintf(e.socket, sizeof(e.socket), "%s", s->broker.socket_path);
	snprintf(e.host, sizeof(e.host), "127.0.0.1");
	e.port = s->broker.port;
	snprintf(e.password, sizeof(e.password), "pw-%s", name);
	e.key = *key;
	rc = enrol_save(path, &e, true);
	enrol_wipe(&e);
	return rc == SL_OK ? 0 : -1;
}

static int write_users(struct stack *s)
{
	char path[HARNESS_PATH_MAX + 16];
	struct user_store *st = user_store_create();
	int rc = -1;
	int64_t now = time_now_ms();

	if (!st)
		return -1;
	/* the guest's window opens in three days, on the hour */
	s->guest_from = (now / 3600000 + 72) * 3600000;
	for (int i = 0; i < STACK_NUSERS; i++) {
		struct sl_user u;

		memset(&u, 0, sizeof(u));
		snprintf(u.name, sizeof(u.name), "%s", stack_names[i]);
		u.role = i == STACK_OWNER ? SL_ROLE_OWNER :
				i == STACK_RESIDENT ? SL_ROLE_RESIDENT : SL_ROLE_GUEST;
		if (sign_key_generate(&s->keys[i]) != SL_OK)
			goto out;
		u.key = s->keys[i];
		u.status = SL_USER_ACTIVE;
		if (i == STACK_GUEST) {
			u.from = s->guest_from;
			u.until = s->guest_from + 24 * 3600000;
		}
		snprintf(u.locks, sizeof(u.locks), "*");
		u.alerts = i != STACK_GUEST;
		u.created = now;
		if (user_store_add(st, &u) != SL_OK)
			goto out;
	}
	snprintf(path, sizeof(path), "%s/users.json", s->state_dir);
	rc = user_store_save(st, path) == SL_OK ? 0 : -1;
out:
	user_store_destroy(st);
	return rc;
}

static int write_configs(struct stack *s, const char *agent_extra, const char *lockd_extra)
{
	char path[HARNESS_PATH_MAX + 32], hex[SL_KEY_HEX + 2];
	char *text = NULL;
	int rc;

	snprintf(path, sizeof(path), "%s/keys", s->dir);
	if (mkdir(path, 0700) != 0 || sign_key_generate(&s->lock_key) != SL_OK ||
			sign_key_to_hex(&s->lock_key, hex, sizeof(hex)) != SL_OK)
		return -1;
	snprintf(path, sizeof(path), "%s/keys/%s.key", s->dir, STACK_LOCK);
	strcat(hex, "\n");
	if (harness_write_file(path, hex, 0600) != 0)
		return -1;
	hex[SL_KEY_HEX] = '\0';
	if (asprintf(&text, agent_base, s->broker.socket_path, s->state_dir, s->dir,
			agent_extra ? agent_extra : "") < 0)
		return -1;
	rc = harness_write_file(s->agent_conf, text, 0600);
	free(text);
	if (rc != 0)
		return -1;
	if (asprintf(&text, lockd_base, s->broker.socket_path, hex, s->dir,
			lockd_extra ? lockd_extra : "") < 0)
		return -1;
	rc = harness_write_file(s->lockd_conf, text, 0600);
	free(text);
	return rc;
}

int stack_setup(struct stack *s, const char *agent_extra, const char *lockd_extra)
{
	char path[HARNESS_PATH_MAX];

	memset(s, 0, sizeof(*s));
	if (harness_tmpdir(s->dir, sizeof(s->dir)) != 0)
		return -1;
	snprintf(s->state_dir, sizeof(s->state_dir), "%.400s/state", s->dir);
	snprintf(s->agent_conf, sizeof(s->agent_conf), "%.400s/agent.conf", s->dir);
	snprintf(s->lockd_conf, sizeof(s->lockd_conf), "%.400s/lockd.conf", s->dir);
	if (mkdir(s->state_dir, 0700) != 0 || write_users(s) != 0)
		return -1;
	if (harness_broker_start(&s->broker, s->dir, NULL) != 0)
		return -1;
	if (write_configs(s, agent_extra, lockd_extra) != 0)
		return -1;
	for (int i = 0; i < STACK_NUSERS; i++)
		if (stack_write_enrol(s, stack_enrol(s, (enum stack_user)i, path, sizeof(path)),
				stack_names[i], i == STACK_OWNER ? SL_ROLE_OWNER :
				i == STACK_RESIDENT ? SL_ROLE_RESIDENT : SL_ROLE_GUEST,
				&s->keys[i]) != 0)
			return -1;
	return 0;
}

int stack_add_lock(struct stack *s, const char *id)
{
	char path[HARNESS_PATH_MAX + 64], hex[SL_KEY_HEX + 2], *conf, *at, *text = NULL;
	struct sl_key key;
	int rc;

	snprintf(path, sizeof(path), "%s/keys/%s.key", s->dir, id);
	if (sign_key_generate(&key) != SL_OK || sign_key_to_hex(&key, hex, sizeof(hex)) != SL_OK)
		return -1;
	strcat(hex, "\n");
	if (harness_write_file(path, hex, 0600) != 0)
		return -1;
	conf = harness_read_file(s->agent_conf);
	at = conf ? strstr(conf, "locks = " STACK_LOCK "\n") : NULL;
	if (!at) {
		free(conf);
		return -1;
	}
	at += strlen("locks = " STACK_LOCK);
	*at = '\0';
	rc = asprintf(&text, "%s,%s\n%s", conf, id, at + 1) < 0 ? -1 :
			harness_write_file(s->agent_conf, text, 0600);
	free(text);
	free(conf);
	return rc;
}

static int start(struct stack *s, struct harness_proc *p, const char *rel, const char *conf,
		const char *name, char *log, size_t log_size, const char *ready)
{
	char exe[HARNESS_PATH_MAX], reuid[48], regid[48], groups[48];
	char *argv[] = {(char *)build_path(exe, sizeof(exe), rel), "-c", (char *)conf, NULL};
	/* the agent as an unprivileged user in the broker's group (the site
	 * directory's, for its socket): setpriv execs it (same pid) */
	char *as_user[] = {"/usr/bin/setpriv", reuid, regid, groups, argv[0], "-c",
		(char *)conf, NULL};
	bool drop = s->agent_user && strcmp(name, "agent") == 0;

	s->starts++;
	snprintf(log, log_size, "%.400s/%s-%d.log", s->dir, name, s->starts);
	if (drop) {
		struct passwd *pw = getpwnam(s->agent_user);
		struct stat st;

		if (!pw || stat(s->site_dir, &st) != 0)
			return -1;
		snprintf(reuid, sizeof(reuid), "--reuid=%u", (unsigned)pw->pw_uid);
		snprintf(regid, sizeof(regid), "--regid=%u", (unsigned)pw->pw_gid);
		snprintf(groups, sizeof(groups), "--groups=%u", (unsigned)st.st_gid);
	}
	if (harness_proc_start(p, log, drop ? as_user : argv, NULL) != 0)
		return -1;
	if (harness_wait_file_contains(log, ready, STACK_WAIT) != 0) {
		char *text = harness_read_file(log);

		fprintf(stderr, "%s did not get ready; its log:\n%s\n", name, text ? text : "");
		free(text);
		return -1;
	}
	return 0;
}

int stack_start_agent(struct stack *s)
{
	if (start(s, &s->agent, "src/broker-agent/agent/smartlock-agent", s->agent_conf, "agent",
			s->agent_log, sizeof(s->agent_log), ": ready") != 0)
		return -1;
	s->agent_running = true;
	return 0;
}

int stack_start_lockd(struct stack *s)
{
	if (start(s, &s->lockd, "src/lock/smartlock-lockd", s->lockd_conf, "lockd", s->lockd_log,
			sizeof(s->lockd_log), ": ready") != 0)
		return -1;
	s->lockd_running = true;
	return 0;
}

int stack_stop_lockd(struct stack *s)
{
	if (!s->lockd_running)
		return 0;
	s->lockd_running = false;
	return harness_proc_stop(&s->lockd, SIGTERM, 5000);
}

struct harness_client *stack_client(struct stack *s)
{
	return harness_client_local(&s->broker, NULL, NULL);
}

int stack_wait_online(struct stack *s, bool want)
{
	struct harness_client *c = stack_client(s);
	int64_t deadline = time_mono_ms() + STACK_WAIT;
	int rc = -1;

	if (!c)
		return -1;
	if (harness_client_subscribe(c, "smartlock/" STACK_LOCK "/state", 1) < 0)
		goto out;
	while (time_mono_ms() < deadline) {
		struct harness_msg *m = harness_client_wait(c, "smartlock/" STACK_LOCK "/state",
				(int)(deadline - time_mono_ms()));
		struct sl_state_msg st;

		if (!m)
			break;
		if (proto_decode_state(m->payload, m->len, &st, NULL) == SL_OK &&
				st.online == want)
			rc = 0;
		harness_msg_free(m);
		if (rc == 0)
			break;
	}
out:
	harness_client_destroy(c);
	return rc;
}

int stack_up(struct stack *s, const char *agent_extra, const char *lockd_extra)
{
	if (stack_setup(s, agent_extra, lockd_extra) != 0 || stack_start_agent(s) != 0 ||
			stack_start_lockd(s) != 0)
		return -1;
	return stack_wait_online(s, true);
}

void stack_teardown(struct stack *s)
{
	if (s->lockd_running)
		harness_proc_stop(&s->lockd, SIGTERM, 5000);
	if (s->agent_running)
		harness_proc_stop(&s->agent, SIGTERM, 5000);
	if (s->mosquitto_running)
		harness_proc_stop(&s->mosquitto, SIGTERM, 5000);
	if (!s->site)
		harness_broker_stop(&s->broker);
	if (getenv("SMARTLOCK_KEEP_TEST_DIR"))
		fprintf(stderr, "kept %s\n", s->dir);
	else
		harness_rmtree(s->dir);
}

/* The environment without SMARTLOCK_ENROL (malloc'd array, strings shared). */
static char **env_without_enrol(void)
{
	size_t n = 0, j = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SMARTLOCK_ENROL=", 16) != 0)
			env[j++] = environ[i];
	return env;
}

int stack_ctl_start(const struct stack *s, const char *const *args, struct harness_proc *p,
		char *out_path, char *err_path)
{
	static int runs;
	char exe[HARNESS_PATH_MAX];
	char script[HARNESS_PATH_MAX + 64];
	char *argv[64];
	char **env = env_without_enrol();
	size_t n = 0;

	runs++;
	snprintf(out_path, HARNESS_PATH_MAX, "%.400s/ctl-%d.out", s->dir, runs);
	snprintf(err_path, HARNESS_PATH_MAX, "%.400s/ctl-%d.err", s->dir, runs);
	/* stdout to the harness's log, stderr to a file of its own */
	snprintf(script, sizeof(script), "exec \"$0\" \"$@\" 2>'%s'", err_path);
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = script;
	argv[n++] = (char *)stack_ctl_path(exe, sizeof(exe));
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	if (!env || harness_proc_start(p, out_path, argv, env) != 0) {
		free(env);
		return -1;
	}
	free(env);
	return 0;
}

int stack_ctl(const struct stack *s, const char *const *args, int timeout_ms, char **out,
		char **err)
{
	char out_path[HARNESS_PATH_MAX], err_path[HARNESS_PATH_MAX];
	struct harness_proc p;
	int rc;

	if (stack_ctl_start(s, args, &p, out_path, err_path) != 0)
		return -1;
	if (harness_proc_wait(&p, timeout_ms) != 0) {
		harness_proc_stop(&p, SIGKILL, 1000);
		rc = -1;
	} else {
		rc = WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
	}
	if (out)
		*out = harness_read_file(out_path);
	if (err)
		*err = harness_read_file(err_path);
	return rc;
}

int stack_ctl_again(const struct stack *s, const char *const *args, int timeout_ms,
		char **out, char **err)
{
	free(*out);
	free(*err);
	*out = *err = NULL;
	return stack_ctl(s, args, timeout_ms, out, err);
}

void stack_thaw(struct stack *s)
{
	if (s->agent_running)
		kill(s->agent.pid, SIGCONT);
	if (s->lockd_running)
		kill(s->lockd.pid, SIGCONT);
}

/* ---- the production-shaped site ---- */

static int ctl_site(struct stack *s, const char *const *args)
{
	char *err = NULL;
	int rc = stack_ctl(s, args, 60000, NULL, &err);

	if (rc != 0)
		fprintf(stderr, "smartlockctl %s %s: exit %d: %s\n", args[0], args[1], rc,
				err ? err : "");
	free(err);
	return rc;
}

/* Append text to the config file at path, keeping its mode. 0 or -1. */
static int append_conf(const char *path, const char *text)
{
	FILE *f;
	int rc;

	if (!text)
		return 0;
	f = fopen(path, "a");
	if (!f)
		return -1;
	rc = fprintf(f, "\n%s\n", text) < 0;
	return fclose(f) != 0 || rc ? -1 : 0;
}

int stack_site_broker_start(struct stack *s)
{
	char conf[HARNESS_PATH_MAX + 32], log[HARNESS_PATH_MAX + 32];
	const char *mosq = getenv("SMARTLOCK_MOSQUITTO");
	/* execv needs a path: /usr/bin/env finds the broker on PATH */
	char *argv[] = {"/usr/bin/env", (char *)(mosq && mosq[0] ? mosq : "mosquitto"), "-c",
			conf, NULL};
	/* a sanitized plugin needs the sanitizer runtime first in the
	 * (unsanitized) broker: LD_PRELOAD for the broker alone */
	const char *preload = getenv("SMARTLOCK_PLUGIN_PRELOAD");
	char **env = env_without_enrol();
	char pre[HARNESS_PATH_MAX + 16];
	size_t n = 0;
	int rc;

	if (!env)
		return -1;
	snprintf(conf, sizeof(conf), "%s/mosquitto.conf", s->site_dir);
	snprintf(log, sizeof(log), "%s/mosquitto-%d.log", s->dir, ++s->starts);
	while (env[n])
		n++;
	if (preload && preload[0]) {
		char **grown = realloc(env, (n + 2) * sizeof(*env));

		if (!grown) {
			free(env);
			return -1;
		}
		env = grown;
		snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", preload);
		env[n++] = pre;
		env[n] = NULL;
	}
	rc = harness_proc_start(&s->mosquitto, log, argv, env);
	free(env);
	if (rc != 0)
		return -1;
	s->mosquitto_running = true;
	return harness_wait_file_contains(log, "running", STACK_WAIT);
}

int stack_site_broker_stop(struct stack *s, int sig)
{
	if (!s->mosquitto_running)
		return 0;
	s->mosquitto_running = false;
	return harness_proc_stop(&s->mosquitto, sig, 5000) < 0 ? -1 : 0;
}

static int site_up(struct stack *s, const char *agent_extra, const char *lockd_extra,
		int iterations, const char *agent_user);

int stack_site_up(struct stack *s)
{
	return site_up(s, NULL, NULL, 0, NULL);
}

int stack_site_up_as(struct stack *s, const char *agent_user)
{
	return site_up(s, NULL, NULL, 0, agent_user);
}

int stack_site_up_ex(struct stack *s, const char *agent_extra, const char *lockd_extra,
		int iterations)
{
	return site_up(s, agent_extra, lockd_extra, iterations, NULL);
}

/* stack_site_up's body: init with the given options, then start the
 * broker, the agent (as agent_user when given) and lockd. */
static int site_up(struct stack *s, const char *agent_extra, const char *lockd_extra,
		int iterations, const char *agent_user)
{
	char var[HARNESS_PATH_MAX + 32], pw[HARNESS_PATH_MAX + 32];
	char iters[16];
	char plugin[HARNESS_PATH_MAX], port[16];
	char out[HARNESS_PATH_MAX + 32];
	int rc;

	memset(s, 0, sizeof(*s));
	s->agent_user = agent_user;
	if (harness_tmpdir(s->dir, sizeof(s->dir)) != 0)
		return -1;
	/* the site directory is shared with the mosquitto group, as init makes it */
	chmod(s->dir, 0755);
	s->site = true;
	snprintf(s->site_dir, sizeof(s->site_dir), "%.400s/site", s->dir);
	snprintf(port, sizeof(port), "%d", harness_free_port());
	snprintf(iters, sizeof(iters), "%d", iterations > 0 ? iterations : 1000);
	build_path(plugin, sizeof(plugin), "src/broker-agent/plugin/smartlock_auth.so");
	/* with an agent user, the production layout: the agent's state and
	 * the password file in a directory of its own */
	snprintf(var, sizeof(var), "%.400s/var", s->site_dir);
	snprintf(pw, sizeof(pw), "%.400s/var/passwd", s->site_dir);
	rc = ctl_site(s, (const char *const[]){"init", s->site_dir, "--lock", STACK_LOCK,
			"--owner", "owner", "--host", "localhost", "--port", port, "--bind",
			"127.0.0.1", "--plugin", plugin, "--pbkdf2-iterations", iters,
			agent_user ? "--agent-user" : NULL, agent_user, "--state-dir", var,
			"--passwd", pw, NULL});
	if (rc == 2)
		return 77;      /* no init in this smartlockctl */
	if (rc != 0)
		return -1;
	snprintf(out, sizeof(out), "%s/resident.enrol", s->site_dir);
	if (ctl_site(s, (const char *const[]){"user", "add", "resident", "--role", "resident",
			"--alerts", "--site", s->site_dir, "--out", out, NULL}) != 0)
		return -1;
	snprintf(out, sizeof(out), "%s/guest.enrol", s->site_dir);
	if (ctl_site(s, (const char *const[]){"user", "add", "guest", "--role", "guest",
			"--site", s->site_dir, "--out", out, NULL}) != 0)
		return -1;
	if (stack_site_broker_start(s) != 0)
		return -1;
	snprintf(s->broker.socket_path, sizeof(s->broker.socket_path), "%.400s/mqtt.sock",
			s->site_dir);
	s->broker.port = (int)strtol(port, NULL, 10);
	snprintf(s->agent_conf, sizeof(s->agent_conf), "%.400s/agent.conf", s->site_dir);
	snprintf(s->lockd_conf, sizeof(s->lockd_conf), "%.400s/lockd-%s.conf", s->site_dir,
			STACK_LOCK);
	snprintf(s->state_dir, sizeof(s->state_dir), "%.400s/%s", s->site_dir,
			agent_user ? "var" : "state");
	if (append_conf(s->agent_conf, agent_extra) != 0 ||
			append_conf(s->lockd_conf, lockd_extra) != 0)
		return -1;
	if (stack_start_agent(s) != 0 || stack_start_lockd(s) != 0)
		return -1;
	return 0;
}
