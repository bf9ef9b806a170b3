/*
 * conn.h: one secure channel (src/core/chan.h) on a TCP socket, driven by
 * libevent.  It owns the socket, the handshake deadline, keepalives, the
 * dead-peer timeout, an output cap, and the lingering close that lets the
 * last records reach the peer.  Every way the connection can end goes
 * through one callback, exactly once.
 */
#ifndef SOTTO_CONN_H
#define SOTTO_CONN_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "chan.h"

struct conn;

/* Timing, in seconds; tests and callers may lower them. */
struct conn_timing {
	int	handshake;	/* key confirmed + identity within this */
	int	keepalive;	/* send a keepalive this often, once open */
	int	dead;		/* nothing heard for this long: peer dead */
	int	linger;		/* after our close, wait this long for EOF */
};
#define CONN_TIMING_DEFAULT	{ 10, 10, 30, 3 }

/* Bytes waiting to be written beyond which the peer counts as not
 * reading: the connection is then ended (ERR_TIMEOUT). */
#define CONN_MAX_PENDING	(8u * 1024 * 1024)
/* Producers should pause above CONN_HIGH_WATER queued bytes
 * (conn_pending) and resume at the 'drained' callback. */
#define CONN_HIGH_WATER		(1024u * 1024)
#define CONN_LOW_WATER		(256u * 1024)

struct conn_cbs {
	/* Key confirmed, peer identity verified (chan_peer_identity). */
	void	(*established)(struct conn *, void *arg);
	/* One application message; p is valid during the call only. */
	void	(*message)(struct conn *, const uint8_t *p, size_t len,
		    void *arg);
	/* The end, called once: err is 0 after an authenticated close by
	 * the peer or by us, else an ERR_* code (ERR_CUT, ERR_AUTH, ERR_RECORD,
	 * ERR_TIMEOUT, ...).  The conn must not be used after this except to
	 * conn_free it, which the callback may do. */
	void	(*closed)(struct conn *, int err, void *arg);
	/* Optional: what was queued for the peer has drained to
	 * CONN_LOW_WATER or below (resume producing after a pause). */
	void	(*drained)(struct conn *, void *arg);
};

/*
 * Takes ownership of the connected socket fd and starts the handshake
 * (a client sends HELLO at once).  'params' is copied as chan_new does.
 * Returns NULL on failure (fd is closed then).
 */
struct conn *conn_new(struct event_base *base, int fd,
	    const struct chan_params *params, const struct conn_timing *t,
	    const struct conn_cbs *cbs, void *arg);
/* conn_new for a socket from which the first 'prelen' bytes, 'pre', have
 * been read already (the relay's admission stage read the HELLO): they
 * are handled before anything else the socket brings. */
struct conn *conn_new_input(struct event_base *base, int fd,
	    const struct chan_params *params, const struct conn_timing *t,
	    const struct conn_cbs *cbs, void *arg, const uint8_t *pre,
	    size_t prelen);
/* Makes conn_free reset the connection (SO_LINGER 0: an RST, nothing
 * left with the kernel) instead of closing it in order: for a peer
 * dropped for not reading. */
void	 conn_reset(struct conn *c);
/* Closes the socket and frees; NULL is a no-op.  No callback follows. */
void	 conn_free(struct conn *c);

/* Seals and queues one message: 0, or ERR_STATE/ERR_CLOSED/ERR_TOO_LARGE. */
int	 conn_send(struct conn *c, const uint8_t *p, size_t len);
/* Sends the final record, waits for it to be written and for the peer's
 * EOF (at most linger seconds), then calls closed(0). */
void	 conn_close(struct conn *c);
/* Sends an ABORT frame (busy, retry later), flushes, and ends the
 * connection with closed(err). */
void	 conn_refuse(struct conn *c, enum chan_abort reason, int err);
/* Hands the connection's callbacks to someone else. */
void	 conn_set_cbs(struct conn *c, const struct conn_cbs *cbs, void *arg);
/*
 * Lazy producers (the relay): a producer that seals only as the socket
 * drains, so that what a peer doesn't read stays unsealed with the
 * producer (shared, unencrypted for this link) instead of sealed in the
 * output.  conn_set_lazy makes 'drained' come once the output is empty
 * and limits the kernel's unsent bytes to 'notsent' (TCP_NOTSENT_LOWAT),
 * so that the socket is reported writable only when the peer is taking
 * data.  conn_room says whether a record may be sealed now (the output is
 * empty and the kernel holds fewer than 'notsent' unsent bytes -- on
 * Linux, SIOCOUTQNSD; elsewhere, whenever the output is empty);
 * conn_send_now seals one and writes it at once, keeping only what the
 * kernel didn't take -- call it only once what it carries may reach the
 * peer (the relay commits its log first); and conn_want_write asks for
 * one 'drained' call when the kernel has room again.
 */
void	 conn_set_lazy(struct conn *c, int notsent);
int	 conn_room(struct conn *c);
int	 conn_send_now(struct conn *c, const uint8_t *p, size_t len);
void	 conn_want_write(struct conn *c);
/*
 * Splicing (PROTOCOL §21.7): the channel hands its socket over to bytes
 * that are not its records.  conn_raw_output: from now on conn_send
 * writes its bytes as they are (no record; to the kernel at once when
 * nothing is queued), no keepalive is sent, and conn_close sends what
 * is queued, then EOF, and waits for the peer's.  conn_raw_input: from
 * now on what the peer sends goes to 'message' as it comes, in pieces
 * of any size, starting with what followed the record at hand; the
 * peer's EOF is a 'message' of no bytes (p NULL), after which c stays
 * for our output until conn_close or conn_free; the dead-peer timeout
 * goes on, any byte counting.  Each is 0 or ERR_STATE (not open).
 */
int	 conn_raw_output(struct conn *c);
int	 conn_raw_input(struct conn *c);
/* 1 once conn_raw_output was called: no record may go to the peer. */
int	 conn_raw(const struct conn *c);
/*
 * Frees c and gives its socket to the caller: the descriptor, or
 * ERR_STATE (c is ending), ERR_BUSY (queued output the kernel won't
 * take yet: try again shortly), ERR_CUT, or a buf error from 'rest' (c
 * is kept then; 'rest' should hold FRAME_MAX_LEN bytes).
 * Queued output is written first; what was read past the last record is
 * appended to 'rest'.  No callback follows.  Not from inside one of c's
 * callbacks (pause c there, and detach from the loop).
 */
int	 conn_detach(struct conn *c, struct buf *rest);
/* Stops or resumes reading from the peer (while the user decides). */
void	 conn_pause(struct conn *c, int paused);

const struct chan *conn_chan(const struct conn *c);
/* Bytes queued for the peer and not yet taken by the kernel: lets a
 * server drop a slow reader sooner than CONN_MAX_PENDING. */
size_t	 conn_pending(const struct conn *c);
/* The first bytes the peer sent before the channel was established (at
 * most CONN_FIRST_BYTES; *p points into c), so that an error can say
 * what something that is not sotto sent. */
#define CONN_FIRST_BYTES	48
size_t	 conn_first_bytes(const struct conn *c, const uint8_t **p);
/* The errno of the socket error that ended c (ECONNRESET, ...), or 0
 * if it ended otherwise (an EOF, a timeout, our own close). */
int	 conn_sock_err(const struct conn *c);
/* The handshake deadline, in seconds. */
int	 conn_handshake_timeout(const struct conn *c);
/* The peer's address as text ("127.0.0.1:4242", "[::1]:4242"). */
const char *conn_peer_addr(const struct conn *c);
/* Names the peer otherwise (a channel on a local socket that a relay
 * carries): 'text', truncated to ADDR_STRLEN - 1 bytes. */
void	 conn_set_peer_addr(struct conn *c, const char *text);

#endif
