/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink listen: print a firmware service's messages as they arrive. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg_common.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink listen [OPTIONS] SERVICE\n"
		"\n"
		"Connects to the firmware's service SERVICE and prints each message it\n"
		"sends, one per line: printable bytes as they are, others escaped (\\n,\n"
		"\\\\, \\xNN).\n"
		"\n"
		"Options:\n"
		"  -t, --transport T   netlink, tty or char (default netlink)\n"
		"  -d, --device DEV    device or netlink channel (default: the usual one)\n"
		"  -n, --count N       stop after N messages\n"
		"      --timeout MS    give up when no message came for MS ms (default: wait)\n"
		"  -x, --hex           print each message in hex, one per line\n"
		"  -r, --raw           write the messages' bytes as they are, nothing between\n"
		"  -w, --window N      rpmsg messages the firmware may send ahead\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 after N messages, 1 when the connection failed, ended or\n"
		"timed out, 2 on bad usage.\n");
}

int cmd_listen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"transport", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"count", required_argument, NULL, 'n'},
		{"hex", no_argument, NULL, 'x'},
		{"raw", no_argument, NULL, 'r'},
		{"window", required_argument, NULL, MSG_OPT_WINDOW},
		{"timeout", required_argument, NULL, MSG_OPT_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct msg_opts m = {.timeout_ms = -1};
	enum msg_format f = MSG_TEXT;
	long count = -1;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:n:xrw:h", opts, NULL)) != -1) {
		int r = msg_option(&m, c, optarg);
		char *end;

		if (r == 1)
			continue;
		if (r < 0)
			return cli_bad_option("listen", argv, opts, c);
		if (c == 'n') {
			errno = 0;
			count = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || count < 1)
				return cli_bad_option("listen", argv, opts, c);
		} else if (c == 'x') {
			f = MSG_HEX;
		} else if (c == 'r') {
			f = MSG_RAW;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			return cli_bad_option("listen", argv, opts, c);
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "amplink listen: %s (see --help)\n",
			optind == argc ? "SERVICE is missing" : "one SERVICE only");
		return 2;
	}
	struct amp_client *cl = msg_connect("listen", argv[optind], &m);
	size_t cap = 64 * 1024;
	uint8_t *buf = malloc(cap);
	int rc = 0;

	if (!cl || !buf) {
		amp_client_close(cl);
		free(buf);
		return 1;
	}
	for (long got = 0; count < 0 || got < count;) {
		ssize_t n = amp_client_recv(cl, buf, cap, m.timeout_ms);

		if (n >= 0) {
			msg_print(f, buf, (size_t)n);
			got++;
		} else if (errno == EMSGSIZE) {
			uint8_t *more = realloc(buf, amp_client_pending_size(cl));

			if (!more) {
				msg_report("listen", "receiving", ENOMEM);
				rc = 1;
				break;
			}
			buf = more;
			cap = amp_client_pending_size(cl);
		} else if (errno == EBADMSG) {
			msg_report("listen", "receiving", errno);
		} else {
			if (errno == ETIMEDOUT)
				fprintf(stderr, "amplink listen: no message for %d ms\n",
					m.timeout_ms);
			else
				msg_report("listen", "receiving", errno);
			rc = 1;
			break;
		}
	}
	amp_client_close(cl);
	free(buf);
	return rc;
}
