/* floor.c - row 1, the floor under every other number: one broker round
 * trip (a client publishes QoS 1 and receives its own message) and one
 * fdatasync of a 100-byte append on the audit log's file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "bench.h"
#include "smartlock/timeutil.h"

#define FLOOR_WARMUP 200
#define FLOOR_PAYLOAD 64        /* about a lock request's payload */

struct fs_name {
	long magic;
	const char *name;
};

static const struct fs_name fs_names[] = {
	{0xEF53, "ext4"},
	{0x01021994, "tmpfs"},
	{0x58465342, "xfs"},
	{0x9123683E, "btrfs"},
	{0x794c7630, "overlayfs"},
	{0xF2F52010, "f2fs"},
	{0x6969, "nfs"},
	{0x65735546, "fuse"},
	{0x2FC12FC1, "zfs"},
};

static void fs_type(const char *dir, char *out, size_t size)
{
	struct statfs st;

	if (statfs(dir, &st) != 0) {
		snprintf(out, size, "unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(fs_names) / sizeof(fs_names[0]); i++) {
		if ((long)st.f_type == fs_names[i].magic) {
			snprintf(out, size, "%s", fs_names[i].name);
			return;
		}
	}
	snprintf(out, size, "fs 0x%lx", (unsigned long)st.f_type);
}

struct echo {
	bool got;
	int64_t t;
};

static void on_echo(void *arg, const char *topic, const void *payload, size_t len, int64_t t_ns)
{
	struct echo *e = arg;

	(void)topic;
	(void)payload;
	(void)len;
	e->got = true;
	e->t = t_ns;
}

/* One transport's round trips, measured over one or more steps. */
struct rtt_run {
	struct bench_client *c;
	const char *topic;              /* its own: the other client must not get these */
	struct echo e;
	struct bench_samples smp;
	struct cpu_sample cpu;          /* summed over the steps */
	size_t ops;                     /* round trips under cpu (not the warm-up) */
};

struct floor_run {
	struct rtt_run rtt[2];          /* TCP, Unix socket; c NULL when unused */
	struct bench_samples sync;
	int sync_fd;
	char sync_path[HARNESS_PATH_MAX + 32];
};

/* n round trips on r's client; recorded unless warm-up. 0 or -1. */
static int rtt_step(const struct bench_stack *s, struct rtt_run *r, size_t n, bool record)
{
	char payload[FLOOR_PAYLOAD];
	struct cpu_sample cpu0, cpu1;

	memset(payload, 'x', sizeof(payload));
	cpu_sample(s, &cpu0);
	for (size_t i = 0; i < n; i++) {
		int64_t t0, deadline = time_mono_ms() + 5000;

		r->e.got = false;
		t0 = time_mono_ns();
		if (bench_client_publish(r->c, r->topic, payload, sizeof(payload)) != 0)
			return -1;
		while (!r->e.got && time_mono_ms() < deadline)
			if (bench_client_pump(r->c, 100) != 0)
				return -1;
		if (!r->e.got) {
			fprintf(stderr, "smartlock-bench: floor: own message not received\n");
			return -1;
		}
		if (record && samples_add(&r->smp, r->e.t - t0) != 0)
			return -1;
	}
	cpu_sample(s, &cpu1);
	cpu_add(&r->cpu, &cpu0, &cpu1);
	r->ops += n;
	return 0;
}

static int sync_step(struct floor_run *f, size_t n, bool record)
{
	char line[100];

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (size_t i = 0; i < n; i++) {
		int64_t t0 = time_mono_ns();

		if (write(f->sync_fd, line, sizeof(line)) != (ssize_t)sizeof(line) ||
				fdatasync(f->sync_fd) != 0) {
			fprintf(stderr, "smartlock-bench: %s: %s\n", f->sync_path, strerror(errno));
			return -1;
		}
		if (record && samples_add(&f->sync, time_mono_ns() - t0) != 0)
			return -1;
	}
	return 0;
}

struct floor_run *floor_start(struct bench_stack *s)
{
	struct floor_run *f = calloc(1, sizeof(*f));
	const struct bench_endpoint *eps[2] = {
		s->transport != BENCH_UNIX ? &s->tcp_ep : NULL,
		s->transport != BENCH_TCP ? &s->unix_ep : NULL,
	};

	if (!f)
		return NULL;
	f->sync_fd = -1;
	for (int i = 0; i < 2; i++) {
		struct rtt_run *r = &f->rtt[i];

		r->cpu.ok = true;
		if (!eps[i])
			continue;
		r->topic = i ? "bench/floor/unix" : "bench/floor/tcp";
		r->c = bench_client_connect(eps[i], i ? "bench-floor-unix" : "bench-floor-tcp",
				on_echo, &r->e);
		if (!r->c || bench_client_subscribe(r->c, r->topic) != 0 ||
				rtt_step(s, r, FLOOR_WARMUP, false) != 0)
			goto fail;
		r->ops = 0;
		memset(&r->cpu, 0, sizeof(r->cpu));
		r->cpu.ok = true;
	}
	snprintf(f->sync_path, sizeof(f->sync_path), "%s/fdatasync-floor.log", s->dir);
	f->sync_fd = open(f->sync_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (f->sync_fd < 0) {
		fprintf(stderr, "smartlock-bench: %s: %s\n", f->sync_path, strerror(errno));
		goto fail;
	}
	if (sync_step(f, 10, false) != 0)
		goto fail;
	return f;
fail:
	floor_finish(s, f, NULL);
	return NULL;
}

int floor_step(struct bench_stack *s, struct floor_run *f, size_t rtt_n, size_t sync_n)
{
	for (int i = 0; i < 2; i++)
		if (f->rtt[i].c && rtt_step(s, &f->rtt[i], rtt_n, true) != 0)
			return -1;
	return sync_step(f, sync_n, true);
}

static void rtt_result(struct rtt_run *r, struct floor_rtt *out)
{
	struct cpu_sample zero = {.ok = true};

	if (!r->c)
		return;
	cpu_per_op(&zero, &r->cpu, r->ops, &out->cpu);
	out->measured = true;
	out->n = r->smp.n;
	out->p50 = samples_pct(&r->smp, 50);
	out->p99 = samples_pct(&r->smp, 99);
}

void floor_finish(struct bench_stack *s, struct floor_run *f, struct floor_result *r)
{
	if (!f)
		return;
	if (r) {
		memset(r, 0, sizeof(*r));
		rtt_result(&f->rtt[0], &r->tcp);
		rtt_result(&f->rtt[1], &r->unix_socket);
		r->sync_n = f->sync.n;
		r->sync_p50 = samples_pct(&f->sync, 50);
		r->sync_p99 = samples_pct(&f->sync, 99);
		fs_type(s->dir, r->fs_type, sizeof(r->fs_type));
		r->ok = true;
	}
	for (int i = 0; i < 2; i++) {
		bench_client_destroy(f->rtt[i].c);
		samples_finish(&f->rtt[i].smp);
	}
	if (f->sync_fd >= 0) {
		close(f->sync_fd);
		unlink(f->sync_path);
	}
	samples_finish(&f->sync);
	free(f);
}

int floor_measure(struct bench_stack *s, size_t rtt_n, size_t sync_n, struct floor_result *r)
{
	struct floor_run *f = floor_start(s);

	memset(r, 0, sizeof(*r));
	if (!f)
		return -1;
	if (floor_step(s, f, rtt_n, sync_n) != 0) {
		floor_finish(s, f, NULL);
		return -1;
	}
	floor_finish(s, f, r);
	return 0;
}
