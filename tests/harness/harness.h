/*
 * harness.h - the integration-test harness: a private, real Mosquitto per
 * test, the programs under test as child processes, and a small synchronous
 * MQTT client built on libmosquitto for driving and observing them.
 *
 * Nothing here ever touches a system broker: the broker gets a generated
 * config with a Unix socket and a free loopback port inside the test's own
 * temporary directory. Every wait is for an event (a connection accepted, a
 * CONNACK, a SUBACK, a PUBACK, a message, a child's exit) with a deadline;
 * there are no fixed sleeps.
 *
 * Paths of the built programs come from the environment meson test sets:
 * SMARTLOCK_BUILD_ROOT (the build directory) and SMARTLOCK_SOURCE_ROOT.
 * Not thread-safe; one test process drives everything.
 */
#ifndef SMARTLOCK_HARNESS_H
#define SMARTLOCK_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define HARNESS_PATH_MAX 512

/* ---- temporary directories ---- */

/* mkdtemp a fresh "/tmp/smartlock-test.XXXXXX" (or under $TMPDIR) into buf.
 * Returns 0 or -1. */
int harness_tmpdir(char *buf, size_t size);
/* rm -r dir (no symlink following). */
void harness_rmtree(const char *dir);
/* Write a small file (mode as given). 0 or -1. */
int harness_write_file(const char *path, const char *text, mode_t mode);
/* Read a file into a malloc'd NUL-terminated string, NULL on error. */
char *harness_read_file(const char *path);
/* Bytes of the records in an agent's audit directory (audit.log and its
 * rotated files) whose actor is actor, or of every record when actor is
 * NULL; -1 if dir cannot be read. */
long harness_audit_bytes(const char *dir, const char *actor);

/* $SMARTLOCK_BUILD_ROOT/rel into buf; returns buf. */
const char *harness_build_path(char *buf, size_t size, const char *rel);
/* $SMARTLOCK_SOURCE_ROOT/rel into buf; returns buf. */
const char *harness_source_path(char *buf, size_t size, const char *rel);

/* ---- the broker ---- */

struct harness_broker {
	pid_t pid;
	int port;                       /* loopback TCP port */
	char dir[HARNESS_PATH_MAX];     /* the test's directory (not owned) */
	char socket_path[HARNESS_PATH_MAX];
	char conf_path[HARNESS_PATH_MAX];
	char log_path[HARNESS_PATH_MAX];
};

/*
 * Start mosquitto (option -Dmosquitto, default "mosquitto" from PATH) with a
 * config in dir: a Unix socket listener at dir/mqtt.sock and a TCP listener
 * on 127.0.0.1:<free port>, no persistence, log to dir/mosquitto.log.
 * If extra_conf is NULL, anonymous clients are allowed on both listeners;
 * otherwise extra_conf is appended verbatim (it may add listeners, plugins,
 * allow_anonymous false, ...) and "@PORT@" / "@DIR@" in it are replaced by
 * the chosen port and dir. Waits until the Unix socket accepts connections.
 * Returns 0, or -1 with the broker's log on stderr.
 */
int harness_broker_start(struct harness_broker *b, const char *dir, const char *extra_conf);

/* Pick a currently free loopback TCP port (for extra listeners). */
int harness_free_port(void);

/* SIGTERM the broker and reap it (SIGKILL after 5 s). Idempotent. */
void harness_broker_stop(struct harness_broker *b);

/* Stop and start again on the same port, socket and config. 0 or -1. */
int harness_broker_restart(struct harness_broker *b);

/* ---- child processes ---- */

struct harness_proc {
	pid_t pid;
	int status;                     /* wait status once reaped */
	bool reaped;
	char log_path[HARNESS_PATH_MAX];
};

/* fork/exec argv[0] (a path) with stdout+stderr appended to log_path and
 * stdin from /dev/null. envp NULL = inherit. 0 or -1. */
int harness_proc_start(struct harness_proc *p, const char *log_path,
		char *const argv[], char *const envp[]);

/* Wait up to timeout_ms for the child to exit. 0 when it exited (status in
 * p->status), -1 on timeout. */
int harness_proc_wait(struct harness_proc *p, int timeout_ms);

/* Send sig, wait up to timeout_ms, then SIGKILL. Returns the exit code, or
 * 128+signal if it died by a signal. */
int harness_proc_stop(struct harness_proc *p, int sig, int timeout_ms);

bool harness_proc_alive(struct harness_proc *p);

/* Wait until the file at path contains needle (e.g. a "ready" line in a
 * program's log), re-reading on change, up to timeout_ms. 0 or -1. */
int harness_wait_file_contains(const char *path, const char *needle, int timeout_ms);

/* Lines in the file at path (0 when it does not exist). */
size_t harness_file_lines(const char *path);

/* Wait until the file at path has at least n lines, up to timeout_ms.
 * 0 or -1. */
int harness_wait_file_lines(const char *path, size_t n, int timeout_ms);

/* ---- MQTT clients ---- */

struct harness_msg {
	char *topic;
	void *payload;                  /* NUL-terminated for convenience */
	size_t len;
	int qos;
	bool retain;
	struct harness_msg *next;
};

struct harness_client_opts {
	const char *id;                 /* client id; NULL = generated */
	const char *user, *password;    /* NULL = none */
	const char *socket_path;        /* set: connect over this Unix socket */
	const char *host;               /* else TCP host (default 127.0.0.1) */
	int port;
	const char *cafile;             /* set: TLS with this CA */
	const char *will_topic, *will_payload;
	bool will_retain;
	int keepalive;                  /* s, default 60 */
	bool persistent_session;        /* true: clean_session = false (default clean) */
};

struct harness_client;

/* Connect and wait for the CONNACK (5 s). Returns NULL on failure; *rc (if
 * not NULL) gets the CONNACK code (0 accepted, 4 bad credentials, 5 not
 * authorised) or -1 for a transport failure. */
struct harness_client *harness_client_connect(const struct harness_client_opts *o, int *rc);

/* Shorthand: anonymous/credentials over the broker's Unix socket. */
struct harness_client *harness_client_local(const struct harness_broker *b,
		const char *user, const char *password);

/* Subscribe and wait for the SUBACK. Returns the granted QoS (0-2), 128 if
 * the broker refused, -1 on error or timeout. */
int harness_client_subscribe(struct harness_client *c, const char *topic, int qos);

/* Publish; for QoS 1/2 wait until the broker acknowledged. 0 or the
 * libmosquitto error code (-1 on timeout). */
int harness_client_publish(struct harness_client *c, const char *topic,
		const void *payload, size_t len, int qos, bool retain);
/* Same with a NUL-terminated string payload. */
int harness_client_publish_str(struct harness_client *c, const char *topic,
		const char *payload, int qos, bool retain);

/* Wait up to timeout_ms for the next message whose topic matches filter
 * (MQTT wildcards allowed; NULL = any). Messages that do not match stay
 * queued. Returns the message (free with harness_msg_free) or NULL. */
struct harness_msg *harness_client_wait(struct harness_client *c,
		const char *filter, int timeout_ms);

/* Pump the network for up to timeout_ms without waiting for anything in
 * particular; returns how many messages are queued. */
size_t harness_client_pump(struct harness_client *c, int timeout_ms);

/* Drop every queued message. */
void harness_client_drain(struct harness_client *c);

/* True while the broker connection is up (pumps once). */
bool harness_client_connected(struct harness_client *c);

/* Wait up to timeout_ms for the broker to close the connection: 0 when it
 * did, -1 on timeout. */
int harness_client_wait_disconnect(struct harness_client *c, int timeout_ms);

void harness_client_destroy(struct harness_client *c);
void harness_msg_free(struct harness_msg *m);

/* Global libmosquitto init/cleanup; call once per test program. */
void harness_init(void);
void harness_cleanup(void);

#endif
