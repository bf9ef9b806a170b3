/*
 * test_relaymsg.c: the member <-> relay messages: every type round-trips
 * through its encoder and the parser, every cut of a self-delimiting
 * message and every extra byte is refused, lengths over their limits are
 * refused before the bytes they promise are looked for, WELCOME's count
 * must match its list, id 0 is refused, and bit flips of valid messages
 * either fail or parse to something that re-encodes to the same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "relaymsg.h"

static const uint8_t room_a[RELAYMSG_ROOM_ID_BYTES] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

/* Parses a copy of p[0..n) held in exactly n heap bytes, so that
 * AddressSanitizer sees any read past what the parser was given. */
static int
parse_exact(const uint8_t *p, size_t n)
{
	struct relaymsg m;
	uint8_t *q;
	int r;

	q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	r = relaymsg_parse(&m, q, n);
	if (r != 0) {
		/* A failed parse leaves nothing behind. */
		assert_int_equal(m.type, 0);
		assert_null(m.name);
		assert_null(m.blob);
		assert_null(m.members);
	}
	free(q);
	return r;
}

/* NUL-terminated copy of a parsed name; 0 if it holds a NUL itself
 * (then it can't go through the C-string encoders). */
static int
cstr(char *out, size_t outlen, const uint8_t *p, size_t len)
{
	if (len >= outlen || (len > 0 && memchr(p, 0, len) != NULL))
		return 0;
	if (len > 0)
		memcpy(out, p, len);
	out[len] = '\0';
	return 1;
}

/*
 * Encodes a parsed message again with the public encoders.  Returns 0
 * and fills out, 1 if it can't be expressed (a NUL inside a name), or an
 * encoder error.
 */
static int
reencode(const struct relaymsg *m, struct buf *out)
{
	char name[256];
	struct relaymsg_member mem;
	size_t off = 0;
	int r;

	switch (m->type) {
	case RELAYMSG_JOIN:
		if (!cstr(name, sizeof(name), m->name, m->name_len))
			return 1;
		return relaymsg_put_join(out, m->room_id, name);
	case RELAYMSG_BCAST:
		return relaymsg_put_bcast(out, m->blob, m->blob_len);
	case RELAYMSG_DIRECT:
		return relaymsg_put_direct(out, m->id, m->blob, m->blob_len);
	case RELAYMSG_NICK:
		if (!cstr(name, sizeof(name), m->name, m->name_len))
			return 1;
		return relaymsg_put_nick(out, name);
	case RELAYMSG_WELCOME:
		if ((r = relaymsg_put_welcome_start(out, m->id, m->count)) != 0)
			return r;
		while (relaymsg_welcome_next(m, &off, &mem)) {
			if (!cstr(name, sizeof(name), mem.name, mem.name_len))
				return 1;
			if ((r = relaymsg_put_welcome_member(out, mem.id,
			    name)) != 0)
				return r;
		}
		return 0;
	case RELAYMSG_JOINED:
	case RELAYMSG_NICKED:
		if (!cstr(name, sizeof(name), m->name, m->name_len))
			return 1;
		return relaymsg_put_member_event(out, m->type, m->id, name);
	case RELAYMSG_LEFT:
		return relaymsg_put_member_event(out, m->type, m->id, NULL);
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		return relaymsg_put_deliver(out, m->type, m->id, m->blob,
		    m->blob_len);
	case RELAYMSG_ERROR:
		if (!cstr(name, sizeof(name), m->blob, m->blob_len))
			return 1;
		return relaymsg_put_error(out, m->code, name);
	}
	return ERR_TYPE;
}

/* Parses p[0..n) and checks it re-encodes to the very same bytes. */
static void
assert_roundtrip(const uint8_t *p, size_t n)
{
	struct relaymsg m;
	struct buf b;

	assert_int_equal(relaymsg_parse(&m, p, n), 0);
	buf_init(&b, 2 * n + 16);
	assert_int_equal(reencode(&m, &b), 0);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), p, n);
	buf_release(&b);
}

/* A set of valid messages, one or more of every type. */
struct sample {
	uint8_t	*p;
	size_t	 len;
	int	 blob;	/* ends in a blob: a cut can still be valid */
	size_t	 hdr;	/* for blob messages: bytes before the blob */
};

#define NSAMPLES	16

static size_t
make_samples(struct sample *s)
{
	static const uint8_t blob[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 };
	struct buf b;
	size_t n = 0;

	buf_init(&b, 1 << 20);
#define TAKE(is_blob, h) do {						\
		s[n].len = buf_len(&b);					\
		s[n].p = malloc(s[n].len);				\
		assert_non_null(s[n].p);				\
		memcpy(s[n].p, buf_ptr(&b), s[n].len);			\
		s[n].blob = (is_blob);					\
		s[n].hdr = (h);						\
		n++;							\
		buf_reset(&b);						\
	} while (0)
	assert_int_equal(relaymsg_put_join(&b, room_a, "alice"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_bcast(&b, blob, sizeof(blob)), 0);
	TAKE(1, 1);
	assert_int_equal(relaymsg_put_direct(&b, 7, blob, sizeof(blob)), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_nick(&b, "bob"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_welcome_start(&b, 3, 0), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_welcome_start(&b, 3, 2), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, "alice"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2,
	    "ß-ünïcödé"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 9,
	    "carol"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 9,
	    NULL), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_NICKED,
	    0xffffffffu, "dave"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 2, blob,
	    sizeof(blob)), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER_DIRECT, 2,
	    blob, 1), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_error(&b, RELAYMSG_ERR_NAME_TAKEN,
	    "name already in use in this room"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_error(&b, RELAYMSG_ERR_SHUTDOWN, ""), 0);
	TAKE(0, 0);
#undef TAKE
	buf_release(&b);
	assert_true(n <= NSAMPLES);
	return n;
}

static void
free_samples(struct sample *s, size_t n)
{
	while (n > 0)
		free(s[--n].p);
}

static void
test_roundtrip_fields(void **state)
{
	static const uint8_t blob[] = { 1, 2, 3 };
	struct relaymsg m;
	struct relaymsg_member mem;
	struct buf b;
	size_t off = 0;

	(void)state;
	buf_init(&b, 1 << 20);

	assert_int_equal(relaymsg_put_join(&b, room_a, "alice"), 0);
	assert_int_equal(buf_len(&b), 1 + 16 + 1 + 5);
	assert_int_equal(buf_ptr(&b)[0], 0x01);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_JOIN);
	assert_int_equal(m.id, 0);
	assert_memory_equal(m.room_id, room_a, sizeof(room_a));
	assert_int_equal(m.name_len, 5);
	assert_memory_equal(m.name, "alice", 5);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_bcast(&b, blob, sizeof(blob)), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_BCAST);
	assert_int_equal(m.blob_len, 3);
	assert_memory_equal(m.blob, blob, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_direct(&b, 0x01020304, blob, 3), 0);
	assert_memory_equal(buf_ptr(&b), "\x03\x01\x02\x03\x04\x01\x02\x03",
	    8);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DIRECT);
	assert_int_equal(m.id, 0x01020304);
	assert_int_equal(m.blob_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_nick(&b, "bob"), 0);
	assert_memory_equal(buf_ptr(&b), "\x04\x03" "bob", 5);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_NICK);
	assert_int_equal(m.name_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_welcome_start(&b, 5, 2), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, "a"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 4, "bc"), 0);
	assert_memory_equal(buf_ptr(&b), "\x81\0\0\0\x05\0\x02"
	    "\0\0\0\x01\x01" "a" "\0\0\0\x04\x02" "bc", 7 + 6 + 7);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_WELCOME);
	assert_int_equal(m.id, 5);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.members_len, 13);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, 1);
	assert_int_equal(mem.name_len, 1);
	assert_memory_equal(mem.name, "a", 1);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, 4);
	assert_int_equal(mem.name_len, 2);
	assert_memory_equal(mem.name, "bc", 2);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	/* A stray offset is refused, not followed. */
	off = 3;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	off = 1000;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	buf_reset(&b);

	/* An empty room's WELCOME. */
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, 0), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.count, 0);
	off = 0;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 6,
	    "eve"), 0);
	assert_memory_equal(buf_ptr(&b), "\x82\0\0\0\x06\x03" "eve", 9);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_JOINED);
	assert_int_equal(m.id, 6);
	assert_int_equal(m.name_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 6, NULL),
	    0);
	assert_memory_equal(buf_ptr(&b), "\x83\0\0\0\x06", 5);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_LEFT);
	assert_int_equal(m.id, 6);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_NICKED, 6,
	    "eve2"), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_NICKED);
	assert_int_equal(m.name_len, 4);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 8, blob,
	    3), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DELIVER);
	assert_int_equal(m.id, 8);
	assert_int_equal(m.blob_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER_DIRECT, 8,
	    blob, 3), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DELIVER_DIRECT);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_error(&b, RELAYMSG_ERR_TIMEOUT, "late"),
	    0);
	assert_memory_equal(buf_ptr(&b), "\x87\x07\x04" "late", 7);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_ERROR);
	assert_int_equal(m.code, RELAYMSG_ERR_TIMEOUT);
	assert_int_equal(m.blob_len, 4);
	assert_memory_equal(m.blob, "late", 4);
	buf_reset(&b);

	buf_release(&b);
}

static void
test_roundtrip_bytes(void **state)
{
	struct sample s[NSAMPLES];
	size_t n, i;

	(void)state;
	n = make_samples(s);
	for (i = 0; i < n; i++)
		assert_roundtrip(s[i].p, s[i].len);
	free_samples(s, n);
}

static void
test_truncations(void **state)
{
	struct sample s[NSAMPLES];
	size_t n, i, k;
	int r;

	(void)state;
	n = make_samples(s);
	for (i = 0; i < n; i++)
		for (k = 0; k < s[i].len; k++) {
			r = parse_exact(s[i].p, k);
			if (!s[i].blob || k <= s[i].hdr) {
				/* Cut before the end of a self-delimiting
				 * message, or before the blob's first byte. */
				assert_int_not_equal(r, 0);
				assert_true(r == ERR_TRUNCATED ||
				    r == ERR_FORMAT);
			} else {
				/* The channel's record delimits a blob: a
				 * shorter blob is a valid message. */
				assert_int_equal(r, 0);
			}
		}
	/* Nothing at all. */
	assert_int_equal(parse_exact(NULL, 0), ERR_TRUNCATED);
	free_samples(s, n);
}

static void
test_trailing(void **state)
{
	struct sample s[NSAMPLES];
	uint8_t *q;
	size_t n, i;

	(void)state;
	n = make_samples(s);
	for (i = 0; i < n; i++) {
		if (s[i].blob)
			continue;	/* an extra byte is more blob */
		q = malloc(s[i].len + 1);
		assert_non_null(q);
		memcpy(q, s[i].p, s[i].len);
		q[s[i].len] = 0;
		assert_int_equal(parse_exact(q, s[i].len + 1),
		    ERR_TRAILING);
		free(q);
	}
	free_samples(s, n);
}

static void
test_limits(void **state)
{
	uint8_t *big;
	uint8_t msg[64];
	struct relaymsg m;
	struct buf b;
	char name[RELAYMSG_MAX_NAME + 2];

	(void)state;
	/* A name length over the limit is refused from its length byte,
	 * before the bytes it promises are asked for. */
	msg[0] = RELAYMSG_JOIN;
	memcpy(msg + 1, room_a, 16);
	msg[17] = RELAYMSG_MAX_NAME + 1;
	assert_int_equal(parse_exact(msg, 18), ERR_TOO_LARGE);
	msg[17] = 0xff;
	assert_int_equal(parse_exact(msg, 18), ERR_TOO_LARGE);
	msg[0] = RELAYMSG_NICK;
	msg[1] = RELAYMSG_MAX_NAME + 1;
	assert_int_equal(parse_exact(msg, 2), ERR_TOO_LARGE);
	memcpy(msg, "\x82\0\0\0\x01\x21", 6);	/* JOINED, name_len 33 */
	assert_int_equal(parse_exact(msg, 6), ERR_TOO_LARGE);
	memcpy(msg, "\x84\0\0\0\x01\xff", 6);	/* NICKED, name_len 255 */
	assert_int_equal(parse_exact(msg, 6), ERR_TOO_LARGE);
	/* WELCOME's count over the room cap, with no list after it. */
	memcpy(msg, "\x81\0\0\0\x01\x04\x01", 7);	/* 1025 */
	assert_int_equal(parse_exact(msg, 7), ERR_TOO_LARGE);
	memcpy(msg, "\x81\0\0\0\x01\xff\xff", 7);
	assert_int_equal(parse_exact(msg, 7), ERR_TOO_LARGE);
	/* A member's name in the list, too. */
	memcpy(msg, "\x81\0\0\0\x01\0\x01\0\0\0\x02\x21", 12);
	assert_int_equal(parse_exact(msg, 12), ERR_TOO_LARGE);

	/* The longest blob passes, one more byte doesn't. */
	big = calloc(1, RELAYMSG_MAX_BLOB + 8);
	assert_non_null(big);
	big[0] = RELAYMSG_BCAST;
	big[1] = 'x';
	assert_int_equal(parse_exact(big, 1 + RELAYMSG_MAX_BLOB), 0);
	assert_int_equal(parse_exact(big, 2 + RELAYMSG_MAX_BLOB),
	    ERR_TOO_LARGE);
	big[0] = RELAYMSG_DELIVER;
	big[4] = 1;
	assert_int_equal(parse_exact(big, 5 + RELAYMSG_MAX_BLOB), 0);
	assert_int_equal(parse_exact(big, 6 + RELAYMSG_MAX_BLOB),
	    ERR_TOO_LARGE);

	/* Encoders refuse the same, appending nothing. */
	buf_init(&b, 1 << 20);
	assert_int_equal(relaymsg_put_bcast(&b, big, RELAYMSG_MAX_BLOB + 1),
	    ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_direct(&b, 1, big,
	    RELAYMSG_MAX_BLOB + 1), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 1, big,
	    RELAYMSG_MAX_BLOB + 1), ERR_TOO_LARGE);
	memset(name, 'n', sizeof(name));
	name[RELAYMSG_MAX_NAME + 1] = '\0';
	assert_int_equal(relaymsg_put_join(&b, room_a, name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_nick(&b, name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, name),
	    ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 1,
	    name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1,
	    RELAYMSG_MAX_MEMBERS + 1), ERR_TOO_LARGE);
	{
		char text[300];

		memset(text, 't', sizeof(text));
		text[256] = '\0';
		assert_int_equal(relaymsg_put_error(&b, 1, text),
		    ERR_TOO_LARGE);
		text[255] = '\0';
		assert_int_equal(relaymsg_put_error(&b, 1, text), 0);
		assert_int_equal(buf_len(&b), 3 + 255);
		assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)),
		    0);
		assert_int_equal(m.blob_len, 255);
		buf_reset(&b);
	}
	/* The longest name is fine. */
	name[RELAYMSG_MAX_NAME] = '\0';
	assert_int_equal(relaymsg_put_join(&b, room_a, name), 0);
	assert_roundtrip(buf_ptr(&b), buf_len(&b));
	buf_reset(&b);
	/* Empty names and blobs, and NULLs. */
	assert_int_equal(relaymsg_put_join(&b, room_a, ""), ERR_FORMAT);
	assert_int_equal(relaymsg_put_nick(&b, ""), ERR_FORMAT);
	assert_int_equal(relaymsg_put_bcast(&b, big, 0), ERR_FORMAT);
	assert_int_equal(relaymsg_put_nick(&b, NULL), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_join(&b, NULL, "a"), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_bcast(&b, NULL, 3), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_error(&b, 1, NULL), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 1, "x"),
	    ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_DELIVER, 1,
	    "x"), ERR_TYPE);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_BCAST, 1, big, 1),
	    ERR_TYPE);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);

	/* A full WELCOME (the room cap, the longest names) fits in one
	 * record of the channel. */
	buf_init(&b, 65536);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1,
	    RELAYMSG_MAX_MEMBERS), 0);
	{
		uint32_t i;

		for (i = 0; i < RELAYMSG_MAX_MEMBERS; i++)
			assert_int_equal(relaymsg_put_welcome_member(&b,
			    i + 2, name), 0);
	}
	assert_roundtrip(buf_ptr(&b), buf_len(&b));
	buf_release(&b);

	/* A buffer too small to take a message is left as it was. */
	buf_init(&b, 4);
	assert_int_equal(relaymsg_put_join(&b, room_a, "a"), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 1,
	    NULL), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
	free(big);
}

static void
test_welcome_count_mismatch(void **state)
{
	struct buf b;
	uint8_t *p;
	size_t len;

	(void)state;
	buf_init(&b, 1024);
	/* Says 2, lists 1. */
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, 2), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, "a"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRUNCATED);
	buf_reset(&b);
	/* Says 1, lists 2. */
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, 1), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, "a"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 3, "b"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRAILING);
	buf_reset(&b);
	/* Says 0, lists 1. */
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, 0), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, "a"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRAILING);
	buf_reset(&b);
	/* Says 1, and a member cut in the middle of its name. */
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, 1), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, "abc"), 0);
	len = buf_len(&b);
	p = malloc(len);
	assert_non_null(p);
	memcpy(p, buf_ptr(&b), len);
	assert_int_equal(parse_exact(p, len - 1), ERR_TRUNCATED);
	/* A member with an empty name. */
	p[len - 4] = 0;
	assert_int_equal(parse_exact(p, len - 3), ERR_FORMAT);
	free(p);
	buf_release(&b);
}

static void
test_id_zero(void **state)
{
	static const uint8_t blob[] = { 9 };
	struct buf b;
	uint8_t *p;
	size_t len, at;
	struct {
		int	 type;	/* what to encode */
		size_t	 at;	/* offset of the id to zero */
	} cases[] = {
		{ RELAYMSG_DIRECT, 1 },
		{ RELAYMSG_WELCOME, 1 },	/* your id */
		{ -RELAYMSG_WELCOME, 7 },	/* a member's id */
		{ RELAYMSG_JOINED, 1 },
		{ RELAYMSG_LEFT, 1 },
		{ RELAYMSG_NICKED, 1 },
		{ RELAYMSG_DELIVER, 1 },
		{ RELAYMSG_DELIVER_DIRECT, 1 },
	};
	size_t i;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		switch (cases[i].type) {
		case RELAYMSG_DIRECT:
			assert_int_equal(relaymsg_put_direct(&b, 0x01010101,
			    blob, 1), 0);
			break;
		case RELAYMSG_WELCOME:
		case -RELAYMSG_WELCOME:
			assert_int_equal(relaymsg_put_welcome_start(&b,
			    0x01010101, 1), 0);
			assert_int_equal(relaymsg_put_welcome_member(&b,
			    0x01010101, "a"), 0);
			break;
		case RELAYMSG_JOINED:
		case RELAYMSG_NICKED:
			assert_int_equal(relaymsg_put_member_event(&b,
			    (uint8_t)cases[i].type, 0x01010101, "a"), 0);
			break;
		case RELAYMSG_LEFT:
			assert_int_equal(relaymsg_put_member_event(&b,
			    RELAYMSG_LEFT, 0x01010101, NULL), 0);
			break;
		default:
			assert_int_equal(relaymsg_put_deliver(&b,
			    (uint8_t)cases[i].type, 0x01010101, blob, 1), 0);
			break;
		}
		len = buf_len(&b);
		p = malloc(len);
		assert_non_null(p);
		memcpy(p, buf_ptr(&b), len);
		assert_int_equal(parse_exact(p, len), 0);
		at = cases[i].at;
		memset(p + at, 0, 4);
		assert_int_equal(parse_exact(p, len), ERR_FORMAT);
		free(p);
		buf_reset(&b);
	}
	/* The encoders won't write id 0 either. */
	assert_int_equal(relaymsg_put_direct(&b, 0, blob, 1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_welcome_start(&b, 0, 0), ERR_FORMAT);
	assert_int_equal(relaymsg_put_welcome_member(&b, 0, "a"), ERR_FORMAT);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 0,
	    "a"), ERR_FORMAT);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 0, NULL),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 0, blob,
	    1), ERR_FORMAT);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
}

static void
test_empty_fields(void **state)
{
	(void)state;
	/* BCAST, DIRECT, DELIVER with no blob. */
	assert_int_equal(parse_exact((const uint8_t *)"\x02", 1),
	    ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)"\x03\0\0\0\x01", 5), ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)"\x85\0\0\0\x01", 5), ERR_FORMAT);
	/* NICK, JOINED with an empty name. */
	assert_int_equal(parse_exact((const uint8_t *)"\x04\0", 2),
	    ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)"\x82\0\0\0\x01\0", 6), ERR_FORMAT);
	/* ERROR with empty text is fine. */
	assert_int_equal(parse_exact((const uint8_t *)"\x87\x01\0", 3),
	    0);
}

static void
test_unknown_types(void **state)
{
	uint8_t msg[64];
	int t, known;

	(void)state;
	memset(msg, 1, sizeof(msg));
	for (t = 0; t < 256; t++) {
		known = (t >= 0x01 && t <= 0x04) || (t >= 0x81 && t <= 0x88);
		msg[0] = (uint8_t)t;
		if (!known)
			assert_int_equal(parse_exact(msg, sizeof(msg)),
			    ERR_TYPE);
	}
}

static void
test_batch(void **state)
{
	struct buf b, d;
	struct relaymsg m;
	const uint8_t *p;
	size_t off = 0, len;
	int n = 0;

	(void)state;
	buf_init(&b, RELAYMSG_MAX_BATCH + 1);
	buf_init(&d, 256);
	assert_int_equal(relaymsg_put_deliver(&d, RELAYMSG_DELIVER, 7,
	    (const uint8_t *)"blob", 4), 0);
	assert_int_equal(relaymsg_put_batch_item(&b, buf_ptr(&d),
	    buf_len(&d)), 0);
	buf_reset(&d);
	assert_int_equal(relaymsg_put_member_event(&d, RELAYMSG_LEFT, 9, NULL),
	    0);
	assert_int_equal(relaymsg_put_batch_item(&b, buf_ptr(&d),
	    buf_len(&d)), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_BATCH);
	assert_int_equal(m.count, 2);
	while (relaymsg_batch_next(&m, &off, &p, &len)) {
		struct relaymsg in;

		assert_int_equal(relaymsg_parse(&in, p, len), 0);
		assert_int_equal(in.type, n == 0 ? RELAYMSG_DELIVER :
		    RELAYMSG_LEFT);
		n++;
	}
	assert_int_equal(n, 2);
	/* A batch inside a batch, an empty item, a short item: refused. */
	assert_int_equal(relaymsg_put_batch_item(&d, buf_ptr(&b), buf_len(&b)),
	    ERR_FORMAT);
	{
		static const uint8_t nested[] = { 0x88, 0, 0, 0, 1, 0x88 };
		static const uint8_t empty[] = { 0x88, 0, 0, 0, 0 };
		static const uint8_t shortp[] = { 0x88, 0, 0, 0, 9, 0x83 };
		static const uint8_t bare[] = { 0x88 };

		assert_int_equal(relaymsg_parse(&m, nested, sizeof(nested)),
		    ERR_FORMAT);
		assert_int_equal(relaymsg_parse(&m, empty, sizeof(empty)),
		    ERR_FORMAT);
		assert_int_equal(relaymsg_parse(&m, shortp, sizeof(shortp)),
		    ERR_TRUNCATED);
		assert_int_equal(relaymsg_parse(&m, bare, sizeof(bare)),
		    ERR_FORMAT);
	}
	/* A truncation is refused, or (cut at an item boundary: the record's
	 * AEAD is what rules that out on the wire) holds fewer items. */
	for (len = 1; len < buf_len(&b); len++)
		if (relaymsg_parse(&m, buf_ptr(&b), len) == 0)
			assert_true(m.count < 2);
	buf_release(&b);
	buf_release(&d);
}

/* Every single-bit flip of every sample either fails or parses into
 * something that re-encodes to exactly the flipped bytes. */
static void
test_mutations(void **state)
{
	struct sample s[NSAMPLES];
	struct relaymsg m;
	struct buf b;
	uint8_t *q;
	size_t n, i, k;
	int bit, r;

	(void)state;
	n = make_samples(s);
	for (i = 0; i < n; i++) {
		q = malloc(s[i].len);
		assert_non_null(q);
		for (k = 0; k < s[i].len; k++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(q, s[i].p, s[i].len);
				q[k] ^= (uint8_t)(1 << bit);
				if (relaymsg_parse(&m, q, s[i].len) != 0)
					continue;
				buf_init(&b, 2 * s[i].len + 16);
				r = reencode(&m, &b);
				if (r == 0) {
					assert_int_equal(buf_len(&b),
					    s[i].len);
					assert_memory_equal(buf_ptr(&b), q,
					    s[i].len);
				} else
					assert_int_equal(r, 1);
				buf_release(&b);
			}
		free(q);
	}
	free_samples(s, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_fields),
		cmocka_unit_test(test_roundtrip_bytes),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_welcome_count_mismatch),
		cmocka_unit_test(test_id_zero),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
