/*
 * term.h - the terminal's life: curses set up (colours unless NO_COLOR,
 * wide characters, cbreak, keypad), signals turned into bytes on a pipe
 * the main loop polls (SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT), and the
 * terminal restored on every way out: normal exit, those signals, and a
 * crash (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT), where only
 * async-signal-safe calls restore the saved terminal modes before the
 * signal is re-raised.
 *
 * The terminal is one per process: this module keeps the little state the
 * signal handlers need (the pipe, the saved modes, the reset sequence) in
 * file-scope variables, and nothing else.
 */
#ifndef SMARTLOCK_TUI_TERM_H
#define SMARTLOCK_TUI_TERM_H

#include <stdbool.h>

/* What the signal pipe reported. */
enum term_signal {
	TERM_SIG_RESIZE = 1u << 0,
	TERM_SIG_QUIT = 1u << 1,
};

/* Install the signal handlers and the pipe (before term_start). false
 * with errno set on failure. */
bool term_signals_init(void);
/* The pipe to poll for POLLIN. */
int term_signal_fd(void);
/* Drain the pipe: enum term_signal bits. */
unsigned term_take_signals(void);

/* Start curses on the controlling terminal. *color is false under NO_COLOR
 * or on a terminal without colours; *utf8 tells whether the locale can
 * draw Unicode. false if the terminal cannot be used (message in msg). */
bool term_start(bool *color, bool *utf8, char *msg, size_t msg_size);
/* Follow the terminal's new size after TERM_SIG_RESIZE. */
void term_resize(void);
/* Restore the terminal (idempotent; also run at exit). */
void term_stop(void);

#endif
