/* test_account.c - the account rules: role mapping, a new user's defaults,
 * the password-file line kept across changes, the site's hash cost and the
 * password-file writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/account.h"

#define DIR_TEMPLATE "/tmp/test_account.XXXXXX"
#define COST 1000

static int setup(void **state)
{
	char *dir = malloc(sizeof(DIR_TEMPLATE));

	if (!dir)
		return -1;
	memcpy(dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char *dir = *state;
	char cmd[256];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	rc = system(cmd) == 0 ? 0 : -1;
	free(dir);
	return rc;
}

static void test_roles(void **state)
{
	(void)state;
	assert_int_equal(account_broker_role(SL_ROLE_OWNER), SL_PW_OWNER);
	assert_int_equal(account_broker_role(SL_ROLE_RESIDENT), SL_PW_RESIDENT);
	assert_int_equal(account_broker_role(SL_ROLE_GUEST), SL_PW_GUEST);
}

static void test_new_user_defaults(void **state)
{
	struct sl_user u;

	(void)state;
	assert_int_equal(account_new_user(&u, "olga", SL_ROLE_OWNER, "front-door", 42), SL_OK);
	assert_string_equal(u.name, "olga");
	assert_int_equal(u.status, SL_USER_ACTIVE);
	assert_string_equal(u.locks, "*");
	assert_true(u.alerts);
	assert_int_equal(u.created, 42);
	assert_int_equal(account_new_user(&u, "rita", SL_ROLE_RESIDENT, "front-door", 1), SL_OK);
	assert_string_equal(u.locks, "*");
	assert_false(u.alerts);
	/* a guest gets the one lock she was added for */
	assert_int_equal(account_new_user(&u, "gina", SL_ROLE_GUEST, "front-door", 1), SL_OK);
	assert_string_equal(u.locks, "front-door");
	assert_false(u.alerts);
	assert_int_equal(account_new_user(&u, "gina", SL_ROLE_GUEST, NULL, 1), SL_ERR_INVAL);
	assert_int_equal(account_new_user(&u, "bad/name", SL_ROLE_OWNER, NULL, 1), SL_ERR_INVAL);
}

/* home_only is chosen once, when the line is made, and kept after. */
static void test_entry_keeps_home_only(void **state)
{
	struct sl_passwd_entry old, e;
	struct sl_user u;

	(void)state;
	assert_int_equal(account_new_user(&u, "bob", SL_ROLE_RESIDENT, "front-door", 1), SL_OK);
	account_entry(&u, NULL, true, &e);
	assert_true(e.home_only);
	assert_true(e.enabled);
	assert_int_equal(e.role, SL_PW_RESIDENT);
	strcpy(e.hash, "kept-hash");
	old = e;
	u.status = SL_USER_DISABLED;
	account_entry(&u, &old, false, &e);
	assert_true(e.home_only);
	assert_false(e.enabled);
	assert_string_equal(e.hash, "kept-hash");
	old = e;
	u.status = SL_USER_ACTIVE;
	account_entry(&u, &old, false, &e);
	assert_true(e.home_only);
	assert_true(e.enabled);
	/* not asked: anywhere; a guest: home only whatever was asked */
	account_entry(&u, NULL, false, &e);
	assert_false(e.home_only);
	u.role = SL_ROLE_GUEST;
	account_entry(&u, NULL, false, &e);
	assert_true(e.home_only);
	/* an owner always receives alerts */
	u.role = SL_ROLE_OWNER;
	u.alerts = false;
	account_entry(&u, NULL, false, &e);
	assert_true(e.alerts);
}

static void add_line(struct passwd_file *pf, const char *name, enum sl_passwd_role role,
		unsigned cost)
{
	struct sl_passwd_entry e;

	memset(&e, 0, sizeof(e));
	strcpy(e.name, name);
	e.role = role;
	e.enabled = true;
	assert_int_equal(passwd_hash_iter("pw", cost, e.hash, sizeof(e.hash)), SL_OK);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
}

/* The site's cost is the agent account's. */
static void test_hash_cost(void **state)
{
	struct passwd_file *pf = passwd_create();

	(void)state;
	assert_int_equal(account_hash_cost(pf), SL_PBKDF2_ITERATIONS);
	add_line(pf, "aaron", SL_PW_OWNER, 2000);
	assert_int_equal(account_hash_cost(pf), 2000);
	add_line(pf, "agent", SL_PW_AGENT, COST);
	assert_int_equal(account_hash_cost(pf), COST);
	passwd_destroy(pf);
}

static void site_file(const char *dir, char *path, size_t size)
{
	struct passwd_file *pf = passwd_create();

	snprintf(path, size, "%s/passwd", dir);
	unlink(path);
	add_line(pf, "agent", SL_PW_AGENT, COST);
	assert_int_equal(passwd_save(pf, path), SL_OK);
	passwd_destroy(pf);
}

static void test_apply(void **state)
{
	const char *dir = *state;
	char path[128], msg[256];
	struct passwd_file *pf;
	const struct sl_passwd_entry *e;
	struct sl_user u;
	unsigned cost = 0;

	site_file(dir, path, sizeof(path));
	assert_int_equal(account_passwd_check(path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(account_new_user(&u, "bob", SL_ROLE_RESIDENT, "front-door", 1), SL_OK);
	/* no line yet and no password: nothing to bring up to date */
	assert_int_equal(account_passwd_apply(path, &u, NULL, false, msg, sizeof(msg)),
			SL_ERR_NOT_FOUND);
	assert_non_null(strstr(msg, "bob"));
	assert_int_equal(account_passwd_apply(path, &u, "secret", true, msg, sizeof(msg)), SL_OK);
	u.status = SL_USER_DISABLED;
	assert_int_equal(account_passwd_apply(path, &u, NULL, false, msg, sizeof(msg)), SL_OK);
	pf = passwd_load(path, msg, sizeof(msg));
	assert_non_null(pf);
	e = passwd_find(pf, "bob");
	assert_non_null(e);
	assert_true(e->home_only);
	assert_false(e->enabled);
	assert_int_equal(passwd_verify("secret", e->hash), SL_OK);
	assert_int_equal(passwd_hash_check(e->hash, &cost), SL_OK);
	assert_int_equal(cost, COST);
	passwd_destroy(pf);
}

/* A password file the plugin would refuse is refused here too, unchanged. */
static void test_check_refuses_unsafe_file(void **state)
{
	const char *dir = *state;
	char path[128], msg[256];
	struct sl_user u;
	struct stat st;

	site_file(dir, path, sizeof(path));
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_not_equal(account_passwd_check(path, msg, sizeof(msg)), SL_OK);
	assert_true(msg[0] != '\0');
	assert_int_equal(account_new_user(&u, "bob", SL_ROLE_RESIDENT, "front-door", 1), SL_OK);
	assert_int_not_equal(account_passwd_apply(path, &u, "pw", false, msg, sizeof(msg)), SL_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_new_user_defaults),
		cmocka_unit_test(test_entry_keeps_home_only),
		cmocka_unit_test(test_hash_cost),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_check_refuses_unsafe_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
