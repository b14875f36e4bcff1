/* notify.c - desktop notifications through libnotify on a worker thread,
 * or the terminal bell. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifdef SMARTLOCK_HAVE_LIBNOTIFY
#include <libnotify/notify.h>
#endif

#include "notify.h"

#define QUEUE_MAX 8

struct note {
	char title[96];
	char body[320];
	bool critical;
};

struct notifier {
	bool thread_ok;
	pthread_t thread;
	char app[32];

	pthread_mutex_t mu;     /* guards everything below */
	pthread_cond_t cv;
	bool stop;
	enum notifier_state state;
	char server[64];
	struct note queue[QUEUE_MAX];
	size_t head, count;
	char describe[128];     /* notifier_describe()'s answer (loop thread) */
};

#ifdef SMARTLOCK_HAVE_LIBNOTIFY

/* Is there a session bus to ask at all? Without one GLib might try to
 * autolaunch a bus (X11), which is not wanted over SSH. */
static bool session_bus_known(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *run = getenv("XDG_RUNTIME_DIR");
	char path[512];
	struct stat st;

	if (addr && addr[0])
		return true;
	if (!run || !run[0])
		return false;
	snprintf(path, sizeof(path), "%s/bus", run);
	return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void set_state(struct notifier *n, enum notifier_state s, const char *server)
{
	pthread_mutex_lock(&n->mu);
	n->state = s;
	if (server)
		snprintf(n->server, sizeof(n->server), "%s", server);
	pthread_mutex_unlock(&n->mu);
}

static void show(struct notifier *n, const struct note *note)
{
	NotifyNotification *nn;
	GError *error = NULL;
	gchar *body = g_markup_escape_text(note->body, -1);     /* body may be markup */

	nn = notify_notification_new(note->title, body, note->critical ? "dialog-warning" :
			"dialog-information");
	g_free(body);
	if (!nn)
		return;
	notify_notification_set_urgency(nn, note->critical ? NOTIFY_URGENCY_CRITICAL :
			NOTIFY_URGENCY_NORMAL);
	notify_notification_set_category(nn, note->critical ? "device.error" : "device");
	if (!notify_notification_show(nn, &error)) {
		/* the service went away: the bell from now on */
		set_state(n, NOTIFIER_UNAVAILABLE, NULL);
		g_clear_error(&error);
	}
	g_object_unref(nn);
}

static void *worker(void *arg)
{
	struct notifier *n = arg;
	char *name = NULL, *vendor = NULL, *version = NULL, *spec = NULL;

	if (!session_bus_known() || !notify_init(n->app)) {
		set_state(n, NOTIFIER_UNAVAILABLE, NULL);
		return NULL;
	}
	if (!notify_get_server_info(&name, &vendor, &version, &spec)) {
		set_state(n, NOTIFIER_UNAVAILABLE, NULL);
		notify_uninit();
		return NULL;
	}
	set_state(n, NOTIFIER_DESKTOP, name);
	g_free(name);
	g_free(vendor);
	g_free(version);
	g_free(spec);
	for (;;) {
		struct note note;

		pthread_mutex_lock(&n->mu);
		while (!n->stop && n->count == 0)
			pthread_cond_wait(&n->cv, &n->mu);
		if (n->stop) {
			pthread_mutex_unlock(&n->mu);
			break;
		}
		note = n->queue[n->head];
		n->head = (n->head + 1) % QUEUE_MAX;
		n->count--;
		pthread_mutex_unlock(&n->mu);
		show(n, &note);
	}
	notify_uninit();
	return NULL;
}

#endif /* SMARTLOCK_HAVE_LIBNOTIFY */

struct notifier *notifier_create(bool enabled, const char *app_name)
{
	struct notifier *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	snprintf(n->app, sizeof(n->app), "%s", app_name);
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	n->state = NOTIFIER_OFF;
#ifdef SMARTLOCK_HAVE_LIBNOTIFY
	if (enabled) {
		n->state = NOTIFIER_PROBING;
		if (pthread_create(&n->thread, NULL, worker, n) == 0)
			n->thread_ok = true;
		else
			n->state = NOTIFIER_UNAVAILABLE;
	}
#else
	(void)enabled;
#endif
	return n;
}

void notifier_destroy(struct notifier *n)
{
	if (!n)
		return;
	if (n->thread_ok) {
		struct timespec ts;

		pthread_mutex_lock(&n->mu);
		n->stop = true;
		pthread_cond_signal(&n->cv);
		pthread_mutex_unlock(&n->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 2;
		if (pthread_timedjoin_np(n->thread, NULL, &ts) != 0) {
			/* stuck in a D-Bus call: the process is leaving anyway;
			 * the thread may still use n, so n is not freed */
			pthread_detach(n->thread);
			return;
		}
	}
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

enum notifier_state notifier_state(struct notifier *n)
{
	enum notifier_state s;

	if (!n)
		return NOTIFIER_OFF;
	pthread_mutex_lock(&n->mu);
	s = n->state;
	pthread_mutex_unlock(&n->mu);
	return s;
}

const char *notifier_describe(struct notifier *n)
{
	if (!n)
		return "terminal bell";
	pthread_mutex_lock(&n->mu);
	switch (n->state) {
	case NOTIFIER_DESKTOP:
		snprintf(n->describe, sizeof(n->describe), "desktop (%s)", n->server);
		break;
	case NOTIFIER_PROBING:
		snprintf(n->describe, sizeof(n->describe), "looking for a desktop...");
		break;
	default:
		snprintf(n->describe, sizeof(n->describe), "terminal bell");
		break;
	}
	pthread_mutex_unlock(&n->mu);
	return n->describe;
}

bool notifier_alert(struct notifier *n, const char *title, const char *body, bool critical)
{
	bool queued = false;

	if (!n)
		return false;
	pthread_mutex_lock(&n->mu);
	if (n->state == NOTIFIER_DESKTOP) {
		if (n->count < QUEUE_MAX) {
			struct note *note = &n->queue[(n->head + n->count) % QUEUE_MAX];

			snprintf(note->title, sizeof(note->title), "%s", title);
			snprintf(note->body, sizeof(note->body), "%s", body);
			note->critical = critical;
			n->count++;
			pthread_cond_signal(&n->cv);
		}
		/* a burst beyond the queue still counts as told: the desktop
		 * shows the first ones and the console shows them all */
		queued = true;
	}
	pthread_mutex_unlock(&n->mu);
	return queued;
}
