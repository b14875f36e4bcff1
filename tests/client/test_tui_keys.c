/* test_tui_keys.c - the console's key table: sorted, role-filtered, and a
 * key bar that fits 80 columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <curses.h>

#include "keys.h"

static void test_lookup(void **state)
{
	const struct key_binding *b;

	(void)state;
	b = keys_lookup('u', SL_ROLE_OWNER);
	assert_non_null(b);
	assert_int_equal(b->action, ACT_UNLOCK);
	assert_int_equal(keys_lookup('q', SL_ROLE_GUEST)->action, ACT_QUIT);
	assert_int_equal(keys_lookup('\t', SL_ROLE_OWNER)->action, ACT_FOCUS);
	assert_int_equal(keys_lookup(KEYS_CTRL('l'), SL_ROLE_RESIDENT)->action, ACT_REDRAW);
	assert_null(keys_lookup('Z', SL_ROLE_OWNER));
	assert_null(keys_lookup(KEYS_FN(KEY_F(1)), SL_ROLE_OWNER));
	/* a function key never collides with a character of the same code */
	assert_null(keys_lookup(KEYS_FN('u'), SL_ROLE_OWNER));
	assert_null(keys_lookup('u', SL_ROLE_COUNT_));
}

static void test_resident_is_not_offered_owner_actions(void **state)
{
	static const enum tui_action owner_only[] = {ACT_USERS, ACT_HEALTH_CHECK,
			ACT_LOCK_RESET, ACT_SEARCH, ACT_FILTER, ACT_PAUSE};
	static const int owner_keys[] = {'U', 'h', 'R', '/', 'f', 'p', ' '};

	(void)state;
	for (size_t i = 0; i < sizeof(owner_only) / sizeof(owner_only[0]); i++) {
		assert_true(keys_role_may(owner_only[i], SL_ROLE_OWNER));
		assert_false(keys_role_may(owner_only[i], SL_ROLE_RESIDENT));
		assert_false(keys_role_may(owner_only[i], SL_ROLE_GUEST));
	}
	for (size_t i = 0; i < sizeof(owner_keys) / sizeof(owner_keys[0]); i++) {
		assert_non_null(keys_lookup(owner_keys[i], SL_ROLE_OWNER));
		assert_null(keys_lookup(owner_keys[i], SL_ROLE_RESIDENT));
	}
	/* everyone may lock, unlock and quit; guests get no alerts to ack */
	for (int r = 0; r < SL_ROLE_COUNT_; r++) {
		assert_true(keys_role_may(ACT_LOCK, (enum sl_role)r));
		assert_true(keys_role_may(ACT_UNLOCK, (enum sl_role)r));
		assert_true(keys_role_may(ACT_QUIT, (enum sl_role)r));
	}
	assert_true(keys_role_may(ACT_ACK, SL_ROLE_RESIDENT));
	assert_false(keys_role_may(ACT_ACK, SL_ROLE_GUEST));
}

static void test_key_bar_fits_80_columns(void **state)
{
	(void)state;
	for (int r = 0; r < SL_ROLE_COUNT_; r++) {
		const struct key_binding *bar[16];
		size_t n = keys_bar((enum sl_role)r, bar, 16);
		size_t width = 0;
		bool help = false, quit = false;

		assert_true(n >= 3);
		for (size_t i = 0; i < n; i++) {
			width += strlen(bar[i]->cap) + 1 + strlen(bar[i]->label) + 1;
			assert_true(keys_role_may(bar[i]->action, (enum sl_role)r));
			help |= bar[i]->action == ACT_HELP;
			quit |= bar[i]->action == ACT_QUIT;
		}
		assert_true(width <= 81);
		assert_true(help && quit);
	}
}

static void test_help_lists_every_key_of_the_role(void **state)
{
	const struct key_binding *all[32];
	size_t owner, resident;

	(void)state;
	owner = keys_all(SL_ROLE_OWNER, all, 32);
	for (size_t i = 0; i < owner; i++) {
		assert_non_null(all[i]->help);
		if (i > 0)
			assert_true(all[i - 1]->key < all[i]->key);     /* sorted for bsearch */
	}
	resident = keys_all(SL_ROLE_RESIDENT, all, 32);
	assert_true(resident < owner);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_resident_is_not_offered_owner_actions),
		cmocka_unit_test(test_key_bar_fits_80_columns),
		cmocka_unit_test(test_help_lists_every_key_of_the_role),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
