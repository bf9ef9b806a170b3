/*
 * tui_impl.h: the full-screen view's state, shared by its files only
 * (tui.c: events and input; tui_draw.c: the screen; tui_cmd.c: the
 * view's own commands; tui_help.c: the command table).
 */
#ifndef SOTTO_TUI_IMPL_H
#define SOTTO_TUI_IMPL_H

#include <limits.h>
#include <stdint.h>

#include "buf.h"
#include "identity.h"
#include "lineedit.h"
#include "term.h"
#include "tui.h"
#include "tui_keys.h"
#include "tui_scroll.h"

/* The input line holds more than one message, so a long paste can be
 * seen and cut down instead of lost. */
#define TUI_INPUT_MAX		16384
#define TUI_MAX_MEMBERS		1024
#define TUI_MAX_IGNORED		32
#define TUI_NAME_MAX		64
/* The length counter shows from this many bytes on. */
#define TUI_COUNTER_FROM	(MSG_MAX_TEXT_TUI * 3 / 4)
#define MSG_MAX_TEXT_TUI	4096

enum tui_ask {
	TUI_ASK_NONE = 0,
	TUI_ASK_PASTE,		/* send N lines? */
	TUI_ASK_LEAVE,		/* 'bye' or 'exit' typed alone */
	TUI_ASK_QUIT,		/* Ctrl-C with messages still going out */
};

struct tui_member {
	uint32_t	 id;
	char		 name[TUI_NAME_MAX];
	char		 tag[IDENTITY_TAG_LEN + 1];
	uint8_t		 pk[IDENTITY_PK_BYTES];
	int		 color;
	int		 verified;
};

struct tui {
	struct event_base	*base;
	struct term_cbs		 cbs;
	void			*arg;
	int			 color;		/* colours on */
	int			 ring;
	char			 tsfmt[32];
	int			 started;
	void			*screen;	/* SCREEN * */
	struct event		*ev_draw;
	struct tui_scroll	 sb;
	/* The view: following the end, or the top at a line and a row
	 * within it, kept while new lines arrive. */
	int			 follow;
	uint64_t		 top_seq;
	size_t			 top_row;
	size_t			 below;		/* lines under the view */
	struct lineedit		*le;
	struct tui_keys		 keys;
	struct buf		 line;		/* lineedit's entered line */
	char			 prompt[128];
	int			 input_on, held, eof_sent;
	enum tui_ask		 ask;
	struct buf		 pasted;	/* NUL-separated lines */
	int			 npasted;
	char			 ask_word[8];	/* for TUI_ASK_LEAVE */
	char			 self[TUI_NAME_MAX];
	int			 self_color;
	char			 confdir[PATH_MAX];
	int			 room;
	char			 title[256];
	enum term_link		 link;
	struct tui_member	*mem;
	size_t			 nmem, capmem;
	int			 show_members;
	char			 ignored[TUI_MAX_IGNORED][TUI_NAME_MAX];
	size_t			 nignored;
	int			 away;
	unsigned		 mentions;	/* since you last typed */
	/* The read marker: while the terminal has lost focus, the first
	 * line to come is preceded by a marker line; only the newest
	 * marker is drawn. */
	int			 unfocused, marked;
	uint64_t		 mark_seq;
	char			*invitation;	/* sodium_malloc'd, or NULL */
	unsigned		 pairs[256];	/* colour pair per index */
	int			 npairs;
};

/* tui.c */
void	 tui_dirty(struct tui *ui);
void	 tui_local(struct tui *ui, enum tui_kind kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
struct tui_member *tui_member_find(struct tui *ui, const char *name);
/* Sends text as one message, never a command. */
void	 tui_say(struct tui *ui, const char *text, size_t len);
/* Hands a line to the conversation as typed. */
void	 tui_pass(struct tui *ui, const char *line, size_t len);
void	 tui_quit(struct tui *ui);

/* tui_draw.c */
void	 tui_draw(struct tui *ui);
/* Rows the scrollback area has, and its text width, at this size. */
void	 tui_area(const struct tui *ui, int *top, int *rows, int *width);
/* Rows line l takes at text width w. */
size_t	 tui_line_rows(const struct tui *ui, const struct tui_line *l, int w);
void	 tui_scroll_by(struct tui *ui, long rows);
void	 tui_scroll_top(struct tui *ui);

/* tui_cmd.c: 1 when the view handled the line itself. */
int	 tui_cmd(struct tui *ui, const char *line, size_t len);

/* tui_help.c */
struct tui_help {
	const char	*name;		/* "/msg" */
	const char	*args;		/* "NAME TEXT", or "" */
	const char	*what;		/* one line */
	int		 where;		/* TUI_HELP_* */
};
#define TUI_HELP_1TO1	0x1
#define TUI_HELP_ROOM	0x2
#define TUI_HELP_BOTH	0x3
extern const struct tui_help tui_help[];
extern const size_t tui_nhelp;
const struct tui_help *tui_help_find(const char *name);

#endif
