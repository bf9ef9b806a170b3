/*
 * test_chunkq.c: refcounted chunks and queues of references.  One chunk
 * in many queues is stored once (the stats count it once) and freed with
 * its last reference; queues keep FIFO order across ring growth and
 * wrap-around; an emptied queue gives its ring back, so the stats return
 * to zero; bad lengths are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chunkq.h"
#include "err.h"

static void
test_shared(void **state)
{
	struct chunk_stats st = { 0, 0 };
	struct chunkq q[100];
	uint8_t data[3000];
	struct chunk *ch;
	size_t i, one;

	(void)state;
	memset(data, 0xab, sizeof(data));
	assert_null(chunk_new(&st, data, 0));
	assert_null(chunk_new(&st, data, CHUNK_MAX_LEN + 1));
	assert_non_null(ch = chunk_new(&st, data, sizeof(data)));
	one = st.bytes;
	assert_true(one >= sizeof(data));
	assert_int_equal(st.chunks, 1);
	for (i = 0; i < 100; i++) {
		chunkq_init(&q[i], &st);
		assert_int_equal(chunkq_push(&q[i], ch), 0);
		assert_int_equal(chunkq_bytes(&q[i]), sizeof(data));
	}
	assert_int_equal(chunk_refs(ch), 101);
	/* Stored once: 100 references cost 100 rings, not 100 copies. */
	assert_int_equal(st.chunks, 1);
	assert_true(st.bytes < one + 100 * 8 * sizeof(void *) + 1);
	chunk_unref(ch);
	for (i = 0; i < 99; i++) {
		assert_ptr_equal(chunkq_peek(&q[i], 0), ch);
		assert_memory_equal(chunk_data(ch), data, sizeof(data));
		chunkq_pop(&q[i]);
		assert_int_equal(chunkq_count(&q[i]), 0);
		assert_int_equal(chunkq_bytes(&q[i]), 0);
		assert_int_equal(chunkq_overhead(&q[i]), 0);
	}
	assert_int_equal(chunk_refs(ch), 1);
	assert_int_equal(st.chunks, 1);
	chunkq_clear(&q[99]);
	assert_int_equal(st.chunks, 0);
	assert_int_equal(st.bytes, 0);
}

static void
test_order(void **state)
{
	struct chunk_stats st = { 0, 0 };
	struct chunkq q;
	struct chunk *ch;
	uint32_t next = 0, popped = 0, v;
	size_t round, k, bytes = 0;

	(void)state;
	chunkq_init(&q, &st);
	assert_null(chunkq_peek(&q, 0));
	chunkq_pop(&q);		/* empty: no-op */
	/* Push a few, pop fewer, again and again: the ring grows and wraps
	 * and the order holds. */
	for (round = 0; round < 200; round++) {
		for (k = 0; k < round % 7 + 1; k++) {
			assert_non_null(ch = chunk_new(&st,
			    (const uint8_t *)&next, sizeof(next)));
			assert_int_equal(chunkq_push(&q, ch), 0);
			chunk_unref(ch);
			next++;
			bytes += sizeof(next);
		}
		for (k = 0; k < round % 5 + 1 && chunkq_count(&q) > 0; k++) {
			ch = chunkq_peek(&q, 0);
			memcpy(&v, chunk_data(ch), sizeof(v));
			assert_int_equal(v, popped);
			if (chunkq_count(&q) > 1) {
				memcpy(&v, chunk_data(chunkq_peek(&q, 1)),
				    sizeof(v));
				assert_int_equal(v, popped + 1);
			}
			chunkq_pop(&q);
			popped++;
			bytes -= sizeof(v);
		}
		assert_int_equal(chunkq_count(&q), next - popped);
		assert_int_equal(chunkq_bytes(&q), bytes);
		assert_null(chunkq_peek(&q, chunkq_count(&q)));
	}
	assert_true(chunkq_count(&q) > 0);
	chunkq_clear(&q);
	assert_int_equal(chunkq_count(&q), 0);
	assert_int_equal(st.chunks, 0);
	assert_int_equal(st.bytes, 0);
	/* Usable again after a clear. */
	assert_non_null(ch = chunk_new(&st, (const uint8_t *)"x", 1));
	assert_int_equal(chunkq_push(&q, ch), 0);
	chunk_unref(ch);
	chunkq_clear(&q);
	assert_int_equal(st.bytes, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
