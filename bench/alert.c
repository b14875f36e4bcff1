/* alert.c - row 6: the third failed attempt within the window (the agent's
 * default intrusion rule) -> the securityAlert received by a subscriber.
 * Each trial gets a fresh agent with default settings and empty state, so
 * every trial starts with no failures and no lockout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#define ALERT_TIMEOUT_MS 5000

struct watch {
	bool answered;
	bool alerted;
	int64_t t;
	enum sl_alert_kind kind;
};

static void on_attacker_answer(void *arg, const char *topic, const void *payload, size_t len,
		int64_t t_ns)
{
	struct watch *w = arg;

	(void)topic;
	(void)payload;
	(void)len;
	(void)t_ns;
	w->answered = true;
}

static void on_alert(void *arg, const char *topic, const void *payload, size_t len, int64_t t_ns)
{
	struct watch *w = arg;
	struct sl_alert a;

	(void)topic;
	if (w->alerted || proto_decode_alert(payload, len, &a, NULL) != SL_OK)
		return;
	if (a.kind != SL_ALERT_LOCKOUT && a.kind != SL_ALERT_SUSPICIOUS)
		return;
	w->alerted = true;
	w->t = t_ns;
	w->kind = a.kind;
}

/* One trial: the latency in ns, or -1 with why filled in. cs[0] is the
 * attacker's client, cs[1] the watcher's; both stay connected across
 * trials, as an owner's console would. */
static int64_t trial(struct bench_stack *s, struct bench_client **cs, struct watch *w, int k,
		char *why, size_t why_size)
{
	struct bench_agent_cfg cfg = {0};
	char state[HARNESS_PATH_MAX + 32], req_topic[SL_TOPIC_MAX];
	struct sl_key forged;
	int64_t result = -1, t0 = 0;

	snprintf(state, sizeof(state), "%s/agent-alert-%d", s->dir, k);
	cfg.state_dir = state;
	if (sign_key_generate(&forged) != SL_OK)
		return -1;
	if (stack_start_agent(s, &cfg) != 0) {
		snprintf(why, why_size, "agent with default settings did not start");
		return -1;
	}
	/* let whatever the new agent publishes at start-up arrive first */
	bench_clients_pump(cs, 2, 50);
	memset(w, 0, sizeof(*w));
	for (int i = 1; i <= 3; i++) {
		int64_t deadline = time_mono_ms() + ALERT_TIMEOUT_MS;
		char *p = stack_request(s, &s->attacker, &forged, SL_ACTION_UNLOCK,
				time_now_ms() + i, req_topic, sizeof(req_topic));

		if (!p)
			goto out;
		w->answered = false;
		if (i == 3 && w->alerted) {
			snprintf(why, why_size, "alert came before the third failure");
			free(p);
			goto out;
		}
		t0 = time_mono_ns();
		if (bench_client_publish(cs[0], req_topic, p, strlen(p)) != 0) {
			free(p);
			goto out;
		}
		free(p);
		/* the first two: wait for their answers; the third: for the alert */
		while ((i < 3 ? !w->answered : !w->alerted) && time_mono_ms() < deadline)
			if (bench_clients_pump(cs, 2, 100) != 0)
				goto out;
		if (i < 3 && !w->answered) {
			snprintf(why, why_size, "failed attempt %d got no answer", i);
			goto out;
		}
	}
	if (!w->alerted) {
		snprintf(why, why_size, "no securityAlert within %d ms of the third failure",
				ALERT_TIMEOUT_MS);
		goto out;
	}
	result = w->t - t0;
out:
	stack_stop_agent(s);
	return result;
}

int alert_measure(struct bench_stack *s, size_t trials, struct alert_result *r)
{
	struct bench_samples smp = {0};
	struct watch w = {0};
	struct bench_client *cs[2];
	char topic[SL_TOPIC_MAX];
	int rc = -1;

	memset(r, 0, sizeof(*r));
	cs[0] = stack_client(s, "bench-attacker", on_attacker_answer, &w);
	cs[1] = stack_client(s, "bench-alert-watch", on_alert, &w);
	if (!cs[0] || !cs[1] ||
			topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, s->lock, s->attacker.name) != SL_OK ||
			bench_client_subscribe(cs[0], topic) != 0 ||
			topic_build(topic, sizeof(topic), SL_TOPIC_ALERT, s->lock, NULL) != SL_OK ||
			bench_client_subscribe(cs[1], topic) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot connect/subscribe the clients");
		goto out;
	}
	for (size_t k = 0; k < trials; k++) {
		int64_t ns = trial(s, cs, &w, (int)k, r->why, sizeof(r->why));

		if (ns < 0 || samples_add(&smp, ns) != 0)
			goto out;
	}
	r->n = smp.n;
	r->p50 = samples_pct(&smp, 50);
	r->p99 = samples_pct(&smp, 99);
	r->max = samples_max(&smp);
	r->ok = true;
	rc = 0;
out:
	bench_client_destroy(cs[0]);
	bench_client_destroy(cs[1]);
	samples_finish(&smp);
	return rc;
}
