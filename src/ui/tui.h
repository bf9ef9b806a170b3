/*
 * tui.h: the full-screen view of one conversation, on ncursesw: a title
 * line, the scrollback (tui_scroll.h), a status bar, the input line and,
 * in rooms, a member list.  term.c creates it on a terminal and hands it
 * everything the conversation says through the term_* calls; the view
 * starts drawing (tui_start) when the conversation first takes input, so
 * what comes before (addresses, the invitation) stays in the terminal's
 * own scrollback as plain lines, and is in the view's scrollback too.
 *
 * The view draws only with ncurses' wide-character calls, from text that
 * went through ui_sanitize: remote bytes never reach the terminal as
 * control sequences.  It does not switch to the alternate screen.
 */
#ifndef SOTTO_TUI_H
#define SOTTO_TUI_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "term.h"
#include "tui_scroll.h"

struct tui;

/* Settings from the config file; -1 / "" mean the defaults (colour on
 * unless NO_COLOR, bell on, "%H:%M"). */
struct tui_opts {
	int		 color;
	int		 ring;
	const char	*timestamp;
};

/* A view that draws nothing until tui_start.  NULL on failure. */
struct tui *tui_new(struct event_base *base, const struct term_cbs *cbs,
	    void *arg, const struct tui_opts *o);
/* Draws the last state, leaves curses (the last screen stays, the
 * cursor below it), frees.  NULL is a no-op. */
void	 tui_free(struct tui *ui);
/* Takes over the screen.  0, or ERR_IO when curses cannot start (then
 * the caller keeps the line editor). */
int	 tui_start(struct tui *ui);
int	 tui_active(const struct tui *ui);

/* A line for the scrollback.  text[0..len) is sanitized here (it may be
 * remote); name is sanitized too. */
void	 tui_add(struct tui *ui, enum tui_kind kind, int flags,
	    const char *name, int color, const uint8_t *text, size_t len);
/* Raw bytes from the keyboard. */
void	 tui_feed(struct tui *ui, const uint8_t *p, size_t n);
/* The terminal changed size (SIGWINCH): everything is redrawn. */
void	 tui_resize(struct tui *ui);

void	 tui_set_prompt(struct tui *ui, const char *prompt);
void	 tui_input(struct tui *ui, int on);
void	 tui_hold(struct tui *ui, int held);
/* Lines typed and not yet acknowledged (term_pending). */
void	 tui_pending(struct tui *ui, size_t n);
void	 tui_set_self(struct tui *ui, const char *name, int color,
	    const char *confdir);
void	 tui_set_title(struct tui *ui, int room, const char *title);
void	 tui_set_link(struct tui *ui, enum term_link link);
void	 tui_member(struct tui *ui, uint32_t id, const char *name, int color,
	    const uint8_t pk[32]);
void	 tui_member_gone(struct tui *ui, uint32_t id);
void	 tui_set_invitation(struct tui *ui, const char *invitation);

/* term.c: the view of a terminal, or NULL (line mode, TERM=dumb). */
struct tui *term_tui(const struct term *t);

#endif
