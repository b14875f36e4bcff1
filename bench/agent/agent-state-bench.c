/*
 * agent-state-bench - how long the agent's checkpoint of its counters
 * (state_save: state.json written, synced and renamed into place) stalls
 * its loop, for three states:
 *   busy:  the replay cache full (1,024 request ids), one user, as in row 2
 *          of smartlock-bench;
 *   large: the same plus 1,000 users whose failure and unlock rings are
 *          full (101 times each), the most a site can hold;
 *   large, an hour later: the same site once every time has left its
 *          window (state_prune, as the agent does before each save).
 * The file is written in DIR (default: the current directory), so the
 * sync is the one of that file system. Instructions, which do not depend
 * on the machine's load, are counted by running it under
 * valgrind --tool=callgrind with --saves 1.
 *
 * Usage: agent-state-bench [--dir DIR] [--saves N]
 * Exit: 0 measured, 1 a save failed, 2 usage.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "state.h"

#define T0 INT64_C(1796000000000)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void fill(struct agent_state *st, size_t users)
{
	char name[32];

	for (int64_t i = 0; i < 1024; i++)
		replay_add(&st->replay, "owner", REPLAY_KIND_REQUEST, T0 + i,
				"mugdQjBZABbxjiBlZAnsTg", T0 + i, INT64_MAX / 2);
	state_user(st, "owner", true)->uses = 1024;
	for (size_t u = 0; u < users; u++) {
		struct user_counters *uc;

		snprintf(name, sizeof(name), "user%04zu", u);
		uc = state_user(st, name, true);
		if (!uc)
			return;
		for (int i = 0; i < TIME_RING_SLOTS; i++) {
			ring_push(&uc->fails, T0 + i);
			ring_push(&uc->unlocks, T0 + i);
		}
	}
	st->seq_reserved = 1u << 20;
}

static int measure(const char *label, size_t users, bool later, const char *path, int saves)
{
	struct agent_lock_list locks = {.count = 1, .ids = {"front-door"}};
	struct bench_samples smp = {0};
	struct agent_state st;
	struct stat sb;
	int rc = 0;

	if (state_init(&st, 1024) != 0)
		return 1;
	fill(&st, users);
	if (later)
		state_prune(&st, T0 + 3600 * 1000, T0 + 3600 * 1000);
	for (int i = 0; i < saves && rc == 0; i++) {
		int64_t t = now_ns();

		st.dirty = true;
		if (state_save(&st, path, &locks) != SL_OK || samples_add(&smp, now_ns() - t) != 0)
			rc = 1;
	}
	if (rc == 0 && stat(path, &sb) == 0)
		printf("| %s | %zu user%s, %zu request ids | %lld B | %.0f µs | %.0f µs |\n",
				label, st.nusers, st.nusers == 1 ? "" : "s", st.replay.count,
				(long long)sb.st_size,
				(double)samples_pct(&smp, 50) / 1e3, (double)samples_max(&smp) / 1e3);
	else
		fprintf(stderr, "agent-state-bench: cannot save %s\n", path);
	samples_finish(&smp);
	state_finish(&st);
	unlink(path);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dir = ".";
	char path[4096];
	int saves = 50;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			dir = argv[++i];
		} else if (strcmp(argv[i], "--saves") == 0 && i + 1 < argc) {
			saves = atoi(argv[++i]);
			if (saves < 1)
				saves = 1;
		} else {
			fprintf(stderr, "usage: agent-state-bench [--dir DIR] [--saves N]\n");
			return argv[i][0] == '-' && strcmp(argv[i], "--help") == 0 ? 0 : 2;
		}
	}
	snprintf(path, sizeof(path), "%s/agent-state-bench.json", dir);
	printf("| state | holds | file | save p50 | save max |\n|---|---|---|---|---|\n");
	return measure("busy", 0, false, path, saves) || measure("large", 1000, false, path, saves) ||
		measure("large, an hour later", 1000, true, path, saves) ? 1 : 0;
}
