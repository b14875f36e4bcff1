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

struct e2e_run {
	struct bench_client *c;
	struct bench_answer a;
	struct bench_samples smp;
	struct cpu_sample cpu;          /* summed over the steps */
	long long granted_before;
};

struct e2e_run *e2e_start(struct bench_stack *s, struct e2e_result *r)
{
	struct e2e_run *e = calloc(1, sizeof(*e));
	char topic[SL_TOPIC_MAX];
	size_t ok = 0;

	memset(r, 0, sizeof(*r));
	if (!e) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return NULL;
	}
	e->cpu.ok = true;
	e->c = stack_client(s, "bench-owner", bench_answer_on_message, &e->a);
	if (!e->c || topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, s->lock,
				s->owner.name) != SL_OK || bench_client_subscribe(e->c, topic) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot connect/subscribe the owner's client");
		goto fail;
	}
	/* warm up until the agent sees the lock and grants */
	for (size_t i = 0; i < E2E_WARMUP; i++) {
		int action = i % 2 ? SL_ACTION_LOCK : SL_ACTION_UNLOCK;

		if (stack_owner_request(s, e->c, action, ANSWER_TIMEOUT_MS, &e->a) < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to a warm-up request");
			goto fail;
		}
		ok += e->a.result == SL_RESULT_OK;
	}
	if (ok == 0) {
		snprintf(r->why, sizeof(r->why), "warm-up requests not granted (last: %s %s)",
				proto_result_name(e->a.result), proto_reason_name(e->a.reason));
		goto fail;
	}
	e->granted_before = audit_count(s->agent_audit, s->owner.name, "unlock", "granted");
	return e;
fail:
	e2e_finish(s, e, r, false);
	return NULL;
}

int e2e_step(struct bench_stack *s, struct e2e_run *e, size_t n, struct e2e_result *r)
{
	struct bench_answer *a = &e->a;
	struct cpu_sample cpu0, cpu1;

	cpu_sample(s, &cpu0);
	for (size_t i = 0; i < n; i++) {
		int64_t ns = stack_owner_request(s, e->c, SL_ACTION_UNLOCK, ANSWER_TIMEOUT_MS, a);

		if (ns < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to unlock %zu within %d ms",
					e->smp.n + 1, ANSWER_TIMEOUT_MS);
			return -1;
		}
		if (samples_add(&e->smp, ns) != 0)
			return -1;
		if (a->result == SL_RESULT_OK)
			r->granted++;
		else
			r->other++;
		snprintf(r->res_topic, sizeof(r->res_topic), "%s", a->topic);
		r->res_topic_len = strlen(a->topic);
		r->res_payload_len = a->len;
		/* lock again (untimed) so every unlock moves the bolt */
		if (stack_owner_request(s, e->c, SL_ACTION_LOCK, ANSWER_TIMEOUT_MS, a) < 0) {
			snprintf(r->why, sizeof(r->why), "no answer to lock %zu", e->smp.n);
			return -1;
		}
	}
	cpu_sample(s, &cpu1);
	cpu_add(&e->cpu, &cpu0, &cpu1);
	return 0;
}

void e2e_finish(struct bench_stack *s, struct e2e_run *e, struct e2e_result *r, bool ok)
{
	struct cpu_sample zero = {.ok = true};

	if (!e)
		return;
	if (ok) {
		long long after = audit_count(s->agent_audit, s->owner.name, "unlock", "granted");

		cpu_per_op(&zero, &e->cpu, e->smp.n, &r->cpu);
		r->n = e->smp.n;
		r->p50 = samples_pct(&e->smp, 50);
		r->p99 = samples_pct(&e->smp, 99);
		r->max = samples_max(&e->smp);
		r->audit_granted = after >= 0 && e->granted_before >= 0 ?
			(uint64_t)(after - e->granted_before) : 0;
		r->ok = true;
	}
	bench_client_destroy(e->c);
	samples_finish(&e->smp);
	free(e);
}

int e2e_measure(struct bench_stack *s, size_t n, struct e2e_result *r)
{
	struct e2e_run *e = e2e_start(s, r);
	int rc;

	if (!e)
		return -1;
	rc = e2e_step(s, e, n, r);
	e2e_finish(s, e, r, rc == 0);
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
