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
#define TUI_MAX_WINDOWS		9	/* Alt-1 ... Alt-9 */
/* The length counter shows from this many bytes on. */
#define TUI_COUNTER_FROM	(MSG_MAX_TEXT_TUI * 3 / 4)
#define MSG_MAX_TEXT_TUI	4096

enum tui_ask {
	TUI_ASK_NONE = 0,
	TUI_ASK_PASTE,		/* send N lines? */
	TUI_ASK_LEAVE,		/* 'bye' or 'exit' typed alone */
	TUI_ASK_QUIT,		/* Ctrl-C with messages still going out */
	TUI_ASK_SECRET,		/* a password or invitation, not echoed */
};

struct tui_child;		/* tui_child.c */

struct tui_member {
	uint32_t	 id;
	char		 name[TUI_NAME_MAX];
	char		 tag[IDENTITY_TAG_LEN + 1];
	uint8_t		 pk[IDENTITY_PK_BYTES];
	int		 color;
	int		 verified;
};

/* One window: a conversation's scrollback, input line, members. */
struct tui_win {
	struct tui_scroll	 sb;
	/* The view: following the end, or the top at a line and a row
	 * within it, kept while new lines arrive. */
	int			 follow;
	uint64_t		 top_seq;
	size_t			 top_row;
	size_t			 below;		/* lines under the view */
	struct lineedit		*le;
	char			 prompt[128];
	int			 room;
	char			 title[256];
	enum term_link		 link;
	struct tui_member	*mem;
	size_t			 nmem, capmem;
	unsigned		 mentions;	/* since you last typed */
	int			 activity;	/* lines since last shown */
	/* The read marker: the first line to come while the window is
	 * not watched is preceded by a marker line; only the newest
	 * marker is drawn. */
	int			 marked;
	uint64_t		 mark_seq;
	char			*invitation;	/* sodium_malloc'd, or NULL */
	struct tui_child	*child;		/* NULL: the program's own */
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
	struct tui_win		*win[TUI_MAX_WINDOWS];
	size_t			 nwin;
	struct tui_win		*w;		/* shown: win[cur] */
	struct tui_win		*m;		/* the program's own: win[0] */
	size_t			 cur;
	struct tui_keys		 keys;
	struct buf		 line;		/* lineedit's entered line */
	int			 input_on, held, eof_sent;
	size_t			 pending;	/* lines not acknowledged */
	enum tui_ask		 ask;
	struct buf		 pasted;	/* NUL-separated lines */
	int			 npasted;
	char			 ask_word[8];	/* for TUI_ASK_LEAVE */
	struct buf		 secret;	/* TUI_ASK_SECRET: typed so far */
	struct buf		 secret1;	/* /host: the first of two */
	struct buf		 secret2;	/* /join: a guarded room's answer */
	char			 secret_for[300];	/* what it is for */
	char			 self[TUI_NAME_MAX];
	int			 self_color;
	char			 confdir[PATH_MAX];
	int			 show_members;
	char			 ignored[TUI_MAX_IGNORED][TUI_NAME_MAX];
	size_t			 nignored;
	int			 away;
	int			 unfocused;	/* the terminal lost focus */
	unsigned		 pairs[256];	/* colour pair per index */
	int			 npairs;
};

/* tui.c */
void	 tui_dirty(struct tui *ui);
void	 tui_local(struct tui *ui, enum tui_kind kind, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
struct tui_member *tui_member_find(struct tui *ui, const char *name);
/* tui_member / tui_member_gone for window w (a child's, from its member
 * lines: memline.h). */
void	 tui_win_member(struct tui *ui, struct tui_win *w, uint32_t id,
	    const char *name, int color, const uint8_t pk[32]);
void	 tui_win_member_gone(struct tui *ui, struct tui_win *w, uint32_t id);
/* Sends text as one message, never a command. */
void	 tui_say(struct tui *ui, const char *text, size_t len);
/* Hands a line to the conversation as typed. */
void	 tui_pass(struct tui *ui, const char *line, size_t len);
void	 tui_quit(struct tui *ui);

/* tui_win.c */
struct tui_win *tui_win_new(struct tui *ui);
void	 tui_win_free(struct tui_win *w);
void	 tui_win_remove(struct tui *ui, struct tui_win *w);
size_t	 tui_win_index(const struct tui *ui, const struct tui_win *w);
void	 tui_win_show(struct tui *ui, size_t i);
void	 tui_win_activity(const struct tui *ui, char *out, size_t outlen);
/* tui.c: a line for window w (text sanitized there). */
void	 tui_win_add(struct tui *ui, struct tui_win *w, enum tui_kind kind,
	    int flags, const char *name, int color, const uint8_t *text,
	    size_t len);

/* tui_child.c: a conversation run by a child sotto in line mode, its
 * secret handed over on a pipe (never in argv or the environment). */
#define TUI_CHILD_SECRETS	3	/* on fds 3, 4, 5 */
#define TUI_CHILD_MAX_ARGS	16	/* a child's argv, before the proxy options */
int	 tui_child_start(struct tui *ui, struct tui_win *w, char *const argv[],
	    const struct buf *secrets, size_t nsecrets);
/* Writes a line (and LF) to the child's stdin; 0 or -1. */
int	 tui_child_write(struct tui_win *w, const char *line, size_t len);
/* Ends the child (SIGTERM), waits for it, frees its part of w. */
void	 tui_child_end(struct tui_win *w);

/* tui_cmd_win.c: /join, /connect, /close, /window; 1 when handled. */
int	 tui_cmd_win(struct tui *ui, const char *line, size_t len);
/* The secret asked for (TUI_ASK_SECRET) was typed: start the window. */
void	 tui_cmd_win_secret(struct tui *ui);

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
/* 1 if line is the command w, alone or with an argument: *arg and
 * *alen are then the argument, blanks around it dropped. */
int	 tui_is_cmd(const char *line, size_t len, const char *w,
	    const char **arg, size_t *alen);

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
