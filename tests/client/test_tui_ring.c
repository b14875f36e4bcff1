/* test_tui_ring.c - the console's bounded ring buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ring.h"

static void test_push_and_drop_oldest(void **state)
{
	struct ring r;
	int v;

	(void)state;
	assert_true(ring_init(&r, sizeof(int), 3));
	assert_null(ring_at(&r, 0));
	for (v = 1; v <= 5; v++)
		assert_non_null(ring_push(&r, &v));
	assert_int_equal(ring_count(&r), 3);
	assert_true(ring_full(&r));
	assert_int_equal(r.dropped, 2);
	assert_int_equal(*(int *)ring_at(&r, 0), 3);           /* oldest */
	assert_int_equal(*(int *)ring_at(&r, 2), 5);
	assert_int_equal(*(int *)ring_from_newest(&r, 0), 5);
	assert_int_equal(*(int *)ring_from_newest(&r, 2), 3);
	assert_null(ring_at(&r, 3));
	assert_null(ring_from_newest(&r, 3));
	ring_clear(&r);
	assert_int_equal(ring_count(&r), 0);
	ring_finish(&r);
}

static void test_push_front_never_evicts(void **state)
{
	struct ring r;
	int v;

	(void)state;
	assert_true(ring_init(&r, sizeof(int), 3));
	v = 10;
	ring_push(&r, &v);
	v = 9;
	assert_non_null(ring_push_front(&r, &v));
	v = 8;
	assert_non_null(ring_push_front(&r, &v));
	v = 7;
	assert_null(ring_push_front(&r, &v));                   /* full: history waits */
	assert_int_equal(*(int *)ring_at(&r, 0), 8);
	assert_int_equal(*(int *)ring_at(&r, 2), 10);
	v = 11;
	ring_push(&r, &v);                                      /* live still flows */
	assert_int_equal(*(int *)ring_at(&r, 0), 9);
	assert_int_equal(*(int *)ring_from_newest(&r, 0), 11);
	ring_finish(&r);
}

static void test_bad_sizes(void **state)
{
	struct ring r;

	(void)state;
	assert_false(ring_init(&r, 0, 3));
	assert_false(ring_init(&r, 4, 0));
	assert_false(ring_init(&r, SIZE_MAX / 2, 4));
}

static void test_wraps_many_times(void **state)
{
	struct ring r;

	(void)state;
	assert_true(ring_init(&r, sizeof(uint64_t), 1000));
	for (uint64_t i = 0; i < 100000; i++)
		ring_push(&r, &i);
	assert_int_equal(ring_count(&r), 1000);
	for (size_t i = 0; i < 1000; i++)
		assert_int_equal(*(uint64_t *)ring_at(&r, i), 99000 + i);
	ring_finish(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_push_and_drop_oldest),
		cmocka_unit_test(test_push_front_never_evicts),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_wraps_many_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
