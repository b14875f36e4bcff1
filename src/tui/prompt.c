/* prompt.c - questions on the message line: yes/no, or a line of text
 * with simple editing (wide characters). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "tui.h"

#define PROMPT_MAX 128

struct prompt {
	bool confirm;
	char label[160];
	wchar_t buf[PROMPT_MAX + 1];
	size_t len, max;
	prompt_done_fn done;
	void *arg;
	char error[WORDS_MAX];  /* why the last answer was refused, "" = none */
};

static void open_prompt(struct tui *t, struct prompt *p)
{
	prompt_destroy(t->prompt);
	t->prompt = p;
	t->dirty = true;
	curs_set(p->confirm ? 0 : 1);
}

void prompt_confirm(struct tui *t, const char *question, prompt_done_fn done, void *arg)
{
	struct prompt *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	p->confirm = true;
	snprintf(p->label, sizeof(p->label), "%s", question);
	p->done = done;
	p->arg = arg;
	open_prompt(t, p);
}

void prompt_text(struct tui *t, const char *label, const char *initial, size_t max,
		prompt_done_fn done, void *arg)
{
	struct prompt *p = calloc(1, sizeof(*p));

	if (!p)
		return;
	snprintf(p->label, sizeof(p->label), "%s", label);
	p->max = max < PROMPT_MAX ? max : PROMPT_MAX;
	if (initial && initial[0]) {
		size_t n = mbstowcs(p->buf, initial, p->max);

		if (n != (size_t)-1)
			p->len = n;
		p->buf[p->len] = L'\0';
	}
	p->done = done;
	p->arg = arg;
	open_prompt(t, p);
}

void prompt_error(struct tui *t, const char *fmt, ...)
{
	va_list ap;

	if (!t->prompt)
		return;
	va_start(ap, fmt);
	vsnprintf(t->prompt->error, sizeof(t->prompt->error), fmt, ap);
	va_end(ap);
	t->dirty = true;
}

bool prompt_draw_error(struct tui *t, const struct rect *r)
{
	if (!t->prompt || !t->prompt->error[0])
		return false;
	tui_put(t, r->y, 1, r->w - 2, t->prompt->error, tui_attr(t, COLOR_BAD) | A_BOLD);
	return true;
}

void prompt_destroy(struct prompt *p)
{
	free(p);
}

/* Close the prompt, then tell its owner (who may open the next one). */
static unsigned finish(struct tui *t, bool accepted)
{
	struct prompt *p = t->prompt;
	char text[PROMPT_MAX * 4 + 1] = "";

	t->prompt = NULL;
	curs_set(0);
	if (!p->confirm) {
		size_t n = wcstombs(text, p->buf, sizeof(text) - 1);

		if (n == (size_t)-1)
			text[0] = '\0';
		else
			text[n] = '\0';
	}
	p->done(t, accepted, text, p->arg);
	prompt_destroy(p);
	return TUI_HANDLED | TUI_REDRAW;
}

unsigned prompt_handle_key(struct tui *t, int key)
{
	struct prompt *p = t->prompt;

	if (key == KEYS_ESC || key == KEYS_CTRL('c') || key == KEYS_CTRL('g'))
		return finish(t, false);
	if (p->confirm) {
		if (key == 'y' || key == 'Y')
			return finish(t, true);
		if (key == 'n' || key == 'N')
			return finish(t, false);
		return TUI_HANDLED;     /* a yes/no question takes nothing else */
	}
	if (key == '\r' || key == '\n' || key == KEYS_FN(KEY_ENTER))
		return finish(t, true);
	if (key == KEYS_FN(KEY_BACKSPACE) || key == 127 || key == 8) {
		if (p->len > 0)
			p->buf[--p->len] = L'\0';
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (key == KEYS_CTRL('u')) {
		p->len = 0;
		p->buf[0] = L'\0';
		return TUI_HANDLED | TUI_REDRAW;
	}
	if (key >= 0x20 && key < KEYS_FN(0) && key != 0x7f && iswprint((wint_t)key) &&
			wcwidth((wchar_t)key) >= 0 && p->len < p->max) {
		p->buf[p->len++] = (wchar_t)key;
		p->buf[p->len] = L'\0';
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED;
}

void prompt_draw(struct tui *t, const struct rect *r)
{
	struct prompt *p = t->prompt;
	int x = 1 + tui_put(t, r->y, 1, r->w - 2, p->label, A_BOLD);
	int room = r->w - 1 - x;
	size_t start = 0;
	int w = 0;

	if (p->confirm)
		return;
	/* show the end of a long line */
	for (size_t i = p->len; i > 0; i--) {
		int cw = wcwidth(p->buf[i - 1]);

		w += cw > 0 ? cw : 1;
		if (w >= room) {
			start = i;
			break;
		}
	}
	mvaddnwstr(r->y, x, p->buf + start, (int)(p->len - start));
	w = 0;
	for (size_t i = start; i < p->len; i++) {
		int cw = wcwidth(p->buf[i]);

		w += cw > 0 ? cw : 1;
	}
	move(r->y, x + w);
}
