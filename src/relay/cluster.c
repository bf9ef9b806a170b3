/*
 * cluster.c: relay nodes serving the same rooms over NATS (cluster.h;
 * docs/PROTOCOL.md section 15.10).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <nats/nats.h>
#include <event2/thread.h>
#include <sodium.h>

#include "buf.h"
#include "cluster.h"
#include "clustermsg.h"
#include "err.h"
#include "relaylog.h"
#include "relaymsg.h"
#include "rroom.h"
#include "mono.h"

#define ROOM_BUCKETS	256
#define LINK_BUCKETS	1024

/* A message kept for later, in arrival order. */
struct held {
	struct held	*next;
	size_t		 len;
	uint8_t		 p[];
};

struct heldq {
	struct held	*first;
	struct held	**last;
	size_t		 n;
};

/* CR_LOST: owned until another node wrote its log (jslog.h): out of the
 * hash table, kept until its stand-ins are gone. */
enum croom_state { CR_PENDING, CR_OWNED, CR_REMOTE, CR_LOST };

/* A room this node knows, by its hash. */
struct croom {
	struct cluster		*cl;
	uint8_t			 hash[CLUSTERMSG_HASH_BYTES];
	uint8_t			 room_id[RELAYMSG_ROOM_ID_BYTES];
	char			 subject[CLUSTERMSG_SUBJECT_MAX];
	uint8_t			 state;		/* enum croom_state */
	uint8_t			 owner;		/* CR_REMOTE: its node */
	uint8_t			 lobby;		/* a guarded room's lobby:
						 * room_id is its lobby id */
	uint8_t			 hashed;	/* in cl->rooms (not once
						 * lost, or superseded) */
	uint8_t			 bound;		/* pending lobby: this node's
						 * hub bound it meanwhile */
	uint8_t			 doorless;	/* owned lobby whose room is
						 * gone: no claim answered, its
						 * visitors served to their end */
	natsSubscription	*sub;		/* pending or owned */
	struct event		*timer;		/* pending: the claim's end */
	size_t			 nlinks;	/* cluster_links here */
	size_t			 nremotes;	/* owned: remote members */
	TAILQ_HEAD(, cluster_link) links;
	struct heldq		 held;		/* pending: others' IN, GONE */
	LIST_ENTRY(croom)	 hl;
	LIST_ENTRY(croom)	 all;
};

/* A local link whose room is not (yet) known to be this node's. */
struct cluster_link {
	uint32_t		 id;
	void			*link;
	struct cluster_link	**ref;
	struct croom		*room;
	int			 forwarded;
	uint32_t		 in_seq;	/* lseq of its last IN */
	uint32_t		 out_seq;	/* lseq of its last OUT */
	int64_t			 in_at;		/* its last IN with a message
						 * (monotonic ms; 0: none) */
	struct heldq		 held;		/* its messages while pending */
	TAILQ_ENTRY(cluster_link) rl;
	LIST_ENTRY(cluster_link) hl;
};

/* The owner's stand-in for a member whose link is on another node. */
struct cluster_remote {
	struct rroom_member	 m;		/* first */
	uint8_t			 node;
	uint32_t		 link;
	struct croom		*room;
	struct buf		 out;		/* OUT items of this turn */
	uint32_t		 in_seq;	/* lseq of its last IN */
	uint32_t		 out_seq;	/* lseq of its last OUT */
	int64_t			 out_at;	/* its last OUT with content
						 * (monotonic ms; 0: none) */
	uint8_t			 flags;		/* OUT flags, then freed */
	uint8_t			 ack_due;
	uint8_t			 in_flushq;
	uint8_t			 dead;
	LIST_ENTRY(cluster_remote) hl;
	TAILQ_ENTRY(cluster_remote) fl;
};

/* What a queued message costs beyond its payload, as counted against
 * CLUSTER_MAX_QUEUED (the client's natsMsg and subject, our qmsg). */
#define QMSG_COST	256

/* A message from NATS's delivery thread for the loop. */
struct qmsg {
	struct qmsg	*next;
	natsMsg		*msg;
	int		 answered;	/* a CLAIM answered on the thread */
};

/* A room this node owns, as NATS's delivery threads see it (under
 * olock): they answer a CLAIM for it at once, whatever the loop is
 * doing (one of its turns may wait JSLOG_WAIT_MS for JetStream, far
 * past CLUSTER_CLAIM_MS). */
struct owned {
	uint8_t			 hash[CLUSTERMSG_HASH_BYTES];
	uint8_t			 st;		/* OWN_PENDING, OWN_OWNED */
	LIST_ENTRY(owned)	 l;
};
/* Claimed by this node (not a lobby's claim: those are never answered),
 * so answered if the claimant's number is higher; or owned. */
#define OWN_PENDING	1
#define OWN_OWNED	2

struct cluster {
	struct event_base	*base;
	struct rroom_hub	*hub;
	struct cluster_ops	 ops;
	void			*arg;
	unsigned		 node;
	struct clustermsg_keys	*keys;		/* sodium_malloc'd */
	char			 inbox[CLUSTERMSG_SUBJECT_MAX];
	natsOptions		*opts;
	natsConnection		*nc;
	natsSubscription	*insub;
	natsSubscription	*alivesub;
	char			 alive[CLUSTERMSG_SUBJECT_MAX];
	/* Node liveness: when each node's last message came (monotonic ms;
	 * 0: never, so not judged), and whether it is taken as gone. */
	int64_t			 heard[CLUSTER_MAX_NODE + 1];
	uint8_t			 silent[CLUSTER_MAX_NODE + 1];
	int			 nats_down;	/* lost since the last connection:
						 * judge no one meanwhile, and
						 * restart the links at the next */
	struct event		*wake;		/* qmsgs, status */
	struct event		*flush_ev;
	struct event		*tick;
	pthread_mutex_t		 qlock;
	struct qmsg		*qfirst;
	struct qmsg		**qlast;
	size_t			 qbytes;	/* their cost, payload + QMSG_COST
						 * each (under qlock) */
	size_t			 qdropped;	/* past CLUSTER_MAX_QUEUED, not
						 * logged yet (under qlock) */
	/* NATS's connection events not told to the loop yet (under qlock:
	 * a loss and its reconnection can both come before it looks). */
	int			 downs;		/* losses */
	int			 ups;		/* connections */
	int			 last_up;	/* the last event: 1 up, 0 down */
	int			 closing;	/* cluster_free: nothing queued
						 * from now (under qlock) */
	pthread_mutex_t		 olock;
	LIST_HEAD(, owned)	 owned[ROOM_BUCKETS];	/* under olock */
	int			 oclosing;	/* under olock: cluster_free */
	int			 pub_failing;
	uint32_t		 next_link;
	size_t			 nrooms;
	uint8_t			*plain;		/* an opened message */
	uint8_t			*sealed;	/* a sealed one */
	struct buf		 msg;		/* one being built */
	struct buf		 item;
	LIST_HEAD(, croom)	 rooms[ROOM_BUCKETS];
	LIST_HEAD(, croom)	 allrooms;
	LIST_HEAD(, cluster_link) links[LINK_BUCKETS];
	LIST_HEAD(, cluster_remote) remotes[LINK_BUCKETS];
	TAILQ_HEAD(, cluster_remote) flushq;
};

/* --- held messages ------------------------------------------------------- */

static void
heldq_init(struct heldq *q)
{
	q->first = NULL;
	q->last = &q->first;
	q->n = 0;
}

static int
heldq_add(struct heldq *q, const uint8_t *p, size_t len)
{
	struct held *h;

	if (q->n >= CLUSTER_MAX_HELD || (h = malloc(sizeof(*h) + len)) == NULL)
		return -1;
	h->next = NULL;
	h->len = len;
	memcpy(h->p, p, len);
	*q->last = h;
	q->last = &h->next;
	q->n++;
	return 0;
}

/* Takes the whole queue out (q is empty after): the caller frees it. */
static struct held *
heldq_take(struct heldq *q)
{
	struct held *h = q->first;

	heldq_init(q);
	return h;
}

static void
held_free(struct held *h)
{
	struct held *next;

	for (; h != NULL; h = next) {
		next = h->next;
		sodium_memzero(h->p, h->len);
		free(h);
	}
}

/* --- publishing ---------------------------------------------------------- */

/* Seals cl->msg and publishes it on subject. */
static void
publish(struct cluster *cl, const char *subject)
{
	size_t len = buf_len(&cl->msg);
	natsStatus s;

	clustermsg_seal(cl->keys, subject, buf_ptr(&cl->msg), len, cl->sealed);
	s = natsConnection_Publish(cl->nc, subject, cl->sealed,
	    (int)(len + CLUSTERMSG_OVERHEAD));
	if (s != NATS_OK && !cl->pub_failing) {
		relay_log(RELAY_LOG_WARN, "cluster: cannot publish on NATS: "
		    "%s (rooms on other nodes miss traffic until it works)",
		    natsStatus_GetText(s));
		cl->pub_failing = 1;
	} else if (s == NATS_OK)
		cl->pub_failing = 0;
	buf_reset(&cl->msg);
}

/* Starts cl->msg: a message of this node's. */
static int
put_head(struct cluster *cl, uint8_t type, uint32_t link, unsigned to,
    uint8_t flags, uint32_t lseq)
{
	struct clustermsg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.node = (uint8_t)cl->node;
	m.link = link;
	m.to = (uint8_t)to;
	m.flags = flags;
	m.lseq = lseq;
	return clustermsg_put(&cl->msg, &m);
}

/* A link's next lseq: 1, 2, ..., past 2^32 - 1 to 1 (0 is no stand-in's). */
static uint32_t
lseq_next(uint32_t lseq)
{
	return lseq == UINT32_MAX ? 1 : lseq + 1;
}

static void
send_owner(struct cluster *cl, struct croom *cr, unsigned to)
{
	char subj[CLUSTERMSG_SUBJECT_MAX];

	clustermsg_node_subject(cl->keys, to, subj);
	if (put_head(cl, CLUSTERMSG_OWNER, 0, 0, 0, 0) == 0 &&
	    buf_put(&cl->msg, cr->hash, sizeof(cr->hash)) == 0)
		publish(cl, subj);
	buf_reset(&cl->msg);
}

/* k's next IN: the message p[0..len), or a sync (len 0, p unused). */
static void
send_in(struct cluster *cl, struct cluster_link *k, const uint8_t *p,
    size_t len)
{
	k->in_seq = lseq_next(k->in_seq);
	if (len > 0)
		k->in_at = mono_ms();
	if (put_head(cl, CLUSTERMSG_IN, k->id, k->room->owner, 0,
	    k->in_seq) == 0 && (len == 0 || buf_put(&cl->msg, p, len) == 0))
		publish(cl, k->room->subject);
	buf_reset(&cl->msg);
}

/* --- rooms --------------------------------------------------------------- */

/* Under olock. */
static struct owned *
owned_find(struct cluster *cl, const uint8_t hash[CLUSTERMSG_HASH_BYTES])
{
	struct owned *o;

	LIST_FOREACH(o, &cl->owned[hash[0]], l)
		if (memcmp(o->hash, hash, CLUSTERMSG_HASH_BYTES) == 0)
			return o;
	return NULL;
}

/* The room is claimed by this node or its own (st), or neither (0), for
 * the delivery threads.  Out of memory, its claims are answered by the
 * loop alone. */
static void
owned_set(struct cluster *cl, const uint8_t hash[CLUSTERMSG_HASH_BYTES],
    uint8_t st)
{
	struct owned *o;

	pthread_mutex_lock(&cl->olock);
	o = owned_find(cl, hash);
	if (st != 0 && o == NULL && (o = malloc(sizeof(*o))) != NULL) {
		memcpy(o->hash, hash, CLUSTERMSG_HASH_BYTES);
		LIST_INSERT_HEAD(&cl->owned[hash[0]], o, l);
	} else if (st == 0 && o != NULL) {
		LIST_REMOVE(o, l);
		free(o);
		o = NULL;
	}
	if (o != NULL)
		o->st = st;
	pthread_mutex_unlock(&cl->olock);
}

static struct croom *
croom_find(struct cluster *cl, const uint8_t hash[CLUSTERMSG_HASH_BYTES])
{
	struct croom *cr;

	LIST_FOREACH(cr, &cl->rooms[hash[0]], hl)
		if (memcmp(cr->hash, hash, CLUSTERMSG_HASH_BYTES) == 0)
			return cr;
	return NULL;
}

static void	msg_cb(natsConnection *, natsSubscription *, natsMsg *, void *);
static void	claim_end_cb(evutil_socket_t, short, void *);

static void
croom_unsubscribe(struct croom *cr)
{
	if (cr->sub != NULL) {
		natsSubscription_Unsubscribe(cr->sub);
		natsSubscription_Destroy(cr->sub);
		cr->sub = NULL;
	}
	if (cr->timer != NULL) {
		event_free(cr->timer);
		cr->timer = NULL;
	}
	held_free(heldq_take(&cr->held));
}

static void
croom_free(struct cluster *cl, struct croom *cr)
{
	if (cr->hashed) {
		owned_set(cl, cr->hash, 0);
		LIST_REMOVE(cr, hl);
	}
	croom_unsubscribe(cr);
	LIST_REMOVE(cr, all);
	cl->nrooms--;
	free(cr);
}

/* cr no longer answers claims nor takes INs (out of the table; kept
 * for its links or stand-ins until they are gone): the next JOIN or
 * VISIT for its hash claims afresh. */
static void
croom_unhash(struct cluster *cl, struct croom *cr)
{
	if (!cr->hashed)
		return;
	owned_set(cl, cr->hash, 0);
	LIST_REMOVE(cr, hl);
	cr->hashed = 0;
	croom_unsubscribe(cr);
}

/* A new croom in state, in the table (NULL: out of memory, or
 * CLUSTER_MAX_ROOMS). */
static struct croom *
croom_new(struct cluster *cl, const uint8_t hash[CLUSTERMSG_HASH_BYTES],
    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], int lobby, int state)
{
	struct croom *cr;

	if (cl->nrooms >= CLUSTER_MAX_ROOMS ||
	    (cr = calloc(1, sizeof(*cr))) == NULL)
		return NULL;
	cr->cl = cl;
	memcpy(cr->hash, hash, sizeof(cr->hash));
	memcpy(cr->room_id, room_id, sizeof(cr->room_id));
	cr->lobby = (uint8_t)lobby;
	clustermsg_room_subject(cl->keys, hash, cr->subject);
	TAILQ_INIT(&cr->links);
	heldq_init(&cr->held);
	cr->state = (uint8_t)state;
	cr->hashed = 1;
	LIST_INSERT_HEAD(&cl->rooms[hash[0]], cr, hl);
	LIST_INSERT_HEAD(&cl->allrooms, cr, all);
	cl->nrooms++;
	return cr;
}

/* A new room in CR_PENDING, subscribed to its subject, its claim sent. */
static struct croom *
croom_claim(struct cluster *cl, const uint8_t hash[CLUSTERMSG_HASH_BYTES],
    const uint8_t room_id[RELAYMSG_ROOM_ID_BYTES], int lobby)
{
	struct croom *cr;
	struct timeval tv = { 0, CLUSTER_CLAIM_MS * 1000 };

	if ((cr = croom_new(cl, hash, room_id, lobby, CR_PENDING)) == NULL)
		return NULL;
	if ((cr->timer = evtimer_new(cl->base, claim_end_cb, cr)) == NULL) {
		croom_free(cl, cr);
		return NULL;
	}
	/* Of two claimants, the lower answers the other at once too. */
	if (!lobby)
		owned_set(cl, hash, OWN_PENDING);
	/* Subscribed before claiming: of two claimants at once, at least
	 * one sees the other's claim (section 15.10). */
	if (natsConnection_Status(cl->nc) != NATS_CONN_STATUS_CONNECTED ||
	    natsConnection_Subscribe(&cr->sub, cl->nc, cr->subject, msg_cb,
	    cl) != NATS_OK) {
		relay_log(RELAY_LOG_WARN, "cluster: NATS is down: a room is "
		    "served by this node alone");
		cr->sub = NULL;
		tv.tv_usec = 0;
	} else if (put_head(cl, CLUSTERMSG_CLAIM, 0, 0, 0, 0) == 0) {
		relay_log(RELAY_LOG_INFO, "cluster: claiming a %s",
		    lobby ? "room's door" : "room");
		publish(cl, cr->subject);
	}
	buf_reset(&cl->msg);
	evtimer_add(cr->timer, &tv);
	return cr;
}

static void	link_free(struct cluster *, struct cluster_link *);
static void	remote_handle(struct cluster *, struct croom *,
		    const struct clustermsg *);

static void	links_local(struct cluster *, struct croom *);
static void	held_serve(struct cluster *, struct croom *);

/* Nobody else owns the room: this node does. */
static void
croom_own(struct cluster *cl, struct croom *cr)
{
	cr->state = CR_OWNED;
	owned_set(cl, cr->hash, OWN_OWNED);
	relay_log(RELAY_LOG_INFO, "cluster: this node owns a room (%zu rooms "
	    "known)", cl->nrooms);
	if (cr->timer != NULL) {
		event_free(cr->timer);
		cr->timer = NULL;
	}
	/* The room as the cluster's log has it (a takeover), first. */
	if (cl->ops.own != NULL && !cr->lobby)
		cl->ops.own(cl->arg, cr->room_id);
	/* What other nodes' links sent meanwhile, then this node's. */
	held_serve(cl, cr);
	links_local(cl, cr);
}

/* What other nodes sent cr's owner-to-be (INs, GONEs): handled, now
 * that this node owns it. */
static void
held_serve(struct cluster *cl, struct croom *cr)
{
	struct clustermsg m;
	struct held *h, *hs;

	hs = heldq_take(&cr->held);
	for (h = hs; h != NULL; h = h->next)
		if (clustermsg_parse(&m, h->p, h->len) == 0)
			remote_handle(cl, cr, &m);
	held_free(hs);
}

/* cr's links are this node's own from now: their held messages go to
 * the relay as any local link's. */
static void
links_local(struct cluster *cl, struct croom *cr)
{
	struct cluster_link *k;
	struct held *h, *hs;
	void *link;

	while ((k = TAILQ_FIRST(&cr->links)) != NULL) {
		link = k->link;
		hs = heldq_take(&k->held);
		link_free(cl, k);
		for (h = hs; h != NULL; h = h->next)
			cl->ops.input(cl->arg, link, h->p, h->len);
		held_free(hs);
	}
}

/*
 * A lobby nobody answered for: no node has a room with this door, and
 * none becomes its owner by claiming (only a LOBBY makes a node a
 * lobby's owner, cluster_lobby).  Its visitors are this node's, at a
 * door of nobody's here (VISITING 0, unless a room here took it
 * meanwhile).
 */
static void
lobby_unclaimed(struct cluster *cl, struct croom *cr)
{
	links_local(cl, cr);
	croom_free(cl, cr);
}

/* A lobby being claimed here that this node's hub bound meanwhile: this
 * node's (cluster_lobby), its visitors here its own. */
static void
lobby_own(struct cluster *cl, struct croom *cr)
{
	cr->state = CR_OWNED;
	owned_set(cl, cr->hash, OWN_OWNED);
	if (cr->timer != NULL) {
		event_free(cr->timer);
		cr->timer = NULL;
	}
	held_serve(cl, cr);
	links_local(cl, cr);
}

/* The room is owner's: this node's links go there. */
static void
croom_yield(struct cluster *cl, struct croom *cr, unsigned owner)
{
	struct cluster_link *k;
	struct held *h, *hs;

	/* What others sent this node as the owner-to-be goes on to the
	 * owner, as they sent it. */
	hs = heldq_take(&cr->held);
	for (h = hs; h != NULL; h = h->next) {
		h->p[CLUSTERMSG_TO_OFF] = (uint8_t)owner;
		if (buf_put(&cl->msg, h->p, h->len) == 0)
			publish(cl, cr->subject);
		buf_reset(&cl->msg);
	}
	held_free(hs);
	owned_set(cl, cr->hash, 0);
	croom_unsubscribe(cr);
	cr->state = CR_REMOTE;
	cr->owner = (uint8_t)owner;
	TAILQ_FOREACH(k, &cr->links, rl) {
		k->forwarded = 1;
		hs = heldq_take(&k->held);
		for (h = hs; h != NULL; h = h->next)
			send_in(cl, k, h->p, h->len);
		held_free(hs);
	}
	if (cr->nlinks == 0)
		croom_free(cl, cr);
}

static void
claim_end_cb(evutil_socket_t fd, short what, void *arg)
{
	struct croom *cr = arg;

	(void)fd;
	(void)what;
	if (cr->state == CR_PENDING && cr->lobby && cr->bound)
		lobby_own(cr->cl, cr);
	else if (cr->state == CR_PENDING && cr->lobby)
		lobby_unclaimed(cr->cl, cr);
	else if (cr->state == CR_PENDING)
		croom_own(cr->cl, cr);
}

/* --- local links --------------------------------------------------------- */

static struct cluster_link *
link_find(struct cluster *cl, uint32_t id)
{
	struct cluster_link *k;

	LIST_FOREACH(k, &cl->links[id % LINK_BUCKETS], hl)
		if (k->id == id)
			return k;
	return NULL;
}

static void
link_free(struct cluster *cl, struct cluster_link *k)
{
	struct croom *cr = k->room;

	*k->ref = NULL;
	LIST_REMOVE(k, hl);
	TAILQ_REMOVE(&cr->links, k, rl);
	held_free(heldq_take(&k->held));
	free(k);
	if (--cr->nlinks == 0 && cr->state == CR_REMOTE)
		croom_free(cl, cr);
}

int
cluster_take(struct cluster *cl, struct cluster_link **clp, void *link,
    const uint8_t *p, size_t len, int first)
{
	struct cluster_link *k = *clp;
	struct relaymsg m;
	struct croom *cr;
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	int lobby;

	if (k != NULL) {
		/* An empty message is malformed: refused here as in a room
		 * of this node's (on the bus it would read as a sync). */
		if (len == 0)
			return 0;
		/* Through the door: the visitor leaves the lobby's owner
		 * (or its claim: what it held is dropped), and its JOIN
		 * starts a link of the room's, wherever that is
		 * (PROTOCOL.md 15.10, lobbies, step 5). */
		if (k->room->lobby && p[0] == RELAYMSG_JOIN) {
			cluster_gone(cl, clp, 1);
			return cluster_take(cl, clp, link, p, len, 1);
		}
		if (k->forwarded)
			send_in(cl, k, p, len);
		else if (heldq_add(&k->held, p, len) != 0)
			relay_log(RELAY_LOG_WARN, "cluster: a member sent too "
			    "much before its room's owner was known: dropped");
		return 1;
	}
	if (!first || len == 0 || (p[0] != RELAYMSG_JOIN &&
	    p[0] != RELAYMSG_RESUME && p[0] != RELAYMSG_VISIT) ||
	    relaymsg_parse(&m, p, len) != 0)
		return 0;
	/* A VISIT goes to the node whose room has that door. */
	lobby = p[0] == RELAYMSG_VISIT;
	if (lobby)
		clustermsg_lobby_hash(cl->keys, m.room_id, hash);
	else
		clustermsg_room_hash(cl->keys, m.room_id, hash);
	if ((cr = croom_find(cl, hash)) != NULL && cr->state == CR_OWNED)
		return 0;
	if (cr == NULL && (cr = croom_claim(cl, hash, m.room_id, lobby)) ==
	    NULL)
		return 0;	/* no memory or too many rooms: local */
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		if (cr->nlinks == 0 && cr->state != CR_OWNED)
			croom_free(cl, cr);
		return 0;
	}
	if (++cl->next_link == 0)
		cl->next_link = 1;	/* the first is random: cluster_new */
	k->id = cl->next_link;
	k->link = link;
	k->ref = clp;
	k->room = cr;
	heldq_init(&k->held);
	LIST_INSERT_HEAD(&cl->links[k->id % LINK_BUCKETS], k, hl);
	TAILQ_INSERT_TAIL(&cr->links, k, rl);
	cr->nlinks++;
	*clp = k;
	if (cr->state == CR_REMOTE) {
		k->forwarded = 1;
		send_in(cl, k, p, len);
	} else
		heldq_add(&k->held, p, len);
	return 1;
}

void
cluster_lobby(struct cluster *cl, const uint8_t lobby_id[16])
{
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	struct croom *cr;

	clustermsg_lobby_hash(cl->keys, lobby_id, hash);
	if ((cr = croom_find(cl, hash)) != NULL) {
		if (cr->state == CR_PENDING) {
			/* A visitor here is claiming it right now: this
			 * node's, once out of the hub's call (the claim's
			 * timer, at once). */
			struct timeval now = { 0, 0 };

			cr->bound = 1;
			evtimer_add(cr->timer, &now);
			return;
		}
		if (cr->state == CR_OWNED) {
			if (cr->doorless) {	/* a room here has it again */
				cr->doorless = 0;
				owned_set(cl, cr->hash, OWN_OWNED);
			}
			return;
		}
		/* Forwarded to another node's door (which lost its room to
		 * this node, say): that croom serves its links to their end,
		 * and this node answers for the door from now. */
		croom_unhash(cl, cr);
	}
	if ((cr = croom_new(cl, hash, lobby_id, 1, CR_OWNED)) == NULL) {
		relay_log(RELAY_LOG_WARN, "cluster: a room's door is served "
		    "to this node's visitors only (too many rooms)");
		return;
	}
	owned_set(cl, cr->hash, OWN_OWNED);
	/* While NATS is down: subscribed once it is back. */
	if (natsConnection_Status(cl->nc) != NATS_CONN_STATUS_CONNECTED ||
	    natsConnection_Subscribe(&cr->sub, cl->nc, cr->subject, msg_cb,
	    cl) != NATS_OK)
		cr->sub = NULL;
}

void
cluster_room_lost(struct cluster *cl, const uint8_t room_id[16])
{
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	struct croom *cr;

	clustermsg_room_hash(cl->keys, room_id, hash);
	if ((cr = croom_find(cl, hash)) == NULL || cr->state != CR_OWNED)
		return;
	/* No more claims answered nor INs taken: the next JOIN or RESUME
	 * here claims the room afresh and finds its owner. */
	croom_unhash(cl, cr);
	cr->state = CR_LOST;
	if (cr->nremotes == 0 && cr->nlinks == 0)
		croom_free(cl, cr);
}

void
cluster_gone(struct cluster *cl, struct cluster_link **clp, int clean)
{
	struct cluster_link *k = *clp;

	if (k == NULL)
		return;
	if (k->forwarded) {
		if (put_head(cl, CLUSTERMSG_GONE, k->id, k->room->owner,
		    clean ? 1 : 0, 0) == 0)
			publish(cl, k->room->subject);
		buf_reset(&cl->msg);
	}
	link_free(cl, k);
}

/* Ends this node's link k: GONE (clean 0) to its owner first if 'tell',
 * then the relay closes the link, without a word if 'silent'. */
static void
link_drop(struct cluster *cl, struct cluster_link *k, int tell, int silent)
{
	void *link = k->link;

	if (tell)
		cluster_gone(cl, k->ref, 0);	/* frees k */
	else
		link_free(cl, k);
	cl->ops.close(cl->arg, link, silent);
}

/* An OUT from the owner for one of this node's links. */
static void
link_out(struct cluster *cl, const struct clustermsg *m)
{
	struct cluster_link *k;
	const uint8_t *p;
	size_t off = 0, len;

	if ((k = link_find(cl, m->link)) == NULL)
		return;
	if (m->lseq != lseq_next(k->out_seq)) {
		/* The bus lost an OUT (or this is the END of an owner with no
		 * stand-in): the member resumes from what it has, and the
		 * owner's replay fills the gap. */
		if (m->lseq != 0)
			relay_log(RELAY_LOG_INFO, "cluster: the bus lost "
			    "messages for a link: dropped, to resume");
		link_drop(cl, k, m->lseq != 0, 1);
		return;
	}
	k->out_seq = m->lseq;
	while ((k = link_find(cl, m->link)) != NULL &&
	    clustermsg_next_item(m, &off, &p, &len))
		cl->ops.deliver(cl->arg, k->link, p, len);
	if (k == NULL || (m->flags & (CLUSTERMSG_F_CLOSE | CLUSTERMSG_F_END)) ==
	    0)
		return;
	link_drop(cl, k, 0, (m->flags & CLUSTERMSG_F_END) != 0);
}

/* --- remote members (this node owns their room) -------------------------- */

/* An OUT with END and no items, for a link of 'node' this owner has no
 * stand-in for. */
static void
send_end(struct cluster *cl, unsigned node, uint32_t link)
{
	char subj[CLUSTERMSG_SUBJECT_MAX];

	clustermsg_node_subject(cl->keys, node, subj);
	if (put_head(cl, CLUSTERMSG_OUT, link, 0, CLUSTERMSG_F_END, 0) == 0)
		publish(cl, subj);
	buf_reset(&cl->msg);
}

static struct cluster_remote *
remote_find(struct cluster *cl, unsigned node, uint32_t link)
{
	struct cluster_remote *rm;

	LIST_FOREACH(rm, &cl->remotes[(link ^ node) % LINK_BUCKETS], hl)
		if (rm->node == node && rm->link == link)
			return rm;
	return NULL;
}

static void
remote_free(struct cluster *cl, struct cluster_remote *rm)
{
	LIST_REMOVE(rm, hl);
	if (rm->in_flushq)
		TAILQ_REMOVE(&cl->flushq, rm, fl);
	rm->room->nremotes--;
	buf_release(&rm->out);
	free(rm);
}

static void
remote_flush_later(struct cluster *cl, struct cluster_remote *rm)
{
	if (!rm->in_flushq) {
		TAILQ_INSERT_TAIL(&cl->flushq, rm, fl);
		rm->in_flushq = 1;
		event_active(cl->flush_ev, 0, 0);
	}
}

/* Publishes rm's OUT with flags (items may be none). */
static void
remote_publish(struct cluster *cl, struct cluster_remote *rm, uint8_t flags)
{
	char subj[CLUSTERMSG_SUBJECT_MAX];

	if (buf_len(&rm->out) == 0 && flags == 0)
		return;
	clustermsg_node_subject(cl->keys, rm->node, subj);
	rm->out_seq = lseq_next(rm->out_seq);
	rm->out_at = mono_ms();
	if (put_head(cl, CLUSTERMSG_OUT, rm->link, 0, flags, rm->out_seq) == 0 &&
	    buf_put(&cl->msg, buf_ptr(&rm->out), buf_len(&rm->out)) == 0)
		publish(cl, subj);
	buf_reset(&cl->msg);
	buf_reset(&rm->out);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	struct cluster_remote *rm;

	(void)fd;
	(void)what;
	/* ACCEPTED says the events are in the log: commit first. */
	cl->ops.commit(cl->arg);
	while ((rm = TAILQ_FIRST(&cl->flushq)) != NULL) {
		TAILQ_REMOVE(&cl->flushq, rm, fl);
		rm->in_flushq = 0;
		/* ACCEPTED held while the room's log is behind (its items
		 * go on): sent by cluster_remote_kick once it caught up. */
		if (rm->ack_due && !rm->dead && (cl->ops.durable == NULL ||
		    rroom_member_room(&rm->m) == NULL ||
		    cl->ops.durable(cl->arg, rroom_member_room(&rm->m)))) {
			rm->ack_due = 0;
			buf_reset(&cl->item);
			if (relaymsg_put_accepted(&cl->item,
			    rroom_member_cseq(&rm->m)) == 0)
				(void)clustermsg_put_item(&rm->out,
				    buf_ptr(&cl->item), buf_len(&cl->item));
		}
		remote_publish(cl, rm, rm->flags);
		if (rm->dead)
			remote_free(cl, rm);
	}
}

void
cluster_remote_send(struct cluster *cl, struct rroom_member *m,
    const uint8_t *p, size_t len)
{
	struct cluster_remote *rm = (struct cluster_remote *)(void *)m;

	if (rm->dead)
		return;
	if (buf_len(&rm->out) + 4 + len > CLUSTERMSG_MAX - 16)
		remote_publish(cl, rm, 0);
	if (clustermsg_put_item(&rm->out, p, len) != 0)
		relay_log(RELAY_LOG_WARN, "cluster: a message for a member on "
		    "node %u lost (out of memory)", rm->node);
	remote_flush_later(cl, rm);
}

void
cluster_remote_evict(struct cluster *cl, struct rroom_member *m)
{
	struct cluster_remote *rm = (struct cluster_remote *)(void *)m;

	rm->flags |= CLUSTERMSG_F_END;
	rm->dead = 1;
	remote_flush_later(cl, rm);
}

void
cluster_remote_kick(struct cluster *cl, struct rroom_member *m)
{
	struct cluster_remote *rm = (struct cluster_remote *)(void *)m;

	if (rm->ack_due && !rm->dead)
		remote_flush_later(cl, rm);
}

/* rm as after a GONE with clean 0 (its seat held, AWAY to the others),
 * and its node told to drop the link (END). */
static void
remote_cut(struct cluster *cl, struct cluster_remote *rm)
{
	rroom_cut(cl->hub, &rm->m, cl->ops.now(cl->arg));
	rm->flags |= CLUSTERMSG_F_END;
	rm->dead = 1;
	remote_flush_later(cl, rm);
}

/* An IN or GONE from another node, in a room this node owns. */
static void
remote_handle(struct cluster *cl, struct croom *cr, const struct clustermsg *m)
{
	struct cluster_remote *rm;
	uint8_t code;
	int rc;

	rm = remote_find(cl, m->node, m->link);
	if (m->type == CLUSTERMSG_GONE) {
		if (rm == NULL)
			return;
		if (!rm->dead) {
			if (m->flags)
				rroom_leave(cl->hub, &rm->m);
			else
				rroom_cut(cl->hub, &rm->m, cl->ops.now(cl->arg));
		}
		remote_free(cl, rm);
		return;
	}
	if (rm == NULL) {
		/* Only a JOIN or RESUME (on a lobby's subject, a VISIT), a
		 * link's first IN, starts a remote member.  Anything else is from a link this owner no longer
		 * serves (it took the link's node for gone, or restarted, or
		 * the bus lost the link's first INs): its node is told to
		 * drop it, so that its member resumes rather than talk into
		 * the void. */
		if (m->lseq != 1 || m->len == 0 || (cr->lobby ?
		    m->p[0] != RELAYMSG_VISIT : (m->p[0] != RELAYMSG_JOIN &&
		    m->p[0] != RELAYMSG_RESUME))) {
			send_end(cl, m->node, m->link);
			return;
		}
		if ((rm = calloc(1, sizeof(*rm))) == NULL)
			return;
		rroom_member_init(&rm->m);
		rm->m.remote = 1;
		rm->node = m->node;
		rm->link = m->link;
		rm->room = cr;
		buf_init(&rm->out, CLUSTERMSG_MAX);
		LIST_INSERT_HEAD(&cl->remotes[(rm->link ^ rm->node) %
		    LINK_BUCKETS], rm, hl);
		cr->nremotes++;
	}
	if (rm->dead)
		return;
	if (m->lseq != lseq_next(rm->in_seq)) {
		/* The bus lost INs of this link: it is cut (what was not
		 * acknowledged is sent again on the member's next link). */
		relay_log(RELAY_LOG_INFO, "cluster: the bus lost messages from "
		    "a member on node %u: cut, to resume", rm->node);
		remote_cut(cl, rm);
		return;
	}
	rm->in_seq = m->lseq;
	if (m->len == 0)
		return;		/* a sync: nothing lost so far */
	if (cr->lobby && m->p[0] == RELAYMSG_JOIN) {
		/* A visitor's JOIN comes as a new link of the room's, not
		 * through its door's (lobbies, step 5): a node that sends
		 * one here is not to be followed into a room of any id. */
		rroom_leave(cl->hub, &rm->m);
		buf_reset(&cl->item);
		if (relaymsg_put_error(&cl->item, RELAYMSG_ERR_PROTOCOL,
		    "a JOIN through a door's link") == 0)
			(void)clustermsg_put_item(&rm->out, buf_ptr(&cl->item),
			    buf_len(&cl->item));
		rm->flags |= CLUSTERMSG_F_CLOSE;
		rm->dead = 1;
		remote_flush_later(cl, rm);
		return;
	}
	rc = rroom_input(cl->hub, &rm->m, m->p, m->len, &code);
	if (rm->m.ack) {
		rm->m.ack = 0;
		rm->ack_due = 1;
		remote_flush_later(cl, rm);
	}
	if (rc == 0) {
		/* A resumed seat: all it missed, through the bus. */
		while (rm->m.replaying &&
		    rroom_replay(cl->hub, &rm->m, 256) == 1)
			;
		return;
	}
	if (rc == RROOM_CLOSE)
		rroom_leave(cl->hub, &rm->m);
	else
		rroom_cut(cl->hub, &rm->m, cl->ops.now(cl->arg));
	rm->flags |= rc == RROOM_CLOSE ? CLUSTERMSG_F_CLOSE : CLUSTERMSG_F_END;
	rm->dead = 1;
	remote_flush_later(cl, rm);
}

/* --- node liveness ------------------------------------------------------- */

static void
node_heard(struct cluster *cl, unsigned node)
{
	if (cl->heard[node] == 0)
		relay_log(RELAY_LOG_INFO, "cluster: node %u is up", node);
	cl->heard[node] = mono_ms();
	if (cl->silent[node]) {
		cl->silent[node] = 0;
		relay_log(RELAY_LOG_INFO, "cluster: node %u is heard again",
		    node);
	}
}

/* Every remote member of 'node' here (of every node: 0) is cut, as by a
 * GONE with clean 0 (its seat held, AWAY to the others), and its node
 * told to drop the link (END) in case it is only its ALIVEs that were
 * lost. */
static size_t
node_cut(struct cluster *cl, unsigned node)
{
	struct cluster_remote *rm;
	size_t i, n = 0;

	for (i = 0; i < LINK_BUCKETS; i++)
		LIST_FOREACH(rm, &cl->remotes[i], hl) {
			if ((node != 0 && rm->node != node) || rm->dead)
				continue;
			remote_cut(cl, rm);
			n++;
		}
	return n;
}

static void
send_alive(struct cluster *cl)
{
	if (put_head(cl, CLUSTERMSG_ALIVE, 0, 0, 0, 0) == 0)
		publish(cl, cl->alive);
	buf_reset(&cl->msg);
}

/*
 * The links this node forwards to rooms that 'node' owns are dropped
 * without a word (their members see a cut): the room went with its
 * owner, and each member, reconnecting, makes the room anew on a live
 * node (its RESUME finds no seat there, so it joins again, told that
 * messages may be missing, and sends again what was not acknowledged).
 */
static size_t
owner_gone(struct cluster *cl, unsigned node)
{
	struct croom *cr, *next;
	size_t n = 0, left;

	for (cr = LIST_FIRST(&cl->allrooms); cr != NULL; cr = next) {
		next = LIST_NEXT(cr, all);
		if (cr->state != CR_REMOTE || cr->owner != node)
			continue;
		/* link_free frees cr with its last link. */
		for (left = cr->nlinks; left > 0; left--, n++)
			link_drop(cl, TAILQ_FIRST(&cr->links), 0, 1);
	}
	return n;
}

/* A sync is due for a link whose last real message (not a sync) went
 * at least half a tick ago (while it talks, its own messages show any
 * gap) and less than CLUSTER_SYNC_MS ago: at most 5 after a burst. */
static int
sync_due(int64_t now, int64_t at)
{
	return now - at >= CLUSTER_ALIVE_MS / 2 && now - at < CLUSTER_SYNC_MS;
}

/*
 * Once a second, for each link whose traffic stopped in the last
 * CLUSTER_SYNC_MS: an IN or OUT of no content with the next lseq, so that
 * a loss of its last messages shows at the other end as a gap (and the
 * link resumes) instead of going unseen until it next speaks.
 */
static void
links_sync(struct cluster *cl)
{
	char subj[CLUSTERMSG_SUBJECT_MAX];
	struct cluster_remote *rm;
	struct cluster_link *k;
	int64_t now = mono_ms();
	size_t i;

	for (i = 0; i < LINK_BUCKETS; i++) {
		LIST_FOREACH(k, &cl->links[i], hl)
			if (k->forwarded && k->in_at != 0 &&
			    sync_due(now, k->in_at))
				send_in(cl, k, NULL, 0);
		LIST_FOREACH(rm, &cl->remotes[i], hl) {
			if (rm->dead || rm->in_flushq || rm->out_at == 0 ||
			    !sync_due(now, rm->out_at))
				continue;
			clustermsg_node_subject(cl->keys, rm->node, subj);
			rm->out_seq = lseq_next(rm->out_seq);
			if (put_head(cl, CLUSTERMSG_OUT, rm->link, 0, 0,
			    rm->out_seq) == 0)
				publish(cl, subj);
			buf_reset(&cl->msg);
		}
	}
}

/* Once a second: this node's ALIVE, and the nodes gone silent. */
static void
nodes_tick(struct cluster *cl)
{
	int64_t now = mono_ms();
	unsigned n;
	size_t cut, dropped;

	send_alive(cl);
	if (cl->nats_down)
		return;
	links_sync(cl);
	for (n = 1; n <= CLUSTER_MAX_NODE; n++) {
		if (cl->heard[n] == 0 || cl->silent[n] ||
		    now - cl->heard[n] < CLUSTER_SILENT_MS)
			continue;
		cl->silent[n] = 1;
		cut = node_cut(cl, n);
		dropped = owner_gone(cl, n);
		relay_log(RELAY_LOG_WARN, "cluster: node %u silent for %d s: "
		    "taken for gone (%zu of its members here cut, their seats "
		    "held; %zu links to rooms it owned dropped, to resume "
		    "where the rooms go on)", n, CLUSTER_SILENT_MS / 1000, cut,
		    dropped);
	}
}

/*
 * NATS is back after a loss: what crossed the bus meanwhile may be lost
 * (NATS keeps nothing for a subscriber that is away), so every link that
 * crosses it starts afresh, the way a cut link does: this node drops the
 * links it forwards (GONE with clean 0 to their owners) and cuts its
 * remote members (END to their nodes).  Each member then resumes, sends
 * again what was not acknowledged (the owner takes each cseq once) and
 * gets a replay of what it missed (by seq): nothing lost, nothing twice.
 */
static void
bus_restart(struct cluster *cl)
{
	struct cluster_link *k, *next;
	size_t i, links = 0, remotes;

	for (i = 0; i < LINK_BUCKETS; i++)
		for (k = LIST_FIRST(&cl->links[i]); k != NULL; k = next) {
			next = LIST_NEXT(k, hl);
			if (!k->forwarded)
				continue;
			link_drop(cl, k, 1, 1);
			links++;
		}
	remotes = node_cut(cl, 0);
	if (links > 0 || remotes > 0)
		relay_log(RELAY_LOG_INFO, "cluster: NATS is back: %zu links "
		    "through other nodes dropped and %zu members on other "
		    "nodes cut, to resume (what the bus lost meanwhile is sent "
		    "again)", links, remotes);
}

/* NATS is back: every node gets CLUSTER_SILENT_MS from now to be heard
 * (its ALIVEs could not reach us meanwhile). */
static void
nodes_grace(struct cluster *cl)
{
	int64_t now = mono_ms();
	unsigned n;

	for (n = 1; n <= CLUSTER_MAX_NODE; n++)
		if (cl->heard[n] != 0)
			cl->heard[n] = now;
}

/* --- the bus ------------------------------------------------------------- */

static void
room_msg(struct cluster *cl, struct croom *cr, const struct clustermsg *m,
    const uint8_t *plain, size_t plen, int answered)
{
	switch (m->type) {
	case CLUSTERMSG_CLAIM:
		/* Answered on the thread: as this node stood then (its state
		 * may have changed since, a room released and claimed anew:
		 * giving way now would leave each node taking the other for
		 * the owner). */
		if (answered)
			break;
		if (cr->state == CR_OWNED && !cr->doorless)
			send_owner(cl, cr, m->node);
		else if (cr->state == CR_PENDING && cr->lobby && cr->bound)
			send_owner(cl, cr, m->node);	/* this node's door */
		else if (cr->state != CR_PENDING || cr->lobby)
			break;	/* a lobby is nobody's by claiming */
		else if (cl->node < m->node)
			send_owner(cl, cr, m->node);
		else {
			relay_log(RELAY_LOG_INFO, "cluster: node %u claimed a "
			    "room at the same time: giving way", m->node);
			croom_yield(cl, cr, m->node);
		}
		break;
	case CLUSTERMSG_IN:
	case CLUSTERMSG_GONE:
		/* Only the node the sender takes for the owner acts: of
		 * two owners (a split), each serves its own followers. */
		if (m->to != cl->node)
			break;
		if (cr->state == CR_OWNED)
			remote_handle(cl, cr, m);
		else if (cr->state == CR_PENDING &&
		    heldq_add(&cr->held, plain, plen) != 0)
			relay_log(RELAY_LOG_WARN, "cluster: too many messages "
			    "for a room being claimed: dropped");
		break;
	}
}

static void
bus_msg(struct cluster *cl, natsMsg *msg, int answered)
{
	const char *subject = natsMsg_GetSubject(msg);
	const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
	int dlen = natsMsg_GetDataLength(msg);
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	struct clustermsg m;
	struct croom *cr;
	size_t plen;

	if (dlen < 0 || clustermsg_open(cl->keys, subject, data, (size_t)dlen,
	    cl->plain, &plen) != 0 || clustermsg_parse(&m, cl->plain, plen) !=
	    0 || m.node == cl->node)
		return;
	/* Any message from a node says it is up, not only its ALIVEs. */
	node_heard(cl, m.node);
	if (clustermsg_subject_hash(cl->keys, subject, hash) == 0) {
		if ((cr = croom_find(cl, hash)) != NULL)
			room_msg(cl, cr, &m, cl->plain, plen, answered);
		return;
	}
	if (m.type == CLUSTERMSG_OUT)
		link_out(cl, &m);
	else if (m.type == CLUSTERMSG_OWNER &&
	    (cr = croom_find(cl, m.hash)) != NULL) {
		if (cr->state == CR_PENDING && cr->lobby && cr->bound) {
			relay_log(RELAY_LOG_WARN, "cluster: node %u has a room "
			    "with this node's room's door (its lobby id bound "
			    "on two nodes): this node keeps it", m.node);
			lobby_own(cl, cr);
		} else if (cr->state == CR_PENDING)
			croom_yield(cl, cr, m.node);
		else if (cr->state == CR_OWNED && cr->lobby)
			relay_log(RELAY_LOG_WARN, "cluster: node %u has a room "
			    "with the door of a room of this node's (its lobby "
			    "id bound on two nodes)", m.node);
		else if (cr->state == CR_OWNED)
			relay_log(RELAY_LOG_WARN, "cluster: node %u owns a room "
			    "this node owns too (a claim race, or NATS was "
			    "split): its members are apart", m.node);
		else if (cr->owner != m.node)
			relay_log(RELAY_LOG_WARN, "cluster: node %u %s this node "
			    "forwards to node %u (%s)", m.node, cr->lobby ?
			    "has a door" : "owns a room", cr->owner, cr->lobby ?
			    "a lobby id bound on two nodes" : "a claim race, or "
			    "NATS was split: their members are apart");
	}
}

/*
 * NATS's delivery thread: a CLAIM (the one bus message of its size on a
 * room subject) for a room this node owns is answered here, OWNER to
 * the claimant, so that a loop busy past CLUSTER_CLAIM_MS does not make
 * the claimant a second owner.  1 if it was.  Uses only what the loop
 * does not change (keys, node, the connection) and the owned set.
 */
static int
claim_answer(struct cluster *cl, natsMsg *msg)
{
	const char *subject = natsMsg_GetSubject(msg);
	int dlen = natsMsg_GetDataLength(msg);
	uint8_t hash[CLUSTERMSG_HASH_BYTES], plain[2];
	uint8_t sealed[2 + CLUSTERMSG_HASH_BYTES + CLUSTERMSG_OVERHEAD];
	uint8_t owner[2 + CLUSTERMSG_HASH_BYTES];
	char subj[CLUSTERMSG_SUBJECT_MAX];
	struct clustermsg m;
	struct owned *o;
	size_t plen;
	int answer;

	if (dlen != (int)sizeof(plain) + CLUSTERMSG_OVERHEAD ||
	    clustermsg_subject_hash(cl->keys, subject, hash) != 0 ||
	    clustermsg_open(cl->keys, subject,
	    (const uint8_t *)natsMsg_GetData(msg), (size_t)dlen, plain,
	    &plen) != 0 || clustermsg_parse(&m, plain, plen) != 0 ||
	    m.type != CLUSTERMSG_CLAIM || m.node == cl->node)
		return 0;
	pthread_mutex_lock(&cl->olock);
	answer = !cl->oclosing && (o = owned_find(cl, hash)) != NULL &&
	    (o->st == OWN_OWNED || cl->node < m.node);
	pthread_mutex_unlock(&cl->olock);
	if (!answer)
		return 0;
	clustermsg_node_subject(cl->keys, m.node, subj);
	/* OWNER (PROTOCOL.md 15.10): type, node, the room's hash. */
	owner[0] = CLUSTERMSG_OWNER;
	owner[1] = (uint8_t)cl->node;
	memcpy(owner + 2, hash, sizeof(hash));
	clustermsg_seal(cl->keys, subj, owner, sizeof(owner), sealed);
	return natsConnection_Publish(cl->nc, subj, sealed,
	    (int)sizeof(sealed)) == NATS_OK;
}

/* NATS's delivery thread: queue for the loop. */
static void
msg_cb(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	struct cluster *cl = arg;
	struct qmsg *q;
	size_t len, cost;

	(void)nc;
	(void)sub;
	if ((q = malloc(sizeof(*q))) == NULL) {
		natsMsg_Destroy(msg);
		return;
	}
	q->next = NULL;
	q->msg = msg;
	q->answered = claim_answer(cl, msg);
	len = (size_t)natsMsg_GetDataLength(msg);
	cost = len + QMSG_COST;
	pthread_mutex_lock(&cl->qlock);
	if (!cl->closing && (cl->qbytes + cost > 2 * CLUSTER_MAX_QUEUED ||
	    (cl->qbytes + cost > CLUSTER_MAX_QUEUED &&
	    len > CLUSTER_CONTROL_MAX))) {
		/* The loop is far behind: a link's traffic is lost as on
		 * the bus (its lseq shows it); the small messages of claims,
		 * liveness and endings get twice the room. */
		cl->qdropped++;
		pthread_mutex_unlock(&cl->qlock);
		natsMsg_Destroy(msg);
		free(q);
		event_active(cl->wake, 0, 0);
		return;
	}
	if (cl->closing) {
		/* Freed while the library still runs (cluster_free). */
		pthread_mutex_unlock(&cl->qlock);
		natsMsg_Destroy(msg);
		free(q);
		return;
	}
	*cl->qlast = q;
	cl->qlast = &q->next;
	cl->qbytes += cost;
	pthread_mutex_unlock(&cl->qlock);
	event_active(cl->wake, 0, 0);
}

static void
status_cb(natsConnection *nc, void *arg, int up)
{
	struct cluster *cl = arg;
	int closing;

	(void)nc;
	pthread_mutex_lock(&cl->qlock);
	if (up)
		cl->ups++;
	else
		cl->downs++;
	cl->last_up = up;
	closing = cl->closing;
	pthread_mutex_unlock(&cl->qlock);
	if (!closing)
		event_active(cl->wake, 0, 0);
}

static void
up_cb(natsConnection *nc, void *arg)
{
	status_cb(nc, arg, 1);
}

static void
down_cb(natsConnection *nc, void *arg)
{
	status_cb(nc, arg, 0);
}

/* Rooms this node took while NATS was down: on their subjects now, so
 * that later claims for them are answered. */
static void
owned_subscribe(struct cluster *cl)
{
	struct croom *cr;

	LIST_FOREACH(cr, &cl->allrooms, all)
		if (cr->state == CR_OWNED && cr->sub == NULL &&
		    natsConnection_Subscribe(&cr->sub, cl->nc, cr->subject,
		    msg_cb, cl) != NATS_OK)
			cr->sub = NULL;
}

static void
wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	struct qmsg *q, *next;
	size_t dropped;
	int downs, ups, up;

	(void)fd;
	(void)what;
	/* The events and the messages, as one snapshot. */
	pthread_mutex_lock(&cl->qlock);
	downs = cl->downs;
	ups = cl->ups;
	up = cl->last_up;
	cl->downs = cl->ups = 0;
	q = cl->qfirst;
	cl->qfirst = NULL;
	cl->qlast = &cl->qfirst;
	cl->qbytes = 0;
	dropped = cl->qdropped;
	cl->qdropped = 0;
	pthread_mutex_unlock(&cl->qlock);
	if (dropped > 0)
		relay_log(RELAY_LOG_WARN, "cluster: %zu bus messages dropped: "
		    "this node's loop was behind (links' traffic past %u "
		    "bytes queued, anything past twice that)", dropped,
		    CLUSTER_MAX_QUEUED);
	if (downs > 0) {
		relay_log(RELAY_LOG_WARN, "cluster: lost NATS: serving this "
		    "node's members alone until it is back");
		cl->nats_down = 1;
	}
	/* Connected now (not lost again since): the links restart if it
	 * was lost meanwhile; if lost again, at the next connection. */
	if (ups > 0 && up) {
		relay_log(RELAY_LOG_INFO, "cluster: connected to NATS");
		nodes_grace(cl);
		owned_subscribe(cl);
		send_alive(cl);
		if (cl->nats_down)
			bus_restart(cl);
		cl->nats_down = 0;
	}
	for (; q != NULL; q = next) {
		next = q->next;
		bus_msg(cl, q->msg, q->answered);
		natsMsg_Destroy(q->msg);
		free(q);
	}
}

/* Each second: node liveness; rooms lost to another node freed once
 * their stand-ins are gone; lobbies whose room is gone made doorless,
 * and freed once their visitors are gone; owned rooms their hub has let
 * go of, with nobody left, released. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	struct croom *cr, *next;

	(void)fd;
	(void)what;
	nodes_tick(cl);
	for (cr = LIST_FIRST(&cl->allrooms); cr != NULL; cr = next) {
		next = LIST_NEXT(cr, all);
		if (cr->state == CR_LOST && cr->nremotes == 0)
			croom_free(cl, cr);
		else if (cr->state == CR_OWNED && cr->lobby) {
			/* No room here has the door any more: no claim is
			 * answered for it, and its visitors are served (a
			 * KNOCK has nobody at the door) to their end. */
			if (rroom_hub_has_lobby(cl->hub, cr->room_id))
				continue;
			if (!cr->doorless) {
				cr->doorless = 1;
				owned_set(cl, cr->hash, 0);
			}
			if (cr->nremotes == 0)
				croom_free(cl, cr);
		} else if (cr->state == CR_OWNED && cr->nremotes == 0 &&
		    cr->nlinks == 0 && !rroom_hub_has(cl->hub, cr->room_id)) {
			if (cl->ops.release != NULL)
				cl->ops.release(cl->arg, cr->room_id);
			croom_free(cl, cr);
			relay_log(RELAY_LOG_INFO, "cluster: released an empty "
			    "room (%zu rooms known)", cl->nrooms);
		}
	}
}

/* --- setup --------------------------------------------------------------- */

void
cluster_global_init(void)
{
	/* libevent's locks: msg_cb and status_cb wake the loop from NATS's
	 * threads. */
	evthread_use_pthreads();
}

/* Splits the comma-separated urls into servers[CLUSTER_MAX_URLS]
 * (pointers into list, size bytes): their count, or -1 (logged). */
static int
cluster_split_urls(const char *urls, char *list, size_t size,
    const char **servers)
{
	char *p, *save = NULL;
	int n = 0;

	/* natsOptions_SetURL takes one URL: a list goes to SetServers. */
	if (strlen(urls) >= size) {
		relay_log(RELAY_LOG_ERROR, "cluster: --nats URLs too long");
		return -1;
	}
	memcpy(list, urls, strlen(urls) + 1);
	for (p = strtok_r(list, ",", &save); p != NULL && n <
	    CLUSTER_MAX_URLS; p = strtok_r(NULL, ",", &save))
		servers[n++] = p;
	if (p != NULL || n == 0) {
		relay_log(RELAY_LOG_ERROR, "cluster: --nats: 1 to %d URLs",
		    CLUSTER_MAX_URLS);
		return -1;
	}
	return n;
}

int
cluster_nats_options(natsOptions **op, const char *urls, const char *name)
{
	const char *servers[CLUSTER_MAX_URLS];
	char list[CLUSTER_URLS_LEN];
	int nservers;

	*op = NULL;
	if ((nservers = cluster_split_urls(urls, list, sizeof(list),
	    servers)) < 0)
		return ERR_IO;
	if (natsOptions_Create(op) != NATS_OK)
		return ERR_ALLOC;
	if (natsOptions_SetServers(*op, servers, nservers) != NATS_OK ||
	    natsOptions_SetName(*op, name) != NATS_OK ||
	    natsOptions_SetNoRandomize(*op, true) != NATS_OK ||
	    natsOptions_SetMaxReconnect(*op, -1) != NATS_OK ||
	    natsOptions_SetReconnectWait(*op, 500) != NATS_OK ||
	    natsOptions_SetWriteDeadline(*op, CLUSTER_NATS_WRITE_MS) !=
	    NATS_OK ||
	    natsOptions_SetIOBufSize(*op, CLUSTER_NATS_IOBUF) != NATS_OK) {
		natsOptions_Destroy(*op);
		*op = NULL;
		return ERR_IO;
	}
	return 0;
}

int
cluster_new(struct cluster **cp, struct event_base *base, const char *urls,
    unsigned node, const uint8_t seed[32], struct rroom_hub *hub,
    const struct cluster_ops *ops, void *arg)
{
	struct cluster *cl;
	struct timeval tv = { CLUSTER_ALIVE_MS / 1000,
	    (CLUSTER_ALIVE_MS % 1000) * 1000 };
	natsStatus s;
	size_t i;
	int rc = ERR_ALLOC;

	*cp = NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return ERR_ALLOC;
	cl->base = base;
	cl->hub = hub;
	cl->ops = *ops;
	cl->arg = arg;
	cl->node = node;
	pthread_mutex_init(&cl->qlock, NULL);
	pthread_mutex_init(&cl->olock, NULL);
	/* Link numbers start anywhere: a node restarted within an owner's
	 * CLUSTER_SILENT_MS does not reuse the numbers of its old links,
	 * whose stand-ins the owner may still hold. */
	cl->next_link = randombytes_random();
	cl->qlast = &cl->qfirst;
	buf_init(&cl->msg, CLUSTERMSG_MAX);
	buf_init(&cl->item, 64);
	for (i = 0; i < ROOM_BUCKETS; i++) {
		LIST_INIT(&cl->rooms[i]);
		LIST_INIT(&cl->owned[i]);
	}
	LIST_INIT(&cl->allrooms);
	for (i = 0; i < LINK_BUCKETS; i++) {
		LIST_INIT(&cl->links[i]);
		LIST_INIT(&cl->remotes[i]);
	}
	TAILQ_INIT(&cl->flushq);
	if ((cl->keys = sodium_malloc(sizeof(*cl->keys))) == NULL ||
	    (cl->plain = malloc(CLUSTERMSG_MAX)) == NULL ||
	    (cl->sealed = malloc(CLUSTERMSG_MAX + CLUSTERMSG_OVERHEAD)) ==
	    NULL ||
	    (cl->wake = event_new(base, -1, 0, wake_cb, cl)) == NULL ||
	    (cl->flush_ev = event_new(base, -1, 0, flush_cb, cl)) == NULL ||
	    (cl->tick = event_new(base, -1, EV_PERSIST, tick_cb, cl)) == NULL)
		goto fail;
	clustermsg_keys_derive(cl->keys, seed);
	clustermsg_node_subject(cl->keys, node, cl->inbox);
	clustermsg_alive_subject(cl->keys, cl->alive);
	rroom_hub_set_ids(hub, (uint32_t)node << 24 | 1,
	    (uint32_t)node << 24 | 0xffffff);
	if ((rc = cluster_nats_options(&cl->opts, urls, "sotto relay")) != 0)
		goto fail;
	rc = ERR_IO;
	if (natsOptions_SetRetryOnFailedConnect(cl->opts, true, up_cb, cl) !=
	    NATS_OK ||
	    natsOptions_SetDisconnectedCB(cl->opts, down_cb, cl) != NATS_OK ||
	    natsOptions_SetReconnectedCB(cl->opts, up_cb, cl) != NATS_OK)
		goto fail;
	s = natsConnection_Connect(&cl->nc, cl->opts);
	if (s == NATS_OK)
		relay_log(RELAY_LOG_INFO, "cluster: node %u, connected to "
		    "NATS", node);
	else if (s == NATS_NOT_YET_CONNECTED)
		relay_log(RELAY_LOG_WARN, "cluster: node %u, NATS not there "
		    "yet: serving this node's members alone until it is", node);
	else {
		relay_log(RELAY_LOG_ERROR, "cluster: cannot use NATS at %s: %s",
		    urls, natsStatus_GetText(s));
		goto fail;
	}
	if (natsConnection_Subscribe(&cl->insub, cl->nc, cl->inbox, msg_cb,
	    cl) != NATS_OK || natsConnection_Subscribe(&cl->alivesub, cl->nc,
	    cl->alive, msg_cb, cl) != NATS_OK) {
		relay_log(RELAY_LOG_ERROR, "cluster: cannot subscribe on NATS");
		goto fail;
	}
	evtimer_add(cl->tick, &tv);
	send_alive(cl);		/* at once: the others know us from now */
	*cp = cl;
	return 0;
 fail:
	cluster_free(cl);
	return rc;
}

void
cluster_stop(struct cluster *cl)
{
	struct cluster_remote *rm;
	size_t i;

	if (cl == NULL)
		return;
	for (i = 0; i < LINK_BUCKETS; i++)
		while ((rm = LIST_FIRST(&cl->remotes[i])) != NULL) {
			rroom_detach(cl->hub, &rm->m);
			buf_reset(&cl->item);
			if (relaymsg_put_error(&cl->item, RELAYMSG_ERR_SHUTDOWN,
			    "relay node stopping") == 0)
				(void)clustermsg_put_item(&rm->out,
				    buf_ptr(&cl->item), buf_len(&cl->item));
			remote_publish(cl, rm, CLUSTERMSG_F_CLOSE);
			remote_free(cl, rm);
		}
}

int
cluster_free(struct cluster *cl)
{
	struct croom *cr;
	struct cluster_link *k;
	struct cluster_remote *rm;
	struct qmsg *q;
	size_t i;

	if (cl == NULL)
		return 0;
	pthread_mutex_lock(&cl->olock);
	cl->oclosing = 1;	/* no claim answered on a thread from now */
	pthread_mutex_unlock(&cl->olock);
	/* The connection first: no more deliveries, then the
	 * subscriptions (the client frees what they still held). */
	if (cl->nc != NULL)
		natsConnection_Close(cl->nc);
	if (cl->insub != NULL)
		natsSubscription_Destroy(cl->insub);
	if (cl->alivesub != NULL)
		natsSubscription_Destroy(cl->alivesub);
	/* What the loop has not taken yet is freed now, while the library
	 * runs: a natsMsg_Destroy after nats_CloseAndWait touches the
	 * library's freed state.  Any still delivered is freed at once. */
	pthread_mutex_lock(&cl->qlock);
	cl->closing = 1;
	q = cl->qfirst;
	cl->qfirst = NULL;
	cl->qlast = &cl->qfirst;
	pthread_mutex_unlock(&cl->qlock);
	while (q != NULL) {
		struct qmsg *next = q->next;

		natsMsg_Destroy(q->msg);
		free(q);
		q = next;
	}
	for (i = 0; i < LINK_BUCKETS; i++) {
		while ((k = LIST_FIRST(&cl->links[i])) != NULL)
			link_free(cl, k);
		while ((rm = LIST_FIRST(&cl->remotes[i])) != NULL)
			remote_free(cl, rm);
	}
	while ((cr = LIST_FIRST(&cl->allrooms)) != NULL)
		croom_free(cl, cr);
	if (cl->nc != NULL)
		natsConnection_Destroy(cl->nc);
	natsOptions_Destroy(cl->opts);
	if (nats_CloseAndWait(2000) == NATS_TIMEOUT) {
		/* A library thread may still call us: cl stays (the process
		 * is ending). */
		relay_log(RELAY_LOG_WARN, "cluster: the NATS library did not "
		    "stop in 2 s");
		return 1;
	}
	if (cl->wake != NULL)
		event_free(cl->wake);
	if (cl->flush_ev != NULL)
		event_free(cl->flush_ev);
	if (cl->tick != NULL)
		event_free(cl->tick);
	buf_release(&cl->msg);
	buf_release(&cl->item);
	free(cl->plain);
	free(cl->sealed);
	if (cl->keys != NULL)
		sodium_free(cl->keys);
	pthread_mutex_destroy(&cl->qlock);
	pthread_mutex_destroy(&cl->olock);
	free(cl);
	return 0;
}
