/*
 * roomlog.c: the relay's room store on SQLite (see roomlog.h): WAL mode
 * with synchronous=NORMAL (a process killed at any point loses nothing
 * committed; a power cut may lose the last commits), prepared statements
 * only, one transaction per turn of the relay's loop.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "err.h"
#include "logbatch.h"
#include "roomlog.h"

#define RKEY_BYTES	16
#define NONCE_BYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES	crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SCHEMA_VERSION	1
#define MIN_BUCKETS	64
/* SQLite's page cache for the file-backed log, in KiB (negative: a size,
 * not pages): a fixed 512 KiB rather than the default 2,000 KiB, which a
 * relay of 10,000 members filled at 200 bytes a member.  Reads past it go
 * to the operating system's page cache. */
#define ROOMLOG_CACHE_PRAGMA	"-512"
/* An event's sealed plaintext: u32 to || message. */
#define PLAIN_MAX	(4 + ROOMLOG_MAX_EVENT)
#define SEALED_MAX	(NONCE_BYTES + PLAIN_MAX + TAG_BYTES)

static const char KDF_CTX[crypto_kdf_CONTEXTBYTES] = "sottolog";
static const char CHECK_LABEL[] = "sotto relay log check v1";

struct roomlog_room {
	struct roomlog			*log;
	TAILQ_ENTRY(roomlog_room)	 all;
	struct roomlog_room		*next;	/* hash chain */
	uint8_t				 rkey[RKEY_BYTES];
	uint8_t				 id[ROOMLOG_ROOM_ID_BYTES];
	uint64_t			 first;	/* lowest seq held */
	uint64_t			 last;	/* highest seq ever */
	uint64_t			 count;
	uint64_t			 bytes;
	int				 stored;	/* its rooms row exists */
};

enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_EV_INSERT, S_EV_READ, S_EV_DEL_UPTO, S_EV_SIZES, S_EV_AGE_CUT,
	S_EV_FIRST_T, S_EV_STATS, S_EV_DEL_ROOM,
	S_ROOM_INSERT, S_ROOM_SET_LAST, S_ROOM_DEL, S_ROOM_ALL,
	S_SEAT_PUT, S_SEAT_DEL, S_SEAT_DEL_ROOM, S_SEAT_ROOM,
	S_META_PUT,
	S_COUNT
};

static const char *const SQL[S_COUNT] = {
	[S_BEGIN] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_EV_INSERT] = "INSERT INTO events(rkey, seq, t, size, body) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_EV_READ] = "SELECT seq, body FROM events WHERE rkey = ?1 AND "
	    "seq > ?2 ORDER BY seq LIMIT ?3",
	[S_EV_DEL_UPTO] = "DELETE FROM events WHERE rkey = ?1 AND seq <= ?2",
	[S_EV_SIZES] = "SELECT seq, size FROM events WHERE rkey = ?1 "
	    "ORDER BY seq",
	[S_EV_AGE_CUT] = "SELECT max(seq) FROM events WHERE rkey = ?1 AND "
	    "t < ?2",
	[S_EV_FIRST_T] = "SELECT t FROM events WHERE rkey = ?1 ORDER BY seq "
	    "LIMIT 1",
	[S_EV_STATS] = "SELECT count(*), coalesce(sum(size), 0), "
	    "coalesce(min(seq), 0), coalesce(max(seq), 0) FROM events "
	    "WHERE rkey = ?1",
	[S_EV_DEL_ROOM] = "DELETE FROM events WHERE rkey = ?1",
	[S_ROOM_INSERT] = "INSERT OR IGNORE INTO rooms(rkey, last, body) "
	    "VALUES (?1, ?2, ?3)",
	[S_ROOM_SET_LAST] = "UPDATE rooms SET last = ?2 WHERE rkey = ?1",
	[S_ROOM_DEL] = "DELETE FROM rooms WHERE rkey = ?1",
	[S_ROOM_ALL] = "SELECT rkey, last, body FROM rooms",
	[S_SEAT_PUT] = "INSERT OR REPLACE INTO seats(rkey, id, body) "
	    "VALUES (?1, ?2, ?3)",
	[S_SEAT_DEL] = "DELETE FROM seats WHERE rkey = ?1 AND id = ?2",
	[S_SEAT_DEL_ROOM] = "DELETE FROM seats WHERE rkey = ?1",
	[S_SEAT_ROOM] = "SELECT id, body FROM seats WHERE rkey = ?1 "
	    "ORDER BY id",
	[S_META_PUT] = "INSERT OR REPLACE INTO meta(k, v) VALUES (?1, ?2)",
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS rooms(rkey BLOB PRIMARY KEY, "
    "  last INTEGER NOT NULL, body BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS events(rkey BLOB NOT NULL, "
    "  seq INTEGER NOT NULL, t INTEGER NOT NULL, size INTEGER NOT NULL, "
    "  body BLOB NOT NULL, PRIMARY KEY(rkey, seq)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS seats(rkey BLOB NOT NULL, "
    "  id INTEGER NOT NULL, body BLOB NOT NULL, "
    "  PRIMARY KEY(rkey, id)) WITHOUT ROWID;";

struct roomlog {
	sqlite3				*db;
	sqlite3_stmt			*st[S_COUNT];
	struct roomlog_limits		 lim;
	uint8_t				*hkey;	/* sodium_malloc'd: row hashes */
	uint8_t				*skey;	/* sodium_malloc'd: sealing */
	uint8_t				 nonce_prefix[NONCE_BYTES - 8];
	uint64_t			 nonce_ctr;
	TAILQ_HEAD(, roomlog_room)	 rooms;
	struct roomlog_room		**tab;
	size_t				 nbuckets;	/* a power of two */
	size_t				 nrooms;
	uint64_t			 next_id;
	uint64_t			 now;
	int				 in_txn;
	struct roomlog_mirror		 mirror;	/* write NULL: none */
	int				 mirror_paused;
	uint8_t				*io;	/* SEALED_MAX: seal/open space */
	uint8_t				*plain;	/* PLAIN_MAX */
};

/* --- small helpers ------------------------------------------------------ */

static void
be32(uint8_t *q, uint32_t v)
{
	q[0] = (uint8_t)(v >> 24);
	q[1] = (uint8_t)(v >> 16);
	q[2] = (uint8_t)(v >> 8);
	q[3] = (uint8_t)v;
}

static void
be64(uint8_t *q, uint64_t v)
{
	be32(q, (uint32_t)(v >> 32));
	be32(q + 4, (uint32_t)v);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* A statement ready for new bindings. */
static sqlite3_stmt *
stmt(struct roomlog *l, enum stmt s)
{
	sqlite3_reset(l->st[s]);
	sqlite3_clear_bindings(l->st[s]);
	return l->st[s];
}

/* Runs a statement that returns no rows: 0 or ERR_IO. */
static int
run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : ERR_IO;
}

/* AD for a row: rkey || 8 bytes (a seq or an id) || kind. */
static void
make_ad(uint8_t ad[RKEY_BYTES + 9], const uint8_t rkey[RKEY_BYTES],
    uint64_t n, uint8_t kind)
{
	memcpy(ad, rkey, RKEY_BYTES);
	be64(ad + RKEY_BYTES, n);
	ad[RKEY_BYTES + 8] = kind;
}

/* Seals p[0..len) into l->io as nonce || ciphertext; its length. */
static size_t
seal(struct roomlog *l, const uint8_t *ad, size_t adlen, const uint8_t *p,
    size_t len)
{
	unsigned long long clen;

	memcpy(l->io, l->nonce_prefix, sizeof(l->nonce_prefix));
	be64(l->io + sizeof(l->nonce_prefix), l->nonce_ctr++);
	crypto_aead_xchacha20poly1305_ietf_encrypt(l->io + NONCE_BYTES,
	    &clen, p, len, ad, adlen, NULL, l->io, l->skey);
	return NONCE_BYTES + (size_t)clen;
}

/* Opens a sealed body into l->plain: 0 with *len set, or ERR_RECORD. */
static int
unseal(struct roomlog *l, const uint8_t *ad, size_t adlen, const void *body,
    int blen, size_t *len)
{
	unsigned long long mlen;

	if (body == NULL || blen < (int)(NONCE_BYTES + TAG_BYTES) ||
	    (size_t)blen > SEALED_MAX)
		return ERR_RECORD;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(l->plain, &mlen, NULL,
	    (const uint8_t *)body + NONCE_BYTES, (size_t)blen - NONCE_BYTES,
	    ad, adlen, body, l->skey) != 0)
		return ERR_RECORD;
	*len = (size_t)mlen;
	return 0;
}

/* --- the room handles ----------------------------------------------------- */

static size_t
bucket(const uint8_t rkey[RKEY_BYTES], size_t nbuckets)
{
	uint64_t v = 0;
	int i;

	/* rkey is a keyed hash already: its bytes are the bucket. */
	for (i = 0; i < 8; i++)
		v = (v << 8) | rkey[i];
	return (size_t)(v & (nbuckets - 1));
}

static struct roomlog_room *
room_find(const struct roomlog *l, const uint8_t rkey[RKEY_BYTES])
{
	struct roomlog_room *r;

	for (r = l->tab[bucket(rkey, l->nbuckets)]; r != NULL; r = r->next)
		if (memcmp(r->rkey, rkey, RKEY_BYTES) == 0)
			return r;
	return NULL;
}

static void
table_grow(struct roomlog *l)
{
	struct roomlog_room **tab, *r;
	size_t n = l->nbuckets * 2, b;

	if (n > SIZE_MAX / sizeof(*tab) || (tab = calloc(n, sizeof(*tab))) ==
	    NULL)
		return;
	TAILQ_FOREACH(r, &l->rooms, all) {
		b = bucket(r->rkey, n);
		r->next = tab[b];
		tab[b] = r;
	}
	free(l->tab);
	l->tab = tab;
	l->nbuckets = n;
}

static struct roomlog_room *
room_add(struct roomlog *l, const uint8_t rkey[RKEY_BYTES],
    const uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	struct roomlog_room *r;
	size_t b;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->log = l;
	memcpy(r->rkey, rkey, RKEY_BYTES);
	memcpy(r->id, id, ROOMLOG_ROOM_ID_BYTES);
	r->first = 1;
	if (l->nrooms >= l->nbuckets)
		table_grow(l);
	b = bucket(rkey, l->nbuckets);
	r->next = l->tab[b];
	l->tab[b] = r;
	TAILQ_INSERT_TAIL(&l->rooms, r, all);
	l->nrooms++;
	return r;
}

static void
room_free(struct roomlog_room *r)
{
	struct roomlog *l = r->log;
	struct roomlog_room **pp;

	for (pp = &l->tab[bucket(r->rkey, l->nbuckets)]; *pp != NULL;
	    pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	TAILQ_REMOVE(&l->rooms, r, all);
	l->nrooms--;
	sodium_memzero(r->id, sizeof(r->id));
	free(r);
}

/* Reads the room's counts back from the store (after a trim or a failed
 * commit). */
static int
room_stats(struct roomlog_room *r)
{
	sqlite3_stmt *st = stmt(r->log, S_EV_STATS);
	uint64_t last;
	int rc;

	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ERR_IO;
	}
	r->count = (uint64_t)sqlite3_column_int64(st, 0);
	r->bytes = (uint64_t)sqlite3_column_int64(st, 1);
	last = (uint64_t)sqlite3_column_int64(st, 3);
	if (last > r->last)
		r->last = last;
	r->first = r->count > 0 ? (uint64_t)sqlite3_column_int64(st, 2) :
	    r->last + 1;
	sqlite3_reset(st);
	return 0;
}

/* The room's rows exist from its first write on. */
static int
room_store(struct roomlog_room *r)
{
	struct roomlog *l = r->log;
	uint8_t ad[RKEY_BYTES + 9];
	sqlite3_stmt *st;
	size_t n;
	int rc;

	if (r->stored)
		return 0;
	make_ad(ad, r->rkey, 0, 'r');
	n = seal(l, ad, sizeof(ad), r->id, sizeof(r->id));
	st = stmt(l, S_ROOM_INSERT);
	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->last);
	sqlite3_bind_blob(st, 3, l->io, (int)n, SQLITE_STATIC);
	if ((rc = run(st)) == 0)
		r->stored = 1;
	return rc;
}

/* --- opening and closing ------------------------------------------------- */

static int
exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 :
	    ERR_IO;
}

/* Checks or records that the store is ours and under this secret. */
static int
check_store(struct roomlog *l)
{
	uint8_t check[32];
	sqlite3_stmt *st = NULL;
	const void *v;
	int rc, r = ERR_IO;

	crypto_generichash(check, sizeof(check), (const uint8_t *)CHECK_LABEL,
	    sizeof(CHECK_LABEL) - 1, l->skey, crypto_kdf_KEYBYTES);
	if (sqlite3_prepare_v2(l->db, "SELECT v FROM meta WHERE k = ?1", -1,
	    &st, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, "check", -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = sqlite3_column_blob(st, 0);
		if (v == NULL || sqlite3_column_bytes(st, 0) !=
		    (int)sizeof(check)) {
			r = ERR_FORMAT;
			goto out;
		}
		r = sodium_memcmp(v, check, sizeof(check)) == 0 ? 0 : ERR_AUTH;
		goto out;
	}
	if (rc != SQLITE_DONE)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	/* A new store. */
	if (sqlite3_prepare_v2(l->db, SQL[S_META_PUT], -1, &st, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, "check", -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, check, sizeof(check), SQLITE_STATIC);
	if (run(st) != 0)
		goto out;
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, "version", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, SCHEMA_VERSION);
	r = run(st);
 out:
	sqlite3_finalize(st);
	return r;
}

/* The version and the next member id. */
static int
read_meta(struct roomlog *l)
{
	sqlite3_stmt *st = NULL;
	int rc, r = ERR_IO;

	if (sqlite3_prepare_v2(l->db, "SELECT k, v FROM meta", -1, &st,
	    NULL) != SQLITE_OK)
		return ERR_IO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);

		if (k == NULL)
			continue;
		if (strcmp(k, "version") == 0 &&
		    sqlite3_column_int64(st, 1) != SCHEMA_VERSION) {
			r = ERR_FORMAT;
			goto out;
		}
		if (strcmp(k, "next_id") == 0)
			l->next_id = (uint64_t)sqlite3_column_int64(st, 1);
	}
	r = rc == SQLITE_DONE ? 0 : ERR_IO;
 out:
	sqlite3_finalize(st);
	return r;
}

/* Makes a handle for every stored room. */
static int
load_rooms(struct roomlog *l)
{
	sqlite3_stmt *st = l->st[S_ROOM_ALL];
	struct roomlog_room *r;
	uint8_t ad[RKEY_BYTES + 9];
	size_t n;
	int rc, e;

	sqlite3_reset(st);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *rkey = sqlite3_column_blob(st, 0);

		if (rkey == NULL || sqlite3_column_bytes(st, 0) != RKEY_BYTES)
			goto bad;
		make_ad(ad, rkey, 0, 'r');
		if ((e = unseal(l, ad, sizeof(ad), sqlite3_column_blob(st, 2),
		    sqlite3_column_bytes(st, 2), &n)) != 0 ||
		    n != ROOMLOG_ROOM_ID_BYTES)
			goto bad;
		if (room_find(l, rkey) != NULL)
			continue;
		if ((r = room_add(l, rkey, l->plain)) == NULL) {
			sqlite3_reset(st);
			return ERR_ALLOC;
		}
		r->stored = 1;
		r->last = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return ERR_IO;
	TAILQ_FOREACH(r, &l->rooms, all)
		if ((e = room_stats(r)) != 0)
			return e;
	return 0;
 bad:
	sqlite3_reset(st);
	return ERR_RECORD;
}

int
roomlog_open(struct roomlog **lp, const char *path,
    const uint8_t secret[ROOMLOG_SECRET_BYTES],
    const struct roomlog_limits *lim)
{
	struct roomlog *l;
	int i, fd, r = ERR_ALLOC;

	*lp = NULL;
	if (sodium_init() < 0)
		return ERR_CRYPTO;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ERR_ALLOC;
	TAILQ_INIT(&l->rooms);
	l->lim = *lim;
	if ((l->hkey = sodium_malloc(crypto_kdf_KEYBYTES)) == NULL ||
	    (l->skey = sodium_malloc(crypto_kdf_KEYBYTES)) == NULL ||
	    (l->io = malloc(SEALED_MAX)) == NULL ||
	    (l->plain = malloc(PLAIN_MAX)) == NULL ||
	    (l->tab = calloc(MIN_BUCKETS, sizeof(*l->tab))) == NULL)
		goto out;
	l->nbuckets = MIN_BUCKETS;
	crypto_kdf_derive_from_key(l->hkey, crypto_kdf_KEYBYTES, 1, KDF_CTX,
	    secret);
	crypto_kdf_derive_from_key(l->skey, crypto_kdf_KEYBYTES, 2, KDF_CTX,
	    secret);
	randombytes_buf(l->nonce_prefix, sizeof(l->nonce_prefix));

	r = ERR_IO;
	if (path != NULL) {
		/* Ours from the start: 0600 (SQLite gives its -wal and -shm
		 * files the database file's mode). */
		if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600)) < 0)
			goto out;
		close(fd);
	}
	if (sqlite3_open_v2(path != NULL ? path : ":memory:", &l->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto out;
	if (exec(l->db, path != NULL ? "PRAGMA journal_mode=WAL" :
	    "PRAGMA journal_mode=MEMORY") != 0 ||
	    exec(l->db, "PRAGMA synchronous=NORMAL") != 0 ||
	    exec(l->db, "PRAGMA temp_store=MEMORY") != 0 ||
	    (path != NULL && exec(l->db, "PRAGMA cache_size="
	    ROOMLOG_CACHE_PRAGMA) != 0) ||
	    exec(l->db, SCHEMA) != 0)
		goto out;
	if ((r = check_store(l)) != 0 || (r = read_meta(l)) != 0)
		goto out;
	r = ERR_IO;
	for (i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(l->db, SQL[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &l->st[i], NULL) != SQLITE_OK)
			goto out;
	if ((r = load_rooms(l)) != 0)
		goto out;
	*lp = l;
	l = NULL;
	r = 0;
 out:
	roomlog_close(l);
	return r;
}

void
roomlog_close(struct roomlog *l)
{
	struct roomlog_room *r;
	int i;

	if (l == NULL)
		return;
	if (l->in_txn)
		(void)run(stmt(l, S_ROLLBACK));
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(l->st[i]);
	if (l->db != NULL)
		sqlite3_close(l->db);
	while ((r = TAILQ_FIRST(&l->rooms)) != NULL)
		room_free(r);
	free(l->tab);
	sodium_free(l->hkey);
	sodium_free(l->skey);
	free(l->io);
	free(l->plain);
	free(l);
}

/* --- transactions ------------------------------------------------------------ */

int
roomlog_begin(struct roomlog *l, uint64_t now)
{
	if (l->in_txn)
		return 0;
	if (run(stmt(l, S_BEGIN)) != 0)
		return ERR_IO;
	l->in_txn = 1;
	l->now = now;
	return 0;
}

int
roomlog_in_transaction(const struct roomlog *l)
{
	return l->in_txn;
}

/* --- the mirror ---------------------------------------------------------- */

void
roomlog_set_mirror(struct roomlog *l, const struct roomlog_mirror *m)
{
	if (m == NULL)
		memset(&l->mirror, 0, sizeof(l->mirror));
	else
		l->mirror = *m;
}

void
roomlog_mirror_pause(struct roomlog *l, int paused)
{
	l->mirror_paused = paused;
}

static void
mirror(struct roomlog_room *r, uint8_t kind, uint64_t seq, uint32_t n,
    const uint8_t *p, size_t len)
{
	struct roomlog *l = r->log;
	struct logbatch_rec rec;

	if (l->mirror.write == NULL || l->mirror_paused)
		return;
	memset(&rec, 0, sizeof(rec));
	rec.kind = kind;
	rec.seq = seq;
	if (kind == LOGBATCH_EVENT)
		rec.to = n;
	else
		rec.id = n;
	rec.p = p;
	rec.len = len;
	l->mirror.write(l->mirror.arg, r->id, &rec);
}

int
roomlog_commit(struct roomlog *l)
{
	struct roomlog_room *r;
	int me = 0;

	if (!l->in_txn)
		return 0;
	l->in_txn = 0;
	if (l->mirror.commit != NULL)
		me = l->mirror.commit(l->mirror.arg);
	if (run(stmt(l, S_COMMIT)) == 0)
		return me != 0 ? ERR_IO : 0;
	/* Nothing of this transaction is kept: bring the counts back in
	 * line with the store. */
	(void)run(stmt(l, S_ROLLBACK));
	TAILQ_FOREACH(r, &l->rooms, all) {
		r->stored = 0;
		(void)room_stats(r);
	}
	return ERR_IO;
}

/* --- rooms -------------------------------------------------------------------- */

int
roomlog_room_get(struct roomlog *l,
    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES], struct roomlog_room **rp)
{
	uint8_t rkey[RKEY_BYTES];
	struct roomlog_room *r;

	crypto_generichash(rkey, sizeof(rkey), room_id, ROOMLOG_ROOM_ID_BYTES,
	    l->hkey, crypto_kdf_KEYBYTES);
	if ((r = room_find(l, rkey)) == NULL &&
	    (r = room_add(l, rkey, room_id)) == NULL) {
		*rp = NULL;
		return ERR_ALLOC;
	}
	*rp = r;
	return 0;
}

int
roomlog_room_drop(struct roomlog_room *r)
{
	struct roomlog *l = r->log;
	sqlite3_stmt *st;
	int e = 0;
	enum stmt s[] = { S_EV_DEL_ROOM, S_SEAT_DEL_ROOM, S_ROOM_DEL };
	size_t i;

	if (!l->in_txn)
		e = ERR_INTERNAL;
	else if (r->stored)
		mirror(r, LOGBATCH_DROP, 0, 0, NULL, 0);
	for (i = 0; e == 0 && r->stored && i < sizeof(s) / sizeof(s[0]);
	    i++) {
		st = stmt(l, s[i]);
		sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
		e = run(st);
	}
	room_free(r);
	return e;
}

uint64_t
roomlog_first(const struct roomlog_room *r)
{
	return r->first;
}

uint64_t
roomlog_last(const struct roomlog_room *r)
{
	return r->last;
}

uint64_t
roomlog_room_events(const struct roomlog_room *r)
{
	return r->count;
}

uint64_t
roomlog_room_bytes(const struct roomlog_room *r)
{
	return r->bytes;
}

size_t
roomlog_rooms(const struct roomlog *l)
{
	return l->nrooms;
}

/* --- events -------------------------------------------------------------------- */

int
roomlog_append(struct roomlog_room *r, uint64_t seq, uint32_t to,
    const uint8_t *msg, size_t len)
{
	struct roomlog *l = r->log;
	uint8_t ad[RKEY_BYTES + 9];
	sqlite3_stmt *st;
	size_t n;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	if (seq <= r->last || seq > (uint64_t)INT64_MAX || len == 0 ||
	    len > ROOMLOG_MAX_EVENT || msg == NULL)
		return ERR_INVALID_ARG;
	if ((e = room_store(r)) != 0)
		return e;
	/* The plaintext, u32 to || msg, is built in l->plain. */
	be32(l->plain, to);
	memcpy(l->plain + 4, msg, len);
	make_ad(ad, r->rkey, seq, 'e');
	n = seal(l, ad, sizeof(ad), l->plain, 4 + len);
	st = stmt(l, S_EV_INSERT);
	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)l->now);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)len);
	sqlite3_bind_blob(st, 5, l->io, (int)n, SQLITE_STATIC);
	if ((e = run(st)) != 0)
		return e;
	if (r->count == 0)
		r->first = seq;
	r->last = seq;
	r->count++;
	r->bytes += len;
	mirror(r, LOGBATCH_EVENT, seq, to, msg, len);
	return 0;
}

int
roomlog_read(struct roomlog_room *r, uint64_t after, size_t max,
    roomlog_event_fn *fn, void *arg)
{
	struct roomlog *l = r->log;
	uint8_t ad[RKEY_BYTES + 9];
	sqlite3_stmt *st;
	uint64_t seq;
	size_t n;
	int rc, e, got = 0;

	if (max == 0 || after >= r->last)
		return 0;
	if (max > INT32_MAX)
		max = INT32_MAX;
	if (after > (uint64_t)INT64_MAX)
		return 0;
	st = stmt(l, S_EV_READ);
	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)after);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		seq = (uint64_t)sqlite3_column_int64(st, 0);
		make_ad(ad, r->rkey, seq, 'e');
		if ((e = unseal(l, ad, sizeof(ad), sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1), &n)) != 0 || n < 5) {
			sqlite3_reset(st);
			return ERR_RECORD;
		}
		got++;
		if ((e = fn(arg, seq, get32(l->plain), l->plain + 4,
		    n - 4)) != 0) {
			sqlite3_reset(st);
			return e;
		}
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? got : ERR_IO;
}

/* --- seats and the counter --------------------------------------------------- */

int
roomlog_seat_put(struct roomlog_room *r, uint32_t id, const uint8_t *rec,
    size_t len)
{
	struct roomlog *l = r->log;
	uint8_t ad[RKEY_BYTES + 9];
	sqlite3_stmt *st;
	size_t n;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	if (rec == NULL || len == 0 || len > ROOMLOG_MAX_SEAT)
		return ERR_INVALID_ARG;
	if ((e = room_store(r)) != 0)
		return e;
	make_ad(ad, r->rkey, id, 's');
	n = seal(l, ad, sizeof(ad), rec, len);
	st = stmt(l, S_SEAT_PUT);
	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_blob(st, 3, l->io, (int)n, SQLITE_STATIC);
	if ((e = run(st)) == 0)
		mirror(r, LOGBATCH_SEAT, 0, id, rec, len);
	return e;
}

int
roomlog_seat_del(struct roomlog_room *r, uint32_t id)
{
	struct roomlog *l = r->log;
	sqlite3_stmt *st;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	if (!r->stored)
		return 0;
	st = stmt(l, S_SEAT_DEL);
	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	if ((e = run(st)) == 0)
		mirror(r, LOGBATCH_UNSEAT, 0, id, NULL, 0);
	return e;
}

uint64_t
roomlog_next_id(const struct roomlog *l)
{
	return l->next_id;
}

int
roomlog_put_next_id(struct roomlog *l, uint64_t v)
{
	sqlite3_stmt *st;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	st = stmt(l, S_META_PUT);
	sqlite3_bind_text(st, 1, "next_id", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)v);
	if ((e = run(st)) == 0)
		l->next_id = v;
	return e;
}

/* --- loading ------------------------------------------------------------------- */

static int
load_seats(struct roomlog *l, struct roomlog_room *r,
    const struct roomlog_load_ops *ops, void *arg)
{
	sqlite3_stmt *st = stmt(l, S_SEAT_ROOM);
	uint8_t ad[RKEY_BYTES + 9];
	sqlite3_int64 id;
	size_t n;
	int rc, e = 0;

	sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		if (id <= 0 || id > UINT32_MAX) {
			e = ERR_RECORD;
			break;
		}
		make_ad(ad, r->rkey, (uint64_t)id, 's');
		if ((e = unseal(l, ad, sizeof(ad), sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1), &n)) != 0 ||
		    (e = ops->seat(arg, r, (uint32_t)id, l->plain, n)) != 0)
			break;
	}
	sqlite3_reset(st);
	if (e == 0 && rc != SQLITE_DONE)
		e = ERR_IO;
	return e;
}

int
roomlog_load(struct roomlog *l, const struct roomlog_load_ops *ops,
    void *arg)
{
	struct roomlog_room *r, *next;
	int e;

	/* A callback may drop the room it is given. */
	for (r = TAILQ_FIRST(&l->rooms); r != NULL; r = next) {
		next = TAILQ_NEXT(r, all);
		if ((e = ops->room(arg, r, r->id)) != 0 ||
		    (e = load_seats(l, r, ops, arg)) != 0)
			return e;
	}
	return 0;
}

int
roomlog_room_seats(struct roomlog_room *r, const struct roomlog_load_ops *ops,
    void *arg)
{
	return r->stored ? load_seats(r->log, r, ops, arg) : 0;
}

int
roomlog_clear(struct roomlog *l)
{
	struct roomlog_room *r;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	while ((r = TAILQ_FIRST(&l->rooms)) != NULL)
		if ((e = roomlog_room_drop(r)) != 0)
			return e;
	return 0;
}

/* --- trimming ------------------------------------------------------------------ */

/* The highest seq to drop from r for the limits, or 0 for none. */
static int
trim_cut(struct roomlog_room *r, uint64_t now, uint64_t *cut)
{
	struct roomlog *l = r->log;
	sqlite3_stmt *st;
	uint64_t c = 0, over, dropped;
	int rc;

	*cut = 0;
	if (r->count == 0)
		return 0;
	/* By age: only when the oldest event is old. */
	if (l->lim.max_age > 0 && now > l->lim.max_age) {
		st = stmt(l, S_EV_FIRST_T);
		sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && (uint64_t)sqlite3_column_int64(st, 0) <
		    now - l->lim.max_age) {
			sqlite3_reset(st);
			st = stmt(l, S_EV_AGE_CUT);
			sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES,
			    SQLITE_STATIC);
			sqlite3_bind_int64(st, 2,
			    (sqlite3_int64)(now - l->lim.max_age));
			rc = sqlite3_step(st);
			if (rc == SQLITE_ROW)
				c = (uint64_t)sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return ERR_IO;
	}
	/* By count. */
	if (r->count > l->lim.max_events && r->last - l->lim.max_events > c)
		c = r->last - l->lim.max_events;
	/* By bytes: the oldest, until what is left fits. */
	if (r->bytes > l->lim.max_bytes) {
		over = r->bytes - l->lim.max_bytes;
		dropped = 0;
		st = stmt(l, S_EV_SIZES);
		sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
		while (dropped < over && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			dropped += (uint64_t)sqlite3_column_int64(st, 1);
			if ((uint64_t)sqlite3_column_int64(st, 0) > c)
				c = (uint64_t)sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
		if (dropped < over && rc != SQLITE_DONE)
			return ERR_IO;
	}
	*cut = c;
	return 0;
}

long
roomlog_trim(struct roomlog *l, uint64_t now)
{
	struct roomlog_room *r;
	sqlite3_stmt *st;
	uint64_t cut, before;
	long total = 0;
	int e;

	if (!l->in_txn)
		return ERR_INTERNAL;
	TAILQ_FOREACH(r, &l->rooms, all) {
		if ((e = trim_cut(r, now, &cut)) != 0)
			return e;
		if (cut == 0 || cut < r->first)
			continue;
		before = r->count;
		st = stmt(l, S_EV_DEL_UPTO);
		sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)cut);
		if ((e = run(st)) != 0)
			return e;
		/* The room's last seq outlives its events. */
		st = stmt(l, S_ROOM_SET_LAST);
		sqlite3_bind_blob(st, 1, r->rkey, RKEY_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)r->last);
		if ((e = run(st)) != 0 || (e = room_stats(r)) != 0)
			return e;
		total += (long)(before - r->count);
	}
	return total;
}
