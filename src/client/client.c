/* client.c - the clients' MQTT session: a network thread driving
 * libmosquitto plus a self-pipe; callbacks copy into a bounded queue, the
 * program's loop decodes. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>

#include "smartlock/timeutil.h"

#include "client.h"
#include "records.h"
#include "text.h"

/* A message copied out of a callback, or a connection change. */
struct queued {
	struct queued *next;
	enum client_event_type type;
	enum sl_topic_kind kind;
	bool retained;
	int code;
	int mid;                        /* CLIENT_EV_SUBSCRIBED */
	size_t len;
	char payload[];                 /* len bytes and a NUL */
};

struct sl_client {
	struct mosquitto *mosq;
	struct sl_enrolment enrol;
	char lock[SL_NAME_MAX + 1];
	char endpoint[SL_PATH_MAX + 16];
	char client_id[96];
	unsigned wanted;                /* bit per enum sl_topic_kind */
	bool started;
	bool loop_running;
	pthread_t thread;
	int pipe_r, pipe_w;
	int stop_r, stop_w;             /* wakes the network thread to stop */
	int64_t last_t;                 /* last request id sent */
	int sub_mid[SL_TOPIC_KIND_COUNT_];      /* SUBSCRIBE mids awaiting a SUBACK */
	char problem_copy[SL_PATH_MAX + 256];        /* client_conn_problem()'s answer */

	/* shared with the network thread, under mu */
	pthread_mutex_t mu;
	enum client_conn state;
	int refused_code;
	int attempts_failed;            /* connection attempts that failed */
	bool hopeless;                  /* a failure retrying cannot mend */
	bool stopping;
	bool need_subscribe;
	char problem[SL_PATH_MAX + 256];
	struct queued *head, *tail;
	size_t qlen;                    /* droppable messages queued */
	uint64_t dropped;
};

static const char *const refused_words[] = {
	[0] = "accepted",
	[1] = "the broker does not speak this MQTT version",
	[2] = "the broker rejected the client id",
	[3] = "the broker is unavailable",
	[4] = "bad user name or password",
	[5] = "not authorised (revoked, disabled, not allowed from this network, or the broker cannot read its password file: see its log)",
};

/* ---- queue (callers hold mu) ---- */

static void wake_fd(int fd)
{
	char b = 1;
	ssize_t n;

	do
		n = write(fd, &b, 1);
	while (n < 0 && errno == EINTR);
	/* EAGAIN: the pipe is full, so the reader is already awake */
}

/* Every enqueue writes a byte, so a waiting poll() always sees news. */
static void wake(struct sl_client *c)
{
	wake_fd(c->pipe_w);
}

static bool droppable(enum client_event_type type)
{
	return type != CLIENT_EV_RESPONSE && type != CLIENT_EV_ADMIN_RES;
}

static void enqueue(struct sl_client *c, struct queued *q)
{
	q->next = NULL;
	if (c->tail)
		c->tail->next = q;
	else
		c->head = q;
	c->tail = q;
	if (droppable(q->type))
		c->qlen++;
	wake(c);
}

static struct queued *push_simple(struct sl_client *c, enum client_event_type type,
		enum sl_topic_kind kind, int code)
{
	struct queued *q = calloc(1, sizeof(*q) + 1);

	if (!q) {
		c->dropped++;
		return NULL;
	}
	q->type = type;
	q->kind = kind;
	q->code = code;
	enqueue(c, q);
	return q;
}

/* ---- libmosquitto callbacks: network thread; copy and return ---- */

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct sl_client *c = obj;

	int cs;

	(void)m;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&c->mu);
	if (rc == 0) {
		c->state = CLIENT_CONNECTED;
		c->refused_code = 0;
		c->problem[0] = '\0';
		c->need_subscribe = true;
		push_simple(c, CLIENT_EV_CONNECTED, 0, 0);
	} else {
		c->state = CLIENT_REFUSED;
		c->refused_code = rc;
		c->attempts_failed++;
		snprintf(c->problem, sizeof(c->problem), "the broker refused the login: %s",
				rc >= 0 && rc <= 5 ? refused_words[rc] : "unknown reason");
		push_simple(c, CLIENT_EV_REFUSED, 0, rc);
	}
	pthread_mutex_unlock(&c->mu);
	pthread_setcancelstate(cs, NULL);
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct sl_client *c = obj;

	int cs;

	(void)m;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&c->mu);
	if (c->state == CLIENT_CONNECTED || c->state == CLIENT_CONNECTING) {
		const char *why = rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);

		if (c->state == CLIENT_CONNECTING) {
			/* the first attempt failed (refused, TLS, ...) */
			c->attempts_failed++;
			snprintf(c->problem, sizeof(c->problem), "cannot connect to the broker at "
					"%s: %s", c->endpoint, why);
		} else if (rc != 0) {
			snprintf(c->problem, sizeof(c->problem), "lost the broker connection: %s",
					why);
		}
		c->state = CLIENT_DISCONNECTED;
		push_simple(c, CLIENT_EV_DISCONNECTED, 0, rc);
	}
	/* CLIENT_REFUSED stays until a login is accepted; the thread retries */
	pthread_mutex_unlock(&c->mu);
	pthread_setcancelstate(cs, NULL);
}

/* libmosquitto reports some connection failures (TLS verification, in the
 * network thread's reconnects) only through its log: while connecting, an
 * error there is the reason the attempt failed. */
static void on_log(struct mosquitto *m, void *obj, int level, const char *text)
{
	struct sl_client *c = obj;
	int cs;

	(void)m;
	if (!(level & MOSQ_LOG_ERR) || !text)
		return;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&c->mu);
	if (c->state == CLIENT_CONNECTING) {
		c->attempts_failed++;
		c->state = CLIENT_DISCONNECTED;
		snprintf(c->problem, sizeof(c->problem), "cannot connect to the broker at %s: %s",
				c->endpoint, text);
		text_clean(c->problem);
		push_simple(c, CLIENT_EV_DISCONNECTED, 0, MOSQ_ERR_TLS);
	}
	pthread_mutex_unlock(&c->mu);
	pthread_setcancelstate(cs, NULL);
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int qos_count,
		const int *granted)
{
	struct sl_client *c = obj;
	struct queued *q;
	int cs;

	(void)m;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&c->mu);
	/* the kind is looked up by mid in the program's thread, which
	 * recorded it (client_next_event) */
	q = push_simple(c, CLIENT_EV_SUBSCRIBED, 0, qos_count > 0 ? granted[0] : 128);
	if (q)
		q->mid = mid;
	pthread_mutex_unlock(&c->mu);
	pthread_setcancelstate(cs, NULL);
}

/* Event type of a message by its topic kind; CLIENT_EV_INVALID if none of
 * ours. */
static const enum client_event_type kind_events[SL_TOPIC_KIND_COUNT_] = {
	[SL_TOPIC_LOCK_REQ] = CLIENT_EV_INVALID,
	[SL_TOPIC_LOCK_RES] = CLIENT_EV_RESPONSE,
	[SL_TOPIC_LOCK] = CLIENT_EV_INVALID,
	[SL_TOPIC_LOCK_STATUS] = CLIENT_EV_INVALID,
	[SL_TOPIC_HEALTH] = CLIENT_EV_HEALTH,
	[SL_TOPIC_STATE] = CLIENT_EV_STATE,
	[SL_TOPIC_ALERT] = CLIENT_EV_ALERT,
	[SL_TOPIC_LOG] = CLIENT_EV_LOG,
	[SL_TOPIC_ADMIN] = CLIENT_EV_INVALID,
	[SL_TOPIC_ADMIN_RES] = CLIENT_EV_ADMIN_RES,
	[SL_TOPIC_LOGIN_FAILED_] = CLIENT_EV_INVALID,
};

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct sl_client *c = obj;
	struct sl_topic t;
	struct queued *q;
	enum client_event_type type;
	size_t len, max;
	int cs;

	(void)m;
	if (!msg->topic || topic_parse(msg->topic, &t) != SL_OK ||
			strcmp(t.lock, c->lock) != 0)
		return;
	type = kind_events[t.kind];
	if (type == CLIENT_EV_INVALID)
		return;
	if (topic_kind_has_user(t.kind) && strcmp(t.user, c->enrol.user) != 0)
		return;
	len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
	max = type == CLIENT_EV_ADMIN_RES ? SL_ADMIN_RES_MAX : SL_PAYLOAD_MAX;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cs);
	pthread_mutex_lock(&c->mu);
	if (droppable(type) && c->qlen >= CLIENT_QUEUE_MAX) {
		c->dropped++;
		pthread_mutex_unlock(&c->mu);
		pthread_setcancelstate(cs, NULL);
		return;
	}
	if (len > max) {
		/* refuse without copying; the decoder reports it */
		q = calloc(1, sizeof(*q) + 1);
		if (q) {
			q->type = CLIENT_EV_INVALID;
			q->code = SL_ERR_TOO_LARGE;
		}
	} else {
		q = malloc(sizeof(*q) + len + 1);
		if (q) {
			memset(q, 0, sizeof(*q));
			q->type = type;
			memcpy(q->payload, msg->payload, len);
			q->payload[len] = '\0';
			q->len = len;
		}
	}
	if (!q) {
		c->dropped++;
	} else {
		q->kind = t.kind;
		q->retained = msg->retain;
		enqueue(c, q);
	}
	pthread_mutex_unlock(&c->mu);
	pthread_setcancelstate(cs, NULL);
}

/* ---- lifecycle ---- */

struct sl_client *client_create(const struct client_opts *o, enum sl_err *err,
		char *msg, size_t msg_size)
{
	struct sl_client *c;
	int fds[2];
	int rc;

	*err = SL_OK;
	c = calloc(1, sizeof(*c));
	if (!c) {
		*err = SL_ERR_NOMEM;
		snprintf(msg, msg_size, "out of memory");
		return NULL;
	}
	c->pipe_r = c->pipe_w = c->stop_r = c->stop_w = -1;
	c->enrol = *o->enrol;
	snprintf(c->lock, sizeof(c->lock), "%s",
			o->lock && o->lock[0] ? o->lock : c->enrol.lock);
	if (topic_check_name(c->lock) != SL_OK) {
		*err = SL_ERR_INVAL;
		snprintf(msg, msg_size, "'%s' is not a valid lock id",
				o->lock && o->lock[0] ? o->lock : c->enrol.lock);
		goto fail;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		*err = SL_ERR_NOMEM;
		snprintf(msg, msg_size, "cannot create a mutex");
		goto fail;
	}
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		*err = SL_ERR_IO;
		snprintf(msg, msg_size, "cannot create a pipe: %s", strerror(errno));
		goto fail_mu;
	}
	c->pipe_r = fds[0];
	c->pipe_w = fds[1];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		*err = SL_ERR_IO;
		snprintf(msg, msg_size, "cannot create a pipe: %s", strerror(errno));
		goto fail_pipe;
	}
	c->stop_r = fds[0];
	c->stop_w = fds[1];
	if (c->enrol.socket[0])
		snprintf(c->endpoint, sizeof(c->endpoint), "socket %s", c->enrol.socket);
	else
		snprintf(c->endpoint, sizeof(c->endpoint), "%s %s:%lld",
				c->enrol.tls ? "tls" : "tcp", c->enrol.host,
				(long long)c->enrol.port);
	snprintf(c->client_id, sizeof(c->client_id), "%s-%s-%ld", c->enrol.user,
			o->prog ? o->prog : "client", (long)getpid());

	mosquitto_lib_init();
	c->mosq = mosquitto_new(c->client_id, true, c);
	if (!c->mosq) {
		*err = SL_ERR_NOMEM;
		snprintf(msg, msg_size, "cannot create the MQTT client: %s", strerror(errno));
		goto fail_lib;
	}
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Nagle off, as on the broker: otherwise an answer can wait for a
	 * 40 ms delayed ACK */
	mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
	mosquitto_message_callback_set(c->mosq, on_message);
	mosquitto_log_callback_set(c->mosq, on_log);
	mosquitto_reconnect_delay_set(c->mosq, CLIENT_RECONNECT_MIN_S, CLIENT_RECONNECT_MAX_S,
			true);
	rc = mosquitto_username_pw_set(c->mosq, c->enrol.user, c->enrol.password);
	if (rc != MOSQ_ERR_SUCCESS) {
		*err = SL_ERR_INVAL;
		snprintf(msg, msg_size, "cannot set the credentials: %s", mosquitto_strerror(rc));
		goto fail_mosq;
	}
	if (c->enrol.tls && !c->enrol.socket[0]) {
		rc = mosquitto_tls_set(c->mosq, c->enrol.cafile[0] ? c->enrol.cafile : NULL,
				c->enrol.cafile[0] ? NULL : "/etc/ssl/certs", NULL, NULL, NULL);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_opts_set(c->mosq, 1, "tlsv1.2", NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			*err = SL_ERR_INVAL;
			snprintf(msg, msg_size, "TLS setup with CA file %s failed: %s",
					c->enrol.cafile, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
					mosquitto_strerror(rc));
			goto fail_mosq;
		}
	}
	return c;

fail_mosq:
	mosquitto_destroy(c->mosq);
fail_lib:
	mosquitto_lib_cleanup();
	close(c->stop_r);
	close(c->stop_w);
fail_pipe:
	close(c->pipe_r);
	close(c->pipe_w);
fail_mu:
	pthread_mutex_destroy(&c->mu);
fail:
	enrol_wipe(&c->enrol);
	free(c);
	return NULL;
}

void client_destroy(struct sl_client *c)
{
	struct queued *q, *next;

	if (!c)
		return;
	if (c->loop_running) {
		bool up;

		pthread_mutex_lock(&c->mu);
		up = c->state == CLIENT_CONNECTED;
		pthread_mutex_unlock(&c->mu);
		pthread_mutex_lock(&c->mu);
		c->stopping = true;
		pthread_mutex_unlock(&c->mu);
		wake_fd(c->stop_w);
		mosquitto_disconnect(c->mosq);
		/* a thread stuck in a blocking connect is cancelled */
		if (!up)
			pthread_cancel(c->thread);
		pthread_join(c->thread, NULL);
	}
	mosquitto_destroy(c->mosq);
	mosquitto_lib_cleanup();
	for (q = c->head; q; q = next) {
		next = q->next;
		free(q);
	}
	close(c->pipe_r);
	close(c->pipe_w);
	close(c->stop_r);
	close(c->stop_w);
	pthread_mutex_destroy(&c->mu);
	enrol_wipe(&c->enrol);
	free(c);
}

const char *client_lock(const struct sl_client *c)
{
	return c->lock;
}

const char *client_user(const struct sl_client *c)
{
	return c->enrol.user;
}

enum sl_role client_role(const struct sl_client *c)
{
	return c->enrol.role;
}

const char *client_endpoint(const struct sl_client *c)
{
	return c->endpoint;
}

enum sl_err client_want(struct sl_client *c, enum sl_topic_kind kind)
{
	if ((unsigned)kind >= SL_TOPIC_KIND_COUNT_ || kind_events[kind] == CLIENT_EV_INVALID)
		return SL_ERR_INVAL;
	c->wanted |= 1u << kind;
	return SL_OK;
}

/* ---- the network thread ---- */

static bool stopping(struct sl_client *c)
{
	bool s;

	pthread_mutex_lock(&c->mu);
	s = c->stopping;
	pthread_mutex_unlock(&c->mu);
	return s;
}

/* Sleep ms unless client_destroy() wakes us to stop; true to stop. */
static bool pause_or_stop(struct sl_client *c, int64_t ms)
{
	struct pollfd p = {.fd = c->stop_r, .events = POLLIN};

	if (poll(&p, 1, (int)ms) > 0)
		return true;
	return stopping(c);
}

/* One blocking connection attempt (TCP or socket, TLS handshake, CONNECT
 * sent; the CONNACK comes through on_connect). A failure is recorded as
 * the session's problem. */
static int connect_once(struct sl_client *c, bool first)
{
	int rc, cs;

	pthread_mutex_lock(&c->mu);
	if (c->state != CLIENT_REFUSED)
		c->state = CLIENT_CONNECTING;
	pthread_mutex_unlock(&c->mu);
	/* the one place client_destroy() may cancel this thread */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &cs);
	if (!first)
		rc = mosquitto_reconnect(c->mosq);
	else if (c->enrol.socket[0])
		rc = mosquitto_connect(c->mosq, c->enrol.socket, 0, CLIENT_KEEPALIVE);
	else
		rc = mosquitto_connect(c->mosq, c->enrol.host, (int)c->enrol.port,
				CLIENT_KEEPALIVE);
	pthread_setcancelstate(cs, NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		return rc;
	pthread_mutex_lock(&c->mu);
	if (c->state == CLIENT_CONNECTING) {
		c->state = CLIENT_DISCONNECTED;
		c->attempts_failed++;
		snprintf(c->problem, sizeof(c->problem), "cannot connect to the broker at %s: %s",
				c->endpoint, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
				mosquitto_strerror(rc));
		push_simple(c, CLIENT_EV_DISCONNECTED, 0, rc);
	}
	/* a name that does not resolve or a bad address will not mend */
	if (rc == MOSQ_ERR_EAI || rc == MOSQ_ERR_INVAL)
		c->hopeless = true;
	wake(c);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

/*
 * Connect, then run libmosquitto's loop, for as long as the session lives.
 * Connections are made blocking in this thread: libmosquitto 2.0.11's
 * non-blocking TLS connect spins on a refused connection and never
 * recovers. Whatever ends a connection, this thread waits (capped
 * backoff, sleeping) and connects again.
 */
static void *net_main(void *arg)
{
	struct sl_client *c = arg;
	int64_t delay = CLIENT_RECONNECT_MIN_S * 1000;
	bool first = true;

	/* cancelled only inside a blocking connect (connect_once): a cancel
	 * anywhere in libmosquitto's loop would leave its state half changed
	 * for mosquitto_destroy() */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (!stopping(c)) {
		int rc = connect_once(c, first);

		first = false;
		if (rc == MOSQ_ERR_SUCCESS) {
			delay = CLIENT_RECONNECT_MIN_S * 1000;
			/* not mosquitto_loop_forever(): its own reconnects over a
			 * Unix socket sometimes never came back after the broker
			 * did; every reconnect is made below instead, the same way
			 * for TLS and the socket */
			while (!stopping(c) && mosquitto_loop(c->mosq, 1000, 1) == MOSQ_ERR_SUCCESS)
				;
		}
		if (c->hopeless || pause_or_stop(c, delay))
			break;
		delay = delay * 2 < CLIENT_RECONNECT_MAX_S * 1000 ? delay * 2 :
				CLIENT_RECONNECT_MAX_S * 1000;
	}
	return NULL;
}

enum sl_err client_start(struct sl_client *c, char *msg, size_t msg_size)
{
	int rc;

	if (c->started)
		return SL_ERR_INVAL;
	c->started = true;
	pthread_mutex_lock(&c->mu);
	c->state = CLIENT_CONNECTING;
	pthread_mutex_unlock(&c->mu);
	rc = pthread_create(&c->thread, NULL, net_main, c);
	if (rc != 0) {
		snprintf(msg, msg_size, "cannot start the network thread: %s", strerror(rc));
		return SL_ERR_IO;
	}
	c->loop_running = true;
	return SL_OK;
}

/* ---- the program's loop ---- */

int client_fd(const struct sl_client *c)
{
	return c->pipe_r;
}

short client_poll_events(const struct sl_client *c)
{
	(void)c;
	return POLLIN;
}

static void subscribe_all(struct sl_client *c)
{
	char topic[SL_TOPIC_MAX];

	for (int k = 0; k < SL_TOPIC_KIND_COUNT_; k++) {
		int mid = 0;

		if (!(c->wanted & (1u << k)))
			continue;
		if (topic_build(topic, sizeof(topic), (enum sl_topic_kind)k, c->lock,
				c->enrol.user) != SL_OK)
			continue;
		if (mosquitto_subscribe(c->mosq, &mid, topic, 1) == MOSQ_ERR_SUCCESS)
			c->sub_mid[k] = mid;
	}
}

void client_service(struct sl_client *c, short revents)
{
	char buf[256];
	bool sub;

	if (revents & POLLIN)
		while (read(c->pipe_r, buf, sizeof(buf)) > 0)
			;
	pthread_mutex_lock(&c->mu);
	sub = c->need_subscribe;
	c->need_subscribe = false;
	pthread_mutex_unlock(&c->mu);
	if (sub)
		subscribe_all(c);
}

static bool queue_empty(struct sl_client *c)
{
	bool empty;

	pthread_mutex_lock(&c->mu);
	empty = c->head == NULL;
	pthread_mutex_unlock(&c->mu);
	return empty;
}

void client_pump(struct sl_client *c, int timeout_ms)
{
	struct pollfd p = {.fd = c->pipe_r, .events = POLLIN};

	if (!queue_empty(c)) {
		client_service(c, 0);
		return;
	}
	if (poll(&p, 1, timeout_ms) < 0)
		p.revents = 0;
	client_service(c, p.revents);
}

enum client_conn client_state(const struct sl_client *c)
{
	enum client_conn s;

	pthread_mutex_lock((pthread_mutex_t *)&c->mu);
	s = c->state;
	pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
	return s;
}

int client_refused_code(const struct sl_client *c)
{
	int rc;

	pthread_mutex_lock((pthread_mutex_t *)&c->mu);
	rc = c->refused_code;
	pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
	return rc;
}

uint64_t client_dropped(const struct sl_client *c)
{
	uint64_t d;

	pthread_mutex_lock((pthread_mutex_t *)&c->mu);
	d = c->dropped;
	pthread_mutex_unlock((pthread_mutex_t *)&c->mu);
	return d;
}

const char *client_conn_problem(struct sl_client *c)
{
	pthread_mutex_lock(&c->mu);
	snprintf(c->problem_copy, sizeof(c->problem_copy), "%s",
			c->problem[0] ? c->problem : "not connected to the broker");
	pthread_mutex_unlock(&c->mu);
	return c->problem_copy;
}

bool client_wait_connected(struct sl_client *c, int64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = c->pipe_r, .events = POLLIN};
		enum client_conn s;
		bool hopeless;
		int64_t left;

		pthread_mutex_lock(&c->mu);
		s = c->state;
		hopeless = c->hopeless;
		pthread_mutex_unlock(&c->mu);
		if (s == CLIENT_CONNECTED)
			return true;
		/* a broker that is down may come back: the network thread
		 * retries, sleeping, until the deadline */
		if (s == CLIENT_REFUSED || hopeless)
			return false;
		left = deadline - time_mono_ms();
		if (left <= 0) {
			pthread_mutex_lock(&c->mu);
			if (!c->problem[0])
				snprintf(c->problem, sizeof(c->problem),
						"no answer from the broker at %s", c->endpoint);
			pthread_mutex_unlock(&c->mu);
			return false;
		}
		/* every state change queues an event and writes to the pipe */
		if (poll(&p, 1, (int)(left > 1000 ? 1000 : left)) < 0)
			p.revents = 0;
		client_service(c, p.revents);
	}
}

/* ---- decoding ---- */

static void clean_response(struct sl_response *r)
{
	text_clean(r->msg);
}

static void clean_state(struct sl_state_msg *s)
{
	text_clean(s->by);
}

static void decode(const struct queued *q, struct client_event *ev)
{
	struct sl_proto_error perr;
	enum sl_err rc = SL_OK;

	switch (q->type) {
	case CLIENT_EV_RESPONSE:
		rc = proto_decode_response(q->payload, q->len, &ev->u.response, &perr);
		if (rc == SL_OK)
			clean_response(&ev->u.response);
		break;
	case CLIENT_EV_STATE:
		rc = proto_decode_state(q->payload, q->len, &ev->u.state, &perr);
		if (rc == SL_OK)
			clean_state(&ev->u.state);
		break;
	case CLIENT_EV_HEALTH:
		rc = proto_decode_heartbeat(q->payload, q->len, &ev->u.health, &perr);
		break;
	case CLIENT_EV_ALERT:
		rc = proto_decode_alert(q->payload, q->len, &ev->u.alert, &perr);
		if (rc == SL_OK)
			records_clean_alert(&ev->u.alert);
		break;
	case CLIENT_EV_LOG:
		rc = records_parse_log(q->payload, q->len, &ev->u.log);
		break;
	case CLIENT_EV_ADMIN_RES:
		rc = proto_decode_admin_res(q->payload, q->len, &ev->u.admin, &perr);
		if (rc == SL_OK)
			text_clean(ev->u.admin.msg);
		break;
	case CLIENT_EV_INVALID:
		rc = q->code ? (enum sl_err)q->code : SL_ERR_INTERNAL;
		break;
	default:
		return;
	}
	if (rc != SL_OK) {
		if (q->type == CLIENT_EV_ADMIN_RES)
			proto_admin_res_finish(&ev->u.admin);
		memset(&ev->u, 0, sizeof(ev->u));
		ev->type = CLIENT_EV_INVALID;
		ev->err = rc;
	}
}

bool client_next_event(struct sl_client *c, struct client_event *ev)
{
	struct queued *q;

	pthread_mutex_lock(&c->mu);
	q = c->head;
	if (q) {
		c->head = q->next;
		if (!c->head)
			c->tail = NULL;
		if (droppable(q->type))
			c->qlen--;
	}
	pthread_mutex_unlock(&c->mu);
	if (!q)
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->type = q->type;
	ev->kind = q->kind;
	ev->retained = q->retained;
	ev->code = q->code;
	if (q->type == CLIENT_EV_SUBSCRIBED) {
		int k;

		for (k = 0; k < SL_TOPIC_KIND_COUNT_ && c->sub_mid[k] != q->mid; k++)
			;
		if (k == SL_TOPIC_KIND_COUNT_ || q->mid == 0) {
			/* a SUBACK for a subscription of an earlier session */
			free(q);
			return client_next_event(c, ev);
		}
		c->sub_mid[k] = 0;
		ev->kind = (enum sl_topic_kind)k;
	}
	decode(q, ev);
	free(q);
	return true;
}

void client_event_finish(struct client_event *ev)
{
	if (ev && ev->type == CLIENT_EV_ADMIN_RES)
		proto_admin_res_finish(&ev->u.admin);
}

/* ---- requests ---- */

static int64_t next_id(struct sl_client *c)
{
	int64_t t = time_now_ms();

	if (t <= c->last_t)
		t = c->last_t + 1;
	c->last_t = t;
	return t;
}

static enum sl_err publish(struct sl_client *c, const char *topic, char *payload)
{
	int rc;

	if (!payload)
		return SL_ERR_NOMEM;
	rc = mosquitto_publish(c->mosq, NULL, topic, (int)strlen(payload), payload, 1, false);
	explicit_bzero(payload, strlen(payload));
	free(payload);
	return rc == MOSQ_ERR_SUCCESS ? SL_OK : SL_ERR_IO;
}

enum sl_err client_request(struct sl_client *c, enum sl_action action, int64_t *id)
{
	char topic[SL_TOPIC_MAX];
	struct sl_request r;
	enum sl_err rc;

	if (action != SL_ACTION_LOCK && action != SL_ACTION_UNLOCK && action != SL_ACTION_STATUS)
		return SL_ERR_INVAL;
	if (client_state(c) != CLIENT_CONNECTED)
		return SL_ERR_BUSY;
	rc = topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, c->lock, c->enrol.user);
	if (rc != SL_OK)
		return rc;
	memset(&r, 0, sizeof(r));
	r.action = action;
	r.t = next_id(c);
	rc = proto_sign_request(&c->enrol.key, topic, &r);
	if (rc != SL_OK)
		return rc;
	rc = publish(c, topic, proto_encode_request(&r));
	if (rc == SL_OK && id)
		*id = r.t;
	return rc;
}

enum sl_err client_admin(struct sl_client *c, struct sl_admin_req *req, int64_t *id)
{
	char topic[SL_TOPIC_MAX];
	enum sl_err rc;

	if (client_state(c) != CLIENT_CONNECTED)
		return SL_ERR_BUSY;
	rc = topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN, c->lock, c->enrol.user);
	if (rc != SL_OK)
		return rc;
	req->time = next_id(c);
	rc = proto_sign_admin_req(&c->enrol.key, topic, req);
	if (rc != SL_OK)
		return rc;
	rc = publish(c, topic, proto_encode_admin_req(req));
	if (rc == SL_OK && id)
		*id = req->time;
	return rc;
}
