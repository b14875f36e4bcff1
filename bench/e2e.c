/* e2e.c - rows 2 and 3: end-to-end unlock latency (signed request
 * published -> answer received, grant durable in the audit log) and the
 * bytes on the wire of the request and answer PUBLISH packets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#define E2E_WARMUP 100
#define ANSWER_TIMEOUT_MS 5000

int e2e_measure(struct bench_stack *s, size_t n, struct e2e_result *r)
{
	struct bench_samples smp = {0};
	struct bench_answer a = {0};
	struct cpu_sample cpu0, cpu1;
	struct bench_client *c;
	char topic[SL_TOPIC_MAX];
	size_t i, ok = 0;
	long long granted_before;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	c = stack_client(s, "bench-owner", bench_answer_on_message, &a);
	if (!c || topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, s->lock, s->owner.name) != SL_OK ||
			bench_client_subscribe(c, topic) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot connect/subscribe the owner's client");
		goto out;
	}
	/* warm up until the agent sees the lock and grants */
	for (i = 0; i < E2E_WARMUP; i++) {
		int action = i % 2 ? SL_ACTION_LOCK : SL_ACTION_UNLOCK;

		if (stack_owner_request(s, c, action, ANSWER_TIMEOUT_MS, &a) < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to a warm-up request");
			goto out;
		}
		ok += a.result == SL_RESULT_OK;
	}
	if (ok == 0) {
		snprintf(r->why, sizeof(r->why), "warm-up requests not granted (last: %s %s)",
				proto_result_name(a.result), proto_reason_name(a.reason));
		goto out;
	}
	granted_before = audit_count(s->agent_audit, s->owner.name, "unlock", "granted");
	cpu_sample(s, &cpu0);
	for (i = 0; i < n; i++) {
		int64_t ns = stack_owner_request(s, c, SL_ACTION_UNLOCK, ANSWER_TIMEOUT_MS, &a);

		if (ns < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to unlock %zu within %d ms",
					i + 1, ANSWER_TIMEOUT_MS);
			goto out;
		}
		if (samples_add(&smp, ns) != 0)
			goto out;
		if (a.result == SL_RESULT_OK)
			r->granted++;
		else
			r->other++;
		snprintf(r->res_topic, sizeof(r->res_topic), "%s", a.topic);
		r->res_topic_len = strlen(a.topic);
		r->res_payload_len = a.len;
		/* lock again (untimed) so every unlock moves the bolt */
		if (stack_owner_request(s, c, SL_ACTION_LOCK, ANSWER_TIMEOUT_MS, &a) < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to lock %zu", i + 1);
			goto out;
		}
	}
	cpu_sample(s, &cpu1);
	cpu_per_op(&cpu0, &cpu1, n, &r->cpu);
	r->n = smp.n;
	r->p50 = samples_pct(&smp, 50);
	r->p99 = samples_pct(&smp, 99);
	r->max = samples_max(&smp);
	{
		long long after = audit_count(s->agent_audit, s->owner.name, "unlock", "granted");

		r->audit_granted = after >= 0 && granted_before >= 0 ?
			(uint64_t)(after - granted_before) : 0;
	}
	r->ok = true;
	rc = 0;
out:
	bench_client_destroy(c);
	samples_finish(&smp);
	return rc;
}

int wire_request(struct bench_stack *s, struct wire_result *w)
{
	char *p = stack_request(s, &s->owner, &s->owner.key, SL_ACTION_UNLOCK, time_now_ms(),
			w->req_topic, sizeof(w->req_topic));

	if (!p)
		return -1;
	w->req_topic_len = strlen(w->req_topic);
	w->req_payload_len = strlen(p);
	text_copy(w->req_payload, sizeof(w->req_payload), p);
	free(p);
	w->req_ok = true;
	return 0;
}
