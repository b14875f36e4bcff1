/* screen_help.c - every key the user's role has, in plain words. */
#include <stdlib.h>

#include "tui.h"

static const char *const extra[] = {
	"",
	"In the alerts panel (Tab): Up/Down select, Enter acknowledges.",
	"In the log panel (Tab): Up/Down/PgUp/PgDn scroll back (pauses), End follows",
	"again; scrolling past the oldest record fetches older history from the agent.",
	"",
	"Unacknowledged alerts stay highlighted. Desktop notifications are used when a",
	"notification service is reachable, the terminal bell otherwise (--no-notify).",
	"",
	"Esc, q or ? closes this help.",
};

static void draw(struct screen *s, struct tui *t)
{
	const struct key_binding *keys[32];
	size_t n = keys_all(t->role, keys, 32);
	int y = 2, w = COLS - 4;

	(void)s;
	tui_putf(t, y++, 2, w, A_BOLD, "Keys for %s (%s)", t->user, proto_role_name(t->role));
	y++;
	for (size_t i = 0; i < n && y < LINES - 3; i++)
		tui_put(t, y++, 4, w - 2, keys[i]->help, A_NORMAL);
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]) && y < LINES - 3; i++)
		tui_put(t, y++, 2, w, extra[i], A_NORMAL);
}

static unsigned handle_key(struct screen *s, struct tui *t, int key)
{
	(void)s;
	if (key == KEYS_ESC || key == 'q' || key == '?' || key == '\r' || key == '\n') {
		tui_set_screen(t, NULL);
		return TUI_HANDLED | TUI_REDRAW;
	}
	return TUI_HANDLED;
}

static void destroy(struct screen *s)
{
	free(s);
}

struct screen *screen_help_create(void)
{
	struct screen *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->name = "help";
	s->keys = "Esc Back";
	s->draw = draw;
	s->handle_key = handle_key;
	s->destroy = destroy;
	return s;
}
