/* ui.c - the console's one main loop: poll() on the terminal, the signal
 * pipe and the session; events into the model, keys through the tables,
 * one redraw when something changed. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "smartlock/timeutil.h"

#include "records.h"
#include "term.h"
#include "text.h"
#include "tui.h"
#include "ui.h"

#define EVENTS_PER_ROUND 512    /* then keys get their turn again */
#define FRAME_MS 50             /* at most 20 redraws a second */
#define SPINNER_MS 100
#define BELL_GAP_MS 1000
#define MESSAGE_SETTLE_MS 3000  /* the lock's events this soon after a message belong to it */

/* ---- drawing helpers ---- */

/* Our strings are UTF-8. Under a locale that is not, decode them here and
 * draw what has no ASCII stand-in as '?'. */
struct ascii_sub {
	uint32_t cp;
	const char *ascii;
};

static const struct ascii_sub ascii_subs[] = {      /* sorted by cp */
	{0x2014, "-"},          /* em dash */
	{0x2026, "..."},        /* ellipsis */
	{0x2502, "|"},          /* box vertical */
	{0x25cf, "*"},          /* black circle */
};

static int sub_cmp(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, e = ((const struct ascii_sub *)elem)->cp;

	return (k > e) - (k < e);
}

/* One UTF-8 character at s: its length (1 for an invalid byte) and, in
 * *ascii, what to draw without Unicode. */
static size_t ascii_of(const unsigned char *s, const char **ascii)
{
	size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	uint32_t cp = n == 1 ? s[0] : (uint32_t)(s[0] & (0x7f >> n));
	const struct ascii_sub *sub;

	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*ascii = "?";
			return 1;
		}
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	sub = bsearch(&cp, ascii_subs, sizeof(ascii_subs) / sizeof(ascii_subs[0]),
			sizeof(ascii_subs[0]), sub_cmp);
	*ascii = sub ? sub->ascii : "?";
	return n;
}

/* The display width of text, stopping before the character that would
 * pass limit; *bytes (may be NULL) gets how much of text that was. */
static int measure(const char *text, int limit, size_t *bytes)
{
	const char *start = text;
	mbstate_t st;
	int w = 0;
	bool utf8 = MB_CUR_MAX > 1;

	memset(&st, 0, sizeof(st));
	while (*text) {
		wchar_t wc;
		size_t n;
		int cw;

		if (!utf8 && (unsigned char)*text >= 0x80) {
			const char *a;

			n = ascii_of((const unsigned char *)text, &a);
			cw = (int)strlen(a);
		} else {
			n = mbrtowc(&wc, text, MB_CUR_MAX, &st);
			if (n == 0 || n == (size_t)-1 || n == (size_t)-2) {
				memset(&st, 0, sizeof(st));
				n = 1;
				cw = 1;
			} else {
				cw = wcwidth(wc);
				if (cw < 0)
					cw = 1;
			}
		}
		if (w + cw > limit)
			break;
		w += cw;
		text += n;
	}
	if (bytes)
		*bytes = (size_t)(text - start);
	return w;
}

int tui_width(const char *text)
{
	return measure(text, INT_MAX, NULL);
}

int tui_fit(const char *text, int width)
{
	size_t bytes;

	measure(text, width, &bytes);
	return (int)bytes;
}

int tui_put(struct tui *t, int y, int x, int width, const char *text, attr_t attr)
{
	wchar_t buf[512];
	mbstate_t st;
	int used = 0;
	int n = 0;

	if (width <= 0)
		return 0;
	memset(&st, 0, sizeof(st));
	while (*text && n < (int)(sizeof(buf) / sizeof(buf[0])) - 4) {
		wchar_t wc;
		size_t len;
		int cw;

		if (!t->utf8 && (unsigned char)*text >= 0x80) {
			const char *a;

			text += ascii_of((const unsigned char *)text, &a);
			if (used + (int)strlen(a) > width)
				break;
			for (; *a; a++, used++)
				buf[n++] = (wchar_t)*a;
			continue;
		}
		len = mbrtowc(&wc, text, MB_CUR_MAX, &st);
		if (len == 0 || len == (size_t)-1 || len == (size_t)-2) {
			memset(&st, 0, sizeof(st));
			wc = L'?';
			len = 1;
		}
		cw = wcwidth(wc);
		if (cw < 0 || (wc < 0x20) || (wc >= 0x7f && wc < 0xa0)) {
			/* not printable as itself: never reaches the terminal */
			wc = L'?';
			cw = 1;
		}
		if (used + cw > width)
			break;
		buf[n++] = wc;
		used += cw;
		text += len;
	}
	buf[n] = L'\0';
	attron(attr);
	mvaddnwstr(y, x, buf, n);
	attroff(attr);
	return used;
}

int tui_putf(struct tui *t, int y, int x, int width, attr_t attr, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tui_put(t, y, x, width, buf, attr);
}

attr_t tui_attr(const struct tui *t, enum tui_color c)
{
	/* without colour, attributes carry the meaning */
	static const attr_t mono[COLOR_COUNT_] = {
		[COLOR_NONE_] = A_NORMAL,
		[COLOR_GOOD] = A_BOLD,
		[COLOR_BAD] = A_BOLD | A_UNDERLINE,
		[COLOR_WARN] = A_BOLD,
		[COLOR_INFO] = A_NORMAL,
		[COLOR_BAR] = A_REVERSE,
		[COLOR_ALERT] = A_REVERSE | A_BOLD,
	};

	if ((unsigned)c >= COLOR_COUNT_)
		return A_NORMAL;
	if (!t->color)
		return mono[c];
	switch (c) {
	case COLOR_BAR:
	case COLOR_ALERT:
		return COLOR_PAIR(c) | A_BOLD;
	case COLOR_NONE_:
		return A_NORMAL;
	default:
		return COLOR_PAIR(c);
	}
}

void tui_box(struct tui *t, const struct rect *r, const char *title, bool focused)
{
	attr_t a = focused ? A_BOLD : A_NORMAL;

	if (r->h < 2 || r->w < 4)
		return;
	attron(a);
	mvaddch(r->y, r->x, ACS_ULCORNER);
	mvhline(r->y, r->x + 1, ACS_HLINE, r->w - 2);
	mvaddch(r->y, r->x + r->w - 1, ACS_URCORNER);
	mvvline(r->y + 1, r->x, ACS_VLINE, r->h - 2);
	mvvline(r->y + 1, r->x + r->w - 1, ACS_VLINE, r->h - 2);
	mvaddch(r->y + r->h - 1, r->x, ACS_LLCORNER);
	mvhline(r->y + r->h - 1, r->x + 1, ACS_HLINE, r->w - 2);
	mvaddch(r->y + r->h - 1, r->x + r->w - 1, ACS_LRCORNER);
	attroff(a);
	if (title && title[0]) {
		char buf[160];

		snprintf(buf, sizeof(buf), " %s ", title);
		tui_put(t, r->y, r->x + 2, r->w - 4, buf, a | tui_attr(t, COLOR_INFO));
	}
}

void tui_message(struct tui *t, enum tui_color c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->message, sizeof(t->message), fmt, ap);
	va_end(ap);
	t->message_color = c;
	t->message_at = time_mono_ms();
	t->dirty = true;
}

static void init_colors(struct tui *t)
{
	if (!t->color)
		return;
	init_pair(COLOR_GOOD, COLOR_GREEN, -1);
	init_pair(COLOR_BAD, COLOR_RED, -1);
	init_pair(COLOR_WARN, COLOR_YELLOW, -1);
	init_pair(COLOR_INFO, COLOR_CYAN, -1);
	init_pair(COLOR_BAR, COLOR_BLACK, COLOR_CYAN);
	init_pair(COLOR_ALERT, COLOR_WHITE, COLOR_RED);
}

/* ---- requests ---- */

static const char *const action_doing[SL_ACTION_COUNT_] = {
	[SL_ACTION_LOCK] = "Locking",
	[SL_ACTION_UNLOCK] = "Unlocking",
	[SL_ACTION_STATUS] = "Asking for the state",
	[SL_ACTION_HEARTBEAT] = "Health check",
	[SL_ACTION_RESET] = "Resetting",
};

static bool can_send(struct tui *t, bool admin)
{
	if (client_state(t->client) != CLIENT_CONNECTED) {
		tui_message(t, COLOR_BAD, "Not connected to the broker: %s",
				client_conn_problem(t->client));
		return false;
	}
	if (!(admin ? t->adminres_ready : t->lockres_ready)) {
		tui_message(t, COLOR_WARN, "Still setting up the session; try again in a moment.");
		return false;
	}
	return true;
}

void tui_request(struct tui *t, enum sl_action action, bool quiet)
{
	int64_t id;
	enum sl_err err;

	if (t->req.active && !(t->req.quiet && !quiet)) {
		/* a background status question gives way to the user's request */
		if (!quiet)
			tui_message(t, COLOR_WARN, "Still waiting for the answer to the last request.");
		return;
	}
	if (!can_send(t, false))
		return;
	err = client_request(t->client, action, &id);
	if (err != SL_OK) {
		tui_message(t, COLOR_BAD, "Could not send the request: %s", sl_strerror(err));
		return;
	}
	memset(&t->req, 0, sizeof(t->req));
	t->req.active = true;
	t->req.id = id;
	t->req.action = action;
	t->req.quiet = quiet;
	t->req.started = time_mono_ms();
	t->req.deadline = t->req.started + t->timeout_ms;
	if (!quiet)
		t->message[0] = '\0';
	t->dirty = true;
}

void tui_admin(struct tui *t, struct sl_admin_req *req)
{
	int64_t id;
	enum sl_err err;

	if (t->admin.active) {
		tui_message(t, COLOR_WARN, "Still waiting for the agent's answer.");
		return;
	}
	if (!can_send(t, true))
		return;
	err = client_admin(t->client, req, &id);
	if (err != SL_OK) {
		tui_message(t, COLOR_BAD, "Could not send the request: %s", sl_strerror(err));
		return;
	}
	memset(&t->admin, 0, sizeof(t->admin));
	t->admin.active = true;
	t->admin.id = id;
	t->admin.op = req->op;
	t->admin.quiet = req->op == SL_ADMIN_LOG_PAGE || req->op == SL_ADMIN_ALERT_LIST;
	t->admin.cursor = req->has_cursor ? req->cursor : 0;
	snprintf(t->admin.name, sizeof(t->admin.name), "%s", req->name);
	t->admin.started = time_mono_ms();
	t->admin.deadline = t->admin.started + t->timeout_ms;
	t->dirty = true;
}

void tui_set_screen(struct tui *t, struct screen *s)
{
	while (t->screen) {
		struct screen *back = t->screen->back;

		if (t->screen->destroy)
			t->screen->destroy(t->screen);
		t->screen = back;
	}
	t->screen = s;
	t->dirty = true;
	clearok(curscr, TRUE);
}

void tui_push_screen(struct tui *t, struct screen *s)
{
	s->back = t->screen;
	t->screen = s;
	t->dirty = true;
	clearok(curscr, TRUE);
}

void tui_pop_screen(struct tui *t)
{
	struct screen *s = t->screen, *back = s ? s->back : NULL;

	if (s && s->destroy)
		s->destroy(s);
	t->screen = back;
	t->dirty = true;
	clearok(curscr, TRUE);
}

/* ---- actions of the key table ---- */

static unsigned act_lock(struct tui *t)
{
	tui_request(t, SL_ACTION_LOCK, false);
	return TUI_HANDLED | TUI_REDRAW;
}

static void unlock_confirmed(struct tui *t, bool yes, const char *text, void *arg)
{
	(void)text;
	(void)arg;
	if (yes)
		tui_request(t, SL_ACTION_UNLOCK, false);
	else
		tui_message(t, COLOR_NONE_, "Unlock cancelled.");
}

static unsigned act_unlock(struct tui *t)
{
	char q[96];

	snprintf(q, sizeof(q), "Unlock %s? (y/n)", t->lock);
	prompt_confirm(t, q, unlock_confirmed, NULL);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_status(struct tui *t)
{
	tui_request(t, SL_ACTION_STATUS, false);
	return TUI_HANDLED | TUI_REDRAW;
}

/* Owners acknowledge through the agent, so that every console agrees;
 * others (and alerts without an id) only in this console. */
static void send_ack(struct tui *t, enum sl_admin_op op, uint64_t id)
{
	struct sl_admin_req req;

	memset(&req, 0, sizeof(req));
	req.op = op;
	req.has_cursor = true;
	req.cursor = (int64_t)id;
	tui_admin(t, &req);
}

static unsigned act_ack(struct tui *t)
{
	const struct alert_item *a = model_ack_target(&t->model);

	if (!a)
		tui_message(t, COLOR_NONE_, "No unacknowledged alerts.");
	else if (t->role == SL_ROLE_OWNER && a->alert.id)
		send_ack(t, SL_ADMIN_ALERT_ACK, a->alert.id);
	else if (model_ack(&t->model))
		tui_message(t, COLOR_NONE_, "Alert acknowledged on this screen.");
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_ack_all(struct tui *t)
{
	uint64_t newest = model_alert_newest_id(&t->model);

	if (t->model.unacked == 0)
		tui_message(t, COLOR_NONE_, "No unacknowledged alerts.");
	else if (t->role == SL_ROLE_OWNER && newest)
		send_ack(t, SL_ADMIN_ALERT_ACK_ALL, newest);
	else {
		model_ack_all(&t->model);
		tui_message(t, COLOR_NONE_, "All alerts acknowledged on this screen.");
	}
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_focus(struct tui *t)
{
	if (t->layout.has_log)
		t->focus = t->focus == PANEL_LOG ? PANEL_ALERTS : PANEL_LOG;
	return TUI_HANDLED | TUI_REDRAW;
}

static void search_done(struct tui *t, bool ok, const char *text, void *arg)
{
	(void)arg;
	if (!ok)
		return;
	model_log_set_search(&t->model, text);
	if (text[0])
		tui_message(t, COLOR_NONE_, "Log search: \"%s\" (/ and Enter on an empty line "
				"clears it).", t->model.search);
	else
		tui_message(t, COLOR_NONE_, "Log search cleared.");
}

static unsigned act_search(struct tui *t)
{
	/* a new search starts empty: typing never appends to the old one */
	prompt_text(t, "Search log: ", "", MODEL_SEARCH_MAX - 1, search_done, NULL);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_filter(struct tui *t)
{
	model_log_cycle_filter(&t->model);
	tui_message(t, COLOR_NONE_, "Log filter: %s.", model_filter_name(t->model.filter));
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_pause(struct tui *t)
{
	model_log_toggle_pause(&t->model);
	tui_message(t, COLOR_NONE_, t->model.paused ? "Log paused: new records are kept but "
			"not scrolled in; p follows again." : "Log following the newest records.");
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_users(struct tui *t)
{
	struct screen *s = screen_users_create(t);

	if (s)
		tui_set_screen(t, s);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_health_check(struct tui *t)
{
	struct sl_admin_req req;

	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_HEALTH_CHECK;
	tui_admin(t, &req);
	return TUI_HANDLED | TUI_REDRAW;
}

static void reset_confirmed(struct tui *t, bool yes, const char *text, void *arg)
{
	struct sl_admin_req req;

	(void)text;
	(void)arg;
	if (!yes) {
		tui_message(t, COLOR_NONE_, "Lock reset cancelled.");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOCK_RESET;
	tui_admin(t, &req);
}

static unsigned act_lock_reset(struct tui *t)
{
	prompt_confirm(t, "Reset the lock (the bolt re-homes)? (y/n)", reset_confirmed, NULL);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_help(struct tui *t)
{
	struct screen *s = screen_help_create(t);

	if (s)
		tui_set_screen(t, s);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_redraw(struct tui *t)
{
	(void)t;
	clearok(curscr, TRUE);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_next_lock(struct tui *t)
{
	tui_switch_lock(t, 1);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_prev_lock(struct tui *t)
{
	tui_switch_lock(t, -1);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned act_quit(struct tui *t)
{
	(void)t;
	return TUI_HANDLED | TUI_QUIT;
}

/* Indexed by enum tui_action. */
static unsigned (*const actions[ACT_COUNT_])(struct tui *t) = {
	[ACT_LOCK] = act_lock,
	[ACT_UNLOCK] = act_unlock,
	[ACT_STATUS] = act_status,
	[ACT_ACK] = act_ack,
	[ACT_ACK_ALL] = act_ack_all,
	[ACT_FOCUS] = act_focus,
	[ACT_SEARCH] = act_search,
	[ACT_FILTER] = act_filter,
	[ACT_PAUSE] = act_pause,
	[ACT_USERS] = act_users,
	[ACT_HEALTH_CHECK] = act_health_check,
	[ACT_LOCK_RESET] = act_lock_reset,
	[ACT_HELP] = act_help,
	[ACT_REDRAW] = act_redraw,
	[ACT_QUIT] = act_quit,
	[ACT_NEXT_LOCK] = act_next_lock,
	[ACT_PREV_LOCK] = act_prev_lock,
};

unsigned ui_dispatch_key(struct tui *t, int key)
{
	const struct key_binding *b;
	unsigned r;

	if (key == KEYS_FN(KEY_RESIZE))
		return TUI_HANDLED | TUI_REDRAW;
	if (t->prompt)
		return prompt_handle_key(t, key);
	t->message[0] = '\0';  /* a key press starts something new */
	if (t->screen) {
		r = t->screen->handle_key(t->screen, t, key);
		if (r != TUI_IGNORED)
			return r;
		/* screens fall back to the few global keys */
		if (key == KEYS_CTRL('l'))
			return act_redraw(t);
		return TUI_IGNORED;
	}
	if (t->panels[t->focus] && t->panels[t->focus]->handle_key) {
		r = t->panels[t->focus]->handle_key(t->panels[t->focus], t, key);
		if (r != TUI_IGNORED)
			return r;
	}
	b = keys_lookup(key, t->role);
	if (!b && (b = keys_find(key)) != NULL) {
		/* a key of another role: say so rather than nothing */
		tui_message(t, COLOR_WARN, "%s is for %s only.", b->name,
				b->roles == KEYS_OWNER ? "owners" : "owners and residents");
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (!b || !actions[b->action])
		return TUI_IGNORED;
	return actions[b->action](t);
}

/* ---- the session's events ---- */

static void notify_alert(struct tui *t, const struct sl_alert *a, int64_t *last_bell)
{
	char title[96], body[WORDS_MAX];
	bool critical = words_alert_is_security(a->kind);

	if (a->kind == SL_ALERT_ACKNOWLEDGED)
		return;         /* news for the alerts panel, not for the desk */
	snprintf(title, sizeof(title), "smartlock: %s (%s)", words_alert_title(a->kind),
			a->lock[0] ? a->lock : t->lock);
	words_alert(a, time_now_ms(), body, sizeof(body));
	if (notifier_alert(t->notifier, title, body, critical))
		return;
	if (time_mono_ms() - *last_bell >= BELL_GAP_MS) {
		beep();
		*last_bell = time_mono_ms();
	}
}

/* The outcome of a lock or unlock stayed unknown: where the door is now,
 * from the answer r to the status check (NULL: none came). */
static void show_state_now(struct tui *t, const struct sl_response *r)
{
	char now[WORDS_MAX];

	words_state_now(r, t->model.have_state ? &t->model.state : NULL, time_now_ms(), now,
			sizeof(now));
	tui_message(t, COLOR_WARN, "Outcome unknown. %s", now);
}

/* A lock or unlock went unanswered: one status round trip, when the
 * session can ask, to learn where the door is now. */
static void check_state_now(struct tui *t)
{
	if (client_state(t->client) != CLIENT_CONNECTED || !t->lockres_ready)
		return;
	tui_request(t, SL_ACTION_STATUS, true);
	if (!t->req.active)
		return;
	t->req.check = true;
	t->req.deadline = t->req.started + WORDS_STATE_CHECK_MS;
}

static void answer_response(struct tui *t, const struct sl_response *r)
{
	char sentence[WORDS_MAX];
	enum tui_color c;

	if (!t->req.active || r->id != t->req.id || r->result == SL_RESULT_PROGRESS)
		return;
	t->req.active = false;
	if (t->req.check) {
		show_state_now(t, r);
		return;
	}
	if (t->req.quiet && r->result == SL_RESULT_OK)
		return;
	words_response(r, t->req.action, time_now_ms(), sentence, sizeof(sentence));
	c = r->result == SL_RESULT_OK ? COLOR_GOOD : r->result == SL_RESULT_DENIED ? COLOR_BAD :
			COLOR_WARN;
	tui_message(t, c, "%s", sentence);
}

static void answer_log_page(struct tui *t, const struct sl_admin_res *r)
{
	struct client_log_entry *recs;
	size_t n;
	int64_t next;

	t->model.older_asked = false;
	if (r->result != SL_RESULT_OK ||
			records_parse_log_page(r->data_json, &recs, &n, &next) != SL_OK) {
		t->model.no_older = true;
		return;
	}
	if (model_add_history(&t->model, recs, n) == 0)
		t->model.no_older = true;
	free(recs);
}

static void learn_lock(const char *id, void *arg)
{
	tui_locks_add(arg, id);
}

static void answer_alert_list(struct tui *t, const struct sl_admin_res *r)
{
	struct sl_alert *list;
	size_t n;

	if (r->result != SL_RESULT_OK ||
			records_parse_alerts(r->data_json, &list, &n) != SL_OK) {
		tui_message(t, COLOR_WARN, "Could not load the alert history: %s", r->msg);
		return;
	}
	model_alerts_load(&t->model, list, n, time_now_ms());
	free(list);
	records_each_lock(r->data_json, learn_lock, t);
	t->dirty = true;
}

static void answer_admin(struct tui *t, const struct sl_admin_res *r)
{
	char sentence[WORDS_MAX];

	if (!t->admin.active || r->id != t->admin.id)
		return;
	t->admin.active = false;
	if (t->admin.op == SL_ADMIN_LOG_PAGE) {
		answer_log_page(t, r);
		return;
	}
	if (t->admin.op == SL_ADMIN_ALERT_LIST) {
		answer_alert_list(t, r);
		return;
	}
	if ((t->admin.op == SL_ADMIN_ALERT_ACK || t->admin.op == SL_ADMIN_ALERT_ACK_ALL) &&
			r->result == SL_RESULT_OK)
		model_alerts_acked(&t->model, (uint64_t)t->admin.cursor,
				t->admin.op == SL_ADMIN_ALERT_ACK_ALL);
	/* the screen that asked may be under a detail page */
	for (struct screen *s = t->screen; s; s = s->back)
		if (s->admin_answer) {
			s->admin_answer(s, t, r);
			return;
		}
	words_admin(r, t->admin.name, time_now_ms(), sentence, sizeof(sentence));
	tui_message(t, r->result == SL_RESULT_OK ? COLOR_GOOD : COLOR_BAD, "%s", sentence);
}

/* A message answers the last thing that happened; the next thing that
 * happens to the connection, the lock or the alerts makes it old news
 * (the lock's own moves right after an answer are part of that answer). */
static void expire_message(struct tui *t, const struct client_event *ev, bool was_online)
{
	bool online = t->model.have_health ? t->model.health.online : was_online;
	bool settled = time_mono_ms() - t->message_at >= MESSAGE_SETTLE_MS;

	switch (ev->type) {
	case CLIENT_EV_CONNECTED:
	case CLIENT_EV_DISCONNECTED:
	case CLIENT_EV_REFUSED:
		break;
	case CLIENT_EV_ALERT:
		if (ev->u.alert.kind == SL_ALERT_ACKNOWLEDGED || !settled)
			return;
		break;
	case CLIENT_EV_STATE:
		if (ev->retained || !settled)
			return;
		break;
	case CLIENT_EV_HEALTH:
		if (online == was_online || !settled)
			return;
		break;
	default:
		return;
	}
	if (t->message[0]) {
		t->message[0] = '\0';
		t->dirty = true;
	}
}

static void handle_event(struct tui *t, struct client_event *ev, int64_t *last_bell)
{
	bool was_online = t->model.have_health && t->model.health.online;
	unsigned changed = model_apply(&t->model, ev, time_now_ms());

	expire_message(t, ev, was_online);

	if (changed)
		t->dirty = true;
	switch (ev->type) {
	case CLIENT_EV_SUBSCRIBED:
		if (ev->kind == SL_TOPIC_LOCK_RES && ev->code != 128) {
			bool first = !t->lockres_ready;

			t->lockres_ready = true;
			/* the state now, and proof that the agent answers */
			if (first || !t->model.have_state)
				tui_request(t, SL_ACTION_STATUS, true);
		}
		if (ev->kind == SL_TOPIC_ADMIN_RES && ev->code != 128) {
			t->adminres_ready = true;
			t->want_alerts = true;  /* what happened while we were away */
		}
		break;
	case CLIENT_EV_DISCONNECTED:
	case CLIENT_EV_REFUSED:
		t->lockres_ready = t->adminres_ready = false;
		if (t->req.active) {
			t->req.active = false;
			tui_message(t, COLOR_BAD, "Lost the broker before the answer came; the "
					"request may or may not have been carried out.");
		}
		t->admin.active = false;
		t->model.older_asked = false;
		break;
	case CLIENT_EV_RESPONSE:
		answer_response(t, &ev->u.response);
		break;
	case CLIENT_EV_ADMIN_RES:
		answer_admin(t, &ev->u.admin);
		break;
	case CLIENT_EV_ALERT:
		notify_alert(t, &ev->u.alert, last_bell);
		break;
	default:
		break;
	}
}

static void check_deadlines(struct tui *t)
{
	int64_t now = time_mono_ms();
	char sentence[WORDS_MAX];

	if (t->req.active && now >= t->req.deadline) {
		t->req.active = false;
		model_agent_silent(&t->model, time_now_ms());
		t->dirty = true;
		if (t->req.check) {
			show_state_now(t, NULL);
		} else if (!t->req.quiet) {
			words_timeout(t->req.action, t->timeout_ms, sentence, sizeof(sentence));
			tui_message(t, COLOR_BAD, "%s", sentence);
			if (t->req.action == SL_ACTION_LOCK || t->req.action == SL_ACTION_UNLOCK)
				check_state_now(t);
		}
	}
	if (t->admin.active && now >= t->admin.deadline) {
		t->admin.active = false;
		model_agent_silent(&t->model, time_now_ms());
		t->model.older_asked = false;
		if (!t->admin.quiet)
			tui_message(t, COLOR_BAD, "Timed out: no answer from the agent within %lld s.",
					(long long)(t->timeout_ms / 1000));
	}
}

/* Owners and residents who get alerts load the agent's alert history
 * once the session can ask. */
static void ask_alert_history(struct tui *t)
{
	struct sl_admin_req req;

	if (!t->want_alerts || t->admin.active || !t->adminres_ready ||
			client_state(t->client) != CLIENT_CONNECTED)
		return;
	t->want_alerts = false;
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_ALERT_LIST;
	tui_admin(t, &req);
}

/* The log panel asks for older history when its window reached the start
 * of what is held. */
void ui_want_older(struct tui *t)
{
	struct sl_admin_req req;
	uint64_t oldest = model_oldest_seq(&t->model);

	if (t->role != SL_ROLE_OWNER || t->model.no_older || t->model.older_asked ||
			t->admin.active || oldest <= 1 || ring_full(&t->model.log) ||
			client_state(t->client) != CLIENT_CONNECTED || !t->adminres_ready)
		return;
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOG_PAGE;
	req.has_cursor = true;
	req.has_count = true;
	req.count = 100;
	req.cursor = oldest > 100 ? (int64_t)(oldest - 100) : 1;
	t->model.older_asked = true;
	tui_admin(t, &req);
}

/* ---- drawing ---- */

static void draw_title(struct tui *t)
{
	const struct rect *r = &t->layout.title;
	attr_t bar = tui_attr(t, COLOR_BAR);
	char right[96], clock_text[16], which[SL_NAME_MAX + 32];
	const char *conn;
	int64_t now = time_now_ms();

	static const char *const conn_words[] = {
		[CLIENT_DISCONNECTED] = "broker: retrying",
		[CLIENT_CONNECTING] = "broker: connecting",
		[CLIENT_CONNECTED] = "broker: connected",
		[CLIENT_REFUSED] = "broker: login refused",
	};

	move(r->y, 0);
	attron(bar);
	hline(' ', r->w);
	attroff(bar);
	conn = (unsigned)t->model.conn <= CLIENT_REFUSED ? conn_words[t->model.conn] : "";
	{
		time_t secs = (time_t)(now / 1000);
		struct tm tm;

		localtime_r(&secs, &tm);
		strftime(clock_text, sizeof(clock_text), "%H:%M:%S", &tm);
	}
	snprintf(right, sizeof(right), "%s  %s", conn, clock_text);
	tui_put(t, r->y, r->w - tui_width(right) - 1, tui_width(right), right, bar);
	if (t->nlocks > 1)
		snprintf(which, sizeof(which), "%s %zu/%zu [ ]", t->lock, tui_lock_index(t) + 1,
				t->nlocks);
	else
		snprintf(which, sizeof(which), "%s", t->lock);
	tui_putf(t, r->y, 1, r->w - tui_width(right) - 3, bar | A_BOLD,
			"smartlock \u2502 %s \u2502 %s (%s)", which, t->user,
			proto_role_name(t->role));
}

static void draw_message(struct tui *t)
{
	static const char *const spin_utf8[] = {"\u280b", "\u2819", "\u2839", "\u2838", "\u283c",
			"\u2834", "\u2826", "\u2827", "\u2807", "\u280f"};
	static const char *const spin_ascii[] = {"|", "/", "-", "\\"};
	const struct rect *r = &t->layout.message;
	const struct pending *p = NULL;

	move(r->y, 0);
	clrtoeol();
	if (t->prompt) {
		prompt_draw(t, r);
		return;
	}
	if (t->req.active && !t->req.quiet)
		p = &t->req;
	else if (t->admin.active && !t->admin.quiet)
		p = &t->admin;
	if (p) {
		const char *spin = t->utf8 ? spin_utf8[t->spinner % 10] : spin_ascii[t->spinner % 4];
		char what[64];

		if (p == &t->req)
			snprintf(what, sizeof(what), "%s", action_doing[p->action]);
		else
			snprintf(what, sizeof(what), "Asking the agent");
		tui_putf(t, r->y, 1, r->w - 2, tui_attr(t, COLOR_WARN), "%s %s\u2026 %lld s", spin,
				what, (long long)((time_mono_ms() - p->started) / 1000));
		return;
	}
	if (!t->message[0] && t->model.conn != CLIENT_CONNECTED) {
		/* what the header's "connecting" is about, until it is */
		tui_putf(t, r->y, 1, r->w - 2, tui_attr(t, COLOR_WARN), "%s; retrying.",
				client_conn_problem(t->client));
		return;
	}
	tui_put(t, r->y, 1, r->w - 2, t->message, tui_attr(t, t->message_color));
}

static void draw_keybar(struct tui *t)
{
	const struct key_binding *keys[16];
	const struct rect *r = &t->layout.keybar;
	size_t n = keys_bar(t->role, keys, 16);
	int x = 0;

	move(r->y, 0);
	clrtoeol();
	if (prompt_draw_error(t, r))
		return;
	if (t->screen) {
		tui_put(t, r->y, 0, r->w, t->screen->keys, A_NORMAL);
		return;
	}
	/* "l Lock u Unlock ...": the key highlighted, then its word */
	for (size_t i = 0; i < n; i++) {
		int need = tui_width(keys[i]->cap) + 1 + tui_width(keys[i]->label);

		if (x + need > r->w)
			break;
		x += tui_put(t, r->y, x, r->w - x, keys[i]->cap, tui_attr(t, COLOR_BAR));
		x += tui_put(t, r->y, x, r->w - x, " ", A_NORMAL);
		x += tui_put(t, r->y, x, r->w - x, keys[i]->label, A_NORMAL);
		if (x < r->w)
			x += tui_put(t, r->y, x, r->w - x, " ", A_NORMAL);
	}
}

static void draw_too_small(struct tui *t)
{
	char size[32], need[32];
	int rows = t->layout.rows, cols = t->layout.cols, y = rows > 3 ? rows / 2 - 1 : 0;

	/* short lines: each must fit however narrow the terminal is */
	snprintf(size, sizeof(size), "Window %dx%d:", cols, rows);
	snprintf(need, sizeof(need), "needs %dx%d.", LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
	tui_put(t, y, 0, cols, size, A_BOLD);
	if (y + 1 < rows)
		tui_put(t, y + 1, 0, cols, need, A_BOLD);
	if (y + 2 < rows)
		tui_put(t, y + 2, 0, cols, "Enlarge, or q quits.", A_NORMAL);
}

static void draw(struct tui *t)
{
	erase();
	layout_compute(&t->layout, LINES, COLS, t->role == SL_ROLE_OWNER);
	if (!t->layout.has_log && t->focus == PANEL_LOG)
		t->focus = PANEL_ALERTS;
	if (t->layout.too_small) {
		draw_too_small(t);
	} else if (t->screen) {
		draw_title(t);
		t->screen->draw(t->screen, t);
		draw_keybar(t);
		draw_message(t);        /* last: a prompt leaves the cursor there */
	} else {
		draw_title(t);
		t->panels[PANEL_LOCK]->draw(t->panels[PANEL_LOCK], t, &t->layout.lock, false);
		t->panels[PANEL_HEALTH]->draw(t->panels[PANEL_HEALTH], t, &t->layout.health, false);
		t->panels[PANEL_ALERTS]->draw(t->panels[PANEL_ALERTS], t, &t->layout.alerts,
				t->focus == PANEL_ALERTS);
		if (t->layout.has_log)
			t->panels[PANEL_LOG]->draw(t->panels[PANEL_LOG], t, &t->layout.log,
					t->focus == PANEL_LOG);
		draw_keybar(t);
		draw_message(t);
	}
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- the loop ---- */

static int read_key(void)
{
	wint_t ch;
	int r = get_wch(&ch);

	if (r == KEY_CODE_YES)
		return KEYS_FN((int)ch);
	if (r == OK)
		return (int)ch;
	return -1;
}

int ui_run(struct tui *t)
{
	int64_t last_draw = 0, last_spin = 0, last_bell = 0, last_tick = 0;
	bool more = false;      /* events left over from the last round */

	init_colors(t);
	t->model.conn = client_state(t->client);
	t->model.conn_changed = time_now_ms();
	t->focus = t->role == SL_ROLE_OWNER ? PANEL_LOG : PANEL_ALERTS;
	t->dirty = true;
	while (!t->quit) {
		struct pollfd fds[3] = {
			{.fd = STDIN_FILENO, .events = POLLIN},
			{.fd = term_signal_fd(), .events = POLLIN},
			{.fd = client_fd(t->client), .events = client_poll_events(t->client)},
		};
		int64_t now = time_mono_ms();
		int timeout = 1000 - (int)(time_now_ms() % 1000) + 1;  /* the clock's next second */
		bool busy = (t->req.active && !t->req.quiet) || (t->admin.active && !t->admin.quiet);
		struct client_event ev;
		int key, events = 0;
		unsigned sig;

		if (busy && timeout > SPINNER_MS)
			timeout = SPINNER_MS;
		if (t->dirty && timeout > FRAME_MS - (int)(now - last_draw))
			timeout = FRAME_MS - (int)(now - last_draw);
		if (timeout < 0 || more)
			timeout = 0;
		if (poll(fds, 3, timeout) < 0 && errno != EINTR)
			return EXIT_FAILURE;

		sig = term_take_signals();
		if (sig & TERM_SIG_QUIT)
			break;
		if (sig & TERM_SIG_RESIZE) {
			term_resize();
			clearok(curscr, TRUE);
			t->dirty = true;
		}
		/* keys first: they stay responsive under any event rate */
		while ((key = read_key()) != -1) {
			unsigned r = ui_dispatch_key(t, key);

			if (r & TUI_QUIT)
				t->quit = true;
			if (r & (TUI_REDRAW | TUI_HANDLED))
				t->dirty = true;
		}
		if (t->quit)
			break;
		client_service(t->client, fds[2].revents);
		while (events < EVENTS_PER_ROUND && client_next_event(t->client, &ev)) {
			handle_event(t, &ev, &last_bell);
			client_event_finish(&ev);
			events++;
		}
		more = events == EVENTS_PER_ROUND;
		check_deadlines(t);
		ask_alert_history(t);

		now = time_mono_ms();
		if (busy && now - last_spin >= SPINNER_MS) {
			t->spinner++;
			last_spin = now;
			t->dirty = true;
		}
		if (now - last_tick >= 1000) {
			/* ages, heartbeat, clock */
			last_tick = now;
			t->dirty = true;
		}
		if (t->dirty && now - last_draw >= FRAME_MS) {
			draw(t);
			t->dirty = false;
			last_draw = now;
		}
	}
	return EXIT_SUCCESS;
}
