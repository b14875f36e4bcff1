/*
 * exitcode.h - the exit codes of smartlockctl and smartlock-tui, one
 * numbering for both (documented in smartlockctl(1) and smartlock-tui(1)),
 * and the code an answer from the agent maps to.
 */
#ifndef SMARTLOCK_CLIENT_EXITCODE_H
#define SMARTLOCK_CLIENT_EXITCODE_H

#include "smartlock/protocol.h"

enum client_exit {
	EXIT_GRANTED = 0,       /* granted / done */
	EXIT_DENIED = 1,        /* denied by the agent (reason on stderr) */
	EXIT_USAGE = 2,         /* bad command line */
	EXIT_CONFIG = 3,        /* configuration or enrolment file problem */
	EXIT_TIMEOUT = 4,       /* no answer in time */
	EXIT_OFFLINE = 5,       /* the lock is offline */
	EXIT_BROKER = 6,        /* broker connection failed or login refused */
	EXIT_VERIFY = 7,        /* audit log verification failed */
	EXIT_FAILED = 8,        /* allowed, but the lock could not do it
				   (jammed, busy, door open, internal error) */
};

/* The exit code for an answer: ok 0; lock-offline 5; timeout 4; other
 * errors 8; denied 1. */
enum client_exit client_exit_for(enum sl_result result, enum sl_reason reason);

#endif
