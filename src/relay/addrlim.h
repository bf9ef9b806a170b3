/*
 * addrlim.h: the relay's per-address accounting and the token bucket it
 * rate-limits with.  An address is an IPv4 address (/32) or an IPv6 /64
 * (IPv4-mapped IPv6 counts as IPv4): a host with a /64 has as many IPv6
 * addresses as it likes, so they are one.  Each entry counts the
 * connections and the pending handshakes from its address, and holds a
 * token bucket for the rooms created from it.  Pure bookkeeping: no
 * sockets, and the clock is passed in (milliseconds, monotonic).
 */
#ifndef SOTTO_ADDRLIM_H
#define SOTTO_ADDRLIM_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

/*
 * The relay's bounds (docs/SECURITY.md §13.9 lists them).  Per address
 * (IPv4 /32, IPv6 /64): ADDRLIM_ADDR_CONNS connections in any state
 * (`sotto relay --max-per-address`), of which ADDRLIM_ADDR_PENDING not yet
 * established; ADDRLIM_ROOMS_BURST rooms created at once, then
 * ADDRLIM_ROOMS_PER_MIN a minute.  Per member: messages cost 1 token plus
 * one per ADDRLIM_MSG_BYTES bytes, from a bucket of ADDRLIM_MEMBER_BURST_S
 * seconds' worth, refilled at ADDRLIM_MEMBER_RATE a second (`--member-rate`); in debt, the
 * relay stops reading the member until it is paid off.  In total:
 * ADDRLIM_MAX_SILENT connections that have not sent a valid HELLO (and
 * PROOF), ADDRLIM_MAX_HANDSHAKES handshakes under way (the oldest of
 * either is shed for a new one), and connections within the descriptor
 * limit less ADDRLIM_FD_RESERVE.
 */
#define ADDRLIM_ADDR_CONNS	64
#define ADDRLIM_ADDR_PENDING	16
#define ADDRLIM_ROOMS_PER_MIN	10
#define ADDRLIM_ROOMS_BURST	20
#define ADDRLIM_MEMBER_RATE	100
/* The bucket holds this many seconds of the rate. */
#define ADDRLIM_MEMBER_BURST_S	20
#define ADDRLIM_MSG_BYTES	4096
#define ADDRLIM_MAX_SILENT	4096
#define ADDRLIM_MAX_HANDSHAKES	256
#define ADDRLIM_FD_RESERVE	64

/* A token bucket in thousandths of a token: refills at 'rate' tokens a
 * second up to 'burst'.  It may go into debt (tbucket_charge). */
struct tbucket {
	int64_t		at;	/* last refill, ms */
	int64_t		milli;	/* tokens * 1000; negative in debt */
};

/* Full at time now. */
void	 tbucket_init(struct tbucket *b, uint32_t burst, int64_t now);
/* Takes 'cost' tokens if the bucket holds them: 1, else 0 (untouched
 * but for the refill). */
int	 tbucket_take(struct tbucket *b, uint32_t rate, uint32_t burst,
	    uint32_t cost, int64_t now);
/* Takes 'cost' tokens whatever it holds; returns the milliseconds until
 * the balance is back to zero (0 if it is not in debt). */
int64_t	 tbucket_charge(struct tbucket *b, uint32_t rate, uint32_t burst,
	    uint32_t cost, int64_t now);
/* 1 if the bucket is full at time now. */
int	 tbucket_full(struct tbucket *b, uint32_t rate, uint32_t burst,
	    int64_t now);

#define ADDRLIM_KEY_BYTES	9	/* family byte, then 4 or 8 bytes */

struct addrlim_addr {
	uint8_t			 key[ADDRLIM_KEY_BYTES];
	uint32_t		 conns;		/* connections, any state */
	uint32_t		 pending;	/* not yet established */
	struct tbucket		 rooms;		/* rooms it may create */
	struct addrlim_addr	*next;		/* hash chain */
};

/* What each address may have (0: no limit for that one). */
struct addrlim_conf {
	uint32_t	max_conns;	/* connections per address */
	uint32_t	max_pending;	/* pending handshakes per address */
	uint32_t	rooms_rate;	/* rooms created per minute */
	uint32_t	rooms_burst;
};

struct addrlim;

/* A new table in *lp (0), or ERR_ALLOC.  Keyed with a random SipHash
 * key, so nobody can aim addresses at one chain. */
int	 addrlim_new(struct addrlim **lp, const struct addrlim_conf *conf);
void	 addrlim_free(struct addrlim *l);

/* The entry for sa's address, created if needed (counts zero, rooms
 * bucket full).  NULL for an address family other than IPv4/IPv6, or
 * out of memory.  Borrowed: valid while it has connections (conns > 0)
 * and until the next addrlim_sweep. */
struct addrlim_addr *addrlim_get(struct addrlim *l, const struct sockaddr *sa,
	    int64_t now);
/* sa's key: IPv4 (or IPv4-mapped) as 4 bytes, IPv6 as its /64; and its
 * address as 16 bytes of IPv6 (IPv4-mapped) for cookie.h.  -1 for
 * another family. */
int	 addrlim_key(const struct sockaddr *sa,
	    uint8_t key[ADDRLIM_KEY_BYTES], uint8_t addr16[16]);

/* Admission at accept: 0 and the connection and a pending handshake
 * counted, or ERR_RETRY_LATER (too many connections or pending
 * handshakes from that address) with nothing counted. */
int	 addrlim_admit(struct addrlim *l, struct addrlim_addr *a);
/* The handshake is over (established, or the connection ended). */
void	 addrlim_handshake_done(struct addrlim_addr *a);
/* The connection is gone (call addrlim_handshake_done first if its
 * handshake never finished). */
void	 addrlim_release(struct addrlim_addr *a);
/* A room is about to be created from a: 0 (one token taken), or
 * ERR_RETRY_LATER. */
int	 addrlim_room(struct addrlim *l, struct addrlim_addr *a, int64_t now);
/* Frees entries with no connection whose rooms bucket is full again;
 * returns how many entries remain. */
size_t	 addrlim_sweep(struct addrlim *l, int64_t now);
size_t	 addrlim_count(const struct addrlim *l);

#endif
