/*
 * relay.h: `sotto relay`, the server that forwards group rooms' end-to-end
 * encrypted messages between members, and what its clients share with it.
 */
#ifndef SOTTO_RELAY_H
#define SOTTO_RELAY_H

#define RELAY_DEFAULT_PORT	65433
/* Bound into CPace's channel identifier of every member-relay link (an
 * empty password: the relay is authenticated by its pinned key). */
#define RELAY_LINK_CONTEXT	"sotto relay link v1"
/* A member must have sent JOIN this long after its connection was
 * accepted, handshake included. */
#define RELAY_JOIN_TIMEOUT	10
/* A member with more than this queued for it is not reading: it is
 * disconnected rather than let the relay's memory grow. */
#define RELAY_MAX_OUTPUT	(4u * 1024 * 1024)

/* The subcommand: returns an exit status. */
int	 relay_main(int argc, char **argv);

#endif
