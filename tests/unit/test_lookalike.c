/*
 * test_lookalike.c: a room's rules on lookalike names (lookalike.h).
 * Findings 6 and 11: a member whose name looks like a present member's
 * is flagged on both sides; a re-announcement under a present member's
 * name, a lookalike of it, or any name the relay did not confirm is
 * refused; the check holds on every rename, not only the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "err.h"
#include "lookalike.h"

#define JOE_CYRILLIC	"\xd1\x98\xd0\xbe\xd0\xb5"

static void
test_clash(void **state)
{
	struct lookalike l = { 0 };

	(void)state;
	assert_int_equal(lookalike_set(&l, 1, "joe"), 0);
	assert_int_equal(lookalike_set(&l, 2, "alice"), 0);
	assert_false(lookalike_clash(&l, 1));
	assert_int_equal(lookalike_other(&l, 0, JOE_CYRILLIC), 1);
	assert_int_equal(lookalike_other(&l, 1, "joe"), 0);	/* itself */
	assert_int_equal(lookalike_set(&l, 3, JOE_CYRILLIC), 0);
	assert_true(lookalike_clash(&l, 1));
	assert_true(lookalike_clash(&l, 3));
	assert_false(lookalike_clash(&l, 2));
	assert_false(lookalike_clash(&l, 99));
	/* Gone, or renamed away: no clash left. */
	lookalike_del(&l, 3);
	assert_false(lookalike_clash(&l, 1));
	assert_int_equal(lookalike_set(&l, 3, JOE_CYRILLIC), 0);
	assert_int_equal(lookalike_set(&l, 3, "joseph"), 0);
	assert_false(lookalike_clash(&l, 1));
	lookalike_del(&l, 42);
	/* A name without a key is not kept. */
	assert_int_equal(lookalike_set(&l, 3, "bad\xc3"), ERR_FORMAT);
	assert_int_equal(lookalike_other(&l, 0, "joseph"), 0);
	/* Many members: the table grows. */
	for (uint32_t id = 100; id < 200; id++) {
		char name[16];

		snprintf(name, sizeof(name), "m%u", id);
		assert_int_equal(lookalike_set(&l, id, name), 0);
	}
	assert_int_equal(lookalike_other(&l, 0, "rn150"), 150);
	lookalike_free(&l);
}

static void
test_rename_rule(void **state)
{
	struct lookalike l = { 0 };

	(void)state;
	assert_int_equal(lookalike_set(&l, 1, "alice"), 0);
	assert_int_equal(lookalike_set(&l, 2, "mallory"), 0);
	/* The relay confirmed a free name: fine. */
	assert_true(lookalike_rename_ok(&l, 2, "mal", "mal"));
	/* Not through the relay (it still says "mallory"), or not at all. */
	assert_false(lookalike_rename_ok(&l, 2, "mal", "mallory"));
	assert_false(lookalike_rename_ok(&l, 2, "mal", NULL));
	/* Another present member's name, even if a (bad) relay says so. */
	assert_false(lookalike_rename_ok(&l, 2, "alice", "alice"));
	assert_false(lookalike_rename_ok(&l, 2, "a1ice", "a1ice"));
	/* Its own name in another spelling that looks the same. */
	assert_true(lookalike_rename_ok(&l, 2, "rnallory", "rnallory"));
	/* Once alice has left her name is free. */
	lookalike_del(&l, 1);
	assert_true(lookalike_rename_ok(&l, 2, "alice", "alice"));
	lookalike_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clash),
		cmocka_unit_test(test_rename_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
