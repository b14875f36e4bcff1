/* log.c - leveled, sanitized diagnostics on stderr, journald-aware. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "smartlock/log.h"
#include "smartlock/utf8.h"

#define LOG_LINE_MAX 1024

struct level_info {
	const char *name;
	int priority;           /* sd-daemon / syslog priority */
};

static const struct level_info levels[] = {
	[SL_LOG_ERROR] = {"error", 3},
	[SL_LOG_WARNING] = {"warning", 4},
	[SL_LOG_NOTICE] = {"notice", 5},
	[SL_LOG_INFO] = {"info", 6},
	[SL_LOG_DEBUG] = {"debug", 7},
};

/* The logger's process-wide settings, written only by sl_log_setup() and
 * sl_log_set_level() (see log.h). */
static const char *log_prog = "smartlock";
static enum sl_log_level log_max = SL_LOG_INFO;
static bool log_journal;

static enum sl_log_level clamp_level(enum sl_log_level level)
{
	if ((unsigned)level > SL_LOG_DEBUG)
		return SL_LOG_DEBUG;
	return level;
}

/* True when JOURNAL_STREAM ("<dev>:<inode>") names the file on stderr. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (!env || env[0] < '0' || env[0] > '9')
		return false;
	errno = 0;
	dev = strtoull(env, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	ino = strtoull(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void sl_log_setup(const char *prog, enum sl_log_level max_level)
{
	int saved = errno;

	log_prog = prog && prog[0] ? prog : "smartlock";
	log_max = clamp_level(max_level);
	log_journal = stderr_is_journal();
	errno = saved;
}

void sl_log_set_level(enum sl_log_level max_level)
{
	log_max = clamp_level(max_level);
}

enum sl_log_level sl_log_get_level(void)
{
	return log_max;
}

static void write_line(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (n == 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

void sl_vlog(enum sl_log_level level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX], msg[LOG_LINE_MAX];
	size_t prefix, len;
	int saved = errno;
	int n;

	level = clamp_level(level);
	if (level > log_max)
		return;

	if (log_journal)
		n = snprintf(line, sizeof(line), "<%d>", levels[level].priority);
	else
		n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, levels[level].name);
	if (n < 0)
		goto out;
	/* A very long program name still leaves room for the message. */
	prefix = (size_t)n < sizeof(line) / 2 ? (size_t)n : sizeof(line) / 2;
	prefix = utf8_sanitize_n(line, prefix);

	errno = saved;  /* for %m */
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		n = 0;
	len = (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
	/* controls as '?', bidi and other format characters written out */
	len = prefix + utf8_escape(line + prefix, sizeof(line) - prefix - 1, msg, len);
	line[len++] = '\n';
	write_line(line, len);
out:
	errno = saved;
}

void sl_log(enum sl_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_vlog(level, fmt, ap);
	va_end(ap);
}
