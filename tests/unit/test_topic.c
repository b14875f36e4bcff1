/* test_topic.c - topic building and parsing, name validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/topic.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

struct kind_case {
	enum sl_topic_kind kind;
	const char *name;
	int has_user;
	const char *topic;      /* for lock "front-door", user "alice" */
};

static const struct kind_case kind_cases[] = {
	{SL_TOPIC_LOCK_REQ, "lockReq", 1, "smartlock/front-door/lockReq/alice"},
	{SL_TOPIC_LOCK_RES, "lockRes", 1, "smartlock/front-door/lockRes/alice"},
	{SL_TOPIC_LOCK, "lock", 0, "smartlock/front-door/lock"},
	{SL_TOPIC_LOCK_STATUS, "lockStatus", 0, "smartlock/front-door/lockStatus"},
	{SL_TOPIC_HEALTH, "health", 0, "smartlock/front-door/health"},
	{SL_TOPIC_STATE, "state", 0, "smartlock/front-door/state"},
	{SL_TOPIC_ALERT, "securityAlert", 0, "smartlock/front-door/securityAlert"},
	{SL_TOPIC_LOG, "log", 0, "smartlock/front-door/log"},
	{SL_TOPIC_ADMIN, "admin", 1, "smartlock/front-door/admin/alice"},
	{SL_TOPIC_ADMIN_RES, "adminRes", 1, "smartlock/front-door/adminRes/alice"},
	{SL_TOPIC_LOGIN_FAILED_, "loginFailed", 0, "smartlock/_site/loginFailed"},
};

static void test_every_kind_listed(void **state)
{
	(void)state;
	/* the table above covers every kind exactly once */
	assert_int_equal(ARRAY_LEN(kind_cases), SL_TOPIC_KIND_COUNT_);
	for (size_t i = 0; i < ARRAY_LEN(kind_cases); i++)
		assert_int_equal(kind_cases[i].kind, i);
}

static void test_kind_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(kind_cases); i++) {
		const char *n = topic_kind_name(kind_cases[i].kind);

		assert_non_null(n);
		assert_string_equal(n, kind_cases[i].name);
		assert_int_equal(!!topic_kind_has_user(kind_cases[i].kind), kind_cases[i].has_user);
	}
	assert_null(topic_kind_name(SL_TOPIC_KIND_COUNT_));
	assert_null(topic_kind_name((enum sl_topic_kind)-1));
	assert_int_equal(topic_kind_has_user(SL_TOPIC_KIND_COUNT_), 0);
}

static void test_build_parse_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(kind_cases); i++) {
		const struct kind_case *c = &kind_cases[i];
		char buf[SL_TOPIC_MAX];
		struct sl_topic t;

		assert_int_equal(topic_build(buf, sizeof(buf), c->kind, "front-door", "alice"), SL_OK);
		assert_string_equal(buf, c->topic);

		memset(&t, 0x55, sizeof(t));
		assert_int_equal(topic_parse(c->topic, &t), SL_OK);
		assert_int_equal(t.kind, c->kind);
		if (c->kind == SL_TOPIC_LOGIN_FAILED_)
			assert_string_equal(t.lock, "");
		else
			assert_string_equal(t.lock, "front-door");
		assert_string_equal(t.user, c->has_user ? "alice" : "");

		/* and the parsed struct builds the same topic again */
		assert_int_equal(topic_build(buf, sizeof(buf), t.kind, t.lock, t.user), SL_OK);
		assert_string_equal(buf, c->topic);
	}
}

static void test_build_longest_names_fit(void **state)
{
	char lock[SL_NAME_MAX + 1], user[SL_NAME_MAX + 1];
	char buf[SL_TOPIC_MAX];
	struct sl_topic t;

	(void)state;
	memset(lock, 'L', SL_NAME_MAX);
	lock[SL_NAME_MAX] = '\0';
	memset(user, 'u', SL_NAME_MAX);
	user[SL_NAME_MAX] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(kind_cases); i++) {
		assert_int_equal(topic_build(buf, sizeof(buf), kind_cases[i].kind, lock, user), SL_OK);
		assert_int_equal(topic_parse(buf, &t), SL_OK);
		assert_int_equal(t.kind, kind_cases[i].kind);
		if (kind_cases[i].kind != SL_TOPIC_LOGIN_FAILED_)
			assert_string_equal(t.lock, lock);
		if (kind_cases[i].has_user)
			assert_string_equal(t.user, user);
	}
}

static void test_build_ignores_user_without_user_level(void **state)
{
	char buf[SL_TOPIC_MAX];

	(void)state;
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_HEALTH, "front-door", NULL), SL_OK);
	assert_string_equal(buf, "smartlock/front-door/health");
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK, "front-door", "bad/user"),
			SL_OK);
	assert_string_equal(buf, "smartlock/front-door/lock");
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOGIN_FAILED_, NULL, NULL), SL_OK);
	assert_string_equal(buf, SL_TOPIC_LOGIN_FAILED);
}

static void test_build_errors(void **state)
{
	char buf[SL_TOPIC_MAX];
	char small[sizeof("smartlock/front-door/lock")];

	(void)state;
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK, "front/door", NULL),
			SL_ERR_NAME_SLASH);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK, "", NULL), SL_ERR_NAME_EMPTY);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK, "_site", NULL),
			SL_ERR_NAME_CHARSET);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK_REQ, "front-door", "+"),
			SL_ERR_NAME_WILDCARD);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_ADMIN, "front-door", "#"),
			SL_ERR_NAME_WILDCARD);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_ADMIN_RES, "front-door", ""),
			SL_ERR_NAME_EMPTY);
	assert_int_not_equal(topic_build(buf, sizeof(buf), SL_TOPIC_LOCK_RES, "front-door", NULL),
			SL_OK);
	assert_int_equal(topic_build(buf, sizeof(buf), SL_TOPIC_KIND_COUNT_, "front-door", "a"),
			SL_ERR_INVAL);
	assert_int_equal(topic_build(buf, sizeof(buf), (enum sl_topic_kind)-1, "front-door", "a"),
			SL_ERR_INVAL);

	/* exact fit, then one byte short */
	assert_int_equal(topic_build(small, sizeof(small), SL_TOPIC_LOCK, "front-door", NULL), SL_OK);
	assert_string_equal(small, "smartlock/front-door/lock");
	assert_int_equal(topic_build(small, sizeof(small) - 1, SL_TOPIC_LOCK, "front-door", NULL),
			SL_ERR_TOO_LONG);
	assert_string_equal(small, "");
	assert_int_equal(topic_build(small, 0, SL_TOPIC_LOCK, "front-door", NULL), SL_ERR_TOO_LONG);
}

struct name_case {
	const char *name;
	enum sl_err want;
};

static void test_check_name(void **state)
{
	static const struct name_case cases[] = {
		{"a", SL_OK},
		{"front-door", SL_OK},
		{"A.b_c-9", SL_OK},
		{"0abc", SL_OK},
		{"Z", SL_OK},
		{"12345678901234567890123456789012", SL_OK},              /* 32 */
		{"", SL_ERR_NAME_EMPTY},
		{"a\x01" "b", SL_ERR_NAME_CONTROL},
		{"a\tb", SL_ERR_NAME_CONTROL},
		{"ab\n", SL_ERR_NAME_CONTROL},
		{"a\x7f", SL_ERR_NAME_CONTROL},
		{"\x1b[31m", SL_ERR_NAME_CONTROL},
		{"a+b", SL_ERR_NAME_WILDCARD},
		{"#", SL_ERR_NAME_WILDCARD},
		{"a/b", SL_ERR_NAME_SLASH},
		{"/", SL_ERR_NAME_SLASH},
		{"123456789012345678901234567890123", SL_ERR_NAME_TOO_LONG}, /* 33 */
		{"a b", SL_ERR_NAME_CHARSET},
		{".hidden", SL_ERR_NAME_CHARSET},
		{"_site", SL_ERR_NAME_CHARSET},
		{"-x", SL_ERR_NAME_CHARSET},
		{"a@b", SL_ERR_NAME_CHARSET},
		{"caf\xc3\xa9", SL_ERR_NAME_CHARSET},
		{"a\xff", SL_ERR_NAME_CHARSET},
		{"a:b", SL_ERR_NAME_CHARSET},
		/* when several rules are broken, the order of the checks decides */
		{"+\x01", SL_ERR_NAME_CONTROL},
		{"a/\x7f", SL_ERR_NAME_CONTROL},
		{"a/+", SL_ERR_NAME_WILDCARD},
		{"/////////////////////////////////////////", SL_ERR_NAME_SLASH},
		{".................................", SL_ERR_NAME_TOO_LONG},
		{"a_b.", SL_OK},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		enum sl_err got = topic_check_name(cases[i].name);

		if (got != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, sl_errname(got),
					sl_errname(cases[i].want));
	}
	assert_int_equal(topic_check_name(NULL), SL_ERR_NAME_EMPTY);
}

struct parse_case {
	const char *topic;
	enum sl_err want;
};

static void test_parse_malformed(void **state)
{
	static const struct parse_case cases[] = {
		{"", SL_ERR_TOPIC_PREFIX},
		{"/", SL_ERR_TOPIC_PREFIX},
		{"other/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"Smartlock/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"smartlockx/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"smartloc/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"/smartlock/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"+/front-door/lock", SL_ERR_TOPIC_PREFIX},
		{"smartlock", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/#", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/unknown", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/Lock", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/loc", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/locks", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/lockReqs/alice", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/+", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/loginFailed", SL_ERR_TOPIC_UNKNOWN},
		/* extra and missing levels */
		{"smartlock/front-door/lock/alice", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/lock/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/health/x/y", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/lockReq", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/admin", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/lockReq/alice/x", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door/lockReq/alice/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/front-door//alice", SL_ERR_TOPIC_UNKNOWN},
		/* the site topic, exactly */
		{"smartlock/_site", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/loginfailed", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/loginFailed/", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/loginFailed/x", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/lock", SL_ERR_TOPIC_UNKNOWN},
		{"smartlock/_site/lockReq/alice", SL_ERR_TOPIC_UNKNOWN},
		/* name errors in the lock and user levels */
		{"smartlock//lock", SL_ERR_NAME_EMPTY},
		{"smartlock/+/lock", SL_ERR_NAME_WILDCARD},
		{"smartlock/#/lock", SL_ERR_NAME_WILDCARD},
		{"smartlock/a\x01/lock", SL_ERR_NAME_CONTROL},
		{"smartlock/.x/lock", SL_ERR_NAME_CHARSET},
		{"smartlock/_other/lock", SL_ERR_NAME_CHARSET},
		{"smartlock/123456789012345678901234567890123/lock", SL_ERR_NAME_TOO_LONG},
		{"smartlock/front-door/lockReq/", SL_ERR_NAME_EMPTY},
		{"smartlock/front-door/lockReq/+", SL_ERR_NAME_WILDCARD},
		{"smartlock/front-door/lockRes/#", SL_ERR_NAME_WILDCARD},
		{"smartlock/front-door/admin/al ice", SL_ERR_NAME_CHARSET},
		{"smartlock/front-door/adminRes/a\x7f", SL_ERR_NAME_CONTROL},
		{"smartlock/front-door/adminRes/123456789012345678901234567890123",
			SL_ERR_NAME_TOO_LONG},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		struct sl_topic t;
		enum sl_err got;

		memset(&t, 0x55, sizeof(t));
		got = topic_parse(cases[i].topic, &t);
		if (got != cases[i].want)
			fail_msg("\"%s\": got %s, want %s", cases[i].topic, sl_errname(got),
					sl_errname(cases[i].want));
		/* a failed parse leaves nothing that looks like a name */
		assert_string_equal(t.lock, "");
		assert_string_equal(t.user, "");
	}
	assert_int_equal(topic_parse(NULL, &(struct sl_topic){0}), SL_ERR_INVAL);
	assert_int_equal(topic_parse("smartlock/front-door/lock", NULL), SL_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_kind_listed),
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_build_parse_round_trip),
		cmocka_unit_test(test_build_longest_names_fit),
		cmocka_unit_test(test_build_ignores_user_without_user_level),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_check_name),
		cmocka_unit_test(test_parse_malformed),
	};

	return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
