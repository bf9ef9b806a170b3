/* roomstore_fuzz.c: libFuzzer target for the room store's files: any
 * bytes either open or are refused, never crash; and keys built from the
 * input, once sealed, open back to the same keys (or are refused as out
 * of contract on both sides). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "gate.h"
#include "identity.h"
#include "roomstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t seed[32] = { 's', 'o', 't', 't', 'o' };
static const uint8_t room[16] = { 0x52, 0x4f, 0x4f, 0x4d };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct identity *id;
	static struct roomstore *s;
	static struct gate_keys *k, *got;
	struct buf b;
	size_t n;

	if (id == NULL && (sodium_init() < 0 ||
	    identity_from_seed(&id, seed) != 0 ||
	    roomstore_new(&s, "/nonexistent", id) != 0 ||
	    (k = gate_keys_new()) == NULL || (got = gate_keys_new()) == NULL))
		abort();
	(void)roomstore_unseal(s, room, data, size, got);

	/* flags || answer_len || the rest fills the keys. */
	if (size < 2)
		return 0;
	memset(k, 0, sizeof(*k));
	k->flags = data[0];
	k->answer_len = data[1] % (GATE_ANSWER_MAX + 2);
	n = size - 2 < sizeof(k->answer) ? size - 2 : sizeof(k->answer);
	memcpy(k->answer, data + 2, n);
	memcpy(k->room_secret, data + 2, n < sizeof(k->room_secret) ? n :
	    sizeof(k->room_secret));
	buf_init(&b, ROOMSTORE_FILE_LEN);
	if (roomstore_seal(s, room, k, &b) == 0 &&
	    roomstore_unseal(s, room, buf_ptr(&b), buf_len(&b), got) == 0) {
		if (got->flags != k->flags || got->answer_len != k->answer_len ||
		    memcmp(got->answer, k->answer, k->answer_len) != 0 ||
		    memcmp(got->room_secret, k->room_secret,
		    sizeof(k->room_secret)) != 0)
			abort();
	}
	buf_release(&b);
	return 0;
}
