/*
 * kdf.h: HKDF (RFC 5869) with HMAC-SHA-512, built on libsodium's
 * crypto_auth_hmacsha512 (libsodium 1.0.18 has no HKDF of its own).
 */
#ifndef SOTTO_KDF_H
#define SOTTO_KDF_H

#include <stddef.h>
#include <stdint.h>

#define KDF_PRK_BYTES	64
#define KDF_MAX_OUT	(255 * 64)

/* PRK = HMAC-SHA-512(salt, ikm). */
void	 kdf_extract(uint8_t prk[KDF_PRK_BYTES], const uint8_t *salt,
	    size_t salt_len, const uint8_t *ikm, size_t ikm_len);
/* OKM = HKDF-Expand(prk, info, out_len).  0, or ERR_INVALID_ARG if
 * out_len > KDF_MAX_OUT (out untouched then). */
int	 kdf_expand(uint8_t *out, size_t out_len,
	    const uint8_t prk[KDF_PRK_BYTES], const uint8_t *info,
	    size_t info_len);

#endif
