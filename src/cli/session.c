/* session.c - smartlockctl's connection to the broker and waiting for the
 * agent's answers. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smartlock/timeutil.h"

#include "cli.h"
#include "enrolment.h"
#include "words.h"

volatile sig_atomic_t cli_stop;

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", CLI_PROG);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int cli_load_enrolment(struct cli_opts *o)
{
	char path[SL_PATH_MAX];
	char msg[1024];

	if (o->loaded)
		return EXIT_GRANTED;
	if (enrolment_path(o->enrol, path, sizeof(path)) != SL_OK) {
		cli_error("no enrolment file: give one with --enrol FILE or SMARTLOCK_ENROL");
		return EXIT_CONFIG;
	}
	if (enrolment_load(path, &o->enrolment, msg, sizeof(msg)) != SL_OK) {
		cli_error("%s", msg);
		return EXIT_CONFIG;
	}
	o->loaded = true;
	return EXIT_GRANTED;
}

int cli_connect(struct cli_opts *o, const enum sl_topic_kind *kinds, size_t n,
		struct sl_client **out, cli_early_fn early, void *arg)
{
	char msg[1024];
	struct client_opts co;
	struct sl_client *c;
	enum sl_err err;
	int rc;
	int64_t deadline = time_mono_ms() + o->timeout_ms;
	unsigned pending = 0;

	*out = NULL;
	rc = cli_load_enrolment(o);
	if (rc != EXIT_GRANTED)
		return rc;
	memset(&co, 0, sizeof(co));
	co.enrol = &o->enrolment;
	co.lock = o->lock;
	co.prog = "ctl";
	c = client_create(&co, &err, msg, sizeof(msg));
	if (!c) {
		cli_error("%s", msg);
		return err == SL_ERR_INVAL ? EXIT_CONFIG : EXIT_BROKER;
	}
	for (size_t i = 0; i < n; i++) {
		client_want(c, kinds[i]);
		pending |= 1u << kinds[i];
	}
	if (client_start(c, msg, sizeof(msg)) != SL_OK) {
		cli_error("%s", msg);
		client_destroy(c);
		return EXIT_BROKER;
	}
	if (!client_wait_connected(c, deadline)) {
		cli_error("%s", client_conn_problem(c));
		client_destroy(c);
		return EXIT_BROKER;
	}
	/* wait for every SUBACK: an answer sent before the subscription is
	 * active would be lost */
	while (pending && !cli_stop) {
		struct client_event ev;

		if (time_mono_ms() >= deadline) {
			cli_error("the broker did not confirm the subscriptions in time");
			client_destroy(c);
			return EXIT_TIMEOUT;
		}
		client_pump(c, 200);
		while (client_next_event(c, &ev)) {
			if (ev.type == CLIENT_EV_SUBSCRIBED) {
				pending &= ~(1u << ev.kind);
				if (ev.code == 128 && (ev.kind == SL_TOPIC_LOCK_RES ||
						ev.kind == SL_TOPIC_ADMIN_RES)) {
					cli_error("the broker refused the subscription to %s: "
							"is this user allowed on lock %s?",
							topic_kind_name(ev.kind), client_lock(c));
					client_event_finish(&ev);
					client_destroy(c);
					return EXIT_BROKER;
				}
			} else if ((ev.type == CLIENT_EV_REFUSED ||
					ev.type == CLIENT_EV_DISCONNECTED) &&
					client_state(c) != CLIENT_CONNECTED) {
				/* (the failed attempts before this connection
				 * are history) */
				cli_error("%s", client_conn_problem(c));
				client_event_finish(&ev);
				client_destroy(c);
				return EXIT_BROKER;
			} else if (early) {
				early(&ev, arg);
			}
			client_event_finish(&ev);
		}
	}
	if (cli_stop) {
		client_destroy(c);
		return EXIT_USAGE;
	}
	*out = c;
	return EXIT_GRANTED;
}

/* Pump until an event of type with id arrives (copied into ev) or the
 * deadline passes. */
static int wait_for(struct sl_client *c, enum client_event_type type, int64_t id,
		int64_t deadline, struct client_event *found)
{
	for (;;) {
		struct client_event ev;
		int64_t left = deadline - time_mono_ms();

		if (cli_stop)
			return EXIT_USAGE;
		if (left <= 0)
			return EXIT_TIMEOUT;
		client_pump(c, (int)(left > 250 ? 250 : left));
		while (client_next_event(c, &ev)) {
			if (ev.type == type && type == CLIENT_EV_RESPONSE && ev.u.response.id == id) {
				*found = ev;
				return EXIT_GRANTED;
			}
			if (ev.type == type && type == CLIENT_EV_ADMIN_RES && ev.u.admin.id == id) {
				*found = ev;
				return EXIT_GRANTED;
			}
			client_event_finish(&ev);
		}
	}
}

int cli_wait_response(struct sl_client *c, int64_t id, int64_t deadline,
		struct sl_response *r)
{
	struct client_event ev;
	int rc = wait_for(c, CLIENT_EV_RESPONSE, id, deadline, &ev);

	if (rc == EXIT_GRANTED)
		*r = ev.u.response;
	return rc;
}

int cli_wait_admin(struct sl_client *c, int64_t id, int64_t deadline,
		struct sl_admin_res *r)
{
	struct client_event ev;
	int rc = wait_for(c, CLIENT_EV_ADMIN_RES, id, deadline, &ev);

	if (rc == EXIT_GRANTED)
		*r = ev.u.admin;        /* data_json now the caller's */
	return rc;
}

int cli_admin_exchange(struct sl_client *c, const struct cli_opts *o,
		struct sl_admin_req *req, struct sl_admin_res *r)
{
	int64_t id;
	int64_t deadline = time_mono_ms() + o->timeout_ms;
	enum sl_err err;
	int rc;

	memset(r, 0, sizeof(*r));
	err = client_admin(c, req, &id);
	if (err != SL_OK) {
		cli_error("cannot send the request: %s", err == SL_ERR_BUSY ?
				client_conn_problem(c) : sl_strerror(err));
		return EXIT_BROKER;
	}
	rc = cli_wait_admin(c, id, deadline, r);
	if (rc == EXIT_TIMEOUT)
		cli_error("timed out: no answer from the agent within %lld s",
				(long long)(o->timeout_ms / 1000));
	return rc;
}

int cli_admin_op(struct cli_opts *o, enum sl_admin_op op, struct sl_admin_res *r)
{
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ADMIN_RES};
	struct sl_admin_req req;
	struct sl_client *c;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = cli_connect(o, kinds, 1, &c, NULL, NULL);
	if (rc != EXIT_GRANTED)
		return rc;
	memset(&req, 0, sizeof(req));
	req.op = op;
	rc = cli_admin_exchange(c, o, &req, r);
	client_destroy(c);
	return rc;
}

int cli_admin_outcome(struct sl_admin_res *r, const char *name)
{
	char sentence[WORDS_MAX];
	int rc;

	if (r->result == SL_RESULT_OK)
		return EXIT_GRANTED;
	words_admin(r, name, time_now_ms(), sentence, sizeof(sentence));
	fprintf(stderr, "%s\n", sentence);
	rc = client_exit_for(r->result, r->reason);
	proto_admin_res_finish(r);
	return rc;
}

int cli_admin_call(struct sl_client *c, const struct cli_opts *o, struct sl_admin_req *req,
		const char *name, struct sl_admin_res *r)
{
	int rc = cli_admin_exchange(c, o, req, r);

	return rc != EXIT_GRANTED ? rc : cli_admin_outcome(r, name);
}
