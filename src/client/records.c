/* records.c - audit records, user lists and new-user material from the
 * agent's JSON, checked and cleaned. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/sign.h"
#include "smartlock/timeutil.h"

#include "records.h"
#include "text.h"

#define MAX_SAFE_INT 9007199254740991.0 /* 2^53 - 1 */

struct tone_entry {
	const char *word;
	enum client_tone tone;
};

/* Sorted by strcmp for bsearch. */
static const struct tone_entry tones[] = {
	{"alert", CLIENT_TONE_BAD},
	{"denied", CLIENT_TONE_BAD},
	{"error", CLIENT_TONE_BAD},
	{"failed", CLIENT_TONE_BAD},
	{"granted", CLIENT_TONE_GOOD},
	{"ok", CLIENT_TONE_GOOD},
	{"progress", CLIENT_TONE_WARN},
	{"refused", CLIENT_TONE_BAD},
};

static int tone_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tone_entry *)elem)->word);
}

enum client_tone client_result_tone(const char *result)
{
	const struct tone_entry *e = bsearch(result, tones, sizeof(tones) / sizeof(tones[0]),
			sizeof(tones[0]), tone_cmp);

	return e ? e->tone : CLIENT_TONE_NEUTRAL;
}

static char *print_safe(cJSON *o)
{
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	char *safe = text ? text_json_safe(text) : NULL;

	free(text);
	return safe;
}

char *records_json_safe(const char *json)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	char *safe = print_safe(o);

	cJSON_Delete(o);
	return safe;
}

char *records_json_with_message(const char *json_object, const char *message)
{
	cJSON *o = json_object ? cJSON_Parse(json_object) : NULL;
	char *safe = NULL;

	if (cJSON_IsObject(o) && cJSON_AddStringToObject(o, "message", message))
		safe = print_safe(o);
	cJSON_Delete(o);
	return safe;
}

/* A string member into dst (cleaned, cut on a character boundary if it is
 * longer). Absent or null: "". Another type: SL_ERR_WRONG_TYPE. */
static enum sl_err get_str(const cJSON *o, const char *key, char *dst, size_t size)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	dst[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return SL_OK;
	if (!cJSON_IsString(v) || !v->valuestring)
		return SL_ERR_WRONG_TYPE;
	text_copy_clean(dst, size, v->valuestring);
	return SL_OK;
}

/* An integer member in [min, max]; absent or null: 0. */
static enum sl_err get_int(const cJSON *o, const char *key, int64_t min, int64_t max,
		int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	double d;

	*out = 0;
	if (!v || cJSON_IsNull(v))
		return SL_OK;
	if (!cJSON_IsNumber(v))
		return SL_ERR_WRONG_TYPE;
	d = v->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < -MAX_SAFE_INT || d > MAX_SAFE_INT ||
			d < (double)min || d > (double)max)
		return SL_ERR_OUT_OF_RANGE;
	*out = (int64_t)d;
	return SL_OK;
}

struct str_field {
	const char *key;
	size_t offset;
	size_t size;
};

#define LOG_STR(k, f) {k, offsetof(struct client_log_entry, f), \
		sizeof(((struct client_log_entry *)0)->f)}

static const struct str_field log_strs[] = {
	LOG_STR("time", time_text),
	LOG_STR("actor", actor),
	LOG_STR("role", role),
	LOG_STR("source", source),
	LOG_STR("lock", lock),
	LOG_STR("action", action),
	LOG_STR("result", result),
	LOG_STR("reason", reason),
	LOG_STR("detail", detail),
};

enum sl_err records_parse_log_object(const void *object, struct client_log_entry *out)
{
	const cJSON *o = object;
	int64_t seq;
	enum sl_err rc;

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o))
		return SL_ERR_NOT_OBJECT;
	rc = get_int(o, "seq", 0, INT64_MAX, &seq);
	if (rc != SL_OK)
		return rc;
	out->seq = (uint64_t)seq;
	for (size_t i = 0; i < sizeof(log_strs) / sizeof(log_strs[0]); i++) {
		rc = get_str(o, log_strs[i].key, (char *)out + log_strs[i].offset, log_strs[i].size);
		if (rc != SL_OK)
			return rc;
	}
	if (!time_parse_utc(out->time_text, &out->time))
		out->time = 0;
	return SL_OK;
}

enum sl_err records_parse_log(const char *buf, size_t len, struct client_log_entry *out)
{
	cJSON *o;
	enum sl_err rc;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return SL_ERR_EMPTY;
	if (len > SL_PAYLOAD_MAX)
		return SL_ERR_TOO_LARGE;
	o = cJSON_ParseWithLength(buf, len);
	if (!o)
		return SL_ERR_JSON;
	rc = records_parse_log_object(o, out);
	cJSON_Delete(o);
	return rc;
}

char *records_log_to_json(const struct client_log_entry *e)
{
	cJSON *o = cJSON_CreateObject();
	char *text = NULL;

	if (!o)
		return NULL;
	if (!cJSON_AddNumberToObject(o, "seq", (double)e->seq))
		goto out;
	for (size_t i = 0; i < sizeof(log_strs) / sizeof(log_strs[0]); i++)
		if (!cJSON_AddStringToObject(o, log_strs[i].key,
				(const char *)e + log_strs[i].offset))
			goto out;
	text = print_safe(o);
out:
	cJSON_Delete(o);
	return text;
}

#define USER_STR(k, f) {k, offsetof(struct client_user, f), \
		sizeof(((struct client_user *)0)->f)}

static const struct str_field user_strs[] = {
	USER_STR("name", name),
	USER_STR("role", role),
	USER_STR("status", status),
	USER_STR("schedule", schedule),
	USER_STR("locks", locks),
};

struct int_field {
	const char *key;
	size_t offset;
};

static const struct int_field user_ints[] = {
	{"from", offsetof(struct client_user, from)},
	{"until", offsetof(struct client_user, until)},
	{"max_uses", offsetof(struct client_user, max_uses)},
	{"uses", offsetof(struct client_user, uses)},
	{"locked_out_until", offsetof(struct client_user, locked_out_until)},
};

static enum sl_err parse_user(const cJSON *o, struct client_user *u)
{
	enum sl_err rc;

	memset(u, 0, sizeof(*u));
	if (!cJSON_IsObject(o))
		return SL_ERR_NOT_OBJECT;
	for (size_t i = 0; i < sizeof(user_strs) / sizeof(user_strs[0]); i++) {
		rc = get_str(o, user_strs[i].key, (char *)u + user_strs[i].offset, user_strs[i].size);
		if (rc != SL_OK)
			return rc;
	}
	for (size_t i = 0; i < sizeof(user_ints) / sizeof(user_ints[0]); i++) {
		rc = get_int(o, user_ints[i].key, 0, SL_TIME_MAX,
				(int64_t *)(void *)((char *)u + user_ints[i].offset));
		if (rc != SL_OK)
			return rc;
	}
	if (!u->name[0])
		return SL_ERR_MISSING_FIELD;
	return SL_OK;
}

/* Parse data_json and return its member key, which must be an array. */
static enum sl_err open_array(const char *data_json, const char *key, cJSON **root,
		const cJSON **arr)
{
	if (!data_json)
		return SL_ERR_MISSING_FIELD;
	*root = cJSON_Parse(data_json);
	if (!*root)
		return SL_ERR_JSON;
	if (!cJSON_IsObject(*root)) {
		cJSON_Delete(*root);
		return SL_ERR_NOT_OBJECT;
	}
	*arr = cJSON_GetObjectItemCaseSensitive(*root, key);
	if (!*arr) {
		cJSON_Delete(*root);
		return SL_ERR_MISSING_FIELD;
	}
	if (!cJSON_IsArray(*arr)) {
		cJSON_Delete(*root);
		return SL_ERR_WRONG_TYPE;
	}
	return SL_OK;
}

enum sl_err records_parse_users(const char *data_json, struct client_user **out, size_t *n)
{
	cJSON *root;
	const cJSON *arr, *it;
	struct client_user *users = NULL;
	size_t count, i = 0;
	enum sl_err rc;

	*out = NULL;
	*n = 0;
	rc = open_array(data_json, "users", &root, &arr);
	if (rc != SL_OK)
		return rc;
	count = (size_t)cJSON_GetArraySize(arr);
	if (count > 0) {
		users = calloc(count, sizeof(*users));
		if (!users) {
			cJSON_Delete(root);
			return SL_ERR_NOMEM;
		}
	}
	cJSON_ArrayForEach(it, arr) {
		rc = parse_user(it, &users[i]);
		if (rc != SL_OK) {
			free(users);
			cJSON_Delete(root);
			return rc;
		}
		i++;
	}
	cJSON_Delete(root);
	*out = users;
	*n = i;
	return SL_OK;
}

static enum sl_err parse_lockout(const cJSON *o, struct client_lockout *l)
{
	enum sl_err rc;

	memset(l, 0, sizeof(*l));
	if (!cJSON_IsObject(o))
		return SL_ERR_NOT_OBJECT;
	rc = get_str(o, "who", l->who, sizeof(l->who));
	if (rc == SL_OK)
		rc = get_str(o, "why", l->why, sizeof(l->why));
	if (rc == SL_OK)
		rc = get_str(o, "lock", l->lock, sizeof(l->lock));
	if (rc == SL_OK)
		rc = get_int(o, "until", 0, SL_TIME_MAX, &l->until);
	return rc;
}

enum sl_err records_parse_lockouts(const char *data_json, struct client_lockout **out,
		size_t *n)
{
	cJSON *root;
	const cJSON *arr, *it;
	struct client_lockout *l;
	size_t i = 0;
	enum sl_err rc;

	*out = NULL;
	*n = 0;
	rc = open_array(data_json, "lockouts", &root, &arr);
	if (rc == SL_ERR_MISSING_FIELD)
		return SL_OK;
	if (rc != SL_OK)
		return rc;
	l = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*l));
	if (!l) {
		cJSON_Delete(root);
		return SL_ERR_NOMEM;
	}
	cJSON_ArrayForEach(it, arr) {
		rc = parse_lockout(it, &l[i]);
		if (rc != SL_OK) {
			free(l);
			cJSON_Delete(root);
			return rc;
		}
		i++;
	}
	cJSON_Delete(root);
	*out = l;
	*n = i;
	return SL_OK;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct client_log_entry *x = a, *y = b;

	return (x->seq > y->seq) - (x->seq < y->seq);
}

enum sl_err records_parse_log_page(const char *data_json, struct client_log_entry **out,
		size_t *n, int64_t *next)
{
	cJSON *root;
	const cJSON *arr, *it;
	struct client_log_entry *recs = NULL;
	size_t count, i = 0;
	enum sl_err rc;

	*out = NULL;
	*n = 0;
	*next = 0;
	rc = open_array(data_json, "records", &root, &arr);
	if (rc != SL_OK)
		return rc;
	rc = get_int(root, "next", 0, INT64_MAX, next);
	if (rc != SL_OK) {
		cJSON_Delete(root);
		return rc;
	}
	count = (size_t)cJSON_GetArraySize(arr);
	if (count > 0) {
		recs = calloc(count, sizeof(*recs));
		if (!recs) {
			cJSON_Delete(root);
			return SL_ERR_NOMEM;
		}
	}
	cJSON_ArrayForEach(it, arr) {
		rc = records_parse_log_object(it, &recs[i]);
		if (rc != SL_OK) {
			free(recs);
			cJSON_Delete(root);
			return rc;
		}
		i++;
	}
	cJSON_Delete(root);
	if (i > 1)
		qsort(recs, i, sizeof(*recs), seq_cmp);
	*out = recs;
	*n = i;
	return SL_OK;
}

/* Overwrite a secret string member before the tree is freed. */
static void wipe_member(cJSON *root, const char *key)
{
	cJSON *v = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, key) : NULL;

	if (cJSON_IsString(v) && v->valuestring)
		explicit_bzero(v->valuestring, strlen(v->valuestring));
}

enum sl_err records_parse_new_user(const char *data_json, struct client_new_user *out)
{
	cJSON *root;
	const cJSON *v;
	enum sl_err rc = SL_OK;
	char role[16];

	memset(out, 0, sizeof(*out));
	if (!data_json)
		return SL_ERR_MISSING_FIELD;
	root = cJSON_Parse(data_json);
	if (!root)
		return SL_ERR_JSON;
	if (!cJSON_IsObject(root)) {
		rc = SL_ERR_NOT_OBJECT;
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "user");
	if (!cJSON_IsString(v) || topic_check_name(v->valuestring) != SL_OK) {
		rc = v ? SL_ERR_BAD_VALUE : SL_ERR_MISSING_FIELD;
		goto out;
	}
	snprintf(out->user, sizeof(out->user), "%s", v->valuestring);
	if ((rc = get_str(root, "role", role, sizeof(role))) != SL_OK)
		goto out;
	if (proto_role_parse(role, &out->role) != SL_OK) {
		rc = SL_ERR_BAD_VALUE;
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "password");
	if (!cJSON_IsString(v) || !v->valuestring[0] ||
			strlen(v->valuestring) >= sizeof(out->password) ||
			!text_is_clean(v->valuestring) || strchr(v->valuestring, ' ')) {
		rc = v ? SL_ERR_BAD_VALUE : SL_ERR_MISSING_FIELD;
		goto out;
	}
	memcpy(out->password, v->valuestring, strlen(v->valuestring) + 1);
	v = cJSON_GetObjectItemCaseSensitive(root, "signing_key");
	if (!cJSON_IsString(v)) {
		rc = v ? SL_ERR_WRONG_TYPE : SL_ERR_MISSING_FIELD;
		goto out;
	}
	rc = sign_key_from_hex(&out->key, v->valuestring);
out:
	if (rc != SL_OK)
		records_new_user_wipe(out);
	wipe_member(root, "password");
	wipe_member(root, "signing_key");
	cJSON_Delete(root);
	return rc;
}

void records_new_user_wipe(struct client_new_user *u)
{
	explicit_bzero(u->password, sizeof(u->password));
	sign_key_wipe(&u->key);
}

void records_clean_alert(struct sl_alert *a)
{
	text_clean(a->lock);
	text_clean(a->user);
	text_clean(a->source);
	text_clean(a->msg);
}

/* One alert of a list, read as the securityAlert payload it is. */
static enum sl_err parse_alert(const cJSON *item, struct sl_alert *out)
{
	char *text = cJSON_PrintUnformatted(item);
	enum sl_err rc;

	if (!text)
		return SL_ERR_NOMEM;
	memset(out, 0, sizeof(*out));
	rc = proto_decode_alert(text, strlen(text), out, NULL);
	free(text);
	if (rc == SL_OK)
		records_clean_alert(out);
	return rc;
}

enum sl_err records_parse_alerts(const char *data_json, struct sl_alert **out, size_t *n)
{
	cJSON *root;
	const cJSON *arr, *it;
	struct sl_alert *list = NULL;
	size_t count, i = 0;
	enum sl_err rc;

	*out = NULL;
	*n = 0;
	rc = open_array(data_json, "alerts", &root, &arr);
	if (rc != SL_OK)
		return rc;
	count = (size_t)cJSON_GetArraySize(arr);
	if (count > 0 && !(list = calloc(count, sizeof(*list)))) {
		cJSON_Delete(root);
		return SL_ERR_NOMEM;
	}
	cJSON_ArrayForEach(it, arr) {
		rc = parse_alert(it, &list[i]);
		if (rc != SL_OK) {
			free(list);
			cJSON_Delete(root);
			return rc;
		}
		i++;
	}
	cJSON_Delete(root);
	*out = list;
	*n = i;
	return SL_OK;
}

void records_each_lock(const char *data_json, void (*fn)(const char *id, void *arg), void *arg)
{
	cJSON *root = data_json ? cJSON_Parse(data_json) : NULL;
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "locks"), *it;

	if (cJSON_IsArray(arr))
		cJSON_ArrayForEach(it, arr)
			if (cJSON_IsString(it) && topic_check_name(it->valuestring) == SL_OK)
				fn(it->valuestring, arg);
	cJSON_Delete(root);
}
