/* fuzz_topic.c - libFuzzer target: topic_parse() and topic_check_name() on
 * arbitrary strings. A topic that parses must build back to the very same
 * string, and its names must pass topic_check_name(). Also round-trips the
 * strict base64url decoder of sign.h, which reads MACs off the wire. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smartlock/sign.h"
#include "smartlock/topic.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define INPUT_MAX 512

static void check_topic(const char *s)
{
	char built[SL_TOPIC_MAX];
	struct sl_topic t;
	enum sl_err rc;

	rc = topic_check_name(s);
	if (rc == SL_OK && (strlen(s) == 0 || strlen(s) > SL_NAME_MAX || strpbrk(s, "/+#")))
		abort();

	rc = topic_parse(s, &t);
	if (rc != SL_OK)
		return;
	if ((unsigned)t.kind >= SL_TOPIC_KIND_COUNT_)
		abort();
	if (t.kind != SL_TOPIC_LOGIN_FAILED_ && topic_check_name(t.lock) != SL_OK)
		abort();
	if (topic_kind_has_user(t.kind) && topic_check_name(t.user) != SL_OK)
		abort();
	if (topic_build(built, sizeof(built), t.kind, t.lock, t.user) != SL_OK)
		abort();
	if (strcmp(built, s) != 0)
		abort();
}

static void check_b64url(const char *s)
{
	unsigned char dec[INPUT_MAX];
	char enc[INPUT_MAX + 4];
	size_t n = 0;

	if (sign_b64url_decode(s, dec, sizeof(dec), &n) != SL_OK)
		return;
	/* strict: the only encoding of the decoded bytes is the input */
	if (sign_b64url_encode(dec, n, enc, sizeof(enc)) != SL_OK || strcmp(enc, s) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[INPUT_MAX + 1];

	if (size > INPUT_MAX)
		size = INPUT_MAX;
	memcpy(s, data, size);
	s[size] = '\0';
	check_topic(s);
	check_b64url(s);
	return 0;
}
