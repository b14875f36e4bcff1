/* state.c - persistence of the agent's counters in state.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/atomicfile.h"
#include "smartlock/protocol.h"
#include "state.h"

#define STATE_MAX_BYTES (16 * 1024 * 1024)

int state_init(struct agent_state *st, size_t replay_cap)
{
	memset(st, 0, sizeof(*st));
	return replay_init(&st->replay, replay_cap);
}

void state_finish(struct agent_state *st)
{
	free(st->users);
	replay_finish(&st->replay);
	memset(st, 0, sizeof(*st));
}

void ring_push(struct time_ring *r, int64_t t)
{
	if (r->n == TIME_RING_SLOTS) {
		memmove(&r->t[0], &r->t[1], (TIME_RING_SLOTS - 1) * sizeof(r->t[0]));
		r->n--;
	}
	r->t[r->n++] = t;
}

size_t ring_count_since(const struct time_ring *r, int64_t since)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n; i++)
		if (r->t[i] > since)
			n++;
	return n;
}

int64_t ring_oldest_since(const struct time_ring *r, int64_t since)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->t[i] > since)
			return r->t[i];
	return 0;
}

void ring_clear(struct time_ring *r)
{
	r->n = 0;
}

/* Drop the leading times at or before since. */
static void ring_drop_until(struct time_ring *r, int64_t since)
{
	size_t k = 0;

	while (k < r->n && r->t[k] <= since)
		k++;
	if (k == 0)
		return;
	memmove(&r->t[0], &r->t[k], (r->n - k) * sizeof(r->t[0]));
	r->n -= k;
}

void state_prune(struct agent_state *st, int64_t fail_since, int64_t unlock_since)
{
	for (size_t i = 0; i < AGENT_LOCKS_MAX; i++)
		ring_drop_until(&st->locks[i].fails, fail_since);
	for (size_t i = 0; i < st->nusers; i++) {
		ring_drop_until(&st->users[i].fails, fail_since);
		ring_drop_until(&st->users[i].unlocks, unlock_since);
		ring_drop_until(&st->users[i].stale, fail_since);
	}
}

static int cmp_user(const void *key, const void *elem)
{
	return strcmp(key, ((const struct user_counters *)elem)->name);
}

struct user_counters *state_user(struct agent_state *st, const char *name, bool create)
{
	struct user_counters *uc;
	size_t lo = 0, hi = st->nusers;

	if (st->nusers) {
		uc = bsearch(name, st->users, st->nusers, sizeof(*uc), cmp_user);
		if (uc || !create)
			return uc;
	} else if (!create) {
		return NULL;
	}
	if (strlen(name) > SL_NAME_MAX)
		return NULL;
	if (st->nusers == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 16;
		struct user_counters *nu = realloc(st->users, ncap * sizeof(*nu));

		if (!nu)
			return NULL;
		st->users = nu;
		st->cap = ncap;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(st->users[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&st->users[lo + 1], &st->users[lo], (st->nusers - lo) * sizeof(*uc));
	uc = &st->users[lo];
	memset(uc, 0, sizeof(*uc));
	memcpy(uc->name, name, strlen(name) + 1);
	st->nusers++;
	st->dirty = true;
	return uc;
}

/* ---- loading ---- */

static bool get_time(const cJSON *o, const char *name, int64_t *out)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);
	double d;

	if (!it) {
		*out = 0;
		return true;
	}
	if (!cJSON_IsNumber(it))
		return false;
	d = it->valuedouble;
	if (!isfinite(d) || d != floor(d) || d < 0 || d > 9007199254740992.0)
		return false;
	*out = (int64_t)d;
	return true;
}

static bool get_ring(const cJSON *o, const char *name, struct time_ring *r)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, name), *it;

	r->n = 0;
	if (!arr)
		return true;
	if (!cJSON_IsArray(arr))
		return false;
	cJSON_ArrayForEach(it, arr) {
		double d = it->valuedouble;

		if (!cJSON_IsNumber(it) || !isfinite(d) || d != floor(d) || d < 0)
			return false;
		ring_push(r, (int64_t)d);
	}
	return true;
}

/* The optional reason a lockout was tripped for (a protocol reason name). */
static void get_why(const cJSON *o, char *out, size_t size)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "why");

	if (cJSON_IsString(it) && strlen(it->valuestring) < size &&
			topic_check_name(it->valuestring) == SL_OK)
		snprintf(out, size, "%s", it->valuestring);
}

static const char *load_locks(struct agent_state *st, const cJSON *locks,
		const struct agent_lock_list *served)
{
	const cJSON *it;

	if (!locks)
		return NULL;
	if (!cJSON_IsObject(locks))
		return "locks: not an object";
	cJSON_ArrayForEach(it, locks) {
		int idx = -1;
		const cJSON *cause;

		for (size_t i = 0; i < served->count; i++)
			if (strcmp(served->ids[i], it->string) == 0)
				idx = (int)i;
		if (!cJSON_IsObject(it))
			return "locks: an entry is not an object";
		if (idx < 0)
			continue;       /* a lock no longer served */
		if (!get_time(it, "lockout_until", &st->locks[idx].lockout_until) ||
				!get_ring(it, "fails", &st->locks[idx].fails))
			return "locks: bad lockout_until or fails";
		cause = cJSON_GetObjectItemCaseSensitive(it, "cause");
		if (cJSON_IsString(cause) && strlen(cause->valuestring) <= SL_NAME_MAX)
			snprintf(st->locks[idx].lockout_cause, sizeof(st->locks[idx].lockout_cause),
					"%s", cause->valuestring);
		get_why(it, st->locks[idx].lockout_why, sizeof(st->locks[idx].lockout_why));
	}
	return NULL;
}

static const char *load_users(struct agent_state *st, const cJSON *users)
{
	const cJSON *it;

	if (!users)
		return NULL;
	if (!cJSON_IsObject(users))
		return "users: not an object";
	cJSON_ArrayForEach(it, users) {
		struct user_counters *uc;

		if (!cJSON_IsObject(it) || topic_check_name(it->string) != SL_OK)
			return "users: an entry is not an object named by a user name";
		uc = state_user(st, it->string, true);
		if (!uc)
			return "out of memory";
		if (!get_time(it, "uses", &uc->uses) ||
				!get_time(it, "lockout_until", &uc->lockout_until) ||
				!get_ring(it, "fails", &uc->fails) ||
				!get_ring(it, "unlocks", &uc->unlocks))
			return "users: bad uses, lockout_until, fails or unlocks";
		get_why(it, uc->lockout_why, sizeof(uc->lockout_why));
	}
	return NULL;
}

static const char *load_replay(struct agent_state *st, const cJSON *rp)
{
	const cJSON *ids, *it;
	int64_t floor_t;

	if (!rp)
		return NULL;
	if (!cJSON_IsObject(rp) || !get_time(rp, "floor", &floor_t))
		return "replay: not an object with a floor";
	st->replay.floor = floor_t;
	ids = cJSON_GetObjectItemCaseSensitive(rp, "ids");
	if (!ids)
		return NULL;
	if (!cJSON_IsArray(ids))
		return "replay: ids is not an array";
	cJSON_ArrayForEach(it, ids) {
		const cJSON *u = cJSON_GetArrayItem(it, 0), *k = cJSON_GetArrayItem(it, 1),
		      *t = cJSON_GetArrayItem(it, 2), *m = cJSON_GetArrayItem(it, 3),
		      *s = cJSON_GetArrayItem(it, 4);

		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 5 || !cJSON_IsString(u) ||
				strlen(u->valuestring) > SL_NAME_MAX || !cJSON_IsNumber(k) ||
				!cJSON_IsNumber(t) || !cJSON_IsString(m) ||
				strlen(m->valuestring) > SL_MAC_CHARS || !cJSON_IsNumber(s))
			return "replay: a malformed id entry";
		/* window INT64_MAX/2: keep everything that was saved */
		replay_add(&st->replay, u->valuestring,
				k->valueint ? REPLAY_KIND_ADMIN : REPLAY_KIND_REQUEST,
				(int64_t)t->valuedouble, m->valuestring, (int64_t)s->valuedouble,
				INT64_MAX / 2);
	}
	return NULL;
}

enum sl_err state_load(struct agent_state *st, const char *path,
		const struct agent_lock_list *locks, char *msg, size_t size)
{
	const char *why = NULL;
	cJSON *root, *v, *seq;
	char *text = NULL;
	size_t len;
	int64_t reserved;
	enum sl_err e;

	e = atomic_read_file(path, STATE_MAX_BYTES, &text, &len);
	if (e == SL_ERR_NOT_FOUND)
		return e;
	if (e != SL_OK) {
		snprintf(msg, size, "%s: cannot read: %s", path, sl_strerror(e));
		return e;
	}
	root = cJSON_ParseWithLength(text, len);
	free(text);
	if (!root || !cJSON_IsObject(root)) {
		snprintf(msg, size, "%s: not a JSON object (the file is damaged)", path);
		cJSON_Delete(root);
		return SL_ERR_JSON;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "v");
	seq = cJSON_GetObjectItemCaseSensitive(root, "seq_reserved");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1)
		why = "v: missing or not 1";
	else if (!seq || !get_time(root, "seq_reserved", &reserved))
		why = "seq_reserved: missing or not a whole number";
	if (!why && cJSON_GetObjectItemCaseSensitive(root, "audit_seq")) {
		int64_t as = 0;

		if (get_time(root, "audit_seq", &as)) {
			st->audit_seq = (uint64_t)as;
			st->audit_seq_known = true;
		} else {
			why = "audit_seq: not a whole number";
		}
	}
	if (!why)
		why = load_locks(st, cJSON_GetObjectItemCaseSensitive(root, "locks"), locks);
	if (!why)
		why = load_users(st, cJSON_GetObjectItemCaseSensitive(root, "users"));
	if (!why)
		why = load_replay(st, cJSON_GetObjectItemCaseSensitive(root, "replay"));
	cJSON_Delete(root);
	if (why) {
		snprintf(msg, size, "%s: %s", path, why);
		return SL_ERR_BAD_VALUE;
	}
	st->seq_reserved = (uint64_t)reserved;
	st->dirty = false;
	return SL_OK;
}

/* ---- saving ----
 *
 * The file is written as text directly rather than through cJSON. With a
 * full replay cache cJSON printed each of its 3,000 numbers through
 * "%1.15g" and checked it with sscanf: about 19 million instructions per
 * save, a stall of milliseconds once a second while the agent is busy.
 * The text is the same; state_load still reads it with cJSON. */

struct out {
	char *buf;
	size_t len, cap;
	bool failed;            /* out of memory: the save is abandoned */
};

static char *out_room(struct out *o, size_t n)
{
	if (o->failed)
		return NULL;
	if (o->cap - o->len < n) {
		size_t cap = o->cap ? o->cap : 4096;
		char *b;

		while (cap - o->len < n)
			cap *= 2;
		b = realloc(o->buf, cap);
		if (!b) {
			o->failed = true;
			return NULL;
		}
		o->buf = b;
		o->cap = cap;
	}
	return o->buf + o->len;
}

static void put(struct out *o, const char *s)
{
	size_t n = strlen(s);
	char *p = out_room(o, n);

	if (p) {
		memcpy(p, s, n);
		o->len += n;
	}
}

/* s as a JSON string: quote and backslash escaped, control characters
 * as \u00XX. */
static void put_str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out_room(o, 6 * strlen(s) + 2);

	if (!p)
		return;
	*p++ = '"';
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			*p++ = '\\';
			*p++ = (char)*c;
		} else if (*c < 0x20) {
			memcpy(p, "\\u00", 4);
			p[4] = hex[*c >> 4];
			p[5] = hex[*c & 0xf];
			p += 6;
		} else {
			*p++ = (char)*c;
		}
	}
	*p++ = '"';
	o->len = (size_t)(p - o->buf);
}

static void put_int(struct out *o, int64_t v)
{
	char digits[24], *d = digits + sizeof(digits);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	char *p;

	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--d = '-';
	p = out_room(o, (size_t)(digits + sizeof(digits) - d));
	if (p) {
		memcpy(p, d, (size_t)(digits + sizeof(digits) - d));
		o->len += (size_t)(digits + sizeof(digits) - d);
	}
}

/* ,"name": with the comma unless first */
static void put_key(struct out *o, const char *name, bool first)
{
	if (!first)
		put(o, ",");
	put_str(o, name);
	put(o, ":");
}

static void put_ring(struct out *o, const char *name, const struct time_ring *r)
{
	put_key(o, name, false);
	put(o, "[");
	for (size_t i = 0; i < r->n; i++) {
		if (i)
			put(o, ",");
		put_int(o, r->t[i]);
	}
	put(o, "]");
}

/* The reason of an active lockout; nothing when there is none. */
static void put_why(struct out *o, const char *why)
{
	if (!why[0])
		return;
	put_key(o, "why", false);
	put_str(o, why);
}

static void put_replay(struct out *o, const struct replay_cache *c)
{
	put_key(o, "replay", false);
	put(o, "{\"floor\":");
	put_int(o, c->floor);
	put(o, ",\"ids\":[");
	for (size_t i = 0; i < c->count; i++) {
		const struct replay_entry *e = replay_at(c, i);

		put(o, i ? ",[" : "[");
		put_str(o, e->user);
		put(o, ",");
		put_int(o, e->kind);
		put(o, ",");
		put_int(o, e->t);
		put(o, ",");
		put_str(o, e->mac);
		put(o, ",");
		put_int(o, e->seen);
		put(o, "]");
	}
	put(o, "]}");
}

enum sl_err state_save(struct agent_state *st, const char *path,
		const struct agent_lock_list *locks)
{
	struct out o = {0};
	enum sl_err e;

	put(&o, "{\"v\":1,\"seq_reserved\":");
	put_int(&o, (int64_t)st->seq_reserved);
	put(&o, ",\"audit_seq\":");
	put_int(&o, (int64_t)st->audit_seq);
	if (st->audit_hash[0]) {
		put_key(&o, "audit_hash", false);
		put_str(&o, st->audit_hash);
	}
	put_key(&o, "locks", false);
	put(&o, "{");
	for (size_t i = 0; i < locks->count; i++) {
		put_key(&o, locks->ids[i], i == 0);
		put(&o, "{\"lockout_until\":");
		put_int(&o, st->locks[i].lockout_until);
		put_key(&o, "cause", false);
		put_str(&o, st->locks[i].lockout_cause);
		put_ring(&o, "fails", &st->locks[i].fails);
		put_why(&o, st->locks[i].lockout_why);
		put(&o, "}");
	}
	put(&o, "}");
	put_key(&o, "users", false);
	put(&o, "{");
	for (size_t i = 0; i < st->nusers; i++) {
		const struct user_counters *uc = &st->users[i];

		put_key(&o, uc->name, i == 0);
		put(&o, "{\"uses\":");
		put_int(&o, uc->uses);
		put(&o, ",\"lockout_until\":");
		put_int(&o, uc->lockout_until);
		put_ring(&o, "fails", &uc->fails);
		put_ring(&o, "unlocks", &uc->unlocks);
		put_why(&o, uc->lockout_why);
		put(&o, "}");
	}
	put(&o, "}");
	put_replay(&o, &st->replay);
	put(&o, "}");
	if (o.failed) {
		free(o.buf);
		return SL_ERR_NOMEM;
	}
	e = atomic_write_file(path, o.buf, o.len, 0600);
	if (e == SL_OK)
		st->dirty = false;
	free(o.buf);
	return e;
}
