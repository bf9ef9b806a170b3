/*
 * config.h: the user's settings file, $XDG_CONFIG_HOME/sotto/config:
 * lines of 'key = value', '#' comments and blank lines, every key
 * optional.  Parsing is on bytes (no I/O): config_load in the client
 * reads the file and hands its bytes here.
 *
 * The file is the user's own, but it is still read as untrusted input:
 * every line is bounded, every value checked, and a line that is wrong
 * is reported (by line number, never echoed) and skipped, so a typo
 * never stops the program nor changes a setting it didn't name.
 */
#ifndef SOTTO_CONFIG_H
#define SOTTO_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_MAX_BYTES	(64 * 1024)	/* a larger file is refused */
#define CONFIG_MAX_LINE		1024
#define CONFIG_MAX_NAME		32		/* bytes, as a peer name */
#define CONFIG_MAX_ADDR		255		/* HOST[:PORT] text */
#define CONFIG_MAX_TSFMT	31		/* strftime format */
#define CONFIG_MAX_PROXY	800		/* socks5h://USER:PASS@HOST:PORT */

/* A setting left out keeps its "unset" value: 0 for port, "" for the
 * strings, -1 for the switches. */
struct config {
	char	name[CONFIG_MAX_NAME + 1];	/* your name */
	int	port;				/* default 1:1 port */
	char	relay[CONFIG_MAX_ADDR + 1];	/* default relay HOST[:PORT] */
	int	color;				/* colours: 1 on, 0 off */
	int	bell;				/* ring on a mention: 1/0 */
	char	timestamp[CONFIG_MAX_TSFMT + 1];/* strftime, e.g. "%H:%M" */
	char	proxy[CONFIG_MAX_PROXY + 1];	/* SOCKS5 URL or "none" */
};

/* Called once per line that was skipped: its number (from 1) and why
 * (a static string). */
typedef void (*config_warn_fn)(void *arg, unsigned line, const char *why);

/* Every setting unset. */
void	 config_init(struct config *c);
/*
 * Parses p[0..len) into c, over what c already holds (so later lines
 * win).  Lines that are malformed, name an unknown key or carry a bad
 * value are reported through warn (may be NULL) and skipped.  Returns 0,
 * or ERR_TOO_LARGE for more than CONFIG_MAX_BYTES (c then unchanged).
 */
int	 config_parse(struct config *c, const uint8_t *p, size_t len,
	    config_warn_fn warn, void *arg);

#endif
