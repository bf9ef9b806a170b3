/*
 * fuzz_pair.h: the two fixed identities of the fuzz targets that run a
 * real session between two parties (chan, group).  Header-only (static),
 * like fuzz_random.h, which it needs included first.
 */
#ifndef SOTTO_FUZZ_PAIR_H
#define SOTTO_FUZZ_PAIR_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "identity.h"

/* On the first call only: installs the deterministic randomness,
 * initialises libsodium and makes the identities from seeds 0xa1... and
 * 0xb2... into *a and *b (kept for the process's life).  Aborts if any
 * of it fails. */
static void
fuzz_pair_setup(struct identity **a, struct identity **b)
{
	uint8_t seed[IDENTITY_SEED_BYTES];

	if (*a != NULL)
		return;
	fuzz_random_install();
	if (sodium_init() < 0)
		abort();
	memset(seed, 0xa1, sizeof(seed));
	if (identity_from_seed(a, seed) != 0)
		abort();
	memset(seed, 0xb2, sizeof(seed));
	if (identity_from_seed(b, seed) != 0)
		abort();
}

#endif
