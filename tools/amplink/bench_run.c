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

static double per_transfer(uint32_t counted, uint32_t overhead, unsigned int reps)
{
	double v = ((double)counted - (double)overhead) / reps;

	return v > 0 ? v : 0;
}

static void counters_delta(const struct amp_stats *a, const struct amp_stats *b,
			   const struct amp_stats *overhead, unsigned int reps,
			   struct bench_row *row)
{
	/*
	 * The closing statistics request itself is in b - a: take its own cost
	 * off. Doorbells depend on timing, so the request's cost measured
	 * before may exceed what it cost this time: no count goes below 0.
	 */
	row->msgs_to_fw = per_transfer(b->rx_msgs - a->rx_msgs, overhead->rx_msgs, reps);
	row->msgs_from_fw = per_transfer(b->tx_msgs - a->tx_msgs, overhead->tx_msgs, reps);
	row->kicks_in = per_transfer(b->kicks_in - a->kicks_in, overhead->kicks_in, reps);
	row->irqs_out = per_transfer(b->irqs_out - a->irqs_out, overhead->irqs_out, reps);
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

const char *bench_direction_name(enum bench_direction d)
{
	return d == BENCH_FROM_FW ? "from-fw" : "to-fw";
}

/* One timed block: buf's bytes to the firmware, or the firmware's into buf. */
static int transfer(struct amp_channel *ch, unsigned char *buf, size_t size, double *ms,
		    struct bench_row *row)
{
	struct timespec t0, t1;
	struct amp_transfer t;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (row->dir == BENCH_FROM_FW)
		rc = amp_channel_fetch_block(ch, buf, size, &t);
	else
		rc = amp_channel_send_block(ch, buf, size, &t);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc != 0) {
		int err = errno;

		if (err == EPERM || err == EACCES)
			snprintf(row->error, sizeof(row->error),
				 "%s: sending needs CAP_NET_ADMIN or a granted group (root, or "
				 "'amplink grant')",
				 strerror(err));
		else if (err == ENODEV)
			snprintf(row->error, sizeof(row->error),
				 "%s: the firmware's channel went away", strerror(err));
		else if (row->dir == BENCH_FROM_FW)
			snprintf(row->error, sizeof(row->error),
				 "%s (%u of %zu bytes came, status %u)", strerror(err),
				 t.acked_bytes, size, t.status);
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

/* Untimed transfers per transport that give its messages and doorbells per transfer. */
#define COUNT_TRANSFERS 5u

/* One transport being measured. */
struct lane {
	struct amp_channel *ch;
	struct bench_row *rows; /* nsizes of them */
	double *samples;	/* repeat */
	unsigned int ok;	/* samples taken at the current size */
	bool lost;		/* a failure no retry cures: nothing more is tried */
};

static void count_messages(struct lane *l, unsigned char *buf, size_t size, struct bench_row *row)
{
	struct amp_stats before = {0}, after = {0}, cost = {0};
	struct bench_row scratch = *row;
	unsigned int done = 0;
	double ignored;

	if (stats_overhead(l->ch, &before, &cost) != 0)
		return;
	while (done < COUNT_TRANSFERS && transfer(l->ch, buf, size, &ignored, &scratch) == 0)
		done++;
	if (done == COUNT_TRANSFERS && amp_channel_firmware_stats(l->ch, &after) == 0)
		counters_delta(&before, &after, &cost, done, row);
}

static void start_size(struct lane *l, size_t i, size_t size)
{
	struct bench_row *row = &l->rows[i];
	enum amp_transport t = row->transport;
	enum bench_direction dir = row->dir;

	memset(row, 0, sizeof(*row));
	row->transport = t;
	row->dir = dir;
	row->size = size;
	l->ok = 0;
	if (l->lost) {
		row->failures = 1;
		row->last_errno = l->rows[i ? i - 1 : 0].last_errno;
		snprintf(row->error, sizeof(row->error), "not tried (see above)");
	}
}

static void take_sample(struct lane *l, unsigned char *buf, size_t size, size_t i)
{
	struct bench_row *row = &l->rows[i];

	if (l->lost)
		return;
	if (transfer(l->ch, buf, size, &l->samples[l->ok], row) == 0)
		l->ok++;
	else if (transport_lost(errno))
		l->lost = true;
}

static void finish_size(struct lane *l, unsigned char *buf, size_t size, size_t i)
{
	struct bench_row *row = &l->rows[i];

	row->reps = l->ok;
	if (!l->ok)
		return;
	summarize(l->samples, l->ok, &row->ms);
	row->kbps = row->ms.median > 0 ? (double)size / row->ms.median : 0;
	if (!row->failures && !l->lost)
		count_messages(l, buf, size, row);
}

/*
 * One memcpy() of size bytes, timed: the reference a transfer by reference
 * is measured against (it costs at least one copy on this side).
 */
static double time_memcpy(unsigned char *dst, const unsigned char *src, size_t size)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memcpy(dst, src, size);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* the compiler may not drop a copy nobody reads */
	__asm__ volatile("" : : "r"(dst) : "memory");
	return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

void bench_interleaved(const struct bench_config *cfg, enum bench_direction dir,
		       struct amp_channel *const *chans, const enum amp_transport *ts, size_t k,
		       struct bench_row *rows)
{
	struct lane lanes[AMP_TRANSPORT_COUNT] = {0};
	size_t largest = 1;
	double ignored;

	for (size_t i = 0; i < cfg->nsizes; i++)
		largest = cfg->sizes[i] > largest ? cfg->sizes[i] : largest;
	unsigned char *buf = malloc(largest), *copy = malloc(largest);
	double *copies = calloc(cfg->repeat, sizeof(double));
	struct summary copied;

	for (size_t j = 0; j < k; j++) {
		lanes[j] = (struct lane){chans[j], rows + j * cfg->nsizes,
					 calloc(cfg->repeat, sizeof(double)), 0, false};
		for (size_t i = 0; i < cfg->nsizes; i++) {
			rows[j * cfg->nsizes + i].transport = ts[j];
			rows[j * cfg->nsizes + i].dir = dir;
		}
		if (!lanes[j].samples)
			lanes[j].lost = true;
	}
	if (copy)
		memset(copy, 0, largest); /* its pages are there before anything is timed */
	for (size_t i = 0; buf && copy && copies && i < cfg->nsizes; i++) {
		size_t size = cfg->sizes[i];

		fill(buf, size, (unsigned int)size);
		for (size_t j = 0; j < k; j++)
			start_size(&lanes[j], i, size);
		for (unsigned int w = 0; w < cfg->warmup; w++)
			for (size_t j = 0; j < k; j++)
				if (!lanes[j].lost)
					transfer(lanes[j].ch, buf, size, &ignored,
						 &lanes[j].rows[i]);
		/* every repetition visits every transport, starting one further on */
		for (unsigned int r = 0; r < cfg->repeat; r++) {
			copies[r] = time_memcpy(copy, buf, size);
			for (size_t j = 0; j < k; j++)
				take_sample(&lanes[(r + j) % k], buf, size, i);
		}
		summarize(copies, cfg->repeat, &copied);
		for (size_t j = 0; j < k; j++) {
			finish_size(&lanes[j], buf, size, i);
			lanes[j].rows[i].memcpy_ms = copied.median;
		}
	}
	for (size_t j = 0; j < k; j++)
		free(lanes[j].samples);
	free(copies);
	free(copy);
	free(buf);
}

/* The rpmsg messages a transfer of row cost the way its blocks go. */
static double block_messages(const struct bench_row *row)
{
	return row->dir == BENCH_FROM_FW ? row->msgs_from_fw : row->msgs_to_fw;
}

double bench_per_message_us(const struct bench_row *rows, size_t nsizes)
{
	const struct bench_row *a = NULL, *b = NULL;

	/* by reference a block's bytes are in no rpmsg message: no such slope */
	if (nsizes && rows[0].transport == AMP_TRANSPORT_SHM)
		return -1;

	for (size_t i = 0; i < nsizes; i++) {
		if (!rows[i].reps || !rows[i].have_counts)
			continue;
		if (!a || block_messages(&rows[i]) < block_messages(a))
			a = &rows[i];
		if (!b || block_messages(&rows[i]) > block_messages(b))
			b = &rows[i];
	}
	if (!a || !b || block_messages(b) - block_messages(a) < 1.0)
		return -1;
	return (b->ms.median - a->ms.median) * 1000.0 / (block_messages(b) - block_messages(a));
}
