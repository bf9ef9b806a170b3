/*
 * test_clustermsg.c: the relay cluster's bus messages (PROTOCOL.md
 * 15.10): the spec's example bytes, every cut and every extra byte
 * refused, the ERR_FORMAT cases, sealing bound to the subject, keys and
 * subjects as specified (the prefix from the subject key, room subjects
 * that name no room id and read back to their hash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "clustermsg.h"
#include "err.h"

static const uint8_t ex_in[] = { 0x03, 0x02, 0, 0, 0, 7, 0x01, 0, 0, 0, 1,
    0x02, 0, 0, 0, 1, 0xaa, 0xbb, 0xcc };
static const uint8_t ex_gone[] = { 0x04, 0x02, 0, 0, 0, 7, 0x01, 0x01 };
static const uint8_t ex_out[] = { 0x05, 0x01, 0, 0, 0, 7, 0x00, 0, 0, 0, 1,
    0, 0, 0, 5, 0x8a, 0, 0, 0, 1 };
/* An END from an owner with no stand-in for the link: lseq 0. */
static const uint8_t ex_end0[] = { 0x05, 0x01, 0, 0, 0, 7, 0x02, 0, 0, 0, 0 };
static const uint8_t ex_claim[] = { 0x01, 0x02 };
static const uint8_t ex_alive[] = { 0x06, 0x02 };

static int
put(struct buf *b, uint8_t type, uint8_t node, uint32_t link, uint8_t to,
    uint8_t flags, uint32_t lseq)
{
	struct clustermsg m;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.node = node;
	m.link = link;
	m.to = to;
	m.flags = flags;
	m.lseq = lseq;
	return clustermsg_put(b, &m);
}

/* Parses a copy in exactly n heap bytes (ASan sees over-reads). */
static int
parse_exact(struct clustermsg *m, const uint8_t *p, size_t n, uint8_t **keep)
{
	uint8_t *q = malloc(n ? n : 1);

	assert_non_null(q);
	memcpy(q, p, n);
	*keep = q;
	return clustermsg_parse(m, q, n);
}

static void
test_examples(void **state)
{
	struct clustermsg m;
	struct buf b;
	const uint8_t *p;
	size_t off = 0, len;
	uint8_t *q;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(put(&b, CLUSTERMSG_IN, 2, 7, 1, 0, 1), 0);
	assert_int_equal(buf_put(&b, ex_in + 11, sizeof(ex_in) - 11), 0);
	assert_memory_equal(buf_ptr(&b), ex_in, sizeof(ex_in));
	buf_reset(&b);
	assert_int_equal(put(&b, CLUSTERMSG_GONE, 2, 7, 1, 1, 9), 0);
	assert_int_equal(buf_len(&b), sizeof(ex_gone));
	assert_memory_equal(buf_ptr(&b), ex_gone, sizeof(ex_gone));
	buf_reset(&b);
	assert_int_equal(put(&b, CLUSTERMSG_OUT, 1, 7, 0, 0, 1), 0);
	assert_int_equal(clustermsg_put_item(&b, ex_out + 15, 5), 0);
	assert_int_equal(buf_len(&b), sizeof(ex_out));
	assert_memory_equal(buf_ptr(&b), ex_out, sizeof(ex_out));
	buf_reset(&b);
	assert_int_equal(put(&b, CLUSTERMSG_CLAIM, 2, 0, 0, 0, 0), 0);
	assert_memory_equal(buf_ptr(&b), ex_claim, sizeof(ex_claim));
	buf_reset(&b);
	assert_int_equal(put(&b, CLUSTERMSG_ALIVE, 2, 0, 0, 0, 0), 0);
	assert_int_equal(buf_len(&b), sizeof(ex_alive));
	assert_memory_equal(buf_ptr(&b), ex_alive, sizeof(ex_alive));
	buf_reset(&b);
	assert_int_equal(put(&b, CLUSTERMSG_OUT, 1, 7, 0, CLUSTERMSG_F_END, 0),
	    0);
	assert_int_equal(buf_len(&b), sizeof(ex_end0));
	assert_memory_equal(buf_ptr(&b), ex_end0, sizeof(ex_end0));
	buf_release(&b);

	assert_int_equal(parse_exact(&m, ex_in, sizeof(ex_in), &q), 0);
	assert_int_equal(m.type, CLUSTERMSG_IN);
	assert_int_equal(m.node, 2);
	assert_int_equal(m.link, 7);
	assert_int_equal(m.to, 1);
	assert_int_equal(m.lseq, 1);
	assert_int_equal(m.len, 8);
	assert_int_equal(m.p[0], 0x02);
	free(q);
	assert_int_equal(parse_exact(&m, ex_out, sizeof(ex_out), &q), 0);
	assert_int_equal(m.lseq, 1);
	assert_int_equal(clustermsg_next_item(&m, &off, &p, &len), 1);
	assert_int_equal(len, 5);
	assert_int_equal(p[0], 0x8a);
	assert_int_equal(clustermsg_next_item(&m, &off, &p, &len), 0);
	free(q);
	assert_int_equal(parse_exact(&m, ex_gone, sizeof(ex_gone), &q), 0);
	assert_int_equal(m.flags, 1);
	free(q);
	assert_int_equal(parse_exact(&m, ex_end0, sizeof(ex_end0), &q), 0);
	assert_int_equal(m.lseq, 0);
	assert_int_equal(m.flags, CLUSTERMSG_F_END);
	assert_int_equal(m.len, 0);
	free(q);
	assert_int_equal(parse_exact(&m, ex_alive, sizeof(ex_alive), &q), 0);
	assert_int_equal(m.type, CLUSTERMSG_ALIVE);
	assert_int_equal(m.node, 2);
	free(q);
	/* ALIVE has no body: a byte after it is trailing. */
	{
		static const uint8_t longer[] = { 0x06, 0x02, 0x00 };

		assert_int_equal(parse_exact(&m, longer, sizeof(longer), &q),
		    ERR_TRAILING);
		free(q);
	}
}

static void
test_cuts_and_trailing(void **state)
{
	static const struct {
		const uint8_t	*p;
		size_t		 n;
		int		 selfdelim;	/* a cut is always refused */
	} ex[] = {
		{ ex_gone, sizeof(ex_gone), 1 },
		{ ex_claim, sizeof(ex_claim), 1 },
	};
	struct clustermsg m;
	uint8_t buf[64], *q;
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		for (k = 0; k < ex[i].n; k++) {
			assert_int_not_equal(parse_exact(&m, ex[i].p, k, &q), 0);
			free(q);
		}
		memcpy(buf, ex[i].p, ex[i].n);
		buf[ex[i].n] = 0;
		assert_int_equal(parse_exact(&m, buf, ex[i].n + 1, &q),
		    ERR_TRAILING);
		free(q);
	}
	/* A bare END cut short, or with a byte after it (an item, then). */
	for (k = 0; k < sizeof(ex_end0); k++) {
		assert_int_not_equal(parse_exact(&m, ex_end0, k, &q), 0);
		free(q);
	}
	memcpy(buf, ex_end0, sizeof(ex_end0));
	buf[sizeof(ex_end0)] = 0;
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_end0) + 1, &q),
	    ERR_FORMAT);
	free(q);
	/* OUT: an item cut short, an item of length 0. */
	assert_int_equal(parse_exact(&m, ex_out, sizeof(ex_out) - 1, &q),
	    ERR_TRUNCATED);
	free(q);
	memcpy(buf, ex_out, 11);
	memset(buf + 11, 0, 4);
	assert_int_equal(parse_exact(&m, buf, 15, &q), ERR_FORMAT);
	free(q);
	/* IN with no message: a sync; cut in its lseq: refused; IN and
	 * GONE to node 0: refused. */
	assert_int_equal(parse_exact(&m, ex_in, 11, &q), 0);
	assert_int_equal(m.len, 0);
	assert_int_equal(m.lseq, 1);
	free(q);
	for (i = 7; i < 11; i++) {
		assert_int_equal(parse_exact(&m, ex_in, i, &q), ERR_TRUNCATED);
		free(q);
	}
	memcpy(buf, ex_in, sizeof(ex_in));
	buf[CLUSTERMSG_TO_OFF] = 0;
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_in), &q), ERR_FORMAT);
	free(q);
	memcpy(buf, ex_gone, sizeof(ex_gone));
	buf[CLUSTERMSG_TO_OFF] = 0;
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_gone), &q), ERR_FORMAT);
	free(q);
}

static void
test_format(void **state)
{
	struct clustermsg m;
	uint8_t buf[64], *q;

	(void)state;
	memcpy(buf, ex_claim, 2);
	buf[1] = 0;				/* node 0 */
	assert_int_equal(parse_exact(&m, buf, 2, &q), ERR_FORMAT);
	free(q);
	buf[0] = 0x07;
	buf[1] = 1;				/* unknown type */
	assert_int_equal(parse_exact(&m, buf, 2, &q), ERR_TYPE);
	free(q);
	memcpy(buf, ex_gone, sizeof(ex_gone));
	buf[7] = 2;				/* clean not 0/1 */
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_gone), &q), ERR_FORMAT);
	free(q);
	memcpy(buf, ex_out, sizeof(ex_out));
	buf[6] = 0x04;				/* unknown flag */
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_out), &q), ERR_FORMAT);
	free(q);
	/* lseq 0: never an IN's; an OUT's only as a bare END. */
	memcpy(buf, ex_in, sizeof(ex_in));
	buf[10] = 0;
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_in), &q), ERR_FORMAT);
	free(q);
	memcpy(buf, ex_out, sizeof(ex_out));
	buf[10] = 0;				/* with items */
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_out), &q), ERR_FORMAT);
	free(q);
	buf[6] = CLUSTERMSG_F_END;		/* END, but items */
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_out), &q), ERR_FORMAT);
	free(q);
	memcpy(buf, ex_end0, sizeof(ex_end0));
	buf[6] = CLUSTERMSG_F_CLOSE;		/* no items, not END */
	assert_int_equal(parse_exact(&m, buf, sizeof(ex_end0), &q), ERR_FORMAT);
	free(q);
}

static void
test_seal(void **state)
{
	struct clustermsg_keys k;
	uint8_t seed[32], sealed[sizeof(ex_in) + CLUSTERMSG_OVERHEAD];
	uint8_t out[sizeof(ex_in)];
	size_t n;

	(void)state;
	memset(seed, 0x42, sizeof(seed));
	clustermsg_keys_derive(&k, seed);
	clustermsg_seal(&k, "sotto.a.r.b", ex_in, sizeof(ex_in), sealed);
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.b", sealed,
	    sizeof(sealed), out, &n), 0);
	assert_int_equal(n, sizeof(ex_in));
	assert_memory_equal(out, ex_in, n);
	/* Another subject, a flipped bit, a cut: refused. */
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.c", sealed,
	    sizeof(sealed), out, &n), ERR_AUTH);
	sealed[30] ^= 1;
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.b", sealed,
	    sizeof(sealed), out, &n), ERR_AUTH);
	sealed[30] ^= 1;
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.b", sealed,
	    CLUSTERMSG_OVERHEAD - 1, out, &n), ERR_TRUNCATED);
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.b", sealed,
	    CLUSTERMSG_OVERHEAD + CLUSTERMSG_MAX + 1, out, &n), ERR_TOO_LARGE);
	/* Another relay key: refused. */
	seed[0] ^= 1;
	clustermsg_keys_derive(&k, seed);
	assert_int_equal(clustermsg_open(&k, "sotto.a.r.b", sealed,
	    sizeof(sealed), out, &n), ERR_AUTH);
}

static void
test_keys_and_subjects(void **state)
{
	static const char label[] = "sotto relay cluster v2";
	struct clustermsg_keys k;
	uint8_t seed[32], master[32], subj[32], id[8], room[16], hash[16];
	uint8_t back[16];
	char s[CLUSTERMSG_SUBJECT_MAX], hex[33], want[CLUSTERMSG_SUBJECT_MAX];

	(void)state;
	memset(seed, 0x42, sizeof(seed));
	memset(room, 0xa5, sizeof(room));
	clustermsg_keys_derive(&k, seed);
	/* As PROTOCOL.md 15.10 says, from the primitives. */
	crypto_generichash(master, 32, (const uint8_t *)label,
	    sizeof(label) - 1, seed, 32);
	crypto_kdf_derive_from_key(subj, 32, 1, "sottoclu", master);
	assert_memory_equal(subj, k.subject, 32);
	crypto_generichash(id, 8, (const uint8_t *)"cluster", 7, subj, 32);
	sodium_bin2hex(hex, sizeof(hex), id, 8);
	snprintf(want, sizeof(want), "sotto.%s", hex);
	assert_string_equal(k.prefix, want);
	clustermsg_room_hash(&k, room, hash);
	crypto_generichash(back, 16, room, 16, subj, 32);
	assert_memory_equal(back, hash, 16);
	{
		uint8_t in[21], lobby[16];

		memcpy(in, "lobby", 5);
		memcpy(in + 5, room, 16);
		crypto_generichash(back, 16, in, sizeof(in), subj, 32);
		clustermsg_lobby_hash(&k, room, lobby);
		assert_memory_equal(back, lobby, 16);
		assert_memory_not_equal(lobby, hash, 16);
	}
	clustermsg_room_subject(&k, hash, s);
	assert_int_equal(strlen(s), 57);
	sodium_bin2hex(hex, sizeof(hex), room, 16);
	assert_null(strstr(s, hex));
	assert_int_equal(clustermsg_subject_hash(&k, s, back), 0);
	assert_memory_equal(back, hash, 16);
	clustermsg_node_subject(&k, 255, s);
	snprintf(want, sizeof(want), "%s.n.255", k.prefix);
	assert_string_equal(s, want);
	assert_int_equal(clustermsg_subject_hash(&k, s, back), ERR_FORMAT);
	s[strlen(s) - 1] = 'x';
	assert_int_equal(clustermsg_subject_hash(&k, "sotto.x", back),
	    ERR_FORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_cuts_and_trailing),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_keys_and_subjects),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
