/* test_text.c - terminal-safe text and the clients' time words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "text.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct clean_case {
	const char *in;
	const char *out;
};

static const struct clean_case clean_cases[] = {
	{"alice", "alice"},
	{"", ""},
	{"caf\xc3\xa9 \xe2\x9c\x93", "caf\xc3\xa9 \xe2\x9c\x93"},      /* é ✓ kept */
	{"\x1b[2J\x1b]0;pwned\x07", "?[2J?]0;pwned?"},                 /* CSI, OSC, BEL */
	{"a\rb\nc\td", "a?b?c?d"},
	{"del\x7f", "del?"},
	{"c1\xc2\x9b" "31m", "c1?31m"},                                 /* U+009B CSI */
	{"c1\xc2\x85", "c1?"},                                          /* NEL */
	{"bidi\xe2\x80\xae" "evil", "bidi?evil"},                          /* RLO */
	{"own\xe2\x80\x8b" "er", "own?er"},                              /* ZWSP */
	{"a\xe2\x81\xa0" "b\xc2\xad" "c", "a?b?c"},                          /* WJ, SHY */
	{"iso\xe2\x81\xa6x", "iso?x"},                                  /* LRI */
	{"sep\xe2\x80\xa8x", "sep?x"},                                  /* LINE SEPARATOR */
	{"bad\xff\xfe", "bad??"},                                       /* invalid bytes */
	{"over\xc0\xaf", "over??"},                                     /* overlong '/' */
	{"sur\xed\xa0\x80", "sur???"},                                  /* surrogate */
	{"cut\xe2\x82", "cut??"},                                       /* truncated */
};

static void test_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(clean_cases); i++) {
		char buf[64];

		strcpy(buf, clean_cases[i].in);
		text_clean(buf);
		assert_string_equal(buf, clean_cases[i].out);
		assert_true(text_is_clean(buf));
		assert_int_equal(text_is_clean(clean_cases[i].in),
				strcmp(clean_cases[i].in, clean_cases[i].out) == 0);
	}
}

static void test_copy_clean(void **state)
{
	char small[6];

	(void)state;
	assert_true(text_copy_clean(small, sizeof(small), "abcde"));
	assert_string_equal(small, "abcde");
	assert_false(text_copy_clean(small, sizeof(small), "abcdef"));
	assert_string_equal(small, "abcde");
	/* never cuts a UTF-8 character in two: "abcd" + é would need 6 bytes */
	assert_false(text_copy_clean(small, sizeof(small), "abcd\xc3\xa9"));
	assert_string_equal(small, "abcd");
	assert_false(text_copy_clean(small, sizeof(small), "\x1b[31mred"));
	assert_string_equal(small, "?[31m");
}

static void test_json_safe(void **state)
{
	char *s;

	(void)state;
	s = text_json_safe("{\"u\":\"\xc2\x9b\xe2\x80\xae ok \xc3\xa9\"}");
	assert_non_null(s);
	assert_string_equal(s, "{\"u\":\"\\u009b\\u202e ok \xc3\xa9\"}");
	free(s);
	s = text_json_safe("\"\xff\"");
	assert_string_equal(s, "\"\\ufffd\"");
	free(s);
}

/* 2026-11-21 is a Saturday. */
static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static void test_when(void **state)
{
	char buf[48];
	int64_t now = utc_ms(2026, 11, 19, 15, 0);      /* Thursday */

	(void)state;
	assert_string_equal(text_when(utc_ms(2026, 11, 19, 18, 30), now, buf, sizeof(buf)), "18:30");
	assert_string_equal(text_when(utc_ms(2026, 11, 21, 9, 0), now, buf, sizeof(buf)),
			"Sat 09:00");
	assert_string_equal(text_when(utc_ms(2026, 11, 18, 9, 0), now, buf, sizeof(buf)),
			"Wed 09:00");
	assert_string_equal(text_when(utc_ms(2026, 12, 12, 9, 0), now, buf, sizeof(buf)),
			"Sat 12 Dec 09:00");
	assert_string_equal(text_when(utc_ms(2027, 1, 2, 9, 0), now, buf, sizeof(buf)),
			"Sat 02 Jan 2027 09:00");
}

static void test_ago_and_duration(void **state)
{
	char buf[32];
	int64_t now = utc_ms(2026, 11, 19, 15, 0);

	(void)state;
	assert_string_equal(text_ago(now - 1000, now, buf, sizeof(buf)), "just now");
	assert_string_equal(text_ago(now - 12000, now, buf, sizeof(buf)), "12 s ago");
	assert_string_equal(text_ago(now - 3 * 60000 - 5000, now, buf, sizeof(buf)), "3 min ago");
	assert_string_equal(text_ago(now - 2 * 3600000, now, buf, sizeof(buf)), "2 h ago");
	assert_string_equal(text_ago(now - 4 * 86400000LL, now, buf, sizeof(buf)), "4 days ago");
	assert_string_equal(text_ago(now + 60000, now, buf, sizeof(buf)), "in the future");
	assert_string_equal(text_duration(15000, buf, sizeof(buf)), "15 s");
	assert_string_equal(text_duration(3900000, buf, sizeof(buf)), "1 h 5 min");
}

static void test_parse_local(void **state)
{
	int64_t now = utc_ms(2026, 11, 19, 15, 0), t;
	char buf[20];
	static const char *const bad[] = {"", "tomorrow", "2026-13-01", "2026-02-31",
			"25:00", "12:60", "2026-11-19 9:00", "1:00", "2026-11-1a", "-2026-11-19",
			"12:00Z", "12:00:00Z", "12:00:60", "12:00:5", "2026-11-19 09:00:",
			"2026-11-19_09:00", "2026-11-19 09:00ZZ", "2026-11-19 09:00:00.000Z",
			"2026-11-19T09:00z", "2026-1-19", " 2026-11-19", "2026-11-19 ", "NOW",
			"2026-11-19T09:00:00Z+", "12:00-00", "2026-11-19 09:00.00", "2026-11-19 09-00"};

	(void)state;
	assert_true(text_parse_local("now", now, &t));
	assert_int_equal(t, now);
	assert_true(text_parse_local("2026-11-21 09:00", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0));
	assert_string_equal(text_format_local(t, buf, sizeof(buf)), "2026-11-21 09:00");
	assert_true(text_parse_local("2026-11-21T09:00", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0));
	assert_true(text_parse_local("2026-11-21", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 0, 0));
	assert_true(text_parse_local("18:45", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 19, 18, 45));
	/* seconds, and UTC with a final Z (this test runs with TZ=UTC, so
	 * each also equals its local reading) */
	assert_true(text_parse_local("18:45:30", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 19, 18, 45) + 30000);
	assert_true(text_parse_local("2026-11-21 09:00:59", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0) + 59000);
	assert_true(text_parse_local("2026-11-21T09:00Z", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0));
	assert_true(text_parse_local("2026-11-21T09:00:01Z", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0) + 1000);
	assert_true(text_parse_local("2026-11-21Z", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 0, 0));
	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_false(text_parse_local(bad[i], now, &t));
}

/* Away from UTC a final Z matters: local 09:00 in EST5 is 14:00 UTC. */
static void test_parse_zone(void **state)
{
	int64_t now = utc_ms(2026, 11, 19, 15, 0), t;

	(void)state;
	setenv("TZ", "EST5", 1);
	tzset();
	assert_true(text_parse_local("2026-11-21T09:00", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 14, 0));
	assert_true(text_parse_local("2026-11-21T09:00Z", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0));
	assert_true(text_parse_local("2026-11-21 09:00:30Z", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 21, 9, 0) + 30000);
	/* a clock alone is today, local: 15:00 UTC is 10:00 in EST5 */
	assert_true(text_parse_local("11:00", now, &t));
	assert_int_equal(t, utc_ms(2026, 11, 19, 16, 0));
	setenv("TZ", "UTC", 1);
	tzset();
}

static void test_parse_utc(void **state)
{
	int64_t t;

	(void)state;
	assert_true(time_parse_utc("2026-11-22T01:02:03.456Z", &t));
	assert_int_equal(t, utc_ms(2026, 11, 22, 1, 2) + 3456);
	assert_false(time_parse_utc("2026-11-22T01:02:03Z", &t));
	assert_false(time_parse_utc("2026-11-22 01:02:03.456Z", &t));
	assert_false(time_parse_utc("2026-11-22T01:02:03.456", &t));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_copy_clean),
		cmocka_unit_test(test_json_safe),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_ago_and_duration),
		cmocka_unit_test(test_parse_local),
		cmocka_unit_test(test_parse_zone),
		cmocka_unit_test(test_parse_utc),
	};

	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
