/*
 * common_setup.h - cmocka setup/teardown helpers shared by the agent
 * integration tests: a fresh site (broker, agent, lock online) per test.
 */
#ifndef AGENT_COMMON_SETUP_H
#define AGENT_COMMON_SETUP_H

#include "fixture.h"

/* Allocate and bring up a fixture into *state; cleans up on failure. */
int fx_state_up(void **state, const struct fx_user *users, size_t n, const char *extra);
/* fx_state_up but without starting the agent. */
int fx_state_setup(void **state, const struct fx_user *users, size_t n, const char *extra);
int fx_state_down(void **state);

#endif
