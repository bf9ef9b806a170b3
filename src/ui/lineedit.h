/*
 * lineedit.h: the chat's input line, a small line editor written as a
 * pure state machine: raw terminal bytes go in, editing events and the
 * bytes that (re)draw the line come out.  Only the raw-mode helpers touch
 * a file descriptor, so the core can be unit-tested and fuzzed.
 *
 * Typical use from an event loop: on readable stdin, read() into a buffer
 * and call lineedit_feed() until every byte is used, acting on each event;
 * when a message arrives, append lineedit_render_clear(), the message and
 * "\r\n", then lineedit_render(), and write the lot in one go.
 *
 * Keys: printable UTF-8 is inserted at the cursor (a tab as a space);
 * Backspace (DEL, ^H) and Delete (ESC [3~, ^D on a non-empty line) remove
 * one code point; Left/Right (ESC [D/C, ESC OD/OC, ^B/^F) move by code
 * point, with Ctrl or Alt (ESC [1;5D ...) and Alt-b/Alt-f by word;
 * Home/End (^A/^E, ESC [H/F, ESC [1~/4~, ESC [7~/8~, ESC OH/OF); ^U kills
 * to the start, ^K to the end, ^W and Alt-Backspace the previous word,
 * Alt-d the next; Up/Down (ESC [A/B, ESC OA/OB, ^P/^N) walk the history,
 * coming back to the line being typed; Enter is CR, LF or keypad Enter.
 * Bracketed-paste markers and every other escape sequence are swallowed
 * whole.  A lone Escape key press is taken as the start of a sequence, so
 * it swallows the printable key after it (no timeout: this is a pure
 * state machine); a control key or non-ASCII byte after it acts normally.
 *
 * Invariants the editor keeps whatever it is fed: the edit buffer is valid
 * UTF-8 of at most max_bytes bytes and never holds a C0 or C1 control or
 * DEL; the cursor sits on a code point boundary.  The line is always drawn
 * on one terminal row (a horizontally scrolled window around the cursor),
 * so a long line never wraps and one "\r\x1b[K" erases it.
 */
#ifndef SOTTO_LINEEDIT_H
#define SOTTO_LINEEDIT_H

#include <stddef.h>
#include <stdint.h>
#include <termios.h>

#include "buf.h"

/* Lines kept for Up/Down recall; older ones are wiped and dropped. */
#define LINEEDIT_HISTORY	100
/* Longest prompt kept, in bytes (SGR sequences included); set_prompt
 * truncates longer ones at a character boundary. */
#define LINEEDIT_PROMPT_MAX	512

struct lineedit;		/* opaque */

enum lineedit_event {
	LE_NONE = 0,		/* all input used, nothing to report */
	LE_LINE,		/* Enter: a line was entered (possibly empty) */
	LE_EOF,			/* Ctrl-D on an empty line */
	LE_INTERRUPT,		/* Ctrl-C; the edit buffer has been cleared */
	LE_REDRAW,		/* Ctrl-L: the caller should clear and redraw */
};

/* A new, empty editor for lines of at most max_bytes bytes (e.g. 4096),
 * 80 columns wide, with an empty prompt.  NULL if max_bytes is 0 or on
 * allocation failure.  Free with lineedit_free. */
struct lineedit *lineedit_new(size_t max_bytes);
/* Wipes the edit buffer and the history, then frees.  NULL is a no-op. */
void	 lineedit_free(struct lineedit *le);

/* Copies the prompt (NULL means none).  The prompt is trusted local text
 * and may hold SGR colour sequences (ESC [ params m), which are kept and
 * count no columns; any other control byte, escape sequence or invalid
 * UTF-8 is dropped, and a tab becomes a space.  A prompt that leaves too
 * little room for text on a narrow terminal is shown truncated. */
void	 lineedit_set_prompt(struct lineedit *le, const char *prompt);
/* Terminal width in columns (ws_col from TIOCGWINSZ); cols < 1 means
 * unknown and is taken as 80.  Takes effect at the next render. */
void	 lineedit_set_width(struct lineedit *le, int cols);

/*
 * Feeds n raw bytes read from the terminal in raw mode.  Processes input
 * up to and including the first event and returns it; *used is set to the
 * number of bytes consumed (n unless an event stopped early; call again
 * with the rest).  Escape sequences and UTF-8 characters may be split
 * across calls: partial state is kept in le.  A "\r\n" pair counts as one
 * Enter, even when split across calls.
 *
 * On LE_LINE the entered line (UTF-8, no newline, no controls) replaces
 * the contents of 'line' (which may be NULL to discard it; give it a max
 * of at least max_bytes), the line is added to the history unless empty or
 * equal to the newest entry, and the edit buffer is cleared.  Should 'line'
 * refuse the bytes (too small, out of memory), the edit buffer is left as
 * it was, the Enter is consumed and LE_NONE is returned, so no text is
 * lost.  Bytes that would make the line longer than max_bytes are ignored.
 */
enum lineedit_event lineedit_feed(struct lineedit *le, const uint8_t *in,
	    size_t n, size_t *used, struct buf *line);

/*
 * Appends to out the bytes that redraw the input line from scratch:
 * "\r\x1b[K", the prompt (followed by "\x1b[0m" if it holds SGR
 * sequences), the visible window of the text, and "\x1b[<col>G" to place
 * the cursor.  Nothing else: no other control bytes are ever emitted.
 * Returns 0, or the buf_put error with nothing appended.
 */
int	 lineedit_render(struct lineedit *le, struct buf *out);
/* Appends the bytes that erase the input line ("\r\x1b[K") so a message
 * can be printed in its place; the caller then calls lineedit_render.
 * Returns 0, or the buf_put error with nothing appended. */
int	 lineedit_render_clear(struct lineedit *le, struct buf *out);

/* A view of the text being edited, valid until the next call on le, and
 * its length in *len.  Never NUL-terminated. */
const uint8_t *lineedit_peek_text(const struct lineedit *le, size_t *len);
/* The cursor, as a byte offset into the text (always at a boundary). */
size_t	 lineedit_get_cursor(const struct lineedit *le);

/*
 * Terminal raw mode, the only functions here that do I/O.  raw_enter
 * saves the current settings in *saved, then turns off echo, canonical
 * mode, signals (Ctrl-C, Ctrl-Z, Ctrl-\ arrive as bytes), flow control and
 * input translation, keeping output processing (OPOST) so "\n" still
 * prints as "\r\n".  raw_leave restores *saved.  Both return 0, or ERR_IO
 * with errno set (raw_enter then changed nothing).
 */
int	 lineedit_raw_enter(int fd, struct termios *saved);
int	 lineedit_raw_leave(int fd, const struct termios *saved);

#endif
