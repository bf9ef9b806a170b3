/*
 * pwstrength.c: password strength estimate (zxcvbn), verdict and
 * warning line (see pwstrength.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdio.h>

#include <zxcvbn.h>

#include "err.h"
#include "pwstrength.h"

double
pwstrength_bits(const char *pw)
{
	double bits;

	if (pw == NULL || pw[0] == '\0')
		return 0.0;
	bits = ZxcvbnMatch(pw, NULL, NULL);
	/* NaN fails every comparison: count it as no strength at all. */
	if (!(bits >= 0.0))
		bits = 0.0;
	return bits;
}

const char *
pwstrength_verdict(double bits)
{
	if (!(bits >= PWSTRENGTH_VERY_WEAK_BELOW))	/* NaN too */
		return "very weak";
	if (bits < PWSTRENGTH_WEAK_BELOW)
		return "weak";
	if (bits < PWSTRENGTH_FAIR_BELOW)
		return "fair";
	return "strong";
}

int
pwstrength_warning(char *out, size_t outlen, double bits)
{
	unsigned int exp;
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if (bits >= PWSTRENGTH_WARN_BELOW)
		return 0;
	/* Rounded to the nearest power of two; NaN and negatives are 0. */
	exp = bits >= 0.0 ? (unsigned int)(bits + 0.5) : 0;
	n = snprintf(out, outlen, "warning: this password is %s (about 2^%u "
	    "guesses); anyone who can reach you can try guesses online, one "
	    "per connection, slowed down after each failure",
	    pwstrength_verdict(bits), exp);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return ERR_INVALID_ARG;
	}
	return 1;
}
