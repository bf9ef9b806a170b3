/*
 * test_rroom.c: the relay's rooms without sockets: joining (WELCOME to
 * the newcomer, JOINED to the others), names taken or invalid, the room
 * cap, BCAST reaching every other member in order (one fan-out hook
 * call around each, every send in it the same bytes), DIRECT reaching one,
 * NICK, leaving (LEFT to the others, the room freed when empty), protocol
 * errors, many rooms at once in the hash table, the per-room backlog
 * count the relay's flow control keeps, and the sequence numbers: every
 * event gets the room's next seq, a BCAST/DIRECT must carry the seat's
 * next cseq (a resend is acknowledged, not relayed; a gap ends the link);
 * and seats: a cut holds the seat (AWAY), RESUME with the right token
 * takes it back (RESUMED, the replay of exactly what was missed, BACK),
 * a wrong one is refused, an old link is evicted, holds expire, away
 * seats are capped, and a restart rebuilds everything from the log;
 * and a guarded room's lobby: a visitor is sent VISITING and nothing of
 * the room, its knocks go to one opener each in seat order, only the
 * opener asked may answer (once), WAITING tells openers the count, a
 * lobby id binds one room, and a visitor's JOIN takes it into the room.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "relaymsg.h"
#include "roomlog.h"
#include "rroom.h"

/* A member whose messages are kept in a queue, for the test to read. */
struct fake {
	struct rroom_member	 m;
	struct buf		 q;	/* u32 length || message, ... */
	size_t			 n;	/* messages queued */
	uint32_t		 cseq;	/* last BCAST/DIRECT sent */
};

static const uint8_t key[RROOM_KEY_BYTES] = { 1, 2, 3 };
static const uint8_t room_a[RELAYMSG_ROOM_ID_BYTES] = { 0xaa };
static const uint8_t room_b[RELAYMSG_ROOM_ID_BYTES] = { 0xbb };
static const uint8_t key_token[RELAYMSG_TOKEN_BYTES] = { 7 };

static size_t sends;	/* every send, for "nobody was told" checks */

/* The fanout hook: between begin and end every send carries the same
 * bytes, from the same place (the relay stores them once). */
static int fan_on;
static const uint8_t *fan_p;
static size_t fan_len, fan_sends, fanouts;

static void
fake_fanout(void *arg, int begin)
{
	(void)arg;
	assert_int_equal(fan_on, !begin);
	fan_on = begin;
	fan_p = NULL;
	if (begin)
		fanouts++;
}

static void
fake_send(void *arg, struct rroom_member *m, const uint8_t *p, size_t len)
{
	struct fake *f = (struct fake *)(void *)m;

	(void)arg;
	if (fan_on) {
		if (fan_p == NULL) {
			fan_p = p;
			fan_len = len;
		}
		assert_ptr_equal(p, fan_p);
		assert_int_equal(len, fan_len);
		fan_sends++;
	}
	assert_int_equal(buf_put_u32(&f->q, (uint32_t)len), 0);
	assert_int_equal(buf_put(&f->q, p, len), 0);
	f->n++;
	sends++;
}

static size_t evictions;

static void
fake_evict(void *arg, struct rroom_member *m)
{
	(void)arg;
	assert_non_null(m->seat);
	evictions++;
}

/* The lobby hook: how often, and the last id. */
static size_t lobby_calls;
static uint8_t lobby_last[RELAYMSG_ROOM_ID_BYTES];

static void
fake_lobby(void *arg, const uint8_t lobby_id[16])
{
	(void)arg;
	lobby_calls++;
	memcpy(lobby_last, lobby_id, sizeof(lobby_last));
}

static const struct rroom_ops ops = { fake_send, fake_evict, NULL,
    fake_fanout, fake_lobby };
static const uint8_t token_key[RROOM_TOKEN_KEY_BYTES] = { 9, 8, 7 };
static const uint8_t log_secret[ROOMLOG_SECRET_BYTES] = { 4, 5, 6 };
static const struct roomlog_limits log_lim = { 10000, 1ull << 30, 86400 };
static struct roomlog *cur_log;	/* the hub's, in memory */

static struct fake *
fake_new(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	rroom_member_init(&f->m);
	buf_init(&f->q, 64 << 20);
	return f;
}

static void
fake_free(struct fake *f)
{
	buf_release(&f->q);
	free(f);
}

/*
 * Takes the next message queued for f into *m (views valid until the
 * next write to f's queue: copy what's needed first) and checks its type.
 */
static void
next(struct fake *f, uint8_t type, struct relaymsg *m)
{
	uint32_t len;
	const uint8_t *p;

	assert_true(f->n > 0);
	assert_int_equal(buf_get_u32(&f->q, &len), 0);
	assert_int_equal(buf_get_view(&f->q, len, &p), 0);
	f->n--;
	assert_int_equal(relaymsg_parse(m, p, len), 0);
	assert_int_equal(m->type, type);
}

static void
expect_none(struct fake *f)
{
	assert_int_equal(f->n, 0);
}

static void
expect_error(struct fake *f, uint8_t code)
{
	struct relaymsg m;

	next(f, RELAYMSG_ERROR, &m);
	assert_int_equal(m.code, code);
	assert_true(m.blob_len > 0);
}

static int
send_join(struct rroom_hub *h, struct fake *f, const uint8_t *room,
    const char *name, uint8_t *code)
{
	struct buf b;
	int r;

	buf_init(&b, 1024);
	assert_int_equal(relaymsg_put_join(&b, room, name), 0);
	r = rroom_input(h, &f->m, buf_ptr(&b), buf_len(&b), code);
	buf_release(&b);
	return r;
}

/* Joins and checks the WELCOME: returns the id given. */
static uint32_t
join_ok(struct rroom_hub *h, struct fake *f, const uint8_t *room,
    const char *name, uint16_t others)
{
	struct relaymsg m;
	uint8_t code = 0xff;

	assert_int_equal(send_join(h, f, room, name, &code), 0);
	assert_int_equal(code, 0);
	assert_non_null(f->m.room);
	next(f, RELAYMSG_WELCOME, &m);
	assert_int_equal(m.count, others);
	assert_int_equal(m.id, f->m.id);
	assert_int_not_equal(f->m.id, 0);
	assert_int_equal(rroom_size(&f->m), (size_t)others + 1);
	return m.id;
}

static void
expect_joined(struct fake *f, uint32_t id, const char *name)
{
	struct relaymsg m;

	next(f, RELAYMSG_JOINED, &m);
	assert_int_equal(m.id, id);
	assert_int_equal(m.name_len, strlen(name));
	assert_memory_equal(m.name, name, m.name_len);
}

static void
expect_left(struct fake *f, uint32_t id)
{
	struct relaymsg m;

	next(f, RELAYMSG_LEFT, &m);
	assert_int_equal(m.id, id);
}

static int
send_bcast(struct rroom_hub *h, struct fake *f, const char *text)
{
	struct buf b;
	int r;

	buf_init(&b, 1 << 17);
	assert_int_equal(relaymsg_put_bcast(&b, ++f->cseq,
	    (const uint8_t *)text, strlen(text)), 0);
	r = rroom_input(h, &f->m, buf_ptr(&b), buf_len(&b), NULL);
	buf_release(&b);
	return r;
}

static void
expect_deliver(struct fake *f, uint8_t type, uint32_t from, const char *text)
{
	struct relaymsg m;

	next(f, type, &m);
	assert_int_equal(m.id, from);
	assert_int_equal(m.blob_len, strlen(text));
	assert_memory_equal(m.blob, text, m.blob_len);
}

static struct rroom_hub *
hub_on(struct roomlog *log)
{
	struct rroom_hub *h;

	sends = 0;
	evictions = 0;
	assert_int_equal(rroom_hub_new(&h, key, token_key, log, &ops, NULL),
	    0);
	return h;
}

static struct rroom_hub *
hub(void)
{
	assert_int_equal(roomlog_open(&cur_log, NULL, log_secret, &log_lim),
	    0);
	return hub_on(cur_log);
}

static void
hub_free(struct rroom_hub *h)
{
	rroom_hub_free(h);
	roomlog_close(cur_log);
	cur_log = NULL;
}

static void
test_join_and_welcome(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *c = fake_new();
	struct relaymsg m;
	struct relaymsg_member mem;
	uint32_t ida, idb, idc;
	size_t off = 0;

	(void)state;
	ida = join_ok(h, a, room_a, "alice", 0);
	assert_int_equal(rroom_hub_rooms(h), 1);
	idb = join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, idb, "bob");
	assert_int_not_equal(ida, idb);

	/* carol's WELCOME lists alice and bob, in join order. */
	assert_int_equal(send_join(h, c, room_a, "carol", NULL), 0);
	next(c, RELAYMSG_WELCOME, &m);
	idc = m.id;
	assert_int_equal(m.count, 2);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, ida);
	assert_memory_equal(mem.name, "alice", 5);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, idb);
	assert_memory_equal(mem.name, "bob", 3);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 0);
	expect_joined(a, idc, "carol");
	expect_joined(b, idc, "carol");
	expect_none(a);
	expect_none(b);
	expect_none(c);
	assert_int_equal(rroom_hub_rooms(h), 1);
	assert_int_equal(rroom_hub_members(h), 3);

	rroom_leave(h, &a->m);
	rroom_leave(h, &b->m);
	rroom_leave(h, &c->m);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(c);
}

static void
test_name_taken(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *a2 = fake_new(), *x = fake_new();
	struct fake *j = fake_new(), *j2 = fake_new(), *j3 = fake_new();
	struct relaymsg m;
	uint8_t code = 0;
	size_t before;

	(void)state;
	join_ok(h, a, room_a, "alice", 0);
	before = sends;
	assert_int_equal(send_join(h, a2, room_a, "alice", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	next(a2, RELAYMSG_ERROR, &m);
	assert_int_equal(m.code, RELAYMSG_ERR_NAME_TAKEN);
	assert_int_equal(m.blob_len, strlen("name already in use in this room"));
	assert_memory_equal(m.blob, "name already in use in this room",
	    m.blob_len);
	assert_null(a2->m.room);
	assert_int_equal(a2->m.id, 0);
	/* Nobody else heard of it. */
	assert_int_equal(sends, before + 1);
	expect_none(a);
	assert_int_equal(rroom_hub_members(h), 1);

	/* A lookalike is taken as well (finding 6): "alice" with an
	 * invisible U+034F is not even a name, Cyrillic "joe" looks like
	 * a present "joe", and "rn" like "m". */
	assert_int_equal(send_join(h, a2, room_a, "alice\xcd\x8f", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_BAD_NAME);
	next(a2, RELAYMSG_ERROR, &m);
	join_ok(h, j, room_a, "joe", 1);
	expect_joined(a, j->m.id, "joe");
	assert_int_equal(send_join(h, j2, room_a,
	    "\xd1\x98\xd0\xbe\xd0\xb5", &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	next(j2, RELAYMSG_ERROR, &m);
	rroom_leave(h, &j->m);
	next(a, RELAYMSG_LEFT, &m);
	join_ok(h, j2, room_a, "mallory", 1);
	expect_joined(a, j2->m.id, "mallory");
	assert_int_equal(send_join(h, j3, room_a, "rnallory", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	rroom_leave(h, &j2->m);
	next(a, RELAYMSG_LEFT, &m);
	expect_none(a);

	/* The same name is free in another room. */
	join_ok(h, x, room_b, "alice", 0);
	assert_int_equal(rroom_hub_rooms(h), 2);

	/* Once alice has left, the name is free again. */
	rroom_leave(h, &a->m);
	assert_int_equal(rroom_hub_rooms(h), 1);
	join_ok(h, a2, room_a, "alice", 0);

	rroom_leave(h, &a2->m);
	rroom_leave(h, &x->m);
	assert_int_equal(rroom_hub_rooms(h), 0);
	hub_free(h);
	fake_free(a);
	fake_free(a2);
	fake_free(x);
	fake_free(j);
	fake_free(j2);
	fake_free(j3);
}

static void
test_bad_names(void **state)
{
	static const char *bad[] = {
		"two words", "tab\there", "new\nline", "bell\a",
		"\xe2\x80\xaertl",		/* U+202E, then "rtl" */
		"zero\xe2\x80\x8bwidth",	/* U+200B */
		"\xff\xfe",			/* not UTF-8 */
		"nbsp\xc2\xa0x",
	};
	struct rroom_hub *h = hub();
	struct fake *f = fake_new();
	uint8_t code;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(send_join(h, f, room_a, bad[i], &code),
		    RROOM_CLOSE);
		assert_int_equal(code, RELAYMSG_ERR_BAD_NAME);
		expect_error(f, RELAYMSG_ERR_BAD_NAME);
		assert_null(f->m.room);
	}
	/* A NUL inside the name: "al\0ce" must not become "al". */
	{
		uint8_t msg[1 + 16 + 1 + 5];

		msg[0] = RELAYMSG_JOIN;
		memcpy(msg + 1, room_a, 16);
		msg[17] = 5;
		memcpy(msg + 18, "al\0ce", 5);
		assert_int_equal(rroom_input(h, &f->m, msg, sizeof(msg),
		    &code), RROOM_CLOSE);
		assert_int_equal(code, RELAYMSG_ERR_BAD_NAME);
		expect_error(f, RELAYMSG_ERR_BAD_NAME);
	}
	assert_int_equal(rroom_hub_rooms(h), 0);
	hub_free(h);
	fake_free(f);
}

static void
test_protocol_errors(void **state)
{
	static const uint8_t garbage[] = { 0x02 };	/* BCAST, no blob */
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new();
	struct buf msg;
	uint8_t code;

	(void)state;
	buf_init(&msg, 1024);
	/* Anything before JOIN. */
	assert_int_equal(relaymsg_put_nick(&msg, "x"), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_PROTOCOL);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	buf_reset(&msg);
	/* A relay -> member message from a member. */
	assert_int_equal(relaymsg_put_member_event(&msg, RELAYMSG_LEFT, 1, 1,
	    NULL), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), RROOM_CLOSE);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	buf_reset(&msg);
	/* Malformed. */
	assert_int_equal(rroom_input(h, &a->m, garbage, sizeof(garbage),
	    &code), RROOM_CLOSE);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);

	/* After joining: a second JOIN, a WELCOME, garbage. */
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, b->m.id, "bob");
	assert_int_equal(send_join(h, a, room_b, "alice", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_PROTOCOL);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	assert_int_equal(relaymsg_put_welcome_start(&msg, 1, key_token, 1, 0),
	    0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), RROOM_CLOSE);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	assert_int_equal(rroom_input(h, &a->m, garbage, sizeof(garbage),
	    &code), RROOM_CLOSE);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	/* Still in the room until the owner takes it out; nobody else was
	 * told anything. */
	assert_non_null(a->m.room);
	expect_none(b);
	rroom_leave(h, &a->m);
	expect_left(b, a->m.id);
	rroom_leave(h, &b->m);
	buf_release(&msg);
	hub_free(h);
	fake_free(a);
	fake_free(b);
}

static void
test_bcast_to_others_in_order(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *f[4], *other = fake_new();
	char text[32];
	int i, j;

	(void)state;
	for (i = 0; i < 4; i++) {
		f[i] = fake_new();
		snprintf(text, sizeof(text), "m%d", i);
		join_ok(h, f[i], room_a, text, (uint16_t)i);
		for (j = 0; j < i; j++)
			expect_joined(f[j], f[i]->m.id, text);
	}
	join_ok(h, other, room_b, "m0", 0);

	/* Each BCAST is one fan-out to the 3 others. */
	fanouts = fan_sends = 0;
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "message %d", i);
		assert_int_equal(send_bcast(h, f[i % 4], text), 0);
	}
	assert_int_equal(fanouts, 10);
	assert_int_equal(fan_sends, 30);
	assert_int_equal(fan_on, 0);
	for (i = 0; i < 10; i++) {
		snprintf(text, sizeof(text), "message %d", i);
		for (j = 0; j < 4; j++)
			if (j != i % 4)
				expect_deliver(f[j], RELAYMSG_DELIVER,
				    f[i % 4]->m.id, text);
	}
	for (j = 0; j < 4; j++)
		expect_none(f[j]);
	/* The other room heard nothing. */
	expect_none(other);

	/* Alone in a room, a BCAST goes nowhere. */
	assert_int_equal(send_bcast(h, other, "anyone?"), 0);
	expect_none(other);

	for (i = 0; i < 4; i++) {
		rroom_leave(h, &f[i]->m);
		for (j = i + 1; j < 4; j++)
			expect_left(f[j], f[i]->m.id);
		expect_none(f[i]);
	}
	rroom_leave(h, &other->m);
	assert_int_equal(rroom_hub_rooms(h), 0);
	assert_int_equal(rroom_hub_members(h), 0);
	hub_free(h);
	for (i = 0; i < 4; i++)
		fake_free(f[i]);
	fake_free(other);
}

static void
test_direct(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *c = fake_new(),
	    *x = fake_new();
	struct buf msg;
	uint8_t code;

	(void)state;
	buf_init(&msg, 1024);
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	join_ok(h, c, room_a, "carol", 2);
	join_ok(h, x, room_b, "xavier", 0);
	expect_joined(a, b->m.id, "bob");
	expect_joined(a, c->m.id, "carol");
	expect_joined(b, c->m.id, "carol");

	assert_int_equal(relaymsg_put_direct(&msg, ++a->cseq,
	    b->m.id, (const uint8_t *)"psst", 4), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, 0);
	expect_deliver(b, RELAYMSG_DELIVER_DIRECT, a->m.id, "psst");
	expect_none(a);
	expect_none(b);
	expect_none(c);
	buf_reset(&msg);

	/* To someone in another room, or nobody: an error, not the end. */
	assert_int_equal(relaymsg_put_direct(&msg, ++a->cseq,
	    x->m.id, (const uint8_t *)"psst", 4), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, RELAYMSG_ERR_NO_MEMBER);
	expect_error(a, RELAYMSG_ERR_NO_MEMBER);
	expect_none(x);
	buf_reset(&msg);
	assert_int_equal(relaymsg_put_direct(&msg, ++a->cseq,
	    999999, (const uint8_t *)"psst", 4), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	expect_error(a, RELAYMSG_ERR_NO_MEMBER);
	buf_reset(&msg);

	/* To someone who left. */
	rroom_leave(h, &c->m);
	expect_left(a, c->m.id);
	expect_left(b, c->m.id);
	assert_int_equal(relaymsg_put_direct(&msg, ++a->cseq,
	    c->m.id, (const uint8_t *)"psst", 4), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	expect_error(a, RELAYMSG_ERR_NO_MEMBER);
	expect_none(c);
	buf_reset(&msg);

	rroom_leave(h, &a->m);
	rroom_leave(h, &b->m);
	rroom_leave(h, &x->m);
	buf_release(&msg);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(c);
	fake_free(x);
}

static void
test_nick(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *d = fake_new(),
	    *e = fake_new();
	struct relaymsg m;
	struct buf msg;
	uint8_t code;

	(void)state;
	buf_init(&msg, 1024);
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, b->m.id, "bob");

	/* Taken, or invalid: an error to the sender alone, not the end. */
	assert_int_equal(relaymsg_put_nick(&msg, "bob"), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	expect_error(a, RELAYMSG_ERR_NAME_TAKEN);
	expect_none(b);
	buf_reset(&msg);
	assert_int_equal(relaymsg_put_nick(&msg, "two words"), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, RELAYMSG_ERR_BAD_NAME);
	expect_error(a, RELAYMSG_ERR_BAD_NAME);
	expect_none(b);
	assert_string_equal(rroom_member_name(&a->m), "alice");
	buf_reset(&msg);

	/* Accepted: everyone hears, the sender too. */
	assert_int_equal(relaymsg_put_nick(&msg, "alicia"), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, 0);
	next(a, RELAYMSG_NICKED, &m);
	assert_int_equal(m.id, a->m.id);
	assert_memory_equal(m.name, "alicia", 6);
	next(b, RELAYMSG_NICKED, &m);
	assert_int_equal(m.id, a->m.id);
	assert_string_equal(rroom_member_name(&a->m), "alicia");
	/* Her old name is free now; her new one isn't. */
	join_ok(h, d, room_a, "alice", 2);
	expect_joined(a, d->m.id, "alice");
	expect_joined(b, d->m.id, "alice");
	assert_int_equal(send_join(h, e, room_a, "alicia", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	/* Nor a lookalike of a present member's (finding 6): bob may not
	 * become "alic1a" ("1" looks like "i"... and "l"). */
	buf_reset(&msg);
	assert_int_equal(relaymsg_put_nick(&msg, "a1icia"), 0);
	assert_int_equal(rroom_input(h, &b->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	expect_error(b, RELAYMSG_ERR_NAME_TAKEN);
	assert_string_equal(rroom_member_name(&b->m), "bob");

	rroom_leave(h, &a->m);
	rroom_leave(h, &b->m);
	rroom_leave(h, &d->m);
	buf_release(&msg);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(d);
	fake_free(e);
}

static void
test_room_cap_and_ids(void **state)
{
	struct rroom_hub *h = hub();
	struct fake **f, *late = fake_new(), *x = fake_new();
	char name[32];
	uint8_t code;
	uint32_t id;
	size_t i;

	(void)state;
	f = calloc(RELAYMSG_MAX_MEMBERS, sizeof(*f));
	assert_non_null(f);
	for (i = 0; i < RELAYMSG_MAX_MEMBERS; i++) {
		f[i] = fake_new();
		snprintf(name, sizeof(name), "m%zu", i);
		id = join_ok(h, f[i], room_a, name, (uint16_t)i);
		assert_int_equal(id, i + 1);	/* ids in join order */
	}
	assert_int_equal(rroom_size(&f[0]->m), RELAYMSG_MAX_MEMBERS);
	assert_int_equal(send_join(h, late, room_a, "late", &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_ROOM_FULL);
	expect_error(late, RELAYMSG_ERR_ROOM_FULL);
	/* Other rooms are not affected. */
	join_ok(h, x, room_b, "x", 0);

	/* One leaves: there is room again, and the id is new, not reused. */
	rroom_leave(h, &f[5]->m);
	assert_int_equal(send_join(h, late, room_a, "late", &code), 0);
	assert_int_equal(late->m.id, RELAYMSG_MAX_MEMBERS + 2);

	for (i = 0; i < RELAYMSG_MAX_MEMBERS; i++) {
		rroom_leave(h, &f[i]->m);
		fake_free(f[i]);
	}
	rroom_leave(h, &late->m);
	rroom_leave(h, &x->m);
	assert_int_equal(rroom_hub_rooms(h), 0);
	hub_free(h);
	free(f);
	fake_free(late);
	fake_free(x);
}

/* Many rooms: the table grows and every room stays findable. */
static void
test_many_rooms(void **state)
{
	enum { N = 3000 };
	struct rroom_hub *h = hub();
	struct fake **first, **second;
	uint8_t room[RELAYMSG_ROOM_ID_BYTES];
	size_t i;

	(void)state;
	first = calloc(N, sizeof(*first));
	second = calloc(N, sizeof(*second));
	assert_non_null(first);
	assert_non_null(second);
	memset(room, 0, sizeof(room));
	for (i = 0; i < N; i++) {
		memcpy(room, &i, sizeof(i));
		first[i] = fake_new();
		join_ok(h, first[i], room, "a", 0);
	}
	assert_int_equal(rroom_hub_rooms(h), N);
	for (i = 0; i < N; i++) {
		memcpy(room, &i, sizeof(i));
		second[i] = fake_new();
		join_ok(h, second[i], room, "b", 1);
		expect_joined(first[i], second[i]->m.id, "b");
		assert_ptr_equal(second[i]->m.room, first[i]->m.room);
	}
	assert_int_equal(rroom_hub_rooms(h), N);
	assert_int_equal(rroom_hub_members(h), 2 * N);
	/* Leave the first half wholly, the rest halfway; then free the
	 * hub with members still in: they are detached. */
	for (i = 0; i < N; i++) {
		rroom_leave(h, &first[i]->m);
		if (i < N / 2)
			rroom_leave(h, &second[i]->m);
	}
	assert_int_equal(rroom_hub_rooms(h), N - N / 2);
	hub_free(h);
	for (i = 0; i < N; i++) {
		assert_null(second[i]->m.room);
		fake_free(first[i]);
		fake_free(second[i]);
	}
	free(first);
	free(second);
}

/* A member leaving while the room is being walked is the owner's
 * problem (mark and reap); but leaving twice, or never having joined,
 * is harmless. */
static void
test_leave_idempotent(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *never = fake_new();

	(void)state;
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, b->m.id, "bob");
	rroom_leave(h, &never->m);
	rroom_leave(h, &b->m);
	rroom_leave(h, &b->m);
	expect_left(a, b->m.id);
	expect_none(a);
	expect_none(b);
	assert_int_equal(rroom_hub_members(h), 1);
	rroom_leave(h, &a->m);
	assert_int_equal(rroom_hub_rooms(h), 0);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(never);
}

static void
count_one(struct rroom_member *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
}

/* The owner's per-room backlog count and the walk over a room. */
static void
test_busy_and_foreach(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *x = fake_new(),
	    *none = fake_new();
	int n = 0;

	(void)state;
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	join_ok(h, x, room_b, "xavier", 0);
	rroom_foreach(&a->m, count_one, &n);
	assert_int_equal(n, 2);
	n = 0;
	rroom_foreach(&none->m, count_one, &n);
	assert_int_equal(n, 0);
	assert_int_equal(rroom_busy_add(&a->m, 0), 0);
	assert_int_equal(rroom_busy_add(&a->m, 1), 1);
	assert_int_equal(rroom_busy_add(&b->m, 1), 2);	/* same room */
	assert_int_equal(rroom_busy_add(&x->m, 0), 0);	/* not that one */
	assert_int_equal(rroom_busy_add(&none->m, 1), 0);
	assert_int_equal(rroom_busy_add(&b->m, -1), 1);
	assert_int_equal(rroom_busy_add(&a->m, -1), 0);
	assert_int_equal(rroom_busy_add(&a->m, -1), 0);	/* never below 0 */
	rroom_leave(h, &a->m);
	rroom_leave(h, &b->m);
	rroom_leave(h, &x->m);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(x);
	fake_free(none);
}

static int
send_raw_bcast(struct rroom_hub *h, struct fake *f, uint32_t cseq,
    uint8_t *code)
{
	struct buf b;
	int r;

	buf_init(&b, 1024);
	assert_int_equal(relaymsg_put_bcast(&b, cseq, (const uint8_t *)"x",
	    1), 0);
	r = rroom_input(h, &f->m, buf_ptr(&b), buf_len(&b), code);
	buf_release(&b);
	return r;
}

static void
test_seq_and_cseq(void **state)
{
	static const uint8_t tok[RELAYMSG_TOKEN_BYTES] = { 1 };
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *c = fake_new();
	uint8_t token[RELAYMSG_TOKEN_BYTES];
	struct relaymsg m;
	struct buf msg;
	uint8_t code;

	(void)state;
	buf_init(&msg, 1024);
	/* WELCOME's seq is that of the newcomer's own JOINED. */
	assert_int_equal(send_join(h, a, room_a, "alice", NULL), 0);
	next(a, RELAYMSG_WELCOME, &m);
	assert_int_equal(m.seq, 1);
	memcpy(token, m.token, sizeof(token));
	assert_int_equal(send_join(h, b, room_a, "bob", NULL), 0);
	next(b, RELAYMSG_WELCOME, &m);
	assert_int_equal(m.seq, 2);
	/* Each seat has its own random token. */
	assert_memory_not_equal(m.token, token, sizeof(token));
	next(a, RELAYMSG_JOINED, &m);
	assert_int_equal(m.seq, 2);

	/* cseq 1 is relayed, as seq 3, and acknowledged. */
	assert_int_equal(send_raw_bcast(h, a, 1, &code), 0);
	assert_int_equal(code, 0);
	assert_int_equal(rroom_member_cseq(&a->m), 1);
	assert_int_equal(a->m.ack, 1);
	a->m.ack = 0;
	next(b, RELAYMSG_DELIVER, &m);
	assert_int_equal(m.seq, 3);
	/* A resend: acknowledged again, not relayed. */
	assert_int_equal(send_raw_bcast(h, a, 1, &code), 0);
	assert_int_equal(a->m.ack, 1);
	a->m.ack = 0;
	expect_none(b);
	/* DIRECT shares the counter. */
	assert_int_equal(relaymsg_put_direct(&msg, 2, b->m.id,
	    (const uint8_t *)"d", 1), 0);
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	buf_reset(&msg);
	next(b, RELAYMSG_DELIVER_DIRECT, &m);
	assert_int_equal(m.seq, 4);
	assert_int_equal(rroom_member_cseq(&a->m), 2);
	/* NICKED, then LEFT, take the next seqs. */
	assert_int_equal(relaymsg_put_nick(&msg, "robert"), 0);
	assert_int_equal(rroom_input(h, &b->m, buf_ptr(&msg), buf_len(&msg),
	    &code), 0);
	buf_reset(&msg);
	next(a, RELAYMSG_NICKED, &m);
	assert_int_equal(m.seq, 5);
	next(b, RELAYMSG_NICKED, &m);
	assert_int_equal(m.seq, 5);
	/* A gap in cseq ends the link, relaying nothing. */
	a->m.ack = 0;
	assert_int_equal(send_raw_bcast(h, a, 4, &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_PROTOCOL);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);
	assert_int_equal(rroom_member_cseq(&a->m), 2);
	assert_int_equal(a->m.ack, 0);
	expect_none(b);
	rroom_leave(h, &b->m);
	next(a, RELAYMSG_LEFT, &m);
	assert_int_equal(m.seq, 6);

	/* RESUME of a seat this relay doesn't hold: ERROR 8. */
	assert_int_equal(relaymsg_put_resume(&msg, room_a, 1, tok, 0), 0);
	assert_int_equal(rroom_input(h, &c->m, buf_ptr(&msg), buf_len(&msg),
	    &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NO_SEAT);
	expect_error(c, RELAYMSG_ERR_NO_SEAT);
	assert_null(c->m.room);
	/* And RESUME after joining is a protocol error. */
	assert_int_equal(rroom_input(h, &a->m, buf_ptr(&msg), buf_len(&msg),
	    &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_PROTOCOL);
	expect_error(a, RELAYMSG_ERR_PROTOCOL);

	rroom_leave(h, &a->m);
	buf_release(&msg);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(c);
}

/* --- seats ------------------------------------------------------------------ */

/* Joins and returns the WELCOME's token (and seq in *seq). */
static void
join_token(struct rroom_hub *h, struct fake *f, const uint8_t *room,
    const char *name, uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t *seq)
{
	struct relaymsg m;

	assert_int_equal(send_join(h, f, room, name, NULL), 0);
	next(f, RELAYMSG_WELCOME, &m);
	memcpy(token, m.token, RELAYMSG_TOKEN_BYTES);
	if (seq != NULL)
		*seq = m.seq;
}

static int
send_resume(struct rroom_hub *h, struct fake *f, const uint8_t *room,
    uint32_t seat, const uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t seen,
    uint8_t *code)
{
	struct buf b;
	int r;

	buf_init(&b, 1024);
	assert_int_equal(relaymsg_put_resume(&b, room, seat, token, seen), 0);
	r = rroom_input(h, &f->m, buf_ptr(&b), buf_len(&b), code);
	buf_release(&b);
	return r;
}

static void
send_direct(struct rroom_hub *h, struct fake *f, uint32_t to, const char *text)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(relaymsg_put_direct(&b, ++f->cseq, to,
	    (const uint8_t *)text, strlen(text)), 0);
	assert_int_equal(rroom_input(h, &f->m, buf_ptr(&b), buf_len(&b),
	    NULL), 0);
	buf_release(&b);
}

/* Replays everything for f. */
static void
replay_all(struct rroom_hub *h, struct fake *f)
{
	int i;

	for (i = 0; i < 1000 && f->m.replaying; i++)
		assert_true(rroom_replay(h, &f->m, 2) >= 0);
	assert_int_equal(f->m.replaying, 0);
}

/*
 * A cut holds the seat (AWAY to the others; the name stays taken; a
 * newcomer sees it listed away); what the room says meanwhile, DIRECTs
 * to it included, is logged; RESUME on a new link takes the seat back
 * (RESUMED, then exactly what it missed from the log, then live; BACK to
 * the others).
 */
static void
test_cut_and_resume(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *b2 = fake_new(),
	    *c = fake_new(), *x = fake_new();
	uint8_t tb[RELAYMSG_TOKEN_BYTES], code;
	struct relaymsg m;
	struct relaymsg_member mem;
	uint64_t seen, last_for_b;
	uint32_t idb;
	size_t off = 0;

	(void)state;
	join_ok(h, a, room_a, "alice", 0);
	join_token(h, b, room_a, "bob", tb, &seen);
	idb = b->m.id;
	expect_joined(a, idb, "bob");
	assert_int_equal(send_bcast(h, a, "one"), 0);
	next(b, RELAYMSG_DELIVER, &m);
	seen = m.seq;

	/* The cut. */
	rroom_cut(h, &b->m, 0);
	assert_null(b->m.seat);
	assert_int_equal(rroom_hub_away(h), 1);
	assert_int_equal(rroom_hub_members(h), 2);
	next(a, RELAYMSG_AWAY, &m);
	assert_int_equal(m.id, idb);
	expect_none(b);
	/* Meanwhile: a BCAST, a DIRECT to bob, a newcomer. */
	assert_int_equal(send_bcast(h, a, "two"), 0);
	send_direct(h, a, idb, "for bob");
	assert_int_equal(send_join(h, x, room_a, "bob", &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	assert_int_equal(send_join(h, c, room_a, "carol", NULL), 0);
	next(c, RELAYMSG_WELCOME, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.flags, 0);
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, idb);
	assert_int_equal(mem.flags, RELAYMSG_FLAG_AWAY);
	expect_joined(a, c->m.id, "carol");
	last_for_b = m.seq;	/* carol's JOINED, the last for bob */
	/* Not for bob: carol's own BCAST is for a and b... a DIRECT to
	 * carol is not. */
	send_direct(h, a, c->m.id, "for carol");
	next(c, RELAYMSG_DELIVER_DIRECT, &m);
	expect_none(b);

	/* A wrong token, seat or room: refused, the seat untouched. */
	tb[0] ^= 1;
	assert_int_equal(send_resume(h, b2, room_a, idb, tb, seen, &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NO_SEAT);
	expect_error(b2, RELAYMSG_ERR_NO_SEAT);
	tb[0] ^= 1;
	assert_int_equal(send_resume(h, b2, room_a, a->m.id, tb, seen, &code),
	    RROOM_CLOSE);
	expect_error(b2, RELAYMSG_ERR_NO_SEAT);
	assert_int_equal(send_resume(h, b2, room_b, idb, tb, seen, &code),
	    RROOM_CLOSE);
	expect_error(b2, RELAYMSG_ERR_NO_SEAT);
	assert_null(b2->m.seat);
	assert_int_equal(rroom_hub_away(h), 1);
	expect_none(a);

	/* The right one. */
	assert_int_equal(send_resume(h, b2, room_a, idb, tb, seen, &code), 0);
	assert_int_equal(code, 0);
	assert_int_equal(b2->m.id, idb);
	assert_int_equal(rroom_hub_away(h), 0);
	next(b2, RELAYMSG_RESUMED, &m);
	assert_int_equal(m.id, idb);
	assert_int_equal(m.seq, 1);		/* first: nothing trimmed */
	assert_int_equal(m.last, last_for_b);
	assert_int_equal(m.cseq, 0);
	assert_int_equal(m.count, 2);
	off = 0;
	assert_int_equal(relaymsg_welcome_next(&m, &off, &mem), 1);
	assert_int_equal(mem.id, a->m.id);
	assert_int_equal(mem.flags, 0);
	assert_int_equal(b2->m.replaying, 1);
	/* BACK to the others at once; bob's replay waits for the owner. */
	next(a, RELAYMSG_BACK, &m);
	assert_int_equal(m.id, idb);
	next(c, RELAYMSG_BACK, &m);
	expect_none(b2);
	/* Live traffic meanwhile goes to the log, not past the replay. */
	assert_int_equal(send_bcast(h, a, "three"), 0);
	next(c, RELAYMSG_DELIVER, &m);
	expect_none(b2);
	replay_all(h, b2);
	expect_deliver(b2, RELAYMSG_DELIVER, a->m.id, "two");
	expect_deliver(b2, RELAYMSG_DELIVER_DIRECT, a->m.id, "for bob");
	expect_joined(b2, c->m.id, "carol");
	expect_deliver(b2, RELAYMSG_DELIVER, a->m.id, "three");
	expect_none(b2);	/* not its own AWAY/BACK, not carol's DIRECT */
	/* Live from now on. */
	assert_int_equal(send_bcast(h, a, "four"), 0);
	expect_deliver(b2, RELAYMSG_DELIVER, a->m.id, "four");
	next(c, RELAYMSG_DELIVER, &m);
	/* The old link was gone already: nobody was evicted. */
	assert_int_equal(evictions, 0);

	rroom_leave(h, &a->m);
	rroom_leave(h, &b2->m);
	rroom_leave(h, &c->m);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(b2);
	fake_free(c);
	fake_free(x);
}

/* RESUME while the old link is still up: the old one is evicted without
 * a word to anyone; and a resumed seat keeps its cseq. */
static void
test_resume_evicts_and_keeps_cseq(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *b2 = fake_new();
	uint8_t tb[RELAYMSG_TOKEN_BYTES], code;
	struct relaymsg m;
	struct buf msg;
	uint64_t seen;
	size_t before;

	(void)state;
	buf_init(&msg, 1024);
	join_ok(h, a, room_a, "alice", 0);
	join_token(h, b, room_a, "bob", tb, &seen);
	expect_joined(a, b->m.id, "bob");
	assert_int_equal(send_bcast(h, b, "b1"), 0);
	assert_int_equal(send_bcast(h, b, "b2"), 0);
	next(a, RELAYMSG_DELIVER, &m);
	next(a, RELAYMSG_DELIVER, &m);
	before = sends;
	assert_int_equal(send_resume(h, b2, room_a, b->m.id, tb, seen, &code),
	    0);
	assert_int_equal(evictions, 1);
	assert_null(b->m.seat);
	assert_null(b->m.room);
	next(b2, RELAYMSG_RESUMED, &m);
	assert_int_equal(m.cseq, 2);
	/* Only the RESUMED went out: no AWAY, BACK or LEFT. */
	assert_int_equal(sends, before + 1);
	expect_none(a);
	/* The member resends what it had not seen acknowledged: cseq 2 is
	 * acknowledged, not relayed; 3 goes on. */
	replay_all(h, b2);
	b2->cseq = 1;
	assert_int_equal(send_bcast(h, b2, "b2"), 0);
	assert_int_equal(b2->m.ack, 1);
	expect_none(a);
	assert_int_equal(send_bcast(h, b2, "b3"), 0);
	expect_deliver(a, RELAYMSG_DELIVER, b2->m.id, "b3");
	assert_int_equal(rroom_member_cseq(&b2->m), 3);
	/* The evicted link's late cut changes nothing. */
	rroom_cut(h, &b->m, 0);
	expect_none(a);
	assert_int_equal(rroom_hub_away(h), 0);

	rroom_leave(h, &a->m);
	rroom_leave(h, &b2->m);
	buf_release(&msg);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(b2);
}

/* A hold that runs out ends the seat (LEFT), and then RESUME is refused;
 * past the cap on away seats, the one away longest ends first; detach
 * (the relay stopping) tells nobody. */
static void
test_hold_expiry_and_cap(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *c = fake_new(),
	    *d = fake_new(), *b2 = fake_new();
	uint8_t tb[RELAYMSG_TOKEN_BYTES], code;
	struct relaymsg m;
	uint32_t idb;

	(void)state;
	rroom_hub_set_hold(h, 5000, 2);
	join_ok(h, a, room_a, "alice", 0);
	join_token(h, b, room_a, "bob", tb, NULL);
	idb = b->m.id;
	join_ok(h, c, room_a, "carol", 2);
	join_ok(h, d, room_a, "dave", 3);
	expect_joined(a, idb, "bob");
	expect_joined(a, c->m.id, "carol");
	expect_joined(a, d->m.id, "dave");
	expect_joined(b, c->m.id, "carol");
	expect_joined(b, d->m.id, "dave");
	expect_joined(c, d->m.id, "dave");

	rroom_cut(h, &b->m, 1000);
	next(a, RELAYMSG_AWAY, &m);
	rroom_expire(h, 5999);
	expect_none(a);
	assert_int_equal(rroom_hub_away(h), 1);
	rroom_expire(h, 6000);
	expect_left(a, idb);
	assert_int_equal(rroom_hub_away(h), 0);
	assert_int_equal(rroom_hub_members(h), 3);
	assert_int_equal(send_resume(h, b2, room_a, idb, tb, 0, &code),
	    RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NO_SEAT);

	/* The cap: 2 away at most. */
	rroom_cut(h, &c->m, 7000);
	rroom_cut(h, &d->m, 7001);
	next(a, RELAYMSG_AWAY, &m);
	next(a, RELAYMSG_AWAY, &m);
	assert_int_equal(rroom_hub_away(h), 2);
	rroom_hub_set_hold(h, 5000, 1);
	rroom_cut(h, &a->m, 7002);	/* a third: carol's seat ends */
	assert_int_equal(rroom_hub_away(h), 1);
	assert_int_equal(rroom_hub_members(h), 1);

	/* Stopping: detached, nobody told. */
	rroom_expire(h, 1000000);
	assert_int_equal(rroom_hub_rooms(h), 0);
	assert_int_equal(roomlog_rooms(cur_log), 0);	/* log dropped */
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(c);
	fake_free(d);
	fake_free(b2);
}

static void
test_detach(void **state)
{
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new();
	size_t before;

	(void)state;
	join_ok(h, a, room_a, "alice", 0);
	join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, b->m.id, "bob");
	before = sends;
	rroom_detach(h, &a->m);
	rroom_detach(h, &b->m);
	assert_null(a->m.seat);
	assert_int_equal(sends, before);
	assert_int_equal(rroom_hub_members(h), 2);
	assert_int_equal(rroom_hub_away(h), 0);
	hub_free(h);
	fake_free(a);
	fake_free(b);
}

/*
 * A restart: the hub is rebuilt from the log file (reopened) with every
 * seat away, names, tokens and cseqs kept, member ids and the room's seq
 * going on after the highest; a resumed member gets what it missed.
 */
static void
test_restart(void **state)
{
	char dir[] = "/tmp/sotto-rroom-XXXXXX", path[128], p2[160];
	struct roomlog *log;
	struct rroom_hub *h;
	struct fake *a = fake_new(), *b = fake_new(), *a2 = fake_new(),
	    *b2 = fake_new(), *c = fake_new(), *x = fake_new();
	uint8_t ta[RELAYMSG_TOKEN_BYTES], tb[RELAYMSG_TOKEN_BYTES], code;
	struct relaymsg m;
	uint64_t seen_a, last;
	uint32_t ida, idb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, ROOMLOG_FILE);
	assert_int_equal(roomlog_open(&log, path, log_secret, &log_lim), 0);
	h = hub_on(log);
	join_token(h, a, room_a, "alice", ta, NULL);
	join_token(h, b, room_a, "bob", tb, NULL);
	ida = a->m.id;
	idb = b->m.id;
	next(a, RELAYMSG_JOINED, &m);
	seen_a = m.seq;
	assert_int_equal(send_bcast(h, b, "before 1"), 0);
	assert_int_equal(send_bcast(h, b, "before 2"), 0);
	next(a, RELAYMSG_DELIVER, &m);
	seen_a = m.seq;		/* a has seen "before 1" only */
	assert_int_equal(rroom_flush(h), 0);
	assert_int_equal(roomlog_commit(log), 0);
	last = 4;
	/* Written in a later turn and never committed: lost with the
	 * process, like its output, which nobody saw. */
	assert_int_equal(send_bcast(h, b, "never"), 0);
	rroom_hub_free(h);
	roomlog_close(log);

	assert_int_equal(roomlog_open(&log, path, log_secret, &log_lim), 0);
	h = hub_on(log);
	assert_int_equal(rroom_hub_load(h, 0), 0);
	assert_int_equal(rroom_hub_rooms(h), 1);
	assert_int_equal(rroom_hub_members(h), 2);
	assert_int_equal(rroom_hub_away(h), 2);
	/* The names are still taken; a newcomer's id is new. */
	assert_int_equal(send_join(h, x, room_a, "bob", &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_NAME_TAKEN);
	assert_int_equal(send_join(h, c, room_a, "carol", NULL), 0);
	next(c, RELAYMSG_WELCOME, &m);
	assert_int_equal(m.id, idb + 1);
	assert_int_equal(m.seq, last + 1);	/* the room's seq goes on */
	assert_int_equal(m.count, 2);
	/* alice resumes: the rest of what she missed, bob's cseq kept. */
	assert_int_equal(send_resume(h, a2, room_a, ida, ta, seen_a, &code),
	    0);
	next(a2, RELAYMSG_RESUMED, &m);
	assert_int_equal(m.id, ida);
	assert_int_equal(m.last, last + 1);	/* carol's JOINED */
	replay_all(h, a2);
	expect_deliver(a2, RELAYMSG_DELIVER, idb, "before 2");
	expect_joined(a2, c->m.id, "carol");
	expect_none(a2);
	assert_int_equal(send_resume(h, b2, room_a, idb, tb, last, &code), 0);
	next(b2, RELAYMSG_RESUMED, &m);
	assert_int_equal(m.cseq, 2);
	next(a2, RELAYMSG_BACK, &m);
	next(c, RELAYMSG_BACK, &m);	/* alice's */
	next(c, RELAYMSG_BACK, &m);	/* bob's */
	assert_int_equal(rroom_hub_away(h), 0);

	rroom_hub_free(h);
	roomlog_close(log);
	snprintf(p2, sizeof(p2), "%s-wal", path);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s-shm", path);
	unlink(p2);
	unlink(path);
	rmdir(dir);
	fake_free(a);
	fake_free(b);
	fake_free(a2);
	fake_free(b2);
	fake_free(c);
	fake_free(x);
}

static int
send_raw(struct rroom_hub *h, struct fake *f, struct buf *b, uint8_t *code)
{
	int r = rroom_input(h, &f->m, buf_ptr(b), buf_len(b), code);

	buf_reset(b);
	return r;
}

static void
test_lobby(void **state)
{
	static const uint8_t lobby[RELAYMSG_ROOM_ID_BYTES] = { 0x1b };
	static const uint8_t other[RELAYMSG_ROOM_ID_BYTES] = { 0x2b };
	static const uint8_t knock[] = { 0x10, 0x01, 0x51 };
	static const uint8_t answer[] = { 0x11, 0x01, 0x94 };
	struct rroom_hub *h = hub();
	struct fake *a = fake_new(), *b = fake_new(), *v = fake_new();
	struct fake *w = fake_new(), *x = fake_new();
	struct relaymsg m;
	struct buf q;
	uint32_t ida, idb, vis;
	uint8_t code = 0;

	(void)state;
	buf_init(&q, 1024);
	ida = join_ok(h, a, room_a, "alice", 0);
	idb = join_ok(h, b, room_a, "bob", 1);
	expect_joined(a, idb, "bob");

	/* Nobody has opened the door yet: a visitor is told so. */
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_VISIT, lobby), 0);
	assert_int_equal(send_raw(h, x, &q, &code), 0);
	next(x, RELAYMSG_VISITING, &m);
	assert_int_equal(m.count, 0);
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_KNOCK, 0, knock,
	    sizeof(knock)), 0);
	assert_int_equal(send_raw(h, x, &q, &code), 0);
	expect_error(x, RELAYMSG_ERR_NO_MEMBER);

	/* alice and bob open it (the same lobby id; another is refused).
	 * The hook hears of each LOBBY that holds, not of the refused. */
	lobby_calls = 0;
	assert_false(rroom_hub_has_lobby(h, lobby));
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_LOBBY, lobby), 0);
	assert_int_equal(send_raw(h, a, &q, NULL), 0);
	assert_int_equal(lobby_calls, 1);
	assert_memory_equal(lobby_last, lobby, sizeof(lobby));
	assert_true(rroom_hub_has_lobby(h, lobby));
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_LOBBY, lobby), 0);
	assert_int_equal(send_raw(h, b, &q, NULL), 0);
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_LOBBY, other), 0);
	assert_int_equal(send_raw(h, b, &q, &code), 0);
	assert_int_equal(code, RELAYMSG_ERR_LOBBY_TAKEN);
	expect_error(b, RELAYMSG_ERR_LOBBY_TAKEN);
	expect_none(a);
	assert_int_equal(lobby_calls, 2);
	assert_false(rroom_hub_has_lobby(h, other));

	/* A visitor: VISITING 2, then its knocks go to alice, then bob. */
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_VISIT, lobby), 0);
	assert_int_equal(send_raw(h, v, &q, NULL), 0);
	next(v, RELAYMSG_VISITING, &m);
	assert_int_equal(m.count, 2);
	assert_int_equal(rroom_hub_visitors(h), 1);
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_KNOCK, 0, knock,
	    sizeof(knock)), 0);
	assert_int_equal(send_raw(h, v, &q, NULL), 0);
	next(a, RELAYMSG_KNOCKED, &m);
	vis = m.id;
	assert_int_not_equal(vis, 0);
	assert_memory_equal(m.blob, knock, sizeof(knock));
	expect_none(b);
	/* bob may not answer a knock that went to alice; alice, once. */
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_OPEN, vis, answer,
	    sizeof(answer)), 0);
	assert_int_equal(send_raw(h, b, &q, NULL), 0);
	expect_none(v);
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_OPEN, vis, answer,
	    sizeof(answer)), 0);
	assert_int_equal(send_raw(h, a, &q, NULL), 0);
	next(v, RELAYMSG_OPENED, &m);
	assert_memory_equal(m.blob, answer, sizeof(answer));
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_OPEN, vis, answer,
	    sizeof(answer)), 0);
	assert_int_equal(send_raw(h, a, &q, NULL), 0);
	expect_none(v);
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_KNOCK, 0, knock,
	    sizeof(knock)), 0);
	assert_int_equal(send_raw(h, v, &q, NULL), 0);
	next(b, RELAYMSG_KNOCKED, &m);
	assert_int_equal(m.id, vis);
	expect_none(a);
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_KNOCK, 0, knock,
	    sizeof(knock)), 0);
	assert_int_equal(send_raw(h, v, &q, NULL), 0);
	expect_error(v, RELAYMSG_ERR_NO_MEMBER);

	/* WAITING: once per change, to the openers only. */
	rroom_tell_waiting(h);
	next(a, RELAYMSG_WAITING, &m);
	assert_int_equal(m.count, 1);
	next(b, RELAYMSG_WAITING, &m);
	assert_int_equal(m.count, 1);
	rroom_tell_waiting(h);
	expect_none(a);

	/* A visitor may not send what members do, nor a second VISIT. */
	assert_int_equal(relaymsg_put_lobby(&q, RELAYMSG_VISIT, lobby), 0);
	assert_int_equal(send_raw(h, w, &q, NULL), 0);
	next(w, RELAYMSG_VISITING, &m);
	assert_int_equal(relaymsg_put_bcast(&q, 1, knock, sizeof(knock)), 0);
	assert_int_equal(send_raw(h, w, &q, &code), RROOM_CLOSE);
	assert_int_equal(code, RELAYMSG_ERR_PROTOCOL);
	expect_error(w, RELAYMSG_ERR_PROTOCOL);
	rroom_leave(h, &w->m);
	assert_int_equal(rroom_hub_visitors(h), 1);

	/* Through the door: JOIN on the same link, and nothing earlier of
	 * the room was ever sent to it. */
	expect_none(v);
	join_ok(h, v, room_a, "carol", 2);
	assert_int_equal(rroom_hub_visitors(h), 0);
	expect_joined(a, v->m.id, "carol");
	expect_joined(b, v->m.id, "carol");
	rroom_tell_waiting(h);
	next(a, RELAYMSG_WAITING, &m);
	assert_int_equal(m.count, 0);
	next(b, RELAYMSG_WAITING, &m);
	expect_none(v);

	/* The room goes: its lobby with it (x, still visiting, stays). */
	rroom_leave(h, &v->m);
	rroom_leave(h, &a->m);
	rroom_leave(h, &b->m);
	assert_int_equal(rroom_hub_rooms(h), 0);
	assert_false(rroom_hub_has_lobby(h, lobby));
	(void)ida;
	x->m.knocks = 0;
	assert_int_equal(relaymsg_put_door(&q, RELAYMSG_KNOCK, 0, knock,
	    sizeof(knock)), 0);
	assert_int_equal(send_raw(h, x, &q, NULL), 0);
	expect_error(x, RELAYMSG_ERR_NO_MEMBER);
	rroom_leave(h, &x->m);
	buf_release(&q);
	hub_free(h);
	fake_free(a);
	fake_free(b);
	fake_free(v);
	fake_free(w);
	fake_free(x);
}

int
main(void)

{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join_and_welcome),
		cmocka_unit_test(test_name_taken),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_bcast_to_others_in_order),
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_nick),
		cmocka_unit_test(test_room_cap_and_ids),
		cmocka_unit_test(test_many_rooms),
		cmocka_unit_test(test_leave_idempotent),
		cmocka_unit_test(test_busy_and_foreach),
		cmocka_unit_test(test_seq_and_cseq),
		cmocka_unit_test(test_cut_and_resume),
		cmocka_unit_test(test_resume_evicts_and_keeps_cseq),
		cmocka_unit_test(test_hold_expiry_and_cap),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_lobby),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
