/* report.c - the benchmark's one table, in Markdown, with the target and a
 * PASS/MISS verdict per row and the settings every number depends on. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define US 1000LL
#define MS 1000000LL

/* ns as "57 µs" or "2.41 ms" into a rotating set of buffers. */
static const char *t(int64_t ns)
{
	static char bufs[16][32];
	static unsigned next;
	char *b = bufs[next++ % 16];

	if (ns < 0 && ns > -10 * MS)
		snprintf(b, 32, "−%lld µs", (long long)((-ns + US / 2) / US));
	else if (ns < MS)
		snprintf(b, 32, "%lld µs", (long long)((ns + US / 2) / US));
	else
		snprintf(b, 32, "%.2f ms", (double)ns / (double)MS);
	return b;
}

/* 20000 as "20,000". */
static const char *num(unsigned long long v)
{
	static char bufs[16][32];
	static unsigned next;
	char *b = bufs[next++ % 16], raw[32];
	size_t len, o = 0;

	snprintf(raw, sizeof(raw), "%llu", v);
	len = strlen(raw);
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			b[o++] = ',';
		b[o++] = raw[i];
	}
	b[o] = '\0';
	return b;
}

struct verdict {
	int missed;
};

static const char *judge(struct verdict *v, bool ran, bool pass)
{
	if (!ran || !pass)
		v->missed++;
	if (!ran)
		return "not measured";
	return pass ? "PASS" : "**MISS**";
}

static void row(FILE *out, const char *id, const char *what, const char *result,
		const char *target, const char *verdict)
{
	fprintf(out, "| %s | %s | %s | %s | %s |\n", id, what, result, target, verdict);
}

static void not_run(FILE *out, struct verdict *v, const char *id, const char *what,
		const char *why, const char *target)
{
	char res[200];

	snprintf(res, sizeof(res), "not measured: %s", why[0] ? why : "see stderr");
	row(out, id, what, res, target, target[0] == '-' ? "-" : judge(v, false, false));
}

/* "; CPU per round trip: broker 9 µs, client 12 µs" or "". */
static const char *rtt_cpu(const struct cpu_result *c)
{
	static char bufs[2][96];
	static unsigned next;
	char *b = bufs[next++ % 2];

	b[0] = '\0';
	if (c->ok)
		snprintf(b, 96, "; CPU per round trip: broker %s, client %s", t(c->ns[CPU_BROKER]),
				t(c->ns[CPU_CLIENT]));
	return b;
}

static void rows_floor(FILE *out, struct verdict *v, const struct floor_result *f)
{
	char what[512], res[256];

	if (!f->ok) {
		not_run(out, v, "1", "floor", f->why, "-");
		return;
	}
	if (f->tcp.measured) {
		snprintf(what, sizeof(what), "floor: broker round trip over TCP 127.0.0.1, "
				"QoS 1 publish → own message (n=%s)", num(f->tcp.n));
		snprintf(res, sizeof(res), "p50 %s, p99 %s%s", t(f->tcp.p50), t(f->tcp.p99),
				rtt_cpu(&f->tcp.cpu));
		row(out, "1", what, res, "- (floor)", "-");
	}
	if (f->unix_socket.measured) {
		snprintf(what, sizeof(what), "floor: broker round trip over the Unix socket, "
				"QoS 1 publish → own message (n=%s)", num(f->unix_socket.n));
		snprintf(res, sizeof(res), "p50 %s, p99 %s%s", t(f->unix_socket.p50),
				t(f->unix_socket.p99), rtt_cpu(&f->unix_socket.cpu));
		row(out, "1", what, res, "- (floor)", "-");
	}
	snprintf(what, sizeof(what), "floor: 100-byte append + fdatasync on the audit file system, %s (n=%s)",
			f->fs_type, num(f->sync_n));
	snprintf(res, sizeof(res), "p50 %s, p99 %s", t(f->sync_p50), t(f->sync_p99));
	row(out, "1", what, res, "- (floor)", "-");
}

static void rows_e2e(FILE *out, struct verdict *v, const struct bench_report *r)
{
	const struct e2e_result *e = &r->e2e;
	const struct floor_result *f = &r->floor;
	char what[512], res[256];

	if (!e->ok) {
		not_run(out, v, "2", "end-to-end unlock", e->why, "p99 ≤ 3 ms");
		not_run(out, v, "2", "overhead over the floor", e->why, "≤ 100 µs at p50");
		return;
	}
	snprintf(what, sizeof(what), "end-to-end unlock: signed request published → answer received "
			"(n=%s; %s ok, %s other; %s grants durable in the audit log, whose chain %s)",
			num(e->n), num(e->granted), num(e->other), num(e->audit_granted),
			e->audit_verify == 0 ? "verifies (smartlock-agent --verify-audit)" :
			"**does not verify**");
	snprintf(res, sizeof(res), "p50 %s, p99 %s, max %s", t(e->p50), t(e->p99), t(e->max));
	row(out, "2", what, res, "p99 ≤ 3 ms",
			judge(v, true, e->p99 <= 3 * MS && e->granted == e->n &&
				e->audit_granted >= e->n && e->audit_verify == 0));
	if (f->ok) {
		/* four crossings: user -> agent -> lockd -> agent -> user; with
		 * MIXED, the user's two legs are TCP and the other six Unix:
		 * 1 TCP round trip + 3 Unix round trips */
		int64_t rtts, over;

		if (r->mode == BENCH_MIXED) {
			rtts = f->tcp.p50 + 3 * f->unix_socket.p50;
			snprintf(what, sizeof(what), "overhead over the floor: e2e p50 − (4 round trips "
					"[1 TCP + 3 Unix socket, as the legs run] + fdatasync p50)");
			snprintf(res, sizeof(res), "%s − (%s + 3 × %s + %s) = **%s**", t(e->p50),
					t(f->tcp.p50), t(f->unix_socket.p50), t(f->sync_p50),
					t(e->p50 - rtts - f->sync_p50));
		} else {
			const struct floor_rtt *one = r->mode == BENCH_TCP ? &f->tcp : &f->unix_socket;

			rtts = 4 * one->p50;
			snprintf(what, sizeof(what), "overhead over the floor: e2e p50 − (4 × round trip "
					"p50 + fdatasync p50)");
			snprintf(res, sizeof(res), "%s − (4 × %s + %s) = **%s**", t(e->p50),
					t(one->p50), t(f->sync_p50), t(e->p50 - rtts - f->sync_p50));
		}
		over = e->p50 - rtts - f->sync_p50;
		row(out, "2", what, res, "≤ 100 µs at p50", judge(v, true, over <= 100 * US));
	} else {
		not_run(out, v, "2", "overhead over the floor", "floor not measured", "≤ 100 µs at p50");
	}
	if (e->cpu.ok) {
		const int64_t *ns = e->cpu.ns;

		snprintf(what, sizeof(what), "CPU time per timed unlock (its untimed lock "
				"included), utime + stime from /proc over the timed loop; the "
				"machine's steal time over the same loop");
		snprintf(res, sizeof(res), "broker %s, agent %s, lockd %s, this client %s: "
				"%s on %ld CPUs; steal %.0f%%", t(ns[CPU_BROKER]), t(ns[CPU_AGENT]),
				t(ns[CPU_LOCKD]), t(ns[CPU_CLIENT]),
				t(ns[CPU_BROKER] + ns[CPU_AGENT] + ns[CPU_LOCKD] + ns[CPU_CLIENT]),
				e->cpu.cpus, e->cpu.steal_pct);
		row(out, "2", what, res, "-", "-");
	}
}

static void rows_wire(FILE *out, struct verdict *v, const struct wire_result *w)
{
	char what[512], res[256];
	size_t req, ans;

	if (!w->req_ok) {
		not_run(out, v, "3", "request PUBLISH", "cannot build a request", "≤ 108 B");
	} else {
		req = mqtt_publish_size(w->req_topic_len, w->req_payload_len);
		snprintf(what, sizeof(what), "wire: request PUBLISH on `%s`, payload `%s`",
				w->req_topic, w->req_payload);
		snprintf(res, sizeof(res), "**%zu B** = 1 + %zu + 2 + %zu topic + 2 id + %zu payload",
				req, req - 5 - w->req_topic_len - w->req_payload_len, w->req_topic_len,
				w->req_payload_len);
		row(out, "3", what, res, "≤ 108 B", judge(v, true, req <= 108));
	}
	if (!w->res_ok) {
		not_run(out, v, "3", "answer PUBLISH", "no answer received", "-");
		return;
	}
	ans = mqtt_publish_size(w->res_topic_len, w->res_payload_len);
	snprintf(what, sizeof(what), "wire: answer PUBLISH on `%s`", w->res_topic);
	snprintf(res, sizeof(res), "%zu B = 1 + %zu + 2 + %zu topic + 2 id + %zu payload",
			ans, ans - 5 - w->res_topic_len - w->res_payload_len, w->res_topic_len,
			w->res_payload_len);
	row(out, "3", what, res, "-", "-");
}

static void rows_flood(FILE *out, struct verdict *v, const struct bench_report *r)
{
	const struct flood_result *f = &r->flood;
	char what[512], res[256], loop[128];

	if (!f->ok) {
		not_run(out, v, "4", "flood: denied requests/s", f->why, "≥ 20,000/s");
		not_run(out, v, "4", "owner's unlock during the flood", f->why, "p99 ≤ 20 ms");
		not_run(out, v, "4", "flood requests missing from the audit log", f->why, "0");
		return;
	}
	if (r->flood_window)
		snprintf(loop, sizeof(loop), "closed loop, ≤ %zu unanswered at a time", r->flood_window);
	else
		snprintf(loop, sizeof(loop), "open loop, as fast as the broker acknowledges");
	text_append(loop, sizeof(loop), ", ", r->mode == BENCH_TCP ? "flooder on TCP" :
			"flooder on the Unix socket");
	snprintf(what, sizeof(what), "flood: forged requests denied per second (%.1f s, %s; "
			"answers: %s)", f->seconds, loop, f->reasons[0] ? f->reasons : "none");
	snprintf(res, sizeof(res), "**%s /s**", num((unsigned long long)(f->denied_per_s + 0.5)));
	row(out, "4", what, res, "≥ 20,000/s", judge(v, true, f->denied_per_s >= 20000));
	snprintf(what, sizeof(what), "flood: owner's unlock during the flood (n=%s, one every %d ms "
			"plus a lock; %s ok, %s requests unanswered after 5 s)", num(f->owner_n),
			r->owner_interval_ms, num(f->owner_ok), num(f->owner_lost));
	snprintf(res, sizeof(res), "p50 %s, **p99 %s**, max %s", t(f->owner_p50), t(f->owner_p99),
			t(f->owner_max));
	row(out, "4", what, res, "p99 ≤ 20 ms",
			judge(v, true, f->owner_p99 <= 20 * MS && f->owner_ok == f->owner_n &&
				f->owner_lost == 0));
	snprintf(res, sizeof(res), "**%s** of %s sent (%s denied records)", num(f->missing),
			num(f->sent), num(f->audited));
	row(out, "4", "flood: requests missing from the audit log", res, "0",
			judge(v, true, f->missing == 0));
}

static void rows_memory(FILE *out, struct verdict *v, const struct memory_result *m)
{
	char what[512], res[256];

	if (m->lockd_ok) {
		snprintf(what, sizeof(what), "lockd heap peak (valgrind massif, %s commands)",
				m->lockd_commands >= 0 ? num((unsigned long long)m->lockd_commands) : "?");
		snprintf(res, sizeof(res), "**%s B**", num((unsigned long long)m->lockd_heap_bytes));
		row(out, "5", what, res, "≤ 16 KB (16,384 B)",
				judge(v, true, m->lockd_heap_bytes <= 16384));
		snprintf(res, sizeof(res), "%s B", num((unsigned long long)m->lockd_text_data_bytes));
		row(out, "5", "lockd text+data (size(1))", res, "-", "-");
	} else {
		not_run(out, v, "5", "lockd heap peak (massif)", m->lockd_why, "≤ 16 KB");
		not_run(out, v, "5", "lockd text+data", m->lockd_why, "-");
	}
	snprintf(what, sizeof(what), "agent resident set, %s users and %zu locks, once ready",
			num(m->users), m->locks);
	if (m->agent_ok) {
		snprintf(res, sizeof(res), "VmRSS %s KiB (VmHWM %s KiB)",
				num((unsigned long long)m->agent_rss_kb),
				num((unsigned long long)m->agent_hwm_kb));
		row(out, "5", what, res, "-", "-");
	} else {
		not_run(out, v, "5", what, m->agent_why, "-");
	}
}

static void rows_alert(FILE *out, struct verdict *v, const struct alert_result *a)
{
	char what[512], res[256];

	if (!a->ok) {
		not_run(out, v, "6", "alert latency", a->why, "p50 ≤ 5 ms");
		return;
	}
	snprintf(what, sizeof(what), "alert: third failed attempt published → securityAlert "
			"received (n=%zu, agent defaults, a fresh agent per trial, one long-lived subscriber)", a->n);
	snprintf(res, sizeof(res), "**p50 %s**, p99 %s, max %s", t(a->p50), t(a->p99), t(a->max));
	row(out, "6", what, res, "p50 ≤ 5 ms", judge(v, true, a->p50 <= 5 * MS));
}

static void rows_insider(FILE *out, struct verdict *v, const struct bench_report *r)
{
	const struct insider_result *f = &r->insider;
	char what[512], res[256];
	double bps;

	if (!f->ok) {
		not_run(out, v, "7", "insider flood: owner's requests during it", f->why,
				"p99 ≤ 20 ms");
		not_run(out, v, "7", "insider flood: audit bytes written per second", f->why,
				"≤ 10 KB/s");
		return;
	}
	snprintf(what, sizeof(what), "insider flood: one guest publishing forged requests on its "
			"own `lockReq` open-loop (as fast as the broker acknowledges, QoS 1, Unix socket) "
			"for %.1f s, smartlock_auth.so loaded with its default limits", f->seconds);
	snprintf(res, sizeof(res), "%s sent and acknowledged (%s /s); **%s dropped at the broker** (%d abuse "
			"report(s) on `smartlock/_site/abuse`%s); %s answered by the agent (under the "
			"limit); steal %.0f%%", num(f->sent),
			num((unsigned long long)((double)f->sent / f->seconds + 0.5)), num(f->dropped),
			f->reports, f->reports_complete ? "" : ", the last one not yet in",
			num(f->answered), f->steal_pct);
	row(out, "7", what, res, "-", "-");
	snprintf(what, sizeof(what), "insider flood: owner's requests during it (n=%s, one every "
			"%d ms, unlock and lock in turns, all timed; %s ok, %s unanswered after 5 s)",
			num(f->owner_n), r->insider_owner_ms, num(f->owner_ok), num(f->owner_lost));
	snprintf(res, sizeof(res), "p50 %s, **p99 %s**, max %s", t(f->owner_p50), t(f->owner_p99),
			t(f->owner_max));
	row(out, "7", what, res, "p99 ≤ 20 ms",
			judge(v, true, f->owner_p99 <= 20 * MS && f->owner_ok == f->owner_n &&
				f->owner_lost == 0));
	bps = (double)f->audit_bytes / f->seconds;
	snprintf(res, sizeof(res), "**%.0f B/s** (%s B over the flood and its abuse reports)",
			bps, num((unsigned long long)(f->audit_bytes > 0 ? f->audit_bytes : 0)));
	row(out, "7", "insider flood: audit bytes written per second for the guest (its "
			"denials, the aggregated abuse record and alert, until the plugin's report is "
			"audited; ÷ the flood's seconds)",
			res, "≤ 10 KB/s", judge(v, true, bps <= 10240));
}

void text_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return;
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void text_append(char *dst, size_t size, const char *sep, const char *src)
{
	size_t len = strnlen(dst, size);

	if (len + 1 >= size)
		return;
	if (len && sep) {
		text_copy(dst + len, size - len, sep);
		len = strlen(dst);
	}
	text_copy(dst + len, size - len, src);
}

int report_print(FILE *out, struct bench_report *r)
{
	struct verdict v = {0};

	fprintf(out, "- machine: %s\n", r->machine);
	fprintf(out, "- broker: %s\n", r->broker);
	fprintf(out, "- transport: %s\n", r->transport);
	fprintf(out, "- agent, rows 2, 4 and 7: %s; rows 5 and 6: the agent's defaults\n",
			r->agent_fast);
	fprintf(out, "- row 7: a stack of its own, everyone on the Unix socket: the same broker "
			"settings plus smartlock_auth.so (per-account limits at their defaults: people "
			"5 msg/s burst 20, owners 20/s burst 100, 4 KB payloads, drops reported 10 s "
			"after the first), every client logged in\n");
	if (r->rounds > 1)
		fprintf(out, "- rows 1 and 2 taken in turns: %d rounds, each measuring 1/%d of "
				"row 1's and of row 2's samples, the agent and lockd up "
				"throughout\n", r->rounds, r->rounds);
	else if (r->rounds == 1)
		fprintf(out, "- rows 1 and 2 taken one after the other (--rounds 1), the "
				"agent and lockd up throughout\n");
	fprintf(out, "\n");
	fprintf(out, "| # | measure | result | target | verdict |\n");
	fprintf(out, "|---|---|---|---|---|\n");
	rows_floor(out, &v, &r->floor);
	rows_e2e(out, &v, r);
	rows_wire(out, &v, &r->wire);
	rows_flood(out, &v, r);
	rows_memory(out, &v, &r->mem);
	rows_alert(out, &v, &r->alert);
	rows_insider(out, &v, r);
	fprintf(out, "\n%d target(s) missed or not measured.\n", v.missed);
	return v.missed;
}
