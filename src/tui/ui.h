/*
 * ui.h - the console's main loop and key dispatch (ui.c).
 */
#ifndef SMARTLOCK_TUI_UI_H
#define SMARTLOCK_TUI_UI_H

#include "tui.h"

/* Run until quit or a quit signal; EXIT_SUCCESS or EXIT_FAILURE. The
 * terminal must be started (term_start) and t filled in. */
int ui_run(struct tui *t);

/* One key through the prompt, the screen, the focused panel, then the key
 * table: enum tui_result bits. */
unsigned ui_dispatch_key(struct tui *t, int key);

/* The log panel reached the oldest record held: ask the agent for older
 * ones (owners; at most one page in flight). */
void ui_want_older(struct tui *t);

#endif
