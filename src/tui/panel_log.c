/* panel_log.c - the audit log scrolling live, coloured by result, with
 * pause/follow, filter and search; older history is paged from the agent
 * when scrolled past the oldest record held. */
#include <stdlib.h>
#include <time.h>

#include "tui.h"
#include "ui.h"

#define WINDOW_MAX 256

/* The record Enter opens: the newest line in view. */
struct log_panel {
	uint64_t current;
};

static attr_t tone_attr(struct tui *t, const char *result)
{
	switch (client_result_tone(result)) {
	case CLIENT_TONE_GOOD: return tui_attr(t, COLOR_GOOD);
	case CLIENT_TONE_BAD: return tui_attr(t, COLOR_BAD);
	case CLIENT_TONE_WARN: return tui_attr(t, COLOR_WARN);
	default: return A_NORMAL;
	}
}

static void draw(struct panel *p, struct tui *t, const struct rect *r, bool focused)
{
	struct model *m = &t->model;
	const struct client_log_entry *win[WINDOW_MAX];
	int rows = r->h - 2, inner = r->w - 3;
	size_t n;
	bool at_start = false;
	char title[160];
	struct log_panel *lp = p->data;

	lp->current = 0;
	if (rows > WINDOW_MAX)
		rows = WINDOW_MAX;
	snprintf(title, sizeof(title), "Log (%s%s%s%s%s)", m->paused ? "PAUSED" : "following",
			m->filter != LOG_FILTER_ALL ? ", " : "",
			m->filter != LOG_FILTER_ALL ? model_filter_name(m->filter) : "",
			m->search[0] ? ", search: " : "", m->search);
	tui_box(t, r, title, focused);
	if (m->log_refused) {
		tui_put(t, r->y + 1, r->x + 2, inner - 2, "The broker does not send you the log.",
				A_NORMAL);
		return;
	}
	if (rows > 0)
		model_log_clamp(m, (size_t)rows);
	n = rows > 0 ? model_log_window(m, win, (size_t)rows, &at_start) : 0;
	if (n == 0)
		tui_put(t, r->y + 1, r->x + 2, inner - 2, m->search[0] || m->filter ?
				"No matching records." : "No records yet.", A_NORMAL);
	for (size_t i = 0; i < n; i++) {
		const struct client_log_entry *e = win[i];
		int y = r->y + 1 + (int)i, x = r->x + 2;
		char when[16] = "--:--:--", detail[SL_MSG_MAX];
		attr_t res = tone_attr(t, e->result), plain = A_NORMAL;

		if (i + 1 == n) {
			lp->current = e->seq;
			if (focused) {
				attron(A_REVERSE);
				mvhline(y, r->x + 1, ' ', r->w - 2);
				attroff(A_REVERSE);
				res |= A_REVERSE;
				plain = A_REVERSE;
			}
		}

		if (e->time) {
			time_t secs = (time_t)(e->time / 1000);
			struct tm tm;

			localtime_r(&secs, &tm);
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		}
		/* columns by display width, never by bytes */
		x += tui_putf(t, y, x, inner, plain, "%s ", when);
		tui_put(t, y, x, 12, e->actor[0] ? e->actor : "-", plain);
		x += 13;
		tui_put(t, y, x, 12, e->action[0] ? e->action : "-", plain);
		x += 13;
		tui_put(t, y, x, 8, e->result[0] ? e->result : "-", res | A_BOLD);
		x += 9;
		if (t->nlocks > 1 && x < r->x + r->w - 1)     /* several locks: which one */
			x += tui_putf(t, y, x, r->x + r->w - 1 - x, plain | A_BOLD, "%s ",
					e->lock[0] ? e->lock : "site");
		words_log_detail(e->detail, detail, sizeof(detail));
		if (x < r->x + r->w - 1)
			tui_putf(t, y, x, r->x + r->w - 1 - x, plain, "%s%s%s", e->reason,
					e->reason[0] && detail[0] ? ": " : "", detail);
	}
	/* scrolled back (paused) to the oldest record held: fetch older
	 * history */
	if (at_start && m->paused && rows > 0)
		ui_want_older(t);
	if (m->older_asked)
		tui_put(t, r->y + r->h - 1, r->x + 2, inner - 2, " loading older records... ",
				tui_attr(t, COLOR_WARN));
}

static unsigned open_detail(struct panel *p, struct tui *t)
{
	const struct log_panel *lp = p->data;
	struct screen *s = NULL;

	for (size_t i = ring_count(&t->model.log); lp->current && i-- > 0;) {
		const struct client_log_entry *e = ring_at(&t->model.log, i);

		if (e->seq == lp->current) {
			s = screen_detail_log(t, e);
			break;
		}
	}
	if (s)
		tui_set_screen(t, s);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned handle_key(struct panel *p, struct tui *t, int key)
{
	long page = t->layout.log.h - 3;

	if (key == '\r' || key == '\n' || key == KEYS_FN(KEY_ENTER))
		return open_detail(p, t);
	if (page < 1)
		page = 1;
	if (key == KEYS_FN(KEY_UP))
		model_log_scroll(&t->model, 1);
	else if (key == KEYS_FN(KEY_DOWN))
		model_log_scroll(&t->model, -1);
	else if (key == KEYS_FN(KEY_PPAGE))
		model_log_scroll(&t->model, page);
	else if (key == KEYS_FN(KEY_NPAGE))
		model_log_scroll(&t->model, -page);
	else if (key == KEYS_FN(KEY_HOME))
		model_log_scroll(&t->model, MODEL_LOG_MAX);
	else if (key == KEYS_FN(KEY_END))
		model_log_follow(&t->model);
	else
		return TUI_IGNORED;
	return TUI_HANDLED | TUI_REDRAW;
}

static void destroy(struct panel *p)
{
	if (p)
		free(p->data);
	free(p);
}

struct panel *panel_log_create(void)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->data = calloc(1, sizeof(struct log_panel));
	if (!p->data) {
		free(p);
		return NULL;
	}
	p->name = "log";
	p->draw = draw;
	p->handle_key = handle_key;
	p->destroy = destroy;
	return p;
}
