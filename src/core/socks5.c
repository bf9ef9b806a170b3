/* socks5.c: the SOCKS5 client's state machine (see socks5.h). */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "err.h"
#include "socks5.h"

#define SOCKS5_VERSION		0x05
#define SOCKS5_AUTH_VERSION	0x01
#define SOCKS5_M_NONE		0x00
#define SOCKS5_M_USERPASS	0x02
#define SOCKS5_M_REFUSED	0xff
#define SOCKS5_CMD_CONNECT	0x01
#define SOCKS5_ATYP_V4		0x01
#define SOCKS5_ATYP_NAME	0x03
#define SOCKS5_ATYP_V6		0x04

void
socks5_clear(struct socks5 *s)
{
	sodium_memzero(s, sizeof(*s));
}

const char *
socks5_reply_str(int code)
{
	switch (code) {
	case 0x00:
		return "succeeded";
	case 0x01:
		return "general SOCKS server failure";
	case 0x02:
		return "connection not allowed by the proxy's rules";
	case 0x03:
		return "network unreachable (from the proxy)";
	case 0x04:
		return "host unreachable (from the proxy; for Tor: the name "
		    "did not resolve or the relay is down)";
	case 0x05:
		return "connection refused (nothing listens there, as seen "
		    "from the proxy)";
	case 0x06:
		return "TTL expired (the proxy gave up reaching it)";
	case 0x07:
		return "command not supported by the proxy";
	case 0x08:
		return "address type not supported by the proxy";
	/* Tor's extended codes (ExtendedErrors), for onion services. */
	case 0xf0:
		return "onion service descriptor not found (Tor)";
	case 0xf1:
		return "onion service descriptor invalid (Tor)";
	case 0xf2:
		return "onion service introduction failed (Tor)";
	case 0xf3:
		return "onion service rendezvous failed (Tor)";
	case 0xf4:
		return "onion service needs client authorization (Tor)";
	case 0xf5:
		return "onion service client authorization wrong (Tor)";
	case 0xf6:
		return "invalid onion address (Tor)";
	case 0xf7:
		return "onion service introduction timed out (Tor)";
	default:
		return "unknown SOCKS5 reply code";
	}
}

int
socks5_start(struct socks5 *s, const char *host, uint16_t port,
    const uint8_t *user, size_t ulen, const uint8_t *pass, size_t plen,
    struct buf *out)
{
	static const uint8_t hello_none[] = { SOCKS5_VERSION, 1,
	    SOCKS5_M_NONE };
	/* With credentials we offer both: a proxy that needs none (but
	 * would isolate on them, as Tor does) may pick either. */
	static const uint8_t hello_auth[] = { SOCKS5_VERSION, 2,
	    SOCKS5_M_NONE, SOCKS5_M_USERPASS };
	size_t hlen = host != NULL ? strlen(host) : 0;

	socks5_clear(s);
	s->state = SOCKS5_FAILED;
	s->reply = -1;
	if (hlen == 0 || hlen > SOCKS5_MAX_NAME || port == 0) {
		s->why = "the destination's name is empty or longer than 255 "
		    "bytes";
		return ERR_INVALID_ARG;
	}
	if (user != NULL && (ulen == 0 || ulen > SOCKS5_MAX_NAME ||
	    plen == 0 || plen > SOCKS5_MAX_NAME || pass == NULL)) {
		s->why = "the proxy's user name and password must each be 1 "
		    "to 255 bytes";
		return ERR_INVALID_ARG;
	}
	memcpy(s->host, host, hlen + 1);
	s->port = port;
	if (user != NULL) {
		memcpy(s->user, user, ulen);
		s->ulen = ulen;
		memcpy(s->pass, pass, plen);
		s->plen = plen;
		s->have_auth = 1;
	}
	s->state = SOCKS5_METHOD;
	if (s->have_auth)
		return buf_put(out, hello_auth, sizeof(hello_auth));
	return buf_put(out, hello_none, sizeof(hello_none));
}

static int
put_auth(struct socks5 *s, struct buf *out)
{
	int r;

	if ((r = buf_put_u8(out, SOCKS5_AUTH_VERSION)) != 0 ||
	    (r = buf_put_u8(out, (uint8_t)s->ulen)) != 0 ||
	    (r = buf_put(out, s->user, s->ulen)) != 0 ||
	    (r = buf_put_u8(out, (uint8_t)s->plen)) != 0 ||
	    (r = buf_put(out, s->pass, s->plen)) != 0)
		return r;
	return 0;
}

static int
put_connect(struct socks5 *s, struct buf *out)
{
	uint8_t a[16], atyp = SOCKS5_ATYP_NAME;
	size_t hlen = strlen(s->host);
	int r;

	if (inet_pton(AF_INET, s->host, a) == 1)
		atyp = SOCKS5_ATYP_V4;
	else if (inet_pton(AF_INET6, s->host, a) == 1)
		atyp = SOCKS5_ATYP_V6;
	if ((r = buf_put_u8(out, SOCKS5_VERSION)) != 0 ||
	    (r = buf_put_u8(out, SOCKS5_CMD_CONNECT)) != 0 ||
	    (r = buf_put_u8(out, 0)) != 0 ||
	    (r = buf_put_u8(out, atyp)) != 0)
		return r;
	if (atyp == SOCKS5_ATYP_V4)
		r = buf_put(out, a, 4);
	else if (atyp == SOCKS5_ATYP_V6)
		r = buf_put(out, a, 16);
	else if ((r = buf_put_u8(out, (uint8_t)hlen)) == 0)
		r = buf_put(out, s->host, hlen);
	if (r != 0)
		return r;
	return buf_put_u16(out, s->port);
}

static int
fail(struct socks5 *s, int err, const char *why)
{
	s->state = SOCKS5_FAILED;
	s->why = why;
	return err;
}

/* The method the proxy chose: [ver, method]. */
static int
on_method(struct socks5 *s, struct buf *b, struct buf *out)
{
	uint8_t ver, m;
	int r;

	if ((r = buf_get_u8(b, &ver)) != 0 || (r = buf_get_u8(b, &m)) != 0)
		return r;
	if (ver != SOCKS5_VERSION)
		return fail(s, ERR_FORMAT, "does not speak SOCKS5 (is it an "
		    "HTTP proxy, or not a proxy at all?)");
	if (m == SOCKS5_M_REFUSED)
		return fail(s, ERR_AUTH, s->have_auth ?
		    "accepts none of the authentication methods offered "
		    "(none, user name and password)" :
		    "requires authentication: give its user name and "
		    "password in the proxy URL "
		    "(socks5h://USER:PASS@HOST:PORT), preferably in the "
		    "config file");
	if (m == SOCKS5_M_USERPASS && s->have_auth) {
		s->state = SOCKS5_AUTH;
		return put_auth(s, out);
	}
	if (m != SOCKS5_M_NONE)
		return fail(s, ERR_FORMAT, "chose an authentication "
		    "method that was not offered");
	s->state = SOCKS5_CONNECT;
	return put_connect(s, out);
}

/* RFC 1929's verdict: [ver 1, status]. */
static int
on_auth(struct socks5 *s, struct buf *b, struct buf *out)
{
	uint8_t ver, st;
	int r;

	if ((r = buf_get_u8(b, &ver)) != 0 || (r = buf_get_u8(b, &st)) != 0)
		return r;
	if (ver != SOCKS5_AUTH_VERSION)
		return fail(s, ERR_FORMAT, "answered the user name and "
		    "password with a malformed reply");
	if (st != 0)
		return fail(s, ERR_AUTH, "refused the user name and "
		    "password (with no credentials in the proxy URL, "
		    "sotto sends random ones for isolation: this proxy "
		    "needs real ones)");
	s->state = SOCKS5_CONNECT;
	return put_connect(s, out);
}

/* [ver, rep, rsv, atyp, addr, port]: the address is read and dropped. */
static int
on_connect(struct socks5 *s, struct buf *b)
{
	uint8_t ver, rep, rsv, atyp, n;
	uint16_t port;
	int r;

	if ((r = buf_get_u8(b, &ver)) != 0 || (r = buf_get_u8(b, &rep)) != 0)
		return r;
	if (ver != SOCKS5_VERSION)
		return fail(s, ERR_FORMAT, "sent a malformed CONNECT reply "
		    "(not SOCKS5)");
	s->reply = rep;
	if (rep != 0)
		/* Nothing more is needed: the proxy closes after it. */
		return fail(s, ERR_PROTOCOL, socks5_reply_str(rep));
	if ((r = buf_get_u8(b, &rsv)) != 0 || (r = buf_get_u8(b, &atyp)) != 0)
		return r;
	switch (atyp) {
	case SOCKS5_ATYP_V4:
		r = buf_consume(b, 4);
		break;
	case SOCKS5_ATYP_V6:
		r = buf_consume(b, 16);
		break;
	case SOCKS5_ATYP_NAME:
		if ((r = buf_get_u8(b, &n)) == 0)
			r = buf_consume(b, n);
		break;
	default:
		return fail(s, ERR_FORMAT, "sent a CONNECT reply with an "
		    "unknown address type");
	}
	if (r != 0 || (r = buf_get_u16(b, &port)) != 0)
		return r;
	(void)rsv;
	s->state = SOCKS5_OPEN;
	/* The credentials are spent. */
	sodium_memzero(s->user, sizeof(s->user));
	sodium_memzero(s->pass, sizeof(s->pass));
	return 1;
}

int
socks5_input(struct socks5 *s, const uint8_t *in, size_t len, size_t *used,
    struct buf *out)
{
	struct buf b;
	int r;

	*used = 0;
	buf_view(&b, in, len);
	switch (s->state) {
	case SOCKS5_METHOD:
		r = on_method(s, &b, out);
		break;
	case SOCKS5_AUTH:
		r = on_auth(s, &b, out);
		break;
	case SOCKS5_CONNECT:
		r = on_connect(s, &b);
		break;
	default:
		return ERR_STATE;
	}
	if (r == ERR_TRUNCATED)
		return ERR_NEED_MORE;
	if (r == 0 || r == 1)
		*used = len - buf_len(&b);
	else if (s->why == NULL)
		return fail(s, r, "could not be sent the next request "
		    "(out of memory)");
	return r;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes p[0..n) into out (at most SOCKS5_MAX_NAME bytes). */
static int
unescape(const char *p, size_t n, uint8_t *out, size_t *outlen)
{
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < n; i++) {
		if (o == SOCKS5_MAX_NAME)
			return ERR_TOO_LARGE;
		if (p[i] != '%') {
			out[o++] = (uint8_t)p[i];
			continue;
		}
		if (n - i < 3 || (hi = hexval(p[i + 1])) < 0 ||
		    (lo = hexval(p[i + 2])) < 0)
			return ERR_FORMAT;
		out[o++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	*outlen = o;
	return o > 0 ? 0 : ERR_FORMAT;
}

static int
prefix_is(const char *s, size_t len, const char *pre)
{
	size_t n = strlen(pre);

	return len >= n && strncasecmp(s, pre, n) == 0;
}

int
socks5_parse_url(struct socks5_url *u, const char *s, size_t len,
    const char **why)
{
	const char *p, *end = s + len, *at, *colon, *h, *hend, *ps = NULL;
	unsigned long port = SOCKS5_DEFAULT_PORT;
	size_t i, hlen;
	int r = ERR_FORMAT;

	memset(u, 0, sizeof(*u));
	*why = "not a SOCKS5 proxy URL (socks5h://HOST:PORT, or none)";
	if (len == 4 && strncasecmp(s, "none", 4) == 0) {
		u->none = 1;
		return 0;
	}
	if (memchr(s, '\0', len) != NULL)
		goto out;
	if (prefix_is(s, len, "socks5h://"))
		p = s + 10;
	else if (prefix_is(s, len, "socks5://"))
		p = s + 9;
	else {
		for (i = 0; i + 3 <= len && memcmp(s + i, "://", 3) != 0; i++)
			;
		if (i + 3 <= len)
			*why = "sotto speaks only SOCKS5 to proxies: the URL "
			    "must start with socks5h:// (or socks5://)";
		goto out;
	}
	if (end > p && end[-1] == '/')
		end--;
	for (i = 0; p + i < end; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f ||
		    p[i] == '/' || p[i] == '?' || p[i] == '#') {
			*why = "the proxy URL has a blank, a control, a path or "
			    "a non-ASCII byte (percent-encode the user name "
			    "and password)";
			goto out;
		}
	/* The last '@' ends the credentials (a password may hold one). */
	at = NULL;
	for (h = p; h < end; h++)
		if (*h == '@')
			at = h;
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		*why = "the proxy's user name and password must each be 1 to "
		    "255 bytes, percent-encoded";
		if (colon == NULL) {
			*why = "the proxy URL has a user name but no password "
			    "(USER:PASS@)";
			goto out;
		}
		if (unescape(p, (size_t)(colon - p), u->user, &u->ulen) != 0 ||
		    unescape(colon + 1, (size_t)(at - colon - 1), u->pass,
		    &u->plen) != 0)
			goto out;
		u->have_auth = 1;
		p = at + 1;
	}
	*why = "the proxy URL's host is empty, too long or malformed";
	if (p < end && *p == '[') {
		if ((hend = memchr(p, ']', (size_t)(end - p))) == NULL)
			goto out;
		h = p + 1;
		if (hend + 1 < end) {
			if (hend[1] != ':')
				goto out;
			ps = hend + 2;
		}
	} else {
		h = p;
		if ((hend = memchr(p, ':', (size_t)(end - p))) == NULL)
			hend = end;
		else
			ps = hend + 1;
	}
	hlen = (size_t)(hend - h);
	if (hlen == 0 || hlen > SOCKS5_MAX_NAME ||
	    memchr(h, '@', hlen) != NULL || (h == p && memchr(h, ']', hlen)))
		goto out;
	memcpy(u->host, h, hlen);
	u->host[hlen] = '\0';
	if (ps != NULL) {
		port = 0;
		for (i = 0; ps + i < end && i < 6; i++) {
			if (ps[i] < '0' || ps[i] > '9')
				break;
			port = port * 10 + (unsigned long)(ps[i] - '0');
		}
		if (i == 0 || ps + i != end || port < 1 || port > 65535) {
			*why = "the proxy URL's port must be a number from 1 "
			    "to 65535";
			goto out;
		}
	}
	u->port = (uint16_t)port;
	*why = NULL;
	r = 0;
 out:
	if (r != 0)
		sodium_memzero(u, sizeof(*u));
	return r;
}
