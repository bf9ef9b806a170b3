/*
 * secret.h: a room password in guarded memory, read from a file or from
 * the terminal with echo off.
 */
#ifndef SOTTO_SECRET_H
#define SOTTO_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* Longest secret, in bytes. */
#define SECRET_MAX	1024

/* p points to SECRET_MAX + 1 bytes of sodium_malloc'd memory (guard
 * pages, locked where the system allows); p[len] is always NUL so the
 * secret can be passed as a C string: it never contains a NUL itself. */
struct secret {
	uint8_t		*p;
	size_t		 len;
};

/* Copies p[0..len) into a new secret in *sp (caller frees with
 * secret_free).  0; ERR_FORMAT if len is 0 or p holds a NUL;
 * ERR_TOO_LARGE over SECRET_MAX; ERR_ALLOC; ERR_CRYPTO if libsodium
 * cannot initialise.  *sp is NULL on failure. */
int	 secret_new(struct secret **sp, const uint8_t *p, size_t len);

/* Reads the first line of the file at path, without its line ending (LF
 * or CR LF; the line may also end the file), into *sp.  The rest of the
 * file is ignored, and at most SECRET_MAX + 2 bytes are read, so path may
 * be a pipe (--password-file <(pass show room)).  Symlinks are followed.
 * Returns 0; ERR_IO with errno set; ERR_FORMAT for an empty first line or
 * one holding a NUL; ERR_TOO_LARGE for a line over SECRET_MAX; ERR_ALLOC;
 * ERR_CRYPTO.  Every buffer that held file bytes is wiped.  *sp is NULL
 * on failure. */
int	 secret_read_file(struct secret **sp, const char *path);

/* Writes prompt to /dev/tty and reads one line from it with echo turned
 * off, then writes a newline (the user's Enter was not echoed).  The
 * terminal settings are restored on every path.  While echo is off,
 * SIGINT, SIGHUP, SIGQUIT, SIGTERM, SIGALRM and SIGPIPE are caught: the
 * terminal is restored, the previous handlers are put back and the
 * signal is raised again, so the program's own handling (or death)
 * follows with a working terminal; if the program survives it, the call
 * fails with ERR_IO, errno EINTR.  SIGTSTP, SIGTTIN and SIGTTOU likewise
 * restore the terminal and stop the program; on resumption the prompt is
 * shown again.  Must not be called from more than one thread at once.
 * Returns 0; ERR_IO with errno set (ENXIO or ENOENT: no controlling
 * terminal); ERR_FORMAT for an empty line or a NUL; ERR_TOO_LARGE for a
 * line over SECRET_MAX (the rest of the line is read and discarded);
 * ERR_ALLOC; ERR_CRYPTO.  *sp is NULL on failure. */
int	 secret_prompt(struct secret **sp, const char *prompt);

/* 1 if a and b hold the same bytes, else 0.  The lengths are compared
 * first (a length is not treated as secret); equal-length contents are
 * compared in constant time. */
int	 secret_equal(const struct secret *a, const struct secret *b);

/* Wipes and frees; NULL is a no-op. */
void	 secret_free(struct secret *s);

#endif
