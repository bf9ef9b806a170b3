/* proxyconf.c: choosing this run's proxy (see proxyconf.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "chat.h"
#include "config_load.h"
#include "proxy.h"
#include "proxyconf.h"
#include "socks5.h"

/* What the command line said, for the children (argv outlives us). */
static const char *given_url;
static int given_none;

int
proxyconf_child_args(const char *args[2])
{
	if (given_none) {
		args[0] = "--no-proxy";
		return 1;
	}
	if (given_url != NULL) {
		args[0] = "--proxy";
		args[1] = given_url;
		return 2;
	}
	return 0;
}

int
proxyconf_option(struct proxyconf_opts *o, int ch, const char *arg)
{
	if (ch == PROXYCONF_OPT_PROXY)
		o->url = arg;
	else if (ch == PROXYCONF_OPT_NONE)
		o->none = 1;
	else
		return 0;
	return 1;
}

int
proxyconf_apply(const char *url, int no_proxy)
{
	struct socks5_url u;
	char cfg[CONFIG_MAX_PROXY + 1];
	const char *src = "--proxy", *why;
	int r = EXIT_USAGE, exposed = 0;

	proxy_clear();
	cfg[0] = '\0';
	given_url = url;
	given_none = no_proxy;
	if (no_proxy)
		return 0;
	if (url == NULL && config_load_proxy(cfg, sizeof(cfg), &exposed) == 0 &&
	    cfg[0] != '\0') {
		url = cfg;
		src = "the config file's proxy";
	}
	if (url == NULL) {
		src = "ALL_PROXY";
		if ((url = getenv("ALL_PROXY")) == NULL || url[0] == '\0') {
			src = "all_proxy";
			url = getenv("all_proxy");
		}
		if (url == NULL || url[0] == '\0')
			return 0;
	}
	if (socks5_parse_url(&u, url, strlen(url), &why) != 0) {
		/* A proxy that was asked for and can't be used is an error,
		 * never a silent direct connection. */
		fprintf(stderr, "sotto: %s: %s%s\n", src, why,
		    strcasecmp(src, "all_proxy") == 0 ? " (or --no-proxy to "
		    "connect directly)" : "");
		goto out;
	}
	if (u.have_auth && strcmp(src, "--proxy") == 0)
		fprintf(stderr, "sotto: warning: the proxy's password is on "
		    "the command line, where other users of this machine can "
		    "see it (ps): put it in the config file instead\n");
	if (u.have_auth && exposed)
		fprintf(stderr, "sotto: warning: the config file holds the "
		    "proxy's password and other users can read it: chmod 600 "
		    "it\n");
	proxy_set(&u);
	r = 0;
 out:
	sodium_memzero(&u, sizeof(u));
	sodium_memzero(cfg, sizeof(cfg));
	return r;
}
