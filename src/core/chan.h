/*
 * chan.h: the password-authenticated secure channel between two parties,
 * on byte buffers only (no sockets, no clock).
 *
 * The client speaks first.  Four handshake frames run CPace over
 * ristretto255 with both parties' fresh nonces as session id, derive
 * per-direction keys from the ISK with HKDF-SHA-512, and confirm the key
 * both ways before any application data.  Each side then proves its
 * long-term identity by signing the handshake transcript.  Records are
 * crypto_secretstream_xchacha20poly1305, one stream per direction (no
 * additional data: a record frame's header holds nothing the AEAD does
 * not already cover); a clean close is a final record.
 * docs/PROTOCOL.md gives every byte.
 *
 * Usage: chan_new, chan_start (emits the client's HELLO), then hand every
 * received byte to chan_feed until it returns ERR_NEED_MORE, sending what
 * it appends to 'out'.  Once CHAN_EV_ESTABLISHED is reported, chan_send
 * seals application messages and chan_close ends the conversation.
 * Any error is final: the channel refuses everything after it.
 */
#ifndef SOTTO_CHAN_H
#define SOTTO_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "identity.h"

struct buf;
struct chan;

enum chan_role {
	CHAN_CLIENT = 1,	/* connects; sends HELLO; CPace party B */
	CHAN_SERVER = 2,	/* accepts; sends Ya first; CPace party A */
};

enum chan_event {
	CHAN_EV_NONE = 0,	/* frame consumed, nothing for the caller */
	CHAN_EV_ESTABLISHED,	/* key confirmed and peer identity verified */
	CHAN_EV_DATA,		/* application bytes appended to 'app' */
	CHAN_EV_CLOSED,		/* peer closed cleanly (authenticated) */
};

#define CHAN_NONCE_BYTES	16
#define CHAN_TAG_BYTES		32
#define CHAN_KEY_BYTES		32
#define CHAN_TH_BYTES		64	/* transcript hash, SHA-512 */
#define CHAN_MAX_CONTEXT	255
#define CHAN_MAX_PASSWORD	1024
/* Records between automatic rekeys of a direction's stream, unless
 * chan_params.rekey_every says otherwise (at most CHAN_REKEY_MAX). */
#define CHAN_REKEY_INTERVAL	1
#define CHAN_REKEY_MAX		64

#define CHAN_SID_BYTES		16	/* session id (resumption) */

/*
 * A session that may be resumed without the password (PROTOCOL §5.7):
 * its id, the resumption secret, and the peer's identity key verified
 * when the session began.  A client resumes with 'secret'; a server
 * accepts 'secret' or, when has_prev, 'prev' (the one before the last
 * ratchet: the client may not have learnt that its last resumption
 * succeeded).
 */
struct chan_resume {
	uint8_t	 sid[CHAN_SID_BYTES];
	uint8_t	 secret[CHAN_KEY_BYTES];
	uint8_t	 prev[CHAN_KEY_BYTES];
	int	 has_prev;
	uint8_t	 peer_pk[IDENTITY_PK_BYTES];
};

/* The server's guessing gate: CHAN_GUESS_ASK just before it checks a
 * confirmation tag that tests a password or resumption secret (a
 * non-zero return refuses: ERR_RETRY_LATER, ABORT 4); CHAN_GUESS_FAILED
 * when such a check has failed.  Only checks count: an attempt that never
 * reached one (an early ABORT, a cut, a bad share) is no guess. */
enum chan_guess {
	CHAN_GUESS_ASK = 1,
	CHAN_GUESS_FAILED = 2,
};
typedef int (*chan_guess_fn)(void *ctx, enum chan_guess what);

/* Fills out[0..n) with random bytes; 0 on success.  Tests inject a
 * deterministic one; NULL means libsodium's randombytes_buf. */
typedef int (*chan_rng_fn)(void *ctx, uint8_t *out, size_t n);

struct chan_params {
	enum chan_role		 role;
	const uint8_t		*password;	/* copied; caller wipes its own */
	size_t			 password_len;
	const struct identity	*identity;	/* borrowed; must outlive chan */
	const uint8_t		*context;	/* bound into CPace's CI */
	size_t			 context_len;	/* <= CHAN_MAX_CONTEXT */
	chan_rng_fn		 rng;
	void			*rng_ctx;
	/* Optional.  Client: resume this session instead of running the
	 * password handshake.  Server: the session a RESUME_HELLO may
	 * resume (none when NULL).  Copied. */
	const struct chan_resume *resume;
	int			 resume_only;	/* server: HELLO -> ABORT 3 */
	/* 1 on the member-relay link (PROTOCOL 14.1): a client sends
	 * LINK_HELLO instead of HELLO; a server takes only LINK_HELLO (a
	 * HELLO gets ABORT 6), else only HELLO (a LINK_HELLO gets ABORT 7).
	 * Either refusal comes before anything derived from the password:
	 * it is no guess. */
	int			 link;
	chan_guess_fn		 guess;		/* server, optional */
	void			*guess_ctx;
	/* Records we send per TAG_REKEY (1..CHAN_REKEY_MAX); 0:
	 * CHAN_REKEY_INTERVAL.  Only the sending side's choice: a receiver
	 * takes either tag (PROTOCOL 6.4); the relay raises it on its side
	 * of its links (SECURITY 5.2). */
	uint32_t		 rekey_every;
};

/* New channel in *cp, or ERR_INVALID_ARG / ERR_ALLOC with *cp NULL. */
int	 chan_new(struct chan **cp, const struct chan_params *p);
/* Wipes every secret and frees; NULL is a no-op. */
void	 chan_free(struct chan *c);

/* Client: appends HELLO to out.  Server: nothing to do, returns 0. */
int	 chan_start(struct chan *c, struct buf *out);

/*
 * Consumes at most one complete frame from the front of 'in'.
 * Returns ERR_NEED_MORE (nothing consumed) when 'in' does not yet hold a
 * whole frame, 0 when a frame was handled (*ev says what happened), or a
 * negative error, after which the channel is dead.  Frames to send are
 * appended to 'out' -- also on failure: a failing handshake appends an
 * ABORT telling the peer why, to be sent before closing.  ERR_AUTH means
 * key confirmation failed (wrong password, or interference) on either
 * side.  Application bytes are appended to
 * 'app' with CHAN_EV_DATA.  Header errors (ERR_VERSION, ERR_TYPE,
 * ERR_TOO_LARGE) are reported as soon as the header bytes arrive.
 */
int	 chan_feed(struct chan *c, struct buf *in, struct buf *out,
	    struct buf *app, enum chan_event *ev);

/* Seals msg (at most FRAME_MAX_APP bytes) as one record onto out.
 * ERR_STATE before the handshake is done, ERR_CLOSED after a close. */
int	 chan_send(struct chan *c, const uint8_t *msg, size_t len,
	    struct buf *out);
/* The size of the frame chan_send makes for a message of len bytes. */
size_t	 chan_record_len(size_t len);
/* chan_send into caller memory: writes the whole frame, exactly
 * chan_record_len(len) bytes, at dst (msg must not overlap dst).  For
 * sealing straight into a socket's output buffer.  Same errors as
 * chan_send; on error dst is wiped (it may have held plaintext). */
int	 chan_send_at(struct chan *c, const uint8_t *msg, size_t len,
	    uint8_t *dst);
/* Seals an empty keepalive record onto out; the peer consumes it
 * silently (CHAN_EV_NONE).  Same errors as chan_send. */
int	 chan_send_keepalive(struct chan *c, struct buf *out);
/* Appends the authenticated final record; nothing may be sent after. */
int	 chan_close(struct chan *c, struct buf *out);
/* The transport reached end of file: 0 if the peer had closed cleanly
 * (an authenticated final record arrived), else ERR_CUT. */
int	 chan_eof(struct chan *c);

/* Why a handshake was refused: the one-byte payload of an ABORT frame. */
enum chan_abort {
	CHAN_ABORT_AUTH = 1,	/* key confirmation failed -> ERR_AUTH */
	CHAN_ABORT_PROTOCOL = 2,	/* malformed or unsupported -> ERR_PROTOCOL */
	CHAN_ABORT_BUSY = 3,	/* server is in another conversation -> ERR_BUSY */
	CHAN_ABORT_RETRY = 4,	/* too many failures from this address ->
				 * ERR_RETRY_LATER */
	CHAN_ABORT_NO_SESSION = 5,	/* no such session to resume ->
					 * ERR_NO_SESSION */
	CHAN_ABORT_IS_RELAY = 6,	/* a relay got HELLO -> ERR_IS_RELAY */
	CHAN_ABORT_IS_HOST = 7,		/* a 1:1 host got LINK_HELLO ->
					 * ERR_IS_HOST */
};

/* Appends an ABORT frame to out, for a server turning a connection away
 * before any handshake (busy, or slowing down a guesser). */
int	 chan_put_abort(struct buf *out, enum chan_abort reason);

/* 1 once CHAN_EV_ESTABLISHED has been reported. */
int	 chan_established(const struct chan *c);
/* The peer's verified identity key, or NULL before establishment. */
const uint8_t *chan_peer_identity(const struct chan *c);
/* The transcript hash both sides sign: all zero until the last
 * handshake frame has been sent or checked, and kept after a failure. */
const uint8_t *chan_transcript_hash(const struct chan *c);

/*
 * After establishment: the session id and the resumption secret the
 * next resumption of this session uses (it ratchets on every
 * resumption).  *resumed is 0 after a password handshake, 1 after a
 * resumption with the current secret, 2 (server) with the previous one.
 * *confirmed is 1 once the peer is known to hold 'next': always on a
 * server and after a password handshake; for a resuming client, once a
 * record from the server has opened.  0, or ERR_STATE before
 * establishment.
 */
int	 chan_session(const struct chan *c, uint8_t sid[CHAN_SID_BYTES],
	    uint8_t next[CHAN_KEY_BYTES], int *resumed, int *confirmed);

#endif
