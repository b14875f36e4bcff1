/*
 * sessions.h - which account each MQTT client id belongs to, so that no
 * account can take over another one's session.
 *
 * In MQTT a new connection with a client id that is already in use ends the
 * old connection and may resume its session. Left alone, a guest who knows
 * the agent's client id could throw the agent off the broker again and
 * again, or resume its persistent session. The plugin records the owner
 * (user name) of each client id when a login succeeds, and refuses a login
 * by another account under an id that is connected, or whose persistent
 * session the broker still keeps. The same account may always reconnect
 * under its own id. Entries of accounts that no longer exist are dropped.
 *
 * The table is bounded (SESSIONS_MAX); when it is full the oldest entry of
 * a disconnected persistent session is forgotten, and if every entry is a
 * live connection the new login is refused. Not thread-safe (Mosquitto's
 * one thread); client ids are copied.
 */
#ifndef SMARTLOCK_PLUGIN_SESSIONS_H
#define SMARTLOCK_PLUGIN_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>

#define SESSIONS_MAX 8192
#define SESSIONS_ID_MAX 256     /* longer client ids are refused */

struct sessions;

struct sessions *sessions_create(size_t max);
void sessions_destroy(struct sessions *s);

enum sessions_verdict {
	SESSIONS_OK,            /* the id is free or already this account's */
	SESSIONS_TAKEN,         /* another account holds the id */
	SESSIONS_FULL,          /* no room to record another live connection */
	SESSIONS_BAD_ID,        /* no id, or an id longer than SESSIONS_ID_MAX */
};

/* May user connect under id? *holder (if not NULL) gets the account that
 * holds it (valid until the table changes). */
enum sessions_verdict sessions_check(const struct sessions *s, const char *id,
		const char *user, const char **holder);

/* A login of user under id succeeded on connection conn (an opaque
 * pointer that identifies the connection until it ends): record it. */
enum sessions_verdict sessions_connected(struct sessions *s, const void *conn,
		const char *id, const char *user);

/* Connection conn ended (connections never recorded are ignored);
 * persistent = the broker keeps its session. The id's entry goes when no
 * recorded connection under it is left and the session is not persistent
 * (a same-account takeover ends the old connection after the new one
 * logged in, so the id stays held). */
void sessions_disconnected(struct sessions *s, const void *conn, bool persistent);

/* Has user a recorded connection that has not ended? */
bool sessions_user_live(const struct sessions *s, const char *user);

/* Forget every entry of user (its account was removed). */
void sessions_forget_user(struct sessions *s, const char *user);

size_t sessions_count(const struct sessions *s);

#endif
