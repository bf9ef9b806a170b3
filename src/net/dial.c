/* dial.c: non-blocking connect, through a SOCKS5 proxy if set (dial.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "dial.h"
#include "err.h"
#include "proxy.h"
#include "socks5.h"

/* A name being resolved by a helper thread.  Shared: the last of the
 * thread and the dial to let go frees it. */
struct resolve {
	atomic_int	 refs;
	char		 host[SOCKS5_MAX_NAME + 1];
	char		 port[8];
	struct addrinfo	*res;
	int		 gai;
	int		 wfd;		/* the thread says "done" here */
};

struct dial {
	struct event_base *base;
	dial_cb		 cb;
	void		*arg;
	char		 host[SOCKS5_MAX_NAME + 1];	/* destination */
	int		 port;
	int		 proxied;
	char		 chost[SOCKS5_MAX_NAME + 1];	/* connected to */
	int		 cport;
	struct resolve	*rs;
	int		 rfd;
	struct event	*ev_res;
	struct addrinfo	*res, *ai;
	int		 fd;
	struct event	*ev_io;
	struct event	*timer;
	struct event	*ev_done;
	struct socks5	 s;
	struct buf	 out;
	uint8_t		 in[SOCKS5_MAX_REPLY];
	size_t		 inlen;
	int		 result;	/* the fd handed over, or -1 */
	char		 why[512];
};

static void	try_next(struct dial *);

static void
resolve_release(struct resolve *rs)
{
	if (atomic_fetch_sub(&rs->refs, 1) != 1)
		return;
	if (rs->res != NULL)
		freeaddrinfo(rs->res);
	free(rs);
}

static void *
resolve_thread(void *arg)
{
	struct resolve *rs = arg;
	struct addrinfo hints;
	char c = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rs->gai = getaddrinfo(rs->host, rs->port, &hints, &rs->res);
	/* The dial may be gone, its end closed: no SIGPIPE for that. */
	(void)send(rs->wfd, &c, 1, MSG_NOSIGNAL);
	close(rs->wfd);
	resolve_release(rs);
	return NULL;
}

void
dial_free(struct dial *d)
{
	if (d == NULL)
		return;
	if (d->ev_res != NULL)
		event_free(d->ev_res);
	if (d->rfd >= 0)
		close(d->rfd);
	if (d->rs != NULL)
		resolve_release(d->rs);
	if (d->res != NULL)
		freeaddrinfo(d->res);
	if (d->ev_io != NULL)
		event_free(d->ev_io);
	if (d->timer != NULL)
		event_free(d->timer);
	if (d->ev_done != NULL)
		event_free(d->ev_done);
	if (d->fd >= 0)
		close(d->fd);
	if (d->result >= 0)
		close(d->result);
	socks5_clear(&d->s);
	buf_release(&d->out);
	sodium_memzero(d, sizeof(*d));
	free(d);
}

static void
done_cb(evutil_socket_t unused, short what, void *arg)
{
	struct dial *d = arg;
	int fd = d->result;

	(void)unused;
	(void)what;
	d->result = -1;
	d->cb(fd, fd >= 0 ? NULL : d->why, d->arg);
	dial_free(d);
}

/* The end, either way: the callback runs from the loop, next. */
static void
finish(struct dial *d, int fd)
{
	int fl;

	if (d->ev_io != NULL)
		event_del(d->ev_io);
	if (d->timer != NULL)
		event_del(d->timer);
	if (fd >= 0) {
		fl = fcntl(fd, F_GETFL);
		if (fl != -1)
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		d->fd = -1;
	}
	d->result = fd;
	event_active(d->ev_done, 0, 0);
}

static void
failf(struct dial *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
failf(struct dial *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
	if (d->fd >= 0) {
		close(d->fd);
		d->fd = -1;
	}
	finish(d, -1);
}

static void
timeout_cb(evutil_socket_t unused, short what, void *arg)
{
	struct dial *d = arg;

	(void)unused;
	(void)what;
	if (d->proxied)
		failf(d, "cannot reach %s port %d through the proxy %s: "
		    "timed out", d->host, d->port, proxy_describe());
	else
		failf(d, "cannot connect to %s port %d: timed out", d->host,
		    d->port);
}

/* Waits for fd to be readable or writable. */
static int
wait_io(struct dial *d, short what, event_callback_fn fn)
{
	if (d->ev_io != NULL)
		event_free(d->ev_io);
	if ((d->ev_io = event_new(d->base, d->fd, what, fn, d)) == NULL ||
	    event_add(d->ev_io, NULL) != 0)
		return -1;
	return 0;
}

static void	socks_io(evutil_socket_t, short, void *);

/* Waits again on the same event (they are not persistent). */
static void
rearm(struct dial *d)
{
	if (event_add(d->ev_io, NULL) != 0)
		failf(d, "out of memory");
}

/* Sends what is queued, then waits for the proxy's answer. */
static void
socks_flush(struct dial *d)
{
	ssize_t n;

	while (buf_len(&d->out) > 0) {
		n = send(d->fd, buf_ptr(&d->out), buf_len(&d->out),
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_io(d, EV_WRITE, socks_io) != 0)
				failf(d, "out of memory");
			return;
		}
		if (n <= 0) {
			failf(d, "the proxy %s: %s", proxy_describe(),
			    strerror(errno));
			return;
		}
		buf_consume(&d->out, (size_t)n);
	}
	buf_reset(&d->out);
	if (wait_io(d, EV_READ, socks_io) != 0)
		failf(d, "out of memory");
}

static void
socks_read(struct dial *d)
{
	ssize_t n;
	size_t used, take;
	int r;

	/* Peek, so as never to take the tunnel's first bytes: they may
	 * come in the same segment as the proxy's last reply. */
	n = recv(d->fd, d->in + d->inlen, sizeof(d->in) - d->inlen, MSG_PEEK);
	if (n < 0 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK)) {
		rearm(d);
		return;
	}
	if (n <= 0) {
		failf(d, "the proxy %s closed the connection during the "
		    "SOCKS5 negotiation%s%s", proxy_describe(),
		    n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
		return;
	}
	r = socks5_input(&d->s, d->in, d->inlen + (size_t)n, &used, &d->out);
	if (r == ERR_NEED_MORE) {
		if (d->inlen + (size_t)n == sizeof(d->in)) {
			failf(d, "the proxy %s sent an overlong reply",
			    proxy_describe());
			return;
		}
		take = (size_t)n;
	} else if (r < 0) {
		if (r == ERR_PROTOCOL)
			failf(d, "the proxy %s could not connect to %s port "
			    "%d: %s (SOCKS5 reply %d)", proxy_describe(),
			    d->host, d->port, d->s.why, d->s.reply);
		else
			failf(d, "the proxy %s %s", proxy_describe(),
			    d->s.why);
		return;
	} else
		take = used - d->inlen;
	/* Take off the socket what was peeked and used. */
	if (recv(d->fd, d->in + d->inlen, take, 0) != (ssize_t)take) {
		failf(d, "the proxy %s: read failed", proxy_describe());
		return;
	}
	if (r == ERR_NEED_MORE) {
		/* The rest of this reply is still on its way. */
		d->inlen += take;
		rearm(d);
		return;
	}
	d->inlen = 0;
	if (r == 1)
		finish(d, d->fd);
	else
		socks_flush(d);
}

static void
socks_io(evutil_socket_t fd, short what, void *arg)
{
	struct dial *d = arg;

	(void)fd;
	if (what & EV_WRITE)
		socks_flush(d);
	else
		socks_read(d);
}

/* Connected to the proxy: ask it for the destination. */
static void
socks_begin(struct dial *d)
{
	const struct socks5_url *px = proxy_get();

	if (px == NULL || socks5_start(&d->s, d->host, (uint16_t)d->port,
	    px->have_auth ? px->user : NULL, px->ulen, px->pass, px->plen,
	    &d->out) != 0) {
		failf(d, "cannot use the proxy %s: %s", proxy_describe(),
		    px == NULL ? "no longer set" : d->s.why);
		return;
	}
	socks_flush(d);
}

static void
connect_failed(struct dial *d, int err)
{
	if (d->proxied)
		snprintf(d->why, sizeof(d->why), "cannot connect to the "
		    "proxy %s: %s", proxy_describe(), strerror(err));
	else
		snprintf(d->why, sizeof(d->why), "cannot connect to %s port "
		    "%d: %s", d->host, d->port, strerror(err));
	close(d->fd);
	d->fd = -1;
	d->ai = d->ai->ai_next;
	try_next(d);
}

static void
connect_io(evutil_socket_t fd, short what, void *arg)
{
	struct dial *d = arg;
	socklen_t el = sizeof(int);
	int err = 0;

	(void)what;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		err = errno;
	if (err != 0) {
		connect_failed(d, err);
		return;
	}
	if (d->proxied)
		socks_begin(d);
	else
		finish(d, d->fd);
}

/* Connects to the next address; the last failure's reason stays. */
static void
try_next(struct dial *d)
{
	for (; d->ai != NULL; d->ai = d->ai->ai_next) {
		if ((d->fd = socket(d->ai->ai_family, d->ai->ai_socktype |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, d->ai->ai_protocol)) < 0)
			continue;
		if (connect(d->fd, d->ai->ai_addr, d->ai->ai_addrlen) == 0 ||
		    errno == EINPROGRESS) {
			if (wait_io(d, EV_WRITE, connect_io) != 0)
				failf(d, "out of memory");
			return;
		}
		connect_failed(d, errno);
		return;
	}
	if (d->why[0] == '\0')
		snprintf(d->why, sizeof(d->why), "cannot connect to %s port "
		    "%d: no address", d->chost, d->cport);
	finish(d, -1);
}

static void
resolved(struct dial *d, int gai)
{
	if (gai != 0) {
		failf(d, "cannot resolve %s%s: %s", d->proxied ?
		    "the proxy " : "", d->chost, gai_strerror(gai));
		return;
	}
	d->ai = d->res;
	try_next(d);
}

static void
resolve_io(evutil_socket_t fd, short what, void *arg)
{
	struct dial *d = arg;
	struct resolve *rs = d->rs;

	(void)fd;
	(void)what;
	close(d->rfd);
	d->rfd = -1;
	d->res = rs->res;
	rs->res = NULL;
	d->rs = NULL;
	resolved(d, rs->gai);
	resolve_release(rs);
}

/* A numeric address right away; a name in a helper thread. */
static int
resolve_start(struct dial *d)
{
	struct addrinfo hints;
	struct resolve *rs;
	pthread_attr_t at;
	pthread_t t;
	char port[8];
	int sv[2], gai;

	snprintf(port, sizeof(port), "%d", d->cport);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_NUMERICHOST;
	gai = getaddrinfo(d->chost, port, &hints, &d->res);
	if (gai != EAI_NONAME) {
		resolved(d, gai);
		return 0;
	}
	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return -1;
	memcpy(rs->host, d->chost, sizeof(rs->host));
	memcpy(rs->port, port, sizeof(rs->port));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		free(rs);
		return -1;
	}
	rs->wfd = sv[1];
	d->rfd = sv[0];
	atomic_init(&rs->refs, 2);
	d->rs = rs;
	if ((d->ev_res = event_new(d->base, d->rfd, EV_READ, resolve_io,
	    d)) == NULL || event_add(d->ev_res, NULL) != 0)
		goto fail;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &at, resolve_thread, rs) != 0) {
		pthread_attr_destroy(&at);
		goto fail;
	}
	pthread_attr_destroy(&at);
	return 0;
 fail:
	/* The thread never ran: its share goes too. */
	close(sv[1]);
	atomic_fetch_sub(&rs->refs, 1);
	return -1;
}

/* A name under .onion (RFC 7686), with or without the final dot: only
 * Tor can reach it, and a DNS query for it tells the resolver which
 * onion service is wanted. */
static int
is_onion(const char *host)
{
	size_t n = strlen(host);

	if (n > 0 && host[n - 1] == '.')
		n--;
	return (n == 5 && strncasecmp(host, "onion", 5) == 0) ||
	    (n > 6 && strncasecmp(host + n - 6, ".onion", 6) == 0);
}

struct dial *
dial_start(struct event_base *base, const char *host, int port,
    int timeout_ms, dial_cb cb, void *arg)
{
	const struct socks5_url *px = proxy_get();
	struct timeval tv;
	struct dial *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->base = base;
	d->cb = cb;
	d->arg = arg;
	d->fd = d->rfd = d->result = -1;
	buf_init(&d->out, 4 * SOCKS5_MAX_REPLY);
	snprintf(d->host, sizeof(d->host), "%s", host);
	d->port = port;
	if (px != NULL) {
		d->proxied = 1;
		memcpy(d->chost, px->host, sizeof(d->chost));
		d->cport = px->port;
	} else {
		memcpy(d->chost, d->host, sizeof(d->chost));
		d->cport = port;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if ((d->ev_done = event_new(base, -1, 0, done_cb, d)) == NULL ||
	    (d->timer = evtimer_new(base, timeout_cb, d)) == NULL ||
	    evtimer_add(d->timer, &tv) != 0) {
		dial_free(d);
		return NULL;
	}
	/* Never a DNS query for an onion name: without a proxy it fails
	 * here, from the loop, as any other failure. */
	if (!d->proxied && is_onion(host)) {
		failf(d, "%s is an onion address: it is reached only through "
		    "Tor (--proxy socks5h://127.0.0.1:9050, or 'proxy =' in "
		    "the config file); not resolved, not connected", d->host);
		return d;
	}
	if (resolve_start(d) != 0) {
		dial_free(d);
		return NULL;
	}
	return d;
}
