/*
 * test_trust.c: /trust's records: a name counts as verified only with
 * the very key recorded (a key change resets it), a new record replaces
 * the old one for that name and keeps the others, and the file is 0600.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trust.h"

static void
test_trust(void **state)
{
	char dir[] = "/tmp/sotto-trust-XXXXXX", path[64];
	uint8_t k1[32], k2[32], k3[32];
	struct stat st;

	(void)state;
	memset(k1, 1, sizeof(k1));
	memset(k2, 2, sizeof(k2));
	memset(k3, 3, sizeof(k3));
	assert_non_null(mkdtemp(dir));
	assert_int_equal(trust_check(dir, "bob", k1), 0);	/* no file */
	assert_int_equal(trust_set(dir, "bob", k1), 0);
	assert_int_equal(trust_set(dir, "carol", k3), 0);
	assert_int_equal(trust_check(dir, "bob", k1), 1);
	assert_int_equal(trust_check(dir, "bob", k2), 0);	/* key changed */
	assert_int_equal(trust_check(dir, "bo", k1), 0);
	assert_int_equal(trust_check(dir, "carol", k3), 1);
	assert_int_equal(trust_set(dir, "bob", k2), 0);
	assert_int_equal(trust_check(dir, "bob", k1), 0);
	assert_int_equal(trust_check(dir, "bob", k2), 1);
	assert_int_equal(trust_check(dir, "carol", k3), 1);
	snprintf(path, sizeof(path), "%s/%s", dir, TRUST_FILE_NAME);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, (4 + 64 + 1) + (6 + 64 + 1));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
