/*
 * tui_draw.c: the full-screen view's screen: layout, the scrollback's
 * rows, the title, status and input lines, the member list.  Everything
 * is drawn with ncurses wide-character calls from sanitized text.
 */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include <curses.h>

#include "sanitize.h"
#include "tui_impl.h"
#include "tui_wrap.h"

#define WBUF	512

/* A colour pair for a 256-colour index, made on first use. */
static attr_t
color_attr(struct tui *ui, int idx)
{
	int fg;

	if (!ui->color || idx <= 0 || idx > 255)
		return 0;
	if (ui->pairs[idx] == 0) {
		if (ui->npairs + 1 >= COLOR_PAIRS)
			return 0;
		fg = COLORS >= 256 ? idx : 1 + idx % 6;
		if (init_pair((short)(ui->npairs + 1), (short)fg, -1) != OK)
			return 0;
		ui->pairs[idx] = (unsigned)++ui->npairs;
	}
	return COLOR_PAIR(ui->pairs[idx]);
}

/* Draws UTF-8 text at the cursor in at most cols columns; returns the
 * columns used. */
static int
put(const char *p, size_t len, int cols, attr_t a)
{
	wchar_t w[WBUF];
	size_t off = 0, k, nw = 0;
	uint32_t cp;
	int used = 0, cw;

	attron(a);
	while (off < len && used < cols) {
		k = ui_utf8_next((const uint8_t *)p + off, len - off, &cp);
		off += k;
		if (cp == '\t')
			cp = ' ';
		cw = ui_cp_width(cp);
		if (cp == UI_UTF8_INVALID || cp < 0x20 || wcwidth((wchar_t)cp) < 0)
			cp = 0xfffd;
		if (used + cw > cols)
			break;
		if (cw == 0 && nw == 0)
			continue;	/* nothing to combine with */
		w[nw++] = (wchar_t)cp;
		used += cw;
		if (nw == WBUF) {
			addnwstr(w, (int)nw);
			nw = 0;
		}
	}
	if (nw > 0)
		addnwstr(w, (int)nw);
	attroff(a);
	return used;
}

static int
puts_at(int y, int x, const char *s, int cols, attr_t a)
{
	move(y, x);
	return put(s, strlen(s), cols, a);
}

/* Pads row y with spaces up to column x_end, unless the text before
 * filled it (curses then moved the cursor to the next row). */
static void
pad(int y, int x_end, attr_t a)
{
	int cy, x;

	getyx(stdscr, cy, x);
	if (cy != y)
		return;
	attron(a);
	while (x++ < x_end)
		addch(' ');
	attroff(a);
}

static int
pane_width(const struct tui *ui)
{
	if (!ui->w->room || !ui->show_members || COLS < 40)
		return 0;
	return COLS >= 100 ? 24 : 18;
}

/* Columns the prompt gets: half the row, all but one on a tiny one. */
static int
prompt_cols(void)
{
	return COLS > 20 ? COLS / 2 : COLS - 1;
}

/*
 * The input laid out on rows of COLS columns, wrapping at characters:
 * calls fn (if not NULL) for each character with its row and column, and
 * returns the rows it takes; *crow and *ccol get the cursor's cell.
 */
static int
input_layout(const struct tui *ui, int *crow, int *ccol,
    void (*fn)(const char *, size_t, int, int, int, void *), void *arg)
{
	const uint8_t *text = NULL;
	size_t len = 0, cur = 0, off, k, plen = strlen(ui->w->prompt);
	int row = 0, col = 0, cw, pw = 0, inprompt;
	uint32_t cp;

	if (ui->w->le != NULL) {
		text = lineedit_peek_text(ui->w->le, &len);
		cur = lineedit_get_cursor(ui->w->le);
	}
	*crow = *ccol = 0;
	for (inprompt = 1; inprompt >= 0; inprompt--) {
		const char *p = inprompt ? ui->w->prompt : (const char *)text;
		size_t n = inprompt ? plen : len;

		for (off = 0; off < n; off += k) {
			if (!inprompt && off == cur) {
				*crow = row;
				*ccol = col;
			}
			k = ui_utf8_next((const uint8_t *)p + off, n - off, &cp);
			cw = ui_cp_width(cp);
			if (inprompt && pw + cw > prompt_cols())
				break;
			if (col + cw > COLS && col > 0) {
				row++;
				col = 0;
			}
			if (fn != NULL)
				fn(p + off, k, row, col, inprompt, arg);
			col += cw;
			if (inprompt)
				pw += cw;
		}
	}
	if (cur >= len) {
		if (col >= COLS) {
			row++;
			col = 0;
		}
		*crow = row;
		*ccol = col;
	}
	return (*crow > row ? *crow : row) + 1;
}

/* Rows the input line takes: it grows with its text, up to a quarter
 * of the screen (5 rows at most), on a screen of 8 rows or more. */
static int
input_rows(const struct tui *ui)
{
	int max = LINES >= 8 ? LINES / 4 : 1, need, r, c;

	if (max > 5)
		max = 5;
	if (ui->ask != TUI_ASK_NONE || max <= 1)
		return 1;
	need = input_layout(ui, &r, &c, NULL, NULL);
	return need < 1 ? 1 : need > max ? max : need;
}

void
tui_area(const struct tui *ui, int *top, int *rows, int *width)
{
	int h = LINES;

	*top = h >= 4 ? 1 : 0;
	*rows = h - input_rows(ui) - (h >= 3) - *top;
	if (*rows < 0)
		*rows = 0;
	*width = COLS - pane_width(ui);
	if (*width < 1)
		*width = 1;
}

/* The stamp and lead of a line, and their columns. */
static int
prefix(const struct tui *ui, const struct tui_line *l, char *ts, size_t tslen,
    const char **lead, const char **sep)
{
	struct tm tm;
	int cols;

	ts[0] = '\0';
	*lead = "";
	*sep = "";
	if (l->kind == TUI_L_DAY || l->kind == TUI_L_MARK) {
		*lead = "--- ";
		return 4;
	}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* The format is the user's own (config file), checked there. */
	if (ui->tsfmt[0] != '\0' && localtime_r(&l->when, &tm) != NULL &&
	    strftime(ts, tslen - 1, ui->tsfmt, &tm) > 0)
		strcat(ts, " ");
#pragma GCC diagnostic pop
	cols = (int)ui_text_width((const uint8_t *)ts, strlen(ts));
	switch (l->kind) {
	case TUI_L_MSG:
		*sep = ": ";
		break;
	case TUI_L_ACTION:
		*lead = "* ";
		*sep = " ";
		break;
	case TUI_L_NOTICE:
		*lead = "* ";
		break;
	case TUI_L_ERROR:
		*lead = "! ";
		break;
	}
	return cols + (int)strlen(*lead) +
	    (int)ui_text_width((const uint8_t *)l->name, strlen(l->name)) + (int)strlen(*sep);
}

static int
indent_of(int pre, int w)
{
	return pre < w / 3 ? pre : w / 3;
}

size_t
tui_line_rows(const struct tui *ui, const struct tui_line *l, int w)
{
	const char *lead, *sep;
	char ts[64];
	int pre = prefix(ui, l, ts, sizeof(ts), &lead, &sep);

	/* Only the newest read marker takes a row. */
	if (l->kind == TUI_L_MARK && l->seq != ui->w->mark_seq)
		return 0;
	return tui_wrap(l->text, l->len, w - pre, w - indent_of(pre, w),
	    NULL, 0);
}

/* Draws rows [skip, skip+maxrows) of line l from row y; returns rows. */
static int
draw_line(struct tui *ui, const struct tui_line *l, int y, int w,
    size_t skip, int maxrows)
{
	struct tui_row rows[64], *rp = rows;
	const char *lead, *sep;
	char ts[64];
	int pre, ind, drawn = 0;
	size_t n, i;
	attr_t text_a = 0, name_a;

	if (l->kind == TUI_L_MARK && l->seq != ui->w->mark_seq)
		return 0;
	pre = prefix(ui, l, ts, sizeof(ts), &lead, &sep);
	ind = indent_of(pre, w);
	n = tui_wrap(l->text, l->len, w - pre, w - ind, NULL, 0);
	if (n > sizeof(rows) / sizeof(rows[0]) &&
	    (rp = calloc(n, sizeof(*rp))) == NULL)
		return 0;
	(void)tui_wrap(l->text, l->len, w - pre, w - ind, rp, n);
	name_a = color_attr(ui, l->color) | A_BOLD;
	if (l->kind == TUI_L_NOTICE || l->kind == TUI_L_DAY)
		text_a = ui->color ? A_DIM : 0;
	if (l->kind == TUI_L_MARK)
		text_a = A_BOLD;
	if (l->kind == TUI_L_ERROR)
		text_a = color_attr(ui, 196) | A_BOLD;
	if (l->flags & TUI_F_MENTION)
		text_a |= A_BOLD | A_REVERSE;
	for (i = skip; i < n && drawn < maxrows; i++, drawn++) {
		move(y + drawn, 0);
		if (i == 0) {
			put(ts, strlen(ts), w, ui->color ? A_DIM : 0);
			put(lead, strlen(lead), w, text_a & ~A_REVERSE);
			put(l->name, strlen(l->name), w, name_a);
			put(sep, strlen(sep), w, 0);
		} else
			move(y + drawn, ind);
		put(l->text + rp[i].off, rp[i].len, w - (i == 0 ? pre : ind),
		    text_a);
		if (l->kind == TUI_L_DAY || l->kind == TUI_L_MARK)
			put(" ---", 4, w, text_a);
	}
	if (rp != rows)
		free(rp);
	return drawn;
}

/* Where the view starts when it follows the end. */
static void
follow_top(struct tui *ui, int rows, int w, size_t *ti, size_t *off)
{
	size_t n = tui_scroll_count(&ui->w->sb), i = n, sum = 0, r = 0;

	*ti = 0;
	*off = 0;
	while (i > 0 && sum < (size_t)rows) {
		i--;
		r = tui_line_rows(ui, tui_scroll_get(&ui->w->sb, i), w);
		sum += r;
	}
	*ti = i;
	*off = sum > (size_t)rows ? sum - (size_t)rows : 0;
}

/* Rows from (ti, off) to the end, counting up to limit. */
static size_t
rows_from(const struct tui *ui, size_t ti, size_t off, int w, size_t limit)
{
	size_t n = tui_scroll_count(&ui->w->sb), sum = 0;

	for (; ti < n && sum <= limit + off; ti++)
		sum += tui_line_rows(ui, tui_scroll_get(&ui->w->sb, ti), w);
	return sum > off ? sum - off : 0;
}

static void
set_top(struct tui *ui, size_t ti, size_t off, int rows, int w)
{
	const struct tui_line *l = tui_scroll_get(&ui->w->sb, ti);

	ui->w->follow = 0;
	ui->w->top_seq = l != NULL ? l->seq : 0;
	ui->w->top_row = off;
	/* Everything left fits: back to following the end. */
	if (l == NULL || rows_from(ui, ti, off, w, (size_t)rows) <=
	    (size_t)rows)
		ui->w->follow = 1;
}

void
tui_scroll_by(struct tui *ui, long delta)
{
	size_t n = tui_scroll_count(&ui->w->sb), ti, uoff, r;
	int top, rows, w;
	long off;

	tui_area(ui, &top, &rows, &w);
	if (n == 0 || rows <= 0)
		return;
	if (ui->w->follow)
		follow_top(ui, rows, w, &ti, &uoff);
	else {
		ti = tui_scroll_index(&ui->w->sb, ui->w->top_seq);
		uoff = ui->w->top_row;
	}
	off = (long)uoff + delta;
	while (off < 0 && ti > 0) {
		ti--;
		off += (long)tui_line_rows(ui, tui_scroll_get(&ui->w->sb, ti), w);
	}
	if (off < 0)
		off = 0;
	while (ti + 1 < n && off >= (long)(r = tui_line_rows(ui,
	    tui_scroll_get(&ui->w->sb, ti), w))) {
		off -= (long)r;
		ti++;
	}
	set_top(ui, ti, (size_t)off, rows, w);
	tui_dirty(ui);
}

void
tui_scroll_top(struct tui *ui)
{
	int top, rows, w;

	tui_area(ui, &top, &rows, &w);
	set_top(ui, 0, 0, rows, w);
	tui_dirty(ui);
}

static void
draw_scrollback(struct tui *ui, int top, int rows, int w)
{
	size_t n = tui_scroll_count(&ui->w->sb), ti, off, r, last = 0;
	int y = top, avail = rows, got;
	char mark[96];

	if (rows <= 0)
		return;
	if (ui->w->follow)
		follow_top(ui, rows, w, &ti, &off);
	else {
		ti = tui_scroll_index(&ui->w->sb, ui->w->top_seq);
		off = ui->w->top_row;
		if (ti < n && off >= (r = tui_line_rows(ui,
		    tui_scroll_get(&ui->w->sb, ti), w)))
			off = r > 0 ? r - 1 : 0;
		avail = rows > 1 ? rows - 1 : rows;
	}
	for (; ti < n && y < top + avail; ti++) {
		const struct tui_line *l = tui_scroll_get(&ui->w->sb, ti);

		got = draw_line(ui, l, y, w, off, top + avail - y);
		if ((size_t)got + off >= tui_line_rows(ui, l, w))
			last = ti + 1;
		y += got;
		off = 0;
	}
	ui->w->below = n > last ? n - last : 0;
	if (!ui->w->follow) {
		snprintf(mark, sizeof(mark), " -- more below: %zu line%s "
		    "(PgDn, End) -- ", ui->w->below, ui->w->below == 1 ? "" : "s");
		puts_at(top + rows - 1, 0, mark, w, A_REVERSE);
	}
}

static void
draw_members(struct tui *ui, int top, int rows)
{
	int pw = pane_width(ui), x = COLS - pw + 1, y = top, i, nv = 0;
	char line[96];
	size_t k;

	if (pw == 0 || rows <= 0)
		return;
	mvvline(top, COLS - pw, ACS_VLINE, rows);
	for (k = 0; k < ui->w->nmem; k++)
		nv += ui->w->mem[k].verified;
	snprintf(line, sizeof(line), "%zu member%s, %d verified",
	    ui->w->nmem + 1, ui->w->nmem == 0 ? "" : "s", nv);
	puts_at(y++, x, line, pw - 1, A_BOLD);
	if (y < top + rows) {
		move(y++, x);
		put("  ", 2, pw - 1, 0);
		put(ui->self, strlen(ui->self), pw - 3,
		    color_attr(ui, ui->self_color) | A_BOLD);
		put(" (you)", 6, pw - 3 - (int)strlen(ui->self), 0);
	}
	for (i = 0; i < (int)ui->w->nmem && y < top + rows; i++, y++) {
		const struct tui_member *m = &ui->w->mem[i];
		int used;

		int tagw, namew;

		move(y, x);
		used = put(m->verified ? "\u2713 " : "  ", m->verified ? 4 : 2,
		    pw - 1, m->verified ? A_BOLD : 0);
		/* The whole key tag tells lookalike names apart: the name
		 * gives way first (down to 4 columns). */
		snprintf(line, sizeof(line), "~%s", m->tag);
		tagw = (int)strlen(line);
		namew = (int)ui_text_width((const uint8_t *)m->name, strlen(m->name));
		if (namew > pw - 1 - used - tagw)
			namew = pw - 1 - used - tagw;
		if (namew < 4)
			namew = 4;
		used += put(m->name, strlen(m->name), namew,
		    color_attr(ui, m->color));
		put(line, strlen(line), pw - 1 - used, ui->color ? A_DIM : 0);
	}
}

/* The length counter, from 3072 bytes on ("" before). */
static void
counter_text(const struct tui *ui, char *out, size_t outlen, size_t *len)
{
	(void)lineedit_peek_text(ui->w->le, len);
	out[0] = '\0';
	if (*len >= TUI_COUNTER_FROM)
		snprintf(out, outlen, " %zu/%d", *len, MSG_MAX_TEXT_TUI);
}

static const char *
link_text(enum term_link l)
{
	switch (l) {
	case TERM_LINK_CONNECTING:
		return "connecting";
	case TERM_LINK_UP:
		return "connected";
	case TERM_LINK_DOWN:
		return "disconnected";
	}
	return "?";
}

static void
draw_status(struct tui *ui, int y)
{
	char s[512];
	size_t k, nv = 0, len;
	int o;

	for (k = 0; k < ui->w->nmem; k++)
		nv += (size_t)ui->w->mem[k].verified;
	o = snprintf(s, sizeof(s), " [%s] [%s] ", ui->self[0] ? ui->self :
	    "?", link_text(ui->w->link));
	if (ui->nwin > 1 && o < (int)sizeof(s)) {
		tui_win_activity(ui, s + o, sizeof(s) - (size_t)o);
		o += (int)strlen(s + o);
	}
	if (!ui->w->room && ui->w->nmem > 0)
		o += snprintf(s + o, sizeof(s) - (size_t)o, "[encrypted, %s %s] ",
		    ui->w->mem[0].name, ui->w->mem[0].verified ? "verified" :
		    "not verified: /trust after comparing");
	else if (ui->w->room)
		o += snprintf(s + o, sizeof(s) - (size_t)o, "[encrypted, %zu of "
		    "%zu verified] ", nv, ui->w->nmem);
	if (ui->away && o < (int)sizeof(s))
		o += snprintf(s + o, sizeof(s) - (size_t)o, "[away] ");
	if (ui->held && o < (int)sizeof(s))
		o += snprintf(s + o, sizeof(s) - (size_t)o, "[sending...] ");
	if (ui->w->mentions > 0 && o < (int)sizeof(s))
		o += snprintf(s + o, sizeof(s) - (size_t)o, "[%u mention%s] ",
		    ui->w->mentions, ui->w->mentions == 1 ? "" : "s");
	(void)o;
	puts_at(y, 0, s, COLS, A_REVERSE);
	pad(y, COLS, A_REVERSE);
	/* Near the limit, the input's length, at the right end. */
	counter_text(ui, s, sizeof(s), &len);
	if (s[0] != '\0' && (int)strlen(s) < COLS)
		puts_at(y, COLS - (int)strlen(s), s, (int)strlen(s),
		    len > MSG_MAX_TEXT_TUI ? (color_attr(ui, 196) | A_BOLD) :
		    A_BOLD);
}

static void
draw_title(struct tui *ui)
{
	char s[512];

	snprintf(s, sizeof(s), " sotto: %s", ui->w->title[0] ? ui->w->title :
	    "chat");
	if (ui->w->room) {
		size_t n = strlen(s);

		snprintf(s + n, sizeof(s) - n, " (%zu member%s)", ui->w->nmem + 1,
		    ui->w->nmem == 0 ? "" : "s");
	}
	puts_at(0, 0, s, COLS, A_REVERSE | A_BOLD);
	pad(0, COLS, A_REVERSE | A_BOLD);
}

struct input_draw {
	struct tui	*ui;
	int		 y, first, nrows;
};

static void
input_cell(const char *p, size_t k, int row, int col, int inprompt, void *arg)
{
	struct input_draw *d = arg;

	if (row < d->first || row >= d->first + d->nrows)
		return;
	move(d->y + row - d->first, col);
	put(p, k, COLS - col, inprompt ? color_attr(d->ui,
	    d->ui->self_color) | A_BOLD : 0);
}

/* The input on several rows, scrolled to keep the cursor's row in view;
 * leaves the cursor in place. */
static void
draw_input_rows(struct tui *ui, int y, int nrows)
{
	struct input_draw d = { ui, y, 0, nrows };
	int crow, ccol;

	(void)input_layout(ui, &crow, &ccol, NULL, NULL);
	d.first = crow >= nrows ? crow - nrows + 1 : 0;
	(void)input_layout(ui, &crow, &ccol, input_cell, &d);
	move(y + crow - d.first, ccol);
}

/* The input line: the prompt, a window of the text around the cursor,
 * the length counter near the limit (with_counter).  Leaves the cursor
 * in place. */
static void
draw_input(struct tui *ui, int y, int with_counter)
{
	const char *q = NULL;
	const uint8_t *text;
	size_t len, cur, start, w;
	char qb[64], counter[32] = "";
	int pw, avail, cx, cw;

	switch (ui->ask) {
	case TUI_ASK_PASTE:
		snprintf(qb, sizeof(qb), "send %d lines? [y/N] ", ui->npasted);
		q = qb;
		break;
	case TUI_ASK_LEAVE:
		q = "leave? [y/N] ";
		break;
	case TUI_ASK_QUIT:
		q = "messages are still going out: quit? [y/N] ";
		break;
	case TUI_ASK_SECRET:
		q = ui->secret_for;
		break;
	case TUI_ASK_NONE:
		break;
	}
	move(y, 0);
	if (q != NULL) {
		put(q, strlen(q), COLS, A_BOLD);
		return;
	}
	/* Half the row at most, but on a tiny one all but a column. */
	pw = put(ui->w->prompt, strlen(ui->w->prompt), prompt_cols(),
	    color_attr(ui, ui->self_color) | A_BOLD);
	text = lineedit_peek_text(ui->w->le, &len);
	cur = lineedit_get_cursor(ui->w->le);
	if (with_counter)
		counter_text(ui, counter, sizeof(counter), &len);
	cw = (int)strlen(counter);
	avail = COLS - pw - cw - 1;
	if (avail < 1)
		avail = 1;
	/* Start far enough left that the cursor stays in view. */
	start = cur;
	w = 0;
	while (start > 0) {
		size_t s = start - 1;
		uint32_t cp;

		while (s > 0 && (text[s] & 0xc0) == 0x80)
			s--;
		(void)ui_utf8_next(text + s, len - s, &cp);
		if (w + (size_t)ui_cp_width(cp) > (size_t)avail - 1)
			break;
		w += (size_t)ui_cp_width(cp);
		start = s;
	}
	cx = pw + put((const char *)text + start, cur - start, avail, 0);
	put((const char *)text + cur, len - cur, avail - (cx - pw), 0);
	if (cw > 0)
		puts_at(y, COLS - cw, counter, cw, len > MSG_MAX_TEXT_TUI ?
		    (color_attr(ui, 196) | A_BOLD | A_REVERSE) : A_BOLD);
	move(y, cx);
}

void
tui_draw(struct tui *ui)
{
	int top, rows, w, h = LINES, ir;

	if (!ui->started)
		return;
	erase();
	tui_area(ui, &top, &rows, &w);
	ir = input_rows(ui);
	if (top > 0)
		draw_title(ui);
	draw_scrollback(ui, top, rows, w);
	draw_members(ui, top, rows);
	if (h >= 3)
		draw_status(ui, h - ir - 1);
	curs_set(ui->input_on || ui->w->child != NULL ? 1 : 0);
	if (ir > 1)
		draw_input_rows(ui, h - ir, ir);
	else
		draw_input(ui, h - 1, h < 3);
	refresh();
}
