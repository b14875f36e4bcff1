/* test_tui_model.c - what the console knows: events in, bounded alerts and
 * log, acknowledgement, pause/follow, filter and search, history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"

static struct client_event log_event(uint64_t seq, const char *actor, const char *result)
{
	struct client_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = CLIENT_EV_LOG;
	ev.u.log.seq = seq;
	snprintf(ev.u.log.actor, sizeof(ev.u.log.actor), "%s", actor);
	snprintf(ev.u.log.result, sizeof(ev.u.log.result), "%s", result);
	snprintf(ev.u.log.action, sizeof(ev.u.log.action), "unlock");
	return ev;
}

static struct client_event alert_event(enum sl_alert_kind k)
{
	struct client_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = CLIENT_EV_ALERT;
	ev.u.alert.kind = k;
	return ev;
}

static void test_state_and_agent(void **state)
{
	struct model m;
	struct client_event ev;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	memset(&ev, 0, sizeof(ev));
	ev.type = CLIENT_EV_STATE;
	ev.retained = true;
	ev.u.state.state = SL_STATE_LOCKED;
	assert_true(model_apply(&m, &ev, 1000) & MODEL_CHANGED_LOCK);
	assert_true(m.have_state);
	/* a retained state says nothing about the agent being up now */
	assert_int_equal(m.agent_heard, 0);
	ev.retained = false;
	model_apply(&m, &ev, 2000);
	assert_int_equal(m.agent_heard, 2000);
	m.agent_silent = true;
	memset(&ev, 0, sizeof(ev));
	ev.type = CLIENT_EV_RESPONSE;
	model_apply(&m, &ev, 3000);
	assert_false(m.agent_silent);
	ev.type = CLIENT_EV_DISCONNECTED;
	assert_true(model_apply(&m, &ev, 4000) & MODEL_CHANGED_CONN);
	assert_int_equal(m.conn, CLIENT_DISCONNECTED);
	model_finish(&m);
}

static void test_alerts_bounded_and_acknowledged(void **state)
{
	struct model m;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	for (int i = 0; i < MODEL_ALERTS_MAX + 50; i++) {
		struct client_event ev = alert_event(SL_ALERT_LOCKOUT);

		assert_true(model_apply(&m, &ev, i) & MODEL_NEW_ALERT);
	}
	assert_int_equal(ring_count(&m.alerts), MODEL_ALERTS_MAX);
	assert_int_equal(m.unacked, MODEL_ALERTS_MAX);
	assert_true(model_ack(&m));
	assert_int_equal(m.unacked, MODEL_ALERTS_MAX - 1);
	assert_true(model_alert(&m, 0)->acked);
	/* acking the acked selection takes the newest unacknowledged one */
	assert_true(model_ack(&m));
	assert_true(model_alert(&m, 1)->acked);
	model_ack_all(&m);
	assert_int_equal(m.unacked, 0);
	assert_false(model_ack(&m));
	model_alert_select(&m, 1000);
	assert_int_equal(m.alert_sel, MODEL_ALERTS_MAX - 1);
	model_alert_select(&m, -5000);
	assert_int_equal(m.alert_sel, 0);
	model_finish(&m);
}

/* The agent's history replaces what the console held, live alerts that
 * came after it stay, and acknowledgements from any console apply. */
static void test_alert_history_and_acks(void **state)
{
	struct model m;
	struct sl_alert list[3];
	struct client_event ev;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	memset(list, 0, sizeof(list));
	for (int i = 0; i < 3; i++) {
		list[i].kind = SL_ALERT_LOCKOUT;
		list[i].id = 10 + (uint64_t)i;
	}
	list[0].acked = true;
	ev = alert_event(SL_ALERT_LOCK_OFFLINE);
	ev.u.alert.id = 20;             /* arrived live after the history was read */
	model_apply(&m, &ev, 1);
	model_alerts_load(&m, list, 3, 2);
	assert_int_equal(ring_count(&m.alerts), 4);
	assert_int_equal(m.unacked, 3);
	assert_int_equal(model_alert(&m, 0)->alert.id, 20);
	assert_int_equal(model_alert_newest_id(&m), 20);
	/* the same alert live again is not a second one */
	ev.u.alert.id = 11;
	assert_int_equal(model_apply(&m, &ev, 3) & MODEL_NEW_ALERT, 0);
	assert_int_equal(ring_count(&m.alerts), 4);
	/* another console acknowledged 11, then everything up to 12 */
	ev = alert_event(SL_ALERT_ACKNOWLEDGED);
	ev.u.alert.ack = 11;
	assert_int_equal(model_apply(&m, &ev, 4) & MODEL_NEW_ALERT, 0);
	assert_int_equal(m.unacked, 2);
	ev.u.alert.ack = 12;
	ev.u.alert.upto = true;
	model_apply(&m, &ev, 5);
	assert_int_equal(m.unacked, 1);
	assert_false(model_alert(&m, 0)->acked);
	assert_ptr_equal(model_ack_target(&m), model_alert(&m, 0));
	model_finish(&m);
}

/* Retries that fail again do not move the time the view went stale. */
static void test_unknown_since_the_loss(void **state)
{
	struct model m;
	struct client_event ev;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	memset(&ev, 0, sizeof(ev));
	ev.type = CLIENT_EV_CONNECTED;
	model_apply(&m, &ev, 1000);
	assert_int_equal(model_unknown_since(&m), 0);
	ev.type = CLIENT_EV_DISCONNECTED;
	model_apply(&m, &ev, 2000);
	model_apply(&m, &ev, 5000);
	ev.type = CLIENT_EV_REFUSED;
	model_apply(&m, &ev, 9000);
	assert_int_equal(model_unknown_since(&m), 2000);
	ev.type = CLIENT_EV_CONNECTED;
	model_apply(&m, &ev, 10000);
	assert_int_equal(model_unknown_since(&m), 0);
	model_agent_silent(&m, 11000);
	model_agent_silent(&m, 12000);
	assert_int_equal(model_unknown_since(&m), 11000);
	model_finish(&m);
}

static void test_log_follow_pause_scroll(void **state)
{
	struct model m;
	const struct client_log_entry *win[5];
	bool at_start;
	size_t n;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	for (uint64_t s = 1; s <= 20; s++) {
		struct client_event ev = log_event(s, "alice", s % 2 ? "granted" : "denied");

		model_apply(&m, &ev, 0);
	}
	n = model_log_window(&m, win, 5, &at_start);
	assert_int_equal(n, 5);
	assert_int_equal(win[0]->seq, 16);      /* oldest first, newest last */
	assert_int_equal(win[4]->seq, 20);
	assert_false(at_start);
	/* paused: new records do not move the view */
	model_log_toggle_pause(&m);
	{
		struct client_event ev = log_event(21, "bob", "granted");

		model_apply(&m, &ev, 0);
	}
	n = model_log_window(&m, win, 5, &at_start);
	assert_int_equal(win[4]->seq, 20);
	/* scrolling back to the start */
	model_log_scroll(&m, 100);
	model_log_clamp(&m, 5);
	n = model_log_window(&m, win, 5, &at_start);
	assert_int_equal(n, 5);
	assert_int_equal(win[0]->seq, 1);
	assert_true(at_start);
	/* End follows again */
	model_log_follow(&m);
	n = model_log_window(&m, win, 5, &at_start);
	assert_int_equal(win[4]->seq, 21);
	model_finish(&m);
}

static void test_log_filter_and_search(void **state)
{
	struct model m;
	const struct client_log_entry *win[40];
	bool at_start;
	size_t n;

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	for (uint64_t s = 1; s <= 20; s++) {
		struct client_event ev = log_event(s, s == 7 ? "mallory" : "alice",
				s % 2 ? "granted" : "denied");

		model_apply(&m, &ev, 0);
	}
	model_log_cycle_filter(&m);
	assert_string_equal(model_filter_name(m.filter), "denied/errors");
	n = model_log_window(&m, win, 40, &at_start);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(win[i]->result, "denied");
	model_log_cycle_filter(&m);
	n = model_log_window(&m, win, 40, &at_start);
	assert_int_equal(n, 10);
	model_log_cycle_filter(&m);
	assert_int_equal(m.filter, LOG_FILTER_ALL);
	model_log_set_search(&m, "MALLORY");    /* case-insensitive */
	n = model_log_window(&m, win, 40, &at_start);
	assert_int_equal(n, 1);
	assert_int_equal(win[0]->seq, 7);
	model_log_set_search(&m, "#12");
	n = model_log_window(&m, win, 40, &at_start);
	assert_int_equal(n, 1);
	assert_int_equal(win[0]->seq, 12);
	model_log_set_search(&m, "");
	assert_int_equal(model_log_window(&m, win, 40, &at_start), 20);
	model_finish(&m);
}

static void test_log_bounded_and_history(void **state)
{
	struct model m;
	struct client_log_entry older[3];

	(void)state;
	assert_true(model_init(&m, SL_ROLE_OWNER));
	for (uint64_t s = 100; s < 110; s++) {
		struct client_event ev = log_event(s, "a", "ok");

		model_apply(&m, &ev, 0);
	}
	assert_int_equal(model_oldest_seq(&m), 100);
	memset(older, 0, sizeof(older));
	older[0].seq = 97;
	older[1].seq = 98;
	older[2].seq = 100;             /* already held: skipped */
	assert_int_equal(model_add_history(&m, older, 3), 2);
	assert_int_equal(model_oldest_seq(&m), 97);
	for (uint64_t s = 1000; s < 1000 + MODEL_LOG_MAX * 3; s++) {
		struct client_event ev = log_event(s, "a", "ok");

		model_apply(&m, &ev, 0);
	}
	assert_int_equal(ring_count(&m.log), MODEL_LOG_MAX);
	/* a full ring takes no history: live records are never pushed out */
	older[0].seq = 1;
	assert_int_equal(model_add_history(&m, older, 1), 0);
	model_finish(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_and_agent),
		cmocka_unit_test(test_alerts_bounded_and_acknowledged),
		cmocka_unit_test(test_alert_history_and_acks),
		cmocka_unit_test(test_unknown_since_the_loss),
		cmocka_unit_test(test_log_follow_pause_scroll),
		cmocka_unit_test(test_log_filter_and_search),
		cmocka_unit_test(test_log_bounded_and_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
