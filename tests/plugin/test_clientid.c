/* test_clientid.c - which client ids are reserved for which accounts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "clientid.h"

static bool exists(const char *name, void *ctx)
{
	static const char *const names[] = {"rita", "gina", "rita-x", "agent", "front-door"};

	(void)ctx;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static enum clientid_claim claim(const char *id, const char *user, enum sl_passwd_role role)
{
	return clientid_claim(id, user, role, exists, NULL);
}

static void test_claims(void **state)
{
	(void)state;
	/* the daemons' ids */
	assert_int_equal(claim("smartlock-agent", "agent", SL_PW_AGENT), CLIENTID_OWN);
	assert_int_equal(claim("smartlock-agent", "gina", SL_PW_GUEST), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("smartlock-agent-2", "olga", SL_PW_OWNER), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("lockd-front-door", "front-door", SL_PW_LOCK), CLIENTID_OWN);
	assert_int_equal(claim("lockd-front-door", "back-door", SL_PW_LOCK), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("lockd-front-door", "agent", SL_PW_AGENT), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("lockd-front-door", "gina", SL_PW_GUEST), CLIENTID_FORBIDDEN);
	/* people's ids: "<name>-..." belongs to <name>, the longest name first */
	assert_int_equal(claim("rita-smartlockctl-42", "rita", SL_PW_RESIDENT), CLIENTID_OWN);
	assert_int_equal(claim("rita-smartlockctl-42", "gina", SL_PW_GUEST), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("rita-x-tui-1", "rita", SL_PW_RESIDENT), CLIENTID_FORBIDDEN);
	assert_int_equal(claim("rita-x-tui-1", "rita-x", SL_PW_RESIDENT), CLIENTID_OWN);
	/* anything else is first come, first served (sessions.h) */
	assert_int_equal(claim("homeassistant", "gina", SL_PW_GUEST), CLIENTID_FREE);
	assert_int_equal(claim("nobody-here-1", "gina", SL_PW_GUEST), CLIENTID_FREE);
	assert_int_equal(claim("rita", "gina", SL_PW_GUEST), CLIENTID_FREE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_claims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
