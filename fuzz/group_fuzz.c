/*
 * group_fuzz.c: libFuzzer target for group_recv, which parses every
 * end-to-end blob a room member gets through the relay (ANNOUNCE,
 * SENDERKEY, MESSAGE, PRIVATE).  Two members, alice and bob, have joined
 * and verified each other and bob holds alice's sender key
 * (deterministic randomness throughout); the input, after a first byte
 * choosing the claimed sender and broadcast/direct, is delivered to bob.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "group.h"
#include "identity.h"
#include "fuzz_random.h"
#include "fuzz_pair.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ALICE	7
#define BOB	9


struct end {
	struct group	*g;
	uint32_t	 id;
	struct end	*peer;
};

#ifdef GROUP_FUZZ_SEEDGEN
#include <stdio.h>
static int nseed;

static void
seed_out(uint8_t sel, const uint8_t *p, size_t n)
{
	char name[32];
	FILE *f;

	snprintf(name, sizeof(name), "blob%d", nseed++);
	if ((f = fopen(name, "wb")) == NULL)
		return;
	fputc(sel, f);
	fwrite(p, 1, n, f);
	fclose(f);
}
#endif

/* An honest relay with two members: deliver at once. */
static void
on_send(void *arg, uint32_t to, const uint8_t *p, size_t n)
{
	struct end *e = arg;

	if (e->peer == NULL || e->peer->g == NULL)
		return;
	if (to != 0 && to != e->peer->id)
		return;
#ifdef GROUP_FUZZ_SEEDGEN
	if (e->id == ALICE)
		seed_out(to != 0, p, n);
#endif
	(void)group_recv(e->peer->g, e->id, to != 0, p, n);
}

static void
on_event(void *arg, const struct group_event *ev)
{
	(void)arg;
	(void)ev;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct identity *ida, *idb;
	static const uint8_t room[GROUP_ROOM_ID_BYTES] = { 3 };
	static const uint8_t secret[GROUP_SECRET_BYTES] = { 4 };
	struct end a = { NULL, ALICE, NULL }, b = { NULL, BOB, NULL };

	fuzz_pair_setup(&ida, &idb);
	if (size < 1)
		return 0;
	fuzz_random_reset();
	a.peer = &b;
	b.peer = &a;
	if (group_new(&a.g, room, secret, ida, "alice", on_send, on_event,
	    &a) != 0 || group_new(&b.g, room, secret, idb, "bob", on_send,
	    on_event, &b) != 0)
		abort();
	(void)group_start(a.g, ALICE);
	(void)group_start(b.g, BOB);
	(void)group_send(a.g, GROUP_TEXT, (const uint8_t *)"hello", 5);
	(void)group_send_private(a.g, BOB, (const uint8_t *)"psst", 4);
	/* Bit 0: direct; bit 1: claimed sender unknown instead of alice. */
	(void)group_recv(b.g, (data[0] & 2) ? 1234 : ALICE, data[0] & 1,
	    data + 1, size - 1);
	group_free(a.g);
	group_free(b.g);
	return 0;
}

#ifdef GROUP_FUZZ_SEEDGEN
int
main(void)
{
	uint8_t z = 0;

	LLVMFuzzerTestOneInput(&z, 1);
	return 0;
}
#endif
