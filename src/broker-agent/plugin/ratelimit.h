/*
 * ratelimit.h - per-sender limits on what people's accounts publish, applied
 * by the plugin to every message before Mosquitto routes it: a token
 * bucket per account (rate messages a second, burst at most) and a payload
 * size limit per role. Excess messages are dropped at the broker and
 * counted; once report_ms has passed since an account's first drop,
 * limits_flush() hands out one report per account (how many dropped for
 * rate and for size) so the agent can audit and alert once, never per
 * message.
 *
 * Only the people's roles (owner, resident, guest) are limited, each
 * account on its own bucket, so one account's flood never spends another's
 * allowance. The daemons' accounts (agent, lock) are never limited. The
 * table holds LIMITS_SLOTS accounts; when it is full, accounts without a
 * slot share one overflow bucket (fail closed, not open). Times are
 * monotonic ms from the caller. Not thread-safe (Mosquitto's one thread).
 */
#ifndef SMARTLOCK_PLUGIN_RATELIMIT_H
#define SMARTLOCK_PLUGIN_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/passwd.h"

#define LIMITS_SLOTS 16384              /* > the 10,000 users a building has */

struct limits_config {
	int64_t rate;                   /* messages a second per account (people) */
	int64_t burst;                  /* bucket size */
	int64_t owner_rate, owner_burst;        /* owners' own, higher allowance */
	int64_t user_max_payload;       /* bytes, for people's accounts */
	int64_t report_ms;              /* an account's drops are reported this late */
};

enum limits_verdict { LIMITS_PASS, LIMITS_DROP_RATE, LIMITS_DROP_SIZE };

struct limits_report {
	const char *user;
	enum sl_passwd_role role;
	uint64_t rate_dropped, size_dropped;
	uint64_t squat_refused;         /* logins asking for a reserved client id */
	const char *last_id;            /* the last such id ("" if none) */
	int64_t first_ms;               /* monotonic time of the first drop */
	int64_t span_ms;                /* from the first drop to the report */
};

struct limits;

/* The defaults: 5/s burst 20 for residents and guests, 20/s burst 100 for
 * owners, 4096-byte payloads, reports 10 s after the first drop. */
void limits_config_defaults(struct limits_config *c);

struct limits *limits_create(void);
void limits_destroy(struct limits *l);

/* Should a publish of payloadlen bytes by user (role) at now pass? */
enum limits_verdict limits_check(struct limits *l, const struct limits_config *c,
		const char *user, enum sl_passwd_role role, uint32_t payloadlen, int64_t now);

/* Count a login of user refused for asking for client id (reserved for
 * another account; clientid.h), reported with the drops. */
void limits_note_squat(struct limits *l, const char *user, enum sl_passwd_role role,
		const char *id, int64_t now);

/* Call fn for each account whose first unreported drop is at least
 * report_ms old (all of them when force), then forget its counts. */
void limits_flush(struct limits *l, int64_t now, int64_t report_ms, bool force,
		void (*fn)(void *ctx, const struct limits_report *r), void *ctx);

#endif
