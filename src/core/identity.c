/*
 * identity.c: long-term Ed25519 identity keys, their key-file encoding,
 * safety numbers and short key tags (see identity.h).
 *
 * Exact constructions (docs/PROTOCOL.md is written from these):
 *
 * Key file (IDENTITY_FILE_LEN = 50 bytes, nothing before or after):
 *	"sotto-identity-v1\n"	18 bytes of ASCII, no NUL
 *	seed			32 bytes, the Ed25519 seed (RFC 8032 secret
 *				key); the key pair is crypto_sign_seed_keypair
 *				of it
 *	A shorter input is ERR_TRUNCATED, a longer one ERR_TRAILING, a
 *	different first 18 bytes ERR_FORMAT.  Every seed is valid.
 *
 * Signatures: plain Ed25519 (crypto_sign_detached) over the message.
 *
 * Safety number of public keys a and b (32 bytes each):
 *	(lo, hi) = a and b sorted by memcmp; equal keys are allowed
 *	D_0 = BLAKE2b-512("sotto safety number v1" || lo || hi)
 *	D_i = BLAKE2b-512(D_{i-1} || lo || hi)	for i = 1 .. 1024
 *	The label is its 22 ASCII bytes without a NUL; BLAKE2b is unkeyed
 *	with a 64-byte output (crypto_generichash, key NULL).  From D_1024,
 *	group g (g = 0 .. 5) is the big-endian 40-bit integer in bytes
 *	5g .. 5g+4, mod 100000, printed as 5 decimal digits with leading
 *	zeros; the six groups are joined by single spaces (35 characters).
 *	The 1024 extra rounds cost an honest user nothing noticeable but
 *	multiply the work of grinding keys towards a chosen number.
 *
 * Key tag of public key pk:
 *	T = BLAKE2b-256("sotto key tag v1" || pk)	(16-byte label, no NUL)
 *	tag = T[0..3] as 8 lowercase hex digits.
 *	A tag is for telling keys apart at a glance, never for verifying.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "identity.h"

#define MAGIC_LEN		(sizeof(IDENTITY_FILE_MAGIC) - 1)
#define SAFETY_LABEL		"sotto safety number v1"
#define SAFETY_ROUNDS		1024
#define TAG_LABEL		"sotto key tag v1"

/* The header's sizes are libsodium's; catch a library that disagrees. */
_Static_assert(IDENTITY_PK_BYTES == crypto_sign_PUBLICKEYBYTES, "pk size");
_Static_assert(IDENTITY_SK_BYTES == crypto_sign_SECRETKEYBYTES, "sk size");
_Static_assert(IDENTITY_SIG_BYTES == crypto_sign_BYTES, "sig size");
_Static_assert(IDENTITY_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");
_Static_assert(SAFETY_NUMBER_GROUPS * 5 <= crypto_generichash_BYTES_MAX,
    "safety number needs more digest than BLAKE2b gives");
_Static_assert(IDENTITY_TAG_LEN % 2 == 0, "tag is whole bytes");

int
identity_from_seed(struct identity **idp,
    const uint8_t seed[IDENTITY_SEED_BYTES])
{
	struct identity *id = NULL;
	int r = ERR_INTERNAL;

	*idp = NULL;
	/* sodium_malloc aborts if libsodium was never initialised; a second
	 * sodium_init is cheap and harmless. */
	if (sodium_init() < 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	if ((id = calloc(1, sizeof(*id))) == NULL ||
	    (id->sk = sodium_malloc(IDENTITY_SK_BYTES)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if (crypto_sign_seed_keypair(id->pk, id->sk, seed) != 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	/* Best effort: a stray write to the key should fault, but an
	 * identity without the protection still works. */
	(void)sodium_mprotect_readonly(id->sk);
	*idp = id;
	id = NULL;
	r = 0;
out:
	identity_free(id);
	return r;
}

int
identity_generate(struct identity **idp)
{
	uint8_t seed[IDENTITY_SEED_BYTES];
	int r;

	*idp = NULL;
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	randombytes_buf(seed, sizeof(seed));
	r = identity_from_seed(idp, seed);
	sodium_memzero(seed, sizeof(seed));
	return r;
}

void
identity_free(struct identity *id)
{
	if (id == NULL)
		return;
	/* sodium_free makes the pages writable again and wipes them. */
	sodium_free(id->sk);
	sodium_memzero(id, sizeof(*id));
	free(id);
}

int
identity_encode(const struct identity *id, struct buf *out)
{
	uint8_t *p;
	int r;

	/* Reserve the whole record so a failure appends nothing. */
	if ((r = buf_reserve(out, IDENTITY_FILE_LEN, &p)) != 0)
		return r;
	memcpy(p, IDENTITY_FILE_MAGIC, MAGIC_LEN);
	crypto_sign_ed25519_sk_to_seed(p + MAGIC_LEN, id->sk);
	return 0;
}

int
identity_decode(struct identity **idp, const uint8_t *p, size_t len)
{
	struct buf b;
	uint8_t magic[MAGIC_LEN];
	uint8_t seed[IDENTITY_SEED_BYTES];
	int r = ERR_INTERNAL;

	*idp = NULL;
	buf_view(&b, p, len);
	if ((r = buf_get_fixed(&b, magic, sizeof(magic))) != 0)
		goto out;
	if (memcmp(magic, IDENTITY_FILE_MAGIC, MAGIC_LEN) != 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((r = buf_get_fixed(&b, seed, sizeof(seed))) != 0 ||
	    (r = buf_expect_end(&b)) != 0)
		goto out;
	r = identity_from_seed(idp, seed);
out:
	sodium_memzero(seed, sizeof(seed));
	return r;
}

void
identity_sign(const struct identity *id, uint8_t sig[IDENTITY_SIG_BYTES],
    const uint8_t *msg, size_t len)
{
	/* Cannot fail for a well-formed secret key. */
	(void)crypto_sign_detached(sig, NULL, msg, len, id->sk);
}

int
identity_verify(const uint8_t pk[IDENTITY_PK_BYTES],
    const uint8_t sig[IDENTITY_SIG_BYTES], const uint8_t *msg, size_t len)
{
	if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
		return ERR_SIGNATURE;
	return 0;
}

void
identity_digits(char out[SAFETY_NUMBER_LEN + 1],
    const uint8_t d[SAFETY_NUMBER_GROUPS * 5])
{
	uint64_t v;
	char *o = out;
	int g, i;

	for (g = 0; g < SAFETY_NUMBER_GROUPS; g++) {
		v = 0;
		for (i = 0; i < 5; i++)
			v = (v << 8) | d[5 * g + i];
		v %= 100000;
		/* Five digits written from the right: no snprintf needed. */
		for (i = 4; i >= 0; i--) {
			o[i] = (char)('0' + v % 10);
			v /= 10;
		}
		o += 5;
		if (g + 1 < SAFETY_NUMBER_GROUPS)
			*o++ = ' ';
	}
	*o = '\0';
}

void
identity_safety_number(char out[SAFETY_NUMBER_LEN + 1],
    const uint8_t a[IDENTITY_PK_BYTES], const uint8_t b[IDENTITY_PK_BYTES])
{
	crypto_generichash_state st;
	uint8_t d[crypto_generichash_BYTES_MAX];
	const uint8_t *lo = a, *hi = b;
	int i;

	/* Sorting makes both ends compute the same number. */
	if (memcmp(a, b, IDENTITY_PK_BYTES) > 0) {
		lo = b;
		hi = a;
	}
	crypto_generichash_init(&st, NULL, 0, sizeof(d));
	crypto_generichash_update(&st, (const uint8_t *)SAFETY_LABEL,
	    sizeof(SAFETY_LABEL) - 1);
	crypto_generichash_update(&st, lo, IDENTITY_PK_BYTES);
	crypto_generichash_update(&st, hi, IDENTITY_PK_BYTES);
	crypto_generichash_final(&st, d, sizeof(d));
	for (i = 0; i < SAFETY_ROUNDS; i++) {
		crypto_generichash_init(&st, NULL, 0, sizeof(d));
		crypto_generichash_update(&st, d, sizeof(d));
		crypto_generichash_update(&st, lo, IDENTITY_PK_BYTES);
		crypto_generichash_update(&st, hi, IDENTITY_PK_BYTES);
		crypto_generichash_final(&st, d, sizeof(d));
	}
	identity_digits(out, d);
	sodium_memzero(d, sizeof(d));
}

static void
tag_digest(uint8_t d[32], const uint8_t pk[IDENTITY_PK_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)TAG_LABEL,
	    sizeof(TAG_LABEL) - 1);
	crypto_generichash_update(&st, pk, IDENTITY_PK_BYTES);
	crypto_generichash_final(&st, d, 32);
}

void
identity_tag(char out[IDENTITY_TAG_LEN + 1],
    const uint8_t pk[IDENTITY_PK_BYTES])
{
	uint8_t d[32];

	tag_digest(d, pk);
	/* sodium_bin2hex writes lowercase and the NUL. */
	sodium_bin2hex(out, IDENTITY_TAG_LEN + 1, d, IDENTITY_TAG_LEN / 2);
}

_Static_assert(IDENTITY_LONG_TAG_LEN == 3 * 4 + 2, "three groups of four");

void
identity_long_tag(char out[IDENTITY_LONG_TAG_LEN + 1],
    const uint8_t pk[IDENTITY_PK_BYTES])
{
	uint8_t d[32];
	size_t g;

	tag_digest(d, pk);
	for (g = 0; g < 3; g++) {
		sodium_bin2hex(out + 5 * g, 5, d + 2 * g, 2);
		out[5 * g + 4] = g < 2 ? '-' : '\0';
	}
}
