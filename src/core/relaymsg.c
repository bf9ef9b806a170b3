/* relaymsg.c: encoding and parsing of member <-> relay messages (see
 * relaymsg.h). */
#include <string.h>

#include "buf.h"
#include "err.h"
#include "relaymsg.h"

/* A name: u8 length (1..RELAYMSG_MAX_NAME) then the bytes, as a view. */
static int
get_name(struct buf *b, const uint8_t **name, size_t *len)
{
	uint8_t n;
	int r;

	if ((r = buf_get_u8(b, &n)) != 0)
		return r;
	if (n == 0)
		return ERR_FORMAT;
	if (n > RELAYMSG_MAX_NAME)
		return ERR_TOO_LARGE;
	if ((r = buf_get_view(b, n, name)) != 0)
		return r;
	*len = n;
	return 0;
}

/* A member id: u32, never 0. */
static int
get_id(struct buf *b, uint32_t *id)
{
	int r;

	if ((r = buf_get_u32(b, id)) != 0)
		return r;
	return *id == 0 ? ERR_FORMAT : 0;
}

/* A blob: everything left, 1..RELAYMSG_MAX_BLOB bytes. */
static int
get_blob(struct buf *b, const uint8_t **blob, size_t *len)
{
	size_t n = buf_len(b);
	int r;

	if (n == 0)
		return ERR_FORMAT;
	if (n > RELAYMSG_MAX_BLOB)
		return ERR_TOO_LARGE;
	if ((r = buf_get_view(b, n, blob)) != 0)
		return r;
	*len = n;
	return 0;
}

/* A lobby blob: everything left, 1..max bytes. */
static int
get_small_blob(struct buf *b, size_t max, const uint8_t **blob, size_t *len)
{
	if (buf_len(b) > max)
		return ERR_TOO_LARGE;
	return get_blob(b, blob, len);
}

/* A sequence number or cseq that must not be 0. */
static int
get_seq(struct buf *b, uint64_t *seq)
{
	int r;

	if ((r = buf_get_u64(b, seq)) != 0)
		return r;
	return *seq == 0 ? ERR_FORMAT : 0;
}

static int
get_cseq(struct buf *b, uint32_t *cseq)
{
	int r;

	if ((r = buf_get_u32(b, cseq)) != 0)
		return r;
	return *cseq == 0 ? ERR_FORMAT : 0;
}

/* One member list entry: id || flags || name. */
static int
get_member(struct buf *b, struct relaymsg_member *mem)
{
	int r;

	if ((r = get_id(b, &mem->id)) != 0 ||
	    (r = buf_get_u8(b, &mem->flags)) != 0 ||
	    (r = get_name(b, &mem->name, &mem->name_len)) != 0)
		return r;
	return 0;
}

/* WELCOME's and RESUMED's tail: u16 count, then exactly 'count'
 * well-formed entries, all checked here. */
static int
get_members(struct buf *b, struct relaymsg *t)
{
	struct relaymsg_member mem;
	uint16_t i;
	int r;

	if ((r = buf_get_u16(b, &t->count)) != 0)
		return r;
	if (t->count > RELAYMSG_MAX_MEMBERS)
		return ERR_TOO_LARGE;
	t->members = buf_ptr(b);
	for (i = 0; i < t->count; i++)
		if ((r = get_member(b, &mem)) != 0)
			return r;
	t->members_len = (size_t)(buf_ptr(b) - t->members);
	if (t->members_len == 0)
		t->members = NULL;
	return 0;
}

/* BATCH: every item checked here: 1..max bytes, not a batch. */
static int
get_batch(struct buf *b, struct relaymsg *t)
{
	const uint8_t *item;
	uint32_t ilen;
	int r;

	t->blob = buf_ptr(b);
	t->blob_len = buf_len(b);
	if (t->blob_len == 0)
		return ERR_FORMAT;
	if (t->blob_len > RELAYMSG_MAX_BATCH)
		return ERR_TOO_LARGE;
	while (buf_len(b) > 0) {
		if ((r = buf_get_u32(b, &ilen)) != 0)
			return r;
		if (ilen == 0)
			return ERR_FORMAT;
		if (ilen > buf_len(b))
			return ERR_TRUNCATED;
		if ((r = buf_get_view(b, ilen, &item)) != 0)
			return r;
		if (item[0] == RELAYMSG_BATCH)
			return ERR_FORMAT;
		t->count++;
	}
	return 0;
}

/* The body of t->type from b, into t; 0 or an error. */
static int
get_body(struct buf *b, struct relaymsg *t)
{
	uint8_t n;
	int r;

	switch (t->type) {
	case RELAYMSG_JOIN:
		if ((r = buf_get_fixed(b, t->room_id,
		    sizeof(t->room_id))) != 0)
			return r;
		return get_name(b, &t->name, &t->name_len);
	case RELAYMSG_BCAST:
		if ((r = get_cseq(b, &t->cseq)) != 0)
			return r;
		return get_blob(b, &t->blob, &t->blob_len);
	case RELAYMSG_DIRECT:
		if ((r = get_cseq(b, &t->cseq)) != 0 ||
		    (r = get_id(b, &t->id)) != 0)
			return r;
		return get_blob(b, &t->blob, &t->blob_len);
	case RELAYMSG_NICK:
		return get_name(b, &t->name, &t->name_len);
	case RELAYMSG_RESUME:
		/* 'seen' may be 0: nothing handled yet. */
		if ((r = buf_get_fixed(b, t->room_id,
		    sizeof(t->room_id))) != 0 ||
		    (r = get_id(b, &t->id)) != 0 ||
		    (r = buf_get_view(b, RELAYMSG_TOKEN_BYTES,
		    &t->token)) != 0)
			return r;
		return buf_get_u64(b, &t->seq);
	case RELAYMSG_WELCOME:
		if ((r = get_id(b, &t->id)) != 0 ||
		    (r = buf_get_view(b, RELAYMSG_TOKEN_BYTES,
		    &t->token)) != 0 ||
		    (r = get_seq(b, &t->seq)) != 0)
			return r;
		return get_members(b, t);
	case RELAYMSG_RESUMED:
		/* 'cseq' may be 0: nothing accepted from the seat yet. */
		/* 'last' may be anything, 0 included: the member's own
		 * 'seen' when nothing is replayed to it. */
		if ((r = get_id(b, &t->id)) != 0 ||
		    (r = get_seq(b, &t->seq)) != 0 ||
		    (r = buf_get_u64(b, &t->last)) != 0 ||
		    (r = buf_get_u32(b, &t->cseq)) != 0)
			return r;
		return get_members(b, t);
	case RELAYMSG_JOINED:
	case RELAYMSG_NICKED:
		if ((r = get_seq(b, &t->seq)) != 0 ||
		    (r = get_id(b, &t->id)) != 0)
			return r;
		return get_name(b, &t->name, &t->name_len);
	case RELAYMSG_LEFT:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		if ((r = get_seq(b, &t->seq)) != 0)
			return r;
		return get_id(b, &t->id);
	case RELAYMSG_DELIVER:
	case RELAYMSG_DELIVER_DIRECT:
		if ((r = get_seq(b, &t->seq)) != 0 ||
		    (r = get_id(b, &t->id)) != 0)
			return r;
		return get_blob(b, &t->blob, &t->blob_len);
	case RELAYMSG_ACCEPTED:
		return get_cseq(b, &t->cseq);
	case RELAYMSG_LOBBY:
	case RELAYMSG_VISIT:
		return buf_get_fixed(b, t->room_id, sizeof(t->room_id));
	case RELAYMSG_KNOCK:
		return get_small_blob(b, RELAYMSG_MAX_KNOCK, &t->blob,
		    &t->blob_len);
	case RELAYMSG_KNOCKED:
		if ((r = get_id(b, &t->id)) != 0)
			return r;
		return get_small_blob(b, RELAYMSG_MAX_KNOCK, &t->blob,
		    &t->blob_len);
	case RELAYMSG_OPEN:
		if ((r = get_id(b, &t->id)) != 0)
			return r;
		return get_small_blob(b, RELAYMSG_MAX_OPEN, &t->blob,
		    &t->blob_len);
	case RELAYMSG_OPENED:
		return get_small_blob(b, RELAYMSG_MAX_OPEN, &t->blob,
		    &t->blob_len);
	case RELAYMSG_VISITING:
	case RELAYMSG_WAITING:
		return buf_get_u16(b, &t->count);
	case RELAYMSG_BATCH:
		return get_batch(b, t);
	case RELAYMSG_ERROR:
		/* The text may be empty; its length byte bounds it. */
		if ((r = buf_get_u8(b, &t->code)) != 0 ||
		    (r = buf_get_u8(b, &n)) != 0 ||
		    (r = buf_get_view(b, n, &t->blob)) != 0)
			return r;
		t->blob_len = n;
		if (n == 0)
			t->blob = NULL;
		return 0;
	}
	return ERR_TYPE;
}

int
relaymsg_parse(struct relaymsg *m, const uint8_t *p, size_t len)
{
	struct relaymsg t;
	struct buf b;
	int r;

	memset(m, 0, sizeof(*m));
	memset(&t, 0, sizeof(t));
	buf_view(&b, p, len);
	if ((r = buf_get_u8(&b, &t.type)) != 0 ||
	    (r = get_body(&b, &t)) != 0 ||
	    (r = buf_expect_end(&b)) != 0)
		return r;
	*m = t;
	return 0;
}

int
relaymsg_welcome_next(const struct relaymsg *m, size_t *off,
    struct relaymsg_member *mem)
{
	struct buf b;

	memset(mem, 0, sizeof(*mem));
	if ((m->type != RELAYMSG_WELCOME && m->type != RELAYMSG_RESUMED) ||
	    m->members == NULL || *off >= m->members_len)
		return 0;
	/* Parsed once already; checked again so that a stray offset can
	 * never read outside the list. */
	buf_view(&b, m->members + *off, m->members_len - *off);
	if (get_member(&b, mem) != 0) {
		memset(mem, 0, sizeof(*mem));
		return 0;
	}
	*off = m->members_len - buf_len(&b);
	return 1;
}

/* --- encoders --------------------------------------------------------- */

/*
 * Each encoder checks every argument, then reserves the whole message at
 * once and writes it in place, so a failure appends nothing.
 */

static uint8_t *
put32(uint8_t *q, uint32_t v)
{
	q[0] = (uint8_t)(v >> 24);
	q[1] = (uint8_t)(v >> 16);
	q[2] = (uint8_t)(v >> 8);
	q[3] = (uint8_t)v;
	return q + 4;
}

static uint8_t *
put64(uint8_t *q, uint64_t v)
{
	q = put32(q, (uint32_t)(v >> 32));
	return put32(q, (uint32_t)v);
}

static uint8_t *
putn(uint8_t *q, const void *p, size_t n)
{
	if (n > 0)
		memcpy(q, p, n);
	return q + n;
}

static uint8_t *
put_name(uint8_t *q, const char *name, size_t nlen)
{
	*q++ = (uint8_t)nlen;
	return putn(q, name, nlen);
}

/* The length of a valid name, or an error. */
static int
name_len(const char *name, size_t *len)
{
	if (name == NULL)
		return ERR_INVALID_ARG;
	*len = strnlen(name, RELAYMSG_MAX_NAME + 1);
	if (*len == 0)
		return ERR_FORMAT;
	if (*len > RELAYMSG_MAX_NAME)
		return ERR_TOO_LARGE;
	return 0;
}

static int
blob_ok(const uint8_t *blob, size_t len)
{
	if (len == 0)
		return ERR_FORMAT;
	if (len > RELAYMSG_MAX_BLOB)
		return ERR_TOO_LARGE;
	if (blob == NULL)
		return ERR_INVALID_ARG;
	return 0;
}

int
relaymsg_put_join(struct buf *out,
    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], const char *name)
{
	size_t nlen;
	uint8_t *q;
	int r;

	if (room_id == NULL)
		return ERR_INVALID_ARG;
	if ((r = name_len(name, &nlen)) != 0 ||
	    (r = buf_reserve(out, 1 + RELAYMSG_ROOM_ID_BYTES + 1 + nlen,
	    &q)) != 0)
		return r;
	*q++ = RELAYMSG_JOIN;
	q = putn(q, room_id, RELAYMSG_ROOM_ID_BYTES);
	put_name(q, name, nlen);
	return 0;
}

int
relaymsg_put_bcast(struct buf *out, uint32_t cseq, const uint8_t *blob,
    size_t len)
{
	uint8_t *q;
	int r;

	if (cseq == 0)
		return ERR_FORMAT;
	if ((r = blob_ok(blob, len)) != 0 ||
	    (r = buf_reserve(out, 1 + 4 + len, &q)) != 0)
		return r;
	*q++ = RELAYMSG_BCAST;
	q = put32(q, cseq);
	putn(q, blob, len);
	return 0;
}

int
relaymsg_put_direct(struct buf *out, uint32_t cseq, uint32_t to,
    const uint8_t *blob, size_t len)
{
	uint8_t *q;
	int r;

	if (cseq == 0 || to == 0)
		return ERR_FORMAT;
	if ((r = blob_ok(blob, len)) != 0 ||
	    (r = buf_reserve(out, 1 + 4 + 4 + len, &q)) != 0)
		return r;
	*q++ = RELAYMSG_DIRECT;
	q = put32(q, cseq);
	q = put32(q, to);
	putn(q, blob, len);
	return 0;
}

int
relaymsg_put_nick(struct buf *out, const char *name)
{
	size_t nlen;
	uint8_t *q;
	int r;

	if ((r = name_len(name, &nlen)) != 0 ||
	    (r = buf_reserve(out, 1 + 1 + nlen, &q)) != 0)
		return r;
	*q++ = RELAYMSG_NICK;
	put_name(q, name, nlen);
	return 0;
}

int
relaymsg_put_resume(struct buf *out,
    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], uint32_t seat,
    const uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t seen)
{
	uint8_t *q;
	int r;

	if (room_id == NULL || token == NULL)
		return ERR_INVALID_ARG;
	if (seat == 0)
		return ERR_FORMAT;
	if ((r = buf_reserve(out, 1 + RELAYMSG_ROOM_ID_BYTES + 4 +
	    RELAYMSG_TOKEN_BYTES + 8, &q)) != 0)
		return r;
	*q++ = RELAYMSG_RESUME;
	q = putn(q, room_id, RELAYMSG_ROOM_ID_BYTES);
	q = put32(q, seat);
	q = putn(q, token, RELAYMSG_TOKEN_BYTES);
	put64(q, seen);
	return 0;
}

int
relaymsg_put_welcome_start(struct buf *out, uint32_t you,
    const uint8_t token[RELAYMSG_TOKEN_BYTES], uint64_t seq, uint16_t count)
{
	uint8_t *q;
	int r;

	if (token == NULL)
		return ERR_INVALID_ARG;
	if (you == 0 || seq == 0)
		return ERR_FORMAT;
	if (count > RELAYMSG_MAX_MEMBERS)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, 1 + 4 + RELAYMSG_TOKEN_BYTES + 8 + 2,
	    &q)) != 0)
		return r;
	*q++ = RELAYMSG_WELCOME;
	q = put32(q, you);
	q = putn(q, token, RELAYMSG_TOKEN_BYTES);
	q = put64(q, seq);
	q[0] = (uint8_t)(count >> 8);
	q[1] = (uint8_t)count;
	return 0;
}

int
relaymsg_put_resumed_start(struct buf *out, uint32_t you, uint64_t first,
    uint64_t last, uint32_t cseq, uint16_t count)
{
	uint8_t *q;
	int r;

	if (you == 0 || first == 0)
		return ERR_FORMAT;
	if (count > RELAYMSG_MAX_MEMBERS)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, 1 + 4 + 8 + 8 + 4 + 2, &q)) != 0)
		return r;
	*q++ = RELAYMSG_RESUMED;
	q = put32(q, you);
	q = put64(q, first);
	q = put64(q, last);
	q = put32(q, cseq);
	q[0] = (uint8_t)(count >> 8);
	q[1] = (uint8_t)count;
	return 0;
}

int
relaymsg_put_welcome_member(struct buf *out, uint32_t id, uint8_t flags,
    const char *name)
{
	size_t nlen;
	uint8_t *q;
	int r;

	if (id == 0)
		return ERR_FORMAT;
	if ((r = name_len(name, &nlen)) != 0 ||
	    (r = buf_reserve(out, 4 + 1 + 1 + nlen, &q)) != 0)
		return r;
	q = put32(q, id);
	*q++ = flags;
	put_name(q, name, nlen);
	return 0;
}

int
relaymsg_put_member_event(struct buf *out, uint8_t type, uint64_t seq,
    uint32_t id, const char *name)
{
	size_t nlen = 0;
	uint8_t *q;
	int r;

	switch (type) {
	case RELAYMSG_LEFT:
	case RELAYMSG_AWAY:
	case RELAYMSG_BACK:
		if (name != NULL)
			return ERR_INVALID_ARG;
		break;
	case RELAYMSG_JOINED:
	case RELAYMSG_NICKED:
		if ((r = name_len(name, &nlen)) != 0)
			return r;
		break;
	default:
		return ERR_TYPE;
	}
	if (id == 0 || seq == 0)
		return ERR_FORMAT;
	if ((r = buf_reserve(out, 1 + 8 + 4 + (nlen > 0 ? 1 + nlen : 0),
	    &q)) != 0)
		return r;
	*q++ = type;
	q = put64(q, seq);
	q = put32(q, id);
	if (nlen > 0)
		put_name(q, name, nlen);
	return 0;
}

int
relaymsg_put_deliver(struct buf *out, uint8_t type, uint64_t seq,
    uint32_t from, const uint8_t *blob, size_t len)
{
	uint8_t *q;
	int r;

	if (type != RELAYMSG_DELIVER && type != RELAYMSG_DELIVER_DIRECT)
		return ERR_TYPE;
	if (seq == 0 || from == 0)
		return ERR_FORMAT;
	if ((r = blob_ok(blob, len)) != 0 ||
	    (r = buf_reserve(out, 1 + 8 + 4 + len, &q)) != 0)
		return r;
	*q++ = type;
	q = put64(q, seq);
	q = put32(q, from);
	putn(q, blob, len);
	return 0;
}

int
relaymsg_put_accepted(struct buf *out, uint32_t cseq)
{
	uint8_t *q;
	int r;

	if (cseq == 0)
		return ERR_FORMAT;
	if ((r = buf_reserve(out, 1 + 4, &q)) != 0)
		return r;
	*q++ = RELAYMSG_ACCEPTED;
	put32(q, cseq);
	return 0;
}

int
relaymsg_put_error(struct buf *out, uint8_t code, const char *text)
{
	size_t tlen;
	uint8_t *q;
	int r;

	if (text == NULL)
		return ERR_INVALID_ARG;
	if ((tlen = strnlen(text, 256)) > 255)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, 1 + 1 + 1 + tlen, &q)) != 0)
		return r;
	*q++ = RELAYMSG_ERROR;
	*q++ = code;
	*q++ = (uint8_t)tlen;
	putn(q, text, tlen);
	return 0;
}

int
relaymsg_put_lobby(struct buf *out, uint8_t type,
    const uint8_t lobby_id[RELAYMSG_ROOM_ID_BYTES])
{
	uint8_t *q;
	int r;

	if (type != RELAYMSG_LOBBY && type != RELAYMSG_VISIT)
		return ERR_TYPE;
	if (lobby_id == NULL)
		return ERR_INVALID_ARG;
	if ((r = buf_reserve(out, 1 + RELAYMSG_ROOM_ID_BYTES, &q)) != 0)
		return r;
	*q++ = type;
	putn(q, lobby_id, RELAYMSG_ROOM_ID_BYTES);
	return 0;
}

int
relaymsg_put_door(struct buf *out, uint8_t type, uint32_t visitor,
    const uint8_t *blob, size_t len)
{
	size_t max = RELAYMSG_MAX_OPEN;
	int with_id = 0, r;
	uint8_t *q;

	switch (type) {
	case RELAYMSG_KNOCKED:
		with_id = 1;
		/* FALLTHROUGH */
	case RELAYMSG_KNOCK:
		max = RELAYMSG_MAX_KNOCK;
		break;
	case RELAYMSG_OPEN:
		with_id = 1;
		break;
	case RELAYMSG_OPENED:
		break;
	default:
		return ERR_TYPE;
	}
	if ((with_id && visitor == 0) || (!with_id && visitor != 0))
		return ERR_FORMAT;
	if ((r = blob_ok(blob, len)) != 0)
		return r;
	if (len > max)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(out, 1 + (with_id ? 4 : 0) + len, &q)) != 0)
		return r;
	*q++ = type;
	if (with_id)
		q = put32(q, visitor);
	putn(q, blob, len);
	return 0;
}

int
relaymsg_put_count(struct buf *out, uint8_t type, uint16_t count)
{
	uint8_t *q;
	int r;

	if (type != RELAYMSG_VISITING && type != RELAYMSG_WAITING)
		return ERR_TYPE;
	if ((r = buf_reserve(out, 3, &q)) != 0)
		return r;
	q[0] = type;
	q[1] = (uint8_t)(count >> 8);
	q[2] = (uint8_t)count;
	return 0;
}

int
relaymsg_batch_next(const struct relaymsg *m, size_t *off, const uint8_t **p,
    size_t *len)
{
	struct buf b;
	uint32_t ilen;

	*p = NULL;
	*len = 0;
	if (m->type != RELAYMSG_BATCH || *off >= m->blob_len)
		return 0;
	/* relaymsg_parse validated the whole list: no checks can fail. */
	buf_view(&b, m->blob + *off, m->blob_len - *off);
	if (buf_get_u32(&b, &ilen) != 0 || buf_get_view(&b, ilen, p) != 0)
		return 0;
	*len = ilen;
	*off += 4 + (size_t)ilen;
	return 1;
}

int
relaymsg_put_batch_item(struct buf *out, const uint8_t *msg, size_t len)
{
	int r;

	if (len == 0 || msg[0] == RELAYMSG_BATCH)
		return ERR_FORMAT;
	if (len > RELAYMSG_MAX_BATCH - 4)
		return ERR_TOO_LARGE;
	if (buf_len(out) == 0 && (r = buf_put_u8(out, RELAYMSG_BATCH)) != 0)
		return r;
	if ((r = buf_put_u32(out, (uint32_t)len)) != 0)
		return r;
	if ((r = buf_put(out, msg, len)) != 0) {
		buf_unput(out, 4);
		return r;
	}
	return 0;
}
