/*
 * test_socks5.c: the SOCKS5 client's state machine sends the requests of
 * RFC 1928/1929 byte for byte (a name as ATYP 3, never resolved; IPv4
 * and IPv6 literals as such), takes replies in any pieces, stops at the
 * end of the last reply (what follows is the tunnel's), names every
 * failure reply, and refuses malformed answers; and the proxy URL parser
 * takes what the man page says and nothing else.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "err.h"
#include "socks5.h"

static void
expect_bytes(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_len(b), n);
	assert_memory_equal(buf_ptr(b), p, n);
	buf_reset(b);
}

/* Feeds p[0..n) one byte at a time: NEED_MORE until the last. */
static int
feed_bytewise(struct socks5 *s, const uint8_t *p, size_t n, struct buf *out)
{
	size_t used, i;
	int r;

	for (i = 1; i < n; i++)
		assert_int_equal(socks5_input(s, p, i, &used, out),
		    ERR_NEED_MORE);
	r = socks5_input(s, p, n, &used, out);
	if (r >= 0)
		assert_int_equal(used, n);
	return r;
}

static void
test_name_no_auth(void **state)
{
	static const uint8_t hello[] = { 5, 1, 0 };
	static const uint8_t req[] = { 5, 1, 0, 3, 11, 'e', 'x', 'a', 'm',
	    'p', 'l', 'e', '.', 'o', 'r', 'g', 0xff, 0x99 };
	static const uint8_t m[] = { 5, 0 };
	static const uint8_t rep[] = { 5, 0, 0, 1, 127, 0, 0, 2, 0x12, 0x34 };
	struct socks5 s;
	struct buf out;

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(socks5_start(&s, "example.org", 0xff99, NULL, 0,
	    NULL, 0, &out), 0);
	expect_bytes(&out, hello, sizeof(hello));
	assert_int_equal(feed_bytewise(&s, m, sizeof(m), &out), 0);
	expect_bytes(&out, req, sizeof(req));
	assert_int_equal(feed_bytewise(&s, rep, sizeof(rep), &out), 1);
	assert_int_equal(buf_len(&out), 0);
	assert_int_equal(s.state, SOCKS5_OPEN);
	socks5_clear(&s);
	buf_release(&out);
}

static void
test_auth_v6_and_trailing(void **state)
{
	static const uint8_t hello[] = { 5, 2, 0, 2 };
	static const uint8_t auth[] = { 1, 3, 'b', 'o', 'b', 2, 'p', 'w' };
	static const uint8_t req[] = { 5, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 1, 0, 80 };
	/* A name-typed bound address, then 3 bytes of the tunnel. */
	static const uint8_t rep[] = { 5, 0, 0, 3, 2, 'h', 'i', 0, 1,
	    'a', 'b', 'c' };
	static const uint8_t m[] = { 5, 2 }, ok[] = { 1, 0 };
	struct socks5 s;
	struct buf out;
	size_t used;

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(socks5_start(&s, "::1", 80, (const uint8_t *)"bob",
	    3, (const uint8_t *)"pw", 2, &out), 0);
	expect_bytes(&out, hello, sizeof(hello));
	assert_int_equal(feed_bytewise(&s, m, sizeof(m), &out), 0);
	expect_bytes(&out, auth, sizeof(auth));
	assert_int_equal(feed_bytewise(&s, ok, sizeof(ok), &out), 0);
	expect_bytes(&out, req, sizeof(req));
	assert_int_equal(socks5_input(&s, rep, sizeof(rep), &used, &out), 1);
	assert_int_equal(used, sizeof(rep) - 3);
	/* The credentials are wiped once spent. */
	assert_int_equal(s.user[0], 0);
	assert_int_equal(s.pass[0], 0);
	assert_int_equal(socks5_input(&s, rep, sizeof(rep), &used, &out),
	    ERR_STATE);
	socks5_clear(&s);
	buf_release(&out);
}

static void
test_v4_literal_no_method_chosen(void **state)
{
	static const uint8_t req[] = { 5, 1, 0, 1, 10, 1, 2, 3, 0x1f, 0x90 };
	static const uint8_t m[] = { 5, 0 };
	struct socks5 s;
	struct buf out;
	size_t used;

	(void)state;
	buf_init(&out, 1024);
	/* Credentials offered, the proxy picks "none": no auth step. */
	assert_int_equal(socks5_start(&s, "10.1.2.3", 8080,
	    (const uint8_t *)"u", 1, (const uint8_t *)"p", 1, &out), 0);
	buf_reset(&out);
	assert_int_equal(socks5_input(&s, m, 2, &used, &out), 0);
	expect_bytes(&out, req, sizeof(req));
	socks5_clear(&s);
	buf_release(&out);
}

static void
start_at_connect(struct socks5 *s, struct buf *out)
{
	static const uint8_t m[] = { 5, 0 };
	size_t used;

	assert_int_equal(socks5_start(s, "h", 1, NULL, 0, NULL, 0, out), 0);
	assert_int_equal(socks5_input(s, m, 2, &used, out), 0);
	buf_reset(out);
}

static void
test_every_reply_code(void **state)
{
	static const int codes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 0x09, 0xf0,
	    0xf6 };
	struct socks5 s;
	struct buf out;
	uint8_t rep[2] = { 5, 0 };
	size_t used, i;
	const char *w;

	(void)state;
	buf_init(&out, 1024);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		start_at_connect(&s, &out);
		rep[1] = (uint8_t)codes[i];
		/* The code alone is enough to fail. */
		assert_int_equal(socks5_input(&s, rep, 2, &used, &out),
		    ERR_PROTOCOL);
		assert_int_equal(s.reply, codes[i]);
		assert_ptr_equal(s.why, socks5_reply_str(codes[i]));
		assert_int_equal(s.state, SOCKS5_FAILED);
	}
	assert_non_null(strstr(socks5_reply_str(1), "general"));
	assert_non_null(strstr(socks5_reply_str(2), "not allowed"));
	assert_non_null(strstr(socks5_reply_str(3), "network unreachable"));
	assert_non_null(strstr(socks5_reply_str(4), "host unreachable"));
	assert_non_null(strstr(socks5_reply_str(5), "refused"));
	assert_non_null(strstr(socks5_reply_str(6), "TTL expired"));
	assert_non_null(strstr(socks5_reply_str(7), "command not supported"));
	assert_non_null(strstr(socks5_reply_str(8), "address type"));
	w = socks5_reply_str(0x42);
	assert_non_null(strstr(w, "unknown"));
	socks5_clear(&s);
	buf_release(&out);
}

static void
test_auth_failures_and_garbage(void **state)
{
	static const uint8_t refused[] = { 5, 0xff }, http[] = { 'H', 'T' };
	static const uint8_t m2[] = { 5, 2 }, bad[] = { 1, 1 };
	static const uint8_t badatyp[] = { 5, 0, 0, 9, 0, 0 };
	static const uint8_t unoffered[] = { 5, 2 };
	struct socks5 s;
	struct buf out;
	size_t used;

	(void)state;
	buf_init(&out, 1024);
	assert_int_equal(socks5_start(&s, "h", 1, NULL, 0, NULL, 0, &out), 0);
	assert_int_equal(socks5_input(&s, refused, 2, &used, &out), ERR_AUTH);
	assert_non_null(strstr(s.why, "requires authentication"));

	assert_int_equal(socks5_start(&s, "h", 1, (const uint8_t *)"u", 1,
	    (const uint8_t *)"p", 1, &out), 0);
	assert_int_equal(socks5_input(&s, m2, 2, &used, &out), 0);
	assert_int_equal(socks5_input(&s, bad, 2, &used, &out), ERR_AUTH);
	assert_non_null(strstr(s.why, "refused the user name"));

	assert_int_equal(socks5_start(&s, "h", 1, NULL, 0, NULL, 0, &out), 0);
	assert_int_equal(socks5_input(&s, http, 2, &used, &out), ERR_FORMAT);
	assert_int_equal(socks5_start(&s, "h", 1, NULL, 0, NULL, 0, &out), 0);
	assert_int_equal(socks5_input(&s, unoffered, 2, &used, &out),
	    ERR_FORMAT);

	start_at_connect(&s, &out);
	assert_int_equal(socks5_input(&s, badatyp, sizeof(badatyp), &used,
	    &out), ERR_FORMAT);
	socks5_clear(&s);
	buf_release(&out);
}

static void
test_start_bounds(void **state)
{
	char big[300];
	struct socks5 s;
	struct buf out;

	(void)state;
	buf_init(&out, 1024);
	memset(big, 'a', sizeof(big));
	big[256] = '\0';
	assert_int_equal(socks5_start(&s, big, 1, NULL, 0, NULL, 0, &out),
	    ERR_INVALID_ARG);
	big[255] = '\0';
	assert_int_equal(socks5_start(&s, big, 1, NULL, 0, NULL, 0, &out), 0);
	assert_int_equal(socks5_start(&s, "", 1, NULL, 0, NULL, 0, &out),
	    ERR_INVALID_ARG);
	assert_int_equal(socks5_start(&s, "h", 0, NULL, 0, NULL, 0, &out),
	    ERR_INVALID_ARG);
	assert_int_equal(socks5_start(&s, "h", 1, (const uint8_t *)"u", 1,
	    (const uint8_t *)"", 0, &out), ERR_INVALID_ARG);
	socks5_clear(&s);
	buf_release(&out);
}

static int
url(struct socks5_url *u, const char *s)
{
	const char *why;

	return socks5_parse_url(u, s, strlen(s), &why);
}

static void
test_url(void **state)
{
	struct socks5_url u;

	(void)state;
	assert_int_equal(url(&u, "socks5h://127.0.0.1:9050"), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 9050);
	assert_int_equal(u.have_auth, 0);
	assert_int_equal(url(&u, "SOCKS5://proxy.example/"), 0);
	assert_string_equal(u.host, "proxy.example");
	assert_int_equal(u.port, 1080);
	assert_int_equal(url(&u, "socks5h://[::1]:1"), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 1);
	assert_int_equal(url(&u, "socks5h://us%3Aer:p@ss@h:2"), 0);
	assert_int_equal(u.have_auth, 1);
	assert_int_equal(u.ulen, 5);
	assert_memory_equal(u.user, "us:er", 5);
	assert_int_equal(u.plen, 4);
	assert_memory_equal(u.pass, "p@ss", 4);
	assert_string_equal(u.host, "h");
	assert_int_equal(url(&u, "none"), 0);
	assert_int_equal(u.none, 1);

	assert_int_equal(url(&u, "http://h:3128"), ERR_FORMAT);
	assert_int_equal(url(&u, "h:1080"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h:0"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h:65536"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h:12x"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h:"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://u@h"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://:p@h"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://u:%zz@h"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h/path"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://h b"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://[::1"), ERR_FORMAT);
	assert_int_equal(url(&u, "socks5h://[::1]x"), ERR_FORMAT);
	/* Wiped on failure. */
	assert_int_equal(u.host[0], 0);
	assert_int_equal(u.have_auth, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_no_auth),
		cmocka_unit_test(test_auth_v6_and_trailing),
		cmocka_unit_test(test_v4_literal_no_method_chosen),
		cmocka_unit_test(test_every_reply_code),
		cmocka_unit_test(test_auth_failures_and_garbage),
		cmocka_unit_test(test_start_bounds),
		cmocka_unit_test(test_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
