/* agent.c - the agent's context, start-up checks and its one loop. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mosquitto.h>

#include "smartlock/atomicfile.h"
#include "smartlock/log.h"
#include "smartlock/timeutil.h"
#include "admin.h"
#include "auditgap.h"
#include "agent.h"
#include "budget.h"
#include "clock.h"
#include "channel.h"
#include "alerts.h"
#include "health.h"
#include "mqtt.h"
#include "pipeline.h"
#include "recover.h"
#include "relay.h"
#include "repair.h"
#include "report.h"

#define USERS_CHECK_MS 1000

struct lock_ctx *agent_lock(struct agent *a, const char *id)
{
	for (size_t i = 0; i < a->nlocks; i++)
		if (strcmp(a->locks[i].id, id) == 0)
			return &a->locks[i];
	return NULL;
}

/* ---- start-up ---- */

static enum agent_exit load_lock_key(struct agent *a, struct lock_ctx *l)
{
	char path[SL_PATH_MAX + SL_NAME_MAX + 8];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	enum sl_err e;

	snprintf(path, sizeof(path), "%s/%s.key", a->set.lock_keys_dir, l->id);
	e = atomic_read_file(path, 256, &text, &len);
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot read the key of lock %s: %s", path, l->id,
				e == SL_ERR_NOT_FOUND ? "file does not exist" : sl_strerror(e));
		return AGENT_EXIT_CONFIG;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077)) {
		sl_log(SL_LOG_ERROR, "%s: unsafe mode %04o: a lock key must be readable by its "
				"owner only (0600)", path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (sign_key_from_hex(&l->key, text) != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: not a key (expected 64 hex digits and a newline)", path);
		goto fail;
	}
	memset(text, 0, len);
	free(text);
	return AGENT_EXIT_OK;
fail:
	memset(text, 0, len);
	free(text);
	return AGENT_EXIT_CONFIG;
}

static void users_mtime(const char *path, struct timespec *out)
{
	struct stat st;

	if (stat(path, &st) == 0)
		*out = st.st_mtim;
	else
		memset(out, 0, sizeof(*out));
}

static enum agent_exit open_audit(struct agent *a)
{
	struct audit_verify_result res;
	char **paths = NULL;
	size_t n = 0;
	enum sl_err e;

	e = repair_open_audit(a);
	if (!a->audit) {
		sl_log(SL_LOG_ERROR, "%s: cannot open the audit log: %s", a->audit_path,
				e == SL_ERR_AUDIT_CHAIN ? "its last record is damaged" : sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	e = audit_check_writable(a->audit);
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: the audit log is not writable (%s): refusing to start",
				a->audit_path, sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	e = audit_list_files(a->audit_path, &paths, &n);
	if (e == SL_OK)
		e = audit_verify_files((const char *const *)paths, n, &res);
	audit_free_paths(paths, n);
	if (e != SL_OK) {
		if (e == SL_ERR_AUDIT_CHAIN)
			sl_log(SL_LOG_ERROR, "%s:%llu: audit log does not verify: %s", res.file,
					(unsigned long long)res.line, res.problem);
		else
			sl_log(SL_LOG_ERROR, "%s: cannot verify the audit log: %s", a->audit_path,
					sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	return AGENT_EXIT_OK;
}

static enum agent_exit setup_signals(struct agent *a)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);       /* an alert channel's run ended */
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return AGENT_EXIT_RUNTIME;
	a->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return a->sigfd < 0 ? AGENT_EXIT_RUNTIME : AGENT_EXIT_OK;
}

enum agent_exit agent_init(struct agent *a, const struct agent_settings *set)
{
	char msg[512];
	enum agent_exit x;
	enum sl_err e;
	uint64_t base;
	size_t recovered;

	memset(a, 0, sizeof(*a));
	a->sigfd = -1;
	a->set = *set;
	snprintf(a->users_path, sizeof(a->users_path), "%s/users.json", set->state_dir);
	snprintf(a->state_path, sizeof(a->state_path), "%s/state.json", set->state_dir);
	snprintf(a->audit_path, sizeof(a->audit_path), "%s/audit", set->state_dir);
	{
		char path[SL_PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/alerts.json", set->state_dir);
		a->alerts = alerts_open(path);
	}
	a->nlocks = set->locks.count;
	for (size_t i = 0; i < a->nlocks; i++) {
		struct lock_ctx *l = &a->locks[i];

		snprintf(l->id, sizeof(l->id), "%s", set->locks.ids[i]);
		l->index = i;
		l->interval_ms = set->heartbeat_interval * 1000;
		x = load_lock_key(a, l);
		if (x != AGENT_EXIT_OK)
			return x;
	}
	a->users = user_store_load(a->users_path, msg, sizeof(msg));
	if (!a->users) {
		sl_log(SL_LOG_ERROR, "refusing to start: %s", msg);
		return AGENT_EXIT_CONFIG;
	}
	users_mtime(a->users_path, &a->users_mtime);
	if (state_init(&a->st, (size_t)set->replay_cache_size) != 0) {
		sl_log(SL_LOG_ERROR, "out of memory");
		return AGENT_EXIT_RUNTIME;
	}
	x = open_audit(a);
	if (x != AGENT_EXIT_OK)
		return x;
	e = repair_load_state(a, msg, sizeof(msg));
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "refusing to start: %s", msg);
		return AGENT_EXIT_CONFIG;
	}
	e = agent_recover(a, &recovered);
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot read the audit log's tail: %s", a->audit_path,
				sl_strerror(e));
		return AGENT_EXIT_AUDIT;
	}
	if (recovered)
		sl_log(SL_LOG_NOTICE, "%s: brought up to date from %zu audit records after "
				"%s", a->state_path, recovered, a->nnotes ? "a repair" :
				"an unclean stop (a crash, a kill or a power cut)");
	else if (a->st.audit_seq_known)
		sl_log(SL_LOG_NOTICE, "%s: up to date (the last stop was clean)", a->state_path);
	repair_audit(a);
	/* seqs strictly increase across restarts even if the state was lost */
	base = (uint64_t)time_now_ms();
	a->seq_next = a->st.seq_reserved + 1 > base ? a->st.seq_reserved + 1 : base;
	a->st.seq_reserved = a->seq_next + SEQ_BLOCK - 1;
	a->st.dirty = true;
	if (!agent_save_state(a)) {
		sl_log(SL_LOG_ERROR, "%s: cannot write the agent's state file", a->state_path);
		return AGENT_EXIT_CONFIG;
	}
	x = setup_signals(a);
	if (x != AGENT_EXIT_OK) {
		sl_log(SL_LOG_ERROR, "cannot set up signal handling: %s", strerror(errno));
		return x;
	}
	if (!channel_init(a))
		return AGENT_EXIT_CONFIG;
	a->mqtt = mqtt_create(&a->set, &a->inbox);
	if (!a->mqtt) {
		sl_log(SL_LOG_ERROR, "cannot create the MQTT client");
		return AGENT_EXIT_RUNTIME;
	}
	return AGENT_EXIT_OK;
}

void agent_finish(struct agent *a)
{
	mqtt_destroy(a->mqtt);
	channel_finish(a);
	inbox_clear(&a->inbox);
	report_finish(a);
	alerts_close(a->alerts);
	audit_close(a->audit);
	user_store_destroy(a->users);
	state_finish(&a->st);
	for (size_t i = 0; i < a->nlocks; i++)
		sign_key_wipe(&a->locks[i].key);
	if (a->sigfd >= 0)
		close(a->sigfd);
	memset(a, 0, sizeof(*a));
}

bool agent_save_state(struct agent *a)
{
	enum sl_err e;
	int64_t now;

	if (!a->st.dirty)
		return true;
	if (a->audit) {
		/* the anchor never names a record that is not on disk */
		e = audit_sync(a->audit);
		if (e != SL_OK) {
			sl_log(SL_LOG_ERROR, "%s: cannot sync the audit log before saving the "
					"state: %s", a->audit_path, sl_strerror(e));
			return false;
		}
		a->st.audit_seq = audit_last_seq(a->audit);
		snprintf(a->st.audit_hash, sizeof(a->st.audit_hash), "%s",
				audit_last_hash(a->audit));
	}
	now = time_now_ms();
	state_prune(&a->st, now - a->set.fail_window * 1000,
			now - a->set.unlock_rate_window * 1000);
	a->saved_at = time_mono_ms();
	e = state_save(&a->st, a->state_path, &a->set.locks);
	if (e != SL_OK) {
		sl_log(SL_LOG_ERROR, "%s: cannot save the agent's state: %s", a->state_path,
				sl_strerror(e));
		return false;
	}
	return true;
}

void agent_checkpoint(struct agent *a, int64_t now)
{
	if (a->st.dirty && now - a->saved_at >= a->set.checkpoint_interval * 1000)
		agent_save_state(a);
}

bool agent_next_seq(struct agent *a, uint64_t *seq)
{
	if (a->seq_next > a->st.seq_reserved) {
		uint64_t old = a->st.seq_reserved;

		a->st.seq_reserved = a->seq_next + SEQ_BLOCK - 1;
		a->st.dirty = true;
		if (!agent_save_state(a)) {
			a->st.seq_reserved = old;
			return false;
		}
	}
	*seq = a->seq_next++;
	return true;
}

void agent_seq_past(struct agent *a, const struct lock_ctx *l, uint64_t mark)
{
	if (mark < a->seq_next)
		return;
	/* Every seq sent so far is below seq_next, so a restarted lock's mark
	 * is below seq_next + SL_LOCK_SEQ_BLOCK - 1. Further is a broken or
	 * hostile lock: following it would spend the seqs of every lock. */
	if (mark - a->seq_next >= SL_LOCK_SEQ_BLOCK - 1) {
		sl_log(SL_LOG_WARNING, "lock %s refuses commands up to seq %llu, more than a "
				"block past the agent's next seq %llu: not following it, so it will "
				"refuse the agent's commands as replays (smartlock-agent(8))",
				l->id, (unsigned long long)mark, (unsigned long long)a->seq_next);
		return;
	}
	sl_log(SL_LOG_NOTICE, "lock %s refuses commands up to seq %llu; the next command is "
			"%llu", l->id, (unsigned long long)mark, (unsigned long long)mark + 1);
	a->seq_next = mark + 1;
}

void agent_reload_users(struct agent *a)
{
	struct user_store *st;
	struct audit_record rec = {"agent", "", "users", "", "users-reload", "ok", "", "", 0};
	char msg[512];

	users_mtime(a->users_path, &a->users_mtime);
	st = user_store_load(a->users_path, msg, sizeof(msg));
	if (!st) {
		sl_log(SL_LOG_ERROR, "user store not reloaded, keeping the previous one: %s", msg);
		rec.result = "error";
		rec.detail = msg;
		report_audit(a, &rec, false);
		return;
	}
	user_store_destroy(a->users);
	a->users = st;
	sl_log(SL_LOG_NOTICE, "reloaded %s (%zu users)", a->users_path, user_store_count(st));
	report_audit(a, &rec, false);
}

/* ---- the loop ---- */

struct dispatch_entry {
	const char *kind;               /* topic kind name, sorted */
	void (*fn)(struct agent *a, struct lock_ctx *l, const struct sl_topic *t,
			const struct inbox_item *it);
};

static void on_admin(struct agent *a, struct lock_ctx *l, const struct sl_topic *t,
		const struct inbox_item *it)
{
	admin_request(a, l, t->user, it->topic, it->payload, it->len);
}

static void on_health(struct agent *a, struct lock_ctx *l, const struct sl_topic *t,
		const struct inbox_item *it)
{
	(void)t;
	health_heartbeat(a, l, it->payload, it->len, it->retain);
}

static void on_request(struct agent *a, struct lock_ctx *l, const struct sl_topic *t,
		const struct inbox_item *it)
{
	pipeline_request(a, l, t->user, it->topic, it->payload, it->len);
}

static void on_status(struct agent *a, struct lock_ctx *l, const struct sl_topic *t,
		const struct inbox_item *it)
{
	(void)t;
	relay_status(a, l, it->payload, it->len);
}

static const struct dispatch_entry dispatch[] = {
	{"admin", on_admin},
	{"health", on_health},
	{"lockReq", on_request},
	{"lockStatus", on_status},
};

static int cmp_dispatch(const void *key, const void *elem)
{
	return strcmp(key, ((const struct dispatch_entry *)elem)->kind);
}

static bool is_other_lock(const struct agent *a, const char *id)
{
	for (size_t i = 0; i < a->nother_locks; i++)
		if (strcmp(a->other_locks[i], id) == 0)
			return true;
	return false;
}

/* A message for a lock this agent does not serve: another agent's retained
 * state marks the lock as served elsewhere; a request for a lock nobody
 * serves is answered unknown-lock. */
static void other_lock(struct agent *a, const struct sl_topic *t, const struct inbox_item *it)
{
	if (t->kind == SL_TOPIC_STATE) {
		if (it->len > 0 && !is_other_lock(a, t->lock) && a->nother_locks < OTHER_LOCKS_MAX)
			snprintf(a->other_locks[a->nother_locks++], SL_NAME_MAX + 1, "%s", t->lock);
		return;
	}
	if (t->kind == SL_TOPIC_LOCK_REQ && !it->retain && !is_other_lock(a, t->lock))
		pipeline_unknown_lock(a, t->lock, t->user, it->topic, it->payload, it->len);
}

static void handle_message(struct agent *a, const struct inbox_item *it)
{
	const struct dispatch_entry *d;
	struct sl_topic t;
	struct lock_ctx *l;

	if (strcmp(it->topic, SL_TOPIC_LOGIN_FAILED) == 0) {
		if (!it->retain)
			pipeline_login_failed(a, it->payload, it->len);
		return;
	}
	if (strcmp(it->topic, SL_TOPIC_ABUSE) == 0) {
		if (!it->retain)
			abuse_report(a, it->payload, it->len);
		return;
	}
	if (topic_parse(it->topic, &t) != SL_OK)
		return;
	l = agent_lock(a, t.lock);
	if (!l) {
		other_lock(a, &t, it);
		return;
	}
	d = bsearch(topic_kind_name(t.kind), dispatch, sizeof(dispatch) / sizeof(dispatch[0]),
			sizeof(dispatch[0]), cmp_dispatch);
	if (!d)
		return;
	if (it->retain && (t.kind == SL_TOPIC_LOCK_REQ || t.kind == SL_TOPIC_ADMIN)) {
		/* a retained request would be replayed at every subscribe */
		struct audit_record rec = {t.user, "", topic_kind_name(t.kind), l->id, "?",
			"ignored", "malformed", "retained request ignored", 0};

		report_audit(a, &rec, false);
		return;
	}
	d->fn(a, l, &t, it);
}

static void subscribe_all(struct agent *a)
{
	char filters[AGENT_LOCKS_MAX * 4 + 3][SL_TOPIC_MAX];
	char *ptrs[AGENT_LOCKS_MAX * 4 + 3];
	/* requests for every lock (unknown ones are answered) and every
	 * lock's state (which locks other agents serve) */
	static const char *const wide[] = {"smartlock/+/lockReq/+", "smartlock/+/state"};
	static const enum sl_topic_kind kinds[] = {SL_TOPIC_ADMIN, SL_TOPIC_LOCK_STATUS,
		SL_TOPIC_HEALTH};
	int n = 0, mid = 0, rc;

	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++) {
		snprintf(filters[n], sizeof(filters[n]), "%s", wide[i]);
		ptrs[n] = filters[n];
		n++;
	}
	for (size_t i = 0; i < a->nlocks; i++) {
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			topic_build(filters[n], sizeof(filters[n]), kinds[k], a->locks[i].id, "x");
			if (topic_kind_has_user(kinds[k]))
				filters[n][strlen(filters[n]) - 1] = '+';
			ptrs[n] = filters[n];
			n++;
		}
	}
	snprintf(filters[n], sizeof(filters[n]), "%s", SL_TOPIC_LOGIN_FAILED);
	ptrs[n] = filters[n];
	n++;
	snprintf(filters[n], sizeof(filters[n]), "%s", SL_TOPIC_ABUSE);
	ptrs[n] = filters[n];
	n++;
	rc = mqtt_subscribe(a->mqtt, ptrs, n, &mid);
	if (rc != MOSQ_ERR_SUCCESS)
		sl_log(SL_LOG_ERROR, "cannot subscribe: %s", mosquitto_strerror(rc));
}

static void handle_event(struct agent *a, struct inbox_item *it, int64_t now)
{
	switch (it->kind) {
	case INBOX_MESSAGE:
		handle_message(a, it);
		break;
	case INBOX_CONNECTED:
		if (it->code != 0) {
			sl_log(SL_LOG_ERROR, "the broker refused the connection as %s: %s%s",
					a->set.broker_user, mosquitto_connack_string(it->code),
					it->code == 4 || it->code == 5 ? " (a wrong broker_password, or "
					"the broker cannot read its password file: see its log)" : "");
			mqtt_lost(a->mqtt, now);
			break;
		}
		mqtt_accepted(a->mqtt);
		subscribe_all(a);
		break;
	case INBOX_SUBACK:
		if (it->code < 0)
			sl_log(SL_LOG_ERROR, "the broker refused a subscription (check the ACL of %s)",
					a->set.broker_user);
		for (size_t i = 0; i < a->nlocks; i++)
			if (a->locks[i].link != LINK_UNKNOWN)
				report_state(a, &a->locks[i]);
		if (!a->ready_announced) {
			a->ready_announced = true;
			repair_alert(a);
			/* the exact text tests and the demo wait for */
			sl_log(SL_LOG_NOTICE, "smartlock-agent: ready");
		} else {
			sl_log(SL_LOG_NOTICE, "reconnected and resubscribed (%u)", ++a->reconnects);
		}
		break;
	case INBOX_DISCONNECTED:
		sl_log(SL_LOG_WARNING, "lost the broker connection (%s); reconnecting",
				mosquitto_strerror(it->code));
		mqtt_lost(a->mqtt, now);
		health_broker_lost(a);
		break;
	}
}

static void handle_signals(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP)
			a->reload = true;
		else if (si.ssi_signo == SIGCHLD)
			;       /* channel_service() reaps on this pass */
		else
			a->stop = true;
	}
}

static void check_users_file(struct agent *a, int64_t now)
{
	struct timespec ts;

	if (now < a->next_users_check)
		return;
	a->next_users_check = now + USERS_CHECK_MS;
	users_mtime(a->users_path, &ts);
	if (ts.tv_sec != a->users_mtime.tv_sec || ts.tv_nsec != a->users_mtime.tv_nsec)
		a->reload = true;
}

static void audit_lifecycle(struct agent *a, const char *action)
{
	struct audit_record rec = {"agent", "", "agent", "", action, "ok", "",
		"smartlock-agent " SMARTLOCK_VERSION, 0};

	report_audit(a, &rec, true);
}

enum agent_exit agent_run(struct agent *a)
{
	audit_lifecycle(a, "start");
	while (!a->stop) {
		struct pollfd fds[2];
		int64_t now = time_mono_ms(), deadline;
		struct inbox_item *it;
		nfds_t nfds = 1;
		int fd;

		deadline = mqtt_next_deadline(a->mqtt, now);
		if (now + CLOCK_CHECK_MS < deadline)
			deadline = now + CLOCK_CHECK_MS;
		if (a->next_users_check < deadline)
			deadline = a->next_users_check;
		deadline = report_next_deadline(a, deadline);
		if (a->set.audit_min_free_kb && a->space_checked + 1000 < deadline)
			deadline = a->space_checked + 1000;
		deadline = budget_tick(a, now, deadline);
		deadline = channel_next_deadline(a, deadline);
		deadline = alerts_next_deadline(a->alerts, deadline);
		if (a->st.dirty && a->saved_at + a->set.checkpoint_interval * 1000 < deadline)
			deadline = a->saved_at + a->set.checkpoint_interval * 1000;
		for (size_t i = 0; i < a->nlocks; i++) {
			deadline = relay_next_deadline(&a->locks[i], deadline);
			deadline = health_next_deadline(&a->locks[i], deadline);
		}
		fds[0] = (struct pollfd){a->sigfd, POLLIN, 0};
		fd = mqtt_fd(a->mqtt);
		if (fd >= 0) {
			fds[1] = (struct pollfd){fd, POLLIN, 0};
			if (mqtt_want_write(a->mqtt))
				fds[1].events |= POLLOUT;
			nfds = 2;
		}
		if (poll(fds, nfds, deadline > now ? (int)(deadline - now) : 0) < 0 &&
				errno != EINTR) {
			sl_log(SL_LOG_ERROR, "poll: %s", strerror(errno));
			return AGENT_EXIT_RUNTIME;
		}
		if (fds[0].revents & POLLIN)
			handle_signals(a);
		now = time_mono_ms();
		mqtt_service(a->mqtt, nfds == 2 ? fds[1].revents : 0, now);
		while ((it = inbox_pop(&a->inbox)) != NULL) {
			handle_event(a, it, time_mono_ms());
			inbox_item_free(it);
			report_flush(a, time_mono_ms());
		}
		if (a->inbox.dropped) {
			sl_log(SL_LOG_WARNING, "dropped %zu messages (inbox full)", a->inbox.dropped);
			a->inbox.dropped = 0;
		}
		now = time_mono_ms();
		clock_check_step(a, time_now_ms(), now);
		for (size_t i = 0; i < a->nlocks; i++) {
			relay_timeouts(a, &a->locks[i], now);
			health_timeouts(a, &a->locks[i], now);
		}
		check_users_file(a, now);
		auditgap_check_space(a, now);
		channel_service(a, now);
		if (a->reload) {
			a->reload = false;
			agent_reload_users(a);
		}
		report_flush(a, time_mono_ms());
		agent_checkpoint(a, time_mono_ms());
		alerts_checkpoint(a->alerts, time_mono_ms());
	}
	sl_log(SL_LOG_NOTICE, "shutting down");
	budget_finish(a);
	audit_lifecycle(a, "stop");
	report_flush(a, time_mono_ms());
	mqtt_disconnect(a->mqtt);
	/* the checkpoint names the stop record: the next start knows the
	 * stop was clean */
	a->st.dirty = true;
	return agent_save_state(a) ? AGENT_EXIT_OK : AGENT_EXIT_RUNTIME;
}
