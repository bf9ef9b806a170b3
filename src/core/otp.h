/*
 * otp.h: HOTP (RFC 4226) and TOTP (RFC 6238) one-time codes, a thin
 * wrapper on liboath, and the room code built on them.
 *
 * Not thread-safe: liboath is initialised lazily on first use, behind a
 * plain static flag (like the rest of sotto, one thread calls in).
 */
#ifndef SOTTO_OTP_H
#define SOTTO_OTP_H

#include <stddef.h>
#include <stdint.h>

#define OTP_DIGITS_MIN		6
#define OTP_DIGITS_MAX		8
#define OTP_ROOM_KEY_BYTES	20	/* a room's one-time-code key (HMAC-SHA-1, RFC 4226 R6: 160 bits) */
#define OTP_ROOM_DIGITS		6
#define OTP_ROOM_STEP		30	/* seconds */

enum otp_hash { OTP_SHA1, OTP_SHA256, OTP_SHA512 };

/*
 * RFC 4226 HOTP (HMAC-SHA-1, dynamic truncation) of counter: digits
 * (6..8) decimal digits and a NUL into out.  0, ERR_INVALID_ARG (digits
 * out of range, key NULL or keylen 0, out NULL), ERR_CRYPTO (liboath
 * failed).  On failure out is "" (unless NULL).
 */
int	 otp_hotp(const uint8_t *key, size_t keylen, uint64_t counter,
	    unsigned digits, char out[OTP_DIGITS_MAX + 1]);

/*
 * RFC 6238 TOTP at unix_time with T0 = 0 and the given step (> 0): the
 * HOTP, with HMAC over hash, of floor(unix_time / step).  Same returns
 * as otp_hotp; also ERR_INVALID_ARG for step 0, an unknown hash or a
 * unix_time past the range of time_t.
 */
int	 otp_totp(const uint8_t *key, size_t keylen, enum otp_hash hash,
	    uint64_t unix_time, unsigned step, unsigned digits,
	    char out[OTP_DIGITS_MAX + 1]);

/*
 * The room code for time window w = otp_window(unix_time): the 6-digit
 * TOTP (SHA-1, step OTP_ROOM_STEP) of key, that is the HOTP of w.
 * Same returns as otp_hotp.
 */
int	 otp_room_code(const uint8_t key[OTP_ROOM_KEY_BYTES], uint64_t window,
	    char out[OTP_DIGITS_MAX + 1]);

/* floor(unix_time / OTP_ROOM_STEP). */
uint64_t otp_window(uint64_t unix_time);

#endif
