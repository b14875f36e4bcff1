/* test_backend_gpio.c - the libgpiod backend against a fake chip faked below
 * the libgpiod calls: exact line values and timing for pulse and hold
 * modes, active-low, sensor debouncing, and the setup errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gpiod.h>

#include "backend.h"
#include "gpiod_fake.h"

#define LOCK_LINE 2
#define UNLOCK_LINE 3
#define ACTUATOR_LINE 4
#define BOLT_LINE 6
#define DOOR_LINE 7
#define PULSE 500
#define SETTLE 200
#define DEBOUNCE 50

static struct gpio_config pulse_config(void)
{
	struct gpio_config c = {
		.chip = FAKE_CHIP,
		.mode = GPIO_MODE_PULSE,
		.lock_line = LOCK_LINE,
		.unlock_line = UNLOCK_LINE,
		.actuator_line = BACKEND_NO_LINE,
		.pulse_ms = PULSE,
		.settle_ms = SETTLE,
		.door_line = BACKEND_NO_LINE,
		.bolt_line = BACKEND_NO_LINE,
		.debounce_ms = DEBOUNCE,
	};

	return c;
}

static struct gpio_config hold_config(void)
{
	struct gpio_config c = pulse_config();

	c.mode = GPIO_MODE_HOLD;
	c.lock_line = BACKEND_NO_LINE;
	c.unlock_line = BACKEND_NO_LINE;
	c.actuator_line = ACTUATOR_LINE;
	return c;
}

static struct backend *create(const struct gpio_config *c)
{
	char msg[BACKEND_MSG_MAX];
	enum sl_err err = SL_ERR_INTERNAL;
	struct backend *b = backend_gpio_create(c, gpiod_fake.now, &err, msg, sizeof(msg));

	if (!b)
		fail_msg("backend_gpio_create: %s: %s", sl_errname(err), msg);
	assert_int_equal(err, SL_OK);
	return b;
}

static void service(struct backend *b, int64_t now, struct backend_events *evs)
{
	gpiod_fake.now = now;
	evs->n = 0;
	backend_service(b, now, evs);
}

static void expect_set(size_t i, unsigned offset, int physical, int64_t at)
{
	const struct fake_call *c = gpiod_fake_set_call(i);

	assert_non_null(c);
	assert_int_equal(c->offset, offset);
	assert_int_equal(c->physical, physical);
	assert_int_equal(c->at, at);
}

static int setup(void **state)
{
	(void)state;
	gpiod_fake_reset();
	return 0;
}

static void pulse_mode_pulses_the_line_for_pulse_ms(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	b = create(&c);
	/* Both lines held by us, output, inactive (low), consumer named. */
	for (unsigned l = LOCK_LINE; l <= UNLOCK_LINE; l++) {
		assert_true(gpiod_fake.line[l].requested);
		assert_true(gpiod_fake.line[l].output);
		assert_string_equal(gpiod_fake.line[l].consumer, "smartlock-lockd");
		assert_int_equal(gpiod_fake.line[l].physical, 0);
		assert_int_equal(gpiod_fake.line[l].flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW, 0);
	}
	assert_int_equal(b->info.state, SL_STATE_UNKNOWN);
	assert_false(b->info.bolt_sensor);
	assert_int_equal(backend_next_deadline(b), INT64_MAX);

	gpiod_fake.now = 1000;
	assert_int_equal(backend_drive(b, false, 1000), SL_OK);
	/* Interlock first (both inactive), then the unlock line goes high. */
	assert_int_equal(gpiod_fake_set_count(), 3);
	expect_set(0, LOCK_LINE, 0, 1000);
	expect_set(1, UNLOCK_LINE, 0, 1000);
	expect_set(2, UNLOCK_LINE, 1, 1000);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 0);
	assert_int_equal(backend_next_deadline(b), 1000 + PULSE);

	service(b, 1000 + PULSE - 1, &evs);
	assert_int_equal(evs.n, 0);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 1);
	assert_int_equal(gpiod_fake_set_count(), 3);

	service(b, 1000 + PULSE, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DRIVE_DONE);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 0);
	expect_set(4, UNLOCK_LINE, 0, 1000 + PULSE);
	assert_int_equal(backend_next_deadline(b), INT64_MAX);

	/* Lock: the lock line this time, for exactly PULSE ms. */
	gpiod_fake.now = 3000;
	backend_drive(b, true, 3000);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 1);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 0);
	service(b, 3000 + PULSE, &evs);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 0);
	assert_int_equal(evs.n, 1);

	backend_destroy(b);
	assert_true(gpiod_fake.line[LOCK_LINE].released);
	assert_true(gpiod_fake.line[UNLOCK_LINE].released);
	assert_false(gpiod_fake.chip_open);
}

static void a_new_pulse_ends_the_other_direction_first(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend *b;
	size_t n;

	(void)state;
	b = create(&c);
	gpiod_fake.now = 0;
	backend_drive(b, true, 0);
	gpiod_fake.now = 100;
	backend_drive(b, false, 100);
	n = gpiod_fake_set_count();
	/* At 100: lock line low before the unlock line high; never both. */
	expect_set(n - 3, LOCK_LINE, 0, 100);
	expect_set(n - 1, UNLOCK_LINE, 1, 100);
	assert_int_equal(backend_next_deadline(b), 100 + PULSE);
	backend_destroy(b);
}

static void stop_ends_a_pulse_at_once(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	b = create(&c);
	gpiod_fake.now = 0;
	backend_drive(b, false, 0);
	gpiod_fake.now = 200;
	backend_stop(b, 200);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 0);
	expect_set(gpiod_fake_set_count() - 1, UNLOCK_LINE, 0, 200);
	service(b, 1000, &evs);
	assert_int_equal(evs.n, 0);     /* stopped: no completion */
	backend_destroy(b);
}

static void active_low_pulse_inverts_the_pins(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.active_low = true;
	b = create(&c);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW,
			GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	/* Inactive is high on the pin. */
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 1);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 1);
	gpiod_fake.now = 10;
	backend_drive(b, true, 10);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 0);
	assert_int_equal(gpiod_fake.line[UNLOCK_LINE].physical, 1);
	expect_set(gpiod_fake_set_count() - 1, LOCK_LINE, 0, 10);
	service(b, 10 + PULSE, &evs);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 1);
	/* Both lines are driven inactive when a pulse ends. */
	expect_set(gpiod_fake_set_count() - 2, LOCK_LINE, 1, 10 + PULSE);
	expect_set(gpiod_fake_set_count() - 1, UNLOCK_LINE, 1, 10 + PULSE);
	backend_destroy(b);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].physical, 1);
}

static void hold_mode_holds_the_level(void **state)
{
	struct gpio_config c = hold_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	b = create(&c);
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 0);
	assert_int_equal(b->info.state, SL_STATE_LOCKED);       /* de-energised */
	gpiod_fake.now = 1000;
	backend_drive(b, false, 1000);
	assert_int_equal(gpiod_fake_set_count(), 1);
	expect_set(0, ACTUATOR_LINE, 1, 1000);
	assert_int_equal(backend_next_deadline(b), 1000 + SETTLE);
	service(b, 1000 + SETTLE - 1, &evs);
	assert_int_equal(evs.n, 0);
	service(b, 1000 + SETTLE, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DRIVE_DONE);
	/* Still held after the move: unlocked means energised. */
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 1);
	assert_int_equal(gpiod_fake_set_count(), 1);
	service(b, 100000, &evs);
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 1);

	gpiod_fake.now = 200000;
	backend_drive(b, true, 200000);
	expect_set(1, ACTUATOR_LINE, 0, 200000);
	backend_destroy(b);
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 0);
}

static void hold_mode_active_low(void **state)
{
	struct gpio_config c = hold_config();
	struct backend *b;

	(void)state;
	c.active_low = true;
	b = create(&c);
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 1);
	gpiod_fake.now = 5;
	backend_drive(b, false, 5);
	expect_set(0, ACTUATOR_LINE, 0, 5);
	backend_stop(b, 6);             /* a jam de-energises: locked level */
	assert_int_equal(gpiod_fake.line[ACTUATOR_LINE].physical, 1);
	backend_destroy(b);
}

static void bolt_sensor_is_debounced(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.bolt_line = BOLT_LINE;
	c.input_bias = GPIO_BIAS_PULL_UP;
	gpiod_fake.line[BOLT_LINE].physical = 1;        /* thrown */
	b = create(&c);
	assert_true(gpiod_fake.line[BOLT_LINE].requested);
	assert_false(gpiod_fake.line[BOLT_LINE].output);
	assert_string_equal(gpiod_fake.line[BOLT_LINE].consumer, "smartlock-lockd");
	assert_int_equal(gpiod_fake.line[BOLT_LINE].flags, GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP);
	assert_int_equal(gpiod_fake.line[LOCK_LINE].flags, 0);  /* bias: inputs only */
	assert_true(b->info.bolt_sensor);
	assert_int_equal(b->info.state, SL_STATE_LOCKED);

	/* A bounce shorter than the quiet period is not believed. */
	gpiod_fake.now = 100;
	gpiod_fake_set_input(BOLT_LINE, 0);
	service(b, 100, &evs);
	assert_int_equal(evs.n, 0);
	assert_int_equal(backend_next_deadline(b), 100 + DEBOUNCE);
	gpiod_fake.now = 120;
	gpiod_fake_set_input(BOLT_LINE, 1);
	service(b, 120, &evs);
	assert_int_equal(backend_next_deadline(b), INT64_MAX);
	service(b, 200, &evs);
	assert_int_equal(evs.n, 0);

	/* Edges restart the quiet period; the level must hold DEBOUNCE ms. */
	gpiod_fake.now = 300;
	gpiod_fake_set_input(BOLT_LINE, 0);
	service(b, 300, &evs);
	gpiod_fake.now = 330;
	gpiod_fake_set_input(BOLT_LINE, 1);
	gpiod_fake_set_input(BOLT_LINE, 0);
	service(b, 330, &evs);
	assert_int_equal(evs.n, 0);
	service(b, 330 + DEBOUNCE - 1, &evs);
	assert_int_equal(evs.n, 0);
	service(b, 330 + DEBOUNCE, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_BOLT);
	assert_false(evs.ev[0].locked);
	service(b, 1000, &evs);
	assert_int_equal(evs.n, 0);
	backend_destroy(b);
	assert_true(gpiod_fake.line[BOLT_LINE].released);
}

static void door_sensor_active_low(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.door_line = DOOR_LINE;
	c.door_active_low = true;       /* reed switch to ground: low = open */
	gpiod_fake.line[DOOR_LINE].physical = 1;
	b = create(&c);
	assert_int_equal(gpiod_fake.line[DOOR_LINE].flags, GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	assert_true(b->info.door_sensor);
	assert_int_equal(b->info.door, SL_DOOR_CLOSED);
	gpiod_fake.now = 10;
	gpiod_fake_set_input(DOOR_LINE, 0);
	service(b, 10, &evs);
	service(b, 10 + DEBOUNCE, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].kind, BACKEND_EV_DOOR);
	assert_int_equal(evs.ev[0].door, SL_DOOR_OPEN);
	backend_destroy(b);
}

static void zero_debounce_reports_at_once(void **state)
{
	struct gpio_config c = pulse_config();
	struct backend_events evs;
	struct backend *b;

	(void)state;
	c.door_line = DOOR_LINE;
	c.debounce_ms = 0;
	b = create(&c);
	gpiod_fake.now = 10;
	gpiod_fake_set_input(DOOR_LINE, 1);
	service(b, 10, &evs);
	assert_int_equal(evs.n, 1);
	assert_int_equal(evs.ev[0].door, SL_DOOR_OPEN);
	backend_destroy(b);
}

static void expect_failure(const struct gpio_config *c, enum sl_err want, const char *needle)
{
	char msg[BACKEND_MSG_MAX];
	enum sl_err err = SL_OK;
	struct backend *b = backend_gpio_create(c, 0, &err, msg, sizeof(msg));

	assert_null(b);
	assert_int_equal(err, want);
	if (!strstr(msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", msg, needle);
	/* Nothing stays held after a failure. */
	for (unsigned i = 0; i < FAKE_LINES; i++)
		assert_false(gpiod_fake.line[i].requested);
	assert_false(gpiod_fake.chip_open);
}

static void missing_chip(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	strcpy(c.chip, "gpiochip9");
	expect_failure(&c, SL_ERR_NOT_FOUND, "GPIO chip \"gpiochip9\" not found");
}

static void chip_permission_denied(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	gpiod_fake.chip_errno = EACCES;
	expect_failure(&c, SL_ERR_PERM, "gpio group");
}

static void busy_line_names_its_holder(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	gpiod_fake.line[UNLOCK_LINE].request_errno = EBUSY;
	gpiod_fake.line[UNLOCK_LINE].holder = "other-daemon";
	expect_failure(&c, SL_ERR_BUSY, "GPIO line 3 (unlock) of \"gpiochip-fake\" is busy: "
			"held by \"other-daemon\"");
	assert_true(gpiod_fake.line[LOCK_LINE].released);
}

static void line_permission_denied(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	c.bolt_line = BOLT_LINE;
	gpiod_fake.line[BOLT_LINE].request_errno = EPERM;
	expect_failure(&c, SL_ERR_PERM, "line 6 (bolt sensor)");
}

static void line_offset_beyond_the_chip(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	c.door_line = 40;
	expect_failure(&c, SL_ERR_NOT_FOUND, "has no line 40 (door sensor)");
}

static void switched_off_the_wraps_reach_libgpiod(void **state)
{
	struct gpio_config c = pulse_config();

	(void)state;
	gpiod_fake.on = false;
	strcpy(c.chip, "smartlock-test-no-such-chip");
	expect_failure(&c, SL_ERR_NOT_FOUND, "not found");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(pulse_mode_pulses_the_line_for_pulse_ms, setup),
		cmocka_unit_test_setup(a_new_pulse_ends_the_other_direction_first, setup),
		cmocka_unit_test_setup(stop_ends_a_pulse_at_once, setup),
		cmocka_unit_test_setup(active_low_pulse_inverts_the_pins, setup),
		cmocka_unit_test_setup(hold_mode_holds_the_level, setup),
		cmocka_unit_test_setup(hold_mode_active_low, setup),
		cmocka_unit_test_setup(bolt_sensor_is_debounced, setup),
		cmocka_unit_test_setup(door_sensor_active_low, setup),
		cmocka_unit_test_setup(zero_debounce_reports_at_once, setup),
		cmocka_unit_test_setup(missing_chip, setup),
		cmocka_unit_test_setup(chip_permission_denied, setup),
		cmocka_unit_test_setup(busy_line_names_its_holder, setup),
		cmocka_unit_test_setup(line_permission_denied, setup),
		cmocka_unit_test_setup(line_offset_beyond_the_chip, setup),
		cmocka_unit_test_setup(switched_off_the_wraps_reach_libgpiod, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
