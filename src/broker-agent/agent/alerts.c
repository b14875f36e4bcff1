/* alerts.c - the agent's bounded, durable history of security alerts and
 * their acknowledgements (alerts.json). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/atomicfile.h"
#include "smartlock/enrol.h"
#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "alerts.h"

#define ALERTS_FILE_MAX (1024 * 1024)

struct alert_history {
	char path[SL_PATH_MAX + 32];
	struct sl_alert items[ALERTS_MAX];      /* a ring, oldest at first */
	size_t first, n;
	uint64_t last_id;
	bool dirty;
	int64_t saved_at;                       /* monotonic ms */
};

static struct sl_alert *slot(struct alert_history *h, size_t i)
{
	return &h->items[(h->first + i) % ALERTS_MAX];
}

static void keep(struct alert_history *h, const struct sl_alert *al)
{
	if (h->n == ALERTS_MAX) {
		h->first = (h->first + 1) % ALERTS_MAX;
		h->n--;
	}
	*slot(h, h->n++) = *al;
	if (al->id > h->last_id)
		h->last_id = al->id;
}

/* One element of the file's array, read as the payload it was. */
static void load_item(struct alert_history *h, const cJSON *item)
{
	struct sl_alert al;
	char *text = cJSON_PrintUnformatted(item);

	if (!text)
		return;
	memset(&al, 0, sizeof(al));
	if (proto_decode_alert(text, strlen(text), &al, NULL) == SL_OK && al.id > h->last_id &&
			al.kind != SL_ALERT_ACKNOWLEDGED)
		keep(h, &al);
	else
		sl_log(SL_LOG_WARNING, "%s: skipped an alert that does not read back", h->path);
	free(text);
}

static void load(struct alert_history *h)
{
	char *text = NULL;
	size_t len;
	cJSON *root, *arr, *item;
	enum sl_err e = atomic_read_file(h->path, ALERTS_FILE_MAX, &text, &len);

	if (e == SL_ERR_NOT_FOUND)
		return;
	if (e != SL_OK) {
		sl_log(SL_LOG_WARNING, "%s: cannot read the alert history (%s); starting a new "
				"one", h->path, sl_strerror(e));
		return;
	}
	root = cJSON_ParseWithLength(text, len);
	arr = cJSON_GetObjectItemCaseSensitive(root, "alerts");
	if (!cJSON_IsArray(arr))
		sl_log(SL_LOG_WARNING, "%s: not an alert history; starting a new one", h->path);
	if (cJSON_IsArray(arr))
		cJSON_ArrayForEach(item, arr)
			load_item(h, item);
	cJSON_Delete(root);
	free(text);
}

struct alert_history *alerts_open(const char *path)
{
	struct alert_history *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	snprintf(h->path, sizeof(h->path), "%s", path);
	load(h);
	return h;
}

void alerts_close(struct alert_history *h)
{
	if (!h)
		return;
	alerts_save(h);
	free(h);
}

void alerts_add(struct alert_history *h, struct sl_alert *al, int64_t now)
{
	uint64_t wall = (uint64_t)time_now_ms();

	/* never below the clock: a lost file does not bring old ids back */
	al->id = h->last_id + 1 > wall ? h->last_id + 1 : wall;
	al->acked = false;
	keep(h, al);
	h->dirty = true;
	alerts_checkpoint(h, now);
}

size_t alerts_ack(struct alert_history *h, uint64_t id, bool upto, alerts_may_fn may,
		void *arg)
{
	size_t changed = 0;

	for (size_t i = 0; i < h->n; i++) {
		struct sl_alert *al = slot(h, i);

		if (al->acked || (upto ? al->id > id : al->id != id) || !may(al->lock, arg))
			continue;
		al->acked = true;
		changed++;
	}
	if (changed) {
		h->dirty = true;
		alerts_save(h);
	}
	return changed;
}

size_t alerts_count(const struct alert_history *h)
{
	return h->n;
}

const struct sl_alert *alerts_at(const struct alert_history *h, size_t i)
{
	return i < h->n ? &h->items[(h->first + i) % ALERTS_MAX] : NULL;
}

uint64_t alerts_last_id(const struct alert_history *h)
{
	return h->last_id;
}

static cJSON *build(struct alert_history *h)
{
	cJSON *root = cJSON_CreateObject(), *arr;

	if (!root || !cJSON_AddNumberToObject(root, "v", SL_PROTOCOL_VERSION))
		goto fail;
	arr = cJSON_AddArrayToObject(root, "alerts");
	if (!arr)
		goto fail;
	for (size_t i = 0; i < h->n; i++) {
		char *text = proto_encode_alert(slot(h, i));
		cJSON *item = text ? cJSON_Parse(text) : NULL;

		free(text);
		if (!item)
			continue;       /* the encoder refuses nothing we keep */
		cJSON_AddItemToArray(arr, item);
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

bool alerts_save(struct alert_history *h)
{
	cJSON *root;
	char *text;
	enum sl_err e;

	if (!h->dirty)
		return true;
	root = build(h);
	text = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text) {
		sl_log(SL_LOG_ERROR, "%s: out of memory saving the alert history", h->path);
		return false;
	}
	e = atomic_write_file(h->path, text, strlen(text), 0600);
	free(text);
	h->saved_at = time_mono_ms();
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot save the alert history: %s", h->path,
				sl_strerror(e));
		return false;
	}
	h->dirty = false;
	return true;
}

void alerts_checkpoint(struct alert_history *h, int64_t now)
{
	if (h && h->dirty && now - h->saved_at >= ALERTS_SAVE_GAP_MS)
		alerts_save(h);
}

int64_t alerts_next_deadline(const struct alert_history *h, int64_t fallback)
{
	int64_t d;

	if (!h || !h->dirty)
		return fallback;
	d = h->saved_at + ALERTS_SAVE_GAP_MS;
	return d < fallback ? d : fallback;
}
