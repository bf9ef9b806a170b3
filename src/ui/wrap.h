/*
 * wrap.h: the terminal view wraps remote text itself, so that nothing a
 * peer sends can look like a line of its own: continuation lines start
 * under the text (indented past the time and the name, as irssi and
 * weechat do), and long runs of blanks are shown collapsed.
 */
#ifndef SOTTO_UI_WRAP_H
#define SOTTO_UI_WRAP_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Runs of more blanks than this are collapsed (see ui_wrap). */
#define UI_WRAP_BLANKS_MAX	8
/* Width used when the terminal's is unknown (0). */
#define UI_WRAP_DEFAULT_WIDTH	80

/* Columns a code point takes on the terminal: wcwidth in the caller's
 * locale (0 for combining marks, 2 for wide ones), 1 where it has no
 * answer.  TAB counts 1: ui_wrap writes it as a space. */
int	 ui_cp_width(uint32_t cp);

/* Columns the valid UTF-8 p[0..len) takes (ui_cp_width summed; an
 * invalid byte counts 1). */
size_t	 ui_text_width(const uint8_t *p, size_t len);

/* The full-screen view's half of the same rule: ui_wrap on a line that
 * never ends, so the blanks come out exactly as the line editor writes
 * them (at most UI_WRAP_BLANKS_MAX as as many U+0020, a longer run as
 * " [N blanks] ", blanks at the very end dropped) and no break is made:
 * the view breaks rows itself (tui_wrap.h).  0 or a buf error, nothing
 * appended on failure. */
int	 ui_collapse_blanks(struct buf *out, const uint8_t *text, size_t len);

/*
 * Appends text[0..len) (already sanitized, sanitize.h: valid UTF-8 with
 * no control but TAB) to out, wrapped for a terminal 'width' columns
 * wide (0: UI_WRAP_DEFAULT_WIDTH) on which the text starts at column
 * 'col' (what precedes it on the line: time, name).  Lines break at a
 * blank where one fits, else inside a word; each break is "\r\n"
 * followed by 'indent' spaces (indent is cut to width / 2, and is at
 * least 1 whenever the text starts past column 0), and blanks at a
 * break are dropped.  Blanks are U+0020, TAB, and the other space
 * separators (U+00A0, U+1680, U+2000-U+200A, U+202F, U+205F, U+3000); a
 * run of at most UI_WRAP_BLANKS_MAX of them is written as as many
 * spaces, a longer run as " [N blanks] ".  Returns 0 or a buf error
 * (ERR_TOO_LARGE at out's max), with nothing appended on failure.
 */
int	 ui_wrap(struct buf *out, const uint8_t *text, size_t len, size_t col,
	    size_t indent, size_t width);

#endif
