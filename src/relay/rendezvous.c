/*
 * rendezvous.c: the relay's rendezvous slots and the pairs they make
 * (rendezvous.h, PROTOCOL §21.4).  Everything is in fixed tables: the
 * slots by number (slot n is slots[n - 1]), the addresses in an open
 * addressing hash; nothing grows with what the links send.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "rdvmsg.h"
#include "relaylog.h"
#include "rendezvous.h"

#define RDV_PROBE	16	/* hash probes per address lookup */

enum slot_state {
	SLOT_FREE,
	SLOT_OPEN,		/* the host waits for a claim */
	SLOT_PAIRED,		/* claimed: forwarding */
	SLOT_RETIRED,		/* used, expired or abandoned */
};

/* Refills at per_min tokens a minute up to burst; thousandths. */
struct bucket {
	int64_t		at;
	int64_t		milli;
};

struct rdv_addr {
	uint8_t		key[RDV_KEY_BYTES];
	uint8_t		used;
	uint8_t		logged;		/* its refusal is in the log already */
	uint32_t	open;		/* its slots waiting for a claim */
	struct bucket	opens;
	struct bucket	claims;
};

struct rdv_end {
	void		*link;
	struct rdv_slot	*slot;
	struct rdv_addr	*ad;		/* the host's, for its open count */
	uint8_t		 host;		/* 1: the slot's host */
	uint8_t		 paused;	/* we paused it for its peer */
	uint8_t		 splice;	/* asked for it (RDVMSG_F_SPLICE) */
	uint8_t		 raw;		/* sent PAIRED_RAW: no records to it */
	uint8_t		 spliced;	/* sent SPLICE: its bytes are raw */
};

struct rdv_slot {
	uint8_t		 state;
	uint8_t		 expired;	/* RETIRED by time or its host's leaving,
					 * not by a claim */
	int64_t		 until;		/* OPEN: expiry; RETIRED: free then */
	struct rdv_end	*host;
	struct rdv_end	*joiner;
};

struct rdv_hub {
	const struct rdv_ops	*ops;
	struct rdv_slot		 slots[RDV_MAX_SLOTS];
	struct rdv_addr		 addrs[RDV_MAX_ADDRS];
	size_t			 nopen;
	size_t			 npaired;
	uint64_t		 claims;
	uint64_t		 limited;
	int			 splice;	/* rdv_hub_splice: 1, 0, or -1
					 * (refuse flags, as before §21.7) */
	uint8_t			 hkey[crypto_shorthash_KEYBYTES];
	uint8_t			 fwd[RDVMSG_MAX_DATA + 1];	/* a DATA_FROM */
};

static void
bucket_init(struct bucket *b, int burst, int64_t now)
{
	b->at = now;
	b->milli = (int64_t)burst * 1000;
}

/* Takes one token if there is one: 1, else 0. */
static int
bucket_take(struct bucket *b, int per_min, int burst, int64_t now)
{
	if (now > b->at) {
		b->milli += (now - b->at) * per_min / 60;
		if (b->milli > (int64_t)burst * 1000)
			b->milli = (int64_t)burst * 1000;
		b->at = now;
	}
	if (b->milli < 1000)
		return 0;
	b->milli -= 1000;
	return 1;
}

static int
bucket_full(const struct bucket *b, int per_min, int burst, int64_t now)
{
	int64_t m = b->milli + (now > b->at ? (now - b->at) * per_min / 60 : 0);

	return m >= (int64_t)burst * 1000;
}

int
rdv_hub_new(struct rdv_hub **hp, const struct rdv_ops *ops)
{
	struct rdv_hub *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return ERR_ALLOC;
	h->ops = ops;
	h->splice = 1;
	randombytes_buf(h->hkey, sizeof(h->hkey));
	*hp = h;
	return 0;
}

void
rdv_hub_free(struct rdv_hub *h)
{
	free(h);
}

void
rdv_hub_splice(struct rdv_hub *h, int on)
{
	h->splice = on;
}

void
rdv_end_free(struct rdv_end *e)
{
	free(e);
}

/* An address's entry; one not in use, or idle with full buckets, is
 * taken over.  NULL when the probed entries are all busy. */
static struct rdv_addr *
addr_get(struct rdv_hub *h, const uint8_t key[RDV_KEY_BYTES], int64_t now)
{
	uint8_t hv[crypto_shorthash_BYTES];
	struct rdv_addr *a, *spare = NULL;
	size_t i, start;

	crypto_shorthash(hv, key, RDV_KEY_BYTES, h->hkey);
	start = ((size_t)hv[0] | (size_t)hv[1] << 8) % RDV_MAX_ADDRS;
	for (i = 0; i < RDV_PROBE; i++) {
		a = &h->addrs[(start + i) % RDV_MAX_ADDRS];
		if (a->used && memcmp(a->key, key, RDV_KEY_BYTES) == 0)
			return a;
		if (spare == NULL && (!a->used || (a->open == 0 &&
		    bucket_full(&a->opens, RDV_OPEN_PER_MIN, RDV_OPEN_BURST,
		    now) && bucket_full(&a->claims, RDV_CLAIM_PER_MIN,
		    RDV_CLAIM_BURST, now))))
			spare = a;
	}
	if (spare == NULL)
		return NULL;
	memset(spare, 0, sizeof(*spare));
	memcpy(spare->key, key, RDV_KEY_BYTES);
	spare->used = 1;
	bucket_init(&spare->opens, RDV_OPEN_BURST, now);
	bucket_init(&spare->claims, RDV_CLAIM_BURST, now);
	return spare;
}

static uint32_t
slot_num(const struct rdv_hub *h, const struct rdv_slot *s)
{
	return (uint32_t)(s - h->slots) + 1;
}

/* The lowest free number; past them, the retired one freed soonest. */
static struct rdv_slot *
slot_alloc(struct rdv_hub *h, int64_t now)
{
	struct rdv_slot *s, *old = NULL;
	size_t i;

	for (i = 0; i < RDV_MAX_SLOTS; i++) {
		s = &h->slots[i];
		if (s->state == SLOT_RETIRED && s->until <= now &&
		    s->host == NULL && s->joiner == NULL)
			s->state = SLOT_FREE;
		if (s->state == SLOT_FREE)
			return s;
		if (s->state == SLOT_RETIRED && s->host == NULL &&
		    s->joiner == NULL && (old == NULL || s->until < old->until))
			old = s;
	}
	return old;
}

static void
say_error(struct rdv_hub *h, void *link, uint8_t code, const char *text)
{
	struct buf b;

	buf_init(&b, 300);
	if (rdvmsg_put_error(&b, code, text) == 0)
		h->ops->send(link, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
}

/* Retires s (its ends stay with their links until rdv_gone). */
static void
slot_retire(struct rdv_hub *h, struct rdv_slot *s, int64_t now)
{
	if (s->state == SLOT_OPEN) {
		h->nopen--;
		if (s->host != NULL && s->host->ad != NULL &&
		    s->host->ad->open > 0)
			s->host->ad->open--;
	} else if (s->state == SLOT_PAIRED)
		h->npaired--;
	s->state = SLOT_RETIRED;
	s->until = now + (int64_t)RDV_RETIRE_S * 1000;
}

/* An OPEN or CLAIM asking for splicing, on a relay that splices. */
static int
wants_splice(const struct rdv_hub *h, const struct rdvmsg *m)
{
	return h->splice > 0 && (m->flags & RDVMSG_F_SPLICE) != 0;
}

/* e sent its peer some: e is read no more while the peer's output is
 * over RDV_HIGH_WATER (rdv_drained resumes it). */
static void
pause_if_full(struct rdv_hub *h, struct rdv_end *e, struct rdv_end *peer)
{
	if (!e->paused && h->ops->pending(peer->link) > RDV_HIGH_WATER) {
		e->paused = 1;
		h->ops->pause(e->link, 1);
	}
}

static int
do_open(struct rdv_hub *h, struct rdv_end *e, const uint8_t *key,
    const struct rdvmsg *m, int64_t now)
{
	struct rdv_addr *a;
	struct rdv_slot *s;
	struct buf b;
	int r;

	if ((a = addr_get(h, key, now)) == NULL || a->open >=
	    RDV_MAX_OPEN_ADDR || !bucket_take(&a->opens, RDV_OPEN_PER_MIN,
	    RDV_OPEN_BURST, now)) {
		h->limited++;
		/* Once per address until it is let in again: a flood does
		 * not flood the log. */
		if (a == NULL || !a->logged)
			relay_log(RELAY_LOG_WARN, "%s: too many rendezvous "
			    "slots from this address: refused (logged once)",
			    h->ops->addr(e->link));
		if (a != NULL)
			a->logged = 1;
		say_error(h, e->link, RDVMSG_ERR_LIMIT, "too many codes made "
		    "from your address; try again later");
		return -1;
	}
	if ((s = slot_alloc(h, now)) == NULL) {
		say_error(h, e->link, RDVMSG_ERR_FULL, "the relay has no free "
		    "rendezvous slot; try again later");
		return -1;
	}
	a->logged = 0;
	e->splice = wants_splice(h, m);
	memset(s, 0, sizeof(*s));
	s->state = SLOT_OPEN;
	s->until = now + (int64_t)m->expiry * 1000;
	s->host = e;
	e->slot = s;
	e->host = 1;
	e->ad = a;
	a->open++;
	h->nopen++;
	buf_init(&b, 128);
	if ((r = rdvmsg_put_slot(&b, slot_num(h, s), m->expiry,
	    h->ops->addr(e->link))) == 0)
		h->ops->send(e->link, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
	relay_log(RELAY_LOG_INFO, "%s: rendezvous slot %lu open for %u s",
	    h->ops->addr(e->link), (unsigned long)slot_num(h, s),
	    (unsigned)m->expiry);
	return r == 0 ? 0 : -1;
}

/* PAIRED or PAIRED_RAW to e, with its own address. */
static void
pair_tell(struct rdv_hub *h, struct rdv_end *e,
    int (*put)(struct buf *, const char *))
{
	struct buf b;

	buf_init(&b, 128);
	if (put(&b, h->ops->addr(e->link)) == 0)
		h->ops->send(e->link, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
}

static int
do_claim(struct rdv_hub *h, struct rdv_end *e, const uint8_t *key,
    const struct rdvmsg *m, int64_t now)
{
	struct rdv_addr *a;
	struct rdv_slot *s;

	if ((a = addr_get(h, key, now)) == NULL ||
	    !bucket_take(&a->claims, RDV_CLAIM_PER_MIN, RDV_CLAIM_BURST, now)) {
		h->limited++;
		if (a == NULL || !a->logged)
			relay_log(RELAY_LOG_WARN, "%s: too many rendezvous "
			    "claims from this address: refused (logged once)",
			    h->ops->addr(e->link));
		if (a != NULL)
			a->logged = 1;
		say_error(h, e->link, RDVMSG_ERR_LIMIT, "too many codes tried "
		    "from your address; try again later");
		return -1;
	}
	a->logged = 0;
	h->claims++;
	s = m->slot <= RDV_MAX_SLOTS ? &h->slots[m->slot - 1] : NULL;
	if (s != NULL && s->state == SLOT_OPEN && s->until <= now)
		rdv_tick(h, now);	/* expires it, telling its host */
	if (s == NULL || s->state != SLOT_OPEN) {
		if (s != NULL && s->state == SLOT_RETIRED && s->expired)
			say_error(h, e->link, RDVMSG_ERR_EXPIRED, "this code "
			    "has expired (or its host gave up); ask for a new "
			    "one");
		else
			say_error(h, e->link, RDVMSG_ERR_NO_SLOT, "no such "
			    "code on this relay (mistyped, or already used: a "
			    "code works once)");
		return -1;
	}
	/* Paired: the slot is used up whatever happens inside. */
	h->nopen--;
	if (s->host->ad != NULL && s->host->ad->open > 0)
		s->host->ad->open--;
	s->host->ad = NULL;
	s->state = SLOT_PAIRED;
	h->npaired++;
	s->joiner = e;
	e->slot = s;
	e->host = 0;
	e->splice = wants_splice(h, m);
	/* Spliced (§21.7) when both asked: PAIRED_RAW is the last record
	 * either gets from us; what follows is the other's bytes. */
	if (e->splice && s->host->splice) {
		e->raw = s->host->raw = 1;
		pair_tell(h, e, rdvmsg_put_paired_raw);
		pair_tell(h, s->host, rdvmsg_put_paired_raw);
		h->ops->raw_output(e->link);
		h->ops->raw_output(s->host->link);
	} else {
		pair_tell(h, e, rdvmsg_put_paired);
		pair_tell(h, s->host, rdvmsg_put_paired);
	}
	relay_log(RELAY_LOG_INFO, "%s: claimed rendezvous slot %lu: paired "
	    "with %s%s", h->ops->addr(e->link), (unsigned long)m->slot,
	    h->ops->addr(s->host->link), e->raw ? " (spliced)" : "");
	return 0;
}

/* DATA: to the peer as DATA_FROM, the bytes unchanged. */
static int
do_data(struct rdv_hub *h, struct rdv_end *e, const struct rdvmsg *m)
{
	struct rdv_slot *s = e->slot;
	struct rdv_end *peer;

	if (s == NULL || s->state == SLOT_OPEN) {
		/* PROTOCOL §21.2: DATA before pairing is a protocol error,
		 * said as such (RDV_ERROR 1) before the close. */
		say_error(h, e->link, RDVMSG_ERR_PROTOCOL, "DATA before the "
		    "code was claimed");
		return -1;
	}
	if (s->state != SLOT_PAIRED)
		return 0;	/* the pair ended: its links are closing */
	peer = e->host ? s->joiner : s->host;
	if (peer == NULL)
		return 0;	/* it is going: drop */
	/* The type byte and the bytes as they came (send copies them). */
	h->fwd[0] = RDVMSG_DATA_FROM;
	memcpy(h->fwd + 1, m->data, m->data_len);
	h->ops->send(peer->link, h->fwd, m->data_len + 1);
	pause_if_full(h, e, peer);
	return 0;
}

/*
 * Spliced: e's raw bytes to its peer as they are (len 0: e's EOF, passed
 * on as the peer's half-close, so that its last records still come
 * back).  Before the peer has sent its own SPLICE they wait in its
 * output like any others: it was sent PAIRED_RAW, so its stream from
 * us is raw already.
 */
static void
do_raw(struct rdv_hub *h, struct rdv_end *e, const uint8_t *p, size_t len)
{
	struct rdv_slot *s = e->slot;
	struct rdv_end *peer;

	if (s == NULL || s->state != SLOT_PAIRED)
		return;
	if ((peer = e->host ? s->joiner : s->host) == NULL)
		return;
	if (len == 0) {
		h->ops->half_close(peer->link);
		return;
	}
	h->ops->send(peer->link, p, len);
	pause_if_full(h, e, peer);
}

int
rdv_input(struct rdv_hub *h, struct rdv_end **ep, void *link,
    const uint8_t key[RDV_KEY_BYTES], const uint8_t *p, size_t len,
    int64_t now)
{
	struct rdv_end *e = *ep;
	struct rdvmsg m;
	int r;

	if (e != NULL && e->spliced) {
		do_raw(h, e, p, len);
		return 0;
	}
	if (e != NULL && e->raw) {
		/* Sent PAIRED_RAW: only its SPLICE, and nothing to say to it
		 * if it is something else (its stream is the channel's). */
		if (rdvmsg_parse(&m, p, len) != 0 || m.type != RDVMSG_SPLICE) {
			relay_log(RELAY_LOG_WARN, "%s: expected SPLICE after "
			    "PAIRED_RAW: closing", h->ops->addr(link));
			goto fail;
		}
		e->spliced = 1;
		h->ops->raw_input(link);
		return 0;
	}
	if (e == NULL) {
		/* Out of memory: closed, not left a rendezvous link with
		 * no slot and no deadline. */
		if ((e = calloc(1, sizeof(*e))) == NULL)
			goto fail;
		e->link = link;
		*ep = e;
	}
	if ((r = rdvmsg_parse(&m, p, len)) == 0 && h->splice < 0 &&
	    (m.flags != 0 || m.type == RDVMSG_SPLICE))
		r = ERR_TRAILING;	/* a relay before §21.7 (test hook) */
	if (r != 0 || (e->slot == NULL) != (m.type != RDVMSG_DATA)) {
		relay_log(RELAY_LOG_WARN, "%s: bad rendezvous message (%s): "
		    "closing", h->ops->addr(link), r != 0 ? err_str(r) :
		    "unexpected");
		say_error(h, link, RDVMSG_ERR_PROTOCOL, "malformed or "
		    "unexpected rendezvous message");
		goto fail;
	}
	switch (m.type) {
	case RDVMSG_OPEN:
		r = do_open(h, e, key, &m, now);
		break;
	case RDVMSG_CLAIM:
		r = do_claim(h, e, key, &m, now);
		break;
	case RDVMSG_DATA:
		r = do_data(h, e, &m);
		break;
	default:
		say_error(h, link, RDVMSG_ERR_PROTOCOL, m.type ==
		    RDVMSG_SPLICE ? "SPLICE without PAIRED_RAW" : "that "
		    "message goes from the relay, not to it");
		r = -1;
		break;
	}
	if (r == 0)
		return 0;
 fail:
	h->ops->close(link);
	return -1;
}

void
rdv_gone(struct rdv_hub *h, struct rdv_end *e, int64_t now)
{
	struct rdv_slot *s;
	struct rdv_end *peer;

	if (e == NULL)
		return;
	if ((s = e->slot) != NULL) {
		peer = e->host ? s->joiner : s->host;
		/* A host that leaves before a claim: its code is refused as
		 * expired (it gave up). */
		if (s->state == SLOT_OPEN)
			s->expired = 1;
		if (s->state == SLOT_OPEN || s->state == SLOT_PAIRED)
			slot_retire(h, s, now);
		if (e->host)
			s->host = NULL;
		else
			s->joiner = NULL;
		if (peer != NULL) {
			if (!peer->raw)
				say_error(h, peer->link, RDVMSG_ERR_PEER_GONE,
				    "the other side has gone");
			h->ops->close(peer->link);
		}
	}
	free(e);
}

void
rdv_whoami(struct rdv_hub *h, void *link)
{
	struct buf b;

	buf_init(&b, 128);
	if (rdvmsg_put_addr(&b, h->ops->addr(link)) == 0)
		h->ops->send(link, buf_ptr(&b), buf_len(&b));
	buf_release(&b);
}

void
rdv_drained(struct rdv_hub *h, struct rdv_end *e)
{
	struct rdv_end *peer;

	if (e == NULL || e->slot == NULL || e->slot->state != SLOT_PAIRED)
		return;
	peer = e->host ? e->slot->joiner : e->slot->host;
	if (peer != NULL && peer->paused) {
		peer->paused = 0;
		h->ops->pause(peer->link, 0);
	}
}

void
rdv_tick(struct rdv_hub *h, int64_t now)
{
	struct rdv_slot *s;
	size_t i;

	for (i = 0; i < RDV_MAX_SLOTS; i++) {
		s = &h->slots[i];
		if (s->state != SLOT_OPEN || s->until > now)
			continue;
		s->expired = 1;
		slot_retire(h, s, now);
		if (s->host != NULL) {
			relay_log(RELAY_LOG_INFO, "%s: rendezvous slot %lu "
			    "expired", h->ops->addr(s->host->link),
			    (unsigned long)(i + 1));
			say_error(h, s->host->link, RDVMSG_ERR_EXPIRED, "your "
			    "code has expired");
			h->ops->close(s->host->link);
		}
	}
}

void
rdv_get_stats(const struct rdv_hub *h, struct rdv_stats *st)
{
	st->open = h->nopen;
	st->paired = h->npaired;
	st->claims = h->claims;
	st->limited = h->limited;
}
