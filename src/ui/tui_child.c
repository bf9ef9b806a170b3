/*
 * tui_child.c: a window whose conversation is run by a child sotto in
 * line mode (/join, /connect): its stdout and stderr lines become the
 * window's lines, what is typed there goes to its stdin.  The secret it
 * needs (invitation or password) goes over a pipe on its fd 3, read
 * with --invite-file or --password-file /dev/fd/3: never in argv or the
 * environment.  Remote text arrives sanitized by the child and is
 * sanitized again by the view.
 */
#define _GNU_SOURCE	/* memmem, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <sodium.h>

#include "buf.h"
#include "chat.h"
#include "err.h"
#include "fileio.h"
#include "memline.h"
#include "proxyconf.h"
#include "tui_impl.h"

#define CHILD_LINE_MAX	(64 * 1024)	/* a longer line is cut */

struct tui_child {
	struct tui	*ui;
	struct tui_win	*w;
	pid_t		 pid;
	int		 in_fd;
	int		 fd[3];		/* stdout, stderr, member lines */
	struct event	*ev[3];
	struct buf	 part[3];	/* a line not ended yet */
	int		 ended;
	int		 mem_over;	/* the member line read is too long */
};

/* A colour from the name (the child doesn't say the keys). */
static int
name_color(const char *name, size_t n)
{
	uint8_t h[32];

	crypto_generichash(h, sizeof(h), (const uint8_t *)name, n, NULL, 0);
	return chat_key_color(h);
}

/* What the notices say about the conversation's state. */
static void
notice_state(struct tui_child *c, const char *p, size_t n)
{
	struct tui_win *w = c->w;
	const char *sp;

	if (n > 13 && memcmp(p, "connected to ", 13) == 0 &&
	    (sp = memchr(p + 13, ' ', n - 13)) != NULL) {
		snprintf(w->title, sizeof(w->title), "1:1 with %.*s",
		    (int)(sp - p - 13), p + 13);
		w->link = TERM_LINK_UP;
	} else if (n > 19 && memcmp(p, "joined the room as ", 19) == 0)
		w->link = TERM_LINK_UP;
	/* The members come with their keys on a pipe of their own
	 * (member_line), not from these lines. */
}

/* A message's name in the colour of its key, once the child has told
 * the member's key (memline.h); else one derived from the name. */
static int
member_color(const struct tui_win *w, const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < w->nmem; i++)
		if (strlen(w->mem[i].name) == n &&
		    memcmp(w->mem[i].name, name, n) == 0 &&
		    !sodium_is_zero(w->mem[i].pk, sizeof(w->mem[i].pk)))
			return w->mem[i].color;
	return name_color(name, n);
}

/* A member line from the child: the window's member list, with keys. */
static void
member_line(struct tui_child *c, const char *p, size_t n)
{
	struct memline m;

	if (n >= MEMLINE_MAX || memline_parse(p, n, &m) != 0)
		return;
	if (m.gone)
		tui_win_member_gone(c->ui, c->w, m.id);
	else
		tui_win_member(c->ui, c->w, m.id, m.name, m.color, m.pk);
}

static void
one_line(struct tui_child *c, int err, const char *p, size_t n)
{
	struct tui *ui = c->ui;
	const char *colon;
	size_t nl;
	int flags = 0;

	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (err) {
		if (n >= 7 && memcmp(p, "sotto: ", 7) == 0) {
			p += 7;
			n -= 7;
		}
		tui_win_add(ui, c->w, TUI_L_ERROR, 0, NULL, 0,
		    (const uint8_t *)p, n);
		return;
	}
	if (n >= 2 && memcmp(p, "* ", 2) == 0) {
		notice_state(c, p + 2, n - 2);
		tui_win_add(ui, c->w, TUI_L_NOTICE, 0, NULL, 0,
		    (const uint8_t *)p + 2, n - 2);
		return;
	}
	if ((colon = memmem(p, n, ": ", 2)) != NULL &&
	    (nl = (size_t)(colon - p)) > 0 && nl < TUI_NAME_MAX + 16) {
		char name[TUI_NAME_MAX + 16];

		memcpy(name, p, nl);
		name[nl] = '\0';
		if (nl > 12 && strcmp(name + nl - 12, " (privately)") == 0)
			flags |= TUI_F_PRIVATE;
		tui_win_add(ui, c->w, TUI_L_MSG, flags, name,
		    member_color(c->w, name, strcspn(name, " ")),
		    (const uint8_t *)colon + 2, n - nl - 2);
		return;
	}
	tui_win_add(ui, c->w, TUI_L_NOTICE, 0, NULL, 0, (const uint8_t *)p, n);
}

static void
any_line(struct tui_child *c, int s, const char *p, size_t n)
{
	if (s == 2)
		member_line(c, p, n);
	else
		one_line(c, s, p, n);
}

static void
reap(struct tui_child *c)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	pid_t r;
	int st = 0, i;

	if (c->ended)
		return;
	c->ended = 1;
	if (c->in_fd != -1)
		close(c->in_fd);
	c->in_fd = -1;
	/* Bounded: a child that doesn't end within 2 s is killed. */
	for (i = 0; i < 400; i++) {
		if ((r = waitpid(c->pid, &st, WNOHANG)) == c->pid ||
		    (r == -1 && errno != EINTR))
			break;
		if (i == 200)
			(void)kill(c->pid, SIGKILL);
		nanosleep(&tick, NULL);
	}
	c->w->link = TERM_LINK_DOWN;
	tui_win_add(c->ui, c->w, TUI_L_NOTICE, 0, NULL, 0, (const uint8_t *)
	    "the conversation ended (/close closes the window)", 49);
	if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		char why[64];

		snprintf(why, sizeof(why), "exit status %d", WEXITSTATUS(st));
		tui_win_add(c->ui, c->w, TUI_L_ERROR, 0, NULL, 0,
		    (const uint8_t *)why, strlen(why));
	}
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tui_child *c = arg;
	uint8_t b[16384];
	const uint8_t *p, *nl;
	ssize_t n;
	size_t left;
	int s = fd == c->fd[1] ? 1 : fd == c->fd[2] ? 2 : 0;

	(void)what;
	n = read(fd, b, sizeof(b));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		event_del(c->ev[s]);
		close(c->fd[s]);
		c->fd[s] = -1;
		if (c->fd[0] == -1 && c->fd[1] == -1 && s != 2)
			reap(c);
		return;
	}
	p = b;
	left = (size_t)n;
	while (left > 0) {
		nl = memchr(p, '\n', left);
		if (nl == NULL) {
			/* Cut if long; a member line that long is refused. */
			if (buf_put(&c->part[s], p, left) != 0 && s == 2)
				c->mem_over = 1;
			break;
		}
		if (buf_len(&c->part[s]) > 0 || (s == 2 && c->mem_over)) {
			if (buf_put(&c->part[s], p, (size_t)(nl - p)) != 0 &&
			    s == 2)
				c->mem_over = 1;
			if (s != 2 || !c->mem_over)
				any_line(c, s, (const char *)buf_ptr(&c->part[s]),
				    buf_len(&c->part[s]));
			buf_reset(&c->part[s]);
			if (s == 2)
				c->mem_over = 0;
		} else
			any_line(c, s, (const char *)p, (size_t)(nl - p));
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	sodium_memzero(b, sizeof(b));
	tui_dirty(c->ui);
}

int
tui_child_start(struct tui *ui, struct tui_win *w, char *const argv[],
    const struct buf *secrets, size_t nsecrets)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int mem[2] = { -1, -1 };
	char memfd[16];
	int sec[TUI_CHILD_SECRETS][2], r = ERR_IO, i, j;
	const char *av[TUI_CHILD_MAX_ARGS + 3];
	struct tui_child *c;
	pid_t pid;
	size_t na;

	/* A conversation of this run goes through its proxy, or none, as
	 * the command line said. */
	for (na = 0; argv[na] != NULL; na++) {
		if (na == TUI_CHILD_MAX_ARGS)
			return ERR_INVALID_ARG;
		av[na] = argv[na];
	}
	if (na > 1 && strcmp(argv[1], "join") == 0)
		na += (size_t)proxyconf_child_args(av + na);
	av[na] = NULL;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ERR_ALLOC;
	c->ui = ui;
	c->w = w;
	c->in_fd = c->fd[0] = c->fd[1] = c->fd[2] = -1;
	buf_init(&c->part[0], CHILD_LINE_MAX);
	buf_init(&c->part[1], CHILD_LINE_MAX);
	buf_init(&c->part[2], MEMLINE_MAX);
	for (j = 0; j < TUI_CHILD_SECRETS; j++)
		sec[j][0] = sec[j][1] = -1;
	if (nsecrets > TUI_CHILD_SECRETS)
		goto out;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 ||
	    pipe2(err, O_CLOEXEC) != 0 || pipe2(mem, O_CLOEXEC) != 0)
		goto out;
	/* The member lines go on the descriptor after the secrets'. */
	snprintf(memfd, sizeof(memfd), "%d", 3 + (int)nsecrets);
	for (j = 0; j < (int)nsecrets; j++)
		if (pipe2(sec[j], O_CLOEXEC) != 0)
			goto out;
	if ((pid = fork()) == -1)
		goto out;
	if (pid == 0) {
		/* No controlling terminal: the child never asks on the one
		 * the view draws on (a guarded room's answer can't be typed
		 * there; it says so in its window). */
		(void)setsid();
		/* dup2 clears close-on-exec on the copies only. */
		if (dup2(in[0], 0) == -1 || dup2(out[1], 1) == -1 ||
		    dup2(err[1], 2) == -1)
			_exit(127);
		for (j = 0; j < (int)nsecrets; j++)
			if (dup2(sec[j][0], 3 + j) == -1)
				_exit(127);
		if (dup2(mem[1], 3 + (int)nsecrets) == -1 ||
		    setenv(MEMLINE_ENV, memfd, 1) != 0)
			_exit(127);
		execv("/proc/self/exe", (char *const *)av);
		_exit(127);
	}
	c->pid = pid;
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(mem[1]);
	in[0] = out[1] = err[1] = mem[1] = -1;
	/* Each secret and its line end, then end of file. */
	for (j = 0; j < (int)nsecrets; j++) {
		close(sec[j][0]);
		sec[j][0] = -1;
		(void)fileio_write_all(sec[j][1], buf_ptr(&secrets[j]),
		    buf_len(&secrets[j]));
		(void)fileio_write_all(sec[j][1], "\n", 1);
		close(sec[j][1]);
		sec[j][1] = -1;
	}
	c->in_fd = in[1];
	c->fd[0] = out[0];
	c->fd[1] = err[0];
	c->fd[2] = mem[0];
	in[1] = out[0] = err[0] = mem[0] = -1;
	for (i = 0; i < 3; i++) {
		if ((c->ev[i] = event_new(ui->base, c->fd[i],
		    EV_READ | EV_PERSIST, read_cb, c)) == NULL ||
		    event_add(c->ev[i], NULL) != 0)
			break;
	}
	w->child = c;
	c = NULL;
	r = i == 3 ? 0 : ERR_ALLOC;
 out:
	for (i = 0; i < 2; i++) {
		if (in[i] != -1)
			close(in[i]);
		if (out[i] != -1)
			close(out[i]);
		if (err[i] != -1)
			close(err[i]);
		if (mem[i] != -1)
			close(mem[i]);
		for (j = 0; j < TUI_CHILD_SECRETS; j++)
			if (sec[j][i] != -1)
				close(sec[j][i]);
	}
	if (c != NULL) {
		buf_release(&c->part[0]);
		buf_release(&c->part[1]);
		buf_release(&c->part[2]);
		free(c);
	}
	return r;
}

int
tui_child_write(struct tui_win *w, const char *line, size_t len)
{
	struct tui_child *c = w->child;

	if (c == NULL || c->ended || c->in_fd == -1)
		return -1;
	if (fileio_write_all(c->in_fd, line, len) != 0 ||
	    fileio_write_all(c->in_fd, "\n", 1) != 0)
		return -1;
	return 0;
}

void
tui_child_end(struct tui_win *w)
{
	struct tui_child *c = w->child;
	int i;

	if (c == NULL)
		return;
	if (!c->ended) {
		(void)kill(c->pid, SIGTERM);
		for (i = 0; i < 3; i++)
			if (c->fd[i] != -1) {
				close(c->fd[i]);
				c->fd[i] = -1;
			}
		reap(c);
	}
	for (i = 0; i < 3; i++) {
		if (c->ev[i] != NULL)
			event_free(c->ev[i]);
		if (c->fd[i] != -1)
			close(c->fd[i]);
		buf_release(&c->part[i]);
	}
	free(c);
	w->child = NULL;
}
