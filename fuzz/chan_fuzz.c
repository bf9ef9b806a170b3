/*
 * chan_fuzz.c: libFuzzer target for everything chan_feed parses from a
 * peer: each handshake message in the state that expects it, and records
 * on an open channel.  A real client and server (deterministic
 * randomness) run the handshake up to a step chosen by the first input
 * byte; the rest of the input is then fed to the side whose turn it is.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "chan.h"
#include "err.h"
#include "frame.h"
#include "identity.h"
#include "fuzz_random.h"
#include "fuzz_pair.h"
#include "fuzz_chan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct chan *
mk(enum chan_role role, const struct identity *id)
{
	struct chan_params p;
	struct chan *c = NULL;

	memset(&p, 0, sizeof(p));
	p.role = role;
	p.password = (const uint8_t *)"fuzz";
	p.password_len = 4;
	p.identity = id;
	p.rng = fuzz_chan_rng;
	if (chan_new(&c, &p) != 0)
		abort();
	return c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct identity *ida, *idb;
	struct chan *cl, *sv;
	int step, to_server;

	fuzz_pair_setup(&ida, &idb);
	if (size < 1)
		return 0;
	fuzz_random_reset();
	step = data[0] % 6;
	cl = mk(CHAN_CLIENT, ida);
	sv = mk(CHAN_SERVER, idb);
	/*
	 * step 0: the server gets the input as its first bytes (HELLO).
	 * step 1: the client, after HELLO, gets it (SHARE_A).
	 * step 2: the server, after a real HELLO, gets it (SHARE_B).
	 * step 3: the client, after real SHARE_A, gets it (CONFIRM_A...).
	 * step 4: the server, after a real SHARE_B, gets it (identity).
	 * step 5: both open (two more turns: identity records, then open);
	 *         the server gets it (records).
	 */
	to_server = step % 2 == 0 || step == 5;
	fuzz_chan_play(cl, sv, step == 5 ? 7 : step, step == 5, to_server,
	    step, data + 1, size - 1);
	chan_free(cl);
	chan_free(sv);
	return 0;
}

#ifdef FUZZ_SEEDGEN
int
main(void)
{
	uint8_t k;

	for (k = 0; k < 6; k++)
		LLVMFuzzerTestOneInput(&k, 1);
	return 0;
}
#endif
