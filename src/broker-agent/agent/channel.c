/* channel.c - run the owner's alert channels: queue, rate limit, spawn,
 * time limit, retry and the answer to an alert test. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin.h"
#include "admin_ops.h"
#include "channel.h"
#include "report.h"

#define QUEUE_MAX 32                    /* alerts waiting per channel */
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS 60000
#define WRITE_RETRY_MS 20               /* stdin not taken in one write */
#define DETAIL_MAX 96
#define ENV_MAX 20

/* One alert for one channel. */
struct delivery {
	struct sl_alert al;
	bool test;
	uint64_t suppressed;            /* alerts left out before this one */
	unsigned attempts;
	int64_t first, next;            /* monotonic ms */
};

struct channel {
	size_t index;                   /* in set.channels */
	char name[SL_NAME_MAX + 1];
	struct channel_rate rate;
	uint64_t suppressed;            /* left out since the last one queued */
	struct sl_alert last_left_out;  /* the newest of them */
	struct delivery *q[QUEUE_MAX];
	size_t n;
	/* the run going on */
	struct delivery *run;
	pid_t pid;
	int in_fd;
	char *input;
	size_t in_len, in_off;
	int64_t started, kill_at;
	bool killed;
	/* the last alert given up on; failed_at 0 = working */
	int64_t failed_at;              /* wall ms */
};

struct test_result {
	bool done, ok;
	char detail[DETAIL_MAX];
};

struct channel_set {
	struct channel ch[AGENT_CHANNELS_MAX];
	size_t n;
	struct {
		bool active;
		char lock[SL_NAME_MAX + 1];
		char user[SL_NAME_MAX + 1];
		int64_t req;
		struct test_result res[AGENT_CHANNELS_MAX];
	} test;
};

bool channel_rate_take(struct channel_rate *r, int64_t now, int64_t max, int64_t window_ms)
{
	if (!r->started || now - r->window_start >= window_ms) {
		r->started = true;
		r->window_start = now;
		r->count = 0;
	}
	if (r->count >= max)
		return false;
	r->count++;
	return true;
}

static const struct agent_channel_conf *conf_of(const struct agent *a, const struct channel *c)
{
	return &a->set.channels[c->index];
}

size_t channel_count(const struct agent *a)
{
	return a->channels ? a->channels->n : 0;
}

bool channel_init(struct agent *a)
{
	struct channel_set *s = calloc(1, sizeof(*s));

	if (!s) {
		sl_log(SL_LOG_ERROR, "out of memory");
		return false;
	}
	a->channels = s;
	for (size_t i = 0; i < AGENT_CHANNELS_MAX; i++) {
		const struct agent_command *cmd = &a->set.channels[i].command;
		const char *prog = settings_command_word(cmd, 0);
		struct channel *c = &s->ch[s->n];
		struct stat st;

		if (cmd->argc == 0)
			continue;
		errno = 0;
		if (stat(prog, &st) != 0 || !S_ISREG(st.st_mode) || access(prog, X_OK) != 0) {
			sl_log(SL_LOG_ERROR, "alert_%zu_command: %s is not an executable file%s%s",
					i + 1, prog, errno ? ": " : "", errno ? strerror(errno) : "");
			return false;
		}
		memset(c, 0, sizeof(*c));
		c->index = i;
		c->in_fd = -1;
		settings_channel_name(&a->set, i, c->name, sizeof(c->name));
		s->n++;
	}
	return true;
}

/* ---- queue ---- */

static void queue_put(struct channel *c, struct delivery *d, bool front)
{
	if (front) {
		memmove(c->q + 1, c->q, c->n * sizeof(c->q[0]));
		c->q[0] = d;
	} else {
		c->q[c->n] = d;
	}
	c->n++;
}

static struct delivery *queue_take(struct channel *c)
{
	struct delivery *d = c->q[0];

	c->n--;
	memmove(c->q, c->q + 1, c->n * sizeof(c->q[0]));
	return d;
}

static struct delivery *delivery_new(const struct sl_alert *al, bool test, int64_t now)
{
	struct delivery *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->al = *al;
	d->test = test;
	d->first = now;
	d->next = now;
	return d;
}

/* Queue al on c (its rate already taken), carrying how many alerts were
 * left out before it. */
static void queue_alert(struct channel *c, const struct sl_alert *al, uint64_t left_out,
		int64_t now)
{
	struct delivery *d = delivery_new(al, false, now);

	if (!d) {
		sl_log(SL_LOG_ERROR, "alert channel %s: out of memory", c->name);
		return;
	}
	d->suppressed = left_out;
	queue_put(c, d, false);
}

static void leave_out(struct channel *c, const struct agent_channel_conf *cf,
		const struct sl_alert *al)
{
	if (c->suppressed++ == 0)
		sl_log(SL_LOG_NOTICE, "alert channel %s: more than %lld alerts in %lld s; the "
				"rest wait for the window to end", c->name, (long long)cf->rate_max,
				(long long)cf->rate_window);
	c->last_left_out = *al;
}

/* The window ended with alerts left out: run the last of them, counting
 * the others, so the owner learns how the flood ended. */
static void flush_left_out(struct agent *a, struct channel *c, int64_t now)
{
	const struct agent_channel_conf *cf = conf_of(a, c);

	if (!c->suppressed || c->n == QUEUE_MAX ||
			now - c->rate.window_start < cf->rate_window * 1000 ||
			!channel_rate_take(&c->rate, now, cf->rate_max, cf->rate_window * 1000))
		return;
	queue_alert(c, &c->last_left_out, c->suppressed - 1, now);
	c->suppressed = 0;
}

void channel_alert(struct agent *a, const struct sl_alert *al)
{
	struct channel_set *s = a->channels;
	int64_t now = time_mono_ms();

	for (size_t i = 0; s && i < s->n; i++) {
		struct channel *c = &s->ch[i];
		const struct agent_channel_conf *cf = conf_of(a, c);

		if (!(cf->kinds & (UINT32_C(1) << al->kind)))
			continue;
		if (c->n == QUEUE_MAX ||
				!channel_rate_take(&c->rate, now, cf->rate_max, cf->rate_window * 1000)) {
			leave_out(c, cf, al);
			continue;
		}
		queue_alert(c, al, c->suppressed, now);
		c->suppressed = 0;
	}
}

/* ---- one run ---- */

static char *input_json(const struct channel *c, const struct delivery *d)
{
	const struct sl_alert *al = &d->al;
	cJSON *o = cJSON_CreateObject();
	char *text;

	cJSON_AddNumberToObject(o, "v", 1);
	cJSON_AddStringToObject(o, "kind", d->test ? "test" : proto_alert_name(al->kind));
	cJSON_AddStringToObject(o, "lock", al->lock);
	cJSON_AddStringToObject(o, "user", al->user);
	cJSON_AddStringToObject(o, "source", al->source);
	cJSON_AddStringToObject(o, "msg", al->msg);
	cJSON_AddNumberToObject(o, "until", (double)al->until);
	cJSON_AddNumberToObject(o, "time", (double)al->time);
	cJSON_AddStringToObject(o, "channel", c->name);
	cJSON_AddBoolToObject(o, "test", d->test);
	cJSON_AddNumberToObject(o, "suppressed", (double)d->suppressed);
	cJSON_AddNumberToObject(o, "attempt", (double)d->attempts + 1);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Environment strings for a run, in buf; pointers in env (NULL-ended). */
struct run_env {
	char *env[ENV_MAX + 1];
	char buf[2048];
	size_t used, n;
};

static void env_add(struct run_env *e, const char *name, const char *value)
{
	int len;

	if (!value || e->n == ENV_MAX)
		return;
	len = snprintf(e->buf + e->used, sizeof(e->buf) - e->used, "%s=%s", name, value);
	if (len < 0 || (size_t)len >= sizeof(e->buf) - e->used)
		return;
	e->env[e->n++] = e->buf + e->used;
	e->env[e->n] = NULL;
	e->used += (size_t)len + 1;
}

static void env_num(struct run_env *e, const char *name, long long v)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", v);
	env_add(e, name, num);
}

static void env_build(struct run_env *e, const struct channel *c, const struct delivery *d)
{
	static const char *const keep[] = {"HOME", "LANG", "LC_ALL", "TZ", "XDG_CONFIG_HOME"};
	const char *path = getenv("PATH");

	memset(e, 0, sizeof(*e));
	env_add(e, "PATH", path && path[0] ? path : "/usr/local/bin:/usr/bin:/bin");
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		env_add(e, keep[i], getenv(keep[i]));
	env_add(e, "SMARTLOCK_ALERT_KIND", d->test ? "test" : proto_alert_name(d->al.kind));
	env_add(e, "SMARTLOCK_ALERT_LOCK", d->al.lock);
	env_add(e, "SMARTLOCK_ALERT_USER", d->al.user);
	env_add(e, "SMARTLOCK_ALERT_MESSAGE", d->al.msg);
	env_num(e, "SMARTLOCK_ALERT_TIME", (long long)d->al.time);
	env_add(e, "SMARTLOCK_ALERT_CHANNEL", c->name);
	env_add(e, "SMARTLOCK_ALERT_TEST", d->test ? "1" : "0");
	env_num(e, "SMARTLOCK_ALERT_SUPPRESSED", (long long)d->suppressed);
}

/* After fork, in the child: only async-signal-safe calls. */
static void child_exec(int in, char *const argv[], char *const envp[])
{
	struct sigaction dfl;
	sigset_t none;
	int null;

	setpgid(0, 0);
	if (in != 0) {
		dup2(in, 0);
	}
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null >= 0)
		dup2(null, 1);
	close_range(3, ~0U, 0);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(argv[0], argv, envp);
	_exit(127);
}

static void write_input(struct channel *c)
{
	while (c->in_fd >= 0 && c->in_off < c->in_len) {
		ssize_t w = write(c->in_fd, c->input + c->in_off, c->in_len - c->in_off);

		if (w > 0) {
			c->in_off += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		break;          /* EPIPE: the program does not read its input */
	}
	if (c->in_fd >= 0) {
		close(c->in_fd);
		c->in_fd = -1;
	}
}

/* Start d on c; false (logged) when it could not be started at all. */
static bool spawn(struct agent *a, struct channel *c, struct delivery *d, int64_t now)
{
	const struct agent_command *cmd = &conf_of(a, c)->command;
	char words[sizeof(cmd->words)];
	char *argv[AGENT_CHANNEL_ARGS_MAX + 1];
	struct run_env env;
	int fds[2];
	char *json;
	pid_t pid;

	memcpy(words, cmd->words, sizeof(words));
	for (size_t i = 0, off = 0; i < cmd->argc; i++) {
		argv[i] = words + off;
		off += strlen(words + off) + 1;
	}
	argv[cmd->argc] = NULL;
	env_build(&env, c, d);
	json = input_json(c, d);
	if (!json || pipe2(fds, O_CLOEXEC) != 0) {
		sl_log(SL_LOG_ERROR, "alert channel %s: cannot prepare a run: %s", c->name,
				json ? strerror(errno) : "out of memory");
		free(json);
		return false;
	}
	pid = fork();
	if (pid == 0)
		child_exec(fds[0], argv, env.env);
	close(fds[0]);
	if (pid < 0) {
		sl_log(SL_LOG_ERROR, "alert channel %s: fork: %s", c->name, strerror(errno));
		close(fds[1]);
		free(json);
		return false;
	}
	setpgid(pid, pid);      /* also here: no race with a kill of the group */
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	c->run = d;
	c->pid = pid;
	c->in_fd = fds[1];
	c->in_len = strlen(json) + 1;
	json[c->in_len - 1] = '\n';
	c->input = json;
	c->in_off = 0;
	c->started = now;
	c->kill_at = now + conf_of(a, c)->timeout * 1000;
	c->killed = false;
	d->attempts++;
	write_input(c);
	return true;
}

/* ---- results ---- */

static void describe(const struct agent *a, const struct channel *c, int status,
		char *buf, size_t size)
{
	if (c->killed)
		snprintf(buf, size, "killed at its time limit of %lld s",
				(long long)conf_of(a, c)->timeout);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		snprintf(buf, size, "exit status 127 (the program could not be run)");
	else if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, size, "ended abnormally");
}

static void publish_states(struct agent *a)
{
	for (size_t i = 0; i < a->nlocks; i++)
		if (a->locks[i].link != LINK_UNKNOWN)
			report_state(a, &a->locks[i]);
}

static void audit_channel(struct agent *a, const struct channel *c, const char *result,
		const char *detail)
{
	struct audit_record rec = {0};
	char text[SL_MSG_MAX + 160];

	snprintf(text, sizeof(text), "alert channel %zu (%s): %s", c->index + 1, c->name,
			detail);
	rec.actor = "agent";
	rec.role = "";
	rec.source = "agent";
	rec.lock = "";
	rec.action = "alert-channel";
	rec.result = result;
	rec.reason = "";
	rec.detail = text;
	report_audit(a, &rec, false);
}

static void set_working(struct agent *a, struct channel *c, bool ok, int64_t failed_at)
{
	bool changed = ok ? c->failed_at != 0 : c->failed_at == 0;

	if (ok && changed) {
		sl_log(SL_LOG_NOTICE, "alert channel %s delivers again", c->name);
		audit_channel(a, c, "ok", "delivers again");
	}
	c->failed_at = ok ? 0 : failed_at;
	if (changed || !ok)
		publish_states(a);
}

static void test_result(struct agent *a, const struct channel *c, bool ok, const char *detail);

static void give_up(struct agent *a, struct channel *c, struct delivery *d, const char *why,
		int64_t now)
{
	char detail[SL_MSG_MAX + 96];

	/* bounded pieces: the audit text has room for so much only, and gcc
	 * -O3 fails the release build on a possible truncation */
	snprintf(detail, sizeof(detail), "the %s alert was not delivered: %.60s (%u attempts "
			"in %lld s): %.80s", proto_alert_name(d->al.kind), why, d->attempts,
			(long long)((now - d->first) / 1000), d->al.msg);
	sl_log(SL_LOG_ERROR, "alert channel %s: %s", c->name, detail);
	audit_channel(a, c, "failed", detail);
	set_working(a, c, false, time_now_ms());
}

static void attempt_done(struct agent *a, struct channel *c, bool ok, const char *why,
		int64_t now)
{
	struct delivery *d = c->run;
	const struct agent_channel_conf *cf = conf_of(a, c);
	int64_t delay;

	c->run = NULL;
	if (d->test) {
		test_result(a, c, ok, ok ? "delivered" : why);
		set_working(a, c, ok, time_now_ms());
		free(d);
		return;
	}
	if (ok) {
		sl_log(SL_LOG_INFO, "alert channel %s: %s alert delivered", c->name,
				proto_alert_name(d->al.kind));
		set_working(a, c, true, 0);
		free(d);
		return;
	}
	delay = BACKOFF_FIRST_MS << (d->attempts > 7 ? 6 : d->attempts - 1);
	if (delay > BACKOFF_MAX_MS)
		delay = BACKOFF_MAX_MS;
	if (now + delay - d->first > cf->retry_for * 1000 || c->n == QUEUE_MAX) {
		give_up(a, c, d, why, now);
		free(d);
		return;
	}
	sl_log(SL_LOG_WARNING, "alert channel %s: %s; retrying in %lld ms", c->name, why,
			(long long)delay);
	d->next = now + delay;
	queue_put(c, d, true);
}

static void reap(struct agent *a, struct channel *c, int64_t now)
{
	char why[DETAIL_MAX];
	siginfo_t si;
	int status;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0)
		return;
	/* the leader is a zombie, so its group id is still its own: nothing
	 * the run left behind outlives it */
	kill(-c->pid, SIGKILL);
	if (waitpid(c->pid, &status, 0) != c->pid)
		status = 0x7f00;        /* unknown: counts as a failure */
	c->pid = 0;
	if (c->in_fd >= 0) {
		close(c->in_fd);
		c->in_fd = -1;
	}
	free(c->input);
	c->input = NULL;
	describe(a, c, status, why, sizeof(why));
	attempt_done(a, c, !c->killed && WIFEXITED(status) && WEXITSTATUS(status) == 0, why,
			now);
}

static void service_one(struct agent *a, struct channel *c, int64_t now)
{
	flush_left_out(a, c, now);
	if (c->pid > 0) {
		write_input(c);
		reap(a, c, now);
	}
	if (c->pid > 0 && !c->killed && now >= c->kill_at) {
		sl_log(SL_LOG_WARNING, "alert channel %s: still running after %lld s: killing it",
				c->name, (long long)conf_of(a, c)->timeout);
		kill(-c->pid, SIGKILL);
		c->killed = true;
	}
	while (c->pid == 0 && c->n > 0 && c->q[0]->next <= now) {
		struct delivery *d = queue_take(c);

		if (spawn(a, c, d, now))
			break;
		c->run = d;
		d->attempts++;
		attempt_done(a, c, false, "could not be started", now);
	}
}

void channel_service(struct agent *a, int64_t now)
{
	struct channel_set *s = a->channels;

	for (size_t i = 0; s && i < s->n; i++)
		service_one(a, &s->ch[i], now);
}

int64_t channel_next_deadline(const struct agent *a, int64_t fallback)
{
	const struct channel_set *s = a->channels;
	int64_t d = fallback;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct channel *c = &s->ch[i];

		if (c->pid > 0 && c->in_fd >= 0 && time_mono_ms() + WRITE_RETRY_MS < d)
			d = time_mono_ms() + WRITE_RETRY_MS;
		if (c->pid > 0 && !c->killed && c->kill_at < d)
			d = c->kill_at;
		if (c->pid == 0 && c->n > 0 && c->q[0]->next < d)
			d = c->q[0]->next;
		if (c->suppressed && c->n < QUEUE_MAX &&
				c->rate.window_start + conf_of(a, c)->rate_window * 1000 < d)
			d = c->rate.window_start + conf_of(a, c)->rate_window * 1000;
	}
	return d;
}

void channel_state(const struct agent *a, struct sl_state_msg *st)
{
	const struct channel_set *s = a->channels;
	const struct channel *worst = NULL;

	for (size_t i = 0; s && i < s->n; i++)
		if (s->ch[i].failed_at && (!worst || s->ch[i].failed_at > worst->failed_at))
			worst = &s->ch[i];
	snprintf(st->channel_failed, sizeof(st->channel_failed), "%s", worst ? worst->name : "");
	st->channel_failed_at = worst ? worst->failed_at : 0;
}

/* ---- alert test ---- */

enum channel_test_start channel_test(struct agent *a, const char *lock, const char *user,
		int64_t req)
{
	struct channel_set *s = a->channels;
	struct sl_alert al;
	int64_t now = time_mono_ms();

	if (!s || s->n == 0)
		return CHANNEL_TEST_NONE;
	if (s->test.active)
		return CHANNEL_TEST_BUSY;
	memset(&al, 0, sizeof(al));
	memset(&s->test, 0, sizeof(s->test));
	s->test.active = true;
	snprintf(s->test.lock, sizeof(s->test.lock), "%s", lock);
	snprintf(s->test.user, sizeof(s->test.user), "%s", user);
	s->test.req = req;
	snprintf(al.lock, sizeof(al.lock), "%s", lock);
	snprintf(al.user, sizeof(al.user), "%s", user);
	snprintf(al.source, sizeof(al.source), "admin");
	snprintf(al.msg, sizeof(al.msg), "Test alert from %s: if you read this, the alert "
			"channel works.", user);
	al.time = time_now_ms();
	for (size_t i = 0; i < s->n; i++) {
		struct channel *c = &s->ch[i];
		struct delivery *d = c->n < QUEUE_MAX ? delivery_new(&al, true, now) : NULL;

		if (!d) {
			test_result(a, c, false, "its queue is full");
			continue;
		}
		queue_put(c, d, true);
	}
	return CHANNEL_TEST_STARTED;
}

static char *test_data(const struct channel_set *s, size_t *failed)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *arr = cJSON_AddArrayToObject(root, "channels");

	*failed = 0;
	for (size_t i = 0; arr && i < s->n; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			break;
		cJSON_AddNumberToObject(o, "channel", (double)s->ch[i].index + 1);
		cJSON_AddStringToObject(o, "name", s->ch[i].name);
		cJSON_AddStringToObject(o, "result", s->test.res[i].ok ? "ok" : "failed");
		cJSON_AddStringToObject(o, "detail", s->test.res[i].detail);
		cJSON_AddItemToArray(arr, o);
		*failed += !s->test.res[i].ok;
	}
	return admin_json_take(root);
}

static void test_result(struct agent *a, const struct channel *c, bool ok, const char *detail)
{
	struct channel_set *s = a->channels;
	size_t i = (size_t)(c - s->ch), failed;
	char msg[SL_MSG_MAX];
	char *data;

	if (!s->test.active)
		return;
	s->test.res[i].done = true;
	s->test.res[i].ok = ok;
	snprintf(s->test.res[i].detail, sizeof(s->test.res[i].detail), "%s", detail);
	for (size_t j = 0; j < s->n; j++)
		if (!s->test.res[j].done)
			return;
	s->test.active = false;
	data = test_data(s, &failed);
	if (failed)
		snprintf(msg, sizeof(msg), "%zu of %zu alert channels failed the test.", failed,
				s->n);
	else
		snprintf(msg, sizeof(msg), "The test alert went through all %zu alert channels.",
				s->n);
	admin_alert_test_done(a, s->test.lock, s->test.user, s->test.req,
			failed ? SL_RESULT_ERROR : SL_RESULT_OK, msg, data);
}

/* ---- exit ---- */

void channel_finish(struct agent *a)
{
	struct channel_set *s = a->channels;

	for (size_t i = 0; s && i < s->n; i++) {
		struct channel *c = &s->ch[i];

		if (c->pid > 0) {
			kill(-c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		if (c->in_fd >= 0)
			close(c->in_fd);
		free(c->input);
		free(c->run);
		for (size_t j = 0; j < c->n; j++)
			free(c->q[j]);
	}
	free(s);
	a->channels = NULL;
}
