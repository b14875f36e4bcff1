/* panel_lock.c - the lock's state, large and unmistakable, the door, who
 * changed it and how long ago. */
#include <stdlib.h>

#include "smartlock/timeutil.h"

#include "text.h"
#include "tui.h"

static enum tui_color state_color(enum sl_lock_state s)
{
	static const enum tui_color colors[SL_STATE_COUNT_] = {
		[SL_STATE_UNKNOWN] = COLOR_WARN,
		[SL_STATE_LOCKED] = COLOR_GOOD,
		[SL_STATE_UNLOCKED] = COLOR_BAD,
		[SL_STATE_LOCKING] = COLOR_WARN,
		[SL_STATE_UNLOCKING] = COLOR_WARN,
		[SL_STATE_JAMMED] = COLOR_ALERT,
	};

	return (unsigned)s < SL_STATE_COUNT_ ? colors[s] : COLOR_WARN;
}

static void draw(struct panel *p, struct tui *t, const struct rect *r, bool focused)
{
	const struct model *m = &t->model;
	enum sl_lock_state s = m->have_state ? m->state.state : SL_STATE_UNKNOWN;
	const char *word = s == SL_STATE_UNKNOWN ? "UNKNOWN" : words_state(s);
	attr_t a = tui_attr(t, state_color(s)) | A_BOLD;
	char rows[3][256], title[64], ago[32], when[48];
	int64_t now = time_now_ms();
	int inner = r->w - 2;
	bool offline = (m->have_state && !m->state.online) ||
			(m->have_health && !m->health.online);

	(void)p;
	snprintf(title, sizeof(title), "Lock %s", t->lock);
	tui_box(t, r, title, focused);
	if (bigtext_render(word, t->utf8, inner, rows)) {
		for (int i = 0; i < 3; i++) {
			int w = tui_width(rows[i]);

			tui_put(t, r->y + 1 + i, r->x + 1 + (inner - w) / 2, inner, rows[i], a);
		}
	} else {
		tui_put(t, r->y + 2, r->x + 1 + (inner - tui_width(word)) / 2, inner, word,
				a | A_REVERSE);
	}
	/* the plain words, for screen readers and captures */
	if (m->have_state)
		tui_putf(t, r->y + 5, r->x + 2, inner - 2, A_NORMAL, "State: %s  Door: %s",
				words_state(s), words_door(m->state.door));
	else
		tui_put(t, r->y + 5, r->x + 2, inner - 2, "State: unknown (waiting for the agent)",
				A_NORMAL);
	if (m->have_state && m->state.since > 0) {
		text_ago(m->state.since, now, ago, sizeof(ago));
		text_when(m->state.since, now, when, sizeof(when));
		if (m->state.by[0])
			tui_putf(t, r->y + 6, r->x + 2, inner - 2, A_NORMAL, "By %s, %s (%s)",
					m->state.by, ago, when);
		else
			tui_putf(t, r->y + 6, r->x + 2, inner - 2, A_NORMAL, "Changed %s (%s)", ago,
					when);
	}
	if (offline && r->h > 8)
		tui_put(t, r->y + 7, r->x + 2, inner - 2, "Lock offline: last known state",
				tui_attr(t, COLOR_BAD));
	else if (offline)
		tui_put(t, r->y, r->x + r->w - 11, 9, " OFFLINE ", tui_attr(t, COLOR_ALERT));
}

static void destroy(struct panel *p)
{
	free(p);
}

struct panel *panel_lock_create(void)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->name = "lock";
	p->draw = draw;
	p->destroy = destroy;
	return p;
}
