/* invite_fuzz.c: libFuzzer target for invitation lines; whatever decodes
 * must re-encode and decode to the same fields. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "invite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
same(const struct invite *a, const struct invite *b)
{
	return strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    memcmp(a->relay_pk, b->relay_pk, INVITE_PK_BYTES) == 0 &&
	    memcmp(a->room_id, b->room_id, INVITE_ROOM_ID_BYTES) == 0 &&
	    memcmp(a->room_secret, b->room_secret, INVITE_SECRET_BYTES) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct invite a, b;
	char line[INVITE_STR_MAX];
	char *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (invite_decode(&a, s) == 0) {
		if (invite_encode(&a, line, sizeof(line)) != 0 ||
		    invite_decode(&b, line) != 0 || !same(&a, &b))
			abort();
	}
	free(s);
	return 0;
}
