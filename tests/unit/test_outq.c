/*
 * test_outq.c: a room member's outgoing queue.  Lines wait in order, are
 * handed one at a time with the cseq of their last blob, and leave only
 * when an ACCEPTED covers that cseq; blobs are kept in cseq order until
 * acknowledged; a restart (new seat) forgets the blobs and makes handed
 * lines wait again, first; many lines and acks in a loop keep the counts
 * and the order exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "outq.h"

static void
push(struct outq *q, const char *s)
{
	assert_int_equal(outq_line_push(q, s, strlen(s)), 0);
}

static void
expect_next(struct outq *q, const char *s)
{
	const char *t;
	size_t n;

	assert_int_equal(outq_line_next(q, &t, &n), 1);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(t, s, n);
}

static void
test_lines(void **state)
{
	struct outq *q = outq_new();
	const char *t;
	size_t n;

	(void)state;
	assert_non_null(q);
	assert_int_equal(outq_line_next(q, &t, &n), 0);
	assert_int_equal(outq_line_push(q, "", 0), ERR_INVALID_ARG);
	push(q, "one");
	push(q, "two");
	push(q, "three");
	assert_int_equal(outq_lines(q), 3);
	assert_int_equal(outq_waiting(q), 3);
	assert_int_equal(outq_waiting_bytes(q), 11);
	expect_next(q, "one");
	outq_line_handed(q, 4);		/* sender keys 1-3, then the text */
	expect_next(q, "two");
	outq_line_drop(q);		/* sent nothing: gone */
	expect_next(q, "three");
	outq_line_handed(q, 5);
	assert_int_equal(outq_lines(q), 2);
	assert_int_equal(outq_waiting(q), 0);
	assert_int_equal(outq_waiting_bytes(q), 0);
	assert_int_equal(outq_line_get(q, 0, &t, &n), 1);
	assert_memory_equal(t, "one", 3);
	assert_int_equal(outq_line_get(q, 1, &t, &n), 1);
	assert_memory_equal(t, "three", 5);
	assert_int_equal(outq_line_get(q, 2, &t, &n), 0);
	outq_ack(q, 3);
	assert_int_equal(outq_lines(q), 2);
	outq_ack(q, 4);
	assert_int_equal(outq_lines(q), 1);
	push(q, "four");
	outq_ack(q, 5);
	assert_int_equal(outq_lines(q), 1);
	expect_next(q, "four");
	outq_free(q);
	outq_free(NULL);
}

static void
test_blobs_restart(void **state)
{
	struct outq *q = outq_new();
	const uint8_t *m;
	uint32_t c;
	size_t n;

	(void)state;
	assert_int_equal(outq_blob_push(q, 0, (const uint8_t *)"x", 1),
	    ERR_INVALID_ARG);
	assert_int_equal(outq_blob_push(q, 1, (const uint8_t *)"a", 1), 0);
	assert_int_equal(outq_blob_push(q, 2, (const uint8_t *)"bb", 2), 0);
	assert_int_equal(outq_blob_push(q, 2, (const uint8_t *)"c", 1),
	    ERR_INVALID_ARG);
	assert_int_equal(outq_blob_push(q, 3, (const uint8_t *)"ccc", 3), 0);
	assert_int_equal(outq_blobs(q), 3);
	assert_int_equal(outq_blob_bytes(q), 6);
	outq_ack(q, 1);
	assert_int_equal(outq_blobs(q), 2);
	assert_int_equal(outq_blob_get(q, 0, &c, &m, &n), 1);
	assert_int_equal(c, 2);
	assert_int_equal(n, 2);
	assert_memory_equal(m, "bb", 2);
	assert_int_equal(outq_blob_get(q, 2, &c, &m, &n), 0);

	push(q, "sent");
	outq_line_handed(q, 3);
	push(q, "waiting");
	outq_restart(q);
	assert_int_equal(outq_blobs(q), 0);
	assert_int_equal(outq_blob_bytes(q), 0);
	assert_int_equal(outq_waiting(q), 2);
	expect_next(q, "sent");
	outq_line_handed(q, 1);
	expect_next(q, "waiting");
	/* Numbering starts again after a restart. */
	assert_int_equal(outq_blob_push(q, 1, (const uint8_t *)"n", 1), 0);
	outq_free(q);
}

static void
test_many(void **state)
{
	struct outq *q = outq_new();
	char s[32];
	uint32_t cseq = 0, acked = 0;
	size_t pushed = 0, done = 0, i, k;

	(void)state;
	for (i = 0; i < 5000; i++) {
		for (k = 0; k < 1 + i % 7; k++) {
			snprintf(s, sizeof(s), "line %zu", pushed++);
			push(q, s);
		}
		for (k = 0; k < i % 5 && outq_waiting(q) > 0; k++) {
			snprintf(s, sizeof(s), "line %zu", done + (outq_lines(q) -
			    outq_waiting(q)));
			expect_next(q, s);
			cseq += 1 + (uint32_t)(k % 3);
			assert_int_equal(outq_blob_push(q, cseq,
			    (const uint8_t *)s, strlen(s)), 0);
			outq_line_handed(q, cseq);
		}
		if (i % 3 == 0 && cseq > acked) {
			size_t before = outq_lines(q) - outq_waiting(q);

			acked = cseq;
			outq_ack(q, acked);
			done += before;
			assert_int_equal(outq_lines(q) - outq_waiting(q), 0);
			assert_int_equal(outq_blobs(q), 0);
		}
		assert_int_equal(outq_lines(q), pushed - done);
	}
	outq_free(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_blobs_restart),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
