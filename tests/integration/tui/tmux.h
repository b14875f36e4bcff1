/*
 * tmux.h - driving smartlock-tui inside a private tmux server, as a person
 * at a terminal would: send keys, read the screen (capture-pane), resize
 * the window, and ask tmux about the pane (is it dead, its exit status,
 * the alternate screen, the bell, the title a program tried to set).
 *
 * Each test gets its own tmux server (a socket in the test's directory),
 * status line off so the pane is the whole window. Every bell the program
 * rings appends a line "bell" to <dir>/bell.log (a tmux hook). Waiting for the screen
 * to show something re-reads it until it does or a deadline passes.
 */
#ifndef SMARTLOCK_TEST_TMUX_H
#define SMARTLOCK_TEST_TMUX_H

#include <stdbool.h>
#include <stddef.h>

struct tmux {
	char socket[512];
	char dir[512];
	bool running;
};

/* Start a detached session of cols x rows running argv (argv[0] a path),
 * with env ("NAME=value" strings, NULL-terminated; may be NULL) added to
 * its environment. 0 or -1. */
int tmux_start(struct tmux *t, const char *dir, int cols, int rows, char *const argv[],
		const char *const env[]);
/* Kill the server. Idempotent. */
void tmux_stop(struct tmux *t);

/* The screen as text (malloc'd; NULL on error). With escapes true, the
 * attributes and colours are included as SGR sequences. */
char *tmux_capture(struct tmux *t, bool escapes);
/* Wait until the screen contains needle; 0 or -1 (the screen is printed
 * on stderr then). */
int tmux_wait_for(struct tmux *t, const char *needle, int timeout_ms);
/* Wait until the screen no longer contains needle. 0 or -1. */
int tmux_wait_gone(struct tmux *t, const char *needle, int timeout_ms);

/* Send keys by tmux name ("Enter", "Escape", "Up", "C-c") or, with
 * literal, as text. 0 or -1. */
int tmux_keys(struct tmux *t, const char *keys, bool literal);

/* Copy everything the program writes to the terminal from now on into
 * path (tmux pipe-pane). 0 or -1. */
int tmux_pipe(struct tmux *t, const char *path);

/* Resize the window. 0 or -1. */
int tmux_resize(struct tmux *t, int cols, int rows);

/* A tmux format about the pane ("#{pane_dead}") into buf. 0 or -1. */
int tmux_query(struct tmux *t, const char *format, char *buf, size_t size);
/* Wait until the program in the pane exited: its exit status, 128 + the
 * signal that killed it, or -1 on timeout. */
int tmux_wait_exit(struct tmux *t, int timeout_ms);
/* The pid of the program in the pane, or -1. */
int tmux_pane_pid(struct tmux *t);

#endif
