/*
 * cpace.h: CPace, ciphersuite CPACE-RISTR255-SHA512, exactly as in
 * draft-irtf-cfrg-cpace-21 (sections 5-7, Appendix A string functions).
 * Pure functions over byte strings; no I/O, no allocation except in
 * cpace_generator_string's output buffer, no state.  Secret inputs
 * (prs, scalars) stay with the caller, who wipes them.
 */
#ifndef SOTTO_CPACE_H
#define SOTTO_CPACE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

#define CPACE_SCALAR_BYTES	32
#define CPACE_POINT_BYTES	32	/* ristretto255 encoding */
#define CPACE_ISK_BYTES		64	/* SHA-512 */
#define CPACE_S_IN_BYTES	128	/* SHA-512 input block size */
#define CPACE_DSI		"CPaceRistretto255"
#define CPACE_DSI_ISK		"CPaceRistretto255_ISK"

/* Appendix A: prepend_len(data) = LEB128(len(data)) || data, appended to
 * out.  0 or a buf error. */
int	 cpace_put_lv(struct buf *out, const uint8_t *data, size_t len);

/* generator_string(DSI, PRS, CI, sid, s_in_bytes) appended to out:
 * lv_cat(DSI, PRS, zero_bytes(len_zpad), CI, sid). */
int	 cpace_generator_string(struct buf *out, const uint8_t *prs,
	    size_t prs_len, const uint8_t *ci, size_t ci_len,
	    const uint8_t *sid, size_t sid_len);

/* g = ristretto255 from_hash(SHA-512(generator_string(...))).  0 or an
 * error; g is zeroed on failure. */
int	 cpace_calculate_generator(uint8_t g[CPACE_POINT_BYTES],
	    const uint8_t *prs, size_t prs_len, const uint8_t *ci,
	    size_t ci_len, const uint8_t *sid, size_t sid_len);

/* Y = y * g.  0, or ERR_BAD_POINT if the result is invalid. */
int	 cpace_share(uint8_t Y[CPACE_POINT_BYTES],
	    const uint8_t y[CPACE_SCALAR_BYTES],
	    const uint8_t g[CPACE_POINT_BYTES]);

/* K = scalar_mult_vfy(y, Y_peer).  0, or ERR_BAD_POINT (K zeroed) when
 * Y_peer is not a valid encoding or the result is the neutral element:
 * the draft's abort condition. */
int	 cpace_secret(uint8_t K[CPACE_POINT_BYTES],
	    const uint8_t y[CPACE_SCALAR_BYTES],
	    const uint8_t Y_peer[CPACE_POINT_BYTES]);

/* transcript_ir(Ya, ADa, Yb, ADb) = lv_cat(Ya, ADa) || lv_cat(Yb, ADb),
 * appended to out. */
int	 cpace_transcript_ir(struct buf *out, const uint8_t *ya, size_t ya_len,
	    const uint8_t *ada, size_t ada_len, const uint8_t *yb,
	    size_t yb_len, const uint8_t *adb, size_t adb_len);
/* transcript_oc: b"oc" || the lexicographically larger lv_cat pair first. */
int	 cpace_transcript_oc(struct buf *out, const uint8_t *ya, size_t ya_len,
	    const uint8_t *ada, size_t ada_len, const uint8_t *yb,
	    size_t yb_len, const uint8_t *adb, size_t adb_len);
/* lexiographically_larger(a, b) from Appendix A.3: 1 or 0. */
int	 cpace_lex_larger(const uint8_t *a, size_t a_len, const uint8_t *b,
	    size_t b_len);

/* ISK = SHA-512(lv_cat(DSI_ISK, sid, K) || transcript_ir(...)), the
 * initiator-responder variant.  0 or an error (isk zeroed). */
int	 cpace_isk_ir(uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid,
	    size_t sid_len, const uint8_t K[CPACE_POINT_BYTES],
	    const uint8_t *ya, const uint8_t *ada, size_t ada_len,
	    const uint8_t *yb, const uint8_t *adb, size_t adb_len);
/* The same with transcript_oc (symmetric setting), for the vectors. */
int	 cpace_isk_sy(uint8_t isk[CPACE_ISK_BYTES], const uint8_t *sid,
	    size_t sid_len, const uint8_t K[CPACE_POINT_BYTES],
	    const uint8_t *ya, const uint8_t *ada, size_t ada_len,
	    const uint8_t *yb, const uint8_t *adb, size_t adb_len);

#endif
