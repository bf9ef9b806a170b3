/* clustermsg_fuzz.c: libFuzzer target for the relay cluster's bus
 * messages (PROTOCOL.md 15.10): the parser on opened plaintexts (whatever
 * parses re-encodes to exactly the same bytes, and OUT's items walk to
 * its end), the opener on sealed payloads, and the subject reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clustermsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct clustermsg_keys k;
	static int ready;
	static uint8_t plain[CLUSTERMSG_MAX];
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	char subj[CLUSTERMSG_SUBJECT_MAX];
	struct clustermsg m;
	struct buf b;
	const uint8_t *p;
	size_t off = 0, len, n, total = 0;

	if (!ready) {
		uint8_t seed[32] = { 1 };

		clustermsg_keys_derive(&k, seed);
		ready = 1;
	}
	/* The opener and the subject reader never crash. */
	(void)clustermsg_open(&k, "sotto.x.r.y", data, size, plain, &n);
	if (size < CLUSTERMSG_SUBJECT_MAX) {
		memcpy(subj, data, size);
		subj[size] = '\0';
		(void)clustermsg_subject_hash(&k, subj, hash);
	}
	if (clustermsg_parse(&m, data, size) != 0)
		return 0;
	buf_init(&b, size + 16);
	if (clustermsg_put(&b, &m) != 0)
		abort();
	if (m.type == CLUSTERMSG_OWNER && buf_put(&b, m.hash,
	    sizeof(m.hash)) != 0)
		abort();
	if (m.type == CLUSTERMSG_IN && buf_put(&b, m.p, m.len) != 0)
		abort();
	if (m.type == CLUSTERMSG_OUT) {
		while (clustermsg_next_item(&m, &off, &p, &len)) {
			if (clustermsg_put_item(&b, p, len) != 0)
				abort();
			total += 4 + len;
		}
		if (total != m.len)
			abort();
	}
	if (buf_len(&b) != size || memcmp(buf_ptr(&b), data, size) != 0)
		abort();
	buf_release(&b);
	return 0;
}
