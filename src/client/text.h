/*
 * text.h - making text from the network safe for a terminal, and the short
 * time words the clients print ("Sat 09:00", "2 min ago").
 *
 * text_clean() is the one gate every string from the network passes before
 * it is shown: proto_sanitize_text() (C0 controls, DEL, invalid UTF-8), plus
 * the characters a terminal may still act on or that disguise text: C1
 * controls (U+0080-U+009F, which some terminals take as CSI), the line and
 * paragraph separators, the bidirectional overrides and isolates, and the
 * invisible characters that make one name look like another (zero-width
 * space and joiners, word joiner, soft hyphen).
 *
 * Pure functions, local time from localtime_r(); thread-safe.
 */
#ifndef SMARTLOCK_CLIENT_TEXT_H
#define SMARTLOCK_CLIENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Clean s in place (every unsafe character becomes '?'). */
void text_clean(char *s);

/* Copy src into dst (size bytes) cleaned; returns false if it did not fit
 * (dst then holds a cleaned, truncated copy ending on a character
 * boundary). */
bool text_copy_clean(char *dst, size_t size, const char *src);

/* Make JSON text (as cJSON prints it) terminal-safe: every character
 * text_clean() would replace is written as a \uXXXX escape instead, and an
 * invalid byte as \ufffd; the JSON value is unchanged. Returns a malloc'd
 * string or NULL when out of memory. */
char *text_json_safe(const char *json);

/* True if s (NUL-terminated) holds nothing text_clean() would change. */
bool text_is_clean(const char *s);

/*
 * When, in local time, relative to now (both ms since the epoch):
 * "14:06" on the same day, "Sat 09:00" within the coming or past six days,
 * else "Sat 12 Dec 09:00" (the year added when it differs). Returns buf.
 */
char *text_when(int64_t when_ms, int64_t now_ms, char *buf, size_t size);

/* How long ago: "just now", "12 s ago", "3 min ago", "2 h ago", "4 days
 * ago"; "in the future" for times ahead of now by more than a second. */
char *text_ago(int64_t then_ms, int64_t now_ms, char *buf, size_t size);

/* "12 s", "3 min", "2 h 5 min", "4 days": a duration in ms. */
char *text_duration(int64_t ms, char *buf, size_t size);

/* Local "YYYY-MM-DD HH:MM" (size >= 17). */
char *text_format_local(int64_t ms, char *buf, size_t size);

/* The one form in which people give a time, to every program: "now";
 * "HH:MM[:SS]", today; "YYYY-MM-DD", at 00:00; "YYYY-MM-DD HH:MM[:SS]" or
 * with a 'T' for the space. Local time, or UTC when a form with a date
 * ends in 'Z'. now_ms gives "now" and today. false on anything else,
 * including dates that do not exist (31 Feb). */
#define TEXT_TIME_MAX 20        /* "YYYY-MM-DDTHH:MM:SSZ" */
#define TEXT_TIME_FORMS "now, HH:MM[:SS], YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS] " \
	"(a T for the space is fine; a final Z means UTC)"
bool text_parse_local(const char *s, int64_t now_ms, int64_t *out_ms);

#endif
