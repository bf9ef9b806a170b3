/*
 * lineedit_fuzz.c: libFuzzer harness for the line editor.  The input
 * gives a terminal width, a line limit, a prompt and then keystrokes, fed
 * in uneven chunks; every entered line and the edit buffer must stay valid
 * UTF-8 without controls, and every render must hold only the escapes it
 * means to and fit on one terminal row.
 */
#define _XOPEN_SOURCE 700	/* wcwidth */

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "lineedit.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Checks p[0..n) is valid UTF-8 with no C0, DEL or C1 control; returns
 * its display width as the editor counts it, or aborts. */
static size_t
clean_width(const uint8_t *p, size_t n)
{
	size_t i = 0, k, j, w = 0;
	uint32_t cp;
	int cw;

	while (i < n) {
		if (p[i] < 0x80)
			k = 1;
		else if (p[i] >= 0xc2 && p[i] <= 0xdf)
			k = 2;
		else if (p[i] >= 0xe0 && p[i] <= 0xef)
			k = 3;
		else if (p[i] >= 0xf0 && p[i] <= 0xf4)
			k = 4;
		else
			abort();
		if (k > n - i)
			abort();
		cp = k == 1 ? p[i] : p[i] & (0x7fu >> k);
		for (j = 1; j < k; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				abort();
			cp = (cp << 6) | (p[i + j] & 0x3f);
		}
		if ((k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
			abort();
		cw = cp < 0x7f ? 1 : wcwidth((wchar_t)cp);
		w += cw >= 0 && cw <= 2 ? (size_t)cw : 1;
		i += k;
	}
	return w;
}

/* Render output: only \r, ESC [ K, ESC [ n G and ESC [ params m, and
 * clean text no wider than the row allows; the cursor on the row. */
static void
check_render(const uint8_t *p, size_t n, int cols)
{
	size_t i = 0, j, start, w = 0, col = 0, usable;

	usable = (size_t)(cols < 1 ? 80 : cols) - 1;
	if (n < 4 || memcmp(p, "\r\x1b[K", 4) != 0)
		abort();
	while (i < n) {
		if (p[i] == '\r') {
			i++;
			continue;
		}
		if (p[i] == 0x1b) {
			if (i + 1 >= n || p[i + 1] != '[')
				abort();
			col = 0;
			for (j = i + 2; j < n && ((p[j] >= '0' && p[j] <= '9') ||
			    p[j] == ';'); j++) {
				if (col < 100000 && p[j] != ';')
					col = col * 10 + (size_t)(p[j] - '0');
			}
			if (j >= n || (p[j] != 'K' && p[j] != 'G' &&
			    p[j] != 'm'))
				abort();
			if (p[j] == 'G' && (col < 1 || col > usable + 1))
				abort();
			i = j + 1;
			continue;
		}
		start = i;
		while (i < n && p[i] != '\r' && p[i] != 0x1b)
			i++;
		w += clean_width(p + start, i - start);
	}
	if (w > (usable > 0 ? usable : 1))
		abort();
	/* It ends by placing the cursor. */
	if (p[n - 1] != 'G')
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Wide and zero-width characters take the interesting paths. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		(void)setlocale(LC_CTYPE, "C.utf8");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lineedit *le;
	struct buf line, out;
	char prompt[40];
	const uint8_t *txt;
	size_t maxb, plen, off, chunk, used, tlen, cur;
	uint32_t rng;
	int cols;

	if (size < 3)
		return 0;
	cols = data[0];
	maxb = (data[1] & 0x80) ? 4096 : 1 + (data[1] & 0x3f);
	plen = data[2] % sizeof(prompt);
	if (plen > size - 3)
		plen = size - 3;
	memcpy(prompt, data + 3, plen);
	prompt[plen] = '\0';
	off = 3 + plen;
	rng = (uint32_t)data[0] * 2654435761u ^ data[1];

	if ((le = lineedit_new(maxb)) == NULL)
		abort();
	lineedit_set_width(le, cols);
	lineedit_set_prompt(le, prompt);
	buf_init(&line, maxb);
	buf_init(&out, 65536);

	while (off < size) {
		rng = rng * 1103515245u + 12345u;
		chunk = 1 + (rng >> 16) % 16;
		if (chunk > size - off)
			chunk = size - off;
		(void)lineedit_feed(le, data + off, chunk, &used, &line);
		if (used == 0 || used > chunk)	/* always progresses */
			abort();
		off += used;

		(void)clean_width(buf_ptr(&line), buf_len(&line));
		if (buf_len(&line) > maxb)
			abort();
		txt = lineedit_peek_text(le, &tlen);
		cur = lineedit_get_cursor(le);
		(void)clean_width(txt, tlen);
		if (tlen > maxb || cur > tlen ||
		    (cur < tlen && (txt[cur] & 0xc0) == 0x80))
			abort();

		buf_reset(&out);
		if (lineedit_render(le, &out) != 0)
			abort();
		check_render(buf_ptr(&out), buf_len(&out), cols);
		buf_reset(&out);
		if (lineedit_render_clear(le, &out) != 0 ||
		    buf_len(&out) != 4 ||
		    memcmp(buf_ptr(&out), "\r\x1b[K", 4) != 0)
			abort();
	}

	buf_release(&out);
	buf_release(&line);
	lineedit_free(le);
	return 0;
}
