/*
 * backend.h - what drives the bolt and reads the sensors: the interface of
 * the libgpiod backend and of the simulated backend, and their settings.
 *
 * A backend never blocks. The daemon's loop polls the descriptors the
 * backend lists, then calls backend_service(), which drains them without
 * waiting, ends timed drives whose time has come and reports what happened
 * as events: the drive finished, the debounced bolt sensor changed, the
 * debounced door sensor changed. backend_next_deadline() tells the loop
 * when to call again even if no descriptor becomes ready. All times are
 * CLOCK_MONOTONIC milliseconds passed in by the caller.
 *
 * A backend is owned by its creator and destroyed with backend_destroy();
 * not thread-safe. Messages are written into caller buffers.
 */
#ifndef SMARTLOCK_LOCK_BACKEND_H
#define SMARTLOCK_LOCK_BACKEND_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/protocol.h"

#define BACKEND_EVENTS_MAX 8
#define BACKEND_FDS_MAX 4
#define BACKEND_MSG_MAX 256
#define BACKEND_CONSUMER "smartlock-lockd"  /* shown by gpioinfo */
#define BACKEND_NO_LINE (-1)

/* ---- settings (lockd.conf gpio_* and sim_* keys) ---- */

enum gpio_mode {
	GPIO_MODE_PULSE,        /* lock and unlock lines, each pulsed */
	GPIO_MODE_HOLD,         /* one line held: active = unlocked */
};

enum gpio_bias { GPIO_BIAS_AS_IS, GPIO_BIAS_DISABLE, GPIO_BIAS_PULL_UP, GPIO_BIAS_PULL_DOWN };

struct gpio_config {
	char chip[64];          /* name, path, label or number (gpiod_chip_open_lookup) */
	enum gpio_mode mode;
	int64_t lock_line;      /* pulse mode: line pulsed to throw the bolt */
	int64_t unlock_line;    /* pulse mode: line pulsed to retract it */
	int64_t actuator_line;  /* hold mode: active while unlocked */
	bool active_low;        /* actuator lines are active-low */
	int64_t pulse_ms;       /* pulse mode: how long a line is active */
	int64_t settle_ms;      /* hold mode: time the mechanism needs */
	int64_t door_line;      /* BACKEND_NO_LINE = no door sensor; active = open */
	bool door_active_low;
	int64_t bolt_line;      /* BACKEND_NO_LINE = no bolt sensor; active = thrown */
	bool bolt_active_low;
	enum gpio_bias input_bias;
	int64_t debounce_ms;
};

enum sim_jam { SIM_JAM_NONE, SIM_JAM_LOCK, SIM_JAM_UNLOCK, SIM_JAM_ALWAYS };

struct sim_config {
	int64_t actuation_ms;   /* how long a drive takes */
	enum sim_jam jam;       /* which drives leave the bolt where it was */
	bool bolt_sensor;       /* the simulated bolt has a position sensor */
	bool door_sensor;       /* the simulated door has a sensor */
	enum sl_door door;      /* initial door (closed/open) */
	bool locked;            /* initial bolt position */
	char control[512];      /* FIFO for test/demo control lines, "" = none */
};

/* ---- events ---- */

enum backend_event_kind {
	BACKEND_EV_DRIVE_DONE,  /* the actuator finished driving */
	BACKEND_EV_BOLT,        /* bolt sensor now reads locked (or not) */
	BACKEND_EV_DOOR,        /* door sensor now reads door */
};

struct backend_event {
	enum backend_event_kind kind;
	bool locked;
	enum sl_door door;
};

struct backend_events {
	struct backend_event ev[BACKEND_EVENTS_MAX];
	size_t n;
};

/* ---- the interface ---- */

struct backend;

struct backend_ops {
	const char *name;
	/* Start driving towards locked (true) or unlocked; a drive already
	 * running is ended first. Never blocks. */
	enum sl_err (*drive)(struct backend *b, bool lock, int64_t now);
	/* De-energise every actuator output now. */
	void (*stop)(struct backend *b, int64_t now);
	/* Descriptors to poll for input; returns how many were written. */
	size_t (*fds)(struct backend *b, struct pollfd *fds, size_t max);
	/* Drain inputs, end timed drives due at now, append events to out. */
	void (*service)(struct backend *b, int64_t now, struct backend_events *out);
	int64_t (*next_deadline)(const struct backend *b);
	void (*destroy)(struct backend *b);
};

/* What a backend knows at start. */
struct backend_info {
	bool bolt_sensor;       /* moves complete on the bolt sensor */
	bool door_sensor;
	enum sl_lock_state state;       /* LOCKED, UNLOCKED or UNKNOWN */
	enum sl_door door;              /* SL_DOOR_UNKNOWN without a sensor */
};

struct backend {
	const struct backend_ops *ops;
	struct backend_info info;
};

/*
 * Open the GPIO chip and request the lines. On failure returns NULL, sets
 * *err (SL_ERR_NOT_FOUND: no such chip or line; SL_ERR_BUSY: a line is
 * held by another consumer; SL_ERR_PERM: permission denied; SL_ERR_IO,
 * SL_ERR_INVAL, SL_ERR_NOMEM otherwise) and writes a sentence into msg.
 * Not available (SL_ERR_NOT_FOUND) when built without libgpiod.
 */
struct backend *backend_gpio_create(const struct gpio_config *cfg, int64_t now,
		enum sl_err *err, char *msg, size_t msg_size);

/* The simulated backend; same contract. With cfg->control set, a FIFO is
 * created there (mode 0600) and lines written to it act on the simulation:
 * "door open", "door closed", "turn locked", "turn unlocked" (a manual
 * turn), "jam none|lock|unlock|always". */
struct backend *backend_sim_create(const struct sim_config *cfg, int64_t now,
		enum sl_err *err, char *msg, size_t msg_size);

/* Dispatch helpers; destroy(NULL) does nothing. */
enum sl_err backend_drive(struct backend *b, bool lock, int64_t now);
void backend_stop(struct backend *b, int64_t now);
size_t backend_fds(struct backend *b, struct pollfd *fds, size_t max);
void backend_service(struct backend *b, int64_t now, struct backend_events *out);
int64_t backend_next_deadline(const struct backend *b);
void backend_destroy(struct backend *b);

/* Append one event (dropped, never overflowing, when out is full). */
void backend_emit(struct backend_events *out, enum backend_event_kind kind,
		bool locked, enum sl_door door);

#endif
