/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for the firmware's messaging hub on a pseudo-terminal, for
 * testing the amplink CLI without a board: prints the slave's path on its
 * first line, then serves one client after another until its stdin closes.
 * Services: "echo" (each message back), "ticker" (sends "tick 1".."tick 3"
 * once connected); any other name is answered NO_SERVICE. Each message it
 * receives is logged to stdout in hex, one line each. Its frames are cut in
 * 496-byte writes, within the client's window (it sends little).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amplink/amplink.h>
#include <amplink/frame_stream.h>

static int master;
static struct amp_stream st;
static uint8_t type;
static uint32_t seq, len;
static uint8_t *payload;
static enum { NONE, ECHO, TICKER } service;

static uint32_t crc_fn(uint32_t crc, const void *data, uint32_t n)
{
	return amp_crc32(crc, data, n);
}

static void write_all(const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(master, p, n < 496 ? n : 496);

		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = {master, POLLOUT, 0};

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0) {
			perror("fake_hub: write");
			exit(1);
		}
		p += w;
		n -= (size_t)w;
	}
}

static void send_frame(uint8_t t, uint32_t s, const void *p, uint32_t n)
{
	uint8_t hdr[AMP_FRAME_HDR_SIZE];

	amp_frame_encode(hdr, t, s, n, amp_crc32(0, p, n));
	write_all(hdr, sizeof(hdr));
	write_all(p, n);
}

static void send_u32(uint8_t t, uint32_t s, uint32_t a, uint32_t b, uint32_t n)
{
	uint8_t p[8];

	amp_put32(p, a);
	amp_put32(p + 4, b);
	send_frame(t, s, p, n);
}

static void on_frame(bool crc_ok)
{
	if (type == AMP_FRAME_OPEN && len >= AMP_OPEN_FIXED_SIZE) {
		const char *name = (const char *)payload + AMP_OPEN_FIXED_SIZE;
		size_t name_len = len - AMP_OPEN_FIXED_SIZE;

		service = name_len == 4 && !memcmp(name, "echo", 4)	? ECHO
			  : name_len == 6 && !memcmp(name, "ticker", 6) ? TICKER
									: NONE;
		if (service == NONE) {
			send_u32(AMP_FRAME_ERROR, seq, AMP_STATUS_NO_SERVICE, 0, 8);
			return;
		}
		uint8_t o[AMP_OPENED_SIZE];
		struct amp_opened op = {1u << 20, 1u << 20, 1};

		amp_opened_encode(o, &op);
		send_frame(AMP_FRAME_OPENED, seq, o, sizeof(o));
		for (unsigned int i = 1; service == TICKER && i <= 3; i++) {
			char tick[16];
			int n = snprintf(tick, sizeof(tick), "tick %u", i);

			send_frame(AMP_FRAME_MSG, i, tick, (uint32_t)n);
		}
	} else if (type == AMP_FRAME_MSG && service != NONE) {
		for (uint32_t i = 0; i < len; i++)
			printf("%s%02x", i ? " " : "", payload[i]);
		printf("%s\n", crc_ok ? "" : " (bad crc)");
		fflush(stdout);
		if (service == ECHO)
			send_frame(AMP_FRAME_MSG, seq, payload, len);
		send_u32(AMP_FRAME_CREDIT, 0, len, 0, 4);
	} else if (type == AMP_FRAME_CLOSE) {
		service = NONE;
	}
}

static void feed(const uint8_t *p, size_t n)
{
	struct amp_stream_event ev;

	for (;;) {
		size_t used = amp_stream_feed(&st, p, n, &ev);

		p += used;
		n -= used;
		if (ev.type == AMP_STREAM_NONE)
			return;
		if (ev.type == AMP_STREAM_HEADER) {
			type = ev.hdr.type;
			seq = ev.hdr.seq;
			len = ev.hdr.len;
			free(payload);
			payload = malloc(len + 1u);
			if (!payload)
				exit(1);
		} else if (ev.type == AMP_STREAM_PAYLOAD) {
			memcpy(payload + ev.offset, ev.data, ev.len);
		} else if (ev.type == AMP_STREAM_END) {
			on_frame(ev.crc_ok);
		}
	}
}

int main(void)
{
	static uint8_t buf[65536];

	master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (master < 0 || grantpt(master) || unlockpt(master)) {
		perror("fake_hub: pty");
		return 1;
	}
	/* Kept open, so that the master sees no hangup between two clients. */
	int keep = open(ptsname(master), O_RDWR | O_NOCTTY);

	if (keep < 0) {
		perror("fake_hub: slave");
		return 1;
	}
	amp_stream_init(&st, crc_fn);
	printf("%s\n", ptsname(master));
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = {{0, POLLIN, 0}, {master, POLLIN, 0}};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n <= 0)
				break;
		}
		if (p[1].revents & POLLIN) {
			ssize_t n = read(master, buf, sizeof(buf));

			if (n > 0)
				feed(buf, (size_t)n);
		}
	}
	close(keep);
	close(master);
	free(payload);
	return 0;
}
