/*
 * wrap_fuzz.c: libFuzzer target for ui_wrap on sanitized text.  The
 * first three bytes pick the width (40-295), the start column and the
 * indent.  Aborts unless every line fits the width, every continuation
 * line starts with the indent's spaces (at least one), and the output
 * holds no control byte but the CR LF of the breaks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sanitize.h"
#include "wrap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf san, out;
	size_t width, col, indent, i, start, k, w;
	const uint8_t *p;

	if (size < 3)
		return 0;
	width = 40 + (size_t)data[0];
	col = (size_t)data[1] % (width / 2);
	indent = (size_t)data[2] % (width / 2);
	data += 3;
	size -= 3;
	buf_init(&san, size * UI_SAN_MAX_EXPANSION);
	buf_init(&out, 64 * 1024 + size * 16);
	if (ui_sanitize(&san, data, size, 0) != 0 ||
	    ui_wrap(&out, buf_ptr(&san), buf_len(&san), col, indent,
	    width) != 0)
		abort();
	p = buf_ptr(&out);
	if (indent == 0 && col > 0)
		indent = 1;
	for (start = 0, i = 0; i <= buf_len(&out); i++) {
		if (i < buf_len(&out) && p[i] != '\r')
			continue;
		w = ui_text_width(p + start, i - start);
		if ((start == 0 ? col : 0) + w > width)
			abort();
		for (k = start; k < i; k++)
			if (p[k] < 0x20 || p[k] == 0x7f)
				abort();
		if (start > 0)
			for (k = 0; k < indent; k++)
				if (start + k >= i || p[start + k] != ' ')
					abort();
		if (i < buf_len(&out) && (i + 1 >= buf_len(&out) ||
		    p[i + 1] != '\n'))
			abort();
		start = i + 2;
		i++;
	}
	buf_release(&san);
	buf_release(&out);
	return 0;
}
