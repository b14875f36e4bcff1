/*
 * topic.h - the smartlock MQTT topic tree: building and parsing topics, and
 * validating the names (lock ids and user names) that appear in them.
 *
 * Every topic is "smartlock/<lock>/<kind>" or "smartlock/<lock>/<kind>/<user>"
 * (see man/smartlock-protocol.7), plus one site topic,
 * "smartlock/_site/loginFailed", on which the broker plugin reports failed
 * logins to the agent. Names are 1..SL_NAME_MAX bytes of [A-Za-z0-9._-], not
 * starting with '.', '_' or '-'; so they can never contain MQTT wildcards,
 * a level separator, NUL or control characters, and never collide with the
 * "_site" level. Each violation has its own error code.
 *
 * All functions are pure and thread-safe; buffers belong to the caller.
 */
#ifndef SMARTLOCK_TOPIC_H
#define SMARTLOCK_TOPIC_H

#include <stddef.h>

#include "smartlock/error.h"

#define SL_NAME_MAX 32          /* bytes, without the terminating NUL */
#define SL_TOPIC_MAX 96         /* enough for any topic of the tree, with NUL */
#define SL_TOPIC_ROOT "smartlock"
#define SL_TOPIC_LOGIN_FAILED "smartlock/_site/loginFailed"
/* the plugin's reports of what it dropped or refused per account */
#define SL_TOPIC_ABUSE "smartlock/_site/abuse"
#define SL_DEFAULT_LOCK "front-door"

enum sl_topic_kind {
	SL_TOPIC_LOCK_REQ,      /* lockReq/<user>  user -> agent */
	SL_TOPIC_LOCK_RES,      /* lockRes/<user>  agent -> user */
	SL_TOPIC_LOCK,          /* lock            agent -> lockd */
	SL_TOPIC_LOCK_STATUS,   /* lockStatus      lockd -> agent */
	SL_TOPIC_HEALTH,        /* health          lockd -> all (retained) */
	SL_TOPIC_STATE,         /* state           agent -> all (retained) */
	SL_TOPIC_ALERT,         /* securityAlert   agent -> owners */
	SL_TOPIC_LOG,           /* log             agent -> owners */
	SL_TOPIC_ADMIN,         /* admin/<user>    owner -> agent */
	SL_TOPIC_ADMIN_RES,     /* adminRes/<user> agent -> owner */
	SL_TOPIC_LOGIN_FAILED_, /* smartlock/_site/loginFailed, plugin -> agent */
	SL_TOPIC_KIND_COUNT_
};

struct sl_topic {
	enum sl_topic_kind kind;
	char lock[SL_NAME_MAX + 1];     /* "" for the site topic */
	char user[SL_NAME_MAX + 1];     /* "" for kinds without a user level */
};

/* Check a lock id or user name; SL_OK or the specific SL_ERR_NAME_* code. */
enum sl_err topic_check_name(const char *name);

/* The level name of a kind ("lockReq"); NULL for an out-of-range kind. */
const char *topic_kind_name(enum sl_topic_kind kind);

/* True for kinds whose topic ends in /<user>. */
int topic_kind_has_user(enum sl_topic_kind kind);

/*
 * Write the topic for kind/lock/user into buf (size bytes). user is ignored
 * (may be NULL) for kinds without a user level. Returns SL_OK, a name error,
 * SL_ERR_INVAL for a bad kind, or SL_ERR_TOO_LONG if buf is too small.
 */
enum sl_err topic_build(char *buf, size_t size, enum sl_topic_kind kind,
		const char *lock, const char *user);

/* Parse a topic string into out. Returns SL_OK, SL_ERR_TOPIC_PREFIX,
 * SL_ERR_TOPIC_UNKNOWN or a name error for the lock or user level. */
enum sl_err topic_parse(const char *topic, struct sl_topic *out);

#endif
