/* utf8.c - strict UTF-8 decoding of sequence lengths and sanitising. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "smartlock/utf8.h"

size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;      /* overlong */
		else if (c == 0xed)
			hi = 0x9f;      /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;      /* overlong */
		else if (c == 0xf4)
			hi = 0x8f;      /* above U+10FFFF */
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

bool utf8_is_control(const unsigned char *p, size_t n)
{
	if (n == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	return n == 2 && p[0] == 0xc2 && p[1] < 0xa0;
}

bool utf8_valid(const void *p, size_t len)
{
	const unsigned char *s = p;

	while (len > 0) {
		size_t n = utf8_seq_len(s, len);

		if (n == 0)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

size_t utf8_sanitize_n(char *s, size_t n)
{
	unsigned char *r = (unsigned char *)s;
	unsigned char *w = r;

	while (n > 0) {
		size_t l = utf8_seq_len(r, n);

		if (l == 0 || utf8_is_control(r, l)) {
			*w++ = '?';
			if (l == 0)
				l = 1;
		} else {
			memmove(w, r, l);
			w += l;
		}
		r += l;
		n -= l;
	}
	return (size_t)(w - (unsigned char *)s);
}

void utf8_sanitize(char *s)
{
	if (s)
		s[utf8_sanitize_n(s, strlen(s))] = '\0';
}

/* The code point of the valid n-byte sequence at p. */
static uint32_t code_point(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	uint32_t c = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		c = (c << 6) | (p[i] & 0x3f);
	return c;
}

bool utf8_is_format(const unsigned char *p, size_t n)
{
	uint32_t c;

	if (n < 2)
		return false;
	c = code_point(p, n);
	return c == 0xad || c == 0x61c || c == 0x180e || (c >= 0x200b && c <= 0x200f) ||
		(c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
		(c >= 0x2066 && c <= 0x206f) || c == 0xfeff || (c >= 0xfff9 && c <= 0xfffb) ||
		c == 0xe0001 || (c >= 0xe0020 && c <= 0xe007f);
}

size_t utf8_escape(char *dst, size_t size, const char *src, size_t n)
{
	const unsigned char *r = (const unsigned char *)src;
	size_t w = 0;

	while (n > 0) {
		size_t l = utf8_seq_len(r, n);
		char esc[12];
		const char *out = (const char *)r;
		size_t len = l;

		if (l == 0 || utf8_is_control(r, l)) {
			out = "?";
			len = 1;
			if (l == 0)
				l = 1;
		} else if (utf8_is_format(r, l)) {
			uint32_t c = code_point(r, l);

			len = (size_t)snprintf(esc, sizeof(esc), c > 0xffff ? "\\U%08X" : "\\u%04X",
					(unsigned)c);
			out = esc;
		}
		if (w + len >= size)
			break;
		memcpy(dst + w, out, len);
		w += len;
		r += l;
		n -= l;
	}
	dst[w] = '\0';
	return w;
}
