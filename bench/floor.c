/* floor.c - row 1, the floor under every other number: one broker round
 * trip (a client publishes QoS 1 and receives its own message) and one
 * fdatasync of a 100-byte append on the audit log's file system. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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

static int broker_rtt(const struct bench_stack *s, const struct bench_endpoint *ep, size_t n,
		struct floor_rtt *r)
{
	struct cpu_sample cpu0, cpu1;
	struct bench_samples smp = {0};
	struct echo e = {0};
	struct bench_client *c = bench_client_connect(ep, "bench-floor", on_echo, &e);
	char payload[FLOOR_PAYLOAD];
	int rc = -1;

	memset(payload, 'x', sizeof(payload));
	if (!c || bench_client_subscribe(c, "bench/floor") != 0)
		goto out;
	cpu_sample(s, &cpu0);
	for (size_t i = 0; i < n + FLOOR_WARMUP; i++) {
		int64_t t0, deadline = time_mono_ms() + 5000;

		e.got = false;
		t0 = time_mono_ns();
		if (bench_client_publish(c, "bench/floor", payload, sizeof(payload)) != 0)
			goto out;
		while (!e.got && time_mono_ms() < deadline)
			if (bench_client_pump(c, 100) != 0)
				goto out;
		if (!e.got) {
			fprintf(stderr, "smartlock-bench: floor: own message not received\n");
			goto out;
		}
		if (i >= FLOOR_WARMUP && samples_add(&smp, e.t - t0) != 0)
			goto out;
	}
	cpu_sample(s, &cpu1);
	cpu_per_op(&cpu0, &cpu1, n + FLOOR_WARMUP, &r->cpu);
	r->measured = true;
	r->n = smp.n;
	r->p50 = samples_pct(&smp, 50);
	r->p99 = samples_pct(&smp, 99);
	rc = 0;
out:
	bench_client_destroy(c);
	samples_finish(&smp);
	return rc;
}

static int append_sync(const char *dir, size_t n, struct floor_result *r)
{
	struct bench_samples smp = {0};
	char path[HARNESS_PATH_MAX + 32], line[100];
	int fd, rc = -1;

	snprintf(path, sizeof(path), "%s/fdatasync-floor.log", dir);
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "smartlock-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < n + 10; i++) {
		int64_t t0 = time_mono_ns();

		if (write(fd, line, sizeof(line)) != (ssize_t)sizeof(line) || fdatasync(fd) != 0) {
			fprintf(stderr, "smartlock-bench: %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (i >= 10 && samples_add(&smp, time_mono_ns() - t0) != 0)
			goto out;
	}
	r->sync_n = smp.n;
	r->sync_p50 = samples_pct(&smp, 50);
	r->sync_p99 = samples_pct(&smp, 99);
	fs_type(dir, r->fs_type, sizeof(r->fs_type));
	rc = 0;
out:
	close(fd);
	unlink(path);
	samples_finish(&smp);
	return rc;
}

int floor_measure(struct bench_stack *s, size_t rtt_n, size_t sync_n, struct floor_result *r)
{
	memset(r, 0, sizeof(*r));
	if (s->transport != BENCH_UNIX && broker_rtt(s, &s->tcp_ep, rtt_n, &r->tcp) != 0)
		return -1;
	if (s->transport != BENCH_TCP && broker_rtt(s, &s->unix_ep, rtt_n, &r->unix_socket) != 0)
		return -1;
	if (append_sync(s->dir, sync_n, r) != 0)
		return -1;
	r->ok = true;
	return 0;
}
