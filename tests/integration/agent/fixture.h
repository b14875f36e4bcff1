/*
 * fixture.h - what every smartlock-agent integration test starts from: a
 * private Mosquitto (tests/harness), a state directory with users.json and
 * a lock key, the REAL smartlock-agent process, a minimal lock peer that
 * verifies commands with the lock key and answers on lockStatus, and
 * clients for users and observers.
 */
#ifndef AGENT_FIXTURE_H
#define AGENT_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "smartlock/protocol.h"
#include "smartlock/userstore.h"

#define FX_LOCK "front-door"
#define FX_USERS_MAX 16
#define FX_WAIT 5000            /* ms: an answer that should come */

struct fx_user {
	const char *name;
	enum sl_role role;
	enum sl_user_status status;
	const char *locks;              /* NULL = "*" */
	int64_t from, until;
	const char *schedule;           /* NULL = "" */
	int64_t max_uses;
	bool alerts;                    /* receives alerts (owners always do) */
};

struct fx {
	char dir[256];
	char state_dir[300];
	char conf_path[HARNESS_PATH_MAX];
	char users_path[HARNESS_PATH_MAX];
	char agent_log[HARNESS_PATH_MAX];
	struct harness_broker broker;
	struct harness_proc agent;
	int starts;
	struct sl_key lock_key;
	struct fx_user users[FX_USERS_MAX];
	struct sl_key keys[FX_USERS_MAX];
	size_t nusers;
	struct harness_client *lock;    /* the lock peer: lock topic */
	struct harness_client *watch;   /* state, securityAlert, log */
	int64_t last_t;
	const char *run_as;             /* set: the agent runs as this user (fx_run_as) */
};

/* The default users: owner, resident, guest (no limits). */
extern const struct fx_user fx_default_users[3];

/* Directory, broker, users.json, key, agent.conf (extra lines appended),
 * the lock peer and the watcher. Does not start the agent. 0 or -1. */
int fx_setup(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf);
/* fx_setup with broker_extra appended to the broker's config (see
 * harness_broker_start: anonymous access must then be allowed by it) and
 * prepare(f) called once the directory exists, before the broker starts. */
int fx_setup_ex(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf,
		const char *broker_extra, int (*prepare)(struct fx *f));
/* Start the agent and wait for "ready" (a fresh log per start). 0 or -1. */
int fx_start_agent(struct fx *f);
/* Run the agent as user from now on (setpriv, its uid and primary gid):
 * the test directory becomes the user's and the broker's socket open to
 * it. Needs root: 0, 77 (not root or no such user) or -1. */
int fx_run_as(struct fx *f, const char *user);
/* SIGTERM the agent; its exit code. */
int fx_stop_agent(struct fx *f);
/* fx_setup + fx_start_agent + the lock online (heartbeat, state online). */
int fx_up(struct fx *f, const struct fx_user *users, size_t n, const char *extra_conf);
/* Stop everything and remove the directory. -1 when the agent, still
 * running, did not exit cleanly (0) on SIGTERM, or any of its logs shows
 * a sanitizer report. */
int fx_teardown(struct fx *f);

/* The key of a fixture user (NULL if unknown). */
const struct sl_key *fx_key(struct fx *f, const char *user);

/* A client connected as user, subscribed to its lockRes and adminRes. */
struct harness_client *fx_client(struct fx *f, const char *user);

/* Sign (with key; NULL = the user's key) and publish a request; returns
 * its id (t), or 0 on failure. t 0 = a fresh increasing time. */
int64_t fx_send(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, enum sl_action action, int64_t t);

/* n unlock requests by user signed with a wrong key, each answered
 * bad-signature (the third trips the lockout by default). 0 or -1. */
int fx_bad_signatures(struct fx *f, struct harness_client *c, const char *user, int n);

/* Wait for the next answer on lockRes/<user>. 0 or -1. */
int fx_response(struct fx *f, struct harness_client *c, const char *user,
		struct sl_response *r, int timeout_ms);

/* The lock peer: wait for a command, verify it with the lock key. 0/-1. */
int fx_lock_command(struct fx *f, struct sl_command *cmd, int timeout_ms);
/* The lock peer answers seq with result and state (progress first when
 * progress is true). 0 or -1. */
int fx_lock_answer(struct fx *f, uint64_t seq, enum sl_result result,
		enum sl_reason reason, enum sl_lock_state state, bool progress);
/* Publish a heartbeat (interval s) retained; online false = the last will. */
int fx_heartbeat(struct fx *f, bool online, int64_t interval);
/* Publish an online heartbeat announcing that the lock refuses commands up
 * to seq, as a restarted smartlock-lockd does. 0 or -1. */
int fx_heartbeat_mark(struct fx *f, uint64_t seq);
/* Wait for the agent's retained state with online == want. 0 or -1. */
int fx_wait_state_online(struct fx *f, bool want, int timeout_ms);
/* Wait for an alert of kind on the watcher (other alerts are dropped). */
int fx_wait_alert(struct fx *f, enum sl_alert_kind kind, struct sl_alert *out, int timeout_ms);
/* Wait for an audit record on the log topic containing needle. 0 or -1. */
int fx_wait_log(struct fx *f, const char *needle, int timeout_ms);

/* Request + the lock peer answering ok: the full granted path. Returns 0
 * when the user got result ok with the expected state. */
int fx_granted(struct fx *f, struct harness_client *c, const char *user,
		enum sl_action action);
/* Request that must be refused at once with reason (result denied or
 * error), proving with an owner "lock" afterwards that no command for it
 * reached the lock. */
int fx_refused(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, enum sl_action action, int64_t t,
		enum sl_reason reason, struct sl_response *out);

/* Let the wall clock reach ms while pumping the watcher: the event a time
 * edge test waits for is the clock crossing the edge. */
void fx_wait_until(struct fx *f, int64_t ms);

/* Restart the agent and bring the lock online again. 0 or -1. */
int fx_restart_agent(struct fx *f);

/* Rewrite users.json from f->users. 0 or -1. */
int fx_write_users(struct fx *f);

/* Run the agent binary with args (NULL-terminated, after argv[0]) to exit;
 * its exit code, output in out (malloc'd, may be NULL). */
int fx_run_agent(struct fx *f, const char *const *args, char **out);

/* Send an admin request req as user (signed with key, NULL = the user's;
 * req->time set to a fresh id) and wait for the answer with its id. 0 or
 * -1; res->data_json must be freed (proto_admin_res_finish). */
int fx_admin(struct fx *f, struct harness_client *c, const char *user,
		const struct sl_key *key, struct sl_admin_req *req, struct sl_admin_res *res);

#endif
