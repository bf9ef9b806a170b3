/*
 * test_msg.c: the 1:1 chat's messages (msg.c), ACK above all: its bytes,
 * round trips, every truncation and extension refused, and a mutation
 * loop over known-good messages (every parse that succeeds re-encodes to
 * the same bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "err.h"
#include "msg.h"

static void
test_ack_bytes(void **state)
{
	static const uint8_t want[9] = { 5, 0, 0, 0, 0, 0, 0, 1, 0x2c };
	struct buf b;
	struct msg m;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(msg_put_ack(&b, 300), 0);
	assert_int_equal(buf_len(&b), sizeof(want));
	assert_memory_equal(buf_ptr(&b), want, sizeof(want));
	assert_int_equal(msg_parse(&m, want, sizeof(want)), 0);
	assert_int_equal(m.type, MSG_ACK);
	assert_true(m.ack == 300);
	assert_int_equal(m.len, 8);
	buf_reset(&b);
	assert_int_equal(msg_put_ack(&b, UINT64_MAX), 0);
	assert_int_equal(msg_parse(&m, buf_ptr(&b), buf_len(&b)), 0);
	assert_true(m.ack == UINT64_MAX);
	buf_release(&b);
}

static void
test_ack_lengths(void **state)
{
	uint8_t in[16];
	struct msg m;
	size_t n;

	(void)state;
	memset(in, 0, sizeof(in));
	in[0] = MSG_ACK;
	for (n = 1; n < sizeof(in); n++)
		assert_int_equal(msg_parse(&m, in, n), n < 9 ? ERR_TRUNCATED :
		    n == 9 ? 0 : ERR_TRAILING);
	/* msg_put refuses an ACK body that is not 8 bytes. */
	{
		struct buf b;

		buf_init(&b, 64);
		assert_int_equal(msg_put(&b, MSG_ACK, in, 7), ERR_FORMAT);
		assert_int_equal(msg_put(&b, MSG_ACK, in, 9), ERR_FORMAT);
		assert_int_equal(buf_len(&b), 0);
		buf_release(&b);
	}
}

static void
test_mutations(void **state)
{
	static const uint8_t seeds[][10] = {
		{ 1, 5, 'a', 'l', 'i', 'c', 'e' },
		{ 2, 'h', 'i' },
		{ 3, 'w', 'a', 'v', 'e', 's' },
		{ 4, 1 },
		{ 5, 0, 0, 0, 0, 0, 0, 1, 0x2c },
	};
	static const size_t lens[] = { 7, 3, 6, 2, 9 };
	uint8_t m8[10];
	struct msg m;
	struct buf b;
	size_t i, bit;

	(void)state;
	buf_init(&b, 64);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		for (bit = 0; bit < 8 * lens[i]; bit++) {
			memcpy(m8, seeds[i], lens[i]);
			m8[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (msg_parse(&m, m8, lens[i]) != 0)
				continue;
			buf_reset(&b);
			assert_int_equal(msg_put(&b, m.type, m.data, m.len), 0);
			assert_int_equal(buf_len(&b), lens[i]);
			assert_memory_equal(buf_ptr(&b), m8, lens[i]);
		}
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_bytes),
		cmocka_unit_test(test_ack_lengths),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
