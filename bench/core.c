/*
 * bench/core.c: CPU cost of the secure channel (src/core/chan.h) -- its
 * handshake per side and its records -- next to the bare libsodium
 * primitives it is built from.  The safety number is not part of the
 * handshake (the chat code computes it once per chat, from the verified
 * peer key); it is measured on its own, as a separate line.  A benchmark, not a test: it prints
 * figures and their targets and never judges them by its exit status;
 * it exits non-zero only if the channel itself fails.
 *
 * Every figure is CPU time of this thread (CLOCK_THREAD_CPUTIME_ID).
 * Operations run in batches long enough that reading the clock (a system
 * call for CPU clocks) is noise, and the figure is the median over
 * batches of the mean per operation.  Figures that are compared run
 * interleaved, one batch of each per round, and each ratio is the median
 * over rounds of that round's ratio, so a machine that slows down or
 * speeds up during the run (a shared VM) moves both sides of a ratio
 * together.  Every loop is bounded in count and in CPU time; the whole
 * run takes a few seconds.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "benchstat.h"
#include "buf.h"
#include "chan.h"
#include "cpace.h"
#include "err.h"
#include "frame.h"
#include "identity.h"
#include "kdf.h"

#define BATCH_NS	500000ULL	/* one batch: >= 0.5 ms of work */
#define MAX_ROUNDS	200
#define REC_BUDGET_NS	1500000000ULL	/* CPU for one record size */
#define HS_ROUNDS	20
#define HS_PER_ROUND	100		/* 2000 handshakes in all */
#define HS_BUDGET_NS	15000000000ULL	/* CPU for the handshake rounds */
#define BUFMAX		(4 * FRAME_MAX_LEN)
#define SMALL_MSG	100
#define LARGE_MSG	FRAME_MAX_APP

/* Targets from the design brief, printed beside the figures. */
#define TARGET_HS_US		1000.0
#define TARGET_HS_RATIO		1.5
#define TARGET_REC_RATIO	1.3

static const char PASSWORD[] = "correct horse battery staple";
static const char CONTEXT[] = "bench";

typedef void (*op_fn)(void *ctx);

static void __attribute__((noreturn))
die(const char *what, int r)
{
	fprintf(stderr, "bench_core: %s: %s\n", what, err_str(r));
	exit(1);
}

static uint64_t
now_ns(void)
{
	return benchstat_cpu_ns(CLOCK_THREAD_CPUTIME_ID);
}

/* Sorts v in place and returns its median. */
static double
median(double *v, size_t n)
{
	return benchstat_median(v, n);
}

/* One operation timed batch by batch, one batch per round. */
struct series {
	op_fn		 op;
	void		*ctx;
	unsigned long	 n;			/* ops per batch */
	double		 per_op[MAX_ROUNDS];	/* ns, one per round */
	size_t		 rounds;
	uint64_t	 total_ns;
	unsigned long	 ops;
};

static uint64_t
run_batch(op_fn op, void *ctx, unsigned long n)
{
	uint64_t t0 = now_ns();
	unsigned long i;

	for (i = 0; i < n; i++)
		op(ctx);
	return now_ns() - t0;
}

/* Warms op up and doubles its batch size until a batch lasts BATCH_NS. */
static void
series_init(struct series *s, op_fn op, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->op = op;
	s->ctx = ctx;
	s->n = 1;
	op(ctx);	/* first-call costs (buffer growth) stay out */
	while (run_batch(op, ctx, s->n) < BATCH_NS && s->n < (1UL << 24))
		s->n *= 2;
}

/* Runs one batch; returns its CPU time. */
static uint64_t
series_round(struct series *s)
{
	uint64_t t = run_batch(s->op, s->ctx, s->n);

	if (s->rounds < MAX_ROUNDS)
		s->per_op[s->rounds++] = (double)t / (double)s->n;
	s->total_ns += t;
	s->ops += s->n;
	return t;
}

static double
series_median(const struct series *s)
{
	double v[MAX_ROUNDS];

	memcpy(v, s->per_op, s->rounds * sizeof(v[0]));
	return median(v, s->rounds);
}

static double
series_mean(const struct series *s)
{
	return s->ops ? (double)s->total_ns / (double)s->ops : 0;
}

/* Median over rounds of a's time per op over b's. */
static double
ratio_median(const struct series *a, const struct series *b)
{
	double v[MAX_ROUNDS];
	size_t i, n = a->rounds < b->rounds ? a->rounds : b->rounds;

	for (i = 0; i < n; i++)
		v[i] = a->per_op[i] / b->per_op[i];
	return median(v, n);
}

static void
print_series(const char *name, const struct series *s, size_t bytes)
{
	double med = series_median(s);

	printf("  %-44s %10.2f us  (mean %.2f, %lu ops)", name, med / 1000.0,
	    series_mean(s) / 1000.0, s->ops);
	/* 1 byte/ns is 1000 MB/s. */
	if (bytes > 0)
		printf("  %7.1f MB/s", (double)bytes / med * 1000.0);
	printf("\n");
}

static void
print_target(const char *what, double v, double target, const char *unit)
{
	printf("  %-44s %10.3f%s  target <= %.2f%s: %s", what, v, unit,
	    target, unit, v <= target ? "met" : "MISSED");
	if (v > target)
		printf(" by %.2f%%", (v / target - 1) * 100);
	printf("\n");
}

/* --- one in-memory connection ------------------------------------------ */

struct end {
	struct chan	*chan;
	struct buf	 app;
	int		 established;
};

struct conn {
	const struct identity	*id_c, *id_s;
	struct end		 c, s;
	struct buf		 c2s, s2c;	/* bytes in flight each way */
};

static void
conn_init(struct conn *k, const struct identity *id_c,
    const struct identity *id_s)
{
	memset(k, 0, sizeof(*k));
	k->id_c = id_c;
	k->id_s = id_s;
	buf_init(&k->c2s, BUFMAX);
	buf_init(&k->s2c, BUFMAX);
	buf_init(&k->c.app, BUFMAX);
	buf_init(&k->s.app, BUFMAX);
}

static void
conn_release(struct conn *k)
{
	chan_free(k->c.chan);
	chan_free(k->s.chan);
	buf_release(&k->c2s);
	buf_release(&k->s2c);
	buf_release(&k->c.app);
	buf_release(&k->s.app);
}

static void
end_new(struct end *e, enum chan_role role, const struct identity *id)
{
	struct chan_params p;
	int r;

	memset(&p, 0, sizeof(p));
	p.role = role;
	p.password = (const uint8_t *)PASSWORD;
	p.password_len = sizeof(PASSWORD) - 1;
	p.identity = id;
	p.context = (const uint8_t *)CONTEXT;
	p.context_len = sizeof(CONTEXT) - 1;
	if ((r = chan_new(&e->chan, &p)) != 0)
		die("chan_new", r);
	e->established = 0;
}

/* Feeds every whole frame waiting in 'in' to e's channel. */
static void
end_feed(struct end *e, struct buf *in, struct buf *out)
{
	enum chan_event ev;
	int r;

	while ((r = chan_feed(e->chan, in, out, &e->app, &ev)) == 0) {
		if (ev == CHAN_EV_ESTABLISHED)
			e->established = 1;
	}
	if (r != ERR_NEED_MORE)
		die("chan_feed (handshake)", r);
}

/*
 * One handshake, each side's work timed on its own: the client's
 * chan_new, chan_start and chan_feed calls, and the server's chan_new
 * and chan_feed calls.  chan_free is timed apart (*free_ns, both sides).
 */
static void
handshake(struct conn *k, uint64_t *client_ns, uint64_t *server_ns,
    uint64_t *free_ns)
{
	uint64_t t, tc = 0, ts = 0;
	int r;

	chan_free(k->c.chan);
	chan_free(k->s.chan);
	k->c.chan = k->s.chan = NULL;
	buf_reset(&k->c2s);
	buf_reset(&k->s2c);
	buf_reset(&k->c.app);
	buf_reset(&k->s.app);

	t = now_ns();				/* client: HELLO */
	end_new(&k->c, CHAN_CLIENT, k->id_c);
	if ((r = chan_start(k->c.chan, &k->c2s)) != 0)
		die("chan_start", r);
	tc += now_ns() - t;

	t = now_ns();				/* server: SHARE_A */
	end_new(&k->s, CHAN_SERVER, k->id_s);
	end_feed(&k->s, &k->c2s, &k->s2c);
	ts += now_ns() - t;

	t = now_ns();				/* client: SHARE_B */
	end_feed(&k->c, &k->s2c, &k->c2s);
	tc += now_ns() - t;

	t = now_ns();				/* server: CONFIRM_A, identity */
	end_feed(&k->s, &k->c2s, &k->s2c);
	ts += now_ns() - t;

	t = now_ns();				/* client: identity, verify */
	end_feed(&k->c, &k->s2c, &k->c2s);
	tc += now_ns() - t;

	t = now_ns();				/* server: verify */
	end_feed(&k->s, &k->c2s, &k->s2c);
	ts += now_ns() - t;

	if (!k->c.established || !k->s.established)
		die("handshake", ERR_STATE);
	*client_ns = tc;
	*server_ns = ts;
	if (free_ns != NULL) {
		t = now_ns();
		chan_free(k->c.chan);
		chan_free(k->s.chan);
		*free_ns = now_ns() - t;
		k->c.chan = k->s.chan = NULL;
	}
}

/* --- bare primitives --------------------------------------------------- */

struct prim {
	uint8_t		 h[crypto_hash_sha512_BYTES];
	uint8_t		 wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
	uint8_t		 y[crypto_core_ristretto255_SCALARBYTES];
	uint8_t		 g[crypto_core_ristretto255_BYTES];
	uint8_t		 Y[crypto_core_ristretto255_BYTES];
	uint8_t		 msg[16 + 1 + CHAN_TH_BYTES];	/* what chan signs */
	uint8_t		 sig[crypto_sign_BYTES];
	uint8_t		 nonce[CHAN_NONCE_BYTES];
	uint8_t		 rnd[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
	const struct identity *id;
	uint8_t		 peer_pk[IDENTITY_PK_BYTES];
	char		 safety[SAFETY_NUMBER_LEN + 1];
	int		 bad;
};

static void
op_from_hash(void *ctx)
{
	struct prim *p = ctx;

	p->bad |= crypto_core_ristretto255_from_hash(p->g, p->h);
}

static void
op_scalarmult(void *ctx)
{
	struct prim *p = ctx;

	p->bad |= crypto_scalarmult_ristretto255(p->Y, p->y, p->g);
}

static void
op_scalar_reduce(void *ctx)
{
	struct prim *p = ctx;

	crypto_core_ristretto255_scalar_reduce(p->y, p->wide);
}

static void
op_sign(void *ctx)
{
	struct prim *p = ctx;

	p->bad |= crypto_sign_detached(p->sig, NULL, p->msg, sizeof(p->msg),
	    p->id->sk);
}

static void
op_verify(void *ctx)
{
	struct prim *p = ctx;

	p->bad |= crypto_sign_verify_detached(p->sig, p->msg, sizeof(p->msg),
	    p->id->pk);
}

static void
op_safety_number(void *ctx)
{
	struct prim *p = ctx;

	identity_safety_number(p->safety, p->id->pk, p->peer_pk);
}

static void
op_chan_new_free(void *ctx)
{
	struct prim *p = ctx;
	struct end e;

	end_new(&e, CHAN_CLIENT, p->id);
	chan_free(e.chan);
}

static void
op_randombytes(void *ctx)
{
	struct prim *p = ctx;

	/* One side draws a 16-byte nonce and 64 bytes for its scalar. */
	randombytes_buf(p->nonce, sizeof(p->nonce));
	randombytes_buf(p->rnd, sizeof(p->rnd));
}

/*
 * The rest of one side's handshake crypto, replayed with the same calls
 * and sizes as chan.c: generator hash, ISK, HKDF extract and four
 * expands, two confirmation tags, the transcript hash, both secretstream
 * inits and the identity record sealed and opened (TAG_REKEY, no
 * additional data, as every record).
 */
static void
op_hash_kdf(void *ctx)
{
	struct prim *p = ctx;
	crypto_hash_sha512_state th, st;
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	uint8_t gen[200], frames[260], prk[KDF_PRK_BYTES], isk[CPACE_ISK_BYTES];
	uint8_t key[CHAN_KEY_BYTES], tag[CHAN_TAG_BYTES];
	uint8_t hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
	uint8_t rec[IDENTITY_PK_BYTES + IDENTITY_SIG_BYTES + 1];
	uint8_t ct[sizeof(rec) + crypto_secretstream_xchacha20poly1305_ABYTES];
	unsigned long long mlen;
	uint8_t t;
	int i;

	memset(gen, 0x5a, sizeof(gen));
	memset(frames, 0xa5, sizeof(frames));
	memset(rec, 0x33, sizeof(rec));
	crypto_hash_sha512(p->h, gen, sizeof(gen));
	p->bad |= cpace_isk_ir(isk, frames, 2 * CHAN_NONCE_BYTES, p->Y,
	    p->g, NULL, 0, p->Y, NULL, 0);
	kdf_extract(prk, frames, 17, isk, sizeof(isk));
	for (i = 0; i < 4; i++)
		p->bad |= kdf_expand(key, sizeof(key), prk, frames, 31);
	crypto_hash_sha512_init(&th);
	crypto_hash_sha512_update(&th, frames, sizeof(frames));
	for (i = 0; i < 2; i++) {
		st = th;
		crypto_hash_sha512_update(&st, frames, 60);
		crypto_hash_sha512_final(&st, p->h);
		crypto_auth_hmacsha512256(tag, p->h, sizeof(p->h), key);
	}
	crypto_hash_sha512_final(&th, p->h);
	crypto_secretstream_xchacha20poly1305_init_push(&tx, hdr, key);
	p->bad |= crypto_secretstream_xchacha20poly1305_init_pull(&rx, hdr,
	    key);
	p->bad |= crypto_secretstream_xchacha20poly1305_push(&tx, ct, NULL,
	    rec, sizeof(rec), NULL, 0,
	    crypto_secretstream_xchacha20poly1305_TAG_REKEY);
	p->bad |= crypto_secretstream_xchacha20poly1305_pull(&rx, rec, &mlen,
	    &t, ct, sizeof(ct), NULL, 0);
}

/* --- records ----------------------------------------------------------- */

struct rec {
	struct conn	*k;
	uint8_t		*msg;
	uint8_t		*ct;
	uint8_t		*pt;
	size_t		 len;
	size_t		 mlen;		/* bare: bytes sealed */
	int		 reset_app;	/* buf_reset rather than consume */
	uint8_t		 tag;
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	int		 bad;
};

/* chan_send on the client, chan_feed on the server. */
static void
op_chan_record(void *ctx)
{
	struct rec *q = ctx;
	struct conn *k = q->k;
	enum chan_event ev;
	int r;

	if ((r = chan_send(k->c.chan, q->msg, q->len, &k->c2s)) != 0 ||
	    (r = chan_feed(k->s.chan, &k->c2s, &k->s2c, &k->s.app, &ev)) != 0)
		die("record", r);
	if (ev != CHAN_EV_DATA || buf_len(&k->s.app) != q->len)
		die("record", ERR_RECORD);
	/*
	 * Consuming everything rewinds the buffer without touching its
	 * bytes, as a reader that hands the text on would; buf_reset also
	 * wipes the whole allocation, which the second variant shows.
	 */
	if (q->reset_app)
		buf_reset(&k->s.app);
	else
		(void)buf_consume(&k->s.app, q->len);
}

/* Bare secretstream push then pull of q->mlen bytes: no framing, no
 * additional data (chan passes none either). */
static void
op_bare_record(void *ctx)
{
	struct rec *q = ctx;
	unsigned long long mlen;
	uint8_t t;

	(void)crypto_secretstream_xchacha20poly1305_push(&q->tx, q->ct, NULL,
	    q->msg, q->mlen, NULL, 0, q->tag);
	if (crypto_secretstream_xchacha20poly1305_pull(&q->rx, q->pt, &mlen,
	    &t, q->ct, q->mlen + crypto_secretstream_xchacha20poly1305_ABYTES,
	    NULL, 0) != 0 || mlen != q->mlen || t != q->tag)
		q->bad = 1;
}

static void
bare_init(struct rec *q, uint8_t tag)
{
	uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
	uint8_t hdr[crypto_secretstream_xchacha20poly1305_HEADERBYTES];

	crypto_secretstream_xchacha20poly1305_keygen(key);
	crypto_secretstream_xchacha20poly1305_init_push(&q->tx, hdr, key);
	if (crypto_secretstream_xchacha20poly1305_init_pull(&q->rx, hdr,
	    key) != 0)
		die("init_pull", ERR_CRYPTO);
	q->tag = tag;
	sodium_memzero(key, sizeof(key));
}

/*
 * Five ways of sealing and opening len bytes, interleaved round by
 * round: bare secretstream with TAG_MESSAGE, with TAG_REKEY, and with
 * exactly the calls chan makes (TAG_REKEY and one more plaintext byte
 * for the inner type, no additional data); then the channel, with the
 * reader consuming or buf_reset'ing the plaintext.
 */
static void
bench_records(struct conn *k, size_t len)
{
	enum { MSG, REKEY, SAME, CHAN, CHAN_RESET, NVAR };
	static const char *name[NVAR] = {
		"bare push+pull, TAG_MESSAGE",
		"bare push+pull, TAG_REKEY",
		"bare, TAG_REKEY + 1 inner byte, no AD",
		"chan_send + chan_feed",
		"chan_send + chan_feed + buf_reset(app)",
	};
	struct rec q[NVAR];
	struct series *v;
	uint8_t *msg, *pt, *ct;
	uint64_t spent = 0;
	double rm;
	int i;

	if ((v = calloc(NVAR, sizeof(*v))) == NULL ||
	    (msg = malloc(len + 1)) == NULL || (pt = malloc(len + 1)) == NULL ||
	    (ct = malloc(len + 1 +
	    crypto_secretstream_xchacha20poly1305_ABYTES)) == NULL)
		die("malloc", ERR_ALLOC);
	randombytes_buf(msg, len + 1);
	memset(q, 0, sizeof(q));
	for (i = 0; i < NVAR; i++) {
		q[i].k = k;
		q[i].len = q[i].mlen = len;
		q[i].msg = msg;
		q[i].pt = pt;
		q[i].ct = ct;
	}
	bare_init(&q[MSG], crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	bare_init(&q[REKEY], crypto_secretstream_xchacha20poly1305_TAG_REKEY);
	bare_init(&q[SAME], crypto_secretstream_xchacha20poly1305_TAG_REKEY);
	q[SAME].mlen = len + 1;
	q[CHAN_RESET].reset_app = 1;
	for (i = 0; i < NVAR; i++)
		series_init(&v[i], i < CHAN ? op_bare_record : op_chan_record,
		    &q[i]);
	while (v[0].rounds < MAX_ROUNDS && spent < REC_BUDGET_NS)
		for (i = 0; i < NVAR; i++)
			spent += series_round(&v[i]);
	if (q[MSG].bad || q[REKEY].bad || q[SAME].bad)
		die("bare secretstream", ERR_RECORD);

	printf("\nrecord seal+open, %zu-byte message, per pair "
	    "(%zu rounds):\n", len, v[0].rounds);
	for (i = 0; i < NVAR; i++)
		print_series(name[i], &v[i], len);
	printf("  %-44s %10.3fx\n", "rekey: bare TAG_REKEY / TAG_MESSAGE",
	    ratio_median(&v[REKEY], &v[MSG]));
	printf("  %-44s %10.3fx\n", "inner byte: same-calls / TAG_REKEY",
	    ratio_median(&v[SAME], &v[REKEY]));
	printf("  %-44s %10.3fx\n", "chan's own code: chan / same-calls",
	    ratio_median(&v[CHAN], &v[SAME]));
	printf("  %-44s %10.3fx\n", "chan / bare TAG_REKEY",
	    ratio_median(&v[CHAN], &v[REKEY]));
	rm = ratio_median(&v[CHAN], &v[MSG]);
	if (len == SMALL_MSG)
		print_target("chan / bare TAG_MESSAGE", rm, TARGET_REC_RATIO,
		    "x");
	else
		printf("  %-44s %10.3fx\n", "chan / bare TAG_MESSAGE", rm);

	free(msg);
	free(pt);
	free(ct);
	free(v);
}

/* --- handshake and main ---------------------------------------------- */

/*
 * The separately measured work of one handshake side: the primitives
 * the brief lists (from_hash, two scalar multiplications, scalar_reduce,
 * one signature, one verification) and everything else chan does.  Last,
 * outside every sum, the safety number: the chat code computes it once
 * per chat after the handshake, so it is listed for scale only.
 */
enum {
	W_FROM_HASH, W_SMULT, W_REDUCE, W_SIGN, W_VERIFY,	/* listed */
	W_NEWFREE, W_RANDOM, W_HASHKDF,				/* other */
	W_SAFETY,				/* not in the handshake */
	NWORK
};
#define W_LISTED	W_NEWFREE	/* the first W_ that is not listed */
#define W_HS_END	W_SAFETY	/* the first W_ not in a handshake */

static const struct {
	const char	*name;
	op_fn		 op;
	int		 calls;		/* per handshake side */
} work[NWORK] = {
	{ "crypto_core_ristretto255_from_hash", op_from_hash, 1 },
	{ "crypto_scalarmult_ristretto255", op_scalarmult, 2 },
	{ "crypto_core_ristretto255_scalar_reduce", op_scalar_reduce, 1 },
	{ "crypto_sign_detached (81 bytes)", op_sign, 1 },
	{ "crypto_sign_verify_detached (81 bytes)", op_verify, 1 },
	{ "chan_new + chan_free (sodium_malloc)", op_chan_new_free, 1 },
	{ "randombytes_buf 16 + 64 bytes", op_randombytes, 1 },
	{ "SHA-512/HMAC/HKDF/secretstream replay", op_hash_kdf, 1 },
	{ "identity_safety_number (1025 BLAKE2b-512)", op_safety_number, 1 },
};

/* Sum over w in [from, to) of calls x time per call, in round r (or of
 * the medians when r < 0). */
static double
work_sum(const struct series *ws, int from, int to, int r)
{
	double sum = 0;
	int w;

	for (w = from; w < to; w++)
		sum += work[w].calls * (r < 0 ? series_median(&ws[w]) :
		    ws[w].per_op[r]);
	return sum;
}

static void
print_hs_side(const char *name, double *t, size_t n)
{
	double sum = 0, med;
	size_t i;

	for (i = 0; i < n; i++)
		sum += t[i];
	med = median(t, n);	/* sorts t */
	printf("  %-44s %10.2f us  (mean %.2f, p10..p90 %.2f..%.2f)\n", name,
	    med / 1000.0, sum / (double)n / 1000.0, t[n / 10] / 1000.0,
	    t[n - 1 - n / 10] / 1000.0);
}

/*
 * HS_ROUNDS rounds, each one batch of every piece of work of a side and
 * then HS_PER_ROUND handshakes, so that each round's handshake median
 * can be set against that round's sums.
 */
static void
bench_handshake(struct conn *k, const struct identity *id_c,
    const struct identity *id_s)
{
	static double tc[HS_ROUNDS * HS_PER_ROUND], ts[HS_ROUNDS * HS_PER_ROUND];
	static double tf[HS_ROUNDS * HS_PER_ROUND];
	double rt[2][2][HS_ROUNDS];	/* [side][ratio kind][round] */
	double med[2], listed, all, m;
	struct series *ws;
	struct prim p;
	uint64_t c, s, f, spent = 0;
	size_t i, n = 0, rounds = 0, j;
	int w, side;

	/* Realistic inputs: a real generator, scalar and signature. */
	memset(&p, 0, sizeof(p));
	p.id = id_c;
	memcpy(p.peer_pk, id_s->pk, sizeof(p.peer_pk));
	randombytes_buf(p.h, sizeof(p.h));
	randombytes_buf(p.wide, sizeof(p.wide));
	randombytes_buf(p.msg, sizeof(p.msg));
	crypto_core_ristretto255_scalar_reduce(p.y, p.wide);
	if (crypto_core_ristretto255_from_hash(p.g, p.h) != 0 ||
	    crypto_sign_detached(p.sig, NULL, p.msg, sizeof(p.msg),
	    id_c->sk) != 0)
		die("primitive setup", ERR_CRYPTO);
	if ((ws = calloc(NWORK, sizeof(*ws))) == NULL)
		die("calloc", ERR_ALLOC);
	for (w = 0; w < NWORK; w++)
		series_init(&ws[w], work[w].op, &p);
	for (i = 0; i < 20; i++)	/* warm-up handshakes, not counted */
		handshake(k, &c, &s, NULL);

	while (rounds < HS_ROUNDS && spent < HS_BUDGET_NS) {
		for (w = 0; w < NWORK; w++)
			spent += series_round(&ws[w]);
		for (j = 0; j < HS_PER_ROUND; j++, n++) {
			handshake(k, &c, &s, &f);
			tc[n] = (double)c;
			ts[n] = (double)s;
			tf[n] = (double)f;
			spent += c + s + f;
		}
		listed = work_sum(ws, 0, W_LISTED, (int)rounds);
		all = work_sum(ws, 0, W_HS_END, (int)rounds);
		for (side = 0; side < 2; side++) {
			double t[HS_PER_ROUND];

			memcpy(t, (side ? ts : tc) + n - HS_PER_ROUND, sizeof(t));
			m = median(t, HS_PER_ROUND);
			rt[side][0][rounds] = m / listed;
			rt[side][1][rounds] = m / all;
		}
		rounds++;
	}
	if (p.bad)
		die("primitive", ERR_CRYPTO);

	printf("\nwork of one handshake side (per call, calls per side, "
	    "subtotal; %zu rounds):\n", rounds);
	for (w = 0; w < NWORK; w++) {
		if (w == W_HS_END)
			printf("not part of the handshake (the chat computes it "
			    "once per chat):\n");
		m = series_median(&ws[w]);
		printf("  %-44s %10.2f us  x%d = %7.2f us  (mean %.2f, "
		    "%lu ops)\n", work[w].name, m / 1000.0, work[w].calls,
		    work[w].calls * m / 1000.0, series_mean(&ws[w]) / 1000.0,
		    ws[w].ops);
		if (w + 1 == W_LISTED)
			printf("  %-44s %10.2f us\n", "sum of listed primitives",
			    work_sum(ws, 0, W_LISTED, -1) / 1000.0);
		if (w + 1 == W_HS_END)
			printf("  %-44s %10.2f us\n",
			    "sum of all measured handshake work",
			    work_sum(ws, 0, W_HS_END, -1) / 1000.0);
	}

	printf("\nhandshake, %zu runs, CPU per side (median):\n", n);
	/* After this tc, ts, tf are sorted. */
	print_hs_side("client: chan_new+chan_start+chan_feed", tc, n);
	print_hs_side("server: chan_new+chan_feed", ts, n);
	print_hs_side("chan_free, both sides (not counted above)", tf, n);
	med[0] = median(tc, n);
	med[1] = median(ts, n);
	printf("ratios, median over rounds of each round's ratio:\n");
	for (side = 0; side < 2; side++) {
		const char *who = side ? "server" : "client";
		char label[64];

		snprintf(label, sizeof(label), "%s CPU per handshake", who);
		print_target(label, med[side] / 1000.0, TARGET_HS_US, " us");
		snprintf(label, sizeof(label), "%s / sum of listed primitives",
		    who);
		print_target(label, median(rt[side][0], rounds),
		    TARGET_HS_RATIO, "x");
		snprintf(label, sizeof(label), "%s / all measured handshake work",
		    who);
		printf("  %-44s %10.3fx\n", label, median(rt[side][1], rounds));
	}
	free(ws);
	sodium_memzero(&p, sizeof(p));
}

/*
 * Profiling mode: n runs of one operation, untimed, so that callgrind's
 * instruction count per operation is (count - count at n = 0) / n.
 */
static void
loop(struct conn *k, const char *what, unsigned long n, size_t len)
{
	struct rec q;
	uint64_t unused;
	unsigned long i;

	handshake(k, &unused, &unused, NULL);
	if (strcmp(what, "handshake") == 0) {
		for (i = 0; i < n; i++)
			handshake(k, &unused, &unused, NULL);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.k = k;
	q.len = q.mlen = len;
	if ((q.msg = calloc(1, len + 1)) == NULL ||
	    (q.pt = malloc(len + 1)) == NULL || (q.ct = malloc(len + 1 +
	    crypto_secretstream_xchacha20poly1305_ABYTES)) == NULL)
		die("malloc", ERR_ALLOC);
	if (strcmp(what, "chan") == 0) {
		for (i = 0; i < n; i++)
			op_chan_record(&q);
	} else {
		if (strcmp(what, "message") == 0)
			bare_init(&q,
			    crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
		else if (strcmp(what, "rekey") == 0 ||
		    strcmp(what, "same") == 0)
			bare_init(&q,
			    crypto_secretstream_xchacha20poly1305_TAG_REKEY);
		else
			die("loop: unknown operation", ERR_INVALID_ARG);
		if (strcmp(what, "same") == 0)
			q.mlen = len + 1;
		for (i = 0; i < n; i++)
			op_bare_record(&q);
		if (q.bad)
			die("bare secretstream", ERR_RECORD);
	}
	free(q.msg);
	free(q.pt);
	free(q.ct);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_core [all | handshake | records]\n"
	    "       bench_core loop handshake|chan|message|rekey|same n "
	    "[len]\n");
	exit(2);
}

/*
 * bench_core [all | handshake | records]: one part alone, or 'loop'
 * (n untimed runs of one operation), is for profilers.
 */
int
main(int argc, char **argv)
{
	static const uint8_t seed_c[IDENTITY_SEED_BYTES] = { 'c' };
	static const uint8_t seed_s[IDENTITY_SEED_BYTES] = { 's' };
	struct identity *id_c = NULL, *id_s = NULL;
	struct conn k;
	struct timespec res;
	uint64_t t0 = now_ns(), t1, unused;
	int i, r, do_hs = 1, do_rec = 1, do_loop = 0;

	if (argc >= 4 && argc <= 5 && strcmp(argv[1], "loop") == 0)
		do_loop = 1;
	else if (argc > 2)
		usage();
	else if (argc == 2 && strcmp(argv[1], "handshake") == 0)
		do_rec = 0;
	else if (argc == 2 && strcmp(argv[1], "records") == 0)
		do_hs = 0;
	else if (argc == 2 && strcmp(argv[1], "all") != 0)
		usage();
	if (sodium_init() < 0)
		die("sodium_init", ERR_CRYPTO);
	if ((r = identity_from_seed(&id_c, seed_c)) != 0 ||
	    (r = identity_from_seed(&id_s, seed_s)) != 0)
		die("identity_from_seed", r);
	conn_init(&k, id_c, id_s);
	if (do_loop) {
		loop(&k, argv[2], strtoul(argv[3], NULL, 10),
		    argc == 5 ? strtoul(argv[4], NULL, 10) : SMALL_MSG);
		goto done;
	}
	clock_getres(CLOCK_THREAD_CPUTIME_ID, &res);
	/* A handshake side is timed in three segments: the clock's own
	 * cost, a system call here, is part of each. */
	t1 = now_ns();
	for (i = 0; i < 10000; i++)
		(void)now_ns();
	printf("bench_core: libsodium %s (avx2 %d, avx512f %d); "
	    "CLOCK_THREAD_CPUTIME_ID resolution %ld ns, one read %.0f ns\n",
	    sodium_version_string(), sodium_runtime_has_avx2(),
	    sodium_runtime_has_avx512f(), res.tv_nsec,
	    (double)(now_ns() - t1) / 10000);
	printf("figures: median over batches of CPU us per operation\n");

	if (do_hs)
		bench_handshake(&k, id_c, id_s);
	if (do_rec) {
		/* One established connection carries every record. */
		handshake(&k, &unused, &unused, NULL);
		bench_records(&k, SMALL_MSG);
		bench_records(&k, LARGE_MSG);
	}
	printf("\ntotal CPU %.1f s\n", (double)(now_ns() - t0) / 1e9);
 done:
	conn_release(&k);
	identity_free(id_c);
	identity_free(id_s);
	return 0;
}
