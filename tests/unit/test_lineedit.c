/*
 * test_lineedit.c: the input line editor: typing and editing keys, cursor
 * motion over multibyte characters, history, escape sequences split
 * across reads, no control byte ever entering the line, the length limit,
 * and render output that holds only the control sequences it means to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "lineedit.h"

#define MAXB	4096

/* Feeds s[0..n) in one go, calling again after each event, and records
 * the events (at most 'max') in ev.  Returns how many there were. */
static size_t
feed_n(struct lineedit *le, const void *s, size_t n, struct buf *line,
    enum lineedit_event *ev, size_t max)
{
	const uint8_t *p = s;
	enum lineedit_event e;
	size_t used, nev = 0;

	while (n > 0) {
		e = lineedit_feed(le, p, n, &used, line);
		assert_true(used <= n);
		if (e == LE_NONE)
			assert_int_equal(used, n);
		else
			assert_true(used > 0);
		if (e != LE_NONE) {
			assert_true(nev < max);
			ev[nev++] = e;
		}
		p += used;
		n -= used;
	}
	return nev;
}

/* The same, one byte per call. */
static size_t
feed_bytewise(struct lineedit *le, const void *s, size_t n, struct buf *line,
    enum lineedit_event *ev, size_t max)
{
	const uint8_t *p = s;
	size_t i, nev = 0;

	for (i = 0; i < n; i++)
		nev += feed_n(le, p + i, 1, line, ev + nev, max - nev);
	return nev;
}

/* Feeds a string that must raise no event. */
static void
type(struct lineedit *le, const char *s)
{
	enum lineedit_event ev[1];

	assert_int_equal(feed_n(le, s, strlen(s), NULL, ev, 0), 0);
}

static void
assert_text(struct lineedit *le, const char *want)
{
	const uint8_t *p;
	size_t n;

	p = lineedit_peek_text(le, &n);
	if (n != strlen(want) || memcmp(p, want, n) != 0)
		fail_msg("text is \"%.*s\", want \"%s\"", (int)n, p, want);
}

/* Text and cursor: '|' in want marks the cursor. */
static void
assert_edit(struct lineedit *le, const char *want)
{
	char buf[256];
	const char *bar = strchr(want, '|');
	size_t at;

	assert_non_null(bar);
	at = (size_t)(bar - want);
	assert_true(strlen(want) < sizeof(buf));
	memcpy(buf, want, at);
	strcpy(buf + at, bar + 1);
	assert_text(le, buf);
	assert_int_equal(lineedit_get_cursor(le), at);
}

/* Valid UTF-8 without controls, as the line must always be. */
static int
clean_utf8(const uint8_t *p, size_t n)
{
	size_t i = 0, k, j;
	uint32_t cp;

	while (i < n) {
		if (p[i] < 0x80) {
			if (p[i] < 0x20 || p[i] == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf)
			k = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			k = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			k = 4;
		else
			return 0;
		if (k > n - i)
			return 0;
		cp = p[i] & (0x7f >> k);
		for (j = 1; j < k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return 0;
		i += k;
	}
	return 1;
}

static void
assert_clean(struct lineedit *le)
{
	const uint8_t *p;
	size_t n, cur;

	p = lineedit_peek_text(le, &n);
	cur = lineedit_get_cursor(le);
	assert_true(clean_utf8(p, n));
	assert_true(cur <= n);
	assert_true(cur == n || (p[cur] & 0xc0) != 0x80);
}

/*
 * Checks render output: the only controls are \r and the sequences
 * ESC [ K, ESC [ n G and ESC [ params m; the rest is clean UTF-8.
 * Returns the visible text (escapes removed) in vis, the final cursor
 * column (1-based, from the last ESC [ n G) in *col.
 */
static void
check_render(const uint8_t *p, size_t n, char *vis, size_t vismax,
    unsigned *col)
{
	size_t i = 0, j, v = 0, start;

	*col = 0;
	while (i < n) {
		if (p[i] == '\r') {
			i++;
			continue;
		}
		if (p[i] == 0x1b) {
			if (i + 1 >= n || p[i + 1] != '[')
				fail_msg("ESC not followed by [ at %zu", i);
			for (j = i + 2; j < n && ((p[j] >= '0' && p[j] <= '9') ||
			    p[j] == ';'); j++)
				;
			if (j >= n)
				fail_msg("unterminated sequence at %zu", i);
			if (p[j] == 'G')
				*col = (unsigned)strtoul((const char *)p + i + 2,
				    NULL, 10);
			else if (p[j] != 'K' && p[j] != 'm')
				fail_msg("unexpected final '%c'", p[j]);
			i = j + 1;
			continue;
		}
		start = i;
		while (i < n && p[i] != '\r' && p[i] != 0x1b)
			i++;
		if (!clean_utf8(p + start, i - start))
			fail_msg("raw control or bad UTF-8 at %zu", start);
		assert_true(v + (i - start) < vismax);
		memcpy(vis + v, p + start, i - start);
		v += i - start;
	}
	vis[v] = '\0';
}

static int
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; k <= n && i <= n - k; i++) {
		if (memcmp(p + i, s, k) == 0)
			return 1;
	}
	return 0;
}

/* Renders le and checks it; returns the visible text and column. */
static void
render_check(struct lineedit *le, char *vis, size_t vismax, unsigned *col)
{
	struct buf out;

	buf_init(&out, 65536);
	assert_int_equal(lineedit_render(le, &out), 0);
	assert_true(buf_len(&out) >= 4);
	assert_memory_equal(buf_ptr(&out), "\r\x1b[K", 4);
	check_render(buf_ptr(&out), buf_len(&out), vis, vismax, col);
	buf_release(&out);
}

static struct lineedit *
new_le(size_t max)
{
	struct lineedit *le = lineedit_new(max);

	assert_non_null(le);
	return le;
}

/* ---------------------------------------------------------------------- */

static void
test_new_free(void **state)
{
	(void)state;
	assert_null(lineedit_new(0));
	lineedit_free(NULL);
	lineedit_free(new_le(1));
}

static void
test_typing_and_enter(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev;
	struct buf line;
	size_t used;
	const char *in = "hello\rworld";

	(void)state;
	buf_init(&line, MAXB);
	ev = lineedit_feed(le, (const uint8_t *)in, strlen(in), &used, &line);
	assert_int_equal(ev, LE_LINE);
	assert_int_equal(used, 6);
	assert_int_equal(buf_len(&line), 5);
	assert_memory_equal(buf_ptr(&line), "hello", 5);
	assert_edit(le, "|");

	ev = lineedit_feed(le, (const uint8_t *)in + used, strlen(in) - used,
	    &used, &line);
	assert_int_equal(ev, LE_NONE);
	assert_int_equal(used, 5);
	assert_edit(le, "world|");
	/* The line buffer still holds the previous line, untouched. */
	assert_memory_equal(buf_ptr(&line), "hello", 5);

	/* \n enters too; an empty line is an event with an empty line. */
	ev = lineedit_feed(le, (const uint8_t *)"\n\n", 2, &used, &line);
	assert_int_equal(ev, LE_LINE);
	assert_int_equal(used, 1);
	assert_int_equal(buf_len(&line), 5);
	assert_memory_equal(buf_ptr(&line), "world", 5);
	ev = lineedit_feed(le, (const uint8_t *)"\n", 1, &used, &line);
	assert_int_equal(ev, LE_LINE);
	assert_int_equal(buf_len(&line), 0);

	/* n == 0 */
	assert_int_equal(lineedit_feed(le, (const uint8_t *)"", 0, &used,
	    &line), LE_NONE);
	assert_int_equal(used, 0);

	buf_release(&line);
	lineedit_free(le);
}

static void
test_crlf_is_one_enter(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev[8];
	struct buf line;

	(void)state;
	buf_init(&line, MAXB);
	assert_int_equal(feed_n(le, "a\r\nb\r\n", 6, &line, ev, 8), 2);
	assert_memory_equal(buf_ptr(&line), "b", 1);
	/* Split across calls too. */
	assert_int_equal(feed_bytewise(le, "c\r\nd\r\n", 6, &line, ev, 8), 2);
	assert_int_equal(buf_len(&line), 1);
	assert_memory_equal(buf_ptr(&line), "d", 1);
	/* LF CR is two Enters, and CR CR too. */
	assert_int_equal(feed_n(le, "\n\r\r", 3, &line, ev, 8), 3);
	buf_release(&line);
	lineedit_free(le);
}

static void
test_line_buffer_too_small_keeps_text(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev;
	struct buf small;
	size_t used;

	(void)state;
	buf_init(&small, 3);
	type(le, "abcdef");
	ev = lineedit_feed(le, (const uint8_t *)"\r", 1, &used, &small);
	assert_int_equal(ev, LE_NONE);
	assert_int_equal(used, 1);
	assert_edit(le, "abcdef|");
	assert_int_equal(buf_len(&small), 0);
	/* A NULL line discards it. */
	ev = lineedit_feed(le, (const uint8_t *)"\r", 1, &used, NULL);
	assert_int_equal(ev, LE_LINE);
	assert_edit(le, "|");
	buf_release(&small);
	lineedit_free(le);
}

static void
test_backspace_multibyte(void **state)
{
	struct lineedit *le = new_le(MAXB);

	(void)state;
	/* 2-, 3- and 4-byte characters. */
	type(le, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	assert_edit(le, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80|");
	type(le, "\x7f");
	assert_edit(le, "a\xc3\xa9\xe2\x82\xac|");
	type(le, "\x08");
	assert_edit(le, "a\xc3\xa9|");
	type(le, "\x7f");
	assert_edit(le, "a|");
	type(le, "\x7f\x7f\x7f");
	assert_edit(le, "|");
	lineedit_free(le);
}

static void
test_cursor_over_multibyte(void **state)
{
	struct lineedit *le = new_le(MAXB);

	(void)state;
	type(le, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "\x1b[D");
	assert_edit(le, "\xc3\xa9\xe2\x82\xac|\xf0\x9f\x98\x80");
	type(le, "\x1bOD");
	assert_edit(le, "\xc3\xa9|\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "\x02");		/* Ctrl-B */
	assert_edit(le, "|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "\x1b[D");		/* at the start: stays */
	assert_edit(le, "|\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "\x1b[C");
	assert_edit(le, "\xc3\xa9|\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "x");
	assert_edit(le, "\xc3\xa9x|\xe2\x82\xac\xf0\x9f\x98\x80");
	type(le, "\x1bOC\x06");		/* SS3 right, Ctrl-F */
	assert_edit(le, "\xc3\xa9x\xe2\x82\xac\xf0\x9f\x98\x80|");
	type(le, "\x1b[C");		/* at the end: stays */
	assert_edit(le, "\xc3\xa9x\xe2\x82\xac\xf0\x9f\x98\x80|");
	/* Delete under the cursor takes the whole character. */
	type(le, "\x1b[D\x1b[D\x1b[3~");
	assert_edit(le, "\xc3\xa9x|\xf0\x9f\x98\x80");
	lineedit_free(le);
}

static void
test_home_end(void **state)
{
	static const char *home[] = { "\x01", "\x1b[H", "\x1b[1~", "\x1b[7~",
	    "\x1bOH", "\x1b[1;5H" };
	static const char *end[] = { "\x05", "\x1b[F", "\x1b[4~", "\x1b[8~",
	    "\x1bOF", "\x1b[1;2F" };
	struct lineedit *le = new_le(MAXB);
	size_t i;

	(void)state;
	type(le, "abc");
	for (i = 0; i < sizeof(home) / sizeof(home[0]); i++) {
		type(le, home[i]);
		assert_edit(le, "|abc");
		type(le, end[i]);
		assert_edit(le, "abc|");
	}
	lineedit_free(le);
}

static void
test_kill_keys(void **state)
{
	struct lineedit *le = new_le(MAXB);

	(void)state;
	type(le, "one two  three\x1b[D\x1b[D");
	assert_edit(le, "one two  thr|ee");
	type(le, "\x17");		/* Ctrl-W */
	assert_edit(le, "one two  |ee");
	type(le, "\x17");
	assert_edit(le, "one |ee");
	type(le, "\x0b");		/* Ctrl-K */
	assert_edit(le, "one |");
	type(le, "X\x01\x1b[C\x15");	/* Ctrl-U after one char */
	assert_edit(le, "|ne X");
	type(le, "\x15");		/* at the start: nothing */
	assert_edit(le, "|ne X");
	type(le, "\x05\x17\x17\x17");
	assert_edit(le, "|");

	/* Ctrl-D deletes under the cursor on a non-empty line. */
	type(le, "ab\x01\x04");
	assert_edit(le, "|b");
	type(le, "\x05\x04");		/* at the end: nothing */
	assert_edit(le, "b|");
	lineedit_free(le);
}

static void
test_word_moves(void **state)
{
	struct lineedit *le = new_le(MAXB);

	(void)state;
	type(le, "alpha beta gamma");
	type(le, "\x1b" "b");
	assert_edit(le, "alpha beta |gamma");
	type(le, "\x1b[1;5D");		/* Ctrl-Left */
	assert_edit(le, "alpha |beta gamma");
	type(le, "\x1b[1;3C");		/* Alt-Right */
	assert_edit(le, "alpha beta| gamma");
	type(le, "\x1b" "f");
	assert_edit(le, "alpha beta gamma|");
	type(le, "\x1b\x7f");		/* Alt-Backspace */
	assert_edit(le, "alpha beta |");
	type(le, "\x01\x1b" "d");	/* Alt-d */
	assert_edit(le, "| beta ");
	lineedit_free(le);
}

static void
test_events(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev;
	size_t used;

	(void)state;
	ev = lineedit_feed(le, (const uint8_t *)"\x04" "x", 2, &used, NULL);
	assert_int_equal(ev, LE_EOF);
	assert_int_equal(used, 1);

	type(le, "some text");
	ev = lineedit_feed(le, (const uint8_t *)"\x0cy", 2, &used, NULL);
	assert_int_equal(ev, LE_REDRAW);
	assert_int_equal(used, 1);
	assert_edit(le, "some text|");

	ev = lineedit_feed(le, (const uint8_t *)"\x03z", 2, &used, NULL);
	assert_int_equal(ev, LE_INTERRUPT);
	assert_int_equal(used, 1);
	assert_edit(le, "|");
	lineedit_free(le);
}

static void
test_history(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev[16];
	char s[32];
	int i;

	(void)state;
	/* Up with no history does nothing. */
	type(le, "x\x1b[A");
	assert_edit(le, "x|");
	type(le, "\x7f");

	assert_int_equal(feed_n(le, "first\rsecond\r\rsecond\r", 21, NULL,
	    ev, 16), 4);
	type(le, "draft");
	type(le, "\x1b[A");
	assert_edit(le, "second|");		/* no duplicate, no empty */
	type(le, "\x10");			/* Ctrl-P */
	assert_edit(le, "first|");
	type(le, "\x1b[A");			/* oldest: stays */
	assert_edit(le, "first|");
	type(le, "\x1b[B");
	assert_edit(le, "second|");
	type(le, "\x0e");			/* Ctrl-N: back to the draft */
	assert_edit(le, "draft|");
	type(le, "\x1b[B");
	assert_edit(le, "draft|");

	/* A recalled and edited line is entered as edited. */
	type(le, "\x15\x1bOA!");
	assert_int_equal(feed_n(le, "\r", 1, NULL, ev, 1), 1);
	type(le, "\x1b[A");
	assert_edit(le, "second!|");
	assert_int_equal(feed_n(le, "\x03", 1, NULL, ev, 1), 1);

	/* Only the last LINEEDIT_HISTORY are kept. */
	for (i = 0; i < LINEEDIT_HISTORY + 20; i++) {
		snprintf(s, sizeof(s), "line %d\r", i);
		assert_int_equal(feed_n(le, s, strlen(s), NULL, ev, 1), 1);
	}
	for (i = 0; i < LINEEDIT_HISTORY + 5; i++)
		type(le, "\x1b[A");
	assert_edit(le, "line 20|");
	type(le, "\x1b[B");
	assert_edit(le, "line 21|");
	lineedit_free(le);
}

/* Every sequence, whole or byte by byte, ends in the same state. */
static void
test_split_sequences(void **state)
{
	static const char *keys[] = {
		"\x1b[D", "\x1bOD", "\x1b[3~", "\x1b[1;5C", "\x1b[H",
		"\x1b[4~", "\x1b[A", "\x1b[B", "\x1b[200~", "\x1b[201~",
		"\x1b[15~", "\x1b[?1;2c", "\x1bOP", "\x1b[1;2P",
		"\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x1b[", "\x1b",
	};
	struct lineedit *a, *b;
	enum lineedit_event ev[4];
	const uint8_t *pa, *pb;
	size_t i, j, na, nb;

	(void)state;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		a = new_le(MAXB);
		b = new_le(MAXB);
		for (j = 0; j < 2; j++) {
			feed_n(a, "ab\xc3\xa9 cd\r", 8, NULL, ev, 4);
			feed_bytewise(b, "ab\xc3\xa9 cd\r", 8, NULL, ev, 4);
		}
		feed_n(a, "hello world\x1b[D\x1b[D", 17, NULL, ev, 4);
		feed_bytewise(b, "hello world\x1b[D\x1b[D", 17, NULL, ev, 4);
		assert_int_equal(feed_n(a, keys[i], strlen(keys[i]), NULL,
		    ev, 4), 0);
		assert_int_equal(feed_bytewise(b, keys[i], strlen(keys[i]),
		    NULL, ev, 4), 0);
		/* A byte after it lands the same way. */
		feed_n(a, "Z", 1, NULL, ev, 4);
		feed_bytewise(b, "Z", 1, NULL, ev, 4);
		pa = lineedit_peek_text(a, &na);
		pb = lineedit_peek_text(b, &nb);
		assert_int_equal(na, nb);
		assert_memory_equal(pa, pb, na);
		assert_int_equal(lineedit_get_cursor(a),
		    lineedit_get_cursor(b));
		lineedit_free(a);
		lineedit_free(b);
	}

	/* And they really were split at every byte over two calls. */
	a = new_le(MAXB);
	type(a, "abc\x1b");
	type(a, "[");
	type(a, "D");
	assert_edit(a, "ab|c");
	type(a, "\x1b[3");
	type(a, "~");
	assert_edit(a, "ab|");
	type(a, "\xe2");
	type(a, "\x82");
	assert_edit(a, "ab|");
	type(a, "\xac");
	assert_edit(a, "ab\xe2\x82\xac|");
	lineedit_free(a);
}

static void
test_unknown_sequences_swallowed(void **state)
{
	struct lineedit *le = new_le(MAXB);

	(void)state;
	type(le, "a\x1b[1;2Pb\x1b[?2004hc\x1bOPd\x1b[15;5~e\x1b[>0;276;0cf");
	assert_edit(le, "abcdef|");
	type(le, "\x15\x1b[200~pasted\ttext\x1b[201~");
	assert_edit(le, "pasted text|");
	/* An overlong sequence is swallowed to its final byte. */
	type(le, "\x15x\x1b[11111111111111111111111111111111111111;5Dy");
	assert_edit(le, "xy|");
	/* Alt+letter is swallowed whole. */
	type(le, "\x15" "a\x1bqb");
	assert_edit(le, "ab|");
	/* A control byte inside a sequence ends it and still acts. */
	type(le, "\x15" "abc\x1b[1\x7f");
	assert_edit(le, "ab|");
	/* ESC ESC [ D: the first ESC was a lone Escape. */
	type(le, "\x1b\x1b[D");
	assert_edit(le, "a|b");
	lineedit_free(le);
}

/* No byte from 0x00 to 0xff, alone or among text, gets a control into
 * the line; invalid UTF-8 and C1 controls are refused. */
static void
test_controls_never_in_line(void **state)
{
	struct lineedit *le = new_le(MAXB);
	enum lineedit_event ev[4];
	uint8_t in[3];
	unsigned c;

	(void)state;
	for (c = 0; c < 256; c++) {
		in[0] = 'a';
		in[1] = (uint8_t)c;
		in[2] = 'b';
		feed_n(le, in, 3, NULL, ev, 4);
		assert_clean(le);
	}
	lineedit_free(le);

	le = new_le(MAXB);
	type(le, "\xc2\x9b" "1" "\xc2\x85" "2" "\xc0\x80" "3" "\xed\xa0\x80"
	    "4" "\xf5\x80\x80\x80" "5" "\xe0\x80\xaf" "6" "\xf4\x90\x80\x80"
	    "7" "\xff\xfe" "8" "\x80" "9" "\xe2\x82" "!");
	assert_edit(le, "123456789!|");
	/* A broken sequence gives up only itself: the next lead counts. */
	type(le, "\xe2\xc3\xa9");
	assert_edit(le, "123456789!\xc3\xa9|");
	/* Tabs become spaces. */
	type(le, "\t");
	assert_edit(le, "123456789!\xc3\xa9 |");
	lineedit_free(le);
}

static void
test_max_length(void **state)
{
	struct lineedit *le = new_le(8);
	enum lineedit_event ev[2];
	struct buf line;

	(void)state;
	buf_init(&line, 8);
	type(le, "0123456789");
	assert_edit(le, "01234567|");
	type(le, "\x7f\x7f\x7f");
	assert_edit(le, "01234|");
	type(le, "\xe2\x82\xac\xe2\x82\xac");	/* 3 fit, 6 do not */
	assert_edit(le, "01234\xe2\x82\xac|");
	type(le, "\x01\xc3\xa9");		/* 2 do not fit either */
	assert_edit(le, "|01234\xe2\x82\xac");
	assert_int_equal(feed_n(le, "\r", 1, &line, ev, 2), 1);
	assert_int_equal(buf_len(&line), 8);
	buf_release(&line);
	lineedit_free(le);
}

static void
test_render_basic(void **state)
{
	struct lineedit *le = new_le(MAXB);
	char vis[1024];
	unsigned col;
	struct buf out;

	(void)state;
	lineedit_set_prompt(le, "> ");
	render_check(le, vis, sizeof(vis), &col);
	assert_string_equal(vis, "> ");
	assert_int_equal(col, 3);

	type(le, "h\xc3\xa9llo\x1b[D\x1b[D");
	render_check(le, vis, sizeof(vis), &col);
	assert_string_equal(vis, "> h\xc3\xa9llo");
	assert_int_equal(col, 2 + 3 + 1);

	buf_init(&out, 64);
	assert_int_equal(lineedit_render_clear(le, &out), 0);
	assert_int_equal(buf_len(&out), 4);
	assert_memory_equal(buf_ptr(&out), "\r\x1b[K", 4);
	/* A full buffer takes nothing. */
	buf_release(&out);
	buf_init(&out, 10);
	assert_int_equal(buf_put(&out, "abc", 3), 0);
	assert_int_equal(lineedit_render(le, &out), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&out), 3);
	buf_release(&out);
	lineedit_free(le);
}

static void
test_render_prompt_sgr(void **state)
{
	struct lineedit *le = new_le(MAXB);
	struct buf out;
	char vis[1024];
	unsigned col;

	(void)state;
	lineedit_set_prompt(le, "\x1b[1;32m[bob]\x1b[0m ");
	type(le, "hi");
	render_check(le, vis, sizeof(vis), &col);
	assert_string_equal(vis, "[bob] hi");
	assert_int_equal(col, 6 + 2 + 1);
	buf_init(&out, 4096);
	assert_int_equal(lineedit_render(le, &out), 0);
	/* The prompt verbatim, then a reset so the text is uncoloured. */
	assert_true(contains(buf_ptr(&out), buf_len(&out),
	    "\x1b[1;32m[bob]\x1b[0m \x1b[0mhi"));
	buf_release(&out);

	/* Anything but SGR is dropped from the prompt. */
	lineedit_set_prompt(le, "a\x1b[2Jb\x07" "c\x1b]0;t\x07" "d\x1b[?25l"
	    "e\tf\x7fg\xc2\x9bh\xffi\x1b[31");
	render_check(le, vis, sizeof(vis), &col);
	assert_string_equal(vis, "abc]0;tde fghihi");
	assert_int_equal(col, 14 + 2 + 1);

	lineedit_set_prompt(le, NULL);
	render_check(le, vis, sizeof(vis), &col);
	assert_string_equal(vis, "hi");
	assert_int_equal(col, 3);
	lineedit_free(le);
}

/* Counts the columns of clean UTF-8 text, one per code point. */
static size_t
ncp(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += ((uint8_t)*s & 0xc0) != 0x80;
	return n;
}

static void
test_render_scrolls_long_lines(void **state)
{
	struct lineedit *le = new_le(MAXB);
	char vis[1024], text[201];
	unsigned col;
	size_t i;
	int cols;

	(void)state;
	for (i = 0; i < 200; i++)
		text[i] = (char)('a' + i % 26);
	text[200] = '\0';
	for (cols = 1; cols <= 100; cols += (cols < 12 ? 1 : 11)) {
		lineedit_set_width(le, cols);
		lineedit_set_prompt(le, "prompt> ");
		type(le, "\x15");
		type(le, text);
		/* Every cursor position: the row never wraps, the cursor is
		 * on it and on the right character. */
		for (i = 0; i <= 200; i++) {
			render_check(le, vis, sizeof(vis), &col);
			assert_true(ncp(vis) <= (size_t)(cols > 1 ? cols - 1 :
			    1));
			assert_true(col >= 1);
			assert_true(col <= (unsigned)cols);
			if (cols >= 20) {
				size_t pw = 8, at = col - 1 - pw;

				assert_memory_equal(vis, "prompt> ", 8);
				if (i > 0)	/* on the char it is on */
					assert_int_equal(vis[pw + at],
					    text[200 - i]);
			}
			type(le, "\x1b[D");
		}
		/* Home shows the start. */
		type(le, "\x01");
		render_check(le, vis, sizeof(vis), &col);
		if (cols >= 20)
			assert_memory_equal(vis + 8, text, (size_t)cols - 9);
	}
	/* A tiny terminal cuts a long prompt rather than the text. */
	lineedit_set_width(le, 20);
	lineedit_set_prompt(le, "a very long prompt indeed> ");
	type(le, "\x05");
	render_check(le, vis, sizeof(vis), &col);
	assert_true(ncp(vis) <= 19);
	assert_memory_equal(vis, "a very lo", 9);
	assert_int_equal(col, 19);	/* the last column stays free */

	/* Unknown width is 80. */
	lineedit_set_width(le, 0);
	lineedit_set_prompt(le, "");
	render_check(le, vis, sizeof(vis), &col);
	assert_int_equal(ncp(vis), 78);	/* + the cursor cell */
	lineedit_free(le);
}

/* With a UTF-8 locale, wide characters take two columns. */
static void
test_render_wide(void **state)
{
	struct lineedit *le = new_le(MAXB);
	char vis[1024];
	unsigned col;
	const char *old;
	char saved[64];
	int i;

	(void)state;
	old = setlocale(LC_CTYPE, NULL);
	snprintf(saved, sizeof(saved), "%s", old != NULL ? old : "C");
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL &&
	    setlocale(LC_CTYPE, "C.utf8") == NULL &&
	    setlocale(LC_CTYPE, "en_US.UTF-8") == NULL) {
		lineedit_free(le);
		skip();
	}
	lineedit_set_prompt(le, "\xe4\xbd\xa0> ");	/* 你> */
	type(le, "\xe5\xa5\xbd" "a");			/* 好a */
	render_check(le, vis, sizeof(vis), &col);
	assert_int_equal(col, 4 + 3 + 1);
	type(le, "\x1b[D");
	render_check(le, vis, sizeof(vis), &col);
	assert_int_equal(col, 4 + 2 + 1);

	/* A combining mark takes no column. */
	type(le, "\x15" "e\xcc\x81" "x");
	render_check(le, vis, sizeof(vis), &col);
	assert_int_equal(col, 4 + 2 + 1);

	/* Scrolling a line of wide characters never splits or wraps. */
	lineedit_set_width(le, 21);
	type(le, "\x15");
	for (i = 0; i < 60; i++)
		type(le, "\xe5\xa5\xbd");
	for (i = 0; i <= 60; i++) {
		render_check(le, vis, sizeof(vis), &col);
		assert_true(4 + 2 * (ncp(vis) - 3) <= 20);
		assert_true(col <= 20 - 1);
		type(le, "\x1b[D");
	}
	setlocale(LC_CTYPE, saved);
	lineedit_free(le);
}

/* Mutations of a known-good session: every byte flipped and dropped; the
 * invariants hold and rendering stays clean. */
static void
test_mutations(void **state)
{
	static const char good[] = "hi \xc3\xa9t\xc3\xa9\x1b[D\x1b[D\x1b[3~"
	    "\x01\x1bOC\x05\x17\x1b[A\x1b[B\xe2\x82\xac\t\x1b[200~x\x1b[201~"
	    "\x0b\x15\x7f\x08z\r\x1b[1;5D\x04\x03\x0c" "abc\r\n";
	uint8_t m[sizeof(good)];
	enum lineedit_event ev[64];
	struct lineedit *le;
	struct buf line;
	char vis[8192];
	unsigned col, bit;
	size_t i, n = sizeof(good) - 1;

	(void)state;
	buf_init(&line, 64);
	for (i = 0; i < n; i++) {
		for (bit = 0; bit <= 8; bit++) {
			le = new_le(64);
			lineedit_set_width(le, 12);
			memcpy(m, good, n);
			if (bit < 8) {
				m[i] ^= (uint8_t)(1u << bit);
				feed_n(le, m, n, &line, ev, 64);
			} else {
				memmove(m + i, m + i + 1, n - i - 1);
				feed_bytewise(le, m, n - 1, &line, ev, 64);
			}
			assert_clean(le);
			assert_true(clean_utf8(buf_ptr(&line), buf_len(&line)));
			render_check(le, vis, sizeof(vis), &col);
			lineedit_free(le);
		}
	}
	buf_release(&line);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_free),
		cmocka_unit_test(test_typing_and_enter),
		cmocka_unit_test(test_crlf_is_one_enter),
		cmocka_unit_test(test_line_buffer_too_small_keeps_text),
		cmocka_unit_test(test_backspace_multibyte),
		cmocka_unit_test(test_cursor_over_multibyte),
		cmocka_unit_test(test_home_end),
		cmocka_unit_test(test_kill_keys),
		cmocka_unit_test(test_word_moves),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_split_sequences),
		cmocka_unit_test(test_unknown_sequences_swallowed),
		cmocka_unit_test(test_controls_never_in_line),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_render_basic),
		cmocka_unit_test(test_render_prompt_sgr),
		cmocka_unit_test(test_render_scrolls_long_lines),
		cmocka_unit_test(test_render_wide),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
