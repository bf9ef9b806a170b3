/*
 * term.h: the chat's terminal: reading the user's lines and showing
 * messages and notices.  Two modes: on a terminal (stdin and stdout both
 * ttys, no --plain) a line editor whose input line is redrawn after every
 * message; otherwise line mode for scripts and tests: one stdin line is
 * one message, output is "NAME: TEXT" and notices start with "* ".
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
/* "sotto: " and local text on stderr. */
void	 term_error(struct term *t, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
