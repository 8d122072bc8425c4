/* SPDX-License-Identifier: BSD-3-Clause */
/* Order statistics of a set of timings. */
#ifndef AMPLINK_STATS_H
#define AMPLINK_STATS_H

#include <stddef.h>

struct summary {
	double min, median, p90, p99, max, mean;
};

/* Sorts samples in place and summarises them (n > 0). */
void summarize(double *samples, size_t n, struct summary *out);

#endif
