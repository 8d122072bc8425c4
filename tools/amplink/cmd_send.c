/* SPDX-License-Identifier: BSD-3-Clause */
/* amplink send: messages to a firmware service. */
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
		"Usage: amplink send [OPTIONS] SERVICE [FILE | - | --hex HEX...]\n"
		"       amplink send --verified [OPTIONS] FILE\n"
		"\n"
		"Sends one message to the firmware's service SERVICE: the contents of FILE,\n"
		"of stdin (no FILE, or -), or the bytes given in hex. --verified sends FILE\n"
		"to the bench service instead, in blocks each acknowledged with its length\n"
		"and CRC-32 (see amplink send --verified --help).\n"
		"\n"
		"Options:\n"
		"  -t, --transport T   netlink, tty or char (default netlink)\n"
		"  -d, --device DEV    device or netlink channel (default: the usual one)\n"
		"  -x, --hex           the remaining arguments are the message, in hex\n"
		"  -l, --each-line     one message per line of the input (without its newline)\n"
		"  -w, --window N      rpmsg messages the firmware may send ahead\n"
		"      --timeout MS    bound of each wait, -1 for none (default %d)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 when every message went, 1 when one did not, 2 on bad usage.\n",
		AMP_DEFAULT_TIMEOUT_MS);
}

static int send_one(struct amp_client *c, const struct msg_opts *m, const uint8_t *p, size_t len)
{
	if (amp_client_send(c, p, len, m->timeout_ms) == 0)
		return 0;
	if (errno == EMSGSIZE)
		fprintf(stderr,
			"amplink send: a message of %zu bytes is larger than the service "
			"takes (%u)\n",
			len, amp_client_max_message(c));
	else
		msg_report("send", "sending", errno);
	return 1;
}

int cmd_send(int argc, char **argv)
{
	static const struct option opts[] = {
		{"transport", required_argument, NULL, 't'},
		{"device", required_argument, NULL, 'd'},
		{"hex", no_argument, NULL, 'x'},
		{"each-line", no_argument, NULL, 'l'},
		{"window", required_argument, NULL, MSG_OPT_WINDOW},
		{"timeout", required_argument, NULL, MSG_OPT_TIMEOUT},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct msg_opts m = {.timeout_ms = AMP_DEFAULT_TIMEOUT_MS};
	bool hex = false, each_line = false;
	int c, rc = 0;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--verified"))
			return cmd_send_verified(argc, argv);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":t:d:xlw:h", opts, NULL)) != -1) {
		int r = msg_option(&m, c, optarg);

		if (r == 1)
			continue;
		if (r < 0)
			return cli_bad_option("send", argv, opts, c);
		if (c == 'x') {
			hex = true;
		} else if (c == 'l') {
			each_line = true;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			return cli_bad_option("send", argv, opts, c);
		}
	}
	if (optind == argc) {
		fprintf(stderr, "amplink send: SERVICE is missing (see --help)\n");
		return 2;
	}
	const char *service = argv[optind++];
	if (!hex && argc - optind > 1) {
		fprintf(stderr, "amplink send: one FILE at most, got '%s' too\n", argv[optind + 1]);
		return 2;
	}
	if (hex && each_line) {
		fprintf(stderr, "amplink send: --each-line reads a file, not --hex\n");
		return 2;
	}
	/* A file or hex is checked before connecting; stdin is read once connected. */
	bool from_stdin = !hex && (optind == argc || !strcmp(argv[optind], "-"));
	uint8_t *msg = NULL;
	size_t len = 0;

	if (hex && msg_parse_hex("send", argv + optind, argc - optind, &msg, &len) != 0)
		return 2;
	if (!hex && !from_stdin && msg_read_all("send", argv[optind], &msg, &len) != 0)
		return 1;
	struct amp_client *cl = msg_connect("send", service, &m);

	if (!cl || (from_stdin && msg_read_all("send", NULL, &msg, &len) != 0)) {
		amp_client_close(cl);
		free(msg);
		return 1;
	}
	if (!each_line) {
		rc = send_one(cl, &m, msg, len);
	} else {
		for (size_t at = 0; at < len && rc == 0;) {
			uint8_t *nl = memchr(msg + at, '\n', len - at);
			size_t n = nl ? (size_t)(nl - (msg + at)) : len - at;

			rc = send_one(cl, &m, msg + at, n);
			at += n + 1;
		}
	}
	amp_client_close(cl);
	free(msg);
	return rc;
}
