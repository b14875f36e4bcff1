/*
 * client.h - the MQTT session smartlockctl and smartlock-tui share: connect
 * to the broker with an enrolment file, subscribe to the lock's topics, send
 * signed lock and admin requests, and hand back every message decoded,
 * validated and sanitised as an event.
 *
 * A network thread of this module does the I/O, keepalive and
 * reconnection with backoff (capped at CLIENT_RECONNECT_MAX_S, sleeping
 * between attempts) whatever ended the last connection; its callbacks only copy each
 * message into a bounded queue and write a byte to a self-pipe. The program
 * puts client_fd() (the pipe) with client_poll_events() in its own poll()
 * set, calls client_service() with the revents, and takes decoded events
 * out with client_next_event() in its own loop, so nothing ever blocks
 * inside a callback and no program state is touched by the network thread.
 *
 * Every string an event carries has been through text_clean() (text.h):
 * no control character, escape sequence or invalid UTF-8 from the network
 * survives into an event.
 *
 * A struct sl_client is owned by its creator; every function here must be
 * called from one thread (the program's loop). The queue and connection
 * state shared with the network thread are behind a mutex inside.
 */
#ifndef SMARTLOCK_CLIENT_H
#define SMARTLOCK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/enrol.h"
#include "smartlock/error.h"
#include "smartlock/protocol.h"
#include "smartlock/topic.h"

#include "records.h"

#define CLIENT_QUEUE_MAX 4096   /* queued messages; beyond it, new ones are dropped */
#define CLIENT_KEEPALIVE 30     /* s; libmosquitto's thread keeps it */
#define CLIENT_RECONNECT_MIN_S 1  /* reconnection backoff, exponential */
#define CLIENT_RECONNECT_MAX_S 4

enum client_conn {
	CLIENT_DISCONNECTED,    /* not connected; will retry */
	CLIENT_CONNECTING,      /* TCP/TLS/MQTT handshake under way */
	CLIENT_CONNECTED,       /* CONNACK accepted */
	CLIENT_REFUSED,         /* the broker refused the login (see refused code) */
};

enum client_event_type {
	CLIENT_EV_CONNECTED,    /* session up; subscriptions were (re)made */
	CLIENT_EV_DISCONNECTED, /* connection lost (code: libmosquitto rc) */
	CLIENT_EV_REFUSED,      /* CONNACK refused (code: CONNACK rc) */
	CLIENT_EV_SUBSCRIBED,   /* kind: granted (code: QoS) or refused (code 128) */
	CLIENT_EV_RESPONSE,     /* lockRes/<self> */
	CLIENT_EV_STATE,        /* state */
	CLIENT_EV_HEALTH,       /* health */
	CLIENT_EV_ALERT,        /* securityAlert */
	CLIENT_EV_LOG,          /* log: one audit record */
	CLIENT_EV_ADMIN_RES,    /* adminRes/<self> */
	CLIENT_EV_INVALID,      /* a message that did not decode: kind, err */
};

struct client_event {
	enum client_event_type type;
	enum sl_topic_kind kind;
	bool retained;
	int code;
	enum sl_err err;                /* CLIENT_EV_INVALID: why */
	union {
		struct sl_response response;
		struct sl_state_msg state;
		struct sl_heartbeat health;
		struct sl_alert alert;
		struct client_log_entry log;
		struct sl_admin_res admin;      /* data_json owned by the event */
	} u;
};

/* Free what an event owns (the admin answer's data); the struct itself is
 * the caller's. Safe to call on every event. */
void client_event_finish(struct client_event *ev);

struct client_opts {
	const struct sl_enrolment *enrol;       /* copied; may be wiped after */
	const char *lock;       /* NULL or "": the enrolment's lock */
	const char *prog;       /* short program tag for the client id ("tui") */
};

struct sl_client;

/*
 * Create a session (not yet connected). Returns NULL with *err set and a
 * sentence in msg when the options are unusable (bad lock name, TLS files).
 */
struct sl_client *client_create(const struct client_opts *o, enum sl_err *err,
		char *msg, size_t msg_size);
void client_destroy(struct sl_client *c);

/* The lock and user this session speaks for. */
const char *client_lock(const struct sl_client *c);
const char *client_user(const struct sl_client *c);
enum sl_role client_role(const struct sl_client *c);
/* "socket /run/smartlock/mqtt.sock" or "tls 192.168.1.12:8883". */
const char *client_endpoint(const struct sl_client *c);

/*
 * Subscriptions made on every (re)connection. Kinds with a user level use
 * this session's user. Call before client_start().
 */
enum sl_err client_want(struct sl_client *c, enum sl_topic_kind kind);

/* Start connecting without blocking. SL_OK, or SL_ERR_IO with a sentence
 * in msg when the broker cannot even be tried (e.g. name resolution). */
enum sl_err client_start(struct sl_client *c, char *msg, size_t msg_size);

/* ---- poll() integration ---- */
int client_fd(const struct sl_client *c);       /* the wake-up pipe: poll it for POLLIN */
short client_poll_events(const struct sl_client *c);
/* Drain the wake-up pipe and (re)subscribe after a new connection. */
void client_service(struct sl_client *c, short revents);
/* One poll() on the session alone for up to timeout_ms, then service: for
 * programs that have nothing else to wait for (smartlockctl). Returns
 * early when an event is queued. */
void client_pump(struct sl_client *c, int timeout_ms);

enum client_conn client_state(const struct sl_client *c);
/* The CONNACK code of the last refusal (4 bad credentials, 5 not
 * authorised), 0 if none. */
int client_refused_code(const struct sl_client *c);
/* Messages dropped because the queue was full, since creation. */
uint64_t client_dropped(const struct sl_client *c);

/* Take the oldest event; false when none. */
bool client_next_event(struct sl_client *c, struct client_event *ev);

/*
 * Send a signed lock request (lock, unlock or status) on lockReq/<user>.
 * *id gets its request id (the "t" field), which the answer echoes. Refused
 * with SL_ERR_BUSY when not connected: nothing is ever queued to be sent
 * later.
 */
enum sl_err client_request(struct sl_client *c, enum sl_action action, int64_t *id);

/*
 * Sign and send an admin request on admin/<user>. req->op and its arguments
 * are the caller's; time and mac are filled in here; *id is the id the
 * answer echoes. SL_ERR_BUSY when not connected.
 */
enum sl_err client_admin(struct sl_client *c, struct sl_admin_req *req, int64_t *id);

/*
 * Wait until the connection is up (true) or the login is refused, the
 * broker's address is unusable or the deadline passed (false). A broker
 * that is down is retried until the deadline. Events that arrive meanwhile
 * stay queued.
 */
bool client_wait_connected(struct sl_client *c, int64_t deadline_mono_ms);

/* The sentence for a connection that failed ("the broker refused the
 * login: bad user name or password"). */
const char *client_conn_problem(struct sl_client *c);

#endif
