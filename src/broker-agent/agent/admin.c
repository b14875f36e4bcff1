/* admin.c - owners' operations (and a resident's alert history): checks,
 * dispatch and answers; lockouts, lock health, lock reset and log pages
 * (users are in admin_users.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin.h"
#include "admin_ops.h"
#include "channel.h"
#include "alert_ops.h"
#include "intrusion.h"
#include "pipeline.h"
#include "relay.h"
#include "report.h"

#define LOG_PAGE_DEFAULT 50

void admin_result(struct admin_ctx *c, enum sl_result r, enum sl_reason reason,
		const char *fmt, ...)
{
	va_list ap;

	c->res.result = r;
	c->res.reason = reason;
	va_start(ap, fmt);
	vsnprintf(c->res.msg, sizeof(c->res.msg), fmt, ap);
	va_end(ap);
}

void admin_bad_request(struct admin_ctx *c, const char *msg)
{
	admin_result(c, SL_RESULT_DENIED, SL_REASON_BAD_REQUEST, "%s", msg);
}

char *admin_json_take(cJSON *root)
{
	char *text = root ? cJSON_PrintUnformatted(root) : NULL;

	cJSON_Delete(root);
	return text;
}

static void op_lockout_reset(struct admin_ctx *c)
{
	struct agent *a = c->a;
	int64_t now = time_now_ms();
	bool was;

	if (c->req->name[0]) {
		snprintf(c->target, sizeof(c->target), "%s", c->req->name);
		was = intrusion_reset(&a->st, &a->set, -1, c->req->name, now);
	} else {
		was = intrusion_reset(&a->st, &a->set, (int)c->l->index, NULL, now);
		was |= intrusion_reset(&a->st, &a->set, -1, NULL, now);
	}
	agent_save_state(a);
	report_alert(a, SL_ALERT_LOCKOUT_CLEARED, c->l->id, c->user, "admin", 0,
			"%s cleared the lockout%s%s%s.", c->user, c->req->name[0] ? " of " : "",
			c->req->name, was ? "" : " (none was active)");
	admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "%s%s", was ? "Lockout cleared." :
			"No lockout was active; counters cleared.",
			c->req->name[0] && a->st.locks[c->l->index].lockout_until > now ?
			" Unlocking this lock stays disabled for guests until the lockout after "
			"failures by unregistered senders ends or is reset (reset-lockout "
			"without a name)." : "");
}

static void send_lock_command(struct admin_ctx *c, enum pending_kind kind,
		enum sl_action action)
{
	struct pending *p;

	if (c->l->link != LINK_ONLINE) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_LOCK_OFFLINE, "The lock %s is offline.",
				c->l->id);
		return;
	}
	p = relay_slot(c->l);
	if (!p) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_BUSY, "The lock is busy; try again.");
		return;
	}
	if (!relay_send(c->a, c->l, p, kind, action, c->user, c->req->time)) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR,
				"The command could not be sent to the lock.");
		return;
	}
	admin_result(c, SL_RESULT_PROGRESS, SL_REASON_NONE, "Sent %s to %s.",
			proto_action_name(action), c->l->id);
	c->deferred = true;
}

static void op_health_check(struct admin_ctx *c)
{
	send_lock_command(c, PENDING_HEALTH_CHECK, SL_ACTION_HEARTBEAT);
}

static void op_lock_reset(struct admin_ctx *c)
{
	send_lock_command(c, PENDING_LOCK_RESET, SL_ACTION_RESET);
}

static void op_log_page(struct admin_ctx *c)
{
	const struct sl_admin_req *r = c->req;
	int64_t count = r->has_count ? r->count : LOG_PAGE_DEFAULT;
	uint64_t last = audit_last_seq(c->a->audit), from, next = 0;
	char **lines = NULL;
	size_t n = 0;
	cJSON *root, *arr;
	enum sl_err e;

	if (count < 1)
		count = 1;
	if (count > c->a->set.log_page_max)
		count = c->a->set.log_page_max;
	if (r->has_cursor && r->cursor > 0)
		from = (uint64_t)r->cursor;
	else
		from = last >= (uint64_t)count ? last - (uint64_t)count + 1 : 1;
	e = audit_read_page(audit_dir(c->a->audit), from, (size_t)count, ADMIN_DATA_MAX,
			&lines, &n, &next);
	if (e != SL_OK) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Cannot read the audit log: %s.",
				sl_strerror(e));
		return;
	}
	root = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(root, "records");
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *rec = cJSON_Parse(lines[i]);

		if (rec)
			cJSON_AddItemToArray(arr, rec);
	}
	cJSON_AddNumberToObject(root, "next", (double)next);
	cJSON_AddNumberToObject(root, "last", (double)last);
	audit_free_paths(lines, n);
	c->res.data_json = admin_json_take(root);
	if (!c->res.data_json)
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Out of memory.");
	else
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "%zu records from %llu.", n,
				(unsigned long long)from);
}

static void op_alert_test(struct admin_ctx *c)
{
	switch (channel_test(c->a, c->l->id, c->user, c->req->time)) {
	case CHANNEL_TEST_STARTED:
		admin_result(c, SL_RESULT_PROGRESS, SL_REASON_NONE, "Testing %zu alert channels.",
				channel_count(c->a));
		c->deferred = true;
		break;
	case CHANNEL_TEST_NONE:
		admin_result(c, SL_RESULT_ERROR, SL_REASON_NONE, "No alert channel is configured "
				"(alert_1_command in agent.conf).");
		break;
	case CHANNEL_TEST_BUSY:
		admin_result(c, SL_RESULT_ERROR, SL_REASON_BUSY, "An alert test is already "
				"running; try again.");
		break;
	}
}

/* ---- dispatch ---- */

struct admin_op {
	const char *name;               /* wire name, sorted */
	void (*fn)(struct admin_ctx *c);
};

static const struct admin_op ops[] = {
	{"alert-ack", alert_ops_ack},
	{"alert-ack-all", alert_ops_ack_all},
	{"alert-list", alert_ops_list},
	{"alert-test", op_alert_test},
	{"health-check", op_health_check},
	{"lock-reset", op_lock_reset},
	{"lockout-reset", op_lockout_reset},
	{"log-page", op_log_page},
	{"user-add", admin_user_add},
	{"user-disable", admin_user_disable},
	{"user-enable", admin_user_enable},
	{"user-list", admin_user_list},
	{"user-revoke", admin_user_revoke},
	{"user-update", admin_user_update},
};

static int cmp_op(const void *key, const void *elem)
{
	return strcmp(key, ((const struct admin_op *)elem)->name);
}

static void answer(struct admin_ctx *c)
{
	struct audit_record rec = {0};
	char detail[SL_MSG_MAX + 48];
	char *payload;

	snprintf(detail, sizeof(detail), "%s%s%s", c->target[0] ? c->target : "",
			c->target[0] ? ": " : "", c->res.msg);
	rec.actor = c->user;
	rec.role = c->role ? c->role : "owner";
	rec.source = "admin";
	rec.lock = c->l->id;
	rec.action = proto_admin_op_name(c->res.op);
	rec.result = proto_result_name(c->res.result);
	rec.reason = proto_reason_name(c->res.reason);
	rec.detail = detail;
	rec.id = c->fresh ? c->req->time : 0;
	report_audit(c->a, &rec, true);
	if (c->deferred)
		return;
	payload = proto_encode_admin_res(&c->res);
	if (payload)
		report_publish(c->a, SL_TOPIC_ADMIN_RES, c->l->id, c->user, payload, false);
	else
		sl_log(SL_LOG_ERROR, "cannot encode the answer to %s's %s",
				c->user, proto_admin_op_name(c->res.op));
	if (payload)
		memset(payload, 0, strlen(payload));
	free(payload);
}

/* Refused admin requests are audited; they are not attempts to unlock or
 * lock, so the intrusion rule does not count them (intrusion.h). */
static void refuse(struct admin_ctx *c, enum sl_reason reason, const char *msg)
{
	admin_result(c, SL_RESULT_DENIED, reason, "%s", msg);
	answer(c);
}

/* Owners may every operation on the locks they may use; a resident who
 * gets alerts may only list the alert history (of those locks and the
 * site); everyone else nothing. */
static bool may_ask(const struct sl_user *u, const char *lock, enum sl_admin_op op)
{
	if (!user_may_use_lock(u, lock))
		return false;
	if (u->role == SL_ROLE_OWNER)
		return true;
	return u->role == SL_ROLE_RESIDENT && u->alerts && op == SL_ADMIN_ALERT_LIST;
}

void admin_request(struct agent *a, struct lock_ctx *l, const char *user,
		const char *topic, const char *payload, size_t len)
{
	struct sl_proto_error perr = {0};
	struct sl_admin_req req;
	struct admin_ctx c;
	const struct sl_user *u;
	const struct admin_op *op;
	enum sl_reason r;
	enum sl_err e;

	memset(&c, 0, sizeof(c));
	memset(&req, 0, sizeof(req));
	c.a = a;
	c.l = l;
	c.user = user;
	c.req = &req;
	e = proto_decode_admin_req(payload, len, &req, &perr);
	if (e != SL_OK) {
		char msg[SL_MSG_MAX];

		snprintf(msg, sizeof(msg), "The request could not be read: %s%s%s.",
				perr.field, perr.field[0] ? ": " : "", sl_strerror(e));
		refuse(&c, e == SL_ERR_BAD_MAC || strcmp(perr.field, "mac") == 0 ?
				SL_REASON_BAD_SIGNATURE : SL_REASON_MALFORMED, msg);
		goto out;
	}
	c.res.id = req.time;
	c.res.op = req.op;
	u = user_store_find(a->users, user);
	if (!u) {
		refuse(&c, SL_REASON_UNKNOWN_USER, "You are not a user of this site.");
		goto out;
	}
	c.role = proto_role_name(u->role);
	if (proto_verify_admin_req(&u->key, topic, &req) != SL_OK) {
		refuse(&c, SL_REASON_BAD_SIGNATURE, "The request's signature does not verify.");
		goto out;
	}
	r = pipeline_check_fresh(a, user, REPLAY_KIND_ADMIN, req.time, req.mac, time_now_ms());
	if (r == SL_REASON_COUNT_)
		goto out;       /* QoS 1 duplicate: answered already */
	if (r != SL_REASON_NONE) {
		refuse(&c, r, r == SL_REASON_STALE ? "The request's time is too far from the "
				"agent's clock." : "This request id was already used.");
		goto out;
	}
	c.fresh = true;
	if (u->status != SL_USER_ACTIVE) {
		refuse(&c, u->status == SL_USER_REVOKED ? SL_REASON_REVOKED : SL_REASON_DISABLED,
				"Your access is not active.");
		goto out;
	}
	if (!may_ask(u, l->id, req.op)) {
		refuse(&c, SL_REASON_NOT_PERMITTED, "Only owners may manage this lock.");
		goto out;
	}
	op = bsearch(proto_admin_op_name(req.op), ops, sizeof(ops) / sizeof(ops[0]),
			sizeof(ops[0]), cmp_op);
	if (!op) {
		refuse(&c, SL_REASON_BAD_REQUEST, "Unknown operation.");
		goto out;
	}
	if (audit_check_writable(a->audit) != SL_OK) {
		/* an admin action that cannot be audited is not done */
		admin_result(&c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR,
				"The audit log cannot be written; nothing was done.");
		answer(&c);
		goto out;
	}
	op->fn(&c);
	answer(&c);
out:
	if (c.res.data_json)
		memset(c.res.data_json, 0, strlen(c.res.data_json));
	proto_admin_res_finish(&c.res);
	memset(&req, 0, sizeof(req));
}

void admin_alert_test_done(struct agent *a, const char *lock, const char *user, int64_t req,
		enum sl_result result, const char *msg, char *data_json)
{
	struct sl_admin_req r;
	struct admin_ctx c;

	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.a = a;
	c.l = agent_lock(a, lock);
	c.user = user;
	c.req = &r;
	r.time = req;
	c.res.id = req;
	c.res.op = SL_ADMIN_ALERT_TEST;
	c.res.data_json = data_json;
	admin_result(&c, result, SL_REASON_NONE, "%s", msg);
	if (c.l)
		answer(&c);
	proto_admin_res_finish(&c.res);
}

void admin_pending_done(struct agent *a, struct lock_ctx *l, const struct pending *p,
		enum sl_result res, enum sl_reason reason, const char *msg)
{
	struct sl_admin_req req;
	struct admin_ctx c;

	memset(&c, 0, sizeof(c));
	memset(&req, 0, sizeof(req));
	c.a = a;
	c.l = l;
	c.user = p->user;
	c.req = &req;
	req.time = p->req;
	c.res.id = p->req;
	c.res.op = p->kind == PENDING_HEALTH_CHECK ? SL_ADMIN_HEALTH_CHECK : SL_ADMIN_LOCK_RESET;
	admin_result(&c, res, reason, "%s", msg);
	if (p->kind == PENDING_HEALTH_CHECK && res == SL_RESULT_OK) {
		cJSON *d = cJSON_CreateObject();

		cJSON_AddBoolToObject(d, "online", l->link == LINK_ONLINE);
		cJSON_AddStringToObject(d, "state", proto_state_name(l->state.state));
		cJSON_AddStringToObject(d, "door", proto_door_name(l->state.door));
		cJSON_AddNumberToObject(d, "uptime", (double)l->heartbeat.uptime);
		cJSON_AddNumberToObject(d, "interval", (double)l->heartbeat.interval);
		cJSON_AddNumberToObject(d, "commands", (double)l->heartbeat.commands);
		cJSON_AddNumberToObject(d, "refused", (double)l->heartbeat.refused);
		c.res.data_json = admin_json_take(d);
	}
	answer(&c);
	proto_admin_res_finish(&c.res);
}
