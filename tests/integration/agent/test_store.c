/* test_store.c - start-up refusals (exit codes, the file named), the user
 * store's reload on SIGHUP or a changed file, the command line, and what
 * state.json keeps. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static int setup_site(void **state)
{
	return fx_state_setup(state, fx_default_users, 3, NULL);
}

static int setup(void **state)
{
	return fx_state_up(state, fx_default_users, 3, NULL);
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

/* Start the agent, expect it to exit with code and its log to hold both
 * needles. */
static void refused(struct fx *f, int code, const char *n1, const char *n2)
{
	const char *args[] = {"-c", f->conf_path, NULL};
	char *out = NULL;

	assert_int_equal(fx_run_agent(f, args, &out), code);
	assert_non_null(out);
	if (!strstr(out, n1) || (n2 && !strstr(out, n2)))
		fail_msg("expected \"%s\" / \"%s\" in: %s", n1, n2 ? n2 : "", out);
	free(out);
}

static void test_corrupt_user_store(void **state)
{
	struct fx *f = *state;

	assert_int_equal(harness_write_file(f->users_path, "{\"v\":1,\"users\":[{\"name\":", 0600), 0);
	refused(f, 3, f->users_path, "not valid JSON");
	assert_int_equal(harness_write_file(f->users_path,
				"{\"v\":1,\"users\":[{\"name\":\"x\",\"role\":\"king\",\"key\":"
				"\"0000000000000000000000000000000000000000000000000000000000000000\","
				"\"status\":\"active\"}]}", 0600), 0);
	refused(f, 3, f->users_path, "user 1: role");
	assert_int_equal(unlink(f->users_path), 0);
	refused(f, 3, f->users_path, "does not exist");
	assert_int_equal(fx_write_users(f), 0);
	assert_int_equal(chmod(f->users_path, 0644), 0);
	refused(f, 3, f->users_path, "unsafe mode");
}

static void test_corrupt_state_and_config(void **state)
{
	struct fx *f = *state;
	char path[HARNESS_PATH_MAX + 32], *conf;

	/* a damaged state file is no longer refused: moved aside and rebuilt
	 * from the audit log (test_recover.c has the details) */
	snprintf(path, sizeof(path), "%s/state.json", f->state_dir);
	assert_int_equal(harness_write_file(path, "{\"v\":1,\"seq_res", 0600), 0);
	{
		const char *check[] = {"-c", f->conf_path, "--check-config", NULL};
		char *out = NULL;

		assert_int_equal(fx_run_agent(f, check, &out), 0);
		assert_non_null(out);
		if (!strstr(out, "was damaged (moved to "))
			fail_msg("no repair of the damaged state in: %s", out);
		free(out);
	}
	assert_int_equal(unlink(path), 0);
	/* a bad lock key */
	snprintf(path, sizeof(path), "%s/keys/front-door.key", f->dir);
	assert_int_equal(harness_write_file(path, "abcd\n", 0600), 0);
	refused(f, 3, path, "not a key");
	/* a bad config line names file and line */
	conf = harness_read_file(f->conf_path);
	assert_non_null(conf);
	assert_int_equal(harness_write_file(f->conf_path, "lockout_duration = soon\n", 0600), 0);
	refused(f, 3, f->conf_path, ":1: lockout_duration");
	assert_int_equal(harness_write_file(f->conf_path, "no_such_key = 1\n", 0600), 0);
	refused(f, 3, "no_such_key", NULL);
	free(conf);
}

static void test_command_line(void **state)
{
	struct fx *f = *state;
	const char *help[] = {"--help", NULL}, *version[] = {"--version", NULL};
	const char *bad[] = {"--frobnicate", NULL}, *extra[] = {"-c", "x", "y", NULL};
	char *out = NULL;

	assert_int_equal(fx_run_agent(f, help, &out), 0);
	assert_non_null(strstr(out, "--verify-audit"));
	free(out);
	assert_int_equal(fx_run_agent(f, version, &out), 0);
	assert_non_null(strstr(out, "smartlock-agent "));
	free(out);
	assert_int_equal(fx_run_agent(f, bad, NULL), 2);
	assert_int_equal(fx_run_agent(f, extra, NULL), 2);
}

static void add_user(struct fx *f, const char *name, enum sl_role role)
{
	f->users[f->nusers] = (struct fx_user){.name = name, .role = role};
	assert_int_equal(sign_key_generate(&f->keys[f->nusers]), SL_OK);
	f->nusers++;
	assert_int_equal(fx_write_users(f), 0);
}

static void test_reload_on_sighup(void **state)
{
	struct fx *f = *state;
	struct harness_client *c = fx_client(f, "dora");
	struct sl_key k;

	assert_int_equal(sign_key_generate(&k), SL_OK);
	assert_int_equal(fx_refused(f, c, "dora", &k, SL_ACTION_UNLOCK, 0,
				SL_REASON_UNKNOWN_USER, NULL), 0);
	add_user(f, "dora", SL_ROLE_RESIDENT);
	assert_int_equal(kill(f->agent.pid, SIGHUP), 0);
	assert_int_equal(harness_wait_file_contains(f->agent_log, "reloaded", FX_WAIT), 0);
	assert_int_equal(fx_granted(f, c, "dora", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(c);
}

static void test_reload_on_change_and_bad_reload(void **state)
{
	struct fx *f = *state;
	struct harness_client *c = fx_client(f, "emil");
	struct harness_client *o = fx_client(f, "owner");

	/* a changed file is noticed without a signal */
	add_user(f, "emil", SL_ROLE_RESIDENT);
	assert_int_equal(harness_wait_file_contains(f->agent_log, "reloaded", FX_WAIT), 0);
	assert_int_equal(fx_granted(f, c, "emil", SL_ACTION_UNLOCK), 0);
	/* a broken file keeps the old store and names the file */
	assert_int_equal(harness_write_file(f->users_path, "{\"v\":1,\"users\":", 0600), 0);
	assert_int_equal(kill(f->agent.pid, SIGHUP), 0);
	assert_int_equal(harness_wait_file_contains(f->agent_log,
				"user store not reloaded, keeping the previous one", FX_WAIT), 0);
	{
		char *log = harness_read_file(f->agent_log);

		assert_non_null(strstr(log, f->users_path));
		free(log);
	}
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, c, "emil", SL_ACTION_LOCK), 0);
	harness_client_destroy(c);
	harness_client_destroy(o);
}

static void test_clean_shutdown(void **state)
{
	struct fx *f = *state;
	char path[HARNESS_PATH_MAX + 32];
	char *log;

	assert_int_equal(fx_stop_agent(f), 0);
	snprintf(path, sizeof(path), "%s/audit/audit.log", f->state_dir);
	log = harness_read_file(path);
	assert_non_null(strstr(log, "\"action\":\"stop\""));
	free(log);
}

/* state.json keeps the failures the intrusion window still counts and
 * forgets older ones, so that it does not grow with every failure ever. */
static void test_checkpoint_forgets_old_failures(void **state)
{
	struct fx *f = *state;
	const char *lock_fails = "\"cause\":\"\",\"fails\":[]";
	struct harness_client *c = fx_client(f, "resident");
	char path[HARNESS_PATH_MAX + 32], *text, *at, *edited;
	struct sl_key forged;

	assert_non_null(c);
	snprintf(path, sizeof(path), "%s/state.json", f->state_dir);
	assert_int_equal(fx_stop_agent(f), 0);
	/* two failures on the lock in 2020, long outside the 300 s window */
	text = harness_read_file(path);
	assert_non_null(text);
	at = strstr(text, lock_fails);
	assert_non_null(at);
	edited = malloc(strlen(text) + 64);
	assert_non_null(edited);
	sprintf(edited, "%.*s\"cause\":\"\",\"fails\":[1577836800000,1577836801000]%s",
			(int)(at - text), text, at + strlen(lock_fails));
	assert_int_equal(harness_write_file(path, edited, 0600), 0);
	free(edited);
	free(text);
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	assert_int_equal(fx_wait_state_online(f, true, FX_WAIT), 0);
	/* one failure now: it counts, so it stays */
	memset(&forged, 0x5a, sizeof(forged));
	assert_int_equal(fx_refused(f, c, "resident", &forged, SL_ACTION_UNLOCK, 0,
				SL_REASON_BAD_SIGNATURE, NULL), 0);
	assert_int_equal(fx_stop_agent(f), 0);
	text = harness_read_file(path);
	assert_non_null(text);
	/* (a registered user's failure counts against that user, not the lock) */
	if (strstr(text, "1577836800000") || strstr(text, "1577836801000") ||
			!strstr(text, "\"resident\":{\"uses\":0,\"lockout_until\":0,\"fails\":[1"))
		fail_msg("old failures kept or the new one lost: %s", text);
	free(text);
	harness_client_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_corrupt_user_store, setup_site, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_state_and_config, setup_site, teardown),
		cmocka_unit_test_setup_teardown(test_command_line, setup_site, teardown),
		cmocka_unit_test_setup_teardown(test_reload_on_sighup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_on_change_and_bad_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_forgets_old_failures, setup,
				teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
