/*
 * test_addrlim.c: the relay's per-address accounting (addrlim.h): an IPv4
 * address is its own entry, IPv4-mapped IPv6 is the same entry as the
 * IPv4 address, every IPv6 address of a /64 shares one entry and the
 * next /64 has another; connections and pending handshakes are refused
 * past their limits and allowed again once given back; rooms created
 * follow a token bucket; sweeps free idle entries only; and the token
 * bucket refills, caps and goes into debt as documented.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sodium.h>

#include "addrlim.h"
#include "err.h"

static struct sockaddr_in
v4(const char *s)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, s, &a.sin_addr), 1);
	return a;
}

static struct sockaddr_in6
v6(const char *s)
{
	struct sockaddr_in6 a;

	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, s, &a.sin6_addr), 1);
	return a;
}

#define SA(x)	((const struct sockaddr *)(const void *)&(x))

static void
test_buckets(void **state)
{
	struct addrlim_conf conf = { 4, 2, 10, 20 };
	struct addrlim *l;
	struct sockaddr_in a1 = v4("127.0.0.2"), a2 = v4("127.0.0.3");
	struct sockaddr_in6 m1 = v6("::ffff:127.0.0.2");
	struct sockaddr_in6 s1 = v6("2001:db8:1:2::1");
	struct sockaddr_in6 s2 = v6("2001:db8:1:2:ffff:ffff:ffff:ffff");
	struct sockaddr_in6 s3 = v6("2001:db8:1:3::1");
	struct sockaddr_un_like { sa_family_t f; char pad[32]; } other;

	(void)state;
	assert_int_equal(addrlim_new(&l, &conf), 0);
	assert_ptr_equal(addrlim_get(l, SA(a1), 0), addrlim_get(l, SA(a1), 0));
	assert_ptr_not_equal(addrlim_get(l, SA(a1), 0),
	    addrlim_get(l, SA(a2), 0));
	assert_ptr_equal(addrlim_get(l, SA(a1), 0), addrlim_get(l, SA(m1), 0));
	assert_ptr_equal(addrlim_get(l, SA(s1), 0), addrlim_get(l, SA(s2), 0));
	assert_ptr_not_equal(addrlim_get(l, SA(s1), 0),
	    addrlim_get(l, SA(s3), 0));
	assert_int_equal(addrlim_count(l), 4);
	memset(&other, 0, sizeof(other));
	other.f = AF_UNIX;
	assert_null(addrlim_get(l, (const struct sockaddr *)(void *)&other,
	    0));
	addrlim_free(l);
}

static void
test_admit(void **state)
{
	struct addrlim_conf conf = { 4, 2, 10, 20 };
	struct addrlim *l;
	struct addrlim_addr *a, *b;
	struct sockaddr_in6 s1 = v6("2001:db8::1"), s2 = v6("2001:db8::2");
	int i;

	(void)state;
	assert_int_equal(addrlim_new(&l, &conf), 0);
	a = addrlim_get(l, SA(s1), 0);
	b = addrlim_get(l, SA(s2), 0);	/* the same /64 */
	assert_ptr_equal(a, b);
	/* Two pending at most. */
	assert_int_equal(addrlim_admit(l, a), 0);
	assert_int_equal(addrlim_admit(l, b), 0);
	assert_int_equal(addrlim_admit(l, a), ERR_RETRY_LATER);
	assert_int_equal(a->conns, 2);
	/* Established: the slot is free, the connection still counts. */
	addrlim_handshake_done(a);
	addrlim_handshake_done(a);
	assert_int_equal(addrlim_admit(l, a), 0);
	assert_int_equal(addrlim_admit(l, a), 0);
	/* Four connections at most, whatever their state. */
	addrlim_handshake_done(a);
	addrlim_handshake_done(a);
	assert_int_equal(a->conns, 4);
	assert_int_equal(addrlim_admit(l, a), ERR_RETRY_LATER);
	assert_int_equal(a->conns, 4);
	assert_int_equal(a->pending, 0);
	addrlim_release(a);
	assert_int_equal(addrlim_admit(l, a), 0);
	/* Sweeping keeps an entry with connections. */
	assert_int_equal(addrlim_sweep(l, 0), 1);
	for (i = 0; i < 4; i++) {
		addrlim_handshake_done(a);
		addrlim_release(a);
	}
	assert_int_equal(a->conns, 0);
	assert_int_equal(addrlim_sweep(l, 0), 0);
	addrlim_free(l);

	/* 0: no limit. */
	conf.max_conns = conf.max_pending = 0;
	assert_int_equal(addrlim_new(&l, &conf), 0);
	a = addrlim_get(l, SA(s1), 0);
	for (i = 0; i < 10000; i++)
		assert_int_equal(addrlim_admit(l, a), 0);
	addrlim_free(l);
}

static void
test_rooms(void **state)
{
	struct addrlim_conf conf = { 4, 2, 10, 20 };	/* 10 a minute, 20 */
	struct addrlim *l;
	struct addrlim_addr *a;
	struct sockaddr_in a1 = v4("10.0.0.1");
	int i;

	(void)state;
	assert_int_equal(addrlim_new(&l, &conf), 0);
	a = addrlim_get(l, SA(a1), 1000);
	for (i = 0; i < 20; i++)
		assert_int_equal(addrlim_room(l, a, 1000), 0);
	assert_int_equal(addrlim_room(l, a, 1000), ERR_RETRY_LATER);
	/* One more every 6 s. */
	assert_int_equal(addrlim_room(l, a, 1000 + 5999), ERR_RETRY_LATER);
	assert_int_equal(addrlim_room(l, a, 1000 + 6000), 0);
	assert_int_equal(addrlim_room(l, a, 1000 + 6000), ERR_RETRY_LATER);
	/* Not swept while the bucket is refilling, swept once full. */
	assert_int_equal(addrlim_sweep(l, 1000 + 6000), 1);
	assert_int_equal(addrlim_sweep(l, 1000 + 6000 + 20 * 6000), 0);
	addrlim_free(l);
}

static void
test_tbucket(void **state)
{
	struct tbucket b;

	(void)state;
	tbucket_init(&b, 10, 0);
	assert_int_equal(tbucket_take(&b, 5, 10, 10, 0), 1);
	assert_int_equal(tbucket_take(&b, 5, 10, 1, 0), 0);
	/* 5 a second: one token per 200 ms. */
	assert_int_equal(tbucket_take(&b, 5, 10, 1, 199), 0);
	assert_int_equal(tbucket_take(&b, 5, 10, 1, 200), 1);
	/* Never above the burst. */
	assert_int_equal(tbucket_full(&b, 5, 10, 1000000), 1);
	assert_int_equal(tbucket_take(&b, 5, 10, 11, 1000000), 0);
	/* Debt: 10 over at 5 a second is 2 s to pay. */
	assert_int_equal(tbucket_charge(&b, 5, 10, 20, 1000000), 2000);
	assert_int_equal(tbucket_charge(&b, 5, 10, 0, 1001000), 1000);
	assert_int_equal(tbucket_charge(&b, 5, 10, 0, 1002000), 0);
	assert_int_equal(tbucket_charge(&b, 5, 10, 1, 1002000), 200);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_rooms),
		cmocka_unit_test(test_tbucket),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
