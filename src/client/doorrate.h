/*
 * doorrate.h: the rate limit of a guarded room's door, as a member
 * answers knocks.  Every knock counts before any work is done on it
 * (parsing, CPace), valid or not, and the ones over the limit are
 * counted for one coalesced notice instead of one each.
 */
#ifndef SOTTO_DOORRATE_H
#define SOTTO_DOORRATE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Knocks a member looks at per window, and the window in seconds. */
#define DOOR_RATE		5
#define DOOR_RATE_WINDOW	60

/* Zero-initialised is ready. */
struct door_rate {
	time_t		 t[DOOR_RATE];	/* times of the last knocks taken */
	size_t		 n;
	uint64_t	 ignored;	/* since the last door_rate_drain */
};

/* A knock arrived at now (seconds of a monotonic clock): 1 if it may be
 * looked at (it is counted), 0 if DOOR_RATE knocks were taken in the
 * last DOOR_RATE_WINDOW seconds (it is counted as ignored). */
int	 door_rate_take(struct door_rate *d, time_t now);
/* Knocks ignored since the last call (then reset to 0). */
uint64_t door_rate_drain(struct door_rate *d);

#endif
