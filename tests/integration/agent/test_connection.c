/* test_connection.c - the broker connection: TCP as well as the Unix
 * socket, reconnection after a broker restart (resubscribed, retained
 * state published again), clean shutdown on SIGTERM. */
#include <setjmp.h>
#include <signal.h>
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

static int setup_tcp(void **state)
{
	struct fx *f;
	FILE *fp;

	if (fx_state_setup(state, fx_default_users, 3, "broker_socket = \"\"") != 0)
		return -1;
	f = *state;
	fp = fopen(f->conf_path, "a");
	if (!fp)
		return -1;
	fprintf(fp, "broker_host = 127.0.0.1\nbroker_port = %d\n", f->broker.port);
	fclose(fp);
	if (fx_start_agent(f) != 0 || fx_heartbeat(f, true, 60) != 0)
		return -1;
	return fx_wait_state_online(f, true, FX_WAIT);
}

static int tls_port;

/* A CA and a server certificate for 127.0.0.1, made with openssl(1). */
static int make_certs(struct fx *f)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		"cd %s && exec >certs.log 2>&1 && "
		"openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		"-keyout ca.key -out ca.crt -subj /CN=smartlock-test-ca -days 2 && "
		"openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		"-keyout server.key -out server.csr -subj /CN=localhost && "
		"printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
		"openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
		"-out server.crt -days 2 -extfile san.ext && chmod 644 server.key", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int setup_tls(void **state)
{
	char broker[512], agent[512];
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	if (!f || system("command -v openssl >/dev/null") != 0)
		return f ? 0 : -1;      /* the test skips */
	tls_port = harness_free_port();
	snprintf(broker, sizeof(broker), "allow_anonymous true\nlistener %d 127.0.0.1\n"
			"cafile @DIR@/ca.crt\ncertfile @DIR@/server.crt\nkeyfile @DIR@/server.key\n",
			tls_port);
	snprintf(agent, sizeof(agent), "broker_socket = \"\"\nbroker_host = 127.0.0.1\n"
			"broker_port = %d\nbroker_tls = true", tls_port);
	if (fx_setup_ex(f, fx_default_users, 3, agent, broker, make_certs) != 0)
		goto fail;
	{
		FILE *fp = fopen(f->conf_path, "a");

		if (!fp)
			goto fail;
		fprintf(fp, "broker_cafile = %s/ca.crt\n", f->dir);
		fclose(fp);
	}
	if (fx_start_agent(f) != 0 || fx_heartbeat(f, true, 60) != 0 ||
			fx_wait_state_online(f, true, FX_WAIT) != 0)
		goto fail;
	return 0;
fail:
	fx_teardown(f);
	free(f);
	*state = NULL;
	return -1;
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

static void test_tcp(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");

	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
}

static void test_tls(void **state)
{
	struct fx *f = *state;
	struct harness_client *r;
	char *log;

	if (!f->dir[0])
		skip();
	/* the agent's only way to the broker is the TLS listener */
	log = harness_read_file(f->conf_path);
	assert_non_null(strstr(log, "broker_tls = true"));
	free(log);
	r = fx_client(f, "resident");
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
}

static void test_broker_restart(void **state)
{
	struct fx *f = *state;
	struct harness_client *r, *dash;
	struct harness_msg *m;
	struct sl_state_msg s;
	char topic[SL_TOPIC_MAX];

	r = fx_client(f, "resident");
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	harness_client_destroy(r);
	harness_client_destroy(f->lock);
	harness_client_destroy(f->watch);
	f->lock = f->watch = NULL;
	/* the broker has no persistence: retained messages die with it */
	assert_int_equal(harness_broker_restart(&f->broker), 0);
	assert_int_equal(harness_wait_file_contains(f->agent_log,
				"reconnected and resubscribed", 10000), 0);
	/* the agent published its retained state again */
	dash = harness_client_local(&f->broker, NULL, NULL);
	assert_non_null(dash);
	assert_int_equal(harness_client_subscribe(dash, "smartlock/front-door/state", 1), 1);
	m = harness_client_wait(dash, "smartlock/front-door/state", FX_WAIT);
	assert_non_null(m);
	assert_true(m->retain);
	assert_int_equal(proto_decode_state(m->payload, m->len, &s, NULL), SL_OK);
	assert_int_equal(s.state, SL_STATE_UNLOCKED);
	harness_msg_free(m);
	harness_client_destroy(dash);
	/* and serves requests again */
	f->lock = harness_client_local(&f->broker, FX_LOCK, NULL);
	f->watch = harness_client_local(&f->broker, NULL, NULL);
	topic_build(topic, sizeof(topic), SL_TOPIC_LOCK, FX_LOCK, NULL);
	assert_int_equal(harness_client_subscribe(f->lock, topic, 1), 1);
	assert_int_equal(harness_client_subscribe(f->watch, "smartlock/front-door/state", 1), 1);
	r = fx_client(f, "resident");
	assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_LOCK), 0);
	harness_client_destroy(r);
}

/* Requests sent while the agent is down wait in its persistent session:
 * answered and audited when it is back, a fresh one on its merits, one
 * older than the request window refused as stale. */
static void test_requests_while_down(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct sl_response res;
	char path[HARNESS_PATH_MAX + 32], needle[64], *text;
	int64_t fresh, old;

	assert_non_null(r);
	assert_int_equal(fx_stop_agent(f), 0);
	fresh = fx_send(f, r, "resident", NULL, SL_ACTION_STATUS, 0);
	old = fx_send(f, r, "resident", NULL, SL_ACTION_STATUS, time_now_ms() - 3600 * 1000);
	assert_true(fresh != 0 && old != 0);
	assert_int_equal(fx_start_agent(f), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(fx_response(f, r, "resident", &res, FX_WAIT), 0);
		if (res.id == fresh) {
			/* answered on its merits (the lock has not reported yet) */
			assert_int_not_equal(res.reason, SL_REASON_STALE);
			assert_true(res.msg[0] != '\0');
		} else {
			assert_true(res.id == old);
			assert_int_equal(res.reason, SL_REASON_STALE);
		}
	}
	harness_client_destroy(r);
	assert_int_equal(fx_stop_agent(f), 0);
	snprintf(path, sizeof(path), "%s/audit/audit.log", f->state_dir);
	text = harness_read_file(path);
	assert_non_null(text);
	snprintf(needle, sizeof(needle), "\"id\":%lld", (long long)fresh);
	assert_non_null(strstr(text, needle));
	assert_non_null(strstr(text, "\"reason\":\"stale\""));
	free(text);
}

static void test_sigterm(void **state)
{
	struct fx *f = *state;

	assert_int_equal(harness_proc_stop(&f->agent, SIGTERM, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tcp, setup_tcp, teardown),
		cmocka_unit_test_setup_teardown(test_tls, setup_tls, teardown),
		cmocka_unit_test_setup_teardown(test_broker_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sigterm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_requests_while_down, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
