/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The measurement loop: one verified block per transaction, timed with
 * CLOCK_MONOTONIC around nothing but the transaction, after warm-up.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

static double elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	uint32_t x = seed * 2654435761u + 12345u;

	for (size_t i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		buf[i] = (unsigned char)(x >> 24);
	}
}

static void counters_delta(const struct amp_stats *a, const struct amp_stats *b,
			   const struct amp_stats *overhead, unsigned int reps,
			   struct bench_row *row)
{
	/* The closing statistics request itself is in b - a: take its own cost off. */
	row->msgs_to_fw = ((double)(b->rx_msgs - a->rx_msgs) - overhead->rx_msgs) / reps;
	row->msgs_from_fw = ((double)(b->tx_msgs - a->tx_msgs) - overhead->tx_msgs) / reps;
	row->kicks_in = ((double)(b->kicks_in - a->kicks_in) - overhead->kicks_in) / reps;
	row->irqs_out = ((double)(b->irqs_out - a->irqs_out) - overhead->irqs_out) / reps;
	row->have_counts = true;
}

/* What one statistics request costs in messages and doorbells. */
static int stats_overhead(struct amp_channel *ch, struct amp_stats *base, struct amp_stats *cost)
{
	struct amp_stats s1;

	if (amp_channel_firmware_stats(ch, base) != 0 || amp_channel_firmware_stats(ch, &s1) != 0)
		return -1;
	cost->rx_msgs = s1.rx_msgs - base->rx_msgs;
	cost->tx_msgs = s1.tx_msgs - base->tx_msgs;
	cost->kicks_in = s1.kicks_in - base->kicks_in;
	cost->irqs_out = s1.irqs_out - base->irqs_out;
	*base = s1;
	return 0;
}

static int transfer(struct amp_channel *ch, const unsigned char *buf, size_t size, double *ms,
		    struct bench_row *row)
{
	struct timespec t0, t1;
	struct amp_transfer t;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = amp_channel_send_block(ch, buf, size, &t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0) {
		int err = errno;

		if (err == EPERM || err == EACCES)
			snprintf(row->error, sizeof(row->error),
				 "%s: sending needs CAP_NET_ADMIN (run as root)", strerror(err));
		else if (err == ENODEV)
			snprintf(row->error, sizeof(row->error),
				 "%s: the firmware's channel went away", strerror(err));
		else
			snprintf(row->error, sizeof(row->error),
				 "%s (firmware acked %u of %zu bytes, status %u)", strerror(err),
				 t.acked_bytes, size, t.status);
		row->failures++;
		row->last_errno = err;
		errno = err;
		return -1;
	}
	*ms = elapsed_ms(&t0, &t1);
	return 0;
}

/* Failures no retry can cure: measuring on would only repeat them. */
static bool transport_lost(int err)
{
	return err == EPERM || err == EACCES || err == ENODEV;
}

static void measure_size(const struct bench_config *cfg, struct amp_channel *ch, unsigned char *buf,
			 size_t size, double *samples, struct bench_row *row)
{
	struct amp_stats before = {0}, after = {0}, cost = {0};
	double ignored;
	unsigned int ok = 0;

	memset(row, 0, sizeof(*row));
	row->size = size;
	fill(buf, size, (unsigned int)size);
	for (unsigned int i = 0; i < cfg->warmup; i++)
		transfer(ch, buf, size, &ignored, row);
	bool counted = stats_overhead(ch, &before, &cost) == 0;

	for (unsigned int i = 0; i < cfg->repeat; i++) {
		if (transfer(ch, buf, size, &samples[ok], row) == 0)
			ok++;
		else if (transport_lost(errno))
			break;
	}
	if (counted && ok == cfg->repeat && amp_channel_firmware_stats(ch, &after) == 0)
		counters_delta(&before, &after, &cost, ok, row);
	row->reps = ok;
	if (ok) {
		summarize(samples, ok, &row->ms);
		row->kbps = row->ms.median > 0 ? (double)size / row->ms.median : 0;
	}
}

int bench_transport(const struct bench_config *cfg, enum amp_transport t, struct bench_row *rows)
{
	struct amp_open_options o = {
		.transport = t, .device = cfg->device[t], .timeout_ms = cfg->timeout_ms};
	size_t largest = 1;
	struct amp_channel *ch = amp_channel_open(&o);

	if (!ch)
		return -1;
	for (size_t i = 0; i < cfg->nsizes; i++)
		largest = cfg->sizes[i] > largest ? cfg->sizes[i] : largest;

	unsigned char *buf = malloc(largest);
	double *samples = calloc(cfg->repeat, sizeof(double));

	if (!buf || !samples) {
		free(buf);
		free(samples);
		amp_channel_close(ch);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < cfg->nsizes; i++) {
		rows[i].transport = t;
		if (i && rows[i - 1].failures && !rows[i - 1].reps &&
		    transport_lost(rows[i - 1].last_errno)) {
			memset(&rows[i], 0, sizeof(rows[i]));
			rows[i].transport = t;
			rows[i].size = cfg->sizes[i];
			rows[i].failures = 1;
			rows[i].last_errno = rows[i - 1].last_errno;
			snprintf(rows[i].error, sizeof(rows[i].error), "not tried (see above)");
			continue;
		}
		measure_size(cfg, ch, buf, cfg->sizes[i], samples, &rows[i]);
		rows[i].transport = t;
	}
	free(buf);
	free(samples);
	amp_channel_close(ch);
	return 0;
}
