/* outq.c: a room member's outgoing lines and unacknowledged blobs (see
 * outq.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "outq.h"

struct oitem {
	uint8_t		*p;
	size_t		 len;
	uint32_t	 cseq;		/* lines: 0 while waiting */
};

/* Items [head, n) of a growable array, oldest first. */
struct olist {
	struct oitem	*v;
	size_t		 head, n, cap;
	size_t		 bytes;
};

struct outq {
	struct olist	 lines;		/* handed first, then waiting */
	size_t		 handed;	/* of lines, from head */
	struct olist	 blobs;
};

static void
item_wipe(struct oitem *it)
{
	if (it->p != NULL) {
		sodium_memzero(it->p, it->len);
		free(it->p);
	}
	memset(it, 0, sizeof(*it));
}

static int
list_push(struct olist *l, const void *p, size_t len, uint32_t cseq)
{
	struct oitem *v;
	uint8_t *copy;
	size_t cap;

	if (len == 0)
		return ERR_INVALID_ARG;
	if (l->head > 0 && l->n == l->cap) {
		/* Slide down what is left instead of growing. */
		memmove(l->v, l->v + l->head, (l->n - l->head) * sizeof(*v));
		l->n -= l->head;
		l->head = 0;
	}
	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return ERR_ALLOC;
		l->v = v;
		l->cap = cap;
	}
	if ((copy = malloc(len)) == NULL)
		return ERR_ALLOC;
	memcpy(copy, p, len);
	l->v[l->n].p = copy;
	l->v[l->n].len = len;
	l->v[l->n].cseq = cseq;
	l->n++;
	l->bytes += len;
	return 0;
}

static void
list_pop(struct olist *l)
{
	l->bytes -= l->v[l->head].len;
	item_wipe(&l->v[l->head]);
	if (++l->head == l->n)
		l->head = l->n = 0;
}

static void
list_free(struct olist *l)
{
	while (l->n > l->head)
		list_pop(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct outq *
outq_new(void)
{
	return calloc(1, sizeof(struct outq));
}

void
outq_free(struct outq *q)
{
	if (q == NULL)
		return;
	list_free(&q->lines);
	list_free(&q->blobs);
	free(q);
}

int
outq_line_push(struct outq *q, const char *text, size_t len)
{
	return list_push(&q->lines, text, len, 0);
}

size_t
outq_lines(const struct outq *q)
{
	return q->lines.n - q->lines.head;
}

size_t
outq_waiting(const struct outq *q)
{
	return outq_lines(q) - q->handed;
}

size_t
outq_waiting_bytes(const struct outq *q)
{
	size_t i, b = q->lines.bytes;

	for (i = 0; i < q->handed; i++)
		b -= q->lines.v[q->lines.head + i].len;
	return b;
}

int
outq_line_next(const struct outq *q, const char **text, size_t *len)
{
	const struct oitem *it;

	if (outq_waiting(q) == 0)
		return 0;
	it = &q->lines.v[q->lines.head + q->handed];
	*text = (const char *)it->p;
	*len = it->len;
	return 1;
}

void
outq_line_handed(struct outq *q, uint32_t cseq)
{
	if (outq_waiting(q) == 0)
		return;
	q->lines.v[q->lines.head + q->handed].cseq = cseq;
	q->handed++;
}

void
outq_line_drop(struct outq *q)
{
	struct olist *l = &q->lines;
	size_t at;

	if (outq_waiting(q) == 0)
		return;
	at = l->head + q->handed;
	l->bytes -= l->v[at].len;
	item_wipe(&l->v[at]);
	memmove(&l->v[at], &l->v[at + 1], (l->n - at - 1) * sizeof(*l->v));
	l->n--;
	if (l->n == l->head)
		l->head = l->n = 0;
}

int
outq_line_get(const struct outq *q, size_t i, const char **text, size_t *len)
{
	const struct oitem *it;

	if (i >= outq_lines(q))
		return 0;
	it = &q->lines.v[q->lines.head + i];
	*text = (const char *)it->p;
	*len = it->len;
	return 1;
}

int
outq_blob_push(struct outq *q, uint32_t cseq, const uint8_t *msg, size_t len)
{
	struct olist *l = &q->blobs;

	if (cseq == 0 || (l->n > l->head && l->v[l->n - 1].cseq >= cseq))
		return ERR_INVALID_ARG;
	return list_push(l, msg, len, cseq);
}

size_t
outq_blobs(const struct outq *q)
{
	return q->blobs.n - q->blobs.head;
}

size_t
outq_blob_bytes(const struct outq *q)
{
	return q->blobs.bytes;
}

int
outq_blob_get(const struct outq *q, size_t i, uint32_t *cseq,
    const uint8_t **msg, size_t *len)
{
	const struct oitem *it;

	if (i >= outq_blobs(q))
		return 0;
	it = &q->blobs.v[q->blobs.head + i];
	*cseq = it->cseq;
	*msg = it->p;
	*len = it->len;
	return 1;
}

void
outq_ack(struct outq *q, uint32_t cseq)
{
	while (outq_blobs(q) > 0 && q->blobs.v[q->blobs.head].cseq <= cseq)
		list_pop(&q->blobs);
	while (q->handed > 0 && q->lines.v[q->lines.head].cseq <= cseq) {
		list_pop(&q->lines);
		q->handed--;
	}
}

void
outq_restart(struct outq *q)
{
	size_t i;

	while (outq_blobs(q) > 0)
		list_pop(&q->blobs);
	for (i = 0; i < q->handed; i++)
		q->lines.v[q->lines.head + i].cseq = 0;
	q->handed = 0;
}
