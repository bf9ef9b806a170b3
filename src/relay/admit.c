/* admit.c: the relay's admission stage (see admit.h and PROTOCOL §5.9). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event_struct.h>
#include <sodium.h>

#include "admit.h"
#include "buf.h"
#include "chan.h"
#include "cookie.h"
#include "err.h"
#include "frame.h"
#include "addrlim.h"
#include "mono.h"

#define HELLO_PAYLOAD		17
#define PROOF_FRAME_LEN		(FRAME_HDR_LEN + COOKIE_PROOF_LEN)
#define CHALLENGE_FRAME_LEN	(FRAME_HDR_LEN + COOKIE_CHALLENGE_LEN)
/* Cookies seen, per window: 16 bytes each, 512 KiB a window, allocated
 * the first time a PROOF is checked.  A full table refuses (busy). */
#define REPLAY_SLOTS		32768
#define REPLAY_PROBE		64
/* HELLOs read in one turn of the event loop at most: the others are read
 * in the next turns (the read events are level-triggered, so they come
 * back), after the members' events.  A flood of connections thus delays
 * members by this many reads a turn, not by all of them.  PROOFs have a
 * budget of their own: a newcomer who has paid does not queue behind the
 * new HELLOs twice. */
#define ADMIT_PER_TURN		32

enum ac_state {
	AC_HELLO,	/* waiting for the HELLO */
	AC_PROOF,	/* CHALLENGE sent, waiting for the PROOF */
};

/* One connection in the stage: about 250 bytes, its event included. */
struct admit_conn {
	struct event		 ev;
	TAILQ_ENTRY(admit_conn)	 q;	/* accept order = deadline order */
	struct admit		*ad;
	struct addrlim_addr	*la;
	int64_t			 accepted;
	int			 fd;
	uint8_t			 state;
	uint8_t			 have;	/* bytes of in[] filled */
	uint8_t			 in[ADMIT_HELLO_LEN + PROOF_FRAME_LEN];
	uint8_t			 addr[COOKIE_ADDR_BYTES];
};

struct replay {
	uint32_t	 window;
	uint8_t		(*e)[COOKIE_BYTES];
};

struct admit {
	struct event_base		*base;
	struct admit_conf		 conf;
	admit_ready_fn			 ready;
	void				*arg;
	struct event			*timer;
	struct event			*turn;	/* zero timer: a new turn */
	unsigned			 turn_used[2];	/* by enum ac_state */
	TAILQ_HEAD(, admit_conn)	 q;
	size_t				 count;
	size_t				 handshakes, hs_cap;
	int64_t				 sec;	/* the second n_cur counts */
	uint32_t			 n_cur, n_prev;
	uint8_t				 bits;
	struct replay			 rp[2];
	struct admit_stats		 st;
	uint8_t				 key[COOKIE_KEY_BYTES];
};

static void	timer_arm(struct admit *, int64_t);

void
admit_send_abort(int fd, uint8_t reason)
{
	uint8_t f[FRAME_HDR_LEN + 1];

	frame_put_header(f, FRAME_ABORT, 1);
	f[FRAME_HDR_LEN] = reason;
	/* A fresh socket's send buffer has room: never blocks. */
	(void)send(fd, f, sizeof(f), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Ends a connection here: an ABORT with 'reason' first if not 0. */
static void
ac_end(struct admit_conn *ac, uint8_t reason)
{
	struct admit *ad = ac->ad;

	if (reason != 0)
		admit_send_abort(ac->fd, reason);
	event_del(&ac->ev);
	TAILQ_REMOVE(&ad->q, ac, q);
	ad->count--;
	close(ac->fd);
	addrlim_handshake_done(ac->la);
	addrlim_release(ac->la);
	sodium_memzero(ac, sizeof(*ac));
	free(ac);
}

/* Gives the connection to the relay. */
static void
ac_ready(struct admit_conn *ac)
{
	struct admit *ad = ac->ad;
	uint8_t hello[ADMIT_HELLO_LEN];
	struct addrlim_addr *la = ac->la;
	int64_t accepted = ac->accepted;
	int fd = ac->fd;

	memcpy(hello, ac->in, sizeof(hello));
	event_del(&ac->ev);
	TAILQ_REMOVE(&ad->q, ac, q);
	ad->count--;
	sodium_memzero(ac, sizeof(*ac));
	free(ac);
	ad->ready(ad->arg, fd, hello, la, accepted);
}

/* --- load and difficulty ---------------------------------------------------- */

/* Rolls the per-second HELLO counts forward to now, a step of the
 * difficulty rule for each second gone by. */
static void
load_roll(struct admit *ad, int64_t now)
{
	int64_t sec = now / 1000, steps;
	uint32_t n;

	if (sec == ad->sec)
		return;
	steps = sec - ad->sec;
	n = steps == 1 ? ad->n_cur : 0;
	ad->n_prev = n;
	ad->n_cur = 0;
	ad->sec = sec;
	if (steps > 32)
		steps = 32;
	for (; steps > 0; steps--, n = 0)
		ad->bits = puzzle_difficulty(n, (unsigned)ad->handshakes,
		    (unsigned)ad->hs_cap, ad->bits);
}

uint8_t
admit_bits(struct admit *ad, int64_t now)
{
	uint32_t n;
	uint8_t now_bits;

	if (ad->conf.force_bits > 0)
		return (uint8_t)ad->conf.force_bits;
	if (ad->conf.force_bits < 0)
		return 0;	/* never */
	load_roll(ad, now);
	/* A flood starting now raises the difficulty at once; only the
	 * fall waits for the next second. */
	n = ad->n_cur > ad->n_prev ? ad->n_cur : ad->n_prev;
	now_bits = puzzle_difficulty(n, (unsigned)ad->handshakes,
	    (unsigned)ad->hs_cap, 0);
	if (now_bits > ad->bits)
		ad->bits = now_bits;
	return ad->bits;
}

void
admit_set_load(struct admit *ad, size_t handshakes, size_t cap)
{
	ad->handshakes = handshakes;
	ad->hs_cap = cap;
}

/* --- replays ---------------------------------------------------------------- */

/* 0 if the cookie is new in its window (now remembered), ERR_AUTH if it
 * was used before, ERR_BUSY if the table is full or can't be had. */
static int
replay_add(struct admit *ad, uint32_t window, const uint8_t c[COOKIE_BYTES])
{
	static const uint8_t zero[COOKIE_BYTES];
	struct replay *rp = &ad->rp[window & 1];
	size_t i, s;

	if (rp->e == NULL &&
	    (rp->e = calloc(REPLAY_SLOTS, sizeof(*rp->e))) == NULL)
		return ERR_BUSY;
	if (rp->window != window) {
		memset(rp->e, 0, REPLAY_SLOTS * sizeof(*rp->e));
		rp->window = window;
	}
	/* A cookie is a MAC output: its bytes are as good as a hash. */
	s = ((size_t)c[0] << 8 | c[1]) | ((size_t)c[2] << 16);
	for (i = 0; i < REPLAY_PROBE; i++) {
		uint8_t *e = rp->e[(s + i) % REPLAY_SLOTS];

		if (memcmp(e, zero, COOKIE_BYTES) == 0) {
			memcpy(e, c, COOKIE_BYTES);
			return 0;
		}
		if (memcmp(e, c, COOKIE_BYTES) == 0)
			return ERR_AUTH;
	}
	return ERR_BUSY;
}

/* --- reading ------------------------------------------------------------------ */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* 0 while the bytes so far of the frame at f can start a frame of this
 * type and exact payload length, else an ABORT reason. */
static uint8_t
header_ok(const uint8_t *f, size_t have, uint8_t type, uint32_t len)
{
	if (have >= 1 && f[0] != FRAME_VERSION)
		return CHAN_ABORT_PROTOCOL;
	/* A 1:1 joiner's HELLO is told at once that this is a relay. */
	if (have >= 2 && type == FRAME_LINK_HELLO && f[1] == FRAME_HELLO)
		return CHAN_ABORT_IS_RELAY;
	if (have >= 2 && f[1] != type)
		return CHAN_ABORT_PROTOCOL;
	if (have >= FRAME_HDR_LEN && be32(f + 2) != len)
		return CHAN_ABORT_PROTOCOL;
	return 0;
}

static void
on_hello(struct admit_conn *ac, int64_t now)
{
	struct admit *ad = ac->ad;
	struct cookie_challenge ch;
	uint8_t f[CHALLENGE_FRAME_LEN];
	struct buf b;

	ad->st.hellos++;
	ad->n_cur++;
	if ((ch.bits = admit_bits(ad, now)) == 0) {
		ac_ready(ac);
		return;
	}
	ch.window = cookie_window((uint64_t)(now / 1000));
	cookie_make(ch.cookie, ad->key, ch.window, ch.bits, ac->addr,
	    ac->in + FRAME_HDR_LEN + 1);
	buf_init(&b, sizeof(f));
	if (cookie_put_challenge(&b, &ch) != 0 || buf_len(&b) != sizeof(f) ||
	    send(ac->fd, buf_ptr(&b), buf_len(&b), MSG_DONTWAIT |
	    MSG_NOSIGNAL) != (ssize_t)sizeof(f)) {
		buf_release(&b);
		ac_end(ac, 0);
		return;
	}
	buf_release(&b);
	ad->st.challenges++;
	ac->state = AC_PROOF;
}

static void
on_proof(struct admit_conn *ac, int64_t now)
{
	struct admit *ad = ac->ad;
	struct cookie_proof p;
	uint32_t window = cookie_window((uint64_t)(now / 1000));
	int r;

	if ((r = cookie_parse_proof(&p, ac->in + ADMIT_HELLO_LEN +
	    FRAME_HDR_LEN, COOKIE_PROOF_LEN)) == 0 &&
	    (r = cookie_check(ad->key, window, 0, &p, ac->addr,
	    ac->in + FRAME_HDR_LEN + 1)) == 0)
		r = replay_add(ad, p.window, p.cookie);
	if (r != 0) {
		ad->st.bad++;
		ac_end(ac, r == ERR_TIMEOUT || r == ERR_BUSY ?
		    CHAN_ABORT_RETRY : CHAN_ABORT_PROTOCOL);
		return;
	}
	ad->st.proofs++;
	ac_ready(ac);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admit_conn *ac = arg;
	size_t want, off;
	uint8_t bad;
	ssize_t n;
	int64_t now;

	(void)what;
	/* HELLOs and PROOFs have a budget each: a newcomer who has paid
	 * queues behind PROOFs (and the attackers' closes), not HELLOs. */
	if (ac->ad->turn_used[ac->state] >= ADMIT_PER_TURN)
		return;		/* next turn */
	if (ac->ad->turn_used[AC_HELLO] + ac->ad->turn_used[AC_PROOF] == 0) {
		struct timeval zero = { 0, 0 };

		evtimer_add(ac->ad->turn, &zero);
	}
	ac->ad->turn_used[ac->state]++;
	off = ac->state == AC_HELLO ? 0 : ADMIT_HELLO_LEN;
	want = ac->state == AC_HELLO ? ADMIT_HELLO_LEN : sizeof(ac->in);
	/* Only what this step needs: anything after it stays in the
	 * kernel for the channel. */
	n = recv(fd, ac->in + ac->have, want - ac->have, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		ac_end(ac, 0);
		return;
	}
	ac->have = (uint8_t)(ac->have + n);
	if (ac->have - off >= 2 && ac->in[off + 1] == FRAME_ABORT)
		bad = 0xff;	/* never answered (and, after a CHALLENGE, a
				 * client that can't or won't solve) */
	else if (ac->state == AC_HELLO)
		bad = header_ok(ac->in, ac->have, FRAME_LINK_HELLO, HELLO_PAYLOAD);
	else
		bad = header_ok(ac->in + off, ac->have - off, FRAME_PROOF,
		    COOKIE_PROOF_LEN);
	if (bad != 0) {
		ac->ad->st.bad++;
		/* An ABORT is never answered. */
		ac_end(ac, bad == 0xff ? 0 : bad);
		return;
	}
	if (ac->have < want)
		return;
	now = mono_ms();
	if (ac->state == AC_HELLO)
		on_hello(ac, now);
	else
		on_proof(ac, now);
}

/* --- the deadline --------------------------------------------------------------- */

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admit *ad = arg;
	struct admit_conn *ac;
	int64_t now;

	(void)fd;
	(void)what;
	now = mono_ms();
	while ((ac = TAILQ_FIRST(&ad->q)) != NULL &&
	    ac->accepted + ad->conf.timeout_ms <= now) {
		ad->st.timeouts++;
		ac_end(ac, 0);
	}
	timer_arm(ad, now);
}

static void
timer_arm(struct admit *ad, int64_t now)
{
	struct admit_conn *ac = TAILQ_FIRST(&ad->q);
	struct timeval tv;
	int64_t ms;

	if (ac == NULL || evtimer_pending(ad->timer, NULL))
		return;
	ms = ac->accepted + ad->conf.timeout_ms - now;
	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	evtimer_add(ad->timer, &tv);
}

/* --- the stage -------------------------------------------------------------------- */

static void
turn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct admit *ad = arg;

	(void)fd;
	(void)what;
	ad->turn_used[AC_HELLO] = ad->turn_used[AC_PROOF] = 0;
}

int
admit_new(struct admit **ap, struct event_base *base,
    const struct admit_conf *conf, admit_ready_fn ready, void *arg)
{
	struct admit *ad;

	*ap = NULL;
	if ((ad = calloc(1, sizeof(*ad))) == NULL)
		return ERR_ALLOC;
	if ((ad->timer = evtimer_new(base, timer_cb, ad)) == NULL ||
	    (ad->turn = evtimer_new(base, turn_cb, ad)) == NULL) {
		if (ad->timer != NULL)
			event_free(ad->timer);
		free(ad);
		return ERR_ALLOC;
	}
	ad->base = base;
	ad->conf = *conf;
	ad->ready = ready;
	ad->arg = arg;
	TAILQ_INIT(&ad->q);
	randombytes_buf(ad->key, sizeof(ad->key));
	*ap = ad;
	return 0;
}

void
admit_free(struct admit *ad)
{
	struct admit_conn *ac;

	if (ad == NULL)
		return;
	while ((ac = TAILQ_FIRST(&ad->q)) != NULL)
		ac_end(ac, 0);
	event_free(ad->timer);
	event_free(ad->turn);
	free(ad->rp[0].e);
	free(ad->rp[1].e);
	sodium_memzero(ad, sizeof(*ad));
	free(ad);
}

int
admit_add(struct admit *ad, int fd, const struct sockaddr *sa,
    struct addrlim_addr *la, int64_t now)
{
	struct admit_conn *ac;
	uint8_t key[ADDRLIM_KEY_BYTES];

	/* Full: the oldest makes room (it has had the longest to speak). */
	if (ad->conf.max_conns > 0 && ad->count >= ad->conf.max_conns)
		(void)admit_shed_oldest(ad);
	if ((ac = calloc(1, sizeof(*ac))) == NULL)
		goto fail;
	ac->ad = ad;
	ac->la = la;
	ac->fd = fd;
	ac->accepted = now;
	ac->state = AC_HELLO;
	(void)addrlim_key(sa, key, ac->addr);
	evutil_make_socket_nonblocking(fd);
	if (event_assign(&ac->ev, ad->base, fd, EV_READ | EV_PERSIST, read_cb,
	    ac) != 0 || event_add(&ac->ev, NULL) != 0) {
		free(ac);
		goto fail;
	}
	TAILQ_INSERT_TAIL(&ad->q, ac, q);
	ad->count++;
	timer_arm(ad, now);
	return 0;
 fail:
	close(fd);
	addrlim_handshake_done(la);
	addrlim_release(la);
	return ERR_ALLOC;
}

int
admit_shed_oldest(struct admit *ad)
{
	struct admit_conn *ac = TAILQ_FIRST(&ad->q);

	if (ac == NULL)
		return 0;
	ad->st.shed++;
	ac_end(ac, 0);
	return 1;
}

size_t
admit_count(const struct admit *ad)
{
	return ad->count;
}

void
admit_get_stats(const struct admit *ad, struct admit_stats *st)
{
	*st = ad->st;
}
