/* test_ratelimit.c - per-account buckets, per-role size, drop reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"

struct seen {
	int n;
	char user[8][SL_NAME_MAX + 1];
	uint64_t rate[8], size[8];
};

static void collect(void *ctx, const struct limits_report *r)
{
	struct seen *s = ctx;

	if (s->n == 8)
		return;
	snprintf(s->user[s->n], sizeof(s->user[0]), "%s", r->user);
	s->rate[s->n] = r->rate_dropped;
	s->size[s->n] = r->size_dropped;
	s->n++;
}

static void squats(void *ctx, const struct limits_report *r)
{
	struct seen *s = ctx;

	assert_string_equal(r->user, "gina");
	assert_true(r->squat_refused == 2 && r->rate_dropped == 0);
	assert_string_equal(r->last_id, "lockd-front-door");
	s->n++;
}

static void test_flood_is_one_accounts_problem(void **state)
{
	struct limits *l = limits_create();
	struct limits_config c;
	struct seen s = {0};
	int passed = 0;

	(void)state;
	assert_non_null(l);
	limits_config_defaults(&c);
	/* a guest at full speed for one second: the burst and the rate pass */
	for (int i = 0; i < 10000; i++)
		passed += limits_check(l, &c, "gina", SL_PW_GUEST, 100, 1000 + i / 10) ==
			LIMITS_PASS;
	assert_in_range(passed, 20 + 4, 20 + 5);
	/* the owner, every 100 ms meanwhile, is never dropped */
	for (int i = 0; i < 100; i++)
		assert_int_equal(limits_check(l, &c, "olga", SL_PW_OWNER, 200, 1000 + i * 100),
				LIMITS_PASS);
	/* daemons are never limited */
	for (int i = 0; i < 1000; i++)
		assert_int_equal(limits_check(l, &c, "agent", SL_PW_AGENT, 100000, 1000),
				LIMITS_PASS);
	/* size per role: over 4096 bytes dropped for people */
	assert_int_equal(limits_check(l, &c, "rita", SL_PW_RESIDENT, 4097, 2000),
			LIMITS_DROP_SIZE);
	assert_int_equal(limits_check(l, &c, "rita", SL_PW_RESIDENT, 4096, 2000), LIMITS_PASS);
	/* one report per account once the window has passed */
	limits_flush(l, 1000 + c.report_ms - 1, c.report_ms, false, collect, &s);
	assert_int_equal(s.n, 0);
	limits_flush(l, 2000 + c.report_ms, c.report_ms, false, collect, &s);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < s.n; i++) {
		if (strcmp(s.user[i], "gina") == 0)
			assert_true(s.rate[i] == (uint64_t)(10000 - passed) && s.size[i] == 0);
		else
			assert_true(strcmp(s.user[i], "rita") == 0 && s.size[i] == 1 && s.rate[i] == 0);
	}
	/* reported counts are forgotten */
	limits_flush(l, 100000, c.report_ms, true, collect, &s);
	assert_int_equal(s.n, 2);
	/* the bucket refills: after 4 s idle the guest may send 20 again */
	passed = 0;
	for (int i = 0; i < 30; i++)
		passed += limits_check(l, &c, "gina", SL_PW_GUEST, 100, 200000) == LIMITS_PASS;
	assert_int_equal(passed, 20);
	/* refused reserved client ids are reported with the last id */
	limits_flush(l, 299999, c.report_ms, true, collect, &s);
	limits_note_squat(l, "gina", SL_PW_GUEST, "smartlock-agent", 300000);
	limits_note_squat(l, "gina", SL_PW_GUEST, "lockd-front-door", 300001);
	s.n = 0;
	limits_flush(l, 300000 + c.report_ms, c.report_ms, false, squats, &s);
	assert_int_equal(s.n, 1);
	limits_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_is_one_accounts_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
