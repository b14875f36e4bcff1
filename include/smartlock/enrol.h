/*
 * enrol.h - the enrolment file a user's console and CLI read: where the
 * broker is, how to trust it, and the user's credentials.
 *
 * It is a config.h file (mode 0600, never group/other readable):
 *   user = alice
 *   role = owner                  # owner | resident | guest (display only)
 *   lock = front-door             # default lock
 *   host = 192.168.1.12           # broker host (ignored when socket is set)
 *   port = 8883
 *   socket = /run/smartlock/mqtt.sock   # optional: local Unix socket
 *   tls = true                    # required for any non-loopback host
 *   cafile = ca.crt               # relative paths are relative to this file
 *   password = <broker password>
 *   signing_key = <64 hex digits>
 * Written by `smartlockctl init` and `smartlockctl user add`.
 */
#ifndef SMARTLOCK_ENROL_H
#define SMARTLOCK_ENROL_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/config.h"
#include "smartlock/error.h"
#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

#define SL_PATH_MAX 512
#define SL_PASSWORD_MAX 128

struct sl_enrolment {
	char user[SL_NAME_MAX + 1];
	enum sl_role role;
	char lock[SL_NAME_MAX + 1];
	char host[256];
	int64_t port;
	char socket[SL_PATH_MAX];       /* "" when not used */
	bool tls;
	char cafile[SL_PATH_MAX];       /* resolved to an absolute path on load */
	char password[SL_PASSWORD_MAX];
	struct sl_key key;
};

/* Load and validate; the file must be private (0600 or stricter). */
enum sl_err enrol_load(const char *path, struct sl_enrolment *out,
		struct sl_config_error *err);

/* Write atomically with mode 0600; SL_ERR_EXISTS if path exists and
 * overwrite is false. */
enum sl_err enrol_save(const char *path, const struct sl_enrolment *e, bool overwrite);

/* Wipe password and key from memory. */
void enrol_wipe(struct sl_enrolment *e);

#endif
