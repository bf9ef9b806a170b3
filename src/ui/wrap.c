/*
 * wrap.c: wrapping and blank-collapsing of remote text for the terminal
 * view (see wrap.h).
 */
#define _XOPEN_SOURCE 700	/* wcwidth */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wchar.h>

#include "buf.h"
#include "err.h"
#include "sanitize.h"
#include "wrap.h"

int
ui_cp_width(uint32_t cp)
{
#ifdef __STDC_ISO_10646__
	int w;

	if (cp < 0x7f)
		return 1;
	w = wcwidth((wchar_t)cp);
	if (w >= 0 && w <= 2)
		return w;
#else
	(void)cp;
#endif
	return 1;
}

static int
is_blank(uint32_t cp)
{
	switch (cp) {
	case 0x0020: case 0x0009: case 0x00a0: case 0x1680: case 0x202f:
	case 0x205f: case 0x3000:
		return 1;
	}
	return cp >= 0x2000 && cp <= 0x200a;
}

struct wrapper {
	struct buf	*out;
	size_t		 col, indent, width;
	size_t		 blanks;	/* pending, written before the next
					 * character if it fits */
	int		 r;
};

static void
put(struct wrapper *w, const void *p, size_t n)
{
	if (w->r == 0)
		w->r = buf_put(w->out, p, n);
}

static void
line_break(struct wrapper *w)
{
	size_t i;

	put(w, "\r\n", 2);
	for (i = 0; i < w->indent; i++)
		put(w, " ", 1);
	w->col = w->indent;
	w->blanks = 0;
}

/* One unbreakable piece of cw columns: a character, or a whole word
 * when 'word' says how wide the word it starts is (0: inside one). */
static void
piece(struct wrapper *w, const uint8_t *p, size_t n, size_t cw, size_t word)
{
	size_t i;

	if (word > 0 && w->col + w->blanks + word > w->width &&
	    w->indent + word <= w->width && w->col > w->indent)
		line_break(w);		/* the word fits on a line of its own */
	if (w->col + w->blanks + cw > w->width && w->col > w->indent)
		line_break(w);
	for (i = 0; i < w->blanks; i++)
		put(w, " ", 1);
	w->col += w->blanks;
	w->blanks = 0;
	put(w, p, n);
	w->col += cw;
}

size_t
ui_text_width(const uint8_t *p, size_t len)
{
	size_t i = 0, n, w = 0;
	uint32_t cp;

	while (i < len) {
		n = ui_utf8_next(p + i, len - i, &cp);
		w += cp == UI_UTF8_INVALID ? 1 : (size_t)ui_cp_width(cp);
		i += n;
	}
	return w;
}

/* Width of the word starting at text[i] (up to a blank or the end). */
static size_t
word_width(const uint8_t *text, size_t len, size_t i)
{
	size_t n, ww = 0;
	uint32_t cp;

	while (i < len) {
		n = ui_utf8_next(text + i, len - i, &cp);
		if (cp != UI_UTF8_INVALID && is_blank(cp))
			break;
		ww += cp == UI_UTF8_INVALID ? 1 : (size_t)ui_cp_width(cp);
		i += n;
	}
	return ww;
}

int
ui_wrap(struct buf *out, const uint8_t *text, size_t len, size_t col,
    size_t indent, size_t width)
{
	struct wrapper w;
	size_t before = buf_len(out), i = 0, n, k, run;
	uint32_t cp;
	char mark[32];
	int inword = 0, m;

	if (len > 0 && text == NULL)
		return ERR_INVALID_ARG;
	w.out = out;
	w.width = width == 0 ? UI_WRAP_DEFAULT_WIDTH : width;
	w.indent = indent > w.width / 2 ? w.width / 2 : indent;
	if (w.indent == 0 && col > 0)
		w.indent = 1;
	w.col = col;
	w.blanks = 0;
	w.r = 0;
	while (i < len && w.r == 0) {
		n = ui_utf8_next(text + i, len - i, &cp);
		if (cp != UI_UTF8_INVALID && is_blank(cp)) {
			for (run = 0, k = i; k < len; run++) {
				size_t kn = ui_utf8_next(text + k, len - k, &cp);

				if (cp == UI_UTF8_INVALID || !is_blank(cp))
					break;
				k += kn;
			}
			i = k;
			inword = 0;
			if (run <= UI_WRAP_BLANKS_MAX) {
				w.blanks += run;
				continue;
			}
			m = snprintf(mark, sizeof(mark), "[%zu blanks]", run);
			if (m < 0 || (size_t)m >= sizeof(mark))
				return ERR_INTERNAL;
			w.blanks++;
			piece(&w, (const uint8_t *)mark, (size_t)m, (size_t)m,
			    (size_t)m);
			w.blanks++;
			continue;
		}
		piece(&w, text + i, n, cp == UI_UTF8_INVALID ? 1 :
		    (size_t)ui_cp_width(cp), inword ? 0 :
		    word_width(text, len, i));
		inword = 1;
		i += n;
	}
	if (w.r != 0 && buf_len(out) > before)
		buf_unput(out, buf_len(out) - before);
	return w.r;
}

int
ui_collapse_blanks(struct buf *out, const uint8_t *text, size_t len)
{
	return ui_wrap(out, text, len, 0, 0, SIZE_MAX);
}
