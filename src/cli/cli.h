/*
 * cli.h - what smartlockctl's commands share: the parsed command line, the
 * connection to the broker with the user's enrolment, and waiting for the
 * agent's answer to one request.
 *
 * Every function returns an exit code of exitcode.h (0 on success) and
 * prints its own message on stderr when it fails. Single-threaded.
 */
#ifndef SMARTLOCK_CLI_H
#define SMARTLOCK_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/enrol.h"
#include "smartlock/protocol.h"

#include "client.h"
#include "exitcode.h"

#define CLI_PROG "smartlockctl"
#define CLI_DEFAULT_TIMEOUT_MS 15000

/* Option bits: which options were given, and which a command accepts. */
enum cli_opt_bit {
	OPT_ENROL = 1u << 0,
	OPT_LOCK = 1u << 1,
	OPT_TIMEOUT = 1u << 2,
	OPT_JSON = 1u << 3,
	OPT_ROLE = 1u << 4,
	OPT_FROM = 1u << 5,
	OPT_UNTIL = 1u << 6,
	OPT_SCHEDULE = 1u << 7,
	OPT_USES = 1u << 8,
	OPT_LOCKS = 1u << 9,
	OPT_OUT = 1u << 10,
	OPT_COUNT = 1u << 11,
	OPT_BEFORE = 1u << 12,
	OPT_ALL = 1u << 13,
	OPT_DIR = 1u << 14,
	OPT_FORCE = 1u << 15,
	OPT_HELP = 1u << 16,
};

/* Every command accepts these. */
#define OPT_COMMON (OPT_ENROL | OPT_LOCK | OPT_TIMEOUT | OPT_JSON | OPT_HELP)

struct cli_opts {
	unsigned given;                 /* enum cli_opt_bit */
	const char *enrol;
	const char *lock;
	int64_t timeout_ms;
	bool json;
	const char *role, *from, *until, *schedule, *locks, *out, *dir;
	int64_t uses;
	int64_t count;
	int64_t before;
	bool all;
	bool force;
	char **args;                    /* operands after the command name */
	int nargs;
	struct sl_enrolment enrolment;  /* filled by cli_load_enrolment(); wiped at exit */
	bool loaded;
};

/* Set by the SIGINT/SIGTERM handler (the only mutable global). */
extern volatile sig_atomic_t cli_stop;

/* Print "smartlockctl: <msg>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Find and load the enrolment into o->enrolment (once): 0 or EXIT_CONFIG
 * with the reason printed. */
int cli_load_enrolment(struct cli_opts *o);

/* Gets the events that arrive while cli_connect() waits for the SUBACKs
 * (the retained state and health come then); it must not keep ev. */
typedef void (*cli_early_fn)(const struct client_event *ev, void *arg);

/*
 * Load the enrolment (if not yet), connect, subscribe to kinds (n of
 * them) and wait until every subscription is acknowledged, all within
 * o->timeout_ms; other events meanwhile go to early (NULL: dropped). On
 * success *out is the session (client_destroy() it) and 0 is returned;
 * otherwise an exit code (3 enrolment, 6 broker, 4 timeout) with the
 * reason printed.
 */
int cli_connect(struct cli_opts *o, const enum sl_topic_kind *kinds, size_t n,
		struct sl_client **out, cli_early_fn early, void *arg);

/* Wait for the answer to request id until deadline (monotonic ms). 0 with
 * *r filled, EXIT_TIMEOUT, or EXIT_USAGE when interrupted. Other events
 * are dropped. */
int cli_wait_response(struct sl_client *c, int64_t id, int64_t deadline,
		struct sl_response *r);

/* The same for an admin answer; *r must be finished by the caller
 * (proto_admin_res_finish) when 0 is returned. */
int cli_wait_admin(struct sl_client *c, int64_t id, int64_t deadline,
		struct sl_admin_res *r);

/* Send an admin request and wait for its answer, whatever its result: 0
 * with *r filled (the caller finishes it), else the exit code with the
 * reason printed. */
int cli_admin_exchange(struct sl_client *c, const struct cli_opts *o,
		struct sl_admin_req *req, struct sl_admin_res *r);

/* Connect, send op (no arguments) and wait for its answer, whatever its
 * result: 0 with *r filled (the caller finishes it), else the exit code
 * with the reason printed. */
int cli_admin_op(struct cli_opts *o, enum sl_admin_op op, struct sl_admin_res *r);

/* 0 when r says ok; otherwise print its sentence (about name) on stderr,
 * finish r and return the exit code it maps to. */
int cli_admin_outcome(struct sl_admin_res *r, const char *name);

/* Send an admin request and wait for its answer: 0 when the agent said
 * ok (*r to finish), else the exit code with the sentence printed. */
int cli_admin_call(struct sl_client *c, const struct cli_opts *o, struct sl_admin_req *req,
		const char *name, struct sl_admin_res *r);

/* Write one line to stdout (the caller's text is already clean). */
void cli_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The commands. */
int cmd_lock(struct cli_opts *o);
int cmd_unlock(struct cli_opts *o);
int cmd_status(struct cli_opts *o);
int cmd_watch(struct cli_opts *o);
int cmd_users(struct cli_opts *o);
int cmd_log(struct cli_opts *o);
int cmd_health(struct cli_opts *o);
int cmd_lock_reset(struct cli_opts *o);
int cmd_alert(struct cli_opts *o);

#endif
