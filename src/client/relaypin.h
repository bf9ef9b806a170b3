/*
 * relaypin.h: a relay's key pinned on first use per address, in
 * known_relays (PROTOCOL §14.3), for the links that have no invitation
 * to check it against: `room new` and the rendezvous (§21.1).
 */
#ifndef SOTTO_RELAYPIN_H
#define SOTTO_RELAYPIN_H

#include <stdint.h>

#include "identity.h"

struct term;

/* Checks pk, the relay's verified key, against the pin for where
 * ("HOST:PORT"), pinning it on first use and saying so on t.  0, or the
 * exit status to end with (EXIT_IDENTITY: another key; EXIT_CONN: the
 * files cannot be read), the reason told on t. */
int	 relaypin_check(struct term *t, const char *peers_path,
	    const char *where, const uint8_t pk[IDENTITY_PK_BYTES]);

#endif
