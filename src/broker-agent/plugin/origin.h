/*
 * origin.h - where a client connects from, and whether its account may
 * connect from there.
 *
 * Mosquitto reports a client's address as text: an IPv4 or IPv6 address
 * for TCP (IPv4-mapped IPv6 addresses are treated as IPv4; a "%zone"
 * suffix is ignored), or the socket's path for a Unix socket. The home
 * networks are a list of CIDR blocks ("192.168.1.0/24, fd00::/8"),
 * separated by commas or blanks.
 *
 * Policy (origin_allowed): a Unix-socket client is on the machine itself
 * and so at home; any other client is at home only when its address lies
 * in a home network (loopback is not special: it is home only when listed).
 * Guests, and every account whose origin field is "home", may connect only
 * from home. A client that is neither on the Unix socket nor on loopback
 * must have come through a TLS listener; the plugin proves at start-up that
 * every listener reachable from other hosts uses TLS (listeners.h) and
 * passes that proof here as remote_tls_ok.
 *
 * Pure and thread-safe; no allocation.
 */
#ifndef SMARTLOCK_PLUGIN_ORIGIN_H
#define SMARTLOCK_PLUGIN_ORIGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "smartlock/error.h"
#include "smartlock/passwd.h"

#define ORIGIN_NETS_MAX 64

struct origin_net {
	int family;             /* AF_INET or AF_INET6 */
	unsigned char addr[16]; /* network address, host bits cleared */
	unsigned prefix;
};

struct origin_nets {
	struct origin_net v[ORIGIN_NETS_MAX];
	size_t n;
};

enum origin_kind {
	ORIGIN_INVALID,         /* no address, or one that does not parse */
	ORIGIN_SOCKET,          /* a Unix socket */
	ORIGIN_LOOPBACK,        /* 127.0.0.0/8 or ::1 */
	ORIGIN_REMOTE,          /* any other IP address */
};

/* A parsed client address. */
struct origin_addr {
	enum origin_kind kind;
	int family;
	unsigned char addr[16];
};

/* Parse the home networks. An empty text gives an empty list (nobody is at
 * home except Unix-socket clients). On error SL_ERR_BAD_VALUE or
 * SL_ERR_RANGE, and msg names the bad entry. Host bits that are set in a
 * block are an error ("192.168.1.7/24"): the list must say what it means. */
enum sl_err origin_parse_networks(const char *text, struct origin_nets *out,
		char *msg, size_t msg_size);

/* Classify mosquitto's address text (NULL allowed). */
struct origin_addr origin_parse_addr(const char *text);

bool origin_in_networks(const struct origin_nets *nets, const struct origin_addr *a);

/* May an account of this role (home_only = its origin field is "home")
 * connect from a? See the file comment. */
bool origin_allowed(enum sl_passwd_role role, bool home_only,
		const struct origin_addr *a, const struct origin_nets *home,
		bool remote_tls_ok);

#endif
