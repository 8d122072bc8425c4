/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The M4's IPCC driver against a software IPCC: which registers it sets up,
 * how it takes Linux's doorbells, and how it rings its own, including the
 * case where Linux has not yet freed the channel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fake_ipcc.h"
#include "ipcc.h"

/* RM0436 IPCC register offsets and bits the assertions look at. */
#define C2CR 0x010u
#define C2MR 0x014u
#define RXOIE (1u << 0)
#define TXFIE (1u << 16)
#define CHANNELS 6u

static int setup(void **state)
{
	(void)state;
	fake_ipcc_reset(CHANNELS);
	fake_ipcc_on_ring(NULL);
	assert_int_equal(ipcc_init(), CHANNELS);
	return 0;
}

static void test_init_unmasks_only_our_receive_channels(void **state)
{
	(void)state;
	assert_int_equal(fake_ipcc_reg(C2CR), RXOIE);
	/* Channels 1-4 (vq0, vq1, shutdown, detach) open; 5, 6 and every "free" masked. */
	assert_int_equal(fake_ipcc_reg(C2MR), 0x30u | (0x3Fu << 16));
	assert_false(fake_ipcc_rx_line());
	assert_false(fake_ipcc_tx_line());
	assert_int_equal(fake_ipcc_bad_accesses(), 0);
}

static void test_too_few_channels(void **state)
{
	(void)state;
	fake_ipcc_reset(3);
	assert_int_equal(ipcc_init(), 0);
	assert_int_equal(fake_ipcc_reg(C2CR), 0);
	fake_ipcc_linux_send(IPCC_CH_VQ0);
	assert_false(fake_ipcc_rx_line());
	assert_int_equal(ipcc_pending(), 0);
}

static void test_doorbells_from_linux(void **state)
{
	(void)state;
	assert_int_equal(ipcc_pending(), 0);
	fake_ipcc_linux_send(IPCC_CH_VQ1);
	assert_true(fake_ipcc_rx_line());
	assert_int_equal(ipcc_pending(), IPCC_BIT(IPCC_CH_VQ1));
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	assert_int_equal(ipcc_pending(), IPCC_BIT(IPCC_CH_VQ1) | IPCC_BIT(IPCC_CH_SHUTDOWN));
	/* Acknowledging clears exactly what is named: the line stays up for the rest. */
	ipcc_ack(IPCC_BIT(IPCC_CH_VQ1));
	assert_int_equal(fake_ipcc_to_m4(), IPCC_BIT(IPCC_CH_SHUTDOWN));
	assert_true(fake_ipcc_rx_line());
	ipcc_ack(IPCC_BIT(IPCC_CH_SHUTDOWN));
	assert_false(fake_ipcc_rx_line());
	assert_int_equal(fake_ipcc_bad_accesses(), 0);
}

static void test_masked_channels_are_ignored(void **state)
{
	(void)state;
	/* Channel 5 is not ours: seen neither by the line nor by the driver. */
	fake_ipcc_linux_send(4);
	assert_false(fake_ipcc_rx_line());
	assert_int_equal(ipcc_pending(), 0);
	ipcc_ack(0xFFFFFFFFu & ~IPCC_RX_CHANNELS);
}

static void test_ring_when_free(void **state)
{
	(void)state;
	assert_true(ipcc_notify(IPCC_CH_VQ0));
	assert_int_equal(fake_ipcc_to_linux(), IPCC_BIT(IPCC_CH_VQ0));
	assert_true(ipcc_notify(IPCC_CH_VQ1));
	assert_int_equal(fake_ipcc_to_linux(), IPCC_BIT(IPCC_CH_VQ0) | IPCC_BIT(IPCC_CH_VQ1));
	assert_int_equal(ipcc_deferred(), 0);
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ0));
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ1));
	assert_false(fake_ipcc_linux_take(IPCC_CH_VQ0));
}

static void test_ring_while_busy_is_deferred_not_lost(void **state)
{
	(void)state;
	assert_true(ipcc_notify(IPCC_CH_VQ0));
	/* Linux has not taken the first ring: the second waits for "free". */
	assert_false(ipcc_notify(IPCC_CH_VQ0));
	assert_false(ipcc_notify(IPCC_CH_VQ0));
	assert_int_equal(ipcc_deferred(), IPCC_BIT(IPCC_CH_VQ0));
	assert_int_equal(fake_ipcc_reg(C2CR), RXOIE | TXFIE);
	assert_int_equal(fake_ipcc_reg(C2MR) >> 16, 0x3Fu & ~IPCC_BIT(IPCC_CH_VQ0));
	assert_false(fake_ipcc_tx_line());
	ipcc_flush(); /* still busy: nothing happens */
	assert_int_equal(ipcc_deferred(), IPCC_BIT(IPCC_CH_VQ0));

	/* Linux takes it: the "free" line wakes the M4, which rings once more. */
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ0));
	assert_true(fake_ipcc_tx_line());
	ipcc_flush();
	assert_int_equal(fake_ipcc_to_linux(), IPCC_BIT(IPCC_CH_VQ0));
	assert_int_equal(ipcc_deferred(), 0);
	assert_int_equal(fake_ipcc_reg(C2CR), RXOIE);
	assert_int_equal(fake_ipcc_reg(C2MR) >> 16, 0x3Fu);
	assert_false(fake_ipcc_tx_line());
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ0));
	assert_false(fake_ipcc_linux_take(IPCC_CH_VQ0));
	assert_int_equal(fake_ipcc_bad_accesses(), 0);
}

static void test_deferred_per_channel(void **state)
{
	(void)state;
	assert_true(ipcc_notify(IPCC_CH_VQ0));
	assert_true(ipcc_notify(IPCC_CH_VQ1));
	assert_false(ipcc_notify(IPCC_CH_VQ1));
	assert_int_equal(ipcc_deferred(), IPCC_BIT(IPCC_CH_VQ1));
	/* Freeing vq0 does not ring vq1. */
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ0));
	ipcc_flush();
	assert_int_equal(fake_ipcc_to_linux(), IPCC_BIT(IPCC_CH_VQ1));
	assert_int_equal(ipcc_deferred(), IPCC_BIT(IPCC_CH_VQ1));
	assert_true(fake_ipcc_linux_take(IPCC_CH_VQ1));
	ipcc_flush();
	assert_int_equal(fake_ipcc_to_linux(), IPCC_BIT(IPCC_CH_VQ1));
	assert_int_equal(ipcc_deferred(), 0);
}

static void test_notify_out_of_range(void **state)
{
	(void)state;
	assert_false(ipcc_notify(CHANNELS));
	assert_false(ipcc_notify(31));
	assert_false(ipcc_notify(1000));
	assert_int_equal(fake_ipcc_to_linux(), 0);
	assert_int_equal(ipcc_deferred(), 0);
}

static void test_disable_silences_everything(void **state)
{
	(void)state;
	assert_true(ipcc_notify(IPCC_CH_VQ0));
	assert_false(ipcc_notify(IPCC_CH_VQ0));
	ipcc_disable();
	assert_int_equal(fake_ipcc_reg(C2CR), 0);
	assert_int_equal(fake_ipcc_reg(C2MR), 0x3Fu | (0x3Fu << 16));
	assert_int_equal(ipcc_deferred(), 0);
	fake_ipcc_linux_send(IPCC_CH_VQ1);
	assert_false(fake_ipcc_rx_line());
	assert_int_equal(ipcc_pending(), 0);
	/* Acknowledging still works: shutdown is acknowledged after disabling. */
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	ipcc_ack(IPCC_BIT(IPCC_CH_SHUTDOWN));
	assert_int_equal(fake_ipcc_to_m4() & IPCC_BIT(IPCC_CH_SHUTDOWN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_unmasks_only_our_receive_channels, setup),
		cmocka_unit_test_setup(test_too_few_channels, setup),
		cmocka_unit_test_setup(test_doorbells_from_linux, setup),
		cmocka_unit_test_setup(test_masked_channels_are_ignored, setup),
		cmocka_unit_test_setup(test_ring_when_free, setup),
		cmocka_unit_test_setup(test_ring_while_busy_is_deferred_not_lost, setup),
		cmocka_unit_test_setup(test_deferred_per_channel, setup),
		cmocka_unit_test_setup(test_notify_out_of_range, setup),
		cmocka_unit_test_setup(test_disable_silences_everything, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
