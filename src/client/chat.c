/* chat.c: one 1:1 conversation on a secure connection (see chat.h). */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "chat.h"
#include "config_load.h"
#include "conn.h"
#include "err.h"
#include "identity.h"
#include "keyfile.h"
#include "known_peers.h"
#include "msg.h"
#include "pwstrength.h"
#include "secret.h"
#include "term.h"

/* One sent message the peer has not acknowledged yet (its plaintext:
 * wiped when freed). */
struct qmsg {
	uint64_t	 seq;
	uint8_t		*p;	/* the encoded message */
	size_t		 len;
};

/* The session and what resuming it needs, in guarded memory. */
struct chat_sess {
	struct chan_resume	 r;
	uint8_t			 pending[CHAN_KEY_BYTES];	/* client: next secret,
								 * once confirmed */
	int			 has_pending;
};

struct chat {
	struct event_base	*base;
	struct chat_cbs		 cbs;
	void			*cbs_arg;
	struct chat_sess	*sess;	/* NULL until established */
	int			 connected;	/* conn is live */
	int			 synced;	/* the peer's ACK since connecting */
	int			 reconnecting;	/* cut; may be resumed */
	int			 leave_pending;	/* leave once delivered */
	uint64_t		 sent;		/* numbered messages sent */
	uint64_t		 acked;		/* ... acknowledged by the peer */
	uint64_t		 next_send;	/* next to put on the wire */
	uint64_t		 received;	/* numbered messages received */
	uint64_t		 ack_sent;	/* the last ACK we sent */
	struct qmsg		*q;		/* seq acked+1 .. sent, in order */
	size_t			 qcap, qhead, qlen;
	int			 q_held;	/* input held: queue full */
	struct event		*ack_timer;
	struct event		*window_timer;
	struct term		*term;
	const struct chat_setup	*s;
	struct conn		*conn;
	char			 peer[MSG_MAX_NAME + 1];
	int			 peer_color;
	char			 safety[SAFETY_NUMBER_LEN + 1];
	int			 own_color;
	int			 got_info;
	int			 confirming;	/* asking about a changed key */
	int			 we_left;
	int			 hangup;	/* we ended it: status below */
	int			 refused;	/* the peer ended it: REFUSE */
	int			 hangup_status;
	int			 done;
	int			 status;
};

static const char HELP[] =
    "commands: /help  /me ACTION  /verify  /quit (also 'bye', 'exit', "
    "Ctrl-D); a line starting with // sends a line starting with /";

void
chat_setup_init(struct chat_setup *s)
{
	struct conn_timing t = CONN_TIMING_DEFAULT;

	memset(s, 0, sizeof(*s));
	s->timing = t;
	s->reconnect_for = CHAT_RECONNECT_FOR;
}

void
chat_setup_release(struct chat_setup *s)
{
	secret_free(s->password);
	identity_free(s->id);
	s->password = NULL;
	s->id = NULL;
}

int
chat_key_color(const uint8_t pk[IDENTITY_PK_BYTES])
{
	uint8_t h[8];

	crypto_generichash(h, sizeof(h), pk, IDENTITY_PK_BYTES,
	    (const uint8_t *)"sotto colour v1", 15);
	/* Components 1..5 of 0..5: never black, rarely too dark. */
	return 16 + 36 * (1 + h[0] % 5) + 6 * (1 + h[1] % 5) + (1 + h[2] % 5);
}

const char *
chat_err_text(int err)
{
	switch (err) {
	case ERR_CUT:
		return "the connection was cut";
	case ERR_TIMEOUT:
		return "the peer stopped responding";
	case ERR_RECORD:
		return "a message failed authentication: the connection was "
		    "tampered with, and has been closed";
	}
	return err_str(err);
}

/* The first bytes as C-like text: printable ASCII as is, the rest
 * escaped, so that nothing the peer sent can reach the terminal raw. */
static void
quote_bytes(char *out, size_t outlen, const uint8_t *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < outlen; i++) {
		if (p[i] == '\r' || p[i] == '\n') {
			out[o++] = '\\';
			out[o++] = p[i] == '\r' ? 'r' : 'n';
		} else if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\')
			out[o++] = (char)p[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    p[i]);
	}
	if (i < n && o + 4 <= outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int
chat_handshake_err(const struct conn *c, int err, int relay, char *out,
    size_t outlen)
{
	const char *what = relay ? "relay" : "host";
	const uint8_t *p;
	char q[4 * CONN_FIRST_BYTES + 8];
	size_t n;

	if (chan_established(conn_chan(c)))
		return 0;
	n = conn_first_bytes(c, &p);
	switch (err) {
	case ERR_IS_RELAY:
		snprintf(out, outlen, "%s is a sotto relay, not a 1:1 host; to "
		    "join a room use 'sotto join INVITATION' (the invitation "
		    "comes from 'sotto room new')", conn_peer_addr(c));
		return 1;
	case ERR_IS_HOST:
		snprintf(out, outlen, "%s is a sotto 1:1 host, not a relay; "
		    "to chat with it use 'sotto join %s', or give "
		    "--relay the address of a 'sotto relay'", conn_peer_addr(c),
		    conn_peer_addr(c));
		return 1;
	case ERR_VERSION:
	case ERR_TYPE:
		/* Judged from the first header bytes: not a sotto frame. */
		if (n == 0)
			return 0;
		quote_bytes(q, sizeof(q), p, n);
		snprintf(out, outlen, "%s is not a sotto %s (it sent \"%s\")",
		    conn_peer_addr(c), what, q);
		return 1;
	case ERR_CUT:
		if (n != 0)
			return 0;
		/* A reset is a close too (one with our bytes unread): the
		 * reason is added, as an overloaded or stopping server resets
		 * as well. */
		snprintf(out, outlen, "%s is not a sotto %s (it closed the "
		    "connection without sending anything%s%s; a sotto %s "
		    "always answers)", conn_peer_addr(c), what,
		    conn_sock_err(c) != 0 ? ": " : "",
		    conn_sock_err(c) != 0 ? strerror(conn_sock_err(c)) : "",
		    what);
		return 1;
	case ERR_TIMEOUT:
		if (n != 0)
			return 0;
		snprintf(out, outlen, "%s is not answering like a sotto %s (it "
		    "accepted the connection but sent nothing in %d s; a sotto "
		    "%s answers at once): wrong port, or it is stuck",
		    conn_peer_addr(c), what, conn_handshake_timeout(c), what);
		return 1;
	}
	return 0;
}

int
chat_err_status(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case ERR_AUTH:
		return EXIT_AUTH;
	}
	return EXIT_CONN;
}

static void	ack_cb(evutil_socket_t, short, void *);
static void	window_cb(evutil_socket_t, short, void *);

struct chat *
chat_new(struct event_base *base, struct term *t, const struct chat_setup *s)
{
	struct chat *ch;

	if ((ch = calloc(1, sizeof(*ch))) == NULL)
		return NULL;
	ch->base = base;
	ch->term = t;
	ch->s = s;
	ch->own_color = chat_key_color(s->id->pk);
	ch->next_send = 1;
	if ((ch->ack_timer = evtimer_new(base, ack_cb, ch)) == NULL ||
	    (ch->window_timer = evtimer_new(base, window_cb, ch)) == NULL) {
		chat_free(ch);
		return NULL;
	}
	return ch;
}

static void
q_drop_through(struct chat *ch, uint64_t seq)
{
	struct qmsg *m;

	while (ch->qlen > 0 && (m = &ch->q[ch->qhead])->seq <= seq) {
		sodium_memzero(m->p, m->len);
		free(m->p);
		memset(m, 0, sizeof(*m));
		ch->qhead = (ch->qhead + 1) % ch->qcap;
		ch->qlen--;
	}
}

void
chat_free(struct chat *ch)
{
	if (ch == NULL)
		return;
	conn_free(ch->conn);
	q_drop_through(ch, UINT64_MAX);
	free(ch->q);
	if (ch->sess != NULL)
		sodium_free(ch->sess);
	if (ch->ack_timer != NULL)
		event_free(ch->ack_timer);
	if (ch->window_timer != NULL)
		event_free(ch->window_timer);
	free(ch);
}

void
chat_set_cbs(struct chat *ch, const struct chat_cbs *cbs, void *arg)
{
	ch->cbs = *cbs;
	ch->cbs_arg = arg;
}

static void
end(struct chat *ch, int status)
{
	if (ch->done)
		return;
	ch->done = 1;
	ch->status = status;
	ch->connected = 0;
	evtimer_del(ch->ack_timer);
	evtimer_del(ch->window_timer);
	term_input(ch->term, 0);
	term_hold(ch->term, 0);
	if (ch->cbs.ended != NULL)
		ch->cbs.ended(ch, status, ch->cbs_arg);
	else
		event_base_loopbreak(ch->base);
}

/* The lines the peer never acknowledged, for the user. */
static void
list_undelivered(struct chat *ch)
{
	struct msg m;
	size_t i, n = 0;

	for (i = 0; i < ch->qlen; i++) {
		struct qmsg *q = &ch->q[(ch->qhead + i) % ch->qcap];

		if (msg_parse(&m, q->p, q->len) == 0 &&
		    (m.type == MSG_TEXT || m.type == MSG_ACTION))
			n++;
	}
	if (n == 0)
		return;
	term_notice(ch->term, "%zu line%s never delivered:", n,
	    n == 1 ? " was" : "s were");
	for (i = 0; i < ch->qlen; i++) {
		struct qmsg *q = &ch->q[(ch->qhead + i) % ch->qcap];

		if (msg_parse(&m, q->p, q->len) != 0)
			continue;
		if (m.type == MSG_TEXT)
			term_message(ch->term, ch->s->name, ch->own_color,
			    m.data, m.len);
		else if (m.type == MSG_ACTION)
			term_action(ch->term, ch->s->name, ch->own_color,
			    m.data, m.len);
	}
}

void
chat_abandon(struct chat *ch, const char *why, int status)
{
	if (ch->done)
		return;
	term_notice(ch->term, "%s", why);
	list_undelivered(ch);
	conn_free(ch->conn);
	ch->conn = NULL;
	end(ch, status);
}

static void
window_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *ch = arg;
	char why[128];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "no reconnection within %d s: the "
	    "conversation is over", ch->s->reconnect_for);
	chat_abandon(ch, why, EXIT_CONN);
}

const struct chan_resume *
chat_resume_params(const struct chat *ch)
{
	if (ch->done || ch->sess == NULL || ch->s->reconnect_for <= 0 ||
	    ch->hangup || ch->confirming)
		return NULL;
	return &ch->sess->r;
}

int
chat_has_session(const struct chat *ch, const uint8_t sid[CHAN_SID_BYTES])
{
	return chat_resume_params(ch) != NULL &&
	    sodium_memcmp(ch->sess->r.sid, sid, CHAN_SID_BYTES) == 0;
}

int
chat_connected(const struct chat *ch)
{
	return ch->connected;
}

int
chat_we_left(const struct chat *ch)
{
	return ch->we_left;
}

/*
 * We end the conversation (bad message, refused key): send the close
 * record and let it go out; the chat ends with 'status' once the
 * connection is done.  Input stops now.
 */
static void	send_msg(struct chat *, uint8_t, const uint8_t *, size_t);

static void
hang_up(struct chat *ch, int status, enum msg_refuse why)
{
	uint8_t reason = (uint8_t)why;

	/* Tell the peer why, so it doesn't think we simply left. */
	if (why != 0 && chan_established(conn_chan(ch->conn)))
		send_msg(ch, MSG_REFUSE, &reason, 1);
	ch->we_left = 1;
	ch->hangup = 1;
	ch->hangup_status = status;
	term_input(ch->term, 0);
	conn_close(ch->conn);
}

/* Puts one encoded message on the wire now (if there is a wire). */
static int
wire_send(struct chat *ch, const uint8_t *p, size_t len)
{
	int r;

	if (ch->conn == NULL || !ch->connected)
		return ERR_CLOSED;
	if ((r = conn_send(ch->conn, p, len)) != 0)
		term_error(ch->term, "not sent: %s", err_str(r));
	else if (conn_pending(ch->conn) > CONN_HIGH_WATER)
		term_hold(ch->term, 1);	/* until on_drained */
	return r;
}

/* Sends what is queued and not yet on this connection, in order. */
static void
flush_queue(struct chat *ch)
{
	struct qmsg *m;
	size_t i;

	while (ch->connected && ch->synced && ch->next_send <= ch->sent &&
	    ch->qlen > 0) {
		i = (size_t)(ch->next_send - ch->q[ch->qhead].seq);
		m = &ch->q[(ch->qhead + i) % ch->qcap];
		if (wire_send(ch, m->p, m->len) != 0)
			return;
		ch->next_send++;
	}
	if (ch->leave_pending && ch->connected && ch->synced &&
	    ch->next_send > ch->sent) {
		ch->leave_pending = 0;
		conn_close(ch->conn);
	}
}

/* A numbered message (INFO, TEXT, ACTION): kept until acknowledged, sent
 * when connected.  0, or an error already shown to the user. */
static int
send_seq(struct chat *ch, uint8_t type, const uint8_t *p, size_t len)
{
	struct buf b;
	struct qmsg *m, *nq;
	size_t i, ncap;
	int r;

	buf_init(&b, 1 + MSG_MAX_TEXT);
	if ((r = msg_put(&b, type, p, len)) != 0) {
		term_error(ch->term, "%s: not sent",
		    r == ERR_TOO_LARGE ? "message longer than 4096 bytes" :
		    err_str(r));
		goto out;
	}
	if (ch->qlen == ch->qcap) {
		r = ERR_ALLOC;
		ncap = ch->qcap == 0 ? 64 : 2 * ch->qcap;
		if ((nq = calloc(ncap, sizeof(*nq))) == NULL)
			goto oom;
		for (i = 0; i < ch->qlen; i++)
			nq[i] = ch->q[(ch->qhead + i) % ch->qcap];
		free(ch->q);
		ch->q = nq;
		ch->qcap = ncap;
		ch->qhead = 0;
	}
	m = &ch->q[(ch->qhead + ch->qlen) % ch->qcap];
	if ((m->p = malloc(buf_len(&b))) == NULL)
		goto oom;
	memcpy(m->p, buf_ptr(&b), buf_len(&b));
	m->len = buf_len(&b);
	m->seq = ++ch->sent;
	ch->qlen++;
	term_pending(ch->term, ch->qlen);
	if (ch->qlen >= CHAT_MAX_UNACKED && !ch->q_held) {
		ch->q_held = 1;
		term_hold(ch->term, 1);	/* until the peer acknowledges */
	}
	flush_queue(ch);
	r = 0;
	goto out;
 oom:
	term_error(ch->term, "out of memory: not sent");
 out:
	buf_release(&b);
	return r;
}

/* An unnumbered message (REFUSE, ACK): this connection only. */
static void
send_msg(struct chat *ch, uint8_t type, const uint8_t *p, size_t len)
{
	struct buf b;
	int r;

	buf_init(&b, 1 + MSG_MAX_TEXT);
	if ((r = msg_put(&b, type, p, len)) != 0)
		term_error(ch->term, "%s: not sent", err_str(r));
	else
		(void)wire_send(ch, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
}

static void
send_ack(struct chat *ch)
{
	struct buf b;

	evtimer_del(ch->ack_timer);
	/* After our close nothing more goes out; an ACK that cannot go
	 * now is sent after the next resumption anyway. */
	if (ch->conn == NULL || !ch->connected || ch->hangup ||
	    (ch->we_left && !ch->leave_pending))
		return;
	buf_init(&b, 16);
	if (msg_put_ack(&b, ch->received) == 0 &&
	    conn_send(ch->conn, buf_ptr(&b), buf_len(&b)) == 0)
		ch->ack_sent = ch->received;
	buf_release(&b);
}

static void
ack_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *ch = arg;

	(void)fd;
	(void)what;
	if (!ch->done && ch->received > ch->ack_sent)
		send_ack(ch);
}

/* One more numbered message arrived: acknowledge soon. */
static void
count_received(struct chat *ch)
{
	struct timeval tv = { 0, CHAT_ACK_MS * 1000 };

	ch->received++;
	if (ch->received - ch->ack_sent >= CHAT_ACK_EVERY)
		send_ack(ch);
	else if (!evtimer_pending(ch->ack_timer, NULL))
		evtimer_add(ch->ack_timer, &tv);
}

/* The peer's ACK: drop what it has, and after a (re)connection resend
 * what it has not.  0, or ERR_FORMAT for an impossible count. */
static int
on_ack(struct chat *ch, uint64_t n)
{
	/* Nothing the peer could have: more than we put on the wire. */
	if (n > ch->sent || n < ch->acked || n >= ch->next_send)
		return ERR_FORMAT;
	q_drop_through(ch, n);
	term_pending(ch->term, ch->qlen);
	ch->acked = n;
	if (ch->q_held && ch->qlen < CHAT_MAX_UNACKED / 2) {
		ch->q_held = 0;
		term_hold(ch->term, 0);
	}
	if (!ch->synced) {
		ch->synced = 1;
		ch->next_send = n + 1;
		flush_queue(ch);
	}
	return 0;
}

static void	on_connected(struct chat *);

void
chat_attach(struct chat *ch, struct conn *c)
{
	if (ch->conn != NULL && ch->conn != c) {
		/* A resumption replaces a connection we still thought
		 * alive (the peer saw it die first). */
		if (ch->connected && !ch->reconnecting)
			term_notice(ch->term, "connection lost; "
			    "reconnecting\xe2\x80\xa6");
		conn_free(ch->conn);
		ch->connected = 0;
	}
	ch->conn = c;
	if (chan_established(conn_chan(c)))
		on_connected(ch);
}

void
chat_start(struct chat *ch)
{
	on_connected(ch);
}

/*
 * The connection is established: a new session (the password
 * handshake: keep what resuming it needs, send INFO) or a resumed one
 * (ratchet the secret, tell the peer what we have, wait for its ACK
 * before resending).
 */
static void
on_connected(struct chat *ch)
{
	const struct chan *cn = conn_chan(ch->conn);
	uint8_t sid[CHAN_SID_BYTES], next[CHAN_KEY_BYTES];
	int resumed = 0, confirmed = 0;

	if (ch->connected || chan_session(cn, sid, next, &resumed,
	    &confirmed) != 0)
		return;
	ch->connected = 1;
	if (ch->sess == NULL) {
		if ((ch->sess = sodium_malloc(sizeof(*ch->sess))) == NULL) {
			term_error(ch->term, "out of memory");
			hang_up(ch, EXIT_CONN, 0);
			goto out;
		}
		sodium_memzero(ch->sess, sizeof(*ch->sess));
		memcpy(ch->sess->r.sid, sid, sizeof(sid));
		memcpy(ch->sess->r.secret, next, sizeof(next));
		memcpy(ch->sess->r.peer_pk, chan_peer_identity(cn),
		    IDENTITY_PK_BYTES);
		ch->synced = 1;
		send_seq(ch, MSG_INFO, (const uint8_t *)ch->s->name,
		    strlen(ch->s->name));
		goto out;
	}
	if (resumed == 0) {
		/* A password handshake cannot continue a session. */
		term_error(ch->term, "internal error: a new session on an "
		    "old conversation");
		hang_up(ch, EXIT_CONN, 0);
		goto out;
	}
	if (confirmed) {
		/* Server: the client holds 'next'; keep the secret it used
		 * as the previous one. */
		if (resumed == 1)
			memcpy(ch->sess->r.prev, ch->sess->r.secret,
			    CHAN_KEY_BYTES);
		memcpy(ch->sess->r.secret, next, CHAN_KEY_BYTES);
		ch->sess->r.has_prev = 1;
	} else {
		memcpy(ch->sess->pending, next, CHAN_KEY_BYTES);
		ch->sess->has_pending = 1;
	}
	ch->reconnecting = 0;
	evtimer_del(ch->window_timer);
	ch->synced = 0;
	term_notice(ch->term, "reconnected");
	term_set_link(ch->term, TERM_LINK_UP);
	send_ack(ch);
	if (!ch->leave_pending)
		term_input(ch->term, ch->got_info && !ch->confirming);
 out:
	sodium_memzero(next, sizeof(next));
}

static void
show_verify(struct chat *ch)
{
	const struct chan *cn = ch->conn != NULL ? conn_chan(ch->conn) : NULL;
	char tag[IDENTITY_TAG_LEN + 1];
	uint8_t pk[IDENTITY_PK_BYTES];
	uint64_t seen = 0;
	int found = 0;

	const uint8_t *peer = ch->sess != NULL ? ch->sess->r.peer_pk :
	    chan_peer_identity(cn);

	identity_tag(tag, peer);
	term_notice(ch->term, "safety number with %s: %s", ch->peer,
	    ch->safety);
	term_notice(ch->term, "compare it with %s over another channel (in "
	    "person, or a call); if it matches, nobody is in between", ch->peer);
	if (peers_lookup(ch->s->peers_path, ch->peer, pk, &seen, &found) == 0 &&
	    found && sodium_memcmp(pk, peer, IDENTITY_PK_BYTES) == 0)
		term_notice(ch->term, "%s's key %s is pinned in %s", ch->peer,
		    tag, ch->s->peers_path);
	else
		term_notice(ch->term, "%s's key %s is not pinned", ch->peer,
		    tag);
}

/* The chat proper begins: the peer's name is known and trusted. */
static void
chat_ready(struct chat *ch)
{
	char prompt[128], cb[16];

	snprintf(prompt, sizeof(prompt), "1:1 with %s (%s)", ch->peer,
	    conn_peer_addr(ch->conn));
	term_set_title(ch->term, 0, prompt);
	term_set_self(ch->term, ch->s->name, ch->own_color, ch->s->confdir);
	term_member(ch->term, 0, ch->peer, ch->peer_color,
	    chan_peer_identity(conn_chan(ch->conn)));
	term_set_link(ch->term, TERM_LINK_UP);
	term_notice(ch->term, "connected to %s (%s)", ch->peer,
	    conn_peer_addr(ch->conn));
	term_notice(ch->term, "end-to-end encrypted, safety number: %s",
	    ch->safety);
	if (term_interactive(ch->term)) {
		term_notice(ch->term, "%s", HELP);
		snprintf(prompt, sizeof(prompt), "%s%s%s> ",
		    term_color(ch->term, ch->own_color, cb), ch->s->name,
		    term_reset(ch->term));
		term_set_prompt(ch->term, prompt);
	}
	term_input(ch->term, 1);
}

/* The peer's INFO: its name, checked against the pinned keys. */
static void
on_info(struct chat *ch, const struct msg *m)
{
	const uint8_t *pk = chan_peer_identity(conn_chan(ch->conn));
	char tag[IDENTITY_TAG_LEN + 1], pinned[PEERS_NAME_MAX + 1];
	int status = 0, r;

	memcpy(ch->peer, m->data, m->len);
	ch->peer[m->len] = '\0';
	if (strlen(ch->peer) != m->len || !peers_name_valid(ch->peer)) {
		term_error(ch->term, "the peer sent an invalid name");
		ch->peer[0] = '\0';
		hang_up(ch, EXIT_CONN, MSG_REFUSE_BAD_NAME);
		return;
	}
	ch->got_info = 1;
	ch->peer_color = chat_key_color(pk);
	identity_safety_number(ch->safety, ch->s->id->pk, pk);
	identity_tag(tag, pk);
	/* By lookalike: pinned is the entry's name (known_peers.h). */
	if ((r = peers_check_like(ch->s->peers_path, ch->peer, pk, &status,
	    pinned)) != 0) {
		term_error(ch->term, "cannot read %s: %s", ch->s->peers_path,
		    err_str(r));
		hang_up(ch, EXIT_CONN, 0);
		return;
	}
	switch (status) {
	case PEERS_NEW:
		if ((r = peers_pin(ch->s->peers_path, ch->peer, pk)) != 0)
			term_error(ch->term, "cannot pin %s's key in %s: %s",
			    ch->peer, ch->s->peers_path, err_str(r));
		else
			term_notice(ch->term, "first contact with %s: key %s "
			    "pinned (trust on first use); use /verify to "
			    "compare safety numbers", ch->peer, tag);
		break;
	case PEERS_MATCH:
		break;
	case PEERS_CHANGED:
		term_error(ch->term, "WARNING: %s's identity key has CHANGED "
		    "(now %s). Someone may be impersonating %s, or %s "
		    "reinstalled sotto. Verify the safety number with %s "
		    "over another channel.", ch->peer, tag, ch->peer, ch->peer,
		    ch->peer);
		if (!term_interactive(ch->term)) {
			term_error(ch->term, "refusing the connection (line "
			    "mode); remove %s's line from %s to accept the new "
			    "key", pinned, ch->s->peers_path);
			hang_up(ch, EXIT_IDENTITY, MSG_REFUSE_KEY_CHANGED);
			return;
		}
		term_notice(ch->term, "safety number: %s", ch->safety);
		term_notice(ch->term, "type 'yes' to trust the new key, "
		    "anything else to hang up");
		ch->confirming = 1;
		conn_pause(ch->conn, 1);
		term_set_prompt(ch->term, "trust the new key? ");
		term_input(ch->term, 1);
		return;
	}
	chat_ready(ch);
}

static void
on_established(struct conn *c, void *arg)
{
	(void)c;
	on_connected(arg);
}

static void
on_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct chat *ch = arg;
	struct msg m;
	int r;

	(void)c;
	if (ch->done)
		return;
	if (ch->sess != NULL && ch->sess->has_pending) {
		/* The server accepted our resumption: ratchet. */
		memcpy(ch->sess->r.secret, ch->sess->pending, CHAN_KEY_BYTES);
		sodium_memzero(ch->sess->pending, CHAN_KEY_BYTES);
		ch->sess->has_pending = 0;
	}
	r = msg_parse(&m, p, len);
	if (r == 0 && m.type == MSG_ACK) {
		if ((r = on_ack(ch, m.ack)) != 0) {
			term_error(ch->term, "the peer sent a malformed "
			    "message (%s)", "acknowledges more than was sent");
			hang_up(ch, EXIT_CONN, MSG_REFUSE_PROTOCOL);
		}
		return;
	}
	if (r == 0 && m.type != MSG_REFUSE)
		count_received(ch);
	/* INFO is acknowledged at once: the peer learns the conversation
	 * has begun, and the ACK's place among our records is fixed. */
	if (r == 0 && m.type == MSG_INFO && !ch->got_info)
		send_ack(ch);
	if (r != 0 || (m.type == MSG_INFO) == ch->got_info) {
		term_error(ch->term, "the peer sent a malformed message (%s)",
		    r != 0 ? err_str(r) : "unexpected");
		hang_up(ch, EXIT_CONN, MSG_REFUSE_PROTOCOL);
		return;
	}
	switch (m.type) {
	case MSG_INFO:
		on_info(ch, &m);
		break;
	case MSG_TEXT:
		term_message(ch->term, ch->peer, ch->peer_color, m.data, m.len);
		break;
	case MSG_ACTION:
		term_action(ch->term, ch->peer, ch->peer_color, m.data, m.len);
		break;
	case MSG_REFUSE:
		term_error(ch->term, "%s ended the chat: %s", ch->peer,
		    m.data[0] == MSG_REFUSE_KEY_CHANGED ? "your identity key "
		    "is not the one they pinned for you (did you reinstall "
		    "sotto?); compare safety numbers" :
		    m.data[0] == MSG_REFUSE_DECLINED ? "they declined your "
		    "new identity key" :
		    m.data[0] == MSG_REFUSE_BAD_NAME ? "they refused your name" :
		    "they received a malformed message");
		ch->refused = 1;
		break;
	}
}

static void
on_closed(struct conn *c, int err, void *arg)
{
	struct chat *ch = arg;
	char why[512];

	if (ch->done)
		return;
	if (c != ch->conn) {
		/* A connection replaced by a resumption: nothing to say. */
		conn_free(c);
		return;
	}
	term_set_link(ch->term, TERM_LINK_DOWN);
	if (ch->hangup) {
		end(ch, ch->hangup_status);
		return;
	}
	if ((err == ERR_CUT || err == ERR_TIMEOUT) &&
	    (!ch->we_left || ch->leave_pending) &&
	    chat_resume_params(ch) != NULL) {
		struct timeval tv = { ch->s->reconnect_for, 0 };

		/* An interruption, not an ending: keep everything (the
		 * half-typed line too) and wait for a resumption. */
		term_error(ch->term, "%s", chat_err_text(err));
		term_notice(ch->term, "connection lost; "
		    "reconnecting\xe2\x80\xa6");
		conn_free(c);
		ch->conn = NULL;
		ch->connected = 0;
		ch->synced = 0;
		evtimer_del(ch->ack_timer);
		if (!ch->reconnecting) {
			ch->reconnecting = 1;
			evtimer_add(ch->window_timer, &tv);
		}
		if (ch->cbs.lost != NULL)
			ch->cbs.lost(ch, ch->cbs_arg);
		return;
	}
	if (err == 0) {
		if (ch->refused) {
			end(ch, EXIT_CONN);
			return;
		}
		if (!ch->we_left)
			term_notice(ch->term, "%s left",
			    ch->got_info ? ch->peer : "the peer");
		end(ch, EXIT_OK);
		return;
	}
	if (chat_handshake_err(c, err, 0, why, sizeof(why)))
		term_error(ch->term, "%s", why);
	else
		term_error(ch->term, "%s", chat_err_text(err));
	end(ch, chat_err_status(err));
}

static void
on_drained(struct conn *c, void *arg)
{
	struct chat *ch = arg;

	(void)c;
	term_hold(ch->term, 0);
}

const struct conn_cbs chat_conn_cbs = {
	on_established, on_message, on_closed, on_drained
};

void
chat_leave(struct chat *ch, int interrupted)
{
	if (ch->done)
		return;
	ch->we_left = 1;
	term_input(ch->term, 0);
	if (ch->reconnecting || (ch->connected && !ch->synced)) {
		/* Leave once reconnected and what was typed has gone out,
		 * unless the user interrupts (or the window runs out). */
		if (interrupted) {
			chat_abandon(ch, "interrupted while reconnecting",
			    ch->acked < ch->sent ? EXIT_CONN : EXIT_OK);
			return;
		}
		ch->leave_pending = 1;
		return;
	}
	if (ch->conn == NULL) {
		end(ch, EXIT_OK);
		return;
	}
	/* The chat ends when the close has gone out (conn's closed cb). */
	conn_close(ch->conn);
}

static int
is_word(const char *line, size_t len, const char *w)
{
	return len == strlen(w) && memcmp(line, w, len) == 0;
}

/* On a terminal, a line typed while cut off is marked pending. */
static void
show_pending(struct chat *ch)
{
	if (term_interactive(ch->term) && !(ch->connected && ch->synced))
		term_notice(ch->term, "(pending: sent when reconnected)");
}

int
chat_is_leave(const char *line, size_t len)
{
	return is_word(line, len, "/quit") || is_word(line, len, "bye") ||
	    is_word(line, len, "exit") || is_word(line, len, "/exit");
}

void
chat_line(struct chat *ch, const char *line, size_t len)
{
	if (ch->done || (ch->conn == NULL && !ch->reconnecting))
		return;
	if (ch->confirming) {
		ch->confirming = 0;
		if (!is_word(line, len, "yes")) {
			term_notice(ch->term, "hanging up");
			hang_up(ch, EXIT_IDENTITY, MSG_REFUSE_DECLINED);
			return;
		}
		if (peers_pin(ch->s->peers_path, ch->peer,
		    chan_peer_identity(conn_chan(ch->conn))) != 0)
			term_error(ch->term, "cannot update %s",
			    ch->s->peers_path);
		conn_pause(ch->conn, 0);
		chat_ready(ch);
		return;
	}
	if (len == 0)
		return;
	if (chat_is_leave(line, len)) {
		chat_leave(ch, 0);
		return;
	}
	if (is_word(line, len, "/help")) {
		term_notice(ch->term, "%s", HELP);
		return;
	}
	if (is_word(line, len, "/verify")) {
		show_verify(ch);
		return;
	}
	if (len > 4 && memcmp(line, "/me ", 4) == 0) {
		if (send_seq(ch, MSG_ACTION, (const uint8_t *)line + 4,
		    len - 4) == 0 && term_interactive(ch->term)) {
			term_action(ch->term, ch->s->name, ch->own_color,
			    (const uint8_t *)line + 4, len - 4);
			show_pending(ch);
		}
		return;
	}
	if (line[0] == '/' && (len < 2 || line[1] != '/')) {
		term_error(ch->term, "unknown command %.*s (try /help)",
		    (int)(len > 32 ? 32 : len), line);
		return;
	}
	if (line[0] == '/') {
		line++;
		len--;
	}
	chat_say(ch, line, len);
}

void
chat_say(struct chat *ch, const char *line, size_t len)
{
	if (ch->done || (ch->conn == NULL && !ch->reconnecting) ||
	    ch->confirming || len == 0)
		return;
	if (send_seq(ch, MSG_TEXT, (const uint8_t *)line, len) == 0 &&
	    term_interactive(ch->term)) {
		term_message(ch->term, ch->s->name, ch->own_color,
		    (const uint8_t *)line, len);
		show_pending(ch);
	}
}

int
chat_done(const struct chat *ch)
{
	return ch->done;
}

int
chat_exit_status(const struct chat *ch)
{
	return ch->status;
}

int
chat_load_identity(struct chat_setup *s)
{
	int r, created = 0;

	if ((r = keyfile_config_dir(s->confdir, sizeof(s->confdir))) != 0) {
		fprintf(stderr, "sotto: cannot find a configuration directory: "
		    "set HOME or XDG_CONFIG_HOME\n");
		return EXIT_USAGE;
	}
	if ((r = keyfile_load_or_create(s->confdir, &s->id, &created)) != 0) {
		fprintf(stderr, "sotto: cannot load the identity key in %s: %s%s%s\n",
		    s->confdir, err_str(r), r == ERR_IO ? ": " : "",
		    r == ERR_IO ? strerror(errno) : "");
		return EXIT_USAGE;
	}
	if (snprintf(s->peers_path, sizeof(s->peers_path), "%s/%s",
	    s->confdir, PEERS_FILE_NAME) >= (int)sizeof(s->peers_path))
		return EXIT_USAGE;
	if (created)
		fprintf(stderr, "sotto: created your identity key in "
		    "%s/identity\n", s->confdir);
	return 0;
}

int
chat_get_password(struct chat_setup *s, const char *file, int confirm)
{
	struct secret *again = NULL;
	char warn[PWSTRENGTH_WARNING_MAX];
	char *pw = NULL;
	int r;

	if (file != NULL) {
		if ((r = secret_read_file(&s->password, file)) != 0) {
			fprintf(stderr, "sotto: cannot read the password from "
			    "%s: %s\n", file, r == ERR_IO ? strerror(errno) :
			    err_str(r));
			return EXIT_USAGE;
		}
	} else {
		if ((r = secret_prompt(&s->password, "Password: ")) != 0) {
			fprintf(stderr, "sotto: no password: %s (use "
			    "--password-file FILE without a terminal)\n",
			    r == ERR_IO ? "cannot ask on a terminal" :
			    err_str(r));
			return EXIT_USAGE;
		}
		if (confirm) {
			if ((r = secret_prompt(&again,
			    "Repeat password: ")) != 0 ||
			    !secret_equal(s->password, again)) {
				secret_free(again);
				fprintf(stderr, "sotto: the passwords do not "
				    "match\n");
				return EXIT_USAGE;
			}
			secret_free(again);
		}
	}
	/* zxcvbn wants a C string: a guarded, wiped copy. */
	if ((pw = sodium_malloc(s->password->len + 1)) != NULL) {
		memcpy(pw, s->password->p, s->password->len);
		pw[s->password->len] = '\0';
		if (pwstrength_warning(warn, sizeof(warn),
		    pwstrength_bits(pw)) == 1)
			fprintf(stderr, "sotto: %s\n", warn);
		sodium_free(pw);
	}
	return 0;
}

int
chat_set_name(struct chat_setup *s, const char *name)
{
	struct passwd *pw;
	struct config c;

	/* The config file's name comes before the login name. */
	if (name == NULL && config_load(&c) == 0 && c.name[0] != '\0')
		name = c.name;
	if (name == NULL) {
		name = getenv("USER");
		if ((name == NULL || !peers_name_valid(name)) &&
		    (pw = getpwuid(getuid())) != NULL)
			name = pw->pw_name;
		if (name == NULL || !peers_name_valid(name))
			name = "anonymous";
	}
	if (!peers_name_valid(name) || strlen(name) >= sizeof(s->name)) {
		fprintf(stderr, "sotto: invalid name '%s': %s\n", name,
		    PEERS_NAME_RULE);
		return EXIT_USAGE;
	}
	strcpy(s->name, name);
	return 0;
}
