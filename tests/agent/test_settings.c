/* test_settings.c - agent.conf: defaults, every key, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/protocol.h"

#include "settings.h"

static char path[] = "/tmp/test-agent-conf.XXXXXX";

static enum sl_err load(const char *text, struct agent_settings *s, struct sl_config_error *err)
{
	int fd = mkstemp(path);
	enum sl_err e;

	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	settings_defaults(s);
	e = settings_load(path, s, err);
	unlink(path);
	strcpy(path, "/tmp/test-agent-conf.XXXXXX");
	return e;
}

static void test_defaults(void **state)
{
	struct agent_settings s;

	(void)state;
	settings_defaults(&s);
	assert_int_equal(s.request_window, 60);
	assert_int_equal(s.command_timeout_ms, 10000);
	assert_int_equal(s.command_expiry_ms, 5000);
	assert_int_equal(s.actuation_window_ms, 2000);
	/* the door matters more than the broker's load: back within seconds */
	assert_int_equal(s.reconnect_max_ms, 2000);
	/* never give up on a command the lock may still carry out */
	assert_int_equal(settings_first_answer_ms(&s), 10000);
	s.command_timeout_ms = 100;
	assert_true(settings_first_answer_ms(&s) >= s.command_expiry_ms +
			SL_CLOCK_TOLERANCE_MAX + SL_COMMAND_MARGIN);
	assert_int_equal(s.fail_threshold, 3);
	assert_int_equal(s.fail_window, 300);
	assert_int_equal(s.lockout_duration, 300);
	assert_int_equal(s.unlock_rate_max, 3);
	assert_int_equal(s.heartbeat_interval, 60);
	assert_string_equal(s.broker_user, "agent");
	assert_int_equal(s.locks.count, 1);
	assert_string_equal(s.locks.ids[0], "front-door");
}

static void test_every_key(void **state)
{
	struct agent_settings s;
	struct sl_config_error err;

	(void)state;
	assert_int_equal(load(
		"audit_rotate_bytes = 4096\nbroker_cafile = /ca.crt\nbroker_host = pi\n"
		"broker_port = 8883\nbroker_socket = /run/m.sock\nbroker_tls = yes\n"
		"broker_user = agent2\nclient_id = agent-b\ncommand_timeout_ms = 500\nduplicate_window = 0\n"
		"fail_threshold = 5\nfail_window = 60\nheartbeat_interval = 30\n"
		"keepalive = 20\nlock_keys_dir = /k\nlockout_duration = 2\n"
		"locks = front-door, back-door\nlog_level = debug\nlog_page_max = 10\n"
		"passwd_file = /p\nreconnect_max_ms = 9000\nreconnect_min_ms = 100\n"
		"replay_cache_size = 100\nrequest_window = 30\nstate_dir = /s\n"
		"unlock_rate_max = 0\nunlock_rate_window = 60\n", &s, &err), SL_OK);
	assert_int_equal(s.locks.count, 2);
	assert_string_equal(s.locks.ids[1], "back-door");
	assert_true(s.broker_tls);
	assert_int_equal(s.log_level, SL_LOG_DEBUG);
	assert_int_equal(s.unlock_rate_max, 0);
	assert_int_equal(settings_lock_index(&s, "back-door"), 1);
	assert_int_equal(settings_lock_index(&s, "garage"), -1);
}

static void test_refusals(void **state)
{
	struct agent_settings s;
	struct sl_config_error err;

	(void)state;
	assert_int_equal(load("locks = front-door,front-door\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("locks = a/b\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("log_level = loud\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("fail_threshold = 0\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("reconnect_min_ms = 900\nreconnect_max_ms = 800\n", &s, &err),
			SL_ERR_CONFIG_VALUE);
	assert_string_equal(err.key, "reconnect_min_ms");
	assert_int_equal(load("colour = blue\n", &s, &err), SL_ERR_CONFIG_KEY);
}

/* Alert channels: the command split into words, kinds, limits, names. */
static void test_channels(void **state)
{
	struct agent_settings s;
	struct sl_config_error err;
	char name[SL_NAME_MAX + 1];

	(void)state;
	settings_defaults(&s);
	assert_int_equal(s.channels[0].command.argc, 0);
	assert_int_equal(s.channels[0].rate_max, 5);
	assert_int_equal(s.channels[0].rate_window, 600);
	assert_int_equal(s.channels[0].timeout, 10);
	assert_int_equal(s.channels[0].retry_for, 600);
	assert_int_equal(s.channels[7].kinds, (1u << SL_ALERT_COUNT_) - 1);
	assert_int_equal(load(
		"alert_1_command = /usr/lib/smartlock/alert-mail   owner@example.org  -v\n"
		"alert_1_kinds = lockout, login-failed,audit-failure\n"
		"alert_1_rate_max = 2\nalert_1_rate_window = 3600\n"
		"alert_1_timeout = 3\nalert_1_retry_for = 0\n"
		"alert_8_command = \"/opt/x y/push\"\nalert_8_name = phone\n"
		"alert_2_kinds = all\n", &s, &err), SL_OK);
	assert_int_equal(s.channels[0].command.argc, 3);
	assert_string_equal(settings_command_word(&s.channels[0].command, 0),
			"/usr/lib/smartlock/alert-mail");
	assert_string_equal(settings_command_word(&s.channels[0].command, 1),
			"owner@example.org");
	assert_string_equal(settings_command_word(&s.channels[0].command, 2), "-v");
	assert_int_equal(s.channels[0].kinds, 1u << SL_ALERT_LOCKOUT |
			1u << SL_ALERT_LOGIN_FAILED | 1u << SL_ALERT_AUDIT_FAILURE);
	assert_int_equal(s.channels[0].rate_max, 2);
	assert_int_equal(s.channels[0].rate_window, 3600);
	assert_int_equal(s.channels[0].timeout, 3);
	assert_int_equal(s.channels[0].retry_for, 0);
	/* no quoting inside a command: blanks always separate words */
	assert_int_equal(s.channels[7].command.argc, 2);
	assert_string_equal(settings_command_word(&s.channels[7].command, 0), "/opt/x");
	settings_channel_name(&s, 0, name, sizeof(name));
	assert_string_equal(name, "alert-mail");
	settings_channel_name(&s, 7, name, sizeof(name));
	assert_string_equal(name, "phone");
	assert_int_equal(s.channels[1].command.argc, 0);

	assert_int_equal(load("alert_1_command = alert-mail\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_string_equal(err.key, "alert_1_command");
	assert_non_null(strstr(err.msg, "absolute path"));
	assert_int_equal(load("alert_1_command = \n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_3_command = /a 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
			&s, &err), SL_ERR_CONFIG_VALUE);
	assert_non_null(strstr(err.msg, "at most 16 words"));
	assert_int_equal(load("alert_2_kinds = lockout,burglar\n", &s, &err),
			SL_ERR_CONFIG_VALUE);
	assert_non_null(strstr(err.msg, "burglar"));
	assert_int_equal(load("alert_2_kinds = lockout;jammed\n", &s, &err),
			SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_2_kinds = lockout,\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_1_rate_max = 0\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_1_timeout = 0\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_1_name = a b\n", &s, &err), SL_ERR_CONFIG_VALUE);
	assert_int_equal(load("alert_9_command = /bin/true\n", &s, &err), SL_ERR_CONFIG_KEY);
	assert_int_equal(load("alert_1_command = /bin/true\nalert_1_command = /bin/false\n",
			&s, &err), SL_ERR_CONFIG_KEY);
}

/* Every key the example documents exists and its documented default
 * parses: uncomment each "#key = value" line and load the result. */
static void test_example_file(void **state)
{
	char *text = NULL, *out, line[512];
	struct agent_settings s;
	struct sl_config_error err;
	size_t len = 0, keys = 0;
	FILE *f = fopen(AGENT_CONF_EXAMPLE, "r"), *o;

	(void)state;
	assert_non_null(f);
	o = open_memstream(&text, &len);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z' && strstr(line, " =")) {
			fputs(line + 1, o);
			keys++;
		}
	}
	fclose(f);
	fclose(o);
	assert_true(keys >= 28);
	out = text;
	assert_int_equal(load(out, &s, &err), SL_OK);
	assert_int_equal(s.unlock_rate_max, 3);
	assert_string_equal(s.client_id, "smartlock-agent");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_channels),
		cmocka_unit_test(test_example_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
