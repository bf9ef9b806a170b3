/*
 * secret.c: passwords in guarded memory, from a file or from the
 * terminal with echo off (see secret.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "err.h"
#include "secret.h"

/* A line of SECRET_MAX bytes, then CR LF. */
#define READ_MAX	(SECRET_MAX + 2)

/* An empty secret with its guarded storage; NULL on failure. */
static int
secret_alloc(struct secret **sp)
{
	struct secret *s;

	*sp = NULL;
	/* sodium_malloc needs the page size sodium_init finds. */
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	if ((s = malloc(sizeof(*s))) == NULL)
		return ERR_ALLOC;
	if ((s->p = sodium_malloc(SECRET_MAX + 1)) == NULL) {
		free(s);
		return ERR_ALLOC;
	}
	sodium_memzero(s->p, SECRET_MAX + 1);
	s->len = 0;
	*sp = s;
	return 0;
}

void
secret_free(struct secret *s)
{
	if (s == NULL)
		return;
	sodium_free(s->p);	/* wipes before unmapping */
	free(s);
}

int
secret_new(struct secret **sp, const uint8_t *p, size_t len)
{
	struct secret *s = NULL;
	int r = ERR_INTERNAL;

	*sp = NULL;
	if (len == 0 || p == NULL || memchr(p, '\0', len) != NULL) {
		r = ERR_FORMAT;
		goto out;
	}
	if (len > SECRET_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((r = secret_alloc(&s)) != 0)
		goto out;
	memcpy(s->p, p, len);
	s->p[len] = '\0';
	s->len = len;
	*sp = s;
	s = NULL;
	r = 0;
out:
	secret_free(s);
	return r;
}

int
secret_equal(const struct secret *a, const struct secret *b)
{
	if (a == NULL || b == NULL || a->len != b->len)
		return 0;
	return sodium_memcmp(a->p, b->p, a->len) == 0;
}

int
secret_read_file(struct secret **sp, const char *path)
{
	uint8_t *rb = NULL, *lf;
	size_t n = 0, line;
	ssize_t got;
	int fd = -1, r = ERR_INTERNAL, saved = 0;

	*sp = NULL;
	if (sodium_init() < 0) {
		r = ERR_CRYPTO;
		goto out;
	}
	/* Guarded like the secret itself: the file's bytes are the
	 * password, and whatever follows it may be more secrets. */
	if ((rb = sodium_malloc(READ_MAX)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	/* Stop at the first LF: a pipe's writer may send more later. */
	while (n < READ_MAX && memchr(rb, '\n', n) == NULL) {
		got = read(fd, rb + n, READ_MAX - n);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1) {
			saved = errno;
			r = ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if ((lf = memchr(rb, '\n', n)) != NULL)
		line = (size_t)(lf - rb);
	else if (n < READ_MAX)
		line = n;	/* the file ends without a line ending */
	else {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if (line > 0 && rb[line - 1] == '\r')
		line--;
	if (line > SECRET_MAX) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	r = secret_new(sp, rb, line);
out:
	if (fd != -1)
		close(fd);
	sodium_free(rb);	/* wipes */
	if (r == ERR_IO)
		errno = saved;
	return r;
}

/* --- the terminal prompt ------------------------------------------------ */

static const int catch_sigs[] = {
	SIGALRM, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM,
	SIGTSTP, SIGTTIN, SIGTTOU,
};
#define NCATCH	(sizeof(catch_sigs) / sizeof(catch_sigs[0]))

static volatile sig_atomic_t got_sig;

static void
on_signal(int signo)
{
	got_sig = signo;
}

static int
write_str(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t got;

	while (len > 0) {
		got = write(fd, s, len);
		if (got == -1 && errno == EINTR) {
			if (got_sig != 0)
				return ERR_IO;
			continue;
		}
		if (got == -1)
			return ERR_IO;
		s += got;
		len -= (size_t)got;
	}
	return 0;
}

/* One attempt: prompt, read a line into s with echo off, restore.  On
 * return the terminal and the signal handlers are as they were; a caught
 * signal is left in got_sig for the caller to re-raise. */
static int
prompt_once(struct secret *s, const char *prompt)
{
	struct sigaction sa, old_sa[NCATCH];
	struct termios old_t, new_t;
	size_t i, n = 0;
	ssize_t got;
	uint8_t c = 0;
	int fd = -1, r = ERR_INTERNAL, saved = 0, echo_off = 0, too_long = 0;
	int has_nul = 0;

	got_sig = 0;
	s->len = 0;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(fd, &old_t) != 0) {
		saved = errno;
		if (fd != -1)
			close(fd);
		errno = saved;
		return ERR_IO;
	}
	/* No SA_RESTART: a signal must interrupt the read so that the
	 * terminal is restored before the program reacts to it. */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (i = 0; i < NCATCH; i++) {
		(void)sigaction(catch_sigs[i], &sa, &old_sa[i]);
		/* An ignored signal (nohup) stays ignored. */
		if (old_sa[i].sa_handler == SIG_IGN)
			(void)sigaction(catch_sigs[i], &old_sa[i], NULL);
	}
	new_t = old_t;
	new_t.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	/* TCSAFLUSH drops typeahead, which was not meant as the password. */
	while ((r = tcsetattr(fd, TCSAFLUSH, &new_t)) == -1 &&
	    errno == EINTR && got_sig == 0)
		;
	if (r == -1) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	echo_off = 1;
	if ((r = write_str(fd, prompt)) != 0) {
		saved = got_sig != 0 ? EINTR : errno;
		goto out;
	}
	for (;;) {
		/* A signal that came between two reads would not
		 * interrupt the next one. */
		if (got_sig != 0) {
			r = ERR_IO;
			goto out;
		}
		got = read(fd, &c, 1);
		if (got == -1 && errno == EINTR && got_sig == 0)
			continue;
		if (got == -1) {
			saved = errno;
			r = ERR_IO;
			goto out;
		}
		if (got == 0 || c == '\n' || c == '\r')
			break;
		if (c == '\0')
			has_nul = 1;
		if (n < SECRET_MAX)
			s->p[n++] = c;
		else
			too_long = 1;	/* read on to the end of the line */
	}
	r = 0;
out:
	c = 0;
	if (echo_off) {
		/* The user's Enter was not echoed. */
		if (old_t.c_lflag & ECHO)
			(void)write_str(fd, "\n");
		while (tcsetattr(fd, TCSAFLUSH, &old_t) == -1 &&
		    errno == EINTR && got_sig != SIGTTOU)
			;
	}
	for (i = 0; i < NCATCH; i++)
		(void)sigaction(catch_sigs[i], &old_sa[i], NULL);
	close(fd);
	if (got_sig != 0) {
		saved = EINTR;
		r = ERR_IO;
	} else if (r == 0 && too_long)
		r = ERR_TOO_LARGE;
	else if (r == 0 && (n == 0 || has_nul))
		r = ERR_FORMAT;
	if (r != 0) {
		sodium_memzero(s->p, SECRET_MAX + 1);
		n = 0;
	}
	s->p[n] = '\0';
	s->len = n;
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
secret_prompt(struct secret **sp, const char *prompt)
{
	struct secret *s = NULL;
	int r = ERR_INTERNAL, sig, saved;

	*sp = NULL;
	if ((r = secret_alloc(&s)) != 0)
		goto out;
	for (;;) {
		r = prompt_once(s, prompt == NULL ? "" : prompt);
		if ((sig = got_sig) == 0)
			break;
		/* The terminal and handlers are back: let the signal do
		 * what it would have done without us. */
		saved = errno;
		got_sig = 0;
		(void)kill(getpid(), sig);
		errno = saved;
		if (sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU)
			break;
		/* Resumed after a stop: ask again. */
	}
	if (r != 0)
		goto out;
	*sp = s;
	s = NULL;
out:
	secret_free(s);
	return r;
}
