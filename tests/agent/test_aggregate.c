/* test_aggregate.c - repeated denials counted, one record per window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aggregate.h"

struct written {
	int n;
	char detail[4][320];
	char actor[4][40];
};

static void record(void *ctx, const struct audit_record *rec)
{
	struct written *w = ctx;

	assert_string_equal(rec->result, "repeated");
	if (w->n < 4) {
		snprintf(w->detail[w->n], sizeof(w->detail[0]), "%s", rec->detail);
		snprintf(w->actor[w->n], sizeof(w->actor[0]), "%s", rec->actor);
	}
	w->n++;
}

static const struct audit_record malformed = {"gina", "guest", "lockReq", "front-door", "?",
	"denied", "malformed", "The request could not be read.", 0};
static const struct audit_record stale = {"gina", "guest", "lockReq", "front-door", "unlock",
	"denied", "stale", "too old", 0};

static void test_repeats_counted(void **state)
{
	struct aggregate *g = calloc(1, sizeof(*g));
	struct written w = {0};

	(void)state;
	assert_non_null(g);
	/* the first is written, the next 99 identical ones are counted */
	assert_false(aggregate_absorb(g, &malformed, false, 60000, 1000, record, &w));
	for (int i = 0; i < 99; i++)
		assert_true(aggregate_absorb(g, &malformed, false, 60000, 1001 + i, record, &w));
	assert_int_equal(w.n, 0);
	/* another sender has its own window */
	assert_false(aggregate_absorb(g, &(struct audit_record){"rex", "guest", "lockReq",
				"front-door", "?", "denied", "malformed", "", 0}, false, 60000, 1200,
				record, &w));
	assert_true(aggregate_flush(g, 60000, 2000, false, record, &w) == 61000);
	/* another kind from gina closes her window: one counted record */
	assert_false(aggregate_absorb(g, &stale, false, 60000, 3000, record, &w));
	assert_int_equal(w.n, 1);
	assert_non_null(strstr(w.detail[0], "99 more denials"));
	assert_non_null(strstr(w.detail[0], "malformed"));
	/* over the budget any kind is absorbed */
	assert_true(aggregate_absorb(g, &malformed, true, 60000, 3001, record, &w));
	/* the window ends: the count is written; rex absorbed nothing: no record */
	aggregate_flush(g, 60000, 63000, false, record, &w);
	assert_int_equal(w.n, 2);
	assert_string_equal(w.actor[1], "gina");
	assert_non_null(strstr(w.detail[1], "1 more denials"));
	/* 0 = off */
	assert_false(aggregate_absorb(g, &malformed, false, 0, 70000, record, &w));
	assert_false(aggregate_absorb(g, &malformed, false, 0, 70001, record, &w));
	free(g);
}

static void test_full_table_closes_the_oldest(void **state)
{
	struct aggregate *g = calloc(1, sizeof(*g));
	struct written w = {0};
	char name[16];

	(void)state;
	assert_non_null(g);
	for (int i = 0; i < AGGREGATE_SLOTS; i++) {
		struct audit_record r = malformed;

		snprintf(name, sizeof(name), "u%d", i);
		r.actor = name;
		assert_false(aggregate_absorb(g, &r, false, 60000, 1000 + i, record, &w));
		assert_true(aggregate_absorb(g, &r, false, 60000, 1000 + i, record, &w));
	}
	assert_false(aggregate_absorb(g, &malformed, false, 60000, 5000, record, &w));
	assert_int_equal(w.n, 1);
	assert_string_equal(w.actor[0], "u0");
	aggregate_flush(g, 60000, 5000, true, record, &w);
	assert_int_equal(w.n, AGGREGATE_SLOTS);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_counted),
		cmocka_unit_test(test_full_table_closes_the_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
