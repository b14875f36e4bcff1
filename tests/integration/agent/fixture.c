/* fixture.c - the common set-up of the smartlock-agent integration tests. */
#include <ftw.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"
#include "fixture.h"

const struct fx_user fx_default_users[3] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST},
};

static const char base_conf[] =
	"broker_socket = %s\n"
	"state_dir = %s\n"
	"lock_keys_dir = %s/keys\n"
	"locks = " FX_LOCK "\n"
	"request_window = 60\n"
	"command_timeout_ms = 1500\n"
	"command_expiry_ms = 200\n"
	"heartbeat_interval = 60\n"
	"fail_threshold = 3\n"
	"fail_window = 300\n"
	"lockout_duration = 2\n"
	"unlock_rate_max = 50\n"
	"unlock_rate_window = 300\n"
	"reconnect_min_ms = 50\n"
	"reconnect_max_ms = 500\n"
	"log_level = info\n";

const struct sl_key *fx_key(struct fx *f, const char *user)
{
	for (size_t i = 0; i < f->nusers; i++)
		if (strcmp(f->users[i].name, user) == 0)
			return &f->keys[i];
	return NULL;
}

int fx_write_users(struct fx *f)
{
	struct user_store *st = user_store_create();
	int rc = -1;

	if (!st)
		return -1;
	for (size_t i = 0; i < f->nusers; i++) {
		const struct fx_user *fu = &f->users[i];
		struct sl_user u;

		memset(&u, 0, sizeof(u));
		snprintf(u.name, sizeof(u.name), "%s", fu->name);
		u.role = fu->role;
		u.key = f->keys[i];
		u.status = fu->status;
		u.from = fu->from;
		u.until = fu->until;
		snprintf(u.schedule, sizeof(u.schedule), "%s", fu->schedule ? fu->schedule : "");
		u.max_uses = fu->max_uses;
		snprintf(u.locks, sizeof(u.locks), "%s", fu->locks ? fu->locks : "*");
		u.alerts = fu->role == SL_ROLE_OWNER || fu->alerts;
		u.created = time_now_ms();
		if (user_store_add(st, &u) != SL_OK)
			goto out;
	}
	rc = user_store_save(st, f->users_path) == SL_OK ? 0 : -1;
out:
	user_store_destroy(st);
	return rc;
}

static int write_lock_key(struct fx *f)
{
	char path[HARNESS_PATH_MAX + 32], hex[SL_KEY_HEX + 2];

	snprintf(path, sizeof(path), "%s/keys", f->dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	if (sign_key_generate(&f->lock_key) != SL_OK ||
			sign_key_to_hex(&f->lock_key, hex, sizeof(hex)) != SL_OK)
		return -1;
	strcat(hex, "\n");
	snprintf(path, sizeof(path), "%s/keys/%s.key", f->dir, FX_LOCK);
	return harness_write_file(path, hex, 0600);
}

/* true when extra sets key (a line "key = ...") */
static bool extra_sets(const char *extra, const char *key, size_t klen)
{
	const char *p = extra;

	while (p && *p) {
		if (strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '='))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static int write_conf(struct fx *f, const char *extra)
{
	char *base = NULL, *text, *line, *save = NULL;
	size_t cap, len = 0;
	int rc;

	if (asprintf(&base, base_conf, f->broker.socket_path, f->state_dir, f->dir) < 0)
		return -1;
	cap = strlen(base) + (extra ? strlen(extra) : 0) + 4;
	text = calloc(1, cap);
	if (!text) {
		free(base);
		return -1;
	}
	for (line = strtok_r(base, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t klen = strcspn(line, " =");

		if (extra && extra_sets(extra, line, klen))
			continue;
		len += (size_t)snprintf(text + len, cap - len, "%s\n", line);
	}
	if (extra)
		snprintf(text + len, cap - len, "%s\n", extra);
	rc = harness_write_file(f->conf_path, text, 0600);
	free(text);
	free(base);
	return rc;
}

int fx_setup(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf)
{
	return fx_setup_ex(f, users, n, extra_conf, NULL, NULL);
}

int fx_setup_ex(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf,
		const char *broker_extra, int (*prepare)(struct fx *f))
{
	char topic[SL_TOPIC_MAX];

	memset(f, 0, sizeof(*f));
	if (n > FX_USERS_MAX || harness_tmpdir(f->dir, sizeof(f->dir)) != 0)
		return -1;
	snprintf(f->state_dir, sizeof(f->state_dir), "%s/state", f->dir);
	snprintf(f->conf_path, sizeof(f->conf_path), "%s/agent.conf", f->dir);
	snprintf(f->users_path, sizeof(f->users_path), "%s/users.json", f->state_dir);
	if (mkdir(f->state_dir, 0700) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		f->users[i] = users[i];
		if (sign_key_generate(&f->keys[i]) != SL_OK)
			return -1;
	}
	f->nusers = n;
	if (fx_write_users(f) != 0 || write_lock_key(f) != 0)
		return -1;
	if (prepare && prepare(f) != 0)
		return -1;
	if (harness_broker_start(&f->broker, f->dir, broker_extra) != 0)
		return -1;
	if (write_conf(f, extra_conf) != 0)
		return -1;
	f->lock = harness_client_local(&f->broker, FX_LOCK, NULL);
	f->watch = harness_client_local(&f->broker, NULL, NULL);
	if (!f->lock || !f->watch)
		return -1;
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK, FX_LOCK, NULL);
	if (harness_client_subscribe(f->lock, topic, 1) != 1)
		return -1;
	topic_build(topic, sizeof(topic), SL_TOPIC_STATE, FX_LOCK, NULL);
	if (harness_client_subscribe(f->watch, topic, 1) != 1)
		return -1;
	topic_build(topic, sizeof(topic), SL_TOPIC_ALERT, FX_LOCK, NULL);
	if (harness_client_subscribe(f->watch, topic, 1) != 1)
		return -1;
	topic_build(topic, sizeof(topic), SL_TOPIC_LOG, FX_LOCK, NULL);
	if (harness_client_subscribe(f->watch, topic, 1) != 1)
		return -1;
	return 0;
}

static const char *agent_path(char *buf, size_t size)
{
	return harness_build_path(buf, size, "src/broker-agent/agent/smartlock-agent");
}

static uid_t chown_uid;
static gid_t chown_gid;

static int chown_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return lchown(path, chown_uid, chown_gid);
}

int fx_run_as(struct fx *f, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (geteuid() != 0 || !pw)
		return 77;
	chown_uid = pw->pw_uid;
	chown_gid = pw->pw_gid;
	if (nftw(f->dir, chown_one, 16, FTW_PHYS) != 0 ||
			chmod(f->broker.socket_path, 0777) != 0)
		return -1;
	f->run_as = user;
	return 0;
}

int fx_start_agent(struct fx *f)
{
	char exe[HARNESS_PATH_MAX], uid[24], gid[24];
	char *argv[] = {(char *)agent_path(exe, sizeof(exe)), "-c", f->conf_path, NULL};
	char *as[] = {"/usr/bin/setpriv", uid, gid, "--clear-groups", "--", exe, "-c",
		f->conf_path, NULL};
	struct passwd *pw = f->run_as ? getpwnam(f->run_as) : NULL;

	if (pw) {
		snprintf(uid, sizeof(uid), "--reuid=%u", (unsigned)pw->pw_uid);
		snprintf(gid, sizeof(gid), "--regid=%u", (unsigned)pw->pw_gid);
	}
	f->starts++;
	snprintf(f->agent_log, sizeof(f->agent_log), "%s/agent-%d.log", f->dir, f->starts);
	if (harness_proc_start(&f->agent, f->agent_log, pw ? as : argv, NULL) != 0)
		return -1;
	for (int i = 0; i < 100; i++) {
		if (harness_wait_file_contains(f->agent_log, "smartlock-agent: ready", 100) == 0)
			return 0;
		if (!harness_proc_alive(&f->agent))
			break;
	}
	{
		char *log = harness_read_file(f->agent_log);

		fprintf(stderr, "agent did not get ready; its log:\n%s\n", log ? log : "(none)");
		free(log);
		return -1;
	}
	return 0;
}

int fx_stop_agent(struct fx *f)
{
	if (!f->agent.pid || f->agent.reaped)
		return f->agent.reaped && WIFEXITED(f->agent.status) ?
			WEXITSTATUS(f->agent.status) : -1;
	return harness_proc_stop(&f->agent, SIGTERM, 5000);
}

int fx_up(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf)
{
	if (fx_setup(f, users, n, extra_conf) != 0 || fx_start_agent(f) != 0)
		return -1;
	if (fx_heartbeat(f, true, 60) != 0)
		return -1;
	return fx_wait_state_online(f, true, FX_WAIT);
}

/* true when a log of the agent shows a sanitizer report */
static bool sanitizer_report(struct fx *f)
{
	bool found = false;

	for (int i = 1; i <= f->starts && !found; i++) {
		static const char *const kinds[] = {"agent", "run"};

		for (size_t k = 0; k < 2 && !found; k++) {
			char path[HARNESS_PATH_MAX];
			char *log;

			snprintf(path, sizeof(path), "%s/%s-%d.log", f->dir, kinds[k], i);
			log = harness_read_file(path);
			if (log && (strstr(log, "Sanitizer") || strstr(log, "runtime error"))) {
				fprintf(stderr, "sanitizer report in %s:\n%s\n", path, log);
				found = true;
			}
			free(log);
		}
	}
	return found;
}

int fx_teardown(struct fx *f)
{
	bool running = f->agent.pid && harness_proc_alive(&f->agent);
	int code = fx_stop_agent(f);
	int rc = 0;

	if (running && code != 0) {
		char *log = harness_read_file(f->agent_log);

		fprintf(stderr, "agent exit code %d; its log:\n%s\n", code, log ? log : "");
		free(log);
		rc = -1;
	}
	if (f->dir[0] && sanitizer_report(f))
		rc = -1;
	harness_client_destroy(f->lock);
	harness_client_destroy(f->watch);
	harness_broker_stop(&f->broker);
	if (f->dir[0] && !getenv("SMARTLOCK_KEEP_TEST_DIR"))
		harness_rmtree(f->dir);
	memset(f, 0, sizeof(*f));
	return rc;
}

struct harness_client *fx_client(struct fx *f, const char *user)
{
	struct harness_client *c = harness_client_local(&f->broker, user, NULL);
	char topic[SL_TOPIC_MAX];

	if (!c)
		return NULL;
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, FX_LOCK, user);
	if (harness_client_subscribe(c, topic, 1) != 1)
		goto fail;
	topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN_RES, FX_LOCK, user);
	if (harness_client_subscribe(c, topic, 1) != 1)
		goto fail;
	return c;
fail:
	harness_client_destroy(c);
	return NULL;
}

int64_t fx_send(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, enum sl_action action, int64_t t)
{
	char topic[SL_TOPIC_MAX];
	struct sl_request r;
	char *payload;
	int rc;

	if (!key)
		key = fx_key(f, user);
	if (!key)
		return 0;
	if (t == 0) {
		t = time_now_ms();
		if (t <= f->last_t)
			t = f->last_t + 1;
		f->last_t = t;
	}
	memset(&r, 0, sizeof(r));
	r.action = action;
	r.t = t;
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, FX_LOCK, user);
	if (proto_sign_request(key, topic, &r) != SL_OK)
		return 0;
	payload = proto_encode_request(&r);
	if (!payload)
		return 0;
	rc = harness_client_publish_str(c, topic, payload, 1, false);
	free(payload);
	return rc == 0 ? t : 0;
}

/* The answer with id (older answers to other requests are skipped). */
static int response_for(struct fx *f, struct harness_client *c, const char *user,
		int64_t id, struct sl_response *r, int timeout_ms)
{
	int64_t deadline = time_mono_ms() + timeout_ms;

	for (;;) {
		int64_t left = deadline - time_mono_ms();

		if (left <= 0 || fx_response(f, c, user, r, (int)left) != 0)
			return -1;
		if (r->id == id)
			return 0;
	}
}

int fx_response(struct fx *f, struct harness_client *c, const char *user,
		struct sl_response *r, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	struct harness_msg *m;
	enum sl_err e;

	(void)f;
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, FX_LOCK, user);
	m = harness_client_wait(c, topic, timeout_ms);
	if (!m)
		return -1;
	e = proto_decode_response(m->payload, m->len, r, NULL);
	if (e != SL_OK)
		fprintf(stderr, "undecodable response: %s\n", (char *)m->payload);
	harness_msg_free(m);
	return e == SL_OK ? 0 : -1;
}

int fx_lock_command(struct fx *f, struct sl_command *cmd, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	struct harness_msg *m;
	int rc = -1;

	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK, FX_LOCK, NULL);
	m = harness_client_wait(f->lock, topic, timeout_ms);
	if (!m)
		return -1;
	if (proto_decode_command(m->payload, m->len, cmd, NULL) == SL_OK &&
			proto_verify_command(&f->lock_key, topic, cmd) == SL_OK)
		rc = 0;
	else
		fprintf(stderr, "lock peer: command does not verify: %s\n", (char *)m->payload);
	harness_msg_free(m);
	return rc;
}

static int publish_status(struct fx *f, uint64_t seq, enum sl_result result,
		enum sl_reason reason, enum sl_lock_state state)
{
	char topic[SL_TOPIC_MAX];
	struct sl_lock_status s;
	char *payload;
	int rc;

	memset(&s, 0, sizeof(s));
	s.seq = seq;
	s.result = result;
	s.reason = reason;
	s.state = state;
	s.door = SL_DOOR_CLOSED;
	s.time = time_now_ms();
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_STATUS, FX_LOCK, NULL);
	payload = proto_encode_lock_status(&s);
	if (!payload)
		return -1;
	rc = harness_client_publish_str(f->lock, topic, payload, 1, false);
	free(payload);
	return rc == 0 ? 0 : -1;
}

int fx_lock_answer(struct fx *f, uint64_t seq, enum sl_result result,
		enum sl_reason reason, enum sl_lock_state state, bool progress)
{
	if (progress && publish_status(f, seq, SL_RESULT_PROGRESS, SL_REASON_NONE,
				state == SL_STATE_LOCKED ? SL_STATE_LOCKING : SL_STATE_UNLOCKING) != 0)
		return -1;
	return publish_status(f, seq, result, reason, state);
}

static int heartbeat(struct fx *f, bool online, int64_t interval, uint64_t seq)
{
	char topic[SL_TOPIC_MAX];
	struct sl_heartbeat h;
	char *payload;
	int rc;

	memset(&h, 0, sizeof(h));
	h.online = online;
	if (online) {
		h.state = SL_STATE_LOCKED;
		h.door = SL_DOOR_CLOSED;
		h.uptime = 10;
		h.interval = interval;
		h.seq = seq;
		h.time = time_now_ms();
	}
	topic_build(topic, sizeof(topic), SL_TOPIC_HEALTH, FX_LOCK, NULL);
	payload = proto_encode_heartbeat(&h);
	if (!payload)
		return -1;
	rc = harness_client_publish_str(f->lock, topic, payload, 1, true);
	free(payload);
	return rc == 0 ? 0 : -1;
}

int fx_heartbeat(struct fx *f, bool online, int64_t interval)
{
	return heartbeat(f, online, interval, 0);
}

int fx_heartbeat_mark(struct fx *f, uint64_t seq)
{
	return heartbeat(f, true, 60, seq);
}

int fx_wait_state_online(struct fx *f, bool want, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	int64_t deadline = time_mono_ms() + timeout_ms;

	topic_build(topic, sizeof(topic), SL_TOPIC_STATE, FX_LOCK, NULL);
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		struct harness_msg *m;
		struct sl_state_msg s;
		bool match;

		if (left <= 0)
			return -1;
		m = harness_client_wait(f->watch, topic, (int)left);
		if (!m)
			return -1;
		match = proto_decode_state(m->payload, m->len, &s, NULL) == SL_OK &&
			s.online == want;
		harness_msg_free(m);
		if (match)
			return 0;
	}
}

int fx_wait_alert(struct fx *f, enum sl_alert_kind kind, struct sl_alert *out, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	int64_t deadline = time_mono_ms() + timeout_ms;

	topic_build(topic, sizeof(topic), SL_TOPIC_ALERT, FX_LOCK, NULL);
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		struct harness_msg *m;
		struct sl_alert a;
		bool match;

		if (left <= 0)
			return -1;
		m = harness_client_wait(f->watch, topic, (int)left);
		if (!m)
			return -1;
		match = proto_decode_alert(m->payload, m->len, &a, NULL) == SL_OK && a.kind == kind;
		harness_msg_free(m);
		if (match) {
			if (out)
				*out = a;
			return 0;
		}
	}
}

int fx_wait_log(struct fx *f, const char *needle, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	int64_t deadline = time_mono_ms() + timeout_ms;

	topic_build(topic, sizeof(topic), SL_TOPIC_LOG, FX_LOCK, NULL);
	for (;;) {
		int64_t left = deadline - time_mono_ms();
		struct harness_msg *m;
		bool match;

		if (left <= 0)
			return -1;
		m = harness_client_wait(f->watch, topic, (int)left);
		if (!m)
			return -1;
		match = strstr(m->payload, needle) != NULL;
		harness_msg_free(m);
		if (match)
			return 0;
	}
}

int fx_bad_signatures(struct fx *f, struct harness_client *c, const char *user, int n)
{
	struct sl_key wrong;

	if (sign_key_generate(&wrong) != SL_OK)
		return -1;
	for (int i = 0; i < n; i++) {
		struct sl_response r;

		if (fx_send(f, c, user, &wrong, SL_ACTION_UNLOCK, 0) <= 0 ||
				fx_response(f, c, user, &r, FX_WAIT) != 0 ||
				r.reason != SL_REASON_BAD_SIGNATURE)
			return -1;
	}
	return 0;
}

int fx_granted(struct fx *f, struct harness_client *c, const char *user,
		enum sl_action action)
{
	enum sl_lock_state want = action == SL_ACTION_UNLOCK ? SL_STATE_UNLOCKED : SL_STATE_LOCKED;
	struct sl_response r;
	struct sl_command cmd;
	int64_t id;

	id = fx_send(f, c, user, NULL, action, 0);
	if (!id)
		return -1;
	if (action != SL_ACTION_STATUS) {
		if (fx_lock_command(f, &cmd, FX_WAIT) != 0)
			return -1;
		if (cmd.action != action || cmd.req != id || strcmp(cmd.user, user) != 0) {
			fprintf(stderr, "unexpected command: %s for %s req %lld\n",
					proto_action_name(cmd.action), cmd.user, (long long)cmd.req);
			return -1;
		}
		if (fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE, want, true) != 0)
			return -1;
	}
	if (response_for(f, c, user, id, &r, FX_WAIT) != 0)
		return -1;
	if (r.id != id || r.result != SL_RESULT_OK) {
		fprintf(stderr, "%s %s: got %s/%s: %s\n", user, proto_action_name(action),
				proto_result_name(r.result), proto_reason_name(r.reason), r.msg);
		return -1;
	}
	if (action != SL_ACTION_STATUS && r.state != want)
		return -1;
	return 0;
}

int fx_refused(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, enum sl_action action, int64_t t,
		enum sl_reason reason, struct sl_response *out)
{
	struct sl_response r;
	int64_t id = fx_send(f, c, user, key, action, t);

	if (!id || response_for(f, c, user, id, &r, FX_WAIT) != 0)
		return -1;
	if (out)
		*out = r;
	if (r.reason != reason || r.id != id || r.result == SL_RESULT_OK) {
		fprintf(stderr, "%s %s: expected %s, got %s/%s: %s\n", user,
				proto_action_name(action), proto_reason_name(reason),
				proto_result_name(r.result), proto_reason_name(r.reason), r.msg);
		return -1;
	}
	if (r.msg[0] == '\0')
		return -1;
	/* barrier: the next command the lock sees is the owner's lock */
	if (reason == SL_REASON_LOCK_OFFLINE) {
		return harness_client_pump(f->lock, 100) == 0 ? 0 : -1;
	} else {
		struct harness_client *owner = fx_client(f, "owner");
		int rc = owner ? fx_granted(f, owner, "owner", SL_ACTION_LOCK) : -1;

		harness_client_destroy(owner);
		return rc;
	}
}

int fx_run_agent(struct fx *f, const char *const *args, char **out)
{
	char exe[HARNESS_PATH_MAX], log[HARNESS_PATH_MAX + 16];
	char *argv[16];
	struct harness_proc p;
	size_t n = 0;
	int code;

	argv[n++] = (char *)agent_path(exe, sizeof(exe));
	for (; args[n - 1] && n < 15; n++)
		argv[n] = (char *)args[n - 1];
	argv[n] = NULL;
	f->starts++;
	snprintf(log, sizeof(log), "%s/run-%d.log", f->dir, f->starts);
	if (harness_proc_start(&p, log, argv, NULL) != 0)
		return -1;
	if (harness_proc_wait(&p, 10000) != 0) {
		harness_proc_stop(&p, SIGKILL, 1000);
		return -1;
	}
	code = WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
	if (out)
		*out = harness_read_file(log);
	return code;
}

static int state_common(void **state, const struct fx_user *users, size_t n,
		const char *extra, bool start)
{
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f)
		return -1;
	if (start ? fx_up(f, users, n, extra) == 0 : fx_setup(f, users, n, extra) == 0)
		return 0;
	fx_teardown(f);
	free(f);
	*state = NULL;
	return -1;
}

int fx_state_up(void **state, const struct fx_user *users, size_t n, const char *extra)
{
	return state_common(state, users, n, extra, true);
}

int fx_state_setup(void **state, const struct fx_user *users, size_t n, const char *extra)
{
	return state_common(state, users, n, extra, false);
}

int fx_state_down(void **state)
{
	int rc = 0;

	if (*state) {
		rc = fx_teardown(*state);
		free(*state);
	}
	*state = NULL;
	return rc;
}

void fx_wait_until(struct fx *f, int64_t ms)
{
	int64_t left;

	while ((left = ms - time_now_ms()) > 0)
		harness_client_pump(f->watch, left > 100 ? 100 : (int)left);
}

int fx_restart_agent(struct fx *f)
{
	if (fx_stop_agent(f) != 0 || fx_start_agent(f) != 0)
		return -1;
	if (fx_heartbeat(f, true, 60) != 0)
		return -1;
	return fx_wait_state_online(f, true, FX_WAIT);
}

/* Send req as user (signed with key, NULL = the user's) and wait for the
 * answer with its id. res->data_json must be freed (proto_admin_res_finish). */
int fx_admin(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, struct sl_admin_req *req, struct sl_admin_res *res)
{
	char topic[SL_TOPIC_MAX], rtopic[SL_TOPIC_MAX];
	int64_t deadline = time_mono_ms() + FX_WAIT;
	char *payload;
	int rc;

	req->time = time_now_ms();
	if (req->time <= f->last_t)
		req->time = f->last_t + 1;
	f->last_t = req->time;
	topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN, FX_LOCK, user);
	topic_build(rtopic, sizeof(rtopic), SL_TOPIC_ADMIN_RES, FX_LOCK, user);
	if (proto_sign_admin_req(key ? key : fx_key(f, user), topic, req) != SL_OK)
		return -1;
	payload = proto_encode_admin_req(req);
	rc = harness_client_publish_str(c, topic, payload, 1, false);
	free(payload);
	if (rc != 0)
		return -1;
	while (time_mono_ms() < deadline) {
		struct harness_msg *m = harness_client_wait(c, rtopic,
				(int)(deadline - time_mono_ms()));

		if (!m)
			return -1;
		rc = proto_decode_admin_res(m->payload, m->len, res, NULL) == SL_OK ? 0 : -1;
		harness_msg_free(m);
		if (rc != 0)
			return -1;
		if (res->id == req->time)
			return 0;
		proto_admin_res_finish(res);
	}
	return -1;
}
