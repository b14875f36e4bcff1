/* sessions.c - client id ownership for smartlock_auth. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"
#include "smartlock/topic.h"

struct session {
	char *id;
	char user[SL_NAME_MAX + 1];
	unsigned live;          /* recorded connections under this id */
	uint64_t stamp;         /* when it last changed, for eviction */
};

struct conn {
	const void *conn;
	char *id;
	char user[SL_NAME_MAX + 1];
};

struct sessions {
	struct session *v;      /* sorted by id */
	size_t n, cap, max;
	struct conn *c;         /* live recorded connections, sorted by pointer */
	size_t nc, ccap;
	uint64_t clock;
};

struct sessions *sessions_create(size_t max)
{
	struct sessions *s = calloc(1, sizeof(*s));

	if (s)
		s->max = max ? max : SESSIONS_MAX;
	return s;
}

void sessions_destroy(struct sessions *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].id);
	for (size_t i = 0; i < s->nc; i++)
		free(s->c[i].id);
	free(s->v);
	free(s->c);
	free(s);
}

size_t sessions_count(const struct sessions *s)
{
	return s ? s->n : 0;
}

static size_t locate(const struct sessions *s, const char *id, bool *found)
{
	size_t lo = 0, hi = s->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, s->v[mid].id);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static size_t locate_conn(const struct sessions *s, const void *conn, bool *found)
{
	size_t lo = 0, hi = s->nc;
	uintptr_t key = (uintptr_t)conn;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uintptr_t k = (uintptr_t)s->c[mid].conn;

		if (k == key) {
			*found = true;
			return mid;
		}
		if (key < k)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool id_ok(const char *id)
{
	return id && *id && strlen(id) <= SESSIONS_ID_MAX;
}

static bool user_ok(const char *user)
{
	return user && *user && strlen(user) <= SL_NAME_MAX;
}

enum sessions_verdict sessions_check(const struct sessions *s, const char *id,
		const char *user, const char **holder)
{
	bool found;
	size_t i;

	if (holder)
		*holder = NULL;
	if (!s || !id_ok(id) || !user_ok(user))
		return SESSIONS_BAD_ID;
	i = locate(s, id, &found);
	if (!found || strcmp(s->v[i].user, user) == 0)
		return SESSIONS_OK;
	if (holder)
		*holder = s->v[i].user;
	return SESSIONS_TAKEN;
}

static void remove_at(struct sessions *s, size_t i)
{
	free(s->v[i].id);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
}

/* Make room by forgetting the oldest session without a connection. */
static bool evict(struct sessions *s)
{
	size_t best = s->n;

	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].live && (best == s->n || s->v[i].stamp < s->v[best].stamp))
			best = i;
	}
	if (best == s->n)
		return false;
	remove_at(s, best);
	return true;
}

static bool grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 32;
	p = realloc(*v, ncap * elem);
	if (!p)
		return false;
	*v = p;
	*cap = ncap;
	return true;
}

enum sessions_verdict sessions_connected(struct sessions *s, const void *conn,
		const char *id, const char *user)
{
	struct session *e;
	char *conn_id;
	bool found, cfound;
	size_t i, ci;

	if (!s || !conn || !id_ok(id) || !user_ok(user))
		return SESSIONS_BAD_ID;
	ci = locate_conn(s, conn, &cfound);
	if (cfound)             /* the same connection twice: nothing new */
		return SESSIONS_OK;
	if (!grow((void **)&s->c, &s->ccap, s->nc, sizeof(s->c[0])))
		return SESSIONS_FULL;
	i = locate(s, id, &found);
	if (!found && s->n >= s->max) {
		if (!evict(s))
			return SESSIONS_FULL;
		i = locate(s, id, &found);
	}
	if (!found) {
		char *copy;

		if (!grow((void **)&s->v, &s->cap, s->n, sizeof(s->v[0])))
			return SESSIONS_FULL;
		copy = strdup(id);
		if (!copy)
			return SESSIONS_FULL;
		memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
		memset(&s->v[i], 0, sizeof(s->v[i]));
		s->v[i].id = copy;
		s->n++;
	}
	conn_id = strdup(id);
	if (!conn_id) {
		if (!found)
			remove_at(s, i);
		return SESSIONS_FULL;
	}
	e = &s->v[i];
	if (strcmp(e->user, user) != 0) {
		/* sessions_check allowed a new owner: the old one is gone */
		memcpy(e->user, user, strlen(user) + 1);
		e->live = 0;
	}
	e->live++;
	e->stamp = ++s->clock;
	memmove(&s->c[ci + 1], &s->c[ci], (s->nc - ci) * sizeof(s->c[0]));
	s->c[ci].conn = conn;
	s->c[ci].id = conn_id;
	memcpy(s->c[ci].user, user, strlen(user) + 1);
	s->nc++;
	return SESSIONS_OK;
}

void sessions_disconnected(struct sessions *s, const void *conn, bool persistent)
{
	bool found;
	size_t ci, i;
	char *id;

	if (!s || !conn)
		return;
	ci = locate_conn(s, conn, &found);
	if (!found)
		return;
	id = s->c[ci].id;
	i = locate(s, id, &found);
	/* the id may have passed to another account since (its owner was
	 * removed): then this connection no longer counts for it */
	if (found && strcmp(s->v[i].user, s->c[ci].user) != 0)
		found = false;
	free(id);
	memmove(&s->c[ci], &s->c[ci + 1], (s->nc - ci - 1) * sizeof(s->c[0]));
	s->nc--;
	if (!found)
		return;
	if (s->v[i].live)
		s->v[i].live--;
	s->v[i].stamp = ++s->clock;
	if (!s->v[i].live && !persistent)
		remove_at(s, i);
}

bool sessions_user_live(const struct sessions *s, const char *user)
{
	for (size_t i = 0; s && user && i < s->nc; i++)
		if (strcmp(s->c[i].user, user) == 0)
			return true;
	return false;
}

void sessions_forget_user(struct sessions *s, const char *user)
{
	if (!s || !user)
		return;
	for (size_t i = s->n; i-- > 0;) {
		if (strcmp(s->v[i].user, user) == 0)
			remove_at(s, i);
	}
}
