/* roomstore.c: guarded rooms' secrets on disk, sealed (see roomstore.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "gate.h"
#include "identity.h"
#include "kdf.h"
#include "keyfile.h"
#include "roomstore.h"

_Static_assert(ROOMSTORE_PLAIN_LEN == 1 + GATE_KEY_BYTES + GATE_SECRET_BYTES +
    GATE_OTP_KEY_BYTES + 2 + GATE_ANSWER_MAX, "roomstore plaintext layout");
_Static_assert(ROOMSTORE_ROOM_ID_BYTES == GATE_ROOM_ID_BYTES, "room ids");

#define NONCE_BYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define ABYTES		crypto_aead_xchacha20poly1305_ietf_ABYTES

static const char L_SALT[] = "sotto/1 room store";
static const char L_SEAL[] = "sotto/1 room store seal";
static const char L_NAME[] = "sotto/1 room store name";

/* The keys in guarded memory; the directory beside them. */
struct rskeys {
	uint8_t		seal[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	uint8_t		name[crypto_generichash_KEYBYTES];
};

struct roomstore {
	struct rskeys	*k;		/* sodium_malloc'd */
	char		 dir[PATH_MAX];
};

int
roomstore_default_dir(char *out, size_t outlen)
{
	return keyfile_xdg_dir(out, outlen, "XDG_STATE_HOME", ".local/state",
	    "sotto/rooms");
}

int
roomstore_new(struct roomstore **sp, const char *dir,
    const struct identity *id)
{
	struct roomstore *s = NULL;
	uint8_t seed[crypto_sign_ed25519_SEEDBYTES], prk[KDF_PRK_BYTES];
	int r = ERR_INTERNAL;

	*sp = NULL;
	if (strlen(dir) >= sizeof(s->dir) - ROOMSTORE_NAME_LEN - 2)
		return ERR_INVALID_ARG;
	r = ERR_ALLOC;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->k = sodium_malloc(sizeof(*s->k))) == NULL)
		goto out;
	strcpy(s->dir, dir);
	/* The seed is what the key file holds: the store opens with the
	 * identity that wrote it and no other. */
	r = ERR_CRYPTO;
	if (crypto_sign_ed25519_sk_to_seed(seed, id->sk) != 0)
		goto out;
	kdf_extract(prk, (const uint8_t *)L_SALT, sizeof(L_SALT) - 1, seed,
	    sizeof(seed));
	if ((r = kdf_expand(s->k->seal, sizeof(s->k->seal), prk,
	    (const uint8_t *)L_SEAL, sizeof(L_SEAL) - 1)) != 0 ||
	    (r = kdf_expand(s->k->name, sizeof(s->k->name), prk,
	    (const uint8_t *)L_NAME, sizeof(L_NAME) - 1)) != 0)
		goto out;
	*sp = s;
	s = NULL;
	r = 0;
 out:
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(prk, sizeof(prk));
	roomstore_free(s);
	return r;
}

void
roomstore_free(struct roomstore *s)
{
	if (s == NULL)
		return;
	if (s->k != NULL)
		sodium_free(s->k);
	free(s);
}

int
roomstore_path(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], char *out, size_t outlen)
{
	uint8_t h[ROOMSTORE_NAME_LEN / 2];
	char hex[ROOMSTORE_NAME_LEN + 1];
	int n;

	crypto_generichash(h, sizeof(h), room_id, ROOMSTORE_ROOM_ID_BYTES,
	    s->k->name, sizeof(s->k->name));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	n = snprintf(out, outlen, "%s/%s", s->dir, hex);
	return n < 0 || (size_t)n >= outlen ? ERR_INVALID_ARG : 0;
}

static void
seal_ad(const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES],
    uint8_t ad[ROOMSTORE_MAGIC_LEN + ROOMSTORE_ROOM_ID_BYTES])
{
	memcpy(ad, ROOMSTORE_MAGIC, ROOMSTORE_MAGIC_LEN);
	memcpy(ad + ROOMSTORE_MAGIC_LEN, room_id, ROOMSTORE_ROOM_ID_BYTES);
}

int
roomstore_seal(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], const struct gate_keys *k,
    struct buf *out)
{
	uint8_t ad[ROOMSTORE_MAGIC_LEN + ROOMSTORE_ROOM_ID_BYTES];
	uint8_t *pt = NULL, *p;
	struct buf b;
	int r = ERR_INTERNAL;

	if (k->answer_len > GATE_ANSWER_MAX)
		return ERR_INVALID_ARG;
	if ((pt = sodium_malloc(ROOMSTORE_PLAIN_LEN)) == NULL)
		return ERR_ALLOC;
	/* Fixed size, the answer padded: the file's length tells nothing. */
	memset(pt, 0, ROOMSTORE_PLAIN_LEN);
	p = pt;
	*p++ = k->flags;
	memcpy(p, k->invite_key, GATE_KEY_BYTES);
	p += GATE_KEY_BYTES;
	memcpy(p, k->room_secret, GATE_SECRET_BYTES);
	p += GATE_SECRET_BYTES;
	memcpy(p, k->otp_key, GATE_OTP_KEY_BYTES);
	p += GATE_OTP_KEY_BYTES;
	*p++ = (uint8_t)(k->answer_len >> 8);
	*p++ = (uint8_t)k->answer_len;
	memcpy(p, k->answer, k->answer_len);
	seal_ad(room_id, ad);
	buf_init(&b, ROOMSTORE_FILE_LEN);
	if ((r = buf_put(&b, ROOMSTORE_MAGIC, ROOMSTORE_MAGIC_LEN)) != 0 ||
	    (r = buf_reserve(&b, NONCE_BYTES + ROOMSTORE_PLAIN_LEN + ABYTES,
	    &p)) != 0)
		goto out;
	randombytes_buf(p, NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(p + NONCE_BYTES, NULL, pt,
	    ROOMSTORE_PLAIN_LEN, ad, sizeof(ad), NULL, p, s->k->seal);
	r = buf_put(out, buf_ptr(&b), buf_len(&b));
 out:
	buf_release(&b);
	sodium_free(pt);
	return r;
}

int
roomstore_unseal(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], const uint8_t *in,
    size_t len, struct gate_keys *k)
{
	uint8_t ad[ROOMSTORE_MAGIC_LEN + ROOMSTORE_ROOM_ID_BYTES];
	const uint8_t *magic, *nonce, *ct;
	uint8_t *pt = NULL, flags;
	uint16_t alen;
	struct buf b;
	int r = ERR_INTERNAL;

	sodium_memzero(k, sizeof(*k));
	buf_view(&b, in, len);
	r = ERR_FORMAT;
	if (len != ROOMSTORE_FILE_LEN ||
	    buf_get_view(&b, ROOMSTORE_MAGIC_LEN, &magic) != 0 ||
	    memcmp(magic, ROOMSTORE_MAGIC, ROOMSTORE_MAGIC_LEN) != 0 ||
	    buf_get_view(&b, NONCE_BYTES, &nonce) != 0 ||
	    buf_get_view(&b, ROOMSTORE_PLAIN_LEN + ABYTES, &ct) != 0 ||
	    buf_expect_end(&b) != 0)
		goto out;
	r = ERR_ALLOC;
	if ((pt = sodium_malloc(ROOMSTORE_PLAIN_LEN)) == NULL)
		goto out;
	seal_ad(room_id, ad);
	r = ERR_AUTH;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct,
	    ROOMSTORE_PLAIN_LEN + ABYTES, ad, sizeof(ad), nonce,
	    s->k->seal) != 0)
		goto out;
	/* Authentic, so ours; checked all the same, as any input. */
	buf_view(&b, pt, ROOMSTORE_PLAIN_LEN);
	(void)buf_get_u8(&b, &flags);
	(void)buf_get_fixed(&b, k->invite_key, GATE_KEY_BYTES);
	(void)buf_get_fixed(&b, k->room_secret, GATE_SECRET_BYTES);
	(void)buf_get_fixed(&b, k->otp_key, GATE_OTP_KEY_BYTES);
	(void)buf_get_u16(&b, &alen);
	r = ERR_FORMAT;
	if (flags == 0 || (flags & ~GATE_F_ALL) != 0 ||
	    alen > GATE_ANSWER_MAX ||
	    ((flags & GATE_F_QUESTION) != 0) != (alen != 0) ||
	    buf_get_fixed(&b, k->answer, GATE_ANSWER_MAX) != 0)
		goto out;
	k->flags = flags;
	k->answer_len = alen;
	r = 0;
 out:
	if (pt != NULL)
		sodium_free(pt);
	if (r != 0)
		sodium_memzero(k, sizeof(*k));
	return r;
}

int
roomstore_save(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], const struct gate_keys *k)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	struct buf b;
	int r = ERR_INTERNAL;

	buf_init(&b, ROOMSTORE_FILE_LEN);
	if ((r = roomstore_path(s, room_id, path, sizeof(path))) != 0 ||
	    (r = fileio_tmp_path(tmp, sizeof(tmp), path)) != 0 ||
	    (r = roomstore_seal(s, room_id, k, &b)) != 0 ||
	    (r = keyfile_ensure_dir(s->dir)) != 0)
		goto out;
	r = fileio_write_atomic(path, tmp, buf_ptr(&b), buf_len(&b), 0600, 0);
 out:
	buf_release(&b);
	return r;
}

int
roomstore_load(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], struct gate_keys *k)
{
	char path[PATH_MAX];
	uint8_t data[ROOMSTORE_FILE_LEN + 1];
	size_t n = 0;
	int fd = -1, r = ERR_INTERNAL, saved = 0;

	sodium_memzero(k, sizeof(*k));
	if ((r = roomstore_path(s, room_id, path, sizeof(path))) != 0)
		goto out;
	r = fileio_open_small(path, ROOMSTORE_FILE_LEN, FILEIO_OWNER_ONLY,
	    &fd, NULL);
	/* One byte over the size notices a file that grew after fstat. */
	if (r == 0)
		r = fileio_read_full(fd, data, sizeof(data), &n);
	if (r != 0) {
		saved = errno;
		if (r == ERR_TOO_LARGE)
			r = ERR_FORMAT;
		goto out;
	}
	r = roomstore_unseal(s, room_id, data, n, k);
 out:
	sodium_memzero(data, sizeof(data));
	if (fd != -1)
		close(fd);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
roomstore_forget(const struct roomstore *s,
    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES])
{
	char path[PATH_MAX];
	int r;

	if ((r = roomstore_path(s, room_id, path, sizeof(path))) != 0)
		return r;
	return unlink(path) == 0 ? 0 : ERR_IO;
}
