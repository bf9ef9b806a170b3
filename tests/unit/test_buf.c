/*
 * test_buf.c: the bounds-checked buffer: every getter fails cleanly on
 * truncation, max is enforced before allocation, views stay read-only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

/* test_reserve_length_cannot_wrap expects a huge malloc to return NULL,
 * as it does in production, rather than AddressSanitizer to stop the run.
 * ASAN_OPTIONS from the environment still override the rest. */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

/* A copy of a buffer's fields and readable bytes, to prove a failed call
 * changed nothing. */
struct snap {
	struct buf	b;
	uint8_t		bytes[256];
	size_t		n;
};

static void
snap_take(struct snap *s, const struct buf *b)
{
	s->b = *b;
	s->n = buf_len(b);
	assert_true(s->n <= sizeof(s->bytes));
	memcpy(s->bytes, buf_ptr(b), s->n);
}

static void
snap_check(const struct snap *s, const struct buf *b)
{
	assert_ptr_equal(b->d, s->b.d);
	assert_int_equal(b->off, s->b.off);
	assert_int_equal(b->len, s->b.len);
	assert_int_equal(b->cap, s->b.cap);
	assert_int_equal(b->max, s->b.max);
	assert_int_equal(b->readonly, s->b.readonly);
	assert_int_equal(buf_len(b), s->n);
	assert_memory_equal(buf_ptr(b), s->bytes, s->n);
}

/* A string of length 3 ("abc"), then filler: every getter below can
 * read its bytes. */
static const uint8_t pattern[16] = {
	0x00, 0x03, 'a', 'b', 'c', 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

/* Each getter behind one signature, with the bytes it needs. */
static int
get_u8(struct buf *b)
{
	uint8_t v;

	return buf_get_u8(b, &v);
}

static int
get_u16(struct buf *b)
{
	uint16_t v;

	return buf_get_u16(b, &v);
}

static int
get_u32(struct buf *b)
{
	uint32_t v;

	return buf_get_u32(b, &v);
}

static int
get_u64(struct buf *b)
{
	uint64_t v;

	return buf_get_u64(b, &v);
}

static int
get_fixed5(struct buf *b)
{
	uint8_t out[5];

	return buf_get_fixed(b, out, sizeof(out));
}

static int
get_view7(struct buf *b)
{
	const uint8_t *p = pattern;
	int r;

	r = buf_get_view(b, 7, &p);
	if (r != 0)
		assert_null(p);
	return r;
}

static int
get_string(struct buf *b)
{
	const uint8_t *p = pattern;
	size_t n = 99;
	int r;

	r = buf_get_string_view(b, 16, &p, &n);
	if (r != 0) {
		assert_null(p);
		assert_int_equal(n, 0);
	}
	return r;
}

static int
consume3(struct buf *b)
{
	return buf_consume(b, 3);
}

static const struct getter {
	const char	*name;
	int		(*get)(struct buf *);
	size_t		 need;
} getters[] = {
	{ "u8", get_u8, 1 },
	{ "u16", get_u16, 2 },
	{ "u32", get_u32, 4 },
	{ "u64", get_u64, 8 },
	{ "fixed", get_fixed5, 5 },
	{ "view", get_view7, 7 },
	{ "string", get_string, 5 },
	{ "consume", consume3, 3 },
};
#define NGETTERS (sizeof(getters) / sizeof(getters[0]))

/* Runs g on the first k bytes of pattern held three ways: a view, an
 * owned buffer, and an owned buffer whose read offset is not zero. */
static void
check_getter_on_prefix(const struct getter *g, size_t k)
{
	struct buf b;
	struct snap s;
	int want = k < g->need ? ERR_TRUNCATED : 0;
	int how;
	uint8_t v;

	for (how = 0; how < 3; how++) {
		if (how == 0)
			buf_view(&b, pattern, k);
		else {
			buf_init(&b, 64);
			if (how == 2) {
				assert_int_equal(buf_put_u8(&b, 0xee), 0);
			}
			assert_int_equal(buf_put(&b, pattern, k), 0);
			if (how == 2) {
				assert_int_equal(buf_get_u8(&b, &v), 0);
				assert_int_equal(v, 0xee);
			}
		}
		snap_take(&s, &b);
		if (g->get(&b) != want)
			fail_msg("getter %s on %zu bytes (way %d): expected %d",
			    g->name, k, how, want);
		if (want != 0)
			snap_check(&s, &b);
		else
			assert_int_equal(buf_len(&b), k - g->need);
		buf_release(&b);
	}
}

static void
test_getters_truncated_leave_buffer_unchanged(void **state)
{
	size_t i, k;

	(void)state;
	for (i = 0; i < NGETTERS; i++)
		for (k = 0; k <= getters[i].need + 1; k++)
			check_getter_on_prefix(&getters[i], k);
}

static void
test_integers_big_endian_round_trip(void **state)
{
	static const uint8_t want[] = {
		0x7f,
		0x01, 0x02,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	struct buf b;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(buf_put_u8(&b, 0x7f), 0);
	assert_int_equal(buf_put_u16(&b, 0x0102), 0);
	assert_int_equal(buf_put_u32(&b, 0x01020304), 0);
	assert_int_equal(buf_put_u64(&b, 0x0102030405060708ULL), 0);
	assert_int_equal(buf_put_u64(&b, UINT64_MAX), 0);
	assert_int_equal(buf_len(&b), sizeof(want));
	assert_memory_equal(buf_ptr(&b), want, sizeof(want));

	assert_int_equal(buf_get_u8(&b, &v8), 0);
	assert_int_equal(v8, 0x7f);
	assert_int_equal(buf_get_u16(&b, &v16), 0);
	assert_int_equal(v16, 0x0102);
	assert_int_equal(buf_get_u32(&b, &v32), 0);
	assert_int_equal(v32, 0x01020304);
	assert_int_equal(buf_get_u64(&b, &v64), 0);
	assert_true(v64 == 0x0102030405060708ULL);
	assert_int_equal(buf_get_u64(&b, &v64), 0);
	assert_true(v64 == UINT64_MAX);
	assert_int_equal(buf_expect_end(&b), 0);
	assert_int_equal(buf_get_u8(&b, &v8), ERR_TRUNCATED);
	buf_release(&b);
}

static void
test_max_checked_before_allocation(void **state)
{
	uint8_t x[17], *p;
	struct buf b;
	struct snap s;

	(void)state;
	memset(x, 0x5a, sizeof(x));
	buf_init(&b, 16);
	/* Refused with nothing allocated. */
	assert_int_equal(buf_put(&b, x, 17), ERR_TOO_LARGE);
	assert_null(b.d);
	assert_int_equal(b.cap, 0);
	assert_int_equal(buf_len(&b), 0);
	p = x;
	assert_int_equal(buf_reserve(&b, SIZE_MAX, &p), ERR_TOO_LARGE);
	assert_null(p);
	assert_null(b.d);

	/* Exactly max fits, and storage never grows past max. */
	assert_int_equal(buf_put(&b, x, 16), 0);
	assert_int_equal(buf_len(&b), 16);
	assert_true(b.cap <= 16);
	snap_take(&s, &b);
	assert_int_equal(buf_put_u8(&b, 1), ERR_TOO_LARGE);
	assert_int_equal(buf_put(&b, x, 0), 0);
	snap_check(&s, &b);
	buf_release(&b);

	/* Each putter at the edge: 13 used, 3 free. */
	buf_init(&b, 16);
	assert_int_equal(buf_put(&b, x, 13), 0);
	snap_take(&s, &b);
	assert_int_equal(buf_put_u32(&b, 1), ERR_TOO_LARGE);
	assert_int_equal(buf_put_u64(&b, 1), ERR_TOO_LARGE);
	assert_int_equal(buf_put_string(&b, x, 2), ERR_TOO_LARGE);
	assert_int_equal(buf_put(&b, x, 4), ERR_TOO_LARGE);
	assert_int_equal(buf_reserve(&b, 4, &p), ERR_TOO_LARGE);
	snap_check(&s, &b);
	assert_int_equal(buf_put_string(&b, x, 1), 0);
	assert_int_equal(buf_len(&b), 16);
	buf_release(&b);

	/* Max limits the unread bytes: reading makes room again. */
	buf_init(&b, 16);
	assert_int_equal(buf_put(&b, pattern, 16), 0);
	assert_int_equal(buf_consume(&b, 8), 0);
	assert_int_equal(buf_put(&b, x, 9), ERR_TOO_LARGE);
	assert_int_equal(buf_put(&b, x, 8), 0);
	assert_int_equal(buf_len(&b), 16);
	assert_true(b.cap <= 16);
	assert_memory_equal(buf_ptr(&b), pattern + 8, 8);
	assert_memory_equal(buf_ptr(&b) + 8, x, 8);
	buf_release(&b);

	/* A zero max holds nothing at all. */
	buf_init(&b, 0);
	assert_int_equal(buf_put_u8(&b, 1), ERR_TOO_LARGE);
	assert_null(b.d);
	buf_release(&b);
}

static void
test_reserve_length_cannot_wrap(void **state)
{
	struct buf b;
	uint8_t *p;
	int r;

	(void)state;
	/* With no practical max, a huge n must still be refused (or fail
	 * to allocate), never wrap the length. */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_put(&b, pattern, 10), 0);
	assert_int_equal(buf_consume(&b, 5), 0);
	p = (uint8_t *)pattern;
	r = buf_reserve(&b, SIZE_MAX - 5, &p);
	assert_true(r == ERR_TOO_LARGE || r == ERR_ALLOC);
	assert_null(p);
	assert_int_equal(buf_len(&b), 5);
	assert_memory_equal(buf_ptr(&b), pattern + 5, 5);
	r = buf_reserve(&b, SIZE_MAX, &p);
	assert_true(r == ERR_TOO_LARGE || r == ERR_ALLOC);
	assert_int_equal(buf_len(&b), 5);
	buf_release(&b);
}

static void
test_string_views(void **state)
{
	static const uint8_t hello[] = { 0x00, 0x05, 'h', 'e', 'l', 'l', 'o' };
	static const uint8_t huge[] = { 0xff, 0xff, 'x' };
	static const uint8_t empty[] = { 0x00, 0x00 };
	const uint8_t *p;
	struct buf b;
	struct snap s;
	size_t n;

	(void)state;
	/* Length exactly max: the view points inside the input. */
	buf_view(&b, hello, sizeof(hello));
	assert_int_equal(buf_get_string_view(&b, 5, &p, &n), 0);
	assert_int_equal(n, 5);
	assert_ptr_equal(p, hello + 2);
	assert_int_equal(buf_expect_end(&b), 0);

	/* One over max: refused, nothing consumed. */
	buf_view(&b, hello, sizeof(hello));
	snap_take(&s, &b);
	assert_int_equal(buf_get_string_view(&b, 4, &p, &n), ERR_TOO_LARGE);
	assert_null(p);
	assert_int_equal(n, 0);
	snap_check(&s, &b);

	/* The limit is judged before the bytes are looked for. */
	buf_view(&b, huge, sizeof(huge));
	snap_take(&s, &b);
	assert_int_equal(buf_get_string_view(&b, 100, &p, &n), ERR_TOO_LARGE);
	snap_check(&s, &b);
	assert_int_equal(buf_get_string_view(&b, 0xffff, &p, &n),
	    ERR_TRUNCATED);
	snap_check(&s, &b);

	/* Zero length, even with max zero. */
	buf_view(&b, empty, sizeof(empty));
	assert_int_equal(buf_get_string_view(&b, 0, &p, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(buf_expect_end(&b), 0);

	/* Round trip, and the putter's own limit. */
	buf_init(&b, 1 << 20);
	assert_int_equal(buf_put_string(&b, "hello", 5), 0);
	assert_int_equal(buf_len(&b), sizeof(hello));
	assert_memory_equal(buf_ptr(&b), hello, sizeof(hello));
	snap_take(&s, &b);
	assert_int_equal(buf_put_string(&b, NULL, 0x10000), ERR_TOO_LARGE);
	snap_check(&s, &b);
	buf_release(&b);
}

static void
test_expect_end_and_trailing(void **state)
{
	struct buf b;
	uint8_t v;

	(void)state;
	buf_view(&b, pattern, 2);
	assert_int_equal(buf_expect_end(&b), ERR_TRAILING);
	assert_int_equal(buf_get_u8(&b, &v), 0);
	assert_int_equal(buf_expect_end(&b), ERR_TRAILING);
	assert_int_equal(buf_get_u8(&b, &v), 0);
	assert_int_equal(buf_expect_end(&b), 0);

	buf_view(&b, NULL, 0);
	assert_int_equal(buf_expect_end(&b), 0);
	assert_non_null(buf_ptr(&b));
	assert_int_equal(buf_get_u8(&b, &v), ERR_TRUNCATED);

	buf_init(&b, 8);
	assert_int_equal(buf_expect_end(&b), 0);
	assert_int_equal(buf_put_u8(&b, 1), 0);
	assert_int_equal(buf_expect_end(&b), ERR_TRAILING);
	assert_int_equal(buf_consume(&b, 1), 0);
	assert_int_equal(buf_expect_end(&b), 0);
	buf_release(&b);
}

static void
test_views_are_read_only(void **state)
{
	static const uint8_t bytes[4] = { 1, 2, 3, 4 };
	struct buf b;
	struct snap s;
	uint8_t *p;
	uint16_t v;

	(void)state;
	buf_view(&b, bytes, sizeof(bytes));
	snap_take(&s, &b);
	assert_int_equal(buf_put(&b, "x", 1), ERR_INVALID_ARG);
	assert_int_equal(buf_put(&b, "x", 0), ERR_INVALID_ARG);
	assert_int_equal(buf_put_u8(&b, 1), ERR_INVALID_ARG);
	assert_int_equal(buf_put_u16(&b, 1), ERR_INVALID_ARG);
	assert_int_equal(buf_put_u32(&b, 1), ERR_INVALID_ARG);
	assert_int_equal(buf_put_u64(&b, 1), ERR_INVALID_ARG);
	assert_int_equal(buf_put_string(&b, "x", 1), ERR_INVALID_ARG);
	p = (uint8_t *)bytes;
	assert_int_equal(buf_reserve(&b, 1, &p), ERR_INVALID_ARG);
	assert_null(p);
	buf_unput(&b, 2);
	snap_check(&s, &b);

	/* Reading works and never writes. */
	assert_int_equal(buf_get_u16(&b, &v), 0);
	assert_int_equal(v, 0x0102);
	assert_int_equal(buf_len(&b), 2);
	buf_reset(&b);
	assert_int_equal(buf_len(&b), 0);
	assert_memory_equal(bytes, "\x01\x02\x03\x04", 4);

	/* Releasing a view frees nothing (ASan would see a bad free) and
	 * leaves an empty buffer that can hold nothing. */
	buf_view(&b, bytes, sizeof(bytes));
	buf_release(&b);
	assert_null(b.d);
	assert_int_equal(b.readonly, 0);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_put_u8(&b, 1), ERR_TOO_LARGE);
	buf_release(&b);
}

static void
test_view_survives_consuming_everything(void **state)
{
	const uint8_t *p;
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(buf_put(&b, pattern, 8), 0);
	assert_int_equal(buf_get_view(&b, 8, &p), 0);
	assert_int_equal(buf_len(&b), 0);
	assert_memory_equal(p, pattern, 8);
	assert_int_equal(buf_get_view(&b, 0, &p), 0);
	buf_release(&b);
}

static void
test_lifecycle(void **state)
{
	struct buf *bp, b;
	uint8_t *p, *d;

	(void)state;
	buf_free(NULL);
	bp = buf_new(100);
	assert_non_null(bp);
	assert_int_equal(buf_len(bp), 0);
	assert_int_equal(buf_put(bp, pattern, sizeof(pattern)), 0);
	buf_free(bp);

	/* reset keeps the storage, release drops it and keeps max. */
	buf_init(&b, 100);
	assert_int_equal(buf_put(&b, pattern, 10), 0);
	d = b.d;
	buf_reset(&b);
	assert_int_equal(buf_len(&b), 0);
	assert_ptr_equal(b.d, d);
	assert_int_equal(buf_put(&b, pattern, 3), 0);
	assert_memory_equal(buf_ptr(&b), pattern, 3);
	buf_release(&b);
	assert_null(b.d);
	assert_int_equal(b.max, 100);
	buf_release(&b);
	assert_int_equal(buf_put(&b, pattern, sizeof(pattern)), 0);
	buf_release(&b);

	/* unput drops the tail, and no more than is there. */
	buf_init(&b, 100);
	assert_int_equal(buf_reserve(&b, 6, &p), 0);
	memcpy(p, "abcdef", 6);
	buf_unput(&b, 2);
	assert_int_equal(buf_len(&b), 4);
	assert_memory_equal(buf_ptr(&b), "abcd", 4);
	buf_unput(&b, 50);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(buf_consume(&b, 1), ERR_TRUNCATED);
	buf_release(&b);
}

/* A small message, as a module would parse it. */
static int
parse_msg(struct buf *b, uint8_t *type, uint16_t *id, uint64_t *ts)
{
	const uint8_t *name;
	uint8_t tag[4];
	size_t nlen;
	int r;

	if ((r = buf_get_u8(b, type)) != 0 ||
	    (r = buf_get_u16(b, id)) != 0 ||
	    (r = buf_get_string_view(b, 32, &name, &nlen)) != 0 ||
	    (r = buf_get_u64(b, ts)) != 0 ||
	    (r = buf_get_fixed(b, tag, sizeof(tag))) != 0)
		return r;
	return buf_expect_end(b);
}

static void
test_message_truncations_and_mutations(void **state)
{
	uint8_t msg[64], mut[sizeof(msg) + 1], type;
	struct buf b;
	uint16_t id;
	uint64_t ts;
	size_t len, k, bit;
	int r;

	(void)state;
	buf_init(&b, sizeof(msg));
	assert_int_equal(buf_put_u8(&b, 7), 0);
	assert_int_equal(buf_put_u16(&b, 0xbeef), 0);
	assert_int_equal(buf_put_string(&b, "alice", 5), 0);
	assert_int_equal(buf_put_u64(&b, 1234567890123ULL), 0);
	assert_int_equal(buf_put(&b, "\xde\xad\xbe\xef", 4), 0);
	len = buf_len(&b);
	memcpy(msg, buf_ptr(&b), len);
	buf_release(&b);

	buf_view(&b, msg, len);
	assert_int_equal(parse_msg(&b, &type, &id, &ts), 0);
	assert_int_equal(type, 7);
	assert_int_equal(id, 0xbeef);
	assert_true(ts == 1234567890123ULL);

	/* Every strict prefix is truncated, one extra byte is trailing. */
	for (k = 0; k < len; k++) {
		buf_view(&b, msg, k);
		assert_int_equal(parse_msg(&b, &type, &id, &ts),
		    ERR_TRUNCATED);
	}
	memcpy(mut, msg, len);
	mut[len] = 0;
	buf_view(&b, mut, len + 1);
	assert_int_equal(parse_msg(&b, &type, &id, &ts), ERR_TRAILING);

	/* Every single-bit flip parses or fails with a parse error. */
	for (bit = 0; bit < len * 8; bit++) {
		memcpy(mut, msg, len);
		mut[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		buf_view(&b, mut, len);
		r = parse_msg(&b, &type, &id, &ts);
		assert_true(r == 0 || r == ERR_TRUNCATED ||
		    r == ERR_TRAILING || r == ERR_TOO_LARGE);
		/* Only the string length can change the outcome. */
		if (bit / 8 != 3 && bit / 8 != 4)
			assert_int_equal(r, 0);
	}
}

/* Random puts and gets against a plain array model, to exercise growth,
 * compaction and the max check together.  Deterministic. */
static void
test_against_model(void **state)
{
	enum { MAX = 1000 };
	static uint8_t model[MAX], out[64], in[64];
	size_t mlen = 0, k, i;
	uint32_t seed = 0x12345678;
	struct buf b;
	int r, op;

	(void)state;
	buf_init(&b, MAX);
	for (i = 0; i < 20000; i++) {
		seed = seed * 1103515245u + 12345u;
		op = (int)((seed >> 16) % 3);
		k = (seed >> 8) % 65;
		if (op != 0) {
			memset(in, (int)(i & 0xff), k);
			r = buf_put(&b, in, k);
			if (mlen + k > MAX) {
				assert_int_equal(r, ERR_TOO_LARGE);
			} else {
				assert_int_equal(r, 0);
				memcpy(model + mlen, in, k);
				mlen += k;
			}
		} else {
			r = buf_get_fixed(&b, out, k);
			if (k > mlen) {
				assert_int_equal(r, ERR_TRUNCATED);
			} else {
				assert_int_equal(r, 0);
				assert_memory_equal(out, model, k);
				memmove(model, model + k, mlen - k);
				mlen -= k;
			}
		}
		assert_int_equal(buf_len(&b), mlen);
		assert_true(b.cap <= MAX);
		if (mlen > 0)
			assert_memory_equal(buf_ptr(&b), model, mlen);
	}
	buf_release(&b);
}

static void
test_large_growth(void **state)
{
	enum { N = 70000 };
	struct buf b;
	size_t i;
	uint8_t v;

	(void)state;
	buf_init(&b, 1 << 20);
	for (i = 0; i < N; i++)
		assert_int_equal(buf_put_u8(&b, (uint8_t)i), 0);
	assert_int_equal(buf_len(&b), N);
	assert_true(b.cap >= N && b.cap <= (1 << 20));
	for (i = 0; i < N; i++) {
		assert_int_equal(buf_get_u8(&b, &v), 0);
		assert_int_equal(v, (uint8_t)i);
	}
	assert_int_equal(buf_expect_end(&b), 0);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getters_truncated_leave_buffer_unchanged),
		cmocka_unit_test(test_integers_big_endian_round_trip),
		cmocka_unit_test(test_max_checked_before_allocation),
		cmocka_unit_test(test_reserve_length_cannot_wrap),
		cmocka_unit_test(test_string_views),
		cmocka_unit_test(test_expect_end_and_trailing),
		cmocka_unit_test(test_views_are_read_only),
		cmocka_unit_test(test_view_survives_consuming_everything),
		cmocka_unit_test(test_lifecycle),
		cmocka_unit_test(test_message_truncations_and_mutations),
		cmocka_unit_test(test_against_model),
		cmocka_unit_test(test_large_growth),
	};

	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
