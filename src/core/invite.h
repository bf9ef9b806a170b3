/*
 * invite.h: a room invitation, one copy-pasteable line:
 *
 *   "sotto:" base64url-no-padding( payload )
 *   payload = u8 version (1) || u8 host_len || host || u16 port ||
 *             relay_pk[32] || room_id[16] || room_secret[32] || check[4]
 *   check   = first 4 bytes of BLAKE2b-256("sotto invitation v1" ||
 *             everything before check)
 *
 * A guarded room's invitation (gate.h) has version 2 and holds the
 * invitation key where version 1 holds the room secret, then what the
 * door asks for and the security question:
 *
 *   payload = u8 version (2) || u8 host_len || host || u16 port ||
 *             relay_pk[32] || room_id[16] || invite_key[32] ||
 *             u8 guard || u8 q_len || question[q_len] || check[4]
 *
 * Version 2 is no longer written, and `join` refuses it: its room id let
 * whoever held it watch the room.  Version 3 has the same layout with a
 * lobby id in room_id's place; the room id is derived from the room
 * secret, which only the door gives (invite_room_id):
 *
 *   payload = u8 version (3) || u8 host_len || host || u16 port ||
 *             relay_pk[32] || lobby_id[16] || invite_key[32] ||
 *             u8 guard || u8 q_len || question[q_len] || check[4]
 *
 * Versions 4 and 5 are versions 1 and 3 with 2..INVITE_ADDR_MAX relay
 * addresses (the nodes of one cluster, which share the relay key) where
 * those have one; a single address is still written as version 1 or 3:
 *
 *   addrs   = u8 n_addr (2..8) || n_addr * (u8 host_len || host || u16 port)
 *   payload = u8 version (4) || addrs || relay_pk[32] || room_id[16] ||
 *             room_secret[32] || check[4]
 *   payload = u8 version (5) || addrs || relay_pk[32] || lobby_id[16] ||
 *             invite_key[32] || u8 guard || u8 q_len || question || check[4]
 *
 * the host lengths adding up to at most INVITE_HOSTS_MAX.
 *
 * guard is a nonzero set of INVITE_GUARD_* bits; q_len is 1..200 when
 * guard has INVITE_GUARD_QUESTION and 0 otherwise; the question is text
 * without control characters (shown sanitised all the same).
 *
 * host is the relay's address as given to `room new` (a name or numeric
 * IPv4/IPv6, 1..255 printable ASCII bytes, no spaces); the relay learns
 * only room_id, never room_secret.  Whitespace around the line and inside
 * it (a line break from copy-pasting) is ignored when decoding.
 */
#ifndef SOTTO_INVITE_H
#define SOTTO_INVITE_H

#include <stddef.h>
#include <stdint.h>

#define INVITE_PREFIX		"sotto:"
#define INVITE_VERSION		1
#define INVITE_VERSION_GUARDED	2	/* decoded, refused by join */
#define INVITE_VERSION_LOBBY	3	/* a guarded room, with a lobby */
#define INVITE_VERSION_ADDRS	4	/* version 1, several addresses */
#define INVITE_VERSION_LOBBY_ADDRS 5	/* version 3, several addresses */
#define INVITE_GUARD_QUESTION	0x01	/* = GATE_F_QUESTION */
#define INVITE_GUARD_CODE	0x02	/* = GATE_F_CODE */
#define INVITE_QUESTION_MAX	200	/* = GATE_QUESTION_MAX */
#define INVITE_HOST_MAX		255
/* Relay addresses in one invitation, and their hosts' bytes together
 * (versions 4 and 5), so that the longest invitation fits one line of
 * --invite-file (1024 bytes). */
#define INVITE_ADDR_MAX		8
#define INVITE_HOSTS_MAX	400
#define INVITE_PK_BYTES		32
#define INVITE_ROOM_ID_BYTES	16
#define INVITE_SECRET_BYTES	32
#define INVITE_CHECK_BYTES	4
/* Longest encoded invitation, with its NUL. */
#define INVITE_STR_MAX		1024

/* A relay address beyond the first. */
struct invite_addr {
	char		host[INVITE_HOST_MAX + 1];	/* NUL-terminated */
	uint16_t	port;
};

/* Holds a room secret: keep it in sodium_malloc'd memory or wipe it. */
struct invite {
	uint8_t		version;	/* decoded; encode picks its own */
	/* The first relay address. */
	char		host[INVITE_HOST_MAX + 1];	/* NUL-terminated */
	uint16_t	port;
	/* The others (versions 4 and 5), tried in this order after it. */
	uint8_t		nmore;		/* 0..INVITE_ADDR_MAX - 1 */
	struct invite_addr more[INVITE_ADDR_MAX - 1];
	uint8_t		relay_pk[INVITE_PK_BYTES];
	/* Versions 1 and 2; version 3: derived once the room secret is
	 * known (invite_room_id), zero until then. */
	uint8_t		room_id[INVITE_ROOM_ID_BYTES];
	uint8_t		lobby_id[INVITE_ROOM_ID_BYTES];	/* version 3 */
	/* The room secret; in a guarded room, the invitation key. */
	uint8_t		room_secret[INVITE_SECRET_BYTES];
	uint8_t		guard;		/* 0: open room (version 1) */
	char		question[INVITE_QUESTION_MAX + 1];	/* or "" */
};

/* 1 if q is a question a guarded room's invitation can carry (the rule
 * above: 1..INVITE_QUESTION_MAX bytes, no control characters), else 0. */
int	 invite_question_ok(const char *q);
/* 1 if s looks like an invitation (starts with INVITE_PREFIX after
 * leading whitespace), else 0: tells `sotto join INVITE` from HOST:PORT. */
int	 invite_is_invitation(const char *s);
/* Writes the NUL-terminated invitation into out (version 3 when guard is
 * set, with lobby_id; 4 or 5 when nmore > 0).  0, or ERR_INVALID_ARG (bad
 * host, port 0, nmore over INVITE_ADDR_MAX - 1, hosts over
 * INVITE_HOSTS_MAX together, guard or question against the rules above,
 * out too small: then out is ""). */
int	 invite_encode(const struct invite *inv, char *out, size_t outlen);
/* Parses an invitation.  0, or ERR_FORMAT (not an invitation, bad
 * base64, bad host or port), ERR_VERSION, ERR_TRUNCATED, ERR_TRAILING, or
 * ERR_CHECKSUM (a typo, or a forged line); ERR_FORMAT also for a guard
 * or question against the rules above.  *inv is zeroed on failure. */
int	 invite_decode(struct invite *inv, const char *s);
/* How many relay addresses inv has: 1 + nmore. */
size_t	 invite_addr_count(const struct invite *inv);
/* Address i (0: host and port, then more[i - 1]) into *hostp (pointing
 * into inv) and *portp; i must be below invite_addr_count. */
void	 invite_addr_get(const struct invite *inv, size_t i,
	    const char **hostp, uint16_t *portp);
/* Appends host (as given: an IPv6 literal may be in brackets) and port
 * to inv's addresses, the first going to host and port.  0, or
 * ERR_INVALID_ARG (inv already has INVITE_ADDR_MAX, host longer than
 * INVITE_HOST_MAX, port 0; the rest is invite_encode's to judge). */
int	 invite_addr_add(struct invite *inv, const char *host, uint16_t port);

/* A guarded room's room id from its room secret (version 3):
 * BLAKE2b-128(key = secret, "sotto/1 room id"). */
void	 invite_room_id(const uint8_t secret[INVITE_SECRET_BYTES],
	    uint8_t room_id[INVITE_ROOM_ID_BYTES]);

#endif
