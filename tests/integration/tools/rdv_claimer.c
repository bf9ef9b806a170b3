/*
 * rdv_claimer.c: floods a relay with rendezvous claims, for
 * test_rdv_limits: one link after another from the source address SRC,
 * each claiming slot SLOT once (PROTOCOL §21.2), and counts the answers.
 *
 *   rdv_claimer HOST PORT SRC N SLOT
 *
 * Prints "no_slot=A expired=B limited=C paired=D other=E" and exits 0
 * when every link got an answer (or its close).  Test tool only.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "identity.h"
#include "rdvmsg.h"
#include "relay.h"

struct claimer {
	struct event_base	*base;
	struct identity		*id;
	uint32_t		 slot;
	int			 counts[5];	/* no_slot expired limited paired
						 * other */
	int			 answered;
};

static void
established(struct conn *c, void *arg)
{
	struct claimer *k = arg;
	struct buf b;

	buf_init(&b, 16);
	if (rdvmsg_put_claim(&b, k->slot, 0) == 0)
		(void)conn_send(c, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
}

static void
message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct claimer *k = arg;
	struct rdvmsg m;

	(void)c;
	if (k->answered)
		return;
	k->answered = 1;
	if (rdvmsg_parse(&m, p, len) != 0)
		k->counts[4]++;
	else if (m.type == RDVMSG_PAIRED)
		k->counts[3]++;
	else if (m.type == RDVMSG_ERROR && m.code == RDVMSG_ERR_NO_SLOT)
		k->counts[0]++;
	else if (m.type == RDVMSG_ERROR && m.code == RDVMSG_ERR_EXPIRED)
		k->counts[1]++;
	else if (m.type == RDVMSG_ERROR && m.code == RDVMSG_ERR_LIMIT)
		k->counts[2]++;
	else
		k->counts[4]++;
	event_base_loopbreak(k->base);
}

static void
closed(struct conn *c, int err, void *arg)
{
	struct claimer *k = arg;

	(void)c;
	(void)err;
	if (!k->answered)
		k->counts[4]++;
	k->answered = 1;
	event_base_loopbreak(k->base);
}

static const struct conn_cbs cbs = { established, message, closed, NULL };

int
main(int argc, char **argv)
{
	static const struct conn_timing timing = { 10, 10, 30, 1 };
	struct claimer k;
	struct sockaddr_in src, dst;
	struct chan_params cp;
	struct conn *c;
	struct timeval tv = { 15, 0 };
	int i, n, fd, fails = 0;

	if (argc != 6 || sodium_init() < 0) {
		fprintf(stderr, "usage: rdv_claimer HOST PORT SRC N SLOT\n");
		return 2;
	}
	memset(&k, 0, sizeof(k));
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.sin_family = dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[3], &src.sin_addr) != 1)
		return 2;
	n = atoi(argv[4]);
	k.slot = (uint32_t)strtoul(argv[5], NULL, 10);
	if ((k.base = event_base_new()) == NULL ||
	    identity_generate(&k.id) != 0)
		return 1;
	relay_link_client_params(&cp, k.id);
	for (i = 0; i < n; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
		    connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
			if (fd >= 0)
				close(fd);
			fails++;
			k.counts[4]++;
			continue;
		}
		k.answered = 0;
		if ((c = conn_new(k.base, fd, &cp, &timing, &cbs, &k)) == NULL)
			return 1;
		event_base_loopexit(k.base, &tv);
		event_base_dispatch(k.base);
		if (!k.answered)
			k.counts[4]++;
		conn_free(c);
	}
	printf("no_slot=%d expired=%d limited=%d paired=%d other=%d\n",
	    k.counts[0], k.counts[1], k.counts[2], k.counts[3], k.counts[4]);
	identity_free(k.id);
	event_base_free(k.base);
	return fails == n ? 1 : 0;
}
