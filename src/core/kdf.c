/* kdf.c: HKDF-SHA-512 on libsodium's HMAC-SHA-512 (see kdf.h). */
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "kdf.h"

void
kdf_extract(uint8_t prk[KDF_PRK_BYTES], const uint8_t *salt, size_t salt_len,
    const uint8_t *ikm, size_t ikm_len)
{
	crypto_auth_hmacsha512_state st;
	static const uint8_t zero[KDF_PRK_BYTES];

	/* RFC 5869: an absent salt is HashLen zero bytes. */
	if (salt == NULL || salt_len == 0) {
		salt = zero;
		salt_len = sizeof(zero);
	}
	crypto_auth_hmacsha512_init(&st, salt, salt_len);
	crypto_auth_hmacsha512_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha512_final(&st, prk);
	sodium_memzero(&st, sizeof(st));
}

int
kdf_expand(uint8_t *out, size_t out_len, const uint8_t prk[KDF_PRK_BYTES],
    const uint8_t *info, size_t info_len)
{
	crypto_auth_hmacsha512_state st;
	uint8_t t[crypto_auth_hmacsha512_BYTES];
	size_t done = 0, n;
	uint8_t ctr = 0;

	if (out_len > KDF_MAX_OUT)
		return ERR_INVALID_ARG;
	while (done < out_len) {
		ctr++;
		crypto_auth_hmacsha512_init(&st, prk, KDF_PRK_BYTES);
		if (ctr > 1)
			crypto_auth_hmacsha512_update(&st, t, sizeof(t));
		crypto_auth_hmacsha512_update(&st, info, info_len);
		crypto_auth_hmacsha512_update(&st, &ctr, 1);
		crypto_auth_hmacsha512_final(&st, t);
		n = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
		memcpy(out + done, t, n);
		done += n;
	}
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(t, sizeof(t));
	return 0;
}
