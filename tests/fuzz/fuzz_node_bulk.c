/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's "amplink-bulk" endpoint (firmware/sdk/bulk.c) against a module
 * that is honest or not, over a real driver/device pair.
 *
 * Every input starts from a running firmware with two clients connected
 * (one to a service of pieces, one to a service of whole messages). The
 * input is then a script: honest POOLs and SUBMITs (the host role of the
 * slot table acquires and hands over, as the module will), forged POOLs
 * and SUBMITs (any geometry, any descriptor, any peer and connection), raw
 * bytes, messages from an address that sent no POOL, new OPENs (with or
 * without AMP_OPEN_F_BULK), POSTs, the services' sends, and polls.
 *
 * What must hold: every piece a service gets lies inside the pool and is
 * readable; no slot stays the firmware's once a poll pass is over (each is
 * released when its callback returns); and while the module has been
 * honest since its last POOL, every RELEASE and FILLED it gets is accepted
 * by its table (or is of a generation it already left), so that the two
 * tables never disagree.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <amp/bulk_pool.h>
#include <firmware/crc32.h>
#include <firmware/firmware.h>
#include <rpmsg/rpmsg.h>
#include <rpmsg/rpmsg_driver.h>

#define NUM 8u
#define RING_BYTES 512u
#define SHM_SIZE (RING_BYTES + 2u * NUM * RP_BUF_SIZE)
#define BUS_BASE 0x10040000u
#define SLOT 4096u
#define SLOTS 6u
#define WINDOW_SLOTS 8u
#define POOL_BUS 0xc0000000u

enum op {
	OP_POOL,	 /* the next generation, honestly */
	OP_POOL_FORGED,	 /* any geometry */
	OP_SUBMIT,	 /* slots the host lends, honestly */
	OP_SUBMIT_FORGE, /* any descriptors */
	OP_RAW,		 /* any bytes */
	OP_STRANGER,	 /* an honest SUBMIT from another address */
	OP_REOPEN,	 /* a client opens again: a new connection id */
	OP_SETTLE,
	OP_POST, /* free slots lent to be filled, honestly */
	OP_SEND, /* a service sends: by reference when it can */
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

static uint8_t pool_mem[WINDOW_SLOTS * SLOT];
static const struct rp_mem_region window_region = {POOL_BUS, sizeof(pool_mem), pool_mem};
static const struct rp_mem window = {&window_region, 1};

static struct amp_bulk_pool host;
static struct amp_bulk_slot host_slots[SLOTS];
static bool forged; /* since the last honest POOL */
static bool ack_ok;
static uint32_t ack_generation;
static struct rp_endpoint host_ept, stranger, client[2];
static uint32_t client_seq[2];

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

static uint32_t next32(struct script *s)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++)
		v |= (uint32_t)next8(s) << (8 * i);
	return v;
}

/* Offsets and lengths: mostly near a slot's edges, sometimes anything. */
static uint32_t next_extent(struct script *s)
{
	static const uint32_t edges[] = {0, 1, 16, SLOT / 2u, SLOT - 1u, SLOT, SLOT + 1u};
	uint8_t sel = next8(s);

	if (sel < 7u * 32u)
		return edges[sel % 7u];
	return next32(s);
}

static void notify(struct rp_link *link, unsigned int queue)
{
	(void)link;
	check(queue < 2);
}

static const struct rp_ops ops = {.notify = notify};

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
	rings.event_idx = true;
	region.bus_addr = BUS_BASE;
	region.size = sizeof(shm);
	region.local = shm;
	mem.regions = &region;
	mem.count = 1;
}

/* No slot is the firmware's once a pass is over: released when read. */
static void settle(void)
{
	for (unsigned int round = 0; round < 16; round++) {
		int d = rp_poll(&dev.link, 0), r = rp_poll(&drv.link, 0);

		check(amp_node_poll(&fw.node) >= 0);
		if (d == 0 && r == 0)
			break;
	}
	check(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_REMOTE_READING) == 0);
}

/* Whether the message went (the rings may stay full of held messages). */
static bool send_to(const struct rp_endpoint *from, uint32_t dst, const void *msg, uint32_t len)
{
	for (unsigned int tries = 0; tries < 4; tries++) {
		int rc = rp_send(&drv.link, from->addr, dst, msg, len);

		if (rc != RP_EAGAIN)
			return rc == RP_OK;
		settle();
	}
	return false;
}

/* --- the module ------------------------------------------------------------ */

static int host_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct amp_bulk_received rx;
	struct amp_bulk_pool_ack ack;
	struct amp_bulk_hdr h = {0};

	(void)ept;
	(void)src;
	/* the firmware sends nothing malformed, whatever it was sent */
	check(amp_bulk_hdr_decode(data, len, &h) == AMP_BULK_OK);
	if (h.type == AMP_BULK_POOL_ACK) {
		check(amp_bulk_pool_ack_decode(data, &ack) == AMP_BULK_OK);
		ack_ok = ack.status == AMP_BULK_ACK_OK;
		ack_generation = ack.generation;
		return RP_OK;
	}
	check(h.type == AMP_BULK_RELEASE || h.type == AMP_BULK_FILLED);
	check(amp_bulk_receive_msg(&host, data, len, &rx) == AMP_BULK_OK);
	/* an honest module refuses only what crossed its next POOL: stale, or no pool yet */
	for (uint32_t i = 0; i < h.count && !forged; i++)
		check(rx.status[i] == AMP_BULK_OK || rx.status[i] == AMP_BULK_E_STALE ||
		      rx.status[i] == AMP_BULK_E_NOPOOL);
	/* the client reads what was filled at once, and the module has it back */
	for (uint32_t i = 0; i < h.count; i++)
		if (h.type == AMP_BULK_FILLED && rx.status[i] == AMP_BULK_OK)
			check(amp_bulk_done(&host, h.peer, rx.descs[i].slot, NULL) == AMP_BULK_OK);
	return RP_OK;
}

static void send_pool(const struct amp_bulk_pool_info *pi)
{
	uint8_t msg[AMP_BULK_HDR_SIZE + AMP_BULK_POOL_SIZE];
	struct amp_bulk_hdr h = {.type = AMP_BULK_POOL};

	amp_bulk_hdr_encode(msg, &h);
	amp_bulk_pool_info_encode(msg, pi);
	send_to(&host_ept, fw.node.bulk.ept.addr, msg, sizeof(msg));
}

static void pool_honest(void)
{
	struct amp_bulk_pool_info pi;
	uint32_t reclaimed;

	check(amp_bulk_host_new_generation(&host, &pi) == AMP_BULK_OK);
	ack_ok = false;
	send_pool(&pi);
	settle();
	if (ack_ok && ack_generation == pi.generation) {
		check(amp_bulk_host_acknowledged(&host, pi.generation, &reclaimed) == AMP_BULK_OK);
		forged = false;
	}
}

static void pool_forged(struct script *s)
{
	struct amp_bulk_pool_info pi = {.generation = next32(s),
					.base = POOL_BUS + (uint64_t)next_extent(s) -
						(next8(s) & 1u ? SLOT : 0u),
					.size = next_extent(s) * (next8(s) % 12u),
					.slot_size = next_extent(s),
					.slot_count = next8(s) % 80u};

	forged = true;
	send_pool(&pi);
}

static uint32_t pick_peer(struct script *s, unsigned int *which)
{
	*which = next8(s) & 1u;
	return client[*which].addr;
}

static uint32_t conn_id_of(uint32_t peer)
{
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++)
		if (fw.node.conns[i].used && fw.node.conns[i].addr == peer && fw.node.conns[i].svc)
			return fw.node.conns[i].id;
	return 0;
}

static void submit_honest(struct script *s, const struct rp_endpoint *from)
{
	uint8_t msg[AMP_BULK_MSG_MAX];
	unsigned int which;
	uint32_t peer = pick_peer(s, &which);
	struct amp_bulk_hdr h = {.type = AMP_BULK_SUBMIT,
				 .flags = next8(s) & AMP_BULK_F_ALL,
				 .peer = peer,
				 .conn_id = conn_id_of(peer),
				 .seq = next8(s) & 3u};
	uint32_t n = 1u + next8(s) % 4u, crc = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint32_t slot, off = next_extent(s) % SLOT, len = next_extent(s) % (SLOT - off);
		struct amp_bulk_desc d;

		if (len == 0)
			len = 1;
		if (amp_bulk_acquire(&host, peer, &slot) != AMP_BULK_OK)
			break;
		memset(pool_mem + (size_t)slot * SLOT + off, (int)next8(s), len);
		check(amp_bulk_hand_over(&host, peer, slot, off, len, &d) == AMP_BULK_OK);
		amp_bulk_desc_encode(msg, h.count++, &d);
		crc = fw_crc32_update(crc, pool_mem + (size_t)slot * SLOT + off, len);
	}
	if (h.count == 0)
		return;
	h.crc = h.flags & AMP_BULK_F_CRC ? crc : 0;
	/* slots lent that the firmware will never see come back only with a new pool */
	if (!send_to(from, fw.node.bulk.ept.addr, msg, amp_bulk_hdr_encode(msg, &h)) ||
	    from != &host_ept)
		forged = true;
}

static void submit_forged(struct script *s)
{
	uint8_t msg[AMP_BULK_MSG_MAX];
	unsigned int which;
	uint32_t peer = pick_peer(s, &which);
	struct amp_bulk_hdr h = {.type = (uint8_t)(AMP_BULK_SUBMIT + next8(s) % 4u),
				 .count = (uint8_t)(1u + next8(s) % AMP_BULK_DESC_MAX),
				 .flags = 0,
				 .peer = next8(s) & 1u ? peer : next32(s),
				 .conn_id = next8(s) & 1u ? conn_id_of(peer) : next32(s),
				 .seq = next8(s) & 3u};
	int gen_delta[] = {0, 0, 0, -1, 1};

	if (amp_bulk_type_is_message(h.type))
		h.flags = next8(s) & AMP_BULK_F_ALL;
	for (uint32_t i = 0; i < h.count; i++) {
		struct amp_bulk_desc d = {.slot = next8(s) % (SLOTS + 2u),
					  .offset = next_extent(s),
					  .length = next_extent(s),
					  .generation = host.info.generation +
							(uint32_t)gen_delta[next8(s) % 5u]};

		amp_bulk_desc_encode(msg, i, &d);
	}
	h.crc = next32(s);
	forged = true;
	send_to(&host_ept, fw.node.bulk.ept.addr, msg, amp_bulk_hdr_encode(msg, &h));
}

static void raw(struct script *s)
{
	uint8_t msg[AMP_BULK_MSG_MAX] = {0};
	uint32_t len = next8(s) * 2u;

	if (len > sizeof(msg))
		len = sizeof(msg);
	for (uint32_t i = 0; i < len; i++)
		msg[i] = next8(s);
	if (len >= 8 && next8(s) & 1u) {
		/* mostly past the magic and version checks */
		amp_bulk_put32(msg, AMP_BULK_MAGIC);
		msg[4] = AMP_BULK_VERSION;
	}
	forged = true;
	send_to(&host_ept, fw.node.bulk.ept.addr, msg, len);
}

/* --- the clients ------------------------------------------------------------ */

static void open_service(unsigned int which, uint32_t flags)
{
	static const char *const names[] = {"sink", "whole"};
	uint8_t frame[AMP_FRAME_HDR_SIZE + AMP_OPEN_FIXED_SIZE + 8];
	uint8_t *payload = frame + AMP_FRAME_HDR_SIZE;
	struct amp_open o = {8, flags};
	uint32_t n = (uint32_t)strlen(names[which]), len = AMP_OPEN_FIXED_SIZE + n;

	amp_open_encode(payload, &o);
	memcpy(payload + AMP_OPEN_FIXED_SIZE, names[which], n);
	amp_frame_encode(frame, AMP_FRAME_OPEN, ++client_seq[which], len,
			 fw_crc32_update(0, payload, len));
	send_to(&client[which], fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr, frame,
		AMP_FRAME_HDR_SIZE + len);
	settle();
}

static int client_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	(void)ept;
	(void)data;
	(void)len;
	(void)src;
	return RP_OK;
}

/* Every byte handed over is in the pool, and readable (the sanitizer watches). */
static void touch(const uint8_t *data, uint32_t len)
{
	const volatile uint8_t *p = data;
	uint8_t sum = 0;

	check(data >= pool_mem && len <= sizeof(pool_mem) &&
	      (size_t)(data - pool_mem) <= sizeof(pool_mem) - len);
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	(void)sum;
}

static void sink_piece(struct amp_conn *c, const struct amp_piece *p)
{
	(void)c;
	if (!p->last)
		touch(p->data, p->len);
}

static void whole_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	(void)c;
	(void)data;
	check(len <= 2u * SLOT);
}

static void gone(struct amp_conn *c)
{
	(void)c;
}

static const struct amp_service_ops sink_ops = {.piece = sink_piece, .gone = gone};
static const struct amp_service_ops whole_ops = {.message = whole_message, .gone = gone};

AMP_SERVICE_DEFINE(sink_svc, "sink", &sink_ops, NULL, 0, 2);
AMP_SERVICE_DEFINE(whole_svc, "whole", &whole_ops, NULL, 2u * SLOT, 2);

static void setup(void)
{
	const struct amp_bulk_pool_info pi = {.generation = 0x100,
					      .base = POOL_BUS,
					      .size = SLOTS * SLOT,
					      .slot_size = SLOT,
					      .slot_count = SLOTS};

	memset(shm, 0, sizeof(shm));
	layout();
	check(rp_driver_init(&drv, &rings, &mem, shm + RING_BYTES, NULL, &ops, NULL) == RP_OK);
	check(rp_device_init(&dev, &rings, &mem, true, &ops, NULL) == RP_OK);
	check(firmware_start(&fw, &dev, NULL) == RP_OK);
	check(amp_node_bulk_init(&fw.node, &window) == RP_OK);
	check(amp_service_register(&fw.node, &sink_svc) == AMP_OK);
	check(amp_service_register(&fw.node, &whole_svc) == AMP_OK);
	rp_link_up(&dev);
	check(amp_bulk_host_init(&host, host_slots, SLOTS, &pi) == AMP_BULK_OK);
	check(rp_endpoint_create(&drv.link, &host_ept, NULL, RP_ADDR_ANY, host_cb, NULL) == RP_OK);
	check(rp_endpoint_create(&drv.link, &stranger, NULL, RP_ADDR_ANY, host_cb, NULL) == RP_OK);
	for (unsigned int i = 0; i < 2; i++) {
		check(rp_endpoint_create(&drv.link, &client[i], NULL, RP_ADDR_ANY, client_cb,
					 NULL) == RP_OK);
		client_seq[i] = 0;
	}
	forged = false;
	settle();
	open_service(0, AMP_OPEN_F_BULK);
	open_service(1, 0);
}

static void post(struct script *s)
{
	uint8_t msg[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = AMP_BULK_POST};
	uint32_t n = 1u + next8(s) % SLOTS;

	for (uint32_t i = 0; i < n; i++) {
		struct amp_bulk_desc d;

		if (amp_bulk_host_post(&host, &d) != AMP_BULK_OK)
			break;
		amp_bulk_desc_encode(msg, h.count++, &d);
	}
	if (h.count &&
	    !send_to(&host_ept, fw.node.bulk.ept.addr, msg, amp_bulk_hdr_encode(msg, &h)))
		forged = true; /* lent slots the firmware never heard of */
}

/* Left untouched while a send is pending, as amp_send() asks. */
static uint8_t out_data[4u * SLOT];

static void service_send(struct script *s)
{
	unsigned int which;
	uint32_t peer = pick_peer(s, &which), len = next_extent(s) * (next8(s) % 5u);

	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &fw.node.conns[i];

		if (c->used && c->addr == peer && c->svc)
			(void)amp_send(c, out_data, len % sizeof(out_data));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct script s = {.p = data, .left = size};

	setup();
	if (next8(&s) & 1u)
		pool_honest();
	while (s.left > 0) {
		switch (next8(&s) % OP_COUNT) {
		case OP_POOL:
			pool_honest();
			break;
		case OP_POOL_FORGED:
			pool_forged(&s);
			break;
		case OP_SUBMIT:
			submit_honest(&s, &host_ept);
			break;
		case OP_SUBMIT_FORGE:
			submit_forged(&s);
			break;
		case OP_RAW:
			raw(&s);
			break;
		case OP_STRANGER:
			submit_honest(&s, &stranger);
			break;
		case OP_REOPEN: {
			unsigned int which = next8(&s) & 1u;

			open_service(which, next8(&s) & 1u ? AMP_OPEN_F_BULK : 0);
			break;
		}
		case OP_POST:
			post(&s);
			break;
		case OP_SEND:
			service_send(&s);
			break;
		default:
			settle();
			break;
		}
	}
	settle();
	if (!forged)
		/* an honest module's submitted slots all came back */
		check(amp_bulk_pool_count(&host, AMP_BULK_SLOT_REMOTE_READING) == 0);
	return 0;
}
