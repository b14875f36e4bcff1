/* test_schedule.c - the weekly schedule: parsing, canonical text, edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smartlock/schedule.h"

/* Local time -> ms, in the zone of the test (TZ set in main). */
static int64_t local_ms(int year, int mon, int mday, int hour, int min, int sec)
{
	struct tm tm = {0};

	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static void test_parse_and_format(void **state)
{
	static const struct {
		const char *in, *canonical;
	} cases[] = {
		{"", ""},
		{"   ", ""},
		{"Mo-Fr 08:00-18:00", "Mo-Fr 08:00-18:00"},
		{"Mo-Fr 08:00-18:00; Sa 10:00-12:00", "Mo-Fr 08:00-18:00; Sa 10:00-12:00"},
		{"sa,su 09:00-18:00", "Sa,Su 09:00-18:00"},
		{"Sa 10:00-12:00,14:00-16:00", "Sa 10:00-12:00,14:00-16:00"},
		{"Fr-Mo 00:00-24:00", "Mo,Fr-Su 00:00-24:00"},
		{"Mo , We - Fr 07:30 - 08:15", "Mo,We-Fr 07:30-08:15"},
		{"Tu,Th 23:59-24:00", "Tu,Th 23:59-24:00"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_schedule s, again;
		char buf[SL_SCHEDULE_TEXT_MAX];
		char msg[96];

		assert_int_equal(schedule_parse(cases[i].in, &s, msg, sizeof(msg)), SL_OK);
		assert_int_equal(schedule_format(&s, buf, sizeof(buf)), SL_OK);
		assert_string_equal(buf, cases[i].canonical);
		/* canonical text parses back to the same rules */
		assert_int_equal(schedule_parse(buf, &again, NULL, 0), SL_OK);
		assert_int_equal(again.count, s.count);
		assert_memory_equal(again.rules, s.rules, s.count * sizeof(s.rules[0]));
	}
}

static void test_parse_errors(void **state)
{
	static const char *const bad[] = {
		"Mo", "08:00-09:00", "Xx 08:00-09:00", "Mo 08:00", "Mo 08:00-",
		"Mo 18:00-08:00", "Mo 08:00-08:00", "Mo 24:00-24:00", "Mo 25:00-26:00",
		"Mo 08:60-09:00", "Mo 8:00-9:00", "Mo 08:00-09:00;", "Mo 08:00-09:00 x",
		"Mo08:00-09:00", "Mo- 08:00-09:00", "Mo 08:00-09:00,", "Mon 08:00-09:00",
		"Mo 24:01-24:02",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_schedule s;
		char msg[96] = "";

		assert_int_not_equal(schedule_parse(bad[i], &s, msg, sizeof(msg)), SL_OK);
		assert_true(msg[0] != '\0');
		assert_int_equal(s.count, 0);
	}
}

static void test_too_long_and_too_many(void **state)
{
	char text[200];
	struct sl_schedule s;

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "Mo 00:01-00:02");
	for (int i = 0; i < 8; i++)
		strcat(text, ",01:00-02:00");
	assert_int_equal(schedule_parse(text, &s, NULL, 0), SL_ERR_TOO_LONG);
	/* the longest accepted text still fits the rule table */
	assert_int_equal(schedule_parse("Mo 00:00-00:01,00:01-00:02,00:02-00:03,"
			"00:03-00:04,00:04-00:05,00:05-00:06,00:06-00:07", &s, NULL, 0), SL_OK);
	assert_int_equal(s.count, 7);
}

static void test_edges(void **state)
{
	struct sl_schedule s;

	(void)state;
	/* 2026-11-20 is a Friday, 2026-11-21 a Saturday */
	assert_int_equal(schedule_parse("Mo-Fr 08:00-18:00; Sa 10:00-12:00", &s, NULL, 0), SL_OK);
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 20, 7, 59, 59)));
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 20, 8, 0, 0)));
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 20, 17, 59, 59)));
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 20, 18, 0, 0)));
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 21, 9, 59, 59)));
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 21, 10, 0, 0)));
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 21, 12, 0, 0)));
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 22, 11, 0, 0)));  /* Sunday */
	/* next opening: Friday evening -> Saturday 10:00; Saturday noon -> Monday 08:00 */
	assert_true(schedule_next_open(&s, local_ms(2026, 11, 20, 18, 0, 0)) ==
			local_ms(2026, 11, 21, 10, 0, 0));
	assert_true(schedule_next_open(&s, local_ms(2026, 11, 21, 12, 0, 0)) ==
			local_ms(2026, 11, 23, 8, 0, 0));
	assert_true(schedule_next_open(&s, local_ms(2026, 11, 20, 9, 0, 0)) ==
			local_ms(2026, 11, 20, 9, 0, 0));
	/* empty = any time */
	assert_int_equal(schedule_parse("", &s, NULL, 0), SL_OK);
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 22, 3, 0, 0)));
	/* the end of the day */
	assert_int_equal(schedule_parse("Su 23:00-24:00", &s, NULL, 0), SL_OK);
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 22, 23, 59, 59)));
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 23, 0, 0, 0)));
	/* a wrapping day range */
	assert_int_equal(schedule_parse("Sa-Mo 12:00-13:00", &s, NULL, 0), SL_OK);
	assert_true(schedule_is_open(&s, local_ms(2026, 11, 23, 12, 30, 0)));   /* Monday */
	assert_false(schedule_is_open(&s, local_ms(2026, 11, 24, 12, 30, 0)));  /* Tuesday */
}

static void test_time_zone(void **state)
{
	struct sl_schedule s;
	/* 2026-11-21 09:30 UTC is a Saturday */
	int64_t t = INT64_C(1795253400000);
	char buf[32];

	(void)state;
	assert_int_equal(schedule_parse("Sa 10:00-11:00", &s, NULL, 0), SL_OK);
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_false(schedule_is_open(&s, t));
	assert_string_equal(schedule_format_local(t, buf, sizeof(buf)), "Sat 09:30");
	setenv("TZ", "CET-1", 1);       /* one hour ahead: 10:30 local */
	tzset();
	assert_true(schedule_is_open(&s, t));
	assert_string_equal(schedule_format_local(t, buf, sizeof(buf)), "Sat 10:30");
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_true(schedule_next_open(&s, t) == t + 30 * 60 * 1000);
}

static void test_dst(void **state)
{
	struct sl_schedule s;

	(void)state;
	/* Europe: DST ended 2026-10-25 at 03:00 CEST; a Sunday 02:30 rule still
	 * opens once, at local 02:30 */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	assert_int_equal(schedule_parse("Su 09:00-10:00", &s, NULL, 0), SL_OK);
	assert_true(schedule_next_open(&s, local_ms(2026, 10, 24, 12, 0, 0)) ==
			local_ms(2026, 10, 25, 9, 0, 0));
	assert_true(schedule_is_open(&s, local_ms(2026, 10, 25, 9, 30, 0)));
	setenv("TZ", "UTC0", 1);
	tzset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_and_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_too_long_and_too_many),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_time_zone),
		cmocka_unit_test(test_dst),
	};

	setenv("TZ", "UTC0", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
