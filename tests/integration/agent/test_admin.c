/* test_admin.c - owners' operations on admin/<user>: user management with
 * the broker password file, lockout reset, health check, lock reset, log
 * pages; a resident's alert history; refusals for non-owners and bad
 * signatures; every action audited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "smartlock/passwd.h"
#include "smartlock/timeutil.h"
#include "common_setup.h"

static char passwd_conf[HARNESS_PATH_MAX + 32];

static int setup(void **state)
{
	struct passwd_file *pf;
	struct sl_passwd_entry e = {.name = "agent", .role = SL_PW_AGENT, .enabled = true};
	int rc;

	/* the passwd file lives in the test's own directory: create it after
	 * fx_setup, then start the agent */
	rc = fx_state_setup(state, fx_default_users, 3, NULL);
	if (rc != 0)
		return rc;
	{
		struct fx *f = *state;
		char path[HARNESS_PATH_MAX + 16];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/passwd", f->dir);
		pf = passwd_create();
		if (!pf || passwd_hash("agent-pw", e.hash, sizeof(e.hash)) != SL_OK ||
				passwd_set(pf, &e) != SL_OK || passwd_save(pf, path) != SL_OK) {
			passwd_destroy(pf);
			return -1;
		}
		passwd_destroy(pf);
		fp = fopen(f->conf_path, "a");
		if (!fp)
			return -1;
		fprintf(fp, "passwd_file = %s\n", path);
		fclose(fp);
		snprintf(passwd_conf, sizeof(passwd_conf), "%s", path);
		if (fx_start_agent(f) != 0 || fx_heartbeat(f, true, 60) != 0 ||
				fx_wait_state_online(f, true, FX_WAIT) != 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	return fx_state_down(state);
}

static void test_user_lifecycle(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct sl_admin_req req;
	struct sl_admin_res res;
	struct harness_client *g;
	struct passwd_file *pf;
	const struct sl_passwd_entry *pe;
	cJSON *data;
	char msg[256];
	struct sl_key gk;

	/* add a guest: the answer carries the enrolment material */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_ADD;
	snprintf(req.name, sizeof(req.name), "gina");
	req.has_role = true;
	req.role = SL_ROLE_GUEST;
	req.has_uses = true;
	req.uses = 3;
	req.has_schedule = true;
	snprintf(req.schedule, sizeof(req.schedule), "mo-su 00:00-24:00");
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	assert_int_equal(res.op, SL_ADMIN_USER_ADD);
	data = cJSON_Parse(res.data_json);
	assert_non_null(data);
	assert_string_equal(cJSON_GetObjectItem(data, "user")->valuestring, "gina");
	assert_string_equal(cJSON_GetObjectItem(data, "role")->valuestring, "guest");
	assert_int_equal(sign_key_from_hex(&gk,
				cJSON_GetObjectItem(data, "signing_key")->valuestring), SL_OK);
	assert_true(strlen(cJSON_GetObjectItem(data, "password")->valuestring) >= 16);
	/* the broker account exists, with a hash of that password */
	pf = passwd_load(passwd_conf, msg, sizeof(msg));
	assert_non_null(pf);
	pe = passwd_find(pf, "gina");
	assert_non_null(pe);
	assert_true(pe->enabled);
	assert_true(pe->home_only);
	assert_int_equal(passwd_verify(cJSON_GetObjectItem(data, "password")->valuestring,
				pe->hash), SL_OK);
	passwd_destroy(pf);
	cJSON_Delete(data);
	proto_admin_res_finish(&res);

	/* the new key works at once */
	g = fx_client(f, "gina");
	assert_non_null(g);
	{
		struct sl_response r;
		struct sl_command cmd;

		assert_true(fx_send(f, g, "gina", &gk, SL_ACTION_UNLOCK, 0) > 0);
		assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
		assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
					SL_STATE_UNLOCKED, false), 0);
		assert_int_equal(fx_response(f, g, "gina", &r, FX_WAIT), 0);
		assert_int_equal(r.result, SL_RESULT_OK);
	}

	/* list: no keys, counted uses, the canonical schedule */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_LIST;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	assert_null(strstr(res.data_json, "key"));
	data = cJSON_Parse(res.data_json);
	{
		cJSON *u, *found = NULL;

		cJSON_ArrayForEach(u, cJSON_GetObjectItem(data, "users"))
			if (strcmp(cJSON_GetObjectItem(u, "name")->valuestring, "gina") == 0)
				found = u;
		assert_non_null(found);
		assert_int_equal(cJSON_GetObjectItem(found, "uses")->valueint, 1);
		assert_int_equal(cJSON_GetObjectItem(found, "max_uses")->valueint, 3);
		assert_string_equal(cJSON_GetObjectItem(found, "schedule")->valuestring,
				"Mo-Su 00:00-24:00");
		assert_string_equal(cJSON_GetObjectItem(found, "status")->valuestring, "active");
		assert_string_equal(cJSON_GetObjectItem(found, "locks")->valuestring, FX_LOCK);
		assert_non_null(cJSON_GetObjectItem(found, "locked_out_until"));
	}
	cJSON_Delete(data);
	proto_admin_res_finish(&res);

	/* disable: refused at once, and the broker account is off */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_DISABLE;
	snprintf(req.name, sizeof(req.name), "gina");
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_refused(f, g, "gina", &gk, SL_ACTION_UNLOCK, 0,
				SL_REASON_DISABLED, NULL), 0);
	pf = passwd_load(passwd_conf, msg, sizeof(msg));
	assert_false(passwd_find(pf, "gina")->enabled);
	passwd_destroy(pf);
	/* re-enable, update (no more uses), revoke */
	req.op = SL_ADMIN_USER_ENABLE;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	proto_admin_res_finish(&res);
	req.op = SL_ADMIN_USER_UPDATE;
	req.has_uses = true;
	req.uses = 1;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_refused(f, g, "gina", &gk, SL_ACTION_UNLOCK, 0,
				SL_REASON_USES_EXHAUSTED, NULL), 0);
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_REVOKE;
	snprintf(req.name, sizeof(req.name), "gina");
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_refused(f, g, "gina", &gk, SL_ACTION_UNLOCK, 0,
				SL_REASON_REVOKED, NULL), 0);
	req.op = SL_ADMIN_USER_ENABLE;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_DENIED);
	assert_int_equal(res.reason, SL_REASON_BAD_REQUEST);
	proto_admin_res_finish(&res);
	/* every admin action is in the audit log */
	assert_int_equal(fx_wait_log(f, "\"action\":\"user-revoke\",\"result\":\"ok\"", FX_WAIT), 0);
	harness_client_destroy(g);
	harness_client_destroy(o);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;
	struct harness_client *r = fx_client(f, "resident");
	struct harness_client *o = fx_client(f, "owner");
	struct sl_admin_req req;
	struct sl_admin_res res;
	struct sl_key wrong;

	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_USER_LIST;
	assert_int_equal(fx_admin(f, r, "resident", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_DENIED);
	assert_int_equal(res.reason, SL_REASON_NOT_PERMITTED);
	assert_null(res.data_json);
	proto_admin_res_finish(&res);
	assert_int_equal(sign_key_generate(&wrong), SL_OK);
	assert_int_equal(fx_admin(f, o, "owner", &wrong, &req, &res), 0);
	assert_int_equal(res.reason, SL_REASON_BAD_SIGNATURE);
	proto_admin_res_finish(&res);
	/* the last owner cannot be disabled */
	req.op = SL_ADMIN_USER_DISABLE;
	snprintf(req.name, sizeof(req.name), "owner");
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.reason, SL_REASON_BAD_REQUEST);
	proto_admin_res_finish(&res);
	assert_int_equal(fx_wait_log(f, "\"action\":\"user-list\",\"result\":\"denied\","
				"\"reason\":\"not-permitted\"", FX_WAIT), 0);
	/* an action that cannot be audited is not done */
	{
		char dir[HARNESS_PATH_MAX + 16];

		snprintf(dir, sizeof(dir), "%s/audit", f->state_dir);
		assert_int_equal(chmod(dir, 0500), 0);
		memset(&req, 0, sizeof(req));
		req.op = SL_ADMIN_USER_REVOKE;
		snprintf(req.name, sizeof(req.name), "resident");
		assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
		assert_int_equal(res.result, SL_RESULT_ERROR);
		assert_int_equal(res.reason, SL_REASON_INTERNAL_ERROR);
		proto_admin_res_finish(&res);
		assert_int_equal(chmod(dir, 0700), 0);
		assert_int_equal(fx_granted(f, r, "resident", SL_ACTION_UNLOCK), 0);
	}
	harness_client_destroy(r);
	harness_client_destroy(o);
}

static const struct fx_user alert_users[] = {
	{.name = "owner", .role = SL_ROLE_OWNER},
	{.name = "rosa", .role = SL_ROLE_RESIDENT, .alerts = true},
	{.name = "resident", .role = SL_ROLE_RESIDENT},
	{.name = "guest", .role = SL_ROLE_GUEST, .alerts = true},
};

static int setup_alert_users(void **state)
{
	return fx_state_up(state, alert_users, 4, NULL);
}

/* user asks op; the answer's reason (SL_REASON_NONE when it was done) */
static enum sl_reason ask(struct fx *f, const char *user, enum sl_admin_op op)
{
	struct harness_client *c = fx_client(f, user);
	struct sl_admin_req req;
	struct sl_admin_res res;
	enum sl_reason reason;

	assert_non_null(c);
	memset(&req, 0, sizeof(req));
	req.op = op;
	req.has_cursor = op == SL_ADMIN_ALERT_ACK || op == SL_ADMIN_ALERT_ACK_ALL ||
			op == SL_ADMIN_LOG_PAGE;
	req.cursor = 1;
	assert_int_equal(fx_admin(f, c, user, NULL, &req, &res), 0);
	reason = res.result == SL_RESULT_OK ? SL_REASON_NONE : res.reason;
	if (res.result == SL_RESULT_OK && op == SL_ADMIN_ALERT_LIST)
		assert_non_null(strstr(res.data_json, "\"alerts\""));
	proto_admin_res_finish(&res);
	harness_client_destroy(c);
	return reason;
}

/* A resident who gets alerts may load the alert history and nothing else
 * admin; a resident without alerts and a guest may not even that. */
static void test_resident_alert_history(void **state)
{
	struct fx *f = *state;
	static const enum sl_admin_op others[] = {
		SL_ADMIN_ALERT_ACK, SL_ADMIN_ALERT_ACK_ALL, SL_ADMIN_USER_LIST,
		SL_ADMIN_LOG_PAGE, SL_ADMIN_LOCKOUT_RESET, SL_ADMIN_HEALTH_CHECK, SL_ADMIN_ALERT_TEST,
	};

	assert_int_equal(ask(f, "owner", SL_ADMIN_ALERT_LIST), SL_REASON_NONE);
	assert_int_equal(ask(f, "rosa", SL_ADMIN_ALERT_LIST), SL_REASON_NONE);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_int_equal(ask(f, "rosa", others[i]), SL_REASON_NOT_PERMITTED);
	assert_int_equal(ask(f, "resident", SL_ADMIN_ALERT_LIST), SL_REASON_NOT_PERMITTED);
	assert_int_equal(ask(f, "guest", SL_ADMIN_ALERT_LIST), SL_REASON_NOT_PERMITTED);
	assert_int_equal(fx_wait_log(f, "\"actor\":\"rosa\",\"role\":\"resident\"", FX_WAIT), 0);
}

static void test_lock_operations(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct sl_admin_req req;
	struct sl_admin_res res;
	struct sl_command cmd;
	char topic[SL_TOPIC_MAX], *payload;
	int64_t deadline;
	int got = 0;

	/* health check: a heartbeat command, answered by the next heartbeat */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_HEALTH_CHECK;
	req.time = time_now_ms();
	topic_build(topic, sizeof(topic), SL_TOPIC_ADMIN, FX_LOCK, "owner");
	assert_int_equal(proto_sign_admin_req(fx_key(f, "owner"), topic, &req), SL_OK);
	payload = proto_encode_admin_req(&req);
	assert_int_equal(harness_client_publish_str(o, topic, payload, 1, false), 0);
	free(payload);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_int_equal(cmd.action, SL_ACTION_HEARTBEAT);
	assert_int_equal(fx_heartbeat(f, true, 60), 0);
	deadline = time_mono_ms() + FX_WAIT;
	while (!got && time_mono_ms() < deadline) {
		struct harness_msg *m = harness_client_wait(o,
				"smartlock/front-door/adminRes/owner", FX_WAIT);

		assert_non_null(m);
		assert_int_equal(proto_decode_admin_res(m->payload, m->len, &res, NULL), SL_OK);
		harness_msg_free(m);
		if (res.id == req.time && res.result != SL_RESULT_PROGRESS) {
			got = 1;
			assert_int_equal(res.result, SL_RESULT_OK);
			assert_non_null(strstr(res.data_json, "\"online\":true"));
			assert_non_null(strstr(res.data_json, "\"uptime\":10"));
		}
		proto_admin_res_finish(&res);
	}
	assert_true(got);
	f->last_t = req.time;
	/* lock reset: a reset command, answered by its lockStatus */
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOCK_RESET;
	req.time = ++f->last_t;
	assert_int_equal(proto_sign_admin_req(fx_key(f, "owner"), topic, &req), SL_OK);
	payload = proto_encode_admin_req(&req);
	assert_int_equal(harness_client_publish_str(o, topic, payload, 1, false), 0);
	free(payload);
	assert_int_equal(fx_lock_command(f, &cmd, FX_WAIT), 0);
	assert_int_equal(cmd.action, SL_ACTION_RESET);
	assert_int_equal(fx_lock_answer(f, cmd.seq, SL_RESULT_OK, SL_REASON_NONE,
				SL_STATE_LOCKED, false), 0);
	{
		struct harness_msg *m = harness_client_wait(o,
				"smartlock/front-door/adminRes/owner", FX_WAIT);

		assert_non_null(m);
		assert_int_equal(proto_decode_admin_res(m->payload, m->len, &res, NULL), SL_OK);
		harness_msg_free(m);
		assert_true(res.id == req.time);
		assert_int_equal(res.op, SL_ADMIN_LOCK_RESET);
		assert_int_equal(res.result, SL_RESULT_OK);
		proto_admin_res_finish(&res);
	}
	harness_client_destroy(o);
}

static void test_log_pages(void **state)
{
	struct fx *f = *state;
	struct harness_client *o = fx_client(f, "owner");
	struct sl_admin_req req;
	struct sl_admin_res res;
	cJSON *data, *recs;
	int64_t next;

	for (int i = 0; i < 3; i++)
		assert_int_equal(fx_granted(f, o, "owner", SL_ACTION_LOCK), 0);
	memset(&req, 0, sizeof(req));
	req.op = SL_ADMIN_LOG_PAGE;
	req.has_cursor = true;
	req.cursor = 1;
	req.has_count = true;
	req.count = 5;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	assert_int_equal(res.result, SL_RESULT_OK);
	data = cJSON_Parse(res.data_json);
	recs = cJSON_GetObjectItem(data, "records");
	assert_int_equal(cJSON_GetArraySize(recs), 5);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(recs, 0), "seq")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(recs, 0), "action")->valuestring,
			"start");
	next = (int64_t)cJSON_GetObjectItem(data, "next")->valuedouble;
	assert_int_equal(next, 6);
	cJSON_Delete(data);
	proto_admin_res_finish(&res);
	/* the next page starts where the first ended */
	req.cursor = next;
	assert_int_equal(fx_admin(f, o, "owner", NULL, &req, &res), 0);
	data = cJSON_Parse(res.data_json);
	recs = cJSON_GetObjectItem(data, "records");
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(recs, 0), "seq")->valueint, 6);
	cJSON_Delete(data);
	proto_admin_res_finish(&res);
	harness_client_destroy(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_operations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resident_alert_history, setup_alert_users,
				teardown),
	};
	int rc;

	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
