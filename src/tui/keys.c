/* keys.c - the console's key table, sorted by key for bsearch. */
#include <stdlib.h>

#include <curses.h>

#include "keys.h"

#define OWN KEYS_OWNER
#define RES (KEYS_OWNER | KEYS_RESIDENT)
#define ALL KEYS_ALL

/* Sorted by key (characters first, then KEYS_FN codes). */
static const struct key_binding table[] = {
	{'\t', ACT_FOCUS, ALL, NULL, NULL, "Tab     move between the alerts and log panels"},
	{KEYS_CTRL('l'), ACT_REDRAW, ALL, NULL, NULL, "Ctrl-L  redraw the screen"},
	{' ', ACT_PAUSE, OWN, NULL, NULL, "Space   pause or follow the log"},
	{'/', ACT_SEARCH, OWN, "/", "Search", "/       search the log (empty search clears it)"},
	{'?', ACT_HELP, ALL, "?", "Help", "?       this help"},
	{'A', ACT_ACK_ALL, RES, NULL, NULL, "A       acknowledge every alert"},
	{'R', ACT_LOCK_RESET, OWN, NULL, NULL, "R       reset the lock (re-home the bolt; asks first)"},
	{'U', ACT_USERS, OWN, "U", "Users", "U       users: add guests, disable, revoke, reset lockouts"},
	{'a', ACT_ACK, RES, "a", "Ack", "a       acknowledge the selected (or newest) alert"},
	{'f', ACT_FILTER, OWN, "f", "Filter", "f       filter the log: all, denied/errors, granted"},
	{'h', ACT_HEALTH_CHECK, OWN, "h", "Health", "h       ask the lock for a heartbeat now"},
	{'l', ACT_LOCK, ALL, "l", "Lock", "l       lock the door"},
	{'p', ACT_PAUSE, OWN, "p", "Pause", "p       pause or follow the log"},
	{'q', ACT_QUIT, ALL, "q", "Quit", "q       quit"},
	{'s', ACT_STATUS, ALL, NULL, NULL, "s       ask the agent for the lock's state now"},
	{'u', ACT_UNLOCK, ALL, "u", "Unlock", "u       unlock the door (asks first)"},
};

#define NKEYS (sizeof(table) / sizeof(table[0]))

/* Key bar order: what matters most first. */
static const enum tui_action bar_order[] = {
	ACT_LOCK, ACT_UNLOCK, ACT_ACK, ACT_SEARCH, ACT_FILTER, ACT_PAUSE, ACT_USERS,
	ACT_HEALTH_CHECK, ACT_HELP, ACT_QUIT,
};

static int key_cmp(const void *key, const void *elem)
{
	int k = *(const int *)key;
	int e = ((const struct key_binding *)elem)->key;

	return (k > e) - (k < e);
}

static bool for_role(const struct key_binding *b, enum sl_role role)
{
	return (unsigned)role < SL_ROLE_COUNT_ && (b->roles & (1u << role));
}

const struct key_binding *keys_lookup(int key, enum sl_role role)
{
	const struct key_binding *b = bsearch(&key, table, NKEYS, sizeof(table[0]), key_cmp);

	return b && for_role(b, role) ? b : NULL;
}

bool keys_role_may(enum tui_action action, enum sl_role role)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (table[i].action == action && for_role(&table[i], role))
			return true;
	return false;
}

size_t keys_bar(enum sl_role role, const struct key_binding **out, size_t max)
{
	size_t n = 0;

	for (size_t a = 0; a < sizeof(bar_order) / sizeof(bar_order[0]); a++)
		for (size_t i = 0; i < NKEYS && n < max; i++)
			if (table[i].action == bar_order[a] && table[i].cap &&
					for_role(&table[i], role)) {
				out[n++] = &table[i];
				break;
			}
	return n;
}

size_t keys_all(enum sl_role role, const struct key_binding **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < NKEYS && n < max; i++)
		if (for_role(&table[i], role))
			out[n++] = &table[i];
	return n;
}
