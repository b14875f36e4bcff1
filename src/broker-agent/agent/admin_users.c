/* admin_users.c - owners' user management: list, add, update, disable,
 * enable, revoke; the user store and the broker's password file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/account.h"
#include "smartlock/log.h"
#include "smartlock/passwd.h"
#include "smartlock/schedule.h"
#include "smartlock/timeutil.h"
#include "admin_ops.h"

/* ---- passwd file and user store persistence ---- */

/* Can the broker's password file be rewritten (keeping its owner, group and
 * mode)? Asked before anything changes; when it cannot, the request is
 * answered with the cause and nothing is touched. */
static bool passwd_ready(struct admin_ctx *c)
{
	const char *path = c->a->set.passwd_file;
	char msg[384];
	enum sl_err err;

	if (!path[0])
		return true;
	err = account_passwd_check(path, msg, sizeof(msg));
	if (err == SL_OK)
		return true;
	sl_log(SL_LOG_ERROR, "refusing a user change: %s", msg);
	admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Nothing changed: the "
			"broker password file cannot be rewritten %s; see the agent log.",
			err == SL_ERR_PERM ? "keeping its owner and group (not permitted)" :
			"(unreadable or unsafe)");
	return false;
}

/* Bring u's broker account up to date (password non-NULL: a new line).
 * true when done or when no passwd_file is configured. */
static bool passwd_sync(struct admin_ctx *c, const struct sl_user *u, const char *password)
{
	const char *path = c->a->set.passwd_file;
	char msg[384];

	if (!path[0])
		return true;
	if (account_passwd_apply(path, u, password, false, msg, sizeof(msg)) == SL_OK)
		return true;
	sl_log(SL_LOG_ERROR, "%s", msg);
	return false;
}

static bool store_save(struct admin_ctx *c)
{
	enum sl_err e = user_store_save(c->a->users, c->a->users_path);

	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot save the user store: %s", c->a->users_path,
				sl_strerror(e));
		/* drop the unsaved change: the file is the truth */
		agent_reload_users(c->a);
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR,
				"The user store could not be saved; nothing changed.");
		return false;
	}
	return true;
}

static size_t active_owners(const struct user_store *st, const char *except)
{
	size_t n = 0;

	for (size_t i = 0; i < user_store_count(st); i++) {
		const struct sl_user *u = user_store_at(st, i);

		if (u->role == SL_ROLE_OWNER && u->status == SL_USER_ACTIVE &&
				(!except || strcmp(u->name, except) != 0))
			n++;
	}
	return n;
}

/* ---- user operations ---- */

static bool apply_fields(struct admin_ctx *c, struct sl_user *u)
{
	const struct sl_admin_req *r = c->req;
	struct sl_schedule sch;
	char why[96], msg[SL_MSG_MAX];

	if (r->has_role)
		u->role = r->role;
	if (r->has_from)
		u->from = r->from;
	if (r->has_until)
		u->until = r->until;
	if (r->has_uses)
		u->max_uses = r->uses;
	if (r->has_locks)
		snprintf(u->locks, sizeof(u->locks), "%s", r->locks);
	if (r->has_schedule) {
		if (schedule_parse(r->schedule, &sch, why, sizeof(why)) != SL_OK) {
			snprintf(msg, sizeof(msg), "schedule: %s.", why);
			admin_bad_request(c, msg);
			return false;
		}
		schedule_format(&sch, u->schedule, sizeof(u->schedule));
	}
	if (u->until && u->from > u->until) {
		admin_bad_request(c, "from must not be after until.");
		return false;
	}
	u->alerts = u->alerts || u->role == SL_ROLE_OWNER;
	return true;
}

static const struct sl_user *target_user(struct admin_ctx *c)
{
	const struct sl_user *u;

	if (!c->req->name[0]) {
		admin_bad_request(c, "name: which user?");
		return NULL;
	}
	snprintf(c->target, sizeof(c->target), "%s", c->req->name);
	u = user_store_find(c->a->users, c->req->name);
	if (!u)
		admin_result(c, SL_RESULT_DENIED, SL_REASON_UNKNOWN_USER, "There is no user %s.",
				c->req->name);
	return u;
}

void admin_user_add(struct admin_ctx *c)
{
	char password[40], hex[SL_KEY_HEX + 1];
	struct sl_user u;
	cJSON *data;
	bool pw_ok;

	if (!c->req->name[0] || !c->req->has_role) {
		admin_bad_request(c, "user-add needs a name and a role.");
		return;
	}
	snprintf(c->target, sizeof(c->target), "%s", c->req->name);
	if (topic_check_name(c->req->name) != SL_OK) {
		admin_bad_request(c, "name: not a valid user name.");
		return;
	}
	if (user_store_find(c->a->users, c->req->name) ||
			strcmp(c->req->name, c->a->set.broker_user) == 0 ||
			settings_lock_index(&c->a->set, c->req->name) >= 0) {
		admin_result(c, SL_RESULT_DENIED, SL_REASON_BAD_REQUEST, "The name %s is taken.",
				c->req->name);
		return;
	}
	memset(password, 0, sizeof(password));
	if (account_new_user(&u, c->req->name, c->req->role, c->l->id, time_now_ms()) != SL_OK) {
		admin_bad_request(c, "The user's fields are not valid.");
		return;
	}
	if (!apply_fields(c, &u) || !passwd_ready(c))
		return;
	if (sign_key_generate(&u.key) != SL_OK || passwd_generate(password, sizeof(password)) != SL_OK) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Cannot generate credentials.");
		goto out;
	}
	if (user_store_add(c->a->users, &u) != SL_OK) {
		admin_bad_request(c, "The user's fields are not valid.");
		goto out;
	}
	if (!store_save(c))
		goto out;
	pw_ok = passwd_sync(c, &u, password);
	sign_key_to_hex(&u.key, hex, sizeof(hex));
	data = cJSON_CreateObject();
	cJSON_AddStringToObject(data, "user", u.name);
	cJSON_AddStringToObject(data, "role", proto_role_name(u.role));
	cJSON_AddStringToObject(data, "password", password);
	cJSON_AddStringToObject(data, "signing_key", hex);
	c->res.data_json = admin_json_take(data);
	memset(hex, 0, sizeof(hex));
	if (pw_ok)
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "Added %s (%s).", u.name,
				proto_role_name(u.role));
	else
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Added %s, but the broker "
				"password file could not be updated.", u.name);
out:
	memset(password, 0, sizeof(password));
	sign_key_wipe(&u.key);
}

void admin_user_update(struct admin_ctx *c)
{
	const struct sl_user *old = target_user(c);
	struct sl_user u;

	if (!old)
		return;
	if (old->status == SL_USER_REVOKED) {
		admin_bad_request(c, "A revoked user cannot be changed.");
		return;
	}
	u = *old;
	if (!apply_fields(c, &u))
		goto out;
	if (old->role == SL_ROLE_OWNER && u.role != SL_ROLE_OWNER &&
			active_owners(c->a->users, u.name) == 0) {
		admin_bad_request(c, "That would leave no active owner.");
		goto out;
	}
	if (!passwd_ready(c))
		goto out;
	if (user_store_update(c->a->users, &u) != SL_OK) {
		admin_bad_request(c, "The user's fields are not valid.");
		goto out;
	}
	if (!store_save(c))
		goto out;
	if (!passwd_sync(c, &u, NULL))
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Updated %s, but the broker "
				"password file could not be updated.", u.name);
	else
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "Updated %s.", u.name);
out:
	sign_key_wipe(&u.key);
}

static void set_status(struct admin_ctx *c, enum sl_user_status to)
{
	const struct sl_user *old = target_user(c);
	struct sl_user u;

	if (!old)
		return;
	if (old->status == SL_USER_REVOKED) {
		admin_bad_request(c, "A revoked user stays revoked.");
		return;
	}
	if (to != SL_USER_ACTIVE && old->role == SL_ROLE_OWNER &&
			active_owners(c->a->users, old->name) == 0) {
		admin_bad_request(c, "That would leave no active owner.");
		return;
	}
	if (!passwd_ready(c))
		return;
	u = *old;
	u.status = to;
	if (user_store_update(c->a->users, &u) != SL_OK) {
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Cannot change %s.", u.name);
		goto out;
	}
	if (!store_save(c))
		goto out;
	if (!passwd_sync(c, &u, NULL))
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "%s is now %s, but the "
				"broker password file could not be updated.", u.name,
				user_status_name(to));
	else
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "%s is now %s.", u.name,
				user_status_name(to));
out:
	sign_key_wipe(&u.key);
}

void admin_user_disable(struct admin_ctx *c)
{
	set_status(c, SL_USER_DISABLED);
}

void admin_user_enable(struct admin_ctx *c)
{
	set_status(c, SL_USER_ACTIVE);
}

void admin_user_revoke(struct admin_ctx *c)
{
	set_status(c, SL_USER_REVOKED);
}

static bool add_lockout(cJSON *arr, const char *who, const char *why, int64_t until,
		const char *lock)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !cJSON_AddItemToArray(arr, o)) {
		cJSON_Delete(o);
		return false;
	}
	return cJSON_AddStringToObject(o, "who", who) && cJSON_AddStringToObject(o, "why", why) &&
		cJSON_AddNumberToObject(o, "until", (double)until) &&
		(!lock || cJSON_AddStringToObject(o, "lock", lock));
}

/* Every active lockout: each user's (all locks), then each lock's (the
 * unregistered senders' lockout, "lock" naming it). */
static size_t add_lockouts(struct admin_ctx *c, cJSON *root, int64_t now)
{
	const struct agent_state *st = &c->a->st;
	cJSON *arr = cJSON_AddArrayToObject(root, "lockouts");
	size_t bytes = 0;

	for (size_t i = 0; arr && i < st->nusers && bytes < ADMIN_DATA_MAX / 2; i++) {
		if (st->users[i].lockout_until <= now)
			continue;
		add_lockout(arr, st->users[i].name, st->users[i].lockout_why,
				st->users[i].lockout_until, NULL);
		bytes += 100;
	}
	for (size_t i = 0; arr && i < c->a->nlocks; i++) {
		if (st->locks[i].lockout_until <= now)
			continue;
		add_lockout(arr, st->locks[i].lockout_cause, st->locks[i].lockout_why,
				st->locks[i].lockout_until, c->a->locks[i].id);
		bytes += 200;
	}
	return bytes;
}

void admin_user_list(struct admin_ctx *c)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "users");
	int64_t now = time_now_ms();
	size_t bytes = add_lockouts(c, root, now);

	for (size_t i = 0; arr && i < user_store_count(c->a->users); i++) {
		const struct sl_user *u = user_store_at(c->a->users, i);
		const struct user_counters *uc = state_user(&c->a->st, u->name, false);
		cJSON *o = cJSON_CreateObject();

		if (!o)
			break;
		cJSON_AddStringToObject(o, "name", u->name);
		cJSON_AddStringToObject(o, "role", proto_role_name(u->role));
		cJSON_AddStringToObject(o, "status", user_status_name(u->status));
		cJSON_AddNumberToObject(o, "from", (double)u->from);
		cJSON_AddNumberToObject(o, "until", (double)u->until);
		cJSON_AddStringToObject(o, "schedule", u->schedule);
		cJSON_AddNumberToObject(o, "max_uses", (double)u->max_uses);
		cJSON_AddNumberToObject(o, "uses", uc ? (double)uc->uses : 0);
		cJSON_AddStringToObject(o, "locks", u->locks);
		cJSON_AddNumberToObject(o, "locked_out_until",
				uc && uc->lockout_until > now ? (double)uc->lockout_until : 0);
		if (uc && uc->lockout_until > now)
			cJSON_AddStringToObject(o, "locked_out_why", uc->lockout_why);
		bytes += 200 + strlen(u->schedule) + strlen(u->locks);
		if (bytes > ADMIN_DATA_MAX) {
			cJSON_Delete(o);
			cJSON_AddTrueToObject(root, "truncated");
			break;
		}
		cJSON_AddItemToArray(arr, o);
	}
	c->res.data_json = admin_json_take(root);
	if (!c->res.data_json)
		admin_result(c, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "Out of memory.");
	else
		admin_result(c, SL_RESULT_OK, SL_REASON_NONE, "%zu users.",
				user_store_count(c->a->users));
}

