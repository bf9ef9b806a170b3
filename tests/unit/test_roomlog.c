/*
 * test_roomlog.c: the relay's room store: append and read from a seq,
 * trim by each bound (count, bytes, age), seats and the id counter, a
 * reopen that finds everything (and keeps a room's last seq when all its
 * events were trimmed), a store under another secret refused, a tampered
 * row refused, nothing in clear on disk, and a writer killed with SIGKILL
 * in the middle of its appends: every event it had committed is there
 * after a reopen, whole, and no part of an uncommitted transaction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "err.h"
#include "roomlog.h"

static const uint8_t secret[ROOMLOG_SECRET_BYTES] = { 0x5e, 1, 2, 3 };
static const uint8_t other_secret[ROOMLOG_SECRET_BYTES] = { 0x5f };
static const uint8_t room_a[ROOMLOG_ROOM_ID_BYTES] = {
	'R', 'O', 'O', 'M', '-', 'I', 'D', '-', 'A', 'A', 'A', 'A', 'A', 'A',
	'A', 'A',
};
static const uint8_t room_b[ROOMLOG_ROOM_ID_BYTES] = { 0xbb, 0xbb };

static const struct roomlog_limits big = { 1000000, 1ull << 40, 1000000 };

/* A temporary directory for the tests that use files. */
static char dir[64];
static char dbpath[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sotto-roomlog-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, ROOMLOG_FILE);
	return 0;
}

static int
teardown(void **state)
{
	char p[160];

	(void)state;
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
	unlink(dbpath);
	rmdir(dir);
	return 0;
}

/* The message of event seq: "event <seq>" padded to len bytes. */
static size_t
make_msg(uint8_t *out, size_t len, uint64_t seq)
{
	size_t i, n;

	n = (size_t)snprintf((char *)out, len, "event %llu.",
	    (unsigned long long)seq);
	for (i = n; i < len; i++)
		out[i] = (uint8_t)('a' + (seq + i) % 26);
	return len;
}

struct got {
	uint64_t	 seq[4096];
	uint32_t	 to[4096];
	size_t		 len[4096];
	int		 bad;	/* a message not what make_msg gives */
	size_t		 n;
	size_t		 stop_at;	/* return 1 after this many (0: never) */
};

static int
collect(void *arg, uint64_t seq, uint32_t to, const uint8_t *msg, size_t len)
{
	struct got *g = arg;
	uint8_t want[ROOMLOG_MAX_EVENT];

	assert_true(g->n < 4096);
	make_msg(want, len, seq);
	if (memcmp(want, msg, len) != 0)
		g->bad++;
	g->seq[g->n] = seq;
	g->to[g->n] = to;
	g->len[g->n] = len;
	g->n++;
	return g->stop_at != 0 && g->n == g->stop_at ? 1 : 0;
}

static void
append_n(struct roomlog_room *r, uint64_t from, uint64_t to_seq, size_t len)
{
	uint8_t msg[ROOMLOG_MAX_EVENT];
	uint64_t s;

	for (s = from; s <= to_seq; s++) {
		make_msg(msg, len, s);
		assert_int_equal(roomlog_append(r, s, (uint32_t)(s % 3), msg,
		    len), 0);
	}
}

static void
test_append_read(void **state)
{
	struct roomlog *l;
	struct roomlog_room *r, *r2, *rb;
	struct got *g = calloc(1, sizeof(*g));
	uint8_t msg[ROOMLOG_MAX_EVENT + 1];
	size_t i;

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, NULL, secret, &big), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r2), 0);
	assert_ptr_equal(r, r2);
	assert_int_equal(roomlog_room_get(l, room_b, &rb), 0);
	assert_ptr_not_equal(r, rb);
	assert_int_equal(roomlog_rooms(l), 2);
	assert_int_equal(roomlog_first(r), 1);
	assert_int_equal(roomlog_last(r), 0);

	/* Writes need a transaction. */
	make_msg(msg, 10, 1);
	assert_int_equal(roomlog_append(r, 1, 0, msg, 10), ERR_INTERNAL);
	assert_int_equal(roomlog_begin(l, 1000), 0);
	assert_int_equal(roomlog_in_transaction(l), 1);
	assert_int_equal(roomlog_begin(l, 2000), 0);	/* no-op */
	append_n(r, 1, 10, 40);
	/* Seqs only go up; lengths are bounded. */
	assert_int_equal(roomlog_append(r, 10, 0, msg, 10), ERR_INVALID_ARG);
	assert_int_equal(roomlog_append(r, 5, 0, msg, 10), ERR_INVALID_ARG);
	assert_int_equal(roomlog_append(r, 11, 0, msg, 0), ERR_INVALID_ARG);
	assert_int_equal(roomlog_append(r, 11, 0, msg, ROOMLOG_MAX_EVENT + 1),
	    ERR_INVALID_ARG);
	/* The largest event goes in, and gaps are fine. */
	make_msg(msg, ROOMLOG_MAX_EVENT, 20);
	assert_int_equal(roomlog_append(r, 20, 7, msg, ROOMLOG_MAX_EVENT), 0);
	append_n(rb, 1, 3, 5);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_in_transaction(l), 0);
	assert_int_equal(roomlog_commit(l), 0);	/* no-op */

	assert_int_equal(roomlog_first(r), 1);
	assert_int_equal(roomlog_last(r), 20);
	assert_int_equal(roomlog_room_events(r), 11);
	assert_int_equal(roomlog_room_bytes(r), 10 * 40 + ROOMLOG_MAX_EVENT);

	/* All of it, in order, with 'to' and the bytes. */
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 11);
	assert_int_equal(g->bad, 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(g->seq[i], i + 1);
		assert_int_equal(g->to[i], (i + 1) % 3);
		assert_int_equal(g->len[i], 40);
	}
	assert_int_equal(g->seq[10], 20);
	assert_int_equal(g->to[10], 7);
	assert_int_equal(g->len[10], ROOMLOG_MAX_EVENT);
	/* From a seq, at most max. */
	g->n = 0;
	assert_int_equal(roomlog_read(r, 5, 3, collect, g), 3);
	assert_int_equal(g->seq[0], 6);
	assert_int_equal(g->seq[2], 8);
	g->n = 0;
	assert_int_equal(roomlog_read(r, 10, 3, collect, g), 1);
	assert_int_equal(g->seq[0], 20);
	g->n = 0;
	assert_int_equal(roomlog_read(r, 20, 3, collect, g), 0);
	assert_int_equal(roomlog_read(r, 0, 0, collect, g), 0);
	/* A callback may stop the walk. */
	g->n = 0;
	g->stop_at = 2;
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 1);
	assert_int_equal(g->n, 2);
	g->stop_at = 0;
	/* The other room has its own events. */
	g->n = 0;
	assert_int_equal(roomlog_read(rb, 0, 100, collect, g), 3);
	assert_int_equal(g->bad, 0);

	/* A dropped room is gone. */
	assert_int_equal(roomlog_room_drop(rb), ERR_INTERNAL);	/* no txn */
	assert_int_equal(roomlog_rooms(l), 1);
	roomlog_close(l);
	free(g);
}

static void
test_trim_count(void **state)
{
	const struct roomlog_limits lim = { 5, 1ull << 40, 1000000 };
	struct roomlog *l;
	struct roomlog_room *r;
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, NULL, secret, &lim), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_trim(l, 1000), ERR_INTERNAL);
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 1, 12, 20);
	/* Appending alone doesn't trim. */
	assert_int_equal(roomlog_room_events(r), 12);
	assert_int_equal(roomlog_trim(l, 1000), 7);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_room_events(r), 5);
	assert_int_equal(roomlog_room_bytes(r), 5 * 20);
	assert_int_equal(roomlog_first(r), 8);
	assert_int_equal(roomlog_last(r), 12);
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 5);
	assert_int_equal(g->seq[0], 8);
	assert_int_equal(g->seq[4], 12);
	/* Within bounds: nothing more goes. */
	assert_int_equal(roomlog_begin(l, 1000), 0);
	assert_int_equal(roomlog_trim(l, 1000), 0);
	assert_int_equal(roomlog_commit(l), 0);
	roomlog_close(l);
	free(g);
}

static void
test_trim_bytes(void **state)
{
	const struct roomlog_limits lim = { 1000, 100, 1000000 };
	struct roomlog *l;
	struct roomlog_room *r;
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, NULL, secret, &lim), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 1, 10, 30);		/* 300 bytes */
	assert_int_equal(roomlog_trim(l, 1000), 7);
	assert_int_equal(roomlog_commit(l), 0);
	/* The newest that fit in 100 bytes: 3 of 30. */
	assert_int_equal(roomlog_room_bytes(r), 90);
	assert_int_equal(roomlog_first(r), 8);
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 3);
	assert_int_equal(g->seq[0], 8);
	/* One event larger than the bound: it goes too. */
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 11, 11, 500);
	assert_int_equal(roomlog_trim(l, 1000), 4);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_room_events(r), 0);
	assert_int_equal(roomlog_first(r), 12);
	assert_int_equal(roomlog_last(r), 11);
	roomlog_close(l);
	free(g);
}

static void
test_trim_age(void **state)
{
	const struct roomlog_limits lim = { 1000, 1ull << 40, 60 };
	struct roomlog *l;
	struct roomlog_room *r, *rb;
	struct got *g = calloc(1, sizeof(*g));

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, NULL, secret, &lim), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_room_get(l, room_b, &rb), 0);
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 1, 3, 10);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_begin(l, 1050), 0);
	append_n(r, 4, 5, 10);
	append_n(rb, 1, 2, 10);
	/* At 1059, nothing is older than 60 s. */
	assert_int_equal(roomlog_trim(l, 1059), 0);
	assert_int_equal(roomlog_commit(l), 0);
	/* At 1100, the events of 1000 are. */
	assert_int_equal(roomlog_begin(l, 1100), 0);
	assert_int_equal(roomlog_trim(l, 1100), 3);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_first(r), 4);
	assert_int_equal(roomlog_room_events(rb), 2);
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 2);
	assert_int_equal(g->seq[0], 4);
	/* At 1200, everything. */
	assert_int_equal(roomlog_begin(l, 1200), 0);
	assert_int_equal(roomlog_trim(l, 1200), 4);
	assert_int_equal(roomlog_commit(l), 0);
	assert_int_equal(roomlog_first(r), 6);
	assert_int_equal(roomlog_last(r), 5);
	roomlog_close(l);
	free(g);
}

struct loaded {
	int		 rooms;
	int		 seats;
	uint8_t		 id[ROOMLOG_ROOM_ID_BYTES];
	struct roomlog_room *r;
	uint32_t	 seat_ids[8];
	char		 recs[8][32];
};

static int
on_room(void *arg, struct roomlog_room *r,
    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES])
{
	struct loaded *ld = arg;

	ld->rooms++;
	memcpy(ld->id, room_id, sizeof(ld->id));
	ld->r = r;
	return 0;
}

static int
on_seat(void *arg, struct roomlog_room *r, uint32_t id, const uint8_t *rec,
    size_t len)
{
	struct loaded *ld = arg;

	assert_ptr_equal(r, ld->r);
	assert_true(ld->seats < 8 && len < 32);
	ld->seat_ids[ld->seats] = id;
	memcpy(ld->recs[ld->seats], rec, len);
	ld->recs[ld->seats][len] = '\0';
	ld->seats++;
	return 0;
}

static const struct roomlog_load_ops load_ops = { on_room, on_seat };

/* Whether the bytes of needle occur in the file at path. */
static int
file_has(const char *path, const void *needle, size_t n)
{
	static uint8_t data[8 << 20];
	size_t len, i;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	len = fread(data, 1, sizeof(data), f);
	fclose(f);
	for (i = 0; i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0)
			return 1;
	return 0;
}

static void
test_reopen(void **state)
{
	const struct roomlog_limits lim = { 3, 1ull << 40, 1000000 };
	struct roomlog *l;
	struct roomlog_room *r, *rb;
	struct loaded ld;
	struct got *g = calloc(1, sizeof(*g));
	struct stat st;
	char wal[160];

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, dbpath, secret, &big), 0);
	assert_int_equal(stat(dbpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(roomlog_next_id(l), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_room_get(l, room_b, &rb), 0);
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 1, 8, 64);
	assert_int_equal(roomlog_seat_put(r, 1, (const uint8_t *)"seat one",
	    8), 0);
	assert_int_equal(roomlog_seat_put(r, 2, (const uint8_t *)"seat two",
	    8), 0);
	assert_int_equal(roomlog_seat_put(r, 2, (const uint8_t *)"SEAT TWO",
	    8), 0);	/* replaces */
	assert_int_equal(roomlog_seat_put(r, 3, (const uint8_t *)"seat 3", 6),
	    0);
	assert_int_equal(roomlog_seat_del(r, 3), 0);
	assert_int_equal(roomlog_seat_put(r, 4, NULL, 0), ERR_INVALID_ARG);
	assert_int_equal(roomlog_put_next_id(l, 42), 0);
	append_n(rb, 1, 1, 10);
	assert_int_equal(roomlog_room_drop(rb), 0);
	assert_int_equal(roomlog_commit(l), 0);
	/* Nothing in clear in the log while it is open (the scan does see
	 * what is there in clear: the schema). */
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	assert_true(file_has(dbpath, "CREATE TABLE events", 19) ||
	    file_has(wal, "CREATE TABLE events", 19));
	assert_false(file_has(wal, room_a, sizeof(room_a)));
	assert_false(file_has(wal, "event 3.", 8));
	assert_false(file_has(wal, "seat one", 8));
	/* Not committed: lost at close. */
	assert_int_equal(roomlog_begin(l, 1000), 0);
	append_n(r, 9, 9, 64);
	assert_int_equal(roomlog_put_next_id(l, 99), 0);
	roomlog_close(l);

	/* Nothing in clear: not the room id, not a message, not a seat. */
	assert_false(file_has(dbpath, room_a, sizeof(room_a)));
	assert_false(file_has(wal, room_a, sizeof(room_a)));
	assert_false(file_has(dbpath, "event 3.", 8));
	assert_false(file_has(wal, "event 3.", 8));
	assert_false(file_has(dbpath, "seat one", 8));
	assert_false(file_has(wal, "seat one", 8));

	/* Another secret can't open it. */
	assert_int_equal(roomlog_open(&l, dbpath, other_secret, &big),
	    ERR_AUTH);
	assert_null(l);

	assert_int_equal(roomlog_open(&l, dbpath, secret, &lim), 0);
	assert_int_equal(roomlog_next_id(l), 42);
	assert_int_equal(roomlog_rooms(l), 1);
	memset(&ld, 0, sizeof(ld));
	assert_int_equal(roomlog_load(l, &load_ops, &ld), 0);
	assert_int_equal(ld.rooms, 1);
	assert_memory_equal(ld.id, room_a, sizeof(room_a));
	assert_int_equal(ld.seats, 2);
	assert_int_equal(ld.seat_ids[0], 1);
	assert_string_equal(ld.recs[0], "seat one");
	assert_int_equal(ld.seat_ids[1], 2);
	assert_string_equal(ld.recs[1], "SEAT TWO");
	r = ld.r;
	assert_int_equal(roomlog_first(r), 1);
	assert_int_equal(roomlog_last(r), 8);
	assert_int_equal(roomlog_room_events(r), 8);
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), 8);
	assert_int_equal(g->bad, 0);
	/* The same handle comes back for the same id. */
	assert_int_equal(roomlog_room_get(l, room_a, &rb), 0);
	assert_ptr_equal(rb, r);
	/* Trim everything (3 kept, then by age all): the last seq stays. */
	assert_int_equal(roomlog_begin(l, 1000 + 2000000), 0);
	assert_int_equal(roomlog_trim(l, 1000 + 2000000), 8);
	assert_int_equal(roomlog_commit(l), 0);
	roomlog_close(l);
	assert_int_equal(roomlog_open(&l, dbpath, secret, &lim), 0);
	memset(&ld, 0, sizeof(ld));
	assert_int_equal(roomlog_load(l, &load_ops, &ld), 0);
	assert_int_equal(ld.rooms, 1);
	assert_int_equal(roomlog_last(ld.r), 8);
	assert_int_equal(roomlog_first(ld.r), 9);
	assert_int_equal(roomlog_room_events(ld.r), 0);
	/* Dropped and reopened: gone. */
	assert_int_equal(roomlog_begin(l, 1), 0);
	assert_int_equal(roomlog_room_drop(ld.r), 0);
	assert_int_equal(roomlog_commit(l), 0);
	roomlog_close(l);
	assert_int_equal(roomlog_open(&l, dbpath, secret, &lim), 0);
	assert_int_equal(roomlog_rooms(l), 0);
	roomlog_close(l);
	free(g);
}

/* A row changed on disk does not open. */
static void
test_tampered(void **state)
{
	struct roomlog *l;
	struct roomlog_room *r;
	struct got *g = calloc(1, sizeof(*g));
	sqlite3 *db;

	(void)state;
	assert_non_null(g);
	assert_int_equal(roomlog_open(&l, dbpath, secret, &big), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_begin(l, 1), 0);
	append_n(r, 1, 3, 16);
	assert_int_equal(roomlog_commit(l), 0);
	roomlog_close(l);
	/* Swap two rows' bodies: each is sealed to its own seq. */
	assert_int_equal(sqlite3_open(dbpath, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE events SET body = "
	    "(SELECT body FROM events WHERE seq = 1) WHERE seq = 2", NULL,
	    NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(roomlog_open(&l, dbpath, secret, &big), 0);
	assert_int_equal(roomlog_room_get(l, room_a, &r), 0);
	assert_int_equal(roomlog_read(r, 0, 100, collect, g), ERR_RECORD);
	assert_int_equal(g->n, 1);
	roomlog_close(l);
	free(g);
}

/*
 * The child appends for ever, 4 events per transaction, each 3000 bytes
 * (so that a transaction spans pages), and reports each commit's last
 * seq down a pipe.  It is killed in the middle; the store must hold a
 * whole number of transactions, at least up to the last reported.
 */
#define CRASH_PER_TXN	4
#define CRASH_LEN	3000

static void
crash_child(int wfd)
{
	struct roomlog *l;
	struct roomlog_room *r;
	uint64_t seq = 0, i;

	if (roomlog_open(&l, dbpath, secret, &big) != 0 ||
	    roomlog_room_get(l, room_a, &r) != 0)
		_exit(2);
	for (;;) {
		if (roomlog_begin(l, 1) != 0)
			_exit(3);
		for (i = 0; i < CRASH_PER_TXN; i++) {
			uint8_t msg[CRASH_LEN];

			seq++;
			make_msg(msg, sizeof(msg), seq);
			if (roomlog_append(r, seq, 0, msg, sizeof(msg)) != 0)
				_exit(4);
		}
		if (roomlog_commit(l) != 0)
			_exit(5);
		if (write(wfd, &seq, sizeof(seq)) != (ssize_t)sizeof(seq))
			_exit(6);
	}
}

static void
test_crash_mid_write(void **state)
{
	struct roomlog *l;
	struct roomlog_room *r;
	struct loaded ld;
	struct got *g = calloc(1, sizeof(*g));
	uint64_t reported = 0, v, i, total = 0;
	int fds[2], status, round;
	pid_t pid;
	ssize_t n;

	(void)state;
	assert_non_null(g);
	/* Three kills, each after a different number of commits. */
	for (round = 0; round < 3; round++) {
		if (round > 0) {
			/* Each round starts a fresh store. */
			teardown(NULL);
			assert_int_equal(setup(NULL), 0);
		}
		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(fds[1]);
		}
		close(fds[1]);
		/* Bounded: the child reports at least a few commits (each
		 * read blocks until one is done), then dies mid-flight. */
		for (i = 0; i < (uint64_t)(20 + 37 * round); i++) {
			n = read(fds[0], &v, sizeof(v));
			if (n != (ssize_t)sizeof(v))
				break;
			reported = v;
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status));
		/* Commits reported before the kill. */
		while ((n = read(fds[0], &v, sizeof(v))) == (ssize_t)sizeof(v))
			reported = v;
		close(fds[0]);
		assert_true(reported >= CRASH_PER_TXN);

		assert_int_equal(roomlog_open(&l, dbpath, secret, &big), 0);
		memset(&ld, 0, sizeof(ld));
		assert_int_equal(roomlog_load(l, &load_ops, &ld), 0);
		assert_int_equal(ld.rooms, 1);
		r = ld.r;
		/* Every reported commit is there, and only whole ones. */
		assert_true(roomlog_last(r) >= reported);
		assert_int_equal(roomlog_last(r) % CRASH_PER_TXN, 0);
		assert_int_equal(roomlog_first(r), 1);
		assert_int_equal(roomlog_room_events(r), roomlog_last(r));
		total = 0;
		for (;;) {
			g->n = 0;
			n = roomlog_read(r, total, 4096, collect, g);
			assert_true(n >= 0);
			if (n == 0)
				break;
			for (i = 0; i < g->n; i++) {
				assert_int_equal(g->seq[i], total + i + 1);
				assert_int_equal(g->len[i], CRASH_LEN);
			}
			total += g->n;
		}
		assert_int_equal(g->bad, 0);
		assert_int_equal(total, roomlog_last(r));
		/* And it takes more. */
		assert_int_equal(roomlog_begin(l, 2), 0);
		append_n(r, total + 1, total + 1, 10);
		assert_int_equal(roomlog_commit(l), 0);
		roomlog_close(l);
	}
	free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_read),
		cmocka_unit_test(test_trim_count),
		cmocka_unit_test(test_trim_bytes),
		cmocka_unit_test(test_trim_age),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_mid_write, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
