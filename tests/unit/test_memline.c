/* test_memline.c: the member lines of a child window (memline.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "err.h"
#include "memline.h"

static void
test_round_trip(void **state)
{
	uint8_t pk[32];
	char line[MEMLINE_MAX];
	struct memline m;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(pk); i++)
		pk[i] = (uint8_t)(i * 37 + 1);
	n = memline_member(line, 0x1234abcd, 7, pk, "caro line");
	assert_true(n > 0 && line[n - 1] == '\n');
	assert_memory_equal(line, "member 1234abcd 007 ", 20);
	assert_int_equal(memline_parse(line, n - 1, &m), 0);
	assert_false(m.gone);
	assert_int_equal(m.id, 0x1234abcd);
	assert_int_equal(m.color, 7);
	assert_memory_equal(m.pk, pk, 32);
	assert_string_equal(m.name, "caro line");
	n = memline_gone(line, 5);
	assert_int_equal(n, 14);
	assert_int_equal(memline_parse(line, n - 1, &m), 0);
	assert_true(m.gone);
	assert_int_equal(m.id, 5);
}

static void
test_refusals(void **state)
{
	static const char *bad[] = {
		"", "gone", "gone 1234", "gone 0000000g", "gone 000000001",
		"member 00000001 007 ", "member 00000001 256 "
		"0000000000000000000000000000000000000000000000000000000000000000 x",
		"member 00000001 007 "
		"000000000000000000000000000000000000000000000000000000000000000A x",
		"member 00000001 007 "
		"0000000000000000000000000000000000000000000000000000000000000000 ",
		"member 00000001 007 "
		"0000000000000000000000000000000000000000000000000000000000000000 a\tb",
		"member 0000001 0007 "
		"0000000000000000000000000000000000000000000000000000000000000000 x",
	};
	char line[MEMLINE_MAX], longname[MEMLINE_NAME_MAX + 2];
	struct memline m;
	uint8_t pk[32] = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(memline_parse(bad[i], strlen(bad[i]), &m),
		    ERR_FORMAT);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(memline_member(line, 1, 7, pk, longname), 0);
	assert_int_equal(memline_member(line, 1, 7, pk, ""), 0);
	assert_int_equal(memline_member(line, 1, 7, pk, "a\nb"), 0);
	assert_int_equal(memline_member(line, 1, 300, pk, "a"), 0);
	longname[MEMLINE_NAME_MAX] = '\0';
	assert_true(memline_member(line, 1, 7, pk, longname) == MEMLINE_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
