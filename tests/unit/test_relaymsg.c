/*
 * test_relaymsg.c: the member <-> relay messages: every type round-trips
 * through its encoder and the parser, every cut of a self-delimiting
 * message and every extra byte is refused, lengths over their limits are
 * refused before the bytes they promise are looked for, WELCOME's count
 * must match its list (WELCOME and RESUMED), an id, seq or cseq of 0 is
 * refused where the spec says so, and bit flips of valid messages either
 * fail or parse to something that re-encodes to the same bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "relaymsg.h"

static const uint8_t room_a[RELAYMSG_ROOM_ID_BYTES] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
};

static const uint8_t token_a[RELAYMSG_TOKEN_BYTES] = {
	0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
	0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
	0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
	0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f,
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
		assert_null(m.token);
		assert_int_equal(m.seq, 0);
		assert_int_equal(m.cseq, 0);
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
		return relaymsg_put_bcast(out, m->cseq, m->blob, m->blob_len);
	case RELAYMSG_DIRECT:
		return relaymsg_put_direct(out, m->cseq, m->id, m->blob,
		    m->blob_len);
	case RELAYMSG_NICK:
		if (!cstr(name, sizeof(name), m->name, m->name_len))
			return 1;
		return relaymsg_put_nick(out, name);
	case RELAYMSG_RESUME:
		return relaymsg_put_resume(out, m->room_id, m->id, m->token,
		    m->seq);
	case RELAYMSG_WELCOME:
	case RELAYMSG_RESUMED:
		if ((r = m->type == RELAYMSG_WELCOME ?
		    relaymsg_put_welcome_start(out, m->id, m->token, m->seq,
		    m->count) : relaymsg_put_resumed_start(out, m->id, m->seq,
		    m->last, m->cseq, m->count)) != 0)
			return r;
		while (relaymsg_welcome_next(m, &off, &mem)) {
			if (!cstr(name, sizeof(name), mem.name, mem.name_len))
				return 1;
			if ((r = relaymsg_put_welcome_member(out, mem.id,
			    mem.flags, name)) != 0)
				return r;
		}
		return 0;
	case RELAYMSG_JOINED:
	case RELAYMSG_NICKED:
		if (!cstr(name, sizeof(name), m->name, m->name_len))
			return 1;
		return relaymsg_put_member_event(out, m->type, m->seq, m->id,
		    name);
	case RELAYMSG_LEFT:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		return relaymsg_put_member_event(out, m->type, m->seq, m->id,
		    NULL);
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		return relaymsg_put_deliver(out, m->type, m->seq, m->id,
		    m->blob, m->blob_len);
	case RELAYMSG_ACCEPTED:
		return relaymsg_put_accepted(out, m->cseq);
	case RELAYMSG_LOBBY:
	case RELAYMSG_VISIT:
		return relaymsg_put_lobby(out, m->type, m->room_id);
	case RELAYMSG_KNOCK:
	case RELAYMSG_OPENED:
	case RELAYMSG_KNOCKED:
	case RELAYMSG_OPEN:
		return relaymsg_put_door(out, m->type, m->id, m->blob,
		    m->blob_len);
	case RELAYMSG_VISITING:
	case RELAYMSG_WAITING:
		return relaymsg_put_count(out, m->type, m->count);
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

#define NSAMPLES	40

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
	assert_int_equal(relaymsg_put_bcast(&b, 1, blob, sizeof(blob)), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_direct(&b, 0x01020304, 7, blob,
	    sizeof(blob)), 0);
	TAKE(1, 9);
	assert_int_equal(relaymsg_put_nick(&b, "bob"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_resume(&b, room_a, 3, token_a,
	    0x0102030405060708ull), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_resume(&b, room_a, 3, token_a, 0), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_welcome_start(&b, 3, token_a, 1, 0), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_welcome_start(&b, 3, token_a,
	    0xfffffffffffffffeull, 2), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, 0, "alice"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2,
	    RELAYMSG_FLAG_AWAY, "ß-ünïcödé"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_resumed_start(&b, 3, 1, 5, 0, 0), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_resumed_start(&b, 3, 17, 20, 40, 1), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 5,
	    RELAYMSG_FLAG_AWAY, "eve"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 2, 9,
	    "carol"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 3, 9,
	    NULL), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_NICKED,
	    0x0100000000ull, 0xffffffffu, "dave"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_AWAY, 4, 9,
	    NULL), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_BACK, 5, 9,
	    NULL), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 6, 2, blob,
	    sizeof(blob)), 0);
	TAKE(1, 13);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER_DIRECT, 7,
	    2, blob, 1), 0);
	TAKE(1, 13);
	assert_int_equal(relaymsg_put_accepted(&b, 0x80000001u), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_error(&b, RELAYMSG_ERR_NAME_TAKEN,
	    "name already in use in this room"), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_error(&b, RELAYMSG_ERR_NO_SEAT, ""), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_lobby(&b, RELAYMSG_LOBBY, room_a), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_lobby(&b, RELAYMSG_VISIT, room_a), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, blob,
	    sizeof(blob)), 0);
	TAKE(1, 1);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_OPEN, 0x01020304,
	    blob, sizeof(blob)), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCKED, 9, blob,
	    sizeof(blob)), 0);
	TAKE(1, 5);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_OPENED, 0, blob, 1),
	    0);
	TAKE(1, 1);
	assert_int_equal(relaymsg_put_count(&b, RELAYMSG_VISITING, 0), 0);
	TAKE(0, 0);
	assert_int_equal(relaymsg_put_count(&b, RELAYMSG_WAITING, 0x0102), 0);
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

	assert_int_equal(relaymsg_put_bcast(&b, 0x0a0b0c0d, blob,
	    sizeof(blob)), 0);
	assert_memory_equal(buf_ptr(&b), "\x02\x0a\x0b\x0c\x0d\x01\x02\x03",
	    8);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_BCAST);
	assert_int_equal(m.cseq, 0x0a0b0c0d);
	assert_int_equal(m.id, 0);
	assert_int_equal(m.blob_len, 3);
	assert_memory_equal(m.blob, blob, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_direct(&b, 9, 0x01020304, blob, 3), 0);
	assert_memory_equal(buf_ptr(&b),
	    "\x03\0\0\0\x09\x01\x02\x03\x04\x01\x02\x03", 12);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DIRECT);
	assert_int_equal(m.cseq, 9);
	assert_int_equal(m.id, 0x01020304);
	assert_int_equal(m.blob_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_nick(&b, "bob"), 0);
	assert_memory_equal(buf_ptr(&b), "\x04\x03" "bob", 5);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_NICK);
	assert_int_equal(m.name_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_resume(&b, room_a, 0x11223344, token_a,
	    0x0102030405060708ull), 0);
	assert_int_equal(buf_len(&b), 1 + 16 + 4 + 32 + 8);
	assert_int_equal(buf_ptr(&b)[0], 0x05);
	assert_memory_equal(buf_ptr(&b) + 1, room_a, 16);
	assert_memory_equal(buf_ptr(&b) + 17, "\x11\x22\x33\x44", 4);
	assert_memory_equal(buf_ptr(&b) + 21, token_a, 32);
	assert_memory_equal(buf_ptr(&b) + 53,
	    "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_RESUME);
	assert_memory_equal(m.room_id, room_a, 16);
	assert_int_equal(m.id, 0x11223344);
	assert_memory_equal(m.token, token_a, 32);
	assert_true(m.seq == 0x0102030405060708ull);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_welcome_start(&b, 5, token_a, 0x105, 2),
	    0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, 0, "a"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 4, RELAYMSG_FLAG_AWAY,
	    "bc"), 0);
	assert_int_equal(buf_len(&b), 47 + 7 + 8);
	assert_memory_equal(buf_ptr(&b), "\x81\0\0\0\x05", 5);
	assert_memory_equal(buf_ptr(&b) + 5, token_a, 32);
	assert_memory_equal(buf_ptr(&b) + 37, "\0\0\0\0\0\0\x01\x05" "\0\x02"
	    "\0\0\0\x01\0\x01" "a" "\0\0\0\x04\x01\x02" "bc", 10 + 7 + 8);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_WELCOME);
	assert_int_equal(m.id, 5);
	assert_memory_equal(m.token, token_a, 32);
	assert_int_equal(m.seq, 0x105);
	assert_int_equal(m.count, 2);
	assert_int_equal(m.members_len, 15);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, 1);
	assert_int_equal(mem.flags, 0);
	assert_int_equal(mem.name_len, 1);
	assert_memory_equal(mem.name, "a", 1);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, 4);
	assert_int_equal(mem.flags, RELAYMSG_FLAG_AWAY);
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
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, token_a, 1, 0), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.count, 0);
	off = 0;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	buf_reset(&b);

	/* RESUMED: first, the seat's cseq (0 is fine), the list. */
	assert_int_equal(relaymsg_put_resumed_start(&b, 7, 0x1000, 0x1234, 0,
	    1), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, 0xff, "z"), 0);
	assert_memory_equal(buf_ptr(&b), "\x89\0\0\0\x07"
	    "\0\0\0\0\0\0\x10\0" "\0\0\0\0\0\0\x12\x34" "\0\0\0\0" "\0\x01"
	    "\0\0\0\x02\xff\x01" "z", 27 + 7);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_RESUMED);
	assert_int_equal(m.id, 7);
	assert_int_equal(m.seq, 0x1000);
	assert_int_equal(m.last, 0x1234);
	assert_int_equal(m.cseq, 0);
	assert_null(m.token);
	assert_int_equal(m.count, 1);
	off = 0;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	/* Reserved flag bits come through; receivers ignore them. */
	assert_int_equal(mem.flags, 0xff);
	assert_int_equal(mem.id, 2);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 0x20,
	    6, "eve"), 0);
	assert_memory_equal(buf_ptr(&b), "\x82\0\0\0\0\0\0\0\x20\0\0\0\x06\x03"
	    "eve", 17);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_JOINED);
	assert_int_equal(m.seq, 0x20);
	assert_int_equal(m.id, 6);
	assert_int_equal(m.name_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 0x21, 6,
	    NULL), 0);
	assert_memory_equal(buf_ptr(&b), "\x83\0\0\0\0\0\0\0\x21\0\0\0\x06",
	    13);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_LEFT);
	assert_int_equal(m.seq, 0x21);
	assert_int_equal(m.id, 6);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_AWAY, 0x22, 6,
	    NULL), 0);
	assert_memory_equal(buf_ptr(&b), "\x8b\0\0\0\0\0\0\0\x22\0\0\0\x06",
	    13);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_AWAY);
	assert_int_equal(m.seq, 0x22);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_BACK, 0x23, 6,
	    NULL), 0);
	assert_memory_equal(buf_ptr(&b), "\x8c\0\0\0\0\0\0\0\x23\0\0\0\x06",
	    13);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_BACK);
	assert_int_equal(m.id, 6);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_NICKED, 0x24,
	    6, "eve2"), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_NICKED);
	assert_int_equal(m.seq, 0x24);
	assert_int_equal(m.name_len, 4);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER,
	    0x0102030405060708ull, 8, blob, 3), 0);
	assert_memory_equal(buf_ptr(&b), "\x85\x01\x02\x03\x04\x05\x06\x07"
	    "\x08\0\0\0\x08\x01\x02\x03", 16);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DELIVER);
	assert_true(m.seq == 0x0102030405060708ull);
	assert_int_equal(m.id, 8);
	assert_int_equal(m.blob_len, 3);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER_DIRECT, 1,
	    8, blob, 3), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_DELIVER_DIRECT);
	assert_int_equal(m.seq, 1);
	buf_reset(&b);

	assert_int_equal(relaymsg_put_accepted(&b, 0x01020304), 0);
	assert_memory_equal(buf_ptr(&b), "\x8a\x01\x02\x03\x04", 5);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.type, RELAYMSG_ACCEPTED);
	assert_int_equal(m.cseq, 0x01020304);
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
	uint8_t msg[128];
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
	/* JOINED, name_len 33; NICKED, name_len 255 (seq 1, id 1). */
	memcpy(msg, "\x82\0\0\0\0\0\0\0\x01\0\0\0\x01\x21", 14);
	assert_int_equal(parse_exact(msg, 14), ERR_TOO_LARGE);
	memcpy(msg, "\x84\0\0\0\0\0\0\0\x01\0\0\0\x01\xff", 14);
	assert_int_equal(parse_exact(msg, 14), ERR_TOO_LARGE);
	/* WELCOME's count over the room cap, with no list after it. */
	memset(msg, 1, sizeof(msg));
	msg[0] = RELAYMSG_WELCOME;
	msg[45] = 0x04;		/* 1025 */
	msg[46] = 0x01;
	assert_int_equal(parse_exact(msg, 47), ERR_TOO_LARGE);
	msg[45] = msg[46] = 0xff;
	assert_int_equal(parse_exact(msg, 47), ERR_TOO_LARGE);
	/* A member's name in the list, too. */
	msg[45] = 0;
	msg[46] = 1;
	msg[52] = RELAYMSG_MAX_NAME + 1;
	assert_int_equal(parse_exact(msg, 53), ERR_TOO_LARGE);
	/* RESUMED's count. */
	memset(msg, 1, sizeof(msg));
	msg[0] = RELAYMSG_RESUMED;
	msg[25] = 0x04;
	msg[26] = 0x01;
	assert_int_equal(parse_exact(msg, 27), ERR_TOO_LARGE);

	/* The longest blob passes, one more byte doesn't. */
	big = calloc(1, RELAYMSG_MAX_BLOB + 16);
	assert_non_null(big);
	big[0] = RELAYMSG_BCAST;
	big[4] = 1;		/* cseq */
	big[5] = 'x';
	assert_int_equal(parse_exact(big, 5 + RELAYMSG_MAX_BLOB), 0);
	assert_int_equal(parse_exact(big, 6 + RELAYMSG_MAX_BLOB),
	    ERR_TOO_LARGE);
	big[0] = RELAYMSG_DIRECT;
	big[8] = 1;		/* to */
	assert_int_equal(parse_exact(big, 9 + RELAYMSG_MAX_BLOB), 0);
	assert_int_equal(parse_exact(big, 10 + RELAYMSG_MAX_BLOB),
	    ERR_TOO_LARGE);
	big[0] = RELAYMSG_DELIVER;
	big[12] = 1;		/* seq 0x0100000001, from 1 */
	assert_int_equal(parse_exact(big, 13 + RELAYMSG_MAX_BLOB), 0);
	assert_int_equal(parse_exact(big, 14 + RELAYMSG_MAX_BLOB),
	    ERR_TOO_LARGE);

	/* Encoders refuse the same, appending nothing. */
	buf_init(&b, 1 << 20);
	assert_int_equal(relaymsg_put_bcast(&b, 1, big, RELAYMSG_MAX_BLOB + 1),
	    ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_direct(&b, 1, 1, big,
	    RELAYMSG_MAX_BLOB + 1), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 1, 1, big,
	    RELAYMSG_MAX_BLOB + 1), ERR_TOO_LARGE);
	memset(name, 'n', sizeof(name));
	name[RELAYMSG_MAX_NAME + 1] = '\0';
	assert_int_equal(relaymsg_put_join(&b, room_a, name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_nick(&b, name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_welcome_member(&b, 1, 0, name),
	    ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 1, 1,
	    name), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, token_a, 1,
	    RELAYMSG_MAX_MEMBERS + 1), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_resumed_start(&b, 1, 1, 1, 0,
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
	assert_int_equal(relaymsg_put_bcast(&b, 1, big, 0), ERR_FORMAT);
	assert_int_equal(relaymsg_put_nick(&b, NULL), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_join(&b, NULL, "a"), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_bcast(&b, 1, NULL, 3), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_error(&b, 1, NULL), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_resume(&b, NULL, 1, token_a, 0),
	    ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_resume(&b, room_a, 1, NULL, 0),
	    ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, NULL, 1, 0),
	    ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 1, 1,
	    "x"), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_AWAY, 1, 1,
	    "x"), ERR_INVALID_ARG);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_DELIVER, 1, 1,
	    "x"), ERR_TYPE);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_BCAST, 1, 1, big,
	    1), ERR_TYPE);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);

	/* A full WELCOME (the room cap, the longest names) fits in one
	 * record of the channel. */
	buf_init(&b, 65536);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, token_a, 1,
	    RELAYMSG_MAX_MEMBERS), 0);
	{
		uint32_t i;

		for (i = 0; i < RELAYMSG_MAX_MEMBERS; i++)
			assert_int_equal(relaymsg_put_welcome_member(&b,
			    i + 2, RELAYMSG_FLAG_AWAY, name), 0);
	}
	assert_int_equal(buf_len(&b), 47 + RELAYMSG_MAX_MEMBERS * 38);
	assert_roundtrip(buf_ptr(&b), buf_len(&b));
	buf_release(&b);

	/* A buffer too small to take a message is left as it was. */
	buf_init(&b, 4);
	assert_int_equal(relaymsg_put_join(&b, room_a, "a"), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_LEFT, 1, 1,
	    NULL), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_accepted(&b, 1), ERR_TOO_LARGE);
	assert_int_equal(relaymsg_put_resume(&b, room_a, 1, token_a, 0),
	    ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
	free(big);
}

/* Says 2, lists 1; says 1, lists 2; says 0, lists 1; a name cut short;
 * an empty name: for WELCOME (resumed 0) and RESUMED (resumed 1). */
static void
count_mismatch(int resumed)
{
	struct buf b;
	uint8_t *p;
	size_t len;

#define START(n) assert_int_equal(resumed ?				\
	    relaymsg_put_resumed_start(&b, 1, 1, 1, 0, (n)) :		\
	    relaymsg_put_welcome_start(&b, 1, token_a, 1, (n)), 0)
	buf_init(&b, 1024);
	START(2);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, 0, "a"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRUNCATED);
	buf_reset(&b);
	START(1);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, 0, "a"), 0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 3, 0, "b"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRAILING);
	buf_reset(&b);
	START(0);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, 0, "a"), 0);
	assert_int_equal(parse_exact(buf_ptr(&b), buf_len(&b)),
	    ERR_TRAILING);
	buf_reset(&b);
	START(1);
	assert_int_equal(relaymsg_put_welcome_member(&b, 2, 0, "abc"), 0);
	len = buf_len(&b);
	p = malloc(len);
	assert_non_null(p);
	memcpy(p, buf_ptr(&b), len);
	assert_int_equal(parse_exact(p, len - 1), ERR_TRUNCATED);
	/* Cut inside the flags byte's entry. */
	assert_int_equal(parse_exact(p, len - 4), ERR_TRUNCATED);
	/* A member with an empty name. */
	p[len - 4] = 0;
	assert_int_equal(parse_exact(p, len - 3), ERR_FORMAT);
	free(p);
	buf_release(&b);
#undef START
}

static void
test_welcome_count_mismatch(void **state)
{
	(void)state;
	count_mismatch(0);
	count_mismatch(1);
}

/* A field that must not be 0 is refused as 0 by the parser (and by the
 * encoders); a field that may be 0 (RESUME's seen, RESUMED's cseq)
 * parses as 0. */
static void
test_zero_fields(void **state)
{
	static const uint8_t blob[] = { 9 };
	static const struct {
		uint8_t	 type;
		size_t	 at;	/* offset of the field to zero */
		size_t	 width;
		int	 ok;	/* 0 is allowed there */
	} cases[] = {
		{ RELAYMSG_BCAST, 1, 4, 0 },		/* cseq */
		{ RELAYMSG_DIRECT, 1, 4, 0 },		/* cseq */
		{ RELAYMSG_DIRECT, 5, 4, 0 },		/* to */
		{ RELAYMSG_RESUME, 17, 4, 0 },		/* seat */
		{ RELAYMSG_RESUME, 53, 8, 1 },		/* seen */
		{ RELAYMSG_WELCOME, 1, 4, 0 },		/* you */
		{ RELAYMSG_WELCOME, 37, 8, 0 },		/* seq */
		{ RELAYMSG_WELCOME, 47, 4, 0 },		/* a member's id */
		{ RELAYMSG_RESUMED, 1, 4, 0 },		/* you */
		{ RELAYMSG_RESUMED, 5, 8, 0 },		/* first */
		{ RELAYMSG_RESUMED, 13, 8, 1 },		/* last */
		{ RELAYMSG_RESUMED, 21, 4, 1 },		/* cseq */
		{ RELAYMSG_RESUMED, 27, 4, 0 },		/* a member's id */
		{ RELAYMSG_JOINED, 1, 8, 0 },
		{ RELAYMSG_JOINED, 9, 4, 0 },
		{ RELAYMSG_LEFT, 1, 8, 0 },
		{ RELAYMSG_LEFT, 9, 4, 0 },
		{ RELAYMSG_NICKED, 1, 8, 0 },
		{ RELAYMSG_NICKED, 9, 4, 0 },
		{ RELAYMSG_AWAY, 1, 8, 0 },
		{ RELAYMSG_AWAY, 9, 4, 0 },
		{ RELAYMSG_BACK, 1, 8, 0 },
		{ RELAYMSG_BACK, 9, 4, 0 },
		{ RELAYMSG_DELIVER, 1, 8, 0 },
		{ RELAYMSG_DELIVER, 9, 4, 0 },
		{ RELAYMSG_DELIVER_DIRECT, 1, 8, 0 },
		{ RELAYMSG_DELIVER_DIRECT, 9, 4, 0 },
		{ RELAYMSG_ACCEPTED, 1, 4, 0 },
	};
	const uint32_t v = 0x01010101;
	struct relaymsg m;
	struct buf b;
	uint8_t *p;
	size_t len, i;

	(void)state;
	buf_init(&b, 1024);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t t = cases[i].type;

		switch (t) {
		case RELAYMSG_BCAST:
			assert_int_equal(relaymsg_put_bcast(&b, v, blob, 1), 0);
			break;
		case RELAYMSG_DIRECT:
			assert_int_equal(relaymsg_put_direct(&b, v, v, blob,
			    1), 0);
			break;
		case RELAYMSG_RESUME:
			assert_int_equal(relaymsg_put_resume(&b, room_a, v,
			    token_a, v), 0);
			break;
		case RELAYMSG_WELCOME:
			assert_int_equal(relaymsg_put_welcome_start(&b, v,
			    token_a, v, 1), 0);
			assert_int_equal(relaymsg_put_welcome_member(&b, v, 0,
			    "a"), 0);
			break;
		case RELAYMSG_RESUMED:
			assert_int_equal(relaymsg_put_resumed_start(&b, v, v,
			    v, v, 1), 0);
			assert_int_equal(relaymsg_put_welcome_member(&b, v, 0,
			    "a"), 0);
			break;
		case RELAYMSG_JOINED:
		case RELAYMSG_NICKED:
			assert_int_equal(relaymsg_put_member_event(&b, t, v, v,
			    "a"), 0);
			break;
		case RELAYMSG_LEFT:
		case RELAYMSG_AWAY:
		case RELAYMSG_BACK:
			assert_int_equal(relaymsg_put_member_event(&b, t, v, v,
			    NULL), 0);
			break;
		case RELAYMSG_ACCEPTED:
			assert_int_equal(relaymsg_put_accepted(&b, v), 0);
			break;
		default:
			assert_int_equal(relaymsg_put_deliver(&b, t, v, v,
			    blob, 1), 0);
			break;
		}
		len = buf_len(&b);
		p = malloc(len);
		assert_non_null(p);
		memcpy(p, buf_ptr(&b), len);
		assert_int_equal(parse_exact(p, len), 0);
		assert_true(cases[i].at + cases[i].width <= len);
		memset(p + cases[i].at, 0, cases[i].width);
		if (cases[i].ok) {
			assert_int_equal(relaymsg_parse(&m, p, len), 0);
			assert_roundtrip(p, len);
		} else
			assert_int_equal(parse_exact(p, len), ERR_FORMAT);
		free(p);
		buf_reset(&b);
	}
	/* RESUMED's last may be below first - 1 (seen, when everything
	 * after it was trimmed and nothing is replayed). */
	assert_int_equal(relaymsg_put_resumed_start(&b, 1, 9, 2, 0, 0), 0);
	assert_roundtrip(buf_ptr(&b), buf_len(&b));
	buf_reset(&b);
	/* The encoders won't write those zeros either. */
	assert_int_equal(relaymsg_put_bcast(&b, 0, blob, 1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_direct(&b, 0, 1, blob, 1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_direct(&b, 1, 0, blob, 1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_resume(&b, room_a, 0, token_a, 1),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_welcome_start(&b, 0, token_a, 1, 0),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_welcome_start(&b, 1, token_a, 0, 0),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_resumed_start(&b, 0, 1, 1, 0, 0),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_resumed_start(&b, 1, 0, 1, 0, 0),
	    ERR_FORMAT);

	assert_int_equal(relaymsg_put_welcome_member(&b, 0, 0, "a"),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 1, 0,
	    "a"), ERR_FORMAT);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_JOINED, 0, 1,
	    "a"), ERR_FORMAT);
	assert_int_equal(relaymsg_put_member_event(&b, RELAYMSG_BACK, 0, 1,
	    NULL), ERR_FORMAT);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 1, 0, blob,
	    1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_deliver(&b, RELAYMSG_DELIVER, 0, 1, blob,
	    1), ERR_FORMAT);
	assert_int_equal(relaymsg_put_accepted(&b, 0), ERR_FORMAT);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
}

static void
test_empty_fields(void **state)
{
	(void)state;
	/* BCAST, DIRECT, DELIVER with no blob. */
	assert_int_equal(parse_exact((const uint8_t *)"\x02\0\0\0\x01", 5),
	    ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)
	    "\x03\0\0\0\x01\0\0\0\x01", 9), ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)
	    "\x85\0\0\0\0\0\0\0\x01\0\0\0\x01", 13), ERR_FORMAT);
	/* NICK, JOINED with an empty name. */
	assert_int_equal(parse_exact((const uint8_t *)"\x04\0", 2),
	    ERR_FORMAT);
	assert_int_equal(parse_exact((const uint8_t *)
	    "\x82\0\0\0\0\0\0\0\x01\0\0\0\x01\0", 14), ERR_FORMAT);
	/* ERROR with empty text is fine. */
	assert_int_equal(parse_exact((const uint8_t *)"\x87\x01\0", 3),
	    0);
}

/* b holds exactly the bytes of hex; b is emptied. */
static void
expect_hex(struct buf *b, const char *hex)
{
	char got[2 * 64 + 1];

	assert_true(buf_len(b) <= 64);
	sodium_bin2hex(got, sizeof(got), buf_ptr(b), buf_len(b));
	assert_string_equal(got, hex);
	buf_reset(b);
}

/* The lobby's messages (PROTOCOL.md 15.9): their blobs' own limits, a
 * visitor id of 0, and the exact bytes of one of each. */
static void
test_lobby(void **state)
{
	static const uint8_t lobby[16] = { 0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7,
	    0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7, 0xb7 };
	uint8_t big[1 + 4 + RELAYMSG_MAX_OPEN + 1];
	struct relaymsg m;
	struct buf b;

	(void)state;
	buf_init(&b, 2048);
	assert_int_equal(relaymsg_put_lobby(&b, RELAYMSG_VISIT, lobby), 0);
	assert_int_equal(buf_len(&b), 17);
	assert_int_equal(buf_ptr(&b)[0], 0x07);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_memory_equal(m.room_id, lobby, 16);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), 16), ERR_TRUNCATED);
	buf_reset(&b);
	assert_int_equal(relaymsg_put_count(&b, RELAYMSG_WAITING, 3), 0);
	assert_int_equal(buf_len(&b), 3);
	assert_memory_equal(buf_ptr(&b), "\x90\x00\x03", 3);
	buf_reset(&b);
	/* KNOCK: 1..256 bytes of blob; OPEN: 1..1024, and a visitor. */
	memset(big, 0x10, sizeof(big));
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, big,
	    RELAYMSG_MAX_KNOCK), 0);
	assert_int_equal(relaymsg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_int_equal(m.blob_len, RELAYMSG_MAX_KNOCK);
	buf_reset(&b);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, big,
	    RELAYMSG_MAX_KNOCK + 1), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCK, 5, big, 1),
	    ERR_FORMAT);
	assert_int_equal(relaymsg_put_door(&b, RELAYMSG_OPEN, 0, big, 1),
	    ERR_FORMAT);
	big[0] = RELAYMSG_KNOCK;
	assert_int_equal(relaymsg_parse(&m, big, 2 + RELAYMSG_MAX_KNOCK),
	    ERR_TOO_LARGE);
	assert_int_equal(relaymsg_parse(&m, big, 1), ERR_FORMAT);
	big[0] = RELAYMSG_OPEN;
	big[1] = big[2] = big[3] = big[4] = 0;
	assert_int_equal(relaymsg_parse(&m, big, 6), ERR_FORMAT);
	big[4] = 1;
	assert_int_equal(relaymsg_parse(&m, big, 5 + RELAYMSG_MAX_OPEN), 0);
	assert_int_equal(m.id, 1);
	assert_int_equal(relaymsg_parse(&m, big, 6 + RELAYMSG_MAX_OPEN),
	    ERR_TOO_LARGE);
	big[0] = RELAYMSG_OPENED;
	assert_int_equal(relaymsg_parse(&m, big, 2 + RELAYMSG_MAX_OPEN),
	    ERR_TOO_LARGE);
	big[0] = RELAYMSG_VISITING;
	assert_int_equal(relaymsg_parse(&m, big, 4), ERR_TRAILING);
	/* PROTOCOL.md 15.3's examples of the lobby's messages. */
	{
		static const uint8_t a5[16] = { 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
		    0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
		    0xa5, 0xa5 };
		static const uint8_t kn[] = { 0x10, 0x01, 0x51, 0x51 };
		static const uint8_t an[] = { 0x11, 0x02, 0x94, 0x6d };

		buf_reset(&b);
		assert_int_equal(relaymsg_put_lobby(&b, RELAYMSG_LOBBY, a5),
		    0);
		expect_hex(&b, "06a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5");
		assert_int_equal(relaymsg_put_count(&b, RELAYMSG_VISITING, 2),
		    0);
		expect_hex(&b, "8d0002");
		assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCK, 0, kn,
		    4), 0);
		expect_hex(&b, "0810015151");
		assert_int_equal(relaymsg_put_door(&b, RELAYMSG_KNOCKED, 3, kn,
		    4), 0);
		expect_hex(&b, "8e0000000310015151");
		assert_int_equal(relaymsg_put_door(&b, RELAYMSG_OPEN, 3, an,
		    4), 0);
		expect_hex(&b, "09000000031102946d");
		assert_int_equal(relaymsg_put_door(&b, RELAYMSG_OPENED, 0, an,
		    4), 0);
		expect_hex(&b, "8f1102946d");
	}
	assert_int_equal(relaymsg_put_lobby(&b, RELAYMSG_JOIN, lobby),
	    ERR_TYPE);
	assert_int_equal(relaymsg_put_count(&b, RELAYMSG_ERROR, 1), ERR_TYPE);
	buf_release(&b);
}

static void
test_unknown_types(void **state)
{
	uint8_t msg[64];
	int t, known;

	(void)state;
	memset(msg, 1, sizeof(msg));
	for (t = 0; t < 256; t++) {
		known = (t >= 0x01 && t <= 0x09) || (t >= 0x81 && t <= 0x90);
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
	assert_int_equal(relaymsg_put_deliver(&d, RELAYMSG_DELIVER, 1, 7,
	    (const uint8_t *)"blob", 4), 0);
	assert_int_equal(relaymsg_put_batch_item(&b, buf_ptr(&d),
	    buf_len(&d)), 0);
	buf_reset(&d);
	assert_int_equal(relaymsg_put_member_event(&d, RELAYMSG_LEFT, 2, 9,
	    NULL), 0);
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
		cmocka_unit_test(test_zero_fields),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_lobby),
		cmocka_unit_test(test_unknown_types),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
