/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_report_open_error(enum amp_transport t, const char *device, int err)
{
	const char *what = device ? device : amp_transport_name(t);

	fprintf(stderr, "amplink: cannot open %s: %s\n", what, strerror(err));
	bool nl = t == AMP_TRANSPORT_NETLINK || t == AMP_TRANSPORT_SHM;

	if (nl && err == ENOENT)
		fprintf(stderr,
			"  the rpmsg_netlink module is not loaded (modprobe rpmsg_netlink)\n");
	else if (t == AMP_TRANSPORT_SHM && (err == EOPNOTSUPP || err == ECONNRESET))
		fprintf(stderr, "  no pool for bulk transfers: the firmware announces no "
				"amplink-bulk channel, or refused the pool (dmesg says why)\n");
	else if (nl && err == ENODEV)
		fprintf(stderr, "  no rpmsg-netlink channel: is the firmware running and "
				"announcing it?\n");
	else if (err == ENOENT)
		fprintf(stderr, "  no such device: is the firmware running? "
				"(cat /sys/class/remoteproc/*/state)\n");
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "  permission denied: run as root or grant access to the "
				"device (netlink sends need CAP_NET_ADMIN or a group granted "
				"with 'amplink grant')\n");
}

int cli_parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	if (*end || v > AMP_FRAME_MAX_LEN)
		return -1;
	*out = (size_t)v;
	return 0;
}

int cli_parse_transports(const char *s, unsigned int *mask)
{
	char copy[64], *save = NULL;

	if (strlen(s) >= sizeof(copy))
		return -1;
	strcpy(copy, s);
	*mask = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum amp_transport t;

		if (amp_transport_parse(tok, &t) != 0)
			return -1;
		*mask |= 1u << t;
	}
	return *mask ? 0 : -1;
}

int cli_bad_option(const char *cmd, char **argv, const struct option *opts, int c)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";

	if (c == '?' && optopt)
		fprintf(stderr, "amplink %s: unknown option '-%c' (see --help)\n", cmd, optopt);
	else if (c == '?')
		fprintf(stderr, "amplink %s: unknown option '%s' (see --help)\n", cmd, arg);
	else if (c == ':')
		fprintf(stderr, "amplink %s: option '%s' needs a value\n", cmd, arg);
	else {
		const char *name = "?";

		for (const struct option *o = opts; o && o->name; o++)
			if (o->val == c)
				name = o->name;
		fprintf(stderr, "amplink %s: bad value '%s' for --%s\n", cmd, optarg ? optarg : "",
			name);
	}
	return 2;
}
