/*
 * agent.h - the context of smartlock-agent: everything the modules share,
 * passed explicitly (no globals), and the lifecycle of the whole program.
 *
 * One thread: libmosquitto is driven from agent_run()'s poll loop; its
 * callbacks only copy into the inbox, and each module acts from the loop.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "smartlock/audit.h"
#include "smartlock/protocol.h"
#include "smartlock/userstore.h"
#include "abuse.h"
#include "aggregate.h"
#include "inbox.h"
#include "settings.h"
#include "state.h"

#define PENDING_MAX 8           /* commands awaiting the lock, per lock */
#define OTHER_LOCKS_MAX 256     /* locks of other agents remembered */
#define SEQ_BLOCK 1024          /* command seqs reserved per state write */

/* exit codes (smartlock-agent(8)) */
enum agent_exit {
	AGENT_EXIT_OK = 0,
	AGENT_EXIT_RUNTIME = 1,
	AGENT_EXIT_USAGE = 2,
	AGENT_EXIT_CONFIG = 3,
	AGENT_EXIT_AUDIT = 4,
};

enum pending_kind { PENDING_REQUEST, PENDING_HEALTH_CHECK, PENDING_LOCK_RESET };

/* A command sent to a lock, waiting for its lockStatus (or a heartbeat). */
struct pending {
	bool used;
	enum pending_kind kind;
	uint64_t seq;
	enum sl_action action;
	char user[SL_NAME_MAX + 1];
	int64_t req;                    /* request id (t) or admin time */
	int64_t deadline;               /* monotonic ms */
	bool moving;                    /* the lock reported progress */
	bool spent;                     /* a use was counted for it */
};

enum link_state { LINK_UNKNOWN, LINK_ONLINE, LINK_OFFLINE };

struct lock_ctx {
	char id[SL_NAME_MAX + 1];
	size_t index;                   /* in settings.locks and state.locks */
	struct sl_key key;
	/* health */
	enum link_state link;
	int64_t last_heartbeat;         /* monotonic ms */
	int64_t interval_ms;
	struct sl_heartbeat heartbeat;
	/* retained state */
	struct sl_state_msg state;
	int64_t offline_since;          /* wall ms it went offline; 0 = online */
	int64_t offline_alert_due;      /* monotonic ms; 0 = none waiting */
	char offline_why[96];
	bool offline_alerted;           /* its offline alert went out */
	int64_t clock_skew;             /* its clock minus the agent's, ms */
	bool skew_known, clock_alerted;
	bool behind_once;               /* one heartbeat looked late: confirm it */
	struct pending pending[PENDING_MAX];
};

struct mqtt_link;
struct channel_set;
struct alert_history;

/* An audit line waiting to be published on the log topic (report.h). */
struct log_out {
	char *line;
	uint64_t seq;
	char lock[SL_NAME_MAX + 1];     /* "" = every served lock */
	bool always;                    /* a log-throttled record: never dropped */
};

/* The log topic's live feed: lines go out after the event that wrote
 * them, at most log_live_max a second; beyond that they are only in the
 * audit file, and one log-throttled record says which. */
struct log_feed {
	struct log_out *q;
	size_t n, cap;
	int64_t window;                 /* monotonic ms the second began */
	uint64_t sent;                  /* published in this second */
	uint64_t skipped, first, last;  /* not published: count, seq range */
	bool writing_throttled;         /* the next line queued is always sent */
};

#define AGENT_NOTES_MAX 2

/* Records not written while the audit log failed (auditgap.h). */
struct agent_audit_gap {
	uint64_t requests;              /* answers to requests (all refused) */
	uint64_t count;                 /* other records */
	int64_t first, last;            /* wall ms */
	enum sl_err cause;
	bool writing;                   /* the gap record is being written */
};

struct agent {
	struct agent_settings set;
	char users_path[SL_PATH_MAX + 16];
	char state_path[SL_PATH_MAX + 16];
	char audit_path[SL_PATH_MAX + 16];

	struct user_store *users;
	struct timespec users_mtime;
	struct audit_log *audit;
	bool audit_failing;             /* an audit-failure alert is out */
	struct agent_state st;
	uint64_t seq_next;

	struct lock_ctx locks[AGENT_LOCKS_MAX];
	size_t nlocks;

	struct mqtt_link *mqtt;
	struct inbox inbox;
	struct log_feed feed;
	bool ready_announced;
	unsigned reconnects;
	int sigfd;
	bool stop;
	bool reload;
	int64_t next_users_check;       /* monotonic ms */
	int64_t saved_at;               /* monotonic ms of the last state save */
	char notes[AGENT_NOTES_MAX][256];   /* repairs made at start, alerted once connected */
	size_t nnotes;
	struct agent_audit_gap gap;     /* records the audit log could not take */
	bool disk_low;                  /* a disk-low alert is out */
	int64_t space_checked;          /* monotonic ms of the last free-space check */
	struct abuse_memo abuse;        /* abuse alerts sent recently */
	struct aggregate agg;           /* repeated denials being counted */
	bool audit_over_budget;
	int audit_budget_level;         /* 0 fine, 1 alerted at 80 %, 2 over */
	int64_t budget_checked;         /* monotonic ms */
	/* locks another agent of this broker serves (their retained state was
	 * seen): requests for them are not this agent's to answer */
	char other_locks[OTHER_LOCKS_MAX][SL_NAME_MAX + 1];
	size_t nother_locks;
	/* clock.h: wall minus monotonic, and when it last stepped */
	int64_t clock_offset;
	bool clock_known;
	int64_t clock_stepped_at;       /* monotonic ms; 0 = never */
	struct channel_set *channels;   /* alert channels (channel.h) */
	struct alert_history *alerts;   /* recent alerts and acks (alerts.h) */
};

/* Build the context from settings: load keys, users, state and the audit
 * log. On failure returns the exit code and has logged why. */
enum agent_exit agent_init(struct agent *a, const struct agent_settings *set);
/* Run until SIGTERM/SIGINT; returns the exit code. */
enum agent_exit agent_run(struct agent *a);
void agent_finish(struct agent *a);

/* Reload users.json; on failure keep the old store and log the problem. */
void agent_reload_users(struct agent *a);

/* Persist the counters now if they changed, as a checkpoint of the audit
 * log so far; false (and logged) on failure. */
bool agent_save_state(struct agent *a);

/* The agent loop's checkpoint: agent_save_state() when the counters
 * changed and the last save is checkpoint_interval old. */
void agent_checkpoint(struct agent *a, int64_t now);

/* The next command seq, reserving a new block durably when needed.
 * false when the reservation could not be written. */
bool agent_next_seq(struct agent *a, uint64_t *seq);

/* Lock l refuses commands up to mark (its heartbeat's seq): move the next
 * command seq past it. A restarted lock skips the rest of the block it had
 * reserved (smartlock-lockd(8)). */
void agent_seq_past(struct agent *a, const struct lock_ctx *l, uint64_t mark);

struct lock_ctx *agent_lock(struct agent *a, const char *id);

#endif
