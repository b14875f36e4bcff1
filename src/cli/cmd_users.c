/* cmd_users.c - smartlockctl users: list, add, disable, enable, revoke and
 * reset-lockout through the agent's signed admin requests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "smartlock/timeutil.h"

#include "cli.h"
#include "records.h"
#include "text.h"
#include "words.h"

struct users_sub {
	const char *name;
	enum sl_admin_op op;
	int needs_name;         /* 1 required, 0 none, -1 optional */
	unsigned options;       /* accepted user options */
};

#define ADD_OPTS (OPT_ROLE | OPT_FROM | OPT_UNTIL | OPT_SCHEDULE | OPT_USES | OPT_LOCKS | \
		OPT_OUT | OPT_FORCE)

/* Sorted by strcmp on name for bsearch. */
static const struct users_sub subs[] = {
	{"add", SL_ADMIN_USER_ADD, 1, ADD_OPTS},
	{"disable", SL_ADMIN_USER_DISABLE, 1, 0},
	{"enable", SL_ADMIN_USER_ENABLE, 1, 0},
	{"list", SL_ADMIN_USER_LIST, 0, 0},
	{"reset-lockout", SL_ADMIN_LOCKOUT_RESET, -1, 0},
	{"revoke", SL_ADMIN_USER_REVOKE, 1, 0},
};

static int sub_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct users_sub *)elem)->name);
}

static void print_users(const struct client_user *u, size_t n, int64_t now)
{
	cli_print("%-16s %-8s %-8s %-33s %-18s %-7s %s", "NAME", "ROLE", "STATUS", "WINDOW",
			"SCHEDULE", "USES", "LOCKOUT");
	for (size_t i = 0; i < n; i++) {
		char from[20], until[20], window[40], uses[24], lockout[48], when[40];

		if (u[i].from || u[i].until)
			snprintf(window, sizeof(window), "%s - %s",
					u[i].from ? text_format_local(u[i].from, from, sizeof(from)) : "...",
					u[i].until ? text_format_local(u[i].until, until, sizeof(until)) : "...");
		else
			snprintf(window, sizeof(window), "always");
		if (u[i].max_uses)
			snprintf(uses, sizeof(uses), "%lld/%lld", (long long)u[i].uses,
					(long long)u[i].max_uses);
		else
			snprintf(uses, sizeof(uses), "%lld", (long long)u[i].uses);
		if (u[i].locked_out_until > now)
			snprintf(lockout, sizeof(lockout), "until %s",
					text_when(u[i].locked_out_until, now, when, sizeof(when)));
		else
			snprintf(lockout, sizeof(lockout), "-");
		cli_print("%-16s %-8s %-8s %-33s %-18s %-7s %s", u[i].name, u[i].role, u[i].status,
				window, u[i].schedule[0] ? u[i].schedule : "any time", uses, lockout);
	}
}

static void print_lockouts(const char *data_json, int64_t now)
{
	struct client_lockout *l;
	char when[40];
	size_t n;

	if (records_parse_lockouts(data_json, &l, &n) != SL_OK) {
		cli_error("the agent's list of lockouts could not be read");
		return;
	}
	if (n > 0)
		cli_print("\nACTIVE LOCKOUTS");
	for (size_t i = 0; i < n; i++) {
		if (l[i].lock[0])
			cli_print("unlocking %s is disabled for guests until %s: failures by "
					"unregistered senders (last: %s, %s)", l[i].lock,
					text_when(l[i].until, now, when, sizeof(when)), l[i].who, l[i].why);
		else
			cli_print("%s may not unlock until %s: own failed attempts (last: %s)",
					l[i].who, text_when(l[i].until, now, when, sizeof(when)), l[i].why);
	}
	free(l);
}

/* Fill the arguments of a user-add request from the options. */
static int add_arguments(const struct cli_opts *o, struct sl_admin_req *req)
{
	int64_t now = time_now_ms();

	req->has_role = true;
	req->role = SL_ROLE_GUEST;
	if (o->role && proto_role_parse(o->role, &req->role) != SL_OK) {
		cli_error("--role: expected owner, resident or guest, not '%s'", o->role);
		return EXIT_USAGE;
	}
	if (o->from) {
		req->has_from = true;
		if (!text_parse_local(o->from, now, &req->from)) {
			cli_error("--from: expected " TEXT_TIME_FORMS ", not '%s'", o->from);
			return EXIT_USAGE;
		}
	}
	if (o->until) {
		req->has_until = true;
		if (!text_parse_local(o->until, now, &req->until)) {
			cli_error("--until: expected " TEXT_TIME_FORMS ", not '%s'", o->until);
			return EXIT_USAGE;
		}
		if (req->has_from && req->until <= req->from) {
			cli_error("--until must be after --from");
			return EXIT_USAGE;
		}
	}
	if (o->schedule) {
		if (strlen(o->schedule) >= sizeof(req->schedule)) {
			cli_error("--schedule: too long");
			return EXIT_USAGE;
		}
		req->has_schedule = true;
		memcpy(req->schedule, o->schedule, strlen(o->schedule) + 1);
	}
	if (o->given & OPT_USES) {
		req->has_uses = true;
		req->uses = o->uses;
	}
	if (o->locks) {
		if (strlen(o->locks) >= sizeof(req->locks)) {
			cli_error("--locks: too long");
			return EXIT_USAGE;
		}
		req->has_locks = true;
		memcpy(req->locks, o->locks, strlen(o->locks) + 1);
	}
	return EXIT_GRANTED;
}

/* Write the new user's enrolment: the answer's credentials, this owner's
 * broker settings. */
static int write_enrolment(const struct cli_opts *o, const char *path,
		const struct client_new_user *nu, const char *lock)
{
	struct sl_enrolment e = o->enrolment;
	enum sl_err rc;

	snprintf(e.user, sizeof(e.user), "%s", nu->user);
	e.role = nu->role;
	snprintf(e.lock, sizeof(e.lock), "%s", lock);
	snprintf(e.password, sizeof(e.password), "%s", nu->password);
	e.key = nu->key;
	rc = enrol_save(path, &e, o->force);
	enrol_wipe(&e);
	if (rc != SL_OK) {
		cli_error("%s: cannot write the enrolment file: %s", path, sl_strerror(rc));
		return EXIT_CONFIG;
	}
	return EXIT_GRANTED;
}

static void print_added_json(const struct client_new_user *nu, const char *path)
{
	cJSON *j = cJSON_CreateObject();
	char *text = NULL, *safe = NULL;

	if (j && cJSON_AddStringToObject(j, "user", nu->user) &&
			cJSON_AddStringToObject(j, "role", proto_role_name(nu->role)) &&
			cJSON_AddStringToObject(j, "enrolment", path))
		text = cJSON_PrintUnformatted(j);
	safe = text ? text_json_safe(text) : NULL;
	if (safe)
		cli_print("%s", safe);
	free(safe);
	free(text);
	cJSON_Delete(j);
}

int cmd_users(struct cli_opts *o)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ADMIN_RES};
	const struct users_sub *sub;
	const char *name = o->nargs > 1 ? o->args[1] : "";
	char out_path[SL_PATH_MAX] = "";
	struct sl_admin_req req;
	struct sl_admin_res res;
	struct sl_client *c;
	char sentence[WORDS_MAX];
	char lock[SL_NAME_MAX + 1];
	int rc;

	sub = bsearch(o->args[0], subs, sizeof(subs) / sizeof(subs[0]), sizeof(subs[0]), sub_cmp);
	if (!sub) {
		cli_error("unknown users command '%s' (list, add, disable, enable, revoke, "
				"reset-lockout)", o->args[0]);
		return EXIT_USAGE;
	}
	if ((sub->needs_name == 1 && !name[0]) || (sub->needs_name == 0 && name[0])) {
		cli_error("users %s %s", sub->name, sub->needs_name ? "needs a user name" :
				"takes no user name");
		return EXIT_USAGE;
	}
	if (o->given & ADD_OPTS & ~sub->options) {
		cli_error("that option does not apply to 'users %s'", sub->name);
		return EXIT_USAGE;
	}
	if (name[0] && topic_check_name(name) != SL_OK) {
		cli_error("'%s' is not a valid user name (letters, digits, '.', '_', '-'; "
				"at most %d)", name, SL_NAME_MAX);
		return EXIT_USAGE;
	}
	memset(&req, 0, sizeof(req));
	req.op = sub->op;
	snprintf(req.name, sizeof(req.name), "%s", name);
	if (sub->op == SL_ADMIN_USER_ADD) {
		rc = add_arguments(o, &req);
		if (rc != EXIT_GRANTED)
			return rc;
		snprintf(out_path, sizeof(out_path), "%s%s", o->out ? o->out : name,
				o->out ? "" : ".enrol");
		/* refuse before the agent creates anything we could not hand over */
		if (!o->force && access(out_path, F_OK) == 0) {
			cli_error("%s exists; choose another --out or add --force", out_path);
			return EXIT_USAGE;
		}
	}
	rc = cli_connect(o, kinds, 1, &c, NULL, NULL);
	if (rc != EXIT_GRANTED)
		return rc;
	snprintf(lock, sizeof(lock), "%s", client_lock(c));
	rc = cli_admin_call(c, o, &req, name, &res);
	client_destroy(c);
	if (rc != EXIT_GRANTED)
		return rc;

	if (sub->op == SL_ADMIN_USER_LIST) {
		struct client_user *users;
		size_t n;

		if (o->json) {
			char *safe = records_json_safe(res.data_json ? res.data_json : "{}");

			cli_print("%s", safe ? safe : "{}");
			free(safe);
		} else if (records_parse_users(res.data_json, &users, &n) != SL_OK) {
			cli_error("the agent's user list could not be read");
			rc = EXIT_FAILED;
		} else {
			print_users(users, n, time_now_ms());
			print_lockouts(res.data_json, time_now_ms());
			free(users);
		}
	} else if (sub->op == SL_ADMIN_USER_ADD) {
		struct client_new_user nu;

		if (records_parse_new_user(res.data_json, &nu) != SL_OK) {
			cli_error("%s was added but the agent's answer held no usable "
					"enrolment material; revoke and add again", name);
			rc = EXIT_FAILED;
		} else {
			rc = write_enrolment(o, out_path, &nu, lock);
			if (rc == EXIT_GRANTED) {
				if (o->json)
					print_added_json(&nu, out_path);
				else
					cli_print("%s Enrolment file written to %s (mode 0600); "
							"hand it to %s with the CA file.",
							words_admin(&res, name, time_now_ms(), sentence,
							sizeof(sentence)), out_path, nu.user);
			}
			records_new_user_wipe(&nu);
		}
		if (res.data_json)
			explicit_bzero(res.data_json, strlen(res.data_json));
	} else if (o->json) {
		cli_print("{\"result\":\"ok\"}");
	} else {
		cli_print("%s", words_admin(&res, name, time_now_ms(), sentence, sizeof(sentence)));
	}
	proto_admin_res_finish(&res);
	return rc;
}
