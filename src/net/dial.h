/*
 * dial.h: a non-blocking outbound TCP connection on the caller's event
 * loop: resolve (in a helper thread, as getaddrinfo blocks), connect to
 * each address in turn, then, when a proxy is set (proxy.h), the SOCKS5
 * negotiation, all within one timeout; then one callback with the
 * connected socket or a sentence saying why not.
 *
 * With a proxy, the destination's name is never resolved here: only
 * the proxy's own address is, and the name goes to the proxy.
 */
#ifndef SOTTO_DIAL_H
#define SOTTO_DIAL_H

#include <event2/event.h>

struct dial;

/*
 * Called once, from the event loop (never from inside dial_start): fd
 * is the connected socket in blocking mode (the callee owns it), or -1
 * and why says what failed.  The dial is freed right after the callback
 * returns: forget the pointer in it, and don't dial_free it.
 */
typedef void (*dial_cb)(int fd, const char *why, void *arg);

/*
 * Starts connecting to host:port within timeout_ms, through the proxy
 * set by proxy_set if any.  Returns the dial, or NULL when out of memory
 * (no callback then).
 */
struct dial *dial_start(struct event_base *base, const char *host, int port,
	    int timeout_ms, dial_cb cb, void *arg);
/* Cancels a dial that has not called back yet: no callback, its socket
 * closed.  NULL is a no-op. */
void	 dial_free(struct dial *d);

#endif
