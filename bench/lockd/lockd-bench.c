/* lockd-bench.c - drive a running smartlock-lockd with N signed commands
 * (unlock, lock, unlock, ...) through its broker, one at a time, waiting
 * for each final answer; used by bench/lockd-memory.sh under valgrind.
 *
 * Usage: lockd-bench SOCKET KEYHEX LOCK COUNT [FIRST_SEQ]
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mosquitto.h>

#include "smartlock/config.h"
#include "smartlock/protocol.h"
#include "smartlock/sign.h"
#include "smartlock/timeutil.h"
#include "smartlock/topic.h"

#define ANSWER_WAIT_MS 20000

struct bench {
	char topic_lock[SL_TOPIC_MAX];
	char topic_status[SL_TOPIC_MAX];
	uint64_t waiting;       /* seq whose final answer is awaited */
	bool answered;
	enum sl_result result;
	bool subscribed;
};

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *qos)
{
	struct bench *b = obj;

	(void)m;
	(void)mid;
	b->subscribed = n > 0 && qos[0] <= 2;
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct bench *b = obj;
	struct sl_lock_status st;

	(void)m;
	if (proto_decode_lock_status(msg->payload, (size_t)msg->payloadlen, &st, NULL) != SL_OK)
		return;
	if (st.seq == b->waiting && st.result != SL_RESULT_PROGRESS) {
		b->answered = true;
		b->result = st.result;
	}
}

static int pump_until(struct mosquitto *m, const bool *flag)
{
	int64_t end = time_mono_ms() + ANSWER_WAIT_MS;

	while (!*flag) {
		if (time_mono_ms() > end)
			return -1;
		if (mosquitto_loop(m, 100, 1) != MOSQ_ERR_SUCCESS)
			return -1;
	}
	return 0;
}

static int send_command(struct bench *b, struct mosquitto *m, const struct sl_key *key,
		enum sl_action action, uint64_t seq)
{
	struct sl_command cmd = { .action = action, .seq = seq, .time = time_now_ms() };
	char *text;
	int rc;

	cmd.expires = cmd.time + 5000;
	if (proto_sign_command(key, b->topic_lock, &cmd) != SL_OK)
		return -1;
	text = proto_encode_command(&cmd);
	if (!text)
		return -1;
	b->waiting = seq;
	b->answered = false;
	rc = mosquitto_publish(m, NULL, b->topic_lock, (int)strlen(text), text, 1, false);
	free(text);
	return rc == MOSQ_ERR_SUCCESS ? pump_until(m, &b->answered) : -1;
}

int main(int argc, char **argv)
{
	struct bench b = { .answered = false };
	struct sl_key key;
	struct mosquitto *m = NULL;
	int64_t count, first = 0, t0, t1, failed = 0;
	int rc = 1;

	if (argc < 5 || argc > 6 || sign_key_from_hex(&key, argv[2]) != SL_OK ||
			config_parse_int(argv[4], 1, INT64_C(100000000), &count) != SL_OK ||
			(argc == 6 && config_parse_int(argv[5], 0, INT64_C(1) << 52, &first) != SL_OK) ||
			topic_build(b.topic_lock, sizeof(b.topic_lock), SL_TOPIC_LOCK, argv[3], NULL) ||
			topic_build(b.topic_status, sizeof(b.topic_status), SL_TOPIC_LOCK_STATUS,
				argv[3], NULL)) {
		fprintf(stderr, "usage: lockd-bench SOCKET KEYHEX LOCK COUNT [FIRST_SEQ]\n");
		return 2;
	}
	mosquitto_lib_init();
	m = mosquitto_new("lockd-bench", true, &b);
	if (!m)
		goto out;
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_message_callback_set(m, on_message);
	if (mosquitto_connect(m, argv[1], 0, 60) != MOSQ_ERR_SUCCESS ||
			mosquitto_subscribe(m, NULL, b.topic_status, 1) != MOSQ_ERR_SUCCESS ||
			pump_until(m, &b.subscribed) != 0) {
		fprintf(stderr, "lockd-bench: cannot reach the broker at %s\n", argv[1]);
		goto out;
	}
	t0 = time_mono_ms();
	for (int64_t i = 1; i <= count; i++) {
		enum sl_action a = (i & 1) ? SL_ACTION_UNLOCK : SL_ACTION_LOCK;

		if (send_command(&b, m, &key, a, (uint64_t)(first + i)) != 0) {
			fprintf(stderr, "lockd-bench: no answer to command %" PRId64 "\n", first + i);
			goto out;
		}
		failed += b.result != SL_RESULT_OK;
	}
	t1 = time_mono_ms();
	printf("commands: %" PRId64 " (%" PRId64 " not ok) in %.1f s, %.0f/s\n", count, failed,
			(double)(t1 - t0) / 1000.0,
			t1 > t0 ? (double)count * 1000.0 / (double)(t1 - t0) : 0.0);
	rc = failed ? 1 : 0;
out:
	sign_key_wipe(&key);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	return rc;
}
