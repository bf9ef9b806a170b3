/*
 * err.h: the error codes shared by every sotto module.
 * Functions that can fail return 0 or one of these negative values.
 */
#ifndef SOTTO_ERR_H
#define SOTTO_ERR_H

enum {
	ERR_OK = 0,
	ERR_INTERNAL = -1,	/* a bug or an impossible state */
	ERR_ALLOC = -2,		/* out of memory */
	ERR_INVALID_ARG = -3,	/* caller passed something out of contract */
	ERR_TRUNCATED = -4,	/* input ends before the field it promised */
	ERR_TRAILING = -5,	/* bytes left over after a complete message */
	ERR_TOO_LARGE = -6,	/* a length over its hard limit */
	ERR_VERSION = -7,	/* unknown protocol version */
	ERR_TYPE = -8,		/* unknown or unexpected frame/message type */
	ERR_STATE = -9,		/* message not valid in the current state */
	ERR_BAD_POINT = -10,	/* peer share is not a valid group element */
	ERR_AUTH = -11,		/* key confirmation failed: wrong password or interference */
	ERR_RECORD = -12,	/* record failed to open: tampered, replayed, reordered, dropped */
	ERR_SIGNATURE = -13,	/* peer identity signature invalid */
	ERR_CUT = -14,		/* transport ended without an authenticated close */
	ERR_CLOSED = -15,	/* channel already closed */
	ERR_IO = -16,		/* operating system I/O error (see errno) */
	ERR_FORMAT = -17,	/* a file or field is malformed */
	ERR_CRYPTO = -18,	/* a crypto library call failed */
	ERR_NEED_MORE = -19,	/* not an error: more input needed */
	ERR_TIMEOUT = -20,	/* a peer took too long */
	ERR_PROTOCOL = -21,	/* peer reported a protocol error */
	ERR_BUSY = -22,		/* peer is in another conversation */
	ERR_RETRY_LATER = -23,	/* peer slows down repeated failures */
	ERR_CHECKSUM = -24,	/* a checksum does not match: a typo */
	ERR_NO_SESSION = -25,	/* peer has no such session to resume */
	ERR_WRONG_KIND = -26,	/* the peer opened the other kind of handshake
				 * (HELLO at a relay, LINK_HELLO at a host) */
	ERR_IS_RELAY = -27,	/* the server is a sotto relay, not a 1:1 host */
	ERR_IS_HOST = -28,	/* the server is a 1:1 host, not a relay */
};

/* Returns a static, human-readable description of an error code. */
const char *err_str(int err);

#endif
