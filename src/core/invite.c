/*
 * invite.c: room invitations, "sotto:" and a base64url payload carrying
 * the relay's address and key, the room id and the room secret (see
 * invite.h).  Every intermediate copy of the payload is wiped.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "invite.h"

#define PREFIX_LEN	(sizeof(INVITE_PREFIX) - 1)
/* Domain separation: the checksum of nothing else is the same hash. */
#define CHECK_DOMAIN	"sotto invitation v1"
/* version || host_len || port || keys and ids || check, without host. */
#define FIXED_LEN	(1 + 1 + 2 + INVITE_PK_BYTES + INVITE_ROOM_ID_BYTES + \
			    INVITE_SECRET_BYTES + INVITE_CHECK_BYTES)
/* A guarded room's: guard || q_len || question. */
#define GUARD_MAX	(1 + 1 + INVITE_QUESTION_MAX)
/* Versions 1 to 3 (one address), and 4 and 5: n_addr, and host_len and
 * port per address (FIXED_LEN counts one address's). */
#define PAYLOAD1_MAX	(FIXED_LEN + INVITE_HOST_MAX + GUARD_MAX)
#define PAYLOADN_MAX	(FIXED_LEN + 1 + (INVITE_ADDR_MAX - 1) * 3 + \
			    INVITE_HOSTS_MAX + GUARD_MAX)
#define PAYLOAD_MAX	(PAYLOADN_MAX > PAYLOAD1_MAX ? PAYLOADN_MAX : \
			    PAYLOAD1_MAX)
/* Base64 characters of the longest payload, without padding. */
#define B64_MAX		((PAYLOAD_MAX * 4 + 2) / 3)
/* The decoder looks at no more base64 than this, a whole number of
 * quads: enough to hold any payload plus at least one byte, so that a
 * longer line is reported as ERR_TRAILING by the parser itself. */
#define B64_SCAN	((B64_MAX + 3) / 4 * 4)
#define SCAN_BYTES	(B64_SCAN / 4 * 3)

_Static_assert(SCAN_BYTES > PAYLOAD_MAX, "scan window shows trailing bytes");
_Static_assert(PREFIX_LEN + B64_MAX + 1 <= INVITE_STR_MAX,
    "INVITE_STR_MAX holds the longest invitation");
_Static_assert(INVITE_HOST_MAX <= UINT8_MAX, "host length is one byte");
_Static_assert(INVITE_ADDR_MAX >= 2 && INVITE_ADDR_MAX <= UINT8_MAX,
    "n_addr is one byte");
_Static_assert(INVITE_HOSTS_MAX >= INVITE_HOST_MAX,
    "one longest host fits among several");
/* A longest invitation in one line of --invite-file (1024 bytes). */
_Static_assert(INVITE_STR_MAX <= 1024, "an invitation is one line");
_Static_assert(INVITE_QUESTION_MAX <= UINT8_MAX, "q_len is one byte");

/* Copy-paste may break the line anywhere, and indent it. */
static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
is_b64url(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

/*
 * A host as stored in the payload: printable ASCII without space, and
 * without brackets, which the encoder strips from an IPv6 literal.  The
 * encoder and decoder share this rule, so whatever decodes re-encodes
 * to the same invitation.
 */
static int
host_ok(const uint8_t *h, size_t len)
{
	size_t i;

	if (len < 1 || len > INVITE_HOST_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		if (h[i] < 0x21 || h[i] > 0x7e || h[i] == '[' || h[i] == ']')
			return 0;
	}
	return 1;
}

/*
 * A guarded room's guard bits and question, as invite.h says: the same
 * rule for the encoder and the decoder.
 */
static int
question_ok(const uint8_t *q, size_t qlen)
{
	size_t i;

	if (qlen == 0 || qlen > INVITE_QUESTION_MAX)
		return 0;
	for (i = 0; i < qlen; i++) {
		if (q[i] < 0x20 || q[i] == 0x7f)
			return 0;
	}
	return 1;
}

static int
guard_ok(uint8_t guard, const uint8_t *q, size_t qlen)
{
	if (guard == 0 || (guard & ~(INVITE_GUARD_QUESTION |
	    INVITE_GUARD_CODE)) != 0)
		return 0;
	if (!(guard & INVITE_GUARD_QUESTION))
		return qlen == 0;
	return question_ok(q, qlen);
}

int
invite_question_ok(const char *q)
{
	return q != NULL && question_ok((const uint8_t *)q,
	    strnlen(q, INVITE_QUESTION_MAX + 1));
}

/* Points *restp just past the prefix, whitespace skipped anywhere up to
 * its end, so that invite_is_invitation and invite_decode agree. */
static int
match_prefix(const char *s, const char **restp)
{
	size_t i = 0;

	for (; *s != '\0' && i < PREFIX_LEN; s++) {
		if (is_space(*s))
			continue;
		if (*s != INVITE_PREFIX[i])
			return 0;
		i++;
	}
	if (i < PREFIX_LEN)
		return 0;
	*restp = s;
	return 1;
}

/* The first INVITE_CHECK_BYTES of the domain-separated BLAKE2b-256 of
 * p[0..len).  The hash state holds payload bytes, so it is wiped. */
static int
checksum(uint8_t check[static INVITE_CHECK_BYTES], const uint8_t *p,
    size_t len)
{
	crypto_generichash_state st;
	uint8_t h[crypto_generichash_BYTES];
	int r = ERR_CRYPTO;

	if (crypto_generichash_init(&st, NULL, 0, sizeof(h)) != 0 ||
	    crypto_generichash_update(&st, (const uint8_t *)CHECK_DOMAIN,
	    sizeof(CHECK_DOMAIN) - 1) != 0 ||
	    crypto_generichash_update(&st, p, len) != 0 ||
	    crypto_generichash_final(&st, h, sizeof(h)) != 0)
		goto out;
	memcpy(check, h, INVITE_CHECK_BYTES);
	r = 0;
out:
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(h, sizeof(h));
	return r;
}

int
invite_is_invitation(const char *s)
{
	const char *rest;

	return s != NULL && match_prefix(s, &rest);
}

/* Address i as the payload holds it: *hp and *hlenp without the
 * brackets of an IPv6 literal, *portp.  1 if it may be written, else 0. */
static int
addr_prep(const struct invite *inv, size_t i, const char **hp,
    size_t *hlenp, uint16_t *portp)
{
	const char *host;
	size_t hlen;

	invite_addr_get(inv, i, &host, portp);
	hlen = strnlen(host, INVITE_HOST_MAX + 1);
	if (hlen > INVITE_HOST_MAX)
		return 0;	/* not NUL-terminated */
	/* "[::1]" is how people write an IPv6 literal next to a port;
	 * the payload holds the bare address. */
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host++;
		hlen -= 2;
		if (memchr(host, ':', hlen) == NULL)
			return 0;
	}
	if (!host_ok((const uint8_t *)host, hlen) || *portp == 0)
		return 0;
	*hp = host;
	*hlenp = hlen;
	return 1;
}

size_t
invite_addr_count(const struct invite *inv)
{
	return 1 + (inv->nmore < INVITE_ADDR_MAX ? inv->nmore :
	    INVITE_ADDR_MAX - 1);
}

void
invite_addr_get(const struct invite *inv, size_t i, const char **hostp,
    uint16_t *portp)
{
	if (i == 0 || i > inv->nmore || i >= INVITE_ADDR_MAX) {
		*hostp = inv->host;
		*portp = inv->port;
		return;
	}
	*hostp = inv->more[i - 1].host;
	*portp = inv->more[i - 1].port;
}

int
invite_addr_add(struct invite *inv, const char *host, uint16_t port)
{
	struct invite_addr *a;
	size_t hlen;

	if (inv == NULL || host == NULL || port == 0 ||
	    (hlen = strlen(host)) > INVITE_HOST_MAX)
		return ERR_INVALID_ARG;
	if (inv->host[0] == '\0') {
		memcpy(inv->host, host, hlen + 1);
		inv->port = port;
		return 0;
	}
	if (inv->nmore >= INVITE_ADDR_MAX - 1)
		return ERR_INVALID_ARG;
	a = &inv->more[inv->nmore++];
	memcpy(a->host, host, hlen + 1);
	a->port = port;
	return 0;
}

int
invite_encode(const struct invite *inv, char *out, size_t outlen)
{
	uint8_t payload[PAYLOAD_MAX];
	const char *host[INVITE_ADDR_MAX];
	size_t hlen[INVITE_ADDR_MAX];
	uint16_t port[INVITE_ADDR_MAX];
	size_t naddr, i, hosts = 0, qlen = 0, n = 0, need;
	int r = ERR_INVALID_ARG;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (inv == NULL || out == NULL || inv->nmore >= INVITE_ADDR_MAX)
		goto out;
	naddr = invite_addr_count(inv);
	for (i = 0; i < naddr; i++) {
		if (!addr_prep(inv, i, &host[i], &hlen[i], &port[i]))
			goto out;
		hosts += hlen[i];
	}
	if (naddr > 1 && hosts > INVITE_HOSTS_MAX)
		goto out;
	if (inv->guard != 0) {
		qlen = strnlen(inv->question, sizeof(inv->question));
		if (qlen == sizeof(inv->question) || !guard_ok(inv->guard,
		    (const uint8_t *)inv->question, qlen))
			goto out;
	}

	/* FIXED_LEN counts one address's host_len and port. */
	need = PREFIX_LEN + sodium_base64_ENCODED_LEN(FIXED_LEN + hosts +
	    (naddr > 1 ? 1 + (naddr - 1) * 3 : 0) +
	    (inv->guard != 0 ? 2 + qlen : 0),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	/* sodium_bin2base64 aborts on a short buffer: check first. */
	if (outlen < need)
		goto out;

	if (naddr > 1) {
		payload[n++] = inv->guard != 0 ? INVITE_VERSION_LOBBY_ADDRS :
		    INVITE_VERSION_ADDRS;
		payload[n++] = (uint8_t)naddr;
	} else
		payload[n++] = inv->guard != 0 ? INVITE_VERSION_LOBBY :
		    INVITE_VERSION;
	for (i = 0; i < naddr; i++) {
		payload[n++] = (uint8_t)hlen[i];
		memcpy(payload + n, host[i], hlen[i]);
		n += hlen[i];
		payload[n++] = (uint8_t)(port[i] >> 8);
		payload[n++] = (uint8_t)port[i];
	}
	memcpy(payload + n, inv->relay_pk, INVITE_PK_BYTES);
	n += INVITE_PK_BYTES;
	memcpy(payload + n, inv->guard != 0 ? inv->lobby_id : inv->room_id,
	    INVITE_ROOM_ID_BYTES);
	n += INVITE_ROOM_ID_BYTES;
	memcpy(payload + n, inv->room_secret, INVITE_SECRET_BYTES);
	n += INVITE_SECRET_BYTES;
	if (inv->guard != 0) {
		payload[n++] = inv->guard;
		payload[n++] = (uint8_t)qlen;
		memcpy(payload + n, inv->question, qlen);
		n += qlen;
	}
	if ((r = checksum(payload + n, payload, n)) != 0)
		goto out;
	n += INVITE_CHECK_BYTES;

	memcpy(out, INVITE_PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, outlen - PREFIX_LEN, payload, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	r = 0;
out:
	sodium_memzero(payload, sizeof(payload));
	return r;
}

int
invite_decode(struct invite *inv, const char *s)
{
	char text[B64_SCAN + 1];
	uint8_t payload[SCAN_BYTES];
	uint8_t check[INVITE_CHECK_BYTES];
	const uint8_t *host[INVITE_ADDR_MAX], *want, *q = NULL;
	uint8_t hlen[INVITE_ADDR_MAX];
	uint16_t port[INVITE_ADDR_MAX];
	const char *p;
	size_t ntext = 0, npayload = 0, hosts = 0, i;
	struct buf b;
	uint8_t version, naddr = 1, qlen = 0;
	int lobby, r = ERR_FORMAT;

	if (inv == NULL)
		return ERR_INVALID_ARG;
	sodium_memzero(inv, sizeof(*inv));
	if (s == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if (!match_prefix(s, &p))
		goto out;
	/* Gather the base64 without whitespace.  Past the scan window only
	 * the alphabet is checked: such a line is too long anyway. */
	for (; *p != '\0'; p++) {
		if (is_space(*p))
			continue;
		if (!is_b64url(*p))
			goto out;
		if (ntext < B64_SCAN)
			text[ntext++] = *p;
	}
	text[ntext] = '\0';
	/* Also refuses a dangling sextet and nonzero unused bits, so each
	 * payload has exactly one spelling. */
	if (sodium_base642bin(payload, sizeof(payload), text, ntext, NULL,
	    &npayload, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		goto out;

	buf_view(&b, payload, npayload);
	if ((r = buf_get_u8(&b, &version)) != 0)
		goto out;
	if (version < INVITE_VERSION || version > INVITE_VERSION_LOBBY_ADDRS) {
		r = ERR_VERSION;
		goto out;
	}
	inv->version = version;
	lobby = version == INVITE_VERSION_LOBBY ||
	    version == INVITE_VERSION_LOBBY_ADDRS;
	/* Several addresses: their count and their hosts' total are
	 * checked as they are read, so that no payload is longer than
	 * PAYLOAD_MAX (a longer line is then ERR_TRAILING, as ever). */
	if (version >= INVITE_VERSION_ADDRS) {
		if ((r = buf_get_u8(&b, &naddr)) != 0)
			goto out;
		if (naddr < 2 || naddr > INVITE_ADDR_MAX) {
			r = ERR_FORMAT;
			goto out;
		}
	}
	for (i = 0; i < naddr; i++) {
		if ((r = buf_get_u8(&b, &hlen[i])) != 0)
			goto out;
		hosts += hlen[i];
		if (naddr > 1 && hosts > INVITE_HOSTS_MAX) {
			r = ERR_FORMAT;
			goto out;
		}
		if ((r = buf_get_view(&b, hlen[i], &host[i])) != 0 ||
		    (r = buf_get_u16(&b, &port[i])) != 0)
			goto out;
	}
	if ((r = buf_get_fixed(&b, inv->relay_pk, INVITE_PK_BYTES)) != 0 ||
	    (r = buf_get_fixed(&b, lobby ? inv->lobby_id : inv->room_id,
	    INVITE_ROOM_ID_BYTES)) != 0 ||
	    (r = buf_get_fixed(&b, inv->room_secret,
	    INVITE_SECRET_BYTES)) != 0)
		goto out;
	if (version != INVITE_VERSION && version != INVITE_VERSION_ADDRS &&
	    ((r = buf_get_u8(&b, &inv->guard)) != 0 ||
	    (r = buf_get_u8(&b, &qlen)) != 0 ||
	    (r = buf_get_view(&b, qlen, &q)) != 0))
		goto out;
	if ((r = buf_get_view(&b, INVITE_CHECK_BYTES, &want)) != 0 ||
	    (r = buf_expect_end(&b)) != 0)
		goto out;
	/* Checked before the fields' meaning, so a typo says "typo". */
	if ((r = checksum(check, payload, npayload - INVITE_CHECK_BYTES)) != 0)
		goto out;
	if (sodium_memcmp(check, want, INVITE_CHECK_BYTES) != 0) {
		r = ERR_CHECKSUM;
		goto out;
	}
	r = ERR_FORMAT;
	for (i = 0; i < naddr; i++)
		if (!host_ok(host[i], hlen[i]) || port[i] == 0)
			goto out;
	if (version != INVITE_VERSION && version != INVITE_VERSION_ADDRS &&
	    !guard_ok(inv->guard, q, qlen))
		goto out;
	memcpy(inv->host, host[0], hlen[0]);
	inv->host[hlen[0]] = '\0';
	inv->port = port[0];
	inv->nmore = (uint8_t)(naddr - 1);
	for (i = 1; i < naddr; i++) {
		memcpy(inv->more[i - 1].host, host[i], hlen[i]);
		inv->more[i - 1].host[hlen[i]] = '\0';
		inv->more[i - 1].port = port[i];
	}
	if (qlen > 0)
		memcpy(inv->question, q, qlen);
	inv->question[qlen] = '\0';
	r = 0;
out:
	sodium_memzero(text, sizeof(text));
	sodium_memzero(payload, sizeof(payload));
	sodium_memzero(check, sizeof(check));
	if (r != 0)
		sodium_memzero(inv, sizeof(*inv));
	return r;
}

void
invite_room_id(const uint8_t secret[INVITE_SECRET_BYTES],
    uint8_t room_id[INVITE_ROOM_ID_BYTES])
{
	static const char label[] = "sotto/1 room id";

	crypto_generichash(room_id, INVITE_ROOM_ID_BYTES,
	    (const uint8_t *)label, sizeof(label) - 1, secret,
	    INVITE_SECRET_BYTES);
}
