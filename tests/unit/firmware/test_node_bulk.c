/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The node's bulk path (amp/node_bulk.h) over a real driver/device pair:
 * the test plays the module, with the host role of the same slot table
 * (amp/bulk_pool.h) on an "amplink-bulk" endpoint of the driver, and a
 * client that opens services with frames. Checked: POOL answered with the
 * right POOL_ACK; SUBMITs delivered to the service byte-exact, in place,
 * and every slot RELEASEd; forged and stale descriptors refused, counted,
 * and nothing of them delivered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>
#include <zlib.h>

#include <amp/bulk_pool.h>
#include <amp/node.h>
#include <firmware/firmware.h>

#include "ring_fixture.h"

#define NUM 16u
#define SLOT 4096u
#define SLOTS 8u
/* Room for a pool of more slots than the firmware takes (TOO_MANY). */
#define WINDOW_SLOTS (AMP_BULK_SLOTS + 2u)
#define POOL_BUS 0xc0000000u

static uint32_t zcrc(uint32_t crc, const void *data, uint32_t len)
{
	return (uint32_t)crc32(crc, data, len);
}

static struct fx_link L;
static struct firmware fw;

/* the pool, and the port's window onto it */
static uint8_t pool_mem[WINDOW_SLOTS * SLOT];
static const struct rp_mem_region window_region = {POOL_BUS, sizeof(pool_mem), pool_mem};
static const struct rp_mem window = {&window_region, 1};

/* --- the module: the host's table on a driver endpoint ------------------- */

struct host {
	struct rp_endpoint ept, stranger;
	struct amp_bulk_pool table;
	struct amp_bulk_slot slots[SLOTS];
	unsigned int acks;
	struct amp_bulk_pool_ack ack;
	unsigned int filled;	   /* FILLED messages */
	unsigned int filled_descs; /* descriptors in them */
	unsigned int filled_msgs;  /* whole messages by reference */
	uint8_t filled_bytes[16u * SLOT];
	uint32_t filled_len;
	unsigned int releases;	    /* RELEASE messages */
	unsigned int released;	    /* descriptors in them */
	unsigned int release_bytes; /* ... and their lengths, which are 0 */
};

static struct host H;

static int host_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct amp_bulk_received rx;
	struct amp_bulk_hdr h = {0};

	(void)ept;
	(void)src;
	assert_int_equal(amp_bulk_hdr_decode(data, len, &h), AMP_BULK_OK);
	if (h.type == AMP_BULK_POOL_ACK) {
		assert_int_equal(amp_bulk_pool_ack_decode(data, &H.ack), AMP_BULK_OK);
		H.acks++;
		return RP_OK;
	}
	if (h.type == AMP_BULK_FILLED) {
		uint32_t crc = 0;

		/* what the module will check: posted slots, in range, this generation */
		assert_int_equal(amp_bulk_receive_msg(&H.table, data, len, &rx), AMP_BULK_OK);
		assert_int_equal(rx.accepted, h.count);
		assert_true(h.flags & AMP_BULK_F_CRC);
		for (uint32_t i = 0; i < h.count; i++) {
			const uint8_t *p = pool_mem + (size_t)rx.descs[i].slot * SLOT;

			assert_int_equal(rx.descs[i].offset, 0);
			assert_true(H.filled_len + rx.descs[i].length <= sizeof(H.filled_bytes));
			memcpy(H.filled_bytes + H.filled_len, p, rx.descs[i].length);
			H.filled_len += rx.descs[i].length;
			crc = zcrc(crc, p, rx.descs[i].length);
		}
		assert_int_equal(crc, h.crc);
		H.filled++;
		H.filled_descs += h.count;
		if (!(h.flags & AMP_BULK_F_MORE))
			H.filled_msgs++;
		return RP_OK;
	}
	assert_int_equal(h.type, AMP_BULK_RELEASE);
	assert_int_equal(amp_bulk_receive_msg(&H.table, data, len, &rx), AMP_BULK_OK);
	/* the firmware gives back only what it was given */
	assert_int_equal(rx.accepted, h.count);
	H.releases++;
	H.released += h.count;
	for (uint32_t i = 0; i < h.count; i++)
		H.release_bytes += rx.descs[i].length;
	return RP_OK;
}

static uint32_t fw_bulk_addr(void)
{
	return fw.node.bulk.ept.addr;
}

static void settle(void)
{
	for (unsigned int i = 0; i < 8; i++) {
		fx_link_settle(&L);
		assert_true(amp_node_poll(&fw.node) >= 0);
	}
	fx_link_settle(&L);
}

static void host_send_from(struct rp_endpoint *ept, const uint8_t *msg, uint32_t len)
{
	assert_int_equal(rp_send(&L.drv.link, ept->addr, fw_bulk_addr(), msg, len), RP_OK);
	settle();
}

/* A POOL with this body, raw (the test may announce what no module would). */
static void send_pool(const struct amp_bulk_pool_info *pi)
{
	uint8_t msg[AMP_BULK_HDR_SIZE + AMP_BULK_POOL_SIZE];
	struct amp_bulk_hdr h = {.type = AMP_BULK_POOL};

	assert_int_equal(amp_bulk_hdr_encode(msg, &h), sizeof(msg));
	amp_bulk_pool_info_encode(msg, pi);
	host_send_from(&H.ept, msg, sizeof(msg));
}

/* A bring-up: the next generation announced, acknowledged, taken back. */
static uint32_t bring_up(void)
{
	struct amp_bulk_pool_info pi;
	unsigned int acks = H.acks;
	uint32_t reclaimed;

	assert_int_equal(amp_bulk_host_new_generation(&H.table, &pi), AMP_BULK_OK);
	send_pool(&pi);
	assert_int_equal(H.acks, acks + 1);
	assert_int_equal(H.ack.generation, pi.generation);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_OK);
	assert_int_equal(amp_bulk_host_acknowledged(&H.table, pi.generation, &reclaimed),
			 AMP_BULK_OK);
	return pi.generation;
}

struct part {
	uint32_t offset, length;
};

/*
 * Encodes a SUBMIT of n slots the host acquires, fills with a pattern from
 * seed and hands over; expect gets the bytes in order.
 */
static uint32_t make_submit(uint8_t *msg, uint32_t peer, uint32_t conn_id, uint32_t seq,
			    uint8_t flags, const struct part *parts, uint32_t n, uint32_t seed,
			    uint8_t *expect, uint32_t *expect_len)
{
	struct amp_bulk_hdr h = {.type = AMP_BULK_SUBMIT,
				 .count = (uint8_t)n,
				 .flags = flags,
				 .peer = peer,
				 .conn_id = conn_id,
				 .seq = seq};
	uint32_t crc = 0, len;

	for (uint32_t i = 0; i < n; i++) {
		struct amp_bulk_desc d;
		uint32_t slot;
		uint8_t *bytes;

		assert_int_equal(amp_bulk_acquire(&H.table, peer, &slot), AMP_BULK_OK);
		bytes = pool_mem + (size_t)slot * SLOT + parts[i].offset;
		fx_pattern(bytes, parts[i].length, seed + i);
		assert_int_equal(amp_bulk_hand_over(&H.table, peer, slot, parts[i].offset,
						    parts[i].length, &d),
				 AMP_BULK_OK);
		amp_bulk_desc_encode(msg, i, &d);
		crc = zcrc(crc, bytes, parts[i].length);
		memcpy(expect + *expect_len, bytes, parts[i].length);
		*expect_len += parts[i].length;
	}
	h.crc = flags & AMP_BULK_F_CRC ? crc : 0;
	len = amp_bulk_hdr_encode(msg, &h);
	assert_true(len > 0);
	return len;
}

/* --- a client of the node's services (frames, on the netlink hub) ------- */

struct client {
	struct rp_endpoint ept;
	uint32_t seq;
};

static struct client A, B;

/* OPENED is not looked at (the test looks at the node); ERROR and CREDIT are kept. */
static uint32_t last_error, last_error_seq, credit_back;

static int client_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	const uint8_t *p = data;
	struct amp_frame_hdr h;

	(void)ept;
	(void)src;
	/* the node's replies come one frame to a message here */
	if (len >= AMP_FRAME_HDR_SIZE + AMP_ERROR_SIZE &&
	    amp_frame_decode(p, &h) == AMP_STATUS_OK && h.type == AMP_FRAME_ERROR) {
		last_error = amp_get32(p + AMP_FRAME_HDR_SIZE);
		last_error_seq = h.seq;
	}
	if (len >= AMP_FRAME_HDR_SIZE + 4 && amp_frame_decode(p, &h) == AMP_STATUS_OK &&
	    h.type == AMP_FRAME_CREDIT)
		credit_back += amp_get32(p + AMP_FRAME_HDR_SIZE);
	return RP_OK;
}

static void open_flags(struct client *cl, const char *name, uint32_t flags, uint32_t credit)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE + AMP_OPEN_FIXED_SIZE + 16];
	uint8_t *payload = frame + AMP_FRAME_HDR_SIZE;
	struct amp_open o = {credit, flags};
	uint32_t n = (uint32_t)strlen(name), len = AMP_OPEN_FIXED_SIZE + n;

	amp_open_encode(payload, &o);
	memcpy(payload + AMP_OPEN_FIXED_SIZE, name, n);
	amp_frame_encode(frame, AMP_FRAME_OPEN, ++cl->seq, len, zcrc(0, payload, len));
	assert_int_equal(rp_send(&L.drv.link, cl->ept.addr,
				 fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr, frame,
				 AMP_FRAME_HDR_SIZE + len),
			 RP_OK);
	settle();
}

static void open_service(struct client *cl, const char *name)
{
	open_flags(cl, name, 0, 8);
}

static void send_credit(struct client *cl, uint32_t more)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE + 4];

	amp_put32(frame + AMP_FRAME_HDR_SIZE, more);
	amp_frame_encode(frame, AMP_FRAME_CREDIT, 0, 4, zcrc(0, frame + AMP_FRAME_HDR_SIZE, 4));
	assert_int_equal(rp_send(&L.drv.link, cl->ept.addr,
				 fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr, frame, sizeof(frame)),
			 RP_OK);
	settle();
}

/* The module lends n free slots to be filled (POST). */
static void post(uint32_t n)
{
	uint8_t msg[AMP_BULK_MSG_MAX];
	struct amp_bulk_hdr h = {.type = AMP_BULK_POST, .count = (uint8_t)n};

	for (uint32_t i = 0; i < n; i++) {
		struct amp_bulk_desc d;

		assert_int_equal(amp_bulk_host_post(&H.table, &d), AMP_BULK_OK);
		amp_bulk_desc_encode(msg, i, &d);
	}
	host_send_from(&H.ept, msg, amp_bulk_hdr_encode(msg, &h));
}

/* The client read what came by reference; the module has the slots back. */
static void client_read_all(uint32_t peer)
{
	for (uint32_t i = 0; i < SLOTS; i++)
		if (amp_bulk_pool_slot(&H.table, i)->state == AMP_BULK_SLOT_HOST_READING)
			assert_int_equal(amp_bulk_done(&H.table, peer, i, NULL), AMP_BULK_OK);
}

static struct amp_conn *conn_of(const struct client *cl)
{
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++)
		if (fw.node.conns[i].used && fw.node.conns[i].addr == cl->ept.addr &&
		    fw.node.conns[i].svc)
			return &fw.node.conns[i];
	fail_msg("no connection for 0x%x", cl->ept.addr);
	return NULL;
}

/* --- the firmware's services ---------------------------------------------- */

#define GOT_MAX (SLOTS * SLOT)

struct got {
	uint8_t bytes[GOT_MAX];
	uint32_t len;
	uint32_t crc;
	unsigned int pieces, messages, bad;
	bool outside_pool; /* a piece that was not in the pool: a copy */
};

static struct got got;

static void sink_piece(struct amp_conn *c, const struct amp_piece *p)
{
	(void)c;
	if (p->last) {
		assert_int_equal(p->offset, got.len);
		if (p->bad) {
			got.bad++;
			return;
		}
		got.messages++;
		assert_int_equal(p->crc, zcrc(0, got.bytes, got.len));
		got.crc = p->crc;
		return;
	}
	assert_int_equal(p->offset, got.len);
	assert_true(got.len + p->len <= GOT_MAX);
	if (p->data < pool_mem || p->data + p->len > pool_mem + sizeof(pool_mem))
		got.outside_pool = true;
	memcpy(got.bytes + got.len, p->data, p->len);
	got.len += p->len;
	got.pieces++;
}

static void whole_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	(void)c;
	assert_true(len <= GOT_MAX);
	memcpy(got.bytes, data, len);
	got.len = len;
	got.messages++;
}

static void no_gone(struct amp_conn *c)
{
	(void)c;
}

static const struct amp_service_ops sink_ops = {.piece = sink_piece, .gone = no_gone};
static const struct amp_service_ops whole_ops = {.message = whole_message, .gone = no_gone};

AMP_SERVICE_DEFINE(sink_svc, "sink", &sink_ops, NULL, 0, 2);
AMP_SERVICE_DEFINE(whole_svc, "whole", &whole_ops, NULL, 3u * SLOT, 2);

static int setup(void **state)
{
	const struct amp_bulk_pool_info pi = {.generation = 0x7000,
					      .base = POOL_BUS,
					      .size = SLOTS * SLOT,
					      .slot_size = SLOT,
					      .slot_count = SLOTS};

	(void)state;
	memset(&H, 0, sizeof(H));
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	memset(&got, 0, sizeof(got));
	memset(pool_mem, 0, sizeof(pool_mem));
	last_error = last_error_seq = credit_back = 0;
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(firmware_start(&fw, &L.dev, NULL), RP_OK);
	assert_int_equal(amp_node_bulk_init(&fw.node, &window), RP_OK);
	assert_int_equal(amp_service_register(&fw.node, &sink_svc), AMP_OK);
	assert_int_equal(amp_service_register(&fw.node, &whole_svc), AMP_OK);
	rp_link_up(&L.dev);
	assert_int_equal(amp_bulk_host_init(&H.table, H.slots, SLOTS, &pi), AMP_BULK_OK);
	assert_int_equal(rp_endpoint_create(&L.drv.link, &H.ept, NULL, RP_ADDR_ANY, host_cb, &H),
			 RP_OK);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &H.stranger, NULL, RP_ADDR_ANY, host_cb, &H),
		RP_OK);
	assert_int_equal(rp_endpoint_create(&L.drv.link, &A.ept, NULL, RP_ADDR_ANY, client_cb, &A),
			 RP_OK);
	assert_int_equal(rp_endpoint_create(&L.drv.link, &B.ept, NULL, RP_ADDR_ANY, client_cb, &B),
			 RP_OK);
	settle();
	return 0;
}

/* --- tests ------------------------------------------------------------- */

static void test_announced(void **state)
{
	bool found = false;

	(void)state;
	for (unsigned int i = 0; i < L.ns_count; i++)
		if (strcmp(L.ns[i].name, AMP_BULK_SERVICE) == 0 && L.ns[i].created &&
		    L.ns[i].addr == fw_bulk_addr())
			found = true;
	assert_true(found);
}

static void test_pool_ack(void **state)
{
	struct amp_bulk_pool_info pi = {.generation = 9,
					.base = POOL_BUS,
					.size = SLOTS * SLOT,
					.slot_size = SLOT,
					.slot_count = SLOTS};
	const struct amp_node_bulk *b = &fw.node.bulk;

	(void)state;
	bring_up();
	assert_true(b->pool.ready);
	assert_int_equal(b->pool.info.slot_count, SLOTS);
	assert_int_equal(b->stats.pools_taken, 1);

	/* a slot size no module announces: refused, and no pool any more */
	pi.slot_size = 1000;
	send_pool(&pi);
	assert_int_equal(H.ack.generation, 9);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_GEOMETRY);
	assert_false(b->pool.ready);

	/* one page past the window, or below it */
	pi.slot_size = SLOT;
	pi.base = POOL_BUS + sizeof(pool_mem) - (SLOTS - 1u) * SLOT;
	send_pool(&pi);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_UNREACHABLE);
	pi.base = POOL_BUS - SLOT;
	send_pool(&pi);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_UNREACHABLE);
	/* the whole size counts, not only the slots */
	pi.base = POOL_BUS;
	pi.size = sizeof(pool_mem) + SLOT;
	send_pool(&pi);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_UNREACHABLE);

	/* inside the window, more slots than the table */
	pi.size = sizeof(pool_mem);
	pi.slot_count = AMP_BULK_SLOTS + 1u;
	send_pool(&pi);
	assert_int_equal(H.ack.status, AMP_BULK_ACK_TOO_MANY);
	assert_false(b->pool.ready);
	assert_int_equal(b->stats.pools_refused, 5);

	/* and the module's next generation is taken again */
	bring_up();
	assert_true(b->pool.ready);
	assert_int_equal(b->stats.pools_taken, 2);
	assert_int_equal(H.acks, 7);
}

static void test_submit_pieces(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part parts[] = {{0, SLOT}, {50, 100}, {SLOT - 3000u, 3000}};
	uint32_t expect_len = 0, len;
	struct amp_conn *c;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	c = conn_of(&A);
	len = make_submit(msg, A.ept.addr, amp_conn_id(c), 1, AMP_BULK_F_CRC, parts, 3, 11, expect,
			  &expect_len);
	host_send_from(&H.ept, msg, len);

	/* byte-exact, in order, in place, one message with its CRC */
	assert_int_equal(got.pieces, 3);
	assert_int_equal(got.messages, 1);
	assert_int_equal(got.bad, 0);
	assert_int_equal(got.len, expect_len);
	assert_memory_equal(got.bytes, expect, expect_len);
	assert_false(got.outside_pool);
	assert_int_equal(got.crc, zcrc(0, expect, expect_len));

	/* every slot back in one RELEASE, the host's again */
	assert_int_equal(H.releases, 1);
	assert_int_equal(H.released, 3);
	assert_int_equal(H.release_bytes, 0);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_REMOTE_READING), 0);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(fw.node.bulk.pool.counters.accepted, 3);
	assert_int_equal(fw.node.bulk.pool.counters.refused, 0);
	assert_int_equal(fw.node.bulk.stats.msgs_in, 1);
	assert_int_equal(fw.node.bulk.stats.slots_released, 3);
}

static void test_submit_parts_and_whole(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part first[] = {{0, SLOT}, {0, SLOT}};
	const struct part rest[] = {{8, 1000}};
	uint32_t expect_len = 0, len;
	struct amp_conn *c;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	c = conn_of(&A);
	len = make_submit(msg, A.ept.addr, amp_conn_id(c), 5, AMP_BULK_F_MORE | AMP_BULK_F_CRC,
			  first, 2, 1, expect, &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.pieces, 2);
	assert_int_equal(got.messages, 0);
	assert_int_equal(H.released, 2); /* each part's slots come back as soon as read */
	len = make_submit(msg, A.ept.addr, amp_conn_id(c), 5, 0, rest, 1, 3, expect, &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.messages, 1);
	assert_int_equal(got.len, expect_len);
	assert_memory_equal(got.bytes, expect, expect_len);
	assert_int_equal(H.released, 3);

	/* a service of whole messages gets a copy in its buffer */
	memset(&got, 0, sizeof(got));
	expect_len = 0;
	open_service(&B, "whole");
	c = conn_of(&B);
	len = make_submit(msg, B.ept.addr, amp_conn_id(c), 1, AMP_BULK_F_CRC, first, 2, 7, expect,
			  &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.messages, 1);
	assert_int_equal(got.len, 2u * SLOT);
	assert_memory_equal(got.bytes, expect, expect_len);
	assert_int_equal(H.released, 5);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS);
}

/* A SUBMIT of these descriptors, as a forger writes it. */
static uint32_t forge(uint8_t *msg, uint32_t peer, uint32_t conn_id, const struct amp_bulk_desc *d,
		      uint32_t n)
{
	struct amp_bulk_hdr h = {.type = AMP_BULK_SUBMIT,
				 .count = (uint8_t)n,
				 .peer = peer,
				 .conn_id = conn_id,
				 .seq = 1};

	for (uint32_t i = 0; i < n; i++)
		amp_bulk_desc_encode(msg, i, &d[i]);
	return amp_bulk_hdr_encode(msg, &h);
}

static void test_forged_refused(void **state)
{
	static uint8_t msg[AMP_BULK_MSG_MAX];
	const struct amp_bulk_counters *k = &fw.node.bulk.pool.counters;
	uint32_t gen, id;

	(void)state;
	gen = bring_up();
	open_service(&A, "sink");
	id = amp_conn_id(conn_of(&A));
	{
		struct amp_bulk_desc good;
		uint32_t slot;

		/* one good descriptor among forgeries: its slot comes back, unread */
		assert_int_equal(amp_bulk_acquire(&H.table, A.ept.addr, &slot), AMP_BULK_OK);
		assert_int_equal(amp_bulk_hand_over(&H.table, A.ept.addr, slot, 0, 16, &good),
				 AMP_BULK_OK);
		assert_int_equal(slot, 0);

		const struct amp_bulk_desc d[] = {
			good,
			{SLOTS, 0, 16, gen},	     /* beyond the pool */
			{1, SLOT - 8u, 16, gen},     /* past the slot's end */
			{2, 0, 0, gen},		     /* empty */
			{3, 0xfffffff0u, 0x20, gen}, /* offset + length wraps */
			{0, 0, 16, gen},	     /* the good one again: a duplicate */
			{4, 0, 16, gen + 1u},	     /* a generation to come */
			{5, 0, 16, 0},		     /* no generation at all */
		};

		host_send_from(&H.ept, msg, forge(msg, A.ept.addr, id, d, 8));
	}
	assert_int_equal(got.pieces, 0);
	assert_int_equal(got.messages, 0);
	assert_int_equal(got.bad, 1); /* told the message is lost, given none of it */
	assert_int_equal(k->accepted, 1);
	assert_int_equal(k->bad_slot, 1);
	assert_int_equal(k->bad_range, 3);
	assert_int_equal(k->duplicate, 1);
	assert_int_equal(k->stale, 2);
	assert_int_equal(k->refused, 7);
	assert_int_equal(fw.node.bulk.stats.refused_msgs, 1);
	/* the client hears that its message is lost, and has its credit back */
	assert_int_equal(last_error, AMP_STATUS_BAD_SLOTS);
	assert_int_equal(last_error_seq, 1);
	assert_int_equal(conn_of(&A)->rx_credit + conn_of(&A)->credit_owed, AMP_PIECE_WINDOW);
	/* the good slot went back, and the host took it */
	assert_int_equal(fw.node.bulk.stats.slots_released, 1);
	assert_int_equal(H.released, 1);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS);
	assert_int_equal(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_HOST), SLOTS);

	/* a header that fails its checks is dropped whole */
	msg[4] = 99;
	host_send_from(&H.ept, msg, AMP_BULK_HDR_SIZE + 8u * AMP_BULK_DESC_SIZE);
	assert_int_equal(fw.node.bulk.stats.bad_msgs, 1);
	/* RELEASE is the firmware's to send: each descriptor refused as a wrong type */
	{
		const struct amp_bulk_desc d = {0, 0, 16, gen};
		struct amp_bulk_hdr h = {.type = AMP_BULK_RELEASE, .count = 1};
		uint32_t len = amp_bulk_hdr_encode(msg, &h);

		amp_bulk_desc_encode(msg, 0, &d);
		host_send_from(&H.ept, msg, len);
	}
	assert_int_equal(k->wrong_type, 1);
	assert_int_equal(got.pieces, 0);
}

static void test_stale_generation(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part parts[] = {{0, 64}, {0, 64}};
	uint32_t expect_len = 0, len, id;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	id = amp_conn_id(conn_of(&A));
	len = make_submit(msg, A.ept.addr, id, 1, 0, parts, 2, 5, expect, &expect_len);
	/* the firmware restarts its bulk side: a new generation before the SUBMIT arrives */
	bring_up();
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.pieces, 0);
	assert_int_equal(got.messages, 0);
	assert_int_equal(fw.node.bulk.pool.counters.stale, 2);
	assert_int_equal(fw.node.bulk.pool.counters.accepted, 0);
	assert_int_equal(H.releases, 0);
	assert_int_equal(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_REMOTE_READING), 0);
}

static void test_no_conn_and_stranger(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part parts[] = {{0, 64}};
	uint32_t expect_len = 0, len, id;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	id = amp_conn_id(conn_of(&A));
	/* another connection's id: read by nobody, released */
	len = make_submit(msg, A.ept.addr, id + 7u, 1, 0, parts, 1, 1, expect, &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.pieces, 0);
	assert_int_equal(fw.node.bulk.stats.no_conn, 1);
	assert_int_equal(H.released, 1);
	/* a peer that is no client: the same */
	len = make_submit(msg, B.ept.addr, id, 1, 0, parts, 1, 1, expect, &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(fw.node.bulk.stats.no_conn, 2);
	assert_int_equal(H.released, 2);

	/* descriptors from an address that sent no POOL: not even looked at */
	len = make_submit(msg, A.ept.addr, id, 1, 0, parts, 1, 1, expect, &expect_len);
	host_send_from(&H.stranger, msg, len);
	assert_int_equal(fw.node.bulk.stats.foreign, 1);
	assert_int_equal(got.pieces, 0);
	assert_int_equal(fw.node.bulk.pool.counters.accepted, 2);
	assert_int_equal(H.released, 2);
}

static void test_bad_crc(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part parts[] = {{0, 200}};
	uint32_t expect_len = 0, len;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	len = make_submit(msg, A.ept.addr, amp_conn_id(conn_of(&A)), 1, AMP_BULK_F_CRC, parts, 1, 1,
			  expect, &expect_len);
	msg[20] ^= 1; /* the header's crc */
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.bad, 1);
	assert_int_equal(got.messages, 0);
	assert_int_equal(fw.node.bulk.stats.bad_crc, 1);
	assert_int_equal(last_error, AMP_STATUS_BAD_CRC);
	assert_int_equal(last_error_seq, 1);
	assert_int_equal(H.released, 1);
}

static void test_too_large(void **state)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	const struct part parts[] = {{0, SLOT}, {0, SLOT}, {0, SLOT}, {0, 1}};
	uint32_t expect_len = 0, len;

	(void)state;
	bring_up();
	open_service(&B, "whole");
	/*
	 * One byte more than the service's max_message, which is all the
	 * credit it grants: the client broke the rules (as with frames, the
	 * credit is checked first).
	 */
	len = make_submit(msg, B.ept.addr, amp_conn_id(conn_of(&B)), 1, 0, parts, 4, 1, expect,
			  &expect_len);
	host_send_from(&H.ept, msg, len);
	assert_int_equal(got.messages, 0);
	assert_int_equal(last_error, AMP_STATUS_CREDIT);
	assert_int_equal(fw.node.stats.violations, 1);
	assert_int_equal(whole_svc.clients, 0); /* the connection ended */
	assert_int_equal(H.released, 4);
}

/* A SUBMIT of the pool's every slot, whole, as message seq of the client's connection. */
static void submit_all_slots(struct client *cl, uint32_t seq, uint8_t flags)
{
	static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
	struct part parts[SLOTS];
	uint32_t expect_len = 0;

	for (uint32_t i = 0; i < SLOTS; i++)
		parts[i] = (struct part){0, SLOT};
	got.len = 0; /* a new message for the sink */
	host_send_from(&H.ept, msg,
		       make_submit(msg, cl->ept.addr, amp_conn_id(conn_of(cl)), seq, flags, parts,
				   SLOTS, seq, expect, &expect_len));
}

static void test_submit_costs_credit(void **state)
{
	struct amp_conn *c;

	(void)state;
	bring_up();
	open_service(&A, "sink");
	c = conn_of(&A);
	assert_int_equal(c->rx_grant, AMP_PIECE_WINDOW);

	/* half the window's bytes by reference: charged, and handed back as consumed */
	submit_all_slots(&A, 1, 0);
	assert_int_equal(got.messages, 1);
	assert_int_equal(credit_back, SLOTS * SLOT);
	assert_int_equal(c->rx_credit, AMP_PIECE_WINDOW);

	/* paused: the pieces still come (the client had the credit), the credit does not */
	amp_conn_pause(c);
	submit_all_slots(&A, 2, 0);
	submit_all_slots(&A, 3, 0);
	assert_int_equal(got.messages, 3);
	assert_int_equal(c->rx_credit, 0);
	assert_int_equal(credit_back, SLOTS * SLOT);
	assert_int_equal(H.released, 3u * SLOTS);

	/* resumed: all of it comes back */
	amp_conn_resume(c);
	settle();
	assert_int_equal(credit_back, 3u * SLOTS * SLOT);
	assert_int_equal(c->rx_credit, AMP_PIECE_WINDOW);

	/* beyond the credit: the connection ends, nothing is delivered, every slot comes back */
	amp_conn_pause(c);
	submit_all_slots(&A, 4, 0);
	submit_all_slots(&A, 5, 0);
	submit_all_slots(&A, 6, 0);
	assert_int_equal(got.messages, 5);
	assert_int_equal(last_error, AMP_STATUS_CREDIT);
	assert_int_equal(last_error_seq, 6);
	assert_int_equal(sink_svc.clients, 0);
	assert_int_equal(H.released, 6u * SLOTS);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS);
}

static void test_bulk_client_window(void **state)
{
	(void)state;
	bring_up();
	/* a service of pieces grants a client that can use the pool a window of many slots */
	open_flags(&A, "sink", AMP_OPEN_F_BULK, 8);
	assert_int_equal(conn_of(&A)->rx_grant, AMP_PIECE_WINDOW_BULK);
	/* one of whole messages grants its max_message whatever the client */
	open_flags(&B, "whole", AMP_OPEN_F_BULK, 8);
	assert_int_equal(conn_of(&B)->rx_grant, 3u * SLOT);
}

/* An empty MSG with ABORT drops a message by reference half-way, and its credit comes back. */
static void test_abort_between_parts(void **state)
{
	uint8_t frame[AMP_FRAME_HDR_SIZE];
	struct amp_conn *c;

	(void)state;
	bring_up();
	open_service(&B, "whole");
	c = conn_of(&B);
	submit_all_slots(&B, 1, AMP_BULK_F_MORE); /* over the 3-slot service: refused */
	assert_int_equal(last_error, AMP_STATUS_CREDIT);
	open_service(&B, "whole");
	c = conn_of(&B);
	{
		static uint8_t expect[GOT_MAX], msg[AMP_BULK_MSG_MAX];
		const struct part two[] = {{0, SLOT}, {0, SLOT}};
		uint32_t expect_len = 0;

		host_send_from(&H.ept, msg,
			       make_submit(msg, B.ept.addr, amp_conn_id(c), 1, AMP_BULK_F_MORE, two,
					   2, 1, expect, &expect_len));
	}
	assert_true(c->bulk.in_msg);
	assert_int_equal(c->rx_credit, SLOT);
	amp_frame_encode_flags(frame, AMP_FRAME_MSG, AMP_FRAME_F_ABORT, 1, 0, 0);
	assert_int_equal(rp_send(&L.drv.link, B.ept.addr, fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr,
				 frame, sizeof(frame)),
			 RP_OK);
	settle();
	assert_false(c->bulk.in_msg);
	assert_int_equal(got.messages, 0);
	assert_int_equal(c->rx_credit + c->credit_owed, 3u * SLOT);
	assert_int_equal(H.released, SLOTS + 2u);
}

static uint8_t src[16u * SLOT];

static void test_send_by_reference(void **state)
{
	const uint32_t len = 3u * SLOT + 100u;
	struct amp_conn *c;

	(void)state;
	bring_up();
	post(6);
	assert_int_equal(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_REMOTE_EMPTY), 6);
	/* the window covers the bytes in frames' worth (amp_bulk_units()) and 4 units more */
	open_flags(&A, "sink", AMP_OPEN_F_BULK,
		   3u * amp_bulk_units(SLOT) + amp_bulk_units(100) + 4u);
	c = conn_of(&A);
	fx_pattern(src, len, 21);
	assert_true(amp_send(c, src, len) >= 0);
	settle();

	/* one FILLED of four posted slots, byte-exact, the message's seq */
	assert_int_equal(H.filled, 1);
	assert_int_equal(H.filled_descs, 4);
	assert_int_equal(H.filled_msgs, 1);
	assert_int_equal(H.filled_len, len);
	assert_memory_equal(H.filled_bytes, src, len);
	assert_false(c->tx_busy);
	assert_int_equal(c->tx_credit, 4u); /* the bytes cost what they would in frames */
	assert_int_equal(fw.node.bulk.stats.msgs_out, 1);
	assert_int_equal(amp_bulk_pool_count(&fw.node.bulk.pool, AMP_BULK_SLOT_REMOTE_EMPTY), 2);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST_READING), 4);
	client_read_all(A.ept.addr);
	assert_int_equal(amp_bulk_pool_count(&H.table, AMP_BULK_SLOT_HOST), SLOTS - 2u);
}

static void test_send_waits_for_window_and_slots(void **state)
{
	const uint32_t len = 5u * SLOT - 1u;
	struct amp_conn *c;

	(void)state;
	bring_up();
	post(2);
	/* a window of three slots' worth */
	open_flags(&A, "sink", AMP_OPEN_F_BULK, 3u * amp_bulk_units(SLOT));
	c = conn_of(&A);
	fx_pattern(src, len, 4);
	assert_int_equal(amp_send(c, src, len), AMP_PENDING);
	settle();
	/* two posted slots: two go, the rest waits for a POST */
	assert_int_equal(H.filled, 1);
	assert_int_equal(H.filled_descs, 2);
	assert_int_equal(H.filled_msgs, 0);
	assert_true(c->tx_busy);
	client_read_all(A.ept.addr);
	post(4);
	/* four posted, but the window has one slot's worth left */
	assert_int_equal(H.filled, 2);
	assert_int_equal(H.filled_descs, 3);
	assert_true(c->tx_busy);
	send_credit(&A, 2u * amp_bulk_units(SLOT));
	assert_int_equal(H.filled, 3);
	assert_int_equal(H.filled_descs, 5);
	assert_int_equal(H.filled_msgs, 1);
	assert_int_equal(H.filled_len, len);
	assert_memory_equal(H.filled_bytes, src, len);
	assert_false(c->tx_busy);
}

static void test_send_window_smaller_than_a_slot(void **state)
{
	const uint32_t len = SLOT + 10u;
	struct amp_conn *c;

	(void)state;
	bring_up();
	post(4);
	/* two units: a slot is filled only as far as they cover */
	open_flags(&A, "sink", AMP_OPEN_F_BULK, 2);
	c = conn_of(&A);
	fx_pattern(src, len, 9);
	assert_int_equal(amp_send(c, src, len), AMP_PENDING);
	settle();
	assert_int_equal(H.filled, 1);
	assert_int_equal(H.filled_descs, 1);
	assert_int_equal(H.filled_len, 2u * AMP_MSG_FRAG_MAX);
	assert_int_equal(c->tx_credit, 0);
	client_read_all(A.ept.addr);
	send_credit(&A, amp_bulk_units(len));
	assert_int_equal(H.filled_msgs, 1);
	assert_int_equal(H.filled_len, len);
	assert_memory_equal(H.filled_bytes, src, len);
	assert_false(c->tx_busy);
}

static void test_send_in_frames(void **state)
{
	struct amp_conn *c;

	(void)state;
	/* no pool yet: frames, even for a client that could take FILLED */
	open_flags(&A, "sink", AMP_OPEN_F_BULK, 64);
	c = conn_of(&A);
	assert_true(amp_send(c, src, 2u * SLOT) >= 0);
	settle();
	assert_false(c->tx_busy);
	bring_up();
	post(4);
	/* below the threshold: frames */
	assert_true(amp_send(c, src, AMP_BULK_THRESHOLD - 1u) >= 0);
	settle();
	assert_false(c->tx_busy);
	/* a client without the flag: frames */
	open_flags(&B, "sink", 0, 64);
	assert_true(amp_send(conn_of(&B), src, 2u * SLOT) >= 0);
	settle();
	assert_int_equal(H.filled, 0);
	assert_int_equal(fw.node.bulk.stats.filled_sent, 0);
	assert_int_equal(fw.node.stats.msgs_out, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_announced, setup),
		cmocka_unit_test_setup(test_pool_ack, setup),
		cmocka_unit_test_setup(test_submit_pieces, setup),
		cmocka_unit_test_setup(test_submit_parts_and_whole, setup),
		cmocka_unit_test_setup(test_forged_refused, setup),
		cmocka_unit_test_setup(test_stale_generation, setup),
		cmocka_unit_test_setup(test_no_conn_and_stranger, setup),
		cmocka_unit_test_setup(test_bad_crc, setup),
		cmocka_unit_test_setup(test_too_large, setup),
		cmocka_unit_test_setup(test_submit_costs_credit, setup),
		cmocka_unit_test_setup(test_bulk_client_window, setup),
		cmocka_unit_test_setup(test_abort_between_parts, setup),
		cmocka_unit_test_setup(test_send_by_reference, setup),
		cmocka_unit_test_setup(test_send_waits_for_window_and_slots, setup),
		cmocka_unit_test_setup(test_send_window_smaller_than_a_slot, setup),
		cmocka_unit_test_setup(test_send_in_frames, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
