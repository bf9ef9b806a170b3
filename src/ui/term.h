/*
 * term.h: the chat's terminal: reading the user's lines and showing
 * messages and notices.  Three views of a conversation: on a terminal
 * (stdin and stdout both ttys, no --plain, TERM not dumb) the full-screen
 * view (tui.h) once the conversation takes input, and a line editor
 * whose input line is redrawn after every message before that (or when
 * curses cannot start, or TERM=dumb); otherwise line mode for scripts
 * and tests: one stdin line is one message, output is "NAME: TEXT" and
 * notices start with "* ".
 * Remote text is sanitized here, and only here, before it is printed.
 */
#ifndef SOTTO_TERM_H
#define SOTTO_TERM_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct term;

struct term_cbs {
	/* A line the user entered (UTF-8, no newline; not NUL-terminated). */
	void	(*line)(const char *line, size_t len, void *arg);
	/* End of input: Ctrl-D, end of stdin, Ctrl-C, SIGINT, SIGTERM.
	 * 'interrupted' is 1 for Ctrl-C and signals. */
	void	(*eof)(int interrupted, void *arg);
	/* A line to send as a message, never as a command nor 'bye' (one
	 * line of a paste in the full-screen view).  May be NULL. */
	void	(*text)(const char *line, size_t len, void *arg);
};

/* The state of a conversation's link, for the status bar. */
enum term_link {
	TERM_LINK_CONNECTING = 0,
	TERM_LINK_UP,
	TERM_LINK_DOWN,
};

/* NULL on failure.  'plain' forces line mode. */
struct term *term_new(struct event_base *base, int plain,
	    const struct term_cbs *cbs, void *arg);
/* Restores the terminal and frees; NULL is a no-op. */
void	 term_free(struct term *t);

/* 1 in terminal mode, 0 in line mode. */
int	 term_interactive(const struct term *t);
/* Reading user input on or off (off until the chat is ready). */
void	 term_input(struct term *t, int on);
/* Stops (1) or resumes (0) reading stdin, without dropping what was
 * already read: backpressure while the network is behind. */
void	 term_hold(struct term *t, int held);
/* How many lines the user typed are not yet acknowledged by the peer
 * (or the relay): the full-screen view asks before Ctrl-C drops them.
 * No effect in line mode. */
void	 term_pending(struct term *t, size_t n);
/* The input prompt (terminal mode only; may hold colour sequences). */
void	 term_set_prompt(struct term *t, const char *prompt);
/* An SGR colour sequence for a 256-colour palette index, or "" when
 * colours are off (line mode, NO_COLOR set, or not a terminal). */
const char *term_color(const struct term *t, int idx, char buf[16]);
const char *term_reset(const struct term *t);

/* "NAME: TEXT" (text is remote: sanitized; name must be valid). */
void	 term_message(struct term *t, const char *name, int color,
	    const uint8_t *text, size_t len);
/* "* NAME TEXT" for /me. */
void	 term_action(struct term *t, const char *name, int color,
	    const uint8_t *text, size_t len);
/* "* " and local text (printf format, trusted). */
void	 term_notice(struct term *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* "NAME: TEXT" for a message only you got (a mention in the full-screen
 * view); in line mode exactly term_message. */
void	 term_private(struct term *t, const char *name, int color,
	    const uint8_t *text, size_t len);

/*
 * What the full-screen view shows besides the lines (term_view.c); in
 * line mode these do nothing.  Strings are copied.
 *   set_title: what this conversation is (room: 1 for a room);
 *   set_self: your name and colour, and the configuration directory
 *     where /trust keeps its records (trust.h);
 *   set_link: the link's state;
 *   member / member_gone: who is in the conversation (id 0 for a 1:1
 *     peer), with the identity key the view shows a tag of and checks
 *     the /trust records against.
 */
void	 term_set_title(struct term *t, int room, const char *title);
void	 term_set_self(struct term *t, const char *name, int color,
	    const char *confdir);
void	 term_set_link(struct term *t, enum term_link link);
void	 term_member(struct term *t, uint32_t id, const char *name, int color,
	    const uint8_t pk[32]);
void	 term_member_gone(struct term *t, uint32_t id);
/* A room's invitation, for /invite: the view keeps it in guarded
 * memory (it holds the room's secret) and wipes it when freed. */
void	 term_set_invitation(struct term *t, const char *invitation);

/* "sotto: " and local text on stderr. */
void	 term_error(struct term *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
