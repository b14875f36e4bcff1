/* test_seqstore.c - the persisted last accepted command sequence number. */
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

#include "seqstore.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/smartlock-seq-test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/lockd.state", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	chmod(f->dir, 0700);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void missing_file_is_created_with_zero(void **state)
{
	struct fixture *f = *state;
	struct seq_store st;
	char msg[256];
	struct stat sb;

	assert_int_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(st.last, 0);
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_false(seqstore_is_newer(&st, 0));
	assert_true(seqstore_is_newer(&st, 1));
}

static void accepted_seq_survives_a_restart(void **state)
{
	struct fixture *f = *state;
	struct seq_store st, again;
	char msg[256];

	assert_int_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&st, 41), SL_OK);
	assert_int_equal(seqstore_accept(&st, 42), SL_OK);
	assert_int_equal(seqstore_accept(&st, 42), SL_ERR_RANGE);
	assert_int_equal(seqstore_accept(&st, 7), SL_ERR_RANGE);
	assert_int_equal(st.last, 42);

	assert_int_equal(seqstore_open(&again, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(again.last, 42);
	assert_false(seqstore_is_newer(&again, 42));
	assert_true(seqstore_is_newer(&again, 43));
}

static void damaged_file_is_an_error_not_a_reset(void **state)
{
	struct fixture *f = *state;
	struct seq_store st;
	char msg[256] = "";

	write_file(f->path, "last_seq = banana\n");
	assert_int_not_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, "last_seq"));
	write_file(f->path, "");
	assert_int_not_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
	write_file(f->path, "last_seq = -1\n");
	assert_int_not_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
}

static void failed_write_leaves_the_store_unchanged(void **state)
{
	struct fixture *f = *state;
	struct seq_store st;
	char msg[256];

	assert_int_equal(seqstore_open(&st, f->path, msg, sizeof(msg)), SL_OK);
	assert_int_equal(seqstore_accept(&st, 5), SL_OK);
	/* The directory disappears (root writes through any mode bits). */
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(rmdir(f->dir), 0);
	assert_int_not_equal(seqstore_accept(&st, 6), SL_OK);
	assert_int_equal(st.last, 5);
	assert_true(seqstore_is_newer(&st, 6));
}

static void failed_write_via_missing_directory(void **state)
{
	struct fixture *f = *state;
	struct seq_store st;
	char msg[256];
	char path[200];

	snprintf(path, sizeof(path), "%s/no-such-dir/lockd.state", f->dir);
	assert_int_not_equal(seqstore_open(&st, path, msg, sizeof(msg)), SL_OK);
	assert_non_null(strstr(msg, "cannot create state file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(missing_file_is_created_with_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(accepted_seq_survives_a_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(damaged_file_is_an_error_not_a_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_leaves_the_store_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(failed_write_via_missing_directory, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
