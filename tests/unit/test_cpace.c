/*
 * test_cpace.c: CPace (src/core/cpace.c) reproduces byte for byte the
 * draft-irtf-cfrg-cpace-21 vectors in $SOTTO_VECTORS_DIR/
 * cpace-ristretto255.json (default ../shared/vectors), then round trips
 * with seeded random scalars, mutations of known-good inputs, and the
 * error contracts.  A missing vectors file fails every test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "buf.h"
#include "cpace.h"
#include "err.h"
#include "vectors.h"

#define VECTORS_FILE	"cpace-ristretto255.json"

static const char *vectors;	/* the whole JSON file, NUL-terminated */

static int
load_vectors(void **state)
{
	(void)state;
	return (vectors = vectors_load(VECTORS_FILE)) != NULL ? 0 : -1;
}

static void
assert_buf_hex(const struct buf *b, const struct hexval *want)
{
	assert_hex(buf_ptr(b), buf_len(b), want);
}

/* The draft's example inputs (Appendix B.3). */
struct inputs {
	struct hexval	 prs, ci, sid, ada, adb, ya, yb;
};

static void
get_inputs(struct inputs *in)
{
	vec(vectors, "inputs", "PRS", &in->prs);
	vec(vectors, "inputs", "CI", &in->ci);
	vec(vectors, "inputs", "sid", &in->sid);
	vec(vectors, "inputs", "ADa", &in->ada);
	vec(vectors, "inputs", "ADb", &in->adb);
	vec(vectors, "inputs", "ya", &in->ya);
	vec(vectors, "inputs", "yb", &in->yb);
	assert_int_equal(in->ya.n, CPACE_SCALAR_BYTES);
	assert_int_equal(in->yb.n, CPACE_SCALAR_BYTES);
}

static void
test_dsi(void **state)
{
	struct hexval want;

	(void)state;
	vec(vectors, "G", "DSI", &want);
	assert_hex((const uint8_t *)CPACE_DSI, sizeof(CPACE_DSI) - 1, &want);
	vec(vectors, "G", "DSI_ISK", &want);
	assert_hex((const uint8_t *)CPACE_DSI_ISK, sizeof(CPACE_DSI_ISK) - 1,
	    &want);
}

static void
test_generator_string(void **state)
{
	struct inputs in;
	struct hexval want, want_hash;
	struct buf b;
	uint8_t h[crypto_hash_sha512_BYTES];

	(void)state;
	get_inputs(&in);
	vec(vectors, "calculate_generator", "generator_string", &want);
	vec(vectors, "calculate_generator", "hash_result_sha512_64_bytes", &want_hash);
	buf_init(&b, 4096);
	assert_int_equal(cpace_generator_string(&b, in.prs.b, in.prs.n,
	    in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
	assert_buf_hex(&b, &want);
	assert_int_equal(buf_len(&b), 170);	/* generator_string_length */
	/* zpad_length 100, right after lv(DSI) and lv(PRS) */
	assert_int_equal(buf_ptr(&b)[18 + 9], 100);
	crypto_hash_sha512(h, buf_ptr(&b), buf_len(&b));
	assert_hex(h, sizeof(h), &want_hash);
	buf_release(&b);
}

static void
test_calculate_generator(void **state)
{
	struct inputs in;
	struct hexval want;
	uint8_t g[CPACE_POINT_BYTES];

	(void)state;
	get_inputs(&in);
	vec(vectors, "calculate_generator", "g_encoded", &want);
	assert_int_equal(cpace_calculate_generator(g, in.prs.b, in.prs.n,
	    in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
	assert_hex(g, sizeof(g), &want);
}

static void
test_shares_and_secret(void **state)
{
	struct inputs in;
	struct hexval want_ya, want_yb, want_k;
	uint8_t g[CPACE_POINT_BYTES], Ya[CPACE_POINT_BYTES];
	uint8_t Yb[CPACE_POINT_BYTES], Ka[CPACE_POINT_BYTES];
	uint8_t Kb[CPACE_POINT_BYTES];

	(void)state;
	get_inputs(&in);
	vec(vectors, "outputs", "Ya", &want_ya);
	vec(vectors, "outputs", "Yb", &want_yb);
	vec(vectors, "outputs", "K", &want_k);
	assert_int_equal(cpace_calculate_generator(g, in.prs.b, in.prs.n,
	    in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
	assert_int_equal(cpace_share(Ya, in.ya.b, g), 0);
	assert_hex(Ya, sizeof(Ya), &want_ya);
	assert_int_equal(cpace_share(Yb, in.yb.b, g), 0);
	assert_hex(Yb, sizeof(Yb), &want_yb);
	assert_int_equal(cpace_secret(Ka, in.ya.b, Yb), 0);
	assert_hex(Ka, sizeof(Ka), &want_k);
	assert_int_equal(cpace_secret(Kb, in.yb.b, Ya), 0);
	assert_hex(Kb, sizeof(Kb), &want_k);
}

static void
test_transcripts_and_isk(void **state)
{
	static const char sidout[] = "CPaceSidOutput";
	struct inputs in;
	struct hexval ya, yb, k, want;
	struct buf b;
	uint8_t isk[CPACE_ISK_BYTES], h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_state st;

	(void)state;
	get_inputs(&in);
	vec(vectors, "outputs", "Ya", &ya);
	vec(vectors, "outputs", "Yb", &yb);
	vec(vectors, "outputs", "K", &k);
	buf_init(&b, 4096);

	vec(vectors, "outputs", "transcript_ir", &want);
	assert_int_equal(cpace_transcript_ir(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), 0);
	assert_buf_hex(&b, &want);
	/* sid_output_ir = SHA-512(b"CPaceSidOutput" || transcript_ir) */
	vec(vectors, "outputs", "sid_output_ir", &want);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)sidout,
	    sizeof(sidout) - 1);
	crypto_hash_sha512_update(&st, buf_ptr(&b), buf_len(&b));
	crypto_hash_sha512_final(&st, h);
	assert_hex(h, sizeof(h), &want);
	buf_reset(&b);

	vec(vectors, "outputs", "transcript_oc", &want);
	assert_int_equal(cpace_transcript_oc(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), 0);
	assert_buf_hex(&b, &want);
	vec(vectors, "outputs", "sid_output_oc", &want);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)sidout,
	    sizeof(sidout) - 1);
	crypto_hash_sha512_update(&st, buf_ptr(&b), buf_len(&b));
	crypto_hash_sha512_final(&st, h);
	assert_hex(h, sizeof(h), &want);
	buf_reset(&b);

	/* The ISK hash inputs, rebuilt from the public string functions. */
	vec(vectors, "outputs", "ISK_IR_hash_input", &want);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)CPACE_DSI_ISK,
	    sizeof(CPACE_DSI_ISK) - 1), 0);
	assert_int_equal(cpace_put_lv(&b, in.sid.b, in.sid.n), 0);
	assert_int_equal(cpace_put_lv(&b, k.b, k.n), 0);
	assert_int_equal(cpace_transcript_ir(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), 0);
	assert_buf_hex(&b, &want);
	buf_reset(&b);
	vec(vectors, "outputs", "ISK_SY_hash_input", &want);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)CPACE_DSI_ISK,
	    sizeof(CPACE_DSI_ISK) - 1), 0);
	assert_int_equal(cpace_put_lv(&b, in.sid.b, in.sid.n), 0);
	assert_int_equal(cpace_put_lv(&b, k.b, k.n), 0);
	assert_int_equal(cpace_transcript_oc(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), 0);
	assert_buf_hex(&b, &want);
	buf_release(&b);

	vec(vectors, "outputs", "ISK_IR", &want);
	assert_int_equal(cpace_isk_ir(isk, in.sid.b, in.sid.n, k.b, ya.b,
	    in.ada.b, in.ada.n, yb.b, in.adb.b, in.adb.n), 0);
	assert_hex(isk, sizeof(isk), &want);
	vec(vectors, "outputs", "ISK_SY", &want);
	assert_int_equal(cpace_isk_sy(isk, in.sid.b, in.sid.n, k.b, ya.b,
	    in.ada.b, in.ada.n, yb.b, in.adb.b, in.adb.n), 0);
	assert_hex(isk, sizeof(isk), &want);
	/* The symmetric ISK does not depend on who is called A. */
	assert_int_equal(cpace_isk_sy(h, in.sid.b, in.sid.n, k.b, yb.b,
	    in.adb.b, in.adb.n, ya.b, in.ada.b, in.ada.n), 0);
	assert_memory_equal(h, isk, sizeof(isk));
}

static void
test_scalar_mult_valid(void **state)
{
	struct hexval s, X, want_mult, want_vfy;
	uint8_t out[CPACE_POINT_BYTES];

	(void)state;
	vec(vectors, "scalar_mult_valid", "s", &s);
	vec(vectors, "scalar_mult_valid", "X", &X);
	vec(vectors, "scalar_mult_valid", "scalar_mult_s_decode_X", &want_mult);
	vec(vectors, "scalar_mult_valid", "scalar_mult_vfy_s_X", &want_vfy);
	assert_int_equal(s.n, CPACE_SCALAR_BYTES);
	assert_int_equal(X.n, CPACE_POINT_BYTES);
	assert_int_equal(cpace_share(out, s.b, X.b), 0);
	assert_hex(out, sizeof(out), &want_mult);
	assert_int_equal(cpace_secret(out, s.b, X.b), 0);
	assert_hex(out, sizeof(out), &want_vfy);
}

static void
test_scalar_mult_invalid(void **state)
{
	static const char *bad[] = { "Y_i1", "Y_i2" };
	struct hexval s, Y, want;
	uint8_t out[CPACE_POINT_BYTES];
	size_t i;

	(void)state;
	vec(vectors, "scalar_mult_vfy_invalid", "s", &s);
	vec(vectors, "scalar_mult_vfy_invalid", "expected", &want);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vec(vectors, "scalar_mult_vfy_invalid", bad[i], &Y);
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(cpace_secret(out, s.b, Y.b), ERR_BAD_POINT);
		assert_hex(out, sizeof(out), &want);
		/* The same point as a generator is refused too. */
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(cpace_share(out, s.b, Y.b), ERR_BAD_POINT);
		assert_hex(out, sizeof(out), &want);
	}
	/*
	 * A valid share with bit 255 set is a non-canonical encoding (RFC
	 * 9496 4.3.1) that libsodium 1.0.18 would accept as the same point.
	 */
	vec(vectors, "scalar_mult_valid", "X", &Y);
	Y.b[31] |= 0x80;
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(cpace_secret(out, s.b, Y.b), ERR_BAD_POINT);
	assert_hex(out, sizeof(out), &want);
}

static void
check_lv(const uint8_t *data, size_t len, const char *key)
{
	struct hexval want;
	struct buf b;

	vec(vectors, "string_function_vectors", key, &want);
	buf_init(&b, 4096);
	assert_int_equal(cpace_put_lv(&b, data, len), 0);
	assert_buf_hex(&b, &want);
	buf_release(&b);
}

static void
test_prepend_len(void **state)
{
	uint8_t r[128], big[16384], hdr[3];
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(r); i++)
		r[i] = (uint8_t)i;
	check_lv(NULL, 0, "prepend_len(b'')");
	check_lv((const uint8_t *)"1234", 4, "prepend_len(b'1234')");
	check_lv(r, 127, "prepend_len(bytes(range(127)))");
	check_lv(r, 128, "prepend_len(bytes(range(128)))");

	/* Three LEB128 bytes: 16384 = 0x4000 -> 80 80 01. */
	memset(big, 0x5a, sizeof(big));
	buf_init(&b, sizeof(big) + 3);
	assert_int_equal(cpace_put_lv(&b, big, sizeof(big)), 0);
	assert_int_equal(buf_len(&b), sizeof(big) + 3);
	memcpy(hdr, buf_ptr(&b), 3);
	assert_int_equal(hdr[0], 0x80);
	assert_int_equal(hdr[1], 0x80);
	assert_int_equal(hdr[2], 0x01);
	assert_memory_equal(buf_ptr(&b) + 3, big, sizeof(big));
	/* 300 -> ac 02 */
	buf_reset(&b);
	assert_int_equal(cpace_put_lv(&b, big, 300), 0);
	assert_int_equal(buf_ptr(&b)[0], 0xac);
	assert_int_equal(buf_ptr(&b)[1], 0x02);
	buf_release(&b);
}

static void
test_lv_cat(void **state)
{
	struct hexval want;
	struct buf b;

	(void)state;
	vec(vectors, "string_function_vectors", "lv_cat(b'1234',b'5',b'',b'678')",
	    &want);
	buf_init(&b, 64);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)"1234", 4), 0);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)"5", 1), 0);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)"", 0), 0);
	assert_int_equal(cpace_put_lv(&b, (const uint8_t *)"678", 3), 0);
	assert_buf_hex(&b, &want);
	buf_release(&b);
}

/*
 * o_cat has no entry point of its own in cpace.h: inside cpace.c it only
 * exists as transcript_oc, whose vectors follow.  Here the draft's
 * o_cat (A.3) is spelled out over cpace_lex_larger, which pins down the
 * ordering rule transcript_oc uses.
 */
static void
check_ocat(const char *a, const char *b, const char *key)
{
	const char *first = a, *second = b;
	struct hexval want;
	struct buf out;

	if (!cpace_lex_larger((const uint8_t *)a, strlen(a),
	    (const uint8_t *)b, strlen(b))) {
		first = b;
		second = a;
	}
	vec(vectors, "string_function_vectors", key, &want);
	buf_init(&out, 64);
	assert_int_equal(buf_put(&out, "oc", 2), 0);
	assert_int_equal(buf_put(&out, first, strlen(first)), 0);
	assert_int_equal(buf_put(&out, second, strlen(second)), 0);
	assert_buf_hex(&out, &want);
	buf_release(&out);
}

static void
test_o_cat(void **state)
{
	(void)state;
	check_ocat("ABCD", "BCD", "o_cat(b'ABCD',b'BCD')");
	check_ocat("BCD", "ABCDE", "o_cat(b'BCD',b'ABCDE')");
}

static void
check_transcript(int oc, const char *ya, const char *ada, const char *yb,
    const char *adb, const char *key)
{
	struct hexval want;
	struct buf b;
	int r;

	vec(vectors, "string_function_vectors", key, &want);
	buf_init(&b, 256);
	if (oc)
		r = cpace_transcript_oc(&b, (const uint8_t *)ya, strlen(ya),
		    (const uint8_t *)ada, strlen(ada), (const uint8_t *)yb,
		    strlen(yb), (const uint8_t *)adb, strlen(adb));
	else
		r = cpace_transcript_ir(&b, (const uint8_t *)ya, strlen(ya),
		    (const uint8_t *)ada, strlen(ada), (const uint8_t *)yb,
		    strlen(yb), (const uint8_t *)adb, strlen(adb));
	assert_int_equal(r, 0);
	assert_buf_hex(&b, &want);
	buf_release(&b);
}

static void
test_string_transcripts(void **state)
{
	(void)state;
	check_transcript(0, "123", "PartyA", "234", "PartyB",
	    "transcript_ir(b'123',b'PartyA',b'234',b'PartyB')");
	check_transcript(0, "3456", "PartyA", "2345", "PartyB",
	    "transcript_ir(b'3456',b'PartyA',b'2345',b'PartyB')");
	check_transcript(1, "123", "PartyA", "234", "PartyB",
	    "transcript_oc(b'123',b'PartyA',b'234',b'PartyB')");
	check_transcript(1, "3456", "PartyA", "2345", "PartyB",
	    "transcript_oc(b'3456',b'PartyA',b'2345',b'PartyB')");
}

static void
test_lex_larger(void **state)
{
	struct hexval a, b;
	const char *p;
	int want, n = 0;

	(void)state;
	/* [ ["hex", "hex", bool], ... ] */
	p = json_value(vectors, "string_function_vectors");
	assert_non_null(p);
	p = json_value(p, "lexiographically_larger");
	assert_non_null(p);
	assert_int_equal(*p, '[');
	p = skip_sep(p + 1);
	while (*p == '[') {
		p = read_hex(skip_sep(p + 1), &a, "lex a");
		p = read_hex(skip_sep(p), &b, "lex b");
		p = skip_sep(p);
		if (strncmp(p, "true", 4) == 0)
			want = 1;
		else if (strncmp(p, "false", 5) == 0)
			want = 0;
		else
			fail_msg("vectors: lexiographically_larger: bad bool");
		if ((p = strchr(p, ']')) == NULL)
			fail_msg("vectors: lexiographically_larger: no ]");
		p = skip_sep(p + 1);
		if (cpace_lex_larger(a.b, a.n, b.b, b.n) != want)
			fail_msg("lexiographically_larger(%s, %s) != %d",
			    a.hex, b.hex, want);
		n++;
	}
	assert_int_equal(*p, ']');
	assert_true(n >= 6);
	/* Equal strings: neither is larger. */
	assert_int_equal(cpace_lex_larger(NULL, 0, NULL, 0), 0);
	assert_int_equal(cpace_lex_larger((const uint8_t *)"ab", 2,
	    (const uint8_t *)"ab", 2), 0);
}

/*
 * Generator strings beyond the example: zpad shrinking to zero, PRS of
 * s_in_bytes and more (two- and three-byte LEB128 lengths).  Expected
 * SHA-512 of generator_string computed with the draft's reference
 * Python (Appendix A.1 prepend_len/lv_cat, section 7.1
 * generator_string) for PRS = bytes(i & 0xff for i in range(n)) and the
 * example CI and sid:
 *   hashlib.sha512(generator_string(b"CPaceRistretto255", PRS, CI, sid,
 *   128)).hexdigest()
 */
static void
test_generator_string_lengths(void **state)
{
	static const struct {
		size_t		 prs_len;
		size_t		 gs_len;
		const char	*sha512;
	} t[] = {
		{ 0, 170, "183a101b457e5a2285b744c5dfc07497441a7b83a2326d78f2"
		    "96d170f47d1f11145549c1f85da20a2c298a901ec0f7c93d7b6ee2"
		    "62a4a405c12b6f9fc8e09acd" },
		{ 107, 170, "beb39256e086881f9441a906a0e99f255b28eb66e46617b5"
		    "b471e3d2deea9e1b0d1287d59a7728ca66836a182917fabd1b0991"
		    "36ad0a2a60411e6c38fc70768b" },
		{ 108, 170, "4b980cded9975f284dd2da9ed1e4257c0f2c7641045ee6b9"
		    "7daae5e024dfe944d254bb4bde60315690ed5f73326f04a85bb9b2"
		    "10483c2383a6b5a030b31ac541" },
		{ 109, 171, "642241fcdd837c29635efef974922e6e8814b11af30f2bed"
		    "b4be5f69ef833bc68636b5bf14dfd775f9d99546bd95874f75063c"
		    "a418ae38e46f816583c8374c64" },
		{ 127, 189, "e18b5a22448de49bc7beff78330b1521965306821131348"
		    "485bc2d193097121badda4f73c299eb87b879e9091a263ef7df174"
		    "20c459a9cff4899fc7302815c77" },
		{ 128, 191, "a6f02239b4a29500d7978f67f9931f88762346635af6190d"
		    "e493b5e6b0ef24b6875feee5c524cae3bd07f45c86412ae6e1bd05"
		    "4e3ccc2690b4b08a577f45a7cd" },
		{ 200, 263, "dd6eafb8132c9332d7c1601a87290898b8de2ba9ae445289"
		    "9439d88e8e44d68a6461ed21e998c73f59a9d5e848061fce088abd"
		    "66bc2f346f8571d78aa0e07e48" },
		{ 16384, 16448, "c3395be1e8cf4351f7c212d9454c1cd8d981832c4707"
		    "2855d5a1180952588d2fc6fed01326956e0e49f2cc0013da0ed67f"
		    "2ff1615dc805b6ccbdb5da116bfcdd" },
	};
	struct inputs in;
	struct hexval want;
	struct buf b;
	static uint8_t prs[16384];
	uint8_t h[crypto_hash_sha512_BYTES], g[CPACE_POINT_BYTES];
	uint8_t g2[CPACE_POINT_BYTES];
	size_t i;

	(void)state;
	get_inputs(&in);
	for (i = 0; i < sizeof(prs); i++)
		prs[i] = (uint8_t)i;
	buf_init(&b, 65536);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		buf_reset(&b);
		assert_int_equal(cpace_generator_string(&b, prs, t[i].prs_len,
		    in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
		assert_int_equal(buf_len(&b), t[i].gs_len);
		crypto_hash_sha512(h, buf_ptr(&b), buf_len(&b));
		snprintf(want.hex, sizeof(want.hex), "%s", t[i].sha512);
		assert_hex(h, sizeof(h), &want);
		/* The streamed generator hashes the same string. */
		assert_int_equal(crypto_core_ristretto255_from_hash(g, h), 0);
		assert_int_equal(cpace_calculate_generator(g2, prs,
		    t[i].prs_len, in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
		assert_memory_equal(g, g2, sizeof(g));
	}
	buf_release(&b);
}

/* Seeded "random" scalar, reduced mod the group order. */
static void
seeded_scalar(uint8_t y[CPACE_SCALAR_BYTES], uint32_t n)
{
	uint8_t seed[randombytes_SEEDBYTES] = { 0 }, wide[64];

	memcpy(seed, &n, sizeof(n));
	randombytes_buf_deterministic(wide, sizeof(wide), seed);
	crypto_core_ristretto255_scalar_reduce(y, wide);
}

static void
test_round_trip(void **state)
{
	static const uint8_t ci[] = "sotto-test-ci";
	uint8_t ya[CPACE_SCALAR_BYTES], yb[CPACE_SCALAR_BYTES];
	uint8_t ga[CPACE_POINT_BYTES], gb[CPACE_POINT_BYTES];
	uint8_t Ya[CPACE_POINT_BYTES], Yb[CPACE_POINT_BYTES];
	uint8_t Ka[CPACE_POINT_BYTES], Kb[CPACE_POINT_BYTES];
	uint8_t ia[CPACE_ISK_BYTES], ib[CPACE_ISK_BYTES], sid[16];
	char pw[32];
	uint32_t i;

	(void)state;
	for (i = 0; i < 32; i++) {
		seeded_scalar(ya, 2 * i);
		seeded_scalar(yb, 2 * i + 1);
		memset(sid, (int)i, sizeof(sid));
		snprintf(pw, sizeof(pw), "correct horse %u", (unsigned)i);

		/* Same password: equal K and ISK on both sides. */
		assert_int_equal(cpace_calculate_generator(ga,
		    (const uint8_t *)pw, strlen(pw), ci, sizeof(ci) - 1, sid,
		    sizeof(sid)), 0);
		assert_int_equal(cpace_calculate_generator(gb,
		    (const uint8_t *)pw, strlen(pw), ci, sizeof(ci) - 1, sid,
		    sizeof(sid)), 0);
		assert_memory_equal(ga, gb, sizeof(ga));
		assert_int_equal(cpace_share(Ya, ya, ga), 0);
		assert_int_equal(cpace_share(Yb, yb, gb), 0);
		assert_int_equal(cpace_secret(Ka, ya, Yb), 0);
		assert_int_equal(cpace_secret(Kb, yb, Ya), 0);
		assert_memory_equal(Ka, Kb, sizeof(Ka));
		assert_int_equal(cpace_isk_ir(ia, sid, sizeof(sid), Ka, Ya,
		    (const uint8_t *)"A", 1, Yb, (const uint8_t *)"B", 1), 0);
		assert_int_equal(cpace_isk_ir(ib, sid, sizeof(sid), Kb, Ya,
		    (const uint8_t *)"A", 1, Yb, (const uint8_t *)"B", 1), 0);
		assert_memory_equal(ia, ib, sizeof(ia));

		/* B typed a different password: different g, different K. */
		pw[0] ^= 0x20;
		assert_int_equal(cpace_calculate_generator(gb,
		    (const uint8_t *)pw, strlen(pw), ci, sizeof(ci) - 1, sid,
		    sizeof(sid)), 0);
		assert_memory_not_equal(ga, gb, sizeof(ga));
		assert_int_equal(cpace_share(Yb, yb, gb), 0);
		assert_int_equal(cpace_secret(Ka, ya, Yb), 0);
		assert_int_equal(cpace_secret(Kb, yb, Ya), 0);
		assert_memory_not_equal(Ka, Kb, sizeof(Ka));
	}
}

/* Every single-bit change of a known-good input changes the result. */
static void
test_mutations(void **state)
{
	struct inputs in;
	struct hexval Yb, K;
	uint8_t g0[CPACE_POINT_BYTES], g[CPACE_POINT_BYTES];
	uint8_t y[CPACE_POINT_BYTES], k[CPACE_POINT_BYTES];
	size_t bit;
	int r, rejected = 0;

	(void)state;
	get_inputs(&in);
	vec(vectors, "outputs", "Yb", &Yb);
	vec(vectors, "outputs", "K", &K);
	for (bit = 0; bit < 8 * CPACE_POINT_BYTES; bit++) {
		memcpy(y, Yb.b, sizeof(y));
		y[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(k, 0xaa, sizeof(k));
		r = cpace_secret(k, in.ya.b, y);
		if (r == ERR_BAD_POINT) {
			assert_true(sodium_is_zero(k, sizeof(k)));
			rejected++;
		} else {
			assert_int_equal(r, 0);
			assert_memory_not_equal(k, K.b, sizeof(k));
		}
	}
	/* Most bit flips leave the set of canonical encodings. */
	assert_true(rejected > 0);

	assert_int_equal(cpace_calculate_generator(g0, in.prs.b, in.prs.n,
	    in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
	for (bit = 0; bit < 8 * in.prs.n; bit++) {
		in.prs.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(cpace_calculate_generator(g, in.prs.b,
		    in.prs.n, in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
		assert_memory_not_equal(g, g0, sizeof(g));
		in.prs.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * in.sid.n; bit++) {
		in.sid.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(cpace_calculate_generator(g, in.prs.b,
		    in.prs.n, in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
		assert_memory_not_equal(g, g0, sizeof(g));
		in.sid.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * in.ci.n; bit++) {
		in.ci.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(cpace_calculate_generator(g, in.prs.b,
		    in.prs.n, in.ci.b, in.ci.n, in.sid.b, in.sid.n), 0);
		assert_memory_not_equal(g, g0, sizeof(g));
		in.ci.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* Failed appends leave the buffer as it was; bad arguments are refused
 * and outputs zeroed. */
static void
test_errors(void **state)
{
	struct inputs in;
	struct hexval ya, yb, k;
	struct buf b;
	uint8_t g[CPACE_POINT_BYTES], isk[CPACE_ISK_BYTES], big[64] = { 0 };

	(void)state;
	get_inputs(&in);
	vec(vectors, "outputs", "Ya", &ya);
	vec(vectors, "outputs", "Yb", &yb);
	vec(vectors, "outputs", "K", &k);

	buf_init(&b, 60);
	assert_int_equal(buf_put(&b, "xy", 2), 0);
	assert_int_equal(cpace_generator_string(&b, in.prs.b, in.prs.n,
	    in.ci.b, in.ci.n, in.sid.b, in.sid.n), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 2);
	assert_memory_equal(buf_ptr(&b), "xy", 2);
	/* Room for "oc" and the first pair (37 bytes) but not the second;
	 * transcript_ir fails at its third field. */
	assert_int_equal(cpace_transcript_oc(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 2);
	assert_int_equal(cpace_transcript_ir(&b, ya.b, ya.n, in.ada.b,
	    in.ada.n, yb.b, yb.n, in.adb.b, in.adb.n), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 2);
	/* Room for the length byte but not the data. */
	assert_int_equal(cpace_put_lv(&b, big, 58), ERR_TOO_LARGE);
	assert_int_equal(buf_len(&b), 2);
	assert_int_equal(cpace_put_lv(&b, NULL, 3), ERR_INVALID_ARG);
	assert_int_equal(buf_len(&b), 2);
	assert_int_equal(cpace_put_lv(NULL, ya.b, 3), ERR_INVALID_ARG);
	assert_int_equal(cpace_transcript_oc(&b, ya.b, ya.n, NULL, 1, yb.b,
	    yb.n, in.adb.b, in.adb.n), ERR_INVALID_ARG);
	assert_int_equal(buf_len(&b), 2);
	buf_release(&b);

	memset(g, 0xaa, sizeof(g));
	assert_int_equal(cpace_calculate_generator(g, NULL, 5, in.ci.b,
	    in.ci.n, in.sid.b, in.sid.n), ERR_INVALID_ARG);
	assert_true(sodium_is_zero(g, sizeof(g)));

	memset(isk, 0xaa, sizeof(isk));
	assert_int_equal(cpace_isk_ir(isk, in.sid.b, in.sid.n, NULL, ya.b,
	    in.ada.b, in.ada.n, yb.b, in.adb.b, in.adb.n), ERR_INVALID_ARG);
	assert_true(sodium_is_zero(isk, sizeof(isk)));
	memset(isk, 0xaa, sizeof(isk));
	assert_int_equal(cpace_isk_sy(isk, in.sid.b, in.sid.n, k.b, ya.b,
	    NULL, 2, yb.b, in.adb.b, in.adb.n), ERR_INVALID_ARG);
	assert_true(sodium_is_zero(isk, sizeof(isk)));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsi),
		cmocka_unit_test(test_generator_string),
		cmocka_unit_test(test_calculate_generator),
		cmocka_unit_test(test_shares_and_secret),
		cmocka_unit_test(test_transcripts_and_isk),
		cmocka_unit_test(test_scalar_mult_valid),
		cmocka_unit_test(test_scalar_mult_invalid),
		cmocka_unit_test(test_prepend_len),
		cmocka_unit_test(test_lv_cat),
		cmocka_unit_test(test_o_cat),
		cmocka_unit_test(test_string_transcripts),
		cmocka_unit_test(test_lex_larger),
		cmocka_unit_test(test_generator_string_lengths),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, load_vectors, vectors_free);
}
