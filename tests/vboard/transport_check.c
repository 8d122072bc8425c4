/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs inside the vboard: sends blocks of every interesting size over each
 * transport through libamplink and requires each to be acknowledged by the
 * firmware with the right length and CRC-32; also an echo round trip and a
 * statistics request per transport.
 *
 * Usage: vboard-transport-check [TRANSPORT...]   (default: tty char)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amplink/amplink.h>

#include "rpmsg_devices.h"

#define DEVICE_TIMEOUT_MS 10000

static const size_t sizes[] = {0, 1, 495, 496, 497, 4096, 32768, 65536, 1024 * 1024};

static int passed, failed;

static void result(const char *transport, const char *what, size_t size, int ok, const char *detail)
{
	printf("%-5s %-8s %-6s %8zu bytes  %s\n", ok ? "ok" : "FAIL", transport, what, size,
	       ok ? "" : detail);
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void fill(unsigned char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 31u + seed * 7u + (i >> 8));
}

static void check_blocks(struct amp_channel *ch, const char *name, unsigned char *buf)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct amp_transfer t;
		char detail[128];

		fill(buf, sizes[i], (unsigned int)i);
		int rc = amp_channel_send_block(ch, buf, sizes[i], &t);

		snprintf(detail, sizeof(detail), "%s (acked %u bytes, crc %08x, status %u)",
			 strerror(errno), t.acked_bytes, t.acked_crc, t.status);
		result(name, "block", sizes[i], rc == 0, detail);
	}
}

static void check_echo_and_stats(struct amp_channel *ch, const char *name)
{
	unsigned char out[AMP_ECHO_MAX_LEN], back[AMP_ECHO_MAX_LEN];
	struct amp_stats s;

	fill(out, sizeof(out), 99);
	int rc = amp_channel_echo(ch, out, sizeof(out), back);

	result(name, "echo", sizeof(out), rc == 0 && !memcmp(out, back, sizeof(out)),
	       rc ? strerror(errno) : "echo differs");
	rc = amp_channel_firmware_stats(ch, &s);
	result(name, "stats", 0, rc == 0 && s.frames_ok >= 1 && s.rx_msgs > 0,
	       rc ? strerror(errno) : "implausible counters");
}

static void wait_for_device(enum amp_transport t)
{
	char path[64];

	if (t == AMP_TRANSPORT_TTY)
		wait_for_path("/dev/ttyRPMSG0", DEVICE_TIMEOUT_MS);
	else if (t == AMP_TRANSPORT_CHAR)
		find_char_device("rpmsg-raw", path, sizeof(path), DEVICE_TIMEOUT_MS);
}

static void check_transport(enum amp_transport t, unsigned char *buf)
{
	struct amp_open_options o = {.transport = t, .timeout_ms = 10000};
	const char *name = amp_transport_name(t);
	struct amp_channel *ch;

	wait_for_device(t);
	ch = amp_channel_open(&o);
	if (!ch) {
		result(name, "open", 0, 0, strerror(errno));
		return;
	}
	check_blocks(ch, name, buf);
	check_echo_and_stats(ch, name);
	amp_channel_close(ch);
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {"tty", "char"};
	unsigned char *buf = malloc(1024 * 1024);
	int n = argc > 1 ? argc - 1 : 2;

	if (!buf)
		return 1;
	for (int i = 0; i < n; i++) {
		const char *name = argc > 1 ? argv[i + 1] : defaults[i];
		enum amp_transport t;

		if (amp_transport_parse(name, &t) != 0) {
			fprintf(stderr, "unknown transport '%s' (netlink, tty, char)\n", name);
			return 2;
		}
		check_transport(t, buf);
	}
	free(buf);
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
