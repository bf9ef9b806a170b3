/*
 * pwstrength.h: an estimate of how guessable a room password is (zxcvbn),
 * turned into a verdict and, for weak ones, a warning.  sotto never
 * refuses a password: the PAKE allows no offline guessing, so the risk
 * is online guesses, one per connection, which the host slows down.
 */
#ifndef SOTTO_PWSTRENGTH_H
#define SOTTO_PWSTRENGTH_H

#include <stddef.h>

/* Verdict thresholds, in bits (log2 of the estimated guesses):
 *   bits < 28            "very weak"
 *   28 <= bits < 36      "weak"
 *   36 <= bits < 60      "fair"
 *   60 <= bits           "strong"
 * A warning is due below PWSTRENGTH_WARN_BELOW, i.e. for the first two. */
#define PWSTRENGTH_VERY_WEAK_BELOW	28.0
#define PWSTRENGTH_WEAK_BELOW		36.0
#define PWSTRENGTH_FAIR_BELOW		60.0
#define PWSTRENGTH_WARN_BELOW		PWSTRENGTH_WEAK_BELOW

/* Enough room for any warning pwstrength_warning writes. */
#define PWSTRENGTH_WARNING_MAX		256

/* zxcvbn's estimate for the NUL-terminated password pw, in bits, >= 0;
 * 0 for NULL or "".  zxcvbn's working copies of parts of pw (on its
 * stack) are not wiped by it; the caller's own copy is untouched. */
double	 pwstrength_bits(const char *pw);

/* The static verdict string for bits (thresholds above). */
const char *pwstrength_verdict(double bits);

/* Writes into out a one-line warning (no trailing newline) when bits is
 * below PWSTRENGTH_WARN_BELOW, e.g.
 *   warning: this password is weak (about 2^31 guesses); anyone who can
 *   reach you can try guesses online, one per connection, slowed down
 *   after each failure
 * (one line).  Returns 1 when a warning was written, 0 when none is due
 * (out is ""), ERR_INVALID_ARG when out is too small (out is "" if
 * outlen > 0); PWSTRENGTH_WARNING_MAX bytes always suffice. */
int	 pwstrength_warning(char *out, size_t outlen, double bits);

#endif
