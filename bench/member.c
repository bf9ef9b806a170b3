/*
 * bench/member.c: a room member's own CPU per room message received --
 * group_recv() of an end-to-end encrypted, signed sender-key message
 * (src/core/group.c: signature check, two chain-key steps, AEAD open,
 * the event) -- next to the bare libsodium primitives that path is built
 * from, on messages of the same sizes: crypto_sign_verify_detached over
 * the same signed bytes, two crypto_kdf_derive_from_key and one
 * crypto_aead_xchacha20poly1305_ietf_decrypt.  The target is sotto's
 * path <= 1.2x the bare primitives (docs/BENCHMARKS.md, "Members: CPU per
 * received room message").
 *
 * Two struct groups in memory, no sockets: A sends, B receives, blobs
 * pass through a queue (direct blobs go to their member, the others to
 * everyone else), as the relay would deliver them.  Each round, A seals
 * a batch of messages (not timed), then B receives the batch (timed) and
 * the bare primitives open the same number of messages of the same sizes
 * (timed), in alternating order from round to round.  Times are CPU time
 * of the process (CLOCK_PROCESS_CPUTIME_ID); each figure is the median
 * over rounds of the mean per message, and the ratio is the median over
 * rounds of that round's ratio, so a VM that changes speed moves both
 * sides together.  Bounded in rounds and in CPU time.  A benchmark, not a
 * test: it exits non-zero only if a message fails to open.
 *
 *   bench_member [quick]
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "benchstat.h"
#include "err.h"
#include "group.h"
#include "identity.h"

#define TARGET_RATIO	1.2
#define MAX_ROUNDS	15
#define QUICK_ROUNDS	5
#define BATCH		1000	/* messages per round */
#define QUICK_BATCH	200
#define SIZE_BUDGET_NS	8000000000ULL	/* CPU for one message size */
#define QUEUE_MAX	(BATCH + 16)
#define ID_A		1	/* relay member ids */
#define ID_B		2

/* group.c's wire layout of a sender-key message (docs/PROTOCOL.md). */
#define HDR_LEN		(1 + IDENTITY_PK_BYTES + 4 + 8)
#define L_MSG		"sotto/1 room message"
#define SIG_BYTES	crypto_sign_BYTES
#define ABYTES		crypto_aead_xchacha20poly1305_ietf_ABYTES
#define NONCE_BYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SM_PREFIX	(sizeof(L_MSG) - 1 + GROUP_ROOM_ID_BYTES)
#define SM_MAX		(SM_PREFIX + HDR_LEN + 1 + GROUP_MAX_TEXT + ABYTES)

struct blob {
	uint32_t	 from, to;
	size_t		 len;
	uint8_t		*p;
};

struct queue {
	struct blob	 q[QUEUE_MAX];
	size_t		 n;
};

struct side {
	struct group	*g;
	uint32_t	 self;
	struct queue	*out;
	uint64_t	 texts, bad;
};

/* The bare primitives' messages: what group.c would have at hand. */
struct bare {
	uint8_t		 pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t		 sk[crypto_sign_SECRETKEYBYTES];
	uint8_t		 ck[crypto_kdf_KEYBYTES];
	uint8_t		*sm[BATCH];	/* prefix + header + ciphertext */
	uint8_t		 sig[BATCH][SIG_BYTES];
	size_t		 smlen, ctlen;
};

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "bench_member: %s\n", what);
	exit(1);
}

static void
send_cb(void *arg, uint32_t to, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	struct blob *bl;

	if (s->out->n == QUEUE_MAX)
		die("queue full");
	bl = &s->out->q[s->out->n++];
	bl->from = s->self;
	bl->to = to;
	bl->len = len;
	if ((bl->p = malloc(len)) == NULL)
		die("out of memory");
	memcpy(bl->p, p, len);
}

static void
event_cb(void *arg, const struct group_event *ev)
{
	struct side *s = arg;

	if (ev->type == GROUP_EV_TEXT)
		s->texts++;
	else if (ev->type != GROUP_EV_MEMBER)
		s->bad++;
}

static void
queue_clear(struct queue *q)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		free(q->q[i].p);
	q->n = 0;
}

/* Delivers everything queued by either side to the other, until both
 * queues are empty (announcements answer announcements). */
static void
pump(struct side *a, struct side *b)
{
	struct queue q;
	struct side *dst;
	size_t i;

	while (a->out->n > 0 || b->out->n > 0) {
		struct side *src = a->out->n > 0 ? a : b;

		dst = src == a ? b : a;
		q = *src->out;
		src->out->n = 0;
		for (i = 0; i < q.n; i++)
			if (q.q[i].to == 0 || q.q[i].to == dst->self)
				(void)group_recv(dst->g, q.q[i].from,
				    q.q[i].to != 0, q.q[i].p, q.q[i].len);
		queue_clear(&q);
	}
}

static void
bare_setup(struct bare *bb, size_t text)
{
	static const uint8_t zero_nonce[NONCE_BYTES];
	uint8_t mk[crypto_kdf_KEYBYTES], ck[crypto_kdf_KEYBYTES];
	uint8_t pt[1 + GROUP_MAX_TEXT];
	size_t i;

	crypto_sign_keypair(bb->pk, bb->sk);
	crypto_kdf_keygen(bb->ck);
	memcpy(ck, bb->ck, sizeof(ck));
	bb->ctlen = 1 + text + ABYTES;
	bb->smlen = SM_PREFIX + HDR_LEN + bb->ctlen;
	randombytes_buf(pt, sizeof(pt));
	for (i = 0; i < BATCH; i++) {
		uint8_t *hdr;

		if ((bb->sm[i] = malloc(bb->smlen)) == NULL)
			die("out of memory");
		hdr = bb->sm[i] + SM_PREFIX;
		randombytes_buf(bb->sm[i], SM_PREFIX + HDR_LEN);
		crypto_kdf_derive_from_key(mk, sizeof(mk), 1, "sottogrp", ck);
		crypto_kdf_derive_from_key(ck, sizeof(ck), 2, "sottogrp", ck);
		crypto_aead_xchacha20poly1305_ietf_encrypt(hdr + HDR_LEN, NULL,
		    pt, 1 + text, hdr, HDR_LEN, NULL, zero_nonce, mk);
		crypto_sign_detached(bb->sig[i], NULL, bb->sm[i], bb->smlen,
		    bb->sk);
	}
}

static void
bare_free(struct bare *bb)
{
	size_t i;

	for (i = 0; i < BATCH; i++)
		free(bb->sm[i]);
}

/* What group.c's on_message does with libsodium, and nothing else:
 * verify, step the chain (message key and next chain key), open. */
static void
bare_open(struct bare *bb, size_t n)
{
	static const uint8_t zero_nonce[NONCE_BYTES];
	uint8_t mk[crypto_kdf_KEYBYTES], ck[crypto_kdf_KEYBYTES];
	uint8_t pt[1 + GROUP_MAX_TEXT + ABYTES];
	size_t i;

	memcpy(ck, bb->ck, sizeof(ck));
	for (i = 0; i < n; i++) {
		const uint8_t *hdr = bb->sm[i] + SM_PREFIX;

		if (crypto_sign_verify_detached(bb->sig[i], bb->sm[i],
		    bb->smlen, bb->pk) != 0)
			die("bare: signature");
		crypto_kdf_derive_from_key(mk, sizeof(mk), 1, "sottogrp", ck);
		crypto_kdf_derive_from_key(ck, sizeof(ck), 2, "sottogrp", ck);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL,
		    hdr + HDR_LEN, bb->ctlen, hdr, HDR_LEN, zero_nonce,
		    mk) != 0)
			die("bare: open");
	}
	sodium_memzero(mk, sizeof(mk));
	sodium_memzero(ck, sizeof(ck));
}

static void
one_size(struct side *a, struct side *b, size_t text, int rounds,
    size_t batch)
{
	double sotto[MAX_ROUNDS], bare[MAX_ROUNDS], ratio[MAX_ROUNDS];
	uint8_t msg[GROUP_MAX_TEXT];
	struct bare bb;
	uint64_t t0, t1, t2, spent = 0;
	double ms, mb, mr;
	size_t i, blen = 0;
	int r, done = 0;

	memset(msg, 'x', sizeof(msg));
	bare_setup(&bb, text);
	for (r = 0; r < rounds && spent < SIZE_BUDGET_NS; r++) {
		struct queue *q = a->out;
		uint64_t want = b->texts + batch;

		for (i = 0; i < batch; i++)
			if (group_send(a->g, GROUP_TEXT, msg, text) != 0)
				die("group_send");
		blen = q->q[0].len;
		t0 = benchstat_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (r % 2 == 0) {
			for (i = 0; i < q->n; i++)
				(void)group_recv(b->g, ID_A, 0, q->q[i].p,
				    q->q[i].len);
			t1 = benchstat_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
			bare_open(&bb, batch);
			t2 = benchstat_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
			sotto[r] = (double)(t1 - t0) / batch;
			bare[r] = (double)(t2 - t1) / batch;
		} else {
			bare_open(&bb, batch);
			t1 = benchstat_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
			for (i = 0; i < q->n; i++)
				(void)group_recv(b->g, ID_A, 0, q->q[i].p,
				    q->q[i].len);
			t2 = benchstat_cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
			bare[r] = (double)(t1 - t0) / batch;
			sotto[r] = (double)(t2 - t1) / batch;
		}
		spent += t2 - t0;
		queue_clear(q);
		if (b->texts != want || b->bad != 0)
			die("a message did not open");
		ratio[r] = sotto[r] / bare[r];
		done++;
	}
	ms = benchstat_median(sotto, (size_t)done);
	mb = benchstat_median(bare, (size_t)done);
	mr = benchstat_median(ratio, (size_t)done);
	printf("| %zu B (blob %zu B) | %.0f | %.0f | %.3f | %s | %d x %zu |\n",
	    text, blen, ms, mb, mr, mr <= TARGET_RATIO ? "yes" : "**no**", done,
	    batch);
	fflush(stdout);
	bare_free(&bb);
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = { 16, 200, 1000, 4000 };
	uint8_t room[GROUP_ROOM_ID_BYTES], secret[GROUP_SECRET_BYTES];
	static struct queue qa, qb;
	struct identity *ida = NULL, *idb = NULL;
	struct side a = { NULL, ID_A, &qa, 0, 0 }, b = { NULL, ID_B, &qb, 0, 0 };
	int quick = argc > 1 && strcmp(argv[1], "quick") == 0;
	int rounds = quick ? QUICK_ROUNDS : MAX_ROUNDS;
	size_t batch = quick ? QUICK_BATCH : BATCH, i;
	uint8_t hello[] = "hello";

	if (argc > 2 || (argc == 2 && !quick)) {
		fprintf(stderr, "usage: bench_member [quick]\n");
		return 2;
	}
	if (sodium_init() < 0)
		die("sodium_init");
	randombytes_buf(room, sizeof(room));
	randombytes_buf(secret, sizeof(secret));
	if (identity_generate(&ida) != 0 || identity_generate(&idb) != 0 ||
	    group_new(&a.g, room, secret, ida, "alice", send_cb, event_cb,
	    &a) != 0 ||
	    group_new(&b.g, room, secret, idb, "bob", send_cb, event_cb,
	    &b) != 0)
		die("setup");
	if (group_start(a.g, ID_A) != 0 || group_start(b.g, ID_B) != 0)
		die("group_start");
	pump(&a, &b);
	/* The first message carries A's sender key to B (direct). */
	if (group_send(a.g, GROUP_TEXT, hello, sizeof(hello) - 1) != 0)
		die("group_send");
	pump(&a, &b);
	if (b.texts != 1 || b.bad != 0)
		die("the room did not form");

	printf("# A room member's CPU per received message (bench_member%s)\n",
	    quick ? " quick" : "");
	printf("- libsodium %s; CPU time of the process; %d rounds of %zu "
	    "messages per size at most; median over rounds\n\n",
	    sodium_version_string(), rounds, batch);
	printf("| text | sotto group_recv (ns/message) | bare primitives "
	    "(ns/message) | sotto / bare | <= %.1f? | rounds x messages |\n",
	    TARGET_RATIO);
	printf("|---|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		one_size(&a, &b, sizes[i], rounds, batch);
	printf("\nbare primitives = crypto_sign_verify_detached over the "
	    "same signed bytes + 2 crypto_kdf_derive_from_key + "
	    "crypto_aead_xchacha20poly1305_ietf_decrypt\n");
	group_free(a.g);
	group_free(b.g);
	identity_free(ida);
	identity_free(idb);
	return 0;
}
