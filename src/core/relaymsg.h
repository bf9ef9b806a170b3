/*
 * relaymsg.h: the messages between a member and the relay, carried one
 * per application record of the client-relay secure channel (chan.h with
 * an empty password: the relay is authenticated by its pinned identity
 * key; the member uses a throwaway identity for the link itself, though
 * its real identity key is in the announcement it routes, group.h).
 *
 * The relay routes opaque blobs: what a member broadcasts or sends to one
 * member is end-to-end encrypted (group.h) and the relay can't read it.
 * Every message is a type byte and a body; integers are big-endian.
 *
 * Relay messages, revision 2 (docs/PROTOCOL.md section 15): events carry
 * the room's sequence number and what a member sends carries its own, so
 * that a member whose link was cut can resume its seat and be given,
 * exactly once, what it missed.
 *
 * member -> relay
 *   0x01 JOIN      room_id[16] || u8 name_len || name
 *   0x02 BCAST     u32 cseq || blob (1..RELAYMSG_MAX_BLOB)  to all others
 *   0x03 DIRECT    u32 cseq || u32 to || blob               to one member
 *   0x04 NICK      u8 name_len || name
 *   0x05 RESUME    room_id[16] || u32 seat || token[32] || u64 seen
 *   0x06 LOBBY     lobby_id[16]      a guarded room's member opens its door
 *   0x07 VISIT     lobby_id[16]      first message: wait at a room's door
 *   0x08 KNOCK     blob (1..RELAYMSG_MAX_KNOCK)  a visitor's knock
 *   0x09 OPEN      u32 visitor || blob (1..RELAYMSG_MAX_OPEN)  the reply
 *
 * relay -> member
 *   0x81 WELCOME   u32 you || token[32] || u64 seq || u16 n ||
 *                  n * (u32 id || u8 flags || u8 name_len || name)
 *   0x82 JOINED    u64 seq || u32 id || u8 name_len || name
 *   0x83 LEFT      u64 seq || u32 id
 *   0x84 NICKED    u64 seq || u32 id || u8 name_len || name
 *   0x85 DELIVER   u64 seq || u32 from || blob      a BCAST from 'from'
 *   0x86 DELIVER_DIRECT u64 seq || u32 from || blob a DIRECT to you
 *   0x87 ERROR     u8 code || u8 text_len || text (ASCII, informational)
 *   0x88 BATCH     1 or more of (u32 len || message), each message one of
 *                  the relay -> member messages (never a BATCH), to be
 *                  handled in order
 *   0x89 RESUMED   u32 you || u64 first || u64 last || u32 cseq || u16 n ||
 *                  n * (u32 id || u8 flags || u8 name_len || name)
 *   0x8A ACCEPTED  u32 cseq
 *   0x8B AWAY      u64 seq || u32 id
 *   0x8C BACK      u64 seq || u32 id
 *   0x8D VISITING  u16 openers       a visitor's welcome: members at the door
 *   0x8E KNOCKED   u32 visitor || blob   a visitor's KNOCK, to one member
 *   0x8F OPENED    blob              a member's OPEN, to its visitor
 *   0x90 WAITING   u16 count         visitors now at the room's door
 *
 * The lobby (PROTOCOL.md 15.9): a visitor is on no seat and receives
 * nothing but VISITING, OPENED and ERROR; after its door opened it may
 * send JOIN on the same link.
 * Names are 1..RELAYMSG_MAX_NAME bytes; the relay checks them with
 * peers_name_valid() rules (one word, no controls) -- members check again.
 * Member ids are never 0, nor are event seqs, cseqs in BCAST, DIRECT and
 * ACCEPTED, WELCOME's seq or RESUMED's first.  The member list's flags:
 * RELAYMSG_FLAG_AWAY; other bits are sent as 0 and ignored.  A member sends
 * JOIN or RESUME exactly once, first.
 */
#ifndef SOTTO_RELAYMSG_H
#define SOTTO_RELAYMSG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define RELAYMSG_ROOM_ID_BYTES	16
#define RELAYMSG_MAX_NAME	32
/* Leaves room for the type, an id and the chan record inside one frame. */
#define RELAYMSG_MAX_BLOB	(64 * 1024 - 64)
/* A BATCH body (its items) never exceeds this. */
#define RELAYMSG_MAX_BATCH	(64 * 1024 - 64)
/* WELCOME lists at most this many members (the relay's room size cap). */
#define RELAYMSG_MAX_MEMBERS	1024
/* A seat's resume token. */
#define RELAYMSG_TOKEN_BYTES	32
/* Member list flags (WELCOME, RESUMED). */
#define RELAYMSG_FLAG_AWAY	0x01	/* the member's link is cut */
/* The lobby's blobs: a visitor's KNOCK and a member's OPEN are small. */
#define RELAYMSG_MAX_KNOCK	256
#define RELAYMSG_MAX_OPEN	1024

enum relaymsg_type {
	RELAYMSG_JOIN = 0x01,
	RELAYMSG_BCAST = 0x02,
	RELAYMSG_DIRECT = 0x03,
	RELAYMSG_NICK = 0x04,
	RELAYMSG_RESUME = 0x05,
	RELAYMSG_LOBBY = 0x06,
	RELAYMSG_VISIT = 0x07,
	RELAYMSG_KNOCK = 0x08,
	RELAYMSG_OPEN = 0x09,
	RELAYMSG_WELCOME = 0x81,
	RELAYMSG_JOINED = 0x82,
	RELAYMSG_LEFT = 0x83,
	RELAYMSG_NICKED = 0x84,
	RELAYMSG_DELIVER = 0x85,
	RELAYMSG_DELIVER_DIRECT = 0x86,
	RELAYMSG_ERROR = 0x87,
	RELAYMSG_BATCH = 0x88,
	RELAYMSG_RESUMED = 0x89,
	RELAYMSG_ACCEPTED = 0x8a,
	RELAYMSG_AWAY = 0x8b,
	RELAYMSG_BACK = 0x8c,
	RELAYMSG_VISITING = 0x8d,
	RELAYMSG_KNOCKED = 0x8e,
	RELAYMSG_OPENED = 0x8f,
	RELAYMSG_WAITING = 0x90,
};

enum relaymsg_error {
	RELAYMSG_ERR_PROTOCOL = 1,	/* malformed or unexpected message */
	RELAYMSG_ERR_NAME_TAKEN = 2,	/* JOIN/NICK: name in use in the room */
	RELAYMSG_ERR_BAD_NAME = 3,	/* JOIN/NICK: not a valid name */
	RELAYMSG_ERR_ROOM_FULL = 4,	/* JOIN: RELAYMSG_MAX_MEMBERS reached */
	RELAYMSG_ERR_NO_MEMBER = 5,	/* DIRECT: no such member in the room */
	RELAYMSG_ERR_SHUTDOWN = 6,	/* the relay is stopping */
	RELAYMSG_ERR_TIMEOUT = 7,	/* JOIN did not come in time */
	RELAYMSG_ERR_NO_SEAT = 8,	/* RESUME: no such seat, or wrong token */
	RELAYMSG_ERR_RATE = 9,		/* too many rooms from the address */
	RELAYMSG_ERR_LOBBY_TAKEN = 10,	/* LOBBY: bound to another room */
};

/* One member in a WELCOME or RESUMED list, as parsed (views into the
 * input). */
struct relaymsg_member {
	uint32_t	 id;
	uint8_t		 flags;		/* RELAYMSG_FLAG_* (others: ignore) */
	const uint8_t	*name;
	size_t		 name_len;
};

/*
 * A parsed message: which fields are set depends on the type.  Views
 * point into the parsed input and live as long as it does.  For WELCOME
 * and RESUMED, 'members' is walked with relaymsg_welcome_next().
 */
struct relaymsg {
	uint8_t		 type;
	uint32_t	 id;		/* DIRECT: to; RESUME: seat;
					 * KNOCKED, OPEN: the visitor;
					 * WELCOME/RESUMED: your id;
					 * events, DELIVER*: member; else 0 */
	uint64_t	 seq;		/* events, DELIVER*: seq; WELCOME: the
					 * room's last seq; RESUMED: first;
					 * RESUME: seen */
	uint64_t	 last;		/* RESUMED: the last seq replayed to
					 * you, or your seen if none */
	uint32_t	 cseq;		/* BCAST, DIRECT, RESUMED, ACCEPTED */
	uint8_t		 room_id[RELAYMSG_ROOM_ID_BYTES];	/* JOIN, RESUME;
					 * LOBBY, VISIT: the lobby id */
	const uint8_t	*token;		/* RESUME, WELCOME: TOKEN_BYTES */
	const uint8_t	*name;		/* JOIN, NICK, JOINED, NICKED */
	size_t		 name_len;
	const uint8_t	*blob;		/* BCAST, DIRECT, DELIVER*, ERROR text,
					 * BATCH items, KNOCK*, OPEN* */
	size_t		 blob_len;
	uint8_t		 code;		/* ERROR */
	uint16_t	 count;		/* WELCOME/RESUMED: number of members;
					 * VISITING: openers; WAITING: count;
					 * BATCH: number of items */
	const uint8_t	*members;	/* WELCOME/RESUMED: the list bytes */
	size_t		 members_len;
};

/*
 * Parses one message, checking every length against its limit before
 * use and every name's length (not its characters: callers apply
 * peers_name_valid).  A member list is validated entirely here.
 * Returns 0, or ERR_TYPE, ERR_TRUNCATED, ERR_TRAILING, ERR_TOO_LARGE,
 * ERR_FORMAT (empty name or blob, an id, seq or cseq of 0 where it must
 * not be); *m is all zero on failure.
 */
int	 relaymsg_parse(struct relaymsg *m, const uint8_t *p, size_t len);
/* Iterates a parsed WELCOME's or RESUMED's members: *off starts at 0;
 * returns 1 with *mem filled, or 0 at the end. */
int	 relaymsg_welcome_next(const struct relaymsg *m, size_t *off,
	    struct relaymsg_member *mem);

/* Iterates a parsed BATCH's items: *off starts at 0; returns 1 with
 * *p, *len set to the next message (parse it with relaymsg_parse), or 0
 * at the end. */
int	 relaymsg_batch_next(const struct relaymsg *m, size_t *off,
	    const uint8_t **p, size_t *len);
/* Appends msg as one item of a BATCH being built in out (the BATCH type
 * byte is written first when out is empty).  ERR_FORMAT for an empty
 * message or a batch; ERR_TOO_LARGE past RELAYMSG_MAX_BATCH. */
int	 relaymsg_put_batch_item(struct buf *out, const uint8_t *msg,
	    size_t len);

/* Encoders: append one message to out; 0 or a buf error / ERR_TOO_LARGE
 * / ERR_FORMAT for out-of-limit arguments (nothing appended then). */
int	 relaymsg_put_join(struct buf *out,
	    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], const char *name);
int	 relaymsg_put_bcast(struct buf *out, uint32_t cseq, const uint8_t *blob,
	    size_t len);
int	 relaymsg_put_direct(struct buf *out, uint32_t cseq, uint32_t to,
	    const uint8_t *blob, size_t len);
int	 relaymsg_put_nick(struct buf *out, const char *name);
int	 relaymsg_put_resume(struct buf *out,
	    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], uint32_t seat,
	    const uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t seen);
/* WELCOME and RESUMED: the caller appends the header with _welcome_start
 * or _resumed_start, then one _welcome_member per member (count must
 * match). */
int	 relaymsg_put_welcome_start(struct buf *out, uint32_t you,
	    const uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t seq,
	    uint16_t count);
int	 relaymsg_put_resumed_start(struct buf *out, uint32_t you,
	    uint64_t first, uint64_t last, uint32_t cseq, uint16_t count);
int	 relaymsg_put_welcome_member(struct buf *out, uint32_t id,
	    uint8_t flags, const char *name);
/* JOINED, NICKED (name), LEFT, AWAY, BACK (name NULL). */
int	 relaymsg_put_member_event(struct buf *out, uint8_t type, uint64_t seq,
	    uint32_t id, const char *name);
int	 relaymsg_put_deliver(struct buf *out, uint8_t type, uint64_t seq,
	    uint32_t from, const uint8_t *blob, size_t len);
					/* DELIVER, DELIVER_DIRECT */
int	 relaymsg_put_accepted(struct buf *out, uint32_t cseq);
int	 relaymsg_put_error(struct buf *out, uint8_t code, const char *text);
/* The lobby: LOBBY and VISIT (a lobby id); KNOCK, OPENED (a blob);
 * KNOCKED and OPEN (a visitor and a blob); VISITING and WAITING (a
 * count). */
int	 relaymsg_put_lobby(struct buf *out, uint8_t type,
	    const uint8_t lobby_id[RELAYMSG_ROOM_ID_BYTES]);
int	 relaymsg_put_door(struct buf *out, uint8_t type, uint32_t visitor,
	    const uint8_t *blob, size_t len);
int	 relaymsg_put_count(struct buf *out, uint8_t type, uint16_t count);

#endif
