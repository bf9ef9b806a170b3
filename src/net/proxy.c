/* proxy.c: the process's SOCKS5 proxy setting (see proxy.h). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "proxy.h"

static struct socks5_url proxy;
static int proxy_on;
static int proxy_random;	/* the credentials are ours, drawn at random */
static char proxy_text[SOCKS5_MAX_NAME + 16];

void
proxy_clear(void)
{
	sodium_memzero(&proxy, sizeof(proxy));
	proxy_on = proxy_random = 0;
	proxy_text[0] = '\0';
}

void
proxy_isolate(void)
{
	uint8_t rnd[PROXY_ISOLATE_BYTES];

	if (!proxy_on || !proxy_random)
		return;
	randombytes_buf(rnd, sizeof(rnd));
	/* Printable, so that Tor's logs and any proxy take it as text. */
	sodium_bin2hex((char *)proxy.user, sizeof(proxy.user), rnd,
	    sizeof(rnd));
	proxy.ulen = 2 * sizeof(rnd);
	memcpy(proxy.pass, "sotto", 5);
	proxy.plen = 5;
	proxy.have_auth = 1;
	sodium_memzero(rnd, sizeof(rnd));
}

void
proxy_set(const struct socks5_url *u)
{
	proxy_clear();
	if (u == NULL || u->none)
		return;
	proxy = *u;
	proxy_on = 1;
	if (strchr(proxy.host, ':') != NULL)
		snprintf(proxy_text, sizeof(proxy_text), "[%s]:%u",
		    proxy.host, proxy.port);
	else
		snprintf(proxy_text, sizeof(proxy_text), "%s:%u",
		    proxy.host, proxy.port);
	if (!proxy.have_auth) {
		proxy_random = 1;
		proxy_isolate();
	}
}

const struct socks5_url *
proxy_get(void)
{
	return proxy_on ? &proxy : NULL;
}

const char *
proxy_describe(void)
{
	return proxy_text;
}

int
proxy_timeout(int direct_ms)
{
	return proxy_on && direct_ms < PROXY_CONNECT_MS ? PROXY_CONNECT_MS :
	    direct_ms;
}
