/* auditcount.c - count records in an agent's audit log, to check that every
 * granted unlock was durable and that no flood request went unrecorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "smartlock/audit.h"

/* Records are compact JSON written by audit.c, so a field is the exact
 * text "key":"value" (quotes inside strings are escaped and cannot fake
 * it). Matching text instead of parsing keeps counting fast enough to run
 * while the agent is busy. */
static bool has_field(const char *line, const char *key, const char *want)
{
	char pat[128];

	if (!want)
		return true;
	snprintf(pat, sizeof(pat), "\"%s\":\"%s\"", key, want);
	return strstr(line, pat) != NULL;
}

static long long count_file(const char *path, const char *actor, const char *action,
		const char *result)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long long n = 0;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0)
		if (has_field(line, "actor", actor) && has_field(line, "action", action) &&
				has_field(line, "result", result))
			n++;
	free(line);
	fclose(f);
	return n;
}

long long audit_count(const char *dir, const char *actor, const char *action,
		const char *result)
{
	char **paths = NULL;
	size_t n = 0;
	long long total = 0;

	if (audit_list_files(dir, &paths, &n) != SL_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		long long c = count_file(paths[i], actor, action, result);

		if (c < 0) {
			total = -1;
			break;
		}
		total += c;
	}
	audit_free_paths(paths, n);
	return total;
}
