/*
 * frame.h: the wire frame that carries every sotto message.
 *
 *   offset 0  u8   version   (FRAME_VERSION)
 *   offset 1  u8   type      (enum frame_type)
 *   offset 2  u32  length    payload bytes, big-endian, <= FRAME_MAX_PAYLOAD
 *   offset 6  payload
 *
 * The header is validated (version, type, length) from its six bytes
 * alone, so a reader rejects an oversized or unknown frame before it
 * buffers or allocates anything for the payload.
 */
#ifndef SOTTO_FRAME_H
#define SOTTO_FRAME_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define FRAME_VERSION		1
#define FRAME_HDR_LEN		6
/* Largest application payload one record carries. */
#define FRAME_MAX_APP		65536
/* Largest frame payload: a record of FRAME_MAX_APP bytes plus its
 * one-byte inner type and the 17-byte secretstream overhead. */
#define FRAME_MAX_PAYLOAD	(FRAME_MAX_APP + 1 + 17)
#define FRAME_MAX_LEN		(FRAME_HDR_LEN + FRAME_MAX_PAYLOAD)

enum frame_type {
	FRAME_HELLO = 0x01,	/* client -> server: suite, nonce */
	FRAME_SHARE_A = 0x02,	/* server -> client: nonce, CPace Ya */
	FRAME_SHARE_B = 0x03,	/* client -> server: Yb, stream header, tag */
	FRAME_CONFIRM_A = 0x04,	/* server -> client: stream header, tag */
	FRAME_CHALLENGE = 0x05,	/* server -> client, instead of SHARE_A under
				 * load: cookie, puzzle (cookie.h) */
	FRAME_PROOF = 0x06,	/* client -> server: the puzzle's solution */
	FRAME_LINK_HELLO = 0x07,	/* client -> relay: HELLO of the
					 * member-relay link (PROTOCOL 14.1) */
	FRAME_RESUME_HELLO = 0x08,	/* client -> server: sid, nonce, X, tag */
	FRAME_RESUME_ACCEPT = 0x09,	/* server -> client: nonce, X, header, tag */
	FRAME_RESUME_CONFIRM = 0x0a,	/* client -> server: header, tag */
	FRAME_ABORT = 0x0f,	/* either way, handshake only: reason */
	FRAME_RECORD = 0x10,	/* sealed record */
};

struct frame {
	uint8_t		 version;
	uint8_t		 type;
	uint32_t	 len;		/* payload length */
	const uint8_t	*hdr;		/* the FRAME_HDR_LEN header bytes */
	const uint8_t	*payload;	/* len bytes, inside the caller's input */
};

/*
 * Parses one frame at the start of p[0..avail).  Returns 0 and fills *f
 * (pointing into p) when a whole valid frame is there, ERR_NEED_MORE when
 * more bytes are needed (*need, if not NULL, then says how many in total,
 * and is never more than FRAME_MAX_LEN), or ERR_VERSION, ERR_TYPE or
 * ERR_TOO_LARGE from the header alone.  Never allocates.
 */
int	 frame_parse(const uint8_t *p, size_t avail, struct frame *f,
	    size_t *need);

/* Writes a header for a payload of len bytes into hdr. */
void	 frame_put_header(uint8_t hdr[FRAME_HDR_LEN], uint8_t type,
	    uint32_t len);

/* Appends a whole frame (header and payload) to out. */
int	 frame_put(struct buf *out, uint8_t type, const uint8_t *payload,
	    size_t len);

/* Returns 1 if type is a frame type this version knows. */
int	 frame_type_known(uint8_t type);

#endif
