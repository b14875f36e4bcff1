/* logincost.c - a hashing budget and a cache of verified logins. */
#include <string.h>
#include <sys/random.h>

#include "logincost.h"
#include "smartlock/sign.h"

void logincost_config_defaults(struct logincost_config *c)
{
	c->rate_ms = 10;
	c->burst_ms = 0;
	c->ttl_ms = 3600 * 1000;
}

int logincost_init(struct logincost *lc, const struct logincost_config *c, int64_t now)
{
	memset(lc, 0, sizeof(*lc));
	lc->cfg = *c;
	lc->tokens_us = c->burst_ms * 1000;
	lc->last_ms = now;
	return getrandom(lc->key, sizeof(lc->key), 0) == (ssize_t)sizeof(lc->key) ? 0 : -1;
}

void logincost_forget(struct logincost *lc)
{
	memset(lc->cache, 0, sizeof(lc->cache));
}

static bool mac_of(const struct logincost *lc, const char *user, const char *hash,
		const char *password, unsigned char out[32])
{
	size_t nu = strlen(user) + 1, nh = strlen(hash) + 1, np = strlen(password);
	char buf[SL_NAME_MAX + 1 + 256 + 512];
	bool ok;

	if (nu > SL_NAME_MAX + 1 || nh > 256 || np > 512)
		return false;
	memcpy(buf, user, nu);
	memcpy(buf + nu, hash, nh);
	memcpy(buf + nu + nh, password, np);
	ok = sign_hmac_sha256(lc->key, sizeof(lc->key), buf, nu + nh + np, out) == SL_OK;
	memset(buf, 0, sizeof(buf));
	return ok;
}

static size_t slot_of(const char *user)
{
	uint32_t h = 2166136261u;

	for (; *user; user++)
		h = (h ^ (unsigned char)*user) * 16777619u;
	return h % LOGINCOST_CACHE_SLOTS;
}

/* Constant-time comparison of two MACs. */
static bool same(const unsigned char *a, const unsigned char *b)
{
	unsigned char d = 0;

	for (size_t i = 0; i < 32; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool logincost_known(struct logincost *lc, const char *user, const char *hash,
		const char *password, int64_t now)
{
	struct logincost_entry *e = &lc->cache[slot_of(user)];
	unsigned char mac[32];
	bool hit;

	if (e->expires <= now || strcmp(e->user, user) != 0 ||
			!mac_of(lc, user, hash, password, mac))
		return false;
	hit = same(mac, e->mac);
	memset(mac, 0, sizeof(mac));
	return hit;
}

void logincost_remember(struct logincost *lc, const char *user, const char *hash,
		const char *password, int64_t now)
{
	struct logincost_entry *e = &lc->cache[slot_of(user)];

	if (strlen(user) > SL_NAME_MAX || !mac_of(lc, user, hash, password, e->mac)) {
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(e->user, user, strlen(user) + 1);
	e->expires = now + lc->cfg.ttl_ms;
}

bool logincost_may_hash(struct logincost *lc, int64_t now)
{
	int64_t cap = lc->cfg.burst_ms * 1000;

	if (now > lc->last_ms) {
		int64_t add = (now - lc->last_ms) * lc->cfg.rate_ms;    /* us */

		lc->tokens_us = add >= cap - lc->tokens_us ? cap : lc->tokens_us + add;
	}
	lc->last_ms = now;
	return lc->tokens_us >= 0;
}

void logincost_spent(struct logincost *lc, int64_t ns)
{
	lc->tokens_us -= ns / 1000;
}
