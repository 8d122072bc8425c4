/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The device role (the firmware) against a hostile driver.
 *
 * Every input starts from a valid link: rings laid out by a driver, the echo
 * services started, the link up. The input is then a script of what the
 * driver writes into shared memory (descriptors, ring entries, message
 * headers and payloads, raw index jumps, raw bytes), interleaved with the
 * device's own rp_poll() and rp_send() calls. A script rather than a raw
 * memory image, so that most inputs get past the ring checks to message
 * delivery instead of breaking the queue at the first byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <firmware/firmware.h>
#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#define NUM 8u
#define RING_BYTES 512u
#define SHM_SIZE (RING_BYTES + 2u * NUM * RP_BUF_SIZE)
#define BUS_BASE 0x10040000u
#define TX_Q RP_QUEUE_TO_DRIVER
#define RX_Q RP_QUEUE_TO_DEVICE

enum op {
	OP_MESSAGE,   /* a message for the device on queue 1 */
	OP_RX_BUFFER, /* a buffer for the device's replies on queue 0 */
	OP_AVAIL_IDX, /* any avail->idx */
	OP_POKE,      /* any bytes anywhere in shared memory */
	OP_POLL,
	OP_SEND,
	OP_FLAGS,    /* avail->flags and used_event */
	OP_ENDPOINT, /* an extra endpoint comes or goes */
	OP_COUNT,
};

struct script {
	const uint8_t *p;
	size_t left;
};

static uint8_t shm[SHM_SIZE] __attribute__((aligned(64)));
static struct rp_mem_region region;
static struct rp_mem mem;
static struct rp_rings rings;
static struct rp_driver drv;
static struct rp_device dev;
static struct firmware fw;
static struct rp_endpoint extra;
static bool extra_live;
static unsigned int extra_calls;
static uint16_t avail_idx[2];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static uint8_t next8(struct script *s)
{
	if (s->left == 0)
		return 0;
	s->left--;
	return *s->p++;
}

static uint16_t next16(struct script *s)
{
	uint16_t lo = next8(s);

	return (uint16_t)(lo | (uint16_t)next8(s) << 8);
}

static uint32_t next32(struct script *s)
{
	uint32_t lo = next16(s);

	return lo | (uint32_t)next16(s) << 16;
}

static uint64_t next64(struct script *s)
{
	uint64_t lo = next32(s);

	return lo | (uint64_t)next32(s) << 32;
}

/* Copies up to n script bytes to dst; the rest of dst is left as it was. */
static void next_bytes(struct script *s, uint8_t *dst, size_t n)
{
	size_t k = n < s->left ? n : s->left;

	memcpy(dst, s->p, k);
	s->p += k;
	s->left -= k;
}

static void notify(struct rp_link *link, unsigned int queue)
{
	(void)link;
	check(queue < 2);
}

static const struct rp_ops ops = {
	.notify = notify,
};

static void layout(void)
{
	size_t off = 0;

	for (unsigned int q = 0; q < 2; q++) {
		off = (off + 15u) & ~(size_t)15u;
		rings.desc[q] = shm + off;
		off += rp_vring_desc_size(NUM);
		rings.avail[q] = shm + off;
		off = (off + rp_vring_avail_size(NUM) + 3u) & ~(size_t)3u;
		rings.used[q] = shm + off;
		off += rp_vring_used_size(NUM);
	}
	check(off <= RING_BYTES);
	rings.num = NUM;
	region.bus_addr = BUS_BASE;
	region.size = sizeof(shm);
	region.local = shm;
	mem.regions = &region;
	mem.count = 1;
}

static int extra_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	const volatile uint8_t *p = data;
	uint8_t sum = 0;

	(void)ept;
	(void)src;
	check(p >= shm && len <= sizeof(shm) && (const uint8_t *)data + len <= shm + sizeof(shm));
	/* Touch every byte, so the sanitizer sees the whole range handed out. */
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	(void)sum;
	return ++extra_calls % 3u == 0 ? RP_EAGAIN : RP_OK;
}

/* The valid starting point every input is applied to. */
static void setup(bool event_idx)
{
	memset(shm, 0, sizeof(shm));
	layout();
	rings.event_idx = event_idx;
	check(rp_driver_init(&drv, &rings, &mem, shm + RING_BYTES, NULL, &ops, NULL) == RP_OK);
	check(rp_device_init(&dev, &rings, &mem, true, &ops, NULL) == RP_OK);
	check(firmware_start(&fw, &dev, NULL) == RP_OK);
	rp_link_up(&dev);
	extra_live = false;
	extra_calls = 0;
	for (unsigned int q = 0; q < 2; q++)
		avail_idx[q] = ((struct rp_vring_avail *)rings.avail[q])->idx;
}

static uint32_t pick_dst(struct script *s)
{
	uint8_t sel = next8(s);

	if (sel < 64)
		return fw.echo.ept.addr;
	if (sel < 112)
		return fw.node.hubs[AMP_HUB_INDEX_RAW].addr;
	if (sel < 128)
		return extra.addr;
	if (sel < 144)
		return RP_NS_ADDR;
	return next32(s);
}

/* Writes header and payload into the buffer at off, if the whole message fits. */
static void write_message(struct script *s, size_t off, uint32_t plen)
{
	struct rp_hdr h;
	uint8_t shape = next8(s);

	h.src = next32(s);
	h.dst = pick_dst(s);
	h.reserved = 0;
	h.len = (shape & 1u) ? next16(s) : (uint16_t)plen;
	h.flags = 0;
	if (off + RP_HDR_SIZE + plen > sizeof(shm))
		return;
	memcpy(shm + off, &h, sizeof(h));
	next_bytes(s, shm + off + RP_HDR_SIZE, plen);
}

/* Descriptor plus avail entry, with a valid default for each field. */
static void offer(struct script *s, unsigned int q, bool writable)
{
	uint8_t shape = next8(s);
	uint16_t head = (shape & 0x80u) ? next16(s) : next8(s) % NUM;
	size_t off = RING_BYTES + (size_t)(next8(s) % (2u * NUM)) * RP_BUF_SIZE + (shape & 0x0fu);
	uint64_t addr = (shape & 0x40u) ? next64(s) : BUS_BASE + off;
	uint32_t plen = next16(s) % (RP_MTU + 32u);
	uint32_t len = (shape & 0x20u) ? next32(s) : (q == RX_Q ? RP_HDR_SIZE + plen : RP_BUF_SIZE);
	uint16_t flags = (shape & 0x10u) ? next8(s) : (writable ? RP_VRING_DESC_F_WRITE : 0u);
	struct rp_vring_desc *d = (struct rp_vring_desc *)rings.desc[q] + (head % NUM);
	struct rp_vring_avail *a = rings.avail[q];

	if (q == RX_Q)
		write_message(s, off, plen);
	if (head < NUM) {
		d->addr = addr;
		d->len = len;
		d->flags = flags;
		d->next = 0;
	}
	a->ring[avail_idx[q] % NUM] = head;
	a->idx = ++avail_idx[q];
}

static void poke(struct script *s)
{
	size_t off = next16(s) % sizeof(shm);
	size_t n = next8(s) % 64u;

	next_bytes(s, shm + off, n < sizeof(shm) - off ? n : sizeof(shm) - off);
}

static void set_flags(struct script *s)
{
	unsigned int q = next8(s) & 1u;
	struct rp_vring_avail *a = rings.avail[q];

	a->flags = next16(s);
	a->ring[NUM] = next16(s);
}

static void toggle_endpoint(struct script *s)
{
	if (extra_live) {
		rp_endpoint_destroy(&extra);
		extra_live = false;
		return;
	}
	extra_live = rp_endpoint_create(&dev.link, &extra, (next8(s) & 1u) ? "fuzz" : NULL,
					RP_ADDR_ANY, extra_cb, NULL) == RP_OK;
	check(extra_live);
}

static void echo_send(struct script *s)
{
	static uint8_t payload[RP_MTU + 8u];
	uint32_t dst = next32(s);
	uint32_t len = next16(s) % sizeof(payload);
	int rc = rp_send(&dev.link, fw.echo.ept.addr, dst, payload, len);

	check(rc == RP_OK || rc == RP_EAGAIN || rc == RP_EMSGSIZE || rc == RP_EINVAL ||
	      rc == RP_EBADMSG || rc == RP_EFAULT || rc == RP_EBROKEN);
	check(len <= RP_MTU || rc == RP_EMSGSIZE || dst == RP_ADDR_ANY);
}

/*
 * What the device did must add up, however the driver behaved. A poll
 * without a budget is the firmware's own (timers, pending sends, credits).
 */
static void device_poll(unsigned int budget)
{
	int rc = budget ? rp_poll(&dev.link, budget) : firmware_poll(&fw);
	const struct rp_vq *rx = &dev.link.to_device;
	const struct rp_vq *tx = &dev.link.to_driver;

	check(rc >= 0 || rc == RP_EBADMSG || rc == RP_EFAULT || rc == RP_EBROKEN);
	check(budget == 0 || rc <= (int)budget);
	check(rx->used_shadow == (uint16_t)rx->stats.buffers);
	/* every transmit buffer taken is given back, lent out, or kept spare */
	check(tx->broken ||
	      tx->used_shadow == (uint16_t)(tx->stats.buffers - dev.tx_spare_count - dev.tx_out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = {.p = data, .left = size};

	setup(next8(&s) & 1u);
	while (s.left > 0) {
		switch (next8(&s) % OP_COUNT) {
		case OP_MESSAGE:
			offer(&s, RX_Q, false);
			break;
		case OP_RX_BUFFER:
			offer(&s, TX_Q, true);
			break;
		case OP_AVAIL_IDX: {
			unsigned int q = next8(&s) & 1u;

			avail_idx[q] = next16(&s);
			((struct rp_vring_avail *)rings.avail[q])->idx = avail_idx[q];
			break;
		}
		case OP_POKE:
			poke(&s);
			break;
		case OP_POLL:
			device_poll(next8(&s) % 4u);
			break;
		case OP_SEND:
			echo_send(&s);
			break;
		case OP_FLAGS:
			set_flags(&s);
			break;
		default:
			toggle_endpoint(&s);
			break;
		}
	}
	for (unsigned int i = 0; i < 3; i++)
		device_poll(0);
	return 0;
}
