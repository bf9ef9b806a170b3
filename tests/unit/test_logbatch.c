/*
 * test_logbatch.c: a room log message on JetStream (PROTOCOL.md 15.11):
 * the spec's example bytes, every record kind written and read back,
 * every cut refused, and the ERR_FORMAT, ERR_TYPE and ERR_VERSION cases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "err.h"
#include "logbatch.h"

/* PROTOCOL.md 15.11's example: writer 0x0102030405060708, n 2; an event
 * of seq 5 for everyone with the 2-byte message 8a 00, a seat record of
 * member 0x01000001 (3 bytes 01 02 03), member 0x01000002's seat gone. */
static const uint8_t ex[] = {
	0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 2,
	0x01, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0x8a, 0x00,
	0x02, 0x01, 0, 0, 1, 0, 3, 1, 2, 3,
	0x03, 0x01, 0, 0, 2,
};

static void
build(struct buf *b)
{
	struct logbatch_rec r;
	uint8_t head[LOGBATCH_HEAD];
	static const uint8_t ev[] = { 0x8a, 0x00 }, seat[] = { 1, 2, 3 };

	logbatch_head(head, 0x0102030405060708ull, 2);
	assert_int_equal(buf_put(b, head, sizeof(head)), 0);
	memset(&r, 0, sizeof(r));
	r.kind = LOGBATCH_EVENT;
	r.seq = 5;
	r.p = ev;
	r.len = sizeof(ev);
	assert_int_equal(logbatch_put(b, &r), 0);
	memset(&r, 0, sizeof(r));
	r.kind = LOGBATCH_SEAT;
	r.id = 0x01000001;
	r.p = seat;
	r.len = sizeof(seat);
	assert_int_equal(logbatch_put(b, &r), 0);
	memset(&r, 0, sizeof(r));
	r.kind = LOGBATCH_UNSEAT;
	r.id = 0x01000002;
	assert_int_equal(logbatch_put(b, &r), 0);
}

static void
test_example(void **state)
{
	struct buf b, v;
	struct logbatch_rec r;
	uint64_t w, n;

	(void)state;
	buf_init(&b, 1024);
	build(&b);
	assert_int_equal(buf_len(&b), sizeof(ex));
	assert_memory_equal(buf_ptr(&b), ex, sizeof(ex));
	buf_release(&b);

	assert_int_equal(logbatch_begin(&v, ex, sizeof(ex), &w, &n), 0);
	assert_true(w == 0x0102030405060708ull && n == 2);
	assert_int_equal(logbatch_next(&v, &r), 1);
	assert_int_equal(r.kind, LOGBATCH_EVENT);
	assert_true(r.seq == 5 && r.to == 0 && r.len == 2 && r.p[0] == 0x8a);
	assert_int_equal(logbatch_next(&v, &r), 1);
	assert_true(r.kind == LOGBATCH_SEAT && r.id == 0x01000001 &&
	    r.len == 3 && r.p[2] == 3);
	assert_int_equal(logbatch_next(&v, &r), 1);
	assert_true(r.kind == LOGBATCH_UNSEAT && r.id == 0x01000002);
	assert_int_equal(logbatch_next(&v, &r), 0);
}

/* Every cut of the example is refused, at the head or at a record. */
static void
test_cuts(void **state)
{
	struct buf v;
	struct logbatch_rec r;
	uint64_t w, n;
	size_t len;
	int k, bad;

	(void)state;
	for (len = 0; len < sizeof(ex); len++) {
		if (len == 17 + 19 || len == 17 + 19 + 10)
			continue;	/* whole records: a shorter batch */
		bad = 0;
		if (logbatch_begin(&v, ex, len, &w, &n) != 0)
			bad = 1;
		else
			while ((k = logbatch_next(&v, &r)) == 1)
				;
		if (!bad)
			bad = k == ERR_TRUNCATED;
		assert_true(bad);
	}
}

static void
test_format(void **state)
{
	uint8_t m[sizeof(ex)];
	struct buf v, b;
	struct logbatch_rec r;
	uint64_t w, n;

	(void)state;
	memcpy(m, ex, sizeof(m));
	m[0] = 2;
	assert_int_equal(logbatch_begin(&v, m, sizeof(m), &w, &n), ERR_VERSION);
	/* A head and no record. */
	assert_int_equal(logbatch_begin(&v, ex, 17, &w, &n), ERR_TRUNCATED);
	memcpy(m, ex, sizeof(m));
	m[17] = 9;		/* unknown kind */
	assert_int_equal(logbatch_begin(&v, m, sizeof(m), &w, &n), 0);
	assert_int_equal(logbatch_next(&v, &r), ERR_TYPE);
	memcpy(m, ex, sizeof(m));
	m[17 + 8] = 0;		/* seq 0 */
	assert_int_equal(logbatch_begin(&v, m, sizeof(m), &w, &n), 0);
	assert_int_equal(logbatch_next(&v, &r), ERR_FORMAT);
	memcpy(m, ex, sizeof(m));
	m[17 + 16] = 0;		/* an event of length 0 */
	assert_int_equal(logbatch_begin(&v, m, sizeof(m), &w, &n), 0);
	assert_int_equal(logbatch_next(&v, &r), ERR_FORMAT);
	memcpy(m, ex, sizeof(m));
	memset(m + 17 + 19 + 1, 0, 4);	/* seat id 0 */
	assert_int_equal(logbatch_begin(&v, m, sizeof(m), &w, &n), 0);
	assert_int_equal(logbatch_next(&v, &r), 1);
	assert_int_equal(logbatch_next(&v, &r), ERR_FORMAT);
	/* Out of range on writing: nothing written. */
	buf_init(&b, 64);
	memset(&r, 0, sizeof(r));
	r.kind = LOGBATCH_SEAT;
	r.id = 1;
	r.len = LOGBATCH_MAX_SEAT + 1;
	r.p = m;
	assert_int_equal(logbatch_put(&b, &r), ERR_INVALID_ARG);
	r.len = 60;
	assert_int_equal(logbatch_put(&b, &r), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 0);
	r.kind = 7;
	assert_int_equal(logbatch_put(&b, &r), ERR_INVALID_ARG);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_cuts),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
