/*
 * test_wrap.c: the terminal view's own wrapping (wrap.h).  Finding 7: a
 * message padded to the terminal's width and followed by "* alice left"
 * must not produce a line that looks like a notice of its own: every
 * continuation line starts indented under the text, and the padding
 * shows as collapsed.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "wrap.h"

/* Wraps s as if it followed a prefix of col columns; returns a static
 * NUL-terminated copy of the output. */
static const char *
wrap(const char *s, size_t col, size_t indent, size_t width)
{
	static char res[8192];
	struct buf out;

	buf_init(&out, sizeof(res) - 1);
	assert_int_equal(ui_wrap(&out, (const uint8_t *)s, strlen(s), col,
	    indent, width), 0);
	memcpy(res, buf_ptr(&out), buf_len(&out));
	res[buf_len(&out)] = '\0';
	buf_release(&out);
	return res;
}

/* Display width of each line of out (ASCII only here, the first after
 * col columns), checked against width; returns the number of lines. */
static int
check_lines(const char *out, size_t col, size_t width, size_t indent)
{
	const char *p = out, *e;
	int n = 0;

	for (;;) {
		e = strstr(p, "\r\n");
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		assert_true((n == 0 ? col : 0) + len <= width);
		if (n > 0) {
			/* A continuation line: indented, never at column 0. */
			assert_true(len >= indent);
			for (size_t i = 0; i < indent; i++)
				assert_int_equal(p[i], ' ');
		}
		n++;
		if (e == NULL)
			return n;
		p = e + 2;
	}
}

static void
test_short_unchanged(void **state)
{
	(void)state;
	assert_string_equal(wrap("hello world", 11, 11, 80), "hello world");
	assert_string_equal(wrap("", 11, 11, 80), "");
	/* A few blanks are kept (as spaces: TAB too). */
	assert_string_equal(wrap("a  b\tc", 0, 0, 80), "a  b c");
}

static void
test_word_wrap(void **state)
{
	const char *o;

	(void)state;
	/* "10:00 bob: " is 11 columns; 30-column terminal. */
	o = wrap("the quick brown fox jumps over the lazy dog", 11, 11, 30);
	assert_string_equal(o, "the quick brown fox\r\n"
	    "           jumps over the lazy\r\n"
	    "           dog");
	assert_int_equal(check_lines(o, 11, 30, 11), 3);
	/* A word longer than a line is cut, continuation still indented. */
	o = wrap("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 4, 4, 20);
	assert_string_equal(o, "aaaaaaaaaaaaaaaa\r\n    aaaaaaaaaaaaaaaa\r\n"
	    "    aaaaaaaa");
	/* An indent over half the width is cut to half. */
	o = wrap("aaaa bbbb cccc dddd", 15, 15, 20);
	assert_string_equal(o, "aaaa\r\n          bbbb cccc\r\n"
	    "          dddd");
	/* Width 0: 80 columns. */
	o = wrap("x", 79, 2, 0);
	assert_string_equal(o, "x");
	o = wrap("x y", 79, 2, 0);
	assert_string_equal(o, "x\r\n  y");
}

/* The attack: padding up to the terminal's width, then fake lines. */
static void
test_fake_lines(void **state)
{
	char msg[512], *p;
	const char *o;
	size_t width = 80, prefix = strlen("05:16 mallory~1234-5678-9abc: ");

	(void)state;
	/* Enough blanks to push the fake text to the start of a line. */
	p = msg;
	p += sprintf(p, "hi");
	memset(p, ' ', width - prefix - 2);
	p += width - prefix - 2;
	sprintf(p, "05:16 * alice left");
	o = wrap(msg, prefix, prefix, width);
	assert_null(strstr(o, "\r\n05:16"));
	assert_non_null(strstr(o, "[48 blanks]"));
	check_lines(o, prefix, width, prefix);

	/* Without blanks: a message exactly filling the line, then more. */
	memset(msg, 'x', width - prefix);
	sprintf(msg + width - prefix, "05:16 * alice left");
	o = wrap(msg, prefix, prefix, width);
	assert_null(strstr(o, "\r\n05:16"));
	assert_non_null(strstr(o, "\r\n"));
	assert_int_equal(check_lines(o, prefix, width, prefix), 2);

	/* Other Unicode spaces count as blanks too (U+3000, U+2003). */
	strcpy(msg, "a");
	for (int i = 0; i < 20; i++)
		strcat(msg, i % 2 ? "\xe3\x80\x80" : "\xe2\x80\x83");
	strcat(msg, "b");
	assert_string_equal(wrap(msg, 0, 0, 80), "a [20 blanks] b");
	/* Exactly the limit is kept as spaces. */
	assert_string_equal(wrap("a        b", 0, 0, 80), "a        b");
	assert_string_equal(wrap("a         b", 0, 0, 80), "a [9 blanks] b");
}

static void
test_wide(void **state)
{
	const char *o;

	(void)state;
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		skip();
	/* Five wide characters (2 columns each) on 6 free columns. */
	o = wrap("\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0",
	    2, 2, 8);
	assert_string_equal(o, "\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\r\n"
	    "  \xe5\xbc\xa0\xe5\xbc\xa0");
	/* A combining mark stays with its letter at the edge. */
	o = wrap("abcde\xcc\x81" "f", 0, 1, 5);
	assert_string_equal(o, "abcde\xcc\x81\r\n f");
}

static void
test_errors(void **state)
{
	struct buf out;
	uint8_t big[300];

	(void)state;
	memset(big, 'a', sizeof(big));
	buf_init(&out, 100);
	assert_int_equal(ui_wrap(&out, big, sizeof(big), 0, 2, 40),
	    ERR_TOO_LARGE);
	assert_int_equal(buf_len(&out), 0);
	assert_int_equal(ui_wrap(&out, NULL, 3, 0, 0, 40), ERR_INVALID_ARG);
	buf_release(&out);
}

/* The full-screen view's rule is the line editor's: same blanks, no
 * breaks, whatever the length. */
static void
test_collapse_blanks(void **state)
{
	static const char *cases[][2] = {
		{ "a                    b", "a [20 blanks] b" },
		{ "a\t\xc2\xa0 b", "a   b" },
		{ "a        b", "a        b" },	/* 8: kept */
		{ "a         b", "a [9 blanks] b" },
		{ "05:16 alice                                                  "
		    "               05:16 * alice left",
		    "05:16 alice [65 blanks] 05:16 * alice left" },
		{ "trailing   ", "trailing" },
		{ "", "" },
	};
	char big[3000];
	struct buf out;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&out, 4096);
		assert_int_equal(ui_collapse_blanks(&out,
		    (const uint8_t *)cases[i][0], strlen(cases[i][0])), 0);
		assert_int_equal(buf_len(&out), strlen(cases[i][1]));
		assert_memory_equal(buf_ptr(&out), cases[i][1],
		    strlen(cases[i][1]));
		/* The line editor's rule, on a line wide enough. */
		assert_string_equal(wrap(cases[i][0], 0, 0, 4000), cases[i][1]);
		buf_release(&out);
	}
	/* Never a break, however long. */
	memset(big, 'x', sizeof(big));
	buf_init(&out, 4096);
	assert_int_equal(ui_collapse_blanks(&out, (const uint8_t *)big,
	    sizeof(big)), 0);
	assert_int_equal(buf_len(&out), sizeof(big));
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapse_blanks),
		cmocka_unit_test(test_short_unchanged),
		cmocka_unit_test(test_word_wrap),
		cmocka_unit_test(test_fake_lines),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
