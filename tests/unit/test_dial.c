/*
 * test_dial.c: the non-blocking dialer on a real loopback socket:
 * direct connects succeed or say why (refused), a name is resolved off
 * the loop; through a proxy it speaks SOCKS5, sends the name unresolved,
 * hands over the socket with the tunnel's first bytes still unread
 * (they came in the same segment as the CONNECT reply), takes a reply
 * that comes in pieces, reports a
 * failure reply with its meaning, and a silent proxy times out; a
 * cancelled dial never calls back.  And the process's proxy setting
 * draws fresh random credentials per conversation unless given some.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "dial.h"
#include "err.h"
#include "proxy.h"
#include "socks5.h"

struct result {
	int	 done;
	int	 fd;
	char	 why[512];
};

/* A fake SOCKS5 proxy on the same loop: answers the greeting, reads the
 * CONNECT and answers it with 'reply', then (on success) "HELLO". */
struct fake {
	struct event_base *base;
	int	 lfd, cfd;
	struct event *ev_accept, *ev_read;
	uint8_t	 in[600];
	size_t	 inlen;
	int	 stage;
	uint8_t	 reply;
	int	 silent;
	int	 split;		/* the CONNECT reply in two writes */
	struct event *ev_rest;
	uint8_t	 rest[16];
	size_t	 restlen;
	uint8_t	 req[600];	/* the CONNECT request as received */
	size_t	 reqlen;
};

static void
on_dial(int fd, const char *why, void *arg)
{
	struct result *r = arg;

	r->done = 1;
	r->fd = fd;
	if (why != NULL)
		snprintf(r->why, sizeof(r->why), "%s", why);
}

static int
listener(int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static void
run(struct event_base *base, struct result *r)
{
	int i;

	for (i = 0; i < 2000 && !r->done; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(r->done);
}

static void
fake_rest(evutil_socket_t unused, short what, void *arg)
{
	struct fake *f = arg;

	(void)unused;
	(void)what;
	assert_int_equal(write(f->cfd, f->rest, f->restlen),
	    (ssize_t)f->restlen);
}

static void
fake_read(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	static const uint8_t ok[] = { 5, 0 };
	uint8_t rep[15] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 'H', 'E', 'L', 'L',
	    'O' };
	ssize_t n;

	(void)what;
	n = read(fd, f->in + f->inlen, sizeof(f->in) - f->inlen);
	if (n <= 0) {
		event_del(f->ev_read);
		return;
	}
	f->inlen += (size_t)n;
	if (f->stage == 0 && f->inlen >= 2 && f->inlen >= 2u + f->in[1]) {
		f->inlen -= 2u + f->in[1];
		memmove(f->in, f->in + 2 + f->in[1], f->inlen);
		f->stage = 1;
		if (!f->silent)
			assert_int_equal(write(fd, ok, 2), 2);
	}
	if (f->stage == 1 && f->inlen >= 5) {
		memcpy(f->req, f->in, f->inlen);
		f->reqlen = f->inlen;
		rep[1] = f->reply;
		if (f->split) {
			/* 3 bytes now, the rest (and "HELLO") in 50 ms. */
			struct timeval tv = { 0, 50000 };

			assert_int_equal(write(fd, rep, 3), 3);
			memcpy(f->rest, rep + 3, 12);
			f->restlen = 12;
			f->ev_rest = evtimer_new(f->base, fake_rest, f);
			evtimer_add(f->ev_rest, &tv);
		} else
			/* The reply and the tunnel's first bytes in one
			 * write. */
			assert_int_equal(write(fd, rep, f->reply == 0 ? 15 :
			    10), f->reply == 0 ? 15 : 10);
		f->stage = 2;
	}
}

static void
fake_accept(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;

	(void)what;
	assert_true((f->cfd = accept(fd, NULL, NULL)) >= 0);
	f->ev_read = event_new(f->base, f->cfd, EV_READ | EV_PERSIST,
	    fake_read, f);
	event_add(f->ev_read, NULL);
}

static void
fake_start(struct fake *f, struct event_base *base, int *port)
{
	memset(f, 0, sizeof(*f));
	f->base = base;
	f->cfd = -1;
	f->lfd = listener(port);
	f->ev_accept = event_new(base, f->lfd, EV_READ | EV_PERSIST,
	    fake_accept, f);
	event_add(f->ev_accept, NULL);
}

static void
fake_stop(struct fake *f)
{
	event_free(f->ev_accept);
	if (f->ev_rest != NULL)
		event_free(f->ev_rest);
	if (f->ev_read != NULL)
		event_free(f->ev_read);
	if (f->cfd >= 0)
		close(f->cfd);
	close(f->lfd);
}

static void
use_proxy(int port)
{
	struct socks5_url u;
	char s[64];
	const char *why;

	snprintf(s, sizeof(s), "socks5h://127.0.0.1:%d", port);
	assert_int_equal(socks5_parse_url(&u, s, strlen(s), &why), 0);
	proxy_set(&u);
}

static void
test_direct(void **state)
{
	struct event_base *base = event_base_new();
	struct result r = { 0, -1, "" };
	int lfd, port, cfd;

	(void)state;
	proxy_clear();
	lfd = listener(&port);
	assert_non_null(dial_start(base, "127.0.0.1", port, 5000, on_dial,
	    &r));
	/* Never from inside dial_start. */
	assert_int_equal(r.done, 0);
	run(base, &r);
	assert_true(r.fd >= 0);
	close(r.fd);
	/* A name: resolved by the helper thread. */
	memset(&r, 0, sizeof(r));
	assert_non_null(dial_start(base, "localhost", port, 5000, on_dial,
	    &r));
	run(base, &r);
	assert_true(r.fd >= 0);
	close(r.fd);
	cfd = accept(lfd, NULL, NULL);
	close(cfd);
	close(lfd);
	/* Nothing listens there now. */
	memset(&r, 0, sizeof(r));
	assert_non_null(dial_start(base, "127.0.0.1", port, 5000, on_dial,
	    &r));
	run(base, &r);
	assert_int_equal(r.fd, -1);
	assert_non_null(strstr(r.why, "refused"));
	event_base_free(base);
}

static void
test_socks(void **state)
{
	static const uint8_t want[] = { 5, 1, 0, 3, 14, 'r', 'e', 'l', 'a',
	    'y', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.' };
	struct event_base *base = event_base_new();
	struct result r = { 0, -1, "" };
	struct fake f;
	char buf[8];
	int port;

	(void)state;
	fake_start(&f, base, &port);
	use_proxy(port);
	/* A name the proxy is to resolve: it arrives as a name (ATYP 3). */
	assert_non_null(dial_start(base, "relay.example.", 4242, 5000,
	    on_dial, &r));
	run(base, &r);
	assert_true(r.fd >= 0);
	assert_int_equal(f.reqlen, sizeof(want) + 2);
	assert_memory_equal(f.req, want, sizeof(want));
	assert_int_equal(f.req[sizeof(want)], 4242 >> 8);
	assert_int_equal(f.req[sizeof(want) + 1], 4242 & 0xff);
	/* The tunnel's first bytes are still there for the caller. */
	assert_int_equal(read(r.fd, buf, 5), 5);
	assert_memory_equal(buf, "HELLO", 5);
	close(r.fd);
	fake_stop(&f);

	/* The reply in pieces. */
	fake_start(&f, base, &port);
	f.split = 1;
	use_proxy(port);
	memset(&r, 0, sizeof(r));
	assert_non_null(dial_start(base, "::1", 7, 5000, on_dial, &r));
	run(base, &r);
	assert_true(r.fd >= 0);
	assert_int_equal(f.req[3], 4);	/* ATYP IPv6 */
	assert_int_equal(read(r.fd, buf, 5), 5);
	assert_memory_equal(buf, "HELLO", 5);
	close(r.fd);
	fake_stop(&f);

	/* A refusing reply: its meaning, and the destination. */
	fake_start(&f, base, &port);
	f.reply = 5;
	use_proxy(port);
	memset(&r, 0, sizeof(r));
	assert_non_null(dial_start(base, "10.0.0.1", 9, 5000, on_dial, &r));
	run(base, &r);
	assert_int_equal(r.fd, -1);
	assert_non_null(strstr(r.why, "could not connect to 10.0.0.1 port 9"));
	assert_non_null(strstr(r.why, "connection refused"));
	assert_non_null(strstr(r.why, "SOCKS5 reply 5"));
	assert_int_equal(f.req[3], 1);	/* ATYP IPv4 */
	fake_stop(&f);

	/* A silent proxy: the deadline. */
	fake_start(&f, base, &port);
	f.silent = 1;
	use_proxy(port);
	memset(&r, 0, sizeof(r));
	assert_non_null(dial_start(base, "h", 9, 200, on_dial, &r));
	run(base, &r);
	assert_int_equal(r.fd, -1);
	assert_non_null(strstr(r.why, "timed out"));
	fake_stop(&f);
	proxy_clear();
	event_base_free(base);
}

static void
test_cancel(void **state)
{
	struct event_base *base = event_base_new();
	struct result r = { 0, -1, "" };
	struct dial *d;
	int lfd, port, i;

	(void)state;
	proxy_clear();
	lfd = listener(&port);
	assert_non_null(d = dial_start(base, "localhost", port, 5000,
	    on_dial, &r));
	dial_free(d);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	usleep(100000);
	for (i = 0; i < 20; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
	assert_int_equal(r.done, 0);
	close(lfd);
	event_base_free(base);
}

/* An onion name without a proxy: refused from the loop, never resolved
 * (a DNS query would tell the resolver which onion service is wanted,
 * RFC 7686); a name that only looks alike is resolved as usual. */
static void
test_onion_direct(void **state)
{
	static const char *const names[] = { "abcdefgh.onion",
	    "ABCDEFGH.ONION.", "x.y.onion", "onion" };
	struct event_base *base = event_base_new();
	struct result r;
	size_t i;

	(void)state;
	proxy_clear();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		memset(&r, 0, sizeof(r));
		r.fd = -1;
		assert_non_null(dial_start(base, names[i], 80, 5000, on_dial,
		    &r));
		assert_int_equal(r.done, 0);
		run(base, &r);
		assert_int_equal(r.fd, -1);
		assert_non_null(strstr(r.why, "onion address"));
		assert_non_null(strstr(r.why, "--proxy"));
	}
	/* Not under .onion: tried (and refused: nothing listens). */
	memset(&r, 0, sizeof(r));
	r.fd = -1;
	assert_non_null(dial_start(base, "127.0.0.1", 1, 5000, on_dial, &r));
	run(base, &r);
	assert_int_equal(r.fd, -1);
	assert_null(strstr(r.why, "onion"));
	event_base_free(base);
}

static void
test_isolation(void **state)
{
	struct socks5_url u;
	const struct socks5_url *p;
	uint8_t first[SOCKS5_MAX_NAME];
	const char *why;

	(void)state;
	assert_int_equal(socks5_parse_url(&u, "socks5h://h:1", 13, &why), 0);
	proxy_set(&u);
	assert_non_null(p = proxy_get());
	assert_int_equal(p->have_auth, 1);
	assert_int_equal(p->ulen, 2 * PROXY_ISOLATE_BYTES);
	memcpy(first, p->user, sizeof(first));
	proxy_isolate();
	assert_int_equal(p->ulen, 2 * PROXY_ISOLATE_BYTES);
	assert_memory_not_equal(first, p->user, p->ulen);
	assert_string_equal(proxy_describe(), "h:1");
	/* The user's own credentials stay as given. */
	assert_int_equal(socks5_parse_url(&u, "socks5h://a:b@[::1]:2", 21,
	    &why), 0);
	proxy_set(&u);
	proxy_isolate();
	assert_int_equal(p->ulen, 1);
	assert_memory_equal(p->user, "a", 1);
	assert_string_equal(proxy_describe(), "[::1]:2");
	assert_int_equal(proxy_timeout(3000), PROXY_CONNECT_MS);
	proxy_clear();
	assert_null(proxy_get());
	assert_int_equal(proxy_timeout(3000), 3000);
	assert_int_equal(socks5_parse_url(&u, "none", 4, &why), 0);
	proxy_set(&u);
	assert_null(proxy_get());
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_socks),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_isolation),
		cmocka_unit_test(test_onion_direct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
