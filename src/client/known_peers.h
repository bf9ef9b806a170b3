/*
 * known_peers.h: trust on first use for peer identity keys.  The first
 * key seen under a name is pinned in <configdir>/known_peers; later
 * sessions are told whether the key matches or has changed.
 *
 * File format (text, written with mode 0600), one line per peer:
 *
 *   NAME SP HEX SP FIRST_SEEN LF
 *
 * NAME passes peers_name_valid; HEX is the 32-byte Ed25519 public key
 * as 64 lowercase hex digits; FIRST_SEEN is the Unix time at which that
 * key was pinned, in decimal without leading zeros (at most 2^64 - 1).
 * Every line, the last included, ends in LF; there are no blank lines,
 * comments, CRs or extra spaces.  A name appears at most once (see
 * peers_lookup).  Anything else is ERR_FORMAT, and a file that cannot be
 * parsed is never rewritten: the user fixes or removes it by hand.
 *
 * Entries are found by what their names look like, not by their bytes:
 * a lookup or pin of NAME concerns every entry whose name is confusable
 * with NAME (names.h), so a lookalike of a pinned name with another key
 * is a changed key, not a first contact.  Names are checked in the file
 * with the byte-level rules only (no identifier profile), so that names
 * pinned by older versions still parse; new pins pass peers_name_valid.
 *
 * Relays' keys are in a file of their own, known_relays beside
 * known_peers, in the same format with exact entry names "relay-" and
 * 16 hex digits (peers_relay_name); no peer's name reaches them.
 */
#ifndef SOTTO_KNOWN_PEERS_H
#define SOTTO_KNOWN_PEERS_H

#include <stddef.h>
#include <stdint.h>

#define PEERS_FILE_NAME		"known_peers"
#define PEERS_RELAYS_FILE_NAME	"known_relays"
/* "relay-" and 16 hex digits. */
#define PEERS_RELAY_NAME_LEN	22
/* A larger file is refused (ERR_TOO_LARGE) before anything is read,
 * and peers_pin refuses to grow the file past it. */
#define PEERS_FILE_MAX		(1024 * 1024)
/* Longest name, in bytes (not counting the NUL). */
#define PEERS_NAME_MAX		32
#define PEERS_PK_BYTES		32

/* peers_check results. */
#define PEERS_NEW	1	/* name not known: the caller may pin it */
#define PEERS_MATCH	2	/* name known with this very key */
#define PEERS_CHANGED	3	/* name known with another key: warn loudly */

/* 1 if name is acceptable as a peer name, else 0.  A name is one word:
 * 1 to PEERS_NAME_MAX bytes of valid UTF-8 (strict, as in sanitize.h)
 * containing no C0 control (TAB included), no C1 control, no DEL, no
 * code point that ui_sanitize escapes (bidi controls, line separators),
 * no space or other white space (U+0020, U+00A0, U+1680, U+2000-U+200A,
 * U+202F, U+205F, U+3000) and no invisible format character (U+00AD,
 * U+180E, U+200B-U+200D, U+2060-U+2064, U+FEFF), so two names that look
 * the same on screen are hard to make; and it passes
 * names_identifier_ok (names.h: UTS #39's identifier profile, Highly
 * Restrictive, no default-ignorable code point, NFC).  NULL is not
 * valid. */
int	 peers_name_valid(const char *name);
/* 1 if name passes the byte-level rules above alone (not the identifier
 * profile): what an entry of the file may be called, so that names
 * pinned by older versions still parse.  NULL is not valid. */
int	 peers_name_file_valid(const char *name);
/* The rule, as told to a user whose name is refused. */
#define PEERS_NAME_RULE	"one word of at most 32 bytes: letters and digits " \
	"of one script and _ - . ' :, without spaces, symbols, emoji, " \
	"invisible or control characters"

/* Parses known_peers bytes p[0..len) (untrusted).  The whole input is
 * checked first; only if every line is well formed is cb called once
 * per line, in file order, with a NUL-terminated name, the key and the
 * first-seen time.  Duplicate names are not detected here.  Returns 0,
 * ERR_FORMAT (cb never called), or the first nonzero value cb returns,
 * which stops the walk. */
int	 peers_parse(const uint8_t *p, size_t len,
	    int (*cb)(void *arg, const char *name,
	    const uint8_t pk[PEERS_PK_BYTES], uint64_t t), void *arg);

/* Writes <config dir>/known_peers into out (see keyfile_config_dir).
 * 0, or ERR_INVALID_ARG (out is then ""). */
int	 peers_default_path(char *out, size_t outlen);

/* Looks name up in the file at path: the entry named name if there is
 * one, else the first whose name is confusable with it.  0 with
 * *found = 1 and pk and
 * *first_seen set (either pointer may be NULL), or *found = 0 when the
 * name or the whole file is missing.  ERR_INVALID_ARG for an invalid
 * name; ERR_FORMAT for a malformed file, a name listed twice or a path
 * that is not a regular file; ERR_TOO_LARGE over PEERS_FILE_MAX; ERR_IO
 * with errno set (ELOOP: path is a symlink, which is refused); ERR_ALLOC.
 * On failure *found is 0 and pk is zeroed. */
int	 peers_lookup(const char *path, const char *name,
	    uint8_t pk[PEERS_PK_BYTES], uint64_t *first_seen, int *found);

/* Compares pk with what path holds for name and its lookalikes: 0 and
 * *status set to PEERS_NEW (no entry looks like name), PEERS_MATCH
 * (every such entry holds pk) or PEERS_CHANGED (one holds another key),
 * or an error as for peers_lookup (then *status is 0).  A missing file
 * means PEERS_NEW.  peers_check_like also writes into pinned (may be
 * NULL) the name of the entry that decided: the one with another key
 * for PEERS_CHANGED; "" for PEERS_NEW. */
int	 peers_check(const char *path, const char *name,
	    const uint8_t pk[PEERS_PK_BYTES], int *status);
int	 peers_check_like(const char *path, const char *name,
	    const uint8_t pk[PEERS_PK_BYTES], int *status,
	    char pinned[PEERS_NAME_MAX + 1]);

/* Pins pk under name: the first line whose name is name or confusable
 * with it is replaced in place by name's (the first-seen time restarts),
 * the other such lines are dropped, or else the line is appended.  The file is rewritten whole
 * through a temporary file in the same directory and rename(2), mode
 * 0600, under an fcntl lock on <path>.lock so that two sotto processes
 * pinning at once do not lose an entry.  The directory must exist
 * (keyfile_ensure_dir).  Returns 0 or an error as for peers_lookup; on
 * any failure the file is unchanged.  peers_pin_at takes the time to
 * record (tests); peers_pin uses the current time. */
int	 peers_pin(const char *path, const char *name,
	    const uint8_t pk[PEERS_PK_BYTES]);
int	 peers_pin_at(const char *path, const char *name,
	    const uint8_t pk[PEERS_PK_BYTES], uint64_t now);

/* Writes the known_relays path beside peers_path into out: 0 or
 * ERR_INVALID_ARG (out is then ""). */
int	 peers_relays_path(const char *peers_path, char *out, size_t outlen);
/* The entry name of the relay at where ("HOST:PORT"): "relay-" and the
 * 16 lowercase hex digits of BLAKE2b-64(where), NUL-terminated. */
void	 peers_relay_name(const char *where,
	    char out[PEERS_RELAY_NAME_LEN + 1]);
/* As peers_check and peers_pin, for the relay at where, in known_relays
 * (found by exact entry name).  Every peers_ function first carries the
 * relay entries of an older known_peers over into a known_relays that
 * does not exist yet (creating it, possibly empty, whenever something
 * is to be written), so that pins made afterwards under a relay-like
 * peer name stay people's. */
int	 peers_relay_check(const char *peers_path, const char *where,
	    const uint8_t pk[PEERS_PK_BYTES], int *status);
int	 peers_relay_pin(const char *peers_path, const char *where,
	    const uint8_t pk[PEERS_PK_BYTES]);

#endif
