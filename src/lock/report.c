/* report.c - what the lock tells the world: lockStatus and the heartbeat. */
#include <stdlib.h>

#include "smartlock/log.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#include "lockd.h"

void lockd_report_status(struct lockd *ld, uint64_t seq, enum sl_result result,
		enum sl_reason reason)
{
	struct sl_lock_status st = {
		.seq = seq,
		.result = result,
		.reason = reason,
		.state = ld->fsm.state,
		.door = ld->fsm.door,
		.time = time_now_ms(),
	};
	char *text = proto_encode_lock_status(&st);

	if (!text) {
		sl_log(SL_LOG_ERROR, "out of memory encoding lockStatus");
		return;
	}
	if (mqtt_publish(&ld->mqtt, MQTT_TOPIC_STATUS, text, false) != SL_OK)
		sl_log(SL_LOG_INFO, "not connected: lockStatus %s for %llu not sent",
				proto_result_name(result), (unsigned long long)seq);
	free(text);
}

void lockd_report_heartbeat(struct lockd *ld, int64_t now)
{
	struct sl_heartbeat hb = {
		.online = true,
		.state = ld->fsm.state,
		.door = ld->fsm.door,
		.uptime = (now - ld->started) / 1000,
		.interval = ld->cfg->heartbeat_interval,
		.commands = ld->commands,
		.refused = ld->refused,
		/* the mark may pass the largest seq a command carries; no
		 * command can be above it either way */
		.seq = ld->seq.last < SL_SEQ_MAX ? ld->seq.last : SL_SEQ_MAX,
		.time = time_now_ms(),
	};
	char *text;

	ld->last_heartbeat = now;
	ld->next_heartbeat = now + ld->cfg->heartbeat_interval * 1000;
	ld->reported_state = hb.state;
	ld->reported_door = hb.door;
	text = proto_encode_heartbeat(&hb);
	if (!text) {
		sl_log(SL_LOG_ERROR, "out of memory encoding the heartbeat");
		return;
	}
	if (mqtt_publish(&ld->mqtt, MQTT_TOPIC_HEALTH, text, true) != SL_OK)
		sl_log(SL_LOG_DEBUG, "not connected: heartbeat not sent");
	free(text);
}

char *lockd_offline_payload(void)
{
	struct sl_heartbeat hb = { .online = false };

	return proto_encode_heartbeat(&hb);
}
