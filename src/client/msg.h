/*
 * msg.h: the 1:1 chat's application messages, carried one per record of
 * the secure channel.  Each is a type byte and a body:
 *
 *   0x01 INFO    u8 name length (1..MSG_MAX_NAME) || name (UTF-8)
 *   0x02 TEXT    text (UTF-8, 1..MSG_MAX_TEXT bytes)
 *   0x03 ACTION  text (UTF-8, 1..MSG_MAX_TEXT bytes), for /me
 *
 * INFO is the first message each side sends and is sent once.
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
};

struct msg {
	uint8_t		 type;
	const uint8_t	*data;	/* name or text, inside the parsed input */
	size_t		 len;
};

/* Parses one message.  0, or ERR_TYPE (unknown type), ERR_TRUNCATED,
 * ERR_TOO_LARGE, ERR_FORMAT (empty text or name), ERR_TRAILING. */
int	 msg_parse(struct msg *m, const uint8_t *p, size_t len);
/* Appends an encoded message.  ERR_TOO_LARGE / ERR_FORMAT as above. */
int	 msg_put(struct buf *out, uint8_t type, const uint8_t *data,
	    size_t len);

#endif
