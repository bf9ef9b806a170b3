/*
 * rendezvous.h: the relay's rendezvous slots (PROTOCOL §21.4): a host's
 * link opens a slot, a joiner's link claims it, and from then on what
 * one sends as DATA goes to the other unchanged until either ends.  A
 * slot serves once: claimed (whatever comes of the 1:1 handshake inside)
 * or expired, its number stays retired for RDV_RETIRE_S seconds so that
 * the old code is refused, not tried on someone else's slot.
 *
 * The relay (relay.c) owns the links; this module only holds, per link
 * in a rendezvous, one struct rdv_end (owned here, freed by rdv_gone),
 * and acts on links through the callbacks of struct rdv_ops.
 *
 * Bounds (docs/SECURITY.md): RDV_MAX_SLOTS slots and tombstones at once;
 * per address (addrlim.h's key: an IPv4 address or an IPv6 /64)
 * RDV_MAX_OPEN_ADDR open slots, RDV_OPEN_BURST new slots then
 * RDV_OPEN_PER_MIN a minute, RDV_CLAIM_BURST claims then
 * RDV_CLAIM_PER_MIN a minute; RDV_MAX_ADDRS addresses tracked.
 */
#ifndef SOTTO_RENDEZVOUS_H
#define SOTTO_RENDEZVOUS_H

#include <stddef.h>
#include <stdint.h>

#define RDV_MAX_SLOTS		4096
#define RDV_RETIRE_S		3600
#define RDV_MAX_OPEN_ADDR	8
#define RDV_OPEN_BURST		10
#define RDV_OPEN_PER_MIN	10
#define RDV_CLAIM_BURST		10
#define RDV_CLAIM_PER_MIN	10
#define RDV_MAX_ADDRS		8192
/* A paired link with more than this queued for it stops its peer being
 * read from until it is back under conn.h's CONN_LOW_WATER. */
#define RDV_HIGH_WATER		(1024u * 1024)
#define RDV_KEY_BYTES		9	/* addrlim.h's ADDRLIM_KEY_BYTES */

struct rdv_hub;
struct rdv_end;

struct rdv_ops {
	/* Queues one message (a whole record) for the link. */
	void		(*send)(void *link, const uint8_t *p, size_t len);
	/* Says goodbye to the link after what was queued; rdv_gone follows
	 * when it is gone. */
	void		(*close)(void *link);
	/* Stops or resumes reading from the link. */
	void		(*pause)(void *link, int paused);
	/* Bytes queued for the link. */
	size_t		(*pending)(void *link);
	/* The link's address as text, port included. */
	const char	*(*addr)(void *link);
	/* Splicing (§21.7): from now on 'send' writes bytes as they are,
	 * no records; and the link's input comes raw (rdv_input then gets
	 * its bytes as they come, len 0 at its EOF). */
	void		(*raw_output)(void *link);
	void		(*raw_input)(void *link);
	/* Spliced: EOF to the link after what is queued; it is still read
	 * from until its own EOF. */
	void		(*half_close)(void *link);
};

/* A hub in *hp: 0 or ERR_ALLOC. */
int	 rdv_hub_new(struct rdv_hub **hp, const struct rdv_ops *ops);
/* Frees the hub (not the ends: rdv_end_free each first). */
void	 rdv_hub_free(struct rdv_hub *h);
/* Whether pairs that both ask for it are spliced (§21.7; default 1);
 * -1 also refuses OPEN and CLAIM with a flags byte as malformed, as a
 * relay from before §21.7 does (a test hook). */
void	 rdv_hub_splice(struct rdv_hub *h, int on);
/* Frees e without telling anyone: for the relay's exit. */
void	 rdv_end_free(struct rdv_end *e);

/*
 * One message of a link not in a room (p[0] is a rendezvous type, or
 * *ep is set), or once the link is spliced its raw bytes (len 0: its
 * EOF): *ep is the link's end, NULL the first time (set then).
 * key is the link's address key.  Returns 0, or -1 when the link was
 * told why and closed.  now: monotonic ms.
 */
int	 rdv_input(struct rdv_hub *h, struct rdv_end **ep, void *link,
	    const uint8_t key[RDV_KEY_BYTES], const uint8_t *p, size_t len,
	    int64_t now);
/* RDV_WHOAMI from a link waiting for its JOIN (it stays so): the
 * answer, RDV_ADDR, is sent to it. */
void	 rdv_whoami(struct rdv_hub *h, void *link);
/* The link of e is gone (NULL: no-op): its peer is told and closed. */
void	 rdv_gone(struct rdv_hub *h, struct rdv_end *e, int64_t now);
/* The link of e drained its output: its peer may be read again. */
void	 rdv_drained(struct rdv_hub *h, struct rdv_end *e);
/* Expires the slots whose time is up; call about once a second. */
void	 rdv_tick(struct rdv_hub *h, int64_t now);

/* For the log and the tests. */
struct rdv_stats {
	size_t		open;		/* slots waiting for a claim */
	size_t		paired;
	uint64_t	claims;		/* claims made */
	uint64_t	limited;	/* opens and claims over a limit */
};
void	 rdv_get_stats(const struct rdv_hub *h, struct rdv_stats *st);

#endif
