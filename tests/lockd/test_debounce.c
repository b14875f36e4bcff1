/* test_debounce.c - the quiet-period debouncer of the sensor inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "debounce.h"

static void change_is_believed_after_the_quiet_period(void **state)
{
	struct debounce d;
	bool level = false;

	(void)state;
	debounce_init(&d, 50, false);
	assert_int_equal(debounce_deadline(&d), DEBOUNCE_NO_DEADLINE);
	assert_false(debounce_poll(&d, 1000, &level));
	debounce_feed(&d, true, 100);
	assert_int_equal(debounce_deadline(&d), 150);
	assert_false(debounce_poll(&d, 149, &level));
	assert_true(debounce_poll(&d, 150, &level));
	assert_true(level);
	assert_false(debounce_poll(&d, 151, &level));
	assert_int_equal(debounce_deadline(&d), DEBOUNCE_NO_DEADLINE);
}

static void bounce_back_cancels(void **state)
{
	struct debounce d;
	bool level;

	(void)state;
	debounce_init(&d, 50, true);
	debounce_feed(&d, false, 0);
	debounce_feed(&d, true, 10);
	assert_int_equal(debounce_deadline(&d), DEBOUNCE_NO_DEADLINE);
	assert_false(debounce_poll(&d, 100, &level));
}

static void every_edge_restarts_the_period(void **state)
{
	struct debounce d;
	bool level;

	(void)state;
	debounce_init(&d, 50, false);
	debounce_feed(&d, true, 0);
	debounce_feed(&d, true, 40);
	assert_false(debounce_poll(&d, 60, &level));
	assert_true(debounce_poll(&d, 90, &level));
	assert_true(level);
}

static void zero_means_at_once(void **state)
{
	struct debounce d;
	bool level = true;

	(void)state;
	debounce_init(&d, 0, true);
	debounce_feed(&d, false, 7);
	assert_true(debounce_poll(&d, 7, &level));
	assert_false(level);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(change_is_believed_after_the_quiet_period),
		cmocka_unit_test(bounce_back_cancels),
		cmocka_unit_test(every_edge_restarts_the_period),
		cmocka_unit_test(zero_means_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
