/*
 * test_revoke.c - the plugin follows its password file while Mosquitto
 * runs: a disabled, removed or re-keyed account's live session is closed
 * within one second, other sessions stay, ACLs follow the new file (alert
 * opt-out), new accounts can log in, and a damaged file shuts everyone out
 * until it is repaired.
 *
 * Reloads are observed through the broker log ("reload N:"), never by
 * sleeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>

#include <cmocka.h>

#include "pluginfix.h"
#include "smartlock/timeutil.h"

#define REVOKE_LIMIT_MS 1000

struct fx {
	struct pf f;
	unsigned reloads;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));

	if (!x || pf_init(&x->f) != 0)
		return -1;
	pf_default_accounts(&x->f);
	pf_save(&x->f);
	if (pf_start(&x->f, "192.168.0.0/16", NULL) != 0)
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

/* Wait for the broker to log the next reload. */
static void wait_reload(struct fx *x)
{
	char needle[32];

	x->reloads++;
	pf_fmt(needle, sizeof(needle), "reload %u", x->reloads);
	assert_int_equal(harness_wait_file_contains(x->f.broker.log_path, needle, 5000), 0);
}

static struct sl_passwd_entry get(struct fx *x, const char *name)
{
	const struct sl_passwd_entry *e = passwd_find(x->f.pw, name);

	assert_non_null(e);
	return *e;
}

static void put(struct fx *x, const struct sl_passwd_entry *e)
{
	assert_int_equal(passwd_set(x->f.pw, e), SL_OK);
}

/* Save the file and measure until c is disconnected. */
static int64_t save_and_time_kick(struct fx *x, struct harness_client *c)
{
	int64_t t0;

	pf_save(&x->f);
	t0 = time_mono_ms();
	assert_int_equal(harness_client_wait_disconnect(c, 3000), 0);
	return time_mono_ms() - t0;
}

static void test_disable_closes_session(void **state)
{
	struct fx *x = *state;
	struct harness_client *olga = pf_connect(&x->f, "olga", NULL);
	struct harness_client *gina = pf_connect(&x->f, "gina", NULL);
	struct sl_passwd_entry e;
	int64_t ms;
	int rc = -1;

	assert_non_null(olga);
	assert_non_null(gina);
	assert_int_equal(harness_client_subscribe(olga, "smartlock/+/state", 1), 1);
	e = get(x, "olga");
	e.enabled = false;
	put(x, &e);
	ms = save_and_time_kick(x, olga);
	print_message("disabled owner's session closed after %lld ms\n", (long long)ms);
	assert_true(ms <= REVOKE_LIMIT_MS);
	wait_reload(x);
	/* the disabled account cannot come back; others were not touched */
	assert_null(harness_client_connect(&(struct harness_client_opts){.user = "olga",
			.password = "pw-olga", .socket_path = x->f.broker.socket_path}, &rc));
	assert_int_equal(rc, 5);
	assert_true(harness_client_connected(gina));
	harness_client_destroy(olga);
	harness_client_destroy(gina);
	e.enabled = true;
	put(x, &e);
	pf_save(&x->f);
	wait_reload(x);
}

static void test_remove_closes_session(void **state)
{
	struct fx *x = *state;
	struct harness_client *rex = pf_connect(&x->f, "rex", NULL);
	int64_t ms;

	assert_non_null(rex);
	assert_int_equal(passwd_remove(x->f.pw, "rex"), SL_OK);
	ms = save_and_time_kick(x, rex);
	print_message("removed resident's session closed after %lld ms\n", (long long)ms);
	assert_true(ms <= REVOKE_LIMIT_MS);
	wait_reload(x);
	assert_null(pf_connect(&x->f, "rex", NULL));
	harness_client_destroy(rex);
	pf_account(&x->f, "rex", SL_PW_RESIDENT, false, true, false);
	pf_save(&x->f);
	wait_reload(x);
}

static void test_password_change_closes_session(void **state)
{
	struct fx *x = *state;
	struct harness_client *rita = pf_connect(&x->f, "rita", NULL);
	struct harness_client *again;
	struct sl_passwd_entry e = get(x, "rita");
	int64_t ms;

	assert_non_null(rita);
	assert_int_equal(passwd_hash_iter("new-secret", PF_ITERATIONS, e.hash, sizeof(e.hash)), SL_OK);
	put(x, &e);
	ms = save_and_time_kick(x, rita);
	assert_true(ms <= REVOKE_LIMIT_MS);
	wait_reload(x);
	assert_null(pf_connect(&x->f, "rita", NULL));
	again = pf_connect(&x->f, "rita", "new-secret");
	assert_non_null(again);
	harness_client_destroy(again);
	harness_client_destroy(rita);
	pf_account(&x->f, "rita", SL_PW_RESIDENT, false, true, true);
	pf_save(&x->f);
	wait_reload(x);
}

static void test_lock_disabled_sends_will(void **state)
{
	struct fx *x = *state;
	struct harness_client *agent = pf_connect(&x->f, "agent", NULL);
	struct harness_client_opts o = {
		.user = "front-door", .password = "pw-front-door",
		.socket_path = x->f.broker.socket_path,
		.will_topic = "smartlock/front-door/health", .will_payload = "offline",
	};
	struct harness_client *lock = harness_client_connect(&o, NULL);
	struct sl_passwd_entry e = get(x, "front-door");

	assert_non_null(agent);
	assert_non_null(lock);
	assert_int_equal(harness_client_subscribe(agent, "smartlock/front-door/health", 1), 1);
	e.enabled = false;
	put(x, &e);
	assert_true(save_and_time_kick(x, lock) <= REVOKE_LIMIT_MS);
	/* dropped, not disconnected: its last will tells the agent */
	assert_int_equal(pf_wait_payload(agent, "offline", 5000), 1);
	wait_reload(x);
	harness_client_destroy(lock);
	harness_client_destroy(agent);
	e.enabled = true;
	put(x, &e);
	pf_save(&x->f);
	wait_reload(x);
}

/* An alert opt-out does not end the session but stops the alerts. */
static void test_acl_follows_file(void **state)
{
	struct fx *x = *state;
	struct harness_client *rita = pf_connect(&x->f, "rita", NULL);
	struct harness_client *agent = pf_connect(&x->f, "agent", NULL);
	struct sl_passwd_entry e = get(x, "rita");

	assert_non_null(rita);
	assert_non_null(agent);
	assert_int_equal(harness_client_subscribe(rita, "smartlock/+/securityAlert", 1), 1);
	assert_int_equal(harness_client_subscribe(rita, "smartlock/+/lockRes/rita", 1), 1);
	assert_int_equal(harness_client_publish_str(agent, "smartlock/front-door/securityAlert",
			"alert-1", 1, false), 0);
	assert_int_equal(pf_wait_payload(rita, "alert-1", 3000), 1);
	e.alerts = false;
	put(x, &e);
	pf_save(&x->f);
	wait_reload(x);
	assert_true(harness_client_connected(rita));
	assert_int_equal(harness_client_publish_str(agent, "smartlock/front-door/securityAlert",
			"alert-2", 1, false), 0);
	assert_int_equal(harness_client_publish_str(agent, "smartlock/front-door/lockRes/rita",
			"marker", 1, false), 0);
	{
		struct harness_msg *m = harness_client_wait(rita, NULL, 3000);

		assert_non_null(m);
		assert_string_equal(m->payload, "marker");
		harness_msg_free(m);
	}
	/* and a new subscription to alerts is refused now */
	assert_int_equal(harness_client_subscribe(rita, "smartlock/front-door/securityAlert", 1), 128);
	harness_client_destroy(rita);
	harness_client_destroy(agent);
	e.alerts = true;
	put(x, &e);
	pf_save(&x->f);
	wait_reload(x);
}

static void test_new_account(void **state)
{
	struct fx *x = *state;
	struct harness_client *c;

	assert_null(pf_connect(&x->f, "nina", NULL));
	pf_account(&x->f, "nina", SL_PW_GUEST, true, true, false);
	pf_save(&x->f);
	wait_reload(x);
	c = pf_connect(&x->f, "nina", NULL);
	assert_non_null(c);
	harness_client_destroy(c);
}

/* A damaged file shuts everybody out; repairing it lets them back in. */
static void test_broken_file_fails_closed(void **state)
{
	struct fx *x = *state;
	struct harness_client *agent = pf_connect(&x->f, "agent", NULL);
	struct harness_client *olga = pf_connect(&x->f, "olga", NULL);
	struct harness_client *c;
	int rc = -1;

	assert_non_null(agent);
	assert_non_null(olga);
	assert_int_equal(harness_write_file(x->f.passwd_path, "olga:owner:any:on:cleartext\n", 0640), 0);
	assert_int_equal(harness_client_wait_disconnect(agent, 3000), 0);
	assert_int_equal(harness_client_wait_disconnect(olga, 3000), 0);
	wait_reload(x);
	c = harness_client_connect(&(struct harness_client_opts){.user = "olga",
			.password = "pw-olga", .socket_path = x->f.broker.socket_path}, &rc);
	assert_null(c);
	assert_int_equal(rc, 5);
	pf_save(&x->f);
	wait_reload(x);
	c = pf_connect(&x->f, "olga", NULL);
	assert_non_null(c);
	harness_client_destroy(c);
	harness_client_destroy(agent);
	harness_client_destroy(olga);
}

/* SIGHUP (sent by Debian's logrotate) re-reads the password file and
 * keeps the plugin's configuration: logins still work afterwards. */
static void test_sighup(void **state)
{
	struct fx *x = *state;
	struct harness_client *c;

	assert_int_equal(kill(x->f.broker.pid, SIGHUP), 0);
	wait_reload(x);
	c = pf_connect(&x->f, "olga", NULL);
	assert_non_null(c);
	assert_int_equal(harness_client_publish_str(c, "smartlock/front-door/lockReq/olga",
			"after-hup", 1, false), 0);
	harness_client_destroy(c);
	assert_null(pf_connect(&x->f, "olga", "wrong"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disable_closes_session),
		cmocka_unit_test(test_remove_closes_session),
		cmocka_unit_test(test_password_change_closes_session),
		cmocka_unit_test(test_lock_disabled_sends_will),
		cmocka_unit_test(test_acl_follows_file),
		cmocka_unit_test(test_new_account),
		cmocka_unit_test(test_broken_file_fails_closed),
		cmocka_unit_test(test_sighup),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
