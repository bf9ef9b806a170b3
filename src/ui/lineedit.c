/*
 * lineedit.c: the chat's input line editor (see lineedit.h): a byte-fed
 * state machine over a UTF-8 edit buffer, drawn on one terminal row.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#ifndef _XOPEN_SOURCE
#define _XOPEN_SOURCE 700	/* wcwidth */
#endif

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <wchar.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "lineedit.h"
#include "wrap.h"

#define DEFAULT_COLS	80
/* Below this many columns for text, a long prompt is cut to half the row. */
#define MIN_TEXT_COLS	10
/* Parameter bytes kept of an escape sequence; longer ones are swallowed
 * without being interpreted (no key we know needs more). */
#define SEQ_MAX		16

enum le_state {
	ST_GROUND,		/* plain bytes (possibly inside a UTF-8 char) */
	ST_ESC,			/* after ESC */
	ST_CSI,			/* after ESC [ */
	ST_SS3,			/* after ESC O */
};

struct hist {
	uint8_t		*p;
	size_t		 n;
};

struct lineedit {
	uint8_t		*text;		/* max bytes, valid UTF-8 in [0, len) */
	size_t		 len;
	size_t		 cur;		/* byte offset, on a boundary */
	size_t		 max;

	/* The line being typed, kept while Up/Down browse the history. */
	uint8_t		*saved;
	size_t		 saved_len;
	struct hist	 hist[LINEEDIT_HISTORY];	/* oldest first */
	size_t		 hist_n;
	size_t		 hist_pos;	/* == hist_n: not browsing */

	char		 prompt[LINEEDIT_PROMPT_MAX + 1];
	size_t		 prompt_len;
	int		 prompt_sgr;	/* the prompt holds SGR sequences */

	int		 cols;
	size_t		 scroll;	/* first byte shown, kept between renders */

	enum le_state	 state;
	uint8_t		 seq[SEQ_MAX];	/* parameter bytes of CSI / SS3 */
	size_t		 seq_len;
	int		 seq_long;	/* more than SEQ_MAX: swallow only */
	uint8_t		 u8[4];		/* a UTF-8 character being received */
	size_t		 u8_len;
	size_t		 u8_need;	/* 0: not inside a character */
	int		 after_cr;	/* last byte was a CR that ended a line */
};

/* --- UTF-8 and widths --------------------------------------------------- */

/* Length of the UTF-8 sequence that lead byte c starts, 0 if none can. */
static size_t
u8_seqlen(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/* Whether c may follow p[0..have) in a valid sequence: rejects overlong
 * forms, surrogates and code points past U+10FFFF (RFC 3629). */
static int
u8_cont_ok(const uint8_t *p, size_t have, uint8_t c)
{
	if (c < 0x80 || c > 0xbf)
		return 0;
	if (have == 1) {
		switch (p[0]) {
		case 0xe0:
			return c >= 0xa0;
		case 0xed:
			return c <= 0x9f;
		case 0xf0:
			return c >= 0x90;
		case 0xf4:
			return c <= 0x8f;
		default:
			break;
		}
	}
	return 1;
}

/* Decodes the character at p[0..avail): its length and *cp, or 0 if the
 * bytes there are not valid UTF-8. */
static size_t
u8_next(const uint8_t *p, size_t avail, uint32_t *cp)
{
	size_t n, i;
	uint32_t v;

	*cp = 0;
	if (avail == 0 || (n = u8_seqlen(p[0])) == 0 || n > avail)
		return 0;
	v = n == 1 ? p[0] : p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if (!u8_cont_ok(p, i, p[i]))
			return 0;
		v = (v << 6) | (p[i] & 0x3f);
	}
	*cp = v;
	return n;
}

/* Characters the editor may hold: no C0, DEL or C1 controls (a terminal
 * may act on U+0080..U+009F even when they arrive UTF-8 encoded). */
static int
cp_allowed(uint32_t cp)
{
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0);
}

/* Columns a character takes (wrap.h). */
static int
cp_width(uint32_t cp)
{
	return ui_cp_width(cp);
}

static int
is_cont(uint8_t c)
{
	return (c & 0xc0) == 0x80;
}

/* --- the edit buffer ---------------------------------------------------- */

static size_t
prev_boundary(const struct lineedit *le, size_t pos)
{
	if (pos == 0)
		return 0;
	pos--;
	while (pos > 0 && is_cont(le->text[pos]))
		pos--;
	return pos;
}

static size_t
next_boundary(const struct lineedit *le, size_t pos)
{
	if (pos >= le->len)
		return le->len;
	pos++;
	while (pos < le->len && is_cont(le->text[pos]))
		pos++;
	return pos;
}

/* Columns taken by the text in [a, b), both boundaries. */
static size_t
text_width(const struct lineedit *le, size_t a, size_t b)
{
	size_t w = 0, k;
	uint32_t cp;

	while (a < b) {
		if ((k = u8_next(le->text + a, b - a, &cp)) == 0)
			k = 1;	/* cannot happen: the text is kept valid */
		w += (size_t)cp_width(cp);
		a += k;
	}
	return w;
}

/* Inserts one whole character at the cursor; ignored past max. */
static void
insert(struct lineedit *le, const uint8_t *p, size_t n)
{
	if (n > le->max - le->len)
		return;
	memmove(le->text + le->cur + n, le->text + le->cur, le->len - le->cur);
	memcpy(le->text + le->cur, p, n);
	le->len += n;
	le->cur += n;
}

/* Deletes [a, b) and wipes the bytes freed at the end. */
static void
delete_range(struct lineedit *le, size_t a, size_t b)
{
	size_t n;

	if (a >= b || b > le->len)
		return;
	n = b - a;
	memmove(le->text + a, le->text + b, le->len - b);
	le->len -= n;
	sodium_memzero(le->text + le->len, n);
	if (le->cur >= b)
		le->cur -= n;
	else if (le->cur > a)
		le->cur = a;
}

static void
clear_text(struct lineedit *le)
{
	sodium_memzero(le->text, le->max);
	le->len = le->cur = le->scroll = 0;
}

static void
load_text(struct lineedit *le, const uint8_t *p, size_t n)
{
	clear_text(le);
	if (n > le->max)	/* cannot happen: every source came from text */
		return;
	if (n > 0)
		memcpy(le->text, p, n);
	le->len = le->cur = n;
}

/* Words are runs of anything but spaces (tabs never get in). */
static size_t
word_left(const struct lineedit *le, size_t pos)
{
	while (pos > 0 && le->text[pos - 1] == ' ')
		pos--;
	while (pos > 0 && le->text[pos - 1] != ' ')
		pos--;
	return pos;	/* after a space or at 0: a boundary */
}

static size_t
word_right(const struct lineedit *le, size_t pos)
{
	while (pos < le->len && le->text[pos] == ' ')
		pos++;
	while (pos < le->len && le->text[pos] != ' ')
		pos++;
	return pos;
}

/* --- history ------------------------------------------------------------ */

static void
hist_drop_saved(struct lineedit *le)
{
	sodium_memzero(le->saved, le->max);
	le->saved_len = 0;
	le->hist_pos = le->hist_n;
}

static void
hist_add(struct lineedit *le)
{
	struct hist *last;
	uint8_t *p;

	if (le->len == 0)
		return;
	last = le->hist_n > 0 ? &le->hist[le->hist_n - 1] : NULL;
	if (last != NULL && last->n == le->len &&
	    memcmp(last->p, le->text, le->len) == 0)
		return;
	/* Out of memory only costs the recall of this line. */
	if ((p = malloc(le->len)) == NULL)
		return;
	memcpy(p, le->text, le->len);
	if (le->hist_n == LINEEDIT_HISTORY) {
		sodium_memzero(le->hist[0].p, le->hist[0].n);
		free(le->hist[0].p);
		memmove(&le->hist[0], &le->hist[1],
		    (LINEEDIT_HISTORY - 1) * sizeof(le->hist[0]));
		le->hist_n--;
	}
	le->hist[le->hist_n].p = p;
	le->hist[le->hist_n].n = le->len;
	le->hist_n++;
}

static void
hist_up(struct lineedit *le)
{
	if (le->hist_pos == 0)
		return;
	if (le->hist_pos == le->hist_n) {
		memcpy(le->saved, le->text, le->len);
		le->saved_len = le->len;
	}
	le->hist_pos--;
	load_text(le, le->hist[le->hist_pos].p, le->hist[le->hist_pos].n);
}

static void
hist_down(struct lineedit *le)
{
	if (le->hist_pos >= le->hist_n)
		return;
	le->hist_pos++;
	if (le->hist_pos < le->hist_n) {
		load_text(le, le->hist[le->hist_pos].p,
		    le->hist[le->hist_pos].n);
		return;
	}
	load_text(le, le->saved, le->saved_len);
	hist_drop_saved(le);
}

/* --- keys --------------------------------------------------------------- */

static void
key_backspace(struct lineedit *le)
{
	delete_range(le, prev_boundary(le, le->cur), le->cur);
}

static void
key_delete(struct lineedit *le)
{
	delete_range(le, le->cur, next_boundary(le, le->cur));
}

static enum lineedit_event
key_enter(struct lineedit *le, struct buf *line)
{
	if (line != NULL) {
		buf_reset(line);
		if (buf_put(line, le->text, le->len) != 0) {
			buf_reset(line);
			return LE_NONE;	/* keep the text rather than lose it */
		}
	}
	hist_add(le);
	hist_drop_saved(le);
	clear_text(le);
	return LE_LINE;
}

/* Parses the numeric parameters of a sequence ("1;5"): at most two,
 * absent ones 0.  Returns -1 for anything but digits and one ';'
 * (private markers such as '?', sub-parameters, intermediates). */
static int
seq_params(const struct lineedit *le, unsigned *p1, unsigned *p2)
{
	unsigned *p = p1;
	size_t i;

	*p1 = *p2 = 0;
	if (le->seq_long)
		return -1;
	for (i = 0; i < le->seq_len; i++) {
		if (le->seq[i] >= '0' && le->seq[i] <= '9') {
			if (*p < 10000)
				*p = *p * 10 + (unsigned)(le->seq[i] - '0');
		} else if (le->seq[i] == ';' && p == p1) {
			p = p2;
		} else {
			return -1;
		}
	}
	return 0;
}

/* Arrow-like keys shared by CSI and SS3 finals.  'word' asks for the
 * word-wise variant (Ctrl or Alt held). */
static void
key_move(struct lineedit *le, uint8_t final, int word)
{
	switch (final) {
	case 'A':
		hist_up(le);
		break;
	case 'B':
		hist_down(le);
		break;
	case 'C':
		le->cur = word ? word_right(le, le->cur) :
		    next_boundary(le, le->cur);
		break;
	case 'D':
		le->cur = word ? word_left(le, le->cur) :
		    prev_boundary(le, le->cur);
		break;
	case 'H':
		le->cur = 0;
		break;
	case 'F':
		le->cur = le->len;
		break;
	default:
		break;	/* function keys and the rest: swallowed */
	}
}

static enum lineedit_event
do_csi(struct lineedit *le, uint8_t final)
{
	unsigned p1, p2;

	if (seq_params(le, &p1, &p2) != 0)
		return LE_NONE;
	if (final == '~') {
		switch (p1) {
		case 1:
		case 7:
			le->cur = 0;
			break;
		case 4:
		case 8:
			le->cur = le->len;
			break;
		case 3:
			key_delete(le);
			break;
		default:
			break;	/* 200/201 (bracketed paste), F-keys, ... */
		}
		return LE_NONE;
	}
	/* xterm modifiers: 1 + (shift 1 | alt 2 | ctrl 4). */
	key_move(le, final, p2 > 1 && ((p2 - 1) & 6) != 0);
	return LE_NONE;
}

static enum lineedit_event
do_ss3(struct lineedit *le, uint8_t final, struct buf *line)
{
	if (final == 'M')	/* keypad Enter in application mode */
		return key_enter(le, line);
	key_move(le, final, 0);
	return LE_NONE;
}

/* ESC followed by a printable byte: Alt+key. */
static void
do_meta(struct lineedit *le, uint8_t c)
{
	switch (c) {
	case 'b':
		le->cur = word_left(le, le->cur);
		break;
	case 'f':
		le->cur = word_right(le, le->cur);
		break;
	case 'd':
		delete_range(le, le->cur, word_right(le, le->cur));
		break;
	default:
		break;
	}
}

static enum lineedit_event
do_control(struct lineedit *le, uint8_t c, struct buf *line)
{
	static const uint8_t space = ' ';

	switch (c) {
	case 0x01:		/* Ctrl-A */
		le->cur = 0;
		break;
	case 0x02:		/* Ctrl-B */
		le->cur = prev_boundary(le, le->cur);
		break;
	case 0x03:		/* Ctrl-C */
		hist_drop_saved(le);
		clear_text(le);
		return LE_INTERRUPT;
	case 0x04:		/* Ctrl-D */
		if (le->len == 0)
			return LE_EOF;
		key_delete(le);
		break;
	case 0x05:		/* Ctrl-E */
		le->cur = le->len;
		break;
	case 0x06:		/* Ctrl-F */
		le->cur = next_boundary(le, le->cur);
		break;
	case 0x08:		/* Ctrl-H */
	case 0x7f:		/* DEL, what Backspace sends */
		key_backspace(le);
		break;
	case '\t':		/* pasted tabs: the editor holds no controls */
		insert(le, &space, 1);
		break;
	case '\r':
		le->after_cr = 1;
		return key_enter(le, line);
	case '\n':
		return key_enter(le, line);
	case 0x0b:		/* Ctrl-K */
		delete_range(le, le->cur, le->len);
		break;
	case 0x0c:		/* Ctrl-L */
		return LE_REDRAW;
	case 0x0e:		/* Ctrl-N */
		hist_down(le);
		break;
	case 0x10:		/* Ctrl-P */
		hist_up(le);
		break;
	case 0x15:		/* Ctrl-U */
		delete_range(le, 0, le->cur);
		break;
	case 0x17:		/* Ctrl-W */
		delete_range(le, word_left(le, le->cur), le->cur);
		break;
	case 0x1b:
		le->state = ST_ESC;
		break;
	default:
		break;	/* other controls are dropped */
	}
	return LE_NONE;
}

static void
u8_drop(struct lineedit *le)
{
	sodium_memzero(le->u8, sizeof(le->u8));
	le->u8_len = le->u8_need = 0;
}

/* Collects a parameter or intermediate byte of a CSI or SS3 sequence. */
static void
seq_add(struct lineedit *le, uint8_t c)
{
	if (le->seq_len < SEQ_MAX)
		le->seq[le->seq_len++] = c;
	else
		le->seq_long = 1;
}

static void
seq_start(struct lineedit *le, enum le_state st)
{
	sodium_memzero(le->seq, sizeof(le->seq));
	le->seq_len = 0;
	le->seq_long = 0;
	le->state = st;
}

/*
 * One input byte.  Sets *again when c ended a sequence it does not belong
 * to (a control or a non-ASCII byte inside ESC/CSI/SS3): the state is then
 * back to ST_GROUND and c must be processed once more, so that e.g. a lone
 * ESC followed by Enter still enters the line.  *again is never set in
 * ST_GROUND, so this terminates.
 */
static enum lineedit_event
step(struct lineedit *le, uint8_t c, struct buf *line, int *again)
{
	int after_cr = le->after_cr;
	size_t k;
	uint32_t cp;

	*again = 0;
	le->after_cr = 0;
	switch (le->state) {
	case ST_ESC:
		le->state = ST_GROUND;
		if (c == '[') {
			seq_start(le, ST_CSI);
		} else if (c == 'O') {
			seq_start(le, ST_SS3);
		} else if (c == 0x1b) {
			le->state = ST_ESC;	/* the first was a lone ESC */
		} else if (c == 0x7f || c == 0x08) {
			delete_range(le, word_left(le, le->cur), le->cur);
		} else if (c >= 0x20 && c < 0x7f) {
			do_meta(le, c);
		} else {
			*again = 1;
		}
		return LE_NONE;
	case ST_CSI:
	case ST_SS3:
		if (c >= 0x20 && c <= 0x3f) {
			seq_add(le, c);
			return LE_NONE;
		}
		if (c >= 0x40 && c <= 0x7e) {
			enum lineedit_event ev;

			ev = le->state == ST_CSI ? do_csi(le, c) :
			    do_ss3(le, c, line);
			seq_start(le, ST_GROUND);
			return ev;
		}
		seq_start(le, ST_GROUND);
		*again = 1;
		return LE_NONE;
	case ST_GROUND:
		break;
	}

	if (le->u8_need > 0) {
		if (u8_cont_ok(le->u8, le->u8_len, c)) {
			le->u8[le->u8_len++] = c;
			if (le->u8_len < le->u8_need)
				return LE_NONE;
			if (u8_next(le->u8, le->u8_len, &cp) == le->u8_len &&
			    cp_allowed(cp))
				insert(le, le->u8, le->u8_len);
			u8_drop(le);
			return LE_NONE;
		}
		/* Broken off: the partial character goes, c starts afresh. */
		u8_drop(le);
	}
	if (c >= 0x80) {
		if ((k = u8_seqlen(c)) != 0) {
			le->u8[0] = c;
			le->u8_len = 1;
			le->u8_need = k;
		}
		return LE_NONE;
	}
	if (c == '\n' && after_cr)
		return LE_NONE;	/* the LF of a CR LF */
	if (c >= 0x20 && c < 0x7f) {
		insert(le, &c, 1);
		return LE_NONE;
	}
	return do_control(le, c, line);
}

enum lineedit_event
lineedit_feed(struct lineedit *le, const uint8_t *in, size_t n, size_t *used,
    struct buf *line)
{
	enum lineedit_event ev = LE_NONE;
	size_t i = 0;
	int again;

	while (i < n && ev == LE_NONE) {
		ev = step(le, in[i], line, &again);
		if (!again)
			i++;
	}
	*used = i;
	return ev;
}

/* --- life cycle --------------------------------------------------------- */

struct lineedit *
lineedit_new(size_t max_bytes)
{
	struct lineedit *le;

	if (max_bytes == 0 || (le = calloc(1, sizeof(*le))) == NULL)
		return NULL;
	le->max = max_bytes;
	le->cols = DEFAULT_COLS;
	if ((le->text = calloc(1, max_bytes)) == NULL ||
	    (le->saved = calloc(1, max_bytes)) == NULL) {
		lineedit_free(le);
		return NULL;
	}
	return le;
}

void
lineedit_free(struct lineedit *le)
{
	size_t i;

	if (le == NULL)
		return;
	if (le->text != NULL) {
		sodium_memzero(le->text, le->max);
		free(le->text);
	}
	if (le->saved != NULL) {
		sodium_memzero(le->saved, le->max);
		free(le->saved);
	}
	for (i = 0; i < le->hist_n; i++) {
		sodium_memzero(le->hist[i].p, le->hist[i].n);
		free(le->hist[i].p);
	}
	sodium_memzero(le, sizeof(*le));
	free(le);
}

/* Appends p[0..n) to the prompt; 0, or -1 (nothing added) if full. */
static int
prompt_add(struct lineedit *le, const void *p, size_t n)
{
	if (n > LINEEDIT_PROMPT_MAX - le->prompt_len)
		return -1;
	memcpy(le->prompt + le->prompt_len, p, n);
	le->prompt_len += n;
	le->prompt[le->prompt_len] = '\0';
	return 0;
}

void
lineedit_set_prompt(struct lineedit *le, const char *prompt)
{
	const uint8_t *p = (const uint8_t *)prompt;
	size_t n, i, j, k;
	uint32_t cp;
	int sgr, r = 0;

	memset(le->prompt, 0, sizeof(le->prompt));
	le->prompt_len = 0;
	le->prompt_sgr = 0;
	n = prompt == NULL ? 0 : strlen(prompt);
	for (i = 0; i < n && r == 0; i += k) {
		k = 1;
		if (p[i] == 0x1b) {
			if (i + 1 >= n || p[i + 1] != '[')
				continue;	/* lone ESC: dropped */
			sgr = 1;
			for (j = i + 2; j < n && p[j] >= 0x20 && p[j] <= 0x3f;
			    j++) {
				if ((p[j] < '0' || p[j] > '9') && p[j] != ';')
					sgr = 0;
			}
			if (j == n || p[j] < 0x40 || p[j] > 0x7e) {
				k = j - i;	/* unterminated: dropped */
				continue;
			}
			k = j + 1 - i;
			/* Colours only: no cursor motion, no other CSI. */
			if (sgr && p[j] == 'm') {
				r = prompt_add(le, p + i, k);
				le->prompt_sgr |= r == 0;
			}
			continue;
		}
		if (p[i] == '\t') {
			r = prompt_add(le, " ", 1);
			continue;
		}
		if ((k = u8_next(p + i, n - i, &cp)) == 0) {
			k = 1;		/* invalid UTF-8: dropped */
			continue;
		}
		if (cp_allowed(cp))
			r = prompt_add(le, p + i, k);
	}
}

void
lineedit_set_width(struct lineedit *le, int cols)
{
	le->cols = cols < 1 ? DEFAULT_COLS : cols;
}

const uint8_t *
lineedit_peek_text(const struct lineedit *le, size_t *len)
{
	*len = le->len;
	return le->text;
}

size_t
lineedit_get_cursor(const struct lineedit *le)
{
	return le->cur;
}

/* --- rendering ---------------------------------------------------------- */

/* Length of the SGR sequence at the prompt's byte i (an ESC there). */
static size_t
prompt_sgr_len(const struct lineedit *le, size_t i)
{
	size_t j = i + 1;

	while (j < le->prompt_len && le->prompt[j] != 'm')
		j++;
	return j < le->prompt_len ? j + 1 - i : le->prompt_len - i;
}

/* Walks the prompt: columns of its visible characters.  With out, also
 * appends it, its visible characters cut at 'budget' columns but all of
 * its SGR sequences kept (so a closing reset still applies). */
static int
prompt_walk(const struct lineedit *le, size_t budget, struct buf *out,
    size_t *shown)
{
	const uint8_t *p = (const uint8_t *)le->prompt;
	size_t i, k, w = 0, cw;
	uint32_t cp;
	int r, full = 0;

	*shown = 0;
	for (i = 0; i < le->prompt_len; i += k) {
		if (p[i] == 0x1b) {
			k = prompt_sgr_len(le, i);
			if (out != NULL && (r = buf_put(out, p + i, k)) != 0)
				return r;
			continue;
		}
		if ((k = u8_next(p + i, le->prompt_len - i, &cp)) == 0) {
			k = 1;	/* cannot happen: set_prompt keeps it valid */
			continue;
		}
		cw = (size_t)cp_width(cp);
		if (full || w + cw > budget) {
			full = 1;
			continue;
		}
		if (out != NULL && (r = buf_put(out, p + i, k)) != 0)
			return r;
		w += cw;
	}
	*shown = w;
	return 0;
}

/*
 * Places le->scroll so that the cursor, and the character under it, fall
 * inside a window of textw columns.  The window stays put while the cursor
 * moves inside it; when the cursor leaves it, it is re-centred on the
 * cursor; it is pulled left when the text ends short of its right edge.
 */
static void
fix_scroll(struct lineedit *le, size_t textw)
{
	size_t need, w, s, p, tail;
	uint32_t cp;
	int bad;

	need = 1;
	if (le->cur < le->len &&
	    u8_next(le->text + le->cur, le->len - le->cur, &cp) != 0 &&
	    cp_width(cp) > 1)
		need = (size_t)cp_width(cp);
	bad = le->scroll > le->cur || (le->scroll < le->len &&
	    is_cont(le->text[le->scroll]));
	if (!bad && text_width(le, le->scroll, le->cur) + need > textw)
		bad = 1;
	if (bad) {
		s = le->cur;
		w = 0;
		while (s > 0) {
			p = prev_boundary(le, s);
			if (w + text_width(le, p, s) > textw / 2)
				break;
			w += text_width(le, p, s);
			s = p;
		}
		le->scroll = s;
	}
	tail = text_width(le, le->scroll, le->len) + 1;
	while (le->scroll > 0) {
		p = prev_boundary(le, le->scroll);
		w = text_width(le, p, le->scroll);
		if (tail + w > textw)
			break;
		tail += w;
		le->scroll = p;
	}
}

static int
render(struct lineedit *le, struct buf *out)
{
	static const char clear[] = "\r\x1b[K", reset[] = "\x1b[0m";
	size_t usable, pw, budget, textw, a, b, w, k;
	uint32_t cp;
	char cup[24];
	int r, len;

	if ((r = buf_put(out, clear, sizeof(clear) - 1)) != 0)
		return r;

	/* The last column stays free: a character there would leave the
	 * terminal about to wrap, and the cursor needs a cell at the end. */
	usable = (size_t)le->cols - 1;
	(void)prompt_walk(le, SIZE_MAX, NULL, &pw);
	budget = pw;
	if (pw + MIN_TEXT_COLS > usable && pw > usable / 2)
		budget = usable / 2;
	if ((r = prompt_walk(le, budget, out, &pw)) != 0)
		return r;
	if (le->prompt_sgr && (r = buf_put(out, reset, sizeof(reset) - 1)) != 0)
		return r;
	textw = usable > pw ? usable - pw : 1;

	fix_scroll(le, textw);
	/* Zero-width marks at the window's edge would combine with the
	 * prompt; they add no columns, so skipping them moves nothing. */
	for (a = le->scroll; a < le->len; a += k) {
		if ((k = u8_next(le->text + a, le->len - a, &cp)) == 0 ||
		    cp_width(cp) != 0)
			break;
	}
	for (b = a, w = 0; b < le->len; b += k) {
		if ((k = u8_next(le->text + b, le->len - b, &cp)) == 0 ||
		    w + (size_t)cp_width(cp) > textw)
			break;
		w += (size_t)cp_width(cp);
	}
	if ((r = buf_put(out, le->text + a, b - a)) != 0)
		return r;

	w = pw + (le->cur > a ? text_width(le, a, le->cur) : 0);
	if (w > usable)
		w = usable;
	len = snprintf(cup, sizeof(cup), "\x1b[%zuG", w + 1);
	if (len < 0 || (size_t)len >= sizeof(cup))
		return ERR_INTERNAL;
	return buf_put(out, cup, (size_t)len);
}

int
lineedit_render(struct lineedit *le, struct buf *out)
{
	size_t before = buf_len(out);
	int r;

	if ((r = render(le, out)) != 0)
		buf_unput(out, buf_len(out) - before);
	return r;
}

int
lineedit_render_clear(struct lineedit *le, struct buf *out)
{
	(void)le;	/* one row, always: nothing to remember */
	return buf_put(out, "\r\x1b[K", 4);
}

/* --- terminal ----------------------------------------------------------- */

int
lineedit_raw_enter(int fd, struct termios *saved)
{
	struct termios orig, t;

	if (tcgetattr(fd, &orig) != 0)
		return ERR_IO;
	t = orig;
	/* Bytes arrive unchanged: CR stays CR (Enter), no 8th-bit strip
	 * (UTF-8), no XON/XOFF (Ctrl-S would freeze the chat). */
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR |
	    IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
	t.c_cflag |= CS8;
	/* OPOST stays: printed "\n" still becomes "\r\n". */
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	/* TCSADRAIN, not TCSAFLUSH: keystrokes typed ahead are kept. */
	while (tcsetattr(fd, TCSADRAIN, &t) != 0) {
		if (errno != EINTR)
			return ERR_IO;
	}
	*saved = orig;
	return 0;
}

int
lineedit_raw_leave(int fd, const struct termios *saved)
{
	while (tcsetattr(fd, TCSADRAIN, saved) != 0) {
		if (errno != EINTR)
			return ERR_IO;
	}
	return 0;
}
