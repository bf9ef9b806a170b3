/*
 * test_tui_wrap.c: the layout arithmetic: widths of ASCII, wide and
 * combining characters; rows break after a space when the word fits and
 * inside a word that doesn't; every byte lands in exactly one row, in
 * order, and no row is wider than its width.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <string.h>

#include "tui_wrap.h"

static void
check_rows(const char *p, int first, int rest)
{
	struct tui_row rows[256];
	size_t n = tui_wrap(p, strlen(p), first, rest, rows, 256), i, at = 0;

	assert_true(n >= 1 && n <= 256);
	for (i = 0; i < n; i++) {
		/* In order; only a broken-at space is skipped. */
		if (rows[i].off != at) {
			assert_int_equal(rows[i].off, at + 1);
			assert_int_equal(p[at], ' ');
		}
		assert_true(ui_text_width((const uint8_t *)p + rows[i].off, rows[i].len) <=
		    (size_t)(i == 0 ? first : rest) ||
		    ui_text_width((const uint8_t *)p + rows[i].off, rows[i].len) == 2);
		at = rows[i].off + rows[i].len;
	}
	assert_int_equal(at, strlen(p));
}

static void
test_widths(void **state)
{
	(void)state;
	assert_int_equal(ui_text_width((const uint8_t *)"hello", 5), 5);
	assert_int_equal(ui_text_width((const uint8_t *)"\xe6\x97\xa5\xe6\x9c\xac", 6), 4);
	assert_int_equal(ui_text_width((const uint8_t *)"e\xcc\x81", 3), 1);	/* e + acute */
	assert_int_equal(ui_text_width((const uint8_t *)"\xf0\x9f\x98\x80", 4), 2); /* emoji */
	assert_int_equal(tui_fit("abcdef", 6, 3), 3);
	assert_int_equal(tui_fit("\xe6\x97\xa5\xe6\x9c\xac", 6, 3), 3);
}

static void
test_breaks(void **state)
{
	struct tui_row r[8];
	const char *t = "the quick brown fox";

	(void)state;
	assert_int_equal(tui_wrap("", 0, 10, 10, r, 8), 1);
	assert_int_equal(r[0].len, 0);
	assert_int_equal(tui_wrap(t, strlen(t), 10, 10, r, 8), 2);
	assert_int_equal(r[0].off, 0);
	assert_int_equal(r[0].len, 10);			/* "the quick " */
	assert_int_equal(r[1].off, 10);
	assert_int_equal(r[1].len, 9);			/* "brown fox" */
	/* A word longer than a row is cut. */
	assert_int_equal(tui_wrap("abcdefghij", 10, 4, 3, r, 8), 3);
	assert_int_equal(r[0].len, 4);
	assert_int_equal(r[1].len, 3);
	assert_int_equal(r[2].len, 3);
	/* Wide characters never split. */
	assert_int_equal(tui_wrap("\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 9, 3,
	    3, r, 8), 3);
	assert_int_equal(r[0].len, 3);
	/* Widths below one are taken as one. */
	assert_int_equal(tui_wrap("abc", 3, 0, -5, r, 8), 3);
	/* Counting without rows. */
	assert_int_equal(tui_wrap(t, strlen(t), 5, 5, NULL, 0), 4);
}

static void
test_many(void **state)
{
	static const char *const texts[] = {
		"a b c d e f g h i j k l m n o p q r s t u v w x y z",
		"          spaces             everywhere         ",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80 mixed "
		    "text\twith a tab and e\xcc\x81",
		"averyveryveryveryveryveryveryverylongwordwithoutanyspaces x",
	};
	size_t i;
	int f, r;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		for (f = 1; f < 30; f += 3)
			for (r = 2; r < 30; r += 5)
				check_rows(texts[i], f, r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_breaks),
		cmocka_unit_test(test_many),
	};

	setlocale(LC_CTYPE, "C.UTF-8");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
