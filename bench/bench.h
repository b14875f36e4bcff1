/*
 * bench.h - the parts of smartlock-bench: latency samples, a timed MQTT
 * client, the private stack (broker, agent, simulated lock) and one function
 * per row of the table. Internal to bench/; nothing here is installed.
 *
 * Everything runs on the calling thread except the flood, which drives its
 * forging client from a second thread with its own bench_client. Structs
 * are owned by their creator; no function keeps a pointer to its arguments
 * unless its comment says so.
 */
#ifndef SMARTLOCK_BENCH_H
#define SMARTLOCK_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness.h"
#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

/* ---- latency samples (stats.c) ---- */

struct bench_samples {
	int64_t *ns;
	size_t n, cap;
	bool sorted;
};

/* 0 or -1 (out of memory). */
int samples_add(struct bench_samples *s, int64_t ns);
/* Nearest-rank percentile (0 < p <= 100); 0 with no samples. */
int64_t samples_pct(struct bench_samples *s, double p);
int64_t samples_max(struct bench_samples *s);
void samples_finish(struct bench_samples *s);

/* ---- a timed MQTT client on libmosquitto (client.c) ----
 * Messages are handed to the callback with the monotonic time (ns) at
 * which they were read; the callback runs inside bench_client_pump() and
 * must not publish. Publishing is QoS 1 and does not wait: libmosquitto
 * writes the packet at once when called outside a callback. */

struct bench_endpoint {
	const char *socket_path;        /* set: Unix socket */
	const char *host;               /* else TCP */
	int port;
	bool nodelay;                   /* TCP_NODELAY on the client socket */
	const char *user, *password;    /* set: log in (a stack with the plugin) */
};

typedef void (*bench_msg_fn)(void *arg, const char *topic,
		const void *payload, size_t len, int64_t t_ns);

struct bench_client;

/* Connect and wait for the CONNACK (5 s). fn/arg are kept. NULL on error. */
struct bench_client *bench_client_connect(const struct bench_endpoint *ep,
		const char *id, bench_msg_fn fn, void *arg);
/* Subscribe at QoS 1 and wait for the SUBACK (5 s). 0 or -1. */
int bench_client_subscribe(struct bench_client *c, const char *topic);
/* Queue and write a QoS 1 PUBLISH. 0 or -1. */
int bench_client_publish(struct bench_client *c, const char *topic,
		const void *payload, size_t len);
/* Wait up to timeout_ms for traffic on any of the n clients and process
 * it. Returns -1 when a connection was lost, else 0. */
int bench_clients_pump(struct bench_client *const *cs, size_t n, int timeout_ms);
int bench_client_pump(struct bench_client *c, int timeout_ms);
/* PUBACKs received so far. */
uint64_t bench_client_acked(const struct bench_client *c);
void bench_client_destroy(struct bench_client *c);

/* ---- the private stack (stack.c) ---- */

#define BENCH_OWNER "owner"             /* the owner whose unlocks are timed */
#define BENCH_ATTACKER "mallory"        /* a resident whose requests are forged */

struct bench_user {
	char name[SL_NAME_MAX + 1];
	struct sl_key key;
	char password[48];              /* broker login, with the plugin only */
};

/* One agent instance. */
struct bench_agent_cfg {
	const char *state_dir;          /* required */
	const char *locks;              /* comma list; NULL = the bench lock */
	const char *users_json;         /* NULL = the stack's users.json */
	const char *keys_dir;           /* NULL = the stack's lock_keys_dir */
	const char *settings;           /* more agent.conf lines, or NULL */
};

/* Who talks to the broker over what. MIXED is the product's layout
 * (data/smartlock.conf): the agent and lockd on the Unix socket, users over
 * TCP (TLS in the product, plain on loopback here). */
enum bench_transport { BENCH_MIXED, BENCH_TCP, BENCH_UNIX };

struct bench_stack {
	char dir[HARNESS_PATH_MAX];     /* everything of the run lives here */
	char build_root[HARNESS_PATH_MAX];
	char agent_bin[HARNESS_PATH_MAX], lockd_bin[HARNESS_PATH_MAX];
	bool have_agent, have_lockd;
	enum bench_transport transport;
	bool progs_on_socket;           /* agent and lockd on the Unix socket */
	bool nodelay;                   /* TCP_NODELAY on the bench's TCP clients */
	struct harness_broker broker;
	struct bench_endpoint ep;       /* the benchmark's (users') clients */
	struct bench_endpoint tcp_ep, unix_ep;
	char lock[SL_NAME_MAX + 1];
	struct bench_user owner, attacker;
	char users_json[HARNESS_PATH_MAX + 32];
	char keys_dir[HARNESS_PATH_MAX + 32];
	struct sl_key lock_key;
	struct harness_proc agent, lockd;
	bool agent_up, lockd_up;
	char agent_audit[HARNESS_PATH_MAX + 32];  /* audit dir of the running agent */
	int agent_runs;                 /* numbers the agents' logs and confs */
	int64_t owner_t;                /* last request time used by the owner */
	bool plugin;                    /* smartlock_auth.so loaded, everyone logs in */
	struct bench_user agent_account, lock_account;  /* their broker logins */
};

/* Make dir (under base, or $TMPDIR), users, keys; start the broker. 0/-1. */
int stack_create(struct bench_stack *s, const char *base, const char *build_root,
		enum bench_transport transport, bool nodelay, const char *broker_extra);
/* The same with the smartlock_auth plugin loaded (its limits at their
 * defaults) and a password file with the agent, the lock, the owner and
 * the attacker, here a guest; every client of the stack logs in, and
 * everything runs on the Unix socket. 0/-1. */
int stack_create_plugin(struct bench_stack *s, const char *base, const char *build_root,
		const char *broker_extra);
/* An endpoint of the stack's socket logged in as u. */
struct bench_endpoint stack_endpoint_as(const struct bench_stack *s, const struct bench_user *u);
/* On SIGINT/SIGTERM/SIGHUP, stop s's children before dying. */
void stack_catch_signals(struct bench_stack *s);
/* Start smartlock-lockd (sim backend, zero actuation). 0 or -1. */
int stack_start_lockd(struct bench_stack *s);
/* Start an agent with cfg and wait for its ready line. 0 or -1. */
int stack_start_agent(struct bench_stack *s, const struct bench_agent_cfg *cfg);
void stack_stop_agent(struct bench_stack *s);
/* Run smartlock-agent --verify-audit on audit_dir: its exit code (0 =
 * the chain verifies), -1 if it could not be run. */
int stack_verify_audit(struct bench_stack *s, const char *audit_dir);
/* Stop everything; remove dir unless keep. */
void stack_destroy(struct bench_stack *s, bool keep);
/* A client of the stack's broker. */
struct bench_client *stack_client(struct bench_stack *s, const char *id,
		bench_msg_fn fn, void *arg);
/* Write users.json with the owner, the attacker and extra residents
 * user-0001 ... user-NNNN into path. 0 or -1. */
int stack_write_users(struct bench_stack *s, const char *path, size_t extra);
/* Write <dir>/<lock>.key for each lock of the comma list. 0 or -1. */
int stack_write_lock_keys(struct bench_stack *s, const char *dir, const char *locks);
/* Next strictly increasing request time (ms) for the owner. */
int64_t stack_owner_time(struct bench_stack *s);
/* Signed request payload for user (malloc'd); topic gets lockReq/<user>. */
char *stack_request(const struct bench_stack *s, const struct bench_user *u,
		const struct sl_key *key, int action, int64_t t,
		char *topic, size_t topic_size);

/* The owner's answer to one request, filled by bench_answer_on_message
 * (pass it as the client's arg). */
struct bench_answer {
	int64_t want;           /* the request's id */
	bool got;
	int64_t t;              /* arrival, ns (monotonic) */
	enum sl_result result;
	enum sl_reason reason;
	char topic[SL_TOPIC_MAX];
	size_t len;             /* payload bytes */
};
void bench_answer_on_message(void *arg, const char *topic, const void *payload,
		size_t len, int64_t t_ns);
/* Publish one signed owner request and wait up to timeout_ms for its
 * answer. Returns the latency (ns), or -1 on timeout or error. */
int64_t stack_owner_request(struct bench_stack *s, struct bench_client *c, int action,
		int timeout_ms, struct bench_answer *a);

/* ---- the rows (one file each) ---- */

/* CPU time: the broker, the agent, lockd and this benchmark process. */
enum { CPU_BROKER, CPU_AGENT, CPU_LOCKD, CPU_CLIENT, CPU_PROCS };

struct cpu_sample {
	bool ok;
	unsigned long long ticks[CPU_PROCS];    /* utime + stime */
	unsigned long long all, steal;          /* /proc/stat, every CPU */
};

struct cpu_result {
	bool ok;
	int64_t ns[CPU_PROCS];          /* CPU time per operation */
	double steal_pct;               /* of the machine's time, over the interval */
	long cpus;
};

struct floor_rtt {
	bool measured;
	size_t n;
	int64_t p50, p99;
	struct cpu_result cpu;          /* per round trip (the broker and this client) */
};

struct floor_result {
	bool ok;
	char why[160];
	struct floor_rtt tcp, unix_socket;      /* each measured when the stack uses it */
	size_t sync_n;
	int64_t sync_p50, sync_p99;
	char fs_type[32];
};

struct e2e_result {
	bool ok;
	char why[160];
	size_t n, granted, other;       /* answers ok / anything else */
	int64_t p50, p99, max;
	uint64_t audit_granted;         /* granted unlock records in the audit log */
	int audit_verify;               /* --verify-audit exit code after rows 2 and 4 */
	size_t res_topic_len, res_payload_len;  /* the last unlock's answer */
	char res_topic[SL_TOPIC_MAX];
	struct cpu_result cpu;          /* per timed unlock, its untimed lock included */
};

/* Row 3: what a request and its answer put on the wire. */
struct wire_result {
	bool req_ok, res_ok;
	size_t req_topic_len, req_payload_len, res_topic_len, res_payload_len;
	char req_topic[SL_TOPIC_MAX], res_topic[SL_TOPIC_MAX];
	char req_payload[256];
};

struct flood_result {
	bool ok;
	char why[160];
	double seconds;
	uint64_t sent, answered, audited, missing;
	double denied_per_s;
	size_t owner_n, owner_ok, owner_lost;  /* lost: no answer in 5 s (lock or unlock) */
	int64_t owner_p50, owner_p99, owner_max;
	char reasons[160];              /* "bad-signature 1234, locked-out 5" */
};

/* Row 7: one guest floods open-loop against the plugin's limits. */
struct insider_result {
	bool ok;
	char why[160];
	double seconds;
	uint64_t sent;                  /* flood messages the broker acknowledged */
	uint64_t answered;              /* answers the guest got from the agent */
	uint64_t dropped;               /* in the plugin's abuse reports */
	int reports;
	bool reports_complete;          /* a report came after the flood: all counted */
	double steal_pct;               /* the machine's, flood and reports; -1 unknown */
	long audit_bytes;               /* written for the flood: all but the owner's */
	size_t owner_n, owner_ok, owner_lost;
	int64_t owner_p50, owner_p99, owner_max;
};

struct memory_result {
	bool agent_ok;
	char agent_why[160];
	long agent_rss_kb, agent_hwm_kb;
	size_t users, locks;
	bool lockd_ok;
	char lockd_why[160];
	long long lockd_heap_bytes, lockd_text_data_bytes;
	long long lockd_commands;
};

struct alert_result {
	bool ok;
	char why[160];
	size_t n;
	int64_t p50, p99, max;
};

/* Everything the table shows. */
struct bench_report {
	char machine[512];              /* CPU, cores, kernel, build, file system */
	char broker[768];               /* mosquitto version and settings */
	char transport[256];
	enum bench_transport mode;
	char agent_fast[384];           /* agent settings of rows 2, 4 and 7 */
	int rounds;                     /* rows 1 and 2 in turns; 0: row 1 alone or not run */
	size_t flood_window;
	int owner_interval_ms;
	struct floor_result floor;
	struct e2e_result e2e;
	struct wire_result wire;
	struct flood_result flood;
	struct memory_result mem;
	struct alert_result alert;
	struct insider_result insider;
	int insider_owner_ms;
	char insider_broker[256];       /* the plugin and its limits */
};

/* Copy src into dst (size bytes), cutting it short if needed; append sep
 * (when dst is not empty) and src. Both always NUL-terminate. */
void text_copy(char *dst, size_t size, const char *src);
void text_append(char *dst, size_t size, const char *sep, const char *src);

/* Print the Markdown table; returns the number of targets missed or not
 * measured. */
int report_print(FILE *out, struct bench_report *r);

/* Read the CPU time of s's broker, agent and lockd and of this process,
 * and the machine's steal time. 0 or -1 (c->ok false). */
int cpu_sample(const struct bench_stack *s, struct cpu_sample *c);
/* The CPU time per operation between two samples over ops operations. */
void cpu_per_op(const struct cpu_sample *a, const struct cpu_sample *b, size_t ops,
		struct cpu_result *r);
/* Add the interval a..b to sum (start from {.ok = true}); sum stays usable
 * as the second sample of cpu_per_op() with {.ok = true} as the first. */
void cpu_add(struct cpu_sample *sum, const struct cpu_sample *a, const struct cpu_sample *b);

/* Rows 1 and 2 can be measured in steps, so that the floor and the unlocks
 * they are compared with take turns and see the same machine (a shared VM's
 * speed drifts by tens of percent within a minute). start connects and
 * warms up (NULL on error; e2e_start also says why in r->why); step
 * measures n more; finish fills the result when r is not NULL (floor) or
 * ok is true (e2e), and frees the run. */
struct floor_run;
struct floor_run *floor_start(struct bench_stack *s);
int floor_step(struct bench_stack *s, struct floor_run *f, size_t rtt_n, size_t sync_n);
void floor_finish(struct bench_stack *s, struct floor_run *f, struct floor_result *r);
int floor_measure(struct bench_stack *s, size_t rtt_n, size_t sync_n, struct floor_result *r);

struct e2e_run;
struct e2e_run *e2e_start(struct bench_stack *s, struct e2e_result *r);
int e2e_step(struct bench_stack *s, struct e2e_run *e, size_t n, struct e2e_result *r);
void e2e_finish(struct bench_stack *s, struct e2e_run *e, struct e2e_result *r, bool ok);
int e2e_measure(struct bench_stack *s, size_t n, struct e2e_result *r);
/* The owner's unlock request exactly as e2e_measure publishes it. */
int wire_request(struct bench_stack *s, struct wire_result *w);
int flood_measure(struct bench_stack *s, double seconds, size_t window,
		int owner_interval_ms, struct flood_result *r);
/* Row 7 on a stack made by stack_create_plugin() with its agent and
 * lockd up: a guest floods for seconds while the owner sends a timed
 * request (unlock and lock in turns) every owner_interval_ms. */
int insider_measure(struct bench_stack *s, double seconds, int owner_interval_ms,
		struct insider_result *r);
int memory_agent_rss(struct bench_stack *s, size_t users, size_t locks, struct memory_result *r);
/* Read key=value lines of bench/lockd-memory.sh's output. */
int memory_lockd_parse(const char *path, struct memory_result *r);
int alert_measure(struct bench_stack *s, size_t trials, struct alert_result *r);

/* Count the records of dir's audit files whose actor is actor (and, when
 * result is not NULL, whose result is result). -1 on error. */
long long audit_count(const char *dir, const char *actor, const char *action,
		const char *result);

/* Bytes of a QoS 1 PUBLISH with this topic and payload length. */
size_t mqtt_publish_size(size_t topic_len, size_t payload_len);

#endif
