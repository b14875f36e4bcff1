/* screen_pager.c - a full screen of text that wraps to the terminal's
 * width and scrolls: the detail of one record or alert (every field,
 * nothing cut) and the help. Esc, q or Enter goes back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"

#define LABEL_W 14

enum line_kind { LINE_HEADING, LINE_FIELD, LINE_TEXT };

struct line {
	enum line_kind kind;
	char label[32];
	char *text;
};

struct pager {
	char title[96];
	struct line *lines;
	size_t n, cap;
	int top;                /* first screen row shown */
	int rows_total;         /* rows the text took at the last draw */
	int page;               /* rows of the last draw */
};

static bool add(struct screen *s, enum line_kind kind, const char *label, const char *text)
{
	struct pager *p = s->data;
	struct line *l;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;

		l = realloc(p->lines, cap * sizeof(*l));
		if (!l)
			return false;
		p->lines = l;
		p->cap = cap;
	}
	l = &p->lines[p->n];
	l->kind = kind;
	snprintf(l->label, sizeof(l->label), "%s", label ? label : "");
	l->text = strdup(text ? text : "");
	if (!l->text)
		return false;
	p->n++;
	return true;
}

bool pager_heading(struct screen *s, const char *text)
{
	return add(s, LINE_HEADING, NULL, text);
}

bool pager_field(struct screen *s, const char *label, const char *value)
{
	return add(s, LINE_FIELD, label, value && value[0] ? value : "-");
}

bool pager_text(struct screen *s, const char *text)
{
	return add(s, LINE_TEXT, NULL, text);
}

/* Draw text wrapped at width from row y (rows before first are skipped,
 * none drawn at or past last); returns the next row. */
static int wrapped(struct tui *t, const char *text, int y, int x, int width, attr_t a,
		int first, int last)
{
	if (!*text)
		return y + 1;   /* an empty line is a blank row */
	do {
		size_t n = (size_t)tui_fit(text, width);

		if (text[n]) {
			size_t cut = n;

			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut > 0)
				n = cut;
		}
		if (n == 0)     /* wider than the line: one character anyway */
			n = (size_t)tui_fit(text, 2) > 0 ? (size_t)tui_fit(text, 2) : 1;
		if (y >= first && y < last) {
			char buf[1024];

			snprintf(buf, sizeof(buf), "%.*s", (int)(n < sizeof(buf) ? n : sizeof(buf) - 1),
					text);
			tui_put(t, y - first + 2, x, width, buf, a);
		}
		y++;
		text += n;
		while (*text == ' ')
			text++;
	} while (*text);
	return y;
}

static void draw(struct screen *s, struct tui *t)
{
	struct pager *p = s->data;
	int width = COLS - 4, y = 0, page = LINES - 5;

	if (p->top > 0 && p->top > p->rows_total - page)
		p->top = p->rows_total - page > 0 ? p->rows_total - page : 0;
	tui_put(t, 1, 2, width, p->title, A_BOLD);
	for (size_t i = 0; i < p->n; i++) {
		const struct line *l = &p->lines[i];

		switch (l->kind) {
		case LINE_HEADING:
			if (i > 0)
				y++;
			y = wrapped(t, l->text, y, 2, width, A_BOLD | tui_attr(t, COLOR_INFO), p->top,
					p->top + page);
			break;
		case LINE_FIELD:
			if (y >= p->top && y < p->top + page)
				tui_put(t, y - p->top + 2, 2, LABEL_W, l->label, A_BOLD);
			y = wrapped(t, l->text, y, 2 + LABEL_W + 1, width - LABEL_W - 1, A_NORMAL,
					p->top, p->top + page);
			break;
		case LINE_TEXT:
			y = wrapped(t, l->text, y, 2, width, A_NORMAL, p->top, p->top + page);
			break;
		}
	}
	p->rows_total = y;
	p->page = page;
	if (y > page)
		tui_putf(t, LINES - 3, COLS - 24, 22, A_NORMAL, "%s %d-%d of %d",
				p->top > 0 ? "\u2191" : " ", p->top + 1,
				p->top + page < y ? p->top + page : y, y);
}

static unsigned handle_key(struct screen *s, struct tui *t, int key)
{
	struct pager *p = s->data;
	int page = p->page > 1 ? p->page - 1 : 1;

	if (key == KEYS_ESC || key == 'q' || key == '\r' || key == '\n' ||
			key == KEYS_FN(KEY_ENTER) || (key == '?' && strcmp(s->name, "help") == 0)) {
		tui_pop_screen(t);
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (key == KEYS_FN(KEY_UP) || key == 'k')
		p->top--;
	else if (key == KEYS_FN(KEY_DOWN) || key == 'j')
		p->top++;
	else if (key == KEYS_FN(KEY_PPAGE))
		p->top -= page;
	else if (key == KEYS_FN(KEY_NPAGE) || key == ' ')
		p->top += page;
	else if (key == KEYS_FN(KEY_HOME))
		p->top = 0;
	else if (key == KEYS_FN(KEY_END))
		p->top = p->rows_total;
	else
		return TUI_HANDLED;
	if (p->top > p->rows_total - p->page)
		p->top = p->rows_total - p->page;
	if (p->top < 0)
		p->top = 0;
	return TUI_HANDLED | TUI_REDRAW;
}

static void destroy(struct screen *s)
{
	struct pager *p = s->data;

	for (size_t i = 0; i < p->n; i++)
		free(p->lines[i].text);
	free(p->lines);
	free(p);
	free(s);
}

struct screen *screen_pager_create(const char *name, const char *title)
{
	struct screen *s = calloc(1, sizeof(*s));
	struct pager *p = calloc(1, sizeof(*p));

	if (!s || !p) {
		free(s);
		free(p);
		return NULL;
	}
	snprintf(p->title, sizeof(p->title), "%s", title);
	s->name = name;
	s->keys = "Esc Back  \u2191\u2193 PgUp PgDn Scroll";
	s->draw = draw;
	s->handle_key = handle_key;
	s->destroy = destroy;
	s->data = p;
	return s;
}
