/* tui_keys.c: keys and bracketed paste from raw bytes (see tui_keys.h). */
#include <string.h>

#include <sodium.h>

#include "err.h"
#include "sanitize.h"
#include "tui_keys.h"

static const uint8_t PASTE_BEGIN[] = "\x1b[200~";
static const uint8_t PASTE_END[] = "\x1b[201~";

void
tui_keys_init(struct tui_keys *k)
{
	memset(k, 0, sizeof(*k));
	buf_init(&k->paste, TUI_PASTE_MAX);
}

void
tui_keys_release(struct tui_keys *k)
{
	buf_release(&k->paste);	/* wipes */
	sodium_memzero(k->seq, sizeof(k->seq));
	k->seqlen = 0;
}

const struct buf *
tui_keys_paste(const struct tui_keys *k, size_t *overflow)
{
	*overflow = k->overflow;
	return &k->paste;
}

void
tui_keys_paste_done(struct tui_keys *k)
{
	buf_reset(&k->paste);
	k->overflow = 0;
}

static int
seq_is(const struct tui_keys *k, const char *s)
{
	size_t n = strlen(s);

	return k->seqlen == n && memcmp(k->seq, s, n) == 0;
}

/* A complete escape sequence: which key it is. */
static enum tui_key
name_seq(const struct tui_keys *k)
{
	if (seq_is(k, "\x1b[5~"))
		return TK_PGUP;
	if (seq_is(k, "\x1b[6~"))
		return TK_PGDN;
	if (seq_is(k, "\x1b[H") || seq_is(k, "\x1b[1~") ||
	    seq_is(k, "\x1b[7~") || seq_is(k, "\x1bOH"))
		return TK_HOME;
	if (seq_is(k, "\x1b[F") || seq_is(k, "\x1b[4~") ||
	    seq_is(k, "\x1b[8~") || seq_is(k, "\x1bOF"))
		return TK_END;
	if (seq_is(k, "\x1b[1;5H") || seq_is(k, "\x1b[1;3H") ||
	    seq_is(k, "\x1b[7;5~") || seq_is(k, "\x1b[1;5~"))
		return TK_TOP;
	if (seq_is(k, "\x1b[1;5F") || seq_is(k, "\x1b[1;3F") ||
	    seq_is(k, "\x1b[8;5~") || seq_is(k, "\x1b[4;5~"))
		return TK_BOTTOM;
	if (seq_is(k, "\x1bOQ") || seq_is(k, "\x1b[12~"))
		return TK_MEMBERS;
	if (seq_is(k, "\x1bOM"))
		return TK_ENTER;
	if (seq_is(k, "\x1b[I"))
		return TK_FOCUS_IN;
	if (seq_is(k, "\x1b[O"))
		return TK_FOCUS_OUT;
	return TK_OTHER;
}

/* Is the escape sequence in k->seq complete? */
static int
seq_complete(const struct tui_keys *k)
{
	uint8_t last = k->seq[k->seqlen - 1];

	if (k->seqlen < 2)
		return 0;
	if (k->seq[1] == '[')
		return k->seqlen > 2 && last >= 0x40 && last <= 0x7e;
	if (k->seq[1] == 'O')
		return k->seqlen == 3;
	return 1;		/* ESC and one byte: Alt-key */
}

/* In a paste: gather bytes, watching for the end marker (which may come
 * split across reads). */
static enum tui_key
feed_paste(struct tui_keys *k, const uint8_t *in, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (k->seqlen > 0 || in[i] == 0x1b) {
			k->seq[k->seqlen++] = in[i];
			if (memcmp(k->seq, PASTE_END, k->seqlen) == 0) {
				if (k->seqlen == sizeof(PASTE_END) - 1) {
					k->seqlen = 0;
					k->pasting = 0;
					*used = i + 1;
					return TK_PASTE;
				}
				continue;
			}
			/* Not the end marker: it was pasted text (but an ESC
			 * that broke the match may start the marker). */
			{
				size_t keep = in[i] == 0x1b ? 1 : 0;

				if (buf_put(&k->paste, k->seq,
				    k->seqlen - keep) != 0)
					k->overflow += k->seqlen - keep;
				k->seqlen = keep;
				if (keep)
					k->seq[0] = 0x1b;
			}
			continue;
		}
		if (buf_put(&k->paste, &in[i], 1) != 0)
			k->overflow++;
	}
	*used = n;
	return TK_NONE;
}

enum tui_key
tui_keys_feed(struct tui_keys *k, const uint8_t *in, size_t n, size_t *used,
    const uint8_t **key, size_t *keylen)
{
	enum tui_key r;
	size_t i;
	uint8_t c;

	*key = k->seq;
	*keylen = 0;
	if (k->pasting)
		return feed_paste(k, in, n, used);
	for (i = 0; i < n; i++) {
		c = in[i];
		if (k->seqlen > 0 && k->seq[0] == 0x1b) {
			if (k->seqlen == TUI_KEY_SEQ_MAX)
				k->seqlen = 0;	/* garbage: drop it */
			k->seq[k->seqlen++] = c;
			if (k->seqlen == 2 && c == 0x1b) {
				/* ESC ESC: the first was a lone Escape. */
				k->seqlen = 1;
				continue;
			}
			if (!seq_complete(k))
				continue;
			*used = i + 1;
			*keylen = k->seqlen;
			r = name_seq(k);
			k->seqlen = 0;
			if (*keylen == sizeof(PASTE_BEGIN) - 1 &&
			    memcmp(k->seq, PASTE_BEGIN, *keylen) == 0) {
				k->pasting = 1;
				tui_keys_paste_done(k);
				r = feed_paste(k, in + i + 1, n - i - 1, used);
				*used += i + 1;
				*keylen = 0;
				return r;
			}
			return r;
		}
		if (k->need > 0) {
			if ((c & 0xc0) == 0x80 && k->seqlen < TUI_KEY_SEQ_MAX) {
				k->seq[k->seqlen++] = c;
				if (--k->need > 0)
					continue;
				*used = i + 1;
				*keylen = k->seqlen;
				k->seqlen = 0;
				return TK_OTHER;
			}
			/* A cut sequence: hand it on, lineedit drops it. */
			*used = i;
			*keylen = k->seqlen;
			k->seqlen = 0;
			k->need = 0;
			return TK_OTHER;
		}
		if (k->after_cr && c == '\n') {
			k->after_cr = 0;
			continue;
		}
		k->after_cr = 0;
		k->seq[0] = c;
		k->seqlen = 1;
		if (c == 0x1b)
			continue;
		if (c >= 0xc2 && c <= 0xf4) {
			k->need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
			continue;
		}
		*used = i + 1;
		*keylen = 1;
		k->seqlen = 0;
		switch (c) {
		case '\r':
			k->after_cr = 1;
			return TK_ENTER;
		case '\n':
			return TK_ENTER;
		case '\t':
			return TK_TAB;
		case 0x03:
			return TK_CTRL_C;
		case 0x02:
			return TK_MEMBERS;
		}
		return TK_OTHER;
	}
	*used = n;
	return TK_NONE;
}

int
tui_paste_lines(const uint8_t *p, size_t n, struct buf *out)
{
	size_t off = 0, k, count = 0;
	uint32_t cp;
	int open = 0, r;

	while (off < n) {
		if (p[off] == '\r' || p[off] == '\n') {
			if (p[off] == '\r' && off + 1 < n && p[off + 1] == '\n')
				off++;
			off++;
			if ((r = buf_put_u8(out, 0)) != 0)
				return r;
			count++;
			open = 0;
			continue;
		}
		k = ui_utf8_next(p + off, n - off, &cp);
		open = 1;
		if (cp == '\t')
			r = buf_put_u8(out, ' ');
		else if (cp == UI_UTF8_INVALID || cp < 0x20 ||
		    (cp >= 0x7f && cp <= 0x9f))
			r = 0;
		else
			r = buf_put(out, p + off, k);
		if (r != 0)
			return r;
		off += k;
	}
	if (open) {
		if ((r = buf_put_u8(out, 0)) != 0)
			return r;
		count++;
	}
	return count > 0x7fffffff ? ERR_TOO_LARGE : (int)count;
}
