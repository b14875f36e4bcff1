/* text.c - terminal-safe text from the network, and short time words. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#include "text.h"

/* Decode one UTF-8 character strictly (no overlong forms, no surrogates,
 * nothing above U+10FFFF). Returns its length, 0 if s does not start with a
 * valid character. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2; v = c & 0x1f; min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3; v = c & 0x0f; min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4; v = c & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

static bool unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f ||
			(cp >= 0x80 && cp <= 0x9f) ||           /* C1 controls */
			cp == 0x2028 || cp == 0x2029 ||         /* line/paragraph sep */
			(cp >= 0x202a && cp <= 0x202e) ||       /* bidi embeddings/overrides */
			(cp >= 0x2066 && cp <= 0x2069) ||       /* bidi isolates */
			cp == 0x200e || cp == 0x200f ||         /* LRM, RLM */
			cp == 0x061c || cp == 0xfeff ||         /* ALM, BOM */
			(cp >= 0x200b && cp <= 0x200d) ||       /* zero-width space, (non-)joiner */
			(cp >= 0x2060 && cp <= 0x2064) ||       /* word joiner, invisible operators */
			cp == 0x180e || cp == 0x00ad;           /* Mongolian vowel sep., soft hyphen */
}

void text_clean(char *s)
{
	unsigned char *r, *w;

	if (!s)
		return;
	proto_sanitize_text(s);
	r = w = (unsigned char *)s;
	while (*r) {
		uint32_t cp;
		size_t n = utf8_decode(r, &cp);

		if (n == 0) {
			*w++ = '?';
			r++;
		} else if (unsafe(cp)) {
			*w++ = '?';
			r += n;
		} else {
			memmove(w, r, n);
			w += n;
			r += n;
		}
	}
	*w = '\0';
}

char *text_json_safe(const char *json)
{
	const unsigned char *p = (const unsigned char *)json;
	char *out, *w;

	/* worst case: every byte becomes a six-character escape */
	out = malloc(strlen(json) * 6 + 1);
	if (!out)
		return NULL;
	w = out;
	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);

		if (n == 0) {
			w += sprintf(w, "\\ufffd");
			p++;
		} else if (unsafe(cp)) {
			w += sprintf(w, "\\u%04x", (unsigned)cp);
			p += n;
		} else {
			memcpy(w, p, n);
			w += n;
			p += n;
		}
	}
	*w = '\0';
	return out;
}

bool text_is_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);

		if (n == 0 || unsafe(cp))
			return false;
		p += n;
	}
	return true;
}

bool text_copy_clean(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);
	bool fits = len < size;

	if (size == 0)
		return false;
	if (!fits) {
		len = size - 1;
		/* do not cut a character in two: back up to a lead byte */
		while (len > 0 && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	text_clean(dst);
	return fits;
}

static bool local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	return localtime_r(&t, tm) != NULL;
}

char *text_when(int64_t when_ms, int64_t now_ms, char *buf, size_t size)
{
	struct tm w, n;
	int64_t diff = when_ms - now_ms;
	size_t len;

	if (size == 0)
		return buf;
	if (!local_tm(when_ms, &w) || !local_tm(now_ms, &n)) {
		snprintf(buf, size, "?");
		return buf;
	}
	if (diff < 0)
		diff = -diff;
	/* literal formats only (-Wformat-nonliteral) */
	if (w.tm_year == n.tm_year && w.tm_yday == n.tm_yday)
		len = strftime(buf, size, "%H:%M", &w);
	else if (diff < INT64_C(6) * 24 * 3600 * 1000)
		len = strftime(buf, size, "%a %H:%M", &w);
	else if (w.tm_year == n.tm_year)
		len = strftime(buf, size, "%a %d %b %H:%M", &w);
	else
		len = strftime(buf, size, "%a %d %b %Y %H:%M", &w);
	if (len == 0)
		snprintf(buf, size, "?");
	return buf;
}

char *text_duration(int64_t ms, char *buf, size_t size)
{
	int64_t s = ms / 1000;

	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, size, "%lld s", (long long)s);
	else if (s < 3600)
		snprintf(buf, size, "%lld min", (long long)(s / 60));
	else if (s < 48 * 3600) {
		if ((s / 60) % 60)
			snprintf(buf, size, "%lld h %lld min", (long long)(s / 3600),
					(long long)((s / 60) % 60));
		else
			snprintf(buf, size, "%lld h", (long long)(s / 3600));
	} else
		snprintf(buf, size, "%lld days", (long long)(s / 86400));
	return buf;
}

char *text_ago(int64_t then_ms, int64_t now_ms, char *buf, size_t size)
{
	int64_t d = now_ms - then_ms;
	char dur[32];

	if (d < -1000)
		snprintf(buf, size, "in the future");
	else if (d < 5000)
		snprintf(buf, size, "just now");
	else
		snprintf(buf, size, "%s ago", text_duration(d, dur, sizeof(dur)));
	return buf;
}

char *text_format_local(int64_t ms, char *buf, size_t size)
{
	struct tm tm;

	if (!local_tm(ms, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "?");
	return buf;
}

static bool parse_date(const char *s, struct tm *tm)
{
	int y, mo, d;

	if (!time_digits(s, 4, &y) || s[4] != '-' || !time_digits(s + 5, 2, &mo) || s[7] != '-' ||
			!time_digits(s + 8, 2, &d))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return false;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	return true;
}

/* "HH:MM" or "HH:MM:SS", the whole of s. */
static bool parse_clock(const char *s, struct tm *tm)
{
	size_t len = strlen(s);
	int h, mi, sec = 0;

	if ((len != 5 && len != 8) || !time_digits(s, 2, &h) || s[2] != ':' ||
			!time_digits(s + 3, 2, &mi))
		return false;
	if (len == 8 && (s[5] != ':' || !time_digits(s + 6, 2, &sec)))
		return false;
	if (h > 23 || mi > 59 || sec > 59)
		return false;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	return true;
}

bool text_parse_local(const char *s, int64_t now_ms, int64_t *out_ms)
{
	char text[TEXT_TIME_MAX + 1];
	size_t len = strlen(s);
	bool utc = false;
	struct tm tm, check;
	time_t t;

	if (strcmp(s, "now") == 0) {
		*out_ms = now_ms;
		return true;
	}
	if (len > TEXT_TIME_MAX)
		return false;
	memcpy(text, s, len + 1);
	memset(&tm, 0, sizeof(tm));
	if (len > 10 && text[len - 1] == 'Z') {
		utc = true;             /* a date, with or without a clock, in UTC */
		text[--len] = '\0';
	}
	if (len == 5 || len == 8) {
		/* a clock alone: today, local */
		if (!local_tm(now_ms, &tm) || !parse_clock(text, &tm))
			return false;
	} else if (!parse_date(text, &tm) || (len > 10 && ((text[10] != ' ' &&
				text[10] != 'T') || !parse_clock(text + 11, &tm)))) {
		return false;
	}
	tm.tm_isdst = -1;
	check = tm;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || tm.tm_mday != check.tm_mday || tm.tm_mon != check.tm_mon)
		return false;   /* 31 Feb and friends */
	*out_ms = (int64_t)t * 1000;
	return true;
}
