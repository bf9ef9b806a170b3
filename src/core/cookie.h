/*
 * cookie.h: the relay's stateless admission cookie and proof-of-work
 * puzzle (docs/PROTOCOL.md §5.9), on byte buffers only.
 *
 * Under load a server answers HELLO with CHALLENGE instead of SHARE_A:
 * a cookie, a keyed MAC over the client's address, the HELLO's nonce, a
 * time window and a difficulty (as WireGuard's cookie reply), and the
 * client must find a solution whose hash with the cookie starts with
 * that many zero bits (as Tor's onion-service proof of work) and send it
 * back in PROOF before the server does any group arithmetic.  The
 * server keeps nothing for it: the PROOF echoes the window, difficulty
 * and cookie, and the MAC tells that they are the server's own.
 */
#ifndef SOTTO_COOKIE_H
#define SOTTO_COOKIE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define COOKIE_KEY_BYTES	32
#define COOKIE_BYTES		16
#define COOKIE_ADDR_BYTES	16	/* IPv6, or IPv4-mapped IPv6 */
#define COOKIE_NONCE_BYTES	16	/* the HELLO's nonce_c */
#define COOKIE_SOLUTION_BYTES	8
/* A cookie is good in the window it was made in and the next one. */
#define COOKIE_WINDOW_SECONDS	30
/* CHALLENGE: bits u8, window u32, cookie.  PROOF: window u32, bits u8,
 * cookie, solution. */
#define COOKIE_CHALLENGE_LEN	(1 + 4 + COOKIE_BYTES)
#define COOKIE_PROOF_LEN	(4 + 1 + COOKIE_BYTES + COOKIE_SOLUTION_BYTES)

/*
 * The difficulty rule (PROTOCOL §5.9.3).  'n' is the number of HELLOs
 * the server received in the last second; 'pending' the handshakes it
 * has under way and 'pending_cap' their limit; 'prev' the difficulty it
 * used until now.  No puzzle (0) below PUZZLE_RATE HELLOs a second and
 * half the handshake slots; otherwise PUZZLE_MIN_BITS plus one bit per
 * doubling of n over PUZZLE_RATE, at most PUZZLE_MAX_BITS; and it falls
 * by at most one bit a second (below PUZZLE_MIN_BITS straight to 0).
 */
#define PUZZLE_RATE		100
#define PUZZLE_MIN_BITS		12
#define PUZZLE_MAX_BITS		20
/* The most a client will do: more than this is refused (ERR_RETRY_LATER)
 * rather than computed. */
#define PUZZLE_CLIENT_MAX_BITS	22

struct cookie_challenge {
	uint8_t		bits;
	uint32_t	window;
	uint8_t		cookie[COOKIE_BYTES];
};

struct cookie_proof {
	uint32_t	window;
	uint8_t		bits;
	uint8_t		cookie[COOKIE_BYTES];
	uint8_t		solution[COOKIE_SOLUTION_BYTES];
};

/* The window that time 'unix_seconds' falls in. */
uint32_t cookie_window(uint64_t unix_seconds);

/* The cookie for (window, bits, addr, nonce) under key; never fails. */
void	 cookie_make(uint8_t out[COOKIE_BYTES],
	    const uint8_t key[COOKIE_KEY_BYTES], uint32_t window, uint8_t bits,
	    const uint8_t addr[COOKIE_ADDR_BYTES],
	    const uint8_t nonce[COOKIE_NONCE_BYTES]);

/*
 * Checks a PROOF against the key, the current window, the client's
 * address and its HELLO's nonce: 0 if the cookie is ours, for this
 * address and nonce, made in window 'now' or the one before, with at
 * least 'min_bits' (the server's difficulty floor; 0 for none), and the
 * solution meets its difficulty.  ERR_TIMEOUT for a stale or future
 * window, ERR_AUTH for anything else.  Constant time in the cookie.
 */
int	 cookie_check(const uint8_t key[COOKIE_KEY_BYTES], uint32_t now,
	    uint8_t min_bits, const struct cookie_proof *p,
	    const uint8_t addr[COOKIE_ADDR_BYTES],
	    const uint8_t nonce[COOKIE_NONCE_BYTES]);

/* 1 if BLAKE2b-256("sotto/1 puzzle" || cookie || solution) starts with
 * at least 'bits' zero bits (bits <= 256), else 0. */
int	 puzzle_ok(const uint8_t cookie[COOKIE_BYTES], uint8_t bits,
	    const uint8_t solution[COOKIE_SOLUTION_BYTES]);

/*
 * Finds a solution, trying 0, 1, 2, ... as big-endian u64s; at most
 * 2^(bits + 6) tries (a miss has probability below e^-64).  0 with
 * solution set; ERR_RETRY_LATER if bits > PUZZLE_CLIENT_MAX_BITS;
 * ERR_INTERNAL if no solution was found.
 */
int	 puzzle_solve(const uint8_t cookie[COOKIE_BYTES], uint8_t bits,
	    uint8_t solution[COOKIE_SOLUTION_BYTES]);

/* The difficulty rule above. */
uint8_t	 puzzle_difficulty(uint32_t n, unsigned pending, unsigned pending_cap,
	    uint8_t prev);

/* Parse a CHALLENGE / PROOF frame's payload: 0, ERR_TRUNCATED,
 * ERR_TRAILING, or ERR_FORMAT (a CHALLENGE with bits 0 or over 64).
 * *out is zeroed on failure. */
int	 cookie_parse_challenge(struct cookie_challenge *out, const uint8_t *p,
	    size_t len);
int	 cookie_parse_proof(struct cookie_proof *out, const uint8_t *p,
	    size_t len);
/* Append a whole CHALLENGE / PROOF frame (header included) to out. */
int	 cookie_put_challenge(struct buf *out,
	    const struct cookie_challenge *c);
int	 cookie_put_proof(struct buf *out, const struct cookie_proof *p);

#endif
