/*
 * test_rendezvous.c: the relay's rendezvous slots (rendezvous.h,
 * PROTOCOL §21.4) with fake links: a host opens a slot and is told its
 * number and address, a claim pairs the two and DATA goes across with
 * its bytes unchanged; a claimed slot is used up (a second claim: no
 * such slot), an expired one and an abandoned one are refused as expired,
 * and retired numbers are not given out again; either side's leaving
 * closes the other; the per-address limits on open slots and on claims
 * hold and leave other addresses alone; a full output pauses the sender
 * until it drains; messages out of place are protocol errors.  Splicing
 * (§21.7): a pair in which both ask for it gets PAIRED_RAW and raw
 * streams once each has sent SPLICE, bytes across unchanged and an EOF
 * passed on as a half-close; one that did not ask, or a relay that
 * splices nothing, keeps the pair on DATA.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rdvmsg.h"
#include "rendezvous.h"

struct fake {
	char		addr[32];
	uint8_t		last[1024];	/* the last message sent to it */
	size_t		last_len;
	int		sent;
	int		closed;
	int		paused;
	size_t		pending;
	int		raw_out;
	int		raw_in;
	int		half_closed;
	struct rdv_end	*e;
	uint8_t		key[RDV_KEY_BYTES];
};

static void
f_send(void *link, const uint8_t *p, size_t len)
{
	struct fake *f = link;

	f->sent++;
	f->last_len = len < sizeof(f->last) ? len : sizeof(f->last);
	memcpy(f->last, p, f->last_len);
}

static void
f_close(void *link)
{
	((struct fake *)link)->closed = 1;
}

static void
f_pause(void *link, int paused)
{
	((struct fake *)link)->paused = paused;
}

static size_t
f_pending(void *link)
{
	return ((struct fake *)link)->pending;
}

static const char *
f_addr(void *link)
{
	return ((struct fake *)link)->addr;
}

static void
f_raw_output(void *link)
{
	((struct fake *)link)->raw_out = 1;
}

static void
f_raw_input(void *link)
{
	((struct fake *)link)->raw_in = 1;
}

static void
f_half_close(void *link)
{
	((struct fake *)link)->half_closed = 1;
}

static const struct rdv_ops ops = { f_send, f_close, f_pause, f_pending,
	f_addr, f_raw_output, f_raw_input, f_half_close };

static void
fake_init(struct fake *f, int ip, int port)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->addr, sizeof(f->addr), "10.0.0.%d:%d", ip, port);
	f->key[0] = 4;
	f->key[4] = (uint8_t)ip;
}

static int
input(struct rdv_hub *h, struct fake *f, const struct buf *b, int64_t now)
{
	return rdv_input(h, &f->e, f, f->key, buf_ptr(b), buf_len(b), now);
}

static int
open_slot_flags(struct rdv_hub *h, struct fake *f, uint16_t expiry,
    int64_t now, uint8_t flags)
{
	struct buf b;
	struct rdvmsg m;
	int r;

	buf_init(&b, 16);
	assert_int_equal(rdvmsg_put_open(&b, expiry, flags), 0);
	r = input(h, f, &b, now);
	buf_release(&b);
	if (r != 0)
		return -1;
	assert_int_equal(rdvmsg_parse(&m, f->last, f->last_len), 0);
	assert_int_equal(m.type, RDVMSG_SLOT);
	assert_int_equal(m.expiry, expiry);
	assert_int_equal(m.data_len, strlen(f->addr));
	assert_memory_equal(m.data, f->addr, m.data_len);
	return (int)m.slot;
}

static int
open_slot(struct rdv_hub *h, struct fake *f, uint16_t expiry, int64_t now)
{
	return open_slot_flags(h, f, expiry, now, 0);
}

/* A claim: the answer's type, and its error code in *code. */
static int
claim_flags(struct rdv_hub *h, struct fake *f, uint32_t slot, int64_t now,
    uint8_t *code, uint8_t flags)
{
	struct buf b;
	struct rdvmsg m;

	buf_init(&b, 16);
	assert_int_equal(rdvmsg_put_claim(&b, slot, flags), 0);
	(void)input(h, f, &b, now);
	buf_release(&b);
	assert_int_equal(rdvmsg_parse(&m, f->last, f->last_len), 0);
	*code = m.code;
	return m.type;
}

static int
claim(struct rdv_hub *h, struct fake *f, uint32_t slot, int64_t now,
    uint8_t *code)
{
	return claim_flags(h, f, slot, now, code, 0);
}

static void
gone(struct rdv_hub *h, struct fake *f, int64_t now)
{
	rdv_gone(h, f->e, now);
	f->e = NULL;
}

static void
test_pair_and_forward(void **state)
{
	struct rdv_hub *h;
	struct fake host, join, late;
	struct rdvmsg m;
	struct buf b;
	uint8_t code;
	int slot;

	(void)state;
	assert_int_equal(rdv_hub_new(&h, &ops), 0);
	fake_init(&host, 1, 1000);
	fake_init(&join, 2, 2000);
	fake_init(&late, 3, 3000);
	slot = open_slot(h, &host, 600, 0);
	assert_int_equal(slot, 1);
	assert_int_equal(claim(h, &join, 1, 10, &code), RDVMSG_PAIRED);
	/* Both are told, each its own address. */
	assert_int_equal(rdvmsg_parse(&m, host.last, host.last_len), 0);
	assert_int_equal(m.type, RDVMSG_PAIRED);
	assert_memory_equal(m.data, host.addr, m.data_len);
	/* DATA across, unchanged. */
	buf_init(&b, 64);
	assert_int_equal(rdvmsg_put_data(&b, RDVMSG_DATA,
	    (const uint8_t *)"\x00\x01secret", 8), 0);
	assert_int_equal(input(h, &join, &b, 20), 0);
	assert_int_equal(host.last_len, 9);
	assert_int_equal(host.last[0], RDVMSG_DATA_FROM);
	assert_memory_equal(host.last + 1, "\x00\x01secret", 8);
	/* A full output pauses the sender until it drains. */
	host.pending = RDV_HIGH_WATER + 1;
	assert_int_equal(input(h, &join, &b, 30), 0);
	assert_int_equal(join.paused, 1);
	host.pending = 0;
	rdv_drained(h, host.e);
	assert_int_equal(join.paused, 0);
	buf_release(&b);
	/* Used up: a second claim finds no such slot. */
	assert_int_equal(claim(h, &late, 1, 40, &code), RDVMSG_ERROR);
	assert_int_equal(code, RDVMSG_ERR_NO_SLOT);
	assert_int_equal(late.closed, 1);
	gone(h, &late, 40);
	/* The joiner goes: the host is told and closed. */
	gone(h, &join, 50);
	assert_int_equal(host.closed, 1);
	assert_int_equal(rdvmsg_parse(&m, host.last, host.last_len), 0);
	assert_int_equal(m.code, RDVMSG_ERR_PEER_GONE);
	gone(h, &host, 50);
	/* The number is retired: the next slot is 2, not 1. */
	fake_init(&host, 1, 1001);
	assert_int_equal(open_slot(h, &host, 600, 60), 2);
	gone(h, &host, 60);
	rdv_hub_free(h);
}

static void
test_expiry(void **state)
{
	struct rdv_hub *h;
	struct fake host, join;
	struct rdvmsg m;
	uint8_t code;
	int slot;

	(void)state;
	assert_int_equal(rdv_hub_new(&h, &ops), 0);
	fake_init(&host, 1, 1000);
	fake_init(&join, 2, 2000);
	slot = open_slot(h, &host, 2, 0);
	rdv_tick(h, 1999);
	assert_int_equal(host.closed, 0);
	rdv_tick(h, 2000);
	assert_int_equal(host.closed, 1);
	assert_int_equal(rdvmsg_parse(&m, host.last, host.last_len), 0);
	assert_int_equal(m.code, RDVMSG_ERR_EXPIRED);
	gone(h, &host, 2100);
	assert_int_equal(claim(h, &join, (uint32_t)slot, 3000, &code),
	    RDVMSG_ERROR);
	assert_int_equal(code, RDVMSG_ERR_EXPIRED);
	gone(h, &join, 3000);
	/* A claim after the expiry but before the tick: expired too. */
	fake_init(&host, 1, 1002);
	fake_init(&join, 2, 2002);
	slot = open_slot(h, &host, 1, 4000);
	assert_int_equal(claim(h, &join, (uint32_t)slot, 5000, &code),
	    RDVMSG_ERROR);
	assert_int_equal(code, RDVMSG_ERR_EXPIRED);
	assert_int_equal(host.closed, 1);
	gone(h, &join, 5000);
	gone(h, &host, 5000);
	/* A host that leaves before a claim: its code is expired. */
	fake_init(&host, 1, 1003);
	fake_init(&join, 2, 2003);
	slot = open_slot(h, &host, 600, 6000);
	gone(h, &host, 6000);
	assert_int_equal(claim(h, &join, (uint32_t)slot, 6100, &code),
	    RDVMSG_ERROR);
	assert_int_equal(code, RDVMSG_ERR_EXPIRED);
	gone(h, &join, 6100);
	rdv_hub_free(h);
}

static void
test_limits(void **state)
{
	struct rdv_hub *h;
	struct fake hosts[RDV_MAX_OPEN_ADDR + 1], other, again, c;
	uint8_t code;
	int i, answered = 0, limited = 0;
	struct rdv_stats st;

	(void)state;
	assert_int_equal(rdv_hub_new(&h, &ops), 0);
	/* Open slots per address. */
	for (i = 0; i < RDV_MAX_OPEN_ADDR; i++) {
		fake_init(&hosts[i], 1, 1000 + i);
		assert_true(open_slot(h, &hosts[i], 600, 0) > 0);
	}
	fake_init(&hosts[i], 1, 1000 + i);
	assert_int_equal(open_slot(h, &hosts[i], 600, 0), -1);
	assert_int_equal(rdvmsg_parse(&(struct rdvmsg){ 0 }, hosts[i].last,
	    hosts[i].last_len), 0);
	assert_int_equal(hosts[i].last[1], RDVMSG_ERR_LIMIT);
	gone(h, &hosts[i], 0);
	/* Another address may. */
	fake_init(&other, 9, 9000);
	assert_true(open_slot(h, &other, 600, 0) > 0);
	/* 1,000 claims from one address: the burst, then refused. */
	for (i = 0; i < 1000; i++) {
		fake_init(&c, 5, 5000);
		if (claim(h, &c, 4000, 1000 + i, &code) == RDVMSG_ERROR &&
		    code == RDVMSG_ERR_LIMIT)
			limited++;
		else
			answered++;
		gone(h, &c, 1000 + i);
	}
	assert_int_equal(answered, RDV_CLAIM_BURST);
	assert_int_equal(limited, 1000 - RDV_CLAIM_BURST);
	/* Others still claim: the first host's slot pairs. */
	fake_init(&c, 6, 6000);
	assert_int_equal(claim(h, &c, 1, 2000, &code), RDVMSG_PAIRED);
	/* And a minute later the flooder has RDV_CLAIM_PER_MIN again. */
	fake_init(&again, 5, 5001);
	assert_int_equal(claim(h, &again, 4000, 62000, &code), RDVMSG_ERROR);
	assert_int_equal(code, RDVMSG_ERR_NO_SLOT);
	gone(h, &again, 62000);
	gone(h, &other, 62000);
	rdv_get_stats(h, &st);
	assert_int_equal(st.paired, 1);
	assert_true(st.limited >= 1000 - RDV_CLAIM_BURST);
	gone(h, &c, 62000);
	for (i = 0; i < RDV_MAX_OPEN_ADDR; i++)
		gone(h, &hosts[i], 62000);
	rdv_hub_free(h);
}

static void
test_protocol(void **state)
{
	struct rdv_hub *h;
	struct fake a;
	struct buf b;

	(void)state;
	assert_int_equal(rdv_hub_new(&h, &ops), 0);
	/* DATA before pairing. */
	fake_init(&a, 1, 1);
	buf_init(&b, 16);
	assert_int_equal(rdvmsg_put_data(&b, RDVMSG_DATA,
	    (const uint8_t *)"x", 1), 0);
	assert_int_equal(input(h, &a, &b, 0), -1);
	assert_int_equal(a.closed, 1);
	assert_int_equal(a.last[1], RDVMSG_ERR_PROTOCOL);
	gone(h, &a, 0);
	/* DATA from a host whose slot nobody claimed yet: RDV_ERROR 1 too
	 * (§21.2), not a silent close. */
	fake_init(&a, 1, 6);
	assert_true(open_slot(h, &a, 600, 0) > 0);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_data(&b, RDVMSG_DATA,
	    (const uint8_t *)"x", 1), 0);
	assert_int_equal(input(h, &a, &b, 0), -1);
	assert_int_equal(a.closed, 1);
	assert_int_equal(a.last[0], RDVMSG_ERROR);
	assert_int_equal(a.last[1], RDVMSG_ERR_PROTOCOL);
	gone(h, &a, 0);
	/* A relay-to-member type. */
	fake_init(&a, 1, 2);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_paired(&b, "1.2.3.4:5"), 0);
	assert_int_equal(input(h, &a, &b, 0), -1);
	gone(h, &a, 0);
	/* OPEN twice. */
	fake_init(&a, 1, 3);
	assert_true(open_slot(h, &a, 600, 0) > 0);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_open(&b, 600, 0), 0);
	assert_int_equal(input(h, &a, &b, 0), -1);
	gone(h, &a, 0);
	/* Garbage. */
	fake_init(&a, 1, 4);
	buf_reset(&b);
	assert_int_equal(buf_put(&b, "\x21\x00", 2), 0);
	assert_int_equal(input(h, &a, &b, 0), -1);
	gone(h, &a, 0);
	/* WHOAMI: answered with the address. */
	fake_init(&a, 1, 5);
	rdv_whoami(h, &a);
	assert_int_equal(a.last[0], RDVMSG_ADDR);
	assert_int_equal(a.last[1], strlen(a.addr));
	buf_release(&b);
	rdv_hub_free(h);
}

/* One message from f, made by put. */
static int
send_msg(struct rdv_hub *h, struct fake *f, int (*put)(struct buf *),
    int64_t now)
{
	struct buf b;
	int r;

	buf_init(&b, 16);
	assert_int_equal(put(&b), 0);
	r = input(h, f, &b, now);
	buf_release(&b);
	return r;
}

static void
test_splice(void **state)
{
	static const uint8_t bytes[] = { 0x00, 0x01, 0xa2, 0x24, 0x41 };
	struct rdv_hub *h;
	struct fake host, join;
	struct rdvmsg m;
	struct buf b;
	uint8_t code;
	int sent;

	(void)state;
	assert_int_equal(rdv_hub_new(&h, &ops), 0);
	fake_init(&host, 1, 1000);
	fake_init(&join, 2, 2000);
	assert_int_equal(open_slot_flags(h, &host, 600, 0, RDVMSG_F_SPLICE),
	    1);
	assert_int_equal(claim_flags(h, &join, 1, 10, &code, RDVMSG_F_SPLICE),
	    RDVMSG_PAIRED_RAW);
	assert_int_equal(rdvmsg_parse(&m, host.last, host.last_len), 0);
	assert_int_equal(m.type, RDVMSG_PAIRED_RAW);
	assert_memory_equal(m.data, host.addr, m.data_len);
	assert_true(host.raw_out && join.raw_out);
	assert_false(host.raw_in || join.raw_in);
	/* The host's bytes before its SPLICE are records: a keepalive
	 * never reaches here, anything else is refused (and nothing is
	 * said to it: its stream is the channel's now). */
	sent = host.sent;
	assert_int_equal(rdv_input(h, &host.e, &host, host.key, bytes,
	    sizeof(bytes), 20), -1);
	assert_int_equal(host.closed, 1);
	assert_int_equal(host.sent, sent);
	gone(h, &host, 20);
	assert_int_equal(join.closed, 1);
	assert_int_equal(join.last[0], RDVMSG_PAIRED_RAW);	/* no ERROR */
	gone(h, &join, 20);

	/* Again, right: each SPLICE makes its side's input raw. */
	fake_init(&host, 1, 1001);
	fake_init(&join, 2, 2001);
	assert_int_equal(open_slot_flags(h, &host, 600, 30, RDVMSG_F_SPLICE),
	    2);
	assert_int_equal(claim_flags(h, &join, 2, 30, &code, RDVMSG_F_SPLICE),
	    RDVMSG_PAIRED_RAW);
	assert_int_equal(send_msg(h, &join, rdvmsg_put_splice, 31), 0);
	assert_true(join.raw_in);
	assert_false(host.raw_in);
	/* The joiner's raw bytes go to the host as they are, even before
	 * the host's SPLICE (its stream from us is raw since PAIRED_RAW). */
	assert_int_equal(rdv_input(h, &join.e, &join, join.key, bytes,
	    sizeof(bytes), 32), 0);
	assert_int_equal(host.last_len, sizeof(bytes));
	assert_memory_equal(host.last, bytes, sizeof(bytes));
	assert_int_equal(send_msg(h, &host, rdvmsg_put_splice, 33), 0);
	assert_true(host.raw_in);
	assert_int_equal(rdv_input(h, &host.e, &host, host.key, bytes, 3, 34),
	    0);
	assert_int_equal(join.last_len, 3);
	assert_memory_equal(join.last, bytes, 3);
	/* A full output pauses the sender until it drains. */
	join.pending = RDV_HIGH_WATER + 1;
	assert_int_equal(rdv_input(h, &host.e, &host, host.key, bytes, 1, 35),
	    0);
	assert_int_equal(host.paused, 1);
	join.pending = 0;
	rdv_drained(h, join.e);
	assert_int_equal(host.paused, 0);
	/* The host's EOF: the joiner is half-closed, not closed. */
	assert_int_equal(rdv_input(h, &host.e, &host, host.key, NULL, 0, 36),
	    0);
	assert_int_equal(join.half_closed, 1);
	assert_int_equal(join.closed, 0);
	/* The joiner's last bytes still go back to the host. */
	assert_int_equal(rdv_input(h, &join.e, &join, join.key, bytes, 2, 37),
	    0);
	assert_int_equal(host.last_len, 2);
	/* Then the joiner's link ends: the host is closed, told nothing. */
	sent = host.sent;
	gone(h, &join, 38);
	assert_int_equal(host.closed, 1);
	assert_int_equal(host.sent, sent);
	gone(h, &host, 38);

	/* Only one asked: DATA, as before. */
	fake_init(&host, 1, 1002);
	fake_init(&join, 2, 2002);
	assert_int_equal(open_slot_flags(h, &host, 600, 40, RDVMSG_F_SPLICE),
	    3);
	assert_int_equal(claim(h, &join, 3, 40, &code), RDVMSG_PAIRED);
	assert_false(host.raw_out || join.raw_out);
	/* and a SPLICE without PAIRED_RAW is a protocol error */
	assert_int_equal(send_msg(h, &host, rdvmsg_put_splice, 41), -1);
	assert_int_equal(rdvmsg_parse(&m, host.last, host.last_len), 0);
	assert_int_equal(m.type, RDVMSG_ERROR);
	assert_int_equal(m.code, RDVMSG_ERR_PROTOCOL);
	gone(h, &host, 41);
	gone(h, &join, 41);

	/* A relay that splices nothing (--no-splice): DATA. */
	rdv_hub_splice(h, 0);
	fake_init(&host, 1, 1003);
	fake_init(&join, 2, 2003);
	assert_int_equal(open_slot_flags(h, &host, 600, 50, RDVMSG_F_SPLICE),
	    4);
	assert_int_equal(claim_flags(h, &join, 4, 50, &code, RDVMSG_F_SPLICE),
	    RDVMSG_PAIRED);
	buf_init(&b, 64);
	assert_int_equal(rdvmsg_put_data(&b, RDVMSG_DATA, bytes,
	    sizeof(bytes)), 0);
	assert_int_equal(input(h, &join, &b, 51), 0);
	buf_release(&b);
	assert_int_equal(host.last[0], RDVMSG_DATA_FROM);
	gone(h, &host, 52);
	gone(h, &join, 52);
	rdv_hub_free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pair_and_forward),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_protocol),
		cmocka_unit_test(test_splice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
