/* buf.c: bounds-checked byte buffer (see buf.h). */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"

void
buf_init(struct buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
buf_view(struct buf *b, const void *p, size_t len)
{
	memset(b, 0, sizeof(*b));
	/* The view never writes through d: readonly guards every putter. */
	b->d = (uint8_t *)(uintptr_t)p;
	b->len = b->cap = b->max = len;
	b->readonly = 1;
}

void
buf_release(struct buf *b)
{
	size_t max;

	if (b == NULL)
		return;
	if (!b->readonly && b->d != NULL) {
		sodium_memzero(b->d, b->cap);
		free(b->d);
	}
	max = b->readonly ? 0 : b->max;
	buf_init(b, max);
}

struct buf *
buf_new(size_t max)
{
	struct buf *b;

	if ((b = malloc(sizeof(*b))) == NULL)
		return NULL;
	buf_init(b, max);
	return b;
}

void
buf_free(struct buf *b)
{
	if (b == NULL)
		return;
	buf_release(b);
	free(b);
}

void
buf_reset(struct buf *b)
{
	if (b->readonly) {
		b->off = b->len;
		return;
	}
	if (b->d != NULL)
		sodium_memzero(b->d, b->cap);
	b->off = b->len = 0;
}

size_t
buf_len(const struct buf *b)
{
	return b->len - b->off;
}

const uint8_t *
buf_ptr(const struct buf *b)
{
	return b->d == NULL ? (const uint8_t *)"" : b->d + b->off;
}

int
buf_consume(struct buf *b, size_t n)
{
	if (n > b->len - b->off)
		return ERR_TRUNCATED;
	b->off += n;
	/* Reading everything lets the next write start at the front. */
	if (b->off == b->len && !b->readonly)
		b->off = b->len = 0;
	return 0;
}

int
buf_get_view(struct buf *b, size_t n, const uint8_t **p)
{
	const uint8_t *q;

	*p = NULL;
	if (n > b->len - b->off)
		return ERR_TRUNCATED;
	q = buf_ptr(b);
	b->off += n;	/* not buf_consume: the view must stay valid */
	*p = q;
	return 0;
}

int
buf_get_fixed(struct buf *b, uint8_t *out, size_t n)
{
	const uint8_t *p;
	int r;

	if ((r = buf_get_view(b, n, &p)) != 0)
		return r;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get_fixed(b, v, 1);
}

static uint64_t
get_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int
buf_get_u16(struct buf *b, uint16_t *v)
{
	const uint8_t *p;
	int r;

	*v = 0;
	if ((r = buf_get_view(b, 2, &p)) == 0)
		*v = (uint16_t)get_be(p, 2);
	return r;
}

int
buf_get_u32(struct buf *b, uint32_t *v)
{
	const uint8_t *p;
	int r;

	*v = 0;
	if ((r = buf_get_view(b, 4, &p)) == 0)
		*v = (uint32_t)get_be(p, 4);
	return r;
}

int
buf_get_u64(struct buf *b, uint64_t *v)
{
	const uint8_t *p;
	int r;

	*v = 0;
	if ((r = buf_get_view(b, 8, &p)) == 0)
		*v = get_be(p, 8);
	return r;
}

int
buf_get_string_view(struct buf *b, size_t max, const uint8_t **p, size_t *n)
{
	struct buf save = *b;
	uint16_t len;
	int r;

	*p = NULL;
	*n = 0;
	if ((r = buf_get_u16(b, &len)) != 0)
		return r;
	if (len > max) {
		*b = save;
		return ERR_TOO_LARGE;
	}
	if ((r = buf_get_view(b, len, p)) != 0) {
		*b = save;
		return r;
	}
	*n = len;
	return 0;
}

int
buf_expect_end(const struct buf *b)
{
	return buf_len(b) == 0 ? 0 : ERR_TRAILING;
}

int
buf_reserve(struct buf *b, size_t n, uint8_t **p)
{
	size_t used, need, ncap;
	uint8_t *nd;

	*p = NULL;
	if (b->readonly)
		return ERR_INVALID_ARG;
	used = b->len - b->off;
	if (n > b->max || used > b->max - n)
		return ERR_TOO_LARGE;
	need = used + n;
	/* len <= cap always, so cap - len cannot wrap (len + n could). */
	if (n > b->cap - b->len) {
		/* Compact first: the live bytes may fit after moving them. */
		if (b->off > 0 && need <= b->cap) {
			memmove(b->d, b->d + b->off, used);
			sodium_memzero(b->d + used, b->cap - used);
		} else {
			ncap = b->cap < 256 ? 256 : b->cap;
			while (ncap < need)
				ncap = ncap > b->max / 2 ? b->max : ncap * 2;
			if (ncap > b->max && need <= b->max)
				ncap = b->max;
			/* Copy rather than realloc so the old storage is wiped. */
			if ((nd = malloc(ncap)) == NULL)
				return ERR_ALLOC;
			if (used > 0)
				memcpy(nd, b->d + b->off, used);
			if (b->d != NULL) {
				sodium_memzero(b->d, b->cap);
				free(b->d);
			}
			b->d = nd;
			b->cap = ncap;
		}
		b->off = 0;
		b->len = used;
	}
	/* Storage is still NULL only when n == 0; NULL + 0 is undefined. */
	*p = b->d == NULL ? NULL : b->d + b->len;
	b->len += n;
	return 0;
}

void
buf_unput(struct buf *b, size_t n)
{
	if (b->readonly)
		return;
	if (n > b->len - b->off)
		n = b->len - b->off;
	if (n == 0)
		return;
	b->len -= n;
	sodium_memzero(b->d + b->len, n);
}

int
buf_put(struct buf *b, const void *p, size_t n)
{
	uint8_t *q;
	int r;

	if ((r = buf_reserve(b, n, &q)) != 0)
		return r;
	if (n > 0)
		memcpy(q, p, n);
	return 0;
}

static int
put_be(struct buf *b, uint64_t v, size_t n)
{
	uint8_t tmp[8];
	size_t i;

	for (i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return buf_put(b, tmp, n);
}

int
buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put(b, &v, 1);
}

int
buf_put_u16(struct buf *b, uint16_t v)
{
	return put_be(b, v, 2);
}

int
buf_put_u32(struct buf *b, uint32_t v)
{
	return put_be(b, v, 4);
}

int
buf_put_u64(struct buf *b, uint64_t v)
{
	return put_be(b, v, 8);
}

int
buf_put_string(struct buf *b, const void *p, size_t n)
{
	uint8_t *q;
	int r;

	if (n > 0xffff)
		return ERR_TOO_LARGE;
	if ((r = buf_reserve(b, 2 + n, &q)) != 0)
		return r;
	q[0] = (uint8_t)(n >> 8);
	q[1] = (uint8_t)n;
	if (n > 0)
		memcpy(q + 2, p, n);
	return 0;
}
