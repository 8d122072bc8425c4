/* SPDX-License-Identifier: BSD-3-Clause */
/* The node: hubs, peers, the frame dispatch and the outbox. */
#include <string.h>

#include "firmware/crc32.h"
#include "node_internal.h"

static const char *const hub_names[AMP_NODE_HUBS] = {
	[AMP_HUB_INDEX_NETLINK] = AMP_HUB_NETLINK,
	[AMP_HUB_INDEX_TTY] = AMP_HUB_TTY,
	[AMP_HUB_INDEX_RAW] = AMP_HUB_RAW,
};

uint32_t amp_node_clock(const struct amp_node *n)
{
	return n->now_ms ? n->now_ms() : 0;
}

uint32_t amp_now_ms(const struct amp_node *n)
{
	return amp_node_clock(n);
}

/* --- outbox ------------------------------------------------------------ */

bool amp_outbox_has_room(const struct amp_node *n, unsigned int replies)
{
	return AMP_OUTBOX_SLOTS - n->out_count >= replies;
}

void amp_reply(struct amp_node *n, struct amp_conn *c, struct rp_endpoint *hub, uint32_t dst,
	       uint8_t type, uint32_t seq, const void *payload, uint32_t len)
{
	unsigned int slot = (n->out_head + n->out_count) % AMP_OUTBOX_SLOTS;
	struct amp_reply *r = &n->outbox[slot];

	/* Callers made sure of the room before taking the message. */
	if (n->out_count == AMP_OUTBOX_SLOTS || len > AMP_ECHO_MAX_LEN)
		return;
	n->out_count++;
	r->hub = hub;
	r->conn = c;
	r->dst = dst;
	if (len)
		memcpy(r->data + AMP_FRAME_HDR_SIZE, payload, len);
	amp_frame_encode(r->data, type, seq, len, fw_crc32_update(0, payload, len));
	r->len = AMP_FRAME_HDR_SIZE + len;
	if (c)
		c->replies_queued++;
}

void amp_reply_error(struct amp_node *n, struct amp_conn *c, uint32_t seq, enum amp_status status,
		     uint32_t detail)
{
	uint8_t payload[AMP_ERROR_SIZE];

	amp_put32(payload, status);
	amp_put32(payload + 4, detail);
	n->stats.errors++;
	amp_reply(n, c, c->hub, c->addr, AMP_FRAME_ERROR, seq, payload, sizeof(payload));
}

void amp_outbox_flush(struct amp_node *n)
{
	while (n->out_count) {
		struct amp_reply *r = &n->outbox[n->out_head];

		if (r->len) {
			int rc = rp_send(&n->dev->link, r->hub->addr, r->dst, r->data, r->len);

			if (rc == RP_EAGAIN || rc == RP_EBUSY)
				return;
			/* Any other failure cannot improve by retrying: drop the reply. */
		}
		if (r->conn && r->conn->replies_queued)
			r->conn->replies_queued--;
		n->out_head = (n->out_head + 1u) % AMP_OUTBOX_SLOTS;
		n->out_count--;
	}
}

void amp_outbox_forget(struct amp_node *n, const struct amp_conn *c)
{
	for (unsigned int i = 0; i < n->out_count; i++) {
		struct amp_reply *r = &n->outbox[(n->out_head + i) % AMP_OUTBOX_SLOTS];

		if (r->conn == c) {
			r->len = 0;
			r->conn = NULL;
		}
	}
}

/* --- peers ------------------------------------------------------------- */

static uint32_t crc_update(uint32_t crc, const void *data, uint32_t len)
{
	return fw_crc32_update(crc, data, len);
}

static void peer_init(struct amp_conn *c, struct rp_endpoint *hub, uint32_t addr, uint32_t now)
{
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->hub = hub;
	c->addr = addr;
	c->last_ms = now;
	amp_stream_init(&c->stream, crc_update);
}

/* A slot whose sender has no connection and no frame half-way can be reused. */
static bool peer_reusable(const struct amp_conn *c, uint32_t now)
{
	if (!c->used)
		return true;
	if (c->svc || c->replies_queued || c->close_status)
		return false;
	/* A sender that vanished mid-frame must not hold its slot for ever. */
	return !amp_stream_mid_frame(&c->stream) || now - c->last_ms > AMP_FRAME_TIMEOUT_MS;
}

static struct amp_conn *peer_for(struct amp_node *n, struct rp_endpoint *hub, uint32_t addr,
				 uint32_t now)
{
	struct amp_conn *spare = NULL;

	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &n->conns[i];

		if (c->used && c->hub == hub && c->addr == addr)
			return c;
		if (!spare && peer_reusable(c, now))
			spare = c;
	}
	if (spare)
		peer_init(spare, hub, addr, now);
	return spare;
}

/* Stops at a frame we will not take: its payload is scanned as garbage. */
static void refuse(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h,
		   enum amp_status why)
{
	amp_reply_error(n, c, h->seq, why, h->len);
	amp_stream_reset(&c->stream);
	c->rx = AMP_RX_NONE;
}

/* A frame abandoned half-way is reported before new bytes are read. */
static void expire_stalled(struct amp_node *n, struct amp_conn *c, uint32_t now)
{
	if (amp_stream_mid_frame(&c->stream) && now - c->last_ms > AMP_FRAME_TIMEOUT_MS) {
		amp_reply_error(n, c, c->stream.frame.seq, AMP_STATUS_TIMEOUT, c->stream.got);
		if (c->rx == AMP_RX_MSG)
			amp_conn_msg_abort(n, c);
		amp_stream_reset(&c->stream);
		c->rx = AMP_RX_NONE;
	}
	c->last_ms = now;
}

static void on_header(struct amp_node *n, struct amp_conn *c, const struct amp_frame_hdr *h)
{
	c->rx = AMP_RX_SKIP;
	switch (h->type) {
	case AMP_FRAME_DATA:
		c->rx = AMP_RX_DATA;
		break;
	case AMP_FRAME_STATS_REQUEST:
		break;
	case AMP_FRAME_ECHO:
		if (h->len > AMP_ECHO_MAX_LEN)
			refuse(n, c, h, AMP_STATUS_TOO_LARGE);
		else
			c->rx = AMP_RX_SMALL;
		break;
	case AMP_FRAME_OPEN:
		if (h->len <= AMP_OPEN_FIXED_SIZE ||
		    h->len > AMP_OPEN_FIXED_SIZE + AMP_SERVICE_NAME_MAX)
			refuse(n, c, h, AMP_STATUS_TOO_LARGE);
		else
			c->rx = AMP_RX_SMALL;
		break;
	case AMP_FRAME_CREDIT:
	case AMP_FRAME_CLOSE:
		if (h->len > 4u || (h->type == AMP_FRAME_CREDIT && h->len != 4u))
			refuse(n, c, h, AMP_STATUS_TOO_LARGE);
		else
			c->rx = AMP_RX_SMALL;
		break;
	case AMP_FRAME_MSG:
		/* A well-formed frame we refuse: its payload is skipped, in step. */
		if (amp_conn_msg_header(n, c, h))
			c->rx = AMP_RX_MSG;
		break;
	default:
		/* Frames only the firmware sends. */
		refuse(n, c, h, AMP_STATUS_BAD_TYPE);
		break;
	}
}

static void on_payload(struct amp_node *n, struct amp_conn *c, const struct amp_stream_event *ev)
{
	if (c->rx == AMP_RX_SMALL)
		/* on_header bounded every small frame by sizeof(small) */
		memcpy(c->small + ev->offset, ev->data, ev->len);
	else if (c->rx == AMP_RX_MSG)
		amp_conn_msg_payload(n, c, ev->data, ev->len, ev->offset);
}

static void on_end(struct amp_node *n, struct amp_conn *c, const struct amp_stream_event *ev)
{
	enum amp_rx_kind rx = c->rx;

	c->rx = AMP_RX_NONE;
	switch (ev->hdr.type) {
	case AMP_FRAME_DATA:
	case AMP_FRAME_ECHO:
	case AMP_FRAME_STATS_REQUEST:
		amp_diag_end(n, c, ev);
		return;
	case AMP_FRAME_MSG:
		if (rx == AMP_RX_MSG)
			amp_conn_msg_end(n, c, &ev->hdr, ev->crc_ok);
		return;
	default:
		break;
	}
	if (rx != AMP_RX_SMALL)
		return;
	if (!ev->crc_ok) {
		amp_reply_error(n, c, ev->hdr.seq, AMP_STATUS_BAD_CRC, ev->hdr.len);
		return;
	}
	if (ev->hdr.type == AMP_FRAME_OPEN) {
		amp_conn_open(n, c, &ev->hdr);
	} else if (ev->hdr.type == AMP_FRAME_CREDIT) {
		amp_conn_credit(n, c, &ev->hdr);
	} else if (c->svc) {
		/* CLOSE: the client is done with the connection. */
		n->stats.closes++;
		amp_conn_end(n, c, true);
	}
}

static void feed(struct amp_node *n, struct amp_conn *c, const uint8_t *data, uint32_t len)
{
	struct amp_stream_event ev;
	size_t off = 0;

	do {
		off += amp_stream_feed(&c->stream, data + off, len - off, &ev);
		switch (ev.type) {
		case AMP_STREAM_HEADER:
			on_header(n, c, &ev.hdr);
			break;
		case AMP_STREAM_PAYLOAD:
			on_payload(n, c, &ev);
			break;
		case AMP_STREAM_END:
			on_end(n, c, &ev);
			break;
		case AMP_STREAM_GARBAGE:
			amp_reply_error(n, c, 0, ev.status, 0);
			break;
		case AMP_STREAM_NONE:
			break;
		}
	} while (ev.type != AMP_STREAM_NONE);
}

static int hub_receive(struct rp_endpoint *ept, const void *data, uint32_t len, uint32_t src)
{
	struct amp_node *n = ept->priv;
	uint32_t now = amp_node_clock(n);
	struct amp_conn *c;

	amp_outbox_flush(n);
	if (!amp_outbox_has_room(n, AMP_REPLIES_PER_MESSAGE))
		return RP_EAGAIN;
	c = peer_for(n, ept, src, now);
	if (!c) {
		uint8_t payload[AMP_ERROR_SIZE];
		struct amp_frame_hdr h = {0};

		/* Answer a frame that starts here by its seq, so an OPEN hears why. */
		if (len < AMP_FRAME_HDR_SIZE || amp_frame_decode(data, &h) != AMP_STATUS_OK)
			h.seq = 0;
		amp_put32(payload, AMP_STATUS_BUSY);
		amp_put32(payload + 4, AMP_MAX_PEERS);
		n->stats.errors++;
		amp_reply(n, NULL, ept, src, AMP_FRAME_ERROR, h.seq, payload, sizeof(payload));
	} else {
		expire_stalled(n, c, now);
		/* credit and pending sends go out once per poll pass (amp_node_poll) */
		feed(n, c, data, len);
	}
	amp_outbox_flush(n);
	return RP_OK;
}

/* Linux says one of its endpoints is gone: so is whoever was there. */
static void peer_gone(struct rp_link *link, const char *name, uint32_t addr, bool created)
{
	struct amp_node *n = NULL;

	if (created)
		return;
	for (struct rp_endpoint *e = link->endpoints; e && !n; e = e->next)
		if (e->cb == hub_receive)
			n = e->priv;
	if (!n)
		return;
	(void)name; /* the channel's name; the address alone says who */
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &n->conns[i];

		if (!c->used || c->addr != addr)
			continue;
		if (c->svc) {
			n->stats.gone++;
			amp_conn_end(n, c, true);
		}
		amp_outbox_forget(n, c);
		c->used = false;
	}
}

/* --- the node ------------------------------------------------------------ */

int amp_node_init(struct amp_node *n, struct rp_device *dev, uint32_t (*now_ms)(void))
{
	int rc = RP_OK;

	memset(n, 0, sizeof(*n));
	n->dev = dev;
	n->now_ms = now_ms;
	for (unsigned int i = 0; i < AMP_NODE_HUBS && rc == RP_OK; i++)
		rc = rp_endpoint_create(&dev->link, &n->hubs[i], hub_names[i], RP_ADDR_ANY,
					hub_receive, n);
	rp_device_on_ns(dev, peer_gone);
	return rc;
}

static void tell_link(struct amp_node *n, bool up)
{
	n->link_up = up;
	for (struct amp_service *s = n->services; s; s = s->next)
		if (s->ops->link)
			s->ops->link(s, up);
}

int amp_node_poll(struct amp_node *n)
{
	int rc;

	if (n->dev->link.link_up && !n->link_up)
		tell_link(n, true);
	amp_timers_run(n);
	amp_outbox_flush(n);
	rc = rp_poll(&n->dev->link, 0);
	amp_outbox_flush(n);
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++)
		amp_conn_pump(n, &n->conns[i]);
#if AMP_NODE_BULK
	amp_bulk_flush(n);
#endif
	return rc;
}

void amp_node_stop(struct amp_node *n)
{
	for (unsigned int i = 0; i < AMP_MAX_PEERS; i++) {
		struct amp_conn *c = &n->conns[i];

		if (c->used && c->svc)
			amp_conn_end(n, c, true);
		c->used = false;
	}
	n->out_count = 0;
#if AMP_NODE_BULK
	amp_bulk_stop(n);
#endif
	if (n->link_up)
		tell_link(n, false);
}

void amp_node_fill_stats(const struct amp_node *n, struct amp_stats *s)
{
	const struct rp_link *link = &n->dev->link;

	memset(s, 0, sizeof(*s));
	s->rx_msgs = link->stats.rx_msgs;
	s->tx_msgs = link->stats.tx_msgs;
	s->kicks_in = n->kicks_in;
	s->irqs_out = link->to_driver.stats.notifies_sent + link->to_device.stats.notifies_sent;
	s->kicks_avoided =
		link->to_driver.stats.notifies_avoided + link->to_device.stats.notifies_avoided;
	s->frames_ok = n->stats.frames_ok;
	s->frames_bad = n->stats.frames_bad;
	s->errors = n->stats.errors;
	s->tx_waits = link->stats.tx_waits;
	s->rx_dropped = link->stats.rx_dropped;
	s->peers_gone = link->stats.peers_gone;
}
