/*
 * layout.h - where each part of the dashboard goes for a terminal size:
 * title bar, lock and health panels side by side, alerts, the log (owners
 * only), the message line and the key bar. Below 80x24 the dashboard is
 * not drawn at all (too_small), rather than drawn garbled.
 *
 * Pure; thread-safe.
 */
#ifndef SMARTLOCK_TUI_LAYOUT_H
#define SMARTLOCK_TUI_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 80
#define LAYOUT_MIN_ROWS 24

struct rect {
	int y, x, h, w;
};

struct layout {
	int rows, cols;
	bool too_small;
	bool has_log;
	struct rect title, lock, health, alerts, log, message, keybar;
};

void layout_compute(struct layout *l, int rows, int cols, bool has_log);

#endif
