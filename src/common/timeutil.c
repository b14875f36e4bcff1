/* timeutil.c - wall and monotonic clocks, UTC formatting. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smartlock/timeutil.h"

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t time_now_ms(void)
{
	return clock_ms(CLOCK_REALTIME);
}

int64_t time_mono_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

int64_t time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

char *time_format_utc(int64_t ms, char *buf, size_t size)
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, size, "invalid-time");
		return buf;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	return buf;
}

bool time_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool time_parse_utc(const char *s, int64_t *ms)
{
	int y, mo, d, h, mi, sec, frac;
	struct tm tm;
	time_t t;

	if (strlen(s) != 24 || !time_digits(s, 4, &y) || s[4] != '-' ||
			!time_digits(s + 5, 2, &mo) || s[7] != '-' || !time_digits(s + 8, 2, &d) ||
			s[10] != 'T' || !time_digits(s + 11, 2, &h) || s[13] != ':' ||
			!time_digits(s + 14, 2, &mi) || s[16] != ':' || !time_digits(s + 17, 2, &sec) ||
			s[19] != '.' || !time_digits(s + 20, 3, &frac) || s[23] != 'Z')
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return false;
	*ms = (int64_t)t * 1000 + frac;
	return true;
}
