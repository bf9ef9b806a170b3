/*
 * test_resume.c: session resumption (chan.c + resume.c) between two
 * in-memory endpoints: a password handshake yields the same session on
 * both sides; a resumption with the right secret opens a channel with
 * fresh keys and ratchets the secret; a wrong, replayed or older secret
 * is refused and counts as a failed guess; an unknown session is no
 * guess; every bit of every resumption frame is bound (mutation loop);
 * the guessing gate refuses; a server that only resumes is busy for a
 * HELLO; an ABORT is never answered, and an early ABORT is no guess.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "buf.h"
#include "chan.h"
#include "err.h"
#include "frame.h"
#include "identity.h"

#define BUFMAX	(4 * FRAME_MAX_LEN)
#define PW	"correct horse"

/* PROTOCOL §19.4. */
#define VEC_HELLO	"0108000000605151515151515151515151515151515110101010" \
	"1010101010101010101010107b4e909bbe7ffe44c465a220037d608ee35897d31ef9" \
	"72f07f74892cb0f73f131d4545bd34f4313728ea06cd54ab7d006a99cbb811faed98" \
	"3311ffa5119df971"
#define VEC_ACCEPT	"0109000000688080808080808080808080808080808000f81ab0" \
	"eb0e18ddb5e247d38f25c7a352c39fc77a74cb3f739d309f69ee48787777777777777" \
	"77777777777777777777777777777777777dee29b0cbb7cc337fe07bda70b5105243f" \
	"b168e453f7fa5c92a9ed5b0b66d6d3"
#define VEC_CONFIRM	"010a000000385c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c5c" \
	"5c5c5c5ca3ed1be4f9337584264213c5573ebbbc5d1524b0a7cd110b7da24948d0bd" \
	"9cef"
#define VEC_NEXT	"a35a65341828ce41d02cd780421ee44541e87c06b72717243346a1d9" \
	"74c83b7c"

struct end {
	struct chan	*chan;
	struct buf	 in;
	struct buf	 app;
	int		 err;
	int		 established;
};

/* The server's guessing gate, counting. */
struct gate {
	int	asked;
	int	failed;
	int	refuse;
};

struct pair {
	struct identity	*id_c, *id_s;
	struct end	 c, s;
	struct gate	 g;
	/* Frames in flight, for replays and mutations. */
	uint8_t		 frames[8][256];
	size_t		 flen[8];
	int		 nframes;
};

typedef void (*mutate_fn)(uint8_t *frame, size_t len, int n, void *arg);

static int
gate_cb(void *ctx, enum chan_guess what)
{
	struct gate *g = ctx;

	if (what == CHAN_GUESS_ASK) {
		g->asked++;
		return g->refuse;
	}
	g->failed++;
	return 0;
}

static void
ids(struct pair *pr)
{
	uint8_t seed[IDENTITY_SEED_BYTES];

	memset(pr, 0, sizeof(*pr));
	memset(seed, 0xc1, sizeof(seed));
	assert_int_equal(identity_from_seed(&pr->id_c, seed), 0);
	memset(seed, 0x5e, sizeof(seed));
	assert_int_equal(identity_from_seed(&pr->id_s, seed), 0);
}

static void
end_set(struct end *e, struct chan *ch)
{
	chan_free(e->chan);
	buf_release(&e->in);
	buf_release(&e->app);
	memset(e, 0, sizeof(*e));
	e->chan = ch;
	buf_init(&e->in, BUFMAX);
	buf_init(&e->app, BUFMAX);
}

static struct chan *
mk(struct pair *pr, enum chan_role role, const char *pw,
    const struct chan_resume *res, int resume_only)
{
	struct chan_params p;
	struct chan *ch = NULL;

	memset(&p, 0, sizeof(p));
	p.role = role;
	p.password = (const uint8_t *)pw;
	p.password_len = pw != NULL ? strlen(pw) : 0;
	p.identity = role == CHAN_CLIENT ? pr->id_c : pr->id_s;
	p.context = (const uint8_t *)"test";
	p.context_len = 4;
	p.resume = res;
	p.resume_only = resume_only;
	if (role == CHAN_SERVER) {
		p.guess = gate_cb;
		p.guess_ctx = &pr->g;
	}
	assert_int_equal(chan_new(&ch, &p), 0);
	return ch;
}

static void
pair_release(struct pair *pr)
{
	end_set(&pr->c, NULL);
	end_set(&pr->s, NULL);
	buf_release(&pr->c.in);
	buf_release(&pr->c.app);
	buf_release(&pr->s.in);
	buf_release(&pr->s.app);
	identity_free(pr->id_c);
	identity_free(pr->id_s);
}

/* Feeds e what it has; forwards what it wrote to peer, frame by frame,
 * recording the frames and passing each through mut. */
static int
pump(struct pair *pr, struct end *e, struct end *peer, mutate_fn mut,
    void *arg)
{
	struct buf out;
	struct frame fr;
	enum chan_event ev;
	size_t need;
	uint8_t *copy;
	int r, moved = 0;

	buf_init(&out, BUFMAX);
	while (e->err == 0) {
		r = chan_feed(e->chan, &e->in, &out, &e->app, &ev);
		if (r == ERR_NEED_MORE)
			break;
		if (r != 0) {
			e->err = r;
			break;
		}
		moved = 1;
		if (ev == CHAN_EV_ESTABLISHED)
			e->established = 1;
	}
	while (buf_len(&out) > 0) {
		assert_int_equal(frame_parse(buf_ptr(&out), buf_len(&out), &fr,
		    &need), 0);
		assert_int_equal(buf_reserve(&peer->in, need, &copy), 0);
		memcpy(copy, buf_ptr(&out), need);
		if (pr->nframes < 8 && need <= 256) {
			memcpy(pr->frames[pr->nframes], copy, need);
			pr->flen[pr->nframes] = need;
		}
		if (mut != NULL)
			mut(copy, need, pr->nframes, arg);
		pr->nframes++;
		assert_int_equal(buf_consume(&out, need), 0);
		moved = 1;
	}
	buf_release(&out);
	return moved;
}

static void
run(struct pair *pr, mutate_fn mut, void *arg)
{
	struct buf out;
	uint8_t *p;
	int rounds;

	pr->nframes = 0;
	buf_init(&out, BUFMAX);
	assert_int_equal(chan_start(pr->c.chan, &out), 0);
	assert_int_equal(chan_start(pr->s.chan, &out), 0);
	if (buf_len(&out) > 0) {
		assert_int_equal(buf_reserve(&pr->s.in, buf_len(&out), &p), 0);
		memcpy(p, buf_ptr(&out), buf_len(&out));
		if (buf_len(&out) <= 256) {
			memcpy(pr->frames[0], p, buf_len(&out));
			pr->flen[0] = buf_len(&out);
		}
		if (mut != NULL)
			mut(p, buf_len(&out), 0, arg);
		pr->nframes = 1;
	}
	buf_release(&out);
	for (rounds = 0; rounds < 100; rounds++) {
		int a = pump(pr, &pr->s, &pr->c, mut, arg);
		int b = pump(pr, &pr->c, &pr->s, mut, arg);
		if (!a && !b)
			break;
	}
	assert_true(rounds < 100);
}

/* A password handshake; fills the client's and server's resumption
 * state from it. */
static void
start_session(struct pair *pr, struct chan_resume *rc,
    struct chan_resume *rs)
{
	int resumed, confirmed;

	end_set(&pr->c, mk(pr, CHAN_CLIENT, PW, NULL, 0));
	end_set(&pr->s, mk(pr, CHAN_SERVER, PW, NULL, 0));
	run(pr, NULL, NULL);
	assert_true(pr->c.established && pr->s.established);
	memset(rc, 0, sizeof(*rc));
	memset(rs, 0, sizeof(*rs));
	assert_int_equal(chan_session(pr->c.chan, rc->sid, rc->secret,
	    &resumed, &confirmed), 0);
	assert_int_equal(resumed, 0);
	assert_int_equal(confirmed, 1);
	assert_int_equal(chan_session(pr->s.chan, rs->sid, rs->secret,
	    &resumed, &confirmed), 0);
	memcpy(rc->peer_pk, pr->id_s->pk, IDENTITY_PK_BYTES);
	memcpy(rs->peer_pk, pr->id_c->pk, IDENTITY_PK_BYTES);
	assert_memory_equal(rc->sid, rs->sid, CHAN_SID_BYTES);
	assert_memory_equal(rc->secret, rs->secret, CHAN_KEY_BYTES);
}

/* One resumption attempt from rc to a server holding rs. */
static void
resume(struct pair *pr, const struct chan_resume *rc,
    const struct chan_resume *rs, mutate_fn mut, void *arg)
{
	end_set(&pr->c, mk(pr, CHAN_CLIENT, NULL, rc, 0));
	end_set(&pr->s, mk(pr, CHAN_SERVER, PW, rs, 0));
	memset(&pr->g, 0, sizeof(pr->g));
	run(pr, mut, arg);
}

/* The server-side ratchet the host applies after a resumption. */
static void
ratchet_server(struct pair *pr, struct chan_resume *rs)
{
	uint8_t sid[CHAN_SID_BYTES], next[CHAN_KEY_BYTES];
	int resumed, confirmed;

	assert_int_equal(chan_session(pr->s.chan, sid, next, &resumed,
	    &confirmed), 0);
	assert_true(resumed == 1 || resumed == 2);
	memcpy(rs->prev, resumed == 1 ? rs->secret : rs->prev, CHAN_KEY_BYTES);
	memcpy(rs->secret, next, CHAN_KEY_BYTES);
	rs->has_prev = 1;
}

static void
test_session_and_resume(void **state)
{
	struct chan_resume rc, rs;
	struct pair pr;
	uint8_t sid[CHAN_SID_BYTES], nc[CHAN_KEY_BYTES], ns[CHAN_KEY_BYTES];
	int resumed, confirmed;

	(void)state;
	ids(&pr);
	start_session(&pr, &rc, &rs);
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_int_equal(pr.c.err, 0);
	assert_int_equal(pr.s.err, 0);
	assert_true(pr.c.established && pr.s.established);
	assert_int_equal(pr.g.asked, 1);
	assert_int_equal(pr.g.failed, 0);
	/* The frames: RESUME_HELLO, RESUME_ACCEPT, RESUME_CONFIRM. */
	assert_int_equal(pr.nframes, 3);
	assert_int_equal(pr.frames[0][1], FRAME_RESUME_HELLO);
	assert_int_equal(pr.flen[0], 6 + 96);
	assert_int_equal(pr.frames[1][1], FRAME_RESUME_ACCEPT);
	assert_int_equal(pr.flen[1], 6 + 104);
	assert_int_equal(pr.frames[2][1], FRAME_RESUME_CONFIRM);
	assert_int_equal(pr.flen[2], 6 + 56);
	assert_memory_equal(chan_peer_identity(pr.c.chan), pr.id_s->pk,
	    IDENTITY_PK_BYTES);
	assert_memory_equal(chan_peer_identity(pr.s.chan), pr.id_c->pk,
	    IDENTITY_PK_BYTES);
	assert_memory_equal(chan_transcript_hash(pr.c.chan),
	    chan_transcript_hash(pr.s.chan), CHAN_TH_BYTES);
	/* Same next secret on both sides, not the old one; the client
	 * knows the server has it only once a record arrives. */
	assert_int_equal(chan_session(pr.c.chan, sid, nc, &resumed,
	    &confirmed), 0);
	assert_int_equal(resumed, 1);
	assert_int_equal(confirmed, 0);
	assert_memory_equal(sid, rc.sid, CHAN_SID_BYTES);
	assert_int_equal(chan_session(pr.s.chan, sid, ns, &resumed,
	    &confirmed), 0);
	assert_int_equal(resumed, 1);
	assert_memory_equal(nc, ns, CHAN_KEY_BYTES);
	assert_memory_not_equal(nc, rc.secret, CHAN_KEY_BYTES);
	/* Data both ways under the new keys. */
	assert_int_equal(chan_send(pr.c.chan, (const uint8_t *)"up", 2,
	    &pr.s.in), 0);
	assert_int_equal(chan_send(pr.s.chan, (const uint8_t *)"down", 4,
	    &pr.c.in), 0);
	pump(&pr, &pr.s, &pr.c, NULL, NULL);
	pump(&pr, &pr.c, &pr.s, NULL, NULL);
	assert_int_equal(pr.c.err, 0);
	assert_int_equal(pr.s.err, 0);
	assert_memory_equal(buf_ptr(&pr.s.app), "up", 2);
	assert_memory_equal(buf_ptr(&pr.c.app), "down", 4);
	assert_int_equal(chan_session(pr.c.chan, sid, nc, &resumed,
	    &confirmed), 0);
	assert_int_equal(confirmed, 1);

	/* The ratchet, twice: the client with the newest secret resumes. */
	ratchet_server(&pr, &rs);
	memcpy(rc.secret, nc, CHAN_KEY_BYTES);
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_true(pr.c.established && pr.s.established);
	assert_int_equal(chan_session(pr.s.chan, sid, ns, &resumed,
	    &confirmed), 0);
	assert_int_equal(resumed, 1);
	pair_release(&pr);
}

static void
test_wrong_secret(void **state)
{
	struct chan_resume rc, rs;
	struct pair pr;

	(void)state;
	ids(&pr);
	start_session(&pr, &rc, &rs);
	rc.secret[0] ^= 1;
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_AUTH);
	assert_int_equal(pr.c.err, ERR_AUTH);	/* told by ABORT 1 */
	assert_false(pr.c.established || pr.s.established);
	assert_int_equal(pr.g.asked, 1);
	assert_int_equal(pr.g.failed, 1);
	/* A wrong peer key changes nothing on the wire: the identity is
	 * the session's, not re-proven; but a wrong sid is no session. */
	rc.secret[0] ^= 1;
	rc.sid[3] ^= 0x40;
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_NO_SESSION);
	assert_int_equal(pr.c.err, ERR_NO_SESSION);
	assert_int_equal(pr.g.asked, 0);
	assert_int_equal(pr.g.failed, 0);
	/* A server with no session at all: the same. */
	rc.sid[3] ^= 0x40;
	end_set(&pr.c, mk(&pr, CHAN_CLIENT, NULL, &rc, 0));
	end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, NULL, 0));
	run(&pr, NULL, NULL);
	assert_int_equal(pr.c.err, ERR_NO_SESSION);
	pair_release(&pr);
}

static void
test_replay_and_old(void **state)
{
	struct chan_resume rc, rs, rs_before;
	struct pair pr;
	uint8_t hello[256], confirm[256];
	size_t hlen, clen;
	uint8_t sid[CHAN_SID_BYTES], next[CHAN_KEY_BYTES];
	int resumed, confirmed;

	(void)state;
	ids(&pr);
	start_session(&pr, &rc, &rs);
	rs_before = rs;
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_true(pr.c.established && pr.s.established);
	hlen = pr.flen[0];
	clen = pr.flen[2];
	memcpy(hello, pr.frames[0], hlen);
	memcpy(confirm, pr.frames[2], clen);
	ratchet_server(&pr, &rs);
	assert_int_equal(chan_session(pr.c.chan, sid, next, &resumed,
	    &confirmed), 0);

	/* Replaying the recorded RESUME_HELLO and RESUME_CONFIRM, to the
	 * server as it was and as it is now (it still accepts the previous
	 * secret): refused at the confirmation, and a failed guess. */
	const struct chan_resume *servers[2] = { &rs_before, &rs };
	for (int i = 0; i < 2; i++) {
		struct buf out;
		enum chan_event ev;

		end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, servers[i], 0));
		memset(&pr.g, 0, sizeof(pr.g));
		buf_init(&out, BUFMAX);
		assert_int_equal(buf_put(&pr.s.in, hello, hlen), 0);
		assert_int_equal(chan_feed(pr.s.chan, &pr.s.in, &out, &pr.s.app,
		    &ev), 0);
		assert_int_equal(buf_ptr(&out)[1], FRAME_RESUME_ACCEPT);
		buf_reset(&out);
		assert_int_equal(buf_put(&pr.s.in, confirm, clen), 0);
		assert_int_equal(chan_feed(pr.s.chan, &pr.s.in, &out, &pr.s.app,
		    &ev), ERR_AUTH);
		assert_int_equal(buf_len(&out), 7);	/* ABORT 1 */
		assert_int_equal(buf_ptr(&out)[6], CHAN_ABORT_AUTH);
		assert_int_equal(pr.g.asked, 1);
		assert_int_equal(pr.g.failed, 1);
		buf_release(&out);
	}

	/* After a second ratchet the original secret is two generations
	 * old: the RESUME_HELLO itself is refused. */
	memcpy(rc.secret, next, CHAN_KEY_BYTES);
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_true(pr.c.established && pr.s.established);
	ratchet_server(&pr, &rs);
	{
		struct buf out;
		enum chan_event ev;

		end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, &rs, 0));
		memset(&pr.g, 0, sizeof(pr.g));
		buf_init(&out, BUFMAX);
		assert_int_equal(buf_put(&pr.s.in, hello, hlen), 0);
		assert_int_equal(chan_feed(pr.s.chan, &pr.s.in, &out, &pr.s.app,
		    &ev), ERR_AUTH);
		assert_int_equal(pr.g.failed, 1);
		buf_release(&out);
	}
	/* A client that never learnt of its last success (it kept the
	 * previous secret) still gets in. */
	resume(&pr, &rc, &rs, NULL, NULL);
	assert_true(pr.c.established && pr.s.established);
	assert_int_equal(chan_session(pr.s.chan, sid, next, &resumed,
	    &confirmed), 0);
	assert_int_equal(resumed, 2);
	pair_release(&pr);
}

struct flip {
	int	frame;
	size_t	bit;
	int	hit;
};

static void
flip_mut(uint8_t *f, size_t len, int n, void *arg)
{
	struct flip *fl = arg;

	if (n != fl->frame || fl->bit >= 8 * len)
		return;
	f[fl->bit / 8] ^= (uint8_t)(1u << (fl->bit % 8));
	fl->hit = 1;
}

/* Every single-bit change of every resumption frame is caught: never
 * do both sides open the channel. */
static void
test_mutation_loop(void **state)
{
	struct chan_resume rc, rs;
	struct pair pr;
	struct flip fl;
	size_t lens[3] = { 6 + 96, 6 + 104, 6 + 56 };
	int frame;

	(void)state;
	ids(&pr);
	start_session(&pr, &rc, &rs);
	for (frame = 0; frame < 3; frame++) {
		for (fl.bit = 0; fl.bit < 8 * lens[frame]; fl.bit++) {
			fl.frame = frame;
			fl.hit = 0;
			resume(&pr, &rc, &rs, flip_mut, &fl);
			assert_true(fl.hit);
			assert_false(pr.c.established && pr.s.established &&
			    pr.c.err == 0 && pr.s.err == 0);
			/* A flip in the client's proofs is a failed guess
			 * at most once per connection. */
			assert_true(pr.g.failed <= 1);
		}
	}
	pair_release(&pr);
}

static void
test_gate_refuses(void **state)
{
	struct chan_resume rc, rs;
	struct pair pr;

	(void)state;
	ids(&pr);
	start_session(&pr, &rc, &rs);
	end_set(&pr.c, mk(&pr, CHAN_CLIENT, NULL, &rc, 0));
	end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, &rs, 0));
	memset(&pr.g, 0, sizeof(pr.g));
	pr.g.refuse = 1;
	run(&pr, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_RETRY_LATER);
	assert_int_equal(pr.c.err, ERR_RETRY_LATER);
	assert_int_equal(pr.g.failed, 0);
	/* The password handshake goes through the same gate. */
	end_set(&pr.c, mk(&pr, CHAN_CLIENT, PW, NULL, 0));
	end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, NULL, 0));
	memset(&pr.g, 0, sizeof(pr.g));
	pr.g.refuse = 1;
	run(&pr, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_RETRY_LATER);
	assert_int_equal(pr.c.err, ERR_RETRY_LATER);
	/* A wrong password is one failed guess. */
	end_set(&pr.c, mk(&pr, CHAN_CLIENT, "wrong", NULL, 0));
	end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, NULL, 0));
	memset(&pr.g, 0, sizeof(pr.g));
	run(&pr, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_AUTH);
	assert_int_equal(pr.c.err, ERR_AUTH);
	assert_int_equal(pr.g.asked, 1);
	assert_int_equal(pr.g.failed, 1);
	/* A server that only resumes is busy for a HELLO. */
	end_set(&pr.c, mk(&pr, CHAN_CLIENT, PW, NULL, 0));
	end_set(&pr.s, mk(&pr, CHAN_SERVER, NULL, &rs, 1));
	memset(&pr.g, 0, sizeof(pr.g));
	run(&pr, NULL, NULL);
	assert_int_equal(pr.s.err, ERR_BUSY);
	assert_int_equal(pr.c.err, ERR_BUSY);
	assert_int_equal(pr.g.asked, 0);
	pair_release(&pr);
}

/* Finding 12 and §5.6: an ABORT, well-formed or not, is never answered
 * and is no guess. */
static void
test_abort_never_answered(void **state)
{
	static const uint8_t early[] = { 1, 0x0f, 0, 0, 0, 1, 1 };
	static const uint8_t longer[] = { 1, 0x0f, 0, 0, 0, 2, 1, 1 };
	static const uint8_t empty[] = { 1, 0x0f, 0, 0, 0, 0 };
	const uint8_t *cases[3] = { early, longer, empty };
	size_t lens[3] = { sizeof(early), sizeof(longer), sizeof(empty) };
	int want[3] = { ERR_AUTH, ERR_TRAILING, ERR_TRUNCATED };
	struct pair pr;
	int i, k;

	(void)state;
	ids(&pr);
	for (k = 0; k < 2; k++)
		for (i = 0; i < 3; i++) {
			struct buf out;
			enum chan_event ev;

			end_set(&pr.s, mk(&pr, CHAN_SERVER, PW, NULL, 0));
			memset(&pr.g, 0, sizeof(pr.g));
			buf_init(&out, BUFMAX);
			if (k == 1) {
				/* After HELLO: the server is mid-handshake. */
				end_set(&pr.c, mk(&pr, CHAN_CLIENT, PW, NULL, 0));
				assert_int_equal(chan_start(pr.c.chan,
				    &pr.s.in), 0);
				assert_int_equal(chan_feed(pr.s.chan, &pr.s.in,
				    &out, &pr.s.app, &ev), 0);
				buf_reset(&out);
			}
			assert_int_equal(buf_put(&pr.s.in, cases[i], lens[i]),
			    0);
			assert_int_equal(chan_feed(pr.s.chan, &pr.s.in, &out,
			    &pr.s.app, &ev), want[i]);
			assert_int_equal(buf_len(&out), 0);
			assert_int_equal(pr.g.asked + pr.g.failed, 0);
			buf_release(&out);
		}
	pair_release(&pr);
}


/* The test vector of PROTOCOL §19.4: every random source fixed. */
static int vec_calls;
static const uint8_t vec_bytes[4] = { 0x10, 0x11, 0x80, 0x81 };

static int
vec_rng(void *ctx, uint8_t *out, size_t n)
{
	(void)ctx;
	memset(out, vec_bytes[vec_calls++ % 4], n);
	return 0;
}

static int lib_calls;

static void
lib_buf(void *const buf, const size_t n)
{
	/* libsodium's source: init_push's stream headers, server first. */
	memset(buf, lib_calls++ == 0 ? 0x77 : 0x5c, n);
}

static uint32_t
lib_random(void)
{
	return 0;
}

static const char *
lib_name(void)
{
	return "test vector";
}

static void
hex(char *out, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
test_vector(void **state)
{
	static const struct randombytes_implementation impl = {
		lib_name, lib_random, NULL, NULL, lib_buf, NULL
	};
	static const char *want[4] = {
		VEC_HELLO, VEC_ACCEPT, VEC_CONFIRM, VEC_NEXT
	};
	struct chan_resume rc, rs;
	struct chan_params p;
	struct pair pr;
	char h[4][2 * 256 + 1];
	uint8_t sid[CHAN_SID_BYTES], next[CHAN_KEY_BYTES];
	int i, resumed, confirmed;

	(void)state;
	ids(&pr);
	memset(&rc, 0, sizeof(rc));
	memset(rc.sid, 0x51, sizeof(rc.sid));
	memset(rc.secret, 0x52, sizeof(rc.secret));
	memcpy(rc.peer_pk, pr.id_s->pk, IDENTITY_PK_BYTES);
	rs = rc;
	memcpy(rs.peer_pk, pr.id_c->pk, IDENTITY_PK_BYTES);
	memset(&p, 0, sizeof(p));
	p.role = CHAN_CLIENT;
	p.identity = pr.id_c;
	p.rng = vec_rng;
	p.resume = &rc;
	vec_calls = 0;
	lib_calls = 0;
	assert_int_equal(chan_new(&pr.c.chan, &p), 0);
	buf_init(&pr.c.in, BUFMAX);
	buf_init(&pr.c.app, BUFMAX);
	p.role = CHAN_SERVER;
	p.identity = pr.id_s;
	p.resume = &rs;
	assert_int_equal(chan_new(&pr.s.chan, &p), 0);
	buf_init(&pr.s.in, BUFMAX);
	buf_init(&pr.s.app, BUFMAX);
	/* The client draws nonce_c and xc first, then the server. */
	assert_int_equal(randombytes_set_implementation(
	    (struct randombytes_implementation *)&impl), 0);
	run(&pr, NULL, NULL);
	assert_true(pr.c.established && pr.s.established);
	assert_int_equal(chan_session(pr.s.chan, sid, next, &resumed,
	    &confirmed), 0);
	for (i = 0; i < 4; i++) {
		if (i < 3)
			hex(h[i], pr.frames[i], pr.flen[i]);
		else
			hex(h[i], next, sizeof(next));
		if (getenv("SOTTO_PRINT_VECTOR") != NULL)
			printf("%d: %s\n", i, h[i]);
	}
	for (i = 0; i < 4; i++)
		assert_string_equal(h[i], want[i]);
	pair_release(&pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_and_resume),
		cmocka_unit_test(test_wrong_secret),
		cmocka_unit_test(test_replay_and_old),
		cmocka_unit_test(test_mutation_loop),
		cmocka_unit_test(test_gate_refuses),
		cmocka_unit_test(test_abort_never_answered),
		/* Last: it replaces libsodium's random source. */
		cmocka_unit_test(test_vector),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
