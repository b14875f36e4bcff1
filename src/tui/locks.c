/* locks.c - the locks one console can show (from --lock and, for owners,
 * the agent's alert history answer) and switching between them: each
 * switch opens a fresh session on the other lock's topics. */
#include <stdio.h>
#include <string.h>

#include "smartlock/timeutil.h"

#include "tui.h"

bool tui_locks_add(struct tui *t, const char *id)
{
	if (!id[0] || topic_check_name(id) != SL_OK)
		return false;
	for (size_t i = 0; i < t->nlocks; i++)
		if (strcmp(t->locks[i], id) == 0)
			return true;
	if (t->nlocks == TUI_LOCKS_MAX)
		return false;
	snprintf(t->locks[t->nlocks++], sizeof(t->locks[0]), "%s", id);
	return true;
}

enum sl_err tui_session_open(struct tui *t, const char *lock, char *msg, size_t size)
{
	struct client_opts co;
	enum sl_err err;

	memset(&co, 0, sizeof(co));
	co.enrol = t->enrolment;
	co.lock = lock;
	co.prog = "tui";
	t->client = client_create(&co, &err, msg, size);
	if (!t->client)
		return err;
	snprintf(t->lock, sizeof(t->lock), "%s", client_lock(t->client));
	tui_locks_add(t, t->lock);
	client_want(t->client, SL_TOPIC_LOCK_RES);
	client_want(t->client, SL_TOPIC_STATE);
	client_want(t->client, SL_TOPIC_HEALTH);
	client_want(t->client, SL_TOPIC_ALERT);
	if (t->role == SL_ROLE_OWNER)
		client_want(t->client, SL_TOPIC_LOG);
	/* admin answers: owners' operations; a resident who gets alerts is
	 * granted them for the alert history (the broker refuses the others) */
	if (t->role != SL_ROLE_GUEST)
		client_want(t->client, SL_TOPIC_ADMIN_RES);
	/* no waiting for the broker: the console opens at once, says it is
	 * connecting and why the last attempt failed, and the session retries
	 * with backoff */
	return client_start(t->client, msg, size);
}

size_t tui_lock_index(const struct tui *t)
{
	for (size_t i = 0; i < t->nlocks; i++)
		if (strcmp(t->locks[i], t->lock) == 0)
			return i;
	return 0;
}

/* Forget what the console knew about the lock it leaves. */
static bool reset_view(struct tui *t)
{
	model_finish(&t->model);
	if (!model_init(&t->model, t->role))
		return false;
	memset(&t->req, 0, sizeof(t->req));
	memset(&t->admin, 0, sizeof(t->admin));
	t->lockres_ready = t->adminres_ready = false;
	t->want_alerts = false;
	tui_set_screen(t, NULL);
	return true;
}

void tui_switch_lock(struct tui *t, int delta)
{
	char next[SL_NAME_MAX + 1], msg[256];
	size_t i;

	if (t->nlocks < 2) {
		tui_message(t, COLOR_NONE_, "This console knows only the lock %s.", t->lock);
		return;
	}
	i = (tui_lock_index(t) + t->nlocks + (size_t)(delta % (int)t->nlocks)) % t->nlocks;
	snprintf(next, sizeof(next), "%s", t->locks[i]);
	client_destroy(t->client);
	t->client = NULL;
	if (!reset_view(t) || tui_session_open(t, next, msg, sizeof(msg)) != SL_OK) {
		/* nothing sensible to show: say so and leave */
		snprintf(t->fatal, sizeof(t->fatal), "cannot open the lock %s: %s", next, msg);
		t->quit = true;
		return;
	}
	t->model.conn = client_state(t->client);
	t->model.conn_changed = time_now_ms();
	tui_message(t, COLOR_INFO, "Now showing the lock %s.", t->lock);
}
