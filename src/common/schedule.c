/* schedule.c - parse, format and evaluate a guest's weekly schedule. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smartlock/schedule.h"

static const char day_names[7][3] = {"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"};

struct scanner {
	const char *p;
	char *msg;
	size_t msg_size;
};

static enum sl_err fail(struct scanner *sc, enum sl_err code, const char *what)
{
	if (sc->msg && sc->msg_size > 0) {
		char near[16];
		size_t n = strcspn(sc->p, ";");

		if (n >= sizeof(near))
			n = sizeof(near) - 1;
		memcpy(near, sc->p, n);
		near[n] = '\0';
		if (near[0])
			snprintf(sc->msg, sc->msg_size, "%s at \"%s\"", what, near);
		else
			snprintf(sc->msg, sc->msg_size, "%s at the end", what);
	}
	return code;
}

static void skip_blanks(struct scanner *sc)
{
	while (*sc->p == ' ' || *sc->p == '\t')
		sc->p++;
}

static int parse_day(struct scanner *sc)
{
	for (int i = 0; i < 7; i++) {
		if (tolower((unsigned char)sc->p[0]) == tolower((unsigned char)day_names[i][0]) &&
				tolower((unsigned char)sc->p[1]) == tolower((unsigned char)day_names[i][1]) &&
				!isalpha((unsigned char)sc->p[2])) {
			sc->p += 2;
			return i;
		}
	}
	return -1;
}

/* "HH:MM" with 00 <= HH <= 24, MM < 60, 24 only as 24:00. */
static int parse_time(struct scanner *sc)
{
	const char *p = sc->p;
	int h, m;

	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]) || p[2] != ':' ||
			!isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]) ||
			isdigit((unsigned char)p[5]))
		return -1;
	h = (p[0] - '0') * 10 + (p[1] - '0');
	m = (p[3] - '0') * 10 + (p[4] - '0');
	if (h > 24 || m > 59 || (h == 24 && m != 0))
		return -1;
	sc->p += 5;
	return h * 60 + m;
}

static enum sl_err parse_days(struct scanner *sc, uint8_t *mask)
{
	*mask = 0;
	for (;;) {
		const char *mark;
		int a, b;

		skip_blanks(sc);
		a = parse_day(sc);
		if (a < 0)
			return fail(sc, SL_ERR_BAD_VALUE, "expected a day (Mo Tu We Th Fr Sa Su)");
		b = a;
		mark = sc->p;
		skip_blanks(sc);
		if (*sc->p == '-') {
			sc->p++;
			skip_blanks(sc);
			b = parse_day(sc);
			if (b < 0)
				return fail(sc, SL_ERR_BAD_VALUE, "expected a day after '-'");
			mark = sc->p;
		}
		for (int d = a;; d = (d + 1) % 7) {
			*mask |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		sc->p = mark;
		skip_blanks(sc);
		if (*sc->p != ',') {
			sc->p = mark;
			return SL_OK;
		}
		sc->p++;
	}
}

static enum sl_err add_rule(struct scanner *sc, struct sl_schedule *out,
		uint8_t days, int start, int end)
{
	if (out->count >= SL_SCHEDULE_RULES)
		return fail(sc, SL_ERR_RANGE, "too many time ranges");
	out->rules[out->count].days = days;
	out->rules[out->count].start = (uint16_t)start;
	out->rules[out->count].end = (uint16_t)end;
	out->count++;
	return SL_OK;
}

static enum sl_err parse_times(struct scanner *sc, uint8_t days, struct sl_schedule *out)
{
	for (;;) {
		int start, end;
		enum sl_err e;

		skip_blanks(sc);
		start = parse_time(sc);
		if (start < 0)
			return fail(sc, SL_ERR_BAD_VALUE, "expected a time HH:MM");
		skip_blanks(sc);
		if (*sc->p != '-')
			return fail(sc, SL_ERR_BAD_VALUE, "expected '-' between two times");
		sc->p++;
		skip_blanks(sc);
		end = parse_time(sc);
		if (end < 0)
			return fail(sc, SL_ERR_BAD_VALUE, "expected an end time HH:MM");
		if (start >= 1440 || end <= start)
			return fail(sc, SL_ERR_BAD_VALUE, "the end of a range must be after its start");
		e = add_rule(sc, out, days, start, end);
		if (e != SL_OK)
			return e;
		skip_blanks(sc);
		if (*sc->p != ',')
			return SL_OK;
		sc->p++;
	}
}

enum sl_err schedule_parse(const char *text, struct sl_schedule *out,
		char *msg, size_t msg_size)
{
	struct scanner sc = {text, msg, msg_size};

	memset(out, 0, sizeof(*out));
	if (msg && msg_size > 0)
		msg[0] = '\0';
	if (strlen(text) >= SL_SCHEDULE_TEXT_MAX)
		return fail(&sc, SL_ERR_TOO_LONG, "schedule text is too long");
	skip_blanks(&sc);
	if (*sc.p == '\0')
		return SL_OK;
	for (;;) {
		uint8_t days;
		enum sl_err e;
		const char *before;

		e = parse_days(&sc, &days);
		if (e != SL_OK)
			goto fail;
		before = sc.p;
		skip_blanks(&sc);
		if (sc.p == before)
			return fail(&sc, SL_ERR_BAD_VALUE, "expected a blank between days and times");
		e = parse_times(&sc, days, out);
		if (e != SL_OK)
			goto fail;
		skip_blanks(&sc);
		if (*sc.p == '\0')
			return SL_OK;
		if (*sc.p != ';') {
			e = fail(&sc, SL_ERR_BAD_VALUE, "expected ';' or the end");
			goto fail;
		}
		sc.p++;
		skip_blanks(&sc);
		continue;
fail:
		memset(out, 0, sizeof(*out));
		return e;
	}
}

struct outbuf {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void put(struct outbuf *o, const char *s)
{
	size_t n = strlen(s);

	if (o->len + n + 1 > o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

static void put_days(struct outbuf *o, uint8_t mask)
{
	bool first = true;
	int d = 0;

	while (d < 7) {
		int e;

		if (!(mask & (1u << d))) {
			d++;
			continue;
		}
		e = d;
		while (e + 1 < 7 && (mask & (1u << (e + 1))))
			e++;
		if (!first)
			put(o, ",");
		first = false;
		put(o, day_names[d]);
		if (e - d >= 2) {
			put(o, "-");
			put(o, day_names[e]);
		} else if (e != d) {
			put(o, ",");
			put(o, day_names[e]);
		}
		d = e + 1;
	}
}

static void put_range(struct outbuf *o, const struct sl_schedule_rule *r)
{
	char t[16];

	snprintf(t, sizeof(t), "%02d:%02d-%02d:%02d", r->start / 60, r->start % 60,
			r->end / 60, r->end % 60);
	put(o, t);
}

enum sl_err schedule_format(const struct sl_schedule *s, char *buf, size_t size)
{
	struct outbuf o = {buf, size, 0, false};

	if (size == 0)
		return SL_ERR_TOO_LONG;
	buf[0] = '\0';
	for (size_t i = 0; i < s->count; i++) {
		const struct sl_schedule_rule *r = &s->rules[i];

		if (i > 0 && s->rules[i - 1].days == r->days) {
			put(&o, ",");
		} else {
			if (i > 0)
				put(&o, "; ");
			put_days(&o, r->days);
			put(&o, " ");
		}
		put_range(&o, r);
	}
	if (o.overflow) {
		buf[0] = '\0';
		return SL_ERR_TOO_LONG;
	}
	return SL_OK;
}

static bool local_tm(int64_t ms, struct tm *tm)
{
	time_t t = (time_t)(ms / 1000);

	if (ms < 0 && ms % 1000)
		t--;
	return localtime_r(&t, tm) != NULL;
}

static bool open_at(const struct sl_schedule *s, const struct tm *tm)
{
	int day = (tm->tm_wday + 6) % 7;
	int minute = tm->tm_hour * 60 + tm->tm_min;

	for (size_t i = 0; i < s->count; i++) {
		const struct sl_schedule_rule *r = &s->rules[i];

		if ((r->days & (1u << day)) && minute >= r->start && minute < r->end)
			return true;
	}
	return false;
}

bool schedule_is_open(const struct sl_schedule *s, int64_t ms)
{
	struct tm tm;

	if (s->count == 0)
		return true;
	if (!local_tm(ms, &tm))
		return false;
	return open_at(s, &tm);
}

int64_t schedule_next_open(const struct sl_schedule *s, int64_t ms)
{
	struct tm now;
	int64_t best = -1;

	if (schedule_is_open(s, ms))
		return ms;
	if (!local_tm(ms, &now))
		return -1;
	for (int d = 0; d <= 7; d++) {
		for (size_t i = 0; i < s->count; i++) {
			struct tm tm = now;
			time_t t;
			int64_t cand;

			tm.tm_mday += d;
			tm.tm_hour = s->rules[i].start / 60;
			tm.tm_min = s->rules[i].start % 60;
			tm.tm_sec = 0;
			tm.tm_isdst = -1;
			t = mktime(&tm);
			if (t == (time_t)-1)
				continue;
			if (!(s->rules[i].days & (1u << ((tm.tm_wday + 6) % 7))))
				continue;
			cand = (int64_t)t * 1000;
			if (cand > ms && (best < 0 || cand < best))
				best = cand;
		}
		if (best >= 0)
			return best;
	}
	return best;
}

char *schedule_format_local(int64_t ms, char *buf, size_t size)
{
	static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	struct tm tm;

	if (!local_tm(ms, &tm)) {
		snprintf(buf, size, "?");
		return buf;
	}
	snprintf(buf, size, "%s %02d:%02d", wdays[tm.tm_wday % 7], tm.tm_hour, tm.tm_min);
	return buf;
}
