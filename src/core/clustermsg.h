/*
 * clustermsg.h: the messages relay nodes exchange over the NATS bus
 * (docs/PROTOCOL.md section 15.10), their sealing and their subjects.
 * No I/O: src/relay/cluster.c does the talking.
 *
 * Every bus message is sealed with XChaCha20-Poly1305 under a key derived
 * from the relay's secret key, with the NATS subject it is published on
 * as associated data; subjects are derived with a keyed hash, so the bus
 * sees neither room ids nor names nor blobs.
 *
 * (A "room" on the bus is a room, or a guarded room's lobby: §15.10.)
 * Opened, a message is: u8 type || u8 node (the sender's node number,
 * 1..255) || body:
 *   1 CLAIM   (empty)                      who owns this room?
 *   2 OWNER   room_hash[16]                I own it (to the claimant)
 *   3 IN      u32 link || u8 to || u32 lseq || message
 *                                          a member's relay message
 *   4 GONE    u32 link || u8 to || u8 clean  that member's link ended
 * ('to': the node the sender takes for the room's owner; only it acts)
 *   5 OUT     u32 link || u8 flags || u32 lseq || 0+ * (u32 len || message)
 * ('lseq': 1, 2, ... for the link's INs, and for the OUTs to it, so that
 * a receiver sees what the bus lost; an OUT of lseq 0 is an END from an
 * owner that has no stand-in for the link; an IN with no message or an
 * OUT with no items and no flags is a sync: only its lseq counts)
 *   6 ALIVE   (empty)                      this node is up (once a second)
 */
#ifndef SOTTO_CLUSTERMSG_H
#define SOTTO_CLUSTERMSG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CLUSTERMSG_CLAIM	1
#define CLUSTERMSG_OWNER	2
#define CLUSTERMSG_IN		3
#define CLUSTERMSG_GONE		4
#define CLUSTERMSG_OUT		5
#define CLUSTERMSG_ALIVE	6

/* OUT flags: after the messages, close the link (its close record), or
 * drop it without a word (its seat was taken by another link). */
#define CLUSTERMSG_F_CLOSE	0x01
#define CLUSTERMSG_F_END	0x02

#define CLUSTERMSG_HASH_BYTES	16
#define CLUSTERMSG_KEY_BYTES	32
#define CLUSTERMSG_NONCE_BYTES	24
#define CLUSTERMSG_TAG_BYTES	16
#define CLUSTERMSG_OVERHEAD	(CLUSTERMSG_NONCE_BYTES + CLUSTERMSG_TAG_BYTES)
/* The largest opened message (an OUT is cut before it grows past it);
 * a quarter of nats-server's default max_payload. */
#define CLUSTERMSG_MAX		(256u * 1024)
/* A subject: "sotto." 16 hex ".r." 32 hex, or ".n." and a number. */
#define CLUSTERMSG_SUBJECT_MAX	64

/* The cluster's keys, derived from the relay's 32-byte secret key
 * seed; kept by the caller in guarded memory. */
struct clustermsg_keys {
	uint8_t		subject[CLUSTERMSG_KEY_BYTES];	/* keyed hashes */
	uint8_t		seal[CLUSTERMSG_KEY_BYTES];	/* AEAD */
	char		prefix[6 + 16 + 1];		/* "sotto." hex */
};

struct clustermsg {
	uint8_t		 type;
	uint8_t		 node;
	uint8_t		 hash[CLUSTERMSG_HASH_BYTES];	/* OWNER */
	uint32_t	 link;				/* IN, GONE, OUT */
	uint8_t		 to;				/* IN, GONE */
	uint8_t		 flags;				/* GONE's clean, OUT */
	uint32_t	 lseq;				/* IN, OUT */
	const uint8_t	*p;				/* IN: the message;
							 * OUT: the items */
	size_t		 len;
};

void	 clustermsg_keys_derive(struct clustermsg_keys *k,
	    const uint8_t seed[32]);
/* The room's hash (BLAKE2b-128 keyed with the subject key). */
void	 clustermsg_room_hash(const struct clustermsg_keys *k,
	    const uint8_t room_id[16], uint8_t hash[CLUSTERMSG_HASH_BYTES]);
/* A guarded room's lobby's hash: BLAKE2b-128 keyed with the subject key
 * of "lobby" || lobby_id (21 bytes: never a room's hash).  Its subject
 * is clustermsg_room_subject's. */
void	 clustermsg_lobby_hash(const struct clustermsg_keys *k,
	    const uint8_t lobby_id[16], uint8_t hash[CLUSTERMSG_HASH_BYTES]);
/* Subjects into out[CLUSTERMSG_SUBJECT_MAX]. */
void	 clustermsg_room_subject(const struct clustermsg_keys *k,
	    const uint8_t hash[CLUSTERMSG_HASH_BYTES], char *out);
void	 clustermsg_node_subject(const struct clustermsg_keys *k,
	    unsigned node, char *out);
/* Every node's: "sotto." hex(cid) ".a", for ALIVE. */
void	 clustermsg_alive_subject(const struct clustermsg_keys *k, char *out);
/* A room subject's hash: 0, or ERR_FORMAT if s is not one. */
int	 clustermsg_subject_hash(const struct clustermsg_keys *k,
	    const char *s, uint8_t hash[CLUSTERMSG_HASH_BYTES]);

/* Offset of IN's and GONE's 'to' in an opened message. */
#define CLUSTERMSG_TO_OFF	6

/* Builders: append the opened message's fields up to its variable part
 * (OWNER's hash, IN's message, OUT's items: the caller's) from m's
 * type, node, link, to, flags and lseq.  0, or a buf error. */
int	 clustermsg_put(struct buf *b, const struct clustermsg *m);
/* OUT's items: one (u32 len || message). */
int	 clustermsg_put_item(struct buf *b, const uint8_t *p, size_t len);

/* Seals p[0..len) for subject into out (len + CLUSTERMSG_OVERHEAD
 * bytes); opens in[0..inlen) into out (inlen - CLUSTERMSG_OVERHEAD):
 * 0, ERR_TRUNCATED, ERR_TOO_LARGE or ERR_AUTH. */
void	 clustermsg_seal(const struct clustermsg_keys *k, const char *subject,
	    const uint8_t *p, size_t len, uint8_t *out);
int	 clustermsg_open(const struct clustermsg_keys *k, const char *subject,
	    const uint8_t *in, size_t inlen, uint8_t *out, size_t *outlen);

/*
 * Parses an opened message (views into p): 0, ERR_TRUNCATED, ERR_TYPE,
 * ERR_FORMAT (node 0; IN or GONE 'to' 0; IN with lseq 0 (an IN with no
 * message is a sync: m->len 0); GONE's clean not 0 or 1; OUT flags beyond F_CLOSE|F_END; an
 * OUT of lseq 0 with items or without F_END; an OUT item of length 0) or
 * ERR_TRAILING.  OUT's items are checked whole here and walked with
 * clustermsg_next_item.
 */
int	 clustermsg_parse(struct clustermsg *m, const uint8_t *p, size_t len);
/* The next OUT item after *off: 1 with *p, *len set, 0 at the end. */
int	 clustermsg_next_item(const struct clustermsg *m, size_t *off,
	    const uint8_t **p, size_t *len);

#endif
