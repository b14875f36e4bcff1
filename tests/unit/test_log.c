/* test_log.c - log line format, level filtering, sanitizing, journald prefix. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/log.h"

struct capture {
	int saved_stderr;
	int pipe_rd;
	char buf[8192];
};

/* Point stderr at a pipe for one test; the state is the capture. */
static int capture_start(void **state)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	int fds[2];

	if (!cap)
		return -1;
	if (pipe2(fds, O_CLOEXEC) != 0)
		goto free_cap;
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
		goto close_pipe;
	cap->saved_stderr = dup(STDERR_FILENO);
	if (cap->saved_stderr < 0)
		goto close_pipe;
	if (dup2(fds[1], STDERR_FILENO) < 0)
		goto close_saved;
	close(fds[1]);
	cap->pipe_rd = fds[0];
	unsetenv("JOURNAL_STREAM");
	*state = cap;
	return 0;

close_saved:
	close(cap->saved_stderr);
close_pipe:
	close(fds[0]);
	close(fds[1]);
free_cap:
	free(cap);
	return -1;
}

static int capture_stop(void **state)
{
	struct capture *cap = *state;

	dup2(cap->saved_stderr, STDERR_FILENO);
	close(cap->saved_stderr);
	close(cap->pipe_rd);
	unsetenv("JOURNAL_STREAM");
	free(cap);
	return 0;
}

/* Everything written to stderr since the last call. */
static const char *captured(struct capture *cap)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(cap->pipe_rd, cap->buf + len, sizeof(cap->buf) - 1 - len);

		if (n <= 0)
			break;
		len += (size_t)n;
	}
	cap->buf[len] = '\0';
	return cap->buf;
}

/* A right-to-left override in a name from the network is written out, not
 * obeyed by whoever reads the log. */
static void test_bidi_escaped(void **state)
{
	struct capture *cap = *state;

	sl_log_setup("smartlock-agent", SL_LOG_DEBUG);
	sl_log(SL_LOG_WARNING, "login refused: user \"%s\"", "mal\xe2\x80\xaeyrot");
	assert_string_equal(captured(cap),
			"smartlock-agent: warning: login refused: user \"mal\\u202Eyrot\"\n");
}

static void test_format(void **state)
{
	struct capture *cap = *state;

	sl_log_setup("smartlock-agent", SL_LOG_DEBUG);
	sl_log(SL_LOG_WARNING, "lock %s went offline", "front-door");
	assert_string_equal(captured(cap), "smartlock-agent: warning: lock front-door went offline\n");
	sl_log(SL_LOG_ERROR, "e%d", 1);
	sl_log(SL_LOG_NOTICE, "n");
	sl_log(SL_LOG_INFO, "i");
	sl_log(SL_LOG_DEBUG, "d");
	assert_string_equal(captured(cap),
			"smartlock-agent: error: e1\n"
			"smartlock-agent: notice: n\n"
			"smartlock-agent: info: i\n"
			"smartlock-agent: debug: d\n");
	sl_log(SL_LOG_INFO, "%s", "");
	assert_string_equal(captured(cap), "smartlock-agent: info: \n");
}

static void vlog_helper(enum sl_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vlog_helper(enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_vlog(level, fmt, ap);
	va_end(ap);
}

static void test_vlog(void **state)
{
	struct capture *cap = *state;

	sl_log_setup("smartlockctl", SL_LOG_INFO);
	vlog_helper(SL_LOG_ERROR, "%s=%d", "x", 42);
	assert_string_equal(captured(cap), "smartlockctl: error: x=42\n");
}

static void test_level_filter(void **state)
{
	struct capture *cap = *state;

	sl_log_setup("p", SL_LOG_NOTICE);
	assert_int_equal(sl_log_get_level(), SL_LOG_NOTICE);
	sl_log(SL_LOG_DEBUG, "debug");
	sl_log(SL_LOG_INFO, "info");
	assert_string_equal(captured(cap), "");
	sl_log(SL_LOG_NOTICE, "notice");
	sl_log(SL_LOG_ERROR, "error");
	assert_string_equal(captured(cap), "p: notice: notice\np: error: error\n");

	sl_log_set_level(SL_LOG_ERROR);
	assert_int_equal(sl_log_get_level(), SL_LOG_ERROR);
	sl_log(SL_LOG_WARNING, "w");
	assert_string_equal(captured(cap), "");
	sl_log(SL_LOG_ERROR, "e");
	assert_string_equal(captured(cap), "p: error: e\n");

	sl_log_set_level(SL_LOG_DEBUG);
	sl_log(SL_LOG_DEBUG, "d");
	assert_string_equal(captured(cap), "p: debug: d\n");
}

static void test_control_chars_replaced(void **state)
{
	struct capture *cap = *state;

	sl_log_setup("agent", SL_LOG_INFO);
	/* a user name from the network trying to forge a second line */
	sl_log(SL_LOG_WARNING, "bad login by %s", "eve\nagent: info: door unlocked");
	assert_string_equal(captured(cap),
			"agent: warning: bad login by eve?agent: info: door unlocked\n");
	sl_log(SL_LOG_INFO, "%s", "a\x1b[31mred\x7f\tb\rc");
	assert_string_equal(captured(cap), "agent: info: a?[31mred??b?c\n");
	/* UTF-8 kept; an invalid byte and a (two-byte) C1 control each
	 * become one '?' */
	sl_log(SL_LOG_INFO, "%s", "caf\xc3\xa9 \xff \xc2\x9b");
	assert_string_equal(captured(cap), "agent: info: caf\xc3\xa9 ? ?\n");
}

static void test_long_message_bounded(void **state)
{
	struct capture *cap = *state;
	char big[4000];
	const char *out;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sl_log_setup("agent", SL_LOG_INFO);
	sl_log(SL_LOG_INFO, "%s", big);
	out = captured(cap);
	assert_true(strlen(out) < 2048);
	assert_true(strlen(out) > 512);
	assert_int_equal(strncmp(out, "agent: info: xxx", 16), 0);
	/* exactly one line, newline-terminated */
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
}

static void test_errno_preserved(void **state)
{
	struct capture *cap = *state;
	char want[128];

	sl_log_setup("agent", SL_LOG_INFO);
	errno = EACCES;
	sl_log(SL_LOG_ERROR, "open: %m");
	assert_int_equal(errno, EACCES);
	snprintf(want, sizeof(want), "agent: error: open: %s\n", strerror(EACCES));
	assert_string_equal(captured(cap), want);
	errno = ENOENT;
	sl_log(SL_LOG_DEBUG, "filtered");
	assert_int_equal(errno, ENOENT);
}

static void set_journal_stream(unsigned long long dev, unsigned long long ino)
{
	char env[64];

	snprintf(env, sizeof(env), "%llu:%llu", dev, ino);
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
}

static void test_journal_prefix(void **state)
{
	struct capture *cap = *state;
	struct stat st;

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	set_journal_stream(st.st_dev, st.st_ino);
	sl_log_setup("smartlock-agent", SL_LOG_DEBUG);
	sl_log(SL_LOG_WARNING, "lock %s went offline", "front-door");
	sl_log(SL_LOG_ERROR, "e");
	sl_log(SL_LOG_NOTICE, "n");
	sl_log(SL_LOG_INFO, "i\x01");
	sl_log(SL_LOG_DEBUG, "d");
	assert_string_equal(captured(cap),
			"<4>lock front-door went offline\n<3>e\n<5>n\n<6>i?\n<7>d\n");
}

static void test_journal_mismatch(void **state)
{
	static const char *const bad_env[] = {"", "abc", "1:", ":2", "1:2x", "-1:2", "1 :2"};
	struct capture *cap = *state;
	struct stat st;

	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	/* right device, wrong inode: stderr is not the journal stream */
	set_journal_stream(st.st_dev, st.st_ino + 1);
	sl_log_setup("agent", SL_LOG_INFO);
	sl_log(SL_LOG_WARNING, "w");
	assert_string_equal(captured(cap), "agent: warning: w\n");
	set_journal_stream(st.st_dev + 1, st.st_ino);
	sl_log_setup("agent", SL_LOG_INFO);
	sl_log(SL_LOG_WARNING, "w");
	assert_string_equal(captured(cap), "agent: warning: w\n");
	for (size_t i = 0; i < sizeof(bad_env) / sizeof(bad_env[0]); i++) {
		assert_int_equal(setenv("JOURNAL_STREAM", bad_env[i], 1), 0);
		sl_log_setup("agent", SL_LOG_INFO);
		sl_log(SL_LOG_WARNING, "w");
		assert_string_equal(captured(cap), "agent: warning: w\n");
	}
}

static void test_default_prog(void **state)
{
	struct capture *cap = *state;

	sl_log_setup(NULL, SL_LOG_INFO);
	sl_log(SL_LOG_INFO, "x");
	assert_string_equal(captured(cap), "smartlock: info: x\n");
	sl_log_setup("bad\nprog", SL_LOG_INFO);
	sl_log(SL_LOG_INFO, "x");
	assert_string_equal(captured(cap), "bad?prog: info: x\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_bidi_escaped, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_vlog, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_level_filter, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_control_chars_replaced, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_long_message_bounded, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_errno_preserved, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_journal_prefix, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_journal_mismatch, capture_start, capture_stop),
		cmocka_unit_test_setup_teardown(test_default_prog, capture_start, capture_stop),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
