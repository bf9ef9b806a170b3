/*
 * relaypin.c: trust on first use for a relay's key (relaypin.h).
 */
#include "chat.h"
#include "known_peers.h"
#include "relaypin.h"
#include "term.h"

int
relaypin_check(struct term *t, const char *peers_path, const char *where,
    const uint8_t pk[IDENTITY_PK_BYTES])
{
	char name[PEERS_RELAY_NAME_LEN + 1], tag[IDENTITY_TAG_LEN + 1];
	int status = 0;

	identity_tag(tag, pk);
	peers_relay_name(where, name);
	if (peers_relay_check(peers_path, where, pk, &status) != 0) {
		term_error(t, "cannot read the relays' keys beside %s: "
		    "refusing to trust the relay's key blindly", peers_path);
		return EXIT_CONN;
	}
	if (status == PEERS_CHANGED) {
		term_error(t, "WARNING: the relay at %s has a different "
		    "key (%s) than when you first used it; refusing. Remove "
		    "the '%s' line from %s if the relay's key really changed.",
		    where, tag, name, PEERS_RELAYS_FILE_NAME);
		return EXIT_IDENTITY;
	}
	if (status == PEERS_NEW) {
		if (peers_relay_pin(peers_path, where, pk) == 0)
			term_notice(t, "first use of the relay at %s: "
			    "its key %s is now pinned", where, tag);
		else
			term_error(t, "first use of the relay at %s "
			    "(key %s), but %s could not be updated to pin it",
			    where, tag, PEERS_RELAYS_FILE_NAME);
	}
	return 0;
}
