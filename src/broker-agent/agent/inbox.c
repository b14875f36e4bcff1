/* inbox.c - the queue between libmosquitto's callbacks and the loop. */
#include <stdlib.h>
#include <string.h>

#include "inbox.h"

bool inbox_push(struct inbox *q, enum inbox_kind kind, int code, const char *topic,
		const void *payload, size_t len, bool retain)
{
	struct inbox_item *it;

	if (kind == INBOX_MESSAGE && q->count >= INBOX_MAX) {
		q->dropped++;
		return false;
	}
	it = calloc(1, sizeof(*it));
	if (!it)
		goto fail;
	it->kind = kind;
	it->code = code;
	it->retain = retain;
	if (topic) {
		it->topic = strdup(topic);
		if (!it->topic)
			goto fail_item;
	}
	if (kind == INBOX_MESSAGE) {
		it->payload = malloc(len + 1);
		if (!it->payload)
			goto fail_item;
		if (len)
			memcpy(it->payload, payload, len);
		it->payload[len] = '\0';
		it->len = len;
	}
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->count++;
	return true;

fail_item:
	inbox_item_free(it);
fail:
	q->dropped++;
	return false;
}

struct inbox_item *inbox_pop(struct inbox *q)
{
	struct inbox_item *it = q->head;

	if (!it)
		return NULL;
	q->head = it->next;
	if (!q->head)
		q->tail = NULL;
	it->next = NULL;
	q->count--;
	return it;
}

void inbox_item_free(struct inbox_item *it)
{
	if (!it)
		return;
	free(it->topic);
	free(it->payload);
	free(it);
}

void inbox_clear(struct inbox *q)
{
	struct inbox_item *it;

	while ((it = inbox_pop(q)) != NULL)
		inbox_item_free(it);
	q->dropped = 0;
}
