/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Self-test of the M4 firmware on a Cortex-M4, in QEMU's mps2-an386.
 *
 * Both sides in one image over an in-RAM copy of the STM32MP157's rpmsg
 * area (vrings at 0x10040000 and 0x10041000, buffers at 0x10042000, as
 * Linux lays them out): the device side is the real port logic
 * (m4_port.c, ipcc.c against a software IPCC), the real rpmsg core and
 * the real services, compiled for the M4; this file plays Linux with the
 * core's driver role, the way remoteproc and virtio_rpmsg_bus do it:
 * vring addresses and DRIVER_OK into the resource table, doorbells through
 * the IPCC's processor-1 side.
 *
 * Neither side is polled for free: the M4 runs only while one of its IPCC
 * interrupt lines is asserted, Linux only when the M4 rang, so a missing
 * doorbell shows up as a stall, not as a pass.
 *
 * Every announced service that has a check in checks[] is exercised;
 * messages of many sizes go through and every reply is compared byte for
 * byte. Output and exit status go through semihosting.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amp/service.h>
#include <amplink/frame.h>
#include <firmware/crc32.h>
#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#include "cortex_m4.h"
#include "fake_ipcc.h"
#include "ipcc.h"
#include "m4_port.h"
#include "rsc_table.h"
#include "startup.h"
#include "trace.h"

/* newlib's semihosting library; its crt0 is not linked (-nostartfiles). */
void initialise_monitor_handles(void);
void _init(void);
void _fini(void);

void _init(void)
{
}

void _fini(void)
{
}

#define VRING0_DA 0x10040000u
#define VRING1_DA 0x10041000u
#define BUFS_DA 0x10042000u
#define IPC_SIZE 0x6000u
#define NUM AMPLINK_VRING_NUM
/* IPCC channels on the STM32MP15 (RM0436: IPCC_HWCFGR.CHANNELS). */
#define IPCC_CHANNELS 6u
/* QEMU's mps2 SysTick counts the 25 MHz system clock. */
#define CLOCK_HZ 25000000u
#define STALL_PASSES 64u

static uint8_t ipc[IPC_SIZE] __attribute__((aligned(4096)));

/* The M4's view: the vring area and the buffer area, by device address. */
static const struct rp_mem_region m4_vring_region = {VRING0_DA, 0x2000u, ipc};
static const struct rp_mem_region m4_buf_region = {BUFS_DA, 0x4000u, ipc + 0x2000u};
static const struct rp_mem m4_vrings = {&m4_vring_region, 1};
static const struct rp_mem m4_bufs = {&m4_buf_region, 1};
/* Linux's: the whole area, so that it can put buffer addresses in descriptors. */
static const struct rp_mem_region lx_region = {VRING0_DA, IPC_SIZE, ipc};
static const struct rp_mem lx_mem = {&lx_region, 1};

static struct m4_port port;
static bool halted;

static unsigned int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	printf("m4-selftest: FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failures++;
}

static void dump_trace(void)
{
	printf("m4-selftest: firmware trace buffer:\n");
	for (const char *line = amplink_trace_buf; *line;) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);

		printf("  | %.*s\n", len, line);
		line += len + (end ? 1 : 0);
	}
}

static void finish(void) __attribute__((noreturn));
static void finish(void)
{
	dump_trace();
	printf("m4-selftest: %s\n", failures ? "FAIL" : "PASS");
	exit(failures ? 1 : 0);
}

void m4_fault_report(uint32_t exception, const uint32_t *frame)
{
	printf("m4-selftest: FAIL: exception %" PRIu32 " at pc 0x%08" PRIx32 "\n", exception,
	       frame[6]);
	failures++;
	finish();
}

/*
 * Milliseconds from SysTick, wraps counted whenever anyone looks (often).
 * Direct accesses: reg_read()/reg_write() are the software IPCC here.
 */
static uint64_t tick_cycles;

static void clock_start(void)
{
	*(volatile uint32_t *)SYST_RVR = SYST_MAX_RELOAD;
	*(volatile uint32_t *)SYST_CVR = 0;
	*(volatile uint32_t *)SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_CLKSOURCE;
}

static uint32_t clock_ms(void)
{
	if (*(volatile uint32_t *)SYST_CSR & SYST_CSR_COUNTFLAG)
		tick_cycles += SYST_MAX_RELOAD + 1u;

	uint32_t now = *(volatile uint32_t *)SYST_CVR;

	if (*(volatile uint32_t *)SYST_CSR & SYST_CSR_COUNTFLAG) {
		tick_cycles += SYST_MAX_RELOAD + 1u;
		now = *(volatile uint32_t *)SYST_CVR;
	}
	return (uint32_t)((tick_cycles + (SYST_MAX_RELOAD - now)) / (CLOCK_HZ / 1000u));
}

/* ---- Linux ----------------------------------------------------------- */

#define MAX_SERVICES 8u
#define MAX_EXPECT 256u

enum reply_kind {
	REPLY_ECHO,	  /* the message itself */
	REPLY_ECHO_FRAME, /* ECHO_REPLY frame with the pattern as payload */
	REPLY_ACK,	  /* ACK frame for a DATA frame */
	REPLY_FRAME, /* a frame of type e->len whose payload starts with e->crc (or is empty) */
};

struct expect {
	enum reply_kind kind;
	uint32_t len;
	uint32_t seed;
	uint32_t seq;
	uint32_t crc;
	uint32_t credit_in_front; /* a CREDIT frame of this much rides in front, or 0 */
};

struct linux_side {
	struct rp_driver drv;
	struct rp_endpoint ept;
	struct {
		char name[RP_NAME_SIZE];
		uint32_t addr;
	} services[MAX_SERVICES];
	unsigned int n_services;
	unsigned int destroyed;
	struct expect expect[MAX_EXPECT];
	unsigned int exp_head, exp_count;
	uint32_t replies;
	uint32_t last_frame_payload; /* third word of the last MSG REPLY_FRAME */
};

static struct linux_side lx;
/* Over the whole run, across device resets. */
static uint32_t linux_kicks, total_replies;
static uint64_t total_reply_bytes;

static void lx_notify(struct rp_link *link, unsigned int queue)
{
	(void)link;
	linux_kicks++;
	fake_ipcc_linux_send(queue == RP_QUEUE_TO_DRIVER ? IPCC_CH_VQ0 : IPCC_CH_VQ1);
}

static const struct rp_ops lx_ops = {.notify = lx_notify};

static void lx_ns(struct rp_link *link, const char *name, uint32_t addr, bool created)
{
	(void)link;
	if (!created) {
		lx.destroyed++;
		return;
	}
	if (lx.n_services == MAX_SERVICES) {
		fail("more than %u services announced", MAX_SERVICES);
		return;
	}
	snprintf(lx.services[lx.n_services].name, RP_NAME_SIZE, "%s", name);
	lx.services[lx.n_services].addr = addr;
	lx.n_services++;
}

static void pattern(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t x = seed * 2654435761u + 1u;

	for (uint32_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static bool same_as_pattern(const uint8_t *p, uint32_t len, uint32_t seed)
{
	uint8_t want[RP_MTU];

	pattern(want, len, seed);
	return memcmp(p, want, len) == 0;
}

static void expect_push(struct expect e)
{
	if (lx.exp_count == MAX_EXPECT) {
		fail("too many replies outstanding");
		finish();
	}
	lx.expect[(lx.exp_head + lx.exp_count++) % MAX_EXPECT] = e;
}

static void check_frame_reply(const struct expect *e, const uint8_t *data, uint32_t len)
{
	struct amp_frame_hdr h;

	if (len < AMP_FRAME_HDR_SIZE || amp_frame_decode(data, &h) != AMP_STATUS_OK ||
	    h.len != len - AMP_FRAME_HDR_SIZE) {
		fail("reply %" PRIu32 " is not a frame (%" PRIu32 " bytes)", lx.replies, len);
		return;
	}
	if (h.seq != e->seq) {
		fail("reply seq %" PRIu32 ", expected %" PRIu32, h.seq, e->seq);
		return;
	}
	if (h.crc != fw_crc32_update(0, data + AMP_FRAME_HDR_SIZE, h.len))
		fail("reply seq %" PRIu32 ": header CRC does not match its payload", h.seq);
	if (e->kind == REPLY_FRAME) {
		if (h.type != e->len ||
		    (h.len >= 4 && amp_get32(data + AMP_FRAME_HDR_SIZE) != e->crc))
			fail("seq %" PRIu32 ": frame of type %u (first word %" PRIu32
			     "), expected type %" PRIu32,
			     h.seq, h.type, h.len >= 4 ? amp_get32(data + AMP_FRAME_HDR_SIZE) : 0,
			     e->len);
		else if (h.type == AMP_FRAME_MSG && h.len >= 12)
			lx.last_frame_payload = amp_get32(data + AMP_FRAME_HDR_SIZE + 8u);
		return;
	}
	if (e->kind == REPLY_ECHO_FRAME) {
		if (h.type != AMP_FRAME_ECHO_REPLY || h.len != e->len ||
		    !same_as_pattern(data + AMP_FRAME_HDR_SIZE, h.len, e->seed))
			fail("echo frame seq %" PRIu32 ": type %u, %" PRIu32
			     " bytes; not the payload sent",
			     h.seq, h.type, h.len);
		return;
	}

	struct amp_ack ack;

	if (h.type != AMP_FRAME_ACK || h.len != AMP_ACK_SIZE) {
		fail("DATA seq %" PRIu32 ": answered by type %u with %" PRIu32 " bytes", h.seq,
		     h.type, h.len);
		return;
	}
	amp_ack_decode(data + AMP_FRAME_HDR_SIZE, &ack);
	if (ack.received != e->len || ack.crc != e->crc || ack.status != AMP_STATUS_OK)
		fail("DATA seq %" PRIu32 ": ack says %" PRIu32 " bytes, crc 0x%08" PRIx32
		     ", status %" PRIu32 "; sent %" PRIu32 " bytes, crc 0x%08" PRIx32,
		     h.seq, ack.received, ack.crc, ack.status, e->len, e->crc);
}

/* Every reply is checked as it arrives, in the order the requests went. */
static int lx_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	(void)ept;
	(void)src;
	if (lx.exp_count == 0) {
		fail("unexpected message of %" PRIu32 " bytes from %" PRIu32, len, src);
		return RP_OK;
	}

	struct expect *e = &lx.expect[lx.exp_head];
	struct amp_frame_hdr credit;

	/* credit the firmware returns rides in front of a reply that ends a message */
	if (e->credit_in_front) {
		if (len <= AMP_FRAME_HDR_SIZE + 4u ||
		    amp_frame_decode(data, &credit) != AMP_STATUS_OK ||
		    credit.type != AMP_FRAME_CREDIT || credit.len != 4u ||
		    amp_get32((const uint8_t *)data + AMP_FRAME_HDR_SIZE) != e->credit_in_front)
			fail("reply %" PRIu32 ": no CREDIT of %" PRIu32 " in front", lx.replies,
			     e->credit_in_front);
		else {
			data = (const uint8_t *)data + AMP_FRAME_HDR_SIZE + 4u;
			len -= AMP_FRAME_HDR_SIZE + 4u;
		}
	}
	if (e->kind == REPLY_ECHO) {
		if (len != e->len || !same_as_pattern(data, len, e->seed))
			fail("echo of %" PRIu32 " bytes (seed %" PRIu32 ") came back as %" PRIu32
			     " different bytes",
			     e->len, e->seed, len);
	} else {
		check_frame_reply(e, data, len);
	}
	lx.exp_head = (lx.exp_head + 1u) % MAX_EXPECT;
	lx.exp_count--;
	lx.replies++;
	total_replies++;
	total_reply_bytes += len;
	return RP_OK;
}

/* Plays remoteproc + virtio_rpmsg_bus probing the device. */
static void lx_start(void)
{
	struct rp_rings rings = {.num = NUM};
	uint32_t da[2] = {VRING0_DA, VRING1_DA};

	memset(&lx, 0, sizeof(lx));
	for (unsigned int q = 0; q < 2; q++) {
		uint8_t *base = ipc + (da[q] - VRING0_DA);

		memset(base, 0, rp_vring_size(NUM, AMPLINK_VRING_ALIGN));
		rings.desc[q] = base;
		rings.avail[q] = base + rp_vring_desc_size(NUM);
		rings.used[q] =
			base + rp_align_up(rp_vring_desc_size(NUM) + rp_vring_avail_size(NUM),
					   AMPLINK_VRING_ALIGN);
		amplink_rsc_table.vdev.vring[q].da = da[q];
	}
	if (rp_driver_init(&lx.drv, &rings, &lx_mem, ipc + (BUFS_DA - VRING0_DA), lx_ns, &lx_ops,
			   NULL) != RP_OK ||
	    rp_endpoint_create(&lx.drv.link, &lx.ept, NULL, RP_ADDR_ANY, lx_receive, NULL) !=
		    RP_OK) {
		fail("setting up the driver side");
		finish();
	}
	amplink_rsc_table.vdev.gfeatures = amplink_rsc_table.vdev.dfeatures;
	/* ACKNOWLEDGE | DRIVER | FEATURES_OK, then DRIVER_OK, as the virtio core does. */
	*(volatile uint8_t *)&amplink_rsc_table.vdev.status = 1u | 2u | 8u;
	*(volatile uint8_t *)&amplink_rsc_table.vdev.status = 1u | 2u | 8u | 4u;
}

/* Linux's virtqueue work for vq0: take what the M4 sent. */
static void lx_vq0_work(void)
{
	if (rp_poll(&lx.drv.link, 0) < 0) {
		fail("the M4 broke the virtio protocol");
		finish();
	}
}

/*
 * Linux's IPCC handler queues the virtqueue work, then clears the flag; the
 * work may run on the other core before the clear. Every other doorbell
 * runs it at once, while the M4 is still busy and the flag still set: an
 * M4 that skips ringing because the flag looks set then loses its update,
 * and the exchange stalls.
 */
static bool vq0_work_done_early;
static unsigned int vq0_rings;

static void lx_on_ring(unsigned int ch)
{
	if (ch != IPCC_CH_VQ0 || (vq0_rings++ & 1u))
		return;
	lx_vq0_work();
	vq0_work_done_early = true;
}

/*
 * One round: the M4 runs if an IPCC line would wake it, Linux handles the
 * doorbells the M4 rang. Returns whether anything happened.
 */
static bool pump(void)
{
	bool progress = false;

	if (fake_ipcc_rx_line() || fake_ipcc_tx_line()) {
		if (m4_port_run(&port) == M4_NEXT_HALT)
			halted = true;
		progress = true;
	}
	if (fake_ipcc_linux_take(IPCC_CH_VQ0)) {
		if (!vq0_work_done_early)
			lx_vq0_work();
		vq0_work_done_early = false;
		progress = true;
	}
	if (fake_ipcc_linux_take(IPCC_CH_VQ1)) {
		/* Buffers came back; rp_send() reclaims them. */
		progress = true;
	}
	return progress;
}

/* Runs both sides until neither has anything left to do. */
static void settle(void)
{
	while (pump())
		;
}

static void send_or_fail(uint32_t dst, const void *data, uint32_t len)
{
	unsigned int idle = 0;

	for (;;) {
		int rc = rp_send(&lx.drv.link, lx.ept.addr, dst, data, len);

		if (rc == RP_OK)
			return;
		if (rc != RP_EAGAIN) {
			fail("sending %" PRIu32 " bytes: %s", len, rp_strerror(rc));
			finish();
		}
		if (!pump() && ++idle > STALL_PASSES) {
			fail("stalled: no transmit buffer came back (a doorbell went missing?)");
			finish();
		}
	}
}

static void wait_replies(const char *what)
{
	settle();
	if (lx.exp_count) {
		/* Nothing after a stall would mean anything. */
		fail("%s: %u replies never came (stalled: a doorbell went missing?)", what,
		     lx.exp_count);
		finish();
	}
}

/* ---- checks ----------------------------------------------------------- */

static const uint32_t sizes[] = {0,  1,	 2,  3,	  4,   7,   8,	 15,  16,  17,	31,  32,
				 33, 63, 64, 100, 127, 128, 255, 256, 257, 400, 495, RP_MTU};
#define N_SIZES (sizeof(sizes) / sizeof(sizes[0]))

static void check_echo(const char *name, uint32_t addr)
{
	uint8_t buf[RP_MTU];
	unsigned int fails = failures;
	uint32_t seed = addr << 16;

	/* One at a time, every size... */
	for (unsigned int i = 0; i < N_SIZES; i++) {
		pattern(buf, sizes[i], ++seed);
		expect_push((struct expect){.kind = REPLY_ECHO, .len = sizes[i], .seed = seed});
		send_or_fail(addr, buf, sizes[i]);
		wait_replies(name);
	}
	/* ...then three rings' worth in flight, so both sides run out of buffers. */
	for (unsigned int i = 0; i < 3u * NUM; i++) {
		uint32_t len = sizes[(i * 7u) % N_SIZES];

		pattern(buf, len, ++seed);
		expect_push((struct expect){.kind = REPLY_ECHO, .len = len, .seed = seed});
		send_or_fail(addr, buf, len);
	}
	wait_replies(name);
	if (failures == fails)
		printf("m4-selftest: %s: %u sizes (0..%u bytes) one by one and %u in a burst, "
		       "echoed byte for byte\n",
		       name, (unsigned int)N_SIZES, RP_MTU, 3u * NUM);
}

/* Sends one DATA frame of len bytes, cut into RPMsg-sized pieces. */
static void send_data_frame(uint32_t addr, uint32_t seq, uint32_t len, uint32_t seed)
{
	uint8_t msg[RP_MTU];
	uint32_t crc = 0, sent = 0, fill = AMP_FRAME_HDR_SIZE;
	uint32_t state = seed;

	/* The CRC goes in the header, so compute it over the same stream first. */
	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < RP_MTU ? len - done : RP_MTU;

		pattern(msg, n, state++);
		crc = fw_crc32_update(crc, msg, n);
		done += n;
	}
	amp_frame_encode(msg, AMP_FRAME_DATA, seq, len, crc);
	expect_push((struct expect){.kind = REPLY_ACK, .len = len, .seq = seq, .crc = crc});

	uint8_t chunk[RP_MTU];
	uint32_t chunk_len = 0, chunk_pos = 0;

	state = seed;
	while (sent < len || fill > 0) {
		/* Fill the message with whatever the byte stream has next. */
		while (fill < RP_MTU && sent < len) {
			if (chunk_pos == chunk_len) {
				chunk_len = len - sent < RP_MTU ? len - sent : RP_MTU;
				pattern(chunk, chunk_len, state++);
				chunk_pos = 0;
			}

			uint32_t n = chunk_len - chunk_pos;

			if (n > RP_MTU - fill)
				n = RP_MTU - fill;
			memcpy(msg + fill, chunk + chunk_pos, n);
			fill += n;
			chunk_pos += n;
			sent += n;
		}
		send_or_fail(addr, msg, fill);
		fill = 0;
	}
}

static const uint32_t frame_sizes[] = {1, 20, 476, 477, 496, 1000, 4096, 32768};
#define N_FRAME_SIZES (sizeof(frame_sizes) / sizeof(frame_sizes[0]))

static void check_bench(const char *name, uint32_t addr)
{
	uint8_t msg[RP_MTU];
	unsigned int fails = failures;
	uint32_t seq = addr << 16;

	pattern(msg + AMP_FRAME_HDR_SIZE, AMP_ECHO_MAX_LEN, seq);
	amp_frame_encode(msg, AMP_FRAME_ECHO, seq, AMP_ECHO_MAX_LEN,
			 fw_crc32_update(0, msg + AMP_FRAME_HDR_SIZE, AMP_ECHO_MAX_LEN));
	expect_push((struct expect){
		.kind = REPLY_ECHO_FRAME, .len = AMP_ECHO_MAX_LEN, .seed = seq, .seq = seq});
	send_or_fail(addr, msg, AMP_FRAME_HDR_SIZE + AMP_ECHO_MAX_LEN);
	wait_replies(name);
	for (unsigned int i = 0; i < N_FRAME_SIZES; i++) {
		seq++;
		send_data_frame(addr, seq, frame_sizes[i], seq * 31u);
		wait_replies(name);
	}
	if (failures == fails)
		printf("m4-selftest: %s: echo frame returned intact; DATA frames of 1..%" PRIu32
		       " bytes acked with the right length and CRC\n",
		       name, frame_sizes[N_FRAME_SIZES - 1]);
}

static void send_frame(uint32_t addr, uint8_t type, uint32_t seq, const uint8_t *payload,
		       uint32_t len)
{
	uint8_t msg[RP_MTU];

	amp_frame_encode(msg, type, seq, len, fw_crc32_update(0, payload, len));
	memcpy(msg + AMP_FRAME_HDR_SIZE, payload, len);
	send_or_fail(addr, msg, AMP_FRAME_HDR_SIZE + len);
}

/* A service of the self-test's own: the sum of two numbers, back. */
static uint8_t sum_reply[12];

static void sum_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	if (len != 16)
		return;
	memcpy(sum_reply, data, 4);
	amp_put32(sum_reply + 4, 0);
	amp_put32(sum_reply + 8, amp_get32(data + 8) + amp_get32(data + 12));
	if (amp_send_copy(c, sum_reply, sizeof(sum_reply)) != AMP_OK)
		fail("sum: the reply could not go at once");
}

static void sum_gone(struct amp_conn *c)
{
	(void)c;
}

static const struct amp_service_ops sum_ops = {.message = sum_message, .gone = sum_gone};
AMP_SERVICE_DEFINE(sum_service, "sum", &sum_ops, NULL, 16, 2);

/*
 * The SDK on the M4 itself: a client opens a service through a hub, calls
 * it, and closes; the answer comes from the M4's core.
 */
static void check_messaging(const char *name, uint32_t addr)
{
	static const uint8_t open_sum[] = {16, 0, 0, 0, 0, 0, 0, 0, 's', 'u', 'm'};
	uint8_t req[16];
	unsigned int fails = failures;

	if (amp_service_register(&port.fw.node, &sum_service) != AMP_OK)
		fail("%s: registering a service failed", name);
	expect_push(
		(struct expect){.kind = REPLY_FRAME, .len = AMP_FRAME_OPENED, .seq = 1, .crc = 16});
	send_frame(addr, AMP_FRAME_OPEN, 1, open_sum, sizeof(open_sum));
	wait_replies(name);
	amp_put32(req, 7); /* id */
	amp_put32(req + 4, 0);
	amp_put32(req + 8, 40);
	amp_put32(req + 12, 2);
	/* the answer, with the request's 16 bytes of credit in front, in one message */
	expect_push((struct expect){.kind = REPLY_FRAME,
				    .len = AMP_FRAME_MSG,
				    .seq = 1,
				    .crc = 7,
				    .credit_in_front = 16});
	send_frame(addr, AMP_FRAME_MSG, 1, req, sizeof(req));
	wait_replies(name);
	if (lx.last_frame_payload != 42)
		fail("%s: 40 + 2 answered %" PRIu32, name, lx.last_frame_payload);
	send_frame(addr, AMP_FRAME_CLOSE, 0, req, 0);
	wait_replies(name);
	if (failures == fails)
		printf("m4-selftest: %s: a service opened, called (40 + 2 = 42) and closed "
		       "through the SDK\n",
		       name);
}

/*
 * Service name -> how to exercise it. A service added to the firmware is
 * listed as not exercised until it gets an entry here; required ones must
 * be announced.
 */
static const struct service_check {
	const char *name;
	void (*run)(const char *name, uint32_t addr);
	bool required;
} checks[] = {
	{"amplink-echo", check_echo, true},   {"rpmsg-tty", check_bench, true},
	{"rpmsg-raw", check_bench, true},     {"rpmsg-netlink", check_bench, true},
	{"rpmsg-raw", check_messaging, true},
};
#define N_CHECKS (sizeof(checks) / sizeof(checks[0]))

static uint32_t service_addr(const char *name)
{
	for (unsigned int i = 0; i < lx.n_services; i++)
		if (strcmp(lx.services[i].name, name) == 0)
			return lx.services[i].addr;
	return RP_ADDR_ANY;
}

static void run_checks(void)
{
	for (unsigned int i = 0; i < lx.n_services; i++) {
		unsigned int c = 0;

		while (c < N_CHECKS && strcmp(checks[c].name, lx.services[i].name) != 0)
			c++;
		if (c == N_CHECKS)
			printf("m4-selftest: %s: announced, not exercised (no check for it yet)\n",
			       lx.services[i].name);
	}
	for (unsigned int c = 0; c < N_CHECKS; c++) {
		uint32_t addr = service_addr(checks[c].name);

		if (addr != RP_ADDR_ANY)
			checks[c].run(checks[c].name, addr);
		else if (checks[c].required)
			fail("%s was not announced", checks[c].name);
	}
}

static void link_up_or_fail(const char *when)
{
	lx_start();
	settle();
	if (port.state != M4_RUNNING) {
		fail("%s: the M4 did not start (state %s)", when, m4_state_name(port.state));
		finish();
	}
	printf("m4-selftest: %s: link up, %u services announced:", when, lx.n_services);
	for (unsigned int i = 0; i < lx.n_services; i++)
		printf(" %s@%" PRIu32, lx.services[i].name, lx.services[i].addr);
	printf("\n");
}

/* Messages of the largest size, always a ring's worth in flight. */
static void measure_echo(uint32_t addr, uint32_t count)
{
	uint8_t buf[RP_MTU];
	uint32_t replies = lx.replies;
	uint32_t start = clock_ms();

	for (uint32_t i = 0; i < count; i++) {
		pattern(buf, RP_MTU, i);
		expect_push((struct expect){.kind = REPLY_ECHO, .len = RP_MTU, .seed = i});
		send_or_fail(addr, buf, RP_MTU);
	}
	wait_replies("amplink-echo throughput");

	uint32_t ms = clock_ms() - start;
	uint64_t bytes = (uint64_t)(lx.replies - replies) * RP_MTU;

	printf("m4-selftest: throughput in emulation (informative only): echo, %" PRIu32
	       " x %u bytes in %" PRIu32 " ms: %" PRIu32 " KB/s each way\n",
	       count, RP_MTU, ms, (uint32_t)(ms ? bytes / ms : 0));
}

static void measure_bench(uint32_t addr, uint32_t frames, uint32_t frame_len)
{
	uint32_t start = clock_ms();

	for (uint32_t i = 0; i < frames; i++)
		send_data_frame(addr, 0x7000u + i, frame_len, i);
	wait_replies("bench throughput");

	uint32_t ms = clock_ms() - start;
	uint64_t bytes = (uint64_t)frames * frame_len;

	printf("m4-selftest: throughput in emulation (informative only): bench, %" PRIu32
	       " DATA frames of %" PRIu32 " bytes in %" PRIu32 " ms: %" PRIu32 " KB/s\n",
	       frames, frame_len, ms, (uint32_t)(ms ? bytes / ms : 0));
}

static void check_ipcc_setup(void)
{
	/* C2CR: receive interrupt on; C2MR: vq0, vq1, shutdown, detach unmasked. */
	if (fake_ipcc_reg(0x010) != 1u || (fake_ipcc_reg(0x014) & 0xFu) != 0)
		fail("IPCC not set up for the M4 (C2CR 0x%08" PRIx32 ", C2MR 0x%08" PRIx32 ")",
		     fake_ipcc_reg(0x010), fake_ipcc_reg(0x014));
}

int main(void)
{
	initialise_monitor_handles();
	clock_start();
	printf("m4-selftest: amplink firmware core on a Cortex-M4 (QEMU mps2-an386), "
	       "%u-entry vrings\n",
	       NUM);

	fake_ipcc_reset(IPCC_CHANNELS);
	fake_ipcc_on_ring(lx_on_ring);
	trace_init(amplink_trace_buf, sizeof(amplink_trace_buf));
	if (ipcc_init() != IPCC_CHANNELS)
		fail("ipcc_init() did not find the 6 channels");
	check_ipcc_setup();
	m4_port_init(&port, &amplink_rsc_table, &m4_vrings, &m4_bufs, clock_ms);
	m4_port_run(&port);
	if (port.state != M4_WAITING)
		fail("the M4 started before Linux set DRIVER_OK");

	link_up_or_fail("first start");
	run_checks();

	uint32_t echo_addr = service_addr("amplink-echo");
	uint32_t bench_addr = service_addr("rpmsg-raw");

	if (echo_addr != RP_ADDR_ANY)
		measure_echo(echo_addr, 20000);
	if (bench_addr != RP_ADDR_ANY)
		measure_bench(bench_addr, 128, 32768);

	/* Linux resets the device without stopping the M4 (rpmsg rebind). */
	*(volatile uint8_t *)&amplink_rsc_table.vdev.status = 0;
	m4_port_run(&port); /* the M4's periodic tick */
	if (port.state != M4_WAITING)
		fail("device reset not noticed (state %s)", m4_state_name(port.state));
	link_up_or_fail("after a device reset");
	if (echo_addr != RP_ADDR_ANY)
		check_echo("amplink-echo (after reset)", service_addr("amplink-echo"));

	printf("m4-selftest: doorbells: Linux rang %" PRIu32 "; the M4 rang %" PRIu32
	       " at once and found the channel still busy %" PRIu32
	       " times (coalesced into a later ring)\n",
	       linux_kicks, port.stats.doorbells, port.stats.doorbells_deferred);

	/* remoteproc stop: shutdown on channel 3, acknowledged by clearing it. */
	fake_ipcc_linux_send(IPCC_CH_SHUTDOWN);
	settle();
	if (!halted || port.state != M4_STOPPED)
		fail("shutdown not handled (state %s)", m4_state_name(port.state));
	else if (fake_ipcc_to_m4() & IPCC_BIT(IPCC_CH_SHUTDOWN))
		fail("shutdown not acknowledged: Linux would wait 500 ms and warn");
	else if (fake_ipcc_reg(0x010) != 0)
		fail("IPCC interrupts still enabled after shutdown");
	else
		printf("m4-selftest: shutdown acknowledged, IPCC quiet\n");
	if (fake_ipcc_bad_accesses())
		fail("%u IPCC accesses to registers the M4 must not write",
		     fake_ipcc_bad_accesses());
	printf("m4-selftest: %" PRIu32 " replies checked, %" PRIu32 " bytes\n", total_replies,
	       (uint32_t)total_reply_bytes);
	finish();
}
