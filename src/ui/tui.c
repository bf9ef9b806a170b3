/* tui.c: the full-screen view: its events and keys (see tui.h). */
#define _XOPEN_SOURCE 700
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <ncursesw/term.h>	/* not src/ui/term.h */
#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "invite.h"
#include "sanitize.h"
#include "trust.h"
#include "tui_complete.h"
#include "tui_impl.h"
#include "wrap.h"

static void
draw_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tui_draw(arg);
}

void
tui_dirty(struct tui *ui)
{
	/* One redraw per turn of the loop, however many lines came. */
	if (ui->started && ui->ev_draw != NULL)
		event_active(ui->ev_draw, 0, 0);
}

struct tui *
tui_new(struct event_base *base, const struct term_cbs *cbs, void *arg,
    const struct tui_opts *o)
{
	struct tui *ui;

	if ((ui = calloc(1, sizeof(*ui))) == NULL)
		return NULL;
	ui->base = base;
	ui->cbs = *cbs;
	ui->arg = arg;
	ui->color = o->color != 0;
	ui->ring = o->ring != 0;
	snprintf(ui->tsfmt, sizeof(ui->tsfmt), "%s",
	    o->timestamp != NULL && o->timestamp[0] != '\0' ? o->timestamp :
	    "%H:%M");
	ui->show_members = 1;
	buf_init(&ui->line, TUI_INPUT_MAX);
	buf_init(&ui->pasted, TUI_PASTE_MAX * 2);
	buf_init(&ui->secret, INVITE_STR_MAX);
	buf_init(&ui->secret1, INVITE_STR_MAX);
	buf_init(&ui->secret2, INVITE_STR_MAX);
	tui_keys_init(&ui->keys);
	if ((ui->m = ui->w = tui_win_new(ui)) == NULL ||
	    (ui->ev_draw = event_new(base, -1, 0, draw_cb, ui)) == NULL) {
		tui_free(ui);
		return NULL;
	}
	return ui;
}

void
tui_free(struct tui *ui)
{
	size_t i;

	if (ui == NULL)
		return;
	/* The other conversations end with the program. */
	for (i = 1; i < ui->nwin; i++)
		tui_child_end(ui->win[i]);
	if (ui->started) {
		int rows = LINES;

		tui_draw(ui);
		/* Paste marks and focus reports off; the screen stays. */
		fputs("\x1b[?1004l\x1b[?2004l", stdout);
		fflush(stdout);
		endwin();
		delscreen(ui->screen);
		/* endwin leaves the alternate screen again, which puts the
		 * cursor back where it was when the view started: below the
		 * last row is where the shell goes on. */
		printf("\x1b[%d;1H\r\n", rows > 0 ? rows : 1);
		fflush(stdout);
	}
	if (ui->ev_draw != NULL)
		event_free(ui->ev_draw);
	for (i = 0; i < ui->nwin; i++)
		tui_win_free(ui->win[i]);
	tui_keys_release(&ui->keys);
	buf_release(&ui->line);
	buf_release(&ui->pasted);
	buf_release(&ui->secret);	/* wipes */
	buf_release(&ui->secret1);
	buf_release(&ui->secret2);
	free(ui);
}

void
tui_set_invitation(struct tui *ui, const char *invitation)
{
	size_t n = strlen(invitation);

	if (ui->m->invitation != NULL)
		sodium_free(ui->m->invitation);
	if ((ui->m->invitation = sodium_malloc(n + 1)) != NULL)
		memcpy(ui->m->invitation, invitation, n + 1);
}

int
tui_active(const struct tui *ui)
{
	return ui != NULL && ui->started;
}

int
tui_start(struct tui *ui)
{
	SCREEN *s;

	if (ui->started)
		return 0;
	if ((s = newterm(NULL, stdout, stdin)) == NULL)
		return ERR_IO;
	/*
	 * Back from the alternate screen at once, and never into it again:
	 * what was printed before (the invitation, the addresses) stays in
	 * the terminal's scrollback, to copy whole.
	 */
	ui->screen = s;
	/* newterm queued the switch: let it out, then switch back. */
	refresh();
	if (exit_ca_mode != NULL) {
		putp(exit_ca_mode);
		fflush(stdout);
	}
	enter_ca_mode = NULL;
	exit_ca_mode = NULL;
	raw();
	noecho();
	nonl();
	if (ui->color && has_colors()) {
		start_color();
		use_default_colors();
	} else
		ui->color = 0;
	clearok(curscr, TRUE);
	/* Bracketed paste: the terminal marks what is pasted; focus
	 * reports: it says when you leave and come back. */
	fputs("\x1b[?2004h\x1b[?1004h", stdout);
	fflush(stdout);
	ui->started = 1;
	tui_draw(ui);
	return 0;
}

void
tui_resize(struct tui *ui)
{
	struct winsize ws;

	if (!ui->started)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	tui_draw(ui);
}

/* Lowercase ASCII copy of a name's base: up to '~' or ' '. */
static size_t
base_len(const char *name)
{
	size_t n = strcspn(name, "~ ");

	return n;
}

static int
is_ignored(const struct tui *ui, const char *name)
{
	size_t i, n;

	if (name == NULL)
		return 0;
	n = base_len(name);
	for (i = 0; i < ui->nignored; i++)
		if (strlen(ui->ignored[i]) == n &&
		    strncasecmp(ui->ignored[i], name, n) == 0)
			return 1;
	return 0;
}

/* Does the text name you, as a word of its own (any case)? */
static int
names_you(const struct tui *ui, const char *text, size_t len)
{
	size_t n = strlen(ui->self), i;

	if (n == 0 || len < n)
		return 0;
	for (i = 0; i + n <= len; i++) {
		if (strncasecmp(text + i, ui->self, n) != 0)
			continue;
		if ((i == 0 || !isalnum((unsigned char)text[i - 1])) &&
		    (i + n == len || !isalnum((unsigned char)text[i + n])))
			return 1;
	}
	return 0;
}

void
tui_add(struct tui *ui, enum tui_kind kind, int flags, const char *name,
    int color, const uint8_t *text, size_t len)
{
	tui_win_add(ui, ui->m, kind, flags, name, color, text, len);
}

void
tui_win_add(struct tui *ui, struct tui_win *w, enum tui_kind kind, int flags,
    const char *name, int color, const uint8_t *text, size_t len)
{
	struct buf t, nb, c, *shown = &t;
	int self;

	if ((kind == TUI_L_MSG || kind == TUI_L_ACTION) && is_ignored(ui, name))
		return;
	/* Not watched (another window shown, or the terminal left): what
	 * comes goes under the read marker. */
	if ((ui->unfocused || w != ui->w) && !w->marked && ui->started) {
		w->marked = 1;
		w->mark_seq = w->sb.next_seq;
		(void)tui_scroll_add(&w->sb, time(NULL), TUI_L_MARK, 0, 0,
		    NULL, "unread", 6);
	}
	buf_init(&t, len * UI_SAN_MAX_EXPANSION + 1);
	buf_init(&c, 0);
	buf_init(&nb, TUI_NAME_MAX * UI_SAN_MAX_EXPANSION + 8);
	if (ui_sanitize(&t, text, len, 0) != 0 ||
	    (name != NULL && ui_sanitize(&nb, (const uint8_t *)name,
	    strlen(name) > 96 ? 96 : strlen(name), 0) != 0) ||
	    buf_put_u8(&nb, 0) != 0)
		goto out;
	/* Messages get the line editor's blanks rule (wrap.h): a long run
	 * of blanks is shown as " [N blanks] ", so that no padding can push
	 * text to the start of a row where it would pass for a line. */
	if (kind == TUI_L_MSG || kind == TUI_L_ACTION) {
		/* " [N blanks] " for N >= 9 blanks: at most 4/3 as long. */
		buf_init(&c, 2 * buf_len(&t) + 16);
		if (ui_collapse_blanks(&c, buf_ptr(&t), buf_len(&t)) != 0)
			goto out;
		shown = &c;
	}
	self = name != NULL && ui->self[0] != '\0' &&
	    strncmp(name, ui->self, strlen(ui->self)) == 0 &&
	    (name[strlen(ui->self)] == '\0' || name[strlen(ui->self)] == '~');
	if (self)
		flags |= TUI_F_SELF;
	else if (kind == TUI_L_MSG || kind == TUI_L_ACTION) {
		if ((flags & TUI_F_PRIVATE) ||
		    names_you(ui, (const char *)buf_ptr(shown), buf_len(shown)))
			flags |= TUI_F_MENTION;
	}
	(void)tui_scroll_add(&w->sb, time(NULL), kind, flags, color,
	    name != NULL ? (const char *)buf_ptr(&nb) : NULL,
	    (const char *)buf_ptr(shown), buf_len(shown));
	if (w != ui->w)
		w->activity++;
	if (flags & TUI_F_MENTION) {
		w->mentions++;
		if (ui->ring && ui->started)
			beep();
	}
	tui_dirty(ui);
 out:
	buf_release(&t);
	buf_release(&c);
	buf_release(&nb);
}

void
tui_local(struct tui *ui, enum tui_kind kind, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	tui_win_add(ui, ui->w, kind, 0, NULL, 0, (const uint8_t *)tmp,
	    strlen(tmp));
}

/* A sanitized copy of src (the conversation's text: a name, a title)
 * into dst, cut at a character boundary to fit. */
static void
clean(char *dst, size_t dstlen, const char *src)
{
	struct buf b;
	size_t n = 0, k;
	uint32_t cp;

	buf_init(&b, 1024 * UI_SAN_MAX_EXPANSION);
	dst[0] = '\0';
	if (ui_sanitize(&b, (const uint8_t *)src, strnlen(src, 1024), 0) != 0)
		goto out;
	while (n < buf_len(&b)) {
		k = ui_utf8_next(buf_ptr(&b) + n, buf_len(&b) - n, &cp);
		if (n + k >= dstlen)
			break;
		n += k;
	}
	memcpy(dst, buf_ptr(&b), n);
	dst[n] = '\0';
 out:
	buf_release(&b);
}

/* The prompt without its colour sequences: local text. */
void
tui_set_prompt(struct tui *ui, const char *prompt)
{
	size_t i = 0, o = 0;

	while (prompt != NULL && prompt[i] != '\0' &&
	    o + 1 < sizeof(ui->m->prompt)) {
		if (prompt[i] == '\x1b') {
			i++;
			if (prompt[i] == '[')
				while (prompt[i] != '\0' &&
				    !(prompt[i] >= 0x40 && prompt[i] <= 0x7e &&
				    prompt[i] != '['))
					i++;
			if (prompt[i] != '\0')
				i++;
			continue;
		}
		if ((unsigned char)prompt[i] >= 0x20)
			ui->m->prompt[o++] = prompt[i];
		i++;
	}
	ui->m->prompt[o] = '\0';
	{
		char tmp[sizeof(ui->m->prompt)];

		memcpy(tmp, ui->m->prompt, sizeof(tmp));
		clean(ui->m->prompt, sizeof(ui->m->prompt), tmp);
	}
	tui_dirty(ui);
}

void
tui_input(struct tui *ui, int on)
{
	ui->input_on = on;
	tui_dirty(ui);
}

void
tui_hold(struct tui *ui, int held)
{
	ui->held = held;
	tui_dirty(ui);
}

void
tui_pending(struct tui *ui, size_t n)
{
	ui->pending = n;
}

void
tui_set_self(struct tui *ui, const char *name, int color, const char *confdir)
{
	char old[sizeof(ui->m->prompt)];
	size_t i;

	/* A renamed you: the prompt the conversation made follows. */
	snprintf(old, sizeof(old), "%s> ", ui->self);
	if (ui->self[0] != '\0' && strcmp(ui->m->prompt, old) == 0)
		snprintf(ui->m->prompt, sizeof(ui->m->prompt), "%s> ", name);
	clean(ui->self, sizeof(ui->self), name);
	ui->self_color = color;
	if (confdir != NULL)
		snprintf(ui->confdir, sizeof(ui->confdir), "%s", confdir);
	/* Recheck the trust records with the directory known. */
	for (i = 0; i < ui->m->nmem && ui->confdir[0] != '\0'; i++)
		ui->m->mem[i].verified = trust_check(ui->confdir,
		    ui->m->mem[i].name, ui->m->mem[i].pk);
	tui_dirty(ui);
}

void
tui_set_title(struct tui *ui, int room, const char *title)
{
	ui->m->room = room;
	clean(ui->m->title, sizeof(ui->m->title), title);
	tui_dirty(ui);
}

void
tui_set_link(struct tui *ui, enum term_link link)
{
	ui->m->link = link;
	tui_dirty(ui);
}

static struct tui_member *
member_by_id(struct tui_win *w, uint32_t id)
{
	size_t i;

	for (i = 0; i < w->nmem; i++)
		if (w->mem[i].id == id)
			return &w->mem[i];
	return NULL;
}

struct tui_member *
tui_member_find(struct tui *ui, const char *name)
{
	size_t i;

	for (i = 0; i < ui->w->nmem; i++)
		if (strcmp(ui->w->mem[i].name, name) == 0)
			return &ui->w->mem[i];
	return NULL;
}

void
tui_member(struct tui *ui, uint32_t id, const char *name, int color,
    const uint8_t pk[32])
{
	tui_win_member(ui, ui->m, id, name, color, pk);
}

void
tui_win_member(struct tui *ui, struct tui_win *w, uint32_t id,
    const char *name, int color, const uint8_t pk[32])
{
	struct tui_member *m, *n;
	char shown[TUI_NAME_MAX];

	if ((m = member_by_id(w, id)) == NULL) {
		if (w->nmem >= TUI_MAX_MEMBERS)
			return;
		if (w->nmem == w->capmem) {
			size_t cap = w->capmem ? w->capmem * 2 : 16;

			if ((n = reallocarray(w->mem, cap, sizeof(*n))) == NULL)
				return;
			w->mem = n;
			w->capmem = cap;
		}
		m = &w->mem[w->nmem++];
		memset(m, 0, sizeof(*m));
		m->id = id;
	}
	clean(shown, sizeof(shown), name);
	/* A child's window hears of it from the child itself. */
	if (m->name[0] != '\0' && strcmp(m->name, shown) != 0 && w == ui->m)
		tui_local(ui, TUI_L_NOTICE, "%s is now known as %s", m->name,
		    shown);
	memcpy(m->name, shown, sizeof(m->name));
	m->color = color;
	memcpy(m->pk, pk, sizeof(m->pk));
	identity_tag(m->tag, pk);
	m->verified = ui->confdir[0] != '\0' &&
	    trust_check(ui->confdir, m->name, m->pk);
	tui_dirty(ui);
}

void
tui_member_gone(struct tui *ui, uint32_t id)
{
	tui_win_member_gone(ui, ui->m, id);
}

void
tui_win_member_gone(struct tui *ui, struct tui_win *w, uint32_t id)
{
	struct tui_member *m = member_by_id(w, id);

	if (m != NULL) {
		*m = w->mem[--w->nmem];
		tui_dirty(ui);
	}
}

/* --- input ------------------------------------------------------------- */

/* In a child's window, what you say is shown by the view (line mode
 * doesn't echo it). */
static void
child_echo(struct tui *ui, const char *line, size_t len)
{
	const char *sp;

	if (len > 4 && memcmp(line, "/me ", 4) == 0)
		tui_win_add(ui, ui->w, TUI_L_ACTION, 0, ui->self,
		    ui->self_color, (const uint8_t *)line + 4, len - 4);
	else if (len > 5 && memcmp(line, "/msg ", 5) == 0 &&
	    (sp = memchr(line + 5, ' ', len - 5)) != NULL) {
		char to[TUI_NAME_MAX + 4];

		snprintf(to, sizeof(to), "-> %.*s", (int)(sp - line - 5 <
		    TUI_NAME_MAX ? sp - line - 5 : TUI_NAME_MAX - 1), line + 5);
		tui_win_add(ui, ui->w, TUI_L_MSG, 0, to, ui->self_color,
		    (const uint8_t *)sp + 1, len - (size_t)(sp + 1 - line));
	} else if (len > 0 && (line[0] != '/' || (len > 1 && line[1] == '/')))
		tui_win_add(ui, ui->w, TUI_L_MSG, 0, ui->self, ui->self_color,
		    (const uint8_t *)line + (line[0] == '/'),
		    len - (line[0] == '/'));
}

void
tui_pass(struct tui *ui, const char *line, size_t len)
{
	ui->w->mentions = 0;
	if (ui->w->child != NULL) {
		if (tui_child_write(ui->w, line, len) == 0)
			child_echo(ui, line, len);
		return;
	}
	ui->cbs.line(line, len, ui->arg);
}

void
tui_say(struct tui *ui, const char *text, size_t len)
{
	char *tmp;

	ui->w->mentions = 0;
	if (ui->w->child != NULL) {
		char *l;

		/* Line mode reads '//' as a literal '/', and 'bye' alone as
		 * leaving: a trailing space keeps it a message. */
		if ((l = malloc(len + 2)) == NULL)
			return;
		l[0] = '/';
		memcpy(l + 1, text, len);
		if ((len == 3 && memcmp(text, "bye", 3) == 0) ||
		    (len == 4 && memcmp(text, "exit", 4) == 0))
			l[1 + len++] = ' ';
		if (text[0] == '/')
			tui_pass(ui, l, len + 1);
		else
			tui_pass(ui, l + 1, len);
		free(l);
		return;
	}
	if (ui->cbs.text != NULL) {
		ui->cbs.text(text, len, ui->arg);
		return;
	}
	/* Without the conversation's own way, "//" keeps a '/' literal. */
	if (len > 0 && text[0] == '/' && (tmp = malloc(len + 1)) != NULL) {
		tmp[0] = '/';
		memcpy(tmp + 1, text, len);
		ui->cbs.line(tmp, len + 1, ui->arg);
		free(tmp);
		return;
	}
	ui->cbs.line(text, len, ui->arg);
}

void
tui_quit(struct tui *ui)
{
	if (ui->eof_sent)
		return;
	ui->eof_sent = 1;
	ui->cbs.eof(1, ui->arg);
}

/* Feeds bytes to the line editor, acting on what it reports. */
static void
edit(struct tui *ui, const uint8_t *p, size_t n)
{
	enum lineedit_event ev;
	size_t used;

	while (n > 0) {
		buf_reset(&ui->line);
		ev = lineedit_feed(ui->w->le, p, n, &used, &ui->line);
		p += used;
		n -= used;
		if (ev == LE_EOF && ui->w->child != NULL) {
			(void)tui_child_write(ui->w, "/quit", 5);
			continue;
		}
		if (ev == LE_EOF && !ui->eof_sent) {
			ui->eof_sent = 1;
			ui->cbs.eof(0, ui->arg);
			return;
		}
		if (ev == LE_REDRAW && ui->started)
			clearok(curscr, TRUE);
	}
}

static void
clear_input(struct tui *ui)
{
	edit(ui, (const uint8_t *)"\x05\x15", 2);	/* End, kill to start */
}

static void
ask(struct tui *ui, enum tui_ask what)
{
	ui->ask = what;
	tui_dirty(ui);
}

static void
send_pasted(struct tui *ui)
{
	const char *p = (const char *)buf_ptr(&ui->pasted);
	size_t left = buf_len(&ui->pasted), n;

	while (left > 0 && !ui->eof_sent) {
		n = strlen(p);
		if (n > 0)
			tui_say(ui, p, n);
		p += n + 1;
		left -= n + 1;
	}
	buf_reset(&ui->pasted);
	ui->npasted = 0;
}

/* The answer to a y/N question: the first key after it. */
static void
answer(struct tui *ui, int yes)
{
	enum tui_ask what = ui->ask;

	ui->ask = TUI_ASK_NONE;
	tui_dirty(ui);
	switch (what) {
	case TUI_ASK_PASTE:
		if (yes)
			send_pasted(ui);
		else {
			tui_local(ui, TUI_L_NOTICE, "paste not sent");
			buf_reset(&ui->pasted);
			ui->npasted = 0;
		}
		break;
	case TUI_ASK_LEAVE:
		if (yes)
			tui_pass(ui, "/quit", 5);
		else
			tui_say(ui, ui->ask_word, strlen(ui->ask_word));
		break;
	case TUI_ASK_QUIT:
		if (yes)
			tui_quit(ui);
		break;
	case TUI_ASK_SECRET:	/* secret_key() has these keys */
	case TUI_ASK_NONE:
		break;
	}
}

static void
on_paste(struct tui *ui)
{
	const struct buf *p;
	size_t overflow, off, n;
	int count;

	p = tui_keys_paste(&ui->keys, &overflow);
	buf_reset(&ui->pasted);
	count = tui_paste_lines(buf_ptr(p), buf_len(p), &ui->pasted);
	tui_keys_paste_done(&ui->keys);
	if (overflow > 0)
		tui_local(ui, TUI_L_ERROR, "the paste is longer than %d "
		    "bytes: the last %zu were dropped", TUI_PASTE_MAX,
		    overflow);
	if (count <= 0)
		return;
	if (count == 1) {
		size_t have, add = strlen((const char *)buf_ptr(&ui->pasted));

		/* One line goes into the input, to edit or send. */
		(void)lineedit_peek_text(ui->w->le, &have);
		if (have + add > TUI_INPUT_MAX)
			tui_local(ui, TUI_L_ERROR, "the input line holds %d "
			    "bytes: the paste's last %zu did not fit",
			    TUI_INPUT_MAX, have + add - TUI_INPUT_MAX);
		edit(ui, buf_ptr(&ui->pasted), add);
		buf_reset(&ui->pasted);
		return;
	}
	for (off = 0; off < buf_len(&ui->pasted); off += n + 1) {
		n = strlen((const char *)buf_ptr(&ui->pasted) + off);
		if (n > MSG_MAX_TEXT_TUI) {
			tui_local(ui, TUI_L_ERROR, "line %zu of the paste is "
			    "%zu bytes, longer than a message (%d): nothing "
			    "sent", off == 0 ? (size_t)1 : 0, n,
			    MSG_MAX_TEXT_TUI);
			buf_reset(&ui->pasted);
			return;
		}
	}
	ui->npasted = count;
	ask(ui, TUI_ASK_PASTE);
}

static int
is_word(const uint8_t *p, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(p, w, n) == 0;
}

/* Enter: 1 when the line was entered (it is in ui->line). */
static int
on_enter(struct tui *ui)
{
	const uint8_t *p;
	size_t n, body;

	p = lineedit_peek_text(ui->w->le, &n);
	if (is_word(p, n, "bye") || is_word(p, n, "exit")) {
		snprintf(ui->ask_word, sizeof(ui->ask_word), "%.*s", (int)n,
		    (const char *)p);
		clear_input(ui);
		ask(ui, TUI_ASK_LEAVE);
		return 0;
	}
	if (ui->held && n > 0) {
		tui_local(ui, TUI_L_ERROR, "the network is behind: the line "
		    "stays in the input until what you sent has gone out");
		return 0;
	}
	/* A message too long stays in the input, to be cut down. */
	body = n > 0 && p[0] == '/' && (n < 2 || p[1] != '/') ? 0 :
	    n > 1 && p[0] == '/' ? n - 1 : n;
	if (body > MSG_MAX_TEXT_TUI) {
		tui_local(ui, TUI_L_ERROR, "the message is %zu bytes, longer "
		    "than %d: shorten it (it stays in the input)", body,
		    MSG_MAX_TEXT_TUI);
		return 0;
	}
	edit(ui, (const uint8_t *)"\r", 1);
	return 1;
}

static void
complete(struct tui *ui)
{
	const char *names[TUI_MAX_MEMBERS + 1];
	const char *cmds[64];
	char text[TUI_INPUT_MAX + 1], list[512];
	const uint8_t *p;
	size_t n, cur, ws, nn = 0, nc = 0, i;
	struct buf out;
	int r;

	p = lineedit_peek_text(ui->w->le, &n);
	cur = lineedit_get_cursor(ui->w->le);
	memcpy(text, p, n);
	text[n] = '\0';
	for (i = 0; i < ui->w->nmem; i++)
		names[nn++] = ui->w->mem[i].name;
	for (i = 0; i < tui_nhelp && nc < 64; i++)
		if (tui_help[i].where & (ui->w->room ? TUI_HELP_ROOM :
		    TUI_HELP_1TO1))
			cmds[nc++] = tui_help[i].name;
	buf_init(&out, 256);
	r = tui_complete(text, cur, names, nn, cmds, nc, &ws, &out);
	if (r > 0 && buf_len(&out) > 0) {
		/* Rub out the word, type the completion. */
		for (i = ws; i < cur; i++)
			if (((unsigned char)text[i] & 0xc0) != 0x80)
				edit(ui, (const uint8_t *)"\x7f", 1);
		edit(ui, buf_ptr(&out), buf_len(&out));
	}
	if (r > 1) {
		const char *word = text + ws;
		size_t wl = cur - ws, o = 0;
		const char *const *c = ws == 0 && wl > 0 && word[0] == '/' ?
		    cmds : names;
		size_t cn = c == cmds ? nc : nn;

		list[0] = '\0';
		for (i = 0; i < cn && o + 40 < sizeof(list); i++)
			if (strncasecmp(c[i], word, wl) == 0)
				o += (size_t)snprintf(list + o,
				    sizeof(list) - o, " %s", c[i]);
		tui_local(ui, TUI_L_NOTICE, "%d matches:%s", r, list);
	}
	buf_release(&out);
	sodium_memzero(text, n);
}

/* Is the shown window's input taken? */
static int
input_open(const struct tui *ui)
{
	return ui->w->child != NULL ? ui->w->link != TERM_LINK_DOWN :
	    ui->input_on;
}

/* Keys while a secret is typed: shown as nothing, kept in guarded
 * memory, never in the history. */
static void
secret_key(struct tui *ui, enum tui_key k, const uint8_t *key, size_t keylen)
{
	const struct buf *p;
	size_t over, n;

	switch (k) {
	case TK_ENTER:
		ui->ask = TUI_ASK_NONE;
		tui_cmd_win_secret(ui);
		break;
	case TK_CTRL_C:
		ui->ask = TUI_ASK_NONE;
		buf_reset(&ui->secret);
		tui_local(ui, TUI_L_NOTICE, "cancelled");
		break;
	case TK_PASTE:
		p = tui_keys_paste(&ui->keys, &over);
		n = strcspn((const char *)buf_ptr(p), "\r\n");
		if (n > buf_len(p))
			n = buf_len(p);
		(void)buf_put(&ui->secret, buf_ptr(p), n);
		tui_keys_paste_done(&ui->keys);
		break;
	case TK_OTHER:
		if (keylen == 1 && (key[0] == 0x7f || key[0] == 0x08)) {
			n = buf_len(&ui->secret);
			while (n > 0 && (buf_ptr(&ui->secret)[n - 1] & 0xc0) ==
			    0x80)
				n--;
			if (n > 0)
				n--;
			buf_unput(&ui->secret, buf_len(&ui->secret) - n);
		} else if (key[0] >= 0x20 && key[0] != 0x7f)
			(void)buf_put(&ui->secret, key, keylen);
		break;
	default:
		break;
	}
	tui_dirty(ui);
}

/* Alt-1...9 and Alt-Left/Right: 1 when key switched windows. */
static int
switch_key(struct tui *ui, const uint8_t *key, size_t keylen)
{
	if (keylen == 2 && key[0] == 0x1b && key[1] >= '1' && key[1] <= '9') {
		tui_win_show(ui, (size_t)(key[1] - '1'));
		return 1;
	}
	if (keylen == 6 && memcmp(key, "\x1b[1;3", 5) == 0 &&
	    (key[5] == 'C' || key[5] == 'D') && ui->nwin > 1) {
		tui_win_show(ui, (ui->cur + (key[5] == 'C' ? 1 : ui->nwin -
		    1)) % ui->nwin);
		return 1;
	}
	return 0;
}

static void
on_key(struct tui *ui, enum tui_key k, const uint8_t *key, size_t keylen)
{
	size_t n;

	(void)lineedit_peek_text(ui->w->le, &n);
	if (k == TK_NONE)
		return;
	if (ui->ask == TUI_ASK_SECRET) {
		secret_key(ui, k, key, keylen);
		return;
	}
	if (ui->ask != TUI_ASK_NONE && k != TK_FOCUS_IN && k != TK_FOCUS_OUT) {
		if (k == TK_CTRL_C && ui->ask == TUI_ASK_QUIT)
			answer(ui, 1);
		else if (k != TK_PASTE)
			answer(ui, keylen == 1 && (key[0] == 'y' ||
			    key[0] == 'Y'));
		return;
	}
	switch (k) {
	case TK_NONE:
		break;
	case TK_FOCUS_OUT:
		ui->unfocused = 1;
		ui->w->marked = 0;
		break;
	case TK_FOCUS_IN:
		ui->unfocused = 0;
		break;
	case TK_PASTE:
		on_paste(ui);
		break;
	case TK_ENTER: {
		size_t ll;
		char *l;

		if (!input_open(ui) || !on_enter(ui) ||
		    (ll = buf_len(&ui->line)) == 0 || (l = malloc(ll)) == NULL)
			break;
		memcpy(l, buf_ptr(&ui->line), ll);
		buf_reset(&ui->line);
		if (!tui_cmd(ui, l, ll))
			tui_pass(ui, l, ll);
		sodium_memzero(l, ll);
		free(l);
		break;
	}
	case TK_TAB:
		complete(ui);
		break;
	case TK_CTRL_C:
		if (n > 0)
			clear_input(ui);
		else if (ui->held || ui->pending > 0)
			ask(ui, TUI_ASK_QUIT);
		else
			tui_quit(ui);
		break;
	case TK_MEMBERS:
		/* No member list in a 1:1 chat: Ctrl-B stays Left. */
		if (!ui->w->room && keylen == 1)
			edit(ui, key, keylen);
		else
			ui->show_members = !ui->show_members;
		break;
	case TK_PGUP:
	case TK_PGDN: {
		int top, rows, w;

		tui_area(ui, &top, &rows, &w);
		tui_scroll_by(ui, (k == TK_PGUP ? -1L : 1L) *
		    (rows > 2 ? rows - 2 : 1));
		break;
	}
	case TK_HOME:
	case TK_END:
		if (n > 0) {
			edit(ui, key, keylen);
			break;
		}
		/* FALLTHROUGH */
	case TK_TOP:
	case TK_BOTTOM:
		if (k == TK_HOME || k == TK_TOP)
			tui_scroll_top(ui);
		else
			ui->w->follow = 1;
		break;
	case TK_OTHER:
		if (switch_key(ui, key, keylen))
			break;
		if (input_open(ui))
			edit(ui, key, keylen);
		break;
	}
}

void
tui_feed(struct tui *ui, const uint8_t *p, size_t n)
{
	const uint8_t *key;
	size_t used, keylen;
	enum tui_key k;

	while (n > 0 && !ui->eof_sent) {
		k = tui_keys_feed(&ui->keys, p, n, &used, &key, &keylen);
		p += used;
		n -= used;
		on_key(ui, k, key, keylen);
	}
	tui_dirty(ui);
}
