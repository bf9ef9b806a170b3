/*
 * gate_fuzz.c: libFuzzer target for the two blobs of a guarded room's
 * door.  Each input goes to a member (gate_answer, fixed keys, fixed
 * time) as a KNOCK and to a newcomer (gate_knock_open, one knock made
 * once) as an ANSWER, with deterministic randomness.  Whatever a member
 * answers must parse for the newcomer, and whatever opens must be
 * exactly the door's room secret and code key: anything else would be
 * a forged box.  The input is also a typed answer (normalising twice
 * changes nothing) and a typed code (six digits come out).
 *
 * The seeds in fuzz/corpus/gate/ (a valid KNOCK and the ANSWER to it,
 * which opens with the knock made here, malformed ones, a typed answer
 * and code) come from a build with GATE_FUZZ_SEEDGEN, which writes them
 * into the current directory:
 *   cc -std=c17 -D_DEFAULT_SOURCE -DGATE_FUZZ_SEEDGEN -Isrc/core \
 *       fuzz/gate_fuzz.c $(find src/core -name '*.c') \
 *       $(pkg-config --cflags --libs libsodium liboath) -o /tmp/gate_seeds
 *   (cd fuzz/corpus/gate && /tmp/gate_seeds)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "gate.h"
#include "otp.h"
#include "fuzz_random.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW	1700000025ULL
#define ANSWER	"blue whale"

static const uint8_t room_id[GATE_ROOM_ID_BYTES] = { 5 };
static struct gate_keys *keys;
static struct gate_knock *knock;
static uint8_t knock_blob[GATE_KNOCK_BYTES];

/* The door (question and code) and one newcomer's knock with the right
 * answer and the current code. */
static void
init(void)
{
	char code[OTP_DIGITS_MAX + 1];
	struct buf b;

	fuzz_random_install();
	if (sodium_init() < 0 || (keys = gate_keys_new()) == NULL)
		abort();
	keys->flags = GATE_F_QUESTION | GATE_F_CODE;
	memset(keys->invite_key, 6, GATE_KEY_BYTES);
	memset(keys->room_secret, 7, GATE_SECRET_BYTES);
	memset(keys->otp_key, 8, GATE_OTP_KEY_BYTES);
	keys->answer_len = strlen(ANSWER);
	memcpy(keys->answer, ANSWER, keys->answer_len);
	buf_init(&b, GATE_KNOCK_BYTES);
	if (otp_room_code(keys->otp_key, otp_window(NOW), code) != 0 ||
	    gate_knock_new(&knock, room_id, keys->invite_key, keys->flags,
	    keys->answer, keys->answer_len, code, &b) != 0 ||
	    buf_len(&b) != GATE_KNOCK_BYTES)
		abort();
	memcpy(knock_blob, buf_ptr(&b), GATE_KNOCK_BYTES);
	buf_release(&b);
}

/* What people type: an answer, and a code as a string. */
static void
typed(const uint8_t *data, size_t size)
{
	uint8_t norm[GATE_ANSWER_MAX], again[GATE_ANSWER_MAX];
	char code[GATE_CODE_DIGITS + 1], *s;
	size_t n, m;

	if (gate_normalize(data, size, norm, &n) == 0 &&
	    (gate_normalize(norm, n, again, &m) != 0 || m != n ||
	    memcmp(norm, again, n) != 0))
		abort();
	if ((s = malloc(size + 1)) == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (gate_code_parse(s, code) == 0 &&
	    strspn(code, "0123456789") != GATE_CODE_DIGITS)
		abort();
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t secret[GATE_SECRET_BYTES], otp_key[GATE_OTP_KEY_BYTES];
	struct buf out;
	int r;

	if (keys == NULL)
		init();
	fuzz_random_reset();
	buf_init(&out, GATE_ANSWER_MAX_BYTES);
	if (gate_answer(keys, room_id, NOW, data, size, &out) == 0) {
		r = gate_knock_open(knock, buf_ptr(&out), buf_len(&out), secret,
		    otp_key);
		if (r != 0 && r != ERR_AUTH)
			abort();
	}
	buf_release(&out);
	if (gate_knock_open(knock, data, size, secret, otp_key) == 0 &&
	    (memcmp(secret, keys->room_secret, GATE_SECRET_BYTES) != 0 ||
	    memcmp(otp_key, keys->otp_key, GATE_OTP_KEY_BYTES) != 0))
		abort();
	typed(data, size);
	return 0;
}

#ifdef GATE_FUZZ_SEEDGEN
#include <stdio.h>

static void
seed_out(const char *name, const uint8_t *p, size_t n)
{
	FILE *f;

	if ((f = fopen(name, "wb")) == NULL)
		abort();
	fwrite(p, 1, n, f);
	fclose(f);
}

int
main(void)
{
	uint8_t secret[GATE_SECRET_BYTES], otp_key[GATE_OTP_KEY_BYTES];
	uint8_t blob[GATE_ANSWER_MAX_BYTES];
	struct buf out;

	init();
	buf_init(&out, GATE_ANSWER_MAX_BYTES);
	if (gate_answer(keys, room_id, NOW, knock_blob, GATE_KNOCK_BYTES,
	    &out) != 0 || buf_len(&out) != GATE_ANSWER_MAX_BYTES ||
	    gate_knock_open(knock, buf_ptr(&out), buf_len(&out), secret,
	    otp_key) != 0)
		abort();
	memcpy(blob, buf_ptr(&out), sizeof(blob));
	buf_release(&out);
	seed_out("knock", knock_blob, GATE_KNOCK_BYTES);
	seed_out("answer", blob, sizeof(blob));
	seed_out("knock_short", knock_blob, GATE_KNOCK_BYTES - 1);
	blob[1] = GATE_CANDIDATES_MAX + 1;
	seed_out("answer_count", blob, sizeof(blob));
	knock_blob[1] = 2;
	seed_out("knock_version", knock_blob, GATE_KNOCK_BYTES);
	seed_out("typed_answer", (const uint8_t *)"  Blue \t Whale ", 15);
	seed_out("typed_code", (const uint8_t *)" 12 34 56 ", 10);
	gate_knock_free(knock);
	gate_keys_free(keys);
	return 0;
}
#endif
