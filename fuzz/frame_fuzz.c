/*
 * frame_fuzz.c: libFuzzer harness for frame_parse, walking the input as a
 * stream of frames, and for the buf getters, driven over each payload by
 * opcodes taken from the payload itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the payload with getters chosen by its own bytes; every call
 * must either consume exactly what it says or leave the buffer as it was. */
static void
walk_getters(struct buf *b)
{
	const uint8_t *p;
	uint8_t op, out[32];
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;
	size_t before, n, want;
	int r;

	while (buf_get_u8(b, &op) == 0) {
		before = buf_len(b);
		want = 0;
		n = op >> 3;
		switch (op & 7) {
		case 0:
			r = buf_get_u8(b, &op);
			want = 1;
			break;
		case 1:
			r = buf_get_u16(b, &v16);
			want = 2;
			break;
		case 2:
			r = buf_get_u32(b, &v32);
			want = 4;
			break;
		case 3:
			r = buf_get_u64(b, &v64);
			want = 8;
			break;
		case 4:
			r = buf_get_fixed(b, out, n);
			want = n;
			break;
		case 5:
			r = buf_get_view(b, n, &p);
			want = n;
			if (r == 0 && n > 0)
				memcpy(out, p, n);
			break;
		case 6:
			r = buf_get_string_view(b, n, &p, &want);
			want += 2;
			if (r == 0 && want > 2)
				memcpy(out, p, want - 2);
			break;
		default:
			r = buf_consume(b, n);
			want = n;
			break;
		}
		if (r == 0 && buf_len(b) != before - want)
			abort();
		if (r != 0 && buf_len(b) != before)
			abort();
		if (r != 0 && r != ERR_TRUNCATED && r != ERR_TOO_LARGE)
			abort();
	}
	if (buf_expect_end(b) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame f;
	struct buf b, out;
	size_t off = 0, need, k;
	int r;

	/* The first few prefixes: partial input is never misjudged. */
	for (k = 0; k < size && k < 2 * FRAME_HDR_LEN; k++) {
		r = frame_parse(data, k, &f, &need);
		if (r == 0 && FRAME_HDR_LEN + (size_t)f.len > k)
			abort();
		if (r == ERR_NEED_MORE && (need <= k || need > FRAME_MAX_LEN))
			abort();
	}

	for (;;) {
		r = frame_parse(data + off, size - off, &f, &need);
		if (r == ERR_NEED_MORE) {
			if (need <= size - off || need > FRAME_MAX_LEN)
				abort();
			break;
		}
		if (r != 0) {
			if (r != ERR_VERSION && r != ERR_TYPE &&
			    r != ERR_TOO_LARGE)
				abort();
			break;
		}
		if (f.hdr != data + off || f.payload != f.hdr + FRAME_HDR_LEN ||
		    f.len > size - off - FRAME_HDR_LEN ||
		    !frame_type_known(f.type) || f.version != FRAME_VERSION)
			abort();

		/* Writing it back gives the same bytes. */
		buf_init(&out, FRAME_MAX_LEN);
		if (frame_put(&out, f.type, f.payload, f.len) != 0 ||
		    buf_len(&out) != FRAME_HDR_LEN + (size_t)f.len ||
		    memcmp(buf_ptr(&out), f.hdr, buf_len(&out)) != 0)
			abort();

		/* The payload through a view, then through an owned buffer
		 * that has already been read from. */
		buf_view(&b, f.payload, f.len);
		walk_getters(&b);
		if (buf_consume(&out, FRAME_HDR_LEN) != 0)
			abort();
		walk_getters(&out);
		buf_release(&out);

		off += FRAME_HDR_LEN + f.len;
	}
	return 0;
}
