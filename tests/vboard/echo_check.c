/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs inside the vboard: checks that the firmware's announcements created
 * the stock devices (--list-devices), and echoes blocks of several sizes
 * through an rpmsg_char endpoint made with /dev/rpmsg_ctrl0 for the
 * firmware's raw echo channel "amplink-echo", byte for byte. (The tty and
 * the "rpmsg-raw" device carry amplink frames: transport_check covers them.)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exchange.h"
#include "rpmsg_devices.h"

#define RPMSG_MTU 496
#define DEVICE_TIMEOUT_MS 10000
#define TRANSFER_TIMEOUT_MS 30000

static const size_t sizes[] = {1, 495, 496, 497, 65536};

static int passed, failed;

static void report(const char *path_name, size_t size, int ok, const char *detail)
{
	printf("%-5s %-10s %6zu bytes  %s%s%s\n", ok ? "ok" : "FAIL", path_name, size,
	       ok ? "" : "(", detail, ok ? "" : ")");
	fflush(stdout);
	if (ok)
		passed++;
	else
		failed++;
}

static void echo_sizes(const char *path_name, int fd, size_t max_write)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct exchange_result res;
		int rc = exchange_echo(fd, sizes[i], max_write, TRANSFER_TIMEOUT_MS,
				       (unsigned int)(i + 1), &res);

		report(path_name, sizes[i], rc == 0, rc == 0 ? "" : res.error);
		if (res.writes_refused)
			printf("      %s refused %lu writes for lack of buffers (retried)\n",
			       path_name, res.writes_refused);
	}
}

static void check_char_device(const char *label, const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		report(label, 0, 0, strerror(errno));
		return;
	}
	/* rpmsg_char sends one message per write: no write may exceed the MTU. */
	echo_sizes(label, fd, RPMSG_MTU);
	close(fd);
}

/* The echo channel has no driver of its own: reach it through rpmsg_ctrl. */
static void check_echo_endpoint(void)
{
	char ept[64];
	uint32_t remote;

	if (wait_for_path("/dev/rpmsg_ctrl0", DEVICE_TIMEOUT_MS) != 0 ||
	    find_char_device("rpmsg-raw", ept, sizeof(ept), DEVICE_TIMEOUT_MS) != 0) {
		report("char-ept", 0, 0, "rpmsg devices never appeared");
		return;
	}
	if (channel_remote_address("amplink-echo", &remote) != 0) {
		report("char-ept", 0, 0, "channel amplink-echo not announced");
		return;
	}
	if (create_endpoint_device("amplink-echo", remote, ept, sizeof(ept), DEVICE_TIMEOUT_MS)) {
		report("char-ept", 0, 0, "RPMSG_CREATE_EPT_IOCTL on /dev/rpmsg_ctrl0 failed");
		return;
	}
	check_char_device("char-ept", ept);
}

/* Waits for every device the announcements should create, then lists them. */
static int list_devices(void)
{
	char raw[64];

	if (wait_for_path("/dev/ttyRPMSG0", DEVICE_TIMEOUT_MS) != 0 ||
	    wait_for_path("/dev/rpmsg_ctrl0", DEVICE_TIMEOUT_MS) != 0 ||
	    find_char_device("rpmsg-raw", raw, sizeof(raw), DEVICE_TIMEOUT_MS) != 0) {
		fprintf(stderr, "rpmsg devices missing after %d ms\n", DEVICE_TIMEOUT_MS);
		return 1;
	}
	return system("ls -l /dev/ttyRPMSG* /dev/rpmsg*") == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--list-devices"))
		return list_devices();
	if (argc > 1) {
		fprintf(stderr,
			"usage: %s [--list-devices]\n"
			"Runs inside the vboard: vboard/run -- %s\n",
			argv[0], argv[0]);
		return 2;
	}
	check_echo_endpoint();
	printf("%d passed, %d failed\n", passed, failed);
	return failed || !passed ? 1 : 0;
}
