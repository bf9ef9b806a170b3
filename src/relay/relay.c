/*
 * relay.c: `sotto relay`: accepts member links (secure channels with an
 * empty password, authenticated by the relay's key), holds each until it
 * has joined a room, and carries messages between the links and the
 * rooms (rroom.h).  One event loop, non-blocking throughout.
 *
 * A link is never freed inside one of its own callbacks, nor while the
 * rooms are being walked: every way a link ends marks it dead and queues
 * it, and one event that runs after the current callback removes it from
 * its room (telling the others) and frees it -- Redis's way.
 *
 * Flow control is per room (relay.h): while any member of a room has a
 * backlog, nobody in that room is read from.
 *
 * Output (relay.h, "Output"): what goes to a link is a queue of
 * references to refcounted chunks (chunkq.h) -- a broadcast is one chunk
 * shared by every member's queue -- sealed for the link's channel only
 * as its socket drains, so a member that doesn't read holds references,
 * not sealed copies.  All the links' queued output together is held to a
 * budget (--max-queued): past it, the links holding the most unread data
 * are dropped.
 *
 * Durability (roomlog.h): what a turn of the loop produces is appended to
 * the rooms' log inside one transaction, which commit_cb commits in the
 * same turn, before the loop goes back to waiting -- so before any of the
 * turn's output reaches a socket (libevent writes only when the socket
 * is reported writable).  A delivered or acknowledged event is durable.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <sodium.h>

#include "addr.h"
#include "admit.h"
#include "buf.h"
#include "chat.h"
#include "chunkq.h"
#include "conn.h"
#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "addrlim.h"
#include "client.h"
#include "cookie.h"
#include "cluster.h"
#include "jslog.h"
#include "relay.h"
#include "relaylog.h"
#include "relaymsg.h"
#include "rdvmsg.h"
#include "rendezvous.h"
#include "roomlog.h"
#include "rroom.h"
#include "mono.h"

#define RELAY_MAX_LISTEN	8
#define RELAY_BACKLOG		4096	/* the kernel caps it at somaxconn */
/* After SIGINT/SIGTERM, members get this long to take their goodbye. */
#define RELAY_SHUTDOWN_MS	1500
/* Out of descriptors: stop accepting for this long. */
#define RELAY_ACCEPT_PAUSE_MS	1000
/* Connections accepted in one turn of the loop at most: the rest wait
 * for the next turn, after the members' events that are ready now (a
 * zero timer, not a lower priority, so that a busy relay still accepts:
 * libevent never runs a lower priority while a higher one has work). */
#define RELAY_ACCEPT_BATCH	16
#define RELAY_STATE_SUBDIR	"sotto-relay"
/* A replay keeps at most this much queued for its link at a time, well
 * under RELAY_HIGH_WATER (a replay never holds its room back), and reads
 * the log this many events at a time. */
#define RELAY_REPLAY_WINDOW	(512u * 1024)
#define RELAY_REPLAY_CHUNK	64
/* The housekeeping timer: holds are checked every tick, the log is
 * trimmed every RELAY_TRIM_TICKS ticks. */
#define RELAY_TICK_MS		1000
#define RELAY_TRIM_TICKS	10
/* Context for the keys the relay derives from its identity key. */
#define RELAY_KDF_CTX		"sottorly"
/* How often the rate-limited members are looked at, and idle address
 * entries swept. */
#define RELAY_RATE_TICK_MS	20
#define RELAY_SWEEP_MS		10000

/*
 * A test hook, left out of --help: '--misbehave ACTION:N' mistreats the
 * Nth DELIVER the relay sends (each copy counts): drops it, sends it
 * twice, sends it after the next DELIVER to the same member, or flips a
 * bit of its blob.  Members must not trust a relay; this lets the tests
 * show that they don't.
 */
enum misbehave {
	MB_NONE,
	MB_DROP,
	MB_DUP,
	MB_SWAP,
	MB_FLIP,
};

struct relay_misbehave {
	enum misbehave		 action;
	unsigned long		 n;
	unsigned long		 seen;
	struct relay_link	*held_for;	/* MB_SWAP: the held DELIVER */
	uint8_t			*held;
	size_t			 held_len;
};

enum link_state {
	LINK_HANDSHAKE,		/* channel not established yet */
	LINK_WAIT_JOIN,		/* established, no JOIN yet */
	LINK_MEMBER,		/* in a room */
	LINK_VISITOR,		/* at a room's door (VISIT), no seat */
	LINK_RDV,		/* in a rendezvous (rendezvous.h) */
	LINK_CLOSING,		/* our final record is on its way */
	LINK_DEAD,		/* queued to be freed */
};

/* One member connection.  Kept small: 10,000 idle ones must be cheap. */
struct relay_link {
	struct rroom_member	 m;
	struct relay		*r;
	struct conn		*c;
	LIST_ENTRY(relay_link)	 all;
	TAILQ_ENTRY(relay_link)	 waiting;	/* no JOIN yet: accept order;
						 * a visitor: VISIT order */
	TAILQ_ENTRY(relay_link)	 backed;	/* backlog: since order */
	TAILQ_ENTRY(relay_link)	 flushq;	/* has a batch to seal */
	/* On hsq while in its handshake (age order), on rateq while held
	 * for its message rate (a member): never both, so one entry. */
	TAILQ_ENTRY(relay_link)	 stageq;
	struct addrlim_addr	*la;		/* its address's counts */
	struct tbucket		 rate;		/* its messages (addrlim.h) */
	int64_t			 rate_until;	/* paused until then, ms */
	struct chunkq		 q;		/* not sealed yet, oldest first */
	size_t			 sealed;	/* conn_pending when last seen */
	struct rdv_end		*rdv;		/* LINK_RDV: its part, or NULL */
	struct relay_link	*reap_next;
	int64_t			 deadline;	/* JOIN due, monotonic ms */
	int64_t			 stall;		/* backlog must clear by then */
	uint8_t			 state;		/* enum link_state */
	uint8_t			 is_waiting;	/* 1: on waiting; 2: visitq */
	uint8_t			 is_backed;	/* has a backlog (congested) */
	uint8_t			 in_flushq;
	uint8_t			 bye;		/* owed a SHUTDOWN notice */
	uint8_t			 ack_due;	/* owed an ACCEPTED this turn */
	uint8_t			 in_hs;		/* on hsq */
	uint8_t			 rate_paused;	/* on rateq */
	uint8_t			 rate_logged;
	uint8_t			 asked;		/* sent RDV_WHOAMI */
	uint8_t			 reset;		/* not reading: RST on close */
	struct cluster_link	*cl;		/* cluster.h: forwarded */
};

struct relay {
	struct event_base		*base;
	struct identity			*id;
	struct rroom_hub		*hub;
	struct rdv_hub			*rdv;		/* rendezvous slots */
	struct conn_timing		 timing;
	struct evconnlistener		*lev[RELAY_MAX_LISTEN];
	int				 nlev;
	struct event			*sig_int;
	struct event			*sig_term;
	struct event			*join_timer;
	struct event			*stall_timer;
	struct event			*reap_ev;
	struct event			*flush_ev;	/* seal the batches */
	struct event			*stop_timer;
	struct event			*accept_timer;
	struct event			*rate_timer;
	struct event			*accept_more;	/* next turn's accepts */
	unsigned			 accepted_turn;
	struct event			*stats_timer;
	struct admit_stats		 last;		/* as last logged */
	unsigned			 stats_ticks;
	struct addrlim			*lim;
	struct admit			*adm;
	size_t				 fd_budget;	/* connections, at most */
	uint32_t			 member_rate;	/* 0: no limit */
	uint64_t			 refused;	/* at accept, over a limit */
	uint64_t			 refused_logged;
	TAILQ_HEAD(, relay_link)	 hsq;
	TAILQ_HEAD(, relay_link)	 rateq;
	size_t				 nhs;
	LIST_HEAD(, relay_link)		 links;
	TAILQ_HEAD(, relay_link)	 waiting;
	TAILQ_HEAD(, relay_link)	 visitq;	/* visitors, by deadline */
	TAILQ_HEAD(, relay_link)	 backed;
	TAILQ_HEAD(, relay_link)	 flushq;
	struct relay_link		*reap;
	size_t				 nlinks;
	int				 accept_paused;
	int				 stopping;
	struct relay_misbehave		 mb;
	struct buf			 ackmsg;	/* an ACCEPTED, reused */
	/* Output (relay.h): every chunk queued, the links' sealed output
	 * as last seen, the budget for both, and the broadcast going out. */
	struct chunk_stats		 cst;
	size_t				 sealed_total;
	size_t				 max_queued;
	struct event			*budget_ev;
	struct event			*flush_more;	/* next turn's seals */
	size_t				 turn_sealed;	/* in this turn */
	size_t				 nflush;	/* links on flushq */
	struct buf			 scratch;	/* a BATCH being sealed */
	struct chunk			*fan;
	const uint8_t			*fan_src;
	int				 fan_on;
	struct roomlog			*log;
	struct event			*commit_ev;	/* end of a turn */
	struct event			*tick_timer;
	unsigned			 ticks;
	int				 log_failing;	/* last commit failed */
	struct cluster			*cl;		/* --nats; or NULL */
	struct jslog			*js;		/* --nats: the rooms' logs
							 * on JetStream */
};

/* What `sotto relay` was asked for.  The limits (addrlim.h has the
 * defaults): two of them are test hooks, left out of --help like
 * --misbehave: '--puzzle-bits N' challenges every HELLO at N bits, and
 * '--max-silent N' lowers the cap on connections before a valid HELLO,
 * so that the tests see the puzzle and the shedding at a small scale. */
struct relay_opts {
	const char		*listen_addr;
	int			 port;
	const char		*dir;
	int			 no_log;
	long			 hold;		/* seconds */
	struct roomlog_limits	 lim;
	struct relay_misbehave	 mb;
	uint32_t		 max_per_addr;	/* --max-per-address; 0: none */
	uint32_t		 member_rate;	/* --member-rate; 0: none */
	int			 puzzle_bits;	/* --puzzle-bits (test hook) */
	uint32_t		 max_silent;	/* --max-silent (test hook);
						 * 0: default */
	int			 no_puzzle;	/* --no-puzzle */
	int			 no_splice;	/* --no-splice; -1: --rdv-v1
						 * (test hook: no §21.7) */
	size_t			 max_queued;	/* --max-queued */
	char			*nats;		/* --nats URLs, joined by
						 * commas; NULL: no cluster */
	unsigned		 node;		/* --node */
};

static struct relay_link *
link_of(struct rroom_member *m)
{
	return (struct relay_link *)(void *)((char *)m -
	    offsetof(struct relay_link, m));
}

static void
misbehave_forget(struct relay *r)
{
	free(r->mb.held);
	r->mb.held = NULL;
	r->mb.held_for = NULL;
}

static void
ms_to_tv(int64_t ms, struct timeval *tv)
{
	if (ms < 0)
		ms = 0;
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)((ms % 1000) * 1000);
}

/* --- flow control ------------------------------------------------------- */

static void
pause_one(struct rroom_member *m, void *arg)
{
	struct relay_link *l;

	if (m->remote)		/* cluster: on another node */
		return;
	l = link_of(m);
	/* One held for its rate stays held (rate_timer_cb lets it go). */
	if (l->state == LINK_MEMBER && !l->rate_paused)
		conn_pause(l->c, *(const int *)arg);
}

/* Holds back or lets go every member of l's room. */
static void
pause_room(struct relay_link *l, int paused)
{
	rroom_foreach(&l->m, pause_one, &paused);
}

static void
stall_timer_arm(struct relay *r, int64_t now)
{
	struct relay_link *l = TAILQ_FIRST(&r->backed);
	struct timeval tv;

	if (l == NULL || evtimer_pending(r->stall_timer, NULL))
		return;
	ms_to_tv(l->stall - now, &tv);
	evtimer_add(r->stall_timer, &tv);
}

/* l has more than RELAY_HIGH_WATER queued. */
static void
backlog_start(struct relay_link *l)
{
	struct relay *r = l->r;
	int64_t now;

	if (l->is_backed)
		return;
	now = mono_ms();
	l->is_backed = 1;
	l->stall = now + RELAY_STALL_TIMEOUT * 1000;
	TAILQ_INSERT_TAIL(&r->backed, l, backed);
	stall_timer_arm(r, now);
	if (rroom_busy_add(&l->m, 1) == 1)
		pause_room(l, 1);
}

/* l's backlog is gone, or l is going: call before it leaves its room. */
static void
backlog_end(struct relay_link *l)
{
	struct relay *r = l->r;

	if (!l->is_backed)
		return;
	l->is_backed = 0;
	TAILQ_REMOVE(&r->backed, l, backed);
	if (rroom_busy_add(&l->m, -1) == 0)
		pause_room(l, 0);
}

/* --- ending links ------------------------------------------------------ */

static void
waiting_remove(struct relay *r, struct relay_link *l)
{
	if (!l->is_waiting)
		return;
	if (l->is_waiting == 2)
		TAILQ_REMOVE(&r->visitq, l, waiting);
	else
		TAILQ_REMOVE(&r->waiting, l, waiting);
	l->is_waiting = 0;
}

static void	link_flush(struct relay_link *);
static void	batch_drop(struct relay_link *);
static void	link_pump(struct relay_link *);
static void	join_timer_arm(struct relay *, int64_t);
static void	link_seal(struct relay_link *, int);
static void	link_seal_final(struct relay_link *);
static void	flush_later(struct relay_link *);
static void	relay_commit(struct relay *);
static void	flush_cb(evutil_socket_t, short, void *);
static void	link_drained_some(struct relay_link *);

/* l's handshake is over: established, or the link is ending. */
static void
link_hs_done(struct relay_link *l)
{
	struct relay *r = l->r;

	if (!l->in_hs)
		return;
	l->in_hs = 0;
	TAILQ_REMOVE(&r->hsq, l, stageq);
	r->nhs--;
	addrlim_handshake_done(l->la);
	admit_set_load(r->adm, r->nhs, ADDRLIM_MAX_HANDSHAKES);
}

static void
rate_remove(struct relay_link *l)
{
	if (!l->rate_paused)
		return;
	l->rate_paused = 0;
	TAILQ_REMOVE(&l->r->rateq, l, stageq);
}

/* The one teardown path: mark, and free from reap_cb. */
static void
link_end(struct relay_link *l)
{
	struct relay *r = l->r;

	if (l->state == LINK_DEAD)
		return;
	l->state = LINK_DEAD;
	if (l->cl != NULL)	/* cluster: a cut */
		cluster_gone(r->cl, &l->cl, 0);
	waiting_remove(r, l);
	link_hs_done(l);
	rate_remove(l);
	/* Its output is never going out: off the budget now (the sealed
	 * part is freed with the conn, in reap_cb). */
	batch_drop(l);
	r->sealed_total -= l->sealed;
	l->sealed = 0;
	l->reap_next = r->reap;
	r->reap = l;
	event_active(r->reap_ev, 0, 0);
}

/*
 * l is dropped for not reading: as link_end, and its socket is reset when
 * closed, not left to the kernel to flush -- it would keep the unread
 * bytes and the connection (an orphan) for minutes of retries against a
 * peer that will never read them.
 */
static void
link_drop(struct relay_link *l)
{
	l->reset = 1;
	link_end(l);
}

/* Says goodbye (an ERROR was queued already, if any): the link leaves its
 * room now and ends once the peer has had our final record. */
static void
link_close(struct relay_link *l)
{
	struct relay *r = l->r;

	if (l->state != LINK_WAIT_JOIN && l->state != LINK_MEMBER &&
	    l->state != LINK_VISITOR && l->state != LINK_RDV &&
	    !(l->state == LINK_CLOSING && l->bye))
		return;
	link_flush(l);
	link_seal_final(l);
	l->state = LINK_CLOSING;
	l->bye = 0;
	waiting_remove(r, l);
	backlog_end(l);
	rroom_leave(r->hub, &l->m);
	/* It must read to see the peer's goodbye. */
	conn_pause(l->c, 0);
	conn_close(l->c);
}

static void
reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l;

	(void)fd;
	(void)what;
	/* Leaving tells the others, which can end more links (slow
	 * readers): they join the queue and are reaped in this loop. */
	while ((l = r->reap) != NULL) {
		r->reap = l->reap_next;
		if (r->mb.held_for == l)
			misbehave_forget(r);
		batch_drop(l);
		backlog_end(l);
		rdv_gone(r->rdv, l->rdv, mono_ms());
		/* A link that just went: its seat is held (a cut). */
		rroom_cut(r->hub, &l->m, mono_ms());
		LIST_REMOVE(l, all);
		r->nlinks--;
		addrlim_release(l->la);
		if (l->reset)
			conn_reset(l->c);
		conn_free(l->c);
		free(l);
	}
	if (r->stopping && r->nlinks == 0)
		event_base_loopbreak(r->base);
}

/* --- the rooms' way out --------------------------------------------------- */

/* What l has not taken yet: sealed in its output, and referenced in its
 * queue (a shared chunk counts in full: it is what l has not read). */
static size_t
link_queued(const struct relay_link *l)
{
	return conn_pending(l->c) + chunkq_bytes(&l->q) +
	    chunkq_overhead(&l->q);
}

/* Brings r->sealed_total up to date with l's output. */
static void
link_account(struct relay_link *l)
{
	struct relay *r = l->r;
	size_t now = conn_pending(l->c);

	r->sealed_total = r->sealed_total - l->sealed + now;
	l->sealed = now;
}

/* What all the links' output holds: the chunks (each once) and what
 * has been sealed and not yet taken by the kernel. */
static size_t
relay_held(const struct relay *r)
{
	return r->cst.bytes + r->sealed_total;
}

/* Over the budget: budget_cb runs once this turn's writes are done. */
static void
budget_arm(struct relay *r)
{
	struct timeval tv = { 0, 0 };

	if (relay_held(r) > r->max_queued &&
	    !evtimer_pending(r->budget_ev, NULL))
		evtimer_add(r->budget_ev, &tv);
}

/* A link that may still be given output. */
static int
link_open(const struct relay_link *l)
{
	return l->state == LINK_WAIT_JOIN || l->state == LINK_MEMBER ||
	    l->state == LINK_VISITOR || (l->state == LINK_CLOSING && l->bye);
}

static void
flushq_remove(struct relay_link *l)
{
	if (l->in_flushq) {
		TAILQ_REMOVE(&l->r->flushq, l, flushq);
		l->in_flushq = 0;
		l->r->nflush--;
	}
}

/* Drops l's queue without sending it (the link is going). */
static void
batch_drop(struct relay_link *l)
{
	flushq_remove(l);
	chunkq_clear(&l->q);
}

static int
is_deliver(const struct chunk *ch)
{
	const uint8_t *p = chunk_data(ch);

	return p[0] == RELAYMSG_DELIVER || p[0] == RELAYMSG_DELIVER_DIRECT;
}

/*
 * Seals what l's queue holds, oldest first, and frees the references as
 * it goes: lazily (all 0) one record at a time while the kernel has room
 * (conn_room: nothing left over in the output, fewer than
 * RELAY_SEAL_WINDOW bytes unsent), each written at once; or everything,
 * into the output, before a close (all 1).  So a member that doesn't
 * read holds references to shared chunks and at most what the kernel
 * took, never sealed copies in the relay.  Consecutive DELIVERs go out as
 * one BATCH record of up to RELAYMSG_MAX_BATCH bytes, a lone message as
 * itself: the per-record cost (seal, frame, write) is paid once per
 * batch, and the more a member lags the more a batch carries.  The lazy
 * writes reach the peer at once: only from flush_cb, after the commit.
 */
static void
link_seal(struct relay_link *l, int all)
{
	struct buf *s = &l->r->scratch;
	struct chunk *ch, *nx;
	const uint8_t *p;
	size_t n, i, total, len;
	int rc;

	while (link_open(l) && (ch = chunkq_peek(&l->q, 0)) != NULL) {
		if (!all && !conn_room(l->c)) {
			/* The kernel is full: told when it has room. */
			if (conn_pending(l->c) == 0)
				conn_want_write(l->c);
			break;
		}
		n = 1;
		if (is_deliver(ch)) {
			total = 1 + 4 + chunk_len(ch);
			while ((nx = chunkq_peek(&l->q, n)) != NULL &&
			    is_deliver(nx) && total + 4 + chunk_len(nx) <=
			    RELAYMSG_MAX_BATCH) {
				total += 4 + chunk_len(nx);
				n++;
			}
		}
		/* Rewound, not wiped: it holds what the chunks hold, which
		 * are not wiped either (the relay's view: ciphertext blobs
		 * and routing), and wiping its whole allocation per record
		 * was a third of the relay's instructions. */
		if (n > 1)
			(void)buf_consume(s, buf_len(s));
		for (i = 0; n > 1 && i < n; i++) {
			nx = chunkq_peek(&l->q, i);
			if (relaymsg_put_batch_item(s, chunk_data(nx),
			    chunk_len(nx)) != 0) {
				n = 1;	/* cannot happen: sizes checked */
				break;
			}
		}
		p = n == 1 ? chunk_data(ch) : buf_ptr(s);
		len = n == 1 ? chunk_len(ch) : buf_len(s);
		if ((rc = all ? conn_send(l->c, p, len) :
		    conn_send_now(l->c, p, len)) != 0) {
			relay_log(RELAY_LOG_WARN, "%s: cannot send: %s",
			    conn_peer_addr(l->c), err_str(rc));
			link_end(l);	/* the queue goes with it */
			return;
		}
		for (i = 0; i < n; i++)
			chunkq_pop(&l->q);
		l->r->turn_sealed += len;
	}
	if (l->state == LINK_DEAD)
		return;
	link_account(l);
	/* What the kernel took straight away never comes back as a
	 * 'drained' call: the same follow-up here. */
	if (!all)
		link_drained_some(l);
}

/*
 * Before l's final record: what it has queued, sealed.  A member that is
 * behind (over RELAY_HIGH_WATER unread) is not reading: its backlog is
 * dropped rather than sealed -- sealing it for every such member at once
 * (a shutdown) would undo the budget -- and only a last message that is
 * not a DELIVER (the ERROR saying why) goes.  What it missed is in the
 * log for a RESUME.
 */
static void
link_seal_final(struct relay_link *l)
{
	struct chunk *last;

	if (link_queued(l) > RELAY_HIGH_WATER) {
		last = chunkq_peek(&l->q, chunkq_count(&l->q) - 1);
		if (last != NULL && !is_deliver(last)) {
			while (chunkq_count(&l->q) > 1)
				chunkq_pop(&l->q);
		} else
			chunkq_clear(&l->q);
	}
	link_seal(l, 1);
}

/* l's next record is small (chat, events), or an ACCEPTED is due. */
static int
link_small(const struct relay_link *l)
{
	const struct chunk *ch = chunkq_peek(&l->q, 0);

	return l->ack_due || ch == NULL || chunk_len(ch) <= RELAY_SMALL_MSG;
}

/* The member caps (relay.h), once l's output has grown. */
static void
link_check(struct relay_link *l)
{
	size_t queued = link_queued(l);

	/* Past the hard cap whatever the reason: dropped.  Past the high
	 * water mark: the room waits a little for it (backlog_start). */
	if (queued > RELAY_MAX_OUTPUT) {
		relay_log(RELAY_LOG_WARN, "%s: member %lu not reading "
		    "(%zu bytes queued): disconnected", conn_peer_addr(l->c),
		    (unsigned long)l->m.id, queued);
		link_drop(l);
	} else if (queued > RELAY_HIGH_WATER && l->state == LINK_MEMBER)
		backlog_start(l);
}

/*
 * Queues a reference to ch for l (the caller keeps its own), to be sealed
 * at the end of this turn or as l drains.  A link that cannot take it
 * (out of memory) ends.
 */
static void
link_push(struct relay_link *l, struct chunk *ch)
{
	if (!link_open(l))
		return;
	if (chunkq_push(&l->q, ch) != 0) {
		relay_log(RELAY_LOG_WARN, "%s: cannot queue output (out of "
		    "memory)", conn_peer_addr(l->c));
		link_end(l);
		return;
	}
	link_check(l);
	if (l->state != LINK_DEAD)
		flush_later(l);
}

/* Queues a copy of p for l, after whatever l has queued already. */
static void
link_send(struct relay_link *l, const uint8_t *p, size_t len)
{
	struct chunk *ch;

	/* Spliced (§21.7): its stream is the 1:1 channel's, no record of
	 * ours goes in (the SHUTDOWN notice, for one). */
	if (!link_open(l) || conn_raw(l->c))
		return;
	if ((ch = chunk_new(&l->r->cst, p, len)) == NULL) {
		relay_log(RELAY_LOG_WARN, "%s: cannot queue output (out of "
		    "memory)", conn_peer_addr(l->c));
		link_end(l);
		return;
	}
	link_push(l, ch);
	chunk_unref(ch);
}

/* The end of l's turn: one ACCEPTED per link per turn, for the seat's
 * highest cseq, after what the turn queued; then sealing starts. */
static void
link_flush(struct relay_link *l)
{
	struct buf *a = &l->r->ackmsg;

	flushq_remove(l);
	/* Held while the room's log on JetStream is behind (§15.11): sent
	 * when it caught up (relay_js_news). */
	if (l->ack_due && (rroom_member_room(&l->m) == NULL ||
	    jslog_durable(l->r->js, rroom_member_room(&l->m)))) {
		l->ack_due = 0;
		buf_reset(a);
		if (relaymsg_put_accepted(a, rroom_member_cseq(&l->m)) == 0)
			link_send(l, buf_ptr(a), buf_len(a));
		flushq_remove(l);
	}
	link_seal(l, 0);
}

/*
 * l's output went down: its room may go on (its backlog is gone) and a
 * replay may feed it more.  From 'drained' and after lazy sealing, whose
 * writes the kernel may take without a 'drained' ever coming.
 */
static void
link_drained_some(struct relay_link *l)
{
	if (l->is_backed && l->state == LINK_MEMBER &&
	    link_queued(l) <= CONN_LOW_WATER)
		backlog_end(l);
	link_pump(l);
}

/* l is to be flushed at the end of this turn. */
static void
flush_later(struct relay_link *l)
{
	if (!l->in_flushq) {
		TAILQ_INSERT_TAIL(&l->r->flushq, l, flushq);
		l->in_flushq = 1;
		l->r->nflush++;
		event_active(l->r->flush_ev, 0, 0);
	}
}

/* The next turn: a new sealing budget. */
static void
flush_more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	r->turn_sealed = 0;
	flush_cb(fd, what, arg);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };
	struct relay *r = arg;
	struct relay_link *l;
	size_t n;

	(void)fd;
	(void)what;
	/* What is written here reaches the peers at once: the turn's log
	 * goes first (usually commit_cb has run already). */
	if (r->log != NULL && roomlog_in_transaction(r->log))
		relay_commit(r);
	/* Once per link queued now; those deferred go round again. */
	for (n = r->nflush; n > 0 && (l = TAILQ_FIRST(&r->flushq)) != NULL;
	    n--) {
		/*
		 * Sealing a large broadcast for a thousand members is a
		 * hundred milliseconds and more: past RELAY_SEAL_PER_TURN in
		 * a turn, a link whose next message is large waits for the
		 * next turn (a zero timer, as for accepts), after the sockets
		 * that are ready now, while small messages -- chat in every
		 * other room -- still go out in this one.
		 */
		if (r->turn_sealed >= RELAY_SEAL_PER_TURN && !link_small(l)) {
			TAILQ_REMOVE(&r->flushq, l, flushq);
			TAILQ_INSERT_TAIL(&r->flushq, l, flushq);
			continue;
		}
		link_flush(l);
	}
	if (TAILQ_EMPTY(&r->flushq))
		r->turn_sealed = 0;
	else if (!evtimer_pending(r->flush_more, NULL))
		evtimer_add(r->flush_more, &zero);
	budget_arm(r);
}

/* Most unread data first. */
static int
by_queued(const void *a, const void *b)
{
	size_t qa = link_queued(*(struct relay_link *const *)a);
	size_t qb = link_queued(*(struct relay_link *const *)b);

	return qa < qb ? 1 : qa > qb ? -1 : 0;
}

/*
 * Over the output budget (--max-queued) once this turn's writes are done:
 * the links holding the most unread data are dropped, one after the other,
 * until what is held fits -- Redis's client-output-buffer limit, global.
 * They are marked here and freed by reap_cb before the loop sleeps.  A
 * scan of every link, but only when over the budget, which a relay whose
 * members read never is.
 */
static void
budget_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l, **v = NULL;
	size_t n = 0, i, before;

	(void)fd;
	(void)what;
	LIST_FOREACH(l, &r->links, all)
		if (l->state != LINK_DEAD)
			link_account(l);
	if ((before = relay_held(r)) <= r->max_queued)
		return;
	if (r->nlinks == 0 || (v = calloc(r->nlinks, sizeof(*v))) == NULL)
		return;
	LIST_FOREACH(l, &r->links, all)
		if (l->state != LINK_DEAD && n < r->nlinks &&
		    link_queued(l) > 0)
			v[n++] = l;
	qsort(v, n, sizeof(*v), by_queued);
	for (i = 0; i < n && relay_held(r) > r->max_queued; i++) {
		if (i < 3)
			relay_log(RELAY_LOG_WARN, "%s: member %lu holds %zu "
			    "bytes unread: dropped (output budget)",
			    conn_peer_addr(v[i]->c),
			    (unsigned long)v[i]->m.id, link_queued(v[i]));
		link_drop(v[i]);
	}
	relay_log(RELAY_LOG_WARN, "queued output over its budget (%zu of "
	    "%zu bytes): dropped %zu links holding the most unread data, "
	    "%zu bytes left", before, r->max_queued, i, relay_held(r));
	free(v);
}

/* rroom's lobby hook: in a cluster, visitors of that door on other nodes
 * are sent here. */
static void
relay_lobby(void *arg, const uint8_t lobby_id[16])
{
	struct relay *r = arg;

	if (r->cl != NULL)
		cluster_lobby(r->cl, lobby_id);
}

/* rroom's fanout hook: the sends between begin and end carry the same
 * message, stored once (r->fan). */
static void
relay_fanout(void *arg, int begin)
{
	struct relay *r = arg;

	chunk_unref(r->fan);
	r->fan = NULL;
	r->fan_src = NULL;
	r->fan_on = begin;
}

/* The test hook (see enum misbehave): 1 if it sent (or didn't) the
 * DELIVER p itself. */
static int
misbehave(struct relay *r, struct relay_link *l, const uint8_t *p, size_t len)
{
	uint8_t *q;

	if (r->mb.held != NULL && r->mb.held_for == l) {
		link_send(l, p, len);
		link_send(l, r->mb.held, r->mb.held_len);
		misbehave_forget(r);
		return 1;
	}
	if (++r->mb.seen != r->mb.n)
		return 0;
	relay_log(RELAY_LOG_WARN, "%s: misbehaving with DELIVER #%lu, as "
	    "asked", conn_peer_addr(l->c), r->mb.seen);
	if (r->mb.action == MB_DROP)
		return 1;
	if (r->mb.action == MB_DUP) {
		link_send(l, p, len);
		link_send(l, p, len);
		return 1;
	}
	if ((q = malloc(len)) == NULL)
		return 0;
	memcpy(q, p, len);
	if (r->mb.action == MB_FLIP) {
		q[len - 1] ^= 0x01;	/* inside the blob: DELIVER has >= 6 */
		link_send(l, q, len);
		free(q);
		return 1;
	}
	r->mb.held = q;
	r->mb.held_len = len;
	r->mb.held_for = l;
	return 1;
}

static void
relay_send(void *arg, struct rroom_member *m, const uint8_t *p, size_t len)
{
	struct relay *r = arg;
	struct relay_link *l;

	if (m->remote) {	/* cluster: a member on another node */
		cluster_remote_send(r->cl, m, p, len);
		return;
	}
	l = link_of(m);
	if (r->mb.action != MB_NONE && len > 0 && p[0] == RELAYMSG_DELIVER &&
	    misbehave(r, l, p, len))
		return;
	if (!r->fan_on || !link_open(l)) {
		link_send(l, p, len);
		return;
	}
	/* A broadcast: made once, the first time, and referenced by each. */
	if (r->fan != NULL && (r->fan_src != p || chunk_len(r->fan) != len)) {
		link_send(l, p, len);	/* not the fan-out's message */
		return;
	}
	if (r->fan == NULL) {
		if ((r->fan = chunk_new(&r->cst, p, len)) == NULL) {
			link_send(l, p, len);
			return;
		}
		r->fan_src = p;
	}
	link_push(l, r->fan);
}

static void
stall_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	while ((l = TAILQ_FIRST(&r->backed)) != NULL && l->stall <= now) {
		/* (One the budget dropped already is on its way out.) */
		if (l->state != LINK_DEAD)
			relay_log(RELAY_LOG_WARN, "%s: member %lu not reading "
			    "(%zu bytes still queued after %d s): "
			    "disconnected", conn_peer_addr(l->c),
			    (unsigned long)l->m.id, link_queued(l),
			    RELAY_STALL_TIMEOUT);
		/* Dead first, so that letting the room go skips it. */
		link_drop(l);
		backlog_end(l);
	}
	stall_timer_arm(r, now);
}

/* --- replay, eviction and the log --------------------------------------- */

/* Feeds a resumed link what it missed, as fast as it drains. */
static void
link_pump(struct relay_link *l)
{
	struct relay *r = l->r;
	size_t queued;
	int rc;

	while (l->m.replaying && l->state == LINK_MEMBER) {
		queued = link_queued(l);
		if (queued >= RELAY_REPLAY_WINDOW)
			break;
		if ((rc = rroom_replay(r->hub, &l->m, RELAY_REPLAY_CHUNK)) <
		    0)
			relay_log(RELAY_LOG_ERROR, "%s: cannot read the room "
			    "log: %s", conn_peer_addr(l->c), err_str(rc));
		if (rc <= 0)
			break;
	}
}

/* Another link took l's seat: l goes, without a word to anyone. */
static void
relay_evict(void *arg, struct rroom_member *m)
{
	struct relay *r = arg;
	struct relay_link *l;

	if (m->remote) {	/* cluster: a member on another node */
		cluster_remote_evict(r->cl, m);
		return;
	}
	l = link_of(m);
	relay_log(RELAY_LOG_INFO, "%s: member %lu resumed on another "
	    "connection: dropping this one", conn_peer_addr(l->c),
	    (unsigned long)m->id);
	backlog_end(l);
	batch_drop(l);
	link_end(l);
}

static void
relay_wrote(void *arg)
{
	struct relay *r = arg;

	event_active(r->commit_ev, 0, 0);
}

/* Opens the turn's transaction (for writes outside rroom). */
static void
log_txn(struct relay *r)
{
	if (!roomlog_in_transaction(r->log) &&
	    roomlog_begin(r->log, (uint64_t)time(NULL)) == 0)
		relay_wrote(r);
}

/* m's room caught up on JetStream: its held ACCEPTED goes. */
static void
ack_kick(struct rroom_member *m, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l;

	if (m->remote) {
		cluster_remote_kick(r->cl, m);
		return;
	}
	l = link_of(m);
	if (l->ack_due)
		flush_later(l);
}

/*
 * Cluster: what JetStream's log says.  Rooms whose log caught up have
 * their held ACCEPTEDs sent.  Rooms another node took over meanwhile
 * (their log moved on without this node) are given up: their members
 * resume through the owner.  Not a write of the room's.
 */
static void
relay_js_news(struct relay *r)
{
	uint8_t id[RELAYMSG_ROOM_ID_BYTES];

	while (jslog_next_durable(r->js, id))
		rroom_foreach_in(r->hub, id, ack_kick, r);
	while (jslog_next_fenced(r->js, id)) {
		log_txn(r);
		roomlog_mirror_pause(r->log, 1);
		rroom_hub_abandon(r->hub, id);
		roomlog_mirror_pause(r->log, 0);
		cluster_room_lost(r->cl, id);
	}
	sodium_memzero(id, sizeof(id));
}

/* The end of a turn: the seats that changed, then one commit. */
static void
relay_commit(struct relay *r)
{
	int rc;

	if ((rc = rroom_flush(r->hub)) != 0 && !r->log_failing)
		relay_log(RELAY_LOG_ERROR, "cannot write seats to the room "
		    "log: %s", err_str(rc));
	if ((rc = roomlog_commit(r->log)) != 0) {
		if (!r->log_failing)
			relay_log(RELAY_LOG_ERROR, "cannot commit the room log "
			    "(%s): going on without it until it works again",
			    err_str(rc));
		r->log_failing = 1;
	} else if (r->log_failing) {
		relay_log(RELAY_LOG_INFO, "the room log works again");
		r->log_failing = 0;
	}
	relay_js_news(r);
}

static void
commit_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	relay_commit(arg);
}

/* Holds that ran out, and now and then the log's bounds. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	long n;

	(void)fd;
	(void)what;
	rroom_expire(r->hub, mono_ms());
	rroom_tell_waiting(r->hub);
	jslog_tick(r->js);
	relay_js_news(r);
	rdv_tick(r->rdv, mono_ms());
	if (++r->ticks % RELAY_TRIM_TICKS != 0)
		return;
	log_txn(r);
	if ((n = roomlog_trim(r->log, (uint64_t)time(NULL))) < 0)
		relay_log(RELAY_LOG_ERROR, "cannot trim the room log: %s",
		    err_str((int)n));
	else if (n > 0)
		relay_log(RELAY_LOG_INFO, "room log: %ld old events dropped",
		    n);
}

/* --- a link's callbacks ------------------------------------------------- */

static void
link_drained(struct conn *c, void *arg)
{
	struct relay_link *l = arg;

	(void)c;
	if (l->state != LINK_DEAD)
		link_account(l);
	if (chunkq_count(&l->q) > 0)
		flush_later(l);
	if (l->rdv != NULL)
		rdv_drained(l->r->rdv, l->rdv);
	link_drained_some(l);
}

static void
link_established(struct conn *c, void *arg)
{
	struct relay_link *l = arg;

	(void)c;
	link_hs_done(l);
	tbucket_init(&l->rate, l->r->member_rate * ADDRLIM_MEMBER_BURST_S,
	    mono_ms());
	if (l->state == LINK_HANDSHAKE)
		l->state = LINK_WAIT_JOIN;
}

/*
 * Charges l for a message of len bytes (addrlim.h): a member in debt is
 * not read from until it is paid off, so a flood slows its sender down
 * and nobody else.  Nothing is dropped.
 */
static void
link_rate(struct relay_link *l, size_t len)
{
	struct relay *r = l->r;
	struct timeval tv;
	int64_t now = mono_ms(), wait;

	if (r->member_rate == 0 || l->rate_paused)
		return;
	wait = tbucket_charge(&l->rate, r->member_rate,
	    r->member_rate * ADDRLIM_MEMBER_BURST_S,
	    1 + (uint32_t)(len / ADDRLIM_MSG_BYTES), now);
	if (wait == 0)
		return;
	if (!l->rate_logged)
		relay_log(RELAY_LOG_WARN, "%s: member %lu over its message "
		    "rate (%u a second): slowed down", conn_peer_addr(l->c),
		    (unsigned long)l->m.id, (unsigned)r->member_rate);
	l->rate_logged = 1;
	l->rate_paused = 1;
	l->rate_until = now + wait;
	TAILQ_INSERT_TAIL(&r->rateq, l, stageq);
	conn_pause(l->c, 1);
	if (!evtimer_pending(r->rate_timer, NULL)) {
		ms_to_tv(RELAY_RATE_TICK_MS, &tv);
		evtimer_add(r->rate_timer, &tv);
	}
}

static void
rate_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l, *next;
	struct timeval tv;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	for (l = TAILQ_FIRST(&r->rateq); l != NULL; l = next) {
		next = TAILQ_NEXT(l, stageq);
		if (l->rate_until > now)
			continue;
		rate_remove(l);
		/* Unless its room is being held back meanwhile. */
		if (l->state == LINK_MEMBER && rroom_busy_add(&l->m, 0) == 0)
			conn_pause(l->c, 0);
	}
	if (!TAILQ_EMPTY(&r->rateq)) {
		ms_to_tv(RELAY_RATE_TICK_MS, &tv);
		evtimer_add(r->rate_timer, &tv);
	}
}

static const char *
error_name(uint8_t code)
{
	switch (code) {
	case RELAYMSG_ERR_PROTOCOL:	return "protocol error";
	case RELAYMSG_ERR_NAME_TAKEN:	return "name taken";
	case RELAYMSG_ERR_BAD_NAME:	return "invalid name";
	case RELAYMSG_ERR_ROOM_FULL:	return "room full";
	case RELAYMSG_ERR_NO_MEMBER:	return "no such member";
	case RELAYMSG_ERR_NO_SEAT:	return "no such seat";
	case RELAYMSG_ERR_RATE:		return "over a limit";
	case RELAYMSG_ERR_LOBBY_TAKEN:	return "door taken";
	}
	return "refused";
}

/* Too many rooms created from l's address: ERROR 9, and l goes (taking
 * the room it made with it, as its only member). */
static void
link_refuse_room(struct relay_link *l)
{
	struct buf b;

	relay_log(RELAY_LOG_WARN, "%s: too many rooms created from this "
	    "address (%d a minute): closing", conn_peer_addr(l->c),
	    ADDRLIM_ROOMS_PER_MIN);
	buf_init(&b, 128);
	if (relaymsg_put_error(&b, RELAYMSG_ERR_RATE, "too many rooms "
	    "created from your address; try again later") == 0)
		link_send(l, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	link_close(l);
}

/* --- rendezvous (rendezvous.h): the links it acts on ------------------ */

static void
rdv_send(void *link, const uint8_t *p, size_t len)
{
	struct relay_link *l = link;
	int rc;

	if (l->state != LINK_RDV && l->state != LINK_WAIT_JOIN)
		return;
	/* Spliced, this writes the bytes as they are (conn_raw_output). */
	if ((rc = conn_send(l->c, p, len)) != 0) {
		relay_log(RELAY_LOG_WARN, "%s: cannot send: %s",
		    conn_peer_addr(l->c), err_str(rc));
		link_end(l);
	}
}

static void
rdv_close(void *link)
{
	link_close(link);
}

static void
rdv_pause(void *link, int paused)
{
	struct relay_link *l = link;

	conn_pause(l->c, paused);
}

static size_t
rdv_pending(void *link)
{
	struct relay_link *l = link;

	return conn_pending(l->c);
}

static const char *
rdv_addr(void *link)
{
	struct relay_link *l = link;

	return conn_peer_addr(l->c);
}

static void
rdv_raw_output(void *link)
{
	struct relay_link *l = link;

	(void)conn_raw_output(l->c);
}

static void
rdv_raw_input(void *link)
{
	struct relay_link *l = link;

	(void)conn_raw_input(l->c);
}

static void
rdv_half_close(void *link)
{
	struct relay_link *l = link;

	if (l->state == LINK_RDV)
		conn_close(l->c);	/* raw: our EOF once its bytes are out */
}

static const struct rdv_ops rdv_link_ops = {
	rdv_send, rdv_close, rdv_pause, rdv_pending, rdv_addr,
	rdv_raw_output, rdv_raw_input, rdv_half_close
};

/* A rendezvous message, or the first one making l a rendezvous link. */
static void
rdv_link_message(struct relay_link *l, const uint8_t *p, size_t len)
{
	/* "My address?" before a JOIN: answered, and JOIN still due. */
	if (l->state == LINK_WAIT_JOIN && len == 1 && p[0] == RDVMSG_WHOAMI &&
	    !l->asked) {
		l->asked = 1;	/* once: a second one is a protocol error */
		rdv_whoami(l->r->rdv, l);
		return;
	}
	if (l->state == LINK_WAIT_JOIN) {
		waiting_remove(l->r, l);
		l->state = LINK_RDV;
	}
	(void)rdv_input(l->r->rdv, &l->rdv, l, l->la->key, p, len, mono_ms());
}
static void	link_input(struct relay_link *, const uint8_t *, size_t);

static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct relay_link *l = arg;
	int visitor;

	(void)c;
	/* Rendezvous (PROTOCOL 21) is this node's own: never clustered. */
	if (l->state == LINK_RDV || (l->state == LINK_WAIT_JOIN && len > 0 &&
	    rdvmsg_is_rdv(p[0]))) {
		rdv_link_message(l, p, len);
		return;
	}
	if (l->state != LINK_WAIT_JOIN && l->state != LINK_MEMBER &&
	    l->state != LINK_VISITOR)
		return;
	if (l->state == LINK_MEMBER)
		link_rate(l, len);
	/* cluster: a room owned by another node (or not known yet).  A
	 * visitor at a door of this node's has its JOIN taken as a first
	 * message too (its room may be another node's). */
	visitor = l->state == LINK_VISITOR && l->cl == NULL && len > 0 &&
	    p[0] == RELAYMSG_JOIN;
	if (l->r->cl != NULL && cluster_take(l->r->cl, &l->cl, l, p, len,
	    l->state == LINK_WAIT_JOIN || visitor)) {
		if (visitor)	/* its door was here, its room is not */
			rroom_leave(l->r->hub, &l->m);
		return;
	}
	link_input(l, p, len);
}

/* l is at a door (VISIT; here, or at another node's room): no seat, and
 * a longer deadline to knock and JOIN. */
static void
link_visiting(struct relay_link *l)
{
	waiting_remove(l->r, l);
	l->state = LINK_VISITOR;
	l->deadline = mono_ms() + RELAY_VISIT_TIMEOUT * 1000;
	TAILQ_INSERT_TAIL(&l->r->visitq, l, waiting);
	l->is_waiting = 2;
	join_timer_arm(l->r, mono_ms());
}

static void
link_input(struct relay_link *l, const uint8_t *p, size_t len)
{
	struct relay *r = l->r;
	struct conn *c = l->c;
	uint8_t code;
	size_t rooms;
	int rc;

	if (l->state != LINK_WAIT_JOIN && l->state != LINK_MEMBER &&
	    l->state != LINK_VISITOR)
		return;
	rooms = rroom_hub_rooms(r->hub);
	rc = rroom_input(r->hub, &l->m, p, len, &code);
	if (l->m.ack) {
		l->m.ack = 0;
		l->ack_due = 1;
		flush_later(l);
	}
	if (rc == 0) {
		if (l->state == LINK_WAIT_JOIN && l->m.is_visitor) {
			link_visiting(l);
			relay_log(RELAY_LOG_INFO, "%s: visitor %lu at a door "
			    "(%zu visitors)", conn_peer_addr(c),
			    (unsigned long)l->m.visitor,
			    rroom_hub_visitors(r->hub));
			return;
		}
		if ((l->state == LINK_WAIT_JOIN || l->state == LINK_VISITOR) &&
		    l->m.room != NULL) {
			waiting_remove(r, l);
			l->state = LINK_MEMBER;
			/* Its JOIN made a room: one of its address's. */
			if (rroom_hub_rooms(r->hub) > rooms &&
			    addrlim_room(r->lim, l->la, mono_ms()) != 0) {
				link_refuse_room(l);
				return;
			}
			/* Into a room that is being held back. */
			if (rroom_busy_add(&l->m, 0) > 0)
				conn_pause(c, 1);
			relay_log(RELAY_LOG_INFO, "%s: %s member %lu "
			    "(%zu in the room; %zu rooms, %zu members, %zu "
			    "away)", conn_peer_addr(c), p[0] == RELAYMSG_RESUME ?
			    "resumed as" : "joined as", (unsigned long)l->m.id,
			    rroom_size(&l->m), rroom_hub_rooms(r->hub),
			    rroom_hub_members(r->hub), rroom_hub_away(r->hub));
			link_pump(l);
		}
		return;
	}
	if (rc == RROOM_CLOSE) {
		relay_log(RELAY_LOG_WARN, "%s: %s: closing",
		    conn_peer_addr(c), error_name(code));
		link_close(l);
		return;
	}
	relay_log(RELAY_LOG_ERROR, "%s: %s: dropping", conn_peer_addr(c),
	    err_str(rc));
	link_end(l);
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct relay_link *l = arg;

	if (l->state == LINK_DEAD)
		return;
	if (l->cl != NULL)	/* cluster: tell the room's owner */
		cluster_gone(l->r->cl, &l->cl, err == 0);
	/* The member's own close ends its seat; anything else is a cut,
	 * and the seat is held (reap_cb). */
	if (err == 0 && l->state == LINK_MEMBER) {
		backlog_end(l);
		rroom_leave(l->r->hub, &l->m);
	}
	if (l->state == LINK_MEMBER || (l->state == LINK_CLOSING &&
	    l->m.id != 0))
		relay_log(RELAY_LOG_INFO, "%s: member %lu %s%s%s",
		    conn_peer_addr(c), (unsigned long)l->m.id,
		    err != 0 && l->m.seat != NULL ? "cut, seat held" : "left",
		    err != 0 ? ": " : "", err != 0 ? err_str(err) : "");
	else if (l->state == LINK_HANDSHAKE)
		relay_log(RELAY_LOG_INFO, "%s: handshake failed: %s",
		    conn_peer_addr(c), err != 0 ? err_str(err) : "closed");
	else
		relay_log(RELAY_LOG_INFO, "%s: closed before joining%s%s",
		    conn_peer_addr(c), err != 0 ? ": " : "",
		    err != 0 ? err_str(err) : "");
	link_end(l);
}

static const struct conn_cbs link_cbs = {
	link_established, link_message, link_closed, link_drained
};

/* --- the JOIN deadline --------------------------------------------------- */

/*
 * Every link gets the same time to join, so the links waiting for JOIN
 * are in deadline order already: one timer, set for the oldest, is all
 * it takes (no timer per connection).
 */
static void
join_timer_arm(struct relay *r, int64_t now)
{
	struct relay_link *l = TAILQ_FIRST(&r->waiting);
	struct relay_link *v = TAILQ_FIRST(&r->visitq);
	struct timeval tv;

	if (l == NULL || (v != NULL && v->deadline < l->deadline))
		l = v;
	if (l == NULL)
		return;
	/* A visitor's deadline may come before the one set for. */
	if (evtimer_pending(r->join_timer, NULL))
		evtimer_del(r->join_timer);
	ms_to_tv(l->deadline > now ? l->deadline - now : 0, &tv);
	evtimer_add(r->join_timer, &tv);
}

/* ERROR 7 with text, and l is closed. */
static void
timed_out(struct relay_link *l, const char *text)
{
	struct buf b;

	buf_init(&b, 64);
	if (relaymsg_put_error(&b, RELAYMSG_ERR_TIMEOUT, text) == 0)
		link_send(l, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	link_close(l);
}

static void
join_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	while ((l = TAILQ_FIRST(&r->waiting)) != NULL && l->deadline <= now) {
		waiting_remove(r, l);
		if (l->state == LINK_HANDSHAKE) {
			relay_log(RELAY_LOG_INFO, "%s: no handshake within "
			    "%d s", conn_peer_addr(l->c), RELAY_JOIN_TIMEOUT);
			link_end(l);
			continue;
		}
		relay_log(RELAY_LOG_INFO, "%s: no JOIN or RESUME within %d s",
		    conn_peer_addr(l->c), RELAY_JOIN_TIMEOUT);
		timed_out(l, "no JOIN or RESUME in time");
	}
	while ((l = TAILQ_FIRST(&r->visitq)) != NULL && l->deadline <= now) {
		waiting_remove(r, l);
		relay_log(RELAY_LOG_INFO, "%s: visitor %lu: no JOIN within "
		    "%d s", conn_peer_addr(l->c), (unsigned long)l->m.visitor,
		    RELAY_VISIT_TIMEOUT);
		timed_out(l, "no JOIN in time after VISIT");
	}
	join_timer_arm(r, now);
}

/* --- accepting ------------------------------------------------------------ */

/* The admission stage (admit.h) let a connection through: its link and
 * channel are made now, and the HELLO it sent is handed to the channel. */
static void
admitted_cb(void *arg, int fd, const uint8_t hello[ADMIT_HELLO_LEN],
    struct addrlim_addr *la, int64_t accepted)
{
	struct relay *r = arg;
	struct chan_params cp;
	struct relay_link *l, *old;
	int64_t now;
	int sndbuf = RELAY_SNDBUF;

	(void)accepted;
	if (r->stopping || (l = calloc(1, sizeof(*l))) == NULL) {
		close(fd);
		goto fail;
	}
	rroom_member_init(&l->m);
	l->r = r;
	l->la = la;
	l->state = LINK_HANDSHAKE;
	memset(&cp, 0, sizeof(cp));
	cp.role = CHAN_SERVER;
	cp.password = NULL;	/* the link is authenticated by our key */
	cp.password_len = 0;
	cp.identity = r->id;
	cp.context = (const uint8_t *)RELAY_LINK_CONTEXT;
	cp.link = 1;
	cp.rekey_every = RELAY_REKEY_EVERY;
	cp.context_len = sizeof(RELAY_LINK_CONTEXT) - 1;
	chunkq_init(&l->q, &r->cst);
	/* A fixed, modest send buffer (relay.h): no autotuning to megabytes
	 * per link, which links that don't read would all reach. */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	if ((l->c = conn_new_input(r->base, fd, &cp, &r->timing, &link_cbs,
	    l, hello, ADMIT_HELLO_LEN)) == NULL) {
		relay_log(RELAY_LOG_WARN, "cannot set up a connection (out of "
		    "memory)");
		free(l);
		goto fail;
	}
	/* Sealed as the socket drains (link_seal). */
	conn_set_lazy(l->c, RELAY_SEAL_WINDOW);
	LIST_INSERT_HEAD(&r->links, l, all);
	r->nlinks++;
	now = mono_ms();
	/* JOIN is due 10 s after the HELLO (which was due 10 s after the
	 * connection): the waiting list stays in deadline order. */
	l->deadline = now + RELAY_JOIN_TIMEOUT * 1000;
	TAILQ_INSERT_TAIL(&r->waiting, l, waiting);
	l->is_waiting = 1;
	join_timer_arm(r, now);
	TAILQ_INSERT_TAIL(&r->hsq, l, stageq);
	l->in_hs = 1;
	r->nhs++;
	if (r->nhs > ADDRLIM_MAX_HANDSHAKES) {
		/* The oldest handshake makes room for the newest. */
		old = TAILQ_FIRST(&r->hsq);
		relay_log(RELAY_LOG_WARN, "%s: %d handshakes under way: "
		    "dropping the oldest", conn_peer_addr(old->c),
		    ADDRLIM_MAX_HANDSHAKES);
		link_end(old);
	}
	admit_set_load(r->adm, r->nhs, ADDRLIM_MAX_HANDSHAKES);
	relay_log(RELAY_LOG_INFO, "%s: connected (%zu connections)",
	    conn_peer_addr(l->c), r->nlinks);
	return;
 fail:
	addrlim_handshake_done(la);
	addrlim_release(la);
}

/*
 * A new connection costs nothing but its descriptor and admit.c's small
 * struct until it has sent a valid HELLO: no channel, no guarded memory.
 * Over its address's limits it is refused at once.
 */
static void
accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct relay *r = arg;
	struct addrlim_addr *la;
	int64_t now = mono_ms();
	int i;

	(void)lev;
	(void)salen;
	if (r->stopping) {
		close(fd);
		return;
	}
	if (++r->accepted_turn >= RELAY_ACCEPT_BATCH && !r->accept_paused) {
		/* Enough for this turn: go on once everything else that is
		 * ready has run. */
		struct timeval zero = { 0, 0 };

		for (i = 0; i < r->nlev; i++)
			evconnlistener_disable(r->lev[i]);
		evtimer_add(r->accept_more, &zero);
	}
	/* Out of descriptors (our budget): the oldest silent connection
	 * makes room, or this one goes. */
	if (r->nlinks + admit_count(r->adm) >= r->fd_budget &&
	    !admit_shed_oldest(r->adm)) {
		r->refused++;
		close(fd);
		return;
	}
	if ((la = addrlim_get(r->lim, sa, now)) == NULL) {
		close(fd);
		return;
	}
	if (addrlim_admit(r->lim, la) != 0) {
		r->refused++;
		admit_send_abort(fd, CHAN_ABORT_RETRY);
		close(fd);
		return;
	}
	(void)admit_add(r->adm, fd, sa, la, now);
}

/* Once a second: what the admission did, if anything; and now and then
 * the address entries nobody uses any more are let go. */
static void
stats_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct admit_stats st;
	struct timeval tv;
	int64_t now = mono_ms();

	(void)fd;
	(void)what;
	admit_get_stats(r->adm, &st);
	if (r->refused != r->refused_logged || st.challenges != r->last.challenges ||
	    st.shed != r->last.shed || st.bad != r->last.bad ||
	    st.timeouts != r->last.timeouts)
		relay_log(RELAY_LOG_INFO, "admission: %llu refused over a "
		    "limit, %llu shed, %llu silent too long, %llu challenged "
		    "(difficulty now %u bits), %llu proofs, %llu bad; %zu "
		    "waiting, %zu handshakes",
		    (unsigned long long)(r->refused - r->refused_logged),
		    (unsigned long long)(st.shed - r->last.shed),
		    (unsigned long long)(st.timeouts - r->last.timeouts),
		    (unsigned long long)(st.challenges - r->last.challenges),
		    (unsigned)admit_bits(r->adm, now),
		    (unsigned long long)(st.proofs - r->last.proofs),
		    (unsigned long long)(st.bad - r->last.bad),
		    admit_count(r->adm), r->nhs);
	r->refused_logged = r->refused;
	r->last = st;
	if (relay_held(r) > RELAY_MIN_MAX_QUEUED)
		relay_log(RELAY_LOG_INFO, "output: %zu bytes queued (%zu chunks "
		    "in %zu bytes, %zu bytes sealed), budget %zu",
		    relay_held(r), r->cst.chunks, r->cst.bytes,
		    r->sealed_total, r->max_queued);
	if (++r->stats_ticks % (RELAY_SWEEP_MS / 1000) == 0)
		(void)addrlim_sweep(r->lim, now);
	ms_to_tv(1000, &tv);
	evtimer_add(r->stats_timer, &tv);
}

static void
accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int i;

	(void)fd;
	(void)what;
	r->accept_paused = 0;
	if (r->stopping)
		return;
	for (i = 0; i < r->nlev; i++)
		evconnlistener_enable(r->lev[i]);
}

static void
accept_more_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	int i;

	(void)fd;
	(void)what;
	r->accepted_turn = 0;
	if (r->accept_paused || r->stopping)
		return;
	for (i = 0; i < r->nlev; i++)
		evconnlistener_enable(r->lev[i]);
}

static void
accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct relay *r = arg;
	int e = EVUTIL_SOCKET_ERROR(), i;
	struct timeval tv;

	(void)lev;
	if (e != EMFILE && e != ENFILE && e != ENOBUFS && e != ENOMEM) {
		relay_log(RELAY_LOG_WARN, "accept: %s", strerror(e));
		return;
	}
	/* The pending connection stays readable: without a pause this
	 * would spin.  Try again in a moment. */
	if (r->accept_paused)
		return;
	r->accept_paused = 1;
	relay_log(RELAY_LOG_WARN, "accept: %s (%zu connections): pausing "
	    "for %d ms", strerror(e), r->nlinks, RELAY_ACCEPT_PAUSE_MS);
	for (i = 0; i < r->nlev; i++)
		evconnlistener_disable(r->lev[i]);
	ms_to_tv(RELAY_ACCEPT_PAUSE_MS, &tv);
	evtimer_add(r->accept_timer, &tv);
}

/* --- stopping ------------------------------------------------------------- */

static void
stop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	relay_log(RELAY_LOG_INFO, "%zu connections did not close in time",
	    r->nlinks);
	event_base_loopbreak(r->base);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct relay *r = arg;
	struct relay_link *l;
	struct timeval tv;
	struct buf b;
	int i;

	(void)what;
	if (r->stopping) {
		relay_log(RELAY_LOG_INFO, "signal %d again: stopping now",
		    (int)sig);
		event_base_loopbreak(r->base);
		return;
	}
	r->stopping = 1;
	relay_log(RELAY_LOG_INFO, "signal %d: shutting down (%zu connections)",
	    (int)sig, r->nlinks);
	for (i = 0; i < r->nlev; i++)
		evconnlistener_free(r->lev[i]);
	r->nlev = 0;
	evtimer_del(r->accept_timer);
	evtimer_del(r->join_timer);
	evtimer_del(r->stall_timer);
	evtimer_del(r->tick_timer);

	/* Everyone is told first, so that the LEFTs of those leaving
	 * first go to nobody (they'd be noise, and n^2 of it). */
	LIST_FOREACH(l, &r->links, all) {
		if (l->state == LINK_HANDSHAKE)
			link_end(l);
		else if (l->state == LINK_WAIT_JOIN ||
		    l->state == LINK_MEMBER || l->state == LINK_VISITOR ||
		    l->state == LINK_RDV) {
			l->state = LINK_CLOSING;
			l->bye = 1;
		}
	}
	buf_init(&b, 64);
	(void)relaymsg_put_error(&b, RELAYMSG_ERR_SHUTDOWN,
	    "relay shutting down");
	LIST_FOREACH(l, &r->links, all)
		if (l->bye) {
			/* Seats are kept, in the log, for the next run. */
			backlog_end(l);
			rroom_detach(r->hub, &l->m);
			/* cluster: its seat is held on the owner node. */
			cluster_gone(r->cl, &l->cl, 0);
			link_send(l, buf_ptr(&b), buf_len(&b));
			link_close(l);
		}
	relay_commit(r);
	cluster_stop(r->cl);
	buf_release(&b);
	if (r->nlinks == 0) {
		event_base_loopbreak(r->base);
		return;
	}
	ms_to_tv(RELAY_SHUTDOWN_MS, &tv);
	evtimer_add(r->stop_timer, &tv);
}

/* --- setup ----------------------------------------------------------------- */

/* As many descriptors as we are allowed: each member is one.  Returns
 * the limit in force (0 if unknown). */
static size_t
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			/* An unlimited hard limit can't be the soft one for
			 * files; fs.nr_open's default can. */
			rl.rlim_cur = 1048576;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	relay_log(RELAY_LOG_INFO, "open file limit %llu",
	    (unsigned long long)rl.rlim_cur);
	return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > SIZE_MAX ?
	    SIZE_MAX : (size_t)rl.rlim_cur;
}

/* $XDG_STATE_HOME/sotto-relay, or ~/.local/state/sotto-relay. */
static int
default_state_dir(char *out, size_t outlen)
{
	const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (x != NULL && x[0] == '/')
		n = snprintf(out, outlen, "%s/%s", x, RELAY_STATE_SUBDIR);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/.local/state/%s", home,
		    RELAY_STATE_SUBDIR);
	else
		return ERR_INVALID_ARG;
	return n < 0 || (size_t)n >= outlen ? ERR_INVALID_ARG : 0;
}

static void
log_local_addr(const char *a, void *arg)
{
	int port = *(int *)arg;

	relay_log(RELAY_LOG_INFO, strchr(a, ':') != NULL ?
	    "listening on [%s]:%d" : "listening on %s:%d", a, port);
}

static int
relay_listen(struct relay *r, const char *listen_addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char why[256], a[ADDR_STRLEN];
	int fds[RELAY_MAX_LISTEN], nfds = RELAY_MAX_LISTEN, i;

	if (addr_listen(listen_addr, port, fds, &nfds, why, sizeof(why)) !=
	    0) {
		relay_log(RELAY_LOG_ERROR, "%s", why);
		return -1;
	}
	for (i = 0; i < nfds; i++) {
		evutil_make_socket_nonblocking(fds[i]);
		/* A non-zero backlog makes libevent listen() again, with a
		 * deeper queue than addr_listen's: thousands of members may
		 * connect at once. */
		if ((r->lev[r->nlev] = evconnlistener_new(r->base, accept_cb, r,
		    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC,
		    RELAY_BACKLOG, fds[i])) == NULL) {
			close(fds[i]);
			continue;
		}
		evconnlistener_set_error_cb(r->lev[r->nlev], accept_error_cb);
		r->nlev++;
	}
	if (r->nlev == 0) {
		relay_log(RELAY_LOG_ERROR, "cannot listen: out of memory");
		return -1;
	}
	port = addr_local_port(evconnlistener_get_fd(r->lev[0]));
	if (listen_addr == NULL) {
		addr_list_local(log_local_addr, &port);
		return 0;
	}
	for (i = 0; i < r->nlev; i++) {
		sl = sizeof(ss);
		if (getsockname(evconnlistener_get_fd(r->lev[i]),
		    (struct sockaddr *)&ss, &sl) != 0)
			continue;
		addr_format((struct sockaddr *)&ss, sl, a, sizeof(a));
		relay_log(RELAY_LOG_INFO, "listening on %s", a);
	}
	return 0;
}

static void
log_fingerprint(const struct identity *id)
{
	char hex[IDENTITY_PK_BYTES * 2 + 1], tag[IDENTITY_TAG_LEN + 1];

	sodium_bin2hex(hex, sizeof(hex), id->pk, IDENTITY_PK_BYTES);
	identity_tag(tag, id->pk);
	relay_log(RELAY_LOG_INFO, "fingerprint %s tag %s", hex, tag);
}

/* --- the cluster's hooks (cluster.h) ------------------------------------ */

/* A message from the owner node of l's room, as rroom would send it. */
static void
cluster_deliver(void *arg, void *link, const uint8_t *p, size_t len)
{
	struct relay_link *l = link;

	(void)arg;
	if ((l->state == LINK_WAIT_JOIN || l->state == LINK_VISITOR) &&
	    (p[0] == RELAYMSG_WELCOME || p[0] == RELAYMSG_RESUMED)) {
		waiting_remove(l->r, l);
		l->state = LINK_MEMBER;
		relay_log(RELAY_LOG_INFO, "%s: %s a room of another node",
		    conn_peer_addr(l->c), p[0] == RELAYMSG_WELCOME ?
		    "joined" : "resumed its seat in");
	} else if (l->state == LINK_WAIT_JOIN && p[0] == RELAYMSG_VISITING) {
		link_visiting(l);
		relay_log(RELAY_LOG_INFO, "%s: visitor at the door of a room of "
		    "another node", conn_peer_addr(l->c));
	}
	/* DELIVERs are batched as they are sealed (link_seal). */
	link_send(l, p, len);
}

static void
cluster_close(void *arg, void *link, int silent)
{
	(void)arg;
	if (silent)
		link_end(link);
	else
		link_close(link);
}

static void
cluster_input(void *arg, void *link, const uint8_t *p, size_t len)
{
	(void)arg;
	link_input(link, p, len);
}

static void
cluster_commit(void *arg)
{
	struct relay *r = arg;

	if (roomlog_in_transaction(r->log))
		relay_commit(r);
}

static int64_t
cluster_now(void *arg)
{
	(void)arg;
	return mono_ms();
}

/* This node owns the room from now: what the cluster's log has of it (a
 * takeover from a node gone, or a room that was idle). */
static void
cluster_own(void *arg, const uint8_t room_id[16])
{
	struct relay *r = arg;
	struct roomlog_room *lr;
	int rc;

	/* A room this node serves already (made here without a claim: the
	 * cluster was full) keeps its log as it is. */
	if (r->js == NULL || rroom_hub_has(r->hub, room_id))
		return;
	rc = jslog_fetch(r->js, room_id, &lr);
	relay_wrote(r);		/* the fetch's writes, committed this turn */
	if (rc != 0)
		relay_log(RELAY_LOG_WARN, "cluster: a room's log could not be "
		    "read from JetStream (%s): it starts empty here",
		    err_str(rc));
	if (lr == NULL)
		return;
	/* Not a write of the room's: a room with no seat that reads is
	 * dropped here, not on JetStream. */
	roomlog_mirror_pause(r->log, 1);
	rc = rroom_hub_load_room(r->hub, lr, room_id, mono_ms());
	roomlog_mirror_pause(r->log, 0);
	if (rc != 0)
		relay_log(RELAY_LOG_ERROR, "cluster: a room from JetStream "
		    "cannot be loaded: %s", err_str(rc));
	else if (rroom_hub_has(r->hub, room_id))
		relay_log(RELAY_LOG_INFO, "cluster: a room taken over from "
		    "JetStream (%llu events): its seats held for their "
		    "members", (unsigned long long)roomlog_room_events(lr));
}

static int
cluster_durable(void *arg, const uint8_t room_id[16])
{
	struct relay *r = arg;

	return jslog_durable(r->js, room_id);
}

static void
cluster_release(void *arg, const uint8_t room_id[16])
{
	struct relay *r = arg;

	jslog_forget(r->js, room_id);
}

/*
 * The relay's state keys, from its identity key (so that a restart with
 * the same key reads what it wrote): BLAKE2b keyed with the identity
 * seed over a label, then two subkeys: the log's secret (roomlog.h) and
 * the key of the seats' token hashes.
 */
static void
derive_keys(const struct identity *id, uint8_t log_secret[ROOMLOG_SECRET_BYTES],
    uint8_t token_key[RROOM_TOKEN_KEY_BYTES])
{
	static const char label[] = "sotto relay state v1";
	uint8_t master[crypto_kdf_KEYBYTES];

	crypto_generichash(master, sizeof(master), (const uint8_t *)label,
	    sizeof(label) - 1, id->sk, 32);
	crypto_kdf_derive_from_key(log_secret, ROOMLOG_SECRET_BYTES, 1,
	    RELAY_KDF_CTX, master);
	crypto_kdf_derive_from_key(token_key, RROOM_TOKEN_KEY_BYTES, 2,
	    RELAY_KDF_CTX, master);
	sodium_memzero(master, sizeof(master));
}

/* Opens the room log (or the in-memory one) and the rooms in it. */
static int
relay_open_state(struct relay *r, const struct relay_opts *o)
{
	static const struct rroom_ops ops = { relay_send, relay_evict,
	    relay_wrote, relay_fanout, relay_lobby };
	uint8_t key[RROOM_KEY_BYTES], secret[ROOMLOG_SECRET_BYTES],
	    token_key[RROOM_TOKEN_KEY_BYTES];
	char path[4096 + sizeof(ROOMLOG_FILE) + 1];
	int n, rc;

	derive_keys(r->id, secret, token_key);
	n = snprintf(path, sizeof(path), "%s/%s", o->dir, ROOMLOG_FILE);
	if (n < 0 || (size_t)n >= sizeof(path))
		rc = ERR_INVALID_ARG;
	else
		rc = roomlog_open(&r->log, o->no_log ? NULL : path, secret,
		    &o->lim);
	sodium_memzero(secret, sizeof(secret));
	if (rc != 0) {
		relay_log(RELAY_LOG_ERROR, "cannot open the room log %s: %s%s",
		    o->no_log ? ":memory:" : path, err_str(rc), rc == ERR_AUTH ?
		    " (written under another relay key)" : "");
		sodium_memzero(token_key, sizeof(token_key));
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	rc = rroom_hub_new(&r->hub, key, token_key, r->log, &ops, r);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(token_key, sizeof(token_key));
	if (rc != 0) {
		relay_log(RELAY_LOG_ERROR, "out of memory");
		return -1;
	}
	rroom_hub_set_hold(r->hub, (int64_t)o->hold * 1000, RELAY_MAX_AWAY);
	/* A cluster node's rooms live on JetStream: its own copies may be
	 * stale (another node took them over), so they go; its member id
	 * counter stays. */
	if (o->nats != NULL && (roomlog_begin(r->log, (uint64_t)time(NULL)) !=
	    0 || (rc = roomlog_clear(r->log)) != 0 ||
	    roomlog_commit(r->log) != 0)) {
		relay_log(RELAY_LOG_ERROR, "cannot clear the room log %s", path);
		return -1;
	}
	if ((rc = rroom_hub_load(r->hub, mono_ms())) != 0) {
		relay_log(RELAY_LOG_ERROR, "cannot read the room log %s: %s",
		    path, err_str(rc));
		return -1;
	}
	relay_commit(r);
	if (o->no_log)
		relay_log(RELAY_LOG_INFO, "room log in memory only (--no-log)");
	else
		relay_log(RELAY_LOG_INFO, "room log %s: %zu rooms, %zu seats "
		    "held for %ld s", path, rroom_hub_rooms(r->hub),
		    rroom_hub_members(r->hub), o->hold);
	return 0;
}

static int
relay_run(const struct relay_opts *o)
{
	static const struct conn_timing timing = CONN_TIMING_DEFAULT;
	struct relay *r;
	struct relay_link *l;
	struct timeval tv;
	struct addrlim_conf lc;
	struct admit_conf ac;
	size_t nofile;
	int rc, created = 0, status = EXIT_CONN;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		relay_log(RELAY_LOG_ERROR, "out of memory");
		return EXIT_CONN;
	}
	LIST_INIT(&r->links);
	TAILQ_INIT(&r->waiting);
	TAILQ_INIT(&r->visitq);
	TAILQ_INIT(&r->backed);
	TAILQ_INIT(&r->flushq);
	r->mb = o->mb;
	buf_init(&r->ackmsg, 16);
	buf_init(&r->scratch, RELAYMSG_MAX_BATCH + 1);
	r->max_queued = o->max_queued;
	TAILQ_INIT(&r->hsq);
	TAILQ_INIT(&r->rateq);
	r->member_rate = o->member_rate;
	r->timing = timing;
	r->timing.handshake = RELAY_JOIN_TIMEOUT;
	if ((rc = keyfile_load_or_create(o->dir, &r->id, &created)) != 0) {
		relay_log(RELAY_LOG_ERROR, "cannot load the relay key from "
		    "%s/%s: %s%s%s", o->dir, KEYFILE_NAME, err_str(rc),
		    rc == ERR_IO ? ": " : "", rc == ERR_IO ? strerror(errno) :
		    "");
		goto out;
	}
	if (created)
		relay_log(RELAY_LOG_INFO, "created a new relay key in %s/%s",
		    o->dir, KEYFILE_NAME);
	log_fingerprint(r->id);
	/* Every connection is a descriptor: keep some for the rest. */
	nofile = raise_nofile();
	r->fd_budget = nofile == 0 ? 1024 : nofile > 2 * ADDRLIM_FD_RESERVE ?
	    nofile - ADDRLIM_FD_RESERVE : nofile / 2;
	/* Records and batches come and go by the hundred thousand: keep
	 * freed memory in the process instead of handing pages back to the
	 * kernel and faulting them in again a moment later. */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
	memset(&lc, 0, sizeof(lc));
	lc.max_conns = o->max_per_addr;
	lc.max_pending = o->max_per_addr == 0 ? 0 : ADDRLIM_ADDR_PENDING;
	lc.rooms_rate = ADDRLIM_ROOMS_PER_MIN;
	lc.rooms_burst = ADDRLIM_ROOMS_BURST;
	memset(&ac, 0, sizeof(ac));
	ac.max_conns = r->fd_budget < ADDRLIM_MAX_SILENT ? r->fd_budget :
	    ADDRLIM_MAX_SILENT;
	if (o->max_silent > 0 && o->max_silent < ac.max_conns)
		ac.max_conns = o->max_silent;
	ac.timeout_ms = RELAY_JOIN_TIMEOUT * 1000;
	ac.force_bits = o->no_puzzle ? -1 : o->puzzle_bits;
	if (o->nats != NULL)
		cluster_global_init();	/* before the base: its locks */
	if ((r->base = event_base_new()) == NULL ||
	    (r->accept_more = evtimer_new(r->base, accept_more_cb, r)) ==
	    NULL ||
	    (r->sig_int = evsignal_new(r->base, SIGINT, signal_cb, r)) ==
	    NULL ||
	    (r->sig_term = evsignal_new(r->base, SIGTERM, signal_cb, r)) ==
	    NULL ||
	    (r->join_timer = evtimer_new(r->base, join_timer_cb, r)) ==
	    NULL ||
	    (r->stall_timer = evtimer_new(r->base, stall_timer_cb, r)) ==
	    NULL ||
	    (r->reap_ev = event_new(r->base, -1, 0, reap_cb, r)) == NULL ||
	    (r->flush_ev = event_new(r->base, -1, 0, flush_cb, r)) == NULL ||
	    (r->budget_ev = evtimer_new(r->base, budget_cb, r)) == NULL ||
	    (r->flush_more = evtimer_new(r->base, flush_more_cb, r)) ==
	    NULL ||
	    (r->commit_ev = event_new(r->base, -1, 0, commit_cb, r)) ==
	    NULL ||
	    (r->tick_timer = event_new(r->base, -1, EV_PERSIST, tick_cb,
	    r)) == NULL ||
	    (r->stop_timer = evtimer_new(r->base, stop_timer_cb, r)) ==
	    NULL ||
	    (r->accept_timer = evtimer_new(r->base, accept_resume_cb, r)) ==
	    NULL ||
	    (r->rate_timer = evtimer_new(r->base, rate_timer_cb, r)) == NULL ||
	    (r->stats_timer = evtimer_new(r->base, stats_timer_cb, r)) ==
	    NULL ||
	    addrlim_new(&r->lim, &lc) != 0 ||
	    rdv_hub_new(&r->rdv, &rdv_link_ops) != 0 ||
	    admit_new(&r->adm, r->base, &ac, admitted_cb, r) != 0) {
		relay_log(RELAY_LOG_ERROR, "out of memory");
		goto out;
	}
	rdv_hub_splice(r->rdv, o->no_splice < 0 ? -1 : !o->no_splice);
	if (relay_open_state(r, o) != 0)
		goto out;
	if (o->nats != NULL) {
		static const struct cluster_ops cops = { cluster_deliver,
		    cluster_close, cluster_input, cluster_commit, cluster_now,
		    cluster_own, cluster_release, cluster_durable };

		if (cluster_new(&r->cl, r->base, o->nats, o->node, r->id->sk,
		    r->hub, &cops, r) != 0 || jslog_new(&r->js, o->nats,
		    r->id->sk, r->log) != 0) {
			relay_log(RELAY_LOG_ERROR, "cannot join the cluster");
			goto out;
		}
	}
	if (r->mb.action != MB_NONE)
		relay_log(RELAY_LOG_WARN, "test mode: DELIVER #%lu will be "
		    "mistreated (--misbehave)", r->mb.n);
	if (o->puzzle_bits > 0)
		relay_log(RELAY_LOG_WARN, "test mode: every HELLO is "
		    "challenged at %d bits (--puzzle-bits)", o->puzzle_bits);
	relay_log(RELAY_LOG_INFO, "limits: %u connections per address "
	    "(%u handshakes), %u messages a second per member, %zu "
	    "connections in all, %zu bytes of queued output",
	    (unsigned)lc.max_conns, (unsigned)lc.max_pending,
	    (unsigned)r->member_rate, r->fd_budget, r->max_queued);
	if (relay_listen(r, o->listen_addr, o->port) != 0)
		goto out;
	ms_to_tv(1000, &tv);
	evtimer_add(r->stats_timer, &tv);
	evsignal_add(r->sig_int, NULL);
	evsignal_add(r->sig_term, NULL);
	ms_to_tv(RELAY_TICK_MS, &tv);
	evtimer_add(r->tick_timer, &tv);
	event_base_dispatch(r->base);
	relay_log(RELAY_LOG_INFO, "stopped");
	status = EXIT_OK;
 out:
	/* What the last turn wrote, then detach every member: freeing
	 * links must not announce. */
	if (r->hub != NULL && r->log != NULL)
		relay_commit(r);
	rroom_hub_free(r->hub);
	jslog_close(r->js);	/* before the NATS library stops */
	if (cluster_free(r->cl) == 0)
		jslog_free(r->js);	/* else left: the process ends */
	roomlog_close(r->log);
	while ((l = LIST_FIRST(&r->links)) != NULL) {
		LIST_REMOVE(l, all);
		batch_drop(l);
		rdv_end_free(l->rdv);
		conn_free(l->c);
		free(l);
	}
	rdv_hub_free(r->rdv);
	while (r->nlev > 0)
		evconnlistener_free(r->lev[--r->nlev]);
	admit_free(r->adm);
	addrlim_free(r->lim);
	if (r->rate_timer != NULL)
		event_free(r->rate_timer);
	if (r->accept_more != NULL)
		event_free(r->accept_more);
	if (r->stats_timer != NULL)
		event_free(r->stats_timer);
	if (r->sig_int != NULL)
		event_free(r->sig_int);
	if (r->sig_term != NULL)
		event_free(r->sig_term);
	if (r->join_timer != NULL)
		event_free(r->join_timer);
	if (r->stall_timer != NULL)
		event_free(r->stall_timer);
	if (r->reap_ev != NULL)
		event_free(r->reap_ev);
	if (r->flush_ev != NULL)
		event_free(r->flush_ev);
	if (r->budget_ev != NULL)
		event_free(r->budget_ev);
	if (r->flush_more != NULL)
		event_free(r->flush_more);
	if (r->commit_ev != NULL)
		event_free(r->commit_ev);
	if (r->tick_timer != NULL)
		event_free(r->tick_timer);
	if (r->stop_timer != NULL)
		event_free(r->stop_timer);
	if (r->accept_timer != NULL)
		event_free(r->accept_timer);
	if (r->base != NULL)
		event_base_free(r->base);
	identity_free(r->id);
	misbehave_forget(r);
	buf_release(&r->ackmsg);
	buf_release(&r->scratch);
	chunk_unref(r->fan);
	free(r);
	return status;
}

static void
relay_usage(FILE *f)
{
	fprintf(f,
	    "usage: sotto relay [--listen ADDR] [--port N] [--state-dir DIR]\n"
	    "                   [--hold SECONDS] [--no-log] [--log-max-events N]\n"
	    "                   [--log-max-bytes N] [--log-max-age SECONDS]\n"
	    "                   [--max-per-address N] [--member-rate N]\n"
	    "                   [--no-puzzle] [--no-splice] [--max-queued BYTES]\n"
	    "                   [--nats URL[,URL...] --node N]\n"
	    "       sotto relay --fingerprint [--state-dir DIR]\n"
	    "\n"
	    "Runs a relay for group rooms: members connect to it and it\n"
	    "forwards their end-to-end encrypted messages, which it cannot\n"
	    "read.  It serves any number of rooms until SIGINT or SIGTERM.\n"
	    "  --listen ADDR     listen on this local address only (default: all)\n"
	    "  --port N          TCP port (default %d; 0 picks a free one)\n"
	    "  --state-dir DIR   where the relay's key and room log are kept\n"
	    "                    (default $XDG_STATE_HOME/%s, or\n"
	    "                    ~/.local/state/%s)\n"
	    "  --hold SECONDS    keep a cut member's seat this long (default %d)\n"
	    "  --no-log          keep the room log in memory only: nothing on\n"
	    "                    disk but the key; a restart forgets the rooms\n"
	    "  --log-max-events N  per room, keep the last N events (default %d)\n"
	    "  --log-max-bytes N   per room, at most N bytes of them (default %llu)\n"
	    "  --log-max-age SECONDS  and none older (default %d)\n"
	    "  --fingerprint     print the relay's public key (64 hex digits)\n"
	    "                    and exit; it is created if missing\n"
	    "  --max-per-address N  connections from one IPv4 address or IPv6\n"
	    "                    /64 (default %d; 0: no per-address limit)\n"
	    "  --member-rate N   messages a second a member may send, after a\n"
	    "                    burst of %d s worth (default %d; 0: no limit)\n"
	    "  --no-puzzle       never ask newcomers for a proof of work, even\n"
	    "                    under load (for benchmarks)\n"
	    "  --no-splice       carry 1:1 chats in link records (DATA) even\n"
	    "                    when both sides could splice (for comparisons)\n"
	    "  --max-queued BYTES  output waiting for all members together, at\n"
	    "                    most (default %zu); past it the members\n"
	    "                    holding the most unread data are dropped\n"
	    "  --nats URL[,URL...]  join a relay cluster over these NATS servers\n"
	    "                    (nats://HOST:PORT; repeatable): nodes with the\n"
	    "                    same relay key serve the same rooms\n"
	    "  --node N          this node's number in the cluster, 1 to %d,\n"
	    "                    unique among its nodes (with --nats)\n"
	    "\n"
	    "Logs go to stderr, one line per event: 'TIME LEVEL message' (UTC,\n"
	    "levels info, warn, error).  The first lines give the relay key's\n"
	    "fingerprint, which invitations carry, and the listening addresses.\n",
	    RELAY_DEFAULT_PORT, RELAY_STATE_SUBDIR, RELAY_STATE_SUBDIR,
	    RELAY_DEFAULT_HOLD, ROOMLOG_DEFAULT_EVENTS,
	    (unsigned long long)ROOMLOG_DEFAULT_BYTES, ROOMLOG_DEFAULT_AGE,
	    ADDRLIM_ADDR_CONNS, ADDRLIM_MEMBER_BURST_S, ADDRLIM_MEMBER_RATE,
	    (size_t)RELAY_DEFAULT_MAX_QUEUED, CLUSTER_MAX_NODE);
}

/* A decimal count in [lo, hi], for the flags. */
static int
parse_count(const char *s, unsigned long long lo, unsigned long long hi,
    unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* "drop:21" and the like, for --misbehave. */
static int
parse_misbehave(const char *s, struct relay_misbehave *mb)
{
	static const struct {
		const char	*name;
		enum misbehave	 action;
	} actions[] = {
		{ "drop", MB_DROP }, { "dup", MB_DUP }, { "swap", MB_SWAP },
		{ "flip", MB_FLIP },
	};
	const char *colon = strchr(s, ':');
	char *end;
	size_t i;

	if (colon == NULL)
		return -1;
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strlen(actions[i].name) == (size_t)(colon - s) &&
		    strncmp(s, actions[i].name, (size_t)(colon - s)) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]) || colon[1] < '1' ||
	    colon[1] > '9')
		return -1;
	errno = 0;
	mb->n = strtoul(colon + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	mb->action = actions[i].action;
	return 0;
}

/* --nats given again: a, b (a is freed); NULL without memory. */
static char *
cat_urls(char *a, const char *b)
{
	size_t n = strlen(a) + 1 + strlen(b) + 1;
	char *s;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s,%s", a, b);
	else
		fprintf(stderr, "sotto: out of memory\n");
	free(a);
	return s;
}

/* --fingerprint: the key on stdout, for scripts. */
static int
print_fingerprint(const char *dir)
{
	char hex[IDENTITY_PK_BYTES * 2 + 1];
	struct identity *id = NULL;
	int rc;

	if ((rc = keyfile_load_or_create(dir, &id, NULL)) != 0) {
		fprintf(stderr, "sotto: cannot load the relay key from %s/%s: "
		    "%s\n", dir, KEYFILE_NAME, err_str(rc));
		return EXIT_CONN;
	}
	sodium_bin2hex(hex, sizeof(hex), id->pk, IDENTITY_PK_BYTES);
	identity_free(id);
	printf("%s\n", hex);
	return EXIT_OK;
}

int
relay_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "port", required_argument, NULL, 'p' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "hold", required_argument, NULL, 'H' },
		{ "no-log", no_argument, NULL, 'N' },
		{ "log-max-events", required_argument, NULL, 'E' },
		{ "log-max-bytes", required_argument, NULL, 'B' },
		{ "log-max-age", required_argument, NULL, 'A' },
		{ "misbehave", required_argument, NULL, 'M' },
		{ "max-per-address", required_argument, NULL, 'a' },
		{ "member-rate", required_argument, NULL, 'R' },
		{ "puzzle-bits", required_argument, NULL, 'P' },
		{ "max-silent", required_argument, NULL, 'S' },
		{ "no-puzzle", no_argument, NULL, 'Z' },
		{ "no-splice", no_argument, NULL, 'X' },
		{ "rdv-v1", no_argument, NULL, 'V' },
		{ "max-queued", required_argument, NULL, 'Q' },
		{ "nats", required_argument, NULL, 'n' },
		{ "node", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct relay_opts o;
	unsigned long long v;
	char dirbuf[4096];
	int ch, fingerprint = 0, status;

	memset(&o, 0, sizeof(o));
	o.port = RELAY_DEFAULT_PORT;
	o.hold = RELAY_DEFAULT_HOLD;
	o.lim.max_events = ROOMLOG_DEFAULT_EVENTS;
	o.lim.max_bytes = ROOMLOG_DEFAULT_BYTES;
	o.lim.max_age = ROOMLOG_DEFAULT_AGE;
	o.max_per_addr = ADDRLIM_ADDR_CONNS;
	o.member_rate = ADDRLIM_MEMBER_RATE;
	o.max_queued = RELAY_DEFAULT_MAX_QUEUED;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "l:p:s:fh", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			o.listen_addr = optarg;
			break;
		case 'p':
			if (addr_parse_port(optarg, 1, &o.port) != 0) {
				fprintf(stderr, "sotto: bad port '%s'\n",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 's':
			o.dir = optarg;
			break;
		case 'f':
			fingerprint = 1;
			break;
		case 'H':
		case 'E':
		case 'B':
		case 'A':
			/* Every bound at least 1; the hold at most 30 days. */
			if (parse_count(optarg, 1, ch == 'H' ? 30 * 86400ull :
			    (unsigned long long)INT64_MAX, &v) != 0) {
				fprintf(stderr, "sotto: bad --%s '%s'\n",
				    ch == 'H' ? "hold" : ch == 'E' ?
				    "log-max-events" : ch == 'B' ?
				    "log-max-bytes" : "log-max-age", optarg);
				return EXIT_USAGE;
			}
			if (ch == 'H')
				o.hold = (long)v;
			else if (ch == 'E')
				o.lim.max_events = v;
			else if (ch == 'B')
				o.lim.max_bytes = v;
			else
				o.lim.max_age = v;
			break;
		case 'N':
			o.no_log = 1;
			break;
		case 'M':
			if (parse_misbehave(optarg, &o.mb) != 0) {
				fprintf(stderr, "sotto: bad --misbehave '%s' "
				    "(drop|dup|swap|flip:N)\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
		case 'R':
		case 'P':
		case 'S':
			if (parse_count(optarg, 0, ch == 'P' ? PUZZLE_MAX_BITS :
			    1000000, &v) != 0) {
				fprintf(stderr, "sotto: bad --%s '%s'\n",
				    ch == 'a' ? "max-per-address" : ch == 'R' ?
				    "member-rate" : ch == 'P' ? "puzzle-bits" :
				    "max-silent", optarg);
				return EXIT_USAGE;
			}
			if (ch == 'a')
				o.max_per_addr = (uint32_t)v;
			else if (ch == 'R')
				o.member_rate = (uint32_t)v;
			else if (ch == 'P')
				o.puzzle_bits = (int)v;
			else
				o.max_silent = (uint32_t)v;
			break;
		case 'Z':
			o.no_puzzle = 1;
			break;
		case 'X':
			o.no_splice = 1;
			break;
		case 'V':
			o.no_splice = -1;
			break;
		case 'Q':
			/* At least a few records' worth, at most 1 TiB. */
			if (parse_count(optarg, RELAY_MIN_MAX_QUEUED,
			    1ull << 40, &v) != 0) {
				fprintf(stderr, "sotto: bad --max-queued '%s' "
				    "(bytes, %u or more)\n", optarg,
				    (unsigned)RELAY_MIN_MAX_QUEUED);
				return EXIT_USAGE;
			}
			o.max_queued = (size_t)v;
			break;
		case 'n':
			if (optarg[0] == '\0' || strlen(optarg) > 4096 ||
			    (o.nats != NULL && strlen(o.nats) > 4096)) {
				fprintf(stderr, "sotto: bad --nats '%s'\n",
				    optarg);
				free(o.nats);
				return EXIT_USAGE;
			}
			if (o.nats == NULL)
				o.nats = strdup(optarg);
			else if ((o.nats = cat_urls(o.nats, optarg)) == NULL)
				return EXIT_USAGE;
			if (o.nats == NULL)
				return EXIT_USAGE;
			break;
		case 'D':
			if (parse_count(optarg, 1, CLUSTER_MAX_NODE, &v) != 0) {
				fprintf(stderr, "sotto: bad --node '%s' (1 to "
				    "%d)\n", optarg, CLUSTER_MAX_NODE);
				free(o.nats);
				return EXIT_USAGE;
			}
			o.node = (unsigned)v;
			break;
		case 'h':
			relay_usage(stdout);
			return EXIT_OK;
		default:
			return cli_bad_option(argv, "lpsHEBAMaRPSQnD", relay_usage);
		}
	}
	if (optind != argc)
		return cli_extra_argument(argv[optind], relay_usage);
	if (o.dir == NULL) {
		if (default_state_dir(dirbuf, sizeof(dirbuf)) != 0) {
			fprintf(stderr, "sotto: no state directory: set HOME "
			    "or XDG_STATE_HOME, or give --state-dir\n");
			return EXIT_USAGE;
		}
		o.dir = dirbuf;
	}
	if ((o.nats != NULL) != (o.node != 0)) {
		fprintf(stderr, "sotto: --nats and --node go together\n");
		free(o.nats);
		return EXIT_USAGE;
	}
	if (fingerprint) {
		free(o.nats);
		return print_fingerprint(o.dir);
	}
	relay_log_start(STDERR_FILENO);
	status = relay_run(&o);
	relay_log_end();
	free(o.nats);
	return status;
}
