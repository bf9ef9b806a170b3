/*
 * addr.h: network addresses as users type and read them: HOST[:PORT],
 * [v6addr]:PORT, printing a socket address, listing this machine's
 * addresses, and opening listening or connected TCP sockets.
 */
#ifndef SOTTO_ADDR_H
#define SOTTO_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_STRLEN	64	/* "[v6 address]:65535" and a NUL */
#define ADDR_HOSTLEN	256

/*
 * Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address
 * into host and port (default_port when absent).  0, or ERR_FORMAT for a
 * malformed string or a port outside 1..65535 (0 allowed if allow_zero).
 */
int	 addr_split(const char *s, int default_port, int allow_zero,
	    char host[ADDR_HOSTLEN], int *port);
/* Parses a port number: 0 or ERR_FORMAT. */
int	 addr_parse_port(const char *s, int allow_zero, int *port);
/* "1.2.3.4:5" or "[::1]:5" into out (always NUL-terminated). */
void	 addr_format(const struct sockaddr *sa, socklen_t len, char *out,
	    size_t outlen);
/* Calls cb with each non-loopback-first list of local interface
 * addresses (numeric, no port); returns how many. */
int	 addr_list_local(void (*cb)(const char *addr, void *arg), void *arg);

/*
 * Opens listening sockets for host (NULL: every address, IPv6 and IPv4)
 * on port (0: the kernel picks one, the same for all).  Stores up to
 * *nfds descriptors in fds and updates *nfds.  Returns 0, or an error
 * with a human-readable reason in why (port taken, address not local).
 */
int	 addr_listen(const char *host, int port, int *fds, int *nfds,
	    char *why, size_t whylen);
/* The port a listening socket got. */
int	 addr_local_port(int fd);
/*
 * Connects to host:port within timeout_ms, trying every address, through
 * the process's SOCKS5 proxy when one is set (proxy.h; the name then
 * goes to the proxy unresolved).  Blocks: an event loop's code should
 * use dial_start (dial.h) instead.  Returns the connected (blocking)
 * socket, or -1 with why filled.
 */
int	 addr_connect(const char *host, int port, int timeout_ms, char *why,
	    size_t whylen);

#endif
