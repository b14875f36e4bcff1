/* test_alerts.c - the agent's alert history (alerts.h): bounded, ids that
 * keep increasing across a reopen, acknowledgements that persist, and a
 * damaged file that is replaced rather than fatal. */
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

#include "smartlock/atomicfile.h"
#include "alerts.h"

struct fx {
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/sl-alerts-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/alerts.json", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void add(struct alert_history *h, const char *lock, const char *msg)
{
	struct sl_alert al;

	memset(&al, 0, sizeof(al));
	al.kind = SL_ALERT_LOCKOUT;
	snprintf(al.lock, sizeof(al.lock), "%s", lock);
	snprintf(al.msg, sizeof(al.msg), "%s", msg);
	al.time = 1795000000000;
	alerts_add(h, &al, 0);
	assert_true(al.id > 0);
}

static bool only_front(const char *lock, void *arg)
{
	(void)arg;
	return !lock[0] || strcmp(lock, "front-door") == 0;
}

static void test_bounded_and_kept(void **state)
{
	struct fx *f = *state;
	struct alert_history *h = alerts_open(f->path);
	uint64_t last;
	struct stat st;

	assert_non_null(h);
	for (int i = 0; i < ALERTS_MAX + 5; i++) {
		char msg[32];

		snprintf(msg, sizeof(msg), "alert %d", i);
		add(h, "front-door", msg);
	}
	assert_int_equal(alerts_count(h), ALERTS_MAX);
	assert_string_equal(alerts_at(h, 0)->msg, "alert 5");  /* the oldest went */
	last = alerts_last_id(h);
	assert_true(alerts_at(h, 0)->id < last);
	alerts_close(h);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* reopened: the same alerts, and new ids go on past the old ones */
	h = alerts_open(f->path);
	assert_int_equal(alerts_count(h), ALERTS_MAX);
	assert_int_equal(alerts_last_id(h), last);
	add(h, "", "site");
	assert_true(alerts_last_id(h) > last);
	alerts_close(h);
}

static void test_acks_persist_and_respect_locks(void **state)
{
	struct fx *f = *state;
	struct alert_history *h = alerts_open(f->path);
	uint64_t second;

	add(h, "front-door", "one");
	add(h, "back-door", "two");
	second = alerts_last_id(h);
	add(h, "front-door", "three");
	/* up to the second: the back door's is not this owner's to acknowledge */
	assert_int_equal(alerts_ack(h, second, true, only_front, NULL), 1);
	assert_true(alerts_at(h, 0)->acked);
	assert_false(alerts_at(h, 1)->acked);
	assert_false(alerts_at(h, 2)->acked);
	/* one alert; again is no change */
	assert_int_equal(alerts_ack(h, alerts_last_id(h), false, only_front, NULL), 1);
	assert_int_equal(alerts_ack(h, alerts_last_id(h), false, only_front, NULL), 0);
	alerts_close(h);     /* the acks were saved at once: no dirty state left */

	h = alerts_open(f->path);
	assert_int_equal(alerts_count(h), 3);
	assert_true(alerts_at(h, 0)->acked);
	assert_false(alerts_at(h, 1)->acked);
	assert_true(alerts_at(h, 2)->acked);
	alerts_close(h);
}

static void test_damaged_file_is_replaced(void **state)
{
	struct fx *f = *state;
	struct alert_history *h;
	const char torn[] = "{\"v\":1,\"alerts\":[{\"v\":1,\"kind\":\"lockout\",\"ti";

	assert_int_equal(atomic_write_file(f->path, torn, sizeof(torn) - 1, 0600), SL_OK);
	h = alerts_open(f->path);
	assert_non_null(h);
	assert_int_equal(alerts_count(h), 0);
	add(h, "front-door", "after");
	assert_true(alerts_save(h));
	alerts_close(h);
	h = alerts_open(f->path);
	assert_int_equal(alerts_count(h), 1);
	assert_string_equal(alerts_at(h, 0)->msg, "after");
	alerts_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bounded_and_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acks_persist_and_respect_locks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_file_is_replaced, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
