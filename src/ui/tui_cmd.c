/*
 * tui_cmd.c: the commands the full-screen view answers itself, before
 * the conversation sees the line: /help [CMD], /clear, /quit MESSAGE,
 * /me alone, /away, /ignore, /trust, /security, and /who in a room.  The rest go on to the
 * conversation (chat.c, room.c) unchanged.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "err.h"
#include "trust.h"
#include "tui_impl.h"

int
tui_is_cmd(const char *line, size_t len, const char *w, const char **arg,
    size_t *alen)
{
	size_t n = strlen(w);

	if (len < n || memcmp(line, w, n) != 0 || (len > n && line[n] != ' '))
		return 0;
	*arg = line + n;
	*alen = len - n;
	while (*alen > 0 && **arg == ' ') {
		(*arg)++;
		(*alen)--;
	}
	/* Tab completion leaves a space after the name. */
	while (*alen > 0 && (*arg)[*alen - 1] == ' ')
		(*alen)--;
	return 1;
}

static void
help(struct tui *ui, const char *arg, size_t alen)
{
	int where = ui->w->room ? TUI_HELP_ROOM : TUI_HELP_1TO1;
	const struct tui_help *h;
	char name[32];
	size_t i;

	if (alen > 0) {
		snprintf(name, sizeof(name), "%.*s", (int)alen, arg);
		if ((h = tui_help_find(name)) == NULL ||
		    !(h->where & where)) {
			tui_local(ui, TUI_L_ERROR, "no command %s here (try "
			    "/help)", name);
			return;
		}
		tui_local(ui, TUI_L_NOTICE, "%s %s: %s", h->name, h->args,
		    h->what);
		return;
	}
	tui_local(ui, TUI_L_NOTICE, "commands (/help CMD for one):");
	for (i = 0; i < tui_nhelp; i++)
		if (tui_help[i].where & where)
			tui_local(ui, TUI_L_NOTICE, "  %s %s: %s",
			    tui_help[i].name, tui_help[i].args,
			    tui_help[i].what);
	tui_local(ui, TUI_L_NOTICE, "keys: PgUp/PgDn scroll, Home/End (on an "
	    "empty line) the first and last lines, Tab completes, Ctrl-C "
	    "clears the line (on an empty one: quit)%s; a line starting "
	    "with // sends a line starting with /",
	    ui->w->room ? ", Ctrl-B or F2 the member list" : "");
}

static void
ignore(struct tui *ui, const char *arg, size_t alen)
{
	char name[TUI_NAME_MAX], list[TUI_MAX_IGNORED * 34 + 1];
	size_t i, o = 0;

	if (alen == 0) {
		list[0] = '\0';
		for (i = 0; i < ui->nignored; i++)
			o += (size_t)snprintf(list + o, sizeof(list) - o,
			    " %s", ui->ignored[i]);
		tui_local(ui, TUI_L_NOTICE, ui->nignored == 0 ? "nobody is "
		    "ignored" : "ignored:%s", list);
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(alen < 32 ? alen : 32),
	    arg);
	for (i = 0; i < ui->nignored; i++)
		if (strcasecmp(ui->ignored[i], name) == 0) {
			memmove(ui->ignored[i], ui->ignored[i + 1],
			    (ui->nignored - i - 1) * sizeof(ui->ignored[0]));
			ui->nignored--;
			tui_local(ui, TUI_L_NOTICE, "no longer ignoring %s",
			    name);
			return;
		}
	if (ui->nignored == TUI_MAX_IGNORED) {
		tui_local(ui, TUI_L_ERROR, "already ignoring %d names",
		    TUI_MAX_IGNORED);
		return;
	}
	strcpy(ui->ignored[ui->nignored++], name);
	tui_local(ui, TUI_L_NOTICE, "ignoring %s: their messages are hidden "
	    "here (they are not told); /ignore %s again to see them", name,
	    name);
}

static void
trust(struct tui *ui, const char *arg, size_t alen)
{
	char name[TUI_NAME_MAX];
	struct tui_member *m;
	int r;

	if (alen == 0 && !ui->w->room && ui->w->nmem > 0)
		snprintf(name, sizeof(name), "%s", ui->w->mem[0].name);
	else
		snprintf(name, sizeof(name), "%.*s", (int)(alen < 32 ? alen :
		    32), arg);
	if (name[0] == '\0') {
		tui_local(ui, TUI_L_ERROR, "usage: /trust NAME");
		return;
	}
	if ((m = tui_member_find(ui, name)) == NULL) {
		tui_local(ui, TUI_L_ERROR, "no member named %s here", name);
		return;
	}
	/* A child's window knows a key once the child has told it. */
	if (sodium_is_zero(m->pk, sizeof(m->pk))) {
		tui_local(ui, TUI_L_ERROR, "%s's key is not known here yet",
		    m->name);
		return;
	}
	if (ui->confdir[0] == '\0' ||
	    (r = trust_set(ui->confdir, m->name, m->pk)) != 0) {
		tui_local(ui, TUI_L_ERROR, "cannot record it in %s/%s",
		    ui->confdir, TRUST_FILE_NAME);
		return;
	}
	m->verified = 1;
	tui_local(ui, TUI_L_NOTICE, "%s (key %s) is verified from now on: "
	    "you said you compared the safety number (/verify %s); it "
	    "resets if their key changes", m->name, m->tag, m->name);
	tui_dirty(ui);
}

/* /who in a room: who is in, their key tags, and whether you compared
 * their safety numbers (what "verified" means here). */
static void
who(struct tui *ui)
{
	size_t i, nv = 0;

	tui_local(ui, TUI_L_NOTICE, "%s (you)", ui->self);
	for (i = 0; i < ui->w->nmem; i++) {
		const struct tui_member *m = &ui->w->mem[i];

		nv += (size_t)m->verified;
		tui_local(ui, TUI_L_NOTICE, "%s, key %s, %s", m->name, m->tag,
		    m->verified ? "verified (you compared the safety number)" :
		    "not verified");
	}
	tui_local(ui, TUI_L_NOTICE, "%zu other member%s, %zu verified by you "
	    "(/verify NAME, then /trust NAME)", ui->w->nmem, ui->w->nmem == 1 ? "" :
	    "s", nv);
}

static void
security(struct tui *ui)
{
	size_t i, nv = 0;

	for (i = 0; i < ui->w->nmem; i++)
		nv += (size_t)ui->w->mem[i].verified;
	if (!ui->w->room) {
		tui_local(ui, TUI_L_NOTICE, "this chat: end-to-end encrypted "
		    "with keys from a password-authenticated exchange (CPace) "
		    "made fresh for this chat (forward secrecy: a later leak "
		    "of the password or of your identity key doesn't open "
		    "it); every message is authenticated");
		tui_local(ui, TUI_L_NOTICE, "peer: %s", ui->w->nmem == 0 ? "?" :
		    ui->w->mem[0].verified ? "verified (you compared the safety "
		    "number)" : "not verified: compare /verify over another "
		    "channel, then /trust");
	} else {
		tui_local(ui, TUI_L_NOTICE, "this room: end-to-end encrypted "
		    "for its members by the room's group keys; each member "
		    "signs what they say; the relay only routes sealed blobs");
		tui_local(ui, TUI_L_NOTICE, "verified members: %zu of %zu "
		    "(compare /verify NAME, then /trust NAME)", nv, ui->w->nmem);
	}
	tui_local(ui, TUI_L_NOTICE, "what the network%s sees: the addresses, "
	    "when and how much each side sends, %s; never what is said",
	    ui->w->room ? " and the relay" : "", ui->w->room ? "who is in the room "
	    "and under which names" : "and how long the chat lasts");
}

/* /invite: the room's invitation again, and what it gives away. */
static void
invite(struct tui *ui)
{
	if (!ui->w->room || ui->w->invitation == NULL) {
		tui_local(ui, TUI_L_ERROR, "no invitation here (rooms only)");
		return;
	}
	tui_local(ui, TUI_L_NOTICE, "anyone with this line can read the "
	    "room and speak in it (a guarded room also asks for its answer "
	    "or code): share it privately, only with people you would let "
	    "in");
	tui_local(ui, TUI_L_NOTICE, "invitation: %s", ui->w->invitation);
	tui_local(ui, TUI_L_NOTICE, "(copied in pieces, the interactive "
	    "start puts it back together)");
}

int
tui_cmd(struct tui *ui, const char *line, size_t len)
{
	const char *arg;
	size_t alen;
	char tmp[512];

	if (len == 0 || line[0] != '/')
		return 0;
	if (tui_cmd_win(ui, line, len))
		return 1;
	if (tui_is_cmd(line, len, "/help", &arg, &alen))
		help(ui, arg, alen);
	else if (tui_is_cmd(line, len, "/clear", &arg, &alen)) {
		tui_scroll_clear(&ui->w->sb);
		ui->w->follow = 1;
	} else if (tui_is_cmd(line, len, "/quit", &arg, &alen) && alen > 0) {
		tui_say(ui, arg, alen);
		tui_pass(ui, "/quit", 5);
	} else if (tui_is_cmd(line, len, "/me", &arg, &alen) && alen == 0)
		tui_local(ui, TUI_L_ERROR, "usage: /me ACTION (e.g. /me waves)");
	else if (tui_is_cmd(line, len, "/away", &arg, &alen)) {
		ui->away = alen > 0;
		snprintf(tmp, sizeof(tmp), alen > 0 ? "/me is away: %.*s" :
		    "/me is back", (int)(alen > 400 ? 400 : alen), arg);
		tui_pass(ui, tmp, strlen(tmp));
	} else if (tui_is_cmd(line, len, "/ignore", &arg, &alen))
		ignore(ui, arg, alen);
	else if (tui_is_cmd(line, len, "/trust", &arg, &alen))
		trust(ui, arg, alen);
	else if (tui_is_cmd(line, len, "/security", &arg, &alen))
		security(ui);
	else if (ui->w->room && tui_is_cmd(line, len, "/who", &arg, &alen))
		who(ui);
	else if (tui_is_cmd(line, len, "/invite", &arg, &alen))
		invite(ui);
	else
		return 0;
	tui_dirty(ui);
	return 1;
}
