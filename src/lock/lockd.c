/* lockd.c - the daemon's context and its poll() loop. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"

#include "lockd.h"

#define POLL_MAX (2 + BACKEND_FDS_MAX)
#define SHUTDOWN_WAIT_MS 1000
#define CHANGE_HEARTBEAT_GAP_MS 1000    /* at most one change heartbeat a second */

/* ---- state machine glue ---- */

static void apply(struct lockd *ld, const struct fsm_actions *acts, int64_t now)
{
	for (size_t i = 0; i < acts->n; i++) {
		const struct fsm_action *a = &acts->a[i];

		switch (a->kind) {
		case FSM_ACT_DRIVE:
			if (backend_drive(ld->backend, a->lock, now) != SL_OK)
				sl_log(SL_LOG_ERROR, "the actuator did not accept the drive; "
						"the move will time out");
			break;
		case FSM_ACT_STOP:
			backend_stop(ld->backend, now);
			break;
		case FSM_ACT_STATUS:
			lockd_report_status(ld, a->seq, a->result, a->reason);
			break;
		case FSM_ACT_HEARTBEAT:
			lockd_report_heartbeat(ld, now);
			break;
		}
	}
}

void lockd_feed(struct lockd *ld, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *acts)
{
	enum sl_lock_state before = ld->fsm.state;
	enum sl_door door_before = ld->fsm.door;
	bool waiting_before = ld->fsm.relock_on_close;

	fsm_handle_event(&ld->fsm, ev, now, acts);
	apply(ld, acts, now);
	if (ld->fsm.state != before)
		sl_log(SL_LOG_NOTICE, "%s -> %s", proto_state_name(before),
				proto_state_name(ld->fsm.state));
	if (ld->fsm.door != door_before)
		sl_log(SL_LOG_INFO, "door %s", proto_door_name(ld->fsm.door));
	if (ld->fsm.relock_on_close && !waiting_before)
		sl_log(SL_LOG_INFO, "auto-relock is due but the door is open: "
				"waiting for it to close");
	/* The retained heartbeat follows the bolt once it settles (a move's
	 * progress is on lockStatus, and its final status goes out first), at
	 * most once a second: moves in quick succession share one. */
	if (!fsm_is_moving(&ld->fsm) &&
			(ld->fsm.state != ld->reported_state || ld->fsm.door != ld->reported_door)) {
		int64_t due = ld->last_heartbeat + CHANGE_HEARTBEAT_GAP_MS;

		if (ld->last_heartbeat == 0 || now >= due)
			lockd_report_heartbeat(ld, now);
		else if (due < ld->next_heartbeat)
			ld->next_heartbeat = due;
	}
}

static void feed_backend_events(struct lockd *ld, int64_t now)
{
	static const enum fsm_event_kind kinds[] = {
		[BACKEND_EV_DRIVE_DONE] = FSM_EV_DRIVE_DONE,
		[BACKEND_EV_BOLT] = FSM_EV_BOLT,
		[BACKEND_EV_DOOR] = FSM_EV_DOOR,
	};
	struct backend_events evs = { .n = 0 };
	struct fsm_actions acts;

	backend_service(ld->backend, now, &evs);
	for (size_t i = 0; i < evs.n; i++) {
		struct fsm_event ev = {
			.kind = kinds[evs.ev[i].kind],
			.bolt_locked = evs.ev[i].locked,
			.door = evs.ev[i].door,
		};

		lockd_feed(ld, &ev, now, &acts);
	}
}

/* ---- the loop ---- */

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int poll_timeout(struct lockd *ld, int64_t now)
{
	int64_t t = fsm_next_deadline(&ld->fsm);

	t = min64(t, backend_next_deadline(ld->backend));
	t = min64(t, mqtt_next_deadline(&ld->mqtt, !fsm_is_moving(&ld->fsm)));
	if (mqtt_is_ready(&ld->mqtt))
		t = min64(t, ld->next_heartbeat);
	if (t <= now)
		return 0;
	return (int)min64(t - now, 60000);
}

static void handle_signal(struct lockd *ld)
{
	struct signalfd_siginfo si;

	if (read(ld->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		sl_log(SL_LOG_NOTICE, "%s: shutting down", strsignal((int)si.ssi_signo));
		ld->stop = true;
	}
}

static void handle_broker(struct lockd *ld, short revents, int64_t now)
{
	struct mqtt_message msg;
	unsigned long dropped;

	/* A connection attempt may resolve a host name: never while a drive
	 * is timed by this loop. */
	mqtt_service(&ld->mqtt, revents, now, !fsm_is_moving(&ld->fsm));
	if (mqtt_take_ready(&ld->mqtt)) {
		sl_log(SL_LOG_NOTICE, "%s", ld->announced ? "reconnected; ready" : "ready");
		ld->announced = true;
		lockd_report_heartbeat(ld, now);
	}
	dropped = mqtt_take_dropped(&ld->mqtt);
	for (unsigned long i = 0; i < dropped; i++) {
		ld->refused++;
		sl_log(SL_LOG_WARNING, "command refused unread: busy");
		lockd_report_status(ld, 0, SL_RESULT_DENIED, SL_REASON_BUSY);
	}
	while (mqtt_take_message(&ld->mqtt, &msg))
		lockd_handle_message(ld, &msg, now);
}

static void loop_once(struct lockd *ld)
{
	struct pollfd fds[POLL_MAX];
	struct fsm_event tick = { .kind = FSM_EV_TICK };
	struct fsm_actions acts;
	size_t n = 0, mqtt_at, nmqtt;
	int64_t now = time_mono_ms();
	int timeout = poll_timeout(ld, now);

	fds[n].fd = ld->sigfd;
	fds[n].events = POLLIN;
	fds[n++].revents = 0;
	mqtt_at = n;
	nmqtt = mqtt_fds(&ld->mqtt, &fds[n], 1);
	n += nmqtt;
	n += backend_fds(ld->backend, &fds[n], POLL_MAX - n);
	if (poll(fds, n, timeout) < 0 && errno != EINTR) {
		sl_log(SL_LOG_ERROR, "poll: %s", strerror(errno));
		ld->stop = true;
		return;
	}
	now = time_mono_ms();
	if (fds[0].revents & POLLIN)
		handle_signal(ld);
	feed_backend_events(ld, now);
	lockd_feed(ld, &tick, now, &acts);
	handle_broker(ld, nmqtt ? fds[mqtt_at].revents : 0, now);
	if (mqtt_is_ready(&ld->mqtt) && now >= ld->next_heartbeat)
		lockd_report_heartbeat(ld, now);
}

enum lockd_exit lockd_run(struct lockd *ld)
{
	char *offline;

	while (!ld->stop)
		loop_once(ld);
	/* An interrupted drive is ended: outputs de-energised. */
	if (fsm_is_moving(&ld->fsm))
		backend_stop(ld->backend, time_mono_ms());
	offline = lockd_offline_payload();
	if (offline)
		mqtt_shutdown(&ld->mqtt, offline, SHUTDOWN_WAIT_MS);
	free(offline);
	return LOCKD_EXIT_OK;
}

/* ---- set-up ---- */

static enum lockd_exit open_signals(struct lockd *ld, char *msg, size_t msg_size)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
			(ld->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		snprintf(msg, msg_size, "cannot watch signals: %s", strerror(errno));
		return LOCKD_EXIT_RUNTIME;
	}
	return LOCKD_EXIT_OK;
}

static enum lockd_exit open_backend(struct lockd *ld, int64_t now, char *msg, size_t msg_size)
{
	const struct lockd_config *c = ld->cfg;
	enum sl_err err = SL_OK;

	if (c->backend == LOCKD_BACKEND_GPIO)
		ld->backend = backend_gpio_create(&c->gpio, now, &err, msg, msg_size);
	else
		ld->backend = backend_sim_create(&c->sim, now, &err, msg, msg_size);
	if (!ld->backend)
		return c->backend == LOCKD_BACKEND_GPIO ? LOCKD_EXIT_GPIO : LOCKD_EXIT_CONFIG;
	return LOCKD_EXIT_OK;
}

static enum lockd_exit open_mqtt(struct lockd *ld, char *msg, size_t msg_size)
{
	const struct lockd_config *c = ld->cfg;
	char *will = lockd_offline_payload();
	struct mqtt_settings s = {
		.lock = c->lock,
		.socket_path = c->broker_socket,
		.host = c->broker_host,
		.port = (int)c->broker_port,
		.tls = c->broker_tls,
		.cafile = c->broker_cafile,
		.user = c->broker_user,
		.password = c->broker_password,
		.keepalive = (int)c->broker_keepalive,
		.backoff_max_ms = c->reconnect_max * 1000,
		.will = will,
	};
	enum sl_err rc;

	if (!will) {
		snprintf(msg, msg_size, "out of memory");
		return LOCKD_EXIT_RUNTIME;
	}
	rc = mqtt_init(&ld->mqtt, &s, msg, msg_size);
	free(will);
	return rc == SL_OK ? LOCKD_EXIT_OK : LOCKD_EXIT_RUNTIME;
}

enum lockd_exit lockd_init(struct lockd *ld, const struct lockd_config *cfg,
		char *msg, size_t msg_size)
{
	struct fsm_config fc = {
		.move_timeout_ms = cfg->move_timeout_ms,
		.auto_relock_ms = cfg->auto_relock * 1000,
	};
	int64_t now = time_mono_ms();
	enum lockd_exit rc;

	memset(ld, 0, sizeof(*ld));
	ld->cfg = cfg;
	ld->sigfd = -1;
	ld->started = now;
	if (seqstore_open(&ld->seq, cfg->state_file, msg, msg_size) != SL_OK)
		return LOCKD_EXIT_CONFIG;
	rc = open_backend(ld, now, msg, msg_size);
	if (rc != LOCKD_EXIT_OK)
		return rc;
	fc.bolt_sensor = ld->backend->info.bolt_sensor;
	fsm_init(&ld->fsm, &fc, ld->backend->info.state, ld->backend->info.door, now);
	ld->reported_state = ld->fsm.state;
	ld->reported_door = ld->fsm.door;
	rc = open_mqtt(ld, msg, msg_size);
	if (rc != LOCKD_EXIT_OK)
		return rc;
	rc = open_signals(ld, msg, msg_size);
	if (rc != LOCKD_EXIT_OK)
		return rc;
	sl_log(SL_LOG_INFO, "lock %s, %s backend, state %s, door %s, refusing commands up to %"
			PRIu64,
			cfg->lock, ld->backend->ops->name, proto_state_name(ld->fsm.state),
			proto_door_name(ld->fsm.door), ld->seq.last);
	return LOCKD_EXIT_OK;
}

void lockd_finish(struct lockd *ld)
{
	mqtt_finish(&ld->mqtt);
	backend_destroy(ld->backend);
	ld->backend = NULL;
	if (ld->sigfd >= 0)
		close(ld->sigfd);
	ld->sigfd = -1;
	seqstore_close(&ld->seq);
}
