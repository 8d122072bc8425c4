/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink bench: measurement and reports. */
#ifndef AMPLINK_BENCH_H
#define AMPLINK_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <amplink/amplink.h>

#include "stats.h"

#define BENCH_MAX_SIZES 32

struct bench_row {
	enum amp_transport transport;
	size_t size;
	unsigned int reps;
	unsigned int failures;
	struct summary ms;
	double kbps; /* 1000-byte KB per second, at the median */
	/* Per transfer, from the firmware's counters. */
	double msgs_to_fw, msgs_from_fw, kicks_in, irqs_out;
	bool have_counts;
	int last_errno;
	char error[128];
};

struct bench_config {
	unsigned int transports; /* mask of 1 << enum amp_transport */
	bool explicit_transports;
	size_t sizes[BENCH_MAX_SIZES];
	size_t nsizes;
	unsigned int repeat, warmup;
	int timeout_ms;
	const char *device[AMP_TRANSPORT_COUNT];
};

/*
 * Measures one transport over every size into rows (nsizes entries).
 * Returns 0, or -1 with errno when the transport could not be opened.
 */
int bench_transport(const struct bench_config *cfg, enum amp_transport t, struct bench_row *rows);

void bench_print_table(FILE *out, const struct bench_row *rows, size_t n);
void bench_print_comparison(FILE *out, const struct bench_row *rows, size_t n);
void bench_write_csv(FILE *out, const struct bench_row *rows, size_t n);
void bench_write_json(FILE *out, const struct bench_config *cfg, const struct bench_row *rows,
		      size_t n);
/* Writes bench.csv, bench.json and bench.svg (through gnuplot) into dir. */
int bench_write_outputs(const char *dir, const struct bench_config *cfg,
			const struct bench_row *rows, size_t n);

#endif
