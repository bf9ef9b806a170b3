/* cookie_fuzz.c: libFuzzer target for the relay's CHALLENGE and PROOF
 * payloads (cookie.h): the first byte picks which; whatever parses
 * re-encodes to exactly the same bytes, and a parsed PROOF goes through
 * the relay's whole check (which must refuse it: the key is not known
 * to the input) without a fault. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "cookie.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[COOKIE_KEY_BYTES] = { 0x42 };
	static const uint8_t addr[COOKIE_ADDR_BYTES] = { 0x20, 0x01 };
	static const uint8_t nonce[COOKIE_NONCE_BYTES] = { 0x17 };
	struct cookie_challenge c;
	struct cookie_proof p;
	struct buf b;
	int r;

	if (size < 1)
		return 0;
	buf_init(&b, 256);
	if (data[0] & 1) {
		if (cookie_parse_proof(&p, data + 1, size - 1) != 0)
			goto out;
		if (cookie_put_proof(&b, &p) != 0 ||
		    buf_len(&b) != FRAME_HDR_LEN + size - 1 ||
		    memcmp(buf_ptr(&b) + FRAME_HDR_LEN, data + 1, size - 1) != 0)
			__builtin_trap();
		r = cookie_check(key, p.window, 0, &p, addr, nonce);
		(void)r;
		(void)puzzle_ok(p.cookie, p.bits, p.solution);
	} else {
		if (cookie_parse_challenge(&c, data + 1, size - 1) != 0)
			goto out;
		if (c.bits == 0 || cookie_put_challenge(&b, &c) != 0 ||
		    buf_len(&b) != FRAME_HDR_LEN + size - 1 ||
		    memcmp(buf_ptr(&b) + FRAME_HDR_LEN, data + 1, size - 1) != 0)
			__builtin_trap();
	}
 out:
	buf_release(&b);
	return 0;
}
