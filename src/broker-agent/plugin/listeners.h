/*
 * listeners.h - the start-up audit of Mosquitto's listeners: every listener
 * that other hosts can reach must use TLS.
 *
 * Mosquitto does not tell a plugin whether a client came over TLS, so
 * smartlock_auth proves it another way: before accepting any client it reads
 * the broker's own configuration (the file given with -c, or the plugin
 * option broker_conf), following include_dir, and classifies each listener:
 *   local   a Unix socket ("listener 0 /path"), or bound to a loopback
 *           address (127.0.0.0/8, ::1, localhost) with no bind_interface
 *           other than "lo"
 *   tls     certfile and keyfile set, or psk_hint set
 *   remote  anything else, the default listener of "port" included
 * A remote listener without TLS, or per_listener_settings true (which would
 * let a listener escape the plugin), makes the audit fail and the plugin
 * refuse to start. A client address that is neither a Unix socket nor
 * loopback can then only have come through a TLS listener.
 *
 * Thread-safe; reads files, keeps no state.
 */
#ifndef SMARTLOCK_PLUGIN_LISTENERS_H
#define SMARTLOCK_PLUGIN_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>

#include "smartlock/error.h"

struct listener_audit {
	unsigned listeners;     /* listeners found */
	unsigned local;         /* Unix socket or loopback only */
	unsigned remote_tls;    /* reachable from other hosts, with TLS */
	unsigned remote_plain;  /* reachable from other hosts, no TLS: refused */
	bool per_listener_settings;
	char problem[400];      /* why the audit failed, "" when it passed */
};

/* Audit configuration text (name for messages; include_dir is followed,
 * relative to the working directory). *a must be zeroed first. SL_OK, or
 * the first problem (see listeners_audit_file) explained in a->problem. */
enum sl_err listeners_audit_text(const char *text, const char *name,
		struct listener_audit *a);

/* Audit the configuration file at path and everything it includes. SL_OK
 * when every listener reachable from other hosts uses TLS; SL_ERR_PERM when
 * one does not (or per_listener_settings is true); SL_ERR_IO and friends
 * when a file cannot be read. */
enum sl_err listeners_audit_file(const char *path, struct listener_audit *a);

/* The -c/--config-file argument of this process's command line into buf;
 * SL_ERR_NOT_FOUND when mosquitto was started without one. */
enum sl_err listeners_own_config(char *buf, size_t size);

#endif
