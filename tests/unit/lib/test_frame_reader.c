/* SPDX-License-Identifier: BSD-3-Clause */
/* The library's reply reader: whole, split, garbage-prefixed, corrupt frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <amplink/amplink.h>

#include "frame_reader.h"

static struct amp_frame_reader r;

static size_t frame(uint8_t *out, uint8_t type, uint32_t seq, const char *payload)
{
	size_t len = strlen(payload);

	amp_frame_encode(out, type, seq, (uint32_t)len, amp_crc32(0, payload, len));
	memcpy(out + AMP_FRAME_HDR_SIZE, payload, len);
	return AMP_FRAME_HDR_SIZE + len;
}

static void test_whole_frame(void **state)
{
	uint8_t buf[64];
	size_t len = frame(buf, AMP_FRAME_ECHO_REPLY, 3, "hello"), used;
	struct amp_frame_hdr h;
	const uint8_t *p;

	(void)state;
	amp_reader_init(&r);
	assert_int_equal(amp_reader_push(&r, buf, len, &used, &h, &p), AMP_READER_FRAME);
	assert_int_equal(used, len);
	assert_int_equal(h.seq, 3);
	assert_memory_equal(p, "hello", 5);
}

static void test_byte_by_byte(void **state)
{
	uint8_t buf[64];
	size_t len = frame(buf, AMP_FRAME_ACK, 4, "123456789012"), used;
	struct amp_frame_hdr h;
	const uint8_t *p;

	(void)state;
	amp_reader_init(&r);
	for (size_t i = 0; i + 1 < len; i++) {
		assert_int_equal(amp_reader_push(&r, buf + i, 1, &used, &h, &p), AMP_READER_MORE);
		assert_int_equal(used, 1);
	}
	assert_int_equal(amp_reader_push(&r, buf + len - 1, 1, &used, &h, &p), AMP_READER_FRAME);
	assert_int_equal(h.type, AMP_FRAME_ACK);
}

static void test_garbage_and_two_frames(void **state)
{
	uint8_t buf[160];
	size_t len = 0, used;
	struct amp_frame_hdr h;
	const uint8_t *p;

	(void)state;
	memcpy(buf, "AMPxAMPgarbage", 14);
	len = 14;
	len += frame(buf + len, AMP_FRAME_ECHO_REPLY, 1, "one");
	len += frame(buf + len, AMP_FRAME_ECHO_REPLY, 2, "two");
	amp_reader_init(&r);
	assert_int_equal(amp_reader_push(&r, buf, len, &used, &h, &p), AMP_READER_FRAME);
	assert_int_equal(h.seq, 1);
	assert_int_equal(r.skipped, 14);
	assert_int_equal(amp_reader_push(&r, buf + used, len - used, &used, &h, &p),
			 AMP_READER_FRAME);
	assert_int_equal(h.seq, 2);
	assert_memory_equal(p, "two", 3);
}

static void test_corrupt_payload(void **state)
{
	uint8_t buf[64];
	size_t len = frame(buf, AMP_FRAME_ECHO_REPLY, 5, "payload"), used;
	struct amp_frame_hdr h;
	const uint8_t *p;

	(void)state;
	buf[AMP_FRAME_HDR_SIZE + 2] ^= 1;
	amp_reader_init(&r);
	assert_int_equal(amp_reader_push(&r, buf, len, &used, &h, &p), AMP_READER_CORRUPT);
	assert_int_equal(h.seq, 5);
}

static void test_oversize_header_is_skipped(void **state)
{
	uint8_t buf[96];
	size_t used, len;
	struct amp_frame_hdr h;
	const uint8_t *p;

	(void)state;
	amp_frame_encode(buf, AMP_FRAME_DATA, 9, AMP_READER_MAX_PAYLOAD + 1u, 0);
	len = AMP_FRAME_HDR_SIZE + frame(buf + AMP_FRAME_HDR_SIZE, AMP_FRAME_ACK, 10, "abc");
	amp_reader_init(&r);
	assert_int_equal(amp_reader_push(&r, buf, len, &used, &h, &p), AMP_READER_FRAME);
	assert_int_equal(h.seq, 10);
	assert_int_equal(r.skipped, AMP_FRAME_HDR_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_frame),
		cmocka_unit_test(test_byte_by_byte),
		cmocka_unit_test(test_garbage_and_two_frames),
		cmocka_unit_test(test_corrupt_payload),
		cmocka_unit_test(test_oversize_header_is_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
