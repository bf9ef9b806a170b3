/*
 * vectors.h: reading the external test vectors ($SOTTO_VECTORS_DIR/
 * *.json, default ../shared/vectors) in cmocka unit tests.  Header-only
 * (static inline, so a test pays only for what it calls); include it
 * after <cmocka.h>.  The parser knows just what those flat files need:
 * the first "key": after a point, hex, decimal and plain string values,
 * and arrays of flat objects.  A malformed or missing value fails the
 * running test (fail_msg).
 */
#ifndef SOTTO_TEST_VECTORS_H
#define SOTTO_TEST_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define HEXVAL_MAX	512

/* One hex string from the vectors, decoded. */
struct hexval {
	char		 hex[2 * HEXVAL_MAX + 1];
	uint8_t		 b[HEXVAL_MAX];
	size_t		 n;
};

#define VECTORS_MAX	4	/* files one test program may load */

static char *vectors_docs[VECTORS_MAX];	/* what vectors_load read */

/*
 * Initialises libsodium and reads the vectors file named file.  Returns
 * the whole file, NUL-terminated, kept until vectors_free(); or NULL
 * after a FATAL line on stderr, for a group setup to fail every test
 * with.
 */
static inline char *
vectors_load(const char *file)
{
	const char *dir = getenv("SOTTO_VECTORS_DIR");
	char path[4096], *doc = NULL;
	FILE *f;
	long sz;
	size_t i;

	for (i = 0; i < VECTORS_MAX && vectors_docs[i] != NULL; i++)
		;
	if (i == VECTORS_MAX) {
		fprintf(stderr, "vectors: FATAL: more than %d files\n",
		    VECTORS_MAX);
		return NULL;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "vectors: FATAL: sodium_init failed\n");
		return NULL;
	}
	if (dir == NULL || *dir == '\0')
		dir = "../shared/vectors";
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "vectors: FATAL: cannot open test vectors "
		    "%s (set SOTTO_VECTORS_DIR)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (doc = calloc(1, (size_t)sz + 1)) == NULL ||
	    fread(doc, 1, (size_t)sz, f) != (size_t)sz) {
		fprintf(stderr, "vectors: FATAL: cannot read %s\n", path);
		free(doc);
		doc = NULL;
	}
	fclose(f);
	return vectors_docs[i] = doc;
}

/* Frees what vectors_load read: a cmocka group teardown. */
static inline int
vectors_free(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < VECTORS_MAX; i++) {
		free(vectors_docs[i]);
		vectors_docs[i] = NULL;
	}
	return 0;
}

static inline const char *
skip_blank(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

/* Skips blanks and at most one comma. */
static inline const char *
skip_sep(const char *p)
{
	p = skip_blank(p);
	return skip_blank(*p == ',' ? p + 1 : p);
}

/*
 * The first "key" (quotes included) followed by ':' at or after 'from'.
 * Returns a pointer to the value's first non-blank character, or NULL.
 */
static inline const char *
json_value(const char *from, const char *key)
{
	char pat[256];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	/* A match not followed by ':' is a string value; look further. */
	for (p = from; (p = strstr(p, pat)) != NULL; ) {
		p = skip_blank(p + strlen(pat));
		if (*p != ':')
			continue;
		return skip_blank(p + 1);
	}
	return NULL;
}

/* Reads the "string" at p into out[outsz]; returns the char after it. */
static inline const char *
read_str(const char *p, char *out, size_t outsz, const char *what)
{
	const char *end;
	size_t len;

	if (p == NULL || *p != '"')
		fail_msg("vectors: %s: no string value", what);
	p++;
	if ((end = strchr(p, '"')) == NULL)
		fail_msg("vectors: %s: unterminated string", what);
	len = (size_t)(end - p);
	if (len >= outsz)
		fail_msg("vectors: %s: value too long", what);
	memcpy(out, p, len);
	out[len] = '\0';
	return end + 1;
}

/* Reads a "hex" string at p into v; returns the char after it. */
static inline const char *
read_hex(const char *p, struct hexval *v, const char *what)
{
	p = read_str(p, v->hex, sizeof(v->hex), what);
	if (sodium_hex2bin(v->b, sizeof(v->b), v->hex, strlen(v->hex), NULL,
	    &v->n, NULL) != 0 || v->n * 2 != strlen(v->hex))
		fail_msg("vectors: %s: bad hex", what);
	return p;
}

/* Reads the unsigned decimal number at p; returns the char after it. */
static inline const char *
read_uint(const char *p, uint64_t *v, const char *what)
{
	unsigned d;

	if (p == NULL || *p < '0' || *p > '9')
		fail_msg("vectors: %s: no unsigned number", what);
	for (*v = 0; *p >= '0' && *p <= '9'; p++) {
		d = (unsigned)(*p - '0');
		if (*v > (UINT64_MAX - d) / 10)
			fail_msg("vectors: %s: number too large", what);
		*v = *v * 10 + d;
	}
	return p;
}

/* The value of key inside section of doc (section NULL: anywhere). */
static inline const char *
vec_value(const char *doc, const char *section, const char *key)
{
	const char *p = doc;

	assert_non_null(doc);
	if (section != NULL && (p = json_value(doc, section)) == NULL)
		fail_msg("vectors: no section \"%s\"", section);
	if ((p = json_value(p, key)) == NULL)
		fail_msg("vectors: no key \"%s\" in \"%s\"", key,
		    section != NULL ? section : "(top)");
	return p;
}

/* vec(doc, section, key, v): the hex value of key inside section. */
static inline void
vec(const char *doc, const char *section, const char *key, struct hexval *v)
{
	read_hex(vec_value(doc, section, key), v, key);
}

static inline uint64_t
vec_uint(const char *doc, const char *section, const char *key)
{
	uint64_t v;

	read_uint(vec_value(doc, section, key), &v, key);
	return v;
}

static inline void
vec_str(const char *doc, const char *section, const char *key, char *out,
    size_t outsz)
{
	read_str(vec_value(doc, section, key), out, outsz, key);
}

/*
 * Walks an array of flat objects (no nested braces): p is the value of
 * the array or the return of the previous call.  Copies the next object
 * into obj[objsz], NUL-terminated, so that the vec* functions with
 * section NULL look inside it alone; returns where the walk goes on, or
 * NULL after the last object.
 */
static inline const char *
vec_object(const char *p, char *obj, size_t objsz)
{
	const char *end = NULL;

	if (p == NULL) {
		fail_msg("vectors: no array");
		return NULL;	/* fail_msg does not return */
	}
	if (*p == '[')
		p = skip_sep(p + 1);
	if (*p == ']')
		return NULL;
	if (*p != '{' || (end = strchr(p, '}')) == NULL) {
		fail_msg("vectors: array element is not a flat object");
		return NULL;
	}
	if ((size_t)(end + 1 - p) >= objsz)
		fail_msg("vectors: object too long");
	memcpy(obj, p, (size_t)(end + 1 - p));
	obj[end + 1 - p] = '\0';
	return skip_sep(end + 1);
}

/* Fails unless p[0..n) is exactly the expected value (shown as hex). */
static inline void
assert_hex(const uint8_t *p, size_t n, const struct hexval *want)
{
	char got[2 * HEXVAL_MAX + 1];

	assert_true(n <= HEXVAL_MAX);
	sodium_bin2hex(got, sizeof(got), p, n);
	assert_string_equal(got, want->hex);
}

#endif
