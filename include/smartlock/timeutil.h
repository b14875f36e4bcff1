/*
 * timeutil.h - the two clocks smartlock uses and the UTC text form of times.
 *
 * Wall-clock times on the wire and in the audit log are milliseconds since
 * the Unix epoch (int64_t); durations and timeouts use the monotonic clock so
 * that a clock step never fires or suppresses a timeout. Thread-safe.
 */
#ifndef SMARTLOCK_TIMEUTIL_H
#define SMARTLOCK_TIMEUTIL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

/* CLOCK_REALTIME in ms since the epoch. */
int64_t time_now_ms(void);

/* CLOCK_MONOTONIC in ms (arbitrary origin). */
int64_t time_mono_ms(void);

/* CLOCK_MONOTONIC in ns, for benchmarks. */
int64_t time_mono_ns(void);

/* "2026-11-22T01:02:03.456Z" into buf (size >= 25). Returns buf. */
char *time_format_utc(int64_t ms, char *buf, size_t size);

/* The inverse of time_format_utc(): exactly "YYYY-MM-DDTHH:MM:SS.mmmZ".
 * false (and *ms untouched) for anything else. */
bool time_parse_utc(const char *s, int64_t *ms);

/* Exactly n (<= 9) decimal digits at s, their value in *out; false, *out
 * untouched, if any of them is not a digit (the end of s included). */
bool time_digits(const char *s, int n, int *out);

#endif
