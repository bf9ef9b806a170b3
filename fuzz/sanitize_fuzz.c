/*
 * sanitize_fuzz.c: libFuzzer target for ui_sanitize.  Aborts if the
 * output is not valid UTF-8, holds a control byte other than TAB (LF when
 * allowed), DEL, or the encoding of a C1 or bidi control or U+2028/9, or
 * outgrows UI_SAN_MAX_EXPANSION.  The first input byte picks the flags.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "buf.h"
#include "sanitize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Byte-level check sharing no code with the decoder under test. */
static int
output_ok(const uint8_t *p, size_t len, int allow_nl)
{
	size_t i = 0, k, n;
	uint8_t c;

	while (i < len) {
		c = p[i];
		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && !(allow_nl && c == '\n')) ||
			    c == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		else
			return 0;
		if (n > len - i)
			return 0;
		for (k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		if ((c == 0xe0 && p[i + 1] < 0xa0) ||
		    (c == 0xed && p[i + 1] > 0x9f) ||
		    (c == 0xf0 && p[i + 1] < 0x90) ||
		    (c == 0xf4 && p[i + 1] > 0x8f))
			return 0;
		if (c == 0xc2 && p[i + 1] <= 0x9f)
			return 0;	/* C1 */
		if (c == 0xd8 && p[i + 1] == 0x9c)
			return 0;	/* ALM */
		if (c == 0xe2 && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0x8e || p[i + 2] == 0x8f ||
		    (p[i + 2] >= 0xa8 && p[i + 2] <= 0xae)))
			return 0;	/* LRM RLM, U+2028-U+202E */
		if (c == 0xe2 && p[i + 1] == 0x81 &&
		    p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)
			return 0;	/* U+2066-U+2069 */
		i += n;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	int flags;

	if (size == 0)
		return 0;
	flags = data[0] & UI_SAN_ALLOW_NEWLINE;
	data++;
	size--;
	buf_init(&out, size * UI_SAN_MAX_EXPANSION);
	if (ui_sanitize(&out, data, size, flags) != 0)
		abort();	/* only possible past the expansion bound */
	if (!output_ok(buf_ptr(&out), buf_len(&out), flags))
		abort();
	buf_release(&out);
	return 0;
}
