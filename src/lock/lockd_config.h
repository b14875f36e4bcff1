/*
 * lockd_config.h - smartlock-lockd's settings: the lockd.conf keys, their
 * defaults and the checks made across keys. man/smartlock-lockd.8 and
 * data/lockd.conf.example document every key.
 *
 * The file is a config.h file and must be private (it holds the signing key
 * and the broker password). struct lockd_config is plain caller memory.
 */
#ifndef SMARTLOCK_LOCK_LOCKD_CONFIG_H
#define SMARTLOCK_LOCK_LOCKD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/config.h"
#include "smartlock/log.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

#include "backend.h"

#ifndef LOCKD_DEFAULT_CONFIG
#define LOCKD_DEFAULT_CONFIG "/etc/smartlock/lockd.conf"
#endif
#ifndef LOCKD_DEFAULT_STATE
#define LOCKD_DEFAULT_STATE "/var/lib/smartlock-lockd/lockd.state"
#endif

#define LOCKD_PATH_MAX 512

enum lockd_backend_kind { LOCKD_BACKEND_GPIO, LOCKD_BACKEND_SIM };

struct lockd_config {
	char lock[SL_NAME_MAX + 1];
	char broker_socket[LOCKD_PATH_MAX];
	char broker_host[256];
	int64_t broker_port;            /* 0 until checked: 1883, 8883 with TLS */
	bool broker_tls;
	char broker_cafile[LOCKD_PATH_MAX];
	char broker_user[SL_NAME_MAX + 1];      /* "" until checked: the lock id */
	char broker_password[128];
	int64_t broker_keepalive;       /* s */
	int64_t reconnect_max;          /* s, longest wait between attempts */
	struct sl_key signing_key;
	char state_file[LOCKD_PATH_MAX];
	enum lockd_backend_kind backend;
	int64_t heartbeat_interval;     /* s */
	int64_t auto_relock;            /* s, 0 = off */
	int64_t move_timeout_ms;
	enum sl_log_level log_level;
	int64_t clock_tolerance_ms;     /* how far the agent's clock may differ */
	struct gpio_config gpio;
	struct sim_config sim;
};

/* Every default. */
void lockd_config_defaults(struct lockd_config *c);

/* Defaults, then path (must be private), then the checks across keys.
 * On error *err says where and why (config_error_format()). */
enum sl_err lockd_config_load(struct lockd_config *c, const char *path,
		struct sl_config_error *err);

/* Same from text already in memory (for tests). */
enum sl_err lockd_config_parse(struct lockd_config *c, const char *text, size_t len,
		const char *name, struct sl_config_error *err);

/* Wipe the key and password. */
void lockd_config_wipe(struct lockd_config *c);

#endif
