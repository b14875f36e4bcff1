/*
 * lockd.h - the daemon's context and its single-threaded poll() loop: the
 * broker link, the backend, the state machine and the persisted command
 * sequence, tied together. Exit codes are the program's (see main.c and
 * man/smartlock-lockd.8).
 *
 * struct lockd is caller memory (lockd_init/lockd_finish); it keeps the
 * config pointer, which must outlive it. Not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_LOCKD_H
#define SMARTLOCK_LOCK_LOCKD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "fsm.h"
#include "lockd_config.h"
#include "mqtt.h"
#include "seqstore.h"

enum lockd_exit {
	LOCKD_EXIT_OK = 0,      /* clean shutdown on SIGTERM/SIGINT */
	LOCKD_EXIT_RUNTIME = 1, /* runtime failure */
	LOCKD_EXIT_USAGE = 2,   /* bad command line */
	LOCKD_EXIT_CONFIG = 3,  /* configuration or state file error */
	LOCKD_EXIT_GPIO = 4,    /* GPIO setup: missing chip, busy line, permission */
};

struct lockd {
	const struct lockd_config *cfg;
	struct seq_store seq;
	struct backend *backend;
	struct fsm fsm;
	struct mqtt_link mqtt;
	int sigfd;
	bool stop;
	bool announced;                 /* "ready" logged at least once */
	int64_t started;                /* monotonic ms */
	int64_t next_heartbeat;         /* monotonic ms */
	int64_t last_heartbeat;         /* monotonic ms; 0 = none yet */
	enum sl_lock_state reported_state;      /* in the last heartbeat */
	enum sl_door reported_door;
	int64_t commands;               /* executed since start */
	int64_t refused;                /* refused since start */
};

/* Open the state file, the backend and the MQTT client. Returns an exit
 * code (LOCKD_EXIT_OK on success) and explains failures in msg. */
enum lockd_exit lockd_init(struct lockd *ld, const struct lockd_config *cfg,
		char *msg, size_t msg_size);

/* Run until SIGTERM or SIGINT; returns the exit code. */
enum lockd_exit lockd_run(struct lockd *ld);

/* Release everything; safe after a failed lockd_init(). */
void lockd_finish(struct lockd *ld);

/* ---- used by the loop's parts (command.c, report.c) ---- */

/* Act on one message from the lock topic. */
void lockd_handle_message(struct lockd *ld, const struct mqtt_message *msg, int64_t now);

/* Feed an event to the state machine and carry out its actions, which are
 * left in acts; a heartbeat follows any change of state or door. */
void lockd_feed(struct lockd *ld, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *acts);

/* Publish lockStatus with the current state and door. */
void lockd_report_status(struct lockd *ld, uint64_t seq, enum sl_result result,
		enum sl_reason reason);

/* Publish the retained heartbeat now and restart its interval. */
void lockd_report_heartbeat(struct lockd *ld, int64_t now);

/* The retained offline payload (the last will): malloc'd, or NULL. */
char *lockd_offline_payload(void);

#endif
