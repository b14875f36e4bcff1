/* sign.c - HMAC-SHA256 message authentication, keys, SHA-256 and base64url. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>

/* The SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP,
 * but EVP loads a provider that keeps 70-90 KB of heap for the life of the
 * process; the lock daemon's budget is 16 KB. The low-level functions
 * compute the same SHA-256 and allocate nothing. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "smartlock/sign.h"

#define HMAC_SHA256_BYTES 32

/* SHA256() itself goes through EVP_Q_digest() in OpenSSL 3: a provider
 * fetch by name on every call, a tenth of the agent's time in a flood. */
static bool sha256_once(const void *data, size_t len, unsigned char *md)
{
	SHA256_CTX ctx;
	bool ok = SHA256_Init(&ctx) && SHA256_Update(&ctx, data, len) && SHA256_Final(md, &ctx);

	OPENSSL_cleanse(&ctx, sizeof(ctx));
	return ok;
}

static const char b64url_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Lower-case hex digit of n (0..15) without a data-dependent branch or
 * table lookup: keys pass through here. */
static char hex_digit(unsigned n)
{
	return (char)('0' + n + (39u & -(unsigned)(n > 9)));
}

/* Value of hex digit c (either case); *bad gets a bit set when c is not a
 * hex digit. No data-dependent branch. */
static unsigned hex_value(unsigned char c, unsigned *bad)
{
	unsigned d = (unsigned)c - '0';
	unsigned l = ((unsigned)c | 0x20u) - 'a';
	unsigned is_d = d <= 9;
	unsigned is_l = l <= 5;

	*bad |= !(is_d | is_l);
	return (d & -is_d) | ((l + 10) & -is_l);
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 0x0f);
	}
	out[2 * n] = '\0';
}

enum sl_err sign_key_generate(struct sl_key *key)
{
	size_t got = 0;

	if (!key)
		return SL_ERR_INVAL;
	while (got < sizeof(key->bytes)) {
		ssize_t n = getrandom(key->bytes + got, sizeof(key->bytes) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			sign_key_wipe(key);
			return SL_ERR_RANDOM;
		}
		got += (size_t)n;
	}
	return SL_OK;
}

enum sl_err sign_key_from_hex(struct sl_key *key, const char *hex)
{
	unsigned char tmp[SL_KEY_BYTES];
	unsigned bad = 0;

	if (!key)
		return SL_ERR_INVAL;
	if (!hex || strnlen(hex, SL_KEY_HEX + 1) != SL_KEY_HEX) {
		sign_key_wipe(key);
		return SL_ERR_BAD_KEY;
	}
	for (size_t i = 0; i < SL_KEY_BYTES; i++) {
		unsigned hi = hex_value((unsigned char)hex[2 * i], &bad);
		unsigned lo = hex_value((unsigned char)hex[2 * i + 1], &bad);

		tmp[i] = (unsigned char)((hi << 4) | lo);
	}
	if (bad) {
		OPENSSL_cleanse(tmp, sizeof(tmp));
		sign_key_wipe(key);
		return SL_ERR_BAD_KEY;
	}
	memcpy(key->bytes, tmp, sizeof(tmp));
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return SL_OK;
}

enum sl_err sign_key_to_hex(const struct sl_key *key, char *out, size_t size)
{
	if (!key || !out || size < SL_KEY_HEX + 1)
		return SL_ERR_INVAL;
	hex_encode(key->bytes, SL_KEY_BYTES, out);
	return SL_OK;
}

void sign_key_wipe(struct sl_key *key)
{
	if (key)
		OPENSSL_cleanse(key->bytes, sizeof(key->bytes));
}

enum sl_err sign_hmac_sha256(const void *key, size_t key_len,
		const void *data, size_t len, unsigned char out[32])
{
	unsigned char k0[SHA256_CBLOCK], pad[SHA256_CBLOCK], inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX ctx;
	enum sl_err rc = SL_ERR_CRYPTO;
	size_t i;

	if (!out || (!key && key_len) || (!data && len))
		return SL_ERR_INVAL;
	/* RFC 2104: a key longer than the block is hashed first */
	memset(k0, 0, sizeof(k0));
	if (key_len > sizeof(k0)) {
		if (!sha256_once(key, key_len, k0))
			goto out;
	} else if (key_len) {
		memcpy(k0, key, key_len);
	}
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k0[i] ^ 0x36;
	if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, pad, sizeof(pad)) ||
			(len && !SHA256_Update(&ctx, data, len)) || !SHA256_Final(inner, &ctx))
		goto out;
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k0[i] ^ 0x5c;
	if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, pad, sizeof(pad)) ||
			!SHA256_Update(&ctx, inner, sizeof(inner)) || !SHA256_Final(out, &ctx))
		goto out;
	rc = SL_OK;
out:
	if (rc != SL_OK)
		OPENSSL_cleanse(out, HMAC_SHA256_BYTES);
	OPENSSL_cleanse(k0, sizeof(k0));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	OPENSSL_cleanse(&ctx, sizeof(ctx));
	return rc;
}

/* The truncated MAC as raw bytes. */
static enum sl_err mac_bytes(const struct sl_key *key, const void *data, size_t len,
		unsigned char out[SL_MAC_BYTES])
{
	unsigned char full[HMAC_SHA256_BYTES];
	enum sl_err rc;

	rc = sign_hmac_sha256(key->bytes, sizeof(key->bytes), data, len, full);
	if (rc == SL_OK)
		memcpy(out, full, SL_MAC_BYTES);
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

enum sl_err sign_mac(const struct sl_key *key, const void *data, size_t len,
		char out[SL_MAC_CHARS + 1])
{
	unsigned char mac[SL_MAC_BYTES];
	enum sl_err rc;

	if (!key || !out)
		return SL_ERR_INVAL;
	out[0] = '\0';
	rc = mac_bytes(key, data, len, mac);
	if (rc == SL_OK)
		rc = sign_b64url_encode(mac, sizeof(mac), out, SL_MAC_CHARS + 1);
	OPENSSL_cleanse(mac, sizeof(mac));
	return rc;
}

enum sl_err sign_verify(const struct sl_key *key, const void *data, size_t len,
		const char *mac)
{
	unsigned char expected[SL_MAC_BYTES];
	unsigned char given[SL_MAC_BYTES] = {0};
	size_t given_len = 0;
	bool well_formed;
	enum sl_err rc;
	int equal;

	if (!key)
		return SL_ERR_BAD_MAC;
	/* Compute the expected MAC first, so the work done does not depend on
	 * how the given string is malformed. */
	rc = mac_bytes(key, data, len, expected);
	if (rc != SL_OK)
		return SL_ERR_BAD_MAC;  /* fail closed, as the header promises */

	well_formed = mac && strnlen(mac, SL_MAC_CHARS + 1) == SL_MAC_CHARS &&
			sign_b64url_decode(mac, given, sizeof(given), &given_len) == SL_OK &&
			given_len == SL_MAC_BYTES;
	equal = CRYPTO_memcmp(expected, given, SL_MAC_BYTES) == 0;
	OPENSSL_cleanse(expected, sizeof(expected));
	OPENSSL_cleanse(given, sizeof(given));
	return (well_formed && equal) ? SL_OK : SL_ERR_BAD_MAC;
}

int sign_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return CRYPTO_memcmp(a, b, n) == 0;
}

enum sl_err sign_sha256_hex(const void *data, size_t len, char out[SL_SHA256_HEX + 1])
{
	static const unsigned char empty[1];
	unsigned char md[SHA256_DIGEST_LENGTH];

	if (!out || (!data && len))
		return SL_ERR_INVAL;
	out[0] = '\0';
	if (!data)
		data = empty;
	if (!sha256_once(data, len, md))
		return SL_ERR_CRYPTO;
	hex_encode(md, sizeof(md), out);
	return SL_OK;
}

enum sl_err sign_b64url_encode(const unsigned char *in, size_t len, char *out, size_t size)
{
	size_t need, o = 0, i = 0;

	if ((!in && len) || !out)
		return SL_ERR_INVAL;
	if (len > (SIZE_MAX - 4) / 4 * 3)
		return SL_ERR_TOO_LONG;
	need = len / 3 * 4 + (len % 3 ? len % 3 + 1 : 0) + 1;
	if (size < need) {
		if (size > 0)
			out[0] = '\0';
		return SL_ERR_TOO_LONG;
	}
	for (; i + 3 <= len; i += 3) {
		unsigned long v = (unsigned long)in[i] << 16 |
				(unsigned long)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
		out[o++] = b64url_alphabet[v & 63];
	}
	if (len - i == 1) {
		unsigned long v = (unsigned long)in[i] << 16;

		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
	} else if (len - i == 2) {
		unsigned long v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8;

		out[o++] = b64url_alphabet[(v >> 18) & 63];
		out[o++] = b64url_alphabet[(v >> 12) & 63];
		out[o++] = b64url_alphabet[(v >> 6) & 63];
	}
	out[o] = '\0';
	return SL_OK;
}

/* 0..63, or -1 for a character outside the url-safe alphabet. */
static int b64url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

enum sl_err sign_b64url_decode(const char *in, unsigned char *out, size_t size, size_t *out_len)
{
	size_t n, rem, need, o = 0;
	unsigned long acc = 0;
	unsigned bits = 0;

	if (out_len)
		*out_len = 0;
	if (!in || (!out && size))
		return SL_ERR_INVAL;
	n = strlen(in);
	rem = n % 4;
	if (rem == 1)
		return SL_ERR_BAD_VALUE;
	need = n / 4 * 3 + (rem ? rem - 1 : 0);
	if (size < need)
		return SL_ERR_TOO_LONG;
	for (size_t i = 0; i < n; i++) {
		int v = b64url_value((unsigned char)in[i]);

		if (v < 0)
			goto malformed;
		acc = (acc << 6 | (unsigned long)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	/* The unused low bits of the last character must be zero, so that each
	 * byte string has exactly one encoding. */
	if (bits && (acc & ((1ul << bits) - 1)))
		goto malformed;
	if (out_len)
		*out_len = o;
	return SL_OK;

malformed:
	if (o)
		OPENSSL_cleanse(out, o);
	return SL_ERR_BAD_VALUE;
}
