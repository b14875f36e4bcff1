/* acl.c - the per-identity topic table of smartlock_auth and its matcher. */
#include <stddef.h>
#include <string.h>

#include "acl.h"
#include "smartlock/topic.h"

#define MAX_LEVELS 8

enum rule_op {
	OP_PUB = 1,             /* publish, last will included */
	OP_READ = 2,            /* receive and subscribe */
};

enum rule_cond {
	COND_NONE,
	COND_ALERTS,            /* owners always; others when opted in */
};

/*
 * Pattern levels: a literal; "{lock}" any valid lock id; "{name}" any valid
 * user name; "{self}" exactly the identity's own name; "#" (last level
 * only) any remainder. A subscription filter level "+" matches only
 * "{lock}"/"{name}" levels, a filter "#" only a pattern "#".
 */
struct acl_rule {
	enum sl_passwd_role role;
	unsigned ops;
	bool retain_ok;
	enum rule_cond cond;
	const char *pattern;
};

static const struct acl_rule rules[] = {
	/* owners */
	{SL_PW_OWNER, OP_PUB, false, COND_NONE, "smartlock/{lock}/lockReq/{self}"},
	{SL_PW_OWNER, OP_PUB, false, COND_NONE, "smartlock/{lock}/admin/{self}"},
	{SL_PW_OWNER, OP_READ, false, COND_NONE, "smartlock/{lock}/lockRes/{self}"},
	{SL_PW_OWNER, OP_READ, false, COND_NONE, "smartlock/{lock}/adminRes/{self}"},
	{SL_PW_OWNER, OP_READ, false, COND_NONE, "smartlock/{lock}/state"},
	{SL_PW_OWNER, OP_READ, false, COND_NONE, "smartlock/{lock}/health"},
	{SL_PW_OWNER, OP_READ, false, COND_ALERTS, "smartlock/{lock}/securityAlert"},
	{SL_PW_OWNER, OP_READ, false, COND_NONE, "smartlock/{lock}/log"},
	/* residents */
	{SL_PW_RESIDENT, OP_PUB, false, COND_NONE, "smartlock/{lock}/lockReq/{self}"},
	{SL_PW_RESIDENT, OP_READ, false, COND_NONE, "smartlock/{lock}/lockRes/{self}"},
	{SL_PW_RESIDENT, OP_READ, false, COND_NONE, "smartlock/{lock}/state"},
	{SL_PW_RESIDENT, OP_READ, false, COND_NONE, "smartlock/{lock}/health"},
	{SL_PW_RESIDENT, OP_READ, false, COND_ALERTS, "smartlock/{lock}/securityAlert"},
	/* a resident who gets alerts asks the agent for their alert history;
	 * the agent answers that operation only (admin.c) */
	{SL_PW_RESIDENT, OP_PUB, false, COND_ALERTS, "smartlock/{lock}/admin/{self}"},
	{SL_PW_RESIDENT, OP_READ, false, COND_ALERTS, "smartlock/{lock}/adminRes/{self}"},
	/* guests */
	{SL_PW_GUEST, OP_PUB, false, COND_NONE, "smartlock/{lock}/lockReq/{self}"},
	{SL_PW_GUEST, OP_READ, false, COND_NONE, "smartlock/{lock}/lockRes/{self}"},
	{SL_PW_GUEST, OP_READ, false, COND_NONE, "smartlock/{lock}/state"},
	{SL_PW_GUEST, OP_READ, false, COND_NONE, "smartlock/{lock}/health"},
	/* the agent: every topic of the tree, any lock; reads the site topic */
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/lockReq/{name}"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/lockRes/{name}"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/admin/{name}"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/adminRes/{name}"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/lock"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/lockStatus"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/health"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/state"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/securityAlert"},
	{SL_PW_AGENT, OP_PUB, true, COND_NONE, "smartlock/{lock}/log"},
	{SL_PW_AGENT, OP_READ, false, COND_NONE, "smartlock/#"},
	/* a lock: its own status and heartbeat out, its own commands in */
	{SL_PW_LOCK, OP_PUB, true, COND_NONE, "smartlock/{self}/lockStatus"},
	{SL_PW_LOCK, OP_PUB, true, COND_NONE, "smartlock/{self}/health"},
	{SL_PW_LOCK, OP_READ, false, COND_NONE, "smartlock/{self}/lock"},
};

/* A level: not NUL-terminated. */
struct level {
	const char *s;
	size_t n;
};

/* Split at '/'; 0 when there are more than max levels. */
static size_t split(const char *t, struct level *lv, size_t max)
{
	size_t n = 0;
	const char *start = t;

	for (const char *p = t;; p++) {
		if (*p == '/' || *p == '\0') {
			if (n == max)
				return 0;
			lv[n].s = start;
			lv[n].n = (size_t)(p - start);
			n++;
			if (*p == '\0')
				break;
			start = p + 1;
		}
	}
	return n;
}

static bool level_is(const struct level *l, const char *lit)
{
	return strlen(lit) == l->n && memcmp(l->s, lit, l->n) == 0;
}

/* A lock id or user name as one topic level. */
static bool level_is_name(const struct level *l)
{
	char buf[SL_NAME_MAX + 1];

	if (l->n == 0 || l->n > SL_NAME_MAX)
		return false;
	memcpy(buf, l->s, l->n);
	buf[l->n] = '\0';
	return topic_check_name(buf) == SL_OK;
}

/* Does the topic (or filter) level t fall within pattern level p? */
static bool level_match(const struct level *p, const struct level *t,
		bool filter, const char *self)
{
	bool plus = filter && level_is(t, "+");

	if (level_is(p, "{lock}") || level_is(p, "{name}"))
		return plus || level_is_name(t);
	if (level_is(p, "{self}"))
		return !plus && self && level_is(t, self) && level_is_name(t);
	/* a literal level: only the same literal (never a wildcard) */
	return t->n == p->n && memcmp(t->s, p->s, p->n) == 0;
}

/* Every topic matched by t is matched by pattern. */
static bool pattern_covers(const char *pattern, const struct level *tl, size_t tn,
		bool filter, const char *self)
{
	struct level pl[MAX_LEVELS];
	size_t pn = split(pattern, pl, MAX_LEVELS);

	if (pn == 0)
		return false;
	for (size_t i = 0; i < pn; i++) {
		if (level_is(&pl[i], "#"))
			return i + 1 == pn && tn >= i;
		if (i >= tn)
			return false;
		if (!level_match(&pl[i], &tl[i], filter, self))
			return false;
	}
	return tn == pn;
}

static bool has_wildcard(const char *t)
{
	return strpbrk(t, "+#") != NULL;
}

bool acl_check(const struct acl_identity *id, enum acl_access access,
		const char *topic, bool retain)
{
	struct level tl[MAX_LEVELS];
	unsigned op;
	bool filter = access == ACL_SUBSCRIBE;
	size_t tn;

	if (!id || !id->name || !topic || topic_check_name(id->name) != SL_OK)
		return false;
	switch (access) {
	case ACL_READ:
		op = OP_READ;
		break;
	case ACL_SUBSCRIBE:
		op = OP_READ;
		break;
	case ACL_WRITE:
		op = OP_PUB;
		break;
	default:
		return false;
	}
	if (topic[0] == '\0' || topic[0] == '$' || strlen(topic) >= SL_TOPIC_MAX)
		return false;
	if (!filter && has_wildcard(topic))
		return false;
	tn = split(topic, tl, MAX_LEVELS);
	if (tn == 0)
		return false;
	for (size_t i = 0; i < tn; i++) {
		if (tl[i].n == 0)
			return false;
	}
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct acl_rule *r = &rules[i];

		if (r->role != id->role || !(r->ops & op))
			continue;
		if (op == OP_PUB && retain && !r->retain_ok)
			continue;
		if (r->cond == COND_ALERTS && id->role != SL_PW_OWNER && !id->alerts)
			continue;
		if (pattern_covers(r->pattern, tl, tn, filter, id->name))
			return true;
	}
	return false;
}
