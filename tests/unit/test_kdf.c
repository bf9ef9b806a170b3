/*
 * test_kdf.c: HKDF-SHA-512 (src/core/kdf.c) against values computed
 * independently with Python's standard library, plus the length limit,
 * prefix consistency, and single-bit mutations.
 *
 * RFC 5869 gives vectors for SHA-256 only.  The vectors below take the
 * inputs of its test cases 1, 2 and 3 (A.1-A.3) but use SHA-512, and were
 * produced with /usr/bin/python3 (hmac, hashlib) by this one-liner, with
 * salt, ikm, info and L set per case:
 *
 *   python3 -c 'import hmac,hashlib;H=lambda k,m:hmac.new(k,m,
 *   hashlib.sha512).digest();salt,ikm,info,L=bytes(range(13)),
 *   b"\x0b"*22,bytes(range(0xf0,0xfa)),42;p=H(salt or bytes(64),ikm);
 *   T=[b""];[T.append(H(p,T[-1]+info+bytes([i]))) for i in range(1,
 *   -(-L//64)+1)];print(p.hex(),b"".join(T)[:L].hex())'
 *
 * (one line; wrapped here).  test_multi_block and test_max_length use
 * the case 1 salt and IKM with info=b"sotto" and L=200 and L=255*64; the
 * maximum-length OKM is too long to embed, so for it the test checks
 * hashlib.sha512(OKM).hexdigest() and OKM[-64:].hex().
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "err.h"
#include "kdf.h"

#define MAX_HEX		1024

static void
from_hex(const char *hex, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(hex);

	assert_int_equal(sodium_hex2bin(out, cap, hex, len, NULL, n, NULL), 0);
	assert_int_equal(*n * 2, len);
}

static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char got[2 * MAX_HEX + 1];

	assert_true(n <= MAX_HEX);
	sodium_bin2hex(got, sizeof(got), p, n);
	assert_string_equal(got, want);
}

static void
fill_range(uint8_t *p, uint8_t from, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(from + i);
}

/* RFC 5869 A.1 inputs: salt 00..0c, IKM 22 x 0b, info f0..f9, L 42. */
static void
test_case1(void **state)
{
	uint8_t salt[13], ikm[22], info[10], prk[KDF_PRK_BYTES], okm[42];

	(void)state;
	fill_range(salt, 0x00, sizeof(salt));
	memset(ikm, 0x0b, sizeof(ikm));
	fill_range(info, 0xf0, sizeof(info));
	kdf_extract(prk, salt, sizeof(salt), ikm, sizeof(ikm));
	assert_hex(prk, sizeof(prk),
	    "665799823737ded04a88e47e54a5890bb2c3d247c7a4254a8e61350723590a26"
	    "c36238127d8661b88cf80ef802d57e2f7cebcf1e00e083848be19929c61b4237");
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk, info, sizeof(info)),
	    0);
	assert_hex(okm, sizeof(okm),
	    "832390086cda71fb47625bb5ceb168e4c8e26a1a16ed34d9fc7fe92c14815793"
	    "38da362cb8d9f925d7cb");
}

/* RFC 5869 A.2 inputs: salt 60..af, IKM 00..4f, info b0..ff, L 82 (two
 * SHA-512 blocks, the second partial). */
static void
test_case2(void **state)
{
	uint8_t salt[80], ikm[80], info[80], prk[KDF_PRK_BYTES], okm[82];

	(void)state;
	fill_range(salt, 0x60, sizeof(salt));
	fill_range(ikm, 0x00, sizeof(ikm));
	fill_range(info, 0xb0, sizeof(info));
	kdf_extract(prk, salt, sizeof(salt), ikm, sizeof(ikm));
	assert_hex(prk, sizeof(prk),
	    "35672542907d4e142c00e84499e74e1de08be86535f924e022804ad775dde27e"
	    "c86cd1e5b7d178c74489bdbeb30712beb82d4f97416c5a94ea81ebdf3e629e4a");
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk, info, sizeof(info)),
	    0);
	assert_hex(okm, sizeof(okm),
	    "ce6c97192805b346e6161e821ed165673b84f400a2b514b2fe23d84cd189ddf1"
	    "b695b48cbd1c8388441137b3ce28f16aa64ba33ba466b24df6cfcb021ecff235"
	    "f6a2056ce3af1de44d572097a8505d9e7a93");
}

/* RFC 5869 A.3 inputs: no salt (HashLen zero bytes), IKM 22 x 0b, no
 * info, L 42. */
static void
test_case3(void **state)
{
	static const char want_prk[] =
	    "fd200c4987ac491313bd4a2a13287121247239e11c9ef82802044b66ef357e5b"
	    "194498d0682611382348572a7b1611de54764094286320578a863f36562b0df6";
	uint8_t ikm[22], zeros[KDF_PRK_BYTES] = { 0 };
	uint8_t prk[KDF_PRK_BYTES], okm[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	kdf_extract(prk, NULL, 0, ikm, sizeof(ikm));
	assert_hex(prk, sizeof(prk), want_prk);
	/* An explicit salt of 64 zero bytes is the same thing. */
	kdf_extract(prk, zeros, sizeof(zeros), ikm, sizeof(ikm));
	assert_hex(prk, sizeof(prk), want_prk);
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk, NULL, 0), 0);
	assert_hex(okm, sizeof(okm),
	    "f5fa02b18298a72a8c23898a8703472c6eb179dc204c03425c970e3b164bf90f"
	    "ff22d04836d0e2343bac");
}

/* The A.1 PRK, info b"sotto", L 200 (four blocks, the last partial). */
static void
test_multi_block(void **state)
{
	uint8_t prk[KDF_PRK_BYTES], okm[200];
	size_t n;

	(void)state;
	from_hex("665799823737ded04a88e47e54a5890bb2c3d247c7a4254a8e613507235"
	    "90a26c36238127d8661b88cf80ef802d57e2f7cebcf1e00e083848be19929c61b"
	    "4237", prk, sizeof(prk), &n);
	assert_int_equal(n, KDF_PRK_BYTES);
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk,
	    (const uint8_t *)"sotto", 5), 0);
	assert_hex(okm, sizeof(okm),
	    "458dae284317395bf419784b043fef72b6b49e9243743a5f987a4e7af8157243"
	    "caac9ae5105984c22637ee3465e3e9aac51965dac33bd01dea5be1b015fc9a72"
	    "4a7d1575110bb0c68ca9b696dc8d611a5f921ee7de5c9f0fc80e94f846d330dd"
	    "439b24d0a204df7a14b6b24674d66e4fb9da8573d057290d02a900c422d87b66"
	    "4949dd5b735e97bad395fb916e7f389e0a7ac84637868f2e15bd690db7401d66"
	    "98bae7576541ffe4dbaed5adfb856a9a5e35e94d97a355ee1cbf6c2811cc1c09"
	    "bce37a1448ce9f3a");
}

/* Same inputs, L = 255 * 64: the counter reaches 255 and stops. */
static void
test_max_length(void **state)
{
	static uint8_t okm[KDF_MAX_OUT];
	uint8_t salt[13], ikm[22], prk[KDF_PRK_BYTES];
	uint8_t h[crypto_hash_sha512_BYTES];

	(void)state;
	fill_range(salt, 0x00, sizeof(salt));
	memset(ikm, 0x0b, sizeof(ikm));
	kdf_extract(prk, salt, sizeof(salt), ikm, sizeof(ikm));
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk,
	    (const uint8_t *)"sotto", 5), 0);
	crypto_hash_sha512(h, okm, sizeof(okm));
	assert_hex(h, sizeof(h),
	    "629fbf1abce2757fbe2c4d76bdd9846958a226e54126ecf28dc4a3fc5e5caf1e"
	    "7ab7f73d0efb5089ff1fdb93dcf9b2f7ae81f1cb749011a7f64731719f1e97d2");
	assert_hex(okm + sizeof(okm) - 64, 64,
	    "0a82aebf719e13913b50a575f71799397c4c10a32e89288cd92cefb0aa616cff"
	    "bcae3c9933b794bc1f2863e9e057c7239c49ee899dd6509191b08d0156f33246");
}

/* More than 255 blocks is refused, with the output left untouched. */
static void
test_too_long(void **state)
{
	static uint8_t okm[KDF_MAX_OUT + 1];
	uint8_t prk[KDF_PRK_BYTES];
	size_t i;

	(void)state;
	memset(prk, 0x42, sizeof(prk));
	memset(okm, 0xa5, sizeof(okm));
	assert_int_equal(KDF_MAX_OUT, 255 * 64);
	assert_int_equal(kdf_expand(okm, sizeof(okm), prk, NULL, 0),
	    ERR_INVALID_ARG);
	for (i = 0; i < sizeof(okm); i++)
		assert_int_equal(okm[i], 0xa5);
	assert_int_equal(kdf_expand(okm, SIZE_MAX, prk, NULL, 0),
	    ERR_INVALID_ARG);
	assert_int_equal(okm[0], 0xa5);
	/* Zero bytes is fine and writes nothing. */
	assert_int_equal(kdf_expand(okm, 0, prk, NULL, 0), 0);
	assert_int_equal(okm[0], 0xa5);
}

/* Every shorter output is a prefix of a longer one, across the block
 * boundary. */
static void
test_prefix(void **state)
{
	uint8_t prk[KDF_PRK_BYTES], full[150], part[150];
	size_t len;

	(void)state;
	memset(prk, 0x17, sizeof(prk));
	assert_int_equal(kdf_expand(full, sizeof(full), prk,
	    (const uint8_t *)"info", 4), 0);
	for (len = 1; len <= sizeof(full); len++) {
		memset(part, 0, sizeof(part));
		assert_int_equal(kdf_expand(part, len, prk,
		    (const uint8_t *)"info", 4), 0);
		assert_memory_equal(part, full, len);
		if (len < sizeof(part))
			assert_int_equal(part[len], 0);
	}
}

/* Any single-bit change of PRK, info, salt or IKM changes the output. */
static void
test_mutations(void **state)
{
	uint8_t prk[KDF_PRK_BYTES], prk2[KDF_PRK_BYTES], info[16], ikm[22];
	uint8_t salt[13], good[80], out[80];
	size_t bit;

	(void)state;
	fill_range(prk, 0x01, sizeof(prk));
	fill_range(info, 0x80, sizeof(info));
	assert_int_equal(kdf_expand(good, sizeof(good), prk, info,
	    sizeof(info)), 0);
	for (bit = 0; bit < 8 * sizeof(prk); bit++) {
		prk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(kdf_expand(out, sizeof(out), prk, info,
		    sizeof(info)), 0);
		assert_memory_not_equal(out, good, sizeof(out));
		prk[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(info); bit++) {
		info[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(kdf_expand(out, sizeof(out), prk, info,
		    sizeof(info)), 0);
		assert_memory_not_equal(out, good, sizeof(out));
		info[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}

	fill_range(salt, 0x00, sizeof(salt));
	memset(ikm, 0x0b, sizeof(ikm));
	kdf_extract(prk, salt, sizeof(salt), ikm, sizeof(ikm));
	for (bit = 0; bit < 8 * sizeof(salt); bit++) {
		salt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		kdf_extract(prk2, salt, sizeof(salt), ikm, sizeof(ikm));
		assert_memory_not_equal(prk2, prk, sizeof(prk));
		salt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(ikm); bit++) {
		ikm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		kdf_extract(prk2, salt, sizeof(salt), ikm, sizeof(ikm));
		assert_memory_not_equal(prk2, prk, sizeof(prk));
		ikm[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case1),
		cmocka_unit_test(test_case2),
		cmocka_unit_test(test_case3),
		cmocka_unit_test(test_multi_block),
		cmocka_unit_test(test_max_length),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_mutations),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
