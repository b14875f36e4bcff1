/*
 * admin_ops.h - the pieces of the admin module shared by its files: the
 * context of one admin request and the user-management operations
 * (admin_users.c). Internal to smartlock-agent.
 */
#ifndef AGENT_ADMIN_OPS_H
#define AGENT_ADMIN_OPS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "agent.h"

#define ADMIN_DATA_MAX SL_ADMIN_DATA_MAX

struct admin_ctx {
	struct agent *a;
	struct lock_ctx *l;
	const char *user;               /* the user asking */
	const struct sl_admin_req *req;
	struct sl_admin_res res;        /* res.data_json malloc'd */
	char target[SL_NAME_MAX + 1];   /* user acted on, for the audit */
	bool deferred;                  /* answered later (lock command) */
	bool fresh;                     /* req->time passed the replay check */
	const char *role;               /* the asker's role for the audit; NULL = owner */
};

/* Set the answer's result, reason and sentence. */
void admin_result(struct admin_ctx *c, enum sl_result r, enum sl_reason reason,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* denied / bad-request with msg. */
void admin_bad_request(struct admin_ctx *c, const char *msg);
/* Compact text of root (which is freed); NULL when out of memory. */
char *admin_json_take(cJSON *root);

/* The user operations; each sets c->res (and c->res.data_json). */
void admin_user_add(struct admin_ctx *c);
void admin_user_update(struct admin_ctx *c);
void admin_user_disable(struct admin_ctx *c);
void admin_user_enable(struct admin_ctx *c);
void admin_user_revoke(struct admin_ctx *c);
void admin_user_list(struct admin_ctx *c);

#endif
