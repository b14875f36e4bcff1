/* test_abuse.c - bounded audit growth under abuse: the broker plugin's
 * abuse reports (one aggregated record per report, one abuse alert per
 * account per interval, a malformed report audited and ignored); repeated
 * identical denials written as one counted record; the audit budget's
 * alerts, with every grant still written and the chain verifiable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/audit.h"
#include "smartlock/timeutil.h"
#include "common_setup.h"

static int setup(void **state)
{
	return fx_state_up(state, fx_default_users, 3, NULL);
}

static int setup_aggregate(void **state)
{
	return fx_state_up(state, fx_default_users, 3, "audit_aggregate_window = 1");
}

/* The log counts as full at the budget less one live file (220,000 bytes
 * here): the 44 KB from 80 % to full take the test about two seconds, so
 * the agent's once-a-second look sees the 80 % alert before the full one. */
static int setup_budget(void **state)
{
	return fx_state_up(state, fx_default_users, 3,
			"audit_budget_bytes = 250000\naudit_rotate_bytes = 30000\n"
			"unlock_rate_max = 0");
}

static int setup_small_budget(void **state)
{
	return fx_state_up(state, fx_default_users, 3,
			"audit_budget_bytes = 20000\naudit_rotate_bytes = 4000\n"
			"audit_aggregate_window = 0\nunlock_rate_max = 0");
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

/* Publish a report as the plugin would (the test broker is anonymous). */
static int report(struct fx *f, const char *user, int64_t rate, int64_t size, int64_t squat)
{
	struct harness_client *plugin = harness_client_local(&f->broker, NULL, NULL);
	struct sl_abuse_report r;
	char *payload;
	int rc;

	memset(&r, 0, sizeof(r));
	snprintf(r.user, sizeof(r.user), "%s", user);
	snprintf(r.role, sizeof(r.role), "guest");
	r.rate = rate;
	r.size = size;
	r.squat = squat;
	r.span = 10000;
	r.time = time_now_ms();
	if (squat)
		snprintf(r.id, sizeof(r.id), "smartlock-agent");
	payload = proto_encode_abuse_report(&r);
	rc = plugin && payload ? harness_client_publish_str(plugin, SL_TOPIC_ABUSE, payload, 1,
			false) : -1;
	free(payload);
	harness_client_destroy(plugin);
	return rc;
}

static void test_one_alert_per_sender(void **state)
{
	struct fx *f = *state;
	struct sl_alert al;

	assert_int_equal(report(f, "guest", 152340, 0, 0), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_ABUSE, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "guest");
	assert_non_null(strstr(al.msg, "152340 over its rate"));
	assert_int_equal(fx_wait_log(f, "\"actor\":\"guest\",\"role\":\"guest\",\"source\":"
				"\"broker\",\"lock\":\"\",\"action\":\"abuse\",\"result\":\"dropped\","
				"\"reason\":\"rate-limited\"", FX_WAIT), 0);
	/* more reports about the guest: audited, not alerted again */
	assert_int_equal(report(f, "guest", 0, 3, 0), 0);
	assert_int_equal(fx_wait_log(f, "\"reason\":\"oversized\",\"detail\":\"3 messages "
				"dropped at the broker from guest", FX_WAIT), 0);
	assert_int_equal(report(f, "resident", 0, 0, 1), 0);
	assert_int_equal(fx_wait_alert(f, SL_ALERT_ABUSE, &al, FX_WAIT), 0);
	assert_string_equal(al.user, "resident");
	assert_non_null(strstr(al.msg, "\"smartlock-agent\""));
	/* a malformed report is audited and ignored */
	{
		struct harness_client *c = harness_client_local(&f->broker, NULL, NULL);

		assert_non_null(c);
		assert_int_equal(harness_client_publish_str(c, SL_TOPIC_ABUSE, "{\"v\":1}", 1,
					false), 0);
		harness_client_destroy(c);
	}
	assert_int_equal(fx_wait_log(f, "\"action\":\"abuse\",\"result\":\"ignored\"", FX_WAIT), 0);
}

/* Count the records in the audit files whose line contains needle; their
 * total size into *bytes when it is not NULL. */
static int scan_records(struct fx *f, const char *needle, long *bytes)
{
	char dir[HARNESS_PATH_MAX + 16];
	char **paths = NULL;
	size_t n = 0;
	int count = 0;

	if (bytes)
		*bytes = 0;
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	if (audit_list_files(dir, &paths, &n) != SL_OK)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char *text = harness_read_file(paths[i]);

		for (char *p = text; p && (p = strstr(p, needle)) != NULL; p += strlen(needle))
			count++;
		if (bytes && text)
			*bytes += (long)strlen(text);
		free(text);
	}
	audit_free_paths(paths, n);
	return count;
}

static int count_records(struct fx *f, const char *needle)
{
	return scan_records(f, needle, NULL);
}

static void test_repeated_denials_aggregated(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	char topic[SL_TOPIC_MAX];

	assert_non_null(g);
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, FX_LOCK, "guest");
	/* 30 malformed requests: each is answered, one is written, 29 counted */
	for (int i = 0; i < 30; i++) {
		struct sl_response r;

		assert_int_equal(harness_client_publish_str(g, topic, "{\"v\":1}", 1, false), 0);
		assert_int_equal(fx_response(f, g, "guest", &r, FX_WAIT), 0);
		assert_int_equal(r.reason, SL_REASON_MALFORMED);
	}
	assert_int_equal(fx_wait_log(f, "\"result\":\"repeated\",\"reason\":\"malformed\","
				"\"detail\":\"29 more denials", 5000), 0);
	assert_int_equal(count_records(f, "\"actor\":\"guest\""), 2);
	/* a grant is never absorbed */
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(count_records(f, "\"result\":\"granted\""), 1);
	harness_client_destroy(g);
}

static void test_budget(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct sl_alert al;
	char dir[HARNESS_PATH_MAX + 16], *out = NULL;
	const char *args[] = {"--verify-audit", dir, NULL};
	int grants = 0;

	assert_non_null(o);
	/* owner unlocks (one every 50 ms, the log grows about 20 KB/s, the agent
	 * looks every second) until the log passes 80 % of its full size */
	while (fx_wait_alert(f, SL_ALERT_AUDIT_BUDGET, &al, 50) != 0) {
		assert_true(grants < 1000);
		assert_int_equal(fx_granted(f, o, "owner", grants % 2 ? SL_ACTION_LOCK :
					SL_ACTION_UNLOCK), 0);
		grants++;
	}
	if (!strstr(al.msg, "of its 244 KB budget: give its"))
		fail_msg("first budget alert: %s", al.msg);
	/* past the budget too: alerted again, and every grant is still written */
	while (fx_wait_alert(f, SL_ALERT_AUDIT_BUDGET, &al, 50) != 0) {
		assert_true(grants < 2000);
		assert_int_equal(fx_granted(f, o, "owner", grants % 2 ? SL_ACTION_LOCK :
					SL_ACTION_UNLOCK), 0);
		grants++;
	}
	assert_non_null(strstr(al.msg, "grants still one by one"));
	/* every grant is written (unless the budget already removed the oldest,
	 * which a record then says) */
	if (count_records(f, "\"action\":\"audit-prune\"") == 0)
		assert_int_equal(count_records(f, "\"result\":\"granted\""), grants);
	/* rotated and still one verifiable chain */
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(fx_run_agent(f, args, &out), 0);
	free(out);
	harness_client_destroy(o);
}

/* Bytes in the audit files. */
static long audit_total(struct fx *f)
{
	long bytes = -1;

	scan_records(f, "\n", &bytes);
	return bytes;
}

/* A flood of distinct denials with a small budget: the files stay within
 * it, the removals are recorded, the agent verifies and starts on the
 * shortened chain, and a file removed by hand is still found. */
static void test_budget_holds(void **state)
{
	struct fx *f = *state;
	struct harness_client *g = fx_client(f, "guest");
	char topic[SL_TOPIC_MAX], dir[HARNESS_PATH_MAX + 16], middle[HARNESS_PATH_MAX + 64];
	char hidden[HARNESS_PATH_MAX + 64], *out = NULL, **paths = NULL;
	const char *args[] = {"--verify-audit", dir, NULL};
	size_t n = 0;

	assert_non_null(g);
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK_REQ, FX_LOCK, "guest");
	for (int i = 0; i < 300; i++) {
		char payload[64];
		struct sl_response r;

		snprintf(payload, sizeof(payload), "{\"v\":1,\"flood\":%d}", i);
		assert_int_equal(harness_client_publish_str(g, topic, payload, 1, false), 0);
		assert_int_equal(fx_response(f, g, "guest", &r, FX_WAIT), 0);
		assert_true(audit_total(f) <= 20000);
	}
	assert_true(count_records(f, "removed to keep the log within its budget") >= 1);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_UNLOCK), 0);
	assert_int_equal(fx_stop_agent(f), 0);
	snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
	assert_int_equal(fx_run_agent(f, args, &out), 0);
	free(out);
	/* the agent starts on the shortened chain and serves */
	assert_int_equal(fx_start_agent(f), 0);
	assert_int_equal(fx_granted(f, g, "guest", SL_ACTION_LOCK), 0);
	assert_int_equal(fx_stop_agent(f), 0);
	/* a rotated file in the middle removed by hand is found */
	assert_int_equal(audit_list_files(dir, &paths, &n), SL_OK);
	assert_true(n >= 4);
	snprintf(middle, sizeof(middle), "%s", paths[1]);
	audit_free_paths(paths, n);
	snprintf(hidden, sizeof(hidden), "%s/elsewhere", f->state_dir);
	assert_int_equal(rename(middle, hidden), 0);
	assert_int_not_equal(fx_run_agent(f, args, &out), 0);
	if (!strstr(out, "missing"))
		fail_msg("--verify-audit says:\n%s", out);
	free(out);
	harness_client_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_alert_per_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_denials_aggregated, setup_aggregate,
				teardown),
		cmocka_unit_test_setup_teardown(test_budget, setup_budget, teardown),
		cmocka_unit_test_setup_teardown(test_budget_holds, setup_small_budget, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
