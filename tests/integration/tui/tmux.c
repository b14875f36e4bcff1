/* tmux.c - a private tmux server as the console's terminal in tests. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmux.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run tmux -S socket args...; its stdout (malloc'd) into *out if not NULL.
 * Returns its exit status or -1. */
static int run_tmux(struct tmux *t, char *const args[], char **out)
{
	char *argv[64];
	int pipefd[2], status;
	size_t n = 0, len = 0, cap = 0;
	char *buf = NULL;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-S";
	argv[n++] = t->socket;
	for (size_t i = 0; args[i] && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		sigset_t none;

		/* the tmux server must see its children exit: no signal the
		 * test process blocks or ignores is passed on */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		dup2(pipefd[1], STDOUT_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		execvp("tmux", argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t r;

		if (len + 4096 + 1 > cap) {
			char *grown = realloc(buf, cap ? cap * 2 : 8192);

			if (!grown)
				break;
			buf = grown;
			cap = cap ? cap * 2 : 8192;
		}
		r = read(pipefd[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pipefd[0]);
	if (buf)
		buf[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tmux_start(struct tmux *t, const char *dir, int cols, int rows, char *const argv[],
		const char *const env[])
{
	char conf[600], x[16], y[16];
	char *args[96];
	size_t n = 0;
	FILE *f;

	struct timespec ts;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	/* a fresh socket per server: an old one may still be going away */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(t->socket, sizeof(t->socket), "%.400s/tmux-%lld.sock", dir,
			(long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	snprintf(conf, sizeof(conf), "%.480s/tmux.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return -1;
	/* the pane is the whole window; a finished program's screen stays */
	fprintf(f, "set -g status off\nset -g remain-on-exit on\n"
			"set -g default-terminal tmux-256color\nset -g history-limit 0\n"
			"set -g bell-action any\nset -g visual-bell off\n"
			"set-hook -g alert-bell \"run-shell \\\"echo bell >> %s/bell.log\\\"\"\n",
			dir);
	fclose(f);
	snprintf(x, sizeof(x), "%d", cols);
	snprintf(y, sizeof(y), "%d", rows);
	args[n++] = "-f";
	args[n++] = conf;
	args[n++] = "new-session";
	args[n++] = "-d";
	args[n++] = "-s";
	args[n++] = "t";
	args[n++] = "-x";
	args[n++] = x;
	args[n++] = "-y";
	args[n++] = y;
	for (size_t i = 0; env && env[i] && n < 80; i++) {
		args[n++] = "-e";
		args[n++] = (char *)env[i];
	}
	args[n++] = "--";
	for (size_t i = 0; argv[i] && n < 95; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (run_tmux(t, args, NULL) != 0)
		return -1;
	t->running = true;
	return 0;
}

void tmux_stop(struct tmux *t)
{
	if (!t->running)
		return;
	run_tmux(t, (char *const[]){"kill-server", NULL}, NULL);
	t->running = false;
}

char *tmux_capture(struct tmux *t, bool escapes)
{
	char *out = NULL;

	if (escapes)
		run_tmux(t, (char *const[]){"capture-pane", "-p", "-e", "-t", "t", NULL}, &out);
	else
		run_tmux(t, (char *const[]){"capture-pane", "-p", "-t", "t", NULL}, &out);
	return out;
}

/* A short pause between two looks at the screen: tmux has no event for
 * "the pane now shows X"; the wait itself is bounded by the deadline. */
static void pause_briefly(void)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 30 * 1000000L};

	nanosleep(&ts, NULL);
}

static int wait_screen(struct tmux *t, const char *needle, bool present, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char *screen = NULL;

	for (;;) {
		free(screen);
		screen = tmux_capture(t, false);
		if (screen && (strstr(screen, needle) != NULL) == present) {
			free(screen);
			return 0;
		}
		if (now_ms() >= deadline)
			break;
		pause_briefly();
	}
	fprintf(stderr, "waited %d ms for the screen %s \"%s\"; it shows:\n%s\n", timeout_ms,
			present ? "to show" : "to lose", needle, screen ? screen : "(nothing)");
	free(screen);
	return -1;
}

int tmux_wait_for(struct tmux *t, const char *needle, int timeout_ms)
{
	return wait_screen(t, needle, true, timeout_ms);
}

int tmux_wait_gone(struct tmux *t, const char *needle, int timeout_ms)
{
	return wait_screen(t, needle, false, timeout_ms);
}

int tmux_keys(struct tmux *t, const char *keys, bool literal)
{
	if (literal)
		return run_tmux(t, (char *const[]){"send-keys", "-t", "t", "-l", "--", (char *)keys,
				NULL}, NULL) == 0 ? 0 : -1;
	return run_tmux(t, (char *const[]){"send-keys", "-t", "t", (char *)keys, NULL}, NULL) == 0 ?
			0 : -1;
}

int tmux_pipe(struct tmux *t, const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "cat >> '%.500s'", path);
	return run_tmux(t, (char *const[]){"pipe-pane", "-t", "t", cmd, NULL}, NULL) == 0 ? 0 : -1;
}

int tmux_resize(struct tmux *t, int cols, int rows)
{
	char x[16], y[16];

	snprintf(x, sizeof(x), "%d", cols);
	snprintf(y, sizeof(y), "%d", rows);
	return run_tmux(t, (char *const[]){"resize-window", "-t", "t", "-x", x, "-y", y, NULL},
			NULL) == 0 ? 0 : -1;
}

int tmux_query(struct tmux *t, const char *format, char *buf, size_t size)
{
	char *out = NULL;
	size_t len;

	if (run_tmux(t, (char *const[]){"display-message", "-p", "-t", "t", (char *)format, NULL},
			&out) != 0 || !out) {
		free(out);
		return -1;
	}
	len = strlen(out);
	while (len > 0 && out[len - 1] == '\n')
		out[--len] = '\0';
	snprintf(buf, size, "%s", out);
	free(out);
	return 0;
}

int tmux_wait_exit(struct tmux *t, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	char buf[64], server[32];

	for (;;) {
		/* the pane is dead at EOF; its status comes with the SIGCHLD */
		if (tmux_query(t, "#{pane_dead}:#{pane_dead_status}:#{pane_dead_signal}", buf,
				sizeof(buf)) == 0 && buf[0] == '1') {
			char *status = buf + 2, *sig = strchr(status, ':');
			char *end;
			long v;

			if (sig) {
				*sig++ = '\0';
				if (status[0]) {
					v = strtol(status, &end, 10);
					if (end != status)
						return (int)v;
				} else if (sig[0]) {
					v = strtol(sig, &end, 10);
					if (end != sig)
						return 128 + (int)v;
				}
			}
			/* Debian's tmux uses libutempter, whose own SIGCHLD
			 * handler can swallow the child's signal (tmux issue
			 * 311): tell the server again so it reaps the child */
			if (tmux_query(t, "#{pid}", server, sizeof(server)) == 0) {
				long pid = strtol(server, &end, 10);

				if (end != server && pid > 0)
					kill((pid_t)pid, SIGCHLD);
			}
		}
		if (now_ms() >= deadline) {
			fprintf(stderr, "the program did not exit within %d ms\n", timeout_ms);
			return -1;
		}
		pause_briefly();
	}
}

int tmux_pane_pid(struct tmux *t)
{
	char buf[32];
	char *end;
	long pid;

	if (tmux_query(t, "#{pane_pid}", buf, sizeof(buf)) != 0)
		return -1;
	pid = strtol(buf, &end, 10);
	return end == buf || pid <= 0 ? -1 : (int)pid;
}
