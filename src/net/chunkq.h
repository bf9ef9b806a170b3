/*
 * chunkq.h: immutable byte chunks with a reference count, and FIFO queues
 * of references to them.  A message that goes to many links (a relay
 * broadcast) is made once as a chunk; every link's queue holds a
 * reference, and the chunk is freed with its last reference.  Nothing is
 * copied per link until the link's turn to seal it comes (relay.c).
 *
 * Memory is accounted in a struct chunk_stats the caller owns (one per
 * process, say): every chunk's allocation and every queue's slot array,
 * each counted once however many references there are -- what a global
 * budget has to look at.  No I/O, no locking (one event loop).
 */
#ifndef SOTTO_CHUNKQ_H
#define SOTTO_CHUNKQ_H

#include <stddef.h>
#include <stdint.h>

/* What the module holds, for a budget: bytes allocated (chunk headers
 * and data, queue slot arrays) and live chunks. */
struct chunk_stats {
	size_t		 bytes;
	size_t		 chunks;
};

struct chunk;

/* A chunk of at most CHUNK_MAX_LEN bytes. */
#define CHUNK_MAX_LEN	(1u << 24)

/*
 * A new chunk holding a copy of p[0..len) (len 1..CHUNK_MAX_LEN), with one
 * reference, owned by the caller; st (kept, must outlive the chunk) is
 * charged for it.  NULL on allocation failure or a bad length.
 */
struct chunk	*chunk_new(struct chunk_stats *st, const uint8_t *p,
		    size_t len);
/* Another reference to ch, owned by the caller; returns ch. */
struct chunk	*chunk_ref(struct chunk *ch);
/* Drops one reference; the last one frees the chunk.  NULL: no-op. */
void		 chunk_unref(struct chunk *ch);
const uint8_t	*chunk_data(const struct chunk *ch);
size_t		 chunk_len(const struct chunk *ch);
/* References held (for tests). */
uint32_t	 chunk_refs(const struct chunk *ch);

/*
 * A FIFO of chunk references in a ring that grows as needed and is freed
 * when the queue empties: an idle queue holds no memory.  Embed it (it is
 * small) and chunkq_init it; chunkq_clear before dropping it.
 */
struct chunkq {
	struct chunk_stats	*st;
	struct chunk		**v;
	uint32_t		 cap;
	uint32_t		 head;
	uint32_t		 n;
	size_t			 bytes;	/* sum of the queued chunks' lengths */
};

void	 chunkq_init(struct chunkq *q, struct chunk_stats *st);
/* Appends a reference of the queue's own to ch (the caller keeps its
 * own): 0, or ERR_ALLOC with nothing changed. */
int	 chunkq_push(struct chunkq *q, struct chunk *ch);
/* The i-th chunk from the head (0: the oldest), or NULL past the end;
 * the reference stays the queue's. */
struct chunk *chunkq_peek(const struct chunkq *q, size_t i);
/* Drops the oldest (its reference with it); a no-op when empty. */
void	 chunkq_pop(struct chunkq *q);
/* Drops every reference and the ring. */
void	 chunkq_clear(struct chunkq *q);
static inline size_t chunkq_count(const struct chunkq *q) { return q->n; }
/* Bytes referenced (the chunks' lengths; shared ones counted in full). */
static inline size_t chunkq_bytes(const struct chunkq *q) { return q->bytes; }
/* What this queue costs on its own: its ring. */
static inline size_t
chunkq_overhead(const struct chunkq *q)
{
	return (size_t)q->cap * sizeof(*q->v);
}

#endif
