/* test_abuse.c - the broker plugin's abuse reports: one aggregated audit
 * record per report, one abuse alert per account per interval, a
 * malformed report audited and ignored. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"
#include "common_setup.h"

static int setup(void **state)
{
	return fx_state_up(state, fx_default_users, 3, NULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_alert_per_sender, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
