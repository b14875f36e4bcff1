/* test_guest.c - guests: validity window and weekly schedule edges (in
 * the agent's local time zone), and use limits that survive a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static struct fx_user users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "guest", .role = SL_ROLE_GUEST},
};
#define NUSERS (sizeof(users) / sizeof(users[0]))

static int64_t edge;            /* the wall-clock ms of the edge under test */
static char schedule[64];

static int teardown(void **state)
{
	users[1] = (struct fx_user){.name = "guest", .role = SL_ROLE_GUEST};
	return fx_state_down(state);
}

static int setup_window(void **state)
{
	edge = time_now_ms() + 1500;
	users[1].from = edge;
	users[1].until = edge + 1500;
	return fx_state_up(state, users, NUSERS, NULL);
}

static int setup_uses(void **state)
{
	users[1].max_uses = 2;
	return fx_state_up(state, users, NUSERS, NULL);
}

/* Choose a time zone in which local time is hh:00:00 at a whole second
 * about 1.5 s from now; return that moment. */
static int64_t zone_for_edge(int hh)
{
	int64_t e = (time_now_ms() + 2500) / 1000 * 1000;
	long off = ((long)hh * 3600 - (long)((e / 1000) % 86400)) % 86400;
	char tz[32];

	if (off > 43200)
		off -= 86400;
	if (off <= -43200)
		off += 86400;
	/* POSIX TZ offsets are what to add to local time to get UTC */
	snprintf(tz, sizeof(tz), "SLT%c%02ld:%02ld:%02ld", off >= 0 ? '-' : '+',
			labs(off) / 3600, labs(off) / 60 % 60, labs(off) % 60);
	setenv("TZ", tz, 1);
	tzset();
	return e;
}

static const char *weekday_at(int64_t ms)
{
	static const char names[7][3] = {"Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"};
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	return names[tm.tm_wday];
}

static int setup_schedule_opens(void **state)
{
	edge = zone_for_edge(12);
	snprintf(schedule, sizeof(schedule), "%s 12:00-13:00", weekday_at(edge));
	users[1].schedule = schedule;
	return fx_state_up(state, users, NUSERS, NULL);
}

static int setup_schedule_closes(void **state)
{
	edge = zone_for_edge(13);
	snprintf(schedule, sizeof(schedule), "%s 12:00-13:00", weekday_at(edge));
	users[1].schedule = schedule;
	return fx_state_up(state, users, NUSERS, NULL);
}

static int setup_schedule_other_day(void **state)
{
	(void)zone_for_edge(12);
	/* open all day, every day but today */
	snprintf(schedule, sizeof(schedule), "%s 00:00-24:00",
			weekday_at(time_now_ms() + 86400000));
	users[1].schedule = schedule;
	return fx_state_up(state, users, NUSERS, NULL);
}

static void test_window_edges(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct sl_response r;

	assert_non_null(g);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_OUTSIDE_WINDOW, &r), 0);
	assert_true(r.until == edge);
	assert_true(time_now_ms() < edge);
	assert_non_null(strstr(r.msg, "starts"));
	/* just before the start: still refused */
	fx_wait_until(f, edge - 250);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_STATUS, 0,
				SL_REASON_OUTSIDE_WINDOW, NULL), 0);
	/* from the start on: allowed */
	fx_wait_until(f, edge);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	fx_wait_until(f, edge + 1250);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_STATUS), 0);
	/* until is exclusive */
	fx_wait_until(f, edge + 1500);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_OUTSIDE_WINDOW, &r), 0);
	assert_non_null(strstr(r.msg, "ended"));
	harness_client_destroy(g);
}

static void test_schedule_opens(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct sl_response r;

	assert_non_null(g);
	assert_true(time_now_ms() < edge - 300);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_OUTSIDE_SCHEDULE, &r), 0);
	/* the answer says when it opens: today 12:00 local, i.e. the edge */
	assert_true(r.until == edge);
	assert_non_null(strstr(r.msg, "12:00"));
	fx_wait_until(f, edge);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(g);
}

static void test_schedule_closes(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct sl_response r;

	assert_non_null(g);
	assert_true(time_now_ms() < edge - 300);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	fx_wait_until(f, edge);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_OUTSIDE_SCHEDULE, &r), 0);
	/* next opening: the same day next week, 12:00 */
	assert_true(r.until == edge - 3600000 + INT64_C(7) * 86400000);
	harness_client_destroy(g);
}

static void test_schedule_other_day(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct harness_client *o = fx_client(f, "owner");

	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_OUTSIDE_SCHEDULE, NULL), 0);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_LOCK, 0,
				SL_REASON_OUTSIDE_SCHEDULE, NULL), 0);
	/* schedules are for guests only */
	assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

static void test_uses_exhausted_across_restart(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct sl_response r;

	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, &r), 0);
	assert_non_null(strstr(r.msg, "2"));
	/* locking is still allowed */
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_restart_agent(f), 0);
	harness_client_drain(g);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, NULL), 0);
	harness_client_destroy(g);
}

/* A use is spent only when the lock confirms: an unlock the lock refused
 * and one it never answered give the use back, across a restart too. */
static void test_unconfirmed_unlock_keeps_the_use(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	struct sl_command cmd;
	struct sl_response r;

	assert_non_null(g);
	assert_true(fx_send(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_ERROR, SL_REASON_JAMMED,
				SL_STATE_JAMMED, false), 0);
	assert_int_equal(fx_response(f, g, "guest", &r, FX_WAIT), 0);
	assert_int_equal(r.reason, SL_REASON_JAMMED);
	assert_true(fx_send(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0) > 0);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	/* the lock stays silent */
	assert_int_equal(fx_response(f, g, "guest", &r, FX_WAIT), 0);
	assert_int_equal(r.reason, SL_REASON_TIMEOUT);
	assert_int_equal(fx_wait_log(f, "\"result\":\"refunded\"", FX_WAIT), 0);
	assert_int_equal(fx_restart_agent(f), 0);
	harness_client_drain(g);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_refused(f, g, "guest", NULL, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, NULL), 0);
	harness_client_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_window_edges, setup_window, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_opens, setup_schedule_opens, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_closes, setup_schedule_closes, teardown),
		cmocka_unit_test_setup_teardown(test_schedule_other_day, setup_schedule_other_day,
				teardown),
		cmocka_unit_test_setup_teardown(test_uses_exhausted_across_restart, setup_uses,
				teardown),
		cmocka_unit_test_setup_teardown(test_unconfirmed_unlock_keeps_the_use, setup_uses,
				teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
