/* err.c: human-readable text for the codes in err.h. */
#include "err.h"

const char *
err_str(int err)
{
	switch (err) {
	case ERR_OK:		return "success";
	case ERR_INTERNAL:	return "internal error";
	case ERR_ALLOC:		return "out of memory";
	case ERR_INVALID_ARG:	return "invalid argument";
	case ERR_TRUNCATED:	return "message truncated";
	case ERR_TRAILING:	return "unexpected trailing bytes";
	case ERR_TOO_LARGE:	return "length exceeds limit";
	case ERR_VERSION:	return "unsupported protocol version";
	case ERR_TYPE:		return "unknown message type";
	case ERR_STATE:		return "unexpected message";
	case ERR_BAD_POINT:	return "invalid key share from peer";
	case ERR_AUTH:		return "authentication failed: wrong password, or someone is interfering";
	case ERR_RECORD:	return "message failed authentication: the connection was tampered with";
	case ERR_SIGNATURE:	return "peer identity signature is invalid";
	case ERR_CUT:		return "connection cut without a proper close";
	case ERR_CLOSED:	return "channel closed";
	case ERR_IO:		return "I/O error";
	case ERR_FORMAT:	return "malformed data";
	case ERR_CRYPTO:	return "cryptographic library failure";
	case ERR_NEED_MORE:	return "more input needed";
	case ERR_TIMEOUT:	return "timed out";
	case ERR_PROTOCOL:	return "peer rejected the handshake: protocol error";
	case ERR_BUSY:		return "the host is busy with another conversation";
	case ERR_NO_SESSION:	return "the peer has no such conversation to resume";
	case ERR_CHECKSUM:	return "checksum mismatch: mistyped or altered";
	case ERR_WRONG_KIND:	return "the peer opened the other kind of sotto handshake (a 1:1 chat at a relay, or a relay link at a 1:1 host)";
	case ERR_IS_RELAY:	return "that is a sotto relay, not a 1:1 host";
	case ERR_IS_HOST:	return "that is a sotto 1:1 host, not a relay";
	case ERR_RETRY_LATER:	return "too many failed attempts from this address: try again in a little while";
	}
	return "unknown error";
}
