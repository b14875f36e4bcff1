/* topic.c - build and parse the smartlock MQTT topic tree and check names. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/topic.h"

#define SITE_LEVEL "_site"

struct kind_info {
	const char *name;
	bool has_user;
};

/* Indexed by enum sl_topic_kind. */
static const struct kind_info kinds[SL_TOPIC_KIND_COUNT_] = {
	[SL_TOPIC_LOCK_REQ] = {"lockReq", true},
	[SL_TOPIC_LOCK_RES] = {"lockRes", true},
	[SL_TOPIC_LOCK] = {"lock", false},
	[SL_TOPIC_LOCK_STATUS] = {"lockStatus", false},
	[SL_TOPIC_HEALTH] = {"health", false},
	[SL_TOPIC_STATE] = {"state", false},
	[SL_TOPIC_ALERT] = {"securityAlert", false},
	[SL_TOPIC_LOG] = {"log", false},
	[SL_TOPIC_ADMIN] = {"admin", true},
	[SL_TOPIC_ADMIN_RES] = {"adminRes", true},
	[SL_TOPIC_LOGIN_FAILED_] = {"loginFailed", false},
};

struct kind_entry {
	const char *name;
	enum sl_topic_kind kind;
};

/* The kinds that appear under smartlock/<lock>/, sorted by strcmp on name
 * for bsearch. (loginFailed lives only under the site level.) */
static const struct kind_entry kinds_sorted[] = {
	{"admin", SL_TOPIC_ADMIN},
	{"adminRes", SL_TOPIC_ADMIN_RES},
	{"health", SL_TOPIC_HEALTH},
	{"lock", SL_TOPIC_LOCK},
	{"lockReq", SL_TOPIC_LOCK_REQ},
	{"lockRes", SL_TOPIC_LOCK_RES},
	{"lockStatus", SL_TOPIC_LOCK_STATUS},
	{"log", SL_TOPIC_LOG},
	{"securityAlert", SL_TOPIC_ALERT},
	{"state", SL_TOPIC_STATE},
};

/* A level of a topic: not NUL-terminated. */
struct level {
	const char *s;
	size_t n;
};

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static bool is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9');
}

static bool contains_byte_where(const char *s, size_t n, bool (*pred)(unsigned char))
{
	for (size_t i = 0; i < n; i++) {
		if (pred((unsigned char)s[i]))
			return true;
	}
	return false;
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool is_wildcard(unsigned char c)
{
	return c == '+' || c == '#';
}

static bool is_slash(unsigned char c)
{
	return c == '/';
}

static bool is_not_name_char(unsigned char c)
{
	return !is_name_char(c);
}

/* Checks in a fixed order so that each violation gets its own code. */
static enum sl_err check_name_n(const char *s, size_t n)
{
	if (n == 0)
		return SL_ERR_NAME_EMPTY;
	if (contains_byte_where(s, n, is_control))
		return SL_ERR_NAME_CONTROL;
	if (contains_byte_where(s, n, is_wildcard))
		return SL_ERR_NAME_WILDCARD;
	if (contains_byte_where(s, n, is_slash))
		return SL_ERR_NAME_SLASH;
	if (n > SL_NAME_MAX)
		return SL_ERR_NAME_TOO_LONG;
	if (!is_alnum((unsigned char)s[0]) || contains_byte_where(s, n, is_not_name_char))
		return SL_ERR_NAME_CHARSET;
	return SL_OK;
}

enum sl_err topic_check_name(const char *name)
{
	if (!name)
		return SL_ERR_NAME_EMPTY;
	return check_name_n(name, strlen(name));
}

const char *topic_kind_name(enum sl_topic_kind kind)
{
	if ((unsigned)kind >= SL_TOPIC_KIND_COUNT_)
		return NULL;
	return kinds[kind].name;
}

int topic_kind_has_user(enum sl_topic_kind kind)
{
	if ((unsigned)kind >= SL_TOPIC_KIND_COUNT_)
		return 0;
	return kinds[kind].has_user;
}

enum sl_err topic_build(char *buf, size_t size, enum sl_topic_kind kind,
		const char *lock, const char *user)
{
	enum sl_err rc;
	int n;

	if (!buf || size == 0)
		return SL_ERR_TOO_LONG;
	buf[0] = '\0';
	if ((unsigned)kind >= SL_TOPIC_KIND_COUNT_)
		return SL_ERR_INVAL;

	if (kind == SL_TOPIC_LOGIN_FAILED_) {
		n = snprintf(buf, size, "%s", SL_TOPIC_LOGIN_FAILED);
	} else {
		if (!lock)
			return SL_ERR_INVAL;
		rc = topic_check_name(lock);
		if (rc != SL_OK)
			return rc;
		if (kinds[kind].has_user) {
			if (!user)
				return SL_ERR_INVAL;
			rc = topic_check_name(user);
			if (rc != SL_OK)
				return rc;
			n = snprintf(buf, size, "%s/%s/%s/%s", SL_TOPIC_ROOT, lock,
					kinds[kind].name, user);
		} else {
			n = snprintf(buf, size, "%s/%s/%s", SL_TOPIC_ROOT, lock,
					kinds[kind].name);
		}
	}
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return SL_ERR_TOO_LONG;
	}
	return SL_OK;
}

static int kind_cmp(const void *key, const void *elem)
{
	const struct level *k = key;
	const struct kind_entry *e = elem;
	int c = strncmp(k->s, e->name, k->n);

	if (c != 0)
		return c;
	/* k is a prefix of (or equal to) e->name */
	return e->name[k->n] != '\0' ? -1 : 0;
}

static bool level_is(const struct level *l, const char *lit)
{
	return strlen(lit) == l->n && memcmp(l->s, lit, l->n) == 0;
}

/* Split s at '/' into at most max levels; returns the number of levels
 * found, or max + 1 when there are more. */
static size_t split_levels(const char *s, struct level *lv, size_t max)
{
	size_t count = 0;

	for (;;) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);

		if (count == max)
			return max + 1;
		lv[count].s = s;
		lv[count].n = n;
		count++;
		if (!slash)
			return count;
		s = slash + 1;
	}
}

enum sl_err topic_parse(const char *topic, struct sl_topic *out)
{
	struct level lv[4];
	const struct kind_entry *ke;
	enum sl_err rc;
	size_t count;

	if (!out)
		return SL_ERR_INVAL;
	memset(out, 0, sizeof(*out));
	if (!topic)
		return SL_ERR_INVAL;

	count = split_levels(topic, lv, 4);
	if (!level_is(&lv[0], SL_TOPIC_ROOT))
		return SL_ERR_TOPIC_PREFIX;
	if (count < 3 || count > 4)
		return SL_ERR_TOPIC_UNKNOWN;

	/* The site level is not a valid name, so it never collides with a lock. */
	if (level_is(&lv[1], SITE_LEVEL)) {
		if (strcmp(topic, SL_TOPIC_LOGIN_FAILED) != 0)
			return SL_ERR_TOPIC_UNKNOWN;
		out->kind = SL_TOPIC_LOGIN_FAILED_;
		return SL_OK;
	}

	rc = check_name_n(lv[1].s, lv[1].n);
	if (rc != SL_OK)
		return rc;

	ke = bsearch(&lv[2], kinds_sorted, sizeof(kinds_sorted) / sizeof(kinds_sorted[0]),
			sizeof(kinds_sorted[0]), kind_cmp);
	if (!ke)
		return SL_ERR_TOPIC_UNKNOWN;
	if ((count == 4) != kinds[ke->kind].has_user)
		return SL_ERR_TOPIC_UNKNOWN;
	if (count == 4) {
		rc = check_name_n(lv[3].s, lv[3].n);
		if (rc != SL_OK)
			return rc;
		memcpy(out->user, lv[3].s, lv[3].n);
		out->user[lv[3].n] = '\0';
	}
	memcpy(out->lock, lv[1].s, lv[1].n);
	out->lock[lv[1].n] = '\0';
	out->kind = ke->kind;
	return SL_OK;
}
