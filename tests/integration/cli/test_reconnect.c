/* test_reconnect.c - clients come back after the broker does: smartlockctl
 * watch over TLS (a site made by smartlockctl init) and over the Unix
 * socket across a broker SIGKILL and restart, and a client started while
 * the broker is down sleeps until it returns instead of burning a core.
 * Lock presence across broker events: a lock session the broker drops
 * without a last will is offline at once; a clean broker restart raises no
 * offline alert. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

#include "client.h"
#include "stack.h"

/* A client's backoff is capped at CLIENT_RECONNECT_MAX_S: it is back within
 * that (plus the handshake) of the broker. */
#define BACK_MS (CLIENT_RECONNECT_MAX_S * 1000 + 2000)

struct fixture {
	struct stack s;
	char owner[HARNESS_PATH_MAX];
	bool tls;
};

static int site(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int rc;

	if (!stack_programs_built())
		return -1;
	assert_non_null(f);
	*state = f;
	rc = stack_site_up(&f->s);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
	f->tls = true;
	stack_enrol(&f->s, STACK_OWNER, f->owner, sizeof(f->owner));
	return 0;
}

static int plain(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!stack_programs_built())
		return -1;
	assert_non_null(f);
	*state = f;
	assert_int_equal(stack_up(&f->s, NULL, NULL), 0);
	stack_enrol(&f->s, STACK_OWNER, f->owner, sizeof(f->owner));
	return 0;
}

static int down(void **state)
{
	struct fixture *f = *state;

	stack_thaw(&f->s);
	stack_teardown(&f->s);
	free(f);
	return 0;
}

/* Wait until the file has needle after its first skip bytes. 0 or -1. */
static int wait_after(const char *path, size_t skip, const char *needle, int ms)
{
	int64_t end = time_mono_ms() + ms;
	const struct timespec tick = {0, 20000000};

	for (;;) {
		char *text = harness_read_file(path);
		bool found = text && strlen(text) > skip && strstr(text + skip, needle);

		free(text);
		if (found)
			return 0;
		if (time_mono_ms() >= end)
			return -1;
		nanosleep(&tick, NULL);
	}
}

static size_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

static int broker_stop(struct fixture *f, int sig)
{
	if (f->tls)
		return stack_site_broker_stop(&f->s, sig);
	harness_broker_stop(&f->s.broker);
	return 0;
}

static int broker_start(struct fixture *f)
{
	if (f->tls)
		return stack_site_broker_start(&f->s);
	return harness_broker_restart(&f->s.broker);
}

/* watch sees the broker die (SIGKILL) and connects again once it is back. */
static void watch_reconnects(struct fixture *f)
{
	char out[HARNESS_PATH_MAX], err[HARNESS_PATH_MAX];
	struct harness_proc w;
	int64_t t0;

	assert_int_equal(stack_ctl_start(&f->s, (const char *const[]){"--enrol", f->owner,
			"watch", NULL}, &w, out, err), 0);
	assert_int_equal(harness_wait_file_contains(out, "state", STACK_WAIT), 0);
	assert_int_equal(broker_stop(f, SIGKILL), 0);
	assert_int_equal(harness_wait_file_contains(err, "lost the broker", STACK_WAIT), 0);
	assert_int_equal(broker_start(f), 0);
	t0 = time_mono_ms();
	if (harness_wait_file_contains(err, "connected again", BACK_MS) != 0) {
		char *text = harness_read_file(err);

		fprintf(stderr, "watch did not reconnect; its stderr:\n%s\n", text ? text : "");
		free(text);
		fail();
	}
	fprintf(stdout, "# reconnected %lld ms after the broker\n",
			(long long)(time_mono_ms() - t0));
	assert_true(harness_proc_alive(&w));
	assert_int_equal(harness_proc_stop(&w, SIGTERM, 5000), 0);
}

static void test_watch_reconnects_tls(void **state)
{
	watch_reconnects(*state);
}

static void test_watch_reconnects_socket(void **state)
{
	watch_reconnects(*state);
}

static int64_t cpu_ms(const struct rusage *r)
{
	return (int64_t)r->ru_utime.tv_sec * 1000 + r->ru_utime.tv_usec / 1000 +
			(int64_t)r->ru_stime.tv_sec * 1000 + r->ru_stime.tv_usec / 1000;
}

/* The broker is down when `status` starts and back 1.5 s later: the client
 * waits, sleeping, connects and gets its answer; its CPU time (getrusage of
 * the reaped child) stays under 10 % of the wait. */
static void client_waits_for_the_broker(struct fixture *f)
{
	char out[HARNESS_PATH_MAX], err[HARNESS_PATH_MAX];
	const struct timespec outage = {1, 500000000};
	struct rusage before, after;
	struct harness_proc p;
	int64_t t0, wall, cpu;

	assert_int_equal(broker_stop(f, SIGKILL), 0);
	assert_int_equal(getrusage(RUSAGE_CHILDREN, &before), 0);
	t0 = time_mono_ms();
	assert_int_equal(stack_ctl_start(&f->s, (const char *const[]){"--enrol", f->owner,
			"--timeout", "12", "status", NULL}, &p, out, err), 0);
	/* the outage is the test's input, not a wait for an event */
	nanosleep(&outage, NULL);
	assert_true(harness_proc_alive(&p));
	assert_int_equal(broker_start(f), 0);
	assert_int_equal(harness_proc_wait(&p, 20000), 0);
	wall = time_mono_ms() - t0;
	assert_int_equal(getrusage(RUSAGE_CHILDREN, &after), 0);
	cpu = cpu_ms(&after) - cpu_ms(&before);
	fprintf(stdout, "# status over %s: exit %d after %lld ms, %lld ms of CPU\n",
			f->tls ? "TLS" : "the socket", WIFEXITED(p.status) ?
			WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status), (long long)wall,
			(long long)cpu);
	/* an answer: the state, or lock-offline when the agent is back before
	 * the lock */
	if (!WIFEXITED(p.status) || (WEXITSTATUS(p.status) != 0 &&
			WEXITSTATUS(p.status) != 5)) {
		char *text = harness_read_file(err);

		fprintf(stderr, "status: %s\n", text ? text : "");
		free(text);
		fail();
	}
	assert_true(cpu * 10 < wall);
}

/* The agent and the lock come back with the broker: the answer is the
 * state. */
static void test_tls_client_sleeps_until_the_broker_returns(void **state)
{
	client_waits_for_the_broker(*state);
}

static void test_socket_client_sleeps_until_the_broker_returns(void **state)
{
	client_waits_for_the_broker(*state);
}

/* The broker drops every session without a last will (the plugin's
 * password file broke) while the lock is frozen: once the file is good
 * again, the agent must not take the lock's old retained "online" for the
 * truth. */
static void test_kicked_lock_is_offline(void **state)
{
	struct fixture *f = *state;
	char path[HARNESS_PATH_MAX + 16], *text, *err = NULL;
	struct stat st;
	int rc;

	snprintf(path, sizeof(path), "%s/passwd", f->s.site_dir);
	text = harness_read_file(path);
	assert_non_null(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(kill(f->s.lockd.pid, SIGSTOP), 0);
	assert_int_equal(harness_write_file(path, "not a password file\n", st.st_mode & 07777), 0);
	assert_int_equal(harness_wait_file_contains(f->s.agent_log, "lost the broker connection",
			STACK_WAIT), 0);
	assert_int_equal(harness_write_file(path, text, st.st_mode & 07777), 0);
	free(text);
	assert_int_equal(harness_wait_file_contains(f->s.agent_log, "reconnected and resubscribed",
			STACK_WAIT), 0);
	rc = stack_ctl(&f->s, (const char *const[]){"--enrol", f->owner, "status", NULL},
			30000, NULL, &err);
	if (rc != 5)
		fprintf(stderr, "status: exit %d: %s\n", rc, err ? err : "");
	free(err);
	assert_int_equal(rc, 5);
	assert_int_equal(kill(f->s.lockd.pid, SIGCONT), 0);
}

/* SIGTERM makes the broker send every client's last will as it shuts
 * down: the lock's is no news, and no offline (or back online) alert may
 * come of it. */
static void test_clean_broker_restart_raises_no_offline_alert(void **state)
{
	struct fixture *f = *state;
	size_t before = file_size(f->s.agent_log);
	char *log;

	assert_int_equal(broker_stop(f, SIGTERM), 0);
	assert_int_equal(broker_start(f), 0);
	assert_int_equal(wait_after(f->s.agent_log, before, "reconnected and resubscribed",
			STACK_WAIT), 0);
	/* the lock back: its first heartbeat after the restart */
	assert_int_equal(wait_after(f->s.agent_log, before, "is online", STACK_WAIT), 0);
	log = harness_read_file(f->s.agent_log);
	assert_non_null(log);
	if (strstr(log, "alert lock-offline") || strstr(log, "alert lock-online")) {
		fprintf(stderr, "the agent alerted:\n%s\n", log);
		free(log);
		fail();
	}
	free(log);
}

int main(void)
{
	const struct CMUnitTest site_tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_reconnects_tls, site, down),
		cmocka_unit_test_setup_teardown(test_tls_client_sleeps_until_the_broker_returns,
				site, down),
		cmocka_unit_test_setup_teardown(test_kicked_lock_is_offline, site, down),
		cmocka_unit_test_setup_teardown(test_clean_broker_restart_raises_no_offline_alert,
				site, down),
	};
	const struct CMUnitTest plain_tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_reconnects_socket, plain, down),
		cmocka_unit_test_setup_teardown(test_socket_client_sleeps_until_the_broker_returns,
				plain, down),
	};
	int rc;

	harness_init();
	setenv("LC_ALL", "C.UTF-8", 1);
	if (!stack_programs_built()) {
		fprintf(stdout, "# the agent or lockd is not built: skipped\n");
		harness_cleanup();
		return 77;
	}
	rc = cmocka_run_group_tests_name("over the Unix socket", plain_tests, NULL, NULL);
	rc |= cmocka_run_group_tests_name("over TLS (site made by smartlockctl init)",
			site_tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
