/* layout.c - the dashboard's rectangles for a terminal size. */
#include <string.h>

#include "layout.h"

#define TOP_H 8         /* lock and health panels, borders included */
#define ALERTS_MIN_H 5

static struct rect rect(int y, int x, int h, int w)
{
	struct rect r = {y, x, h, w};

	return r;
}

void layout_compute(struct layout *l, int rows, int cols, bool has_log)
{
	int body, alerts_h, left_w;

	memset(l, 0, sizeof(*l));
	l->rows = rows;
	l->cols = cols;
	l->has_log = has_log;
	l->too_small = rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS;
	if (l->too_small)
		return;
	l->title = rect(0, 0, 1, cols);
	left_w = cols / 2;
	l->lock = rect(1, 0, TOP_H, left_w);
	l->health = rect(1, left_w, TOP_H, cols - left_w);
	body = rows - 1 - TOP_H - 2;    /* under the panels, above message + keys */
	if (has_log) {
		/* the log gets the room; alerts grow slowly with the height */
		alerts_h = ALERTS_MIN_H + (body - 13) / 4;
		if (alerts_h < ALERTS_MIN_H)
			alerts_h = ALERTS_MIN_H;
		l->alerts = rect(1 + TOP_H, 0, alerts_h, cols);
		l->log = rect(1 + TOP_H + alerts_h, 0, body - alerts_h, cols);
	} else {
		l->alerts = rect(1 + TOP_H, 0, body, cols);
	}
	l->message = rect(rows - 2, 0, 1, cols);
	l->keybar = rect(rows - 1, 0, 1, cols);
}
