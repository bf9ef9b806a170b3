/*
 * test_words.c: the code words (words.h, PROTOCOL §21.5-§21.6): the two
 * tables hold 256 distinct words each, disjoint, lower case, at most
 * WORDS_MAX_LEN long, and match the published PGP word list at its
 * corners; codes format and parse back (any case); the example code of
 * PROTOCOL; malformed codes are refused with a sentence; a mistyped word
 * gets "did you mean" with the closest word, a word of the other table
 * is told apart; completion counts prefixes; addresses are not codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "privaddr.h"
#include "words.h"

static void
test_tables(void **state)
{
	size_t i, j, k;

	(void)state;
	for (i = 0; i < WORDS_COUNT; i++) {
		for (k = 0; words_even[i][k] != '\0'; k++)
			assert_true(islower((unsigned char)words_even[i][k]));
		for (k = 0; words_odd[i][k] != '\0'; k++)
			assert_true(islower((unsigned char)words_odd[i][k]));
		assert_true(strlen(words_even[i]) <= WORDS_MAX_LEN);
		assert_true(strlen(words_odd[i]) <= WORDS_MAX_LEN);
		for (j = 0; j < WORDS_COUNT; j++) {
			if (j != i) {
				assert_string_not_equal(words_even[i],
				    words_even[j]);
				assert_string_not_equal(words_odd[i],
				    words_odd[j]);
			}
			assert_string_not_equal(words_even[i], words_odd[j]);
		}
		assert_int_equal(words_lookup(words_even[i],
		    strlen(words_even[i]), 0), (int)i);
		assert_int_equal(words_lookup(words_odd[i],
		    strlen(words_odd[i]), 1), (int)i);
		assert_int_equal(words_lookup(words_even[i],
		    strlen(words_even[i]), 1), -1);
	}
	assert_string_equal(words_even[0x00], "aardvark");
	assert_string_equal(words_even[0xff], "zulu");
	assert_string_equal(words_odd[0x00], "adroitness");
	assert_string_equal(words_odd[0xff], "yucatan");
	assert_string_equal(words_even[0x3b], "clockwork");
	assert_string_equal(words_odd[0x3c], "crossover");
}

static void
test_format_parse(void **state)
{
	char code[WORDS_CODE_MAX], why[256];
	uint8_t b[WORDS_MAX], got[WORDS_MAX];
	uint32_t slot;
	size_t n, i, len;

	(void)state;
	b[0] = 0x3b;
	b[1] = 0x3c;
	words_format(code, sizeof(code), 7, b, 2);
	assert_string_equal(code, "7-clockwork-crossover");
	assert_int_equal(words_parse("7-ClockWork-CROSSOVER", &slot, got, &n,
	    why, sizeof(why)), 0);
	assert_int_equal(slot, 7);
	assert_int_equal(n, 2);
	assert_memory_equal(got, b, 2);
	/* Every length, every byte value somewhere. */
	for (len = WORDS_MIN; len <= WORDS_MAX; len++)
		for (i = 0; i < 256; i++) {
			size_t k;

			for (k = 0; k < len; k++)
				b[k] = (uint8_t)(i + 37 * k);
			words_format(code, sizeof(code), WORDS_MAX_SLOT, b, len);
			assert_true(strlen(code) < WORDS_CODE_MAX);
			assert_int_equal(words_parse(code, &slot, got, &n, why,
			    sizeof(why)), 0);
			assert_int_equal(slot, WORDS_MAX_SLOT);
			assert_int_equal(n, len);
			assert_memory_equal(got, b, len);
		}
}

static void
test_refused(void **state)
{
	static const char *bad[] = {
		"", "7", "7-", "-clockwork-crossover", "0-clockwork-crossover",
		"1000000-clockwork-crossover", "7-clockwork",
		"7-clockwork-crossover-", "7--crossover", "x-clockwork-crossover",
		"7-clockwork-crossover-zulu-yucatan-zulu-yucatan-zulu-yucatan-zulu",
		"7 clockwork crossover", "7-clockwork-crossover-x",
	};
	char why[256];
	uint8_t b[WORDS_MAX];
	uint32_t slot;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(words_parse(bad[i], &slot, b, &n, why,
		    sizeof(why)), ERR_FORMAT);
		assert_true(strlen(why) > 0);
		assert_int_equal(slot, 0);
		assert_int_equal(n, 0);
	}
}

static void
test_suggest(void **state)
{
	char why[256];
	uint8_t b[WORDS_MAX];
	uint32_t slot;
	size_t n;
	const char *first;

	(void)state;
	assert_string_equal(words_suggest("clokwork", 8, 0), "clockwork");
	assert_string_equal(words_suggest("cloc", 4, 0) == NULL ? "" :
	    "near", "");
	assert_string_equal(words_suggest("crosover", 8, 1), "crossover");
	assert_string_equal(words_suggest("croossvoer", 10, 1), "crossover");
	assert_null(words_suggest("qqqqqqq", 7, 0));
	assert_int_equal(words_parse("7-clokwork-crossover", &slot, b, &n, why,
	    sizeof(why)), ERR_FORMAT);
	assert_string_equal(why, "'clokwork' is not a code word; did you "
	    "mean 'clockwork'?");
	assert_int_equal(words_parse("7-puppi-crossover", &slot, b, &n, why,
	    sizeof(why)), ERR_FORMAT);
	assert_string_equal(why, "'puppi' is not a code word; did you mean "
	    "'puppy'?");
	/* Swapped words: each is a word, of the other table. */
	assert_int_equal(words_parse("7-crossover-clockwork", &slot, b, &n,
	    why, sizeof(why)), ERR_FORMAT);
	assert_non_null(strstr(why, "'crossover' is not a code word in "
	    "place 1"));
	assert_int_equal(words_complete("cl", 2, 0, &first), 5);
	assert_string_equal(first, "clamshell");
	assert_int_equal(words_complete("CLO", 3, 0, &first), 1);
	assert_string_equal(first, "clockwork");
	assert_int_equal(words_complete("zz", 2, 1, &first), 0);
	assert_null(first);
	assert_int_equal(words_complete("", 0, 1, &first), 256);
}

static void
test_is_code_and_private(void **state)
{
	(void)state;
	assert_true(words_is_code("7-clockwork-crossover"));
	assert_false(words_is_code("127.0.0.1:4000"));
	assert_false(words_is_code("host-1"));
	assert_false(words_is_code("10-1"));
	assert_false(words_is_code("[::1]:5"));
	assert_true(addr_is_private("10.1.2.3"));
	assert_true(addr_is_private("172.16.0.1:80"));
	assert_false(addr_is_private("172.32.0.1"));
	assert_true(addr_is_private("192.168.1.10:65432"));
	assert_true(addr_is_private("100.64.0.1"));
	assert_false(addr_is_private("100.128.0.1"));
	assert_true(addr_is_private("169.254.1.1"));
	assert_true(addr_is_private("127.0.0.1"));
	assert_false(addr_is_private("203.0.113.5:40112"));
	assert_false(addr_is_private("8.8.8.8"));
	assert_true(addr_is_private("fd00::2"));
	assert_true(addr_is_private("[fe80::1%eth0]:5"));
	assert_true(addr_is_private("::1"));
	assert_true(addr_is_private("[::ffff:192.168.0.1]:9"));
	assert_false(addr_is_private("[2001:db8::1]:9"));
	assert_false(addr_is_private("example.org"));
	assert_true(addr_is_loopback("127.0.0.2"));
	assert_true(addr_is_loopback("[::1]:5"));
	assert_false(addr_is_loopback("10.0.0.1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_is_code_and_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
