/* panel_lock.c - the lock's state, large and unmistakable, the door, who
 * changed it and how long ago. */
#include <stdio.h>
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

/* The big word, centred, in big letters when they fit. */
static void draw_word(struct tui *t, const struct rect *r, const char *word, attr_t a)
{
	char rows[3][256];
	int inner = r->w - 2;

	if (bigtext_render(word, t->utf8, inner, rows)) {
		for (int i = 0; i < 3; i++) {
			int w = tui_width(rows[i]);

			tui_put(t, r->y + 1 + i, r->x + 1 + (inner - w) / 2, inner, rows[i], a);
		}
	} else {
		tui_put(t, r->y + 2, r->x + 1 + (inner - tui_width(word)) / 2, inner, word,
				a | A_REVERSE);
	}
}

/* "Last known: LOCKED at 14:05": what was true when the view was current. */
static void draw_last_known(struct tui *t, const struct rect *r, int y, int64_t at)
{
	const struct model *m = &t->model;
	char when[48];

	if (!m->have_state) {
		tui_put(t, y, r->x + 2, r->w - 4, "Last known: nothing yet", A_NORMAL);
		return;
	}
	if (m->state.since > at)
		at = m->state.since;
	tui_putf(t, y, r->x + 2, r->w - 4, A_NORMAL, "Last known: %s at %s",
			words_state(m->state.state), text_when(at, time_now_ms(), when, sizeof(when)));
}

/* The lock as last seen, while the console cannot know it now. */
static void draw_unknown(struct tui *t, const struct rect *r, int64_t since)
{
	char when[48];
	const char *why = t->model.conn != CLIENT_CONNECTED ? "no broker" : "agent silent";

	draw_word(t, r, "UNKNOWN", tui_attr(t, COLOR_WARN) | A_BOLD);
	tui_putf(t, r->y + 5, r->x + 2, r->w - 4, tui_attr(t, COLOR_WARN),
			"Unknown since %s (%s)", text_when(since, time_now_ms(), when, sizeof(when)),
			why);
	draw_last_known(t, r, r->y + 6, t->model.state_heard ? t->model.state_heard : since);
}

static void draw_offline(struct tui *t, const struct rect *r)
{
	const struct model *m = &t->model;
	char when[48];
	int64_t since = m->have_health && !m->health.online ? m->health_received : m->state_heard;

	draw_word(t, r, "OFFLINE", tui_attr(t, COLOR_BAD) | A_BOLD);
	tui_putf(t, r->y + 5, r->x + 2, r->w - 4, tui_attr(t, COLOR_BAD),
			"Lock offline since %s", text_when(since, time_now_ms(), when, sizeof(when)));
	draw_last_known(t, r, r->y + 6, since);
}

static void draw_current(struct tui *t, const struct rect *r)
{
	const struct model *m = &t->model;
	enum sl_lock_state s = m->have_state ? m->state.state : SL_STATE_UNKNOWN;
	const char *word = s == SL_STATE_UNKNOWN ? "UNKNOWN" : words_state(s);
	char ago[32], when[48];
	int64_t now = time_now_ms();
	int inner = r->w - 2;

	draw_word(t, r, word, tui_attr(t, state_color(s)) | A_BOLD);
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
}

static void draw(struct panel *p, struct tui *t, const struct rect *r, bool focused)
{
	const struct model *m = &t->model;
	int64_t unknown = model_unknown_since(m);
	bool offline = (m->have_state && !m->state.online) ||
			(m->have_health && !m->health.online);
	char title[64];

	(void)p;
	snprintf(title, sizeof(title), "Lock %s%s", t->lock,
			unknown || offline || !m->have_state ? "" : " (live)");
	tui_box(t, r, title, focused);
	if (unknown)
		draw_unknown(t, r, unknown);
	else if (offline)
		draw_offline(t, r);
	else
		draw_current(t, r);
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
