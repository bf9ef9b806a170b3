/*
 * tui_scroll.h: a window's scrollback, a ring of at most TUI_SCROLL_LINES
 * lines (and TUI_SCROLL_BYTES bytes of text): the oldest line goes when
 * either bound is reached.  Pure data, no terminal: the full-screen view
 * (tui.c) draws from it.  Every line carries a sequence number that
 * grows by one per line ever added, so a position kept by the view
 * survives lines dropping off the top.
 *
 * Text is stored as given: the caller has sanitized remote text
 * (sanitize.h) before it gets here.  A line whose local date differs
 * from the previous line's is preceded by a day-change line.
 */
#ifndef SOTTO_TUI_SCROLL_H
#define SOTTO_TUI_SCROLL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TUI_SCROLL_LINES	10000
#define TUI_SCROLL_BYTES	(8u * 1024 * 1024)

enum tui_kind {
	TUI_L_MSG = 0,		/* "NAME: TEXT" */
	TUI_L_ACTION,		/* "* NAME TEXT" */
	TUI_L_NOTICE,		/* "* TEXT" */
	TUI_L_ERROR,		/* "! TEXT" */
	TUI_L_DAY,		/* "--- day changed to ... ---" */
	TUI_L_MARK,		/* the read marker: unread lines below */
};

/* Line flags. */
#define TUI_F_MENTION	0x01	/* names you, or private to you */
#define TUI_F_PRIVATE	0x02
#define TUI_F_SELF	0x04	/* what you said */

struct tui_line {
	uint64_t	 seq;
	time_t		 when;
	uint8_t		 kind;		/* enum tui_kind */
	uint8_t		 flags;
	int		 color;		/* of the name: 256-colour index */
	char		*name;		/* NUL-terminated; "" for none */
	char		*text;		/* NUL-terminated, valid UTF-8 */
	size_t		 len;		/* strlen(text) */
};

struct tui_scroll {
	struct tui_line	*ring;
	size_t		 cap, max_lines, head, n;
	size_t		 bytes, max_bytes;
	uint64_t	 next_seq;
	int		 last_yday, last_year;	/* of the newest line; -1 */
};

/* An empty scrollback with the given bounds (0: the defaults above).
 * 0 or ERR_ALLOC. */
int	 tui_scroll_init(struct tui_scroll *s, size_t max_lines,
	    size_t max_bytes);
/* Frees every line; s may be reinitialised after. */
void	 tui_scroll_release(struct tui_scroll *s);
/* Drops every line (sequence numbers keep growing). */
void	 tui_scroll_clear(struct tui_scroll *s);

/*
 * Appends a line (name may be NULL; text[0..len) copied; a text longer
 * than a quarter of max_bytes is cut at a character boundary).  A
 * day-change line goes first when 'when' falls on another local date
 * than the newest line.  Returns 0, or ERR_ALLOC with nothing added.
 */
int	 tui_scroll_add(struct tui_scroll *s, time_t when, enum tui_kind kind,
	    int flags, int color, const char *name, const char *text,
	    size_t len);

/* Number of lines held; the i-th oldest (0 <= i < n), or NULL. */
size_t	 tui_scroll_count(const struct tui_scroll *s);
const struct tui_line *tui_scroll_get(const struct tui_scroll *s, size_t i);
/* Sequence numbers of the oldest and newest line held (0 and 0, or
 * first > last, when empty), and the index of a sequence number
 * (clamped into what is held). */
uint64_t tui_scroll_first_seq(const struct tui_scroll *s);
size_t	 tui_scroll_index(const struct tui_scroll *s, uint64_t seq);

#endif
