/*
 * test_frame.c: the wire frame header: whole frames parse, partial ones
 * ask for the right number of bytes, bad headers are refused from the
 * fewest bytes that show them, and frame_put round-trips.
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
#include "frame.h"

static const uint8_t known_types[] = {
	FRAME_HELLO, FRAME_SHARE_A, FRAME_SHARE_B, FRAME_CONFIRM_A,
	FRAME_CHALLENGE, FRAME_PROOF, FRAME_LINK_HELLO,
	FRAME_RESUME_HELLO, FRAME_RESUME_ACCEPT, FRAME_RESUME_CONFIRM,
	FRAME_ABORT, FRAME_RECORD,
};
#define NKNOWN (sizeof(known_types) / sizeof(known_types[0]))

/* Parses a copy of p[0..n) held in exactly n heap bytes, so that
 * AddressSanitizer sees any read past what the parser was given.  Only
 * for results that are not kept: the copy is freed on return. */
static int
parse_exact(const uint8_t *p, size_t n, size_t *need)
{
	struct frame f;
	uint8_t *q;
	int r;

	q = malloc(n > 0 ? n : 1);
	assert_non_null(q);
	if (n > 0)
		memcpy(q, p, n);
	r = frame_parse(q, n, &f, need);
	if (r != 0) {
		/* A failed parse leaves nothing pointing into the input. */
		assert_null(f.hdr);
		assert_null(f.payload);
		assert_int_equal(f.len, 0);
	}
	free(q);
	return r;
}

static void
test_valid_frame(void **state)
{
	static const uint8_t in[] = {
		FRAME_VERSION, FRAME_RECORD, 0x00, 0x00, 0x00, 0x03,
		'a', 'b', 'c',
		0x99,	/* the next frame's first byte: not ours */
	};
	struct frame f;
	size_t need = 0;

	(void)state;
	assert_int_equal(frame_parse(in, sizeof(in), &f, &need), 0);
	assert_int_equal(f.version, FRAME_VERSION);
	assert_int_equal(f.type, FRAME_RECORD);
	assert_int_equal(f.len, 3);
	assert_ptr_equal(f.hdr, in);
	assert_ptr_equal(f.payload, in + FRAME_HDR_LEN);
	assert_int_equal(need, FRAME_HDR_LEN + 3);
	/* need may be NULL. */
	assert_int_equal(frame_parse(in, FRAME_HDR_LEN + 3, &f, NULL), 0);
}

static void
test_empty_payload(void **state)
{
	static const uint8_t in[] = { FRAME_VERSION, FRAME_HELLO, 0, 0, 0, 0 };
	struct frame f;
	size_t need = 0;

	(void)state;
	assert_int_equal(frame_parse(in, sizeof(in), &f, &need), 0);
	assert_int_equal(f.len, 0);
	assert_int_equal(need, FRAME_HDR_LEN);
	assert_ptr_equal(f.payload, in + FRAME_HDR_LEN);
}

static void
test_need_more(void **state)
{
	static const uint8_t in[] = {
		FRAME_VERSION, FRAME_SHARE_A, 0x00, 0x00, 0x00, 0x03,
		'x', 'y', 'z',
	};
	size_t k, need;

	(void)state;
	for (k = 0; k < sizeof(in); k++) {
		need = 12345;
		assert_int_equal(parse_exact(in, k, &need), ERR_NEED_MORE);
		if (k < FRAME_HDR_LEN)
			assert_int_equal(need, FRAME_HDR_LEN);
		else
			assert_int_equal(need, sizeof(in));
		assert_true(need > k);
		assert_int_equal(parse_exact(in, k, NULL), ERR_NEED_MORE);
	}
	assert_int_equal(parse_exact(in, sizeof(in), &need), 0);

	/* The largest frame asks for exactly FRAME_MAX_LEN. */
	{
		uint8_t hdr[FRAME_HDR_LEN];

		frame_put_header(hdr, FRAME_RECORD, FRAME_MAX_PAYLOAD);
		assert_int_equal(parse_exact(hdr, sizeof(hdr), &need),
		    ERR_NEED_MORE);
		assert_int_equal(need, FRAME_MAX_LEN);
	}
}

static void
test_bad_version_and_type_early(void **state)
{
	uint8_t in[FRAME_HDR_LEN] = { FRAME_VERSION, FRAME_RECORD, 0, 0, 0, 0 };
	size_t need, i;
	unsigned v, t;

	(void)state;
	/* One byte shows a bad version. */
	for (v = 0; v < 256; v++) {
		in[0] = (uint8_t)v;
		for (i = 1; i <= sizeof(in); i++)
			assert_int_equal(parse_exact(in, i, &need),
			    v == FRAME_VERSION ?
			    (i == sizeof(in) ? 0 : ERR_NEED_MORE) :
			    ERR_VERSION);
	}
	in[0] = FRAME_VERSION;

	/* Two bytes show a bad type; the known set is exactly frame.h's. */
	for (t = 0; t < 256; t++) {
		int known = 0;

		for (i = 0; i < NKNOWN; i++)
			known |= known_types[i] == t;
		assert_int_equal(frame_type_known((uint8_t)t), known);
		in[1] = (uint8_t)t;
		assert_int_equal(parse_exact(in, 1, &need), ERR_NEED_MORE);
		assert_int_equal(need, FRAME_HDR_LEN);
		assert_int_equal(parse_exact(in, 2, &need),
		    known ? ERR_NEED_MORE : ERR_TYPE);
		assert_int_equal(parse_exact(in, sizeof(in), &need),
		    known ? 0 : ERR_TYPE);
	}

	/* Version is judged before type. */
	in[0] = FRAME_VERSION + 1;
	in[1] = 0xee;
	assert_int_equal(parse_exact(in, 2, &need), ERR_VERSION);
}

static void
test_too_large_from_header_alone(void **state)
{
	uint8_t hdr[FRAME_HDR_LEN];
	size_t need;

	(void)state;
	/* Six heap bytes and nothing more: the parser must decide from them. */
	frame_put_header(hdr, FRAME_RECORD, FRAME_MAX_PAYLOAD + 1);
	need = 0;
	assert_int_equal(parse_exact(hdr, sizeof(hdr), &need), ERR_TOO_LARGE);
	assert_true(need <= FRAME_MAX_LEN);
	/* Five bytes cannot show the length yet. */
	assert_int_equal(parse_exact(hdr, 5, &need), ERR_NEED_MORE);
	assert_int_equal(need, FRAME_HDR_LEN);

	frame_put_header(hdr, FRAME_HELLO, 0xffffffffu);
	assert_memory_equal(hdr + 2, "\xff\xff\xff\xff", 4);
	assert_int_equal(parse_exact(hdr, sizeof(hdr), &need), ERR_TOO_LARGE);
	assert_true(need <= FRAME_MAX_LEN);

	frame_put_header(hdr, FRAME_HELLO, 0x80000000u);
	assert_int_equal(parse_exact(hdr, sizeof(hdr), &need), ERR_TOO_LARGE);
}

static void
test_put_header_bytes(void **state)
{
	static const uint8_t want[] = { FRAME_VERSION, 0x10, 0x01, 0x02,
	    0x03, 0x04 };
	uint8_t hdr[FRAME_HDR_LEN];

	(void)state;
	frame_put_header(hdr, 0x10, 0x01020304);
	assert_memory_equal(hdr, want, sizeof(want));
}

static void
test_put_round_trip(void **state)
{
	static const size_t lens[] = { 0, 1, 300, 65535, FRAME_MAX_PAYLOAD };
	uint8_t *payload;
	struct frame f;
	struct buf b;
	size_t i, j, need;

	(void)state;
	payload = malloc(FRAME_MAX_PAYLOAD);
	assert_non_null(payload);
	for (i = 0; i < FRAME_MAX_PAYLOAD; i++)
		payload[i] = (uint8_t)(i * 7 + 3);

	for (i = 0; i < NKNOWN; i++) {
		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			buf_init(&b, FRAME_MAX_LEN);
			assert_int_equal(frame_put(&b, known_types[i],
			    payload, lens[j]), 0);
			assert_int_equal(buf_len(&b), FRAME_HDR_LEN + lens[j]);
			assert_int_equal(frame_parse(buf_ptr(&b), buf_len(&b),
			    &f, &need), 0);
			assert_int_equal(f.type, known_types[i]);
			assert_int_equal(f.version, FRAME_VERSION);
			assert_int_equal(f.len, lens[j]);
			assert_int_equal(need, buf_len(&b));
			assert_memory_equal(f.payload, payload, lens[j]);
			buf_release(&b);
		}
	}
	free(payload);
}

static void
test_put_refusals(void **state)
{
	static const uint8_t view_bytes[4];
	uint8_t payload[32] = { 0 };
	struct buf b;

	(void)state;
	/* Over the frame limit: refused before touching the buffer (the
	 * payload pointer is never read). */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(frame_put(&b, FRAME_RECORD, payload,
	    FRAME_MAX_PAYLOAD + 1), ERR_TOO_LARGE);
	assert_int_equal(frame_put(&b, FRAME_RECORD, payload, SIZE_MAX),
	    ERR_TOO_LARGE);
	assert_null(b.d);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);

	/* Over the buffer's own max: refused, nothing appended. */
	buf_init(&b, FRAME_HDR_LEN + 8);
	assert_int_equal(frame_put(&b, FRAME_HELLO, payload, 9),
	    ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 0);
	assert_int_equal(frame_put(&b, FRAME_HELLO, payload, 8), 0);
	assert_int_equal(frame_put(&b, FRAME_HELLO, payload, 0),
	    ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), FRAME_HDR_LEN + 8);
	buf_release(&b);

	/* Into a view: refused. */
	buf_view(&b, view_bytes, sizeof(view_bytes));
	assert_int_equal(frame_put(&b, FRAME_HELLO, payload, 1),
	    ERR_INVALID_ARG);
	assert_int_equal(buf_len(&b), sizeof(view_bytes));
}

/* A reader taking frames out of a byte stream that arrives in chunks of
 * awkward sizes: every frame comes out whole, in order. */
static void
test_stream_reassembly(void **state)
{
	static const size_t plens[] = { 0, 5, 1, 1000, 17, 0, 70000 % 4096 };
	enum { N = sizeof(plens) / sizeof(plens[0]) };
	uint8_t payload[4096];
	struct buf wire, in;
	struct frame f;
	size_t i, got = 0, off = 0, chunk = 1, need;
	int r;

	(void)state;
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	buf_init(&wire, 1 << 20);
	for (i = 0; i < N; i++)
		assert_int_equal(frame_put(&wire, known_types[i % NKNOWN],
		    payload, plens[i]), 0);

	buf_init(&in, FRAME_MAX_LEN);
	while (off < buf_len(&wire)) {
		if (chunk > buf_len(&wire) - off)
			chunk = buf_len(&wire) - off;
		assert_int_equal(buf_put(&in, buf_ptr(&wire) + off, chunk), 0);
		off += chunk;
		chunk = chunk * 3 % 61 + 1;
		for (;;) {
			r = frame_parse(buf_ptr(&in), buf_len(&in), &f, &need);
			if (r == ERR_NEED_MORE) {
				assert_true(need > buf_len(&in));
				assert_true(need <= FRAME_MAX_LEN);
				break;
			}
			assert_int_equal(r, 0);
			assert_true(got < N);
			assert_int_equal(f.type, known_types[got % NKNOWN]);
			assert_int_equal(f.len, plens[got]);
			assert_memory_equal(f.payload, payload, f.len);
			assert_int_equal(buf_consume(&in,
			    FRAME_HDR_LEN + f.len), 0);
			got++;
		}
	}
	assert_int_equal(got, N);
	assert_int_equal(buf_len(&in), 0);
	buf_release(&in);
	buf_release(&wire);
}

/* Every single-bit flip of a good frame either parses within the input
 * or fails with one of the parser's own codes. */
static void
test_bit_flips(void **state)
{
	uint8_t good[FRAME_HDR_LEN + 8], mut[sizeof(good)];
	struct frame f;
	size_t bit, need;
	int r;

	(void)state;
	frame_put_header(good, FRAME_SHARE_B, 8);
	memcpy(good + FRAME_HDR_LEN, "payload!", 8);
	for (bit = 0; bit < sizeof(good) * 8; bit++) {
		memcpy(mut, good, sizeof(good));
		mut[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		r = frame_parse(mut, sizeof(mut), &f, &need);
		switch (r) {
		case 0:
			assert_true(FRAME_HDR_LEN + (size_t)f.len <=
			    sizeof(mut));
			break;
		case ERR_NEED_MORE:
			assert_true(need > sizeof(mut));
			assert_true(need <= FRAME_MAX_LEN);
			break;
		case ERR_VERSION:
			assert_int_equal(bit / 8, 0);
			break;
		case ERR_TYPE:
			assert_int_equal(bit / 8, 1);
			break;
		case ERR_TOO_LARGE:
			assert_true(bit / 8 >= 2 && bit / 8 < FRAME_HDR_LEN);
			break;
		default:
			fail_msg("bit %zu: unexpected %d", bit, r);
		}
		/* Flips in the payload change nothing about the frame. */
		if (bit / 8 >= FRAME_HDR_LEN)
			assert_int_equal(r, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_frame),
		cmocka_unit_test(test_empty_payload),
		cmocka_unit_test(test_need_more),
		cmocka_unit_test(test_bad_version_and_type_early),
		cmocka_unit_test(test_too_large_from_header_alone),
		cmocka_unit_test(test_put_header_bytes),
		cmocka_unit_test(test_put_round_trip),
		cmocka_unit_test(test_put_refusals),
		cmocka_unit_test(test_stream_reassembly),
		cmocka_unit_test(test_bit_flips),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
