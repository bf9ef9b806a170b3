/* resume.c: the key schedule of session resumption (see resume.h). */
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "kdf.h"
#include "resume.h"

static const char LABEL_SID[] = "sotto/1 session id";
static const char LABEL_SECRET[] = "sotto/1 resume secret";
static const char LABEL_SALT[] = "sotto/1 resume";
static const char LABEL_HELLO[] = "sotto/1 resume hello";
static const char LABEL_CONFIRM_C[] = "sotto/1 resume confirm client";
static const char LABEL_CONFIRM_S[] = "sotto/1 resume confirm server";
static const char LABEL_C2S[] = "sotto/1 resume client to server";
static const char LABEL_S2C[] = "sotto/1 resume server to client";
static const char LABEL_NEXT[] = "sotto/1 resume next";

void
resume_from_prk(const uint8_t prk[RESUME_PRK_BYTES],
    uint8_t sid[RESUME_SID_BYTES], uint8_t secret[RESUME_KEY_BYTES])
{
	/* Sizes are far below KDF_MAX_OUT: kdf_expand cannot fail here. */
	(void)kdf_expand(sid, RESUME_SID_BYTES, prk,
	    (const uint8_t *)LABEL_SID, sizeof(LABEL_SID) - 1);
	(void)kdf_expand(secret, RESUME_KEY_BYTES, prk,
	    (const uint8_t *)LABEL_SECRET, sizeof(LABEL_SECRET) - 1);
}

void
resume_hello_tag(const uint8_t secret[RESUME_KEY_BYTES],
    const uint8_t *frame, size_t len, uint8_t tag[RESUME_TAG_BYTES])
{
	uint8_t prk[KDF_PRK_BYTES], k[RESUME_KEY_BYTES];
	uint8_t h[crypto_hash_sha512_BYTES];

	kdf_extract(prk, (const uint8_t *)LABEL_SALT, sizeof(LABEL_SALT) - 1,
	    secret, RESUME_KEY_BYTES);
	(void)kdf_expand(k, sizeof(k), prk, (const uint8_t *)LABEL_HELLO,
	    sizeof(LABEL_HELLO) - 1);
	crypto_hash_sha512(h, frame, len);
	crypto_auth_hmacsha512256(tag, h, sizeof(h), k);
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(k, sizeof(k));
}

/* out = HKDF-Expand(prk, label || h, 32). */
static void
expand(uint8_t out[RESUME_KEY_BYTES], const uint8_t prk[KDF_PRK_BYTES],
    const char *label, const uint8_t h[crypto_hash_sha512_BYTES])
{
	uint8_t info[64 + crypto_hash_sha512_BYTES];
	size_t n = strlen(label);

	memcpy(info, label, n);
	memcpy(info + n, h, crypto_hash_sha512_BYTES);
	(void)kdf_expand(out, RESUME_KEY_BYTES, prk, info,
	    n + crypto_hash_sha512_BYTES);
}

int
resume_derive(struct resume_keys *k, const uint8_t secret[RESUME_KEY_BYTES],
    const uint8_t scalar[RESUME_X25519_BYTES],
    const uint8_t peer_share[RESUME_X25519_BYTES],
    const uint8_t *hello, size_t hello_len,
    const uint8_t nonce_s[RESUME_NONCE_BYTES],
    const uint8_t xs[RESUME_X25519_BYTES])
{
	uint8_t dh[crypto_scalarmult_curve25519_BYTES];
	uint8_t prk[KDF_PRK_BYTES], h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_state st;
	int r = ERR_AUTH;

	memset(k, 0, sizeof(*k));
	/* libsodium refuses a share that gives the all-zero output (a
	 * low-order point): only interference produces one. */
	if (crypto_scalarmult_curve25519(dh, scalar, peer_share) != 0)
		goto out;
	kdf_extract(prk, secret, RESUME_KEY_BYTES, dh, sizeof(dh));
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, hello, hello_len);
	crypto_hash_sha512_update(&st, nonce_s, RESUME_NONCE_BYTES);
	crypto_hash_sha512_update(&st, xs, RESUME_X25519_BYTES);
	crypto_hash_sha512_final(&st, h);
	expand(k->confirm_c, prk, LABEL_CONFIRM_C, h);
	expand(k->confirm_s, prk, LABEL_CONFIRM_S, h);
	expand(k->c2s, prk, LABEL_C2S, h);
	expand(k->s2c, prk, LABEL_S2C, h);
	expand(k->next, prk, LABEL_NEXT, h);
	r = 0;
 out:
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(prk, sizeof(prk));
	return r;
}

void
resume_keys_wipe(struct resume_keys *k)
{
	sodium_memzero(k, sizeof(*k));
}
