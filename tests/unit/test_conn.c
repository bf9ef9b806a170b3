/*
 * test_conn: conn.c's own timing over a socketpair, with short timings
 * (keepalive 1 s, dead 3 s): an idle open link stays open on its
 * keepalives alone; a paused end keeps sending them and doesn't count
 * the peer's silence; a peer that stops (its event loop no longer runs)
 * is found dead with ERR_TIMEOUT; messages and a clean close still work.
 * Each end has its own event base, so that one can be "frozen" by not
 * running it.  Time is only waited for, never asserted on: the checks are
 * what happened after running the loops for a while.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <sodium.h>

#include "conn.h"
#include "err.h"
#include "identity.h"

struct end {
	struct event_base	*base;
	struct conn		*c;
	struct identity		*id;
	int			 open;		/* established seen */
	int			 closed;	/* closed seen */
	int			 err;		/* its error */
	int			 got;		/* messages received */
	char			 last[64];
};

static void
on_established(struct conn *c, void *arg)
{
	struct end *e = arg;

	(void)c;
	e->open = 1;
}

static void
on_message(struct conn *c, const uint8_t *p, size_t len, void *arg)
{
	struct end *e = arg;

	(void)c;
	e->got++;
	if (len >= sizeof(e->last))
		len = sizeof(e->last) - 1;
	memcpy(e->last, p, len);
	e->last[len] = '\0';
}

static void
on_closed(struct conn *c, int err, void *arg)
{
	struct end *e = arg;

	(void)c;
	e->closed = 1;
	e->err = err;
}

static const struct conn_cbs cbs = {
	on_established, on_message, on_closed, NULL
};

static const struct conn_timing timing = { 5, 1, 3, 1 };

static void
end_open(struct end *e, int fd, enum chan_role role, uint8_t seed_byte)
{
	uint8_t seed[IDENTITY_SEED_BYTES];
	struct chan_params p;

	memset(e, 0, sizeof(*e));
	memset(seed, seed_byte, sizeof(seed));
	assert_int_equal(identity_from_seed(&e->id, seed), 0);
	assert_non_null(e->base = event_base_new());
	memset(&p, 0, sizeof(p));
	p.role = role;
	p.password = (const uint8_t *)"correct horse";
	p.password_len = 13;
	p.identity = e->id;
	p.context = (const uint8_t *)"test";
	p.context_len = 4;
	assert_non_null(e->c = conn_new(e->base, fd, &p, &timing, &cbs, e));
}

static void
end_release(struct end *e)
{
	conn_free(e->c);
	event_base_free(e->base);
	identity_free(e->id);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs a's loop, and b's unless b is NULL, for 'secs' seconds (or until
 * 'stop' becomes non-zero). */
static void
run(struct end *a, struct end *b, double secs, const int *stop)
{
	double until = now_s() + secs;

	while (now_s() < until && (stop == NULL || *stop == 0)) {
		event_base_loop(a->base, EVLOOP_NONBLOCK);
		if (b != NULL)
			event_base_loop(b->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

static void
pair_open(struct end *a, struct end *b)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	end_open(a, sv[0], CHAN_CLIENT, 0xa1);
	end_open(b, sv[1], CHAN_SERVER, 0xb2);
	run(a, b, 5, &b->open);
	run(a, b, 1, &a->open);
	assert_true(a->open);
	assert_true(b->open);
}

static void
test_idle_link_lives(void **state)
{
	struct end a, b;

	(void)state;
	pair_open(&a, &b);
	/* Twice the dead time without a message: only keepalives pass. */
	run(&a, &b, 6.5, NULL);
	assert_false(a.closed);
	assert_false(b.closed);
	assert_int_equal(conn_send(a.c, (const uint8_t *)"after", 5), 0);
	run(&a, &b, 2, &b.got);
	assert_int_equal(b.got, 1);
	assert_string_equal(b.last, "after");
	end_release(&a);
	end_release(&b);
}

static void
test_paused_end_keeps_talking(void **state)
{
	struct end a, b;

	(void)state;
	pair_open(&a, &b);
	assert_int_equal(conn_send(b.c, (const uint8_t *)"held", 4), 0);
	conn_pause(a.c, 1);
	/* a reads nothing for twice the dead time: b must still hear a's
	 * keepalives, and a must not call b dead for what it didn't read. */
	run(&a, &b, 6.5, NULL);
	assert_false(a.closed);
	assert_false(b.closed);
	assert_int_equal(a.got, 0);
	conn_pause(a.c, 0);
	run(&a, &b, 2, &a.got);
	assert_int_equal(a.got, 1);
	assert_string_equal(a.last, "held");
	assert_false(a.closed);
	end_release(&a);
	end_release(&b);
}

static void
test_frozen_peer_is_dead(void **state)
{
	struct end a, b;

	(void)state;
	pair_open(&a, &b);
	/* b's loop stops: it sends nothing any more, as a SIGSTOPped
	 * process.  Within the dead time, a is still patient... */
	run(&a, NULL, 1.5, &a.closed);
	assert_false(a.closed);
	/* ...and then it gives up. */
	run(&a, NULL, 6, &a.closed);
	assert_true(a.closed);
	assert_int_equal(a.err, ERR_TIMEOUT);
	end_release(&a);
	end_release(&b);
}

static void
test_clean_close(void **state)
{
	struct end a, b;

	(void)state;
	pair_open(&a, &b);
	assert_int_equal(conn_send(a.c, (const uint8_t *)"bye now", 7), 0);
	conn_close(a.c);
	run(&a, &b, 5, &a.closed);
	run(&a, &b, 1, &b.closed);
	assert_true(a.closed);
	assert_true(b.closed);
	assert_int_equal(a.err, 0);
	assert_int_equal(b.err, 0);
	assert_int_equal(b.got, 1);
	assert_string_equal(b.last, "bye now");
	end_release(&a);
	end_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_link_lives),
		cmocka_unit_test(test_paused_end_keeps_talking),
		cmocka_unit_test(test_frozen_peer_is_dead),
		cmocka_unit_test(test_clean_close),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
