/*
 * roomlog.h: the relay's durable store for rooms: each room's log of
 * events (the relay -> member messages it produced, with their seq), the
 * seats of its members, and a few counters, so that a member whose link
 * was cut can be given what it missed and a restarted relay carries on.
 *
 * The store is SQLite in WAL mode (a file, or in memory for --no-log).
 * A relay cluster's node also gives every write to a mirror (jslog.h:
 * NATS JetStream), which roomlog_commit makes durable first, so that
 * another node can take a room over from it (roomlog_set_mirror).
 *
 * What reaches the disk: rows keyed by a keyed hash of the room id
 * (never the id), and every event body, seat record and room id sealed
 * with XChaCha20-Poly1305 (AD: the row's key and its seq or seat id),
 * under keys derived from the secret given to roomlog_open.
 *
 * Writes happen inside a transaction: roomlog_begin opens one (a no-op
 * if one is open), roomlog_commit makes everything since durable.  The
 * relay commits once per turn of its event loop, before anything that
 * turn produced is sent.
 */
#ifndef SOTTO_ROOMLOG_H
#define SOTTO_ROOMLOG_H

#include <stddef.h>
#include <stdint.h>

#define ROOMLOG_SECRET_BYTES	32
#define ROOMLOG_ROOM_ID_BYTES	16
/* The file in the state directory. */
#define ROOMLOG_FILE		"rooms.db"
/* Largest event message and seat record the log takes. */
#define ROOMLOG_MAX_EVENT	(64 * 1024)
#define ROOMLOG_MAX_SEAT	256

/* Per-room bounds, applied by roomlog_trim. */
struct roomlog_limits {
	uint64_t	 max_events;	/* the last this many events */
	uint64_t	 max_bytes;	/* of event messages */
	uint64_t	 max_age;	/* seconds */
};

#define ROOMLOG_DEFAULT_EVENTS	10000
#define ROOMLOG_DEFAULT_BYTES	(64ull * 1024 * 1024)
#define ROOMLOG_DEFAULT_AGE	(24 * 3600)

struct roomlog;
/* One room's handle, owned by the log; valid until roomlog_room_drop or
 * roomlog_close. */
struct roomlog_room;

/*
 * Opens (creating if needed) the store at path, or an in-memory one for
 * path NULL.  secret (ROOMLOG_SECRET_BYTES) keys the row hashes and the
 * sealing; a store written under another secret is refused (ERR_AUTH).
 * The file is created 0600; its directory must exist.  0, ERR_ALLOC,
 * ERR_IO (the database could not be opened or set up), ERR_FORMAT (not
 * a store of ours), ERR_AUTH; *lp NULL on failure.
 */
int	 roomlog_open(struct roomlog **lp, const char *path,
	    const uint8_t secret[ROOMLOG_SECRET_BYTES],
	    const struct roomlog_limits *lim);
/* Closes the store, rolling back an open transaction, and frees every
 * room handle.  NULL is a no-op. */
void	 roomlog_close(struct roomlog *l);

/* Starts a transaction unless one is open; 'now' (seconds, wall clock)
 * is the time of every event appended in it.  0 or ERR_IO. */
int	 roomlog_begin(struct roomlog *l, uint64_t now);
/* 1 while a transaction is open. */
int	 roomlog_in_transaction(const struct roomlog *l);
/* Commits the open transaction (a no-op without one): to the mirror
 * first, if there is one, then to the store.  0 or ERR_IO: the store
 * failed (everything since roomlog_begin is lost then) or the mirror did
 * (the store has it all, the mirror maybe not). */
int	 roomlog_commit(struct roomlog *l);

/*
 * A mirror: write() is given each append, seat put, seat removal and
 * room drop of a transaction (while not paused), as a logbatch record
 * (logbatch.h; views valid during the call), with the room's id; at
 * roomlog_commit, commit() makes them durable (0, or ERR_IO).  Trims and
 * the member id counter are not mirrored.  m is copied; NULL: none.
 */
struct logbatch_rec;
struct roomlog_mirror {
	void	(*write)(void *arg,
		    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES],
		    const struct logbatch_rec *rec);
	int	(*commit)(void *arg);
	void	*arg;
};
void	 roomlog_set_mirror(struct roomlog *l, const struct roomlog_mirror *m);
/* While paused (a room being filled from the mirror), writes are not
 * given to it. */
void	 roomlog_mirror_pause(struct roomlog *l, int paused);

/* The handle of room_id, made if the store has none yet (nothing is
 * written until its first append or seat).  0 or ERR_ALLOC. */
int	 roomlog_room_get(struct roomlog *l,
	    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES],
	    struct roomlog_room **rp);
/* Forgets the room: its events, seats and handle (inside the open
 * transaction).  0 or ERR_IO / ERR_INTERNAL (no transaction); the handle
 * is freed either way. */
int	 roomlog_room_drop(struct roomlog_room *r);

/*
 * Appends an event: seq (above every seq the room has had), 'to' (0, or
 * the one member id it is for), and the message msg[0..len), 1 to
 * ROOMLOG_MAX_EVENT bytes.  0, ERR_INVALID_ARG (seq not increasing, bad
 * length), ERR_INTERNAL (no transaction), ERR_IO.
 */
int	 roomlog_append(struct roomlog_room *r, uint64_t seq, uint32_t to,
	    const uint8_t *msg, size_t len);
/* The room's lowest seq still held (last + 1 when it holds none), and
 * the highest it ever had (0: none). */
uint64_t roomlog_first(const struct roomlog_room *r);
uint64_t roomlog_last(const struct roomlog_room *r);

/*
 * Calls fn for up to max events of the room with seq > after, in seq
 * order; msg is valid during the call only.  fn returns 0 to go on, or
 * anything else to stop (that value is returned).  Returns the number of
 * events given (>= 0), or ERR_IO, or ERR_RECORD for a row that does not
 * open (tampered).
 */
typedef int roomlog_event_fn(void *arg, uint64_t seq, uint32_t to,
	    const uint8_t *msg, size_t len);
int	 roomlog_read(struct roomlog_room *r, uint64_t after, size_t max,
	    roomlog_event_fn *fn, void *arg);

/* A seat record (the caller's bytes, 1..ROOMLOG_MAX_SEAT) for member id,
 * replacing any; and its removal.  0, ERR_INVALID_ARG, ERR_INTERNAL (no
 * transaction), ERR_IO. */
int	 roomlog_seat_put(struct roomlog_room *r, uint32_t id,
	    const uint8_t *rec, size_t len);
int	 roomlog_seat_del(struct roomlog_room *r, uint32_t id);

/* A counter kept with the store (the relay's next member id): 0 until
 * first put.  put: inside a transaction; 0, ERR_INTERNAL, ERR_IO. */
uint64_t roomlog_next_id(const struct roomlog *l);
int	 roomlog_put_next_id(struct roomlog *l, uint64_t v);

/*
 * Walks what the store holds, for a restart: room() once per room (with
 * its id and handle), then seat() for each of its seats.  A callback's
 * non-zero return stops the walk and is returned.  0, ERR_IO, ERR_RECORD.
 */
struct roomlog_load_ops {
	int	(*room)(void *arg, struct roomlog_room *r,
		    const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES]);
	int	(*seat)(void *arg, struct roomlog_room *r, uint32_t id,
		    const uint8_t *rec, size_t len);
};
int	 roomlog_load(struct roomlog *l, const struct roomlog_load_ops *ops,
	    void *arg);
/* seat() (ops->room is not called) for each seat of one room.  0,
 * ERR_IO, ERR_RECORD, or the callback's non-zero return. */
int	 roomlog_room_seats(struct roomlog_room *r,
	    const struct roomlog_load_ops *ops, void *arg);
/* Drops every room (inside the open transaction): a cluster node's
 * rooms live on its mirror, and its own copies may be stale after a
 * restart.  0, ERR_INTERNAL, ERR_IO. */
int	 roomlog_clear(struct roomlog *l);

/*
 * Applies the limits to every room (inside the open transaction): drops
 * its events older than max_age seconds before now, then its oldest
 * beyond max_events and beyond max_bytes.  Returns the number of events
 * dropped (>= 0) or ERR_INTERNAL (no transaction) / ERR_IO.
 */
long	 roomlog_trim(struct roomlog *l, uint64_t now);

/* Counts, for logs and tests. */
size_t	 roomlog_rooms(const struct roomlog *l);
uint64_t roomlog_room_events(const struct roomlog_room *r);
uint64_t roomlog_room_bytes(const struct roomlog_room *r);

#endif
