/* backend_gpio.c - the bolt's actuator and sensors on GPIO lines through
 * libgpiod 1.6 (Debian 12, Raspberry Pi OS bookworm). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gpiod.h>

#include "smartlock/log.h"

#include "backend.h"
#include "debounce.h"

enum { OUT_LOCK, OUT_UNLOCK, OUT_MAX };

struct gpio_input {
	struct gpiod_line *line;        /* NULL when not configured */
	int64_t offset;
	struct debounce db;
};

struct gpio_backend {
	struct backend base;
	struct gpio_config cfg;
	struct gpiod_chip *chip;
	struct gpiod_line *out[OUT_MAX];        /* hold mode: out[OUT_LOCK] only */
	int64_t out_offset[OUT_MAX];
	struct gpio_input door, bolt;
	bool driving;
	int64_t drive_end;
};

static const struct timespec no_wait = { 0, 0 };

/* ---- outputs ---- */

static int set_line(struct gpio_backend *g, int i, int value)
{
	if (!g->out[i])
		return 0;
	if (gpiod_line_set_value(g->out[i], value) < 0) {
		sl_log(SL_LOG_ERROR, "GPIO line %lld of %s: cannot set value %d: %s",
				(long long)g->out_offset[i], g->cfg.chip, value, strerror(errno));
		return -1;
	}
	return 0;
}

static int all_inactive(struct gpio_backend *g)
{
	int rc = 0;

	for (int i = 0; i < OUT_MAX; i++)
		rc |= set_line(g, i, 0);
	return rc;
}

static enum sl_err gpio_drive(struct backend *b, bool lock, int64_t now)
{
	struct gpio_backend *g = (struct gpio_backend *)b;
	int rc;

	if (g->cfg.mode == GPIO_MODE_HOLD) {
		/* Active (energised) means unlocked: power loss locks. */
		rc = set_line(g, OUT_LOCK, lock ? 0 : 1);
		g->drive_end = now + g->cfg.settle_ms;
	} else {
		int i = lock ? OUT_LOCK : OUT_UNLOCK;

		/* Never both directions at once: end any pulse first. */
		rc = all_inactive(g);
		if (rc == 0)
			rc = set_line(g, i, 1);
		g->drive_end = now + g->cfg.pulse_ms;
	}
	g->driving = true;
	return rc == 0 ? SL_OK : SL_ERR_IO;
}

static void gpio_stop(struct backend *b, int64_t now)
{
	struct gpio_backend *g = (struct gpio_backend *)b;

	(void)now;
	all_inactive(g);
	g->driving = false;
}

/* ---- inputs ---- */

static void input_service(struct gpio_backend *g, struct gpio_input *in, int64_t now)
{
	struct gpiod_line_event ev;
	int edges = 0;
	int v;

	if (!in->line)
		return;
	while (gpiod_line_event_wait(in->line, &no_wait) == 1) {
		if (gpiod_line_event_read(in->line, &ev) < 0) {
			sl_log(SL_LOG_ERROR, "GPIO line %lld of %s: cannot read event: %s",
					(long long)in->offset, g->cfg.chip, strerror(errno));
			break;
		}
		edges++;
	}
	if (edges == 0)
		return;
	/* The level read after the edges is what counts; the edges restart
	 * the quiet period. */
	v = gpiod_line_get_value(in->line);
	if (v < 0) {
		sl_log(SL_LOG_ERROR, "GPIO line %lld of %s: cannot read value: %s",
				(long long)in->offset, g->cfg.chip, strerror(errno));
		return;
	}
	debounce_feed(&in->db, v != 0, now);
}

static size_t gpio_fds(struct backend *b, struct pollfd *fds, size_t max)
{
	struct gpio_backend *g = (struct gpio_backend *)b;
	struct gpio_input *inputs[] = { &g->door, &g->bolt };
	size_t n = 0;

	for (size_t i = 0; i < 2 && n < max; i++) {
		int fd;

		if (!inputs[i]->line)
			continue;
		fd = gpiod_line_event_get_fd(inputs[i]->line);
		if (fd < 0)
			continue;
		fds[n].fd = fd;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

static void gpio_service(struct backend *b, int64_t now, struct backend_events *out)
{
	struct gpio_backend *g = (struct gpio_backend *)b;
	bool level;

	if (g->driving && now >= g->drive_end) {
		if (g->cfg.mode == GPIO_MODE_PULSE)
			all_inactive(g);
		g->driving = false;
		backend_emit(out, BACKEND_EV_DRIVE_DONE, false, SL_DOOR_UNKNOWN);
	}
	input_service(g, &g->bolt, now);
	input_service(g, &g->door, now);
	if (g->bolt.line && debounce_poll(&g->bolt.db, now, &level))
		backend_emit(out, BACKEND_EV_BOLT, level, SL_DOOR_UNKNOWN);
	if (g->door.line && debounce_poll(&g->door.db, now, &level))
		backend_emit(out, BACKEND_EV_DOOR, false, level ? SL_DOOR_OPEN : SL_DOOR_CLOSED);
}

static int64_t gpio_next_deadline(const struct backend *b)
{
	const struct gpio_backend *g = (const struct gpio_backend *)b;
	int64_t t = g->driving ? g->drive_end : INT64_MAX;
	int64_t d;

	if (g->bolt.line && (d = debounce_deadline(&g->bolt.db)) < t)
		t = d;
	if (g->door.line && (d = debounce_deadline(&g->door.db)) < t)
		t = d;
	return t;
}

static void gpio_destroy(struct backend *b)
{
	struct gpio_backend *g = (struct gpio_backend *)b;
	struct gpiod_line *lines[] = { g->out[OUT_LOCK], g->out[OUT_UNLOCK],
			g->door.line, g->bolt.line };

	all_inactive(g);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		if (lines[i])
			gpiod_line_release(lines[i]);
	if (g->chip)
		gpiod_chip_close(g->chip);
	free(g);
}

static const struct backend_ops gpio_ops = {
	.name = "gpio",
	.drive = gpio_drive,
	.stop = gpio_stop,
	.fds = gpio_fds,
	.service = gpio_service,
	.next_deadline = gpio_next_deadline,
	.destroy = gpio_destroy,
};

/* ---- setup ---- */

struct setup {
	struct gpio_backend *g;
	char *msg;
	size_t msg_size;
};

static enum sl_err errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENOTTY:
	case ENXIO:
		return SL_ERR_NOT_FOUND;
	case EACCES:
	case EPERM:
		return SL_ERR_PERM;
	case EBUSY:
		return SL_ERR_BUSY;
	case EINVAL:
		return SL_ERR_INVAL;
	case ENOMEM:
		return SL_ERR_NOMEM;
	default:
		return SL_ERR_IO;
	}
}

static enum sl_err open_chip(struct setup *s)
{
	const char *chip = s->g->cfg.chip;
	int e;

	errno = 0;
	s->g->chip = gpiod_chip_open_lookup(chip);
	if (s->g->chip)
		return SL_OK;
	e = errno ? errno : ENOENT;
	if (errno_code(e) == SL_ERR_PERM)
		snprintf(s->msg, s->msg_size, "permission denied opening GPIO chip \"%s\" "
				"(is the user in the gpio group?)", chip);
	else if (errno_code(e) == SL_ERR_NOT_FOUND || e == EINVAL)
		snprintf(s->msg, s->msg_size, "GPIO chip \"%s\" not found", chip);
	else
		snprintf(s->msg, s->msg_size, "cannot open GPIO chip \"%s\": %s", chip, strerror(e));
	return errno_code(e) == SL_ERR_INVAL ? SL_ERR_NOT_FOUND : errno_code(e);
}

/* Explain a failed line request. what names the line's job. */
static enum sl_err request_failed(struct setup *s, struct gpiod_line *line,
		int64_t offset, const char *what, int e)
{
	const char *chip = s->g->cfg.chip;
	const char *holder;

	switch (errno_code(e)) {
	case SL_ERR_BUSY:
		holder = gpiod_line_consumer(line);
		snprintf(s->msg, s->msg_size, "GPIO line %lld (%s) of \"%s\" is busy: held by %s%s%s",
				(long long)offset, what, chip, holder ? "\"" : "",
				holder ? holder : "another consumer", holder ? "\"" : "");
		return SL_ERR_BUSY;
	case SL_ERR_PERM:
		snprintf(s->msg, s->msg_size, "permission denied requesting GPIO line %lld (%s) "
				"of \"%s\" (is the user in the gpio group?)", (long long)offset, what, chip);
		return SL_ERR_PERM;
	default:
		snprintf(s->msg, s->msg_size, "cannot request GPIO line %lld (%s) of \"%s\": %s",
				(long long)offset, what, chip, strerror(e));
		return errno_code(e) == SL_ERR_NOT_FOUND ? SL_ERR_IO : errno_code(e);
	}
}

static enum sl_err get_line(struct setup *s, int64_t offset, const char *what,
		struct gpiod_line **out)
{
	if (offset < 0 || offset > 0xffff) {
		snprintf(s->msg, s->msg_size, "GPIO line %lld (%s): invalid offset",
				(long long)offset, what);
		return SL_ERR_INVAL;
	}
	errno = 0;
	*out = gpiod_chip_get_line(s->g->chip, (unsigned)offset);
	if (*out)
		return SL_OK;
	if (errno == EINVAL || errno == 0) {
		snprintf(s->msg, s->msg_size, "GPIO chip \"%s\" has no line %lld (%s)",
				s->g->cfg.chip, (long long)offset, what);
		return SL_ERR_NOT_FOUND;
	}
	snprintf(s->msg, s->msg_size, "cannot get GPIO line %lld (%s) of \"%s\": %s",
			(long long)offset, what, s->g->cfg.chip, strerror(errno));
	return errno_code(errno);
}

static enum sl_err request_output(struct setup *s, int i, int64_t offset, const char *what)
{
	struct gpiod_line *line;
	int flags = s->g->cfg.active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	enum sl_err rc;

	rc = get_line(s, offset, what, &line);
	if (rc != SL_OK)
		return rc;
	/* Requested inactive: nothing moves when the daemon starts, except
	 * that a hold-mode actuator is de-energised (locked). */
	if (gpiod_line_request_output_flags(line, BACKEND_CONSUMER, flags, 0) < 0)
		return request_failed(s, line, offset, what, errno);
	s->g->out[i] = line;
	s->g->out_offset[i] = offset;
	return SL_OK;
}

static int bias_flags(enum gpio_bias bias)
{
	switch (bias) {
	case GPIO_BIAS_DISABLE:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case GPIO_BIAS_PULL_UP:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case GPIO_BIAS_PULL_DOWN:
		return GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	case GPIO_BIAS_AS_IS:
		break;
	}
	return 0;
}

static enum sl_err request_input(struct setup *s, struct gpio_input *in, int64_t offset,
		bool active_low, const char *what)
{
	struct gpiod_line *line;
	int flags = bias_flags(s->g->cfg.input_bias) |
			(active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0);
	enum sl_err rc;
	int v;

	in->offset = offset;
	if (offset == BACKEND_NO_LINE)
		return SL_OK;
	rc = get_line(s, offset, what, &line);
	if (rc != SL_OK)
		return rc;
	if (gpiod_line_request_both_edges_events_flags(line, BACKEND_CONSUMER, flags) < 0)
		return request_failed(s, line, offset, what, errno);
	in->line = line;
	v = gpiod_line_get_value(line);
	if (v < 0) {
		snprintf(s->msg, s->msg_size, "cannot read GPIO line %lld (%s) of \"%s\": %s",
				(long long)offset, what, s->g->cfg.chip, strerror(errno));
		return errno_code(errno);
	}
	debounce_init(&in->db, s->g->cfg.debounce_ms, v != 0);
	return SL_OK;
}

static enum sl_err request_lines(struct setup *s)
{
	const struct gpio_config *c = &s->g->cfg;
	enum sl_err rc;

	if (c->mode == GPIO_MODE_HOLD) {
		rc = request_output(s, OUT_LOCK, c->actuator_line, "actuator");
	} else {
		rc = request_output(s, OUT_LOCK, c->lock_line, "lock");
		if (rc == SL_OK)
			rc = request_output(s, OUT_UNLOCK, c->unlock_line, "unlock");
	}
	if (rc == SL_OK)
		rc = request_input(s, &s->g->bolt, c->bolt_line, c->bolt_active_low,
				"bolt sensor");
	if (rc == SL_OK)
		rc = request_input(s, &s->g->door, c->door_line, c->door_active_low,
				"door sensor");
	return rc;
}

static void fill_info(struct gpio_backend *g)
{
	struct backend_info *info = &g->base.info;

	info->bolt_sensor = g->bolt.line != NULL;
	info->door_sensor = g->door.line != NULL;
	if (info->bolt_sensor)
		info->state = g->bolt.db.stable ? SL_STATE_LOCKED : SL_STATE_UNLOCKED;
	else if (g->cfg.mode == GPIO_MODE_HOLD)
		info->state = SL_STATE_LOCKED;  /* requested de-energised */
	else
		info->state = SL_STATE_UNKNOWN;
	info->door = !info->door_sensor ? SL_DOOR_UNKNOWN
			: g->door.db.stable ? SL_DOOR_OPEN : SL_DOOR_CLOSED;
}

struct backend *backend_gpio_create(const struct gpio_config *cfg, int64_t now,
		enum sl_err *err, char *msg, size_t msg_size)
{
	struct setup s = { .msg = msg, .msg_size = msg_size };
	struct gpio_backend *g;

	(void)now;      /* the inputs' first readings are believed at once */
	if (msg_size > 0)
		msg[0] = '\0';
	g = calloc(1, sizeof(*g));
	if (!g) {
		*err = SL_ERR_NOMEM;
		snprintf(msg, msg_size, "out of memory");
		return NULL;
	}
	g->base.ops = &gpio_ops;
	g->cfg = *cfg;
	s.g = g;
	*err = open_chip(&s);
	if (*err != SL_OK)
		goto fail;
	*err = request_lines(&s);
	if (*err != SL_OK)
		goto fail;
	fill_info(g);
	return &g->base;
fail:
	gpio_destroy(&g->base);
	return NULL;
}
