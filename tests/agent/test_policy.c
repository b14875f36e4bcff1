/* test_policy.c - role policy: status, locks, guest window, schedule, uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy.h"

#define NOW INT64_C(1795253400000)      /* Sat 2026-11-21 09:30 UTC */

static struct sl_user user(enum sl_role role)
{
	struct sl_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "u");
	u.role = role;
	snprintf(u.locks, sizeof(u.locks), "*");
	return u;
}

static enum sl_reason check(const struct sl_user *u, enum sl_action a, int64_t now,
		int64_t uses, int64_t *until)
{
	struct policy_verdict v;

	policy_check(u, "front-door", a, now, uses, &v);
	if (until)
		*until = v.until;
	if (v.reason != SL_REASON_NONE)
		assert_true(v.msg[0] != '\0');
	return v.reason;
}

static void test_roles_and_status(void **state)
{
	struct sl_user u = user(SL_ROLE_OWNER);

	(void)state;
	assert_int_equal(check(&u, SL_ACTION_UNLOCK, NOW, 99, NULL), SL_REASON_NONE);
	u.status = SL_USER_DISABLED;
	assert_int_equal(check(&u, SL_ACTION_STATUS, NOW, 0, NULL), SL_REASON_DISABLED);
	u.status = SL_USER_REVOKED;
	assert_int_equal(check(&u, SL_ACTION_LOCK, NOW, 0, NULL), SL_REASON_REVOKED);
	u = user(SL_ROLE_RESIDENT);
	/* window, schedule and uses bind guests only */
	u.until = NOW - 1;
	u.max_uses = 1;
	snprintf(u.schedule, sizeof(u.schedule), "Mo 00:00-00:01");
	assert_int_equal(check(&u, SL_ACTION_UNLOCK, NOW, 5, NULL), SL_REASON_NONE);
	snprintf(u.locks, sizeof(u.locks), "back-door,garage");
	assert_int_equal(check(&u, SL_ACTION_UNLOCK, NOW, 0, NULL), SL_REASON_NOT_PERMITTED);
	snprintf(u.locks, sizeof(u.locks), "garage,front-door");
	assert_int_equal(check(&u, SL_ACTION_UNLOCK, NOW, 0, NULL), SL_REASON_NONE);
}

static void test_guest_window(void **state)
{
	struct sl_user g = user(SL_ROLE_GUEST);
	int64_t until;

	(void)state;
	g.from = NOW + 1;
	g.until = NOW + 1000;
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW, 0, &until), SL_REASON_OUTSIDE_WINDOW);
	assert_true(until == NOW + 1);
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW + 1, 0, NULL), SL_REASON_NONE);
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW + 999, 0, NULL), SL_REASON_NONE);
	assert_int_equal(check(&g, SL_ACTION_LOCK, NOW + 1000, 0, &until),
			SL_REASON_OUTSIDE_WINDOW);
	assert_true(until == 0);
}

static void test_guest_schedule_and_uses(void **state)
{
	struct sl_user g = user(SL_ROLE_GUEST);
	int64_t until;

	(void)state;
	snprintf(g.schedule, sizeof(g.schedule), "Sa 10:00-12:00");
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW, 0, &until), SL_REASON_OUTSIDE_SCHEDULE);
	assert_true(until == NOW + 30 * 60000);
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW + 30 * 60000, 0, NULL), SL_REASON_NONE);
	/* a window that ends before the next opening: no "until" */
	g.until = NOW + 60000;
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW, 0, &until), SL_REASON_OUTSIDE_SCHEDULE);
	assert_true(until == 0);
	g = user(SL_ROLE_GUEST);
	g.max_uses = 2;
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW, 1, NULL), SL_REASON_NONE);
	assert_int_equal(check(&g, SL_ACTION_UNLOCK, NOW, 2, NULL), SL_REASON_USES_EXHAUSTED);
	/* locking and status do not use up unlocks */
	assert_int_equal(check(&g, SL_ACTION_LOCK, NOW, 2, NULL), SL_REASON_NONE);
	assert_int_equal(check(&g, SL_ACTION_STATUS, NOW, 2, NULL), SL_REASON_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles_and_status),
		cmocka_unit_test(test_guest_window),
		cmocka_unit_test(test_guest_schedule_and_uses),
	};

	setenv("TZ", "UTC0", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
