/* test_passwd.c - the broker password file: hashing, parsing, saving. */
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

#include "smartlock/passwd.h"

#define ITER 1000

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_passwd.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/passwd", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char tmp[160];

	unlink(f->path);
	snprintf(tmp, sizeof(tmp), "%s/other", f->dir);
	unlink(tmp);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text, mode_t mode)
{
	FILE *fp;

	unlink(path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void make_hash(const char *pw, char *out)
{
	assert_int_equal(passwd_hash_iter(pw, ITER, out, SL_PASSWD_HASH_MAX), SL_OK);
}

static void test_hash_verify(void **state)
{
	char h1[SL_PASSWD_HASH_MAX], h2[SL_PASSWD_HASH_MAX];
	unsigned it = 0;

	(void)state;
	make_hash("correct horse", h1);
	make_hash("correct horse", h2);
	assert_string_not_equal(h1, h2);        /* fresh salt each time */
	assert_true(strncmp(h1, "$pbkdf2-sha512$1000$", 20) == 0);
	assert_int_equal(passwd_hash_check(h1, &it), SL_OK);
	assert_int_equal(it, ITER);
	assert_int_equal(passwd_verify("correct horse", h1), SL_OK);
	assert_int_equal(passwd_verify("correct horse", h2), SL_OK);
	assert_int_equal(passwd_verify("correct hors", h1), SL_ERR_PERM);
	assert_int_equal(passwd_verify("correct horse ", h1), SL_ERR_PERM);
	assert_int_equal(passwd_verify("", h1), SL_ERR_PERM);
	assert_null(strchr(h1, ':'));
}

static void test_hash_default_iterations(void **state)
{
	char h[SL_PASSWD_HASH_MAX];
	unsigned it = 0;

	(void)state;
	assert_int_equal(passwd_hash("pw", h, sizeof(h)), SL_OK);
	assert_int_equal(passwd_hash_check(h, &it), SL_OK);
	assert_int_equal(it, SL_PBKDF2_ITERATIONS);
	assert_int_equal(passwd_verify("pw", h), SL_OK);
}

static void test_hash_bounds(void **state)
{
	char h[SL_PASSWD_HASH_MAX];

	(void)state;
	assert_int_equal(passwd_hash_iter("pw", SL_PBKDF2_MIN_ITERATIONS - 1, h, sizeof(h)), SL_ERR_RANGE);
	assert_int_equal(passwd_hash_iter("pw", SL_PBKDF2_MAX_ITERATIONS + 1, h, sizeof(h)), SL_ERR_RANGE);
	assert_int_equal(passwd_hash_iter("pw", ITER, h, 20), SL_ERR_TOO_LONG);
	assert_string_equal(h, "");
	assert_int_equal(passwd_hash_iter(NULL, ITER, h, sizeof(h)), SL_ERR_INVAL);
}

static void test_malformed_hashes(void **state)
{
	char good[SL_PASSWD_HASH_MAX], bad[SL_PASSWD_HASH_MAX + 8];
	const char *cases[] = {
		"",
		"plain",
		"$pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA$x",
		"$pbkdf2-sha512$$AAAAAAAAAAAAAAAAAAAAAA$x",
		"$pbkdf2-sha512$999$AAAAAAAAAAAAAAAAAAAAAA$x",
		"$pbkdf2-sha512$01000$AAAAAAAAAAAAAAAAAAAAAA$x",
		"$pbkdf2-sha512$1000",
		"$pbkdf2-sha512$1000$AAAA",
		"$pbkdf2-sha512$1e3$AAAAAAAAAAAAAAAAAAAAAA$x",
	};
	char *last;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_not_equal(passwd_hash_check(cases[i], NULL), SL_OK);
		assert_int_not_equal(passwd_verify("x", cases[i]), SL_OK);
	}
	make_hash("pw", good);
	/* truncate the derived key, corrupt it, make the salt too short */
	snprintf(bad, sizeof(bad), "%s", good);
	bad[strlen(bad) - 1] = '\0';
	assert_int_not_equal(passwd_hash_check(bad, NULL), SL_OK);
	snprintf(bad, sizeof(bad), "%s", good);
	last = strrchr(bad, '$');
	last[1] = '*';
	assert_int_not_equal(passwd_hash_check(bad, NULL), SL_OK);
	assert_int_not_equal(passwd_verify("pw", bad), SL_OK);
	snprintf(bad, sizeof(bad), "$pbkdf2-sha512$1000$AAAA%s", strrchr(good, '$'));
	assert_int_not_equal(passwd_hash_check(bad, NULL), SL_OK);
	/* a flipped character of the derived key must not verify */
	snprintf(bad, sizeof(bad), "%s", good);
	last = strrchr(bad, '$');
	last[5] = last[5] == 'A' ? 'B' : 'A';
	assert_int_equal(passwd_hash_check(bad, NULL), SL_OK);
	assert_int_equal(passwd_verify("pw", bad), SL_ERR_PERM);
}

static void test_generate(void **state)
{
	char a[32], b[32];

	(void)state;
	assert_int_equal(passwd_generate(a, sizeof(a)), SL_OK);
	assert_int_equal(passwd_generate(b, sizeof(b)), SL_OK);
	assert_int_equal(strlen(a), 24);
	assert_string_not_equal(a, b);
	assert_null(strpbrk(a, ":+/= \n"));
	assert_int_equal(passwd_generate(a, 10), SL_ERR_TOO_LONG);
}

static void test_roles(void **state)
{
	enum sl_passwd_role r;

	(void)state;
	assert_string_equal(passwd_role_name(SL_PW_OWNER), "owner");
	assert_string_equal(passwd_role_name(SL_PW_LOCK), "lock");
	assert_null(passwd_role_name((enum sl_passwd_role)42));
	assert_int_equal(passwd_role_parse("resident", &r), SL_OK);
	assert_int_equal(r, SL_PW_RESIDENT);
	assert_int_equal(passwd_role_parse("agent", &r), SL_OK);
	assert_int_equal(r, SL_PW_AGENT);
	assert_int_equal(passwd_role_parse("Owner", &r), SL_ERR_BAD_VALUE);
	assert_int_equal(passwd_role_parse("", &r), SL_ERR_BAD_VALUE);
}

static struct sl_passwd_entry entry(const char *name, enum sl_passwd_role role,
		bool home, bool on, bool alerts)
{
	struct sl_passwd_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.role = role;
	e.home_only = home;
	e.enabled = on;
	e.alerts = alerts;
	make_hash(name, e.hash);
	return e;
}

static void test_set_find_remove(void **state)
{
	struct passwd_file *pf = passwd_create();
	struct sl_passwd_entry e;
	const struct sl_passwd_entry *got;

	(void)state;
	assert_non_null(pf);
	e = entry("zed", SL_PW_GUEST, true, true, false);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("alice", SL_PW_OWNER, false, true, true);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("mike", SL_PW_RESIDENT, false, true, false);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	assert_int_equal(passwd_count(pf), 3);
	assert_string_equal(passwd_at(pf, 0)->name, "alice");
	assert_string_equal(passwd_at(pf, 1)->name, "mike");
	assert_string_equal(passwd_at(pf, 2)->name, "zed");
	assert_null(passwd_at(pf, 3));
	/* replace by name */
	e.enabled = false;
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	assert_int_equal(passwd_count(pf), 3);
	got = passwd_find(pf, "mike");
	assert_non_null(got);
	assert_false(got->enabled);
	assert_null(passwd_find(pf, "nobody"));
	assert_null(passwd_find(pf, "mik"));
	/* invalid entries are refused */
	e = entry("ok", SL_PW_GUEST, true, true, false);
	snprintf(e.name, sizeof(e.name), "bad:name");
	assert_int_equal(passwd_set(pf, &e), SL_ERR_INVAL);
	snprintf(e.name, sizeof(e.name), "+");
	assert_int_equal(passwd_set(pf, &e), SL_ERR_INVAL);
	e = entry("ok", SL_PW_GUEST, true, true, false);
	snprintf(e.hash, sizeof(e.hash), "cleartext");
	assert_int_equal(passwd_set(pf, &e), SL_ERR_INVAL);
	e = entry("ok", (enum sl_passwd_role)9, true, true, false);
	assert_int_equal(passwd_set(pf, &e), SL_ERR_INVAL);
	assert_int_equal(passwd_remove(pf, "mike"), SL_OK);
	assert_int_equal(passwd_remove(pf, "mike"), SL_ERR_NOT_FOUND);
	assert_int_equal(passwd_count(pf), 2);
	assert_string_equal(passwd_at(pf, 1)->name, "zed");
	passwd_destroy(pf);
	passwd_destroy(NULL);
}

static void test_save_load_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct passwd_file *pf = passwd_create(), *back;
	struct sl_passwd_entry e;
	const struct sl_passwd_entry *g;
	struct stat st;
	char msg[256];

	assert_non_null(pf);
	e = entry("owner", SL_PW_OWNER, false, true, true);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("agent", SL_PW_AGENT, false, true, false);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("front-door", SL_PW_LOCK, false, true, false);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("gina", SL_PW_GUEST, true, false, false);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	e = entry("rita", SL_PW_RESIDENT, false, true, true);
	assert_int_equal(passwd_set(pf, &e), SL_OK);
	assert_int_equal(passwd_save(pf, f->path), SL_OK);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	back = passwd_load(f->path, msg, sizeof(msg));
	assert_non_null(back);
	assert_int_equal(passwd_count(back), 5);
	for (size_t i = 0; i < 5; i++) {
		const struct sl_passwd_entry *a = passwd_at(pf, i), *b = passwd_at(back, i);

		assert_string_equal(a->name, b->name);
		assert_int_equal(a->role, b->role);
		assert_int_equal(a->home_only, b->home_only);
		assert_int_equal(a->enabled, b->enabled);
		assert_int_equal(a->alerts, b->alerts);
		assert_string_equal(a->hash, b->hash);
	}
	g = passwd_find(back, "gina");
	assert_non_null(g);
	assert_true(g->home_only);
	assert_false(g->enabled);
	assert_int_equal(passwd_verify("gina", g->hash), SL_OK);
	passwd_destroy(back);
	passwd_destroy(pf);
}

static void test_load_legacy_and_comments(void **state)
{
	struct fixture *f = *state;
	char h[SL_PASSWD_HASH_MAX], text[1024], msg[256];
	struct passwd_file *pf;
	const struct sl_passwd_entry *e;

	make_hash("pw", h);
	snprintf(text, sizeof(text),
			"# comment\n\n"
			"bob:resident:any:on:%s\n"
			"carl:resident:home:off:%s:alerts\n"
			"dora:guest:home:on:%s:noalerts", h, h, h);  /* no final newline */
	write_text(f->path, text, 0600);
	pf = passwd_load(f->path, msg, sizeof(msg));
	assert_non_null(pf);
	assert_int_equal(passwd_count(pf), 3);
	e = passwd_find(pf, "bob");
	assert_non_null(e);
	assert_false(e->alerts);
	assert_false(e->home_only);
	assert_true(e->enabled);
	e = passwd_find(pf, "carl");
	assert_true(e->alerts);
	assert_true(e->home_only);
	assert_false(e->enabled);
	e = passwd_find(pf, "dora");
	assert_int_equal(e->role, SL_PW_GUEST);
	assert_false(e->alerts);
	passwd_destroy(pf);
}

static void expect_load_error(const char *path, const char *text, mode_t mode,
		const char *needle)
{
	char msg[256];
	struct passwd_file *pf;

	write_text(path, text, mode);
	pf = passwd_load(path, msg, sizeof(msg));
	if (pf)
		print_error("loaded although expected: %s\n", needle);
	assert_null(pf);
	if (!strstr(msg, needle))
		print_error("message \"%s\" lacks \"%s\"\n", msg, needle);
	assert_non_null(strstr(msg, needle));
	assert_non_null(strstr(msg, path));
}

static void test_load_errors(void **state)
{
	struct fixture *f = *state;
	char h[SL_PASSWD_HASH_MAX], t[1024], msg[256];

	make_hash("pw", h);
	snprintf(t, sizeof(t), "a:owner:any:on:%s\na:guest:home:on:%s\n", h, h);
	expect_load_error(f->path, t, 0600, ":2: name: account listed twice");
	snprintf(t, sizeof(t), "a:boss:any:on:%s\n", h);
	expect_load_error(f->path, t, 0600, ":1: role");
	snprintf(t, sizeof(t), "#x\na:owner:world:on:%s\n", h);
	expect_load_error(f->path, t, 0600, ":2: origin");
	snprintf(t, sizeof(t), "a:owner:any:yes:%s\n", h);
	expect_load_error(f->path, t, 0600, ":1: state");
	expect_load_error(f->path, "a:owner:any:on:secret\n", 0600, ":1: hash");
	snprintf(t, sizeof(t), "a:owner:any:on:%s:maybe\n", h);
	expect_load_error(f->path, t, 0600, ":1: alerts");
	snprintf(t, sizeof(t), "a:owner:any:on:%s:alerts:x\n", h);
	expect_load_error(f->path, t, 0600, ":1: expected");
	expect_load_error(f->path, "a:owner:any\n", 0600, ":1: expected");
	snprintf(t, sizeof(t), "a/b:owner:any:on:%s\n", h);
	expect_load_error(f->path, t, 0600, ":1: name");
	snprintf(t, sizeof(t), ":owner:any:on:%s\n", h);
	expect_load_error(f->path, t, 0600, ":1: name");
	snprintf(t, sizeof(t), "a:owner:any:on:%s\n", h);
	expect_load_error(f->path, t, 0644, "unsafe mode");
	expect_load_error(f->path, t, 0660, "unsafe mode");
	/* the same file is accepted with a safe mode */
	write_text(f->path, t, 0640);
	{
		struct passwd_file *pf = passwd_load(f->path, msg, sizeof(msg));

		assert_non_null(pf);
		passwd_destroy(pf);
	}
	unlink(f->path);
	assert_null(passwd_load(f->path, msg, sizeof(msg)));
	assert_non_null(strstr(msg, f->path));
}

static void test_save_refuses_bad_entries(void **state)
{
	struct fixture *f = *state;
	struct passwd_file *pf = passwd_create();
	struct sl_passwd_entry e = entry("ok", SL_PW_GUEST, true, true, false);

	assert_int_equal(passwd_set(pf, &e), SL_OK);
	assert_int_equal(passwd_save(pf, f->path), SL_OK);
	assert_int_equal(passwd_save(NULL, f->path), SL_ERR_INVAL);
	passwd_destroy(pf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_verify),
		cmocka_unit_test(test_hash_default_iterations),
		cmocka_unit_test(test_hash_bounds),
		cmocka_unit_test(test_malformed_hashes),
		cmocka_unit_test(test_generate),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_set_find_remove),
		cmocka_unit_test_setup_teardown(test_save_load_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_legacy_and_comments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_bad_entries, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
