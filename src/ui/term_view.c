/*
 * term_view.c: the term_* calls that only the full-screen view acts on
 * (see term.h); in line mode they do nothing, so its output is as before.
 */
#include <fcntl.h>
#include <stdlib.h>

#include "fileio.h"
#include "memline.h"
#include "term.h"
#include "tui.h"

/* A line-mode sotto run as a window of the full-screen view tells it
 * its members on the descriptor named by MEMLINE_ENV (memline.h); -1
 * when there is none. */
static int
members_fd(void)
{
	static int fd = -2;
	const char *e;
	char *end;
	long v;

	if (fd != -2)
		return fd;
	fd = -1;
	if ((e = getenv(MEMLINE_ENV)) == NULL)
		return fd;
	v = strtol(e, &end, 10);
	if (*end == '\0' && v >= 3 && v < 1024 && fcntl((int)v, F_GETFD) != -1) {
		fd = (int)v;
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	return fd;
}

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
	char line[MEMLINE_MAX];
	size_t n;

	if (term_tui(t) != NULL)
		tui_member(term_tui(t), id, name, color, pk);
	else if (members_fd() != -1 &&
	    (n = memline_member(line, id, color, pk, name)) > 0)
		(void)fileio_write_all(members_fd(), line, n);
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
	char line[MEMLINE_MAX];

	if (term_tui(t) != NULL)
		tui_member_gone(term_tui(t), id);
	else if (members_fd() != -1)
		(void)fileio_write_all(members_fd(), line,
		    memline_gone(line, id));
}
