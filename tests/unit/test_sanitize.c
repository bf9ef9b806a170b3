/*
 * test_sanitize.c: untrusted text made safe for a terminal: escape
 * sequences, C1 controls, bidi overrides and invalid UTF-8 come out as
 * visible escapes or U+FFFD, ordinary text (emoji, tabs) unchanged.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "sanitize.h"

#define S(lit)	(const uint8_t *)(lit), sizeof(lit) - 1

/*
 * The output invariant, checked on bytes by code that shares nothing
 * with the decoder under test: valid UTF-8 (checked by the textbook
 * ranges of RFC 3629), no byte below 0x20 except TAB (and LF if allowed),
 * no DEL, and no encoding of a C1 or bidi control or U+2028/U+2029.
 */
static int
output_ok(const uint8_t *p, size_t len, int allow_nl)
{
	size_t i = 0, k, n;
	uint8_t c;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(allow_nl && c == '\n')) ||
			    c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return 0;
		if (n > len - i)
			return 0;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		/* C1: C2 80..C2 9F.  ALM: D8 9C. */
		if (c == 0xc2 && p[i + 1] <= 0x9f)
			return 0;
		if (c == 0xd8 && p[i + 1] == 0x9c)
			return 0;
		if (c == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0x8e || p[i + 2] == 0x8f ||
		    (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)))
			return 0;	/* LRM RLM, U+2028-U+202E */
		if (c == 0xe2 && p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)
			return 0;	/* U+2066-U+2069 */
		i += n;
	}
	return 1;
}

/* Sanitizes in and compares with want; checks the invariant. */
static void
check(const uint8_t *in, size_t len, int flags, const char *want)
{
	struct buf out;

	buf_init(&out, 1 << 16);
	assert_int_equal(ui_sanitize(&out, in, len, flags), 0);
	assert_true(output_ok(buf_ptr(&out), buf_len(&out),
	    flags & UI_SAN_ALLOW_NEWLINE));
	assert_int_equal(buf_len(&out), strlen(want));
	assert_memory_equal(buf_ptr(&out), want, strlen(want));
	buf_release(&out);
}

static void
test_plain_ascii(void **state)
{
	(void)state;
	check(S("hello, world! \\o/ ~"), 0, "hello, world! \\o/ ~");
	check(S(""), 0, "");
}

static void
test_csi_color(void **state)
{
	(void)state;
	check(S("\x1b[31mred\x1b[0m"), 0, "\\x1b[31mred\\x1b[0m");
}

static void
test_osc_title(void **state)
{
	(void)state;
	check(S("\x1b]0;title\x07"), 0, "\\x1b]0;title\\x07");
	/* ST-terminated form, and a clear-screen. */
	check(S("\x1b]0;x\x1b\\\x1b[2J"), 0, "\\x1b]0;x\\x1b\\\\x1b[2J");
}

static void
test_c1_csi_encoded(void **state)
{
	(void)state;
	/* U+009B, the 8-bit CSI, properly encoded. */
	check(S("\xc2\x9b" "31m"), 0, "\\x9b31m");
	check(S("\xc2\x80\xc2\x9f\xc2\xa0"), 0, "\\x80\\x9f\xc2\xa0");
}

static void
test_raw_c1_byte(void **state)
{
	(void)state;
	/* A bare 0x9b is not UTF-8: it must never reach the terminal. */
	check(S("\x9b" "31m"), 0, "\xef\xbf\xbd" "31m");
}

static void
test_bidi(void **state)
{
	(void)state;
	check(S("abc\xe2\x80\xae" "txt.exe"), 0, "abc\\u202etxt.exe");
	check(S("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"), 0,
	    "\\u202a\\u202b\\u202c\\u202d");
	check(S("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"), 0,
	    "\\u2066\\u2067\\u2068\\u2069");
	check(S("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), 0,
	    "\\u200e\\u200f\\u061c");
	check(S("\xe2\x80\xa8\xe2\x80\xa9"), 0, "\\u2028\\u2029");
	/* Neighbours that are not controls pass. */
	check(S("\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa"), 0,
	    "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa");
}

static void
test_emoji_and_text_unchanged(void **state)
{
	static const char text[] =
	    "\xf0\x9f\x98\x80 caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    /* family: man ZWJ woman ZWJ girl, and a flag */
	    "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d"
	    "\xf0\x9f\x91\xa7 \xf0\x9f\x87\xab\xf0\x9f\x87\xb7 "
	    "\xe2\x9d\xa4\xef\xb8\x8f \xef\xbf\xbd \xf4\x8f\xbf\xbf";

	(void)state;
	check(S(text), 0, text);
}

static void
test_tab_kept_newline_flag(void **state)
{
	(void)state;
	check(S("a\tb"), 0, "a\tb");
	check(S("a\nb\r\n"), 0, "a\\x0ab\\x0d\\x0a");
	check(S("a\nb\r\n"), UI_SAN_ALLOW_NEWLINE, "a\nb\\x0d\n");
	check(S("\x00\x01\x7f\x08"), 0, "\\x00\\x01\\x7f\\x08");
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	/* Overlongs: C0 and C1 are never valid; E0 80.., F0 80.. too. */
	check(S("\xc0\xaf"), 0, "\xef\xbf\xbd\xef\xbf\xbd");
	check(S("\xe0\x80\xaf"), 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check(S("\xf0\x80\x80\xaf"), 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* Overlong ESC must not turn into ESC. */
	check(S("\xc0\x9b"), 0, "\xef\xbf\xbd\xef\xbf\xbd");
	/* Surrogate U+D800, and past U+10FFFF. */
	check(S("\xed\xa0\x80"), 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check(S("\xf4\x90\x80\x80"), 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check(S("\xf5\xff\xfe"), 0,
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* A maximal subpart is one U+FFFD; the byte that broke it is
	 * decoded on its own. */
	check(S("\xe2\x80" "A"), 0, "\xef\xbf\xbd" "A");
	check(S("\xf0\x9f\x98" "\x1b"), 0, "\xef\xbf\xbd\\x1b");
	check(S("\xe2\xe2\x80\xae"), 0, "\xef\xbf\xbd\\u202e");
}

static void
test_truncated_at_end(void **state)
{
	(void)state;
	check(S("ok\xf0\x9f\x98"), 0, "ok\xef\xbf\xbd");
	check(S("ok\xe2\x80"), 0, "ok\xef\xbf\xbd");
	check(S("ok\xc3"), 0, "ok\xef\xbf\xbd");
}

#define R1	"\xef\xbf\xbd"
#define R4	R1 R1 R1 R1

/* The Unicode Standard, section 3.9: the worked example of maximal
 * subparts, then Tables 3-8 to 3-11 (non-shortest forms, surrogates,
 * other ill-formed sequences, truncated sequences). */
static void
test_maximal_subparts_table(void **state)
{
	(void)state;
	check(S("\x61\xf1\x80\x80\xe1\x80\xc2\x62\x80\x63\x80\xbf\x64"), 0,
	    "a" R1 R1 R1 "b" R1 "c" R1 R1 "d");
	check(S("\xc0\xaf\xe0\x80\xbf\xf0\x81\x82\x41"), 0, R4 R4 "A");
	check(S("\xed\xa0\x80\xed\xbf\xbf\xed\xaf\x41"), 0, R4 R4 "A");
	check(S("\xf4\x91\x92\x93\xff\x41\x80\xbf\x42"), 0,
	    R4 R1 "A" R1 R1 "B");
	check(S("\xe1\x80\xe2\xf0\x91\x92\xf1\xbf\x41"), 0, R4 "A");
}

static void
test_utf8_next(void **state)
{
	uint32_t cp;

	(void)state;
	assert_int_equal(ui_utf8_next(S("A"), &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(ui_utf8_next(S("\xf4\x8f\xbf\xbf"), &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	assert_int_equal(ui_utf8_next(S("\xe2\x80\xae"), &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(ui_utf8_next(S("\xe2\x80"), &cp), 2);
	assert_int_equal(cp, UI_UTF8_INVALID);
	assert_int_equal(ui_utf8_next((const uint8_t *)"", 0, &cp), 0);
	assert_int_equal(cp, UI_UTF8_INVALID);
}

static void
test_full_output_unchanged_on_error(void **state)
{
	struct buf out;

	(void)state;
	/* Room for "ab" then part of an escape: nothing may be left. */
	buf_init(&out, 4);
	assert_int_equal(buf_put(&out, "xy", 2), 0);
	assert_int_equal(ui_sanitize(&out, S("a\x1b"), 0), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&out), 2);
	assert_memory_equal(buf_ptr(&out), "xy", 2);
	buf_release(&out);
}

static void
test_every_codepoint(void **state)
{
	uint8_t enc[4];
	struct buf out;
	uint32_t cp;
	size_t n;

	(void)state;
	buf_init(&out, 64);
	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (cp < 0x80) {
			enc[0] = (uint8_t)cp;
			n = 1;
		} else if (cp < 0x800) {
			enc[0] = (uint8_t)(0xc0 | cp >> 6);
			enc[1] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			enc[0] = (uint8_t)(0xe0 | cp >> 12);
			enc[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			enc[2] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			enc[0] = (uint8_t)(0xf0 | cp >> 18);
			enc[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			enc[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			enc[3] = (uint8_t)(0x80 | (cp & 0x3f));
			n = 4;
		}
		buf_reset(&out);
		assert_int_equal(ui_sanitize(&out, enc, n, 0), 0);
		if (!output_ok(buf_ptr(&out), buf_len(&out), 0))
			fail_msg("U+%04X slipped through", (unsigned)cp);
		/* Unescaped code points come out byte for byte. */
		if (!ui_codepoint_escaped(cp, 0)) {
			assert_int_equal(buf_len(&out), n);
			assert_memory_equal(buf_ptr(&out), enc, n);
		}
	}
	buf_release(&out);
}

/* xorshift64: deterministic input for the mutation loops. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_mutations(void **state)
{
	static const char seed[] =
	    "hi \xf0\x9f\x98\x80 \x1b[1m\xe2\x80\xae\xc2\x9b\tcaf\xc3\xa9\n";
	uint8_t in[sizeof(seed) - 1 + 8];
	struct buf out;
	uint64_t s = 0x5077047e57ULL;
	size_t len, i, k, bit;

	(void)state;
	buf_init(&out, sizeof(in) * UI_SAN_MAX_EXPANSION);
	/* Every single bit flipped... */
	for (bit = 0; bit < 8 * (sizeof(seed) - 1); bit++) {
		memcpy(in, seed, sizeof(seed) - 1);
		in[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		buf_reset(&out);
		assert_int_equal(ui_sanitize(&out, in, sizeof(seed) - 1, 0), 0);
		assert_true(output_ok(buf_ptr(&out), buf_len(&out), 0));
	}
	/* ...then random bytes spliced in, both flag settings.  The
	 * buffer's max also proves UI_SAN_MAX_EXPANSION holds. */
	for (i = 0; i < 20000; i++) {
		len = (size_t)(rnd(&s) % sizeof(in));
		memcpy(in, seed, sizeof(seed) - 1);
		for (k = 0; k < 4; k++)
			in[rnd(&s) % sizeof(in)] = (uint8_t)rnd(&s);
		buf_reset(&out);
		assert_int_equal(ui_sanitize(&out, in, len, (int)(i & 1)), 0);
		assert_true(output_ok(buf_ptr(&out), buf_len(&out),
		    (int)(i & 1)));
	}
	buf_release(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_ascii),
		cmocka_unit_test(test_csi_color),
		cmocka_unit_test(test_osc_title),
		cmocka_unit_test(test_c1_csi_encoded),
		cmocka_unit_test(test_raw_c1_byte),
		cmocka_unit_test(test_bidi),
		cmocka_unit_test(test_emoji_and_text_unchanged),
		cmocka_unit_test(test_tab_kept_newline_flag),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_truncated_at_end),
		cmocka_unit_test(test_maximal_subparts_table),
		cmocka_unit_test(test_utf8_next),
		cmocka_unit_test(test_full_output_unchanged_on_error),
		cmocka_unit_test(test_every_codepoint),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
