/* panel_health.c - is the lock online, how old is its heartbeat, is the
 * broker connected, does the agent answer, do its alert channels work. */
#include <stdlib.h>

#include "smartlock/timeutil.h"

#include "text.h"
#include "tui.h"

#define LABEL_W 10

static void row(struct tui *t, const struct rect *r, int i, const char *label, attr_t a,
		const char *value)
{
	int inner = r->w - 2;

	if (i >= r->h - 2)
		return;
	tui_put(t, r->y + 1 + i, r->x + 2, LABEL_W, label, A_BOLD);
	tui_put(t, r->y + 1 + i, r->x + 2 + LABEL_W, inner - 2 - LABEL_W, value, a);
}

/* While the view is not current: the lock and the agent are unknown. */
static int draw_unknown(struct tui *t, const struct rect *r, int i, int64_t since)
{
	const struct model *m = &t->model;
	int64_t now = time_now_ms();
	char v[256], when[48], ago[32];

	text_when(since, now, when, sizeof(when));
	snprintf(v, sizeof(v), "unknown since %s", when);
	row(t, r, i++, "Lock", tui_attr(t, COLOR_WARN), v);
	if (m->have_health) {
		int64_t seen = m->health.time > 0 ? m->health.time : m->health_received;

		row(t, r, i++, "Heartbeat", A_NORMAL, text_ago(seen, now, ago, sizeof(ago)));
	} else {
		row(t, r, i++, "Heartbeat", A_NORMAL, "-");
	}
	return i;
}

static void draw(struct panel *p, struct tui *t, const struct rect *r, bool focused)
{
	const struct model *m = &t->model;
	int64_t now = time_now_ms(), unknown = model_unknown_since(m);
	char v[256], ago[32], dur[32];
	int i = 0;

	(void)p;
	tui_box(t, r, "Health", focused);

	/* the lock */
	if (unknown) {
		i = draw_unknown(t, r, i, unknown);
	} else if (!m->have_health) {
		row(t, r, i++, "Lock", tui_attr(t, COLOR_WARN), "unknown (no heartbeat yet)");
		row(t, r, i++, "Heartbeat", A_NORMAL, "-");
	} else if (!m->health.online) {
		snprintf(v, sizeof(v), "OFFLINE (since %s)",
				text_ago(m->health_received, now, ago, sizeof(ago)));
		row(t, r, i++, "Lock", tui_attr(t, COLOR_BAD) | A_BOLD, v);
		row(t, r, i++, "Heartbeat", A_NORMAL, "none");
	} else {
		int64_t seen = m->health.time > 0 ? m->health.time : m->health_received;
		int64_t interval = m->health.interval > 0 ? m->health.interval * 1000 : 60000;
		bool late = now - seen > 2 * interval + 5000;

		/* the uptime the heartbeat reported, plus the time since */
		snprintf(v, sizeof(v), "online, up %s", text_duration(m->health.uptime * 1000 +
				(now > seen ? now - seen : 0), dur, sizeof(dur)));
		row(t, r, i++, "Lock", tui_attr(t, COLOR_GOOD), v);
		snprintf(v, sizeof(v), "%s%s, every %s", late ? "LATE " : "",
				text_ago(seen, now, ago, sizeof(ago)),
				text_duration(interval, dur, sizeof(dur)));
		row(t, r, i++, "Heartbeat", late ? tui_attr(t, COLOR_WARN) : A_NORMAL, v);
	}

	/* the broker */
	switch (m->conn) {
	case CLIENT_CONNECTED:
		row(t, r, i++, "Broker", tui_attr(t, COLOR_GOOD), "connected");
		break;
	case CLIENT_REFUSED:
		row(t, r, i++, "Broker", tui_attr(t, COLOR_BAD), "login refused (see below)");
		break;
	default:
		/* the reason is on the message line */
		row(t, r, i++, "Broker", tui_attr(t, COLOR_BAD), m->conn == CLIENT_CONNECTING ?
				"connecting" : "not connected, retrying");
		break;
	}

	/* the agent */
	if (m->conn != CLIENT_CONNECTED) {
		char when[48];

		snprintf(v, sizeof(v), "unknown since %s", text_when(unknown, now, when,
				sizeof(when)));
		row(t, r, i++, "Agent", tui_attr(t, COLOR_WARN), v);
	} else if (m->agent_silent) {
		row(t, r, i++, "Agent", tui_attr(t, COLOR_BAD), "NOT ANSWERING");
	} else if (m->agent_heard > 0) {
		snprintf(v, sizeof(v), "answering (%s)",
				text_ago(m->agent_heard, now, ago, sizeof(ago)));
		row(t, r, i++, "Agent", tui_attr(t, COLOR_GOOD), v);
	} else {
		row(t, r, i++, "Agent", tui_attr(t, COLOR_WARN), "not heard yet");
	}

	/* an alert channel the agent could not deliver through (channel.h) */
	if (m->have_state && m->state.channel_failed[0]) {
		snprintf(v, sizeof(v), "%s FAILED %s", m->state.channel_failed,
				text_ago(m->state.channel_failed_at, now, ago, sizeof(ago)));
		row(t, r, i++, "Channel", tui_attr(t, COLOR_BAD) | A_BOLD, v);
	}

	if (!unknown && m->have_health && m->health.online) {
		if (m->health.refused > 0)
			snprintf(v, sizeof(v), "%lld carried out, %lld forged refused",
					(long long)m->health.commands, (long long)m->health.refused);
		else
			snprintf(v, sizeof(v), "%lld carried out",
					(long long)m->health.commands);
		row(t, r, i++, "Commands", A_NORMAL, v);
	}
	if (client_dropped(t->client) > 0 || m->invalid > 0 || m->log.dropped > 0) {
		snprintf(v, sizeof(v), "%llu too fast, %llu malformed",
				(unsigned long long)client_dropped(t->client),
				(unsigned long long)m->invalid);
		row(t, r, i++, "Dropped", tui_attr(t, COLOR_WARN), v);
	}
	row(t, r, i++, "Alerts to", A_NORMAL, notifier_describe(t->notifier));
}

static void destroy(struct panel *p)
{
	free(p);
}

struct panel *panel_health_create(void)
{
	struct panel *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->name = "health";
	p->draw = draw;
	p->destroy = destroy;
	return p;
}
