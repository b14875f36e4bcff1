/*
 * test_clientid.c - reserved client ids through the real broker: while the
 * agent and the lock are away, a guest asking for "smartlock-agent",
 * "lockd-front-door" or a resident's "<name>-..." id (with a persistent
 * session, as a squatter would) is refused, the daemons then log in under
 * their ids, and the attempts reach the agent as one abuse report.
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
	struct harness_client *obs;     /* the agent's account, reading abuse reports */
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	struct harness_client_opts o = {0};

	if (!x || pf_init(&x->f) != 0)
		return -1;
	pf_default_accounts(&x->f);
	pf_save(&x->f);
	if (pf_start(&x->f, "192.168.0.0/16", "plugin_opt_abuse_report_ms 500") != 0)
		return -1;
	o.socket_path = x->f.broker.socket_path;
	o.id = "observer";
	o.user = "agent";
	o.password = "pw-agent";
	x->obs = harness_client_connect(&o, NULL);
	if (!x->obs || harness_client_subscribe(x->obs, SL_TOPIC_ABUSE, 1) != 1)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	harness_client_destroy(x->obs);
	pf_finish(&x->f);
	free(x);
	return 0;
}

/* Connect as user under id with a persistent session; the CONNACK code. */
static int squat(struct fx *x, const char *user, const char *id)
{
	struct harness_client_opts o = {0};
	struct harness_client *c;
	char password[64];
	int rc = -1;

	snprintf(password, sizeof(password), "pw-%s", user);
	o.socket_path = x->f.broker.socket_path;
	o.id = id;
	o.user = user;
	o.password = password;
	o.persistent_session = true;
	c = harness_client_connect(&o, &rc);
	harness_client_destroy(c);     /* leaves its session behind if it got in */
	return rc;
}

static void test_reserved_ids(void **state)
{
	struct fx *x = *state;
	struct harness_msg *m;
	struct sl_abuse_report r;

	assert_int_equal(squat(x, "gina", "smartlock-agent"), 5);
	assert_int_equal(squat(x, "gina", "lockd-front-door"), 5);
	assert_int_equal(squat(x, "gina", "rita-console-1"), 5);
	/* another daemon's id is not the agent's either */
	assert_int_equal(squat(x, "agent", "lockd-front-door"), 5);
	/* the rightful accounts get them */
	assert_int_equal(squat(x, "agent", "smartlock-agent"), 0);
	assert_int_equal(squat(x, "front-door", "lockd-front-door"), 0);
	assert_int_equal(squat(x, "rita", "rita-console-1"), 0);
	assert_int_equal(squat(x, "gina", "gina-console-1"), 0);
	/* and again, their own stored sessions notwithstanding */
	assert_int_equal(squat(x, "agent", "smartlock-agent"), 0);
	/* one report for the guest, naming the last id she asked for */
	m = harness_client_wait(x->obs, SL_TOPIC_ABUSE, 5000);
	assert_non_null(m);
	assert_int_equal(proto_decode_abuse_report(m->payload, m->len, &r, NULL), SL_OK);
	harness_msg_free(m);
	if (strcmp(r.user, "gina") != 0) {
		assert_string_equal(r.user, "agent");
		assert_true(r.squat == 1);
		m = harness_client_wait(x->obs, SL_TOPIC_ABUSE, 5000);
		assert_non_null(m);
		assert_int_equal(proto_decode_abuse_report(m->payload, m->len, &r, NULL), SL_OK);
		harness_msg_free(m);
	}
	assert_string_equal(r.user, "gina");
	assert_true(r.squat == 3 && r.rate == 0 && r.size == 0);
	assert_string_equal(r.id, "rita-console-1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_ids),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
