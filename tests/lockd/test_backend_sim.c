/* test_backend_sim.c - the simulated backend: actuation time, jams, sensor
 * presence and the control FIFO. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "backend.h"

#define ACT 300

static struct sim_config sim_config(void)
{
	struct sim_config c = {
		.actuation_ms = ACT,
		.jam = SIM_JAM_NONE,
		.bolt_sensor = true,
		.door_sensor = true,
		.door = SL_DOOR_CLOSED,
		.locked = true,
	};

	return c;
}

static struct backend *create(const struct sim_config *c)
{
	char msg[BACKEND_MSG_MAX];
	enum sl_err err = SL_ERR_INTERNAL;
	struct backend *b = backend_sim_create(c, 0, &err, msg, sizeof(msg));

	if (!b)
		fail_msg("backend_sim_create: %s", msg);
	return b;
}

static void service(struct backend *b, int64_t now, struct backend_events *evs)
{
	evs->n = 0;
	backend_service(b, now, evs);
}

static void drive_takes_the_actuation_time(void **state)
{
	struct sim_config c = sim_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	b = create(&c);
	assert_string_equal(b->ops->name, "sim");
	assert_int_equal(b->info.state, SL_STATE_LOCKED);
	assert_int_equal(b->info.door, SL_DOOR_CLOSED);
	assert_true(b->info.bolt_sensor);
	assert_int_equal(backend_fds(b, NULL, 0), 0);
	backend_drive(b, false, 1000);
	assert_int_equal(backend_next_deadline(b), 1000 + ACT);
	service(b, 1000 + ACT - 1, &evs);
	assert_int_equal(evs.n, 0);
	service(b, 1000 + ACT, &evs);
	assert_int_equal(evs.n, 2);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_BOLT);
	assert_false(evs.ev[0].locked);
	assert_int_equal(evs.ev[1].kind, BACKEND_EV_DRIVE_DONE);
	assert_int_equal(backend_next_deadline(b), INT64_MAX);
	backend_destroy(b);
}

static void jams_leave_the_bolt_where_it_was(void **state)
{
	struct sim_config c = sim_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.jam = SIM_JAM_UNLOCK;
	b = create(&c);
	backend_drive(b, false, 0);
	service(b, ACT, &evs);
	assert_int_equal(evs.n, 1);     /* motor ran, bolt did not move */
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DRIVE_DONE);
	backend_drive(b, true, 1000);   /* locking works: it is locked already */
	service(b, 1000 + ACT, &evs);
	assert_int_equal(evs.n, 1);
	backend_destroy(b);

	c = sim_config();
	c.jam = SIM_JAM_LOCK;
	c.locked = false;
	b = create(&c);
	assert_int_equal(b->info.state, SL_STATE_UNLOCKED);
	backend_drive(b, true, 0);
	service(b, ACT, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DRIVE_DONE);
	backend_destroy(b);
}

static void stop_cancels_the_drive(void **state)
{
	struct sim_config c = sim_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	b = create(&c);
	backend_drive(b, false, 0);
	backend_stop(b, 10);
	service(b, 10 * ACT, &evs);
	assert_int_equal(evs.n, 0);
	backend_destroy(b);
}

static void without_sensors_nothing_is_read(void **state)
{
	struct sim_config c = sim_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.bolt_sensor = false;
	c.door_sensor = false;
	b = create(&c);
	assert_int_equal(b->info.state, SL_STATE_UNKNOWN);
	assert_int_equal(b->info.door, SL_DOOR_UNKNOWN);
	assert_false(b->info.bolt_sensor);
	backend_drive(b, false, 0);
	service(b, ACT, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DRIVE_DONE);
	backend_destroy(b);
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void control_fifo_moves_the_world(void **state)
{
	struct sim_config c = sim_config();
	char dir[] = "/tmp/smartlock-sim-test.XXXXXX";
	struct backend_events evs;
	struct pollfd pfd;
	struct backend *b;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(c.control, sizeof(c.control), "%s/control", dir);
	b = create(&c);
	assert_int_equal(stat(c.control, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(backend_fds(b, &pfd, 1), 1);

	write_text(c.control, "door open\nturn unlocked\nno such thing\n");
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	service(b, 0, &evs);
	assert_int_equal(evs.n, 2);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DOOR);
	assert_int_equal(evs.ev[0].door, SL_DOOR_OPEN);
	assert_int_equal(evs.ev[1].kind, BACKEND_EV_BOLT);
	assert_false(evs.ev[1].locked);

	/* A line split across writes; a jam switched on at run time. */
	write_text(c.control, "jam un");
	service(b, 0, &evs);
	assert_int_equal(evs.n, 0);
	write_text(c.control, "lock\ndoor closed\n");
	service(b, 0, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].door, SL_DOOR_CLOSED);
	backend_drive(b, true, 0);
	service(b, ACT, &evs);
	assert_int_equal(evs.n, 2);     /* locking still works */
	backend_drive(b, false, 1000);
	service(b, 1000 + ACT, &evs);
	assert_int_equal(evs.n, 1);     /* unlocking jams */

	/* More lines than one service call has room for wait their turn. */
	write_text(c.control, "door open\ndoor closed\ndoor open\ndoor closed\n"
			"door open\ndoor closed\ndoor open\ndoor closed\ndoor open\n");
	service(b, 2000, &evs);
	assert_int_equal(evs.n, BACKEND_EVENTS_MAX);
	assert_int_equal(backend_next_deadline(b), 0);
	service(b, 2000, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].door, SL_DOOR_OPEN);

	backend_destroy(b);
	assert_int_equal(stat(c.control, &st), -1);     /* removed */
	rmdir(dir);
}

static void control_path_must_be_a_fifo(void **state)
{
	struct sim_config c = sim_config();
	char dir[] = "/tmp/smartlock-sim-test.XXXXXX";
	char msg[BACKEND_MSG_MAX];
	enum sl_err err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(c.control, sizeof(c.control), "%s/control", dir);
	f = fopen(c.control, "w");
	assert_non_null(f);
	fclose(f);
	assert_null(backend_sim_create(&c, 0, &err, msg, sizeof(msg)));
	assert_int_equal(err, SL_ERR_EXISTS);
	assert_non_null(strstr(msg, "not our FIFO"));
	unlink(c.control);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(drive_takes_the_actuation_time),
		cmocka_unit_test(jams_leave_the_bolt_where_it_was),
		cmocka_unit_test(stop_cancels_the_drive),
		cmocka_unit_test(without_sensors_nothing_is_read),
		cmocka_unit_test(control_fifo_moves_the_world),
		cmocka_unit_test(control_path_must_be_a_fifo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
