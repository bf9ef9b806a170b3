/* config_load.c: the settings file from disk (see config_load.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "config_load.h"
#include "err.h"
#include "fileio.h"
#include "keyfile.h"

/* Several parts of a run read the file: its warnings are said once. */
static int warned;

static void
warn(void *arg, unsigned line, const char *why)
{
	if (warned)
		return;
	fprintf(stderr, "sotto: %s line %u: %s (line skipped)\n",
	    (const char *)arg, line, why);
}

/* Everything, the proxy URL (which may hold a password) included. */
static int
config_load_all(struct config *c, int *exposed)
{
	struct stat st;
	char dir[PATH_MAX], path[PATH_MAX + 16];
	uint8_t *p = NULL;
	size_t size = 0, n = 0;
	int fd = -1, r;

	config_init(c);
	if (keyfile_config_dir(dir, sizeof(dir)) != 0 ||
	    snprintf(path, sizeof(path), "%s/%s", dir, CONFIG_FILE_NAME) >=
	    (int)sizeof(path))
		return 0;
	if ((r = fileio_open_small(path, CONFIG_MAX_BYTES, 0, &fd,
	    &size)) != 0) {
		if (r == ERR_IO && errno == ENOENT)
			return 0;
		fprintf(stderr, "sotto: cannot read %s: %s\n", path,
		    r == ERR_IO ? strerror(errno) : err_str(r));
		return r;
	}
	/* Readable by others: a password in it would be theirs too. */
	if (exposed != NULL)
		*exposed = fstat(fd, &st) == 0 && (st.st_mode & 0044) != 0;
	if ((p = malloc(size + 1)) == NULL) {
		r = ERR_ALLOC;
		goto out;
	}
	if ((r = fileio_read_full(fd, p, size, &n)) != 0) {
		fprintf(stderr, "sotto: cannot read %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	r = config_parse(c, p, n, warn, path);
	warned = 1;
 out:
	if (r != 0)
		config_init(c);
	if (p != NULL)
		sodium_memzero(p, size + 1);
	free(p);
	close(fd);
	return r;
}

int
config_load(struct config *c)
{
	int r = config_load_all(c, NULL);

	/* Only config_load_proxy hands the proxy out. */
	sodium_memzero(c->proxy, sizeof(c->proxy));
	return r;
}

int
config_load_proxy(char *out, size_t outlen, int *exposed)
{
	struct config c;
	int r;

	out[0] = '\0';
	*exposed = 0;
	if ((r = config_load_all(&c, exposed)) == 0 && c.proxy[0] != '\0' &&
	    strlen(c.proxy) < outlen)
		memcpy(out, c.proxy, strlen(c.proxy) + 1);
	sodium_memzero(&c, sizeof(c));
	return r;
}

int
config_default_port(int fallback)
{
	struct config c;

	if (config_load(&c) == 0 && c.port > 0)
		return c.port;
	return fallback;
}
