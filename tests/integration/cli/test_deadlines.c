/* test_deadlines.c - a client told anything but "granted" never sees the
 * door move later: smartlockctl against the real stack with lockd or the
 * agent frozen (SIGSTOP) and thawed (SIGCONT) after the client gave up. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

#include "stack.h"

#define RUN_MS 30000
#define QUIET_MS 1500   /* how long nothing may move after a refusal */

struct fixture {
	struct stack s;
	char owner[HARNESS_PATH_MAX];
	char audit[HARNESS_PATH_MAX];
	struct harness_client *watch;   /* lockStatus and lock commands */
	char *out, *err;
};

static int up(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!stack_programs_built())
		return -1;
	assert_non_null(f);
	assert_int_equal(stack_up(&f->s, NULL, NULL), 0);
	stack_enrol(&f->s, STACK_OWNER, f->owner, sizeof(f->owner));
	snprintf(f->audit, sizeof(f->audit), "%.400s/audit/audit.log", f->s.state_dir);
	f->watch = stack_client(&f->s);
	assert_non_null(f->watch);
	assert_true(harness_client_subscribe(f->watch, "smartlock/" STACK_LOCK "/lockStatus",
			1) >= 0);
	assert_true(harness_client_subscribe(f->watch, "smartlock/" STACK_LOCK "/lock", 1) >= 0);
	*state = f;
	return 0;
}

static int down(void **state)
{
	struct fixture *f = *state;

	/* a frozen daemon is thawed so that it can be stopped */
	stack_thaw(&f->s);
	harness_client_destroy(f->watch);
	stack_teardown(&f->s);
	free(f->out);
	free(f->err);
	free(f);
	return 0;
}

static int ctl(struct fixture *f, const char *const *args)
{
	return stack_ctl_again(&f->s, args, RUN_MS, &f->out, &f->err);
}

#define CTL(f, ...) ctl((f), (const char *const[]){__VA_ARGS__, NULL})

/* Fail on any lockStatus reporting the bolt moving or unlocked within ms. */
static void assert_no_unlock(struct fixture *f, int ms)
{
	int64_t end = time_mono_ms() + ms;
	int64_t left;

	while ((left = end - time_mono_ms()) > 0) {
		struct harness_msg *m = harness_client_wait(f->watch,
				"smartlock/" STACK_LOCK "/lockStatus", (int)left);
		struct sl_lock_status st;

		if (!m)
			break;
		assert_int_equal(proto_decode_lock_status(m->payload, m->len, &st, NULL), SL_OK);
		if (st.state == SL_STATE_UNLOCKING || st.state == SL_STATE_UNLOCKED) {
			fprintf(stderr, "the door moved: %.*s\n", (int)m->len, (const char *)m->payload);
			fail();
		}
		harness_msg_free(m);
	}
}

/* The lock froze while the command was on its way: the agent answered
 * timeout; thawed, the lock refuses the expired command and reports it,
 * and the agent records the refusal. */
static void test_frozen_lock_never_moves_late(void **state)
{
	struct fixture *f = *state;
	int64_t t0;

	assert_int_equal(kill(f->s.lockd.pid, SIGSTOP), 0);
	t0 = time_mono_ms();
	assert_int_equal(CTL(f, "--enrol", f->owner, "unlock"), 4);
	assert_true(time_mono_ms() - t0 < 10000);
	assert_int_equal(kill(f->s.lockd.pid, SIGCONT), 0);
	assert_int_equal(harness_wait_file_contains(f->audit, "\"reason\":\"expired\"",
			STACK_WAIT), 0);
	assert_no_unlock(f, QUIET_MS);
	assert_int_equal(CTL(f, "--enrol", f->owner, "status"), 0);
	assert_non_null(strstr(f->out, "LOCKED"));
	assert_int_equal(harness_wait_file_contains(f->s.lockd_log, "expired", 0), 0);
}

/* The agent froze with the request in its socket: the client gave up;
 * thawed a second later, the agent refuses the old request instead of
 * signing a command for it. */
static void test_frozen_agent_never_grants_late(void **state)
{
	struct fixture *f = *state;
	struct harness_msg *m;

	assert_int_equal(kill(f->s.agent.pid, SIGSTOP), 0);
	assert_int_equal(CTL(f, "--enrol", f->owner, "--timeout", "3", "unlock"), 4);
	assert_int_equal(kill(f->s.agent.pid, SIGCONT), 0);
	assert_int_equal(harness_wait_file_contains(f->audit, "\"reason\":\"expired\"",
			STACK_WAIT), 0);
	m = harness_client_wait(f->watch, "smartlock/" STACK_LOCK "/lock", QUIET_MS);
	if (m) {
		fprintf(stderr, "a command went to the lock: %.*s\n", (int)m->len, (const char *)m->payload);
		fail();
	}
	assert_no_unlock(f, 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_frozen_lock_never_moves_late, up, down),
		cmocka_unit_test_setup_teardown(test_frozen_agent_never_grants_late, up, down),
	};
	int rc;

	harness_init();
	setenv("LC_ALL", "C.UTF-8", 1);
	if (!stack_programs_built()) {
		fprintf(stdout, "# the agent or lockd is not built: skipped\n");
		harness_cleanup();
		return 77;
	}
	rc = cmocka_run_group_tests_name("deadlines", tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
