/*
 * test_otp.c: the one-time codes (src/core/otp.c) reproduce RFC 4226
 * Appendix D (hotp-rfc4226.json) and RFC 6238 Appendix B
 * (totp-rfc6238.json) in $SOTTO_VECTORS_DIR (default ../shared/vectors),
 * the room code is the TOTP it claims to be, and bad arguments are
 * refused.  A missing vectors file fails every test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "err.h"
#include "otp.h"
#include "vectors.h"

#define HOTP_FILE	"hotp-rfc4226.json"
#define TOTP_FILE	"totp-rfc6238.json"

static const char *hotp, *totp;	/* the two files, NUL-terminated */

static int
load_vectors(void **state)
{
	(void)state;
	hotp = vectors_load(HOTP_FILE);
	totp = vectors_load(TOTP_FILE);
	return hotp != NULL && totp != NULL ? 0 : -1;
}

/* RFC 4226 5.3: 31 bits from the offset in the low nibble of the MAC. */
static uint32_t
dynamic_truncation(const struct hexval *mac)
{
	const uint8_t *p;

	assert_int_equal(mac->n, 20);
	p = mac->b + (mac->b[19] & 0x0f);
	return (uint32_t)(p[0] & 0x7f) << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
test_hotp_vectors(void **state)
{
	static const uint32_t mod[] = { 1000000, 10000000, 100000000 };
	struct hexval key, mac;
	char obj[1024], want[16], hex[16], got[OTP_DIGITS_MAX + 1];
	const char *p;
	uint64_t count, dec;
	unsigned digits, n = 0;

	(void)state;
	vec(hotp, NULL, "secret_hex", &key);
	assert_int_equal(key.n, 20);
	p = vec_value(hotp, NULL, "vectors");
	while ((p = vec_object(p, obj, sizeof(obj))) != NULL) {
		count = vec_uint(obj, NULL, "count");
		dec = vec_uint(obj, NULL, "truncated_dec");
		vec(obj, NULL, "hmac_sha1", &mac);
		vec_str(obj, NULL, "truncated_hex", hex, sizeof(hex));
		vec_str(obj, NULL, "hotp", want, sizeof(want));
		assert_int_equal(count, n);

		/* The file agrees with itself. */
		assert_int_equal(strtoull(hex, NULL, 16), dec);
		assert_int_equal(dynamic_truncation(&mac), dec);
		snprintf(got, sizeof(got), "%06u", (unsigned)(dec % 1000000));
		assert_string_equal(got, want);

		assert_int_equal(otp_hotp(key.b, key.n, count, 6, got), 0);
		assert_string_equal(got, want);
		/* 7 and 8 digits: the same number, mod a larger power. */
		for (digits = 7; digits <= OTP_DIGITS_MAX; digits++) {
			snprintf(want, sizeof(want), "%0*u", (int)digits,
			    (unsigned)(dec % mod[digits - 6]));
			assert_int_equal(otp_hotp(key.b, key.n, count, digits,
			    got), 0);
			assert_string_equal(got, want);
		}
		n++;
	}
	assert_int_equal(n, 10);
}

static enum otp_hash
hash_of(const char *mode)
{
	if (strcmp(mode, "SHA1") == 0)
		return OTP_SHA1;
	if (strcmp(mode, "SHA256") == 0)
		return OTP_SHA256;
	if (strcmp(mode, "SHA512") == 0)
		return OTP_SHA512;
	fail_msg("vectors: unknown mode \"%s\"", mode);
	return OTP_SHA1;
}

static void
test_totp_vectors(void **state)
{
	static const size_t keylen[] = { 20, 32, 64 };
	struct hexval key, sha1key;
	char obj[1024], mode[16], want[16], t_hex[32];
	char got[OTP_DIGITS_MAX + 1];
	const char *p;
	uint64_t t, step, digits;
	unsigned n = 0, per_hash[3] = { 0 };
	enum otp_hash h;

	(void)state;
	assert_int_equal(vec_uint(totp, "parameters", "T0"), 0);
	step = vec_uint(totp, "parameters", "X_time_step_seconds");
	digits = vec_uint(totp, "parameters", "digits");
	assert_int_equal(step, 30);
	assert_int_equal(digits, 8);
	vec(totp, "secrets_hex", "SHA1", &sha1key);
	p = vec_value(totp, NULL, "vectors");
	while ((p = vec_object(p, obj, sizeof(obj))) != NULL) {
		t = vec_uint(obj, NULL, "time");
		vec_str(obj, NULL, "mode", mode, sizeof(mode));
		vec_str(obj, NULL, "totp", want, sizeof(want));
		vec_str(obj, NULL, "T_hex", t_hex, sizeof(t_hex));
		assert_int_equal(strtoull(t_hex, NULL, 16), t / step);
		h = hash_of(mode);
		vec(totp, "secrets_hex", mode, &key);
		assert_int_equal(key.n, keylen[h]);

		memset(got, 'x', sizeof(got));
		assert_int_equal(otp_totp(key.b, key.n, h, t, (unsigned)step,
		    (unsigned)digits, got), 0);
		if (strcmp(got, want) != 0)
			fail_msg("TOTP %s at %llu: %s, want %s", mode,
			    (unsigned long long)t, got, want);
		/* As the file's note says: the 20-byte key gives others. */
		if (h != OTP_SHA1) {
			assert_int_equal(otp_totp(sha1key.b, sha1key.n, h, t,
			    (unsigned)step, (unsigned)digits, got), 0);
			assert_string_not_equal(got, want);
		}
		per_hash[h]++;
		n++;
	}
	assert_int_equal(n, 18);
	assert_int_equal(per_hash[OTP_SHA1], 6);
	assert_int_equal(per_hash[OTP_SHA256], 6);
	assert_int_equal(per_hash[OTP_SHA512], 6);
}

/* Fills out with non-NUL bytes and returns it, for refused(). */
static char *
fill(char out[OTP_DIGITS_MAX + 1])
{
	memset(out, 'x', OTP_DIGITS_MAX + 1);
	return out;
}

/* A refused call returns ERR_INVALID_ARG and leaves "" in out. */
static void
refused(int r, const char *out)
{
	assert_int_equal(r, ERR_INVALID_ARG);
	assert_string_equal(out, "");
}

static void
test_errors(void **state)
{
	static const uint8_t key[OTP_ROOM_KEY_BYTES] = { 1 };
	char o[OTP_DIGITS_MAX + 1];

	(void)state;
	refused(otp_hotp(key, sizeof(key), 0, 5, fill(o)), o);
	refused(otp_hotp(key, sizeof(key), 0, 9, fill(o)), o);
	refused(otp_hotp(key, 0, 0, 6, fill(o)), o);
	refused(otp_hotp(NULL, sizeof(key), 0, 6, fill(o)), o);
	refused(otp_totp(key, sizeof(key), OTP_SHA1, 59, 30, 5, fill(o)), o);
	refused(otp_totp(key, sizeof(key), OTP_SHA256, 59, 30, 9, fill(o)),
	    o);
	refused(otp_totp(key, 0, OTP_SHA512, 59, 30, 8, fill(o)), o);
	refused(otp_totp(NULL, sizeof(key), OTP_SHA1, 59, 30, 6, fill(o)), o);
	refused(otp_totp(key, sizeof(key), OTP_SHA1, 59, 0, 6, fill(o)), o);
	refused(otp_totp(key, sizeof(key), (enum otp_hash)3, 59, 30, 6,
	    fill(o)), o);
	/* Past the range of a signed 64-bit time_t. */
	refused(otp_totp(key, sizeof(key), OTP_SHA1, UINT64_MAX, 30, 6,
	    fill(o)), o);
	assert_int_equal(otp_hotp(key, sizeof(key), 0, 6, NULL),
	    ERR_INVALID_ARG);
	assert_int_equal(otp_room_code(key, 0, NULL), ERR_INVALID_ARG);
	/* Bounds themselves are accepted. */
	assert_int_equal(otp_hotp(key, 1, UINT64_MAX, OTP_DIGITS_MIN, o), 0);
	assert_int_equal(strlen(o), OTP_DIGITS_MIN);
	assert_int_equal(otp_totp(key, sizeof(key), OTP_SHA1, INT64_MAX, 1,
	    OTP_DIGITS_MAX, o), 0);
	assert_int_equal(strlen(o), OTP_DIGITS_MAX);
}

static void
test_room_code(void **state)
{
	static const uint64_t windows[] = { 0, 1, 2, 37037036, 37037037,
	    41152263, 66666666, 666666666, (uint64_t)INT64_MAX / 30 };
	uint8_t key[OTP_ROOM_KEY_BYTES], seed[randombytes_SEEDBYTES] = { 0 };
	char a[OTP_DIGITS_MAX + 1], b[OTP_DIGITS_MAX + 1];
	struct hexval rfc;
	size_t i, k;

	(void)state;
	for (k = 0; k < 8; k++) {
		seed[0] = (uint8_t)k;
		randombytes_buf_deterministic(key, sizeof(key), seed);
		for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
			assert_int_equal(otp_room_code(key, windows[i], a), 0);
			assert_int_equal(otp_totp(key, sizeof(key), OTP_SHA1,
			    windows[i] * OTP_ROOM_STEP, OTP_ROOM_STEP,
			    OTP_ROOM_DIGITS, b), 0);
			assert_string_equal(a, b);
			assert_int_equal(strlen(a), OTP_ROOM_DIGITS);
		}
	}
	/* RFC 6238 at 59 s ("94287082") is RFC 4226 count 1 ("287082"). */
	vec(hotp, NULL, "secret_hex", &rfc);
	assert_int_equal(rfc.n, OTP_ROOM_KEY_BYTES);
	assert_int_equal(otp_room_code(rfc.b, otp_window(59), a), 0);
	assert_string_equal(a, "287082");
}

static void
test_window(void **state)
{
	(void)state;
	assert_int_equal(otp_window(0), 0);
	assert_int_equal(otp_window(29), 0);
	assert_int_equal(otp_window(30), 1);
	assert_int_equal(otp_window(59), 1);
	assert_int_equal(otp_window(60), 2);
	assert_int_equal(otp_window(1111111109), 37037036);
	assert_int_equal(otp_window(UINT64_MAX), UINT64_MAX / 30);
}

/* Every single-bit change of the RFC key changes the 8-digit code. */
static void
test_key_mutations(void **state)
{
	struct hexval key;
	char want[OTP_DIGITS_MAX + 1], got[OTP_DIGITS_MAX + 1];
	size_t bit;

	(void)state;
	vec(hotp, NULL, "secret_hex", &key);
	assert_int_equal(otp_hotp(key.b, key.n, 0, 8, want), 0);
	for (bit = 0; bit < 8 * key.n; bit++) {
		key.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(otp_hotp(key.b, key.n, 0, 8, got), 0);
		assert_string_not_equal(got, want);
		key.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hotp_vectors),
		cmocka_unit_test(test_totp_vectors),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_room_code),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_key_mutations),
	};

	return cmocka_run_group_tests(tests, load_vectors, vectors_free);
}
