/* test_enrol.c - the enrolment file: save, load, validation, privacy. */
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

#include "smartlock/enrol.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_enrol.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/alice.enrol", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct sl_enrolment sample(void)
{
	struct sl_enrolment e;

	memset(&e, 0, sizeof(e));
	snprintf(e.user, sizeof(e.user), "alice");
	e.role = SL_ROLE_OWNER;
	snprintf(e.lock, sizeof(e.lock), "front-door");
	snprintf(e.host, sizeof(e.host), "pi.home.arpa");
	e.port = 8883;
	e.tls = true;
	snprintf(e.cafile, sizeof(e.cafile), "/etc/smartlock/ca/ca.crt");
	snprintf(e.password, sizeof(e.password), "Zx_9-abcdefghijklmnopqrs");
	for (size_t i = 0; i < sizeof(e.key.bytes); i++)
		e.key.bytes[i] = (unsigned char)(i * 7 + 1);
	return e;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp;

	unlink(path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct sl_enrolment e = sample(), back;
	struct sl_config_error err;
	struct stat st;

	assert_int_equal(enrol_save(f->path, &e, false), SL_OK);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(enrol_load(f->path, &back, &err), SL_OK);
	assert_string_equal(back.user, "alice");
	assert_int_equal(back.role, SL_ROLE_OWNER);
	assert_string_equal(back.lock, "front-door");
	assert_string_equal(back.host, "pi.home.arpa");
	assert_int_equal(back.port, 8883);
	assert_true(back.tls);
	assert_string_equal(back.socket, "");
	assert_string_equal(back.cafile, "/etc/smartlock/ca/ca.crt");
	assert_string_equal(back.password, e.password);
	assert_memory_equal(back.key.bytes, e.key.bytes, sizeof(e.key.bytes));
	enrol_wipe(&back);
	assert_string_equal(back.password, "");
	for (size_t i = 0; i < sizeof(back.key.bytes); i++)
		assert_int_equal(back.key.bytes[i], 0);
}

static void test_refuses_overwrite(void **state)
{
	struct fixture *f = *state;
	struct sl_enrolment e = sample();

	assert_int_equal(enrol_save(f->path, &e, false), SL_OK);
	snprintf(e.password, sizeof(e.password), "another-password");
	assert_int_equal(enrol_save(f->path, &e, false), SL_ERR_EXISTS);
	assert_int_equal(enrol_save(f->path, &e, true), SL_OK);
}

static void test_socket_and_relative_cafile(void **state)
{
	struct fixture *f = *state;
	struct sl_enrolment e;
	struct sl_config_error err;
	char want[256];

	write_text(f->path,
			"user = bob\nrole = resident\nsocket = /run/mosquitto/smartlock.sock\n"
			"cafile = ca/ca.crt\npassword = pw\n"
			"signing_key = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
			0600);
	assert_int_equal(enrol_load(f->path, &e, &err), SL_OK);
	assert_string_equal(e.socket, "/run/mosquitto/smartlock.sock");
	assert_string_equal(e.lock, SL_DEFAULT_LOCK);        /* default */
	assert_int_equal(e.port, 8883);
	snprintf(want, sizeof(want), "%s/ca/ca.crt", f->dir);
	assert_string_equal(e.cafile, want);
	assert_int_equal(e.role, SL_ROLE_RESIDENT);
	assert_int_equal(e.key.bytes[31], 0x1f);
	enrol_wipe(&e);
}

static void expect_error(const char *path, const char *text, mode_t mode,
		enum sl_err code, const char *key)
{
	struct sl_enrolment e;
	struct sl_config_error err;
	enum sl_err rc;

	write_text(path, text, mode);
	memset(&err, 0, sizeof(err));
	rc = enrol_load(path, &e, &err);
	if (rc != code || strcmp(err.key, key) != 0)
		print_error("got %d key \"%s\" msg \"%s\"; wanted %d key \"%s\"\n",
				rc, err.key, err.msg, code, key);
	assert_int_equal(rc, code);
	assert_string_equal(err.key, key);
	assert_non_null(strstr(err.file, path));
	/* no secret in the message */
	assert_null(strstr(err.msg, "s3cret"));
}

#define KEY "signing_key = 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"

static void test_errors(void **state)
{
	struct fixture *f = *state;

	expect_error(f->path, "user = a\nrole = owner\nhost = 10.0.0.2\ntls = false\n"
			"password = s3cret\n" KEY, 0600, SL_ERR_CONFIG_VALUE, "tls");
	expect_error(f->path, "user = a\nrole = owner\nhost = 10.0.0.2\n"
			"password = s3cret\n" KEY, 0600, SL_ERR_CONFIG_MISSING, "cafile");
	expect_error(f->path, "user = a\nrole = owner\npassword = s3cret\n" KEY, 0600,
			SL_ERR_CONFIG_MISSING, "host");
	expect_error(f->path, "user = a\nrole = king\nhost = localhost\npassword = s3cret\n" KEY,
			0600, SL_ERR_CONFIG_VALUE, "role");
	expect_error(f->path, "user = a/b\nrole = owner\nhost = localhost\npassword = s3cret\n" KEY,
			0600, SL_ERR_CONFIG_VALUE, "user");
	expect_error(f->path, "user = a\nrole = owner\nhost = localhost\n" KEY, 0600,
			SL_ERR_CONFIG_MISSING, "password");
	expect_error(f->path, "user = a\nrole = owner\nhost = localhost\npassword = s3cret\n"
			"signing_key = s3cret\n", 0600, SL_ERR_CONFIG_VALUE, "signing_key");
	expect_error(f->path, "user = a\nrole = owner\nhost = localhost\npassword = s3cret\n"
			"port = 70000\n" KEY, 0600, SL_ERR_CONFIG_VALUE, "port");
	expect_error(f->path, "user = a\nrole = owner\nhost = localhost\npassword = s3cret\n"
			"colour = blue\n" KEY, 0600, SL_ERR_CONFIG_KEY, "colour");
	/* readable by others: refused before parsing */
	expect_error(f->path, "user = a\nrole = owner\nhost = localhost\npassword = s3cret\n" KEY,
			0644, SL_ERR_PERM, "");
}

static void test_loopback_without_tls(void **state)
{
	struct fixture *f = *state;
	struct sl_enrolment e;
	struct sl_config_error err;

	write_text(f->path, "user = a\nrole = guest\nhost = 127.0.0.1\nport = 1884\ntls = no\n"
			"password = pw\n" KEY, 0600);
	assert_int_equal(enrol_load(f->path, &e, &err), SL_OK);
	assert_false(e.tls);
	assert_int_equal(e.port, 1884);
	enrol_wipe(&e);
}

static void test_save_validates(void **state)
{
	struct fixture *f = *state;
	struct sl_enrolment e = sample();

	snprintf(e.user, sizeof(e.user), "bad name");
	assert_int_equal(enrol_save(f->path, &e, false), SL_ERR_INVAL);
	e = sample();
	snprintf(e.password, sizeof(e.password), "line\nbreak");
	assert_int_equal(enrol_save(f->path, &e, false), SL_ERR_INVAL);
	e = sample();
	e.role = SL_ROLE_COUNT_;
	assert_int_equal(enrol_save(f->path, &e, false), SL_ERR_INVAL);
	e = sample();
	e.host[0] = '\0';
	assert_int_equal(enrol_save(f->path, &e, false), SL_ERR_INVAL);
	assert_int_equal(access(f->path, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_and_relative_cafile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_without_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_validates, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
