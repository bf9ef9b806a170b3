/*
 * test_door_example.c: the worked examples of docs/PROTOCOL.md §16.3
 * (a version-3 invitation, and its room id) and §19.3 (a run of the door), reproduced
 * with every random source fixed: the invitation encodes to the
 * documented line, and the KNOCK and ANSWER that gate.c makes are the
 * documented bytes, which this test also recomputes from the text of
 * §17.12 alone (plain libsodium calls, no cpace.c), and the newcomer's
 * box opens with the room secret and the one-time-code key.
 * SOTTO_PRINT_EXAMPLE=1 prints every value, for the document.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "gate.h"
#include "invite.h"
#include "otp.h"

#define NOW		1700000000ULL
#define QUESTION	"What was our first cat called?"
#define ANSWER		"mister whiskers"	/* normalised */
#define INVITE_V3	"sotto:AxFyZWxheS5leGFtcGxlLm9yZ_-ZgUZkDwJJOvT7xU_jM4jnXcLJN64LdyfMKyr7G3UZmj6lpaWlpaWlpaWlpaWlpaWlW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1sDHldoYXQgd2FzIG91ciBmaXJzdCBjYXQgY2FsbGVkP8zLcSQ"
/* The room id of room secret 5a x 32 (PROTOCOL.md 16.1, version 3). */
#define ROOM_ID_V3	"d5a77254385d1d9c93248a9ff6988eee"
#define CODE_W		"624995"
#define CODE_W1		"702479"
#define KNOCK_HEX	\
    "1001515151515151515151515151515151515627cfe98ee1b047a7306e7fe8b6"\
    "de16ddfba86da506602c4f1d574f1789037f"
#define ANSWER_HEX	\
    "1102946dc2d718ba23877ed51068f6fcd1e0f6124ec64eb6796a057fbc2e96d0"\
    "844dc49bc9292ed75cb6099ff2ffcfa6d3a565d5e0d88dcf5683fb653666c948"\
    "8818ff93af05733196f9417f045d51f531d3aa3796085520bf82863d6879f2f9"\
    "145aa067a25c14c18838cc382dbc89c6eb219647bd95ff5055715232f9a1702a"\
    "08b99b39b55507099607731b4424f68b78372f6343bad6e188c34c9d2559dbf6"\
    "e7a753b9e337614802c59ff4bae7d28e0000832a771137ed00f9b59e964c856c"\
    "a189fd91258d8b6660b2"

/* The fixed random source: before arming, a constant; then, call by
 * call, sid, ya, yb_0, yb_1. */
static int armed = -1;

static void
fixed_buf(void *p, size_t n)
{
	static const uint8_t fill[] = { 0x51, 0x0a, 0x0b, 0x0c };

	if (armed < 0 || armed >= (int)sizeof(fill)) {
		memset(p, 0x33, n);
		return;
	}
	memset(p, fill[armed++], n);
}

static uint32_t
fixed_u32(void)
{
	return 0x33333333;
}

static const char *
fixed_name(void)
{
	return "fixed";
}

static struct randombytes_implementation fixed_impl = {
	fixed_name, fixed_u32, NULL, NULL, fixed_buf, NULL
};

static void
show(const char *what, const uint8_t *p, size_t n)
{
	char hex[1024];

	if (getenv("SOTTO_PRINT_EXAMPLE") == NULL)
		return;
	sodium_bin2hex(hex, sizeof(hex), p, n);
	printf("%-12s %s\n", what, hex);
}

static void
assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char hex[1024];

	sodium_bin2hex(hex, sizeof(hex), p, n);
	assert_string_equal(hex, want);
}

/* §17.12.2, from the text: PRS, then g. */
static void
generator(uint8_t g[32], const uint8_t ik[32], uint8_t flags,
    const char *code, const uint8_t room_id[16], const uint8_t sid[16],
    const char *label)
{
	static const char L_GATE[] = "sotto/1 room gate";
	crypto_generichash_state st;
	crypto_hash_sha512_state h;
	uint8_t prs[64], hdr[2], d[64], zero[44], len;

	crypto_generichash_init(&st, ik, 32, 64);
	crypto_generichash_update(&st, (const uint8_t *)L_GATE, 17);
	crypto_generichash_update(&st, &flags, 1);
	hdr[0] = 0;
	hdr[1] = (uint8_t)strlen(ANSWER);
	crypto_generichash_update(&st, hdr, 2);
	crypto_generichash_update(&st, (const uint8_t *)ANSWER, strlen(ANSWER));
	len = (uint8_t)strlen(code);
	crypto_generichash_update(&st, &len, 1);
	crypto_generichash_update(&st, (const uint8_t *)code, len);
	crypto_generichash_final(&st, prs, sizeof(prs));
	show(label, prs, sizeof(prs));
	memset(zero, 0, sizeof(zero));
	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x11" "CPaceRistretto255", 18);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x40", 1);
	crypto_hash_sha512_update(&h, prs, 64);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x2c", 1);
	crypto_hash_sha512_update(&h, zero, 44);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x21" "sotto/1 room gate", 18);
	crypto_hash_sha512_update(&h, room_id, 16);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x10", 1);
	crypto_hash_sha512_update(&h, sid, 16);
	crypto_hash_sha512_final(&h, d);
	crypto_core_ristretto255_from_hash(g, d);
}

/* §17.12.4, from the text: the box key of one candidate. */
static void
box_key(uint8_t bk[32], const uint8_t K[32], const uint8_t sid[16],
    const uint8_t Ya[32], const uint8_t Yb[32])
{
	crypto_hash_sha512_state h;
	uint8_t isk[64], prk[64], t[64];
	crypto_auth_hmacsha512_state hm;

	crypto_hash_sha512_init(&h);
	crypto_hash_sha512_update(&h,
	    (const uint8_t *)"\x15" "CPaceRistretto255_ISK", 22);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x10", 1);
	crypto_hash_sha512_update(&h, sid, 16);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x20", 1);
	crypto_hash_sha512_update(&h, K, 32);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x20", 1);
	crypto_hash_sha512_update(&h, Ya, 32);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x00\x20", 2);
	crypto_hash_sha512_update(&h, Yb, 32);
	crypto_hash_sha512_update(&h, (const uint8_t *)"\x00", 1);
	crypto_hash_sha512_final(&h, isk);
	show("  ISK", isk, 64);
	crypto_auth_hmacsha512_init(&hm, (const uint8_t *)"sotto/1 room gate",
	    17);
	crypto_auth_hmacsha512_update(&hm, isk, 64);
	crypto_auth_hmacsha512_final(&hm, prk);
	crypto_auth_hmacsha512_init(&hm, prk, 64);
	crypto_auth_hmacsha512_update(&hm, (const uint8_t *)"box\x01", 4);
	crypto_auth_hmacsha512_final(&hm, t);
	memcpy(bk, t, 32);
	show("  bk", bk, 32);
}

static void
test_invitation_v3(void **state)
{
	struct invite inv, back;
	char text[INVITE_STR_MAX];

	(void)state;
	memset(&inv, 0, sizeof(inv));
	strcpy(inv.host, "relay.example.org");
	inv.port = 65433;
	assert_int_equal(sodium_hex2bin(inv.relay_pk, 32,
	    "8146640f02493af4fbc54fe33388e75dc2c937ae0b7727cc2b2afb1b75199a3e",
	    64, NULL, NULL, NULL), 0);
	inv.version = INVITE_VERSION_LOBBY;
	memset(inv.lobby_id, 0xa5, sizeof(inv.lobby_id));
	memset(inv.room_secret, 0x5b, sizeof(inv.room_secret));
	inv.guard = INVITE_GUARD_QUESTION | INVITE_GUARD_CODE;
	strcpy(inv.question, QUESTION);
	assert_int_equal(invite_encode(&inv, text, sizeof(text)), 0);
	if (getenv("SOTTO_PRINT_EXAMPLE") != NULL)
		printf("invitation   %s\n", text);
	assert_string_equal(text, INVITE_V3);
	assert_int_equal(invite_decode(&back, text), 0);
	assert_memory_equal(&back, &inv, sizeof(inv));
}

/* The room id a version 3 room derives from its secret: invite.c, and
 * plain BLAKE2b as the spec says it. */
static void
test_room_id_v3(void **state)
{
	static const char label[] = "sotto/1 room id";
	uint8_t secret[32], id[16], want[16], plain[16];

	(void)state;
	memset(secret, 0x5a, sizeof(secret));
	assert_int_equal(sodium_hex2bin(want, 16, ROOM_ID_V3, 32, NULL, NULL,
	    NULL), 0);
	invite_room_id(secret, id);
	assert_memory_equal(id, want, 16);
	assert_int_equal(crypto_generichash(plain, 16, (const uint8_t *)label,
	    15, secret, 32), 0);
	assert_memory_equal(plain, want, 16);
}

static void
test_door_run(void **state)
{
	struct gate_keys *k;
	struct gate_knock *kn = NULL;
	struct buf knock, answer;
	uint8_t room_id[16], sid[16], ya[32], yb[2][32], g[32], Ya[32],
	    Yb[32], K[32], bk[32], box[68], ad[82], pt[52], nonce[24];
	uint8_t secret[GATE_SECRET_BYTES], otpk[GATE_OTP_KEY_BYTES];
	char codes[2][OTP_DIGITS_MAX + 1];
	size_t i;

	(void)state;
	assert_non_null(k = gate_keys_new());
	k->flags = GATE_F_ALL;
	memset(k->invite_key, 0x5b, sizeof(k->invite_key));
	memset(k->room_secret, 0x5a, sizeof(k->room_secret));
	memset(k->otp_key, 0x4f, sizeof(k->otp_key));
	memcpy(k->answer, ANSWER, strlen(ANSWER));
	k->answer_len = strlen(ANSWER);
	memset(room_id, 0xa5, sizeof(room_id));
	assert_int_equal(otp_room_code(k->otp_key, otp_window(NOW), codes[0]),
	    0);
	assert_int_equal(otp_room_code(k->otp_key, otp_window(NOW) - 1,
	    codes[1]), 0);
	if (getenv("SOTTO_PRINT_EXAMPLE") != NULL)
		printf("w %llu code(w) %s code(w-1) %s\n",
		    (unsigned long long)otp_window(NOW), codes[0], codes[1]);
	assert_string_equal(codes[0], CODE_W);
	assert_string_equal(codes[1], CODE_W1);

	/* The newcomer typed code(w). */
	buf_init(&knock, GATE_KNOCK_BYTES);
	buf_init(&answer, GATE_ANSWER_MAX_BYTES);
	armed = 0;
	assert_int_equal(gate_knock_new(&kn, room_id, k->invite_key, k->flags,
	    (const uint8_t *)ANSWER, strlen(ANSWER), codes[0], &knock), 0);
	assert_int_equal(gate_answer(k, room_id, NOW, buf_ptr(&knock),
	    buf_len(&knock), &answer), 0);
	armed = -1;
	show("KNOCK", buf_ptr(&knock), buf_len(&knock));
	show("ANSWER", buf_ptr(&answer), buf_len(&answer));
	assert_hex(buf_ptr(&knock), buf_len(&knock), KNOCK_HEX);
	assert_hex(buf_ptr(&answer), buf_len(&answer), ANSWER_HEX);

	/* Recomputed from §17.12 alone. */
	memset(sid, 0x51, sizeof(sid));
	memset(ya, 0x0a, sizeof(ya));
	memset(yb[0], 0x0b, 32);
	memset(yb[1], 0x0c, 32);
	generator(g, k->invite_key, k->flags, codes[0], room_id, sid,
	    "PRS(newcomer)");
	show("g", g, 32);
	assert_int_equal(crypto_scalarmult_ristretto255(Ya, ya, g), 0);
	show("Ya", Ya, 32);
	assert_memory_equal(buf_ptr(&knock) + 18, Ya, 32);
	memset(nonce, 0, sizeof(nonce));
	memcpy(pt, k->room_secret, 32);
	memcpy(pt + 32, k->otp_key, 20);
	for (i = 0; i < 2; i++) {
		generator(g, k->invite_key, k->flags, codes[i], room_id, sid,
		    i == 0 ? "PRS_0" : "PRS_1");
		show("  g_i", g, 32);
		assert_int_equal(crypto_scalarmult_ristretto255(Yb, yb[i], g),
		    0);
		show("  Yb_i", Yb, 32);
		assert_int_equal(crypto_scalarmult_ristretto255(K, yb[i], Ya),
		    0);
		show("  K_i", K, 32);
		box_key(bk, K, sid, Ya, Yb);
		memcpy(ad, buf_ptr(&knock), 50);
		memcpy(ad + 50, Yb, 32);
		crypto_aead_xchacha20poly1305_ietf_encrypt(box, NULL, pt,
		    sizeof(pt), ad, sizeof(ad), NULL, nonce, bk);
		assert_memory_equal(buf_ptr(&answer) + 2 + 100 * i, Yb, 32);
		assert_memory_equal(buf_ptr(&answer) + 34 + 100 * i, box, 68);
	}

	/* And the door opens. */
	assert_int_equal(gate_knock_open(kn, buf_ptr(&answer),
	    buf_len(&answer), secret, otpk), 0);
	assert_memory_equal(secret, k->room_secret, sizeof(secret));
	assert_memory_equal(otpk, k->otp_key, sizeof(otpk));
	gate_knock_free(kn);
	gate_keys_free(k);
	buf_release(&knock);
	buf_release(&answer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invitation_v3),
		cmocka_unit_test(test_room_id_v3),
		cmocka_unit_test(test_door_run),
	};

	randombytes_set_implementation(&fixed_impl);
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
