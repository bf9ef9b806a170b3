/*
 * known_peers.c: the trust-on-first-use store of peer identity keys
 * (see known_peers.h for the file format and the rules).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "keyfile.h"
#include "known_peers.h"
#include "sanitize.h"

#define HEX_LEN		(2 * PEERS_PK_BYTES)
/* Decimal digits of 2^64 - 1. */
#define TIME_DIGITS_MAX	20

/* White space and invisible format characters a name may not hold. */
static int
name_forbidden(uint32_t cp)
{
	/* TAB is the one control ui_sanitize lets through. */
	if (cp < 0x20 || ui_codepoint_escaped(cp, 0))
		return 1;
	switch (cp) {
	case 0x0020: case 0x00a0: case 0x00ad: case 0x1680: case 0x180e:
	case 0x202f: case 0x205f: case 0x3000: case 0xfeff:
		return 1;
	}
	if (cp >= 0x2000 && cp <= 0x200d)	/* spaces, ZWSP, ZWNJ, ZWJ */
		return 1;
	if (cp >= 0x2060 && cp <= 0x2064)	/* word joiner, invisibles */
		return 1;
	return 0;
}

static int
name_valid_bytes(const uint8_t *p, size_t len)
{
	size_t i = 0, n;
	uint32_t cp;

	if (len == 0 || len > PEERS_NAME_MAX)
		return 0;
	while (i < len) {
		n = ui_utf8_next(p + i, len - i, &cp);
		if (cp == UI_UTF8_INVALID || name_forbidden(cp))
			return 0;
		i += n;
	}
	return 1;
}

int
peers_name_valid(const char *name)
{
	size_t len;

	if (name == NULL)
		return 0;
	/* Bounded: a long string is rejected without reading all of it. */
	len = strnlen(name, PEERS_NAME_MAX + 1);
	return name_valid_bytes((const uint8_t *)name, len);
}

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;	/* uppercase too: one spelling per key */
}

/* One entry of a line's bytes (LF removed). */
struct entry {
	char		name[PEERS_NAME_MAX + 1];
	uint8_t		pk[PEERS_PK_BYTES];
	uint64_t	t;
};

static int
parse_line(struct buf *line, struct entry *e)
{
	const uint8_t *p, *sp;
	size_t n, i;
	uint8_t c;
	int hi, lo;

	memset(e, 0, sizeof(*e));
	n = buf_len(line);
	if ((sp = memchr(buf_ptr(line), ' ', n)) == NULL)
		return ERR_FORMAT;
	n = (size_t)(sp - buf_ptr(line));
	if (buf_get_view(line, n, &p) != 0 || !name_valid_bytes(p, n))
		return ERR_FORMAT;
	memcpy(e->name, p, n);
	e->name[n] = '\0';
	if (buf_get_u8(line, &c) != 0 || c != ' ' ||
	    buf_get_view(line, HEX_LEN, &p) != 0)
		return ERR_FORMAT;
	for (i = 0; i < PEERS_PK_BYTES; i++) {
		if ((hi = hexval(p[2 * i])) < 0 ||
		    (lo = hexval(p[2 * i + 1])) < 0)
			return ERR_FORMAT;
		e->pk[i] = (uint8_t)(hi << 4 | lo);
	}
	if (buf_get_u8(line, &c) != 0 || c != ' ')
		return ERR_FORMAT;
	n = buf_len(line);
	if (n == 0 || n > TIME_DIGITS_MAX || buf_get_view(line, n, &p) != 0)
		return ERR_FORMAT;
	if (p[0] == '0' && n > 1)
		return ERR_FORMAT;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return ERR_FORMAT;
		/* Overflow checked before it happens. */
		if (e->t > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return ERR_FORMAT;
		e->t = e->t * 10 + (uint64_t)(p[i] - '0');
	}
	return buf_expect_end(line) == 0 ? 0 : ERR_FORMAT;
}

/* Takes the next LF-terminated line from b as a view without the LF. */
static int
next_line(struct buf *b, struct buf *line)
{
	const uint8_t *p, *lf;
	size_t n;

	if ((lf = memchr(buf_ptr(b), '\n', buf_len(b))) == NULL)
		return ERR_FORMAT;
	n = (size_t)(lf - buf_ptr(b));
	if (buf_get_view(b, n, &p) != 0 || buf_consume(b, 1) != 0)
		return ERR_FORMAT;
	buf_view(line, p, n);
	return 0;
}

int
peers_parse(const uint8_t *p, size_t len,
    int (*cb)(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t), void *arg)
{
	struct buf b, line;
	struct entry e;
	int pass, r = ERR_INTERNAL;

	if (len > 0 && p == NULL)
		return ERR_INVALID_ARG;
	/* Pass 0 only checks, so cb never sees part of a bad file. */
	for (pass = 0; pass < 2; pass++) {
		buf_view(&b, p, len);
		while (buf_len(&b) > 0) {
			if ((r = next_line(&b, &line)) != 0 ||
			    (r = parse_line(&line, &e)) != 0)
				goto out;
			if (pass == 1 && cb != NULL &&
			    (r = cb(arg, e.name, e.pk, e.t)) != 0)
				goto out;
		}
	}
	r = 0;
out:
	sodium_memzero(&e, sizeof(e));
	return r;
}

int
peers_default_path(char *out, size_t outlen)
{
	size_t used;
	int n, r;

	if ((r = keyfile_config_dir(out, outlen)) != 0)
		return r;
	used = strlen(out);
	n = snprintf(out + used, outlen - used, "/%s", PEERS_FILE_NAME);
	if (n < 0 || (size_t)n >= outlen - used) {
		out[0] = '\0';
		return ERR_INVALID_ARG;
	}
	return 0;
}

/* Reads the whole file at path into *pp (caller frees), checking its
 * size before allocating.  ERR_IO with errno ENOENT when it is missing. */
static int
read_file(const char *path, uint8_t **pp, size_t *lenp)
{
	uint8_t *p = NULL;
	size_t n = 0, size = 0;
	int fd = -1, r = ERR_INTERNAL, saved = 0;

	*pp = NULL;
	*lenp = 0;
	if ((r = fileio_open_small(path, PEERS_FILE_MAX, 0, &fd,
	    &size)) != 0) {
		saved = errno;
		goto out;
	}
	/* One byte more, to notice a file that grew after fstat. */
	if ((p = malloc(size + 1)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = fileio_read_full(fd, p, size + 1, &n)) != 0) {
		saved = errno;
		goto out;
	}
	if (n > size) {
		/* Edited in place while we read (we only ever rename). */
		saved = EAGAIN;
		r = ERR_IO;
		goto out;
	}
	*pp = p;
	*lenp = n;
	p = NULL;
	r = 0;
out:
	free(p);
	if (fd != -1)
		close(fd);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

struct find {
	const char	*name;
	uint8_t		 pk[PEERS_PK_BYTES];
	uint64_t	 t;
	int		 found;
};

static int
find_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct find *f = arg;

	if (strcmp(name, f->name) != 0)
		return 0;
	/* Two keys for one name: which one the user meant is unknowable. */
	if (f->found)
		return ERR_FORMAT;
	memcpy(f->pk, pk, PEERS_PK_BYTES);
	f->t = t;
	f->found = 1;
	return 0;
}

int
peers_lookup(const char *path, const char *name, uint8_t pk[PEERS_PK_BYTES],
    uint64_t *first_seen, int *found)
{
	struct find f;
	uint8_t *data = NULL;
	size_t len = 0;
	int r = ERR_INTERNAL, saved = 0;

	*found = 0;
	if (pk != NULL)
		memset(pk, 0, PEERS_PK_BYTES);
	if (first_seen != NULL)
		*first_seen = 0;
	memset(&f, 0, sizeof(f));
	f.name = name;
	if (!peers_name_valid(name) || path == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if ((r = read_file(path, &data, &len)) != 0) {
		saved = errno;
		if (r == ERR_IO && saved == ENOENT)
			r = 0;
		goto out;
	}
	if ((r = peers_parse(data, len, find_cb, &f)) != 0)
		goto out;
	if (f.found) {
		if (pk != NULL)
			memcpy(pk, f.pk, PEERS_PK_BYTES);
		if (first_seen != NULL)
			*first_seen = f.t;
		*found = 1;
	}
	r = 0;
out:
	free(data);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
peers_check(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES], int *status)
{
	uint8_t known[PEERS_PK_BYTES];
	int found = 0, r;

	*status = 0;
	if ((r = peers_lookup(path, name, known, NULL, &found)) != 0)
		return r;
	if (!found)
		*status = PEERS_NEW;
	else if (sodium_memcmp(known, pk, PEERS_PK_BYTES) == 0)
		*status = PEERS_MATCH;
	else
		*status = PEERS_CHANGED;
	return 0;
}

/* Appends one line in the file format. */
static int
put_line(struct buf *out, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	char line[PEERS_NAME_MAX + 1 + HEX_LEN + 1 + TIME_DIGITS_MAX + 2];
	char hex[HEX_LEN + 1];
	int n;

	sodium_bin2hex(hex, sizeof(hex), pk, PEERS_PK_BYTES);
	n = snprintf(line, sizeof(line), "%s %s %llu\n", name, hex,
	    (unsigned long long)t);
	if (n < 0 || (size_t)n >= sizeof(line))
		return ERR_INTERNAL;
	return buf_put(out, line, (size_t)n);
}

struct rewrite {
	struct buf	*out;
	const char	*name;
	const uint8_t	*pk;
	uint64_t	 now;
	int		 done;
};

/* Copies every entry, putting the new key in place of the name's line.
 * The format has one spelling per entry, so unchanged lines come out
 * byte for byte as they were read. */
static int
rewrite_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct rewrite *w = arg;

	if (strcmp(name, w->name) != 0)
		return put_line(w->out, name, pk, t);
	if (w->done)
		return ERR_FORMAT;
	w->done = 1;
	return put_line(w->out, name, w->pk, w->now);
}

int
peers_pin_at(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES], uint64_t now)
{
	char lockpath[PATH_MAX], tmp[PATH_MAX];
	struct flock fl;
	struct rewrite w;
	struct buf out;
	uint8_t *data = NULL;
	size_t len = 0;
	int lockfd = -1, n, r = ERR_INTERNAL, saved = 0;

	buf_init(&out, PEERS_FILE_MAX);
	if (!peers_name_valid(name) || path == NULL || pk == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	n = snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lockpath)) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if ((r = fileio_tmp_path(tmp, sizeof(tmp), path)) != 0)
		goto out;
	/* Read, change and replace under one lock, or a concurrent pin
	 * could be overwritten with the content it started from. */
	if ((lockfd = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while ((r = fcntl(lockfd, F_SETLKW, &fl)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		saved = errno;
		r = ERR_IO;
		goto out;
	}
	if ((r = read_file(path, &data, &len)) != 0) {
		saved = errno;
		if (r != ERR_IO || saved != ENOENT)
			goto out;
	}
	memset(&w, 0, sizeof(w));
	w.out = &out;
	w.name = name;
	w.pk = pk;
	w.now = now;
	if ((r = peers_parse(data, len, rewrite_cb, &w)) != 0)
		goto out;
	if (!w.done && (r = put_line(&out, name, pk, now)) != 0)
		goto out;
	/* The lock also keeps everyone else off our tmp name. */
	if ((r = fileio_write_atomic(path, tmp, buf_ptr(&out), buf_len(&out),
	    0600, 0)) != 0)
		saved = errno;
out:
	if (lockfd != -1)
		close(lockfd);	/* releases the lock */
	free(data);
	buf_release(&out);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
peers_pin(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES])
{
	time_t now = time(NULL);

	return peers_pin_at(path, name, pk, now < 0 ? 0 : (uint64_t)now);
}
