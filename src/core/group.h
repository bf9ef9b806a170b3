/*
 * group.h: end-to-end encryption for a room of many members, on top of a
 * relay that only routes opaque blobs (relaymsg.h) and is not trusted.
 *
 * - Membership is proven with the room secret: each member announces its
 *   identity key, a per-session X25519 key and its name, signed with the
 *   identity key and MACed with a key derived from the room secret.  The
 *   relay, which never has the secret, can neither pose as a member nor
 *   admit one.
 * - Pairwise keys: X25519 between two members' session keys, so a blob
 *   for one member is readable by that member only.  They carry sender
 *   keys and private messages.
 * - Sender keys: each member encrypts its messages under its own hash
 *   ratchet (a chain key stepped forward per message and then forgotten),
 *   numbers them (epoch, seq) and signs them with its identity key.  Its
 *   chain key is handed to each member over their pairwise key before it
 *   first needs it.  When anyone leaves, every member starts a new epoch
 *   with a fresh chain key, handed only to those still there: a departed
 *   member can't read what follows.
 * - Receivers detect and report what the relay dropped (a gap in seq),
 *   replayed or reordered (an old seq), or altered (bad signature or tag).
 *
 * No I/O: blobs to send come out through a callback, and what happened
 * through another.  docs/PROTOCOL.md gives every byte.
 */
#ifndef SOTTO_GROUP_H
#define SOTTO_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "identity.h"

#define GROUP_ROOM_ID_BYTES	16
#define GROUP_SECRET_BYTES	32
#define GROUP_MAX_NAME		32
#define GROUP_MAX_TEXT		4096
/* A gap larger than this in one sender's numbering is not skipped over
 * (deriving that many keys would be a denial of service). */
#define GROUP_MAX_SKIP		100000

/* Kinds of text a member sends. */
enum group_kind {
	GROUP_TEXT = 1,
	GROUP_ACTION = 2,	/* /me */
};

enum group_event_type {
	GROUP_EV_MEMBER = 1,	/* id's announcement verified: name, pk */
	GROUP_EV_RENAMED,	/* id re-announced with a new name */
	GROUP_EV_TEXT,		/* text from id (kind: TEXT or ACTION) */
	GROUP_EV_PRIVATE,	/* private text from id, to us only */
	GROUP_EV_MISSING,	/* 'count' messages from id never arrived */
	GROUP_EV_REPLAY,	/* a message from id came again or out of
				 * order: ignored */
	GROUP_EV_FORGED,	/* a blob attributed to id failed
				 * authentication (altered or forged):
				 * ignored */
	GROUP_EV_UNREADABLE,	/* a message from id under a key we were not
				 * given (sent before we joined, or its key
				 * was dropped): ignored */
	GROUP_EV_REJECTED,	/* id's announcement failed: not a member
				 * (wrong room secret) or bad signature */
	GROUP_EV_RENAME_REFUSED,/* id re-announced itself as 'refused',
				 * which the rename check refused: it
				 * keeps its name */
};

struct group_event {
	enum group_event_type	 type;
	uint32_t		 id;	/* relay member id */
	const char		*name;	/* verified name, or NULL */
	const uint8_t		*pk;	/* verified identity key, or NULL */
	enum group_kind		 kind;
	const uint8_t		*text;	/* TEXT, PRIVATE */
	size_t			 len;
	uint64_t		 count;	/* MISSING */
	const char		*refused;	/* RENAME_REFUSED: the name */
};

/* Send blob through the relay: to one member, or to all others when
 * 'to' is 0.  The blob is valid during the call only. */
typedef void (*group_send_fn)(void *arg, uint32_t to, const uint8_t *blob,
    size_t len);
typedef void (*group_event_fn)(void *arg, const struct group_event *ev);

struct group;

/*
 * Our state in one room: we are 'name' with identity 'id' (borrowed; it
 * must outlive the group).  The room secret is used once, to derive the
 * membership key kept in guarded memory with our session and chain keys;
 * it is not kept.  Keys received from others (pairwise and their chain
 * keys) are in ordinary memory, wiped when dropped.  0, or
 * ERR_INVALID_ARG / ERR_ALLOC with *gp NULL.
 */
int	 group_new(struct group **gp,
	    const uint8_t room_id[GROUP_ROOM_ID_BYTES],
	    const uint8_t secret[GROUP_SECRET_BYTES], const struct identity *id,
	    const char *name, group_send_fn send, group_event_fn event,
	    void *arg);
/* Wipes every key and frees; NULL is a no-op. */
void	 group_free(struct group *g);

/* Names in announcements must also pass name_ok (e.g. the rules of
 * peers_name_valid); an announcement whose name fails is rejected. */
void	 group_set_name_check(struct group *g, int (*name_ok)(const char *));
/* A verified member's newer announcement under another name renames it
 * only if rename_ok(arg, id, name) returns 1 (e.g. the relay confirmed
 * that name, and it looks like no other present member's); otherwise
 * GROUP_EV_RENAME_REFUSED.  Without a check every rename is taken. */
void	 group_set_rename_check(struct group *g,
	    int (*rename_ok)(void *arg, uint32_t id, const char *name),
	    void *arg);
/* The relay admitted us as 'self': broadcast our announcement (which
 * signs 'self', so it can't be replayed under another id). */
int	 group_start(struct group *g, uint32_t self);
/* The relay says id left: forget it, and start a new epoch of our own
 * sender key (handed out at our next message). */
void	 group_member_left(struct group *g, uint32_t id);
/* A blob the relay delivered from member 'from' ('direct' for a
 * DELIVER_DIRECT).  Security findings are events, not errors: returns 0,
 * or ERR_FORMAT etc. only for a blob that doesn't even parse (also
 * reported as GROUP_EV_FORGED). */
int	 group_recv(struct group *g, uint32_t from, int direct,
	    const uint8_t *blob, size_t len);
/* Encrypts, signs and sends text to the room (first handing our current
 * sender key to every verified member who lacks it).  0, ERR_TOO_LARGE,
 * ERR_FORMAT (empty). */
int	 group_send(struct group *g, enum group_kind kind, const uint8_t *text,
	    size_t len);
/* Sends text to one verified member only.  ERR_STATE if 'to' is not a
 * verified member. */
int	 group_send_private(struct group *g, uint32_t to, const uint8_t *text,
	    size_t len);
/* Our name changed (after the relay accepted it): re-announce. */
int	 group_rename(struct group *g, const char *name);

/* Member lookup for display: verified name/key of id, or NULL. */
const char *group_member_name(const struct group *g, uint32_t id);
const uint8_t *group_member_pk(const struct group *g, uint32_t id);
/* Verified member id by name, or 0. */
uint32_t group_member_by_name(const struct group *g, const char *name);
/* Walks verified members: *i starts at 0; returns the id or 0 at the end. */
uint32_t group_member_next(const struct group *g, size_t *i);
/* The room code: 6 groups of 5 digits over the room id and every
 * verified member's identity key and name (ours included), the same for
 * everyone who sees the same room.  Compare it out of band. */
void	 group_room_code(const struct group *g,
	    char out[SAFETY_NUMBER_LEN + 1]);

#endif
