/* panel_alerts.c - security alerts, newest first, highlighted until
 * acknowledged, with the count of unacknowledged ones in the title. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "smartlock/timeutil.h"

#include "tui.h"

static void draw(struct panel *p, struct tui *t, const struct rect *r, bool focused)
{
	const struct model *m = &t->model;
	size_t n = ring_count(&m->alerts);
	int rows = r->h - 2, inner = r->w - 2;
	size_t first = 0;
	char title[64];
	int64_t now = time_now_ms();

	(void)p;
	if (m->unacked)
		snprintf(title, sizeof(title), "Alerts (%zu unacknowledged)", m->unacked);
	else
		snprintf(title, sizeof(title), "Alerts (%zu)", n);
	tui_box(t, r, title, focused);
	if (m->alerts_refused) {
		tui_put(t, r->y + 1, r->x + 2, inner - 2, "The broker does not send you security "
				"alerts (an owner can opt you in).", A_NORMAL);
		return;
	}
	if (n == 0) {
		tui_put(t, r->y + 1, r->x + 2, inner - 2, "No alerts.", A_NORMAL);
		return;
	}
	if (rows > 0 && m->alert_sel >= (size_t)rows)
		first = m->alert_sel - (size_t)rows + 1;
	if (first > 0) {
		/* scrolled back on purpose: say what is above, never hide it */
		char more[64];

		snprintf(more, sizeof(more), " %zu newer above: Home ", first);
		tui_put(t, r->y, r->x + r->w - 2 - tui_width(more), tui_width(more), more,
				tui_attr(t, COLOR_WARN) | A_BOLD);
	}
	for (int i = 0; i < rows && first + (size_t)i < n; i++) {
		size_t idx = first + (size_t)i;
		const struct alert_item *a = model_alert(m, idx);
		char when[16], text[WORDS_MAX];
		time_t secs = (time_t)((a->alert.time > 0 ? a->alert.time : a->received) / 1000);
		struct tm tm;
		attr_t attr = a->acked ? A_NORMAL : tui_attr(t, COLOR_ALERT);
		int x = r->x + 2;

		if (focused && idx == m->alert_sel)
			attr |= A_REVERSE;
		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		words_alert(&a->alert, now, text, sizeof(text));
		move(r->y + 1 + i, r->x + 1);
		attron(attr);
		hline(' ', inner);
		attroff(attr);
		x += tui_putf(t, r->y + 1 + i, x, inner, attr, "%s %s %-18s ",
				a->acked ? " " : (t->utf8 ? "\u25cf" : "*"), when,
				words_alert_title(a->alert.kind));
		if (t->nlocks > 1)      /* several locks: which one */
			x += tui_putf(t, r->y + 1 + i, x, r->x + r->w - 1 - x, attr | A_BOLD, "%s ",
					a->alert.lock[0] ? a->alert.lock : "site");
		tui_put(t, r->y + 1 + i, x, r->x + r->w - 1 - x, text, attr);
	}
}

static unsigned open_detail(struct tui *t)
{
	const struct alert_item *a = model_alert(&t->model, t->model.alert_sel);
	struct screen *s = a ? screen_detail_alert(t, a) : NULL;

	if (s)
		tui_set_screen(t, s);
	return TUI_HANDLED | TUI_REDRAW;
}

static unsigned handle_key(struct panel *p, struct tui *t, int key)
{
	int page = t->layout.alerts.h - 2;

	(void)p;
	if (page < 1)
		page = 1;
	if (key == KEYS_FN(KEY_UP))
		model_alert_select(&t->model, -1);
	else if (key == KEYS_FN(KEY_DOWN))
		model_alert_select(&t->model, 1);
	else if (key == KEYS_FN(KEY_PPAGE))
		model_alert_select(&t->model, -page);
	else if (key == KEYS_FN(KEY_NPAGE))
		model_alert_select(&t->model, page);
	else if (key == KEYS_FN(KEY_HOME))
		model_alert_select(&t->model, -(long)MODEL_ALERTS_MAX);
	else if (key == KEYS_FN(KEY_END))
		model_alert_select(&t->model, MODEL_ALERTS_MAX);
	else if (key == '\r' || key == '\n' || key == KEYS_FN(KEY_ENTER))
		return open_detail(t);
	else
		return TUI_IGNORED;
	return TUI_HANDLED | TUI_REDRAW;
}

static void destroy(struct panel *p)
{
	free(p);
}

struct panel *panel_alerts_create(void)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->name = "alerts";
	p->draw = draw;
	p->handle_key = handle_key;
	p->destroy = destroy;
	return p;
}
