/*
 * flood.c: the relay's attackers for bench/dos.sh (issue 9, findings 1
 * and 3), at full scale where Python is too slow.  One process, one epoll
 * loop, loopback only.
 *
 *   flood silent --port P --conns N [--src A --nsrc K] [--seconds T]
 *       opens N TCP connections to 127.0.0.1:P from the source addresses
 *       A, A+1, ... (K of them, round robin), sends nothing, and keeps
 *       each open until the relay closes it or T seconds have passed.
 *   flood junk --port P --conc N [--src A --nsrc K] [--seconds T] [--solve]
 *       keeps N connections doing handshakes of fixed bytes: a HELLO (its
 *       nonce random), and on SHARE_A a valid share with a junk tag (the relay
 *       does hash-to-group, two scalar multiplications and HKDF, then
 *       finds the tag wrong); a CHALLENGE is dropped (or, with --solve,
 *       paid: the attacker who spends its own CPU).  A connection that
 *       ends is replaced at once.
 *
 * Every second it prints one line of counts; at the end a summary line
 * "flood MODE key=value ...".  A benchmark tool: it judges nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cookie.h"
#include "frame.h"

struct fl {
	int		 fd;
	uint8_t		 in[64];
	size_t		 have;
	int		 sent_b;	/* SHARE_B or PROOF sent */
};

static struct {
	int		 port, conns, nsrc, seconds, solve, junk;
	struct in_addr	 src;
	int		 ep;
	struct fl	*f;
	unsigned	 next_src;
	/* counts */
	unsigned long	 opened, eof, abort4, hellos, share_a, challenges,
			 proofs, failed;
} g;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
open_one(struct fl *f)
{
	struct sockaddr_in a, s;
	struct epoll_event ev;
	int fd;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0) {
		g.failed++;
		return -1;
	}
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(ntohl(g.src.s_addr) +
	    (g.next_src++ % (unsigned)g.nsrc));
	if (bind(fd, (struct sockaddr *)&s, sizeof(s)) != 0) {
		close(fd);
		g.failed++;
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)g.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		g.failed++;
		return -1;
	}
	f->fd = fd;
	ev.events = EPOLLIN | (g.junk ? EPOLLOUT : 0) | EPOLLRDHUP;
	ev.data.ptr = f;
	epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev);
	g.opened++;
	return 0;
}

static void
end_one(struct fl *f)
{
	close(f->fd);
	f->fd = -1;
	if (g.junk)
		(void)open_one(f);
}

static void
put_frame(uint8_t *p, uint8_t type, uint32_t len)
{
	frame_put_header(p, type, len);
}

static void
send_hello(struct fl *f)
{
	uint8_t m[FRAME_HDR_LEN + 17] = { 0 };
	struct epoll_event ev;

	put_frame(m, FRAME_LINK_HELLO, 17);
	m[FRAME_HDR_LEN] = 1;
	/* A fresh nonce (free to draw): a constant one would make every
	 * PROOF from an address the same cookie, refused as a replay. */
	randombytes_buf(m + FRAME_HDR_LEN + 1, 16);
	if (send(f->fd, m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
		end_one(f);
		return;
	}
	g.hellos++;
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = f;
	epoll_ctl(g.ep, EPOLL_CTL_MOD, f->fd, &ev);
}

static void
on_bytes(struct fl *f)
{
	/* The ristretto255 base point: a valid share. */
	static const uint8_t base[32] = {
		0xe2, 0xf2, 0xae, 0x0a, 0x6a, 0xbc, 0x4e, 0x71, 0xa8, 0x84,
		0xa9, 0x61, 0xc5, 0x00, 0x51, 0x5f, 0x58, 0xe3, 0x0b, 0x6a,
		0xa5, 0x82, 0xdd, 0x8d, 0xb6, 0xa6, 0x59, 0x45, 0xe0, 0x8d,
		0x2d, 0x76,
	};
	uint8_t b[FRAME_HDR_LEN + 88], p[FRAME_HDR_LEN + COOKIE_PROOF_LEN];
	struct cookie_challenge ch;
	struct cookie_proof pr;

	if (f->have >= 7 && f->in[1] == FRAME_ABORT) {
		if (f->in[6] == 4)
			g.abort4++;
		end_one(f);
		return;
	}
	if (!g.junk || f->sent_b == 2)
		return;
	if (f->in[1] == FRAME_SHARE_A && f->have >= FRAME_HDR_LEN + 48) {
		g.share_a++;
		memset(b, 0, sizeof(b));
		put_frame(b, FRAME_SHARE_B, 88);
		memcpy(b + FRAME_HDR_LEN, base, 32);	/* then junk */
		(void)send(f->fd, b, sizeof(b), MSG_NOSIGNAL);
		f->sent_b = 2;
		f->have = 0;
		return;
	}
	if (f->in[1] == FRAME_CHALLENGE &&
	    f->have >= FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN) {
		g.challenges++;
		if (!g.solve || cookie_parse_challenge(&ch, f->in +
		    FRAME_HDR_LEN, COOKIE_CHALLENGE_LEN) != 0) {
			end_one(f);
			return;
		}
		memset(&pr, 0, sizeof(pr));
		pr.window = ch.window;
		pr.bits = ch.bits;
		memcpy(pr.cookie, ch.cookie, COOKIE_BYTES);
		if (puzzle_solve(ch.cookie, ch.bits, pr.solution) != 0) {
			end_one(f);
			return;
		}
		put_frame(p, FRAME_PROOF, COOKIE_PROOF_LEN);
		p[6] = (uint8_t)(pr.window >> 24);
		p[7] = (uint8_t)(pr.window >> 16);
		p[8] = (uint8_t)(pr.window >> 8);
		p[9] = (uint8_t)pr.window;
		p[10] = pr.bits;
		memcpy(p + 11, pr.cookie, COOKIE_BYTES);
		memcpy(p + 11 + COOKIE_BYTES, pr.solution,
		    COOKIE_SOLUTION_BYTES);
		(void)send(f->fd, p, sizeof(p), MSG_NOSIGNAL);
		g.proofs++;
		f->have = 0;
		return;
	}
	if (f->have >= 2 && f->in[1] != FRAME_SHARE_A &&
	    f->in[1] != FRAME_CHALLENGE)
		end_one(f);
}

static void
on_event(struct fl *f, uint32_t events)
{
	ssize_t n;

	if (f->fd < 0)
		return;
	if ((events & EPOLLOUT) && g.junk && f->have == 0 && !f->sent_b) {
		send_hello(f);
		if (f->fd < 0)
			return;
	}
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
		n = recv(f->fd, f->in + f->have, sizeof(f->in) - f->have, 0);
		if (n <= 0 && !(n < 0 && errno == EAGAIN)) {
			g.eof++;
			end_one(f);
			return;
		}
		if (n > 0) {
			f->have += (size_t)n;
			on_bytes(f);
			if (f->fd >= 0 && f->have == sizeof(f->in))
				f->have = 0;
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: flood silent|junk --port P [--conns N] "
	    "[--src A.B.C.D] [--nsrc K] [--seconds T] [--solve]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct rlimit rl;
	double start, last, t;
	int i, n, open_now;

	if (argc < 2 || sodium_init() < 0)
		usage();
	g.junk = strcmp(argv[1], "junk") == 0;
	if (!g.junk && strcmp(argv[1], "silent") != 0)
		usage();
	g.conns = 1000;
	g.nsrc = 1;
	g.seconds = 10;
	inet_pton(AF_INET, "127.0.0.2", &g.src);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--solve") == 0)
			g.solve = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--port") == 0)
			g.port = atoi(argv[++i]);
		else if (strcmp(argv[i], "--conns") == 0 ||
		    strcmp(argv[i], "--conc") == 0)
			g.conns = atoi(argv[++i]);
		else if (strcmp(argv[i], "--nsrc") == 0)
			g.nsrc = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			g.seconds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--src") == 0) {
			if (inet_pton(AF_INET, argv[++i], &g.src) != 1 ||
			    (ntohl(g.src.s_addr) >> 24) != 127)
				usage();	/* loopback only */
		} else
			usage();
	}
	if (g.port <= 0 || g.conns <= 0 || g.nsrc <= 0 || g.nsrc > 60000)
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((g.ep = epoll_create1(0)) < 0 ||
	    (g.f = calloc((size_t)g.conns, sizeof(*g.f))) == NULL)
		return 1;
	for (i = 0; i < g.conns; i++)
		(void)open_one(&g.f[i]);
	start = last = now_s();
	while ((t = now_s()) - start < g.seconds) {
		n = epoll_wait(g.ep, evs, 256, 100);
		for (i = 0; i < n; i++)
			on_event(evs[i].data.ptr, evs[i].events);
		if (t - last >= 1.0) {
			for (open_now = 0, i = 0; i < g.conns; i++)
				open_now += g.f[i].fd >= 0;
			printf("t=%.0f open=%d opened=%lu closed=%lu abort4=%lu "
			    "hellos=%lu share_a=%lu challenges=%lu proofs=%lu "
			    "failed=%lu\n", t - start, open_now, g.opened,
			    g.eof, g.abort4, g.hellos, g.share_a, g.challenges,
			    g.proofs, g.failed);
			fflush(stdout);
			last = t;
		}
	}
	for (open_now = 0, i = 0; i < g.conns; i++)
		open_now += g.f[i].fd >= 0;
	printf("flood %s conns=%d nsrc=%d seconds=%d open_at_end=%d "
	    "opened=%lu closed=%lu abort4=%lu hellos=%lu share_a=%lu "
	    "challenges=%lu proofs=%lu failed=%lu hs_per_s=%.0f\n",
	    g.junk ? "junk" : "silent", g.conns, g.nsrc, g.seconds, open_now,
	    g.opened, g.eof, g.abort4, g.hellos, g.share_a, g.challenges,
	    g.proofs, g.failed, (double)g.share_a / g.seconds);
	return 0;
}
