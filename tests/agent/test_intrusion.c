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

static void test_three_in_window_trip(void **state)
{
	struct ctx *c = *state;
	struct intrusion_trip trip;
	int64_t until;

	intrusion_fail(&c->st, &c->set, 0, "eve", T0, &trip);
	assert_false(trip.lock_tripped);
	/* the first failure ages out of the 300 s window */
	intrusion_fail(&c->st, &c->set, 0, "eve", T0 + 200000, &trip);
	intrusion_fail(&c->st, &c->set, 0, "eve", T0 + 301000, &trip);
	assert_false(trip.lock_tripped || trip.user_tripped);
	assert_false(intrusion_locked_out(&c->st, 0, "bob", T0 + 301000, &until));
	intrusion_fail(&c->st, &c->set, 0, NULL, T0 + 302000, &trip);
	assert_true(trip.lock_tripped);
	assert_true(trip.until == T0 + 302000 + 300000);
	/* everyone is locked out of that lock, not of the other one */
	assert_true(intrusion_locked_out(&c->st, 0, "bob", T0 + 303000, &until));
	assert_true(until == trip.until);
	assert_false(intrusion_locked_out(&c->st, 1, "bob", T0 + 303000, &until));
	assert_false(intrusion_locked_out(&c->st, 0, "bob", trip.until, &until));
	assert_true(c->st.dirty);
}

static void test_user_trip_covers_all_locks(void **state)
{
	struct ctx *c = *state;
	struct intrusion_trip trip;
	int64_t until;

	intrusion_fail(&c->st, &c->set, 0, "eve", T0, &trip);
	intrusion_fail(&c->st, &c->set, 1, "eve", T0 + 1, &trip);
	intrusion_fail(&c->st, &c->set, 1, "eve", T0 + 2, &trip);
	assert_true(trip.user_tripped);
	assert_true(intrusion_locked_out(&c->st, 0, "eve", T0 + 3, &until));
	assert_true(intrusion_locked_out(&c->st, 1, "bob", T0 + 3, &until));
	/* reset one user: the lock stays locked out */
	assert_true(intrusion_reset(&c->st, &c->set, -1, "eve", T0 + 4));
	assert_false(intrusion_locked_out(&c->st, 0, "eve", T0 + 5, &until));
	assert_true(intrusion_locked_out(&c->st, 1, "eve", T0 + 5, &until));
	assert_true(intrusion_reset(&c->st, &c->set, -1, NULL, T0 + 6));
	assert_false(intrusion_locked_out(&c->st, 1, "eve", T0 + 7, &until));
	assert_false(intrusion_reset(&c->st, &c->set, -1, NULL, T0 + 8));
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
	struct intrusion_trip trip;
	struct agent_state back;
	char dir[] = "/tmp/test-state.XXXXXX", path[64], msg[256];
	int64_t until;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);
	for (int i = 0; i < 3; i++)
		intrusion_fail(&c->st, &c->set, 1, "eve", T0 + i, &trip);
	state_user(&c->st, "gina", true)->uses = 2;
	c->st.seq_reserved = 4242;
	replay_add(&c->st.replay, "gina", REPLAY_KIND_REQUEST, T0, "mac", T0, 60000);
	assert_int_equal(state_save(&c->st, path, &c->set.locks), SL_OK);
	assert_int_equal(state_init(&back, 64), 0);
	assert_int_equal(state_load(&back, path, &c->set.locks, msg, sizeof(msg)), SL_OK);
	assert_true(intrusion_locked_out(&back, 1, "bob", T0 + 10, &until));
	assert_true(until == trip.until);
	assert_true(intrusion_locked_out(&back, 0, "eve", T0 + 10, &until));
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
		cmocka_unit_test_setup_teardown(test_three_in_window_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_trip_covers_all_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
