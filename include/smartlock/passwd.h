/*
 * passwd.h - the broker plugin's password file: per user the role, a salted
 * PBKDF2-SHA512 password hash and where the user may connect from.
 *
 * One line per account, fields separated by ':':
 *   name:role:origin:state:$pbkdf2-sha512$<iterations>$<salt b64>$<hash b64>
 * role is owner|resident|guest|agent|lock; origin is "home" (only from the
 * configured home networks) or "any"; state is "on" or "off" (a disabled or
 * revoked user keeps its line, switched off, and may not connect). The
 * agent (account "agent"), each lock (account = its lock id) and every user
 * has a line. '#' lines and blank lines are ignored. Mode 0640, readable by
 * the mosquitto group; it holds no signing key and no clear password.
 * Written atomically by the agent and smartlockctl, both through
 * account_passwd_apply() (account.h), keeping owner, group and mode; read
 * by the plugin.
 *
 * (added) An optional sixth field says whether the account receives
 * securityAlert: "alerts" or "noalerts" (absent = "noalerts"); owners
 * always receive alerts whatever it says. Old five-field lines stay valid;
 * passwd_save writes six fields. The iteration count of each hash is
 * recorded in the hash itself, from SL_PBKDF2_MIN_ITERATIONS to
 * SL_PBKDF2_MAX_ITERATIONS; the salt is 16 random bytes and the hash 64
 * bytes, both base64url without padding. passwd_load refuses a file that is
 * writable by group or others or readable by others (SL_ERR_PERM, named in
 * msg), a malformed or duplicate line, or more than SL_PASSWD_ENTRIES_MAX
 * accounts.
 * Entries are kept sorted by name; passwd_at() walks them in that order.
 * Not thread-safe; a struct passwd_file belongs to its creator.
 */
#ifndef SMARTLOCK_PASSWD_H
#define SMARTLOCK_PASSWD_H

#include <stdbool.h>
#include <stddef.h>

#include "smartlock/error.h"
#include "smartlock/topic.h"

#define SL_PBKDF2_ITERATIONS 100000
#define SL_PASSWD_HASH_MAX 192

enum sl_passwd_role {
	SL_PW_OWNER, SL_PW_RESIDENT, SL_PW_GUEST, SL_PW_AGENT, SL_PW_LOCK,
};

struct sl_passwd_entry {
	char name[SL_NAME_MAX + 1];
	enum sl_passwd_role role;
	bool home_only;
	bool enabled;
	char hash[SL_PASSWD_HASH_MAX];
	bool alerts;            /* (added) sixth field: receives securityAlert */
};

/* (added) */
#define SL_PBKDF2_MIN_ITERATIONS 1000
#define SL_PBKDF2_MAX_ITERATIONS 10000000
#define SL_PASSWD_FILE_MAX (2 * 1024 * 1024)
#define SL_PASSWD_ENTRIES_MAX 8192

struct passwd_file;

struct passwd_file *passwd_create(void);
/* NULL on error with an explanation naming file and line in msg. */
struct passwd_file *passwd_load(const char *path, char *msg, size_t msg_size);
enum sl_err passwd_save(const struct passwd_file *pf, const char *path);
void passwd_destroy(struct passwd_file *pf);

const struct sl_passwd_entry *passwd_find(const struct passwd_file *pf, const char *name);
size_t passwd_count(const struct passwd_file *pf);
const struct sl_passwd_entry *passwd_at(const struct passwd_file *pf, size_t i);
/* Add or replace by name. */
enum sl_err passwd_set(struct passwd_file *pf, const struct sl_passwd_entry *e);
enum sl_err passwd_remove(struct passwd_file *pf, const char *name);

/* Hash password with a fresh random salt into out (SL_PASSWD_HASH_MAX). */
enum sl_err passwd_hash(const char *password, char *out, size_t size);
/* SL_OK when password matches hash; SL_ERR_PERM when it does not. The
 * comparison is constant-time. */
enum sl_err passwd_verify(const char *password, const char *hash);

/* A random printable password (base64url of 18 random bytes). */
enum sl_err passwd_generate(char *out, size_t size);

/* (added) passwd_hash() with a chosen iteration count (tests and small
 * devices use fewer); SL_ERR_RANGE outside the MIN..MAX bounds. */
enum sl_err passwd_hash_iter(const char *password, unsigned iterations,
		char *out, size_t size);
/* (added) SL_OK when hash is a well-formed hash of this format; its
 * iteration count into *iterations (may be NULL). */
enum sl_err passwd_hash_check(const char *hash, unsigned *iterations);
/* (added) "owner", "resident", "guest", "agent", "lock"; NULL out of range.
 * parse returns SL_OK or SL_ERR_BAD_VALUE. */
const char *passwd_role_name(enum sl_passwd_role role);
enum sl_err passwd_role_parse(const char *s, enum sl_passwd_role *out);

#endif
