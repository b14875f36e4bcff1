/*
 * schedule.h - the weekly schedule of a guest: parsing, canonical text,
 * "is it open now" and "when does it open next", in the local time zone.
 *
 * The text is one or more rules separated by ';'. A rule is a list of days
 * and a list of time ranges separated by a blank:
 *   "Mo-Fr 08:00-18:00; Sa 10:00-12:00,14:00-16:00; Su 09:00-24:00"
 * Days are Mo Tu We Th Fr Sa Su; "Mo-Fr" is a range (it may wrap, "Fr-Mo"),
 * "Sa,Su" a list. A range "HH:MM-HH:MM" starts at its first minute and ends
 * before its second (the end is exclusive; "24:00" is the end of the day);
 * the end must be after the start. The empty text means "any time".
 * Blanks around ';', ',' and '-' are allowed. At most SL_SCHEDULE_RULES
 * (day set, range) pairs after expansion of time lists.
 *
 * Times are evaluated with localtime_r(), so the TZ environment variable
 * and the system zone apply (daylight saving included). Pure functions on
 * caller memory; thread-safe as far as localtime_r/mktime are.
 */
#ifndef SMARTLOCK_SCHEDULE_H
#define SMARTLOCK_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"

#define SL_SCHEDULE_RULES 16
#define SL_SCHEDULE_TEXT_MAX 96         /* = SL_SCHEDULE_MAX of protocol.h */

struct sl_schedule_rule {
	uint8_t days;           /* bit 0 = Monday ... bit 6 = Sunday */
	uint16_t start;         /* minute of the day, 0..1439 */
	uint16_t end;           /* minute of the day, start+1..1440 (exclusive) */
};

struct sl_schedule {
	size_t count;           /* 0 = any time */
	struct sl_schedule_rule rules[SL_SCHEDULE_RULES];
};

/*
 * Parse text into out. On error returns SL_ERR_BAD_VALUE (or
 * SL_ERR_TOO_LONG for text longer than SL_SCHEDULE_TEXT_MAX - 1 bytes, or
 * SL_ERR_RANGE for too many rules) and writes a short reason naming the
 * offending part into msg (may be NULL).
 */
enum sl_err schedule_parse(const char *text, struct sl_schedule *out,
		char *msg, size_t msg_size);

/* Canonical text ("Mo-Fr 08:00-18:00; Sa 10:00-12:00"), "" for any time.
 * SL_ERR_TOO_LONG if buf is too small. */
enum sl_err schedule_format(const struct sl_schedule *s, char *buf, size_t size);

/* True when the schedule allows the wall-clock time ms (ms since the epoch)
 * in the local time zone. An empty schedule is always open. */
bool schedule_is_open(const struct sl_schedule *s, int64_t ms);

/* The next time (ms since the epoch, local zone rules) at or after ms when
 * the schedule opens; ms itself when it is open at ms; -1 if it never
 * opens (cannot happen for a parsed, non-empty schedule). */
int64_t schedule_next_open(const struct sl_schedule *s, int64_t ms);

/* "Sat 09:00" (C locale day name, local time) into buf. Returns buf. */
char *schedule_format_local(int64_t ms, char *buf, size_t size);

#endif
