/*
 * notify.h - getting an alert to a person who is not looking at the
 * console: a desktop notification through libnotify when a notification
 * service is reachable on the session bus (critical urgency for security
 * alerts), the terminal bell otherwise.
 *
 * libnotify's calls are synchronous D-Bus round trips, so they run on a
 * worker thread of this module: notifier_alert() only queues (bounded) and
 * never blocks the console. Built without libnotify (or with --no-notify)
 * every alert rings the bell.
 *
 * A struct notifier belongs to the console's loop; notifier_* are called
 * from that thread only.
 */
#ifndef SMARTLOCK_TUI_NOTIFY_H
#define SMARTLOCK_TUI_NOTIFY_H

#include <stdbool.h>

enum notifier_state {
	NOTIFIER_OFF,           /* --no-notify or built without libnotify */
	NOTIFIER_PROBING,       /* looking for a notification service */
	NOTIFIER_DESKTOP,       /* notifications go to the desktop */
	NOTIFIER_UNAVAILABLE,   /* no service reachable: the bell */
};

struct notifier;

/* enabled false: bell only. Never fails (a notifier that cannot start a
 * thread falls back to the bell). */
struct notifier *notifier_create(bool enabled, const char *app_name);
void notifier_destroy(struct notifier *n);

enum notifier_state notifier_state(struct notifier *n);
/* "desktop (mock-notify)", "terminal bell", ... */
const char *notifier_describe(struct notifier *n);

/*
 * Tell someone: returns true when it went (or is going) to the desktop,
 * false when the caller should ring the terminal bell instead.
 */
bool notifier_alert(struct notifier *n, const char *title, const char *body, bool critical);

#endif
