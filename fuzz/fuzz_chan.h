/*
 * fuzz_chan.h: what the fuzz targets that drive real channels (chan,
 * resume) share: the deterministic random function for chan_params,
 * feeding a channel everything it has, playing a handshake up to a
 * step then feeding the input to one side, and (in a seed generator build,
 * FUZZ_SEEDGEN) writing what the honest peer would send as a seed.
 * Header-only (static), like fuzz_pair.h; needs fuzz_random.h first.
 */
#ifndef SOTTO_FUZZ_CHAN_H
#define SOTTO_FUZZ_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include <stdlib.h>

#include "buf.h"
#include "chan.h"
#include "frame.h"

static int
fuzz_chan_rng(void *arg, uint8_t *out, size_t n)
{
	(void)arg;
	fuzz_random_buf(out, n);
	return 0;
}

/* Feeds everything in 'in' to c (at most 64 frames); replies go to
 * 'out', application bytes are dropped. */
static void
fuzz_chan_drain(struct chan *c, struct buf *in, struct buf *out,
    struct buf *app)
{
	enum chan_event ev;
	int i;

	for (i = 0; i < 64; i++) {
		if (chan_feed(c, in, out, app, &ev) != 0)
			break;
		buf_reset(app);
	}
}

#ifdef FUZZ_SEEDGEN
#include <stdio.h>
/* Writes seed file "step<step>": the step byte, then b's bytes. */
static void
fuzz_chan_seed_out(int step, const struct buf *b)
{
	char name[32];
	FILE *f;

	snprintf(name, sizeof(name), "step%d", step);
	if ((f = fopen(name, "wb")) == NULL)
		return;
	fputc(step, f);
	fwrite(buf_ptr(b), 1, buf_len(b), f);
	fclose(f);
}
#endif

/*
 * Plays 'turns' turns of the exchange between a started client cl and
 * server sv (the server's turn first, then alternating), sends "hello"
 * from cl when 'open' is set, then feeds in[0..n) to the server (when
 * to_server) or to the client and signals EOF to it.  In a seed
 * generator build, writes what the honest peer would send instead as
 * seed "step<step>".  Both channels stay the caller's.
 */
static void
fuzz_chan_play(struct chan *cl, struct chan *sv, int turns, int open,
    int to_server, int step, const uint8_t *in, size_t n)
{
	struct buf c2s, s2c, app, copy;
	int k;

	buf_init(&c2s, 4 * FRAME_MAX_LEN);
	buf_init(&s2c, 4 * FRAME_MAX_LEN);
	buf_init(&app, FRAME_MAX_LEN);
	buf_init(&copy, n + 1);
	if (chan_start(cl, &c2s) != 0)
		abort();
	for (k = 0; k < turns; k++) {
		if (k % 2 == 0)
			fuzz_chan_drain(sv, &c2s, &s2c, &app);
		else
			fuzz_chan_drain(cl, &s2c, &c2s, &app);
	}
	if (open)
		(void)chan_send(cl, (const uint8_t *)"hello", 5, &c2s);
#ifdef FUZZ_SEEDGEN
	fuzz_chan_seed_out(step, to_server ? &c2s : &s2c);
#else
	(void)step;
#endif
	if (buf_put(&copy, in, n) == 0) {
		if (to_server)
			fuzz_chan_drain(sv, &copy, &s2c, &app);
		else
			fuzz_chan_drain(cl, &copy, &c2s, &app);
		(void)chan_eof(to_server ? sv : cl);
	}
	buf_release(&copy);
	buf_release(&c2s);
	buf_release(&s2c);
	buf_release(&app);
}

#endif
