/* identity_fuzz.c: libFuzzer target for the key-file parser. */
#include <stddef.h>
#include <stdint.h>

#include "identity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct identity *id = NULL;

	if (identity_decode(&id, data, size) == 0)
		identity_free(id);
	return 0;
}
