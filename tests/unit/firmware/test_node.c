/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware SDK's message layer over a real driver/device pair: opening
 * services, whole messages and pieces of every size both ways, credits in
 * both directions, clients that close, die or break the rules, timers.
 * The test plays Linux with a driver-role endpoint that speaks frames.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <amp/node.h>
#include <amplink/bench.h>
#include <amplink/frame_stream.h>
#include <firmware/firmware.h>

#include "ring_fixture.h"

#define NUM 16u
#define BIG (200u * 1024u)

static uint32_t zcrc(uint32_t crc, const void *data, uint32_t len)
{
	return (uint32_t)crc32(crc, data, len);
}

/* --- Linux's side: a client endpoint that sends and parses frames ------- */

struct frame_rec {
	uint8_t type;
	uint16_t flags;
	uint32_t seq;
	uint32_t len;
	uint8_t payload[64];
};

struct client {
	struct rp_endpoint ept;
	struct amp_stream stream;
	struct frame_rec frames[256];
	unsigned int nframes;
	unsigned int msg_frames; /* rpmsg messages that carried MSG frames */
	uint8_t *msg;		 /* the message being reassembled, then the last whole one */
	uint32_t msg_len;
	unsigned int msgs; /* whole messages */
	bool msg_done;
	uint32_t credit; /* bytes we may send */
	uint32_t seq;
};

static struct fx_link L;
static struct firmware fw;
static struct client A, B, C;
static uint32_t clock_ms;

static uint32_t fake_clock(void)
{
	return clock_ms;
}

static uint32_t hub_addr(void)
{
	return fw.node.hubs[AMP_HUB_INDEX_NETLINK].addr;
}

static void record(struct client *cl, const struct amp_stream_event *ev)
{
	if (ev->type == AMP_STREAM_PAYLOAD && ev->hdr.type == AMP_FRAME_MSG) {
		memcpy(cl->msg + cl->msg_len, ev->data, ev->len);
		cl->msg_len += ev->len;
	} else if (ev->type == AMP_STREAM_PAYLOAD && cl->nframes < 256 && ev->offset < 64) {
		uint32_t n = ev->len < 64 - ev->offset ? ev->len : 64 - ev->offset;

		memcpy(cl->frames[cl->nframes].payload + ev->offset, ev->data, n);
	} else if (ev->type == AMP_STREAM_END) {
		assert_true(ev->crc_ok);
		if (ev->hdr.type == AMP_FRAME_MSG && !(ev->hdr.flags & AMP_FRAME_F_MORE)) {
			cl->msgs++;
			cl->msg_done = true;
		}
		assert_true(cl->nframes < 256);
		if (ev->hdr.type == AMP_FRAME_CREDIT)
			cl->credit += amp_get32(cl->frames[cl->nframes].payload);
		{
			struct frame_rec *f = &cl->frames[cl->nframes++];

			f->type = ev->hdr.type;
			f->flags = ev->hdr.flags;
			f->seq = ev->hdr.seq;
			f->len = ev->hdr.len;
		}
	} else if (ev->type == AMP_STREAM_HEADER && ev->hdr.type == AMP_FRAME_MSG) {
		if (cl->msg_done) {
			cl->msg_len = 0;
			cl->msg_done = false;
		}
		assert_true(cl->msg_len + ev->hdr.len <= BIG);
	} else if (ev->type == AMP_STREAM_GARBAGE) {
		fail_msg("garbage from the firmware");
	}
}

static int client_cb(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct client *cl = ept->priv;
	struct amp_stream_event ev;
	bool carried_msg = false;
	size_t off = 0;

	(void)src;
	do {
		off += amp_stream_feed(&cl->stream, (const uint8_t *)data + off, len - off, &ev);
		carried_msg |= ev.type == AMP_STREAM_HEADER && ev.hdr.type == AMP_FRAME_MSG;
		record(cl, &ev);
	} while (ev.type != AMP_STREAM_NONE);
	/* a MSG frame never shares its message with another (CREDIT may ride in front) */
	cl->msg_frames += carried_msg;
	return RP_OK;
}

static void client_init(struct client *cl)
{
	free(cl->msg);
	memset(cl, 0, sizeof(*cl));
	cl->msg = malloc(BIG);
	assert_non_null(cl->msg);
	amp_stream_init(&cl->stream, zcrc);
	assert_int_equal(
		rp_endpoint_create(&L.drv.link, &cl->ept, NULL, RP_ADDR_ANY, client_cb, cl), RP_OK);
}

static void settle(void)
{
	for (unsigned int i = 0; i < 8; i++) {
		fx_link_settle(&L);
		assert_true(amp_node_poll(&fw.node) >= 0);
	}
	fx_link_settle(&L);
}

/* Sends a frame cut in rpmsg-sized pieces, as the module and rpmsg_char cut. */
static void send_frame(struct client *cl, uint8_t type, uint16_t flags, uint32_t seq,
		       const void *payload, uint32_t len)
{
	static uint8_t buf[AMP_FRAME_HDR_SIZE + BIG];

	amp_frame_encode_flags(buf, type, flags, seq, len, zcrc(0, payload, len));
	if (len)
		memcpy(buf + AMP_FRAME_HDR_SIZE, payload, len);
	for (uint32_t off = 0; off < AMP_FRAME_HDR_SIZE + len; off += RP_MTU) {
		uint32_t n = AMP_FRAME_HDR_SIZE + len - off;

		if (n > RP_MTU)
			n = RP_MTU;
		while (rp_send(&L.drv.link, cl->ept.addr, hub_addr(), buf + off, n) == RP_EAGAIN)
			settle();
	}
	settle();
}

static void send_open(struct client *cl, const char *name, uint32_t window)
{
	uint8_t payload[AMP_OPEN_FIXED_SIZE + 40];
	struct amp_open o = {window, 0};
	size_t n = strlen(name);

	amp_open_encode(payload, &o);
	memcpy(payload + AMP_OPEN_FIXED_SIZE, name, n);
	send_frame(cl, AMP_FRAME_OPEN, 0, ++cl->seq, payload, (uint32_t)(AMP_OPEN_FIXED_SIZE + n));
}

static const struct frame_rec *last_of(const struct client *cl, uint8_t type)
{
	for (unsigned int i = cl->nframes; i-- > 0;)
		if (cl->frames[i].type == type)
			return &cl->frames[i];
	return NULL;
}

static struct amp_conn *conn_of(const struct client *cl)
{
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++)
		if (fw.node.conns[i].used && fw.node.conns[i].addr == cl->ept.addr)
			return &fw.node.conns[i];
	fail_msg("no peer for 0x%x", cl->ept.addr);
	return NULL;
}

static uint32_t error_status(const struct client *cl)
{
	const struct frame_rec *f = last_of(cl, AMP_FRAME_ERROR);

	assert_non_null(f);
	return amp_get32(f->payload);
}

/* Opens and checks OPENED; returns it decoded. */
static struct amp_opened open_ok(struct client *cl, const char *name, uint32_t window)
{
	struct amp_opened o;
	const struct frame_rec *f;

	send_open(cl, name, window);
	f = last_of(cl, AMP_FRAME_OPENED);
	assert_non_null(f);
	assert_int_equal(f->seq, cl->seq);
	amp_opened_decode(f->payload, &o);
	cl->credit = o.credit;
	return o;
}

/* Sends a message in frames no larger than the credit, waiting for more. */
static void send_message(struct client *cl, const uint8_t *data, uint32_t len)
{
	uint32_t off = 0, seq = ++cl->seq;

	do {
		uint32_t n = len - off;

		if (n > cl->credit)
			n = cl->credit;
		if (n > 32768)
			n = 32768;
		assert_true(n > 0 || len == 0);
		cl->credit -= n;
		send_frame(cl, AMP_FRAME_MSG, off + n < len ? AMP_FRAME_F_MORE : 0, seq, data + off,
			   n);
		off += n;
	} while (off < len);
}

static void send_credit(struct client *cl, uint32_t more)
{
	uint8_t p[4];

	amp_put32(p, more);
	send_frame(cl, AMP_FRAME_CREDIT, 0, 0, p, 4);
}

/* --- the firmware's side: services under test ----------------------------- */

struct svc_log {
	unsigned int connected, gone, writable, messages, last_pieces, bad;
	uint32_t bytes, crc;	     /* of the message arriving */
	uint32_t last_len, last_crc; /* of the last one complete */
	struct amp_conn *conn;
	bool refuse;
};

static struct svc_log echo_log, sink_log, stream_log;
static uint8_t echo_copy[1024];
static uint8_t stream_data[BIG];
static uint32_t stream_len;

static bool log_connected(struct amp_conn *c)
{
	struct svc_log *l = amp_conn_service(c)->priv;

	l->connected++;
	l->conn = c;
	return !l->refuse;
}

static void log_gone(struct amp_conn *c)
{
	struct svc_log *l = amp_conn_service(c)->priv;

	l->gone++;
	l->conn = NULL;
}

static void log_writable(struct amp_conn *c)
{
	struct svc_log *l = amp_conn_service(c)->priv;

	l->writable++;
}

static void echo_message(struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	echo_log.messages++;
	memcpy(echo_copy, data, len);
	assert_true(amp_send(c, echo_copy, len) >= 0);
}

static void sink_piece(struct amp_conn *c, const struct amp_piece *p)
{
	(void)c;
	if (p->last) {
		sink_log.last_pieces++;
		if (p->bad)
			sink_log.bad++;
		else
			sink_log.messages++;
		assert_int_equal(p->offset, sink_log.bytes);
		/* the node's CRC, from the frames' own, matches the bytes' */
		if (!p->bad)
			assert_int_equal(p->crc, sink_log.crc);
		sink_log.last_len = sink_log.bytes;
		sink_log.last_crc = sink_log.crc;
		sink_log.bytes = 0;
		sink_log.crc = 0;
		return;
	}
	assert_int_equal(p->offset, sink_log.bytes);
	sink_log.crc = zcrc(sink_log.crc, p->data, p->len);
	sink_log.bytes += p->len;
}

static bool stream_connected(struct amp_conn *c)
{
	log_connected(c);
	return amp_send(c, stream_data, stream_len) >= 0;
}

static const struct amp_service_ops echo_ops = {.connected = log_connected,
						.message = echo_message,
						.writable = log_writable,
						.gone = log_gone};
static const struct amp_service_ops sink_ops = {.connected = log_connected,
						.piece = sink_piece,
						.writable = log_writable,
						.gone = log_gone};
static const struct amp_service_ops stream_ops = {.connected = stream_connected,
						  .message = echo_message,
						  .writable = log_writable,
						  .gone = log_gone};

AMP_SERVICE_DEFINE(echo_svc, "echo", &echo_ops, &echo_log, 1024, 2);
AMP_SERVICE_DEFINE(sink_svc, "sink", &sink_ops, &sink_log, 0, 4);
AMP_SERVICE_DEFINE(stream_svc, "stream", &stream_ops, &stream_log, 16, 1);

static int setup(void **state)
{
	(void)state;
	clock_ms = 5000;
	memset(&echo_log, 0, sizeof(echo_log));
	memset(&sink_log, 0, sizeof(sink_log));
	memset(&stream_log, 0, sizeof(stream_log));
	fx_link_init(&L, NUM, true, true);
	assert_int_equal(firmware_start(&fw, &L.dev, fake_clock), RP_OK);
	assert_int_equal(amp_service_register(&fw.node, &echo_svc), AMP_OK);
	assert_int_equal(amp_service_register(&fw.node, &sink_svc), AMP_OK);
	assert_int_equal(amp_service_register(&fw.node, &stream_svc), AMP_OK);
	rp_link_up(&L.dev);
	client_init(&A);
	client_init(&B);
	client_init(&C);
	settle();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(A.msg);
	free(B.msg);
	free(C.msg);
	A.msg = B.msg = C.msg = NULL;
	return 0;
}

/* --- tests ------------------------------------------------------------- */

static void test_register_rejects(void **state)
{
	static const struct amp_service_ops neither = {.gone = log_gone};
	AMP_SERVICE_DEFINE(bad, "bad", &neither, NULL, 16, 1);
	AMP_SERVICE_DEFINE(dup, "echo", &echo_ops, NULL, 16, 1);
	struct amp_service noname = echo_svc;

	(void)state;
	noname.name = "";
	assert_int_equal(amp_service_register(&fw.node, &bad), AMP_EINVAL);
	assert_int_equal(amp_service_register(&fw.node, &noname), AMP_EINVAL);
	assert_int_equal(amp_service_register(&fw.node, &dup), AMP_EEXIST);
}

static void test_open_errors(void **state)
{
	(void)state;
	send_open(&A, "nosuch", 8);
	assert_int_equal(error_status(&A), AMP_STATUS_NO_SERVICE);
	assert_int_equal(last_of(&A, AMP_FRAME_ERROR)->seq, A.seq);

	/* echo takes two clients at once */
	open_ok(&A, "echo", 8);
	open_ok(&B, "echo", 8);
	send_open(&C, "echo", 8);
	assert_int_equal(error_status(&C), AMP_STATUS_BUSY);

	echo_log.refuse = true;
	send_frame(&A, AMP_FRAME_CLOSE, 0, 0, NULL, 0);
	assert_int_equal(echo_log.gone, 1);
	send_open(&C, "echo", 8);
	assert_int_equal(error_status(&C), AMP_STATUS_REFUSED);
	assert_int_equal(echo_svc.clients, 1);

	/* MSG without a connection */
	send_frame(&C, AMP_FRAME_MSG, 0, 1, "x", 1);
	assert_int_equal(error_status(&C), AMP_STATUS_NOT_OPEN);
}

/* Whole messages of every size around the frame boundaries, both ways. */
static void test_echo_sizes(void **state)
{
	static const uint32_t sizes[] = {0, 1, 475, 476, 477, 495, 496, 497, 952, 953, 1024};
	static uint8_t data[1024];
	struct amp_opened o;

	(void)state;
	o = open_ok(&A, "echo", 64);
	assert_int_equal(o.credit, 1024);
	assert_int_equal(o.max_message, 1024);
	assert_true(o.conn_id > 0);
	assert_int_equal(echo_log.connected, 1);
	for (unsigned int i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int before = A.msgs, frames = A.msg_frames;

		fx_pattern(data, sizes[i], i);
		send_message(&A, data, sizes[i]);
		assert_int_equal(A.msgs, before + 1);
		assert_int_equal(A.msg_len, sizes[i]);
		assert_memory_equal(A.msg, data, sizes[i]);
		/* the firmware cuts at 476 bytes: one rpmsg message per frame */
		uint32_t want = sizes[i] ? (sizes[i] + AMP_MSG_FRAG_MAX - 1) / AMP_MSG_FRAG_MAX : 1;

		assert_int_equal(A.msg_frames - frames, want);
	}
	assert_int_equal(fw.node.stats.msgs_in, sizeof(sizes) / sizeof(sizes[0]));
}

/* A message of 200 KiB to a service that takes pieces, over several credit windows. */
static void test_pieces_and_credit(void **state)
{
	static uint8_t data[BIG];

	(void)state;
	struct amp_opened o = open_ok(&A, "sink", 8);

	assert_int_equal(o.credit, AMP_PIECE_WINDOW);
	assert_int_equal(o.max_message, AMP_MSG_MAX);
	fx_pattern(data, sizeof(data), 77);
	send_message(&A, data, sizeof(data));
	assert_int_equal(sink_log.messages, 1);
	assert_int_equal(sink_log.last_len, sizeof(data));
	assert_int_equal(sink_log.last_crc, zcrc(0, data, sizeof(data)));
	assert_true(last_of(&A, AMP_FRAME_CREDIT) != NULL);
	/* all but what is still owed came back */
	assert_true(A.credit >= AMP_PIECE_WINDOW / 2);
}

/* The firmware never sends more MSG frames than the window allows. */
static void test_window_stops_sender(void **state)
{
	(void)state;
	stream_len = 20000; /* 43 frames */
	fx_pattern(stream_data, stream_len, 5);
	open_ok(&A, "stream", 10);
	assert_int_equal(A.msg_frames, 10);
	assert_int_equal(stream_log.writable, 0);
	settle();
	assert_int_equal(A.msg_frames, 10);
	send_credit(&A, 20);
	assert_int_equal(A.msg_frames, 30);
	send_credit(&A, 100);
	assert_int_equal(A.msg_frames, 43);
	assert_int_equal(A.msgs, 1);
	assert_int_equal(A.msg_len, stream_len);
	assert_memory_equal(A.msg, stream_data, stream_len);
	assert_int_equal(stream_log.writable, 1);
	/* OPENED came before any message frame */
	assert_int_equal(A.frames[0].type, AMP_FRAME_OPENED);
}

/* The bench source: blocks that fill() writes as they go out, over several windows. */
static void test_bench_source_fills_blocks(void **state)
{
	uint8_t req[AMP_BENCH_REQUEST_SIZE];
	struct amp_bench_request r = {.len = 20000, .seed = 7};

	(void)state;
	open_ok(&A, AMP_BENCH_SOURCE_SERVICE, 10);
	amp_bench_request_encode(req, &r);
	send_message(&A, req, sizeof(req));
	settle();
	assert_int_equal(A.msg_frames, 10); /* the window holds it */
	send_credit(&A, 100);
	settle();
	assert_int_equal(A.msgs, 1);
	assert_int_equal(A.msg_len, r.len);
	for (uint32_t i = 0; i < r.len; i++)
		if (A.msg[i] != amp_bench_pattern(r.seed, i))
			fail_msg("byte %u of the block is %u, not %u", i, A.msg[i],
				 amp_bench_pattern(r.seed, i));
	/* an empty block, then a message that is no request ends the connection */
	r = (struct amp_bench_request){.len = 0, .seed = 9};
	amp_bench_request_encode(req, &r);
	send_message(&A, req, sizeof(req));
	settle();
	assert_int_equal(A.msgs, 2);
	assert_int_equal(A.msg_len, 0);
	assert_null(last_of(&A, AMP_FRAME_CLOSE));
	send_message(&A, req, 3);
	settle();
	assert_non_null(last_of(&A, AMP_FRAME_CLOSE));
}

/* A service without fill() cannot send without a buffer. */
static void test_send_fill_needs_fill(void **state)
{
	(void)state;
	open_ok(&A, "echo", 8);
	assert_non_null(echo_log.conn);
	assert_int_equal(amp_send_fill(echo_log.conn, 10), AMP_EINVAL);
	assert_int_equal(amp_send_fill(NULL, 10), AMP_ENOTCONN);
}

static void test_rule_breakers_are_closed(void **state)
{
	static uint8_t data[2048];

	(void)state;
	open_ok(&A, "echo", 8);
	/* more than the credit granted */
	send_frame(&A, AMP_FRAME_MSG, 0, 1, data, 1025);
	assert_int_equal(error_status(&A), AMP_STATUS_CREDIT);
	assert_int_equal(echo_log.gone, 1);
	assert_int_equal(fw.node.stats.violations, 1);

	/* a second frame beyond what the first left of the credit */
	open_ok(&A, "echo", 8);
	send_frame(&A, AMP_FRAME_MSG, AMP_FRAME_F_MORE, 2, data, 600);
	A.credit = 2000;
	send_frame(&A, AMP_FRAME_MSG, 0, 2, data, 500);
	assert_int_equal(error_status(&A), AMP_STATUS_CREDIT);

	/* a corrupted frame: never delivered, the connection stays */
	open_ok(&A, "echo", 8);
	uint8_t frame[AMP_FRAME_HDR_SIZE + 10];

	amp_frame_encode(frame, AMP_FRAME_MSG, 3, 10, 0xdeadbeef);
	memset(frame + AMP_FRAME_HDR_SIZE, 'z', 10);
	assert_int_equal(rp_send(&L.drv.link, A.ept.addr, hub_addr(), frame, sizeof(frame)), RP_OK);
	settle();
	assert_int_equal(error_status(&A), AMP_STATUS_BAD_CRC);
	assert_int_equal(echo_log.messages, 0);
	send_message(&A, data, 10);
	assert_int_equal(echo_log.messages, 1);
}

/* Clients that close, reopen, or whose endpoint Linux says is gone. */
static void test_going_away(void **state)
{
	struct rp_ns_msg ns;

	(void)state;
	open_ok(&A, "echo", 8);
	open_ok(&B, "echo", 8);
	/* a second OPEN from the same address replaces the connection */
	open_ok(&A, "echo", 8);
	assert_int_equal(echo_log.gone, 1);
	assert_int_equal(echo_svc.clients, 2);

	/* Linux: "B's endpoint is gone" (rpmsg_netlink on socket release) */
	memset(&ns, 0, sizeof(ns));
	strcpy(ns.name, AMP_HUB_NETLINK);
	ns.addr = B.ept.addr;
	ns.flags = RP_NS_DESTROY;
	assert_int_equal(rp_send(&L.drv.link, B.ept.addr, RP_NS_ADDR, &ns, sizeof(ns)), RP_OK);
	settle();
	assert_int_equal(echo_log.gone, 2);
	assert_int_equal(fw.node.stats.gone, 1);
	assert_int_equal(echo_svc.clients, 1);

	/* the service closes A: A hears CLOSE, gone() is not called */
	amp_close(conn_of(&A));
	settle();
	assert_non_null(last_of(&A, AMP_FRAME_CLOSE));
	assert_int_equal(amp_get32(last_of(&A, AMP_FRAME_CLOSE)->payload), AMP_STATUS_CLOSED);
	assert_int_equal(echo_log.gone, 2);
	assert_int_equal(echo_svc.clients, 0);

	/* link down: every client is gone */
	open_ok(&C, "echo", 8);
	firmware_stop(&fw);
	assert_int_equal(echo_log.gone, 3);
}

/* A message abandoned half-way: by ABORT, or by a stall. */
static void test_abort_and_stall(void **state)
{
	static uint8_t data[4000];

	(void)state;
	open_ok(&A, "sink", 8);
	send_frame(&A, AMP_FRAME_MSG, AMP_FRAME_F_MORE, 1, data, 3000);
	send_frame(&A, AMP_FRAME_MSG, AMP_FRAME_F_ABORT, 1, NULL, 0);
	assert_int_equal(sink_log.bad, 1);
	assert_int_equal(sink_log.last_pieces, 1);

	uint8_t frame[AMP_FRAME_HDR_SIZE + 1000];

	amp_frame_encode(frame, AMP_FRAME_MSG, 2, 1000, zcrc(0, data, 1000));
	memcpy(frame + AMP_FRAME_HDR_SIZE, data, 1000);
	assert_int_equal(rp_send(&L.drv.link, A.ept.addr, hub_addr(), frame, 300), RP_OK);
	settle();
	clock_ms += AMP_FRAME_TIMEOUT_MS + 1;
	send_message(&A, data, 10);
	assert_int_equal(error_status(&A), AMP_STATUS_TIMEOUT);
	assert_int_equal(last_of(&A, AMP_FRAME_ERROR)->seq, 2);
	assert_int_equal(sink_log.bad, 2);
	assert_int_equal(sink_log.messages, 1);
}

/* Diagnostics still answer beside the services, on the same hub. */
static void test_diagnostics_beside_messages(void **state)
{
	static uint8_t data[5000];

	(void)state;
	open_ok(&A, "echo", 8);
	fx_pattern(data, sizeof(data), 3);
	send_frame(&A, AMP_FRAME_DATA, 0, 77, data, sizeof(data));
	const struct frame_rec *ack = last_of(&A, AMP_FRAME_ACK);

	assert_non_null(ack);
	assert_int_equal(ack->seq, 77);
	assert_int_equal(amp_get32(ack->payload), sizeof(data));
	assert_int_equal(amp_get32(ack->payload + 4), zcrc(0, data, sizeof(data)));
	send_message(&A, data, 100);
	assert_int_equal(A.msg_len, 100);
}

/* More senders than the node has room for: the one turned away hears why, by its seq. */
static void test_too_many_peers(void **state)
{
	static struct rp_endpoint extra[AMP_MAX_PEERS];
	static struct rx_log log;
	uint8_t hdr[AMP_FRAME_HDR_SIZE];

	(void)state;
	/* each holds a slot: a frame begun and not finished */
	amp_frame_encode(hdr, AMP_FRAME_DATA, 1, 100, 0);
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		assert_int_equal(rp_endpoint_create(&L.drv.link, &extra[i], NULL, RP_ADDR_ANY,
						    rx_log_cb, &log),
				 RP_OK);
		assert_int_equal(rp_send(&L.drv.link, extra[i].addr, hub_addr(), hdr, sizeof(hdr)),
				 RP_OK);
		settle();
	}
	send_open(&A, "echo", 8);
	assert_int_equal(error_status(&A), AMP_STATUS_BUSY);
	assert_int_equal(last_of(&A, AMP_FRAME_ERROR)->seq, A.seq);
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++)
		rp_endpoint_destroy(&extra[i]);
}

static unsigned int fired_once, fired_periodic;

static void once_fn(struct amp_timer *t)
{
	(void)t;
	fired_once++;
}

static void periodic_fn(struct amp_timer *t)
{
	fired_periodic++;
	if (fired_periodic == 5)
		amp_timer_stop(t->priv, t);
}

static void test_timers(void **state)
{
	struct amp_timer once = {0}, periodic = {0};

	(void)state;
	fired_once = fired_periodic = 0;
	assert_int_equal(amp_node_next_timeout(&fw.node), AMP_NO_TIMEOUT);
	assert_int_equal(amp_timer_start(&fw.node, &once, 30, 0, once_fn, NULL), AMP_OK);
	assert_int_equal(amp_timer_start(&fw.node, &periodic, 10, 10, periodic_fn, &fw.node),
			 AMP_OK);
	assert_int_equal(amp_node_next_timeout(&fw.node), 10);
	clock_ms += 9;
	amp_node_poll(&fw.node);
	assert_int_equal(fired_periodic, 0);
	clock_ms += 1;
	amp_node_poll(&fw.node);
	assert_int_equal(fired_periodic, 1);
	assert_int_equal(amp_node_next_timeout(&fw.node), 10);
	clock_ms += 20;
	amp_node_poll(&fw.node);
	assert_int_equal(fired_once, 1);
	assert_int_equal(fired_periodic, 2);
	/* far behind: one call, not a burst of missed ones */
	clock_ms += 1000;
	amp_node_poll(&fw.node);
	assert_int_equal(fired_periodic, 3);
	for (unsigned int i = 0; i < 5; i++) {
		clock_ms += 10;
		amp_node_poll(&fw.node);
	}
	assert_int_equal(fired_periodic, 5);
	assert_int_equal(fired_once, 1);
	assert_int_equal(amp_node_next_timeout(&fw.node), AMP_NO_TIMEOUT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_register_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pieces_and_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bench_source_fills_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_fill_needs_fill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_stops_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_breakers_are_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_going_away, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_and_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diagnostics_beside_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_many_peers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
