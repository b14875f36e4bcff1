/* test_origin.c - home networks, client addresses and the origin policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "origin.h"
#include "throttle.h"

static void test_parse_networks(void **state)
{
	struct origin_nets n;
	char msg[160];

	(void)state;
	assert_int_equal(origin_parse_networks("", &n, msg, sizeof(msg)), SL_OK);
	assert_int_equal(n.n, 0);
	assert_int_equal(origin_parse_networks(NULL, &n, msg, sizeof(msg)), SL_OK);
	assert_int_equal(origin_parse_networks("192.168.0.0/16, 10.0.0.0/8 fd00::/8,::1/128",
			&n, msg, sizeof(msg)), SL_OK);
	assert_int_equal(n.n, 4);
	assert_int_equal(n.v[0].family, AF_INET);
	assert_int_equal(n.v[0].prefix, 16);
	assert_int_equal(n.v[2].family, AF_INET6);
	assert_int_equal(n.v[3].prefix, 128);
	assert_int_equal(origin_parse_networks("0.0.0.0/0", &n, msg, sizeof(msg)), SL_OK);
	assert_int_equal(origin_parse_networks("::ffff:192.168.1.0/120", &n, msg, sizeof(msg)), SL_OK);
	assert_int_equal(n.v[0].family, AF_INET);
	assert_int_equal(n.v[0].prefix, 24);
}

static void test_parse_networks_errors(void **state)
{
	const char *bad[] = {
		"192.168.1.7/24",       /* host bits */
		"192.168.1.0",          /* no prefix */
		"192.168.1.0/33",
		"192.168.1.0/",
		"192.168.1.0/0x8",
		"192.168.1.0/08",
		"banana/8",
		"fd00::/129",
		"10.0.0.0/8;rm",
		"::ffff:10.0.0.0/90",
	};
	struct origin_nets n;
	char msg[160];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		assert_int_not_equal(origin_parse_networks(bad[i], &n, msg, sizeof(msg)), SL_OK);
		assert_non_null(strstr(msg, "home_networks"));
		assert_int_equal(n.n, 0);
	}
}

static void test_addresses(void **state)
{
	struct origin_addr a;

	(void)state;
	assert_int_equal(origin_parse_addr(NULL).kind, ORIGIN_INVALID);
	assert_int_equal(origin_parse_addr("").kind, ORIGIN_INVALID);
	assert_int_equal(origin_parse_addr("not-an-ip").kind, ORIGIN_INVALID);
	assert_int_equal(origin_parse_addr("/run/smartlock/mqtt.sock").kind, ORIGIN_SOCKET);
	assert_int_equal(origin_parse_addr("127.0.0.1").kind, ORIGIN_LOOPBACK);
	assert_int_equal(origin_parse_addr("127.3.4.5").kind, ORIGIN_LOOPBACK);
	assert_int_equal(origin_parse_addr("::1").kind, ORIGIN_LOOPBACK);
	assert_int_equal(origin_parse_addr("::ffff:127.0.0.1").kind, ORIGIN_LOOPBACK);
	assert_int_equal(origin_parse_addr("192.168.1.5").kind, ORIGIN_REMOTE);
	a = origin_parse_addr("fe80::1%eth0");
	assert_int_equal(a.kind, ORIGIN_REMOTE);
	assert_int_equal(a.family, AF_INET6);
	a = origin_parse_addr("::ffff:192.168.1.5");
	assert_int_equal(a.family, AF_INET);
}

static void test_membership(void **state)
{
	struct origin_nets n;
	struct origin_addr a;

	(void)state;
	assert_int_equal(origin_parse_networks("192.168.1.0/24 fd00::/8 10.1.2.3/32", &n, NULL, 0), SL_OK);
	a = origin_parse_addr("192.168.1.200");
	assert_true(origin_in_networks(&n, &a));
	a = origin_parse_addr("::ffff:192.168.1.200");
	assert_true(origin_in_networks(&n, &a));
	a = origin_parse_addr("192.168.2.1");
	assert_false(origin_in_networks(&n, &a));
	a = origin_parse_addr("fd12:3456::1");
	assert_true(origin_in_networks(&n, &a));
	a = origin_parse_addr("fe80::1");
	assert_false(origin_in_networks(&n, &a));
	a = origin_parse_addr("10.1.2.3");
	assert_true(origin_in_networks(&n, &a));
	a = origin_parse_addr("10.1.2.4");
	assert_false(origin_in_networks(&n, &a));
	a = origin_parse_addr("127.0.0.1");
	assert_false(origin_in_networks(&n, &a));
	a = origin_parse_addr("/sock");
	assert_false(origin_in_networks(&n, &a));
}

static void test_policy(void **state)
{
	struct origin_nets home;
	struct origin_addr sock = origin_parse_addr("/run/mqtt.sock");
	struct origin_addr lo = origin_parse_addr("127.0.0.1");
	struct origin_addr in = origin_parse_addr("192.168.1.9");
	struct origin_addr out = origin_parse_addr("203.0.113.9");
	struct origin_addr bad = origin_parse_addr("junk");

	(void)state;
	assert_int_equal(origin_parse_networks("192.168.1.0/24", &home, NULL, 0), SL_OK);
	/* guests: home only, whatever their origin field says */
	assert_true(origin_allowed(SL_PW_GUEST, false, &sock, &home, true));
	assert_true(origin_allowed(SL_PW_GUEST, false, &in, &home, true));
	assert_false(origin_allowed(SL_PW_GUEST, false, &out, &home, true));
	assert_false(origin_allowed(SL_PW_GUEST, false, &lo, &home, true));   /* loopback not listed */
	/* owners and residents also from outside, unless marked home */
	assert_true(origin_allowed(SL_PW_OWNER, false, &out, &home, true));
	assert_true(origin_allowed(SL_PW_RESIDENT, false, &out, &home, true));
	assert_true(origin_allowed(SL_PW_OWNER, false, &lo, &home, true));
	assert_false(origin_allowed(SL_PW_RESIDENT, true, &out, &home, true));
	assert_true(origin_allowed(SL_PW_RESIDENT, true, &in, &home, true));
	/* agent and locks marked home */
	assert_true(origin_allowed(SL_PW_AGENT, true, &sock, &home, true));
	assert_false(origin_allowed(SL_PW_LOCK, true, &out, &home, true));
	/* no TLS proof: nobody from other hosts */
	assert_false(origin_allowed(SL_PW_OWNER, false, &out, &home, false));
	assert_false(origin_allowed(SL_PW_GUEST, false, &in, &home, false));
	assert_true(origin_allowed(SL_PW_OWNER, false, &lo, &home, false));
	/* unknown address or role */
	assert_false(origin_allowed(SL_PW_OWNER, false, &bad, &home, true));
	assert_false(origin_allowed((enum sl_passwd_role)42, false, &sock, &home, true));
	assert_false(origin_allowed(SL_PW_OWNER, false, NULL, &home, true));
	/* loopback is home when listed */
	assert_int_equal(origin_parse_networks("127.0.0.0/8", &home, NULL, 0), SL_OK);
	assert_true(origin_allowed(SL_PW_GUEST, false, &lo, &home, true));
}

static void test_throttle(void **state)
{
	struct throttle t;
	struct origin_addr a = origin_parse_addr("203.0.113.9");
	struct origin_addr b = origin_parse_addr("203.0.113.10");
	struct origin_addr v6a = origin_parse_addr("2001:db8:1:2::1");
	struct origin_addr v6b = origin_parse_addr("2001:db8:1:2::99");
	struct origin_addr v6c = origin_parse_addr("2001:db8:1:3::1");
	int64_t now = 1000000;

	(void)state;
	throttle_init(&t);
	for (int i = 0; i < THROTTLE_FAILURES; i++) {
		assert_false(throttle_blocked(&t, &a, now));
		throttle_failure(&t, &a, now + i);
	}
	assert_true(throttle_blocked(&t, &a, now + 10));
	assert_false(throttle_blocked(&t, &b, now + 10));
	assert_true(throttle_blocked(&t, &a, now + THROTTLE_WINDOW_MS - 1));
	assert_false(throttle_blocked(&t, &a, now + THROTTLE_WINDOW_MS));
	/* a new window starts counting again */
	throttle_failure(&t, &a, now + THROTTLE_WINDOW_MS);
	assert_false(throttle_blocked(&t, &a, now + THROTTLE_WINDOW_MS + 1));
	/* IPv6: one /64 is one source */
	for (int i = 0; i < THROTTLE_FAILURES; i++)
		throttle_failure(&t, i % 2 ? &v6a : &v6b, now);
	assert_true(throttle_blocked(&t, &v6a, now + 1));
	assert_true(throttle_blocked(&t, &v6b, now + 1));
	assert_false(throttle_blocked(&t, &v6c, now + 1));
}

static void test_throttle_full_table(void **state)
{
	struct throttle t;
	struct origin_addr first = origin_parse_addr("198.51.100.1");
	char text[32];

	(void)state;
	throttle_init(&t);
	for (int i = 0; i < THROTTLE_FAILURES; i++)
		throttle_failure(&t, &first, 0);
	/* fill every other slot later: the oldest (first) is reused last */
	for (int i = 0; i < THROTTLE_SLOTS - 1; i++) {
		struct origin_addr a;

		snprintf(text, sizeof(text), "10.0.%d.%d", i / 200, i % 200 + 1);
		a = origin_parse_addr(text);
		throttle_failure(&t, &a, 10 + i);
	}
	assert_true(throttle_blocked(&t, &first, 1000));
	{
		struct origin_addr extra = origin_parse_addr("10.9.9.9");

		throttle_failure(&t, &extra, 2000);
	}
	assert_false(throttle_blocked(&t, &first, 2001));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_networks),
		cmocka_unit_test(test_parse_networks_errors),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_membership),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_throttle_full_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
