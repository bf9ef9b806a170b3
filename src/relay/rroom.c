/* rroom.c: the relay's rooms, seats and their logs, without I/O (see
 * rroom.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "known_peers.h"
#include "names.h"
#include "relaymsg.h"
#include "roomlog.h"
#include "rroom.h"

#define RROOM_MIN_BUCKETS	64
/* The largest message the relay builds: a DELIVER of the largest blob
 * (a full WELCOME is smaller: 47 + 1024 * 38 bytes). */
#define RROOM_MSG_MAX		(1 + 8 + 4 + RELAYMSG_MAX_BLOB)
/* A seat record in the log: version || id || cseq || token hash ||
 * name_len || name. */
#define SEAT_REC_VERSION	1
#define SEAT_REC_MAX		(1 + 4 + 4 + 32 + 1 + RELAYMSG_MAX_NAME)
#define TOKEN_HASH_BYTES	32
/* Events read from the log per call when rebuilding at a restart. */
#define LOAD_CHUNK		1024

struct rroom_seat {
	struct rroom			*room;
	TAILQ_ENTRY(rroom_seat)		 entry;		/* room->seats */
	TAILQ_ENTRY(rroom_seat)		 awayq;		/* hub->away */
	TAILQ_ENTRY(rroom_seat)		 dirtyq;	/* hub->dirty */
	struct rroom_member		*link;		/* NULL: none */
	uint32_t			 id;
	uint32_t			 cseq;
	uint64_t			 last_direct;	/* seq of the last
							 * DIRECT to it */
	int64_t				 deadline;	/* away: hold ends */
	uint8_t				 away;
	uint8_t				 dirty;
	uint8_t				 name_len;
	char				 name[RELAYMSG_MAX_NAME + 1];
	uint8_t				 token_hash[TOKEN_HASH_BYTES];
	/* What the name looks like (names.h): no two seats' names may
	 * look alike. */
	uint8_t				 name_key[NAMES_SKEL_BYTES];
};

struct rroom {
	uint8_t				 id[RELAYMSG_ROOM_ID_BYTES];
	struct rroom			*next;	/* hash chain */
	TAILQ_HEAD(, rroom_seat)	 seats;	/* in creation order */
	size_t				 n;
	uint64_t			 seq;	/* of the last event */
	/* For RESUMED's 'last': the latest event for all but e1 (or all,
	 * e1 0) is l1; the latest for all but someone else is l2. */
	uint64_t			 l1, l2;
	uint32_t			 e1;
	unsigned			 busy;	/* rroom_busy_add */
	struct roomlog_room		*lr;
	/* Its lobby (PROTOCOL.md 15.9): bound by the first LOBBY. */
	uint8_t				 has_lobby;
	uint8_t				 waiting_dirty;	/* on hub->waitq */
	uint8_t				 lobby_id[RELAYMSG_ROOM_ID_BYTES];
	struct rroom			*lnext;	/* lobby hash chain */
	LIST_HEAD(, rroom_member)	 visitors;
	size_t				 nvisitors;
	size_t				 told;	/* last WAITING count */
	TAILQ_ENTRY(rroom)		 waitq;
};

struct rroom_hub {
	struct rroom		**tab;
	struct rroom		**ltab;		/* by lobby id, as big */
	size_t			 nbuckets;	/* a power of two */
	size_t			 nrooms;
	size_t			 nseats;
	size_t			 naway;
	size_t			 nvisitors;
	uint32_t		 next_visitor;
	TAILQ_HEAD(, rroom)	 waitq;		/* visitors changed */
	uint8_t			 key[RROOM_KEY_BYTES];
	uint8_t			*token_key;	/* sodium_malloc'd */
	uint32_t		 next_id;	/* 0 once ids ran out */
	uint32_t		 last_id;	/* cluster: this node's range */
	int64_t			 hold_ms;
	size_t			 max_away;
	struct roomlog		*log;
	struct rroom_ops	 ops;
	void			*arg;
	TAILQ_HEAD(, rroom_seat) away;		/* by deadline */
	TAILQ_HEAD(, rroom_seat) dirty;		/* to write at the commit */
	struct buf		 msg;	/* the message being sent out */
	uint8_t			 code;	/* last ERROR sent, for rroom_input */
	unsigned long		 log_errors;
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
    const uint8_t token_key[RROOM_TOKEN_KEY_BYTES], struct roomlog *log,
    const struct rroom_ops *ops, void *arg)
{
	struct rroom_hub *h;

	*hp = NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return ERR_ALLOC;
	if ((h->tab = calloc(RROOM_MIN_BUCKETS, sizeof(*h->tab))) == NULL ||
	    (h->ltab = calloc(RROOM_MIN_BUCKETS, sizeof(*h->ltab))) == NULL ||
	    (h->token_key = sodium_malloc(RROOM_TOKEN_KEY_BYTES)) == NULL) {
		free(h->tab);
		free(h->ltab);
		free(h);
		return ERR_ALLOC;
	}
	memcpy(h->token_key, token_key, RROOM_TOKEN_KEY_BYTES);
	h->nbuckets = RROOM_MIN_BUCKETS;
	memcpy(h->key, key, RROOM_KEY_BYTES);
	h->next_id = 1;
	h->last_id = UINT32_MAX;
	h->next_visitor = 1;
	TAILQ_INIT(&h->waitq);
	h->hold_ms = 900 * 1000;
	h->max_away = SIZE_MAX;
	h->log = log;
	h->ops = *ops;
	h->arg = arg;
	TAILQ_INIT(&h->away);
	TAILQ_INIT(&h->dirty);
	buf_init(&h->msg, RROOM_MSG_MAX);
	*hp = h;
	return 0;
}

void
rroom_hub_set_hold(struct rroom_hub *h, int64_t hold_ms, size_t max_away)
{
	h->hold_ms = hold_ms;
	h->max_away = max_away;
}

static void	room_free(struct rroom_hub *, struct rroom *);

void
rroom_hub_free(struct rroom_hub *h)
{
	struct rroom *room, *next;
	struct rroom_member *v;
	struct rroom_seat *s;
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nbuckets; i++)
		for (room = h->tab[i]; room != NULL; room = next) {
			next = room->next;
			while ((v = LIST_FIRST(&room->visitors)) != NULL) {
				LIST_REMOVE(v, vlink);
				v->visiting = NULL;
			}
			while ((s = TAILQ_FIRST(&room->seats)) != NULL) {
				TAILQ_REMOVE(&room->seats, s, entry);
				if (s->link != NULL) {
					s->link->room = NULL;
					s->link->seat = NULL;
				}
				sodium_memzero(s, sizeof(*s));
				free(s);
			}
			sodium_memzero(room->id, sizeof(room->id));
			sodium_memzero(room->lobby_id, sizeof(room->lobby_id));
			free(room);
		}
	free(h->tab);
	free(h->ltab);
	buf_release(&h->msg);
	sodium_memzero(h->key, sizeof(h->key));
	sodium_free(h->token_key);
	free(h);
}

void
rroom_member_init(struct rroom_member *m)
{
	memset(m, 0, sizeof(*m));
}

/* --- cluster hooks (src/relay/cluster.c) --- */
void
rroom_hub_set_ids(struct rroom_hub *h, uint32_t first, uint32_t last)
{
	if (h->next_id != 0 && h->next_id < first)
		h->next_id = first;
	h->last_id = last;
}

static struct rroom *room_find(const struct rroom_hub *,
    const uint8_t [RELAYMSG_ROOM_ID_BYTES]);

const uint8_t *
rroom_member_room(const struct rroom_member *m)
{
	return m->room != NULL ? m->room->id : NULL;
}

void
rroom_foreach_in(struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES],
    void (*fn)(struct rroom_member *, void *), void *arg)
{
	struct rroom *room;
	struct rroom_seat *s;

	if ((room = room_find(h, id)) == NULL)
		return;
	TAILQ_FOREACH(s, &room->seats, entry)
		if (s->link != NULL)
			fn(s->link, arg);
}

int
rroom_hub_has(const struct rroom_hub *h,
    const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	return room_find(h, id) != NULL;
}
/* --- end of cluster hooks --- */

size_t
rroom_hub_rooms(const struct rroom_hub *h)
{
	return h->nrooms;
}

size_t
rroom_hub_members(const struct rroom_hub *h)
{
	return h->nseats;
}

size_t
rroom_hub_away(const struct rroom_hub *h)
{
	return h->naway;
}

size_t
rroom_hub_visitors(const struct rroom_hub *h)
{
	return h->nvisitors;
}

size_t
rroom_size(const struct rroom_member *m)
{
	return m->room != NULL ? m->room->n : 0;
}

const char *
rroom_member_name(const struct rroom_member *m)
{
	return m->seat != NULL ? m->seat->name : "";
}

uint32_t
rroom_member_cseq(const struct rroom_member *m)
{
	return m->seat != NULL ? m->seat->cseq : 0;
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
	struct rroom_seat *s;

	if (m->room == NULL)
		return;
	TAILQ_FOREACH(s, &m->room->seats, entry)
		if (s->link != NULL)
			fn(s->link, arg);
}

/* --- the log --------------------------------------------------------------- */

/* A transaction is open on the log from the first write of a turn. */
static void
log_begin(struct rroom_hub *h)
{
	if (roomlog_in_transaction(h->log))
		return;
	if (roomlog_begin(h->log, (uint64_t)time(NULL)) != 0) {
		h->log_errors++;
		return;
	}
	if (h->ops.wrote != NULL)
		h->ops.wrote(h->arg);
}

static void
seat_dirty(struct rroom_hub *h, struct rroom_seat *s)
{
	if (s->dirty)
		return;
	s->dirty = 1;
	TAILQ_INSERT_TAIL(&h->dirty, s, dirtyq);
	log_begin(h);
}

int
rroom_flush(struct rroom_hub *h)
{
	uint8_t rec[SEAT_REC_MAX];
	struct rroom_seat *s;
	size_t n;
	int r, e = 0;

	while ((s = TAILQ_FIRST(&h->dirty)) != NULL) {
		TAILQ_REMOVE(&h->dirty, s, dirtyq);
		s->dirty = 0;
		rec[0] = SEAT_REC_VERSION;
		rec[1] = (uint8_t)(s->id >> 24);
		rec[2] = (uint8_t)(s->id >> 16);
		rec[3] = (uint8_t)(s->id >> 8);
		rec[4] = (uint8_t)s->id;
		rec[5] = (uint8_t)(s->cseq >> 24);
		rec[6] = (uint8_t)(s->cseq >> 16);
		rec[7] = (uint8_t)(s->cseq >> 8);
		rec[8] = (uint8_t)s->cseq;
		memcpy(rec + 9, s->token_hash, TOKEN_HASH_BYTES);
		rec[41] = s->name_len;
		memcpy(rec + 42, s->name, s->name_len);
		n = 42 + (size_t)s->name_len;
		log_begin(h);
		if ((r = roomlog_seat_put(s->room->lr, s->id, rec, n)) != 0) {
			h->log_errors++;
			e = r;
		}
	}
	return e;
}

/* Who an event is for: all but 'except' (0: all), or only 'to'. */
static void
note_event(struct rroom *room, uint64_t seq, uint32_t except,
    struct rroom_seat *to)
{
	if (to != NULL) {
		to->last_direct = seq;
		return;
	}
	if (except != room->e1) {
		room->l2 = room->l1;
		room->e1 = except;
	}
	room->l1 = seq;
}

/* The events of a message in the log: its 'to', or the id it is not
 * for (every event message has its member id at offset 9). */
static uint32_t
event_except(const uint8_t *p, size_t len)
{
	if (len < 13 || p[0] == RELAYMSG_LEFT || p[0] == RELAYMSG_NICKED)
		return 0;
	return (uint32_t)p[9] << 24 | (uint32_t)p[10] << 16 |
	    (uint32_t)p[11] << 8 | p[12];
}

static int
event_for(uint32_t id, uint32_t to, const uint8_t *p, size_t len)
{
	if (to != 0)
		return to == id;
	return event_except(p, len) != id;
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

/* The room whose lobby id this is, or NULL. */
static struct rroom *
lobby_find(const struct rroom_hub *h,
    const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	struct rroom *room;

	for (room = h->ltab[bucket_of(h, id, h->nbuckets)]; room != NULL;
	    room = room->lnext)
		if (memcmp(room->lobby_id, id, RELAYMSG_ROOM_ID_BYTES) == 0)
			return room;
	return NULL;
}

int
rroom_hub_has_lobby(const struct rroom_hub *h,
    const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	return lobby_find(h, id) != NULL;
}

/* Doubles both tables (rooms, and lobbies: at most one a room); on
 * allocation failure they just stay as they are. */
static void
table_grow(struct rroom_hub *h)
{
	struct rroom **tab, **ltab, *room, *next;
	size_t n = h->nbuckets * 2, i, b;

	if (n > SIZE_MAX / sizeof(*tab) || (tab = calloc(n, sizeof(*tab))) ==
	    NULL)
		return;
	if ((ltab = calloc(n, sizeof(*ltab))) == NULL) {
		free(tab);
		return;
	}
	for (i = 0; i < h->nbuckets; i++) {
		for (room = h->tab[i]; room != NULL; room = next) {
			next = room->next;
			b = bucket_of(h, room->id, n);
			room->next = tab[b];
			tab[b] = room;
		}
		for (room = h->ltab[i]; room != NULL; room = next) {
			next = room->lnext;
			b = bucket_of(h, room->lobby_id, n);
			room->lnext = ltab[b];
			ltab[b] = room;
		}
	}
	free(h->tab);
	free(h->ltab);
	h->tab = tab;
	h->ltab = ltab;
	h->nbuckets = n;
}

static struct rroom *
room_new(struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES],
    struct roomlog_room *lr)
{
	struct rroom *room;
	size_t b;

	if (lr == NULL && roomlog_room_get(h->log, id, &lr) != 0)
		return NULL;
	if ((room = calloc(1, sizeof(*room))) == NULL)
		return NULL;
	memcpy(room->id, id, RELAYMSG_ROOM_ID_BYTES);
	TAILQ_INIT(&room->seats);
	LIST_INIT(&room->visitors);
	room->lr = lr;
	room->seq = roomlog_last(lr);
	if (h->nrooms >= h->nbuckets)
		table_grow(h);
	b = bucket_of(h, id, h->nbuckets);
	room->next = h->tab[b];
	h->tab[b] = room;
	h->nrooms++;
	return room;
}

/* Frees an empty room and drops its log. */
static void
room_free(struct rroom_hub *h, struct rroom *room)
{
	struct rroom **pp;
	struct rroom_member *v;

	for (pp = &h->tab[bucket_of(h, room->id, h->nbuckets)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == room) {
			*pp = room->next;
			break;
		}
	if (room->has_lobby)
		for (pp = &h->ltab[bucket_of(h, room->lobby_id,
		    h->nbuckets)]; *pp != NULL; pp = &(*pp)->lnext)
			if (*pp == room) {
				*pp = room->lnext;
				break;
			}
	/* Its visitors stay, with nobody to knock at. */
	while ((v = LIST_FIRST(&room->visitors)) != NULL) {
		LIST_REMOVE(v, vlink);
		v->visiting = NULL;
	}
	h->nvisitors -= room->nvisitors;
	if (room->waiting_dirty)
		TAILQ_REMOVE(&h->waitq, room, waitq);
	h->nrooms--;
	log_begin(h);
	if (roomlog_room_drop(room->lr) != 0)
		h->log_errors++;
	/* The room id is the members' secret rendezvous: don't leave it
	 * lying in freed memory. */
	sodium_memzero(room->id, sizeof(room->id));
	sodium_memzero(room->lobby_id, sizeof(room->lobby_id));
	free(room);
}

/* --- sending ------------------------------------------------------------- */

/* Those on a seat and not catching up from the log get live traffic. */
static int
live(const struct rroom_seat *s)
{
	return s->link != NULL && !s->link->replaying;
}

static void
send_one(struct rroom_hub *h, struct rroom_member *m)
{
	h->ops.send(h->arg, m, buf_ptr(&h->msg), buf_len(&h->msg));
	buf_reset(&h->msg);
}

/*
 * h->msg is the room's event seq: logged (for 'to' alone, or for all but
 * the seat 'except', 0 for none), then sent to those of its audience who
 * are here and live, in seat order; then forgotten.
 */
static void
emit(struct rroom_hub *h, struct rroom *room, uint64_t seq, uint32_t except,
    struct rroom_seat *to)
{
	struct rroom_seat *s;

	room->seq = seq;
	note_event(room, seq, except, to);
	log_begin(h);
	if (roomlog_append(room->lr, seq, to != NULL ? to->id : 0,
	    buf_ptr(&h->msg), buf_len(&h->msg)) != 0)
		h->log_errors++;
	if (to != NULL) {
		if (live(to))
			h->ops.send(h->arg, to->link, buf_ptr(&h->msg),
			    buf_len(&h->msg));
	} else {
		if (h->ops.fanout != NULL)
			h->ops.fanout(h->arg, 1);
		TAILQ_FOREACH(s, &room->seats, entry)
			if (s->id != except && live(s))
				h->ops.send(h->arg, s->link, buf_ptr(&h->msg),
				    buf_len(&h->msg));
		if (h->ops.fanout != NULL)
			h->ops.fanout(h->arg, 0);
	}
	buf_reset(&h->msg);
}

/* A member event (JOINED, NICKED with a name; LEFT, AWAY, BACK) about
 * seat s, for all but 'except'. */
static void
emit_member(struct rroom_hub *h, struct rroom *room, uint8_t type,
    struct rroom_seat *s, uint32_t except)
{
	buf_reset(&h->msg);
	if (relaymsg_put_member_event(&h->msg, type, room->seq + 1, s->id,
	    type == RELAYMSG_JOINED || type == RELAYMSG_NICKED ? s->name :
	    NULL) != 0) {
		buf_reset(&h->msg);	/* only a bug gets here */
		return;
	}
	emit(h, room, room->seq + 1, except, NULL);
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

/* --- seats ----------------------------------------------------------------- */

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

/* The seat whose name is the same as, or looks like (names.h), the one
 * whose confusable key is key. */
static struct rroom_seat *
seat_by_name(struct rroom *room, const uint8_t key[NAMES_SKEL_BYTES])
{
	struct rroom_seat *s;

	TAILQ_FOREACH(s, &room->seats, entry)
		if (memcmp(s->name_key, key, NAMES_SKEL_BYTES) == 0)
			return s;
	return NULL;
}

static struct rroom_seat *
seat_by_id(struct rroom *room, uint32_t id)
{
	struct rroom_seat *s;

	TAILQ_FOREACH(s, &room->seats, entry)
		if (s->id == id)
			return s;
	return NULL;
}

static void
token_hash(const struct rroom_hub *h, uint8_t out[TOKEN_HASH_BYTES],
    const uint8_t token[RELAYMSG_TOKEN_BYTES])
{
	crypto_generichash(out, TOKEN_HASH_BYTES, token, RELAYMSG_TOKEN_BYTES,
	    h->token_key, RROOM_TOKEN_KEY_BYTES);
}

static void
attach(struct rroom_seat *s, struct rroom_member *m)
{
	s->link = m;
	m->seat = s;
	m->room = s->room;
	m->id = s->id;
}

static void
detach(struct rroom_seat *s)
{
	struct rroom_member *m = s->link;

	if (m == NULL)
		return;
	m->seat = NULL;
	m->room = NULL;
	m->replaying = 0;
	s->link = NULL;
}

static void
away_remove(struct rroom_hub *h, struct rroom_seat *s)
{
	if (!s->away)
		return;
	TAILQ_REMOVE(&h->away, s, awayq);
	s->away = 0;
	h->naway--;
}

/* s off its room and every list (not freed; its link detached). */
static void
seat_unlink(struct rroom_hub *h, struct rroom_seat *s)
{
	detach(s);
	away_remove(h, s);
	if (s->dirty) {
		TAILQ_REMOVE(&h->dirty, s, dirtyq);
		s->dirty = 0;
	}
	TAILQ_REMOVE(&s->room->seats, s, entry);
	s->room->n--;
	h->nseats--;
}

/* The seat ends: the others get LEFT; an empty room goes. */
static void
seat_end(struct rroom_hub *h, struct rroom_seat *s)
{
	struct rroom *room = s->room;

	seat_unlink(h, s);
	if (room->n == 0)
		room_free(h, room);
	else {
		log_begin(h);
		if (roomlog_seat_del(room->lr, s->id) != 0)
			h->log_errors++;
		emit_member(h, room, RELAYMSG_LEFT, s, 0);
	}
	sodium_memzero(s, sizeof(*s));
	free(s);
}

/* Appends the room's seats but 'self' (id || flags || name) to h->msg. */
static int
put_list(struct rroom_hub *h, struct rroom *room,
    const struct rroom_seat *self)
{
	struct rroom_seat *s;
	int r;

	TAILQ_FOREACH(s, &room->seats, entry)
		if (s != self && (r = relaymsg_put_welcome_member(&h->msg,
		    s->id, s->away ? RELAYMSG_FLAG_AWAY : 0, s->name)) != 0)
			return r;
	return 0;
}

static int
do_join(struct rroom_hub *h, struct rroom_member *m, const struct relaymsg *msg)
{
	char name[RELAYMSG_MAX_NAME + 1];
	uint8_t token[RELAYMSG_TOKEN_BYTES];
	uint8_t key[NAMES_SKEL_BYTES];
	struct rroom *room;
	struct rroom_seat *s = NULL;
	int r, created = 0;

	if (!name_take(msg->name, msg->name_len, name, key))
		return fail(h, m, RELAYMSG_ERR_BAD_NAME, "not a valid name");
	if ((room = room_find(h, msg->room_id)) != NULL) {
		if (room->n >= RELAYMSG_MAX_MEMBERS)
			return fail(h, m, RELAYMSG_ERR_ROOM_FULL,
			    "room is full");
		if (seat_by_name(room, key) != NULL)
			return fail(h, m, RELAYMSG_ERR_NAME_TAKEN,
			    "name already in use in this room");
	}
	if (h->next_id == 0 || h->next_id > h->last_id)
		return fail(h, m, RELAYMSG_ERR_ROOM_FULL,
		    "relay out of member ids: restart it");
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_ALLOC;
	if (room == NULL) {
		if ((room = room_new(h, msg->room_id, NULL)) == NULL) {
			free(s);
			return ERR_ALLOC;
		}
		created = 1;
	}
	s->room = room;
	s->id = h->next_id++;
	memcpy(s->name, name, sizeof(name));
	s->name_len = (uint8_t)msg->name_len;
	randombytes_buf(token, sizeof(token));
	token_hash(h, s->token_hash, token);
	log_begin(h);
	if (roomlog_put_next_id(h->log, h->next_id) != 0)
		h->log_errors++;

	/* The newcomer learns its seat, its token, who is there, and the
	 * seq of its own JOINED: where its view of the room starts... */
	buf_reset(&h->msg);
	if ((r = relaymsg_put_welcome_start(&h->msg, s->id, token,
	    room->seq + 1, (uint16_t)room->n)) != 0 ||
	    (r = put_list(h, room, NULL)) != 0)
		goto bug;
	memcpy(s->name_key, key, sizeof(key));
	sodium_memzero(token, sizeof(token));
	send_one(h, m);

	/* ...and those there learn of the newcomer. */
	emit_member(h, room, RELAYMSG_JOINED, s, s->id);
	TAILQ_INSERT_TAIL(&room->seats, s, entry);
	room->n++;
	h->nseats++;
	attach(s, m);
	seat_dirty(h, s);
	return 0;
 bug:
	/* Only reachable through a bug: every name here was checked. */
	sodium_memzero(token, sizeof(token));
	buf_reset(&h->msg);
	free(s);
	if (created && room->n == 0)
		room_free(h, room);
	return r == ERR_ALLOC ? r : ERR_INTERNAL;
}

/* The seq of the last event in the log that m's seat is to be given
 * after seen, or seen if there is none. */
static uint64_t
replay_last(const struct rroom_seat *s, uint64_t seen)
{
	const struct rroom *room = s->room;
	uint64_t last = s->id != room->e1 ? room->l1 : room->l2;

	if (s->last_direct > last)
		last = s->last_direct;
	if (last <= seen || last < roomlog_first(room->lr))
		return seen;
	return last;
}

static int
do_resume(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	uint8_t th[TOKEN_HASH_BYTES];
	struct rroom *room;
	struct rroom_seat *s = NULL;
	uint64_t last;
	int r, ok;

	if ((room = room_find(h, msg->room_id)) != NULL)
		s = seat_by_id(room, msg->id);
	/* The hash is computed whatever was found, so that a miss costs
	 * what a wrong token does. */
	token_hash(h, th, msg->token);
	ok = s != NULL && sodium_memcmp(th, s->token_hash, sizeof(th)) == 0;
	sodium_memzero(th, sizeof(th));
	if (!ok)
		return fail(h, m, RELAYMSG_ERR_NO_SEAT, "no such seat");
	if (s->link != NULL) {
		/* The old link is still up as far as we know: it goes,
		 * without a word to anyone. */
		h->ops.evict(h->arg, s->link);
		detach(s);
	}
	attach(s, m);
	last = replay_last(s, msg->seq);
	buf_reset(&h->msg);
	if ((r = relaymsg_put_resumed_start(&h->msg, s->id,
	    roomlog_first(room->lr), last, s->cseq,
	    (uint16_t)(room->n - 1))) != 0 ||
	    (r = put_list(h, room, s)) != 0) {
		buf_reset(&h->msg);
		detach(s);
		return r == ERR_ALLOC ? r : ERR_INTERNAL;
	}
	send_one(h, m);
	/* What it missed comes from the log, live traffic after that. */
	m->replay_pos = msg->seq;
	m->replaying = msg->seq < room->seq;
	if (s->away) {
		away_remove(h, s);
		emit_member(h, room, RELAYMSG_BACK, s, s->id);
	}
	return 0;
}

static int
do_nick(struct rroom_hub *h, struct rroom_member *m, const struct relaymsg *msg)
{
	char name[RELAYMSG_MAX_NAME + 1];
	uint8_t key[NAMES_SKEL_BYTES];
	struct rroom_seat *s = m->seat, *o;

	/* Neither refusal ends the link: the member keeps its old name. */
	if (!name_take(msg->name, msg->name_len, name, key))
		return send_error(h, m, RELAYMSG_ERR_BAD_NAME,
		    "not a valid name");
	o = seat_by_name(m->room, key);
	if (o != NULL && o != s)
		return send_error(h, m, RELAYMSG_ERR_NAME_TAKEN,
		    "name already in use in this room");
	memcpy(s->name, name, sizeof(name));
	s->name_len = (uint8_t)msg->name_len;
	memcpy(s->name_key, key, sizeof(key));
	seat_dirty(h, s);
	emit_member(h, m->room, RELAYMSG_NICKED, s, 0);
	return 0;
}

/* --- the lobby (PROTOCOL.md 15.9) --------------------------------------- */

static void
waiting_changed(struct rroom_hub *h, struct rroom *room)
{
	if (room->waiting_dirty)
		return;
	room->waiting_dirty = 1;
	TAILQ_INSERT_TAIL(&h->waitq, room, waitq);
}

/* m leaves the lobby it waits in (if any); it is a visitor no more. */
static void
visitor_leave(struct rroom_hub *h, struct rroom_member *m)
{
	if (m->visiting != NULL) {
		LIST_REMOVE(m, vlink);
		m->visiting->nvisitors--;
		h->nvisitors--;
		waiting_changed(h, m->visiting);
		m->visiting = NULL;
	}
	m->is_visitor = 0;
	m->visitor = 0;
}

/* The openers of room now at the door: seats whose link sent LOBBY. */
static size_t
openers(const struct rroom *room)
{
	const struct rroom_seat *s;
	size_t n = 0;

	TAILQ_FOREACH(s, &room->seats, entry)
		if (live(s) && s->link->opener)
			n++;
	return n;
}

static int
send_count(struct rroom_hub *h, struct rroom_member *m, uint8_t type,
    size_t n)
{
	int r;

	buf_reset(&h->msg);
	if ((r = relaymsg_put_count(&h->msg, type, n > UINT16_MAX ?
	    UINT16_MAX : (uint16_t)n)) != 0)
		return r;
	send_one(h, m);
	return 0;
}

/* VISIT: m waits at the door of the room whose lobby id it names (none
 * bound: it waits with nobody to knock at, and is told so). */
static int
do_visit(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	struct rroom *room = lobby_find(h, msg->room_id);

	m->is_visitor = 1;
	m->visitor = h->next_visitor++;
	if (h->next_visitor == 0)
		h->next_visitor = 1;
	if (room != NULL) {
		m->visiting = room;
		LIST_INSERT_HEAD(&room->visitors, m, vlink);
		room->nvisitors++;
		h->nvisitors++;
		waiting_changed(h, room);
	}
	return send_count(h, m, RELAYMSG_VISITING, room != NULL ?
	    openers(room) : 0);
}

/* KNOCK from a visitor: to the next opener, in seat order, after the
 * one its last knock went to. */
static int
do_knock(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	struct rroom_seat *s, *to = NULL;
	int r;

	if (++m->knocks > RROOM_VISIT_KNOCKS)
		return fail(h, m, RELAYMSG_ERR_PROTOCOL, "too many knocks");
	if (m->visiting != NULL)
		TAILQ_FOREACH(s, &m->visiting->seats, entry)
			if (s->id > m->asked && live(s) && s->link->opener) {
				to = s;
				break;
			}
	if (to == NULL)
		return send_error(h, m, RELAYMSG_ERR_NO_MEMBER,
		    "nobody left at the door");
	m->asked = to->id;
	m->answered = 0;
	buf_reset(&h->msg);
	if ((r = relaymsg_put_door(&h->msg, RELAYMSG_KNOCKED, m->visitor,
	    msg->blob, msg->blob_len)) != 0)
		return r;
	send_one(h, to->link);
	return 0;
}

/* OPEN from a member: to the visitor, if its last knock went to this
 * member and was not answered yet; otherwise dropped without a word. */
static int
do_open(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	struct rroom_member *v;
	int r;

	LIST_FOREACH(v, &m->room->visitors, vlink)
		if (v->visitor == msg->id)
			break;
	if (v == NULL || v->asked != m->id || v->answered)
		return 0;
	v->answered = 1;
	buf_reset(&h->msg);
	if ((r = relaymsg_put_door(&h->msg, RELAYMSG_OPENED, 0, msg->blob,
	    msg->blob_len)) != 0)
		return r;
	send_one(h, v);
	return 0;
}

/* LOBBY from a member: binds the room's lobby id (the first time) and
 * makes this link an opener. */
static int
do_lobby(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	struct rroom *room = m->room, *other;
	size_t b;

	if (room->has_lobby) {
		if (sodium_memcmp(room->lobby_id, msg->room_id,
		    RELAYMSG_ROOM_ID_BYTES) != 0)
			return send_error(h, m, RELAYMSG_ERR_LOBBY_TAKEN,
			    "this room has another door");
	} else {
		if ((other = lobby_find(h, msg->room_id)) != NULL &&
		    other != room)
			return send_error(h, m, RELAYMSG_ERR_LOBBY_TAKEN,
			    "this door belongs to another room");
		memcpy(room->lobby_id, msg->room_id, RELAYMSG_ROOM_ID_BYTES);
		room->has_lobby = 1;
		b = bucket_of(h, room->lobby_id, h->nbuckets);
		room->lnext = h->ltab[b];
		h->ltab[b] = room;
	}
	m->opener = 1;
	if (h->ops.lobby != NULL)
		h->ops.lobby(h->arg, room->lobby_id);
	return room->nvisitors > 0 ? send_count(h, m, RELAYMSG_WAITING,
	    room->nvisitors) : 0;
}

void
rroom_tell_waiting(struct rroom_hub *h)
{
	struct rroom *room;
	struct rroom_seat *s;

	while ((room = TAILQ_FIRST(&h->waitq)) != NULL) {
		TAILQ_REMOVE(&h->waitq, room, waitq);
		room->waiting_dirty = 0;
		if (room->nvisitors == room->told)
			continue;
		room->told = room->nvisitors;
		TAILQ_FOREACH(s, &room->seats, entry)
			if (live(s) && s->link->opener &&
			    send_count(h, s->link, RELAYMSG_WAITING,
			    room->nvisitors) != 0)
				break;
	}
}

/* What a visitor may send: KNOCK, and JOIN once its door opened. */
static int
visitor_input(struct rroom_hub *h, struct rroom_member *m,
    const struct relaymsg *msg)
{
	switch (msg->type) {
	case RELAYMSG_KNOCK:
		return do_knock(h, m, msg);
	case RELAYMSG_JOIN:
		visitor_leave(h, m);
		return do_join(h, m, msg);
	default:
		return fail(h, m, RELAYMSG_ERR_PROTOCOL,
		    "a visitor may only knock, or join");
	}
}

static int
input(struct rroom_hub *h, struct rroom_member *m, const uint8_t *p,
    size_t len)
{
	struct relaymsg msg;
	struct rroom_seat *s = m->seat, *to;
	int r;

	if (relaymsg_parse(&msg, p, len) != 0)
		return fail(h, m, RELAYMSG_ERR_PROTOCOL, "malformed message");
	if (s == NULL && m->is_visitor)
		return visitor_input(h, m, &msg);
	if (s == NULL) {
		if (msg.type == RELAYMSG_RESUME)
			return do_resume(h, m, &msg);
		if (msg.type == RELAYMSG_VISIT)
			return do_visit(h, m, &msg);
		if (msg.type != RELAYMSG_JOIN)
			return fail(h, m, RELAYMSG_ERR_PROTOCOL,
			    "JOIN, RESUME or VISIT must come first");
		return do_join(h, m, &msg);
	}
	/* A resend of what was accepted already is not relayed again; a
	 * gap is a broken member. */
	if (msg.type == RELAYMSG_BCAST || msg.type == RELAYMSG_DIRECT) {
		if (msg.cseq <= s->cseq) {
			m->ack = 1;
			return 0;
		}
		if (msg.cseq != s->cseq + 1)
			return fail(h, m, RELAYMSG_ERR_PROTOCOL,
			    "cseq out of order");
		m->ack = 1;
		s->cseq = msg.cseq;
		seat_dirty(h, s);
	}
	switch (msg.type) {
	case RELAYMSG_JOIN:
	case RELAYMSG_RESUME:
		return fail(h, m, RELAYMSG_ERR_PROTOCOL, "already joined");
	case RELAYMSG_BCAST:
		buf_reset(&h->msg);
		if ((r = relaymsg_put_deliver(&h->msg, RELAYMSG_DELIVER,
		    m->room->seq + 1, s->id, msg.blob, msg.blob_len)) != 0)
			return r;
		emit(h, m->room, m->room->seq + 1, s->id, NULL);
		return 0;
	case RELAYMSG_DIRECT:
		/* Away seats get theirs too: from the log, later. */
		if ((to = seat_by_id(m->room, msg.id)) == NULL)
			return send_error(h, m, RELAYMSG_ERR_NO_MEMBER,
			    "no such member in this room");
		buf_reset(&h->msg);
		if ((r = relaymsg_put_deliver(&h->msg,
		    RELAYMSG_DELIVER_DIRECT, m->room->seq + 1, s->id, msg.blob,
		    msg.blob_len)) != 0)
			return r;
		emit(h, m->room, m->room->seq + 1, 0, to);
		return 0;
	case RELAYMSG_NICK:
		return do_nick(h, m, &msg);
	case RELAYMSG_LOBBY:
		return do_lobby(h, m, &msg);
	case RELAYMSG_OPEN:
		return do_open(h, m, &msg);
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

/* --- replay ---------------------------------------------------------------- */

struct replay_ctx {
	struct rroom_hub	*h;
	struct rroom_member	*m;
};

static int
replay_one(void *arg, uint64_t seq, uint32_t to, const uint8_t *p,
    size_t len)
{
	struct replay_ctx *c = arg;

	c->m->replay_pos = seq;
	if (event_for(c->m->id, to, p, len))
		c->h->ops.send(c->h->arg, c->m, p, len);
	return 0;
}

int
rroom_replay(struct rroom_hub *h, struct rroom_member *m, size_t max)
{
	struct replay_ctx c = { h, m };
	struct rroom *room = m->room;
	int n;

	if (room == NULL || !m->replaying)
		return 0;
	if ((n = roomlog_read(room->lr, m->replay_pos, max, replay_one,
	    &c)) < 0) {
		h->log_errors++;
		return n;
	}
	/* The send callback may not end m, but be safe: it may have been
	 * detached meanwhile. */
	if (m->room == NULL)
		return 0;
	/* Nothing more in the log (what was lost to a failed commit is not
	 * there): live from here on. */
	if (m->replay_pos >= room->seq || (size_t)n < max) {
		m->replaying = 0;
		return 0;
	}
	return 1;
}

/* --- the ends of links and seats ------------------------------------------ */

void
rroom_leave(struct rroom_hub *h, struct rroom_member *m)
{
	visitor_leave(h, m);
	if (m->seat != NULL)
		seat_end(h, m->seat);
}

void
rroom_cut(struct rroom_hub *h, struct rroom_member *m, int64_t now_ms)
{
	struct rroom_seat *s = m->seat, *old;

	visitor_leave(h, m);
	if (s == NULL)
		return;
	detach(s);
	s->away = 1;
	s->deadline = now_ms + h->hold_ms;
	TAILQ_INSERT_TAIL(&h->away, s, awayq);
	h->naway++;
	emit_member(h, s->room, RELAYMSG_AWAY, s, s->id);
	/* Bounded: past the cap, the longest away goes first. */
	while (h->naway > h->max_away && (old = TAILQ_FIRST(&h->away)) != NULL)
		seat_end(h, old);
}

void
rroom_detach(struct rroom_hub *h, struct rroom_member *m)
{
	visitor_leave(h, m);
	if (m->seat != NULL)
		detach(m->seat);
}

void
rroom_expire(struct rroom_hub *h, int64_t now_ms)
{
	struct rroom_seat *s;

	while ((s = TAILQ_FIRST(&h->away)) != NULL && s->deadline <= now_ms)
		seat_end(h, s);
}

/* --- a restart ------------------------------------------------------------- */

struct load_ctx {
	struct rroom_hub	*h;
	struct rroom		*room;
	int64_t			 deadline;
	uint32_t		 max_id;
};

static int
load_room(void *arg, struct roomlog_room *lr,
    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES])
{
	struct load_ctx *c = arg;

	if ((c->room = room_new(c->h, room_id, lr)) == NULL)
		return ERR_ALLOC;
	return 0;
}

static int
load_seat(void *arg, struct roomlog_room *lr, uint32_t id, const uint8_t *rec,
    size_t len)
{
	struct load_ctx *c = arg;
	struct rroom_hub *h = c->h;
	struct rroom_seat *s;
	char name[RELAYMSG_MAX_NAME + 1];
	uint8_t key[NAMES_SKEL_BYTES];

	(void)lr;
	/* A record we can't read is skipped: that seat is simply gone. */
	if (len < 43 || rec[0] != SEAT_REC_VERSION || (size_t)42 + rec[41] !=
	    len || !name_take(rec + 42, rec[41], name, key) ||
	    ((uint32_t)rec[1] << 24 | (uint32_t)rec[2] << 16 |
	    (uint32_t)rec[3] << 8 | rec[4]) != id ||
	    c->room->n >= RELAYMSG_MAX_MEMBERS ||
	    seat_by_name(c->room, key) != NULL)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ERR_ALLOC;
	s->room = c->room;
	s->id = id;
	s->cseq = (uint32_t)rec[5] << 24 | (uint32_t)rec[6] << 16 |
	    (uint32_t)rec[7] << 8 | rec[8];
	memcpy(s->token_hash, rec + 9, TOKEN_HASH_BYTES);
	s->name_len = rec[41];
	memcpy(s->name, name, sizeof(name));
	memcpy(s->name_key, key, sizeof(key));
	s->away = 1;
	s->deadline = c->deadline;
	TAILQ_INSERT_TAIL(&c->room->seats, s, entry);
	TAILQ_INSERT_TAIL(&h->away, s, awayq);
	c->room->n++;
	h->nseats++;
	h->naway++;
	if (id > c->max_id)
		c->max_id = id;
	return 0;
}

struct note_ctx {
	struct rroom	*room;
	uint64_t	 pos;
};

/* Rebuilds a loaded room's view of who each event was for. */
static int
load_note(void *arg, uint64_t seq, uint32_t to, const uint8_t *p, size_t len)
{
	struct note_ctx *c = arg;
	struct rroom_seat *s;

	c->pos = seq;
	if (to == 0)
		note_event(c->room, seq, event_except(p, len), NULL);
	else if ((s = seat_by_id(c->room, to)) != NULL)
		note_event(c->room, seq, 0, s);
	return 0;
}

/* A loaded room's view of who each event was for, from its log. */
static int
room_notes(struct rroom *room)
{
	struct note_ctx nc;
	int r;

	nc.room = room;
	nc.pos = 0;
	do
		if ((r = roomlog_read(room->lr, nc.pos, LOAD_CHUNK, load_note,
		    &nc)) < 0)
			return r;
	while (r == LOAD_CHUNK);
	return 0;
}

int
rroom_hub_load(struct rroom_hub *h, int64_t now_ms)
{
	static const struct roomlog_load_ops ops = { load_room, load_seat };
	struct load_ctx c;
	struct rroom *room, *next;
	uint64_t next_id;
	size_t i;
	int r;

	memset(&c, 0, sizeof(c));
	c.h = h;
	c.deadline = now_ms + h->hold_ms;
	if ((r = roomlog_load(h->log, &ops, &c)) != 0)
		return r;
	for (i = 0; i < h->nbuckets; i++)
		for (room = h->tab[i]; room != NULL; room = next) {
			next = room->next;
			if (room->n == 0) {
				room_free(h, room);
				continue;
			}
			if ((r = room_notes(room)) != 0)
				return r;
		}
	next_id = roomlog_next_id(h->log);
	if ((uint64_t)c.max_id + 1 > next_id)
		next_id = (uint64_t)c.max_id + 1;
	h->next_id = next_id > UINT32_MAX ? 0 : (uint32_t)(next_id > 0 ?
	    next_id : 1);
	return 0;
}

/* --- a cluster's takeovers ------------------------------------------------ */

static int
count_seat(void *arg, struct roomlog_room *lr, uint32_t id,
    const uint8_t *rec, size_t len)
{
	(void)lr;
	(void)id;
	(void)rec;
	(void)len;
	(*(size_t *)arg)++;
	return 0;
}

int
rroom_hub_load_room(struct rroom_hub *h, struct roomlog_room *lr,
    const uint8_t id[RELAYMSG_ROOM_ID_BYTES], int64_t now_ms)
{
	static const struct roomlog_load_ops count = { NULL, count_seat };
	static const struct roomlog_load_ops ops = { load_room, load_seat };
	struct load_ctx c;
	struct rroom_seat *s;
	size_t n = 0;
	int r;

	if (room_find(h, id) != NULL)
		return 0;
	/* A room without seats is not made: a JOIN makes it, on the log's
	 * handle (its seq goes on). */
	if ((r = roomlog_room_seats(lr, &count, &n)) != 0 || n == 0)
		return r;
	memset(&c, 0, sizeof(c));
	c.h = h;
	c.deadline = now_ms + h->hold_ms;
	if ((r = load_room(&c, lr, id)) != 0 ||
	    (r = roomlog_room_seats(lr, &ops, &c)) != 0)
		return r;
	if (c.room->n == 0) {
		room_free(h, c.room);
		return 0;
	}
	if ((r = room_notes(c.room)) != 0)
		return r;
	/* This node's next id goes past any of its own range in the room. */
	TAILQ_FOREACH(s, &c.room->seats, entry)
		if (h->next_id != 0 && s->id >= h->next_id && s->id <=
		    h->last_id)
			h->next_id = s->id == UINT32_MAX ? 0 : s->id + 1;
	return 0;
}

void
rroom_hub_abandon(struct rroom_hub *h, const uint8_t id[RELAYMSG_ROOM_ID_BYTES])
{
	struct rroom *room;
	struct rroom_seat *s;

	if ((room = room_find(h, id)) == NULL)
		return;
	while ((s = TAILQ_FIRST(&room->seats)) != NULL) {
		if (s->link != NULL)
			h->ops.evict(h->arg, s->link);
		seat_unlink(h, s);
		sodium_memzero(s, sizeof(*s));
		free(s);
	}
	room_free(h, room);
}

