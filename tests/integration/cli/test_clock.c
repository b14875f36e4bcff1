/* test_clock.c - a wrong agent clock is named as such: the agent runs under
 * libfaketime (10 minutes behind, or stepped while it runs) against a lock
 * and a client with the real clock. Skipped where libfaketime is missing and
 * in sanitized builds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "stack.h"

#define FAKETIME_LIB "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
#define RUN_MS 30000

struct fixture {
	struct stack s;
	char owner[HARNESS_PATH_MAX];
	char stamp[HARNESS_PATH_MAX];   /* libfaketime's offset file */
	char audit[HARNESS_PATH_MAX];
};

/* The stack with the agent (only) under libfaketime, its offset read from
 * a file at every clock read; the monotonic clock stays real. */
static int up_faked(void **state, const char *offset)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int rc;

	assert_non_null(f);
	*state = f;
	assert_int_equal(stack_setup(&f->s, NULL, NULL), 0);
	snprintf(f->stamp, sizeof(f->stamp), "%.400s/faketime", f->s.dir);
	snprintf(f->audit, sizeof(f->audit), "%.400s/audit/audit.log", f->s.state_dir);
	assert_int_equal(harness_write_file(f->stamp, offset, 0644), 0);
	setenv("LD_PRELOAD", FAKETIME_LIB, 1);
	setenv("FAKETIME_TIMESTAMP_FILE", f->stamp, 1);
	setenv("FAKETIME_NO_CACHE", "1", 1);
	setenv("FAKETIME_DONT_FAKE_MONOTONIC", "1", 1);
	rc = stack_start_agent(&f->s);
	unsetenv("LD_PRELOAD");
	unsetenv("FAKETIME_TIMESTAMP_FILE");
	unsetenv("FAKETIME_NO_CACHE");
	unsetenv("FAKETIME_DONT_FAKE_MONOTONIC");
	assert_int_equal(rc, 0);
	assert_int_equal(stack_start_lockd(&f->s), 0);
	assert_int_equal(stack_wait_online(&f->s, true), 0);
	stack_enrol(&f->s, STACK_OWNER, f->owner, sizeof(f->owner));
	return 0;
}

static int behind(void **state)
{
	return up_faked(state, "-600\n");
}

static int on_time(void **state)
{
	return up_faked(state, "+0\n");
}

static int down(void **state)
{
	struct fixture *f = *state;

	if (f) {
		stack_teardown(&f->s);
		free(f);
	}
	return 0;
}

/* The agent 10 minutes behind: the lock's heartbeat says so (alert), and
 * the owner's request, which agrees with the lock, is refused with the
 * agent's clock named as the wrong one, not the owner's. */
static void test_agent_behind_is_blamed(void **state)
{
	struct fixture *f = *state;
	char *out = NULL, *err = NULL;
	int rc;

	assert_int_equal(harness_wait_file_contains(f->s.agent_log, "alert clock on "
			STACK_LOCK, STACK_WAIT), 0);
	rc = stack_ctl(&f->s, (const char *const[]){"--enrol", f->owner, "unlock", NULL},
			RUN_MS, &out, &err);
	if (rc != 1 || !err || !strstr(err, "The agent's clock is wrong"))
		fprintf(stderr, "unlock: exit %d: %s\n", rc, err ? err : "");
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "The agent's clock is wrong"));
	free(out);
	free(err);
}

/* The agent's clock steps back 10 minutes while it runs: the step is in
 * the audit log and alerted. */
static void test_agent_step_is_recorded(void **state)
{
	struct fixture *f = *state;
	char tmp[sizeof(f->stamp) + 8];

	/* replaced whole: libfaketime rereads the file at every call, and a
	 * truncated one half written would read as no offset at all */
	snprintf(tmp, sizeof(tmp), "%s.new", f->stamp);
	assert_int_equal(harness_write_file(tmp, "-600\n", 0644), 0);
	assert_int_equal(rename(tmp, f->stamp), 0);
	assert_int_equal(harness_wait_file_contains(f->audit, "\"action\":\"clock-step\"",
			STACK_WAIT), 0);
	assert_int_equal(harness_wait_file_contains(f->s.agent_log, "alert clock: The agent's "
			"clock stepped by -600", STACK_WAIT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_agent_behind_is_blamed, behind, down),
		cmocka_unit_test_setup_teardown(test_agent_step_is_recorded, on_time, down),
	};
	/* a sanitized build (its runtime is named for the broker) is skipped:
	 * libfaketime hangs a program under AddressSanitizer at start */
	const char *asan = getenv("SMARTLOCK_PLUGIN_PRELOAD");
	int rc;

	if (!stack_programs_built() || access(FAKETIME_LIB, R_OK) != 0 || (asan && asan[0])) {
		fprintf(stdout, "# no libfaketime, no programs, or a sanitized build: skipped\n");
		return 77;
	}
	harness_init();
	setenv("LC_ALL", "C.UTF-8", 1);
	rc = cmocka_run_group_tests_name("clock", tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
