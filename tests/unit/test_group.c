/*
 * test_group.c: room end-to-end encryption between in-memory members and
 * a simulated relay that can drop, duplicate, reorder and alter blobs:
 * delivery exactly once and in order, rotation on leave (a departed
 * member can't read what follows), detection of every relay misdeed,
 * membership proven by the room secret, private messages, room codes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sodium.h>

#include "err.h"
#include "group.h"
#include "identity.h"

#define MAXM	8
#define MAXQ	4096
#define MAXLOG	4096

struct blob {
	uint32_t	 from, to;	/* to 0: broadcast */
	uint8_t		*p;
	size_t		 len;
};

struct member {
	int		 present;
	uint32_t	 id;
	struct identity	*ident;
	struct group	*g;
	/* What happened, as short lines: "T alice hello", "M bob 2"... */
	char		*log[MAXLOG];
	int		 nlog;
};

static struct member mem[MAXM];
static struct blob queue[MAXQ];
static int qn;
static uint8_t room_id[GROUP_ROOM_ID_BYTES];
static uint8_t secret[GROUP_SECRET_BYTES];

static void
on_send(void *arg, uint32_t to, const uint8_t *p, size_t len)
{
	struct member *m = arg;

	assert_true(qn < MAXQ);
	queue[qn].from = m->id;
	queue[qn].to = to;
	queue[qn].p = malloc(len);
	memcpy(queue[qn].p, p, len);
	queue[qn].len = len;
	qn++;
}

static void
on_event(void *arg, const struct group_event *ev)
{
	struct member *m = arg;
	char line[GROUP_MAX_TEXT + 64];

	switch (ev->type) {
	case GROUP_EV_MEMBER:
		snprintf(line, sizeof(line), "J %s", ev->name);
		break;
	case GROUP_EV_RENAMED:
		snprintf(line, sizeof(line), "N %s", ev->name);
		break;
	case GROUP_EV_TEXT:
		snprintf(line, sizeof(line), "%c %s %.*s",
		    ev->kind == GROUP_ACTION ? 'A' : 'T', ev->name,
		    (int)ev->len, ev->text);
		break;
	case GROUP_EV_PRIVATE:
		snprintf(line, sizeof(line), "P %s %.*s", ev->name,
		    (int)ev->len, ev->text);
		break;
	case GROUP_EV_MISSING:
		snprintf(line, sizeof(line), "M %s %llu", ev->name,
		    (unsigned long long)ev->count);
		break;
	case GROUP_EV_REPLAY:
		snprintf(line, sizeof(line), "R %u", ev->id);
		break;
	case GROUP_EV_FORGED:
		snprintf(line, sizeof(line), "F %u", ev->id);
		break;
	case GROUP_EV_UNREADABLE:
		snprintf(line, sizeof(line), "U %u", ev->id);
		break;
	case GROUP_EV_REJECTED:
		snprintf(line, sizeof(line), "X %u", ev->id);
		break;
	case GROUP_EV_RENAME_REFUSED:
		snprintf(line, sizeof(line), "Z %s %s", ev->name, ev->refused);
		break;
	}
	assert_true(m->nlog < MAXLOG);
	m->log[m->nlog++] = strdup(line);
}

/* Delivers queued blobs like an honest relay, in order. */
static void
pump(void)
{
	int i, k;

	for (i = 0; i < qn; i++) {
		for (k = 0; k < MAXM; k++) {
			struct member *m = &mem[k];

			if (!m->present || m->id == queue[i].from)
				continue;
			if (queue[i].to != 0 && queue[i].to != m->id)
				continue;
			(void)group_recv(m->g, queue[i].from,
			    queue[i].to != 0, queue[i].p, queue[i].len);
		}
		free(queue[i].p);
	}
	qn = 0;
}

static void
drop_queue(void)
{
	int i;

	for (i = 0; i < qn; i++)
		free(queue[i].p);
	qn = 0;
}

static void
join(int k, const char *name, const uint8_t *sec)
{
	uint8_t seed[IDENTITY_SEED_BYTES];
	struct member *m = &mem[k];

	memset(seed, 0x10 + k, sizeof(seed));
	memset(m, 0, sizeof(*m));
	assert_int_equal(identity_from_seed(&m->ident, seed), 0);
	m->id = (uint32_t)(100 + k);
	assert_int_equal(group_new(&m->g, room_id, sec, m->ident, name,
	    on_send, on_event, m), 0);
	m->present = 1;
	assert_int_equal(group_start(m->g, m->id), 0);
	pump();
}

static void
leave(int k)
{
	int i;

	mem[k].present = 0;
	for (i = 0; i < MAXM; i++)
		if (mem[i].present)
			group_member_left(mem[i].g, mem[k].id);
}

static void
release_all(void)
{
	int k, i;

	drop_queue();
	for (k = 0; k < MAXM; k++) {
		group_free(mem[k].g);
		identity_free(mem[k].ident);
		for (i = 0; i < mem[k].nlog; i++)
			free(mem[k].log[i]);
		memset(&mem[k], 0, sizeof(mem[k]));
	}
}

static void
clear_logs(void)
{
	int k, i;

	for (k = 0; k < MAXM; k++) {
		for (i = 0; i < mem[k].nlog; i++)
			free(mem[k].log[i]);
		mem[k].nlog = 0;
	}
}

static int
count(const struct member *m, const char *line)
{
	int i, n = 0;

	for (i = 0; i < m->nlog; i++)
		n += strcmp(m->log[i], line) == 0;
	return n;
}

static int
count_prefix(const struct member *m, char c)
{
	int i, n = 0;

	for (i = 0; i < m->nlog; i++)
		n += m->log[i][0] == c;
	return n;
}

static void
say(int k, const char *text)
{
	assert_int_equal(group_send(mem[k].g, GROUP_TEXT,
	    (const uint8_t *)text, strlen(text)), 0);
}

static int
setup(void **state)
{
	(void)state;
	randombytes_buf(room_id, sizeof(room_id));
	randombytes_buf(secret, sizeof(secret));
	return 0;
}

static void
three(void)
{
	join(0, "alice", secret);
	join(1, "bob", secret);
	join(2, "carol", secret);
}

static void
test_members_verify_each_other(void **state)
{
	char a[SAFETY_NUMBER_LEN + 1], b[SAFETY_NUMBER_LEN + 1],
	    c[SAFETY_NUMBER_LEN + 1];

	(void)state;
	three();
	assert_int_equal(count(&mem[0], "J bob"), 1);
	assert_int_equal(count(&mem[0], "J carol"), 1);
	assert_int_equal(count(&mem[1], "J alice"), 1);
	assert_int_equal(count(&mem[1], "J carol"), 1);
	assert_int_equal(count(&mem[2], "J alice"), 1);
	assert_int_equal(count(&mem[2], "J bob"), 1);
	group_room_code(mem[0].g, a);
	group_room_code(mem[1].g, b);
	group_room_code(mem[2].g, c);
	assert_int_equal(strlen(a), SAFETY_NUMBER_LEN);
	assert_string_equal(a, b);
	assert_string_equal(a, c);
	assert_int_equal(group_member_by_name(mem[0].g, "carol"), mem[2].id);
	release_all();
}

static void
test_exactly_once_in_order(void **state)
{
	char msg[32];
	int i, k, s;

	(void)state;
	three();
	for (i = 0; i < 200; i++)
		for (s = 0; s < 3; s++) {
			snprintf(msg, sizeof(msg), "%d-%d", s, i);
			say(s, msg);
		}
	pump();
	for (k = 0; k < 3; k++) {
		int seen[3] = { 0, 0, 0 }, j;

		for (j = 0; j < mem[k].nlog; j++) {
			int from, n;
			char name[16];

			if (mem[k].log[j][0] != 'T')
				continue;
			assert_int_equal(sscanf(mem[k].log[j], "T %15s %d-%d",
			    name, &from, &n), 3);
			assert_int_not_equal(from, k);
			assert_int_equal(n, seen[from]);	/* in order, once */
			seen[from]++;
		}
		for (s = 0; s < 3; s++)
			assert_int_equal(seen[s], s == k ? 0 : 200);
		assert_int_equal(count_prefix(&mem[k], 'M') +
		    count_prefix(&mem[k], 'R') + count_prefix(&mem[k], 'F') +
		    count_prefix(&mem[k], 'U'), 0);
	}
	release_all();
}

static void
test_departed_member_cannot_read(void **state)
{
	struct group *ghost;
	int i;

	(void)state;
	three();
	say(0, "before");
	pump();
	assert_int_equal(count(&mem[2], "T alice before"), 1);
	/* carol leaves, but keeps her state and sees everything the relay
	 * forwards from now on (a curious or colluding relay). */
	leave(2);
	ghost = mem[2].g;
	say(0, "after");
	say(1, "after too");
	assert_true(qn > 0);
	clear_logs();
	for (i = 0; i < qn; i++)
		(void)group_recv(ghost, queue[i].from, queue[i].to != 0,
		    queue[i].p, queue[i].len);
	/* Not one message readable; bob still reads alice. */
	assert_int_equal(count_prefix(&mem[2], 'T'), 0);
	assert_true(count_prefix(&mem[2], 'U') + count_prefix(&mem[2], 'F') > 0);
	pump();
	assert_int_equal(count(&mem[1], "T alice after"), 1);
	assert_int_equal(count(&mem[0], "T bob after too"), 1);
	release_all();
}

static void
test_relay_drop_replay_reorder(void **state)
{
	struct blob keep;
	int i;

	(void)state;
	join(0, "alice", secret);
	join(1, "bob", secret);
	say(0, "m0");
	pump();
	clear_logs();

	/* Drop m1. */
	say(0, "m1");
	drop_queue();
	say(0, "m2");
	pump();
	assert_int_equal(count(&mem[1], "M alice 1"), 1);
	assert_int_equal(count(&mem[1], "T alice m2"), 1);

	/* Replay m3. */
	clear_logs();
	say(0, "m3");
	keep = queue[0];
	keep.p = malloc(keep.len);
	memcpy(keep.p, queue[0].p, keep.len);
	pump();
	(void)group_recv(mem[1].g, keep.from, 0, keep.p, keep.len);
	assert_int_equal(count(&mem[1], "T alice m3"), 1);
	assert_int_equal(count_prefix(&mem[1], 'R'), 1);
	free(keep.p);

	/* Reorder m4 and m5: m5 shows m4 missing, late m4 is a replay. */
	clear_logs();
	say(0, "m4");
	say(0, "m5");
	assert_int_equal(qn, 2);
	keep = queue[0];
	queue[0] = queue[1];
	queue[1] = keep;
	pump();
	assert_int_equal(count(&mem[1], "T alice m5"), 1);
	assert_int_equal(count(&mem[1], "M alice 1"), 1);
	assert_int_equal(count(&mem[1], "T alice m4"), 0);
	assert_int_equal(count_prefix(&mem[1], 'R'), 1);

	/* A message misattributed by the relay to another member. */
	clear_logs();
	join(2, "carol", secret);
	clear_logs();
	say(0, "m6");
	for (i = 0; i < qn; i++)
		if (queue[i].to == 0)
			queue[i].from = mem[2].id;
	pump();
	assert_int_equal(count_prefix(&mem[1], 'T'), 0);
	assert_true(count_prefix(&mem[1], 'F') >= 1);
	release_all();
}

static void
test_every_bitflip_detected(void **state)
{
	uint8_t *orig;
	size_t len, bit;
	uint32_t from;

	(void)state;
	join(0, "alice", secret);
	join(1, "bob", secret);
	say(0, "warm up");
	pump();
	say(0, "attack at dawn");
	assert_int_equal(qn, 1);
	len = queue[0].len;
	from = queue[0].from;
	orig = queue[0].p;
	qn = 0;
	for (bit = 0; bit < len * 8; bit++) {
		uint8_t *p = malloc(len);

		memcpy(p, orig, len);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		clear_logs();
		(void)group_recv(mem[1].g, from, 0, p, len);
		if (count_prefix(&mem[1], 'T') != 0)
			fail_msg("bit %zu of a message accepted", bit);
		free(p);
	}
	/* The unaltered one still opens (the chain was not disturbed). */
	clear_logs();
	(void)group_recv(mem[1].g, from, 0, orig, len);
	assert_int_equal(count(&mem[1], "T alice attack at dawn"), 1);
	free(orig);
	release_all();
}

static void
test_wrong_secret_and_forged_announce(void **state)
{
	uint8_t other[GROUP_SECRET_BYTES];

	(void)state;
	join(0, "alice", secret);
	memcpy(other, secret, sizeof(other));
	other[0] ^= 1;
	join(1, "mallory", other);
	/* Neither accepts the other. */
	assert_int_equal(count(&mem[0], "J mallory"), 0);
	assert_true(count_prefix(&mem[0], 'X') >= 1);
	assert_int_equal(count(&mem[1], "J alice"), 0);
	/* mallory's messages are unreadable to alice. */
	clear_logs();
	say(1, "let me in");
	pump();
	assert_int_equal(count_prefix(&mem[0], 'T'), 0);
	release_all();
}

static void
test_private_and_rename(void **state)
{
	struct blob keep;
	int i;

	(void)state;
	three();
	clear_logs();
	assert_int_equal(group_send_private(mem[0].g, mem[1].id,
	    (const uint8_t *)"just you", 8), 0);
	keep = queue[0];
	keep.p = malloc(keep.len);
	memcpy(keep.p, queue[0].p, keep.len);
	pump();
	assert_int_equal(count(&mem[1], "P alice just you"), 1);
	assert_int_equal(count_prefix(&mem[2], 'P'), 0);
	/* Replayed, or shown to someone else: never read again. */
	(void)group_recv(mem[1].g, keep.from, 1, keep.p, keep.len);
	(void)group_recv(mem[2].g, keep.from, 1, keep.p, keep.len);
	assert_int_equal(count(&mem[1], "P alice just you"), 1);
	assert_int_equal(count_prefix(&mem[1], 'R'), 1);
	assert_int_equal(count_prefix(&mem[2], 'P'), 0);
	free(keep.p);

	assert_int_equal(group_rename(mem[2].g, "caroline"), 0);
	pump();
	for (i = 0; i < 2; i++)
		assert_int_equal(count(&mem[i], "N caroline"), 1);
	assert_string_equal(group_member_name(mem[0].g, mem[2].id),
	    "caroline");
	release_all();
}

/* A rename check that lets nobody take the name "alice". */
static int
not_alice(void *arg, uint32_t id, const char *name)
{
	(void)id;
	(void)arg;
	return strcmp(name, "alice") != 0;
}

/* Finding 11: carol re-announces herself as "alice" without asking the
 * relay.  A receiver with a rename check refuses it and she keeps her
 * name there; other renames still go through. */
static void
test_rename_check(void **state)
{
	(void)state;
	three();
	group_set_rename_check(mem[1].g, not_alice, NULL);
	clear_logs();
	assert_int_equal(group_rename(mem[2].g, "alice"), 0);
	pump();
	assert_int_equal(count(&mem[1], "Z carol alice"), 1);
	assert_int_equal(count_prefix(&mem[1], 'N'), 0);
	assert_string_equal(group_member_name(mem[1].g, mem[2].id), "carol");
	assert_int_equal(group_member_by_name(mem[1].g, "alice"), mem[0].id);
	/* Without the check (alice's view) the name would be taken. */
	assert_int_equal(count(&mem[0], "N alice"), 1);
	/* Her messages still show under the name she keeps. */
	say(2, "still me");
	pump();
	assert_int_equal(count(&mem[1], "T carol still me"), 1);
	assert_int_equal(group_rename(mem[2].g, "caroline"), 0);
	pump();
	assert_int_equal(count(&mem[1], "N caroline"), 1);
	release_all();
}

static void
test_old_sender_key_cannot_rewind(void **state)
{
	struct blob sk = { 0, 0, NULL, 0 };
	int i, found = 0;

	(void)state;
	join(0, "alice", secret);
	join(1, "bob", secret);
	say(0, "one");
	/* Keep alice's sender key blob to bob. */
	for (i = 0; i < qn; i++)
		if (queue[i].to == mem[1].id && !found) {
			sk = queue[i];
			sk.p = malloc(sk.len);
			memcpy(sk.p, queue[i].p, sk.len);
			found = 1;
		}
	assert_true(found);
	pump();
	say(0, "two");
	pump();
	clear_logs();
	/* Replaying the old key and then message "one" gets nowhere. */
	(void)group_recv(mem[1].g, sk.from, 1, sk.p, sk.len);
	free(sk.p);
	say(0, "three");
	pump();
	assert_int_equal(count(&mem[1], "T alice three"), 1);
	assert_int_equal(count_prefix(&mem[1], 'M'), 0);
	release_all();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_verify_each_other),
		cmocka_unit_test(test_exactly_once_in_order),
		cmocka_unit_test(test_departed_member_cannot_read),
		cmocka_unit_test(test_relay_drop_replay_reorder),
		cmocka_unit_test(test_every_bitflip_detected),
		cmocka_unit_test(test_wrong_secret_and_forged_announce),
		cmocka_unit_test(test_private_and_rename),
		cmocka_unit_test(test_old_sender_key_cannot_rewind),
		cmocka_unit_test(test_rename_check),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, setup, NULL);
}
