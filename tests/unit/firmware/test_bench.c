/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bench service over a real driver/device pair: frames cut into pieces
 * as every transport cuts them, verified acks, resync after garbage,
 * stalled frames, echo, statistics. The CRC-32 engines have their own test
 * (test_crc32.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include <amplink/bench.h>
#include <amplink/frame.h>
#include <firmware/firmware.h>

#include "ring_fixture.h"

#define NUM 16u

static struct fx_link L;
static struct firmware fw;
static struct rx_log replies;
static struct rp_endpoint client;
static uint32_t clock_ms;

static uint32_t fake_clock(void)
{
	return clock_ms;
}

static uint32_t bench_addr(void)
{
	return fw.node.hubs[AMP_HUB_INDEX_RAW].addr;
}

static int setup(void **state)
{
	(void)state;
	memset(&replies, 0, sizeof(replies));
	clock_ms = 1000;
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(firmware_start(&fw, &L.dev, fake_clock), RP_OK);
	rp_link_up(&L.dev);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &client, NULL, RP_ADDR_ANY, rx_log_cb, &replies),
		RP_OK);
	fx_link_settle(&L);
	return 0;
}

/* Sends bytes to the bench endpoint in pieces of at most piece bytes. */
static void send_stream(const uint8_t *data, uint32_t len, uint32_t piece)
{
	while (len > 0) {
		uint32_t n = len < piece ? len : piece;

		assert_int_equal(rp_send(&L.drv.link, client.addr, bench_addr(), data, n), RP_OK);
		fx_link_settle(&L);
		data += n;
		len -= n;
	}
}

static uint32_t make_frame(uint8_t *out, uint8_t type, uint32_t seq, const uint8_t *payload,
			   uint32_t len)
{
	amp_frame_encode(out, type, seq, len, (uint32_t)crc32(0, payload, len));
	if (len)
		memcpy(out + AMP_FRAME_HDR_SIZE, payload, len);
	return AMP_FRAME_HDR_SIZE + len;
}

/* The reply at index i, decoded; its payload stays in replies.data[i]. */
static struct amp_frame_hdr reply(unsigned int i)
{
	struct amp_frame_hdr h;

	assert_true(i < replies.count);
	assert_int_equal(amp_frame_decode(replies.data[i], &h), AMP_STATUS_OK);
	assert_int_equal(replies.len[i], AMP_FRAME_HDR_SIZE + h.len);
	assert_int_equal(h.crc, (uint32_t)crc32(0, replies.data[i] + AMP_FRAME_HDR_SIZE, h.len));
	return h;
}

static struct amp_ack ack_of(unsigned int i, uint32_t seq)
{
	struct amp_frame_hdr h = reply(i);
	struct amp_ack a;

	assert_int_equal(h.type, AMP_FRAME_ACK);
	assert_int_equal(h.seq, seq);
	amp_ack_decode(replies.data[i] + AMP_FRAME_HDR_SIZE, &a);
	return a;
}

static uint32_t error_of(unsigned int i)
{
	struct amp_frame_hdr h = reply(i);

	assert_int_equal(h.type, AMP_FRAME_ERROR);
	return amp_get32(replies.data[i] + AMP_FRAME_HDR_SIZE);
}

static void test_frame_header_round_trip_and_rejects(void **state)
{
	uint8_t raw[AMP_FRAME_HDR_SIZE];
	struct amp_frame_hdr h;

	(void)state;
	amp_frame_encode(raw, AMP_FRAME_DATA, 7, 1234, 0xdeadbeef);
	assert_memory_equal(raw, "AMPL", 4);
	assert_int_equal(amp_frame_decode(raw, &h), AMP_STATUS_OK);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.len, 1234);
	assert_int_equal(h.crc, 0xdeadbeef);
	raw[4] = 9;
	assert_int_equal(amp_frame_decode(raw, &h), AMP_STATUS_BAD_VERSION);
	amp_frame_encode(raw, AMP_FRAME_DATA, 7, AMP_FRAME_MAX_LEN + 1u, 0);
	assert_int_equal(amp_frame_decode(raw, &h), AMP_STATUS_TOO_LARGE);
	amp_frame_encode(raw, 99, 7, 0, 0);
	assert_int_equal(amp_frame_decode(raw, &h), AMP_STATUS_BAD_TYPE);
	raw[0] = 'X';
	assert_int_equal(amp_frame_decode(raw, &h), AMP_STATUS_BAD_MAGIC);
}

/* Sizes around every boundary, each cut as rpmsg_char and as a tty would. */
static void test_data_frames_acked_with_what_arrived(void **state)
{
	static const uint32_t sizes[] = {0, 1, 475, 476, 477, 495, 496, 497, 4096, 32768};
	static const uint32_t pieces[] = {RP_MTU, 1, 7, 333};
	static uint8_t frame[AMP_FRAME_HDR_SIZE + 32768], payload[32768];
	unsigned int n = 0;

	(void)state;
	for (unsigned int p = 0; p < 4; p++) {
		for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			fx_pattern(payload, sizes[i], i + 100 * p);
			uint32_t len = make_frame(frame, AMP_FRAME_DATA, n, payload, sizes[i]);

			send_stream(frame, len, pieces[p]);
			struct amp_ack a = ack_of(n, n);

			assert_int_equal(a.status, AMP_STATUS_OK);
			assert_int_equal(a.received, sizes[i]);
			assert_int_equal(a.crc, (uint32_t)crc32(0, payload, sizes[i]));
			n++;
		}
	}
	assert_int_equal(fw.node.stats.frames_ok, n);
}

static void test_corrupted_payload_reports_bad_crc(void **state)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE + 600], payload[600];
	uint32_t len;

	(void)state;
	fx_pattern(payload, sizeof(payload), 3);
	len = make_frame(frame, AMP_FRAME_DATA, 5, payload, sizeof(payload));
	frame[AMP_FRAME_HDR_SIZE + 300] ^= 0x40;
	send_stream(frame, len, RP_MTU);
	struct amp_ack a = ack_of(0, 5);

	assert_int_equal(a.status, AMP_STATUS_BAD_CRC);
	assert_int_equal(a.received, sizeof(payload));
	assert_int_not_equal(a.crc, (uint32_t)crc32(0, payload, sizeof(payload)));
	assert_int_equal(fw.node.stats.frames_bad, 1);
}

static void test_garbage_then_frame_resyncs(void **state)
{
	uint8_t stream[64 + AMP_FRAME_HDR_SIZE + 10], payload[10];
	uint32_t len;

	(void)state;
	memset(stream, 'x', 64);
	stream[10] = 'A'; /* a false start of the magic */
	fx_pattern(payload, sizeof(payload), 1);
	len = 64 + make_frame(stream + 64, AMP_FRAME_DATA, 9, payload, sizeof(payload));
	send_stream(stream, len, 13);
	assert_int_equal(replies.count, 2);
	assert_int_equal(error_of(0), AMP_STATUS_BAD_MAGIC);
	assert_int_equal(ack_of(1, 9).status, AMP_STATUS_OK);
}

static void test_oversize_and_unknown_frames_get_errors(void **state)
{
	uint8_t hdr[AMP_FRAME_HDR_SIZE];
	uint8_t echo[AMP_FRAME_HDR_SIZE + 1];

	(void)state;
	amp_frame_encode(hdr, AMP_FRAME_DATA, 1, AMP_FRAME_MAX_LEN + 1u, 0);
	send_stream(hdr, sizeof(hdr), RP_MTU);
	amp_frame_encode(hdr, AMP_FRAME_ACK, 2, 0, 0);
	send_stream(hdr, sizeof(hdr), RP_MTU);
	amp_frame_encode(echo, AMP_FRAME_ECHO, 3, AMP_ECHO_MAX_LEN + 1u, 0);
	send_stream(echo, AMP_FRAME_HDR_SIZE, RP_MTU);
	assert_int_equal(error_of(0), AMP_STATUS_TOO_LARGE);
	assert_int_equal(error_of(1), AMP_STATUS_BAD_TYPE);
	assert_int_equal(error_of(2), AMP_STATUS_TOO_LARGE);
	/* Still in step: a good frame is acked. */
	amp_frame_encode(hdr, AMP_FRAME_DATA, 4, 0, 0);
	send_stream(hdr, sizeof(hdr), RP_MTU);
	assert_int_equal(ack_of(3, 4).status, AMP_STATUS_OK);
}

static void test_stalled_frame_times_out(void **state)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE + 100], payload[100];

	(void)state;
	fx_pattern(payload, sizeof(payload), 2);
	make_frame(frame, AMP_FRAME_DATA, 11, payload, sizeof(payload));
	send_stream(frame, AMP_FRAME_HDR_SIZE + 40, RP_MTU);
	assert_int_equal(replies.count, 0);
	clock_ms += AMP_FRAME_TIMEOUT_MS + 1;
	make_frame(frame, AMP_FRAME_DATA, 12, payload, sizeof(payload));
	send_stream(frame, sizeof(frame), RP_MTU);
	assert_int_equal(error_of(0), AMP_STATUS_TIMEOUT);
	assert_int_equal(ack_of(1, 12).status, AMP_STATUS_OK);
}

static void test_echo_and_stats(void **state)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN], payload[AMP_ECHO_MAX_LEN];
	struct amp_stats s;

	(void)state;
	fx_pattern(payload, sizeof(payload), 5);
	send_stream(frame, make_frame(frame, AMP_FRAME_ECHO, 21, payload, sizeof(payload)), RP_MTU);
	struct amp_frame_hdr h = reply(0);

	assert_int_equal(h.type, AMP_FRAME_ECHO_REPLY);
	assert_int_equal(h.seq, 21);
	assert_memory_equal(replies.data[0] + AMP_FRAME_HDR_SIZE, payload, sizeof(payload));

	send_stream(frame, make_frame(frame, AMP_FRAME_STATS_REQUEST, 22, NULL, 0), RP_MTU);
	h = reply(1);
	assert_int_equal(h.type, AMP_FRAME_STATS);
	assert_int_equal(h.len, AMP_STATS_SIZE);
	amp_stats_decode(replies.data[1] + AMP_FRAME_HDR_SIZE, &s);
	/* A snapshot taken while the request itself is being delivered. */
	assert_int_equal(s.rx_msgs, L.dev.link.stats.rx_msgs - 1u);
	assert_true(s.tx_msgs >= 5); /* four announcements and the echo reply */
}

/* Every sender gets its own state: interleaved frames from two clients. */
static void test_senders_are_kept_apart(void **state)
{
	static struct rx_log other_log;
	struct rp_endpoint other;
	uint8_t a[AMP_FRAME_HDR_SIZE + 900], b[AMP_FRAME_HDR_SIZE + 900], payload[900];

	(void)state;
	memset(&other_log, 0, sizeof(other_log));
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &other, NULL, RP_ADDR_ANY, rx_log_cb, &other_log),
		RP_OK);
	fx_pattern(payload, sizeof(payload), 8);
	make_frame(a, AMP_FRAME_DATA, 1, payload, sizeof(payload));
	fx_pattern(payload, sizeof(payload), 9);
	make_frame(b, AMP_FRAME_DATA, 2, payload, sizeof(payload));
	for (uint32_t off = 0; off < sizeof(a); off += 100) {
		uint32_t n = sizeof(a) - off < 100 ? sizeof(a) - off : 100;

		assert_int_equal(rp_send(&L.drv.link, client.addr, bench_addr(), a + off, n),
				 RP_OK);
		assert_int_equal(rp_send(&L.drv.link, other.addr, bench_addr(), b + off, n), RP_OK);
		fx_link_settle(&L);
	}
	assert_int_equal(ack_of(0, 1).status, AMP_STATUS_OK);
	assert_int_equal(other_log.count, 1);
	rp_endpoint_destroy(&other);
}

/* amp_bench_fill() and amp_bench_check() are amp_bench_pattern(), a stretch at a time. */
static void test_pattern_by_stretches(void **state)
{
	static const uint32_t offsets[] = {0, 1, 255, 256, 1000, 65535, 65536, 0xffffff00u};
	static uint8_t buf[70000];

	(void)state;
	for (unsigned int k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
		uint32_t off = offsets[k], len = off > UINT32_MAX - 70000u ? 255u : 70000u;

		memset(buf, 0xee, sizeof(buf));
		amp_bench_fill(buf, 7 + k, off, len);
		for (uint32_t i = 0; i < len; i++)
			assert_int_equal(buf[i], amp_bench_pattern(7 + k, off + i));
		if (len < sizeof(buf))
			assert_int_equal(buf[len], 0xee); /* nothing past it */
	}
	amp_bench_fill(buf, 3, 0, sizeof(buf));
	assert_true(amp_bench_check(buf, 3, sizeof(buf)));
	assert_true(amp_bench_check(buf, 3, 0));
	assert_false(amp_bench_check(buf, 4, sizeof(buf)));
	/* one bit anywhere, the first and the last byte of a stretch among them */
	static const uint32_t flips[] = {0, 255, 256, 511, 40000, sizeof(buf) - 1};

	for (unsigned int k = 0; k < sizeof(flips) / sizeof(flips[0]); k++) {
		buf[flips[k]] ^= 0x10;
		assert_false(amp_bench_check(buf, 3, sizeof(buf)));
		buf[flips[k]] ^= 0x10;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_header_round_trip_and_rejects),
		cmocka_unit_test(test_pattern_by_stretches),
		cmocka_unit_test_setup(test_data_frames_acked_with_what_arrived, setup),
		cmocka_unit_test_setup(test_corrupted_payload_reports_bad_crc, setup),
		cmocka_unit_test_setup(test_garbage_then_frame_resyncs, setup),
		cmocka_unit_test_setup(test_oversize_and_unknown_frames_get_errors, setup),
		cmocka_unit_test_setup(test_stalled_frame_times_out, setup),
		cmocka_unit_test_setup(test_echo_and_stats, setup),
		cmocka_unit_test_setup(test_senders_are_kept_apart, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
