/*
 * term_view.c: the term_* calls that only the full-screen view acts on
 * (see term.h); in line mode they do nothing, so its output is as before.
 */
#include "term.h"
#include "tui.h"

void
term_private(struct term *t, const char *name, int color, const uint8_t *text,
    size_t len)
{
	struct tui *ui = term_tui(t);

	if (!tui_active(ui)) {
		term_message(t, name, color, text, len);
		return;
	}
	tui_add(ui, TUI_L_MSG, TUI_F_PRIVATE, name, color, text, len);
}

void
term_set_title(struct term *t, int room, const char *title)
{
	if (term_tui(t) != NULL)
		tui_set_title(term_tui(t), room, title);
}

void
term_set_self(struct term *t, const char *name, int color, const char *confdir)
{
	if (term_tui(t) != NULL)
		tui_set_self(term_tui(t), name, color, confdir);
}

void
term_set_link(struct term *t, enum term_link link)
{
	if (term_tui(t) != NULL)
		tui_set_link(term_tui(t), link);
}

void
term_member(struct term *t, uint32_t id, const char *name, int color,
    const uint8_t pk[32])
{
	if (term_tui(t) != NULL)
		tui_member(term_tui(t), id, name, color, pk);
}

void
term_set_invitation(struct term *t, const char *invitation)
{
	if (term_tui(t) != NULL)
		tui_set_invitation(term_tui(t), invitation);
}

void
term_member_gone(struct term *t, uint32_t id)
{
	if (term_tui(t) != NULL)
		tui_member_gone(term_tui(t), id);
}
