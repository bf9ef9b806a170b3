/*
 * chan.c: the password-authenticated secure channel (see chan.h and
 * docs/PROTOCOL.md, which this file follows byte for byte).
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "chan.h"
#include "cookie.h"
#include "cpace.h"
#include "err.h"
#include "frame.h"
#include "identity.h"
#include "kdf.h"
#include "resume.h"

#define SUITE_V1		1	/* CPace-ristretto255-SHA512, HKDF-SHA512,
					 * secretstream, Ed25519 */
#define SS_HEADER_BYTES		crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SS_ABYTES		crypto_secretstream_xchacha20poly1305_ABYTES

#define HELLO_LEN		(1 + CHAN_NONCE_BYTES)
#define SHARE_A_LEN		(CHAN_NONCE_BYTES + CPACE_POINT_BYTES)
#define SHARE_B_LEN		(CPACE_POINT_BYTES + SS_HEADER_BYTES + CHAN_TAG_BYTES)
#define CONFIRM_A_LEN		(SS_HEADER_BYTES + CHAN_TAG_BYTES)
#define ABORT_AUTH		CHAN_ABORT_AUTH
#define ABORT_PROTOCOL		CHAN_ABORT_PROTOCOL

/* Inner record types: the last plaintext byte of every record. */
#define INNER_IDENTITY		0x01
#define INNER_APP		0x02
#define INNER_CLOSE		0x03
#define INNER_KEEPALIVE		0x04
#define IDENTITY_BODY_LEN	(IDENTITY_PK_BYTES + IDENTITY_SIG_BYTES)

static const char LABEL_CI[] = "sotto/1 chan";
static const char LABEL_ROLE_A[] = "A=server";
static const char LABEL_ROLE_B[] = "B=client";
static const char LABEL_SALT[] = "sotto/1 hkdf salt";
static const char LABEL_CONFIRM_C[] = "sotto/1 confirm client";
static const char LABEL_CONFIRM_S[] = "sotto/1 confirm server";
static const char LABEL_KEY_C2S[] = "sotto/1 stream client to server";
static const char LABEL_KEY_S2C[] = "sotto/1 stream server to client";
static const char LABEL_IDENTITY[] = "sotto/1 identity";

enum chan_state {
	ST_CLIENT_INIT,
	ST_CLIENT_WAIT_SHARE_A,
	ST_CLIENT_WAIT_CONFIRM_A,
	ST_SERVER_WAIT_HELLO,
	ST_SERVER_WAIT_SHARE_B,
	ST_CLIENT_WAIT_RESUME_ACCEPT,
	ST_SERVER_WAIT_RESUME_CONFIRM,
	ST_WAIT_IDENTITY,	/* keys confirmed, peer identity not yet */
	ST_OPEN,
	ST_PEER_CLOSED,
	ST_DEAD,
};

/*
 * What only the handshake needs, secret or not, in one guarded
 * sodium_malloc'd block that is wiped and freed as soon as the keys are
 * confirmed (or the channel fails): an open channel is small, which a
 * relay with ten thousand links needs.
 */
struct chan_hs {
	uint8_t		password[CHAN_MAX_PASSWORD];
	size_t		password_len;
	uint8_t		y[CPACE_SCALAR_BYTES];	/* ephemeral scalar */
	uint8_t		k_confirm_c[CHAN_KEY_BYTES];
	uint8_t		k_confirm_s[CHAN_KEY_BYTES];
	uint8_t		k_rx[CHAN_KEY_BYTES];	/* until the peer's header */
	uint8_t		ctx[CHAN_MAX_CONTEXT];
	size_t		ctx_len;
	uint8_t		nonce_c[CHAN_NONCE_BYTES];
	uint8_t		nonce_s[CHAN_NONCE_BYTES];
	uint8_t		ya[CPACE_POINT_BYTES];
	uint8_t		yb[CPACE_POINT_BYTES];
	crypto_hash_sha512_state th;	/* running handshake transcript */
	/* Resumption (§5.7): the session offered or resumed, our X25519
	 * scalar, the RESUME_HELLO frame and the keys derived. */
	struct chan_resume	resume;
	int			has_resume;
	uint8_t			x[RESUME_X25519_BYTES];
	uint8_t			hello[FRAME_HDR_LEN + RESUME_HELLO_LEN];
	struct resume_keys	rk;
};

struct chan {
	enum chan_role		 role;
	enum chan_state		 state;
	int			 sent_close;
	int			 challenged;	/* a CHALLENGE was answered */
	uint32_t		 tx_since_rekey;
	uint32_t		 rekey_every;	/* chan_params.rekey_every */
	struct chan_hs		*hs;	/* NULL once confirmed or failed */
	/* The two record streams: ordinary memory, wiped when the channel
	 * fails, closes or is freed. */
	crypto_secretstream_xchacha20poly1305_state tx;
	crypto_secretstream_xchacha20poly1305_state rx;
	const struct identity	*id;
	chan_rng_fn		 rng;
	void			*rng_ctx;
	uint8_t			 th_final[CHAN_TH_BYTES];
	uint8_t			 peer_pk[IDENTITY_PK_BYTES];
	/* The session, for resuming it later (chan_session). */
	uint8_t			 sid[CHAN_SID_BYTES];
	uint8_t			 next[CHAN_KEY_BYTES];
	uint8_t			 resumed;	/* 0, 1, 2 as chan_session */
	uint8_t			 unconfirmed;	/* resumed client, no record yet */
	uint8_t			 resume_only;
	uint8_t			 link;	/* LINK_HELLO, not HELLO */
	chan_guess_fn		 guess;
	void			*guess_ctx;
};

static int
default_rng(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	randombytes_buf(out, n);
	return 0;
}

int
chan_new(struct chan **cp, const struct chan_params *p)
{
	struct chan *c = NULL;
	int r = ERR_INVALID_ARG;

	*cp = NULL;
	if ((p->role != CHAN_CLIENT && p->role != CHAN_SERVER) ||
	    p->identity == NULL || p->password_len > CHAN_MAX_PASSWORD ||
	    (p->password == NULL && p->password_len > 0) ||
	    p->context_len > CHAN_MAX_CONTEXT ||
	    p->rekey_every > CHAN_REKEY_MAX ||
	    (p->context == NULL && p->context_len > 0))
		goto out;
	r = ERR_ALLOC;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto out;
	if ((c->hs = sodium_malloc(sizeof(*c->hs))) == NULL)
		goto out;
	sodium_memzero(c->hs, sizeof(*c->hs));
	if (p->password_len > 0)
		memcpy(c->hs->password, p->password, p->password_len);
	c->hs->password_len = p->password_len;
	c->role = p->role;
	c->state = p->role == CHAN_CLIENT ? ST_CLIENT_INIT :
	    ST_SERVER_WAIT_HELLO;
	c->id = p->identity;
	if (p->context_len > 0)
		memcpy(c->hs->ctx, p->context, p->context_len);
	c->hs->ctx_len = p->context_len;
	c->rng = p->rng != NULL ? p->rng : default_rng;
	c->rng_ctx = p->rng_ctx;
	if (p->resume != NULL) {
		c->hs->resume = *p->resume;
		c->hs->has_resume = 1;
	}
	c->resume_only = p->resume_only != 0;
	c->link = p->link != 0;
	c->rekey_every = p->rekey_every != 0 ? p->rekey_every :
	    CHAN_REKEY_INTERVAL;
	c->guess = p->guess;
	c->guess_ctx = p->guess_ctx;
	crypto_hash_sha512_init(&c->hs->th);
	*cp = c;
	c = NULL;
	r = 0;
 out:
	chan_free(c);
	return r;
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	if (c->hs != NULL)
		sodium_free(c->hs);	/* wipes */
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* Drops the handshake state (sodium_free wipes it): once the keys are
 * confirmed, or the channel has failed, nothing needs it. */
static void
wipe_handshake(struct chan *c)
{
	if (c->hs != NULL)
		sodium_free(c->hs);
	c->hs = NULL;
}

static int
fail(struct chan *c, int r)
{
	wipe_handshake(c);
	sodium_memzero(&c->tx, sizeof(c->tx));
	sodium_memzero(&c->rx, sizeof(c->rx));
	sodium_memzero(c->next, sizeof(c->next));
	c->state = ST_DEAD;
	return r;
}

/* The server's guessing gate (chan.h): may the peer test a secret now? */
static int
ask_guess(struct chan *c)
{
	if (c->guess != NULL && c->guess(c->guess_ctx, CHAN_GUESS_ASK) != 0)
		return ERR_RETRY_LATER;
	return 0;
}

static void
tell_guess_failed(struct chan *c)
{
	if (c->guess != NULL)
		(void)c->guess(c->guess_ctx, CHAN_GUESS_FAILED);
}

/* CI = lv_cat("sotto/1 chan", "A=server", "B=client", context). */
static int
build_ci(const struct chan *c, struct buf *ci)
{
	int r;

	if ((r = cpace_put_lv(ci, (const uint8_t *)LABEL_CI,
	    sizeof(LABEL_CI) - 1)) != 0 ||
	    (r = cpace_put_lv(ci, (const uint8_t *)LABEL_ROLE_A,
	    sizeof(LABEL_ROLE_A) - 1)) != 0 ||
	    (r = cpace_put_lv(ci, (const uint8_t *)LABEL_ROLE_B,
	    sizeof(LABEL_ROLE_B) - 1)) != 0 ||
	    (r = cpace_put_lv(ci, c->hs->ctx, c->hs->ctx_len)) != 0)
		return r;
	return 0;
}

/*
 * Computes the generator from the password, CI and sid = nonce_c ||
 * nonce_s, draws the ephemeral scalar and writes our share to Y.  The
 * password is wiped here: nothing needs it afterwards.
 */
static int
make_share(struct chan *c, uint8_t Y[CPACE_POINT_BYTES])
{
	uint8_t sid[2 * CHAN_NONCE_BYTES];
	uint8_t g[CPACE_POINT_BYTES];
	uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
	struct buf ci;
	int r = ERR_INTERNAL;

	buf_init(&ci, 4 * 256);
	memcpy(sid, c->hs->nonce_c, CHAN_NONCE_BYTES);
	memcpy(sid + CHAN_NONCE_BYTES, c->hs->nonce_s, CHAN_NONCE_BYTES);
	if ((r = build_ci(c, &ci)) != 0)
		goto out;
	if ((r = cpace_calculate_generator(g, c->hs->password,
	    c->hs->password_len, buf_ptr(&ci), buf_len(&ci), sid,
	    sizeof(sid))) != 0)
		goto out;
	/* A uniformly random scalar: reduce 64 random bytes mod L. */
	r = ERR_CRYPTO;
	if (c->rng(c->rng_ctx, wide, sizeof(wide)) != 0)
		goto out;
	crypto_core_ristretto255_scalar_reduce(c->hs->y, wide);
	if ((r = cpace_share(Y, c->hs->y, g)) != 0)
		goto out;
	r = 0;
 out:
	sodium_memzero(c->hs->password, sizeof(c->hs->password));
	c->hs->password_len = 0;
	sodium_memzero(g, sizeof(g));
	sodium_memzero(wide, sizeof(wide));
	buf_release(&ci);
	return r;
}

/*
 * K from our scalar and the peer's share, ISK (initiator-responder
 * transcript, A = server, empty ADs), then the four keys:
 * PRK = HKDF-Extract(salt "sotto/1 hkdf salt", ISK) and one Expand each.
 * The ephemeral scalar is wiped here whatever happens.
 */
static int
derive_keys(struct chan *c, const uint8_t Y_peer[CPACE_POINT_BYTES],
    uint8_t k_tx[CHAN_KEY_BYTES])
{
	uint8_t K[CPACE_POINT_BYTES];
	uint8_t isk[CPACE_ISK_BYTES];
	uint8_t prk[KDF_PRK_BYTES];
	uint8_t sid[2 * CHAN_NONCE_BYTES];
	uint8_t k_c2s[CHAN_KEY_BYTES], k_s2c[CHAN_KEY_BYTES];
	int r = ERR_INTERNAL;

	memcpy(sid, c->hs->nonce_c, CHAN_NONCE_BYTES);
	memcpy(sid + CHAN_NONCE_BYTES, c->hs->nonce_s, CHAN_NONCE_BYTES);
	r = cpace_secret(K, c->hs->y, Y_peer);
	sodium_memzero(c->hs->y, sizeof(c->hs->y));
	/* An invalid share can only come from interference: to the user it
	 * is the same failure as a wrong password. */
	if (r != 0) {
		r = ERR_AUTH;
		goto out;
	}
	if ((r = cpace_isk_ir(isk, sid, sizeof(sid), K, c->hs->ya, NULL, 0,
	    c->hs->yb, NULL, 0)) != 0)
		goto out;
	kdf_extract(prk, (const uint8_t *)LABEL_SALT, sizeof(LABEL_SALT) - 1,
	    isk, sizeof(isk));
	if ((r = kdf_expand(c->hs->k_confirm_c, CHAN_KEY_BYTES, prk,
	    (const uint8_t *)LABEL_CONFIRM_C, sizeof(LABEL_CONFIRM_C) - 1)) != 0 ||
	    (r = kdf_expand(c->hs->k_confirm_s, CHAN_KEY_BYTES, prk,
	    (const uint8_t *)LABEL_CONFIRM_S, sizeof(LABEL_CONFIRM_S) - 1)) != 0 ||
	    (r = kdf_expand(k_c2s, CHAN_KEY_BYTES, prk,
	    (const uint8_t *)LABEL_KEY_C2S, sizeof(LABEL_KEY_C2S) - 1)) != 0 ||
	    (r = kdf_expand(k_s2c, CHAN_KEY_BYTES, prk,
	    (const uint8_t *)LABEL_KEY_S2C, sizeof(LABEL_KEY_S2C) - 1)) != 0)
		goto out;
	resume_from_prk(prk, c->sid, c->next);
	if (c->role == CHAN_CLIENT) {
		memcpy(k_tx, k_c2s, CHAN_KEY_BYTES);
		memcpy(c->hs->k_rx, k_s2c, CHAN_KEY_BYTES);
	} else {
		memcpy(k_tx, k_s2c, CHAN_KEY_BYTES);
		memcpy(c->hs->k_rx, k_c2s, CHAN_KEY_BYTES);
	}
	r = 0;
 out:
	sodium_memzero(K, sizeof(K));
	sodium_memzero(isk, sizeof(isk));
	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(k_c2s, sizeof(k_c2s));
	sodium_memzero(k_s2c, sizeof(k_s2c));
	return r;
}

/*
 * The confirmation tag over the transcript so far plus 'len' bytes of
 * the frame being built or checked (everything in it before the tag):
 * HMAC-SHA-512-256(key, SHA-512(transcript || frame[0..len))).
 */
static void
confirm_tag(const struct chan *c, const uint8_t key[CHAN_KEY_BYTES],
    const uint8_t *frame, size_t len, uint8_t tag[CHAN_TAG_BYTES])
{
	crypto_hash_sha512_state st = c->hs->th;
	uint8_t h[crypto_hash_sha512_BYTES];

	crypto_hash_sha512_update(&st, frame, len);
	crypto_hash_sha512_final(&st, h);
	crypto_auth_hmacsha512256(tag, h, sizeof(h), key);
	sodium_memzero(h, sizeof(h));
}

static int
check_tag(const struct chan *c, const uint8_t key[CHAN_KEY_BYTES],
    const uint8_t *frame, size_t len, const uint8_t tag[CHAN_TAG_BYTES])
{
	uint8_t want[CHAN_TAG_BYTES];
	int ok;

	confirm_tag(c, key, frame, len, want);
	ok = sodium_memcmp(want, tag, CHAN_TAG_BYTES) == 0;
	sodium_memzero(want, sizeof(want));
	return ok ? 0 : ERR_AUTH;
}

/* Reserves a whole frame of payload length len on out, writes its header
 * and returns a pointer to the frame's first byte. */
static int
reserve_frame(struct buf *out, uint8_t type, size_t len, uint8_t **fp)
{
	int r;

	if ((r = buf_reserve(out, FRAME_HDR_LEN + len, fp)) != 0)
		return r;
	frame_put_header(*fp, type, (uint32_t)len);
	return 0;
}

static void
put_abort(struct buf *out, uint8_t reason)
{
	/* Best effort: the channel is failing anyway. */
	(void)frame_put(out, FRAME_ABORT, &reason, 1);
}

int
chan_put_abort(struct buf *out, enum chan_abort reason)
{
	uint8_t r = (uint8_t)reason;

	return frame_put(out, FRAME_ABORT, &r, 1);
}

/* Seals one record (body || inner) as a whole frame at f, which has
 * room for chan_record_len(len) bytes. */
static int
seal_at(struct chan *c, uint8_t inner, const uint8_t *body, size_t len,
    uint8_t *f)
{
	uint8_t *p, tag;
	size_t mlen = len + 1;

	frame_put_header(f, FRAME_RECORD, (uint32_t)(mlen + SS_ABYTES));
	p = f + FRAME_HDR_LEN;
	/* secretstream writes its encrypted tag byte at p[0] and the
	 * ciphertext of m at p + 1, so m can be placed there already. */
	if (len > 0)
		memmove(p + 1, body, len);
	p[1 + len] = inner;
	if (inner == INNER_CLOSE)
		tag = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	else if (++c->tx_since_rekey >= c->rekey_every) {
		tag = crypto_secretstream_xchacha20poly1305_TAG_REKEY;
		c->tx_since_rekey = 0;
	} else
		tag = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	if (crypto_secretstream_xchacha20poly1305_push(&c->tx, p, NULL,
	    p + 1, mlen, NULL, 0, tag) != 0)
		return ERR_CRYPTO;
	return 0;
}

/* Seals one record onto out. */
static int
seal(struct chan *c, uint8_t inner, const uint8_t *body, size_t len,
    struct buf *out)
{
	uint8_t *f;
	int r;

	if (len > FRAME_MAX_APP)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, chan_record_len(len), &f)) != 0)
		return r;
	if ((r = seal_at(c, inner, body, len, f)) != 0)
		buf_unput(out, chan_record_len(len));
	return r;
}

size_t
chan_record_len(size_t len)
{
	return FRAME_HDR_LEN + len + 1 + SS_ABYTES;
}

int
chan_send_at(struct chan *c, const uint8_t *msg, size_t len, uint8_t *dst)
{
	int r;

	if (c->state == ST_DEAD || c->sent_close)
		return ERR_CLOSED;
	if (c->state != ST_OPEN && c->state != ST_PEER_CLOSED)
		return ERR_STATE;
	if (len > FRAME_MAX_APP)
		return ERR_TOO_LARGE;
	if ((r = seal_at(c, INNER_APP, msg, len, dst)) != 0)
		sodium_memzero(dst, chan_record_len(len));	/* plaintext */
	return r;
}

static int
send_identity(struct chan *c, struct buf *out)
{
	uint8_t body[IDENTITY_BODY_LEN];
	uint8_t msg[sizeof(LABEL_IDENTITY) - 1 + 1 + CHAN_TH_BYTES];
	int r;

	/* Sign label || our role byte || transcript hash. */
	memcpy(msg, LABEL_IDENTITY, sizeof(LABEL_IDENTITY) - 1);
	msg[sizeof(LABEL_IDENTITY) - 1] = c->role == CHAN_CLIENT ? 'C' : 'S';
	memcpy(msg + sizeof(LABEL_IDENTITY), c->th_final, CHAN_TH_BYTES);
	memcpy(body, c->id->pk, IDENTITY_PK_BYTES);
	identity_sign(c->id, body + IDENTITY_PK_BYTES, msg, sizeof(msg));
	r = seal(c, INNER_IDENTITY, body, sizeof(body), out);
	return r;
}

static int
check_identity(struct chan *c, const uint8_t *body, size_t len)
{
	uint8_t msg[sizeof(LABEL_IDENTITY) - 1 + 1 + CHAN_TH_BYTES];

	if (len != IDENTITY_BODY_LEN)
		return len < IDENTITY_BODY_LEN ? ERR_TRUNCATED : ERR_TRAILING;
	memcpy(msg, LABEL_IDENTITY, sizeof(LABEL_IDENTITY) - 1);
	msg[sizeof(LABEL_IDENTITY) - 1] = c->role == CHAN_CLIENT ? 'S' : 'C';
	memcpy(msg + sizeof(LABEL_IDENTITY), c->th_final, CHAN_TH_BYTES);
	if (identity_verify(body, body + IDENTITY_PK_BYTES, msg,
	    sizeof(msg)) != 0)
		return ERR_SIGNATURE;
	memcpy(c->peer_pk, body, IDENTITY_PK_BYTES);
	return 0;
}

/*
 * Resumption (PROTOCOL §5.7).  Client: RESUME_HELLO out, carrying the
 * session id, a fresh nonce and X25519 share, and a tag proving that we
 * hold the session's resumption secret.
 */
static int
resume_start(struct chan *c, struct buf *out)
{
	uint8_t *f, *p;
	int r;

	if (c->rng(c->rng_ctx, c->hs->nonce_c, CHAN_NONCE_BYTES) != 0 ||
	    c->rng(c->rng_ctx, c->hs->x, sizeof(c->hs->x)) != 0)
		return fail(c, ERR_CRYPTO);
	if ((r = reserve_frame(out, FRAME_RESUME_HELLO, RESUME_HELLO_LEN,
	    &f)) != 0)
		return r;
	p = f + FRAME_HDR_LEN;
	memcpy(p, c->hs->resume.sid, CHAN_SID_BYTES);
	memcpy(p + CHAN_SID_BYTES, c->hs->nonce_c, CHAN_NONCE_BYTES);
	crypto_scalarmult_curve25519_base(p + CHAN_SID_BYTES +
	    CHAN_NONCE_BYTES, c->hs->x);
	resume_hello_tag(c->hs->resume.secret, f,
	    sizeof(c->hs->hello) - RESUME_TAG_BYTES,
	    p + RESUME_HELLO_LEN - RESUME_TAG_BYTES);
	memcpy(c->hs->hello, f, sizeof(c->hs->hello));
	crypto_hash_sha512_update(&c->hs->th, f, sizeof(c->hs->hello));
	c->state = ST_CLIENT_WAIT_RESUME_ACCEPT;
	return 0;
}

/* Both sides, once resumed: the session goes on under new keys. */
static void
resume_done(struct chan *c, enum chan_event *ev)
{
	crypto_hash_sha512_final(&c->hs->th, c->th_final);
	memcpy(c->peer_pk, c->hs->resume.peer_pk, IDENTITY_PK_BYTES);
	memcpy(c->sid, c->hs->resume.sid, CHAN_SID_BYTES);
	memcpy(c->next, c->hs->rk.next, CHAN_KEY_BYTES);
	wipe_handshake(c);
	c->state = ST_OPEN;
	*ev = CHAN_EV_ESTABLISHED;
}

/* Server: RESUME_HELLO in, RESUME_ACCEPT out. */
static int
on_resume_hello(struct chan *c, const struct frame *fr, struct buf *pl,
    struct buf *out)
{
	const uint8_t *sid, *nonce_c, *xc, *tag, *secret = NULL;
	uint8_t want[RESUME_TAG_BYTES], nonce_s[CHAN_NONCE_BYTES];
	uint8_t xs[RESUME_X25519_BYTES];
	uint8_t *f, *p;
	size_t mlen = FRAME_HDR_LEN + RESUME_HELLO_LEN - RESUME_TAG_BYTES;
	int r;

	if ((r = buf_get_view(pl, CHAN_SID_BYTES, &sid)) != 0 ||
	    (r = buf_get_view(pl, CHAN_NONCE_BYTES, &nonce_c)) != 0 ||
	    (r = buf_get_view(pl, RESUME_X25519_BYTES, &xc)) != 0 ||
	    (r = buf_get_view(pl, RESUME_TAG_BYTES, &tag)) != 0 ||
	    (r = buf_expect_end(pl)) != 0)
		return r;
	/* An unknown session is no guess: the id is no secret. */
	if (!c->hs->has_resume ||
	    sodium_memcmp(sid, c->hs->resume.sid, CHAN_SID_BYTES) != 0)
		return ERR_NO_SESSION;
	if ((r = ask_guess(c)) != 0)
		return r;
	resume_hello_tag(c->hs->resume.secret, fr->hdr, mlen, want);
	if (sodium_memcmp(want, tag, RESUME_TAG_BYTES) == 0) {
		secret = c->hs->resume.secret;
		c->resumed = 1;
	} else if (c->hs->resume.has_prev) {
		resume_hello_tag(c->hs->resume.prev, fr->hdr, mlen, want);
		if (sodium_memcmp(want, tag, RESUME_TAG_BYTES) == 0) {
			secret = c->hs->resume.prev;
			c->resumed = 2;
		}
	}
	sodium_memzero(want, sizeof(want));
	r = ERR_CRYPTO;
	if (secret != NULL) {
		memcpy(c->hs->hello, fr->hdr, sizeof(c->hs->hello));
		if (c->rng(c->rng_ctx, nonce_s, sizeof(nonce_s)) != 0 ||
		    c->rng(c->rng_ctx, c->hs->x, sizeof(c->hs->x)) != 0)
			goto out;
		crypto_scalarmult_curve25519_base(xs, c->hs->x);
		r = resume_derive(&c->hs->rk, secret, c->hs->x, xc,
		    c->hs->hello, sizeof(c->hs->hello), nonce_s, xs);
	} else
		r = ERR_AUTH;
	sodium_memzero(c->hs->x, sizeof(c->hs->x));
	if (r == ERR_AUTH)
		tell_guess_failed(c);
	if (r != 0)
		goto out;
	crypto_hash_sha512_update(&c->hs->th, c->hs->hello,
	    sizeof(c->hs->hello));
	if ((r = reserve_frame(out, FRAME_RESUME_ACCEPT, RESUME_ACCEPT_LEN,
	    &f)) != 0)
		goto out;
	p = f + FRAME_HDR_LEN;
	memcpy(p, nonce_s, CHAN_NONCE_BYTES);
	memcpy(p + CHAN_NONCE_BYTES, xs, RESUME_X25519_BYTES);
	crypto_secretstream_xchacha20poly1305_init_push(&c->tx,
	    p + CHAN_NONCE_BYTES + RESUME_X25519_BYTES, c->hs->rk.s2c);
	memcpy(c->hs->k_rx, c->hs->rk.c2s, CHAN_KEY_BYTES);
	confirm_tag(c, c->hs->rk.confirm_s, f,
	    FRAME_HDR_LEN + RESUME_ACCEPT_LEN - RESUME_TAG_BYTES,
	    p + RESUME_ACCEPT_LEN - RESUME_TAG_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f,
	    FRAME_HDR_LEN + RESUME_ACCEPT_LEN);
	c->state = ST_SERVER_WAIT_RESUME_CONFIRM;
	r = 0;
 out:
	return r;
}

/* Client: RESUME_ACCEPT in, RESUME_CONFIRM out; the channel is open. */
static int
on_resume_accept(struct chan *c, const struct frame *fr, struct buf *pl,
    struct buf *out, enum chan_event *ev)
{
	const uint8_t *nonce_s, *xs, *hdr, *tag;
	uint8_t *f, *p;
	int r;

	if ((r = buf_get_view(pl, CHAN_NONCE_BYTES, &nonce_s)) != 0 ||
	    (r = buf_get_view(pl, RESUME_X25519_BYTES, &xs)) != 0 ||
	    (r = buf_get_view(pl, RESUME_HDR_BYTES, &hdr)) != 0 ||
	    (r = buf_get_view(pl, RESUME_TAG_BYTES, &tag)) != 0 ||
	    (r = buf_expect_end(pl)) != 0)
		return r;
	r = resume_derive(&c->hs->rk, c->hs->resume.secret, c->hs->x, xs,
	    c->hs->hello, sizeof(c->hs->hello), nonce_s, xs);
	sodium_memzero(c->hs->x, sizeof(c->hs->x));
	if (r != 0 || (r = check_tag(c, c->hs->rk.confirm_s, fr->hdr,
	    FRAME_HDR_LEN + RESUME_ACCEPT_LEN - RESUME_TAG_BYTES, tag)) != 0)
		return r;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&c->rx, hdr,
	    c->hs->rk.s2c) != 0)
		return ERR_CRYPTO;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	if ((r = reserve_frame(out, FRAME_RESUME_CONFIRM, RESUME_CONFIRM_LEN,
	    &f)) != 0)
		return r;
	p = f + FRAME_HDR_LEN;
	crypto_secretstream_xchacha20poly1305_init_push(&c->tx, p,
	    c->hs->rk.c2s);
	confirm_tag(c, c->hs->rk.confirm_c, f,
	    FRAME_HDR_LEN + RESUME_HDR_BYTES, p + RESUME_HDR_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f,
	    FRAME_HDR_LEN + RESUME_CONFIRM_LEN);
	c->resumed = 1;
	c->unconfirmed = 1;
	resume_done(c, ev);
	return 0;
}

/* Server: RESUME_CONFIRM in; the channel is open. */
static int
on_resume_confirm(struct chan *c, const struct frame *fr, struct buf *pl,
    enum chan_event *ev)
{
	const uint8_t *hdr, *tag;
	int r;

	if ((r = buf_get_view(pl, RESUME_HDR_BYTES, &hdr)) != 0 ||
	    (r = buf_get_view(pl, RESUME_TAG_BYTES, &tag)) != 0 ||
	    (r = buf_expect_end(pl)) != 0)
		return r;
	/* A replayed RESUME_HELLO gets this far; only the holder of its
	 * X25519 scalar can confirm. */
	if ((r = check_tag(c, c->hs->rk.confirm_c, fr->hdr,
	    FRAME_HDR_LEN + RESUME_HDR_BYTES, tag)) != 0) {
		tell_guess_failed(c);
		return r;
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&c->rx, hdr,
	    c->hs->k_rx) != 0)
		return ERR_CRYPTO;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	resume_done(c, ev);
	return 0;
}

int
chan_start(struct chan *c, struct buf *out)
{
	uint8_t *f;
	int r;

	if (c->role == CHAN_SERVER)
		return c->state == ST_DEAD ? ERR_CLOSED : 0;
	if (c->state != ST_CLIENT_INIT)
		return ERR_STATE;
	if (c->hs->has_resume)
		return resume_start(c, out);
	if (c->rng(c->rng_ctx, c->hs->nonce_c, CHAN_NONCE_BYTES) != 0)
		return fail(c, ERR_CRYPTO);
	if ((r = reserve_frame(out, c->link ? FRAME_LINK_HELLO : FRAME_HELLO,
	    HELLO_LEN, &f)) != 0)
		return r;
	f[FRAME_HDR_LEN] = SUITE_V1;
	memcpy(f + FRAME_HDR_LEN + 1, c->hs->nonce_c, CHAN_NONCE_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f, FRAME_HDR_LEN + HELLO_LEN);
	c->state = ST_CLIENT_WAIT_SHARE_A;
	return 0;
}

/* Server: HELLO in, SHARE_A out. */
static int
on_hello(struct chan *c, const struct frame *fr, struct buf *in_payload,
    struct buf *out)
{
	uint8_t suite, *f;
	int r;

	if ((r = buf_get_u8(in_payload, &suite)) != 0 ||
	    (r = buf_get_fixed(in_payload, c->hs->nonce_c, CHAN_NONCE_BYTES)) != 0 ||
	    (r = buf_expect_end(in_payload)) != 0)
		return r;
	if (suite != SUITE_V1)
		return ERR_VERSION;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	if (c->rng(c->rng_ctx, c->hs->nonce_s, CHAN_NONCE_BYTES) != 0)
		return ERR_CRYPTO;
	if ((r = make_share(c, c->hs->ya)) != 0)
		return r;
	if ((r = reserve_frame(out, FRAME_SHARE_A, SHARE_A_LEN, &f)) != 0)
		return r;
	memcpy(f + FRAME_HDR_LEN, c->hs->nonce_s, CHAN_NONCE_BYTES);
	memcpy(f + FRAME_HDR_LEN + CHAN_NONCE_BYTES, c->hs->ya, CPACE_POINT_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f, FRAME_HDR_LEN + SHARE_A_LEN);
	c->state = ST_SERVER_WAIT_SHARE_B;
	return 0;
}

/* Client: SHARE_A in, SHARE_B out. */
static int
on_share_a(struct chan *c, const struct frame *fr, struct buf *in_payload,
    struct buf *out)
{
	uint8_t k_tx[CHAN_KEY_BYTES];
	uint8_t *f, *p;
	int r;

	if ((r = buf_get_fixed(in_payload, c->hs->nonce_s, CHAN_NONCE_BYTES)) != 0 ||
	    (r = buf_get_fixed(in_payload, c->hs->ya, CPACE_POINT_BYTES)) != 0 ||
	    (r = buf_expect_end(in_payload)) != 0)
		return r;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	if ((r = make_share(c, c->hs->yb)) != 0)
		goto out;
	if ((r = derive_keys(c, c->hs->ya, k_tx)) != 0)
		goto out;
	if ((r = reserve_frame(out, FRAME_SHARE_B, SHARE_B_LEN, &f)) != 0)
		goto out;
	p = f + FRAME_HDR_LEN;
	memcpy(p, c->hs->yb, CPACE_POINT_BYTES);
	crypto_secretstream_xchacha20poly1305_init_push(&c->tx,
	    p + CPACE_POINT_BYTES, k_tx);
	confirm_tag(c, c->hs->k_confirm_c, f,
	    FRAME_HDR_LEN + SHARE_B_LEN - CHAN_TAG_BYTES,
	    p + SHARE_B_LEN - CHAN_TAG_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f, FRAME_HDR_LEN + SHARE_B_LEN);
	c->state = ST_CLIENT_WAIT_CONFIRM_A;
	r = 0;
 out:
	sodium_memzero(k_tx, sizeof(k_tx));
	return r;
}

/* Server: SHARE_B in, CONFIRM_A and our identity record out. */
static int
on_share_b(struct chan *c, const struct frame *fr, struct buf *in_payload,
    struct buf *out)
{
	uint8_t k_tx[CHAN_KEY_BYTES];
	const uint8_t *hdr, *tag;
	uint8_t *f, *p;
	int r;

	if ((r = buf_get_fixed(in_payload, c->hs->yb, CPACE_POINT_BYTES)) != 0 ||
	    (r = buf_get_view(in_payload, SS_HEADER_BYTES, &hdr)) != 0 ||
	    (r = buf_get_view(in_payload, CHAN_TAG_BYTES, &tag)) != 0 ||
	    (r = buf_expect_end(in_payload)) != 0)
		return r;
	if ((r = ask_guess(c)) != 0 ||
	    (r = derive_keys(c, c->hs->yb, k_tx)) != 0)
		goto out;
	if ((r = check_tag(c, c->hs->k_confirm_c, fr->hdr,
	    FRAME_HDR_LEN + SHARE_B_LEN - CHAN_TAG_BYTES, tag)) != 0) {
		tell_guess_failed(c);
		goto out;
	}
	r = ERR_CRYPTO;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&c->rx, hdr,
	    c->hs->k_rx) != 0)
		goto out;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	if ((r = reserve_frame(out, FRAME_CONFIRM_A, CONFIRM_A_LEN, &f)) != 0)
		goto out;
	p = f + FRAME_HDR_LEN;
	crypto_secretstream_xchacha20poly1305_init_push(&c->tx, p, k_tx);
	confirm_tag(c, c->hs->k_confirm_s, f,
	    FRAME_HDR_LEN + CONFIRM_A_LEN - CHAN_TAG_BYTES,
	    p + SS_HEADER_BYTES);
	crypto_hash_sha512_update(&c->hs->th, f, FRAME_HDR_LEN + CONFIRM_A_LEN);
	crypto_hash_sha512_final(&c->hs->th, c->th_final);
	wipe_handshake(c);
	if ((r = send_identity(c, out)) != 0)
		goto out;
	c->state = ST_WAIT_IDENTITY;
	r = 0;
 out:
	sodium_memzero(k_tx, sizeof(k_tx));
	return r;
}

/* Client: CONFIRM_A in, our identity record out. */
static int
on_confirm_a(struct chan *c, const struct frame *fr, struct buf *in_payload,
    struct buf *out)
{
	const uint8_t *hdr, *tag;
	int r;

	if ((r = buf_get_view(in_payload, SS_HEADER_BYTES, &hdr)) != 0 ||
	    (r = buf_get_view(in_payload, CHAN_TAG_BYTES, &tag)) != 0 ||
	    (r = buf_expect_end(in_payload)) != 0)
		return r;
	if ((r = check_tag(c, c->hs->k_confirm_s, fr->hdr,
	    FRAME_HDR_LEN + CONFIRM_A_LEN - CHAN_TAG_BYTES, tag)) != 0)
		return r;
	if (crypto_secretstream_xchacha20poly1305_init_pull(&c->rx, hdr,
	    c->hs->k_rx) != 0)
		return ERR_CRYPTO;
	crypto_hash_sha512_update(&c->hs->th, fr->hdr, FRAME_HDR_LEN + fr->len);
	crypto_hash_sha512_final(&c->hs->th, c->th_final);
	wipe_handshake(c);
	if ((r = send_identity(c, out)) != 0)
		return r;
	c->state = ST_WAIT_IDENTITY;
	return 0;
}

/* Opens one record into app; on success the plaintext (without its inner
 * type byte) is left appended to app and its type is in *inner. */
static int
open_record(struct chan *c, const struct frame *fr, struct buf *app,
    uint8_t *inner, size_t *body_len)
{
	unsigned long long mlen;
	uint8_t *m, tag;
	size_t want;
	int r;

	if (fr->len < SS_ABYTES + 1)
		return ERR_TRUNCATED;
	want = fr->len - SS_ABYTES;
	if ((r = buf_reserve(app, want, &m)) != 0)
		return r;
	if (crypto_secretstream_xchacha20poly1305_pull(&c->rx, m, &mlen,
	    &tag, fr->payload, fr->len, NULL, 0) != 0 ||
	    mlen != want) {
		buf_unput(app, want);
		return ERR_RECORD;
	}
	*inner = m[want - 1];
	buf_unput(app, 1);
	*body_len = want - 1;
	/* The final tag is reserved for CLOSE and CLOSE for the final tag,
	 * so a truncated stream can never look like a clean end. */
	if (*inner == INNER_CLOSE ?
	    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL :
	    (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
	    tag != crypto_secretstream_xchacha20poly1305_TAG_REKEY)) {
		buf_unput(app, *body_len);
		return ERR_RECORD;
	}
	return 0;
}

static int
on_record(struct chan *c, const struct frame *fr, struct buf *app,
    enum chan_event *ev)
{
	size_t body_len;
	uint8_t inner;
	int r;

	if ((r = open_record(c, fr, app, &inner, &body_len)) != 0)
		return r;
	switch (c->state) {
	case ST_WAIT_IDENTITY:
		r = ERR_STATE;
		if (inner == INNER_IDENTITY)
			r = check_identity(c, buf_ptr(app) + buf_len(app) -
			    body_len, body_len);
		buf_unput(app, body_len);
		if (r != 0)
			return r;
		c->state = ST_OPEN;
		*ev = CHAN_EV_ESTABLISHED;
		return 0;
	case ST_OPEN:
		c->unconfirmed = 0;	/* the server accepted our resumption */
		if (inner == INNER_APP) {
			*ev = CHAN_EV_DATA;
			return 0;
		}
		buf_unput(app, body_len);
		if (inner == INNER_KEEPALIVE && body_len == 0)
			return 0;
		if (inner == INNER_CLOSE && body_len == 0) {
			c->state = ST_PEER_CLOSED;
			*ev = CHAN_EV_CLOSED;
			return 0;
		}
		return (inner == INNER_CLOSE || inner == INNER_KEEPALIVE) ?
		    ERR_TRAILING : ERR_STATE;
	default:
		buf_unput(app, body_len);
		return ERR_STATE;
	}
}

/*
 * Client: a busy server's CHALLENGE (PROTOCOL §5.9) in, PROOF out; still
 * waiting for SHARE_A.  Once per handshake, and outside the transcript:
 * it carries nothing the keys depend on.
 */
static int
on_challenge(struct chan *c, const struct frame *fr, struct buf *out)
{
	struct cookie_challenge ch;
	struct cookie_proof pr;
	int r;

	if ((r = cookie_parse_challenge(&ch, fr->payload, fr->len)) != 0)
		return r;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* A fuzzer's CHALLENGE must not cost it seconds a run. */
	if (ch.bits > 8)
		return ERR_RETRY_LATER;
#endif
	memset(&pr, 0, sizeof(pr));
	pr.window = ch.window;
	pr.bits = ch.bits;
	memcpy(pr.cookie, ch.cookie, COOKIE_BYTES);
	if ((r = puzzle_solve(ch.cookie, ch.bits, pr.solution)) != 0)
		return r;
	if ((r = cookie_put_proof(out, &pr)) != 0)
		return r;
	c->challenged = 1;
	return 0;
}

static int
on_abort(struct chan *c, struct buf *in_payload)
{
	uint8_t reason;
	int r;

	/* Unauthenticated, so only believed before the channel is open;
	 * afterwards it can only be an attacker's injection. */
	if (c->state == ST_OPEN && !c->unconfirmed)
		return ERR_RECORD;
	if ((r = buf_get_u8(in_payload, &reason)) != 0 ||
	    (r = buf_expect_end(in_payload)) != 0)
		return r;
	switch (reason) {
	case CHAN_ABORT_AUTH:
		return ERR_AUTH;
	case CHAN_ABORT_BUSY:
		return ERR_BUSY;
	case CHAN_ABORT_RETRY:
		return ERR_RETRY_LATER;
	case CHAN_ABORT_NO_SESSION:
		return ERR_NO_SESSION;
	case CHAN_ABORT_IS_RELAY:
		return ERR_IS_RELAY;
	case CHAN_ABORT_IS_HOST:
		return ERR_IS_HOST;
	}
	return ERR_PROTOCOL;
}

/*
 * A failure before the channel is open is told to the peer with an
 * ABORT, so that both sides report the same thing (a failed key
 * confirmation is ERR_AUTH on both).  Not for an ABORT we received.
 */
static int
fail_handshake(struct chan *c, int r, struct buf *out, int from_abort)
{
	uint8_t reason;

	switch (r) {
	case ERR_AUTH:
		reason = ABORT_AUTH;
		break;
	case ERR_BUSY:
		reason = CHAN_ABORT_BUSY;
		break;
	case ERR_RETRY_LATER:
		reason = CHAN_ABORT_RETRY;
		break;
	case ERR_NO_SESSION:
		reason = CHAN_ABORT_NO_SESSION;
		break;
	case ERR_WRONG_KIND:
		reason = c->link ? CHAN_ABORT_IS_RELAY : CHAN_ABORT_IS_HOST;
		break;
	default:
		reason = ABORT_PROTOCOL;
		break;
	}
	if (!from_abort && c->state != ST_OPEN && c->state != ST_DEAD &&
	    c->state != ST_PEER_CLOSED && c->state != ST_CLIENT_INIT)
		put_abort(out, reason);
	return fail(c, r);
}

/* ERR_TRUNCATED / ERR_TRAILING unless a handshake or abort frame's
 * header announces exactly its fixed payload length. */
static int
check_handshake_len(const uint8_t hdr[FRAME_HDR_LEN])
{
	uint32_t len = ((uint32_t)hdr[2] << 24) | ((uint32_t)hdr[3] << 16) |
	    ((uint32_t)hdr[4] << 8) | hdr[5];
	uint32_t want;

	switch (hdr[1]) {
	case FRAME_HELLO:
	case FRAME_LINK_HELLO:
		want = HELLO_LEN;
		break;
	case FRAME_SHARE_A:
		want = SHARE_A_LEN;
		break;
	case FRAME_SHARE_B:
		want = SHARE_B_LEN;
		break;
	case FRAME_CONFIRM_A:
		want = CONFIRM_A_LEN;
		break;
	case FRAME_CHALLENGE:
		want = COOKIE_CHALLENGE_LEN;
		break;
	case FRAME_PROOF:
		want = COOKIE_PROOF_LEN;
		break;
	case FRAME_RESUME_HELLO:
		want = RESUME_HELLO_LEN;
		break;
	case FRAME_RESUME_ACCEPT:
		want = RESUME_ACCEPT_LEN;
		break;
	case FRAME_RESUME_CONFIRM:
		want = RESUME_CONFIRM_LEN;
		break;
	case FRAME_ABORT:
		want = 1;
		break;
	default:
		return 0;
	}
	if (len == want)
		return 0;
	return len < want ? ERR_TRUNCATED : ERR_TRAILING;
}

int
chan_feed(struct chan *c, struct buf *in, struct buf *out, struct buf *app,
    enum chan_event *ev)
{
	struct frame fr;
	struct buf payload;
	int r;

	*ev = CHAN_EV_NONE;
	if (c->state == ST_DEAD || c->state == ST_PEER_CLOSED)
		return ERR_CLOSED;
	if ((r = frame_parse(buf_ptr(in), buf_len(in), &fr, NULL)) != 0) {
		/* A handshake frame's length is known from its type: judge
		 * it from the header, before buffering a payload for it. */
		if (r == ERR_NEED_MORE && buf_len(in) >= FRAME_HDR_LEN)
			r = check_handshake_len(buf_ptr(in));
		if (r == 0 || r == ERR_NEED_MORE)
			return ERR_NEED_MORE;
		/* Never answer an ABORT, not even a malformed one. */
		return fail_handshake(c, r, out, buf_len(in) >= 2 &&
		    buf_ptr(in)[1] == FRAME_ABORT);
	}
	if ((r = check_handshake_len(fr.hdr)) != 0)
		return fail_handshake(c, r, out, fr.type == FRAME_ABORT);
	buf_view(&payload, fr.payload, fr.len);
	switch (fr.type) {
	case FRAME_HELLO:
	case FRAME_LINK_HELLO:
		/* The other kind of server is told so before anything
		 * derived from a password (no guess); a server that only
		 * resumes (its conversation is going on) is busy for a new
		 * one. */
		r = c->state != ST_SERVER_WAIT_HELLO ? ERR_STATE :
		    (fr.type == FRAME_LINK_HELLO) != c->link ? ERR_WRONG_KIND :
		    c->resume_only ? ERR_BUSY : on_hello(c, &fr, &payload, out);
		break;
	case FRAME_RESUME_HELLO:
		r = c->state == ST_SERVER_WAIT_HELLO ?
		    on_resume_hello(c, &fr, &payload, out) : ERR_STATE;
		break;
	case FRAME_RESUME_ACCEPT:
		r = c->state == ST_CLIENT_WAIT_RESUME_ACCEPT ?
		    on_resume_accept(c, &fr, &payload, out, ev) : ERR_STATE;
		break;
	case FRAME_RESUME_CONFIRM:
		r = c->state == ST_SERVER_WAIT_RESUME_CONFIRM ?
		    on_resume_confirm(c, &fr, &payload, ev) : ERR_STATE;
		break;
	case FRAME_SHARE_A:
		r = c->state == ST_CLIENT_WAIT_SHARE_A ?
		    on_share_a(c, &fr, &payload, out) : ERR_STATE;
		break;
	case FRAME_SHARE_B:
		r = c->state == ST_SERVER_WAIT_SHARE_B ?
		    on_share_b(c, &fr, &payload, out) : ERR_STATE;
		break;
	case FRAME_CONFIRM_A:
		r = c->state == ST_CLIENT_WAIT_CONFIRM_A ?
		    on_confirm_a(c, &fr, &payload, out) : ERR_STATE;
		break;
	case FRAME_CHALLENGE:
		r = c->state == ST_CLIENT_WAIT_SHARE_A && !c->challenged ?
		    on_challenge(c, &fr, out) : ERR_STATE;
		break;
	case FRAME_ABORT:
		r = on_abort(c, &payload);
		break;
	case FRAME_RECORD:
		r = (c->state == ST_WAIT_IDENTITY || c->state == ST_OPEN) ?
		    on_record(c, &fr, app, ev) : ERR_STATE;
		break;
	case FRAME_PROOF:	/* the relay's admission takes these */
		r = ERR_STATE;
		break;
	default:
		r = ERR_TYPE;	/* frame_parse knows no other type */
		break;
	}
	if (r != 0) {
		*ev = CHAN_EV_NONE;
		return fail_handshake(c, r, out, fr.type == FRAME_ABORT);
	}
	(void)buf_consume(in, FRAME_HDR_LEN + fr.len);
	return 0;
}

int
chan_send(struct chan *c, const uint8_t *msg, size_t len, struct buf *out)
{
	if (c->state == ST_DEAD || c->sent_close)
		return ERR_CLOSED;
	if (c->state != ST_OPEN && c->state != ST_PEER_CLOSED)
		return ERR_STATE;
	return seal(c, INNER_APP, msg, len, out);
}

int
chan_send_keepalive(struct chan *c, struct buf *out)
{
	if (c->state == ST_DEAD || c->sent_close)
		return ERR_CLOSED;
	if (c->state != ST_OPEN && c->state != ST_PEER_CLOSED)
		return ERR_STATE;
	return seal(c, INNER_KEEPALIVE, NULL, 0, out);
}

int
chan_close(struct chan *c, struct buf *out)
{
	int r;

	if (c->state == ST_DEAD || c->sent_close)
		return ERR_CLOSED;
	/* Before our stream exists there is nothing to close: the peer
	 * sees the transport end and calls it a cut, which it is. */
	if (c->state != ST_OPEN && c->state != ST_PEER_CLOSED &&
	    c->state != ST_WAIT_IDENTITY)
		return ERR_STATE;
	if ((r = seal(c, INNER_CLOSE, NULL, 0, out)) != 0)
		return r;
	c->sent_close = 1;
	sodium_memzero(&c->tx, sizeof(c->tx));
	return 0;
}

int
chan_eof(struct chan *c)
{
	return c->state == ST_PEER_CLOSED ? 0 : ERR_CUT;
}

int
chan_established(const struct chan *c)
{
	return c->state == ST_OPEN || c->state == ST_PEER_CLOSED;
}

const uint8_t *
chan_peer_identity(const struct chan *c)
{
	return chan_established(c) ? c->peer_pk : NULL;
}

const uint8_t *
chan_transcript_hash(const struct chan *c)
{
	return c->th_final;
}

int
chan_session(const struct chan *c, uint8_t sid[CHAN_SID_BYTES],
    uint8_t next[CHAN_KEY_BYTES], int *resumed, int *confirmed)
{
	if (!chan_established(c))
		return ERR_STATE;
	memcpy(sid, c->sid, CHAN_SID_BYTES);
	memcpy(next, c->next, CHAN_KEY_BYTES);
	*resumed = c->resumed;
	*confirmed = !c->unconfirmed;
	return 0;
}
