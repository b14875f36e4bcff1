/* test_sign.c - HMAC-SHA256 (RFC 4231), compact MACs, keys, SHA-256, base64url. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "smartlock/sign.h"

/* ---- RFC 4231 HMAC-SHA256 test cases 1-7 ---- */

struct rfc4231_case {
	const char *key;        /* used when key_fill_len == 0 */
	size_t key_len;
	unsigned char key_fill;
	size_t key_fill_len;
	const char *data;       /* used when data_fill_len == 0 */
	unsigned char data_fill;
	size_t data_fill_len;
	const char *hmac_hex;   /* test case 5: first 128 bits only */
};

static const struct rfc4231_case rfc_cases[7] = {
	{ .key_fill = 0x0b, .key_fill_len = 20, .data = "Hi There",
	  .hmac_hex = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ .key = "Jefe", .key_len = 4, .data = "what do ya want for nothing?",
	  .hmac_hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ .key_fill = 0xaa, .key_fill_len = 20, .data_fill = 0xdd, .data_fill_len = 50,
	  .hmac_hex = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ .key = "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
		"\x11\x12\x13\x14\x15\x16\x17\x18\x19", .key_len = 25,
	  .data_fill = 0xcd, .data_fill_len = 50,
	  .hmac_hex = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ .key_fill = 0x0c, .key_fill_len = 20, .data = "Test With Truncation",
	  .hmac_hex = "a3b6167473100ee06e0c796c2955552b" },
	{ .key_fill = 0xaa, .key_fill_len = 131, .data = "Test Using Larger Than Block-Size Key - Hash Key First",
	  .hmac_hex = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ .key_fill = 0xaa, .key_fill_len = 131, .data = "This is a test using a larger than block-size key and "
		"a larger than block-size data. The key needs to be hashed before "
		"being used by the HMAC algorithm.",
	  .hmac_hex = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void hex_of(const unsigned char *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

static void test_rfc4231(void **state)
{
	const struct rfc4231_case *c = *state;
	unsigned char key[131], data[64];
	const void *k = c->key, *d = c->data;
	size_t key_len = c->key_len;
	size_t len = c->data ? strlen(c->data) : 0;
	unsigned char mac[32];
	char hex[65];

	if (c->key_fill_len) {
		memset(key, c->key_fill, c->key_fill_len);
		k = key;
		key_len = c->key_fill_len;
	}
	if (c->data_fill_len) {
		memset(data, c->data_fill, c->data_fill_len);
		d = data;
		len = c->data_fill_len;
	}
	assert_int_equal(sign_hmac_sha256(k, key_len, d, len, mac), SL_OK);
	hex_of(mac, sizeof(mac), hex);
	/* case 5 publishes only the first 128 bits */
	hex[strlen(c->hmac_hex)] = '\0';
	assert_string_equal(hex, c->hmac_hex);
}

/* ---- SHA-256 (FIPS 180-2 examples) ---- */

static void test_sha256_vectors(void **state)
{
	char hex[SL_SHA256_HEX + 1];

	(void)state;
	assert_int_equal(sign_sha256_hex("abc", 3, hex), SL_OK);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(sign_sha256_hex("", 0, hex), SL_OK);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(sign_sha256_hex(NULL, 0, hex), SL_OK);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(sign_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
			56, hex), SL_OK);
	assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* ---- compact MAC ---- */

static const char kat_data[] = "smartlock/front-door/lockReq/alice\n";
static const char kat_key_hex[] =
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/* base64url(HMAC-SHA256(key, data)[0:16]) computed independently */
static const char kat_mac[] = "zaEi_tkDWwj5mYz4LhIxwg";

static void kat_key(struct sl_key *key)
{
	assert_int_equal(sign_key_from_hex(key, kat_key_hex), SL_OK);
}

static void test_mac_known_answer(void **state)
{
	char mac[SL_MAC_CHARS + 1];
	struct sl_key key;

	(void)state;
	kat_key(&key);
	assert_int_equal(sign_mac(&key, kat_data, strlen(kat_data), mac), SL_OK);
	assert_int_equal(strlen(mac), SL_MAC_CHARS);
	assert_string_equal(mac, kat_mac);
	assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), kat_mac), SL_OK);
}

static void test_mac_is_truncated_hmac(void **state)
{
	unsigned char full[32], dec[SL_MAC_BYTES];
	char mac[SL_MAC_CHARS + 1];
	struct sl_key key;
	size_t n = 0;

	(void)state;
	assert_int_equal(sign_key_generate(&key), SL_OK);
	assert_int_equal(sign_mac(&key, "payload", 7, mac), SL_OK);
	assert_int_equal(sign_hmac_sha256(key.bytes, sizeof(key.bytes), "payload", 7, full), SL_OK);
	assert_int_equal(sign_b64url_decode(mac, dec, sizeof(dec), &n), SL_OK);
	assert_int_equal(n, SL_MAC_BYTES);
	assert_memory_equal(dec, full, SL_MAC_BYTES);
}

static void test_mac_every_flipped_char_fails(void **state)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char mac[SL_MAC_CHARS + 1];
	struct sl_key key;
	unsigned tried = 0;

	(void)state;
	kat_key(&key);
	assert_int_equal(sign_mac(&key, kat_data, strlen(kat_data), mac), SL_OK);
	for (size_t i = 0; i < SL_MAC_CHARS; i++) {
		for (size_t a = 0; a < sizeof(alphabet) - 1; a++) {
			char bad[SL_MAC_CHARS + 1];

			if (alphabet[a] == mac[i])
				continue;
			memcpy(bad, mac, sizeof(bad));
			bad[i] = alphabet[a];
			assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), bad),
					SL_ERR_BAD_MAC);
			tried++;
		}
	}
	assert_int_equal(tried, SL_MAC_CHARS * 63);
	/* and the original still verifies */
	assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), mac), SL_OK);
}

static void test_mac_changed_data_fails(void **state)
{
	char mac[SL_MAC_CHARS + 1];
	char data[sizeof(kat_data)];
	struct sl_key key;

	(void)state;
	kat_key(&key);
	assert_int_equal(sign_mac(&key, kat_data, strlen(kat_data), mac), SL_OK);
	for (size_t i = 0; i < strlen(kat_data); i++) {
		memcpy(data, kat_data, sizeof(data));
		data[i] ^= 0x01;
		assert_int_equal(sign_verify(&key, data, strlen(kat_data), mac), SL_ERR_BAD_MAC);
	}
	/* one byte shorter or longer */
	assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data) - 1, mac), SL_ERR_BAD_MAC);
	assert_int_equal(sign_verify(&key, kat_data, sizeof(kat_data), mac), SL_ERR_BAD_MAC);
}

static void test_mac_wrong_key_fails(void **state)
{
	char mac[SL_MAC_CHARS + 1];
	struct sl_key key, other;

	(void)state;
	kat_key(&key);
	assert_int_equal(sign_mac(&key, kat_data, strlen(kat_data), mac), SL_OK);
	for (size_t i = 0; i < SL_KEY_BYTES; i++) {
		other = key;
		other.bytes[i] ^= 0x80;
		assert_int_equal(sign_verify(&other, kat_data, strlen(kat_data), mac),
				SL_ERR_BAD_MAC);
	}
}

static void test_mac_malformed_fails(void **state)
{
	static const char *const bad[] = {
		"",
		"zaEi_tkDWwj5mYz4LhIxw",         /* 21 chars */
		"zaEi_tkDWwj5mYz4LhIxwgA",       /* 23 chars */
		"zaEi_tkDWwj5mYz4LhIxwg==",      /* padded */
		"zaEi/tkDWwj5mYz4LhIxwg",        /* standard alphabet */
		"zaEi+tkDWwj5mYz4LhIxwg",
		"zaEi_tkDWwj5mYz4LhIxwh",        /* non-zero trailing bits */
		"zaEi_tkDWwj5mYz4LhIxw ",
		" zaEi_tkDWwj5mYz4LhIxwg",
		"zaEi_tkDWwj5mYz4LhIxwg\n",
	};
	struct sl_key key;

	(void)state;
	kat_key(&key);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), bad[i]),
				SL_ERR_BAD_MAC);
	assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), NULL), SL_ERR_BAD_MAC);
	assert_int_equal(sign_verify(NULL, kat_data, strlen(kat_data), kat_mac), SL_ERR_BAD_MAC);
	/* the well-formed original passes, so the rejections above are about form */
	assert_int_equal(sign_verify(&key, kat_data, strlen(kat_data), kat_mac), SL_OK);
}

static void test_mac_empty_data(void **state)
{
	char mac[SL_MAC_CHARS + 1], mac2[SL_MAC_CHARS + 1];
	struct sl_key key;

	(void)state;
	kat_key(&key);
	assert_int_equal(sign_mac(&key, NULL, 0, mac), SL_OK);
	assert_int_equal(sign_mac(&key, "", 0, mac2), SL_OK);
	assert_string_equal(mac, mac2);
	assert_int_equal(sign_verify(&key, "", 0, mac), SL_OK);
	assert_int_equal(sign_verify(&key, "x", 1, mac), SL_ERR_BAD_MAC);
}

static void test_equal(void **state)
{
	unsigned char a[40], b[40];

	(void)state;
	memset(a, 7, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(sign_equal(a, b, sizeof(a)), 1);
	b[39] = 8;
	assert_int_equal(sign_equal(a, b, sizeof(a)), 0);
	assert_int_equal(sign_equal(a, b, 39), 1);
	b[0] = 8;
	assert_int_equal(sign_equal(a, b, 39), 0);
	assert_int_equal(sign_equal(a, b, 0), 1);
}

/* ---- keys ---- */

static void test_key_hex_round_trip(void **state)
{
	char hex[SL_KEY_HEX + 1];
	struct sl_key key, back;

	(void)state;
	assert_int_equal(sign_key_generate(&key), SL_OK);
	assert_int_equal(sign_key_to_hex(&key, hex, sizeof(hex)), SL_OK);
	assert_int_equal(strlen(hex), SL_KEY_HEX);
	assert_int_equal(strspn(hex, "0123456789abcdef"), SL_KEY_HEX);
	assert_int_equal(sign_key_from_hex(&back, hex), SL_OK);
	assert_memory_equal(key.bytes, back.bytes, SL_KEY_BYTES);

	/* known value, lower and upper case */
	assert_int_equal(sign_key_from_hex(&key, kat_key_hex), SL_OK);
	for (unsigned i = 0; i < SL_KEY_BYTES; i++)
		assert_int_equal(key.bytes[i], i);
	assert_int_equal(sign_key_to_hex(&key, hex, sizeof(hex)), SL_OK);
	assert_string_equal(hex, kat_key_hex);
	assert_int_equal(sign_key_from_hex(&back,
			"FFfeFDFCFBFAF9F8F7F6F5F4F3F2F1F0EFEEEDECEBEAE9E8E7E6E5E4E3E2E1E0"), SL_OK);
	for (unsigned i = 0; i < SL_KEY_BYTES; i++)
		assert_int_equal(back.bytes[i], 0xff - i);
}

static void test_key_hex_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1",   /* 63 */
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0", /* 65 */
		"g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1G",
		" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f ",
		"0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f:01112131415161718191a1b1c1d1e1f",
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
	};
	struct sl_key key, zero;
	char small[SL_KEY_HEX];

	(void)state;
	memset(&zero, 0, sizeof(zero));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&key, 0x5a, sizeof(key));
		assert_int_equal(sign_key_from_hex(&key, bad[i]), SL_ERR_BAD_KEY);
		/* wiped on failure */
		assert_memory_equal(&key, &zero, sizeof(key));
	}
	assert_int_equal(sign_key_from_hex(&key, NULL), SL_ERR_BAD_KEY);
	assert_int_not_equal(sign_key_to_hex(&key, small, sizeof(small)), SL_OK);
}

static void test_key_generate_differs(void **state)
{
	struct sl_key a, b, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(sign_key_generate(&a), SL_OK);
	assert_int_equal(sign_key_generate(&b), SL_OK);
	assert_memory_not_equal(a.bytes, b.bytes, SL_KEY_BYTES);
	assert_memory_not_equal(a.bytes, zero.bytes, SL_KEY_BYTES);
}

static void test_key_wipe(void **state)
{
	struct sl_key key, zero;

	(void)state;
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(sign_key_generate(&key), SL_OK);
	sign_key_wipe(&key);
	assert_memory_equal(&key, &zero, sizeof(key));
	sign_key_wipe(NULL);
}

/* ---- base64url ---- */

static void test_b64url_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"},
		{"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"},
		{"\xfb\xff", "-_8"}, {"\xff\xff\xff", "____"}, {"\xfb\xef\xbe", "----"},
	};
	unsigned char dec[16];
	char enc[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t len = strlen(v[i].in);

		assert_int_equal(sign_b64url_encode((const unsigned char *)v[i].in, len,
				enc, sizeof(enc)), SL_OK);
		assert_string_equal(enc, v[i].out);
		n = 99;
		assert_int_equal(sign_b64url_decode(v[i].out, dec, sizeof(dec), &n), SL_OK);
		assert_int_equal(n, len);
		assert_memory_equal(dec, v[i].in, len);
	}
}

static void test_b64url_round_trip(void **state)
{
	unsigned char in[64], dec[64];
	char enc[100];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (size_t len = 0; len <= sizeof(in); len++) {
		assert_int_equal(sign_b64url_encode(in, len, enc, sizeof(enc)), SL_OK);
		assert_int_equal(strlen(enc), (len * 8 + 5) / 6);
		assert_int_equal(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				"0123456789-_"), strlen(enc));
		assert_int_equal(sign_b64url_decode(enc, dec, sizeof(dec), &n), SL_OK);
		assert_int_equal(n, len);
		assert_memory_equal(dec, in, len);
	}
}

static void test_b64url_strict(void **state)
{
	static const char *const bad[] = {
		"Zg==", "Zg=", "Zm9v====", "+/8", "ab/d", "Zm+v", "Z", "Zm9vY",
		"Zh", "Zm-", "Zm9vYmF", "Zm 9v", "Zm9v\n", "Zm\x80v",
	};
	unsigned char dec[16];
	size_t n;

	(void)state;
	/* "Zm8" is "fo"; "Zm-" and "Zh" have non-zero unused bits */
	assert_int_equal(sign_b64url_decode("Zm8", dec, sizeof(dec), &n), SL_OK);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sign_b64url_decode(bad[i], dec, sizeof(dec), &n), SL_ERR_BAD_VALUE);
	}
}

static void test_b64url_sizes(void **state)
{
	unsigned char dec[2];
	char enc[4];
	size_t n;

	(void)state;
	/* "foo" needs 5 bytes with the NUL */
	assert_int_equal(sign_b64url_encode((const unsigned char *)"foo", 3, enc, 4),
			SL_ERR_TOO_LONG);
	assert_int_equal(sign_b64url_encode((const unsigned char *)"fo", 2, enc, 4), SL_OK);
	assert_string_equal(enc, "Zm8");
	assert_int_equal(sign_b64url_decode("Zm9v", dec, sizeof(dec), &n), SL_ERR_TOO_LONG);
	assert_int_equal(sign_b64url_decode("Zm8", dec, sizeof(dec), &n), SL_OK);
	assert_int_equal(n, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ .name = "rfc4231_case1", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[0] },
		{ .name = "rfc4231_case2", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[1] },
		{ .name = "rfc4231_case3", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[2] },
		{ .name = "rfc4231_case4", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[3] },
		{ .name = "rfc4231_case5", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[4] },
		{ .name = "rfc4231_case6", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[5] },
		{ .name = "rfc4231_case7", .test_func = test_rfc4231, .initial_state = (void *)&rfc_cases[6] },
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_mac_known_answer),
		cmocka_unit_test(test_mac_is_truncated_hmac),
		cmocka_unit_test(test_mac_every_flipped_char_fails),
		cmocka_unit_test(test_mac_changed_data_fails),
		cmocka_unit_test(test_mac_wrong_key_fails),
		cmocka_unit_test(test_mac_malformed_fails),
		cmocka_unit_test(test_mac_empty_data),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_key_hex_round_trip),
		cmocka_unit_test(test_key_hex_rejects),
		cmocka_unit_test(test_key_generate_differs),
		cmocka_unit_test(test_key_wipe),
		cmocka_unit_test(test_b64url_vectors),
		cmocka_unit_test(test_b64url_round_trip),
		cmocka_unit_test(test_b64url_strict),
		cmocka_unit_test(test_b64url_sizes),
	};

	return cmocka_run_group_tests_name("sign", tests, NULL, NULL);
}
