/*
 * relay.h: `sotto relay`, the server that forwards group rooms' end-to-end
 * encrypted messages between members, and what its clients share with it.
 */
#ifndef SOTTO_RELAY_H
#define SOTTO_RELAY_H

#include <string.h>

#include "chan.h"

#define RELAY_DEFAULT_PORT	65433
/* Bound into CPace's channel identifier of every member-relay link (an
 * empty password: the relay is authenticated by its pinned key). */
#define RELAY_LINK_CONTEXT	"sotto relay link v1"
/* A member must have sent JOIN this long after its connection was
 * accepted, handshake included. */
#define RELAY_JOIN_TIMEOUT	10
/* A visitor (VISIT, PROTOCOL.md 15.9) must JOIN within this many
 * seconds of its VISIT: time for DOOR_TRIES knocks of DOOR_WAIT each. */
#define RELAY_VISIT_TIMEOUT	60
/*
 * Flow control.  A member with more than RELAY_HIGH_WATER bytes queued
 * for it makes the relay stop reading from everyone in its room (their
 * own programs then stop reading their input) until it is back under
 * conn.h's CONN_LOW_WATER: a member that reads, however slowly, never
 * loses messages to a faster sender.  One that doesn't get there within
 * RELAY_STALL_TIMEOUT seconds counts as not reading and is disconnected,
 * so it holds the room back for that long at most.  Above
 * RELAY_MAX_OUTPUT a member is disconnected at once (a hard cap on what
 * the relay keeps for anyone).
 */
#define RELAY_HIGH_WATER	(1u * 1024 * 1024)
#define RELAY_STALL_TIMEOUT	2
#define RELAY_MAX_OUTPUT	(4u * 1024 * 1024)

/*
 * Output.  What goes to a member is queued as references to refcounted
 * chunks (chunkq.h): a broadcast is stored once, however many members
 * get it, and sealed for a member's channel (its own keys) only as that
 * member's socket drains -- at most RELAY_SEAL_WINDOW bytes sealed ahead
 * (plus one record) -- so a member that doesn't read holds references,
 * not sealed copies.  Member sockets get a fixed RELAY_SNDBUF send
 * buffer: Linux would otherwise autotune each one up to tcp_wmem's
 * maximum (4 MiB), which every link that doesn't read reaches, and the
 * kernel's TCP memory would multiply what the relay itself bounds; 64
 * KiB holds a whole record and is plenty for chat at any RTT a person
 * notices.  All the output queued for every member together, chunks
 * (each counted once) and sealed bytes, is held to --max-queued
 * (RELAY_DEFAULT_MAX_QUEUED): past it, the members holding the most
 * unread data are dropped, the greediest first, until it fits.
 * RELAY_MAX_OUTPUT above stays the cap per member.
 */
#define RELAY_SEAL_WINDOW	(16u * 1024)
/* The relay's side of a member link rekeys its stream every
 * RELAY_REKEY_EVERY records instead of every record (chan_params
 * .rekey_every; the member's side keeps CHAN_REKEY_INTERVAL): what the
 * relay sends a member is what the relay holds in clear anyway, and
 * rekeying every record was 7 % of its instructions per delivery
 * (SECURITY 5.2, BENCHMARKS "One core"). */
#define RELAY_REKEY_EVERY	16
/* Sealed per turn of the loop at most, but for messages of at most
 * RELAY_SMALL_MSG bytes (a chat message is at most 4 KiB of text), which
 * always go: one room's large broadcast doesn't hold up the others. */
#define RELAY_SEAL_PER_TURN	(2u * 1024 * 1024)
#define RELAY_SMALL_MSG		(8u * 1024)
#define RELAY_SNDBUF		(64 * 1024)
#define RELAY_DEFAULT_MAX_QUEUED (64u * 1024 * 1024)
#define RELAY_MIN_MAX_QUEUED	(1u * 1024 * 1024)

/*
 * Seats (rroom.h).  A cut member's seat is held RELAY_DEFAULT_HOLD
 * seconds (--hold), longer than a member's reconnect window; at most
 * RELAY_MAX_AWAY seats are held at once over all rooms (past it, the one
 * away longest ends first), which bounds what links that come and go
 * can leave behind.
 */
#define RELAY_DEFAULT_HOLD	900
#define RELAY_MAX_AWAY		65536

/* The subcommand: returns an exit status. */
int	 relay_main(int argc, char **argv);

/*
 * Fills p for the member's (client's) side of a member-relay link
 * (PROTOCOL.md 14.1): a throwaway link identity, the empty password, the
 * link's context, and LINK_HELLO instead of HELLO.  The one place every
 * client of a relay (members, rendezvous, tools, benchmarks) sets these,
 * so that none sends the 1:1 HELLO a relay refuses.
 */
static inline void
relay_link_client_params(struct chan_params *p, const struct identity *id)
{
	memset(p, 0, sizeof(*p));
	p->role = CHAN_CLIENT;
	p->identity = id;
	p->context = (const uint8_t *)RELAY_LINK_CONTEXT;
	p->context_len = sizeof(RELAY_LINK_CONTEXT) - 1;
	p->link = 1;
}

#endif
