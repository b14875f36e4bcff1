/* test_config.c - the configuration file parser and loader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/config.h"
#include "smartlock/sign.h"
#include "smartlock/topic.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum speed { SPEED_UNSET, SPEED_FAST, SPEED_SLOW };

struct settings {
	int64_t heartbeat;
	char lock[SL_NAME_MAX + 1];
	enum speed mode;
	int64_t port;
	struct sl_key secret;
	char text[16];
	bool tls;
};

static enum sl_err parse_speed(const char *value, void *field, char *msg, size_t msg_size)
{
	static const struct { const char *word; enum speed v; } words[] = {
		{"fast", SPEED_FAST}, {"slow", SPEED_SLOW},
	};

	for (size_t i = 0; i < ARRAY_LEN(words); i++) {
		if (strcmp(value, words[i].word) == 0) {
			memcpy(field, &words[i].v, sizeof(words[i].v));
			return SL_OK;
		}
	}
	snprintf(msg, msg_size, "expected fast or slow");
	return SL_ERR_BAD_VALUE;
}

/* sorted by name */
static const struct sl_config_key keys[] = {
	{ .name = "heartbeat_timeout", .type = SL_CFG_INT,
	  .offset = offsetof(struct settings, heartbeat), .min = 1, .max = 3600 },
	{ .name = "lock", .type = SL_CFG_NAME, .required = true,
	  .offset = offsetof(struct settings, lock), .size = sizeof(((struct settings *)0)->lock) },
	{ .name = "mode", .type = SL_CFG_CUSTOM,
	  .offset = offsetof(struct settings, mode), .parse = parse_speed },
	{ .name = "port", .type = SL_CFG_INT,
	  .offset = offsetof(struct settings, port), .min = 1, .max = 65535 },
	{ .name = "secret", .type = SL_CFG_KEY,
	  .offset = offsetof(struct settings, secret) },
	{ .name = "text", .type = SL_CFG_STRING,
	  .offset = offsetof(struct settings, text), .size = sizeof(((struct settings *)0)->text) },
	{ .name = "tls", .type = SL_CFG_BOOL,
	  .offset = offsetof(struct settings, tls) },
};

static const char secret_hex[] =
	"8f3a9c2e71d04b56a8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a291";

/* Per-run state, handed to every test through cmocka's state pointer. */
struct fixture {
	struct settings s;
	struct sl_config_error err;
	char tmpdir[64];
};

static void defaults(struct fixture *f)
{
	memset(&f->s, 0, sizeof(f->s));
	f->s.heartbeat = 60;
	snprintf(f->s.lock, sizeof(f->s.lock), "default-lock");
	f->s.port = 1883;
	snprintf(f->s.text, sizeof(f->s.text), "dflt");
}

static enum sl_err parse_n(struct fixture *f, const char *text, size_t len)
{
	defaults(f);
	memset(&f->err, 0x7e, sizeof(f->err));
	return config_parse(text, len, "agent.conf", keys, ARRAY_LEN(keys), &f->s, &f->err);
}

static enum sl_err parse(struct fixture *f, const char *text)
{
	return parse_n(f, text, strlen(text));
}

/* Assert the error's code, line, key, a fragment of its message and the
 * formatted "file:line: key: msg". */
static void check_error(struct fixture *f, enum sl_err got, enum sl_err code,
		unsigned line, const char *key, const char *fragment)
{
	char formatted[512], prefix[128];

	if (got != code)
		fail_msg("got %s (%s), want %s", sl_errname(got), f->err.msg, sl_errname(code));
	assert_int_equal(f->err.code, code);
	assert_int_equal(f->err.line, line);
	assert_string_equal(f->err.key, key);
	assert_string_equal(f->err.file, "agent.conf");
	if (!strstr(f->err.msg, fragment))
		fail_msg("message \"%s\" lacks \"%s\"", f->err.msg, fragment);

	config_error_format(&f->err, formatted, sizeof(formatted));
	if (line && key[0])
		snprintf(prefix, sizeof(prefix), "agent.conf:%u: %s: ", line, key);
	else if (line)
		snprintf(prefix, sizeof(prefix), "agent.conf:%u: ", line);
	else
		snprintf(prefix, sizeof(prefix), "agent.conf: %s: ", key);
	assert_true(strncmp(formatted, prefix, strlen(prefix)) == 0);
	assert_string_equal(formatted + strlen(prefix), f->err.msg);
}

static void test_full_file(void **state)
{
	struct sl_key want;
	const char *text =
		"# smartlock agent\n"
		"\n"
		"   # indented comment\n"
		"lock = back-door\r\n"
		"\theartbeat_timeout=3600   \n"
		"port   =   8883\n"
		"tls = yes\n"
		"mode = slow\n"
		"secret = 8f3a9c2e71d04b56a8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a291\n"
		"text = \"  a \\\"b\\\" \\\\ c\"  \n"
		"  \t \n"
		"# done";

	struct fixture *f = *state;
	assert_int_equal(parse(f, text), SL_OK);
	assert_int_equal(f->err.code, SL_OK);
	assert_string_equal(f->s.lock, "back-door");
	assert_int_equal(f->s.heartbeat, 3600);
	assert_int_equal(f->s.port, 8883);
	assert_true(f->s.tls);
	assert_int_equal(f->s.mode, SPEED_SLOW);
	assert_int_equal(sign_key_from_hex(&want, secret_hex), SL_OK);
	assert_memory_equal(f->s.secret.bytes, want.bytes, SL_KEY_BYTES);
	assert_string_equal(f->s.text, "  a \"b\" \\ c");
}

static void test_absent_keys_keep_defaults(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "lock = x"), SL_OK);   /* no final newline */
	assert_string_equal(f->s.lock, "x");
	assert_int_equal(f->s.heartbeat, 60);
	assert_int_equal(f->s.port, 1883);
	assert_string_equal(f->s.text, "dflt");
	assert_false(f->s.tls);
	assert_int_equal(f->s.mode, SPEED_UNSET);
}

static void test_values_trimmed_and_plain(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "lock=x\ntext =  two words \t\n"), SL_OK);
	assert_string_equal(f->s.text, "two words");
	assert_int_equal(parse(f, "lock=x\ntext = \"\"\n"), SL_OK);
	assert_string_equal(f->s.text, "");
	assert_int_equal(parse(f, "lock=x\ntext = a\"b\n"), SL_OK);
	assert_string_equal(f->s.text, "a\"b");
	assert_int_equal(parse(f, "lock=x\ntext = \"#not a comment\"\n"), SL_OK);
	assert_string_equal(f->s.text, "#not a comment");
	assert_int_equal(parse(f, "lock=x\ntext = a=b\n"), SL_OK);
	assert_string_equal(f->s.text, "a=b");
	assert_int_equal(parse(f, "lock=x\ntext = caf\xc3\xa9\n"), SL_OK);
	assert_string_equal(f->s.text, "caf\xc3\xa9");
}

static void test_crlf(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "lock = a\r\nport = 12\r\ntext = \"q\"\r\n"), SL_OK);
	assert_string_equal(f->s.lock, "a");
	assert_int_equal(f->s.port, 12);
	assert_string_equal(f->s.text, "q");
	/* a CR anywhere else is a control character */
	check_error(f, parse(f, "lock = a\r\ntext = x\ry\r\n"), SL_ERR_CONFIG_SYNTAX, 2, "", "control");
}

static void test_quoted_errors(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "lock = a\ntext = \"abc\n"), SL_ERR_CONFIG_SYNTAX, 2, "text",
			"closing");
	check_error(f, parse(f, "lock = a\ntext = \"a\\nb\"\n"), SL_ERR_CONFIG_SYNTAX, 2, "text",
			"escape");
	check_error(f, parse(f, "lock = a\n\ntext = \"a\" b\n"), SL_ERR_CONFIG_SYNTAX, 3, "text",
			"after the closing");
	check_error(f, parse(f, "lock = a\ntext = \"a\\\"\n"), SL_ERR_CONFIG_SYNTAX, 2, "text",
			"closing");
}

static void test_unknown_key(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "lock = a\n\nport = 1\nhearbeat_timeout = 5\n"),
			SL_ERR_CONFIG_KEY, 4, "hearbeat_timeout", "unknown key");
	check_error(f, parse(f, "Lock = a\n"), SL_ERR_CONFIG_KEY, 1, "Lock", "unknown key");
	check_error(f, parse(f, "lo ck = a\n"), SL_ERR_CONFIG_KEY, 1, "lo ck", "unknown key");
}

static void test_duplicate_key(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "port = 1\nlock = a\n# x\nport = 1\n"), SL_ERR_CONFIG_KEY, 4, "port",
			"given twice, first on line 1");
	check_error(f, parse(f, "lock = a\nlock = a\n"), SL_ERR_CONFIG_KEY, 2, "lock",
			"given twice, first on line 1");
}

static void test_bad_int(void **state)
{
	static const char *const bad[] = {
		"12x", "+5", "0x10", "1e3", "", "\"\"", "- 1", "1 2", "0", "3601", "-1",
		"99999999999999999999999", "\"60 \"",
	};
	char text[128];

	struct fixture *f = *state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "lock = a\nheartbeat_timeout = %s\n", bad[i]);
		check_error(f, parse(f, text), SL_ERR_CONFIG_VALUE, 2, "heartbeat_timeout",
				"expected an integer from 1 to 3600");
		assert_int_equal(f->s.heartbeat, 60);
	}
	assert_int_equal(parse(f, "lock = a\nheartbeat_timeout = 1\n"), SL_OK);
	assert_int_equal(f->s.heartbeat, 1);
	assert_int_equal(parse(f, "lock = a\nheartbeat_timeout = \"42\"\n"), SL_OK);
	assert_int_equal(f->s.heartbeat, 42);
	check_error(f, parse(f, "lock = a\nport = 65536\n"), SL_ERR_CONFIG_VALUE, 2, "port",
			"expected an integer from 1 to 65535");
}

static void test_bool(void **state)
{
	static const struct { const char *word; bool v; } good[] = {
		{"true", true}, {"false", false}, {"yes", true}, {"no", false},
		{"on", true}, {"off", false}, {"1", true}, {"0", false},
	};
	static const char *const bad[] = {"maybe", "", "2", "truee", "y", "TRUE1"};
	char text[64];

	struct fixture *f = *state;
	for (size_t i = 0; i < ARRAY_LEN(good); i++) {
		snprintf(text, sizeof(text), "lock = a\ntls = %s\n", good[i].word);
		defaults(f);
		f->s.tls = !good[i].v;
		assert_int_equal(parse(f, text), SL_OK);
		assert_int_equal(f->s.tls, good[i].v);
	}
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "lock = a\ntls = %s\n", bad[i]);
		check_error(f, parse(f, text), SL_ERR_CONFIG_VALUE, 2, "tls", "expected true or false");
	}
}

static void test_bad_name(void **state)
{
	static const struct { const char *value; enum sl_err name_err; } bad[] = {
		{"front door", SL_ERR_NAME_CHARSET},
		{"a/b", SL_ERR_NAME_SLASH},
		{"a+", SL_ERR_NAME_WILDCARD},
		{"\"\"", SL_ERR_NAME_EMPTY},
		{"_site", SL_ERR_NAME_CHARSET},
		{"123456789012345678901234567890123", SL_ERR_NAME_TOO_LONG},
	};
	char text[128];

	struct fixture *f = *state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "port = 2\nlock = %s\n", bad[i].value);
		check_error(f, parse(f, text), SL_ERR_CONFIG_VALUE, 2, "lock",
				sl_strerror(bad[i].name_err));
		assert_string_equal(f->s.lock, "default-lock");
	}
}

static void test_bad_key_never_leaks(void **state)
{
	/* secret-looking values, each wrong in a different way */
	static const char *const bad[] = {
		"8f3a9c2e71d04b56a8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a29",    /* 63 */
		"8f3a9c2e71d04b56a8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a2911",  /* 65 */
		"8f3a9c2e71d04b56a8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a29z",
		"8f3a9c2e71d04b56 8e9f0c1d2b3a4958677e6d5c4b3a29180f7e6d5c4b3a291",
	};
	char text[256], formatted[512];

	struct fixture *f = *state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "lock = a\nsecret = %s\n", bad[i]);
		check_error(f, parse(f, text), SL_ERR_CONFIG_VALUE, 2, "secret",
				"expected 64 hex digits");
		config_error_format(&f->err, formatted, sizeof(formatted));
		/* no 8 consecutive characters of the value anywhere in the error */
		for (size_t off = 0; off + 8 <= strlen(bad[i]); off++) {
			assert_null(memmem(&f->err, sizeof(f->err), bad[i] + off, 8));
			assert_null(memmem(formatted, strlen(formatted), bad[i] + off, 8));
		}
	}
}

static void test_custom(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "lock = a\nmode = fast\n"), SL_OK);
	assert_int_equal(f->s.mode, SPEED_FAST);
	check_error(f, parse(f, "lock = a\nmode = medium\n"), SL_ERR_CONFIG_VALUE, 2, "mode",
			"expected fast or slow");
}

static void test_string_too_long(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "lock = a\ntext = 123456789012345\n"), SL_OK);
	assert_string_equal(f->s.text, "123456789012345");
	check_error(f, parse(f, "lock = a\ntext = 1234567890123456\n"), SL_ERR_CONFIG_VALUE, 2, "text",
			"at most 15 bytes");
	assert_string_equal(f->s.text, "dflt");
}

static void test_missing_required(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "port = 5\n"), SL_ERR_CONFIG_MISSING, 0, "lock", "missing");
	check_error(f, parse(f, ""), SL_ERR_CONFIG_MISSING, 0, "lock", "missing");
	check_error(f, parse(f, "# only a comment\n\n"), SL_ERR_CONFIG_MISSING, 0, "lock", "missing");
	/* reported only after the whole file parsed: a later error wins */
	check_error(f, parse(f, "port = 5\nbogus = 1\n"), SL_ERR_CONFIG_KEY, 2, "bogus", "unknown key");
}

static void test_empty_table_empty_file(void **state)
{
	struct sl_config_error e;
	int dummy = 0;

	(void)state;
	assert_int_equal(config_parse("", 0, "x.conf", NULL, 0, &dummy, &e), SL_OK);
	assert_int_equal(config_parse("\n# c\n", 5, "x.conf", NULL, 0, &dummy, &e), SL_OK);
	assert_int_equal(config_parse("a = 1\n", 6, "x.conf", NULL, 0, &dummy, &e),
			SL_ERR_CONFIG_KEY);
	assert_int_equal(e.line, 1);
	/* NULL error pointer is allowed */
	assert_int_equal(config_parse("a = 1\n", 6, "x.conf", NULL, 0, &dummy, NULL),
			SL_ERR_CONFIG_KEY);
}

static void test_syntax(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "lock = a\njust words\n"), SL_ERR_CONFIG_SYNTAX, 2, "", "key = value");
	check_error(f, parse(f, "lock = a\n = value\n"), SL_ERR_CONFIG_SYNTAX, 2, "", "key is missing");
}

static void test_long_line(void **state)
{
	char text[SL_CONFIG_LINE_MAX + 64];

	struct fixture *f = *state;
	/* exactly SL_CONFIG_LINE_MAX bytes (plus CRLF) is fine */
	snprintf(text, sizeof(text), "lock = a\n#");
	memset(text + strlen(text), 'x', SL_CONFIG_LINE_MAX - 1);
	text[10 + SL_CONFIG_LINE_MAX - 1] = '\0';
	strcat(text, "\r\nport = 3\n");
	assert_int_equal(parse(f, text), SL_OK);
	assert_int_equal(f->s.port, 3);

	snprintf(text, sizeof(text), "lock = a\n#");
	memset(text + strlen(text), 'x', SL_CONFIG_LINE_MAX);
	text[10 + SL_CONFIG_LINE_MAX] = '\0';
	strcat(text, "\nport = 3\n");
	check_error(f, parse(f, text), SL_ERR_CONFIG_SYNTAX, 2, "", "longer than 1024 bytes");
	assert_int_equal(f->s.port, 1883);
}

static void test_nul_byte(void **state)
{
	static const char text[] = "lock = a\nport = 1\0\n";

	struct fixture *f = *state;
	check_error(f, parse_n(f, text, sizeof(text) - 1), SL_ERR_CONFIG_SYNTAX, 2, "", "NUL");
	/* even inside a comment */
	check_error(f, parse_n(f, "# a\0b\nlock = a\n", 14), SL_ERR_CONFIG_SYNTAX, 1, "", "NUL");
}

static void test_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"caf\xc3", "\x80", "\xf0\x9f\x98",
	};
	char text[64];

	struct fixture *f = *state;
	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "lock = a\n\ntext = %s\n", bad[i]);
		check_error(f, parse(f, text), SL_ERR_CONFIG_SYNTAX, 3, "", "UTF-8");
	}
	/* a 4-byte sequence is fine */
	assert_int_equal(parse(f, "lock = a\ntext = \xf0\x9f\x94\x92\n"), SL_OK);
	assert_string_equal(f->s.text, "\xf0\x9f\x94\x92");
}

static void test_control_char(void **state)
{
	struct fixture *f = *state;
	check_error(f, parse(f, "lock = a\ntext = a\x1b[2Jb\n"), SL_ERR_CONFIG_SYNTAX, 2, "",
			"control");
	check_error(f, parse(f, "lock = a\ntext = a\x7f\n"), SL_ERR_CONFIG_SYNTAX, 2, "", "control");
}

static void test_unsorted_table_refused(void **state)
{
	static const struct sl_config_key unsorted[] = {
		{ .name = "port", .type = SL_CFG_INT, .offset = offsetof(struct settings, port),
		  .min = 1, .max = 2 },
		{ .name = "lock", .type = SL_CFG_NAME, .offset = offsetof(struct settings, lock),
		  .size = SL_NAME_MAX + 1 },
	};
	struct sl_config_error e;

	struct fixture *f = *state;
	assert_int_equal(config_parse("lock = a\n", 9, "x", unsorted, 2, &f->s, &e), SL_ERR_INTERNAL);
}

static void test_parse_int(void **state)
{
	static const struct {
		const char *s;
		int64_t min, max;
		enum sl_err want;
		int64_t v;
	} cases[] = {
		{"0", 0, 10, SL_OK, 0},
		{"10", 0, 10, SL_OK, 10},
		{"-5", -5, 5, SL_OK, -5},
		{"-0", 0, 0, SL_OK, 0},
		{"007", 0, 10, SL_OK, 7},
		{"9223372036854775807", INT64_MIN, INT64_MAX, SL_OK, INT64_MAX},
		{"-9223372036854775808", INT64_MIN, INT64_MAX, SL_OK, INT64_MIN},
		{"9223372036854775808", INT64_MIN, INT64_MAX, SL_ERR_RANGE, 0},
		{"-9223372036854775809", INT64_MIN, INT64_MAX, SL_ERR_RANGE, 0},
		{"11", 0, 10, SL_ERR_RANGE, 0},
		{"-6", -5, 5, SL_ERR_RANGE, 0},
		{"", 0, 10, SL_ERR_INVAL, 0},
		{"-", 0, 10, SL_ERR_INVAL, 0},
		{"+1", 0, 10, SL_ERR_INVAL, 0},
		{" 1", 0, 10, SL_ERR_INVAL, 0},
		{"1 ", 0, 10, SL_ERR_INVAL, 0},
		{"\t1", 0, 10, SL_ERR_INVAL, 0},
		{"0x1", 0, 10, SL_ERR_INVAL, 0},
		{"1.0", 0, 10, SL_ERR_INVAL, 0},
		{"--1", -5, 10, SL_ERR_INVAL, 0},
		{"- 1", -5, 10, SL_ERR_INVAL, 0},
		{"1a", 0, 10, SL_ERR_INVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		int64_t v = 12345;
		enum sl_err got = config_parse_int(cases[i].s, cases[i].min, cases[i].max, &v);

		if (got != cases[i].want)
			fail_msg("\"%s\": got %s, want %s", cases[i].s, sl_errname(got),
					sl_errname(cases[i].want));
		assert_int_equal(v, got == SL_OK ? cases[i].v : 12345);
	}
	assert_int_equal(config_parse_int(NULL, 0, 1, &(int64_t){0}), SL_ERR_INVAL);
}

static void test_error_format(void **state)
{
	struct sl_config_error e;
	char buf[256];

	(void)state;
	memset(&e, 0, sizeof(e));
	e.code = SL_ERR_CONFIG_VALUE;
	snprintf(e.file, sizeof(e.file), "/etc/smartlock/agent.conf");
	e.line = 12;
	snprintf(e.key, sizeof(e.key), "heartbeat_timeout");
	snprintf(e.msg, sizeof(e.msg), "expected an integer from 1 to 3600");
	config_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "/etc/smartlock/agent.conf:12: heartbeat_timeout: "
			"expected an integer from 1 to 3600");
	e.line = 0;
	config_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "/etc/smartlock/agent.conf: heartbeat_timeout: "
			"expected an integer from 1 to 3600");
	e.key[0] = '\0';
	config_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "/etc/smartlock/agent.conf: expected an integer from 1 to 3600");
	e.file[0] = '\0';
	e.msg[0] = '\0';
	config_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, sl_strerror(SL_ERR_CONFIG_VALUE));
	/* truncation stays NUL-terminated */
	snprintf(e.file, sizeof(e.file), "agent.conf");
	config_error_format(&e, buf, 5);
	assert_int_equal(strlen(buf), 4);
}

/* ---- config_load ---- */

static int group_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->tmpdir, sizeof(f->tmpdir), "/tmp/test_config.XXXXXX");
	if (!mkdtemp(f->tmpdir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	int rc;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->tmpdir);
	rc = system(cmd) == 0 ? 0 : -1;
	free(f);
	return rc;
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static enum sl_err load(struct fixture *f, const char *path, bool private_file)
{
	defaults(f);
	memset(&f->err, 0x7e, sizeof(f->err));
	return config_load(path, private_file, keys, ARRAY_LEN(keys), &f->s, &f->err);
}

static void test_load_ok_and_errors_name_path(void **state)
{
	static const char text[] = "lock = side\nport = 99999\n";
	char path[128];

	struct fixture *f = *state;
	snprintf(path, sizeof(path), "%s/agent.conf", f->tmpdir);
	write_file(path, "lock = side\n", 12, 0600);
	assert_int_equal(load(f, path, true), SL_OK);
	assert_string_equal(f->s.lock, "side");

	write_file(path, text, sizeof(text) - 1, 0600);
	assert_int_equal(load(f, path, true), SL_ERR_CONFIG_VALUE);
	assert_string_equal(f->err.file, path);
	assert_int_equal(f->err.line, 2);
	assert_string_equal(f->err.key, "port");
}

static void test_load_private_mode(void **state)
{
	char path[128], formatted[512];

	struct fixture *f = *state;
	snprintf(path, sizeof(path), "%s/secret.conf", f->tmpdir);
	write_file(path, "lock = a\n", 9, 0644);
	assert_int_equal(load(f, path, true), SL_ERR_PERM);
	assert_int_equal(f->err.code, SL_ERR_PERM);
	assert_string_equal(f->err.file, path);
	assert_int_equal(f->err.line, 0);
	assert_non_null(strstr(f->err.msg, "0644"));
	assert_non_null(strstr(f->err.msg, "chmod 600"));
	config_error_format(&f->err, formatted, sizeof(formatted));
	assert_non_null(strstr(formatted, path));
	assert_string_equal(f->s.lock, "default-lock");

	/* group-only bits are refused too, owner-only is fine */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(load(f, path, true), SL_ERR_PERM);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(load(f, path, true), SL_ERR_PERM);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(load(f, path, true), SL_OK);

	/* a non-private file may be world-readable */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(load(f, path, false), SL_OK);
	assert_string_equal(f->s.lock, "a");
}

static void test_load_symlink_checks_target(void **state)
{
	char path[128], link_path[128];

	struct fixture *f = *state;
	snprintf(path, sizeof(path), "%s/target.conf", f->tmpdir);
	snprintf(link_path, sizeof(link_path), "%s/link.conf", f->tmpdir);
	write_file(path, "lock = linked\n", 14, 0644);
	unlink(link_path);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(load(f, link_path, false), SL_OK);
	assert_string_equal(f->s.lock, "linked");
	/* the mode that counts is the file's, not the link's */
	assert_int_equal(load(f, link_path, true), SL_ERR_PERM);
}

static void test_load_not_regular(void **state)
{
	char fifo[128];

	struct fixture *f = *state;
	assert_int_equal(load(f, f->tmpdir, false), SL_ERR_INVAL);
	assert_non_null(strstr(f->err.msg, "not a regular file"));

	snprintf(fifo, sizeof(fifo), "%s/fifo", f->tmpdir);
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* must not block waiting for a writer */
	assert_int_equal(load(f, fifo, false), SL_ERR_INVAL);
	assert_int_equal(load(f, "/dev/null", false), SL_ERR_INVAL);
}

static void test_load_too_large(void **state)
{
	char path[128];
	char *big;

	struct fixture *f = *state;
	snprintf(path, sizeof(path), "%s/big.conf", f->tmpdir);
	big = malloc(SL_CONFIG_MAX_SIZE + 1);
	assert_non_null(big);
	/* comment lines that would otherwise parse fine */
	for (size_t i = 0; i < SL_CONFIG_MAX_SIZE + 1; i++)
		big[i] = (i % 64 == 63) ? '\n' : '#';
	memcpy(big, "lock = a\n", 9);
	write_file(path, big, SL_CONFIG_MAX_SIZE, 0600);
	assert_int_equal(load(f, path, true), SL_OK);
	write_file(path, big, SL_CONFIG_MAX_SIZE + 1, 0600);
	assert_int_equal(load(f, path, true), SL_ERR_TOO_LARGE);
	assert_non_null(strstr(f->err.msg, "larger than"));
	free(big);
}

static void test_load_missing(void **state)
{
	char path[128];

	struct fixture *f = *state;
	snprintf(path, sizeof(path), "%s/nope.conf", f->tmpdir);
	assert_int_equal(load(f, path, false), SL_ERR_NOT_FOUND);
	assert_string_equal(f->err.file, path);
	assert_non_null(strstr(f->err.msg, "cannot open"));
}

int main(void)
{
	const struct CMUnitTest parse_tests[] = {
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_absent_keys_keep_defaults),
		cmocka_unit_test(test_values_trimmed_and_plain),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_quoted_errors),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_bad_int),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_bad_name),
		cmocka_unit_test(test_bad_key_never_leaks),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_string_too_long),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_empty_table_empty_file),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_control_char),
		cmocka_unit_test(test_unsorted_table_refused),
		cmocka_unit_test(test_parse_int),
		cmocka_unit_test(test_error_format),
	};
	const struct CMUnitTest load_tests[] = {
		cmocka_unit_test(test_load_ok_and_errors_name_path),
		cmocka_unit_test(test_load_private_mode),
		cmocka_unit_test(test_load_symlink_checks_target),
		cmocka_unit_test(test_load_not_regular),
		cmocka_unit_test(test_load_too_large),
		cmocka_unit_test(test_load_missing),
	};
	int failed;

	failed = cmocka_run_group_tests_name("config_parse", parse_tests, group_setup, group_teardown);
	failed += cmocka_run_group_tests_name("config_load", load_tests, group_setup, group_teardown);
	return failed;
}
