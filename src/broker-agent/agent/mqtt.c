/* mqtt.c - the broker connection of smartlock-agent and its reconnection. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "smartlock/log.h"
#include "mqtt.h"

struct mqtt_link {
	const struct agent_settings *set;
	struct inbox *inbox;
	struct mosquitto *mosq;
	bool connected;                 /* TCP/socket up (CONNACK may be pending) */
	bool accepted;
	bool disconnect_seen;           /* on_disconnect already queued an event */
	int64_t next_attempt;           /* monotonic ms; 0 = now */
	int64_t backoff;
	unsigned attempts;
};

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt_link *l = obj;

	(void)mosq;
	inbox_push(l->inbox, INBOX_CONNECTED, rc, NULL, NULL, 0, false);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt_link *l = obj;

	(void)mosq;
	l->disconnect_seen = true;
	inbox_push(l->inbox, INBOX_DISCONNECTED, rc, NULL, NULL, 0, false);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int n, const int *granted)
{
	struct mqtt_link *l = obj;
	int code = mid;

	(void)mosq;
	for (int i = 0; i < n; i++)
		if (granted[i] > 2)
			code = -mid;    /* a refused filter */
	inbox_push(l->inbox, INBOX_SUBACK, code, NULL, NULL, 0, false);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *m)
{
	struct mqtt_link *l = obj;

	(void)mosq;
	inbox_push(l->inbox, INBOX_MESSAGE, 0, m->topic, m->payload,
			m->payloadlen > 0 ? (size_t)m->payloadlen : 0, m->retain);
}

struct mqtt_link *mqtt_create(const struct agent_settings *set, struct inbox *inbox)
{
	struct mqtt_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->set = set;
	l->inbox = inbox;
	l->backoff = set->reconnect_min_ms;
	/* a persistent session (fixed client id, clean session off): what
	 * users send while the agent restarts waits in the broker and is
	 * answered (or refused as stale) and audited when it is back */
	l->mosq = mosquitto_new(set->client_id, !set->persistent_session, l);
	if (!l->mosq)
		goto fail;
	mosquitto_int_option(l->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	/* Nagle off, as on the broker: otherwise an answer can wait for a
	 * 40 ms delayed ACK */
	mosquitto_int_option(l->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (mosquitto_username_pw_set(l->mosq, set->broker_user,
				set->broker_password[0] ? set->broker_password : NULL) != MOSQ_ERR_SUCCESS)
		goto fail_mosq;
	if (set->broker_tls && !set->broker_socket[0]) {
		if (mosquitto_tls_set(l->mosq, set->broker_cafile[0] ? set->broker_cafile : NULL,
					set->broker_cafile[0] ? NULL : "/etc/ssl/certs",
					NULL, NULL, NULL) != MOSQ_ERR_SUCCESS) {
			sl_log(SL_LOG_ERROR, "cannot set up TLS with CA file %s", set->broker_cafile);
			goto fail_mosq;
		}
	}
	mosquitto_connect_callback_set(l->mosq, on_connect);
	mosquitto_disconnect_callback_set(l->mosq, on_disconnect);
	mosquitto_subscribe_callback_set(l->mosq, on_subscribe);
	mosquitto_message_callback_set(l->mosq, on_message);
	return l;

fail_mosq:
	mosquitto_destroy(l->mosq);
fail:
	free(l);
	return NULL;
}

void mqtt_destroy(struct mqtt_link *l)
{
	if (!l)
		return;
	mosquitto_destroy(l->mosq);
	free(l);
}

int mqtt_fd(struct mqtt_link *l)
{
	return l->connected ? mosquitto_socket(l->mosq) : -1;
}

bool mqtt_want_write(struct mqtt_link *l)
{
	return l->connected && mosquitto_want_write(l->mosq);
}

bool mqtt_connected(const struct mqtt_link *l)
{
	return l->connected && l->accepted;
}

static void attempt(struct mqtt_link *l, int64_t now)
{
	const struct agent_settings *s = l->set;
	int rc;

	l->attempts++;
	l->disconnect_seen = false;
	if (s->broker_socket[0])
		rc = mosquitto_connect(l->mosq, s->broker_socket, 0, (int)s->keepalive);
	else
		rc = mosquitto_connect(l->mosq, s->broker_host, (int)s->broker_port,
				(int)s->keepalive);
	if (rc == MOSQ_ERR_SUCCESS) {
		l->connected = true;
		return;
	}
	if (l->attempts == 1 || sl_log_get_level() >= SL_LOG_INFO)
		sl_log(SL_LOG_WARNING, "cannot connect to the broker at %s%s%s: %s; retrying",
				s->broker_socket[0] ? s->broker_socket : s->broker_host,
				s->broker_socket[0] ? "" : ":",
				s->broker_socket[0] ? "" : (s->broker_tls ? "(tls)" : "(tcp)"),
				mosquitto_strerror(rc));
	mqtt_lost(l, now);
}

void mqtt_lost(struct mqtt_link *l, int64_t now)
{
	if (l->connected)
		mosquitto_disconnect(l->mosq);
	l->connected = false;
	l->accepted = false;
	l->next_attempt = now + l->backoff;
	l->backoff *= 2;
	if (l->backoff > l->set->reconnect_max_ms)
		l->backoff = l->set->reconnect_max_ms;
}

void mqtt_accepted(struct mqtt_link *l)
{
	l->accepted = true;
	l->attempts = 0;
	l->backoff = l->set->reconnect_min_ms;
}

void mqtt_service(struct mqtt_link *l, short revents, int64_t now)
{
	int rc = MOSQ_ERR_SUCCESS;

	if (!l->connected) {
		if (now >= l->next_attempt)
			attempt(l, now);
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR))
		rc = mosquitto_loop_read(l->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(l->mosq))
		rc = mosquitto_loop_write(l->mosq, 1);
	if (rc == MOSQ_ERR_SUCCESS)
		rc = mosquitto_loop_misc(l->mosq);
	if (rc != MOSQ_ERR_SUCCESS && l->connected) {
		/* on_disconnect may not have run for a transport error */
		if (!l->disconnect_seen)
			inbox_push(l->inbox, INBOX_DISCONNECTED, rc, NULL, NULL, 0, false);
		l->disconnect_seen = true;
		l->connected = false;
		l->accepted = false;
	}
}

int64_t mqtt_next_deadline(const struct mqtt_link *l, int64_t now)
{
	if (!l->connected)
		return l->next_attempt > now ? l->next_attempt : now;
	return now + 1000;
}

int mqtt_publish(struct mqtt_link *l, const char *topic, const char *payload, int qos,
		bool retain)
{
	int rc;

	if (!mqtt_connected(l))
		return MOSQ_ERR_NO_CONN;
	rc = mosquitto_publish(l->mosq, NULL, topic, (int)strlen(payload), payload, qos, retain);
	if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(l->mosq))
		mosquitto_loop_write(l->mosq, 1);
	return rc;
}

int mqtt_subscribe(struct mqtt_link *l, char *const *filters, int n, int *mid)
{
	return mosquitto_subscribe_multiple(l->mosq, mid, n, filters, 1, 0, NULL);
}

void mqtt_disconnect(struct mqtt_link *l)
{
	if (!l->connected)
		return;
	mosquitto_disconnect(l->mosq);
	mosquitto_loop_write(l->mosq, 1);
	l->connected = false;
	l->accepted = false;
}
