/*
 * test_limits.c - size limits of the site configuration, enforced by the
 * real broker: a payload over message_size_limit is dropped, a packet over
 * max_packet_size ends the connection, and an admin answer of the largest
 * size the protocol allows still gets through.
 *
 * The limits are read from the shipped snippet data/smartlock.conf.in, so the
 * test checks the values a site really runs with.
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
#include "smartlock/protocol.h"

struct fx {
	struct pf f;
	long message_limit, packet_limit;
	struct harness_client *obs;
};

/* The value of "key N" in the snippet, or -1. */
static long conf_value(const char *text, const char *key)
{
	const char *p = text;
	size_t n = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == '\n') && (p[n] == ' ' || p[n] == '\t'))
			return strtol(p + n, NULL, 10);
		p += n;
	}
	return -1;
}

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof(*x));
	char path[HARNESS_PATH_MAX], extra[256];
	char *snippet;

	if (!x || pf_init(&x->f) != 0)
		return -1;
	harness_source_path(path, sizeof(path), "data/smartlock.conf.in");
	snippet = harness_read_file(path);
	if (!snippet)
		return -1;
	x->message_limit = conf_value(snippet, "message_size_limit");
	x->packet_limit = conf_value(snippet, "max_packet_size");
	free(snippet);
	if (x->message_limit <= 0 || x->packet_limit <= 0)
		return -1;
	pf_default_accounts(&x->f);
	pf_save(&x->f);
	pf_fmt(extra, sizeof(extra), "message_size_limit %ld\nmax_packet_size %ld\n",
			x->message_limit, x->packet_limit);
	if (pf_start(&x->f, "192.168.0.0/16", extra) != 0)
		return -1;
	x->obs = pf_connect(&x->f, "agent", NULL);
	if (!x->obs || harness_client_subscribe(x->obs, "smartlock/#", 1) != 1)
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;

	harness_client_destroy(x->obs);
	pf_finish(&x->f);
	free(x);
	return 0;
}

static void test_limits_fit_the_protocol(void **state)
{
	struct fx *x = *state;

	/* every payload of the protocol fits, admin answers included */
	assert_true(x->message_limit >= SL_ADMIN_RES_MAX);
	assert_true(x->packet_limit >= x->message_limit + SL_TOPIC_MAX + 16);
	/* and not much more: this is a small device */
	assert_true(x->packet_limit <= 128 * 1024);
}

static void test_oversized_payload_dropped(void **state)
{
	struct fx *x = *state;
	struct harness_client *olga = pf_connect(&x->f, "olga", NULL);
	size_t len = (size_t)x->message_limit + 1;
	char *big = malloc(len + 1);
	int rc;

	assert_non_null(olga);
	assert_non_null(big);
	memset(big, 'x', len);
	big[len] = '\0';
	rc = harness_client_publish(olga, "smartlock/front-door/lockReq/olga", big, len, 1, false);
	/* either dropped with an acknowledgement or the connection ended */
	if (rc == 0)
		assert_int_equal(harness_client_publish_str(olga,
				"smartlock/front-door/lockReq/olga", "marker", 1, false), 0);
	else
		assert_int_equal(harness_client_publish_str(x->obs,
				"smartlock/front-door/state", "marker", 1, false), 0);
	for (;;) {
		struct harness_msg *m = harness_client_wait(x->obs, NULL, 5000);

		assert_non_null(m);
		assert_true(m->len < len);
		if (strcmp(m->payload, "marker") == 0) {
			harness_msg_free(m);
			break;
		}
		harness_msg_free(m);
	}
	free(big);
	harness_client_destroy(olga);
}

static void test_oversized_packet_disconnects(void **state)
{
	struct fx *x = *state;
	size_t len = (size_t)x->packet_limit + 1;
	char *big = malloc(len);
	char byte;
	int fd;

	assert_non_null(big);
	memset(big, 'y', len);
	fd = pf_raw_connect(&x->f, "big-packet", "olga", "pw-olga", NULL, NULL, NULL);
	assert_true(fd >= 0);
	(void)pf_raw_publish(fd, "smartlock/front-door/lockReq/olga", big, len);
	/* the broker closes the connection: read returns EOF (or an error) */
	assert_true(read(fd, &byte, 1) <= 0);
	close(fd);
	assert_int_equal(harness_client_publish_str(x->obs, "smartlock/front-door/state",
			"marker2", 1, false), 0);
	assert_int_equal(pf_wait_payload(x->obs, "marker2", 5000), 1);
	free(big);
}

/* The largest admin answer the protocol allows goes through. */
static void test_largest_admin_answer_fits(void **state)
{
	struct fx *x = *state;
	struct harness_client *olga = pf_connect(&x->f, "olga", NULL);
	struct harness_client *agent = pf_connect(&x->f, "agent", NULL);
	char *big = malloc(SL_ADMIN_RES_MAX + 1);
	struct harness_msg *m;

	assert_non_null(olga);
	assert_non_null(agent);
	assert_non_null(big);
	memset(big, 'z', SL_ADMIN_RES_MAX);
	big[SL_ADMIN_RES_MAX] = '\0';
	assert_int_equal(harness_client_subscribe(olga, "smartlock/+/adminRes/olga", 1), 1);
	assert_int_equal(harness_client_publish(agent, "smartlock/front-door/adminRes/olga",
			big, SL_ADMIN_RES_MAX, 1, false), 0);
	m = harness_client_wait(olga, NULL, 5000);
	assert_non_null(m);
	assert_int_equal(m->len, SL_ADMIN_RES_MAX);
	harness_msg_free(m);
	free(big);
	harness_client_destroy(agent);
	harness_client_destroy(olga);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limits_fit_the_protocol),
		cmocka_unit_test(test_oversized_payload_dropped),
		cmocka_unit_test(test_oversized_packet_disconnects),
		cmocka_unit_test(test_largest_admin_answer_fits),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, setup, teardown);
	harness_cleanup();
	return rc;
}
