/*
 * logbatch.h: one message of a relay cluster's room log on NATS
 * JetStream (docs/PROTOCOL.md section 15.11): what one turn of the
 * room's owner wrote to the room's log, as a list of records.
 *
 * Plaintext (before sealing as a bus message, clustermsg_seal, for its
 * subject): u8 version (1) || u64 writer || u64 n || one or more records
 * (writer: a random number each node process picks at its start; n: its
 * count of messages written, from 1, so that a node can tell its own
 * last message from another's), each
 *   1 EVENT   u64 seq || u32 to || u32 len || msg[len]  (1..65536 bytes)
 *   2 SEAT    u32 id || u16 len || rec[len]             (1..256 bytes)
 *   3 UNSEAT  u32 id
 *   4 DROP    (nothing): the room ended; what came before is forgotten
 * integers big-endian; seq and id never 0.  Pure bytes, no I/O.
 */
#ifndef SOTTO_LOGBATCH_H
#define SOTTO_LOGBATCH_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define LOGBATCH_VERSION	1
#define LOGBATCH_EVENT		1
#define LOGBATCH_SEAT		2
#define LOGBATCH_UNSEAT		3
#define LOGBATCH_DROP		4
#define LOGBATCH_MAX_EVENT	(64 * 1024)
#define LOGBATCH_MAX_SEAT	256
/* The head: version, writer, n. */
#define LOGBATCH_HEAD		17
/* A record's bytes beyond its message (EVENT: kind, seq, to, len). */
#define LOGBATCH_EVENT_HEAD	17
#define LOGBATCH_SEAT_HEAD	7

struct logbatch_rec {
	uint8_t		 kind;
	uint64_t	 seq;		/* EVENT */
	uint32_t	 to;		/* EVENT */
	uint32_t	 id;		/* SEAT, UNSEAT */
	const uint8_t	*p;		/* EVENT: msg; SEAT: rec (a view) */
	size_t		 len;
};

/* Writes the head into out[LOGBATCH_HEAD]. */
void	 logbatch_head(uint8_t out[LOGBATCH_HEAD], uint64_t writer, uint64_t n);
/* Appends a record to b (records only: the head goes before them):
 * 0, ERR_INVALID_ARG (a length or number out of range) or ERR_TOO_LARGE
 * (b is full; b is left as it was). */
int	 logbatch_put(struct buf *b, const struct logbatch_rec *r);

/*
 * Walks a batch: logbatch_begin reads its head (*writer, *n) and checks
 * its version and that a record follows (0, ERR_TRUNCATED, ERR_VERSION),
 * and leaves *b at its first record;
 * logbatch_next reads one record into *r (views into the batch): 1, 0 at
 * the end, or ERR_TRUNCATED / ERR_TYPE / ERR_FORMAT (a zero or oversized
 * length, seq or id 0).  b is a view over the plaintext.
 */
int	 logbatch_begin(struct buf *b, const uint8_t *p, size_t len,
	    uint64_t *writer, uint64_t *n);
int	 logbatch_next(struct buf *b, struct logbatch_rec *r);

#endif
