/* invite_fuzz.c: libFuzzer target for invitation lines; whatever decodes
 * must re-encode and decode to the same fields (a version 2 line, which
 * is no longer written, re-encodes as version 3: its 16-byte id becomes
 * the lobby id); versions 4 and 5 carry 2 to 8 relay addresses. */
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
	size_t i;

	if (a->nmore != b->nmore)
		return 0;
	for (i = 0; i < a->nmore; i++)
		if (strcmp(a->more[i].host, b->more[i].host) != 0 ||
		    a->more[i].port != b->more[i].port)
			return 0;
	return strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    memcmp(a->relay_pk, b->relay_pk, INVITE_PK_BYTES) == 0 &&
	    memcmp(a->room_id, b->room_id, INVITE_ROOM_ID_BYTES) == 0 &&
	    memcmp(a->lobby_id, b->lobby_id, INVITE_ROOM_ID_BYTES) == 0 &&
	    memcmp(a->room_secret, b->room_secret, INVITE_SECRET_BYTES) == 0 &&
	    a->guard == b->guard && strcmp(a->question, b->question) == 0;
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
		if ((a.version == INVITE_VERSION ||
		    a.version == INVITE_VERSION_ADDRS) != (a.guard == 0) ||
		    (a.version >= INVITE_VERSION_ADDRS) != (a.nmore > 0))
			abort();
		if (a.version == INVITE_VERSION_GUARDED) {
			memcpy(a.lobby_id, a.room_id, INVITE_ROOM_ID_BYTES);
			memset(a.room_id, 0, INVITE_ROOM_ID_BYTES);
		}
		if (invite_encode(&a, line, sizeof(line)) != 0 ||
		    invite_decode(&b, line) != 0 || !same(&a, &b))
			abort();
	}
	free(s);
	return 0;
}
