/* lockd_config.c - the lockd.conf key table, defaults and cross-key checks. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "smartlock/protocol.h"

#include "lockd_config.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- enumerated values ---- */

struct choice {
	const char *name;
	int value;
};

static enum sl_err parse_choice(const struct choice *list, size_t n, const char *value,
		int *out, char *msg, size_t msg_size)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i].name, value) == 0) {
			*out = list[i].value;
			return SL_OK;
		}
	}
	used = (size_t)snprintf(msg, msg_size, "expected one of");
	for (size_t i = 0; i < n && used < msg_size; i++)
		used += (size_t)snprintf(msg + used, msg_size - used, "%s %s",
				i ? "," : "", list[i].name);
	return SL_ERR_CONFIG_VALUE;
}

static const struct choice backend_choices[] = {
	{ "gpio", LOCKD_BACKEND_GPIO }, { "sim", LOCKD_BACKEND_SIM },
};
static const struct choice mode_choices[] = {
	{ "pulse", GPIO_MODE_PULSE }, { "hold", GPIO_MODE_HOLD },
};
static const struct choice bias_choices[] = {
	{ "as-is", GPIO_BIAS_AS_IS }, { "disable", GPIO_BIAS_DISABLE },
	{ "pull-up", GPIO_BIAS_PULL_UP }, { "pull-down", GPIO_BIAS_PULL_DOWN },
};
static const struct choice jam_choices[] = {
	{ "none", SIM_JAM_NONE }, { "lock", SIM_JAM_LOCK },
	{ "unlock", SIM_JAM_UNLOCK }, { "always", SIM_JAM_ALWAYS },
};
static const struct choice door_choices[] = {
	{ "closed", SL_DOOR_CLOSED }, { "open", SL_DOOR_OPEN },
};
static const struct choice level_choices[] = {
	{ "error", SL_LOG_ERROR }, { "warning", SL_LOG_WARNING },
	{ "notice", SL_LOG_NOTICE }, { "info", SL_LOG_INFO }, { "debug", SL_LOG_DEBUG },
};

static enum sl_err parse_backend(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(backend_choices, ARRAY_LEN(backend_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum lockd_backend_kind *)field = (enum lockd_backend_kind)v;
	return rc;
}

static enum sl_err parse_mode(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(mode_choices, ARRAY_LEN(mode_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum gpio_mode *)field = (enum gpio_mode)v;
	return rc;
}

static enum sl_err parse_bias(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(bias_choices, ARRAY_LEN(bias_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum gpio_bias *)field = (enum gpio_bias)v;
	return rc;
}

static enum sl_err parse_jam(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(jam_choices, ARRAY_LEN(jam_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum sim_jam *)field = (enum sim_jam)v;
	return rc;
}

static enum sl_err parse_door(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(door_choices, ARRAY_LEN(door_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum sl_door *)field = (enum sl_door)v;
	return rc;
}

static enum sl_err parse_level(const char *value, void *field, char *msg, size_t msg_size)
{
	int v;
	enum sl_err rc = parse_choice(level_choices, ARRAY_LEN(level_choices), value,
			&v, msg, msg_size);

	if (rc == SL_OK)
		*(enum sl_log_level *)field = (enum sl_log_level)v;
	return rc;
}

/* ---- the key table, sorted by name ---- */

#define OFF(field) offsetof(struct lockd_config, field)
#define FIELD_SIZE(field) sizeof(((struct lockd_config *)0)->field)
#define OFFSET_MIN BACKEND_NO_LINE
#define OFFSET_MAX 65535

static const struct sl_config_key lockd_keys[] = {
	{ .name = "auto_relock", .type = SL_CFG_INT,
	  .offset = OFF(auto_relock), .min = 0, .max = 86400 },
	{ .name = "backend", .type = SL_CFG_CUSTOM,
	  .offset = OFF(backend), .parse = parse_backend },
	{ .name = "broker_cafile", .type = SL_CFG_STRING,
	  .offset = OFF(broker_cafile), .size = FIELD_SIZE(broker_cafile) },
	{ .name = "broker_host", .type = SL_CFG_STRING,
	  .offset = OFF(broker_host), .size = FIELD_SIZE(broker_host) },
	{ .name = "broker_keepalive", .type = SL_CFG_INT,
	  .offset = OFF(broker_keepalive), .min = 5, .max = 3600 },
	{ .name = "broker_password", .type = SL_CFG_STRING,
	  .offset = OFF(broker_password), .size = FIELD_SIZE(broker_password) },
	{ .name = "broker_port", .type = SL_CFG_INT,
	  .offset = OFF(broker_port), .min = 1, .max = 65535 },
	{ .name = "broker_socket", .type = SL_CFG_STRING,
	  .offset = OFF(broker_socket), .size = FIELD_SIZE(broker_socket) },
	{ .name = "broker_tls", .type = SL_CFG_BOOL, .offset = OFF(broker_tls) },
	{ .name = "broker_user", .type = SL_CFG_NAME,
	  .offset = OFF(broker_user), .size = FIELD_SIZE(broker_user) },
	{ .name = "clock_tolerance_ms", .type = SL_CFG_INT,
	  .offset = OFF(clock_tolerance_ms), .min = 0, .max = SL_CLOCK_TOLERANCE_MAX },
	{ .name = "gpio_active_low", .type = SL_CFG_BOOL, .offset = OFF(gpio.active_low) },
	{ .name = "gpio_actuator_line", .type = SL_CFG_INT,
	  .offset = OFF(gpio.actuator_line), .min = OFFSET_MIN, .max = OFFSET_MAX },
	{ .name = "gpio_bias", .type = SL_CFG_CUSTOM,
	  .offset = OFF(gpio.input_bias), .parse = parse_bias },
	{ .name = "gpio_bolt_active_low", .type = SL_CFG_BOOL,
	  .offset = OFF(gpio.bolt_active_low) },
	{ .name = "gpio_bolt_line", .type = SL_CFG_INT,
	  .offset = OFF(gpio.bolt_line), .min = OFFSET_MIN, .max = OFFSET_MAX },
	{ .name = "gpio_chip", .type = SL_CFG_STRING,
	  .offset = OFF(gpio.chip), .size = FIELD_SIZE(gpio.chip) },
	{ .name = "gpio_debounce_ms", .type = SL_CFG_INT,
	  .offset = OFF(gpio.debounce_ms), .min = 0, .max = 10000 },
	{ .name = "gpio_door_active_low", .type = SL_CFG_BOOL,
	  .offset = OFF(gpio.door_active_low) },
	{ .name = "gpio_door_line", .type = SL_CFG_INT,
	  .offset = OFF(gpio.door_line), .min = OFFSET_MIN, .max = OFFSET_MAX },
	{ .name = "gpio_lock_line", .type = SL_CFG_INT,
	  .offset = OFF(gpio.lock_line), .min = OFFSET_MIN, .max = OFFSET_MAX },
	{ .name = "gpio_mode", .type = SL_CFG_CUSTOM,
	  .offset = OFF(gpio.mode), .parse = parse_mode },
	{ .name = "gpio_pulse_ms", .type = SL_CFG_INT,
	  .offset = OFF(gpio.pulse_ms), .min = 1, .max = 60000 },
	{ .name = "gpio_settle_ms", .type = SL_CFG_INT,
	  .offset = OFF(gpio.settle_ms), .min = 0, .max = 60000 },
	{ .name = "gpio_unlock_line", .type = SL_CFG_INT,
	  .offset = OFF(gpio.unlock_line), .min = OFFSET_MIN, .max = OFFSET_MAX },
	{ .name = "heartbeat_interval", .type = SL_CFG_INT,
	  .offset = OFF(heartbeat_interval), .min = 1, .max = 86400 },
	{ .name = "lock", .type = SL_CFG_NAME, .offset = OFF(lock), .size = FIELD_SIZE(lock) },
	{ .name = "log_level", .type = SL_CFG_CUSTOM,
	  .offset = OFF(log_level), .parse = parse_level },
	{ .name = "move_timeout_ms", .type = SL_CFG_INT,
	  .offset = OFF(move_timeout_ms), .min = 1, .max = 600000 },
	{ .name = "reconnect_max", .type = SL_CFG_INT,
	  .offset = OFF(reconnect_max), .min = 1, .max = 3600 },
	{ .name = "signing_key", .type = SL_CFG_KEY, .required = true,
	  .offset = OFF(signing_key) },
	{ .name = "sim_actuation_ms", .type = SL_CFG_INT,
	  .offset = OFF(sim.actuation_ms), .min = 0, .max = 60000 },
	{ .name = "sim_bolt_sensor", .type = SL_CFG_BOOL, .offset = OFF(sim.bolt_sensor) },
	{ .name = "sim_control", .type = SL_CFG_STRING,
	  .offset = OFF(sim.control), .size = FIELD_SIZE(sim.control) },
	{ .name = "sim_door", .type = SL_CFG_CUSTOM, .offset = OFF(sim.door), .parse = parse_door },
	{ .name = "sim_door_sensor", .type = SL_CFG_BOOL, .offset = OFF(sim.door_sensor) },
	{ .name = "sim_jam", .type = SL_CFG_CUSTOM, .offset = OFF(sim.jam), .parse = parse_jam },
	{ .name = "sim_locked", .type = SL_CFG_BOOL, .offset = OFF(sim.locked) },
	{ .name = "state_file", .type = SL_CFG_STRING,
	  .offset = OFF(state_file), .size = FIELD_SIZE(state_file) },
};

void lockd_config_defaults(struct lockd_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->lock, SL_DEFAULT_LOCK);
	strcpy(c->broker_host, "localhost");
	c->broker_keepalive = 30;
	c->reconnect_max = 2;
	c->clock_tolerance_ms = 1000;
	strcpy(c->state_file, LOCKD_DEFAULT_STATE);
	c->backend = LOCKD_BACKEND_GPIO;
	c->heartbeat_interval = 60;
	c->auto_relock = 0;
	c->move_timeout_ms = 5000;
	c->log_level = SL_LOG_NOTICE;

	strcpy(c->gpio.chip, "gpiochip0");
	c->gpio.mode = GPIO_MODE_PULSE;
	c->gpio.lock_line = BACKEND_NO_LINE;
	c->gpio.unlock_line = BACKEND_NO_LINE;
	c->gpio.actuator_line = BACKEND_NO_LINE;
	c->gpio.pulse_ms = 500;
	c->gpio.settle_ms = 200;
	c->gpio.door_line = BACKEND_NO_LINE;
	c->gpio.bolt_line = BACKEND_NO_LINE;
	c->gpio.input_bias = GPIO_BIAS_AS_IS;
	c->gpio.debounce_ms = 50;

	c->sim.actuation_ms = 1000;
	c->sim.jam = SIM_JAM_NONE;
	c->sim.bolt_sensor = true;
	c->sim.door_sensor = true;
	c->sim.door = SL_DOOR_CLOSED;
	c->sim.locked = true;
}

/* ---- checks across keys ---- */

static enum sl_err fail(struct sl_config_error *err, const char *key, const char *msg)
{
	err->code = SL_ERR_CONFIG_VALUE;
	err->line = 0;
	snprintf(err->key, sizeof(err->key), "%s", key);
	snprintf(err->msg, sizeof(err->msg), "%s", msg);
	return SL_ERR_CONFIG_VALUE;
}

static bool is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
			strcmp(host, "::1") == 0;
}

static enum sl_err check_gpio(const struct lockd_config *c, struct sl_config_error *err)
{
	const struct gpio_config *g = &c->gpio;
	int64_t lines[4];
	size_t n = 0;

	if (g->mode == GPIO_MODE_PULSE) {
		if (g->lock_line < 0 || g->unlock_line < 0)
			return fail(err, "gpio_lock_line",
					"pulse mode needs gpio_lock_line and gpio_unlock_line");
		lines[n++] = g->lock_line;
		lines[n++] = g->unlock_line;
		if (c->move_timeout_ms <= g->pulse_ms)
			return fail(err, "move_timeout_ms", "must be longer than gpio_pulse_ms");
	} else {
		if (g->actuator_line < 0)
			return fail(err, "gpio_actuator_line", "hold mode needs gpio_actuator_line");
		lines[n++] = g->actuator_line;
		if (c->move_timeout_ms <= g->settle_ms)
			return fail(err, "move_timeout_ms", "must be longer than gpio_settle_ms");
	}
	if (g->door_line >= 0)
		lines[n++] = g->door_line;
	if (g->bolt_line >= 0)
		lines[n++] = g->bolt_line;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (lines[i] == lines[j])
				return fail(err, "gpio_chip", "the same GPIO line is used twice");
	return SL_OK;
}

static enum sl_err check(struct lockd_config *c, struct sl_config_error *err)
{
	if (c->broker_user[0] == '\0')
		strcpy(c->broker_user, c->lock);
	if (c->broker_socket[0] == '\0') {
		if (c->broker_host[0] == '\0')
			return fail(err, "broker_host", "set broker_host or broker_socket");
		if (!c->broker_tls && !is_loopback(c->broker_host))
			return fail(err, "broker_tls",
					"must be true for a broker that is not on this machine");
	}
	if (c->broker_port == 0)
		c->broker_port = c->broker_tls ? 8883 : 1883;
	if (c->state_file[0] == '\0')
		return fail(err, "state_file", "must not be empty");
	if (c->backend == LOCKD_BACKEND_GPIO)
		return check_gpio(c, err);
	if (c->move_timeout_ms <= c->sim.actuation_ms)
		return fail(err, "move_timeout_ms", "must be longer than sim_actuation_ms");
	return SL_OK;
}

enum sl_err lockd_config_parse(struct lockd_config *c, const char *text, size_t len,
		const char *name, struct sl_config_error *err)
{
	enum sl_err rc;

	lockd_config_defaults(c);
	memset(err, 0, sizeof(*err));
	rc = config_parse(text, len, name, lockd_keys, ARRAY_LEN(lockd_keys), c, err);
	if (rc == SL_OK) {
		snprintf(err->file, sizeof(err->file), "%s", name);
		rc = check(c, err);
	}
	return rc;
}

enum sl_err lockd_config_load(struct lockd_config *c, const char *path,
		struct sl_config_error *err)
{
	enum sl_err rc;

	lockd_config_defaults(c);
	memset(err, 0, sizeof(*err));
	rc = config_load(path, true, lockd_keys, ARRAY_LEN(lockd_keys), c, err);
	if (rc == SL_OK) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		rc = check(c, err);
	}
	return rc;
}

void lockd_config_wipe(struct lockd_config *c)
{
	sign_key_wipe(&c->signing_key);
	memset(c->broker_password, 0, sizeof(c->broker_password));
}
