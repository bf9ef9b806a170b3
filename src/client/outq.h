/*
 * outq.h: a room member's outgoing queue, so that nothing typed is lost
 * when the link to the relay is cut or the member is not ready yet.
 *
 * Two lists, in order:
 * - lines the user typed: first waiting (not yet handed to the group
 *   layer), then handed (encrypted and sent as blobs numbered up to some
 *   cseq, not yet acknowledged by the relay);
 * - blobs sent to the relay (the whole BCAST/DIRECT message, with its
 *   cseq), kept until the relay's ACCEPTED covers them, to be sent again,
 *   byte for byte, on a resumed link.
 * An ACCEPTED for cseq c drops every blob numbered c or below and every
 * line whose last blob is numbered c or below.  Text is wiped when
 * dropped.  No I/O.
 */
#ifndef SOTTO_OUTQ_H
#define SOTTO_OUTQ_H

#include <stddef.h>
#include <stdint.h>

struct outq;

/* NULL on allocation failure. */
struct outq *outq_new(void);
/* Wipes and frees; NULL is a no-op. */
void	 outq_free(struct outq *q);

/* Appends a typed line (copied): 0, ERR_ALLOC, ERR_INVALID_ARG (empty). */
int	 outq_line_push(struct outq *q, const char *text, size_t len);
/* Lines not acknowledged yet (waiting or handed). */
size_t	 outq_lines(const struct outq *q);
/* Lines waiting, and their bytes. */
size_t	 outq_waiting(const struct outq *q);
size_t	 outq_waiting_bytes(const struct outq *q);
/* The first waiting line: 1 with *text and *len set (valid until the queue
 * changes), or 0 when none waits. */
int	 outq_line_next(const struct outq *q, const char **text, size_t *len);
/* The first waiting line was sent; its last blob is cseq.  A line that
 * sent nothing is dropped instead (outq_line_drop). */
void	 outq_line_handed(struct outq *q, uint32_t cseq);
void	 outq_line_drop(struct outq *q);
/* Line i of outq_lines(), oldest first: 1 with *text and *len, or 0. */
int	 outq_line_get(const struct outq *q, size_t i, const char **text,
	    size_t *len);

/* Keeps one sent message (copied) numbered cseq, which must be above
 * every blob kept: 0, ERR_ALLOC, ERR_INVALID_ARG. */
int	 outq_blob_push(struct outq *q, uint32_t cseq, const uint8_t *msg,
	    size_t len);
/* Blobs kept, and their bytes. */
size_t	 outq_blobs(const struct outq *q);
size_t	 outq_blob_bytes(const struct outq *q);
/* Blob i, oldest first: 1 with its cseq and bytes, or 0. */
int	 outq_blob_get(const struct outq *q, size_t i, uint32_t *cseq,
	    const uint8_t **msg, size_t *len);

/* The relay accepted everything up to cseq. */
void	 outq_ack(struct outq *q, uint32_t cseq);
/* A new seat: every blob is forgotten (they can't be sent again), and
 * every handed line waits again, before those that waited already. */
void	 outq_restart(struct outq *q);

#endif
