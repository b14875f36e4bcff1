/* test_atomicfile.c - atomic writes (content, exact mode, no leftovers) and bounded reads. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/atomicfile.h"

#define DIR_TEMPLATE "/tmp/test_atomicfile.XXXXXX"

/* The state of every test is the name of the group's temporary directory. */
static int setup(void **state)
{
	char *dir = malloc(sizeof(DIR_TEMPLATE));

	if (!dir)
		return -1;
	memcpy(dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
	if (!mkdtemp(dir)) {
		free(dir);
		return -1;
	}
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	char *dir = *state;
	char cmd[256];
	int rc;

	snprintf(cmd, sizeof(cmd), "chmod -R u+rwx '%s'; rm -rf '%s'", dir, dir);
	rc = system(cmd) == 0 ? 0 : -1;
	free(dir);
	return rc;
}

static void path_in(const char *dir, char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Number of entries in d other than . and .. */
static unsigned count_entries(const char *d)
{
	struct dirent *e;
	unsigned n = 0;
	DIR *dp = opendir(d);

	assert_non_null(dp);
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	}
	closedir(dp);
	return n;
}

static void assert_file(const char *path, const char *content, mode_t mode)
{
	char *buf = NULL;
	struct stat st;
	size_t len = 0;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	assert_int_equal(atomic_read_file(path, 1 << 20, &buf, &len), SL_OK);
	assert_int_equal(len, strlen(content));
	assert_string_equal(buf, content);
	free(buf);
}

static void test_write_exact_mode_umask_022(void **state)
{
	char path[128];
	mode_t old = umask(022);

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "a.json");
	assert_int_equal(atomic_write_file(path, "hello", 5, 0600), SL_OK);
	assert_file(path, "hello", 0600);
	unlink(path);
	/* bits the umask would remove are kept */
	assert_int_equal(atomic_write_file(path, "x", 1, 0666), SL_OK);
	assert_file(path, "x", 0666);
	unlink(path);
	assert_int_equal(atomic_write_file(path, "y", 1, 0640), SL_OK);
	assert_file(path, "y", 0640);
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
	umask(old);
}

static void test_write_exact_mode_umask_077(void **state)
{
	char path[128];
	mode_t old = umask(077);

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "b.conf");
	assert_int_equal(atomic_write_file(path, "world\n", 6, 0644), SL_OK);
	assert_file(path, "world\n", 0644);
	unlink(path);
	assert_int_equal(atomic_write_file(path, "", 0, 0400), SL_OK);
	assert_file(path, "", 0400);
	unlink(path);
	umask(old);
}

static void test_replace(void **state)
{
	char path[128];
	struct stat before, after;

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "users.json");
	assert_int_equal(atomic_write_file(path, "old contents that are longer", 28, 0600), SL_OK);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(atomic_write_file(path, "new", 3, 0600), SL_OK);
	assert_int_equal(stat(path, &after), 0);
	assert_file(path, "new", 0600);
	/* replaced by rename, not rewritten in place */
	assert_int_not_equal(before.st_ino, after.st_ino);
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
}

static void test_replace_through_readonly_old_file(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "ro.json");
	assert_int_equal(atomic_write_file(path, "one", 3, 0400), SL_OK);
	assert_int_equal(atomic_write_file(path, "two", 3, 0400), SL_OK);
	assert_file(path, "two", 0400);
	unlink(path);
}

static void test_create_refuses_existing(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "enrol.conf");
	assert_int_equal(atomic_create_file(path, "first", 5, 0600), SL_OK);
	assert_file(path, "first", 0600);
	assert_int_equal(atomic_create_file(path, "second", 6, 0644), SL_ERR_EXISTS);
	assert_file(path, "first", 0600);
	/* no temporary file left behind */
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
}

static void test_create_refuses_existing_symlink(void **state)
{
	char path[128], target[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "dangling");
	path_in(dir, target, sizeof(target), "nowhere");
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(atomic_create_file(path, "x", 1, 0600), SL_ERR_EXISTS);
	assert_int_equal(access(target, F_OK), -1);
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
}

static void test_missing_directory_leaves_nothing(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "missing/x.json");
	assert_int_equal(atomic_write_file(path, "x", 1, 0600), SL_ERR_NOT_FOUND);
	assert_int_equal(atomic_create_file(path, "x", 1, 0600), SL_ERR_NOT_FOUND);
	assert_int_equal(count_entries(dir), 0);
}

static void test_failed_rename_cleans_up(void **state)
{
	char path[128], inner[160];

	const char *dir = *state;
	/* the target is a non-empty directory: the rename must fail after the
	 * temporary file was written */
	path_in(dir, path, sizeof(path), "adir");
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	assert_int_equal(atomic_write_file(inner, "kept", 4, 0600), SL_OK);
	assert_int_not_equal(atomic_write_file(path, "x", 1, 0600), SL_OK);
	assert_int_equal(count_entries(dir), 1);
	assert_file(inner, "kept", 0600);
	unlink(inner);
	rmdir(path);
}

static void test_unwritable_directory_keeps_old_file(void **state)
{
	char sub[128], path[160];

	const char *dir = *state;
	if (geteuid() == 0)
		skip();
	path_in(dir, sub, sizeof(sub), "ro");
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/f", sub);
	assert_int_equal(atomic_write_file(path, "old", 3, 0600), SL_OK);
	assert_int_equal(chmod(sub, 0500), 0);
	assert_int_equal(atomic_write_file(path, "new", 3, 0600), SL_ERR_PERM);
	assert_int_equal(chmod(sub, 0700), 0);
	assert_file(path, "old", 0600);
	assert_int_equal(count_entries(sub), 1);
	unlink(path);
	rmdir(sub);
}

/* A replacement keeps the replaced file's mode, narrowed to the one asked
 * for, never widened. */
static void test_replace_keeps_mode(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "kept");
	assert_int_equal(atomic_write_file(path, "one", 3, 0640), SL_OK);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(atomic_write_file(path, "two", 3, 0640), SL_OK);
	assert_file(path, "two", 0600);
	/* a secret opened to everybody by hand is narrowed again */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(atomic_write_file(path, "three", 5, 0640), SL_OK);
	assert_file(path, "three", 0640);
	unlink(path);
}

/* Find a user and a group to test ownership with: nobody and a group
 * other than its own. false when the system has none. */
static bool other_ids(uid_t *uid, gid_t *gid, gid_t *own_gid)
{
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("daemon");

	if (!pw || !gr || gr->gr_gid == pw->pw_gid)
		return false;
	*uid = pw->pw_uid;
	*own_gid = pw->pw_gid;
	*gid = gr->gr_gid;
	return true;
}

static void assert_owned(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, uid);
	assert_int_equal(st.st_gid, gid);
	assert_int_equal(st.st_mode & 07777, mode);
}

/* As root: a file of another user and group keeps both when replaced
 * (the broker's password file, rewritten by an agent run as root). */
static void test_replace_keeps_owner_as_root(void **state)
{
	char path[128], msg[256];
	uid_t uid = 0;
	gid_t gid = 0, own = 0;

	const char *dir = *state;
	if (geteuid() != 0 || !other_ids(&uid, &gid, &own)) {
		print_message("needs root, the user nobody and the group daemon: skipped\n");
		skip();
	}
	path_in(dir, path, sizeof(path), "passwd");
	assert_int_equal(atomic_write_file(path, "a", 1, 0640), SL_OK);
	assert_int_equal(chown(path, uid, gid), 0);
	assert_int_equal(atomic_check_replace(path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(atomic_write_file(path, "b", 1, 0640), SL_OK);
	assert_owned(path, uid, gid, 0640);
	assert_file(path, "b", 0640);
	assert_int_equal(count_entries(dir), 1);
	unlink(path);
}

/* Unprivileged (nobody, in a child): a file it owns in its own group is
 * replaced keeping both; one whose group it may not give is refused before
 * anything is replaced, with a sentence saying so. */
static void test_replace_unprivileged(void **state)
{
	char sub[128], path[160], msg[256];
	uid_t uid = 0;
	gid_t gid = 0, own = 0;
	pid_t pid;
	int status;

	const char *dir = *state;
	if (geteuid() != 0 || !other_ids(&uid, &gid, &own)) {
		print_message("needs root, the user nobody and the group daemon: skipped\n");
		skip();
	}
	assert_int_equal(chmod(dir, 0711), 0);   /* nobody passes through */
	path_in(dir, sub, sizeof(sub), "nobody");
	assert_int_equal(mkdir(sub, 0700), 0);
	assert_int_equal(chown(sub, uid, own), 0);
	snprintf(path, sizeof(path), "%s/passwd", sub);
	assert_int_equal(atomic_write_file(path, "old", 3, 0640), SL_OK);
	assert_int_equal(chown(path, uid, gid), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int rc = 0;

		if (setgroups(0, NULL) != 0 || setresgid(own, own, own) != 0 ||
				setresuid(uid, uid, uid) != 0)
			_exit(10);
		if (atomic_check_replace(path, msg, sizeof(msg)) != SL_ERR_PERM ||
				!strstr(msg, "not permitted"))
			rc |= 1;
		if (atomic_write_file(path, "new", 3, 0640) != SL_ERR_PERM)
			rc |= 2;
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* nothing replaced, nothing left behind */
	assert_file(path, "old", 0640);
	assert_owned(path, uid, gid, 0640);
	assert_int_equal(count_entries(sub), 1);
	/* its own group: replaced, owner, group and mode kept */
	assert_int_equal(chown(path, uid, own), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setresgid(own, own, own) != 0 ||
				setresuid(uid, uid, uid) != 0)
			_exit(10);
		_exit(atomic_write_file(path, "new", 3, 0640) == SL_OK ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_file(path, "new", 0640);
	assert_owned(path, uid, own, 0640);
	unlink(path);
	rmdir(sub);
	assert_int_equal(chmod(dir, 0700), 0);
}

static void test_relative_path(void **state)
{
	int cwd = open(".", O_RDONLY | O_DIRECTORY);

	const char *dir = *state;
	assert_true(cwd >= 0);
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(atomic_write_file("rel.txt", "r", 1, 0600), SL_OK);
	assert_int_equal(atomic_create_file("rel2.txt", "s", 1, 0600), SL_OK);
	assert_int_equal(atomic_sync_parent("rel.txt"), SL_OK);
	assert_int_equal(fchdir(cwd), 0);
	close(cwd);
	{
		char p[128];

		path_in(dir, p, sizeof(p), "rel.txt");
		assert_file(p, "r", 0600);
		unlink(p);
		path_in(dir, p, sizeof(p), "rel2.txt");
		assert_file(p, "s", 0600);
		unlink(p);
	}
}

static void test_invalid_paths(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "");       /* ends with '/' */
	assert_int_equal(atomic_write_file(path, "x", 1, 0600), SL_ERR_INVAL);
	assert_int_equal(atomic_write_file(NULL, "x", 1, 0600), SL_ERR_INVAL);
	assert_int_equal(count_entries(dir), 0);
}

static void test_large_round_trip(void **state)
{
	size_t n = 3 * 1024 * 1024 + 17, len = 0;
	char path[128];
	char *data = malloc(n), *back = NULL;

	const char *dir = *state;
	assert_non_null(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)(i * 131 + (i >> 9));
	path_in(dir, path, sizeof(path), "big");
	assert_int_equal(atomic_write_file(path, data, n, 0600), SL_OK);
	assert_int_equal(atomic_read_file(path, n, &back, &len), SL_OK);
	assert_int_equal(len, n);
	assert_memory_equal(back, data, n);
	assert_int_equal(back[n], '\0');
	free(back);
	back = (char *)1;
	assert_int_equal(atomic_read_file(path, n - 1, &back, &len), SL_ERR_TOO_LARGE);
	assert_null(back);
	free(data);
	unlink(path);
}

static void test_read_limit(void **state)
{
	char path[128];
	char *buf = NULL;
	size_t len = 99;

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "hundred");
	{
		char data[100];

		memset(data, 'h', sizeof(data));
		assert_int_equal(atomic_write_file(path, data, sizeof(data), 0600), SL_OK);
	}
	assert_int_equal(atomic_read_file(path, 100, &buf, &len), SL_OK);
	assert_int_equal(len, 100);
	assert_int_equal(strlen(buf), 100);
	free(buf);
	buf = NULL;
	assert_int_equal(atomic_read_file(path, 99, &buf, &len), SL_ERR_TOO_LARGE);
	assert_null(buf);
	assert_int_equal(atomic_read_file(path, 0, &buf, &len), SL_ERR_TOO_LARGE);
	unlink(path);

	/* empty file */
	path_in(dir, path, sizeof(path), "empty");
	assert_int_equal(atomic_write_file(path, NULL, 0, 0600), SL_OK);
	assert_int_equal(atomic_read_file(path, 0, &buf, &len), SL_OK);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	unlink(path);
}

static void test_read_does_not_trust_st_size(void **state)
{
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	/* procfs files report size 0 but have contents */
	assert_int_equal(atomic_read_file("/proc/self/status", 1 << 20, &buf, &len), SL_OK);
	assert_true(len > 0);
	assert_int_equal(strncmp(buf, "Name:", 5), 0);
	assert_int_equal(strlen(buf), len);
	free(buf);
	buf = NULL;
	assert_int_equal(atomic_read_file("/proc/self/status", 10, &buf, &len), SL_ERR_TOO_LARGE);
	assert_null(buf);
}

static void test_read_errors(void **state)
{
	char path[128];
	char *buf = (char *)1;
	size_t len = 7;

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "absent");
	assert_int_equal(atomic_read_file(path, 100, &buf, &len), SL_ERR_NOT_FOUND);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(atomic_read_file(dir, 100, &buf, &len), SL_ERR_IO);
	path_in(dir, path, sizeof(path), "fifo");
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(atomic_read_file(path, 100, &buf, &len), SL_ERR_IO);
	unlink(path);
	if (geteuid() != 0) {
		path_in(dir, path, sizeof(path), "noperm");
		assert_int_equal(atomic_write_file(path, "x", 1, 0000), SL_OK);
		assert_int_equal(atomic_read_file(path, 100, &buf, &len), SL_ERR_PERM);
		unlink(path);
	}
}

static void test_sync_parent(void **state)
{
	char path[128];

	const char *dir = *state;
	path_in(dir, path, sizeof(path), "any-name");
	assert_int_equal(atomic_sync_parent(path), SL_OK);
	path_in(dir, path, sizeof(path), "missing/any-name");
	assert_int_equal(atomic_sync_parent(path), SL_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_exact_mode_umask_022),
		cmocka_unit_test(test_write_exact_mode_umask_077),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_replace_through_readonly_old_file),
		cmocka_unit_test(test_replace_keeps_mode),
		cmocka_unit_test(test_replace_keeps_owner_as_root),
		cmocka_unit_test(test_replace_unprivileged),
		cmocka_unit_test(test_create_refuses_existing),
		cmocka_unit_test(test_create_refuses_existing_symlink),
		cmocka_unit_test(test_missing_directory_leaves_nothing),
		cmocka_unit_test(test_failed_rename_cleans_up),
		cmocka_unit_test(test_unwritable_directory_keeps_old_file),
		cmocka_unit_test(test_relative_path),
		cmocka_unit_test(test_invalid_paths),
		cmocka_unit_test(test_large_round_trip),
		cmocka_unit_test(test_read_limit),
		cmocka_unit_test(test_read_does_not_trust_st_size),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_sync_parent),
	};

	return cmocka_run_group_tests_name("atomicfile", tests, setup, teardown);
}
