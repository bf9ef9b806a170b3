/*
 * gate.h: the door of a guarded room.  A guarded room's invitation holds
 * an invitation key instead of the room secret; a newcomer gets the room
 * secret only from a member, after proving that it also knows the answer
 * to the room's security question and/or the current one-time code.
 *
 * The proof is one CPace run (cpace.h, draft-irtf-cfrg-cpace-21) through
 * the relay, two blobs long:
 *
 *   newcomer -> member   KNOCK   sid, Ya           (gate_knock_new)
 *   member -> newcomer   ANSWER  per candidate: Yb, box(room secret,
 *                                one-time-code key)  (gate_answer)
 *
 * The password is derived from the invitation key, the normalised answer
 * and the one-time code, so the relay (no invitation) can't even try, and
 * nobody can test guesses offline from what they saw: each box opens only
 * with the key of a CPace run whose password matched.  A member answers
 * with one candidate per one-time-code window it accepts (the current
 * one and the one before: GATE_CANDIDATES_MAX), so a knock tests one
 * guess against at most two codes.  Members limit how often they answer
 * (the caller's job, see room.c); each knock is one online guess.
 *
 * Everyone admitted receives what the door has (room secret, one-time
 * code key; it knows the answer and the invitation key already), so any
 * member can open the door for the next one.
 *
 * No I/O, no clock: the caller passes the time.  docs/PROTOCOL.md §17.12
 * gives every byte.
 */
#ifndef SOTTO_GATE_H
#define SOTTO_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "otp.h"

struct buf;

#define GATE_ROOM_ID_BYTES	16
#define GATE_KEY_BYTES		32	/* invitation key */
#define GATE_SECRET_BYTES	32	/* room secret */
#define GATE_OTP_KEY_BYTES	OTP_ROOM_KEY_BYTES
#define GATE_QUESTION_MAX	200	/* bytes of UTF-8 */
#define GATE_ANSWER_MAX		256	/* bytes, before normalising */
#define GATE_CODE_DIGITS	OTP_ROOM_DIGITS
#define GATE_CANDIDATES_MAX	2

/* What a guarded room asks for (a bit set, in the invitation). */
#define GATE_F_QUESTION		0x01
#define GATE_F_CODE		0x02
#define GATE_F_ALL		(GATE_F_QUESTION | GATE_F_CODE)

/* Blob types (the first byte), beside group.c's 0x01-0x04. */
#define GATE_BLOB_KNOCK		0x10
#define GATE_BLOB_ANSWER	0x11
#define GATE_KNOCK_BYTES	(2 + 16 + 32)
#define GATE_BOX_BYTES		(GATE_SECRET_BYTES + GATE_OTP_KEY_BYTES + 16)
#define GATE_ANSWER_MAX_BYTES	(2 + GATE_CANDIDATES_MAX * (32 + GATE_BOX_BYTES))

/*
 * What a member needs to open the door: in sodium_malloc'd memory, made
 * by gate_keys_new and freed by gate_keys_free.  answer is normalised
 * (gate_normalize); otp_key is all zero unless flags has GATE_F_CODE.
 */
struct gate_keys {
	uint8_t		flags;
	uint8_t		invite_key[GATE_KEY_BYTES];
	uint8_t		room_secret[GATE_SECRET_BYTES];
	uint8_t		otp_key[GATE_OTP_KEY_BYTES];
	size_t		answer_len;
	uint8_t		answer[GATE_ANSWER_MAX];
};

/* A zeroed gate_keys in guarded memory, or NULL. */
struct gate_keys *gate_keys_new(void);
/* Wipes and frees; NULL is a no-op. */
void	 gate_keys_free(struct gate_keys *k);

/*
 * The answer as compared: leading and trailing white space removed, runs
 * of white space inside made one space, ASCII letters in lower case
 * (other bytes unchanged); white space is space and tab.  Writes at most
 * GATE_ANSWER_MAX bytes into out and the length into *outlen.  0;
 * ERR_FORMAT if nothing is left, or the answer holds any other control
 * character (below 0x20, or 0x7f) or NUL; ERR_TOO_LARGE over
 * GATE_ANSWER_MAX.  out is wiped on failure.
 */
int	 gate_normalize(const uint8_t *answer, size_t len,
	    uint8_t out[GATE_ANSWER_MAX], size_t *outlen);

/*
 * Checks a typed one-time code: GATE_CODE_DIGITS digits, spaces allowed
 * anywhere ("123 456").  Writes the digits and a NUL into out.  0 or
 * ERR_FORMAT (out wiped).
 */
int	 gate_code_parse(const char *typed, char out[GATE_CODE_DIGITS + 1]);

/* The newcomer's side of one run: its CPace scalar and share, in
 * guarded memory. */
struct gate_knock;

/*
 * Starts a run: derives the password from invite_key, flags, the
 * normalised answer (answer_len 0 when flags lacks GATE_F_QUESTION) and
 * the code (NULL when flags lacks GATE_F_CODE), and appends the KNOCK
 * blob to out.  0; ERR_INVALID_ARG (flags 0 or not within GATE_F_ALL, an
 * answer or code missing or present against flags); ERR_ALLOC;
 * ERR_CRYPTO.  *kp is NULL on failure.
 */
int	 gate_knock_new(struct gate_knock **kp,
	    const uint8_t room_id[GATE_ROOM_ID_BYTES],
	    const uint8_t invite_key[GATE_KEY_BYTES], uint8_t flags,
	    const uint8_t *answer, size_t answer_len, const char *code,
	    struct buf *out);
/*
 * Opens the member's ANSWER blob.  0 with room_secret and otp_key filled
 * (otp_key zero if the room has no code); ERR_AUTH if no box opens (a
 * wrong answer or code, or an ANSWER not for this knock: nothing is
 * written); ERR_FORMAT / ERR_TRUNCATED / ERR_TRAILING / ERR_TYPE for a
 * blob that doesn't parse.  The knock may be used again for another
 * ANSWER (from another member, to the same KNOCK).
 */
int	 gate_knock_open(struct gate_knock *k, const uint8_t *blob,
	    size_t len, uint8_t room_secret[GATE_SECRET_BYTES],
	    uint8_t otp_key[GATE_OTP_KEY_BYTES]);
/* Wipes and frees; NULL is a no-op. */
void	 gate_knock_free(struct gate_knock *k);

/*
 * The member's side: answers a KNOCK blob at unix time 'now' by
 * appending the ANSWER blob to out, one candidate per accepted code
 * window (the current one and the one before) or a single one when the
 * room has no code (whose one-time-code key is then sent as zeros).
 * Keeps no state.  0; ERR_TRUNCATED / ERR_TRAILING / ERR_TYPE /
 * ERR_VERSION for a KNOCK that doesn't parse; ERR_BAD_POINT if its share
 * is invalid; ERR_INVALID_ARG for keys out of contract (flags 0 or
 * outside GATE_F_ALL, answer_len over GATE_ANSWER_MAX); ERR_CRYPTO.  out
 * is unchanged on failure.
 */
int	 gate_answer(const struct gate_keys *k,
	    const uint8_t room_id[GATE_ROOM_ID_BYTES], uint64_t now,
	    const uint8_t *knock, size_t len, struct buf *out);

#endif
