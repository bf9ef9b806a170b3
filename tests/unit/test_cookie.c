/*
 * test_cookie.c: the relay's admission cookie and puzzle (cookie.h,
 * PROTOCOL §5.7): a solved proof passes; one from another address, for
 * another nonce, from an expired or future window, with its difficulty
 * lowered, or with any single bit flipped fails; the solver's solutions
 * meet the difficulty and it refuses more than PUZZLE_CLIENT_MAX_BITS;
 * the difficulty rule follows its table; CHALLENGE and PROOF round-trip
 * and every cut or extra byte is refused; a client channel answers a
 * CHALLENGE with a PROOF (once) and then completes its handshake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "chan.h"
#include "cookie.h"
#include "err.h"
#include "frame.h"
#include "identity.h"

static const uint8_t key[COOKIE_KEY_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t addr_a[COOKIE_ADDR_BYTES] = { 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0xff, 0xff, 127, 0, 0, 1 };
static const uint8_t addr_b[COOKIE_ADDR_BYTES] = { 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0xff, 0xff, 127, 0, 0, 2 };
static const uint8_t nonce[COOKIE_NONCE_BYTES] = { 0xaa, 0xbb, 0xcc };

/* A solved proof for addr_a / nonce at window w and 'bits'. */
static void
make_proof(struct cookie_proof *p, uint32_t w, uint8_t bits)
{
	memset(p, 0, sizeof(*p));
	p->window = w;
	p->bits = bits;
	cookie_make(p->cookie, key, w, bits, addr_a, nonce);
	assert_int_equal(puzzle_solve(p->cookie, bits, p->solution), 0);
}

/* The example of PROTOCOL §5.9.4, byte for byte. */
static void
test_vector(void **state)
{
	static const uint8_t want_cookie[COOKIE_BYTES] = {
		0x23, 0xfb, 0x43, 0x59, 0xba, 0x28, 0x1b, 0x21,
		0x6b, 0x23, 0xae, 0xa7, 0xd1, 0x0b, 0x87, 0xf0,
	};
	static const uint8_t want_sol[COOKIE_SOLUTION_BYTES] = {
		0, 0, 0, 0, 0, 0, 0x0d, 0x8f,
	};
	static const uint8_t want_challenge[] = {
		0x01, 0x05, 0x00, 0x00, 0x00, 0x15, 0x0c, 0x00, 0x00, 0xab,
		0xcd, 0x23, 0xfb, 0x43, 0x59, 0xba, 0x28, 0x1b, 0x21, 0x6b,
		0x23, 0xae, 0xa7, 0xd1, 0x0b, 0x87, 0xf0,
	};
	uint8_t k[COOKIE_KEY_BYTES], n[COOKIE_NONCE_BYTES];
	struct cookie_challenge ch;
	struct cookie_proof p;
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	for (i = 0; i < sizeof(n); i++)
		n[i] = (uint8_t)(0x10 + i);
	memset(&ch, 0, sizeof(ch));
	ch.bits = 12;
	ch.window = 0xabcd;
	cookie_make(ch.cookie, k, 0xabcd, 12, addr_a, n);
	assert_memory_equal(ch.cookie, want_cookie, COOKIE_BYTES);
	buf_init(&b, 64);
	assert_int_equal(cookie_put_challenge(&b, &ch), 0);
	assert_int_equal(buf_len(&b), sizeof(want_challenge));
	assert_memory_equal(buf_ptr(&b), want_challenge,
	    sizeof(want_challenge));
	buf_release(&b);
	memset(&p, 0, sizeof(p));
	p.window = 0xabcd;
	p.bits = 12;
	memcpy(p.cookie, ch.cookie, COOKIE_BYTES);
	assert_int_equal(puzzle_solve(p.cookie, 12, p.solution), 0);
	assert_memory_equal(p.solution, want_sol, COOKIE_SOLUTION_BYTES);
	assert_int_equal(cookie_check(k, 0xabcd, 0, &p, addr_a, n), 0);
}

static void
test_valid(void **state)
{
	struct cookie_proof p;

	(void)state;
	make_proof(&p, 1000, 10);
	assert_int_equal(cookie_check(key, 1000, 0, &p, addr_a, nonce), 0);
	/* Still good in the next window, not in the one after. */
	assert_int_equal(cookie_check(key, 1001, 0, &p, addr_a, nonce), 0);
	assert_int_equal(cookie_check(key, 1002, 0, &p, addr_a, nonce),
	    ERR_TIMEOUT);
	/* Nor from the future. */
	assert_int_equal(cookie_check(key, 999, 0, &p, addr_a, nonce),
	    ERR_TIMEOUT);
	/* A floor above what the cookie says refuses it. */
	assert_int_equal(cookie_check(key, 1000, 11, &p, addr_a, nonce),
	    ERR_AUTH);
	assert_int_equal(cookie_check(key, 1000, 10, &p, addr_a, nonce), 0);
}

static void
test_wrong_address_nonce_key(void **state)
{
	struct cookie_proof p;
	uint8_t other_nonce[COOKIE_NONCE_BYTES] = { 0xaa, 0xbb, 0xcd };
	uint8_t other_key[COOKIE_KEY_BYTES] = { 9 };

	(void)state;
	make_proof(&p, 7, 8);
	assert_int_equal(cookie_check(key, 7, 0, &p, addr_b, nonce),
	    ERR_AUTH);
	assert_int_equal(cookie_check(key, 7, 0, &p, addr_a, other_nonce),
	    ERR_AUTH);
	assert_int_equal(cookie_check(other_key, 7, 0, &p, addr_a, nonce),
	    ERR_AUTH);
}

static void
test_lowered_difficulty(void **state)
{
	struct cookie_proof p;

	(void)state;
	/* Claiming fewer bits than the cookie was made for breaks the MAC,
	 * even with a solution that meets the lower claim. */
	make_proof(&p, 5, 12);
	p.bits = 1;
	assert_false(cookie_check(key, 5, 0, &p, addr_a, nonce) == 0);
	/* And a cookie with an unsolved puzzle fails. */
	make_proof(&p, 5, 12);
	while (puzzle_ok(p.cookie, 12, p.solution))
		p.solution[7]++;
	assert_int_equal(cookie_check(key, 5, 0, &p, addr_a, nonce),
	    ERR_AUTH);
}

/* Every single-bit flip of a valid proof (its bytes as on the wire) is
 * refused. */
static void
test_mutation_loop(void **state)
{
	struct cookie_proof p, q;
	struct buf b;
	uint8_t wire[COOKIE_PROOF_LEN];
	size_t i;
	int bit;

	(void)state;
	make_proof(&p, 4242, 8);
	buf_init(&b, 64);
	assert_int_equal(cookie_put_proof(&b, &p), 0);
	assert_int_equal(buf_len(&b), FRAME_HDR_LEN + COOKIE_PROOF_LEN);
	memcpy(wire, buf_ptr(&b) + FRAME_HDR_LEN, sizeof(wire));
	buf_release(&b);
	assert_int_equal(cookie_parse_proof(&q, wire, sizeof(wire)), 0);
	assert_int_equal(cookie_check(key, 4242, 0, &q, addr_a, nonce), 0);
	for (i = 0; i < sizeof(wire); i++)
		for (bit = 0; bit < 8; bit++) {
			wire[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(cookie_parse_proof(&q, wire,
			    sizeof(wire)), 0);
			/* A flipped solution bit can still solve 8 bits by
			 * chance (1 in 256); nothing else can pass. */
			if (i < 4 + 1 + COOKIE_BYTES)
				assert_false(cookie_check(key, 4242, 0, &q,
				    addr_a, nonce) == 0);
			else if (cookie_check(key, 4242, 0, &q, addr_a,
			    nonce) == 0)
				assert_true(puzzle_ok(q.cookie, 8,
				    q.solution));
			wire[i] ^= (uint8_t)(1u << bit);
		}
}

static void
test_solver(void **state)
{
	uint8_t c[COOKIE_BYTES], s[COOKIE_SOLUTION_BYTES];
	unsigned bits, i;

	(void)state;
	for (i = 0; i < 8; i++) {
		memset(c, (int)i, sizeof(c));
		for (bits = 1; bits <= 14; bits += 3) {
			assert_int_equal(puzzle_solve(c, (uint8_t)bits, s), 0);
			assert_true(puzzle_ok(c, (uint8_t)bits, s));
		}
	}
	assert_int_equal(puzzle_solve(c, PUZZLE_CLIENT_MAX_BITS + 1, s),
	    ERR_RETRY_LATER);
	/* 0 bits: anything goes; 256 bits: nothing does. */
	assert_true(puzzle_ok(c, 0, s));
	assert_false(puzzle_ok(c, 255, s));
}

static void
test_difficulty_rule(void **state)
{
	(void)state;
	/* Calm: no puzzle. */
	assert_int_equal(puzzle_difficulty(0, 0, 256, 0), 0);
	assert_int_equal(puzzle_difficulty(PUZZLE_RATE - 1, 0, 256, 0), 0);
	/* From PUZZLE_RATE HELLOs a second: the minimum, then one bit per
	 * doubling, up to the maximum. */
	assert_int_equal(puzzle_difficulty(PUZZLE_RATE, 0, 256, 0),
	    PUZZLE_MIN_BITS);
	assert_int_equal(puzzle_difficulty(2 * PUZZLE_RATE - 1, 0, 256, 0),
	    PUZZLE_MIN_BITS);
	assert_int_equal(puzzle_difficulty(2 * PUZZLE_RATE, 0, 256, 0),
	    PUZZLE_MIN_BITS + 1);
	assert_int_equal(puzzle_difficulty(40 * PUZZLE_RATE, 0, 256, 0),
	    PUZZLE_MIN_BITS + 5);
	assert_int_equal(puzzle_difficulty(UINT32_MAX, 0, 256, 0),
	    PUZZLE_MAX_BITS);
	/* Half the handshake slots busy: at least the minimum. */
	assert_int_equal(puzzle_difficulty(0, 128, 256, 0), PUZZLE_MIN_BITS);
	assert_int_equal(puzzle_difficulty(0, 127, 256, 0), 0);
	/* Down by one bit a second, and from the minimum to none. */
	assert_int_equal(puzzle_difficulty(0, 0, 256, 17), 16);
	assert_int_equal(puzzle_difficulty(0, 0, 256, PUZZLE_MIN_BITS + 1),
	    PUZZLE_MIN_BITS);
	assert_int_equal(puzzle_difficulty(0, 0, 256, PUZZLE_MIN_BITS), 0);
	/* Up at once. */
	assert_int_equal(puzzle_difficulty(40 * PUZZLE_RATE, 0, 256, 13),
	    PUZZLE_MIN_BITS + 5);
}

static void
test_challenge_wire(void **state)
{
	struct cookie_challenge c, d;
	struct buf b;
	uint8_t p[COOKIE_CHALLENGE_LEN + 1];
	const uint8_t *f;
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.bits = 13;
	c.window = 0x01020304;
	memset(c.cookie, 0x5a, sizeof(c.cookie));
	buf_init(&b, 64);
	assert_int_equal(cookie_put_challenge(&b, &c), 0);
	f = buf_ptr(&b);
	assert_int_equal(buf_len(&b), FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN);
	/* 01 05 00 00 00 15 | 0d | 01 02 03 04 | cookie */
	assert_int_equal(f[0], 1);
	assert_int_equal(f[1], FRAME_CHALLENGE);
	assert_int_equal(f[5], COOKIE_CHALLENGE_LEN);
	assert_int_equal(f[6], 13);
	assert_int_equal(f[7], 1);
	assert_int_equal(f[10], 4);
	memcpy(p, f + FRAME_HDR_LEN, COOKIE_CHALLENGE_LEN);
	buf_release(&b);
	assert_int_equal(cookie_parse_challenge(&d, p, COOKIE_CHALLENGE_LEN),
	    0);
	assert_memory_equal(&c, &d, sizeof(c));
	for (i = 0; i < COOKIE_CHALLENGE_LEN; i++)
		assert_int_equal(cookie_parse_challenge(&d, p, i),
		    ERR_TRUNCATED);
	assert_int_equal(cookie_parse_challenge(&d, p,
	    COOKIE_CHALLENGE_LEN + 1), ERR_TRAILING);
	p[0] = 0;
	assert_int_equal(cookie_parse_challenge(&d, p, COOKIE_CHALLENGE_LEN),
	    ERR_FORMAT);
}

static void
test_proof_wire(void **state)
{
	struct cookie_proof p;
	uint8_t w[COOKIE_PROOF_LEN + 1] = { 0 };
	size_t i;

	(void)state;
	for (i = 0; i < COOKIE_PROOF_LEN; i++)
		assert_int_equal(cookie_parse_proof(&p, w, i), ERR_TRUNCATED);
	assert_int_equal(cookie_parse_proof(&p, w, COOKIE_PROOF_LEN + 1),
	    ERR_TRAILING);
	assert_int_equal(cookie_parse_proof(&p, w, COOKIE_PROOF_LEN), 0);
}

/* A client channel under a challenging server: HELLO, CHALLENGE in,
 * PROOF out that the server's check accepts; a second CHALLENGE is a
 * protocol error; then SHARE_A completes the handshake as usual. */
static void
test_client_answers(void **state)
{
	struct identity *ic = NULL, *is = NULL;
	struct chan *c = NULL, *s = NULL;
	struct chan_params pc, ps;
	struct buf c2s, s2c, app, tmp;
	struct cookie_challenge ch;
	struct cookie_proof pr;
	enum chan_event ev;
	const uint8_t *f;
	uint8_t hello[FRAME_HDR_LEN + 17];
	int r, i, done;

	(void)state;
	assert_int_equal(identity_generate(&ic), 0);
	assert_int_equal(identity_generate(&is), 0);
	memset(&pc, 0, sizeof(pc));
	pc.role = CHAN_CLIENT;
	pc.identity = ic;
	ps = pc;
	ps.role = CHAN_SERVER;
	ps.identity = is;
	assert_int_equal(chan_new(&c, &pc), 0);
	assert_int_equal(chan_new(&s, &ps), 0);
	buf_init(&c2s, 1 << 20);
	buf_init(&s2c, 1 << 20);
	buf_init(&app, 1 << 20);
	assert_int_equal(chan_start(c, &c2s), 0);
	assert_int_equal(buf_len(&c2s), sizeof(hello));
	memcpy(hello, buf_ptr(&c2s), sizeof(hello));

	ch.bits = 6;
	ch.window = 77;
	cookie_make(ch.cookie, key, 77, 6, addr_a, hello + FRAME_HDR_LEN + 1);
	buf_init(&tmp, 256);
	assert_int_equal(cookie_put_challenge(&tmp, &ch), 0);
	assert_int_equal(buf_put(&s2c, buf_ptr(&tmp), buf_len(&tmp)), 0);
	/* The client answers with exactly one PROOF frame after its HELLO. */
	assert_int_equal(chan_feed(c, &s2c, &c2s, &app, &ev), 0);
	assert_int_equal(ev, CHAN_EV_NONE);
	assert_int_equal(buf_len(&c2s), sizeof(hello) + FRAME_HDR_LEN +
	    COOKIE_PROOF_LEN);
	f = buf_ptr(&c2s) + sizeof(hello);
	assert_int_equal(f[1], FRAME_PROOF);
	assert_int_equal(cookie_parse_proof(&pr, f + FRAME_HDR_LEN,
	    COOKIE_PROOF_LEN), 0);
	assert_int_equal(cookie_check(key, 78, 0, &pr, addr_a,
	    hello + FRAME_HDR_LEN + 1), 0);
	/* The relay's admission consumes the PROOF; the server channel
	 * sees the HELLO only. */
	buf_reset(&c2s);
	assert_int_equal(buf_put(&c2s, hello, sizeof(hello)), 0);
	/* Run the rest of the handshake. */
	for (i = 0, done = 0; i < 20 && done < 2; i++) {
		while ((r = chan_feed(s, &c2s, &s2c, &app, &ev)) == 0)
			if (ev == CHAN_EV_ESTABLISHED)
				done++;
		assert_int_equal(r, ERR_NEED_MORE);
		while ((r = chan_feed(c, &s2c, &c2s, &app, &ev)) == 0)
			if (ev == CHAN_EV_ESTABLISHED)
				done++;
		assert_int_equal(r, ERR_NEED_MORE);
	}
	assert_int_equal(done, 2);
	chan_free(c);
	c = NULL;

	/* A second CHALLENGE is refused. */
	assert_int_equal(chan_new(&c, &pc), 0);
	buf_reset(&c2s);
	buf_reset(&s2c);
	assert_int_equal(chan_start(c, &c2s), 0);
	assert_int_equal(buf_put(&s2c, buf_ptr(&tmp), buf_len(&tmp)), 0);
	assert_int_equal(buf_put(&s2c, buf_ptr(&tmp), buf_len(&tmp)), 0);
	assert_int_equal(chan_feed(c, &s2c, &c2s, &app, &ev), 0);
	assert_int_equal(chan_feed(c, &s2c, &c2s, &app, &ev), ERR_STATE);
	chan_free(c);
	c = NULL;

	/* Too hard a puzzle: the client gives up without computing. */
	assert_int_equal(chan_new(&c, &pc), 0);
	buf_reset(&c2s);
	buf_reset(&s2c);
	buf_reset(&tmp);
	ch.bits = PUZZLE_CLIENT_MAX_BITS + 1;
	assert_int_equal(cookie_put_challenge(&tmp, &ch), 0);
	assert_int_equal(chan_start(c, &c2s), 0);
	assert_int_equal(buf_put(&s2c, buf_ptr(&tmp), buf_len(&tmp)), 0);
	assert_int_equal(chan_feed(c, &s2c, &c2s, &app, &ev),
	    ERR_RETRY_LATER);

	buf_release(&tmp);
	buf_release(&c2s);
	buf_release(&s2c);
	buf_release(&app);
	chan_free(c);
	chan_free(s);
	identity_free(ic);
	identity_free(is);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vector),
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_wrong_address_nonce_key),
		cmocka_unit_test(test_lowered_difficulty),
		cmocka_unit_test(test_mutation_loop),
		cmocka_unit_test(test_solver),
		cmocka_unit_test(test_difficulty_rule),
		cmocka_unit_test(test_challenge_wire),
		cmocka_unit_test(test_proof_wire),
		cmocka_unit_test(test_client_answers),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
