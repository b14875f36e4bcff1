/* harness.c - private Mosquitto, child processes and a synchronous MQTT
 * client for the integration tests (see harness.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#include "harness.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A short pause between two polls of a condition that has no event to
 * wait on (a connect() that was refused). Never used as the wait itself. */
static void backoff(int ms)
{
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)ms * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---- files and directories ---- */

int harness_tmpdir(char *buf, size_t size)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (!base || !*base)
		base = "/tmp";
	n = snprintf(buf, size, "%s/smartlock-test.XXXXXX", base);
	if (n < 0 || (size_t)n >= size)
		return -1;
	return mkdtemp(buf) ? 0 : -1;
}

static void rmtree_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0) {
		unlinkat(dirfd, name, 0);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type == DT_DIR) {
			/* make it writable again if a test took write access
			 * away; best effort, like the removal itself (the "!"
			 * keeps _FORTIFY_SOURCE's warn_unused_result quiet) */
			(void)!fchmodat(fd, e->d_name, 0700, 0);
			rmtree_at(fd, e->d_name);
		} else {
			unlinkat(fd, e->d_name, 0);
		}
	}
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

void harness_rmtree(const char *dir)
{
	if (!dir || !*dir || getenv("SMARTLOCK_KEEP_TEST_DIRS"))
		return;
	chmod(dir, 0700);
	rmtree_at(AT_FDCWD, dir);
}

int harness_write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text), off = 0;

	if (fd < 0)
		return -1;
	fchmod(fd, mode);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	return close(fd);
}

char *harness_read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, len = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

long harness_audit_bytes(const char *dir, const char *actor)
{
	char path[HARNESS_PATH_MAX + 300], needle[64];
	struct dirent *de;
	long sum = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	snprintf(needle, sizeof(needle), "\"actor\":\"%s\"", actor ? actor : "");
	while ((de = readdir(d)) != NULL) {
		char *text, *line, *save = NULL;

		if (strncmp(de->d_name, "audit.log", 9) != 0)
			continue;
		snprintf(path, sizeof(path), "%.*s/%.255s", HARNESS_PATH_MAX, dir, de->d_name);
		text = harness_read_file(path);
		for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
				line = strtok_r(NULL, "\n", &save))
			if (!actor || strstr(line, needle))
				sum += (long)strlen(line) + 1;
		free(text);
	}
	closedir(d);
	return sum;
}

static const char *root_path(char *buf, size_t size, const char *var,
		const char *fallback, const char *rel)
{
	const char *root = getenv(var);

	if (!root || !*root)
		root = fallback;
	snprintf(buf, size, "%s/%s", root, rel);
	return buf;
}

const char *harness_build_path(char *buf, size_t size, const char *rel)
{
	return root_path(buf, size, "SMARTLOCK_BUILD_ROOT", ".", rel);
}

const char *harness_source_path(char *buf, size_t size, const char *rel)
{
	return root_path(buf, size, "SMARTLOCK_SOURCE_ROOT", "..", rel);
}

/* ---- child processes ---- */

int harness_proc_start(struct harness_proc *p, const char *log_path,
		char *const argv[], char *const envp[])
{
	pid_t pid;

	memset(p, 0, sizeof(*p));
	snprintf(p->log_path, sizeof(p->log_path), "%s", log_path ? log_path : "/dev/null");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(p->log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (in < 0 || out < 0)
			_exit(127);
		dup2(in, 0);
		dup2(out, 1);
		dup2(out, 2);
		setpgid(0, 0);
		/* a test killed by its timeout must not leave brokers, agents
		 * or locks running behind it */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(127);
		signal(SIGPIPE, SIG_DFL);
		if (envp)
			execve(argv[0], argv, envp);
		else
			execv(argv[0], argv);
		dprintf(2, "harness: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	return 0;
}

int harness_proc_wait(struct harness_proc *p, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	sigset_t set, old;
	int rc = -1;

	if (p->reaped)
		return 0;
	if (p->pid <= 0)
		return -1;
	/* Wait for SIGCHLD with sigtimedwait: an event, not a sleep. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	for (;;) {
		pid_t r = waitpid(p->pid, &p->status, WNOHANG);
		long long left;
		struct timespec ts;

		if (r == p->pid) {
			p->reaped = true;
			rc = 0;
			break;
		}
		if (r < 0 && errno != EINTR)
			break;
		left = deadline - now_ms();
		if (left <= 0)
			break;
		if (left > 100)
			left = 100; /* re-check: a SIGCHLD of another child may be taken */
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		sigtimedwait(&set, NULL, &ts);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int harness_proc_stop(struct harness_proc *p, int sig, int timeout_ms)
{
	if (p->pid <= 0)
		return -1;
	if (!p->reaped) {
		kill(p->pid, sig);
		if (harness_proc_wait(p, timeout_ms) != 0) {
			kill(p->pid, SIGKILL);
			harness_proc_wait(p, 5000);
		}
	}
	return p->reaped ? exit_code(p->status) : -1;
}

bool harness_proc_alive(struct harness_proc *p)
{
	if (p->pid <= 0 || p->reaped)
		return false;
	if (waitpid(p->pid, &p->status, WNOHANG) == p->pid) {
		p->reaped = true;
		return false;
	}
	return true;
}

int harness_wait_file_contains(const char *path, const char *needle, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		char *text = harness_read_file(path);
		bool found = text && strstr(text, needle);

		free(text);
		if (found)
			return 0;
		if (now_ms() >= deadline)
			return -1;
		backoff(5);
	}
}

size_t harness_file_lines(const char *path)
{
	char *text = harness_read_file(path);
	size_t n = 0;

	for (const char *p = text; p && *p; p++)
		n += *p == '\n';
	free(text);
	return n;
}

int harness_wait_file_lines(const char *path, size_t n, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		if (harness_file_lines(path) >= n)
			return 0;
		if (now_ms() >= deadline)
			return -1;
		backoff(5);
	}
}

/* ---- the broker ---- */

int harness_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int tcp_connect_ok(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int unix_connect_ok(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	int fd, ok;

	if (len >= sizeof(a.sun_path))
		return 0;
	memcpy(a.sun_path, path, len + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Copy src to out, replacing @PORT@ and @DIR@. */
static char *expand(const char *src, int port, const char *dir)
{
	size_t cap = strlen(src) * 2 + strlen(dir) * 8 + 64, len = 0;
	char *out = malloc(cap);
	char portbuf[16];

	if (!out)
		return NULL;
	snprintf(portbuf, sizeof(portbuf), "%d", port);
	while (*src) {
		const char *rep = NULL;
		size_t skip = 0;

		if (!strncmp(src, "@PORT@", 6)) {
			rep = portbuf;
			skip = 6;
		} else if (!strncmp(src, "@DIR@", 5)) {
			rep = dir;
			skip = 5;
		}
		if (rep) {
			size_t rl = strlen(rep);

			if (len + rl + 1 >= cap) {
				char *n = realloc(out, cap = cap * 2 + rl);

				if (!n) {
					free(out);
					return NULL;
				}
				out = n;
			}
			memcpy(out + len, rep, rl);
			len += rl;
			src += skip;
		} else {
			if (len + 2 >= cap) {
				char *n = realloc(out, cap *= 2);

				if (!n) {
					free(out);
					return NULL;
				}
				out = n;
			}
			out[len++] = *src++;
		}
	}
	out[len] = '\0';
	return out;
}

static int broker_spawn(struct harness_broker *b)
{
	const char *bin = getenv("SMARTLOCK_MOSQUITTO");
	struct harness_proc p;
	long long deadline;
	char *argv[5];

	if (!bin || !*bin)
		bin = "mosquitto";
	/* execv needs a path: /usr/bin/env resolves the name through PATH */
	argv[0] = (char *)"/usr/bin/env";
	argv[1] = (char *)bin;
	argv[2] = (char *)"-c";
	argv[3] = b->conf_path;
	argv[4] = NULL;
	unlink(b->socket_path);
	if (harness_proc_start(&p, b->log_path, argv, NULL) != 0)
		return -1;
	b->pid = p.pid;
	deadline = now_ms() + 10000;
	while (now_ms() < deadline) {
		int st;

		/* mosquitto opens its listeners one after the other: ready
		 * when both accept, or a TCP client may be refused */
		if (unix_connect_ok(b->socket_path) && (b->port <= 0 || tcp_connect_ok(b->port)))
			return 0;
		if (waitpid(b->pid, &st, WNOHANG) == b->pid) {
			b->pid = 0;
			return -1;
		}
		backoff(2);
	}
	return -1;
}

static void dump_log(const char *path)
{
	char *log = harness_read_file(path);

	fprintf(stderr, "harness: mosquitto log %s:\n%s\n", path, log ? log : "(none)");
	free(log);
}

int harness_broker_start(struct harness_broker *b, const char *dir, const char *extra_conf)
{
	struct passwd *pw = getpwuid(geteuid());
	int attempt;

	memset(b, 0, sizeof(*b));
	snprintf(b->dir, sizeof(b->dir), "%s", dir);
	snprintf(b->socket_path, sizeof(b->socket_path), "%s/mqtt.sock", dir);
	snprintf(b->conf_path, sizeof(b->conf_path), "%s/mosquitto.conf", dir);
	snprintf(b->log_path, sizeof(b->log_path), "%s/mosquitto.log", dir);
	for (attempt = 0; attempt < 5; attempt++) {
		char *extra = NULL;
		FILE *f;

		b->port = harness_free_port();
		if (b->port <= 0)
			return -1;
		if (extra_conf && !(extra = expand(extra_conf, b->port, dir)))
			return -1;
		f = fopen(b->conf_path, "w");
		if (!f) {
			free(extra);
			return -1;
		}
		fprintf(f, "# generated by the smartlock test harness\n");
		/* as root, mosquitto would switch to the 'mosquitto' user and
		 * lose access to the test directory; stay who we are */
		if (pw)
			fprintf(f, "user %s\n", pw->pw_name);
		fprintf(f, "per_listener_settings false\n");
		fprintf(f, "persistence false\n");
		fprintf(f, "log_dest file %s\n", b->log_path);
		fprintf(f, "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
		fprintf(f, "listener 0 %s\n", b->socket_path);
		fprintf(f, "listener %d 127.0.0.1\n", b->port);
		if (extra)
			fprintf(f, "%s\n", extra);
		else
			fprintf(f, "allow_anonymous true\n");
		fclose(f);
		free(extra);
		if (broker_spawn(b) == 0)
			return 0;
		/* the port may have been taken between probe and bind: retry */
	}
	dump_log(b->log_path);
	return -1;
}

void harness_broker_stop(struct harness_broker *b)
{
	struct harness_proc p = {.pid = b->pid};

	if (b->pid <= 0)
		return;
	harness_proc_stop(&p, SIGTERM, 5000);
	b->pid = 0;
}

int harness_broker_restart(struct harness_broker *b)
{
	long long deadline = now_ms() + 10000;

	harness_broker_stop(b);
	/* the port leaves TIME_WAIT-free LISTEN state at once (SO_REUSEADDR in
	 * mosquitto); a few retries cover the close racing the new bind */
	while (now_ms() < deadline) {
		if (broker_spawn(b) == 0)
			return 0;
		backoff(20);
	}
	dump_log(b->log_path);
	return -1;
}

/* ---- MQTT clients ---- */

struct harness_client {
	struct mosquitto *mosq;
	int connack;            /* -1 until CONNACK */
	bool connected;
	bool disconnected;
	int sub_mid, sub_qos;
	bool sub_done;
	struct harness_msg *head, *tail;
	int acked_mids[64];
	size_t nacked;
};

static void on_connect(struct mosquitto *m, void *obj, int rc)
{
	struct harness_client *c = obj;

	(void)m;
	c->connack = rc;
	c->connected = rc == 0;
}

static void on_disconnect(struct mosquitto *m, void *obj, int rc)
{
	struct harness_client *c = obj;

	(void)m;
	(void)rc;
	c->connected = false;
	c->disconnected = true;
}

static void on_publish(struct mosquitto *m, void *obj, int mid)
{
	struct harness_client *c = obj;

	(void)m;
	c->acked_mids[c->nacked++ % 64] = mid;
}

static void on_subscribe(struct mosquitto *m, void *obj, int mid, int n, const int *granted)
{
	struct harness_client *c = obj;

	(void)m;
	if (mid == c->sub_mid) {
		c->sub_qos = n > 0 ? granted[0] : -1;
		c->sub_done = true;
	}
}

static void on_message(struct mosquitto *m, void *obj, const struct mosquitto_message *msg)
{
	struct harness_client *c = obj;
	struct harness_msg *hm = calloc(1, sizeof(*hm));

	(void)m;
	if (!hm)
		return;
	hm->topic = strdup(msg->topic);
	hm->payload = malloc((size_t)msg->payloadlen + 1);
	if (!hm->topic || !hm->payload) {
		harness_msg_free(hm);
		return;
	}
	memcpy(hm->payload, msg->payload, (size_t)msg->payloadlen);
	((char *)hm->payload)[msg->payloadlen] = '\0';
	hm->len = (size_t)msg->payloadlen;
	hm->qos = msg->qos;
	hm->retain = msg->retain;
	if (c->tail)
		c->tail->next = hm;
	else
		c->head = hm;
	c->tail = hm;
}

void harness_msg_free(struct harness_msg *m)
{
	if (!m)
		return;
	free(m->topic);
	free(m->payload);
	free(m);
}

void harness_init(void)
{
	mosquitto_lib_init();
	signal(SIGPIPE, SIG_IGN);
}

void harness_cleanup(void)
{
	mosquitto_lib_cleanup();
}

static void pump_once(struct harness_client *c, int timeout_ms)
{
	int rc = mosquitto_loop(c->mosq, timeout_ms, 1);

	if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST) {
		c->connected = false;
		c->disconnected = true;
	}
}

struct harness_client *harness_client_connect(const struct harness_client_opts *o, int *rc)
{
	struct harness_client *c = calloc(1, sizeof(*c));
	long long deadline;
	int r;

	if (rc)
		*rc = -1;
	if (!c)
		return NULL;
	c->connack = -1;
	c->mosq = mosquitto_new(o->id, !o->persistent_session, c);
	if (!c->mosq)
		goto fail;
	mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	mosquitto_subscribe_callback_set(c->mosq, on_subscribe);
	mosquitto_message_callback_set(c->mosq, on_message);
	if (o->user && mosquitto_username_pw_set(c->mosq, o->user, o->password) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (o->will_topic && mosquitto_will_set(c->mosq, o->will_topic,
			(int)strlen(o->will_payload ? o->will_payload : ""),
			o->will_payload ? o->will_payload : "", 1, o->will_retain) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (o->cafile && mosquitto_tls_set(c->mosq, o->cafile, NULL, NULL, NULL, NULL) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (o->socket_path)
		r = mosquitto_connect(c->mosq, o->socket_path, 0, o->keepalive ? o->keepalive : 60);
	else
		r = mosquitto_connect(c->mosq, o->host ? o->host : "127.0.0.1", o->port,
				o->keepalive ? o->keepalive : 60);
	if (r != MOSQ_ERR_SUCCESS)
		goto fail;
	deadline = now_ms() + 5000;
	while (c->connack < 0 && !c->disconnected && now_ms() < deadline)
		pump_once(c, 50);
	if (rc)
		*rc = c->connack;
	if (c->connack != 0)
		goto fail;
	return c;
fail:
	harness_client_destroy(c);
	return NULL;
}

struct harness_client *harness_client_local(const struct harness_broker *b,
		const char *user, const char *password)
{
	struct harness_client_opts o = {
		.user = user,
		.password = password,
		.socket_path = b->socket_path,
	};

	return harness_client_connect(&o, NULL);
}

int harness_client_subscribe(struct harness_client *c, const char *topic, int qos)
{
	long long deadline = now_ms() + 5000;

	c->sub_done = false;
	if (mosquitto_subscribe(c->mosq, &c->sub_mid, topic, qos) != MOSQ_ERR_SUCCESS)
		return -1;
	while (!c->sub_done && c->connected && now_ms() < deadline)
		pump_once(c, 50);
	return c->sub_done ? c->sub_qos : -1;
}

static bool mid_acked(struct harness_client *c, int mid)
{
	size_t i, n = c->nacked < 64 ? c->nacked : 64;

	for (i = 0; i < n; i++)
		if (c->acked_mids[i] == mid)
			return true;
	return false;
}

int harness_client_publish(struct harness_client *c, const char *topic,
		const void *payload, size_t len, int qos, bool retain)
{
	long long deadline = now_ms() + 5000;
	int mid = 0, rc;

	rc = mosquitto_publish(c->mosq, &mid, topic, (int)len, payload, qos, retain);
	if (rc != MOSQ_ERR_SUCCESS)
		return rc;
	if (qos == 0) {
		pump_once(c, 0);
		return 0;
	}
	while (!mid_acked(c, mid) && c->connected && now_ms() < deadline)
		pump_once(c, 50);
	return mid_acked(c, mid) ? 0 : -1;
}

int harness_client_publish_str(struct harness_client *c, const char *topic,
		const char *payload, int qos, bool retain)
{
	return harness_client_publish(c, topic, payload, strlen(payload), qos, retain);
}

static struct harness_msg *take_match(struct harness_client *c, const char *filter)
{
	struct harness_msg *prev = NULL, *m;

	for (m = c->head; m; prev = m, m = m->next) {
		bool match = true;

		if (filter)
			mosquitto_topic_matches_sub(filter, m->topic, &match);
		if (!match)
			continue;
		if (prev)
			prev->next = m->next;
		else
			c->head = m->next;
		if (c->tail == m)
			c->tail = prev;
		m->next = NULL;
		return m;
	}
	return NULL;
}

struct harness_msg *harness_client_wait(struct harness_client *c,
		const char *filter, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct harness_msg *m;

	for (;;) {
		long long left;

		if ((m = take_match(c, filter)))
			return m;
		left = deadline - now_ms();
		if (left <= 0 || !c->connected)
			return NULL;
		pump_once(c, left > 50 ? 50 : (int)left);
	}
}

size_t harness_client_pump(struct harness_client *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct harness_msg *m;
	size_t n = 0;

	do {
		long long left = deadline - now_ms();

		pump_once(c, left > 50 ? 50 : (left > 0 ? (int)left : 0));
	} while (now_ms() < deadline && c->connected);
	for (m = c->head; m; m = m->next)
		n++;
	return n;
}

void harness_client_drain(struct harness_client *c)
{
	struct harness_msg *m;

	pump_once(c, 0);
	while ((m = take_match(c, NULL)))
		harness_msg_free(m);
}

bool harness_client_connected(struct harness_client *c)
{
	pump_once(c, 0);
	return c->connected;
}

int harness_client_wait_disconnect(struct harness_client *c, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;

	while (c->connected && now_ms() < deadline)
		pump_once(c, 20);
	return c->connected ? -1 : 0;
}

void harness_client_destroy(struct harness_client *c)
{
	struct harness_msg *m;

	if (!c)
		return;
	if (c->mosq) {
		if (c->connected)
			mosquitto_disconnect(c->mosq);
		mosquitto_loop(c->mosq, 0, 1);
		mosquitto_destroy(c->mosq);
	}
	while ((m = take_match(c, NULL)))
		harness_msg_free(m);
	free(c);
}
