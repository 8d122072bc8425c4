/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink bench: measurement and reports. */
#ifndef AMPLINK_CLI_BENCH_H
#define AMPLINK_CLI_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <amplink/amplink.h>

#include "stats.h"

#define BENCH_MAX_SIZES 32

/* Which way the blocks go. */
enum bench_direction {
	BENCH_TO_FW,   /* to the bench service, verified by its ack */
	BENCH_FROM_FW, /* from the bench source, verified byte by byte here */
	BENCH_DIRECTIONS,
};

/* "to-fw" or "from-fw", as --direction and the CSV and JSON name them. */
const char *bench_direction_name(enum bench_direction d);

struct bench_row {
	enum bench_direction dir;
	enum amp_transport transport;
	size_t size;
	unsigned int reps;
	unsigned int failures;
	struct summary ms;
	double kbps; /* 1000-byte KB per second, at the median */
	/* Per transfer, from the firmware's counters. */
	double msgs_to_fw, msgs_from_fw, kicks_in, irqs_out;
	bool have_counts;
	/* a memcpy() of the same size in this process, interleaved: the median */
	double memcpy_ms;
	int last_errno;
	char error[128];
};

struct bench_config {
	unsigned int transports; /* mask of 1 << enum amp_transport */
	unsigned int directions; /* mask of 1 << enum bench_direction */
	bool explicit_directions;
	bool explicit_transports;
	size_t sizes[BENCH_MAX_SIZES];
	size_t nsizes;
	unsigned int repeat, warmup;
	int timeout_ms;
	const char *device[AMP_TRANSPORT_COUNT];
};

/*
 * Measures the open channels chans[0..k) (of transports ts[]) over every
 * size, interleaved: each repetition runs the size once on every transport,
 * in an order that rotates from one repetition to the next, so that whatever
 * else the machine does meanwhile hits every transport alike. Transport j's
 * rows are rows[j * nsizes .. (j + 1) * nsizes). The firmware's counters
 * are global, so messages and doorbells per transfer come from a short
 * untimed pass per transport after the timed one.
 */
void bench_interleaved(const struct bench_config *cfg, enum bench_direction dir,
		       struct amp_channel *const *chans, const enum amp_transport *ts, size_t k,
		       struct bench_row *rows);

/*
 * Cost per rpmsg message (microseconds) on the transport whose rows are
 * rows[0..nsizes): the slope of the median time against the messages per
 * transfer (the blocks' way) between the smallest and the largest size
 * measured with counts.
 * Negative when it cannot be told, and for shm (bytes by reference travel
 * in no rpmsg message).
 */
double bench_per_message_us(const struct bench_row *rows, size_t nsizes);

void bench_print_table(FILE *out, const struct bench_row *rows, size_t n);
/* rows: one direction's, grouped by transport. */
void bench_print_comparison(FILE *out, const struct bench_row *rows, size_t n);
void bench_write_csv(FILE *out, const struct bench_row *rows, size_t n);
void bench_write_json(FILE *out, const struct bench_config *cfg, const struct bench_row *rows,
		      size_t n);
/* Writes bench.csv, bench.json and bench.svg (through gnuplot) into dir. */
int bench_write_outputs(const char *dir, const struct bench_config *cfg,
			const struct bench_row *rows, size_t n);

#endif
