/*
 * tui_wrap.h: the full-screen view's layout arithmetic: how many columns
 * text takes, and where a long message breaks into rows (after a space
 * when a word fits, else inside the word).  Pure functions of the text
 * and the widths, so they are unit-tested and fuzzed without a terminal.
 * Widths are wrap.h's, shared with the line editor.
 */
#ifndef SOTTO_TUI_WRAP_H
#define SOTTO_TUI_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "wrap.h"

struct tui_row {
	size_t	off, len;	/* bytes of the text on this row */
};

/* Widths are ui_cp_width / ui_text_width (wrap.h), the same functions
 * the line editor uses. */
/* The longest prefix of p[0..len) that fits in cols columns, in bytes
 * (on a character boundary). */
size_t	 tui_fit(const char *p, size_t len, size_t cols);

/*
 * Breaks p[0..len) into rows of at most 'first' columns for the first row
 * and 'rest' for the others (each taken as at least 1).  Writes up to max
 * rows into rows[] (rows may be NULL when max is 0) and returns how many
 * rows the text needs, at least 1 (an empty text is one empty row).  A
 * space where a row breaks ends that row; a row never starts with it.
 */
size_t	 tui_wrap(const char *p, size_t len, int first, int rest,
	    struct tui_row *rows, size_t max);

#endif
