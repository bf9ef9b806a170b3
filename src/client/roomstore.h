/*
 * roomstore.h: a guarded room's secrets kept on disk, so that whoever
 * has been inside (its creator included) can enter again later with the
 * same invitation without the door, even when nobody is left inside to
 * open it.
 *
 * One file per room in $XDG_STATE_HOME/sotto/rooms/ (default
 * ~/.local/state/sotto/rooms/), 0600 in a 0700 directory, written
 * atomically.  Its name is a keyed hash of the room id (nothing in the
 * directory tells which rooms they are); its content is sealed with
 * XChaCha20-Poly1305 under a key derived from the identity key's secret,
 * with the room id as additional data.  Both keys come from HKDF-SHA-512
 * over the identity's Ed25519 seed (docs/SECURITY.md, docs/PROTOCOL.md).
 *
 *   file  = magic "sotto-room-v1\n" (14 bytes) || nonce[24] ||
 *           XChaCha20-Poly1305(plain, AD = magic || room_id)
 *   plain = flags u8 || invite_key[32] || room_secret[32] ||
 *           otp_key[20] || u16 answer_len || answer[256] (zero padded)
 */
#ifndef SOTTO_ROOMSTORE_H
#define SOTTO_ROOMSTORE_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct gate_keys;
struct identity;

#define ROOMSTORE_ROOM_ID_BYTES	16
#define ROOMSTORE_MAGIC		"sotto-room-v1\n"
#define ROOMSTORE_MAGIC_LEN	(sizeof(ROOMSTORE_MAGIC) - 1)
/* 1 + 32 + 32 + 20 + 2 + 256 */
#define ROOMSTORE_PLAIN_LEN	343
#define ROOMSTORE_FILE_LEN	(ROOMSTORE_MAGIC_LEN + 24 + \
				    ROOMSTORE_PLAIN_LEN + 16)
/* File names: 32 lowercase hex digits. */
#define ROOMSTORE_NAME_LEN	32

struct roomstore;

/* The store's directory: $XDG_STATE_HOME/sotto/rooms when that is an
 * absolute path, else $HOME/.local/state/sotto/rooms.  0, or
 * ERR_INVALID_ARG (out is then ""). */
int	 roomstore_default_dir(char *out, size_t outlen);

/* A store in dir (not touched yet) whose keys are derived from id's
 * secret; they live in guarded memory.  0, ERR_INVALID_ARG (dir too
 * long), ERR_ALLOC; *sp is NULL on failure. */
int	 roomstore_new(struct roomstore **sp, const char *dir,
	    const struct identity *id);
/* Wipes and frees; NULL is a no-op. */
void	 roomstore_free(struct roomstore *s);

/* The file for room_id: "<dir>/<32 hex>".  0 or ERR_INVALID_ARG. */
int	 roomstore_path(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], char *out,
	    size_t outlen);

/* Seals k (flags, invitation key, room secret, one-time-code key,
 * answer) for room_id and appends the file's bytes to out.  0, or
 * ERR_INVALID_ARG (answer_len over GATE_ANSWER_MAX), a buf error. */
int	 roomstore_seal(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES],
	    const struct gate_keys *k, struct buf *out);
/* Opens a file's bytes for room_id into k (caller's, guarded).  0;
 * ERR_FORMAT (wrong size or magic, or a plaintext out of contract);
 * ERR_AUTH (sealed for another room or by another identity, or
 * altered).  k is wiped on failure. */
int	 roomstore_unseal(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES], const uint8_t *p,
	    size_t len, struct gate_keys *k);

/* Writes room_id's file (creating the directory 0700 with its parents,
 * the file 0600, atomically).  0, ERR_IO with errno set, or a seal
 * error. */
int	 roomstore_save(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES],
	    const struct gate_keys *k);
/* Reads room_id's file into k.  0; ERR_IO with errno set (ENOENT:
 * nothing stored; ELOOP: a symlink, refused); ERR_FORMAT (not a regular
 * file, or malformed); ERR_AUTH as roomstore_unseal.  k wiped on
 * failure. */
int	 roomstore_load(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES],
	    struct gate_keys *k);
/* Removes room_id's file: 0, or ERR_IO with errno (ENOENT included). */
int	 roomstore_forget(const struct roomstore *s,
	    const uint8_t room_id[ROOMSTORE_ROOM_ID_BYTES]);

#endif
