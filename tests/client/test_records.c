/* test_records.c - audit records, user lists, log pages and new-user
 * material from the agent's JSON: checked, cleaned, never trusted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "records.h"
#include "text.h"

static const char log_line[] =
	"{\"v\":1,\"seq\":7,\"time\":\"2026-11-22T01:02:03.456Z\",\"actor\":\"owner\","
	"\"role\":\"owner\",\"source\":\"lockReq\",\"lock\":\"front-door\","
	"\"action\":\"unlock\",\"result\":\"granted\",\"reason\":\"\",\"detail\":\"\","
	"\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";

static void test_log_line(void **state)
{
	struct client_log_entry e;

	(void)state;
	assert_int_equal(records_parse_log(log_line, strlen(log_line), &e), SL_OK);
	assert_int_equal(e.seq, 7);
	assert_string_equal(e.actor, "owner");
	assert_string_equal(e.action, "unlock");
	assert_string_equal(e.result, "granted");
	assert_int_equal(e.time, INT64_C(1795309323456));
	assert_int_equal(client_result_tone(e.result), CLIENT_TONE_GOOD);
	assert_int_equal(client_result_tone("denied"), CLIENT_TONE_BAD);
	assert_int_equal(client_result_tone("heartbeat"), CLIENT_TONE_NEUTRAL);
}

static void test_log_escape_sequences_cleaned(void **state)
{
	static const char evil[] = "{\"seq\":9,\"actor\":\"\\u001b]0;owned\\u0007\\u001b[2J\","
		"\"detail\":\"\\u009b31mred \\u202e\",\"result\":\"denied\"}";
	struct client_log_entry e;
	char *json;

	(void)state;
	assert_int_equal(records_parse_log(evil, strlen(evil), &e), SL_OK);
	assert_string_equal(e.actor, "?]0;owned??[2J");
	assert_string_equal(e.detail, "?31mred ?");
	assert_true(text_is_clean(e.actor));
	json = records_log_to_json(&e);
	assert_non_null(json);
	assert_null(strchr(json, '\x1b'));
	free(json);
}

static void test_log_refusals(void **state)
{
	struct client_log_entry e;
	static const char *const bad[] = {"", "[]", "{\"seq\":\"7\"}", "{\"seq\":-1}",
			"{\"seq\":1.5}", "{\"actor\":7}", "{\"seq\":1", "nonsense"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(records_parse_log(bad[i], strlen(bad[i]), &e), SL_OK);
	/* a long detail is cut, cleanly */
	{
		char big[1024];

		snprintf(big, sizeof(big), "{\"seq\":1,\"detail\":\"%0600d\"}", 0);
		assert_int_equal(records_parse_log(big, strlen(big), &e), SL_OK);
		assert_int_equal(strlen(e.detail), sizeof(e.detail) - 1);
	}
}

static void test_users(void **state)
{
	static const char data[] = "{\"users\":[{\"name\":\"alice\",\"role\":\"owner\","
		"\"status\":\"active\",\"from\":0,\"until\":0,\"schedule\":\"\",\"max_uses\":0,"
		"\"uses\":0,\"locks\":\"*\",\"locked_out_until\":0},{\"name\":\"gina\","
		"\"role\":\"guest\",\"status\":\"disabled\",\"from\":1795000000000,"
		"\"until\":1795600000000,\"schedule\":\"Sa,Su 09:00-18:00\",\"max_uses\":3,"
		"\"uses\":1,\"locks\":\"front-door\",\"locked_out_until\":1795000360000}]}";
	struct client_user *u;
	size_t n;

	(void)state;
	assert_int_equal(records_parse_users(data, &u, &n), SL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(u[1].name, "gina");
	assert_string_equal(u[1].status, "disabled");
	assert_string_equal(u[1].schedule, "Sa,Su 09:00-18:00");
	assert_int_equal(u[1].max_uses, 3);
	assert_int_equal(u[1].uses, 1);
	assert_int_equal(u[1].locked_out_until, INT64_C(1795000360000));
	free(u);
	assert_int_equal(records_parse_users("{\"users\":[]}", &u, &n), SL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(records_parse_users("{}", &u, &n), SL_ERR_MISSING_FIELD);
	assert_int_equal(records_parse_users("{\"users\":{}}", &u, &n), SL_ERR_WRONG_TYPE);
	assert_int_equal(records_parse_users("{\"users\":[{\"role\":\"guest\"}]}", &u, &n),
			SL_ERR_MISSING_FIELD);
	assert_int_equal(records_parse_users(NULL, &u, &n), SL_ERR_MISSING_FIELD);
}

static void test_log_page(void **state)
{
	static const char data[] = "{\"records\":[{\"seq\":12,\"actor\":\"b\"},"
		"{\"seq\":11,\"actor\":\"a\"}],\"next\":11}";
	struct client_log_entry *r;
	size_t n;
	int64_t next;

	(void)state;
	assert_int_equal(records_parse_log_page(data, &r, &n, &next), SL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].seq, 11);         /* ascending */
	assert_int_equal(r[1].seq, 12);
	assert_int_equal(next, 11);
	free(r);
	assert_int_equal(records_parse_log_page("{\"records\":[]}", &r, &n, &next), SL_OK);
	assert_int_equal(next, 0);
	assert_int_not_equal(records_parse_log_page("{\"records\":[1]}", &r, &n, &next), SL_OK);
}

static void test_new_user(void **state)
{
	static const char good[] = "{\"user\":\"gina\",\"role\":\"guest\",\"password\":"
		"\"Zm9vYmFyYmF6cXV4\",\"signing_key\":"
		"\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";
	struct client_new_user u;

	(void)state;
	assert_int_equal(records_parse_new_user(good, &u), SL_OK);
	assert_string_equal(u.user, "gina");
	assert_int_equal(u.role, SL_ROLE_GUEST);
	assert_string_equal(u.password, "Zm9vYmFyYmF6cXV4");
	assert_int_equal(u.key.bytes[1], 0x11);
	records_new_user_wipe(&u);
	assert_string_equal(u.password, "");
	assert_int_not_equal(records_parse_new_user("{\"user\":\"../x\",\"role\":\"guest\","
			"\"password\":\"p\",\"signing_key\":\"00\"}", &u), SL_OK);
	assert_int_not_equal(records_parse_new_user("{\"user\":\"g\",\"role\":\"boss\","
			"\"password\":\"p\",\"signing_key\":\"00\"}", &u), SL_OK);
	assert_int_not_equal(records_parse_new_user("{\"user\":\"g\",\"role\":\"guest\","
			"\"password\":\"a\\nb\",\"signing_key\":"
			"\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}", &u),
			SL_OK);
	assert_int_not_equal(records_parse_new_user("{\"user\":\"g\",\"role\":\"guest\","
			"\"password\":\"p\",\"signing_key\":\"short\"}", &u), SL_OK);
}

static void test_json_safe(void **state)
{
	char *s;

	(void)state;
	s = records_json_safe("{ \"a\" : \"\\u001b[2J\\u009b\" }");
	assert_non_null(s);
	assert_string_equal(s, "{\"a\":\"\\u001b[2J\\u009b\"}");
	free(s);
	assert_null(records_json_safe("{"));
	s = records_json_with_message("{\"v\":1}", "Granted: the door is unlocked.");
	assert_string_equal(s, "{\"v\":1,\"message\":\"Granted: the door is unlocked.\"}");
	free(s);
}

static void test_lockouts(void **state)
{
	struct client_lockout *l;
	size_t n;

	(void)state;
	assert_int_equal(records_parse_lockouts("{\"users\":[],\"lockouts\":["
				"{\"who\":\"rita\",\"why\":\"bad-signature\",\"until\":1795000000000},"
				"{\"who\":\"192.0.2.9\",\"why\":\"login-failed\",\"until\":1,"
				"\"lock\":\"front-door\"}]}", &l, &n), SL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(l[0].who, "rita");
	assert_string_equal(l[0].why, "bad-signature");
	assert_true(l[0].until == 1795000000000);
	assert_string_equal(l[0].lock, "");
	assert_string_equal(l[1].lock, "front-door");
	free(l);
	/* an older agent sends none */
	assert_int_equal(records_parse_lockouts("{\"users\":[]}", &l, &n), SL_OK);
	assert_int_equal(n, 0);
	free(l);
	assert_int_equal(records_parse_lockouts("{\"lockouts\":[{\"until\":\"x\"}]}", &l, &n),
			SL_ERR_WRONG_TYPE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_log_escape_sequences_cleaned),
		cmocka_unit_test(test_log_refusals),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_log_page),
		cmocka_unit_test(test_new_user),
		cmocka_unit_test(test_json_safe),
		cmocka_unit_test(test_lockouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
