/* fsm.c - the bolt's state machine: transitions, timeouts and auto-relock. */
#include <string.h>

#include "fsm.h"

static void emit(struct fsm_actions *out, const struct fsm_action *a)
{
	if (out->n < FSM_ACTIONS_MAX)
		out->a[out->n++] = *a;
}

static void emit_status(struct fsm_actions *out, uint64_t seq,
		enum sl_result result, enum sl_reason reason)
{
	struct fsm_action a = {
		.kind = FSM_ACT_STATUS, .seq = seq, .result = result, .reason = reason,
	};

	emit(out, &a);
}

static void emit_simple(struct fsm_actions *out, enum fsm_action_kind kind, bool lock)
{
	struct fsm_action a = { .kind = kind, .lock = lock };

	emit(out, &a);
}

static bool door_open(const struct fsm *f)
{
	return f->door == SL_DOOR_OPEN;
}

static void arm_relock(struct fsm *f, int64_t now)
{
	f->relock_on_close = false;
	f->relock_at = f->cfg.auto_relock_ms > 0 ? now + f->cfg.auto_relock_ms
			: FSM_NO_DEADLINE;
}

static void disarm_relock(struct fsm *f)
{
	f->relock_at = FSM_NO_DEADLINE;
	f->relock_on_close = false;
}

/* Enter a resting state (LOCKED, UNLOCKED, UNKNOWN). */
static void settle(struct fsm *f, enum sl_lock_state state, int64_t now)
{
	f->state = state;
	f->move_deadline = FSM_NO_DEADLINE;
	f->seq = 0;
	if (state == SL_STATE_UNLOCKED)
		arm_relock(f, now);
	else
		disarm_relock(f);
}

static void start_move(struct fsm *f, bool lock, uint64_t seq, int64_t now,
		struct fsm_actions *out)
{
	disarm_relock(f);
	f->state = lock ? SL_STATE_LOCKING : SL_STATE_UNLOCKING;
	f->seq = seq;
	f->move_deadline = now + f->cfg.move_timeout_ms;
	emit_simple(out, FSM_ACT_DRIVE, lock);
	emit_status(out, seq, SL_RESULT_PROGRESS, SL_REASON_NONE);
}

static void finish_move(struct fsm *f, int64_t now, struct fsm_actions *out)
{
	uint64_t seq = f->seq;

	settle(f, f->state == SL_STATE_LOCKING ? SL_STATE_LOCKED : SL_STATE_UNLOCKED, now);
	emit_status(out, seq, SL_RESULT_OK, SL_REASON_NONE);
}

static bool bolt_at_target(const struct fsm *f)
{
	return f->bolt_known && f->bolt_locked == (f->state == SL_STATE_LOCKING);
}

/* ---- commands: one handler per action ---- */

typedef void (*command_fn)(struct fsm *f, uint64_t seq, int64_t now,
		struct fsm_actions *out);

/* Refusals shared by every command that moves the bolt. */
static bool refuse_move(struct fsm *f, bool lock, bool reset, uint64_t seq,
		struct fsm_actions *out)
{
	if (fsm_is_moving(f)) {
		emit_status(out, seq, SL_RESULT_DENIED, SL_REASON_BUSY);
		return true;
	}
	if (f->state == SL_STATE_JAMMED && !reset) {
		emit_status(out, seq, SL_RESULT_ERROR, SL_REASON_JAMMED);
		return true;
	}
	if (lock && door_open(f)) {
		emit_status(out, seq, SL_RESULT_DENIED, SL_REASON_DOOR_OPEN);
		return true;
	}
	return false;
}

static void command_lock(struct fsm *f, uint64_t seq, int64_t now, struct fsm_actions *out)
{
	if (!refuse_move(f, true, false, seq, out))
		start_move(f, true, seq, now, out);
}

static void command_unlock(struct fsm *f, uint64_t seq, int64_t now, struct fsm_actions *out)
{
	if (!refuse_move(f, false, false, seq, out))
		start_move(f, false, seq, now, out);
}

static void command_reset(struct fsm *f, uint64_t seq, int64_t now, struct fsm_actions *out)
{
	if (!refuse_move(f, true, true, seq, out))
		start_move(f, true, seq, now, out);
}

static void command_heartbeat(struct fsm *f, uint64_t seq, int64_t now,
		struct fsm_actions *out)
{
	(void)f;
	(void)now;
	emit_simple(out, FSM_ACT_HEARTBEAT, false);
	emit_status(out, seq, SL_RESULT_OK, SL_REASON_NONE);
}

static void command_status(struct fsm *f, uint64_t seq, int64_t now, struct fsm_actions *out)
{
	(void)f;
	(void)now;
	emit_status(out, seq, SL_RESULT_OK, SL_REASON_NONE);
}

static const command_fn command_table[SL_ACTION_COUNT_] = {
	[SL_ACTION_LOCK] = command_lock,
	[SL_ACTION_UNLOCK] = command_unlock,
	[SL_ACTION_STATUS] = command_status,
	[SL_ACTION_HEARTBEAT] = command_heartbeat,
	[SL_ACTION_RESET] = command_reset,
};

/* ---- other events ---- */

static void on_command(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	if ((unsigned)ev->action >= SL_ACTION_COUNT_ || !command_table[ev->action]) {
		emit_status(out, ev->seq, SL_RESULT_DENIED, SL_REASON_MALFORMED);
		return;
	}
	command_table[ev->action](f, ev->seq, now, out);
}

static void on_drive_done(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	(void)ev;
	if (!fsm_is_moving(f))
		return;
	/* Without a bolt sensor the finished drive is the only evidence; with
	 * one, the bolt may already have been where it was sent. */
	if (!f->cfg.bolt_sensor || bolt_at_target(f))
		finish_move(f, now, out);
}

static void on_bolt(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	enum sl_lock_state seen = ev->bolt_locked ? SL_STATE_LOCKED : SL_STATE_UNLOCKED;

	f->bolt_known = true;
	f->bolt_locked = ev->bolt_locked;
	if (fsm_is_moving(f)) {
		if (bolt_at_target(f))
			finish_move(f, now, out);
		return;
	}
	/* A jammed lock stays JAMMED until a reset re-homes it. */
	if (f->state == SL_STATE_JAMMED || f->state == seen)
		return;
	settle(f, seen, now);   /* turned by hand */
	emit_status(out, 0, SL_RESULT_OK, SL_REASON_NONE);
}

static void on_door(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	if (ev->door == f->door)
		return;
	f->door = ev->door;
	if (!door_open(f) && f->relock_on_close && f->state == SL_STATE_UNLOCKED)
		arm_relock(f, now);
	emit_status(out, 0, SL_RESULT_OK, SL_REASON_NONE);
}

static void on_tick(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	(void)ev;
	if (fsm_is_moving(f) && now >= f->move_deadline) {
		uint64_t seq = f->seq;

		f->state = SL_STATE_JAMMED;
		f->move_deadline = FSM_NO_DEADLINE;
		f->seq = 0;
		emit_simple(out, FSM_ACT_STOP, false);
		emit_status(out, seq, SL_RESULT_ERROR, SL_REASON_JAMMED);
		return;
	}
	if (f->state == SL_STATE_UNLOCKED && now >= f->relock_at) {
		if (door_open(f)) {
			f->relock_at = FSM_NO_DEADLINE;
			f->relock_on_close = true;
			return;
		}
		start_move(f, true, 0, now, out);
	}
}

typedef void (*event_fn)(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out);

static const event_fn event_table[] = {
	[FSM_EV_COMMAND] = on_command,
	[FSM_EV_DRIVE_DONE] = on_drive_done,
	[FSM_EV_BOLT] = on_bolt,
	[FSM_EV_DOOR] = on_door,
	[FSM_EV_TICK] = on_tick,
};

void fsm_init(struct fsm *f, const struct fsm_config *cfg,
		enum sl_lock_state state, enum sl_door door, int64_t now)
{
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->door = door;
	if (state != SL_STATE_LOCKED && state != SL_STATE_UNLOCKED)
		state = SL_STATE_UNKNOWN;
	if (cfg->bolt_sensor && state != SL_STATE_UNKNOWN) {
		f->bolt_known = true;
		f->bolt_locked = state == SL_STATE_LOCKED;
	}
	settle(f, state, now);
}

void fsm_handle_event(struct fsm *f, const struct fsm_event *ev, int64_t now,
		struct fsm_actions *out)
{
	out->n = 0;
	if ((unsigned)ev->kind < sizeof(event_table) / sizeof(event_table[0]))
		event_table[ev->kind](f, ev, now, out);
}

int64_t fsm_next_deadline(const struct fsm *f)
{
	if (fsm_is_moving(f))
		return f->move_deadline;
	if (f->state == SL_STATE_UNLOCKED)
		return f->relock_at;
	return FSM_NO_DEADLINE;
}

bool fsm_is_moving(const struct fsm *f)
{
	return f->state == SL_STATE_LOCKING || f->state == SL_STATE_UNLOCKING;
}
