/*
 * sanitize.c: strict UTF-8 decoding and visible escaping of untrusted
 * text before it reaches a terminal (see sanitize.h for the format).
 */
#define _POSIX_C_SOURCE 200809L

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "sanitize.h"

static const uint8_t fffd[3] = { 0xef, 0xbf, 0xbd };

size_t
ui_utf8_next(const uint8_t *p, size_t len, uint32_t *cp)
{
	uint32_t v;
	uint8_t c, lo = 0x80, hi = 0xbf;
	size_t need, i;

	*cp = UI_UTF8_INVALID;
	if (len == 0)
		return 0;
	c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	/* The lead byte fixes the length; E0, ED, F0 and F4 narrow the
	 * range of the second byte, which is what excludes overlongs,
	 * surrogates and values past U+10FFFF without decoding them. */
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		/* 80-BF stray continuation, C0/C1 always overlong, F5-FF. */
		return 1;
	}
	for (i = 1; i <= need; i++) {
		/* A byte that does not fit ends the invalid subpart without
		 * being part of it: it is decoded afresh by the next call.
		 * Running out of input is the same case. */
		if (i >= len || p[i] < lo || p[i] > hi)
			return i;
		v = (v << 6) | (p[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return need + 1;
}

int
ui_codepoint_escaped(uint32_t cp, int flags)
{
	if (cp < 0x20)
		return !(cp == '\t' ||
		    (cp == '\n' && (flags & UI_SAN_ALLOW_NEWLINE)));
	if (cp >= 0x7f && cp <= 0x9f)
		return 1;
	switch (cp) {
	case 0x061c:			/* ARABIC LETTER MARK */
	case 0x200e: case 0x200f:	/* LRM, RLM */
	case 0x2028: case 0x2029:	/* LINE / PARAGRAPH SEPARATOR */
		return 1;
	}
	if (cp >= 0x202a && cp <= 0x202e)	/* LRE RLE PDF LRO RLO */
		return 1;
	if (cp >= 0x2066 && cp <= 0x2069)	/* LRI RLI FSI PDI */
		return 1;
	return 0;
}

static int
put_escape(struct buf *out, uint32_t cp)
{
	char tmp[8];
	int n;

	if (cp < 0x100)
		n = snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
	else
		n = snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return ERR_INTERNAL;
	return buf_put(out, tmp, (size_t)n);
}

int
ui_sanitize(struct buf *out, const uint8_t *in, size_t len, int flags)
{
	size_t before, i = 0, run = 0, n;
	uint32_t cp;
	int r = ERR_INTERNAL;

	before = buf_len(out);
	if (len > 0 && in == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	/* Bytes that pass unchanged are copied in runs: in[run..i). */
	while (i < len) {
		n = ui_utf8_next(in + i, len - i, &cp);
		if (cp != UI_UTF8_INVALID && !ui_codepoint_escaped(cp, flags)) {
			i += n;
			continue;
		}
		if (i > run && (r = buf_put(out, in + run, i - run)) != 0)
			goto out;
		if (cp == UI_UTF8_INVALID)
			r = buf_put(out, fffd, sizeof(fffd));
		else
			r = put_escape(out, cp);
		if (r != 0)
			goto out;
		i += n;
		run = i;
	}
	if (i > run && (r = buf_put(out, in + run, i - run)) != 0)
		goto out;
	r = 0;
out:
	/* Escapes are appended one by one, so undo the ones that fit. */
	if (r != 0 && buf_len(out) > before)
		buf_unput(out, buf_len(out) - before);
	return r;
}
