/*
 * lookalike.h: the names of a room's present members by what they look
 * like (names.h), for two rules: a name that looks like another present
 * member's is shown with its key tag, and a member may take a new name
 * only through the relay and only if it looks like nobody else's.
 */
#ifndef SOTTO_LOOKALIKE_H
#define SOTTO_LOOKALIKE_H

#include <stddef.h>
#include <stdint.h>

#include "names.h"

struct lookalike_entry {
	uint32_t	 id;
	uint8_t		 key[NAMES_SKEL_BYTES];
};

/* Zero-initialised is empty; lookalike_free releases. */
struct lookalike {
	struct lookalike_entry	*e;
	size_t			 n, cap;
};

void	 lookalike_free(struct lookalike *l);
/* Member id is (now) called name: 0, ERR_ALLOC or ERR_FORMAT (the name
 * has no confusable key; id is then forgotten). */
int	 lookalike_set(struct lookalike *l, uint32_t id, const char *name);
/* Member id left; unknown ids are ignored. */
void	 lookalike_del(struct lookalike *l, uint32_t id);
/* A present member other than id whose name looks like name, or 0. */
uint32_t lookalike_other(const struct lookalike *l, uint32_t id,
	    const char *name);
/* 1 if id's own name looks like another present member's, else 0. */
int	 lookalike_clash(const struct lookalike *l, uint32_t id);
/*
 * The rename rule of a room (PROTOCOL §15.7): member id, whose name the
 * relay now gives as relay_name (NULL: the relay names nobody so), may
 * be called name only if relay_name is exactly name (it came through
 * the relay's /nick, which refuses names in use) and no other present
 * member's name looks like it.  1 if so, else 0.
 */
int	 lookalike_rename_ok(const struct lookalike *l, uint32_t id,
	    const char *name, const char *relay_name);

#endif
