/*
 * words.h: the code words of a rendezvous code (PROTOCOL §21.5): the PGP
 * word list, two tables of 256 words, the even table for words 1, 3, ...
 * and the odd one for words 2, 4, ...; each word is one byte of secret.
 * And the code itself: NUMBER-WORD-WORD[-WORD...].
 */
#ifndef SOTTO_WORDS_H
#define SOTTO_WORDS_H

#include <stddef.h>
#include <stdint.h>

#define WORDS_COUNT		256
#define WORDS_MAX_LEN		11	/* the longest word's length */
/* A code has WORDS_MIN..WORDS_MAX words, WORDS_DEFAULT by default. */
#define WORDS_MIN		2
#define WORDS_MAX		8
#define WORDS_DEFAULT		2
/* The slot number of a code: 1..WORDS_MAX_SLOT (decimal, no sign). */
#define WORDS_MAX_SLOT		999999u
/* "999999-" and WORDS_MAX words with their dashes, and a NUL. */
#define WORDS_CODE_MAX		(7 + WORDS_MAX * (WORDS_MAX_LEN + 1) + 1)

extern const char *const words_even[WORDS_COUNT];
extern const char *const words_odd[WORDS_COUNT];

/* The table of word number pos (0-based): even for 0, 2, ... */
const char *const *words_table(size_t pos);
/* The byte a word stands for at position pos (case-insensitive, exact
 * length), or -1 if it is not a word of that table. */
int	 words_lookup(const char *w, size_t len, size_t pos);
/* The word of pos's table closest to w (Damerau-Levenshtein distance at
 * most 2, case-insensitive), or NULL if none is that close. */
const char *words_suggest(const char *w, size_t len, size_t pos);
/* 1 if word begins with p[0..len) (p compared case-insensitively). */
int	 words_prefix(const char *word, const char *p, size_t len);
/* Completion: how many words of pos's table begin with the prefix, and
 * the first of them in *first (NULL if none). */
size_t	 words_complete(const char *prefix, size_t len, size_t pos,
	    const char **first);

/* Formats slot and the n bytes as a code into out (WORDS_CODE_MAX). */
void	 words_format(char *out, size_t outlen, uint32_t slot,
	    const uint8_t *bytes, size_t n);
/*
 * Parses a code: the slot into *slot and the bytes into bytes (room for
 * WORDS_MAX), their number into *n.  0, or ERR_FORMAT with a sentence
 * for the user in why (a mistyped word names its closest word: "'purpel'
 * is not a code word; did you mean 'puppy'?").
 */
int	 words_parse(const char *code, uint32_t *slot, uint8_t *bytes,
	    size_t *n, char *why, size_t whylen);
/* 1 if s looks like a code (digits, a dash, a letter), not an address. */
int	 words_is_code(const char *s);

#endif
