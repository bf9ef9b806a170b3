/*
 * test_xchacha.c: libsodium's XChaCha20-Poly1305, HChaCha20 and XChaCha20
 * reproduce draft-irtf-cfrg-xchacha-03 (xchacha20poly1305.json in
 * $SOTTO_VECTORS_DIR, default ../shared/vectors) byte for byte, and every
 * single-bit change of a sealed vector is refused.  A missing vectors file
 * fails every test.
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

#include "vectors.h"

#define VECTORS_FILE	"xchacha20poly1305.json"
#define AEAD		"aead_xchacha20poly1305"
#define TAG_BYTES	crypto_aead_xchacha20poly1305_ietf_ABYTES

static const char *vectors;	/* the whole JSON file, NUL-terminated */

static int
load_vectors(void **state)
{
	(void)state;
	return (vectors = vectors_load(VECTORS_FILE)) != NULL ? 0 : -1;
}

/* The draft's AEAD example (A.3.1), with ciphertext || tag in c. */
struct aead {
	struct hexval	 pt, aad, key, nonce, ct, tag;
	uint8_t		 c[HEXVAL_MAX + TAG_BYTES];
	size_t		 clen;
};

static void
get_aead(struct aead *v)
{
	vec(vectors, AEAD, "plaintext", &v->pt);
	vec(vectors, AEAD, "aad", &v->aad);
	vec(vectors, AEAD, "key", &v->key);
	vec(vectors, AEAD, "iv_nonce_24", &v->nonce);
	vec(vectors, AEAD, "ciphertext", &v->ct);
	vec(vectors, AEAD, "tag", &v->tag);
	assert_int_equal(v->key.n, crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	assert_int_equal(v->nonce.n,
	    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	assert_int_equal(v->ct.n, v->pt.n);
	assert_int_equal(v->tag.n, TAG_BYTES);
	memcpy(v->c, v->ct.b, v->ct.n);
	memcpy(v->c + v->ct.n, v->tag.b, TAG_BYTES);
	v->clen = v->ct.n + TAG_BYTES;
}

static int
open_aead(uint8_t *m, const struct aead *v)
{
	unsigned long long mlen;

	return crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen, NULL,
	    v->c, v->clen, v->aad.b, v->aad.n, v->nonce.b, v->key.b);
}

static void
test_aead_vector(void **state)
{
	struct aead v;
	uint8_t c[HEXVAL_MAX + TAG_BYTES], m[HEXVAL_MAX];
	unsigned long long clen, mlen;

	(void)state;
	get_aead(&v);
	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_encrypt(c, &clen,
	    v.pt.b, v.pt.n, v.aad.b, v.aad.n, NULL, v.nonce.b, v.key.b), 0);
	assert_int_equal(clen, v.clen);
	assert_hex(c, v.ct.n, &v.ct);
	assert_hex(c + v.ct.n, TAG_BYTES, &v.tag);

	assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(m, &mlen,
	    NULL, v.c, v.clen, v.aad.b, v.aad.n, v.nonce.b, v.key.b), 0);
	assert_int_equal(mlen, v.pt.n);
	assert_hex(m, (size_t)mlen, &v.pt);
}

/*
 * The construction spelled out (draft 2.3): ChaCha20-Poly1305 (RFC 8439)
 * under the HChaCha20 subkey of the first 16 nonce bytes, with the fixed
 * 4 bytes and the last 8 nonce bytes as its nonce; the Poly1305 key is
 * the first 32 bytes of block 0.
 */
static void
test_aead_construction(void **state)
{
	struct aead v;
	struct hexval fixed, want;
	uint8_t subkey[crypto_core_hchacha20_OUTPUTBYTES];
	uint8_t n12[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];
	uint8_t polykey[32], c[HEXVAL_MAX + TAG_BYTES];
	unsigned long long clen;

	(void)state;
	get_aead(&v);
	vec(vectors, AEAD, "fixed_common_part_32bit", &fixed);
	vec(vectors, AEAD, "poly1305_key", &want);
	assert_int_equal(fixed.n + 8, sizeof(n12));
	assert_int_equal(crypto_core_hchacha20(subkey, v.nonce.b, v.key.b,
	    NULL), 0);
	memcpy(n12, fixed.b, fixed.n);
	memcpy(n12 + fixed.n, v.nonce.b + 16, 8);
	assert_int_equal(crypto_stream_chacha20_ietf(polykey, sizeof(polykey),
	    n12, subkey), 0);
	assert_hex(polykey, sizeof(polykey), &want);
	assert_int_equal(crypto_aead_chacha20poly1305_ietf_encrypt(c, &clen,
	    v.pt.b, v.pt.n, v.aad.b, v.aad.n, NULL, n12, subkey), 0);
	assert_int_equal(clen, v.clen);
	assert_memory_equal(c, v.c, v.clen);
}

/* Flips each bit of p[0..len), a part of v, in turn: all are refused. */
static void
flip_each_bit(uint8_t *p, size_t len, const struct aead *v, const char *what)
{
	uint8_t m[HEXVAL_MAX];
	size_t bit;

	for (bit = 0; bit < 8 * len; bit++) {
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (open_aead(m, v) != -1)
			fail_msg("%s: bit %zu flipped, still opens", what, bit);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(open_aead(m, v), 0);
}

static void
test_aead_mutations(void **state)
{
	struct aead v;

	(void)state;
	get_aead(&v);
	assert_int_equal(open_aead(v.pt.b, &v), 0);
	flip_each_bit(v.c, v.ct.n, &v, "ciphertext");
	flip_each_bit(v.c + v.ct.n, TAG_BYTES, &v, "tag");
	flip_each_bit(v.aad.b, v.aad.n, &v, "aad");
	flip_each_bit(v.nonce.b, v.nonce.n, &v, "nonce");
	flip_each_bit(v.key.b, v.key.n, &v, "key");
	/* Cut or extended inputs are refused too. */
	v.aad.n--;
	assert_int_equal(open_aead(v.pt.b, &v), -1);
	v.aad.n++;
	v.clen--;
	assert_int_equal(open_aead(v.pt.b, &v), -1);
}

static void
test_hchacha20(void **state)
{
	struct hexval key, nonce, want;
	uint8_t out[crypto_core_hchacha20_OUTPUTBYTES];

	(void)state;
	vec(vectors, "hchacha20", "key", &key);
	vec(vectors, "hchacha20", "nonce_16", &nonce);
	vec(vectors, "hchacha20", "subkey", &want);
	assert_int_equal(key.n, crypto_core_hchacha20_KEYBYTES);
	assert_int_equal(nonce.n, crypto_core_hchacha20_INPUTBYTES);
	assert_int_equal(crypto_core_hchacha20(out, nonce.b, key.b, NULL), 0);
	assert_hex(out, sizeof(out), &want);
}

/*
 * A.3.2.1 and A.3.2.2: the same key, nonce and plaintext from block
 * counter 0 and 1 (crypto_stream_xchacha20_xor_ic's ic).
 */
static void
check_stream(const char *section, uint64_t counter, struct hexval *ks)
{
	struct hexval key, iv, pt, ct;
	uint8_t out[HEXVAL_MAX], zero[HEXVAL_MAX] = { 0 };
	size_t i;

	assert_int_equal(vec_uint(vectors, section, "counter"), counter);
	vec(vectors, section, "key", &key);
	vec(vectors, section, "iv", &iv);
	vec(vectors, section, "plaintext", &pt);
	vec(vectors, section, "keystream", ks);
	vec(vectors, section, "ciphertext", &ct);
	assert_int_equal(key.n, crypto_stream_xchacha20_KEYBYTES);
	assert_int_equal(iv.n, crypto_stream_xchacha20_NONCEBYTES);
	assert_int_equal(ks->n, pt.n);
	assert_int_equal(ct.n, pt.n);

	assert_int_equal(crypto_stream_xchacha20_xor_ic(out, zero, ks->n,
	    iv.b, counter, key.b), 0);
	assert_hex(out, ks->n, ks);
	assert_int_equal(crypto_stream_xchacha20_xor_ic(out, pt.b, pt.n,
	    iv.b, counter, key.b), 0);
	assert_hex(out, pt.n, &ct);
	/* The file agrees with itself: ciphertext = plaintext ^ keystream. */
	for (i = 0; i < pt.n; i++)
		assert_int_equal(ct.b[i], pt.b[i] ^ ks->b[i]);
	/* Decryption is the same XOR. */
	assert_int_equal(crypto_stream_xchacha20_xor_ic(out, ct.b, ct.n,
	    iv.b, counter, key.b), 0);
	assert_memory_equal(out, pt.b, pt.n);
}

static void
test_stream(void **state)
{
	struct hexval ks0, ks1;
	size_t block = 64;

	(void)state;
	check_stream("xchacha20_stream_counter0", 0, &ks0);
	check_stream("xchacha20_stream_counter1", 1, &ks1);
	/* Counter 1 starts one 64-byte block further into the stream. */
	assert_true(ks0.n > block);
	assert_memory_equal(ks0.b + block, ks1.b, ks0.n - block);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_vector),
		cmocka_unit_test(test_aead_construction),
		cmocka_unit_test(test_aead_mutations),
		cmocka_unit_test(test_hchacha20),
		cmocka_unit_test(test_stream),
	};

	return cmocka_run_group_tests(tests, load_vectors, vectors_free);
}
