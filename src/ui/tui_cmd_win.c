/*
 * tui_cmd_win.c: the window commands of the full-screen view: /join
 * INVITATION (a room), /connect HOST[:PORT] (a 1:1 chat; the password
 * is asked without echo), /host [PORT] (wait for one; the password
 * twice), /window N, /close.  Each new conversation runs
 * in a child sotto in line mode (tui_child.c) in a window of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "addr.h"
#include "err.h"
#include "invite.h"
#include "tui_impl.h"

/* What the secret asked for will start: "join", "connect" (to
 * pending_host), "host" and "host2" (the port in pending_host), "jq"
 * and "jc" (a guarded room's answer and code, pending_guard). */
static char pending_what[8];
static char pending_host[256];
static int pending_guard;

static void	ask_secret(struct tui *, const char *, const char *);

/* A new window running 'sotto ARGS' with the secrets on its fds 3...;
 * a room's invitation (the first secret) is kept for /invite. */
static void
open_window(struct tui *ui, char *const argv[], const struct buf *secrets,
    size_t n, int room, const char *title)
{
	struct tui_win *w;

	if ((w = tui_win_new(ui)) == NULL) {
		tui_local(ui, TUI_L_ERROR, "no room for another window (%d at "
		    "most)", TUI_MAX_WINDOWS);
		return;
	}
	w->room = room;
	snprintf(w->title, sizeof(w->title), "%s", title);
	snprintf(w->prompt, sizeof(w->prompt), "%s> ", ui->self);
	if (tui_child_start(ui, w, argv, secrets, n) != 0) {
		tui_local(ui, TUI_L_ERROR, "cannot start the conversation");
		tui_win_remove(ui, w);
		tui_win_free(w);
		return;
	}
	if (room && (w->invitation = sodium_malloc(buf_len(&secrets[0]) +
	    1)) != NULL) {
		memcpy(w->invitation, buf_ptr(&secrets[0]),
		    buf_len(&secrets[0]));
		w->invitation[buf_len(&secrets[0])] = '\0';
	}
	tui_win_show(ui, ui->nwin - 1);
	tui_local(ui, TUI_L_NOTICE, "window %zu: %s (Alt-1...Alt-9 or "
	    "Alt-Left/Right switch windows; /close ends it)", ui->nwin, title);
}

/* One secret as a read-only view, for open_window. */
static void
one(struct buf *b, const void *p, size_t n)
{
	buf_view(b, p, n);
}

/* A guarded room's door: the invitation in ui->secret1, the answer (if
 * asked) in ui->secret2, the code (if asked) in code. */
static void
join_guarded(struct tui *ui, const uint8_t *code, size_t codelen)
{
	struct buf sec[3];
	char *argv[12];
	size_t n = 0, a = 0;
	char fd4[16], fd5[16];

	argv[a++] = "sotto";
	argv[a++] = "join";
	argv[a++] = "--invite-file";
	argv[a++] = "/dev/fd/3";
	one(&sec[n++], buf_ptr(&ui->secret1), buf_len(&ui->secret1));
	if (pending_guard & INVITE_GUARD_QUESTION) {
		snprintf(fd4, sizeof(fd4), "/dev/fd/%zu", 3 + n);
		argv[a++] = "--answer-file";
		argv[a++] = fd4;
		one(&sec[n++], buf_ptr(&ui->secret2), buf_len(&ui->secret2));
	}
	if (pending_guard & INVITE_GUARD_CODE) {
		snprintf(fd5, sizeof(fd5), "/dev/fd/%zu", 3 + n);
		argv[a++] = "--code-file";
		argv[a++] = fd5;
		one(&sec[n++], code, codelen);
	}
	argv[a++] = "--name";
	argv[a++] = ui->self;
	argv[a++] = "--plain";
	argv[a] = NULL;
	open_window(ui, argv, sec, n, 1, "room");
	buf_reset(&ui->secret1);
	buf_reset(&ui->secret2);
}

static void
join(struct tui *ui, const char *inv, size_t n)
{
	char *const argv[] = { "sotto", "join", "--invite-file", "/dev/fd/3",
	    "--name", ui->self, "--plain", NULL };
	struct invite *iv;
	char *text;
	struct buf sec;
	int guard = 0;

	/* A guarded room: its answer and code are asked for here. */
	if ((iv = sodium_malloc(sizeof(*iv))) != NULL &&
	    (text = sodium_malloc(n + 1)) != NULL) {
		memcpy(text, inv, n);
		text[n] = '\0';
		if (invite_decode(iv, text) == 0 && iv->guard != 0) {
			guard = iv->guard;
			if (guard & INVITE_GUARD_QUESTION)
				tui_local(ui, TUI_L_NOTICE, "security question: "
				    "%s", iv->question);
		}
		sodium_free(text);
	}
	if (iv != NULL)
		sodium_free(iv);
	if (guard != 0) {
		pending_guard = guard;
		buf_reset(&ui->secret1);
		(void)buf_put(&ui->secret1, inv, n);
		if (guard & INVITE_GUARD_QUESTION)
			ask_secret(ui, "jq", "answer to the security question "
			    "(not shown): ");
		else
			ask_secret(ui, "jc", "one-time code (a member sees it "
			    "with /code; not shown): ");
		return;
	}
	one(&sec, inv, n);
	open_window(ui, argv, &sec, 1, 1, "room");
}

static void
connect_to(struct tui *ui, const char *host, const uint8_t *pw, size_t n)
{
	char title[300];
	char *const argv[] = { "sotto", "join", (char *)host, "--password-file",
	    "/dev/fd/3", "--name", ui->self, "--plain", NULL };
	struct buf sec;

	snprintf(title, sizeof(title), "1:1 with %s", host);
	one(&sec, pw, n);
	open_window(ui, argv, &sec, 1, 0, title);
}

static void
host(struct tui *ui, const uint8_t *pw, size_t n)
{
	char title[300];
	char *const argv[] = { "sotto", "host", "--port", pending_host,
	    "--password-file", "/dev/fd/3", "--name", ui->self, "--plain",
	    NULL };
	struct buf sec;

	snprintf(title, sizeof(title), "1:1 host, port %s", pending_host);
	one(&sec, pw, n);
	open_window(ui, argv, &sec, 1, 0, title);
}

/* Asks for a secret without echo (TUI_ASK_SECRET). */
static void
ask_secret(struct tui *ui, const char *what, const char *prompt)
{
	snprintf(pending_what, sizeof(pending_what), "%s", what);
	snprintf(ui->secret_for, sizeof(ui->secret_for), "%s", prompt);
	buf_reset(&ui->secret);
	ui->ask = TUI_ASK_SECRET;
	tui_dirty(ui);
}

void
tui_cmd_win_secret(struct tui *ui)
{
	const char *p = (const char *)buf_ptr(&ui->secret);
	size_t n = buf_len(&ui->secret);

	if (n == 0)
		tui_local(ui, TUI_L_NOTICE, "nothing typed: not started");
	else if (strcmp(pending_what, "join") == 0)
		join(ui, p, n);
	else if (strcmp(pending_what, "jq") == 0) {
		buf_reset(&ui->secret2);
		(void)buf_put(&ui->secret2, buf_ptr(&ui->secret), n);
		buf_reset(&ui->secret);
		if (pending_guard & INVITE_GUARD_CODE) {
			ask_secret(ui, "jc", "one-time code (a member sees it "
			    "with /code; not shown): ");
			return;
		}
		join_guarded(ui, NULL, 0);
	} else if (strcmp(pending_what, "jc") == 0)
		join_guarded(ui, buf_ptr(&ui->secret), n);
	else if (strcmp(pending_what, "host") == 0) {
		/* The first of the two: keep it, ask again. */
		buf_reset(&ui->secret1);
		(void)buf_put(&ui->secret1, buf_ptr(&ui->secret), n);
		buf_reset(&ui->secret);
		ask_secret(ui, "host2", "the same password again (not shown): ");
		return;
	} else if (strcmp(pending_what, "host2") == 0) {
		if (n != buf_len(&ui->secret1) || sodium_memcmp(buf_ptr(
		    &ui->secret1), buf_ptr(&ui->secret), n) != 0)
			tui_local(ui, TUI_L_ERROR, "the passwords do not match: "
			    "not started (/host again)");
		else
			host(ui, buf_ptr(&ui->secret), n);
		buf_reset(&ui->secret1);
	} else
		connect_to(ui, pending_host, buf_ptr(&ui->secret), n);
	buf_reset(&ui->secret);		/* wipes */
}

int
tui_cmd_win(struct tui *ui, const char *line, size_t len)
{
	const char *arg;
	size_t alen, i;
	char num[8];

	if (tui_is_cmd(line, len, "/join", &arg, &alen)) {
		/* An invitation on the line is in the input's history; asked
		 * for, it is not. */
		if (alen == 0)
			ask_secret(ui, "join", "invitation (not shown): ");
		else
			join(ui, arg, alen);
	} else if (tui_is_cmd(line, len, "/connect", &arg, &alen)) {
		if (alen == 0 || alen >= sizeof(pending_host) ||
		    memchr(arg, ' ', alen) != NULL) {
			tui_local(ui, TUI_L_ERROR, "usage: /connect HOST[:PORT]");
			return 1;
		}
		snprintf(pending_host, sizeof(pending_host), "%.*s",
		    (int)alen, arg);
		ask_secret(ui, "connect", "password (not shown): ");
	} else if (tui_is_cmd(line, len, "/host", &arg, &alen)) {
		int port = 0;

		snprintf(num, sizeof(num), "%.*s", (int)(alen < 7 ? alen : 7),
		    arg);
		if (alen > 0 && (addr_parse_port(num, 1, &port) != 0)) {
			tui_local(ui, TUI_L_ERROR, "usage: /host [PORT] (0 or "
			    "none: any free port)");
			return 1;
		}
		snprintf(pending_host, sizeof(pending_host), "%d", port);
		ask_secret(ui, "host", "password (not shown): ");
	} else if (tui_is_cmd(line, len, "/window", &arg, &alen)) {
		snprintf(num, sizeof(num), "%.*s", (int)(alen < 7 ? alen : 7),
		    arg);
		i = (size_t)strtoul(num, NULL, 10);
		if (i < 1 || i > ui->nwin)
			tui_local(ui, TUI_L_ERROR, "no window %s (1 to %zu)",
			    num, ui->nwin);
		else
			tui_win_show(ui, i - 1);
	} else if (tui_is_cmd(line, len, "/close", &arg, &alen)) {
		struct tui_win *w = ui->w;

		if (w->child == NULL) {
			tui_local(ui, TUI_L_ERROR, "this is the program's own "
			    "conversation: /quit ends it");
			return 1;
		}
		tui_child_end(w);
		tui_win_remove(ui, w);
		tui_win_free(w);
	} else
		return 0;
	return 1;
}
