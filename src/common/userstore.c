/* userstore.c - the site's users in one private JSON file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "smartlock/atomicfile.h"
#include "smartlock/schedule.h"
#include "smartlock/userstore.h"

#define STORE_MAX_BYTES (8 * 1024 * 1024)

struct user_store {
	struct sl_user *users;  /* sorted by name */
	size_t count, cap;
};

static const char *const status_names[] = {"active", "disabled", "revoked"};

struct user_store *user_store_create(void)
{
	return calloc(1, sizeof(struct user_store));
}

void user_store_destroy(struct user_store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->count; i++)
		sign_key_wipe(&st->users[i].key);
	free(st->users);
	free(st);
}

size_t user_store_count(const struct user_store *st)
{
	return st->count;
}

const struct sl_user *user_store_at(const struct user_store *st, size_t i)
{
	return i < st->count ? &st->users[i] : NULL;
}

static int cmp_name_user(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sl_user *)elem)->name);
}

const struct sl_user *user_store_find(const struct user_store *st, const char *name)
{
	if (!st->count)
		return NULL;
	return bsearch(name, st->users, st->count, sizeof(*st->users), cmp_name_user);
}

/* Index where name is or would be inserted. */
static size_t lower_bound(const struct user_store *st, const char *name)
{
	size_t lo = 0, hi = st->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(st->users[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool locks_text_valid(const char *s)
{
	char buf[SL_LOCKS_TEXT_MAX];
	char *save = NULL, *tok;

	if (strcmp(s, "*") == 0)
		return true;
	if (!s[0] || strlen(s) >= sizeof(buf))
		return false;
	snprintf(buf, sizeof(buf), "%s", s);
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
		return false;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (topic_check_name(tok) != SL_OK)
			return false;
	return true;
}

/* Check a user's fields; a short reason into msg. */
static enum sl_err user_check(const struct sl_user *u, char *msg, size_t size)
{
	struct sl_schedule sch;
	char why[96];

	if (topic_check_name(u->name) != SL_OK) {
		snprintf(msg, size, "name: %s", sl_strerror(topic_check_name(u->name)));
		return SL_ERR_BAD_VALUE;
	}
	if ((unsigned)u->role >= SL_ROLE_COUNT_ || (unsigned)u->status > SL_USER_REVOKED) {
		snprintf(msg, size, "role or status out of range");
		return SL_ERR_BAD_VALUE;
	}
	if (u->from < 0 || u->from > SL_TIME_MAX || u->until < 0 || u->until > SL_TIME_MAX ||
			(u->until && u->from > u->until)) {
		snprintf(msg, size, "from/until: must be times with from <= until");
		return SL_ERR_RANGE;
	}
	if (u->max_uses < 0 || u->max_uses > 1000000) {
		snprintf(msg, size, "max_uses: must be 0 (unlimited) to 1000000");
		return SL_ERR_RANGE;
	}
	if (schedule_parse(u->schedule, &sch, why, sizeof(why)) != SL_OK) {
		snprintf(msg, size, "schedule: %s", why);
		return SL_ERR_BAD_VALUE;
	}
	if (!locks_text_valid(u->locks)) {
		snprintf(msg, size, "locks: must be \"*\" or a comma-separated list of lock ids");
		return SL_ERR_BAD_VALUE;
	}
	return SL_OK;
}

static enum sl_err insert_at(struct user_store *st, size_t at, const struct sl_user *u)
{
	if (st->count >= SL_USERS_MAX)
		return SL_ERR_RANGE;
	if (st->count == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		struct sl_user *nu = realloc(st->users, ncap * sizeof(*nu));

		if (!nu)
			return SL_ERR_NOMEM;
		st->users = nu;
		st->cap = ncap;
	}
	memmove(&st->users[at + 1], &st->users[at], (st->count - at) * sizeof(*u));
	st->users[at] = *u;
	st->count++;
	return SL_OK;
}

enum sl_err user_store_add(struct user_store *st, const struct sl_user *u)
{
	char msg[128];
	size_t at;

	if (user_check(u, msg, sizeof(msg)) != SL_OK)
		return SL_ERR_INVAL;
	at = lower_bound(st, u->name);
	if (at < st->count && strcmp(st->users[at].name, u->name) == 0)
		return SL_ERR_EXISTS;
	return insert_at(st, at, u);
}

enum sl_err user_store_update(struct user_store *st, const struct sl_user *u)
{
	char msg[128];
	size_t at;

	if (user_check(u, msg, sizeof(msg)) != SL_OK)
		return SL_ERR_INVAL;
	at = lower_bound(st, u->name);
	if (at >= st->count || strcmp(st->users[at].name, u->name) != 0)
		return SL_ERR_NOT_FOUND;
	st->users[at] = *u;
	return SL_OK;
}

bool user_may_use_lock(const struct sl_user *u, const char *lock)
{
	size_t n = strlen(lock);
	const char *p = u->locks;

	if (strcmp(u->locks, "*") == 0)
		return true;
	while (*p) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, lock, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* ---- loading ---- */

struct field_def {
	const char *name;
	int type;               /* cJSON type flag */
	bool required;
};

/* Sorted by name for bsearch. */
static const struct field_def user_fields[] = {
	{"alerts", cJSON_True | cJSON_False, false},
	{"created", cJSON_Number, false},
	{"from", cJSON_Number, false},
	{"key", cJSON_String, true},
	{"locks", cJSON_String, false},
	{"max_uses", cJSON_Number, false},
	{"name", cJSON_String, true},
	{"role", cJSON_String, true},
	{"schedule", cJSON_String, false},
	{"status", cJSON_String, true},
	{"until", cJSON_Number, false},
};

static int cmp_field(const void *key, const void *elem)
{
	return strcmp(key, ((const struct field_def *)elem)->name);
}

static bool get_int(const cJSON *item, int64_t min, int64_t max, int64_t *out)
{
	double d = item->valuedouble;

	if (!isfinite(d) || d != floor(d) || d < (double)min || d > (double)max)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool copy_string(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return false;
	memcpy(dst, src, strlen(src) + 1);
	return true;
}

static enum sl_err parse_user(const cJSON *obj, struct sl_user *u, char *why, size_t size)
{
	bool seen[sizeof(user_fields) / sizeof(user_fields[0])] = {0};
	const cJSON *item;
	const char *s;

	memset(u, 0, sizeof(*u));
	snprintf(u->locks, sizeof(u->locks), "*");
	u->alerts = false;
	if (!cJSON_IsObject(obj)) {
		snprintf(why, size, "not an object");
		return SL_ERR_NOT_OBJECT;
	}
	cJSON_ArrayForEach(item, obj) {
		const struct field_def *f = bsearch(item->string, user_fields,
				sizeof(user_fields) / sizeof(user_fields[0]),
				sizeof(user_fields[0]), cmp_field);
		size_t idx;

		if (!f) {
			snprintf(why, size, "%.40s: unknown field", item->string);
			return SL_ERR_UNKNOWN_FIELD;
		}
		idx = (size_t)(f - user_fields);
		if (seen[idx]) {
			snprintf(why, size, "%s: given twice", f->name);
			return SL_ERR_DUPLICATE_FIELD;
		}
		seen[idx] = true;
		if (!(item->type & f->type)) {
			snprintf(why, size, "%s: wrong type", f->name);
			return SL_ERR_WRONG_TYPE;
		}
	}
	for (size_t i = 0; i < sizeof(user_fields) / sizeof(user_fields[0]); i++) {
		if (user_fields[i].required && !seen[i]) {
			snprintf(why, size, "%s: missing", user_fields[i].name);
			return SL_ERR_MISSING_FIELD;
		}
	}
	s = cJSON_GetObjectItemCaseSensitive(obj, "name")->valuestring;
	if (!copy_string(u->name, sizeof(u->name), s) || topic_check_name(u->name) != SL_OK) {
		snprintf(why, size, "name: not a valid user name");
		return SL_ERR_BAD_VALUE;
	}
	s = cJSON_GetObjectItemCaseSensitive(obj, "role")->valuestring;
	if (proto_role_parse(s, &u->role) != SL_OK) {
		snprintf(why, size, "role: must be owner, resident or guest");
		return SL_ERR_BAD_VALUE;
	}
	s = cJSON_GetObjectItemCaseSensitive(obj, "key")->valuestring;
	if (sign_key_from_hex(&u->key, s) != SL_OK) {
		snprintf(why, size, "key: must be 64 hex digits");
		return SL_ERR_BAD_KEY;
	}
	s = cJSON_GetObjectItemCaseSensitive(obj, "status")->valuestring;
	{
		size_t i;

		for (i = 0; i < 3; i++)
			if (strcmp(s, status_names[i]) == 0)
				break;
		if (i == 3) {
			snprintf(why, size, "status: must be active, disabled or revoked");
			return SL_ERR_BAD_VALUE;
		}
		u->status = (enum sl_user_status)i;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "from")) &&
			!get_int(item, 0, SL_TIME_MAX, &u->from)) {
		snprintf(why, size, "from: must be a time in ms (0 = unbounded)");
		return SL_ERR_OUT_OF_RANGE;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "until")) &&
			!get_int(item, 0, SL_TIME_MAX, &u->until)) {
		snprintf(why, size, "until: must be a time in ms (0 = unbounded)");
		return SL_ERR_OUT_OF_RANGE;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "max_uses")) &&
			!get_int(item, 0, 1000000, &u->max_uses)) {
		snprintf(why, size, "max_uses: must be an integer from 0 to 1000000");
		return SL_ERR_OUT_OF_RANGE;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "created")) &&
			!get_int(item, 0, SL_TIME_MAX, &u->created)) {
		snprintf(why, size, "created: must be a time in ms");
		return SL_ERR_OUT_OF_RANGE;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "schedule")) &&
			!copy_string(u->schedule, sizeof(u->schedule), item->valuestring)) {
		snprintf(why, size, "schedule: too long");
		return SL_ERR_TOO_LONG;
	}
	if ((item = cJSON_GetObjectItemCaseSensitive(obj, "locks")) &&
			!copy_string(u->locks, sizeof(u->locks), item->valuestring)) {
		snprintf(why, size, "locks: too long");
		return SL_ERR_TOO_LONG;
	}
	item = cJSON_GetObjectItemCaseSensitive(obj, "alerts");
	u->alerts = item ? cJSON_IsTrue(item) : u->role == SL_ROLE_OWNER;
	if (u->role == SL_ROLE_OWNER)
		u->alerts = true;
	return user_check(u, why, size);
}

static struct user_store *parse_store(const char *text, size_t len, char *why, size_t size)
{
	struct user_store *st = NULL;
	cJSON *root, *item, *users = NULL, *v = NULL;
	size_t i = 0;

	root = cJSON_ParseWithLength(text, len);
	if (!root) {
		snprintf(why, size, "not valid JSON");
		return NULL;
	}
	if (!cJSON_IsObject(root)) {
		snprintf(why, size, "top level is not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(item, root) {
		if (strcmp(item->string, "v") == 0 && !v) {
			v = item;
		} else if (strcmp(item->string, "users") == 0 && !users) {
			users = item;
		} else {
			snprintf(why, size, "%.40s: unknown or repeated field", item->string);
			goto out;
		}
	}
	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		snprintf(why, size, "v: missing or not 1");
		goto out;
	}
	if (!cJSON_IsArray(users)) {
		snprintf(why, size, "users: missing or not an array");
		goto out;
	}
	st = user_store_create();
	if (!st) {
		snprintf(why, size, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(item, users) {
		struct sl_user u;
		char msg[128];
		enum sl_err e;

		i++;
		if (parse_user(item, &u, msg, sizeof(msg)) != SL_OK) {
			snprintf(why, size, "user %zu: %s", i, msg);
			goto fail;
		}
		e = user_store_add(st, &u);
		sign_key_wipe(&u.key);
		if (e != SL_OK) {
			snprintf(why, size, "user %zu (%s): %s", i, u.name,
					e == SL_ERR_EXISTS ? "name given twice" : sl_strerror(e));
			goto fail;
		}
	}
	goto out;
fail:
	user_store_destroy(st);
	st = NULL;
out:
	cJSON_Delete(root);
	return st;
}

struct user_store *user_store_load(const char *path, char *msg, size_t msg_size)
{
	struct user_store *st;
	char why[200];
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	enum sl_err e;

	e = atomic_read_file(path, STORE_MAX_BYTES, &text, &len);
	if (e != SL_OK) {
		snprintf(msg, msg_size, "%s: %s", path, e == SL_ERR_NOT_FOUND ?
				"file does not exist" : e == SL_ERR_PERM ?
				"permission denied" : e == SL_ERR_TOO_LARGE ?
				"file is too large" : strerror(errno));
		return NULL;
	}
	if (stat(path, &sb) == 0 && (sb.st_mode & 077)) {
		snprintf(msg, msg_size, "%s: unsafe mode %04o (it holds signing keys; "
				"expected 0600)", path, (unsigned)(sb.st_mode & 07777));
		free(text);
		return NULL;
	}
	st = parse_store(text, len, why, sizeof(why));
	free(text);
	if (!st)
		snprintf(msg, msg_size, "%s: %s", path, why);
	return st;
}

/* ---- saving ---- */

static cJSON *user_to_json(const struct sl_user *u)
{
	char hex[SL_KEY_HEX + 1];
	cJSON *o = cJSON_CreateObject();

	if (!o || sign_key_to_hex(&u->key, hex, sizeof(hex)) != SL_OK)
		goto fail;
	if (!cJSON_AddStringToObject(o, "name", u->name) ||
			!cJSON_AddStringToObject(o, "role", proto_role_name(u->role)) ||
			!cJSON_AddStringToObject(o, "key", hex) ||
			!cJSON_AddStringToObject(o, "status", status_names[u->status]) ||
			!cJSON_AddNumberToObject(o, "from", (double)u->from) ||
			!cJSON_AddNumberToObject(o, "until", (double)u->until) ||
			!cJSON_AddStringToObject(o, "schedule", u->schedule) ||
			!cJSON_AddNumberToObject(o, "max_uses", (double)u->max_uses) ||
			!cJSON_AddStringToObject(o, "locks", u->locks) ||
			!cJSON_AddBoolToObject(o, "alerts", u->alerts) ||
			!cJSON_AddNumberToObject(o, "created", (double)u->created))
		goto fail;
	memset(hex, 0, sizeof(hex));
	return o;
fail:
	memset(hex, 0, sizeof(hex));
	cJSON_Delete(o);
	return NULL;
}

enum sl_err user_store_save(const struct user_store *st, const char *path)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	enum sl_err e = SL_ERR_NOMEM;
	char *text = NULL;

	if (!root || !cJSON_AddNumberToObject(root, "v", 1))
		goto out;
	arr = cJSON_AddArrayToObject(root, "users");
	if (!arr)
		goto out;
	for (size_t i = 0; i < st->count; i++) {
		cJSON *o = user_to_json(&st->users[i]);

		if (!o)
			goto out;
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	if (!text)
		goto out;
	e = atomic_write_file(path, text, strlen(text), 0600);
	memset(text, 0, strlen(text));
out:
	free(text);
	cJSON_Delete(root);
	return e;
}

const char *user_status_name(enum sl_user_status s)
{
	return (unsigned)s <= SL_USER_REVOKED ? status_names[s] : NULL;
}
