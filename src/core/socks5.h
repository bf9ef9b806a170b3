/*
 * socks5.h: the client side of SOCKS5 (RFC 1928) with username/password
 * authentication (RFC 1929), as a state machine on bytes: no sockets.
 * The caller sends what it is given and feeds back what the proxy
 * answers, in any pieces, until socks5_input says the tunnel is open.
 *
 * Only CONNECT is spoken.  The destination is sent as the proxy should
 * reach it: an IPv4 or IPv6 literal as such (ATYP 1 or 4), any other
 * name as a name (ATYP 3), so that the proxy resolves it and no DNS
 * query leaves this machine (the "socks5h" behaviour).
 */
#ifndef SOTTO_SOCKS5_H
#define SOTTO_SOCKS5_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define SOCKS5_MAX_NAME		255	/* host name, user name, password */
/* The longest answer: a CONNECT reply with a 255-byte name. */
#define SOCKS5_MAX_REPLY	(4 + 1 + 255 + 2)

enum socks5_state {
	SOCKS5_METHOD,		/* greeting sent, awaiting the method */
	SOCKS5_AUTH,		/* user/password sent, awaiting the verdict */
	SOCKS5_CONNECT,		/* CONNECT sent, awaiting the reply */
	SOCKS5_OPEN,		/* the tunnel is open */
	SOCKS5_FAILED,
};

struct socks5 {
	enum socks5_state state;
	char	 host[SOCKS5_MAX_NAME + 1];
	uint16_t port;
	uint8_t	 user[SOCKS5_MAX_NAME];
	size_t	 ulen;
	uint8_t	 pass[SOCKS5_MAX_NAME];
	size_t	 plen;
	int	 have_auth;
	int	 reply;		/* the proxy's reply code, -1 before any */
	const char *why;	/* static: why it failed */
};

/*
 * Starts a negotiation for host:port with optional credentials (user
 * NULL: none offered).  Appends the greeting to out.  Returns 0, or
 * ERR_INVALID_ARG for an empty or too long host, user or password
 * (s->why says which), or a buf error.  The credentials are copied into
 * s: wipe it with socks5_clear.
 */
int	 socks5_start(struct socks5 *s, const char *host, uint16_t port,
	    const uint8_t *user, size_t ulen, const uint8_t *pass,
	    size_t plen, struct buf *out);
/*
 * Feeds the proxy's bytes in[0..len).  Sets *used to how many were
 * consumed (the proxy sends nothing unasked, so bytes after the final
 * reply are the tunnel's and belong to the caller).  Returns
 * ERR_NEED_MORE (nothing consumed: call again with more bytes), 0 after
 * a step, with the next request appended to out, 1 once the tunnel is
 * open, or a negative ERR_* with s->why set: ERR_FORMAT for a
 * malformed answer, ERR_AUTH for refused credentials or methods,
 * ERR_PROTOCOL for a CONNECT the proxy refused (its code in s->reply),
 * ERR_STATE when called after the end.
 */
int	 socks5_input(struct socks5 *s, const uint8_t *in, size_t len,
	    size_t *used, struct buf *out);
/* What a CONNECT reply code means, in words (static). */
const char *socks5_reply_str(int code);
/*
 * A proxy as the user writes it: "socks5h://[USER[:PASS]@]HOST[:PORT]"
 * ("socks5://" is taken as the same: sotto never resolves names itself
 * when a proxy is set), HOST a name, an IPv4 address or a [bracketed]
 * IPv6 address, PORT 1..65535 (default 1080), USER and PASS
 * percent-encoded, a trailing "/" allowed; or "none" (direct).
 */
#define SOCKS5_DEFAULT_PORT	1080
struct socks5_url {
	int	 none;			/* "none": no proxy */
	char	 host[SOCKS5_MAX_NAME + 1];
	uint16_t port;
	int	 have_auth;
	uint8_t	 user[SOCKS5_MAX_NAME];
	size_t	 ulen;
	uint8_t	 pass[SOCKS5_MAX_NAME];
	size_t	 plen;
};
/*
 * Parses s[0..len) into u.  Returns 0, or ERR_FORMAT with *why (static)
 * saying what is wrong; u is then wiped.  Wipe u when done (it may hold
 * a password).
 */
int	 socks5_parse_url(struct socks5_url *u, const char *s, size_t len,
	    const char **why);
/* Wipes the credentials and everything else. */
void	 socks5_clear(struct socks5 *s);

#endif
