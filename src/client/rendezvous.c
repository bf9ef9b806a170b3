/*
 * rendezvous.c: `sotto host --relay` and `sotto join CODE` (rendezvous.h,
 * PROTOCOL §21).  Each side opens a member-relay link (§14: the relay's
 * key pinned on first use per address, as for rooms), the host asks for
 * a slot and the joiner claims it.  Once the relay pairs them, the 1:1
 * channel runs on one end of a local socket pair, exactly as on a TCP
 * connection, and what it writes to the other end goes to the relay as
 * DATA (and what comes as DATA is written there): the relay carries the
 * channel's bytes unchanged and sees only their ciphertext.
 *
 * Spliced (§21.7, when the relay offers it: PAIRED_RAW), there is no
 * socket pair: once our SPLICE is out, the link's socket itself is the
 * 1:1 channel's, as a direct chat's TCP connection is, and the relay
 * copies its bytes to the other side's.
 *
 * A failed handshake inside (a wrong code) uses up the slot: the host
 * says so, drops its link and gets a fresh slot and code.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <sodium.h>

#include "addr.h"
#include "buf.h"
#include "chat.h"
#include "client.h"
#include "config_load.h"
#include "conn.h"
#include "err.h"
#include "frame.h"
#include "identity.h"
#include "privaddr.h"
#include "proxy.h"
#include "rdvmsg.h"
#include "relay.h"
#include "relaymsg.h"
#include "relaypin.h"
#include "rendezvous.h"
#include "secret.h"
#include "term.h"
#include "words.h"

#define RDV_CONNECT_MS		10000
/* After a failed handshake the host waits this long (ms) for the
 * channel's ABORT to reach the joiner before dropping its link. */
#define RDV_BURN_MS		300
/* At the end the link's goodbye gets this long (s). */
#define RDV_BYE_S		1
/* Handing the link's socket to the channel waits this long (ms) at a
 * time, RDV_DETACH_TRIES times at most, for the kernel to take our
 * SPLICE (a few bytes, at once in practice). */
#define RDV_DETACH_MS		10
#define RDV_DETACH_TRIES	100
/* The pump stops reading the channel above this many bytes queued on
 * the link, and the link above this many bytes not yet taken by the
 * channel's socket. */
#define RDV_PUMP_HIGH		CONN_HIGH_WATER

/*
 * Our end of the socket pair, without a bufferevent: one read of up to a
 * whole DATA message's worth per readiness (no FIONREAD, no copy into an
 * input buffer: read straight into the DATA message), and what the
 * channel's end has not taken yet kept in 'o', made only while some is
 * waiting.  rev is pending while we read, wev while 'o' holds bytes.
 */
struct pump {
	int			 fd;
	struct event		*rev;
	struct event		*wev;
	struct evbuffer		*o;
	int			 reading;
};

struct rdv {
	struct event_base	*base;
	struct chat_setup	 s;
	struct term		*term;
	struct chat		*chat;
	struct identity		*link_id;	/* throwaway, for the relay */
	char			 rhost[ADDR_HOSTLEN];
	int			 rport;
	char			 where[ADDR_HOSTLEN + 8];	/* HOST:PORT */
	int			 hosting;
	struct conn		*link;
	struct conn		*pend;		/* the 1:1 channel, before
						 * it is established */
	struct pump		*pump;		/* our end of the pair */
	struct event		*burn;
	struct conn		*burnt;		/* spliced: the failed channel,
						 * kept until the burn */
	struct event		*detach;	/* spliced: hand the socket */
	int			 detach_tries;
	uint32_t		 slot;
	uint8_t			 words[WORDS_MAX];
	size_t			 nwords;
	int			 expiry;
	struct secret		*pw;		/* the host's password, or NULL */
	uint8_t			 out[RDVMSG_MAX_DATA + 1];
	int			 paired;
	int			 spliced;	/* got PAIRED_RAW */
	int			 old_relay;	/* it refused the flags byte */
	int			 tries;		/* codes used up */
	int			 max_failures;
	int			 status;
	int			 done;
};

static void	rdv_link_start(struct rdv *);

const char rdv_ask_password[] = "(ask)";

const char *
rdv_default_relay(const char *given)
{
	static struct config cfg;
	const char *e;

	if (given != NULL && *given != '\0')
		return given;
	if ((e = getenv("SOTTO_RELAY")) != NULL && *e != '\0')
		return e;
	if (config_load(&cfg) == 0 && cfg.relay[0] != '\0')
		return cfg.relay;
	return NULL;
}

static void
rdv_end(struct rdv *r, int status)
{
	struct timeval tv = { RDV_BYE_S, 0 };

	if (r->done)
		return;
	r->done = 1;
	r->status = status;
	/* Our goodbye to the relay, for a moment at most. */
	if (r->link != NULL) {
		conn_close(r->link);
		event_base_loopexit(r->base, &tv);
	} else
		event_base_loopexit(r->base, NULL);
}

/* The chat ended: so does the program. */
static void
chat_ended(struct chat *ch, int status, void *arg)
{
	struct rdv *r = arg;

	(void)ch;
	rdv_end(r, status);
}

/* --- the pump between the channel's socket and the link --------------- */

static void
pump_reading(struct pump *pp, int on)
{
	if (on && !pp->reading)
		event_add(pp->rev, NULL);
	else if (!on && pp->reading)
		event_del(pp->rev);
	pp->reading = on;
}

/* The channel's bytes to the relay, as DATA, until the link has enough
 * queued or nothing is left to read. */
static void
pump_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdv *r = arg;
	ssize_t n;
	int e;

	(void)what;
	while (r->link != NULL && r->pump != NULL) {
		if (conn_pending(r->link) > RDV_PUMP_HIGH) {
			pump_reading(r->pump, 0);	/* link_drained resumes */
			return;
		}
		n = read(fd, r->out + 1, RDVMSG_MAX_DATA);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* EOF or an error: the channel tells its own story
			 * (its conn sees its end closed). */
			if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
				pump_reading(r->pump, 0);
			return;
		}
		r->out[0] = RDVMSG_DATA;
		if ((e = conn_send(r->link, r->out, (size_t)n + 1)) != 0) {
			/* What was read is lost with it: the chat cannot go
			 * on with a hole in its stream. */
			term_error(r->term, "cannot send to the relay: %s",
			    err_str(e));
			pump_reading(r->pump, 0);
			rdv_end(r, EXIT_CONN);
			return;
		}
		if ((size_t)n < RDVMSG_MAX_DATA)
			return;		/* drained: level-triggered for more */
	}
}

/* What the channel's end had not taken; the link reads again once it has
 * taken most. */
static void
pump_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdv *r = arg;
	struct pump *pp = r->pump;

	(void)what;
	if (pp == NULL || pp->o == NULL)
		return;
	if (evbuffer_write(pp->o, fd) < 0 && errno != EAGAIN &&
	    errno != EWOULDBLOCK && errno != EINTR)
		evbuffer_drain(pp->o, evbuffer_get_length(pp->o));
	if (evbuffer_get_length(pp->o) <= CONN_LOW_WATER && r->link != NULL)
		conn_pause(r->link, 0);
	if (evbuffer_get_length(pp->o) == 0) {
		event_del(pp->wev);
		evbuffer_free(pp->o);
		pp->o = NULL;
	}
}

/* DATA from the other side, for the channel's end: written at once if
 * nothing waits, the rest kept (the link paused above RDV_PUMP_HIGH). */
static int
pump_write(struct rdv *r, const uint8_t *p, size_t len)
{
	struct pump *pp = r->pump;
	ssize_t n = 0;

	if (pp->o == NULL) {
		do
			n = send(pp->fd, p, len, MSG_NOSIGNAL);
		while (n < 0 && errno == EINTR);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return 0;	/* its end closed: the channel says so */
		if (n < 0)
			n = 0;
		if ((size_t)n == len)
			return 0;
		if ((pp->o = evbuffer_new()) == NULL)
			return ERR_ALLOC;
		event_add(pp->wev, NULL);
	}
	if (evbuffer_add(pp->o, p + n, len - (size_t)n) != 0)
		return ERR_ALLOC;
	if (evbuffer_get_length(pp->o) > RDV_PUMP_HIGH)
		conn_pause(r->link, 1);
	return 0;
}

static void
pump_free(struct rdv *r)
{
	struct pump *pp = r->pump;

	if (pp == NULL)
		return;
	if (pp->rev != NULL)
		event_free(pp->rev);
	if (pp->wev != NULL)
		event_free(pp->wev);
	if (pp->o != NULL)
		evbuffer_free(pp->o);
	close(pp->fd);		/* our end: the channel sees it close */
	free(pp);
	r->pump = NULL;
}

static int
pump_new(struct rdv *r, int fd)
{
	struct pump *pp;

	if ((pp = calloc(1, sizeof(*pp))) == NULL) {
		close(fd);
		return ERR_ALLOC;
	}
	pp->fd = fd;
	r->pump = pp;
	if ((pp->rev = event_new(r->base, fd, EV_READ | EV_PERSIST,
	    pump_read_cb, r)) == NULL || (pp->wev = event_new(r->base, fd,
	    EV_WRITE | EV_PERSIST, pump_write_cb, r)) == NULL) {
		pump_free(r);
		return ERR_ALLOC;
	}
	pump_reading(pp, 1);
	return 0;
}

/* --- the 1:1 channel before it is established ------------------------- */

static void
noop_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	(void)c;
	(void)p;
	(void)len;
	(void)arg;
}

static void
pend_established(struct conn *c, void *arg)
{
	static const struct chat_cbs ccbs = { NULL, chat_ended };
	struct rdv *r = arg;

	r->pend = NULL;
	if ((r->chat = chat_new(r->base, r->term, &r->s)) == NULL) {
		term_error(r->term, "out of memory");
		conn_free(c);
		rdv_end(r, EXIT_CONN);
		return;
	}
	chat_set_cbs(r->chat, &ccbs, r);
	conn_set_cbs(c, &chat_conn_cbs, r->chat);
	chat_attach(r->chat, c);
}

static void
burn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdv *r = arg;

	(void)fd;
	(void)what;
	pump_free(r);
	conn_free(r->burnt);
	r->burnt = NULL;
	conn_free(r->link);
	r->link = NULL;
	r->paired = r->spliced = 0;
	rdv_link_start(r);
}

/*
 * The 1:1 handshake failed (err), or with 'local' the channel could not
 * start here on a pair the relay made: the code is used up either way.
 * The joiner gives up (status 3 for a failed handshake, 4 for a local
 * failure); the host gets a new code (after RDV_BURN_MS), up to
 * --max-failures.
 */
/* A new link (burn_cb) in 'ms' milliseconds: 0, or ERR_ALLOC. */
static int
relink_in(struct rdv *r, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (r->burn == NULL &&
	    (r->burn = evtimer_new(r->base, burn_cb, r)) == NULL)
		return ERR_ALLOC;
	evtimer_add(r->burn, &tv);
	return 0;
}

static void
pair_failed(struct rdv *r, int err, int local)
{

	if (local && !r->hosting) {
		term_error(r->term, "cannot hand the link to the chat: %s",
		    err_str(err));
		rdv_end(r, EXIT_CONN);
		return;
	}
	if (local)
		term_notice(r->term, "cannot hand the link to the chat (%s); "
		    "the code is used up", err_str(err));
	else if (!r->hosting) {
		term_error(r->term, "%s", err == ERR_AUTH ?
		    "wrong code (or password): the host refused it, and the "
		    "code is now used up; ask the host for the new one" :
		    "the connection through the relay ended before the "
		    "handshake was over (a wrong code?); ask the host for a "
		    "new code");
		rdv_end(r, EXIT_AUTH);
		return;
	} else if (err != ERR_AUTH)
		term_notice(r->term, "the joiner went away before the "
		    "handshake was over (%s)", chat_err_text(err));
	r->tries++;
	if (r->tries >= r->max_failures) {
		term_error(r->term, "someone tried a wrong code; %d codes used "
		    "up (--max-failures): giving up", r->tries);
		rdv_end(r, EXIT_AUTH);
		return;
	}
	if (relink_in(r, RDV_BURN_MS) != 0)
		rdv_end(r, EXIT_CONN);
}

static void
pend_closed(struct conn *c, int err, void *arg)
{
	struct rdv *r = arg;

	r->pend = NULL;
	/* Spliced, the channel's socket is the link's: kept open until the
	 * burn, so that our ABORT reaches the joiner (closing now, with its
	 * bytes unread, would be a reset). */
	if (r->spliced && r->hosting && r->burnt == NULL)
		r->burnt = c;
	else
		conn_free(c);
	pair_failed(r, err, 0);
}

static const struct conn_cbs pend_cbs = {
	pend_established, noop_message, pend_closed, NULL
};

/* The CPace password (PROTOCOL §21.5), text without a NUL: the label,
 * the slot in decimal, the words, each line ended by LF, then the
 * optional password. */
static int
make_password(struct rdv *r, struct secret **out)
{
	char code[WORDS_CODE_MAX];
	struct buf b;
	int e;

	words_format(code, sizeof(code), r->slot, r->words, r->nwords);
	buf_init(&b, 64 + sizeof(code) + 4096);
	if ((e = buf_put(&b, RDV_PW_LABEL "\n", strlen(RDV_PW_LABEL) + 1)) == 0 &&
	    (e = buf_put(&b, code, strlen(code))) == 0 &&
	    (e = buf_put(&b, "\n", 1)) == 0 && r->pw != NULL)
		e = buf_put(&b, r->pw->p, r->pw->len);
	if (e == 0)
		e = secret_new(out, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	sodium_memzero(code, sizeof(code));
	return e;
}

/*
 * The 1:1 channel on fd (ours to close), with 'pre' read from it
 * already: one end of a local socket pair, or spliced the link's own
 * socket.
 */
static int
start_channel_on(struct rdv *r, int fd, const uint8_t *pre, size_t prelen)
{
	struct chan_params cp;
	struct secret *pw = NULL;
	uint8_t ctx[sizeof(RDV_CONTEXT) - 1 + 4];
	char via[ADDR_HOSTLEN + 32];
	int e;

	if ((e = make_password(r, &pw)) != 0) {
		term_error(r->term, "cannot make the password: %s", err_str(e));
		close(fd);
		return EXIT_CONN;
	}
	memcpy(ctx, RDV_CONTEXT, sizeof(RDV_CONTEXT) - 1);
	ctx[sizeof(ctx) - 4] = (uint8_t)(r->slot >> 24);
	ctx[sizeof(ctx) - 3] = (uint8_t)(r->slot >> 16);
	ctx[sizeof(ctx) - 2] = (uint8_t)(r->slot >> 8);
	ctx[sizeof(ctx) - 1] = (uint8_t)r->slot;
	memset(&cp, 0, sizeof(cp));
	cp.role = r->hosting ? CHAN_SERVER : CHAN_CLIENT;
	cp.password = pw->p;
	cp.password_len = pw->len;
	cp.identity = r->s.id;
	cp.context = ctx;
	cp.context_len = sizeof(ctx);
	r->pend = conn_new_input(r->base, fd, &cp, &r->s.timing, &pend_cbs, r,
	    pre, prelen);
	secret_free(pw);
	if (r->pend == NULL) {
		term_error(r->term, "cannot start the connection");
		return EXIT_CONN;
	}
	snprintf(via, sizeof(via), "via the relay %s", r->where);
	conn_set_peer_addr(r->pend, via);
	return 0;
}

/* The relay paired us (PAIRED): the 1:1 channel starts on a local socket
 * pair, whose other end the pump carries in DATA messages. */
static int
start_channel(struct rdv *r)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		term_error(r->term, "socketpair: %s", strerror(errno));
		return EXIT_CONN;
	}
	evutil_make_socket_nonblocking(sv[1]);
	if (pump_new(r, sv[1]) != 0) {
		close(sv[0]);
		return EXIT_CONN;
	}
	return start_channel_on(r, sv[0], NULL, 0);
}

/* Spliced: once our SPLICE is with the kernel, the link's socket is the
 * channel's (from the loop: not inside one of the link's callbacks). */
static void
detach_cb(evutil_socket_t fd, short what, void *arg)
{
	struct rdv *r = arg;
	struct timeval tv = { 0, RDV_DETACH_MS * 1000 };
	struct buf rest;
	int sfd, st;

	(void)fd;
	(void)what;
	if (r->link == NULL || r->done)
		return;
	buf_init(&rest, FRAME_MAX_LEN);	/* what conn's input may hold */
	sfd = conn_detach(r->link, &rest);
	if (sfd == ERR_BUSY && ++r->detach_tries < RDV_DETACH_TRIES) {
		buf_release(&rest);
		evtimer_add(r->detach, &tv);
		return;
	}
	if (sfd < 0) {
		/* The pair is made and the code used up: as a failed
		 * handshake (the host gets a new code). */
		buf_release(&rest);
		conn_free(r->link);
		r->link = NULL;
		pair_failed(r, sfd, 1);
		return;
	}
	r->link = NULL;	/* freed by conn_detach */
	st = start_channel_on(r, sfd, buf_ptr(&rest), buf_len(&rest));
	buf_release(&rest);
	if (st != 0)
		rdv_end(r, st);
}

/*
 * PAIRED_RAW: our SPLICE is the link's last record; then no more of
 * them (no keepalive), no more reading as records, and the socket goes
 * to the channel from the loop.
 */
static int
start_splice(struct rdv *r)
{
	struct timeval tv = { 0, 0 };
	struct buf b;
	int e;

	buf_init(&b, 4);
	if ((e = rdvmsg_put_splice(&b)) == 0)
		e = conn_send(r->link, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	if (e == 0)
		e = conn_raw_output(r->link);
	if (e != 0) {
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
		return EXIT_CONN;
	}
	conn_pause(r->link, 1);
	r->detach_tries = 0;
	if (r->detach == NULL &&
	    (r->detach = evtimer_new(r->base, detach_cb, r)) == NULL) {
		term_error(r->term, "out of memory");
		return EXIT_CONN;
	}
	evtimer_add(r->detach, &tv);
	return 0;
}

/* --- the link to the relay -------------------------------------------- */

/* The relay's key: pinned on first use per address (known_relays). */
static int
check_relay(struct rdv *r)
{
	return relaypin_check(r->term, r->s.peers_path, r->where,
	    chan_peer_identity(conn_chan(r->link)));
}

static void
link_established(struct conn *c, void *arg)
{
	struct rdv *r = arg;
	struct buf b;
	uint8_t fl;
	int st, e;

	if ((st = check_relay(r)) != 0) {
		rdv_end(r, st);
		return;
	}
	buf_init(&b, 16);
	/* Spliced if the relay offers it (§21.7); not asked of a relay
	 * that refused the asking. */
	fl = r->old_relay ? 0 : RDVMSG_F_SPLICE;
	e = r->hosting ? rdvmsg_put_open(&b, (uint16_t)r->expiry, fl) :
	    rdvmsg_put_claim(&b, r->slot, fl);
	if (e == 0)
		e = conn_send(c, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	if (e != 0) {
		term_error(r->term, "cannot send to the relay: %s", err_str(e));
		rdv_end(r, EXIT_CONN);
	}
}

static void
print_local(const char *a, void *arg)
{
	struct term *t = arg;

	term_notice(t, "a local address: %s%s", a,
	    addr_is_private(a) ? " (private)" : "");
}

void
rdv_show_addresses(struct term *t, const uint8_t *seen, size_t n)
{
	term_notice(t, "the relay sees you as %.*s", (int)n,
	    (const char *)seen);
	(void)addr_list_local(print_local, t);
}

/* SLOT: a fresh code, shown with the addresses. */
static void
got_slot(struct rdv *r, const struct rdvmsg *m)
{
	char code[WORDS_CODE_MAX];

	r->slot = m->slot;
	randombytes_buf(r->words, r->nwords);
	words_format(code, sizeof(code), r->slot, r->words, r->nwords);
	if (r->tries == 0)
		rdv_show_addresses(r->term, m->data, m->data_len);
	if (r->tries > 0)
		term_notice(r->term, "someone tried a wrong code; here is a "
		    "new one: %s", code);
	term_notice(r->term, "code: %s", code);
	term_notice(r->term, "give the code to the one you want to talk to "
	    "(sotto join %s --relay %s%s); it works once, for %d s; your "
	    "name is %s", code, r->where, r->pw != NULL ?
	    " with the same password" : "", (int)m->expiry, r->s.name);
	sodium_memzero(code, sizeof(code));
}

static void
got_error(struct rdv *r, const struct rdvmsg *m)
{
	int st = EXIT_CONN;

	/* Our OPEN or CLAIM refused as malformed: a relay from before
	 * §21.7, which knows no flags byte.  Once more without it, on a
	 * new link (from the loop: this is the link's callback). */
	if (m->code == RDVMSG_ERR_PROTOCOL && !r->old_relay && !r->paired &&
	    (!r->hosting || r->slot == 0)) {
		r->old_relay = 1;
		term_notice(r->term, "the relay at %s does not splice chats "
		    "(an older relay); asking it the older way", r->where);
		if (relink_in(r, 0) == 0)
			return;
	}

	switch (m->code) {
	case RDVMSG_ERR_NO_SLOT:
		st = EXIT_AUTH;
		break;
	case RDVMSG_ERR_EXPIRED:
		st = r->hosting ? EXIT_CONN : EXIT_AUTH;
		break;
	case RDVMSG_ERR_PEER_GONE:
		if (r->chat != NULL || r->hosting)
			return;		/* the channel says what happened */
		if (r->pend != NULL)
			return;		/* pend_closed will */
		break;
	}
	if (m->code == RDVMSG_ERR_EXPIRED && !r->hosting)
		term_error(r->term, "expired code: %.*s", (int)m->data_len,
		    (const char *)m->data);
	else
		term_error(r->term, "the relay says: %.*s", (int)m->data_len,
		    (const char *)m->data);
	rdv_end(r, st);
}

static void
link_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct rdv *r = arg;
	struct rdvmsg m;
	struct relaymsg rm;
	int st;

	(void)c;
	if (len > 0 && p[0] == RELAYMSG_ERROR &&
	    relaymsg_parse(&rm, p, len) == 0) {
		term_error(r->term, "the relay says: %.*s",
		    (int)rm.blob_len, (const char *)rm.blob);
		rdv_end(r, EXIT_CONN);
		return;
	}
	if (rdvmsg_parse(&m, p, len) != 0) {
		term_error(r->term, "the relay sent a malformed message");
		rdv_end(r, EXIT_CONN);
		return;
	}
	switch (m.type) {
	case RDVMSG_SLOT:
		if (!r->hosting || r->slot != 0)
			goto unexpected;
		got_slot(r, &m);
		return;
	case RDVMSG_PAIRED:
	case RDVMSG_PAIRED_RAW:
		if (r->paired || (r->hosting && r->slot == 0))
			goto unexpected;
		r->paired = 1;
		r->spliced = m.type == RDVMSG_PAIRED_RAW;
		if (r->hosting)
			term_notice(r->term, "someone claimed the code; "
			    "authenticating...");
		else
			term_notice(r->term, "paired through the relay (it sees "
			    "you as %.*s); authenticating...",
			    (int)m.data_len, (const char *)m.data);
		if ((st = r->spliced ? start_splice(r) : start_channel(r)) !=
		    0)
			rdv_end(r, st);
		return;
	case RDVMSG_DATA_FROM:
		if (!r->paired || r->spliced)
			goto unexpected;
		if (r->pump == NULL)
			return;
		if (pump_write(r, m.data, m.data_len) != 0) {
			term_error(r->term, "out of memory");
			rdv_end(r, EXIT_CONN);
		}
		return;
	case RDVMSG_ERROR:
		got_error(r, &m);
		return;
	}
 unexpected:
	term_error(r->term, "the relay sent an unexpected message");
	rdv_end(r, EXIT_CONN);
}

static void
link_closed(struct conn *c, int err, void *arg)
{
	struct rdv *r = arg;

	if (c != r->link)
		return;
	if (r->done) {
		event_base_loopbreak(r->base);
		return;
	}
	/* The chat's channel ends with the pump's socket. */
	pump_free(r);
	if (r->chat != NULL || r->pend != NULL || r->done ||
	    (r->burn != NULL && evtimer_pending(r->burn, NULL)))
		return;
	term_error(r->term, "the link to the relay at %s ended%s%s",
	    r->where, err != 0 ? ": " : "", err != 0 ? chat_err_text(err) : "");
	rdv_end(r, EXIT_CONN);
}

static void
link_drained(struct conn *c, void *arg)
{
	struct rdv *r = arg;

	(void)c;
	if (r->pump != NULL && !r->pump->reading) {
		pump_reading(r->pump, 1);
		pump_read_cb(r->pump->fd, EV_READ, r);
	}
}

static const struct conn_cbs link_cbs = {
	link_established, link_message, link_closed, link_drained
};

/* Connects to the relay (through addr_connect, like every outbound
 * connection) and starts the link. */
static void
rdv_link_start(struct rdv *r)
{
	struct chan_params cp;
	char why[256];
	int fd;

	r->slot = r->hosting ? 0 : r->slot;
	/* Through a proxy (Tor builds a circuit) the longer deadline, as
	 * for every other outbound connection. */
	if ((fd = addr_connect(r->rhost, r->rport,
	    proxy_timeout(RDV_CONNECT_MS), why, sizeof(why))) < 0) {
		term_error(r->term, "cannot reach the relay: %s", why);
		rdv_end(r, EXIT_CONN);
		return;
	}
	relay_link_client_params(&cp, r->link_id);
	if ((r->link = conn_new(r->base, fd, &cp, &r->s.timing, &link_cbs,
	    r)) == NULL) {
		term_error(r->term, "cannot start the connection");
		rdv_end(r, EXIT_CONN);
	}
}

/* --- the terminal ------------------------------------------------------ */

static void
term_line(const char *line, size_t len, void *arg)
{
	struct rdv *r = arg;

	if (r->chat != NULL)
		chat_line(r->chat, line, len);
	else if (chat_is_leave(line, len))
		rdv_end(r, EXIT_OK);
}

static void
term_text(const char *line, size_t len, void *arg)
{
	struct rdv *r = arg;

	if (r->chat != NULL)
		chat_say(r->chat, line, len);
}

static void
term_eof(int interrupted, void *arg)
{
	struct rdv *r = arg;

	if (r->chat != NULL)
		chat_leave(r->chat, interrupted);
	else
		rdv_end(r, EXIT_OK);
}

static int
rdv_run(struct rdv *r, const char *relay)
{
	static const struct term_cbs tcbs = { term_line, term_eof,
	    term_text };

	if (addr_split(relay, RELAY_DEFAULT_PORT, 0, r->rhost,
	    &r->rport) != 0) {
		fprintf(stderr, "sotto: bad relay address '%s' (HOST, "
		    "HOST:PORT or [IPv6]:PORT)\n", relay);
		return EXIT_USAGE;
	}
	snprintf(r->where, sizeof(r->where), "%s:%d", r->rhost, r->rport);
	/* A relayed conversation is not resumed (PROTOCOL §21.3). */
	r->s.reconnect_for = 0;
	if (identity_generate(&r->link_id) != 0 ||
	    (r->base = event_base_new()) == NULL ||
	    (r->term = term_new(r->base, r->s.plain, &tcbs, r)) == NULL) {
		fprintf(stderr, "sotto: out of memory\n");
		r->status = EXIT_CONN;
		goto out;
	}
	r->status = EXIT_CONN;
	rdv_link_start(r);
	/* In line mode lines typed before the chat wait for it. */
	if (term_interactive(r->term))
		term_input(r->term, 1);
	if (!r->done)
		event_base_dispatch(r->base);
 out:
	conn_free(r->pend);
	pump_free(r);
	conn_free(r->link);
	conn_free(r->burnt);
	chat_free(r->chat);
	if (r->burn != NULL)
		event_free(r->burn);
	if (r->detach != NULL)
		event_free(r->detach);
	term_free(r->term);
	if (r->base != NULL)
		event_base_free(r->base);
	identity_free(r->link_id);
	return r->status;
}

static int
rdv_start(struct rdv *r, struct chat_setup *s, const char *relay,
    const char *name, const char *pwfile)
{
	int st;

	r->s = *s;
	memset(s, 0, sizeof(*s));
	if ((relay = rdv_default_relay(relay)) == NULL) {
		fprintf(stderr, "sotto: which relay? --relay HOST[:PORT], or "
		    "SOTTO_RELAY, or 'relay = HOST[:PORT]' in the config "
		    "file\n");
		st = EXIT_USAGE;
		goto out;
	}
	if ((st = chat_set_name(&r->s, name)) != 0 ||
	    (st = chat_load_identity(&r->s)) != 0)
		goto out;
	if (pwfile == rdv_ask_password) {
		if ((st = chat_get_password(&r->s, NULL, r->hosting)) != 0)
			goto out;
		r->pw = r->s.password;	/* ours now */
		r->s.password = NULL;
	} else if (pwfile != NULL &&
	    (st = secret_read_file(&r->pw, pwfile)) != 0) {
		fprintf(stderr, "sotto: cannot read the password from %s: "
		    "%s\n", pwfile, st == ERR_IO ? strerror(errno) :
		    err_str(st));
		st = EXIT_USAGE;
		goto out;
	}
	st = rdv_run(r, relay);
 out:
	secret_free(r->pw);
	chat_setup_release(&r->s);
	sodium_memzero(r, sizeof(*r));
	free(r);
	return st;
}

int
rdv_host_start(struct chat_setup *s, const char *relay, const char *name,
    const char *pwfile, int nwords, int expiry, int max_failures)
{
	struct rdv *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return EXIT_CONN;
	r->hosting = 1;
	r->max_failures = max_failures > 0 ? max_failures :
	    RDV_DEFAULT_MAX_FAILURES;
	r->nwords = (size_t)nwords;
	r->expiry = expiry;
	return rdv_start(r, s, relay, name, pwfile);
}

int
rdv_join_start(struct chat_setup *s, const char *code, const char *relay,
    const char *name, const char *pwfile)
{
	struct rdv *r;
	char why[256];

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return EXIT_CONN;
	if (words_parse(code, &r->slot, r->words, &r->nwords, why,
	    sizeof(why)) != 0) {
		fprintf(stderr, "sotto: %s\n", why);
		free(r);
		chat_setup_release(s);
		return EXIT_USAGE;
	}
	return rdv_start(r, s, relay, name, pwfile);
}
