/* model.c - the console's knowledge, updated from session events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"

bool model_init(struct model *m, enum sl_role role)
{
	memset(m, 0, sizeof(*m));
	m->role = role;
	m->conn = CLIENT_CONNECTING;
	if (!ring_init(&m->alerts, sizeof(struct alert_item), MODEL_ALERTS_MAX))
		return false;
	if (!ring_init(&m->log, sizeof(struct client_log_entry), MODEL_LOG_MAX)) {
		ring_finish(&m->alerts);
		return false;
	}
	return true;
}

void model_finish(struct model *m)
{
	ring_finish(&m->alerts);
	ring_finish(&m->log);
}

static bool have_alert(const struct model *m, uint64_t id)
{
	for (size_t i = 0; id && i < ring_count(&m->alerts); i++)
		if (((const struct alert_item *)ring_at(&m->alerts, i))->alert.id == id)
			return true;
	return false;
}

static void count_unacked(struct model *m)
{
	m->unacked = 0;
	for (size_t i = 0; i < ring_count(&m->alerts); i++)
		if (!((const struct alert_item *)ring_at(&m->alerts, i))->acked)
			m->unacked++;
}

static unsigned add_alert(struct model *m, const struct sl_alert *a, int64_t now)
{
	struct alert_item item;

	if (a->kind == SL_ALERT_ACKNOWLEDGED)
		return model_alerts_acked(m, a->ack, a->upto) ? MODEL_CHANGED_ALERTS : 0;
	if (have_alert(m, a->id))
		return 0;       /* already in the history the agent sent */

	if (ring_full(&m->alerts)) {
		const struct alert_item *oldest = ring_at(&m->alerts, 0);

		if (!oldest->acked)
			m->unacked--;
	}
	memset(&item, 0, sizeof(item));
	item.alert = *a;
	item.received = now;
	item.acked = a->acked;
	ring_push(&m->alerts, &item);
	if (!item.acked)
		m->unacked++;
	/* keep the selection on the same alert */
	if (m->alert_sel > 0 && m->alert_sel + 1 < ring_count(&m->alerts))
		m->alert_sel++;
	return MODEL_CHANGED_ALERTS | MODEL_NEW_ALERT;
}

static unsigned add_log(struct model *m, const struct client_log_entry *e)
{
	ring_push(&m->log, e);
	/* while scrolled back (not paused), keep the same records in view */
	if (!m->paused && m->scroll > 0 && model_log_matches(m, e))
		m->scroll++;
	return MODEL_CHANGED_LOG;
}

/* Each failed retry reports again: the time the view went stale is when
 * the connection was lost, not the last attempt. */
static unsigned conn_lost(struct model *m, enum client_conn state, int64_t now)
{
	if (m->conn == CLIENT_CONNECTED || m->conn_changed == 0)
		m->conn_changed = now;
	m->conn = state;
	return MODEL_CHANGED_CONN | MODEL_CHANGED_HEALTH;
}

unsigned model_apply(struct model *m, const struct client_event *ev, int64_t now)
{
	switch (ev->type) {
	case CLIENT_EV_CONNECTED:
		m->conn = CLIENT_CONNECTED;
		m->conn_changed = now;
		return MODEL_CHANGED_CONN | MODEL_CHANGED_HEALTH;
	case CLIENT_EV_DISCONNECTED:
		return conn_lost(m, CLIENT_DISCONNECTED, now);
	case CLIENT_EV_REFUSED:
		return conn_lost(m, CLIENT_REFUSED, now);
	case CLIENT_EV_SUBSCRIBED:
		if (ev->kind == SL_TOPIC_ALERT)
			m->alerts_refused = ev->code == 128;
		else if (ev->kind == SL_TOPIC_LOG)
			m->log_refused = ev->code == 128;
		return MODEL_CHANGED_ALERTS | MODEL_CHANGED_LOG;
	case CLIENT_EV_STATE:
		m->have_state = true;
		m->state = ev->u.state;
		m->state_heard = now;
		if (!ev->retained)      /* a retained state may be hours old */
			m->agent_heard = now;
		return MODEL_CHANGED_LOCK | MODEL_CHANGED_HEALTH;
	case CLIENT_EV_HEALTH:
		m->have_health = true;
		m->health = ev->u.health;
		m->health_received = now;
		return MODEL_CHANGED_HEALTH;
	case CLIENT_EV_ALERT:
		m->agent_heard = now;
		return add_alert(m, &ev->u.alert, now) | MODEL_CHANGED_HEALTH;
	case CLIENT_EV_LOG:
		m->agent_heard = now;
		return add_log(m, &ev->u.log);
	case CLIENT_EV_RESPONSE:
		m->agent_heard = now;
		m->agent_silent = false;
		if (ev->u.response.state != SL_STATE_UNKNOWN && m->have_state)
			m->state_heard = now;
		if (ev->u.response.state != SL_STATE_UNKNOWN && !m->have_state) {
			/* a status answer before any retained state */
			m->have_state = true;
			m->state.state = ev->u.response.state;
			m->state.door = ev->u.response.door;
			return MODEL_CHANGED_LOCK | MODEL_CHANGED_HEALTH;
		}
		return MODEL_CHANGED_HEALTH;
	case CLIENT_EV_ADMIN_RES:
		m->agent_heard = now;
		m->agent_silent = false;
		return MODEL_CHANGED_HEALTH;
	case CLIENT_EV_INVALID:
		m->invalid++;
		return MODEL_CHANGED_HEALTH;
	}
	return 0;
}

int64_t model_unknown_since(const struct model *m)
{
	if (m->conn != CLIENT_CONNECTED)
		return m->conn_changed;
	return m->agent_silent ? m->silent_since : 0;
}

void model_agent_silent(struct model *m, int64_t now)
{
	if (!m->agent_silent)
		m->silent_since = now;
	m->agent_silent = true;
}

uint64_t model_oldest_seq(const struct model *m)
{
	const struct client_log_entry *e = ring_at(&m->log, 0);

	return e ? e->seq : 0;
}

size_t model_add_history(struct model *m, const struct client_log_entry *recs, size_t n)
{
	size_t added = 0;

	/* newest of the page first, so each goes in front of the last */
	for (size_t i = n; i-- > 0;) {
		uint64_t oldest = model_oldest_seq(m);

		if (oldest != 0 && recs[i].seq >= oldest)
			continue;
		if (!ring_push_front(&m->log, &recs[i]))
			break;
		added++;
	}
	return added;
}

/* Case-insensitive substring. */
static bool contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

bool model_log_matches(const struct model *m, const struct client_log_entry *e)
{
	enum client_tone tone = client_result_tone(e->result);

	if (m->filter == LOG_FILTER_BAD && tone != CLIENT_TONE_BAD)
		return false;
	if (m->filter == LOG_FILTER_GOOD && tone != CLIENT_TONE_GOOD)
		return false;
	if (m->search[0]) {
		char seq[24];

		snprintf(seq, sizeof(seq), "#%llu", (unsigned long long)e->seq);
		if (!contains(e->actor, m->search) && !contains(e->action, m->search) &&
				!contains(e->result, m->search) && !contains(e->reason, m->search) &&
				!contains(e->detail, m->search) && !contains(e->source, m->search) &&
				!contains(e->role, m->search) && strcmp(seq, m->search) != 0)
			return false;
	}
	return true;
}

size_t model_log_window(const struct model *m, const struct client_log_entry **out,
		size_t rows, bool *at_start)
{
	size_t n = 0, skipped = 0, i;
	size_t count = ring_count(&m->log);

	*at_start = true;
	for (i = 0; i < count && n < rows; i++) {
		const struct client_log_entry *e = ring_from_newest(&m->log, i);

		if (m->paused && e->seq > m->pause_seq)
			continue;
		if (!model_log_matches(m, e))
			continue;
		if (skipped < m->scroll) {
			skipped++;
			continue;
		}
		out[n++] = e;
	}
	/* anything older left that would match? */
	for (; i < count; i++)
		if (model_log_matches(m, ring_from_newest(&m->log, i))) {
			*at_start = false;
			break;
		}
	/* oldest first */
	for (size_t a = 0, b = n ? n - 1 : 0; a < b; a++, b--) {
		const struct client_log_entry *t = out[a];

		out[a] = out[b];
		out[b] = t;
	}
	return n;
}

void model_log_clamp(struct model *m, size_t rows)
{
	size_t matches = 0;

	for (size_t i = 0; i < ring_count(&m->log); i++) {
		const struct client_log_entry *e = ring_at(&m->log, i);

		if ((!m->paused || e->seq <= m->pause_seq) && model_log_matches(m, e))
			matches++;
	}
	if (matches <= rows)
		m->scroll = 0;
	else if (m->scroll > matches - rows)
		m->scroll = matches - rows;
}

static uint64_t newest_seq(const struct model *m)
{
	const struct client_log_entry *e = ring_from_newest(&m->log, 0);

	return e ? e->seq : 0;
}

void model_log_scroll(struct model *m, long delta)
{
	if (delta > 0 && !m->paused) {
		/* scrolling back pauses the view where it is */
		m->paused = true;
		m->pause_seq = newest_seq(m);
	}
	if (delta < 0 && (size_t)-delta >= m->scroll)
		m->scroll = 0;
	else
		m->scroll = (size_t)((long)m->scroll + delta);
}

void model_log_follow(struct model *m)
{
	m->paused = false;
	m->scroll = 0;
}

void model_log_toggle_pause(struct model *m)
{
	if (m->paused) {
		model_log_follow(m);
	} else {
		m->paused = true;
		m->pause_seq = newest_seq(m);
	}
}

void model_log_cycle_filter(struct model *m)
{
	m->filter = (enum log_filter)((m->filter + 1) % LOG_FILTER_COUNT_);
	m->scroll = 0;
}

void model_log_set_search(struct model *m, const char *text)
{
	snprintf(m->search, sizeof(m->search), "%s", text ? text : "");
	m->scroll = 0;
}

const char *model_filter_name(enum log_filter f)
{
	static const char *const names[LOG_FILTER_COUNT_] = {
		[LOG_FILTER_ALL] = "all",
		[LOG_FILTER_BAD] = "denied/errors",
		[LOG_FILTER_GOOD] = "granted",
	};

	return (unsigned)f < LOG_FILTER_COUNT_ ? names[f] : "all";
}

const struct alert_item *model_alert(const struct model *m, size_t from_newest)
{
	return ring_from_newest(&m->alerts, from_newest);
}

void model_alert_select(struct model *m, long delta)
{
	size_t n = ring_count(&m->alerts);
	long sel = (long)m->alert_sel + delta;

	if (n == 0 || sel < 0)
		sel = 0;
	else if ((size_t)sel >= n)
		sel = (long)n - 1;
	m->alert_sel = (size_t)sel;
}

size_t model_alerts_acked(struct model *m, uint64_t id, bool upto)
{
	size_t changed = 0;

	for (size_t i = 0; id && i < ring_count(&m->alerts); i++) {
		struct alert_item *x = ring_at(&m->alerts, i);
		uint64_t xid = x->alert.id;

		if (!x->acked && xid && (upto ? xid <= id : xid == id)) {
			x->acked = true;
			changed++;
		}
	}
	count_unacked(m);
	return changed;
}

void model_alerts_load(struct model *m, const struct sl_alert *list, size_t n, int64_t now)
{
	struct alert_item *later = NULL;
	size_t nlater = 0, total = ring_count(&m->alerts);
	uint64_t last = n ? list[n - 1].id : 0;

	/* what arrived live after the history was read stays, after it */
	if (total && (later = calloc(total, sizeof(*later)))) {
		for (size_t i = 0; i < total; i++) {
			const struct alert_item *x = ring_at(&m->alerts, i);

			if (!x->alert.id || x->alert.id > last)
				later[nlater++] = *x;
		}
	}
	ring_clear(&m->alerts);
	for (size_t i = 0; i < n; i++) {
		struct alert_item item;

		memset(&item, 0, sizeof(item));
		item.alert = list[i];
		item.received = now;
		item.acked = list[i].acked;
		ring_push(&m->alerts, &item);
	}
	for (size_t i = 0; i < nlater; i++)
		ring_push(&m->alerts, &later[i]);
	free(later);
	m->alert_sel = 0;
	count_unacked(m);
}

const struct alert_item *model_ack_target(const struct model *m)
{
	const struct alert_item *a = ring_from_newest(&m->alerts, m->alert_sel);

	if (a && !a->acked)
		return a;
	for (size_t i = 0; i < ring_count(&m->alerts); i++) {
		a = ring_from_newest(&m->alerts, i);
		if (!a->acked)
			return a;
	}
	return NULL;
}

uint64_t model_alert_newest_id(const struct model *m)
{
	uint64_t id = 0;

	for (size_t i = 0; i < ring_count(&m->alerts); i++) {
		const struct alert_item *x = ring_at(&m->alerts, i);

		if (x->alert.id > id)
			id = x->alert.id;
	}
	return id;
}

bool model_ack(struct model *m)
{
	struct alert_item *a = (struct alert_item *)model_ack_target(m);

	if (!a)
		return false;
	a->acked = true;
	m->unacked--;
	return true;
}

void model_ack_all(struct model *m)
{
	for (size_t i = 0; i < ring_count(&m->alerts); i++) {
		struct alert_item *x = ring_at(&m->alerts, i);

		x->acked = true;
	}
	m->unacked = 0;
}
