/*
 * test_tui_scroll.c: the scrollback ring keeps at most its bound of
 * lines and bytes (dropping the oldest), numbers lines for good, finds a
 * line by number after the oldest are gone, cuts an oversized text on a
 * character boundary, and puts a day-change line between two days.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tui_scroll.h"

/* 2025-12-02 12:00 UTC */
#define NOON	((time_t)1764676800)

static void
add(struct tui_scroll *s, time_t when, const char *text)
{
	assert_int_equal(tui_scroll_add(s, when, TUI_L_MSG, 0, 7, "bob", text,
	    strlen(text)), 0);
}

static void
test_ring_bound(void **state)
{
	struct tui_scroll s;
	char t[32];
	int i;

	(void)state;
	assert_int_equal(tui_scroll_init(&s, 0, 0), 0);
	for (i = 0; i < TUI_SCROLL_LINES + 500; i++) {
		snprintf(t, sizeof(t), "line %d", i);
		add(&s, NOON, t);
	}
	assert_int_equal(tui_scroll_count(&s), TUI_SCROLL_LINES);
	assert_string_equal(tui_scroll_get(&s, 0)->text, "line 500");
	assert_string_equal(tui_scroll_get(&s, TUI_SCROLL_LINES - 1)->text,
	    "line 10499");
	assert_null(tui_scroll_get(&s, TUI_SCROLL_LINES));
	assert_int_equal(tui_scroll_first_seq(&s), 500);
	/* A number that dropped off is clamped to the oldest line. */
	assert_int_equal(tui_scroll_index(&s, 3), 0);
	assert_int_equal(tui_scroll_index(&s, 600), 100);
	assert_int_equal(tui_scroll_index(&s, 999999), TUI_SCROLL_LINES - 1);
	tui_scroll_clear(&s);
	assert_int_equal(tui_scroll_count(&s), 0);
	add(&s, NOON, "after");
	assert_int_equal(tui_scroll_get(&s, 0)->seq, TUI_SCROLL_LINES + 500);
	tui_scroll_release(&s);
}

static void
test_byte_bound(void **state)
{
	struct tui_scroll s;
	char big[400];
	int i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(tui_scroll_init(&s, 100, 4096), 0);
	for (i = 0; i < 50; i++)
		add(&s, NOON, big);
	/* 399 + 3 bytes a line: ten fit in 4096. */
	assert_int_equal(tui_scroll_count(&s), 10);
	assert_true(s.bytes <= 4096);
	/* More than a quarter of the bound is cut, at a boundary. */
	{
		char u[2000];

		for (i = 0; i + 2 < (int)sizeof(u); i += 2)
			memcpy(u + i, "\xc3\xa9", 2);
		u[i] = '\0';
		add(&s, NOON, u);
		assert_int_equal(tui_scroll_get(&s, tui_scroll_count(&s) - 1)->len,
		    1024);
	}
	tui_scroll_release(&s);
}

static void
test_day_change(void **state)
{
	struct tui_scroll s;
	const struct tui_line *l;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(tui_scroll_init(&s, 0, 0), 0);
	add(&s, NOON, "one");
	add(&s, NOON + 3600, "two");
	assert_int_equal(tui_scroll_count(&s), 2);
	add(&s, NOON + 12 * 3600, "three");	/* 00:00 the next day */
	assert_int_equal(tui_scroll_count(&s), 4);
	l = tui_scroll_get(&s, 2);
	assert_int_equal(l->kind, TUI_L_DAY);
	assert_string_equal(l->text, "day changed to Wednesday, 03 December 2025");
	assert_string_equal(tui_scroll_get(&s, 3)->text, "three");
	add(&s, NOON + 13 * 3600, "four");
	assert_int_equal(tui_scroll_count(&s), 5);
	tui_scroll_release(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_bound),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_day_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
