/*
 * sanitize.h: turns untrusted remote text (messages, names, reasons)
 * into bytes that are safe to write to a terminal and show what was sent.
 *
 * Output format.  The input is decoded as strict UTF-8 (RFC 3629): an
 * overlong form, a surrogate (U+D800-U+DFFF), a value above U+10FFFF, a
 * stray continuation byte or a sequence cut short becomes U+FFFD, one per
 * maximal invalid subpart (Unicode 15, section 3.9, "U+FFFD Substitution
 * of Maximal Subparts", the same count the WHATWG decoder gives).  Every
 * valid code point is copied unchanged except these, which are written
 * as visible ASCII escapes:
 *
 *   C0 controls U+0000-U+001F except TAB (and LF with UI_SAN_ALLOW_NEWLINE),
 *   DEL U+007F and the C1 controls U+0080-U+009F   ->  \xHH  ("\x1b")
 *   bidirectional controls U+061C, U+200E, U+200F, U+202A-U+202E,
 *   U+2066-U+2069, and the separators U+2028, U+2029 ->  \uHHHH ("\u202e")
 *
 * Hex digits are lowercase; \x always has two digits and \u four.  A
 * backslash in the input is not escaped, so the text "\x1b" typed by the
 * peer looks the same as an escaped ESC: harmless for the terminal, and
 * keeping paths and emoticons readable matters more here than telling
 * the two apart.
 *
 * The output is therefore valid UTF-8 with no byte below 0x20 other than
 * TAB (and LF when allowed), no 0x7f, and none of the encodings above.
 * Names are not checked here: peers_name_valid (known_peers.h) decides
 * what a name may be, and names are still sanitized when displayed.
 */
#ifndef SOTTO_UI_SANITIZE_H
#define SOTTO_UI_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/* Flags for ui_sanitize. */
#define UI_SAN_ALLOW_NEWLINE	0x01	/* copy LF (U+000A) unchanged */

/* An input of n bytes never produces more than n * UI_SAN_MAX_EXPANSION
 * bytes of output (one C0 byte becomes the four bytes "\x1b"). */
#define UI_SAN_MAX_EXPANSION	4

/* What ui_utf8_next reports for an invalid subpart. */
#define UI_UTF8_INVALID		0xffffffffu

/* Appends the sanitized form of in[0..len) to out (see above).  Returns
 * 0, or the buf error (ERR_TOO_LARGE when out's max is reached,
 * ERR_ALLOC, ERR_INVALID_ARG for a read-only view); on failure nothing
 * is appended.  Unknown flag bits are ignored. */
int	 ui_sanitize(struct buf *out, const uint8_t *in, size_t len,
	    int flags);

/* Decodes the UTF-8 sequence at p[0..len), len > 0.  Returns the number
 * of bytes it takes (1-4) and sets *cp to the code point, or to
 * UI_UTF8_INVALID when those bytes are one maximal invalid subpart.
 * Returns 0 (and *cp = UI_UTF8_INVALID) only when len is 0. */
size_t	 ui_utf8_next(const uint8_t *p, size_t len, uint32_t *cp);

/* 1 if ui_sanitize with these flags writes cp as an escape, else 0. */
int	 ui_codepoint_escaped(uint32_t cp, int flags);

#endif
