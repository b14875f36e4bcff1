/* test_timeutil.c - UTC formatting of known instants and the clocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

static void test_format_known_instants(void **state)
{
	static const struct {
		int64_t ms;
		const char *text;
	} cases[] = {
		{0, "1970-01-01T00:00:00.000Z"},
		{1, "1970-01-01T00:00:00.001Z"},
		{1795000000123, "2026-11-18T11:06:40.123Z"},
		{951868799999, "2000-02-29T23:59:59.999Z"},
		{253402300799999, "9999-12-31T23:59:59.999Z"},
		{-1, "1969-12-31T23:59:59.999Z"},
		{-1000, "1969-12-31T23:59:59.000Z"},
		{-1001, "1969-12-31T23:59:58.999Z"},
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		assert_ptr_equal(time_format_utc(cases[i].ms, buf, sizeof(buf)), buf);
		assert_string_equal(buf, cases[i].text);
	}
}

static void test_format_exact_and_small_buffer(void **state)
{
	char buf[25], small[8];

	(void)state;
	/* 24 characters and the NUL */
	time_format_utc(1795000000123, buf, sizeof(buf));
	assert_string_equal(buf, "2026-11-18T11:06:40.123Z");
	memset(small, 'Z', sizeof(small));
	time_format_utc(1795000000123, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small, "2026-11");
}

static void test_parse_is_the_inverse(void **state)
{
	static const int64_t instants[] = {0, 999, 1795319370533, 951782400000 /* 2000-02-29 */,
		4102444799999 /* 2099-12-31T23:59:59.999 */};
	static const char *const bad[] = {"", "2026-11-22T01:02:03Z", "2026-11-22 01:02:03.456Z",
		"2026-13-01T00:00:00.000Z", "2026-11-22T24:00:00.000Z", "2026-11-22T01:02:03.456",
		"2026-11-22T01:02:03.456Zx", "1969-12-31T23:59:59.999Z", "x026-11-22T01:02:03.456Z"};
	char buf[32];
	int64_t ms = -1;

	(void)state;
	for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
		assert_true(time_parse_utc(time_format_utc(instants[i], buf, sizeof(buf)), &ms));
		assert_int_equal(ms, instants[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -1;
		assert_false(time_parse_utc(bad[i], &ms));
		assert_int_equal(ms, -1);
	}
}

static void test_digits(void **state)
{
	int v = -1;

	(void)state;
	assert_true(time_digits("0459x", 4, &v));
	assert_int_equal(v, 459);
	v = -1;
	assert_false(time_digits("04x9", 4, &v));
	assert_false(time_digits("04", 4, &v));         /* the end is not a digit */
	assert_false(time_digits("-1", 2, &v));
	assert_false(time_digits(" 1", 2, &v));
	assert_int_equal(v, -1);
}

static void test_monotonic_non_decreasing(void **state)
{
	int64_t ms = time_mono_ms(), ns = time_mono_ns();

	(void)state;
	for (int i = 0; i < 100000; i++) {
		int64_t m2 = time_mono_ms(), n2 = time_mono_ns();

		assert_true(m2 >= ms);
		assert_true(n2 >= ns);
		ms = m2;
		ns = n2;
	}
	/* the two monotonic readings agree */
	ms = time_mono_ms();
	ns = time_mono_ns();
	assert_true(ns / 1000000 >= ms);
	assert_true(ns / 1000000 - ms < 1000);
}

static void test_now_is_wall_clock(void **state)
{
	int64_t before = (int64_t)time(NULL) * 1000;
	int64_t now = time_now_ms();
	int64_t after = ((int64_t)time(NULL) + 1) * 1000;

	(void)state;
	assert_true(now >= before);
	assert_true(now <= after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_known_instants),
		cmocka_unit_test(test_format_exact_and_small_buffer),
		cmocka_unit_test(test_parse_is_the_inverse),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_monotonic_non_decreasing),
		cmocka_unit_test(test_now_is_wall_clock),
	};

	return cmocka_run_group_tests_name("timeutil", tests, NULL, NULL);
}
