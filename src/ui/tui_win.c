/*
 * tui_win.c: the full-screen view's windows: one per conversation, the
 * program's own first (Alt-1), others started with /join or /connect
 * (tui_child.c); switching (Alt-1...9, Alt-Left/Right), and what the
 * status bar says about the windows not shown.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "tui_impl.h"

struct tui_win *
tui_win_new(struct tui *ui)
{
	struct tui_win *w;

	if (ui->nwin == TUI_MAX_WINDOWS || (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->follow = 1;
	w->link = TERM_LINK_CONNECTING;
	if (tui_scroll_init(&w->sb, 0, 0) != 0 ||
	    (w->le = lineedit_new(TUI_INPUT_MAX)) == NULL) {
		tui_win_free(w);
		return NULL;
	}
	ui->win[ui->nwin++] = w;
	return w;
}

void
tui_win_free(struct tui_win *w)
{
	if (w == NULL)
		return;
	tui_scroll_release(&w->sb);
	lineedit_free(w->le);
	free(w->mem);
	if (w->invitation != NULL)
		sodium_free(w->invitation);	/* wipes */
	free(w);
}

/* Takes w out of the list (it must not be the program's own). */
void
tui_win_remove(struct tui *ui, struct tui_win *w)
{
	size_t i;

	for (i = 1; i < ui->nwin; i++)
		if (ui->win[i] == w)
			break;
	if (i == ui->nwin)
		return;
	memmove(&ui->win[i], &ui->win[i + 1],
	    (ui->nwin - i - 1) * sizeof(ui->win[0]));
	ui->nwin--;
	if (ui->w == w)
		tui_win_show(ui, i - 1);
	else
		tui_win_show(ui, tui_win_index(ui, ui->w));
}

size_t
tui_win_index(const struct tui *ui, const struct tui_win *w)
{
	size_t i;

	for (i = 0; i < ui->nwin; i++)
		if (ui->win[i] == w)
			return i;
	return 0;
}

void
tui_win_show(struct tui *ui, size_t i)
{
	if (i >= ui->nwin)
		return;
	/* Leaving a window: what comes to it next goes under a marker. */
	if (ui->w != NULL && ui->w != ui->win[i])
		ui->w->marked = 0;
	ui->cur = i;
	ui->w = ui->win[i];
	ui->w->activity = 0;
	ui->w->mentions = 0;
	tui_dirty(ui);
}

/* "[2:carol* 3:room!]": the other windows, '*' with new lines, '!'
 * with a mention. */
void
tui_win_activity(const struct tui *ui, char *out, size_t outlen)
{
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	if (ui->nwin < 2)
		return;
	for (i = 0; i < ui->nwin && o + 40 < outlen; i++) {
		const struct tui_win *w = ui->win[i];
		char name[24];

		snprintf(name, sizeof(name), "%.20s", w->title[0] ? w->title :
		    "?");
		n = snprintf(out + o, outlen - o, "%s%zu%s%s%s", o == 0 ? "[" :
		    " ", i + 1, w == ui->w ? "=" : ":", w == ui->w ? "" : name,
		    w->mentions > 0 ? "!" : w->activity > 0 ? "*" : "");
		if (n > 0)
			o += (size_t)n;
	}
	if (o + 3 < outlen)
		snprintf(out + o, outlen - o, "] ");
}
