/*
 * keys.h - the console's key bindings as one sorted table: which key does
 * what, for which roles, and what the key bar and the help screen say
 * about it. A resident is never offered (and a key never triggers) what a
 * resident may not do.
 *
 * Keys are ints: a character is its Unicode code point; a curses function
 * key (KEY_UP, KEY_RESIZE, ...) is KEYS_FN(code), so the two never collide.
 * Pure data and lookups; thread-safe.
 */
#ifndef SMARTLOCK_TUI_KEYS_H
#define SMARTLOCK_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "smartlock/protocol.h"

#define KEYS_FN(code) (0x40000000 | (code))
#define KEYS_CTRL(c) ((c) & 0x1f)
#define KEYS_ESC 27

enum tui_action {
	ACT_NONE,
	ACT_LOCK,
	ACT_UNLOCK,
	ACT_STATUS,
	ACT_ACK,
	ACT_ACK_ALL,
	ACT_FOCUS,
	ACT_SEARCH,
	ACT_FILTER,
	ACT_PAUSE,
	ACT_USERS,
	ACT_HEALTH_CHECK,
	ACT_LOCK_RESET,
	ACT_HELP,
	ACT_REDRAW,
	ACT_QUIT,
	ACT_NEXT_LOCK,
	ACT_PREV_LOCK,
	ACT_COUNT_
};

/* Role bits. */
#define KEYS_OWNER (1u << SL_ROLE_OWNER)
#define KEYS_RESIDENT (1u << SL_ROLE_RESIDENT)
#define KEYS_GUEST (1u << SL_ROLE_GUEST)
#define KEYS_ALL (KEYS_OWNER | KEYS_RESIDENT | KEYS_GUEST)

/* What a key is for, the help screen's sections, in their order. */
enum key_task {
	TASK_DOOR,              /* lock, unlock, state */
	TASK_ALERTS,
	TASK_LOG,
	TASK_PEOPLE,
	TASK_LOCK_CARE,         /* health check, reset */
	TASK_SCREEN,            /* moving around, help, quit */
	TASK_COUNT_
};

struct key_binding {
	int key;
	enum tui_action action;
	unsigned roles;         /* KEYS_* bits allowed */
	const char *cap;        /* on the key bar ("u"), NULL = not shown */
	const char *label;      /* on the key bar ("Unlock") */
	const char *help;       /* what it does, for the help screen */
	enum key_task task;
	const char *name;       /* the key as the help screen names it */
};

/* The binding of key for role, or NULL when the key is unbound or not for
 * this role. */
const struct key_binding *keys_lookup(int key, enum sl_role role);

/* The bindings shown on the key bar for role, in bar order; returns how
 * many (at most max). */
size_t keys_bar(enum sl_role role, const struct key_binding **out, size_t max);

/* Every binding for role, in table order, for the help screen. */
size_t keys_all(enum sl_role role, const struct key_binding **out, size_t max);

/* The bindings of one task for role, in table order. */
size_t keys_task(enum sl_role role, enum key_task task, const struct key_binding **out,
		size_t max);
/* The heading of a task on the help screen. */
const char *keys_task_name(enum key_task task);

/* The binding of key whatever the role (to tell others a key is for
 * owners only), or NULL. */
const struct key_binding *keys_find(int key);

/* True when role may perform action at all. */
bool keys_role_may(enum tui_action action, enum sl_role role);

#endif
