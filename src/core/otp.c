/* otp.c: HOTP and TOTP codes through liboath (see otp.h). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <oath.h>
#include <sodium.h>

#include "err.h"
#include "otp.h"

/* The largest time_t, which is signed on every platform sotto runs on. */
#define OTP_TIME_MAX	((((uint64_t)1) << (sizeof(time_t) * 8 - 1)) - 1)

static int otp_oath_ready;	/* oath_init() has succeeded */

/*
 * The one caller of liboath: the TOTP at time x if totp, else the HOTP
 * of counter x, into code.  liboath writes into a stack copy, so that
 * code ends up holding a whole code or "".
 */
static int
otp_generate(const uint8_t *key, size_t keylen, enum otp_hash hash, int totp,
    uint64_t x, unsigned step, unsigned digits, char *code)
{
	char tmp[OTP_DIGITS_MAX + 1] = "";
	int r = ERR_INTERNAL, rc, flags = 0;

	if (code != NULL)
		code[0] = '\0';
	if (code == NULL || key == NULL || keylen == 0 ||
	    digits < OTP_DIGITS_MIN || digits > OTP_DIGITS_MAX ||
	    (totp && (step == 0 || x > OTP_TIME_MAX))) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	switch (hash) {
	case OTP_SHA1:
		break;
	case OTP_SHA256:
		flags = OATH_TOTP_HMAC_SHA256;
		break;
	case OTP_SHA512:
		flags = OATH_TOTP_HMAC_SHA512;
		break;
	default:
		r = ERR_INVALID_ARG;
		goto out;
	}
	if (!otp_oath_ready) {
		if (oath_init() != OATH_OK) {
			r = ERR_CRYPTO;
			goto out;
		}
		otp_oath_ready = 1;
	}
	if (totp)
		rc = oath_totp_generate2((const char *)key, keylen, (time_t)x,
		    step, OATH_TOTP_DEFAULT_START_TIME, digits, flags, tmp);
	else
		rc = oath_hotp_generate((const char *)key, keylen, x, digits,
		    false, OATH_HOTP_DYNAMIC_TRUNCATION, tmp);
	if (rc != OATH_OK || strnlen(tmp, sizeof(tmp)) != digits) {
		r = ERR_CRYPTO;
		goto out;
	}
	memcpy(code, tmp, digits + 1);
	r = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return r;
}

int
otp_hotp(const uint8_t *key, size_t keylen, uint64_t counter, unsigned digits,
    char out[OTP_DIGITS_MAX + 1])
{
	return otp_generate(key, keylen, OTP_SHA1, 0, counter, 0, digits, out);
}

int
otp_totp(const uint8_t *key, size_t keylen, enum otp_hash hash,
    uint64_t unix_time, unsigned step, unsigned digits,
    char out[OTP_DIGITS_MAX + 1])
{
	return otp_generate(key, keylen, hash, 1, unix_time, step, digits, out);
}

int
otp_room_code(const uint8_t key[OTP_ROOM_KEY_BYTES], uint64_t window,
    char out[OTP_DIGITS_MAX + 1])
{
	/* TOTP with T0 = 0 is the HOTP of the window; no time to overflow. */
	return otp_hotp(key, OTP_ROOM_KEY_BYTES, window, OTP_ROOM_DIGITS, out);
}

uint64_t
otp_window(uint64_t unix_time)
{
	return unix_time / OTP_ROOM_STEP;
}
