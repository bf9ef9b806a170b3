/*
 * msg.h: the 1:1 chat's application messages, carried one per record of
 * the secure channel.  Each is a type byte and a body:
 *
 *   0x01 INFO    u8 name length (1..MSG_MAX_NAME) || name (UTF-8)
 *   0x02 TEXT    text (UTF-8, 1..MSG_MAX_TEXT bytes)
 *   0x03 ACTION  text (UTF-8, 1..MSG_MAX_TEXT bytes), for /me
 *   0x04 REFUSE  u8 reason: the sender ends the chat because of what
 *                it got from us (sent just before its close record)
 *   0x05 ACK     u64 (big-endian): how many INFO/TEXT/ACTION messages
 *                the sender has received in this conversation
 *
 * INFO is the first message each side sends and is sent once.  INFO,
 * TEXT and ACTION are numbered 1, 2, 3... in the order sent, across
 * resumptions (docs/PROTOCOL.md §12.9).
 */
#ifndef SOTTO_MSG_H
#define SOTTO_MSG_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define MSG_MAX_NAME	32
#define MSG_MAX_TEXT	4096

enum msg_type {
	MSG_INFO = 0x01,
	MSG_TEXT = 0x02,
	MSG_ACTION = 0x03,
	MSG_REFUSE = 0x04,
	MSG_ACK = 0x05,
};

enum msg_refuse {
	MSG_REFUSE_KEY_CHANGED = 1,	/* our identity key is not the pinned one */
	MSG_REFUSE_BAD_NAME = 2,	/* our INFO name is not acceptable */
	MSG_REFUSE_PROTOCOL = 3,	/* a malformed or unexpected message */
	MSG_REFUSE_DECLINED = 4,	/* the user declined (changed key) */
};

struct msg {
	uint8_t		 type;
	const uint8_t	*data;	/* name, text or the reason byte, inside the
				 * parsed input */
	size_t		 len;
	uint64_t	 ack;	/* MSG_ACK: the count */
};

/* Parses one message.  0, or ERR_TYPE (unknown type), ERR_TRUNCATED,
 * ERR_TOO_LARGE, ERR_FORMAT (empty text or name), ERR_TRAILING. */
int	 msg_parse(struct msg *m, const uint8_t *p, size_t len);
/* Appends an encoded message.  ERR_TOO_LARGE / ERR_FORMAT as above. */
int	 msg_put(struct buf *out, uint8_t type, const uint8_t *data,
	    size_t len);

/* Appends an ACK of n.  0 or a buf error. */
int	 msg_put_ack(struct buf *out, uint64_t n);

#endif
