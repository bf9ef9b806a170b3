/*
 * jslog.h: a relay cluster's room logs on NATS JetStream
 * (docs/PROTOCOL.md section 15.11), the mirror of each node's roomlog
 * (roomlog_set_mirror), so that a room outlives its owner node: the node
 * that takes the room over fills its own log from JetStream
 * (jslog_fetch) and carries on from the last committed turn.
 *
 * One stream per cluster; one subject per room (its hash, as on the bus);
 * one message per room per committed turn: a logbatch (logbatch.h) sealed
 * as a bus message.  Each message is published with the JetStream header
 * that makes the server refuse it unless the subject's last message is
 * the one this node last wrote or read (Nats-Expected-Last-Subject-
 * Sequence), so that two nodes never both write one room's log: the one
 * refused has lost the room (jslog_next_fenced).
 *
 * Uses a NATS connection of its own, without the relay's event loop (the
 * client's own threads read it): jslog_commit and jslog_fetch wait for
 * JetStream's answers, bounded by JSLOG_WAIT_MS, and fail at once while
 * the connection is down.  All calls from the relay's loop thread.
 */
#ifndef SOTTO_RELAY_JSLOG_H
#define SOTTO_RELAY_JSLOG_H

#include <stddef.h>
#include <stdint.h>

struct roomlog;
struct roomlog_room;
struct jslog;

/* The longest jslog_commit or one step of jslog_fetch waits. */
#define JSLOG_WAIT_MS		2000
/* Bytes the stream's largest message allows beyond a sealed batch: the
 * fence and message id headers. */
#define JSLOG_HDR_ROOM		1024
/* The longest jslog_fetch takes in all. */
#define JSLOG_FETCH_MS		10000
/* Messages kept per room subject (the stream's MaxMsgsPerSubject); every
 * JSLOG_REFRESH messages the owner writes the room's seats again, so the
 * last JSLOG_ROOM_MSGS always hold every seat. */
#define JSLOG_ROOM_MSGS		4096
#define JSLOG_REFRESH		(JSLOG_ROOM_MSGS / 2)
/* The stream's bounds beyond that: age (seconds) and bytes. */
#define JSLOG_MAX_AGE		(7 * 24 * 3600)
#define JSLOG_MAX_BYTES		(1024ll * 1024 * 1024)
/* Copies of the stream on a NATS cluster (one if it is one server, or
 * has fewer than this). */
#define JSLOG_REPLICAS		3
/* Whole writes of a room JetStream refuses (not silences) before the
 * room is no longer written there. */
#define JSLOG_MAX_REFUSALS	5
/* Rooms whose log position a node keeps at once (owned rooms). */
#define JSLOG_MAX_ROOMS		4096


/*
 * Connects to the NATS servers urls (comma-separated, as --nats) for the
 * cluster whose relay key seed is given, mirroring log (used, not owned:
 * roomlog_set_mirror is called here, and again with NULL by jslog_free).
 * A server not there yet is retried in the background.  0, ERR_ALLOC,
 * ERR_IO; *jp NULL on failure.
 */
int	 jslog_new(struct jslog **jp, const char *urls, const uint8_t seed[32],
	    struct roomlog *log);
/* Stops the client's work for j (its connection, the setup thread):
 * before the NATS library is shut down (cluster_free); jslog_free after
 * it frees the rest (the client's threads may call into j until then).
 * NULL is a no-op; jslog_free closes too if need be. */
void	 jslog_close(struct jslog *j);
void	 jslog_free(struct jslog *j);

/*
 * Fills the local log's copy of room_id from JetStream (inside the log's
 * open transaction, which it opens if need be; whatever the local log
 * held for the room is dropped first), and *rp with its handle.  0 (the
 * room may be empty: nothing on JetStream), or ERR_IO / ERR_RECORD /
 * ERR_TIMEOUT: JetStream could not be read, and the room is empty and
 * not written to JetStream (its log there is left as it was).
 */
int	 jslog_fetch(struct jslog *j, const uint8_t room_id[16],
	    struct roomlog_room **rp);
/* After each roomlog_commit: 1 with room_id set for each room another
 * node wrote since this node last did (its write was refused: the room
 * is no longer this node's, which must stop serving it), then 0. */
int	 jslog_next_fenced(struct jslog *j, uint8_t room_id[16]);
/* 0 while the room's log on JetStream is behind its owner's (unsure,
 * §15.11): its members' lines are not acknowledged (ACCEPTED) until it
 * has caught up; else 1 (so also for a room not written to JetStream at
 * all, and for j NULL). */
int	 jslog_durable(struct jslog *j, const uint8_t room_id[16]);
/* After jslog_tick and each roomlog_commit: 1 with room_id set for each
 * room that caught up (its held ACCEPTEDs may go), then 0. */
int	 jslog_next_durable(struct jslog *j, uint8_t room_id[16]);
/* Each second: rooms whose last writes were not taken (JetStream did
 * not answer) are written again whole once it does. */
void	 jslog_tick(struct jslog *j);
/* The room is no longer this node's (it gave it up or lost it). */
void	 jslog_forget(struct jslog *j, const uint8_t room_id[16]);

#endif
