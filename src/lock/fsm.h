/*
 * fsm.h - the bolt's state machine, pure: events and the current time go in,
 * a short list of actions comes out. No I/O, no clock, no allocation, so
 * every transition can be tested by feeding events and times.
 *
 *   LOCKED --unlock--> UNLOCKING --bolt reads unlocked--> UNLOCKED
 *   UNLOCKED --lock / auto-relock--> LOCKING --bolt reads locked--> LOCKED
 *   LOCKING/UNLOCKING --no completion within move_timeout_ms--> JAMMED
 *   JAMMED --reset--> LOCKING (re-home) --> LOCKED
 *
 * A move completes when the bolt sensor reads the target position (with a
 * bolt sensor), or when the actuator reports its drive finished (without
 * one). Policy: lock, unlock and reset are refused with "busy" while the
 * bolt moves; lock and unlock with "jammed" while JAMMED (only reset clears
 * it); lock and reset with "door-open" while the door sensor reads open.
 * Auto-relock fires auto_relock_ms after the lock became UNLOCKED and never
 * while the door is open: a door that is open when the delay ends re-arms
 * the full delay when it closes.
 *
 * Times are milliseconds of one monotonic clock chosen by the caller.
 * struct fsm is plain caller memory; not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_FSM_H
#define SMARTLOCK_LOCK_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/protocol.h"

#define FSM_NO_DEADLINE INT64_MAX
#define FSM_ACTIONS_MAX 4

struct fsm_config {
	bool bolt_sensor;               /* completion is read from a bolt sensor */
	int64_t move_timeout_ms;        /* > 0 */
	int64_t auto_relock_ms;         /* 0 = off */
};

enum fsm_event_kind {
	FSM_EV_COMMAND,         /* an accepted command: action, seq */
	FSM_EV_DRIVE_DONE,      /* the actuator finished its drive */
	FSM_EV_BOLT,            /* debounced bolt sensor: bolt_locked */
	FSM_EV_DOOR,            /* debounced door sensor: door */
	FSM_EV_TICK,            /* time passed; deadlines are checked */
};

struct fsm_event {
	enum fsm_event_kind kind;
	enum sl_action action;  /* FSM_EV_COMMAND */
	uint64_t seq;           /* FSM_EV_COMMAND */
	bool bolt_locked;       /* FSM_EV_BOLT */
	enum sl_door door;      /* FSM_EV_DOOR */
};

enum fsm_action_kind {
	FSM_ACT_DRIVE,          /* start driving the bolt: lock (true) or unlock */
	FSM_ACT_STOP,           /* stop driving (de-energise the actuator) */
	FSM_ACT_STATUS,         /* report on lockStatus: seq, result, reason */
	FSM_ACT_HEARTBEAT,      /* publish a heartbeat now */
};

struct fsm_action {
	enum fsm_action_kind kind;
	bool lock;              /* FSM_ACT_DRIVE */
	uint64_t seq;           /* FSM_ACT_STATUS: 0 for spontaneous changes */
	enum sl_result result;  /* FSM_ACT_STATUS */
	enum sl_reason reason;  /* FSM_ACT_STATUS */
};

struct fsm_actions {
	struct fsm_action a[FSM_ACTIONS_MAX];
	size_t n;
};

struct fsm {
	struct fsm_config cfg;
	enum sl_lock_state state;
	enum sl_door door;
	bool bolt_known;        /* a bolt reading has been seen */
	bool bolt_locked;       /* last bolt reading */
	uint64_t seq;           /* command being executed, 0 = spontaneous */
	int64_t move_deadline;  /* FSM_NO_DEADLINE when not moving */
	int64_t relock_at;      /* FSM_NO_DEADLINE when not armed */
	bool relock_on_close;   /* delay ended with the door open */
};

/* Start in state (LOCKED, UNLOCKED or UNKNOWN, as the backend reports it)
 * with the door as its sensor reads (SL_DOOR_UNKNOWN without a sensor).
 * An UNLOCKED start arms auto-relock. */
void fsm_init(struct fsm *f, const struct fsm_config *cfg,
		enum sl_lock_state state, enum sl_door door, int64_t now);

/* Feed one event at time now; out is cleared and filled. */
void fsm_handle_event(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out);

/* The earliest time at which an FSM_EV_TICK changes something, or
 * FSM_NO_DEADLINE. */
int64_t fsm_next_deadline(const struct fsm *f);

/* True while the bolt is being driven (LOCKING or UNLOCKING). */
bool fsm_is_moving(const struct fsm *f);

#endif
