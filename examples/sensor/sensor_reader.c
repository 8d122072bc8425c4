/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sensor example, Linux side: asks the M4's "sensor" service for a
 * sample rate, then prints the samples as they arrive from an epoll loop,
 * checking each one and reporting gaps. A reader that stops for a while
 * (--pause-at/--pause-ms) loses nothing: the stream waits for it.
 *
 *   sensor-reader [--rate HZ] [--seconds N] [--pause-at MS --pause-ms MS]
 *                 [--transport netlink|tty|char] [--quiet]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <amplink/amplink.h>

#include "sensor_proto.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

struct totals {
	uint32_t next, samples, gaps, lost, bad;
};

/* Checks one batch: the samples it carries, and that none is missing. */
static void take(struct totals *t, const uint8_t *b, ssize_t len, int quiet)
{
	uint32_t first = amp_get32(b), count = amp_get32(b + 4), lost = amp_get32(b + 8);

	if (len < (ssize_t)SENSOR_BATCH_HDR || (size_t)len != SENSOR_BATCH_HDR + 4u * count) {
		t->bad++;
		return;
	}
	if (first != t->next) {
		printf("gap: samples %u..%u missing (the firmware says it dropped %u)\n", t->next,
		       first - 1, lost);
		t->gaps++;
	}
	t->lost += lost;
	for (uint32_t i = 0; i < count; i++) {
		int32_t v = (int32_t)amp_get32(b + SENSOR_BATCH_HDR + 4u * i);

		if (v != sensor_value(first + i))
			t->bad++;
		else if (!quiet)
			printf("%u %d\n", first + i, v);
	}
	t->next = first + count;
	t->samples += count;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"rate", required_argument, NULL, 'r'},
		{"seconds", required_argument, NULL, 's'},
		{"pause-at", required_argument, NULL, 'a'},
		{"pause-ms", required_argument, NULL, 'p'},
		{"transport", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0},
	};
	struct amp_client_options o = {.transport = AMP_TRANSPORT_NETLINK};
	long rate = 1000, seconds = 5, pause_at = -1, pause_ms = 0;
	int quiet = 0, c;

	while ((c = getopt_long(argc, argv, "r:s:a:p:t:q", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = 1;
		else if (c == 't' && amp_transport_parse(optarg, &o.transport) == 0)
			continue;
		else if (c == 'r' || c == 's' || c == 'a' || c == 'p') {
			long v = strtol(optarg, NULL, 10);

			*(c == 'r'   ? &rate
			  : c == 's' ? &seconds
			  : c == 'a' ? &pause_at
				     : &pause_ms) = v;
		} else {
			fprintf(stderr,
				"usage: sensor-reader [--rate HZ] [--seconds N] [--pause-at "
				"MS --pause-ms MS] [--transport T] [--quiet]\n");
			return 2;
		}
	}

	/* Connect, and ask for the rate. */
	struct amp_client *cl = amp_client_open(SENSOR_SERVICE, &o);
	uint8_t cmd[SENSOR_CMD_SIZE], batch[SENSOR_BATCH_HDR + 4u * SENSOR_BATCH_MAX];

	if (!cl) {
		fprintf(stderr, "sensor-reader: cannot open '%s': %s\n", SENSOR_SERVICE,
			strerror(errno));
		return 1;
	}
	amp_put32(cmd, SENSOR_OP_RATE);
	amp_put32(cmd + 4, (uint32_t)rate);
	if (amp_client_send(cl, cmd, sizeof(cmd), 2000) != 0) {
		fprintf(stderr, "sensor-reader: setting the rate: %s\n", strerror(errno));
		return 1;
	}

	/* Wait for batches with epoll, as any event loop would. */
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	struct totals t = {0};
	long long start = now_ms(), end = start + seconds * 1000;

	epoll_ctl(ep, EPOLL_CTL_ADD, amp_client_fd(cl), &ev);
	while (now_ms() < end) {
		long long at = now_ms() - start;

		if (at >= pause_at && at < pause_at + pause_ms) {
			struct timespec nap = {0, 10 * 1000000}; /* a slow reader, on purpose */

			nanosleep(&nap, NULL);
			continue;
		}
		if (epoll_wait(ep, &ev, 1, 100) <= 0)
			continue;
		ssize_t n;

		while ((n = amp_client_recv(cl, batch, sizeof(batch), 0)) >= 0)
			take(&t, batch, n, quiet);
		if (errno != EAGAIN) {
			fprintf(stderr, "sensor-reader: %s\n", strerror(errno));
			return 1;
		}
	}
	amp_put32(cmd + 4, 0); /* stop */
	amp_client_send(cl, cmd, sizeof(cmd), 2000);
	amp_client_close(cl);
	printf("%u samples in %ld s at %ld Hz: %u gaps, %u dropped by the firmware, %u wrong\n",
	       t.samples, seconds, rate, t.gaps, t.lost, t.bad);
	return t.gaps || t.lost || t.bad ? 1 : 0;
}
