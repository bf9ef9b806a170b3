/*
 * bench/benchstat.h: the small helpers the C benchmarks share -- a CPU
 * clock read in nanoseconds and the median of a series.  Header only
 * (each bench C file is its own program).
 */
#ifndef SOTTO_BENCHSTAT_H
#define SOTTO_BENCHSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* CPU time of clock (CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID)
 * in nanoseconds. */
static inline uint64_t
benchstat_cpu_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline int
benchstat_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts v in place and returns its median (0 for none). */
static inline double
benchstat_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), benchstat_cmp_double);
	if (n == 0)
		return 0;
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
