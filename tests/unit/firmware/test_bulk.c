/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bulk wire format (include/amplink/bulk.h): the byte layout, and
 * every header, descriptor count, length, flag and pool geometry that
 * decoding must refuse, including sizes whose 32-bit arithmetic would wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include <amplink/bulk.h>

static uint32_t submit_msg(uint8_t *buf, uint8_t count, uint8_t flags)
{
	struct amp_bulk_hdr h = {.type = AMP_BULK_SUBMIT,
				 .count = count,
				 .flags = flags,
				 .peer = 0x40000001u,
				 .conn_id = 7,
				 .seq = 3,
				 .crc = 0xcbf43926u};
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	for (uint32_t i = 0; i < count; i++) {
		struct amp_bulk_desc d = {.slot = i, .offset = 16, .length = 100, .generation = 9};

		amp_bulk_desc_encode(buf, i, &d);
	}
	return len;
}

static void test_layout_is_little_endian(void **state)
{
	uint8_t buf[AMP_BULK_MSG_MAX];
	uint32_t len = submit_msg(buf, 2, AMP_BULK_F_CRC);
	struct amp_bulk_hdr h;
	struct amp_bulk_desc d;

	(void)state;
	assert_int_equal(len, AMP_BULK_HDR_SIZE + 2 * AMP_BULK_DESC_SIZE);
	assert_memory_equal(buf, "AMPB", 4);
	assert_int_equal(buf[4], AMP_BULK_VERSION);
	assert_int_equal(buf[5], AMP_BULK_SUBMIT);
	assert_int_equal(buf[6], 2);
	assert_int_equal(buf[7], AMP_BULK_F_CRC);
	assert_memory_equal(buf + 8, "\x01\x00\x00\x40", 4);  /* peer */
	assert_memory_equal(buf + 20, "\x26\x39\xf4\xcb", 4); /* crc */
	assert_memory_equal(buf + 24 + 16, "\x01\x00\x00\x00\x10\x00\x00\x00", 8);

	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_OK);
	assert_int_equal(h.type, AMP_BULK_SUBMIT);
	assert_int_equal(h.count, 2);
	assert_int_equal(h.peer, 0x40000001u);
	assert_int_equal(h.conn_id, 7);
	assert_int_equal(h.seq, 3);
	assert_int_equal(h.crc, 0xcbf43926u);
	amp_bulk_desc_decode(buf, 1, &d);
	assert_int_equal(d.slot, 1);
	assert_int_equal(d.offset, 16);
	assert_int_equal(d.length, 100);
	assert_int_equal(d.generation, 9);
}

static void test_most_descriptors_fit_one_rpmsg_message(void **state)
{
	uint8_t buf[AMP_BULK_MSG_MAX + AMP_BULK_DESC_SIZE];
	struct amp_bulk_hdr h;

	(void)state;
	assert_int_equal(AMP_BULK_DESC_MAX, 29);
	uint32_t len = submit_msg(buf, AMP_BULK_DESC_MAX, 0);

	assert_true(len <= AMP_BULK_MSG_MAX);
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_OK);
	/* one more is refused both ways */
	h.count = AMP_BULK_DESC_MAX + 1;
	assert_int_equal(amp_bulk_hdr_encode(buf, &h), 0);
	buf[6] = AMP_BULK_DESC_MAX + 1;
	assert_int_equal(amp_bulk_hdr_decode(buf, len + AMP_BULK_DESC_SIZE, &h), AMP_BULK_E_COUNT);
}

static void test_bad_headers_refused(void **state)
{
	uint8_t good[AMP_BULK_MSG_MAX], buf[AMP_BULK_MSG_MAX];
	uint32_t len = submit_msg(good, 1, 0);
	struct amp_bulk_hdr h;

	(void)state;
	assert_int_equal(amp_bulk_hdr_decode(good, AMP_BULK_HDR_SIZE - 1, &h), AMP_BULK_E_LENGTH);
	assert_int_equal(amp_bulk_hdr_decode(good, len - 1, &h), AMP_BULK_E_LENGTH);
	assert_int_equal(amp_bulk_hdr_decode(good, len + 1, &h), AMP_BULK_E_LENGTH);

	memcpy(buf, good, len);
	buf[3] = 'L'; /* an amplink frame's magic is not a bulk message */
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_MAGIC);
	memcpy(buf, good, len);
	buf[4] = 2;
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_VERSION);
	memcpy(buf, good, len);
	buf[5] = 0;
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_TYPE);
	buf[5] = AMP_BULK_TYPE_MAX + 1;
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_TYPE);
	memcpy(buf, good, len);
	buf[6] = 0; /* a descriptor message without descriptors */
	assert_int_equal(amp_bulk_hdr_decode(buf, AMP_BULK_HDR_SIZE, &h), AMP_BULK_E_COUNT);
	memcpy(buf, good, len);
	buf[7] = 0x04; /* unknown flag */
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_FLAGS);
	memcpy(buf, good, len);
	buf[5] = AMP_BULK_POST;
	buf[7] = AMP_BULK_F_MORE; /* only messages by reference continue */
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_FLAGS);
	buf[7] = 0;
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_OK);
}

static void test_pool_messages_have_bodies_not_descriptors(void **state)
{
	uint8_t buf[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = AMP_BULK_POOL};
	struct amp_bulk_pool_info
		in = {.generation = 5,
		      .base = 0x1c0000000ull, /* above 4 GiB: both halves travel */
		      .size = 0x100000,
		      .slot_size = 0x10000,
		      .slot_count = 16},
		out;
	struct amp_bulk_pool_ack ack = {.generation = 5, .status = AMP_BULK_ACK_UNREACHABLE}, ack2;

	(void)state;
	uint32_t len = amp_bulk_hdr_encode(buf, &h);

	assert_int_equal(len, AMP_BULK_HDR_SIZE + AMP_BULK_POOL_SIZE);
	amp_bulk_pool_info_encode(buf, &in);
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_OK);
	assert_int_equal(amp_bulk_pool_info_decode(buf, &out), AMP_BULK_OK);
	assert_int_equal(out.generation, 5);
	assert_true(out.base == 0x1c0000000ull);
	assert_int_equal(out.size, 0x100000);
	assert_int_equal(out.slot_size, 0x10000);
	assert_int_equal(out.slot_count, 16);

	buf[6] = 1; /* a POOL with a descriptor count */
	assert_int_equal(amp_bulk_hdr_decode(buf, len, &h), AMP_BULK_E_COUNT);
	h.type = AMP_BULK_POOL;
	h.count = 1;
	assert_int_equal(amp_bulk_hdr_encode(buf, &h), 0);

	h = (struct amp_bulk_hdr){.type = AMP_BULK_POOL_ACK};
	len = amp_bulk_hdr_encode(buf, &h);
	assert_int_equal(len, AMP_BULK_HDR_SIZE + AMP_BULK_POOL_ACK_SIZE);
	amp_bulk_pool_ack_encode(buf, &ack);
	assert_int_equal(amp_bulk_pool_ack_decode(buf, &ack2), AMP_BULK_OK);
	assert_int_equal(ack2.generation, 5);
	assert_int_equal(ack2.status, AMP_BULK_ACK_UNREACHABLE);
	ack.status = AMP_BULK_ACK_TOO_MANY + 1;
	amp_bulk_pool_ack_encode(buf, &ack);
	assert_int_equal(amp_bulk_pool_ack_decode(buf, &ack2), AMP_BULK_E_INVAL);
}

static void test_pool_geometry_checks(void **state)
{
	const struct amp_bulk_pool_info good = {.generation = 1,
						.base = 0xd0000000u,
						.size = 0x400000,
						.slot_size = 0x10000,
						.slot_count = 64};
	struct amp_bulk_pool_info pi;

	(void)state;
	assert_int_equal(amp_bulk_pool_info_check(&good), AMP_BULK_OK);
	pi = good;
	pi.generation = 0;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.base += 64; /* not page-aligned */
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.slot_size = 0;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.slot_size = 0x10000 + 512;
	pi.slot_count = 8;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.slot_count = 0;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.slot_count = AMP_BULK_SLOTS_MAX + 1;
	pi.slot_size = AMP_BULK_SLOT_ALIGN;
	pi.size = 0xfffff000u;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.slot_count = 65; /* one slot more than size holds */
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	/* 2^28 * 16 is 2^32: 0 in 32 bits, which would "fit" any size */
	pi.slot_size = 0x10000000u;
	pi.slot_count = 16;
	pi.size = 0x10000000u;
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi = good;
	pi.base = 0xfffffffffff00000ull; /* base + size past 2^64 */
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi.base = 0xffffffffffc00000ull; /* ends at 2^64: its end is not representable */
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_E_GEOMETRY);
	pi.base = 0xffffffffffbff000ull; /* a page below */
	assert_int_equal(amp_bulk_pool_info_check(&pi), AMP_BULK_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_little_endian),
		cmocka_unit_test(test_most_descriptors_fit_one_rpmsg_message),
		cmocka_unit_test(test_bad_headers_refused),
		cmocka_unit_test(test_pool_messages_have_bodies_not_descriptors),
		cmocka_unit_test(test_pool_geometry_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
