/*
 * identity.h: a user's long-term Ed25519 identity, its on-disk encoding,
 * and the safety number two users compare to know they talk to each
 * other.  The secret key lives in sodium_malloc'd memory.
 */
#ifndef SOTTO_IDENTITY_H
#define SOTTO_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define IDENTITY_PK_BYTES	32
#define IDENTITY_SK_BYTES	64
#define IDENTITY_SIG_BYTES	64
#define IDENTITY_SEED_BYTES	32
/* The key file: this magic (18 bytes, no NUL), then the 32-byte seed. */
#define IDENTITY_FILE_MAGIC	"sotto-identity-v1\n"
#define IDENTITY_FILE_LEN	(sizeof(IDENTITY_FILE_MAGIC) - 1 + IDENTITY_SEED_BYTES)
/* Safety number: 6 groups of 5 digits separated by spaces. */
#define SAFETY_NUMBER_GROUPS	6
#define SAFETY_NUMBER_LEN	(SAFETY_NUMBER_GROUPS * 6 - 1)
/* Short key tag for display: 8 lowercase hex digits. */
#define IDENTITY_TAG_LEN	8
/* The key tag shown beside names: 48 bits, "xxxx-xxxx-xxxx" (hex). */
#define IDENTITY_LONG_TAG_LEN	14

struct identity {
	uint8_t		 pk[IDENTITY_PK_BYTES];
	uint8_t		*sk;	/* IDENTITY_SK_BYTES, sodium_malloc'd */
};

/* New random identity in *idp (caller frees with identity_free).
 * 0, ERR_ALLOC, or ERR_CRYPTO if libsodium cannot be initialised;
 * *idp is NULL on failure. */
int	 identity_generate(struct identity **idp);
/* Deterministic identity from a 32-byte seed (tests, key file). */
int	 identity_from_seed(struct identity **idp,
	    const uint8_t seed[IDENTITY_SEED_BYTES]);
/* Wipes and frees; NULL is a no-op. */
void	 identity_free(struct identity *id);

/* Appends the key-file encoding (IDENTITY_FILE_LEN bytes) to out: 0 or
 * a buf_reserve error, with nothing appended on failure. */
int	 identity_encode(const struct identity *id, struct buf *out);
/* Parses a key file's bytes.  0 and *idp on success; ERR_FORMAT (bad
 * magic), ERR_TRUNCATED or ERR_TRAILING otherwise, *idp NULL. */
int	 identity_decode(struct identity **idp, const uint8_t *p, size_t len);

/* sig = Ed25519 signature over msg. */
void	 identity_sign(const struct identity *id,
	    uint8_t sig[IDENTITY_SIG_BYTES], const uint8_t *msg, size_t len);
/* 0 if sig is pk's valid signature over msg, else ERR_SIGNATURE. */
int	 identity_verify(const uint8_t pk[IDENTITY_PK_BYTES],
	    const uint8_t sig[IDENTITY_SIG_BYTES], const uint8_t *msg,
	    size_t len);

/* Safety number of two identity keys, the same whichever order they are
 * given in: NUL-terminated, SAFETY_NUMBER_LEN characters. */
void	 identity_safety_number(char out[SAFETY_NUMBER_LEN + 1],
	    const uint8_t a[IDENTITY_PK_BYTES],
	    const uint8_t b[IDENTITY_PK_BYTES]);
/* The safety-number format of a digest's first 30 bytes: group i is the
 * big-endian 40-bit integer at bytes 5i..5i+4, mod 100000, 5 digits. */
void	 identity_digits(char out[SAFETY_NUMBER_LEN + 1],
	    const uint8_t d[SAFETY_NUMBER_GROUPS * 5]);
/* Short display tag of one key: NUL-terminated IDENTITY_TAG_LEN hex. */
void	 identity_tag(char out[IDENTITY_TAG_LEN + 1],
	    const uint8_t pk[IDENTITY_PK_BYTES]);
/* The same digest's first 6 bytes as three groups of 4 lowercase hex
 * digits joined by '-' (its first 8 digits are identity_tag's):
 * NUL-terminated, IDENTITY_LONG_TAG_LEN characters. */
void	 identity_long_tag(char out[IDENTITY_LONG_TAG_LEN + 1],
	    const uint8_t pk[IDENTITY_PK_BYTES]);

#endif
