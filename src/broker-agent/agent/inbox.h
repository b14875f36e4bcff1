/*
 * inbox.h - what libmosquitto's callbacks hand to the agent's own loop:
 * copies of messages and connection events, in arrival order. The
 * callbacks only append (never block, never act); the loop takes them.
 * Not thread-safe: callbacks run inside the loop's mosquitto_loop_* calls.
 */
#ifndef AGENT_INBOX_H
#define AGENT_INBOX_H

#include <stdbool.h>
#include <stddef.h>

enum inbox_kind { INBOX_MESSAGE, INBOX_CONNECTED, INBOX_DISCONNECTED, INBOX_SUBACK };

struct inbox_item {
	enum inbox_kind kind;
	int code;                       /* CONNACK/disconnect rc, SUBACK mid */
	char *topic;                    /* INBOX_MESSAGE */
	char *payload;                  /* NUL added, not counted in len */
	size_t len;
	bool retain;
	struct inbox_item *next;
};

struct inbox {
	struct inbox_item *head, *tail;
	size_t count;
	size_t dropped;                 /* messages lost to the bound or memory */
};

#define INBOX_MAX 1024

/* Append a copy; false when full or out of memory (counted in dropped). */
bool inbox_push(struct inbox *q, enum inbox_kind kind, int code, const char *topic,
		const void *payload, size_t len, bool retain);
/* Oldest item or NULL; the caller frees it with inbox_item_free(). */
struct inbox_item *inbox_pop(struct inbox *q);
void inbox_item_free(struct inbox_item *it);
void inbox_clear(struct inbox *q);

#endif
