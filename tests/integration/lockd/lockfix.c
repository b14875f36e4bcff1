/* lockfix.c - the smartlock-lockd integration fixture: broker, config,
 * the real daemon and a signing "agent" client. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smartlock/sign.h"
#include "smartlock/timeutil.h"

#include "lockfix.h"

/* dir/name into buf; -1 if it does not fit. */
static int join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static const char *lockd_path(char *buf, size_t size)
{
	return harness_build_path(buf, size, "src/lock/smartlock-lockd");
}

int lx_write_conf(struct lx *x, const char *extra_conf)
{
	char hex[SL_KEY_HEX + 1];
	char text[4096];
	int n;

	if (sign_key_to_hex(&x->key, hex, sizeof(hex)) != SL_OK)
		return -1;
	n = snprintf(text, sizeof(text),
			"# written by the lockd integration tests\n"
			"lock = " LX_LOCK "\n"
			"broker_socket = %s\n"
			"signing_key = %s\n"
			"state_file = %s\n"
			"%s"
			"sim_control = %s\n"
			"log_level = info\n"
			"%s",
			x->broker.socket_path, hex, x->state_path,
			extra_conf && strstr(extra_conf, "backend =") ? "" : "backend = sim\n",
			x->control_path,
			extra_conf ? extra_conf : "");
	memset(hex, 0, sizeof(hex));
	if (n < 0 || (size_t)n >= sizeof(text))
		return -1;
	return harness_write_file(x->conf_path, text, 0600);
}

int lx_setup(struct lx *x, const char *extra_conf)
{
	memset(x, 0, sizeof(*x));
	if (harness_tmpdir(x->dir, sizeof(x->dir)) != 0)
		return -1;
	if (join(x->conf_path, sizeof(x->conf_path), x->dir, "lockd.conf") != 0 ||
			join(x->state_path, sizeof(x->state_path), x->dir, "lockd.state") != 0 ||
			join(x->control_path, sizeof(x->control_path), x->dir, "sim-control") != 0)
		return -1;
	if (harness_broker_start(&x->broker, x->dir, NULL) != 0)
		return -1;
	if (sign_key_generate(&x->key) != SL_OK || lx_write_conf(x, extra_conf) != 0)
		return -1;
	x->agent = harness_client_local(&x->broker, NULL, NULL);
	if (!x->agent ||
			harness_client_subscribe(x->agent, LX_TOPIC_STATUS, 1) != 1 ||
			harness_client_subscribe(x->agent, LX_TOPIC_HEALTH, 1) != 1)
		return -1;
	return 0;
}

int lx_start(struct lx *x)
{
	char exe[HARNESS_PATH_MAX];
	char *argv[] = { (char *)lockd_path(exe, sizeof(exe)), "-c", x->conf_path, NULL };
	char name[32];

	x->starts++;
	snprintf(name, sizeof(name), "lockd.%d.log", x->starts);
	if (join(x->log_path, sizeof(x->log_path), x->dir, name) != 0)
		return -1;
	if (harness_proc_start(&x->lockd, x->log_path, argv, NULL) != 0)
		return -1;
	x->running = true;
	/* "smartlock-lockd: notice: ready" or "smartlock-lockd: ready" */
	if (harness_wait_file_contains(x->log_path, ": ready", LX_WAIT) != 0) {
		char *log = harness_read_file(x->log_path);

		fprintf(stderr, "lockd did not get ready; its log:\n%s\n", log ? log : "");
		free(log);
		return -1;
	}
	return 0;
}

int lx_stop(struct lx *x, int sig)
{
	if (!x->running)
		return -1;
	x->running = false;
	return harness_proc_stop(&x->lockd, sig, LX_WAIT);
}

int lx_up(struct lx *x, const char *extra_conf)
{
	struct sl_heartbeat hb;

	if (lx_setup(x, extra_conf) != 0 || lx_start(x) != 0)
		return -1;
	return lx_health(x, &hb, LX_WAIT) == 0 && hb.online ? 0 : -1;
}

void lx_teardown(struct lx *x)
{
	if (x->running)
		lx_stop(x, SIGKILL);
	harness_client_destroy(x->agent);
	x->agent = NULL;
	harness_broker_stop(&x->broker);
	harness_rmtree(x->dir);
}

int lx_send(struct lx *x, struct sl_command *cmd, const struct sl_key *key)
{
	char *text;
	int rc;

	if (proto_sign_command(key ? key : &x->key, LX_TOPIC_LOCK, cmd) != SL_OK)
		return -1;
	text = proto_encode_command(cmd);
	if (!text)
		return -1;
	rc = harness_client_publish_str(x->agent, LX_TOPIC_LOCK, text, 1, false);
	free(text);
	return rc == 0 ? 0 : -1;
}

uint64_t lx_command(struct lx *x, enum sl_action action)
{
	struct sl_command cmd = {
		.action = action,
		.seq = ++x->seq,
		.time = time_now_ms(),
	};

	cmd.expires = cmd.time + LX_EXPIRY;
	strcpy(cmd.user, "owner");
	cmd.req = cmd.time;
	return lx_send(x, &cmd, NULL) == 0 ? cmd.seq : 0;
}

int lx_send_raw(struct lx *x, const char *payload)
{
	return harness_client_publish_str(x->agent, LX_TOPIC_LOCK, payload, 1, false) == 0 ? 0 : -1;
}

int lx_status(struct lx *x, struct sl_lock_status *st, int timeout_ms)
{
	struct harness_msg *m = harness_client_wait(x->agent, LX_TOPIC_STATUS, timeout_ms);
	enum sl_err rc;

	if (!m)
		return -1;
	rc = proto_decode_lock_status(m->payload, m->len, st, NULL);
	if (rc != SL_OK)
		fprintf(stderr, "lockStatus does not decode (%s): %s\n", sl_errname(rc),
				(const char *)m->payload);
	harness_msg_free(m);
	return rc == SL_OK ? 0 : -1;
}

int lx_health(struct lx *x, struct sl_heartbeat *hb, int timeout_ms)
{
	struct harness_msg *m = harness_client_wait(x->agent, LX_TOPIC_HEALTH, timeout_ms);
	enum sl_err rc;

	if (!m)
		return -1;
	if (getenv("LX_DEBUG"))
		fprintf(stderr, "health: %s\n", (const char *)m->payload);
	rc = proto_decode_heartbeat(m->payload, m->len, hb, NULL);
	if (rc != SL_OK)
		fprintf(stderr, "health does not decode (%s): %s\n", sl_errname(rc),
				(const char *)m->payload);
	harness_msg_free(m);
	return rc == SL_OK ? 0 : -1;
}

int lx_control(struct lx *x, const char *line)
{
	int fd = open(x->control_path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = strlen(line);
	bool ok;

	if (fd < 0)
		return -1;
	ok = write(fd, line, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

int lx_path(const struct lx *x, char *buf, size_t size, const char *name)
{
	return join(buf, size, x->dir, name);
}

int lx_run(struct lx *x, const char *const *args)
{
	char exe[HARNESS_PATH_MAX];
	char log[HARNESS_PATH_MAX];
	char *argv[16];
	struct harness_proc p;
	size_t n = 0;

	argv[n++] = (char *)lockd_path(exe, sizeof(exe));
	for (; args && *args && n < 15; args++)
		argv[n++] = (char *)*args;
	argv[n] = NULL;
	if (join(log, sizeof(log), x->dir, "run.log") != 0)
		return -1;
	unlink(log);
	if (harness_proc_start(&p, log, argv, NULL) != 0)
		return -1;
	if (harness_proc_wait(&p, LX_WAIT) != 0)
		return harness_proc_stop(&p, SIGKILL, 1000);
	return WIFEXITED(p.status) ? WEXITSTATUS(p.status) : 128 + WTERMSIG(p.status);
}
