/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libamplink's client against the real firmware, in one process: the
 * firmware's node runs over the rpmsg core in the device role, the test
 * plays Linux's rpmsg_tty with the core's driver role, and a pseudo-terminal
 * carries the bytes between the library's tty transport and that endpoint.
 * A thread owns everything rpmsg; the test thread only uses the library. So
 * the credits, frames and cutting of both sides meet without a kernel, under
 * the sanitizers.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amp/node.h>
#include <amplink/amplink.h>
#include <amplink/bench.h>
#include <firmware/firmware.h>

#include "ring_fixture.h"

#define NUM 16u
#define WAIT_MS 20000
#define BIG (1024u * 1024u)

/* --- the firmware's side: services of the test's own -------------------- */

static uint8_t echo_copy[BIG];
static atomic_uint echo_gone;

static void echo_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	memcpy(echo_copy, data, len);
	if (amp_send(c, echo_copy, len) == AMP_PENDING)
		amp_conn_pause(c); /* one message in flight: see writable */
}

static void echo_writable(struct amp_conn *c)
{
	amp_conn_resume(c);
}

static void echo_gone_cb(struct amp_conn *c)
{
	(void)c;
	atomic_fetch_add(&echo_gone, 1);
}

static const struct amp_service_ops echo_ops = {
	.message = echo_message, .writable = echo_writable, .gone = echo_gone_cb};
AMP_SERVICE_DEFINE(echo_service, "echo", &echo_ops, NULL, BIG, 1);

/* "burst": on any message, sends back N messages of N bytes each (N = the first byte). */
static uint8_t burst_data[256];
static uint32_t burst_left, burst_len;

static void burst_next(struct amp_conn *c)
{
	while (burst_left) {
		int rc = amp_send(c, burst_data, burst_len);

		if (rc == AMP_EWOULDBLOCK)
			return;
		burst_left--;
		if (rc == AMP_PENDING)
			return;
	}
}

static void burst_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	burst_len = len ? data[0] : 0;
	burst_left = 200;
	for (uint32_t i = 0; i < burst_len; i++)
		burst_data[i] = (uint8_t)(i ^ burst_len);
	burst_next(c);
}

static void burst_gone(struct amp_conn *c)
{
	(void)c;
	burst_left = 0;
}

static const struct amp_service_ops burst_ops = {
	.message = burst_message, .writable = burst_next, .gone = burst_gone};
AMP_SERVICE_DEFINE(burst_service, "burst", &burst_ops, NULL, 8, 1);

/* --- Linux's side: rpmsg_tty over the driver role, and the pty ---------- */

static struct fx_link L;
static struct firmware fw;
static struct rp_endpoint tty_ept;
static int master, slave_keep;
static char slave[64];
static pthread_t thread;
static atomic_bool quit;
static uint8_t to_pty[1u << 20];
static size_t to_pty_len;

/* The firmware's bytes for the tty: into the pty, whatever fits now, the rest later. */
static int tty_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	(void)ept;
	(void)src;
	if (len > sizeof(to_pty) - to_pty_len)
		return RP_EAGAIN; /* like a full flip buffer, but without dropping */
	memcpy(to_pty + to_pty_len, data, len);
	to_pty_len += len;
	return RP_OK;
}

static uint32_t hub_addr(void)
{
	return fw.node.hubs[AMP_HUB_INDEX_TTY].addr;
}

static uint32_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Moves bytes both ways until told to stop; all rpmsg work happens here. */
static void *bridge(void *arg)
{
	uint8_t buf[RP_MTU];

	(void)arg;
	while (!atomic_load(&quit)) {
		struct pollfd p = {.fd = master, .events = POLLIN};

		if (to_pty_len)
			p.events |= POLLOUT;
		poll(&p, 1, 1);
		if (p.revents & POLLIN) {
			ssize_t n = read(master, buf, sizeof(buf));

			/* every rp_send goes: the firmware returns buffers as it polls */
			while (n > 0 && rp_send(&L.drv.link, tty_ept.addr, hub_addr(), buf,
						(uint32_t)n) == RP_EAGAIN) {
				fx_link_settle(&L);
				amp_node_poll(&fw.node);
			}
		}
		if (to_pty_len) {
			ssize_t w = write(master, to_pty, to_pty_len);

			if (w > 0) {
				memmove(to_pty, to_pty + w, to_pty_len - (size_t)w);
				to_pty_len -= (size_t)w;
			}
		}
		fx_link_settle(&L);
		amp_node_poll(&fw.node);
		fx_link_settle(&L);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	to_pty_len = 0;
	atomic_store(&echo_gone, 0);
	atomic_store(&quit, false);
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(firmware_start(&fw, &L.dev, clock_ms), RP_OK);
	assert_int_equal(amp_service_register(&fw.node, &echo_service), AMP_OK);
	assert_int_equal(amp_service_register(&fw.node, &burst_service), AMP_OK);
	rp_link_up(&L.dev);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &tty_ept, NULL, RP_ADDR_ANY, tty_receive, NULL),
		RP_OK);
	fx_link_settle(&L);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	snprintf(slave, sizeof(slave), "%s", ptsname(master));
	slave_keep = open(slave, O_RDWR | O_NOCTTY); /* the master hangs up without a slave */
	assert_true(slave_keep >= 0);
	fcntl(master, F_SETFL, O_NONBLOCK);
	assert_int_equal(pthread_create(&thread, NULL, bridge, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	atomic_store(&quit, true);
	pthread_join(thread, NULL);
	close(master);
	close(slave_keep);
	return 0;
}

static struct amp_client *open_service(const char *name)
{
	struct amp_client_options o = {
		.transport = AMP_TRANSPORT_TTY, .device = slave, .timeout_ms = WAIT_MS};
	struct amp_client *c = amp_client_open(name, &o);

	if (!c)
		fail_msg("open %s: %s", name, strerror(errno));
	return c;
}

static void fill(uint8_t *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 13u + seed + (i >> 10));
}

/* Messages both ways, cut at every boundary both sides cut at. */
static void test_echo_sizes(void **state)
{
	static const size_t sizes[] = {0, 1, 475, 476, 477, 495, 496, 497, 953, 65536, BIG};
	static uint8_t out[BIG], back[BIG];
	struct amp_client *c = open_service("echo");

	(void)state;
	assert_int_equal(amp_client_max_message(c), BIG);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(out, sizes[i], (unsigned int)i);
		assert_int_equal(amp_client_send(c, out, sizes[i], WAIT_MS), 0);
		assert_int_equal(amp_client_recv(c, back, sizeof(back), WAIT_MS), sizes[i]);
		assert_memory_equal(out, back, sizes[i]);
	}
	amp_client_close(c);
}

/* The firmware's bench service: every block acknowledged with its length and CRC-32. */
static void test_bench_service(void **state)
{
	static const size_t sizes[] = {0, 1, 476, 477, 65536, 200000};
	static uint8_t out[200000];
	struct amp_client *c = open_service(AMP_BENCH_SERVICE);
	uint8_t reply[AMP_ACK_SIZE + 1];
	struct amp_ack ack;

	(void)state;
	assert_int_equal(amp_client_max_message(c), AMP_MSG_MAX);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(out, sizes[i], (unsigned int)i);
		assert_int_equal(amp_client_send(c, out, sizes[i], WAIT_MS), 0);
		assert_int_equal(amp_client_recv(c, reply, sizeof(reply), WAIT_MS), AMP_ACK_SIZE);
		amp_ack_decode(reply, &ack);
		assert_int_equal(ack.status, AMP_STATUS_OK);
		assert_int_equal(ack.received, sizes[i]);
		assert_int_equal(ack.crc, amp_crc32(0, out, sizes[i]));
	}
	amp_client_close(c);
}

/* Bench channels both ways: blocks to the bench service, blocks from the bench source. */
static void test_bench_channels(void **state)
{
	static const size_t sizes[] = {0, 1, 476, 477, 4096, 65536, 200000};
	static uint8_t out[200000], in[200000];
	struct amp_open_options o = {
		.transport = AMP_TRANSPORT_TTY, .device = slave, .timeout_ms = WAIT_MS};
	struct amp_channel *to = amp_channel_open(&o);
	struct amp_transfer t;

	(void)state;
	assert_non_null(to);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		fill(out, sizes[i], (unsigned int)i);
		assert_int_equal(amp_channel_send_block(to, out, sizes[i], &t), 0);
		assert_int_equal(t.acked_bytes, sizes[i]);
		assert_int_equal(t.acked_crc, amp_crc32(0, out, sizes[i]));
	}
	assert_int_equal(amp_channel_fetch_block(to, in, 10, &t), -1);
	assert_int_equal(errno, EINVAL);
	amp_channel_close(to); /* one tty, one connection at a time */

	struct amp_channel *from = amp_channel_open_source(&o);

	assert_non_null(from);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(in, 0xa5, sizes[i]);
		assert_int_equal(amp_channel_fetch_block(from, in, sizes[i], &t), 0);
		assert_int_equal(t.acked_bytes, sizes[i]);
		assert_int_equal(t.status, AMP_STATUS_OK);
	}
	/* the bytes checked are the pattern's: the first block's first byte is seed 1's */
	assert_int_equal(amp_channel_fetch_block(from, in, 3, &t), 0);
	assert_int_equal(in[1], amp_bench_pattern(sizeof(sizes) / sizeof(sizes[0]) + 1, 1));
	assert_int_equal(amp_channel_send_block(from, out, 10, &t), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(amp_channel_fetch_block(from, in, AMP_MSG_MAX + 1u, &t), -1);
	assert_int_equal(errno, EMSGSIZE);
	amp_channel_close(from);
}

/* 200 messages the firmware sends on its own, through a window of 4: none lost. */
static void test_burst_through_a_small_window(void **state)
{
	struct amp_client_options o = {
		.transport = AMP_TRANSPORT_TTY, .device = NULL, .timeout_ms = WAIT_MS, .window = 4};
	uint8_t n = 200, buf[256];

	(void)state;
	o.device = slave;
	struct amp_client *c = amp_client_open("burst", &o);

	assert_non_null(c);
	assert_int_equal(amp_client_send(c, &n, 1, WAIT_MS), 0);
	for (unsigned int i = 0; i < 200; i++) {
		assert_int_equal(amp_client_recv(c, buf, sizeof(buf), WAIT_MS), n);
		for (unsigned int k = 0; k < n; k++)
			assert_int_equal(buf[k], (uint8_t)(k ^ n));
	}
	assert_int_equal(amp_client_recv(c, buf, sizeof(buf), 0), -1);
	assert_int_equal(errno, EAGAIN);
	amp_client_close(c);
}

/* Closing tells the service; a second client after it is served afresh. */
static void test_close_then_reopen(void **state)
{
	uint8_t msg[100], back[100];

	(void)state;
	struct amp_client *c = open_service("echo");

	amp_client_close(c);
	c = open_service("echo");
	assert_int_equal(atomic_load(&echo_gone), 1);
	fill(msg, sizeof(msg), 4);
	assert_int_equal(amp_client_call(c, msg, sizeof(msg), back, sizeof(back), WAIT_MS),
			 sizeof(msg));
	assert_memory_equal(msg, back, sizeof(msg));
	amp_client_close(c);
	errno = 0;
	assert_null(amp_client_open("nosuch",
				    &(struct amp_client_options){.transport = AMP_TRANSPORT_TTY,
								 .device = slave,
								 .timeout_ms = WAIT_MS}));
	assert_int_equal(errno, ENOENT);
}

/*
 * The tty's previous owner died half-way through a frame: the firmware
 * keeps waiting for the rest, so the new client's first OPEN disappears into
 * it. The client says OPEN once more after the firmware's stall time, which
 * then starts afresh.
 */
static void test_open_after_a_dead_owner(void **state)
{
	uint8_t hdr[AMP_FRAME_HDR_SIZE], msg[64], back[64];

	(void)state;
	amp_frame_encode(hdr, AMP_FRAME_DATA, 1, 1000, 0);
	assert_int_equal(write(slave_keep, hdr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(write(slave_keep, "only ten b", 10), 10);
	struct amp_client *c = open_service("echo");

	assert_non_null(c);
	fill(msg, sizeof(msg), 8);
	assert_int_equal(amp_client_call(c, msg, sizeof(msg), back, sizeof(back), WAIT_MS),
			 sizeof(msg));
	assert_memory_equal(msg, back, sizeof(msg));
	amp_client_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_echo_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bench_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bench_channels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_through_a_small_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_then_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_after_a_dead_owner, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
