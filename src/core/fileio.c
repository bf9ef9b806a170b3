/* fileio.c: file and file descriptor helpers (see fileio.h). */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
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

int
fileio_open_small(const char *path, size_t max, int flags, int *fdp,
    size_t *sizep)
{
	struct stat st;
	int fd = -1, r = ERR_INTERNAL, saved = 0;

	*fdp = -1;
	if (sizep != NULL)
		*sizep = 0;
	/* O_NONBLOCK: a FIFO planted at the path must not hang us; it has
	 * no effect on the regular file we expect. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) != 0) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 0) {
		r = ERR_FORMAT;
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		r = ERR_TOO_LARGE;
		goto out;
	}
	if ((flags & FILEIO_OWNER_ONLY) != 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0 &&
	    fchmod(fd, st.st_mode & S_IRWXU) != 0) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	*fdp = fd;
	fd = -1;
	if (sizep != NULL)
		*sizep = (size_t)st.st_size;
	r = 0;
out:
	if (fd != -1)
		close(fd);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
fileio_read_full(int fd, void *p, size_t cap, size_t *np)
{
	uint8_t *q = p;
	ssize_t got;

	*np = 0;
	while (*np < cap) {
		got = read(fd, q + *np, cap - *np);
		if (got == -1 && errno == EINTR)
			continue;
		if (got == -1)
			return ERR_IO;
		if (got == 0)
			break;
		*np += (size_t)got;
	}
	return 0;
}

int
fileio_tmp_path(char *out, size_t outlen, const char *path)
{
	int n;

	n = snprintf(out, outlen, "%s.tmp.%ld", path, (long)getpid());
	return n < 0 || (size_t)n >= outlen ? ERR_INVALID_ARG : 0;
}

/* fsyncs the directory holding path, so that a new entry there is
 * durable; best effort, since some filesystems refuse fsync on a
 * directory.  A path without a slash is left alone. */
static void
sync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t dlen;
	int fd;

	if ((slash = strrchr(path, '/')) == NULL)
		return;
	dlen = slash == path ? 1 : (size_t)(slash - path);
	if (dlen >= sizeof(dir))
		return;
	memcpy(dir, path, dlen);
	dir[dlen] = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
}

int
fileio_write_atomic(const char *path, const char *tmp, const void *p,
    size_t len, mode_t mode, int flags)
{
	/* Every failure below is a system call's, with errno set. */
	int fd = -1, r = ERR_IO, saved, made = 0, tries, closed;

	for (tries = 0; tries < 2; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		/* Nobody else writes tmp (the caller's promise; pids are
		 * reused across boots), so one that exists is a leftover. */
		if (fd != -1 || errno != EEXIST || unlink(tmp) != 0)
			break;
	}
	if (fd == -1)
		goto out;
	made = 1;
	/* fchmod: the umask must not take bits of mode away. */
	if (fchmod(fd, mode) != 0 || fileio_write_all(fd, p, len) != 0 ||
	    fsync(fd) != 0)
		goto out;
	closed = close(fd);
	fd = -1;
	if (closed != 0)
		goto out;
	if ((flags & FILEIO_NO_REPLACE) == 0) {
		if (rename(tmp, path) != 0)
			goto out;
	} else if (link(tmp, path) == 0) {
		(void)unlink(tmp);
	} else if (errno == EEXIST) {
		r = FILEIO_EXISTS;
		goto out;
	} else if (errno == EPERM || errno == ENOTSUP ||
	    errno == EOPNOTSUPP || errno == ENOSYS || errno == EMLINK) {
		/* No hard links here: atomic still, but without the guard. */
		if (rename(tmp, path) != 0)
			goto out;
	} else {
		goto out;
	}
	made = 0;
	sync_parent(path);
	r = 0;
out:
	saved = errno;
	if (fd != -1)
		close(fd);
	if (made)
		(void)unlink(tmp);
	errno = saved;
	return r;
}
