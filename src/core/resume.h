/*
 * resume.h: the key schedule of session resumption (docs/PROTOCOL.md
 * §5.7), on byte arrays only.  A session established by the password
 * handshake yields a session id and a resumption secret; a resumption
 * handshake (three frames, run by chan.c) proves knowledge of that
 * secret with MACs over its transcript, derives fresh record keys from
 * the secret and a fresh X25519 exchange, and a next secret that replaces
 * the one used (a ratchet: a replayed or older resumption is refused).
 */
#ifndef SOTTO_RESUME_H
#define SOTTO_RESUME_H

#include <stddef.h>
#include <stdint.h>

#define RESUME_SID_BYTES	16
#define RESUME_KEY_BYTES	32
#define RESUME_NONCE_BYTES	16
#define RESUME_X25519_BYTES	32
#define RESUME_TAG_BYTES	32
#define RESUME_HDR_BYTES	24	/* secretstream header */
#define RESUME_PRK_BYTES	64	/* HKDF-SHA-512 PRK */

/* Payload lengths of the three frames. */
#define RESUME_HELLO_LEN	(RESUME_SID_BYTES + RESUME_NONCE_BYTES + \
				 RESUME_X25519_BYTES + RESUME_TAG_BYTES)	/* 96 */
#define RESUME_ACCEPT_LEN	(RESUME_NONCE_BYTES + RESUME_X25519_BYTES + \
				 RESUME_HDR_BYTES + RESUME_TAG_BYTES)	/* 104 */
#define RESUME_CONFIRM_LEN	(RESUME_HDR_BYTES + RESUME_TAG_BYTES)	/* 56 */

/* The keys of one resumption, wiped by the caller (resume_keys_wipe). */
struct resume_keys {
	uint8_t	confirm_c[RESUME_KEY_BYTES];
	uint8_t	confirm_s[RESUME_KEY_BYTES];
	uint8_t	c2s[RESUME_KEY_BYTES];
	uint8_t	s2c[RESUME_KEY_BYTES];
	uint8_t	next[RESUME_KEY_BYTES];	/* the next resumption secret */
};

/*
 * After a password handshake: the session id and the first resumption
 * secret, from the handshake's HKDF PRK (§5.4.3):
 *   sid    = HKDF-Expand(PRK, "sotto/1 session id", 16)
 *   secret = HKDF-Expand(PRK, "sotto/1 resume secret", 32)
 */
void	 resume_from_prk(const uint8_t prk[RESUME_PRK_BYTES],
	    uint8_t sid[RESUME_SID_BYTES], uint8_t secret[RESUME_KEY_BYTES]);

/* tag_h = HMAC-SHA-512-256(k_hello, SHA-512(frame[0..len))), with
 * k_hello = HKDF-Expand(HKDF-Extract("sotto/1 resume", secret),
 * "sotto/1 resume hello", 32). */
void	 resume_hello_tag(const uint8_t secret[RESUME_KEY_BYTES],
	    const uint8_t *frame, size_t len, uint8_t tag[RESUME_TAG_BYTES]);

/*
 * The keys of a resumption.  dh is X25519 of the caller's scalar and the
 * peer's share (all-zero output is refused: ERR_AUTH); hello is the
 * complete RESUME_HELLO frame; nonce_s and xs the server's nonce and
 * share from RESUME_ACCEPT.
 *   PRK = HKDF-Extract(salt = secret, IKM = dh)
 *   H   = SHA-512(RESUME_HELLO || nonce_s || Xs)
 *   key = HKDF-Expand(PRK, label || H, 32) for each label.
 * 0, or ERR_AUTH (the share gives an all-zero DH); keys wiped on error.
 */
int	 resume_derive(struct resume_keys *k,
	    const uint8_t secret[RESUME_KEY_BYTES],
	    const uint8_t scalar[RESUME_X25519_BYTES],
	    const uint8_t peer_share[RESUME_X25519_BYTES],
	    const uint8_t *hello, size_t hello_len,
	    const uint8_t nonce_s[RESUME_NONCE_BYTES],
	    const uint8_t xs[RESUME_X25519_BYTES]);
void	 resume_keys_wipe(struct resume_keys *k);

#endif
