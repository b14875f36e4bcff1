/*
 * utf8.h - strict UTF-8, and the one definition of text that is safe to
 * show: what the protocol decoder accepts in a string, what the log and the
 * audit log write, and what reaches a terminal.
 *
 * "Strict" refuses stray continuation bytes, overlong forms, surrogates,
 * code points above U+10FFFF and truncated sequences. A "control" is a C0
 * character (0x00-0x1f), DEL, or a C1 character (U+0080-U+009F, which some
 * terminals obey as 8-bit escape sequences). Pure functions; thread-safe.
 */
#ifndef SMARTLOCK_UTF8_H
#define SMARTLOCK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length (1-4) of the valid sequence at p, which has avail > 0 bytes;
 * 0 when it is malformed. */
size_t utf8_seq_len(const unsigned char *p, size_t avail);

/* True when the valid n-byte sequence at p is a control character. */
bool utf8_is_control(const unsigned char *p, size_t n);

/* True when all len bytes at p are strict UTF-8. */
bool utf8_valid(const void *p, size_t len);

/* Replace each control character and each byte of invalid UTF-8 in the n
 * bytes at s with '?', in place; returns the new length (a multi-byte
 * control becomes one '?'). Valid multi-byte characters are kept. */
size_t utf8_sanitize_n(char *s, size_t n);

/* The same for a NUL-terminated string (NULL does nothing). */
void utf8_sanitize(char *s);

/* True when the valid n-byte sequence at p is an invisible format
 * character that can reorder or hide the text around it: the bidi
 * controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069),
 * zero-width and invisible characters (U+00AD, U+180E, U+200B-U+200D,
 * U+2060-U+2064, U+206A-U+206F, U+FEFF, U+FFF9-U+FFFB) and tags
 * (U+E0001, U+E0020-U+E007F). */
bool utf8_is_format(const unsigned char *p, size_t n);

/* Text for a log line: the n bytes at src into dst (size > 0, always
 * NUL-terminated), controls and invalid bytes as '?' (as utf8_sanitize_n),
 * format characters written out as "\u202E" ("\U000E0001" above U+FFFF)
 * so that they can be seen and do nothing. Stops before a character that
 * would not fit. Returns the length written. */
size_t utf8_escape(char *dst, size_t size, const char *src, size_t n);

#endif
