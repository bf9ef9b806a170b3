/*
 * known_peers.c: the trust-on-first-use store of peer identity keys
 * (see known_peers.h for the file format and the rules).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
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
#include "names.h"
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
	return name_valid_bytes((const uint8_t *)name, len) &&
	    names_identifier_ok((const uint8_t *)name, len);
}

int
peers_name_file_valid(const char *name)
{
	if (name == NULL)
		return 0;
	return name_valid_bytes((const uint8_t *)name,
	    strnlen(name, PEERS_NAME_MAX + 1));
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

/*
 * Which entries a query is about.  People (known_peers) are found by
 * confusable key: every entry whose name looks like the query's, so that
 * "alice" and a lookalike of it are one pin.  Relays (known_relays) are
 * found by their exact entry name.
 */
static int	migrate_relays(const char *, int);

struct query {
	const char	*name;
	int		 by_skel;
	int		 have_key;
	uint8_t		 key[NAMES_SKEL_BYTES];
};

static void
query_init(struct query *q, const char *name, int by_skel)
{
	memset(q, 0, sizeof(*q));
	q->name = name;
	q->by_skel = by_skel;
	if (by_skel && names_skeleton_key((const uint8_t *)name, strlen(name),
	    q->key) == 0)
		q->have_key = 1;
}

/* 1 if the entry called name is one the query is about. */
static int
query_hits(const struct query *q, const char *name)
{
	uint8_t k[NAMES_SKEL_BYTES];

	if (strcmp(name, q->name) == 0)
		return 1;
	if (!q->by_skel || !q->have_key ||
	    names_skeleton_key((const uint8_t *)name, strlen(name), k) != 0)
		return 0;
	return memcmp(k, q->key, NAMES_SKEL_BYTES) == 0;
}

struct find {
	struct query	 q;
	const uint8_t	*want;		/* key to compare, or NULL */
	char		 name[PEERS_NAME_MAX + 1];	/* entry found */
	uint8_t		 pk[PEERS_PK_BYTES];
	uint64_t	 t;
	int		 found;		/* entries hit */
	int		 exact;		/* entries named exactly q.name */
	int		 differs;	/* a hit with a key other than want */
};

static int
find_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct find *f = arg;
	int exact, differs;

	if (!query_hits(&f->q, name))
		return 0;
	exact = strcmp(name, f->q.name) == 0;
	/* Two keys for one name: which one the user meant is unknowable. */
	if (exact && f->exact++ > 0)
		return ERR_FORMAT;
	differs = f->want != NULL &&
	    sodium_memcmp(pk, f->want, PEERS_PK_BYTES) != 0;
	/* The entry reported: one with a key other than want if any (the
	 * one to warn about), else the exact name, else the first hit. */
	if (f->found == 0 || (differs && !f->differs) ||
	    (differs == f->differs && exact)) {
		snprintf(f->name, sizeof(f->name), "%s", name);
		memcpy(f->pk, pk, PEERS_PK_BYTES);
		f->t = t;
	}
	f->differs |= differs;
	f->found++;
	return 0;
}

static int
store_find(const char *path, const char *name, int by_skel,
    const uint8_t *want, struct find *f)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int r = ERR_INTERNAL, saved = 0;

	memset(f, 0, sizeof(*f));
	if (!peers_name_valid(name) || path == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	query_init(&f->q, name, by_skel);
	f->want = want;
	if ((r = read_file(path, &data, &len)) != 0) {
		saved = errno;
		if (r == ERR_IO && saved == ENOENT)
			r = 0;
		goto out;
	}
	r = peers_parse(data, len, find_cb, f);
out:
	free(data);
	if (r != 0) {
		sodium_memzero(f, sizeof(*f));
		if (r == ERR_IO)
			errno = saved;
	}
	return r;
}

int
peers_lookup(const char *path, const char *name, uint8_t pk[PEERS_PK_BYTES],
    uint64_t *first_seen, int *found)
{
	struct find f;
	int r;

	*found = 0;
	if (pk != NULL)
		memset(pk, 0, PEERS_PK_BYTES);
	if (first_seen != NULL)
		*first_seen = 0;
	migrate_relays(path, 0);
	if ((r = store_find(path, name, 1, NULL, &f)) != 0)
		return r;
	if (f.found) {
		if (pk != NULL)
			memcpy(pk, f.pk, PEERS_PK_BYTES);
		if (first_seen != NULL)
			*first_seen = f.t;
		*found = 1;
	}
	return 0;
}

/* The lookup result of f, for a key that was compared (want). */
static int
find_status(const struct find *f)
{
	if (!f->found)
		return PEERS_NEW;
	return f->differs ? PEERS_CHANGED : PEERS_MATCH;
}

int
peers_check_like(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES], int *status,
    char pinned[PEERS_NAME_MAX + 1])
{
	struct find f;
	int r;

	*status = 0;
	if (pinned != NULL)
		pinned[0] = '\0';
	migrate_relays(path, 0);
	if ((r = store_find(path, name, 1, pk, &f)) != 0)
		return r;
	*status = find_status(&f);
	if (pinned != NULL && f.found)
		memcpy(pinned, f.name, sizeof(f.name));
	sodium_memzero(&f, sizeof(f));
	return 0;
}

int
peers_check(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES], int *status)
{
	return peers_check_like(path, name, pk, status, NULL);
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
	struct query	 q;
	const char	*name;
	const uint8_t	*pk;
	uint64_t	 now;
	int		 done;
	int		 exact;
};

/* Copies every entry, putting the new key in place of the first entry
 * the query hits and dropping the others it hits (lookalikes of the
 * name are one pin).  The format has one spelling per entry, so
 * unchanged lines come out byte for byte as they were read. */
static int
rewrite_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct rewrite *w = arg;

	if (!query_hits(&w->q, name))
		return put_line(w->out, name, pk, t);
	if (strcmp(name, w->name) == 0 && w->exact++ > 0)
		return ERR_FORMAT;
	if (w->done)
		return 0;
	w->done = 1;
	return put_line(w->out, w->name, w->pk, w->now);
}

/* Takes the fcntl lock on <path>.lock: 0 and *fdp (closing it
 * releases the lock), or ERR_INVALID_ARG / ERR_IO with errno set. */
static int
lock_take(const char *path, int *fdp)
{
	char lockpath[PATH_MAX];
	struct flock fl;
	int fd, n, r;

	*fdp = -1;
	n = snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if (n < 0 || (size_t)n >= sizeof(lockpath))
		return ERR_INVALID_ARG;
	if ((fd = open(lockpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		return ERR_IO;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while ((r = fcntl(fd, F_SETLKW, &fl)) == -1 && errno == EINTR)
		;
	if (r == -1) {
		n = errno;
		close(fd);
		errno = n;
		return ERR_IO;
	}
	*fdp = fd;
	return 0;
}

/* Takes path's lock and reads path (missing: no bytes): 0 with *fdp,
 * *pp (caller frees) and *lenp, or an error with errno set for ERR_IO
 * (then nothing is held). */
static int
locked_read(const char *path, int *fdp, uint8_t **pp, size_t *lenp)
{
	int r, saved;

	*pp = NULL;
	*lenp = 0;
	/* Read, change and replace under one lock, or a concurrent pin
	 * could be overwritten with the content it started from. */
	if ((r = lock_take(path, fdp)) != 0)
		return r;
	if ((r = read_file(path, pp, lenp)) != 0) {
		saved = errno;
		if (r == ERR_IO && saved == ENOENT)
			return 0;
		close(*fdp);
		*fdp = -1;
		errno = saved;
	}
	return r;
}

static int
store_pin(const char *path, const char *name, int by_skel,
    const uint8_t pk[PEERS_PK_BYTES], uint64_t now)
{
	char tmp[PATH_MAX];
	struct rewrite w;
	struct buf out;
	uint8_t *data = NULL;
	size_t len = 0;
	int lockfd = -1, r = ERR_INTERNAL, saved = 0;

	buf_init(&out, PEERS_FILE_MAX);
	if (!peers_name_valid(name) || path == NULL || pk == NULL) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	if ((r = fileio_tmp_path(tmp, sizeof(tmp), path)) != 0)
		goto out;
	if ((r = locked_read(path, &lockfd, &data, &len)) != 0) {
		saved = errno;
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.out = &out;
	query_init(&w.q, name, by_skel);
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

static uint64_t
now_u64(void)
{
	time_t now = time(NULL);

	return now < 0 ? 0 : (uint64_t)now;
}

int
peers_pin_at(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES], uint64_t now)
{
	/* Before anything lands in known_peers: a name that looks like a
	 * relay entry must not be there when relays are carried over. */
	(void)migrate_relays(path, 1);
	return store_pin(path, name, 1, pk, now);
}

int
peers_pin(const char *path, const char *name,
    const uint8_t pk[PEERS_PK_BYTES])
{
	return peers_pin_at(path, name, pk, now_u64());
}

/* --- relays ----------------------------------------------------------- */

int
peers_relays_path(const char *peers_path, char *out, size_t outlen)
{
	const char *slash;
	size_t dir;
	int n;

	if (outlen > 0)
		out[0] = '\0';
	if (peers_path == NULL || outlen == 0)
		return ERR_INVALID_ARG;
	slash = strrchr(peers_path, '/');
	dir = slash != NULL ? (size_t)(slash - peers_path) + 1 : 0;
	if (dir > INT_MAX)
		return ERR_INVALID_ARG;
	n = snprintf(out, outlen, "%.*s%s", (int)dir, peers_path,
	    PEERS_RELAYS_FILE_NAME);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		return ERR_INVALID_ARG;
	}
	return 0;
}

void
peers_relay_name(const char *where, char out[PEERS_RELAY_NAME_LEN + 1])
{
	uint8_t h[8];
	size_t i;

	crypto_generichash(h, sizeof(h), (const uint8_t *)where,
	    strlen(where), NULL, 0);
	memcpy(out, "relay-", 6);
	for (i = 0; i < sizeof(h); i++)
		snprintf(out + 6 + 2 * i, 3, "%02x", h[i]);
}

/* "relay-" and 16 lowercase hex digits: what older versions pinned a
 * relay's key under, in known_peers. */
static int
relay_entry_name(const char *name)
{
	size_t i;

	if (strlen(name) != PEERS_RELAY_NAME_LEN ||
	    memcmp(name, "relay-", 6) != 0)
		return 0;
	for (i = 6; i < PEERS_RELAY_NAME_LEN; i++)
		if (hexval((uint8_t)name[i]) < 0)
			return 0;
	return 1;
}

struct split {
	struct buf	*relays, *people;
	size_t		 moved;
};

static int
split_cb(void *arg, const char *name, const uint8_t pk[PEERS_PK_BYTES],
    uint64_t t)
{
	struct split *sp = arg;

	if (!relay_entry_name(name))
		return put_line(sp->people, name, pk, t);
	sp->moved++;
	return put_line(sp->relays, name, pk, t);
}

/*
 * Relay keys live in known_relays, beside known_peers.  The first time
 * any of these functions runs where known_relays does not exist yet, it
 * is created with the relay entries of known_peers (moved out of it), so
 * that no name a peer announces afterwards can reach a relay pin.  With
 * create 0 a missing known_peers means there is nothing to do yet.
 * 0, or an error as for peers_lookup.
 */
static int
migrate_relays(const char *peers_path, int create)
{
	char rpath[PATH_MAX], tmp[PATH_MAX], ptmp[PATH_MAX];
	struct buf relays, people;
	struct split sp;
	struct stat st;
	uint8_t *data = NULL;
	size_t len = 0;
	int lockfd = -1, r = ERR_INTERNAL, saved = 0;

	buf_init(&relays, PEERS_FILE_MAX);
	buf_init(&people, PEERS_FILE_MAX);
	if (peers_path == NULL ||
	    (r = peers_relays_path(peers_path, rpath, sizeof(rpath))) != 0 ||
	    (r = fileio_tmp_path(tmp, sizeof(tmp), rpath)) != 0 ||
	    (r = fileio_tmp_path(ptmp, sizeof(ptmp), peers_path)) != 0) {
		r = ERR_INVALID_ARG;
		goto out;
	}
	/* The common case, with no lock: done long ago. */
	if (lstat(rpath, &st) == 0) {
		r = 0;
		goto out;
	}
	if (!create && lstat(peers_path, &st) != 0 && errno == ENOENT) {
		r = 0;
		goto out;
	}
	if ((r = locked_read(peers_path, &lockfd, &data, &len)) != 0) {
		saved = errno;
		goto out;
	}
	if (lstat(rpath, &st) == 0) {
		r = 0;
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.relays = &relays;
	sp.people = &people;
	if ((r = peers_parse(data, len, split_cb, &sp)) != 0)
		goto out;
	/* known_relays first: a crash in between leaves the relay lines in
	 * both files, and known_peers' copies are never read for relays. */
	r = fileio_write_atomic(rpath, tmp, buf_ptr(&relays),
	    buf_len(&relays), 0600, FILEIO_NO_REPLACE);
	if (r == FILEIO_EXISTS)
		r = 0;
	if (r != 0) {
		saved = errno;
		goto out;
	}
	if (sp.moved > 0 && (r = fileio_write_atomic(peers_path, ptmp,
	    buf_ptr(&people), buf_len(&people), 0600, 0)) != 0)
		saved = errno;
out:
	if (lockfd != -1)
		close(lockfd);
	free(data);
	buf_release(&relays);
	buf_release(&people);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
peers_relay_check(const char *peers_path, const char *where,
    const uint8_t pk[PEERS_PK_BYTES], int *status)
{
	char rpath[PATH_MAX], name[PEERS_RELAY_NAME_LEN + 1];
	struct find f;
	int r;

	*status = 0;
	if (where == NULL || pk == NULL)
		return ERR_INVALID_ARG;
	if ((r = migrate_relays(peers_path, 0)) != 0 ||
	    (r = peers_relays_path(peers_path, rpath, sizeof(rpath))) != 0)
		return r;
	peers_relay_name(where, name);
	if ((r = store_find(rpath, name, 0, pk, &f)) != 0)
		return r;
	*status = find_status(&f);
	sodium_memzero(&f, sizeof(f));
	return 0;
}

int
peers_relay_pin(const char *peers_path, const char *where,
    const uint8_t pk[PEERS_PK_BYTES])
{
	char rpath[PATH_MAX], name[PEERS_RELAY_NAME_LEN + 1];
	int r;

	if (where == NULL)
		return ERR_INVALID_ARG;
	if ((r = migrate_relays(peers_path, 1)) != 0 ||
	    (r = peers_relays_path(peers_path, rpath, sizeof(rpath))) != 0)
		return r;
	peers_relay_name(where, name);
	return store_pin(rpath, name, 0, pk, now_u64());
}
