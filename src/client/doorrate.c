/* doorrate.c: the door's knock rate limit (see doorrate.h). */
#include <string.h>

#include "doorrate.h"

int
door_rate_take(struct door_rate *d, time_t now)
{
	/* d->t[0] is the oldest of the last DOOR_RATE knocks taken. */
	if (d->n == DOOR_RATE && now - d->t[0] < DOOR_RATE_WINDOW) {
		d->ignored++;
		return 0;
	}
	if (d->n == DOOR_RATE) {
		memmove(d->t, d->t + 1, (DOOR_RATE - 1) * sizeof(d->t[0]));
		d->n--;
	}
	d->t[d->n++] = now;
	return 1;
}

uint64_t
door_rate_drain(struct door_rate *d)
{
	uint64_t n = d->ignored;

	d->ignored = 0;
	return n;
}
