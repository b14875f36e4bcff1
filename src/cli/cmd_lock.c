/* cmd_lock.c - smartlockctl lock, unlock, status, health and lock-reset:
 * one request, one answer, one exit code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/timeutil.h"

#include "cli.h"
#include "records.h"
#include "text.h"
#include "words.h"

/* The retained state and health seen while waiting, for `status`. */
struct seen {
	bool have_state, have_health;
	struct sl_state_msg state;
	struct sl_heartbeat health;
};

static void print_json_response(const struct sl_response *r, const char *sentence)
{
	char *enc = proto_encode_response(r);
	char *line = enc ? records_json_with_message(enc, sentence) : NULL;

	if (line)
		cli_print("%s", line);
	free(line);
	free(enc);
}

static void print_status_details(const struct seen *s, int64_t now)
{
	char ago[32], when[48];

	if (s->have_state && s->state.since > 0) {
		text_ago(s->state.since, now, ago, sizeof(ago));
		if (s->state.by[0])
			cli_print("Changed by %s %s (%s).", s->state.by, ago,
					text_when(s->state.since, now, when, sizeof(when)));
		else
			cli_print("Changed %s (%s).", ago,
					text_when(s->state.since, now, when, sizeof(when)));
	}
	if (s->have_health) {
		if (!s->health.online)
			cli_print("Lock: offline.");
		else if (s->health.time > 0)
			cli_print("Lock: online, last heartbeat %s.",
					text_ago(s->health.time, now, ago, sizeof(ago)));
		else
			cli_print("Lock: online.");
	}
}

static void see(const struct client_event *ev, void *arg)
{
	struct seen *seen = arg;

	if (ev->type == CLIENT_EV_STATE) {
		seen->have_state = true;
		seen->state = ev->u.state;
	} else if (ev->type == CLIENT_EV_HEALTH) {
		seen->have_health = true;
		seen->health = ev->u.health;
	}
}

/* Wait for the answer to request id until deadline; false on timeout. */
static bool await_answer(struct sl_client *c, int64_t id, int64_t deadline,
		struct seen *seen, struct sl_response *r)
{
	for (;;) {
		struct client_event ev;
		int64_t left = deadline - time_mono_ms();
		bool done = false;

		if (cli_stop || left <= 0)
			return false;
		client_pump(c, (int)(left > 250 ? 250 : left));
		while (client_next_event(c, &ev)) {
			see(&ev, seen);
			if (ev.type == CLIENT_EV_RESPONSE && ev.u.response.id == id &&
					ev.u.response.result != SL_RESULT_PROGRESS) {
				*r = ev.u.response;
				done = true;
			}
			client_event_finish(&ev);
		}
		if (done)
			return true;
	}
}

/* After a lock or unlock with no clear outcome: one status round trip, so
 * the user learns where the door is now. */
static void show_state_now(struct sl_client *c, struct seen *seen)
{
	struct sl_response r;
	char sentence[WORDS_MAX];
	int64_t id;
	bool answered = client_request(c, SL_ACTION_STATUS, &id) == SL_OK &&
			await_answer(c, id, time_mono_ms() + WORDS_STATE_CHECK_MS, seen, &r);

	fprintf(stderr, "%s\n", words_state_now(answered ? &r : NULL,
			seen->have_state ? &seen->state : NULL, time_now_ms(), sentence,
			sizeof(sentence)));
}

static int run_request(struct cli_opts *o, enum sl_action action)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_LOCK_RES, SL_TOPIC_STATE,
			SL_TOPIC_HEALTH};
	struct sl_client *c;
	struct sl_response r;
	struct seen seen;
	char sentence[WORDS_MAX];
	int64_t id, deadline;
	enum sl_err err;
	int rc;

	memset(&r, 0, sizeof(r));
	/* status also listens to the retained state and health for details */
	memset(&seen, 0, sizeof(seen));
	rc = cli_connect(o, kinds, action == SL_ACTION_STATUS ? 3 : 1, &c, see, &seen);
	if (rc != EXIT_GRANTED)
		return rc;
	deadline = time_mono_ms() + o->timeout_ms;
	err = client_request(c, action, &id);
	if (err != SL_OK) {
		cli_error("cannot send the request: %s", err == SL_ERR_BUSY ?
				client_conn_problem(c) : sl_strerror(err));
		client_destroy(c);
		return EXIT_BROKER;
	}
	if (!await_answer(c, id, deadline, &seen, &r)) {
		if (cli_stop) {
			client_destroy(c);
			return EXIT_USAGE;
		}
		words_timeout(action, o->timeout_ms, sentence, sizeof(sentence));
		fprintf(stderr, "%s\n", sentence);
		if (action != SL_ACTION_STATUS && !o->json)
			show_state_now(c, &seen);
		client_destroy(c);
		return EXIT_TIMEOUT;
	}
	words_response(&r, action, time_now_ms(), sentence, sizeof(sentence));
	rc = client_exit_for(r.result, r.reason);
	if (o->json)
		print_json_response(&r, sentence);
	else if (rc == EXIT_GRANTED)
		cli_print("%s", sentence);
	if (rc != EXIT_GRANTED && !o->json) {
		fprintf(stderr, "%s\n", sentence);
		/* the agent's own words say more: since when a lock is
		 * offline and what was last known, why a command expired */
		if (r.msg[0] && (r.reason == SL_REASON_LOCK_OFFLINE ||
				r.reason == SL_REASON_TIMEOUT || r.reason == SL_REASON_EXPIRED ||
				r.reason == SL_REASON_UNKNOWN_LOCK || r.reason == SL_REASON_STALE))
			fprintf(stderr, "%s\n", r.msg);
		if (rc == EXIT_TIMEOUT && action != SL_ACTION_STATUS)
			show_state_now(c, &seen);
	}
	client_destroy(c);
	if (rc == EXIT_GRANTED && action == SL_ACTION_STATUS && !o->json)
		print_status_details(&seen, time_now_ms());
	return rc;
}

int cmd_lock(struct cli_opts *o)
{
	return run_request(o, SL_ACTION_LOCK);
}

int cmd_unlock(struct cli_opts *o)
{
	return run_request(o, SL_ACTION_UNLOCK);
}

int cmd_status(struct cli_opts *o)
{
	return run_request(o, SL_ACTION_STATUS);
}

static int run_admin_simple(struct cli_opts *o, enum sl_admin_op op)
{
	struct sl_admin_res res;
	char sentence[WORDS_MAX];
	int rc;

	rc = cli_admin_op(o, op, &res);
	if (rc == EXIT_GRANTED)
		rc = cli_admin_outcome(&res, "");
	if (rc != EXIT_GRANTED)
		return rc;
	if (o->json) {
		char *line = records_json_safe(res.data_json ? res.data_json : "{}");

		cli_print("%s", line ? line : "{}");
		free(line);
	} else
		cli_print("%s", words_admin(&res, "", time_now_ms(), sentence, sizeof(sentence)));
	proto_admin_res_finish(&res);
	return EXIT_GRANTED;
}

int cmd_health(struct cli_opts *o)
{
	return run_admin_simple(o, SL_ADMIN_HEALTH_CHECK);
}

int cmd_lock_reset(struct cli_opts *o)
{
	return run_admin_simple(o, SL_ADMIN_LOCK_RESET);
}
