/* account.c - user account rules and the one writer of the broker's
 * password file (see account.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "smartlock/account.h"
#include "smartlock/atomicfile.h"
#include "smartlock/topic.h"

enum sl_passwd_role account_broker_role(enum sl_role role)
{
	switch (role) {
	case SL_ROLE_OWNER:
		return SL_PW_OWNER;
	case SL_ROLE_RESIDENT:
		return SL_PW_RESIDENT;
	default:
		return SL_PW_GUEST;
	}
}

enum sl_err account_new_user(struct sl_user *u, const char *name, enum sl_role role,
		const char *guest_lock, int64_t now_ms)
{
	const char *locks = role == SL_ROLE_GUEST ? guest_lock : "*";
	int n;

	memset(u, 0, sizeof(*u));
	if (!name || topic_check_name(name) != SL_OK || !locks || !locks[0])
		return SL_ERR_INVAL;
	snprintf(u->name, sizeof(u->name), "%s", name);
	n = snprintf(u->locks, sizeof(u->locks), "%s", locks);
	if (n < 0 || (size_t)n >= sizeof(u->locks))
		return SL_ERR_INVAL;
	u->role = role;
	u->status = SL_USER_ACTIVE;
	u->alerts = role == SL_ROLE_OWNER;
	u->created = now_ms;
	return SL_OK;
}

void account_entry(const struct sl_user *u, const struct sl_passwd_entry *old,
		bool home_only, struct sl_passwd_entry *out)
{
	memset(out, 0, sizeof(*out));
	if (old) {
		*out = *old;
		home_only = old->home_only;
	}
	snprintf(out->name, sizeof(out->name), "%s", u->name);
	out->role = account_broker_role(u->role);
	out->home_only = home_only || u->role == SL_ROLE_GUEST;
	out->enabled = u->status == SL_USER_ACTIVE;
	out->alerts = u->alerts || u->role == SL_ROLE_OWNER;
}

unsigned account_hash_cost(const struct passwd_file *pf)
{
	const struct sl_passwd_entry *e = pf ? passwd_find(pf, "agent") : NULL;
	unsigned iterations;

	if (!e && pf && passwd_count(pf) > 0)
		e = passwd_at(pf, 0);
	if (e && passwd_hash_check(e->hash, &iterations) == SL_OK)
		return iterations;
	return SL_PBKDF2_ITERATIONS;
}

enum sl_err account_passwd_check(const char *path, char *msg, size_t size)
{
	struct passwd_file *pf = passwd_load(path, msg, size);

	if (!pf)
		return SL_ERR_IO;
	passwd_destroy(pf);
	return atomic_check_replace(path, msg, size);
}

static enum sl_err set_line(struct passwd_file *pf, const struct sl_user *u,
		const char *password, bool home_only)
{
	const struct sl_passwd_entry *old = passwd_find(pf, u->name);
	struct sl_passwd_entry e;
	enum sl_err rc;

	if (!old && !password)
		return SL_ERR_NOT_FOUND;
	account_entry(u, old, home_only, &e);
	rc = SL_OK;
	if (password)
		rc = passwd_hash_iter(password, account_hash_cost(pf), e.hash, sizeof(e.hash));
	if (rc == SL_OK)
		rc = passwd_set(pf, &e);
	OPENSSL_cleanse(&e, sizeof(e));
	return rc;
}

enum sl_err account_passwd_apply(const char *path, const struct sl_user *u,
		const char *password, bool home_only, char *msg, size_t size)
{
	struct passwd_file *pf;
	enum sl_err rc;

	rc = atomic_check_replace(path, msg, size);
	if (rc != SL_OK)
		return rc;
	pf = passwd_load(path, msg, size);
	if (!pf)
		return SL_ERR_IO;
	rc = set_line(pf, u, password, home_only);
	if (rc == SL_OK)
		rc = passwd_save(pf, path);
	passwd_destroy(pf);
	if (rc != SL_OK && msg && size)
		snprintf(msg, size, "%s: cannot %s the account of %s: %s", path,
				rc == SL_ERR_NOT_FOUND ? "find" : "update", u->name, sl_strerror(rc));
	return rc;
}
