/*
 * test_rdvmsg.c: the rendezvous messages (rdvmsg.h, PROTOCOL §21.2):
 * the worked example's bytes, every type round-trips through its encoder
 * and the parser, every cut and every extra byte is refused, out-of-range
 * slots and expiries, empty data and non-printable addresses are refused,
 * encoders refuse what the parser would, and bit flips of valid messages
 * either fail or parse to something that re-encodes to the same bytes.
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
#include "err.h"
#include "rdvmsg.h"

/* Parses a copy held in exactly n heap bytes (ASan sees overreads). */
static int
parse_exact(struct rdvmsg *m, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n > 0 ? n : 1);
	int r;

	assert_non_null(c);
	if (n > 0)
		memcpy(c, p, n);
	r = rdvmsg_parse(m, c, n);
	free(c);
	return r;
}

static void
hex(const char *h, uint8_t *out, size_t *n)
{
	size_t i;
	unsigned v;

	*n = strlen(h) / 2;
	for (i = 0; i < *n; i++) {
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* The bytes of PROTOCOL §21.5's example. */
static void
test_example(void **state)
{
	struct buf b;
	uint8_t want[64];
	size_t n;

	(void)state;
	buf_init(&b, 256);
	assert_int_equal(rdvmsg_put_open(&b, 600, 0), 0);
	hex("200258", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_slot(&b, 7, 600, "203.0.113.5:40112"), 0);
	hex("a00000000702581132303"
	    "32e302e3131332e353a3430313132", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_claim(&b, 7, 0), 0);
	hex("2100000007", want, &n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_paired(&b, "198.51.100.9:51515"), 0);
	hex("a1123139382e35312e3130302e393a3531353135", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	/* §21.7's example: the same exchange, spliced. */
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_open(&b, 600, RDVMSG_F_SPLICE), 0);
	hex("20025801", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_claim(&b, 7, RDVMSG_F_SPLICE), 0);
	hex("210000000701", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_paired_raw(&b, "198.51.100.9:51515"), 0);
	hex("a5123139382e35312e3130302e393a3531353135", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_reset(&b);
	assert_int_equal(rdvmsg_put_splice(&b), 0);
	hex("24", want, &n);
	assert_int_equal(buf_len(&b), n);
	assert_memory_equal(buf_ptr(&b), want, n);
	buf_release(&b);
}

/* Every message of every type, valid. */
#define NMSGS	13
static size_t
make_all(struct buf *msgs[NMSGS])
{
	static const uint8_t data[] = { 0x10, 0x00, 0x00, 0x11, 0xff };
	size_t i;

	for (i = 0; i < NMSGS; i++) {
		msgs[i] = buf_new(1024);
		assert_non_null(msgs[i]);
	}
	assert_int_equal(rdvmsg_put_open(msgs[0], 3600, 0), 0);
	assert_int_equal(rdvmsg_put_claim(msgs[1], RDVMSG_MAX_SLOT, 0), 0);
	assert_int_equal(rdvmsg_put_data(msgs[2], RDVMSG_DATA, data,
	    sizeof(data)), 0);
	assert_int_equal(rdvmsg_put_whoami(msgs[3]), 0);
	assert_int_equal(rdvmsg_put_slot(msgs[4], 1, 1, "[::1]:5"), 0);
	assert_int_equal(rdvmsg_put_paired(msgs[5], "1.2.3.4:5"), 0);
	assert_int_equal(rdvmsg_put_data(msgs[6], RDVMSG_DATA_FROM, data, 1), 0);
	assert_int_equal(rdvmsg_put_error(msgs[7], RDVMSG_ERR_EXPIRED, ""), 0);
	assert_int_equal(rdvmsg_put_addr(msgs[8], "127.0.0.1:65535"), 0);
	assert_int_equal(rdvmsg_put_open(msgs[9], 1, RDVMSG_F_SPLICE), 0);
	assert_int_equal(rdvmsg_put_claim(msgs[10], 1, RDVMSG_F_SPLICE), 0);
	assert_int_equal(rdvmsg_put_splice(msgs[11]), 0);
	assert_int_equal(rdvmsg_put_paired_raw(msgs[12], "[::1]:1"), 0);
	return NMSGS;
}

static void
reencode(const struct rdvmsg *m, struct buf *b)
{
	char t[256];

	if (m->data_len > 0)
		memcpy(t, m->data, m->data_len);
	t[m->data_len] = '\0';
	switch (m->type) {
	case RDVMSG_OPEN:
		assert_int_equal(rdvmsg_put_open(b, m->expiry, m->flags), 0);
		break;
	case RDVMSG_CLAIM:
		assert_int_equal(rdvmsg_put_claim(b, m->slot, m->flags), 0);
		break;
	case RDVMSG_DATA:
	case RDVMSG_DATA_FROM:
		assert_int_equal(rdvmsg_put_data(b, m->type, m->data,
		    m->data_len), 0);
		break;
	case RDVMSG_WHOAMI:
		assert_int_equal(rdvmsg_put_whoami(b), 0);
		break;
	case RDVMSG_SPLICE:
		assert_int_equal(rdvmsg_put_splice(b), 0);
		break;
	case RDVMSG_PAIRED_RAW:
		assert_int_equal(rdvmsg_put_paired_raw(b, t), 0);
		break;
	case RDVMSG_SLOT:
		assert_int_equal(rdvmsg_put_slot(b, m->slot, m->expiry, t), 0);
		break;
	case RDVMSG_PAIRED:
		assert_int_equal(rdvmsg_put_paired(b, t), 0);
		break;
	case RDVMSG_ADDR:
		assert_int_equal(rdvmsg_put_addr(b, t), 0);
		break;
	case RDVMSG_ERROR:
		assert_int_equal(rdvmsg_put_error(b, m->code, t), 0);
		break;
	default:
		fail();
	}
}

static void
test_roundtrip_cuts_extra(void **state)
{
	struct buf *msgs[NMSGS], b;
	struct rdvmsg m;
	uint8_t tmp[2048];
	size_t i, k, n, len;
	int flagged;

	(void)state;
	n = make_all(msgs);
	for (i = 0; i < n; i++) {
		len = buf_len(msgs[i]);
		assert_int_equal(parse_exact(&m, buf_ptr(msgs[i]), len), 0);
		/* (parse_exact's views die with its copy: parse again.) */
		assert_int_equal(rdvmsg_parse(&m, buf_ptr(msgs[i]), len), 0);
		assert_true(rdvmsg_is_rdv(m.type));
		buf_init(&b, 2048);
		reencode(&m, &b);
		assert_int_equal(buf_len(&b), len);
		assert_memory_equal(buf_ptr(&b), buf_ptr(msgs[i]), len);
		buf_release(&b);
		/* Every cut fails, except the data messages cut after at
		 * least one data byte (their data is the rest), and OPEN or
		 * CLAIM without their flags byte. */
		flagged = (m.type == RDVMSG_OPEN || m.type == RDVMSG_CLAIM) &&
		    m.flags != 0;
		for (k = 0; k < len; k++) {
			int r = parse_exact(&m, buf_ptr(msgs[i]), k);

			if (((buf_ptr(msgs[i])[0] == RDVMSG_DATA ||
			    buf_ptr(msgs[i])[0] == RDVMSG_DATA_FROM) && k >= 2) ||
			    (flagged && k == len - 1))
				assert_int_equal(r, 0);
			else
				assert_int_not_equal(r, 0);
		}
		memcpy(tmp, buf_ptr(msgs[i]), len);
		tmp[len] = 0x41;
		/* After OPEN or CLAIM without flags, the byte is taken for
		 * flags (0x41: bit 0 and later ones). */
		if ((tmp[0] == RDVMSG_OPEN || tmp[0] == RDVMSG_CLAIM) &&
		    !flagged)
			assert_int_equal(parse_exact(&m, tmp, len + 1), 0);
		else if (tmp[0] != RDVMSG_DATA && tmp[0] != RDVMSG_DATA_FROM)
			assert_int_equal(parse_exact(&m, tmp, len + 1),
			    ERR_TRAILING);
		buf_free(msgs[i]);
	}
}

static void
test_refusals(void **state)
{
	static const uint8_t zero_slot[] = { 0x21, 0, 0, 0, 0 };
	static const uint8_t big_slot[] = { 0x21, 0, 0x0f, 0x42, 0x40 };
	static const uint8_t zero_exp[] = { 0x20, 0, 0 };
	static const uint8_t big_exp[] = { 0x20, 0x0e, 0x11 };
	static const uint8_t empty_data[] = { 0x22 };
	static const uint8_t ctl_addr[] = { 0xa1, 2, '1', '\n' };
	static const uint8_t empty_addr[] = { 0xa4, 0 };
	static const uint8_t long_addr[] = { 0xa4, 64 };
	static const uint8_t unknown[] = { 0x25 };
	static const uint8_t unknown_relay[] = { 0xa6 };
	static const uint8_t zero_flags[] = { 0x20, 0x02, 0x58, 0x00 };
	static const uint8_t later_flags[] = { 0x21, 0, 0, 0, 7, 0x83 };
	static const uint8_t splice_extra[] = { 0x24, 0x00 };
	static const uint8_t room_join[] = { 0x01, 0 };
	struct rdvmsg m;
	struct buf b;
	uint8_t big[RDVMSG_MAX_DATA + 2];

	(void)state;
	assert_int_equal(rdvmsg_parse(&m, zero_slot, sizeof(zero_slot)),
	    ERR_FORMAT);
	assert_int_equal(m.type, 0);
	assert_int_equal(rdvmsg_parse(&m, big_slot, sizeof(big_slot)),
	    ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, zero_exp, sizeof(zero_exp)),
	    ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, big_exp, sizeof(big_exp)),
	    ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, empty_data, 1), ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, ctl_addr, sizeof(ctl_addr)),
	    ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, empty_addr, sizeof(empty_addr)),
	    ERR_FORMAT);
	assert_int_equal(rdvmsg_parse(&m, long_addr, sizeof(long_addr)),
	    ERR_TOO_LARGE);
	assert_int_equal(rdvmsg_parse(&m, unknown, 1), ERR_TYPE);
	assert_int_equal(rdvmsg_parse(&m, unknown_relay, 1), ERR_TYPE);
	assert_false(rdvmsg_is_rdv(0x25));
	assert_false(rdvmsg_is_rdv(0xa6));
	assert_int_equal(rdvmsg_parse(&m, zero_flags, sizeof(zero_flags)),
	    ERR_FORMAT);
	/* Bits not known yet are kept, for the relay to ignore. */
	assert_int_equal(rdvmsg_parse(&m, later_flags, sizeof(later_flags)),
	    0);
	assert_int_equal(m.flags, 0x83);
	assert_int_equal(rdvmsg_parse(&m, splice_extra, sizeof(splice_extra)),
	    ERR_TRAILING);
	assert_int_equal(rdvmsg_parse(&m, room_join, 2), ERR_TYPE);
	assert_int_equal(rdvmsg_parse(&m, NULL, 0), ERR_TRUNCATED);
	assert_false(rdvmsg_is_rdv(0x01));
	assert_false(rdvmsg_is_rdv(0x87));
	memset(big, 0x55, sizeof(big));
	big[0] = RDVMSG_DATA;
	assert_int_equal(rdvmsg_parse(&m, big, RDVMSG_MAX_DATA + 1), 0);
	assert_int_equal(rdvmsg_parse(&m, big, RDVMSG_MAX_DATA + 2),
	    ERR_TOO_LARGE);
	/* Encoders refuse the same, appending nothing. */
	buf_init(&b, 1 << 17);
	assert_int_not_equal(rdvmsg_put_claim(&b, 0, 0), 0);
	assert_int_not_equal(rdvmsg_put_claim(&b, RDVMSG_MAX_SLOT + 1, 0), 0);
	assert_int_not_equal(rdvmsg_put_open(&b, 0, 0), 0);
	assert_int_not_equal(rdvmsg_put_open(&b, RDVMSG_MAX_EXPIRY + 1, 0), 0);
	assert_int_not_equal(rdvmsg_put_paired_raw(&b, ""), 0);
	assert_int_not_equal(rdvmsg_put_data(&b, RDVMSG_DATA, big, 0), 0);
	assert_int_not_equal(rdvmsg_put_data(&b, RDVMSG_DATA, big,
	    RDVMSG_MAX_DATA + 1), 0);
	assert_int_not_equal(rdvmsg_put_data(&b, RDVMSG_SLOT, big, 1), 0);
	assert_int_not_equal(rdvmsg_put_paired(&b, ""), 0);
	assert_int_not_equal(rdvmsg_put_paired(&b, "a\tb"), 0);
	assert_int_not_equal(rdvmsg_put_slot(&b, 1, 1,
	    "0123456789012345678901234567890123456789012345678901234567890123"),
	    0);
	assert_int_equal(buf_len(&b), 0);
	buf_release(&b);
}

static void
test_bitflips(void **state)
{
	struct buf *msgs[NMSGS], b;
	struct rdvmsg m;
	uint8_t tmp[2048];
	size_t i, k, n, len;
	int bit;

	(void)state;
	n = make_all(msgs);
	for (i = 0; i < n; i++) {
		len = buf_len(msgs[i]);
		for (k = 0; k < len; k++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(tmp, buf_ptr(msgs[i]), len);
				tmp[k] ^= (uint8_t)(1 << bit);
				if (parse_exact(&m, tmp, len) != 0)
					continue;
				assert_int_equal(rdvmsg_parse(&m, tmp, len), 0);
				buf_init(&b, 2048);
				reencode(&m, &b);
				assert_int_equal(buf_len(&b), len);
				assert_memory_equal(buf_ptr(&b), tmp, len);
				buf_release(&b);
			}
		buf_free(msgs[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_roundtrip_cuts_extra),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bitflips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
