/*
 * mono.h: the monotonic clock in milliseconds, for deadlines and ages
 * (never for the time of day).  One definition for every module that
 * measures time: the relay, its admission stage and cluster, conn.
 */
#ifndef SOTTO_MONO_H
#define SOTTO_MONO_H

#include <stdint.h>

/* CLOCK_MONOTONIC in ms (from an arbitrary start; never goes back). */
int64_t	 mono_ms(void);

#endif
