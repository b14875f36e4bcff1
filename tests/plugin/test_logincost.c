/* test_logincost.c - the failed-login hashing budget and the login cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "logincost.h"

static void test_budget(void **state)
{
	struct logincost *lc = calloc(1, sizeof(*lc));
	struct logincost_config c;

	(void)state;
	assert_non_null(lc);
	logincost_config_defaults(&c);
	assert_int_equal(logincost_init(lc, &c, 1000), 0);
	/* one failed check of 48 ms, then none until 10 ms a second paid it back */
	assert_true(logincost_may_hash(lc, 1000));
	logincost_spent(lc, 48000000);
	assert_false(logincost_may_hash(lc, 1000));
	assert_false(logincost_may_hash(lc, 1000 + 4799));
	assert_true(logincost_may_hash(lc, 1000 + 4800));
	/* nothing is saved up beyond the burst (0) */
	assert_true(logincost_may_hash(lc, 1000000));
	logincost_spent(lc, 1000000);
	assert_false(logincost_may_hash(lc, 1000000));
	/* with a burst, checks may run ahead of it */
	c.burst_ms = 100;
	assert_int_equal(logincost_init(lc, &c, 0), 0);
	logincost_spent(lc, 48000000);
	assert_true(logincost_may_hash(lc, 0));
	logincost_spent(lc, 48000000);
	assert_true(logincost_may_hash(lc, 0));
	logincost_spent(lc, 48000000);
	assert_false(logincost_may_hash(lc, 0));
	free(lc);
}

static void test_cache(void **state)
{
	struct logincost *lc = calloc(1, sizeof(*lc));
	struct logincost_config c;
	const char *h = "$pbkdf2-sha512$1000$salt$key";

	(void)state;
	assert_non_null(lc);
	logincost_config_defaults(&c);
	assert_int_equal(logincost_init(lc, &c, 0), 0);
	assert_false(logincost_known(lc, "olga", h, "pw-olga", 10));
	logincost_remember(lc, "olga", h, "pw-olga", 10);
	assert_true(logincost_known(lc, "olga", h, "pw-olga", 20));
	/* another password, another stored hash, another user: not known */
	assert_false(logincost_known(lc, "olga", h, "pw-olgb", 20));
	assert_false(logincost_known(lc, "olga", "$pbkdf2-sha512$1000$salt$other", "pw-olga", 20));
	assert_false(logincost_known(lc, "rita", h, "pw-olga", 20));
	/* it expires, and can be forgotten */
	assert_false(logincost_known(lc, "olga", h, "pw-olga", 10 + c.ttl_ms));
	logincost_remember(lc, "olga", h, "pw-olga", 10);
	logincost_forget(lc);
	assert_false(logincost_known(lc, "olga", h, "pw-olga", 20));
	free(lc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
