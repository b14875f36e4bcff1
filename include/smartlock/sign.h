/*
 * sign.h - message authentication for smartlock: HMAC-SHA256 (OpenSSL) with
 * a compact truncated encoding, constant-time verification, key generation
 * from the OS random source, and the SHA-256 used by the audit hash chain.
 *
 * A MAC on the wire is the first SL_MAC_BYTES (16) bytes of HMAC-SHA256,
 * base64url without padding: SL_MAC_CHARS (22) characters. Keys are
 * SL_KEY_BYTES (32) random bytes, stored in files as 64 lower-case hex
 * digits. There is deliberately no function that prints a key; hex encoding
 * exists only to write key files (mode 0600) and enrolment files.
 *
 * All functions are thread-safe and keep no state.
 */
#ifndef SMARTLOCK_SIGN_H
#define SMARTLOCK_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "smartlock/error.h"

#define SL_KEY_BYTES 32
#define SL_KEY_HEX (2 * SL_KEY_BYTES)
#define SL_MAC_BYTES 16
#define SL_MAC_CHARS 22
#define SL_SHA256_HEX 64

struct sl_key {
	unsigned char bytes[SL_KEY_BYTES];
};

/* Fill key from getrandom(2). SL_OK or SL_ERR_RANDOM. */
enum sl_err sign_key_generate(struct sl_key *key);

/* Parse exactly SL_KEY_HEX hex digits (surrounding blanks not allowed).
 * SL_OK or SL_ERR_BAD_KEY; key is wiped on failure. */
enum sl_err sign_key_from_hex(struct sl_key *key, const char *hex);

/* Write the key as SL_KEY_HEX hex digits and a NUL into out (size >= 65). */
enum sl_err sign_key_to_hex(const struct sl_key *key, char *out, size_t size);

/* Overwrite key material so it does not linger in memory. */
void sign_key_wipe(struct sl_key *key);

/* Full HMAC-SHA256 with an arbitrary key (used by the RFC 4231 tests).
 * out receives 32 bytes. */
enum sl_err sign_hmac_sha256(const void *key, size_t key_len,
		const void *data, size_t len, unsigned char out[32]);

/* The compact MAC of data: SL_MAC_CHARS base64url characters and a NUL. */
enum sl_err sign_mac(const struct sl_key *key, const void *data, size_t len,
		char out[SL_MAC_CHARS + 1]);

/* SL_OK when mac is the compact MAC of data, else SL_ERR_BAD_MAC. The
 * comparison takes the same time wherever the first difference is. */
enum sl_err sign_verify(const struct sl_key *key, const void *data, size_t len,
		const char *mac);

/* Constant-time equality of two n-byte buffers: 1 when equal. */
int sign_equal(const void *a, const void *b, size_t n);

/* SHA-256 of data as 64 lower-case hex digits and a NUL. */
enum sl_err sign_sha256_hex(const void *data, size_t len, char out[SL_SHA256_HEX + 1]);

/* base64url without padding. encode writes NUL; returns SL_ERR_TOO_LONG if
 * out is too small. decode accepts only the url-safe alphabet, no padding. */
enum sl_err sign_b64url_encode(const unsigned char *in, size_t len, char *out, size_t size);
enum sl_err sign_b64url_decode(const char *in, unsigned char *out, size_t size, size_t *out_len);
/* (added) decode: SL_ERR_BAD_VALUE for a malformed string (a character
 * outside the alphabet, '=' padding, a length of 4n+1, or non-zero unused
 * bits in the last character, so each byte string has one encoding);
 * SL_ERR_TOO_LONG if out (size bytes) is too small. sign_key_to_hex returns
 * SL_ERR_INVAL when size < SL_KEY_HEX + 1. */

#endif
