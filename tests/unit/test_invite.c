/*
 * test_invite.c: room invitations: a known vector computed outside sotto,
 * round trips, and every single-character substitution, deletion and
 * adjacent transposition of valid lines refused; payloads built by hand
 * to probe truncation, trailing bytes, versions and bad hosts; a guarded
 * room's version 2 with its guard bits and question.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "invite.h"

#define PREFIX_LEN	(sizeof(INVITE_PREFIX) - 1)
#define DOMAIN		"sotto invitation v1"
#define RAW_MAX		1024

/*
 * Computed independently of sotto (Python: hashlib.blake2b with
 * digest_size=32, base64.urlsafe_b64encode, padding stripped) for
 * relay_pk = 00..1f, room_id = a0..af, room_secret = c0..df.
 */
static const char golden_name[] =
    "sotto:ARFyZWxheS5leGFtcGxlLm9yZ_-YAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw"
    "dHh-goaKjpKWmp6ipqqusra6vwMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t_GY-Lj";
static const char golden_v6[] =
    "sotto:AQsyMDAxOmRiODo6MQG7AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh-goaK"
    "jpKWmp6ipqqusra6vwMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t-rcijn";

/* Version 4, the same keys, addresses relay.example.org:65432 and
 * 10.0.0.2:7 (computed the same way). */
static const char golden_addrs[] =
    "sotto:BAIRcmVsYXkuZXhhbXBsZS5vcmf_mAgxMC4wLjAuMgAHAAECAwQFBgcICQoLDA0ODxA"
    "REhMUFRYXGBkaGxwdHh-goaKjpKWmp6ipqqusra6vwMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX"
    "2Nna29zd3t_Btdxp";

/* docs/PROTOCOL.md section 16.3's version 4 example, byte for byte. */
static const char golden_doc_v4[] =
    "sotto:BAIRcmVsYXkuZXhhbXBsZS5vcmf_mRJyZWxheTIuZXhhbXBsZS5vcmf_mYFGZA8CSTr0"
    "-8VP4zOI513CyTeuC3cnzCsq-xt1GZo-paWlpaWlpaWlpaWlpaWlpVpaWlpaWlpaWlpaWlpaWl"
    "paWlpaWlpaWlpaWlpaWlpaki-Pjw";
static const uint8_t doc_relay_pk[INVITE_PK_BYTES] = {
	0x81, 0x46, 0x64, 0x0f, 0x02, 0x49, 0x3a, 0xf4, 0xfb, 0xc5, 0x4f,
	0xe3, 0x33, 0x88, 0xe7, 0x5d, 0xc2, 0xc9, 0x37, 0xae, 0x0b, 0x77,
	0x27, 0xcc, 0x2b, 0x2a, 0xfb, 0x1b, 0x75, 0x19, 0x9a, 0x3e
};

static void
make_invite(struct invite *inv, const char *host, uint16_t port)
{
	size_t i;

	memset(inv, 0, sizeof(*inv));
	assert_true(strlen(host) < sizeof(inv->host));
	strcpy(inv->host, host);
	inv->port = port;
	for (i = 0; i < INVITE_PK_BYTES; i++)
		inv->relay_pk[i] = (uint8_t)i;
	for (i = 0; i < INVITE_ROOM_ID_BYTES; i++)
		inv->room_id[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < INVITE_SECRET_BYTES; i++)
		inv->room_secret[i] = (uint8_t)(0xc0 + i);
}

/* A guarded room's (version 3): a lobby id, and no room id. */
static void
make_guarded(struct invite *inv, const char *host, uint16_t port,
    uint8_t guard)
{
	size_t i;

	make_invite(inv, host, port);
	memset(inv->room_id, 0, sizeof(inv->room_id));
	for (i = 0; i < INVITE_ROOM_ID_BYTES; i++)
		inv->lobby_id[i] = (uint8_t)(0xb0 + i);
	inv->guard = guard;
}

static void
assert_same(const struct invite *a, const struct invite *b)
{
	size_t i;

	assert_string_equal(a->host, b->host);
	assert_int_equal(a->port, b->port);
	assert_int_equal(a->nmore, b->nmore);
	for (i = 0; i < a->nmore; i++) {
		assert_string_equal(a->more[i].host, b->more[i].host);
		assert_int_equal(a->more[i].port, b->more[i].port);
	}
	assert_memory_equal(a->relay_pk, b->relay_pk, INVITE_PK_BYTES);
	assert_memory_equal(a->room_id, b->room_id, INVITE_ROOM_ID_BYTES);
	assert_memory_equal(a->lobby_id, b->lobby_id, INVITE_ROOM_ID_BYTES);
	assert_memory_equal(a->room_secret, b->room_secret,
	    INVITE_SECRET_BYTES);
	assert_int_equal(a->guard, b->guard);
	assert_string_equal(a->question, b->question);
}

static void
assert_zeroed(const struct invite *inv)
{
	static const struct invite zero;

	assert_memory_equal(inv, &zero, sizeof(zero));
}

/* Decodes a heap copy of s holding exactly its bytes, so AddressSanitizer
 * sees any read past the NUL.  A success must give exactly 'want' (never
 * different content); a failure must leave the output zeroed. */
static int
decode_checked(const char *s, const struct invite *want)
{
	struct invite got;
	char *copy;
	int r;

	copy = strdup(s);
	assert_non_null(copy);
	memset(&got, 0xa5, sizeof(got));
	r = invite_decode(&got, copy);
	free(copy);
	if (r == 0)
		assert_same(&got, want);
	else
		assert_zeroed(&got);
	sodium_memzero(&got, sizeof(got));
	return r;
}

static void
encode_ok(const struct invite *inv, char out[static INVITE_STR_MAX])
{
	assert_int_equal(invite_encode(inv, out, INVITE_STR_MAX), 0);
	assert_true(strncmp(out, INVITE_PREFIX, PREFIX_LEN) == 0);
}

/* --- raw payloads, built here from the format in invite.h --------------- */

struct raw {
	uint8_t	 p[RAW_MAX];
	size_t	 n;
};

static void
raw_put(struct raw *w, const void *p, size_t n)
{
	assert_true(n <= sizeof(w->p) - w->n);
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void
raw_check(struct raw *w)
{
	uint8_t h[32];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)DOMAIN,
	    sizeof(DOMAIN) - 1);
	crypto_generichash_update(&st, w->p, w->n);
	crypto_generichash_final(&st, h, sizeof(h));
	raw_put(w, h, INVITE_CHECK_BYTES);
}

/* A payload with the given version and host bytes and a good checksum. */
static void
raw_build(struct raw *w, uint8_t version, const void *host, size_t hlen,
    uint16_t port)
{
	struct invite ref;
	uint8_t u8;

	make_invite(&ref, "x", 1);
	w->n = 0;
	raw_put(w, &version, 1);
	u8 = (uint8_t)hlen;
	raw_put(w, &u8, 1);
	raw_put(w, host, hlen);
	u8 = (uint8_t)(port >> 8);
	raw_put(w, &u8, 1);
	u8 = (uint8_t)port;
	raw_put(w, &u8, 1);
	raw_put(w, ref.relay_pk, INVITE_PK_BYTES);
	raw_put(w, ref.room_id, INVITE_ROOM_ID_BYTES);
	raw_put(w, ref.room_secret, INVITE_SECRET_BYTES);
	raw_check(w);
}

/* A version 2 payload: guard bits and a question of qlen bytes. */
static void
raw_build_guarded(struct raw *w, uint8_t guard, const char *q, size_t qlen)
{
	struct invite ref;
	uint8_t u8;

	make_invite(&ref, "x", 1);
	w->n = 0;
	u8 = INVITE_VERSION_GUARDED;
	raw_put(w, &u8, 1);
	u8 = 1;
	raw_put(w, &u8, 1);
	raw_put(w, "x", 1);
	u8 = 0;
	raw_put(w, &u8, 1);
	u8 = 1;
	raw_put(w, &u8, 1);
	raw_put(w, ref.relay_pk, INVITE_PK_BYTES);
	raw_put(w, ref.room_id, INVITE_ROOM_ID_BYTES);
	raw_put(w, ref.room_secret, INVITE_SECRET_BYTES);
	raw_put(w, &guard, 1);
	u8 = (uint8_t)qlen;
	raw_put(w, &u8, 1);
	raw_put(w, q, qlen);
	raw_check(w);
}

static void
raw_encode(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	assert_true(outlen >= PREFIX_LEN + sodium_base64_ENCODED_LEN(n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING));
	memcpy(out, INVITE_PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, outlen - PREFIX_LEN, p, n,
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

/* Decodes the payload p[0..n) as a line; a success must give 'want' when
 * that is not NULL. */
static int
raw_decode_as(const uint8_t *p, size_t n, const struct invite *want)
{
	struct invite got;
	char s[2 * RAW_MAX];
	int r;

	raw_encode(p, n, s, sizeof(s));
	memset(&got, 0xa5, sizeof(got));
	r = invite_decode(&got, s);
	if (r != 0)
		assert_zeroed(&got);
	else if (want != NULL)
		assert_same(&got, want);
	return r;
}

static int
raw_decode(const uint8_t *p, size_t n)
{
	return raw_decode_as(p, n, NULL);
}

/* --- tests ------------------------------------------------------------- */

static void
test_golden(void **state)
{
	struct invite inv, got;
	char out[INVITE_STR_MAX];

	(void)state;
	make_invite(&inv, "relay.example.org", 65432);
	encode_ok(&inv, out);
	assert_string_equal(out, golden_name);
	assert_int_equal(decode_checked(golden_name, &inv), 0);

	/* Brackets are accepted but not stored. */
	make_invite(&inv, "[2001:db8::1]", 443);
	encode_ok(&inv, out);
	assert_string_equal(out, golden_v6);
	assert_int_equal(invite_decode(&got, golden_v6), 0);
	assert_string_equal(got.host, "2001:db8::1");
	make_invite(&inv, "2001:db8::1", 443);
	encode_ok(&inv, out);
	assert_string_equal(out, golden_v6);
	assert_int_equal(decode_checked(golden_v6, &inv), 0);
}

/* Several relay addresses: versions 4 and 5, their bounds, and a single
 * address still written as version 1 or 3. */
static void
test_several_addresses(void **state)
{
	struct invite inv, got;
	struct raw w;
	char out[INVITE_STR_MAX], host[INVITE_HOST_MAX + 1];
	const char *h;
	uint16_t port;
	uint8_t u8;
	size_t i, n;

	(void)state;
	make_invite(&inv, "relay.example.org", 65432);
	assert_int_equal(invite_addr_count(&inv), 1);
	assert_int_equal(invite_addr_add(&inv, "10.0.0.2", 7), 0);
	assert_int_equal(invite_addr_count(&inv), 2);
	invite_addr_get(&inv, 1, &h, &port);
	assert_string_equal(h, "10.0.0.2");
	assert_int_equal(port, 7);
	encode_ok(&inv, out);
	assert_string_equal(out, golden_addrs);
	assert_int_equal(decode_checked(golden_addrs, &inv), 0);
	assert_int_equal(invite_decode(&got, golden_addrs), 0);
	assert_int_equal(got.version, INVITE_VERSION_ADDRS);
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(invite_addr_add(&inv, "relay.example.org", 65433), 0);
	assert_int_equal(invite_addr_add(&inv, "relay2.example.org", 65433), 0);
	memcpy(inv.relay_pk, doc_relay_pk, INVITE_PK_BYTES);
	memset(inv.room_id, 0xa5, INVITE_ROOM_ID_BYTES);
	memset(inv.room_secret, 0x5a, INVITE_SECRET_BYTES);
	encode_ok(&inv, out);
	assert_string_equal(out, golden_doc_v4);
	assert_int_equal(decode_checked(golden_doc_v4, &inv), 0);

	/* The first address of an empty invitation, then up to 8; the
	 * brackets of an IPv6 literal are dropped. */
	memset(&inv, 0, sizeof(inv));
	assert_int_equal(invite_addr_add(&inv, "[::1]", 1), 0);
	assert_string_equal(inv.host, "[::1]");
	assert_int_equal(inv.nmore, 0);
	for (i = 1; i < INVITE_ADDR_MAX; i++)
		assert_int_equal(invite_addr_add(&inv, "n.example", (uint16_t)i),
		    0);
	assert_int_equal(invite_addr_add(&inv, "n.example", 9),
	    ERR_INVALID_ARG);
	assert_int_equal(invite_addr_add(&inv, "", 0), ERR_INVALID_ARG);
	assert_int_equal(invite_addr_count(&inv), INVITE_ADDR_MAX);
	inv.guard = INVITE_GUARD_QUESTION;
	memset(inv.question, 'q', INVITE_QUESTION_MAX);
	encode_ok(&inv, out);
	assert_int_equal(invite_decode(&got, out), 0);
	assert_int_equal(got.version, INVITE_VERSION_LOBBY_ADDRS);
	assert_string_equal(got.host, "::1");
	assert_int_equal(got.nmore, INVITE_ADDR_MAX - 1);
	assert_int_equal(got.more[6].port, 7);

	/* The longest: 8 addresses, 400 host bytes, the longest question;
	 * one byte more is refused. */
	memset(&inv, 0, sizeof(inv));
	memset(host, 'h', 50);
	host[50] = '\0';
	for (i = 0; i < INVITE_ADDR_MAX; i++)
		assert_int_equal(invite_addr_add(&inv, host, 65535), 0);
	inv.guard = INVITE_GUARD_QUESTION;
	memset(inv.question, 'q', INVITE_QUESTION_MAX);
	encode_ok(&inv, out);
	assert_true(strlen(out) < INVITE_STR_MAX);
	assert_int_equal(invite_decode(&got, out), 0);
	assert_same(&got, &inv);
	strcat(inv.more[6].host, "h");
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	inv.more[6].port = 0;
	inv.more[6].host[50] = '\0';
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	inv.more[6].port = 1;
	strcpy(inv.more[6].host, "a b");
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	inv.nmore = INVITE_ADDR_MAX;
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);

	/* By hand: n_addr 0, 1 and 9 refused, as is a host total over 400
	 * (read before the checksum), a zero port or a bad host in any
	 * address (after it), and every proper prefix. */
	for (n = 0; n <= 9; n++) {
		w.n = 0;
		u8 = INVITE_VERSION_ADDRS;
		raw_put(&w, &u8, 1);
		u8 = (uint8_t)n;
		raw_put(&w, &u8, 1);
		for (i = 0; i < n; i++)
			raw_put(&w, "\x01" "a" "\x00\x01", 4);
		memset(out, 0, 80);
		raw_put(&w, out, 80);
		raw_check(&w);
		assert_int_equal(raw_decode(w.p, w.n), n >= 2 && n <= 8 ? 0 :
		    ERR_FORMAT);
		if (n == 3) {
			for (i = 0; i < w.n; i++)
				assert_int_equal(raw_decode(w.p, i),
				    ERR_TRUNCATED);
			w.p[2 + 4 + 3] = 0;	/* second port 0 */
			w.n -= INVITE_CHECK_BYTES;
			raw_check(&w);
			assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
			w.p[2 + 4 + 3] = 1;
			w.p[2 + 4 + 1] = ' ';
			w.n -= INVITE_CHECK_BYTES;
			raw_check(&w);
			assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
		}
	}
	w.n = 0;
	raw_put(&w, "\x04\x02", 2);
	memset(host, 'h', 255);
	u8 = 255;
	raw_put(&w, &u8, 1);
	raw_put(&w, host, 255);
	raw_put(&w, "\x00\x01", 2);
	u8 = 146;
	raw_put(&w, &u8, 1);
	raw_put(&w, host, 146);
	raw_put(&w, "\x00\x01", 2);
	memset(out, 0, 80);
	raw_put(&w, out, 80);
	raw_check(&w);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	/* 145: 400 bytes, accepted. */
	w.p[2 + 1 + 255 + 2] = 145;
	memmove(w.p + 2 + 1 + 255 + 2 + 1 + 145, w.p + 2 + 1 + 255 + 2 + 1 +
	    146, w.n - (2 + 1 + 255 + 2 + 1 + 146) - INVITE_CHECK_BYTES);
	w.n -= 1 + INVITE_CHECK_BYTES;
	raw_check(&w);
	assert_int_equal(raw_decode(w.p, w.n), 0);
}

static void
test_round_trip(void **state)
{
	static const struct {
		const char	*in;
		const char	*stored;
		uint16_t	 port;
	} cases[] = {
		{ "192.168.1.10", "192.168.1.10", 65432 },
		{ "127.0.0.1", "127.0.0.1", 1 },
		{ "::1", "::1", 65535 },
		{ "[::1]", "::1", 65432 },
		{ "[fe80::1%eth0]", "fe80::1%eth0", 7 },
		{ "2001:db8:85a3::8a2e:370:7334", "2001:db8:85a3::8a2e:370:7334",
		    8443 },
		{ "relay.example.org", "relay.example.org", 443 },
		{ "a", "a", 2 },
		{ "xn--bcher-kva.example", "xn--bcher-kva.example", 80 },
	};
	struct invite inv, got;
	char out[INVITE_STR_MAX], host[INVITE_HOST_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		make_invite(&inv, cases[i].in, cases[i].port);
		encode_ok(&inv, out);
		assert_true(invite_is_invitation(out));
		assert_int_equal(invite_decode(&got, out), 0);
		assert_string_equal(got.host, cases[i].stored);
		strcpy(inv.host, cases[i].stored);
		assert_same(&got, &inv);
	}

	/* The longest host fits INVITE_STR_MAX, every printable byte but
	 * space and brackets included. */
	for (i = 0; i < INVITE_HOST_MAX; i++) {
		host[i] = (char)(0x21 + i % (0x7f - 0x21));
		if (host[i] == '[' || host[i] == ']')
			host[i] = 'z';
	}
	host[INVITE_HOST_MAX] = '\0';
	make_invite(&inv, host, 12345);
	encode_ok(&inv, out);
	assert_true(strlen(out) < INVITE_STR_MAX);
	assert_int_equal(decode_checked(out, &inv), 0);
}

static void
test_encode_refusals(void **state)
{
	static const char *bad_hosts[] = {
		"", "a b", "a\tb", "a\nb", "\x7f", "caf\xc3\xa9", "[", "]",
		"[]", "[example.com]", "[::1", "::1]", "a[b", "[[::1]]",
	};
	struct invite inv;
	char out[INVITE_STR_MAX];
	size_t i, need;

	(void)state;
	for (i = 0; i < sizeof(bad_hosts) / sizeof(bad_hosts[0]); i++) {
		make_invite(&inv, bad_hosts[i], 65432);
		strcpy(out, "junk");
		assert_int_equal(invite_encode(&inv, out, sizeof(out)),
		    ERR_INVALID_ARG);
		assert_string_equal(out, "");
	}
	/* A host filling the whole array has no NUL. */
	make_invite(&inv, "a", 65432);
	memset(inv.host, 'a', sizeof(inv.host));
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	assert_string_equal(out, "");

	make_invite(&inv, "relay.example.org", 0);
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	assert_string_equal(out, "");

	/* Every buffer one byte short or worse is refused, untouched but
	 * for the empty string. */
	make_invite(&inv, "relay.example.org", 65432);
	need = strlen(golden_name) + 1;
	for (i = 0; i < need; i++) {
		memset(out, 'Z', sizeof(out));
		assert_int_equal(invite_encode(&inv, out, i),
		    ERR_INVALID_ARG);
		assert_int_equal(out[0], i > 0 ? '\0' : 'Z');
		assert_int_equal(out[1], 'Z');
	}
	assert_int_equal(invite_encode(&inv, out, need), 0);
	assert_string_equal(out, golden_name);

	assert_int_equal(invite_encode(NULL, out, sizeof(out)),
	    ERR_INVALID_ARG);
	assert_int_equal(invite_encode(&inv, NULL, 0), ERR_INVALID_ARG);
	assert_int_equal(invite_decode(&inv, NULL), ERR_INVALID_ARG);
	assert_zeroed(&inv);
	assert_int_equal(invite_decode(NULL, golden_name), ERR_INVALID_ARG);
}

/* The valid lines the mutation loops start from. */
#define NLINES	5

/* One address (version 1), two (version 4), a guarded room's three
 * (version 5). */
static void
valid_lines(char lines[NLINES][INVITE_STR_MAX], struct invite invs[NLINES])
{
	size_t k;

	make_invite(&invs[0], "192.168.1.10", 65432);
	make_invite(&invs[1], "2001:db8::1", 443);
	make_invite(&invs[2], "relay.example.org", 8080);
	make_invite(&invs[3], "n1.example.org", 65433);
	assert_int_equal(invite_addr_add(&invs[3], "10.0.0.2", 7), 0);
	make_guarded(&invs[4], "n1.example.org", 65433, INVITE_GUARD_CODE);
	assert_int_equal(invite_addr_add(&invs[4], "2001:db8::2", 1), 0);
	assert_int_equal(invite_addr_add(&invs[4], "n3.example.org", 2), 0);
	for (k = 0; k < NLINES; k++)
		encode_ok(&invs[k], lines[k]);
}

static void
test_substitutions(void **state)
{
	struct invite invs[NLINES];
	char lines[NLINES][INVITE_STR_MAX], s[INVITE_STR_MAX];
	size_t k, i, len;
	int c, nchk, r;

	(void)state;
	valid_lines(lines, invs);
	for (k = 0; k < NLINES; k++) {
		len = strlen(lines[k]);
		nchk = 0;
		/* The prefix too; a whitespace byte makes it a deletion. */
		for (i = 0; i < len; i++) {
			for (c = 1; c < 256; c++) {
				if ((char)c == lines[k][i])
					continue;
				memcpy(s, lines[k], len + 1);
				s[i] = (char)c;
				r = decode_checked(s, &invs[k]);
				if (r != 0)
					nchk += (r == ERR_CHECKSUM);
				else
					fail_msg("line %zu: byte %zu -> 0x%02x "
					    "accepted", k, i, c);
			}
		}
		/* Most typos are caught by the checksum itself. */
		assert_true(nchk > 0);
	}
}

static void
test_deletions_and_transpositions(void **state)
{
	struct invite invs[NLINES];
	char lines[NLINES][INVITE_STR_MAX], s[INVITE_STR_MAX], t;
	size_t k, i, len;

	(void)state;
	valid_lines(lines, invs);
	for (k = 0; k < NLINES; k++) {
		len = strlen(lines[k]);
		for (i = 0; i < len; i++) {
			memcpy(s, lines[k], i);
			memcpy(s + i, lines[k] + i + 1, len - i);
			if (decode_checked(s, &invs[k]) == 0)
				fail_msg("line %zu: deleting %zu accepted",
				    k, i);
		}
		for (i = 0; i + 1 < len; i++) {
			if (lines[k][i] == lines[k][i + 1])
				continue;	/* not a change */
			memcpy(s, lines[k], len + 1);
			t = s[i];
			s[i] = s[i + 1];
			s[i + 1] = t;
			if (decode_checked(s, &invs[k]) == 0)
				fail_msg("line %zu: swapping %zu accepted",
				    k, i);
		}
	}
}

/* Every payload bit but the version and length bytes is covered by the
 * checksum, which must be what refuses it. */
static void
test_payload_bit_flips(void **state)
{
	struct invite want;
	struct raw w;
	size_t i;
	int bit, r;

	(void)state;
	raw_build(&w, INVITE_VERSION, "192.168.1.10", 12, 65432);
	make_invite(&want, "192.168.1.10", 65432);
	assert_int_equal(raw_decode_as(w.p, w.n, &want), 0);
	for (i = 0; i < w.n; i++) {
		for (bit = 0; bit < 8; bit++) {
			w.p[i] ^= (uint8_t)(1u << bit);
			r = raw_decode(w.p, w.n);
			w.p[i] ^= (uint8_t)(1u << bit);
			if (i == 0 && ((w.p[0] ^ (1u << bit)) ==
			    INVITE_VERSION_LOBBY || (w.p[0] ^ (1u << bit)) ==
			    INVITE_VERSION_LOBBY_ADDRS))
				assert_int_not_equal(r, 0);	/* its layout */
			else if (i == 0)
				assert_int_equal(r, ERR_VERSION);
			else if (i == 1)
				assert_true(r == ERR_TRUNCATED ||
				    r == ERR_TRAILING);
			else
				assert_int_equal(r, ERR_CHECKSUM);
		}
	}
}

static void
test_truncated_and_extended(void **state)
{
	struct raw w, x;
	struct invite inv;
	char s[2 * RAW_MAX], line[INVITE_STR_MAX];
	size_t n, len;

	(void)state;
	raw_build(&w, INVITE_VERSION, "relay.example.org", 17, 8080);
	/* Every proper prefix of the payload, the empty one included. */
	for (n = 0; n < w.n; n++)
		assert_int_equal(raw_decode(w.p, n), ERR_TRUNCATED);
	/* Bytes after the checksum, whether or not a checksum is
	 * recomputed to cover them. */
	for (n = 1; n <= 8; n++) {
		x = w;
		memset(x.p + x.n, 0, n);
		x.n += n;
		assert_int_equal(raw_decode(x.p, x.n), ERR_TRAILING);
		x.n -= INVITE_CHECK_BYTES;
		raw_check(&x);
		assert_int_equal(raw_decode(x.p, x.n), ERR_TRAILING);
	}
	/* A host_len promising more than is there. */
	x.n = 0;
	raw_put(&x, "\x01\xff" "abc", 5);
	assert_int_equal(raw_decode(x.p, x.n), ERR_TRUNCATED);

	/* The same seen as text: whole base64 quads dropped from the end,
	 * and a very long line. */
	make_invite(&inv, "relay.example.org", 8080);
	encode_ok(&inv, line);
	len = strlen(line);
	for (n = 4; n < len - PREFIX_LEN; n += 4) {
		memcpy(s, line, len - n);
		s[len - n] = '\0';
		assert_int_equal(decode_checked(s, &inv), ERR_TRUNCATED);
	}
	assert_int_equal(decode_checked(INVITE_PREFIX, &inv), ERR_TRUNCATED);
	memcpy(s, line, len);
	memset(s + len, 'A', sizeof(s) - len - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(decode_checked(s, &inv), ERR_TRAILING);
	memcpy(s, line, len);
	memcpy(s + len, "AAAA", 5);
	assert_int_equal(decode_checked(s, &inv), ERR_TRAILING);
}

static void
test_wrong_version(void **state)
{
	static const uint8_t versions[] = { 0, 6, 7, 0x7f, 0x80, 0xff };
	static const struct invite none;
	char s[2 * RAW_MAX];
	struct raw w;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(versions); i++) {
		raw_build(&w, versions[i], "relay.example.org", 17, 8080);
		assert_int_equal(raw_decode(w.p, w.n), ERR_VERSION);
		/* Judged from the first byte alone. */
		assert_int_equal(raw_decode(w.p, 1), ERR_VERSION);
	}
	/* A long line of garbage: its first byte, 0xff, is judged first. */
	memcpy(s, INVITE_PREFIX, PREFIX_LEN);
	memset(s + PREFIX_LEN, '_', sizeof(s) - PREFIX_LEN - 1);
	s[sizeof(s) - 1] = '\0';
	assert_int_equal(decode_checked(s, &none), ERR_VERSION);
}

static void
test_guarded(void **state)
{
	static const uint8_t guards[] = { INVITE_GUARD_QUESTION,
	    INVITE_GUARD_CODE, INVITE_GUARD_QUESTION | INVITE_GUARD_CODE };
	struct invite inv, got;
	char out[INVITE_STR_MAX];
	char q[INVITE_QUESTION_MAX + 2];
	uint8_t payload[RAW_MAX];
	struct raw w;
	size_t i, n, bit;

	(void)state;
	for (i = 0; i < sizeof(guards); i++) {
		make_guarded(&inv, "relay.example.org", 65433, guards[i]);
		if (guards[i] & INVITE_GUARD_QUESTION)
			strcpy(inv.question, "What was the name of the ship?");
		encode_ok(&inv, out);
		assert_int_equal(decode_checked(out, &inv), 0);
		assert_true(invite_is_invitation(out));
		/* Version 3, and every bit of the payload is covered. */
		assert_int_equal(sodium_base642bin(payload, sizeof(payload),
		    out + PREFIX_LEN, strlen(out) - PREFIX_LEN, NULL, &n, NULL,
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
		assert_int_equal(payload[0], INVITE_VERSION_LOBBY);
		for (bit = 8; bit < n * 8; bit++) {
			payload[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_int_not_equal(raw_decode(payload, n), 0);
			payload[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		assert_int_equal(raw_decode_as(payload, n, &inv), 0);
	}
	/* The longest question fits, with the longest host. */
	make_guarded(&inv, "x", 1, INVITE_GUARD_QUESTION | INVITE_GUARD_CODE);
	memset(inv.host, 'h', INVITE_HOST_MAX);
	inv.host[INVITE_HOST_MAX] = '\0';
	memset(inv.question, '?', INVITE_QUESTION_MAX);
	inv.question[INVITE_QUESTION_MAX] = '\0';
	encode_ok(&inv, out);
	assert_int_equal(invite_decode(&got, out), 0);
	assert_same(&got, &inv);

	/* Encoding refuses what decoding would refuse. */
	make_invite(&inv, "x", 1);
	inv.guard = 0x04;
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	assert_string_equal(out, "");
	inv.guard = INVITE_GUARD_QUESTION;	/* and no question */
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	inv.guard = INVITE_GUARD_CODE;		/* a question without the bit */
	strcpy(inv.question, "why?");
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);
	inv.guard = INVITE_GUARD_QUESTION;
	strcpy(inv.question, "why\x1b[2J?");
	assert_int_equal(invite_encode(&inv, out, sizeof(out)),
	    ERR_INVALID_ARG);

	/* The question rule, as room.c checks it before making a room. */
	assert_true(invite_question_ok("who?"));
	assert_false(invite_question_ok(""));
	assert_false(invite_question_ok("wh\to?"));
	memset(q, 'q', sizeof(q) - 1);
	q[sizeof(q) - 1] = '\0';		/* INVITE_QUESTION_MAX + 1 bytes */
	assert_false(invite_question_ok(q));
	q[INVITE_QUESTION_MAX] = '\0';
	assert_true(invite_question_ok(q));

	/* Hand-built payloads: each rule of invite.h. */
	raw_build_guarded(&w, INVITE_GUARD_CODE, "", 0);
	assert_int_equal(raw_decode(w.p, w.n), 0);
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, "who?", 4);
	assert_int_equal(raw_decode(w.p, w.n), 0);
	raw_build_guarded(&w, 0, "", 0);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	raw_build_guarded(&w, 0x07, "who?", 4);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, "", 0);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	raw_build_guarded(&w, INVITE_GUARD_CODE, "who?", 4);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, "wh\no?", 5);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, "wh\x7fo?", 5);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	memset(q, 'q', sizeof(q));
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, q,
	    INVITE_QUESTION_MAX + 1);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	/* Cut inside the guard fields: truncated, not misread. */
	raw_build_guarded(&w, INVITE_GUARD_QUESTION, "who?", 4);
	for (n = w.n - INVITE_CHECK_BYTES - 6; n < w.n; n++)
		assert_int_equal(raw_decode(w.p, n), ERR_TRUNCATED);
}

static void
test_bad_host_and_port(void **state)
{
	static const struct {
		const char	*host;
		size_t		 len;
	} bad[] = {
		{ "", 0 }, { " ", 1 }, { "a b", 3 }, { "a\tb", 3 },
		{ "a\0b", 3 }, { "\x7f", 1 }, { "\x80", 1 }, { "\xff", 1 },
		{ "caf\xc3\xa9", 5 }, { "[::1]", 5 }, { "a[", 2 }, { "]", 1 },
		{ "ok\n", 3 }, { "\x1b[31m", 5 },
	};
	struct invite want;
	struct raw w;
	char host[INVITE_HOST_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		raw_build(&w, INVITE_VERSION, bad[i].host, bad[i].len, 8080);
		assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	}
	raw_build(&w, INVITE_VERSION, "relay.example.org", 17, 0);
	assert_int_equal(raw_decode(w.p, w.n), ERR_FORMAT);
	/* Bounds: 1 and 255 bytes, ':' and '%' for IPv6 with a zone. */
	memset(host, 'h', sizeof(host));
	raw_build(&w, INVITE_VERSION, host, 1, 8080);
	make_invite(&want, "h", 8080);
	assert_int_equal(raw_decode_as(w.p, w.n, &want), 0);
	raw_build(&w, INVITE_VERSION, host, INVITE_HOST_MAX, 8080);
	memcpy(want.host, host, INVITE_HOST_MAX);
	want.host[INVITE_HOST_MAX] = '\0';
	assert_int_equal(raw_decode_as(w.p, w.n, &want), 0);
	raw_build(&w, INVITE_VERSION, "fe80::1%eth0", 12, 8080);
	make_invite(&want, "fe80::1%eth0", 8080);
	assert_int_equal(raw_decode_as(w.p, w.n, &want), 0);
}

static void
test_not_an_invitation(void **state)
{
	static const char *bad[] = {
		"", " ", "sotto", "sotto;", "SOTTO:AQ", "Sotto:AQ",
		"192.168.1.10:65432", "[::1]:65432", "relay.example.org",
		"xsotto:AQ", "sotto:AQ==", "sotto:AQ+", "sotto:AQ/",
		"sotto:A", "sotto:AQ\v", "sotto:AQ\f", "sotto:\xc3\xa9",
		"sotto:AQ.", "sotto: AQ #",
	};
	static const struct invite none;
	char s[INVITE_STR_MAX];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode_checked(bad[i], &none), ERR_FORMAT);
	/* Standard base64 instead of base64url, and padding. */
	strcpy(s, golden_name);
	len = strlen(s);
	for (i = PREFIX_LEN; i < len; i++) {
		if (s[i] == '-')
			s[i] = '+';
		else if (s[i] == '_')
			s[i] = '/';
	}
	assert_int_equal(decode_checked(s, &none), ERR_FORMAT);
	strcpy(s, golden_name);
	strcat(s, "=");
	assert_int_equal(decode_checked(s, &none), ERR_FORMAT);
}

static void
test_whitespace(void **state)
{
	static const char *ws[] = { " ", "\t", "\n", "\r\n", "  \r\n\t" };
	struct invite invs[NLINES];
	char lines[NLINES][INVITE_STR_MAX], s[2 * INVITE_STR_MAX];
	size_t k, i, j, w, len, n;

	(void)state;
	valid_lines(lines, invs);
	for (k = 0; k < NLINES; k++) {
		len = strlen(lines[k]);
		/* At every position, the prefix included. */
		for (w = 0; w < sizeof(ws) / sizeof(ws[0]); w++) {
			for (i = 0; i <= len; i++) {
				n = strlen(ws[w]);
				memcpy(s, lines[k], i);
				memcpy(s + i, ws[w], n);
				memcpy(s + i + n, lines[k] + i, len - i + 1);
				assert_int_equal(decode_checked(s, &invs[k]),
				    0);
			}
		}
		/* Wrapped every 20 columns, indented, with a newline at the
		 * end, as a mail client might. */
		n = 0;
		s[n++] = '\t';
		for (i = 0, j = 0; i < len; i++) {
			s[n++] = lines[k][i];
			if (++j == 20) {
				memcpy(s + n, "\r\n  ", 4);
				n += 4;
				j = 0;
			}
		}
		s[n++] = '\n';
		s[n] = '\0';
		assert_int_equal(decode_checked(s, &invs[k]), 0);
	}
}

static void
test_is_invitation(void **state)
{
	static const char *yes[] = {
		"sotto:", "sotto:AQ", "  sotto:x", "\r\n\tsotto:",
		"sotto :x", golden_name,
	};
	static const char *no[] = {
		"", " ", "sotto", "sott", "Sotto:x", "SOTTO:x", "xsotto:x",
		"192.168.1.10", "192.168.1.10:65432", "[::1]:65432",
		"relay.example.org:443", "\vsotto:x",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(invite_is_invitation(yes[i]), 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(invite_is_invitation(no[i]), 0);
	assert_int_equal(invite_is_invitation(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_several_addresses),
		cmocka_unit_test(test_encode_refusals),
		cmocka_unit_test(test_substitutions),
		cmocka_unit_test(test_deletions_and_transpositions),
		cmocka_unit_test(test_payload_bit_flips),
		cmocka_unit_test(test_truncated_and_extended),
		cmocka_unit_test(test_wrong_version),
		cmocka_unit_test(test_guarded),
		cmocka_unit_test(test_bad_host_and_port),
		cmocka_unit_test(test_not_an_invitation),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_is_invitation),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("invite", tests, NULL, NULL);
}
