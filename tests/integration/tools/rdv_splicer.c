/*
 * rdv_splicer.c: plays both sides of a spliced rendezvous (PROTOCOL
 * §21.7) against a relay, for test_rdv_splice_bounds, then misbehaves
 * on the two raw sockets as MODE says:
 *
 *   rdv_splicer PORT MODE
 *
 *   hold   the host never reads (a small receive buffer); the joiner
 *          floods it for 2 s (the relay pauses the joiner at its high
 *          water), then the host sends its EOF and keeps the socket
 *          open, never reading.  The relay half-closes the joiner, ends
 *          it 3 s later, and must then drop the host's link, whose
 *          queue nobody takes, within its drain bound (30 s without
 *          progress): waits up to 50 s for the reset; prints "hold:
 *          reset after S s" or "hold: still open".
 *   slow   the joiner sends 600,000 bytes and its EOF; the host sends
 *          its EOF too and reads slowly (about 100 KB a second): it
 *          must get all 600,000 before its EOF ("slow: got N bytes").
 *   stall  both sides flood and neither ever reads: both links end up
 *          full (each paused for the other), so nothing is heard from
 *          either.  Waits up to 50 s for the relay to drop them (its
 *          30 s bound on output nobody takes); prints "stall: dropped
 *          after S s" or "stall: still open".
 *   late   the host sends its SPLICE 2 s late; the joiner sends SPLICE,
 *          "JOINER-DATA" and its EOF at once (so the relay half-closes
 *          the host's link before its SPLICE comes).  Then the host must
 *          still get JOINER-DATA, and its "HOST-REPLY" the joiner,
 *          before the joiner's EOF: "late: host got JOINER-DATA" and
 *          "late: joiner got HOST-REPLY", or what went missing.
 *
 * Exits 0 once it printed its verdict (the test judges it), 1 if the
 * pairing itself failed.  Test tool only; bounded in time.
 */
#define _GNU_SOURCE	/* POLLRDHUP */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "frame.h"
#include "identity.h"
#include "rdvmsg.h"
#include "relay.h"

struct side {
	struct conn	*c;
	int		 host;
	int		 fd;		/* once detached */
	struct buf	 rest;
	struct event	*ev;
};

static struct event_base	*base;
static struct identity		*id;
static struct side		 S[2];
static int			 port, ndetached, late, hold;
static uint32_t			 slot;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
dial(int rcvbuf)
{
	struct sockaddr_in a;
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (rcvbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		    sizeof(rcvbuf));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	(void)inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void	start_side(int);

static void
detach_cb(evutil_socket_t fd, short what, void *arg)
{
	struct side *s = arg;
	struct timeval tv = { 0, 10000 };
	int r;

	(void)fd;
	(void)what;
	if ((r = conn_detach(s->c, &s->rest)) == ERR_BUSY) {
		evtimer_add(s->ev, &tv);
		return;
	}
	if (r < 0) {
		fprintf(stderr, "rdv_splicer: detach: %s\n", err_str(r));
		exit(1);
	}
	s->c = NULL;
	s->fd = r;
	if (late && !s->host) {
		/* The joiner: its data and EOF right behind its SPLICE,
		 * before the host's SPLICE (2 s late) reaches the relay. */
		(void)send(r, "JOINER-DATA", 11, MSG_NOSIGNAL);
		shutdown(r, SHUT_WR);
	}
	if (++ndetached == 2)
		event_base_loopbreak(base);
}

/* SPLICE, no more records, and the socket ours from the loop. */
static void
splice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct side *s = arg;
	struct timeval now = { 0, 0 };
	struct buf b;

	(void)fd;
	(void)what;
	buf_init(&b, 4);
	if (rdvmsg_put_splice(&b) != 0 ||
	    conn_send(s->c, buf_ptr(&b), buf_len(&b)) != 0 ||
	    conn_raw_output(s->c) != 0) {
		fprintf(stderr, "rdv_splicer: cannot send SPLICE\n");
		exit(1);
	}
	buf_release(&b);
	event_free(s->ev);
	s->ev = evtimer_new(base, detach_cb, s);
	evtimer_add(s->ev, &now);
}

static void
established(struct conn *c, void *arg)
{
	struct side *s = arg;
	struct buf b;

	buf_init(&b, 16);
	if ((s->host ? rdvmsg_put_open(&b, 600, RDVMSG_F_SPLICE) :
	    rdvmsg_put_claim(&b, slot, RDVMSG_F_SPLICE)) != 0 ||
	    conn_send(c, buf_ptr(&b), buf_len(&b)) != 0)
		exit(1);
	buf_release(&b);
}

static void
message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct side *s = arg;
	struct timeval tv = { s->host && late ? 2 : 0, 0 };
	struct rdvmsg m;

	if (rdvmsg_parse(&m, p, len) != 0) {
		fprintf(stderr, "rdv_splicer: a malformed message\n");
		exit(1);
	}
	if (m.type == RDVMSG_SLOT) {
		slot = m.slot;
		start_side(1);
		return;
	}
	if (m.type != RDVMSG_PAIRED_RAW) {
		fprintf(stderr, "rdv_splicer: not spliced (type 0x%02x)\n",
		    m.type);
		exit(1);
	}
	conn_pause(c, 1);
	s->ev = evtimer_new(base, splice_cb, s);
	evtimer_add(s->ev, &tv);
}

static void
closed(struct conn *c, int err, void *arg)
{
	(void)c;
	(void)arg;
	fprintf(stderr, "rdv_splicer: a link ended: %s\n", err_str(err));
	exit(1);
}

static const struct conn_cbs cbs = { established, message, closed, NULL };

static void
start_side(int i)
{
	static const struct conn_timing timing = { 10, 10, 30, 1 };
	struct chan_params cp;
	struct side *s = &S[i];
	int fd;

	s->host = i == 0;
	buf_init(&s->rest, FRAME_MAX_LEN);
	relay_link_client_params(&cp, id);
	/* hold: the host's window stays small (set before connecting). */
	if ((fd = dial(hold && s->host ? 4096 : 0)) < 0 ||
	    (s->c = conn_new(base, fd, &cp, &timing, &cbs, s)) == NULL) {
		fprintf(stderr, "rdv_splicer: cannot connect\n");
		exit(1);
	}
}

/* Sends what the socket takes for 'secs' seconds: the bytes sent. */
static size_t
flood(int fd, double secs)
{
	static uint8_t junk[16384];
	double t0 = now_s();
	size_t sent = 0;
	ssize_t n;

	memset(junk, 'x', sizeof(junk));
	while (now_s() - t0 < secs) {
		n = send(fd, junk, sizeof(junk), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			sent += (size_t)n;
		else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			break;
		else
			usleep(10000);
	}
	return sent;
}

/* Reads fd until EOF or an error (1), or for 'secs' seconds (0);
 * *total counts the bytes. */
static int
drain(int fd, double secs, size_t *total, char *seen, size_t seenlen)
{
	static uint8_t b[65536];
	struct pollfd pf = { fd, POLLIN, 0 };
	double t0 = now_s();
	size_t k;
	ssize_t n;

	while (now_s() - t0 < secs) {
		if (poll(&pf, 1, 100) <= 0)
			continue;
		if ((n = recv(fd, b, sizeof(b), MSG_DONTWAIT)) <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			return 1;
		}
		if (seen != NULL) {
			k = strlen(seen);
			if (k + (size_t)n < seenlen) {
				memcpy(seen + k, b, (size_t)n);
				seen[k + (size_t)n] = '\0';
			}
		}
		*total += (size_t)n;
	}
	return 0;
}

/* Waits up to 'secs' for a reset or hang-up on fd or fd2 (-1: none),
 * without reading: the seconds it took, or -1. */
static double
wait_hangup(int fd, int fd2, double secs)
{
	double t0 = now_s();

	while (now_s() - t0 < secs) {
		struct pollfd pf[2] = { { fd, POLLRDHUP, 0 },
		    { fd2, POLLRDHUP, 0 } };

		if (poll(pf, fd2 >= 0 ? 2 : 1, 500) > 0 &&
		    ((pf[0].revents | pf[1].revents) &
		    (POLLRDHUP | POLLHUP | POLLERR)))
			return now_s() - t0;
	}
	return -1;
}

static void
mode_hold(void)
{
	size_t sent;
	double t;

	sent = flood(S[1].fd, 2.0);
	fprintf(stderr, "rdv_splicer: the joiner sent %zu bytes\n", sent);
	shutdown(S[0].fd, SHUT_WR);
	if ((t = wait_hangup(S[0].fd, -1, 50)) >= 0)
		printf("hold: reset after %.0f s\n", t);
	else
		printf("hold: still open\n");
}

static void
mode_slow(void)
{
	static uint8_t b[8192];
	static uint8_t junk[600000];
	size_t off = 0, got = 0;
	double t0 = now_s();
	ssize_t n;

	memset(junk, 'y', sizeof(junk));
	got = buf_len(&S[0].rest);
	while (off < sizeof(junk) && now_s() - t0 < 20) {
		n = send(S[1].fd, junk + off, sizeof(junk) - off,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			off += (size_t)n;
		else
			usleep(10000);
		/* the host reads slowly meanwhile */
		if ((n = recv(S[0].fd, b, 1024, MSG_DONTWAIT)) > 0)
			got += (size_t)n;
	}
	shutdown(S[1].fd, SHUT_WR);
	shutdown(S[0].fd, SHUT_WR);
	while (now_s() - t0 < 40) {
		n = recv(S[0].fd, b, sizeof(b), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (n > 0)
			got += (size_t)n;
		usleep(80000);	/* about 100 KB a second */
	}
	printf("slow: got %zu bytes\n", got);
}

static void
mode_stall(void)
{
	double t;

	(void)flood(S[0].fd, 1.0);
	(void)flood(S[1].fd, 1.0);
	(void)flood(S[0].fd, 1.0);
	/* Looked at, not read: the relay's reset shows as an error or a
	 * hang-up even with our unread bytes in the way. */
	if ((t = wait_hangup(S[0].fd, S[1].fd, 50)) >= 0)
		printf("stall: dropped after %.0f s\n", t);
	else
		printf("stall: still open\n");
}

static void
mode_late(void)
{
	char seen[256] = "";
	size_t got = 0;

	/* The host's socket had the joiner's data behind its PAIRED_RAW
	 * (rest) or gets it now. */
	if (buf_len(&S[0].rest) < sizeof(seen))
		memcpy(seen, buf_ptr(&S[0].rest), buf_len(&S[0].rest));
	(void)drain(S[0].fd, 1.0, &got, seen, sizeof(seen));
	printf("late: host %s JOINER-DATA\n", strstr(seen, "JOINER-DATA") !=
	    NULL ? "got" : "did not get");
	(void)send(S[0].fd, "HOST-REPLY", 10, MSG_NOSIGNAL);
	shutdown(S[0].fd, SHUT_WR);
	seen[0] = '\0';
	if (buf_len(&S[1].rest) < sizeof(seen)) {
		memcpy(seen, buf_ptr(&S[1].rest), buf_len(&S[1].rest));
		seen[buf_len(&S[1].rest)] = '\0';
	}
	got = 0;
	(void)drain(S[1].fd, 5.0, &got, seen, sizeof(seen));
	printf("late: joiner %s HOST-REPLY\n", strstr(seen, "HOST-REPLY") !=
	    NULL ? "got" : "did not get");
}

int
main(int argc, char **argv)
{
	struct timeval limit = { 20, 0 };

	if (argc != 3 || sodium_init() < 0) {
		fprintf(stderr, "usage: rdv_splicer PORT hold|stall|late|slow\n");
		return 2;
	}
	port = atoi(argv[1]);
	late = strcmp(argv[2], "late") == 0;
	/* hold and slow: the host's window stays small */
	hold = strcmp(argv[2], "hold") == 0 || strcmp(argv[2], "slow") == 0;
	if ((base = event_base_new()) == NULL || identity_generate(&id) != 0)
		return 1;
	start_side(0);
	event_base_loopexit(base, &limit);
	event_base_dispatch(base);
	if (ndetached != 2) {
		fprintf(stderr, "rdv_splicer: not paired within 20 s\n");
		return 1;
	}
	if (late)
		mode_late();
	else if (strcmp(argv[2], "slow") == 0)
		mode_slow();
	else if (hold)
		mode_hold();
	else if (strcmp(argv[2], "stall") == 0)
		mode_stall();
	else
		return 2;
	fflush(stdout);
	identity_free(id);
	return 0;
}
