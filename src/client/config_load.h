/*
 * config_load.h: reads the user's settings file, config in the
 * configuration directory ($XDG_CONFIG_HOME/sotto, default
 * ~/.config/sotto), with the parser of src/core/config.h.
 */
#ifndef SOTTO_CONFIG_LOAD_H
#define SOTTO_CONFIG_LOAD_H

#include "config.h"

#define CONFIG_FILE_NAME	"config"

/*
 * Fills c (config_init, then the file's settings).  A missing file or
 * directory leaves every setting unset and is not an error.  Each line
 * that is skipped is reported once on stderr ("sotto: config line N:
 * why").  Returns 0, or a negative ERR_* when the file exists but
 * cannot be read (c then holds no setting).  c->proxy is left empty
 * (see config_load_proxy).
 */
int	 config_load(struct config *c);
/* config_load leaves c->proxy empty: the proxy URL may hold a password,
 * and only this hands it out, into out (wiped by the caller; "" when
 * unset or longer than outlen allows); *exposed says whether the file
 * is readable by group or others.  Returns as config_load. */
int	 config_load_proxy(char *out, size_t outlen, int *exposed);
/* The 1:1 port to use when none is given: the file's 'port', else
 * 'fallback'. */
int	 config_default_port(int fallback);

#endif
