/*
 * test_tls.c - the TLS listener in front of the plugin: a client that
 * trusts the site CA gets in, plaintext to the TLS port and a client that
 * trusts another CA do not; the origin rules hold over TLS too; and the
 * plugin refuses to run behind a plaintext listener that other hosts can
 * reach.
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

struct fx {
	struct pf f;
	int tls_port;
	char ca[HARNESS_PATH_MAX], rogue_ca[HARNESS_PATH_MAX];
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char extra[3 * HARNESS_PATH_MAX];

	if (!x || pf_init(&x->f) != 0)
		return -1;
	pf_default_accounts(&x->f);
	pf_save(&x->f);
	if (pf_make_ca(x->f.dir, "") != 0 || pf_make_ca(x->f.dir, "rogue-") != 0)
		return -1;
	pf_fmt(x->ca, sizeof(x->ca), "%s/ca.crt", x->f.dir);
	pf_fmt(x->rogue_ca, sizeof(x->rogue_ca), "%s/rogue-ca.crt", x->f.dir);
	x->tls_port = harness_free_port();
	pf_fmt(extra, sizeof(extra),
			"listener %d 127.0.0.1\n"
			"certfile @DIR@/server.crt\n"
			"keyfile @DIR@/server.key\n"
			"tls_version tlsv1.2\n"
			/* wrong and right logins back to back: not the hashing
			 * budget's test (smartlock_auth(8) LOGIN COST) */
			"plugin_opt_login_hash_burst_ms 1000\n", x->tls_port);
	if (pf_start(&x->f, "192.168.0.0/16", extra) != 0)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	pf_finish(&x->f);
	free(x);
	return 0;
}

static void test_trusted_client(void **state)
{
	struct fx *x = *state;
	int rc = -1;
	struct harness_client *c = pf_connect_tcp(&x->f, "olga", NULL, x->tls_port, x->ca, &rc);

	assert_non_null(c);
	assert_int_equal(rc, 0);
	assert_int_equal(harness_client_subscribe(c, "smartlock/+/state", 1), 1);
	assert_int_equal(harness_client_publish_str(c, "smartlock/front-door/lockReq/olga", "x", 1, false), 0);
	harness_client_destroy(c);
}

static void test_plaintext_to_tls_port(void **state)
{
	struct fx *x = *state;
	int rc = 0;
	struct harness_client *c = pf_connect_tcp(&x->f, "olga", NULL, x->tls_port, NULL, &rc);

	assert_null(c);
	assert_int_not_equal(rc, 0);
}

static void test_untrusted_ca(void **state)
{
	struct fx *x = *state;
	int rc = 0;
	struct harness_client *c = pf_connect_tcp(&x->f, "olga", NULL, x->tls_port, x->rogue_ca, &rc);

	assert_null(c);
	assert_int_not_equal(rc, 0);
}

static void test_credentials_still_checked(void **state)
{
	struct fx *x = *state;
	int rc = -1;
	struct harness_client *c = pf_connect_tcp(&x->f, "olga", "wrong", x->tls_port, x->ca, &rc);

	assert_null(c);
	assert_int_equal(rc, 5);
	/* loopback is outside the home networks: no guest over TLS either */
	c = pf_connect_tcp(&x->f, "gina", NULL, x->tls_port, x->ca, &rc);
	assert_null(c);
	assert_int_equal(rc, 5);
	c = pf_connect_tcp(&x->f, "rita", NULL, x->tls_port, x->ca, &rc);
	assert_non_null(c);
	harness_client_destroy(c);
}

/* A listener other hosts can reach without TLS: the plugin refuses to
 * start, and with it the broker. */
static void test_refuses_plaintext_remote_listener(void **state)
{
	struct fx *x = *state;
	struct pf bad;
	char extra[64], *log;

	(void)x;
	assert_int_equal(pf_init(&bad), 0);
	pf_default_accounts(&bad);
	pf_save(&bad);
	pf_fmt(extra, sizeof(extra), "listener %d\n", harness_free_port());
	assert_int_not_equal(pf_start(&bad, "192.168.0.0/16", extra), 0);
	log = harness_read_file(bad.broker.log_path);
	assert_non_null(log);
	assert_non_null(strstr(log, "refusing to start"));
	assert_non_null(strstr(log, "without TLS"));
	free(log);
	pf_finish(&bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trusted_client),
		cmocka_unit_test(test_plaintext_to_tls_port),
		cmocka_unit_test(test_untrusted_ca),
		cmocka_unit_test(test_credentials_still_checked),
		cmocka_unit_test(test_refuses_plaintext_remote_listener),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
