/*
 * mqtt.h - the agent's broker connection: Unix socket, TCP or TLS as
 * configured, driven from the agent's poll loop (no libmosquitto thread),
 * with reconnection after a bounded, doubling backoff.
 *
 * Callbacks only copy into the agent's inbox (inbox.h); CONNACK, SUBACK
 * and disconnects arrive there as events for the loop to act on. Every
 * publish is QoS 1 and never queued while disconnected: an answer that
 * cannot go out now is dropped, not sent later.
 */
#ifndef AGENT_MQTT_H
#define AGENT_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inbox.h"
#include "settings.h"

struct mqtt_link;

/* set and inbox are borrowed and must outlive the link. NULL on failure. */
struct mqtt_link *mqtt_create(const struct agent_settings *set, struct inbox *inbox);
void mqtt_destroy(struct mqtt_link *l);

/* Socket to poll, or -1 while disconnected. */
int mqtt_fd(struct mqtt_link *l);
bool mqtt_want_write(struct mqtt_link *l);
bool mqtt_connected(const struct mqtt_link *l);

/* Do the network work after poll (revents of the socket, 0 on timeout),
 * and connection attempts that are due at monotonic time now. */
void mqtt_service(struct mqtt_link *l, short revents, int64_t now);

/* The connection was lost (an INBOX_DISCONNECTED event): schedule the next
 * attempt. Called by the loop, not by callbacks. */
void mqtt_lost(struct mqtt_link *l, int64_t now);
/* The broker accepted us: reset the backoff. */
void mqtt_accepted(struct mqtt_link *l);

/* Monotonic ms of the next thing the link needs doing (at most 1 s ahead). */
int64_t mqtt_next_deadline(const struct mqtt_link *l, int64_t now);

/* Publish; 0 or a libmosquitto error (MOSQ_ERR_NO_CONN when down). */
int mqtt_publish(struct mqtt_link *l, const char *topic, const char *payload, int qos,
		bool retain);

/* Subscribe to n filters at QoS 1 in one SUBSCRIBE; *mid for the SUBACK. */
int mqtt_subscribe(struct mqtt_link *l, char *const *filters, int n, int *mid);

/* Send DISCONNECT and flush (clean shutdown). */
void mqtt_disconnect(struct mqtt_link *l);

#endif
