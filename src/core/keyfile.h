/*
 * keyfile.h: where the identity key lives on disk, and loading it or
 * creating it on first run with owner-only permissions.
 */
#ifndef SOTTO_KEYFILE_H
#define SOTTO_KEYFILE_H

#include <stddef.h>

struct identity;

/* Name of the key file inside the config directory. */
#define KEYFILE_NAME		"identity"
/* A key file larger than this is refused before anything is read. */
#define KEYFILE_MAX_SIZE	4096

/* Writes the config directory into out: $XDG_CONFIG_HOME/sotto when that
 * variable is set to an absolute path, else $HOME/.config/sotto (HOME must
 * be absolute too).  0, or ERR_INVALID_ARG when neither applies or the
 * path does not fit in outlen bytes; out is then "" (if outlen > 0). */
int	 keyfile_config_dir(char *out, size_t outlen);
/* The same rule for any XDG base directory: "$var/sub" when the
 * variable holds an absolute path, else "$HOME/fallback/sub". */
int	 keyfile_xdg_dir(char *out, size_t outlen, const char *var,
	    const char *fallback, const char *sub);

/* Creates dir with mode 0700, and its missing parents likewise.  An
 * existing dir that grants any group/other permission loses it (0755
 * becomes 0700); parents are left as they are.  0, or ERR_IO with errno set (ENOTDIR
 * if dir exists but is not a directory), or ERR_INVALID_ARG for a path
 * longer than PATH_MAX. */
int	 keyfile_ensure_dir(const char *dir);

/* Loads <dir>/identity into *idp (caller frees with identity_free), first
 * running keyfile_ensure_dir(dir).  When the file does not exist, a new
 * identity is generated and written there atomically with mode 0600, and
 * *created (if created is not NULL) is set to 1, else to 0.  An existing
 * file loses any group/other permission (0644 becomes 0600).  A symlink is
 * refused (ERR_IO, errno ELOOP).  Returns 0; ERR_FORMAT for an existing
 * file that is not a regular file, is over KEYFILE_MAX_SIZE, or is not a
 * valid key file (it is never overwritten); ERR_IO with errno preserved;
 * ERR_ALLOC, ERR_CRYPTO or ERR_INVALID_ARG.  On failure *idp is NULL. */
int	 keyfile_load_or_create(const char *dir, struct identity **idp,
	    int *created);

#endif
