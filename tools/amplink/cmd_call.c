/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink call: one request to a firmware service, its reply printed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "msg_common.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: amplink call [OPTIONS] SERVICE [TEXT | --file FILE | --hex HEX...]\n"
		"\n"
		"Sends one request message to the firmware's service SERVICE (TEXT as is,\n"
		"the contents of FILE or of stdin with --file -, or bytes in hex) and prints\n"
		"the reply: printable bytes as they are, others escaped; in hex with --hex.\n"
		"No request argument sends an empty message.\n"
		"\n"
		"Options:\n"
		"  -t, --transport T   netlink, tty or char (default netlink)\n"
		"  -d, --device DEV    device or netlink channel (default: the usual one)\n"
		"  -f, --file FILE     the request is FILE's contents (- for stdin)\n"
		"  -x, --hex           the request is given in hex; the reply is printed in hex\n"
		"  -r, --raw           write the reply's bytes as they are\n"
		"  -w, --window N      rpmsg messages the firmware may send ahead\n"
		"      --timeout MS    bound of the whole call, -1 for none (default %d)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 with a reply, 1 without, 2 on bad usage.\n",
		AMP_DEFAULT_TIMEOUT_MS);
}

int cmd_call(int argc, char **argv)
{
	static const struct option opts[] = {
		{"transport", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"file", required_argument, NULL, 'f'},
		{"hex", no_argument, NULL, 'x'},
		{"raw", no_argument, NULL, 'r'},
		{"window", required_argument, NULL, MSG_OPT_WINDOW},
		{"timeout", required_argument, NULL, MSG_OPT_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct msg_opts m = {.timeout_ms = AMP_DEFAULT_TIMEOUT_MS};
	enum msg_format f = MSG_TEXT;
	const char *file = NULL;
	bool hex = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:f:xrw:h", opts, NULL)) != -1) {
		int r = msg_option(&m, c, optarg);

		if (r == 1)
			continue;
		if (r < 0)
			return cli_bad_option("call", argv, opts, c);
		if (c == 'f') {
			file = optarg;
		} else if (c == 'x') {
			hex = true;
			f = MSG_HEX;
		} else if (c == 'r') {
			f = MSG_RAW;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			return cli_bad_option("call", argv, opts, c);
		}
	}
	if (optind == argc) {
		fprintf(stderr, "amplink call: SERVICE is missing (see --help)\n");
		return 2;
	}
	const char *service = argv[optind++];

	if ((file && optind < argc) || (!hex && argc - optind > 1)) {
		fprintf(stderr, "amplink call: one request only, got '%s' too\n", argv[argc - 1]);
		return 2;
	}
	uint8_t *req = NULL;
	size_t len = 0;

	if (hex && msg_parse_hex("call", argv + optind, argc - optind, &req, &len) != 0)
		return 2;
	if (file && msg_read_all("call", file, &req, &len) != 0)
		return 1;
	if (!hex && !file && optind < argc) {
		req = (uint8_t *)strdup(argv[optind]);
		len = req ? strlen(argv[optind]) : 0;
	}
	struct amp_client *cl = msg_connect("call", service, &m);
	size_t cap = 64 * 1024;
	uint8_t *reply = malloc(cap);
	int rc = 1;

	if (cl && len > amp_client_max_message(cl)) {
		fprintf(stderr,
			"amplink call: a request of %zu bytes is larger than the service "
			"takes (%u)\n",
			len, amp_client_max_message(cl));
	} else if (cl && reply) {
		ssize_t n = amp_client_call(cl, req, len, reply, cap, m.timeout_ms);

		/* A reply larger than the buffer waits for a larger one. */
		if (n < 0 && errno == EMSGSIZE) {
			uint8_t *more = realloc(reply, amp_client_pending_size(cl));

			if (more) {
				reply = more;
				n = amp_client_recv(cl, reply, amp_client_pending_size(cl),
						    m.timeout_ms);
			}
		}
		if (n >= 0) {
			msg_print(f, reply, (size_t)n);
			rc = 0;
		} else {
			msg_report("call", "no reply", errno);
		}
	}
	amp_client_close(cl);
	free(reply);
	free(req);
	return rc;
}
