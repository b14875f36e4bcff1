/* test_sessions.c - client id ownership: no account takes over another's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sessions.h"

/* Connections are identified by any distinct pointers. */
static char conns[16];
#define C(i) ((const void *)&conns[i])

static void test_takeover_refused(void **state)
{
	struct sessions *s = sessions_create(0);
	const char *holder = NULL;

	(void)state;
	assert_non_null(s);
	assert_int_equal(sessions_check(s, "smartlock-agent", "agent", NULL), SESSIONS_OK);
	assert_int_equal(sessions_connected(s, C(0), "smartlock-agent", "agent"), SESSIONS_OK);
	assert_int_equal(sessions_check(s, "smartlock-agent", "gina", &holder), SESSIONS_TAKEN);
	assert_string_equal(holder, "agent");
	/* the same account may reconnect under its id */
	assert_int_equal(sessions_check(s, "smartlock-agent", "agent", NULL), SESSIONS_OK);
	assert_int_equal(sessions_connected(s, C(1), "smartlock-agent", "agent"), SESSIONS_OK);
	/* the broker then ends the old connection: the id stays held */
	sessions_disconnected(s, C(0), false);
	assert_int_equal(sessions_check(s, "smartlock-agent", "gina", NULL), SESSIONS_TAKEN);
	/* the last connection ends cleanly: the id is free */
	sessions_disconnected(s, C(1), false);
	assert_int_equal(sessions_count(s), 0);
	assert_int_equal(sessions_check(s, "smartlock-agent", "gina", NULL), SESSIONS_OK);
	sessions_destroy(s);
	sessions_destroy(NULL);
}

/* A lock is gone only when its last connection ended: a reconnect that
 * took over the old session keeps it live. */
static void test_user_live_across_takeover(void **state)
{
	struct sessions *s = sessions_create(0);

	(void)state;
	assert_false(sessions_user_live(s, "front-door"));
	assert_int_equal(sessions_connected(s, C(0), "lockd-front-door", "front-door"), SESSIONS_OK);
	assert_int_equal(sessions_connected(s, C(1), "lockd-front-door", "front-door"), SESSIONS_OK);
	sessions_disconnected(s, C(0), false);
	assert_true(sessions_user_live(s, "front-door"));
	assert_false(sessions_user_live(s, "back-door"));
	sessions_disconnected(s, C(1), false);
	assert_false(sessions_user_live(s, "front-door"));
	assert_false(sessions_user_live(NULL, "front-door"));
	sessions_destroy(s);
}

static void test_persistent_session_kept(void **state)
{
	struct sessions *s = sessions_create(0);

	(void)state;
	assert_int_equal(sessions_connected(s, C(0), "lockd-front-door", "front-door"), SESSIONS_OK);
	sessions_disconnected(s, C(0), true);
	assert_int_equal(sessions_check(s, "lockd-front-door", "gina", NULL), SESSIONS_TAKEN);
	assert_int_equal(sessions_check(s, "lockd-front-door", "front-door", NULL), SESSIONS_OK);
	/* the account is removed: its ids are free */
	sessions_forget_user(s, "front-door");
	assert_int_equal(sessions_check(s, "lockd-front-door", "gina", NULL), SESSIONS_OK);
	sessions_destroy(s);
}

static void test_unknown_connections_ignored(void **state)
{
	struct sessions *s = sessions_create(0);

	(void)state;
	assert_int_equal(sessions_connected(s, C(0), "x", "olga"), SESSIONS_OK);
	sessions_disconnected(s, C(5), false);          /* never recorded */
	sessions_disconnected(s, NULL, false);
	assert_int_equal(sessions_check(s, "x", "gina", NULL), SESSIONS_TAKEN);
	/* recording the same connection twice counts once */
	assert_int_equal(sessions_connected(s, C(0), "x", "olga"), SESSIONS_OK);
	sessions_disconnected(s, C(0), false);
	assert_int_equal(sessions_check(s, "x", "gina", NULL), SESSIONS_OK);
	sessions_destroy(s);
}

static void test_reassigned_id(void **state)
{
	struct sessions *s = sessions_create(0);

	(void)state;
	/* olga's account is removed while her connection lingers; gina takes
	 * the id; olga's late disconnect must not free gina's hold */
	assert_int_equal(sessions_connected(s, C(0), "x", "olga"), SESSIONS_OK);
	sessions_forget_user(s, "olga");
	assert_int_equal(sessions_connected(s, C(1), "x", "gina"), SESSIONS_OK);
	sessions_disconnected(s, C(0), false);
	assert_int_equal(sessions_check(s, "x", "rex", NULL), SESSIONS_TAKEN);
	sessions_destroy(s);
}

static void test_bad_ids_and_limits(void **state)
{
	struct sessions *s = sessions_create(2);
	char longid[SESSIONS_ID_MAX + 2];

	(void)state;
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	assert_int_equal(sessions_check(s, NULL, "olga", NULL), SESSIONS_BAD_ID);
	assert_int_equal(sessions_check(s, "", "olga", NULL), SESSIONS_BAD_ID);
	assert_int_equal(sessions_check(s, longid, "olga", NULL), SESSIONS_BAD_ID);
	assert_int_equal(sessions_check(s, "x", NULL, NULL), SESSIONS_BAD_ID);
	assert_int_equal(sessions_connected(s, C(0), "a", "olga"), SESSIONS_OK);
	assert_int_equal(sessions_connected(s, C(1), "b", "rex"), SESSIONS_OK);
	/* full of live connections: refused */
	assert_int_equal(sessions_connected(s, C(2), "c", "gina"), SESSIONS_FULL);
	/* a persistent session without a connection can be evicted */
	sessions_disconnected(s, C(1), true);
	assert_int_equal(sessions_connected(s, C(2), "c", "gina"), SESSIONS_OK);
	assert_int_equal(sessions_check(s, "b", "gina", NULL), SESSIONS_OK);
	sessions_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_takeover_refused),
		cmocka_unit_test(test_persistent_session_kept),
		cmocka_unit_test(test_user_live_across_takeover),
		cmocka_unit_test(test_unknown_connections_ignored),
		cmocka_unit_test(test_reassigned_id),
		cmocka_unit_test(test_bad_ids_and_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
