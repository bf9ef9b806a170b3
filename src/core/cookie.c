/* cookie.c: the admission cookie and proof-of-work puzzle (see cookie.h
 * and docs/PROTOCOL.md §5.9, which this file follows byte for byte). */
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "cookie.h"
#include "err.h"
#include "frame.h"

static const char LABEL_COOKIE[] = "sotto/1 cookie";
static const char LABEL_PUZZLE[] = "sotto/1 puzzle";

uint32_t
cookie_window(uint64_t unix_seconds)
{
	return (uint32_t)(unix_seconds / COOKIE_WINDOW_SECONDS);
}

static void
put_be32(uint8_t p[4], uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void
cookie_make(uint8_t out[COOKIE_BYTES], const uint8_t key[COOKIE_KEY_BYTES],
    uint32_t window, uint8_t bits, const uint8_t addr[COOKIE_ADDR_BYTES],
    const uint8_t nonce[COOKIE_NONCE_BYTES])
{
	crypto_generichash_state st;
	uint8_t w[4];

	put_be32(w, window);
	crypto_generichash_init(&st, key, COOKIE_KEY_BYTES, COOKIE_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)LABEL_COOKIE,
	    sizeof(LABEL_COOKIE) - 1);
	crypto_generichash_update(&st, w, sizeof(w));
	crypto_generichash_update(&st, &bits, 1);
	crypto_generichash_update(&st, addr, COOKIE_ADDR_BYTES);
	crypto_generichash_update(&st, nonce, COOKIE_NONCE_BYTES);
	crypto_generichash_final(&st, out, COOKIE_BYTES);
	sodium_memzero(&st, sizeof(st));
}

int
puzzle_ok(const uint8_t cookie[COOKIE_BYTES], uint8_t bits,
    const uint8_t solution[COOKIE_SOLUTION_BYTES])
{
	uint8_t in[sizeof(LABEL_PUZZLE) - 1 + COOKIE_BYTES +
	    COOKIE_SOLUTION_BYTES], h[32];
	unsigned i, full = bits / 8, rest = bits % 8;

	memcpy(in, LABEL_PUZZLE, sizeof(LABEL_PUZZLE) - 1);
	memcpy(in + sizeof(LABEL_PUZZLE) - 1, cookie, COOKIE_BYTES);
	memcpy(in + sizeof(LABEL_PUZZLE) - 1 + COOKIE_BYTES, solution,
	    COOKIE_SOLUTION_BYTES);
	crypto_generichash(h, sizeof(h), in, sizeof(in), NULL, 0);
	for (i = 0; i < full; i++)
		if (h[i] != 0)
			return 0;
	if (rest > 0 && (h[full] >> (8 - rest)) != 0)
		return 0;
	return 1;
}

int
puzzle_solve(const uint8_t cookie[COOKIE_BYTES], uint8_t bits,
    uint8_t solution[COOKIE_SOLUTION_BYTES])
{
	uint64_t s, tries;
	int i;

	memset(solution, 0, COOKIE_SOLUTION_BYTES);
	if (bits > PUZZLE_CLIENT_MAX_BITS)
		return ERR_RETRY_LATER;
	tries = (uint64_t)1 << (bits + 6);
	for (s = 0; s < tries; s++) {
		for (i = 0; i < COOKIE_SOLUTION_BYTES; i++)
			solution[i] = (uint8_t)(s >> (8 * (7 - i)));
		if (puzzle_ok(cookie, bits, solution))
			return 0;
	}
	memset(solution, 0, COOKIE_SOLUTION_BYTES);
	return ERR_INTERNAL;
}

int
cookie_check(const uint8_t key[COOKIE_KEY_BYTES], uint32_t now,
    uint8_t min_bits, const struct cookie_proof *p,
    const uint8_t addr[COOKIE_ADDR_BYTES],
    const uint8_t nonce[COOKIE_NONCE_BYTES])
{
	uint8_t want[COOKIE_BYTES];
	int ok;

	if (p->window != now && (now == 0 || p->window != now - 1))
		return ERR_TIMEOUT;
	cookie_make(want, key, p->window, p->bits, addr, nonce);
	ok = sodium_memcmp(want, p->cookie, COOKIE_BYTES) == 0;
	sodium_memzero(want, sizeof(want));
	if (!ok || p->bits == 0 || p->bits < min_bits)
		return ERR_AUTH;
	return puzzle_ok(p->cookie, p->bits, p->solution) ? 0 : ERR_AUTH;
}

uint8_t
puzzle_difficulty(uint32_t n, unsigned pending, unsigned pending_cap,
    uint8_t prev)
{
	unsigned target = 0;
	uint32_t q;

	if (n >= PUZZLE_RATE) {
		target = PUZZLE_MIN_BITS;
		for (q = n / PUZZLE_RATE; q > 1 && target < PUZZLE_MAX_BITS;
		    q >>= 1)
			target++;
	}
	if (target == 0 && pending_cap > 0 && pending >= pending_cap / 2)
		target = PUZZLE_MIN_BITS;
	/* Slowly down: a flood that stops for a moment because it cannot
	 * pay does not get a free second. */
	if (prev > target + 1u)
		target = prev - 1u;
	if (target < PUZZLE_MIN_BITS)
		target = 0;
	return (uint8_t)target;
}

int
cookie_parse_challenge(struct cookie_challenge *out, const uint8_t *p,
    size_t len)
{
	struct buf b;
	int r;

	memset(out, 0, sizeof(*out));
	buf_view(&b, p, len);
	if ((r = buf_get_u8(&b, &out->bits)) != 0 ||
	    (r = buf_get_u32(&b, &out->window)) != 0 ||
	    (r = buf_get_fixed(&b, out->cookie, COOKIE_BYTES)) != 0 ||
	    (r = buf_expect_end(&b)) != 0)
		goto fail;
	if (out->bits == 0) {
		r = ERR_FORMAT;
		goto fail;
	}
	return 0;
 fail:
	memset(out, 0, sizeof(*out));
	return r;
}

int
cookie_parse_proof(struct cookie_proof *out, const uint8_t *p, size_t len)
{
	struct buf b;
	int r;

	memset(out, 0, sizeof(*out));
	buf_view(&b, p, len);
	if ((r = buf_get_u32(&b, &out->window)) != 0 ||
	    (r = buf_get_u8(&b, &out->bits)) != 0 ||
	    (r = buf_get_fixed(&b, out->cookie, COOKIE_BYTES)) != 0 ||
	    (r = buf_get_fixed(&b, out->solution,
	    COOKIE_SOLUTION_BYTES)) != 0 ||
	    (r = buf_expect_end(&b)) != 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	return 0;
}

int
cookie_put_challenge(struct buf *out, const struct cookie_challenge *c)
{
	uint8_t p[COOKIE_CHALLENGE_LEN];

	p[0] = c->bits;
	put_be32(p + 1, c->window);
	memcpy(p + 5, c->cookie, COOKIE_BYTES);
	return frame_put(out, FRAME_CHALLENGE, p, sizeof(p));
}

int
cookie_put_proof(struct buf *out, const struct cookie_proof *pr)
{
	uint8_t p[COOKIE_PROOF_LEN];

	put_be32(p, pr->window);
	p[4] = pr->bits;
	memcpy(p + 5, pr->cookie, COOKIE_BYTES);
	memcpy(p + 5 + COOKIE_BYTES, pr->solution, COOKIE_SOLUTION_BYTES);
	return frame_put(out, FRAME_PROOF, p, sizeof(p));
}
