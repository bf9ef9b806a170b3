/*
 * lobby_visitor.c: someone who holds a guarded room's invitation but not
 * its answer or one-time code, for the integration test of review
 * finding 10 (test_room_lobby), of finding 4 through the lobby
 * (test_evil_member), and of a door across cluster nodes
 * (test_cluster_lobby).  It speaks the relay protocol with sotto's own
 * modules and prints what it receives on stdout.
 *
 *   lobby_visitor INVITE_FILE tap SECONDS
 *       VISITs the room's lobby, knocks once with a wrong answer (and
 *       code), and for SECONDS prints every relay message it receives,
 *       one a line, "recv TT HEX" (TT the type, HEX the whole message;
 *       a BATCH's items each on their own line), then "tapped" and
 *       leaves.  Every KNOCK the relay refuses (ERROR 5: nobody left to
 *       ask) is printed too, and it then knocks no more.
 *   lobby_visitor INVITE_FILE knock N
 *       N times, one after the other: a new link, VISIT, one malformed
 *       KNOCK (a share that is not a point), then a second KNOCK, whose
 *       ERROR 5 from the relay (or OPENED) proves the first was taken
 *       to a member; then the link is closed.  Prints "sent N knocks".
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
#include "identity.h"
#include "invite.h"
#include "relay.h"
#include "relaymsg.h"

struct visitor {
	struct event_base	*base;
	struct conn		*conn;
	struct invite		 inv;
	struct identity		*link;
	const char		*mode;
	long			 arg;
	int			 knocked, done, ok;
	struct event		*stop;
};

static void
send_msg(struct visitor *v, struct buf *b)
{
	if (conn_send(v->conn, buf_ptr(b), buf_len(b)) != 0) {
		fprintf(stderr, "lobby_visitor: cannot send\n");
		exit(1);
	}
}

static void
send_knock(struct visitor *v, const uint8_t *blob, size_t len)
{
	struct buf b;

	buf_init(&b, 512);
	if (relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, blob, len) != 0)
		exit(1);
	send_msg(v, &b);
	buf_release(&b);
}

/* A well-formed knock with the wrong answer and code. */
static void
knock_wrong(struct visitor *v)
{
	static const uint8_t answer[] = "certainly not the answer";
	struct gate_knock *k = NULL;
	struct buf b;

	buf_init(&b, GATE_KNOCK_BYTES);
	if (gate_knock_new(&k, v->inv.lobby_id, v->inv.room_secret,
	    v->inv.guard, answer, sizeof(answer) - 1,
	    (v->inv.guard & GATE_F_CODE) ? "000000" : NULL, &b) != 0)
		exit(1);
	send_knock(v, buf_ptr(&b), buf_len(&b));
	gate_knock_free(k);
	buf_release(&b);
}

/* A knock whose share is not a canonical point. */
static void
knock_malformed(struct visitor *v)
{
	uint8_t blob[GATE_KNOCK_BYTES];

	blob[0] = GATE_BLOB_KNOCK;
	blob[1] = 1;
	randombytes_buf(blob + 2, 16);
	memset(blob + 18, 0xff, 32);
	send_knock(v, blob, sizeof(blob));
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct visitor *v = arg;

	(void)fd;
	(void)what;
	printf("tapped\n");
	fflush(stdout);
	v->ok = 1;
	conn_close(v->conn);
}

static void
on_established(struct conn *c, void *arg)
{
	struct visitor *v = arg;
	struct buf b;

	if (sodium_memcmp(chan_peer_identity(conn_chan(c)), v->inv.relay_pk,
	    IDENTITY_PK_BYTES) != 0) {
		fprintf(stderr, "lobby_visitor: not the invitation's relay\n");
		exit(1);
	}
	buf_init(&b, 64);
	if (relaymsg_put_lobby(&b, RELAYMSG_VISIT, v->inv.lobby_id) != 0)
		exit(1);
	send_msg(v, &b);
	buf_release(&b);
}

static void
print_msg(const uint8_t *p, size_t len)
{
	size_t i;

	printf("recv %02x ", p[0]);
	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
	printf("\n");
	fflush(stdout);
}

static void
handle(struct visitor *v, const uint8_t *p, size_t len)
{
	struct relaymsg m;

	if (strcmp(v->mode, "tap") == 0)
		print_msg(p, len);
	if (relaymsg_parse(&m, p, len) != 0)
		return;
	if (strcmp(v->mode, "tap") == 0) {
		if (m.type == RELAYMSG_VISITING && !v->knocked) {
			v->knocked = 1;
			knock_wrong(v);
		}
		return;
	}
	/* knock mode */
	switch (m.type) {
	case RELAYMSG_VISITING:
		if (m.count == 0) {
			fprintf(stderr, "lobby_visitor: nobody at the door\n");
			exit(1);
		}
		knock_malformed(v);
		knock_malformed(v);
		break;
	case RELAYMSG_ERROR:
	case RELAYMSG_OPENED:
		v->ok = 1;
		conn_close(v->conn);
		break;
	default:
		break;
	}
}

static void
on_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct visitor *v = arg;
	struct relaymsg m;
	const uint8_t *item;
	size_t off = 0, ilen;

	(void)c;
	if (relaymsg_parse(&m, p, len) == 0 && m.type == RELAYMSG_BATCH) {
		while (relaymsg_batch_next(&m, &off, &item, &ilen))
			handle(v, item, ilen);
		return;
	}
	handle(v, p, len);
}

static void
on_closed(struct conn *c, int err, void *arg)
{
	struct visitor *v = arg;

	(void)c;
	(void)err;
	event_base_loopbreak(v->base);
}

static const struct conn_cbs cbs = { on_established, on_message, on_closed,
	NULL };

/* One link, until it is closed: 0 if it did its part. */
static int
visit(struct visitor *v)
{
	struct conn_timing timing = CONN_TIMING_DEFAULT;
	struct timeval tv = { v->arg, 0 };
	struct chan_params cp;
	char why[256];
	int fd;

	v->ok = 0;
	v->knocked = 0;
	if ((fd = addr_connect(v->inv.host, v->inv.port, 10000, why,
	    sizeof(why))) < 0) {
		fprintf(stderr, "lobby_visitor: %s\n", why);
		return 1;
	}
	relay_link_client_params(&cp, v->link);
	if ((v->conn = conn_new(v->base, fd, &cp, &timing, &cbs, v)) == NULL)
		return 1;
	if (strcmp(v->mode, "tap") == 0)
		evtimer_add(v->stop, &tv);
	event_base_dispatch(v->base);
	conn_free(v->conn);
	v->conn = NULL;
	return v->ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	static struct visitor v;
	char line[1024];
	FILE *f;
	long i;
	int st = 0;

	if (argc != 4 || sodium_init() < 0)
		return 1;
	v.mode = argv[2];
	v.arg = strtol(argv[3], NULL, 10);
	if ((strcmp(v.mode, "tap") != 0 && strcmp(v.mode, "knock") != 0) ||
	    v.arg < 1 || v.arg > 100000)
		return 1;
	if ((f = fopen(argv[1], "r")) == NULL ||
	    fgets(line, sizeof(line), f) == NULL)
		return 1;
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	if (invite_decode(&v.inv, line) != 0 ||
	    v.inv.version != INVITE_VERSION_LOBBY) {
		fprintf(stderr, "lobby_visitor: not a guarded room's "
		    "invitation\n");
		return 1;
	}
	if (identity_generate(&v.link) != 0 ||
	    (v.base = event_base_new()) == NULL ||
	    (v.stop = evtimer_new(v.base, stop_cb, &v)) == NULL)
		return 1;
	if (strcmp(v.mode, "tap") == 0)
		st = visit(&v);
	else {
		for (i = 0; i < v.arg && st == 0; i++)
			st = visit(&v);
		if (st == 0) {
			printf("sent %ld knocks\n", v.arg);
			fflush(stdout);
		}
	}
	identity_free(v.link);
	event_free(v.stop);
	event_base_free(v.base);
	return st;
}
