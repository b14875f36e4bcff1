/* test_userstore.c - the user store: round trip, validation, refusal of a
 * damaged or unsafe file with a message naming file and problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/userstore.h"

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-users.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/users.json", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return rmdir(dir);
}

static struct sl_user make(const char *name, enum sl_role role)
{
	struct sl_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.role = role;
	memset(u.key.bytes, name[0], sizeof(u.key.bytes));
	snprintf(u.locks, sizeof(u.locks), "*");
	u.created = 1795000000000;
	return u;
}

static void test_round_trip(void **state)
{
	struct user_store *st = user_store_create(), *back;
	struct sl_user g = make("gina", SL_ROLE_GUEST);
	const struct sl_user *u;
	char msg[256];
	struct stat sb;

	(void)state;
	g.from = 1795000000000;
	g.until = 1795100000000;
	snprintf(g.schedule, sizeof(g.schedule), "Sa,Su 09:00-18:00");
	g.max_uses = 3;
	snprintf(g.locks, sizeof(g.locks), "front-door,back-door");
	g.status = SL_USER_DISABLED;
	assert_int_equal(user_store_add(st, &g), SL_OK);
	{
		struct sl_user o = make("olga", SL_ROLE_OWNER), a = make("anna", SL_ROLE_RESIDENT);

		assert_int_equal(user_store_add(st, &o), SL_OK);
		assert_int_equal(user_store_add(st, &a), SL_OK);
		assert_int_equal(user_store_add(st, &a), SL_ERR_EXISTS);
	}
	/* kept sorted by name */
	assert_string_equal(user_store_at(st, 0)->name, "anna");
	assert_string_equal(user_store_at(st, 2)->name, "olga");
	assert_int_equal(user_store_save(st, path), SL_OK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	back = user_store_load(path, msg, sizeof(msg));
	assert_non_null(back);
	assert_int_equal(user_store_count(back), 3);
	u = user_store_find(back, "gina");
	assert_non_null(u);
	assert_memory_equal(&u->key, &g.key, sizeof(g.key));
	assert_true(u->from == g.from && u->until == g.until && u->max_uses == 3);
	assert_string_equal(u->schedule, "Sa,Su 09:00-18:00");
	assert_int_equal(u->status, SL_USER_DISABLED);
	assert_true(user_may_use_lock(u, "back-door"));
	assert_false(user_may_use_lock(u, "back"));
	assert_false(user_may_use_lock(u, "garage"));
	/* owners always receive alerts */
	assert_true(user_store_find(back, "olga")->alerts);
	assert_null(user_store_find(back, "nobody"));
	user_store_destroy(back);
	user_store_destroy(st);
}

static void test_validation(void **state)
{
	struct user_store *st = user_store_create();
	struct sl_user u = make("ok", SL_ROLE_GUEST);

	(void)state;
	snprintf(u.schedule, sizeof(u.schedule), "Mo 18:00-08:00");
	assert_int_equal(user_store_add(st, &u), SL_ERR_INVAL);
	u = make("ok", SL_ROLE_GUEST);
	snprintf(u.locks, sizeof(u.locks), "front door");
	assert_int_equal(user_store_add(st, &u), SL_ERR_INVAL);
	u = make("bad/name", SL_ROLE_GUEST);
	assert_int_equal(user_store_add(st, &u), SL_ERR_INVAL);
	u = make("ok", SL_ROLE_GUEST);
	u.from = 5;
	u.until = 4;
	assert_int_equal(user_store_add(st, &u), SL_ERR_INVAL);
	u = make("ok", SL_ROLE_GUEST);
	assert_int_equal(user_store_update(st, &u), SL_ERR_NOT_FOUND);
	assert_int_equal(user_store_add(st, &u), SL_OK);
	u.max_uses = 7;
	assert_int_equal(user_store_update(st, &u), SL_OK);
	assert_int_equal(user_store_find(st, "ok")->max_uses, 7);
	assert_string_equal(user_status_name(SL_USER_REVOKED), "revoked");
	user_store_destroy(st);
}

static void expect_refused(const char *text, const char *words)
{
	FILE *f = fopen(path, "w");
	char msg[256] = "";

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
	assert_null(user_store_load(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, path));
	if (!strstr(msg, words))
		fail_msg("expected \"%s\" in \"%s\"", words, msg);
}

#define KEY "\"key\":\"0101010101010101010101010101010101010101010101010101010101010101\""

static void test_refusals(void **state)
{
	char msg[256];

	(void)state;
	unlink(path);
	assert_null(user_store_load(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "does not exist"));
	expect_refused("", "not valid JSON");
	expect_refused("{\"v\":1,\"users\":[", "not valid JSON");
	expect_refused("[]", "not a JSON object");
	expect_refused("{\"v\":2,\"users\":[]}", "v:");
	expect_refused("{\"v\":1}", "users:");
	expect_refused("{\"v\":1,\"users\":[],\"extra\":1}", "extra");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"owner\",\"status\":\"active\"}]}",
			"user 1: key: missing");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"king\"," KEY
			",\"status\":\"active\"}]}", "user 1: role");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"owner\"," KEY
			",\"status\":\"active\",\"max_uses\":1.5}]}", "max_uses");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"owner\"," KEY
			",\"status\":\"active\",\"shoe\":1}]}", "shoe: unknown field");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"owner\"," KEY
			",\"status\":\"active\"},{\"name\":\"a\",\"role\":\"owner\"," KEY
			",\"status\":\"active\"}]}", "user 2 (a): name given twice");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"guest\"," KEY
			",\"status\":\"active\",\"schedule\":\"Xy 1\"}]}", "schedule");
	expect_refused("{\"v\":1,\"users\":[{\"name\":\"a\",\"role\":\"owner\","
			"\"key\":\"zz\",\"status\":\"active\"}]}", "key: must be 64 hex digits");
	/* a good file with an unsafe mode */
	{
		FILE *f = fopen(path, "w");

		fputs("{\"v\":1,\"users\":[]}", f);
		fclose(f);
	}
	chmod(path, 0600);
	{
		struct user_store *ok = user_store_load(path, msg, sizeof(msg));

		assert_non_null(ok);
		assert_int_equal(user_store_count(ok), 0);
		user_store_destroy(ok);
	}
	chmod(path, 0640);
	assert_null(user_store_load(path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "unsafe mode 0640"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
