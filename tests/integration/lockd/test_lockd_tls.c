/* test_lockd_tls.c - the real smartlock-lockd reaching a real Mosquitto
 * over TCP with TLS (a test CA, a certificate for 127.0.0.1) and a broker
 * account (user = the lock id, password), as on a Pi whose lock is on
 * another board; and refusing a broker whose certificate it cannot
 * verify. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "smartlock/sign.h"

#include "lockfix.h"

#define PASSWORD "lock-secret-pw"

struct tls {
	struct lx x;
	int tls_port;
	char ca[HARNESS_PATH_MAX];
};

/* Run a tool (argv[0] a path) to completion in the test directory; 0 on
 * exit status 0. */
static int run_tool(struct lx *x, char *const argv[])
{
	char log[HARNESS_PATH_MAX];
	struct harness_proc p;

	if (lx_path(x, log, sizeof(log), "tools.log") != 0 ||
			harness_proc_start(&p, log, argv, NULL) != 0 ||
			harness_proc_wait(&p, 20000) != 0)
		return -1;
	return WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0 ? 0 : -1;
}

static int make_pki(struct lx *x)
{
	char ca_key[HARNESS_PATH_MAX], ca_crt[HARNESS_PATH_MAX];
	char key[HARNESS_PATH_MAX], csr[HARNESS_PATH_MAX], crt[HARNESS_PATH_MAX];
	char ext[HARNESS_PATH_MAX], srl[HARNESS_PATH_MAX], pw[HARNESS_PATH_MAX];
	char *ca[] = { "/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:P-256", "-nodes", "-keyout", ca_key, "-out", ca_crt,
		"-days", "2", "-subj", "/CN=smartlock test CA", NULL };
	char *req[] = { "/usr/bin/openssl", "req", "-newkey", "ec", "-pkeyopt",
		"ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
		"-subj", "/CN=127.0.0.1", NULL };
	char *sign[] = { "/usr/bin/openssl", "x509", "-req", "-in", csr, "-CA", ca_crt,
		"-CAkey", ca_key, "-CAserial", srl, "-CAcreateserial", "-out", crt,
		"-days", "2", "-extfile", ext, NULL };
	char *passwd[] = { "/usr/bin/mosquitto_passwd", "-c", "-b", pw, LX_LOCK, PASSWORD, NULL };

	if (lx_path(x, ca_key, sizeof(ca_key), "ca.key") || lx_path(x, ca_crt, sizeof(ca_crt), "ca.crt") ||
			lx_path(x, key, sizeof(key), "server.key") ||
			lx_path(x, csr, sizeof(csr), "server.csr") ||
			lx_path(x, crt, sizeof(crt), "server.crt") ||
			lx_path(x, ext, sizeof(ext), "server.ext") ||
			lx_path(x, srl, sizeof(srl), "ca.srl") || lx_path(x, pw, sizeof(pw), "passwd"))
		return -1;
	if (harness_write_file(ext, "subjectAltName=IP:127.0.0.1\n", 0600) != 0)
		return -1;
	return run_tool(x, ca) || run_tool(x, req) || run_tool(x, sign) || run_tool(x, passwd);
}

/* lockd.conf for the TLS listener, trusting cafile. 0 or -1. */
static int write_conf(struct tls *t, const char *cafile)
{
	char hex[SL_KEY_HEX + 1];
	char text[2048];
	int n;

	if (sign_key_to_hex(&t->x.key, hex, sizeof(hex)) != SL_OK)
		return -1;
	n = snprintf(text, sizeof(text), "lock = " LX_LOCK "\nsigning_key = %s\n"
			"state_file = %s\nbackend = sim\nlog_level = info\n"
			"broker_host = 127.0.0.1\nbroker_port = %d\nbroker_tls = true\n"
			"broker_cafile = %s\nbroker_password = " PASSWORD "\n"
			"sim_actuation_ms = 20\nmove_timeout_ms = 1000\n",
			hex, t->x.state_path, t->tls_port, cafile);
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return harness_write_file(t->x.conf_path, text, 0600);
}

static int setup(void **state)
{
	struct tls *t = calloc(1, sizeof(*t));
	char conf[512];

	if (!t || harness_tmpdir(t->x.dir, sizeof(t->x.dir)) != 0 || make_pki(&t->x) != 0)
		return -1;
	/* A TLS listener that wants a password; the fixture's Unix socket
	 * and plain port stay closed to anonymous clients too. */
	t->tls_port = harness_free_port();
	snprintf(conf, sizeof(conf),
			"listener %d 127.0.0.1\n"
			"cafile @DIR@/ca.crt\ncertfile @DIR@/server.crt\nkeyfile @DIR@/server.key\n"
			"allow_anonymous false\npassword_file @DIR@/passwd\n", t->tls_port);
	if (harness_broker_start(&t->x.broker, t->x.dir, conf) != 0 ||
			lx_path(&t->x, t->x.conf_path, sizeof(t->x.conf_path), "lockd.conf") ||
			lx_path(&t->x, t->x.state_path, sizeof(t->x.state_path), "lockd.state") ||
			lx_path(&t->x, t->ca, sizeof(t->ca), "ca.crt") ||
			sign_key_generate(&t->x.key) != SL_OK || write_conf(t, t->ca) != 0)
		return -1;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct tls *t = *state;

	lx_teardown(&t->x);
	free(t);
	return 0;
}

static void commands_over_tls_with_credentials(void **state)
{
	struct tls *t = *state;
	struct lx *x = &t->x;
	struct harness_client_opts o = {
		.user = LX_LOCK, .password = PASSWORD, .host = "127.0.0.1",
		.port = t->tls_port, .cafile = t->ca,
	};
	struct sl_lock_status st;
	struct sl_heartbeat hb;
	uint64_t seq;
	char *log;

	/* The observer uses the lock's account over the same TLS listener. */
	x->agent = harness_client_connect(&o, NULL);
	assert_non_null(x->agent);
	assert_int_equal(harness_client_subscribe(x->agent, LX_TOPIC_STATUS, 1), 1);
	assert_int_equal(harness_client_subscribe(x->agent, LX_TOPIC_HEALTH, 1), 1);
	assert_int_equal(lx_start(x), 0);
	assert_int_equal(lx_health(x, &hb, LX_WAIT), 0);
	assert_true(hb.online);
	log = harness_read_file(x->broker.log_path);
	assert_non_null(log);
	assert_non_null(strstr(log, "as lockd-" LX_LOCK " ("));
	free(log);
	seq = lx_command(x, SL_ACTION_UNLOCK);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(st.seq, seq);
	assert_int_equal(st.result, SL_RESULT_PROGRESS);
	assert_int_equal(lx_status(x, &st, LX_WAIT), 0);
	assert_int_equal(st.result, SL_RESULT_OK);
	assert_int_equal(st.state, SL_STATE_UNLOCKED);
}

static void unverifiable_broker_is_not_used(void **state)
{
	struct tls *t = *state;
	struct lx *x = &t->x;
	char *log;

	/* Trust only the system CAs, which did not sign the broker's
	 * certificate: the lock keeps trying and never gets ready. */
	assert_int_equal(write_conf(t, "/etc/ssl/certs/ca-certificates.crt"), 0);
	assert_int_equal(lx_path(x, x->log_path, sizeof(x->log_path), "lockd.bad-ca.log"), 0);
	{
		char exe[HARNESS_PATH_MAX];
		char *argv[] = { (char *)harness_build_path(exe, sizeof(exe),
				"src/lock/smartlock-lockd"), "-c", x->conf_path, NULL };

		assert_int_equal(harness_proc_start(&x->lockd, x->log_path, argv, NULL), 0);
		x->running = true;
	}
	assert_int_equal(harness_wait_file_contains(x->log_path, "retrying in", LX_WAIT), 0);
	assert_true(harness_proc_alive(&x->lockd));
	log = harness_read_file(x->log_path);
	assert_non_null(log);
	assert_null(strstr(log, ": ready"));
	free(log);
	log = harness_read_file(x->broker.log_path);
	assert_null(strstr(log, "as lockd-" LX_LOCK " ("));
	free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commands_over_tls_with_credentials, setup, teardown),
		cmocka_unit_test_setup_teardown(unverifiable_broker_is_not_used, setup, teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
