/* SPDX-License-Identifier: BSD-3-Clause */
#include "stats.h"

#include <math.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile: a value that was actually measured. */
static double percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p / 100.0 * (double)n);

	return sorted[rank ? rank - 1 : 0];
}

void summarize(double *samples, size_t n, struct summary *out)
{
	double sum = 0;

	qsort(samples, n, sizeof(*samples), cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += samples[i];
	out->min = samples[0];
	out->max = samples[n - 1];
	out->median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
	out->p90 = percentile(samples, n, 90.0);
	out->p99 = percentile(samples, n, 99.0);
	out->mean = sum / (double)n;
}
