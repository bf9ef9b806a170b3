/*
 * fileio.h: small helpers for files and file descriptors shared by the
 * modules that keep small files in the config directory or write the
 * terminal.
 */
#ifndef SOTTO_FILEIO_H
#define SOTTO_FILEIO_H

#include <sys/types.h>

#include <stddef.h>

/* fileio_open_small flag: take group and other permission away from the
 * file (0644 becomes 0600). */
#define FILEIO_OWNER_ONLY	0x1
/* fileio_write_atomic flag: never replace an existing path. */
#define FILEIO_NO_REPLACE	0x2

/* fileio_write_atomic with FILEIO_NO_REPLACE: path already existed.  Not
 * an error code: positive, like no ERR_* value. */
#define FILEIO_EXISTS		1

/* Writes all of p[0..len) to fd, retrying after EINTR and short writes.
 * 0, or ERR_IO with errno set (then an unknown prefix was written). */
int	 fileio_write_all(int fd, const void *p, size_t len);

/* Opens the file at path for reading without following a symlink, and
 * without hanging on a FIFO planted there.  0 with *fdp set (the caller
 * closes it) and *sizep (if not NULL) set to the size fstat reported;
 * with FILEIO_OWNER_ONLY the file has lost any group/other permission.
 * On failure *fdp is -1 and nothing is left open: ERR_IO with errno set
 * (ENOENT: missing; ELOOP: a symlink); ERR_FORMAT when path is not a
 * regular file; ERR_TOO_LARGE when it holds more than max bytes (then
 * its mode is left alone). */
int	 fileio_open_small(const char *path, size_t max, int flags, int *fdp,
	    size_t *sizep);

/* Reads from fd into p[0..cap) until end of file or cap bytes, retrying
 * after EINTR and short reads.  0 with *np set to the bytes read (cap:
 * the file may hold more), or ERR_IO with errno set and *np the bytes
 * read so far.  p stays the caller's, to wipe if it holds a secret. */
int	 fileio_read_full(int fd, void *p, size_t cap, size_t *np);

/* Writes "<path>.tmp.<pid>", the temporary name fileio_write_atomic
 * expects, into out.  0, or ERR_INVALID_ARG when it does not fit in
 * outlen bytes (then out holds a truncated name, not to be used). */
int	 fileio_tmp_path(char *out, size_t outlen, const char *path);

/* Puts p[0..len) at path atomically: through the temporary file tmp in
 * the same directory (see fileio_tmp_path; the caller makes sure no one
 * else writes that name, so one found there is a crash's leftover and
 * removed), created without following a symlink, given mode whatever
 * the umask, written whole and fsync'd, then renamed over path; last the
 * directory is fsync'd, best effort.  With FILEIO_NO_REPLACE tmp is
 * hard-linked to path instead, so an existing path is kept and
 * FILEIO_EXISTS returned; filesystems without hard links get the rename.
 * 0, FILEIO_EXISTS, or ERR_IO with errno set; on any result but 0 path
 * is as it was, and tmp is removed in every case. */
int	 fileio_write_atomic(const char *path, const char *tmp, const void *p,
	    size_t len, mode_t mode, int flags);

#endif
