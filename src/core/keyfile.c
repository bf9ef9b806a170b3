/*
 * keyfile.c: the identity key file in the user's config directory,
 * created on first run, kept readable by its owner only (see keyfile.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "err.h"
#include "fileio.h"
#include "identity.h"
#include "keyfile.h"

/* create_key: the key file appeared while we were writing ours. */
#define LOST_RACE	FILEIO_EXISTS

int
keyfile_xdg_dir(char *out, size_t outlen, const char *var,
    const char *fallback, const char *sub)
{
	const char *xdg = getenv(var);
	const char *home = getenv("HOME");
	int n;

	if (outlen > 0)
		out[0] = '\0';
	/* The XDG spec says relative values are to be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/%s", xdg, sub);
	else if (home != NULL && home[0] == '/')
		n = snprintf(out, outlen, "%s/%s/%s", home, fallback, sub);
	else
		return ERR_INVALID_ARG;
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return ERR_INVALID_ARG;
	}
	return 0;
}

int
keyfile_config_dir(char *out, size_t outlen)
{
	return keyfile_xdg_dir(out, outlen, "XDG_CONFIG_HOME", ".config",
	    "sotto");
}

/* mkdir that counts an existing directory as success. */
static int
mkdir_exists_ok(const char *path, int *made)
{
	struct stat st;
	int saved;

	*made = 0;
	if (mkdir(path, 0700) == 0) {
		*made = 1;
		return 0;
	}
	/* Some systems report EACCES or EROFS rather than EEXIST for an
	 * existing directory we may not write to; ask the directory. */
	saved = errno;
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return 0;
		saved = ENOTDIR;
	}
	errno = saved;
	return ERR_IO;
}

int
keyfile_ensure_dir(const char *dir)
{
	char p[PATH_MAX];
	struct stat st;
	size_t len, i;
	int made, r;

	len = strlen(dir);
	if (len == 0 || len >= sizeof(p))
		return ERR_INVALID_ARG;
	memcpy(p, dir, len + 1);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	/* Parents first, so ~/.config may be missing on a fresh account. */
	for (i = 1; i < len; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		r = mkdir_exists_ok(p, &made);
		p[i] = '/';
		if (r != 0)
			return r;
	}
	if ((r = mkdir_exists_ok(p, &made)) != 0)
		return r;
	/* stat, not lstat: a symlinked config directory is a common dotfiles
	 * setup, and what matters is the directory it leads to. */
	if (stat(p, &st) != 0)
		return ERR_IO;
	if (made && (st.st_mode & 0777) != 0700) {
		/* A strict umask may have taken our own bits away too. */
		if (chmod(p, 0700) != 0)
			return ERR_IO;
	} else if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		if (chmod(p, st.st_mode & S_IRWXU) != 0)
			return ERR_IO;
	}
	return 0;
}

/* Reads and decodes the key file at path.  ERR_IO with errno ENOENT
 * tells the caller there is nothing to load. */
static int
load_key(const char *path, struct identity **idp)
{
	uint8_t data[KEYFILE_MAX_SIZE + 1];
	size_t n = 0;
	int fd = -1, r = ERR_INTERNAL, saved = 0;

	*idp = NULL;
	r = fileio_open_small(path, KEYFILE_MAX_SIZE, FILEIO_OWNER_ONLY, &fd,
	    NULL);
	/* One byte more than the limit is room to notice a file that grew
	 * after fstat. */
	if (r == 0)
		r = fileio_read_full(fd, data, sizeof(data), &n);
	if (r != 0) {
		saved = errno;
		if (r == ERR_TOO_LARGE)
			r = ERR_FORMAT;
		goto out;
	}
	if (n > KEYFILE_MAX_SIZE) {
		r = ERR_FORMAT;
		goto out;
	}
	switch ((r = identity_decode(idp, data, n))) {
	case ERR_TRUNCATED:
	case ERR_TRAILING:
		r = ERR_FORMAT;
		break;
	}
out:
	sodium_memzero(data, sizeof(data));
	if (fd != -1)
		close(fd);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

/* Creates the key file at path.  0 with *idp set, LOST_RACE if another
 * process created path meanwhile (nothing of ours is left behind), or an
 * error. */
static int
create_key(const char *path, struct identity **idp)
{
	struct identity *id = NULL;
	struct buf b;
	char tmp[PATH_MAX];
	int r = ERR_INTERNAL, saved = 0;

	*idp = NULL;
	buf_init(&b, IDENTITY_FILE_LEN);
	if ((r = fileio_tmp_path(tmp, sizeof(tmp), path)) != 0 ||
	    (r = identity_generate(&id)) != 0 ||
	    (r = identity_encode(id, &b)) != 0)
		goto out;
	/* No replace (link, not rename): if two first runs race, rename
	 * would silently replace the key the other process already uses;
	 * this way we load theirs instead. */
	r = fileio_write_atomic(path, tmp, buf_ptr(&b), buf_len(&b), 0600,
	    FILEIO_NO_REPLACE);
	saved = errno;
	if (r != 0)
		goto out;
	*idp = id;
	id = NULL;
	r = 0;
out:
	buf_release(&b);
	identity_free(id);
	if (r == ERR_IO)
		errno = saved;
	return r;
}

int
keyfile_load_or_create(const char *dir, struct identity **idp, int *created)
{
	char path[PATH_MAX];
	int n, r = ERR_INTERNAL, tries;

	*idp = NULL;
	if (created != NULL)
		*created = 0;
	if ((r = keyfile_ensure_dir(dir)) != 0)
		return r;
	n = snprintf(path, sizeof(path), "%s/%s", dir, KEYFILE_NAME);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ERR_INVALID_ARG;
	/* A second round only follows a lost creation race, and then loads
	 * the winner's file. */
	for (tries = 0; tries < 2; tries++) {
		r = load_key(path, idp);
		if (r != ERR_IO || errno != ENOENT)
			return r;
		if ((r = create_key(path, idp)) != LOST_RACE)
			break;
	}
	if (r == 0 && created != NULL)
		*created = 1;
	if (r == LOST_RACE) {
		/* The winner's file vanished again: give up rather than loop. */
		errno = ENOENT;
		r = ERR_IO;
	}
	return r;
}
