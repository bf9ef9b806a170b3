/*
 * fuzz_chan.h: what the fuzz targets that drive real channels (chan,
 * resume) share: the deterministic random function for chan_params,
 * feeding a channel everything it has, and (in a seed generator build,
 * FUZZ_SEEDGEN) writing what the honest peer would send as a seed.
 * Header-only (static), like fuzz_pair.h; needs fuzz_random.h first.
 */
#ifndef SOTTO_FUZZ_CHAN_H
#define SOTTO_FUZZ_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "chan.h"

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

#endif
