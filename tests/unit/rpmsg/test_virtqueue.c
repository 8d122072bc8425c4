/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One virtqueue, driver and device side in the same process over the same
 * ring; the malformed cases play a hostile peer by writing the ring directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rpmsg/rp_status.h>
#include <rpmsg/virtqueue.h>

#include "ring_fixture.h"

#define Q 0u

static struct ring_fixture fx;
static struct rp_vq drv;
static struct rp_vq dev;

static void dev_only(uint16_t num, bool event_idx)
{
	fx_init(&fx, num, event_idx);
	assert_int_equal(rp_vq_dev_init(&dev, num, fx_desc(&fx, Q), fx_avail(&fx, Q),
					fx_used(&fx, Q), event_idx, &fx.mem, 0),
			 RP_OK);
}

static void pair(uint16_t num, bool event_idx)
{
	fx_init(&fx, num, event_idx);
	assert_int_equal(rp_vq_drv_init(&drv, num, fx_desc(&fx, Q), fx_avail(&fx, Q),
					fx_used(&fx, Q), event_idx, &fx.mem),
			 RP_OK);
	assert_int_equal(rp_vq_dev_init(&dev, num, fx_desc(&fx, Q), fx_avail(&fx, Q),
					fx_used(&fx, Q), event_idx, &fx.mem, 0),
			 RP_OK);
}

static int add(unsigned int i, uint32_t len, bool writable)
{
	return rp_vq_drv_add(&drv, fx_buf(&fx, i), len, writable);
}

static void test_geometry_rejected(void **state)
{
	void *d, *a, *u;

	(void)state;
	fx_init(&fx, 8, false);
	d = fx_desc(&fx, Q);
	a = fx_avail(&fx, Q);
	u = fx_used(&fx, Q);

	assert_int_equal(rp_vq_drv_init(&drv, 0, d, a, u, false, &fx.mem), RP_EINVAL);
	assert_int_equal(rp_vq_drv_init(&drv, 6, d, a, u, false, &fx.mem), RP_EINVAL);
	assert_int_equal(rp_vq_drv_init(&drv, 2 * RP_VQ_MAX_NUM, d, a, u, false, &fx.mem),
			 RP_EINVAL);
	assert_int_equal(rp_vq_dev_init(&dev, 8, (uint8_t *)d + 8, a, u, false, &fx.mem, 0),
			 RP_EINVAL);
	assert_int_equal(rp_vq_dev_init(&dev, 8, d, a, (uint8_t *)u + 2, false, &fx.mem, 0),
			 RP_EINVAL);
	assert_int_equal(rp_vq_dev_init(&dev, 8, d, a, u, false, NULL, 0), RP_EINVAL);
}

static void test_round_trip(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	pair(8, false);
	assert_int_equal(add(3, 100, true), 0);
	assert_int_equal(add(4, 7, false), 1);
	assert_true(rp_vq_drv_publish(&drv));
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 3));
	assert_int_equal(b.len, 100);
	assert_int_equal(b.head, 0);
	assert_true(b.writable);
	rp_vq_dev_push(&dev, b.head, 42);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 4));
	assert_int_equal(b.len, 7);
	assert_false(b.writable);
	rp_vq_dev_push(&dev, b.head, 0);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 0);
	assert_true(rp_vq_dev_publish(&dev));
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 3));
	assert_int_equal(b.len, 42);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 4));
	assert_int_equal(b.len, 0);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 0);
	assert_int_equal(rp_vq_drv_free_count(&drv), 8);
}

/* One batch of k buffers through the ring; seq numbers the buffers overall. */
static void batch(unsigned int k, uint32_t *seq)
{
	struct rp_vq_buf b;

	for (unsigned int i = 0; i < k; i++) {
		memcpy(fx_buf(&fx, i), &seq[0], sizeof(uint32_t));
		assert_true(add(i, 64, true) >= 0);
		seq[0]++;
	}
	assert_true(rp_vq_drv_publish(&drv));
	for (unsigned int i = 0; i < k; i++) {
		uint32_t got;

		assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
		assert_ptr_equal(b.ptr, fx_buf(&fx, i));
		memcpy(&got, b.ptr, sizeof(got));
		assert_int_equal(got, seq[0] - k + i);
		rp_vq_dev_push(&dev, b.head, (got % 64u) + 1u);
	}
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 0);
	assert_false(rp_vq_dev_want_kicks(&dev, true));
	assert_true(rp_vq_dev_publish(&dev));
	for (unsigned int i = 0; i < k; i++) {
		assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
		assert_ptr_equal(b.ptr, fx_buf(&fx, i));
		assert_int_equal(b.len, ((seq[0] - k + i) % 64u) + 1u);
	}
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 0);
	assert_false(rp_vq_drv_want_interrupts(&drv, true));
}

/* Far more than 65536 buffers, so both 16-bit indexes wrap through 0. */
static void wrap_around(bool event_idx)
{
	const uint16_t num = 8;
	uint32_t seq = 0;
	bool wrapped = false;

	pair(num, event_idx);
	for (unsigned int k = 1; seq < 0x10000u + 3u * num; k = k % num + 1u) {
		uint16_t before = fx_avail(&fx, Q)->idx;

		batch(k, &seq);
		wrapped |= fx_avail(&fx, Q)->idx < before;
	}
	assert_true(wrapped);
	assert_int_equal(fx_avail(&fx, Q)->idx, (uint16_t)seq);
	assert_int_equal(fx_used(&fx, Q)->idx, (uint16_t)seq);
	assert_int_equal(drv.stats.notifies_avoided, 0);
	assert_int_equal(dev.stats.notifies_avoided, 0);
}

static void test_wrap_around(void **state)
{
	(void)state;
	wrap_around(false);
}

static void test_wrap_around_event_idx(void **state)
{
	(void)state;
	wrap_around(true);
}

static void test_full_ring(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	pair(8, false);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(add(i, 16, true), (int)i);
	assert_int_equal(add(8, 16, true), RP_EAGAIN);
	assert_int_equal(rp_vq_drv_free_count(&drv), 0);
	rp_vq_drv_publish(&drv);
	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 0);
	rp_vq_dev_push(&dev, 5, 1);
	rp_vq_dev_publish(&dev);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	assert_int_equal(b.head, 5);
	assert_int_equal(add(8, 16, true), 5);
	assert_int_equal(add(9, 16, true), RP_EAGAIN);
}

static void test_empty_ring(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	pair(4, false);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 0);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 0);
	assert_false(rp_vq_drv_publish(&drv));
	assert_false(rp_vq_dev_publish(&dev));
	assert_int_equal(rp_vq_drv_add(&drv, fx_buf(&fx, 0), 0, true), RP_EFAULT);
	assert_int_equal(rp_vq_drv_add(&drv, &fx, 16, true), RP_EFAULT);
	assert_int_equal(rp_vq_drv_free_count(&drv), 4);
}

static void test_unpop(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	pair(4, false);
	add(0, 16, true);
	add(1, 16, true);
	rp_vq_drv_publish(&drv);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 0));
	rp_vq_dev_unpop(&dev);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 0));
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx_buf(&fx, 1));
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 0);
	assert_int_equal(dev.stats.buffers, 2);
}

/* Driver publishing while the device does (not) want kicks, either mechanism. */
static void kick_suppression(bool event_idx)
{
	struct rp_vq_buf b;

	pair(8, event_idx);
	assert_false(rp_vq_dev_want_kicks(&dev, false));
	add(0, 16, true);
	assert_false(rp_vq_drv_publish(&drv));
	assert_int_equal(drv.stats.notifies_avoided, 1);
	/* The buffer arrived while kicks were off: the device must look again. */
	assert_true(rp_vq_dev_want_kicks(&dev, true));
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_false(rp_vq_dev_want_kicks(&dev, true));
	add(1, 16, true);
	assert_true(rp_vq_drv_publish(&drv));
	if (event_idx) {
		/* Kicks are wanted for the next buffer only, not for every later one. */
		add(2, 16, true);
		assert_false(rp_vq_drv_publish(&drv));
		assert_int_equal(drv.stats.notifies_avoided, 2);
	}
}

static void test_kick_suppression(void **state)
{
	(void)state;
	kick_suppression(false);
}

static void test_kick_suppression_event_idx(void **state)
{
	(void)state;
	kick_suppression(true);
}

static void interrupt_suppression(bool event_idx)
{
	struct rp_vq_buf b;

	pair(8, event_idx);
	for (unsigned int i = 0; i < 4; i++)
		add(i, 16, true);
	rp_vq_drv_publish(&drv);
	for (unsigned int i = 0; i < 4; i++)
		rp_vq_dev_pop(&dev, &b);
	assert_false(rp_vq_drv_want_interrupts(&drv, false));
	rp_vq_dev_push(&dev, 0, 1);
	assert_false(rp_vq_dev_publish(&dev));
	assert_int_equal(dev.stats.notifies_avoided, 1);
	assert_true(rp_vq_drv_want_interrupts(&drv, true));
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	assert_false(rp_vq_drv_want_interrupts(&drv, true));
	rp_vq_dev_push(&dev, 1, 1);
	assert_true(rp_vq_dev_publish(&dev));
	rp_vq_dev_push(&dev, 2, 1);
	/* With event_idx the driver asked about one buffer, not the second. */
	assert_int_equal(rp_vq_dev_publish(&dev), !event_idx);
}

static void test_interrupt_suppression(void **state)
{
	(void)state;
	interrupt_suppression(false);
}

static void test_interrupt_suppression_event_idx(void **state)
{
	(void)state;
	interrupt_suppression(true);
}

/* After a violation the device side refuses everything and writes nothing. */
static void expect_dev_broken(int status)
{
	struct rp_vq_buf b;
	uint16_t used_idx = fx_used(&fx, Q)->idx;

	assert_int_equal(rp_vq_dev_pop(&dev, &b), status);
	assert_true(dev.broken);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), RP_EBROKEN);
	assert_false(rp_vq_dev_want_kicks(&dev, true));
	rp_vq_dev_push(&dev, 0, 0);
	assert_false(rp_vq_dev_publish(&dev));
	assert_int_equal(fx_used(&fx, Q)->idx, used_idx);
}

static void offer_one(uint64_t addr, uint32_t len, uint16_t flags, int status)
{
	dev_only(8, false);
	fx_write_desc(&fx, Q, 2, addr, len, flags);
	fx_post_avail(&fx, Q, 2);
	expect_dev_broken(status);
}

static void test_dev_avail_idx_jump(void **state)
{
	(void)state;
	dev_only(8, false);
	for (uint16_t i = 0; i < 8; i++)
		fx_write_desc(&fx, Q, i, FX_BUS_BASE, 16, 0);
	fx_avail(&fx, Q)->idx = 9;
	expect_dev_broken(RP_EBADMSG);
}

static void test_dev_head_out_of_range(void **state)
{
	(void)state;
	dev_only(8, false);
	fx_post_avail(&fx, Q, 8);
	expect_dev_broken(RP_EBADMSG);
	dev_only(8, false);
	fx_post_avail(&fx, Q, 0xffff);
	expect_dev_broken(RP_EBADMSG);
}

static void test_dev_bad_flags_or_len(void **state)
{
	(void)state;
	offer_one(FX_BUS_BASE, 16, RP_VRING_DESC_F_NEXT, RP_EBADMSG);
	offer_one(FX_BUS_BASE, 16, RP_VRING_DESC_F_INDIRECT, RP_EBADMSG);
	offer_one(FX_BUS_BASE, 16, RP_VRING_DESC_F_INDIRECT | RP_VRING_DESC_F_WRITE, RP_EBADMSG);
	offer_one(FX_BUS_BASE, 0, 0, RP_EBADMSG);
}

static void test_dev_bad_address(void **state)
{
	const uint64_t end = FX_BUS_BASE + FX_SHM_SIZE;

	(void)state;
	offer_one(0, 16, 0, RP_EFAULT);
	offer_one(FX_BUS_BASE - 1u, 16, 0, RP_EFAULT);
	offer_one(end, 1, 0, RP_EFAULT);
	offer_one(end - 8u, 16, RP_VRING_DESC_F_WRITE, RP_EFAULT);
	offer_one(FX_BUS_BASE, UINT32_MAX, 0, RP_EFAULT);
	offer_one(UINT64_MAX - 7u, 16, 0, RP_EFAULT);
	offer_one(UINT64_MAX, 1, 0, RP_EFAULT);
}

static void test_dev_buffer_at_region_end(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	dev_only(8, false);
	fx_write_desc(&fx, Q, 0, FX_BUS_BASE + FX_SHM_SIZE - 16u, 16, RP_VRING_DESC_F_WRITE);
	fx_post_avail(&fx, Q, 0);
	assert_int_equal(rp_vq_dev_pop(&dev, &b), 1);
	assert_ptr_equal(b.ptr, fx.shm + FX_SHM_SIZE - 16);
	assert_int_equal(b.len, 16);
	assert_true(b.writable);
}

/* Driver with buffers 0 (64 bytes) and 1 (32 bytes) in flight. */
static void drv_two_in_flight(void)
{
	pair(8, false);
	assert_int_equal(add(0, 64, true), 0);
	assert_int_equal(add(1, 32, true), 1);
	rp_vq_drv_publish(&drv);
}

static void expect_drv_broken(int status)
{
	struct rp_vq_buf b;

	assert_int_equal(rp_vq_drv_get_used(&drv, &b), status);
	assert_true(drv.broken);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), RP_EBROKEN);
	assert_int_equal(add(2, 16, true), RP_EBROKEN);
	assert_false(rp_vq_drv_publish(&drv));
	assert_false(rp_vq_drv_want_interrupts(&drv, true));
}

static void test_drv_used_id_out_of_range(void **state)
{
	(void)state;
	drv_two_in_flight();
	fx_post_used(&fx, Q, 8, 0);
	expect_drv_broken(RP_EBADMSG);
	drv_two_in_flight();
	fx_post_used(&fx, Q, 0x10000u, 0);
	expect_drv_broken(RP_EBADMSG);
}

static void test_drv_used_id_not_in_flight(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	drv_two_in_flight();
	fx_post_used(&fx, Q, 2, 0);
	expect_drv_broken(RP_EBADMSG);
	drv_two_in_flight();
	fx_post_used(&fx, Q, 1, 0);
	fx_post_used(&fx, Q, 1, 0);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	expect_drv_broken(RP_EBADMSG);
}

static void test_drv_used_len_too_long(void **state)
{
	struct rp_vq_buf b;

	(void)state;
	drv_two_in_flight();
	fx_post_used(&fx, Q, 0, 64);
	assert_int_equal(rp_vq_drv_get_used(&drv, &b), 1);
	assert_int_equal(b.len, 64);
	fx_post_used(&fx, Q, 1, 33);
	expect_drv_broken(RP_EBADMSG);
}

static void test_drv_used_idx_jump(void **state)
{
	(void)state;
	drv_two_in_flight();
	fx_post_used(&fx, Q, 0, 0);
	fx_used(&fx, Q)->idx = 9;
	expect_drv_broken(RP_EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry_rejected),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_wrap_around_event_idx),
		cmocka_unit_test(test_full_ring),
		cmocka_unit_test(test_empty_ring),
		cmocka_unit_test(test_unpop),
		cmocka_unit_test(test_kick_suppression),
		cmocka_unit_test(test_kick_suppression_event_idx),
		cmocka_unit_test(test_interrupt_suppression),
		cmocka_unit_test(test_interrupt_suppression_event_idx),
		cmocka_unit_test(test_dev_avail_idx_jump),
		cmocka_unit_test(test_dev_head_out_of_range),
		cmocka_unit_test(test_dev_bad_flags_or_len),
		cmocka_unit_test(test_dev_bad_address),
		cmocka_unit_test(test_dev_buffer_at_region_end),
		cmocka_unit_test(test_drv_used_id_out_of_range),
		cmocka_unit_test(test_drv_used_id_not_in_flight),
		cmocka_unit_test(test_drv_used_len_too_long),
		cmocka_unit_test(test_drv_used_idx_jump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
