/*
 * fileio.h: small helpers for file descriptors shared by the modules that
 * write files or the terminal.
 */
#ifndef SOTTO_FILEIO_H
#define SOTTO_FILEIO_H

#include <stddef.h>

/* Writes all of p[0..len) to fd, retrying after EINTR and short writes.
 * 0, or ERR_IO with errno set (then an unknown prefix was written). */
int	 fileio_write_all(int fd, const void *p, size_t len);

#endif
