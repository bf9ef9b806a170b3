/*
 * invite.h: a room invitation, one copy-pasteable line:
 *
 *   "sotto:" base64url-no-padding( payload )
 *   payload = u8 version (1) || u8 host_len || host || u16 port ||
 *             relay_pk[32] || room_id[16] || room_secret[32] || check[4]
 *   check   = first 4 bytes of BLAKE2b-256("sotto invitation v1" ||
 *             everything before check)
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
#define INVITE_HOST_MAX		255
#define INVITE_PK_BYTES		32
#define INVITE_ROOM_ID_BYTES	16
#define INVITE_SECRET_BYTES	32
#define INVITE_CHECK_BYTES	4
/* Longest encoded invitation, with its NUL. */
#define INVITE_STR_MAX		512

/* Holds a room secret: keep it in sodium_malloc'd memory or wipe it. */
struct invite {
	char		host[INVITE_HOST_MAX + 1];	/* NUL-terminated */
	uint16_t	port;
	uint8_t		relay_pk[INVITE_PK_BYTES];
	uint8_t		room_id[INVITE_ROOM_ID_BYTES];
	uint8_t		room_secret[INVITE_SECRET_BYTES];
};

/* 1 if s looks like an invitation (starts with INVITE_PREFIX after
 * leading whitespace), else 0: tells `sotto join INVITE` from HOST:PORT. */
int	 invite_is_invitation(const char *s);
/* Writes the NUL-terminated invitation into out.  0, or ERR_INVALID_ARG
 * (bad host, port 0, out too small: then out is ""). */
int	 invite_encode(const struct invite *inv, char *out, size_t outlen);
/* Parses an invitation.  0, or ERR_FORMAT (not an invitation, bad
 * base64, bad host or port), ERR_VERSION, ERR_TRUNCATED, ERR_TRAILING, or
 * ERR_CHECKSUM (a typo, or a forged line).  *inv is zeroed on failure. */
int	 invite_decode(struct invite *inv, const char *s);

#endif
