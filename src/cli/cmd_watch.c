/* cmd_watch.c - smartlockctl watch: state, health, alerts and (for owners)
 * the audit log as lines or JSON lines until interrupted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/timeutil.h"

#include "cli.h"
#include "records.h"
#include "text.h"
#include "words.h"

/* "2026-11-22 14:02" local time of an event (now if the message had none). */
static const char *stamp(int64_t ms, char *buf, size_t size)
{
	return text_format_local(ms > 0 ? ms : time_now_ms(), buf, size);
}

static void line_state(const struct sl_state_msg *s, bool json)
{
	char t[32];

	if (json) {
		char *enc = proto_encode_state(s);
		char *safe = enc ? records_json_safe(enc) : NULL;

		if (safe)
			cli_print("{\"kind\":\"state\",\"data\":%s}", safe);
		free(safe);
		free(enc);
		return;
	}
	cli_print("%s state %s door=%s by=%s lock=%s%s%s", stamp(s->since, t, sizeof(t)),
			words_state(s->state), words_door(s->door), s->by[0] ? s->by : "-",
			s->online ? "online" : "offline",
			s->channel_failed[0] ? " alert-channel-failed=" : "", s->channel_failed);
}

static void line_health(const struct sl_heartbeat *h, bool json)
{
	char t[32];

	if (json) {
		char *enc = proto_encode_heartbeat(h);
		char *safe = enc ? records_json_safe(enc) : NULL;

		if (safe)
			cli_print("{\"kind\":\"health\",\"data\":%s}", safe);
		free(safe);
		free(enc);
		return;
	}
	if (!h->online)
		cli_print("%s health offline", stamp(h->time, t, sizeof(t)));
	else
		cli_print("%s health online state=%s door=%s uptime=%llds commands=%lld "
				"refused=%lld", stamp(h->time, t, sizeof(t)), words_state(h->state),
				words_door(h->door), (long long)h->uptime, (long long)h->commands,
				(long long)h->refused);
}

static void line_alert(const struct sl_alert *a, bool json)
{
	char t[32], text[WORDS_MAX];

	if (json) {
		char *enc = proto_encode_alert(a);
		char *safe = enc ? records_json_safe(enc) : NULL;

		if (safe)
			cli_print("{\"kind\":\"alert\",\"data\":%s}", safe);
		free(safe);
		free(enc);
		return;
	}
	cli_print("%s alert %s: %s", stamp(a->time, t, sizeof(t)), proto_alert_name(a->kind),
			words_alert(a, time_now_ms(), text, sizeof(text)));
}

static void line_log(const struct client_log_entry *e, bool json)
{
	char t[32];

	if (json) {
		char *enc = records_log_to_json(e);

		if (enc)
			cli_print("{\"kind\":\"log\",\"data\":%s}", enc);
		free(enc);
		return;
	}
	cli_print("%s log #%llu %s %s %s %s%s%s%s%s", stamp(e->time, t, sizeof(t)),
			(unsigned long long)e->seq, e->actor[0] ? e->actor : "-",
			e->action[0] ? e->action : "-", e->result[0] ? e->result : "-",
			e->reason[0] ? e->reason : "", e->reason[0] && e->detail[0] ? " " : "",
			e->detail[0] ? "(" : "", e->detail, e->detail[0] ? ")" : "");
}

struct watch {
	const struct cli_opts *o;
	uint64_t shown;
	bool lost;
	bool done;
};

/* Print one event; count what counts. */
static void show(const struct client_event *ev, void *arg)
{
	struct watch *w = arg;
	const struct cli_opts *o = w->o;
	bool counted = true;

	if (w->done)
		return;
	switch (ev->type) {
	case CLIENT_EV_STATE: line_state(&ev->u.state, o->json); break;
	case CLIENT_EV_HEALTH: line_health(&ev->u.health, o->json); break;
	case CLIENT_EV_ALERT: line_alert(&ev->u.alert, o->json); break;
	case CLIENT_EV_LOG: line_log(&ev->u.log, o->json); break;
	case CLIENT_EV_DISCONNECTED:
		counted = false;
		if (!w->lost)
			cli_error("lost the broker; reconnecting");
		w->lost = true;
		break;
	case CLIENT_EV_REFUSED:
		counted = false;
		cli_error("the broker refused the login");
		break;
	case CLIENT_EV_CONNECTED:
		counted = false;
		if (w->lost)
			cli_error("connected again");
		w->lost = false;
		break;
	case CLIENT_EV_INVALID:
		counted = false;
		cli_error("ignored a malformed %s message: %s", topic_kind_name(ev->kind),
				sl_strerror(ev->err));
		break;
	case CLIENT_EV_SUBSCRIBED:
		counted = false;
		if (ev->code == 128)
			cli_error("the broker refused the %s subscription",
					topic_kind_name(ev->kind));
		break;
	default:
		counted = false;
		break;
	}
	if (counted && (o->given & OPT_COUNT) && ++w->shown >= (uint64_t)o->count)
		w->done = true;
}

int cmd_watch(struct cli_opts *o)
{
	enum sl_topic_kind kinds[4] = {SL_TOPIC_STATE, SL_TOPIC_HEALTH, SL_TOPIC_ALERT, SL_TOPIC_LOG};
	struct sl_client *c;
	struct watch w = {.o = o};
	int rc;

	/* the log is for owners; the broker's ACL has the last word (a refused
	 * subscription is reported) */
	rc = cli_load_enrolment(o);
	if (rc != EXIT_GRANTED)
		return rc;
	rc = cli_connect(o, kinds, o->enrolment.role == SL_ROLE_OWNER ? 4 : 3, &c, show, &w);
	if (rc != EXIT_GRANTED)
		return rc;
	while (!cli_stop && !w.done) {
		struct client_event ev;

		client_pump(c, 250);
		while (!w.done && client_next_event(c, &ev)) {
			show(&ev, &w);
			client_event_finish(&ev);
		}
	}
	client_destroy(c);
	return EXIT_GRANTED;
}
