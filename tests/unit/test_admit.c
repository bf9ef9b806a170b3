/*
 * test_admit.c: the relay's admission stage (admit.h) on socket pairs
 * under a real event loop: without load a HELLO is handed on at once,
 * byte for byte; under load it draws a CHALLENGE, and the PROOF the
 * reference client makes gets it handed on; the same PROOF again (a
 * replay on another connection) is refused with ABORT 2, as are a wrong
 * solution and a bad first byte; an ABORT is closed without a word; the
 * oldest connection is shed for a new one over the cap; a silent one is
 * closed at its deadline; every ending gives its address's counts back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/event.h>
#include <sodium.h>

#include "addrlim.h"
#include "admit.h"
#include "buf.h"
#include "chan.h"
#include "cookie.h"
#include "frame.h"

struct ctx {
	struct event_base	*base;
	struct admit		*ad;
	struct addrlim		*lim;
	struct addrlim_addr	*la;
	struct sockaddr_in	 sa;
	int			 ready;
	uint8_t			 hello[ADMIT_HELLO_LEN];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
on_ready(void *arg, int fd, const uint8_t hello[ADMIT_HELLO_LEN],
    struct addrlim_addr *la, int64_t accepted)
{
	struct ctx *x = arg;

	(void)accepted;
	x->ready++;
	memcpy(x->hello, hello, ADMIT_HELLO_LEN);
	addrlim_handshake_done(la);
	addrlim_release(la);
	close(fd);
}

static void
setup(struct ctx *x, int bits, size_t max_conns, int timeout_ms)
{
	struct addrlim_conf lc = { 0, 0, 0, 0 };
	struct admit_conf ac;

	memset(x, 0, sizeof(*x));
	assert_non_null(x->base = event_base_new());
	assert_int_equal(addrlim_new(&x->lim, &lc), 0);
	x->sa.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.5", &x->sa.sin_addr);
	assert_non_null(x->la = addrlim_get(x->lim,
	    (struct sockaddr *)&x->sa, 0));
	memset(&ac, 0, sizeof(ac));
	ac.max_conns = max_conns;
	ac.timeout_ms = timeout_ms;
	ac.force_bits = bits;
	assert_int_equal(admit_new(&x->ad, x->base, &ac, on_ready, x), 0);
}

static void
teardown(struct ctx *x)
{
	admit_free(x->ad);
	/* Everything given back. */
	assert_int_equal(x->la->conns, 0);
	assert_int_equal(x->la->pending, 0);
	addrlim_free(x->lim);
	event_base_free(x->base);
}

/* A new connection in the stage; returns the client's end. */
static int
connect_one(struct ctx *x)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(addrlim_admit(x->lim, x->la), 0);
	assert_int_equal(admit_add(x->ad, sv[0], (struct sockaddr *)&x->sa,
	    x->la, now_ms()), 0);
	return sv[1];
}

static void
spin(struct ctx *x)
{
	int i;

	for (i = 0; i < 20; i++)
		event_base_loop(x->base, EVLOOP_NONBLOCK);
}

/* What the stage sent on c (up to n bytes), 0 bytes and EOF -> -1. */
static ssize_t
read_some(int c, uint8_t *p, size_t n)
{
	ssize_t r = recv(c, p, n, MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return r == 0 ? -1 : r;
}

static void
make_hello(uint8_t h[ADMIT_HELLO_LEN], uint8_t nonce_byte)
{
	frame_put_header(h, FRAME_LINK_HELLO, 17);
	h[FRAME_HDR_LEN] = 1;
	memset(h + FRAME_HDR_LEN + 1, nonce_byte, 16);
}

static void
test_no_load(void **state)
{
	struct ctx x;
	uint8_t h[ADMIT_HELLO_LEN];
	int c;

	(void)state;
	setup(&x, 0, 10, 10000);
	c = connect_one(&x);
	assert_int_equal(admit_count(x.ad), 1);
	make_hello(h, 7);
	/* In two pieces: the stage waits for the whole frame. */
	assert_int_equal(send(c, h, 5, 0), 5);
	spin(&x);
	assert_int_equal(x.ready, 0);
	assert_int_equal(send(c, h + 5, sizeof(h) - 5, 0),
	    (ssize_t)(sizeof(h) - 5));
	spin(&x);
	assert_int_equal(x.ready, 1);
	assert_memory_equal(x.hello, h, sizeof(h));
	assert_int_equal(admit_count(x.ad), 0);
	close(c);
	teardown(&x);
}

/* Reads a CHALLENGE from c and answers it as the client would (or with
 * a wrong solution); returns the PROOF frame sent in pf. */
static void
answer(struct ctx *x, int c, int wrong, uint8_t pf[FRAME_HDR_LEN +
    COOKIE_PROOF_LEN])
{
	uint8_t f[FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN];
	struct cookie_challenge ch;
	struct cookie_proof pr;
	struct buf b;

	spin(x);
	assert_int_equal(read_some(c, f, sizeof(f)), (ssize_t)sizeof(f));
	assert_int_equal(f[1], FRAME_CHALLENGE);
	assert_int_equal(cookie_parse_challenge(&ch, f + FRAME_HDR_LEN,
	    COOKIE_CHALLENGE_LEN), 0);
	assert_int_equal(ch.bits, 8);
	memset(&pr, 0, sizeof(pr));
	pr.window = ch.window;
	pr.bits = ch.bits;
	memcpy(pr.cookie, ch.cookie, COOKIE_BYTES);
	assert_int_equal(puzzle_solve(ch.cookie, ch.bits, pr.solution), 0);
	if (wrong)
		while (puzzle_ok(pr.cookie, pr.bits, pr.solution))
			pr.solution[0]++;
	buf_init(&b, 64);
	assert_int_equal(cookie_put_proof(&b, &pr), 0);
	memcpy(pf, buf_ptr(&b), FRAME_HDR_LEN + COOKIE_PROOF_LEN);
	buf_release(&b);
	assert_int_equal(send(c, pf, FRAME_HDR_LEN + COOKIE_PROOF_LEN, 0),
	    FRAME_HDR_LEN + COOKIE_PROOF_LEN);
	spin(x);
}

static void
expect_abort_then_eof(int c, uint8_t reason)
{
	uint8_t f[16];

	if (reason != 0) {
		assert_int_equal(read_some(c, f, sizeof(f)), 7);
		assert_int_equal(f[1], FRAME_ABORT);
		assert_int_equal(f[6], reason);
	}
	assert_int_equal(read_some(c, f, sizeof(f)), -1);
}

static void
test_challenge_proof_replay(void **state)
{
	struct ctx x;
	uint8_t h[ADMIT_HELLO_LEN], pf[FRAME_HDR_LEN + COOKIE_PROOF_LEN];
	int c, d;

	(void)state;
	setup(&x, 8, 10, 10000);
	c = connect_one(&x);
	make_hello(h, 9);
	assert_int_equal(send(c, h, sizeof(h), 0), (ssize_t)sizeof(h));
	answer(&x, c, 0, pf);
	assert_int_equal(x.ready, 1);
	assert_memory_equal(x.hello, h, sizeof(h));
	close(c);

	/* The same HELLO on another connection gets the same cookie; the
	 * same PROOF again is a replay. */
	d = connect_one(&x);
	assert_int_equal(send(d, h, sizeof(h), 0), (ssize_t)sizeof(h));
	spin(&x);
	{
		uint8_t f[FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN];

		assert_int_equal(read_some(d, f, sizeof(f)), (ssize_t)sizeof(f));
		assert_memory_equal(f + FRAME_HDR_LEN + 5, pf + FRAME_HDR_LEN + 5,
		    COOKIE_BYTES);
	}
	assert_int_equal(send(d, pf, sizeof(pf), 0), (ssize_t)sizeof(pf));
	spin(&x);
	assert_int_equal(x.ready, 1);
	expect_abort_then_eof(d, CHAN_ABORT_PROTOCOL);
	close(d);

	/* A wrong solution. */
	d = connect_one(&x);
	make_hello(h, 10);
	assert_int_equal(send(d, h, sizeof(h), 0), (ssize_t)sizeof(h));
	answer(&x, d, 1, pf);
	assert_int_equal(x.ready, 1);
	expect_abort_then_eof(d, CHAN_ABORT_PROTOCOL);
	close(d);

	/* An ABORT instead of the PROOF: closed, nothing said. */
	d = connect_one(&x);
	make_hello(h, 11);
	assert_int_equal(send(d, h, sizeof(h), 0), (ssize_t)sizeof(h));
	spin(&x);
	{
		uint8_t f[64], ab[7] = { 1, FRAME_ABORT, 0, 0, 0, 1, 2 };

		assert_int_equal(read_some(d, f, sizeof(f)),
		    FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN);
		assert_int_equal(send(d, ab, sizeof(ab), 0), 7);
	}
	spin(&x);
	expect_abort_then_eof(d, 0);
	close(d);
	teardown(&x);
}

static void
test_bad_first_bytes(void **state)
{
	struct ctx x;
	uint8_t junk[2] = { 2, 1 }, h[ADMIT_HELLO_LEN];
	int c;

	(void)state;
	setup(&x, 0, 10, 10000);
	/* A wrong version byte: ABORT 2 at once. */
	c = connect_one(&x);
	assert_int_equal(send(c, junk, 1, 0), 1);
	spin(&x);
	expect_abort_then_eof(c, CHAN_ABORT_PROTOCOL);
	close(c);
	/* A HELLO header with the wrong length. */
	c = connect_one(&x);
	make_hello(h, 1);
	h[5] = 18;
	assert_int_equal(send(c, h, FRAME_HDR_LEN, 0), FRAME_HDR_LEN);
	spin(&x);
	expect_abort_then_eof(c, CHAN_ABORT_PROTOCOL);
	close(c);
	assert_int_equal(x.ready, 0);
	teardown(&x);
}

static void
test_shed_and_timeout(void **state)
{
	struct ctx x;
	uint8_t f[8];
	int c[3], i;

	(void)state;
	setup(&x, 0, 2, 2000);
	for (i = 0; i < 3; i++)
		c[i] = connect_one(&x);
	/* Two at most: the oldest went for the third. */
	assert_int_equal(admit_count(x.ad), 2);
	assert_int_equal(read_some(c[0], f, sizeof(f)), -1);
	assert_int_equal(read_some(c[1], f, sizeof(f)), 0);
	assert_int_equal(x.la->conns, 2);
	/* Silent past the deadline: closed. */
	usleep(2300 * 1000);
	spin(&x);
	assert_int_equal(admit_count(x.ad), 0);
	assert_int_equal(read_some(c[1], f, sizeof(f)), -1);
	assert_int_equal(read_some(c[2], f, sizeof(f)), -1);
	for (i = 0; i < 3; i++)
		close(c[i]);
	teardown(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_load),
		cmocka_unit_test(test_challenge_proof_replay),
		cmocka_unit_test(test_bad_first_bytes),
		cmocka_unit_test(test_shed_and_timeout),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
