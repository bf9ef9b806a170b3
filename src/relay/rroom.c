/* rroom.c: the relay's rooms and membership, without I/O (see rroom.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "known_peers.h"
#include "relaymsg.h"
#include "rroom.h"

#define RROOM_MIN_BUCKETS	64
/* The largest message the relay builds: a DELIVER of the largest blob
 * (a full WELCOME is smaller: 47 + 1024 * 38 bytes). */
#define RROOM_MSG_MAX		(1 + 8 + 4 + RELAYMSG_MAX_BLOB)

struct rroom {
	uint8_t				 id[RELAYMSG_ROOM_ID_BYTES];
	struct rroom			*next;	/* hash chain */
	TAILQ_HEAD(, rroom_member)	 members;	/* in join order */
	size_t				 n;
	uint64_t			 seq;	/* of the last event */
	unsigned			 busy;	/* rroom_busy_add */
};

struct rroom_hub {
	struct rroom		**tab;
	size_t			 nbuckets;	/* a power of two */
	size_t			 nrooms;
	size_t			 nmembers;
	uint8_t			 key[RROOM_KEY_BYTES];
	uint32_t		 next_id;	/* 0 once ids ran out */
	struct rroom_ops	 ops;
	void			*arg;
	struct buf		 msg;	/* the message being sent out */
	uint8_t			 code;	/* last ERROR sent, for rroom_input */
};

/*
 * Room ids are chosen by whoever creates a room, so an attacker could
 * pick ids that collide in a predictable hash; SipHash with a secret key
 * keeps the chains short.
 */
static size_t
bucket_of(const struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES],
    size_t nbuckets)
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t v = 0;
	size_t i;

	crypto_shorthash(out, id, RELAYMSG_ROOM_ID_BYTES, h->key);
	for (i = 0; i < sizeof(out); i++)
		v = (v << 8) | out[i];
	return (size_t)(v & (nbuckets - 1));
}

int
rroom_hub_new(struct rroom_hub **hp, const uint8_t key[RROOM_KEY_BYTES],
    const struct rroom_ops *ops, void *arg)
{
	struct rroom_hub *h;

	*hp = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return ERR_ALLOC;
	if ((h->tab = calloc(RROOM_MIN_BUCKETS, sizeof(*h->tab))) == NULL) {
		free(h);
		return ERR_ALLOC;
	}
	h->nbuckets = RROOM_MIN_BUCKETS;
	memcpy(h->key, key, RROOM_KEY_BYTES);
	h->next_id = 1;
	h->ops = *ops;
	h->arg = arg;
	buf_init(&h->msg, RROOM_MSG_MAX);
	*hp = h;
	return 0;
}

void
rroom_hub_free(struct rroom_hub *h)
{
	struct rroom *room, *next;
	struct rroom_member *m;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nbuckets; i++)
		for (room = h->tab[i]; room != NULL; room = next) {
			next = room->next;
			while ((m = TAILQ_FIRST(&room->members)) != NULL) {
				TAILQ_REMOVE(&room->members, m, entry);
				m->room = NULL;
			}
			free(room);
		}
	free(h->tab);
	buf_release(&h->msg);
	sodium_memzero(h->key, sizeof(h->key));
	free(h);
}

void
rroom_member_init(struct rroom_member *m)
{
	memset(m, 0, sizeof(*m));
}

size_t
rroom_hub_rooms(const struct rroom_hub *h)
{
	return h->nrooms;
}

size_t
rroom_hub_members(const struct rroom_hub *h)
{
	return h->nmembers;
}

size_t
rroom_size(const struct rroom_member *m)
{
	return m->room != NULL ? m->room->n : 0;
}

unsigned
rroom_busy_add(struct rroom_member *m, int delta)
{
	struct rroom *room = m->room;

	if (room == NULL)
		return 0;
	if (delta < 0 && (unsigned)-delta > room->busy)
		room->busy = 0;
	else
		room->busy = (unsigned)((int)room->busy + delta);
	return room->busy;
}

void
rroom_foreach(struct rroom_member *m,
    void (*fn)(struct rroom_member *, void *), void *arg)
{
	struct rroom_member *o;

	if (m->room == NULL)
		return;
	TAILQ_FOREACH(o, &m->room->members, entry)
		fn(o, arg);
}

/* --- the room table ------------------------------------------------------ */

static struct rroom *
room_find(const struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	struct rroom *room;

	for (room = h->tab[bucket_of(h, id, h->nbuckets)]; room != NULL;
	    room = room->next)
		if (memcmp(room->id, id, RELAYMSG_ROOM_ID_BYTES) == 0)
			return room;
	return NULL;
}

/* Doubles the table; on allocation failure it just stays as it is. */
static void
table_grow(struct rroom_hub *h)
{
	struct rroom **tab, *room, *next;
	size_t n = h->nbuckets * 2, i, b;

	if (n > SIZE_MAX / sizeof(*tab) || (tab = calloc(n, sizeof(*tab))) ==
	    NULL)
		return;
	for (i = 0; i < h->nbuckets; i++)
		for (room = h->tab[i]; room != NULL; room = next) {
			next = room->next;
			b = bucket_of(h, room->id, n);
			room->next = tab[b];
			tab[b] = room;
		}
	free(h->tab);
	h->tab = tab;
	h->nbuckets = n;
}

static struct rroom *
room_new(struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	struct rroom *room;
	size_t b;

	if ((room = calloc(1, sizeof(*room))) == NULL)
		return NULL;
	memcpy(room->id, id, RELAYMSG_ROOM_ID_BYTES);
	TAILQ_INIT(&room->members);
	if (h->nrooms >= h->nbuckets)
		table_grow(h);
	b = bucket_of(h, id, h->nbuckets);
	room->next = h->tab[b];
	h->tab[b] = room;
	h->nrooms++;
	return room;
}

static void
room_free(struct rroom_hub *h, struct rroom *room)
{
	struct rroom **pp;

	for (pp = &h->tab[bucket_of(h, room->id, h->nbuckets)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == room) {
			*pp = room->next;
			break;
		}
	h->nrooms--;
	/* The room id is the members' secret rendezvous: don't leave it
	 * lying in freed memory. */
	sodium_memzero(room->id, sizeof(room->id));
	free(room);
}

/* --- sending ------------------------------------------------------------- */

/* Sends h->msg to every member of room but 'except' (may be NULL), in
 * join order, and forgets it. */
static void
send_room(struct rroom_hub *h, struct rroom *room,
    const struct rroom_member *except)
{
	struct rroom_member *o;

	TAILQ_FOREACH(o, &room->members, entry)
		if (o != except)
			h->ops.send(h->arg, o, buf_ptr(&h->msg),
			    buf_len(&h->msg));
	buf_reset(&h->msg);
}

static void
send_one(struct rroom_hub *h, struct rroom_member *m)
{
	h->ops.send(h->arg, m, buf_ptr(&h->msg), buf_len(&h->msg));
	buf_reset(&h->msg);
}

/* An ERROR to m alone; 0 or an encoding error. */
static int
send_error(struct rroom_hub *h, struct rroom_member *m, uint8_t code,
    const char *text)
{
	int r;

	buf_reset(&h->msg);
	if ((r = relaymsg_put_error(&h->msg, code, text)) != 0)
		return r;
	h->code = code;
	send_one(h, m);
	return 0;
}

/* An ERROR, then the link is to end. */
static int
fail(struct rroom_hub *h, struct rroom_member *m, uint8_t code,
    const char *text)
{
	int r;

	return (r = send_error(h, m, code, text)) != 0 ? r : RROOM_CLOSE;
}

/* --- members ------------------------------------------------------------- */

/* Copies a name from the wire into out if it is valid: the same rules as
 * a peer name (peers_name_valid), and no NUL inside; key gets what it
 * looks like. */
static int
name_take(const uint8_t *p, size_t len, char out[RELAYMSG_MAX_NAME + 1],
    uint8_t key[NAMES_SKEL_BYTES])
{
	if (len == 0 || len > RELAYMSG_MAX_NAME || memchr(p, 0, len) != NULL)
		return 0;
	memcpy(out, p, len);
	out[len] = '\0';
	return peers_name_valid(out) && names_skeleton_key(p, len, key) == 0;
}

/* The member whose name is the same as, or looks like, the one whose
 * confusable key is key. */
static struct rroom_member *
member_by_name(struct rroom *room, const uint8_t key[NAMES_SKEL_BYTES])
{
	struct rroom_member *o;

	TAILQ_FOREACH(o, &room->members, entry)
		if (memcmp(o->name_key, key, NAMES_SKEL_BYTES) == 0)
			return o;
	return NULL;
}

static struct rroom_member *
member_by_id(struct rroom *room, uint32_t id)
{
	struct rroom_member *o;

	TAILQ_FOREACH(o, &room->members, entry)
		if (o->id == id)
			return o;
	return NULL;
}

static int
do_join(struct rroom_hub *h, struct rroom_member *m, const struct relaymsg *msg)
{
	char name[RELAYMSG_MAX_NAME + 1];
	uint8_t token[RELAYMSG_TOKEN_BYTES];
	uint8_t key[NAMES_SKEL_BYTES];
	struct rroom *room;
	struct rroom_member *o;
	int r, created = 0;

	if (!name_take(msg->name, msg->name_len, name, key))
		return fail(h, m, RELAYMSG_ERR_BAD_NAME, "not a valid name");
	if ((room = room_find(h, msg->room_id)) != NULL) {
		if (room->n >= RELAYMSG_MAX_MEMBERS)
			return fail(h, m, RELAYMSG_ERR_ROOM_FULL,
			    "room is full");
		if (member_by_name(room, key) != NULL)
			return fail(h, m, RELAYMSG_ERR_NAME_TAKEN,
			    "name already in use in this room");
	}
	if (h->next_id == 0)
		return fail(h, m, RELAYMSG_ERR_ROOM_FULL,
		    "relay out of member ids: restart it");
	if (room == NULL) {
		if ((room = room_new(h, msg->room_id)) == NULL)
			return ERR_ALLOC;
		created = 1;
	}

	/* The newcomer learns who is there, and the seq of its own
	 * JOINED: where its view of the room starts... */
	randombytes_buf(token, sizeof(token));
	buf_reset(&h->msg);
	if ((r = relaymsg_put_welcome_start(&h->msg, h->next_id, token,
	    room->seq + 1, (uint16_t)room->n)) != 0)
		goto bug;
	TAILQ_FOREACH(o, &room->members, entry)
		if ((r = relaymsg_put_welcome_member(&h->msg, o->id, 0,
		    o->name)) != 0)
			goto bug;
	m->id = h->next_id++;
	memcpy(m->name, name, sizeof(name));
	m->name_len = (uint8_t)msg->name_len;
	memcpy(m->name_key, key, sizeof(key));
	send_one(h, m);

	/* ...and those there learn of the newcomer. */
	if ((r = relaymsg_put_member_event(&h->msg, RELAYMSG_JOINED,
	    ++room->seq, m->id, m->name)) != 0)
		goto bug;
	send_room(h, room, NULL);
	TAILQ_INSERT_TAIL(&room->members, m, entry);
	m->room = room;
	room->n++;
	h->nmembers++;
	return 0;
 bug:
	/* Only reachable through a bug: every name here was checked. */
	buf_reset(&h->msg);
	if (created)
		room_free(h, room);
	return r == ERR_ALLOC ? r : ERR_INTERNAL;
}

static int
do_nick(struct rroom_hub *h, struct rroom_member *m, const struct relaymsg *msg)
{
	char name[RELAYMSG_MAX_NAME + 1];
	uint8_t key[NAMES_SKEL_BYTES];
	struct rroom_member *o;
	int r;

	/* Neither refusal ends the link: the member keeps its old name. */
	if (!name_take(msg->name, msg->name_len, name, key))
		return send_error(h, m, RELAYMSG_ERR_BAD_NAME,
		    "not a valid name");
	o = member_by_name(m->room, key);
	if (o != NULL && o != m)
		return send_error(h, m, RELAYMSG_ERR_NAME_TAKEN,
		    "name already in use in this room");
	memcpy(m->name, name, sizeof(name));
	m->name_len = (uint8_t)msg->name_len;
	memcpy(m->name_key, key, sizeof(key));
	buf_reset(&h->msg);
	if ((r = relaymsg_put_member_event(&h->msg, RELAYMSG_NICKED,
	    ++m->room->seq, m->id, m->name)) != 0)
		return r;
	send_room(h, m->room, NULL);
	return 0;
}

static int
input(struct rroom_hub *h, struct rroom_member *m, const uint8_t *p,
    size_t len)
{
	struct relaymsg msg;
	struct rroom_member *to;
	int r;

	if (relaymsg_parse(&msg, p, len) != 0)
		return fail(h, m, RELAYMSG_ERR_PROTOCOL, "malformed message");
	if (m->room == NULL) {
		if (msg.type == RELAYMSG_RESUME)
			return fail(h, m, RELAYMSG_ERR_NO_SEAT,
			    "no such seat");
		if (msg.type != RELAYMSG_JOIN)
			return fail(h, m, RELAYMSG_ERR_PROTOCOL,
			    "JOIN must come first");
		return do_join(h, m, &msg);
	}
	/* A resend of what was accepted already is not relayed again; a
	 * gap is a broken member. */
	if (msg.type == RELAYMSG_BCAST || msg.type == RELAYMSG_DIRECT) {
		if (msg.cseq <= m->cseq) {
			m->ack = 1;
			return 0;
		}
		if (msg.cseq != m->cseq + 1)
			return fail(h, m, RELAYMSG_ERR_PROTOCOL,
			    "cseq out of order");
		m->ack = 1;
	}
	switch (msg.type) {
	case RELAYMSG_JOIN:
	case RELAYMSG_RESUME:
		return fail(h, m, RELAYMSG_ERR_PROTOCOL, "already joined");
	case RELAYMSG_BCAST:
		buf_reset(&h->msg);
		if ((r = relaymsg_put_deliver(&h->msg, RELAYMSG_DELIVER,
		    m->room->seq + 1, m->id, msg.blob, msg.blob_len)) != 0)
			return r;
		m->room->seq++;
		m->cseq = msg.cseq;
		send_room(h, m->room, m);
		return 0;
	case RELAYMSG_DIRECT:
		if ((to = member_by_id(m->room, msg.id)) == NULL) {
			m->cseq = msg.cseq;
			return send_error(h, m, RELAYMSG_ERR_NO_MEMBER,
			    "no such member in this room");
		}
		buf_reset(&h->msg);
		if ((r = relaymsg_put_deliver(&h->msg,
		    RELAYMSG_DELIVER_DIRECT, m->room->seq + 1, m->id, msg.blob,
		    msg.blob_len)) != 0)
			return r;
		m->room->seq++;
		m->cseq = msg.cseq;
		send_one(h, to);
		return 0;
	case RELAYMSG_NICK:
		return do_nick(h, m, &msg);
	default:
		return fail(h, m, RELAYMSG_ERR_PROTOCOL,
		    "not a message for the relay");
	}
}

int
rroom_input(struct rroom_hub *h, struct rroom_member *m, const uint8_t *p,
    size_t len, uint8_t *code)
{
	int r;

	h->code = 0;
	r = input(h, m, p, len);
	if (code != NULL)
		*code = h->code;
	return r;
}

void
rroom_leave(struct rroom_hub *h, struct rroom_member *m)
{
	struct rroom *room = m->room;

	if (room == NULL)
		return;
	TAILQ_REMOVE(&room->members, m, entry);
	m->room = NULL;
	room->n--;
	h->nmembers--;
	if (room->n == 0) {
		room_free(h, room);
		return;
	}
	buf_reset(&h->msg);
	if (relaymsg_put_member_event(&h->msg, RELAYMSG_LEFT, ++room->seq,
	    m->id, NULL) == 0)
		send_room(h, room, NULL);
}
