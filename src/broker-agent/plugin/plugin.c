/*
 * plugin.c - smartlock_auth.so, the Mosquitto plugin (API v5) that enforces
 * the first of smartlock's three locks: who may connect, from where, and
 * which topics each identity may use. Reports failed logins to the agent
 * and closes the sessions of accounts that were disabled or removed.
 * Drops people's messages over their rate or size limit (ratelimit.h) and
 * reports the drops to the agent on smartlock/_site/abuse. When a lock
 * account's last connection ends, however it ended (with or without a last
 * will: a kicked session has none), publishes the lock's retained offline
 * heartbeat, so no stale "online" outlives the lock's session.
 *
 * Everything here runs in Mosquitto's single thread. Any error means deny.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include "acl.h"
#include "clientid.h"
#include "listeners.h"
#include "logincost.h"
#include "origin.h"
#include "ratelimit.h"
#include "sessions.h"
#include "smartlock/passwd.h"
#include "smartlock/protocol.h"
#include "smartlock/utf8.h"
#include "smartlock/timeutil.h"
#include "smartlock/topic.h"
#include "throttle.h"

#define LOG_PREFIX "smartlock_auth: "
#define RELOAD_CHECK_MS 200     /* stat the password file this often */
#define THROTTLE_LOG_MS 10000   /* at most one "throttled" line per 10 s */
#define LOG_USER_MAX 48
#define ABUSE_FLUSH_MS 1000     /* look for due abuse reports this often */

/* Exported entry points (everything else is hidden by the version script). */
int mosquitto_plugin_version(int supported_version_count, const int *supported_versions);
int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count);
int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count);

struct file_id {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct plugin {
	mosquitto_plugin_id_t *id;
	char passwd_path[PATH_MAX];
	char broker_conf[PATH_MAX];
	struct origin_nets home;
	struct passwd_file *pw;         /* NULL: file broken, everyone refused */
	struct file_id seen;            /* the password file we last loaded */
	int64_t next_check;
	char dummy_hash[SL_PASSWD_HASH_MAX];
	struct throttle throttle;
	int64_t next_throttle_log;
	bool remote_tls_ok;             /* listeners.h proved TLS on remote listeners */
	unsigned reloads;               /* password file loads after the first */
	struct sessions *sessions;      /* which account holds which client id */
	struct limits *limits;          /* people's rate and size limits */
	struct limits_config lcfg;
	int64_t next_flush;
	struct logincost cost;          /* hashing budget, verified logins */
	int64_t next_budget_log;
	struct passwd_file *kicking;    /* the accounts while everyone is kicked */
};

struct options {
	char passwd_file[PATH_MAX];
	char home_networks[1024];
	char broker_conf[PATH_MAX];
	char request_rate[24], request_burst[24];
	char owner_request_rate[24], owner_request_burst[24];
	char user_max_payload[24];
	char abuse_report_ms[24];
	char login_hash_ms[24], login_hash_burst_ms[24];
};

/* ---- small helpers ---- */

/* A user name from the network, safe to print in Mosquitto's log: at most
 * size - 1 bytes, control characters and broken UTF-8 replaced, bidi and
 * other format characters written out ("\u202E"). */
static void safe_copy(char *dst, size_t size, const char *src)
{
	utf8_escape(dst, size, src ? src : "", src ? strlen(src) : 0);
}

static struct file_id file_id_of(const char *path)
{
	struct file_id f;
	struct stat st;

	memset(&f, 0, sizeof(f));
	if (stat(path, &st) != 0)
		return f;
	f.present = true;
	f.dev = st.st_dev;
	f.ino = st.st_ino;
	f.size = st.st_size;
	f.mtime = st.st_mtim;
	f.ctime = st.st_ctim;
	return f;
}

static bool file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
			a->size == b->size &&
			a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
			a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* A well-formed hash with the given iteration count that no password
 * matches: verifying against it costs what a real check costs, so an
 * unknown user name is refused in the same time as a wrong password. */
static void make_dummy_hash(struct plugin *p)
{
	unsigned iterations = SL_PBKDF2_ITERATIONS;
	char dk[87];

	for (size_t i = 0; p->pw && i < passwd_count(p->pw); i++) {
		const struct sl_passwd_entry *e = passwd_at(p->pw, i);

		if (e->role <= SL_PW_GUEST && passwd_hash_check(e->hash, &iterations) == SL_OK)
			break;
	}
	memset(dk, 'A', sizeof(dk) - 1);
	dk[sizeof(dk) - 1] = '\0';
	snprintf(p->dummy_hash, sizeof(p->dummy_hash),
			"$pbkdf2-sha512$%u$AAAAAAAAAAAAAAAAAAAAAA$%s", iterations, dk);
}

/* ---- failed logins ---- */

static void report_failure(const char *user, const char *addr, enum sl_login_reason reason)
{
	struct sl_login_failed lf;
	char log_user[LOG_USER_MAX];
	char *json;

	memset(&lf, 0, sizeof(lf));
	safe_copy(lf.user, sizeof(lf.user), user);
	safe_copy(lf.addr, sizeof(lf.addr), addr ? addr : "");
	lf.reason = reason;
	lf.time = time_now_ms();
	safe_copy(log_user, sizeof(log_user), user);
	mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "login refused: user \"%s\" from %s: %s",
			log_user, lf.addr[0] ? lf.addr : "(unknown)",
			proto_login_reason_name(reason));
	json = proto_encode_login_failed(&lf);
	if (!json) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot encode the failed-login report");
		return;
	}
	if (mosquitto_broker_publish_copy(NULL, SL_TOPIC_LOGIN_FAILED, (int)strlen(json),
			json, 1, false, NULL) != MOSQ_ERR_SUCCESS)
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot publish the failed-login report");
	free(json);
}

/* ---- the password file ---- */

/* End the sessions of accounts that are gone or whose line changed in a
 * way that matters for who they are (role, origin, state, password). */
static void kick_changed(struct plugin *p, const struct passwd_file *old,
		const struct passwd_file *fresh)
{
	for (size_t i = 0; old && i < passwd_count(old); i++) {
		const struct sl_passwd_entry *o = passwd_at(old, i);
		const struct sl_passwd_entry *n = passwd_find(fresh, o->name);

		if (n && n->role == o->role && n->home_only == o->home_only &&
				n->enabled == o->enabled && strcmp(n->hash, o->hash) == 0)
			continue;
		mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "closing the sessions of \"%s\": "
				"account %s", o->name, !n ? "removed" : !n->enabled ? "disabled" : "changed");
		mosquitto_kick_client_by_username(o->name, true);
		/* a removed account's client ids are free for others again */
		if (!n)
			sessions_forget_user(p->sessions, o->name);
	}
}

/* Refuse every login from now on and close every session; the accounts
 * stay known to on_disconnect() while the sessions end. */
static void kick_everyone(struct plugin *p)
{
	p->kicking = p->pw;
	p->pw = NULL;
	mosquitto_kick_client_by_clientid(NULL, false);
	passwd_destroy(p->kicking);
	p->kicking = NULL;
}

/* Reload when the file changed (a new inode, size, mtime or ctime: an
 * atomic rename, an edit or a chmod), or when forced. On failure every
 * client is refused and every session closed until a good file appears. */
static void check_reload(struct plugin *p, bool force)
{
	struct file_id now_id = file_id_of(p->passwd_path);
	struct passwd_file *fresh;
	char msg[320];

	if (!force && file_id_equal(&now_id, &p->seen))
		return;
	fresh = passwd_load(p->passwd_path, msg, sizeof(msg));
	p->seen = now_id;
	if (!fresh) {
		p->reloads++;
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "reload %u failed: %s; refusing "
				"every client until the password file is fixed", p->reloads,
				msg[0] ? msg : "cannot load the password file");
		if (p->pw)
			kick_everyone(p);
		return;
	}
	kick_changed(p, p->pw, fresh);
	passwd_destroy(p->pw);
	p->pw = fresh;
	make_dummy_hash(p);
	p->reloads++;
	mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "reload %u: loaded %zu accounts from %s",
			p->reloads, passwd_count(p->pw), p->passwd_path);
}

/* ---- callbacks ---- */

static bool account_exists(const char *name, void *ctx)
{
	struct plugin *p = ctx;

	return p->pw && passwd_find(p->pw, name) != NULL;
}

/* A login asked for a client id reserved for another account: refused,
 * logged, and counted for the abuse report. */
static int squatting(struct plugin *p, const struct sl_passwd_entry *e, const char *id)
{
	char log_id[LOG_USER_MAX];

	safe_copy(log_id, sizeof(log_id), id);
	mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "login refused: user \"%s\" asked "
			"for client id \"%s\", which is reserved for another account", e->name, log_id);
	limits_note_squat(p->limits, e->name, e->role, log_id, time_mono_ms());
	return MOSQ_ERR_AUTH;
}

/* The last step of a good login: the client id must not be reserved for
 * another account (clientid.h), nor belong to another account's connection
 * or persistent session (sessions.h); a reserved id's own account always
 * gets it. */
static int claim_client_id(struct plugin *p, struct mosquitto *client,
		const struct sl_passwd_entry *e)
{
	const char *id = mosquitto_client_id(client), *user = e->name;
	const char *holder = NULL;
	char log_id[LOG_USER_MAX];
	enum clientid_claim claim = id ? clientid_claim(id, user, e->role, account_exists, p) :
		CLIENTID_FREE;
	enum sessions_verdict v;

	if (claim == CLIENTID_FORBIDDEN)
		return squatting(p, e, id);
	v = sessions_check(p->sessions, id, user, &holder);
	if (v == SESSIONS_TAKEN && claim == CLIENTID_OWN) {
		safe_copy(log_id, sizeof(log_id), id);
		mosquitto_log_printf(MOSQ_LOG_NOTICE, LOG_PREFIX "client id \"%s\" is \"%s\"'s: "
				"taking it back from \"%s\"", log_id, user, holder);
		v = SESSIONS_OK;        /* sessions_connected() passes the id over */
	}

	if (v == SESSIONS_OK)
		v = sessions_connected(p->sessions, client, id, user);
	if (v == SESSIONS_OK)
		return MOSQ_ERR_SUCCESS;
	safe_copy(log_id, sizeof(log_id), id);
	if (v == SESSIONS_TAKEN)
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "login refused: user \"%s\" "
				"asked for client id \"%s\", which belongs to \"%s\"", user, log_id, holder);
	else
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "login refused: user \"%s\": "
				"client id \"%s\" %s", user, log_id,
				v == SESSIONS_FULL ? "cannot be recorded (table full)" : "is unusable");
	return MOSQ_ERR_AUTH;
}

/* The lock account user has no connection left: its retained health
 * says offline, as its last will would. */
static void lock_gone(const char *user)
{
	struct sl_heartbeat hb = {.online = false, .time = time_now_ms()};
	char topic[SL_TOPIC_MAX];
	char *json;

	if (topic_build(topic, sizeof(topic), SL_TOPIC_HEALTH, user, NULL) != SL_OK)
		return;
	json = proto_encode_heartbeat(&hb);
	if (!json)
		return;
	if (mosquitto_broker_publish_copy(NULL, topic, (int)strlen(json), json, 1, true,
			NULL) != MOSQ_ERR_SUCCESS)
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot publish %s offline", user);
	free(json);
}

static int on_disconnect(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	struct mosquitto_evt_disconnect *ed = event_data;
	const struct passwd_file *pw = p->pw ? p->pw : p->kicking;
	const char *name = mosquitto_client_username(ed->client);
	const struct sl_passwd_entry *e = name && pw ? passwd_find(pw, name) : NULL;
	char user[SL_NAME_MAX + 1];

	(void)event;
	snprintf(user, sizeof(user), "%s", e ? e->name : "");
	sessions_disconnected(p->sessions, ed->client,
			!mosquitto_client_clean_session(ed->client));
	if (e && e->role == SL_PW_LOCK && !sessions_user_live(p->sessions, user))
		lock_gone(user);
	return MOSQ_ERR_SUCCESS;
}

/* Verify password against e's hash (the dummy hash for an unknown user, so
 * both take as long); a failure is charged to the budget when charged, a
 * match remembered. */
static bool check_password(struct plugin *p, const struct sl_passwd_entry *e,
		const char *password, bool charged)
{
	int64_t t0 = time_mono_ns();
	bool ok = passwd_verify(password, e ? e->hash : p->dummy_hash) == SL_OK && e;

	if (charged && !ok)
		logincost_spent(&p->cost, time_mono_ns() - t0);
	if (ok)
		logincost_remember(&p->cost, e->name, e->hash, password, time_mono_ms());
	return ok;
}

/* The hashing budget is spent: refuse at once, without hashing or a report
 * (a storm of reports would cost the agent what the budget saves here). */
static int budget_spent(struct plugin *p, const char *addr_text, int64_t now)
{
	if (now >= p->next_budget_log) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "login hashing budget spent: "
				"refusing logins from the network whose credentials are not known "
				"good (last from %s)", addr_text ? addr_text : "?");
		p->next_budget_log = now + THROTTLE_LOG_MS;
	}
	return MOSQ_ERR_AUTH;
}

static int on_basic_auth(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	struct mosquitto_evt_basic_auth *ed = event_data;
	const char *user = ed->username;
	const char *password = ed->password ? ed->password : "";
	const char *addr_text = mosquitto_client_address(ed->client);
	struct origin_addr addr = origin_parse_addr(addr_text);
	const struct sl_passwd_entry *e;
	enum sl_login_reason reason;
	int64_t now = time_mono_ms();
	bool verified;

	(void)event;
	if (!user || !*user) {
		report_failure("", addr_text, SL_LOGIN_ANONYMOUS);
		return MOSQ_ERR_AUTH;
	}
	if (addr.kind == ORIGIN_REMOTE && throttle_blocked(&p->throttle, &addr, now)) {
		if (now >= p->next_throttle_log) {
			mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "too many failed logins "
					"from %s: refusing its logins for a while", addr_text);
			p->next_throttle_log = now + THROTTLE_LOG_MS;
		}
		return MOSQ_ERR_AUTH;
	}
	if (!p->pw) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "login refused: no valid password file");
		return MOSQ_ERR_AUTH;
	}
	e = passwd_find(p->pw, user);
	if (e && logincost_known(&p->cost, e->name, e->hash, password, now))
		verified = true;        /* this very login was verified recently */
	else if (addr.kind != ORIGIN_SOCKET && !logincost_may_hash(&p->cost, now))
		return budget_spent(p, addr_text, now);
	else
		verified = check_password(p, e, password, addr.kind != ORIGIN_SOCKET);
	if (!verified)
		reason = e ? SL_LOGIN_BAD_PASSWORD : SL_LOGIN_UNKNOWN_USER;
	else if (!e->enabled)
		reason = SL_LOGIN_DISABLED;
	else if (!origin_allowed(e->role, e->home_only, &addr, &p->home, p->remote_tls_ok))
		reason = SL_LOGIN_BAD_ORIGIN;
	else
		return claim_client_id(p, ed->client, e);
	if (addr.kind == ORIGIN_REMOTE)
		throttle_failure(&p->throttle, &addr, now);
	report_failure(user, addr_text, reason);
	return MOSQ_ERR_AUTH;
}

static int on_acl_check(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	struct mosquitto_evt_acl_check *ed = event_data;
	const char *user = mosquitto_client_username(ed->client);
	const struct sl_passwd_entry *e;
	struct acl_identity id;
	enum acl_access access;

	(void)event;
	switch (ed->access) {
	case MOSQ_ACL_UNSUBSCRIBE:
		/* dropping a subscription never reveals or changes anything */
		return MOSQ_ERR_SUCCESS;
	case MOSQ_ACL_SUBSCRIBE:
		access = ACL_SUBSCRIBE;
		break;
	case MOSQ_ACL_READ:
		access = ACL_READ;
		break;
	case MOSQ_ACL_WRITE:
		access = ACL_WRITE;
		break;
	default:
		return MOSQ_ERR_ACL_DENIED;
	}
	if (!user || !p->pw)
		return MOSQ_ERR_ACL_DENIED;
	e = passwd_find(p->pw, user);
	if (!e || !e->enabled)
		return MOSQ_ERR_ACL_DENIED;
	id.role = e->role;
	id.name = e->name;
	id.alerts = e->alerts;
	if (!acl_check(&id, access, ed->topic, ed->retain))
		return MOSQ_ERR_ACL_DENIED;
	/* a publish that may pass: within the account's rate and size? */
	if (access == ACL_WRITE && limits_check(p->limits, &p->lcfg, e->name, e->role,
				ed->payloadlen, time_mono_ms()) != LIMITS_PASS)
		return MOSQ_ERR_ACL_DENIED;
	return MOSQ_ERR_SUCCESS;
}

/* ---- abuse reports ---- */

static void publish_abuse(void *ctx, const struct limits_report *r)
{
	struct sl_abuse_report rep;
	char *json;

	(void)ctx;
	memset(&rep, 0, sizeof(rep));
	snprintf(rep.user, sizeof(rep.user), "%s", r->user);
	snprintf(rep.role, sizeof(rep.role), "%s", passwd_role_name(r->role));
	rep.rate = (int64_t)r->rate_dropped;
	rep.size = (int64_t)r->size_dropped;
	rep.squat = (int64_t)r->squat_refused;
	snprintf(rep.id, sizeof(rep.id), "%s", r->last_id);
	rep.span = r->span_ms;
	rep.time = time_now_ms();
	mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "dropped from \"%s\" in %lld ms: "
			"%lld over its rate, %lld over its size limit, %lld reserved client ids",
			rep.user, (long long)rep.span, (long long)rep.rate, (long long)rep.size,
			(long long)rep.squat);
	json = proto_encode_abuse_report(&rep);
	if (!json || mosquitto_broker_publish_copy(NULL, SL_TOPIC_ABUSE, (int)strlen(json),
			json, 1, false, NULL) != MOSQ_ERR_SUCCESS)
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot publish an abuse report");
	free(json);
}

static int on_tick(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	int64_t now = time_mono_ms();

	(void)event;
	(void)event_data;
	if (now >= p->next_flush) {
		limits_flush(p->limits, now, p->lcfg.report_ms, false, publish_abuse, p);
		p->next_flush = now + ABUSE_FLUSH_MS;
	}
	if (now < p->next_check)
		return MOSQ_ERR_SUCCESS;
	check_reload(p, false);
	p->next_check = now + RELOAD_CHECK_MS;
	return MOSQ_ERR_SUCCESS;
}

/* ---- options ---- */

struct option_key {
	const char *name;
	size_t offset, size;
};

/* Sorted by name for bsearch. */
static const struct option_key option_keys[] = {
	{"abuse_report_ms", offsetof(struct options, abuse_report_ms), sizeof(((struct options *)0)->abuse_report_ms)},
	{"broker_conf", offsetof(struct options, broker_conf), sizeof(((struct options *)0)->broker_conf)},
	{"home_networks", offsetof(struct options, home_networks), sizeof(((struct options *)0)->home_networks)},
	{"login_hash_burst_ms", offsetof(struct options, login_hash_burst_ms), sizeof(((struct options *)0)->login_hash_burst_ms)},
	{"login_hash_ms", offsetof(struct options, login_hash_ms), sizeof(((struct options *)0)->login_hash_ms)},
	{"owner_request_burst", offsetof(struct options, owner_request_burst), sizeof(((struct options *)0)->owner_request_burst)},
	{"owner_request_rate", offsetof(struct options, owner_request_rate), sizeof(((struct options *)0)->owner_request_rate)},
	{"passwd_file", offsetof(struct options, passwd_file), sizeof(((struct options *)0)->passwd_file)},
	{"request_burst", offsetof(struct options, request_burst), sizeof(((struct options *)0)->request_burst)},
	{"request_rate", offsetof(struct options, request_rate), sizeof(((struct options *)0)->request_rate)},
	{"user_max_payload", offsetof(struct options, user_max_payload), sizeof(((struct options *)0)->user_max_payload)},
};

static int option_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct option_key *)elem)->name);
}

static int parse_options(struct options *o, struct mosquitto_opt *options, int count)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < count; i++) {
		const struct option_key *k;
		int n;

		if (!options[i].key || !options[i].value)
			return -1;
		k = bsearch(options[i].key, option_keys, sizeof(option_keys) / sizeof(option_keys[0]),
				sizeof(option_keys[0]), option_cmp);
		if (!k) {
			mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "unknown option "
					"plugin_opt_%s", options[i].key);
			return -1;
		}
		n = snprintf((char *)o + k->offset, k->size, "%s", options[i].value);
		if (n < 0 || (size_t)n >= k->size) {
			mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_%s: too long", k->name);
			return -1;
		}
	}
	if (!o->passwd_file[0]) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_passwd_file is required");
		return -1;
	}
	return 0;
}

/* One integer option in [lo, hi]; unset keeps *out. 0 or -1 (logged). */
static int int_option(const char *name, const char *text, int64_t lo, int64_t hi,
		int64_t *out)
{
	char *end;
	long long v;

	if (!text[0])
		return 0;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || end == text || *end || v < lo || v > hi) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "plugin_opt_%s: expected an "
				"integer from %lld to %lld", name, (long long)lo, (long long)hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* The people's rate and size limits (ratelimit.h). */
static int configure_limits(struct limits_config *c, const struct options *o)
{
	limits_config_defaults(c);
	return int_option("request_rate", o->request_rate, 1, 100000, &c->rate) ||
		int_option("request_burst", o->request_burst, 1, 1000000, &c->burst) ||
		int_option("owner_request_rate", o->owner_request_rate, 1, 100000, &c->owner_rate) ||
		int_option("owner_request_burst", o->owner_request_burst, 1, 1000000,
				&c->owner_burst) ||
		int_option("user_max_payload", o->user_max_payload, 64, 268435455,
				&c->user_max_payload) ||
		int_option("abuse_report_ms", o->abuse_report_ms, 100, 3600000,
				&c->report_ms) ? -1 : 0;
}

/* The login hashing budget (logincost.h); a new one starts full. */
static int configure_cost(struct plugin *p, const struct options *o)
{
	struct logincost_config c;

	logincost_config_defaults(&c);
	if (int_option("login_hash_ms", o->login_hash_ms, 1, 1000, &c.rate_ms) ||
			int_option("login_hash_burst_ms", o->login_hash_burst_ms, 0, 600000,
				&c.burst_ms))
		return -1;
	if (logincost_init(&p->cost, &c, time_mono_ms()) != 0) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "no random key for the login cache");
		return -1;
	}
	return 0;
}

/* Apply options: limits, home networks and the listener audit. */
static int configure(struct plugin *p, const struct options *o)
{
	struct listener_audit audit;
	char msg[160];
	enum sl_err rc;

	if (configure_limits(&p->lcfg, o) != 0 || configure_cost(p, o) != 0)
		return -1;
	if (origin_parse_networks(o->home_networks, &p->home, msg, sizeof(msg)) != SL_OK) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "%s", msg);
		return -1;
	}
	if (p->home.n == 0)
		mosquitto_log_printf(MOSQ_LOG_WARNING, LOG_PREFIX "no home_networks configured: "
				"guests can connect only over the Unix socket");
	snprintf(p->passwd_path, sizeof(p->passwd_path), "%s", o->passwd_file);
	if (o->broker_conf[0]) {
		snprintf(p->broker_conf, sizeof(p->broker_conf), "%s", o->broker_conf);
	} else {
		rc = listeners_own_config(p->broker_conf, sizeof(p->broker_conf));
		if (rc == SL_ERR_NOT_FOUND) {
			/* no -c: Mosquitto listens on loopback only */
			p->remote_tls_ok = false;
			return 0;
		}
		if (rc != SL_OK) {
			mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "cannot find the broker "
					"configuration; set plugin_opt_broker_conf");
			return -1;
		}
	}
	memset(&audit, 0, sizeof(audit));
	rc = listeners_audit_file(p->broker_conf, &audit);
	if (rc != SL_OK) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "refusing to start: %s", audit.problem);
		return -1;
	}
	p->remote_tls_ok = audit.remote_plain == 0 && audit.remote_tls > 0;
	mosquitto_log_printf(MOSQ_LOG_INFO, LOG_PREFIX "%u listeners: %u local, %u TLS",
			audit.listeners, audit.local, audit.remote_tls);
	return 0;
}

static int on_reload(int event, void *event_data, void *userdata)
{
	struct plugin *p = userdata;
	struct mosquitto_evt_reload *ed = event_data;
	struct options o;

	(void)event;
	/* Mosquitto 2.0 passes no options on SIGHUP (Debian's logrotate sends
	 * one every week): keep the start-up configuration and just read the
	 * password file again. New options, when given, are applied. */
	if (!ed->options || ed->option_count <= 0) {
		check_reload(p, true);
		return MOSQ_ERR_SUCCESS;
	}
	if (parse_options(&o, ed->options, ed->option_count) != 0 || configure(p, &o) != 0) {
		/* a broken configuration: refuse everybody until it is fixed */
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "bad configuration on reload: "
				"refusing every client");
		memset(&p->home, 0, sizeof(p->home));
		p->remote_tls_ok = false;
		kick_everyone(p);
		return MOSQ_ERR_SUCCESS;
	}
	check_reload(p, true);
	return MOSQ_ERR_SUCCESS;
}

/* ---- entry points ---- */

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	for (int i = 0; i < supported_version_count; i++) {
		if (supported_versions[i] == 5)
			return 5;
	}
	return -1;
}

static const struct {
	int event;
	MOSQ_FUNC_generic_callback cb;
} callbacks[] = {
	{MOSQ_EVT_BASIC_AUTH, on_basic_auth},
	{MOSQ_EVT_ACL_CHECK, on_acl_check},
	{MOSQ_EVT_TICK, on_tick},
	{MOSQ_EVT_RELOAD, on_reload},
	{MOSQ_EVT_DISCONNECT, on_disconnect},
};

#define NCALLBACKS (sizeof(callbacks) / sizeof(callbacks[0]))

static void unregister_all(struct plugin *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		mosquitto_callback_unregister(p->id, callbacks[i].event, callbacks[i].cb, NULL);
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count)
{
	struct plugin *p = calloc(1, sizeof(*p));
	struct options o;
	char msg[320];
	size_t i;

	if (!p)
		return MOSQ_ERR_NOMEM;
	p->id = identifier;
	throttle_init(&p->throttle);
	p->sessions = sessions_create(SESSIONS_MAX);
	p->limits = limits_create();
	if (!p->sessions || !p->limits)
		goto fail;
	if (parse_options(&o, options, option_count) != 0 || configure(p, &o) != 0)
		goto fail;
	p->seen = file_id_of(p->passwd_path);
	p->pw = passwd_load(p->passwd_path, msg, sizeof(msg));
	if (!p->pw) {
		mosquitto_log_printf(MOSQ_LOG_ERR, LOG_PREFIX "%s", msg);
		goto fail;
	}
	make_dummy_hash(p);
	for (i = 0; i < NCALLBACKS; i++) {
		if (mosquitto_callback_register(p->id, callbacks[i].event, callbacks[i].cb,
				NULL, p) != MOSQ_ERR_SUCCESS) {
			unregister_all(p, i);
			goto fail;
		}
	}
	mosquitto_log_printf(MOSQ_LOG_INFO, LOG_PREFIX "loaded %zu accounts from %s; "
			"%zu home networks", passwd_count(p->pw), p->passwd_path, p->home.n);
	*userdata = p;
	return MOSQ_ERR_SUCCESS;
fail:
	passwd_destroy(p->pw);
	sessions_destroy(p->sessions);
	limits_destroy(p->limits);
	free(p);
	return MOSQ_ERR_UNKNOWN;
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	struct plugin *p = userdata;

	(void)options;
	(void)option_count;
	if (!p)
		return MOSQ_ERR_SUCCESS;
	unregister_all(p, NCALLBACKS);
	passwd_destroy(p->pw);
	sessions_destroy(p->sessions);
	limits_destroy(p->limits);
	free(p);
	return MOSQ_ERR_SUCCESS;
}
