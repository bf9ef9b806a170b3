/* conn.c: a secure channel on a TCP socket under libevent (see conn.h). */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "addr.h"
#include "buf.h"
#include "chan.h"
#include "conn.h"
#include "proxy.h"
#include "err.h"
#include "frame.h"
#include "mono.h"

/* Bytes read from the socket in one turn at most, and written: the
 * others wait for the next turn (the events are level-triggered), so that
 * one busy peer doesn't hold up the rest. */
#define CONN_READ_TURN		(64u * 1024)
#define CONN_WRITE_TURN		(64 * 1024)

/*
 * No bufferevent: its 600-odd bytes and an input evbuffer per idle link
 * were a quarter of what a relay pays per member.  Input goes from the
 * socket straight into 'in', at most a frame's worth at a time, so that
 * what is not read yet stays in the kernel; output goes through one
 * evbuffer, made only while output is queued.  Two events live inside
 * the struct: rev (EV_READ, pending while we want input, with the
 * keepalive period as its timeout once the channel is open) and wev
 * (EV_WRITE, pending while output is queued or conn_want_write asked).
 * rev's timeout, once the channel is open, is the keepalive period: it
 * sends the keepalives and finds a dead peer from two timestamps, so that
 * an open link has no timer of its own (a paused one has: ka_timer).
 */
struct conn {
	struct event_base	*base;
	struct event		 rev;
	struct event		 wev;
	struct evbuffer		*o;	/* what the socket hasn't taken */
	size_t			 wlow;	/* 'drained' at or below this */
	int			 fd;
	uint8_t			 evs;	/* rev and wev are assigned */
	uint8_t			 wready;	/* conn_want_write asked */
	uint8_t			 rev_timed;	/* rev has the period timeout */
	uint8_t			 raw_out;	/* conn_raw_output: no records */
	uint8_t			 raw_in;	/* conn_raw_input: bytes as
						 * they come */
	uint8_t			 shut;		/* raw: our EOF is sent */
	int64_t			 stall_since;	/* raw: output queued and not
						 * taken since then, ms */
	struct chan		*chan;
	struct buf		 in;	/* partial frame from the peer */
	struct buf		 out;	/* frames chan produced, to queue */
	struct buf		 app;	/* one opened message (plaintext) */
	struct conn_timing	 t;
	struct conn_cbs		 cbs;
	void			*arg;
	/* Events: the handshake timer goes once the channel is open, the
	 * linger timer is made when first needed and the kick each time
	 * (freed as it runs), so that an idle open link holds only its
	 * keepalive timer. */
	struct event		*hs_timer;
	struct event		*ka_timer;	/* only while paused */
	int64_t			 heard;		/* last read, monotonic ms */
	int64_t			 ka_due;	/* next keepalive, ms */
	struct event		*linger_timer;	/* or NULL */
	struct event		*kick;	/* resume processing; or NULL */
	int			 notsent;	/* conn_set_lazy; 0: not lazy */
	int			 unsent;	/* as conn_room last saw it, */
	int			 unsent_known;	/* until the next send */
	int			 unsent_max;	/* at most this many unsent */
	char			 peer[ADDR_STRLEN];
	int			 paused;
	int			 closing;	/* our final record is queued */
	int			 refusing;	/* an ABORT is queued */
	int			 refuse_err;
	int			 fail_now;	/* kick ends it with refuse_err */
	int			 done;		/* closed() was called */
	int			 peer_eof;
	int			 sock_err;	/* errno of a socket error */
	uint8_t			 first[CONN_FIRST_BYTES];	/* kept for
						 * "it sent ..." */
	size_t			 first_len;
};

static void	conn_process(struct conn *);
static void	finish(struct conn *, int);
static void	rev_update(struct conn *);
static void	ka_cb(evutil_socket_t, short, void *);

/* rev's timeout once open: the keepalive period, or the dead time if
 * that is shorter. */
static struct timeval
rev_period(const struct conn *c)
{
	struct timeval tv = { c->t.keepalive < c->t.dead ? c->t.keepalive :
	    c->t.dead, 0 };

	return tv;
}

/* Bytes queued in the output buffer, which exists only while it holds
 * some (an idle link keeps none: 150-odd bytes a member on a relay). */
static size_t
olen(const struct conn *c)
{
	return c->o != NULL ? evbuffer_get_length(c->o) : 0;
}

/* The output buffer, made if there is none: NULL when out of memory. */
static struct evbuffer *
oget(struct conn *c)
{
	if (c->o == NULL)
		c->o = evbuffer_new();
	return c->o;
}
static void	linger_cb(evutil_socket_t, short, void *);
static void	kick_cb(evutil_socket_t, short, void *);

/* Ciphertext on its way from the socket into 'in' (one thread per
 * process, as for conn_send_now's frame). */
static uint8_t	scratch[CONN_READ_TURN < FRAME_MAX_LEN ? CONN_READ_TURN :
		    FRAME_MAX_LEN];

/* One recv of at most 'max' bytes into scratch: the count, 0 at the
 * peer's EOF, -1 if nothing is there now, -2 on an error (its errno in
 * c->sock_err). */
static ssize_t
sock_read(struct conn *c, size_t max)
{
	ssize_t n;

	if (max > sizeof(scratch))
		max = sizeof(scratch);
	do
		n = recv(c->fd, scratch, max, 0);
	while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		return -1;
	c->sock_err = errno;
	return -2;
}

static int	linger_for(struct conn *, int);

/* Starts the linger timer, made at its first use: 0 or ERR_ALLOC. */
static int
linger_start(struct conn *c)
{
	return linger_for(c, c->t.linger);
}

/* The linger timer, (re)armed for 'secs' seconds: 0 or ERR_ALLOC. */
static int
linger_for(struct conn *c, int secs)
{
	struct timeval tv = { secs, 0 };

	if (c->linger_timer == NULL && (c->linger_timer =
	    evtimer_new(c->base, linger_cb, c)) == NULL)
		return ERR_ALLOC;
	return evtimer_add(c->linger_timer, &tv) == 0 ? 0 : ERR_ALLOC;
}

static int
linger_pending(const struct conn *c)
{
	return c->linger_timer != NULL &&
	    evtimer_pending(c->linger_timer, NULL);
}

/* Runs kick_cb from the loop shortly; the event is made at its first
 * use: 0 or ERR_ALLOC (then nothing is scheduled). */
static int
kick_soon(struct conn *c)
{
	if (c->kick == NULL && (c->kick = event_new(c->base, -1, 0, kick_cb,
	    c)) == NULL)
		return ERR_ALLOC;
	event_active(c->kick, 0, 0);
	return 0;
}

static void
event_free_del(struct event **ev)
{
	if (*ev != NULL) {
		event_free(*ev);	/* deletes it first */
		*ev = NULL;
	}
}

/*
 * Ends with err once what is queued (an ABORT telling the peer why) has
 * been written, or after the linger time if the peer won't take it.
 */
static void
fail_after_flush(struct conn *c, int err)
{
	if (olen(c) == 0) {
		finish(c, err);
		return;
	}
	c->refusing = 1;
	c->refuse_err = err;
	rev_update(c);
	if (linger_start(c) != 0)
		finish(c, err);	/* no timer to wait with */
}

/* Ends the connection: the one teardown path. */
static void
finish(struct conn *c, int err)
{
	if (c->done)
		return;
	c->done = 1;
	if (c->evs) {
		event_del(&c->rev);
		event_del(&c->wev);
	}
	if (c->hs_timer != NULL)
		evtimer_del(c->hs_timer);
	if (c->ka_timer != NULL)
		evtimer_del(c->ka_timer);
	if (c->linger_timer != NULL)
		evtimer_del(c->linger_timer);
	if (c->kick != NULL)
		event_del(c->kick);
	buf_reset(&c->app);
	c->cbs.closed(c, err, c->arg);	/* may free c */
}

/* rev is pending exactly while we want input: not after the end, nor
 * while paused or refusing (the bytes wait in the kernel), nor after the
 * peer's EOF; with the keepalive period once the channel is open. */
static void
rev_update(struct conn *c)
{
	struct timeval tv = rev_period(c);
	int want = !c->done && !c->paused && !c->refusing && !c->peer_eof;
	int open = chan_established(c->chan), pending;

	if (!c->evs)
		return;
	/* Paused, an open link still sends its keepalives (ka_timer); the
	 * peer's silence is not counted meanwhile. */
	if (open && !c->done && c->paused && !c->closing && !c->refusing) {
		if (c->ka_timer == NULL)
			c->ka_timer = evtimer_new(c->base, ka_cb, c);
		if (c->ka_timer != NULL &&
		    !evtimer_pending(c->ka_timer, NULL))
			evtimer_add(c->ka_timer, &tv);
	} else if (c->ka_timer != NULL) {
		event_free(c->ka_timer);
		c->ka_timer = NULL;
	}
	if (!want) {
		event_del(&c->rev);
		return;
	}
	pending = event_pending(&c->rev, EV_READ, NULL);
	if (open) {
		if (!c->rev_timed || !pending) {
			if (!pending)
				c->heard = mono_ms();	/* reading again */
			event_add(&c->rev, &tv);
			c->rev_timed = 1;
		}
	} else if (!pending)
		event_add(&c->rev, NULL);
}

/* Output was queued: the socket takes it when it can. */
static void
wev_want(struct conn *c)
{
	if (c->evs && !c->done && (olen(c) > 0 ||
	    c->wready) && !event_pending(&c->wev, EV_WRITE, NULL))
		event_add(&c->wev, NULL);
}

/* Moves what chan produced to the socket's output buffer. */
static int
flush_out(struct conn *c)
{
	struct evbuffer *o;

	if (buf_len(&c->out) == 0)
		return 0;
	c->unsent_max = c->notsent;	/* the kernel gets it unseen */
	if ((o = oget(c)) == NULL ||
	    evbuffer_add(o, buf_ptr(&c->out), buf_len(&c->out)) != 0)
		return ERR_ALLOC;
	wev_want(c);
	/* Released, not kept: an idle link holds no buffers of its own. */
	buf_release(&c->out);
	if (evbuffer_get_length(o) > CONN_MAX_PENDING)
		return ERR_TIMEOUT;	/* the peer is not reading */
	return 0;
}

/* The peer's EOF, once everything before it has been handled. */
static void
on_eof(struct conn *c)
{
	c->peer_eof = 1;
	rev_update(c);
	if (c->closing && c->raw_out) {
		/* Spliced: what is queued still goes (write_done ends it). */
		if (olen(c) == 0)
			finish(c, 0);
	} else if (c->closing && linger_pending(c))
		finish(c, 0);
	else if (!c->closing)
		finish(c, chan_eof(c->chan));
	/* else our final record is still going out: write_done ends it */
}

/*
 * Raw input (conn_raw_input): what followed the last record, then what
 * the socket brings, CONN_READ_TURN bytes a turn at most, each piece
 * given to 'message' as it is; the peer's EOF is a 'message' of no
 * bytes (the connection stays, for our output), unless we are closing
 * (then it ends c once our output is out).  Delivered while closing
 * too: our close only says that we send no more.  c may be freed when
 * it returns.
 */
static void
raw_process(struct conn *c)
{
	size_t turn = CONN_READ_TURN;
	ssize_t n;

	if (buf_len(&c->in) > 0) {
		c->cbs.message(c, buf_ptr(&c->in), buf_len(&c->in), c->arg);
		if (c->done)
			return;
		buf_reset(&c->in);
	}
	buf_release(&c->in);
	while (!c->done && !c->paused && !c->refusing && !c->peer_eof &&
	    turn > 0) {
		if ((n = sock_read(c, turn)) == -1)
			break;
		if (n < 0) {
			finish(c, c->closing ? 0 : ERR_CUT);
			return;
		}
		if (n == 0) {
			c->peer_eof = 1;
			rev_update(c);
			if (!c->closing)
				c->cbs.message(c, NULL, 0, c->arg);
			else if (olen(c) == 0)
				finish(c, 0);
			/* else write_done ends it, our output sent */
			return;
		}
		turn -= (size_t)n;
		c->cbs.message(c, scratch, (size_t)n, c->arg);
	}
	if (!c->done)
		rev_update(c);
}

/*
 * Handles what is in 'in' and tops it up from the socket, CONN_READ_TURN
 * bytes a turn at most; never more than one frame's worth is held here,
 * the rest stays in the kernel.  c may be freed when it returns.
 */
static void
conn_process(struct conn *c)
{
	enum chan_event ev;
	size_t room, turn = CONN_READ_TURN;
	ssize_t n;
	uint8_t *p;
	int r;

	while (!c->done && !c->paused && !c->refusing) {
		if (c->raw_in) {
			raw_process(c);
			return;
		}
		r = chan_feed(c->chan, &c->in, &c->out, &c->app, &ev);
		if (r == ERR_NEED_MORE) {
			if (c->peer_eof || turn == 0)
				break;
			room = FRAME_MAX_LEN - buf_len(&c->in);
			if (room == 0) {
				/* chan_feed takes any frame that fits */
				finish(c, ERR_INTERNAL);
				return;
			}
			if ((n = sock_read(c, room < turn ? room : turn)) ==
			    -1)
				break;
			if (n < 0) {
				finish(c, c->closing ? 0 : ERR_CUT);
				return;
			}
			if (n == 0) {
				on_eof(c);
				return;
			}
			if (buf_reserve(&c->in, (size_t)n, &p) != 0) {
				finish(c, ERR_ALLOC);
				return;
			}
			memcpy(p, scratch, (size_t)n);
			turn -= (size_t)n;
			if (c->first_len < sizeof(c->first) &&
			    !chan_established(c->chan)) {
				size_t k = sizeof(c->first) - c->first_len;

				if (k > (size_t)n)
					k = (size_t)n;
				memcpy(c->first + c->first_len, p, k);
				c->first_len += k;
			}
			continue;
		}
		if ((r == 0 || buf_len(&c->out) > 0) && flush_out(c) != 0 &&
		    r == 0)
			r = ERR_TIMEOUT;
		if (r == ERR_CLOSED && c->closing) {
			/* Bytes after the peer's final record: ignored, and
			 * read on to its EOF (on_eof ends the wait). */
			buf_reset(&c->in);
			while (turn > 0 && (n = sock_read(c, turn)) != -1) {
				if (n == 0) {
					on_eof(c);
					return;
				}
				if (n < 0) {
					finish(c, 0);
					return;
				}
				turn -= (size_t)n;
			}
			break;
		}
		if (r != 0) {
			fail_after_flush(c, r);
			return;
		}
		switch (ev) {
		case CHAN_EV_ESTABLISHED:
			event_free_del(&c->hs_timer);
			c->heard = mono_ms();
			c->ka_due = c->heard + 1000 * (int64_t)c->t.keepalive;
			c->rev_timed = 0;	/* rev_update: the period now */
			c->cbs.established(c, c->arg);
			break;
		case CHAN_EV_DATA:
			/* Closing, only a spliced link's records still count
			 * (the relay half-closed it before its SPLICE came). */
			if (!c->closing || c->raw_out)
				c->cbs.message(c, buf_ptr(&c->app),
				    buf_len(&c->app), c->arg);
			buf_reset(&c->app);
			break;
		case CHAN_EV_CLOSED:
			/* The peer said goodbye: answer in kind, then end. */
			if (!c->closing)
				conn_close(c);
			else if (c->peer_eof || olen(c) == 0) {
				finish(c, 0);
				return;
			}
			break;
		case CHAN_EV_NONE:
			break;
		}
	}
	if (!c->done) {
		if (buf_len(&c->in) == 0)
			buf_release(&c->in);
		buf_release(&c->app);
		rev_update(c);
	}
}

/* A keepalive now if one is due: -1 if that ended c. */
static int
keepalive_due(struct conn *c, int64_t now)
{
	/* 50 ms of slack, so that a timer that fires on time is never taken
	 * for one a tick early. */
	if (c->closing || c->refusing || c->raw_out ||
	    now + 50 < c->ka_due)
		return 0;
	c->ka_due = now + 1000 * (int64_t)c->t.keepalive;
	if (chan_send_keepalive(c->chan, &c->out) == 0 && flush_out(c) != 0) {
		finish(c, ERR_TIMEOUT);
		return -1;
	}
	return 0;
}

/*
 * Spliced: output the peer has not taken for t.dead seconds ends c (the
 * peer is alive, it may even send, but does not read: without this, it
 * and a peer paused for it would hold their buffers for ever).  1 if
 * that ended c.
 */
static int
raw_stalled(struct conn *c, int64_t now)
{
	if (!c->raw_out || olen(c) == 0 ||
	    now - c->stall_since < 1000 * (int64_t)c->t.dead - 50)
		return 0;
	conn_reset(c);	/* what it has not taken goes too */
	finish(c, ERR_TIMEOUT);
	return 1;
}

static void
rev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int64_t now;

	(void)fd;
	if (c->done)
		return;
	if (c->rev_timed) {
		/* Open: the keepalive period went by, or input came. */
		now = mono_ms();
		if (raw_stalled(c, now))
			return;
		if (what & EV_READ)
			c->heard = now;
		else if (now - c->heard >= 1000 * (int64_t)c->t.dead - 50) {
			/* Nothing heard for t.dead seconds: the peer is
			 * gone (50 ms of slack, as in keepalive_due). */
			finish(c, ERR_TIMEOUT);
			return;
		}
		if (keepalive_due(c, now) != 0 || !(what & EV_READ))
			return;
	} else if (what & EV_TIMEOUT) {
		finish(c, ERR_TIMEOUT);
		return;
	}
	conn_process(c);
}

/* The output drained to the low-water mark or below. */
static void
write_done(struct conn *c)
{
	/* Ending or half-closing waits for it to be empty. */
	if (olen(c) > 0) {
		if (!c->refusing && !c->closing && c->cbs.drained != NULL)
			c->cbs.drained(c, c->arg);
		return;
	}
	if (c->refusing) {
		finish(c, c->refuse_err);
		return;
	}
	if (!c->closing) {
		if (c->cbs.drained != NULL)
			c->cbs.drained(c, c->arg);
		return;
	}
	if (c->raw_out) {
		/* Spliced: all out; our EOF, then the peer's ends it, within
		 * the linger time. */
		if (!c->shut) {
			shutdown(c->fd, SHUT_WR);
			c->shut = 1;
			if (!c->peer_eof && linger_start(c) != 0) {
				finish(c, 0);
				return;
			}
		}
		if (c->peer_eof)
			finish(c, 0);
		return;
	}
	if (!linger_pending(c)) {
		/* Our final record is out: half-close and wait briefly for
		 * the peer's EOF, so nothing unread turns into a reset. */
		shutdown(c->fd, SHUT_WR);
		if (c->peer_eof || !chan_established(c->chan) ||
		    linger_start(c) != 0) {
			finish(c, 0);
			return;
		}
	}
}

static void
wev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int n, wrote = 0;

	(void)what;
	if (c->done)
		return;
	if (olen(c) > 0) {
		do
			n = evbuffer_write_atmost(c->o, fd, CONN_WRITE_TURN);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			c->sock_err = errno;
			finish(c, c->closing ? 0 : ERR_CUT);
			return;
		}
		wrote = 1;
		if (c->raw_out) {
			c->stall_since = mono_ms();
			/* Closing: the peer takes what is queued, slowly
			 * perhaps; the drain timer counts from its last
			 * progress. */
			if (c->closing && !c->shut && olen(c) > 0 &&
			    linger_for(c, c->t.dead) != 0) {
				finish(c, 0);
				return;
			}
		}
	}
	if (olen(c) > c->wlow)
		return;
	if (olen(c) == 0) {
		event_del(&c->wev);
		if (c->o != NULL) {
			evbuffer_free(c->o);
			c->o = NULL;
		}
		if (!wrote && c->wready) {
			/* conn_want_write: the socket takes more now. */
			c->wready = 0;
			if (!c->closing && !c->refusing &&
			    c->cbs.drained != NULL)
				c->cbs.drained(c, c->arg);
			return;
		}
		c->wready = 0;
	}
	if (wrote)
		write_done(c);
}

static void
hs_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	finish(arg, ERR_TIMEOUT);
}

/* Paused: the keepalives go on (the peer must not think us dead while
 * we don't read). */
static void
ka_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	struct timeval tv = rev_period(c);

	(void)fd;
	(void)what;
	if (c->done || c->closing)
		return;
	if (raw_stalled(c, mono_ms()) || keepalive_due(c, mono_ms()) != 0)
		return;
	evtimer_add(c->ka_timer, &tv);
}

static void
linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	/* Spliced, its drain timer ran out with output queued: the peer
	 * takes nothing, so a reset rather than leave the kernel the bytes
	 * to retry (conn_reset). */
	if (c->raw_out && olen(c) > 0)
		conn_reset(c);
	finish(c, c->refusing ? c->refuse_err : 0);
}

static void
kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;

	(void)fd;
	(void)what;
	/* Run once: freed before anything that may free c (a kick is
	 * rare; the next kick_soon makes another). */
	event_free_del(&c->kick);
	if (c->fail_now)
		finish(c, c->refuse_err);
	else
		conn_process(c);
}

struct conn *
conn_new(struct event_base *base, int fd, const struct chan_params *params,
    const struct conn_timing *t, const struct conn_cbs *cbs, void *arg)
{
	return conn_new_input(base, fd, params, t, cbs, arg, NULL, 0);
}

struct conn *
conn_new_input(struct event_base *base, int fd,
    const struct chan_params *params, const struct conn_timing *t,
    const struct conn_cbs *cbs, void *arg, const uint8_t *pre, size_t prelen)
{
	struct conn *c;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct timeval hs;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return NULL;
	}
	c->base = base;
	c->fd = fd;
	c->t = *t;
	c->cbs = *cbs;
	c->arg = arg;
	buf_init(&c->in, FRAME_MAX_LEN);
	buf_init(&c->out, 4 * FRAME_MAX_LEN);
	buf_init(&c->app, FRAME_MAX_LEN);
	/* Through a proxy the socket's peer is the proxy: say so rather
	 * than pass its address off as the peer's. */
	if (proxy_get() != NULL)
		snprintf(c->peer, sizeof(c->peer), "through the proxy %s",
		    proxy_describe());
	else if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		addr_format((struct sockaddr *)&ss, sl, c->peer,
		    sizeof(c->peer));
	else
		strcpy(c->peer, "?");
	evutil_make_socket_nonblocking(fd);
	if (event_assign(&c->rev, base, fd, EV_READ | EV_PERSIST, rev_cb,
	    c) != 0 || event_assign(&c->wev, base, fd, EV_WRITE | EV_PERSIST,
	    wev_cb, c) != 0)
		goto fail;
	c->evs = 1;
	c->wlow = CONN_LOW_WATER;
	if (chan_new(&c->chan, params) != 0 ||
	    (c->hs_timer = evtimer_new(base, hs_timeout_cb, c)) == NULL)
		goto fail;
	/* Chat messages are small and interactive: no Nagle delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	hs.tv_sec = t->handshake;
	hs.tv_usec = 0;
	evtimer_add(c->hs_timer, &hs);
	if (chan_start(c->chan, &c->out) != 0 || flush_out(c) != 0)
		goto fail;
	rev_update(c);
	if (prelen > 0) {
		/* Read already (the relay's admission stage): handled from
		 * the loop, as if it had just arrived. */
		if (buf_put(&c->in, pre, prelen) != 0 || kick_soon(c) != 0)
			goto fail;
	}
	return c;
 fail:
	conn_free(c);
	return NULL;
}

void
conn_reset(struct conn *c)
{
	struct linger lg = { 1, 0 };

	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->evs) {
		event_del(&c->rev);
		event_del(&c->wev);
	}
	if (c->o != NULL)
		evbuffer_free(c->o);
	if (c->fd >= 0)
		close(c->fd);
	if (c->hs_timer != NULL)
		event_free(c->hs_timer);
	if (c->ka_timer != NULL)
		event_free(c->ka_timer);
	if (c->linger_timer != NULL)
		event_free(c->linger_timer);
	if (c->kick != NULL)
		event_free(c->kick);
	chan_free(c->chan);
	buf_release(&c->in);
	buf_release(&c->out);
	buf_release(&c->app);
	free(c);
}

/* conn_send once raw: straight to the kernel if nothing is queued, and
 * only what it doesn't take is queued. */
static int
raw_send(struct conn *c, const uint8_t *p, size_t len)
{
	ssize_t n = 0;

	if (olen(c) == 0) {
		do
			n = send(c->fd, p, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			n = 0;	/* EAGAIN, or an error wev_cb will report */
		c->stall_since = mono_ms();	/* queued from now, if any */
	}
	if ((size_t)n == len)
		return 0;
	if (oget(c) == NULL ||
	    evbuffer_add(c->o, p + n, len - (size_t)n) != 0)
		return ERR_ALLOC;
	wev_want(c);
	if (evbuffer_get_length(c->o) > CONN_MAX_PENDING) {
		c->refusing = c->fail_now = 1;
		c->refuse_err = ERR_TIMEOUT;	/* the peer is not reading */
		(void)kick_soon(c);
	}
	return 0;
}

int
conn_send(struct conn *c, const uint8_t *p, size_t len)
{
	int r;

	struct evbuffer *o;
	struct evbuffer_iovec v;
	size_t need = chan_record_len(len);

	if (c->done || c->closing || c->refusing)
		return ERR_CLOSED;
	if (c->raw_out)
		return raw_send(c, p, len);
	/* Sealed straight into the output buffer: no copy. */
	if ((o = oget(c)) == NULL)
		return ERR_ALLOC;
	c->unsent_max = c->notsent;	/* the kernel gets it unseen */
	if (evbuffer_reserve_space(o, (ev_ssize_t)need, &v, 1) != 1 ||
	    v.iov_len < need)
		return ERR_ALLOC;
	if ((r = chan_send_at(c->chan, p, len, v.iov_base)) != 0)
		return r;	/* nothing committed */
	v.iov_len = need;
	if (evbuffer_commit_space(o, &v, 1) != 0)
		return ERR_ALLOC;
	wev_want(c);
	if (evbuffer_get_length(o) > CONN_MAX_PENDING)
		r = ERR_TIMEOUT;	/* the peer is not reading */
	if (r != 0) {
		/* Can't finish from inside a caller's loop: do it shortly. */
		c->refusing = c->fail_now = 1;
		c->refuse_err = r;
		(void)kick_soon(c);	/* else the dead-peer timeout */
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	if (c->done || c->closing || c->refusing)
		return;
	c->closing = 1;
	if (c->ka_timer != NULL)
		evtimer_del(c->ka_timer);
	if (c->raw_out) {
		/* No record to end with: what is queued goes out while the
		 * peer takes some of it at least every t.dead seconds (the
		 * drain timer, re-armed by wev_cb), then our EOF (write_done)
		 * and the peer's within the linger time. */
		if (olen(c) == 0) {
			shutdown(c->fd, SHUT_WR);
			c->shut = 1;
		}
		if ((olen(c) == 0 && c->peer_eof) || linger_for(c, olen(c) > 0 ?
		    c->t.dead : c->t.linger) != 0) {
			c->refusing = c->fail_now = 1;
			c->refuse_err = 0;
			(void)kick_soon(c);
		} else
			wev_want(c);
		return;
	}
	if (chan_close(c->chan, &c->out) != 0 || flush_out(c) != 0) {
		/* Nothing to say goodbye with (handshake unfinished). */
		c->refusing = c->fail_now = 1;
		c->refuse_err = 0;
		(void)kick_soon(c);	/* else the dead-peer timeout */
		return;
	}
	wev_want(c);
}

void
conn_refuse(struct conn *c, enum chan_abort reason, int err)
{
	if (c->done || c->refusing)
		return;
	if (c->ka_timer != NULL)
		evtimer_del(c->ka_timer);
	if (c->hs_timer != NULL)
		evtimer_del(c->hs_timer);
	(void)chan_put_abort(&c->out, reason);
	(void)flush_out(c);
	fail_after_flush(c, err);
}

void
conn_set_cbs(struct conn *c, const struct conn_cbs *cbs, void *arg)
{
	c->cbs = *cbs;
	c->arg = arg;
}

void
conn_set_lazy(struct conn *c, int notsent)
{
	c->notsent = notsent;
	c->unsent_max = notsent;	/* not known: conn_room asks */
	c->wlow = 0;
#ifdef TCP_NOTSENT_LOWAT
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &notsent,
	    sizeof(notsent));
#endif
}

int
conn_room(struct conn *c)
{
	int unsent = 0;

	c->unsent_known = 0;
	if (c->done || c->closing || c->refusing ||
	    olen(c) > 0)
		return 0;
#ifdef SIOCOUTQNSD
	/* The kernel's unsent bytes only shrink between our sends: while
	 * what was sent since the last look plus what it saw then is under
	 * the mark, there is room without asking it (one ioctl per
	 * 'notsent' bytes sent rather than per record). */
	if (c->notsent > 0 && c->unsent_max < c->notsent)
		return 1;
	if (c->notsent > 0 && ioctl(c->fd, SIOCOUTQNSD, &unsent) == 0) {
		c->unsent_max = unsent;
		/* Kept for conn_send_now, which comes next. */
		c->unsent = unsent;
		c->unsent_known = 1;
		if (unsent >= c->notsent)
			return 0;
	}
#endif
	return 1;
}

int
conn_send_now(struct conn *c, const uint8_t *p, size_t len)
{
	/* Ciphertext only: the caller's plaintext is sealed into it. */
	static uint8_t frame[FRAME_MAX_LEN];
	size_t need = chan_record_len(len);
	ssize_t n;
	int r, unsent = 0, lifted = 0;

	if (c->done || c->closing || c->refusing)
		return ERR_CLOSED;
	if (olen(c) > 0 || need > sizeof(frame))
		return conn_send(c, p, len);
	if ((r = chan_send_at(c->chan, p, len, frame)) != 0)
		return r;
#if defined(TCP_NOTSENT_LOWAT) && defined(SIOCOUTQNSD)
	/* The kernel starts a new segment only while its unsent bytes are
	 * under the mark: lifted for this record, so that it takes the
	 * whole of it instead of leaving part of it here. */
	if (c->notsent > 0 &&
	    (size_t)c->unsent_max + need > (size_t)c->notsent &&
	    (c->unsent_known ? (unsent = c->unsent, 0) :
	    ioctl(c->fd, SIOCOUTQNSD, &unsent)) == 0 &&
	    (size_t)unsent + need > (size_t)c->notsent) {
		lifted = unsent + (int)need + 1;
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT,
		    &lifted, sizeof(lifted));
	}
#endif
	c->unsent_known = 0;
	/* Straight to the kernel: no copy into libevent, no write event
	 * unless the kernel leaves some over. */
	do
		n = send(c->fd, frame, need, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = 0;	/* EAGAIN, or an error wev_cb will report */
	/* An upper bound on what the kernel holds unsent now. */
	if ((size_t)n < need || lifted > 0 ||
	    (size_t)c->unsent_max + need >= (size_t)c->notsent)
		c->unsent_max = c->notsent;	/* ask next time */
	else
		c->unsent_max += (int)need;
#ifdef TCP_NOTSENT_LOWAT
	if (lifted > 0)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT,
		    &c->notsent, sizeof(c->notsent));
#endif
	if ((size_t)n < need) {
		if (oget(c) == NULL ||
		    evbuffer_add(c->o, frame + n, need - (size_t)n) != 0)
			return ERR_ALLOC;
		wev_want(c);
	}
	return 0;
}

void
conn_want_write(struct conn *c)
{
	if (c->done)
		return;
	c->wready = 1;
	wev_want(c);
}

void
conn_pause(struct conn *c, int paused)
{
	c->paused = paused;
	rev_update(c);
	if (!paused && !c->done)
		(void)kick_soon(c);	/* what 'in' holds: now, not at the
					 * next read */
}

const struct chan *
conn_chan(const struct conn *c)
{
	return c->chan;
}

size_t
conn_pending(const struct conn *c)
{
	return buf_len(&c->out) + olen(c);
}

const char *
conn_peer_addr(const struct conn *c)
{
	return c->peer;
}

size_t
conn_first_bytes(const struct conn *c, const uint8_t **p)
{
	*p = c->first;
	return c->first_len;
}

int
conn_sock_err(const struct conn *c)
{
	return c->sock_err;
}

int
conn_handshake_timeout(const struct conn *c)
{
	return c->t.handshake;
}

void
conn_set_peer_addr(struct conn *c, const char *text)
{
	snprintf(c->peer, sizeof(c->peer), "%s", text);
}

int
conn_raw_output(struct conn *c)
{
	if (c->done || c->closing || c->refusing || !chan_established(c->chan))
		return ERR_STATE;
	c->raw_out = 1;
	c->stall_since = mono_ms();	/* what is queued counts from now */
	return 0;
}

int
conn_raw(const struct conn *c)
{
	return c->raw_out;
}

int
conn_raw_input(struct conn *c)
{
	if (c->done || c->refusing || !chan_established(c->chan))
		return ERR_STATE;
	c->raw_in = 1;
	/* What followed the record at hand is input now: from the loop. */
	return buf_len(&c->in) > 0 ? kick_soon(c) : 0;
}

int
conn_detach(struct conn *c, struct buf *rest)
{
	int fd, n;

	if (c->done || c->closing || c->refusing || buf_len(&c->out) > 0)
		return ERR_STATE;
	while (olen(c) > 0) {
		do
			n = evbuffer_write(c->o, c->fd);
		while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return ERR_BUSY;	/* the kernel is full: later */
		if (n <= 0)
			return ERR_CUT;
	}
	if (buf_len(&c->in) > 0 && (n = buf_put(rest, buf_ptr(&c->in),
	    buf_len(&c->in))) != 0)
		return n;
	fd = c->fd;
	c->fd = -1;
	conn_free(c);
	return fd;
}
