/*
 * rdvmsg.h: the rendezvous messages (PROTOCOL §21), carried one per
 * application record of the member-relay link (§14), like the relay
 * messages of §15, from which their type bytes are apart.  A host asks
 * for a slot, a joiner claims it, and the relay then forwards DATA
 * between the two links unchanged: the bytes of the 1:1 channel (§5-§12)
 * that runs end to end inside.  Integers are big-endian.
 *
 * member -> relay
 *   0x20 RDV_OPEN    u16 expiry [u8 flags]     the host: a slot, please
 *   0x21 RDV_CLAIM   u32 slot [u8 flags]       the joiner: that slot
 *   0x22 RDV_DATA    data (1..RDVMSG_MAX_DATA) to the other side
 *   0x23 RDV_WHOAMI  (empty)                   any link, before JOIN: my
 *                                              address, please
 *   0x24 RDV_SPLICE  (empty)                   after PAIRED_RAW: my last
 *                                              record; raw bytes follow
 * relay -> member
 *   0xA0 RDV_SLOT    u32 slot || u16 expiry || u8 addr_len || addr
 *   0xA1 RDV_PAIRED  u8 addr_len || addr
 *   0xA2 RDV_DATA    data (1..RDVMSG_MAX_DATA) from the other side
 *   0xA3 RDV_ERROR   u8 code || u8 text_len || text
 *   0xA4 RDV_ADDR    u8 addr_len || addr       the answer to RDV_WHOAMI
 *   0xA5 RDV_PAIRED_RAW u8 addr_len || addr    paired, spliced: the
 *                                              relay's last record
 *
 * flags (OPEN, CLAIM; absent means 0, and a flags byte of 0 is
 * malformed): RDVMSG_F_SPLICE, "I can carry the channel raw on this
 * connection once paired" (PROTOCOL §21.7); the other bits are sent as
 * 0 and ignored (kept in the parsed message).
 *
 * addr is the member's own address as the relay sees it, ASCII
 * ("203.0.113.5:40112", "[2001:db8::1]:40112"), 1..RDVMSG_MAX_ADDR bytes.
 */
#ifndef SOTTO_RDVMSG_H
#define SOTTO_RDVMSG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define RDVMSG_MAX_DATA		(64 * 1024 - 64)
#define RDVMSG_MAX_ADDR		63
#define RDVMSG_MAX_SLOT		999999u
#define RDVMSG_MAX_EXPIRY	3600	/* seconds */
#define RDVMSG_F_SPLICE		0x01	/* OPEN/CLAIM flags */

enum rdvmsg_type {
	RDVMSG_OPEN = 0x20,
	RDVMSG_CLAIM = 0x21,
	RDVMSG_DATA = 0x22,
	RDVMSG_WHOAMI = 0x23,
	RDVMSG_SPLICE = 0x24,
	RDVMSG_SLOT = 0xa0,
	RDVMSG_PAIRED = 0xa1,
	RDVMSG_DATA_FROM = 0xa2,
	RDVMSG_ERROR = 0xa3,
	RDVMSG_ADDR = 0xa4,
	RDVMSG_PAIRED_RAW = 0xa5,
};

enum rdvmsg_error {
	RDVMSG_ERR_PROTOCOL = 1,	/* malformed or unexpected */
	RDVMSG_ERR_NO_SLOT = 2,		/* CLAIM: no such slot (or used) */
	RDVMSG_ERR_EXPIRED = 3,		/* CLAIM: the slot's code expired */
	RDVMSG_ERR_LIMIT = 4,		/* too many slots/claims from you */
	RDVMSG_ERR_FULL = 5,		/* OPEN: the relay has no free slot */
	RDVMSG_ERR_PEER_GONE = 6,	/* the other side's link ended */
	RDVMSG_ERR_SHUTDOWN = 7,	/* the relay is stopping */
};

/* 1 if a message's first byte is a rendezvous type (either way). */
int	 rdvmsg_is_rdv(uint8_t type);

/* A parsed message; views point into the input. */
struct rdvmsg {
	uint8_t		 type;
	uint32_t	 slot;		/* CLAIM, SLOT */
	uint16_t	 expiry;	/* OPEN, SLOT */
	uint8_t		 code;		/* ERROR */
	uint8_t		 flags;		/* OPEN, CLAIM (0 when absent) */
	const uint8_t	*data;		/* DATA*, addr of SLOT/PAIRED, ERROR
					 * text */
	size_t		 data_len;
};

/*
 * Parses one message: 0, or ERR_TYPE, ERR_TRUNCATED, ERR_TRAILING,
 * ERR_TOO_LARGE, ERR_FORMAT (slot 0 or over RDVMSG_MAX_SLOT, expiry 0 or
 * over RDVMSG_MAX_EXPIRY, a flags byte of 0, empty data or address, non-printable address
 * or text); *m is all zero on failure.
 */
int	 rdvmsg_parse(struct rdvmsg *m, const uint8_t *p, size_t len);

/* Encoders: 0 or a buf error / ERR_FORMAT / ERR_TOO_LARGE (nothing
 * appended then). */
/* flags 0 writes no flags byte (the message as before §21.7). */
int	 rdvmsg_put_open(struct buf *out, uint16_t expiry, uint8_t flags);
int	 rdvmsg_put_claim(struct buf *out, uint32_t slot, uint8_t flags);
/* type RDVMSG_DATA or RDVMSG_DATA_FROM. */
int	 rdvmsg_put_data(struct buf *out, uint8_t type, const uint8_t *p,
	    size_t len);
int	 rdvmsg_put_slot(struct buf *out, uint32_t slot, uint16_t expiry,
	    const char *addr);
int	 rdvmsg_put_paired(struct buf *out, const char *addr);
int	 rdvmsg_put_paired_raw(struct buf *out, const char *addr);
int	 rdvmsg_put_splice(struct buf *out);
int	 rdvmsg_put_whoami(struct buf *out);
int	 rdvmsg_put_addr(struct buf *out, const char *addr);
int	 rdvmsg_put_error(struct buf *out, uint8_t code, const char *text);

#endif
