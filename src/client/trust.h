/*
 * trust.h: which peers' safety numbers you compared (/trust NAME).  A
 * record is a name and the identity key it had when you compared, in
 * the file "verified" beside known_peers (0600, written atomically):
 * one line "NAME HEX(KEY)" per peer.  A peer counts as verified only
 * while its key is the recorded one, so a key change resets it; and
 * "verified" means only that, from the moment you recorded it.
 */
#ifndef SOTTO_TRUST_H
#define SOTTO_TRUST_H

#include <stddef.h>
#include <stdint.h>

#define TRUST_FILE_NAME	"verified"
#define TRUST_FILE_MAX	(256 * 1024)	/* a larger file is refused */

/* 1 if name is recorded with exactly this key, else 0 (also when the
 * file is missing or unreadable). */
int	 trust_check(const char *confdir, const char *name,
	    const uint8_t pk[32]);
/* Records name with pk, replacing an older record of that name.  0, or
 * a negative ERR_* (ERR_IO with errno set); the file is unchanged on
 * failure. */
int	 trust_set(const char *confdir, const char *name, const uint8_t pk[32]);

#endif
