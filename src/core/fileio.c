/* fileio.c: file descriptor helpers (see fileio.h). */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "err.h"
#include "fileio.h"

int
fileio_write_all(int fd, const void *p, size_t len)
{
	const uint8_t *q = p;
	ssize_t got;

	while (len > 0) {
		got = write(fd, q, len);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return ERR_IO;
		if (got == 0) {
			errno = EIO;
			return ERR_IO;
		}
		q += got;
		len -= (size_t)got;
	}
	return 0;
}
