/* screen_help.c - the keys of the user's role grouped by what one wants
 * to do, on a page that scrolls. */
#include <stdio.h>
#include <stdlib.h>

#include "tui.h"

/* What the keys alone do not say, for the roles it concerns. */
static bool add_notes(struct screen *s, enum sl_role role)
{
	bool ok = pager_heading(s, "Panels");

	if (role == SL_ROLE_GUEST)
		return ok && pager_text(s, "Guests do not receive security alerts. The lock panel "
				"says UNKNOWN when the console cannot know the door's state now.");
	ok = ok && pager_text(s, "In the alerts panel, Up and Down select an alert and Enter "
			"shows all of it. Unacknowledged alerts stay highlighted; the list follows "
			"the newest unless you moved down to an older one (Home goes back to the "
			"newest).");
	if (role == SL_ROLE_OWNER)
		ok = ok && pager_text(s, "In the log panel (Tab), Up, Down, PgUp and PgDn scroll "
				"back and pause; End follows again; Enter shows the whole record. "
				"Scrolling past the oldest record fetches older ones from the agent.");
	return ok && pager_text(s, "Desktop notifications are used when a notification "
			"service is reachable, the terminal bell otherwise (--no-notify).");
}

struct screen *screen_help_create(struct tui *t)
{
	const struct key_binding *keys[32];
	char title[96];
	struct screen *s;
	bool ok = true;

	snprintf(title, sizeof(title), "Help for %s (%s)", t->user, proto_role_name(t->role));
	s = screen_pager_create("help", title);
	if (!s)
		return NULL;
	for (int task = 0; ok && task < TASK_COUNT_; task++) {
		size_t n = keys_task(t->role, (enum key_task)task, keys, 32);

		if (n == 0)
			continue;
		ok = pager_heading(s, keys_task_name((enum key_task)task));
		for (size_t i = 0; ok && i < n; i++)
			ok = pager_field(s, keys[i]->name, keys[i]->help);
	}
	ok = ok && add_notes(s, t->role) && pager_text(s, "") &&
			pager_text(s, "Esc, q or ? closes this help.");
	if (!ok) {
		s->destroy(s);
		return NULL;
	}
	return s;
}
