/* backend_sim.c - a simulated bolt, door and sensors for machines without
 * GPIO, for the tests and the demo; controlled through an optional FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/log.h"

#include "backend.h"

#define SIM_LINE_MAX 64

struct sim {
	struct backend base;
	struct sim_config cfg;
	bool locked;            /* where the simulated bolt is */
	enum sl_door door;      /* the simulated door */
	bool driving;
	bool target;            /* lock (true) or unlock */
	int64_t done_at;
	int fifo;               /* -1 without control */
	bool created_fifo;
	char in[SIM_LINE_MAX];  /* control bytes not yet acted on */
	size_t in_len;
	bool discarding;        /* inside an overlong line */
};

/* ---- control lines ---- */

typedef void (*control_fn)(struct sim *s, int arg, struct backend_events *out);

struct control_entry {
	const char *text;
	control_fn fn;
	int arg;
};

static void control_door(struct sim *s, int arg, struct backend_events *out)
{
	enum sl_door door = (enum sl_door)arg;

	if (door == s->door)
		return;
	s->door = door;
	if (s->cfg.door_sensor)
		backend_emit(out, BACKEND_EV_DOOR, false, door);
}

static void control_turn(struct sim *s, int arg, struct backend_events *out)
{
	if (s->locked == (arg != 0))
		return;
	s->locked = arg != 0;
	if (s->cfg.bolt_sensor)
		backend_emit(out, BACKEND_EV_BOLT, s->locked, SL_DOOR_UNKNOWN);
}

static void control_jam(struct sim *s, int arg, struct backend_events *out)
{
	(void)out;
	s->cfg.jam = (enum sim_jam)arg;
}

/* Sorted by text (strcmp) for bsearch. */
static const struct control_entry control_table[] = {
	{ "door closed", control_door, SL_DOOR_CLOSED },
	{ "door open", control_door, SL_DOOR_OPEN },
	{ "jam always", control_jam, SIM_JAM_ALWAYS },
	{ "jam lock", control_jam, SIM_JAM_LOCK },
	{ "jam none", control_jam, SIM_JAM_NONE },
	{ "jam unlock", control_jam, SIM_JAM_UNLOCK },
	{ "turn locked", control_turn, 1 },
	{ "turn unlocked", control_turn, 0 },
};

static int control_cmp(const void *key, const void *entry)
{
	return strcmp(key, ((const struct control_entry *)entry)->text);
}

static void control_run(struct sim *s, char *line, struct backend_events *out)
{
	const struct control_entry *e;
	size_t len = strlen(line);

	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r'))
		line[--len] = '\0';
	e = bsearch(line, control_table, sizeof(control_table) / sizeof(control_table[0]),
			sizeof(control_table[0]), control_cmp);
	if (!e) {
		sl_log(SL_LOG_WARNING, "simulation: unknown control line \"%s\"", line);
		return;
	}
	sl_log(SL_LOG_INFO, "simulation: %s", line);
	e->fn(s, e->arg, out);
}

/* Move the first whole line of the input buffer into line; false if the
 * buffer holds no whole line. */
static bool control_take_line(struct sim *s, char line[SIM_LINE_MAX])
{
	char *nl = memchr(s->in, '\n', s->in_len);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - s->in);
	memcpy(line, s->in, n);
	line[n] = '\0';
	s->in_len -= n + 1;
	memmove(s->in, nl + 1, s->in_len);
	return true;
}

/* Act on whole lines while there is room for the events they cause (the
 * rest waits: sim_next_deadline() asks to be called again at once), and
 * read more when the buffer holds no whole line. */
static void control_drain(struct sim *s, struct backend_events *out)
{
	char line[SIM_LINE_MAX];
	ssize_t n;

	while (s->fifo >= 0) {
		while (out->n < BACKEND_EVENTS_MAX && control_take_line(s, line)) {
			if (s->discarding)
				s->discarding = false;
			else
				control_run(s, line, out);
		}
		if (out->n >= BACKEND_EVENTS_MAX)
			return;
		if (s->in_len == sizeof(s->in) - 1) {
			sl_log(SL_LOG_WARNING, "simulation: control line too long");
			s->in_len = 0;
			s->discarding = true;
		}
		n = read(s->fifo, s->in + s->in_len, sizeof(s->in) - 1 - s->in_len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s->in_len += (size_t)n;
	}
}

/* ---- the backend operations ---- */

static bool jams(const struct sim *s, bool lock)
{
	switch (s->cfg.jam) {
	case SIM_JAM_ALWAYS:
		return true;
	case SIM_JAM_LOCK:
		return lock;
	case SIM_JAM_UNLOCK:
		return !lock;
	case SIM_JAM_NONE:
		break;
	}
	return false;
}

static enum sl_err sim_drive(struct backend *b, bool lock, int64_t now)
{
	struct sim *s = (struct sim *)b;

	s->driving = true;
	s->target = lock;
	s->done_at = now + s->cfg.actuation_ms;
	return SL_OK;
}

static void sim_stop(struct backend *b, int64_t now)
{
	struct sim *s = (struct sim *)b;

	(void)now;
	s->driving = false;
}

static size_t sim_fds(struct backend *b, struct pollfd *fds, size_t max)
{
	struct sim *s = (struct sim *)b;

	if (s->fifo < 0 || max == 0)
		return 0;
	fds[0].fd = s->fifo;
	fds[0].events = POLLIN;
	fds[0].revents = 0;
	return 1;
}

static void sim_service(struct backend *b, int64_t now, struct backend_events *out)
{
	struct sim *s = (struct sim *)b;

	if (s->driving && now >= s->done_at) {
		s->driving = false;
		if (!jams(s, s->target) && s->locked != s->target) {
			s->locked = s->target;
			if (s->cfg.bolt_sensor)
				backend_emit(out, BACKEND_EV_BOLT, s->locked, SL_DOOR_UNKNOWN);
		}
		backend_emit(out, BACKEND_EV_DRIVE_DONE, s->target, SL_DOOR_UNKNOWN);
	}
	control_drain(s, out);
}

static int64_t sim_next_deadline(const struct backend *b)
{
	const struct sim *s = (const struct sim *)b;

	if (memchr(s->in, '\n', s->in_len))
		return 0;       /* control lines are waiting */
	return s->driving ? s->done_at : INT64_MAX;
}

static void sim_destroy(struct backend *b)
{
	struct sim *s = (struct sim *)b;

	if (s->fifo >= 0)
		close(s->fifo);
	if (s->created_fifo)
		unlink(s->cfg.control);
	free(s);
}

static const struct backend_ops sim_ops = {
	.name = "sim",
	.drive = sim_drive,
	.stop = sim_stop,
	.fds = sim_fds,
	.service = sim_service,
	.next_deadline = sim_next_deadline,
	.destroy = sim_destroy,
};

/* Create (or reuse our own) FIFO at path and open it without blocking;
 * O_RDWR keeps it open when writers come and go. */
static enum sl_err control_open(struct sim *s, char *msg, size_t msg_size)
{
	const char *path = s->cfg.control;
	struct stat st;

	if (mkfifo(path, 0600) == 0) {
		s->created_fifo = true;
	} else if (errno != EEXIST) {
		snprintf(msg, msg_size, "cannot create control FIFO %s: %s", path, strerror(errno));
		return errno == EACCES ? SL_ERR_PERM : SL_ERR_IO;
	} else if (lstat(path, &st) != 0 || !S_ISFIFO(st.st_mode) || st.st_uid != geteuid()) {
		snprintf(msg, msg_size, "%s exists and is not our FIFO", path);
		return SL_ERR_EXISTS;
	}
	s->fifo = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->fifo < 0) {
		snprintf(msg, msg_size, "cannot open control FIFO %s: %s", path, strerror(errno));
		return SL_ERR_IO;
	}
	return SL_OK;
}

struct backend *backend_sim_create(const struct sim_config *cfg, int64_t now,
		enum sl_err *err, char *msg, size_t msg_size)
{
	struct sim *s;

	(void)now;
	if (msg_size > 0)
		msg[0] = '\0';
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = SL_ERR_NOMEM;
		snprintf(msg, msg_size, "out of memory");
		return NULL;
	}
	s->base.ops = &sim_ops;
	s->cfg = *cfg;
	s->fifo = -1;
	s->locked = cfg->locked;
	s->door = cfg->door == SL_DOOR_OPEN ? SL_DOOR_OPEN : SL_DOOR_CLOSED;
	if (cfg->control[0] != '\0') {
		*err = control_open(s, msg, msg_size);
		if (*err != SL_OK)
			goto fail;
	}
	s->base.info.bolt_sensor = cfg->bolt_sensor;
	s->base.info.door_sensor = cfg->door_sensor;
	s->base.info.state = !cfg->bolt_sensor ? SL_STATE_UNKNOWN
			: s->locked ? SL_STATE_LOCKED : SL_STATE_UNLOCKED;
	s->base.info.door = cfg->door_sensor ? s->door : SL_DOOR_UNKNOWN;
	*err = SL_OK;
	return &s->base;
fail:
	sim_destroy(&s->base);
	return NULL;
}
