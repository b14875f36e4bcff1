/* fuzz_config.c - libFuzzer target: config_parse() on arbitrary bytes, with a
 * key table that covers every value type. Must never crash or leak. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/config.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_settings {
	bool enabled;
	int64_t interval;
	struct sl_key key;
	char lock[SL_NAME_MAX + 1];
	int mode;
	int64_t port;
	char text[48];
	char user[SL_NAME_MAX + 1];
};

static enum sl_err parse_mode(const char *value, void *field, char *msg, size_t msg_size)
{
	int64_t v;
	int m;

	if (config_parse_int(value, 0, 7, &v) != SL_OK) {
		snprintf(msg, msg_size, "expected a mode from 0 to 7");
		return SL_ERR_BAD_VALUE;
	}
	m = (int)v;
	memcpy(field, &m, sizeof(m));
	return SL_OK;
}

/* sorted by name */
static const struct sl_config_key keys[] = {
	{ .name = "enabled", .type = SL_CFG_BOOL,
	  .offset = offsetof(struct fuzz_settings, enabled) },
	{ .name = "interval", .type = SL_CFG_INT, .required = true,
	  .offset = offsetof(struct fuzz_settings, interval), .min = INT64_MIN, .max = INT64_MAX },
	{ .name = "key", .type = SL_CFG_KEY,
	  .offset = offsetof(struct fuzz_settings, key) },
	{ .name = "lock", .type = SL_CFG_NAME,
	  .offset = offsetof(struct fuzz_settings, lock), .size = SL_NAME_MAX + 1 },
	{ .name = "mode", .type = SL_CFG_CUSTOM,
	  .offset = offsetof(struct fuzz_settings, mode), .parse = parse_mode },
	{ .name = "port", .type = SL_CFG_INT,
	  .offset = offsetof(struct fuzz_settings, port), .min = 1, .max = 65535 },
	{ .name = "text", .type = SL_CFG_STRING,
	  .offset = offsetof(struct fuzz_settings, text), .size = 48 },
	{ .name = "user", .type = SL_CFG_NAME, .required = true,
	  .offset = offsetof(struct fuzz_settings, user), .size = SL_NAME_MAX + 1 },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_settings s;
	struct sl_config_error err;
	char formatted[512];
	enum sl_err rc;

	memset(&s, 0, sizeof(s));
	rc = config_parse((const char *)data, size, "fuzz.conf", keys,
			sizeof(keys) / sizeof(keys[0]), &s, &err);
	if (rc != err.code)
		abort();
	if (rc == SL_OK) {
		/* what was stored obeys the rules of its type */
		if (s.lock[0] && topic_check_name(s.lock) != SL_OK)
			abort();
		if (topic_check_name(s.user) != SL_OK)
			abort();
		if (s.port && (s.port < 1 || s.port > 65535))
			abort();
		if (s.mode < 0 || s.mode > 7)
			abort();
		if (memchr(s.text, '\0', sizeof(s.text)) == NULL)
			abort();
	} else {
		if (memchr(err.msg, '\0', sizeof(err.msg)) == NULL ||
				memchr(err.key, '\0', sizeof(err.key)) == NULL)
			abort();
	}
	config_error_format(&err, formatted, sizeof(formatted));
	sign_key_wipe(&s.key);
	return 0;
}
