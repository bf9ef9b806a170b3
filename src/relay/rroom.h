/*
 * rroom.h: the relay's rooms and their members, without any I/O: messages
 * from a member go in through rroom_input, messages to members come out
 * through the owner's send callback.  Rooms are found by room id in a
 * hash table keyed with a secret (SipHash), created on the first JOIN and
 * freed when their last member leaves.
 */
#ifndef SOTTO_RELAY_ROOM_H
#define SOTTO_RELAY_ROOM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "names.h"
#include "relaymsg.h"

#define RROOM_KEY_BYTES		16

struct rroom;
struct rroom_hub;

/*
 * One member, owned by the caller (usually inside its connection's
 * struct); rroom_member_init before use.  Fields are read-only outside
 * rroom.c.
 */
struct rroom_member {
	struct rroom			*room;	/* NULL until joined */
	TAILQ_ENTRY(rroom_member)	 entry;	/* in room->members */
	uint32_t			 id;	/* 0 until joined */
	uint32_t			 cseq;	/* last BCAST/DIRECT accepted */
	uint8_t				 ack;	/* set when one was accepted or
						 * resent: the owner sends
						 * ACCEPTED and clears it */
	uint8_t				 name_len;
	char				 name[RELAYMSG_MAX_NAME + 1];
	/* What the name looks like (names.h): two members' names may
	 * not look alike. */
	uint8_t				 name_key[NAMES_SKEL_BYTES];
};

struct rroom_ops {
	/*
	 * Queues one message (p[0..len), valid during the call only) for m.
	 * It must not make anyone join or leave (rroom_busy_add and
	 * rroom_foreach are fine): a member whose link fails here is to be
	 * removed later (rroom_leave), after the hub's walk over its room
	 * is over.
	 */
	void	(*send)(void *arg, struct rroom_member *m, const uint8_t *p,
		    size_t len);
};

/* rroom_input results beyond 0: close the member's link (an ERROR saying
 * why has been sent to it). */
#define RROOM_CLOSE	1

/* New hub in *hp: 0, or ERR_ALLOC with *hp NULL.  key seeds the room
 * table's hash; ops and arg are kept. */
int	 rroom_hub_new(struct rroom_hub **hp,
	    const uint8_t key[RROOM_KEY_BYTES], const struct rroom_ops *ops,
	    void *arg);
/* Frees the hub and every room; members still joined are detached
 * silently (room set to NULL).  NULL is a no-op. */
void	 rroom_hub_free(struct rroom_hub *h);

void	 rroom_member_init(struct rroom_member *m);

/*
 * Handles one message m sent.  Returns 0; RROOM_CLOSE when the link must
 * end (a malformed or unexpected message, or a refused JOIN: an ERROR
 * went out first); or ERR_ALLOC or ERR_INTERNAL, after which the link
 * should end too.  *code (may be NULL) is set to the code of the ERROR
 * sent to m, or 0 if none was.  A member counts as joined (m->room set)
 * once 0 came back for its JOIN.
 */
int	 rroom_input(struct rroom_hub *h, struct rroom_member *m,
	    const uint8_t *p, size_t len, uint8_t *code);
/* Takes m out of its room, telling the others (LEFT); frees the room
 * when it is empty.  A no-op for a member not in a room. */
void	 rroom_leave(struct rroom_hub *h, struct rroom_member *m);

/*
 * The owner's count of members of m's room whose links are backed up
 * (the relay holds the room's senders back while it is above 0): adds
 * delta and returns the new count; 0 for a member not in a room.
 */
unsigned rroom_busy_add(struct rroom_member *m, int delta);
/* Calls fn for every member of m's room, in join order (none if m is not
 * in a room); fn must not join or leave anyone. */
void	 rroom_foreach(struct rroom_member *m,
	    void (*fn)(struct rroom_member *, void *), void *arg);

/* Counts, for logs and tests. */
size_t	 rroom_hub_rooms(const struct rroom_hub *h);
size_t	 rroom_hub_members(const struct rroom_hub *h);
/* Members in m's room (0 when not joined). */
size_t	 rroom_size(const struct rroom_member *m);

#endif
