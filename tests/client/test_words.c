/* test_words.c - a plain sentence for every reason, state, alert and
 * answer, and the exit code each answer maps to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "exitcode.h"
#include "text.h"
#include "words.h"

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
			.tm_min = mi};

	return (int64_t)timegm(&tm) * 1000;
}

static void test_every_reason_has_words(void **state)
{
	(void)state;
	for (int r = 0; r < SL_REASON_COUNT_; r++) {
		const char *w = words_reason((enum sl_reason)r);

		assert_non_null(w);
		assert_true(strlen(w) > 5);
		assert_string_not_equal(w, "unknown reason");
		/* distinct sentences: a reader can tell the reasons apart */
		for (int q = 0; q < r; q++)
			assert_string_not_equal(w, words_reason((enum sl_reason)q));
	}
	assert_string_equal(words_reason(SL_REASON_COUNT_), "unknown reason");
	assert_string_equal(words_reason((enum sl_reason)-1), "unknown reason");
}

static void test_denied_window_opens(void **state)
{
	struct sl_response r = {.id = 1, .result = SL_RESULT_DENIED,
			.reason = SL_REASON_OUTSIDE_WINDOW,
			.until = utc_ms(2026, 11, 21, 9, 0)};
	char buf[WORDS_MAX];

	(void)state;
	/* the issue's own example */
	words_response(&r, SL_ACTION_UNLOCK, utc_ms(2026, 11, 19, 15, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Denied: outside your access window \u2014 it opens Sat 09:00");
	r.until = utc_ms(2026, 11, 19, 18, 0);
	r.reason = SL_REASON_OUTSIDE_SCHEDULE;
	words_response(&r, SL_ACTION_UNLOCK, utc_ms(2026, 11, 19, 15, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Denied: outside your weekly schedule \u2014 it opens today at 18:00");
	r.until = 0;
	r.reason = SL_REASON_OUTSIDE_WINDOW;
	words_response(&r, SL_ACTION_UNLOCK, utc_ms(2026, 11, 19, 15, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Denied: outside your access window.");
}

static void test_lockout_until(void **state)
{
	struct sl_response r = {.result = SL_RESULT_DENIED, .reason = SL_REASON_LOCKED_OUT,
			.until = utc_ms(2026, 11, 19, 15, 5)};
	char buf[WORDS_MAX];

	(void)state;
	words_response(&r, SL_ACTION_UNLOCK, utc_ms(2026, 11, 19, 15, 0), buf, sizeof(buf));
	assert_string_equal(buf, "Denied: unlocking is locked out after repeated failed "
			"attempts \u2014 until 15:05");
}

static void test_every_answer_is_a_sentence(void **state)
{
	char buf[WORDS_MAX];

	(void)state;
	for (int res = 0; res < SL_RESULT_COUNT_; res++)
		for (int reason = 0; reason < SL_REASON_COUNT_; reason++)
			for (int a = 0; a < 3; a++) {
				struct sl_response r = {.result = (enum sl_result)res,
						.reason = (enum sl_reason)reason,
						.state = SL_STATE_LOCKED, .until = utc_ms(2026, 11, 21, 9, 0)};

				words_response(&r, (enum sl_action)a, utc_ms(2026, 11, 19, 15, 0), buf,
						sizeof(buf));
				assert_true(strlen(buf) > 10);
				assert_true(strlen(buf) < sizeof(buf) - 1);
				assert_true(text_is_clean(buf));
			}
}

static void test_granted_and_status(void **state)
{
	struct sl_response r = {.result = SL_RESULT_OK, .state = SL_STATE_UNLOCKED,
			.door = SL_DOOR_CLOSED};
	char buf[WORDS_MAX];

	(void)state;
	assert_string_equal(words_response(&r, SL_ACTION_UNLOCK, 0, buf, sizeof(buf)),
			"Granted: the door is unlocked.");
	assert_string_equal(words_response(&r, SL_ACTION_LOCK, 0, buf, sizeof(buf)),
			"Granted: the door is locked.");
	assert_string_equal(words_response(&r, SL_ACTION_STATUS, 0, buf, sizeof(buf)),
			"The door is UNLOCKED and closed.");
	r.result = SL_RESULT_ERROR;
	r.reason = SL_REASON_LOCK_OFFLINE;
	assert_string_equal(words_response(&r, SL_ACTION_UNLOCK, 0, buf, sizeof(buf)),
			"Failed: the lock is offline.");
}

static void test_states_and_doors(void **state)
{
	(void)state;
	assert_string_equal(words_state(SL_STATE_LOCKED), "LOCKED");
	assert_string_equal(words_state(SL_STATE_UNLOCKED), "UNLOCKED");
	assert_string_equal(words_state(SL_STATE_LOCKING), "LOCKING");
	assert_string_equal(words_state(SL_STATE_UNLOCKING), "UNLOCKING");
	assert_string_equal(words_state(SL_STATE_JAMMED), "JAMMED");
	assert_string_equal(words_state(SL_STATE_UNKNOWN), "unknown");
	assert_string_equal(words_state(SL_STATE_COUNT_), "unknown");
	assert_string_equal(words_door(SL_DOOR_OPEN), "open");
	assert_string_equal(words_door(SL_DOOR_COUNT_), "unknown");
}

static void test_alerts(void **state)
{
	struct sl_alert a = {.kind = SL_ALERT_LOCKOUT, .until = utc_ms(2026, 11, 19, 15, 5)};
	char buf[WORDS_MAX];

	(void)state;
	strcpy(a.user, "mallory");
	words_alert(&a, utc_ms(2026, 11, 19, 15, 0), buf, sizeof(buf));
	assert_string_equal(buf, "mallory: repeated failed attempts; unlocking disabled "
			"(until 15:05)");
	strcpy(a.msg, "3 failed attempts in 5 min");
	strcpy(a.source, "192.0.2.7");
	a.until = 0;
	words_alert(&a, 0, buf, sizeof(buf));
	assert_string_equal(buf, "mallory from 192.0.2.7: 3 failed attempts in 5 min");
	for (int k = 0; k < SL_ALERT_COUNT_; k++)
		assert_string_not_equal(words_alert_title((enum sl_alert_kind)k), "Alert");
	assert_true(words_alert_is_security(SL_ALERT_LOCKOUT));
	assert_true(words_alert_is_security(SL_ALERT_LOGIN_FAILED));
	assert_false(words_alert_is_security(SL_ALERT_LOCK_ONLINE));
}

static void test_admin_words(void **state)
{
	struct sl_admin_res r = {.op = SL_ADMIN_USER_ADD, .result = SL_RESULT_OK};
	char buf[WORDS_MAX];

	(void)state;
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)), "Done: gina added.");
	r.op = SL_ADMIN_USER_REVOKE;
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)),
			"Done: gina revoked for good.");
	r.result = SL_RESULT_DENIED;
	r.reason = SL_REASON_NOT_PERMITTED;
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)),
			"Denied: your role may not do that.");
	r.result = SL_RESULT_ERROR;
	r.reason = SL_REASON_BAD_REQUEST;
	strcpy(r.msg, "schedule: expected days and hours");
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)),
			"Failed: schedule: expected days and hours");
	/* an internal error's cause, when the agent names it, is shown */
	r.reason = SL_REASON_INTERNAL_ERROR;
	strcpy(r.msg, "Nothing changed: the broker password file cannot be rewritten.");
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)),
			"Failed: Nothing changed: the broker password file cannot be rewritten.");
	r.msg[0] = '\0';
	assert_string_equal(words_admin(&r, "gina", 0, buf, sizeof(buf)),
			"Failed: the agent had an internal error (see its log).");
}

static void test_timeout_sentence(void **state)
{
	char buf[WORDS_MAX];

	(void)state;
	words_timeout(SL_ACTION_UNLOCK, 15000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Timed out"));
	assert_non_null(strstr(buf, "unlock"));
	assert_non_null(strstr(buf, "15 s"));
	/* no answer is not a failure: the door may have moved */
	assert_non_null(strstr(buf, "outcome is unknown"));
	assert_null(strstr(buf, "agent running"));
	words_timeout(SL_ACTION_STATUS, 15000, buf, sizeof(buf));
	assert_non_null(strstr(buf, "agent running"));
}

static void test_exit_codes(void **state)
{
	(void)state;
	assert_int_equal(client_exit_for(SL_RESULT_OK, SL_REASON_NONE), 0);
	assert_int_equal(client_exit_for(SL_RESULT_DENIED, SL_REASON_OUTSIDE_WINDOW), 1);
	assert_int_equal(client_exit_for(SL_RESULT_ERROR, SL_REASON_TIMEOUT), 4);
	assert_int_equal(client_exit_for(SL_RESULT_ERROR, SL_REASON_LOCK_OFFLINE), 5);
	assert_int_equal(client_exit_for(SL_RESULT_DENIED, SL_REASON_LOCK_OFFLINE), 5);
	assert_int_equal(client_exit_for(SL_RESULT_ERROR, SL_REASON_JAMMED), 8);
	assert_int_equal(client_exit_for(SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR), 8);
}

/* Log details read by people: no command sequence numbers, no "use N",
 * and an alert's source only when it is an address. */
static void test_log_details_and_sources(void **state)
{
	char buf[160];

	(void)state;
	assert_string_equal(words_log_detail("seq 1796400545087, state LOCKED, door closed", buf,
			sizeof(buf)), "state LOCKED, door closed");
	assert_string_equal(words_log_detail("uptime 5, commands 2, refused 0, seq 42", buf,
			sizeof(buf)), "uptime 5, commands 2, refused 0");
	assert_string_equal(words_log_detail("use 1", buf, sizeof(buf)), "unlock number 1");
	assert_string_equal(words_log_detail("useful seq 12x", buf, sizeof(buf)),
			"useful seq 12x");
	assert_string_equal(words_log_detail("", buf, sizeof(buf)), "");
	assert_string_equal(words_alert_source("lockReq"), "");
	assert_string_equal(words_alert_source("health"), "");
	assert_string_equal(words_alert_source("192.0.2.7"), "192.0.2.7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_reason_has_words),
		cmocka_unit_test(test_denied_window_opens),
		cmocka_unit_test(test_lockout_until),
		cmocka_unit_test(test_every_answer_is_a_sentence),
		cmocka_unit_test(test_granted_and_status),
		cmocka_unit_test(test_states_and_doors),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_admin_words),
		cmocka_unit_test(test_timeout_sentence),
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_log_details_and_sources),
	};

	setenv("TZ", "UTC", 1);
	setenv("LC_ALL", "C", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
