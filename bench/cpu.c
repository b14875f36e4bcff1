/* cpu.c - CPU time of the stack's processes and the machine's steal time,
 * read from /proc, so that row 2 can say where an unlock's time goes. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

/* utime + stime of pid (0 = this process) in clock ticks. 0 or -1. */
static int proc_ticks(pid_t pid, unsigned long long *ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t len;
	FILE *f;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	else
		snprintf(path, sizeof(path), "/proc/self/stat");
	f = fopen(path, "r");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	/* the command name may hold spaces and parentheses: fields count
	 * from the last ')' (field 2's end); utime and stime are 14 and 15 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
				&ut, &st) != 2)
		return -1;
	*ticks = ut + st;
	return 0;
}

/* The first line of /proc/stat: all ticks and steal ticks. 0 or -1. */
static int machine_ticks(unsigned long long *all, unsigned long long *steal)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
			&v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8)
		return -1;
	*all = 0;
	for (int i = 0; i < 8; i++)
		*all += v[i];
	*steal = v[7];
	return 0;
}

int cpu_sample(const struct bench_stack *s, struct cpu_sample *c)
{
	const pid_t pids[CPU_PROCS] = {s->broker.pid, s->agent.pid, s->lockd.pid, 0};

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < CPU_PROCS; i++)
		if (proc_ticks(pids[i], &c->ticks[i]) != 0)
			return -1;
	if (machine_ticks(&c->all, &c->steal) != 0)
		return -1;
	c->ok = true;
	return 0;
}

void cpu_add(struct cpu_sample *sum, const struct cpu_sample *a, const struct cpu_sample *b)
{
	if (!sum->ok || !a->ok || !b->ok) {
		sum->ok = false;
		return;
	}
	for (int i = 0; i < CPU_PROCS; i++)
		sum->ticks[i] += b->ticks[i] - a->ticks[i];
	sum->all += b->all - a->all;
	sum->steal += b->steal - a->steal;
}

void cpu_per_op(const struct cpu_sample *a, const struct cpu_sample *b, size_t ops,
		struct cpu_result *r)
{
	long hz = sysconf(_SC_CLK_TCK);

	memset(r, 0, sizeof(*r));
	if (!a->ok || !b->ok || ops == 0 || hz <= 0)
		return;
	for (int i = 0; i < CPU_PROCS; i++)
		r->ns[i] = (int64_t)((double)(b->ticks[i] - a->ticks[i]) * 1e9 / (double)hz /
				(double)ops);
	if (b->all > a->all)
		r->steal_pct = 100.0 * (double)(b->steal - a->steal) / (double)(b->all - a->all);
	r->cpus = sysconf(_SC_NPROCESSORS_ONLN);
	r->ok = true;
}
