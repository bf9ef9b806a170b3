/*
 * resume_fuzz.c: libFuzzer target for the resumption frames chan_feed
 * parses (PROTOCOL §5.7): RESUME_HELLO at a server holding a session,
 * RESUME_ACCEPT at a resuming client, RESUME_CONFIRM at the server, and
 * records on the resumed channel.  A real client and server (fixed
 * session, deterministic randomness) run the resumption up to a step
 * chosen by the first input byte; the rest of the input goes to the side
 * whose turn it is.
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

static int
gate(void *ctx, enum chan_guess what)
{
	(void)ctx;
	(void)what;
	return 0;
}

static struct chan *
mk(enum chan_role role, const struct identity *id, const struct identity *peer)
{
	struct chan_resume res;
	struct chan_params p;
	struct chan *c = NULL;

	memset(&res, 0, sizeof(res));
	memset(res.sid, 0x51, sizeof(res.sid));
	memset(res.secret, 0x52, sizeof(res.secret));
	memset(res.prev, 0x53, sizeof(res.prev));
	res.has_prev = role == CHAN_SERVER;
	memcpy(res.peer_pk, peer->pk, IDENTITY_PK_BYTES);
	memset(&p, 0, sizeof(p));
	p.role = role;
	p.password = (const uint8_t *)"fuzz";
	p.password_len = 4;
	p.identity = id;
	p.rng = fuzz_chan_rng;
	p.resume = &res;
	p.guess = gate;
	if (chan_new(&c, &p) != 0)
		abort();
	sodium_memzero(&res, sizeof(res));
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
	step = data[0] % 4;
	cl = mk(CHAN_CLIENT, ida, idb);
	sv = mk(CHAN_SERVER, idb, ida);
	/*
	 * step 0: the server gets the input as its first bytes.
	 * step 1: the client, after its RESUME_HELLO, gets it.
	 * step 2: the server, after a real RESUME_HELLO, gets it.
	 * step 3: both open; the server gets it (records).
	 */
	to_server = step % 2 == 0 || step == 3;
	fuzz_chan_play(cl, sv, step, step == 3, to_server, step, data + 1,
	    size - 1);
	chan_free(cl);
	chan_free(sv);
	return 0;
}

#ifdef FUZZ_SEEDGEN
int
main(void)
{
	uint8_t k;

	for (k = 0; k < 4; k++)
		LLVMFuzzerTestOneInput(&k, 1);
	return 0;
}
#endif
