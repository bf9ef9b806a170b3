/*
 * names_fuzz.c: libFuzzer target for the name rules (names.h and
 * peers_name_valid).  Aborts if a name passes that holds a byte-level
 * forbidden character, if a valid name has no confusable key, or if the
 * key's failure leaves it nonzero.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "known_peers.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[NAMES_SKEL_BYTES];
	uint8_t k[NAMES_SKEL_BYTES];
	char name[PEERS_NAME_MAX + 1];
	size_t i;
	int ok;

	ok = names_identifier_ok(data, size);
	if (names_skeleton_key(data, size, k) != 0) {
		if (ok || memcmp(k, zero, sizeof(k)) != 0)
			abort();
	}
	if (size > PEERS_NAME_MAX || memchr(data, 0, size) != NULL)
		return 0;
	memcpy(name, data, size);
	name[size] = '\0';
	if (!peers_name_valid(name))
		return 0;
	if (!ok)
		abort();
	for (i = 0; i < size; i++)
		if (data[i] <= 0x20 || data[i] == 0x7f)
			abort();
	if (!names_confusable(name, name))
		abort();
	return 0;
}
