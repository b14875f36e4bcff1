/*
 * model.h - what the console knows, built from the session's events: the
 * lock's state, its health, the broker connection, whether the agent
 * answers, the alerts (acknowledged or not) and the live audit log with
 * its view (follow or pause, scroll, filter, search). Memory is bounded:
 * alerts and log records live in rings.
 *
 * No curses here, so it can be tested alone. Every string in it came
 * through the client library's cleaning. Not thread-safe; the console's
 * loop owns it.
 */
#ifndef SMARTLOCK_TUI_MODEL_H
#define SMARTLOCK_TUI_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "records.h"
#include "ring.h"

#define MODEL_LOG_MAX 5000
#define MODEL_ALERTS_MAX 200
#define MODEL_SEARCH_MAX 64

struct alert_item {
	struct sl_alert alert;
	int64_t received;       /* wall ms */
	bool acked;
};

enum log_filter {
	LOG_FILTER_ALL,         /* everything */
	LOG_FILTER_BAD,         /* denied, errors, alerts */
	LOG_FILTER_GOOD,        /* granted and ok */
	LOG_FILTER_COUNT_
};

/* What an update changed (for redrawing and notifying). */
enum model_change {
	MODEL_CHANGED_LOCK = 1u << 0,
	MODEL_CHANGED_HEALTH = 1u << 1,
	MODEL_CHANGED_ALERTS = 1u << 2,
	MODEL_CHANGED_LOG = 1u << 3,
	MODEL_NEW_ALERT = 1u << 4,      /* a new alert arrived (notify) */
	MODEL_CHANGED_CONN = 1u << 5,
};

struct model {
	enum sl_role role;

	bool have_state;
	struct sl_state_msg state;

	bool have_health;
	struct sl_heartbeat health;
	int64_t health_received;        /* wall ms of the last heartbeat */

	enum client_conn conn;
	int64_t conn_changed;           /* wall ms */
	bool alerts_refused;            /* the broker refused the alert topic */
	bool log_refused;

	int64_t agent_heard;            /* wall ms of the agent's last message */
	bool agent_silent;              /* the last request got no answer */

	struct ring alerts;             /* struct alert_item */
	size_t unacked;
	size_t alert_sel;               /* selected alert, 0 = newest */

	struct ring log;                /* struct client_log_entry */
	enum log_filter filter;
	char search[MODEL_SEARCH_MAX];
	bool paused;
	uint64_t pause_seq;             /* newest seq shown while paused */
	size_t scroll;                  /* matching records skipped from the anchor */
	bool older_asked;               /* a log page is on its way */
	bool no_older;                  /* the agent has nothing older */

	uint64_t invalid;               /* messages that did not decode */

	int64_t state_heard;            /* wall ms the lock's state was last confirmed */
	int64_t silent_since;           /* wall ms the agent stopped answering */
};

bool model_init(struct model *m, enum sl_role role);
void model_finish(struct model *m);

/* Apply one event; now is wall ms. Returns enum model_change bits. */
unsigned model_apply(struct model *m, const struct client_event *ev, int64_t now);

/* Since when (wall ms) what the console shows may no longer be true: the
 * broker connection is down or the agent stopped answering. 0 when the
 * view is current. */
int64_t model_unknown_since(const struct model *m);
/* The agent did not answer a request in time (now: wall ms). */
void model_agent_silent(struct model *m, int64_t now);

/* Older records from a log page (ascending): those older than what the
 * ring holds go in front while there is room. Returns how many. */
size_t model_add_history(struct model *m, const struct client_log_entry *recs, size_t n);

/* The oldest seq held (0 when none). */
uint64_t model_oldest_seq(const struct model *m);

/* Does the record pass the filter and the search? */
bool model_log_matches(const struct model *m, const struct client_log_entry *e);

/*
 * The window of at most rows matching records for the log panel, oldest
 * first, honouring pause and scroll. Returns how many; *at_start says the
 * window reaches the oldest record held (time to ask for older history).
 */
size_t model_log_window(const struct model *m, const struct client_log_entry **out,
		size_t rows, bool *at_start);

/* Keep the scroll within the matching records for a window of rows. */
void model_log_clamp(struct model *m, size_t rows);

/* Log view actions. */
void model_log_scroll(struct model *m, long delta);     /* + = older */
void model_log_follow(struct model *m);                 /* back to the newest */
void model_log_toggle_pause(struct model *m);
void model_log_cycle_filter(struct model *m);
void model_log_set_search(struct model *m, const char *text);
const char *model_filter_name(enum log_filter f);

/* Alerts. */
const struct alert_item *model_alert(const struct model *m, size_t from_newest);
void model_alert_select(struct model *m, long delta);   /* + = older */
/* Acknowledge the selected alert if unacknowledged, else the newest
 * unacknowledged one; false when there is none. */
bool model_ack(struct model *m);
void model_ack_all(struct model *m);
/* What 'a' acknowledges: the selected alert if unacknowledged, else the
 * newest unacknowledged one; NULL when there is none. */
const struct alert_item *model_ack_target(const struct model *m);
/* The newest alert id held (0 when none carries one). */
uint64_t model_alert_newest_id(const struct model *m);
/* The agent says alert id (with upto: every alert up to id) was
 * acknowledged. Returns how many changed. */
size_t model_alerts_acked(struct model *m, uint64_t id, bool upto);
/* Replace the alerts with the agent's history (oldest first), keeping
 * those that arrived live after it. */
void model_alerts_load(struct model *m, const struct sl_alert *list, size_t n, int64_t now);

#endif
