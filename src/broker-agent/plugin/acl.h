/*
 * acl.h - which MQTT topics each smartlock identity may use: a pure,
 * table-driven decision from (role, own name, alert opt-in, topic or
 * subscription filter, access, retain flag) to allow or deny.
 *
 * The table in acl.c is the topic table of the design made exact:
 *   owner     publishes lockReq/<self>, admin/<self>; reads lockRes/<self>,
 *             adminRes/<self>, state, health, securityAlert, log
 *   resident  publishes lockReq/<self>; reads lockRes/<self>, state, health,
 *             and securityAlert when it opted in to alerts
 *   guest     publishes lockReq/<self>; reads lockRes/<self>, state, health
 *   agent     publishes every topic of the tree under any lock (never the
 *             site topic); reads and subscribes to anything under
 *             "smartlock/", the site topic loginFailed included
 *   lock      publishes its own lockStatus and health (its last will);
 *             reads its own lock topic
 * all under "smartlock/<any lock>/" except for the lock, which is confined
 * to its own id. Users may not publish retained messages. A subscription
 * filter is allowed only when every topic it can match is readable, so "#",
 * "smartlock/#", "$SYS/#" and anybody else's lockRes are refused to users,
 * while "smartlock/+/state" is fine. Anything the table does not grant is
 * denied: unknown roles, empty levels, wildcards in a publish topic, '$'
 * topics, names that are not valid lock ids or user names.
 *
 * Pure and thread-safe; no allocation.
 */
#ifndef SMARTLOCK_PLUGIN_ACL_H
#define SMARTLOCK_PLUGIN_ACL_H

#include <stdbool.h>

#include "smartlock/passwd.h"

enum acl_access {
	ACL_READ,               /* a message is about to be delivered */
	ACL_WRITE,              /* the client publishes (or sets a will) */
	ACL_SUBSCRIBE,          /* the client subscribes with a filter */
};

struct acl_identity {
	enum sl_passwd_role role;
	const char *name;       /* broker user name = lock id for locks */
	bool alerts;            /* opted in to securityAlert */
};

/* True when id may perform access on topic (a filter for ACL_SUBSCRIBE).
 * retain is the retain flag of a publish; ignored for other access. */
bool acl_check(const struct acl_identity *id, enum acl_access access,
		const char *topic, bool retain);

#endif
