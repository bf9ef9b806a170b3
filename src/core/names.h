/*
 * names.h: which names sotto accepts and when two names look alike, by
 * the Unicode security mechanisms (UTS #39) as ICU's uspoof implements
 * them.  The byte-level rules (length, controls, white space) are
 * peers_name_valid's (known_peers.h), which calls names_identifier_ok.
 */
#ifndef SOTTO_NAMES_H
#define SOTTO_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* A name's confusable key: BLAKE2b-256 of its skeleton (below). */
#define NAMES_SKEL_BYTES	32

/*
 * 1 if the UTF-8 bytes p[0..len) are an acceptable identifier, else 0
 * (also for invalid UTF-8 or len over 255).  Acceptable means all of:
 *   - in Normalization Form C;
 *   - no Default_Ignorable_Code_Point (U+00AD, U+034F, U+180B-U+180F,
 *     U+200B-U+200F, U+2060-U+206F, U+FE00-U+FE0F, U+FEFF, U+17B4,
 *     U+17B5, the tags U+E0000-U+E0FFF, ...);
 *   - every code point in UTS #39's identifier profile: Identifier_Status
 *     Allowed (uspoof_getRecommendedSet plus uspoof_getInclusionSet);
 *   - restriction level Highly Restrictive: one script, or Latin with
 *     Han and Hiragana/Katakana, Han and Bopomofo, or Han and Hangul;
 *   - no digits from two numbering systems, no repeated or hidden
 *     nonspacing mark (uspoof's INVISIBLE and HIDDEN_OVERLAY checks).
 */
int	 names_identifier_ok(const uint8_t *p, size_t len);

/*
 * The confusable key of the UTF-8 bytes p[0..len) (any valid UTF-8, so
 * that names pinned under older rules still have one): every
 * Default_Ignorable_Code_Point is removed, then the UTS #39 skeleton is
 * taken (NFD, each character replaced by its prototype from
 * confusables.txt, NFD again) and hashed.  Two names look alike exactly
 * when their keys are equal.  0, ERR_FORMAT (invalid UTF-8, len over
 * 255), or ERR_INTERNAL when ICU fails; out is zeroed on failure.
 */
int	 names_skeleton_key(const uint8_t *p, size_t len,
	    uint8_t out[NAMES_SKEL_BYTES]);

/* 1 if NUL-terminated a and b look alike (equal confusable keys, or
 * equal bytes when a key cannot be computed), else 0. */
int	 names_confusable(const char *a, const char *b);

#endif
