/*
 * fanout.c: the relay fan-out benchmark's load driver.  One process, one
 * libevent loop, plays every member of a room: N members, K of them
 * senders, each sender sends M messages of S bytes of text.
 *
 * - Against `sotto relay` ("sotto"): each member is a real relay link
 *   (conn.h: empty password, RELAY_LINK_CONTEXT, a throwaway identity) and
 *   a real struct group, driven as src/client/room.c drives it, so every
 *   message is end-to-end encrypted and signed by its sender and verified
 *   and decrypted by every receiver.
 * - Against an IRC server ("irc", ngircd): each member is a plain IRC
 *   client in one channel; senders PRIVMSG it.
 *
 * Same workload and the same accounting for both: a message's text
 * carries its sender, its number and its send time (CLOCK_MONOTONIC, the
 * same clock at both ends since one process plays both), and a delivery
 * is a message a receiver got (for sotto: decrypted and verified, at
 * GROUP_EV_TEXT).  Each sender keeps at most W messages in flight: a
 * message is in flight until all N-1 receivers have it.  Phases:
 * connect (and join), announce (sotto), one unmeasured warm-up message
 * per sender (it carries the sender keys), measure.  The idle mode
 * connects members that only join, and reads the server's VmRSS.
 *
 * --restart CMD (sotto) measures a relay restart instead: N members
 * join one room (links only, no group layer), the non-senders stop
 * reading, K senders send M blobs each until all are ACCEPTED (so in the
 * relay's log), then the driver kills the relay (SIGKILL, --server-pid),
 * runs CMD (which must start the relay again, in the background, on the
 * same port and state directory) and every member reconnects, RESUMEs its
 * seat and takes the replay of what it missed: it prints the time from
 * the restart to the last member back (RESUMED) and caught up (every
 * event up to RESUMED's 'last' handled).
 *
 * Two diagnostics, never the headline: --links-only (sotto: in the
 * measured phase receivers skip group_recv and read the message number
 * from the blob's clear header, so the relay's own cost shows) and
 * --quickack (irc: ACK every read at once; see irc_read).
 *
 * A benchmark, not a test: it prints figures and never judges them.
 * Every phase is bounded in time; it talks to the loopback only.
 * docs/BENCHMARKS.md, "Rooms: relay fan-out", explains the figures.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "frame.h"
#include "group.h"
#include "identity.h"
#include "relay.h"
#include "relaymsg.h"

#define TICK_MS			20
#define CONNECT_TIMEOUT_S	10
#define SETTLE_NS		(1000ull * 1000 * 1000)	/* idle checkpoints */
#define IRC_LINE_MAX		1024
#define IRC_CHANNEL		"#bench"
#define TEXT_MIN		48	/* room for the header */
#define TEXT_MAX		400	/* an IRC line is at most 512 bytes */
#define BLOB_ANNOUNCE		0x01	/* group.c's blob types */
#define BLOB_MESSAGE		0x03
#define MAX_PORTS		8	/* --port and --extra-port */
#define MAX_CPU_PIDS		16	/* --cpu-pid */

enum sys { SYS_SOTTO, SYS_IRC };

enum phase {
	PH_CONNECT,	/* connect, handshake (sotto), register, join */
	PH_ANNOUNCE,	/* sotto: group_start, wait for verifications */
	PH_WARMUP,	/* one unmeasured message per sender */
	PH_MEASURE,
	PH_BURST,	/* --restart: senders send, others don't read */
	PH_RESTART,	/* --restart: relay killed and restarted; resuming */
	PH_DONE,
};

static const char *const phase_name[] = {
	"connect", "announce", "warm-up", "measure", "burst", "restart",
	"done"
};

struct bench;

struct member {
	struct bench		*b;
	uint32_t		 idx;
	int			 sender;	/* idx < K */
	int			 fd;		/* while connecting */
	struct event		*cev;		/* connect wait */
	/* sotto */
	struct conn		*c;
	struct identity		*link_id;	/* throwaway, for the link */
	struct identity		*id;		/* in the room */
	struct group		*g;
	uint32_t		 self;
	uint32_t		 cseq;		/* last BCAST/DIRECT sent */
	/* --restart */
	uint8_t			 token[RELAYMSG_TOKEN_BYTES];
	uint64_t		 seen, last;	/* seqs: handled; RESUMED's */
	uint32_t		 acked;		/* ACCEPTED's cseq */
	int			 down, connecting, back, caught;
	/* irc */
	struct bufferevent	*bev;
	/* progress */
	int			 joined;
	int			 dead;
	int			 ready;
	uint32_t		 started;	/* order of group_start, from 1 */
	uint32_t		 verified;	/* relevant members verified */
	uint32_t		 verified_by;	/* members that verified it */
	uint32_t		 need;
	uint32_t		 warm;
	uint64_t		 got;
	uint32_t		 sent, done;	/* sender: its window */
};

/* Relay member id -> member index, open addressing. */
struct idmap {
	uint32_t		*key;
	uint32_t		*val;
	size_t			 mask;
};

struct bench {
	enum sys		 sys;
	struct event_base	*base;
	struct sockaddr_in	 sa;
	uint32_t		 n, k, m, s, w;
	uint32_t		 idle;		/* idle mode: members to hold */
	uint32_t		 room_size;
	uint32_t		 conc;
	uint32_t		 sources;	/* --sources: 127.0.0.1.. */
	uint32_t		 source_first;	/* --source-first: 1 */
	/* --extra-port: member i (idle: room i) goes to sas[i % nsa];
	 * sas[0] is b->sa. */
	struct sockaddr_in	 sas[MAX_PORTS];
	uint32_t		 nsa;
	/* --cpu-pid: each one's CPU over the measured phase */
	long			 cpu_pid[MAX_CPU_PIDS];
	double			 cpu0[MAX_CPU_PIDS], cpu1[MAX_CPU_PIDS];
	uint32_t		 ncpu;
	struct identity		*idle_id;	/* idle: every link's */
	int			 time_limit;
	int			 hold;		/* idle: seconds to stay */
	int			 holding;
	int			 announce_all;
	int			 links_only;
	int			 quickack;	/* irc: ACK every read at once */
	long			 server_pid;
	const char		*restart_cmd;	/* --restart */
	uint32_t		 acked_senders, back, caught, connecting;
	uint64_t		 replayed;
	uint64_t		 t_restart, t_back, t_caught;
	struct member		*mem;
	struct idmap		 ids;
	uint8_t			 room_id[GROUP_ROOM_ID_BYTES];
	uint8_t			 secret[GROUP_SECRET_BYTES];
	uint8_t			 run_tag[8];
	struct event		*tick;
	struct event		*pump;
	struct event		*announce;
	uint32_t		 next_start;	/* announcements, in order */
	uint32_t		 nstarted;
	enum phase		 phase;
	uint64_t		 phase_start;
	uint64_t		 t_start;
	uint64_t		 last_report;
	/* counters */
	uint32_t		 opened, joined, failed, ready;
	uint64_t		 warm_total;
	uint64_t		 complete;
	uint64_t		 deliveries;
	uint64_t		 unexpected;	/* texts out of place */
	uint64_t		 announces;	/* ANNOUNCE blobs to group_recv */
	uint64_t		 anomalies[GROUP_EV_REJECTED + 1];
	uint32_t		*cnt;		/* K*M: receivers that got it */
	uint64_t		*sent_ns;	/* K*M */
	uint64_t		*lat;		/* ns, one per delivery */
	size_t			 nlat, caplat;
	uint64_t		 t_first_send, t_last;
	/* resources over the measured phase */
	double			 srv_cpu0, srv_cpu1;
	double			 drv_cpu0, drv_cpu1;
	uint64_t		 setup_ns[PH_DONE];
	/* idle checkpoints */
	uint32_t		 cps[8];
	int			 ncps, cpi;
	uint64_t		 settle_since;
	long			 rss0;
	int			 failed_run;
};

/* --- small helpers ------------------------------------------------------- */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void	say(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fanout: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		say("out of memory");
		exit(1);
	}
	return p;
}

/* A /proc/PID/status field in kB, or -1. */
static long
proc_status_kb(long pid, const char *field)
{
	char path[64], line[256];
	size_t flen = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtol(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* User + system CPU seconds of process pid (/proc/PID/stat), or -1. */
static double
proc_cpu_s(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields count from its ')'. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu "
	    "%llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
idmap_init(struct idmap *m, size_t n)
{
	size_t cap = 64;

	while (cap < 4 * n)
		cap *= 2;
	m->key = xcalloc(cap, sizeof(*m->key));
	m->val = xcalloc(cap, sizeof(*m->val));
	m->mask = cap - 1;
}

static void
idmap_put(struct idmap *m, uint32_t id, uint32_t val)
{
	size_t i = (id * 2654435761u) & m->mask;

	while (m->key[i] != 0 && m->key[i] != id)
		i = (i + 1) & m->mask;
	m->key[i] = id;
	m->val[i] = val;
}

/* The member index of relay id, or -1. */
static long
idmap_get(const struct idmap *m, uint32_t id)
{
	size_t i = (id * 2654435761u) & m->mask;

	while (m->key[i] != 0) {
		if (m->key[i] == id)
			return (long)m->val[i];
		i = (i + 1) & m->mask;
	}
	return -1;
}

static void
member_fail(struct member *m, const char *why)
{
	struct bench *b = m->b;

	if (m->dead)
		return;
	m->dead = 1;
	b->failed++;
	if (b->failed <= 10)
		say("member %u (%s phase): %s", m->idx, phase_name[b->phase],
		    why);
	else if (b->failed == 11)
		say("more members failed; not reporting each");
}

/* --- the workload's text ------------------------------------------------ */

/* "M sender seq send_ns " padded with 'x' to exactly b->s bytes; 'W' for
 * the warm-up message. */
static size_t
make_text(struct bench *b, char *out, char kind, uint32_t sender,
    uint32_t seq, uint64_t t)
{
	int n = snprintf(out, TEXT_MAX + 1, "%c %u %u %llu ", kind, sender,
	    seq, (unsigned long long)t);

	memset(out + n, 'x', b->s - (size_t)n);
	out[b->s] = '\0';
	return b->s;
}

static void
record(struct bench *b, struct member *r, uint32_t sender, uint32_t seq,
    uint64_t sent)
{
	uint64_t t = now_ns();
	size_t i;

	if (b->phase != PH_MEASURE || sender >= b->k || seq >= b->m ||
	    sender == r->idx) {
		b->unexpected++;
		return;
	}
	if (b->nlat < b->caplat)
		b->lat[b->nlat++] = t - sent;
	b->deliveries++;
	r->got++;
	b->t_last = t;
	i = (size_t)sender * b->m + seq;
	if (++b->cnt[i] == b->n - 1) {
		b->mem[sender].done++;
		b->complete++;
		event_active(b->pump, 0, 0);
	}
}

/* A text a receiver got (decrypted and verified, for sotto). */
static void
on_text(struct member *r, const uint8_t *text, size_t len)
{
	struct bench *b = r->b;
	char h[TEXT_MIN + 1], *p;
	unsigned long sender, seq;
	unsigned long long t;

	if (len > TEXT_MIN)
		len = TEXT_MIN;
	memcpy(h, text, len);
	h[len] = '\0';
	if (len < 2 || h[1] != ' ') {
		b->unexpected++;
		return;
	}
	sender = strtoul(h + 2, &p, 10);
	seq = strtoul(p, &p, 10);
	t = strtoull(p, &p, 10);
	if (h[0] == 'W') {
		r->warm++;
		b->warm_total++;
		return;
	}
	if (h[0] != 'M') {
		b->unexpected++;
		return;
	}
	record(b, r, (uint32_t)sender, (uint32_t)seq, t);
}

/* --- sotto: a member's link to the relay -------------------------------- */

static void
link_put(struct member *m, struct buf *msg)
{
	int e;

	if (m->c == NULL || m->dead)
		return;
	if ((e = conn_send(m->c, buf_ptr(msg), buf_len(msg))) != 0)
		member_fail(m, err_str(e));
}

static void
group_out(void *arg, uint32_t to, const uint8_t *blob, size_t len)
{
	struct member *m = arg;
	struct buf msg;

	buf_init(&msg, FRAME_MAX_APP);
	if ((to == 0 ? relaymsg_put_bcast(&msg, m->cseq + 1, blob, len) :
	    relaymsg_put_direct(&msg, m->cseq + 1, to, blob, len)) == 0) {
		m->cseq++;
		link_put(m, &msg);
	}
	buf_release(&msg);
}

/* Whether receiver m verifies sender-side objects of member j: all of
 * them, or only the senders' (and senders verify everyone). */
static int
relevant(const struct bench *b, const struct member *m, long j)
{
	return b->announce_all || m->sender || (j >= 0 && b->mem[j].sender);
}

static void
group_ev(void *arg, const struct group_event *ev)
{
	struct member *m = arg;
	struct bench *b = m->b;
	long j;

	switch (ev->type) {
	case GROUP_EV_MEMBER:
		j = idmap_get(&b->ids, ev->id);
		if (j >= 0)
			b->mem[j].verified_by++;
		if (relevant(b, m, j) && ++m->verified == m->need &&
		    !m->ready) {
			m->ready = 1;
			b->ready++;
		}
		event_active(b->announce, 0, 0);
		break;
	case GROUP_EV_TEXT:
		on_text(m, ev->text, ev->len);
		break;
	default:
		/* Drops, replays, forgeries: none should happen here. */
		if (ev->type <= GROUP_EV_REJECTED)
			b->anomalies[ev->type]++;
		break;
	}
}

static void
link_established(struct conn *c, void *arg)
{
	struct member *m = arg;
	struct bench *b = m->b;
	uint8_t room[RELAYMSG_ROOM_ID_BYTES];
	char name[16];
	struct buf msg;
	uint32_t r;

	(void)c;
	if (b->idle > 0) {
		/* Idle members fill rooms of room_size, one after another. */
		r = m->idx / b->room_size;
		memcpy(room, b->run_tag, 8);
		room[8] = (uint8_t)(r >> 24);
		room[9] = (uint8_t)(r >> 16);
		room[10] = (uint8_t)(r >> 8);
		room[11] = (uint8_t)r;
		memset(room + 12, 0xa5, 4);
	} else
		memcpy(room, b->room_id, sizeof(room));
	snprintf(name, sizeof(name), "m%u", m->idx);
	buf_init(&msg, 256);
	m->down = 0;
	if ((m->self != 0 ? relaymsg_put_resume(&msg, room, m->self, m->token,
	    m->seen) : relaymsg_put_join(&msg, room, name)) == 0)
		link_put(m, &msg);
	buf_release(&msg);
}

static void open_more(struct bench *);

static void
on_welcome(struct member *m, const struct relaymsg *rm)
{
	struct bench *b = m->b;
	char name[16];
	int e;

	m->self = rm->id;
	idmap_put(&b->ids, rm->id, m->idx);
	if (b->idle == 0 && b->restart_cmd == NULL) {
		/* As room.c: the group exists from WELCOME on.  Its
		 * announcement (group_start) waits until everyone has
		 * joined, so that setting up the room is one phase. */
		snprintf(name, sizeof(name), "m%u", m->idx);
		if ((e = group_new(&m->g, b->room_id, b->secret, m->id, name,
		    group_out, group_ev, m)) != 0) {
			member_fail(m, err_str(e));
			return;
		}
	}
	m->joined = 1;
	b->joined++;
	open_more(b);
}

/* Links-only diagnostic: a MESSAGE blob's clear header gives its seq. */
static void
peek_message(struct member *r, long from, const uint8_t *blob, size_t len)
{
	struct bench *b = r->b;
	uint64_t seq = 0;
	size_t i;

	if (len < 1 + IDENTITY_PK_BYTES + 4 + 8 || blob[0] != BLOB_MESSAGE) {
		b->unexpected++;
		return;
	}
	for (i = 0; i < 8; i++)
		seq = (seq << 8) | blob[1 + IDENTITY_PK_BYTES + 4 + i];
	/* The warm-up message was seq 0. */
	if (seq == 0 || seq > b->m) {
		b->unexpected++;
		return;
	}
	record(b, r, (uint32_t)from, (uint32_t)(seq - 1),
	    b->sent_ns[(size_t)from * b->m + (seq - 1)]);
}

static void	handle_one(struct conn *, const uint8_t *, size_t, void *);
static void	enter(struct bench *, enum phase);

/* --restart: what a member gets, links only. */
static void
restart_msg(struct member *m, const struct relaymsg *rm)
{
	struct bench *b = m->b;
	char why[128];

	switch (rm->type) {
	case RELAYMSG_WELCOME:
		if (m->joined)
			return;
		memcpy(m->token, rm->token, sizeof(m->token));
		m->seen = rm->seq;
		on_welcome(m, rm);
		return;
	case RELAYMSG_RESUMED:
		m->last = rm->last;
		m->back = 1;
		m->connecting = 0;
		b->connecting--;
		if (++b->back == b->n)
			b->t_back = now_ns();
		break;
	case RELAYMSG_ACCEPTED:
		m->acked = rm->cseq;
		if (m->sender && m->acked == b->m && b->phase == PH_BURST)
			b->acked_senders++;
		return;
	case RELAYMSG_ERROR:
		snprintf(why, sizeof(why), "relay error %u: %.*s", rm->code,
		    (int)rm->blob_len, (const char *)rm->blob);
		member_fail(m, why);
		return;
	case RELAYMSG_JOINED:
	case RELAYMSG_LEFT:
	case RELAYMSG_NICKED:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		if (rm->seq <= m->seen)
			return;
		if (m->back && rm->seq <= m->last)
			b->replayed++;
		m->seen = rm->seq;
		break;
	default:
		return;
	}
	if (m->back && !m->caught && m->seen >= m->last) {
		m->caught = 1;
		if (++b->caught == b->n) {
			b->t_caught = now_ns();
			enter(b, PH_DONE);
		}
	}
}

/* A BATCH is several relay messages sealed together: handle each. */
static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct relaymsg rm;
	const uint8_t *item;
	size_t off = 0, ilen;

	if (relaymsg_parse(&rm, p, len) == 0 && rm.type == RELAYMSG_BATCH) {
		while (relaymsg_batch_next(&rm, &off, &item, &ilen))
			handle_one(c, item, ilen, arg);
		return;
	}
	handle_one(c, p, len, arg);
}

static void
handle_one(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct member *m = arg;
	struct bench *b = m->b;
	struct relaymsg rm;
	char why[128];
	long j;

	(void)c;
	if (m->dead)
		return;
	if (relaymsg_parse(&rm, p, len) != 0) {
		member_fail(m, "malformed message from the relay");
		return;
	}
	if (b->restart_cmd != NULL) {
		restart_msg(m, &rm);
		return;
	}
	switch (rm.type) {
	case RELAYMSG_WELCOME:
		if (!m->joined)
			on_welcome(m, &rm);
		break;
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		/* Until its own announcement a member is not in the room
		 * as far as the group is concerned (announce_cb). */
		if (m->g == NULL || !m->started)
			break;
		j = idmap_get(&b->ids, rm.id);
		if (!relevant(b, m, j))
			break;
		if (b->links_only && b->phase == PH_MEASURE &&
		    rm.type == RELAYMSG_DELIVER && j >= 0 && b->mem[j].sender) {
			peek_message(m, j, rm.blob, rm.blob_len);
			break;
		}
		if (rm.blob_len > 0 && rm.blob[0] == BLOB_ANNOUNCE) {
			/* An announcement broadcast before we started, late
			 * on the way: we would not have been there for it. */
			if (rm.type == RELAYMSG_DELIVER && j >= 0 &&
			    b->mem[j].started < m->started)
				break;
			b->announces++;
		}
		(void)group_recv(m->g, rm.id, rm.type ==
		    RELAYMSG_DELIVER_DIRECT, rm.blob, rm.blob_len);
		break;
	case RELAYMSG_LEFT:
		if (m->g != NULL)
			group_member_left(m->g, rm.id);
		if (b->phase < PH_DONE && b->idle == 0)
			member_fail(m, "the relay says a member left");
		break;
	case RELAYMSG_ERROR:
		snprintf(why, sizeof(why), "relay error %u: %.*s", rm.code,
		    (int)rm.blob_len, (const char *)rm.blob);
		member_fail(m, why);
		break;
	default:
		break;
	}
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct member *m = arg;

	if (m->b->restart_cmd != NULL && m->b->phase == PH_RESTART) {
		/* The relay went (or is not ready yet): try again. */
		conn_free(c);
		m->c = NULL;
		m->down = 1;
		if (m->connecting) {
			m->connecting = 0;
			m->b->connecting--;
		}
		return;
	}
	if (m->b->phase < PH_DONE)
		member_fail(m, err != 0 ? err_str(err) : "relay closed the link");
}

static const struct conn_cbs link_cbs = {
	.established = link_established,
	.message = link_message,
	.closed = link_closed,
};

static void
sotto_start(struct member *m, int fd)
{
	static const struct conn_timing timing = CONN_TIMING_DEFAULT;
	struct bench *b = m->b;
	struct chan_params cp;

	relay_link_client_params(&cp, m->link_id);
	if ((m->c = conn_new(b->base, fd, &cp, &timing, &link_cbs, m)) ==
	    NULL)
		member_fail(m, "conn_new failed");
}

/* --- irc: a member's connection to the IRC server ------------------------ */

static void	irc_printf(struct member *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
irc_printf(struct member *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(bufferevent_get_output(m->bev), fmt, ap);
	va_end(ap);
}

static void
irc_line(struct member *m, char *line, size_t len)
{
	struct bench *b = m->b;
	char *p = line, *end = line + len, *cmd, *q;
	size_t clen;

	if (p < end && *p == ':') {
		if ((p = memchr(p, ' ', (size_t)(end - p))) == NULL)
			return;
		p++;
	}
	cmd = p;
	q = memchr(p, ' ', (size_t)(end - p));
	clen = q != NULL ? (size_t)(q - p) : (size_t)(end - p);
	if (clen == 7 && memcmp(cmd, "PRIVMSG", 7) == 0) {
		/* "PRIVMSG #bench :text" */
		if (q == NULL || (p = memchr(q, ':', (size_t)(end - q))) ==
		    NULL)
			return;
		p++;
		on_text(m, (const uint8_t *)p, (size_t)(end - p));
		return;
	}
	if (clen == 4 && memcmp(cmd, "PING", 4) == 0) {
		irc_printf(m, "PONG%.*s\r\n", (int)(end - cmd - 4), cmd + 4);
		return;
	}
	if (clen == 3 && memcmp(cmd, "001", 3) == 0) {
		if (b->idle > 0)
			irc_printf(m, "JOIN #idle%u\r\n", m->idx / b->room_size);
		else
			irc_printf(m, "JOIN " IRC_CHANNEL "\r\n");
		return;
	}
	if (clen == 3 && memcmp(cmd, "366", 3) == 0) {	/* end of NAMES */
		if (!m->joined) {
			m->joined = 1;
			b->joined++;
			open_more(b);
		}
		return;
	}
	if ((clen == 5 && memcmp(cmd, "ERROR", 5) == 0) ||
	    (clen == 3 && (cmd[0] == '4' || cmd[0] == '5'))) {
		char why[160];

		snprintf(why, sizeof(why), "server says: %.*s",
		    (int)(len > 120 ? 120 : len), line);
		member_fail(m, why);
	}
}

static void
irc_read(struct bufferevent *bev, void *arg)
{
	struct member *m = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr eol;
	char line[IRC_LINE_MAX];
	size_t eol_len, n;
	int one = 1;

	/* ngircd leaves Nagle on: a small line waits until the previous
	 * one is ACKed, and an ACK for a one-way stream waits for the
	 * delayed-ACK timer (40 ms).  Quick ACKs take that stall away, so
	 * that the server's own speed is measured (docs/BENCHMARKS.md). */
	if (m->b->quickack)
		(void)setsockopt(bufferevent_getfd(bev), IPPROTO_TCP,
		    TCP_QUICKACK, &one, sizeof(one));
	while (!m->dead) {
		eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
		if (eol.pos < 0) {
			if (evbuffer_get_length(in) >= IRC_LINE_MAX)
				member_fail(m, "line too long");
			return;
		}
		n = (size_t)eol.pos;
		if (n >= sizeof(line)) {
			evbuffer_drain(in, n + eol_len);
			continue;
		}
		evbuffer_remove(in, line, n + eol_len);
		line[n] = '\0';
		irc_line(m, line, n);
	}
}

static void
irc_event(struct bufferevent *bev, short what, void *arg)
{
	struct member *m = arg;

	(void)bev;
	if (m->b->phase < PH_DONE && (what & (BEV_EVENT_EOF |
	    BEV_EVENT_ERROR)))
		member_fail(m, what & BEV_EVENT_EOF ? "server closed" :
		    "connection error");
}

static void
irc_start(struct member *m, int fd)
{
	struct bench *b = m->b;

	if ((m->bev = bufferevent_socket_new(b->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		member_fail(m, "bufferevent_socket_new failed");
		return;
	}
	bufferevent_setcb(m->bev, irc_read, NULL, irc_event, m);
	bufferevent_enable(m->bev, EV_READ | EV_WRITE);
	irc_printf(m, "NICK u%u\r\nUSER u%u 0 * :fanout bench\r\n", m->idx,
	    m->idx);
}

/* --- connecting ------------------------------------------------------------ */

static void
connected_cb(evutil_socket_t fd, short what, void *arg)
{
	struct member *m = arg;
	int err = 0, one = 1;
	socklen_t sl = sizeof(err);

	event_free(m->cev);
	m->cev = NULL;
	if (!(what & EV_WRITE) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
	    &sl) != 0 || err != 0) {
		close(fd);
		m->fd = -1;
		if (m->b->restart_cmd != NULL && m->b->phase == PH_RESTART) {
			m->connecting = 0;	/* not listening yet: again */
			m->b->connecting--;
			return;
		}
		member_fail(m, err != 0 ? strerror(err) : "connect timed out");
		open_more(m->b);
		return;
	}
	m->fd = -1;
	/* As conn.c does for sotto's links: small messages, no Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (m->b->sys == SYS_SOTTO)
		sotto_start(m, fd);
	else
		irc_start(m, fd);
}

/*
 * --sources A: member i connects from 127.0.0.(1 + i % A) -- in idle
 * mode, every member of room j from 127.0.0.(1 + j % A) -- so that more
 * than one address's ephemeral ports (about 28,000 each) are in use, and
 * the rooms are created from A addresses (the relay lets one address
 * create ADDRLIM_ROOMS_BURST rooms at once).  The port is chosen at
 * connect time (IP_BIND_ADDRESS_NO_PORT), per destination.
 */
static int
bind_source(struct bench *b, int fd, uint32_t idx)
{
	struct sockaddr_in src;
	uint32_t slot = b->idle > 0 ? idx / b->room_size : idx;
	int one = 1;

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u + b->source_first +
	    slot % b->sources);
#ifdef IP_BIND_ADDRESS_NO_PORT
	(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one));
#else
	(void)one;
#endif
	return bind(fd, (struct sockaddr *)&src, sizeof(src));
}

/* --extra-port: the relay node member idx connects to (in idle mode,
 * all of a room's members go to one node). */
static const struct sockaddr_in *
member_addr(const struct bench *b, uint32_t idx)
{
	uint32_t slot = b->idle > 0 ? idx / b->room_size : idx;

	return b->nsa > 1 ? &b->sas[slot % b->nsa] : &b->sa;
}

/* --cpu-pid: every watched process's CPU seconds, into t[]. */
static void
watched_cpu(const struct bench *b, double *t)
{
	uint32_t i;

	for (i = 0; i < b->ncpu; i++)
		t[i] = proc_cpu_s(b->cpu_pid[i]);
}

static void
open_member(struct bench *b, struct member *m)
{
	struct timeval tv = { CONNECT_TIMEOUT_S, 0 };
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		member_fail(m, strerror(errno));
		return;
	}
	if ((b->sources > 1 || b->source_first != 1) &&
	    bind_source(b, fd, m->idx) != 0) {
		member_fail(m, strerror(errno));
		close(fd);
		return;
	}
	if (connect(fd, (struct sockaddr *)member_addr(b, m->idx),
	    sizeof(b->sa)) != 0 &&
	    errno != EINPROGRESS) {
		member_fail(m, strerror(errno));
		close(fd);
		return;
	}
	m->fd = fd;
	if ((m->cev = event_new(b->base, fd, EV_WRITE, connected_cb, m)) ==
	    NULL || event_add(m->cev, &tv) != 0) {
		say("out of memory");
		exit(1);
	}
}

/* Keeps at most conc members between connect and joined. */
static void
open_more(struct bench *b)
{
	uint32_t limit = b->idle > 0 ? b->cps[b->cpi] : b->n;

	if (b->phase != PH_CONNECT)
		return;
	while (b->opened < limit &&
	    b->opened - b->joined - b->failed < b->conc)
		open_member(b, &b->mem[b->opened++]);
}

/* --- sending ---------------------------------------------------------------- */

static void
send_text(struct bench *b, struct member *m, char kind, uint32_t seq)
{
	char text[TEXT_MAX + 1];
	uint64_t t = now_ns();
	size_t len;
	int e;

	len = make_text(b, text, kind, m->idx, seq, t);
	if (kind == 'M') {
		b->sent_ns[(size_t)m->idx * b->m + seq] = t;
		if (b->t_first_send == 0)
			b->t_first_send = t;
	}
	if (b->sys == SYS_SOTTO) {
		if ((e = group_send(m->g, GROUP_TEXT, (const uint8_t *)text,
		    len)) != 0)
			member_fail(m, err_str(e));
	} else
		irc_printf(m, "PRIVMSG " IRC_CHANNEL " :%s\r\n", text);
}

/* Runs after the callback that completed a message: never inside one
 * member's group_recv. */
static void
pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	struct member *m;
	uint32_t i;

	(void)fd;
	(void)what;
	if (b->phase != PH_MEASURE)
		return;
	for (i = 0; i < b->k; i++) {
		m = &b->mem[i];
		while (!m->dead && m->sent < b->m && m->sent - m->done < b->w)
			send_text(b, m, 'M', m->sent++);
	}
}

/* --- phases ----------------------------------------------------------------- */

static void
start_member(struct member *m)
{
	m->started = ++m->b->nstarted;
	if (group_start(m->g, m->self) != 0)
		member_fail(m, "group_start failed");
}

/*
 * Members announce themselves one after another, as if they joined one
 * after another (room.c announces at WELCOME): member i starts once
 * member i-1 has verified every member started before it and been
 * verified by each.  A member ignores blobs until it has started, as it
 * would not have been in the room.  So every pair exchanges exactly two
 * announcements (the newcomer's broadcast and the older member's direct
 * answer), never the four that simultaneous starts would cost.  With
 * --announce senders the senders go first, in order; then every other
 * member starts at once: they ignore each other, so no pair can cross.
 */
static void
announce_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	struct member *prev;
	uint32_t i;

	(void)fd;
	(void)what;
	if (b->phase != PH_ANNOUNCE)
		return;
	while (b->next_start < b->n) {
		if (b->next_start > 0) {
			prev = &b->mem[b->next_start - 1];
			if (prev->verified < b->next_start - 1 ||
			    prev->verified_by < b->next_start - 1)
				return;
		}
		if (!b->announce_all && b->next_start == b->k) {
			for (i = b->k; i < b->n; i++)
				start_member(&b->mem[i]);
			b->next_start = b->n;
			return;
		}
		start_member(&b->mem[b->next_start++]);
	}
}

/* --restart: the non-senders stop reading; each sender sends its M. */
static void
burst(struct bench *b)
{
	uint8_t blob[TEXT_MAX];
	uint32_t i, j;

	memset(blob, 'x', sizeof(blob));
	for (i = b->k; i < b->n; i++)
		conn_pause(b->mem[i].c, 1);
	for (i = 0; i < b->k; i++)
		for (j = 0; j < b->m; j++)
			group_out(&b->mem[i], 0, blob, b->s);
}

/* 1 if the process has exited (no such process, or a zombie). */
static int
proc_gone(long pid)
{
	char path[64], st[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	n = fread(st, 1, sizeof(st) - 1, f);
	fclose(f);
	st[n] = '\0';
	/* "pid (comm) S ...": the state after the last ')'. */
	if ((p = strrchr(st, ')')) == NULL || p[1] == '\0')
		return 1;
	return p[2] == 'Z' || p[2] == 'X';
}

/* --restart: every sender's blobs are in the log: kill, restart. */
static void
restart(struct bench *b)
{
	uint32_t i;
	int rc;

	if (b->server_pid <= 0 || kill((pid_t)b->server_pid, SIGKILL) != 0) {
		say("cannot kill the relay (--server-pid)");
		b->failed_run = 1;
		enter(b, PH_DONE);
		return;
	}
	/* Gone (or a zombie: its sockets are closed), at most 10 s. */
	for (i = 0; i < 1000 && proc_gone(b->server_pid) == 0; i++)
		usleep(10000);
	/* Reading again: what reached the sockets, then the cut. */
	for (i = 0; i < b->n; i++)
		conn_pause(b->mem[i].c, 0);
	b->t_restart = now_ns();
	if ((rc = system(b->restart_cmd)) != 0) {
		say("the restart command failed (status %d)", rc);
		b->failed_run = 1;
		enter(b, PH_DONE);
	}
}

/* --restart: reconnects the members that are down, conc at a time. */
static void
reconnect(struct bench *b)
{
	struct member *m;
	uint32_t i;

	for (i = 0; i < b->n && b->connecting < b->conc; i++) {
		m = &b->mem[i];
		if (!m->down || m->connecting || m->dead || m->back)
			continue;
		m->connecting = 1;
		b->connecting++;
		open_member(b, m);
	}
}

static void
enter(struct bench *b, enum phase p)
{
	uint64_t t = now_ns();
	uint32_t i;

	b->setup_ns[b->phase] = t - b->phase_start;
	say("%s: %.2f s; now %s", phase_name[b->phase],
	    (double)(t - b->phase_start) / 1e9, phase_name[p]);
	b->phase = p;
	b->phase_start = t;
	switch (p) {
	case PH_ANNOUNCE:
		event_active(b->announce, 0, 0);
		break;
	case PH_WARMUP:
		for (i = 0; i < b->k; i++)
			send_text(b, &b->mem[i], 'W', 0);
		break;
	case PH_MEASURE:
		b->srv_cpu0 = b->server_pid > 0 ? proc_cpu_s(b->server_pid) :
		    -1;
		b->drv_cpu0 = self_cpu_s();
		watched_cpu(b, b->cpu0);
		event_active(b->pump, 0, 0);
		break;
	case PH_BURST:
		burst(b);
		break;
	case PH_RESTART:
		restart(b);
		break;
	case PH_DONE:
		b->srv_cpu1 = b->server_pid > 0 && b->restart_cmd == NULL ?
		    proc_cpu_s(b->server_pid) : -1;
		b->drv_cpu1 = self_cpu_s();
		watched_cpu(b, b->cpu1);
		event_base_loopbreak(b->base);
		break;
	default:
		break;
	}
}

static void
idle_checkpoint(struct bench *b, uint64_t t)
{
	uint32_t target = b->cps[b->cpi];
	long rss;

	if (b->opened < target || b->joined + b->failed < target)
		return;
	/* Let the last JOINs' notices go out before reading memory. */
	if (b->settle_since == 0) {
		b->settle_since = t;
		return;
	}
	if (t - b->settle_since < SETTLE_NS)
		return;
	b->settle_since = 0;
	rss = b->server_pid > 0 ? proc_status_kb(b->server_pid, "VmRSS") : -1;
	printf("IDLE sys=%s members=%u joined=%u failed=%u rss_kb=%ld "
	    "per_member_b=%.0f\n", b->sys == SYS_SOTTO ? "sotto" : "irc",
	    target, b->joined, b->failed, rss, b->joined > 0 && rss >= 0 ?
	    (double)(rss - b->rss0) * 1024 / b->joined : -1.0);
	fflush(stdout);
	if (b->cpi + 1 == b->ncps && b->hold > 0) {
		/* Hold the members for a look at the server (smaps,
		 * massif, perf); still bounded. */
		say("holding %u members for %d s", b->joined, b->hold);
		b->holding = 1;
		b->phase_start = t;
		return;
	}
	if (++b->cpi == b->ncps)
		enter(b, PH_DONE);
	else
		open_more(b);
}

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bench *b = arg;
	uint64_t t = now_ns();
	uint64_t want;

	(void)fd;
	(void)what;
	if (t - b->last_report > 5000000000ull) {
		b->last_report = t;
		say("[%s] opened %u joined %u failed %u ready %u warm %llu "
		    "delivered %llu complete %llu", phase_name[b->phase],
		    b->opened, b->joined, b->failed, b->ready,
		    (unsigned long long)b->warm_total,
		    (unsigned long long)b->deliveries,
		    (unsigned long long)b->complete);
	}
	if (b->holding) {
		if (t - b->phase_start > (uint64_t)b->hold * 1000000000ull)
			enter(b, PH_DONE);
		return;
	}
	if (b->idle > 0) {
		if (b->phase == PH_CONNECT)
			idle_checkpoint(b, t);
	} else if (b->failed > 0 && b->phase != PH_DONE) {
		say("a member failed: stopping");
		b->failed_run = 1;
		enter(b, PH_DONE);
		return;
	}
	if (b->phase != PH_DONE &&
	    t - b->phase_start > (uint64_t)b->time_limit * 1000000000ull) {
		say("%s phase took longer than %d s: stopping",
		    phase_name[b->phase], b->time_limit);
		b->failed_run = 1;
		enter(b, PH_DONE);
		return;
	}
	switch (b->phase) {
	case PH_CONNECT:
		if (b->idle == 0 && b->joined == b->n)
			enter(b, b->restart_cmd != NULL ? PH_BURST :
			    b->sys == SYS_SOTTO ? PH_ANNOUNCE : PH_WARMUP);
		break;
	case PH_BURST:
		if (b->acked_senders == b->k)
			enter(b, PH_RESTART);
		break;
	case PH_RESTART:
		reconnect(b);
		break;
	case PH_ANNOUNCE:
		if (b->ready == b->n)
			enter(b, PH_WARMUP);
		break;
	case PH_WARMUP:
		want = (uint64_t)b->k * (b->n - 1);
		if (b->warm_total == want)
			enter(b, PH_MEASURE);
		break;
	case PH_MEASURE:
		if (b->complete == (uint64_t)b->k * b->m)
			enter(b, PH_DONE);
		break;
	case PH_DONE:
		break;
	}
}

/* --- results ---------------------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(const uint64_t *v, size_t n, double q)
{
	size_t i;

	if (n == 0)
		return -1;
	i = (size_t)(q * (double)(n - 1) + 0.5);
	return (double)v[i] / 1e6;
}

static void
report(struct bench *b)
{
	const char *sys = b->sys == SYS_SOTTO ? "sotto" : "irc";
	uint64_t expected = (uint64_t)b->k * b->m * (b->n - 1), anom = 0;
	double secs, srv, drv, sum = 0;
	size_t i;

	for (i = 0; i <= GROUP_EV_REJECTED; i++)
		anom += b->anomalies[i];
	if (b->restart_cmd != NULL) {
		printf("RESULT sys=sotto mode=restart n=%u k=%u m=%u s=%u "
		    "events=%llu back_s=%.3f caught_s=%.3f replayed=%llu "
		    "burst_s=%.2f ok=%d\n", b->n, b->k, b->m, b->s,
		    (unsigned long long)b->k * b->m, b->t_back > 0 ?
		    (double)(b->t_back - b->t_restart) / 1e9 : -1,
		    b->t_caught > 0 ? (double)(b->t_caught - b->t_restart) /
		    1e9 : -1, (unsigned long long)b->replayed,
		    (double)b->setup_ns[PH_BURST] / 1e9,
		    !b->failed_run && b->caught == b->n);
		return;
	}
	if (b->idle > 0) {
		printf("RESULT sys=%s mode=idle members=%u joined=%u failed=%u "
		    "rss0_kb=%ld hwm_kb=%ld ok=%d\n", sys, b->idle, b->joined,
		    b->failed, b->rss0, b->server_pid > 0 ?
		    proc_status_kb(b->server_pid, "VmHWM") : -1,
		    !b->failed_run);
		return;
	}
	qsort(b->lat, b->nlat, sizeof(*b->lat), cmp_u64);
	for (i = 0; i < b->nlat; i++)
		sum += (double)b->lat[i];
	secs = b->t_last > b->t_first_send ?
	    (double)(b->t_last - b->t_first_send) / 1e9 : 0;
	srv = b->srv_cpu0 >= 0 && b->srv_cpu1 >= 0 ? b->srv_cpu1 - b->srv_cpu0 :
	    -1;
	drv = b->drv_cpu1 - b->drv_cpu0;
	printf("RESULT sys=%s mode=%s n=%u k=%u m=%u s=%u w=%u quickack=%d "
	    "announce=%s deliveries=%llu expected=%llu secs=%.3f dps=%.0f "
	    "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f "
	    "server_cpu_s=%.2f driver_cpu_s=%.2f server_us_per_delivery=%.2f "
	    "driver_us_per_delivery=%.2f connect_s=%.2f announce_s=%.2f "
	    "warmup_s=%.2f announces=%llu server_hwm_kb=%ld anomalies=%llu "
	    "unexpected=%llu ok=%d\n",
	    sys, b->links_only ? "links-only" : "e2e", b->n, b->k, b->m, b->s,
	    b->w, b->quickack, b->sys == SYS_IRC ? "-" : b->announce_all ? "all" :
	    "senders", (unsigned long long)b->deliveries,
	    (unsigned long long)expected, secs,
	    secs > 0 ? (double)b->deliveries / secs : 0,
	    pct_ms(b->lat, b->nlat, 0.50), pct_ms(b->lat, b->nlat, 0.90),
	    pct_ms(b->lat, b->nlat, 0.99), pct_ms(b->lat, b->nlat, 1.0),
	    b->nlat > 0 ? sum / (double)b->nlat / 1e6 : -1, srv, drv,
	    srv >= 0 && b->deliveries > 0 ? srv * 1e6 / (double)b->deliveries :
	    -1, b->deliveries > 0 ? drv * 1e6 / (double)b->deliveries : -1,
	    (double)b->setup_ns[PH_CONNECT] / 1e9,
	    (double)b->setup_ns[PH_ANNOUNCE] / 1e9,
	    (double)b->setup_ns[PH_WARMUP] / 1e9,
	    (unsigned long long)b->announces, b->server_pid > 0 ?
	    proc_status_kb(b->server_pid, "VmHWM") : -1,
	    (unsigned long long)anom, (unsigned long long)b->unexpected,
	    !b->failed_run && b->deliveries == expected && anom == 0);
	/* One line per --cpu-pid, for bench/cluster.sh. */
	for (i = 0; i < b->ncpu; i++)
		printf("CPU pid=%ld cpu_s=%.3f us_per_delivery=%.3f\n",
		    b->cpu_pid[i], b->cpu0[i] >= 0 && b->cpu1[i] >= 0 ?
		    b->cpu1[i] - b->cpu0[i] : -1, b->cpu0[i] >= 0 &&
		    b->cpu1[i] >= 0 && b->deliveries > 0 ? (b->cpu1[i] -
		    b->cpu0[i]) * 1e6 / (double)b->deliveries : -1);
	if (anom > 0)
		for (i = 0; i <= GROUP_EV_REJECTED; i++)
			if (b->anomalies[i] > 0)
				say("group event %zu seen %llu times", i,
				    (unsigned long long)b->anomalies[i]);
}

/* --- setup ------------------------------------------------------------------ */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: bench_fanout sotto|irc --port P [--host 127.0.0.1]\n"
	    "           [--members N] [--senders K] [--messages M] [--size S]\n"
	    "           [--window W] [--announce all|senders] [--links-only]\n"
	    "           [--quickack] [--server-pid PID] [--time-limit SEC]\n"
	    "           [--concurrency C] [--extra-port P2]... [--cpu-pid PID]...\n"
	    "       bench_fanout sotto --port P --restart CMD --server-pid PID\n"
	    "           [--members N] [--senders K] [--messages M] [--size S]\n"
	    "       bench_fanout sotto|irc --port P --idle N [--room-size R]\n"
	    "           [--hold SEC] [--server-pid PID] [--time-limit SEC]\n"
	    "           [--concurrency C] [--sources A] [--source-first F]\n"
	    "\n"
	    "Plays N members of one room against a sotto relay (every message\n"
	    "end-to-end encrypted, signed, and verified by every receiver) or\n"
	    "an IRC server, and prints deliveries/s and latency.  --idle\n"
	    "connects N members that only join (rooms of R) and prints the\n"
	    "server's VmRSS; --hold keeps them SEC seconds more.  Diagnostics:\n"
	    "--links-only (receivers skip the group layer), --quickack (irc:\n"
	    "ACK every read at once).  --sources A: member i (idle: room i)\n"
	    "connects from 127.0.0.(1 + i %% A), for more members than one\n"
	    "address has ports, or rooms than one may create (from\n"
	    "127.0.0.F on with --source-first F).  --extra-port: member i\n"
	    "(idle: room i) connects to the (i mod ports)th of --port and\n"
	    "the --extra-ports (cluster nodes); --cpu-pid: a CPU line for\n"
	    "each PID over the measured phase.  --restart kills the relay once the\n"
	    "senders' blobs are acknowledged, runs CMD to start it again, and\n"
	    "prints how long until every member is back and caught up.  Lines starting with RESULT and IDLE are\n"
	    "for bench/fanout.sh.  Defaults: N 100, K 10, M 1000, S 200, W 4,\n"
	    "R 100, C 64 (sotto) or 8 (irc), --announce all, --time-limit 300.\n");
}

static uint32_t
arg_u32(const char *s, uint32_t lo, uint32_t hi, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < lo || v > hi) {
		say("%s must be a number from %u to %u", what, lo, hi);
		exit(2);
	}
	return (uint32_t)v;
}

static void
set_checkpoints(struct bench *b)
{
	static const uint32_t at[] = { 1000, 2000, 5000, 10000, 50000 };
	size_t i;

	b->ncps = 0;
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		if (at[i] < b->idle)
			b->cps[b->ncps++] = at[i];
	b->cps[b->ncps++] = b->idle;
}

static int
setup(struct bench *b)
{
	uint32_t i;

	b->mem = xcalloc(b->n, sizeof(*b->mem));
	idmap_init(&b->ids, b->n);
	randombytes_buf(b->room_id, sizeof(b->room_id));
	randombytes_buf(b->secret, sizeof(b->secret));
	randombytes_buf(b->run_tag, sizeof(b->run_tag));
	for (i = 0; i < b->n; i++) {
		struct member *m = &b->mem[i];

		m->b = b;
		m->idx = i;
		m->fd = -1;
		m->sender = b->idle == 0 && i < b->k;
		m->need = b->announce_all || m->sender ? b->n - 1 : b->k;
	}
	/* A throwaway identity per link, and one in the room, as room.c
	 * has.  Each secret key is sodium_malloc'd: about 4 mappings, so
	 * 10,000 members would use 40,000 of vm.max_map_count's 65,530.
	 * Idle members share one link identity (the relay does not look
	 * at it; each link's keys are still its own handshake's). */
	if (b->sys == SYS_SOTTO && b->idle > 0 &&
	    identity_generate(&b->idle_id) != 0)
		return -1;
	for (i = 0; b->sys == SYS_SOTTO && i < b->n; i++) {
		if (b->idle > 0) {
			b->mem[i].link_id = b->idle_id;
			continue;
		}
		if (identity_generate(&b->mem[i].link_id) != 0 ||
		    identity_generate(&b->mem[i].id) != 0)
			return -1;
	}
	if (b->idle == 0) {
		b->cnt = xcalloc((size_t)b->k * b->m, sizeof(*b->cnt));
		b->sent_ns = xcalloc((size_t)b->k * b->m, sizeof(*b->sent_ns));
		b->caplat = (size_t)b->k * b->m * (b->n - 1);
		b->lat = xcalloc(b->caplat, sizeof(*b->lat));
	} else
		set_checkpoints(b);
	if ((b->base = event_base_new()) == NULL ||
	    (b->tick = event_new(b->base, -1, EV_PERSIST, tick_cb, b)) ==
	    NULL || (b->pump = event_new(b->base, -1, 0, pump_cb, b)) == NULL ||
	    (b->announce = event_new(b->base, -1, 0, announce_cb, b)) == NULL)
		return -1;
	return 0;
}

static void
teardown(struct bench *b)
{
	uint32_t i;

	for (i = 0; b->mem != NULL && i < b->n; i++) {
		struct member *m = &b->mem[i];

		if (m->cev != NULL)
			event_free(m->cev);
		if (m->fd >= 0)
			close(m->fd);
		group_free(m->g);
		conn_free(m->c);
		if (m->bev != NULL)
			bufferevent_free(m->bev);
		if (m->link_id != b->idle_id)
			identity_free(m->link_id);
		identity_free(m->id);
	}
	identity_free(b->idle_id);
	if (b->tick != NULL)
		event_free(b->tick);
	if (b->pump != NULL)
		event_free(b->pump);
	if (b->announce != NULL)
		event_free(b->announce);
	if (b->base != NULL)
		event_base_free(b->base);
	free(b->mem);
	free(b->ids.key);
	free(b->ids.val);
	free(b->cnt);
	free(b->sent_ns);
	free(b->lat);
	sodium_memzero(b->secret, sizeof(b->secret));
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "members", required_argument, NULL, 'n' },
		{ "senders", required_argument, NULL, 'k' },
		{ "messages", required_argument, NULL, 'm' },
		{ "size", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "announce", required_argument, NULL, 'a' },
		{ "links-only", no_argument, NULL, 'L' },
		{ "quickack", no_argument, NULL, 'Q' },
		{ "idle", required_argument, NULL, 'i' },
		{ "room-size", required_argument, NULL, 'r' },
		{ "server-pid", required_argument, NULL, 'P' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "sources", required_argument, NULL, 'A' },
		{ "hold", required_argument, NULL, 'O' },
		{ "restart", required_argument, NULL, 'R' },
		{ "extra-port", required_argument, NULL, 'X' },
		{ "cpu-pid", required_argument, NULL, 'C' },
		{ "source-first", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench b;
	struct timeval tv = { 0, TICK_MS * 1000 };
	const char *host = "127.0.0.1";
	int ch, port = 0, status;
	int xport[MAX_PORTS];
	uint32_t i, nx = 0;

	memset(&b, 0, sizeof(b));
	b.n = 100;
	b.k = 10;
	b.m = 1000;
	b.s = 200;
	b.w = 4;
	b.room_size = 100;
	b.conc = 0;
	b.time_limit = 300;
	b.announce_all = 1;
	b.source_first = 1;
	if (argc < 2 || (strcmp(argv[1], "sotto") != 0 &&
	    strcmp(argv[1], "irc") != 0)) {
		usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout :
		    stderr);
		return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	b.sys = strcmp(argv[1], "sotto") == 0 ? SYS_SOTTO : SYS_IRC;
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			host = optarg;
			break;
		case 'p':
			port = (int)arg_u32(optarg, 1, 65535, "--port");
			break;
		case 'n':
			b.n = arg_u32(optarg, 2, 100000, "--members");
			break;
		case 'k':
			b.k = arg_u32(optarg, 1, 100000, "--senders");
			break;
		case 'm':
			b.m = arg_u32(optarg, 1, 10000000, "--messages");
			break;
		case 's':
			b.s = arg_u32(optarg, TEXT_MIN, TEXT_MAX, "--size");
			break;
		case 'w':
			b.w = arg_u32(optarg, 1, 100000, "--window");
			break;
		case 'a':
			if (strcmp(optarg, "all") != 0 &&
			    strcmp(optarg, "senders") != 0) {
				say("--announce is all or senders");
				return 2;
			}
			b.announce_all = strcmp(optarg, "all") == 0;
			break;
		case 'L':
			b.links_only = 1;
			break;
		case 'Q':
			b.quickack = 1;
			break;
		case 'i':
			b.idle = arg_u32(optarg, 1, 1000000, "--idle");
			break;
		case 'r':
			b.room_size = arg_u32(optarg, 1, RELAYMSG_MAX_MEMBERS,
			    "--room-size");
			break;
		case 'P':
			b.server_pid = (long)arg_u32(optarg, 1, 1u << 30,
			    "--server-pid");
			break;
		case 't':
			b.time_limit = (int)arg_u32(optarg, 1, 3600,
			    "--time-limit");
			break;
		case 'c':
			b.conc = arg_u32(optarg, 1, 10000, "--concurrency");
			break;
		case 'A':
			b.sources = arg_u32(optarg, 1, 254, "--sources");
			break;
		case 'O':
			b.hold = (int)arg_u32(optarg, 1, 3600, "--hold");
			break;
		case 'R':
			b.restart_cmd = optarg;
			break;
		case 'X':
			if (nx + 1 == MAX_PORTS) {
				say("at most %d --extra-port", MAX_PORTS - 1);
				return 2;
			}
			xport[nx++] = (int)arg_u32(optarg, 1, 65535,
			    "--extra-port");
			break;
		case 'C':
			if (b.ncpu == MAX_CPU_PIDS) {
				say("at most %d --cpu-pid", MAX_CPU_PIDS);
				return 2;
			}
			b.cpu_pid[b.ncpu++] = (long)arg_u32(optarg, 1, 1u << 30,
			    "--cpu-pid");
			break;
		case 'F':
			b.source_first = arg_u32(optarg, 1, 254,
			    "--source-first");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || port == 0 || (b.restart_cmd != NULL &&
	    (b.sys != SYS_SOTTO || b.idle > 0 || b.server_pid == 0))) {
		usage(stderr);
		return 2;
	}
	/* ngircd listens with a backlog of 10: more connections at once
	 * only get their SYNs dropped and retried a second later. */
	if (b.conc == 0)
		b.conc = b.sys == SYS_SOTTO ? 64 : 8;
	if (b.idle > 0)
		b.n = b.idle;
	else if (b.k >= b.n) {
		say("--senders must be fewer than --members");
		return 2;
	}
	b.sa.sin_family = AF_INET;
	b.sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &b.sa.sin_addr) != 1 ||
	    (ntohl(b.sa.sin_addr.s_addr) >> 24) != 127) {
		say("--host must be a numeric loopback address (127.x.y.z)");
		return 2;
	}
	if (b.sources == 0)
		b.sources = 1;
	if (b.source_first + b.sources > 255) {
		say("--source-first + --sources must stay within 127.0.0.254");
		return 2;
	}
	if (nx > 0 && b.restart_cmd != NULL) {
		say("--restart takes one --port");
		return 2;
	}
	b.sas[0] = b.sa;
	for (i = 0; i < nx; i++) {
		b.sas[i + 1] = b.sa;
		b.sas[i + 1].sin_port = htons((uint16_t)xport[i]);
	}
	b.nsa = nx + 1;
	if (sodium_init() < 0)
		return 1;
	raise_nofile();
	if (setup(&b) != 0) {
		say("setup failed (out of memory?)");
		teardown(&b);
		return 1;
	}
	if (b.server_pid > 0)
		b.rss0 = proc_status_kb(b.server_pid, "VmRSS");
	if (b.idle > 0)
		printf("IDLE sys=%s members=0 joined=0 failed=0 rss_kb=%ld "
		    "per_member_b=0\n", b.sys == SYS_SOTTO ? "sotto" : "irc",
		    b.rss0);
	b.t_start = b.phase_start = b.last_report = now_ns();
	event_add(b.tick, &tv);
	open_more(&b);
	event_base_dispatch(b.base);
	report(&b);
	fflush(stdout);
	status = b.failed_run ? 1 : 0;
	teardown(&b);
	return status;
}
