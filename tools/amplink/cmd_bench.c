/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink bench: the transport benchmark. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amplink/bench.h>

#include "bench.h"
#include "cli.h"

static const size_t default_sizes[] = {512, 1024, 2048, 4096, 8192, 16384, 32768};

/*
 * A transfer's bound when --timeout is not given: a 64 MiB block takes
 * seconds through the slower paths (rpmsg_char, a loaded machine), and
 * one bound for every size is what the channels take.
 */
#define TIMEOUT_PER_MIB_MS 100

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink bench [OPTIONS]\n"
		"\n"
		"Moves blocks between Linux and the firmware, one block per transaction,\n"
		"every one verified, and reports the time per transaction, throughput, and\n"
		"the rpmsg messages and doorbells each transfer cost, for every transport\n"
		"side by side. to-fw: each block a message to the firmware's bench service,\n"
		"which acknowledges its length and CRC-32. from-fw: each block a message the\n"
		"firmware's bench source generates on request, its frames' CRCs and every\n"
		"byte checked here.\n"
		"\n"
		"Options:\n"
		"  -t, --transport LIST  netlink,tty,char,shm (default: every one present;\n"
		"                        shm: netlink with every block by reference through\n"
		"                        the module's pool, netlink then only in frames)\n"
		"  -d, --direction LIST  to-fw,from-fw (default: both, one after the other)\n"
		"  -s, --sizes LIST      block sizes, e.g. 512,4K,1M\n"
		"                        (default: 512,1024,...,32768)\n"
		"  -n, --repeat N        timed transfers per size (default 20)\n"
		"  -w, --warmup N        untimed transfers first (default 3)\n"
		"  -f, --format FMT      table (default), csv or json on standard output\n"
		"  -o, --output DIR      also write bench.csv, bench.json and bench.svg there\n"
		"      --timeout MS      per transfer (default %d, plus %d per MiB of the largest "
		"size)\n"
		"      --tty PATH        tty device (default /dev/ttyRPMSG0)\n"
		"      --char PATH       rpmsg_char device (default: the rpmsg-raw channel's)\n"
		"      --netlink CH      netlink channel id or name (default: the first)\n"
		"  -h, --help            show this help\n"
		"\n"
		"KB/s is 1000 bytes per second at the median time; memcpy is one copy of a\n"
		"block in this process, timed between the transfers. Exit status: 0 when every\n"
		"transfer was verified, 1 when any failed, 2 on bad usage.\n",
		AMP_DEFAULT_TIMEOUT_MS, TIMEOUT_PER_MIB_MS);
}

static int parse_sizes(const char *s, struct bench_config *cfg)
{
	char copy[512], *save = NULL;

	if (strlen(s) >= sizeof(copy))
		return -1;
	strcpy(copy, s);
	cfg->nsizes = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (cfg->nsizes == BENCH_MAX_SIZES ||
		    cli_parse_size(tok, &cfg->sizes[cfg->nsizes++]))
			return -1;
	return cfg->nsizes ? 0 : -1;
}

static int parse_directions(const char *s, unsigned int *mask)
{
	char copy[64], *save = NULL;

	if (strlen(s) >= sizeof(copy))
		return -1;
	strcpy(copy, s);
	*mask = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		unsigned int d = 0;

		while (d < BENCH_DIRECTIONS && strcmp(tok, bench_direction_name(d)))
			d++;
		if (d == BENCH_DIRECTIONS)
			return -1;
		*mask |= 1u << d;
	}
	return *mask ? 0 : -1;
}

static int parse_count(const char *s, unsigned int min, unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v < min || v > 1000000)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

enum format { FORMAT_TABLE, FORMAT_CSV, FORMAT_JSON };

struct bench_cli {
	struct bench_config cfg;
	enum format format;
	const char *output;
};

static int bad(const char *what)
{
	fprintf(stderr, "amplink bench: %s (see --help)\n", what);
	return 2;
}

static int parse_args(int argc, char **argv, struct bench_cli *c)
{
	enum { OPT_TIMEOUT = 256, OPT_TTY, OPT_CHAR, OPT_NETLINK };
	static const struct option opts[] = {
		{"transport", required_argument, NULL, 't'},
		{"direction", required_argument, NULL, 'd'},
		{"sizes", required_argument, NULL, 's'},
		{"repeat", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"timeout", required_argument, NULL, OPT_TIMEOUT},
		{"tty", required_argument, NULL, OPT_TTY},
		{"char", required_argument, NULL, OPT_CHAR},
		{"netlink", required_argument, NULL, OPT_NETLINK},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	unsigned int timeout;
	int o;

	opterr = 0;
	while ((o = getopt_long(argc, argv, ":t:d:s:n:w:f:o:h", opts, NULL)) != -1) {
		switch (o) {
		case 'd':
			if (parse_directions(optarg, &c->cfg.directions))
				return bad("--direction takes a list of to-fw, from-fw");
			c->cfg.explicit_directions = true;
			break;
		case 't':
			if (cli_parse_transports(optarg, &c->cfg.transports))
				return bad("--transport takes a list of netlink, tty, char");
			c->cfg.explicit_transports = true;
			break;
		case 's':
			if (parse_sizes(optarg, &c->cfg))
				return bad("--sizes takes up to 32 sizes like 512,4K,1M");
			break;
		case 'n':
			if (parse_count(optarg, 1, &c->cfg.repeat))
				return bad("--repeat takes a number from 1");
			break;
		case 'w':
			if (parse_count(optarg, 0, &c->cfg.warmup))
				return bad("--warmup takes a number");
			break;
		case 'f':
			if (!strcmp(optarg, "table"))
				c->format = FORMAT_TABLE;
			else if (!strcmp(optarg, "csv"))
				c->format = FORMAT_CSV;
			else if (!strcmp(optarg, "json"))
				c->format = FORMAT_JSON;
			else
				return bad("--format takes table, csv or json");
			break;
		case 'o':
			c->output = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_count(optarg, 1, &timeout))
				return bad("--timeout takes milliseconds");
			c->cfg.timeout_ms = (int)timeout;
			break;
		case OPT_TTY:
			c->cfg.device[AMP_TRANSPORT_TTY] = optarg;
			break;
		case OPT_CHAR:
			c->cfg.device[AMP_TRANSPORT_CHAR] = optarg;
			break;
		case OPT_NETLINK:
			c->cfg.device[AMP_TRANSPORT_NETLINK] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return cli_bad_option("bench", argv, opts, o);
		}
	}
	return optind == argc ? 0 : bad("unexpected arguments");
}

/*
 * Opens every selected transport for one direction and measures them
 * together; returns the rows filled.
 */
static size_t run_direction(const struct bench_config *cfg, enum bench_direction dir,
			    struct bench_row *rows, int *status)
{
	struct amp_channel *chans[AMP_TRANSPORT_COUNT];
	enum amp_transport ts[AMP_TRANSPORT_COUNT];
	size_t k = 0;

	for (unsigned int t = 0; t < AMP_TRANSPORT_COUNT; t++) {
		if (!(cfg->transports & (1u << t)))
			continue;
		struct amp_open_options o = {.transport = (enum amp_transport)t,
					     .device = cfg->device[t],
					     .timeout_ms = cfg->timeout_ms};
		struct amp_channel *ch =
			dir == BENCH_FROM_FW ? amp_channel_open_source(&o) : amp_channel_open(&o);

		if (!ch) {
			int err = errno;

			if (dir == BENCH_FROM_FW && err == EPROTONOSUPPORT &&
			    !cfg->explicit_directions) {
				fprintf(stderr,
					"amplink bench: %s: the firmware has no bench source (%s), "
					"from-fw skipped\n",
					amp_transport_name(t), AMP_BENCH_SOURCE_SERVICE);
			} else if (cfg->explicit_transports ||
				   (err != ENOENT && err != ENODEV && err != EOPNOTSUPP)) {
				cli_report_open_error((enum amp_transport)t, cfg->device[t], err);
				*status = 1;
			} else {
				fprintf(stderr, "amplink bench: %s not present (%s), skipped\n",
					amp_transport_name(t), strerror(err));
			}
			continue;
		}
		chans[k] = ch;
		ts[k++] = (enum amp_transport)t;
	}
	if (!k)
		return 0;
	fprintf(stderr, "amplink bench: %s: ", bench_direction_name(dir));
	for (size_t j = 0; j < k; j++)
		fprintf(stderr, "%s%s", j ? ", " : "", amp_transport_name(ts[j]));
	fprintf(stderr, "%s...\n", k > 1 ? ", interleaved" : "");
	bench_interleaved(cfg, dir, chans, ts, k, rows);
	for (size_t j = 0; j < k; j++)
		amp_channel_close(chans[j]);
	for (size_t i = 0; i < k * cfg->nsizes; i++)
		if (rows[i].failures)
			*status = 1;
	return k * cfg->nsizes;
}

/*
 * Each direction in turn (a tty or char device carries one connection at a
 * time); its rows follow the previous direction's. Returns the rows filled.
 */
static size_t run_all(const struct bench_config *cfg, struct bench_row *rows, int *status)
{
	size_t n = 0;

	for (unsigned int d = 0; d < BENCH_DIRECTIONS; d++)
		if (cfg->directions & (1u << d))
			n += run_direction(cfg, (enum bench_direction)d, rows + n, status);
	return n;
}

/* Prints every direction's tables and comparison. */
static void print_tables(const struct bench_config *cfg, const struct bench_row *rows, size_t n)
{
	size_t start = 0;

	for (size_t g = 0; g < n; g += cfg->nsizes) {
		bench_print_table(stdout, rows + g, cfg->nsizes);
		if (g + cfg->nsizes == n || rows[g + cfg->nsizes].dir != rows[g].dir) {
			bench_print_comparison(stdout, rows + start, g + cfg->nsizes - start);
			start = g + cfg->nsizes;
		}
	}
}

/* AMP_DEFAULT_TIMEOUT_MS, and TIMEOUT_PER_MIB_MS per MiB of the largest size. */
static int default_timeout(const struct bench_config *cfg)
{
	size_t largest = 0;

	for (size_t i = 0; i < cfg->nsizes; i++)
		if (cfg->sizes[i] > largest)
			largest = cfg->sizes[i];
	return AMP_DEFAULT_TIMEOUT_MS + (int)(largest >> 20) * TIMEOUT_PER_MIB_MS;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_cli c = {.cfg = {.transports = (1u << AMP_TRANSPORT_COUNT) - 1,
				      .directions = (1u << BENCH_DIRECTIONS) - 1,
				      .repeat = 20,
				      .warmup = 3}};
	static struct bench_row rows[BENCH_DIRECTIONS * AMP_TRANSPORT_COUNT * BENCH_MAX_SIZES];
	int status = 0, rc = parse_args(argc, argv, &c);

	if (rc)
		return rc;
	if (!c.cfg.nsizes) {
		memcpy(c.cfg.sizes, default_sizes, sizeof(default_sizes));
		c.cfg.nsizes = sizeof(default_sizes) / sizeof(default_sizes[0]);
	}
	if (!c.cfg.timeout_ms)
		c.cfg.timeout_ms = default_timeout(&c.cfg);
	size_t n = run_all(&c.cfg, rows, &status);

	if (!n) {
		fprintf(stderr, "amplink bench: no transport could be measured\n");
		return 1;
	}
	if (c.format == FORMAT_CSV) {
		bench_write_csv(stdout, rows, n);
	} else if (c.format == FORMAT_JSON) {
		bench_write_json(stdout, &c.cfg, rows, n);
	} else {
		print_tables(&c.cfg, rows, n);
	}
	if (c.output && bench_write_outputs(c.output, &c.cfg, rows, n) != 0)
		status = 1;
	return status;
}
