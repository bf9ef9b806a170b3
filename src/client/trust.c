/* trust.c: the record of compared safety numbers (see trust.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "trust.h"

static int
path_of(char *out, size_t outlen, const char *confdir)
{
	int n = snprintf(out, outlen, "%s/%s", confdir, TRUST_FILE_NAME);

	return n < 0 || (size_t)n >= outlen ? ERR_INVALID_ARG : 0;
}

/* The whole file into b (empty when missing).  0 or ERR_*. */
static int
load(const char *path, struct buf *b)
{
	uint8_t *p = NULL;
	size_t size = 0, n = 0;
	int fd = -1, r;

	if ((r = fileio_open_small(path, TRUST_FILE_MAX, 0, &fd,
	    &size)) != 0)
		return r == ERR_IO && errno == ENOENT ? 0 : r;
	if ((r = buf_reserve(b, size, &p)) == 0 &&
	    (r = fileio_read_full(fd, p, size, &n)) == 0)
		buf_unput(b, size - n);
	close(fd);
	return r;
}

/* Calls fn on each well-formed line; returns 1 when fn does. */
static int
each_line(const struct buf *b, int (*fn)(const char *, size_t,
    const char *, void *), void *arg)
{
	const char *p = (const char *)buf_ptr(b), *nl, *sp;
	size_t left = buf_len(b), len;

	while (left > 0) {
		nl = memchr(p, '\n', left);
		len = nl != NULL ? (size_t)(nl - p) : left;
		sp = memchr(p, ' ', len);
		if (sp != NULL && len - (size_t)(sp - p) - 1 == 64 &&
		    fn(p, (size_t)(sp - p), sp + 1, arg))
			return 1;
		p += len + (nl != NULL);
		left -= len + (nl != NULL);
	}
	return 0;
}

struct match {
	const char	*name;
	const uint8_t	*pk;
};

static int
matches(const char *name, size_t nlen, const char *hex, void *arg)
{
	struct match *m = arg;
	uint8_t pk[32];
	size_t got = 0;

	if (nlen != strlen(m->name) || memcmp(name, m->name, nlen) != 0)
		return 0;
	if (sodium_hex2bin(pk, sizeof(pk), hex, 64, NULL, &got, NULL) != 0 ||
	    got != sizeof(pk))
		return 0;
	return sodium_memcmp(pk, m->pk, sizeof(pk)) == 0;
}

int
trust_check(const char *confdir, const char *name, const uint8_t pk[32])
{
	char path[PATH_MAX];
	struct match m = { name, pk };
	struct buf b;
	int found = 0;

	if (path_of(path, sizeof(path), confdir) != 0)
		return 0;
	buf_init(&b, TRUST_FILE_MAX);
	if (load(path, &b) == 0)
		found = each_line(&b, matches, &m);
	buf_release(&b);
	return found;
}

struct keep {
	const char	*name;
	struct buf	*out;
	int		 err;
};

/* Copies every record but the one for k->name. */
static int
keep_others(const char *name, size_t nlen, const char *hex, void *arg)
{
	struct keep *k = arg;

	if (nlen == strlen(k->name) && memcmp(name, k->name, nlen) == 0)
		return 0;
	if (k->err == 0 && (buf_put(k->out, name, nlen + 1 + 64) != 0 ||
	    buf_put_u8(k->out, '\n') != 0))
		k->err = ERR_TOO_LARGE;
	(void)hex;
	return 0;
}

int
trust_set(const char *confdir, const char *name, const uint8_t pk[32])
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], hex[65];
	struct buf old, out;
	struct keep k;
	int r;

	if ((r = path_of(path, sizeof(path), confdir)) != 0 ||
	    (r = fileio_tmp_path(tmp, sizeof(tmp), path)) != 0)
		return r;
	buf_init(&old, TRUST_FILE_MAX);
	buf_init(&out, TRUST_FILE_MAX);
	if ((r = load(path, &old)) != 0)
		goto out;
	k.name = name;
	k.out = &out;
	k.err = 0;
	(void)each_line(&old, keep_others, &k);
	sodium_bin2hex(hex, sizeof(hex), pk, 32);
	if ((r = k.err) != 0 ||
	    (r = buf_put(&out, name, strlen(name))) != 0 ||
	    (r = buf_put_u8(&out, ' ')) != 0 ||
	    (r = buf_put(&out, hex, 64)) != 0 ||
	    (r = buf_put_u8(&out, '\n')) != 0)
		goto out;
	r = fileio_write_atomic(path, tmp, buf_ptr(&out), buf_len(&out),
	    0600, 0);
 out:
	buf_release(&old);
	buf_release(&out);
	return r;
}
