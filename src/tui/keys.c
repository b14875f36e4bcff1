/* keys.c - the console's key table, sorted by key for bsearch. */
#include <stdlib.h>

#include <curses.h>

#include "keys.h"

#define OWN KEYS_OWNER
#define RES (KEYS_OWNER | KEYS_RESIDENT)
#define ALL KEYS_ALL

/* Sorted by key (characters first, then KEYS_FN codes). */
static const struct key_binding table[] = {
	{'\t', ACT_FOCUS, ALL, NULL, NULL, "move between the alerts and the log", TASK_SCREEN, "Tab"},
	{KEYS_CTRL('l'), ACT_REDRAW, ALL, NULL, NULL, "redraw the screen", TASK_SCREEN, "Ctrl-L"},
	{' ', ACT_PAUSE, OWN, NULL, NULL, "pause or follow the log", TASK_LOG, "Space"},
	{'/', ACT_SEARCH, OWN, "/", "Search", "search the log (an empty search clears it)",
		TASK_LOG, "/"},
	{'?', ACT_HELP, ALL, "?", "Help", "this help", TASK_SCREEN, "?"},
	{'A', ACT_ACK_ALL, RES, NULL, NULL, "acknowledge every alert", TASK_ALERTS, "A"},
	{'R', ACT_LOCK_RESET, OWN, NULL, NULL, "reset the lock: the bolt re-homes (asks first)",
		TASK_LOCK_CARE, "R"},
	{'U', ACT_USERS, OWN, "U", "Users", "people: add guests, disable, revoke, clear lockouts",
		TASK_PEOPLE, "U"},
	{'[', ACT_PREV_LOCK, ALL, NULL, NULL, "show the previous lock (several locks)",
		TASK_DOOR, "["},
	{']', ACT_NEXT_LOCK, ALL, NULL, NULL, "show the next lock (the header says which)",
		TASK_DOOR, "]"},
	{'a', ACT_ACK, RES, "a", "Ack", "acknowledge the selected (or newest) alert",
		TASK_ALERTS, "a"},
	{'f', ACT_FILTER, OWN, "f", "Filter", "show all, only refusals and errors, or only grants",
		TASK_LOG, "f"},
	{'h', ACT_HEALTH_CHECK, OWN, "h", "Health", "ask the lock for a heartbeat now",
		TASK_LOCK_CARE, "h"},
	{'l', ACT_LOCK, ALL, "l", "Lock", "lock the door", TASK_DOOR, "l"},
	{'p', ACT_PAUSE, OWN, "p", "Pause", "pause or follow the log", TASK_LOG, "p"},
	{'q', ACT_QUIT, ALL, "q", "Quit", "quit", TASK_SCREEN, "q"},
	{'s', ACT_STATUS, ALL, NULL, NULL, "ask for the lock's state now", TASK_DOOR, "s"},
	{'u', ACT_UNLOCK, ALL, "u", "Unlock", "unlock the door (asks first)", TASK_DOOR, "u"},
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

size_t keys_task(enum sl_role role, enum key_task task, const struct key_binding **out,
		size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < NKEYS && n < max; i++)
		if (table[i].task == task && for_role(&table[i], role))
			out[n++] = &table[i];
	return n;
}

const char *keys_task_name(enum key_task task)
{
	static const char *const names[TASK_COUNT_] = {
		[TASK_DOOR] = "The door",
		[TASK_ALERTS] = "Alerts",
		[TASK_LOG] = "The log",
		[TASK_PEOPLE] = "People",
		[TASK_LOCK_CARE] = "Looking after the lock",
		[TASK_SCREEN] = "Getting around",
	};

	return (unsigned)task < TASK_COUNT_ ? names[task] : "";
}

const struct key_binding *keys_find(int key)
{
	return bsearch(&key, table, NKEYS, sizeof(table[0]), key_cmp);
}
