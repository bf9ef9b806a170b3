/* addrlim.c: per-address accounting and token buckets (see addrlim.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <sodium.h>

#include "err.h"
#include "addrlim.h"

#define ADDRLIM_MIN_SLOTS	1024

struct addrlim {
	struct addrlim_conf	  conf;
	struct addrlim_addr	**slot;
	size_t			  nslots;	/* a power of two */
	size_t			  count;
	uint8_t			  hkey[crypto_shorthash_KEYBYTES];
};

/* --- token buckets ---------------------------------------------------------- */

void
tbucket_init(struct tbucket *b, uint32_t burst, int64_t now)
{
	b->at = now;
	b->milli = (int64_t)burst * 1000;
}

static void
refill(struct tbucket *b, uint32_t rate, uint32_t burst, int64_t now)
{
	int64_t dt = now - b->at;

	if (dt <= 0)
		return;
	b->at = now;
	/* rate tokens a second is rate thousandths a millisecond. */
	if (dt > (int64_t)1 << 40)
		dt = (int64_t)1 << 40;
	b->milli += dt * (int64_t)rate;
	if (b->milli > (int64_t)burst * 1000)
		b->milli = (int64_t)burst * 1000;
}

int
tbucket_take(struct tbucket *b, uint32_t rate, uint32_t burst, uint32_t cost,
    int64_t now)
{
	refill(b, rate, burst, now);
	if (b->milli < (int64_t)cost * 1000)
		return 0;
	b->milli -= (int64_t)cost * 1000;
	return 1;
}

int64_t
tbucket_charge(struct tbucket *b, uint32_t rate, uint32_t burst,
    uint32_t cost, int64_t now)
{
	refill(b, rate, burst, now);
	b->milli -= (int64_t)cost * 1000;
	if (b->milli >= 0)
		return 0;
	if (rate == 0)
		return INT64_MAX;
	return (-b->milli + rate - 1) / rate;
}

int
tbucket_full(struct tbucket *b, uint32_t rate, uint32_t burst, int64_t now)
{
	refill(b, rate, burst, now);
	return b->milli >= (int64_t)burst * 1000;
}

/* --- the table -------------------------------------------------------------- */

int
addrlim_new(struct addrlim **lp, const struct addrlim_conf *conf)
{
	struct addrlim *l;

	*lp = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ERR_ALLOC;
	if ((l->slot = calloc(ADDRLIM_MIN_SLOTS, sizeof(*l->slot))) == NULL) {
		free(l);
		return ERR_ALLOC;
	}
	l->nslots = ADDRLIM_MIN_SLOTS;
	l->conf = *conf;
	randombytes_buf(l->hkey, sizeof(l->hkey));
	*lp = l;
	return 0;
}

void
addrlim_free(struct addrlim *l)
{
	struct addrlim_addr *a, *n;
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->nslots; i++)
		for (a = l->slot[i]; a != NULL; a = n) {
			n = a->next;
			free(a);
		}
	free(l->slot);
	sodium_memzero(l, sizeof(*l));
	free(l);
}

int
addrlim_key(const struct sockaddr *sa, uint8_t key[ADDRLIM_KEY_BYTES],
    uint8_t addr16[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	const uint8_t *a;

	memset(key, 0, ADDRLIM_KEY_BYTES);
	memset(addr16, 0, 16);
	if (sa->sa_family == AF_INET) {
		s4 = (const struct sockaddr_in *)(const void *)sa;
		memcpy(addr16, mapped, sizeof(mapped));
		memcpy(addr16 + 12, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		s6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(addr16, &s6->sin6_addr, 16);
	} else
		return -1;
	a = addr16;
	if (memcmp(a, mapped, sizeof(mapped)) == 0) {
		key[0] = 4;
		memcpy(key + 1, a + 12, 4);
	} else {
		key[0] = 6;
		memcpy(key + 1, a, 8);	/* the /64 */
	}
	return 0;
}

static size_t
slot_of(const struct addrlim *l, const uint8_t key[ADDRLIM_KEY_BYTES])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;
	int i;

	crypto_shorthash(h, key, ADDRLIM_KEY_BYTES, l->hkey);
	for (i = 0; i < 8; i++)
		v = (v << 8) | h[i];
	return (size_t)(v & (l->nslots - 1));
}

/* Doubles the slots when there are more entries than slots; on
 * allocation failure the chains just get longer. */
static void
grow(struct addrlim *l)
{
	struct addrlim_addr **old = l->slot, *a, *n;
	size_t oldn = l->nslots, i, s;

	if (l->count <= l->nslots)
		return;
	if ((l->slot = calloc(oldn * 2, sizeof(*l->slot))) == NULL) {
		l->slot = old;
		return;
	}
	l->nslots = oldn * 2;
	for (i = 0; i < oldn; i++)
		for (a = old[i]; a != NULL; a = n) {
			n = a->next;
			s = slot_of(l, a->key);
			a->next = l->slot[s];
			l->slot[s] = a;
		}
	free(old);
}

struct addrlim_addr *
addrlim_get(struct addrlim *l, const struct sockaddr *sa, int64_t now)
{
	uint8_t key[ADDRLIM_KEY_BYTES], a16[16];
	struct addrlim_addr *a;
	size_t s;

	if (addrlim_key(sa, key, a16) != 0)
		return NULL;
	s = slot_of(l, key);
	for (a = l->slot[s]; a != NULL; a = a->next)
		if (memcmp(a->key, key, sizeof(key)) == 0)
			return a;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	memcpy(a->key, key, sizeof(key));
	tbucket_init(&a->rooms, l->conf.rooms_burst * 60, now);
	a->next = l->slot[s];
	l->slot[s] = a;
	l->count++;
	grow(l);
	return a;
}

int
addrlim_admit(struct addrlim *l, struct addrlim_addr *a)
{
	if ((l->conf.max_conns > 0 && a->conns >= l->conf.max_conns) ||
	    (l->conf.max_pending > 0 && a->pending >= l->conf.max_pending))
		return ERR_RETRY_LATER;
	a->conns++;
	a->pending++;
	return 0;
}

void
addrlim_handshake_done(struct addrlim_addr *a)
{
	if (a->pending > 0)
		a->pending--;
}

void
addrlim_release(struct addrlim_addr *a)
{
	if (a->conns > 0)
		a->conns--;
}

int
addrlim_room(struct addrlim *l, struct addrlim_addr *a, int64_t now)
{
	/* rooms_rate is per minute; the bucket counts per second, so it
	 * runs in sixtieths. */
	if (l->conf.rooms_rate == 0)
		return 0;
	if (!tbucket_take(&a->rooms, l->conf.rooms_rate, l->conf.rooms_burst *
	    60, 60, now))
		return ERR_RETRY_LATER;
	return 0;
}

size_t
addrlim_sweep(struct addrlim *l, int64_t now)
{
	struct addrlim_addr **pp, *a;
	size_t i;

	for (i = 0; i < l->nslots; i++)
		for (pp = &l->slot[i]; (a = *pp) != NULL;) {
			if (a->conns == 0 && a->pending == 0 &&
			    (l->conf.rooms_rate == 0 || tbucket_full(&a->rooms,
			    l->conf.rooms_rate, l->conf.rooms_burst * 60,
			    now))) {
				*pp = a->next;
				free(a);
				l->count--;
				continue;
			}
			pp = &a->next;
		}
	return l->count;
}

size_t
addrlim_count(const struct addrlim *l)
{
	return l->count;
}
