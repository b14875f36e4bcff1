/* test_state.c - state.json as the agent writes it: exact text, escaping,
 * a full replay cache and full rings read back unchanged, and the old event
 * times it forgets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/atomicfile.h"
#include "state.h"

#define T0 INT64_C(1795000000000)
#define JSON_MAX_INT INT64_C(9007199254740991)  /* 2^53 - 1 */

struct ctx {
	struct agent_lock_list locks;
	struct agent_state st;
	char dir[32], path[64];
};

static int setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	c->locks.count = 2;
	strcpy(c->locks.ids[0], "front-door");
	strcpy(c->locks.ids[1], "back-door");
	strcpy(c->dir, "/tmp/test-state.XXXXXX");
	if (!mkdtemp(c->dir))
		return -1;
	snprintf(c->path, sizeof(c->path), "%s/state.json", c->dir);
	*state = c;
	return state_init(&c->st, 1024);
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	state_finish(&c->st);
	unlink(c->path);
	rmdir(c->dir);
	free(c);
	return 0;
}

static char *saved_text(struct ctx *c)
{
	char *text = NULL;
	size_t len;

	assert_int_equal(state_save(&c->st, c->path, &c->locks), SL_OK);
	assert_int_equal(atomic_read_file(c->path, 1 << 20, &text, &len), SL_OK);
	assert_int_equal(strlen(text), len);
	return text;
}

static void test_exact_text(void **state)
{
	struct ctx *c = *state;
	struct user_counters *uc;
	char *text;

	c->st.seq_reserved = (uint64_t)JSON_MAX_INT;
	c->st.audit_seq = 42;
	c->st.locks[1].lockout_until = T0 + 300000;
	strcpy(c->st.locks[1].lockout_cause, "eve");
	ring_push(&c->st.locks[1].fails, T0);
	ring_push(&c->st.locks[1].fails, T0 + 1);
	uc = state_user(&c->st, "gina", true);
	uc->uses = 3;
	ring_push(&uc->unlocks, T0 + 2);
	state_user(&c->st, "ann", true);
	replay_add(&c->st.replay, "gina", REPLAY_KIND_ADMIN, JSON_MAX_INT, "mAc-_0", T0, 60000);
	c->st.dirty = true;
	text = saved_text(c);
	assert_string_equal(text, "{\"v\":1,\"seq_reserved\":9007199254740991,\"audit_seq\":42,"
			"\"locks\":{\"front-door\":{\"lockout_until\":0,\"cause\":\"\",\"fails\":[]},"
			"\"back-door\":{\"lockout_until\":1795000300000,\"cause\":\"eve\","
			"\"fails\":[1795000000000,1795000000001]}},"
			"\"users\":{\"ann\":{\"uses\":0,\"lockout_until\":0,\"fails\":[],\"unlocks\":[]},"
			"\"gina\":{\"uses\":3,\"lockout_until\":0,\"fails\":[],"
			"\"unlocks\":[1795000000002]}},"
			"\"replay\":{\"floor\":0,\"ids\":[[\"gina\",1,9007199254740991,\"mAc-_0\","
			"1795000000000]]}}");
	assert_false(c->st.dirty);
	free(text);
}

/* Text that is not a plain name still makes strict JSON that reads back. */
static void test_escaping(void **state)
{
	struct ctx *c = *state;
	struct agent_state back;
	char msg[256], *text;

	strcpy(c->st.locks[0].lockout_cause, "a\"b\\c\x01\n");
	text = saved_text(c);
	assert_non_null(strstr(text, "\"cause\":\"a\\\"b\\\\c\\u0001\\u000a\""));
	free(text);
	assert_int_equal(state_init(&back, 16), 0);
	assert_int_equal(state_load(&back, c->path, &c->locks, msg, sizeof(msg)), SL_OK);
	assert_string_equal(back.locks[0].lockout_cause, "a\"b\\c\x01\n");
	state_finish(&back);
}

/* Everything a busy agent holds survives a save and a load, number for
 * number: 1,024 request ids (the ring wrapped, so a floor), full rings. */
static void test_full_round_trip(void **state)
{
	struct ctx *c = *state;
	struct agent_state back;
	struct user_counters *uc;
	char msg[256], mac[SL_MAC_CHARS + 1], user[16];

	for (int64_t i = 0; i < 1500; i++) {
		snprintf(user, sizeof(user), "user%lld", (long long)(i % 7));
		snprintf(mac, sizeof(mac), "mac%lld", (long long)i);
		replay_add(&c->st.replay, user, (enum replay_kind)(i % 2), T0 + i, mac, T0 + 2 * i,
				INT64_MAX / 2);
	}
	for (int i = 0; i < 3 * TIME_RING_SLOTS; i++) {
		uc = state_user(&c->st, i % 3 ? "ann" : "bob", true);
		ring_push(&uc->fails, T0 + i);
		ring_push(&uc->unlocks, JSON_MAX_INT - i);
		uc->uses = i;
		ring_push(&c->st.locks[i % 2].fails, T0 - i);
	}
	assert_int_equal(state_save(&c->st, c->path, &c->locks), SL_OK);
	assert_int_equal(state_init(&back, 1024), 0);
	assert_int_equal(state_load(&back, c->path, &c->locks, msg, sizeof(msg)), SL_OK);

	assert_int_equal(back.replay.count, 1024);
	assert_true(back.replay.floor == c->st.replay.floor);
	for (size_t i = 0; i < 1024; i++) {
		const struct replay_entry *a = replay_at(&c->st.replay, i);
		const struct replay_entry *b = replay_at(&back.replay, i);

		assert_string_equal(a->user, b->user);
		assert_string_equal(a->mac, b->mac);
		assert_int_equal(a->kind, b->kind);
		assert_true(a->t == b->t && a->seen == b->seen);
	}
	assert_int_equal(back.nusers, 2);
	for (size_t u = 0; u < 2; u++) {
		const struct user_counters *a = &c->st.users[u], *b = &back.users[u];

		assert_string_equal(a->name, b->name);
		assert_true(a->uses == b->uses);
		assert_int_equal(b->fails.n, TIME_RING_SLOTS);
		assert_int_equal(b->unlocks.n, TIME_RING_SLOTS);
		assert_memory_equal(a->fails.t, b->fails.t, sizeof(a->fails.t));
		assert_memory_equal(a->unlocks.t, b->unlocks.t, sizeof(a->unlocks.t));
	}
	for (size_t l = 0; l < 2; l++)
		assert_memory_equal(&c->st.locks[l].fails, &back.locks[l].fails,
				sizeof(back.locks[l].fails));
	state_finish(&back);
}

/* Times no window counts any more are forgotten; the rest stay, in order. */
static void test_prune(void **state)
{
	struct ctx *c = *state;
	struct user_counters *uc = state_user(&c->st, "ann", true);
	struct user_counters *idle = state_user(&c->st, "bob", true);
	char *text;

	for (int64_t i = 0; i < 10; i++) {
		ring_push(&uc->fails, T0 + i * 1000);
		ring_push(&uc->unlocks, T0 + i * 1000);
		ring_push(&idle->unlocks, T0 + i);
		ring_push(&c->st.locks[1].fails, T0 + i * 1000);
	}
	/* failures after T0 + 4 s count; unlock requests after T0 + 7 s */
	state_prune(&c->st, T0 + 4000, T0 + 7000);
	assert_int_equal(uc->fails.n, 5);
	assert_true(uc->fails.t[0] == T0 + 5000 && uc->fails.t[4] == T0 + 9000);
	assert_int_equal(uc->unlocks.n, 2);
	assert_true(uc->unlocks.t[0] == T0 + 8000 && uc->unlocks.t[1] == T0 + 9000);
	assert_int_equal(idle->unlocks.n, 0);
	assert_int_equal(c->st.locks[1].fails.n, 5);
	assert_true(c->st.locks[1].fails.t[0] == T0 + 5000);
	assert_int_equal(c->st.locks[0].fails.n, 0);
	/* the windows still count what they counted */
	assert_int_equal(ring_count_since(&uc->fails, T0 + 4000), 5);
	assert_int_equal(ring_count_since(&uc->unlocks, T0 + 7000), 2);
	text = saved_text(c);
	assert_non_null(strstr(text, "\"bob\":{\"uses\":0,\"lockout_until\":0,\"fails\":[],"
				"\"unlocks\":[]}"));
	assert_null(strstr(text, "1795000004000"));
	free(text);
	/* nothing to drop: nothing changes */
	state_prune(&c->st, T0, T0);
	assert_int_equal(uc->fails.n, 5);
	assert_int_equal(uc->unlocks.n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exact_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
