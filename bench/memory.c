/* memory.c - row 5: the agent's resident set with 1,000 users and 10
 * locks, and the lockd numbers measured by bench/lockd-memory.sh (massif
 * heap peak over 100,000 commands, text+data of the binary). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

int memory_agent_rss(struct bench_stack *s, size_t users, size_t locks, struct memory_result *r)
{
	char users_json[HARNESS_PATH_MAX + 32], keys[HARNESS_PATH_MAX + 32];
	char state[HARNESS_PATH_MAX + 32], list[1024];
	struct bench_agent_cfg cfg = {0};
	size_t len;

	r->users = users;
	r->locks = locks;
	if (!s->have_agent) {
		snprintf(r->agent_why, sizeof(r->agent_why), "smartlock-agent not built");
		return -1;
	}
	len = (size_t)snprintf(list, sizeof(list), "%s", s->lock);
	for (size_t i = 2; i <= locks && len < sizeof(list); i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, ",door-%02zu", i);
	snprintf(users_json, sizeof(users_json), "%s/users-%zu.json", s->dir, users);
	snprintf(keys, sizeof(keys), "%s/lock-keys-%zu", s->dir, locks);
	snprintf(state, sizeof(state), "%s/agent-rss", s->dir);
	/* the owner and the attacker count among the users */
	if (stack_write_users(s, users_json, users > 2 ? users - 2 : 0) != 0 ||
			stack_write_lock_keys(s, keys, list) != 0) {
		snprintf(r->agent_why, sizeof(r->agent_why), "cannot write the site");
		return -1;
	}
	cfg.state_dir = state;
	cfg.locks = list;
	cfg.users_json = users_json;
	cfg.keys_dir = keys;
	if (stack_start_agent(s, &cfg) != 0) {
		snprintf(r->agent_why, sizeof(r->agent_why), "agent did not start");
		return -1;
	}
	r->agent_rss_kb = status_kb(s->agent.pid, "VmRSS");
	r->agent_hwm_kb = status_kb(s->agent.pid, "VmHWM");
	stack_stop_agent(s);
	if (r->agent_rss_kb < 0) {
		snprintf(r->agent_why, sizeof(r->agent_why), "cannot read /proc status");
		return -1;
	}
	r->agent_ok = true;
	return 0;
}

static bool key_value(char *line, const char *key, long long *out)
{
	size_t klen = strlen(key);
	char *end;
	long long v;

	if (strncmp(line, key, klen) != 0 || line[klen] != '=')
		return false;
	errno = 0;
	v = strtoll(line + klen + 1, &end, 10);
	if (errno || end == line + klen + 1 || v < 0)
		return false;
	*out = v;
	return true;
}

int memory_lockd_parse(const char *path, struct memory_result *r)
{
	char line[512];
	FILE *f;

	r->lockd_heap_bytes = r->lockd_text_data_bytes = r->lockd_commands = -1;
	if (!path) {
		snprintf(r->lockd_why, sizeof(r->lockd_why), "bench/lockd-memory.sh not run");
		return -1;
	}
	f = fopen(path, "r");
	if (!f) {
		snprintf(r->lockd_why, sizeof(r->lockd_why), "no output from bench/lockd-memory.sh");
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		key_value(line, "heap_peak_bytes", &r->lockd_heap_bytes);
		key_value(line, "text_data_bytes", &r->lockd_text_data_bytes);
		key_value(line, "commands", &r->lockd_commands);
	}
	fclose(f);
	if (r->lockd_heap_bytes < 0 || r->lockd_text_data_bytes < 0) {
		snprintf(r->lockd_why, sizeof(r->lockd_why),
				"bench/lockd-memory.sh printed no heap_peak_bytes=/text_data_bytes= lines");
		return -1;
	}
	r->lockd_ok = true;
	return 0;
}
