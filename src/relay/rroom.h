/*
 * rroom.h: the relay's rooms, their seats and their logs, without any
 * I/O: messages from a member go in through rroom_input, messages to
 * members come out through the owner's send callback, and every event is
 * appended to the room's log (roomlog.h) as it is produced.
 *
 * A seat is a member's place in a room (id, name, resume token, the last
 * cseq accepted): JOIN makes one; it outlives its link.  A cut link leaves
 * its seat away (the others get AWAY) for the hold time; RESUME on a new
 * link takes it back (BACK), and the link is first given what it missed
 * from the log (rroom_replay).  An authenticated close or the end of the
 * hold ends the seat (LEFT); a room whose last seat ends is freed, and
 * its log dropped.  Rooms are found by room id in a hash table keyed with
 * a secret (SipHash).
 */
#ifndef SOTTO_RELAY_ROOM_H
#define SOTTO_RELAY_ROOM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "relaymsg.h"

#define RROOM_KEY_BYTES		16
#define RROOM_TOKEN_KEY_BYTES	32

struct roomlog;
struct roomlog_room;
struct rroom;
struct rroom_hub;
struct rroom_seat;

/*
 * One link's side of a seat, owned by the caller (usually inside its
 * connection's struct); rroom_member_init before use.  Fields are
 * read-only outside rroom.c, but for 'ack', which the owner clears.
 */
struct rroom_member {
	struct rroom		*room;		/* NULL until joined/resumed */
	struct rroom_seat	*seat;
	uint32_t		 id;		/* the seat's; 0 until then */
	uint8_t			 ack;		/* a BCAST/DIRECT was accepted
						 * or resent: the owner sends
						 * ACCEPTED and clears it */
	uint8_t			 replaying;	/* rroom_replay has more */
	uint64_t		 replay_pos;	/* replay: last seq handled */
	/* The lobby (PROTOCOL.md 15.9).  A member whose link sent LOBBY
	 * is an opener: it is given knocks.  A visitor is on no seat. */
	uint8_t			 opener;
	uint8_t			 is_visitor;	/* sent VISIT; no JOIN yet */
	uint8_t			 knocks;	/* KNOCKs sent so far */
	uint8_t			 answered;	/* OPEN forwarded for the
						 * last KNOCK */
	uint32_t		 visitor;	/* its number; 0: none */
	uint32_t		 asked;		/* seat its last KNOCK went to */
	struct rroom		*visiting;	/* whose lobby; may be NULL */
	uint8_t			 remote;	/* cluster.c's: a link on
						 * another relay node */
	LIST_ENTRY(rroom_member) vlink;		/* visiting->visitors */
};

/* A visitor may knock this many times on one link (the member program
 * asks 3 members, DOOR_TRIES). */
#define RROOM_VISIT_KNOCKS	8

struct rroom_ops {
	/*
	 * Queues one message (p[0..len), valid during the call only) for m.
	 * It must not make anyone join or leave (rroom_busy_add and
	 * rroom_foreach are fine): a member whose link fails here is to be
	 * dealt with later (rroom_cut), after the hub's walk is over.
	 */
	void	(*send)(void *arg, struct rroom_member *m, const uint8_t *p,
		    size_t len);
	/* m's seat was taken back by a RESUME on another link: end m's link
	 * without a word.  m is still on its seat during the call and
	 * detached from it after. */
	void	(*evict)(void *arg, struct rroom_member *m);
	/* A transaction was opened on the log: the owner calls rroom_flush
	 * and commits it before this turn's output goes out.  May be NULL. */
	void	(*wrote)(void *arg);
	/* Optional (may be NULL): called with begin 1 before one message
	 * goes out to several members (a broadcast: every send until the
	 * call with begin 0 carries the same bytes, so that the owner can
	 * store them once and reference them from every member's output),
	 * and with 0 after. */
	void	(*fanout)(void *arg, int begin);
	/* Optional (may be NULL): a member's LOBBY named lobby_id, now
	 * its room's (bound by it or before). */
	void	(*lobby)(void *arg, const uint8_t lobby_id[16]);
};

/* rroom_input results beyond 0: close the member's link (an ERROR saying
 * why has been sent to it). */
#define RROOM_CLOSE	1

/*
 * New hub in *hp: 0, or ERR_ALLOC with *hp NULL.  key seeds the room
 * table's hash (may change each run); token_key keys the hashes of resume
 * tokens kept in seats (must stay the same across restarts with the same
 * log).  log is used, not owned; ops and arg are kept.  Seats are held
 * hold_ms after a cut, and at most max_away seats are away at once (the
 * longest away ends first).
 */
int	 rroom_hub_new(struct rroom_hub **hp,
	    const uint8_t key[RROOM_KEY_BYTES],
	    const uint8_t token_key[RROOM_TOKEN_KEY_BYTES], struct roomlog *log,
	    const struct rroom_ops *ops, void *arg);
void	 rroom_hub_set_hold(struct rroom_hub *h, int64_t hold_ms,
	    size_t max_away);
/* Rebuilds rooms and seats from the log (a restart): every seat away
 * until now + the hold time; member ids go on after the highest used.
 * 0, ERR_ALLOC, or a log error. */
int	 rroom_hub_load(struct rroom_hub *h, int64_t now_ms);
/*
 * A relay cluster's takeover (cluster.h): the room id's log handle lr,
 * just filled from the cluster's log, is made a room as by a restart
 * (every seat away for the hold time; this node's ids go on past its own
 * in it).  A room with no seat is not made (a JOIN makes it on lr).  A
 * room already in the hub is left.  0, ERR_ALLOC, or a log error.
 */
int	 rroom_hub_load_room(struct rroom_hub *h, struct roomlog_room *lr,
	    const uint8_t id[RELAYMSG_ROOM_ID_BYTES], int64_t now_ms);
/* The room is another node's now: each member on a seat is evicted
 * (ops.evict: its link ends without a word, and its member resumes
 * wherever the room is), and the room forgotten with its log (the caller
 * keeps that drop from its log's mirror). */
void	 rroom_hub_abandon(struct rroom_hub *h,
	    const uint8_t id[RELAYMSG_ROOM_ID_BYTES]);
/* Frees the hub, rooms and seats (the log is left as it is: seats and
 * events stay for the next run); members still on seats are detached
 * silently.  NULL is a no-op. */
void	 rroom_hub_free(struct rroom_hub *h);

void	 rroom_member_init(struct rroom_member *m);

/*
 * Handles one message m sent.  Returns 0; RROOM_CLOSE when the link must
 * end (a malformed or unexpected message, or a refused JOIN or RESUME: an
 * ERROR went out first); or ERR_ALLOC or ERR_INTERNAL, after which the
 * link should end too.  *code (may be NULL) is set to the code of the
 * ERROR sent to m, or 0 if none was.  A member is on a seat (m->room set)
 * once 0 came back for its JOIN or RESUME; after a RESUME, m->replaying
 * says the owner is to call rroom_replay.
 */
int	 rroom_input(struct rroom_hub *h, struct rroom_member *m,
	    const uint8_t *p, size_t len, uint8_t *code);
/*
 * Sends m up to max more events from the log, of those it missed (live
 * traffic for m waits in the log meanwhile).  Returns 1 if more remain,
 * 0 once m has caught up (m->replaying is 0 then), or a log error.
 */
int	 rroom_replay(struct rroom_hub *h, struct rroom_member *m, size_t max);
/* m's seat ends (an authenticated close, or the link is refused for
 * misbehaving): the others get LEFT.  A no-op for a member not on a seat. */
void	 rroom_leave(struct rroom_hub *h, struct rroom_member *m);
/* m's link was cut: its seat is held (away) until now + the hold time
 * and the others get AWAY.  A no-op for a member not on a seat. */
void	 rroom_cut(struct rroom_hub *h, struct rroom_member *m, int64_t now_ms);
/* The relay is stopping: m leaves its seat, which nobody is told of (it
 * is kept in the log).  A no-op for a member not on a seat. */
void	 rroom_detach(struct rroom_hub *h, struct rroom_member *m);
/* Ends the seats whose hold ran out by now (LEFT to the others). */
void	 rroom_expire(struct rroom_hub *h, int64_t now_ms);
/* Tells the openers of every room whose number of visitors changed
 * since the last call (WAITING): called once a tick, so that a crowd at
 * the door costs each member at most one message a tick. */
void	 rroom_tell_waiting(struct rroom_hub *h);
/* Writes the seats changed since the last call into the log's open
 * transaction: call just before committing.  0 or a log error. */
int	 rroom_flush(struct rroom_hub *h);

/*
 * The owner's count of members of m's room whose links are backed up
 * (the relay holds the room's senders back while it is above 0): adds
 * delta and returns the new count; 0 for a member not in a room.
 */
unsigned rroom_busy_add(struct rroom_member *m, int delta);
/* Calls fn for every member on a seat of m's room, in seat order (none if
 * m is not in a room); fn must not join or leave anyone. */
void	 rroom_foreach(struct rroom_member *m,
	    void (*fn)(struct rroom_member *, void *), void *arg);

/*
 * Cluster hooks (src/relay/cluster.c).  Member ids from now on are taken
 * from [first, last] (a node's range: unique across the cluster); after
 * rroom_hub_load.  rroom_hub_has: 1 if the hub has the room now.
 */
void	 rroom_hub_set_ids(struct rroom_hub *h, uint32_t first, uint32_t last);
/* The room id of m's room, or NULL (not in a room). */
const uint8_t *rroom_member_room(const struct rroom_member *m);
/* fn for every member on a seat of the room id (none if the hub has no
 * such room); fn must not join or leave anyone. */
void	 rroom_foreach_in(struct rroom_hub *h,
	    const uint8_t id[RELAYMSG_ROOM_ID_BYTES],
	    void (*fn)(struct rroom_member *, void *), void *arg);
int	 rroom_hub_has(const struct rroom_hub *h,
	    const uint8_t id[RELAYMSG_ROOM_ID_BYTES]);
/* 1 if a room of the hub has this lobby id now. */
int	 rroom_hub_has_lobby(const struct rroom_hub *h,
	    const uint8_t id[RELAYMSG_ROOM_ID_BYTES]);

/* Counts, for logs and tests. */
size_t	 rroom_hub_rooms(const struct rroom_hub *h);
size_t	 rroom_hub_members(const struct rroom_hub *h);	/* seats */
size_t	 rroom_hub_away(const struct rroom_hub *h);
size_t	 rroom_hub_visitors(const struct rroom_hub *h);
/* Seats in m's room (0 when not on one); m's seat's name and cseq. */
size_t	 rroom_size(const struct rroom_member *m);
const char *rroom_member_name(const struct rroom_member *m);
uint32_t rroom_member_cseq(const struct rroom_member *m);

#endif
