/*
 * settings.h - smartlock-agent's configuration: the keys of agent.conf,
 * their defaults and ranges (see smartlock-agent(8)).
 *
 * Plain values in a caller-owned struct; settings_load() keeps nothing.
 */
#ifndef AGENT_SETTINGS_H
#define AGENT_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/config.h"
#include "smartlock/enrol.h"
#include "smartlock/log.h"
#include "smartlock/topic.h"

#define AGENT_LOCKS_MAX 16
#define AGENT_DEFAULT_CONFIG "/etc/smartlock/agent.conf"

struct agent_lock_list {
	size_t count;
	char ids[AGENT_LOCKS_MAX][SL_NAME_MAX + 1];
};

#define AGENT_CHANNELS_MAX 8     /* alert_1_* .. alert_8_* */
#define AGENT_CHANNEL_ARGS_MAX 16

/* An alert channel's program and arguments: argc words, each ended by a
 * NUL, one after the other in words (no shell, no quoting). */
struct agent_command {
	char words[SL_CONFIG_LINE_MAX];
	size_t argc;                    /* 0 = the channel is not configured */
};

/* One alert channel (alert_N_* keys; smartlock-agent(8), ALERT CHANNELS). */
struct agent_channel_conf {
	struct agent_command command;
	char name[SL_NAME_MAX + 1];     /* "" = the program's file name */
	uint32_t kinds;                 /* bit per enum sl_alert_kind sent */
	int64_t rate_max;               /* alerts run per rate_window */
	int64_t rate_window;            /* s */
	int64_t timeout;                /* s a run may take before it is killed */
	int64_t retry_for;              /* s a failed alert is retried for */
};

struct agent_settings {
	char broker_socket[SL_PATH_MAX];
	char broker_host[256];
	int64_t broker_port;
	bool broker_tls;
	char broker_cafile[SL_PATH_MAX];
	char broker_user[SL_NAME_MAX + 1];
	char broker_password[SL_PASSWORD_MAX];
	char client_id[SL_NAME_MAX + 1];        /* MQTT client id */
	int64_t keepalive;              /* s */
	int64_t reconnect_min_ms, reconnect_max_ms;

	char state_dir[SL_PATH_MAX];
	struct agent_lock_list locks;
	char lock_keys_dir[SL_PATH_MAX];
	char passwd_file[SL_PATH_MAX];  /* "" = do not maintain one */

	int64_t request_window;         /* s: |now - t| allowed */
	int64_t duplicate_window;       /* s: identical re-send = QoS 1 duplicate */
	int64_t replay_cache_size;      /* entries */
	int64_t checkpoint_interval;    /* s between state.json saves while busy */
	int64_t log_live_max;           /* audit records a second on the log topic */
	int64_t command_timeout_ms;
	int64_t heartbeat_interval;     /* s, when a heartbeat does not say */
	int64_t fail_threshold;
	int64_t fail_window;            /* s */
	int64_t lockout_duration;       /* s */
	int64_t unlock_rate_max;        /* 0 = no rate rule */
	int64_t unlock_rate_window;     /* s */
	int64_t audit_rotate_bytes;     /* 0 = never rotate */
	int64_t log_page_max;           /* records per admin log page */
	int64_t audit_min_free_kb;      /* disk-low alert below this; 0 = off */
	bool persistent_session;        /* broker keeps our subscriptions and queue */
	enum sl_log_level log_level;
	/* failures by unregistered identities (failed broker logins, unknown
	 * users) disable unlocking a lock for all but the served roles */
	int64_t stranger_fail_threshold;
	int64_t stranger_fail_window;   /* s */
	int64_t stranger_lockout_duration;      /* s */
	bool stranger_lockout_serves_residents;
	int64_t abuse_alert_interval;   /* s between abuse alerts per sender */
	int64_t audit_aggregate_window; /* s; 0 = write every denial */
	int64_t audit_budget_bytes;     /* 0 = no budget */
	int64_t command_expiry_ms;      /* a command's lifetime at the lock */
	int64_t actuation_window_ms;    /* oldest request a command is signed for */
	struct agent_channel_conf channels[AGENT_CHANNELS_MAX];
};

void settings_defaults(struct agent_settings *s);

/* Load path over the defaults; on error *err says where and why. */
enum sl_err settings_load(const char *path, struct agent_settings *s,
		struct sl_config_error *err);

/* How long the agent waits for a lock's first answer to a command:
 * command_timeout_ms, but never less than the command can live at a lock
 * (command_expiry_ms + SL_CLOCK_TOLERANCE_MAX + SL_COMMAND_MARGIN), so a
 * command reported as not answered can no longer be carried out. */
int64_t settings_first_answer_ms(const struct agent_settings *s);
/* Split a channel command line into out (blanks separate words; no
 * quoting); the program must be an absolute path. On error msg says why. */
enum sl_err settings_parse_command(const char *value, struct agent_command *out,
		char *msg, size_t size);

/* The i-th word of cmd (i < cmd->argc). */
const char *settings_command_word(const struct agent_command *cmd, size_t i);

/* The name a channel is shown by: alert_N_name, else its program's file
 * name when that is a valid name, else "alert-N". */
void settings_channel_name(const struct agent_settings *s, size_t i, char *buf, size_t size);

/* Index of lock in the served list, or -1. */
int settings_lock_index(const struct agent_settings *s, const char *lock);

#endif
