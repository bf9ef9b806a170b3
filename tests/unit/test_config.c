/*
 * test_config.c: the settings file parser takes every documented key,
 * trims blanks and CRs, lets a later line win, and skips (with the line
 * number) every line that is malformed, unknown or out of bounds without
 * touching the setting it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"

struct warns {
	unsigned	 n;
	unsigned	 lines[16];
};

static void
warn(void *arg, unsigned line, const char *why)
{
	struct warns *w = arg;

	assert_non_null(why);
	if (w->n < 16)
		w->lines[w->n] = line;
	w->n++;
}

static int
parse(struct config *c, const char *text, struct warns *w)
{
	memset(w, 0, sizeof(*w));
	config_init(c);
	return config_parse(c, (const uint8_t *)text, strlen(text), warn, w);
}

static void
test_every_key(void **state)
{
	struct config c;
	struct warns w;

	(void)state;
	assert_int_equal(parse(&c, "name = alice\nport = 4242\n"
	    "relay = relay.example.org:65433\ncolor = off\nbell = on\n"
	    "timestamp = %H:%M:%S\nproxy = socks5h://127.0.0.1:9050\n", &w),
	    0);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.proxy, "socks5h://127.0.0.1:9050");
	assert_string_equal(c.name, "alice");
	assert_int_equal(c.port, 4242);
	assert_string_equal(c.relay, "relay.example.org:65433");
	assert_int_equal(c.color, 0);
	assert_int_equal(c.bell, 1);
	assert_string_equal(c.timestamp, "%H:%M:%S");
}

static void
test_unset(void **state)
{
	struct config c;
	struct warns w;

	(void)state;
	assert_int_equal(parse(&c, "", &w), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.name, "");
	assert_int_equal(c.port, 0);
	assert_string_equal(c.relay, "");
	assert_int_equal(c.color, -1);
	assert_int_equal(c.bell, -1);
	assert_string_equal(c.timestamp, "");
	assert_string_equal(c.proxy, "");
}

static void
test_blanks_comments_crlf_last_wins(void **state)
{
	struct config c;
	struct warns w;

	(void)state;
	assert_int_equal(parse(&c, "# mine\r\n\r\n\t name=bob \t\r\n"
	    "   # indented comment\nname = carol\ncolour=yes\n"
	    "port=1\nport = 65535", &w), 0);
	assert_int_equal(w.n, 0);
	assert_string_equal(c.name, "carol");
	assert_int_equal(c.color, 1);
	assert_int_equal(c.port, 65535);
}

static void
test_bad_lines_skipped(void **state)
{
	struct config c;
	struct warns w;

	(void)state;
	assert_int_equal(parse(&c, "name = ok\n"	/* 1 */
	    "no equals sign\n"			/* 2 */
	    "= value\n"				/* 3 */
	    "colr = on\n"			/* 4: unknown */
	    "port = 0\n"			/* 5 */
	    "port = 65536\n"			/* 6 */
	    "port = 12a\n"			/* 7 */
	    "port = \n"				/* 8 */
	    "name = two words\n"		/* 9 */
	    "name = 123456789012345678901234567890123\n"	/* 10 */
	    "bell = maybe\n"			/* 11 */
	    "timestamp = %n\n"			/* 12 */
	    "timestamp = %\n"			/* 13 */
	    "relay = a b\n"			/* 14 */
	    "timestamp = \x1b[2J\n"		/* 15 */
	    "port = 99\n", &w), 0);		/* 16: fine */
	assert_int_equal(w.n, 14);
	for (unsigned i = 0; i < 14; i++)
		assert_int_equal(w.lines[i], i + 2);
	assert_string_equal(c.name, "ok");
	assert_int_equal(c.port, 99);
	assert_int_equal(c.bell, -1);
	assert_string_equal(c.timestamp, "");
	assert_string_equal(c.relay, "");
}

static void
test_controls_and_nul(void **state)
{
	static const uint8_t text[] = "name = a\0b\nname = \x07x\nbell = off\n";
	struct config c;
	struct warns w;

	(void)state;
	memset(&w, 0, sizeof(w));
	config_init(&c);
	assert_int_equal(config_parse(&c, text, sizeof(text) - 1, warn, &w),
	    0);
	assert_int_equal(w.n, 2);
	assert_int_equal(w.lines[0], 1);
	assert_int_equal(w.lines[1], 2);
	assert_string_equal(c.name, "");
	assert_int_equal(c.bell, 0);
}

static void
test_limits(void **state)
{
	struct config c;
	struct warns w;
	char *big;

	(void)state;
	big = malloc(CONFIG_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', CONFIG_MAX_BYTES + 1);
	big[CONFIG_MAX_BYTES + 1] = '\0';
	/* One byte over: refused whole, c untouched. */
	config_init(&c);
	c.port = 7;
	assert_int_equal(config_parse(&c, (const uint8_t *)big,
	    CONFIG_MAX_BYTES + 1, warn, &w), ERR_TOO_LARGE);
	assert_int_equal(c.port, 7);
	/* A line over 1024 bytes is skipped, the next one read. */
	memset(big, 'x', CONFIG_MAX_LINE + 1);
	strcpy(big + CONFIG_MAX_LINE + 1, "\nport = 5\n");
	assert_int_equal(parse(&c, big, &w), 0);
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lines[0], 1);
	assert_int_equal(c.port, 5);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_unset),
		cmocka_unit_test(test_blanks_comments_crlf_last_wins),
		cmocka_unit_test(test_bad_lines_skipped),
		cmocka_unit_test(test_controls_and_nul),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
