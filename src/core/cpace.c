/*
 * cpace.c: CPace with ristretto255 and SHA-512 (draft-irtf-cfrg-cpace-21),
 * on libsodium's ristretto255 and SHA-512 (see cpace.h).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "cpace.h"
#include "err.h"

/* Bytes of a LEB128 encoding of a size_t: 7 bits per byte. */
#define LEB_MAX		((sizeof(size_t) * 8 + 6) / 7)

/*
 * Every string function writes through a sink: either appended to a
 * buffer (the public string functions) or fed to a SHA-512 state (the
 * generator and the ISK), so that the hash inputs holding the password
 * or K are never materialised in memory we would have to allocate.
 */
struct sink {
	struct buf			*b;
	crypto_hash_sha512_state	*h;
};

/* One lv_cat(a, b) as four segments, lenA || A || lenB || B, so that
 * two of them can be compared (o_cat) without building either. */
struct lvpair {
	uint8_t		 hdr[2][LEB_MAX];
	const uint8_t	*p[4];
	size_t		 n[4];
};

/* A read cursor over an lvpair. */
struct lvcur {
	const struct lvpair	*lp;
	size_t			 seg, pos;
};

static size_t
leb128(uint8_t out[LEB_MAX], size_t len)
{
	size_t n = 0;

	do {
		out[n] = (uint8_t)(len & 0x7f);
		len >>= 7;
		if (len != 0)
			out[n] |= 0x80;
		n++;
	} while (len != 0);
	return n;
}

static int
sink_put(struct sink *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return 0;
	if (p == NULL)
		return ERR_INVALID_ARG;
	if (s->b != NULL)
		return buf_put(s->b, p, n);
	crypto_hash_sha512_update(s->h, p, n);
	return 0;
}

/* prepend_len(data), written to the sink. */
static int
sink_lv(struct sink *s, const uint8_t *p, size_t n)
{
	uint8_t hdr[LEB_MAX];
	int r;

	if (p == NULL && n != 0)
		return ERR_INVALID_ARG;
	if ((r = sink_put(s, hdr, leb128(hdr, n))) != 0)
		return r;
	return sink_put(s, p, n);
}

/* Appending to a buffer is all or nothing: drop what a failed call
 * appended (buf_unput wipes it). */
static void
sink_rollback(struct sink *s, size_t start)
{
	if (s->b != NULL && buf_len(s->b) > start)
		buf_unput(s->b, buf_len(s->b) - start);
}

static void
lvpair_init(struct lvpair *lp, const uint8_t *a, size_t a_len,
    const uint8_t *b, size_t b_len)
{
	memset(lp, 0, sizeof(*lp));
	lp->p[0] = lp->hdr[0];
	lp->n[0] = leb128(lp->hdr[0], a_len);
	lp->p[1] = a;
	lp->n[1] = a_len;
	lp->p[2] = lp->hdr[1];
	lp->n[2] = leb128(lp->hdr[1], b_len);
	lp->p[3] = b;
	lp->n[3] = b_len;
}

/* Next byte under the cursor into *c: 1, or 0 at the pair's end. */
static int
lvcur_next(struct lvcur *c, uint8_t *v)
{
	const struct lvpair *lp = c->lp;

	while (c->seg < 4 && c->pos == lp->n[c->seg]) {
		c->seg++;
		c->pos = 0;
	}
	if (c->seg == 4)
		return 0;
	*v = lp->p[c->seg][c->pos++];
	return 1;
}

/* lexiographically_larger(x, y) over two pairs.  Shares and AD are
 * public, so this need not be constant time. */
static int
lvpair_larger(const struct lvpair *x, const struct lvpair *y)
{
	struct lvcur cx = { x, 0, 0 }, cy = { y, 0, 0 };
	uint8_t vx = 0, vy = 0;
	int hx, hy;

	for (;;) {
		hx = lvcur_next(&cx, &vx);
		hy = lvcur_next(&cy, &vy);
		if (!hx || !hy)
			return hx && !hy;	/* equal prefix: longer wins */
		if (vx != vy)
			return vx > vy;
	}
}

static int
sink_lvpair(struct sink *s, const struct lvpair *lp)
{
	int i, r;

	for (i = 0; i < 4; i++) {
		if ((r = sink_put(s, lp->p[i], lp->n[i])) != 0)
			return r;
	}
	return 0;
}

static int
sink_transcript_ir(struct sink *s, const uint8_t *ya, size_t ya_len,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb, size_t yb_len,
    const uint8_t *adb, size_t adb_len)
{
	int r;

	if ((r = sink_lv(s, ya, ya_len)) != 0 ||
	    (r = sink_lv(s, ada, ada_len)) != 0 ||
	    (r = sink_lv(s, yb, yb_len)) != 0 ||
	    (r = sink_lv(s, adb, adb_len)) != 0)
		return r;
	return 0;
}

/* o_cat(lv_cat(Ya, ADa), lv_cat(Yb, ADb)). */
static int
sink_transcript_oc(struct sink *s, const uint8_t *ya, size_t ya_len,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb, size_t yb_len,
    const uint8_t *adb, size_t adb_len)
{
	struct lvpair a, b;
	const struct lvpair *first, *second;
	int r;

	if ((ya == NULL && ya_len != 0) || (ada == NULL && ada_len != 0) ||
	    (yb == NULL && yb_len != 0) || (adb == NULL && adb_len != 0))
		return ERR_INVALID_ARG;
	lvpair_init(&a, ya, ya_len, ada, ada_len);
	lvpair_init(&b, yb, yb_len, adb, adb_len);
	if (lvpair_larger(&a, &b)) {
		first = &a;
		second = &b;
	} else {
		first = &b;
		second = &a;
	}
	if ((r = sink_put(s, (const uint8_t *)"oc", 2)) != 0 ||
	    (r = sink_lvpair(s, first)) != 0 ||
	    (r = sink_lvpair(s, second)) != 0)
		return r;
	return 0;
}

/* lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid). */
static int
sink_generator_string(struct sink *s, const uint8_t *prs, size_t prs_len,
    const uint8_t *ci, size_t ci_len, const uint8_t *sid, size_t sid_len)
{
	static const uint8_t zeros[CPACE_S_IN_BYTES];
	uint8_t hdr[LEB_MAX];
	size_t dsi_len = sizeof(CPACE_DSI) - 1, used, zpad = 0;
	int r;

	/*
	 * len_zpad = max(0, s_in_bytes - 1 - len(prepend_len(PRS)) -
	 * len(prepend_len(DSI))), computed so that it cannot overflow:
	 * a PRS of s_in_bytes or more always leaves no room.
	 */
	if (prs_len < CPACE_S_IN_BYTES) {
		used = 1 + leb128(hdr, dsi_len) + dsi_len +
		    leb128(hdr, prs_len) + prs_len;
		if (used < CPACE_S_IN_BYTES)
			zpad = CPACE_S_IN_BYTES - used;
	}
	if ((r = sink_lv(s, (const uint8_t *)CPACE_DSI, dsi_len)) != 0 ||
	    (r = sink_lv(s, prs, prs_len)) != 0 ||
	    (r = sink_lv(s, zeros, zpad)) != 0 ||
	    (r = sink_lv(s, ci, ci_len)) != 0 ||
	    (r = sink_lv(s, sid, sid_len)) != 0)
		return r;
	return 0;
}

int
cpace_put_lv(struct buf *out, const uint8_t *data, size_t len)
{
	struct sink s = { out, NULL };
	size_t start;
	int r;

	if (out == NULL)
		return ERR_INVALID_ARG;
	start = buf_len(out);
	if ((r = sink_lv(&s, data, len)) != 0)
		sink_rollback(&s, start);
	return r;
}

int
cpace_generator_string(struct buf *out, const uint8_t *prs, size_t prs_len,
    const uint8_t *ci, size_t ci_len, const uint8_t *sid, size_t sid_len)
{
	struct sink s = { out, NULL };
	size_t start;
	int r;

	if (out == NULL)
		return ERR_INVALID_ARG;
	start = buf_len(out);
	if ((r = sink_generator_string(&s, prs, prs_len, ci, ci_len, sid,
	    sid_len)) != 0)
		sink_rollback(&s, start);
	return r;
}

int
cpace_calculate_generator(uint8_t g[CPACE_POINT_BYTES], const uint8_t *prs,
    size_t prs_len, const uint8_t *ci, size_t ci_len, const uint8_t *sid,
    size_t sid_len)
{
	crypto_hash_sha512_state st;
	struct sink s = { NULL, &st };
	uint8_t h[crypto_hash_sha512_BYTES];
	int r = ERR_INTERNAL;

	memset(g, 0, CPACE_POINT_BYTES);
	crypto_hash_sha512_init(&st);
	if ((r = sink_generator_string(&s, prs, prs_len, ci, ci_len, sid,
	    sid_len)) != 0)
		goto out;
	crypto_hash_sha512_final(&st, h);
	if (crypto_core_ristretto255_from_hash(g, h) != 0) {
		memset(g, 0, CPACE_POINT_BYTES);
		r = ERR_CRYPTO;
		goto out;
	}
	r = 0;
out:
	/* The hash state has absorbed the password. */
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
	return r;
}

/*
 * scalar_mult_vfy(y, P): 0 with y*P in out, or ERR_BAD_POINT with out
 * zeroed.  libsodium returns -1 both for an encoding that does not
 * decode and for a neutral-element result, the two cases where the
 * draft returns G.I and the protocol aborts.  But libsodium 1.0.18's
 * ristretto255 decoder ignores bit 255 (its canonicity check masks it
 * off), while RFC 9496 4.3.1 rejects any encoding >= p; so that bit is
 * refused here, else each share would have a second, malleable encoding.
 * libsodium also ignores bit 255 of y; reduced scalars (as from
 * crypto_core_ristretto255_scalar_random) never have it set.
 */
static int
scalarmult_vfy(uint8_t out[CPACE_POINT_BYTES],
    const uint8_t y[CPACE_SCALAR_BYTES], const uint8_t P[CPACE_POINT_BYTES])
{
	uint8_t t[CPACE_POINT_BYTES];
	int r = ERR_BAD_POINT;

	/* A local result so that out may alias P. */
	if ((P[CPACE_POINT_BYTES - 1] & 0x80) == 0 &&
	    crypto_scalarmult_ristretto255(t, y, P) == 0) {
		memcpy(out, t, sizeof(t));
		r = 0;
	} else
		memset(out, 0, CPACE_POINT_BYTES);
	sodium_memzero(t, sizeof(t));
	return r;
}

int
cpace_share(uint8_t Y[CPACE_POINT_BYTES], const uint8_t y[CPACE_SCALAR_BYTES],
    const uint8_t g[CPACE_POINT_BYTES])
{
	return scalarmult_vfy(Y, y, g);
}

int
cpace_secret(uint8_t K[CPACE_POINT_BYTES], const uint8_t y[CPACE_SCALAR_BYTES],
    const uint8_t Y_peer[CPACE_POINT_BYTES])
{
	return scalarmult_vfy(K, y, Y_peer);
}

int
cpace_transcript_ir(struct buf *out, const uint8_t *ya, size_t ya_len,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb, size_t yb_len,
    const uint8_t *adb, size_t adb_len)
{
	struct sink s = { out, NULL };
	size_t start;
	int r;

	if (out == NULL)
		return ERR_INVALID_ARG;
	start = buf_len(out);
	if ((r = sink_transcript_ir(&s, ya, ya_len, ada, ada_len, yb, yb_len,
	    adb, adb_len)) != 0)
		sink_rollback(&s, start);
	return r;
}

int
cpace_transcript_oc(struct buf *out, const uint8_t *ya, size_t ya_len,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb, size_t yb_len,
    const uint8_t *adb, size_t adb_len)
{
	struct sink s = { out, NULL };
	size_t start;
	int r;

	if (out == NULL)
		return ERR_INVALID_ARG;
	start = buf_len(out);
	if ((r = sink_transcript_oc(&s, ya, ya_len, ada, ada_len, yb, yb_len,
	    adb, adb_len)) != 0)
		sink_rollback(&s, start);
	return r;
}

int
cpace_lex_larger(const uint8_t *a, size_t a_len, const uint8_t *b,
    size_t b_len)
{
	size_t i, n = a_len < b_len ? a_len : b_len;

	for (i = 0; i < n; i++) {
		if (a[i] != b[i])
			return a[i] > b[i];
	}
	return a_len > b_len;
}

/* SHA-512(lv_cat(DSI_ISK, sid, K) || transcript), streamed. */
static int
isk_compute(uint8_t out[CPACE_ISK_BYTES], int oc, const uint8_t *sid,
    size_t sid_len, const uint8_t K[CPACE_POINT_BYTES], const uint8_t *ya,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb,
    const uint8_t *adb, size_t adb_len)
{
	crypto_hash_sha512_state st;
	struct sink s = { NULL, &st };
	int r = ERR_INTERNAL;

	memset(out, 0, CPACE_ISK_BYTES);
	if (K == NULL || ya == NULL || yb == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	crypto_hash_sha512_init(&st);
	if ((r = sink_lv(&s, (const uint8_t *)CPACE_DSI_ISK,
	    sizeof(CPACE_DSI_ISK) - 1)) != 0 ||
	    (r = sink_lv(&s, sid, sid_len)) != 0 ||
	    (r = sink_lv(&s, K, CPACE_POINT_BYTES)) != 0)
		goto out;
	if (oc)
		r = sink_transcript_oc(&s, ya, CPACE_POINT_BYTES, ada, ada_len,
		    yb, CPACE_POINT_BYTES, adb, adb_len);
	else
		r = sink_transcript_ir(&s, ya, CPACE_POINT_BYTES, ada, ada_len,
		    yb, CPACE_POINT_BYTES, adb, adb_len);
	if (r != 0)
		goto out;
	crypto_hash_sha512_final(&st, out);
	r = 0;
out:
	/* The hash state has absorbed K. */
	sodium_memzero(&st, sizeof(st));
	return r;
}

int
cpace_isk_ir(uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid,
    size_t sid_len, const uint8_t K[CPACE_POINT_BYTES], const uint8_t *ya,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb,
    const uint8_t *adb, size_t adb_len)
{
	return isk_compute(isk, 0, sid, sid_len, K, ya, ada, ada_len, yb, adb,
	    adb_len);
}

int
cpace_isk_sy(uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid,
    size_t sid_len, const uint8_t K[CPACE_POINT_BYTES], const uint8_t *ya,
    const uint8_t *ada, size_t ada_len, const uint8_t *yb,
    const uint8_t *adb, size_t adb_len)
{
	return isk_compute(isk, 1, sid, sid_len, K, ya, ada, ada_len, yb, adb,
	    adb_len);
}
