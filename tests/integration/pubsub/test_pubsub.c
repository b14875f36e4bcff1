/* test_pubsub.c - the harness against a real Mosquitto: a private broker
 * starts on a Unix socket and a free loopback port, and a QoS 1 message
 * makes the round trip publisher -> broker -> subscriber. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct fixture {
	char dir[HARNESS_PATH_MAX];
	struct harness_broker broker;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f || harness_tmpdir(f->dir, sizeof(f->dir)) != 0)
		return -1;
	if (harness_broker_start(&f->broker, f->dir, NULL) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	harness_broker_stop(&f->broker);
	harness_rmtree(f->dir);
	free(f);
	return 0;
}

static void test_private_broker(void **state)
{
	struct fixture *f = *state;

	assert_true(f->broker.pid > 0);
	assert_true(f->broker.port > 0);
	assert_int_not_equal(f->broker.port, 1883);
	assert_non_null(strstr(f->broker.socket_path, f->dir));
}

static void round_trip(struct harness_client *pub, struct harness_client *sub)
{
	static const char payload[] = "{\"v\":1,\"hello\":\"door\"}";
	struct harness_msg *m;

	assert_int_equal(harness_client_subscribe(sub, "smartlock/test/+", 1), 1);
	assert_int_equal(harness_client_publish_str(pub, "smartlock/test/ping", payload, 1, false), 0);
	m = harness_client_wait(sub, "smartlock/test/#", 5000);
	assert_non_null(m);
	assert_string_equal(m->topic, "smartlock/test/ping");
	assert_int_equal(m->len, strlen(payload));
	assert_memory_equal(m->payload, payload, m->len);
	assert_int_equal(m->qos, 1);
	harness_msg_free(m);
}

static void test_round_trip_unix_socket(void **state)
{
	struct fixture *f = *state;
	struct harness_client *pub = harness_client_local(&f->broker, NULL, NULL);
	struct harness_client *sub = harness_client_local(&f->broker, NULL, NULL);

	assert_non_null(pub);
	assert_non_null(sub);
	round_trip(pub, sub);
	harness_client_destroy(pub);
	harness_client_destroy(sub);
}

static void test_round_trip_tcp_loopback(void **state)
{
	struct fixture *f = *state;
	struct harness_client_opts o = {.port = f->broker.port};
	struct harness_client *pub = harness_client_connect(&o, NULL);
	struct harness_client *sub = harness_client_connect(&o, NULL);

	assert_non_null(pub);
	assert_non_null(sub);
	round_trip(pub, sub);
	harness_client_destroy(pub);
	harness_client_destroy(sub);
}

static void test_retained_and_restart(void **state)
{
	struct fixture *f = *state;
	struct harness_client *pub = harness_client_local(&f->broker, NULL, NULL);
	struct harness_client *late;
	struct harness_msg *m;

	assert_non_null(pub);
	assert_int_equal(harness_client_publish_str(pub, "smartlock/test/state", "LOCKED", 1, true), 0);
	late = harness_client_local(&f->broker, NULL, NULL);
	assert_non_null(late);
	assert_int_equal(harness_client_subscribe(late, "smartlock/test/state", 1), 1);
	m = harness_client_wait(late, "smartlock/test/state", 5000);
	assert_non_null(m);
	assert_true(m->retain);
	assert_string_equal(m->payload, "LOCKED");
	harness_msg_free(m);

	/* a broker restart drops the connection and accepts new ones */
	assert_int_equal(harness_broker_restart(&f->broker), 0);
	assert_int_equal(harness_client_wait_disconnect(late, 5000), 0);
	harness_client_destroy(late);
	harness_client_destroy(pub);
	pub = harness_client_local(&f->broker, NULL, NULL);
	assert_non_null(pub);
	harness_client_destroy(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_private_broker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_unix_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip_tcp_loopback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retained_and_restart, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
