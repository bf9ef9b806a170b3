/*
 * test_pwstrength.c: zxcvbn's estimate orders passwords sensibly, the
 * verdict thresholds are where pwstrength.h says, and weak passwords get
 * a warning line (never a refusal).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pwstrength.h"

static void
test_verdict_thresholds(void **state)
{
	(void)state;
	assert_string_equal(pwstrength_verdict(0.0), "very weak");
	assert_string_equal(pwstrength_verdict(27.99), "very weak");
	assert_string_equal(pwstrength_verdict(28.0), "weak");
	assert_string_equal(pwstrength_verdict(35.99), "weak");
	assert_string_equal(pwstrength_verdict(36.0), "fair");
	assert_string_equal(pwstrength_verdict(59.99), "fair");
	assert_string_equal(pwstrength_verdict(60.0), "strong");
	assert_string_equal(pwstrength_verdict(500.0), "strong");
	assert_string_equal(pwstrength_verdict(-1.0), "very weak");
	assert_string_equal(pwstrength_verdict(NAN), "very weak");
}

static void
test_bits(void **state)
{
	char *longpw;
	double weak, strong, l;

	(void)state;
	assert_true(pwstrength_bits(NULL) == 0.0);
	assert_true(pwstrength_bits("") == 0.0);
	weak = pwstrength_bits("password");
	strong = pwstrength_bits("vN7#qL2!xR9$wT4^kZ8&");
	assert_true(weak >= 0.0);
	assert_true(weak < PWSTRENGTH_VERY_WEAK_BELOW);
	assert_true(strong >= PWSTRENGTH_FAIR_BELOW);
	assert_true(pwstrength_bits("123456") < PWSTRENGTH_VERY_WEAK_BELOW);
	assert_true(pwstrength_bits("qwertyuiop") < PWSTRENGTH_VERY_WEAK_BELOW);
	assert_true(pwstrength_bits("correct horse battery staple") >
	    PWSTRENGTH_WEAK_BELOW);
	/* The longest secret sotto accepts is handled, and quickly. */
	assert_non_null(longpw = malloc(1025));
	memset(longpw, 'x', 1024);
	longpw[1024] = '\0';
	l = pwstrength_bits(longpw);
	assert_true(l >= 0.0);
	free(longpw);
}

static void
test_warning(void **state)
{
	char out[PWSTRENGTH_WARNING_MAX];

	(void)state;
	assert_int_equal(pwstrength_warning(out, sizeof(out), 31.2), 1);
	assert_string_equal(out, "warning: this password is weak (about 2^31 "
	    "guesses); anyone who can reach you can try guesses online, one "
	    "per connection, slowed down after each failure");
	assert_int_equal(pwstrength_warning(out, sizeof(out), 9.6), 1);
	assert_non_null(strstr(out, "is very weak (about 2^10 guesses)"));
	assert_int_equal(pwstrength_warning(out, sizeof(out), 0.0), 1);
	assert_non_null(strstr(out, "(about 2^0 guesses)"));
	assert_null(strchr(out, '\n'));
	/* None due from "fair" on. */
	memcpy(out, "junk", 5);
	assert_int_equal(pwstrength_warning(out, sizeof(out), 36.0), 0);
	assert_string_equal(out, "");
	assert_int_equal(pwstrength_warning(out, sizeof(out), 80.0), 0);
	/* Too small a buffer is an error, never a cut-off warning. */
	assert_int_equal(pwstrength_warning(out, 20, 10.0), ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(pwstrength_warning(NULL, 0, 10.0), ERR_INVALID_ARG);
	/* The worst case fits PWSTRENGTH_WARNING_MAX. */
	assert_int_equal(pwstrength_warning(out, sizeof(out), NAN), 1);
	assert_int_equal(pwstrength_warning(out, sizeof(out), -5.0), 1);
	assert_int_equal(pwstrength_warning(out, sizeof(out), 35.9), 1);
}

static void
test_end_to_end(void **state)
{
	char out[PWSTRENGTH_WARNING_MAX];

	(void)state;
	assert_int_equal(pwstrength_warning(out, sizeof(out),
	    pwstrength_bits("letmein")), 1);
	assert_non_null(strstr(out, "very weak"));
	assert_int_equal(pwstrength_warning(out, sizeof(out),
	    pwstrength_bits("vN7#qL2!xR9$wT4^kZ8&")), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_thresholds),
		cmocka_unit_test(test_bits),
		cmocka_unit_test(test_warning),
		cmocka_unit_test(test_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
