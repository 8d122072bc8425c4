/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The STM32MP1 port's logic on the host: a software IPCC, a resource table
 * in ordinary memory, and the core's driver role playing Linux over an
 * in-memory copy of the rpmsg area at the board's device addresses.
 * Whatever services the firmware has, the port must bring them up only
 * after DRIVER_OK, serve doorbells, refuse rings Linux could not have set
 * up, recover from device resets and stop cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <amplink/bulk.h>
#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#include "fake_ipcc.h"
#include "ipcc.h"
#include "m4_port.h"
#include "rsc_table.h"
#include "trace.h"

#define VRING0_DA 0x10040000u
#define VRING1_DA 0x10041000u
#define BUFS_DA 0x10042000u
#define IPC_SIZE 0x6000u
#define NUM AMPLINK_VRING_NUM
#define C2CR 0x010u

static uint8_t ipc[IPC_SIZE] __attribute__((aligned(4096)));
static const struct rp_mem_region vring_region = {VRING0_DA, 0x2000u, ipc};
static const struct rp_mem_region buf_region = {BUFS_DA, 0x4000u, ipc + 0x2000u};
static const struct rp_mem vrings = {&vring_region, 1};
static const struct rp_mem bufs = {&buf_region, 1};
static const struct rp_mem_region lx_region = {VRING0_DA, IPC_SIZE, ipc};
static const struct rp_mem lx_mem = {&lx_region, 1};

static struct amplink_rsc_table rsc;
static char tbuf[AMPLINK_TRACE_SIZE];
static struct m4_port port;

/* Linux */
static struct rp_driver lx;
static struct rp_endpoint lx_ept;
static unsigned int ns_created, ns_destroyed;
static uint32_t replies;

static void lx_notify(struct rp_link *link, unsigned int queue)
{
	(void)link;
	fake_ipcc_linux_send(queue == RP_QUEUE_TO_DRIVER ? IPCC_CH_VQ0 : IPCC_CH_VQ1);
}

static const struct rp_ops lx_ops = {.notify = lx_notify};

static void lx_ns(struct rp_link *link, const char *name, uint32_t addr, bool created)
{
	(void)link;
	(void)name;
	(void)addr;
	if (created)
		ns_created++;
	else
		ns_destroyed++;
}

static int lx_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
	replies++;
	return RP_OK;
}

static uint32_t fake_ms;

static uint32_t now_ms(void)
{
	return fake_ms;
}

static int setup(void **state)
{
	(void)state;
	memset(ipc, 0, sizeof(ipc));
	memset(tbuf, 0xAA, sizeof(tbuf));
	rsc = (struct amplink_rsc_table)AMPLINK_RSC_TABLE_INIT(0x10020100u, AMPLINK_TRACE_SIZE);
	trace_init(tbuf, sizeof(tbuf));
	fake_ipcc_reset(6);
	fake_ipcc_on_ring(NULL);
	assert_int_equal(ipcc_init(), 6);
	m4_port_init(&port, &rsc, &vrings, &bufs, now_ms);
	ns_created = ns_destroyed = 0;
	replies = 0;
	return 0;
}

static void set_status(uint8_t s)
{
	*(volatile uint8_t *)&rsc.vdev.status = s;
}

/* What remoteproc and virtio_rpmsg_bus do before and at DRIVER_OK. */
static void lx_probe(void)
{
	struct rp_rings rings = {.num = NUM};
	const uint32_t da[2] = {VRING0_DA, VRING1_DA};

	for (unsigned int q = 0; q < 2; q++) {
		uint8_t *base = ipc + (da[q] - VRING0_DA);

		memset(base, 0, 0x1000);
		rings.desc[q] = base;
		rings.avail[q] = base + rp_vring_desc_size(NUM);
		rings.used[q] =
			base + rp_align_up(rp_vring_desc_size(NUM) + rp_vring_avail_size(NUM), 16);
		rsc.vdev.vring[q].da = da[q];
	}
	assert_int_equal(rp_driver_init(&lx, &rings, &lx_mem, ipc + 0x2000u, lx_ns, &lx_ops, NULL),
			 RP_OK);
	assert_int_equal(rp_endpoint_create(&lx.link, &lx_ept, NULL, RP_ADDR_ANY, lx_receive, NULL),
			 RP_OK);
	rsc.vdev.gfeatures = rsc.vdev.dfeatures;
	set_status(1u | 2u | 8u | 4u);
}

/* The M4 runs while an IPCC line is up; Linux polls when the M4 rang vq0. */
static void settle(void)
{
	for (unsigned int i = 0; i < 1000; i++) {
		bool busy = false;

		if (fake_ipcc_rx_line() || fake_ipcc_tx_line()) {
			m4_port_run(&port);
			busy = true;
		}
		if (fake_ipcc_linux_take(IPCC_CH_VQ0)) {
			assert_true(rp_poll(&lx.link, 0) >= 0);
			busy = true;
		}
		if (fake_ipcc_linux_take(IPCC_CH_VQ1))
			busy = true;
		if (!busy)
			return;
	}
	fail_msg("the two sides never settled");
}

static unsigned int endpoint_count(void)
{
	unsigned int n = 0;

	for (struct rp_endpoint *e = port.dev.link.endpoints; e; e = e->next)
		n += e->name[0] != '\0';
	return n;
}

static void up(void)
{
	lx_probe();
	settle();
	assert_int_equal(port.state, M4_RUNNING);
	assert_true(port.dev.link.link_up);
	assert_true(ns_created > 0);
	assert_int_equal(ns_created, endpoint_count());
}

static void test_waits_for_driver_ok(void **state)
{
	(void)state;
	assert_int_equal(m4_port_run(&port), M4_NEXT_SLEEP);
	assert_int_equal(port.state, M4_WAITING);
	/* A doorbell before DRIVER_OK is taken, and nothing else happens. */
	fake_ipcc_linux_send(IPCC_CH_VQ0);
	set_status(1u | 2u | 8u);
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	assert_int_equal(fake_ipcc_to_m4(), 0);
	assert_int_equal(fake_ipcc_to_linux(), 0);
	assert_non_null(strstr(tbuf, "waiting for Linux"));
}

static void test_link_up_announces_every_service(void **state)
{
	(void)state;
	up();
	assert_int_equal(port.stats.link_ups, 1);
	assert_non_null(strstr(tbuf, "vrings at 0x10040000 and 0x10041000, 16 buffers each, "
				     "name service on"));
	assert_int_equal(fake_ipcc_bad_accesses(), 0);
}

static void test_no_name_service_no_announcements(void **state)
{
	(void)state;
	lx_probe();
	rsc.vdev.gfeatures = 0;
	settle();
	assert_int_equal(port.state, M4_RUNNING);
	assert_int_equal(ns_created, 0);
	assert_non_null(strstr(tbuf, "name service off"));
}

static void test_doorbells_are_served(void **state)
{
	uint8_t msg[100] = {1, 2, 3};

	(void)state;
	up();
	/* To an address nobody has: the port still takes it, the core counts it. */
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
	assert_true(fake_ipcc_rx_line());
	settle();
	assert_int_equal(port.dev.link.stats.rx_dropped, 1);
	assert_true(port.stats.kicks[1] >= 1);
	/* Kicks while waiting are not the firmware's; the rest are counted for it. */
	assert_true(port.fw.node.kicks_in >= 1);
	assert_true(port.fw.node.kicks_in <= port.stats.kicks[0] + port.stats.kicks[1]);
	/* The buffer came back to Linux: it can send a ring's worth again. */
	for (unsigned int i = 0; i < NUM; i++) {
		assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
		settle();
	}
	assert_int_equal(port.dev.link.stats.rx_dropped, 1 + NUM);
}

/* Linux as it streams: its next message comes while the M4 is still polling. */
static unsigned int stream_left;

static void lx_streams(void)
{
	static const uint8_t msg[64] = {7};

	if (stream_left == 0)
		return;
	stream_left--;
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
}

/*
 * After a doorbell the M4 keeps polling with doorbells off: messages Linux
 * sends meanwhile are served without a doorbell each. When the window ends
 * doorbells are back on, so the next message rings again.
 */
static void test_busy_poll_saves_doorbells(void **state)
{
	static const uint8_t msg[64] = {1};
	uint32_t kicks;

	(void)state;
	up();
	kicks = port.stats.kicks[1];
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
	assert_true(fake_ipcc_rx_line());
	stream_left = 3u * NUM;
	fake_ipcc_on_status_read(lx_streams);
	m4_port_run(&port);
	fake_ipcc_on_status_read(NULL);
	assert_int_equal(stream_left, 0);
	assert_int_equal(port.dev.link.stats.rx_dropped, 1u + 3u * NUM);
	/* The first came with the doorbell's own look at the flags, before polling. */
	assert_int_equal(port.stats.polled_msgs, 3u * NUM - 1u);
	assert_int_equal(port.stats.kicks[1], kicks + 1u);
	assert_false(fake_ipcc_rx_line());
	settle();
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
	assert_true(fake_ipcc_rx_line());
	settle();
	assert_int_equal(port.dev.link.stats.rx_dropped, 2u + 3u * NUM);
}

/* A shutdown doorbell is answered even while the M4 polls. */
static unsigned int reads_before_shutdown;

static void shutdown_later(void)
{
	if (reads_before_shutdown-- > 0)
		return;
	fake_ipcc_on_status_read(NULL);
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
}

static void test_shutdown_ends_busy_poll(void **state)
{
	static const uint8_t msg[8] = {2};

	(void)state;
	up();
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
	/* The doorbell's own look at the flags, then a few polling passes. */
	reads_before_shutdown = 4;
	fake_ipcc_on_status_read(shutdown_later);
	assert_int_equal(m4_port_run(&port), M4_NEXT_SLEEP);
	assert_int_equal(port.stats.busy_polls, 1);
	assert_int_equal(m4_port_run(&port), M4_NEXT_HALT);
	assert_int_equal(port.state, M4_STOPPED);
	assert_non_null(strstr(tbuf, "busy polls)"));
}

static void test_vring_outside_the_area_is_refused(void **state)
{
	(void)state;
	lx_probe();
	rsc.vdev.vring[1].da = 0x10050000u;
	settle();
	assert_int_equal(port.state, M4_FAILED);
	assert_non_null(strstr(tbuf, "vring1 at 0x10050000 is outside the rpmsg vring area"));
	assert_int_equal(ns_created, 0);

	/* Linux resets the device and tries again, properly this time. */
	set_status(0);
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	up();
}

static void test_missing_vring_address(void **state)
{
	(void)state;
	lx_probe();
	rsc.vdev.vring[0].da = RSC_ADDR_ANY;
	settle();
	assert_int_equal(port.state, M4_FAILED);
	assert_non_null(strstr(tbuf, "vring0: Linux gave no address"));
}

static void test_tampered_geometry(void **state)
{
	(void)state;
	lx_probe();
	rsc.vdev.vring[0].num = 8;
	settle();
	assert_int_equal(port.state, M4_FAILED);
	assert_non_null(strstr(tbuf, "vring0: unexpected geometry (num 8, align 16)"));
}

static void test_protocol_violation_stops_the_device(void **state)
{
	uint8_t msg[8] = {0};

	(void)state;
	up();
	assert_int_equal(rp_send(&lx.link, lx_ept.addr, 0x7777u, msg, sizeof(msg)), RP_OK);
	/* Point the descriptor at the M4's code instead of a buffer. */
	for (unsigned int i = 0; i < NUM; i++) {
		struct rp_vring_desc *d = (struct rp_vring_desc *)(ipc + 0x1000u) + i;

		if (d->addr)
			d->addr = 0x10000000u;
	}
	settle();
	assert_int_equal(port.state, M4_FAILED);
	assert_non_null(strstr(tbuf, "Linux broke the virtio protocol"));
	/* Later doorbells are taken but not served. */
	fake_ipcc_linux_send(IPCC_CH_VQ1);
	settle();
	assert_int_equal(port.state, M4_FAILED);
}

static void test_device_reset_and_restart(void **state)
{
	(void)state;
	up();
	unsigned int first = ns_created;

	set_status(0);
	m4_port_run(&port); /* the periodic tick */
	assert_int_equal(port.state, M4_WAITING);
	assert_int_equal(port.stats.resets, 1);
	assert_non_null(strstr(tbuf, "Linux reset the rpmsg device"));
	ns_created = 0;
	up();
	assert_int_equal(ns_created, first);
	assert_int_equal(port.stats.link_ups, 2);
}

static bool has_endpoint(const char *name)
{
	for (struct rp_endpoint *e = port.dev.link.endpoints; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return true;
	return false;
}

/* A window the main program gives once the MPU covers it; none, no bulk channel. */
static void test_bulk_only_with_a_window(void **state)
{
	static uint8_t pool[2u * 4096u];
	static const struct rp_mem_region region = {0xDD000000u, sizeof(pool), pool};
	static const struct rp_mem window = {&region, 1};

	(void)state;
	up();
	assert_false(has_endpoint(AMP_BULK_SERVICE));
	set_status(0);
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	port.bulk_window = &window;
	ns_created = 0;
	up();
	assert_true(has_endpoint(AMP_BULK_SERVICE));
	assert_ptr_equal(port.fw.node.bulk.window, &window);
	/* and again after a reset: the endpoint is made anew, not twice */
	set_status(0);
	m4_port_run(&port);
	ns_created = 0;
	up();
	assert_true(has_endpoint(AMP_BULK_SERVICE));
	/* the stop line carries its counters */
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	settle();
	assert_int_equal(port.state, M4_STOPPED);
	assert_non_null(strstr(tbuf, "bulk: 0 pools taken, 0 refused"));
}

static void test_failed_status_is_not_ready(void **state)
{
	(void)state;
	lx_probe();
	set_status(1u | 2u | 8u | 4u | 0x80u);
	settle();
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
}

static void test_detach_goes_back_to_waiting(void **state)
{
	(void)state;
	up();
	set_status(0);
	fake_ipcc_linux_send(IPCC_CH_DETACH);
	settle();
	assert_int_equal(port.state, M4_WAITING);
	assert_int_equal(fake_ipcc_to_m4(), 0); /* acknowledged: Linux does not time out */
	assert_non_null(strstr(tbuf, "Linux detached"));
	/* Attached again later: a new device, a new link. */
	ns_created = 0;
	up();
	assert_int_equal(port.stats.link_ups, 2);
}

static void test_detach_never_reuses_the_old_rings(void **state)
{
	(void)state;
	up();
	/* The status still says DRIVER_OK when the detach arrives. */
	fake_ipcc_linux_send(IPCC_CH_DETACH);
	settle();
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	assert_int_equal(port.stats.link_ups, 1);
	set_status(0);
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	ns_created = 0;
	up();
	assert_int_equal(port.stats.link_ups, 2);
}

static void test_shutdown(void **state)
{
	(void)state;
	up();
	fake_ipcc_linux_send(IPCC_CH_VQ1);
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	assert_int_equal(m4_port_run(&port), M4_NEXT_HALT);
	assert_int_equal(port.state, M4_STOPPED);
	assert_int_equal(fake_ipcc_to_m4() & IPCC_BIT(IPCC_CH_SHUTDOWN), 0);
	assert_int_equal(fake_ipcc_reg(C2CR), 0);
	assert_non_null(strstr(tbuf, "shutdown requested: stopping"));

	/* Stopped means stopped: nothing is read, acknowledged or rung any more. */
	fake_ipcc_linux_send(IPCC_CH_VQ0);
	uint32_t to_m4 = fake_ipcc_to_m4();

	assert_int_equal(m4_port_run(&port), M4_NEXT_HALT);
	assert_int_equal(fake_ipcc_to_m4(), to_m4);
	assert_int_equal(fake_ipcc_to_linux(), 0);
	assert_int_equal(fake_ipcc_bad_accesses(), 0);
}

static void test_shutdown_while_waiting(void **state)
{
	(void)state;
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	assert_int_equal(m4_port_run(&port), M4_NEXT_HALT);
	assert_int_equal(port.state, M4_STOPPED);
	assert_int_equal(fake_ipcc_to_m4(), 0);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(m4_state_name(M4_WAITING), "waiting");
	assert_string_equal(m4_state_name(M4_RUNNING), "running");
	assert_string_equal(m4_state_name(M4_FAILED), "failed");
	assert_string_equal(m4_state_name(M4_STOPPED), "stopped");
}

/* ---- the trace buffer --------------------------------------------------- */

static void test_trace_format(void **state)
{
	char buf[512];

	(void)state;
	trace_init(buf, sizeof(buf));
	trace_log("a %s b %d c %u d %x e %08x f %5u", "str", -42, 42u, 0xbeefu, 0x1234u, 7u);
	/* volatile: the compiler must not see that the string is NULL on purpose */
	const char *volatile no_string = NULL;

	trace_log("%d %d %s %c %%", -2147483647 - 1, 0, no_string, 'z');
	trace_log("%05d|%lu|%lx", -42, 123456789ul, 0xabcdeful);
	assert_string_equal(buf, "a str b -42 c 42 d beef e 00001234 f     7\n"
				 "-2147483648 0 (null) z %\n"
				 "-0042|123456789|abcdef\n");
	assert_int_equal(trace_lines(), 3);
}

static void test_trace_long_lines_are_cut(void **state)
{
	char buf[512], half[101], want[TRACE_LINE_MAX + 2];

	(void)state;
	trace_init(buf, sizeof(buf));
	memset(half, 'x', 100);
	half[100] = '\0';
	memset(want, 'x', TRACE_LINE_MAX);
	want[TRACE_LINE_MAX] = '\n';
	want[TRACE_LINE_MAX + 1] = '\0';
	trace_log("%s%s", half, half);
	assert_string_equal(buf, want);
}

static void test_trace_wraps_keeping_the_newest(void **state)
{
	char buf[64];

	(void)state;
	trace_init(buf, sizeof(buf));
	for (unsigned int i = 0; i < 20; i++)
		trace_log("line %02u", i);
	/* Always one terminated string, ending with the newest line. */
	assert_non_null(memchr(buf, '\0', sizeof(buf)));
	assert_true(strlen(buf) >= 8);
	assert_string_equal(buf + strlen(buf) - 8, "line 19\n");
	assert_true(trace_wraps() > 0);
	assert_null(strstr(buf, "line 00"));
}

static void test_trace_without_buffer(void **state)
{
	(void)state;
	trace_init(NULL, 0);
	trace_log("nowhere %u", 1u);
	assert_int_equal(trace_lines(), 0);
}

static unsigned int timer_fired;
static struct amp_timer port_timer;

static void on_timer(struct amp_timer *t)
{
	(void)t;
	timer_fired++;
}

/* The tick wakes the port for a service's timer, with no doorbell. */
static void test_timers_run_on_the_tick(void **state)
{
	(void)state;
	up();
	timer_fired = 0;
	fake_ms = 100;
	assert_int_equal(amp_timer_start(&port.fw.node, &port_timer, 5, 5, on_timer, NULL), AMP_OK);
	m4_port_run(&port);
	assert_int_equal(timer_fired, 0);
	fake_ms = 105;
	m4_port_run(&port); /* the tick */
	assert_int_equal(timer_fired, 1);
	fake_ms = 110;
	m4_port_run(&port);
	assert_int_equal(timer_fired, 2);
}

static struct amp_service_ops link_ops;
static unsigned int link_ups, link_downs;

static void on_link(struct amp_service *s, bool up_now)
{
	(void)s;
	if (up_now)
		link_ups++;
	else
		link_downs++;
}

static void on_gone(struct amp_conn *c)
{
	(void)c;
}

static void on_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	(void)c;
	(void)data;
	(void)len;
}

AMP_SERVICE_DEFINE(link_svc, "link-watch", &link_ops, NULL, 8, 1);

/* Services hear the link go down when Linux resets the device, and up again. */
static void test_services_hear_link_changes(void **state)
{
	(void)state;
	link_ops =
		(struct amp_service_ops){.message = on_message, .gone = on_gone, .link = on_link};
	link_ups = link_downs = 0;
	up();
	assert_int_equal(amp_service_register(&port.fw.node, &link_svc), AMP_OK);
	assert_int_equal(link_ups, 1);
	set_status(0);
	m4_port_run(&port);
	assert_int_equal(port.state, M4_WAITING);
	assert_int_equal(link_downs, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_waits_for_driver_ok, setup),
		cmocka_unit_test_setup(test_link_up_announces_every_service, setup),
		cmocka_unit_test_setup(test_no_name_service_no_announcements, setup),
		cmocka_unit_test_setup(test_doorbells_are_served, setup),
		cmocka_unit_test_setup(test_busy_poll_saves_doorbells, setup),
		cmocka_unit_test_setup(test_shutdown_ends_busy_poll, setup),
		cmocka_unit_test_setup(test_vring_outside_the_area_is_refused, setup),
		cmocka_unit_test_setup(test_missing_vring_address, setup),
		cmocka_unit_test_setup(test_tampered_geometry, setup),
		cmocka_unit_test_setup(test_protocol_violation_stops_the_device, setup),
		cmocka_unit_test_setup(test_device_reset_and_restart, setup),
		cmocka_unit_test_setup(test_bulk_only_with_a_window, setup),
		cmocka_unit_test_setup(test_timers_run_on_the_tick, setup),
		cmocka_unit_test_setup(test_services_hear_link_changes, setup),
		cmocka_unit_test_setup(test_failed_status_is_not_ready, setup),
		cmocka_unit_test_setup(test_detach_goes_back_to_waiting, setup),
		cmocka_unit_test_setup(test_detach_never_reuses_the_old_rings, setup),
		cmocka_unit_test_setup(test_shutdown, setup),
		cmocka_unit_test_setup(test_shutdown_while_waiting, setup),
		cmocka_unit_test_setup(test_state_names, setup),
		cmocka_unit_test(test_trace_format),
		cmocka_unit_test(test_trace_long_lines_are_cut),
		cmocka_unit_test(test_trace_wraps_keeping_the_newest),
		cmocka_unit_test(test_trace_without_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
