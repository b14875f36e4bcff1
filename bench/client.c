/* client.c - a timed MQTT client for the benchmark: libmosquitto driven
 * from our own poll() so that several clients share one thread and every
 * message is stamped with the monotonic time at which it was read. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "bench.h"
#include "smartlock/timeutil.h"

#define BENCH_CLIENTS_MAX 8

struct bench_client {
	struct mosquitto *mosq;
	bench_msg_fn fn;
	void *arg;
	int connack;            /* -1 until the CONNACK */
	bool lost;
	int sub_mid;
	bool sub_done;
	uint64_t acked;
};

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct bench_client *c = obj;

	(void)m;
	c->connack = rc;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct bench_client *c = obj;

	(void)m;
	(void)rc;
	c->lost = true;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct bench_client *c = obj;

	(void)m;
	(void)mid;
	c->acked++;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	struct bench_client *c = obj;

	(void)m;
	if (mid == c->sub_mid && n > 0 && granted[0] <= 2)
		c->sub_done = true;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct bench_client *c = obj;
	int64_t t = time_mono_ns();

	(void)m;
	if (c->fn)
		c->fn(c->arg, msg->topic, msg->payload, (size_t)msg->payloadlen, t);
}

int bench_clients_pump(struct bench_client *const *cs, size_t n, int timeout_ms)
{
	struct pollfd pfd[BENCH_CLIENTS_MAX];
	int lost = 0;

	if (n > BENCH_CLIENTS_MAX)
		return -1;
	for (size_t i = 0; i < n; i++) {
		pfd[i].fd = mosquitto_socket(cs[i]->mosq);
		pfd[i].events = POLLIN;
		if (mosquitto_want_write(cs[i]->mosq))
			pfd[i].events |= POLLOUT;
		pfd[i].revents = 0;
		if (pfd[i].fd < 0)
			return -1;
	}
	if (poll(pfd, n, timeout_ms) < 0)
		return 0; /* EINTR: the caller re-checks its deadline */
	for (size_t i = 0; i < n; i++) {
		struct mosquitto *m = cs[i]->mosq;
		int rc = MOSQ_ERR_SUCCESS;

		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
			rc = mosquitto_loop_read(m, 1);
		if (rc == MOSQ_ERR_SUCCESS && mosquitto_want_write(m))
			rc = mosquitto_loop_write(m, 1);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_loop_misc(m);
		if (rc != MOSQ_ERR_SUCCESS || cs[i]->lost) {
			cs[i]->lost = true;
			lost = 1;
		}
	}
	return lost ? -1 : 0;
}

int bench_client_pump(struct bench_client *c, int timeout_ms)
{
	return bench_clients_pump(&c, 1, timeout_ms);
}

struct bench_client *bench_client_connect(const struct bench_endpoint *ep,
		const char *id, bench_msg_fn fn, void *arg)
{
	struct bench_client *c = calloc(1, sizeof(*c));
	int64_t deadline = time_mono_ms() + 5000;
	int rc;

	if (!c)
		return NULL;
	c->fn = fn;
	c->arg = arg;
	c->connack = -1;
	c->mosq = mosquitto_new(id, true, c);
	if (!c->mosq)
		goto fail;
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	if (ep->nodelay && !ep->socket_path)
		mosquitto_int_option(c->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	if (ep->user && mosquitto_username_pw_set(c->mosq, ep->user, ep->password) !=
			MOSQ_ERR_SUCCESS)
		goto fail;
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
	mosquitto_message_callback_set(c->mosq, on_message);
	if (ep->socket_path)
		rc = mosquitto_connect(c->mosq, ep->socket_path, 0, 60);
	else
		rc = mosquitto_connect(c->mosq, ep->host ? ep->host : "127.0.0.1", ep->port, 60);
	if (rc != MOSQ_ERR_SUCCESS)
		goto fail;
	while (c->connack < 0 && !c->lost && time_mono_ms() < deadline)
		bench_client_pump(c, 50);
	if (c->connack != 0)
		goto fail;
	return c;
fail:
	bench_client_destroy(c);
	return NULL;
}

int bench_client_subscribe(struct bench_client *c, const char *topic)
{
	int64_t deadline = time_mono_ms() + 5000;

	c->sub_done = false;
	if (mosquitto_subscribe(c->mosq, &c->sub_mid, topic, 1) != MOSQ_ERR_SUCCESS)
		return -1;
	while (!c->sub_done && !c->lost && time_mono_ms() < deadline)
		bench_client_pump(c, 50);
	return c->sub_done ? 0 : -1;
}

int bench_client_publish(struct bench_client *c, const char *topic,
		const void *payload, size_t len)
{
	return mosquitto_publish(c->mosq, NULL, topic, (int)len, payload, 1, false)
		== MOSQ_ERR_SUCCESS ? 0 : -1;
}

uint64_t bench_client_acked(const struct bench_client *c)
{
	return c->acked;
}

void bench_client_destroy(struct bench_client *c)
{
	if (!c)
		return;
	if (c->mosq) {
		if (c->connack == 0 && !c->lost) {
			mosquitto_disconnect(c->mosq);
			mosquitto_loop_write(c->mosq, 1);
		}
		mosquitto_destroy(c->mosq);
	}
	free(c);
}
