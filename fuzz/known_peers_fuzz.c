/*
 * known_peers_fuzz.c: libFuzzer target for peers_parse.  Beyond memory
 * safety it checks the property peers_pin relies on: an accepted file
 * prints back, entry by entry, to exactly its own bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "known_peers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct walk {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

static int
cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct walk *w = arg;
	char line[PEERS_NAME_MAX + 2 * PEERS_PK_BYTES + 32];
	size_t i;
	int n;

	/* The file's rule (older names parse), not the identifier profile. */
	if (!peers_name_file_valid(name))
		abort();
	n = snprintf(line, sizeof(line), "%s ", name);
	for (i = 0; i < PEERS_PK_BYTES; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%02x",
		    pk[i]);
	n += snprintf(line + n, sizeof(line) - (size_t)n, " %llu\n",
	    (unsigned long long)t);
	if ((size_t)n > w->len - w->off ||
	    memcmp(w->p + w->off, line, (size_t)n) != 0)
		abort();
	w->off += (size_t)n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk w = { data, size, 0 };

	if (peers_parse(data, size, cb, &w) == 0 && w.off != size)
		abort();
	return 0;
}
