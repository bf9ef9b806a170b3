/*
 * test_doorrate.c: the door's rate limit (doorrate.h).  Finding 4:
 * 5,000 malformed knocks in one instant got 5,000 notices and as much
 * work; now every knock counts before any work, so only DOOR_RATE of
 * them are looked at per minute, and the rest add up to one number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "doorrate.h"

static void
test_flood(void **state)
{
	struct door_rate d = { 0 };
	time_t now = 1700000000;
	int taken = 0, i;

	(void)state;
	for (i = 0; i < 5000; i++)
		taken += door_rate_take(&d, now);
	assert_int_equal(taken, DOOR_RATE);
	assert_int_equal(door_rate_drain(&d), 5000 - DOOR_RATE);
	assert_int_equal(door_rate_drain(&d), 0);
	/* Still within the window: still ignored. */
	assert_false(door_rate_take(&d, now + DOOR_RATE_WINDOW - 1));
	assert_int_equal(door_rate_drain(&d), 1);
	/* A window later, the door listens again, DOOR_RATE more times. */
	for (i = 0, taken = 0; i < 100; i++)
		taken += door_rate_take(&d, now + DOOR_RATE_WINDOW);
	assert_int_equal(taken, DOOR_RATE);
}

static void
test_spread(void **state)
{
	struct door_rate d = { 0 };
	time_t now = 1000;
	int i;

	(void)state;
	/* One knock every 12 s is never refused. */
	for (i = 0; i < 100; i++)
		assert_true(door_rate_take(&d, now + 12 * i));
	assert_int_equal(door_rate_drain(&d), 0);
	/* Six at once after that: the sixth waits for the window. */
	for (i = 0; i < DOOR_RATE; i++)
		assert_true(door_rate_take(&d, now + 2000));
	assert_false(door_rate_take(&d, now + 2000));
	assert_int_equal(door_rate_drain(&d), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
