/*
 * test_tui_keys.c: keys are cut whole from raw bytes however the reads
 * split them, the view's keys are named, a bracketed paste is gathered
 * whole (its end marker split across reads, an ESC inside it), nothing
 * in a paste comes out as a key, and paste assembly turns a paste into
 * clean lines (CR LF, CR, LF; no controls; 'bye' and '/quit' just text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tui_keys.h"

/* Feeds s in chunks of 'step' bytes; records the keys seen. */
static size_t
feed(struct tui_keys *k, const char *s, size_t step, enum tui_key *out,
    size_t max)
{
	const uint8_t *p = (const uint8_t *)s, *key;
	size_t n = strlen(s), nout = 0, used, kl, chunk;
	enum tui_key e;

	while (n > 0) {
		chunk = n < step ? n : step;
		while (chunk > 0) {
			e = tui_keys_feed(k, p, chunk, &used, &key, &kl);
			assert_true(used > 0 || e != TK_NONE);
			assert_true(used <= chunk);
			if (e != TK_NONE && nout < max)
				out[nout++] = e;
			p += used;
			n -= used;
			chunk -= used;
		}
	}
	return nout;
}

static void
test_named(void **state)
{
	struct tui_keys k;
	enum tui_key out[32];
	size_t step, n;

	(void)state;
	for (step = 1; step <= 8; step++) {
		tui_keys_init(&k);
		n = feed(&k, "a\x1b[5~\x1b[6~\x1b[1~\x1b[4~\x1b[1;5H\x1b[1;5F"
		    "\t\x03\x02\r\n\x1bOQ\xc3\xa9\x1b[D\x1b[I\x1b[O", step, out,
		    32);
		assert_int_equal(n, 16);
		assert_int_equal(out[0], TK_OTHER);
		assert_int_equal(out[1], TK_PGUP);
		assert_int_equal(out[2], TK_PGDN);
		assert_int_equal(out[3], TK_HOME);
		assert_int_equal(out[4], TK_END);
		assert_int_equal(out[5], TK_TOP);
		assert_int_equal(out[6], TK_BOTTOM);
		assert_int_equal(out[7], TK_TAB);
		assert_int_equal(out[8], TK_CTRL_C);
		assert_int_equal(out[9], TK_MEMBERS);
		assert_int_equal(out[10], TK_ENTER);	/* CR LF: one Enter */
		assert_int_equal(out[11], TK_MEMBERS);
		assert_int_equal(out[12], TK_OTHER);	/* é, whole */
		assert_int_equal(out[13], TK_OTHER);	/* Left */
		assert_int_equal(out[14], TK_FOCUS_IN);
		assert_int_equal(out[15], TK_FOCUS_OUT);
		tui_keys_release(&k);
	}
}

static void
test_paste(void **state)
{
	static const char in[] = "x\x1b[200~bye\r\n/quit\x1b[D\x1b\x1b[201~"
	    "y";
	struct tui_keys k;
	enum tui_key out[8];
	const struct buf *p;
	size_t step, n, over;

	(void)state;
	for (step = 1; step <= sizeof(in); step++) {
		tui_keys_init(&k);
		n = feed(&k, in, step, out, 8);
		assert_int_equal(n, 3);
		assert_int_equal(out[0], TK_OTHER);
		assert_int_equal(out[1], TK_PASTE);
		assert_int_equal(out[2], TK_OTHER);
		p = tui_keys_paste(&k, &over);
		assert_int_equal(over, 0);
		assert_int_equal(buf_len(p), 14);
		assert_memory_equal(buf_ptr(p), "bye\r\n/quit\x1b[D\x1b", 14);
		tui_keys_release(&k);
	}
}

static void
test_paste_overflow(void **state)
{
	static uint8_t big[TUI_PASTE_MAX + 100];
	const uint8_t *key;
	const struct buf *p;
	struct tui_keys k;
	size_t used, kl, over;

	(void)state;
	tui_keys_init(&k);
	memset(big, 'a', sizeof(big));
	assert_int_equal(tui_keys_feed(&k, (const uint8_t *)"\x1b[200~", 6,
	    &used, &key, &kl), TK_NONE);
	assert_int_equal(tui_keys_feed(&k, big, sizeof(big), &used, &key, &kl),
	    TK_NONE);
	assert_int_equal(tui_keys_feed(&k, (const uint8_t *)"\x1b[201~", 6,
	    &used, &key, &kl), TK_PASTE);
	p = tui_keys_paste(&k, &over);
	assert_int_equal(buf_len(p), TUI_PASTE_MAX);
	assert_int_equal(over, 100);
	tui_keys_paste_done(&k);
	p = tui_keys_paste(&k, &over);
	assert_int_equal(buf_len(p), 0);
	tui_keys_release(&k);
}

static void
test_paste_lines(void **state)
{
	static const char in[] = "one\r\ntwo\rbye\n/quit\n\ttab\x07\x1b[31m"
	    "red\xff\n\n";
	struct buf out;

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(tui_paste_lines((const uint8_t *)in, strlen(in), &out),
	    6);
	assert_int_equal(buf_len(&out), 31);
	assert_memory_equal(buf_ptr(&out), "one\0two\0bye\0/quit\0 tab[31mred\0"
	    "\0", 31);
	buf_reset(&out);
	assert_int_equal(tui_paste_lines((const uint8_t *)"no newline", 10,
	    &out), 1);
	buf_reset(&out);
	assert_int_equal(tui_paste_lines((const uint8_t *)"", 0, &out), 0);
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_paste),
		cmocka_unit_test(test_paste_overflow),
		cmocka_unit_test(test_paste_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
