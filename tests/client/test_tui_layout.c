/* test_tui_layout.c - the dashboard's rectangles at 80x24 and beyond. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "layout.h"

static void assert_inside(const struct rect *r, int rows, int cols)
{
	assert_true(r->y >= 0 && r->x >= 0 && r->h > 0 && r->w > 0);
	assert_true(r->y + r->h <= rows);
	assert_true(r->x + r->w <= cols);
}

static void check(int rows, int cols, bool has_log)
{
	struct layout l;

	layout_compute(&l, rows, cols, has_log);
	assert_false(l.too_small);
	assert_inside(&l.title, rows, cols);
	assert_inside(&l.lock, rows, cols);
	assert_inside(&l.health, rows, cols);
	assert_inside(&l.alerts, rows, cols);
	assert_inside(&l.message, rows, cols);
	assert_inside(&l.keybar, rows, cols);
	/* the lock panel has room for three rows of big letters and two lines */
	assert_true(l.lock.h >= 8);
	assert_true(l.lock.w >= 40);
	assert_int_equal(l.lock.x + l.lock.w, l.health.x);
	assert_int_equal(l.health.x + l.health.w, cols);
	/* stacked without gaps or overlaps, to the message line */
	assert_int_equal(l.alerts.y, l.lock.y + l.lock.h);
	if (has_log) {
		assert_inside(&l.log, rows, cols);
		assert_int_equal(l.log.y, l.alerts.y + l.alerts.h);
		assert_int_equal(l.log.y + l.log.h, l.message.y);
		assert_true(l.log.h >= 8);
		assert_true(l.alerts.h >= 5);
	} else {
		assert_int_equal(l.alerts.y + l.alerts.h, l.message.y);
	}
	assert_int_equal(l.keybar.y, rows - 1);
}

static void test_sizes(void **state)
{
	(void)state;
	for (int rows = 24; rows <= 80; rows += 7)
		for (int cols = 80; cols <= 250; cols += 17) {
			check(rows, cols, true);
			check(rows, cols, false);
		}
}

static void test_too_small(void **state)
{
	struct layout l;

	(void)state;
	layout_compute(&l, 23, 80, true);
	assert_true(l.too_small);
	layout_compute(&l, 24, 79, true);
	assert_true(l.too_small);
	layout_compute(&l, 0, 0, false);
	assert_true(l.too_small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
