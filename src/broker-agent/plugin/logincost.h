/*
 * logincost.h - bounds on what password checks cost Mosquitto's only
 * thread. A PBKDF2-SHA512 check at 100,000 iterations takes tens of ms on a
 * Pi; strangers spreading guesses over many addresses (the per-address
 * throttle allows a few each) could keep the broker hashing while the
 * household's messages wait. Two parts, neither weakening the stored hash:
 *
 *   - a budget for failed logins from the network (not the Unix socket,
 *     where the daemons and the console on the Pi connect): the time spent
 *     hashing passwords that turned out wrong is charged as a debt paid
 *     back at rate_ms a second (burst_ms may be saved up beforehand). While
 *     in debt, a network login whose credentials are not known good is
 *     refused at once, without hashing, so failed checks never run back to
 *     back. Successful logins are not charged, so without an attack every
 *     device gets in at once;
 *   - a cache of credentials verified recently (ttl_ms): HMAC-SHA256 under
 *     a random key made at start of (user, stored hash, password), so an
 *     account's own devices reconnect without hashing, even while the
 *     budget is spent. Changing the password (the stored hash) or the
 *     broker restarting voids every entry; nothing is written to disk.
 *
 * Times are monotonic; not thread-safe (Mosquitto's one thread).
 */
#ifndef SMARTLOCK_PLUGIN_LOGINCOST_H
#define SMARTLOCK_PLUGIN_LOGINCOST_H

#include <stdbool.h>
#include <stdint.h>

#include "smartlock/topic.h"

#define LOGINCOST_CACHE_SLOTS 1024

struct logincost_config {
	int64_t rate_ms;                /* hashing allowed per second */
	int64_t burst_ms;
	int64_t ttl_ms;                 /* how long a verified login is remembered */
};

struct logincost_entry {
	char user[SL_NAME_MAX + 1];
	unsigned char mac[32];
	int64_t expires;                /* monotonic ms; 0 = free */
};

struct logincost {
	struct logincost_config cfg;
	unsigned char key[32];
	int64_t tokens_us;              /* hashing time left in the budget */
	int64_t last_ms;
	struct logincost_entry cache[LOGINCOST_CACHE_SLOTS];
};

/* Defaults: 10 ms of failed hashing a second (1 % of the broker's time:
 * one failed check of 48 ms every 4.8 s), nothing saved up, verified
 * logins remembered for an hour. */
void logincost_config_defaults(struct logincost_config *c);

/* Start with a full budget and a new random key. 0, or -1 without one. */
int logincost_init(struct logincost *lc, const struct logincost_config *c, int64_t now);

/* Forget every remembered login (and the key's use so far). */
void logincost_forget(struct logincost *lc);

/* Was this exact (user, stored hash, password) verified within ttl? */
bool logincost_known(struct logincost *lc, const char *user, const char *hash,
		const char *password, int64_t now);

/* Remember a successful check. */
void logincost_remember(struct logincost *lc, const char *user, const char *hash,
		const char *password, int64_t now);

/* May a network login be hashed now? */
bool logincost_may_hash(struct logincost *lc, int64_t now);

/* Charge the budget for a failed check that took ns. */
void logincost_spent(struct logincost *lc, int64_t ns);

#endif
