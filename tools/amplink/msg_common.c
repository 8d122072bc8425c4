/* SPDX-License-Identifier: BSD-3-Clause */
#include "msg_common.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int msg_option(struct msg_opts *m, int c, const char *arg)
{
	long v;

	switch (c) {
	case 't':
		return amp_transport_parse(arg, &m->client.transport) == 0 ? 1 : -1;
	case 'd':
		m->client.device = arg;
		return 1;
	case MSG_OPT_WINDOW:
		if (parse_int(arg, 1, 1L << 20, &v) != 0)
			return -1;
		m->client.window = (uint32_t)v;
		return 1;
	case MSG_OPT_TIMEOUT:
		if (parse_int(arg, -1, 24L * 3600 * 1000, &v) != 0)
			return -1;
		m->timeout_ms = (int)v;
		/* Connecting is bounded by it too (by the default when it is -1 or 0). */
		m->client.timeout_ms = v > 0 ? (int)v : 0;
		return 1;
	default:
		return 0;
	}
}

struct amp_client *msg_connect(const char *cmd, const char *service, const struct msg_opts *m)
{
	struct amp_client *c = amp_client_open(service, &m->client);
	const char *where =
		m->client.device ? m->client.device : amp_transport_name(m->client.transport);

	if (c)
		return c;
	switch (errno) {
	case EINVAL:
		fprintf(stderr, "amplink %s: bad service name '%s' (1 to %u bytes)\n", cmd, service,
			AMP_SERVICE_NAME_MAX);
		break;
	case ENOENT:
		fprintf(stderr, "amplink %s: the firmware has no service '%s'\n", cmd, service);
		break;
	case EBUSY:
		fprintf(stderr, "amplink %s: %s: the firmware has no free connection\n", cmd,
			service);
		break;
	case ECONNREFUSED:
		fprintf(stderr, "amplink %s: %s: the service refused the connection\n", cmd,
			service);
		break;
	case ENODEV:
		fprintf(stderr, "amplink %s: no channel on %s (%s)\n", cmd, where,
			m->client.transport == AMP_TRANSPORT_NETLINK
				? "is the rpmsg_netlink module loaded and the firmware running?"
				: "is the firmware running? cat /sys/class/remoteproc/*/state");
		break;
	case ETIMEDOUT:
		fprintf(stderr,
			"amplink %s: connecting to %s over %s timed out after %d ms (is the "
			"firmware running?)\n",
			cmd, service, where,
			m->client.timeout_ms > 0 ? m->client.timeout_ms : AMP_DEFAULT_TIMEOUT_MS);
		break;
	case EACCES:
	case EPERM:
		fprintf(stderr,
			"amplink %s: %s: permission denied (root, a group granted with "
			"'amplink grant', or access to the device)\n",
			cmd, where);
		break;
	default:
		fprintf(stderr, "amplink %s: connecting to %s over %s: %s\n", cmd, service, where,
			strerror(errno));
	}
	return NULL;
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

int msg_parse_hex(const char *cmd, char **args, int n, uint8_t **out, size_t *len)
{
	size_t cap = 0, used = 0;
	uint8_t *buf;

	for (int i = 0; i < n; i++)
		cap += strlen(args[i]) / 2 + 1;
	buf = malloc(cap + 1);
	if (!buf)
		return -1;
	for (int i = 0; i < n; i++) {
		const char *s = args[i];

		while (*s) {
			if (*s == ' ' || *s == ':' || *s == ',') {
				s++;
				continue;
			}
			int hi = hex_digit((unsigned char)s[0]);
			int lo = hi < 0 ? -1 : hex_digit((unsigned char)s[1]);

			if (lo < 0) {
				fprintf(stderr, "amplink %s: bad hex '%s' (pairs of hex digits)\n",
					cmd, args[i]);
				free(buf);
				return -1;
			}
			buf[used++] = (uint8_t)(hi << 4 | lo);
			s += 2;
		}
	}
	*out = buf;
	*len = used;
	return 0;
}

int msg_read_all(const char *cmd, const char *path, uint8_t **out, size_t *len)
{
	bool is_stdin = !path || !strcmp(path, "-");
	const char *name = is_stdin ? "stdin" : path;
	int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, used = 0;
	uint8_t *buf = fd < 0 ? NULL : malloc(cap);

	if (!buf) {
		fprintf(stderr, "amplink %s: %s: %s\n", cmd, name, strerror(errno));
		if (fd > 0)
			close(fd);
		return -1;
	}
	for (;;) {
		if (used == cap) {
			uint8_t *more = cap > AMP_MSG_MAX ? NULL : realloc(buf, cap * 2);

			if (!more) {
				fprintf(stderr, "amplink %s: %s: larger than a message can be\n",
					cmd, name);
				break;
			}
			buf = more;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used);

		if (n == 0) {
			if (!is_stdin)
				close(fd);
			*out = buf;
			*len = used;
			return 0;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "amplink %s: %s: %s\n", cmd, name, strerror(errno));
			break;
		}
		used += (size_t)n;
	}
	if (!is_stdin)
		close(fd);
	free(buf);
	return -1;
}

void msg_print(enum msg_format f, const uint8_t *p, size_t len)
{
	if (f == MSG_RAW) {
		fwrite(p, 1, len, stdout);
	} else {
		for (size_t i = 0; i < len; i++) {
			if (f == MSG_HEX)
				printf("%s%02x", i ? " " : "", p[i]);
			else if (p[i] == '\\')
				fputs("\\\\", stdout);
			else if (p[i] == '\n')
				fputs("\\n", stdout);
			else if (isprint(p[i]) || p[i] == '\t')
				putchar(p[i]);
			else
				printf("\\x%02x", p[i]);
		}
		putchar('\n');
	}
	fflush(stdout);
}

void msg_report(const char *cmd, const char *what, int err)
{
	const char *why = err == ECONNRESET ? "the firmware closed the connection"
			  : err == ENODEV   ? "the channel went away"
			  : err == EBADMSG  ? "a message failed its CRC (dropped)"
					    : strerror(err);

	fprintf(stderr, "amplink %s: %s: %s\n", cmd, what, why);
}
