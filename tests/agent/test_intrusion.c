/* test_intrusion.c - sliding windows, trips, exemptions and resets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "intrusion.h"

struct ctx {
	struct agent_settings set;
	struct agent_state st;
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	settings_defaults(&c->set);
	c->set.locks.count = 2;
	strcpy(c->set.locks.ids[1], "back-door");
	*state = c;
	return state_init(&c->st, 64);
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	state_finish(&c->st);
	free(c);
	return 0;
}

#define T0 INT64_C(1795000000000)

static bool out(struct ctx *c, size_t lock, const char *user, enum sl_role role,
		int64_t now, int64_t *until)
{
	bool own;

	return intrusion_locked_out(&c->st, &c->set, lock, user, role, now, until, &own);
}

static void test_counts_only_unlock_and_lock(void **state)
{
	(void)state;
	assert_true(intrusion_counts(SL_ACTION_UNLOCK, SL_REASON_BAD_SIGNATURE));
	assert_true(intrusion_counts(SL_ACTION_LOCK, SL_REASON_NOT_PERMITTED));
	assert_false(intrusion_counts(SL_ACTION_STATUS, SL_REASON_OUTSIDE_WINDOW));
	assert_false(intrusion_counts(SL_ACTION_COUNT_, SL_REASON_MALFORMED));
	/* a wrong clock is not an attack */
	assert_false(intrusion_counts(SL_ACTION_UNLOCK, SL_REASON_STALE));
	assert_false(intrusion_counts(SL_ACTION_UNLOCK, SL_REASON_LOCKED_OUT));
}

static void test_stranger_trip(void **state)
{
	struct ctx *c = *state;
	int64_t until;

	assert_false(intrusion_stranger_fail(&c->st, &c->set, 0, "eve", "unknown-user", T0, &until));
	/* the first failure ages out of the 300 s window */
	assert_false(intrusion_stranger_fail(&c->st, &c->set, 0, "eve", "x", T0 + 200000, &until));
	assert_false(intrusion_stranger_fail(&c->st, &c->set, 0, "eve", "x", T0 + 301000, &until));
	assert_false(out(c, 0, "gina", SL_ROLE_GUEST, T0 + 301000, &until));
	assert_true(intrusion_stranger_fail(&c->st, &c->set, 0, "1.2.3.4", "login-failed",
				T0 + 302000, &until));
	assert_true(until == T0 + 302000 + 300000);
	assert_string_equal(c->st.locks[0].lockout_cause, "1.2.3.4");
	assert_string_equal(c->st.locks[0].lockout_why, "login-failed");
	/* guests are refused on that lock, not on the other one; owners and
	 * (by default) residents are served */
	assert_true(out(c, 0, "gina", SL_ROLE_GUEST, T0 + 303000, &until));
	assert_false(out(c, 1, "gina", SL_ROLE_GUEST, T0 + 303000, &until));
	assert_false(out(c, 0, "rita", SL_ROLE_RESIDENT, T0 + 303000, &until));
	assert_false(out(c, 0, "olga", SL_ROLE_OWNER, T0 + 303000, &until));
	c->set.stranger_lockout_serves_residents = false;
	assert_true(out(c, 0, "rita", SL_ROLE_RESIDENT, T0 + 303000, &until));
	assert_false(out(c, 0, "gina", SL_ROLE_GUEST, T0 + 302000 + 300000, &until));
	/* failures during the lockout do not start another one */
	for (int i = 0; i < 5; i++)
		assert_false(intrusion_stranger_fail(&c->st, &c->set, 0, "eve", "x",
					T0 + 304000 + i, &until));
	assert_true(c->st.dirty);
}

static void test_user_trip_is_the_users_only(void **state)
{
	struct ctx *c = *state;
	int64_t until;
	bool own;

	assert_false(intrusion_user_fail(&c->st, &c->set, "rita", "bad-signature", T0, &until));
	assert_false(intrusion_user_fail(&c->st, &c->set, "rita", "bad-signature", T0 + 1, &until));
	assert_true(intrusion_user_fail(&c->st, &c->set, "rita", "replay", T0 + 2, &until));
	assert_false(intrusion_user_fail(&c->st, &c->set, "rita", "replay", T0 + 3, &until));
	assert_true(intrusion_locked_out(&c->st, &c->set, 0, "rita", SL_ROLE_RESIDENT, T0 + 3,
				&until, &own));
	assert_true(own);
	assert_true(out(c, 1, "rita", SL_ROLE_RESIDENT, T0 + 3, &until));
	assert_false(out(c, 0, "gina", SL_ROLE_GUEST, T0 + 3, &until));
	assert_string_equal(state_user(&c->st, "rita", false)->lockout_why, "replay");
	/* reset one user clears exactly that user's lockout */
	for (int i = 0; i < 3; i++)
		intrusion_stranger_fail(&c->st, &c->set, 1, "a", "x", T0, &until);
	assert_true(intrusion_reset(&c->st, &c->set, -1, "rita", T0 + 4));
	assert_false(out(c, 0, "rita", SL_ROLE_RESIDENT, T0 + 5, &until));
	assert_true(out(c, 1, "gina", SL_ROLE_GUEST, T0 + 5, &until));
	assert_true(intrusion_reset(&c->st, &c->set, -1, NULL, T0 + 6));
	assert_false(out(c, 1, "gina", SL_ROLE_GUEST, T0 + 7, &until));
	assert_false(intrusion_reset(&c->st, &c->set, -1, NULL, T0 + 8));
}

static void test_stale_alert_once(void **state)
{
	struct ctx *c = *state;

	assert_false(intrusion_stale(&c->st, &c->set, "rita", T0));
	assert_false(intrusion_stale(&c->st, &c->set, "rita", T0 + 1));
	assert_true(intrusion_stale(&c->st, &c->set, "rita", T0 + 2));
	assert_false(intrusion_stale(&c->st, &c->set, "rita", T0 + 3));
}

static void test_unlock_rate(void **state)
{
	struct ctx *c = *state;
	int64_t until;

	for (int i = 0; i < 3; i++)
		assert_false(intrusion_unlock_rate(&c->st, &c->set, "bob", T0 + i * 1000, &until));
	assert_true(intrusion_unlock_rate(&c->st, &c->set, "bob", T0 + 3000, &until));
	/* it frees when the second request of the window ages out */
	assert_true(until == T0 + 1000 + 300000);
	assert_false(intrusion_unlock_rate(&c->st, &c->set, "ann", T0 + 3000, &until));
	c->set.unlock_rate_max = 0;
	assert_false(intrusion_unlock_rate(&c->st, &c->set, "bob", T0 + 4000, &until));
}

static void test_state_round_trip(void **state)
{
	struct ctx *c = *state;
	struct agent_state back;
	char dir[] = "/tmp/test-state.XXXXXX", path[64], msg[256];
	int64_t until;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	bool own;

	for (int i = 0; i < 3; i++) {
		intrusion_stranger_fail(&c->st, &c->set, 1, "eve", "unknown-user", T0 + i, &until);
		intrusion_user_fail(&c->st, &c->set, "rita", "bad-signature", T0 + i, &until);
	}
	state_user(&c->st, "gina", true)->uses = 2;
	c->st.seq_reserved = 4242;
	replay_add(&c->st.replay, "gina", REPLAY_KIND_REQUEST, T0, "mac", T0, 60000);
	assert_int_equal(state_save(&c->st, path, &c->set.locks), SL_OK);
	assert_int_equal(state_init(&back, 64), 0);
	assert_int_equal(state_load(&back, path, &c->set.locks, msg, sizeof(msg)), SL_OK);
	assert_true(intrusion_locked_out(&back, &c->set, 1, "bob", SL_ROLE_GUEST, T0 + 10, &until,
				&own));
	assert_true(until == T0 + 2 + 300000);
	assert_string_equal(back.locks[1].lockout_why, "unknown-user");
	assert_true(intrusion_locked_out(&back, &c->set, 0, "rita", SL_ROLE_RESIDENT, T0 + 10,
				&until, &own));
	assert_true(own);
	assert_string_equal(state_user(&back, "rita", false)->lockout_why, "bad-signature");
	assert_int_equal(state_user(&back, "gina", false)->uses, 2);
	assert_true(back.seq_reserved == 4242);
	assert_int_equal(replay_check(&back.replay, "gina", REPLAY_KIND_REQUEST, T0, "mac",
				T0 + 1, 10000), REPLAY_DUPLICATE);
	state_finish(&back);
	/* damaged -> refused, naming the file */
	{
		FILE *f = fopen(path, "w");

		fputs("{\"v\":1,\"seq_reserved\":-3}", f);
		fclose(f);
	}
	assert_int_equal(state_init(&back, 64), 0);
	assert_int_not_equal(state_load(&back, path, &c->set.locks, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, path));
	state_finish(&back);
	unlink(path);
	rmdir(dir);
	assert_int_equal(state_init(&back, 64), 0);
	assert_int_equal(state_load(&back, path, &c->set.locks, msg, sizeof(msg)),
			SL_ERR_NOT_FOUND);
	state_finish(&back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts_only_unlock_and_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stranger_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_trip_is_the_users_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_alert_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
