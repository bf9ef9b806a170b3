/*
 * admit.h: the relay's admission stage, between accept() and the link's
 * secure channel.  A connection here costs a descriptor and one small
 * struct of ordinary memory (no channel, no bufferevent, no guarded
 * memory): it has to send a well-formed HELLO first, and when the relay
 * is under load answer a CHALLENGE with a PROOF (cookie.h, PROTOCOL
 * §5.9), before the relay spends anything on it.  The oldest connection
 * here is shed when there are too many; one that says nothing valid in
 * time is closed.
 */
#ifndef SOTTO_ADMIT_H
#define SOTTO_ADMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "frame.h"
#include "addrlim.h"

struct admit;

/* The HELLO frame handed on: header and its 17-byte payload. */
#define ADMIT_HELLO_LEN		(FRAME_HDR_LEN + 17)

/*
 * A connection got through: fd (now the callback's), the HELLO frame to
 * feed to its channel, its address entry (whose conns and pending counts
 * now belong to the callback) and when it was accepted (ms).
 */
typedef void (*admit_ready_fn)(void *arg, int fd,
	    const uint8_t hello[ADMIT_HELLO_LEN], struct addrlim_addr *la,
	    int64_t accepted);

struct admit_conf {
	size_t		max_conns;	/* here at once; the oldest is shed */
	int		timeout_ms;	/* HELLO (and PROOF) due by then */
	int		force_bits;	/* test hook: always this difficulty;
					 * -1: never a puzzle */
};

/* A new stage in *ap, or ERR_ALLOC. */
int	 admit_new(struct admit **ap, struct event_base *base,
	    const struct admit_conf *conf, admit_ready_fn ready, void *arg);
/* Closes every connection still here and frees. */
void	 admit_free(struct admit *ad);

/*
 * Takes an accepted fd whose address entry la has admitted it
 * (addrlim_admit): 0, or an error with fd closed and la's counts given
 * back.  now is the monotonic time in ms.
 */
int	 admit_add(struct admit *ad, int fd, const struct sockaddr *sa,
	    struct addrlim_addr *la, int64_t now);
/* Writes an ABORT frame with 'reason' (chan.h) to a fresh socket, without
 * waiting: for turning a connection away before its HELLO. */
void	 admit_send_abort(int fd, uint8_t reason);
/* Closes the oldest connection here to make room for another: 1, or 0
 * if there was none. */
int	 admit_shed_oldest(struct admit *ad);
/* The relay's handshakes under way and their cap: part of the load. */
void	 admit_set_load(struct admit *ad, size_t handshakes, size_t cap);

/* Connections here now; the difficulty a HELLO now gets (0: none). */
size_t	 admit_count(const struct admit *ad);
uint8_t	 admit_bits(struct admit *ad, int64_t now);

/* Counters since the start, for the log and the benchmarks. */
struct admit_stats {
	uint64_t	hellos;		/* valid HELLOs */
	uint64_t	challenges;	/* CHALLENGEs sent */
	uint64_t	proofs;		/* PROOFs accepted */
	uint64_t	bad;		/* malformed, bad or replayed */
	uint64_t	shed;		/* oldest dropped for a newer one */
	uint64_t	timeouts;	/* silent too long */
};
void	 admit_get_stats(const struct admit *ad, struct admit_stats *st);

#endif
