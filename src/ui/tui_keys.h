/*
 * tui_keys.h: the full-screen view's reading of the keyboard: raw
 * terminal bytes are cut into keys (one UTF-8 character, one control
 * byte or one whole escape sequence), the few keys the view acts on are
 * named, and a bracketed paste (ESC [200~ to ESC [201~) is gathered
 * whole, so nothing in it is ever taken as a key.  A pure state machine
 * (no I/O): unit-tested and fuzzed.
 */
#ifndef SOTTO_TUI_KEYS_H
#define SOTTO_TUI_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The most a paste keeps; the rest is counted in 'overflow'. */
#define TUI_PASTE_MAX		(64 * 1024)
#define TUI_KEY_SEQ_MAX		32

enum tui_key {
	TK_NONE = 0,		/* all input used, no key complete */
	TK_OTHER,		/* any other key: hand its bytes to lineedit */
	TK_ENTER,		/* CR, LF or keypad Enter (CR LF is one) */
	TK_TAB,
	TK_CTRL_C,
	TK_MEMBERS,		/* Ctrl-B or F2: member list on/off */
	TK_PGUP,
	TK_PGDN,
	TK_HOME,		/* also edits the input line */
	TK_END,
	TK_TOP,			/* Ctrl- or Alt-Home */
	TK_BOTTOM,		/* Ctrl- or Alt-End */
	TK_PASTE,		/* a paste ended: tui_keys_paste() */
	TK_FOCUS_IN,		/* the terminal's focus reports (ESC [?1004h) */
	TK_FOCUS_OUT,
};

struct tui_keys {
	uint8_t		 seq[TUI_KEY_SEQ_MAX];
	size_t		 seqlen;
	size_t		 need;		/* UTF-8 bytes still to come */
	int		 after_cr;	/* swallow an LF right after a CR */
	int		 pasting;
	struct buf	 paste;
	size_t		 overflow;	/* paste bytes beyond TUI_PASTE_MAX */
};

void	 tui_keys_init(struct tui_keys *k);
/* Wipes the paste and the partial key. */
void	 tui_keys_release(struct tui_keys *k);

/*
 * Feeds raw bytes; stops after the first complete key and returns it
 * with *used set to the bytes consumed (call again with the rest), or
 * TK_NONE when all n bytes were used without completing one.  For every
 * key but TK_PASTE, *key and *keylen are the key's bytes (valid until the
 * next call).  A partial key or paste is kept across calls.
 */
enum tui_key tui_keys_feed(struct tui_keys *k, const uint8_t *in, size_t n,
	    size_t *used, const uint8_t **key, size_t *keylen);
/* After TK_PASTE: the pasted bytes as sent by the terminal, and how
 * many bytes past TUI_PASTE_MAX were dropped; tui_keys_paste_done()
 * wipes them. */
const struct buf *tui_keys_paste(const struct tui_keys *k, size_t *overflow);
void	 tui_keys_paste_done(struct tui_keys *k);

/*
 * Paste assembly: cleans a paste into lines.  Line breaks are CR LF, CR
 * or LF; a final line break ends the last line (no empty line after it);
 * tabs become spaces; control characters, escape sequences' ESC bytes and
 * invalid UTF-8 are dropped.  Appends the lines to out, each followed by
 * a NUL byte, and returns their count (0 for an empty paste), or a
 * negative ERR_* (out then partly filled).
 */
int	 tui_paste_lines(const uint8_t *p, size_t n, struct buf *out);

#endif
