/* command.c - the lock's gate: a command is acted on only when it decodes,
 * carries this lock's signature for this topic, is newer than the last
 * accepted one and is still valid by this lock's clock; a mark at or above
 * its sequence number is on disk before anything moves. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "smartlock/log.h"
#include "smartlock/protocol.h"
#include "smartlock/timeutil.h"

#include "lockd.h"

/* The largest integer a JSON number carries exactly. */
#define JSON_INT_MAX 9007199254740991.0

/* seq of a command that did not decode, for the refusal; 0 if it has none. */
static uint64_t peek_seq(const char *payload, size_t len)
{
	cJSON *root = cJSON_ParseWithLength(payload, len);
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(root, "seq");
	uint64_t v = 0;

	if (cJSON_IsNumber(seq) && seq->valuedouble >= 1 && seq->valuedouble <= JSON_INT_MAX &&
			(double)(uint64_t)seq->valuedouble == seq->valuedouble)
		v = (uint64_t)seq->valuedouble;
	cJSON_Delete(root);
	return v;
}

static void refuse(struct lockd *ld, uint64_t seq, enum sl_result result,
		enum sl_reason reason, const char *why)
{
	ld->refused++;
	sl_log(SL_LOG_WARNING, "command %" PRIu64 " refused: %s (%s)", seq,
			proto_reason_name(reason), why);
	lockd_report_status(ld, seq, result, reason);
}

/* Decode; on failure refuse and return false. An absent or malformed MAC
 * is an unsigned command: bad-signature. */
static bool decode(struct lockd *ld, const struct mqtt_message *msg, struct sl_command *cmd)
{
	struct sl_proto_error perr = { .code = SL_OK };
	enum sl_err rc;
	char why[80];

	if (msg->oversized) {
		refuse(ld, 0, SL_RESULT_DENIED, SL_REASON_MALFORMED, "payload too large");
		return false;
	}
	rc = proto_decode_command(msg->payload, msg->len, cmd, &perr);
	if (rc == SL_OK)
		return true;
	snprintf(why, sizeof(why), "%s%s%s", sl_errname(rc), perr.field[0] ? " in " : "",
			perr.field);
	refuse(ld, peek_seq(msg->payload, msg->len), SL_RESULT_DENIED,
			strcmp(perr.field, "mac") == 0 ? SL_REASON_BAD_SIGNATURE : SL_REASON_MALFORMED,
			why);
	return false;
}

/* A command is valid from its time to its expiry, both by the agent's
 * clock, widened by the tolerance for the two clocks' difference; wall is
 * this lock's clock. Refuses and returns false outside that. */
static bool in_time(struct lockd *ld, const struct sl_command *cmd, int64_t wall)
{
	int64_t tol = ld->cfg->clock_tolerance_ms;
	char why[128];

	if (cmd->expires < cmd->time || cmd->expires - cmd->time > SL_COMMAND_LIFETIME_MAX) {
		snprintf(why, sizeof(why), "valid for %lld ms, more than %d ms",
				(long long)(cmd->expires - cmd->time), SL_COMMAND_LIFETIME_MAX);
		refuse(ld, cmd->seq, SL_RESULT_DENIED, SL_REASON_MALFORMED, why);
		return false;
	}
	if (wall > cmd->expires + tol) {
		snprintf(why, sizeof(why), "expired %lld ms ago by this lock's clock",
				(long long)(wall - cmd->expires));
		refuse(ld, cmd->seq, SL_RESULT_DENIED, SL_REASON_EXPIRED, why);
		return false;
	}
	if (cmd->time > wall + tol) {
		snprintf(why, sizeof(why), "issued %lld ms in the future by this lock's clock",
				(long long)(cmd->time - wall));
		refuse(ld, cmd->seq, SL_RESULT_DENIED, SL_REASON_CLOCK, why);
		return false;
	}
	return true;
}

/* The state machine refuses a command with a first answer denied (busy,
 * door-open) or error (jammed). */
static bool answer_refused(const struct fsm_actions *acts)
{
	for (size_t i = 0; i < acts->n; i++)
		if (acts->a[i].kind == FSM_ACT_STATUS)
			return acts->a[i].result == SL_RESULT_DENIED ||
					acts->a[i].result == SL_RESULT_ERROR;
	return false;
}

void lockd_handle_message(struct lockd *ld, const struct mqtt_message *msg, int64_t now)
{
	struct sl_command cmd;
	struct fsm_event ev = { .kind = FSM_EV_COMMAND };
	struct fsm_actions acts;
	enum sl_err rc;

	memset(&cmd, 0, sizeof(cmd));
	if (!decode(ld, msg, &cmd))
		return;
	if (proto_verify_command(&ld->cfg->signing_key, ld->mqtt.topic_lock, &cmd) != SL_OK) {
		refuse(ld, cmd.seq, SL_RESULT_DENIED, SL_REASON_BAD_SIGNATURE, "MAC does not verify");
		return;
	}
	if (!seqstore_is_newer(&ld->seq, cmd.seq)) {
		char why[64];

		snprintf(why, sizeof(why), "commands up to %" PRIu64 " are refused", ld->seq.last);
		refuse(ld, cmd.seq, SL_RESULT_DENIED, SL_REASON_REPLAY, why);
		return;
	}
	if (!in_time(ld, &cmd, time_now_ms()))
		return;
	/* Fail secure: what is not on disk is not done. */
	rc = seqstore_accept(&ld->seq, cmd.seq);
	if (rc != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot record command %" PRIu64 ": %s",
				ld->seq.path, cmd.seq, sl_strerror(rc));
		refuse(ld, cmd.seq, SL_RESULT_ERROR, SL_REASON_INTERNAL_ERROR, "state file");
		return;
	}
	sl_log(SL_LOG_INFO, "command %" PRIu64 ": %s%s%s", cmd.seq,
			proto_action_name(cmd.action), cmd.user[0] ? " for " : "", cmd.user);
	ev.action = cmd.action;
	ev.seq = cmd.seq;
	ld->commands++;         /* counted in the heartbeat it may cause */
	lockd_feed(ld, &ev, now, &acts);
	if (answer_refused(&acts)) {
		ld->commands--;
		ld->refused++;
		sl_log(SL_LOG_WARNING, "command %" PRIu64 " refused by the lock's state (%s)",
				cmd.seq, proto_state_name(ld->fsm.state));
	}
}
