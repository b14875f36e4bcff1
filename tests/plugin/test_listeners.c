/* test_listeners.c - the start-up audit: remote listeners must use TLS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "listeners.h"

static enum sl_err audit(const char *text, struct listener_audit *a)
{
	memset(a, 0, sizeof(*a));
	return listeners_audit_text(text, "test.conf", a);
}

static void test_local_only(void **state)
{
	struct listener_audit a;

	(void)state;
	assert_int_equal(audit("", &a), SL_OK);
	assert_int_equal(a.listeners, 0);
	assert_int_equal(audit("# just comments\nallow_anonymous false\n", &a), SL_OK);
	assert_int_equal(audit("listener 0 /run/smartlock/mqtt.sock\n"
			"listener 1883 127.0.0.1\nlistener 1884 ::1\nlistener 1885 localhost\n", &a), SL_OK);
	assert_int_equal(a.listeners, 4);
	assert_int_equal(a.local, 4);
	assert_int_equal(a.remote_tls, 0);
	assert_int_equal(audit("port 1883\nbind_address 127.0.0.1\n", &a), SL_OK);
	assert_int_equal(a.local, 1);
}

static void test_tls(void **state)
{
	struct listener_audit a;

	(void)state;
	assert_int_equal(audit("listener 0 /x.sock\n"
			"listener 8883\ncertfile /a/server.crt\nkeyfile /a/server.key\n"
			"listener 8884 192.168.1.2\npsk_hint home\n", &a), SL_OK);
	assert_int_equal(a.listeners, 3);
	assert_int_equal(a.remote_tls, 2);
	assert_int_equal(audit("port 8883\ncertfile /c\nkeyfile /k\n", &a), SL_OK);
	assert_int_equal(a.remote_tls, 1);
}

static void expect_refused(const char *text, const char *needle)
{
	struct listener_audit a;
	enum sl_err rc = audit(text, &a);

	if (rc == SL_OK || !strstr(a.problem, needle))
		print_error("\"%s\": rc %d, problem \"%s\"\n", text, rc, a.problem);
	assert_int_not_equal(rc, SL_OK);
	assert_non_null(strstr(a.problem, needle));
}

static void test_refused(void **state)
{
	(void)state;
	expect_refused("listener 1883\n", "without TLS");
	expect_refused("listener 1883 0.0.0.0\n", "without TLS");
	expect_refused("listener 1883 192.168.1.2\n", "192.168.1.2");
	expect_refused("port 1883\n", "without TLS");
	expect_refused("protocol websockets\n", "without TLS");
	expect_refused("listener 8883\ncertfile /c\n", "without TLS");      /* no key */
	expect_refused("listener 8883\nkeyfile /k\nlistener 1884 127.0.0.1\n", "test.conf:1");
	expect_refused("listener 1883 127.0.0.1\nbind_interface eth0\n", "without TLS");
	expect_refused("per_listener_settings true\nlistener 0 /s\n", "per_listener_settings");
	expect_refused("listener banana\n", "bad listener");
	/* certfile of a later listener does not cover an earlier one */
	expect_refused("listener 1883\nlistener 8883\ncertfile /c\nkeyfile /k\n", "port 1883");
}

static void test_include_dir(void **state)
{
	char dir[64], sub[96], f1[128], f2[128], text[256];
	struct listener_audit a;
	FILE *fp;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_listeners.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(f1, sizeof(f1), "%s/a.conf", sub);
	fp = fopen(f1, "w");
	assert_non_null(fp);
	fputs("listener 8883\ncertfile /c\nkeyfile /k\n", fp);
	fclose(fp);
	snprintf(text, sizeof(text), "listener 0 /s\ninclude_dir %s\n", sub);
	assert_int_equal(audit(text, &a), SL_OK);
	assert_int_equal(a.listeners, 2);
	assert_int_equal(a.remote_tls, 1);
	/* a plaintext listener hidden in an included file is found */
	snprintf(f2, sizeof(f2), "%s/b.conf", sub);
	fp = fopen(f2, "w");
	assert_non_null(fp);
	fputs("listener 1883\n", fp);
	fclose(fp);
	assert_int_not_equal(audit(text, &a), SL_OK);
	assert_non_null(strstr(a.problem, "b.conf:1"));
	/* whole-file entry point */
	snprintf(f1, sizeof(f1), "%s/main.conf", dir);
	fp = fopen(f1, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(&a, 0, sizeof(a));
	assert_int_not_equal(listeners_audit_file(f1, &a), SL_OK);
	unlink(f2);
	memset(&a, 0, sizeof(a));
	assert_int_equal(listeners_audit_file(f1, &a), SL_OK);
	memset(&a, 0, sizeof(a));
	snprintf(f2, sizeof(f2), "%s/missing.conf", dir);
	assert_int_not_equal(listeners_audit_file(f2, &a), SL_OK);
	assert_non_null(strstr(a.problem, "missing.conf"));
	snprintf(text, sizeof(text), "%s/conf.d/a.conf", dir);
	unlink(text);
	rmdir(sub);
	unlink(f1);
	rmdir(dir);
}

static void test_own_config(void **state)
{
	char buf[256];

	(void)state;
	/* this test program was not started with -c */
	assert_int_equal(listeners_own_config(buf, sizeof(buf)), SL_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_only),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_include_dir),
		cmocka_unit_test(test_own_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
