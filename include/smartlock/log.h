/*
 * log.h - leveled diagnostics on stderr for the smartlock programs.
 *
 * Lines look like "smartlock-agent: warning: lock front-door went offline".
 * When stderr is connected to the journal (JOURNAL_STREAM is set and matches
 * stderr), each line instead starts with the sd-daemon priority prefix
 * ("<4>") so journald records the level. Control characters in the formatted
 * text are replaced with '?', so a name from the network cannot forge lines.
 *
 * Never pass secrets (passwords, keys, MACs) to these functions. The logger
 * is process-wide (one program, one stderr); sl_log_setup() is called once
 * from main() before any thread starts.
 */
#ifndef SMARTLOCK_LOG_H
#define SMARTLOCK_LOG_H

#include <stdarg.h>

enum sl_log_level {
	SL_LOG_ERROR,
	SL_LOG_WARNING,
	SL_LOG_NOTICE,
	SL_LOG_INFO,
	SL_LOG_DEBUG,
};

/* prog is kept by pointer (pass a string literal or argv[0] basename). */
void sl_log_setup(const char *prog, enum sl_log_level max_level);
void sl_log_set_level(enum sl_log_level max_level);
enum sl_log_level sl_log_get_level(void);

void sl_log(enum sl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sl_vlog(enum sl_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif
