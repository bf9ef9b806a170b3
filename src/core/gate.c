/*
 * gate.c: the door of a guarded room, one CPace run through the relay
 * (see gate.h; docs/PROTOCOL.md §17.12 has the bytes).
 *
 * Blobs, the first byte says which:
 *   0x10 KNOCK    u8 version (1) sid[16] Ya[32]
 *   0x11 ANSWER   u8 count, count x (Yb[32] box[68])
 * PRS = BLAKE2b-512 keyed with the invitation key over L_GATE || u8 flags
 * || u16 answer_len || answer || u8 code_len || code; CI = L_GATE ||
 * room id.  box = XChaCha20-Poly1305 under HKDF(salt L_GATE, ISK, "box"),
 * nonce zero (each key seals once), ad KNOCK || Yb, of room secret ||
 * one-time-code key.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "cpace.h"
#include "err.h"
#include "gate.h"
#include "kdf.h"
#include "otp.h"

#define GATE_VERSION	1
#define SID_BYTES	16
#define PRS_BYTES	crypto_generichash_BYTES_MAX	/* 64 */
#define BOX_KEY_BYTES	crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define PLAIN_BYTES	(GATE_SECRET_BYTES + GATE_OTP_KEY_BYTES)
#define CAND_BYTES	(CPACE_POINT_BYTES + GATE_BOX_BYTES)
#define AD_BYTES	(GATE_KNOCK_BYTES + CPACE_POINT_BYTES)

static const char L_GATE[] = "sotto/1 room gate";
static const char L_BOX[] = "box";

/* The newcomer's run: its scalar and the KNOCK bytes, which hold sid
 * and Ya and begin every box's additional data. */
struct gate_knock {
	uint8_t		 ya[CPACE_SCALAR_BYTES];
	uint8_t		 knock[GATE_KNOCK_BYTES];
};
#define KNOCK_SID(k)	((k)->knock + 2)
#define KNOCK_YA(k)	((k)->knock + 2 + SID_BYTES)

/* Zeroed guarded memory, or NULL. */
static void *
guarded_new(size_t len)
{
	void *p;

	if (sodium_init() < 0 || (p = sodium_malloc(len)) == NULL)
		return NULL;
	sodium_memzero(p, len);
	return p;
}

static void
guarded_free(void *p, size_t len)
{
	if (p == NULL)
		return;
	sodium_memzero(p, len);
	sodium_free(p);
}

struct gate_keys *
gate_keys_new(void)
{
	return guarded_new(sizeof(struct gate_keys));
}

void
gate_keys_free(struct gate_keys *k)
{
	guarded_free(k, sizeof(*k));
}

int
gate_normalize(const uint8_t *answer, size_t len,
    uint8_t out[GATE_ANSWER_MAX], size_t *outlen)
{
	size_t i, n = 0;
	int space = 0, r = ERR_FORMAT;
	uint8_t c;

	*outlen = 0;
	if (len > GATE_ANSWER_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	/* n never passes i, so out has room (and could even be answer). */
	for (i = 0; i < len; i++) {
		c = answer[i];
		if (c == ' ' || c == '\t') {
			space = n > 0;	/* leading white space goes */
			continue;
		}
		if (c < 0x20 || c == 0x7f)
			goto out;
		if (space) {
			out[n++] = ' ';
			space = 0;
		}
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		out[n++] = c;
	}
	if (n == 0)
		goto out;
	*outlen = n;
	r = 0;
 out:
	if (r != 0)
		sodium_memzero(out, GATE_ANSWER_MAX);
	return r;
}

int
gate_code_parse(const char *typed, char out[GATE_CODE_DIGITS + 1])
{
	size_t n = 0;
	int r = ERR_FORMAT;

	if (typed == NULL)
		goto out;
	for (; *typed != '\0'; typed++) {
		if (*typed == ' ')
			continue;
		if (*typed < '0' || *typed > '9' || n == GATE_CODE_DIGITS)
			goto out;
		out[n++] = *typed;
	}
	if (n != GATE_CODE_DIGITS)
		goto out;
	out[n] = '\0';
	r = 0;
 out:
	if (r != 0)
		sodium_memzero(out, GATE_CODE_DIGITS + 1);
	return r;
}

/* 1 if code is exactly GATE_CODE_DIGITS digits. */
static int
code_ok(const char *code)
{
	size_t i;

	for (i = 0; i < GATE_CODE_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return 0;
	return code[i] == '\0';
}

/*
 * g = the CPace generator for one guess: PRS from the invitation key,
 * flags, answer and code (NULL for none), CI from the room id.  The PRS
 * is streamed into BLAKE2b and wiped here; g itself tests guesses
 * offline, so the caller wipes it too.
 */
static int
derive_generator(uint8_t g[CPACE_POINT_BYTES],
    const uint8_t invite_key[GATE_KEY_BYTES], uint8_t flags,
    const uint8_t *answer, size_t answer_len, const char *code,
    const uint8_t room_id[GATE_ROOM_ID_BYTES], const uint8_t sid[SID_BYTES])
{
	crypto_generichash_state st;
	uint8_t prs[PRS_BYTES], ci[sizeof(L_GATE) - 1 + GATE_ROOM_ID_BYTES];
	uint8_t hdr[2];
	size_t code_len = code != NULL ? strlen(code) : 0;
	int r = ERR_INTERNAL;

	if (answer_len > GATE_ANSWER_MAX || code_len > OTP_DIGITS_MAX) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	crypto_generichash_init(&st, invite_key, GATE_KEY_BYTES, PRS_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)L_GATE,
	    sizeof(L_GATE) - 1);
	crypto_generichash_update(&st, &flags, 1);
	hdr[0] = (uint8_t)(answer_len >> 8);
	hdr[1] = (uint8_t)answer_len;
	crypto_generichash_update(&st, hdr, 2);
	crypto_generichash_update(&st, answer, answer_len);
	hdr[0] = (uint8_t)code_len;
	crypto_generichash_update(&st, hdr, 1);
	crypto_generichash_update(&st, (const uint8_t *)code, code_len);
	crypto_generichash_final(&st, prs, PRS_BYTES);
	memcpy(ci, L_GATE, sizeof(L_GATE) - 1);
	memcpy(ci + sizeof(L_GATE) - 1, room_id, GATE_ROOM_ID_BYTES);
	r = cpace_calculate_generator(g, prs, PRS_BYTES, ci, sizeof(ci), sid,
	    SID_BYTES);
 out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(prs, sizeof(prs));
	return r;
}

/*
 * The key of one box: K = y * Y_peer, ISK = CPace's initiator-responder
 * ISK (no AD), bk = HKDF-Expand(HKDF-Extract(L_GATE, ISK), "box").  0, or
 * ERR_BAD_POINT for a share that is invalid (or gives the identity);
 * bk is zero on failure.
 */
static int
derive_box_key(uint8_t bk[BOX_KEY_BYTES], const uint8_t y[CPACE_SCALAR_BYTES],
    const uint8_t Y_peer[CPACE_POINT_BYTES], const uint8_t sid[SID_BYTES],
    const uint8_t Ya[CPACE_POINT_BYTES], const uint8_t Yb[CPACE_POINT_BYTES])
{
	uint8_t K[CPACE_POINT_BYTES], isk[CPACE_ISK_BYTES], prk[KDF_PRK_BYTES];
	int r = ERR_INTERNAL;

	memset(bk, 0, BOX_KEY_BYTES);
	if ((r = cpace_secret(K, y, Y_peer)) != 0 ||
	    (r = cpace_isk_ir(isk, sid, SID_BYTES, K, Ya, NULL, 0, Yb, NULL,
	    0)) != 0)
		goto out;
	kdf_extract(prk, (const uint8_t *)L_GATE, sizeof(L_GATE) - 1, isk,
	    sizeof(isk));
	if ((r = kdf_expand(bk, BOX_KEY_BYTES, prk, (const uint8_t *)L_BOX,
	    sizeof(L_BOX) - 1)) != 0)
		goto out;
	r = 0;
 out:
	if (r != 0)
		sodium_memzero(bk, BOX_KEY_BYTES);
	sodium_memzero(K, sizeof(K));
	sodium_memzero(isk, sizeof(isk));
	sodium_memzero(prk, sizeof(prk));
	return r;
}

/* Starts reading blob p of len bytes, which must be a 'type': 0,
 * ERR_TRUNCATED or ERR_TYPE. */
static int
blob_start(struct buf *b, const uint8_t *p, size_t len, uint8_t type)
{
	uint8_t t;
	int r;

	buf_view(b, p, len);
	if ((r = buf_get_u8(b, &t)) != 0)
		return r;
	return t == type ? 0 : ERR_TYPE;
}

/* A box's additional data: the KNOCK it answers, then its Yb. */
static void
box_ad(uint8_t ad[AD_BYTES], const uint8_t knock[GATE_KNOCK_BYTES],
    const uint8_t Yb[CPACE_POINT_BYTES])
{
	memcpy(ad, knock, GATE_KNOCK_BYTES);
	memcpy(ad + GATE_KNOCK_BYTES, Yb, CPACE_POINT_BYTES);
}

int
gate_knock_new(struct gate_knock **kp,
    const uint8_t room_id[GATE_ROOM_ID_BYTES],
    const uint8_t invite_key[GATE_KEY_BYTES], uint8_t flags,
    const uint8_t *answer, size_t answer_len, const char *code,
    struct buf *out)
{
	struct gate_knock *k = NULL;
	uint8_t g[CPACE_POINT_BYTES];
	int r = ERR_INVALID_ARG;

	*kp = NULL;
	memset(g, 0, sizeof(g));
	if (flags == 0 || (flags & ~GATE_F_ALL) != 0 ||
	    ((flags & GATE_F_QUESTION) != 0) != (answer_len > 0) ||
	    (answer_len > 0 && answer == NULL) ||
	    answer_len > GATE_ANSWER_MAX ||
	    ((flags & GATE_F_CODE) != 0) != (code != NULL) ||
	    (code != NULL && !code_ok(code)))
		goto out;
	r = ERR_ALLOC;
	if ((k = guarded_new(sizeof(*k))) == NULL)
		goto out;
	k->knock[0] = GATE_BLOB_KNOCK;
	k->knock[1] = GATE_VERSION;
	randombytes_buf(KNOCK_SID(k), SID_BYTES);
	crypto_core_ristretto255_scalar_random(k->ya);
	if ((r = derive_generator(g, invite_key, flags, answer, answer_len,
	    code, room_id, KNOCK_SID(k))) != 0 ||
	    (r = cpace_share(KNOCK_YA(k), k->ya, g)) != 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	if ((r = buf_put(out, k->knock, GATE_KNOCK_BYTES)) != 0)
		goto out;
	*kp = k;
	k = NULL;
	r = 0;
 out:
	sodium_memzero(g, sizeof(g));
	gate_knock_free(k);
	return r;
}

void
gate_knock_free(struct gate_knock *k)
{
	guarded_free(k, sizeof(*k));
}

int
gate_knock_open(struct gate_knock *k, const uint8_t *blob, size_t len,
    uint8_t room_secret[GATE_SECRET_BYTES],
    uint8_t otp_key[GATE_OTP_KEY_BYTES])
{
	static const uint8_t zero_nonce[NONCE_BYTES];
	const uint8_t *cand[GATE_CANDIDATES_MAX];
	uint8_t count, bk[BOX_KEY_BYTES], pt[PLAIN_BYTES], ad[AD_BYTES];
	struct buf b;
	size_t i;
	int r = ERR_INTERNAL;

	if ((r = blob_start(&b, blob, len, GATE_BLOB_ANSWER)) != 0 ||
	    (r = buf_get_u8(&b, &count)) != 0)
		goto out;
	if (count == 0 || count > GATE_CANDIDATES_MAX) {
		r = ERR_FORMAT;
		goto out;
	}
	/* The whole blob parses before any work is done on it. */
	for (i = 0; i < count; i++)
		if ((r = buf_get_view(&b, CAND_BYTES, &cand[i])) != 0)
			goto out;
	if ((r = buf_expect_end(&b)) != 0)
		goto out;
	r = ERR_AUTH;
	for (i = 0; i < count; i++) {
		/* An invalid Yb is one more box that doesn't open. */
		if (derive_box_key(bk, k->ya, cand[i], KNOCK_SID(k),
		    KNOCK_YA(k), cand[i]) != 0)
			continue;
		box_ad(ad, k->knock, cand[i]);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
		    cand[i] + CPACE_POINT_BYTES, GATE_BOX_BYTES, ad, sizeof(ad),
		    zero_nonce, bk) != 0)
			continue;
		memcpy(room_secret, pt, GATE_SECRET_BYTES);
		memcpy(otp_key, pt + GATE_SECRET_BYTES, GATE_OTP_KEY_BYTES);
		r = 0;
		break;
	}
 out:
	sodium_memzero(bk, sizeof(bk));
	sodium_memzero(pt, sizeof(pt));
	return r;
}

int
gate_answer(const struct gate_keys *k,
    const uint8_t room_id[GATE_ROOM_ID_BYTES], uint64_t now,
    const uint8_t *knock, size_t len, struct buf *out)
{
	static const uint8_t zero_nonce[NONCE_BYTES];
	char codes[GATE_CANDIDATES_MAX][OTP_DIGITS_MAX + 1];
	const uint8_t *sid, *Ya, *answer = NULL;
	uint8_t version, yb[CPACE_SCALAR_BYTES], g[CPACE_POINT_BYTES];
	uint8_t bk[BOX_KEY_BYTES], pt[PLAIN_BYTES], ad[AD_BYTES], *p;
	size_t i, n = 0, answer_len = 0;
	struct buf b, ans;
	uint64_t w;
	int r = ERR_INTERNAL;

	memset(codes, 0, sizeof(codes));
	memset(g, 0, sizeof(g));
	memset(yb, 0, sizeof(yb));
	memset(bk, 0, sizeof(bk));
	memset(pt, 0, sizeof(pt));
	buf_init(&ans, GATE_ANSWER_MAX_BYTES);
	if (k->flags == 0 || (k->flags & ~GATE_F_ALL) != 0 ||
	    k->answer_len > GATE_ANSWER_MAX) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if ((r = blob_start(&b, knock, len, GATE_BLOB_KNOCK)) != 0 ||
	    (r = buf_get_u8(&b, &version)) != 0)
		goto out;
	if (version != GATE_VERSION) {
		r = ERR_VERSION;
		goto out;
	}
	if ((r = buf_get_view(&b, SID_BYTES, &sid)) != 0 ||
	    (r = buf_get_view(&b, CPACE_POINT_BYTES, &Ya)) != 0 ||
	    (r = buf_expect_end(&b)) != 0)
		goto out;

	/* One candidate per accepted window, current first; an empty code
	 * (codes[0] stays "") when the room has none. */
	if ((k->flags & GATE_F_CODE) != 0) {
		w = otp_window(now);
		if ((r = otp_room_code(k->otp_key, w, codes[n++])) != 0)
			goto out;
		/* Also the window before: a code typed as it turned. */
		if (w > 0 &&
		    (r = otp_room_code(k->otp_key, w - 1, codes[n++])) != 0)
			goto out;
	} else
		n = 1;
	if ((k->flags & GATE_F_QUESTION) != 0) {
		answer = k->answer;
		answer_len = k->answer_len;
	}
	/* pt = room secret || code key, the key zero for a room without a
	 * code whatever k holds (pt was zeroed above). */
	memcpy(pt, k->room_secret, GATE_SECRET_BYTES);
	if ((k->flags & GATE_F_CODE) != 0)
		memcpy(pt + GATE_SECRET_BYTES, k->otp_key, GATE_OTP_KEY_BYTES);
	if ((r = buf_put_u8(&ans, GATE_BLOB_ANSWER)) != 0 ||
	    (r = buf_put_u8(&ans, (uint8_t)n)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		crypto_core_ristretto255_scalar_random(yb);
		if ((r = derive_generator(g, k->invite_key, k->flags, answer,
		    answer_len, codes[i], room_id, sid)) != 0 ||
		    (r = buf_reserve(&ans, CAND_BYTES, &p)) != 0)
			goto out;
		if (cpace_share(p, yb, g) != 0) {
			r = ERR_CRYPTO;
			goto out;
		}
		if ((r = derive_box_key(bk, yb, Ya, sid, Ya, p)) != 0)
			goto out;
		box_ad(ad, knock, p);
		if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		    p + CPACE_POINT_BYTES, NULL, pt, sizeof(pt), ad, sizeof(ad),
		    NULL, zero_nonce, bk) != 0) {
			r = ERR_CRYPTO;
			goto out;
		}
	}
	/* All or nothing: out sees the blob only now. */
	if ((r = buf_put(out, buf_ptr(&ans), buf_len(&ans))) != 0)
		goto out;
	r = 0;
 out:
	sodium_memzero(codes, sizeof(codes));
	sodium_memzero(yb, sizeof(yb));
	sodium_memzero(g, sizeof(g));
	sodium_memzero(bk, sizeof(bk));
	sodium_memzero(pt, sizeof(pt));
	buf_release(&ans);
	return r;
}
