/*
 * clientid.h - client ids reserved for their own accounts, so that no other
 * account can squat them while their owner is away (a guest connecting as
 * "smartlock-agent" with a persistent session would otherwise lock the
 * agent out until the broker restarts):
 *   "smartlock-agent", and every id starting with "smartlock-": the agent
 *       role only (the daemons' ids);
 *   "lockd-<lock>": the lock account <lock> only;
 *   "<name>-...", where <name> is an account in the password file: that
 *       account only (the clients name themselves "<user>-<program>-<pid>").
 * The rightful account's login under its reserved id always wins: a stored
 * session or an entry of another account does not block it (sessions.h).
 *
 * Pure; the password file is consulted through the caller's lookup.
 */
#ifndef SMARTLOCK_PLUGIN_CLIENTID_H
#define SMARTLOCK_PLUGIN_CLIENTID_H

#include <stdbool.h>

#include "smartlock/passwd.h"

enum clientid_claim {
	CLIENTID_FREE,          /* not reserved: the usual first-come rules */
	CLIENTID_OWN,           /* reserved for this very account */
	CLIENTID_FORBIDDEN,     /* reserved for someone else */
};

/* May user (role) use id? exists(name, ctx) says whether an account name
 * exists. */
enum clientid_claim clientid_claim(const char *id, const char *user,
		enum sl_passwd_role role, bool (*exists)(const char *name, void *ctx), void *ctx);

#endif
