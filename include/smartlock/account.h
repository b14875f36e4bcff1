/*
 * account.h - one home for the rules of a user account, shared by
 * `smartlockctl init`, `smartlockctl user add` and the agent's user
 * management: how a user's role maps to a broker role, the defaults of a
 * new user, the cost of a password hash, and the one writer of the broker's
 * password file.
 *
 * Rules:
 *  - a new user is active, may use every lock ("*") except a guest, who
 *    gets only the lock named by the caller; owners receive security alerts;
 *  - a guest connects from the home networks only; an owner or resident
 *    does when asked at creation ("home_only"), and keeps that setting on
 *    every later change (disable, enable, update) of the line;
 *  - the password-file line's state follows the user's status (on only when
 *    active) and its alerts field the user's;
 *  - new hashes cost what the site was created with: the iteration count of
 *    the "agent" account's hash (else of the first line; else
 *    SL_PBKDF2_ITERATIONS);
 *  - the password file is replaced keeping its owner, group and mode
 *    (atomicfile.h); when that is not permitted nothing is written and msg
 *    says why.
 * Functions do not keep pointers to their arguments. Not thread-safe.
 */
#ifndef SMARTLOCK_ACCOUNT_H
#define SMARTLOCK_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"
#include "smartlock/passwd.h"
#include "smartlock/userstore.h"

/* The broker role of a user's role. */
enum sl_passwd_role account_broker_role(enum sl_role role);

/* Fill *u (wiped first) with the defaults of a new user: name, role,
 * active, created at now_ms, locks ("*", or guest_lock for a guest), alerts
 * for an owner. SL_ERR_INVAL for a bad name or a guest without a lock. */
enum sl_err account_new_user(struct sl_user *u, const char *name, enum sl_role role,
		const char *guest_lock, int64_t now_ms);

/* The password-file line of u into *out: role, state and alerts from u;
 * hash and home_only kept from old (may be NULL: a new line, home_only as
 * asked); a guest is always home-only. */
void account_entry(const struct sl_user *u, const struct sl_passwd_entry *old,
		bool home_only, struct sl_passwd_entry *out);

/* The iteration count new hashes of this password file use. */
unsigned account_hash_cost(const struct passwd_file *pf);

/* Could the password file at path be replaced now (loadable, and writable
 * keeping its owner, group and mode)? SL_OK or the error with a sentence in
 * msg. Call before changing anything else, so that a refusal leaves every
 * file as it was. */
enum sl_err account_passwd_check(const char *path, char *msg, size_t size);

/* Write u's line into the password file at path: a new or replaced line
 * with password hashed at the site's cost (password non-NULL), or the
 * existing line brought up to date (password NULL; SL_ERR_NOT_FOUND without
 * one). home_only as for account_entry(). msg gets a sentence on failure. */
enum sl_err account_passwd_apply(const char *path, const struct sl_user *u,
		const char *password, bool home_only, char *msg, size_t size);

#endif
