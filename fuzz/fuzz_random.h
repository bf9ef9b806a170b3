/*
 * fuzz_random.h: deterministic randomness for fuzz targets that run real
 * protocol sessions, so that an input means the same thing every run.
 * Header-only (static): each fuzz target is its own program.
 * fuzz_random_install() replaces libsodium's source; fuzz_random_reset()
 * restarts the stream before each input.
 */
#ifndef SOTTO_FUZZ_RANDOM_H
#define SOTTO_FUZZ_RANDOM_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

static uint64_t fuzz_random_ctr;

/* ChaCha20 keystream, one nonce per request. */
static void
fuzz_random_buf(void *p, size_t n)
{
	uint8_t nonce[crypto_stream_chacha20_NONCEBYTES] = { 0 };
	static const uint8_t key[crypto_stream_chacha20_KEYBYTES] = { 1 };

	memcpy(nonce, &fuzz_random_ctr, sizeof(fuzz_random_ctr));
	fuzz_random_ctr++;
	crypto_stream_chacha20(p, n, nonce, key);
}

static uint32_t
fuzz_random_u32(void)
{
	uint32_t v;

	fuzz_random_buf(&v, sizeof(v));
	return v;
}

static const char *
fuzz_random_name(void)
{
	return "fuzz";
}

static struct randombytes_implementation fuzz_random_impl = {
	fuzz_random_name, fuzz_random_u32, NULL, NULL, fuzz_random_buf, NULL
};

/* Call before sodium_init(). */
static void
fuzz_random_install(void)
{
	randombytes_set_implementation(&fuzz_random_impl);
}

static void
fuzz_random_reset(void)
{
	fuzz_random_ctr = 0;
}

#endif
