/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's echo services driven from a driver in the same process, the
 * way Linux drives them through the real rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <firmware/firmware.h>

#include "ring_fixture.h"

#define NUM 8u

static struct fx_link L;
static struct firmware fw;
static struct rx_log replies;
static struct rp_endpoint ept;

static uint32_t announced(const char *name)
{
	for (unsigned int i = 0; i < L.ns_count; i++)
		if (strcmp(L.ns[i].name, name) == 0 && L.ns[i].created)
			return L.ns[i].addr;
	fail_msg("%s was not announced", name);
	return 0;
}

static void echo_up(void)
{
	memset(&replies, 0, sizeof(replies));
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(firmware_start(&fw, &L.dev, NULL), RP_OK);
	rp_link_up(&L.dev);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &ept, NULL, RP_ADDR_ANY, rx_log_cb, &replies),
		RP_OK);
	fx_link_settle(&L);
	assert_int_equal(announced(FIRMWARE_ECHO_SERVICE), fw.echo.ept.addr);
	assert_int_equal(announced(FIRMWARE_TTY_SERVICE), fw.node.hubs[AMP_HUB_INDEX_TTY].addr);
	assert_int_equal(announced(FIRMWARE_RAW_SERVICE), fw.node.hubs[AMP_HUB_INDEX_RAW].addr);
	assert_int_equal(announced(FIRMWARE_NETLINK_SERVICE),
			 fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr);
}

/* Lengths sweep 0..RP_MTU so short, odd and full messages all occur. */
static uint32_t msg_len(unsigned int i)
{
	return (i * 37u) % (RP_MTU + 1u);
}

static void send_msg(uint32_t dst, unsigned int i)
{
	uint8_t msg[RP_MTU];

	fx_pattern(msg, msg_len(i), i);
	assert_int_equal(rp_send(&L.drv.link, ept.addr, dst, msg, msg_len(i)), RP_OK);
}

static void check_replies(uint32_t from, unsigned int n)
{
	uint8_t msg[RP_MTU];

	assert_int_equal(replies.count, n);
	for (unsigned int i = 0; i < n; i++) {
		fx_pattern(msg, msg_len(i), i);
		assert_int_equal(replies.len[i], msg_len(i));
		assert_int_equal(replies.src[i], from);
		assert_memory_equal(replies.data[i], msg, msg_len(i));
	}
}

static void test_echo_in_order(void **state)
{
	const unsigned int n = 5u * NUM;

	(void)state;
	echo_up();
	for (unsigned int i = 0; i < n; i++) {
		send_msg(fw.echo.ept.addr, i);
		if (i % 3u == 2u) {
			assert_true(firmware_poll(&fw) >= 0);
			assert_true(rp_poll(&L.drv.link, 0) >= 0);
		}
	}
	fx_link_settle(&L);
	check_replies(fw.echo.ept.addr, n);
	assert_int_equal(fw.echo.echoed, n);
	assert_int_equal(fw.echo.failed, 0);
	assert_int_equal(L.drv.link.stats.rx_dropped + L.dev.link.stats.rx_dropped, 0);
}

static void test_echo_holds_without_drain(void **state)
{
	const unsigned int extra = 4;

	(void)state;
	echo_up();
	for (unsigned int i = 0; i < NUM; i++)
		send_msg(fw.echo.ept.addr, i);
	assert_int_equal(firmware_poll(&fw), (int)NUM);
	assert_int_equal(fw.echo.echoed, NUM);
	for (unsigned int i = NUM; i < NUM + extra; i++)
		send_msg(fw.echo.ept.addr, i);
	assert_int_equal(firmware_poll(&fw), 0);
	assert_int_equal(firmware_poll(&fw), 0);
	assert_int_equal(fw.echo.echoed, NUM);
	assert_int_equal(fw.echo.failed, 0);
	assert_int_equal(L.dev.link.stats.rx_dropped, 0);
	assert_true(L.dev.link.stats.tx_waits > 0);

	assert_int_equal(rp_poll(&L.drv.link, 0), (int)NUM);
	assert_int_equal(firmware_poll(&fw), (int)extra);
	assert_int_equal(fw.echo.echoed, NUM + extra);
	assert_int_equal(rp_poll(&L.drv.link, 0), (int)extra);
	check_replies(fw.echo.ept.addr, NUM + extra);
	assert_int_equal(L.drv.link.stats.rx_dropped, 0);
}

/* A driver may place the reply buffer over the message it answers. */
static void test_echo_reply_over_its_message(void **state)
{
	struct rp_hdr h = {.src = 0x400, .len = 5};
	struct rp_vring_used *u = fx_used(&L.fx, RP_QUEUE_TO_DRIVER);
	uint16_t next;
	uint8_t *msg;

	(void)state;
	fx_link_init_device(&L, NUM, false);
	for (uint16_t i = 0; i < 8; i++) {
		fx_write_desc(&L.fx, RP_QUEUE_TO_DRIVER, i, fx_bus(&L.fx, fx_buf(&L.fx, i)),
			      RP_BUF_SIZE, RP_VRING_DESC_F_WRITE);
		fx_post_avail(&L.fx, RP_QUEUE_TO_DRIVER, i);
	}
	assert_int_equal(firmware_start(&fw, &L.dev, NULL), RP_OK);
	rp_link_up(&L.dev);
	/* The announcements took the first buffers; the reply gets the next one. */
	next = u->idx;
	assert_true(next > 0 && next < 8);
	msg = fx_buf(&L.fx, next) + 2;
	h.dst = fw.echo.ept.addr;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + RP_HDR_SIZE, "hello", 5);
	fx_write_desc(&L.fx, RP_QUEUE_TO_DEVICE, 0, fx_bus(&L.fx, msg), RP_HDR_SIZE + 5u, 0);
	fx_post_avail(&L.fx, RP_QUEUE_TO_DEVICE, 0);

	assert_int_equal(firmware_poll(&fw), 1);
	assert_int_equal(fw.echo.echoed, 1);
	assert_int_equal(u->idx, next + 1);
	assert_int_equal(u->ring[next].id, next);
	assert_int_equal(u->ring[next].len, RP_HDR_SIZE + 5u);
	memcpy(&h, fx_buf(&L.fx, next), sizeof(h));
	assert_int_equal(h.src, fw.echo.ept.addr);
	assert_int_equal(h.dst, 0x400);
	assert_int_equal(h.len, 5);
	assert_memory_equal(fx_buf(&L.fx, next) + RP_HDR_SIZE, "hello", 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_in_order),
		cmocka_unit_test(test_echo_holds_without_drain),
		cmocka_unit_test(test_echo_reply_over_its_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
