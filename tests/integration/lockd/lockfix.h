/*
 * lockfix.h - what every smartlock-lockd integration test starts from: a
 * private Mosquitto (tests/harness), a directory with lockd.conf (simulated
 * backend, short times) and the lock's key, the REAL smartlock-lockd
 * process, and an "agent" client that signs commands with the lock key and
 * watches lockStatus and health.
 */
#ifndef LOCKD_FIXTURE_H
#define LOCKD_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "smartlock/protocol.h"

#define LX_LOCK "front-door"
#define LX_WAIT 5000            /* ms: a message that should come */
#define LX_EXPIRY 5000          /* ms: how long a test command stays valid */
#define LX_TOPIC_LOCK "smartlock/" LX_LOCK "/lock"
#define LX_TOPIC_STATUS "smartlock/" LX_LOCK "/lockStatus"
#define LX_TOPIC_HEALTH "smartlock/" LX_LOCK "/health"

struct lx {
	char dir[HARNESS_PATH_MAX];
	char conf_path[HARNESS_PATH_MAX];
	char state_path[HARNESS_PATH_MAX];
	char control_path[HARNESS_PATH_MAX];
	char log_path[HARNESS_PATH_MAX];        /* of the latest start */
	struct harness_broker broker;
	struct harness_proc lockd;
	bool running;
	int starts;
	struct sl_key key;
	struct harness_client *agent;   /* publishes on lock; lockStatus, health */
	uint64_t seq;                   /* last seq sent by lx_command() */
};

/* Directory, broker, key, lockd.conf (the extra lines appended; they may
 * not repeat a key written here, except that "backend =" replaces the
 * default backend = sim), the agent client. Does not start lockd. 0/-1. */
int lx_setup(struct lx *x, const char *extra_conf);
/* Write lockd.conf again with other extra lines. 0 or -1. */
int lx_write_conf(struct lx *x, const char *extra_conf);
/* Start lockd and wait for its ready line (a fresh log per start). 0/-1. */
int lx_start(struct lx *x);
/* Send sig to lockd; its exit code (128+n if killed by signal n). */
int lx_stop(struct lx *x, int sig);
/* fx_setup + lx_start + the first heartbeat received. 0 or -1. */
int lx_up(struct lx *x, const char *extra_conf);
void lx_teardown(struct lx *x);

/* Sign cmd (with key, NULL = the lock key) for the lock topic and publish
 * it (QoS 1). 0 or -1. */
int lx_send(struct lx *x, struct sl_command *cmd, const struct sl_key *key);
/* A command with the next seq, signed with the lock key; its seq, 0 on
 * failure. */
uint64_t lx_command(struct lx *x, enum sl_action action);
/* Publish raw text on the lock topic. 0 or -1. */
int lx_send_raw(struct lx *x, const char *payload);

/* The next lockStatus / health message, decoded. 0 or -1 (timeout or a
 * payload that does not decode). */
int lx_status(struct lx *x, struct sl_lock_status *st, int timeout_ms);
int lx_health(struct lx *x, struct sl_heartbeat *hb, int timeout_ms);

/* Write one control line to the simulation's FIFO. 0 or -1. */
int lx_control(struct lx *x, const char *line);

/* x->dir/name into buf. 0 or -1 (too long). */
int lx_path(const struct lx *x, char *buf, size_t size, const char *name);

/* Run smartlock-lockd with argv[1..] (NULL-terminated) to completion;
 * returns its exit code and leaves its output in x->dir/run.log. */
int lx_run(struct lx *x, const char *const *args);

#endif
