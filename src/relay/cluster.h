/*
 * cluster.h: relay nodes that serve the same rooms over a NATS bus
 * (`sotto relay --nats URL --node N`; docs/PROTOCOL.md section 15.10).
 *
 * Each room has one owner node, the one whose rroom hub holds it: the
 * room's ordering point (seq, cseq, names, member ids all come from its
 * hub, as on a single relay).  The first node that gets a JOIN or RESUME
 * for a room it does not know claims it on the room's subject; an owner
 * answers, and if none does within CLUSTER_CLAIM_MS the claimant owns it
 * (two claimants at once: the lower node number wins).  A link on
 * another node is forwarded: its relay messages go to the owner (IN),
 * where a stand-in member (rroom_member.remote) takes its seat, and what
 * the owner's hub sends that member comes back to the link's node (OUT).
 * Links of a room this node owns are handled by relay.c as ever.
 * A guarded room's door (its lobby) is served the same way on a subject
 * of its own: a VISIT claims it, but only the node whose room binds the
 * lobby id (cluster_lobby) owns it, never a claimant.
 *
 * NATS's C client runs on threads of its own (not the relay's loop:
 * the loop may wait up to JSLOG_WAIT_MS for JetStream in a turn); its
 * message callbacks, on its delivery threads, answer a CLAIM for a room
 * this node owns at once (OWNER) and queue every message for the loop,
 * in one queue (each subscription's messages stay in their order).
 */
#ifndef SOTTO_RELAY_CLUSTER_H
#define SOTTO_RELAY_CLUSTER_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct rroom_hub;
struct rroom_member;
struct cluster;
struct cluster_link;

/* How long a claim waits for an owner's answer. */
#define CLUSTER_CLAIM_MS	250
/* Bytes of bus messages queued for the loop at most, each counted with
 * 256 bytes more for what holds it: beyond, messages of more than
 * CLUSTER_CONTROL_MAX payload bytes (a link's traffic, whose loss its
 * lseq shows) are dropped, logged; smaller ones (CLAIM, OWNER, ALIVE,
 * GONE, syncs, an END), whose loss nothing would show, up to twice
 * that. */
#define CLUSTER_MAX_QUEUED	(64u * 1024 * 1024)
#define CLUSTER_CONTROL_MAX	64
/* Messages held for one pending room or link (beyond: dropped, logged). */
#define CLUSTER_MAX_HELD	256
/* Rooms known to a node at once (claimed, owned or forwarded to).  Each
 * claimed or owned room is a NATS subscription, and the NATS client
 * gives each subscription a delivery thread of its own (its shared
 * delivery pool leaked pending messages at close under AddressSanitizer
 * in our tests, so it is not used). */
#define CLUSTER_MAX_ROOMS	4096
/* Every node publishes ALIVE every CLUSTER_ALIVE_MS (its tick), and at
 * its start and each reconnection; any message a node sends counts as a
 * sign of life.  An owner cuts the
 * remote members of a node it has heard from and then not for
 * CLUSTER_SILENT_MS (their seats held, as after any cut), unless its own
 * NATS connection is down or came back less than that long ago. */
#define CLUSTER_ALIVE_MS	1000
#define CLUSTER_SILENT_MS	5000
/* For this long after a link's last IN (on its node) or OUT (at the
 * owner), each tick sends one of no content with the next lseq, so that
 * a loss of the link's last messages shows as a gap within a second. */
#define CLUSTER_SYNC_MS		5000
/* NATS server URLs a node is given at most (--nats, repeated or with
 * commas): tried in order at the start and at every reconnection. */
#define CLUSTER_MAX_URLS	16
/* The longest --nats list, in bytes. */
#define CLUSTER_URLS_LEN	1024
/* A write to a NATS server may wait this long (then the client drops
 * the connection and reconnects: publishes go to its reconnect buffer
 * meanwhile), so that a server that stops reading holds up the thread
 * that publishes, the relay's loop among them, no longer than a
 * JetStream answer may take (JSLOG_WAIT_MS). */
#define CLUSTER_NATS_WRITE_MS	2000
/* The NATS client's read and write buffers: a whole bus message (and its
 * protocol line) fits, so that publishing writes to the socket on the
 * publishing thread only when a message does not fit what is left of
 * the buffer (otherwise the client's flusher thread writes). */
#define CLUSTER_NATS_IOBUF	(512 * 1024)
struct __natsOptions;
/* *op: NATS client options for a connection of the relay's to the
 * comma-separated urls, named name: the servers (tried in order), no
 * limit on reconnections (every 500 ms), the write deadline and buffers
 * above.  0, or ERR_IO (logged: a bad list) / ERR_ALLOC; *op NULL then. */
int	 cluster_nats_options(struct __natsOptions **op, const char *urls,
	    const char *name);
/* Node numbers; member ids are node << 24 | 1 .. node << 24 | 0xffffff. */
#define CLUSTER_MAX_NODE	255

/* What the relay does for the cluster; 'link' is a relay.c link. */
struct cluster_ops {
	/* A message from the room's owner for the link. */
	void	(*deliver)(void *arg, void *link, const uint8_t *p, size_t len);
	/* The owner ended the link: close it (its close record), or drop it
	 * without a word if silent (another link took its seat). */
	void	(*close)(void *arg, void *link, int silent);
	/* This node owns the link's room after all: handle p as any local
	 * link's message. */
	void	(*input)(void *arg, void *link, const uint8_t *p, size_t len);
	/* Commit the room log (before ACCEPTED goes to remote members). */
	void	(*commit)(void *arg);
	/* The relay's clock (monotonic ms), for the holds of cut seats. */
	int64_t	(*now)(void *arg);
	/* This node owns the room from now (before any member's message
	 * in it): the relay loads what the cluster's log has of it.  May
	 * be NULL. */
	void	(*own)(void *arg, const uint8_t room_id[16]);
	/* This node no longer owns the room (its hub let go of it).  May be
	 * NULL. */
	void	(*release)(void *arg, const uint8_t room_id[16]);
	/* 0 while the room's lines are not to be acknowledged yet (its log
	 * is behind, jslog_durable).  May be NULL. */
	int	(*durable)(void *arg, const uint8_t room_id[16]);
};

/* Before the relay's event base is made (libevent's thread locks). */
void	 cluster_global_init(void);
/*
 * Joins the cluster on the NATS servers urls (comma-separated) as node
 * (1..255), with the keys derived from the relay's secret key seed; hub
 * and base are used, not owned; ops and arg are kept.  A NATS server not
 * there yet is retried in the background.  0, ERR_ALLOC or ERR_IO (the
 * client refused the URLs); *cp is NULL on failure.
 */
int	 cluster_new(struct cluster **cp, struct event_base *base,
	    const char *urls, unsigned node, const uint8_t seed[32],
	    struct rroom_hub *hub, const struct cluster_ops *ops, void *arg);
/* The relay is stopping: remote members are detached and their links
 * told (ERROR 6 and a close). */
void	 cluster_stop(struct cluster *cl);
/* After rroom_hub_free, before the event base goes.  NULL is a no-op.
 * 1 if the NATS library did not stop in 2 s (its threads may still
 * call into what it was given: the caller frees nothing of it), else 0. */
int	 cluster_free(struct cluster *cl);

/*
 * A link's message: returns 0 if the relay is to handle it itself, 1 if
 * the cluster took it (forwarded, or held until the room's owner is
 * known).  first: the link has not joined yet (or is a visitor at a
 * door of this node's, now sending its JOIN).  *clp is the link's
 * cluster state (NULL to start with; set and cleared by the cluster).
 */
int	 cluster_take(struct cluster *cl, struct cluster_link **clp,
	    void *link, const uint8_t *p, size_t len, int first);
/* A room of this node's hub has the lobby id (rroom_ops.lobby): this
 * node answers claims for that door, and visitors reaching other nodes
 * are forwarded here.  Once no room of the hub has it (checked each
 * second), no claim is answered for it; it is released when the
 * visitors that came through it are gone. */
void	 cluster_lobby(struct cluster *cl, const uint8_t lobby_id[16]);
/* Another node wrote the room's log (jslog.h): this node stops owning
 * it (after rroom_hub_abandon): no claim is answered for it from now. */
void	 cluster_room_lost(struct cluster *cl, const uint8_t room_id[16]);
/* The link with cluster state *clp ended (clean: the member's own
 * authenticated close); *clp is NULL after. */
void	 cluster_gone(struct cluster *cl, struct cluster_link **clp,
	    int clean);

/* rroom_ops for a member with m->remote set. */
void	 cluster_remote_send(struct cluster *cl, struct rroom_member *m,
	    const uint8_t *p, size_t len);
void	 cluster_remote_evict(struct cluster *cl, struct rroom_member *m);
/* m's ACCEPTED was held (ops.durable): it may go now. */
void	 cluster_remote_kick(struct cluster *cl, struct rroom_member *m);

#endif
