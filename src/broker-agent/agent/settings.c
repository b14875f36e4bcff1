/* settings.c - the agent.conf key table, defaults and custom parsers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/protocol.h"

#include "settings.h"

static enum sl_err parse_locks(const char *value, void *field, char *msg, size_t size)
{
	struct agent_lock_list *l = field;
	const char *p = value;

	memset(l, 0, sizeof(*l));
	for (;;) {
		size_t n;
		char name[SL_NAME_MAX + 2];

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == 0 || n > SL_NAME_MAX) {
			snprintf(msg, size, "expected a comma-separated list of lock ids");
			return SL_ERR_CONFIG_VALUE;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (topic_check_name(name) != SL_OK) {
			snprintf(msg, size, "lock id \"%s\": %s", name,
					sl_strerror(topic_check_name(name)));
			return SL_ERR_CONFIG_VALUE;
		}
		for (size_t i = 0; i < l->count; i++) {
			if (strcmp(l->ids[i], name) == 0) {
				snprintf(msg, size, "lock id \"%s\" given twice", name);
				return SL_ERR_CONFIG_VALUE;
			}
		}
		if (l->count == AGENT_LOCKS_MAX) {
			snprintf(msg, size, "at most %d locks per agent", AGENT_LOCKS_MAX);
			return SL_ERR_CONFIG_VALUE;
		}
		memcpy(l->ids[l->count++], name, n + 1);
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return SL_OK;
		if (*p != ',') {
			snprintf(msg, size, "expected ',' between lock ids");
			return SL_ERR_CONFIG_VALUE;
		}
		p++;
	}
}

struct level_name {
	const char *name;
	enum sl_log_level level;
};

static const struct level_name levels[] = {
	{"debug", SL_LOG_DEBUG},
	{"error", SL_LOG_ERROR},
	{"info", SL_LOG_INFO},
	{"notice", SL_LOG_NOTICE},
	{"warning", SL_LOG_WARNING},
};

static int cmp_level(const void *key, const void *elem)
{
	return strcmp(key, ((const struct level_name *)elem)->name);
}

static enum sl_err parse_level(const char *value, void *field, char *msg, size_t size)
{
	const struct level_name *l = bsearch(value, levels, sizeof(levels) / sizeof(levels[0]),
			sizeof(levels[0]), cmp_level);

	if (!l) {
		snprintf(msg, size, "expected error, warning, notice, info or debug");
		return SL_ERR_CONFIG_VALUE;
	}
	memcpy(field, &l->level, sizeof(l->level));
	return SL_OK;
}

enum sl_err settings_parse_command(const char *value, struct agent_command *out,
		char *msg, size_t size)
{
	const char *p = value;
	size_t used = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		if (out->argc == AGENT_CHANNEL_ARGS_MAX) {
			snprintf(msg, size, "at most %d words (the program and its arguments)",
					AGENT_CHANNEL_ARGS_MAX);
			return SL_ERR_CONFIG_VALUE;
		}
		if (used + n + 1 > sizeof(out->words)) {
			snprintf(msg, size, "the command is too long");
			return SL_ERR_CONFIG_VALUE;
		}
		memcpy(out->words + used, p, n);
		out->words[used + n] = '\0';
		used += n + 1;
		out->argc++;
		p += n;
	}
	if (out->argc == 0 || out->words[0] != '/') {
		out->argc = 0;
		snprintf(msg, size, "expected the absolute path of a program, then its arguments "
				"(run without a shell)");
		return SL_ERR_CONFIG_VALUE;
	}
	return SL_OK;
}

const char *settings_command_word(const struct agent_command *cmd, size_t i)
{
	const char *w = cmd->words;

	while (i-- > 0)
		w += strlen(w) + 1;
	return w;
}

static enum sl_err parse_command(const char *value, void *field, char *msg, size_t size)
{
	return settings_parse_command(value, field, msg, size);
}

/* "all", or alert kind names separated by commas. */
static enum sl_err parse_kinds(const char *value, void *field, char *msg, size_t size)
{
	uint32_t mask = 0;
	const char *p = value;

	if (strcmp(value, "all") == 0) {
		mask = (UINT32_C(1) << SL_ALERT_COUNT_) - 1;
		memcpy(field, &mask, sizeof(mask));
		return SL_OK;
	}
	for (;;) {
		char name[32];
		enum sl_alert_kind k;
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (n == 0 || n >= sizeof(name)) {
			snprintf(msg, size, "expected \"all\" or alert kinds separated by commas");
			return SL_ERR_CONFIG_VALUE;
		}
		memcpy(name, p, n);
		name[n] = '\0';
		if (proto_alert_parse(name, &k) != SL_OK) {
			snprintf(msg, size, "\"%s\" is not an alert kind (see smartlock-agent(8))",
					name);
			return SL_ERR_CONFIG_VALUE;
		}
		mask |= UINT32_C(1) << k;
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',') {
			snprintf(msg, size, "expected ',' between alert kinds");
			return SL_ERR_CONFIG_VALUE;
		}
	}
	memcpy(field, &mask, sizeof(mask));
	return SL_OK;
}

#define OFF(f) offsetof(struct agent_settings, f)
#define STR(name, f) {name, SL_CFG_STRING, false, OFF(f), sizeof(((struct agent_settings *)0)->f), 0, 0, NULL}
#define INT(name, f, lo, hi) {name, SL_CFG_INT, false, OFF(f), 0, lo, hi, NULL}

/* The keys of alert channel n (1-based), i its index: sorted by name. */
#define CHANNEL(n, i) \
	{"alert_" #n "_command", SL_CFG_CUSTOM, false, OFF(channels[i].command), 0, 0, 0, \
		parse_command}, \
	{"alert_" #n "_kinds", SL_CFG_CUSTOM, false, OFF(channels[i].kinds), 0, 0, 0, \
		parse_kinds}, \
	{"alert_" #n "_name", SL_CFG_NAME, false, OFF(channels[i].name), SL_NAME_MAX + 1, \
		0, 0, NULL}, \
	INT("alert_" #n "_rate_max", channels[i].rate_max, 1, 1000), \
	INT("alert_" #n "_rate_window", channels[i].rate_window, 1, 86400 * 7), \
	INT("alert_" #n "_retry_for", channels[i].retry_for, 0, 86400), \
	INT("alert_" #n "_timeout", channels[i].timeout, 1, 3600)

/* Sorted by name (bsearch in config_parse). */
static const struct sl_config_key keys[] = {
	INT("abuse_alert_interval", abuse_alert_interval, 1, 86400),
	INT("actuation_window_ms", actuation_window_ms, 100, 60000),
	CHANNEL(1, 0), CHANNEL(2, 1), CHANNEL(3, 2), CHANNEL(4, 3),
	CHANNEL(5, 4), CHANNEL(6, 5), CHANNEL(7, 6), CHANNEL(8, 7),
	INT("audit_aggregate_window", audit_aggregate_window, 0, 3600),
	INT("audit_budget_bytes", audit_budget_bytes, 0, INT64_C(1) << 40),
	INT("audit_min_free_kb", audit_min_free_kb, 0, INT64_C(1) << 40),
	INT("audit_rotate_bytes", audit_rotate_bytes, 0, INT64_C(1) << 40),
	STR("broker_cafile", broker_cafile),
	STR("broker_host", broker_host),
	STR("broker_password", broker_password),
	INT("broker_port", broker_port, 1, 65535),
	STR("broker_socket", broker_socket),
	{"broker_tls", SL_CFG_BOOL, false, OFF(broker_tls), 0, 0, 0, NULL},
	{"broker_user", SL_CFG_NAME, false, OFF(broker_user), SL_NAME_MAX + 1, 0, 0, NULL},
	INT("checkpoint_interval", checkpoint_interval, 1, 86400),
	{"client_id", SL_CFG_NAME, false, OFF(client_id), SL_NAME_MAX + 1, 0, 0, NULL},
	INT("command_expiry_ms", command_expiry_ms, 100, SL_COMMAND_LIFETIME_MAX),
	INT("command_timeout_ms", command_timeout_ms, 100, 600000),
	INT("duplicate_window", duplicate_window, 0, 3600),
	INT("fail_threshold", fail_threshold, 1, 100),
	INT("fail_window", fail_window, 1, 86400),
	INT("heartbeat_interval", heartbeat_interval, 1, 86400),
	INT("keepalive", keepalive, 5, 3600),
	STR("lock_keys_dir", lock_keys_dir),
	INT("lockout_duration", lockout_duration, 1, 86400 * 7),
	{"locks", SL_CFG_CUSTOM, false, OFF(locks), 0, 0, 0, parse_locks},
	{"log_level", SL_CFG_CUSTOM, false, OFF(log_level), 0, 0, 0, parse_level},
	INT("log_live_max", log_live_max, 1, 1000000),
	INT("log_page_max", log_page_max, 1, 500),
	STR("passwd_file", passwd_file),
	{"persistent_session", SL_CFG_BOOL, false, OFF(persistent_session), 0, 0, 0, NULL},
	INT("reconnect_max_ms", reconnect_max_ms, 100, 600000),
	INT("reconnect_min_ms", reconnect_min_ms, 10, 600000),
	INT("replay_cache_size", replay_cache_size, 16, 1 << 20),
	INT("request_window", request_window, 1, 3600),
	STR("state_dir", state_dir),
	INT("stranger_fail_threshold", stranger_fail_threshold, 1, 100),
	INT("stranger_fail_window", stranger_fail_window, 1, 86400),
	INT("stranger_lockout_duration", stranger_lockout_duration, 1, 86400 * 7),
	{"stranger_lockout_serves_residents", SL_CFG_BOOL, false,
		OFF(stranger_lockout_serves_residents), 0, 0, 0, NULL},
	INT("unlock_rate_max", unlock_rate_max, 0, 100),
	INT("unlock_rate_window", unlock_rate_window, 1, 86400),
};

void settings_defaults(struct agent_settings *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->broker_host, sizeof(s->broker_host), "127.0.0.1");
	s->broker_port = 1883;
	snprintf(s->broker_user, sizeof(s->broker_user), "agent");
	snprintf(s->client_id, sizeof(s->client_id), "smartlock-agent");
	s->keepalive = 30;
	s->reconnect_min_ms = 250;
	s->reconnect_max_ms = 2000;
	snprintf(s->state_dir, sizeof(s->state_dir), "/var/lib/smartlock");
	s->locks.count = 1;
	snprintf(s->locks.ids[0], sizeof(s->locks.ids[0]), "%s", SL_DEFAULT_LOCK);
	snprintf(s->lock_keys_dir, sizeof(s->lock_keys_dir), "/etc/smartlock/keys");
	s->request_window = 60;
	s->duplicate_window = 10;
	s->replay_cache_size = 1024;
	s->checkpoint_interval = 1;
	s->log_live_max = 500;
	s->command_timeout_ms = 10000;
	s->heartbeat_interval = 60;
	s->fail_threshold = 3;
	s->fail_window = 300;
	s->lockout_duration = 300;
	s->unlock_rate_max = 3;
	s->unlock_rate_window = 300;
	s->audit_rotate_bytes = 1024 * 1024;
	s->log_page_max = 100;
	s->audit_min_free_kb = 10240;
	s->persistent_session = true;
	s->log_level = SL_LOG_NOTICE;
	s->stranger_fail_threshold = 3;
	s->stranger_fail_window = 300;
	s->stranger_lockout_duration = 300;
	s->stranger_lockout_serves_residents = true;
	s->abuse_alert_interval = 300;
	s->audit_aggregate_window = 60;
	s->audit_budget_bytes = INT64_C(256) * 1024 * 1024;
	s->command_expiry_ms = 5000;
	s->actuation_window_ms = 2000;
	for (size_t i = 0; i < AGENT_CHANNELS_MAX; i++) {
		struct agent_channel_conf *c = &s->channels[i];

		c->kinds = (UINT32_C(1) << SL_ALERT_COUNT_) - 1;
		c->rate_max = 5;
		c->rate_window = 600;
		c->timeout = 10;
		c->retry_for = 600;
	}
}

void settings_channel_name(const struct agent_settings *s, size_t i, char *buf, size_t size)
{
	const struct agent_channel_conf *c = &s->channels[i];
	const char *prog, *base;

	if (c->name[0]) {
		snprintf(buf, size, "%s", c->name);
		return;
	}
	prog = settings_command_word(&c->command, 0);
	base = strrchr(prog, '/');
	base = base ? base + 1 : prog;
	if (c->command.argc > 0 && topic_check_name(base) == SL_OK)
		snprintf(buf, size, "%s", base);
	else
		snprintf(buf, size, "alert-%zu", i + 1);
}

enum sl_err settings_load(const char *path, struct agent_settings *s,
		struct sl_config_error *err)
{
	enum sl_err e;

	e = config_load(path, false, keys, sizeof(keys) / sizeof(keys[0]), s, err);
	if (e != SL_OK)
		return e;
	if (s->reconnect_min_ms > s->reconnect_max_ms) {
		memset(err, 0, sizeof(*err));
		err->code = SL_ERR_CONFIG_VALUE;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->key, sizeof(err->key), "reconnect_min_ms");
		snprintf(err->msg, sizeof(err->msg), "must not exceed reconnect_max_ms");
		return SL_ERR_CONFIG_VALUE;
	}
	if (s->broker_password[0]) {
		/* the file holds a secret: it must be private like any key file */
		e = config_load(path, true, keys, sizeof(keys) / sizeof(keys[0]), s, err);
		if (e != SL_OK)
			return e;
	}
	return SL_OK;
}

int64_t settings_first_answer_ms(const struct agent_settings *s)
{
	int64_t lived = s->command_expiry_ms + SL_CLOCK_TOLERANCE_MAX + SL_COMMAND_MARGIN;

	return s->command_timeout_ms > lived ? s->command_timeout_ms : lived;
}

int settings_lock_index(const struct agent_settings *s, const char *lock)
{
	for (size_t i = 0; i < s->locks.count; i++)
		if (strcmp(s->locks.ids[i], lock) == 0)
			return (int)i;
	return -1;
}
