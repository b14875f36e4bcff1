/*
 * pluginfix.h - fixture for the smartlock_auth integration tests: a test
 * directory with a password file, the real Mosquitto loading the real
 * plugin (through the harness), a test CA made with the openssl tool, and
 * a few helpers to observe what the broker let through.
 *
 * Accounts made by pf_default_accounts() (password "pw-<name>"):
 *   olga owner, rita resident (alerts), rex resident (no alerts),
 *   gina guest, agent agent, front-door lock.
 * Not thread-safe; one fixture per test.
 */
#ifndef SMARTLOCK_PLUGINFIX_H
#define SMARTLOCK_PLUGINFIX_H

#include <stdbool.h>

#include "harness.h"
#include "smartlock/passwd.h"

#define PF_ITERATIONS 1000

struct pf {
	char dir[HARNESS_PATH_MAX];
	char passwd_path[HARNESS_PATH_MAX];
	struct passwd_file *pw;
	struct harness_broker broker;
	bool broker_up;
};

/* snprintf that fails the test instead of truncating. */
void pf_fmt(char *dst, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/* Make the directory and an empty account set. 0 or -1. */
int pf_init(struct pf *f);

/* Add or replace an account (password "pw-<name>"). */
void pf_account(struct pf *f, const char *name, enum sl_passwd_role role,
		bool home_only, bool enabled, bool alerts);
void pf_default_accounts(struct pf *f);

/* Write the password file (mode 0640, atomically). */
void pf_save(struct pf *f);

/* Start the broker with the plugin; home_networks as given; extra is
 * appended to the harness config (may be NULL). 0 or -1. The sanitizer
 * runtime of a sanitized build is preloaded into the broker only. */
int pf_start(struct pf *f, const char *home_networks, const char *extra);

void pf_finish(struct pf *f);

/* Connect over the Unix socket as name with "pw-<name>" (or password). */
struct harness_client *pf_connect(struct pf *f, const char *name, const char *password);

/* Connect over loopback TCP; rc gets the CONNACK code or -1. */
struct harness_client *pf_connect_tcp(struct pf *f, const char *name,
		const char *password, int port, const char *cafile, int *rc);

/* Wait on c for a message whose payload is exactly payload (others are
 * dropped). 1 when it came within timeout_ms, 0 otherwise. */
int pf_wait_payload(struct harness_client *c, const char *payload, int timeout_ms);

/*
 * Publish probe on topic as pub (QoS 1), then marker on marker_topic;
 * obs is subscribed to both. Returns 1 when obs received the probe before
 * the marker, 0 when only the marker came, -1 when the marker never came.
 */
int pf_delivered(struct harness_client *pub, const char *topic, bool retain,
		struct harness_client *obs, const char *marker_topic, const char *tag);

/* A raw MQTT 3.1.1 connection over the Unix socket (no library): CONNECT
 * with an optional will (QoS 1), wait for the CONNACK. Returns the socket
 * (close it without DISCONNECT to fire the will) or -1; *connack gets the
 * return code when one came. */
int pf_raw_connect(struct pf *f, const char *id, const char *user, const char *password,
		const char *will_topic, const char *will_payload, int *connack);

/* Send a QoS 0 PUBLISH of len payload bytes on a raw connection. 0 or -1. */
int pf_raw_publish(int fd, const char *topic, const void *payload, size_t len);

/* Run a program (argv[0] a path) to completion within timeout_ms; its
 * exit code or -1. Output goes to log. */
int pf_run(const char *log, char *const argv[], int timeout_ms);

/* Make a CA (ca.crt/ca.key) and a server certificate for localhost and
 * 127.0.0.1 signed by it (server.crt/server.key) in dir with the openssl
 * tool; prefix names the files ("" or "rogue-"). 0 or -1. */
int pf_make_ca(const char *dir, const char *prefix);

#endif
