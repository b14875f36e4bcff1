/* test_channels.c - alert channels with the real agent: the program runs
 * once per alert with the documented JSON and environment; a hanging one
 * is killed at its time limit while the agent keeps answering; a failing
 * one is retried, then audited and shown in the retained state; a flood
 * is a few runs; the example channels in data/ with fake sendmail, curl
 * and mosquitto_pub. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static const struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

/* Records each run: its input as one line of runs.log, its SMARTLOCK_*
 * environment and uid as one line of env.log; then exits with its first
 * argument (0 when none). */
static const char recorder[] =
	"#!/bin/sh\n"
	"d=${0%/*}\n"
	"in=$(cat)\n"
	"printf '%s\\n' \"$in\" >> \"$d/runs.log\"\n"
	"printf 'uid=%s kind=%s lock=%s user=%s test=%s channel=%s suppressed=%s msg=%s\\n' "
	"\"$(id -u)\" "
	"\"$SMARTLOCK_ALERT_KIND\" \"$SMARTLOCK_ALERT_LOCK\" \"$SMARTLOCK_ALERT_USER\" "
	"\"$SMARTLOCK_ALERT_TEST\" \"$SMARTLOCK_ALERT_CHANNEL\" \"$SMARTLOCK_ALERT_SUPPRESSED\" "
	"\"$SMARTLOCK_ALERT_MESSAGE\" >> \"$d/env.log\"\n"
	"exit \"${1:-0}\"\n";

/* Hangs with a grandchild in its process group, whose pid it records. */
static const char hanger[] =
	"#!/bin/sh\n"
	"d=${0%/*}\n"
	"sleep 600 &\n"
	"echo $! > \"$d/hang.pid\"\n"
	"wait\n";

static int setup(void **state)
{
	return fx_state_setup(state, users, NUSERS, NULL);
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

static const char *path_in(const struct fx *f, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", f->dir, name);
	return buf;
}

/* Write the scripts and append conf (with @DIR@ for the test directory)
 * to agent.conf. */
static void prepare(struct fx *f, const char *conf)
{
	char path[HARNESS_PATH_MAX], *old, *text, *at;
	size_t len;

	assert_int_equal(harness_write_file(path_in(f, "rec.sh", path, sizeof(path)), recorder,
			0755), 0);
	assert_int_equal(harness_write_file(path_in(f, "hang.sh", path, sizeof(path)), hanger,
			0755), 0);
	old = harness_read_file(f->conf_path);
	assert_non_null(old);
	len = strlen(old) + strlen(conf) * 4 + 1;
	text = calloc(1, len + 1);
	assert_non_null(text);
	strcpy(text, old);
	for (const char *p = conf; *p;) {
		at = strstr(p, "@DIR@");
		if (!at) {
			strcat(text, p);
			break;
		}
		strncat(text, p, (size_t)(at - p));
		strcat(text, f->dir);
		p = at + 5;
	}
	assert_int_equal(harness_write_file(f->conf_path, text, 0600), 0);
	free(text);
	free(old);
}

/* Start the agent and bring the lock online. */
static void start(struct fx *f)
{
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
}

static void up(struct fx *f, const char *conf)
{
	prepare(f, conf);
	start(f);
}

/* Line n (0-based) of a file, malloc'd. */
static char *file_line(const char *path, size_t n)
{
	char *text = harness_read_file(path), *p = text, *line = NULL;

	while (p && n-- > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	if (p && *p)
		line = strndup(p, strcspn(p, "\n"));
	free(text);
	return line;
}

static cJSON *run_input(const struct fx *f, size_t n)
{
	char path[HARNESS_PATH_MAX];
	char *line = file_line(path_in(f, "runs.log", path, sizeof(path)), n);
	cJSON *j = line ? cJSON_Parse(line) : NULL;

	free(line);
	assert_non_null(j);
	return j;
}

static const char *jstr(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static double jnum(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static void test_lockout_runs_once(void **state)
{
	struct fx *f = *state;
	struct harness_client *g, *o;
	char runs[HARNESS_PATH_MAX], env[HARNESS_PATH_MAX], *line;
	struct sl_admin_req req;
	cJSON *j;

	up(f, "alert_1_command = @DIR@/rec.sh\nalert_1_kinds = lockout,lockout-cleared\n"
			"alert_1_name = recorder\n");
	path_in(f, "runs.log", runs, sizeof(runs));
	path_in(f, "env.log", env, sizeof(env));
	g = fx_client(f, "guest");
	o = fx_client(f, "owner");
	assert_non_null(g);
	assert_non_null(o);
	assert_int_equal(fx_bad_signatures(f, g, "guest", 3), 0);
	assert_int_equal(harness_wait_file_lines(runs, 1, FX_WAIT), 0);
	j = run_input(f, 0);
	assert_int_equal((int)jnum(j, "v"), 1);
	assert_string_equal(jstr(j, "kind"), "lockout");
	assert_string_equal(jstr(j, "lock"), FX_LOCK);
	assert_string_equal(jstr(j, "user"), "guest");
	assert_string_equal(jstr(j, "source"), "lockReq");
	assert_string_equal(jstr(j, "channel"), "recorder");
	assert_non_null(strstr(jstr(j, "msg"), "guest"));
	assert_true(jnum(j, "until") > jnum(j, "time"));
	assert_true(jnum(j, "time") > 1.7e12);
	assert_int_equal((int)jnum(j, "suppressed"), 0);
	assert_int_equal((int)jnum(j, "attempt"), 1);
	assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "test")));
	cJSON_Delete(j);
	assert_int_equal(harness_wait_file_lines(env, 1, FX_WAIT), 0);
	line = file_line(env, 0);
	assert_non_null(line);
	assert_non_null(strstr(line, " kind=lockout lock=front-door user=guest test=0 "
			"channel=recorder suppressed=0 msg="));
	free(line);

	/* the next alert the channel takes comes after it: one run, not more */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOCKOUT_RESET;
	req.time = time_now_ms();
	{
		char topic[SL_TOPIC_MAX];
		char *payload;

		topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN, FX_LOCK, "owner");
		assert_int_equal(proto_sign_admin_req(fx_key(f, "owner"), topic, &req), SL_OK);
		payload = proto_encode_admin_req(&req);
		assert_int_equal(harness_client_publish_str(o, topic, payload, 1, false), 0);
		free(payload);
	}
	assert_int_equal(harness_wait_file_lines(runs, 2, FX_WAIT), 0);
	j = run_input(f, 1);
	assert_string_equal(jstr(j, "kind"), "lockout-cleared");
	cJSON_Delete(j);
	assert_int_equal(harness_file_lines(runs), 2);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

/* The channel runs as the agent's user, here an unprivileged one. */
static void test_runs_as_the_agents_user(void **state)
{
	struct fx *f = *state;
	struct harness_client *g;
	char env[HARNESS_PATH_MAX];
	int rc;

	prepare(f, "alert_1_command = @DIR@/rec.sh\nalert_1_kinds = lockout\n");
	rc = fx_run_as(f, "nobody");
	if (rc == 77) {
		print_message("needs root and the user nobody: skipped\n");
		skip();
	}
	assert_int_equal(rc, 0);
	start(f);
	path_in(f, "env.log", env, sizeof(env));
	g = fx_client(f, "guest");
	assert_non_null(g);
	assert_int_equal(fx_bad_signatures(f, g, "guest", 3), 0);
	assert_int_equal(harness_wait_file_contains(env, "uid=65534 kind=lockout", FX_WAIT), 0);
	harness_client_destroy(g);
}

static bool process_gone(pid_t pid)
{
	char path[64], *stat;
	bool gone;

	if (kill(pid, 0) != 0 && errno == ESRCH)
		return true;
	/* a zombie nobody reaps in a container counts as gone */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	stat = harness_read_file(path);
	gone = !stat || (strchr(stat, ')') && strstr(strchr(stat, ')'), ") Z "));
	free(stat);
	return gone;
}

static void test_hanging_channel_killed(void **state)
{
	struct fx *f = *state;
	struct harness_client *g, *o;
	char pidfile[HARNESS_PATH_MAX], *text;
	pid_t sleeper;
	int64_t started;

	up(f, "alert_1_command = @DIR@/hang.sh\nalert_1_timeout = 2\nalert_1_retry_for = 0\n"
			"alert_1_kinds = lockout\nalert_1_name = hanger\n");
	path_in(f, "hang.pid", pidfile, sizeof(pidfile));
	g = fx_client(f, "guest");
	o = fx_client(f, "owner");
	assert_non_null(g);
	assert_non_null(o);
	assert_int_equal(fx_bad_signatures(f, g, "guest", 3), 0);
	assert_int_equal(harness_wait_file_contains(pidfile, "\n", FX_WAIT), 0);
	started = time_mono_ms();
	text = harness_read_file(pidfile);
	sleeper = (pid_t)atoi(text);
	free(text);
	assert_true(sleeper > 0);
	/* the agent answers at once while the channel hangs */
	for (int i = 0; i < 5; i++) {
		int64_t t0 = time_mono_ms();

		assert_int_equal(fx_granted(f, o, "owner", i % 2 ? SL_ACTION_LOCK :
				SL_ACTION_UNLOCK), 0);
		assert_true(time_mono_ms() - t0 < 1000);
		print_message("granted in %lld ms while the channel hangs\n",
				(long long)(time_mono_ms() - t0));
	}
	assert_true(time_mono_ms() - started < 2000);
	assert_false(process_gone(sleeper));
	/* killed at the limit, group and all, then audited */
	assert_int_equal(fx_wait_log(f, "killed at its time limit of 2 s", FX_WAIT), 0);
	assert_true(time_mono_ms() - started >= 1000);
	for (int i = 0; i < 200 && !process_gone(sleeper); i++)
		harness_client_pump(f->watch, 10);
	assert_true(process_gone(sleeper));
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_LOCK), 0);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

/* Wait for a retained state naming channel as failed. */
static int wait_channel_failed(struct fx *f, const char *channel, int timeout_ms)
{
	char topic[SL_TOPIC_MAX];
	int64_t deadline = time_mono_ms() + timeout_ms;

	topic_build(topic, sizeof(topic), SL_TOPIC_STATE, FX_LOCK, NULL);
	while (time_mono_ms() < deadline) {
		struct harness_msg *m = harness_client_wait(f->watch, topic,
				(int)(deadline - time_mono_ms()));
		struct sl_state_msg st;
		bool match;

		if (!m)
			return -1;
		match = proto_decode_state(m->payload, m->len, &st, NULL) == SL_OK &&
				strcmp(st.channel_failed, channel) == 0 && st.channel_failed_at > 0;
		harness_msg_free(m);
		if (match)
			return 0;
	}
	return -1;
}

static void test_failing_channel_retried_then_audited(void **state)
{
	struct fx *f = *state;
	struct harness_client *g;
	char runs[HARNESS_PATH_MAX];
	int64_t first;
	cJSON *j;

	up(f, "alert_1_command = @DIR@/rec.sh 3\nalert_1_retry_for = 4\n"
			"alert_1_kinds = lockout\nalert_1_name = broken\n");
	path_in(f, "runs.log", runs, sizeof(runs));
	g = fx_client(f, "guest");
	assert_non_null(g);
	assert_int_equal(fx_bad_signatures(f, g, "guest", 3), 0);
	assert_int_equal(harness_wait_file_lines(runs, 1, FX_WAIT), 0);
	first = time_mono_ms();
	/* attempts at 0, 1 and 3 s; the next (7 s) would be past retry_for */
	assert_int_equal(fx_wait_log(f, "\"action\":\"alert-channel\"", 8000), 0);
	assert_true(time_mono_ms() - first >= 2500);
	assert_int_equal(harness_file_lines(runs), 3);
	j = run_input(f, 2);
	assert_int_equal((int)jnum(j, "attempt"), 3);
	assert_string_equal(jstr(j, "kind"), "lockout");
	cJSON_Delete(j);
	/* the health the consoles show names the channel */
	assert_int_equal(wait_channel_failed(f, "broken", FX_WAIT), 0);
	{
		char audit[HARNESS_PATH_MAX], *text;

		snprintf(audit, sizeof(audit), "%s/audit/audit.log", f->state_dir);
		text = harness_read_file(audit);
		assert_non_null(text);
		assert_non_null(strstr(text, "alert channel 1 (broken): the lockout alert was "
				"not delivered: exit status 3 (3 attempts in 3 s)"));
		assert_non_null(strstr(text, "\"result\":\"failed\""));
		free(text);
	}
	harness_client_destroy(g);
}

static int publish_login_failed(struct harness_client *plugin, int i)
{
	struct sl_login_failed lf;
	char *payload;
	int rc;

	memset(&lf, 0, sizeof(lf));
	snprintf(lf.user, sizeof(lf.user), "intruder%d", i);
	snprintf(lf.addr, sizeof(lf.addr), "192.0.2.%d", i % 250 + 1);
	lf.reason = SL_LOGIN_BAD_PASSWORD;
	lf.time = time_now_ms();
	payload = proto_encode_login_failed(&lf);
	rc = payload ? harness_client_publish_str(plugin, SL_TOPIC_LOGIN_FAILED, payload, 1,
			false) : -1;
	free(payload);
	return rc;
}

#define FLOOD_WINDOW_S 3

static void test_flood_is_a_few_runs(void **state)
{
	struct fx *f = *state;
	struct harness_client *plugin, *o;
	char runs[HARNESS_PATH_MAX], conf[256];
	struct sl_response r;
	int64_t t0, t1;
	cJSON *j;

	snprintf(conf, sizeof(conf), "alert_1_command = @DIR@/rec.sh\nalert_1_rate_max = 3\n"
			"alert_1_rate_window = %d\nalert_1_kinds = login-failed\n", FLOOD_WINDOW_S);
	up(f, conf);
	path_in(f, "runs.log", runs, sizeof(runs));
	plugin = harness_client_local(&f->broker, NULL, NULL);
	o = fx_client(f, "owner");
	assert_non_null(plugin);
	assert_non_null(o);
	t0 = time_mono_ms();
	for (int i = 0; i < 1000; i++)
		assert_int_equal(publish_login_failed(plugin, i), 0);
	/* the owner's status is answered after the agent took the flood */
	assert_true(fx_send(f, o, "owner", NULL, SL_ACTION_STATUS, 0) > 0);
	assert_int_equal(fx_response(f, o, "owner", &r, 30000), 0);
	t1 = time_mono_ms();
	print_message("the agent took 1,000 failed logins in %lld ms\n", (long long)(t1 - t0));
	assert_true(t1 - t0 < FLOOD_WINDOW_S * 1000);       /* else the test proves nothing */
	assert_int_equal(harness_wait_file_lines(runs, 3, FX_WAIT), 0);
	/* when the window ends, the last alert left out runs, counting the
	 * others */
	assert_int_equal(harness_wait_file_lines(runs, 4, FLOOD_WINDOW_S * 1000 + FX_WAIT), 0);
	assert_true(time_mono_ms() - t0 >= FLOOD_WINDOW_S * 1000);
	j = run_input(f, 3);
	assert_string_equal(jstr(j, "kind"), "login-failed");
	/* one login-failed alert per failed login today: 996 others; fewer if
	 * the intrusion rule ever folds them together */
	assert_true(jnum(j, "suppressed") >= 1 && jnum(j, "suppressed") <= 1000 - 3 - 1);
	print_message("the run after the window counted %d alerts left out\n",
			(int)jnum(j, "suppressed"));
	cJSON_Delete(j);
	/* and the next alert after it: runs go in order, so when it has run
	 * every run queued before it is done */
	assert_int_equal(publish_login_failed(plugin, 1000), 0);
	assert_int_equal(harness_wait_file_lines(runs, 5, FX_WAIT), 0);
	assert_int_equal(harness_file_lines(runs), 5);
	j = run_input(f, 4);
	assert_string_equal(jstr(j, "user"), "intruder1000");
	assert_int_equal((int)jnum(j, "suppressed"), 0);
	cJSON_Delete(j);
	harness_client_destroy(plugin);
	harness_client_destroy(o);
}

/* ---- the examples in data/ with fakes of the programs they call ---- */

/* A fake program: records its arguments and its input under @DIR@/<name>.out
 * and exits 0. */
static void write_fake(const struct fx *f, const char *name)
{
	char path[HARNESS_PATH_MAX], text[512];

	snprintf(path, sizeof(path), "%s/bin/%s", f->dir, name);
	snprintf(text, sizeof(text), "#!/bin/sh\n"
			"{ echo \"ARGS: $*\"; cat; echo; echo END; } >> '%s/%s.out'\n", f->dir, name);
	assert_int_equal(harness_write_file(path, text, 0755), 0);
}

/* What the fake name recorded, once a run of it ended. */
static char *fake_output(const struct fx *f, const char *name)
{
	char out[HARNESS_PATH_MAX];

	snprintf(out, sizeof(out), "%s/%s.out", f->dir, name);
	assert_int_equal(harness_wait_file_contains(out, "END", FX_WAIT), 0);
	return harness_read_file(out);
}

static void test_examples_with_fakes(void **state)
{
	struct fx *f = *state;
	char dir[HARNESS_PATH_MAX], path[HARNESS_PATH_MAX], conf[2048];
	char mail[HARNESS_PATH_MAX], push[HARNESS_PATH_MAX], ha[HARNESS_PATH_MAX];
	const char *old = getenv("PATH");
	char *newpath, *text;
	struct harness_client *g;

	snprintf(dir, sizeof(dir), "%s/bin", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	write_fake(f, "sendmail");
	write_fake(f, "curl");
	write_fake(f, "mosquitto_pub");
	snprintf(path, sizeof(path), "%s/push-headers", f->dir);
	assert_int_equal(harness_write_file(path, "Authorization: Bearer s3cret\n", 0600), 0);
	harness_source_path(mail, sizeof(mail), "data/smartlock-alert-mail");
	harness_source_path(push, sizeof(push), "data/smartlock-alert-push");
	harness_source_path(ha, sizeof(ha), "data/smartlock-alert-mqtt");
	snprintf(conf, sizeof(conf),
			"alert_1_command = %s owner@example.org\nalert_1_kinds = lockout\n"
			"alert_2_command = %s https://push.example.org/front-door @DIR@/push-headers\n"
			"alert_2_kinds = lockout\n"
			"alert_3_command = %s smartlock/front-door/notify -h 127.0.0.1 -p 1883\n"
			"alert_3_kinds = lockout\n", mail, push, ha);
	/* the agent's children find the fakes first */
	assert_true(asprintf(&newpath, "%s:%s", dir, old ? old : "/usr/bin:/bin") > 0);
	setenv("PATH", newpath, 1);
	up(f, conf);
	setenv("PATH", old ? old : "/usr/bin:/bin", 1);
	free(newpath);
	g = fx_client(f, "guest");
	assert_non_null(g);
	assert_int_equal(fx_bad_signatures(f, g, "guest", 3), 0);

	text = fake_output(f, "sendmail");
	assert_non_null(text);
	assert_non_null(strstr(text, "ARGS: -oi -t"));
	assert_non_null(strstr(text, "To: owner@example.org\n"));
	assert_non_null(strstr(text, "Subject: [smartlock] lockout on front-door"));
	assert_non_null(strstr(text, "guest"));
	assert_non_null(strstr(text, "\"kind\":\"lockout\""));
	free(text);

	text = fake_output(f, "curl");
	assert_non_null(text);
	assert_non_null(strstr(text, "https://push.example.org/front-door"));
	assert_non_null(strstr(text, "--fail"));
	assert_non_null(strstr(text, "@" ));        /* headers from the file */
	assert_null(strstr(text, "s3cret"));        /* never on the command line */
	assert_non_null(strstr(text, "Title: smartlock: lockout on front-door"));
	assert_non_null(strstr(text, "guest"));
	free(text);

	text = fake_output(f, "mosquitto_pub");
	assert_non_null(text);
	assert_non_null(strstr(text, "-t smartlock/front-door/notify"));
	assert_non_null(strstr(text, "-h 127.0.0.1 -p 1883"));
	assert_non_null(strstr(text, "\"title\":\"smartlock: lockout on front-door\""));
	assert_non_null(strstr(text, "\"message\":"));
	free(text);
	harness_client_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lockout_runs_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_as_the_agents_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hanging_channel_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failing_channel_retried_then_audited, setup,
				teardown),
		cmocka_unit_test_setup_teardown(test_flood_is_a_few_runs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_examples_with_fakes, setup, teardown),
	};

	harness_init();
	signal(SIGPIPE, SIG_IGN);
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
