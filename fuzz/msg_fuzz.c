/* msg_fuzz.c: libFuzzer target for the 1:1 chat's message parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msg m;
	struct buf b;

	if (msg_parse(&m, data, size) != 0)
		return 0;
	/* What parses re-encodes to the same bytes. */
	buf_init(&b, size + 8);
	if (msg_put(&b, m.type, m.data, m.len) != 0 ||
	    buf_len(&b) != size || memcmp(buf_ptr(&b), data, size) != 0)
		abort();
	buf_release(&b);
	return 0;
}
