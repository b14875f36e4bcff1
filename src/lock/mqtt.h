/*
 * mqtt.h - the lock's broker connection on libmosquitto, driven from the
 * daemon's own poll() loop (no libmosquitto thread): connect over a Unix
 * socket or TCP (optionally TLS) with a retained last will, subscribe to
 * the lock topic, reconnect with bounded exponential backoff, and hand
 * received commands over through a small fixed inbox.
 *
 * The libmosquitto callbacks only copy and set flags; everything else
 * happens when the loop calls mqtt_service() and mqtt_take_message(). No
 * message is queued while the connection is down: publishing then fails
 * with SL_ERR_IO and the caller republishes state on the next connection
 * (mqtt_take_ready() says when). Nothing here moves the bolt.
 *
 * struct mqtt_link is caller memory (mqtt_init/mqtt_finish); it keeps a
 * pointer to nothing the caller owns. Not thread-safe.
 */
#ifndef SMARTLOCK_LOCK_MQTT_H
#define SMARTLOCK_LOCK_MQTT_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/topic.h"

#define MQTT_INBOX_SLOTS 8
#define MQTT_PAYLOAD_MAX 512    /* a command is ~200 bytes; longer is refused */
#define MQTT_BACKOFF_MIN_MS 500
#define MQTT_NO_DEADLINE INT64_MAX

struct mosquitto;

struct mqtt_settings {
	const char *lock;               /* lock id: topics and client id */
	const char *socket_path;        /* non-empty: Unix socket, host/port unused */
	const char *host;
	int port;
	bool tls;
	const char *cafile;             /* "" = the system CA directory */
	const char *user;
	const char *password;           /* "" = none */
	int keepalive;                  /* s */
	int64_t backoff_max_ms;
	const char *will;               /* retained payload on health */
};

struct mqtt_message {
	size_t len;
	bool oversized;                 /* longer than MQTT_PAYLOAD_MAX: payload empty */
	char payload[MQTT_PAYLOAD_MAX + 1];     /* NUL-terminated copy */
};

enum mqtt_state {
	MQTT_DOWN,              /* waiting for retry_at */
	MQTT_CONNECTING,        /* socket open, CONNACK awaited */
	MQTT_SUBSCRIBING,       /* connected, SUBACK awaited */
	MQTT_READY,             /* subscribed */
};

enum mqtt_topic { MQTT_TOPIC_STATUS, MQTT_TOPIC_HEALTH };

struct mqtt_link {
	struct mosquitto *mosq;
	char topic_lock[SL_TOPIC_MAX];
	char topic_status[SL_TOPIC_MAX];
	char topic_health[SL_TOPIC_MAX];
	enum mqtt_state state;
	bool tcp;
	char host[256];
	int port;
	int keepalive;
	bool attempted;         /* mosquitto_connect_async() was called */
	int64_t retry_at;
	int64_t backoff_ms, backoff_max_ms;
	int64_t misc_at;        /* next mosquitto_loop_misc() */
	int sub_mid;
	bool ready_edge;        /* became READY since mqtt_take_ready() */
	/* set by callbacks */
	bool cb_connack;
	int cb_connack_rc;
	bool cb_suback;
	int cb_suback_qos;
	bool cb_disconnect;
	int cb_published_mid;
	/* the inbox: a ring of copies */
	struct mqtt_message inbox[MQTT_INBOX_SLOTS];
	size_t head, count;
	unsigned long dropped;  /* messages that found the inbox full */
};

/* Set up topics, client id "lockd-<lock>", credentials, TLS and will. No
 * connection yet. On error msg says why. */
enum sl_err mqtt_init(struct mqtt_link *m, const struct mqtt_settings *s,
		char *msg, size_t msg_size);
void mqtt_finish(struct mqtt_link *m);

/* The descriptor to poll (0 or 1 written). */
size_t mqtt_fds(struct mqtt_link *m, struct pollfd *fds, size_t max);

/* After poll(): revents of the descriptor from mqtt_fds() (0 if none).
 * Reads, writes, keeps alive, notices a lost connection and, when
 * may_connect and the backoff time has come, connects again. */
void mqtt_service(struct mqtt_link *m, short revents, int64_t now, bool may_connect);

/* When mqtt_service() should run again even without I/O; a reconnection
 * that may not happen now (may_connect false) sets no deadline. */
int64_t mqtt_next_deadline(const struct mqtt_link *m, bool may_connect);

/* Pop the oldest received command; false when none. */
bool mqtt_take_message(struct mqtt_link *m, struct mqtt_message *out);

/* Number of messages dropped because the inbox was full, reset to 0. */
unsigned long mqtt_take_dropped(struct mqtt_link *m);

/* True once after each time the link becomes READY (subscribed). */
bool mqtt_take_ready(struct mqtt_link *m);

/* Connected (CONNACK accepted), subscribed or not. */
bool mqtt_is_connected(const struct mqtt_link *m);
/* Connected and subscribed to the lock topic. */
bool mqtt_is_ready(const struct mqtt_link *m);

/* Publish QoS 1 on the lock's status or health topic. SL_ERR_IO when not
 * connected (nothing is queued) or libmosquitto refused. */
enum sl_err mqtt_publish(struct mqtt_link *m, enum mqtt_topic topic,
		const char *payload, bool retain);

/* Clean shutdown: publish payload retained on health (QoS 1), wait up to
 * timeout_ms for its acknowledgement, then disconnect so the will is not
 * sent. Does nothing when not connected. */
void mqtt_shutdown(struct mqtt_link *m, const char *payload, int timeout_ms);

#endif
