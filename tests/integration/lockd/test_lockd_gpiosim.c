/* test_lockd_gpiosim.c - the real smartlock-lockd's libgpiod backend on a
 * simulated chip of the kernel (gpio-sim, configured through configfs):
 * the actuator lines it drives are read back, the door sensor is moved by
 * changing a line's simulated pull. Needs root and a kernel with gpio-sim;
 * elsewhere it exits 77 (skipped) and says why: the cmocka fakes of
 * libgpiod in tests/lockd cover the backend there. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "smartlock/timeutil.h"

#include "lockfix.h"

#define SIM_CONFIGFS "/sys/kernel/config/gpio-sim"
#define SIM_LINES 8
/* lines of the simulated chip */
#define L_LOCK 0
#define L_UNLOCK 1
#define L_DOOR 2
#define L_ACTUATOR 3

struct sim {
	char dir[128];                  /* configfs device directory */
	char sysfs[HARNESS_PATH_MAX];   /* /sys/devices/platform/<dev>/<chip> */
	char chip[64];                  /* gpiochipN */
	bool live;
};

struct gx {
	struct sim sim;
	struct lx lx;
	bool lx_up;
};

static bool have_gpio_sim(const char **why)
{
	struct stat st;

	if (geteuid() != 0) {
		*why = "needs root (configfs and the chip's device)";
		return false;
	}
	if (stat(SIM_CONFIGFS, &st) != 0 && system("modprobe -q gpio-sim 2>/dev/null") == 0)
		(void)!system("mountpoint -q /sys/kernel/config || "
				"mount -t configfs none /sys/kernel/config 2>/dev/null");
	if (stat(SIM_CONFIGFS, &st) != 0 || !S_ISDIR(st.st_mode)) {
		*why = "no " SIM_CONFIGFS " (a kernel without CONFIG_GPIO_SIM, the module "
			"not loadable, or configfs not mounted)";
		return false;
	}
	return true;
}

static int attr_write(const char *dir, const char *name, const char *value)
{
	char path[HARNESS_PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	return harness_write_file(path, value, 0644);
}

/* The attribute's first line into buf (no newline). 0 or -1. */
static int attr_read(const char *dir, const char *name, char *buf, size_t size)
{
	char path[HARNESS_PATH_MAX];
	char *text;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	text = harness_read_file(path);
	if (!text)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	snprintf(buf, size, "%s", text);
	free(text);
	return 0;
}

static void sim_destroy(struct sim *s)
{
	char bank[HARNESS_PATH_MAX];

	if (!s->dir[0])
		return;
	if (s->live)
		attr_write(s->dir, "live", "0");
	snprintf(bank, sizeof(bank), "%s/bank0", s->dir);
	rmdir(bank);
	rmdir(s->dir);
	s->dir[0] = '\0';
}

/* One device with one bank of SIM_LINES lines, made live. 0 or -1. */
static int sim_create(struct sim *s)
{
	static int count;
	char bank[HARNESS_PATH_MAX], lines[16], dev[64];

	snprintf(s->dir, sizeof(s->dir), SIM_CONFIGFS "/smartlock-%ld-%d",
			(long)getpid(), count++);
	snprintf(bank, sizeof(bank), "%s/bank0", s->dir);
	snprintf(lines, sizeof(lines), "%d", SIM_LINES);
	if (mkdir(s->dir, 0755) != 0 || mkdir(bank, 0755) != 0 ||
			attr_write(bank, "num_lines", lines) != 0 ||
			attr_write(bank, "label", "smartlock-gpio-sim") != 0 ||
			attr_write(s->dir, "live", "1") != 0)
		return -1;
	s->live = true;
	if (attr_read(bank, "chip_name", s->chip, sizeof(s->chip)) != 0 ||
			attr_read(s->dir, "dev_name", dev, sizeof(dev)) != 0)
		return -1;
	snprintf(s->sysfs, sizeof(s->sysfs), "/sys/devices/platform/%s/%s", dev, s->chip);
	return 0;
}

static int line_value(const struct sim *s, int line)
{
	char name[64], v[8];

	snprintf(name, sizeof(name), "sim_gpio%d/value", line);
	return attr_read(s->sysfs, name, v, sizeof(v)) == 0 ? atoi(v) : -1;
}

/* Wait until the line reads want (the consumer drives it). 0 or -1. */
static int wait_line(const struct sim *s, int line, int want)
{
	int64_t end = time_now_ms() + LX_WAIT;
	struct timespec tick = { 0, 2 * 1000 * 1000 };

	while (line_value(s, line) != want) {
		if (time_now_ms() > end)
			return -1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

/* The simulated outside world: a switch pulling the line up or down. */
static int set_pull(const struct sim *s, int line, const char *pull)
{
	char name[64];

	snprintf(name, sizeof(name), "sim_gpio%d/pull", line);
	return attr_write(s->sysfs, name, pull);
}

static int teardown(void **state);

/* lockd.conf: the gpio backend on the simulated chip, and lines */
static int setup_with(void **state, const char *lines)
{
	struct gx *g = calloc(1, sizeof(*g));
	char conf[1024];

	if (!g)
		return -1;
	*state = g;
	if (sim_create(&g->sim) != 0) {
		fprintf(stderr, "cannot create a gpio-sim chip in " SIM_CONFIGFS ": %s\n",
				strerror(errno));
		teardown(state);
		return -1;
	}
	snprintf(conf, sizeof(conf), "backend = gpio\ngpio_chip = %s\n%s", g->sim.chip, lines);
	g->lx_up = true;
	if (lx_up(&g->lx, conf) != 0) {
		teardown(state);
		return -1;
	}
	return 0;
}

static int setup_pulse(void **state)
{
	return setup_with(state, "gpio_mode = pulse\ngpio_lock_line = 0\n"
			"gpio_unlock_line = 1\ngpio_pulse_ms = 200\ngpio_door_line = 2\n"
			"gpio_debounce_ms = 10\nmove_timeout_ms = 2000\n");
}

static int setup_hold_low(void **state)
{
	return setup_with(state, "gpio_mode = hold\ngpio_actuator_line = 3\n"
			"gpio_active_low = true\ngpio_settle_ms = 50\nmove_timeout_ms = 2000\n");
}

static int teardown(void **state)
{
	struct gx *g = *state;

	if (!g)
		return 0;
	if (g->lx_up)
		lx_teardown(&g->lx);
	sim_destroy(&g->sim);
	free(g);
	*state = NULL;
	return 0;
}

static void expect_status(struct lx *x, uint64_t seq, enum sl_result result,
		enum sl_lock_state st)
{
	struct sl_lock_status s;

	if (lx_status(x, &s, LX_WAIT) != 0) {
		char *log = harness_read_file(x->log_path);

		fail_msg("no lockStatus for seq %llu; lockd's log:\n%s",
				(unsigned long long)seq, log ? log : "");
	}
	if (s.seq != seq || s.result != result || s.state != st)
		fail_msg("lockStatus seq %llu %s %s, expected seq %llu %s %s",
				(unsigned long long)s.seq, proto_result_name(s.result),
				proto_state_name(s.state), (unsigned long long)seq,
				proto_result_name(result), proto_state_name(st));
}

static enum sl_door next_door(struct lx *x)
{
	struct sl_lock_status s;

	assert_int_equal(lx_status(x, &s, LX_WAIT), 0);
	assert_int_equal(s.seq, 0);
	return s.door;
}

/* A motor lock: unlock pulses the unlock line only, and ends it. */
static void pulse_drives_one_line_at_a_time(void **state)
{
	struct gx *g = *state;
	uint64_t seq;

	assert_int_equal(line_value(&g->sim, L_LOCK), 0);
	assert_int_equal(line_value(&g->sim, L_UNLOCK), 0);
	seq = lx_command(&g->lx, SL_ACTION_UNLOCK);
	expect_status(&g->lx, seq, SL_RESULT_PROGRESS, SL_STATE_UNLOCKING);
	assert_int_equal(wait_line(&g->sim, L_UNLOCK, 1), 0);
	assert_int_equal(line_value(&g->sim, L_LOCK), 0);
	expect_status(&g->lx, seq, SL_RESULT_OK, SL_STATE_UNLOCKED);
	assert_int_equal(wait_line(&g->sim, L_UNLOCK, 0), 0);
	seq = lx_command(&g->lx, SL_ACTION_LOCK);
	expect_status(&g->lx, seq, SL_RESULT_PROGRESS, SL_STATE_LOCKING);
	assert_int_equal(wait_line(&g->sim, L_LOCK, 1), 0);
	assert_int_equal(line_value(&g->sim, L_UNLOCK), 0);
	expect_status(&g->lx, seq, SL_RESULT_OK, SL_STATE_LOCKED);
	assert_int_equal(wait_line(&g->sim, L_LOCK, 0), 0);
}

/* The door contact: a high line is an open door (active-high). */
static void door_sensor_follows_the_line(void **state)
{
	struct gx *g = *state;

	assert_int_equal(set_pull(&g->sim, L_DOOR, "pull-up"), 0);
	assert_int_equal(next_door(&g->lx), SL_DOOR_OPEN);
	assert_int_equal(set_pull(&g->sim, L_DOOR, "pull-down"), 0);
	assert_int_equal(next_door(&g->lx), SL_DOOR_CLOSED);
}

/* A strike on an active-low relay: high (off) while locked, low
 * (energised) while unlocked. (A released line reads its simulated pull,
 * so what the daemon leaves on exit cannot be seen here.) */
static void hold_active_low_energises_only_while_unlocked(void **state)
{
	struct gx *g = *state;
	uint64_t seq;

	assert_int_equal(wait_line(&g->sim, L_ACTUATOR, 1), 0);
	seq = lx_command(&g->lx, SL_ACTION_UNLOCK);
	expect_status(&g->lx, seq, SL_RESULT_PROGRESS, SL_STATE_UNLOCKING);
	assert_int_equal(wait_line(&g->sim, L_ACTUATOR, 0), 0);
	expect_status(&g->lx, seq, SL_RESULT_OK, SL_STATE_UNLOCKED);
	seq = lx_command(&g->lx, SL_ACTION_LOCK);
	expect_status(&g->lx, seq, SL_RESULT_PROGRESS, SL_STATE_LOCKING);
	assert_int_equal(wait_line(&g->sim, L_ACTUATOR, 1), 0);
	expect_status(&g->lx, seq, SL_RESULT_OK, SL_STATE_LOCKED);
	seq = lx_command(&g->lx, SL_ACTION_UNLOCK);
	expect_status(&g->lx, seq, SL_RESULT_PROGRESS, SL_STATE_UNLOCKING);
	assert_int_equal(wait_line(&g->sim, L_ACTUATOR, 0), 0);
	expect_status(&g->lx, seq, SL_RESULT_OK, SL_STATE_UNLOCKED);
	assert_int_equal(lx_stop(&g->lx, SIGTERM), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pulse_drives_one_line_at_a_time,
				setup_pulse, teardown),
		cmocka_unit_test_setup_teardown(door_sensor_follows_the_line,
				setup_pulse, teardown),
		cmocka_unit_test_setup_teardown(hold_active_low_energises_only_while_unlocked,
				setup_hold_low, teardown),
	};
	const char *why = NULL;
	int rc;

	if (!have_gpio_sim(&why)) {
		printf("gpio-sim: skipped: %s. The libgpiod backend is covered by the "
				"cmocka fakes (tests/lockd) here.\n", why);
		return 77;
	}
	harness_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	harness_cleanup();
	return rc;
}
