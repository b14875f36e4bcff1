/* stack.c - the benchmark's private stack: a run directory with users,
 * keys and configs, a real Mosquitto from the test harness, and the real
 * smartlock-agent and smartlock-lockd (simulated bolt, zero actuation) as
 * child processes. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "smartlock/passwd.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"
#include "smartlock/userstore.h"

#define READY_TIMEOUT_MS 15000

static int user_init(struct bench_user *u, const char *name)
{
	snprintf(u->name, sizeof(u->name), "%s", name);
	return sign_key_generate(&u->key) == SL_OK ? 0 : -1;
}

static int add_user(struct user_store *st, const char *name, enum sl_role role,
		const struct sl_key *key)
{
	struct sl_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.role = role;
	u.key = *key;
	u.status = SL_USER_ACTIVE;
	snprintf(u.locks, sizeof(u.locks), "*");
	u.alerts = true;
	u.created = time_now_ms();
	return user_store_add(st, &u) == SL_OK ? 0 : -1;
}

int stack_write_users(struct bench_stack *s, const char *path, size_t extra)
{
	struct user_store *st = user_store_create();
	int rc = -1;

	if (!st)
		return -1;
	if (add_user(st, s->owner.name, SL_ROLE_OWNER, &s->owner.key) != 0 ||
			add_user(st, s->attacker.name,
				s->plugin ? SL_ROLE_GUEST : SL_ROLE_RESIDENT, &s->attacker.key) != 0)
		goto out;
	for (size_t i = 1; i <= extra; i++) {
		struct sl_key k;
		char name[SL_NAME_MAX + 1];

		snprintf(name, sizeof(name), "user-%04zu", i);
		if (sign_key_generate(&k) != SL_OK ||
				add_user(st, name, i % 10 ? SL_ROLE_RESIDENT : SL_ROLE_GUEST, &k) != 0)
			goto out;
	}
	if (user_store_save(st, path) != SL_OK) {
		fprintf(stderr, "smartlock-bench: cannot write %s\n", path);
		goto out;
	}
	rc = 0;
out:
	user_store_destroy(st);
	return rc;
}

int stack_write_lock_keys(struct bench_stack *s, const char *dir, const char *locks)
{
	char list[1024], *save = NULL;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(list, sizeof(list), "%s", locks);
	for (char *l = strtok_r(list, ",", &save); l; l = strtok_r(NULL, ",", &save)) {
		char path[HARNESS_PATH_MAX + 64], hex[SL_KEY_HEX + 2];
		struct sl_key k = s->lock_key;

		/* the bench lock shares the stack's key with lockd; others get their own */
		if (strcmp(l, s->lock) != 0 && sign_key_generate(&k) != SL_OK)
			return -1;
		if (sign_key_to_hex(&k, hex, sizeof(hex)) != SL_OK)
			return -1;
		strcat(hex, "\n");
		snprintf(path, sizeof(path), "%s/%s.key", dir, l);
		if (harness_write_file(path, hex, 0600) != 0)
			return -1;
	}
	return 0;
}

/* Wait for "<prog>: ready" or, logged at notice level, "<prog>: notice:
 * ready" in the program's log. */
static int wait_ready(struct harness_proc *p, const char *log, const char *prog)
{
	char plain[64], leveled[64];
	int64_t deadline = time_mono_ms() + READY_TIMEOUT_MS;

	snprintf(plain, sizeof(plain), "%s: ready\n", prog);
	snprintf(leveled, sizeof(leveled), "%s: notice: ready\n", prog);
	for (;;) {
		char *text = harness_read_file(log);
		bool found = text && (strstr(text, plain) || strstr(text, leveled));
		struct timespec pause = {.tv_sec = 0, .tv_nsec = 2000000};

		free(text);
		if (found)
			return 0;
		if (time_mono_ms() >= deadline || !harness_proc_alive(p))
			return -1;
		nanosleep(&pause, NULL);
	}
}

/* The end of a program's log on stderr, to say why it did not start. */
static void show_tail(const char *log)
{
	char *text = harness_read_file(log);
	size_t len = text ? strlen(text) : 0;

	if (text)
		fprintf(stderr, "%s", len > 1000 ? text + len - 1000 : text);
	free(text);
}

/* Where (and, with the plugin, as whom) a daemon connects. */
static void broker_lines(const struct bench_stack *s, FILE *f, const struct bench_user *as)
{
	if (s->plugin)
		fprintf(f, "broker_user = %s\nbroker_password = %s\n", as->name, as->password);
	if (s->progs_on_socket)
		fprintf(f, "broker_socket = %s\n", s->broker.socket_path);
	else
		fprintf(f, "broker_host = 127.0.0.1\nbroker_port = %d\n", s->broker.port);
}

/* The run directory, the users and keys; no broker yet. 0/-1. */
static int stack_prepare(struct bench_stack *s, const char *base, const char *build_root,
		enum bench_transport transport, bool nodelay, bool plugin)
{
	memset(s, 0, sizeof(*s));
	s->transport = transport;
	s->progs_on_socket = transport != BENCH_TCP;
	s->nodelay = nodelay;
	s->plugin = plugin;
	snprintf(s->lock, sizeof(s->lock), "%s", SL_DEFAULT_LOCK);
	snprintf(s->build_root, sizeof(s->build_root), "%s", build_root);
	snprintf(s->agent_bin, sizeof(s->agent_bin), "%s/src/broker-agent/agent/smartlock-agent",
			build_root);
	snprintf(s->lockd_bin, sizeof(s->lockd_bin), "%s/src/lock/smartlock-lockd", build_root);
	s->have_agent = access(s->agent_bin, X_OK) == 0;
	s->have_lockd = access(s->lockd_bin, X_OK) == 0;
	if (base) {
		char abs[PATH_MAX];

		/* absolute: the programs get these paths in their configs */
		if (!realpath(base, abs)) {
			fprintf(stderr, "smartlock-bench: %s: %s\n", base, strerror(errno));
			return -1;
		}
		if (strlen(abs) + 24 >= sizeof(s->dir)) {
			fprintf(stderr, "smartlock-bench: %s: path too long\n", abs);
			return -1;
		}
		text_copy(s->dir, sizeof(s->dir), abs);
		text_append(s->dir, sizeof(s->dir), NULL, "/smartlock-bench.XXXXXX");
		if (!mkdtemp(s->dir)) {
			fprintf(stderr, "smartlock-bench: %s: %s\n", s->dir, strerror(errno));
			return -1;
		}
	} else if (harness_tmpdir(s->dir, sizeof(s->dir)) != 0) {
		return -1;
	}
	if (user_init(&s->owner, BENCH_OWNER) != 0 || user_init(&s->attacker, BENCH_ATTACKER) != 0 ||
			sign_key_generate(&s->lock_key) != SL_OK)
		return -1;
	snprintf(s->users_json, sizeof(s->users_json), "%s/users.json", s->dir);
	snprintf(s->keys_dir, sizeof(s->keys_dir), "%s/lock-keys", s->dir);
	if (stack_write_users(s, s->users_json, 0) != 0 ||
			stack_write_lock_keys(s, s->keys_dir, s->lock) != 0)
		return -1;
	return 0;
}

/* Start the broker with head, then broker_extra, in its config. 0/-1. */
static int stack_broker(struct bench_stack *s, const char *head, const char *broker_extra)
{
	char extra[4800];

	text_copy(extra, sizeof(extra), head);
	if (broker_extra)
		text_append(extra, sizeof(extra), NULL, broker_extra);
	if (harness_broker_start(&s->broker, s->dir, extra) != 0)
		return -1;
	s->unix_ep.socket_path = s->broker.socket_path;
	s->tcp_ep.host = "127.0.0.1";
	s->tcp_ep.port = s->broker.port;
	s->tcp_ep.nodelay = s->nodelay;
	s->ep = s->transport == BENCH_UNIX ? s->unix_ep : s->tcp_ep;
	return 0;
}

int stack_create(struct bench_stack *s, const char *base, const char *build_root,
		enum bench_transport transport, bool nodelay, const char *broker_extra)
{
	if (stack_prepare(s, base, build_root, transport, nodelay, false) != 0)
		return -1;
	/* the harness allows anonymous clients only when given no extra conf */
	return stack_broker(s, "allow_anonymous true\n", broker_extra);
}

/* Give u a fresh password and a line of role in pf. 0/-1. */
static int add_account(struct passwd_file *pf, struct bench_user *u, enum sl_passwd_role role)
{
	struct sl_passwd_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "%s", u->name);
	e.role = role;
	e.enabled = true;
	e.alerts = role == SL_PW_OWNER;
	if (passwd_generate(u->password, sizeof(u->password)) != SL_OK ||
			passwd_hash(u->password, e.hash, sizeof(e.hash)) != SL_OK)
		return -1;
	return passwd_set(pf, &e) == SL_OK ? 0 : -1;
}

/* The plugin's password file at path: the daemons and the two people. */
static int write_passwd(struct bench_stack *s, const char *path)
{
	struct passwd_file *pf = passwd_create();
	int rc = -1;

	snprintf(s->agent_account.name, sizeof(s->agent_account.name), "agent");
	snprintf(s->lock_account.name, sizeof(s->lock_account.name), "%s", s->lock);
	if (pf && add_account(pf, &s->agent_account, SL_PW_AGENT) == 0 &&
			add_account(pf, &s->lock_account, SL_PW_LOCK) == 0 &&
			add_account(pf, &s->owner, SL_PW_OWNER) == 0 &&
			add_account(pf, &s->attacker, SL_PW_GUEST) == 0 &&
			passwd_save(pf, path) == SL_OK)
		rc = 0;
	passwd_destroy(pf);
	return rc;
}

int stack_create_plugin(struct bench_stack *s, const char *base, const char *build_root,
		const char *broker_extra)
{
	char plugin[HARNESS_PATH_MAX + 64], passwd[HARNESS_PATH_MAX + 32];
	char head[2 * HARNESS_PATH_MAX + 160];

	if (stack_prepare(s, base, build_root, BENCH_UNIX, false, true) != 0)
		return -1;
	snprintf(plugin, sizeof(plugin), "%s/src/broker-agent/plugin/smartlock_auth.so",
			build_root);
	if (access(plugin, R_OK) != 0) {
		fprintf(stderr, "smartlock-bench: %s not built\n", plugin);
		return -1;
	}
	snprintf(passwd, sizeof(passwd), "%s/passwd", s->dir);
	if (write_passwd(s, passwd) != 0)
		return -1;
	snprintf(head, sizeof(head), "allow_anonymous false\nplugin %s\n"
			"plugin_opt_passwd_file %s\n", plugin, passwd);
	if (stack_broker(s, head, broker_extra) != 0)
		return -1;
	s->ep = stack_endpoint_as(s, &s->owner);
	return 0;
}

struct bench_endpoint stack_endpoint_as(const struct bench_stack *s, const struct bench_user *u)
{
	struct bench_endpoint ep = s->transport == BENCH_TCP ? s->tcp_ep : s->unix_ep;

	if (s->plugin) {
		ep.user = u->name;
		ep.password = u->password;
	}
	return ep;
}

int stack_start_lockd(struct bench_stack *s)
{
	char conf[HARNESS_PATH_MAX + 32], log[HARNESS_PATH_MAX + 32], keyhex[SL_KEY_HEX + 1];
	char *argv[4];
	FILE *f;

	if (!s->have_lockd)
		return -1;
	snprintf(conf, sizeof(conf), "%s/lockd.conf", s->dir);
	snprintf(log, sizeof(log), "%s/lockd.log", s->dir);
	if (sign_key_to_hex(&s->lock_key, keyhex, sizeof(keyhex)) != SL_OK)
		return -1;
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fchmod(fileno(f), 0600);
	fprintf(f, "# generated by smartlock-bench\nlock = %s\n", s->lock);
	broker_lines(s, f, &s->lock_account);
	fprintf(f, "signing_key = %s\n", keyhex);
	fprintf(f, "state_file = %s/lockd.state\n", s->dir);
	fprintf(f, "backend = sim\nsim_actuation_ms = 0\nlog_level = notice\n");
	fclose(f);
	argv[0] = s->lockd_bin;
	argv[1] = (char *)"-c";
	argv[2] = conf;
	argv[3] = NULL;
	if (harness_proc_start(&s->lockd, log, argv, NULL) != 0)
		return -1;
	if (wait_ready(&s->lockd, log, "smartlock-lockd") != 0) {
		fprintf(stderr, "smartlock-bench: smartlock-lockd did not get ready; see %s\n", log);
		show_tail(log);
		harness_proc_stop(&s->lockd, SIGTERM, 2000);
		return -1;
	}
	s->lockd_up = true;
	return 0;
}

int stack_start_agent(struct bench_stack *s, const struct bench_agent_cfg *cfg)
{
	char conf[HARNESS_PATH_MAX + 32], log[HARNESS_PATH_MAX + 32];
	char *argv[4];
	FILE *f;

	if (!s->have_agent)
		return -1;
	if (mkdir(cfg->state_dir, 0700) != 0 && errno != EEXIST)
		return -1;
	s->agent_runs++;
	snprintf(conf, sizeof(conf), "%s/agent-%d.conf", s->dir, s->agent_runs);
	snprintf(log, sizeof(log), "%s/agent-%d.log", s->dir, s->agent_runs);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	fchmod(fileno(f), 0600);
	fprintf(f, "# generated by smartlock-bench\n");
	broker_lines(s, f, &s->agent_account);
	fprintf(f, "state_dir = %s\n", cfg->state_dir);
	fprintf(f, "locks = %s\n", cfg->locks ? cfg->locks : s->lock);
	fprintf(f, "lock_keys_dir = %s\n", cfg->keys_dir ? cfg->keys_dir : s->keys_dir);
	/* notice: the level of the ready line */
	fprintf(f, "log_level = notice\n");
	if (cfg->settings)
		fputs(cfg->settings, f);
	fclose(f);
	/* the agent reads its users from its state directory */
	{
		char dst[HARNESS_PATH_MAX + 32];
		char *text = harness_read_file(cfg->users_json ? cfg->users_json : s->users_json);
		int rc;

		if (!text)
			return -1;
		snprintf(dst, sizeof(dst), "%s/users.json", cfg->state_dir);
		rc = harness_write_file(dst, text, 0600);
		free(text);
		if (rc != 0)
			return -1;
	}
	argv[0] = s->agent_bin;
	argv[1] = (char *)"-c";
	argv[2] = conf;
	argv[3] = NULL;
	if (harness_proc_start(&s->agent, log, argv, NULL) != 0)
		return -1;
	if (wait_ready(&s->agent, log, "smartlock-agent") != 0) {
		fprintf(stderr, "smartlock-bench: smartlock-agent did not get ready; see %s\n", log);
		show_tail(log);
		harness_proc_stop(&s->agent, SIGTERM, 2000);
		return -1;
	}
	s->agent_up = true;
	snprintf(s->agent_audit, sizeof(s->agent_audit), "%s/audit", cfg->state_dir);
	return 0;
}

/* The stack being run, for the signal handler only: an interrupted run
 * must not leave a broker, agent or lockd behind (each runs in its own
 * process group, so the terminal's signal does not reach them). */
static struct bench_stack *running;

static void on_signal(int sig)
{
	if (running) {
		if (running->agent_up && running->agent.pid > 0)
			kill(running->agent.pid, SIGTERM);
		if (running->lockd_up && running->lockd.pid > 0)
			kill(running->lockd.pid, SIGTERM);
		if (running->broker.pid > 0)
			kill(running->broker.pid, SIGTERM);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void stack_catch_signals(struct bench_stack *s)
{
	struct sigaction sa;

	running = s;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

void stack_stop_agent(struct bench_stack *s)
{
	if (!s->agent_up)
		return;
	harness_proc_stop(&s->agent, SIGTERM, 5000);
	s->agent_up = false;
}

int stack_verify_audit(struct bench_stack *s, const char *audit_dir)
{
	char log[HARNESS_PATH_MAX + 32];
	char *argv[4];
	struct harness_proc p;

	snprintf(log, sizeof(log), "%s/verify-audit.log", s->dir);
	argv[0] = s->agent_bin;
	argv[1] = (char *)"--verify-audit";
	argv[2] = (char *)audit_dir;
	argv[3] = NULL;
	if (harness_proc_start(&p, log, argv, NULL) != 0)
		return -1;
	if (harness_proc_wait(&p, 120000) != 0) {
		harness_proc_stop(&p, SIGKILL, 1000);
		return -1;
	}
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : -1;
}

void stack_destroy(struct bench_stack *s, bool keep)
{
	running = NULL;
	stack_stop_agent(s);
	if (s->lockd_up)
		harness_proc_stop(&s->lockd, SIGTERM, 5000);
	s->lockd_up = false;
	harness_broker_stop(&s->broker);
	if (keep)
		fprintf(stderr, "smartlock-bench: kept %s\n", s->dir);
	else if (s->dir[0])
		harness_rmtree(s->dir);
}

struct bench_client *stack_client(struct bench_stack *s, const char *id,
		bench_msg_fn fn, void *arg)
{
	return bench_client_connect(&s->ep, id, fn, arg);
}

int64_t stack_owner_time(struct bench_stack *s)
{
	int64_t t = time_now_ms();

	if (t <= s->owner_t)
		t = s->owner_t + 1;
	s->owner_t = t;
	return t;
}

char *stack_request(const struct bench_stack *s, const struct bench_user *u,
		const struct sl_key *key, int action, int64_t t,
		char *topic, size_t topic_size)
{
	struct sl_request r;

	memset(&r, 0, sizeof(r));
	r.action = (enum sl_action)action;
	r.t = t;
	if (topic_build(topic, topic_size, SL_TOPIC_LOCK_REQ, s->lock, u->name) != SL_OK)
		return NULL;
	if (proto_sign_request(key, topic, &r) != SL_OK)
		return NULL;
	return proto_encode_request(&r);
}

void bench_answer_on_message(void *arg, const char *topic, const void *payload,
		size_t len, int64_t t_ns)
{
	struct bench_answer *a = arg;
	struct sl_response res;

	if (proto_decode_response(payload, len, &res, NULL) != SL_OK || res.id != a->want)
		return;
	a->got = true;
	a->t = t_ns;
	a->result = res.result;
	a->reason = res.reason;
	snprintf(a->topic, sizeof(a->topic), "%s", topic);
	a->len = len;
}

int64_t stack_owner_request(struct bench_stack *s, struct bench_client *c, int action,
		int timeout_ms, struct bench_answer *a)
{
	char topic[SL_TOPIC_MAX];
	int64_t t0, deadline;
	char *p;

	a->want = stack_owner_time(s);
	a->got = false;
	p = stack_request(s, &s->owner, &s->owner.key, action, a->want, topic, sizeof(topic));
	if (!p)
		return -1;
	deadline = time_mono_ms() + timeout_ms;
	t0 = time_mono_ns();
	if (bench_client_publish(c, topic, p, strlen(p)) != 0) {
		free(p);
		return -1;
	}
	free(p);
	while (!a->got && time_mono_ms() < deadline)
		if (bench_client_pump(c, 100) != 0)
			return -1;
	return a->got ? a->t - t0 : -1;
}
