/* screen_users.c - the owner's users screen: role, status, window,
 * schedule, uses left and lockout of every user; add a guest, disable,
 * re-enable, revoke, reset a lockout. Every change is a signed admin
 * request; the list is fetched again after each. */
#include <stdlib.h>
#include <string.h>

#include "smartlock/config.h"
#include "smartlock/enrol.h"
#include "smartlock/timeutil.h"

#include "records.h"
#include "text.h"
#include "tui.h"

struct users {
	struct client_user *rows;
	size_t n;
	size_t sel;
	bool loading;
	bool loaded;
	struct sl_admin_req form;       /* the guest being added */
	struct client_new_user fresh;   /* credentials waiting to be written */
	bool have_fresh;
	char target[SL_NAME_MAX + 1];   /* the user an action is about */
	char select[SL_NAME_MAX + 1];   /* select this user when the list comes */
};

struct users_key {
	int key;
	unsigned (*run)(struct screen *s, struct tui *t);
};

static struct users *data_of(struct screen *s)
{
	return s->data;
}

static const struct client_user *selected(struct users *u)
{
	return u->sel < u->n ? &u->rows[u->sel] : NULL;
}

static void fetch_users(struct tui *t, struct users *u)
{
	struct sl_admin_req req;

	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_LIST;
	u->loading = true;
	tui_admin(t, &req);
	if (!t->admin.active)
		u->loading = false;
}

static void send_named(struct tui *t, enum sl_admin_op op, const char *name)
{
	struct sl_admin_req req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	snprintf(req.name, sizeof(req.name), "%s", name);
	tui_admin(t, &req);
}

/* ---- drawing ---- */

/* The cells of one user, in words. */
struct user_cells {
	char window[64], uses[32], lockout[64];
};

static void cells_of(const struct client_user *r, bool wide, int64_t now,
		struct user_cells *c)
{
	char a[40], b[40];

	if (r->from || r->until) {
		if (wide)
			snprintf(c->window, sizeof(c->window), "%s-%s",
					r->from ? text_format_local(r->from, a, sizeof(a)) : "",
					r->until ? text_format_local(r->until, b, sizeof(b)) : "");
		else if (r->from > now)
			snprintf(c->window, sizeof(c->window), "from %s",
					text_when(r->from, now, a, sizeof(a)));
		else if (r->until)
			snprintf(c->window, sizeof(c->window), "%s %s", r->until > now ? "until" : "ended",
					text_when(r->until, now, b, sizeof(b)));
		else
			snprintf(c->window, sizeof(c->window), "no end");
	} else {
		snprintf(c->window, sizeof(c->window), "always");
	}
	if (r->max_uses)
		snprintf(c->uses, sizeof(c->uses), "%lld left",
				(long long)(r->max_uses > r->uses ? r->max_uses - r->uses : 0));
	else
		snprintf(c->uses, sizeof(c->uses), "any");
	if (r->locked_out_until > now)
		snprintf(c->lockout, sizeof(c->lockout), "until %s",
				text_when(r->locked_out_until, now, a, sizeof(a)));
	else
		snprintf(c->lockout, sizeof(c->lockout), "-");
}

/* At 80 columns: name, role, status, window, uses, lockout; the schedule
 * and the full window from 120 columns, and always in the detail view. */
static void draw(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);
	int64_t now = time_now_ms();
	int y = 2, w = COLS - 2, rows = LINES - 6;
	bool wide = COLS >= 120;
	size_t first = 0;

	tui_putf(t, 1, 1, w, A_BOLD, "Users of %s%s", t->lock,
			u->loading ? " (loading...)" : "");
	if (wide)
		tui_putf(t, y++, 1, w, tui_attr(t, COLOR_INFO) | A_BOLD,
				"%-16s %-8s %-8s %-27s %-20s %-8s %s", "NAME", "ROLE", "STATUS", "WINDOW",
				"SCHEDULE", "USES", "LOCKOUT");
	else
		tui_putf(t, y++, 1, w, tui_attr(t, COLOR_INFO) | A_BOLD,
				"%-14s %-8s %-8s %-19s %-8s %s", "NAME", "ROLE", "STATUS", "WINDOW", "USES",
				"LOCKOUT");
	if (u->loaded && u->n == 0)
		tui_put(t, y, 1, w, "No users.", A_NORMAL);
	if (rows > 0 && u->sel >= (size_t)rows)
		first = u->sel - (size_t)rows + 1;
	for (size_t i = first; i < u->n && y < LINES - 3; i++, y++) {
		const struct client_user *r = &u->rows[i];
		struct user_cells c;
		attr_t a = i == u->sel ? A_REVERSE : A_NORMAL;

		cells_of(r, wide, now, &c);
		if (strcmp(r->status, "active") != 0)
			a |= A_DIM;
		move(y, 1);
		attron(a);
		hline(' ', w);
		attroff(a);
		if (wide)
			tui_putf(t, y, 1, w, a, "%-16s %-8s %-8s %-27.27s %-20.20s %-8s %s", r->name,
					r->role, r->status, c.window,
					r->schedule[0] ? r->schedule : "any time", c.uses, c.lockout);
		else
			tui_putf(t, y, 1, w, a, "%-14.14s %-8s %-8s %-19.19s %-8s %s", r->name,
					r->role, r->status, c.window, c.uses, c.lockout);
	}
}

/* Everything about the selected user. */
static struct screen *user_detail(const struct client_user *r)
{
	struct screen *s = screen_pager_create("detail", r->name);
	struct user_cells c;
	char used[64];
	bool ok;

	if (!s)
		return NULL;
	cells_of(r, true, time_now_ms(), &c);
	snprintf(used, sizeof(used), "%lld used, %s", (long long)r->uses, c.uses);
	ok = pager_field(s, "Role", r->role) && pager_field(s, "Status", r->status) &&
			pager_field(s, "Valid", c.window) &&
			pager_field(s, "Schedule", r->schedule[0] ? r->schedule : "any time") &&
			pager_field(s, "Unlocks", used) && pager_field(s, "Locked out", c.lockout) &&
			pager_field(s, "Locks", strcmp(r->locks, "*") == 0 ? "every lock" : r->locks);
	if (!ok) {
		s->destroy(s);
		return NULL;
	}
	return s;
}

/* ---- adding a guest: one question after another ---- */

static void ask_name(struct tui *t, struct users *u, const char *initial);
static void ask_from(struct tui *t, struct users *u, const char *initial);
static void ask_until(struct tui *t, struct users *u, const char *initial);
static void ask_schedule(struct tui *t, struct users *u, const char *initial);
static void ask_uses(struct tui *t, struct users *u, const char *initial);

static void got_uses(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;
	int64_t uses = 0;

	if (!ok) {
		tui_message(t, COLOR_NONE_, "Adding a guest cancelled.");
		return;
	}
	if (text[0] && config_parse_int(text, 0, 1000000, &uses) != SL_OK) {
		ask_uses(t, u, text);
		prompt_error(t, "Uses: a whole number from 0 (unlimited) to 1000000.");
		return;
	}
	u->form.has_uses = true;
	u->form.uses = uses;
	snprintf(u->target, sizeof(u->target), "%s", u->form.name);
	tui_admin(t, &u->form);
}

static void ask_uses(struct tui *t, struct users *u, const char *initial)
{
	prompt_text(t, "Number of uses (0 or empty = unlimited): ", initial, 8, got_uses, u);
}

static void got_schedule(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;

	if (!ok) {
		tui_message(t, COLOR_NONE_, "Adding a guest cancelled.");
		return;
	}
	u->form.has_schedule = text[0] != '\0';
	snprintf(u->form.schedule, sizeof(u->form.schedule), "%s", text);
	ask_uses(t, u, "");
}

static void ask_schedule(struct tui *t, struct users *u, const char *initial)
{
	prompt_text(t, "Weekly schedule (e.g. Sa,Su 09:00-18:00; empty = any time): ", initial,
			SL_SCHEDULE_MAX - 1, got_schedule, u);
}

static void got_until(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;

	if (!ok) {
		tui_message(t, COLOR_NONE_, "Adding a guest cancelled.");
		return;
	}
	u->form.has_until = false;
	if (text[0]) {
		if (!text_parse_local(text, time_now_ms(), &u->form.until)) {
			ask_until(t, u, text);
			prompt_error(t, "Until: YYYY-MM-DD HH:MM[:SS], YYYY-MM-DD or HH:MM; final Z for UTC.");
			return;
		}
		if (u->form.has_from && u->form.until <= u->form.from) {
			ask_until(t, u, text);
			prompt_error(t, "The window must end after it starts.");
			return;
		}
		u->form.has_until = true;
	}
	ask_schedule(t, u, "");
}

static void ask_until(struct tui *t, struct users *u, const char *initial)
{
	prompt_text(t, "Valid until (YYYY-MM-DD HH:MM; empty = no end): ", initial, TEXT_TIME_MAX, got_until, u);
}

static void got_from(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;

	if (!ok) {
		tui_message(t, COLOR_NONE_, "Adding a guest cancelled.");
		return;
	}
	u->form.has_from = false;
	if (text[0]) {
		if (!text_parse_local(text, time_now_ms(), &u->form.from)) {
			ask_from(t, u, text);
			prompt_error(t, "From: YYYY-MM-DD HH:MM[:SS], YYYY-MM-DD, HH:MM or now; final Z for UTC.");
			return;
		}
		u->form.has_from = true;
	}
	ask_until(t, u, "");
}

static void ask_from(struct tui *t, struct users *u, const char *initial)
{
	prompt_text(t, "Valid from (YYYY-MM-DD HH:MM; empty = now): ", initial, TEXT_TIME_MAX, got_from, u);
}

static void got_name(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;

	if (!ok) {
		tui_message(t, COLOR_NONE_, "Adding a guest cancelled.");
		return;
	}
	if (topic_check_name(text) != SL_OK) {
		ask_name(t, u, text);
		prompt_error(t, "A name is 1-%d letters, digits, '.', '_' or '-'.",
				SL_NAME_MAX);
		return;
	}
	memset(&u->form, 0, sizeof(u->form));
	u->form.op = SL_ADMIN_USER_ADD;
	snprintf(u->form.name, sizeof(u->form.name), "%s", text);
	u->form.has_role = true;
	u->form.role = SL_ROLE_GUEST;
	ask_from(t, u, "");
}

static void ask_name(struct tui *t, struct users *u, const char *initial)
{
	prompt_text(t, "New guest's name: ", initial, SL_NAME_MAX, got_name, u);
}

/* ---- the new user's enrolment file ---- */

static void wipe_fresh(struct users *u)
{
	records_new_user_wipe(&u->fresh);
	u->have_fresh = false;
}

static void ask_path(struct tui *t, struct users *u);

static void got_path(struct tui *t, bool ok, const char *text, void *arg)
{
	struct users *u = arg;
	struct sl_enrolment e;
	enum sl_err rc;

	if (!ok || !text[0]) {
		tui_message(t, COLOR_WARN, "%s was added, but no enrolment file was written: "
				"revoke and add again to hand out access.", u->fresh.user);
		wipe_fresh(u);
		return;
	}
	e = *t->enrolment;
	snprintf(e.user, sizeof(e.user), "%s", u->fresh.user);
	e.role = u->fresh.role;
	snprintf(e.lock, sizeof(e.lock), "%s", t->lock);
	snprintf(e.password, sizeof(e.password), "%s", u->fresh.password);
	e.key = u->fresh.key;
	rc = enrol_save(text, &e, false);
	enrol_wipe(&e);
	if (rc != SL_OK) {
		ask_path(t, u);
		prompt_error(t, "%s: %s; choose another file.", text,
				rc == SL_ERR_EXISTS ? "already exists" : sl_strerror(rc));
		return;
	}
	tui_message(t, COLOR_GOOD, "Done: %s added; enrolment written to %s (mode 0600).",
			u->fresh.user, text);
	wipe_fresh(u);
}

static void ask_path(struct tui *t, struct users *u)
{
	char initial[SL_NAME_MAX + 8];

	snprintf(initial, sizeof(initial), "%s.enrol", u->fresh.user);
	prompt_text(t, "Write the enrolment file to: ", initial, 120, got_path, u);
}

/* ---- confirmations ---- */

static void confirmed_disable(struct tui *t, bool yes, const char *text, void *arg)
{
	struct users *u = arg;

	(void)text;
	if (yes)
		send_named(t, SL_ADMIN_USER_DISABLE, u->target);
}

static void confirmed_revoke(struct tui *t, bool yes, const char *text, void *arg)
{
	struct users *u = arg;

	(void)text;
	if (yes)
		send_named(t, SL_ADMIN_USER_REVOKE, u->target);
}

/* ---- keys ---- */

static unsigned key_back(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);

	if (u->have_fresh || (t->admin.active && t->admin.op == SL_ADMIN_USER_ADD)) {
		tui_message(t, COLOR_WARN, "Waiting for the new user's enrolment; please wait.");
		return TUI_HANDLED;
	}
	tui_set_screen(t, NULL);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_up(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);

	(void)t;
	if (u->sel > 0)
		u->sel--;
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_down(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);

	(void)t;
	if (u->sel + 1 < u->n)
		u->sel++;
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_home(struct screen *s, struct tui *t)
{
	(void)t;
	data_of(s)->sel = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_end(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);

	(void)t;
	u->sel = u->n ? u->n - 1 : 0;
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_add(struct screen *s, struct tui *t)
{
	ask_name(t, data_of(s), "");
	return TUI_HANDLED | TUI_REDRAW;
}

static bool pick(struct screen *s, struct tui *t)
{
	struct users *u = data_of(s);
	const struct client_user *r = selected(u);

	if (!r) {
		tui_message(t, COLOR_NONE_, "No user selected.");
		return false;
	}
	snprintf(u->target, sizeof(u->target), "%s", r->name);
	return true;
}

static unsigned key_disable(struct screen *s, struct tui *t)
{
	char q[96];

	if (pick(s, t)) {
		snprintf(q, sizeof(q), "Disable %s? (y/n)", data_of(s)->target);
		prompt_confirm(t, q, confirmed_disable, data_of(s));
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_enable(struct screen *s, struct tui *t)
{
	if (pick(s, t))
		send_named(t, SL_ADMIN_USER_ENABLE, data_of(s)->target);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_revoke(struct screen *s, struct tui *t)
{
	char q[128];

	if (pick(s, t)) {
		snprintf(q, sizeof(q), "Revoke %s for good (cannot be undone)? (y/n)",
				data_of(s)->target);
		prompt_confirm(t, q, confirmed_revoke, data_of(s));
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_lockout(struct screen *s, struct tui *t)
{
	if (pick(s, t))
		send_named(t, SL_ADMIN_LOCKOUT_RESET, data_of(s)->target);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_lockout_all(struct screen *s, struct tui *t)
{
	data_of(s)->target[0] = '\0';
	send_named(t, SL_ADMIN_LOCKOUT_RESET, "");
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_detail(struct screen *s, struct tui *t)
{
	const struct client_user *r = selected(data_of(s));
	struct screen *d = r ? user_detail(r) : NULL;

	if (d)
		tui_push_screen(t, d);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned key_refresh(struct screen *s, struct tui *t)
{
	fetch_users(t, data_of(s));
	return TUI_HANDLED | TUI_REDRAW;
}

/* Sorted by key for bsearch. */
static const struct users_key users_keys[] = {
	{'\n', key_detail},
	{'\r', key_detail},
	{KEYS_ESC, key_back},
	{'O', key_lockout_all},
	{'a', key_add},
	{'d', key_disable},
	{'e', key_enable},
	{'g', key_refresh},
	{'j', key_down},
	{'k', key_up},
	{'o', key_lockout},
	{'q', key_back},
	{'x', key_revoke},
	{KEYS_FN(KEY_DOWN), key_down},
	{KEYS_FN(KEY_UP), key_up},
	{KEYS_FN(KEY_HOME), key_home},
	{KEYS_FN(KEY_ENTER), key_detail},
	{KEYS_FN(KEY_END), key_end},
};

static int users_key_cmp(const void *key, const void *elem)
{
	int k = *(const int *)key, e = ((const struct users_key *)elem)->key;

	return (k > e) - (k < e);
}

static unsigned handle_key(struct screen *s, struct tui *t, int key)
{
	const struct users_key *k = bsearch(&key, users_keys,
			sizeof(users_keys) / sizeof(users_keys[0]), sizeof(users_keys[0]),
			users_key_cmp);

	return k ? k->run(s, t) : TUI_IGNORED;
}

/* ---- answers ---- */

static void admin_answer(struct screen *s, struct tui *t, const struct sl_admin_res *r)
{
	struct users *u = data_of(s);
	char sentence[WORDS_MAX];

	if (r->op == SL_ADMIN_USER_LIST) {
		struct client_user *rows;
		size_t n;

		u->loading = false;
		if (r->result != SL_RESULT_OK) {
			words_admin(r, "", time_now_ms(), sentence, sizeof(sentence));
			tui_message(t, COLOR_BAD, "%s", sentence);
			return;
		}
		if (records_parse_users(r->data_json, &rows, &n) != SL_OK) {
			tui_message(t, COLOR_BAD, "The agent's user list could not be read.");
			return;
		}
		free(u->rows);
		u->rows = rows;
		u->n = n;
		u->loaded = true;
		if (u->sel >= n)
			u->sel = n ? n - 1 : 0;
		for (size_t i = 0; u->select[0] && i < n; i++)
			if (strcmp(rows[i].name, u->select) == 0)
				u->sel = i;
		u->select[0] = '\0';
		return;
	}
	words_admin(r, u->target, time_now_ms(), sentence, sizeof(sentence));
	tui_message(t, r->result == SL_RESULT_OK ? COLOR_GOOD : COLOR_BAD, "%s", sentence);
	if (r->op == SL_ADMIN_USER_ADD && r->result == SL_RESULT_OK) {
		snprintf(u->select, sizeof(u->select), "%s", u->target);
		if (records_parse_new_user(r->data_json, &u->fresh) == SL_OK) {
			u->have_fresh = true;
			ask_path(t, u);
		} else {
			tui_message(t, COLOR_BAD, "%s was added but the answer held no usable "
					"enrolment material; revoke and add again.", u->target);
		}
		if (r->data_json)
			explicit_bzero(r->data_json, strlen(r->data_json));
	}
	if (r->result == SL_RESULT_OK)
		fetch_users(t, u);
}

static void destroy(struct screen *s)
{
	struct users *u = data_of(s);

	wipe_fresh(u);
	free(u->rows);
	free(u);
	free(s);
}

struct screen *screen_users_create(struct tui *t)
{
	struct screen *s = calloc(1, sizeof(*s));
	struct users *u = calloc(1, sizeof(*u));

	if (!s || !u) {
		free(s);
		free(u);
		return NULL;
	}
	s->name = "users";
	s->keys = "a Add guest  d Disable  e Enable  x Revoke  o Clear lockout  Enter All  Esc Back";
	s->draw = draw;
	s->handle_key = handle_key;
	s->admin_answer = admin_answer;
	s->destroy = destroy;
	s->data = u;
	fetch_users(t, u);
	return s;
}
