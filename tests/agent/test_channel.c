/* test_channel.c - the alert channels' rate limit: a flood is a few runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "channel.h"

static void test_rate_window(void **state)
{
	struct channel_rate r = {0};
	int taken = 0;

	(void)state;
	/* 1,000 alerts in one second, 3 allowed a minute */
	for (int i = 0; i < 1000; i++)
		taken += channel_rate_take(&r, 5000 + i, 3, 60000);
	assert_int_equal(taken, 3);
	/* still inside the window that began at the first take */
	assert_false(channel_rate_take(&r, 5000 + 59999, 3, 60000));
	/* the window is over: a new one begins */
	assert_true(channel_rate_take(&r, 5000 + 60000, 3, 60000));
	assert_true(channel_rate_take(&r, 5000 + 60001, 3, 60000));
	assert_true(channel_rate_take(&r, 5000 + 60002, 3, 60000));
	assert_false(channel_rate_take(&r, 5000 + 60003, 3, 60000));
}

static void test_rate_quiet_then_burst(void **state)
{
	struct channel_rate r = {0};

	(void)state;
	/* the first take starts a window even at time 0 */
	assert_true(channel_rate_take(&r, 0, 1, 1000));
	assert_false(channel_rate_take(&r, 999, 1, 1000));
	/* after a long quiet the window starts at the new alert, not at a
	 * multiple of the window length */
	assert_true(channel_rate_take(&r, 123456, 1, 1000));
	assert_false(channel_rate_take(&r, 124455, 1, 1000));
	assert_true(channel_rate_take(&r, 124456, 1, 1000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_window),
		cmocka_unit_test(test_rate_quiet_then_burst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
