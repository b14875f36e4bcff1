/* origin.c - client addresses, home networks and the origin policy. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "origin.h"

#define ADDR_TEXT_MAX 64

static const unsigned char v4_mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

/* Parse an IPv4 or IPv6 address of n bytes at s into family/addr; mapped
 * IPv6 addresses become IPv4. */
static bool parse_ip(const char *s, size_t n, int *family, unsigned char addr[16])
{
	char buf[ADDR_TEXT_MAX];
	unsigned char a6[16];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, a6) == 1) {
		if (memcmp(a6, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
			*family = AF_INET;
			memcpy(addr, a6 + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, a6, 16);
		}
		return true;
	}
	return false;
}

static bool prefix_match(const unsigned char *a, const unsigned char *net, unsigned prefix)
{
	unsigned bytes = prefix / 8, bits = prefix % 8;

	if (memcmp(a, net, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ net[bytes]) & (unsigned char)(0xff << (8 - bits))) == 0;
}

static bool host_bits_clear(const unsigned char *a, unsigned prefix, unsigned total_bits)
{
	for (unsigned bit = prefix; bit < total_bits; bit++) {
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	}
	return true;
}

static enum sl_err bad(char *msg, size_t msg_size, const char *s, size_t n,
		const char *why, enum sl_err code)
{
	if (msg && msg_size)
		snprintf(msg, msg_size, "home_networks: \"%.*s\": %s",
				(int)(n > 60 ? 60 : n), s, why);
	return code;
}

static enum sl_err parse_block(const char *s, size_t n, struct origin_net *out,
		char *msg, size_t msg_size)
{
	const char *slash = memchr(s, '/', n);
	unsigned total, prefix = 0;
	size_t digits;

	if (!slash)
		return bad(msg, msg_size, s, n, "expected address/prefix", SL_ERR_BAD_VALUE);
	if (!parse_ip(s, (size_t)(slash - s), &out->family, out->addr))
		return bad(msg, msg_size, s, n, "not an IPv4 or IPv6 address", SL_ERR_BAD_VALUE);
	/* the prefix counts bits of the address as written */
	total = memchr(s, ':', (size_t)(slash - s)) ? 128 : 32;
	digits = n - (size_t)(slash - s) - 1;
	if (digits == 0 || digits > 3)
		return bad(msg, msg_size, s, n, "bad prefix length", SL_ERR_BAD_VALUE);
	for (size_t i = 0; i < digits; i++) {
		char c = slash[1 + i];

		if (c < '0' || c > '9')
			return bad(msg, msg_size, s, n, "bad prefix length", SL_ERR_BAD_VALUE);
		prefix = prefix * 10 + (unsigned)(c - '0');
	}
	if (prefix > total || (digits > 1 && slash[1] == '0'))
		return bad(msg, msg_size, s, n, "bad prefix length", SL_ERR_RANGE);
	/* a mapped IPv6 block was turned into IPv4: keep its meaning */
	if (out->family == AF_INET && memchr(s, ':', (size_t)(slash - s))) {
		if (prefix < 96)
			return bad(msg, msg_size, s, n, "mapped block too wide", SL_ERR_RANGE);
		prefix -= 96;
		total = 32;
	}
	if (!host_bits_clear(out->addr, prefix, total))
		return bad(msg, msg_size, s, n, "host bits set after the prefix", SL_ERR_BAD_VALUE);
	out->prefix = prefix;
	return SL_OK;
}

static bool is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

enum sl_err origin_parse_networks(const char *text, struct origin_nets *out,
		char *msg, size_t msg_size)
{
	const char *p = text ? text : "";

	memset(out, 0, sizeof(*out));
	if (msg && msg_size)
		msg[0] = '\0';
	while (*p) {
		const char *start;
		enum sl_err rc;

		while (is_sep(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_sep(*p))
			p++;
		if (out->n == ORIGIN_NETS_MAX)
			return bad(msg, msg_size, start, (size_t)(p - start),
					"too many networks", SL_ERR_RANGE);
		rc = parse_block(start, (size_t)(p - start), &out->v[out->n], msg, msg_size);
		if (rc != SL_OK) {
			memset(out, 0, sizeof(*out));
			return rc;
		}
		out->n++;
	}
	return SL_OK;
}

struct origin_addr origin_parse_addr(const char *text)
{
	struct origin_addr a;
	const char *zone;
	size_t n;

	memset(&a, 0, sizeof(a));
	a.kind = ORIGIN_INVALID;
	if (!text || !*text)
		return a;
	if (text[0] == '/') {
		a.kind = ORIGIN_SOCKET;
		return a;
	}
	zone = strchr(text, '%');
	n = zone ? (size_t)(zone - text) : strlen(text);
	if (!parse_ip(text, n, &a.family, a.addr))
		return a;
	if (a.family == AF_INET)
		a.kind = a.addr[0] == 127 ? ORIGIN_LOOPBACK : ORIGIN_REMOTE;
	else {
		static const unsigned char v6_loopback[16] = {[15] = 1};

		a.kind = memcmp(a.addr, v6_loopback, 16) == 0 ? ORIGIN_LOOPBACK : ORIGIN_REMOTE;
	}
	return a;
}

bool origin_in_networks(const struct origin_nets *nets, const struct origin_addr *a)
{
	if (!nets || !a || (a->kind != ORIGIN_LOOPBACK && a->kind != ORIGIN_REMOTE))
		return false;
	for (size_t i = 0; i < nets->n; i++) {
		if (nets->v[i].family == a->family &&
				prefix_match(a->addr, nets->v[i].addr, nets->v[i].prefix))
			return true;
	}
	return false;
}

bool origin_allowed(enum sl_passwd_role role, bool home_only,
		const struct origin_addr *a, const struct origin_nets *home,
		bool remote_tls_ok)
{
	bool at_home;

	if (!a)
		return false;
	switch (a->kind) {
	case ORIGIN_SOCKET:
		at_home = true;
		break;
	case ORIGIN_LOOPBACK:
		at_home = origin_in_networks(home, a);
		break;
	case ORIGIN_REMOTE:
		if (!remote_tls_ok)
			return false;
		at_home = origin_in_networks(home, a);
		break;
	default:
		return false;
	}
	if (role == SL_PW_GUEST || home_only)
		return at_home;
	switch (role) {
	case SL_PW_OWNER:
	case SL_PW_RESIDENT:
	case SL_PW_AGENT:
	case SL_PW_LOCK:
		return true;
	default:
		return false;
	}
}
