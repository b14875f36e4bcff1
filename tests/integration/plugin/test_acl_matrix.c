/*
 * test_acl_matrix.c - every role against every topic of the tree, publish
 * and subscribe, through the real Mosquitto loading smartlock_auth.so.
 *
 * Publishes are judged by an agent connection subscribed to smartlock/#:
 * mosquitto 2 drops a denied publish silently, so after each probe the
 * publisher sends a marker on a topic it may use, and the probe counts as
 * delivered only if it reached the observer before the marker. Subscribes
 * are judged by the SUBACK; a granted subscription must also deliver a
 * message the agent publishes on a matching topic. The expectations are
 * written out here, independently of the plugin's own table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pluginfix.h"

struct column {
	const char *fmt;        /* %1$s = self, %2$s = another user */
	bool sub_only;
	const char *deliver;    /* for filters: a concrete topic they match */
};

static const struct column columns[] = {
	/* 0 */ {"smartlock/front-door/lockReq/%1$s", false, NULL},
	/* 1 */ {"smartlock/front-door/lockReq/%2$s", false, NULL},
	/* 2 */ {"smartlock/front-door/lockRes/%1$s", false, NULL},
	/* 3 */ {"smartlock/front-door/lockRes/%2$s", false, NULL},
	/* 4 */ {"smartlock/front-door/admin/%1$s", false, NULL},
	/* 5 */ {"smartlock/front-door/adminRes/%1$s", false, NULL},
	/* 6 */ {"smartlock/front-door/lock", false, NULL},
	/* 7 */ {"smartlock/front-door/lockStatus", false, NULL},
	/* 8 */ {"smartlock/front-door/health", false, NULL},
	/* 9 */ {"smartlock/front-door/state", false, NULL},
	/* 10 */ {"smartlock/front-door/securityAlert", false, NULL},
	/* 11 */ {"smartlock/front-door/log", false, NULL},
	/* 12 */ {"smartlock/_site/loginFailed", false, NULL},
	/* 13 */ {"smartlock/back-door/lock", false, NULL},
	/* 14 */ {"smartlock/back-door/health", false, NULL},
	/* 15 */ {"#", true, "smartlock/front-door/state"},
	/* 16 */ {"$SYS/#", true, NULL},
	/* 17 */ {"smartlock/#", true, "smartlock/front-door/state"},
	/* 18 */ {"smartlock/+/state", true, "smartlock/back-door/state"},
	/* 19 */ {"smartlock/+/lockRes/+", true, "smartlock/back-door/lockRes/zoe"},
};

#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/*
 * Per role: publish expectations then subscribe expectations, one character
 * per column: 'y' allowed, 'n' denied, '-' not applicable (filters cannot
 * be published to).
 */
struct row {
	const char *name;
	const char *other;
	const char *marker;     /* a topic this identity may publish to */
	const char *pub;
	const char *sub;
};

static const struct row rows[] = {
	/*                                                         0123456789012345678901 */
	{"olga", "gina", "smartlock/front-door/lockReq/olga",
		"ynnnynnnnnnnnnn-----", "nnynnynnyyyynnynnnyn"},
	{"rita", "olga", "smartlock/front-door/lockReq/rita",
		"ynnnynnnnnnnnnn-----", "nnynnynnyyynnnynnnyn"},
	{"rex", "olga", "smartlock/front-door/lockReq/rex",
		"ynnnnnnnnnnnnnn-----", "nnynnnnnyynnnnynnnyn"},
	{"gina", "olga", "smartlock/front-door/lockReq/gina",
		"ynnnnnnnnnnnnnn-----", "nnynnnnnyynnnnynnnyn"},
	{"agent", "olga", "smartlock/front-door/state",
		"yyyyyyyyyyyynyy-----", "yyyyyyyyyyyyyyynnyyy"},
	{"front-door", "olga", "smartlock/front-door/lockStatus",
		"nnnnnnnyynnnnnn-----", "nnnnnnynnnnnnnnnnnnn"},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct matrix {
	struct pf f;
	struct harness_client *obs;             /* agent on smartlock/# */
	struct harness_client *feeder;          /* agent, publishes for subscribers */
	struct harness_client *client[NROWS];
};

static int setup(void **state)
{
	struct matrix *m = calloc(1, sizeof(*m));

	if (!m || pf_init(&m->f) != 0)
		return -1;
	pf_default_accounts(&m->f);
	pf_save(&m->f);
	if (pf_start(&m->f, "192.168.0.0/16", NULL) != 0)
		return -1;
	m->obs = pf_connect(&m->f, "agent", NULL);
	m->feeder = pf_connect(&m->f, "agent", NULL);
	if (!m->obs || !m->feeder || harness_client_subscribe(m->obs, "smartlock/#", 1) != 1)
		return -1;
	for (size_t i = 0; i < NROWS; i++) {
		m->client[i] = pf_connect(&m->f, rows[i].name, NULL);
		if (!m->client[i])
			return -1;
	}
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct matrix *m = *state;

	for (size_t i = 0; i < NROWS; i++)
		harness_client_destroy(m->client[i]);
	harness_client_destroy(m->obs);
	harness_client_destroy(m->feeder);
	pf_finish(&m->f);
	free(m);
	return 0;
}

static void topic_of(char *buf, size_t size, const struct column *c, const struct row *r)
{
	/* the formats use only %1$s and %2$s */
	const char *p = c->fmt;
	size_t n = 0;

	while (*p && n + 1 < size) {
		if (p[0] == '%' && (p[1] == '1' || p[1] == '2') && p[2] == '$' && p[3] == 's') {
			const char *v = p[1] == '1' ? r->name : r->other;

			n += (size_t)snprintf(buf + n, size - n, "%s", v);
			p += 4;
		} else {
			buf[n++] = *p++;
		}
	}
	buf[n < size ? n : size - 1] = '\0';
}

static void test_publish(void **state)
{
	struct matrix *m = *state;
	unsigned cases = 0, failures = 0;

	for (size_t r = 0; r < NROWS; r++) {
		for (size_t c = 0; c < NCOLS; c++) {
			char topic[SL_TOPIC_MAX + 32], tag[32];
			char want = rows[r].pub[c];
			int got;

			if (want == '-')
				continue;
			topic_of(topic, sizeof(topic), &columns[c], &rows[r]);
			snprintf(tag, sizeof(tag), "p%zu.%zu", r, c);
			got = pf_delivered(m->client[r], topic, false, m->obs, rows[r].marker, tag);
			cases++;
			if (got < 0 || got != (want == 'y')) {
				print_error("publish: %s on %s: expected %s, got %s\n", rows[r].name,
						topic, want == 'y' ? "allow" : "deny",
						got < 0 ? "no marker" : got ? "allow" : "deny");
				failures++;
			}
		}
	}
	print_message("publish cases: %u\n", cases);
	assert_true(cases >= 60);
	assert_int_equal(failures, 0);
}

static void test_subscribe(void **state)
{
	struct matrix *m = *state;
	unsigned cases = 0, failures = 0;

	for (size_t r = 0; r < NROWS; r++) {
		for (size_t c = 0; c < NCOLS; c++) {
			char topic[SL_TOPIC_MAX + 32], payload[48];
			const char *deliver_to;
			bool want = rows[r].sub[c] == 'y';
			int granted;

			topic_of(topic, sizeof(topic), &columns[c], &rows[r]);
			granted = harness_client_subscribe(m->client[r], topic, 1);
			cases++;
			if (granted < 0 || (granted != 128) != want) {
				print_error("subscribe: %s to %s: expected %s, SUBACK %d\n", rows[r].name,
						topic, want ? "granted" : "refused", granted);
				failures++;
				continue;
			}
			/* a granted subscription must really deliver */
			deliver_to = columns[c].deliver ? columns[c].deliver : topic;
			if (!want || c == 12 || c == 16)
				continue;
			snprintf(payload, sizeof(payload), "deliver-%zu.%zu", r, c);
			assert_int_equal(harness_client_publish_str(m->feeder, deliver_to, payload, 1, false), 0);
			if (!pf_wait_payload(m->client[r], payload, 3000)) {
				print_error("subscribe: %s to %s granted but %s not delivered\n",
						rows[r].name, topic, deliver_to);
				failures++;
			}
			harness_client_drain(m->client[r]);
		}
	}
	print_message("subscribe cases: %u\n", cases);
	assert_true(cases >= 60);
	assert_int_equal(failures, 0);
}

/* Users cannot leave retained messages behind; locks may (health). */
static void test_retain(void **state)
{
	struct matrix *m = *state;

	assert_int_equal(pf_delivered(m->client[0], "smartlock/front-door/lockReq/olga", true,
			m->obs, rows[0].marker, "r0"), 0);
	assert_int_equal(pf_delivered(m->client[3], "smartlock/front-door/lockReq/gina", true,
			m->obs, rows[3].marker, "r3"), 0);
	assert_int_equal(pf_delivered(m->client[5], "smartlock/front-door/health", true,
			m->obs, rows[5].marker, "r5"), 1);
	assert_int_equal(pf_delivered(m->client[4], "smartlock/front-door/state", true,
			m->obs, rows[4].marker, "r4"), 1);
}

/* A last will is a publish: a lock's will on its health topic is
 * delivered, a will on the command topic is not. The sessions end without
 * DISCONNECT (raw connections closed), which is what fires a will. */
static void test_will(void **state)
{
	struct matrix *m = *state;
	int bad, good;

	bad = pf_raw_connect(&m->f, "will-bad", "front-door", "pw-front-door",
			"smartlock/front-door/lock", "forged-command", NULL);
	assert_true(bad >= 0);
	good = pf_raw_connect(&m->f, "will-good", "front-door", "pw-front-door",
			"smartlock/front-door/health", "offline-will", NULL);
	assert_true(good >= 0);
	harness_client_drain(m->obs);
	close(bad);
	close(good);
	/* the good will comes, the forged one never: read everything up to a
	 * marker the agent publishes after the good will arrived (by then the
	 * broker has handled both closes, and wills are sent at once) */
	for (bool got_will = false, done = false; !done;) {
		struct harness_msg *msg = harness_client_wait(m->obs, NULL, 5000);

		assert_non_null(msg);
		assert_string_not_equal(msg->payload, "forged-command");
		if (strcmp(msg->payload, "offline-will") == 0) {
			got_will = true;
			assert_int_equal(harness_client_publish_str(m->feeder,
					"smartlock/front-door/state", "after-will", 1, false), 0);
		}
		done = got_will && strcmp(msg->payload, "after-will") == 0;
		harness_msg_free(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_subscribe),
		cmocka_unit_test(test_retain),
		cmocka_unit_test(test_will),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
