/* recover.c - replay the audit log's tail into the agent's counters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/audit.h"
#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "intrusion.h"
#include "pipeline.h"
#include "recover.h"

#define PAGE_RECORDS 1024
#define PAGE_BYTES (1024 * 1024)

static const char *str(const cJSON *root, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, name);

	return cJSON_IsString(it) ? it->valuestring : "";
}

static int lock_index(const struct agent *a, const char *id)
{
	for (size_t i = 0; i < a->nlocks; i++)
		if (strcmp(a->locks[i].id, id) == 0)
			return (int)i;
	return -1;
}

/* Did this unlock request reach intrusion_unlock_rate()? */
static bool reached_rate_check(const char *result, enum sl_reason r)
{
	return strcmp(result, "granted") == 0 || r == SL_REASON_RATE_LIMITED ||
		r == SL_REASON_LOCK_OFFLINE || r == SL_REASON_BUSY;
}

/* The intrusion rule again for a recorded refusal (pipeline.c). */
static void apply_failure(struct agent *a, int lock, const char *actor, const char *action,
		enum sl_reason reason, int64_t when)
{
	enum sl_action act;
	int64_t until;

	if (proto_action_parse(action, &act) != SL_OK || !intrusion_counts(act, reason))
		return;
	if (actor[0] && user_store_find(a->users, actor))
		intrusion_user_fail(&a->st, &a->set, actor, proto_reason_name(reason), when, &until);
	else
		intrusion_stranger_fail(&a->st, &a->set, (size_t)lock, actor,
				proto_reason_name(reason), when, &until);
}

static void apply_request(struct agent *a, const cJSON *root, int lock, int64_t when)
{
	const char *actor = str(root, "actor"), *result = str(root, "result");
	bool unlock = strcmp(str(root, "action"), "unlock") == 0;
	struct user_counters *uc;
	enum sl_reason reason = SL_REASON_NONE;
	long long n;

	if (str(root, "reason")[0] && proto_reason_parse(str(root, "reason"), &reason) != SL_OK)
		return;
	if (topic_check_name(actor) != SL_OK)
		actor = "";
	if (strcmp(result, "denied") == 0)
		apply_failure(a, lock, actor, str(root, "action"), reason, when);
	if (unlock && actor[0] && strcmp(result, "refunded") == 0) {
		/* a use the lock did not confirm was given back */
		uc = state_user(&a->st, actor, false);
		if (uc && sscanf(str(root, "detail"), "use %lld", &n) == 1 && n >= 0)
			uc->uses = n;
		return;
	}
	if (!unlock || !actor[0] || !reached_rate_check(result, reason))
		return;
	uc = state_user(&a->st, actor, true);
	if (!uc)
		return;
	if (a->set.unlock_rate_max > 0)
		ring_push(&uc->unlocks, when);
	if (strcmp(result, "granted") == 0 &&
			sscanf(str(root, "detail"), "use %lld", &n) == 1 && n > uc->uses)
		uc->uses = n;
}

static void apply_login(struct agent *a, const cJSON *root, int64_t when)
{
	const char *who = str(root, "actor")[0] ? str(root, "actor") : str(root, "source");
	int64_t until;

	for (size_t i = 0; i < a->nlocks; i++)
		intrusion_stranger_fail(&a->st, &a->set, i, who, "login-failed", when, &until);
}

bool recover_apply_line(struct agent *a, const char *line)
{
	cJSON *root = cJSON_Parse(line);
	const cJSON *id;
	const char *source, *actor;
	int64_t when;
	int lock;

	if (!root || !cJSON_IsObject(root) || !time_parse_utc(str(root, "time"), &when)) {
		cJSON_Delete(root);
		return false;
	}
	source = str(root, "source");
	actor = str(root, "actor");
	lock = lock_index(a, str(root, "lock"));
	id = cJSON_GetObjectItemCaseSensitive(root, "id");
	if (cJSON_IsNumber(id) && id->valuedouble >= 1 && topic_check_name(actor) == SL_OK &&
			(strcmp(source, "lockReq") == 0 || strcmp(source, "admin") == 0))
		replay_add(&a->st.replay, actor, strcmp(source, "admin") == 0 ?
				REPLAY_KIND_ADMIN : REPLAY_KIND_REQUEST, (int64_t)id->valuedouble,
				"", when, a->set.request_window * 1000);
	if (lock >= 0 && (strcmp(source, "lockReq") == 0 || strcmp(source, "admin") == 0))
		apply_request(a, root, lock, when);
	else if (strcmp(str(root, "action"), "login") == 0 &&
			strcmp(str(root, "result"), "failed") == 0)
		apply_login(a, root, when);
	cJSON_Delete(root);
	return true;
}

enum sl_err agent_recover(struct agent *a, size_t *applied)
{
	uint64_t from = a->st.audit_seq + 1, last = audit_last_seq(a->audit), next = 0;

	*applied = 0;
	if (!a->st.audit_seq_known || from > last)
		return SL_OK;
	while (from != 0 && from <= last) {
		char **lines = NULL;
		size_t n = 0;
		enum sl_err e = audit_read_page(audit_dir(a->audit), from, PAGE_RECORDS,
				PAGE_BYTES, &lines, &n, &next);

		if (e != SL_OK)
			return e;
		for (size_t i = 0; i < n; i++)
			if (recover_apply_line(a, lines[i]))
				(*applied)++;
		audit_free_paths(lines, n);
		if (n == 0)
			break;
		from = next;
	}
	a->st.audit_seq = last;
	a->st.dirty = true;
	return SL_OK;
}
