/* flood.c - row 4: a second client sends forged lock requests as fast as
 * the agent answers them (a bounded window of unanswered requests, so the
 * broker never drops one for a full queue) while the owner keeps
 * unlocking; then every flood request is looked for in the audit log.
 * With window 0 the flood is open-loop instead: as fast as the broker
 * acknowledges, whatever the agent keeps up with; requests the broker
 * then drops for the agent's full queue count as missing too.
 * Row 7 (insider flood) runs the same open-loop flooder as a guest on a
 * stack with the smartlock_auth plugin, whose per-account limits drop it
 * at the broker; see insider_measure(). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#define DRAIN_TIMEOUT_MS 30000
#define OWNER_TIMEOUT_MS 5000
#define OPEN_LOOP_INFLIGHT 100  /* window 0: unacknowledged PUBLISHes */

struct flooder {
	struct bench_stack *s;
	size_t window;
	atomic_bool stop;
	atomic_bool failed;
	uint64_t sent, answered;
	uint64_t answered_at_stop;
	uint64_t acked;                 /* PUBACKs when the flooder stopped */
	uint64_t reasons[SL_REASON_COUNT_];
	char topic[SL_TOPIC_MAX];
	struct sl_key forged;
	int64_t cached_t;
	char *cached;
};

static void on_flood_answer(void *arg, const char *topic, const void *payload, size_t len,
		int64_t t_ns)
{
	struct flooder *f = arg;
	struct sl_response res;

	(void)topic;
	(void)t_ns;
	if (proto_decode_response(payload, len, &res, NULL) != SL_OK)
		return;
	f->answered++;
	if ((unsigned)res.reason < SL_REASON_COUNT_)
		f->reasons[res.reason]++;
}

/* A forged request with a fresh timestamp; re-signed once per ms. */
static const char *forged_request(struct flooder *f)
{
	int64_t t = time_now_ms();

	if (!f->cached || t != f->cached_t) {
		free(f->cached);
		f->cached = stack_request(f->s, &f->s->attacker, &f->forged, SL_ACTION_UNLOCK, t,
				f->topic, sizeof(f->topic));
		f->cached_t = t;
	}
	return f->cached;
}

static void *flood_thread(void *arg)
{
	struct flooder *f = arg;
	/* on the socket unless everything is TCP: the flooder's own answer path
	 * (Nagle on a TCP client) must not be what limits the rate */
	struct bench_endpoint ep = stack_endpoint_as(f->s, &f->s->attacker);
	struct bench_client *c = bench_client_connect(&ep, "bench-flood", on_flood_answer, f);
	char res_topic[SL_TOPIC_MAX];
	int64_t deadline;

	if (!c || topic_build(res_topic, sizeof(res_topic), SL_TOPIC_LOCK_RES, f->s->lock,
			f->s->attacker.name) != SL_OK || bench_client_subscribe(c, res_topic) != 0)
		goto fail;
	while (!atomic_load(&f->stop)) {
		while (f->window ? f->sent - f->answered < f->window :
				f->sent - bench_client_acked(c) < OPEN_LOOP_INFLIGHT) {
			const char *p = forged_request(f);

			if (!p || bench_client_publish(c, f->topic, p, strlen(p)) != 0)
				goto fail;
			f->sent++;
		}
		if (bench_client_pump(c, 10) != 0)
			goto fail;
	}
	f->answered_at_stop = f->answered;
	/* wait for the rest; open-loop, the broker may have dropped some */
	deadline = time_mono_ms() + DRAIN_TIMEOUT_MS;
	while (f->answered < f->sent && time_mono_ms() < deadline) {
		uint64_t before = f->answered;

		if (bench_client_pump(c, 1000) != 0)
			goto fail;
		if (!f->window && f->answered == before)
			break;          /* a second without an answer: the rest is lost */
	}
	f->acked = bench_client_acked(c);
	bench_client_destroy(c);
	return NULL;
fail:
	if (!atomic_load(&f->stop))
		f->answered_at_stop = f->answered;
	atomic_store(&f->failed, true);
	bench_client_destroy(c);
	return NULL;
}

static void pause_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* One timed owner request (ns, -1 unanswered) into smp, counted as ok
 * (granted) or lost; a lost one counts at the full wait, so p99 shows it. */
static void owner_sample(struct bench_samples *smp, int64_t ns, const struct bench_answer *a,
		size_t *ok, size_t *lost)
{
	if (ns < 0) {
		(*lost)++;
		ns = (int64_t)OWNER_TIMEOUT_MS * 1000000;
	} else {
		*ok += a->result == SL_RESULT_OK;
	}
	samples_add(smp, ns);
}

static void format_reasons(const struct flooder *f, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < SL_REASON_COUNT_ && len < size; i++) {
		int n;

		if (!f->reasons[i])
			continue;
		n = snprintf(out + len, size - len, "%s%s %llu", len ? ", " : "",
				i == SL_REASON_NONE ? "none" : proto_reason_name((enum sl_reason)i),
				(unsigned long long)f->reasons[i]);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int flood_measure(struct bench_stack *s, double seconds, size_t window,
		int owner_interval_ms, struct flood_result *r)
{
	struct flooder *f = calloc(1, sizeof(*f));
	struct bench_samples smp = {0};
	struct bench_answer a = {0};
	struct bench_client *c = NULL;
	char topic[SL_TOPIC_MAX];
	pthread_t th;
	bool started = false;
	int64_t t_start, t_end;
	long long audited, audited_start, audited_stop;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!f)
		return -1;
	f->s = s;
	f->window = window;
	atomic_init(&f->stop, false);
	atomic_init(&f->failed, false);
	if (sign_key_generate(&f->forged) != SL_OK)
		goto out;
	c = stack_client(s, "bench-owner-flood", bench_answer_on_message, &a);
	if (!c || topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, s->lock, s->owner.name) != SL_OK ||
			bench_client_subscribe(c, topic) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot connect/subscribe the owner's client");
		goto out;
	}
	audited_start = audit_count(s->agent_audit, s->attacker.name, NULL, "denied");
	t_start = time_mono_ns();
	if (pthread_create(&th, NULL, flood_thread, f) != 0)
		goto out;
	started = true;
	while (time_mono_ns() - t_start < (int64_t)(seconds * 1e9) && !atomic_load(&f->failed)) {
		owner_sample(&smp, stack_owner_request(s, c, SL_ACTION_UNLOCK, OWNER_TIMEOUT_MS, &a),
				&a, &r->owner_ok, &r->owner_lost);
		if (stack_owner_request(s, c, SL_ACTION_LOCK, OWNER_TIMEOUT_MS, &a) < 0)
			r->owner_lost++;
		pause_ms(owner_interval_ms);
	}
	atomic_store(&f->stop, true);
	t_end = time_mono_ns();
	audited_stop = audit_count(s->agent_audit, s->attacker.name, NULL, "denied");
	pthread_join(th, NULL);
	started = false;
	if (r->why[0])
		goto out;
	if (atomic_load(&f->failed)) {
		snprintf(r->why, sizeof(r->why), "the flooding client lost its connection");
		goto out;
	}
	r->seconds = (double)(t_end - t_start) / 1e9;
	r->sent = f->sent;
	r->answered = f->answered;
	/* the agent's rate: its denial records written during the flood */
	r->denied_per_s = (double)(audited_stop - audited_start) / r->seconds;
	audited = audit_count(s->agent_audit, s->attacker.name, NULL, "denied");
	if (audited < 0 || audited_start < 0 || audited_stop < 0) {
		snprintf(r->why, sizeof(r->why), "cannot read the audit log");
		goto out;
	}
	r->audited = (uint64_t)(audited - audited_start);
	r->missing = r->sent > r->audited ? r->sent - r->audited : 0;
	format_reasons(f, r->reasons, sizeof(r->reasons));
	r->owner_n = smp.n;
	r->owner_p50 = samples_pct(&smp, 50);
	r->owner_p99 = samples_pct(&smp, 99);
	r->owner_max = samples_max(&smp);
	r->ok = true;
	rc = 0;
out:
	if (started) {
		atomic_store(&f->stop, true);
		pthread_join(th, NULL);
	}
	bench_client_destroy(c);
	samples_finish(&smp);
	free(f->cached);
	free(f);
	return rc;
}

/* ---- row 7: the insider flood, against the plugin's limits ---- */

#define REPORT_WAIT_MS 15000    /* the plugin reports drops 10 s after the first */

struct abuse_watch {
	const char *user;
	uint64_t dropped;
	int reports;
	bool after;             /* a report came after the flood ended */
	bool ended;
};

static void on_abuse(void *arg, const char *topic, const void *payload, size_t len,
		int64_t t_ns)
{
	struct abuse_watch *w = arg;
	struct sl_abuse_report rep;

	(void)topic;
	(void)t_ns;
	if (proto_decode_abuse_report(payload, len, &rep, NULL) != SL_OK ||
			strcmp(rep.user, w->user) != 0)
		return;
	w->dropped += (uint64_t)(rep.rate + rep.size);
	w->reports++;
	w->after = w->ended;
}

/* The owner's requests, one every interval_ms, alternately unlock and
 * lock, each timed, until the flood has run seconds. */
static void insider_owner(struct bench_stack *s, struct bench_client *c, struct bench_answer *a,
		struct flooder *f, double seconds, int interval_ms, struct bench_samples *smp,
		struct insider_result *r)
{
	int64_t t_start = time_mono_ns();

	while (time_mono_ns() - t_start < (int64_t)(seconds * 1e9) && !atomic_load(&f->failed)) {
		int64_t t0 = time_mono_ms();

		owner_sample(smp, stack_owner_request(s, c, smp->n % 2 ? SL_ACTION_LOCK :
				SL_ACTION_UNLOCK, OWNER_TIMEOUT_MS, a), a, &r->owner_ok, &r->owner_lost);
		if (time_mono_ms() < t0 + interval_ms)
			pause_ms((int)(t0 + interval_ms - time_mono_ms()));
	}
}

/* Audit bytes of the flood: the guest's records (its denials, the
 * aggregated abuse record and the alert). */
static long flood_audit_bytes(const struct bench_stack *s)
{
	return harness_audit_bytes(s->agent_audit, s->attacker.name);
}

/* Connect the owner's client and the watcher of the plugin's abuse
 * reports (logged in as the agent's account, the one allowed to read
 * them). 0 or -1 with r->why. */
static int insider_clients(struct bench_stack *s, struct bench_answer *a,
		struct abuse_watch *w, struct bench_client **owner, struct bench_client **watch,
		struct insider_result *r)
{
	struct bench_endpoint ep = stack_endpoint_as(s, &s->agent_account);
	char topic[SL_TOPIC_MAX];

	*owner = stack_client(s, "bench-owner-insider", bench_answer_on_message, a);
	if (!*owner || topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_RES, s->lock,
			s->owner.name) != SL_OK || bench_client_subscribe(*owner, topic) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot connect/subscribe the owner's client");
		return -1;
	}
	*watch = bench_client_connect(&ep, "bench-abuse-watch", on_abuse, w);
	if (!*watch || bench_client_subscribe(*watch, SL_TOPIC_ABUSE) != 0) {
		snprintf(r->why, sizeof(r->why), "cannot subscribe to %s", SL_TOPIC_ABUSE);
		return -1;
	}
	return 0;
}

/* After the flood (its client gone, so the broker has seen all of it):
 * wait for a report of the plugin's; a report hands out every drop the
 * account has not been reported yet, so one after the flood covers it
 * all (bounded). */
static void insider_reports(struct bench_client *watch, struct abuse_watch *w,
		struct insider_result *r)
{
	int64_t deadline = time_mono_ms() + REPORT_WAIT_MS;

	if (bench_client_pump(watch, 0) != 0)
		return;
	w->ended = true;
	while (!w->after && time_mono_ms() < deadline)
		if (bench_client_pump(watch, 200) != 0)
			break;
	r->dropped = w->dropped;
	r->reports = w->reports;
	r->reports_complete = w->after;
}

int insider_measure(struct bench_stack *s, double seconds, int owner_interval_ms,
		struct insider_result *r)
{
	struct flooder *f = calloc(1, sizeof(*f));
	struct bench_samples smp = {0};
	struct bench_answer a = {0};
	struct abuse_watch w = {.user = s->attacker.name};
	struct bench_client *c = NULL, *watch = NULL;
	pthread_t th;
	long bytes0, bytes1;
	struct cpu_sample cpu0, cpu1;
	struct cpu_result cpu;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (!f || sign_key_generate(&f->forged) != SL_OK)
		goto out;
	f->s = s;
	atomic_init(&f->stop, false);
	atomic_init(&f->failed, false);
	if (insider_clients(s, &a, &w, &c, &watch, r) != 0)
		goto out;
	bytes0 = flood_audit_bytes(s);
	cpu_sample(s, &cpu0);
	if (pthread_create(&th, NULL, flood_thread, f) != 0)
		goto out;
	{
		int64_t t0 = time_mono_ns();

		insider_owner(s, c, &a, f, seconds, owner_interval_ms, &smp, r);
		atomic_store(&f->stop, true);
		r->seconds = (double)(time_mono_ns() - t0) / 1e9;
	}
	pthread_join(th, NULL);
	if (atomic_load(&f->failed)) {
		snprintf(r->why, sizeof(r->why), "the flooding guest lost its connection");
		goto out;
	}
	r->sent = f->acked;
	r->answered = f->answered;
	insider_reports(watch, &w, r);
	cpu_sample(s, &cpu1);
	cpu_per_op(&cpu0, &cpu1, 1, &cpu);
	r->steal_pct = cpu.ok ? cpu.steal_pct : -1;
	bytes1 = flood_audit_bytes(s);
	if (bytes0 < 0 || bytes1 < 0) {
		snprintf(r->why, sizeof(r->why), "cannot read the audit log");
		goto out;
	}
	r->audit_bytes = bytes1 - bytes0;
	r->owner_n = smp.n;
	r->owner_p50 = samples_pct(&smp, 50);
	r->owner_p99 = samples_pct(&smp, 99);
	r->owner_max = samples_max(&smp);
	r->ok = true;
	rc = 0;
out:
	bench_client_destroy(c);
	bench_client_destroy(watch);
	samples_finish(&smp);
	if (f)
		free(f->cached);
	free(f);
	return rc;
}
