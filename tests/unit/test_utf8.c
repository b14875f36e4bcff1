/* test_utf8.c - strict UTF-8 lengths, controls and sanitising. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/utf8.h"

static size_t seq(const char *s)
{
	return utf8_seq_len((const unsigned char *)s, strlen(s));
}

static void test_valid_lengths(void **state)
{
	(void)state;
	assert_int_equal(seq("a"), 1);
	assert_int_equal(seq("\xc3\xa9"), 2);              /* é */
	assert_int_equal(seq("\xe2\x82\xac"), 3);          /* € */
	assert_int_equal(seq("\xf0\x9f\x94\x92"), 4);      /* 🔒 */
	assert_int_equal(seq("\xf4\x8f\xbf\xbf"), 4);      /* U+10FFFF */
	assert_int_equal(seq("\xed\x9f\xbf"), 3);          /* U+D7FF */
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"\x80", "\xbf",                 /* stray continuation */
		"\xc0\x80", "\xc1\xbf",         /* overlong 2-byte */
		"\xe0\x80\x80", "\xe0\x9f\xbf", /* overlong 3-byte */
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf", /* overlong 4-byte */
		"\xed\xa0\x80", "\xed\xbf\xbf", /* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", /* above U+10FFFF */
		"\xff", "\xfe",
		"\xc3", "\xe2\x82", "\xf0\x9f\x94", /* truncated */
		"\xe2\x28\xa1",                 /* bad continuation */
	};
	static const char good[] = "gr\xc3\xbc\xc3\x9f dich \xf0\x9f\x94\x92";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(seq(bad[i]), 0);
		assert_false(utf8_valid(bad[i], strlen(bad[i])));
	}
	assert_true(utf8_valid(good, sizeof(good) - 1));
	assert_true(utf8_valid("", 0));
}

static void test_controls(void **state)
{
	(void)state;
	assert_true(utf8_is_control((const unsigned char *)"\x00", 1));
	assert_true(utf8_is_control((const unsigned char *)"\x1b", 1));
	assert_true(utf8_is_control((const unsigned char *)"\x7f", 1));
	assert_true(utf8_is_control((const unsigned char *)"\xc2\x80", 2));
	assert_true(utf8_is_control((const unsigned char *)"\xc2\x9b", 2)); /* CSI */
	assert_false(utf8_is_control((const unsigned char *)"\xc2\xa0", 2));
	assert_false(utf8_is_control((const unsigned char *)" ", 1));
	assert_false(utf8_is_control((const unsigned char *)"~", 1));
}

static void test_sanitize(void **state)
{
	char esc[] = "a\x1b[31mred\x1b[0m\n";
	char c1[] = "x\xc2\x9b" "2Jy";
	char mixed[] = "caf\xc3\xa9 \xff\xc0\xaf ok";
	char trunc[] = "end\xe2\x82";
	char buf[] = "ab\x07" "cd";
	size_t n;

	(void)state;
	utf8_sanitize(esc);
	assert_string_equal(esc, "a?[31mred?[0m?");
	utf8_sanitize(c1);
	assert_string_equal(c1, "x?2Jy");
	utf8_sanitize(mixed);
	assert_string_equal(mixed, "caf\xc3\xa9 ??? ok");
	utf8_sanitize(trunc);
	assert_string_equal(trunc, "end??");
	n = utf8_sanitize_n(buf, 5);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "ab?cd", 5);
	utf8_sanitize(NULL);
}

static void test_sanitize_result_is_clean(void **state)
{
	unsigned char all[256 * 2];
	char text[sizeof(all) + 1];
	size_t n, i = 0;

	(void)state;
	for (int b = 1; b < 256; b++) {         /* every byte, after 'a' */
		all[i++] = 'a';
		all[i++] = (unsigned char)b;
	}
	memcpy(text, all, i);
	text[i] = '\0';
	utf8_sanitize(text);
	n = strlen(text);
	assert_true(utf8_valid(text, n));
	for (size_t k = 0; k < n;) {
		size_t l = utf8_seq_len((const unsigned char *)text + k, n - k);

		assert_int_not_equal(l, 0);
		assert_false(utf8_is_control((const unsigned char *)text + k, l));
		k += l;
	}
}

static void test_format_characters(void **state)
{
	static const char *const formats[] = {"\xe2\x80\xae", "\xe2\x80\xab", "\xe2\x81\xa6",
		"\xe2\x81\xa9", "\xe2\x80\x8f", "\xd8\x9c", "\xe2\x80\x8b", "\xef\xbb\xbf",
		"\xc2\xad", "\xf3\xa0\x80\x81"};
	static const char *const plain[] = {"a", "\xc3\xa9", "\xe2\x82\xac", "\xe2\x80\x94",
		"\xf0\x9f\x94\x92"};

	(void)state;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		assert_true(utf8_is_format((const unsigned char *)formats[i], strlen(formats[i])));
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		assert_false(utf8_is_format((const unsigned char *)plain[i], strlen(plain[i])));
}

static void test_escape(void **state)
{
	char out[64];
	const char *in = "mal\xe2\x80\xaeyrot\x01\xff\xc3\xa9\xf3\xa0\x80\x81";
	size_t n;

	(void)state;
	n = utf8_escape(out, sizeof(out), in, strlen(in));
	assert_int_equal(n, strlen(out));
	assert_string_equal(out, "mal\\u202Eyrot??\xc3\xa9\\U000E0001");
	/* never cut a character or an escape in two */
	assert_int_equal(utf8_escape(out, 6, in, strlen(in)), 3);
	assert_string_equal(out, "mal");
	assert_int_equal(utf8_escape(out, 1, in, strlen(in)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_lengths),
		cmocka_unit_test(test_format_characters),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_controls),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_result_is_clean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
