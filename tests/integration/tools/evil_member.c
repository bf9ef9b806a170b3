/*
 * evil_member.c: a room member that does what sotto never does, for the
 * integration tests of review findings 6 and 11 (finding 4's knocks now
 * come through the lobby: lobby_visitor.c).  It speaks the relay
 * protocol with sotto's own modules, and prints what it did on stdout.
 *
 *   evil_member INVITE_FILE NAME rename NEW
 *       (an open room) joins as NAME, enters the room with the
 *       invitation's secret, and once a member is verified re-announces
 *       itself as NEW without asking the relay (no NICK) a second later,
 *       then says "hello from NEW", prints "renamed", and leaves 1 s
 *       later.
 *
 *   evil_member INVITE_FILE NAME announce NEW
 *       (an open room) joins the relay as NAME but announces itself to
 *       the members as NEW from the start; once a member is verified
 *       says "hello, I am NEW", prints "spoke", and stays until its
 *       stdin ends.
 *
 * Exit status 0 when it did all that, 1 otherwise.  Test tool only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "addr.h"
#include "buf.h"
#include "conn.h"
#include "err.h"
#include "gate.h"
#include "group.h"
#include "identity.h"
#include "invite.h"
#include "relay.h"
#include "relaymsg.h"

struct evil {
	struct event_base	*base;
	struct conn		*conn;
	struct invite		 inv;
	struct identity		*link, *id;
	struct group		*g;
	const char		*name, *mode, *arg;
	uint32_t		 self;
	uint32_t		 cseq;		/* last BCAST/DIRECT numbered */
	int			 renamed, ok;
	struct event		*later, *in;
};

static void
send_msg(struct evil *e, struct buf *b)
{
	if (conn_send(e->conn, buf_ptr(b), buf_len(b)) != 0) {
		fprintf(stderr, "evil_member: cannot send\n");
		exit(1);
	}
}

static void
later(struct evil *e, int secs)
{
	struct timeval tv = { secs, 0 };

	evtimer_add(e->later, &tv);
}

/* Rename mode: a second after the first member was verified (so that
 * every member there is), the rename and the message; a second later,
 * leaving.  Knock mode: only leaving. */
static void
step(evutil_socket_t fd, short what, void *arg)
{
	struct evil *e = arg;
	char text[128];

	(void)fd;
	(void)what;
	if (e->g != NULL && !e->renamed && strcmp(e->mode, "announce") == 0) {
		e->renamed = 1;
		snprintf(text, sizeof(text), "hello, I am %s", e->arg);
		if (group_send(e->g, GROUP_TEXT, (const uint8_t *)text,
		    strlen(text)) != 0)
			exit(1);
		printf("spoke\n");
		fflush(stdout);
		event_add(e->in, NULL);
		return;
	}
	if (e->g != NULL && !e->renamed) {
		e->renamed = 1;
		if (group_rename(e->g, e->arg) != 0)
			exit(1);
		snprintf(text, sizeof(text), "hello from %s", e->arg);
		if (group_send(e->g, GROUP_TEXT, (const uint8_t *)text,
		    strlen(text)) != 0)
			exit(1);
		printf("renamed\n");
		fflush(stdout);
		later(e, 1);
		return;
	}
	e->ok = 1;
	conn_close(e->conn);
}

static void
g_out(void *arg, uint32_t to, const uint8_t *blob, size_t len)
{
	struct evil *e = arg;
	struct buf b;

	buf_init(&b, FRAME_MAX_APP);
	if ((to == 0 ? relaymsg_put_bcast(&b, ++e->cseq, blob, len) :
	    relaymsg_put_direct(&b, ++e->cseq, to, blob, len)) == 0)
		send_msg(e, &b);
	buf_release(&b);
}

/* Announce mode: stdin ended, so leave. */
static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evil *e = arg;
	char b[256];

	(void)what;
	if (read(fd, b, sizeof(b)) > 0)
		return;
	event_del(e->in);
	e->ok = 1;
	conn_close(e->conn);
}

static void
g_ev(void *arg, const struct group_event *ev)
{
	struct evil *e = arg;

	if (ev->type == GROUP_EV_MEMBER && !evtimer_pending(e->later, NULL) &&
	    !e->renamed)
		later(e, 1);
}

static void
on_established(struct conn *c, void *arg)
{
	struct evil *e = arg;
	struct buf b;

	if (sodium_memcmp(chan_peer_identity(conn_chan(c)), e->inv.relay_pk,
	    IDENTITY_PK_BYTES) != 0) {
		fprintf(stderr, "evil_member: not the invitation's relay\n");
		exit(1);
	}
	buf_init(&b, 256);
	if (relaymsg_put_join(&b, e->inv.room_id, e->name) != 0)
		exit(1);
	send_msg(e, &b);
	buf_release(&b);
}

static void
on_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct evil *e = arg;
	struct relaymsg m, one;
	const uint8_t *item;
	size_t off = 0, ilen;

	(void)c;
	if (relaymsg_parse(&m, p, len) != 0)
		return;
	if (m.type == RELAYMSG_BATCH) {
		while (relaymsg_batch_next(&m, &off, &item, &ilen))
			if (relaymsg_parse(&one, item, ilen) == 0 &&
			    (one.type == RELAYMSG_DELIVER ||
			    one.type == RELAYMSG_DELIVER_DIRECT) && e->g != NULL)
				(void)group_recv(e->g, one.id,
				    one.type == RELAYMSG_DELIVER_DIRECT,
				    one.blob, one.blob_len);
		return;
	}
	switch (m.type) {
	case RELAYMSG_WELCOME:
		e->self = m.id;
		if (group_new(&e->g, e->inv.room_id, e->inv.room_secret, e->id,
		    strcmp(e->mode, "announce") == 0 ? e->arg : e->name,
		    g_out, g_ev, e) != 0 ||
		    group_start(e->g, e->self) != 0)
			exit(1);
		break;
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		if (e->g != NULL)
			(void)group_recv(e->g, m.id,
			    m.type == RELAYMSG_DELIVER_DIRECT, m.blob,
			    m.blob_len);
		break;
	case RELAYMSG_ERROR:
		fprintf(stderr, "evil_member: relay error %u\n", m.code);
		exit(1);
	default:
		break;
	}
}

static void
on_closed(struct conn *c, int err, void *arg)
{
	struct evil *e = arg;

	(void)c;
	(void)err;
	event_base_loopbreak(e->base);
}

static const struct conn_cbs cbs = { on_established, on_message, on_closed,
	NULL };

int
main(int argc, char **argv)
{
	static struct evil e;
	struct conn_timing timing = CONN_TIMING_DEFAULT;
	struct chan_params cp;
	char line[1024], why[256];
	FILE *f;
	int fd;

	if (argc != 5 || sodium_init() < 0)
		return 1;
	e.name = argv[2];
	e.mode = argv[3];
	e.arg = argv[4];
	if ((f = fopen(argv[1], "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL)
		return 1;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (invite_decode(&e.inv, line) != 0)
		return 1;
	if ((fd = addr_connect(e.inv.host, e.inv.port, 10000, why,
	    sizeof(why))) < 0) {
		fprintf(stderr, "evil_member: %s\n", why);
		return 1;
	}
	if (identity_generate(&e.link) != 0 || identity_generate(&e.id) != 0 ||
	    (e.base = event_base_new()) == NULL ||
	    (e.later = evtimer_new(e.base, step, &e)) == NULL ||
	    (e.in = event_new(e.base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    stdin_cb, &e)) == NULL)
		return 1;
	relay_link_client_params(&cp, e.link);
	if ((e.conn = conn_new(e.base, fd, &cp, &timing, &cbs, &e)) == NULL)
		return 1;
	event_base_dispatch(e.base);
	conn_free(e.conn);
	group_free(e.g);
	identity_free(e.link);
	identity_free(e.id);
	event_free(e.later);
	event_free(e.in);
	event_base_free(e.base);
	return e.ok ? 0 : 1;
}
