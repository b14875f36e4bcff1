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
 * Written atomically by the agent and smartlockctl; read by the plugin.
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
};

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

#endif
