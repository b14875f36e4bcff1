/* smartlock-bench.c - starts a private stack (a real Mosquitto on loopback,
 * smartlock-agent, smartlock-lockd with a zero-time simulated bolt) and
 * prints one Markdown table: the broker and fdatasync floor, end-to-end
 * unlock latency and its overhead over the floor, wire sizes, a flood of
 * forged requests, memory, alert latency, and an insider's flood against
 * the smartlock_auth plugin's limits (on a second stack with the plugin). bench/run.sh is the usual
 * way in; run with --help for the knobs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "smartlock/config.h"
#include "smartlock/timeutil.h"

#ifndef BENCH_BUILD_INFO
#define BENCH_BUILD_INFO "unknown build"
#endif

#define BROKER_EXTRA_MAX 4096
#define ROW(n) (1u << (n))
#define SKIPPED "skipped (--rows)"
/* row 7: the owner's pace, under the plugin's owner limit (20/s) */
#define INSIDER_OWNER_MS 100

struct opts {
	const char *build_root;
	const char *dir;
	const char *lockd_memory;
	const char *product_conf;
	enum bench_transport transport;
	bool nodelay, keep, quick;
	int nodelay_forced;             /* 1 --nodelay, -1 --no-nodelay, 0 follow the broker */
	char broker_extra[BROKER_EXTRA_MAX];
	int64_t rtt_n, sync_n, e2e_n, flood_seconds, flood_window, owner_interval_ms;
	int64_t alert_n, users, locks;
	int64_t window_s;
	int64_t rounds;                 /* rows 1 and 2 take turns this many times */
	unsigned given;                 /* bit i: int_opts[i] was on the command line */
	unsigned rows;                  /* bit n: row n is measured */
};

enum opt_id {
	OPT_BUILD = 256, OPT_DIR, OPT_LOCKD_MEMORY, OPT_PRODUCT_CONF, OPT_TRANSPORT, OPT_NODELAY,
	OPT_NO_NODELAY, OPT_KEEP, OPT_QUICK,
	OPT_BROKER_CONF, OPT_RTT_N, OPT_SYNC_N, OPT_E2E_N, OPT_FLOOD_S, OPT_FLOOD_W,
	OPT_OWNER_MS, OPT_ALERT_N, OPT_USERS, OPT_LOCKS, OPT_WINDOW, OPT_ROWS, OPT_ROUNDS, OPT_HELP,
};

static const struct option long_opts[] = {
	{"alert-n", required_argument, NULL, OPT_ALERT_N},
	{"broker-conf", required_argument, NULL, OPT_BROKER_CONF},
	{"build", required_argument, NULL, OPT_BUILD},
	{"dir", required_argument, NULL, OPT_DIR},
	{"e2e-n", required_argument, NULL, OPT_E2E_N},
	{"flood-seconds", required_argument, NULL, OPT_FLOOD_S},
	{"flood-window", required_argument, NULL, OPT_FLOOD_W},
	{"help", no_argument, NULL, OPT_HELP},
	{"keep", no_argument, NULL, OPT_KEEP},
	{"lockd-memory", required_argument, NULL, OPT_LOCKD_MEMORY},
	{"locks", required_argument, NULL, OPT_LOCKS},
	{"no-nodelay", no_argument, NULL, OPT_NO_NODELAY},
	{"nodelay", no_argument, NULL, OPT_NODELAY},
	{"owner-interval-ms", required_argument, NULL, OPT_OWNER_MS},
	{"product-conf", required_argument, NULL, OPT_PRODUCT_CONF},
	{"quick", no_argument, NULL, OPT_QUICK},
	{"request-window", required_argument, NULL, OPT_WINDOW},
	{"rounds", required_argument, NULL, OPT_ROUNDS},
	{"rows", required_argument, NULL, OPT_ROWS},
	{"rtt-n", required_argument, NULL, OPT_RTT_N},
	{"sync-n", required_argument, NULL, OPT_SYNC_N},
	{"transport", required_argument, NULL, OPT_TRANSPORT},
	{"users", required_argument, NULL, OPT_USERS},
	{NULL, 0, NULL, 0},
};

/* Integer options: where each is stored and its range. */
struct int_opt {
	int id;
	size_t offset;
	int64_t min, max;
};

static const struct int_opt int_opts[] = {
	{OPT_RTT_N, offsetof(struct opts, rtt_n), 1, 10000000},
	{OPT_SYNC_N, offsetof(struct opts, sync_n), 1, 1000000},
	{OPT_E2E_N, offsetof(struct opts, e2e_n), 1, 10000000},
	{OPT_FLOOD_S, offsetof(struct opts, flood_seconds), 1, 3600},
	{OPT_FLOOD_W, offsetof(struct opts, flood_window), 0, 900},
	{OPT_OWNER_MS, offsetof(struct opts, owner_interval_ms), 0, 10000},
	{OPT_ALERT_N, offsetof(struct opts, alert_n), 1, 10000},
	{OPT_USERS, offsetof(struct opts, users), 2, 4096},
	{OPT_LOCKS, offsetof(struct opts, locks), 1, 64},
	{OPT_WINDOW, offsetof(struct opts, window_s), 1, 3600},
	{OPT_ROUNDS, offsetof(struct opts, rounds), 1, 1000},
};

static const char *opt_name(int id)
{
	for (const struct option *l = long_opts; l->name; l++)
		if (l->val == id)
			return l->name;
	return "?";
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: smartlock-bench [options]\n"
		"  --build DIR            build directory with the programs (default: this binary's)\n"
		"  --dir DIR              make the run directory (state, audit log) under DIR\n"
		"                         (default $TMPDIR or /tmp); fdatasync is measured there\n"
		"  --transport MODE       mixed (default, the product's layout: agent and lockd on\n"
		"                         the Unix socket, the users' clients on TCP 127.0.0.1),\n"
		"                         tcp (everything on TCP) or unix (everything on the socket)\n"
		"  --nodelay, --no-nodelay  TCP_NODELAY on the benchmark's own TCP clients or not\n"
		"                         (default: as the broker's set_tcp_nodelay)\n"
		"  --product-conf FILE    take the broker's performance settings (limits, queues,\n"
		"                         persistence, logging, set_tcp_nodelay) from the product's\n"
		"                         Mosquitto snippet, e.g. data/smartlock.conf.in (run.sh does)\n"
		"  --broker-conf LINE     append LINE to mosquitto.conf (repeatable), e.g. 'log_type all'\n"
		"  --lockd-memory FILE    output of bench/lockd-memory.sh (heap_peak_bytes=, text_data_bytes=)\n"
		"  --rtt-n N (5000) --sync-n N (1000) --e2e-n N (5000) --flood-seconds S (10)\n"
		"  --flood-window N (50; 0 = open loop, as fast as the broker acknowledges)\n"
		"  --owner-interval-ms MS (10) --alert-n N (20)\n"
		"  --users N (1000) --locks N (10) --request-window S (3600, rows 2 and 4)\n"
		"  --rows LIST            measure only these rows, e.g. 1,2 (default 1,2,3,4,5,6,7)\n"
		"                         (row 7 floods for --flood-seconds on a stack with the plugin)\n"
		"  --rounds N (10)        rows 1 and 2 take turns N times, each measuring 1/N of\n"
		"                         its samples, so that both see the same machine\n"
		"  --quick                small numbers for a smoke run (not for results)\n"
		"  --keep                 keep the run directory\n");
}

static const char *const transport_names[] = {
	[BENCH_MIXED] = "mixed", [BENCH_TCP] = "tcp", [BENCH_UNIX] = "unix",
};

static int parse_transport(const char *text, enum bench_transport *out)
{
	for (size_t i = 0; i < sizeof(transport_names) / sizeof(transport_names[0]); i++)
		if (!strcmp(text, transport_names[i])) {
			*out = (enum bench_transport)i;
			return 0;
		}
	return -1;
}

static int parse_rows(const char *text, unsigned *rows)
{
	char list[64], *save = NULL;

	if (strlen(text) >= sizeof(list))
		return -1;
	strcpy(list, text);
	*rows = 0;
	for (char *r = strtok_r(list, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		int64_t n;

		if (config_parse_int(r, 1, 7, &n) != SL_OK)
			return -1;
		*rows |= 1u << n;
	}
	return *rows ? 0 : -1;
}

/* --quick: small sample sizes, except those given explicitly. */
static void quick(struct opts *o)
{
	static const struct {
		int id;
		int64_t value;
	} small[] = {
		{OPT_RTT_N, 500}, {OPT_SYNC_N, 100}, {OPT_E2E_N, 300},
		{OPT_FLOOD_S, 2}, {OPT_ALERT_N, 3},
	};

	for (size_t k = 0; k < sizeof(small) / sizeof(small[0]); k++)
		for (size_t i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++)
			if (int_opts[i].id == small[k].id && !(o->given & (1u << i)))
				*(int64_t *)((char *)o + int_opts[i].offset) = small[k].value;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		bool is_int = false;

		for (size_t i = 0; i < sizeof(int_opts) / sizeof(int_opts[0]); i++) {
			if (int_opts[i].id != c)
				continue;
			is_int = true;
			o->given |= 1u << i;
			if (config_parse_int(optarg, int_opts[i].min, int_opts[i].max,
					(int64_t *)((char *)o + int_opts[i].offset)) != SL_OK) {
				fprintf(stderr, "smartlock-bench: --%s: expected an integer from %lld to %lld\n",
						opt_name(c), (long long)int_opts[i].min,
						(long long)int_opts[i].max);
				return -1;
			}
		}
		if (is_int)
			continue;
		switch (c) {
		case OPT_BUILD: o->build_root = optarg; break;
		case OPT_DIR: o->dir = optarg; break;
		case OPT_LOCKD_MEMORY: o->lockd_memory = optarg; break;
		case OPT_PRODUCT_CONF: o->product_conf = optarg; break;
		case OPT_TRANSPORT:
			if (parse_transport(optarg, &o->transport) != 0) {
				fprintf(stderr, "smartlock-bench: --transport: mixed, tcp or unix\n");
				return -1;
			}
			break;
		case OPT_NODELAY: o->nodelay_forced = 1; break;
		case OPT_NO_NODELAY: o->nodelay_forced = -1; break;
		case OPT_KEEP: o->keep = true; break;
		case OPT_QUICK: o->quick = true; break;
		case OPT_ROWS:
			if (parse_rows(optarg, &o->rows) != 0) {
				fprintf(stderr, "smartlock-bench: --rows: expected row numbers 1-7 "
						"separated by commas\n");
				return -1;
			}
			break;
		case OPT_BROKER_CONF:
			if (strlen(o->broker_extra) + strlen(optarg) + 2 >= sizeof(o->broker_extra))
				return -1;
			strcat(o->broker_extra, optarg);
			strcat(o->broker_extra, "\n");
			break;
		case OPT_HELP: usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Settings of the product's Mosquitto snippet that change latency,
 * throughput or loss; listeners, TLS and the plugin are the stack's own. */
static const char *const product_keys[] = {
	"log_type", "max_inflight_messages", "max_keepalive", "max_packet_size",
	"max_queued_bytes", "max_queued_messages", "message_size_limit", "persistence",
	"queue_qos0_messages", "set_tcp_nodelay", "sys_interval",
};

static int product_settings(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[512];

	if (!f) {
		fprintf(stderr, "smartlock-bench: %s: cannot read\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char key[64];

		if (sscanf(line, "%63s", key) != 1 || key[0] == '#')
			continue;
		for (size_t i = 0; i < sizeof(product_keys) / sizeof(product_keys[0]); i++) {
			if (strcmp(key, product_keys[i]) != 0)
				continue;
			text_append(out, size, NULL, line);
		}
	}
	fclose(f);
	return 0;
}

/* The last set_tcp_nodelay line of the broker's extra settings. */
static bool broker_nodelay(const char *conf)
{
	bool on = false;

	for (const char *p = conf; (p = strstr(p, "set_tcp_nodelay")); p++) {
		if (p != conf && p[-1] != '\n')
			continue;
		on = !strncmp(p + strlen("set_tcp_nodelay"), " true", 5);
	}
	return on;
}

/* The build directory: --build, $SMARTLOCK_BUILD_ROOT, or the parent of
 * the directory this binary is in (<build>/bench/smartlock-bench). */
static void build_root(const struct opts *o, char *out, size_t size)
{
	const char *env = getenv("SMARTLOCK_BUILD_ROOT");
	char exe[HARNESS_PATH_MAX];
	ssize_t n;

	if (o->build_root) {
		snprintf(out, size, "%s", o->build_root);
		return;
	}
	if (env && *env) {
		snprintf(out, size, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		char *slash;

		exe[n] = '\0';
		for (int i = 0; i < 2 && (slash = strrchr(exe, '/')); i++)
			*slash = '\0';
		snprintf(out, size, "%s", exe);
		return;
	}
	snprintf(out, size, ".");
}

static void describe_machine(struct bench_report *r, const struct floor_result *f)
{
	char model[128] = "unknown CPU", line[256];
	struct utsname u;
	FILE *cpu = fopen("/proc/cpuinfo", "r");

	if (cpu) {
		while (fgets(line, sizeof(line), cpu)) {
			char *colon = strchr(line, ':');

			if (!strncmp(line, "model name", 10) && colon) {
				snprintf(model, sizeof(model), "%s", colon + 2);
				model[strcspn(model, "\n")] = '\0';
				break;
			}
		}
		fclose(cpu);
	}
	if (uname(&u) != 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(r->machine, sizeof(r->machine), "%s, %ld online CPUs, Linux %s %s; "
			"run directory on %s; smartlock %s, %s",
			model, sysconf(_SC_NPROCESSORS_ONLN), u.release, u.machine,
			f->fs_type[0] ? f->fs_type : "?", SMARTLOCK_VERSION, BENCH_BUILD_INFO);
}

/* Version and the settings that change latency, read back from the
 * mosquitto.conf the broker really ran with. */
static void describe_broker(struct bench_report *r, const struct bench_stack *s)
{
	const char *bin = getenv("SMARTLOCK_MOSQUITTO");
	char cmd[256], version[64] = "mosquitto (version unknown)", line[512];
	char log_types[128] = "", nodelay[16] = "false (default)", persist[16] = "true (default)";
	char anon[16] = "false (default)", plugin[64] = "none", extra[512] = "";
	FILE *p, *f;

	snprintf(cmd, sizeof(cmd), "%s -h 2>&1", bin && *bin ? bin : "mosquitto");
	p = popen(cmd, "r");
	if (p) {
		if (fgets(line, sizeof(line), p)) {
			line[strcspn(line, "\n")] = '\0';
			text_copy(version, sizeof(version), line);
		}
		pclose(p);
	}
	f = fopen(s->broker.conf_path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char key[64], val[448];

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%63s %447[^\n]", key, val) != 2 || key[0] == '#')
			continue;
		if (!strcmp(key, "log_type"))
			text_append(log_types, sizeof(log_types), "+", val);
		else if (!strcmp(key, "set_tcp_nodelay"))
			text_copy(nodelay, sizeof(nodelay), val);
		else if (!strcmp(key, "persistence"))
			text_copy(persist, sizeof(persist), val);
		else if (!strcmp(key, "allow_anonymous"))
			text_copy(anon, sizeof(anon), val);
		else if (!strcmp(key, "plugin") || !strcmp(key, "auth_plugin"))
			text_copy(plugin, sizeof(plugin), strrchr(val, '/') ? strrchr(val, '/') + 1 : val);
		else if (strcmp(key, "user") && strcmp(key, "log_dest") && strcmp(key, "listener") &&
				strcmp(key, "per_listener_settings"))
			text_append(extra, sizeof(extra), "; ", line);
	}
	if (f)
		fclose(f);
	snprintf(r->broker, sizeof(r->broker), "%s; log_type %s (no per-message debug lines "
			"unless listed), set_tcp_nodelay %s, persistence %s, allow_anonymous %s, "
			"auth plugin %s", version, log_types[0] ? log_types : "(default)",
			nodelay, persist, anon, plugin);
	if (extra[0])
		text_append(r->broker, sizeof(r->broker), "; ", extra);
}

static void say(const char *what)
{
	fprintf(stderr, "smartlock-bench: %s\n", what);
}

/* Step k of n of total samples: an equal share, the remainder in the last. */
static size_t share(int64_t total, int64_t n, int64_t k)
{
	return (size_t)(total / n + (k == n - 1 ? total % n : 0));
}

/* Rows 1, 2 and the answer of row 3, with the agent and lockd up. The floor
 * (when row 1 is asked for) and the unlocks take o->rounds turns, so that
 * the overhead compares numbers taken over the same minutes. */
static void measure_floor_e2e(struct bench_stack *st, const struct opts *o,
		struct bench_report *rep)
{
	struct floor_run *f = NULL;
	struct e2e_run *e;
	bool ok = true;

	if ((o->rows & ROW(1)) && !(f = floor_start(st)))
		text_copy(rep->floor.why, sizeof(rep->floor.why), "floor measurement failed");
	e = e2e_start(st, &rep->e2e);
	for (int64_t k = 0; e && ok && k < o->rounds; k++) {
		if (f && floor_step(st, f, share(o->rtt_n, o->rounds, k),
					share(o->sync_n, o->rounds, k)) != 0) {
			text_copy(rep->floor.why, sizeof(rep->floor.why), "floor measurement failed");
			floor_finish(st, f, NULL);
			f = NULL;
		}
		ok = e2e_step(st, e, share(o->e2e_n, o->rounds, k), &rep->e2e) == 0;
	}
	if (f && !e) {
		/* no unlocks to compare with; still give the floor */
		ok = floor_step(st, f, (size_t)o->rtt_n, (size_t)o->sync_n) == 0;
		floor_finish(st, f, ok ? &rep->floor : NULL);
		if (!ok)
			text_copy(rep->floor.why, sizeof(rep->floor.why), "floor measurement failed");
		return;
	}
	floor_finish(st, f, &rep->floor);
	e2e_finish(st, e, &rep->e2e, ok);
	if (ok) {
		rep->wire.res_ok = true;
		rep->wire.res_topic_len = rep->e2e.res_topic_len;
		rep->wire.res_payload_len = rep->e2e.res_payload_len;
		text_copy(rep->wire.res_topic, sizeof(rep->wire.res_topic), rep->e2e.res_topic);
	}
	rep->rounds = (o->rows & ROW(1)) ? (int)o->rounds : 0;
}

/* Row 7 on a stack of its own: the broker with the smartlock_auth plugin
 * (its limits at their defaults), the agent with settings, lockd. */
static void measure_insider(const struct opts *o, const char *root, const char *settings,
		struct bench_report *rep)
{
	static struct bench_stack st;
	struct bench_agent_cfg cfg = {0};
	char state[HARNESS_PATH_MAX + 32];

	rep->insider_owner_ms = INSIDER_OWNER_MS;
	if (!(o->rows & ROW(7))) {
		text_copy(rep->insider.why, sizeof(rep->insider.why), SKIPPED);
		return;
	}
	say("row 7: insider flood (a stack with the smartlock_auth plugin)");
	stack_catch_signals(&st);
	if (stack_create_plugin(&st, o->dir, root,
			o->broker_extra[0] ? o->broker_extra : NULL) != 0) {
		text_copy(rep->insider.why, sizeof(rep->insider.why),
				"cannot start mosquitto with smartlock_auth.so (--keep, broker log)");
		stack_destroy(&st, o->keep);
		return;
	}
	snprintf(state, sizeof(state), "%s/agent-state", st.dir);
	cfg.state_dir = state;
	cfg.settings = settings;
	if (!st.have_agent || !st.have_lockd || stack_start_lockd(&st) != 0 ||
			stack_start_agent(&st, &cfg) != 0)
		text_copy(rep->insider.why, sizeof(rep->insider.why),
				"the agent or lockd did not start with the plugin (--keep, logs)");
	else
		insider_measure(&st, (double)o->flood_seconds, INSIDER_OWNER_MS, &rep->insider);
	stack_destroy(&st, o->keep);
}

int main(int argc, char **argv)
{
	static struct bench_report rep;
	static struct bench_stack st;
	struct opts o = {
		.rtt_n = 5000, .sync_n = 1000, .e2e_n = 5000, .flood_seconds = 10,
		.flood_window = 50, .owner_interval_ms = 10, .alert_n = 20,
		.users = 1000, .locks = 10, .window_s = 3600, .rounds = 10,
		.rows = 0xfe,   /* rows 1-7 */
	};
	char root[HARNESS_PATH_MAX];
	struct bench_agent_cfg fast = {0};
	char fast_state[HARNESS_PATH_MAX + 32], fast_settings[256], insider_settings[256];
	const char *stack_why = NULL;

	if (parse_opts(argc, argv, &o) != 0)
		return 2;
	if (o.quick)
		quick(&o);
	if (o.rows & ROW(2))
		o.rows |= ROW(1);       /* the overhead is over the floor */
	if (o.product_conf) {
		char extra[BROKER_EXTRA_MAX] = "";

		/* product settings first; --broker-conf lines may override them */
		if (product_settings(o.product_conf, extra, sizeof(extra)) != 0)
			return 2;
		text_append(extra, sizeof(extra), NULL, o.broker_extra);
		text_copy(o.broker_extra, sizeof(o.broker_extra), extra);
	}
	/* the users' TCP clients follow the broker's set_tcp_nodelay: one side
	 * with Nagle and the other without costs a delayed ACK (~40 ms) per
	 * answer; see bench/RESULTS.md */
	o.nodelay = o.nodelay_forced ? o.nodelay_forced > 0 : broker_nodelay(o.broker_extra);
	harness_init();
	stack_catch_signals(&st);
	build_root(&o, root, sizeof(root));
	if (stack_create(&st, o.dir, root, o.transport, o.nodelay,
			o.broker_extra[0] ? o.broker_extra : NULL) != 0) {
		say("cannot create the run directory or start mosquitto");
		stack_destroy(&st, o.keep);
		return 1;
	}
	rep.flood_window = (size_t)o.flood_window;
	rep.owner_interval_ms = (int)o.owner_interval_ms;
	rep.mode = o.transport;
	snprintf(rep.transport, sizeof(rep.transport), "%s: the agent and lockd on %s, the "
			"benchmark's clients (the users) on %s%s", transport_names[o.transport],
			o.transport == BENCH_TCP ? "TCP 127.0.0.1" : "the Unix socket",
			o.transport == BENCH_UNIX ? "the Unix socket" : "TCP 127.0.0.1",
			o.transport == BENCH_UNIX ? "" : (o.nodelay ? " with TCP_NODELAY" :
				" without TCP_NODELAY"));
	/* the timed owner unlocks thousands of times: no rate rule; the
	 * lockout is never applied to owners anyway */
	snprintf(fast_settings, sizeof(fast_settings), "unlock_rate_max = 0\n"
			"fail_threshold = 100\nrequest_window = %lld\n", (long long)o.window_s);
	snprintf(rep.agent_fast, sizeof(rep.agent_fast), "unlock_rate_max = 0 (rate rule off, "
			"so the timed owner is never rate-limited), fail_threshold = 100 (the maximum), "
			"request_window = %lld s; rows 2 and 4 also audit_aggregate_window = 0 (every "
			"denial written, so that row 4 can find each); everything else default",
			(long long)o.window_s);
	/* row 7 measures the audit growth the product has: aggregation on */
	snprintf(insider_settings, sizeof(insider_settings), "%s", fast_settings);
	text_append(fast_settings, sizeof(fast_settings), NULL, "audit_aggregate_window = 0\n");

	wire_request(&st, &rep.wire);
	snprintf(fast_state, sizeof(fast_state), "%s/agent-state", st.dir);
	fast.state_dir = fast_state;
	fast.settings = fast_settings;
	if (o.rows & (ROW(2) | ROW(3) | ROW(4))) {
		if (!st.have_lockd || !st.have_agent)
			stack_why = !st.have_agent ? "smartlock-agent not built" :
				"smartlock-lockd not built";
		else if (stack_start_lockd(&st) != 0 || stack_start_agent(&st, &fast) != 0)
			stack_why = "the agent or lockd did not start (--keep, logs)";
	}
	if (!(o.rows & ROW(1)))
		text_copy(rep.floor.why, sizeof(rep.floor.why), SKIPPED);
	if (!(o.rows & (ROW(2) | ROW(3))))
		text_copy(rep.e2e.why, sizeof(rep.e2e.why), SKIPPED);
	else if (stack_why)
		text_copy(rep.e2e.why, sizeof(rep.e2e.why), stack_why);
	if (rep.e2e.why[0] && (o.rows & ROW(1))) {
		say("row 1: broker round trip and fdatasync floor");
		if (floor_measure(&st, (size_t)o.rtt_n, (size_t)o.sync_n, &rep.floor) != 0 &&
				!rep.floor.why[0])
			text_copy(rep.floor.why, sizeof(rep.floor.why), "floor measurement failed");
	} else if (!rep.e2e.why[0]) {
		say(o.rows & ROW(1) ? "rows 1, 2 and 3: floor, end-to-end unlock, wire size" :
				"rows 2 and 3: end-to-end unlock and wire size");
		measure_floor_e2e(&st, &o, &rep);
	}
	describe_machine(&rep, &rep.floor);
	describe_broker(&rep, &st);

	if (!(o.rows & ROW(4)))
		text_copy(rep.flood.why, sizeof(rep.flood.why), SKIPPED);
	else if (stack_why)
		text_copy(rep.flood.why, sizeof(rep.flood.why), stack_why);
	else {
		say("row 4: flood");
		flood_measure(&st, (double)o.flood_seconds, (size_t)o.flood_window,
				(int)o.owner_interval_ms, &rep.flood);
	}
	if (st.agent_up) {
		stack_stop_agent(&st);
		rep.e2e.audit_verify = stack_verify_audit(&st, st.agent_audit);
	}

	if (!(o.rows & ROW(5))) {
		text_copy(rep.mem.agent_why, sizeof(rep.mem.agent_why), SKIPPED);
		text_copy(rep.mem.lockd_why, sizeof(rep.mem.lockd_why), SKIPPED);
	} else {
		say("row 5: memory");
		memory_agent_rss(&st, (size_t)o.users, (size_t)o.locks, &rep.mem);
		memory_lockd_parse(o.lockd_memory, &rep.mem);
	}

	if (!(o.rows & ROW(6)))
		text_copy(rep.alert.why, sizeof(rep.alert.why), SKIPPED);
	else if (!st.have_agent)
		snprintf(rep.alert.why, sizeof(rep.alert.why), "smartlock-agent not built");
	else {
		say("row 6: alert latency");
		alert_measure(&st, (size_t)o.alert_n, &rep.alert);
	}

	stack_destroy(&st, o.keep);
	measure_insider(&o, root, insider_settings, &rep);
	harness_cleanup();
	if (o.quick)
		printf("_Smoke run (--quick): sample sizes below the issue's; not a result._\n\n");
	report_print(stdout, &rep);
	return 0;
}
