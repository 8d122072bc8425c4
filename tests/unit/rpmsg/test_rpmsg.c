/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rpmsg layer with both roles in one process: a driver (the Linux side)
 * and a device (the remote processor) over the same rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rpmsg/rpmsg.h>

#include "ring_fixture.h"

#define NUM 8u
#define DRV_ADDR 0x400u
#define DEV_ADDR 0x401u

static struct fx_link L;
static struct rx_log drv_log;
static struct rx_log dev_log;
static struct rp_endpoint drv_ept;
static struct rp_endpoint dev_ept;

/* Link up, one plain endpoint on each side, nothing announced. */
static void connected(bool event_idx)
{
	memset(&drv_log, 0, sizeof(drv_log));
	memset(&dev_log, 0, sizeof(dev_log));
	fx_link_init(&L, NUM, event_idx, true);
	rp_link_up(&L.dev);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &drv_ept, NULL, DRV_ADDR, rx_log_cb, &drv_log),
		RP_OK);
	assert_int_equal(
		rp_endpoint_create(&L.dev.link, &dev_ept, NULL, DEV_ADDR, rx_log_cb, &dev_log),
		RP_OK);
}

static void assert_ns(unsigned int i, const char *name, uint32_t addr, bool created)
{
	assert_true(i < L.ns_count);
	assert_string_equal(L.ns[i].name, name);
	assert_int_equal(L.ns[i].addr, addr);
	assert_int_equal(L.ns[i].created, created);
}

/* The shared buffer of the message the driver published last. */
static uint8_t *last_sent_by_driver(void)
{
	struct rp_vring_avail *a = fx_avail(&L.fx, RP_QUEUE_TO_DEVICE);
	uint16_t head = a->ring[(uint16_t)(a->idx - 1u) % NUM];
	struct rp_vring_desc *d = &fx_desc(&L.fx, RP_QUEUE_TO_DEVICE)[head];

	return rp_mem_to_ptr(&L.fx.mem, d->addr, d->len);
}

/* The shared buffer of the message the device published last. */
static uint8_t *last_sent_by_device(void)
{
	struct rp_vring_used *u = fx_used(&L.fx, RP_QUEUE_TO_DRIVER);
	uint32_t id = u->ring[(uint16_t)(u->idx - 1u) % NUM].id;
	struct rp_vring_desc *d = &fx_desc(&L.fx, RP_QUEUE_TO_DRIVER)[id];

	return rp_mem_to_ptr(&L.fx.mem, d->addr, d->len);
}

static void set_hdr_len(uint8_t *buf, uint16_t len)
{
	memcpy(buf + offsetof(struct rp_hdr, len), &len, sizeof(len));
}

static void test_announce_waits_for_link_up(void **state)
{
	struct rp_endpoint a, b;

	(void)state;
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(
		rp_endpoint_create(&L.dev.link, &a, "rpmsg-tty", RP_ADDR_ANY, rx_log_cb, NULL),
		RP_OK);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &b, "rpmsg-raw", 0x500, rx_log_cb, NULL),
			 RP_OK);
	fx_link_settle(&L);
	assert_int_equal(L.ns_count, 0);
	rp_link_up(&L.dev);
	fx_link_settle(&L);
	fx_link_settle(&L);
	assert_int_equal(L.ns_count, 2);
	assert_ns(0, "rpmsg-raw", 0x500, true);
	assert_ns(1, "rpmsg-tty", a.addr, true);
	assert_true(a.addr >= RP_RESERVED_ADDRESSES && a.addr != 0x500);
}

static void test_announce_survives_full_ring(void **state)
{
	struct rp_endpoint a;

	(void)state;
	connected(false);
	for (unsigned int i = 0; i < NUM; i++)
		assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, 0x2000, "x", 1), RP_OK);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, 0x2000, "x", 1), RP_EAGAIN);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &a, "late", RP_ADDR_ANY, rx_log_cb, NULL),
			 RP_OK);
	assert_true(a.announce_pending);
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	assert_true(L.dev.link.stats.tx_waits >= 2);
	assert_int_equal(rp_poll(&L.drv.link, 0), (int)NUM);
	assert_int_equal(L.drv.link.stats.rx_dropped, NUM);
	assert_int_equal(L.ns_count, 0);
	fx_link_settle(&L);
	fx_link_settle(&L);
	assert_int_equal(L.ns_count, 1);
	assert_ns(0, "late", a.addr, true);
}

/* Each size goes driver -> device and back, checked byte for byte. */
static void test_payload_sizes(void **state)
{
	static const uint32_t sizes[] = {0, 1, RP_MTU - 1u, RP_MTU};
	uint8_t msg[RP_MTU];

	(void)state;
	connected(true);
	for (unsigned int i = 0; i < 4; i++) {
		fx_pattern(msg, sizes[i], i);
		assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, msg, sizes[i]), RP_OK);
		assert_int_equal(rp_poll(&L.dev.link, 0), 1);
		assert_int_equal(dev_log.count, i + 1u);
		assert_int_equal(dev_log.len[i], sizes[i]);
		assert_int_equal(dev_log.src[i], DRV_ADDR);
		assert_int_equal(dev_log.dst[i], DEV_ADDR);
		assert_memory_equal(dev_log.data[i], msg, sizes[i]);

		fx_pattern(msg, sizes[i], 100u + i);
		assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, msg, sizes[i]), RP_OK);
		assert_int_equal(rp_poll(&L.drv.link, 0), 1);
		assert_int_equal(drv_log.count, i + 1u);
		assert_int_equal(drv_log.len[i], sizes[i]);
		assert_int_equal(drv_log.src[i], DEV_ADDR);
		assert_int_equal(drv_log.dst[i], DRV_ADDR);
		assert_memory_equal(drv_log.data[i], msg, sizes[i]);
	}
	assert_int_equal(L.dev.link.stats.rx_bytes, 2u * RP_MTU);
	assert_int_equal(L.drv.link.stats.tx_msgs, 4);
}

static void test_oversize_rejected(void **state)
{
	static uint8_t msg[RP_MTU + 1u];

	(void)state;
	connected(false);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, msg, RP_MTU + 1u), RP_EMSGSIZE);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, msg, RP_MTU + 1u), RP_EMSGSIZE);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, NULL, 1), RP_EINVAL);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, RP_ADDR_ANY, msg, 1), RP_EINVAL);
	fx_link_settle(&L);
	assert_int_equal(dev_log.calls + drv_log.calls, 0);
	assert_int_equal(L.drv.link.stats.tx_msgs + L.dev.link.stats.tx_msgs, 0);
}

static void test_unknown_destination_dropped(void **state)
{
	(void)state;
	connected(false);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, 0x3000, "lost", 4), RP_OK);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "kept", 4), RP_OK);
	assert_int_equal(rp_poll(&L.dev.link, 0), 2);
	assert_int_equal(L.dev.link.stats.rx_dropped, 1);
	assert_int_equal(dev_log.count, 1);
	assert_memory_equal(dev_log.data[0], "kept", 4);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, 0x3000, "lost", 4), RP_OK);
	assert_int_equal(rp_poll(&L.drv.link, 0), 1);
	assert_int_equal(L.drv.link.stats.rx_dropped, 1);
	assert_int_equal(drv_log.calls, 0);
}

static void test_header_len_beyond_buffer(void **state)
{
	(void)state;
	connected(false);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "0123456789", 10), RP_OK);
	set_hdr_len(last_sent_by_driver(), 11);
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	assert_int_equal(L.dev.link.stats.rx_malformed, 1);
	assert_int_equal(dev_log.calls, 0);

	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "0123456789", 10), RP_OK);
	set_hdr_len(last_sent_by_device(), 11);
	assert_int_equal(rp_poll(&L.drv.link, 0), 1);
	assert_int_equal(L.drv.link.stats.rx_malformed, 1);
	assert_int_equal(drv_log.calls, 0);

	/* A malformed message costs only itself. */
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "ok", 2), RP_OK);
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	assert_int_equal(dev_log.count, 1);
}

static void test_backpressure_device(void **state)
{
	(void)state;
	connected(false);
	dev_log.refuse = 1;
	rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "a", 1);
	rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "bc", 2);
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	assert_int_equal(dev_log.calls, 1);
	assert_int_equal(dev_log.count, 0);
	assert_int_equal(rp_poll(&L.dev.link, 0), 2);
	assert_int_equal(dev_log.count, 2);
	assert_memory_equal(dev_log.data[0], "a", 1);
	assert_memory_equal(dev_log.data[1], "bc", 2);
	assert_int_equal(L.dev.link.stats.rx_msgs, 2);
}

static void test_backpressure_driver(void **state)
{
	(void)state;
	connected(false);
	drv_log.refuse = 2;
	rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "a", 1);
	rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "bc", 2);
	assert_int_equal(rp_poll(&L.drv.link, 0), 0);
	assert_int_equal(rp_poll(&L.drv.link, 0), 0);
	assert_int_equal(drv_log.calls, 2);
	assert_int_equal(rp_poll(&L.drv.link, 0), 2);
	assert_int_equal(drv_log.count, 2);
	assert_memory_equal(drv_log.data[0], "a", 1);
	assert_memory_equal(drv_log.data[1], "bc", 2);
	assert_int_equal(L.drv.link.stats.rx_msgs, 2);
	/* Every receive buffer is back in the ring. */
	for (unsigned int i = 0; i < NUM; i++)
		assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "d", 1), RP_OK);
}

static void test_endpoint_create_errors(void **state)
{
	struct rp_endpoint e;
	const char *long_name = "0123456789abcdef0123456789abcdef";

	(void)state;
	connected(false);
	assert_int_equal(strlen(long_name), RP_NAME_SIZE);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &e, NULL, DEV_ADDR, rx_log_cb, NULL),
			 RP_EBUSY);
	assert_int_equal(rp_endpoint_create(&L.drv.link, &e, NULL, DRV_ADDR, rx_log_cb, NULL),
			 RP_EBUSY);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &e, NULL, RP_NS_ADDR, rx_log_cb, NULL),
			 RP_EINVAL);
	assert_int_equal(
		rp_endpoint_create(&L.dev.link, &e, long_name, RP_ADDR_ANY, rx_log_cb, NULL),
		RP_EINVAL);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &e, "x", RP_ADDR_ANY, NULL, NULL),
			 RP_EINVAL);
	assert_int_equal(
		rp_endpoint_create(&L.dev.link, &e, long_name + 1, RP_ADDR_ANY, rx_log_cb, NULL),
		RP_OK);
	fx_link_settle(&L);
	assert_int_equal(L.ns_count, 1);
	assert_ns(0, long_name + 1, e.addr, true);
}

static void test_endpoint_destroy_announces(void **state)
{
	struct rp_endpoint e;

	(void)state;
	connected(false);
	assert_int_equal(rp_endpoint_create(&L.dev.link, &e, "gone", 0x600, rx_log_cb, &dev_log),
			 RP_OK);
	fx_link_settle(&L);
	rp_endpoint_destroy(&e);
	fx_link_settle(&L);
	assert_int_equal(L.ns_count, 2);
	assert_ns(0, "gone", 0x600, true);
	assert_ns(1, "gone", 0x600, false);
	rp_send(&L.drv.link, DRV_ADDR, 0x600, "x", 1);
	fx_link_settle(&L);
	assert_int_equal(dev_log.calls, 0);
	assert_int_equal(L.dev.link.stats.rx_dropped, 1);
}

static void test_send_before_link_up(void **state)
{
	(void)state;
	fx_link_init(&L, NUM, false, true);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "x", 1), RP_ENOTCONN);
	assert_false(rp_can_send(&L.dev.link));
	rp_link_up(&L.dev);
	assert_true(rp_can_send(&L.dev.link));
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "x", 1), RP_OK);
}

/* A doorbell rings only when the peer asked for it. */
static void doorbells(bool event_idx)
{
	unsigned int kicks;

	connected(event_idx);
	kicks = L.drv_notify[RP_QUEUE_TO_DEVICE];
	rp_vq_dev_want_kicks(&L.dev.link.to_device, false);
	rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "a", 1);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks);
	/* Polling re-arms kicks; the next message rings again. */
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "b", 1);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks + 1u);
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	/* The driver never asks to hear about its transmit buffers coming back. */
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], 0);

	rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "c", 1);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DRIVER], 1);
	rp_vq_drv_want_interrupts(&L.drv.link.to_driver, false);
	rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "d", 1);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DRIVER], 1);
	assert_int_equal(rp_poll(&L.drv.link, 0), 2);
	rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "e", 1);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DRIVER], 2);
}

static void test_doorbells(void **state)
{
	(void)state;
	doorbells(false);
}

static void test_doorbells_event_idx(void **state)
{
	(void)state;
	doorbells(true);
}

/* Zero-copy: fill the ring buffer in place; a buffer given back is reused. */
static void zero_copy(bool event_idx)
{
	struct rp_tx_buf tx, tx2;

	connected(event_idx);
	assert_int_equal(rp_tx_get(&L.drv.link, &tx), RP_OK);
	assert_int_equal(tx.room, RP_MTU);
	memcpy(tx.data, "abc", 3);
	assert_int_equal(rp_tx_send(&L.drv.link, &tx, DRV_ADDR, DEV_ADDR, RP_MTU + 1), RP_EMSGSIZE);
	assert_int_equal(rp_tx_send(&L.drv.link, &tx, DRV_ADDR, DEV_ADDR, 3), RP_OK);
	assert_ptr_equal(last_sent_by_driver() + RP_HDR_SIZE, tx.data);
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	assert_memory_equal(dev_log.data[0], "abc", 3);

	assert_int_equal(rp_tx_get(&L.dev.link, &tx), RP_OK);
	rp_tx_put(&L.dev.link, &tx);
	assert_int_equal(rp_tx_get(&L.dev.link, &tx2), RP_OK);
	assert_ptr_equal(tx2.data, tx.data);
	memcpy(tx2.data, "xy", 2);
	assert_int_equal(rp_tx_send(&L.dev.link, &tx2, DEV_ADDR, DRV_ADDR, 2), RP_OK);
	assert_int_equal(rp_poll(&L.drv.link, 0), 1);
	assert_memory_equal(drv_log.data[0], "xy", 2);
	assert_int_equal(L.drv.link.stats.tx_copies + L.dev.link.stats.tx_copies, 0);

	/* The device lends out a bounded number at once. */
	struct rp_tx_buf many[RP_TX_HELD_MAX];

	for (unsigned int i = 0; i < RP_TX_HELD_MAX; i++)
		assert_int_equal(rp_tx_get(&L.dev.link, &many[i]), RP_OK);
	assert_int_equal(rp_tx_get(&L.dev.link, &tx), RP_EBUSY);
	for (unsigned int i = 0; i < RP_TX_HELD_MAX; i++)
		rp_tx_put(&L.dev.link, &many[i]);
	for (unsigned int i = 0; i < NUM; i++)
		assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "z", 1), RP_OK);
	assert_int_equal(rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "z", 1), RP_EAGAIN);
}

static void test_zero_copy(void **state)
{
	(void)state;
	zero_copy(false);
}

static void test_zero_copy_event_idx(void **state)
{
	(void)state;
	zero_copy(true);
}

static const void *held_data;
static struct rp_endpoint *held_ept;

static int hold_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	(void)len;
	(void)src;
	held_ept = ept;
	assert_int_equal(rp_rx_hold(ept, (const uint8_t *)data + 1), RP_EINVAL);
	assert_int_equal(rp_rx_hold(ept, data), RP_OK);
	held_data = data;
	return RP_OK;
}

/* A held buffer stays out of the ring until released, then is reused. */
static void rx_hold(struct rp_link *rx, struct rp_link *tx, uint32_t rx_addr, uint32_t tx_addr)
{
	struct rp_endpoint *ept = rx == &L.dev.link ? &dev_ept : &drv_ept;

	ept->cb = hold_cb;
	assert_int_equal(rp_send(tx, tx_addr, rx_addr, "held", 4), RP_OK);
	assert_int_equal(rp_poll(rx, 0), 1);
	assert_memory_equal(held_data, "held", 4);
	assert_int_equal(rx->stats.rx_msgs, 1);
	/* Not given back: the sender's ring is one short until the release. */
	ept->cb = rx_log_cb;
	for (unsigned int i = 0; i < NUM - 1u; i++) {
		assert_int_equal(rp_send(tx, tx_addr, rx_addr, "n", 1), RP_OK);
		assert_int_equal(rp_poll(rx, 0), 1);
	}
	assert_memory_equal(held_data, "held", 4);
	assert_int_equal(rp_rx_release(rx, "nope"), RP_EINVAL);
	assert_int_equal(rp_rx_release(rx, held_data), RP_OK);
	assert_int_equal(rp_rx_release(rx, held_data), RP_EINVAL);
	for (unsigned int i = 0; i < NUM; i++) {
		assert_int_equal(rp_send(tx, tx_addr, rx_addr, "m", 1), RP_OK);
		assert_int_equal(rp_poll(rx, 0), 1);
	}
}

static void test_rx_hold_device(void **state)
{
	(void)state;
	connected(true);
	rx_hold(&L.dev.link, &L.drv.link, DEV_ADDR, DRV_ADDR);
}

static void test_rx_hold_driver(void **state)
{
	(void)state;
	connected(false);
	rx_hold(&L.drv.link, &L.dev.link, DRV_ADDR, DEV_ADDR);
}

/*
 * Batched sends become visible RP_EXPOSE_BATCH at a time; the doorbell
 * question waits for a half ring, a flush or a sender out of buffers.
 */
static void test_tx_batch(void **state)
{
	unsigned int kicks;

	(void)state;
	connected(true);
	kicks = L.drv_notify[RP_QUEUE_TO_DEVICE];
	rp_tx_batch(&L.drv.link, true);
	for (unsigned int i = 0; i < RP_EXPOSE_BATCH - 1u; i++)
		assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "b", 1), RP_OK);
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "b", 1), RP_OK);
	assert_int_equal(rp_poll(&L.dev.link, 0), (int)RP_EXPOSE_BATCH);
	/* Both polls armed the device's doorbell; only a half ring or a flush asks. */
	while (L.drv.link.tx_unpublished != 0)
		assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "b", 1), RP_OK);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks + 1u);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "c", 1), RP_OK);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks + 1u);
	rp_tx_batch(&L.drv.link, false);
	assert_true(rp_poll(&L.dev.link, 0) > 0);
	assert_int_equal(dev_log.count, NUM / 2u + 1u);
	/* A sender out of buffers asks about doorbells first, so no deadlock. */
	rp_tx_batch(&L.drv.link, true);
	unsigned int sent = 0;

	while (rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "d", 1) == RP_OK)
		sent++;
	assert_int_equal(sent, NUM);
	assert_false(rp_vq_unchecked(&L.drv.link.to_device));
	assert_int_equal(rp_poll(&L.dev.link, 0), (int)sent);
	rp_tx_batch(&L.drv.link, false);
}

/*
 * A polling device that found work asks about the driver's doorbell at its
 * first idle pass, not at every pass: a sleeping driver still gets exactly
 * one interrupt, and the buffers are visible before it.
 */
static void test_polling_defers_doorbell_question(void **state)
{
	struct rp_vring_used *used = fx_used(&L.fx, RP_QUEUE_TO_DEVICE);
	unsigned int irqs;

	(void)state;
	connected(true);
	while (rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "w", 1) == RP_OK)
		;
	irqs = L.dev_notify[RP_QUEUE_TO_DEVICE];
	assert_false(rp_set_polling(&L.dev.link, true));
	assert_int_equal(rp_poll(&L.dev.link, 1), 1);
	assert_int_equal(used->idx, 1);
	assert_int_equal(rp_poll(&L.dev.link, 0), (int)NUM - 1);
	assert_int_equal(used->idx, NUM);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs);
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs + 1u);
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs + 1u);
	assert_int_equal(dev_log.count, NUM);
}

/* Leaving polling asks the questions a busy pass left for later. */
static void test_polling_off_asks(void **state)
{
	unsigned int irqs;

	(void)state;
	connected(true);
	while (rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "w", 1) == RP_OK)
		;
	irqs = L.dev_notify[RP_QUEUE_TO_DEVICE];
	rp_set_polling(&L.dev.link, true);
	assert_int_equal(rp_poll(&L.dev.link, 0), (int)NUM);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs);
	rp_set_polling(&L.dev.link, false);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs + 1u);
}

/* Busy polling: no doorbells while on; off re-arms and reports arrivals. */
static void test_polling(void **state)
{
	unsigned int kicks;

	(void)state;
	connected(true);
	kicks = L.drv_notify[RP_QUEUE_TO_DEVICE];
	assert_false(rp_set_polling(&L.dev.link, true));
	assert_int_equal(rp_poll(&L.dev.link, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "p", 1), RP_OK);
		assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	}
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "q", 1), RP_OK);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks);
	assert_true(rp_set_polling(&L.dev.link, false));
	assert_int_equal(rp_poll(&L.dev.link, 0), 1);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "r", 1), RP_OK);
	assert_int_equal(L.drv_notify[RP_QUEUE_TO_DEVICE], kicks + 1u);
}

/* A driver waiting on a full ring is interrupted once per half ring. */
static void test_tx_wait_half_ring(void **state)
{
	unsigned int irqs;

	(void)state;
	connected(true);
	while (rp_send(&L.drv.link, DRV_ADDR, DEV_ADDR, "f", 1) == RP_OK)
		;
	irqs = L.dev_notify[RP_QUEUE_TO_DEVICE];
	/* The device takes them one poll at a time. */
	for (unsigned int i = 0; i < NUM; i++)
		assert_int_equal(rp_poll(&L.dev.link, 1), 1);
	assert_int_equal(L.dev_notify[RP_QUEUE_TO_DEVICE], irqs + 1u);
	assert_true(rp_can_send(&L.drv.link));
}

/*
 * A device that ran out of transmit buffers while polling (which arms no
 * doorbell: a poller looks again by itself) and then only asks whether it
 * can send, once polling is off, must hear when a buffer comes back:
 * nothing else would wake it. The vboard stalled on this with 1-entry
 * rings, a reply held until Linux's next message.
 */
static void test_tx_ready_asks_for_the_doorbell(void **state)
{
	unsigned int kicks;

	(void)state;
	connected(true);
	rp_set_polling(&L.dev.link, true);
	while (rp_send(&L.dev.link, DEV_ADDR, DRV_ADDR, "f", 1) == RP_OK)
		;
	rp_set_polling(&L.dev.link, false);
	kicks = L.drv_notify[RP_QUEUE_TO_DRIVER];
	assert_false(rp_can_send(&L.dev.link));
	assert_true(rp_poll(&L.drv.link, 0) > 0);
	assert_true(L.drv_notify[RP_QUEUE_TO_DRIVER] > kicks);
	assert_true(rp_can_send(&L.dev.link));
}

static struct ns_event dev_heard;
static unsigned int dev_heard_count;

static void dev_ns_cb(struct rp_link *link, const char *name, uint32_t addr, bool created)
{
	(void)link;
	strncpy(dev_heard.name, name, sizeof(dev_heard.name) - 1);
	dev_heard.addr = addr;
	dev_heard.created = created;
	dev_heard_count++;
}

/* Linux's "endpoint destroyed" reaches the device; malformed ones do not. */
static void test_device_hears_peer_gone(void **state)
{
	struct rp_ns_msg msg;

	(void)state;
	connected(false);
	dev_heard_count = 0;
	memset(&msg, 0, sizeof(msg));
	strcpy(msg.name, "rpmsg-netlink");
	msg.addr = 0x412;
	msg.flags = RP_NS_DESTROY;

	/* Nobody listening: dropped, but still counted as a peer gone. */
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, RP_NS_ADDR, &msg, sizeof(msg)), RP_OK);
	fx_link_settle(&L);
	assert_int_equal(L.dev.link.stats.peers_gone, 1);

	rp_device_on_ns(&L.dev, dev_ns_cb);
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, RP_NS_ADDR, &msg, sizeof(msg)), RP_OK);
	fx_link_settle(&L);
	assert_int_equal(dev_heard_count, 1);
	assert_string_equal(dev_heard.name, "rpmsg-netlink");
	assert_int_equal(dev_heard.addr, 0x412);
	assert_false(dev_heard.created);
	assert_int_equal(L.dev.link.stats.peers_gone, 2);

	/* Short, or a name without its terminator: malformed, never passed on. */
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, RP_NS_ADDR, &msg, sizeof(msg) - 1), RP_OK);
	memset(msg.name, 'x', sizeof(msg.name));
	assert_int_equal(rp_send(&L.drv.link, DRV_ADDR, RP_NS_ADDR, &msg, sizeof(msg)), RP_OK);
	fx_link_settle(&L);
	assert_int_equal(dev_heard_count, 1);
	assert_int_equal(L.dev.link.stats.rx_malformed, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_announce_waits_for_link_up),
		cmocka_unit_test(test_announce_survives_full_ring),
		cmocka_unit_test(test_payload_sizes),
		cmocka_unit_test(test_oversize_rejected),
		cmocka_unit_test(test_unknown_destination_dropped),
		cmocka_unit_test(test_header_len_beyond_buffer),
		cmocka_unit_test(test_backpressure_device),
		cmocka_unit_test(test_backpressure_driver),
		cmocka_unit_test(test_endpoint_create_errors),
		cmocka_unit_test(test_endpoint_destroy_announces),
		cmocka_unit_test(test_device_hears_peer_gone),
		cmocka_unit_test(test_send_before_link_up),
		cmocka_unit_test(test_doorbells),
		cmocka_unit_test(test_doorbells_event_idx),
		cmocka_unit_test(test_zero_copy),
		cmocka_unit_test(test_zero_copy_event_idx),
		cmocka_unit_test(test_rx_hold_device),
		cmocka_unit_test(test_rx_hold_driver),
		cmocka_unit_test(test_tx_batch),
		cmocka_unit_test(test_polling),
		cmocka_unit_test(test_polling_defers_doorbell_question),
		cmocka_unit_test(test_polling_off_asks),
		cmocka_unit_test(test_tx_wait_half_ring),
		cmocka_unit_test(test_tx_ready_asks_for_the_doorbell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
