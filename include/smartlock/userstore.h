/*
 * userstore.h - the site's users: roles, signing keys, guest windows,
 * schedules, use limits and which locks each may open.
 *
 * The store is one JSON file (mode 0600, written atomically) owned by the
 * agent and edited by the agent's admin operations and by `smartlockctl
 * user ...` on the Pi. It holds signing keys, so Mosquitto never reads it;
 * the broker plugin reads its own password file (passwd.h).
 *
 *   {"v":1,"users":[{"name":"owner","role":"owner","key":"<64 hex>",
 *     "status":"active","from":0,"until":0,"schedule":"","max_uses":0,
 *     "locks":"*","alerts":true,"created":1795000000000}, ...]}
 *
 * status is "active", "disabled" (can be re-enabled) or "revoked" (final).
 * from/until are ms since the epoch, 0 = unbounded. schedule is "" (any
 * time) or the weekly schedule text of schedule.h. max_uses 0 = unlimited;
 * uses already made are counted by the agent in its own state file, not
 * here. locks is "*" or a comma-separated list of lock ids. alerts says
 * whether the user receives securityAlert (always true for owners).
 *
 * A file that cannot be read or parsed is refused with a message naming the
 * file and the problem: a damaged store never turns into an empty one.
 * Not thread-safe; the owner of the struct serialises access.
 */
#ifndef SMARTLOCK_USERSTORE_H
#define SMARTLOCK_USERSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

#define SL_USERS_MAX 4096
#define SL_LOCKS_TEXT_MAX 160

enum sl_user_status { SL_USER_ACTIVE, SL_USER_DISABLED, SL_USER_REVOKED };

struct sl_user {
	char name[SL_NAME_MAX + 1];
	enum sl_role role;
	struct sl_key key;
	enum sl_user_status status;
	int64_t from, until;
	char schedule[SL_SCHEDULE_MAX];
	int64_t max_uses;
	char locks[SL_LOCKS_TEXT_MAX];
	bool alerts;
	int64_t created;
};

struct user_store;

/* An empty store (for `smartlockctl init`). */
struct user_store *user_store_create(void);

/* Load path. NULL on any problem, with a one-line explanation naming the
 * file in msg (e.g. "users.json: user 3: role: must be owner, resident or
 * guest"). A missing file is an error too. */
struct user_store *user_store_load(const char *path, char *msg, size_t msg_size);

/* Write atomically with mode 0600. */
enum sl_err user_store_save(const struct user_store *st, const char *path);

void user_store_destroy(struct user_store *st);

size_t user_store_count(const struct user_store *st);
/* i < count; the pointer stays valid until the store is changed. */
const struct sl_user *user_store_at(const struct user_store *st, size_t i);
/* NULL if absent. */
const struct sl_user *user_store_find(const struct user_store *st, const char *name);

/* Add (SL_ERR_EXISTS if the name is taken) or replace a user by name
 * (SL_ERR_NOT_FOUND if absent). The user is copied. */
enum sl_err user_store_add(struct user_store *st, const struct sl_user *u);
enum sl_err user_store_update(struct user_store *st, const struct sl_user *u);

/* True when lock appears in u->locks (or locks is "*"). */
bool user_may_use_lock(const struct sl_user *u, const char *lock);

/* (added) "active", "disabled", "revoked"; NULL out of range. */
const char *user_status_name(enum sl_user_status s);

#endif
