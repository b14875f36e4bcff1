/* term.c - curses on, curses off, and the signals in between. */
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>
#include <term.h>

#include "term.h"

/* ---- the state the signal handlers need (and only that) ---- */
static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t curses_on;
static struct termios saved_modes;
static volatile sig_atomic_t have_saved_modes;
static char reset_seq[256];             /* rmcup, cnorm, sgr0 and rmkx */
static volatile sig_atomic_t reset_len;

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;

	if (write(sig_pipe[1], &b, 1) < 0) {
		/* full pipe: the loop is already due to wake up */
	}
	errno = saved;
}

/* A crash: put the terminal back as it was, then die of the signal. */
static void on_crash(int sig)
{
	if (curses_on) {
		if (reset_len > 0 && write(STDOUT_FILENO, reset_seq, (size_t)reset_len) < 0) {
			/* nothing more can be done */
		}
		if (have_saved_modes)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

bool term_signals_init(void)
{
	static const int quit_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH};
	static const int crash_sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	struct sigaction sa;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_signal;
	for (size_t i = 0; i < sizeof(quit_sigs) / sizeof(quit_sigs[0]); i++)
		sigaction(quit_sigs[i], &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(crash_sigs) / sizeof(crash_sigs[0]); i++)
		sigaction(crash_sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, NULL);
	return true;
}

int term_signal_fd(void)
{
	return sig_pipe[0];
}

unsigned term_take_signals(void)
{
	unsigned char buf[64];
	unsigned bits = 0;
	ssize_t n;

	while ((n = read(sig_pipe[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			bits |= buf[i] == SIGWINCH ? TERM_SIG_RESIZE : TERM_SIG_QUIT;
	return bits;
}

static void add_reset(const char *cap)
{
	char *s = tigetstr(cap);
	size_t len, have = (size_t)reset_len;

	if (!s || s == (char *)-1)
		return;
	len = strlen(s);
	if (have + len >= sizeof(reset_seq))
		return;
	memcpy(reset_seq + have, s, len);
	reset_len = (sig_atomic_t)(have + len);
}

static void at_exit_restore(void)
{
	term_stop();
}

/* A terminal that cannot move the cursor (TERM=dumb) would get a blank
 * screen: refuse it, with the reason, before drawing anything. */
static bool can_address_cursor(char *msg, size_t msg_size)
{
	const char *term = getenv("TERM");
	const char *cup = tigetstr("cup");

	if (cup && cup != (const char *)-1)
		return true;
	snprintf(msg, msg_size, "the terminal type '%s' cannot move the cursor, which the "
			"console needs; use a full-screen terminal (TERM=xterm-256color, tmux, "
			"screen) or smartlockctl", term ? term : "(unset)");
	return false;
}

bool term_start(bool *color, bool *utf8, char *msg, size_t msg_size)
{
	const char *no_color = getenv("NO_COLOR");

	setlocale(LC_ALL, "");
	*utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(msg, msg_size, "needs a terminal (stdin and stdout must be a tty)");
		return false;
	}
	if (tcgetattr(STDIN_FILENO, &saved_modes) == 0)
		have_saved_modes = 1;
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(msg, msg_size, "cannot use the terminal type '%s'",
				getenv("TERM") ? getenv("TERM") : "(unset)");
		return false;
	}
	if (!can_address_cursor(msg, msg_size)) {
		endwin();
		return false;
	}
	curses_on = 1;
	atexit(at_exit_restore);
	add_reset("rmcup");
	add_reset("cnorm");
	add_reset("sgr0");
	add_reset("rmkx");
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	/* into the alternate screen first, then hide the cursor: a terminal
	 * that saves modes with the screen (tmux) then restores a visible one */
	refresh();
	curs_set(0);
	*color = has_colors() && !(no_color && no_color[0]);
	if (*color) {
		start_color();
		use_default_colors();
	}
	return true;
}

void term_resize(void)
{
	struct winsize ws;

	if (!curses_on)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

void term_stop(void)
{
	if (!curses_on)
		return;
	curses_on = 0;
	curs_set(1);
	endwin();
	if (have_saved_modes)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_modes);
	fflush(stdout);
}
