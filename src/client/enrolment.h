/*
 * enrolment.h - finding and loading the enrolment file both clients use:
 * --enrol FILE, else $SMARTLOCK_ENROL, else ~/.config/smartlock/enrol.
 *
 * Thread-safe; no state.
 */
#ifndef SMARTLOCK_CLIENT_ENROLMENT_H
#define SMARTLOCK_CLIENT_ENROLMENT_H

#include <stddef.h>

#include "smartlock/enrol.h"
#include "smartlock/error.h"

/* The path to use: option (if not NULL/empty), else the environment, else
 * the default under $HOME (or the password database's home). SL_OK, or
 * SL_ERR_NOT_FOUND when there is no home to look in, SL_ERR_TOO_LONG. */
enum sl_err enrolment_path(const char *option, char *buf, size_t size);

/* Load path into e. On failure, msg gets one sentence naming the file and
 * the problem, with a hint for the common cases (missing file, unsafe
 * mode). */
enum sl_err enrolment_load(const char *path, struct sl_enrolment *e, char *msg, size_t msg_size);

#endif
