/* alert_ops.c - the alert history seen from the agent: every alert raised
 * is kept (alerts.h), owners (and residents who get alerts) list it,
 * owners acknowledge alerts, and each acknowledgement goes out on the
 * securityAlert topic of every lock so that every open console shows it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin_ops.h"
#include "alert_ops.h"
#include "alerts.h"
#include "report.h"

void alert_ops_record(struct agent *a, struct sl_alert *al, const char *lock)
{
	char saved[SL_NAME_MAX + 1];

	if (!a->alerts)
		return;
	snprintf(saved, sizeof(saved), "%s", al->lock);
	snprintf(al->lock, sizeof(al->lock), "%s", lock ? lock : "");
	alerts_add(a->alerts, al, time_mono_ms());
	snprintf(al->lock, sizeof(al->lock), "%s", saved);
}

/* A user sees the alerts of the locks they may use and the site's. */
static bool owner_may(const char *lock, void *arg)
{
	const struct sl_user *u = arg;

	return !lock[0] || (u && user_may_use_lock(u, lock));
}

/* The visible alerts, newest last, as a JSON array within budget bytes. */
static cJSON *list_json(struct agent *a, const struct sl_user *u, size_t budget)
{
	cJSON *arr = cJSON_CreateArray();
	size_t used = 0, n = alerts_count(a->alerts);

	/* newest first until the budget is spent, then put back in order */
	for (size_t i = n; arr && i-- > 0;) {
		const struct sl_alert *al = alerts_at(a->alerts, i);
		char *text;
		cJSON *item;

		if (!owner_may(al->lock, (void *)u))
			continue;
		text = proto_encode_alert(al);
		if (!text)
			continue;
		used += strlen(text) + 1;
		item = used <= budget ? cJSON_Parse(text) : NULL;
		free(text);
		if (!item)
			break;
		cJSON_InsertItemInArray(arr, 0, item);
	}
	return arr;
}

/* The locks this agent serves that the owner may use: a console's lock
 * switcher. */
static void add_locks(struct agent *a, const struct sl_user *u, cJSON *root)
{
	cJSON *arr = cJSON_AddArrayToObject(root, "locks");

	for (size_t i = 0; arr && i < a->nlocks; i++)
		if (owner_may(a->locks[i].id, (void *)u))
			cJSON_AddItemToArray(arr, cJSON_CreateString(a->locks[i].id));
}

void alert_ops_list(struct admin_ctx *c)
{
	const struct sl_user *u = user_store_find(c->a->users, c->user);
	cJSON *root = cJSON_CreateObject(), *arr;

	if (!c->a->alerts) {
		cJSON_Delete(root);
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR,
				"The alert history is not available.");
		return;
	}
	arr = list_json(c->a, u, ADMIN_DATA_MAX - 256);
	if (root && arr)
		cJSON_AddItemToObject(root, "alerts", arr);
	else
		cJSON_Delete(arr);
	cJSON_AddNumberToObject(root, "last", (double)alerts_last_id(c->a->alerts));
	add_locks(c->a, u, root);
	c->res.data_json = admin_json_take(root);
	if (!c->res.data_json)
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Out of memory.");
	else
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "Alert history sent.");
}

/* Tell every console: id (or everything up to it) was acknowledged. */
static void broadcast_ack(struct agent *a, const char *owner, uint64_t id, bool upto,
		size_t changed)
{
	struct sl_alert al;

	memset(&al, 0, sizeof(al));
	al.kind = SL_ALERT_ACKNOWLEDGED;
	snprintf(al.user, sizeof(al.user), "%s", owner);
	snprintf(al.source, sizeof(al.source), "admin");
	snprintf(al.msg, sizeof(al.msg), "%s acknowledged %zu alert%s.", owner, changed,
			changed == 1 ? "" : "s");
	al.time = time_now_ms();
	al.ack = id;
	al.upto = upto;
	for (size_t i = 0; i < a->nlocks; i++) {
		char *payload;

		snprintf(al.lock, sizeof(al.lock), "%s", a->locks[i].id);
		payload = proto_encode_alert(&al);
		if (payload)
			report_publish(a, SL_TOPIC_ALERT, a->locks[i].id, NULL, payload, false);
		free(payload);
	}
}

static void ack(struct admin_ctx *c, bool upto)
{
	const struct sl_user *u = user_store_find(c->a->users, c->user);
	uint64_t id;
	size_t changed;

	if (!c->req->has_cursor || c->req->cursor < 1) {
		admin_bad_request(c, "Which alert? Give its id as cursor.");
		return;
	}
	if (!c->a->alerts) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR,
				"The alert history is not available.");
		return;
	}
	id = (uint64_t)c->req->cursor;
	changed = alerts_ack(c->a->alerts, id, upto, owner_may, (void *)u);
	if (changed)
		broadcast_ack(c->a, c->user, id, upto, changed);
	admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "%zu alert%s acknowledged%s.", changed,
			changed == 1 ? "" : "s", changed ? "" : " (already done)");
}

void alert_ops_ack(struct admin_ctx *c)
{
	ack(c, false);
}

void alert_ops_ack_all(struct admin_ctx *c)
{
	ack(c, true);
}
