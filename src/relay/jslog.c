/*
 * jslog.c: a relay cluster's room logs on NATS JetStream (jslog.h;
 * docs/PROTOCOL.md section 15.11).
 *
 * Each room this node writes is in one of three states:
 *   NEW     not read from JetStream (jslog_fetch failed, or the room was
 *           made here without a claim): never written there, so as not
 *           to mix its history with what JetStream holds;
 *   OK      'last' is the stream sequence of the subject's last message,
 *           this node's own or the one it read: each turn's records go
 *           in one message that the server stores only if 'last' is still
 *           the subject's last (the fence);
 *   UNSURE  a write failed or got no answer, or a turn's records did not
 *           fit: the room is written again whole (a DROP, its seats, every
 *           event the local log holds) once JetStream answers, after
 *           telling from the subject's last message (its writer tag)
 *           whether it is this node's lost write, nothing new, or
 *           another node's (then the room is lost).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <nats/nats.h>
#include <sodium.h>

#include "buf.h"
#include "cluster.h"
#include "clustermsg.h"
#include "err.h"
#include "jslog.h"
#include "logbatch.h"
#include "mono.h"
#include "relaylog.h"
#include "roomlog.h"

#define ROOM_BUCKETS	256
#define EXPECT_HDR	"Nats-Expected-Last-Subject-Sequence"
#define MSGID_HDR	"Nats-Msg-Id"
#define RECORDS_MAX	(CLUSTERMSG_MAX - LOGBATCH_HEAD)
/* After JetStream failed to answer: no call to it for this long,
 * doubling up to the most (the loop does not wait on a dead server). */
#define QUIET_MIN_MS	1000
#define QUIET_MAX_MS	30000
/* Events read from the local log at once when writing a room again. */
#define RESYNC_CHUNK	256

enum jr_state { JR_NEW, JR_OK, JR_UNSURE };
/* A NEW room's first write: ADOPT_PENDING makes it UNSURE, written whole
 * if JetStream has nothing of it; ADOPT_NEVER: not written there. */
enum jr_adopt { ADOPT_NONE, ADOPT_PENDING, ADOPT_NEVER };

/* A room this node writes: where its subject's log stands. */
struct jsroom {
	uint8_t			 id[ROOMLOG_ROOM_ID_BYTES];
	char			 subject[CLUSTERMSG_SUBJECT_MAX];
	uint8_t			 state;		/* enum jr_state */
	uint64_t		 last;		/* OK, UNSURE: stream seq of the
						 * subject's last message known
						 * (0: none) */
	uint64_t		 maybe;		/* UNSURE: n of a write that may
						 * have been stored (0: none) */
	uint32_t		 since;		/* messages since the seats */
	int			 adopt;		/* enum jr_adopt */
	int			 refusals;	/* whole writes refused */
	struct buf		 batch;		/* this turn's records */
	int			 queued;
	int			 forget;	/* jslog_forget while queued */
	int			 full;		/* batch could not take one */
	int			 sent;		/* published this turn, as n: */
	uint64_t		 sent_n;
	LIST_ENTRY(jsroom)	 hl;
	TAILQ_ENTRY(jsroom)	 ql;
};

struct jslog {
	struct roomlog		*log;
	struct clustermsg_keys	*keys;		/* sodium_malloc'd */
	char			 stream[32];
	char			 filter[CLUSTERMSG_SUBJECT_MAX];
	natsOptions		*opts;
	natsConnection		*nc;
	jsCtx			*js;
	uint64_t		 writer;	/* random, this process's */
	uint64_t		 wcount;	/* messages written */
	int64_t			 quiet_until;	/* monotonic ms */
	int64_t			 quiet_ms;
	size_t			 nrooms;
	size_t			 nunsure;
	/* The stream is made by a thread of its own (a server without
	 * JetStream may take JSLOG_WAIT_MS to say nothing). */
	pthread_t		 setup;
	int			 setup_started;
	pthread_cond_t		 cond;
	int			 stop;		/* under lock */
	int			 ready;		/* under lock: the stream is */
	int			 failing;	/* setup thread: logged */
	int			 waited;	/* wait_ready, once */
	/* JetStream's answers to this turn's publishes, from ack_cb on the
	 * client's thread (under lock); matched to rooms by message. */
	pthread_mutex_t		 lock;
	struct answer {
		uint64_t	 n;		/* the message's writer count */
		uint64_t	 seq;
		int		 err;		/* 0, a jsErrCode, or -1 */
	}			*ans;		/* JSLOG_MAX_ROOMS */
	size_t			 nans;
	uint64_t		 turn_first;	/* ack_cb takes answers to n
						 * from here (0: none) */
	pthread_cond_t		 acond;		/* an answer came */
	/* Rooms another node wrote (jslog_next_fenced), and rooms whose
	 * held ACCEPTEDs may go (jslog_next_durable). */
	struct idlist {
		uint8_t		(*ids)[ROOMLOG_ROOM_ID_BYTES];	/* JSLOG_MAX_ROOMS */
		size_t		 n;
	}			 fenced, durable;
	uint8_t			*plain;		/* a head and records */
	uint8_t			*sealed;
	/* Rooms by a keyed hash of their id (the ids are chosen by room
	 * makers: bucketed by their bytes, one could fill one bucket). */
	uint8_t			 hkey[crypto_shorthash_KEYBYTES];
	LIST_HEAD(, jsroom)	 rooms[ROOM_BUCKETS];
	TAILQ_HEAD(, jsroom)	 queue;		/* rooms written this turn */
};

/* --- rooms ------------------------------------------------------------- */

static size_t
room_bucket(const struct jslog *j, const uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	uint8_t h[crypto_shorthash_BYTES];

	crypto_shorthash(h, id, ROOMLOG_ROOM_ID_BYTES, j->hkey);
	return ((size_t)h[0] << 8 | h[1]) % ROOM_BUCKETS;
}

static struct jsroom *
room_find(struct jslog *j, const uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	struct jsroom *jr;

	LIST_FOREACH(jr, &j->rooms[room_bucket(j, id)], hl)
		if (sodium_memcmp(jr->id, id, ROOMLOG_ROOM_ID_BYTES) == 0)
			return jr;
	return NULL;
}

static void
set_state(struct jslog *j, struct jsroom *jr, enum jr_state st)
{
	if (jr->state == JR_UNSURE)
		j->nunsure--;
	if (st == JR_UNSURE)
		j->nunsure++;
	jr->state = (uint8_t)st;
}

static struct jsroom *
room_get(struct jslog *j, const uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	uint8_t hash[CLUSTERMSG_HASH_BYTES];
	char hex[2 * CLUSTERMSG_HASH_BYTES + 1];
	struct jsroom *jr;

	if ((jr = room_find(j, id)) != NULL)
		return jr;
	if (j->nrooms >= JSLOG_MAX_ROOMS || (jr = calloc(1, sizeof(*jr))) ==
	    NULL)
		return NULL;
	memcpy(jr->id, id, ROOMLOG_ROOM_ID_BYTES);
	clustermsg_room_hash(j->keys, id, hash);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	snprintf(jr->subject, sizeof(jr->subject), "%s.l.%s", j->keys->prefix,
	    hex);
	jr->state = JR_NEW;
	buf_init(&jr->batch, RECORDS_MAX);
	LIST_INSERT_HEAD(&j->rooms[room_bucket(j, id)], jr, hl);
	j->nrooms++;
	return jr;
}

static void
room_free(struct jslog *j, struct jsroom *jr)
{
	set_state(j, jr, JR_NEW);
	if (jr->queued)
		TAILQ_REMOVE(&j->queue, jr, ql);
	LIST_REMOVE(jr, hl);
	buf_release(&jr->batch);
	sodium_memzero(jr->id, sizeof(jr->id));
	free(jr);
	j->nrooms--;
}

void
jslog_forget(struct jslog *j, const uint8_t room_id[16])
{
	struct jsroom *jr;

	if (j == NULL || (jr = room_find(j, room_id)) == NULL)
		return;
	if (jr->queued)
		jr->forget = 1;		/* at the end of the turn */
	else
		room_free(j, jr);
}

static void
idlist_push(struct idlist *q, const uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	if (q->n < JSLOG_MAX_ROOMS)
		memcpy(q->ids[q->n++], id, ROOMLOG_ROOM_ID_BYTES);
}

/* 1 with the last id pushed (wiped from the list), or 0. */
static int
idlist_pop(struct idlist *q, uint8_t id[ROOMLOG_ROOM_ID_BYTES])
{
	if (q->n == 0)
		return 0;
	q->n--;
	memcpy(id, q->ids[q->n], ROOMLOG_ROOM_ID_BYTES);
	sodium_memzero(q->ids[q->n], ROOMLOG_ROOM_ID_BYTES);
	return 1;
}

/* Another node wrote the room: it is given up (jslog_next_fenced). */
static void
room_lost(struct jslog *j, struct jsroom *jr)
{
	relay_log(RELAY_LOG_WARN, "cluster: another node wrote a room's log "
	    "on JetStream: this node gives the room up");
	idlist_push(&j->fenced, jr->id);
	room_free(j, jr);
}

/* The room is not written to JetStream from now; its held ACCEPTEDs go
 * (as without JetStream). */
static void
stop_writing(struct jslog *j, struct jsroom *jr)
{
	jr->adopt = ADOPT_NEVER;
	set_state(j, jr, JR_NEW);
	idlist_push(&j->durable, jr->id);
}

/* The room's writes are not (all) on JetStream: written whole later.
 * maybe: the n of a write that may have been stored, or 0. */
static void
make_unsure(struct jslog *j, struct jsroom *jr, uint64_t maybe)
{
	jr->maybe = maybe;
	set_state(j, jr, JR_UNSURE);
}

int
jslog_durable(struct jslog *j, const uint8_t room_id[16])
{
	struct jsroom *jr;

	/* A room being adopted (made here while JetStream was not ready, or
	 * without it) was never on JetStream: acknowledged as without it. */
	return j == NULL || (jr = room_find(j, room_id)) == NULL ||
	    jr->state != JR_UNSURE || jr->adopt != ADOPT_NONE;
}

int
jslog_next_durable(struct jslog *j, uint8_t room_id[16])
{
	return j != NULL && idlist_pop(&j->durable, room_id);
}

int
jslog_next_fenced(struct jslog *j, uint8_t room_id[16])
{
	return j != NULL && idlist_pop(&j->fenced, room_id);
}

/* --- the connection ------------------------------------------------------ */

/* JetStream may be called from the loop now: connected, the stream made,
 * and no recent silence. */
static int
usable(struct jslog *j)
{
	int ready;

	pthread_mutex_lock(&j->lock);
	ready = j->ready;
	pthread_mutex_unlock(&j->lock);
	return ready && natsConnection_Status(j->nc) ==
	    NATS_CONN_STATUS_CONNECTED && mono_ms() >= j->quiet_until;
}

/* *ts: ms from now on the monotonic clock (the conditions' clock). */
static void
deadline_in(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000l;
	if (ts->tv_nsec >= 1000000000l) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000l;
	}
}

/* A node that takes a room over just after its start: the stream may be
 * a moment away (the setup thread); waited for, up to JSLOG_WAIT_MS,
 * if NATS is connected. */
static void
wait_ready(struct jslog *j)
{
	struct timespec ts;

	if (j->waited ||
	    natsConnection_Status(j->nc) != NATS_CONN_STATUS_CONNECTED)
		return;
	j->waited = 1;		/* once: a server without JetStream says
				 * nothing every time */
	deadline_in(&ts, JSLOG_WAIT_MS);
	pthread_mutex_lock(&j->lock);
	while (!j->ready && !j->stop && pthread_cond_timedwait(&j->cond,
	    &j->lock, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&j->lock);
}

/* JetStream did not answer in time. */
static void
went_quiet(struct jslog *j)
{
	j->quiet_ms = j->quiet_ms == 0 ? QUIET_MIN_MS : j->quiet_ms * 2;
	if (j->quiet_ms > QUIET_MAX_MS)
		j->quiet_ms = QUIET_MAX_MS;
	j->quiet_until = mono_ms() + j->quiet_ms;
}

static int
make_stream(struct jslog *j, int64_t replicas)
{
	jsStreamConfig cfg;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	const char *subjects[1];
	natsStatus s;

	jsStreamConfig_Init(&cfg);
	subjects[0] = j->filter;
	cfg.Name = j->stream;
	cfg.Subjects = subjects;
	cfg.SubjectsLen = 1;
	cfg.Storage = js_FileStorage;
	cfg.Replicas = replicas;
	cfg.MaxMsgsPerSubject = JSLOG_ROOM_MSGS;
	cfg.MaxAge = (int64_t)JSLOG_MAX_AGE * 1000000000ll;
	cfg.MaxBytes = JSLOG_MAX_BYTES;
	/* The server counts the headers in: the fence and the id. */
	cfg.MaxMsgSize = CLUSTERMSG_MAX + CLUSTERMSG_OVERHEAD + JSLOG_HDR_ROOM;
	cfg.Discard = js_DiscardOld;
	s = js_AddStream(&si, j->js, &cfg, NULL, &jerr);
	if (s != NATS_OK && jerr == JSStreamNameExistErr) {
		/* Made before, with other bounds: ours, if the server lets
		 * them change, else the stream as it is. */
		if (si != NULL)
			jsStreamInfo_Destroy(si);
		si = NULL;
		jerr = 0;
		s = js_UpdateStream(&si, j->js, &cfg, NULL, &jerr);
		if (s != NATS_OK) {
			if (si != NULL)
				jsStreamInfo_Destroy(si);
			si = NULL;
			s = js_GetStreamInfo(&si, j->js, j->stream, NULL,
			    &jerr);
		}
	}
	if (si != NULL)
		jsStreamInfo_Destroy(si);
	if (s == NATS_OK)
		return 0;
	if (replicas > 1 && (jerr == JSStreamReplicasNotSupportedErr ||
	    jerr == JSInsufficientResourcesErr || jerr == JSClusterNoPeersErr))
		return 1;	/* fewer servers than replicas: try one */
	if (!j->failing)
		relay_log(RELAY_LOG_ERROR, "cluster: no JetStream room log (%s, "
		    "code %d): rooms live on their owner alone until it "
		    "works (retried)", natsStatus_GetText(s), (int)jerr);
	j->failing = 1;
	return -1;
}

static void *
setup_main(void *arg)
{
	struct jslog *j = arg;
	struct timespec ts;
	int64_t wait_ms = 1000;
	int rc = -1;

	pthread_mutex_lock(&j->lock);
	while (!j->stop) {
		pthread_mutex_unlock(&j->lock);
		rc = -1;
		if (natsConnection_Status(j->nc) == NATS_CONN_STATUS_CONNECTED &&
		    (rc = make_stream(j, JSLOG_REPLICAS)) == 1)
			rc = make_stream(j, 1);
		pthread_mutex_lock(&j->lock);
		if (rc == 0) {
			j->ready = 1;
			pthread_cond_broadcast(&j->cond);	/* jslog_fetch */
			break;
		}
		deadline_in(&ts, wait_ms);
		while (!j->stop && pthread_cond_timedwait(&j->cond, &j->lock,
		    &ts) != ETIMEDOUT)
			;
		if (wait_ms < QUIET_MAX_MS)
			wait_ms *= 2;
	}
	pthread_mutex_unlock(&j->lock);
	if (rc == 0)
		relay_log(RELAY_LOG_INFO, "cluster: room logs on JetStream "
		    "(stream %s)", j->stream);
	return NULL;
}

/*
 * The subject's last message: *seq (0: none), and its writer tag.  0,
 * or ERR_IO / ERR_TIMEOUT (no answer: quiet), ERR_RECORD (does not open).
 */
static int
read_last(struct jslog *j, struct jsroom *jr, uint64_t *seq,
    uint64_t *writer, uint64_t *n)
{
	natsMsg *m = NULL;
	jsErrCode jerr = 0;
	struct buf b;
	natsStatus s;
	size_t len;
	int e = 0;

	*seq = *writer = *n = 0;
	s = js_GetLastMsg(&m, j->js, j->stream, jr->subject, NULL, &jerr);
	if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) {
		natsMsg_Destroy(m);
		return 0;
	}
	if (s != NATS_OK) {
		if (s == NATS_TIMEOUT)
			went_quiet(j);
		return s == NATS_TIMEOUT ? ERR_TIMEOUT : ERR_IO;
	}
	*seq = natsMsg_GetSequence(m);
	if (clustermsg_open(j->keys, jr->subject,
	    (const uint8_t *)natsMsg_GetData(m),
	    (size_t)natsMsg_GetDataLength(m), j->plain, &len) != 0 ||
	    logbatch_begin(&b, j->plain, len, writer, n) != 0)
		e = ERR_RECORD;
	natsMsg_Destroy(m);
	return e;
}

/* --- writing -------------------------------------------------------------- */

static void
mirror_write(void *arg, const uint8_t room_id[ROOMLOG_ROOM_ID_BYTES],
    const struct logbatch_rec *rec)
{
	struct jslog *j = arg;
	struct jsroom *jr;

	if ((jr = room_find(j, room_id)) == NULL)
		return;
	if (jr->state == JR_NEW) {
		/* Not read from JetStream: written whole if the subject turns
		 * out empty (JetStream was not ready when this node took the
		 * room), else never, not to mix two histories. */
		if (jr->adopt != ADOPT_NONE)
			return;
		jr->adopt = ADOPT_PENDING;
		jr->last = 0;
		make_unsure(j, jr, 0);
	}
	if (!jr->queued) {
		jr->queued = 1;
		TAILQ_INSERT_TAIL(&j->queue, jr, ql);
	}
	if (jr->state == JR_OK && !jr->full &&
	    logbatch_put(&jr->batch, rec) != 0)
		jr->full = 1;	/* the turn goes whole, by resync */
}

struct fill_ctx {
	struct jslog	*j;
	struct jsroom	*jr;
	uint64_t	 pos;		/* the last event put */
	int		 chain;		/* a whole write: full goes out */
	int		 e;
};

static int	publish_sync(struct jslog *, struct jsroom *);

/* A record into c's batch.  Full: in a whole write (chain) the batch
 * goes out and the record starts the next one; else the room is marked
 * full (written whole later).  0, or 1 to stop (c->e says why). */
static int
fill_put(struct fill_ctx *c, const struct logbatch_rec *lr)
{
	if (logbatch_put(&c->jr->batch, lr) == 0)
		return 0;
	if (!c->chain) {
		c->jr->full = 1;
		return 0;
	}
	if ((c->e = publish_sync(c->j, c->jr)) != 0)
		return 1;
	(void)logbatch_put(&c->jr->batch, lr);
	return 0;
}

static int
put_seat(void *arg, struct roomlog_room *r, uint32_t id, const uint8_t *rec,
    size_t len)
{
	struct logbatch_rec lr;

	(void)r;
	memset(&lr, 0, sizeof(lr));
	lr.kind = LOGBATCH_SEAT;
	lr.id = id;
	lr.p = rec;
	lr.len = len;
	return fill_put(arg, &lr);
}

/* Every JSLOG_REFRESH messages, the room's seats again (from the local
 * log, which has this turn's writes), so that no seat ages out of the
 * subject's last JSLOG_ROOM_MSGS. */
static void
add_seats(struct jslog *j, struct jsroom *jr)
{
	static const struct roomlog_load_ops ops = { NULL, put_seat };
	struct roomlog_room *r;
	struct fill_ctx c;

	if (++jr->since < JSLOG_REFRESH)
		return;
	jr->since = 0;
	memset(&c, 0, sizeof(c));	/* chain 0: a turn's message */
	c.j = j;
	c.jr = jr;
	if (roomlog_room_get(j->log, jr->id, &r) == 0)
		(void)roomlog_room_seats(r, &ops, &c);
}

static void
ack_cb(jsCtx *js, natsMsg *msg, jsPubAck *pa, jsPubAckErr *pae, void *arg)
{
	struct jslog *j = arg;
	struct answer *a;
	const char *id = NULL, *dash;
	uint64_t n = 0;

	(void)js;
	/* Which of this node's messages: its id, writer-n (a message's
	 * address may be another's by now: it is freed here). */
	if (msg != NULL && natsMsgHeader_Get(msg, MSGID_HDR, &id) == NATS_OK &&
	    id != NULL && (dash = strchr(id, '-')) != NULL)
		n = strtoull(dash + 1, NULL, 10);
	pthread_mutex_lock(&j->lock);
	/* A late answer to an earlier turn's publish (which timed out) may
	 * come at any time: its n is below this turn's. */
	if (n != 0 && j->turn_first != 0 && n >= j->turn_first &&
	    j->nans < JSLOG_MAX_ROOMS) {
		a = &j->ans[j->nans++];
		a->n = n;
		a->seq = pa != NULL ? pa->Sequence : 0;
		a->err = pa != NULL ? 0 : pae != NULL && pae->ErrCode != 0 ?
		    (int)pae->ErrCode : -1;
		pthread_cond_signal(&j->acond);
	}
	pthread_mutex_unlock(&j->lock);
	natsMsg_Destroy(msg);
}

/* The answer to jr's publish: 1 with *a, or 0 (none came). */
static int
answer_of(struct jslog *j, const struct jsroom *jr, struct answer *out)
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&j->lock);
	for (i = 0; i < j->nans && !found; i++)
		if (j->ans[i].n == jr->sent_n) {
			*out = j->ans[i];
			found = 1;
		}
	pthread_mutex_unlock(&j->lock);
	return found;
}

/* A message of jr's records (batch), expecting the subject's last to be
 * jr->last; its writer tag n.  NULL on failure. */
static natsMsg *
make_msg(struct jslog *j, struct jsroom *jr, uint64_t n)
{
	natsMsg *m = NULL;
	char v[24], id[48];
	size_t len = buf_len(&jr->batch);

	logbatch_head(j->plain, j->writer, n);
	memcpy(j->plain + LOGBATCH_HEAD, buf_ptr(&jr->batch), len);
	len += LOGBATCH_HEAD;
	clustermsg_seal(j->keys, jr->subject, j->plain, len, j->sealed);
	snprintf(v, sizeof(v), "%" PRIu64, jr->last);
	if (natsMsg_Create(&m, jr->subject, NULL, (const char *)j->sealed,
	    (int)(len + CLUSTERMSG_OVERHEAD)) != NATS_OK)
		return NULL;
	if (natsMsgHeader_Set(m, EXPECT_HDR, v) != NATS_OK) {
		natsMsg_Destroy(m);
		return NULL;
	}
	snprintf(id, sizeof(id), "%016" PRIx64 "-%" PRIu64, j->writer, n);
	if (natsMsgHeader_Set(m, MSGID_HDR, id) != NATS_OK) {
		natsMsg_Destroy(m);
		return NULL;
	}
	return m;
}

/* jr's batch, published and waited for: 0 (jr->last moved on), 1 (fenced),
 * or ERR_IO / ERR_TIMEOUT (jr->maybe says what may have been stored). */
static int
publish_sync(struct jslog *j, struct jsroom *jr)
{
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsMsg *m;
	natsStatus s;
	uint64_t n = ++j->wcount;

	if ((m = make_msg(j, jr, n)) == NULL)
		return ERR_IO;
	jr->maybe = n;
	s = js_PublishMsg(&pa, j->js, m, NULL, &jerr);
	natsMsg_Destroy(m);
	buf_reset(&jr->batch);
	if (s == NATS_OK && pa != NULL) {
		jr->last = pa->Sequence;
		jr->maybe = 0;
		j->quiet_ms = 0;
		jsPubAck_Destroy(pa);
		return 0;
	}
	if (pa != NULL)
		jsPubAck_Destroy(pa);
	if (jerr == JSStreamWrongLastSequenceErr)
		return 1;
	if (s == NATS_TIMEOUT)
		went_quiet(j);
	return s == NATS_TIMEOUT ? ERR_TIMEOUT : ERR_IO;
}

static int
put_event(void *arg, uint64_t seq, uint32_t to, const uint8_t *msg,
    size_t len)
{
	struct fill_ctx *c = arg;
	struct logbatch_rec lr;

	c->pos = seq;
	memset(&lr, 0, sizeof(lr));
	lr.kind = LOGBATCH_EVENT;
	lr.seq = seq;
	lr.to = to;
	lr.p = msg;
	lr.len = len;
	return fill_put(c, &lr);
}

/* JetStream refuses the room's whole write (not a silence): after a few
 * tries the room is not written there any more, and its held ACCEPTEDs
 * go (as without JetStream). */
static void
refused(struct jslog *j, struct jsroom *jr)
{
	if (++jr->refusals < JSLOG_MAX_REFUSALS)
		return;
	relay_log(RELAY_LOG_WARN, "cluster: JetStream refuses a room's log "
	    "%d times: not written to it any more", JSLOG_MAX_REFUSALS);
	stop_writing(j, jr);
}

/*
 * An UNSURE room written again whole: first what the subject's last
 * message says (nothing new since jr->last; or this node's write that
 * got no answer; or another node's: lost), then a DROP, the seats and
 * every event the local log holds, in as many messages as it takes, each
 * fenced on the one before.  Logged when it catches up.
 */
static void
resync(struct jslog *j, struct jsroom *jr)
{
	static const struct roomlog_load_ops sops = { NULL, put_seat };
	struct logbatch_rec drop;
	struct roomlog_room *r;
	struct fill_ctx c;
	uint64_t seq, writer, n;
	int e;

	if ((e = read_last(j, jr, &seq, &writer, &n)) != 0) {
		if (e == ERR_RECORD)
			refused(j, jr);
		return;
	}
	if (jr->adopt == ADOPT_PENDING && seq != 0) {
		relay_log(RELAY_LOG_WARN, "cluster: a room made here while "
		    "JetStream was not ready has an older log there: not "
		    "written to it");
		stop_writing(j, jr);
		return;
	}
	if (seq != jr->last) {
		if (jr->maybe == 0 || writer != j->writer || n != jr->maybe) {
			room_lost(j, jr);
			return;
		}
		jr->last = seq;		/* this node's, stored after all */
	}
	jr->maybe = 0;
	buf_reset(&jr->batch);
	memset(&drop, 0, sizeof(drop));
	drop.kind = LOGBATCH_DROP;
	(void)logbatch_put(&jr->batch, &drop);
	memset(&c, 0, sizeof(c));
	c.j = j;
	c.jr = jr;
	c.chain = 1;
	jr->full = 0;
	if (roomlog_room_get(j->log, jr->id, &r) != 0)
		return;
	if ((e = roomlog_room_seats(r, &sops, &c)) != 0 && c.e == 0)
		return;		/* the local log unreadable: tried later */
	if (c.e == 0)
		do
			e = roomlog_read(r, c.pos, RESYNC_CHUNK, put_event,
			    &c);
		while (e == RESYNC_CHUNK && c.e == 0);
	if (c.e == 0 && e < 0)
		return;		/* the local log unreadable: tried later */
	if (c.e == 0)
		c.e = publish_sync(j, jr);
	if (c.e == 1) {
		room_lost(j, jr);
		return;
	}
	if (c.e == ERR_IO && natsConnection_Status(j->nc) ==
	    NATS_CONN_STATUS_CONNECTED)
		refused(j, jr);
	if (c.e != 0)
		return;		/* still UNSURE, tried again later */
	jr->refusals = 0;
	jr->since = 0;
	set_state(j, jr, JR_OK);
	idlist_push(&j->durable, jr->id);
	relay_log(RELAY_LOG_INFO, "cluster: a room's log on JetStream %s",
	    jr->adopt == ADOPT_PENDING ? "started" : "caught up");
	jr->adopt = ADOPT_NONE;
}

/* Waits until count answers of this turn came, up to JSLOG_WAIT_MS: 0,
 * or ERR_TIMEOUT. */
static int
wait_answers(struct jslog *j, size_t count)
{
	struct timespec ts;
	int e = 0;

	deadline_in(&ts, JSLOG_WAIT_MS);
	pthread_mutex_lock(&j->lock);
	while (j->nans < count && e == 0)
		if (pthread_cond_timedwait(&j->acond, &j->lock, &ts) ==
		    ETIMEDOUT)
			e = ERR_TIMEOUT;
	pthread_mutex_unlock(&j->lock);
	return e;
}

/* The end of a room's turn: its batch is done with. */
static void
unqueue(struct jslog *j, struct jsroom *jr)
{
	TAILQ_REMOVE(&j->queue, jr, ql);
	jr->queued = 0;
	jr->full = 0;
	jr->sent = 0;
	buf_reset(&jr->batch);
}

static int
mirror_commit(void *arg)
{
	struct jslog *j = arg;
	struct jsroom *jr, *next;
	struct answer a;
	jsPubOptions po;
	natsMsg *m;
	int e = 0, inflight = 0, up, got, silent = 0;

	if (TAILQ_EMPTY(&j->queue))
		return 0;
	up = usable(j);
	pthread_mutex_lock(&j->lock);
	j->nans = 0;
	j->turn_first = j->wcount + 1;
	pthread_mutex_unlock(&j->lock);
	jsPubOptions_Init(&po);
	po.MaxWait = JSLOG_WAIT_MS;	/* the client gives up on it then */
	TAILQ_FOREACH(jr, &j->queue, ql) {
		if (jr->state != JR_OK)
			continue;
		if (!up || jr->full) {
			make_unsure(j, jr, 0);
			continue;
		}
		if (buf_len(&jr->batch) == 0)
			continue;
		add_seats(j, jr);	/* may find the batch full */
		jr->sent_n = ++j->wcount;
		if (jr->full || (m = make_msg(j, jr, jr->sent_n)) == NULL) {
			make_unsure(j, jr, 0);
			continue;
		}
		/* Owned by the client once published: its answer is known
		 * by sent_n (Nats-Msg-Id). */
		if (js_PublishMsgAsync(j->js, &m, &po) != NATS_OK) {
			natsMsg_Destroy(m);
			make_unsure(j, jr, 0);
			continue;
		}
		jr->sent = 1;
		inflight++;
	}
	/* This turn's answers (not those of earlier turns). */
	if (inflight > 0 && wait_answers(j, (size_t)inflight) != 0)
		silent = 1;
	for (jr = TAILQ_FIRST(&j->queue); jr != NULL; jr = next) {
		next = TAILQ_NEXT(jr, ql);
		if (jr->sent) {
			got = answer_of(j, jr, &a);
			if (got && a.err == 0) {
				jr->last = a.seq;
				j->quiet_ms = 0;
			}
			else if (got && a.err == JSStreamWrongLastSequenceErr) {
				unqueue(j, jr);
				room_lost(j, jr);
				e = ERR_IO;
				continue;
			} else {
				/* Refused otherwise, or no answer in time (it
				 * may yet be stored). */
				if (!got || a.err < 0)
					silent = 1;
				make_unsure(j, jr, jr->sent_n);
			}
		}
		unqueue(j, jr);
		if (jr->forget)
			room_free(j, jr);
	}
	pthread_mutex_lock(&j->lock);
	j->turn_first = 0;
	j->nans = 0;
	pthread_mutex_unlock(&j->lock);
	if (silent && mono_ms() >= j->quiet_until)
		went_quiet(j);
	/* Rooms to write again whole, while JetStream answers. */
	if (j->nunsure > 0)
		e = ERR_IO;
	jslog_tick(j);
	return e;
}

void
jslog_tick(struct jslog *j)
{
	struct jsroom *jr, *next;
	size_t i;

	if (j == NULL || j->nunsure == 0 || !usable(j))
		return;
	for (i = 0; i < ROOM_BUCKETS && j->nunsure > 0 && usable(j); i++)
		for (jr = LIST_FIRST(&j->rooms[i]); jr != NULL; jr = next) {
			next = LIST_NEXT(jr, hl);
			if (jr->state == JR_UNSURE && !jr->queued && usable(j))
				resync(j, jr);
		}
}

/* --- reading -------------------------------------------------------------- */

static int
apply(struct jslog *j, const struct jsroom *jr, struct roomlog_room **rp,
    const uint8_t *p, size_t len)
{
	struct logbatch_rec rec;
	struct buf b;
	uint64_t writer, n;
	int k, e = 0;

	if (logbatch_begin(&b, p, len, &writer, &n) != 0)
		return ERR_RECORD;
	while (e == 0 && (k = logbatch_next(&b, &rec)) == 1)
		switch (rec.kind) {
		case LOGBATCH_EVENT:
			/* One not after the last is skipped. */
			if (rec.seq > roomlog_last(*rp))
				e = roomlog_append(*rp, rec.seq, rec.to,
				    rec.p, rec.len);
			break;
		case LOGBATCH_SEAT:
			e = roomlog_seat_put(*rp, rec.id, rec.p, rec.len);
			break;
		case LOGBATCH_UNSEAT:
			e = roomlog_seat_del(*rp, rec.id);
			break;
		case LOGBATCH_DROP:
			e = roomlog_room_drop(*rp);
			*rp = NULL;
			if (e == 0)
				e = roomlog_room_get(j->log, jr->id, rp);
			break;
		}
	return e != 0 ? e : k < 0 ? ERR_RECORD : 0;
}

static int
fetch(struct jslog *j, struct jsroom *jr, struct roomlog_room **rp)
{
	natsSubscription *sub = NULL;
	jsSubOptions so;
	jsMsgMetaData *meta;
	jsErrCode jerr = 0;
	natsMsg *m;
	size_t n;
	uint64_t seq = 0, writer, wn;
	int64_t end = mono_ms() + JSLOG_FETCH_MS;
	int e;

	if ((e = read_last(j, jr, &jr->last, &writer, &wn)) != 0 ||
	    jr->last == 0)
		return e;
	jsSubOptions_Init(&so);
	so.Stream = j->stream;
	so.Ordered = true;
	so.Config.DeliverPolicy = js_DeliverAll;
	if (js_SubscribeSync(&sub, j->js, jr->subject, NULL, &so, &jerr) !=
	    NATS_OK)
		return ERR_IO;
	while (seq < jr->last) {
		m = NULL;
		if (mono_ms() > end || natsSubscription_NextMsg(&m, sub,
		    JSLOG_WAIT_MS) != NATS_OK) {
			e = ERR_TIMEOUT;
			break;
		}
		meta = NULL;
		if (natsMsg_GetMetaData(&meta, m) != NATS_OK) {
			natsMsg_Destroy(m);
			e = ERR_IO;
			break;
		}
		seq = meta->Sequence.Stream;
		jsMsgMetaData_Destroy(meta);
		if (clustermsg_open(j->keys, jr->subject,
		    (const uint8_t *)natsMsg_GetData(m),
		    (size_t)natsMsg_GetDataLength(m), j->plain, &n) != 0)
			e = ERR_RECORD;
		else
			e = apply(j, jr, rp, j->plain, n);
		natsMsg_Destroy(m);
		if (e != 0)
			break;
		/* Messages after jr->last (written since it was read) are
		 * left to the fence: this node's first write expects it. */
	}
	sodium_memzero(j->plain, CLUSTERMSG_MAX);
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	return e;
}

int
jslog_fetch(struct jslog *j, const uint8_t room_id[16],
    struct roomlog_room **rp)
{
	struct jsroom *jr;
	struct roomlog_room *r = NULL;
	int e;

	*rp = NULL;
	if ((jr = room_get(j, room_id)) == NULL)
		return ERR_ALLOC;
	if ((e = roomlog_begin(j->log, (uint64_t)time(NULL))) != 0)
		return e;
	roomlog_mirror_pause(j->log, 1);
	/* Whatever this node had of the room is older than JetStream. */
	if ((e = roomlog_room_get(j->log, room_id, &r)) == 0 &&
	    roomlog_last(r) != 0) {
		e = roomlog_room_drop(r);
		r = NULL;
		if (e == 0)
			e = roomlog_room_get(j->log, room_id, &r);
	}
	if (e == 0) {
		wait_ready(j);
		e = usable(j) ? fetch(j, jr, &r) : ERR_IO;
	}
	if (e != 0) {
		/* Not read whole: the room starts empty here, and is not
		 * written to JetStream. */
		if (r != NULL)
			(void)roomlog_room_drop(r);
		r = NULL;
		(void)roomlog_room_get(j->log, room_id, &r);
		set_state(j, jr, JR_NEW);
	} else
		set_state(j, jr, JR_OK);
	jr->adopt = ADOPT_NONE;
	roomlog_mirror_pause(j->log, 0);
	jr->since = 0;
	jr->maybe = 0;
	*rp = r;
	return e;
}

/* --- setup ----------------------------------------------------------------- */

static void
connected_cb(natsConnection *nc, void *arg)
{
	(void)nc;
	(void)arg;
}

int
jslog_new(struct jslog **jp, const char *urls, const uint8_t seed[32],
    struct roomlog *log)
{
	struct roomlog_mirror mo;
	pthread_condattr_t ca;
	struct jslog *j;
	jsOptions jo;
	natsStatus s;
	size_t i;
	int rc;

	*jp = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return ERR_ALLOC;
	j->log = log;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	(void)pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_cond_init(&j->acond, &ca);
	pthread_condattr_destroy(&ca);
	TAILQ_INIT(&j->queue);
	for (i = 0; i < ROOM_BUCKETS; i++)
		LIST_INIT(&j->rooms[i]);
	randombytes_buf(&j->writer, sizeof(j->writer));
	randombytes_buf(j->hkey, sizeof(j->hkey));
	if ((j->keys = sodium_malloc(sizeof(*j->keys))) == NULL ||
	    (j->plain = malloc(CLUSTERMSG_MAX)) == NULL ||
	    (j->sealed = malloc(CLUSTERMSG_MAX + CLUSTERMSG_OVERHEAD)) ==
	    NULL || (j->ans = calloc(JSLOG_MAX_ROOMS, sizeof(*j->ans))) ==
	    NULL || (j->fenced.ids = calloc(JSLOG_MAX_ROOMS,
	    sizeof(*j->fenced.ids))) == NULL || (j->durable.ids =
	    calloc(JSLOG_MAX_ROOMS, sizeof(*j->durable.ids))) == NULL) {
		jslog_free(j);
		return ERR_ALLOC;
	}
	clustermsg_keys_derive(j->keys, seed);
	/* "sotto.<cid>": the stream SOTTO_<cid>, its subjects .l.* */
	snprintf(j->stream, sizeof(j->stream), "SOTTO_%s", j->keys->prefix + 6);
	snprintf(j->filter, sizeof(j->filter), "%s.l.*", j->keys->prefix);
	if ((rc = cluster_nats_options(&j->opts, urls, "sotto relay log")) !=
	    0) {
		jslog_free(j);
		return rc;
	}
	if (natsOptions_SetRetryOnFailedConnect(j->opts, true, connected_cb,
	    j) != NATS_OK) {
		jslog_free(j);
		return ERR_IO;
	}
	s = natsConnection_Connect(&j->nc, j->opts);
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		relay_log(RELAY_LOG_ERROR, "cluster: cannot use NATS for the "
		    "room log: %s", natsStatus_GetText(s));
		jslog_free(j);
		return ERR_IO;
	}
	jsOptions_Init(&jo);
	jo.Wait = JSLOG_WAIT_MS;
	jo.PublishAsync.AckHandler = ack_cb;
	jo.PublishAsync.AckHandlerClosure = j;
	if (natsConnection_JetStream(&j->js, j->nc, &jo) != NATS_OK ||
	    pthread_create(&j->setup, NULL, setup_main, j) != 0) {
		jslog_free(j);
		return ERR_IO;
	}
	j->setup_started = 1;
	mo.write = mirror_write;
	mo.commit = mirror_commit;
	mo.arg = j;
	roomlog_set_mirror(log, &mo);
	*jp = j;
	return 0;
}

void
jslog_close(struct jslog *j)
{
	if (j == NULL)
		return;
	if (j->log != NULL)
		roomlog_set_mirror(j->log, NULL);
	j->log = NULL;
	if (j->setup_started) {
		pthread_mutex_lock(&j->lock);
		j->stop = 1;
		pthread_cond_broadcast(&j->cond);
		pthread_mutex_unlock(&j->lock);
		pthread_join(j->setup, NULL);
		j->setup_started = 0;
	}
	if (j->nc != NULL)
		natsConnection_Close(j->nc);
	if (j->js != NULL)
		jsCtx_Destroy(j->js);
	j->js = NULL;
	if (j->nc != NULL)
		natsConnection_Destroy(j->nc);
	j->nc = NULL;
	natsOptions_Destroy(j->opts);
	j->opts = NULL;
}

void
jslog_free(struct jslog *j)
{
	struct jsroom *jr;
	size_t i;

	if (j == NULL)
		return;
	jslog_close(j);
	for (i = 0; i < ROOM_BUCKETS; i++)
		while ((jr = LIST_FIRST(&j->rooms[i])) != NULL)
			room_free(j, jr);
	if (j->keys != NULL)
		sodium_free(j->keys);
	if (j->plain != NULL)
		sodium_memzero(j->plain, CLUSTERMSG_MAX);
	free(j->plain);
	free(j->sealed);
	free(j->ans);
	if (j->fenced.ids != NULL)
		sodium_memzero(j->fenced.ids, JSLOG_MAX_ROOMS *
		    sizeof(*j->fenced.ids));
	free(j->fenced.ids);
	if (j->durable.ids != NULL)
		sodium_memzero(j->durable.ids, JSLOG_MAX_ROOMS *
		    sizeof(*j->durable.ids));
	free(j->durable.ids);
	pthread_cond_destroy(&j->cond);
	pthread_cond_destroy(&j->acond);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
