/*
 * bcast_load.c: links that never read, a broadcast into their rooms, and
 * a legitimate room timed meanwhile -- issue 9 finding 2's attack, for
 * tests/integration/test_relay_bcast and bench/bcast.sh.  It speaks the
 * relay protocol with sotto's own modules; loopback only.
 *
 *   bcast_load --port P --rooms R --links N --bytes B [--relay-pid PID]
 *       [--src A --nsrc K] [--idle S] [--seconds T] [--ping-ms M]
 *
 * 1. Two links join a legitimate room (ping-a, ping-b), and in each of R
 *    rooms N links join and then stop reading for good (they still send
 *    keepalives, so the relay sees them alive), plus one sender that
 *    reads.  Links are opened 64 at a time, from the source addresses A,
 *    A+1, ... (K of them, round robin; default: the kernel's choice).
 * 2. "ready" is printed; S seconds later (default 2) the relay's RSS is
 *    taken as its idle figure, "go" is printed, and each sender
 *    broadcasts B bytes in blobs of the largest size, as fast as its link
 *    takes them.  Throughout, ping-a broadcasts a numbered, timestamped
 *    blob every M ms (default 10) and ping-b times each one.
 * 3. T seconds after "go" (default 10; pings stop 1 s before) it prints
 *
 *    bcast_load rooms= links= joined= dropped= sent= pings= got= lost=
 *        dup= p50_ms= p99_ms= max_ms= idle_rss_kb= peak_rss_kb=
 *        end_rss_kb= ok=
 *
 *    dropped: the non-reading links the relay closed; lost/dup: pings
 *    ping-b did not get, or got more than once or out of order; the RSS
 *    figures are the relay's (VmRSS of --relay-pid, sampled every M ms;
 *    0 without it).  ok=1 when every link joined, every ping arrived
 *    exactly once in order, and every sender sent everything.
 *
 * With BCAST_SLOW set in the environment, every ping slower than 50 ms is
 * reported on stderr with its time since "go" (to see when a stall was).
 *
 * Exit status 0 when it ran to the end (whatever the figures), 1 when it
 * could not (a link of its own failed).  A test and benchmark tool: it
 * judges nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "identity.h"
#include "relay.h"
#include "relaymsg.h"

#define OPEN_AT_ONCE	64
#define MAX_PINGS	100000

enum kind { K_DEAF, K_SENDER, K_PING_A, K_PING_B };

struct link {
	struct tool	*t;
	struct conn	*c;
	enum kind	 kind;
	int		 room;		/* -1: the legitimate room */
	int		 joined, closed;
	int		 fd;
	uint32_t	 cseq;
	uint64_t	 sent;
};

struct tool {
	struct event_base	*base;
	struct identity		*id;
	struct sockaddr_in	 sa;
	struct in_addr		 src;
	int			 nsrc, rooms, links, idle, seconds, ping_ms;
	long			 relay_pid;
	uint64_t		 bytes;
	uint8_t			 room_id[64][RELAYMSG_ROOM_ID_BYTES];
	uint8_t			 legit_id[RELAYMSG_ROOM_ID_BYTES];
	struct link		*l;
	int			 nl, opened, joining, joined, dropped;
	int			 go, pinging, failed;
	double			 t_go;
	struct event		*tick, *start, *end;
	/* pings */
	uint64_t		 ping_sent, ping_got, ping_next, dup;
	double			*lat;
	size_t			 nlat;
	long			 idle_kb, peak_kb, end_kb;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long
rss_kb(long pid)
{
	char path[64], line[256];
	long kb = 0;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

static void
say(const char *s)
{
	printf("%s\n", s);
	fflush(stdout);
}

static void	open_more(struct tool *);

static void
fail(struct tool *t, const char *what)
{
	fprintf(stderr, "bcast_load: %s\n", what);
	t->failed = 1;
	event_base_loopbreak(t->base);
}

static void
send_msg(struct link *l, struct buf *b)
{
	if (conn_send(l->c, buf_ptr(b), buf_len(b)) != 0)
		fail(l->t, "cannot send");
}

/* A sender: largest blobs, while its link takes them. */
static void
sender_pump(struct link *l)
{
	static uint8_t blob[RELAYMSG_MAX_BLOB];
	struct tool *t = l->t;
	struct buf b;
	size_t n;

	if (!t->go || l->closed)
		return;
	buf_init(&b, RELAYMSG_MAX_BLOB + 16);
	while (l->sent < t->bytes && conn_pending(l->c) < CONN_HIGH_WATER) {
		n = t->bytes - l->sent > sizeof(blob) ? sizeof(blob) :
		    (size_t)(t->bytes - l->sent);
		randombytes_buf(blob, 16);
		buf_reset(&b);
		if (relaymsg_put_bcast(&b, ++l->cseq, blob, n) != 0)
			break;
		send_msg(l, &b);
		l->sent += n;
	}
	buf_release(&b);
}

static void
ping_got(struct tool *t, const uint8_t *blob, size_t len)
{
	uint64_t seq, ns;
	double sent;

	if (len != 16)
		return;
	memcpy(&seq, blob, 8);
	memcpy(&ns, blob + 8, 8);
	if (seq != t->ping_next) {
		t->dup++;
		return;
	}
	t->ping_next++;
	t->ping_got++;
	sent = (double)ns / 1e9;
	if (t->go && t->nlat < MAX_PINGS)
		t->lat[t->nlat++] = (now_s() - sent) * 1000.0;
	if (t->go && getenv("BCAST_SLOW") != NULL && now_s() - sent > 0.05)
		fprintf(stderr, "bcast_load: slow ping at %.3f s: %.1f ms\n",
		    sent - t->t_go, (now_s() - sent) * 1000.0);
}

static void
handle(struct link *l, const uint8_t *p, size_t len)
{
	struct tool *t = l->t;
	struct relaymsg m;
	size_t off = 0, ilen;
	const uint8_t *ip;

	if (relaymsg_parse(&m, p, len) != 0) {
		fail(t, "bad message from the relay");
		return;
	}
	switch (m.type) {
	case RELAYMSG_BATCH:
		while (relaymsg_batch_next(&m, &off, &ip, &ilen))
			handle(l, ip, ilen);
		break;
	case RELAYMSG_WELCOME:
		l->joined = 1;
		t->joined++;
		t->joining--;
		if (l->kind == K_DEAF)
			conn_pause(l->c, 1);	/* never reads again */
		open_more(t);
		break;
	case RELAYMSG_DELIVER:
		if (l->kind == K_PING_B)
			ping_got(t, m.blob, m.blob_len);
		break;
	case RELAYMSG_ERROR:
		fprintf(stderr, "bcast_load: ERROR %u from the relay: %.*s\n",
		    m.code, (int)m.blob_len, (const char *)m.blob);
		break;
	default:
		break;
	}
}

static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	(void)c;
	handle(arg, p, len);
}

static void
link_established(struct conn *c, void *arg)
{
	struct link *l = arg;
	struct tool *t = l->t;
	char name[32];
	struct buf b;

	(void)c;
	snprintf(name, sizeof(name), "%s%d", l->kind == K_DEAF ? "deaf" :
	    l->kind == K_SENDER ? "sender" : l->kind == K_PING_A ? "pinga" :
	    "pingb", (int)(l - t->l));
	buf_init(&b, 128);
	if (relaymsg_put_join(&b, l->room < 0 ? t->legit_id :
	    t->room_id[l->room], name) == 0)
		send_msg(l, &b);
	buf_release(&b);
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct link *l = arg;
	struct tool *t = l->t;

	(void)c;
	(void)err;
	if (l->closed)
		return;
	l->closed = 1;
	if (l->kind == K_DEAF && l->joined) {
		t->dropped++;
		return;
	}
	if (!l->joined)
		t->joining--;
	fprintf(stderr, "bcast_load: %s link %d closed: %s\n",
	    l->kind == K_DEAF ? "a non-reading" : "a reading",
	    (int)(l - t->l), err != 0 ? err_str(err) : "by the relay");
	if (l->kind != K_DEAF)
		t->failed = 1;
	open_more(t);
}

static void
link_drained(struct conn *c, void *arg)
{
	struct link *l = arg;

	(void)c;
	if (l->kind == K_SENDER)
		sender_pump(l);
}

static const struct conn_cbs cbs = {
	link_established, link_message, link_closed, link_drained
};

static int
open_link(struct tool *t, struct link *l)
{
	static const struct conn_timing timing = CONN_TIMING_DEFAULT;
	struct chan_params cp;
	struct sockaddr_in src;
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (t->nsrc > 0) {
		memset(&src, 0, sizeof(src));
		src.sin_family = AF_INET;
		src.sin_addr.s_addr = htonl(ntohl(t->src.s_addr) +
		    (uint32_t)(t->opened % t->nsrc));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&t->sa, sizeof(t->sa)) != 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	relay_link_client_params(&cp, t->id);
	l->fd = fd;
	if ((l->c = conn_new(t->base, fd, &cp, &timing, &cbs, l)) == NULL)
		return -1;
	return 0;
}

/* Keeps at most OPEN_AT_ONCE links between connect and WELCOME; the
 * two ping links and the senders first. */
static void
open_more(struct tool *t)
{
	char line[128];

	while (t->opened < t->nl && t->joining < OPEN_AT_ONCE) {
		if (open_link(t, &t->l[t->opened]) != 0) {
			fail(t, "cannot connect to the relay");
			return;
		}
		t->opened++;
		t->joining++;
	}
	if (t->joined + t->dropped == t->nl && !evtimer_pending(t->start,
	    NULL) && !t->go) {
		struct timeval tv = { t->idle, 0 };

		snprintf(line, sizeof(line), "ready links=%d", t->joined);
		say(line);
		evtimer_add(t->start, &tv);
	}
}

static void
start_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tool *t = arg;
	struct timeval tv = { t->seconds, 0 };
	int i;

	(void)fd;
	(void)what;
	t->idle_kb = t->peak_kb = rss_kb(t->relay_pid);
	t->go = 1;
	t->t_go = now_s();
	say("go");
	evtimer_add(t->end, &tv);
	for (i = 0; i < t->nl; i++)
		if (t->l[i].kind == K_SENDER)
			sender_pump(&t->l[i]);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tool *t = arg;
	struct link *a = &t->l[0];
	uint8_t blob[16];
	uint64_t ns;
	struct buf b;
	long kb;

	(void)fd;
	(void)what;
	if (t->go && (kb = rss_kb(t->relay_pid)) > t->peak_kb)
		t->peak_kb = kb;
	if (!a->joined || !t->l[1].joined || a->closed || (t->go &&
	    now_s() - t->t_go > t->seconds - 1))
		return;
	ns = (uint64_t)(now_s() * 1e9);
	memcpy(blob, &t->ping_sent, 8);
	memcpy(blob + 8, &ns, 8);
	buf_init(&b, 64);
	if (relaymsg_put_bcast(&b, ++a->cseq, blob, sizeof(blob)) == 0) {
		send_msg(a, &b);
		t->ping_sent++;
	}
	buf_release(&b);
}

static void
end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tool *t = arg;

	(void)fd;
	(void)what;
	t->end_kb = rss_kb(t->relay_pid);
	event_base_loopbreak(t->base);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const struct tool *t, double p)
{
	size_t i;

	if (t->nlat == 0)
		return 0;
	i = (size_t)(p * (double)(t->nlat - 1) + 0.5);
	return t->lat[i];
}

static void
usage(void)
{
	fprintf(stderr, "usage: bcast_load --port P --rooms R --links N "
	    "--bytes B [--relay-pid PID] [--src A --nsrc K] [--idle S] "
	    "[--seconds T] [--ping-ms M]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "rooms", required_argument, NULL, 'r' },
		{ "links", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "relay-pid", required_argument, NULL, 'P' },
		{ "src", required_argument, NULL, 's' },
		{ "nsrc", required_argument, NULL, 'k' },
		{ "idle", required_argument, NULL, 'i' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "ping-ms", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 }
	};
	struct tool t;
	struct timeval tv;
	struct rlimit rl;
	uint64_t sent = 0;
	int ch, i, j, k, port = 0, ok, all_sent = 1;

	memset(&t, 0, sizeof(t));
	t.idle = 2;
	t.seconds = 10;
	t.ping_ms = 10;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': port = atoi(optarg); break;
		case 'r': t.rooms = atoi(optarg); break;
		case 'n': t.links = atoi(optarg); break;
		case 'b': t.bytes = strtoull(optarg, NULL, 10); break;
		case 'P': t.relay_pid = atol(optarg); break;
		case 's':
			if (inet_pton(AF_INET, optarg, &t.src) != 1)
				usage();
			break;
		case 'k': t.nsrc = atoi(optarg); break;
		case 'i': t.idle = atoi(optarg); break;
		case 'T': t.seconds = atoi(optarg); break;
		case 'm': t.ping_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (port <= 0 || port > 65535 || t.rooms < 1 || t.rooms > 64 ||
	    t.links < 1 || t.links > 1000 || t.seconds < 2 || t.idle < 0 ||
	    t.ping_ms < 1 || (t.nsrc > 0 && t.src.s_addr == 0))
		usage();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (sodium_init() < 0 || identity_generate(&t.id) != 0 ||
	    (t.base = event_base_new()) == NULL)
		return 1;
	t.sa.sin_family = AF_INET;
	t.sa.sin_port = htons((uint16_t)port);
	t.sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	randombytes_buf(t.room_id, sizeof(t.room_id));
	randombytes_buf(t.legit_id, sizeof(t.legit_id));
	t.nl = 2 + t.rooms * (t.links + 1);
	if ((t.l = calloc((size_t)t.nl, sizeof(*t.l))) == NULL ||
	    (t.lat = calloc(MAX_PINGS, sizeof(*t.lat))) == NULL)
		return 1;
	t.l[0].kind = K_PING_A;
	t.l[1].kind = K_PING_B;
	t.l[0].room = t.l[1].room = -1;
	k = 2;
	for (i = 0; i < t.rooms; i++) {
		t.l[k].kind = K_SENDER;
		t.l[k++].room = i;
	}
	for (j = 0; j < t.links; j++)
		for (i = 0; i < t.rooms; i++) {
			t.l[k].kind = K_DEAF;
			t.l[k++].room = i;
		}
	for (i = 0; i < t.nl; i++)
		t.l[i].t = &t;
	if ((t.tick = event_new(t.base, -1, EV_PERSIST, tick_cb, &t)) ==
	    NULL || (t.start = evtimer_new(t.base, start_cb, &t)) == NULL ||
	    (t.end = evtimer_new(t.base, end_cb, &t)) == NULL)
		return 1;
	tv.tv_sec = t.ping_ms / 1000;
	tv.tv_usec = (t.ping_ms % 1000) * 1000;
	evtimer_add(t.tick, &tv);
	/* Whatever happens, the run ends: joining gets at most 120 s. */
	tv.tv_sec = 120 + t.idle + t.seconds;
	tv.tv_usec = 0;
	event_base_loopexit(t.base, &tv);
	open_more(&t);
	event_base_dispatch(t.base);
	if (!t.go)
		fprintf(stderr, "bcast_load: never got to 'go' (%d of %d "
		    "joined)\n", t.joined, t.nl);
	if (t.end_kb == 0)
		t.end_kb = rss_kb(t.relay_pid);
	/* A link that doesn't read doesn't see its end: the kernel does
	 * (the relay's FIN or RST). */
	for (i = 0; i < t.nl; i++) {
		struct tcp_info ti;
		socklen_t sl = sizeof(ti);

		if (t.l[i].kind != K_DEAF || !t.l[i].joined || t.l[i].closed)
			continue;
		if (getsockopt(t.l[i].fd, IPPROTO_TCP, TCP_INFO, &ti, &sl) ==
		    0 && ti.tcpi_state != TCP_ESTABLISHED)
			t.dropped++;
	}
	for (i = 0; i < t.nl; i++)
		if (t.l[i].kind == K_SENDER) {
			sent += t.l[i].sent;
			if (t.l[i].sent < t.bytes)
				all_sent = 0;
		}
	qsort(t.lat, t.nlat, sizeof(*t.lat), cmp_double);
	ok = t.go && !t.failed && all_sent && t.dup == 0 &&
	    t.ping_got == t.ping_sent && t.ping_sent > 0;
	printf("bcast_load rooms=%d links=%d joined=%d dropped=%d "
	    "sent=%llu pings=%llu got=%llu lost=%llu dup=%llu p50_ms=%.2f "
	    "p99_ms=%.2f max_ms=%.2f idle_rss_kb=%ld peak_rss_kb=%ld "
	    "end_rss_kb=%ld ok=%d\n", t.rooms, t.links, t.joined, t.dropped,
	    (unsigned long long)sent, (unsigned long long)t.ping_sent,
	    (unsigned long long)t.ping_got,
	    (unsigned long long)(t.ping_sent - t.ping_got),
	    (unsigned long long)t.dup, pct(&t, 0.5), pct(&t, 0.99),
	    t.nlat > 0 ? t.lat[t.nlat - 1] : 0.0, t.idle_kb, t.peak_kb,
	    t.end_kb, ok);
	fflush(stdout);
	for (i = 0; i < t.nl; i++)
		conn_free(t.l[i].c);
	event_free(t.tick);
	event_free(t.start);
	event_free(t.end);
	event_base_free(t.base);
	identity_free(t.id);
	free(t.l);
	free(t.lat);
	return t.go && !t.failed ? 0 : 1;
}
