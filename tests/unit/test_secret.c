/*
 * test_secret.c: passwords from files (first line, without its line
 * ending; empty, NUL-holding and oversized lines refused) and their
 * comparison.  The terminal prompt needs a terminal and is left to the
 * integration tests.
 */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "secret.h"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/sotto-secret-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/pw", dir);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	(void)unlink(path);
	return rmdir(dir);
}

static void
write_file(const void *p, size_t len)
{
	FILE *f;

	assert_non_null(f = fopen(path, "wb"));
	if (len > 0)
		assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Reads the file written from p[0..len) and expects want, or err. */
static void
expect(const char *p, size_t len, const char *want, int err)
{
	struct secret *s = (struct secret *)(uintptr_t)1;

	write_file(p, len);
	assert_int_equal(secret_read_file(&s, path), err);
	if (err != 0) {
		assert_null(s);
		return;
	}
	assert_non_null(s);
	assert_int_equal(s->len, strlen(want));
	assert_memory_equal(s->p, want, s->len);
	assert_int_equal(s->p[s->len], 0);
	secret_free(s);
}

#define EXPECT(lit, want, err)	expect(lit, sizeof(lit) - 1, want, err)

static void
test_first_line(void **state)
{
	(void)state;
	EXPECT("hunter2\n", "hunter2", 0);
	EXPECT("hunter2", "hunter2", 0);		/* no line ending */
	EXPECT("hunter2\r\n", "hunter2", 0);
	EXPECT("hunter2\r", "hunter2", 0);
	EXPECT("correct horse\nsecond line\n", "correct horse", 0);
	EXPECT(" spaces kept \t\n", " spaces kept \t", 0);
	EXPECT("caf\xc3\xa9\n", "caf\xc3\xa9", 0);
	EXPECT("a\rb\n", "a\rb", 0);	/* only a final CR is a line end */
}

static void
test_refused(void **state)
{
	struct secret *s;

	(void)state;
	EXPECT("", NULL, ERR_FORMAT);
	EXPECT("\n", NULL, ERR_FORMAT);
	EXPECT("\r\n", NULL, ERR_FORMAT);
	EXPECT("\npassword on line two\n", NULL, ERR_FORMAT);
	EXPECT("pass\0word\n", NULL, ERR_FORMAT);
	(void)unlink(path);
	errno = 0;
	assert_int_equal(secret_read_file(&s, path), ERR_IO);
	assert_int_equal(errno, ENOENT);
	assert_null(s);
	assert_int_equal(secret_read_file(&s, dir), ERR_IO);
	assert_int_equal(errno, EISDIR);
	assert_null(s);
}

static void
test_length_limit(void **state)
{
	char *p, *want;
	size_t len;

	(void)state;
	assert_non_null(p = malloc(SECRET_MAX + 64));
	assert_non_null(want = malloc(SECRET_MAX + 1));
	memset(p, 'a', SECRET_MAX + 64);
	memset(want, 'a', SECRET_MAX);
	want[SECRET_MAX] = '\0';

	/* Exactly SECRET_MAX, in every ending. */
	expect(p, SECRET_MAX, want, 0);
	memcpy(p + SECRET_MAX, "\r\n", 2);
	write_file(p, SECRET_MAX + 2);
	{
		struct secret *s;

		assert_int_equal(secret_read_file(&s, path), 0);
		assert_int_equal(s->len, SECRET_MAX);
		secret_free(s);
	}
	memcpy(p + SECRET_MAX, "\nrest", 5);
	write_file(p, SECRET_MAX + 5);
	{
		struct secret *s;

		assert_int_equal(secret_read_file(&s, path), 0);
		assert_int_equal(s->len, SECRET_MAX);
		secret_free(s);
	}
	/* One byte more, with and without endings, and much more. */
	for (len = SECRET_MAX + 1; len < SECRET_MAX + 64; len++) {
		memset(p, 'a', SECRET_MAX + 64);
		expect(p, len, NULL, ERR_TOO_LARGE);
		p[SECRET_MAX + 1] = '\n';
		expect(p, len, NULL, ERR_TOO_LARGE);
		p[SECRET_MAX + 1] = '\r';
		expect(p, len, NULL, ERR_TOO_LARGE);
	}
	free(want);
	free(p);
}

static void
test_pipe(void **state)
{
	struct secret *s;
	int fds[2];
	char name[64];

	(void)state;
	/* --password-file <(...) hands us /dev/fd/N of a pipe. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "piped\nmore", 10), 10);
	assert_int_equal(close(fds[1]), 0);
	snprintf(name, sizeof(name), "/dev/fd/%d", fds[0]);
	assert_int_equal(secret_read_file(&s, name), 0);
	assert_int_equal(s->len, 5);
	assert_memory_equal(s->p, "piped", 5);
	secret_free(s);
	assert_int_equal(close(fds[0]), 0);
}

static void
test_equal_and_new(void **state)
{
	struct secret *a, *b, *c, *d;

	(void)state;
	assert_int_equal(secret_new(&a, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(secret_new(&b, (const uint8_t *)"abc", 3), 0);
	assert_int_equal(secret_new(&c, (const uint8_t *)"abd", 3), 0);
	assert_int_equal(secret_new(&d, (const uint8_t *)"abcd", 4), 0);
	assert_true(secret_equal(a, b));
	assert_true(secret_equal(a, a));
	assert_false(secret_equal(a, c));
	assert_false(secret_equal(a, d));
	assert_false(secret_equal(d, a));
	assert_false(secret_equal(a, NULL));
	secret_free(d);
	assert_int_equal(secret_new(&d, (const uint8_t *)"", 0), ERR_FORMAT);
	assert_null(d);
	assert_int_equal(secret_new(&d, (const uint8_t *)"a\0b", 3),
	    ERR_FORMAT);
	assert_null(d);
	secret_free(a);
	secret_free(b);
	secret_free(c);
	secret_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_line),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_pipe),
		cmocka_unit_test(test_equal_and_new),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
