/* test_lockd_config.c - lockd.conf: defaults, every kind of key and the
 * checks across keys. */
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

#include "lockd_config.h"

#define KEY "signing_key = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"

static enum sl_err parse(struct lockd_config *c, const char *text, struct sl_config_error *err)
{
	return lockd_config_parse(c, text, strlen(text), "lockd.conf", err);
}

static void expect_error(const char *text, const char *key, const char *needle)
{
	struct lockd_config c;
	struct sl_config_error err;
	char msg[512];

	assert_int_not_equal(parse(&c, text, &err), SL_OK);
	config_error_format(&err, msg, sizeof(msg));
	if (strcmp(err.key, key) != 0 || !strstr(msg, needle))
		fail_msg("error \"%s\" (key %s) lacks key %s or \"%s\"", msg, err.key, key, needle);
}

static void minimal_sim_config_gets_the_defaults(void **state)
{
	struct lockd_config c;
	struct sl_config_error err;

	(void)state;
	assert_int_equal(parse(&c, KEY "backend = sim\n", &err), SL_OK);
	assert_string_equal(c.lock, "front-door");
	assert_string_equal(c.broker_user, "front-door");
	assert_string_equal(c.broker_host, "localhost");
	assert_int_equal(c.broker_port, 1883);
	assert_false(c.broker_tls);
	assert_int_equal(c.heartbeat_interval, 60);
	assert_int_equal(c.auto_relock, 0);
	assert_int_equal(c.move_timeout_ms, 5000);
	/* back within a few seconds of the broker */
	assert_int_equal(c.reconnect_max, 2);
	assert_int_equal(c.clock_tolerance_ms, 1000);
	assert_int_equal(c.backend, LOCKD_BACKEND_SIM);
	assert_int_equal(c.sim.actuation_ms, 1000);
	assert_true(c.sim.bolt_sensor);
	assert_true(c.sim.locked);
	assert_int_equal(c.sim.door, SL_DOOR_CLOSED);
	assert_int_equal(c.log_level, SL_LOG_NOTICE);
	assert_non_null(strstr(c.state_file, "/lib/smartlock-lockd/lockd.state"));
	assert_int_equal(c.signing_key.bytes[31], 0x1f);
	lockd_config_wipe(&c);
	assert_int_equal(c.signing_key.bytes[31], 0);
}

static void every_key(void **state)
{
	struct lockd_config c;
	struct sl_config_error err;
	const char *text = KEY
		"lock = back-door\n"
		"broker_socket = /run/smartlock/mqtt.sock\n"
		"broker_host = 192.0.2.1\n"
		"broker_port = 8884\n"
		"broker_tls = yes\n"
		"broker_cafile = /etc/smartlock/ca.crt\n"
		"broker_user = backdoor\n"
		"broker_password = \"pass word\"\n"
		"broker_keepalive = 20\n"
		"reconnect_max = 30\n"
		"state_file = /var/lib/x.state\n"
		"backend = gpio\n"
		"heartbeat_interval = 5\n"
		"auto_relock = 30\n"
		"move_timeout_ms = 4000\n"
		"log_level = debug\n"
		"gpio_chip = gpiochip4\n"
		"gpio_mode = hold\n"
		"gpio_actuator_line = 17\n"
		"gpio_active_low = true\n"
		"gpio_pulse_ms = 300\n"
		"gpio_settle_ms = 150\n"
		"gpio_door_line = 22\n"
		"gpio_door_active_low = on\n"
		"gpio_bolt_line = 23\n"
		"gpio_bolt_active_low = 1\n"
		"gpio_bias = pull-up\n"
		"gpio_debounce_ms = 20\n"
		"gpio_lock_line = -1\n"
		"gpio_unlock_line = -1\n"
		"sim_actuation_ms = 10\n"
		"sim_jam = always\n"
		"sim_door = open\n"
		"sim_door_sensor = false\n"
		"sim_bolt_sensor = false\n"
		"sim_locked = false\n"
		"sim_control = /tmp/ctl\n";

	(void)state;
	if (parse(&c, text, &err) != SL_OK) {
		char msg[512];

		config_error_format(&err, msg, sizeof(msg));
		fail_msg("%s", msg);
	}
	assert_string_equal(c.lock, "back-door");
	assert_string_equal(c.broker_socket, "/run/smartlock/mqtt.sock");
	assert_int_equal(c.broker_port, 8884);
	assert_true(c.broker_tls);
	assert_string_equal(c.broker_user, "backdoor");
	assert_string_equal(c.broker_password, "pass word");
	assert_int_equal(c.broker_keepalive, 20);
	assert_int_equal(c.reconnect_max, 30);
	assert_int_equal(c.gpio.mode, GPIO_MODE_HOLD);
	assert_int_equal(c.gpio.actuator_line, 17);
	assert_true(c.gpio.active_low);
	assert_int_equal(c.gpio.input_bias, GPIO_BIAS_PULL_UP);
	assert_int_equal(c.gpio.door_line, 22);
	assert_true(c.gpio.door_active_low);
	assert_true(c.gpio.bolt_active_low);
	assert_int_equal(c.log_level, SL_LOG_DEBUG);
	assert_int_equal(c.sim.jam, SIM_JAM_ALWAYS);
	assert_int_equal(c.sim.door, SL_DOOR_OPEN);
	assert_false(c.sim.door_sensor);
	assert_false(c.sim.locked);
	assert_string_equal(c.sim.control, "/tmp/ctl");
}

static void tls_port_default(void **state)
{
	struct lockd_config c;
	struct sl_config_error err;

	(void)state;
	assert_int_equal(parse(&c, KEY "backend = sim\nbroker_host = pi.local\nbroker_tls = true\n",
			&err), SL_OK);
	assert_int_equal(c.broker_port, 8883);
}

static void errors_name_the_key(void **state)
{
	(void)state;
	expect_error("backend = sim\n", "signing_key", "signing_key");
	expect_error(KEY "backend = zigbee\n", "backend", "gpio, sim");
	expect_error(KEY "backend = sim\nsim_jam = sometimes\n", "sim_jam", "none, lock");
	expect_error(KEY "backend = sim\nno_such_key = 1\n", "no_such_key", "no_such_key");
	expect_error(KEY "backend = sim\nheartbeat_interval = 0\n", "heartbeat_interval",
			"heartbeat_interval");
	expect_error(KEY "backend = sim\nlock = front/door\n", "lock", "lock");
	expect_error(KEY "backend = sim\nbroker_host = 192.0.2.1\n", "broker_tls", "not on this");
	expect_error(KEY "backend = sim\nsim_actuation_ms = 6000\n", "move_timeout_ms",
			"sim_actuation_ms");
	expect_error(KEY "backend = gpio\n", "gpio_lock_line", "pulse mode needs");
	expect_error(KEY "gpio_mode = hold\n", "gpio_actuator_line", "hold mode needs");
	expect_error(KEY "gpio_lock_line = 2\ngpio_unlock_line = 2\n", "gpio_chip", "twice");
	expect_error(KEY "gpio_lock_line = 2\ngpio_unlock_line = 3\ngpio_bolt_line = 3\n",
			"gpio_chip", "twice");
	expect_error(KEY "gpio_lock_line = 2\ngpio_unlock_line = 3\ngpio_pulse_ms = 6000\n",
			"move_timeout_ms", "gpio_pulse_ms");
	expect_error(KEY "backend = sim\nstate_file = \"\"\n", "state_file", "empty");
	expect_error(KEY "backend = sim\nbroker_socket = \"\"\nbroker_host = \"\"\n",
			"broker_host", "broker_socket");
}

static void file_must_be_private(void **state)
{
	char dir[] = "/tmp/smartlock-conf-test.XXXXXX";
	char path[128];
	struct lockd_config c;
	struct sl_config_error err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lockd.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(KEY "backend = sim\n", f);
	fclose(f);
	chmod(path, 0644);
	assert_int_equal(lockd_config_load(&c, path, &err), SL_ERR_PERM);
	chmod(path, 0600);
	assert_int_equal(lockd_config_load(&c, path, &err), SL_OK);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_sim_config_gets_the_defaults),
		cmocka_unit_test(every_key),
		cmocka_unit_test(tls_port_default),
		cmocka_unit_test(errors_name_the_key),
		cmocka_unit_test(file_must_be_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
