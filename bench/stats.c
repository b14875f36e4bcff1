/* stats.c - latency samples and their percentiles, and the size of an MQTT
 * PUBLISH on the wire. */
#include <stdlib.h>

#include "bench.h"

int samples_add(struct bench_samples *s, int64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		int64_t *n = realloc(s->ns, cap * sizeof(*n));

		if (!n)
			return -1;
		s->ns = n;
		s->cap = cap;
	}
	s->ns[s->n++] = ns;
	s->sorted = false;
	return 0;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int64_t samples_pct(struct bench_samples *s, double p)
{
	size_t rank;

	if (s->n == 0)
		return 0;
	if (!s->sorted) {
		qsort(s->ns, s->n, sizeof(*s->ns), cmp_i64);
		s->sorted = true;
	}
	/* nearest rank: the smallest sample with at least p% at or below it */
	rank = (size_t)((p / 100.0) * (double)s->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > s->n)
		rank = s->n;
	return s->ns[rank - 1];
}

int64_t samples_max(struct bench_samples *s)
{
	return samples_pct(s, 100.0);
}

void samples_finish(struct bench_samples *s)
{
	free(s->ns);
	s->ns = NULL;
	s->n = s->cap = 0;
}

/* Fixed header byte + remaining-length varint + topic length field + topic
 * + packet id (QoS 1) + payload. */
size_t mqtt_publish_size(size_t topic_len, size_t payload_len)
{
	size_t remaining = 2 + topic_len + 2 + payload_len;
	size_t varint = 1;

	for (size_t v = remaining; v >= 128; v /= 128)
		varint++;
	return 1 + varint + remaining;
}
