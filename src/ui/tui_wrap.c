/* tui_wrap.c: column widths and row breaking (see tui_wrap.h). */
#include <stddef.h>

#include "sanitize.h"
#include "tui_wrap.h"
#include "wrap.h"

size_t
tui_fit(const char *p, size_t len, size_t cols)
{
	size_t off = 0, w = 0, k;
	uint32_t cp;
	int cw;

	while (off < len) {
		k = ui_utf8_next((const uint8_t *)p + off, len - off, &cp);
		cw = ui_cp_width(cp);
		if (w + (size_t)cw > cols)
			break;
		w += (size_t)cw;
		off += k;
	}
	return off;
}

size_t
tui_wrap(const char *p, size_t len, int first, int rest,
    struct tui_row *rows, size_t max)
{
	size_t n = 0, start = 0, off = 0, brk = 0, k, col = 0, width;
	uint32_t cp;
	int cw;

	width = first < 1 ? 1 : (size_t)first;
	if (rest < 1)
		rest = 1;
	while (off < len) {
		k = ui_utf8_next((const uint8_t *)p + off, len - off, &cp);
		cw = ui_cp_width(cp);
		if (col + (size_t)cw > width && off > start) {
			size_t end = brk > start ? brk : off;

			if (n < max) {
				rows[n].off = start;
				rows[n].len = end - start;
			}
			n++;
			start = end;
			/* The space the row broke at is not carried over. */
			if (start < len && p[start] == ' ')
				start++;
			brk = start;
			off = start;
			col = 0;
			width = (size_t)rest;
			continue;
		}
		col += (size_t)cw;
		off += k;
		if (cp == ' ')
			brk = off;
	}
	if (n < max) {
		rows[n].off = start;
		rows[n].len = len - start;
	}
	return n + 1;
}
