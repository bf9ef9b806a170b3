/* logbatch_fuzz.c: libFuzzer target for the room log messages a relay
 * cluster keeps on JetStream (PROTOCOL.md 15.11): whatever parses
 * re-encodes, record by record, to exactly the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "logbatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct logbatch_rec r;
	struct buf v, b;
	uint8_t head[LOGBATCH_HEAD];
	uint64_t w, n;
	int k;

	if (logbatch_begin(&v, data, size, &w, &n) != 0)
		return 0;
	buf_init(&b, size + 16);
	logbatch_head(head, w, n);
	if (buf_put(&b, head, sizeof(head)) != 0)
		abort();
	while ((k = logbatch_next(&v, &r)) == 1)
		if (logbatch_put(&b, &r) != 0)
			abort();
	if (k == 0 && (buf_len(&b) != size ||
	    memcmp(buf_ptr(&b), data, size) != 0))
		abort();
	buf_release(&b);
	return 0;
}
