/*
 * test_login.c - logins through the real broker: refused logins (unknown
 * user, wrong password, anonymous, disabled, disallowed origin) are refused
 * and reported on smartlock/_site/loginFailed to the agent, which is the
 * only identity that may read them; passwords never reach the log.
 *
 * Home networks are 192.168.0.0/16, so loopback TCP counts as outside,
 * while the Unix socket counts as home.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pluginfix.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

struct fx {
	struct pf f;
	struct harness_client *agent;   /* subscribed to the report topic */
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x || pf_init(&x->f) != 0)
		return -1;
	pf_default_accounts(&x->f);
	pf_account(&x->f, "dave", SL_PW_RESIDENT, false, false, false);  /* disabled */
	pf_account(&x->f, "hank", SL_PW_RESIDENT, true, true, false);    /* home only */
	pf_save(&x->f);
	if (pf_start(&x->f, "192.168.0.0/16, fd00::/8", NULL) != 0)
		return -1;
	x->agent = pf_connect(&x->f, "agent", NULL);
	if (!x->agent || harness_client_subscribe(x->agent, SL_TOPIC_LOGIN_FAILED, 1) != 1)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	harness_client_destroy(x->agent);
	pf_finish(&x->f);
	free(x);
	return 0;
}

/* The next report must say user/reason/address and a time in [t0, now]. */
static void expect_report(struct fx *x, const char *user, enum sl_login_reason reason,
		const char *addr, int64_t t0)
{
	struct harness_msg *m = harness_client_wait(x->agent, SL_TOPIC_LOGIN_FAILED, 5000);
	struct sl_login_failed lf;
	struct sl_proto_error perr;

	assert_non_null(m);
	assert_int_equal(proto_decode_login_failed(m->payload, m->len, &lf, &perr), SL_OK);
	assert_string_equal(lf.user, user);
	assert_int_equal(lf.reason, reason);
	assert_string_equal(lf.addr, addr);
	assert_true(lf.time >= t0 - 1000 && lf.time <= time_now_ms() + 1000);
	assert_int_equal(m->qos, 1);
	assert_false(m->retain);
	harness_msg_free(m);
}

static void refused_local(struct fx *x, const char *user, const char *password,
		enum sl_login_reason reason, const char *reported_user)
{
	struct harness_client_opts o;
	struct harness_client *c;
	int64_t t0 = time_now_ms();
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.user = user;
	o.password = password;
	o.socket_path = x->f.broker.socket_path;
	c = harness_client_connect(&o, &rc);
	assert_null(c);
	assert_int_equal(rc, 5);        /* not authorised */
	expect_report(x, reported_user, reason, x->f.broker.socket_path, t0);
}

static void test_wrong_password(void **state)
{
	struct fx *x = *state;

	refused_local(x, "olga", "not-her-password", SL_LOGIN_BAD_PASSWORD, "olga");
	refused_local(x, "olga", "", SL_LOGIN_BAD_PASSWORD, "olga");
	refused_local(x, "agent", "pw-olga", SL_LOGIN_BAD_PASSWORD, "agent");
}

static void test_unknown_user(void **state)
{
	struct fx *x = *state;

	refused_local(x, "mallory", "guess", SL_LOGIN_UNKNOWN_USER, "mallory");
	refused_local(x, "Olga", "pw-olga", SL_LOGIN_UNKNOWN_USER, "Olga");
}

static void test_anonymous(void **state)
{
	struct fx *x = *state;

	refused_local(x, NULL, NULL, SL_LOGIN_ANONYMOUS, "");
}

static void test_disabled(void **state)
{
	struct fx *x = *state;

	refused_local(x, "dave", "pw-dave", SL_LOGIN_DISABLED, "dave");
}

static void test_hostile_user_name(void **state)
{
	struct fx *x = *state;

	/* (mosquitto itself refuses names with control characters before any
	 * plugin sees them; the plugin still replaces them in reports) */
	refused_local(x, "smartlock/+/#", "x", SL_LOGIN_UNKNOWN_USER, "smartlock/+/#");
	refused_local(x, "\xc3\xa9mile", "x", SL_LOGIN_UNKNOWN_USER, "\xc3\xa9mile");
	/* a right-to-left override is written out in Mosquitto's log and in
	 * the report, never obeyed */
	refused_local(x, "mal\xe2\x80\xaeyrot", "x", SL_LOGIN_UNKNOWN_USER, "mal\\u202Eyrot");
	{
		char *log = harness_read_file(x->f.broker.log_path), *line;

		assert_non_null(log);
		assert_non_null(strstr(log, "login refused: user \"mal\\u202Eyrot\""));
		for (line = strtok(log, "\n"); line; line = strtok(NULL, "\n"))
			if (strstr(line, "smartlock_auth:"))
				assert_null(strstr(line, "\xe2\x80\xae"));
		free(log);
	}
	/* the length is capped */
	refused_local(x, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "x",
			SL_LOGIN_UNKNOWN_USER, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void test_origin(void **state)
{
	struct fx *x = *state;
	struct harness_client *c;
	int64_t t0 = time_now_ms();
	int rc = -1;

	/* a guest from outside the home networks (loopback is outside) */
	c = pf_connect_tcp(&x->f, "gina", NULL, 0, NULL, &rc);
	assert_null(c);
	assert_int_equal(rc, 5);
	expect_report(x, "gina", SL_LOGIN_BAD_ORIGIN, "127.0.0.1", t0);
	/* a resident whose account is marked home */
	t0 = time_now_ms();
	c = pf_connect_tcp(&x->f, "hank", NULL, 0, NULL, &rc);
	assert_null(c);
	expect_report(x, "hank", SL_LOGIN_BAD_ORIGIN, "127.0.0.1", t0);
	/* the same guest at home (the Unix socket) is fine */
	c = pf_connect(&x->f, "gina", NULL);
	assert_non_null(c);
	harness_client_destroy(c);
	/* owners and residents may come from outside */
	c = pf_connect_tcp(&x->f, "olga", NULL, 0, NULL, &rc);
	assert_non_null(c);
	assert_int_equal(rc, 0);
	harness_client_destroy(c);
	c = pf_connect_tcp(&x->f, "rita", NULL, 0, NULL, &rc);
	assert_non_null(c);
	harness_client_destroy(c);
}

/* Only the agent reads the reports: users cannot subscribe, and a user
 * subscribed to everything it may read never sees one. */
static void test_report_is_private(void **state)
{
	struct fx *x = *state;
	struct harness_client *owner = pf_connect(&x->f, "olga", NULL);
	struct harness_client *c;
	int rc;

	assert_non_null(owner);
	assert_int_equal(harness_client_subscribe(owner, SL_TOPIC_LOGIN_FAILED, 1), 128);
	assert_int_equal(harness_client_subscribe(owner, "smartlock/+/lockRes/olga", 1), 1);
	assert_int_equal(harness_client_subscribe(owner, "smartlock/+/log", 1), 1);
	c = pf_connect(&x->f, "olga", "wrong");
	assert_null(c);
	expect_report(x, "olga", SL_LOGIN_BAD_PASSWORD, x->f.broker.socket_path, 0);
	/* the agent answers the owner afterwards: that arrives, nothing before */
	rc = harness_client_publish_str(x->agent, "smartlock/front-door/lockRes/olga", "marker", 1, false);
	assert_int_equal(rc, 0);
	{
		struct harness_msg *m = harness_client_wait(owner, NULL, 5000);

		assert_non_null(m);
		assert_string_equal(m->payload, "marker");
		harness_msg_free(m);
	}
	harness_client_destroy(owner);
}

/* No password given to the broker ever appears in its log. */
static void test_no_password_in_log(void **state)
{
	struct fx *x = *state;
	struct harness_client *c = pf_connect(&x->f, "olga", "Sup3rSecretWrong");
	char *log;

	assert_null(c);
	expect_report(x, "olga", SL_LOGIN_BAD_PASSWORD, x->f.broker.socket_path, 0);
	c = pf_connect(&x->f, "olga", NULL);
	assert_non_null(c);
	harness_client_destroy(c);
	log = harness_read_file(x->f.broker.log_path);
	assert_non_null(log);
	assert_non_null(strstr(log, "login refused: user \"olga\""));
	assert_null(strstr(log, "Sup3rSecretWrong"));
	assert_null(strstr(log, "pw-olga"));
	assert_null(strstr(log, "not-her-password"));
	free(log);
}

/* No account can take over another's client id: a guest using the
 * agent's id is refused and the agent stays connected; the agent itself
 * may reconnect under it; once the agent has gone the id is free. */
static void test_client_id_takeover(void **state)
{
	struct fx *x = *state;
	struct harness_client_opts o;
	struct harness_client *a1, *a2, *g;
	int rc = -1;

	memset(&o, 0, sizeof(o));
	o.socket_path = x->f.broker.socket_path;
	o.id = "takeover-test";
	o.user = "agent";
	o.password = "pw-agent";
	a1 = harness_client_connect(&o, NULL);
	assert_non_null(a1);
	o.user = "gina";
	o.password = "pw-gina";
	assert_null(harness_client_connect(&o, &rc));
	assert_int_equal(rc, 5);
	assert_true(harness_client_connected(a1));
	/* the same account reconnects: the broker ends the old connection */
	o.user = "agent";
	o.password = "pw-agent";
	a2 = harness_client_connect(&o, NULL);
	assert_non_null(a2);
	assert_int_equal(harness_client_wait_disconnect(a1, 3000), 0);
	o.user = "gina";
	o.password = "pw-gina";
	assert_null(harness_client_connect(&o, &rc));
	assert_int_equal(rc, 5);
	assert_true(harness_client_connected(a2));
	/* the agent leaves: the id is free */
	harness_client_destroy(a2);
	assert_int_equal(harness_wait_file_contains(x->f.broker.log_path,
			"Client takeover-test disconnected.", 3000), 0);
	g = harness_client_connect(&o, &rc);
	assert_non_null(g);
	harness_client_destroy(g);
	harness_client_destroy(a1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_unknown_user),
		cmocka_unit_test(test_anonymous),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_hostile_user_name),
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_report_is_private),
		cmocka_unit_test(test_no_password_in_log),
		cmocka_unit_test(test_client_id_takeover),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
