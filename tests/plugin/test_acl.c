/* test_acl.c - the plugin's topic table, case by case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"

enum { R = ACL_READ, W = ACL_WRITE, S = ACL_SUBSCRIBE };

struct acl_case {
	enum sl_passwd_role role;
	const char *name;
	bool alerts;
	int access;
	const char *topic;
	bool retain;
	bool allow;
};

#define OWNER SL_PW_OWNER, "olga", false
#define RESIDENT SL_PW_RESIDENT, "rita", false
#define RESIDENT_ALERTS SL_PW_RESIDENT, "rita", true
#define GUEST SL_PW_GUEST, "gina", false
#define AGENT SL_PW_AGENT, "agent", false
#define LOCK SL_PW_LOCK, "front-door", false

static const struct acl_case cases[] = {
	/* owner */
	{OWNER, W, "smartlock/front-door/lockReq/olga", false, true},
	{OWNER, W, "smartlock/back-door/lockReq/olga", false, true},
	{OWNER, W, "smartlock/front-door/lockReq/olga", true, false},   /* retained */
	{OWNER, W, "smartlock/front-door/lockReq/rita", false, false},
	{OWNER, W, "smartlock/front-door/admin/olga", false, true},
	{OWNER, W, "smartlock/front-door/admin/rita", false, false},
	{OWNER, W, "smartlock/front-door/lock", false, false},
	{OWNER, W, "smartlock/front-door/state", false, false},
	{OWNER, W, "smartlock/front-door/securityAlert", false, false},
	{OWNER, W, "smartlock/_site/loginFailed", false, false},
	{OWNER, R, "smartlock/front-door/lockRes/olga", false, true},
	{OWNER, R, "smartlock/front-door/lockRes/rita", false, false},
	{OWNER, R, "smartlock/front-door/adminRes/olga", false, true},
	{OWNER, R, "smartlock/front-door/state", false, true},
	{OWNER, R, "smartlock/front-door/health", false, true},
	{OWNER, R, "smartlock/front-door/securityAlert", false, true},
	{OWNER, R, "smartlock/front-door/log", false, true},
	{OWNER, R, "smartlock/front-door/lock", false, false},
	{OWNER, R, "smartlock/front-door/lockReq/olga", false, false},
	{OWNER, R, "smartlock/_site/loginFailed", false, false},
	{OWNER, S, "smartlock/+/state", false, true},
	{OWNER, S, "smartlock/+/lockRes/olga", false, true},
	{OWNER, S, "smartlock/+/lockRes/+", false, false},
	{OWNER, S, "smartlock/front-door/#", false, false},
	{OWNER, S, "smartlock/#", false, false},
	{OWNER, S, "#", false, false},
	{OWNER, S, "+/front-door/state", false, false},
	{OWNER, S, "$SYS/#", false, false},
	{OWNER, S, "$share/g/smartlock/front-door/state", false, false},
	{OWNER, S, "smartlock/+/+", false, false},
	{OWNER, S, "smartlock/front-door/log", false, true},
	/* resident */
	{RESIDENT, W, "smartlock/front-door/lockReq/rita", false, true},
	{RESIDENT, W, "smartlock/front-door/admin/rita", false, false},
	{RESIDENT, R, "smartlock/front-door/lockRes/rita", false, true},
	{RESIDENT, R, "smartlock/front-door/adminRes/rita", false, false},
	{RESIDENT_ALERTS, W, "smartlock/front-door/admin/rita", false, true},
	{RESIDENT_ALERTS, W, "smartlock/front-door/admin/rita", true, false},    /* retained */
	{RESIDENT_ALERTS, W, "smartlock/front-door/admin/olga", false, false},
	{RESIDENT_ALERTS, R, "smartlock/front-door/adminRes/rita", false, true},
	{RESIDENT_ALERTS, S, "smartlock/+/adminRes/rita", false, true},
	{RESIDENT_ALERTS, R, "smartlock/front-door/adminRes/olga", false, false},
	{SL_PW_GUEST, "gina", true, W, "smartlock/front-door/admin/gina", false, false},
	{SL_PW_GUEST, "gina", true, R, "smartlock/front-door/adminRes/gina", false, false},
	{RESIDENT, R, "smartlock/front-door/state", false, true},
	{RESIDENT, R, "smartlock/front-door/health", false, true},
	{RESIDENT, R, "smartlock/front-door/securityAlert", false, false},
	{RESIDENT_ALERTS, R, "smartlock/front-door/securityAlert", false, true},
	{RESIDENT_ALERTS, S, "smartlock/+/securityAlert", false, true},
	{RESIDENT, R, "smartlock/front-door/log", false, false},
	{RESIDENT_ALERTS, R, "smartlock/front-door/log", false, false},
	{RESIDENT, S, "smartlock/front-door/lockRes/olga", false, false},
	/* guest */
	{GUEST, W, "smartlock/front-door/lockReq/gina", false, true},
	{GUEST, W, "smartlock/front-door/lockReq/gina/x", false, false},
	{GUEST, W, "smartlock/front-door/lockReq/", false, false},
	{GUEST, W, "smartlock/front-door/admin/gina", false, false},
	{GUEST, W, "smartlock//lockReq/gina", false, false},
	{GUEST, W, "smartlock/+/lockReq/gina", false, false},
	{GUEST, W, "smartlock/_site/lockReq/gina", false, false},
	{GUEST, R, "smartlock/front-door/lockRes/gina", false, true},
	{GUEST, R, "smartlock/front-door/state", false, true},
	{GUEST, R, "smartlock/front-door/health", false, true},
	{GUEST, R, "smartlock/front-door/securityAlert", false, false},
	{GUEST, R, "smartlock/front-door/log", false, false},
	{GUEST, S, "smartlock/front-door/lockRes/+", false, false},
	{GUEST, S, "smartlock/front-door/lockRes/#", false, false},
	{GUEST, S, "smartlock/front-door/lockRes/gina", false, true},
	/* agent */
	{AGENT, W, "smartlock/front-door/lock", false, true},
	{AGENT, W, "smartlock/front-door/state", true, true},
	{AGENT, W, "smartlock/front-door/lockRes/gina", false, true},
	{AGENT, W, "smartlock/front-door/adminRes/olga", false, true},
	{AGENT, W, "smartlock/front-door/securityAlert", false, true},
	{AGENT, W, "smartlock/front-door/log", false, true},
	{AGENT, W, "smartlock/_site/loginFailed", false, false},
	{AGENT, W, "smartlock/front-door/other", false, false},
	{AGENT, W, "other/topic", false, false},
	{AGENT, R, "smartlock/_site/loginFailed", false, true},
	{AGENT, R, "smartlock/front-door/lockReq/gina", false, true},
	{AGENT, S, "smartlock/#", false, true},
	{AGENT, S, "smartlock/+/lockReq/+", false, true},
	{AGENT, S, "smartlock/_site/loginFailed", false, true},
	{AGENT, S, "#", false, false},
	{AGENT, S, "$SYS/#", false, false},
	/* lock */
	{LOCK, W, "smartlock/front-door/lockStatus", false, true},
	{LOCK, W, "smartlock/front-door/health", true, true},
	{LOCK, W, "smartlock/back-door/health", false, false},
	{LOCK, W, "smartlock/front-door/lock", false, false},
	{LOCK, W, "smartlock/front-door/state", false, false},
	{LOCK, R, "smartlock/front-door/lock", false, true},
	{LOCK, R, "smartlock/back-door/lock", false, false},
	{LOCK, S, "smartlock/+/lock", false, false},
	{LOCK, S, "smartlock/front-door/lock", false, true},
	{LOCK, R, "smartlock/front-door/lockReq/gina", false, false},
	/* malformed */
	{OWNER, W, "", false, false},
	{OWNER, W, "smartlock/front-door/lockReq/olga/", false, false},
	{OWNER, W, "/smartlock/front-door/lockReq/olga", false, false},
	{OWNER, W, "smartlock/front-door/lockReq/ol+ga", false, false},
	{OWNER, R, "smartlock/front-door/lockRes/olga#", false, false},
};

static void test_table(void **state)
{
	unsigned failures = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct acl_case *c = &cases[i];
		struct acl_identity id = {c->role, c->name, c->alerts};
		bool got = acl_check(&id, (enum acl_access)c->access, c->topic, c->retain);

		if (got != c->allow) {
			print_error("case %zu: %s %s access %d on \"%s\": expected %s\n", i,
					passwd_role_name(c->role), c->name, c->access, c->topic,
					c->allow ? "allow" : "deny");
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_identity_checks(void **state)
{
	struct acl_identity id = {SL_PW_OWNER, "olga", false};

	(void)state;
	assert_false(acl_check(NULL, ACL_READ, "smartlock/front-door/state", false));
	assert_false(acl_check(&id, ACL_READ, NULL, false));
	id.name = NULL;
	assert_false(acl_check(&id, ACL_READ, "smartlock/front-door/state", false));
	id.name = "bad/name";
	assert_false(acl_check(&id, ACL_READ, "smartlock/front-door/state", false));
	id.name = "olga";
	id.role = (enum sl_passwd_role)77;
	assert_false(acl_check(&id, ACL_READ, "smartlock/front-door/state", false));
	id.role = SL_PW_OWNER;
	assert_false(acl_check(&id, (enum acl_access)9, "smartlock/front-door/state", false));
}

static void test_long_topics(void **state)
{
	struct acl_identity id = {SL_PW_AGENT, "agent", false};
	char topic[400];

	(void)state;
	memset(topic, 'a', sizeof(topic) - 1);
	topic[sizeof(topic) - 1] = '\0';
	memcpy(topic, "smartlock/", 10);
	assert_false(acl_check(&id, ACL_READ, topic, false));
	assert_false(acl_check(&id, ACL_READ, "smartlock/a/b/c/d/e/f/g/h/i/j", false));
	/* a name one byte too long */
	assert_false(acl_check(&id, ACL_WRITE,
			"smartlock/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/lock", false));
	assert_true(acl_check(&id, ACL_WRITE,
			"smartlock/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/lock", false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_identity_checks),
		cmocka_unit_test(test_long_topics),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
