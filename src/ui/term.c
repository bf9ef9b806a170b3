/* term.c: the chat's terminal, in terminal or line mode (see term.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "fileio.h"
#include "lineedit.h"
#include "msg.h"
#include "sanitize.h"
#include "term.h"
#include "wrap.h"
#include "config_load.h"
#include "tui.h"

/* A line may carry a command word before a full-size message. */
#define TERM_MAX_LINE	(MSG_MAX_TEXT + 64)
#define TERM_OUT_MAX	(64 * 1024)

struct term {
	struct event_base	*base;
	struct term_cbs		 cbs;
	void			*arg;
	int			 interactive;
	int			 color;
	int			 input_on;
	int			 held;		/* reading paused: backpressure */
	struct event		*ev_flush;	/* line mode: write obuf */
	struct buf		 obuf;		/* line mode: output batch */
	int			 eof_seen;
	int			 skipping;	/* discarding an overlong line */
	int			 raw;		/* tty settings saved */
	struct termios		 saved;
	struct lineedit		*le;
	int			 cols;		/* terminal width, 0 unknown */
	struct event		*ev_in;		/* stdin readable */
	struct event		*ev_file;	/* stdin is a file: poll it */
	struct event		*ev_int, *ev_term, *ev_winch;
	struct buf		 pending;	/* line mode: partial line */
	struct buf		 line;
	struct tui		*tui;		/* full-screen view, or NULL */
};

/* Output to the terminal: nothing useful to do if it fails. */
static void
write_all(int fd, const uint8_t *p, size_t n)
{
	(void)fileio_write_all(fd, p, n);
}

static void
flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct term *t = arg;

	(void)fd;
	(void)what;
	write_all(STDOUT_FILENO, buf_ptr(&t->obuf), buf_len(&t->obuf));
	buf_reset(&t->obuf);
}

/* Shows one finished output line (without its line ending). */
static void
emit(struct term *t, struct buf *text)
{
	struct buf o;

	/* Line mode: gather what one turn of the loop prints into one
	 * write, flushed before the loop waits again. */
	if (!t->interactive && t->ev_flush != NULL &&
	    buf_len(&t->obuf) + buf_len(text) + 1 <= TERM_OUT_MAX) {
		(void)buf_put(&t->obuf, buf_ptr(text), buf_len(text));
		(void)buf_put(&t->obuf, "\n", 1);
		event_active(t->ev_flush, 0, 0);
		return;
	}
	if (!t->interactive && t->ev_flush != NULL)
		flush_cb(-1, 0, t);

	buf_init(&o, TERM_OUT_MAX * 2);
	if (t->interactive && t->input_on)
		(void)lineedit_render_clear(t->le, &o);
	(void)buf_put(&o, buf_ptr(text), buf_len(text));
	(void)buf_put(&o, t->interactive ? "\r\n" : "\n",
	    t->interactive ? 2 : 1);
	if (t->interactive && t->input_on)
		(void)lineedit_render(t->le, &o);
	write_all(STDOUT_FILENO, buf_ptr(&o), buf_len(&o));
	buf_release(&o);
}

/* On a terminal, every line starts with the local time, dimmed (line
 * mode keeps the bare "NAME: TEXT" that scripts parse). */
static void
stamp(struct term *t, struct buf *o)
{
	char ts[32];
	struct tm tm;
	time_t now;

	if (!t->interactive)
		return;
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL)
		return;
	if (t->color)
		strftime(ts, sizeof(ts), "\x1b[2m%H:%M\x1b[22m ", &tm);
	else
		strftime(ts, sizeof(ts), "%H:%M ", &tm);
	(void)buf_put(o, ts, strlen(ts));
}

const char *
term_color(const struct term *t, int idx, char b[16])
{
	if (!t->color)
		return "";
	snprintf(b, 16, "\x1b[38;5;%dm", idx & 0xff);
	return b;
}

const char *
term_reset(const struct term *t)
{
	return t->color ? "\x1b[0m" : "";
}

/* Columns of what stamp writes: "HH:MM ". */
#define STAMP_COLS	6

/*
 * Appends remote text, sanitized.  On a terminal it is also wrapped by
 * us (wrap.h) after the 'cols' columns already on the line, continuation
 * lines indented under the text, so that nothing in it can pass for a
 * line of its own; line mode keeps the text on one line as it was.
 */
static void
put_text(struct term *t, struct buf *o, size_t cols, const uint8_t *text,
    size_t len)
{
	struct buf s;

	if (!t->interactive) {
		(void)ui_sanitize(o, text, len, 0);
		return;
	}
	buf_init(&s, TERM_OUT_MAX);
	/* Only a terminal a few columns wide makes the wrapped text too
	 * big for one output line: then it goes out as it is, not lost. */
	if (ui_sanitize(&s, text, len, 0) == 0 &&
	    ui_wrap(o, buf_ptr(&s), buf_len(&s), cols, cols,
	    t->cols > 0 ? (size_t)t->cols : 0) != 0)
		(void)buf_put(o, buf_ptr(&s), buf_len(&s));
	buf_release(&s);
}

static void
say(struct term *t, const char *lead, const char *name, int color,
    const char *sep, const uint8_t *text, size_t len)
{
	struct buf o;
	char cb[16];
	size_t cols, at;

	buf_init(&o, TERM_OUT_MAX);
	stamp(t, &o);
	cols = STAMP_COLS + strlen(lead) + strlen(sep);
	(void)buf_put(&o, lead, strlen(lead));
	if (name != NULL) {
		const char *c = term_color(t, color, cb);

		(void)buf_put(&o, c, strlen(c));
		/* Names are validated on arrival; sanitize all the same. */
		at = buf_len(&o);
		(void)ui_sanitize(&o, (const uint8_t *)name, strlen(name), 0);
		cols += ui_text_width(buf_ptr(&o) + at, buf_len(&o) - at);
		c = term_reset(t);
		(void)buf_put(&o, c, strlen(c));
	}
	(void)buf_put(&o, sep, strlen(sep));
	put_text(t, &o, cols, text, len);
	emit(t, &o);
	buf_release(&o);
}

void
term_message(struct term *t, const char *name, int color, const uint8_t *text,
    size_t len)
{
	if (t->tui != NULL) {
		tui_add(t->tui, TUI_L_MSG, 0, name, color, text, len);
		if (tui_active(t->tui))
			return;
	}
	say(t, "", name, color, ": ", text, len);
}

void
term_action(struct term *t, const char *name, int color, const uint8_t *text,
    size_t len)
{
	if (t->tui != NULL) {
		tui_add(t->tui, TUI_L_ACTION, 0, name, color, text, len);
		if (tui_active(t->tui))
			return;
	}
	say(t, "* ", name, color, " ", text, len);
}

void
term_notice(struct term *t, const char *fmt, ...)
{
	char tmp[1024];
	struct buf o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (t->tui != NULL) {
		tui_add(t->tui, TUI_L_NOTICE, 0, NULL, 0, (const uint8_t *)tmp,
		    strlen(tmp));
		if (tui_active(t->tui))
			return;
	}
	buf_init(&o, TERM_OUT_MAX);
	stamp(t, &o);
	(void)buf_put(&o, "* ", 2);
	/* Local text, but it may quote things the peer chose (names:
	 * no blanks, so they can't pad a line).  Not wrapped by us, so
	 * that an invitation stays one word to copy. */
	(void)ui_sanitize(&o, (const uint8_t *)tmp, strlen(tmp), 0);
	emit(t, &o);
	buf_release(&o);
}

void
term_error(struct term *t, const char *fmt, ...)
{
	char tmp[1024];
	struct buf o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (t != NULL && t->tui != NULL) {
		tui_add(t->tui, TUI_L_ERROR, 0, NULL, 0, (const uint8_t *)tmp,
		    strlen(tmp));
		if (tui_active(t->tui))
			return;
	}
	if (t != NULL && t->ev_flush != NULL)
		flush_cb(-1, 0, t);
	buf_init(&o, TERM_OUT_MAX);
	if (t != NULL && t->interactive && t->input_on)
		(void)lineedit_render_clear(t->le, &o);
	(void)buf_put(&o, "sotto: ", 7);
	(void)ui_sanitize(&o, (const uint8_t *)tmp, strlen(tmp), 0);
	(void)buf_put(&o, t != NULL && t->interactive ? "\r\n" : "\n",
	    t != NULL && t->interactive ? 2 : 1);
	write_all(STDERR_FILENO, buf_ptr(&o), buf_len(&o));
	buf_reset(&o);
	if (t != NULL && t->interactive && t->input_on) {
		(void)lineedit_render(t->le, &o);
		write_all(STDOUT_FILENO, buf_ptr(&o), buf_len(&o));
	}
	buf_release(&o);
}

static void
redraw(struct term *t)
{
	struct buf o;

	if (!t->interactive || !t->input_on)
		return;
	buf_init(&o, TERM_OUT_MAX);
	(void)lineedit_render(t->le, &o);
	write_all(STDOUT_FILENO, buf_ptr(&o), buf_len(&o));
	buf_release(&o);
}

static void
finish_input(struct term *t, int interrupted)
{
	if (t->eof_seen)
		return;
	t->eof_seen = 1;
	term_input(t, 0);
	t->cbs.eof(interrupted, t->arg);
}

/* Line mode: split what was read into lines. */
static void
feed_lines(struct term *t, const uint8_t *p, size_t n)
{
	const uint8_t *nl;
	size_t take;

	while (n > 0 && t->input_on && !t->eof_seen) {
		nl = memchr(p, '\n', n);
		take = nl != NULL ? (size_t)(nl - p) : n;
		if (!t->skipping && buf_put(&t->pending, p, take) != 0) {
			term_error(t, "line longer than %d bytes: not sent",
			    MSG_MAX_TEXT);
			buf_reset(&t->pending);
			t->skipping = 1;
		}
		if (nl == NULL)
			return;
		p += take + 1;
		n -= take + 1;
		if (t->skipping) {
			t->skipping = 0;
			continue;
		}
		if (buf_len(&t->pending) > 0 &&
		    buf_ptr(&t->pending)[buf_len(&t->pending) - 1] == '\r')
			buf_unput(&t->pending, 1);
		t->cbs.line((const char *)buf_ptr(&t->pending),
		    buf_len(&t->pending), t->arg);
		buf_reset(&t->pending);
	}
}

/* Terminal mode: keys through the line editor. */
static void
feed_keys(struct term *t, const uint8_t *p, size_t n)
{
	enum lineedit_event ev;
	size_t used;

	while (n > 0 && t->input_on && !t->eof_seen) {
		buf_reset(&t->line);
		ev = lineedit_feed(t->le, p, n, &used, &t->line);
		p += used;
		n -= used;
		switch (ev) {
		case LE_LINE:
			redraw(t);
			t->cbs.line((const char *)buf_ptr(&t->line),
			    buf_len(&t->line), t->arg);
			break;
		case LE_EOF:
			finish_input(t, 0);
			return;
		case LE_INTERRUPT:
			finish_input(t, 1);
			return;
		case LE_REDRAW:
			write_all(STDOUT_FILENO, (const uint8_t *)"\x1b[H\x1b[2J",
			    7);
			redraw(t);
			break;
		case LE_NONE:
			break;
		}
	}
	redraw(t);
}

static void
read_stdin(struct term *t)
{
	uint8_t b[16384];
	ssize_t n;

	n = read(STDIN_FILENO, b, sizeof(b));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		/* A last line without its newline still counts. */
		if (!t->interactive && buf_len(&t->pending) > 0 &&
		    !t->skipping) {
			t->cbs.line((const char *)buf_ptr(&t->pending),
			    buf_len(&t->pending), t->arg);
			buf_reset(&t->pending);
		}
		finish_input(t, 0);
		return;
	}
	if (tui_active(t->tui))
		tui_feed(t->tui, b, (size_t)n);
	else if (t->interactive)
		feed_keys(t, b, (size_t)n);
	else
		feed_lines(t, b, (size_t)n);
	sodium_memzero(b, sizeof(b));
}

static void
stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	read_stdin(arg);
}

static void
file_cb(evutil_socket_t fd, short what, void *arg)
{
	struct term *t = arg;

	(void)fd;
	(void)what;
	read_stdin(t);
	/* A regular file is always readable: keep going a chunk per turn
	 * of the loop, so the network is served in between. */
	if (t->input_on && !t->held && !t->eof_seen)
		event_active(t->ev_file, 0, 0);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct term *t = arg;
	struct winsize ws;

	(void)what;
	if (sig == SIGWINCH && tui_active(t->tui)) {
		tui_resize(t->tui);
		return;
	}
	if (sig == SIGWINCH) {
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
			lineedit_set_width(t->le, ws.ws_col);
			t->cols = ws.ws_col;
		}
		redraw(t);
		return;
	}
	t->input_on = 0;
	if (!t->eof_seen) {
		t->eof_seen = 1;
		t->cbs.eof(1, t->arg);
	}
}

/* The full-screen view's way back into the conversation. */
static void
view_line(const char *line, size_t len, void *arg)
{
	struct term *t = arg;

	t->cbs.line(line, len, t->arg);
}

static void
view_text(const char *line, size_t len, void *arg)
{
	struct term *t = arg;

	if (t->cbs.text != NULL)
		t->cbs.text(line, len, t->arg);
}

static void
view_eof(int interrupted, void *arg)
{
	finish_input(arg, interrupted);
}

/* On a terminal that can take it (not TERM=dumb), the full-screen view,
 * with the config file's colour, bell and timestamp.  0 or -1. */
static int
view_new(struct term *t)
{
	const struct term_cbs cbs = { view_line, view_eof,
	    t->cbs.text != NULL ? view_text : NULL };
	const char *term = getenv("TERM");
	struct tui_opts o;
	struct config c;

	(void)config_load(&c);
	if (c.color == 0)
		t->color = 0;
	if (term == NULL || *term == '\0' || strcmp(term, "dumb") == 0) {
		t->color = 0;
		return 0;
	}
	o.color = t->color;
	o.ring = c.bell != 0;
	o.timestamp = c.timestamp;
	if ((t->tui = tui_new(t->base, &cbs, t, &o)) == NULL)
		return -1;
	return 0;
}

struct tui *
term_tui(const struct term *t)
{
	return t->tui;
}

struct term *
term_new(struct event_base *base, int plain, const struct term_cbs *cbs,
    void *arg)
{
	struct term *t;
	struct winsize ws;
	struct stat st;
	const char *nc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->base = base;
	t->cbs = *cbs;
	t->arg = arg;
	buf_init(&t->pending, TERM_MAX_LINE);
	buf_init(&t->line, TERM_MAX_LINE);
	buf_init(&t->obuf, TERM_OUT_MAX);
	t->interactive = !plain && isatty(STDIN_FILENO) &&
	    isatty(STDOUT_FILENO);
	nc = getenv("NO_COLOR");
	t->color = t->interactive && (nc == NULL || *nc == '\0');
	if (t->interactive && view_new(t) != 0)
		goto fail;
	if (t->interactive) {
		if ((t->le = lineedit_new(TERM_MAX_LINE)) == NULL)
			goto fail;
		if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
			lineedit_set_width(t->le, ws.ws_col);
			t->cols = ws.ws_col;
		}
		if (lineedit_raw_enter(STDIN_FILENO, &t->saved) == 0)
			t->raw = 1;
	}
	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		t->ev_file = event_new(base, -1, 0, file_cb, t);
	else
		t->ev_in = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
		    stdin_cb, t);
	/* /dev/null and friends can't be polled either: read them inline. */
	if (t->ev_in != NULL && event_add(t->ev_in, NULL) != 0) {
		event_free(t->ev_in);
		t->ev_in = NULL;
		t->ev_file = event_new(base, -1, 0, file_cb, t);
	} else if (t->ev_in != NULL)
		event_del(t->ev_in);
	if (t->ev_in == NULL && t->ev_file == NULL)
		goto fail;
	t->ev_int = evsignal_new(base, SIGINT, signal_cb, t);
	t->ev_term = evsignal_new(base, SIGTERM, signal_cb, t);
	t->ev_winch = evsignal_new(base, SIGWINCH, signal_cb, t);
	t->ev_flush = event_new(base, -1, 0, flush_cb, t);
	if (t->ev_int == NULL || t->ev_term == NULL || t->ev_winch == NULL ||
	    t->ev_flush == NULL)
		goto fail;
	event_add(t->ev_int, NULL);
	event_add(t->ev_term, NULL);
	event_add(t->ev_winch, NULL);
	return t;
 fail:
	term_free(t);
	return NULL;
}

void
term_free(struct term *t)
{
	if (t == NULL)
		return;
	if (t->ev_flush != NULL) {
		flush_cb(-1, 0, t);
		event_free(t->ev_flush);
	}
	buf_release(&t->obuf);
	if (tui_active(t->tui))
		t->input_on = 0;	/* the view clears up itself */
	tui_free(t->tui);
	if (t->interactive && t->input_on)
		write_all(STDOUT_FILENO, (const uint8_t *)"\r\x1b[K", 4);
	if (t->raw)
		lineedit_raw_leave(STDIN_FILENO, &t->saved);
	if (t->ev_in != NULL)
		event_free(t->ev_in);
	if (t->ev_file != NULL)
		event_free(t->ev_file);
	if (t->ev_int != NULL)
		event_free(t->ev_int);
	if (t->ev_term != NULL)
		event_free(t->ev_term);
	if (t->ev_winch != NULL)
		event_free(t->ev_winch);
	lineedit_free(t->le);
	buf_release(&t->pending);
	buf_release(&t->line);
	free(t);
}

int
term_interactive(const struct term *t)
{
	return t->interactive;
}

/* Watches stdin exactly when input is on and not held back. */
static void
arm(struct term *t)
{
	/* The full-screen view keeps reading keys while held: it keeps
	 * what is typed in its input line until the network catches up. */
	int want = t->input_on && (!t->held || tui_active(t->tui)) &&
	    !t->eof_seen;

	if (t->ev_in != NULL) {
		if (want)
			event_add(t->ev_in, NULL);
		else
			event_del(t->ev_in);
	}
	if (t->ev_file != NULL && want)
		event_active(t->ev_file, 0, 0);
}

void
term_hold(struct term *t, int held)
{
	if (held == t->held)
		return;
	t->held = held;
	if (t->tui != NULL)
		tui_hold(t->tui, held);
	arm(t);
}

void
term_pending(struct term *t, size_t n)
{
	if (t->tui != NULL)
		tui_pending(t->tui, n);
}

void
term_input(struct term *t, int on)
{
	if (t->eof_seen)
		on = 0;
	if (on == t->input_on)
		return;
	/* The full-screen view takes over when the conversation is ready. */
	if (on && t->tui != NULL && !tui_active(t->tui) &&
	    tui_start(t->tui) != 0) {
		tui_free(t->tui);
		t->tui = NULL;
	}
	t->input_on = on;
	arm(t);
	if (t->tui != NULL)
		tui_input(t->tui, on);
	if (tui_active(t->tui))
		return;
	if (on)
		redraw(t);
	else if (t->interactive)
		write_all(STDOUT_FILENO, (const uint8_t *)"\r\x1b[K", 4);
}

void
term_set_prompt(struct term *t, const char *prompt)
{
	if (t->tui != NULL)
		tui_set_prompt(t->tui, prompt);
	if (tui_active(t->tui))
		return;		/* the view draws its own input line */
	if (t->le != NULL) {
		lineedit_set_prompt(t->le, prompt);
		redraw(t);
	}
}
