/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink send --verified: a file to the firmware's bench service, every block verified. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink send --verified [OPTIONS] FILE\n"
		"\n"
		"Sends FILE to the firmware's bench service in blocks, each acknowledged\n"
		"with its length and CRC-32; stops at the first block that is not.\n"
		"\n"
		"Options:\n"
		"  -t, --transport T   netlink, tty or char (default netlink)\n"
		"  -d, --device DEV    device or netlink channel (default: the usual one)\n"
		"  -b, --block SIZE    block size, e.g. 64K, 1M (default 1M)\n"
		"      --timeout MS    per block (default %d)\n"
		"  -h, --help          show this help\n",
		AMP_DEFAULT_TIMEOUT_MS * 5);
}

static int send_mapped(struct amp_channel *ch, const unsigned char *data, size_t size, size_t block)
{
	struct timespec t0, t1;
	size_t off = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		size_t n = size - off < block ? size - off : block;
		struct amp_transfer t;

		if (amp_channel_send_block(ch, data + off, n, &t) != 0) {
			fprintf(stderr,
				"amplink send --verified: block at offset %zu: %s (firmware acked "
				"%u of %zu "
				"bytes, status %u)\n",
				off, strerror(errno), t.acked_bytes, n, t.status);
			return 1;
		}
		off += n;
	} while (off < size);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	printf("sent %zu bytes over %s in %.3f s (%.1f KB/s), every block verified\n", size,
	       amp_channel_device(ch), s, s > 0 ? (double)size / s / 1000.0 : 0.0);
	return 0;
}

int cmd_send_verified(int argc, char **argv)
{
	static const struct option opts[] = {
		{"verified", no_argument, NULL, 'V'},
		{"transport", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"block", required_argument, NULL, 'b'},
		{"timeout", required_argument, NULL, 'T'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct amp_open_options o = {.transport = AMP_TRANSPORT_NETLINK,
				     .timeout_ms = AMP_DEFAULT_TIMEOUT_MS * 5};
	size_t block = 1024 * 1024;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:b:h", opts, NULL)) != -1) {
		if (c == 'V' || (c == 't' && amp_transport_parse(optarg, &o.transport) == 0))
			continue;
		if (c == 'd') {
			o.device = optarg;
		} else if (c == 'b' && cli_parse_size(optarg, &block) == 0 && block > 0) {
			continue;
		} else if (c == 'T' && atoi(optarg) > 0) {
			o.timeout_ms = atoi(optarg);
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			return cli_bad_option("send --verified", argv, opts, c);
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "amplink send --verified: exactly one FILE is needed\n");
		return 2;
	}
	int fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "amplink send --verified: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	void *data = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)
				: (void *)"";

	close(fd);
	if (data == MAP_FAILED) {
		fprintf(stderr, "amplink send --verified: mapping %s: %s\n", argv[optind],
			strerror(errno));
		return 1;
	}
	struct amp_channel *ch = amp_channel_open(&o);

	if (!ch) {
		cli_report_open_error(o.transport, o.device, errno);
		return 1;
	}
	int rc = send_mapped(ch, data, (size_t)st.st_size, block);

	amp_channel_close(ch);
	if (st.st_size)
		munmap(data, (size_t)st.st_size);
	return rc;
}
