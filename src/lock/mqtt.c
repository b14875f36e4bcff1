/* mqtt.c - the lock's broker connection, driven from the daemon's loop. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mosquitto.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"

#include "mqtt.h"

#define MISC_INTERVAL_MS 1000

/* ---- callbacks: copy and set flags, nothing else ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt_link *m = obj;

	(void)mosq;
	m->cb_connack = true;
	m->cb_connack_rc = rc;
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt_link *m = obj;

	(void)mosq;
	(void)rc;
	m->cb_disconnect = true;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count,
		const int *granted_qos)
{
	struct mqtt_link *m = obj;

	(void)mosq;
	if (mid != m->sub_mid)
		return;
	m->cb_suback = true;
	m->cb_suback_qos = qos_count > 0 ? granted_qos[0] : 128;
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct mqtt_link *m = obj;

	(void)mosq;
	m->cb_published_mid = mid;
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt_link *m = obj;
	struct mqtt_message *slot;
	size_t len;

	(void)mosq;
	if (!msg->topic || strcmp(msg->topic, m->topic_lock) != 0)
		return;
	if (m->count == MQTT_INBOX_SLOTS) {
		m->dropped++;
		return;
	}
	slot = &m->inbox[(m->head + m->count) % MQTT_INBOX_SLOTS];
	len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
	slot->oversized = len > MQTT_PAYLOAD_MAX;
	slot->len = slot->oversized ? 0 : len;
	if (slot->len > 0)
		memcpy(slot->payload, msg->payload, slot->len);
	slot->payload[slot->len] = '\0';
	m->count++;
}

/* ---- set-up ---- */

static enum sl_err build_topics(struct mqtt_link *m, const char *lock)
{
	enum sl_err rc;

	rc = topic_build(m->topic_lock, sizeof(m->topic_lock), SL_TOPIC_LOCK, lock, NULL);
	if (rc == SL_OK)
		rc = topic_build(m->topic_status, sizeof(m->topic_status),
				SL_TOPIC_LOCK_STATUS, lock, NULL);
	if (rc == SL_OK)
		rc = topic_build(m->topic_health, sizeof(m->topic_health),
				SL_TOPIC_HEALTH, lock, NULL);
	return rc;
}

static enum sl_err configure(struct mqtt_link *m, const struct mqtt_settings *s,
		char *msg, size_t msg_size)
{
	int rc;

	mosquitto_connect_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_callback_set(m->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(m->mosq, on_subscribe);
	mosquitto_publish_callback_set(m->mosq, on_publish);
	mosquitto_message_callback_set(m->mosq, on_message);
	rc = mosquitto_username_pw_set(m->mosq, s->user,
			s->password && s->password[0] ? s->password : NULL);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_will_set(m->mosq, m->topic_health, (int)strlen(s->will),
				s->will, 1, true);
	if (rc == MOSQ_ERR_SUCCESS && m->tcp && s->tls) {
		const char *cafile = s->cafile && s->cafile[0] ? s->cafile : NULL;

		rc = mosquitto_tls_set(m->mosq, cafile, cafile ? NULL : "/etc/ssl/certs",
				NULL, NULL, NULL);
		if (rc == MOSQ_ERR_SUCCESS)
			/* Verify the peer; the default protocols: TLS 1.2 and 1.3. */
			rc = mosquitto_tls_opts_set(m->mosq, 1, NULL, NULL);
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(msg, msg_size, "cannot set up the MQTT client: %s", mosquitto_strerror(rc));
		return SL_ERR_INVAL;
	}
	return SL_OK;
}

enum sl_err mqtt_init(struct mqtt_link *m, const struct mqtt_settings *s,
		char *msg, size_t msg_size)
{
	char client_id[SL_NAME_MAX + 8];
	enum sl_err rc;

	memset(m, 0, sizeof(*m));
	m->state = MQTT_DOWN;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->backoff_max_ms = s->backoff_max_ms > MQTT_BACKOFF_MIN_MS ? s->backoff_max_ms
			: MQTT_BACKOFF_MIN_MS;
	m->keepalive = s->keepalive;
	m->tcp = !(s->socket_path && s->socket_path[0]);
	m->port = m->tcp ? s->port : 0;
	if (snprintf(m->host, sizeof(m->host), "%s", m->tcp ? s->host : s->socket_path)
			>= (int)sizeof(m->host)) {
		snprintf(msg, msg_size, "broker address is too long");
		return SL_ERR_TOO_LONG;
	}
	rc = build_topics(m, s->lock);
	if (rc != SL_OK) {
		snprintf(msg, msg_size, "lock id \"%s\": %s", s->lock, sl_strerror(rc));
		return rc;
	}
	snprintf(client_id, sizeof(client_id), "lockd-%s", s->lock);
	/* Clean session: nothing is kept for the lock while it is away. */
	m->mosq = mosquitto_new(client_id, true, m);
	if (!m->mosq) {
		snprintf(msg, msg_size, "cannot create the MQTT client: %s", strerror(errno));
		return SL_ERR_NOMEM;
	}
	/* Nagle off, as on the broker: a status answer must not wait for a
	 * 40 ms delayed ACK */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	rc = configure(m, s, msg, msg_size);
	if (rc != SL_OK) {
		mqtt_finish(m);
		return rc;
	}
	return SL_OK;
}

void mqtt_finish(struct mqtt_link *m)
{
	if (m->mosq)
		mosquitto_destroy(m->mosq);
	m->mosq = NULL;
}

/* ---- the connection's life ---- */

static void go_down(struct mqtt_link *m, int64_t now, const char *why)
{
	if (m->state != MQTT_DOWN)
		sl_log(SL_LOG_WARNING, "broker connection lost (%s); retrying in %lld ms",
				why, (long long)m->backoff_ms);
	else
		sl_log(SL_LOG_INFO, "cannot reach the broker (%s); retrying in %lld ms",
				why, (long long)m->backoff_ms);
	mosquitto_disconnect(m->mosq);  /* closes the socket if still open */
	m->state = MQTT_DOWN;
	m->retry_at = now + m->backoff_ms;
	m->backoff_ms *= 2;
	if (m->backoff_ms > m->backoff_max_ms)
		m->backoff_ms = m->backoff_max_ms;
	m->cb_connack = m->cb_suback = m->cb_disconnect = false;
}

static void try_connect(struct mqtt_link *m, int64_t now)
{
	int rc;

	m->cb_connack = m->cb_suback = m->cb_disconnect = false;
	if (!m->attempted) {
		/* The first attempt also stores the address for later ones. */
		m->attempted = true;
		rc = mosquitto_connect_async(m->mosq, m->host, m->port, m->keepalive);
	} else {
		rc = mosquitto_reconnect_async(m->mosq);
	}
	if (rc != MOSQ_ERR_SUCCESS) {
		char why[96];

		snprintf(why, sizeof(why), "%s", rc == MOSQ_ERR_ERRNO ? strerror(errno)
				: mosquitto_strerror(rc));
		go_down(m, now, why);
		return;
	}
	m->state = MQTT_CONNECTING;
	m->misc_at = now + MISC_INTERVAL_MS;
}

static void handle_flags(struct mqtt_link *m, int64_t now)
{
	if (m->cb_disconnect) {
		go_down(m, now, "disconnected");
		return;
	}
	if (m->state == MQTT_CONNECTING && m->cb_connack) {
		m->cb_connack = false;
		if (m->cb_connack_rc != 0) {
			go_down(m, now, mosquitto_connack_string(m->cb_connack_rc));
			return;
		}
		if (mosquitto_subscribe(m->mosq, &m->sub_mid, m->topic_lock, 1) != MOSQ_ERR_SUCCESS) {
			go_down(m, now, "subscribe failed");
			return;
		}
		m->state = MQTT_SUBSCRIBING;
	}
	if (m->state == MQTT_SUBSCRIBING && m->cb_suback) {
		m->cb_suback = false;
		if (m->cb_suback_qos < 0 || m->cb_suback_qos > 2) {
			go_down(m, now, "subscription refused");
			return;
		}
		m->state = MQTT_READY;
		m->ready_edge = true;
		m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	}
}

size_t mqtt_fds(struct mqtt_link *m, struct pollfd *fds, size_t max)
{
	int sock;

	if (m->state == MQTT_DOWN || max == 0)
		return 0;
	sock = mosquitto_socket(m->mosq);
	if (sock < 0)
		return 0;
	fds[0].fd = sock;
	fds[0].events = POLLIN;
	if (mosquitto_want_write(m->mosq))
		fds[0].events |= POLLOUT;
	fds[0].revents = 0;
	return 1;
}

void mqtt_service(struct mqtt_link *m, short revents, int64_t now, bool may_connect)
{
	int rc = MOSQ_ERR_SUCCESS;

	if (m->state == MQTT_DOWN) {
		if (may_connect && now >= m->retry_at)
			try_connect(m, now);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(m->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && (revents & POLLOUT))
		rc = mosquitto_loop_write(m->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && now >= m->misc_at) {
		rc = mosquitto_loop_misc(m->mosq);
		m->misc_at = now + MISC_INTERVAL_MS;
	}
	if (rc != MOSQ_ERR_SUCCESS && m->state != MQTT_DOWN) {
		go_down(m, now, rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
		return;
	}
	handle_flags(m, now);
}

int64_t mqtt_next_deadline(const struct mqtt_link *m, bool may_connect)
{
	if (m->state == MQTT_DOWN)
		return may_connect ? m->retry_at : MQTT_NO_DEADLINE;
	return m->misc_at;
}

bool mqtt_take_message(struct mqtt_link *m, struct mqtt_message *out)
{
	if (m->count == 0)
		return false;
	*out = m->inbox[m->head];
	m->head = (m->head + 1) % MQTT_INBOX_SLOTS;
	m->count--;
	return true;
}

unsigned long mqtt_take_dropped(struct mqtt_link *m)
{
	unsigned long n = m->dropped;

	m->dropped = 0;
	return n;
}

bool mqtt_take_ready(struct mqtt_link *m)
{
	bool edge = m->ready_edge;

	m->ready_edge = false;
	return edge;
}

bool mqtt_is_connected(const struct mqtt_link *m)
{
	return m->state == MQTT_SUBSCRIBING || m->state == MQTT_READY;
}

bool mqtt_is_ready(const struct mqtt_link *m)
{
	return m->state == MQTT_READY;
}

enum sl_err mqtt_publish(struct mqtt_link *m, enum mqtt_topic topic,
		const char *payload, bool retain)
{
	const char *t = topic == MQTT_TOPIC_HEALTH ? m->topic_health : m->topic_status;
	int rc;

	if (!mqtt_is_connected(m))
		return SL_ERR_IO;
	rc = mosquitto_publish(m->mosq, NULL, t, (int)strlen(payload), payload, 1, retain);
	if (rc != MOSQ_ERR_SUCCESS) {
		sl_log(SL_LOG_DEBUG, "publish on %s failed: %s", t, mosquitto_strerror(rc));
		return SL_ERR_IO;
	}
	return SL_OK;
}

void mqtt_shutdown(struct mqtt_link *m, const char *payload, int timeout_ms)
{
	int64_t end = time_mono_ms() + timeout_ms;
	int mid = -1;

	if (!mqtt_is_connected(m))
		return;
	m->cb_published_mid = -1;
	if (mosquitto_publish(m->mosq, &mid, m->topic_health, (int)strlen(payload), payload,
				1, true) != MOSQ_ERR_SUCCESS)
		mid = -1;
	while (mid >= 0 && m->cb_published_mid != mid && !m->cb_disconnect) {
		struct pollfd pfd;
		int64_t left = end - time_mono_ms();

		if (left <= 0 || mqtt_fds(m, &pfd, 1) == 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			break;
		if ((pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
				mosquitto_loop_read(m->mosq, 1) != MOSQ_ERR_SUCCESS)
			break;
		if ((pfd.revents & POLLOUT) && mosquitto_loop_write(m->mosq, 1) != MOSQ_ERR_SUCCESS)
			break;
	}
	mosquitto_disconnect(m->mosq);
	m->state = MQTT_DOWN;
}
