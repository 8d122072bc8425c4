/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink bench reports: tables, CSV, JSON and a plot. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

void bench_print_table(FILE *out, const struct bench_row *rows, size_t n)
{
	if (rows[0].dir == BENCH_FROM_FW)
		fprintf(out,
			"\n%s, from the firmware (%u transfers per size, every byte checked)\n",
			amp_transport_name(rows[0].transport), rows[0].reps);
	else
		fprintf(out,
			"\n%s, to the firmware (%u transfers per size, each verified by its ack)\n",
			amp_transport_name(rows[0].transport), rows[0].reps);
	fprintf(out, "%9s %10s %9s %9s %9s %11s %9s %9s %9s %9s\n", "bytes", "median ms", "p90 ms",
		"p99 ms", "max ms", "KB/s", "msgs->fw", "msgs<-fw", "kicks in", "irqs out");
	for (size_t i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		if (!r->reps) {
			fprintf(out, "%9zu  failed: %s\n", r->size, r->error);
			continue;
		}
		fprintf(out, "%9zu %10.3f %9.3f %9.3f %9.3f %11.1f", r->size, r->ms.median,
			r->ms.p90, r->ms.p99, r->ms.max, r->kbps);
		if (r->have_counts)
			fprintf(out, " %9.1f %9.1f %9.1f %9.1f", r->msgs_to_fw, r->msgs_from_fw,
				r->kicks_in, r->irqs_out);
		fprintf(out, r->failures ? "  (%u failed: %s)\n" : "\n", r->failures, r->error);
	}
}

/* Doorbells per MiB at the largest size, where the firmware's counters say. */
static void print_doorbells(FILE *out, const struct bench_row *rows, size_t n, size_t nsizes)
{
	fprintf(out, "%9s", "bells/MiB");
	for (size_t g = 0; g < n; g += nsizes) {
		const struct bench_row *r = &rows[g + nsizes - 1];

		if (r->have_counts && r->size > 0)
			fprintf(out, " %22.2f",
				(r->kicks_in + r->irqs_out) * 1048576.0 / (double)r->size);
		else
			fprintf(out, " %22s", "-");
	}
	fputc('\n', out);
}

/* Rows are grouped by transport, each group holding the same sizes. */
void bench_print_comparison(FILE *out, const struct bench_row *rows, size_t n)
{
	size_t nsizes = 0;

	while (nsizes < n && rows[nsizes].transport == rows[0].transport)
		nsizes++;
	fprintf(out, "\nComparison, %s the firmware: median ms per transaction (KB/s)\n%9s",
		rows[0].dir == BENCH_FROM_FW ? "from" : "to", "bytes");
	for (size_t g = 0; g < n; g += nsizes)
		fprintf(out, " %22s", amp_transport_name(rows[g].transport));
	fprintf(out, " %10s\n", "memcpy ms");
	for (size_t i = 0; i < nsizes; i++) {
		fprintf(out, "%9zu", rows[i].size);
		for (size_t g = 0; g < n; g += nsizes) {
			const struct bench_row *r = &rows[g + i];

			if (r->reps)
				fprintf(out, " %9.3f (%10.1f)", r->ms.median, r->kbps);
			else
				fprintf(out, " %22s", "failed");
		}
		fprintf(out, " %10.3f\n", rows[i].memcpy_ms);
	}
	print_doorbells(out, rows, n, nsizes);
	fprintf(out, "%9s", "us/msg");
	for (size_t g = 0; g < n; g += nsizes) {
		double us = bench_per_message_us(rows + g, nsizes);

		if (us >= 0)
			fprintf(out, " %22.2f", us);
		else
			fprintf(out, " %22s", "-");
	}
	fprintf(out, "\n(us/msg: cost of one more rpmsg message, the slope between the smallest\n"
		     " and the largest size; bells/MiB: doorbells both ways, kicks in and irqs\n"
		     " out, per MiB moved at the largest size; memcpy: one copy of the block in\n"
		     " this process; transports interleaved, each repetition in turn)\n");
}

void bench_write_csv(FILE *out, const struct bench_row *rows, size_t n)
{
	fprintf(out, "transport,bytes,transfers,failures,min_ms,median_ms,p99_ms,max_ms,mean_ms,"
		     "kb_per_s,msgs_to_fw,msgs_from_fw,kicks_in,irqs_out,p90_ms,direction,"
		     "memcpy_ms\n");
	for (size_t i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fprintf(out, "%s,%zu,%u,%u,%.6f,%.6f,%.6f,%.6f,%.6f,%.3f",
			amp_transport_name(r->transport), r->size, r->reps, r->failures, r->ms.min,
			r->ms.median, r->ms.p99, r->ms.max, r->ms.mean, r->kbps);
		if (r->have_counts)
			fprintf(out, ",%.2f,%.2f,%.2f,%.2f", r->msgs_to_fw, r->msgs_from_fw,
				r->kicks_in, r->irqs_out);
		else
			fprintf(out, ",,,,");
		fprintf(out, ",%.6f,%s,%.6f\n", r->ms.p90, bench_direction_name(r->dir),
			r->memcpy_ms);
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void bench_write_json(FILE *out, const struct bench_config *cfg, const struct bench_row *rows,
		      size_t n)
{
	struct utsname u;

	uname(&u);
	fprintf(out, "{\n  \"tool\": \"amplink bench\",\n  \"kernel\": ");
	json_string(out, u.release);
	fprintf(out, ",\n  \"machine\": ");
	json_string(out, u.machine);
	fprintf(out, ",\n  \"repeat\": %u,\n  \"warmup\": %u,\n  \"results\": [\n", cfg->repeat,
		cfg->warmup);
	for (size_t i = 0; i < n; i++) {
		const struct bench_row *r = &rows[i];

		fprintf(out,
			"    {\"direction\": \"%s\", \"transport\": \"%s\", \"bytes\": %zu, "
			"\"transfers\": %u, "
			"\"failures\": %u, \"min_ms\": %.6f, \"median_ms\": %.6f, "
			"\"p90_ms\": %.6f, \"p99_ms\": %.6f, \"max_ms\": %.6f, \"kb_per_s\": %.3f, "
			"\"memcpy_ms\": %.6f",
			bench_direction_name(r->dir), amp_transport_name(r->transport), r->size,
			r->reps, r->failures, r->ms.min, r->ms.median, r->ms.p90, r->ms.p99,
			r->ms.max, r->kbps, r->memcpy_ms);
		if (r->have_counts)
			fprintf(out,
				", \"msgs_to_fw\": %.2f, \"msgs_from_fw\": %.2f, "
				"\"kicks_in\": %.2f, \"irqs_out\": %.2f",
				r->msgs_to_fw, r->msgs_from_fw, r->kicks_in, r->irqs_out);
		if (r->failures) {
			fprintf(out, ", \"error\": ");
			json_string(out, r->error);
		}
		fprintf(out, "}%s\n", i + 1 < n ? "," : "");
	}
	fprintf(out, "  ]\n}\n");
}

static int write_file(const char *dir, const char *name, char *path, size_t path_len, FILE **out)
{
	snprintf(path, path_len, "%s/%s", dir, name);
	*out = fopen(path, "w");
	if (!*out)
		fprintf(stderr, "amplink: cannot write %s: %s\n", path, strerror(errno));
	return *out ? 0 : -1;
}

/* Rows of one line in the plot: the same transport, the same way. */
static bool same_series(const struct bench_row *a, const struct bench_row *b)
{
	return a->transport == b->transport && a->dir == b->dir;
}

/* One data block per transport and direction (gnuplot "index"), read from the CSV's numbers. */
static int write_plot(const char *dir, const struct bench_row *rows, size_t n)
{
	char path[4096], cmd[8192];
	FILE *f;
	size_t g = 0;

	if (write_file(dir, "bench.dat", path, sizeof(path), &f) != 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (i && !same_series(&rows[i], &rows[i - 1]))
			fprintf(f, "\n\n");
		if (rows[i].reps)
			fprintf(f, "%zu %.6f %.3f\n", rows[i].size, rows[i].ms.median,
				rows[i].kbps);
	}
	fclose(f);
	if (write_file(dir, "bench.gp", path, sizeof(path), &f) != 0)
		return -1;
	fprintf(f,
		"set terminal svg size 1000,420 dynamic font 'sans,11'\n"
		"set output '%s/bench.svg'\nset multiplot layout 1,2\n"
		"set logscale x 2\nset grid\nset key top left\nset xlabel 'block size (bytes)'\n"
		"set ylabel 'median time per transaction (ms)'\nset logscale y\n"
		"set title 'Transaction time'\nplot ",
		dir);
	for (size_t i = 0; i < n; i++) {
		if (i && same_series(&rows[i], &rows[i - 1]))
			continue;
		fprintf(f, "%s'%s/bench.dat' index %zu using 1:2 with linespoints title '%s %s'",
			g ? ", " : "", dir, g, amp_transport_name(rows[i].transport),
			bench_direction_name(rows[i].dir));
		g++;
	}
	fprintf(f, "\nunset logscale y\nset ylabel 'throughput (KB/s)'\nset title 'Throughput'\n"
		   "plot ");
	g = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && same_series(&rows[i], &rows[i - 1]))
			continue;
		fprintf(f, "%s'%s/bench.dat' index %zu using 1:3 with linespoints title '%s %s'",
			g ? ", " : "", dir, g, amp_transport_name(rows[i].transport),
			bench_direction_name(rows[i].dir));
		g++;
	}
	fprintf(f, "\nunset multiplot\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "gnuplot '%s' 2>&1", path);
	int rc = system(cmd);

	if (rc != 0) {
		fprintf(stderr,
			"amplink: gnuplot failed (is it installed?); the plot script is %s\n",
			path);
		return -1;
	}
	return 0;
}

int bench_write_outputs(const char *dir, const struct bench_config *cfg,
			const struct bench_row *rows, size_t n)
{
	char path[4096];
	FILE *f;

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "amplink: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (write_file(dir, "bench.csv", path, sizeof(path), &f) != 0)
		return -1;
	bench_write_csv(f, rows, n);
	fclose(f);
	if (write_file(dir, "bench.json", path, sizeof(path), &f) != 0)
		return -1;
	bench_write_json(f, cfg, rows, n);
	fclose(f);
	return write_plot(dir, rows, n);
}
