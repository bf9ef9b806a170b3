/*
 * proxy.h: the SOCKS5 proxy every outbound connection of this process
 * goes through, if any.  One setting per process, made once at start
 * (proxy_set), read by addr_connect and dial_start, so that no
 * connection can bypass it.
 *
 * Isolation: without credentials in the URL, each conversation (each
 * process, or each proxy_isolate call) sends its own random SOCKS user
 * name and password, which Tor (IsolateSOCKSAuth, on by default) takes
 * as "use a circuit of its own".  Reconnections of one conversation
 * keep the same credentials, hence the same circuit.
 */
#ifndef SOTTO_PROXY_H
#define SOTTO_PROXY_H

#include "socks5.h"

#define PROXY_ISOLATE_BYTES	16	/* random bytes in the user name */
/* Connecting through a proxy (Tor building a circuit, reaching an onion
 * service) takes longer than directly: the deadline is at least this. */
#define PROXY_CONNECT_MS	30000

/*
 * Sets the proxy from u (copied; u->none or NULL: direct).  Without
 * credentials in u, random ones are drawn (proxy_isolate).
 */
void	 proxy_set(const struct socks5_url *u);
/* The proxy in use, or NULL for direct connections.  Valid until the
 * next proxy_set or proxy_clear. */
const struct socks5_url *proxy_get(void);
/* New random credentials for a new conversation: the next connections
 * are isolated from the earlier ones.  A no-op without a proxy or with
 * the user's own credentials. */
void	 proxy_isolate(void);
/* Back to direct connections, credentials wiped. */
void	 proxy_clear(void);
/* A connection's deadline: direct_ms, raised to PROXY_CONNECT_MS when
 * a proxy is set. */
int	 proxy_timeout(int direct_ms);
/* "127.0.0.1:9050" (the proxy's address, for messages). */
const char *proxy_describe(void);

#endif
