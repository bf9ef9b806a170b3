/* addr.c: address parsing, printing, listening and connecting. */
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "addr.h"
#include "dial.h"
#include "err.h"

int
addr_parse_port(const char *s, int allow_zero, int *port)
{
	char *end;
	long v;

	*port = 0;
	if (s == NULL || *s < '0' || *s > '9')
		return ERR_FORMAT;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535 || (v == 0 && !allow_zero))
		return ERR_FORMAT;
	*port = (int)v;
	return 0;
}

int
addr_split(const char *s, int default_port, int allow_zero,
    char host[ADDR_HOSTLEN], int *port)
{
	const char *colon, *close;
	size_t hlen;

	host[0] = '\0';
	*port = default_port;
	if (s == NULL || *s == '\0' || strlen(s) >= ADDR_HOSTLEN)
		return ERR_FORMAT;
	if (s[0] == '[') {
		if ((close = strchr(s, ']')) == NULL)
			return ERR_FORMAT;
		hlen = (size_t)(close - s - 1);
		if (hlen == 0)
			return ERR_FORMAT;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (close[1] == '\0')
			return 0;
		if (close[1] != ':')
			return ERR_FORMAT;
		return addr_parse_port(close + 2, allow_zero, port);
	}
	colon = strchr(s, ':');
	if (colon != NULL && strchr(colon + 1, ':') != NULL) {
		/* Two colons: a bare IPv6 address, no port. */
		strcpy(host, s);
		return 0;
	}
	if (colon == NULL) {
		strcpy(host, s);
		return 0;
	}
	hlen = (size_t)(colon - s);
	if (hlen == 0)
		return ERR_FORMAT;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	return addr_parse_port(colon + 1, allow_zero, port);
}

void
addr_format(const struct sockaddr *sa, socklen_t len, char *out,
    size_t outlen)
{
	char h[NI_MAXHOST], p[NI_MAXSERV];

	if (getnameinfo(sa, len, h, sizeof(h), p, sizeof(p),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		snprintf(out, outlen, "?");
		return;
	}
	if (sa->sa_family == AF_INET6)
		snprintf(out, outlen, "[%s]:%s", h, p);
	else
		snprintf(out, outlen, "%s:%s", h, p);
}

int
addr_list_local(void (*cb)(const char *addr, void *arg), void *arg)
{
	struct ifaddrs *ifa, *i;
	char h[NI_MAXHOST];
	int n = 0, pass;
	socklen_t sl;

	if (getifaddrs(&ifa) != 0)
		return 0;
	/* Reachable addresses first, loopback last. */
	for (pass = 0; pass < 2; pass++) {
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    (i->ifa_addr->sa_family != AF_INET &&
			    i->ifa_addr->sa_family != AF_INET6))
				continue;
			if (((i->ifa_flags & IFF_LOOPBACK) != 0) != pass)
				continue;
			sl = i->ifa_addr->sa_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6);
			if (getnameinfo(i->ifa_addr, sl, h, sizeof(h), NULL, 0,
			    NI_NUMERICHOST) != 0)
				continue;
			cb(h, arg);
			n++;
		}
	}
	freeifaddrs(ifa);
	return n;
}

int
addr_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static int
listen_one(const struct addrinfo *ai, int port, char *why, size_t whylen,
    const char *host)
{
	struct sockaddr_storage ss;
	int fd, on = 1;

	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, ai->ai_addrlen) != 0) {
		if (errno == EADDRINUSE)
			snprintf(why, whylen, "port %d is already in use "
			    "(another program, or another sotto, is listening "
			    "there): choose another with --port", port);
		else if (errno == EADDRNOTAVAIL)
			snprintf(why, whylen, "%s is not an address of this "
			    "machine", host != NULL ? host : "address");
		else
			snprintf(why, whylen, "cannot listen on port %d: %s",
			    port, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 16) != 0) {
		snprintf(why, whylen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
addr_listen(const char *host, int port, int *fds, int *nfds, char *why,
    size_t whylen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int max = *nfds, n = 0, fd, e, r = ERR_IO, v6_missing = 0;

	*nfds = 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (host != NULL)
		hints.ai_flags |= AI_NUMERICHOST;
	if ((e = getaddrinfo(host, "0", &hints, &res)) != 0) {
		snprintf(why, whylen, "%s is not a numeric address of this "
		    "machine (%s)", host != NULL ? host : "?",
		    gai_strerror(e));
		return ERR_FORMAT;
	}
	/* IPv4 first, so that with port 0 the port it gets is then asked
	 * for on IPv6 too: on a busy machine most ports are taken by IPv4
	 * connections, which the port the kernel gives IPv6 doesn't avoid. */
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET)
			continue;
		if ((fd = listen_one(ai, port, why, whylen, host)) < 0)
			goto out;
		fds[n++] = fd;
		port = addr_local_port(fd);
	}
	for (ai = res; ai != NULL && n < max; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET6)
			continue;
		if ((fd = listen_one(ai, port, why, whylen, host)) < 0) {
			if (host == NULL && errno == EAFNOSUPPORT) {
				v6_missing = 1;
				continue;
			}
			goto out;
		}
		fds[n++] = fd;
		port = addr_local_port(fd);
	}
	(void)v6_missing;
	if (n == 0) {
		snprintf(why, whylen, "no address to listen on");
		goto out;
	}
	*nfds = n;
	r = 0;
 out:
	if (r != 0)
		while (n > 0)
			close(fds[--n]);
	freeaddrinfo(res);
	return r;
}

struct addr_wait {
	int	 fd;
	int	 done;
	char	*why;
	size_t	 whylen;
};

static void
addr_connected(int fd, const char *why, void *arg)
{
	struct addr_wait *w = arg;

	w->fd = fd;
	w->done = 1;
	if (fd < 0)
		snprintf(w->why, w->whylen, "%s", why);
}

/* The dialer on a loop of its own: one code path, with or without a
 * proxy, for blocking and non-blocking callers alike. */
int
addr_connect(const char *host, int port, int timeout_ms, char *why,
    size_t whylen)
{
	struct addr_wait w = { -1, 0, why, whylen };
	struct event_base *base;
	struct dial *d;

	snprintf(why, whylen, "cannot connect to %s port %d: out of memory",
	    host, port);
	if ((base = event_base_new()) == NULL)
		return -1;
	if ((d = dial_start(base, host, port, timeout_ms, addr_connected,
	    &w)) != NULL) {
		while (!w.done && event_base_loop(base, EVLOOP_ONCE) == 0)
			;
		if (!w.done)
			dial_free(d);
	}
	event_base_free(base);
	return w.fd;
}
