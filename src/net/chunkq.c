/* chunkq.c: refcounted chunks and queues of references (see chunkq.h). */
#include <stdlib.h>
#include <string.h>

#include "chunkq.h"
#include "err.h"

struct chunk {
	struct chunk_stats	*st;
	uint32_t		 refs;
	uint32_t		 len;
	uint8_t			 data[];
};

/* The first ring, and the most a ring grows to (entries): far above
 * what any byte cap on a queue lets it reach. */
#define CHUNKQ_FIRST	8u
#define CHUNKQ_MAX	(1u << 30)

struct chunk *
chunk_new(struct chunk_stats *st, const uint8_t *p, size_t len)
{
	struct chunk *ch;

	if (len == 0 || len > CHUNK_MAX_LEN)
		return NULL;
	if ((ch = malloc(sizeof(*ch) + len)) == NULL)
		return NULL;
	ch->st = st;
	ch->refs = 1;
	ch->len = (uint32_t)len;
	memcpy(ch->data, p, len);
	st->bytes += sizeof(*ch) + len;
	st->chunks++;
	return ch;
}

struct chunk *
chunk_ref(struct chunk *ch)
{
	ch->refs++;
	return ch;
}

void
chunk_unref(struct chunk *ch)
{
	if (ch == NULL || --ch->refs > 0)
		return;
	ch->st->bytes -= sizeof(*ch) + ch->len;
	ch->st->chunks--;
	free(ch);
}

const uint8_t *
chunk_data(const struct chunk *ch)
{
	return ch->data;
}

size_t
chunk_len(const struct chunk *ch)
{
	return ch->len;
}

uint32_t
chunk_refs(const struct chunk *ch)
{
	return ch->refs;
}

void
chunkq_init(struct chunkq *q, struct chunk_stats *st)
{
	memset(q, 0, sizeof(*q));
	q->st = st;
}

/* Doubles the ring, unrolling it so that the head is at 0. */
static int
grow(struct chunkq *q)
{
	uint32_t ncap = q->cap == 0 ? CHUNKQ_FIRST : q->cap * 2, i;
	struct chunk **nv;

	if (q->cap >= CHUNKQ_MAX)
		return ERR_ALLOC;
	if ((nv = malloc((size_t)ncap * sizeof(*nv))) == NULL)
		return ERR_ALLOC;
	for (i = 0; i < q->n; i++)
		nv[i] = q->v[(q->head + i) % q->cap];
	free(q->v);
	q->st->bytes += (size_t)(ncap - q->cap) * sizeof(*nv);
	q->v = nv;
	q->cap = ncap;
	q->head = 0;
	return 0;
}

int
chunkq_push(struct chunkq *q, struct chunk *ch)
{
	if (q->n == q->cap && grow(q) != 0)
		return ERR_ALLOC;
	q->v[(q->head + q->n) % q->cap] = chunk_ref(ch);
	q->n++;
	q->bytes += ch->len;
	return 0;
}

struct chunk *
chunkq_peek(const struct chunkq *q, size_t i)
{
	if (i >= q->n)
		return NULL;
	return q->v[(q->head + i) % q->cap];
}

/* An empty queue gives its ring back. */
static void
release_if_empty(struct chunkq *q)
{
	if (q->n > 0 || q->v == NULL)
		return;
	q->st->bytes -= (size_t)q->cap * sizeof(*q->v);
	free(q->v);
	q->v = NULL;
	q->cap = q->head = 0;
}

void
chunkq_pop(struct chunkq *q)
{
	struct chunk *ch;

	if (q->n == 0)
		return;
	ch = q->v[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	q->bytes -= ch->len;
	chunk_unref(ch);
	release_if_empty(q);
}

void
chunkq_clear(struct chunkq *q)
{
	while (q->n > 0)
		chunkq_pop(q);
	release_if_empty(q);
}
