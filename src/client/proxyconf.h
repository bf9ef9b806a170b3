/*
 * proxyconf.h: which SOCKS5 proxy a run of an outbound command uses,
 * from (first that says) --no-proxy or --proxy none, --proxy URL, the
 * config file's 'proxy', ALL_PROXY, all_proxy; none of them: direct.
 *
 * Every outbound command takes the two options (PROXYCONF_OPTIONS in its
 * getopt_long table, proxyconf_option in its switch's default), and
 * calls proxyconf_apply with their values before it connects.
 */
#ifndef SOTTO_PROXYCONF_H
#define SOTTO_PROXYCONF_H

#include <stdio.h>

/* getopt_long values (long options only). */
#define PROXYCONF_OPT_PROXY	'x'	/* --proxy URL */
#define PROXYCONF_OPT_NONE	'O'	/* --no-proxy */
#define PROXYCONF_OPTIONS \
	{ "proxy", required_argument, NULL, PROXYCONF_OPT_PROXY }, \
	{ "no-proxy", no_argument, NULL, PROXYCONF_OPT_NONE }
/* For cli_bad_option's with_args. */
#define PROXYCONF_WITH_ARGS	"x"
/* The usage lines, the same in every command. */
#define PROXYCONF_USAGE \
	"  --proxy URL          connect through this SOCKS5 proxy, e.g.\n" \
	"                       socks5h://127.0.0.1:9050 for Tor (default:\n" \
	"                       config 'proxy', else ALL_PROXY; none: direct)\n" \
	"  --no-proxy           connect directly, whatever the config says\n"

/* The two options' values as getopt_long gives them. */
struct proxyconf_opts {
	const char	*url;		/* --proxy, or NULL */
	int		 none;		/* --no-proxy */
};
/* Takes getopt_long's ch (and optarg) if it is one of the two options:
 * 1 then, else 0. */
int	 proxyconf_option(struct proxyconf_opts *o, int ch, const char *arg);

/*
 * Sets the process's proxy (proxy_set).  url: --proxy's value or NULL;
 * no_proxy: --no-proxy was given.  Warns on stderr when the URL on the
 * command line holds a password (other users see argv).  Returns 0, or
 * EXIT_USAGE after saying on stderr what is wrong with which setting.
 */
int	 proxyconf_apply(const char *url, int no_proxy);
/*
 * The options that give a child 'sotto join' (another conversation of
 * the full-screen view) this run's choice when it came from the command
 * line; from the config file or the environment the child finds it by
 * itself.  Stores up to 2 pointers (valid for the run) in args; returns
 * how many.
 */
int	 proxyconf_child_args(const char *args[2]);

#endif
