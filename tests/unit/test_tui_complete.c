/*
 * test_tui_complete.c: Tab completion: a unique name at the start of a
 * line gets ": ", elsewhere " "; several matches complete to their
 * common prefix; commands only at the start of the line; case is
 * ignored in matching; no match leaves the line alone.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tui_complete.h"

static const char *const names[] = { "frank", "gina", "Giulia", "fred" };
static const char *const cmds[] = { "/help", "/trust", "/quit", "/who" };

static int
run(const char *text, size_t *ws, char *out)
{
	struct buf b;
	int r;

	buf_init(&b, 128);
	r = tui_complete(text, strlen(text), names, 4, cmds, 4, ws, &b);
	memcpy(out, buf_ptr(&b), buf_len(&b));
	out[buf_len(&b)] = '\0';
	buf_release(&b);
	return r;
}

static void
test_complete(void **state)
{
	char out[128];
	size_t ws;

	(void)state;
	assert_int_equal(run("fra", &ws, out), 1);
	assert_int_equal(ws, 0);
	assert_string_equal(out, "frank: ");
	assert_int_equal(run("hi FRA", &ws, out), 1);
	assert_int_equal(ws, 3);
	assert_string_equal(out, "frank ");
	assert_int_equal(run("fr", &ws, out), 2);
	assert_string_equal(out, "fr");		/* frank, fred */
	assert_int_equal(run("gi", &ws, out), 2);
	assert_string_equal(out, "");		/* gina, Giulia: no common */
	assert_int_equal(run("/tr", &ws, out), 1);
	assert_string_equal(out, "/trust ");
	assert_int_equal(run("/trust gin", &ws, out), 1);
	assert_int_equal(ws, 7);
	assert_string_equal(out, "gina ");
	assert_int_equal(run("say /tr", &ws, out), 0);	/* not a command */
	assert_int_equal(run("zed", &ws, out), 0);
	assert_int_equal(run("", &ws, out), 0);
	assert_int_equal(run("hi ", &ws, out), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
