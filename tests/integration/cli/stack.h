/*
 * stack.h - the real stack for the client integration tests (smartlockctl
 * and smartlock-tui): a private Mosquitto (tests/harness), the REAL
 * smartlock-agent and smartlock-lockd (simulated bolt) with their configs,
 * a user store with an owner, a resident and a guest whose window opens in
 * the future, and an enrolment file per user. Each test owns its
 * directory. Programs run as child processes; smartlockctl's stdout and
 * stderr are captured separately.
 */
#ifndef SMARTLOCK_TEST_STACK_H
#define SMARTLOCK_TEST_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"
#include "smartlock/protocol.h"

#define STACK_LOCK "front-door"
#define STACK_WAIT 10000        /* ms: something that should happen */

enum stack_user { STACK_OWNER, STACK_RESIDENT, STACK_GUEST, STACK_NUSERS };

struct stack {
	char dir[HARNESS_PATH_MAX];
	char state_dir[HARNESS_PATH_MAX];
	char agent_conf[HARNESS_PATH_MAX];
	char lockd_conf[HARNESS_PATH_MAX];
	char agent_log[HARNESS_PATH_MAX];
	char lockd_log[HARNESS_PATH_MAX];
	struct harness_broker broker;
	struct harness_proc agent, lockd;
	bool agent_running, lockd_running;
	int starts;
	struct sl_key lock_key;
	struct sl_key keys[STACK_NUSERS];
	int64_t guest_from;             /* ms: when the guest's window opens */
	bool site;                      /* made by stack_site_up() */
	struct harness_proc mosquitto;  /* the site's broker */
	bool mosquitto_running;
	char site_dir[HARNESS_PATH_MAX];
	const char *agent_user;         /* the agent runs as this user (NULL: as we do) */
};

extern const char *const stack_names[STACK_NUSERS];

/* Are the agent and lockd built? (Tests skip with 77 when not.) */
bool stack_programs_built(void);

/* Directory, broker, user store, lock key, configs (extra lines appended;
 * NULL for none) and enrolment files. Starts nothing else. 0 or -1. */
int stack_setup(struct stack *s, const char *agent_extra, const char *lockd_extra);
/* After stack_setup(), before the agent starts: the agent also serves
 * lock id (its key in the keys directory; no lockd runs for it). 0 or -1. */
int stack_add_lock(struct stack *s, const char *id);
/* Start the agent / lockd and wait for their ready lines. 0 or -1. */
int stack_start_agent(struct stack *s);
int stack_start_lockd(struct stack *s);
/* Stop lockd (SIGTERM); its last will marks the lock offline. */
int stack_stop_lockd(struct stack *s);
/* setup, agent, lockd, and the agent's retained state saying online. */
int stack_up(struct stack *s, const char *agent_extra, const char *lockd_extra);
/* Wait for the agent's retained state to say online == want. 0 or -1. */
int stack_wait_online(struct stack *s, bool want);
void stack_teardown(struct stack *s);

/*
 * The production-shaped site instead: `smartlockctl init` (Mosquitto with
 * the smartlock_auth.so plugin, TLS on a loopback port, hashed passwords,
 * ACLs), `smartlockctl user add` for the resident and the guest, then
 * mosquitto, the agent and lockd from the files it wrote. The enrolment
 * files are the ones init and user add wrote (TLS + CA file). 0 on
 * success, 77 when this smartlockctl has no init (site support not built),
 * -1 on failure.
 */
int stack_site_up(struct stack *s);
/* The same with `init --agent-user agent_user`, the agent's state and the
 * password file in <site>/var, and the agent run as that user (root only). */
int stack_site_up_as(struct stack *s, const char *agent_user);
/* stack_site_up with lines appended to the agent's and lockd's configs
 * (NULL for none) before they start, and passwords hashed with iterations
 * PBKDF2 iterations (0: 1000, cheap for tests). */
int stack_site_up_ex(struct stack *s, const char *agent_extra, const char *lockd_extra,
		int iterations);

/* Stop the site's broker with sig (SIGKILL: a crash; SIGTERM: a clean
 * stop) and reap it (0, or -1 if it would not die) / start it again from the site's config and wait for it
 * to run. 0 or -1. */
int stack_site_broker_stop(struct stack *s, int sig);
int stack_site_broker_start(struct stack *s);

/* The enrolment file of a stack user (in the test directory). */
const char *stack_enrol(const struct stack *s, enum stack_user u, char *buf, size_t size);
/* Write an enrolment for name/role/key at path (for wrong keys and
 * unknown users). 0 or -1. */
int stack_write_enrol(const struct stack *s, const char *path, const char *name,
		enum sl_role role, const struct sl_key *key);

/* The built smartlockctl / smartlock-tui. */
const char *stack_ctl_path(char *buf, size_t size);
const char *stack_tui_path(char *buf, size_t size);

/*
 * Run smartlockctl with args (NULL-terminated, after argv[0]) and
 * SMARTLOCK_ENROL unset; wait up to timeout_ms. Returns its exit code (-1 if
 * it had to be killed); *out / *err (may be NULL) get its stdout / stderr
 * (malloc'd).
 */
int stack_ctl(const struct stack *s, const char *const *args, int timeout_ms, char **out,
		char **err);
/* stack_ctl() into *out / *err, freeing what they held from a last run. */
int stack_ctl_again(const struct stack *s, const char *const *args, int timeout_ms,
		char **out, char **err);
/* Let frozen (SIGSTOP) daemons run again, e.g. before a teardown. */
void stack_thaw(struct stack *s);
/* Start smartlockctl with args in the background: stdout to out_path,
 * stderr to err_path (both HARNESS_PATH_MAX, filled in here). 0 or -1. */
int stack_ctl_start(const struct stack *s, const char *const *args, struct harness_proc *p,
		char *out_path, char *err_path);

/* A client on the broker's Unix socket (anonymous broker). */
struct harness_client *stack_client(struct stack *s);

#endif
