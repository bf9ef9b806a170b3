/*
 * test_codeprompt.c: Tab completion of code words (codeprompt.h): a
 * unique prefix completes to its word, shared prefixes extend as far as
 * their words agree, ambiguous ones list the words, each place uses its
 * own table, and nothing is offered outside a word (the number, past
 * the last place, not a code at all).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "codeprompt.h"
#include "words.h"

static size_t
complete(const char *text, char *add, char *list)
{
	return codeprompt_complete(text, strlen(text), add, WORDS_MAX_LEN + 1,
	    list, 256, 12);
}

static void
test_complete(void **state)
{
	char add[WORDS_MAX_LEN + 1], list[256];

	(void)state;
	assert_int_equal(complete("7-clo", add, list), 1);
	assert_string_equal(add, "ckwork");
	assert_string_equal(list, "");
	/* The second word is from the odd table. */
	assert_int_equal(complete("7-clockwork-cros", add, list), 1);
	assert_string_equal(add, "sover");
	assert_int_equal(complete("7-clockwork-clo", add, list), 0);
	/* Shared prefix: extended as far as the words agree. */
	assert_int_equal(complete("7-cla", add, list), 3);
	assert_string_equal(add, "");
	assert_string_equal(list, "clamshell classic classroom");
	assert_int_equal(complete("7-class", add, list), 2);
	assert_string_equal(add, "");
	assert_int_equal(complete("7-bl", add, list), 4);
	assert_string_equal(add, "");
	assert_int_equal(complete("7-blo", add, list), 2);
	assert_string_equal(list, "blockade blowtorch");
	assert_int_equal(complete("12-ab", add, list), 1);
	assert_string_equal(add, "surd");
	/* A complete word stays as it is. */
	assert_int_equal(complete("7-zulu", add, list), 1);
	assert_string_equal(add, "");
	/* Many: the first twelve and "...". */
	assert_int_equal(complete("7-", add, list), 256);
	assert_non_null(strstr(list, "aardvark absurd"));
	assert_non_null(strstr(list, " ..."));
	/* Not in a word. */
	assert_int_equal(complete("7", add, list), 0);
	assert_int_equal(complete("", add, list), 0);
	assert_int_equal(complete("host-1", add, list), 0);
	assert_int_equal(complete("7-qq", add, list), 0);
	assert_int_equal(complete("7-zulu-yucatan-zulu-yucatan-zulu-yucatan-"
	    "zulu-yucatan-a", add, list), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
