/* test_error.c - every error code has its own name and sentence. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/error.h"

static void test_every_code_named(void **state)
{
	(void)state;
	for (int i = 0; i < SL_ERR_COUNT_; i++) {
		const char *name = sl_errname((enum sl_err)i);
		const char *text = sl_strerror((enum sl_err)i);

		assert_non_null(name);
		assert_non_null(text);
		if (strcmp(name, "unknown") == 0 || name[0] == '\0')
			fail_msg("code %d has no name", i);
		if (strcmp(text, "unknown error") == 0 || text[0] == '\0')
			fail_msg("code %d (%s) has no text", i, name);
		/* wire names: lower-case letters, digits and '-' */
		assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-"), strlen(name));
	}
}

static void test_names_and_texts_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < SL_ERR_COUNT_; i++) {
		for (int j = i + 1; j < SL_ERR_COUNT_; j++) {
			if (strcmp(sl_errname((enum sl_err)i), sl_errname((enum sl_err)j)) == 0)
				fail_msg("codes %d and %d share the name %s", i, j,
						sl_errname((enum sl_err)i));
			if (strcmp(sl_strerror((enum sl_err)i), sl_strerror((enum sl_err)j)) == 0)
				fail_msg("codes %d and %d share the text \"%s\"", i, j,
						sl_strerror((enum sl_err)i));
		}
	}
}

static void test_known_names(void **state)
{
	(void)state;
	assert_string_equal(sl_errname(SL_OK), "ok");
	assert_string_equal(sl_errname(SL_ERR_WRONG_TYPE), "wrong-type");
	assert_string_equal(sl_strerror(SL_ERR_WRONG_TYPE), "a field has the wrong JSON type");
	assert_string_equal(sl_errname(SL_ERR_BAD_MAC), "bad-mac");
}

/* A full disk is named as such, not as an input/output error. */
static void test_from_errno(void **state)
{
	(void)state;
	assert_int_equal(sl_err_from_errno(ENOSPC), SL_ERR_NO_SPACE);
	assert_int_equal(sl_err_from_errno(EDQUOT), SL_ERR_NO_SPACE);
	assert_non_null(strstr(sl_strerror(SL_ERR_NO_SPACE), "ENOSPC"));
	assert_string_equal(sl_errname(SL_ERR_NO_SPACE), "no-space");
	assert_int_equal(sl_err_from_errno(EIO), SL_ERR_IO);
	assert_int_equal(sl_err_from_errno(EROFS), SL_ERR_PERM);
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(sl_errname(SL_ERR_COUNT_), "unknown");
	assert_string_equal(sl_strerror(SL_ERR_COUNT_), "unknown error");
	assert_string_equal(sl_errname((enum sl_err)-1), "unknown");
	assert_string_equal(sl_strerror((enum sl_err)-1), "unknown error");
	assert_string_equal(sl_errname((enum sl_err)1000), "unknown");
	assert_string_equal(sl_strerror((enum sl_err)1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_named),
		cmocka_unit_test(test_names_and_texts_distinct),
		cmocka_unit_test(test_known_names),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_from_errno),
	};

	return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
