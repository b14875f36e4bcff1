/* test_replay.c - the bounded replay cache: new, duplicate, reused, floor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "replay.h"

static void test_verdicts(void **state)
{
	struct replay_cache c;

	(void)state;
	assert_int_equal(replay_init(&c, 8), 0);
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, 100, "mac1", 100, 10000),
			REPLAY_NEW);
	replay_add(&c, "a", REPLAY_KIND_REQUEST, 100, "mac1", 100, 60000);
	/* the same bytes soon after: a QoS 1 duplicate */
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, 100, "mac1", 5000, 10000),
			REPLAY_DUPLICATE);
	/* the same bytes later, or the same id with another MAC: a replay */
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, 100, "mac1", 20000, 10000),
			REPLAY_REUSED);
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, 100, "mac2", 200, 10000),
			REPLAY_REUSED);
	/* another user, or an admin request, has its own ids */
	assert_int_equal(replay_check(&c, "b", REPLAY_KIND_REQUEST, 100, "mac1", 200, 10000),
			REPLAY_NEW);
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_ADMIN, 100, "mac1", 200, 10000),
			REPLAY_NEW);
	replay_finish(&c);
}

static void test_bounded_with_floor(void **state)
{
	struct replay_cache c;

	(void)state;
	assert_int_equal(replay_init(&c, 4), 0);
	for (int64_t t = 1; t <= 6; t++)
		replay_add(&c, "a", REPLAY_KIND_REQUEST, 1000 + t, "m", 1000 + t, 60000);
	assert_int_equal(c.count, 4);
	/* the two dropped live ids are still replays: the floor covers them */
	assert_true(c.floor == 1002);
	/* the ring has wrapped: ids are found at its end and at its start */
	assert_true(c.head == 2);
	for (int64_t t = 1003; t <= 1006; t++) {
		assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, t, "m",
					1010, 100), REPLAY_DUPLICATE);
		assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, t, "other", 1010, 100),
				REPLAY_REUSED);
	}
	assert_int_equal(replay_check(&c, "a", REPLAY_KIND_REQUEST, 1001, "m", 1010, 0),
			REPLAY_REUSED);
	assert_int_equal(replay_check(&c, "z", REPLAY_KIND_REQUEST, 1002, "m", 1010, 0),
			REPLAY_REUSED);
	assert_int_equal(replay_check(&c, "z", REPLAY_KIND_REQUEST, 1003, "m", 1010, 0),
			REPLAY_NEW);
	/* stale entries go first, without raising the floor */
	replay_add(&c, "a", REPLAY_KIND_REQUEST, 200000, "m", 200000, 60000);
	assert_int_equal(c.count, 1);
	assert_true(c.floor == 1002);
	replay_finish(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_bounded_with_floor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
