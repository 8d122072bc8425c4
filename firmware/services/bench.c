/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/bench.h"

#include <string.h>

#include "firmware/crc32.h"

/* The most replies one message can cause: a header per 20 bytes, plus an error. */
#define REPLIES_PER_MESSAGE (RP_MTU / AMP_FRAME_HDR_SIZE + 2u)
_Static_assert(BENCH_OUTBOX_SLOTS >= REPLIES_PER_MESSAGE, "outbox too small for one message");

static struct bench_reply *reserve_reply(struct bench_service *svc, uint32_t dst)
{
	unsigned int slot = (svc->out_head + svc->out_count) % BENCH_OUTBOX_SLOTS;
	struct bench_reply *r = &svc->outbox[slot];

	/* Callers checked for room before taking the message. */
	svc->out_count++;
	r->dst = dst;
	return r;
}

static void queue_frame(struct bench_service *svc, uint32_t dst, uint8_t type, uint32_t seq,
			const void *payload, uint32_t len)
{
	struct bench_reply *r = reserve_reply(svc, dst);

	memcpy(r->data + AMP_FRAME_HDR_SIZE, payload, len);
	amp_frame_encode(r->data, type, seq, len, fw_crc32_update(0, payload, len));
	r->len = AMP_FRAME_HDR_SIZE + len;
}

static void queue_error(struct bench_service *svc, uint32_t dst, uint32_t seq,
			enum amp_status status, uint32_t detail)
{
	uint8_t payload[AMP_ERROR_SIZE];

	amp_put32(payload, status);
	amp_put32(payload + 4, detail);
	svc->errors++;
	queue_frame(svc, dst, AMP_FRAME_ERROR, seq, payload, sizeof(payload));
}

int bench_service_flush(struct bench_service *svc)
{
	while (svc->out_count) {
		struct bench_reply *r = &svc->outbox[svc->out_head];
		int rc = rp_send(svc->ept.dev, svc->ept.addr, r->dst, r->data, r->len);

		if (rc == RP_EAGAIN)
			return rc;
		/* Any other failure cannot improve by retrying: drop the reply. */
		svc->out_head = (svc->out_head + 1u) % BENCH_OUTBOX_SLOTS;
		svc->out_count--;
	}
	return RP_OK;
}

static bool peer_is_free(const struct bench_peer *p, uint32_t now)
{
	bool between_frames = p->state == BENCH_HEADER && p->hdr_have == 0 && !p->in_garbage;

	/* A sender that vanished mid-frame must not hold its slot for ever. */
	return p->state == BENCH_IDLE || between_frames ||
	       now - p->last_ms > BENCH_FRAME_TIMEOUT_MS;
}

static struct bench_peer *find_peer(struct bench_service *svc, uint32_t addr, uint32_t now)
{
	struct bench_peer *free_slot = NULL;

	for (unsigned int i = 0; i < BENCH_MAX_PEERS; i++) {
		struct bench_peer *p = &svc->peers[i];

		if (p->state != BENCH_IDLE && p->addr == addr)
			return p;
		if (!free_slot && peer_is_free(p, now))
			free_slot = p;
	}
	if (free_slot) {
		memset(free_slot, 0, sizeof(*free_slot));
		free_slot->addr = addr;
		free_slot->state = BENCH_HEADER;
		free_slot->last_ms = now;
	}
	return free_slot;
}

static void finish_frame(struct bench_service *svc, struct bench_peer *p)
{
	const struct amp_frame_hdr *f = &p->frame;

	if (f->type == AMP_FRAME_ECHO) {
		queue_frame(svc, p->addr, AMP_FRAME_ECHO_REPLY, f->seq, p->echo, f->len);
	} else {
		uint8_t payload[AMP_ACK_SIZE];
		struct amp_ack ack = {p->received, p->crc,
				      p->crc == f->crc ? AMP_STATUS_OK : AMP_STATUS_BAD_CRC};

		if (ack.status == AMP_STATUS_OK)
			svc->frames_ok++;
		else
			svc->frames_bad++;
		amp_ack_encode(payload, &ack);
		queue_frame(svc, p->addr, AMP_FRAME_ACK, f->seq, payload, sizeof(payload));
	}
	p->state = BENCH_IDLE;
}

static void answer_stats(struct bench_service *svc, struct bench_peer *p)
{
	uint8_t payload[AMP_STATS_SIZE];
	struct amp_stats s;

	memset(&s, 0, sizeof(s));
	if (svc->fill_stats)
		svc->fill_stats(svc, &s);
	amp_stats_encode(payload, &s);
	queue_frame(svc, p->addr, AMP_FRAME_STATS, p->frame.seq, payload, sizeof(payload));
	p->state = BENCH_IDLE;
}

/* A complete header: start its payload, answer it, or report why not. */
static void start_frame(struct bench_service *svc, struct bench_peer *p)
{
	enum amp_status st = amp_frame_decode(p->hdr, &p->frame);
	const struct amp_frame_hdr *f = &p->frame;

	if (st == AMP_STATUS_BAD_MAGIC) {
		/* Slide by one byte: a frame may start anywhere in a byte stream. */
		if (!p->in_garbage)
			queue_error(svc, p->addr, 0, st, 0);
		p->in_garbage = true;
		memmove(p->hdr, p->hdr + 1, AMP_FRAME_HDR_SIZE - 1u);
		p->hdr_have = AMP_FRAME_HDR_SIZE - 1u;
		return;
	}
	p->in_garbage = false;
	p->hdr_have = 0;
	if (st == AMP_STATUS_OK && f->type == AMP_FRAME_ECHO && f->len > AMP_ECHO_MAX_LEN)
		st = AMP_STATUS_TOO_LARGE;
	if (st == AMP_STATUS_OK && f->type != AMP_FRAME_DATA && f->type != AMP_FRAME_ECHO &&
	    f->type != AMP_FRAME_STATS_REQUEST)
		st = AMP_STATUS_BAD_TYPE;
	if (st != AMP_STATUS_OK) {
		queue_error(svc, p->addr, f->seq, st, f->len);
		p->state = BENCH_IDLE;
		return;
	}
	if (f->type == AMP_FRAME_STATS_REQUEST) {
		answer_stats(svc, p);
		return;
	}
	p->received = 0;
	p->crc = 0;
	p->state = BENCH_PAYLOAD;
	if (f->len == 0)
		finish_frame(svc, p);
}

static uint32_t take_header_bytes(struct bench_service *svc, struct bench_peer *p,
				  const uint8_t *data, uint32_t len)
{
	uint32_t n = AMP_FRAME_HDR_SIZE - p->hdr_have;

	if (n > len)
		n = len;
	memcpy(p->hdr + p->hdr_have, data, n);
	p->hdr_have += n;
	if (p->hdr_have == AMP_FRAME_HDR_SIZE)
		start_frame(svc, p);
	return n;
}

static uint32_t take_payload_bytes(struct bench_service *svc, struct bench_peer *p,
				   const uint8_t *data, uint32_t len)
{
	uint32_t n = p->frame.len - p->received;

	if (n > len)
		n = len;
	if (p->frame.type == AMP_FRAME_ECHO)
		memcpy(p->echo + p->received, data, n);
	p->crc = fw_crc32_update(p->crc, data, n);
	p->received += n;
	if (p->received == p->frame.len)
		finish_frame(svc, p);
	return n;
}

static void consume(struct bench_service *svc, struct bench_peer *p, const uint8_t *data,
		    uint32_t len)
{
	while (len > 0) {
		uint32_t used;

		if (p->state == BENCH_IDLE)
			p->state = BENCH_HEADER;
		if (p->state == BENCH_HEADER)
			used = take_header_bytes(svc, p, data, len);
		else
			used = take_payload_bytes(svc, p, data, len);
		data += used;
		len -= used;
	}
}

/* A frame that stopped arriving is abandoned before new bytes are read. */
static void expire_stalled(struct bench_service *svc, struct bench_peer *p, uint32_t now)
{
	bool mid_frame = p->state == BENCH_PAYLOAD || (p->state == BENCH_HEADER && p->hdr_have);

	if (mid_frame && now - p->last_ms > BENCH_FRAME_TIMEOUT_MS) {
		queue_error(svc, p->addr, p->frame.seq, AMP_STATUS_TIMEOUT, p->received);
		p->state = BENCH_HEADER;
		p->hdr_have = 0;
		p->in_garbage = false;
	}
	p->last_ms = now;
}

static int bench_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct bench_service *svc = ept->priv;
	struct bench_peer *p;

	uint32_t now = svc->now_ms ? svc->now_ms() : 0;

	bench_service_flush(svc);
	if (BENCH_OUTBOX_SLOTS - svc->out_count < REPLIES_PER_MESSAGE)
		return RP_EAGAIN;
	p = find_peer(svc, src, now);
	if (!p) {
		queue_error(svc, src, 0, AMP_STATUS_BUSY, BENCH_MAX_PEERS);
	} else {
		expire_stalled(svc, p, now);
		consume(svc, p, data, len);
	}
	bench_service_flush(svc);
	return RP_OK;
}

int bench_service_start(struct bench_service *svc, struct rp_device *dev, const char *name,
			uint32_t (*now_ms)(void), bench_stats_fn fill_stats, void *owner)
{
	memset(svc, 0, sizeof(*svc));
	svc->now_ms = now_ms;
	svc->fill_stats = fill_stats;
	svc->owner = owner;
	return rp_endpoint_create(dev, &svc->ept, name, RP_ADDR_ANY, bench_receive, svc);
}
